/* store_exams.c — SQL for exams, attempts, drawn papers and answers (see store_exams.h). */
#include "store_exams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "roles.h"
#include "buf.h"
#include "store_int.h"

void exam_row_free(struct exam_row *r)
{
	if (!r)
		return;
	free(r->code);
	free(r->title);
	free(r->scoring);
	free(r->results);
	free(r->review);
	free(r->definition);
	free(r->kind);
	memset(r, 0, sizeof *r);
}

int store_exam_insert(struct store *db, const struct exam_row *r, const char *const *scope, size_t n_scope,
		      int64_t now, int64_t *id, struct lx_err *e)
{
	int rc;
	{
		STMT(st, "INSERT INTO exams(code, title, opens_at, closes_at, duration_s, pass_percent,"
			 " max_attempts, multiple_scoring, results, review, definition, created_at, kind)"
			 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id");
		st_bind_text(st, 1, r->code, -1);
		st_bind_text(st, 2, r->title, -1);
		st_bind_int(st, 3, r->opens_at);
		st_bind_int(st, 4, r->closes_at);
		st_bind_int(st, 5, r->duration_s);
		st_bind_int(st, 6, r->pass_percent);
		st_bind_int(st, 7, r->max_attempts);
		st_bind_text(st, 8, r->scoring, -1);
		st_bind_text(st, 9, r->results, -1);
		st_bind_text(st, 10, r->review, -1);
		st_bind_text(st, 11, r->definition, -1);
		st_bind_int(st, 12, now);
		st_bind_text(st, 13, r->kind && *r->kind ? r->kind : "exam", -1);
		rc = store_step_id(db, st, id, e, "exam insert");
		if (rc == LX_ERR_CONFLICT)
			return err_set(e, rc, "考试代码 %s 已存在", r->code);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < n_scope; i++) {
		STMT(st, "INSERT INTO exam_scope(exam_id, org_path) VALUES(?1, ?2) ON CONFLICT DO NOTHING");
		st_bind_int(st, 1, *id);
		st_bind_text(st, 2, scope[i], -1);
		rc = store_step_done(db, st, e, "exam scope");
		if (rc)
			return rc;
	}
	return LX_OK;
}

int store_exam_paper_insert(struct store *db, int64_t exam_id, const char *category, int paper_idx,
			    struct lx_err *e)
{
	STMT(st, "INSERT INTO exam_papers(exam_id, category, paper_idx) VALUES(?1, ?2, ?3)");
	st_bind_int(st, 1, exam_id);
	st_bind_text(st, 2, category, -1);
	st_bind_int(st, 3, paper_idx);
	return store_step_done(db, st, e, "exam paper");
}

#define SQL_EXAM_COLS \
	"SELECT id, code, title, opens_at, closes_at, duration_s, pass_percent, max_attempts," \
	" multiple_scoring, results, review, definition, kind FROM exams "

static int exam_row(struct store *db, struct stmt *st, struct exam_row *out, struct lx_err *e)
{
	int src = st_step(st), rc = LX_OK;
	if (src == ST_ROW) {
		memset(out, 0, sizeof *out);
		out->id = col_int(st, 0);
		out->code = lx_strdup(col_text(st, 1));
		out->title = lx_strdup(col_text(st, 2));
		out->opens_at = col_int(st, 3);
		out->closes_at = col_int(st, 4);
		out->duration_s = col_int(st, 5);
		out->pass_percent = col_int(st, 6);
		out->max_attempts = col_int(st, 7);
		out->scoring = lx_strdup(col_text(st, 8));
		out->results = lx_strdup(col_text(st, 9));
		out->review = lx_strdup(col_text(st, 10));
		out->definition = lx_strdup(col_text(st, 11));
		out->kind = lx_strdup(col_text(st, 12));
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "考试不存在");
	} else {
		rc = store_fail(db, src, e, "exam");
	}
	st_reset(st);
	return rc;
}

int store_exam_by_code(struct store *db, const char *code, struct exam_row *out, struct lx_err *e)
{
	STMT(st, SQL_EXAM_COLS "WHERE code = ?1");
	st_bind_text(st, 1, code, -1);
	return exam_row(db, st, out, e);
}

int store_exam_by_id(struct store *db, int64_t id, struct exam_row *out, struct lx_err *e)
{
	STMT(st, SQL_EXAM_COLS "WHERE id = ?1");
	st_bind_int(st, 1, id);
	return exam_row(db, st, out, e);
}


/* Who any exam may assign: active staff holding the examinee role (SPEC §4.4), on u (users). */
#define SQL_EXAMINEE " u.disabled = 0 AND (u.roles & " ROLE_EXAMINEE_SQL ") != 0"

/* The assignment rule of SPEC §4.4 as one SQL condition on u (users) and o (org_units), for
 * the exam whose id is the SQL expression X (a placeholder or a column). */
#define SQL_ASSIGNED_TO(X)                                                                    \
	SQL_EXAMINEE                                                                          \
	" AND EXISTS (SELECT 1 FROM exam_papers p WHERE p.exam_id = " X " AND p.category = u.category)" \
	" AND (NOT EXISTS (SELECT 1 FROM exam_scope s WHERE s.exam_id = " X ")"                 \
	"      OR EXISTS (SELECT 1 FROM exam_scope s WHERE s.exam_id = " X " AND (o.path = s.org_path" \
	"                 OR substr(o.path, 1, length(s.org_path) + 1) = s.org_path || '/')))"
#define SQL_ASSIGNED SQL_ASSIGNED_TO("?1")
/* the same for the exam of the row x (exams x) of an outer query */
#define SQL_ASSIGNED_X SQL_ASSIGNED_TO("x.id")

