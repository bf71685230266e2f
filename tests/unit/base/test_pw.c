/* test_pw.c — common/base/pw.c: argon2id hashing and verification (right, wrong, malformed
 * hashes), the PHC string carrying the requested parameters and matching libargon2's own
 * encoder byte for byte, each thread's argon2id working memory (kept, grown, released at
 * thread exit), the new-password policy and the random first passwords. Small argon2
 * parameters keep it fast. */
#include <argon2.h>
#include <pthread.h>
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

/* pw_hash_salt writes what argon2id_hash_encoded writes, for several parameter sets, salt
 * lengths and passwords; and pw_verify accepts libargon2's own hashes. */
static void test_same_as_libargon2(void **state)
{
	static const struct pw_params params[] = {
		{1, 8, 1}, {1, 64, 1}, {2, 256, 2}, {3, 512, 4}, {1, 1000, 3}, {2, 19456, 1},
	};
	static const char *const passwords[] = {"", "Correct-Horse-9", "学法考法2026", "a much longer password, "
		"longer than any block of the hash: 0123456789012345678901234567890123456789012345678901234567890123"};
	static const size_t salt_lens[] = {8, 16, 33, 64};
	uint8_t salt[64];
	for (size_t i = 0; i < sizeof salt; i++)
		salt[i] = (uint8_t)(i * 37 + 11);
	for (size_t pi = 0; pi < sizeof params / sizeof *params; pi++)
		for (size_t wi = 0; wi < sizeof passwords / sizeof *passwords; wi++)
			for (size_t si = 0; si < sizeof salt_lens / sizeof *salt_lens; si++) {
				const struct pw_params *p = &params[pi];
				const char *w = passwords[wi];
				char want[256];
				char *got;
				if (p->m_kib > 1000 && (wi || si != 1))
					continue; /* the default cost once is enough */
				assert_int_equal(argon2id_hash_encoded(p->t_cost, p->m_kib, p->lanes, w, strlen(w), salt,
								       salt_lens[si], 32, want, sizeof want),
						 ARGON2_OK);
				got = pw_hash_salt(p, w, salt, salt_lens[si]);
				assert_non_null(got);
				assert_string_equal(got, want);
				free(got);
				assert_int_equal(pw_verify(want, w), 1);
				assert_int_equal(pw_verify(want, "wrong-password-1"), 0);
			}
	/* libargon2 may write other hash lengths; they verify too. */
	for (size_t len = 4; len <= 64; len += 60) {
		char want[256];
		assert_int_equal(argon2id_hash_encoded(1, 64, 1, "Len-Test-1", 10, salt, 16, len, want, sizeof want),
				 ARGON2_OK);
		assert_int_equal(pw_verify(want, "Len-Test-1"), 1);
		assert_int_equal(pw_verify(want, "Len-Test-2"), 0);
	}
	/* Salts outside 8..64 bytes are refused, not truncated. */
	assert_null(pw_hash_salt(&FAST, "Salt-Test-1", salt, 7));
	assert_null(pw_hash_salt(&FAST, "Salt-Test-1", salt, 65));
}

/* Every one-character change of a good encoding is refused: parameters, salt and hash are all
 * covered, and so are non-canonical spellings (leading zeros, unused base64 bits). */
static void test_verify_every_corruption(void **state)
{
	static const char repl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/$=,- ";
	char *good = pw_hash(&FAST, "Corrupt-1");
	size_t n;
	assert_non_null(good);
	n = strlen(good);
	for (size_t i = 0; i < n; i++)
		for (const char *r = repl; *r; r++) {
			char *bad;
			if (*r == good[i])
				continue;
			bad = strdup(good);
			assert_non_null(bad);
			bad[i] = *r;
			if (pw_verify(bad, "Corrupt-1") != 0)
				fail_msg("corrupted encoding accepted: %s", bad);
			free(bad);
		}
	/* Truncated at every length, and with something appended. */
	for (size_t i = 0; i < n; i++) {
		char *cut = strndup(good, i);
		assert_non_null(cut);
		assert_int_equal(pw_verify(cut, "Corrupt-1"), 0);
		free(cut);
	}
	{
		char longer[300];
		snprintf(longer, sizeof longer, "%sA", good);
		assert_int_equal(pw_verify(longer, "Corrupt-1"), 0);
		snprintf(longer, sizeof longer, "%s=", good);
		assert_int_equal(pw_verify(longer, "Corrupt-1"), 0);
		snprintf(longer, sizeof longer, "%s\n", good);
		assert_int_equal(pw_verify(longer, "Corrupt-1"), 0);
	}
	assert_int_equal(pw_verify(good, NULL), 0);
	assert_int_equal(pw_verify(good, "Corrupt-1"), 1);
	free(good);
}

/* Well-formed strings whose parameters or lengths are out of range are refused before any
 * memory is asked for. */
