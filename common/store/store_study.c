/* store_study.c — SQL for study (学法): practice, mistakes, reading, study records (see
 * store_study.h). Every statement is in the common subset of SQLite and PostgreSQL. */
#include "store_study.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"
#include "store_int.h"

static int cands(struct store *db, struct stmt *st, const char *bank, int64_t user_id,
		 void (*fn)(void *ctx, const struct study_cand *c), void *ctx, struct lx_err *e)
{
	struct study_cand c;
	int src;
	st_bind_text(st, 1, bank, -1);
	st_bind_int(st, 2, user_id);
	while ((src = st_step(st)) == ST_ROW) {
		c.question_id = col_int(st, 0);
		c.version_id = col_int(st, 1);
		c.tags_json = col_text(st, 2);
		c.seen = col_int(st, 3) != 0;
		fn(ctx, &c);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "practice candidates");
}

int store_practice_candidates(struct store *db, const char *bank, int64_t user_id,
			      void (*fn)(void *ctx, const struct study_cand *c), void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT q.id, v.id, v.tags,"
		 " CASE WHEN EXISTS (SELECT 1 FROM study_seen s WHERE s.user_id = ?2 AND s.question_id = q.id)"
		 " THEN 1 ELSE 0 END"
		 " FROM questions q JOIN question_versions v ON v.id = q.current_version_id"
		 " WHERE q.bank = ?1 AND q.active = 1 AND q.needs_review = 0 ORDER BY q.ord, q.id");
	return cands(db, st, bank, user_id, fn, ctx, e);
}

int store_practice_mistake_candidates(struct store *db, const char *bank, int64_t user_id,
				      void (*fn)(void *ctx, const struct study_cand *c), void *ctx,
				      struct lx_err *e)
{
	STMT(st, "SELECT q.id, v.id, v.tags, 1"
		 " FROM mistakes m JOIN questions q ON q.id = m.question_id"
		 " JOIN question_versions v ON v.id = q.current_version_id"
		 " WHERE m.user_id = ?2 AND q.bank = ?1 AND q.active = 1 AND q.needs_review = 0 AND m.streak < 2"
		 " ORDER BY m.wrong_count DESC, m.updated_at DESC, q.ord, q.id");
	return cands(db, st, bank, user_id, fn, ctx, e);
}

int store_practice_set_insert(struct store *db, int64_t user_id, const char *bank, const char *mode, int64_t now,
			      int64_t *id, struct lx_err *e)
{
	STMT(st, "INSERT INTO practice_sets(user_id, bank, mode, created_at) VALUES(?1, ?2, ?3, ?4) RETURNING id");
	st_bind_int(st, 1, user_id);
	st_bind_text(st, 2, bank, -1);
	st_bind_text(st, 3, mode, -1);
	st_bind_int(st, 4, now);
	return store_step_id(db, st, id, e, "practice set");
}

int store_practice_item_insert(struct store *db, int64_t set_id, int position, int64_t question_id,
			       int64_t version_id, struct lx_err *e)
{
	STMT(st, "INSERT INTO practice_items(set_id, position, question_id, version_id) VALUES(?1, ?2, ?3, ?4)");
	st_bind_int(st, 1, set_id);
	st_bind_int(st, 2, position);
	st_bind_int(st, 3, question_id);
	st_bind_int(st, 4, version_id);
	return store_step_done(db, st, e, "practice item");
}