/* Assigned and not exempt (免考, SPEC §12): who an exam counts and lets start. */
#define SQL_ASSIGNED_NOT_EXEMPT \
	SQL_ASSIGNED " AND NOT EXISTS (SELECT 1 FROM exemptions x WHERE x.exam_id = ?1 AND x.user_id = u.id)"

int store_examinee_counts(struct store *db, void (*fn)(void *ctx, const char *org, const char *category, int64_t n),
			  void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT o.path, u.category, count(*) FROM users u JOIN org_units o ON o.id = u.org_id"
		 " WHERE" SQL_EXAMINEE " GROUP BY o.path, u.category ORDER BY o.path, u.category");
	int src;
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_text(st, 0), col_text(st, 1), col_int(st, 2));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "examinee counts");
}

int store_exam_assigned(struct store *db, int64_t exam_id, int64_t user_id, int *assigned, struct lx_err *e)
{
	STMT(st, "SELECT 1 FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?2 AND" SQL_ASSIGNED_NOT_EXEMPT);
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	int src = st_step(st);
	st_reset(st);
	if (src != ST_ROW && src != ST_DONE)
		return store_fail(db, src, e, "assigned");
	*assigned = src == ST_ROW;
	return LX_OK;
}

int store_exam_monitor(struct store *db, int64_t exam_id, int64_t *assigned, int64_t *not_started,
		       int64_t *in_progress, int64_t *submitted, int64_t *exempt, struct lx_err *e)
{
	STMT(st, "SELECT count(*) FILTER (WHERE NOT ex),"
		 " count(*) FILTER (WHERE NOT ex AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ?1"
		 "             AND a.user_id = t.id AND a.voided_at IS NULL)),"
		 " count(*) FILTER (WHERE NOT ex AND EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ?1"
		 "             AND a.user_id = t.id AND a.status = 'in_progress' AND a.voided_at IS NULL)),"
		 " count(*) FILTER (WHERE NOT ex AND EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ?1"
		 "             AND a.user_id = t.id AND a.status = 'submitted' AND a.voided_at IS NULL)"
		 "     AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ?1 AND a.user_id = t.id"
		 "             AND a.status = 'in_progress' AND a.voided_at IS NULL)),"
		 " count(*) FILTER (WHERE ex)"
		 " FROM (SELECT u.id, EXISTS (SELECT 1 FROM exemptions x WHERE x.exam_id = ?1 AND x.user_id = u.id) AS ex"
		 "       FROM users u JOIN org_units o ON o.id = u.org_id WHERE" SQL_ASSIGNED ") t");
	st_bind_int(st, 1, exam_id);
	int src = st_step(st);
	if (src == ST_ROW) {
		*assigned = col_int(st, 0);
		*not_started = col_int(st, 1);
		*in_progress = col_int(st, 2);
		*submitted = col_int(st, 3);
		*exempt = col_int(st, 4);
	}
	st_reset(st);
	return src == ST_ROW ? LX_OK : store_fail(db, src, e, "monitor");
}

/* The unit path ?2 (the scope) and ?3 (a unit filter) each cover o.path; NULL covers everything. */
#define SQL_UNDER_2 " AND (CAST(?2 AS TEXT) IS NULL OR o.path = ?2 OR substr(o.path, 1, length(?2) + 1) = ?2 || '/')"
#define SQL_UNDER_3 " AND (CAST(?3 AS TEXT) IS NULL OR o.path = ?3 OR substr(o.path, 1, length(?3) + 1) = ?3 || '/')"

int store_exam_codes(struct store *db, void (*fn)(void *ctx, const char *code), void *ctx, struct lx_err *e)
{
	return store_exam_codes_in_scope(db, NULL, fn, ctx, e);
}

/* A scoped principal's exams: those assigning someone under ?1 now (exempt or not), or in
 * which someone under ?1 has an attempt (a person moved or disabled since keeps the exam in
 * their unit's list). */
int store_exam_codes_in_scope(struct store *db, const char *scope, void (*fn)(void *ctx, const char *code),
			      void *ctx, struct lx_err *e)
{
	int src;
	if (!scope) {
		STMT(st, "SELECT code FROM exams ORDER BY opens_at, code");
		while ((src = st_step(st)) == ST_ROW)
			fn(ctx, col_text(st, 0));
		st_reset(st);
		return src == ST_DONE ? LX_OK : store_fail(db, src, e, "exams");
	}
	STMT(st, "SELECT x.code FROM exams x WHERE"
		 " EXISTS (SELECT 1 FROM users u JOIN org_units o ON o.id = u.org_id WHERE" SQL_ASSIGNED_X
		 "         AND (o.path = CAST(?1 AS TEXT) OR substr(o.path, 1, length(?1) + 1) = ?1 || '/'))"
		 " OR EXISTS (SELECT 1 FROM attempts a JOIN users u ON u.id = a.user_id JOIN org_units o ON o.id = u.org_id"
		 "         WHERE a.exam_id = x.id AND (o.path = ?1 OR substr(o.path, 1, length(?1) + 1) = ?1 || '/'))"
		 " ORDER BY x.opens_at, x.code");
	st_bind_text(st, 1, scope, -1);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_text(st, 0));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "exams in scope");
}