static void test_verify_limits(void **state)
{
	static const char *const bad[] = {
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=4194305,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=99999999999999999999,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=64,t=101,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=1024,t=1,p=65$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=64,t=1,p=9$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=+64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m= 64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=064,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",   /* 7-byte salt */
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFz",                                      /* 3-byte hash */
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg=", /* padding */
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGh", /* spare bits */
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA",                                            /* no hash */
		"$argon2id$v=19$m=64,t=1,p=1,data=YWJj$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		"$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
	};
	struct pw_params p;
	char salt65[200];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (pw_verify(bad[i], "x") != 0)
			fail_msg("accepted: %s", bad[i]);
		if (pw_params_of(bad[i], &p) != LX_ERR_INVALID)
			fail_msg("pw_params_of accepted: %s", bad[i]);
	}
	/* A 65-byte salt (87 base64 characters). */
	snprintf(salt65, sizeof salt65, "$argon2id$v=19$m=64,t=1,p=1$%.87s$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg",
		 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE");
	assert_int_equal(pw_verify(salt65, "x"), 0);
	/* The controls: the same strings within range do parse. */
	assert_int_equal(pw_params_of("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg", &p), LX_OK);
	assert_int_equal(pw_params_of("$argon2id$v=19$m=4194304,t=100,p=64$c2FsdHNhbHRzYWx0c2FsdA$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg", &p), LX_OK);
	assert_int_equal(p.m_kib, 4194304);
	assert_int_equal(p.t_cost, 100);
	assert_int_equal(p.lanes, 64);
	assert_int_equal(pw_params_of("$argon2id$v=19$m=64,t=1,p=1$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ$aGFzaA", &p), LX_OK); /* 64-byte salt, 4-byte hash */
	assert_int_equal(pw_area_bytes(), 0); /* none of these got as far as argon2 */
}

static void *cached_hasher(void *arg)
{
	size_t *seen = arg;
	const struct pw_params small = {1, 64, 1}, bigger = {1, 512, 1};
	char *h;
	pw_thread_cache(1);
	h = pw_hash(&small, "Thread-1");
	seen[0] = pw_area_bytes();        /* kept after the hash */
	assert_int_equal(pw_verify(h, "Thread-1"), 1);
	free(h);
	h = pw_hash(&bigger, "Thread-1");  /* grows */
	seen[1] = pw_area_bytes();
	free(h);
	h = pw_hash(&small, "Thread-1");   /* does not shrink */
	seen[2] = pw_area_bytes();
	free(h);
	return NULL;                       /* the key destructor unmaps it */
}

static void test_thread_memory(void **state)
{
	size_t seen[3] = {0};
	pthread_t t;
	char *h;
	char *in[5] = {"Many-1-pw", "Many-2-pw", NULL, "Many-4-pw", "Many-5-pw"}, *out[5];

	/* A thread that does not ask keeps nothing. */
	assert_int_equal(pw_area_bytes(), 0);
	h = pw_hash(&FAST, "Main-1");
	assert_non_null(h);
	assert_int_equal(pw_area_bytes(), 0);
	free(h);

	/* A caching thread keeps one area, grown to the largest m, released when it exits. */
	assert_int_equal(pthread_create(&t, NULL, cached_hasher, seen), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(seen[0], 64 * 1024);
	assert_int_equal(seen[1], 512 * 1024);
	assert_int_equal(seen[2], 512 * 1024);
	assert_int_equal(pw_area_bytes(), 0);

	/* Turned on and off on this thread. */
	pw_thread_cache(1);
	free(pw_hash(&FAST, "Main-2"));
	assert_int_equal(pw_area_bytes(), 64 * 1024);
	pw_thread_cache(0);
	assert_int_equal(pw_area_bytes(), 0);

	/* pw_hash_many's threads release theirs too. */
	pw_hash_many(&FAST, in, 5, out, 3, NULL);
	for (int i = 0; i < 5; i++) {
		if (!in[i]) {
			assert_null(out[i]);
			continue;
		}
		assert_non_null(out[i]);
		assert_int_equal(pw_verify(out[i], in[i]), 1);
		free(out[i]);
	}
	assert_int_equal(pw_area_bytes(), 0);
}

/* pw_hash_many's progress: (0, total) first, then one report per hash in rising order, total
 * counting only the passwords given (NULL rows need no hash). */
struct seen_progress {
	uint64_t last, total;
	int calls, backwards;
};

static void record_progress(void *arg, uint64_t done, uint64_t total)
{
	struct seen_progress *s = arg;
	if (s->calls && done != s->last + 1)
		s->backwards++;
	s->last = done;
	s->total = total;
	s->calls++;
}

static void test_hash_many_progress(void **state)
{
	char *in[7] = {"Many-Pass-1", NULL, "Many-Pass-3", "Many-Pass-4", NULL, "Many-Pass-6", "Many-Pass-7"};
	char *out[7] = {0};
	struct seen_progress s = {0};
	struct lx_progress p = {record_progress, &s};
	(void)state;

	pw_hash_many(&FAST, in, 7, out, 3, &p);
	assert_int_equal(s.calls, 6); /* (0, 5) and five hashes */
	assert_int_equal(s.last, 5);
	assert_int_equal(s.total, 5);
	assert_int_equal(s.backwards, 0);
	for (int i = 0; i < 7; i++)
		free(out[i]);
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
		cmocka_unit_test(test_same_as_libargon2),
		cmocka_unit_test(test_verify_every_corruption),
		cmocka_unit_test(test_verify_limits),
		cmocka_unit_test(test_thread_memory),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_why_truncates),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_hash_many_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