int store_practice_items(struct store *db, int64_t set_id, int position,
			 void (*fn)(void *ctx, const struct practice_item *it), void *ctx, struct lx_err *e)
{
#define SQL_PRACTICE_ITEMS(where)                                                                   \
	"SELECT s.user_id, i.question_id, i.version_id, i.position, q.bank, q.qid, v.type, v.stem,"  \
	" v.options, v.answer, v.explanation, v.basis, i.response, coalesce(i.correct, -1)"          \
	" FROM practice_sets s JOIN practice_items i ON i.set_id = s.id"                             \
	" JOIN questions q ON q.id = i.question_id JOIN question_versions v ON v.id = i.version_id"  \
	" WHERE s.id = ?1 " where " ORDER BY i.position"
	/* one position (an answer): a primary-key lookup, not a walk over the set */
	static const char SQL_ITEMS_ONE[] = SQL_PRACTICE_ITEMS("AND i.position = ?2");
	static const char SQL_ITEMS_ALL[] = SQL_PRACTICE_ITEMS("");
	struct stmt *st = store_stmt(db, position ? SQL_ITEMS_ONE : SQL_ITEMS_ALL, e);
	struct practice_item it;
	int src, n = 0;
	if (!st)
		return e ? e->code : LX_ERR_STORAGE;
	st_bind_int(st, 1, set_id);
	if (position)
		st_bind_int(st, 2, position);
	while ((src = st_step(st)) == ST_ROW) {
		it.user_id = col_int(st, 0);
		it.question_id = col_int(st, 1);
		it.version_id = col_int(st, 2);
		it.position = (int)col_int(st, 3);
		it.bank = col_text(st, 4);
		it.qid = col_text(st, 5);
		it.type = col_text(st, 6);
		it.stem = col_text(st, 7);
		it.options_json = col_text(st, 8);
		it.answer = col_text(st, 9);
		it.explanation = col_text(st, 10);
		it.basis = col_text(st, 11);
		it.response = col_null(st, 12) ? NULL : col_text(st, 12);
		it.correct = (int)col_int(st, 13);
		fn(ctx, &it);
		n++;
	}
	st_reset(st);
	if (src != ST_DONE)
		return store_fail(db, src, e, "practice items");
	return n ? LX_OK : err_set(e, LX_ERR_NOTFOUND, "练习不存在");
}

int store_practice_answer(struct store *db, int64_t set_id, int position, const char *response, int correct,
			  int64_t now, int *applied, struct lx_err *e)
{
	STMT(st, "UPDATE practice_items SET response = ?3, correct = ?4, answered_at = ?5"
		 " WHERE set_id = ?1 AND position = ?2 AND response IS NULL");
	st_bind_int(st, 1, set_id);
	st_bind_int(st, 2, position);
	st_bind_text(st, 3, response, -1);
	st_bind_int(st, 4, correct);
	st_bind_int(st, 5, now);
	int rc = store_step_done(db, st, e, "practice answer");
	if (rc == LX_OK)
		*applied = st_changes(st) > 0;
	return rc;
}

int store_study_count(struct store *db, int64_t user_id, const char *bank, int64_t question_id, int correct,
		      struct lx_err *e)
{
	int rc;
	{
		STMT(st, "INSERT INTO study_stats(user_id, bank, answered, correct) VALUES(?1, ?2, 1, ?3)"
			 " ON CONFLICT(user_id, bank) DO UPDATE SET answered = study_stats.answered + 1,"
			 " correct = study_stats.correct + excluded.correct");
		st_bind_int(st, 1, user_id);
		st_bind_text(st, 2, bank, -1);
		st_bind_int(st, 3, correct ? 1 : 0);
		rc = store_step_done(db, st, e, "study count");
		if (rc)
			return rc;
	}
	STMT(st, "INSERT INTO study_seen(user_id, question_id) VALUES(?1, ?2) ON CONFLICT DO NOTHING");
	st_bind_int(st, 1, user_id);
	st_bind_int(st, 2, question_id);
	return store_step_done(db, st, e, "study seen");
}

int store_practice_banks(struct store *db, void (*fn)(void *ctx, const char *code, const char *title, int64_t n),
			 void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT b.code, b.title, count(*) FROM banks b"
		 " JOIN questions q ON q.bank = b.code AND q.active = 1 AND q.needs_review = 0"
		 " GROUP BY b.code, b.title ORDER BY b.code");
	int src;
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_text(st, 0), col_text(st, 1), col_int(st, 2));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "practice banks");
}

int store_mistake_wrong(struct store *db, int64_t user_id, int64_t question_id, const char *response,
			int64_t now, struct lx_err *e)
{
	STMT(st, "INSERT INTO mistakes(user_id, question_id, wrong_count, last_response, streak, updated_at)"
		 " VALUES(?1, ?2, 1, ?3, 0, ?4) ON CONFLICT(user_id, question_id) DO UPDATE SET"
		 " wrong_count = mistakes.wrong_count + 1, last_response = excluded.last_response, streak = 0,"
		 " updated_at = excluded.updated_at");
	st_bind_int(st, 1, user_id);
	st_bind_int(st, 2, question_id);
	st_bind_text(st, 3, response, -1);
	st_bind_int(st, 4, now);
	return store_step_done(db, st, e, "mistake");
}

int store_mistake_right(struct store *db, int64_t user_id, int64_t question_id, int64_t now, struct lx_err *e)
{
	STMT(st, "UPDATE mistakes SET streak = streak + 1, updated_at = ?3"
		 " WHERE user_id = ?1 AND question_id = ?2 AND streak < 2");
	st_bind_int(st, 1, user_id);
	st_bind_int(st, 2, question_id);
	st_bind_int(st, 3, now);
	return store_step_done(db, st, e, "mistake right");
}

