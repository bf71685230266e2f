/* test_report.c — the reports: exact rounding, parameter parsing, pass-rate aggregation on
 * hand-made rows (depth roll-up, null rates, category order), CSV bytes (BOM, CRLF, quoting
 * of a name holding a comma, a quote and a newline), and the store queries on a small
 * fixture database (assignment rules, best attempt with ties, item analysis). The fixture
 * rows are written with plain sqlite3 here, as a test may; product code keeps SQL in
 * common/store*.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "report.h"
#include "store.h"
#include "store_reports.h"

/* --- pure parts ------------------------------------------------------------------------- */

static void test_org_prefix(void **state)
{
	(void)state;
	assert_int_equal(report_org_prefix("a/b/c", 0), 5);
	assert_int_equal(report_org_prefix("a/b/c", 1), 1);
	assert_int_equal(report_org_prefix("a/b/c", 2), 3);
	assert_int_equal(report_org_prefix("a/b/c", 3), 5);
	assert_int_equal(report_org_prefix("a/b/c", 9), 5);
	assert_int_equal(report_org_prefix("珠晖区/区司法局", 1), strlen("珠晖区"));
	assert_int_equal(report_org_prefix("", 2), 0);
}

static void test_rounding(void **state)
{
	char b[32];
	(void)state;
	assert_int_equal(report_permille(17, 20), 850);
	assert_int_equal(report_permille(1, 3), 333);
	assert_int_equal(report_permille(2, 3), 667);
	assert_int_equal(report_permille(1, 8), 125);     /* 12.5 % exactly */
	assert_int_equal(report_permille(1, 16), 63);     /* 6.25 % → 6.3 % (half up) */
	assert_int_equal(report_permille(0, 5), 0);
	assert_int_equal(report_permille(5, 5), 1000);
	assert_int_equal(report_permille(1, 0), -1);
	assert_string_equal(report_fmt_permille(850, b, sizeof b), "85.0%");
	assert_string_equal(report_fmt_permille(1000, b, sizeof b), "100.0%");
	assert_string_equal(report_fmt_permille(3, b, sizeof b), "0.3%");
	/* mean of 38.5 and 40 = 39.25; of 77, 78, 78 half-points (38.5, 39, 39) = 38.8333… */
	assert_int_equal(report_avg_centi(77 + 80, 2), 3925);
	assert_int_equal(report_avg_centi(77 + 78 + 78, 3), 3883);
	assert_int_equal(report_avg_centi(1, 8), 6);      /* 0.0625 → 0.06 */
	assert_int_equal(report_avg_centi(1, 4), 13);     /* 0.125 → 0.13 (half up) */
	assert_int_equal(report_avg_centi(10, 0), -1);
	assert_string_equal(report_fmt_centi(3925, b, sizeof b), "39.25");
	assert_string_equal(report_fmt_centi(7, b, sizeof b), "0.07");
	assert_string_equal(report_fmt_centi(-25, b, sizeof b), "-0.25");
}

static void test_params(void **state)
{
	struct lx_err e = {0};
	enum report_by by;
	enum report_format f;
	int d;
	(void)state;
	assert_int_equal(report_by_parse(NULL, &by, &e), LX_OK);
	assert_int_equal(by, REPORT_BY_ORG);
	assert_int_equal(report_by_parse("category", &by, &e), LX_OK);
	assert_int_equal(by, REPORT_BY_CATEGORY);
	assert_int_equal(report_by_parse("unit", &by, &e), LX_ERR_INVALID);
	assert_non_null(strstr(e.msg, "org"));
	assert_int_equal(report_format_parse(NULL, &f, &e), LX_OK);
	assert_int_equal(f, REPORT_FMT_JSON);
	assert_int_equal(report_format_parse("xlsx", &f, &e), LX_OK);
	assert_int_equal(f, REPORT_FMT_XLSX);
	assert_int_equal(report_format_parse("XLS", &f, &e), LX_ERR_INVALID);
	assert_int_equal(report_depth_parse(NULL, &d, &e), LX_OK);
	assert_int_equal(d, 0);
	assert_int_equal(report_depth_parse("3", &d, &e), LX_OK);
	assert_int_equal(d, 3);
	assert_int_equal(report_depth_parse("32", &d, &e), LX_OK);
	const char *bad[] = {"", "0", "33", "-1", "1a", "２", "999", " 1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(report_depth_parse(bad[i], &d, &e), LX_ERR_INVALID);
	assert_non_null(strstr(e.msg, "depth"));
}

static struct report_person person(const char *login, const char *org, const char *cat, int64_t ord, int status,
				   int64_t score2, int passed)
{
	struct report_person p = {.login = login, .name = login, .org = org, .category = cat,
				  .category_name = cat, .category_ord = ord, .status = status,
				  .score2 = score2, .max_score2 = 200, .passed = passed, .submitted_at = 1000};
	return p;
}

static const struct report_person people[] = {
	{"a1", "a1", "区/甲局/一股", "general", "一般", 3, AST_SUBMITTED, 150, 200, 1, 1000, ""},
	{"a2", "a2", "区/甲局/一股", "general", "一般", 3, AST_SUBMITTED, 77, 200, 0, 1000, ""},
	{"a3", "a3", "区/甲局/二股", "leader", "领导", 1, AST_IN_PROGRESS, 0, 0, 0, 0, ""},
	{"a4", "a4", "区/甲局", "leader", "领导", 1, AST_SUBMITTED, 200, 200, 1, 1000, ""},
	{"b1", "b1", "区/乙局/一股", "general", "一般", 3, AST_NOT_STARTED, 0, 0, 0, 0, ""},
	{"b2", "b2", "区/乙局", "enforcement", "执法", 2, AST_NOT_STARTED, 0, 0, 0, 0, ""},
	{"c1", "c1", "区/乙局/一股", "enforcement", "执法", 2, AST_SUBMITTED, 121, 200, 1, 1000, ""},
};
#define NPEOPLE (sizeof people / sizeof people[0])

static const struct report_group *find(const struct report_group *g, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].key, key) == 0)
			return &g[i];
	return NULL;
}

