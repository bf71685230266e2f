/* test_pw.c — common/pw.c: argon2id hashing and verification (right, wrong, malformed
 * hashes), the PHC string carrying the requested parameters, the new-password policy and
 * the random first passwords. Small argon2 parameters keep it fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "pw.h"

static const struct pw_params FAST = {1, 64, 1};

static void test_hash_verify(void **state)
{
	char *h = pw_hash(&FAST, "Correct-Horse-9");
	assert_non_null(h);
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=64,t=1,p=1$", 28), 0);
	assert_int_equal(pw_verify(h, "Correct-Horse-9"), 1);
	assert_int_equal(pw_verify(h, "Correct-Horse-8"), 0);
	assert_int_equal(pw_verify(h, "correct-Horse-9"), 0);
	assert_int_equal(pw_verify(h, ""), 0);
	assert_int_equal(pw_verify(h, "Correct-Horse-9 "), 0);
	free(h);
}

static void test_hash_salted(void **state)
{
	char *a = pw_hash(&FAST, "same-password-1");
	char *b = pw_hash(&FAST, "same-password-1");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(a, b); /* fresh salt each time */
	assert_int_equal(pw_verify(a, "same-password-1"), 1);
	assert_int_equal(pw_verify(b, "same-password-1"), 1);
	free(a);
	free(b);
}

static void test_hash_params_recorded(void **state)
{
	const struct pw_params p = {2, 128, 2};
	char *h = pw_hash(&p, "Params-Test-1");
	assert_non_null(h);
	assert_non_null(strstr(h, "$m=128,t=2,p=2$"));
	assert_int_equal(pw_verify(h, "Params-Test-1"), 1);
	free(h);
}

static void test_hash_default_params(void **state)
{
	char *h = pw_hash(&PW_PARAMS_DEFAULT, "Default-Params-1");
	assert_non_null(h);
	assert_non_null(strstr(h, "$m=19456,t=2,p=1$"));
	assert_int_equal(pw_verify(h, "Default-Params-1"), 1);
	assert_int_equal(pw_verify(h, "Default-Params-2"), 0);
	free(h);
}

static void test_hash_utf8(void **state)
{
	char *h = pw_hash(&FAST, "学法考法2026");
	assert_non_null(h);
	assert_int_equal(pw_verify(h, "学法考法2026"), 1);
	assert_int_equal(pw_verify(h, "学法考法2025"), 0);
	free(h);
}

