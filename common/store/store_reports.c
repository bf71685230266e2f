/* store_reports.c — SQL for the reports (see store_reports.h). One statement per report,
 * streamed: the whole population of an exam is read in a single pass (users joined with
 * their unit, category, paper and best attempt), never one query per person. The best
 * attempt is an indexed correlated lookup on attempts(exam_id, user_id, …). */
#include "store_reports.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "roles.h"
#include "store_int.h"

void report_exam_free(struct report_exam *x)
{
	if (!x)
		return;
	free(x->code);
	free(x->title);
	memset(x, 0, sizeof *x);
}

int store_report_exam(struct store *db, const char *code, struct report_exam *out, struct lx_err *e)
{
	struct stmt *st = store_stmt(db, "SELECT id, code, title, pass_percent FROM exams WHERE code = ?1", e);
	int rc = LX_OK, src;

	memset(out, 0, sizeof *out);
	if (!st)
		return e ? e->code : LX_ERR_STORAGE;
	st_bind_text(st, 1, code, -1);
	src = st_step(st);
	if (src == ST_ROW) {
		out->id = col_int(st, 0);
		out->code = lx_strdup(col_text(st, 1));
		out->title = lx_strdup(col_text(st, 2));
		out->pass_percent = col_int(st, 3);
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "没有代码为 %s 的考试", code);
	} else {
		rc = store_fail(db, src, e, "report exam");
	}
	st_reset(st);
	return rc;
}

/* The assigned population of exam ?1 and each person's best submitted attempt.
 * scoped: the units in the exam's scope (all units when exam_scope has no row); a unit is
 * in scope when its path equals a scope path or starts with it followed by '/'. */
#define SQL_PEOPLE                                                                                     \
	"WITH scoped AS MATERIALIZED ("                                                                           \
	"  SELECT o.id, o.path FROM org_units o"                                                       \
	"  WHERE NOT EXISTS (SELECT 1 FROM exam_scope WHERE exam_id = ?1)"                             \
	"     OR EXISTS (SELECT 1 FROM exam_scope s WHERE s.exam_id = ?1"                              \
	"                AND (o.path = s.org_path"                                                     \
	"                     OR substr(o.path, 1, length(s.org_path) + 1) = s.org_path || '/')))"     \
	" SELECT u.login, u.name, sc.path, u.category, c.name, c.ord,"                                 \
	"        b.id, b.score2, b.max_score2, b.passed, b.submitted_at,"                              \
	"        EXISTS (SELECT 1 FROM attempts a WHERE a.exam_id = ?1 AND a.user_id = u.id"           \
	"                AND a.status = 'in_progress' AND a.voided_at IS NULL), coalesce(b.receipt, ''),"  \
	"        EXISTS (SELECT 1 FROM exemptions x WHERE x.exam_id = ?1 AND x.user_id = u.id)"         \
	" FROM users u"                                                                                \
	" JOIN scoped sc ON sc.id = u.org_id"                                                          \
	" JOIN exam_papers p ON p.exam_id = ?1 AND p.category = u.category"                            \
	" JOIN categories c ON c.code = u.category"                                                    \
	" LEFT JOIN attempts b ON b.id = (SELECT a.id FROM attempts a"                                 \
	"        WHERE a.exam_id = ?1 AND a.user_id = u.id AND a.status = 'submitted'"                 \
	"              AND a.voided_at IS NULL"                                                          \
	"        ORDER BY coalesce(a.score2, 0) DESC, a.submitted_at, a.id LIMIT 1)"                   \
	" WHERE u.disabled = 0 AND (u.roles & " ROLE_EXAMINEE_SQL ") != 0"

static const char SQL_PEOPLE_UNSORTED[] = SQL_PEOPLE;
static const char SQL_PEOPLE_SORTED[] = SQL_PEOPLE " ORDER BY sc.path, u.login";

int store_report_people(struct store *db, int64_t exam_id, int sorted, report_person_fn fn, void *ctx,
			struct lx_err *e)
{
	struct stmt *st = store_stmt(db, sorted ? SQL_PEOPLE_SORTED : SQL_PEOPLE_UNSORTED, e);
	struct report_person p;
	int rc = LX_OK, src;

	if (!st)
		return e ? e->code : LX_ERR_STORAGE;
	st_bind_int(st, 1, exam_id);
	while ((src = st_step(st)) == ST_ROW) {
		memset(&p, 0, sizeof p);
		p.login = col_text(st, 0);
		p.name = col_text(st, 1);
		p.org = col_text(st, 2);
		p.category = col_text(st, 3);
		p.category_name = col_text(st, 4);
		p.category_ord = col_int(st, 5);
		if (col_int(st, 13)) {
			p.status = AST_EXEMPT; /* 免考: whatever they did, not counted (SPEC §12) */
		} else if (!col_null(st, 6)) {
			p.status = AST_SUBMITTED;
			p.score2 = col_int(st, 7);
			p.max_score2 = col_int(st, 8);
			p.passed = col_int(st, 9) != 0;
			p.submitted_at = col_int(st, 10);
			p.receipt = col_text(st, 12);
		} else {
			p.status = col_int(st, 11) ? AST_IN_PROGRESS : AST_NOT_STARTED;
		}
		rc = fn(ctx, &p);
		if (rc)
			goto out;
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, "report people");
out:
	st_reset(st);
	return rc;
}

