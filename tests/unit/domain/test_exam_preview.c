/* test_exam_preview.c — common/domain/exam_preview.c, what the exam-creation form shows: a
 * section filter's count (active questions only, those in review counted apart, retired ones
 * not at all) with the bank's tags, the categories with their examinees, and a dry run's
 * preview of who is assigned per unit and category (disabled staff, staff without the
 * examinee role, categories without a paper and units outside org_scope left out; "a/bc" is
 * not under "a/b"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "clock.h"
#include "err.h"
#include "exam.h"
#include "store.h"
#include "store_accounts.h"
#include "store_exams.h"

#include "exam_fixture.h"

/* t: 4 singles tagged 总纲 (difficulty 1..4; S4 goes into review), 2 singles tagged 公民 and
 * 总纲 (S6 retired), 3 judges without tags. */
static const char BANK[] =
	"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"t\",\"title\":\"测试题库\",\"subject\":\"test\"},"
	"\"questions\":["
	"{\"id\":\"S1\",\"type\":\"single\",\"stem\":\"一\",\"options\":[\"a\",\"b\"],\"answer\":\"A\",\"difficulty\":1,\"tags\":[\"总纲\"]},"
	"{\"id\":\"S2\",\"type\":\"single\",\"stem\":\"二\",\"options\":[\"a\",\"b\"],\"answer\":\"A\",\"difficulty\":2,\"tags\":[\"总纲\"]},"
	"{\"id\":\"S3\",\"type\":\"single\",\"stem\":\"三\",\"options\":[\"a\",\"b\"],\"answer\":\"A\",\"difficulty\":3,\"tags\":[\"总纲\"]},"
	"{\"id\":\"S4\",\"type\":\"single\",\"stem\":\"四\",\"options\":[\"a\",\"b\"],\"answer\":\"A\",\"difficulty\":4,\"tags\":[\"总纲\"]},"
	"{\"id\":\"S5\",\"type\":\"single\",\"stem\":\"五\",\"options\":[\"a\",\"b\"],\"answer\":\"A\",\"tags\":[\"公民\",\"总纲\"]},"
	"{\"id\":\"S6\",\"type\":\"single\",\"stem\":\"六\",\"options\":[\"a\",\"b\"],\"answer\":\"A\",\"tags\":[\"公民\",\"总纲\"]},"
	"{\"id\":\"J1\",\"type\":\"judge\",\"stem\":\"判一\",\"answer\":\"T\"},"
	"{\"id\":\"J2\",\"type\":\"judge\",\"stem\":\"判二\",\"answer\":\"F\"},"
	"{\"id\":\"J3\",\"type\":\"judge\",\"stem\":\"判三\",\"answer\":\"T\"}]}";

struct person {
	const char *login, *org, *category;
	unsigned roles;
	int disabled;
};

/* Beside the fixture's 1001 and 1002 (general, 珠晖区/司法局). */
static const struct person PEOPLE[] = {
	{"2001", "珠晖区/司法局/普法股", "leader", ROLE_EXAMINEE, 0},
	{"2002", "珠晖区/教育局", "leader", ROLE_EXAMINEE | ROLE_UNIT_ADMIN, 0},
	{"2003", "珠晖区/教育局", "general", ROLE_EXAMINEE, 1},   /* disabled */
	{"2004", "珠晖区/教育局", "general", ROLE_HR, 0},         /* not an examinee */
	{"2005", "珠晖区/司法局局", "general", ROLE_EXAMINEE, 0}, /* not under 珠晖区/司法局 */
	{"2006", "雁峰区/司法局", "leader", ROLE_EXAMINEE, 0},
	{"2007", "珠晖区/教育局", "enforcement", ROLE_EXAMINEE, 0},
};

static int seed_job(struct store *db, void *arg, struct lx_err *e)
{
	struct fx *f = arg;
	int rc = store_category_add(db, "leader", "领导干部", f->now, e);
	if (rc == LX_OK)
		rc = store_category_add(db, "enforcement", "行政执法人员", f->now, e);
	for (size_t i = 0; rc == LX_OK && i < sizeof PEOPLE / sizeof PEOPLE[0]; i++) {
		struct user u = {0};
		u.login = strdup(PEOPLE[i].login);
		u.name = strdup("某人");
		u.org = strdup(PEOPLE[i].org);
		u.category = strdup(PEOPLE[i].category);
		u.roles = PEOPLE[i].roles;
		u.disabled = PEOPLE[i].disabled;
		rc = store_user_insert(db, &u, f->now, e);
		user_free(&u);
	}
	if (rc == LX_OK)
		rc = fx_import_text(db, strdup(BANK), 0, e);
	return rc;
}

