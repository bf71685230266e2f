/* test_grade.c — common/domain/grade.c: one answer's credit for every type and scoring mode
 * (SPEC §5.6), the pass line at its boundary, and the one score formatter with its JSON twin.
 * Points are half-points throughout: points2 = points × 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "grade.h"

/* One answer and the half-points it must earn. */
struct case_ {
	enum q_type type;
	const char *key, *response;
	int points2;
	enum scoring scoring;
	int want;
};

static const struct case_ cases[] = {
	/* single and judge: right or wrong, whatever the scoring mode */
	{QT_SINGLE, "B", "B", 4, SCORING_ALL_OR_NOTHING, 4},
	{QT_SINGLE, "B", "C", 4, SCORING_ALL_OR_NOTHING, 0},
	{QT_SINGLE, "B", "", 4, SCORING_PARTIAL, 0},
	{QT_SINGLE, "B", NULL, 4, SCORING_PARTIAL, 0},
	{QT_SINGLE, "B", "BC", 4, SCORING_PARTIAL, 0},
	{QT_JUDGE, "T", "T", 2, SCORING_PARTIAL, 2},
	{QT_JUDGE, "T", "F", 2, SCORING_PARTIAL, 0},
	/* multiple, all or nothing */
	{QT_MULTIPLE, "ACD", "ACD", 8, SCORING_ALL_OR_NOTHING, 8},
	{QT_MULTIPLE, "ACD", "AC", 8, SCORING_ALL_OR_NOTHING, 0},
	{QT_MULTIPLE, "ACD", "ABCD", 8, SCORING_ALL_OR_NOTHING, 0},
	{QT_MULTIPLE, "ACD", "", 8, SCORING_ALL_OR_NOTHING, 0},
	/* multiple, partial: 少选得一半分, any wrong key earns nothing */
	{QT_MULTIPLE, "ACD", "ACD", 8, SCORING_PARTIAL, 8},
	{QT_MULTIPLE, "ACD", "AC", 8, SCORING_PARTIAL, 4},
	{QT_MULTIPLE, "ACD", "D", 8, SCORING_PARTIAL, 4},
	{QT_MULTIPLE, "ACD", "AB", 8, SCORING_PARTIAL, 0},
	{QT_MULTIPLE, "ACD", "ABCD", 8, SCORING_PARTIAL, 0},
	{QT_MULTIPLE, "ACD", "", 8, SCORING_PARTIAL, 0},
	/* odd points: 3 points = 6 half-points, half credit is 1.5 points */
	{QT_MULTIPLE, "AB", "A", 6, SCORING_PARTIAL, 3},
	{QT_MULTIPLE, "AB", "B", 2, SCORING_PARTIAL, 1},
};

static void test_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct case_ *c = &cases[i];
		int got = grade_answer(c->type, c->key, c->response, c->points2, c->scoring);
		if (got != c->want)
			fail_msg("case %zu: key %s, response %s: %d half-points, want %d", i, c->key,
				 c->response ? c->response : "(null)", got, c->want);
	}
}

static void test_pass_line(void **state)
{
	(void)state;
	/* passed iff score × 100 ≥ pass_percent × max_score, in half-points */
	assert_true(grade_passed(120, 200, 60));  /* exactly 60 of 100 */
	assert_false(grade_passed(119, 200, 60)); /* 59.5 of 100 */
	assert_true(grade_passed(200, 200, 100));
	assert_false(grade_passed(199, 200, 100));
	assert_true(grade_passed(0, 200, 0));
	assert_true(grade_passed(37, 61, 60));    /* 18.5 of 30.5: 60.66 % */
	assert_false(grade_passed(36, 61, 60));   /* 18 of 30.5: 59.02 % */
}

static void expect_fmt(long score2, const char *want)
{
	char buf[GRADE_FMT_MAX];
	memset(buf, 'x', sizeof buf);
	size_t n = grade_fmt(score2, buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_formatter(void **state)
{
	(void)state;
	expect_fmt(0, "0");
	expect_fmt(1, "0.5");
	expect_fmt(77, "38.5");
	expect_fmt(80, "40");
	expect_fmt(200, "100");
	expect_fmt(-3, "-1.5");
	expect_fmt(4000000001L, "2000000000.5");
	expect_fmt(9223372036854775807L, "4611686018427387903.5");
}

static void expect_json(long score2, const char *want)
{
	json_t *v = grade_score_json(score2);
	char *s = json_dumps(v, JSON_ENCODE_ANY);
	char buf[GRADE_FMT_MAX];
	assert_non_null(s);
	assert_string_equal(s, want);
	grade_fmt(score2, buf);
	assert_string_equal(s, buf); /* the JSON number reads as the formatter writes it */
	free(s);
	json_decref(v);
}

static void test_json_matches_formatter(void **state)
{
	(void)state;
	expect_json(0, "0");
	expect_json(77, "38.5");
	expect_json(80, "40");
	expect_json(3, "1.5");
	json_t *whole = grade_score_json(80), *half = grade_score_json(77);
	assert_true(json_is_integer(whole));
	assert_true(json_is_real(half));
	json_decref(whole);
	json_decref(half);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_pass_line),
		cmocka_unit_test(test_formatter),
		cmocka_unit_test(test_json_matches_formatter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