int store_exam_people(struct store *db, int64_t exam_id, const char *scope, const char *org, const char *login,
		      exam_person_fn fn, void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT u.login, u.name, o.path, u.category, a.id, a.status, a.started_at, a.deadline,"
		 " a.submitted_at, a.score2, a.max_score2, a.passed,"
		 " (SELECT max(s.last_seen) FROM sessions s WHERE s.user_id = u.id),"
		 " EXISTS (SELECT 1 FROM exemptions m WHERE m.exam_id = ?1 AND m.user_id = u.id),"
		 " EXISTS (SELECT 1 FROM attempts v WHERE v.exam_id = ?1 AND v.user_id = u.id AND v.voided_at IS NOT NULL)"
		 " FROM users u JOIN org_units o ON o.id = u.org_id"
		 " LEFT JOIN attempts a ON a.id = (SELECT x.id FROM attempts x WHERE x.exam_id = ?1 AND x.user_id = u.id"
		 "   AND x.voided_at IS NULL"
		 "   ORDER BY CASE x.status WHEN 'in_progress' THEN 0 WHEN 'submitted' THEN 1 ELSE 2 END,"
		 "   coalesce(x.score2, 0) DESC, x.submitted_at, x.id LIMIT 1)"
		 " WHERE" SQL_ASSIGNED SQL_UNDER_2 SQL_UNDER_3 " AND (CAST(?4 AS TEXT) IS NULL OR u.login = ?4)"
		 " ORDER BY o.path, u.login");
	struct exam_person p;
	int rc = LX_OK, src;

	st_bind_int(st, 1, exam_id);
	if (scope)
		st_bind_text(st, 2, scope, -1);
	else
		st_bind_null(st, 2);
	if (org)
		st_bind_text(st, 3, org, -1);
	else
		st_bind_null(st, 3);
	if (login)
		st_bind_text(st, 4, login, -1);
	else
		st_bind_null(st, 4);
	while ((src = st_step(st)) == ST_ROW) {
		memset(&p, 0, sizeof p);
		p.login = col_text(st, 0);
		p.name = col_text(st, 1);
		p.org = col_text(st, 2);
		p.category = col_text(st, 3);
		if (!col_null(st, 4)) {
			const char *status = col_text(st, 5);
			p.attempt_id = col_int(st, 4);
			p.status = strcmp(status, "in_progress") == 0 ? AST_IN_PROGRESS
				 : strcmp(status, "submitted") == 0   ? AST_SUBMITTED
								      : AST_NOT_STARTED;
			p.started_at = col_int(st, 6);
			p.deadline = col_int(st, 7);
			p.submitted_at = col_null(st, 8) ? 0 : col_int(st, 8);
			p.score2 = col_null(st, 9) ? 0 : col_int(st, 9);
			p.max_score2 = col_int(st, 10);
			p.passed = !col_null(st, 11) && col_int(st, 11) != 0;
		}
		p.last_seen = col_null(st, 12) ? 0 : col_int(st, 12);
		/* 免考 overrides whatever was taken; only voided attempts (作废) show as voided */
		if (col_int(st, 13))
			p.status = AST_EXEMPT;
		else if (col_null(st, 4) && col_int(st, 14))
			p.status = AST_VOIDED;
		rc = fn(ctx, &p);
		if (rc)
			goto out;
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, "exam people");
out:
	st_reset(st);
	return rc;
}

int store_exam_monitor_units(struct store *db, int64_t exam_id, const char *scope,
			     void (*fn)(void *ctx, const char *org, const int64_t n[4]), void *ctx, struct lx_err *e)
{
	/* One row per (unit, status): each person's status is worked out once, then counted;
	 * 3 = exempt (免考), whatever they took. */
	STMT(st, "SELECT o.path, t.st, count(*) FROM ("
		 "  SELECT u.org_id AS oid,"
		 "   CASE WHEN EXISTS (SELECT 1 FROM exemptions m WHERE m.exam_id = ?1 AND m.user_id = u.id) THEN 3"
		 "        WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ?1 AND a.user_id = u.id"
		 "                     AND a.status = 'in_progress' AND a.voided_at IS NULL) THEN 1"
		 "        WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ?1 AND a.user_id = u.id"
		 "                     AND a.status = 'submitted' AND a.voided_at IS NULL) THEN 2 ELSE 0 END AS st"
		 "  FROM users u JOIN org_units o ON o.id = u.org_id WHERE" SQL_ASSIGNED SQL_UNDER_2
		 " ) t JOIN org_units o ON o.id = t.oid GROUP BY o.path, t.st ORDER BY o.path");
	int64_t n[4] = {0, 0, 0, 0};
	char *org = NULL;
	int src;

	st_bind_int(st, 1, exam_id);
	if (scope)
		st_bind_text(st, 2, scope, -1);
	else
		st_bind_null(st, 2);
	while ((src = st_step(st)) == ST_ROW) {
		const char *path = col_text(st, 0);
		int64_t k = col_int(st, 1);
		if (org && strcmp(org, path) != 0) {
			fn(ctx, org, n);
			free(org);
			org = NULL;
			memset(n, 0, sizeof n);
		}
		if (!org)
			org = lx_strdup(path);
		if (k >= 0 && k <= 3)
			n[k] += col_int(st, 2);
	}
	st_reset(st);
	if (src == ST_DONE && org)
		fn(ctx, org, n);
	free(org);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "monitor units");
}

int store_bank_exists(struct store *db, const char *code, int *exists, struct lx_err *e)
{
	STMT(st, "SELECT 1 FROM banks WHERE code = ?1");
	st_bind_text(st, 1, code, -1);
	int src = st_step(st);
	st_reset(st);
	if (src != ST_ROW && src != ST_DONE)
		return store_fail(db, src, e, "bank");
	*exists = src == ST_ROW;
	return LX_OK;
}

int store_candidates(struct store *db, const char *bank, const char *type,
		     void (*fn)(void *ctx, int64_t version_id, int difficulty, const char *tags_json,
				int n_options),
		     void *ctx, struct lx_err *e)
{
#define SQL_CANDIDATES(n_options)                                                      \
	"SELECT v.id, v.difficulty, v.tags, " n_options                                  \
	" FROM questions q JOIN question_versions v ON v.id = q.current_version_id"      \
	" WHERE q.bank = ?1 AND q.active = 1 AND q.needs_review = 0 AND v.type = ?2 ORDER BY q.ord, q.id"
	STMT2(st, SQL_CANDIDATES("CASE WHEN json_valid(v.options) THEN json_array_length(v.options) ELSE 0 END"),
	      SQL_CANDIDATES("CASE WHEN json_typeof(v.options::json) = 'array'"
			     " THEN json_array_length(v.options::json) ELSE 0 END"));
	int src;
	st_bind_text(st, 1, bank, -1);
	st_bind_text(st, 2, type, -1);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0), col_int(st, 1), col_text(st, 2),
		   col_int(st, 3));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "candidates");
}