static int setup(void **state)
{
	struct fx *f;
	char sql[256];
	if (fx_setup(state, "/tmp/lawexam-preview-XXXXXX", FX_OTHER) != 0)
		return -1;
	f = *state;
	fx_run(f->db, seed_job, f, "seed");
	snprintf(sql, sizeof sql, "UPDATE questions SET needs_review = 1 WHERE bank = 't' AND qid = 'S4';"
				  "UPDATE questions SET active = 0 WHERE bank = 't' AND qid = 'S6';");
	raw_exec(f->path, sql);
	return 0;
}

/* The count of a section of bank b, type t, tags (NULL-terminated) and a difficulty range. */
static json_t *count(struct fx *f, const char *b, enum q_type t, char **tags, size_t n_tags, int dmin, int dmax,
		     int expect_rc)
{
	struct exam_section s = {.bank = (char *)b, .type = t, .tags = tags, .n_tags = n_tags, .dmin = dmin, .dmax = dmax};
	struct lx_err e = {0};
	json_t *out = NULL;
	int rc = exam_section_count_json(f->db, &s, &out, &e);
	assert_int_equal(rc, expect_rc);
	if (rc == LX_OK)
		assert_non_null(out);
	else
		assert_null(out);
	return out;
}

static void expect_avail(json_t *out, json_int_t avail, json_int_t held)
{
	assert_int_equal(json_integer_value(json_object_get(out, "available")), avail);
	assert_int_equal(json_integer_value(json_object_get(out, "held")), held);
	json_decref(out);
}

static void test_count(void **state)
{
	struct fx *f = *state;
	char *zonggang[] = {"总纲"}, *both[] = {"总纲", "公民"}, *none[] = {"没有"};
	json_t *out = count(f, "t", QT_SINGLE, NULL, 0, 1, 5, LX_OK);
	json_t *tags = json_object_get(out, "tags");

	/* S1 S2 S3 S5 drawable, S4 in review, S6 retired */
	assert_int_equal(json_integer_value(json_object_get(out, "available")), 4);
	assert_int_equal(json_integer_value(json_object_get(out, "held")), 1);
	assert_string_equal(json_string_value(json_object_get(out, "type")), "single");
	/* tags of the drawable singles, most used first */
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "tag")), "总纲");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(tags, 0), "count")), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 1), "tag")), "公民");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(tags, 1), "count")), 1);
	assert_true(json_is_false(json_object_get(out, "tags_truncated")));
	json_decref(out);

	expect_avail(count(f, "t", QT_SINGLE, zonggang, 1, 1, 5, LX_OK), 4, 1);
	expect_avail(count(f, "t", QT_SINGLE, both, 2, 1, 5, LX_OK), 1, 0);
	expect_avail(count(f, "t", QT_SINGLE, none, 1, 1, 5, LX_OK), 0, 0);
	expect_avail(count(f, "t", QT_SINGLE, zonggang, 1, 2, 4, LX_OK), 3, 1); /* S2 S3 S5 (3); S4 held */
	expect_avail(count(f, "t", QT_SINGLE, NULL, 0, 1, 1, LX_OK), 1, 0);
	expect_avail(count(f, "t", QT_JUDGE, NULL, 0, 1, 5, LX_OK), 3, 0);
	out = count(f, "t", QT_MULTIPLE, NULL, 0, 1, 5, LX_OK);
	assert_int_equal(json_array_size(json_object_get(out, "tags")), 0);
	expect_avail(out, 0, 0);
	count(f, "nope", QT_SINGLE, NULL, 0, 1, 5, LX_ERR_NOTFOUND);
}

static void test_categories(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	json_t *out = NULL, *cats;
	size_t i;
	json_t *c;
	json_int_t leader = -1, general = -1, enforcement = -1;

	assert_int_equal(exam_categories_json(f->db, &out, &e), LX_OK);
	cats = json_object_get(out, "categories");
	assert_int_equal(json_array_size(cats), 3);
	json_array_foreach(cats, i, c) {
		const char *code = json_string_value(json_object_get(c, "code"));
		json_int_t n = json_integer_value(json_object_get(c, "examinees"));
		if (strcmp(code, "leader") == 0)
			leader = n;
		else if (strcmp(code, "general") == 0)
			general = n;
		else if (strcmp(code, "enforcement") == 0)
			enforcement = n;
	}
	assert_int_equal(leader, 3);      /* 2001 2002 2006 */
	assert_int_equal(general, 3);     /* 1001 1002 2005 (2003 disabled, 2004 not an examinee) */
	assert_int_equal(enforcement, 1); /* 2007 */
	json_decref(out);
}

/* The preview of a definition with papers for general and leader, scoped to scope (a JSON
 * array text, or NULL). */
