/* store_copy.c — copying a whole database into an empty one of the other backend
 * (`lawexam-admin migrate --to URI`, SPEC §11): every table in foreign-key order, row by row
 * with the same ids, inside one transaction of the target; then the identity sequences are
 * moved past the copied ids and the row counts of both sides are compared.
 *
 * The table list is fixed here, and a source table missing from it stops the copy before
 * anything is written: a migration adding a table must add it here (test_migrate checks
 * that every table of a fresh database is copied). */
#include "store_copy.h"

#include <string.h>

#include "store_int.h"

/* A table: its columns for SELECT and INSERT (the same order), which of them are blobs (a
 * bitmask by column index), and the PostgreSQL identity column to move on, if any. */
struct copy_table {
	const char *name;
	const char *select_sql, *insert_sql, *count_sql, *seq_sql;
	unsigned blobs;
};

#define T(name, cols, params, blobs, seq)                                                        \
	{name, "SELECT " cols " FROM " name " ORDER BY 1", "INSERT INTO " name "(" cols ") VALUES(" params ")", \
	 "SELECT count(*) FROM " name, seq, blobs}
#define SEQ(name) "SELECT setval(pg_get_serial_sequence('" name "', 'id'), coalesce((SELECT max(id) FROM " name "), 0) + 1, false)"

