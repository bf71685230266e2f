/* test_table_header.c — the header row found below a title (table_map_header, issue 19):
 * department sheets carry a merged title row such as "2026年度学法考法题库（宪法）" above
 * the header. Banks and rosters, CSV and XLSX: the header is the first of the first five
 * rows holding every required column, the rows above are a title (reported as a note /
 * header_row), and row numbers in later errors stay Excel's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "bank.h"
#include "diag.h"
#include "err.h"
#include "roster.h"
#include "table.h"
#include "../diag_check.h"

static const struct bank_meta con = {"con", "宪法", "constitution"};

static const char bank_titled[] =
	"2026年度学法考法题库（宪法）,,,,,\n"
	",,,,,\n"
	"编号,题型,题干,选项A,选项B,答案\n"
	"C-1,单选,根本大法是,宪法,刑法,A\n"
	"C-2,单选,第二题,甲,乙,C\n";

static void test_bank_csv_title_row(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	const char *ok = "2026年度学法考法题库（宪法）\n编号,题型,题干,选项A,选项B,答案\nC-1,单选,根本大法是,宪法,刑法,A\n";

	assert_int_equal(bank_parse(ok, strlen(ok), "b.csv", BANK_FMT_CSV, &con, &doc, &d), LX_OK);
	print_diags(&d);
	assert_int_equal(doc.n, 1);
	assert_string_equal(doc.questions[0].where, "b.csv:ROW 3");
	assert_true(has_diag(&doc.notes, "b.csv", "表头在第 2 行"));
	bank_doc_free(&doc);
	/* later errors keep Excel's row numbers (row 2 was an empty row: still counted) */
	assert_int_equal(bank_parse(bank_titled, strlen(bank_titled), "b.csv", BANK_FMT_CSV, &con, &doc, &d),
			 LX_ERR_INVALID);
	print_diags(&d);
	assert_int_equal(d.total, 1);
	assert_true(has_diag(&d, "b.csv:ROW 5: column 答案", "不在选项"));
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_bank_header_not_found(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	/* failing: no row holds every required column; the errors go to the row naming the most
	 * columns (row 2 here), not to the title */
	const char *t = "题库标题\n编号,题型,题干,选项A,选项B\nC-1,单选,根本大法是,宪法,刑法\n";

	assert_int_equal(bank_parse(t, strlen(t), "b.csv", BANK_FMT_CSV, &con, &doc, &d), LX_ERR_INVALID);
	print_diags(&d);
	assert_true(has_diag(&d, "b.csv:ROW 2", "缺少必需的列“答案”"));
	bank_doc_free(&doc);
	diag_free(&d);
	/* the header below row 5 is not looked for */
	t = "t\nt\nt\nt\nt\n编号,题型,题干,选项A,选项B,答案\nC-1,单选,根本大法是,宪法,刑法,A\n";
	assert_int_equal(bank_parse(t, strlen(t), "b.csv", BANK_FMT_CSV, &con, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "b.csv:ROW 1: column A", "未知的列名"));
	bank_doc_free(&doc);
	diag_free(&d);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_bank_xlsx_merged_title(void **state)
{
	char path[] = "/tmp/lawexam-title-XXXXXX.xlsx";
	int fd = mkstemps(path, 5);
	lxw_workbook *wb;
	lxw_worksheet *ws;
	const char *head[] = {"编号", "题型", "题干", "选项A", "选项B", "答案"};
	struct bank_doc doc;
	struct diag d = {0};
	size_t len;
	char *data;

	assert_true(fd >= 0);
	close(fd);
	wb = workbook_new(path);
	ws = workbook_add_worksheet(wb, NULL);
	worksheet_merge_range(ws, 0, 0, 0, 5, "2026年度学法考法题库（宪法）", NULL);
	for (int c = 0; c < 6; c++)
		worksheet_write_string(ws, 1, (lxw_col_t)c, head[c], NULL);
	worksheet_write_string(ws, 2, 0, "C-1", NULL);
	worksheet_write_string(ws, 2, 1, "单选", NULL);
	worksheet_write_string(ws, 2, 2, "根本大法是", NULL);
	worksheet_write_string(ws, 2, 3, "宪法", NULL);
	worksheet_write_string(ws, 2, 4, "刑法", NULL);
	worksheet_write_string(ws, 2, 5, "E", NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	data = read_all(path, &len);
	unlink(path);
	assert_int_equal(bank_parse(data, len, "b.xlsx", BANK_FMT_XLSX, &con, &doc, &d), LX_ERR_INVALID);
	print_diags(&d);
	assert_int_equal(d.total, 1);
	assert_true(has_diag(&d, "b.xlsx:ROW 3: column 答案", "不在选项"));
	bank_doc_free(&doc);
	diag_free(&d);
	free(data);
}

static void test_roster_title_row(void **state)
{
	struct roster r;
	struct diag d = {0};
	const char *ok = "珠晖区2026年度参考人员名单,,,\n工号,姓名,单位,类别\nzh001,张三,珠晖区/司法局,general\n";
	const char *bad = "珠晖区2026年度参考人员名单\n\n工号,姓名,单位,类别\nzh001,张三,珠晖区//司法局,general\n";

	assert_int_equal(roster_parse(ok, strlen(ok), "s.csv", 0, &r, &d), LX_OK);
	print_diags(&d);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.header_row, 2);
	assert_int_equal(r.rows[0].rownum, 3);
	roster_free(&r);
	/* later errors keep Excel's row numbers */
	assert_int_equal(roster_parse(bad, strlen(bad), "s.csv", 0, &r, &d), LX_ERR_INVALID);
	print_diags(&d);
	assert_true(d.n >= 1);
	assert_non_null(strstr(d.items[0].where, "s.csv:ROW 4"));
	roster_free(&r);
	diag_free(&d);
	/* a roster without a title still says row 1 */
	assert_int_equal(roster_parse(ok + strlen("珠晖区2026年度参考人员名单,,,\n"),
				      strlen(ok) - strlen("珠晖区2026年度参考人员名单,,,\n"), "s.csv", 0, &r, &d),
			 LX_OK);
	assert_int_equal(r.header_row, 1);
	roster_free(&r);
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bank_csv_title_row),
		cmocka_unit_test(test_bank_header_not_found),
		cmocka_unit_test(test_bank_xlsx_merged_title),
		cmocka_unit_test(test_roster_title_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