int store_mistakes(struct store *db, int64_t user_id, void (*fn)(void *ctx, const struct mistake_row *m),
		   void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT q.bank, q.qid, v.type, v.stem, v.options, m.last_response, m.wrong_count, m.streak,"
		 " m.updated_at FROM mistakes m JOIN questions q ON q.id = m.question_id"
		 " JOIN question_versions v ON v.id = q.current_version_id"
		 " WHERE m.user_id = ?1 AND m.streak < 2 ORDER BY m.updated_at DESC, q.bank, q.ord, q.id");
	struct mistake_row m;
	int src;
	st_bind_int(st, 1, user_id);
	while ((src = st_step(st)) == ST_ROW) {
		m.bank = col_text(st, 0);
		m.qid = col_text(st, 1);
		m.type = col_text(st, 2);
		m.stem = col_text(st, 3);
		m.options_json = col_text(st, 4);
		m.last_response = col_text(st, 5);
		m.wrong_count = col_int(st, 6);
		m.streak = col_int(st, 7);
		m.updated_at = col_int(st, 8);
		fn(ctx, &m);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "mistakes");
}

static int one_int(struct store *db, struct stmt *st, int64_t *out, struct lx_err *e, const char *what)
{
	int src = st_step(st);
	*out = 0;
	if (src == ST_ROW)
		*out = col_int(st, 0);
	st_reset(st);
	return src == ST_ROW || src == ST_DONE ? LX_OK : store_fail(db, src, e, what);
}

int store_mistakes_count(struct store *db, int64_t user_id, int64_t *n, struct lx_err *e)
{
	STMT(st, "SELECT count(*) FROM mistakes WHERE user_id = ?1 AND streak < 2");
	st_bind_int(st, 1, user_id);
	return one_int(db, st, n, e, "mistakes count");
}

static int ids(struct store *db, struct stmt *st, void (*fn)(void *ctx, int64_t id), void *ctx, struct lx_err *e)
{
	int src;
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "ids");
}

int store_mistake_pending(struct store *db, int64_t user_id, int64_t now, void (*fn)(void *ctx, int64_t attempt_id),
			  void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT a.id FROM attempts a JOIN exams x ON x.id = a.exam_id"
		 " WHERE a.user_id = ?1 AND a.status = 'submitted' AND a.voided_at IS NULL"
		 " AND (x.review = 'immediate' OR (x.review = 'after_close' AND x.closes_at <= ?2))"
		 " AND NOT EXISTS (SELECT 1 FROM mistake_attempts m WHERE m.attempt_id = a.id)"
		 " AND NOT EXISTS (SELECT 1 FROM attempts b WHERE b.exam_id = a.exam_id AND b.user_id = a.user_id"
		 "                 AND b.status = 'in_progress' AND b.voided_at IS NULL)"
		 " ORDER BY a.id");
	st_bind_int(st, 1, user_id);
	st_bind_int(st, 2, now);
	return ids(db, st, fn, ctx, e);
}

int store_attempt_missed(struct store *db, int64_t attempt_id,
			 void (*fn)(void *ctx, int64_t question_id, const char *response), void *ctx,
			 struct lx_err *e)
{
	/* every question of the paper: no answer row, an empty response ('' is never a key) or
	 * a response that is not the key */
	STMT(st, "SELECT v.question_id, coalesce(w.response, '') FROM attempt_questions aq"
		 " JOIN question_versions v ON v.id = aq.version_id"
		 " LEFT JOIN answers w ON w.attempt_id = aq.attempt_id AND w.position = aq.position"
		 " WHERE aq.attempt_id = ?1 AND (w.response IS NULL OR w.response <> v.answer) ORDER BY aq.position");
	int src;
	st_bind_int(st, 1, attempt_id);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0), col_text(st, 1));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "attempt wrong");
}

int store_mistake_attempt_done(struct store *db, int64_t attempt_id, struct lx_err *e)
{
	STMT(st, "INSERT INTO mistake_attempts(attempt_id) VALUES(?1) ON CONFLICT DO NOTHING");
	st_bind_int(st, 1, attempt_id);
	return store_step_done(db, st, e, "mistake attempt");
}