int store_content_gen(struct store *db, struct content_gen *out, struct lx_err *e)
{
	STMT(st, "SELECT n, nonce FROM content_gen WHERE id = 1");
	int src = st_step(st), rc = LX_OK;
	if (src == ST_ROW) {
		out->n = col_int(st, 0);
		out->nonce = col_int(st, 1);
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_STORAGE, "content_gen: the row is missing");
	} else {
		rc = store_fail(db, src, e, "content_gen");
	}
	st_reset(st);
	return rc;
}

#define SQL_ATTEMPT_COLS \
	"SELECT id, exam_id, user_id, attempt_no, status, started_at, deadline, submitted_at," \
	" coalesce(submit_reason, ''), coalesce(score2, 0), max_score2, coalesce(passed, -1), seed," \
	" coalesce(receipt, ''), CASE WHEN voided_at IS NULL THEN 0 ELSE 1 END FROM attempts "

static void attempt_from(struct stmt *st, struct attempt_row *a)
{
	int seedlen = 0;
	const void *seed = col_blob(st, 12, &seedlen);
	memset(a, 0, sizeof *a);
	a->id = col_int(st, 0);
	a->exam_id = col_int(st, 1);
	a->user_id = col_int(st, 2);
	a->attempt_no = col_int(st, 3);
	if (attempt_status_parse(col_text(st, 4), &a->status) != LX_OK)
		a->status = AST_IN_PROGRESS; /* the schema's CHECK allows no other value */
	a->started_at = col_int(st, 5);
	a->deadline = col_int(st, 6);
	a->submitted_at = col_int(st, 7);
	snprintf(a->reason, sizeof a->reason, "%s", col_text(st, 8));
	a->score2 = col_int(st, 9);
	a->max_score2 = col_int(st, 10);
	a->passed = col_int(st, 11);
	if (seed && seedlen == 32)
		memcpy(a->seed, seed, 32);
	snprintf(a->receipt, sizeof a->receipt, "%s", col_text(st, 13));
	if (col_int(st, 14))
		a->status = AST_VOIDED;
}

int store_attempt_insert(struct store *db, struct attempt_row *a, struct lx_err *e)
{
	STMT(st, "INSERT INTO attempts(exam_id, user_id, attempt_no, seed, status, started_at, deadline,"
		 " max_score2) VALUES(?1, ?2, ?3, ?4, 'in_progress', ?5, ?6, ?7) RETURNING id");
	st_bind_int(st, 1, a->exam_id);
	st_bind_int(st, 2, a->user_id);
	st_bind_int(st, 3, a->attempt_no);
	st_bind_blob(st, 4, a->seed, 32);
	st_bind_int(st, 5, a->started_at);
	st_bind_int(st, 6, a->deadline);
	st_bind_int(st, 7, a->max_score2);
	int rc = store_step_id(db, st, &a->id, e, "attempt insert");
	if (rc == LX_OK) {
		a->status = AST_IN_PROGRESS;
		a->passed = -1;
	}
	return rc;
}

/* Inside a write transaction on PostgreSQL the row is locked (FOR UPDATE) until COMMIT: a
 * save, a submit and the sweep of several nodes then see each other's work on one attempt in
 * order, as SQLite's single writer makes them — no save lands after the grading, and no
 * attempt is graded twice. */
int store_attempt_get(struct store *db, int64_t id, struct attempt_row *out, struct lx_err *e)
{
	STMT(st, store_is_pg(db) && db->in_tx ? SQL_ATTEMPT_COLS "WHERE id = ?1 FOR UPDATE"
					       : SQL_ATTEMPT_COLS "WHERE id = ?1");
	int rc = LX_OK;
	st_bind_int(st, 1, id);
	int src = st_step(st);
	if (src == ST_ROW)
		attempt_from(st, out);
	else if (src == ST_DONE)
		rc = err_set(e, LX_ERR_NOTFOUND, "答卷不存在");
	else
		rc = store_fail(db, src, e, "attempt");
	st_reset(st);
	return rc;
}

/* One element of a PostgreSQL array literal: "{" before the first, "," before the others;
 * text always quoted ("…", with " and \ escaped). The caller closes with "}". */
static void pg_array_next(struct buf *b)
{
	buf_addc(b, b->len ? ',' : '{');
}

