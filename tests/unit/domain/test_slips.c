/* test_slips.c — login slips: eight to a page, every field of every slip extracted by
 * pdftotext in slip order, a long unit wrapped inside its slip, no slips = one page.
 * Without pdftotext the extraction checks are skipped (under CI=true they fail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdf.h"
#include "slips.h"
#include "../pdf_check.h"


static void test_pages(void **state)
{
	enum { N = 17 };
	char login[N][16], pw[N][32];
	struct slip v[N];
	struct lx_err e = {0};
	char *pdf, *t, *flat;
	size_t len;

	for (int i = 0; i < N; i++) {
		snprintf(login[i], sizeof login[i], "E%04d", i);
		snprintf(pw[i], sizeof pw[i], "Pw-%04d-lO0I1", i);
		v[i] = (struct slip){login[i], i == 5 ? "欧阳𠮷䶮" : "张三", "甲区/司法局/法制股", pw[i]};
	}
	v[9].unit = "某某省某某市某某区人民政府办公室综合科第一党支部法治宣传教育工作领导小组办公室";
	assert_int_equal(slips_pdf(v, N, "https://exam.example.cn", &pdf, &len, &e), 0);
	assert_true(len > 100 && memcmp(pdf, "%PDF-", 5) == 0);
	t = pdftotext_of(pdf, len, "-raw");
	free(pdf);
	if (!t)
		return;
	assert_int_equal(text_count(t, "\f"), 3); /* 17 slips: 8 + 8 + 1 */
	assert_int_equal(text_count(t, "登录凭条"), N);
	assert_int_equal(text_count(t, "https://exam.example.cn"), N);
	assert_non_null(strstr(t, "欧阳𠮷䶮"));
	/* in slip order, each password on its own slip */
	const char *at = t;
	for (int i = 0; i < N; i++) {
		const char *l = strstr(at, login[i]), *p = l ? strstr(l, pw[i]) : NULL;
		assert_non_null(l);
		assert_non_null(p);
		at = p;
	}
	flat = calloc(1, strlen(t) + 1);
	for (char *s = t, *d = flat; *s; s++)
		if (*s != '\n' && *s != ' ' && *s != '\f')
			*d++ = *s;
	assert_non_null(strstr(flat, v[9].unit));
	free(flat);
	free(t);
}

/* The -bbox words as (yMin, yMax, text) in drawing order; returns how many (≤ max). */
struct word {
	double y0, y1, x0;
	char text[512];
};
static size_t words_of(const char *bbox, struct word *w, size_t max)
{
	size_t n = 0;
	for (const char *s = bbox; n < max && (s = strstr(s, "<word ")); s++) {
		const char *x0 = strstr(s, "xMin=\""), *y0 = strstr(s, "yMin=\""), *y1 = strstr(s, "yMax=\""),
			   *t = strchr(s, '>'), *end = t ? strchr(t, '<') : NULL;
		if (!x0 || !y0 || !y1 || !end)
			break;
		w[n].x0 = strtod(x0 + 6, NULL);
		w[n].y0 = strtod(y0 + 6, NULL);
		w[n].y1 = strtod(y1 + 6, NULL);
		snprintf(w[n].text, sizeof w[n].text, "%.*s", (int)(end - t - 1), t + 1);
		n++;
	}
	return n;
}

/* The longest unit a roster allows (8 levels of 64 bytes) and a name of rare characters:
 * the slip's fields stay inside its cell, above its footer line, and come back whole. */
static void test_longest_unit(void **state)
{
	static const char seg[] = "某某省某某市某某区人民政府办公室综合科第一";
	char unit[8 * sizeof seg + 8] = "", *pdf, *t, *flat;
	struct slip v[3];
	struct lx_err e = {0};
	struct word *w = calloc(400, sizeof *w);
	size_t len, n;
	double footer = 0, last = 0, cell = 297.0 / 4 / 25.4 * 72; /* a slip's height, pt */

	for (int i = 0; i < 8; i++) {
		if (i)
			strcat(unit, "/");
		strcat(unit, seg);
	}
	for (int i = 0; i < 3; i++)
		v[i] = (struct slip){i == 0 ? "L0001" : i == 1 ? "L0002" : "L0003", "欧阳𠮷䶮", unit, "Pw-Long-Unit-1"};
	assert_int_equal(slips_pdf(v, 3, "https://exam.example.cn", &pdf, &len, &e), 0);
	if (getenv("LAWEXAM_KEEP_PDF")) { /* LAWEXAM_KEEP_PDF=FILE: the page, to be looked at */
		FILE *out = fopen(getenv("LAWEXAM_KEEP_PDF"), "wb");
		assert_non_null(out);
		assert_int_equal(fwrite(pdf, 1, len, out), len);
		fclose(out);
	}
	t = pdftotext_of(pdf, len, "-bbox");
	if (!t) {
		free(pdf);
		free(w);
		return;
	}
	n = words_of(t, w, 400);
	free(t);
	/* the first slip (top left): its last field (the URL) ends above its footer line */
	for (size_t i = 0; i < n; i++) {
		if (w[i].x0 > 105.0 / 25.4 * 72 || w[i].y0 > cell)
			continue; /* another slip */
		if (strncmp(w[i].text, "首次登录", strlen("首次登录")) == 0)
			footer = w[i].y0;
		else if (strstr(w[i].text, "https://exam.example.cn"))
			last = w[i].y1;
	}
	assert_true(footer > 0 && last > 0);
	assert_true(last <= footer);
	assert_true(footer < cell);
	t = pdftotext_of(pdf, len, "-raw");
	flat = calloc(1, strlen(t) + 1);
	for (char *s = t, *d = flat; *s; s++)
		if (*s != '\n' && *s != ' ' && *s != '\f')
			*d++ = *s;
	assert_int_equal(text_count(flat, unit), 3);
	assert_int_equal(text_count(flat, "欧阳𠮷䶮"), 3);
	free(flat);
	free(t);
	free(pdf);
	free(w);
}

static void test_none(void **state)
{
	struct lx_err e = {0};
	char *pdf, *t;
	size_t len;

	assert_int_equal(slips_pdf(NULL, 0, "https://127.0.0.1:8443", &pdf, &len, &e), 0);
	t = pdftotext_of(pdf, len, "-raw");
	free(pdf);
	if (!t)
		return;
	assert_int_equal(text_count(t, "\f"), 1);
	assert_int_equal(text_count(t, "登录凭条"), 0);
	free(t);
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return PDF_LSAN_SUPPRESSIONS; }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_longest_unit),
		cmocka_unit_test(test_none),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pdf_release(); /* fontconfig's and cairo's caches: nothing left for LeakSanitizer */
	return rc;
}
