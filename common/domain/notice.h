/* notice.h — notices (通知公告, SPEC §12): checking a posted notice, posting it (the unit and
 * the category must exist; a scoped poster only inside the scope), deleting it, the
 * administrators' list and the notices addressed to one person now. A notice goes to the
 * staff of its unit and the unit's sub-units (none: everyone), of its category (none: every
 * category), from `from` until before `until`. Writes run on the writer's connection inside
 * its transaction and add their audit line; the JSON views read on any connection.
 * Failures of the input carry e->tag "bad_request" and a message in Chinese. */
#ifndef LAWEXAM_NOTICE_H
#define LAWEXAM_NOTICE_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"

struct store;
struct exam_actor;

#define NOTICE_LIST_MAX 500  /* notices in one administrators' list */
#define NOTICE_MINE_MAX 20   /* notices shown to one person at once (the latest starts) */

/* A posted notice, checked. Owns its strings: notice_in_free(). */
struct notice_in {
	char *title, *body; /* trimmed, 1..LX_NOTICE_TITLE_MAX / LX_NOTICE_BODY_MAX characters */
	char *org;          /* a normalised unit path, or NULL: everyone */
	char *category;     /* a category code or name as given, or NULL: every category */
	int64_t from, until; /* from < until */
};
void notice_in_free(struct notice_in *n);

/* Checks the body {"title","body","org"?,"category"?,"from","until"} (times as an exam's
 * opens_at, RFC 3339 with an offset). Pure. LX_ERR_INVALID (tag bad_request) names the field. */
int notice_parse(const json_t *body, struct notice_in *out, struct lx_err *e);

/* Posts in (writer): the category resolved (code or name), the unit known; scope (NULL:
 * none) must cover the unit (LX_ERR_DENIED otherwise, and for no unit). Audited
 * "notice_create". *out (caller decrefs) is the notice as notice_list_json() shows it. */
int notice_create(struct store *db, const struct exam_actor *who, const char *scope, const struct notice_in *in,
		  json_t **out, struct lx_err *e);
/* Deletes notice id (writer) when scope (NULL: none) covers its unit; else, and for an
 * unknown id alike, LX_ERR_NOTFOUND. Audited "notice_delete". */
int notice_delete(struct store *db, const struct exam_actor *who, const char *scope, int64_t id,
		  struct lx_err *e);

/* {"notices":[{"id","title","body","org","category","category_name","from","until","author",
 * "created_at","status"}],"more","scope"}: the notices of the scope, newest first; status is
 * "upcoming", "active" or "expired" at now. */
int notice_list_json(struct store *db, const char *scope, int64_t now, json_t **out, struct lx_err *e);
/* {"notices":[{"id","title","body","org","category","category_name","from","until"}]}: what a
 * person of unit org and category category is shown at now, latest start first. */
int notice_mine_json(struct store *db, const char *org, const char *category, int64_t now, json_t **out,
		     struct lx_err *e);

#endif