static void pg_array_text(struct buf *b, const char *s)
{
	pg_array_next(b);
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static void pg_array_int(struct buf *b, int64_t v)
{
	pg_array_next(b);
	buf_printf(b, "%lld", (long long)v);
}

int store_attempts_get_many(struct store *db, const int64_t *ids, size_t n,
			    void (*fn)(void *ctx, const struct attempt_row *a), void *ctx, struct lx_err *e)
{
	struct attempt_row a;
	int rc = LX_OK, src;
	if (!store_is_pg(db)) { /* in-process: one point lookup each */
		for (size_t i = 0; i < n && rc == LX_OK; i++) {
			int seen = 0;
			for (size_t k = 0; k < i && !seen; k++)
				seen = ids[k] == ids[i];
			if (seen)
				continue;
			rc = store_attempt_get(db, ids[i], &a, e);
			if (rc == LX_OK)
				fn(ctx, &a);
			else if (rc == LX_ERR_NOTFOUND)
				rc = LX_OK;
		}
		return rc;
	}
	STMT(st, store_is_pg(db) && db->in_tx ? SQL_ATTEMPT_COLS "WHERE id = ANY(CAST(?1 AS bigint[])) ORDER BY id FOR UPDATE"
					       : SQL_ATTEMPT_COLS "WHERE id = ANY(CAST(?1 AS bigint[]))");
	struct buf arr;
	buf_init(&arr, 0);
	for (size_t i = 0; i < n; i++)
		pg_array_int(&arr, ids[i]);
	if (!n)
		buf_addc(&arr, '{');
	buf_addc(&arr, '}');
	st_bind_text(st, 1, buf_str(&arr), -1);
	while ((src = st_step(st)) == ST_ROW) {
		attempt_from(st, &a);
		fn(ctx, &a);
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, "attempts");
	st_reset(st);
	buf_free(&arr);
	return rc;
}

int store_attempts_of(struct store *db, int64_t exam_id, int64_t user_id,
		      void (*fn)(void *ctx, const struct attempt_row *a), void *ctx, struct lx_err *e)
{
	STMT(st, SQL_ATTEMPT_COLS "WHERE exam_id = ?1 AND user_id = ?2 ORDER BY attempt_no");
	struct attempt_row a;
	int src;
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	while ((src = st_step(st)) == ST_ROW) {
		attempt_from(st, &a);
		fn(ctx, &a);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "attempts");
}

int store_attempt_submit(struct store *db, int64_t id, int64_t now, const char *reason, long score2,
			 int passed, struct lx_err *e)
{
	STMT(st, "UPDATE attempts SET status = 'submitted', submitted_at = ?2, submit_reason = ?3,"
		 " score2 = ?4, passed = ?5 WHERE id = ?1 AND status = 'in_progress' AND voided_at IS NULL");
	st_bind_int(st, 1, id);
	st_bind_int(st, 2, now);
	st_bind_text(st, 3, reason, -1);
	st_bind_int(st, 4, score2);
	st_bind_int(st, 5, passed);
	return store_step_done(db, st, e, "submit");
}

int store_attempt_regrade(struct store *db, int64_t id, long score2, int passed, struct lx_err *e)
{
	STMT(st, "UPDATE attempts SET score2 = ?2, passed = ?3 WHERE id = ?1 AND status = 'submitted'"
		 " AND voided_at IS NULL");
	st_bind_int(st, 1, id);
	st_bind_int(st, 2, score2);
	st_bind_int(st, 3, passed);
	return store_step_done(db, st, e, "regrade");
}

static int id_list(struct store *db, struct stmt *st, void (*fn)(void *ctx, int64_t id), void *ctx,
		   struct lx_err *e)
{
	int src;
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "ids");
}

int store_overdue_attempts(struct store *db, int64_t cutoff, void (*fn)(void *ctx, int64_t id), void *ctx,
			   struct lx_err *e)
{
	STMT(st, "SELECT id FROM attempts WHERE status = 'in_progress' AND deadline < ?1 AND voided_at IS NULL"
		 " ORDER BY deadline");
	st_bind_int(st, 1, cutoff);
	return id_list(db, st, fn, ctx, e);
}

int store_submitted_attempts(struct store *db, int64_t exam_id, void (*fn)(void *ctx, int64_t id), void *ctx,
			     struct lx_err *e)
{
	STMT(st, "SELECT id FROM attempts WHERE exam_id = ?1 AND status = 'submitted' AND voided_at IS NULL"
		 " ORDER BY id");
	st_bind_int(st, 1, exam_id);
	return id_list(db, st, fn, ctx, e);
}

int store_aq_insert(struct store *db, int64_t attempt_id, int position, int section_idx,
		    const char *section_title, int64_t version_id, int points2, const char *perm,
		    struct lx_err *e)
{
	STMT(st, "INSERT INTO attempt_questions(attempt_id, position, section_idx, section_title, version_id,"
		 " points2, perm) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	st_bind_int(st, 1, attempt_id);
	st_bind_int(st, 2, position);
	st_bind_int(st, 3, section_idx);
	st_bind_text(st, 4, section_title, -1);
	st_bind_int(st, 5, version_id);
	st_bind_int(st, 6, points2);
	st_bind_text(st, 7, perm, -1);
	return store_step_done(db, st, e, "attempt question");
}

int store_aq_insert_many(struct store *db, int64_t attempt_id, const struct aq_new *rows, size_t n,
			 struct lx_err *e)
{
	int rc = LX_OK;
	if (!store_is_pg(db)) {
		for (size_t i = 0; i < n && rc == LX_OK; i++)
			rc = store_aq_insert(db, attempt_id, rows[i].position, rows[i].section_idx, rows[i].section_title,
					     rows[i].version_id, rows[i].points2, rows[i].perm, e);
		return rc;
	}
	if (!n)
		return LX_OK;
	STMT(st, "INSERT INTO attempt_questions(attempt_id, position, section_idx, section_title, version_id,"
		 " points2, perm) SELECT ?1, * FROM unnest(CAST(?2 AS bigint[]), CAST(?3 AS bigint[]),"
		 " CAST(?4 AS text[]), CAST(?5 AS bigint[]), CAST(?6 AS bigint[]), CAST(?7 AS text[]))");
	struct buf col[6];
	for (int c = 0; c < 6; c++)
		buf_init(&col[c], 0);
	for (size_t i = 0; i < n; i++) {
		pg_array_int(&col[0], rows[i].position);
		pg_array_int(&col[1], rows[i].section_idx);
		pg_array_text(&col[2], rows[i].section_title);
		pg_array_int(&col[3], rows[i].version_id);
		pg_array_int(&col[4], rows[i].points2);
		pg_array_text(&col[5], rows[i].perm);
	}
	st_bind_int(st, 1, attempt_id);
	for (int c = 0; c < 6; c++) {
		buf_addc(&col[c], '}');
		st_bind_text(st, c + 2, buf_str(&col[c]), -1);
		buf_free(&col[c]);
	}
	return store_step_done(db, st, e, "attempt questions");
}

int store_aq_get(struct store *db, int64_t attempt_id, int position, char *type, size_t typelen, char *perm,
		 size_t permlen, struct lx_err *e)
{
	/* From the connection's cache (store_aqcache.c): one statement per attempt, not per save. */
	return store_aqc_lookup(db, attempt_id, position, type, typelen, perm, permlen, e);
}

int store_aq_list(struct store *db, int64_t attempt_id, void (*fn)(void *ctx, const struct aq_row *q),
		  void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT aq.position, aq.section_idx, aq.section_title, aq.version_id, aq.points2, aq.perm,"
		 " v.type, v.stem, v.options, v.answer, v.explanation, v.basis, q.bank, q.qid, v.version"
		 " FROM attempt_questions aq JOIN question_versions v ON v.id = aq.version_id"
		 " JOIN questions q ON q.id = v.question_id"
		 " WHERE aq.attempt_id = ?1 ORDER BY aq.position");
	struct aq_row r;
	int src;
	st_bind_int(st, 1, attempt_id);
	while ((src = st_step(st)) == ST_ROW) {
		r.position = col_int(st, 0);
		r.section_idx = col_int(st, 1);
		r.section_title = col_text(st, 2);
		r.version_id = col_int(st, 3);
		r.points2 = col_int(st, 4);
		r.perm = col_text(st, 5);
		r.type = col_text(st, 6);
		r.stem = col_text(st, 7);
		r.options_json = col_text(st, 8);
		r.answer = col_text(st, 9);
		r.explanation = col_text(st, 10);
		r.basis = col_text(st, 11);
		r.bank = col_text(st, 12);
		r.qid = col_text(st, 13);
		r.version = col_int(st, 14);
		fn(ctx, &r);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "attempt questions");
}

