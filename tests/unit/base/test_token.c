/* test_token.c — common/base/token.c: random tokens (length, alphabet, uniqueness), SHA-256 of
 * tokens against published vectors, base64url against RFC 4648 §10 vectors, and the
 * constant-time comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "token.h"

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void hex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static void test_new_length_and_alphabet(void **state)
{
	char t[TOK_LEN + 1];
	assert_int_equal(TOK_LEN, 43);
	for (int i = 0; i < 200; i++) {
		memset(t, '#', sizeof t);
		assert_int_equal(tok_new(t), LX_OK);
		assert_int_equal(strlen(t), TOK_LEN);
		assert_int_equal(strspn(t, B64URL), TOK_LEN);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_new_unique(void **state)
{
	enum { N = 1000 };
	char (*t)[TOK_LEN + 1] = calloc(N, sizeof *t);
	assert_non_null(t);
	for (int i = 0; i < N; i++)
		assert_int_equal(tok_new(t[i]), LX_OK);
	qsort(t, N, sizeof *t, cmp_str);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(t[i - 1], t[i]);
	free(t);
}

static void test_new_uses_all_bits(void **state)
{
	/* Over 1000 tokens every one of the 64 symbols shows up in the first 42 positions
	 * (the 43rd carries only 4 bits), i.e. the bytes are really random and fully encoded. */
	int seen[128] = {0};
	char t[TOK_LEN + 1];
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(tok_new(t), LX_OK);
		for (int k = 0; k < TOK_LEN - 1; k++)
			seen[(unsigned char)t[k]] = 1;
	}
	for (const char *p = B64URL; *p; p++)
		assert_true(seen[(unsigned char)*p]);
}

static void test_random_bytes(void **state)
{
	uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
	assert_int_equal(tok_random_bytes(a, sizeof a), LX_OK);
	assert_int_equal(tok_random_bytes(b, sizeof b), LX_OK);
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, zero, sizeof a);
}

static void test_hash_vectors(void **state)
{
	static const struct { const char *in, *sha256; } v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	uint8_t h[32];
	char x[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		memset(h, 0, sizeof h);
		tok_hash(v[i].in, strlen(v[i].in), h);
		hex(h, sizeof h, x);
		assert_string_equal(x, v[i].sha256);
	}
}

static void test_hash_uses_len(void **state)
{
	/* Only len bytes count: "abcdef" with len 3 hashes like "abc". */
	uint8_t h[32];
	char x[65];
	tok_hash("abcdef", 3, h);
	hex(h, sizeof h, x);
	assert_string_equal(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_b64url_vectors(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"},
		{"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
	};
	char out[64];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		memset(out, '#', sizeof out);
		tok_b64url((const uint8_t *)v[i].in, strlen(v[i].in), out);
		assert_string_equal(out, v[i].out);
	}
}

static void test_b64url_url_safe(void **state)
{
	/* 0xfb 0xff is "+/8=" in standard base64: base64url writes "-_8", no padding. */
	static const uint8_t a[] = {0xfb, 0xff};
	static const uint8_t b[] = {0xff, 0xff, 0xff};
	static const uint8_t c[] = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87};
	uint8_t zeros[32] = {0};
	char out[64];
	tok_b64url(a, sizeof a, out);
	assert_string_equal(out, "-_8");
	tok_b64url(b, sizeof b, out);
	assert_string_equal(out, "____");
	tok_b64url(c, sizeof c, out);
	assert_string_equal(out, "ABCDEFGH");
	tok_b64url(zeros, sizeof zeros, out);
	assert_int_equal(strlen(out), TOK_LEN);
	assert_int_equal(strspn(out, "A"), TOK_LEN);
}

static void test_equal(void **state)
{
	assert_true(tok_equal("", ""));
	assert_true(tok_equal("abc", "abc"));
	assert_false(tok_equal("abc", "abd"));
	assert_false(tok_equal("abc", "ab"));
	assert_false(tok_equal("ab", "abc"));
	assert_false(tok_equal("", "a"));
	assert_false(tok_equal("Abc", "abc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_length_and_alphabet),
		cmocka_unit_test(test_new_unique),
		cmocka_unit_test(test_new_uses_all_bits),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_uses_len),
		cmocka_unit_test(test_b64url_vectors),
		cmocka_unit_test(test_b64url_url_safe),
		cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
