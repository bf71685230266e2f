/* store_laws.c — SQL for the law library and the review of questions (see store_laws.h).
 * A question in review has questions.needs_review = 1 (an UPDATE of questions, so the
 * content stamp of migration 3 changes and no start cache keeps drawing it) and a row in
 * question_review saying which article of which law version put it there. */
#include "store_laws.h"

#include <stdlib.h>
#include <string.h>

#include "law.h"
#include "store_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define SQL_LAW_COLS                                                                                          \
	"SELECT l.code, l.title, v.effective, v.sha256, l.version,"                                       \
	" (SELECT count(*) FROM law_articles a WHERE a.law = l.code AND a.version = l.version"             \
	"  AND a.art_no <= " STR(LAW_ANNEX_NO) "), v.imported_at" /* articles and 序言, no annex */          \
	" FROM laws l JOIN law_versions v ON v.law = l.code AND v.version = l.version "

static void law_from(struct stmt *st, struct law_row *l)
{
	l->code = col_text(st, 0);
	l->title = col_text(st, 1);
	l->effective = col_text(st, 2);
	l->sha256 = col_text(st, 3);
	l->version = (int)col_int(st, 4);
	l->articles = col_int(st, 5);
	l->imported_at = col_int(st, 6);
}

int store_law_get(struct store *db, const char *code, void (*fn)(void *ctx, const struct law_row *l), void *ctx,
		  struct lx_err *e)
{
	STMT(st, SQL_LAW_COLS "WHERE l.code = ?1");
	struct law_row l;
	int src, rc = LX_OK;
	st_bind_text(st, 1, code, -1);
	src = st_step(st);
	if (src == ST_ROW) {
		law_from(st, &l);
		fn(ctx, &l);
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "法律 %s 不存在", code);
	} else {
		rc = store_fail(db, src, e, "law");
	}
	st_reset(st);
	return rc;
}

int store_law_list(struct store *db, void (*fn)(void *ctx, const struct law_row *l), void *ctx, struct lx_err *e)
{
	STMT(st, SQL_LAW_COLS "ORDER BY l.code");
	struct law_row l;
	int src;
	while ((src = st_step(st)) == ST_ROW) {
		law_from(st, &l);
		fn(ctx, &l);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "law list");
}

int store_law_version_add(struct store *db, const char *code, const char *title, int version, const char *effective,
			  const char *sha256, int64_t now, struct lx_err *e)
{
	int rc;
	{
		STMT(st, "INSERT INTO laws(code, title, version, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?4)"
			 " ON CONFLICT(code) DO UPDATE SET title = ?2, version = ?3, updated_at = ?4");
		st_bind_text(st, 1, code, -1);
		st_bind_text(st, 2, title, -1);
		st_bind_int(st, 3, version);
		st_bind_int(st, 4, now);
		rc = store_step_done(db, st, e, "law upsert");
	}
	if (rc)
		return rc;
	STMT(st, "INSERT INTO law_versions(law, version, title, effective, sha256, imported_at)"
		 " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
	st_bind_text(st, 1, code, -1);
	st_bind_int(st, 2, version);
	st_bind_text(st, 3, title, -1);
	st_bind_text(st, 4, effective, -1);
	st_bind_text(st, 5, sha256, -1);
	st_bind_int(st, 6, now);
	return store_step_done(db, st, e, "law version insert");
}

int store_law_article_add(struct store *db, const char *code, int version, int ord, const struct law_art_row *a,
			  struct lx_err *e)
{
	STMT(st, "INSERT INTO law_articles(law, version, ord, art_no, art_sub, label, chapter, body)"
		 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	st_bind_text(st, 1, code, -1);
	st_bind_int(st, 2, version);
	st_bind_int(st, 3, ord);
	st_bind_int(st, 4, a->no);
	st_bind_int(st, 5, a->sub);
	st_bind_text(st, 6, a->label, -1);
	st_bind_text(st, 7, a->chapter, -1);
	st_bind_text(st, 8, a->text, -1);
	return store_step_done(db, st, e, "law article insert");
}

static void art_from(struct stmt *st, struct law_art_row *a)
{
	a->no = (int)col_int(st, 0);
	a->sub = (int)col_int(st, 1);
	a->label = col_text(st, 2);
	a->chapter = col_text(st, 3);
	a->text = col_text(st, 4);
}

int store_law_articles(struct store *db, const char *code, int version,
		       void (*fn)(void *ctx, const struct law_art_row *a), void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT art_no, art_sub, label, chapter, body FROM law_articles"
		 " WHERE law = ?1 AND version = ?2 ORDER BY ord");
	struct law_art_row a;
	int src;
	st_bind_text(st, 1, code, -1);
	st_bind_int(st, 2, version);
	while ((src = st_step(st)) == ST_ROW) {
		art_from(st, &a);
		fn(ctx, &a);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "law articles");
}

int store_law_article(struct store *db, const char *code, int version, int no, int sub,
		      void (*fn)(void *ctx, const struct law_art_row *a), void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT art_no, art_sub, label, chapter, body FROM law_articles"
		 " WHERE law = ?1 AND version = ?2 AND art_no = ?3 AND art_sub = ?4");
	struct law_art_row a;
	int src, rc = LX_OK;
	st_bind_text(st, 1, code, -1);
	st_bind_int(st, 2, version);
	st_bind_int(st, 3, no);
	st_bind_int(st, 4, sub);
	src = st_step(st);
	if (src == ST_ROW) {
		art_from(st, &a);
		fn(ctx, &a);
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "法律 %s 没有这一条", code);
	} else {
		rc = store_fail(db, src, e, "law article");
	}
	st_reset(st);
	return rc;
}