static struct report_agg *agg_of(enum report_by by, int depth)
{
	struct report_agg *a = report_agg_new(by, depth);
	for (size_t i = 0; i < NPEOPLE; i++)
		report_agg_add(a, &people[i]);
	return a;
}

static void test_agg_depth(void **state)
{
	size_t n;
	const struct report_group *g, *x;
	struct report_agg *a;
	(void)state;

	a = agg_of(REPORT_BY_ORG, 0); /* whole path */
	g = report_agg_groups(a, &n);
	assert_int_equal(n, 5);
	/* byte order: a unit comes right before its sub-units */
	assert_string_equal(g[0].key, "区/乙局");
	assert_string_equal(g[1].key, "区/乙局/一股");
	assert_string_equal(g[2].key, "区/甲局");
	assert_string_equal(g[3].key, "区/甲局/一股");
	assert_string_equal(g[4].key, "区/甲局/二股");
	x = find(g, n, "区/甲局/一股");
	assert_int_equal(x->assigned, 2);
	assert_int_equal(x->took, 2);
	assert_int_equal(x->passed, 1);
	assert_int_equal(x->sum2, 227);
	assert_int_equal(report_avg_centi(x->sum2, x->took), 5675); /* (75 + 38.5) / 2 */
	x = find(g, n, "区/甲局/二股");
	assert_int_equal(x->took, 0);
	assert_int_equal(report_permille(x->passed, x->took), -1); /* pass_rate null */
	assert_int_equal(report_avg_centi(x->sum2, x->took), -1);  /* avg null */
	report_agg_free(a);

	a = agg_of(REPORT_BY_ORG, 2);
	g = report_agg_groups(a, &n);
	assert_int_equal(n, 2);
	x = find(g, n, "区/甲局");
	assert_int_equal(x->assigned, 4);
	assert_int_equal(x->took, 3);
	assert_int_equal(x->passed, 2);
	assert_int_equal(x->sum2, 427);
	x = find(g, n, "区/乙局");
	assert_int_equal(x->assigned, 3);
	assert_int_equal(x->took, 1);
	assert_int_equal(x->passed, 1);
	report_agg_free(a);

	a = agg_of(REPORT_BY_ORG, 1);
	g = report_agg_groups(a, &n);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].key, "区");
	assert_int_equal(g[0].assigned, 7);
	assert_int_equal(g[0].took, 4);
	assert_int_equal(g[0].passed, 3);
	assert_int_equal(report_agg_total(a)->assigned, 7);
	assert_int_equal(report_agg_total(a)->sum2, 548);
	/* adding after reading the groups still finds the existing group */
	report_agg_add(a, &people[0]);
	g = report_agg_groups(a, &n);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].assigned, 8);
	report_agg_free(a);

	/* depth beyond the tree: the whole path */
	a = agg_of(REPORT_BY_ORG, 9);
	g = report_agg_groups(a, &n);
	assert_int_equal(n, 5);
	report_agg_free(a);
}

static void test_agg_category(void **state)
{
	size_t n;
	const struct report_group *g;
	struct report_agg *a = agg_of(REPORT_BY_CATEGORY, 3); /* depth ignored */
	(void)state;
	g = report_agg_groups(a, &n);
	assert_int_equal(n, 3);
	assert_string_equal(g[0].key, "leader"); /* creation order, not alphabetical */
	assert_string_equal(g[0].name, "领导");
	assert_string_equal(g[1].key, "enforcement");
	assert_string_equal(g[2].key, "general");
	assert_int_equal(g[2].assigned, 3);
	assert_int_equal(g[2].took, 2);
	assert_int_equal(g[1].took, 1);
	report_agg_free(a);
}