static const struct copy_table tables[] = {
	T("categories", "code, name, created_at, ord", "?1, ?2, ?3, ?4", 0, NULL),
	T("org_units", "id, path, parent_id, depth", "?1, ?2, ?3, ?4", 0, SEQ("org_units")),
	T("users", "id, login, name, org_id, category, roles, pw_hash, must_change_password, disabled, created_at, updated_at, scope",
	  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12", 0, SEQ("users")),
	T("sessions", "token_hash, user_id, csrf, created_at, last_seen, expires_at", "?1, ?2, ?3, ?4, ?5, ?6", 1u << 0, NULL),
	T("api_tokens", "id, token_hash, user_id, created_at, revoked", "?1, ?2, ?3, ?4, ?5", 1u << 1, SEQ("api_tokens")),
	T("login_throttle", "key, failures, window_start, locked_until", "?1, ?2, ?3, ?4", 0, NULL),
	T("banks", "code, title, subject, created_at, updated_at", "?1, ?2, ?3, ?4, ?5", 0, NULL),
	T("questions", "id, bank, qid, active, current_version_id, ord, needs_review", "?1, ?2, ?3, ?4, ?5, ?6, ?7", 0,
	  SEQ("questions")),
	T("question_versions",
	  "id, question_id, version, type, stem, options, answer, explanation, basis, difficulty, tags, created_at",
	  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12", 0, SEQ("question_versions")),
	T("exams",
	  "id, code, title, opens_at, closes_at, duration_s, pass_percent, max_attempts, multiple_scoring, results, review, definition, created_at, kind",
	  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14", 0, SEQ("exams")),
	T("exam_scope", "exam_id, org_path", "?1, ?2", 0, NULL),
	T("exam_papers", "exam_id, category, paper_idx", "?1, ?2, ?3", 0, NULL),
	T("retakes", "exam_id, user_id, granted", "?1, ?2, ?3", 0, NULL),
	T("attempts",
	  "id, exam_id, user_id, attempt_no, seed, status, started_at, deadline, submitted_at, submit_reason, score2, max_score2, passed, receipt, voided_at, void_reason",
	  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16", 1u << 4, SEQ("attempts")),
	T("attempt_questions", "attempt_id, position, section_idx, section_title, version_id, points2, perm",
	  "?1, ?2, ?3, ?4, ?5, ?6, ?7", 0, NULL),
	T("answers", "attempt_id, position, response, seq, saved_at, earned2", "?1, ?2, ?3, ?4, ?5, ?6", 0, NULL),
	T("audit_log", "id, at, actor, action, detail, remote", "?1, ?2, ?3, ?4, ?5, ?6", 0, SEQ("audit_log")),
	T("certificates", "number, attempt_id, issued_at, revoked", "?1, ?2, ?3, ?4", 0, NULL),
	T("attempt_credits", "id, attempt_id, seconds, reason, at", "?1, ?2, ?3, ?4, ?5", 0, SEQ("attempt_credits")),
	T("liveness", "id, at", "?1, ?2", 0, NULL),
	T("exemptions", "exam_id, user_id, reason, actor, at", "?1, ?2, ?3, ?4, ?5", 0, NULL),
	T("laws", "code, title, version, created_at, updated_at", "?1, ?2, ?3, ?4, ?5", 0, NULL),
	T("law_versions", "law, version, title, effective, sha256, imported_at", "?1, ?2, ?3, ?4, ?5, ?6", 0, NULL),
	T("law_articles", "law, version, ord, art_no, art_sub, label, chapter, body", "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8", 0,
	  NULL),
	T("question_review", "question_id, law, label, law_version, since", "?1, ?2, ?3, ?4, ?5", 0, NULL),
	/* study (学法, migration 9) */
	T("practice_sets", "id, user_id, bank, mode, created_at", "?1, ?2, ?3, ?4, ?5", 0, SEQ("practice_sets")),
	T("practice_items", "set_id, position, question_id, version_id, response, correct, answered_at",
	  "?1, ?2, ?3, ?4, ?5, ?6, ?7", 0, NULL),
	T("study_stats", "user_id, bank, answered, correct", "?1, ?2, ?3, ?4", 0, NULL),
	T("study_seen", "user_id, question_id", "?1, ?2", 0, NULL),
	T("mistakes", "user_id, question_id, wrong_count, last_response, streak, updated_at", "?1, ?2, ?3, ?4, ?5, ?6", 0,
	  NULL),
	T("mistake_attempts", "attempt_id", "?1", 0, NULL),
	T("reading", "user_id, law, seconds", "?1, ?2, ?3", 0, NULL),
	T("reading_last", "user_id, at", "?1, ?2", 0, NULL),
	/* notices (通知公告, migration 11) */
	T("notices", "id, title, body, org, category, starts_at, ends_at, author, created_at",
	  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9", 0, SEQ("notices")),
};
#define N_TABLES (sizeof tables / sizeof tables[0])

/* Tables made by the migrations themselves and overwritten rather than copied. */
static const char *const own_tables[] = {"settings", "content_gen"};

static int known(const char *name)
{
	for (size_t i = 0; i < N_TABLES; i++)
		if (!strcmp(tables[i].name, name))
			return 1;
	for (size_t i = 0; i < sizeof own_tables / sizeof own_tables[0]; i++)
		if (!strcmp(own_tables[i], name))
			return 1;
	return 0;
}

static int count(struct store *db, const struct copy_table *t, int64_t *n, struct lx_err *e)
{
	struct stmt *st = store_stmt(db, t->count_sql, e);
	if (!st)
		return e ? e->code : LX_ERR_STORAGE;
	int src = st_step(st);
	if (src == ST_ROW)
		*n = col_int(st, 0);
	st_reset(st);
	return src == ST_ROW ? LX_OK : store_fail(db, src, e, t->name);
}

static int check_source(struct store *db, struct lx_err *e)
{
	STMT2(st, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'",
	      "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
	      " AND tablename <> 'lawexam_schema'");
	int src, rc = LX_OK;
	while ((src = st_step(st)) == ST_ROW)
		if (rc == LX_OK && !known(col_text(st, 0)))
			rc = err_set(e, LX_ERR_INTERNAL, "table %s is not known to the copy (store_copy.c): nothing copied",
				     col_text(st, 0));
	st_reset(st);
	if (src != ST_DONE)
		return store_fail(db, src, e, "tables");
	return rc;
}

/* 1 when col is one of t's copied columns (its SELECT list). */
static int has_column(const struct copy_table *t, const char *col)
{
	const char *list = t->select_sql + strlen("SELECT "), *end = strstr(list, " FROM ");
	size_t n = strlen(col);
	for (const char *p = list; p && p < end; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, col, n) && (p[n] == ',' || p[n] == ' '))
			return 1;
	}
	return 0;
}

/* Every column of every copied table is in its column list: a migration that adds a column
 * and forgets this file stops the copy, instead of leaving the column behind. */
static int check_columns(struct store *db, struct lx_err *e)
{
	STMT2(st, "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c"
		  " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' ORDER BY 1, c.cid",
	      "SELECT table_name, column_name FROM information_schema.columns"
	      " WHERE table_schema = current_schema() AND table_name <> 'lawexam_schema' ORDER BY 1, ordinal_position");
	int src, rc = LX_OK;
	while ((src = st_step(st)) == ST_ROW) {
		const char *table = col_text(st, 0), *col = col_text(st, 1);
		for (size_t i = 0; rc == LX_OK && i < N_TABLES; i++)
			if (!strcmp(tables[i].name, table) && !has_column(&tables[i], col))
				rc = err_set(e, LX_ERR_INTERNAL,
					     "column %s.%s is not known to the copy (store_copy.c): nothing copied", table, col);
	}
	st_reset(st);
	if (src != ST_DONE)
		return store_fail(db, src, e, "columns");
	return rc;
}

static int copy_settings(struct store *from, struct store *to, struct lx_err *e)
{
	struct stmt *get = store_stmt(from, "SELECT key, value FROM settings ORDER BY key", e), *put;
	int src, rc = LX_OK;
	if (!get)
		return e ? e->code : LX_ERR_STORAGE;
	while (rc == LX_OK && (src = st_step(get)) == ST_ROW) {
		put = store_stmt(to, "INSERT INTO settings(key, value) VALUES(?1, ?2)"
				     " ON CONFLICT(key) DO UPDATE SET value = excluded.value", e);
		if (!put) {
			rc = e ? e->code : LX_ERR_STORAGE;
			break;
		}
		st_bind_text(put, 1, col_text(get, 0), -1);
		st_bind_text(put, 2, col_text(get, 1), -1);
		rc = store_step_done(to, put, e, "settings");
	}
	if (rc == LX_OK && src != ST_DONE)
		rc = store_fail(from, src, e, "settings");
	st_reset(get);
	return rc;
}

static int copy_table(struct store *from, struct store *to, const struct copy_table *t, int64_t *rows,
		      struct lx_err *e)
{
	struct stmt *get = store_stmt(from, t->select_sql, e), *put;
	int src = ST_DONE, rc = LX_OK;
	int ncol = 1;
	for (const char *p = t->insert_sql; (p = strchr(p, '?')); p++)
		ncol++;
	ncol--;
	if (!get)
		return e ? e->code : LX_ERR_STORAGE;
	*rows = 0;
	while (rc == LX_OK && (src = st_step(get)) == ST_ROW) {
		if (!(put = store_stmt(to, t->insert_sql, e))) {
			rc = e ? e->code : LX_ERR_STORAGE;
			break;
		}
		for (int i = 0; i < ncol; i++) {
			if (col_null(get, i)) {
				st_bind_null(put, i + 1);
			} else if (t->blobs & (1u << i)) {
				int len = 0;
				const void *p = col_blob(get, i, &len);
				st_bind_blob(put, i + 1, p ? p : "", len);
			} else {
				st_bind_text(put, i + 1, col_text(get, i), -1);
			}
		}
		rc = store_step_done(to, put, e, t->name);
		(*rows)++;
	}
	if (rc == LX_OK && src != ST_DONE)
		rc = store_fail(from, src, e, t->name);
	st_reset(get);
	return rc;
}

static int target_empty(struct store *to, struct lx_err *e)
{
	for (size_t i = 0; i < N_TABLES; i++) {
		int64_t n = 0;
		int rc = count(to, &tables[i], &n, e);
		if (rc)
			return rc;
		if (n && strcmp(tables[i].name, "liveness"))
			return err_set(e, LX_ERR_CONFLICT,
				       "the target database is not empty (%s has %lld rows): migrate copies into an empty database only",
				       tables[i].name, (long long)n);
	}
	return LX_OK;
}

int store_copy_all(struct store *from, struct store *to, store_copy_fn fn, void *ctx, struct lx_err *e)
{
	int rc = check_source(from, e);
	if (rc == LX_OK)
		rc = check_columns(from, e);
	if (rc)
		return rc;
	rc = store_read_begin(from, e);
	if (rc)
		return rc;
	rc = store_begin(to, e);
	if (rc == LX_OK)
		rc = target_empty(to, e);
	if (rc == LX_OK && store_is_pg(to))
		rc = store_exec(to, "DELETE FROM liveness", e);
	for (size_t i = 0; rc == LX_OK && i < N_TABLES; i++) {
		int64_t rows = 0, n_from = 0, n_to = 0;
		rc = copy_table(from, to, &tables[i], &rows, e);
		if (rc == LX_OK && tables[i].seq_sql && store_is_pg(to)) {
			struct stmt *st = store_stmt(to, tables[i].seq_sql, e);
			rc = st ? store_step_done(to, st, e, tables[i].name) : (e ? e->code : LX_ERR_STORAGE);
		}
		if (rc == LX_OK)
			rc = count(from, &tables[i], &n_from, e);
		if (rc == LX_OK)
			rc = count(to, &tables[i], &n_to, e);
		if (rc == LX_OK && n_from != n_to)
			rc = err_set(e, LX_ERR_INTERNAL, "%s: %lld rows in the source, %lld in the target: nothing copied",
				     tables[i].name, (long long)n_from, (long long)n_to);
		if (rc == LX_OK && fn)
			fn(ctx, tables[i].name, n_to);
	}
	if (rc == LX_OK)
		rc = copy_settings(from, to, e);
	if (rc == LX_OK)
		rc = store_commit(to, e);
	if (rc)
		store_rollback(to);
	store_read_end(from);
	return rc;
}
