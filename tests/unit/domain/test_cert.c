/* test_cert.c — certificate numbers (form, alphabet, no repeats, the validity check), the
 * masked name of the /verify page, and the page's layout with the longest unit a roster
 * allows (8 levels of 64 bytes) and rare characters: the unit comes back whole from
 * pdftotext and the facts end above the QR code (pdftotext -bbox). Without pdftotext the
 * layout checks are skipped (under CI=true they fail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cert.h"
#include "pdf.h"
#include "../pdf_check.h"

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

/* The yMax (points from the top) of the -bbox word word (the last fact: the number). */
static double bottom_of(const char *bbox, const char *word)
{
	for (const char *w = bbox; (w = strstr(w, "<word ")); w++) {
		const char *ym = strstr(w, "yMax=\""), *txt = strchr(w, '>');
		if (!ym || !txt)
			break;
		if (strncmp(txt + 1, word, strlen(word)) == 0 && txt[1 + strlen(word)] == '<')
			return strtod(ym + 6, NULL);
	}
	return -1;
}

static void test_long_unit(void **state)
{
	/* the roster's limits: 8 levels, 64 bytes (21 CJK characters) each */
	static const char seg[] = "某某省某某市某某区人民政府办公室综合科第一";
	char unit[8 * sizeof seg + 8] = "", *pdfdata, *t;
	struct cert_facts f = {.number = "ABCDEFGHIJKLMNOP", .attempt_id = 1, .login = "E0001",
			       .name = "欧阳𠮷䶮", .exam_code = "2026-law", .exam_title = "2026年度学法考法",
			       .score2 = 9150, .max_score2 = 10000, .passed = 1, .submitted_at = 1780000000};
	struct cert_print pp = {.organiser = "某某市司法局", .origin = "https://exam.example.cn"};
	struct lx_err e = {0};
	struct pdf *p = pdf_new();
	size_t len;

	for (int i = 0; i < 8; i++) {
		if (i)
			strcat(unit, "/");
		strcat(unit, seg);
	}
	assert_true(strlen(seg) <= 64);
	f.org = unit;
	assert_int_equal(cert_draw(p, &f, &pp, &e), 0);
	assert_int_equal(pdf_finish(p, &pdfdata, &len, &e), 0);
	if (getenv("LAWEXAM_KEEP_PDF")) { /* LAWEXAM_KEEP_PDF=FILE: the page, to be looked at */
		FILE *out = fopen(getenv("LAWEXAM_KEEP_PDF"), "wb");
		assert_non_null(out);
		assert_int_equal(fwrite(pdfdata, 1, len, out), len);
		fclose(out);
	}
	t = pdftotext_of(pdfdata, len, "-raw");
	if (!t) {
		free(pdfdata);
		return;
	}
	assert_int_equal(strchr(t, '\f') - t + 1, (long)strlen(t)); /* one page */
	{ /* the unit whole (wrapped lines joined), the name with its rare characters */
		size_t cap = strlen(t) + 1;
		char *all = calloc(1, cap), *q = all;
		for (char *s = t; *s; s++)
			if (*s != '\n' && *s != ' ')
				*q++ = *s;
		assert_non_null(strstr(all, unit));
		assert_non_null(strstr(all, "欧阳𠮷䶮"));
		assert_non_null(strstr(all, "证书编号ABCDEFGHIJKLMNOP"));
		free(all);
	}
	free(t);
	/* the facts end above the QR code (its top at 205 mm = 581 pt) */
	t = pdftotext_of(pdfdata, len, "-bbox");
	assert_true(bottom_of(t, f.number) > 300);
	assert_true(bottom_of(t, f.number) < 205 / 25.4 * 72);
	free(t);
	free(pdfdata);
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return PDF_LSAN_SUPPRESSIONS; }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_long_unit),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pdf_release();
	return rc;
}