static void test_agg_many_groups(void **state)
{
	char org[64];
	size_t n;
	struct report_agg *a = report_agg_new(REPORT_BY_ORG, 0);
	const struct report_group *g;
	(void)state;
	for (int i = 0; i < 5000; i++) { /* forces several rehashes */
		snprintf(org, sizeof org, "u%04d", i % 1000);
		struct report_person p = person("x", org, "general", 1, i % 2 ? AST_SUBMITTED : AST_NOT_STARTED, 100, 1);
		report_agg_add(a, &p);
	}
	g = report_agg_groups(a, &n);
	assert_int_equal(n, 1000);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(g[i].assigned, 5);
		if (i)
			assert_true(strcmp(g[i - 1].key, g[i].key) < 0);
	}
	report_agg_free(a);
}

static const struct report_exam exam = {.id = 1, .code = "2026-annual", .title = "2026年度学法考法", .pass_percent = 60};

static void test_pass_rates_csv(void **state)
{
	struct report_agg *a = agg_of(REPORT_BY_ORG, 2);
	struct report_doc d = {0};
	struct lx_err e = {0};
	/* 免考 (SPEC §12): counted apart, out of 应考人数, whatever their attempt says */
	struct report_person ex = person("ex1", "区/甲局/一股", "general", 1, AST_EXEMPT, 0, 0);
	(void)state;
	report_agg_add(a, &ex);
	assert_int_equal(report_render_pass_rates(&exam, REPORT_BY_ORG, 2, a, REPORT_FMT_CSV, NULL, &d, &e), LX_OK);
	assert_string_equal(d.data, "\xef\xbb\xbf"
				    "单位,应考人数,实考人数,未参考,合格人数,不合格,参考率,合格率,平均分,免考人数\r\n"
				    "区/乙局,3,1,2,1,0,33.3%,100.0%,60.50,0\r\n"
				    "区/甲局,4,3,1,2,1,75.0%,66.7%,71.17,1\r\n"
				    "合计,7,4,3,3,1,57.1%,75.0%,68.50,1\r\n");
	assert_string_equal(d.ctype, "text/csv; charset=utf-8");
	report_doc_free(&d);

	/* null rates render as empty cells, in JSON as null */
	report_agg_free(a);
	a = report_agg_new(REPORT_BY_CATEGORY, 0);
	struct report_person p = person("x", "区", "leader", 1, AST_NOT_STARTED, 0, 0);
	p.category_name = "领导干部";
	report_agg_add(a, &p);
	assert_int_equal(report_render_pass_rates(&exam, REPORT_BY_CATEGORY, 0, a, REPORT_FMT_CSV, NULL, &d, &e), LX_OK);
	assert_string_equal(d.data, "\xef\xbb\xbf"
				    "类别,类别名称,应考人数,实考人数,未参考,合格人数,不合格,参考率,合格率,平均分,免考人数\r\n"
				    "leader,领导干部,1,0,1,0,0,0.0%,,,0\r\n"
				    "合计,,1,0,1,0,0,0.0%,,,0\r\n");
	report_doc_free(&d);
	assert_int_equal(report_render_pass_rates(&exam, REPORT_BY_CATEGORY, 0, a, REPORT_FMT_JSON, NULL, &d, &e), LX_OK);
	json_t *j = json_loadb(d.data, d.len, 0, NULL);
	assert_non_null(j);
	json_t *row = json_array_get(json_object_get(j, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "group")), "leader");
	assert_string_equal(json_string_value(json_object_get(row, "group_name")), "领导干部");
	assert_true(json_is_null(json_object_get(row, "pass_rate")));
	assert_int_equal(json_integer_value(json_object_get(row, "not_taken")), 1);
	assert_int_equal(json_integer_value(json_object_get(row, "failed")), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "exempt")), 0);
	assert_true(json_is_null(json_object_get(row, "avg_score")));
	assert_true(json_is_null(json_object_get(j, "depth")));
	assert_string_equal(json_string_value(json_object_get(j, "by")), "category");
	assert_null(json_object_get(json_object_get(j, "total"), "group"));
	json_decref(j);
	report_doc_free(&d);
	report_agg_free(a);
}

/* The HR page's filters: status, unit (with its sub-units, not a sibling sharing a prefix),
 * took-and-passed / took-and-failed; their words and their audit form. */