static json_t *preview(struct fx *f, const char *scope)
{
	char text[1024];
	struct exam_def def;
	struct diag d = {0};
	struct lx_err e = {0};
	json_t *out = NULL;
	snprintf(text, sizeof text,
		 "{\"format\":\"lawexam-exam/1\",\"code\":\"p\",\"title\":\"预览\",\"opens_at\":\"2026-12-01T08:00:00+08:00\","
		 "\"closes_at\":\"2026-12-20T18:00:00+08:00\",\"duration_minutes\":30,\"pass_percent\":60,%s%s%s"
		 "\"papers\":[{\"categories\":[\"general\"],\"sections\":[{\"title\":\"单选\",\"bank\":\"t\",\"type\":\"single\","
		 "\"count\":2,\"points\":2,\"tags\":[\"总纲\"],\"difficulty\":[2,5]}]},"
		 "{\"categories\":[\"leader\"],\"sections\":[{\"title\":\"判断\",\"bank\":\"t\",\"type\":\"judge\",\"count\":3,\"points\":1},"
		 "{\"title\":\"多选\",\"bank\":\"t\",\"type\":\"multiple\",\"count\":1,\"points\":1}]}]}",
		 scope ? "\"org_scope\":" : "", scope ? scope : "", scope ? "," : "");
	assert_int_equal(examdef_parse(text, strlen(text), "x.json", &def, &d), LX_OK);
	assert_int_equal(exam_preview_json(f->db, &def, &out, &e), LX_OK);
	examdef_free(&def);
	diag_free(&d);
	return out;
}

/* "org/category=n;…" of the assigned rows, in order. */
static void rows_text(json_t *out, char *buf, size_t cap)
{
	json_t *rows = json_object_get(json_object_get(out, "assigned"), "rows"), *r;
	size_t i, at = 0;
	buf[0] = '\0';
	json_array_foreach(rows, i, r) {
		int n = snprintf(buf + at, cap - at, "%s/%s=%lld;", json_string_value(json_object_get(r, "org")),
				 json_string_value(json_object_get(r, "category")),
				 (long long)json_integer_value(json_object_get(r, "count")));
		assert_true(n > 0 && (size_t)n < cap - at);
		at += (size_t)n;
	}
}

static json_int_t total(json_t *out)
{
	return json_integer_value(json_object_get(json_object_get(out, "assigned"), "total"));
}

static void test_preview(void **state)
{
	struct fx *f = *state;
	char buf[1024];
	json_t *out = preview(f, "[\"珠晖区/司法局\"]"), *secs = json_object_get(out, "sections"), *by, *c;
	size_t i;

	/* sections: the section's own figures and its count */
	assert_int_equal(json_array_size(secs), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(secs, 0), "available")), 3); /* S2 S3 S5 */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(secs, 0), "held")), 1);      /* S4 */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(secs, 0), "points")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(secs, 1), "paper")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(secs, 1), "available")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(secs, 2), "section")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(secs, 2), "available")), 0);

	/* 珠晖区/司法局 and its sub-unit, not 珠晖区/司法局局 */
	rows_text(out, buf, sizeof buf);
	assert_string_equal(buf, "珠晖区/司法局/general=2;珠晖区/司法局/普法股/leader=1;");
	assert_int_equal(total(out), 3);
	by = json_object_get(json_object_get(out, "assigned"), "by_category");
	assert_int_equal(json_array_size(by), 3);
	json_array_foreach(by, i, c) {
		const char *code = json_string_value(json_object_get(c, "category"));
		json_t *paper = json_object_get(c, "paper");
		json_int_t n = json_integer_value(json_object_get(c, "count"));
		if (strcmp(code, "general") == 0) {
			assert_int_equal(json_integer_value(paper), 0);
			assert_int_equal(n, 2);
		} else if (strcmp(code, "leader") == 0) {
			assert_int_equal(json_integer_value(paper), 1);
			assert_int_equal(n, 1);
			assert_string_equal(json_string_value(json_object_get(c, "name")), "领导干部");
		} else {
			assert_string_equal(code, "enforcement");
			assert_true(json_is_null(paper));
			assert_int_equal(n, 0);
		}
	}
	json_decref(out);

	/* no scope: everyone active with the examinee role whose category has a paper */
	out = preview(f, NULL);
	rows_text(out, buf, sizeof buf);
	assert_string_equal(buf, "珠晖区/司法局/general=2;珠晖区/司法局/普法股/leader=1;珠晖区/司法局局/general=1;"
				 "珠晖区/教育局/leader=1;雁峰区/司法局/leader=1;");
	assert_int_equal(total(out), 6);
	json_decref(out);

	/* two scopes; the enforcement officer of 珠晖区/教育局 has no paper */
	out = preview(f, "[\"珠晖区/教育局\",\"雁峰区\"]");
	rows_text(out, buf, sizeof buf);
	assert_string_equal(buf, "珠晖区/教育局/leader=1;雁峰区/司法局/leader=1;");
	assert_int_equal(total(out), 2);
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_count, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_categories, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_preview, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