/* d: one row per (submitted attempt, drawn question) with the attempt's total and whether
 * the answer earned full points; r: each row's rank among the attempts that drew the same
 * version (best total first) and that count; g: per version, the counts of report_item. */
#define SQL_ITEM_K "(CASE WHEN n * 27 / 100 > 1 THEN n * 27 / 100 ELSE 1 END)"
#define SQL_CHOSEN(key) ", count(*) FILTER (WHERE resp LIKE '%" key "%')"
#define SQL_UP_CHOSEN(key) ", count(*) FILTER (WHERE rk <= " SQL_ITEM_K " AND resp LIKE '%" key "%')"
static const char SQL_ITEMS[] =
	"WITH d AS ("
	"  SELECT q.version_id AS v, a.id AS aid, coalesce(a.score2, 0) AS s,"
	"         CASE WHEN w.earned2 = q.points2 THEN 1 ELSE 0 END AS ok, coalesce(w.response, '') AS resp"
	"  FROM attempts a"
	"  JOIN attempt_questions q ON q.attempt_id = a.id"
	"  LEFT JOIN answers w ON w.attempt_id = q.attempt_id AND w.position = q.position"
	"  WHERE a.exam_id = ?1 AND a.status = 'submitted' AND a.voided_at IS NULL),"
	" r AS ("
	"  SELECT v, ok, resp, row_number() OVER (PARTITION BY v ORDER BY s DESC, aid) AS rk,"
	"         count(*) OVER (PARTITION BY v) AS n FROM d),"
	" g AS ("
	"  SELECT v, count(*) AS n, sum(ok) AS ok, CASE WHEN max(n) * 27 / 100 > 1 THEN max(n) * 27 / 100 ELSE 1 END AS k,"
	"         sum(CASE WHEN rk <= " SQL_ITEM_K " THEN ok ELSE 0 END) AS up,"
	"         sum(CASE WHEN rk > n - " SQL_ITEM_K " THEN ok ELSE 0 END) AS lo"
	SQL_CHOSEN("A") SQL_CHOSEN("B") SQL_CHOSEN("C") SQL_CHOSEN("D") SQL_CHOSEN("E")
	SQL_CHOSEN("F") SQL_CHOSEN("G") SQL_CHOSEN("H") SQL_CHOSEN("T") SQL_CHOSEN("F")
	SQL_UP_CHOSEN("A") SQL_UP_CHOSEN("B") SQL_UP_CHOSEN("C") SQL_UP_CHOSEN("D") SQL_UP_CHOSEN("E")
	SQL_UP_CHOSEN("F") SQL_UP_CHOSEN("G") SQL_UP_CHOSEN("H") SQL_UP_CHOSEN("T") SQL_UP_CHOSEN("F")
	"  FROM r GROUP BY v)"
	" SELECT g.*, qu.bank, qu.qid, qv.type, qv.stem, qv.options, qv.version, qv.answer"
	" FROM g JOIN question_versions qv ON qv.id = g.v JOIN questions qu ON qu.id = qv.question_id"
	" ORDER BY qu.bank, qu.ord, qv.version";

int store_report_items(struct store *db, int64_t exam_id, int64_t *attempts, report_item_fn fn, void *ctx,
		       struct lx_err *e)
{
	struct stmt *st = store_stmt(db, "SELECT count(*) FROM attempts WHERE exam_id = ?1 AND status = 'submitted'"
							" AND voided_at IS NULL", e);
	struct report_item it;
	int rc = LX_OK, src;

	if (!st)
		return e ? e->code : LX_ERR_STORAGE;
	st_bind_int(st, 1, exam_id);
	src = st_step(st);
	if (src != ST_ROW) {
		rc = store_fail(db, src, e, "report attempts");
		st_reset(st);
		return rc;
	}
	*attempts = col_int(st, 0);
	st_reset(st);

	if (!(st = store_stmt(db, SQL_ITEMS, e)))
		return e ? e->code : LX_ERR_STORAGE;
	st_bind_int(st, 1, exam_id);
	while ((src = st_step(st)) == ST_ROW) {
		int c = 0;
		memset(&it, 0, sizeof it);
		it.version_id = col_int(st, c++);
		it.drawn = col_int(st, c++);
		it.correct = col_int(st, c++);
		it.k = col_int(st, c++);
		it.upper_correct = col_int(st, c++);
		it.lower_correct = col_int(st, c++);
		for (int i = 0; i < REPORT_N_OPTION_KEYS; i++)
			it.chosen[i] = col_int(st, c++);
		for (int i = 0; i < REPORT_N_OPTION_KEYS; i++)
			it.upper_chosen[i] = col_int(st, c++);
		it.bank = col_text(st, c++);
		it.qid = col_text(st, c++);
		it.type = col_text(st, c++);
		it.stem = col_text(st, c++);
		it.options_json = col_text(st, c++);
		it.version = col_int(st, c++);
		it.answer = col_text(st, c++);
		rc = fn(ctx, &it);
		if (rc)
			goto out;
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, "report items");
out:
	st_reset(st);
	return rc;
}