static void test_filters(void **state)
{
	struct report_person sub = person("a", "区/甲局/一股", "leader", 1, AST_SUBMITTED, 120, 1);
	struct report_person failed = person("b", "区/甲局", "leader", 1, AST_SUBMITTED, 20, 0);
	struct report_person open = person("c", "区/甲局二", "leader", 1, AST_IN_PROGRESS, 0, 0);
	struct report_filter f = {0};
	struct report_req req = {.kind = REPORT_RESULTS, .exam = "x", .format = REPORT_FMT_CSV};
	struct lx_err e = {0};
	char *s;
	(void)state;

	assert_true(report_filter_match(&f, &sub) && report_filter_match(&f, &open));
	assert_int_equal(report_org_parse("区/甲局/", &f.org, &e), LX_OK);
	assert_true(report_filter_match(&f, &sub));
	assert_true(report_filter_match(&f, &failed));
	assert_false(report_filter_match(&f, &open)); /* 区/甲局二 is not under 区/甲局 */
	assert_int_equal(report_passed_parse("0", &f.passed, &e), LX_OK);
	assert_false(report_filter_match(&f, &sub));
	assert_true(report_filter_match(&f, &failed));
	f.org = NULL;
	assert_false(report_filter_match(&f, &open)); /* passed=0 means took and failed */
	f.passed = REPORT_PASS_ANY;
	assert_int_equal(report_status_parse("in_progress", &f.status_mask, &e), LX_OK);
	assert_true(report_filter_match(&f, &open));
	assert_false(report_filter_match(&f, &sub));
	assert_int_equal(report_status_parse("done", &f.status_mask, &e), LX_ERR_INVALID);
	assert_int_equal(report_passed_parse("yes", &f.passed, &e), LX_ERR_INVALID);
	assert_int_equal(report_org_parse("/区", &f.org, &e), LX_ERR_INVALID);
	assert_int_equal(report_org_parse("区//甲局", &f.org, &e), LX_ERR_INVALID);
	assert_int_equal(report_org_parse("区\t甲局", &f.org, &e), LX_ERR_INVALID);

	req.filter = (struct report_filter){.status_mask = 1u << AST_SUBMITTED, .org = "区/甲局/", .passed = REPORT_PASS_NO};
	s = report_filter_zh(&req.filter);
	assert_string_equal(s, "单位：区/甲局（含下级单位）；状态：已交卷；是否合格：不合格");
	free(s);
	s = report_describe(&req);
	assert_string_equal(s, "results x format=csv org=区/甲局 status=submitted passed=0");
	free(s);
	req.filter = (struct report_filter){0};
	s = report_filter_zh(&req.filter);
	assert_string_equal(s, "全部单位");
	free(s);
}

/* A principal's scope (SPEC §12): only the scope's units (never a sibling sharing a prefix),
 * combined with a unit filter inside it; its words and its audit form. */
static void test_scope_filter(void **state)
{
	struct report_person sub = person("a", "区/甲局/一股", "leader", 1, AST_SUBMITTED, 120, 1);
	struct report_person own = person("b", "区/甲局", "leader", 1, AST_SUBMITTED, 20, 0);
	struct report_person trap = person("c", "区/甲局二", "leader", 1, AST_IN_PROGRESS, 0, 0);
	struct report_person other = person("d", "区/乙局", "leader", 1, AST_NOT_STARTED, 0, 0);
	struct report_req req = {.kind = REPORT_PASS_RATES, .exam = "x", .format = REPORT_FMT_XLSX,
				 .filter = {.scope = "区/甲局"}};
	char *s;
	(void)state;

	assert_true(report_filter_match(&req.filter, &sub));
	assert_true(report_filter_match(&req.filter, &own));
	assert_false(report_filter_match(&req.filter, &trap));
	assert_false(report_filter_match(&req.filter, &other));
	s = report_filter_zh(&req.filter);
	assert_string_equal(s, "管理范围：区/甲局（含下级单位）");
	free(s);
	s = report_describe(&req);
	assert_string_equal(s, "pass-rates x by=org format=xlsx scope=区/甲局");
	free(s);
	req.filter.org = "区/甲局/一股";
	assert_true(report_filter_match(&req.filter, &sub));
	assert_false(report_filter_match(&req.filter, &own));
	s = report_filter_zh(&req.filter);
	assert_string_equal(s, "管理范围：区/甲局（含下级单位）；单位：区/甲局/一股（含下级单位）");
	free(s);
}

