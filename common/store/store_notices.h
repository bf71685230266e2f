/* store_notices.h — notices (通知公告, SPEC §12) in the store: insert, read, delete, the
 * administrators' list over a scope and the notices addressed to one person now. Who may post
 * where, the checks of the input and the audit lines are the domain's (notice.c); this is SQL
 * only. Rows handed to callbacks live only for the call. */
#ifndef LAWEXAM_STORE_NOTICES_H
#define LAWEXAM_STORE_NOTICES_H

#include <stdint.h>

#include "err.h"

struct store;

/* One notice. org NULL: everyone; category NULL: every category. Shown from starts_at until
 * before ends_at (Unix seconds). */
struct notice_row {
	int64_t id;
	const char *title, *body, *org, *category, *category_name, *author;
	int64_t starts_at, ends_at, created_at;
};
typedef void (*notice_fn)(void *ctx, const struct notice_row *n);

/* Inserts n (its id and category_name ignored); *id is the new notice's id. */
int store_notice_insert(struct store *db, const struct notice_row *n, int64_t *id, struct lx_err *e);
/* Calls fn with notice id; LX_ERR_NOTFOUND when there is none. */
int store_notice_get(struct store *db, int64_t id, notice_fn fn, void *ctx, struct lx_err *e);
/* Deletes notice id; LX_ERR_NOTFOUND when there is none. */
int store_notice_delete(struct store *db, int64_t id, struct lx_err *e);
/* The notices whose unit lies under scope (scope NULL: every notice, those to everyone
 * included; else only notices with a unit, that unit being scope or under it), newest first,
 * at most limit of them. *more is set when more matched. */
int store_notice_list(struct store *db, const char *scope, int limit, notice_fn fn, void *ctx, int *more,
		      struct lx_err *e);
/* The notices addressed at now to a person of unit org and category category: the notice's
 * unit is org or one of org's ancestors (or none), its category is category (or none), and
 * starts_at <= now < ends_at; latest start first, at most limit. */
int store_notice_for(struct store *db, const char *org, const char *category, int64_t now, int limit,
		     notice_fn fn, void *ctx, struct lx_err *e);
/* LX_OK when the unit path exists (org_units), LX_ERR_NOTFOUND when not. */
int store_org_known(struct store *db, const char *path, struct lx_err *e);

#endif