int store_aq_slots(struct store *db, int64_t attempt_id, void (*fn)(void *ctx, const struct aq_slot *q),
		   void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT position, section_idx, section_title, version_id, points2, perm"
		 " FROM attempt_questions WHERE attempt_id = ?1 ORDER BY position");
	struct aq_slot r;
	int src;
	st_bind_int(st, 1, attempt_id);
	while ((src = st_step(st)) == ST_ROW) {
		r.position = col_int(st, 0);
		r.section_idx = col_int(st, 1);
		r.section_title = col_text(st, 2);
		r.version_id = col_int(st, 3);
		r.points2 = col_int(st, 4);
		r.perm = col_text(st, 5);
		fn(ctx, &r);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "attempt slots");
}

int store_version_text(struct store *db, int64_t version_id,
		       void (*fn)(void *ctx, const char *type, const char *stem, const char *options_json),
		       void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT type, stem, options FROM question_versions WHERE id = ?1");
	int rc = LX_OK;
	st_bind_int(st, 1, version_id);
	int src = st_step(st);
	if (src == ST_ROW)
		fn(ctx, col_text(st, 0), col_text(st, 1), col_text(st, 2));
	else if (src == ST_DONE)
		rc = err_set(e, LX_ERR_NOTFOUND, "question version %lld not found", (long long)version_id);
	else
		rc = store_fail(db, src, e, "version text");
	st_reset(st);
	return rc;
}

int store_answers(struct store *db, int64_t attempt_id,
		  void (*fn)(void *ctx, int position, const char *response, int64_t seq, int earned2), void *ctx,
		  struct lx_err *e)
{
	STMT(st, "SELECT position, response, seq, coalesce(earned2, -1) FROM answers WHERE attempt_id = ?1"
		 " ORDER BY position");
	int src;
	st_bind_int(st, 1, attempt_id);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0), col_text(st, 1), col_int(st, 2),
		   col_int(st, 3));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "answers");
}

struct row_key {
	int64_t attempt_id;
	int position;
	size_t i;
};

static int key_cmp(const struct row_key *a, int64_t attempt_id, int position)
{
	if (a->attempt_id != attempt_id)
		return a->attempt_id < attempt_id ? -1 : 1;
	return a->position != position ? (a->position < position ? -1 : 1) : 0;
}

static int row_key_cmp(const void *x, const void *y)
{
	const struct row_key *b = y;
	return key_cmp(x, b->attempt_id, b->position);
}