static void test_results_csv_quoting(void **state)
{
	struct report_stream *s = NULL;
	struct report_doc d = {0};
	struct lx_err e = {0};
	struct report_person p = person("E001", "珠晖区/司法局", "leader", 1, AST_SUBMITTED, 77, 1);
	struct report_person q = person("E002", "珠晖区/司法局", "general", 3, AST_IN_PROGRESS, 0, 0);
	(void)state;
	p.name = "王,\"小\"\n明";
	p.category_name = "领导干部";
	p.submitted_at = 0;
	q.name = " 李四";
	q.category_name = "一般工作人员";
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(report_results_begin(&exam, REPORT_FMT_CSV, NULL, &s, &e), LX_OK);
	assert_int_equal(report_results_add(s, &p), LX_OK);
	assert_int_equal(report_results_add(s, &q), LX_OK);
	assert_int_equal(report_stream_end(s, 0, &d, &e), LX_OK);
	assert_string_equal(d.data, "\xef\xbb\xbf"
				    "工号,姓名,单位,类别,状态,成绩,是否合格,交卷时间\r\n"
				    "E001,\"王,\"\"小\"\"\n明\",珠晖区/司法局,领导干部,已交卷,38.5,是,1970-01-01T00:00:00+00:00\r\n"
				    "E002,\" 李四\",珠晖区/司法局,一般工作人员,进行中,,,\r\n");
	report_doc_free(&d);

	/* JSON: the same rows, streamed */
	assert_int_equal(report_results_begin(&exam, REPORT_FMT_JSON, NULL, &s, &e), LX_OK);
	assert_int_equal(report_results_add(s, &p), LX_OK);
	assert_int_equal(report_results_add(s, &q), LX_OK);
	assert_int_equal(report_stream_end(s, 0, &d, &e), LX_OK);
	json_t *j = json_loadb(d.data, d.len, 0, NULL);
	assert_non_null(j);
	json_t *rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "name")), "王,\"小\"\n明");
	assert_true(json_real_value(json_object_get(json_array_get(rows, 0), "score")) == 38.5);
	assert_true(json_is_true(json_object_get(json_array_get(rows, 0), "passed")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "status")), "in_progress");
	assert_true(json_is_null(json_object_get(json_array_get(rows, 1), "score")));
	json_decref(j);
	report_doc_free(&d);

	/* XLSX: a zip; an aborted stream leaves nothing behind */
	assert_int_equal(report_results_begin(&exam, REPORT_FMT_XLSX, NULL, &s, &e), LX_OK);
	assert_int_equal(report_results_add(s, &p), LX_OK);
	assert_int_equal(report_stream_end(s, 0, &d, &e), LX_OK);
	assert_true(d.len > 100 && memcmp(d.data, "PK", 2) == 0);
	report_doc_free(&d);
	assert_int_equal(report_results_begin(&exam, REPORT_FMT_XLSX, NULL, &s, &e), LX_OK);
	report_stream_abort(s);
}

/* --- the store queries on a fixture database --------------------------------------------- */

struct fx {
	char path[64];
	struct store *db;
};