int store_study_banks(struct store *db, int64_t user_id,
		      void (*fn)(void *ctx, const char *bank, const char *title, int64_t answered, int64_t correct),
		      void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT s.bank, coalesce(b.title, ''), s.answered, s.correct FROM study_stats s"
		 " LEFT JOIN banks b ON b.code = s.bank WHERE s.user_id = ?1 ORDER BY s.bank");
	int src;
	st_bind_int(st, 1, user_id);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_text(st, 0), col_text(st, 1), col_int(st, 2), col_int(st, 3));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "study banks");
}

int store_study_answered(struct store *db, int64_t user_id, int64_t *answered, struct lx_err *e)
{
	STMT(st, "SELECT coalesce(sum(answered), 0) FROM study_stats WHERE user_id = ?1");
	st_bind_int(st, 1, user_id);
	return one_int(db, st, answered, e, "study answered");
}

int store_reading_seconds(struct store *db, int64_t user_id, int64_t *seconds, struct lx_err *e)
{
	STMT(st, "SELECT coalesce(sum(seconds), 0) FROM reading WHERE user_id = ?1");
	st_bind_int(st, 1, user_id);
	return one_int(db, st, seconds, e, "reading seconds");
}

int store_reading_last(struct store *db, int64_t user_id, int64_t *at, struct lx_err *e)
{
	STMT(st, "SELECT at FROM reading_last WHERE user_id = ?1");
	st_bind_int(st, 1, user_id);
	return one_int(db, st, at, e, "reading last");
}

int store_reading_add(struct store *db, int64_t user_id, const char *law, int seconds, int64_t now,
		      struct lx_err *e)
{
	int rc;
	{
		STMT(st, "INSERT INTO reading(user_id, law, seconds) VALUES(?1, ?2, ?3)"
			 " ON CONFLICT(user_id, law) DO UPDATE SET seconds = reading.seconds + excluded.seconds");
		st_bind_int(st, 1, user_id);
		st_bind_text(st, 2, law, -1);
		st_bind_int(st, 3, seconds);
		rc = store_step_done(db, st, e, "reading");
		if (rc)
			return rc;
	}
	STMT(st, "INSERT INTO reading_last(user_id, at) VALUES(?1, ?2)"
		 " ON CONFLICT(user_id) DO UPDATE SET at = excluded.at");
	st_bind_int(st, 1, user_id);
	st_bind_int(st, 2, now);
	return store_step_done(db, st, e, "reading last");
}

int store_exam_in_progress(struct store *db, int64_t user_id, int *yes, struct lx_err *e)
{
	STMT(st, "SELECT count(*) FROM attempts a JOIN exams x ON x.id = a.exam_id"
		 " WHERE a.user_id = ?1 AND a.status = 'in_progress' AND a.voided_at IS NULL AND x.kind = 'exam'");
	int64_t n = 0;
	int rc;
	st_bind_int(st, 1, user_id);
	rc = one_int(db, st, &n, e, "exam in progress");
	*yes = n > 0;
	return rc;
}

int store_study_people(struct store *db, int (*fn)(void *ctx, const struct study_person *p), void *ctx,
		       struct lx_err *e)
{
#define SQL_STUDY_PEOPLE                                                                              \
	"SELECT u.login, u.name, o.path, u.category, c.name, c.ord,"                                   \
	" coalesce((SELECT sum(s.answered) FROM study_stats s WHERE s.user_id = u.id), 0),"            \
	" coalesce((SELECT sum(s.correct) FROM study_stats s WHERE s.user_id = u.id), 0),"             \
	" coalesce((SELECT sum(r.seconds) FROM reading r WHERE r.user_id = u.id), 0)"                  \
	" FROM users u JOIN org_units o ON o.id = u.org_id JOIN categories c ON c.code = u.category"   \
	" WHERE u.disabled = 0 AND (u.roles & " ROLE_EXAMINEE_SQL ") != 0"
	STMT(st, SQL_STUDY_PEOPLE);
	struct study_person p;
	int src, rc = LX_OK;
	while ((src = st_step(st)) == ST_ROW) {
		p.login = col_text(st, 0);
		p.name = col_text(st, 1);
		p.org = col_text(st, 2);
		p.category = col_text(st, 3);
		p.category_name = col_text(st, 4);
		p.category_ord = col_int(st, 5);
		p.answered = col_int(st, 6);
		p.correct = col_int(st, 7);
		p.reading_s = col_int(st, 8);
		rc = fn(ctx, &p);
		if (rc)
			break;
	}
	st_reset(st);
	if (rc)
		return rc;
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "study people");
}
