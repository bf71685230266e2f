/* store_banks.h — banks, questions and question versions in the store. A question (bank,
 * qid) has numbered versions; current_version_id is the one drawn. Callback strings live
 * only for the call. */
#ifndef LAWEXAM_STORE_BANKS_H
#define LAWEXAM_STORE_BANKS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store;

struct sq_row {
	int64_t question_id, version_id;
	const char *qid;
	int active, version, ord;
	const char *type, *stem, *options_json, *answer, *explanation, *basis, *tags_json;
	int difficulty;
};

struct sv_new {
	const char *type, *stem, *options_json, *answer, *explanation, *basis, *tags_json;
	int difficulty;
};

int store_bank_upsert(struct store *db, const char *code, const char *title, const char *subject, int64_t now,
		      struct lx_err *e);
/* title/subject into fresh strings (caller frees). LX_ERR_NOTFOUND if no such bank. */
int store_bank_get(struct store *db, const char *code, char **title, char **subject, struct lx_err *e);
int store_bank_list(struct store *db,
		    void (*fn)(void *ctx, const char *code, const char *title, const char *subject,
			       int64_t active, int64_t retired, int64_t singles, int64_t multiples, int64_t judges),
		    void *ctx, struct lx_err *e);
/* Every question of the bank with its current version, in file order. */
int store_bank_questions(struct store *db, const char *code, void (*fn)(void *ctx, const struct sq_row *q),
			 void *ctx, struct lx_err *e);
int store_question_insert(struct store *db, const char *bank, const char *qid, int ord, int64_t *id,
			  struct lx_err *e);
int store_version_insert(struct store *db, int64_t question_id, int version, const struct sv_new *v, int64_t now,
			 int64_t *vid, struct lx_err *e);
int store_question_set(struct store *db, int64_t question_id, int64_t current_version_id, int active, int ord,
		       struct lx_err *e);
/* Updates what does not make a new version: key, explanation, basis, difficulty, tags. */
int store_version_update(struct store *db, int64_t version_id, const struct sv_new *v, struct lx_err *e);

#endif