static void fx_exec(const char *path, const char *sql)
{
	sqlite3 *raw = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	if (sqlite3_exec(raw, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("fixture: %s", msg);
	sqlite3_close(raw);
}

static const char FIXTURE[] =
	"INSERT INTO categories(code, name, created_at, ord) VALUES('leader','领导干部',0,1),"
	" ('enforcement','行政执法人员',0,2), ('general','一般工作人员',0,3), ('retired','退休人员',0,4);"
	"INSERT INTO org_units(id, path, parent_id, depth) VALUES(1,'区',NULL,1),(2,'区/局',1,2),"
	" (3,'区/局/股',2,3),(4,'区局',NULL,1),(5,'外区',NULL,1),(6,'区/另局',1,2);"
	"INSERT INTO users(id, login, name, org_id, category, roles, pw_hash, disabled, created_at, updated_at) VALUES"
	" (1,'tie','并列',3,'leader',1,'x',0,0,0),"          /* two attempts tie on score */
	" (2,'open','进行',2,'general',1,'x',0,0,0),"        /* in progress only */
	" (3,'none','未考',6,'general',1,'x',0,0,0),"        /* not started */
	" (4,'hronly','人事',2,'general',4,'x',0,0,0),"      /* not an examinee */
	" (5,'off','停用',2,'general',1,'x',1,0,0),"         /* disabled */
	" (6,'prefix','前缀',4,'general',1,'x',0,0,0),"      /* '区局' is not under '区' */
	" (7,'outside','外区',5,'general',5,'x',0,0,0),"     /* out of scope */
	" (8,'nopaper','无卷',2,'retired',1,'x',0,0,0),"     /* category without a paper */
	" (9,'retake','补考',1,'enforcement',3,'x',0,0,0),"  /* failed, then passed a retake */
	" (10,'sametime','同时',1,'general',1,'x',0,0,0);"   /* tie on score and time: lowest id */
	"INSERT INTO exams(id, code, title, opens_at, closes_at, duration_s, pass_percent, max_attempts,"
	" multiple_scoring, results, review, definition, created_at) VALUES"
	" (1,'e1','测试',0,9,60,60,3,'all_or_nothing','immediate','never','{}',0),"
	" (2,'e2','无范围',0,9,60,60,3,'all_or_nothing','immediate','never','{}',0);"
	"INSERT INTO exam_scope VALUES(1,'区');"
	"INSERT INTO exam_papers VALUES(1,'leader',0),(1,'enforcement',1),(1,'general',1),(2,'general',0);"
	"INSERT INTO attempts(id, exam_id, user_id, attempt_no, seed, status, started_at, deadline, submitted_at,"
	" score2, max_score2, passed) VALUES"
	" (1,1,1,1,x'00','submitted',0,9,500,150,200,1),"
	" (2,1,1,2,x'00','submitted',0,9,300,150,200,1),"
	" (3,1,1,3,x'00','submitted',0,9,100,100,200,0),"
	" (4,1,2,1,x'00','in_progress',0,9,NULL,NULL,200,NULL),"
	" (5,1,9,1,x'00','submitted',0,9,100,60,200,0),"
	" (6,1,9,2,x'00','submitted',0,9,200,121,200,1),"
	" (7,1,10,1,x'00','submitted',0,9,700,130,200,1),"
	" (8,1,10,2,x'00','submitted',0,9,700,130,200,1),"
	" (9,1,10,3,x'00','in_progress',0,9,NULL,NULL,200,NULL),"
	" (10,2,6,1,x'00','submitted',0,9,50,200,200,1);";

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct lx_err e = {0};
	int fd;
	snprintf(f->path, sizeof f->path, "/tmp/test_report-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	assert_int_equal(store_open(f->path, STORE_CREATE, &f->db, &e), LX_OK);
	fx_exec(f->path, FIXTURE);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char p[80];
	store_close(f->db);
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

struct collected {
	size_t n;
	char login[16][16];
	struct report_person p[16];
};

static int collect(void *ctx, const struct report_person *p)
{
	struct collected *c = ctx;
	assert_true(c->n < 16);
	snprintf(c->login[c->n], sizeof c->login[0], "%s", p->login);
	c->p[c->n] = *p; /* strings are not kept */
	c->n++;
	return LX_OK;
}

static const struct report_person *by_login(struct collected *c, const char *login)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->login[i], login) == 0)
			return &c->p[i];
	fail_msg("no row for %s", login);
	return NULL;
}

static void test_store_people(void **state)
{
	struct fx *f = *state;
	struct collected c = {0};
	struct lx_err e = {0};
	struct report_exam x = {0};
	const struct report_person *p;

	assert_int_equal(store_report_exam(f->db, "nope", &x, &e), LX_ERR_NOTFOUND);
	assert_int_equal(store_report_exam(f->db, "e1", &x, &e), LX_OK);
	assert_int_equal(x.id, 1);
	assert_string_equal(x.title, "测试");
	report_exam_free(&x);

	assert_int_equal(store_read_begin(f->db, &e), LX_OK);
	assert_int_equal(store_report_people(f->db, 1, 1, collect, &c, &e), LX_OK);
	store_read_end(f->db);
	/* sorted by unit path, then login; only the assigned */
	assert_int_equal(c.n, 5);
	assert_string_equal(c.login[0], "retake");   /* 区 */
	assert_string_equal(c.login[1], "sametime"); /* 区 */
	assert_string_equal(c.login[2], "none");     /* 区/另局 */
	assert_string_equal(c.login[3], "open");     /* 区/局 */
	assert_string_equal(c.login[4], "tie");      /* 区/局/股 */

	p = by_login(&c, "tie"); /* 150 at 500 and 150 at 300: the earlier wins */
	assert_int_equal(p->status, AST_SUBMITTED);
	assert_int_equal(p->score2, 150);
	assert_int_equal(p->submitted_at, 300);
	assert_int_equal(p->passed, 1);
	assert_int_equal(p->category_ord, 1);
	p = by_login(&c, "retake");
	assert_int_equal(p->score2, 121);
	assert_int_equal(p->passed, 1);
	assert_int_equal(p->submitted_at, 200);
	p = by_login(&c, "sametime"); /* submitted beats an open retake */
	assert_int_equal(p->status, AST_SUBMITTED);
	assert_int_equal(p->score2, 130);
	assert_int_equal(by_login(&c, "open")->status, AST_IN_PROGRESS);
	assert_int_equal(by_login(&c, "none")->status, AST_NOT_STARTED);

	/* no scope rows: every unit; only general has a paper in e2 */
	memset(&c, 0, sizeof c);
	assert_int_equal(store_report_people(f->db, 2, 0, collect, &c, &e), LX_OK);
	assert_int_equal(c.n, 5); /* open, none, prefix, outside, sametime (hronly and off are not) */
	p = by_login(&c, "prefix");
	assert_int_equal(p->status, AST_SUBMITTED);
	assert_int_equal(p->score2, 200);
	assert_non_null(by_login(&c, "outside"));
	assert_int_equal(by_login(&c, "sametime")->status, AST_NOT_STARTED);
}

