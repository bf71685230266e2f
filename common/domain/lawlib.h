/* lawlib.h — the law library and the law-aware bank (SPEC §13): importing a law text as a
 * new version, putting every active question that cites a changed article into review
 * (needs_review: not drawn into new papers), resolving a question's basis to (law, article),
 * checking every basis, and accepting a reviewed question. Reading a law file is
 * common/formats/law.c; the rows are common/store/store_laws.c. */
#ifndef LAWEXAM_LAWLIB_H
#define LAWEXAM_LAWLIB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "law.h"

struct store;

struct lawlib_import_result {
	int version;     /* the law's current version after the import */
	int unchanged;   /* 1: same title, date and articles as the current version; nothing written */
	size_t articles; /* in the file */
	size_t changed;  /* articles of the previous version whose text changed or that are gone */
	size_t flagged;  /* active questions put into review by this import */
};

/* Imports doc as law `code` (writer, inside a transaction). title NULL: doc->title; effective
 * "YYYY-MM-DD" or NULL (then the current version's, or ""). A first import is version 1;
 * anything different from the current version makes the next one, and every active
 * question citing an article whose text changed (or that is gone) goes into review.
 * LX_ERR_INVALID (e says why) for a bad code, date or a missing title. */
int lawlib_import(struct store *db, const struct law_doc *doc, const char *code, const char *title,
		  const char *effective, int64_t now, struct lawlib_import_result *res, struct lx_err *e);

/* What a basis resolves to. */
enum lawlib_status {
	LAWLIB_OK = 0,       /* a stored law and an article it has */
	LAWLIB_EMPTY,        /* no basis at all */
	LAWLIB_UNREADABLE,   /* not 《title》 followed by 第X条 (or 序言) */
	LAWLIB_NO_LAW,       /* the title is no law in the library */
	LAWLIB_NO_ARTICLE,   /* the law has no such article */
};
const char *lawlib_status_name(enum lawlib_status s); /* "ok", "empty", "unreadable", "no_law", "no_article" */

/* Resolves bases against the stored laws; keeps what it read (laws, their article numbers)
 * for the next call, so one resolver serves a whole list. Not shared between threads. */
struct lawlib_res;
struct lawlib_res *lawlib_res_new(void);
void lawlib_res_free(struct lawlib_res *r);
/* *st for basis; when LAWLIB_OK (or LAWLIB_NO_ARTICLE) *code is the law's code (owned by r)
 * and *ref the first cited article (the first that does not exist, for NO_ARTICLE). */
int lawlib_resolve(struct store *db, struct lawlib_res *r, const char *basis, enum lawlib_status *st,
		   const char **code, struct law_ref *ref, struct lx_err *e);
/* {"code","no","sub","ref"} for a basis that resolves, else JSON null. New reference. */
json_t *lawlib_basis_json(struct store *db, struct lawlib_res *r, const char *basis);

/* Every active question's basis that does not resolve (fn per question, st != LAWLIB_OK
 * and != LAWLIB_EMPTY), and counts per status in counts[] (indexed by enum lawlib_status). */
int lawlib_check_basis(struct store *db,
		       void (*fn)(void *ctx, const char *bank, const char *qid, const char *basis,
				  enum lawlib_status st, const char *detail),
		       void *ctx, size_t counts[5], struct lx_err *e);

/* Takes (bank, qid) out of review (writer). LX_ERR_NOTFOUND for an unknown question;
 * *was = 0 when it was not in review. */
int lawlib_accept(struct store *db, const char *bank, const char *qid, int *was, struct lx_err *e);

/* A law for the API: {"code","title","effective","version","articles":[{"no","sub","ref",
 * "label","chapter","text"}]}, keeping only articles whose label or text contains q (q NULL
 * or "" keeps all). LX_ERR_NOTFOUND (tag law_not_found) for an unknown law. New reference. */
int lawlib_law_json(struct store *db, const char *code, const char *q, json_t **out, struct lx_err *e);
/* [{"code","title","effective","version","articles"}]. */
int lawlib_list_json(struct store *db, json_t **out, struct lx_err *e);
/* {"code","title","effective","version","article":{…}}; LX_ERR_NOTFOUND (tags law_not_found,
 * article_not_found). */
int lawlib_article_json(struct store *db, const char *code, struct law_ref ref, json_t **out, struct lx_err *e);

#endif
