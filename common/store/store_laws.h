/* store_laws.h — the law library in the store (SPEC §13): laws, their numbered versions
 * with every article of each version, and the questions put into review (needs_review)
 * because an article they cite changed. Callback strings live only for the call. */
#ifndef LAWEXAM_STORE_LAWS_H
#define LAWEXAM_STORE_LAWS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store;

/* A law at its current (latest) version. */
struct law_row {
	const char *code, *title, *effective, *sha256;
	int version;
	int64_t articles, imported_at;
};

/* One article of one version. */
struct law_art_row {
	int no, sub;
	const char *label, *chapter, *text;
};

/* A question in review, with what put it there. */
struct review_row {
	const char *bank, *qid, *law, *label, *basis, *stem;
	int law_version;
	int64_t since;
};

/* The law's current version (fn called once), LX_ERR_NOTFOUND if no such law. */
int store_law_get(struct store *db, const char *code, void (*fn)(void *ctx, const struct law_row *l), void *ctx,
		  struct lx_err *e);
/* Every law, by code. */
int store_law_list(struct store *db, void (*fn)(void *ctx, const struct law_row *l), void *ctx, struct lx_err *e);
/* Adds version `version` of law code (creating the law) and makes it current. */
int store_law_version_add(struct store *db, const char *code, const char *title, int version, const char *effective,
			  const char *sha256, int64_t now, struct lx_err *e);
/* Adds one article of a version (ord = its place in the file). */
int store_law_article_add(struct store *db, const char *code, int version, int ord, const struct law_art_row *a,
			  struct lx_err *e);
/* Every article of a version, in file order. */
int store_law_articles(struct store *db, const char *code, int version,
		       void (*fn)(void *ctx, const struct law_art_row *a), void *ctx, struct lx_err *e);
/* One article of a version; LX_ERR_NOTFOUND if it has none with that number. */
int store_law_article(struct store *db, const char *code, int version, int no, int sub,
		      void (*fn)(void *ctx, const struct law_art_row *a), void *ctx, struct lx_err *e);

/* Every active question with a non-empty basis in its current version, with its review flag. */
int store_active_bases(struct store *db,
		       void (*fn)(void *ctx, int64_t question_id, const char *bank, const char *qid, const char *basis,
				  int needs_review),
		       void *ctx, struct lx_err *e);
/* Puts a question into review (or updates why it is there). */
int store_review_set(struct store *db, int64_t question_id, const char *law, const char *label, int law_version,
		     int64_t now, struct lx_err *e);
/* Takes a question out of review; *cleared = 1 if it was in review. */
int store_review_clear(struct store *db, int64_t question_id, int *cleared, struct lx_err *e);
/* Questions in review (of one law, or all when law is NULL), by bank and file order. */
int store_review_list(struct store *db, const char *law, void (*fn)(void *ctx, const struct review_row *r),
		      void *ctx, struct lx_err *e);
/* Active questions of bank and type held back from papers because they are in review: fn per
 * question with its difficulty and tags (what store_candidates leaves out). */
int store_candidates_held(struct store *db, const char *bank, const char *type,
			  void (*fn)(void *ctx, int difficulty, const char *tags_json), void *ctx, struct lx_err *e);
/* The question id of (bank, qid); LX_ERR_NOTFOUND if none. */
int store_question_find(struct store *db, const char *bank, const char *qid, int64_t *id, struct lx_err *e);

#endif