int store_answers_put_many(struct store *db, const struct answer_new *rows, size_t n, int64_t now, int *applied,
			   struct lx_err *e)
{
	int rc = LX_OK, src;
	if (!store_is_pg(db) || n == 1) {
		for (size_t i = 0; i < n && rc == LX_OK; i++)
			rc = store_answer_put(db, rows[i].attempt_id, rows[i].position, rows[i].response, rows[i].seq, now,
					      &applied[i], e);
		return rc;
	}
	if (!n)
		return LX_OK;
	STMT(st, "INSERT INTO answers(attempt_id, position, response, seq, saved_at)"
		 " SELECT t.a, t.p, t.r, t.s, ?5 FROM unnest(CAST(?1 AS bigint[]), CAST(?2 AS bigint[]),"
		 " CAST(?3 AS text[]), CAST(?4 AS bigint[])) AS t(a, p, r, s)"
		 " ON CONFLICT(attempt_id, position) DO UPDATE SET response = excluded.response,"
		 " seq = excluded.seq, saved_at = excluded.saved_at WHERE excluded.seq > answers.seq"
		 " RETURNING attempt_id, position");
	struct buf col[4];
	struct row_key *order = lx_calloc(n, sizeof *order);
	for (int c = 0; c < 4; c++)
		buf_init(&col[c], 0);
	for (size_t i = 0; i < n; i++) {
		pg_array_int(&col[0], rows[i].attempt_id);
		pg_array_int(&col[1], rows[i].position);
		pg_array_text(&col[2], rows[i].response);
		pg_array_int(&col[3], rows[i].seq);
		applied[i] = 0;
		order[i] = (struct row_key){rows[i].attempt_id, rows[i].position, i};
	}
	for (int c = 0; c < 4; c++) {
		buf_addc(&col[c], '}');
		st_bind_text(st, c + 1, buf_str(&col[c]), -1);
	}
	st_bind_int(st, 5, now);
	qsort(order, n, sizeof *order, row_key_cmp);
	while ((src = st_step(st)) == ST_ROW) { /* the rows applied: find each by its key */
		int64_t a = col_int(st, 0);
		int p = (int)col_int(st, 1);
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = key_cmp(&order[mid], a, p);
			if (c == 0) {
				applied[order[mid].i] = 1;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, "answers");
	st_reset(st);
	for (int c = 0; c < 4; c++)
		buf_free(&col[c]);
	free(order);
	return rc;
}

int store_answer_put(struct store *db, int64_t attempt_id, int position, const char *response, int64_t seq,
		     int64_t now, int *applied, struct lx_err *e)
{
	STMT(st, "INSERT INTO answers(attempt_id, position, response, seq, saved_at) VALUES(?1, ?2, ?3, ?4, ?5)"
		 " ON CONFLICT(attempt_id, position) DO UPDATE SET response = excluded.response,"
		 " seq = excluded.seq, saved_at = excluded.saved_at WHERE excluded.seq > answers.seq");
	st_bind_int(st, 1, attempt_id);
	st_bind_int(st, 2, position);
	st_bind_text(st, 3, response, -1);
	st_bind_int(st, 4, seq);
	st_bind_int(st, 5, now);
	int rc = store_step_done(db, st, e, "answer");
	if (rc == LX_OK && applied)
		*applied = st_changes(st) > 0;
	return rc;
}

int store_answer_earned(struct store *db, int64_t attempt_id, int position, int earned2, struct lx_err *e)
{
	STMT(st, "UPDATE answers SET earned2 = ?3 WHERE attempt_id = ?1 AND position = ?2");
	st_bind_int(st, 1, attempt_id);
	st_bind_int(st, 2, position);
	st_bind_int(st, 3, earned2);
	return store_step_done(db, st, e, "earned");
}

int store_answers_earned(struct store *db, int64_t attempt_id, const int *positions, const int *earned2, size_t n,
			 struct lx_err *e)
{
	int rc = LX_OK;
	if (!store_is_pg(db) || n <= 1) {
		for (size_t i = 0; i < n && rc == LX_OK; i++)
			rc = store_answer_earned(db, attempt_id, positions[i], earned2[i], e);
		return rc;
	}
	STMT(st, "UPDATE answers SET earned2 = t.e FROM unnest(CAST(?2 AS bigint[]), CAST(?3 AS bigint[])) AS t(p, e)"
		 " WHERE answers.attempt_id = ?1 AND answers.position = t.p");
	struct buf col[2];
	for (int c = 0; c < 2; c++)
		buf_init(&col[c], 0);
	for (size_t i = 0; i < n; i++) {
		pg_array_int(&col[0], positions[i]);
		pg_array_int(&col[1], earned2[i]);
	}
	st_bind_int(st, 1, attempt_id);
	for (int c = 0; c < 2; c++) {
		buf_addc(&col[c], '}');
		st_bind_text(st, c + 2, buf_str(&col[c]), -1);
	}
	rc = store_step_done(db, st, e, "earned");
	for (int c = 0; c < 2; c++)
		buf_free(&col[c]);
	return rc;
}

int store_retakes(struct store *db, int64_t exam_id, int64_t user_id, int *granted, struct lx_err *e)
{
	STMT(st, "SELECT granted FROM retakes WHERE exam_id = ?1 AND user_id = ?2");
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	int src = st_step(st);
	*granted = src == ST_ROW ? col_int(st, 0) : 0;
	st_reset(st);
	return (src == ST_ROW || src == ST_DONE) ? LX_OK : store_fail(db, src, e, "retakes");
}

int store_retake_grant(struct store *db, int64_t exam_id, int64_t user_id, struct lx_err *e)
{
	STMT(st, "INSERT INTO retakes(exam_id, user_id, granted) VALUES(?1, ?2, 1)"
		 " ON CONFLICT(exam_id, user_id) DO UPDATE SET granted = retakes.granted + 1");
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	return store_step_done(db, st, e, "retake");
}

int store_receipt_secret(struct store *db, char out[65], struct lx_err *e)
{
	STMT(st, "SELECT value FROM settings WHERE key = 'receipt_secret'");
	int src = st_step(st), rc = LX_OK;
	if (src == ST_ROW && strlen(col_text(st, 0)) == 64)
		snprintf(out, 65, "%s", col_text(st, 0));
	else if (src == ST_ROW || src == ST_DONE)
		rc = err_set(e, LX_ERR_STORAGE, "settings: the receipt secret is missing");
	else
		rc = store_fail(db, src, e, "settings");
	st_reset(st);
	return rc;
}

int store_attempt_set_receipt(struct store *db, int64_t id, const char *code, struct lx_err *e)
{
	STMT(st, "UPDATE attempts SET receipt = ?2 WHERE id = ?1");
	st_bind_int(st, 1, id);
	st_bind_text(st, 2, code, -1);
	return store_step_done(db, st, e, "receipt");
}

int store_attempt_by_receipt(struct store *db, const char *code, int64_t *id, struct lx_err *e)
{
	STMT(st, "SELECT id FROM attempts WHERE receipt = ?1");
	int rc = LX_OK;
	st_bind_text(st, 1, code, -1);
	int src = st_step(st);
	if (src == ST_ROW)
		*id = col_int(st, 0);
	else if (src == ST_DONE)
		rc = err_set(e, LX_ERR_NOTFOUND, "回执不存在");
	else
		rc = store_fail(db, src, e, "receipt");
	st_reset(st);
	return rc;
}

int store_liveness_get(struct store *db, int64_t *at, struct lx_err *e)
{
	STMT(st, "SELECT at FROM liveness WHERE id = 1");
	int src = st_step(st);
	*at = src == ST_ROW ? col_int(st, 0) : 0;
	st_reset(st);
	return src == ST_ROW || src == ST_DONE ? LX_OK : store_fail(db, src, e, "liveness");
}

int store_liveness_set(struct store *db, int64_t at, struct lx_err *e)
{
	STMT(st, "INSERT INTO liveness(id, at) VALUES(1, ?1) ON CONFLICT(id) DO UPDATE SET at = excluded.at");
	st_bind_int(st, 1, at);
	return store_step_done(db, st, e, "liveness");
}

int store_open_attempts_after(struct store *db, int64_t t, void (*fn)(void *ctx, int64_t id), void *ctx,
			      struct lx_err *e)
{
	STMT(st, "SELECT id FROM attempts WHERE status = 'in_progress' AND deadline > ?1 AND voided_at IS NULL"
		 " ORDER BY id");
	st_bind_int(st, 1, t);
	return id_list(db, st, fn, ctx, e);
}

int store_attempt_credit(struct store *db, int64_t id, int seconds, const char *reason, int64_t at,
			 struct lx_err *e)
{
	int rc;
	{
		STMT(st, "UPDATE attempts SET deadline = deadline + ?2 WHERE id = ?1 AND status = 'in_progress'"
			 " AND voided_at IS NULL");
		st_bind_int(st, 1, id);
		st_bind_int(st, 2, seconds);
		rc = store_step_done(db, st, e, "credit");
	}
	if (rc)
		return rc;
	STMT(ins, "INSERT INTO attempt_credits(attempt_id, seconds, reason, at) VALUES(?1, ?2, ?3, ?4)");
	st_bind_int(ins, 1, id);
	st_bind_int(ins, 2, seconds);
	st_bind_text(ins, 3, reason, -1);
	st_bind_int(ins, 4, at);
	return store_step_done(db, ins, e, "credit");
}

int store_attempt_credits(struct store *db, int64_t id,
			  void (*fn)(void *ctx, int seconds, const char *reason, int64_t at), void *ctx,
			  struct lx_err *e)
{
	STMT(st, "SELECT seconds, reason, at FROM attempt_credits WHERE attempt_id = ?1 ORDER BY id");
	int src;
	st_bind_int(st, 1, id);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0), col_text(st, 1), col_int(st, 2));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "credits");
}

