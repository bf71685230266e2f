/* test_cert.c — certificate numbers (form, alphabet, no repeats, the validity check) and
 * the masked name of the /verify page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"

static int cmp(const void *a, const void *b) { return strcmp(a, b); }

static void test_numbers(void **state)
{
	enum { N = 2000 };
	char (*v)[CERT_NUMBER_LEN + 1] = calloc(N, sizeof *v);
	int seen[256] = {0};

	for (int i = 0; i < N; i++) {
		assert_int_equal(cert_number_new(v[i]), 0);
		assert_int_equal(strlen(v[i]), CERT_NUMBER_LEN);
		assert_true(cert_number_valid(v[i]));
		for (int k = 0; k < CERT_NUMBER_LEN; k++)
			seen[(unsigned char)v[i][k]]++;
	}
	qsort(v, N, sizeof *v, cmp);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(v[i - 1], v[i]);
	/* every character of the alphabet turns up, nothing else does */
	for (int ch = 0; ch < 256; ch++)
		assert_true((seen[ch] > 0) == ((ch >= 'A' && ch <= 'Z') || (ch >= '2' && ch <= '7')));
	free(v);
}

static void test_valid(void **state)
{
	assert_true(cert_number_valid("ABCDEFGHIJKLMNOP"));
	assert_true(cert_number_valid("QRSTUVWXYZ234567"));
	assert_false(cert_number_valid("abcdefghijklmnop"));   /* lower case */
	assert_false(cert_number_valid("ABCDEFGHIJKLMNO"));    /* 15 */
	assert_false(cert_number_valid("ABCDEFGHIJKLMNOPQ"));  /* 17 */
	assert_false(cert_number_valid("ABCDEFGHIJKLMNO1"));   /* 1 is not base32 */
	assert_false(cert_number_valid("ABCDEFGHIJKLMNO8"));
	assert_false(cert_number_valid("../../etc/passwd"));
	assert_false(cert_number_valid(""));
	assert_false(cert_number_valid(NULL));
}

static void test_mask(void **state)
{
	char out[64];

	cert_mask_name("张三", out, sizeof out);
	assert_string_equal(out, "张*");
	cert_mask_name("张三丰", out, sizeof out);
	assert_string_equal(out, "张**");
	cert_mask_name("欧阳𠮷䶮", out, sizeof out);
	assert_string_equal(out, "欧***");
	cert_mask_name("李", out, sizeof out);
	assert_string_equal(out, "李");
	cert_mask_name("Anna", out, sizeof out);
	assert_string_equal(out, "A***");
	cert_mask_name("", out, sizeof out);
	assert_string_equal(out, "*");
	cert_mask_name("\xff\xfe", out, sizeof out);
	assert_string_equal(out, "*");
	cert_mask_name("张三丰", out, 5); /* truncated, still terminated */
	assert_string_equal(out, "张*");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
