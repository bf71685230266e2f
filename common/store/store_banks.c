/* store_banks.c — SQL for banks, questions and versions (see store_banks.h). */
#include "store_banks.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "store_int.h"

int store_bank_upsert(struct store *db, const char *code, const char *title, const char *subject, int64_t now,
		      struct lx_err *e)
{
	STMT(st, "INSERT INTO banks(code, title, subject, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?4)"
		 " ON CONFLICT(code) DO UPDATE SET title = ?2, subject = ?3, updated_at = ?4"
		 " WHERE banks.title <> ?2 OR banks.subject <> ?3");
	st_bind_text(st, 1, code, -1);
	st_bind_text(st, 2, title, -1);
	st_bind_text(st, 3, subject, -1);
	st_bind_int(st, 4, now);
	return store_step_done(db, st, e, "bank upsert");
}

int store_bank_get(struct store *db, const char *code, char **title, char **subject, struct lx_err *e)
{
	STMT(st, "SELECT title, subject FROM banks WHERE code = ?1");
	int rc = LX_OK;
	st_bind_text(st, 1, code, -1);
	int src = st_step(st);
	if (src == ST_ROW) {
		*title = lx_strdup(col_text(st, 0));
		*subject = lx_strdup(col_text(st, 1));
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "题库 %s 不存在", code);
	} else {
		rc = store_fail(db, src, e, "bank");
	}
	st_reset(st);
	return rc;
}

int store_bank_list(struct store *db,
		    void (*fn)(void *ctx, const char *code, const char *title, const char *subject,
			       int64_t active, int64_t retired, int64_t singles, int64_t multiples, int64_t judges),
		    void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT b.code, b.title, b.subject,"
		 " count(q.id) FILTER (WHERE q.active = 1), count(q.id) FILTER (WHERE q.active = 0),"
		 " count(q.id) FILTER (WHERE q.active = 1 AND v.type = 'single'),"
		 " count(q.id) FILTER (WHERE q.active = 1 AND v.type = 'multiple'),"
		 " count(q.id) FILTER (WHERE q.active = 1 AND v.type = 'judge')"
		 " FROM banks b LEFT JOIN questions q ON q.bank = b.code"
		 " LEFT JOIN question_versions v ON v.id = q.current_version_id"
		 " GROUP BY b.code ORDER BY b.code");
	int src;
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_text(st, 0), col_text(st, 1), col_text(st, 2), col_int(st, 3),
		   col_int(st, 4), col_int(st, 5), col_int(st, 6),
		   col_int(st, 7));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "bank list");
}

int store_bank_questions(struct store *db, const char *code, void (*fn)(void *ctx, const struct sq_row *q),
			 void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT q.id, v.id, q.qid, q.active, v.version, q.ord, v.type, v.stem, v.options, v.answer,"
		 " v.explanation, v.basis, v.tags, v.difficulty"
		 " FROM questions q JOIN question_versions v ON v.id = q.current_version_id"
		 " WHERE q.bank = ?1 ORDER BY q.ord, q.id");
	struct sq_row r;
	int src;
	st_bind_text(st, 1, code, -1);
	while ((src = st_step(st)) == ST_ROW) {
		r.question_id = col_int(st, 0);
		r.version_id = col_int(st, 1);
		r.qid = col_text(st, 2);
		r.active = col_int(st, 3);
		r.version = col_int(st, 4);
		r.ord = col_int(st, 5);
		r.type = col_text(st, 6);
		r.stem = col_text(st, 7);
		r.options_json = col_text(st, 8);
		r.answer = col_text(st, 9);
		r.explanation = col_text(st, 10);
		r.basis = col_text(st, 11);
		r.tags_json = col_text(st, 12);
		r.difficulty = col_int(st, 13);
		fn(ctx, &r);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "bank questions");
}

int store_question_insert(struct store *db, const char *bank, const char *qid, int ord, int64_t *id,
			  struct lx_err *e)
{
	STMT(st, "INSERT INTO questions(bank, qid, active, ord) VALUES(?1, ?2, 1, ?3) RETURNING id");
	st_bind_text(st, 1, bank, -1);
	st_bind_text(st, 2, qid, -1);
	st_bind_int(st, 3, ord);
	return store_step_id(db, st, id, e, "question insert");
}

int store_version_insert(struct store *db, int64_t question_id, int version, const struct sv_new *v, int64_t now,
			 int64_t *vid, struct lx_err *e)
{
	STMT(st, "INSERT INTO question_versions(question_id, version, type, stem, options, answer, explanation,"
		 " basis, difficulty, tags, created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id");
	st_bind_int(st, 1, question_id);
	st_bind_int(st, 2, version);
	st_bind_text(st, 3, v->type, -1);
	st_bind_text(st, 4, v->stem, -1);
	st_bind_text(st, 5, v->options_json, -1);
	st_bind_text(st, 6, v->answer, -1);
	st_bind_text(st, 7, v->explanation, -1);
	st_bind_text(st, 8, v->basis, -1);
	st_bind_int(st, 9, v->difficulty);
	st_bind_text(st, 10, v->tags_json, -1);
	st_bind_int(st, 11, now);
	return store_step_id(db, st, vid, e, "version insert");
}

int store_question_set(struct store *db, int64_t question_id, int64_t current_version_id, int active, int ord,
		       struct lx_err *e)
{
	STMT(st, "UPDATE questions SET current_version_id = ?2, active = ?3, ord = ?4 WHERE id = ?1");
	st_bind_int(st, 1, question_id);
	st_bind_int(st, 2, current_version_id);
	st_bind_int(st, 3, active);
	st_bind_int(st, 4, ord);
	return store_step_done(db, st, e, "question set");
}

int store_version_update(struct store *db, int64_t version_id, const struct sv_new *v, struct lx_err *e)
{
	STMT(st, "UPDATE question_versions SET answer = ?2, explanation = ?3, basis = ?4, difficulty = ?5,"
		 " tags = ?6 WHERE id = ?1");
	st_bind_int(st, 1, version_id);
	st_bind_text(st, 2, v->answer, -1);
	st_bind_text(st, 3, v->explanation, -1);
	st_bind_text(st, 4, v->basis, -1);
	st_bind_int(st, 5, v->difficulty);
	st_bind_text(st, 6, v->tags_json, -1);
	return store_step_done(db, st, e, "version update");
}