int store_sweep_lock(struct store *db, int *got, struct lx_err *e)
{
	*got = 1;
	if (!store_is_pg(db))
		return LX_OK; /* one writer per database already */
	STMT(st, "SELECT pg_try_advisory_xact_lock(7431002)");
	int src = st_step(st);
	if (src == ST_ROW)
		*got = (int)col_int(st, 0);
	st_reset(st);
	return src == ST_ROW ? LX_OK : store_fail(db, src, e, "sweep lock");
}

/* --- per-attempt actions and exemptions (SPEC §12) --- */

int store_attempt_void(struct store *db, int64_t id, int64_t now, const char *reason, struct lx_err *e)
{
	int rc;
	{
		STMT(st, "UPDATE attempts SET voided_at = ?2, void_reason = ?3 WHERE id = ?1 AND voided_at IS NULL");
		st_bind_int(st, 1, id);
		st_bind_int(st, 2, now);
		st_bind_text(st, 3, reason, -1);
		rc = store_step_done(db, st, e, "void");
	}
	if (rc)
		return rc;
	STMT(cert, "UPDATE certificates SET revoked = 1 WHERE attempt_id = ?1");
	st_bind_int(cert, 1, id);
	return store_step_done(db, cert, e, "void certificate");
}

int store_exemption_put(struct store *db, int64_t exam_id, int64_t user_id, const char *reason, const char *actor,
			int64_t at, struct lx_err *e)
{
	STMT(st, "INSERT INTO exemptions(exam_id, user_id, reason, actor, at) VALUES(?1, ?2, ?3, ?4, ?5)"
		 " ON CONFLICT(exam_id, user_id) DO UPDATE SET reason = excluded.reason, actor = excluded.actor,"
		 " at = excluded.at");
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	st_bind_text(st, 3, reason, -1);
	st_bind_text(st, 4, actor, -1);
	st_bind_int(st, 5, at);
	return store_step_done(db, st, e, "exemption");
}

int store_exemption_delete(struct store *db, int64_t exam_id, int64_t user_id, int *deleted, struct lx_err *e)
{
	STMT(st, "DELETE FROM exemptions WHERE exam_id = ?1 AND user_id = ?2");
	int src;
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	src = st_step(st);
	*deleted = src == ST_DONE && st_changes(st) > 0;
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "exemption delete");
}

int store_exemption_get(struct store *db, int64_t exam_id, int64_t user_id, int *exempt, struct lx_err *e)
{
	STMT(st, "SELECT 1 FROM exemptions WHERE exam_id = ?1 AND user_id = ?2");
	int src;
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	src = st_step(st);
	st_reset(st);
	if (src != ST_ROW && src != ST_DONE)
		return store_fail(db, src, e, "exemption");
	*exempt = src == ST_ROW;
	return LX_OK;
}
