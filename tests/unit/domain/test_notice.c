/* test_notice.c — unit tests of notice_parse() (common/domain/notice.c): a valid notice with
 * its fields trimmed and normalised, the limits counted in characters (a CJK character is
 * one), and every bad input refused as LX_ERR_INVALID with the tag bad_request and a message
 * naming the field. The addressing rule and the scope are the e2e tests' (test_notices.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lx_limits.h"
#include "notice.h"

#define FROM "2026-12-01T08:00:00+08:00"
#define UNTIL "2026-12-20T18:00:00+08:00"

static json_t *doc(void)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "title", "关于年度考试的通知", "body", "请按时参加。", "from", FROM,
			 "until", UNTIL);
}

/* n copies of the UTF-8 character c. Caller frees. */
static char *repeat(const char *c, size_t n)
{
	size_t k = strlen(c);
	char *s = malloc(k * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * k, c, k);
	s[k * n] = '\0';
	return s;
}

static void expect_bad(json_t *d, const char *needle)
{
	struct notice_in in;
	struct lx_err e = {0};
	assert_int_equal(notice_parse(d, &in, &e), LX_ERR_INVALID);
	assert_non_null(e.tag);
	assert_string_equal(e.tag, "bad_request");
	if (!strstr(e.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
	assert_null(in.title); /* nothing left to free after a failure */
	assert_null(in.org);
	json_decref(d);
}

static void test_valid(void **state)
{
	struct notice_in in;
	struct lx_err e = {0};
	json_t *d = doc();
	(void)state;

	json_object_set_new(d, "title", json_string("  \u3000关于年度考试的通知 "));
	json_object_set_new(d, "org", json_string(" 珠晖区 / 区司法局 "));
	json_object_set_new(d, "category", json_string("领导干部"));
	assert_int_equal(notice_parse(d, &in, &e), LX_OK);
	assert_string_equal(in.title, "关于年度考试的通知");
	assert_string_equal(in.body, "请按时参加。");
	assert_string_equal(in.org, "珠晖区/区司法局");
	assert_string_equal(in.category, "领导干部");
	assert_int_equal(in.from, INT64_C(1796083200));   /* 2026-12-01T00:00:00Z */
	assert_int_equal(in.until, INT64_C(1797760800));  /* 2026-12-20T10:00:00Z */
	notice_in_free(&in);

	/* org and category absent, null or empty: everyone, every category */
	json_object_set_new(d, "org", json_null());
	json_object_set_new(d, "category", json_string(""));
	assert_int_equal(notice_parse(d, &in, &e), LX_OK);
	assert_null(in.org);
	assert_null(in.category);
	notice_in_free(&in);
	json_decref(d);
}

static void test_limits_in_characters(void **state)
{
	struct notice_in in;
	struct lx_err e = {0};
	char *t100 = repeat("题", LX_NOTICE_TITLE_MAX), *t101 = repeat("题", LX_NOTICE_TITLE_MAX + 1);
	char *b5000 = repeat("文", LX_NOTICE_BODY_MAX), *b5001 = repeat("文", LX_NOTICE_BODY_MAX + 1);
	json_t *d = doc();
	(void)state;

	json_object_set_new(d, "title", json_string(t100));
	json_object_set_new(d, "body", json_string(b5000));
	assert_int_equal(notice_parse(d, &in, &e), LX_OK);
	assert_int_equal(strlen(in.title), 3 * LX_NOTICE_TITLE_MAX);
	notice_in_free(&in);
	json_object_set_new(d, "title", json_string(t101));
	expect_bad(json_deep_copy(d), "100");
	json_object_set_new(d, "title", json_string(t100));
	json_object_set_new(d, "body", json_string(b5001));
	expect_bad(json_deep_copy(d), "5000");
	/* line breaks belong in a body, not in a title */
	json_object_set_new(d, "body", json_string("第一行\n第二行\r\n\t第三行"));
	assert_int_equal(notice_parse(d, &in, &e), LX_OK);
	notice_in_free(&in);
	json_object_set_new(d, "title", json_string("第一行\n第二行"));
	expect_bad(d, "控制字符");
	free(t100);
	free(t101);
	free(b5000);
	free(b5001);
}

static void test_bad_input(void **state)
{
	json_t *d;
	(void)state;

	d = doc(); json_object_del(d, "title"); expect_bad(d, "title");
	d = doc(); json_object_set_new(d, "title", json_string(" \u3000 ")); expect_bad(d, "title");
	d = doc(); json_object_set_new(d, "title", json_integer(5)); expect_bad(d, "title");
	d = doc(); json_object_del(d, "body"); expect_bad(d, "body");
	d = doc(); json_object_set_new(d, "body", json_string("\n\n")); expect_bad(d, "body");
	d = doc(); json_object_del(d, "from"); expect_bad(d, "from");
	d = doc(); json_object_del(d, "until"); expect_bad(d, "until");
	d = doc(); json_object_set_new(d, "from", json_string("2026-12-01T08:00:00")); expect_bad(d, "from");
	d = doc(); json_object_set_new(d, "until", json_string("2026-12-20")); expect_bad(d, "until");
	d = doc(); json_object_set_new(d, "until", json_string("明天")); expect_bad(d, "until");
	d = doc(); json_object_set_new(d, "until", json_integer(1)); expect_bad(d, "until");
	d = doc(); json_object_set_new(d, "until", json_string(FROM)); expect_bad(d, "晚于");
	d = doc(); json_object_set_new(d, "until", json_string("2026-11-30T08:00:00+08:00")); expect_bad(d, "晚于");
	d = doc(); json_object_set_new(d, "org", json_string("珠晖区//区司法局")); expect_bad(d, "org");
	d = doc(); json_object_set_new(d, "org", json_string("珠晖区／区司法局")); expect_bad(d, "org");
	d = doc(); json_object_set_new(d, "org", json_integer(3)); expect_bad(d, "org");
	d = doc(); json_object_set_new(d, "category", json_true()); expect_bad(d, "category");
	d = doc(); json_object_set_new(d, "category", json_string("a\x01")); expect_bad(d, "category");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_limits_in_characters),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