static void test_verify_malformed(void **state)
{
	char *good = pw_hash(&FAST, "Malformed-1");
	char *cut, *bad;
	assert_non_null(good);

	assert_int_equal(pw_verify(NULL, "Malformed-1"), 0);
	assert_int_equal(pw_verify("", "Malformed-1"), 0);
	assert_int_equal(pw_verify("Malformed-1", "Malformed-1"), 0);      /* plain text */
	assert_int_equal(pw_verify("$argon2id$", "Malformed-1"), 0);
	assert_int_equal(pw_verify("$argon2id$v=19$m=64,t=1,p=1$", "Malformed-1"), 0);
	assert_int_equal(pw_verify("$argon2id$v=19$m=64,t=1,p=1$!!!!$!!!!", "Malformed-1"), 0);

	/* An argon2i hash of the same password is not accepted as argon2id. */
	bad = strdup(good);
	assert_non_null(bad);
	memmove(bad + 8, bad + 9, strlen(bad + 9) + 1); /* "$argon2id$" -> "$argon2i$" */
	assert_int_equal(strncmp(bad, "$argon2i$v=", 11), 0);
	assert_int_equal(pw_verify(bad, "Malformed-1"), 0);
	free(bad);

	/* Truncated hash: malformed, not a match. */
	cut = strdup(good);
	assert_non_null(cut);
	cut[strlen(cut) - 5] = '\0';
	assert_int_equal(pw_verify(cut, "Malformed-1"), 0);
	free(cut);

	/* One changed character in the digest: no match. */
	bad = strdup(good);
	assert_non_null(bad);
	bad[strlen(bad) - 3] = bad[strlen(bad) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(pw_verify(bad, "Malformed-1"), 0);
	free(bad);

	assert_int_equal(pw_verify(good, "Malformed-1"), 1);
	free(good);
}

static void test_params_of(void **state)
{
	/* The stand-in hash for unknown logins copies a real hash's cost parameters. */
	struct pw_params p = {0};
	char *h = pw_hash(&FAST, "Params-of-1");
	assert_non_null(h);
	assert_int_equal(pw_params_of(h, &p), LX_OK);
	assert_int_equal(p.t_cost, FAST.t_cost);
	assert_int_equal(p.m_kib, FAST.m_kib);
	assert_int_equal(p.lanes, FAST.lanes);
	assert_int_equal(pw_params_of("$argon2i$v=19$m=8,t=1,p=1$x$y", &p), LX_ERR_INVALID);
	assert_int_equal(pw_params_of("garbage", &p), LX_ERR_INVALID);
	assert_int_equal(pw_params_of(NULL, &p), LX_ERR_INVALID);
	free(h);
}

static void expect_policy(const char *login, const char *pw, int want)
{
	char why[128];
	memset(why, 0, sizeof why);
	int rc = pw_policy(login, pw, why, sizeof why);
	if (rc != want)
		fail_msg("pw_policy(%s, \"%s\") = %d, want %d (why: %s)", login ? login : "NULL", pw, rc, want, why);
	if (want != LX_OK && why[0] == '\0')
		fail_msg("pw_policy(\"%s\") rejected without a reason", pw);
}

static void test_policy(void **state)
{
	char long_ok[130], long_bad[130];

	/* length */
	expect_policy("u1", "", LX_ERR_INVALID);
	expect_policy("u1", "Ab1", LX_ERR_INVALID);
	expect_policy("u1", "Abcdef1", LX_ERR_INVALID);   /* 7 */
	expect_policy("u1", "Abcdef12", LX_OK);           /* 8 */
	memset(long_ok, 'a', 128);
	long_ok[0] = '1';
	long_ok[128] = '\0';
	expect_policy("u1", long_ok, LX_OK);              /* 128 */
	memset(long_bad, 'a', 129);
	long_bad[0] = '1';
	long_bad[129] = '\0';
	expect_policy("u1", long_bad, LX_ERR_INVALID);    /* 129 */

	/* character classes: at least two */
	expect_policy("u1", "abcdefghij", LX_ERR_INVALID);
	expect_policy("u1", "ABCDEFGHIJ", LX_ERR_INVALID);
	expect_policy("u1", "1234567890", LX_ERR_INVALID);
	expect_policy("u1", "!@#$%^&*()", LX_ERR_INVALID);
	expect_policy("u1", "abcdefgh1", LX_OK);
	expect_policy("u1", "abcdEFGH", LX_OK);
	expect_policy("u1", "abcdefg!", LX_OK);
	expect_policy("u1", "12345678!", LX_OK);
	expect_policy("u1", "学法考法学法ab", LX_OK);      /* non-ASCII counts as a symbol */

	/* not the login */
	expect_policy("Zhang2026", "Zhang2026", LX_ERR_INVALID);
	expect_policy("zhang2026", "Zhang2026", LX_OK);
	expect_policy(NULL, "Zhang2026", LX_OK);
}

static void test_policy_why_truncates(void **state)
{
	char why[4] = "xyz";
	assert_int_equal(pw_policy("u", "short", why, sizeof why), LX_ERR_INVALID);
	assert_true(strlen(why) < sizeof why);
}

static void test_random(void **state)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char *prev = NULL;
	int differs = 0;
	for (int i = 0; i < 500; i++) {
		char *p = pw_random();
		char why[128];
		assert_non_null(p);
		assert_int_equal(strlen(p), 12);
		assert_int_equal(strspn(p, alphabet), 12); /* no 0/O, 1/l/I ambiguity */
		if (pw_policy("someone", p, why, sizeof why) != LX_OK)
			fail_msg("pw_random() gave '%s', rejected by the policy: %s", p, why);
		if (prev && strcmp(prev, p) != 0)
			differs++;
		free(prev);
		prev = p;
	}
	free(prev);
	assert_true(differs >= 495);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_hash_salted),
		cmocka_unit_test(test_hash_params_recorded),
		cmocka_unit_test(test_hash_default_params),
		cmocka_unit_test(test_hash_utf8),
		cmocka_unit_test(test_verify_malformed),
		cmocka_unit_test(test_params_of),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_why_truncates),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