int store_active_bases(struct store *db,
		       void (*fn)(void *ctx, int64_t question_id, const char *bank, const char *qid, const char *basis,
				  int needs_review),
		       void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT q.id, q.bank, q.qid, v.basis, q.needs_review"
		 " FROM questions q JOIN question_versions v ON v.id = q.current_version_id"
		 " WHERE q.active = 1 ORDER BY q.bank, q.ord, q.id");
	int src;
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
		   (int)col_int(st, 4));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "active bases");
}

int store_review_set(struct store *db, int64_t question_id, const char *law, const char *label, int law_version,
		     int64_t now, struct lx_err *e)
{
	int rc;
	{
		STMT(st, "UPDATE questions SET needs_review = 1 WHERE id = ?1 AND needs_review = 0");
		st_bind_int(st, 1, question_id);
		rc = store_step_done(db, st, e, "review set");
	}
	if (rc)
		return rc;
	STMT(st, "INSERT INTO question_review(question_id, law, label, law_version, since) VALUES(?1, ?2, ?3, ?4, ?5)"
		 " ON CONFLICT(question_id) DO UPDATE SET law = ?2, label = ?3, law_version = ?4, since = ?5");
	st_bind_int(st, 1, question_id);
	st_bind_text(st, 2, law, -1);
	st_bind_text(st, 3, label, -1);
	st_bind_int(st, 4, law_version);
	st_bind_int(st, 5, now);
	return store_step_done(db, st, e, "review insert");
}

int store_review_clear(struct store *db, int64_t question_id, int *cleared, struct lx_err *e)
{
	int rc, src;
	*cleared = 0;
	{
		STMT(st, "DELETE FROM question_review WHERE question_id = ?1");
		st_bind_int(st, 1, question_id);
		rc = store_step_done(db, st, e, "review delete");
	}
	if (rc)
		return rc;
	STMT(st, "UPDATE questions SET needs_review = 0 WHERE id = ?1 AND needs_review = 1 RETURNING id");
	st_bind_int(st, 1, question_id);
	src = st_step(st);
	if (src == ST_ROW) {
		*cleared = 1;
		src = st_step(st);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "review clear");
}

int store_review_list(struct store *db, const char *law, void (*fn)(void *ctx, const struct review_row *r),
		      void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT q.bank, q.qid, r.law, r.label, v.basis, v.stem, r.law_version, r.since"
		 " FROM question_review r JOIN questions q ON q.id = r.question_id"
		 " JOIN question_versions v ON v.id = q.current_version_id"
		 " WHERE q.active = 1 AND q.needs_review = 1 AND (?1 = '' OR r.law = ?1)"
		 " ORDER BY q.bank, q.ord, q.id");
	struct review_row r;
	int src;
	st_bind_text(st, 1, law ? law : "", -1);
	while ((src = st_step(st)) == ST_ROW) {
		r.bank = col_text(st, 0);
		r.qid = col_text(st, 1);
		r.law = col_text(st, 2);
		r.label = col_text(st, 3);
		r.basis = col_text(st, 4);
		r.stem = col_text(st, 5);
		r.law_version = (int)col_int(st, 6);
		r.since = col_int(st, 7);
		fn(ctx, &r);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "review list");
}

int store_question_find(struct store *db, const char *bank, const char *qid, int64_t *id, struct lx_err *e)
{
	STMT(st, "SELECT id FROM questions WHERE bank = ?1 AND qid = ?2");
	int src, rc = LX_OK;
	st_bind_text(st, 1, bank, -1);
	st_bind_text(st, 2, qid, -1);
	src = st_step(st);
	if (src == ST_ROW)
		*id = col_int(st, 0);
	else if (src == ST_DONE)
		rc = err_set(e, LX_ERR_NOTFOUND, "题库 %s 中没有题目 %s", bank, qid);
	else
		rc = store_fail(db, src, e, "question find");
	st_reset(st);
	return rc;
}

int store_candidates_held(struct store *db, const char *bank, const char *type,
			  void (*fn)(void *ctx, int difficulty, const char *tags_json), void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT v.difficulty, v.tags FROM questions q JOIN question_versions v ON v.id = q.current_version_id"
		 " WHERE q.bank = ?1 AND q.active = 1 AND q.needs_review = 1 AND v.type = ?2");
	int src;
	st_bind_text(st, 1, bank, -1);
	st_bind_text(st, 2, type, -1);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, (int)col_int(st, 0), col_text(st, 1));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "held candidates");
}