static void test_make(void **state)
{
	struct fx *f = *state;
	struct report_req req = {.kind = REPORT_PASS_RATES, .exam = "e1", .by = REPORT_BY_ORG, .depth = 1,
				 .format = REPORT_FMT_JSON};
	struct report_doc d = {0};
	struct lx_err e = {0};
	json_t *j, *t;

	assert_int_equal(report_make(f->db, &req, &d, &e), LX_OK);
	assert_string_equal(d.filename, "合格率统计-e1.json");
	assert_string_equal(d.ascii_name, "pass-rates-e1.json");
	j = json_loadb(d.data, d.len, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 1);
	t = json_object_get(j, "total");
	assert_int_equal(json_integer_value(json_object_get(t, "assigned")), 5);
	assert_int_equal(json_integer_value(json_object_get(t, "took")), 3);
	assert_int_equal(json_integer_value(json_object_get(t, "passed")), 3);
	/* (75 + 60.5 + 65) / 3 = 66.8333 → 66.83 */
	assert_true(json_real_value(json_object_get(t, "avg_score")) == 66.83);
	assert_true(json_real_value(json_object_get(t, "participation_rate")) == 0.6);
	assert_true(json_real_value(json_object_get(t, "pass_rate")) == 1.0);
	json_decref(j);
	report_doc_free(&d);

	req.exam = "missing";
	assert_int_equal(report_make(f->db, &req, &d, &e), LX_ERR_NOTFOUND);
	assert_null(d.data);
	/* the snapshot was released: a second report works on the same connection */
	req.exam = "e1";
	req.kind = REPORT_RESULTS;
	req.format = REPORT_FMT_XLSX;
	assert_int_equal(report_make(f->db, &req, &d, &e), LX_OK);
	assert_string_equal(d.filename, "成绩明细-e1.xlsx");
	assert_string_equal(d.ascii_name, "results-e1.xlsx");
	assert_string_equal(d.ctype, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	report_doc_free(&d);
}

/* Item analysis: one single-choice item drawn by 5 attempts, one judge item by 2. */
static const char ITEMS[] =
	"INSERT INTO banks VALUES('con','宪法','constitution',0,0);"
	"INSERT INTO questions(id, bank, qid, active, current_version_id, ord) VALUES"
	" (1,'con','Q1',1,1,1),(2,'con','Q2',1,2,2);"
	"INSERT INTO question_versions(id, question_id, version, type, stem, options, answer, explanation, basis,"
	" difficulty, tags, created_at) VALUES"
	" (1,1,1,'single','谁?','[\"人民\",\"国务院\",\"法院\"]','A','','',3,'[]',0),"
	" (2,2,1,'judge','对吗?','[]','T','','',3,'[]',0);"
	"INSERT INTO exams(id, code, title, opens_at, closes_at, duration_s, pass_percent, max_attempts,"
	" multiple_scoring, results, review, definition, created_at) VALUES"
	" (3,'e3','题目分析',0,9,60,60,3,'all_or_nothing','immediate','never','{}',0);"
	"INSERT INTO attempts(id, exam_id, user_id, attempt_no, seed, status, started_at, deadline, submitted_at,"
	" score2, max_score2, passed) VALUES"
	" (21,3,1,1,x'00','submitted',0,9,1,200,200,1),"
	" (22,3,2,1,x'00','submitted',0,9,1,150,200,1),"
	" (23,3,3,1,x'00','submitted',0,9,1,100,200,0),"
	" (24,3,6,1,x'00','submitted',0,9,1,50,200,0),"
	" (25,3,7,1,x'00','submitted',0,9,1,0,200,0),"
	" (26,3,9,1,x'00','in_progress',0,9,NULL,NULL,200,NULL);"
	"INSERT INTO attempt_questions VALUES"
	" (21,1,0,'s',1,4,'ABC'),(22,1,0,'s',1,4,'CAB'),(23,1,0,'s',1,4,'ABC'),(24,1,0,'s',1,4,'ABC'),"
	" (25,1,0,'s',1,4,'ABC'),(26,1,0,'s',1,4,'ABC'),"
	" (21,2,0,'s',2,2,''),(25,2,0,'s',2,2,'');"
	/* Q1: the best (21) chose wrong, the worst (25) right: negative discrimination;
	   23 never answered (no row). Q2: 21 wrong, 25 right. */
	"INSERT INTO answers VALUES"
	" (21,1,'B',1,0,0),(22,1,'A',1,0,4),(24,1,'C',1,0,0),(25,1,'A',1,0,4),(26,1,'A',1,0,NULL),"
	" (21,2,'F',1,0,0),(25,2,'T',1,0,2);";

static int collect_items(void *ctx, const struct report_item *it)
{
	struct report_item *out = ctx;
	int i = it->version_id == 1 ? 0 : 1;
	out[i] = *it;
	out[i].bank = out[i].qid = out[i].type = out[i].stem = out[i].options_json = NULL;
	return LX_OK;
}

static void test_items(void **state)
{
	struct fx *f = *state;
	struct report_item it[2];
	struct lx_err e = {0};
	int64_t n = 0;
	struct report_req req = {.kind = REPORT_ITEMS, .exam = "e3", .format = REPORT_FMT_JSON};
	struct report_doc d = {0};
	json_t *j, *q1, *q2;

	fx_exec(f->path, ITEMS);
	memset(it, 0, sizeof it);
	assert_int_equal(store_report_items(f->db, 3, &n, collect_items, it, &e), LX_OK);
	assert_int_equal(n, 5);
	assert_int_equal(it[0].drawn, 5);
	assert_int_equal(it[0].correct, 2);
	assert_int_equal(it[0].k, 1);             /* max(1, 5 × 27 / 100 = 1) */
	assert_int_equal(it[0].upper_correct, 0); /* attempt 21 */
	assert_int_equal(it[0].lower_correct, 1); /* attempt 25 */
	assert_int_equal(it[0].chosen[0], 2);     /* A */
	assert_int_equal(it[0].chosen[1], 1);     /* B */
	assert_int_equal(it[0].chosen[2], 1);     /* C */
	assert_int_equal(it[1].drawn, 2);
	assert_int_equal(it[1].chosen[8], 1);     /* T */
	assert_int_equal(it[1].chosen[9], 1);     /* F */
	/* the upper group (attempt 21) chose B on Q1 and F on Q2: a distractor over the key */
	assert_int_equal(it[0].upper_chosen[0], 0);
	assert_int_equal(it[0].upper_chosen[1], 1);
	assert_int_equal(it[1].upper_chosen[8], 0);
	assert_int_equal(it[1].upper_chosen[9], 1);

	assert_int_equal(report_make(f->db, &req, &d, &e), LX_OK);
	j = json_loadb(d.data, d.len, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "attempts")), 5);
	q1 = json_array_get(json_object_get(j, "items"), 0);
	q2 = json_array_get(json_object_get(j, "items"), 1);
	assert_string_equal(json_string_value(json_object_get(q1, "qid")), "Q1");
	assert_true(json_real_value(json_object_get(q1, "facility")) == 0.4);
	assert_true(json_real_value(json_object_get(q1, "discrimination")) == -1.0);
	assert_string_equal(json_string_value(json_object_get(q1, "flag")), "negative_discrimination");
	assert_string_equal(json_string_value(json_object_get(q1, "answer")), "A");
	assert_true(json_is_true(json_object_get(q1, "suspect_key")));
	assert_string_equal(json_string_value(json_object_get(q1, "suspect_option")), "B");
	assert_int_equal(json_array_size(json_object_get(q1, "flags")), 2); /* negative, distractor */
	assert_string_equal(json_string_value(json_object_get(q2, "suspect_option")), "F");
	json_t *opts = json_object_get(q1, "options");
	assert_int_equal(json_array_size(opts), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(opts, 0), "text")), "人民");
	assert_true(json_real_value(json_object_get(json_array_get(opts, 0), "share")) == 0.4);
	assert_string_equal(json_string_value(json_object_get(q2, "type")), "judge");
	assert_true(json_real_value(json_object_get(q2, "discrimination")) == -1.0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(q2, "options"), 0), "key")), "T");
	json_decref(j);
	report_doc_free(&d);

	req.format = REPORT_FMT_CSV;
	assert_int_equal(report_make(f->db, &req, &d, &e), LX_OK);
	assert_non_null(strstr(d.data, "\r\ncon,Q1,1,单选,谁?,5,40.0%,-1.00,0.0%,100.0%,40.0%,20.0%,20.0%,,,,,,,,区分度为负"));
	report_doc_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_org_prefix),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_agg_depth),
		cmocka_unit_test(test_agg_category),
		cmocka_unit_test(test_agg_many_groups),
		cmocka_unit_test(test_pass_rates_csv),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_scope_filter),
		cmocka_unit_test(test_results_csv_quoting),
		cmocka_unit_test_setup_teardown(test_store_people, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_make, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_items, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
