/* test_sheet.c — the score sheet's layout without a database (sheet_begin/row/finish): a
 * unit of 2,000 people runs over many pages and every page repeats the sheet header, the
 * unit (with （续） after its first page) and the column titles; every person appears once;
 * the totals come once, on the unit's last page; a unit with no people has no pages, and a
 * selection with nobody in it is one page saying so; rare characters (𠮷, 䶮) in names and
 * units come back from pdftotext. Without pdftotext the text checks are skipped (under
 * CI=true they fail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exam.h"
#include "pdf.h"
#include "sheet.h"
#include "store_reports.h"
#include "../pdf_check.h"

static char CODE[] = "2026-sheet", TITLE[] = "2026年度学法考法";
static struct report_exam X = {.id = 1, .code = CODE, .title = TITLE, .pass_percent = 60};

static struct report_person person(const char *login, const char *name, const char *org, int took, int64_t score2)
{
	return (struct report_person){.login = login, .name = name, .org = org, .category = "general",
				      .category_name = "一般工作人员", .status = took ? AST_SUBMITTED : AST_NOT_STARTED,
				      .score2 = took ? score2 : 0, .max_score2 = 10000,
				      .passed = took && score2 >= 6000};
}

/* The sheet of v[0..n) for scope as text (NULL without pdftotext); *units, *pages. */
static char *draw(const struct report_person *v, size_t n, const char *scope, int *units, int *pages)
{
	struct sheet *s = sheet_begin(&X, scope);
	struct lx_err e = {0};
	char *pdf, *t;
	size_t len;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(sheet_row(s, &v[i]), 0);
	assert_int_equal(sheet_finish(s, &pdf, &len, units, &e), 0);
	assert_true(len > 100 && memcmp(pdf, "%PDF-", 5) == 0);
	t = pdftotext_of(pdf, len, "-layout");
	free(pdf);
	*pages = t ? (int)text_count(t, "\f") : 0;
	return t;
}

static void test_big_unit(void **state)
{
	enum { N = 2000 };
	static const char unit[] = "丙区/超大单位";
	char (*login)[16] = calloc(N, sizeof *login), *t, *page, *next;
	struct report_person *v = calloc(N, sizeof *v);
	int units, pages, k = 0;

	for (int i = 0; i < N; i++) {
		snprintf(login[i], sizeof login[i], "B%05d", i);
		v[i] = person(login[i], i == 1234 ? "欧阳𠮷䶮" : "张三", unit, i % 7 != 0, 4000 + (i % 60) * 100);
	}
	t = draw(v, N, NULL, &units, &pages);
	assert_int_equal(units, 1);
	if (!t)
		goto out;
	assert_true(pages > N / 60); /* many pages, not one crammed page */
	/* page by page: the header, the unit and the column titles on each; （续） after the first */
	for (page = t; (next = strchr(page, '\f')); page = next + 1, k++) {
		*next = 0;
		assert_non_null(strstr(page, "成绩汇总表"));
		assert_non_null(strstr(page, "2026年度学法考法（2026-sheet）"));
		assert_non_null(strstr(page, "单位：丙区/超大单位"));
		assert_int_equal(strstr(page, "（续）") != NULL, k > 0);
		assert_non_null(strstr(page, "工号"));
		assert_non_null(strstr(page, "是否合格"));
		/* the totals only on the last page */
		assert_int_equal(strstr(page, "本单位合计") != NULL, k == pages - 1);
		*next = '\f';
	}
	assert_int_equal(k, pages);
	for (int i = 0; i < N; i++)
		assert_int_equal(text_count(t, login[i]), 1);
	assert_non_null(strstr(t, "欧阳𠮷䶮"));
	assert_non_null(strstr(t, "应考 2000 人，实考 1714 人"));
	free(t);
out:
	free(login);
	free(v);
}

static void test_empty_unit(void **state)
{
	/* 甲区/空单位 exists in the roster but nobody in it is assigned: no rows, no pages */
	struct report_person v[] = {
		person("A001", "张三", "甲区/司法局", 1, 9000),
		person("A002", "李四", "甲区/司法局", 0, 0),
		person("C001", "王五", "甲区/教育局", 1, 5000),
	};
	int units, pages;
	char *t = draw(v, 3, "甲区", &units, &pages);

	assert_int_equal(units, 2);
	if (t) {
		assert_int_equal(pages, 2); /* one page per unit with people */
		assert_null(strstr(t, "空单位"));
		assert_null(strstr(t, "没有应考人员"));
		free(t);
	}
	/* the empty unit selected on its own: one page saying so (rows outside it are skipped) */
	t = draw(v, 3, "甲区/空单位", &units, &pages);
	assert_int_equal(units, 0);
	if (t) {
		assert_int_equal(pages, 1);
		assert_non_null(strstr(t, "成绩汇总表"));
		assert_non_null(strstr(t, "在 甲区/空单位没有应考人员"));
		assert_null(strstr(t, "A001"));
		assert_null(strstr(t, "本单位合计"));
		free(t);
	}
	/* no rows at all, no scope */
	t = draw(NULL, 0, NULL, &units, &pages);
	assert_int_equal(units, 0);
	if (t) {
		assert_int_equal(pages, 1);
		assert_non_null(strstr(t, "“2026年度学法考法”没有应考人员"));
		free(t);
	}
}

static void test_rare_characters(void **state)
{
	struct report_person v[] = {
		person("R001", "欧阳𠮷䶮", "𠮷乡/䶮村委会", 1, 8000),
		person("R002", "𠮷田", "𠮷乡/䶮村委会", 1, 5950),
	};
	int units, pages;
	char *t = draw(v, 2, NULL, &units, &pages);

	assert_int_equal(units, 1);
	if (!t)
		return;
	assert_int_equal(pages, 1);
	assert_non_null(strstr(t, "单位：𠮷乡/䶮村委会"));
	assert_non_null(strstr(t, "欧阳𠮷䶮"));
	assert_non_null(strstr(t, "𠮷田"));
	assert_non_null(strstr(t, "合格 1 人"));
	free(t);
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return PDF_LSAN_SUPPRESSIONS; }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_unit),
		cmocka_unit_test(test_empty_unit),
		cmocka_unit_test(test_rare_characters),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pdf_release();
	return rc;
}
