/* test_pdf.c — the PDF writer: wrapping, rare characters extracted by pdftotext, an empty
 * table, page breaks with the column titles repeated, QR codes. pdftotext (poppler-utils)
 * reads the output back; without it the extraction checks are skipped with a message,
 * except under CI=true, where a missing tool fails. */
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

static int have_pdftotext(void)
{
	if (system("pdftotext -v >/dev/null 2>&1") == 0)
		return 1;
	if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
		fail_msg("pdftotext (poppler-utils) is missing and CI=true");
	print_message("pdftotext not found (Debian: poppler-utils): text extraction not checked\n");
	return 0;
}

/* Finishes p, and returns pdftotext's output of it (caller frees), or NULL without the tool.
 * *pages gets the page count pdftotext sees (form feeds). */
static char *extract(struct pdf *p, int *pages, int raw)
{
	char *data = NULL, path[] = "/tmp/lawexam-test-pdf-XXXXXX", cmd[256], *text;
	size_t len = 0, tlen = 0, cap = 1 << 16, n;
	struct lx_err e = {0};
	FILE *f;
	int fd;

	assert_int_equal(pdf_finish(p, &data, &len, &e), 0);
	assert_true(len > 100 && memcmp(data, "%PDF-", 5) == 0);
	if (!have_pdftotext()) {
		free(data);
		return NULL;
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	free(data);
	snprintf(cmd, sizeof cmd, "pdftotext %s -enc UTF-8 %s -", raw ? "-raw" : "", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	text = malloc(cap);
	while ((n = fread(text + tlen, 1, cap - tlen - 1, f)) > 0) {
		tlen += n;
		if (tlen + 1 == cap)
			text = realloc(text, cap *= 2);
	}
	text[tlen] = 0;
	assert_int_equal(pclose(f), 0);
	unlink(path);
	*pages = 0;
	for (char *s = text; (s = strchr(s, '\f')); s++)
		(*pages)++;
	return text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static void test_rare_characters(void **state)
{
	struct pdf *p = pdf_new();
	int pages;
	char *t;

	pdf_para(p, 14, PDF_BOLD | PDF_CENTER, 2, "合格证明");
	pdf_para(p, 12, 0, 2, "姓名：吉𠮷 龑䶮 张三");
	pdf_para(p, 12, PDF_SERIF, 2, "衬线：法治𠮷䶮");
	t = extract(p, &pages, 0);
	if (!t)
		return;
	assert_int_equal(pages, 1);
	assert_non_null(strstr(t, "合格证明"));
	assert_non_null(strstr(t, "𠮷"));
	assert_non_null(strstr(t, "䶮"));
	assert_non_null(strstr(t, "张三"));
	assert_non_null(strstr(t, "法治𠮷䶮"));
	free(t);
}

static void test_wrap(void **state)
{
	const char *unit = "某某省某某市某某区人民政府办公室综合科第一党支部法治宣传教育工作领导小组办公室";
	struct pdf *p = pdf_new();
	double one = pdf_text_height(p, 40, 10, 0, "单位");
	double h = pdf_text_height(p, 40, 10, 0, unit);
	double wide = pdf_text_height(p, 400, 10, 0, unit);
	int pages;
	char *t, *flat;

	assert_true(one > 2 && one < 6);
	assert_true(h > 3 * one); /* 42 characters in 40 mm at 10 pt: four lines or more */
	assert_true(wide < 1.5 * one);
	pdf_page(p);
	assert_true(pdf_text(p, 20, 20, 40, 10, 0, unit) > 3 * one);
	t = extract(p, &pages, 1);
	if (!t)
		return;
	/* every character survives the wrapping; joined, the lines give the name back */
	flat = calloc(1, strlen(t) + 1);
	for (char *s = t, *d = flat; *s; s++)
		if (*s != '\n' && *s != '\f' && *s != ' ')
			*d++ = *s;
	assert_non_null(strstr(flat, unit));
	assert_true(count(t, "\n") >= 4);
	free(flat);
	free(t);
}

static void test_empty_table(void **state)
{
	static const struct pdf_col cols[] = {{"工号", 30, PDF_LEFT}, {"姓名", 30, PDF_LEFT}, {"成绩", 20, PDF_RIGHT}};
	struct pdf *p = pdf_new();
	int pages;
	char *t;

	pdf_para(p, 12, 0, 2, "空表");
	double y0 = pdf_y(p);
	pdf_table_begin(p, cols, 3, 10);
	pdf_table_end(p);
	assert_true(pdf_y(p) > y0);
	assert_int_equal(pdf_pages(p), 1);
	t = extract(p, &pages, 0);
	if (!t)
		return;
	assert_int_equal(pages, 1);
	assert_non_null(strstr(t, "工号"));
	assert_non_null(strstr(t, "成绩"));
	free(t);
}

static int hooks;
static void hook(struct pdf *p, void *arg)
{
	hooks++;
	pdf_para(p, 12, PDF_BOLD, 2, (const char *)arg);
}

static void test_page_breaks(void **state)
{
	static const struct pdf_col cols[] = {{"工号", 30, PDF_LEFT}, {"姓名", 40, PDF_LEFT}, {"成绩", 20, PDF_RIGHT}};
	struct pdf *p = pdf_new();
	char login[32];
	int pages;
	char *t;

	hooks = 0;
	pdf_set_page_hook(p, hook, "成绩汇总表（续）");
	pdf_page(p);
	pdf_table_begin(p, cols, 3, 10);
	for (int i = 0; i < 200; i++) {
		snprintf(login, sizeof login, "E%05d", i);
		const char *row[] = {login, "张三", "88.5"};
		pdf_table_row(p, row);
		assert_true(pdf_y(p) <= PDF_A4_H - PDF_MARGIN + 0.01);
	}
	pdf_table_end(p);
	assert_true(pdf_pages(p) >= 4);
	assert_int_equal(hooks, pdf_pages(p));
	int n = pdf_pages(p);
	t = extract(p, &pages, 0);
	if (!t)
		return;
	assert_int_equal(pages, n);
	assert_int_equal(count(t, "工号"), (size_t)n); /* the titles on every page */
	assert_int_equal(count(t, "成绩汇总表（续）"), (size_t)n);
	assert_non_null(strstr(t, "E00000"));
	assert_non_null(strstr(t, "E00199"));
	free(t);
}

static void test_qr(void **state)
{
	struct pdf *p = pdf_new();
	struct lx_err e = {0};
	char *big = malloc(8000), *data;
	size_t len;

	assert_int_equal(pdf_qr(p, 20, 20, 30, "https://exam.example.cn/verify/ABCDEFGHJKMNPQRS", &e), 0);
	memset(big, 'x', 7999);
	big[7999] = 0;
	assert_int_equal(pdf_qr(p, 20, 60, 30, big, &e), LX_ERR_INVALID);
	free(big);
	assert_int_equal(pdf_finish(p, &data, &len, &e), 0);
	free(data);
	pdf_free(NULL);
	pdf_free(pdf_new()); /* discarded unfinished: no leak, no crash */
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return PDF_LSAN_SUPPRESSIONS; }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rare_characters), cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_empty_table),     cmocka_unit_test(test_page_breaks),
		cmocka_unit_test(test_qr),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pdf_release(); /* fontconfig's and cairo's caches: nothing left for LeakSanitizer */
	return rc;
}
