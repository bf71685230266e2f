/* test_roster.c — unit tests of common/domain/roster.c (SPEC §4.3): columns and aliases, roles
 * default and lists, unit-path normalisation and its limits, every row error with where
 * and message, repeated logins naming both rows, GB18030 and XLSX input; and of the CSV
 * writer common/formats/csv.c, which reports use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "csv.h"
#include "diag.h"
#include "err.h"
#include "roles.h"
#include "roster.h"
#include "table.h"
#include "../diag_check.h"

static int parse_csv(const char *text, struct roster *r, struct diag *d)
{
	int rc = roster_parse(text, strlen(text), "staff.csv", 0, r, d);
	print_diags(d);
	return rc;
}

static void expect_one(const char *text, const char *where, const char *msg)
{
	struct roster r;
	struct diag d = {0};

	assert_int_equal(parse_csv(text, &r, &d), LX_ERR_INVALID);
	assert_int_equal(r.n, 0);
	if (!has_diag(&d, where, msg))
		fail_msg("expected \"%s: …%s…\"", where, msg);
	assert_int_equal(d.total, 1);
	roster_free(&r);
	diag_free(&d);
}

static void test_valid_roster(void **state)
{
	const char *text = "\xef\xbb\xbf工号,姓名,单位,类别,角色,密码\r\n"
			   "1001,张三, 珠晖区 / 区司法局 /普法股 ,leader,,\r\n"
			   "1002,李四,珠晖区/区司法局,一般工作人员,\"考生,管理员\",Secret 1\r\n"
			   "\r\n"
			   "hr01,王五,珠晖区,general,人事；考生,\r\n";
	struct roster r;
	struct diag d = {0};

	assert_int_equal(parse_csv(text, &r, &d), LX_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.rows[0].rownum, 2);
	assert_string_equal(r.rows[0].login, "1001");
	assert_string_equal(r.rows[0].name, "张三");
	assert_string_equal(r.rows[0].org, "珠晖区/区司法局/普法股");
	assert_string_equal(r.rows[0].category, "leader");
	assert_int_equal(r.rows[0].roles, ROLE_EXAMINEE);
	assert_null(r.rows[0].password);
	assert_int_equal(r.rows[1].roles, ROLE_EXAMINEE | ROLE_ADMIN);
	assert_string_equal(r.rows[1].password, "Secret 1");
	assert_string_equal(r.rows[1].category, "一般工作人员");
	assert_int_equal(r.rows[2].rownum, 5);
	assert_int_equal(r.rows[2].roles, ROLE_EXAMINEE | ROLE_HR);
	roster_free(&r);
	diag_free(&d);
}

static void test_english_aliases_any_order(void **state)
{
	struct roster r;
	struct diag d = {0};

	assert_int_equal(parse_csv("Category,ORG,name,login,roles\ngeneral,a/b,赵六,z6,hr\n", &r, &d), LX_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].login, "z6");
	assert_string_equal(r.rows[0].org, "a/b");
	assert_int_equal(r.rows[0].roles, ROLE_HR);
	roster_free(&r);
	diag_free(&d);
}

static void test_row_errors(void **state)
{
	const char *h = "工号,姓名,单位,类别,角色\n";
	char buf[1024];

#define ROW(row) (snprintf(buf, sizeof buf, "%s%s", h, row), buf)
	expect_one(ROW(",张三,a,leader,\n"), "staff.csv:ROW 2: column 工号", "工号为空");
	expect_one(ROW("10 01,张三,a,leader,\n"), "staff.csv:ROW 2: column 工号", "工号 \"10 01\" 中不能有空格");
	expect_one(ROW("1001,,a,leader,\n"), "staff.csv:ROW 2: column 姓名", "姓名为空");
	expect_one(ROW("1001,张三,,leader,\n"), "staff.csv:ROW 2: column 单位", "单位为空");
	expect_one(ROW("1001,张三,a//b,leader,\n"), "staff.csv:ROW 2: column 单位",
		   "单位 \"a//b\" 有问题：第 2 级单位名称为空");
	expect_one(ROW("1001,张三,珠晖区／司法局,leader,\n"), "staff.csv:ROW 2: column 单位", "全角斜杠");
	expect_one(ROW("1001,张三,a,,\n"), "staff.csv:ROW 2: column 类别", "类别为空");
	expect_one(ROW("1001,张三,a,leader,boss\n"), "staff.csv:ROW 2: column 角色", "未知的角色 \"boss\"");
#undef ROW
}

static void test_repeated_logins(void **state)
{
	const char *text = "工号,姓名,单位,类别\n"
			   "1001,张三,a,leader\n"
			   "1002,李四,a,leader\n"
			   "1001,王五,a,leader\n"
			   "1002,赵六,a,leader\n"
			   "1001,钱七,a,leader\n";
	struct roster r;
	struct diag d = {0};

	assert_int_equal(parse_csv(text, &r, &d), LX_ERR_INVALID);
	assert_int_equal(d.total, 3);
	assert_true(has_diag(&d, "staff.csv:ROW 4: column 工号", "工号 \"1001\" 重复：第 2 行和第 4 行"));
	assert_true(has_diag(&d, "staff.csv:ROW 5: column 工号", "工号 \"1002\" 重复：第 3 行和第 5 行"));
	assert_true(has_diag(&d, "staff.csv:ROW 6: column 工号", "第 2 行和第 6 行"));
	/* reported in file order */
	assert_string_equal(d.items[0].where, "staff.csv:ROW 4: column 工号");
	roster_free(&r);
	diag_free(&d);
}

static void test_header_errors(void **state)
{
	expect_one("工号,姓名,单位\n1,a,b\n", "staff.csv:ROW 1", "缺少必需的列“类别”");
	expect_one("工号,姓名,单位,类别\n", "staff.csv", "名单中没有任何人员");
	expect_one("", "staff.csv", "文件是空的");
}

static void test_norm_org(void **state)
{
	char why[256];
	char *s;
	char long_seg[80];

	s = roster_norm_org("　珠晖区 /区司法局 / 普法股 ", why, sizeof why);
	assert_non_null(s);
	assert_string_equal(s, "珠晖区/区司法局/普法股");
	free(s);
	assert_null(roster_norm_org("/珠晖区", why, sizeof why));
	assert_non_null(strstr(why, "第 1 级"));
	assert_null(roster_norm_org("珠晖区/", why, sizeof why));
	assert_non_null(strstr(why, "第 2 级"));
	assert_null(roster_norm_org("a/b/c/d/e/f/g/h/i", why, sizeof why));
	assert_non_null(strstr(why, "8 级"));
	s = roster_norm_org("a/b/c/d/e/f/g/h", why, sizeof why);
	assert_non_null(s);
	free(s);
	memset(long_seg, 'x', 65);
	long_seg[65] = '\0';
	assert_null(roster_norm_org(long_seg, why, sizeof why));
	assert_non_null(strstr(why, "64 字节"));
	long_seg[64] = '\0';
	s = roster_norm_org(long_seg, why, sizeof why);
	assert_non_null(s);
	free(s);
	assert_null(roster_norm_org("a\x01" "b", why, sizeof why));
	assert_non_null(strstr(why, "控制字符"));
	assert_null(roster_norm_org("a\xff", why, sizeof why));
	assert_non_null(strstr(why, "UTF-8"));
	assert_null(roster_norm_org("  ", NULL, 0));
	assert_null(roster_norm_org(NULL, why, sizeof why));
}

static void test_gb18030_roster(void **state)
{
	const char *utf8 = "工号,姓名,单位,类别\n1001,张三,珠晖区/区司法局,领导干部\n";
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	char out[256], *in = (char *)utf8, *o = out;
	size_t inleft = strlen(utf8), oleft = sizeof out;
	struct roster r;
	struct diag d = {0};

	assert_true(iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1);
	iconv_close(cd);
	assert_int_equal(roster_parse(out, (size_t)(o - out), "staff.csv", 0, &r, &d), LX_OK);
	assert_string_equal(r.rows[0].name, "张三");
	assert_string_equal(r.rows[0].category, "领导干部");
	roster_free(&r);
	diag_free(&d);
}

static void test_xlsx_roster(void **state)
{
	char path[512];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	struct roster r;
	struct diag d = {0};
	FILE *f;
	char *data;
	long n;

	snprintf(path, sizeof path, "%s/test_roster_%ld.xlsx", LAWEXAM_BUILD_DIR, (long)getpid());
	wb = workbook_new(path);
	ws = workbook_add_worksheet(wb, NULL);
	worksheet_write_string(ws, 0, 0, "工号", NULL);
	worksheet_write_string(ws, 0, 1, "姓名", NULL);
	worksheet_write_string(ws, 0, 2, "单位", NULL);
	worksheet_write_string(ws, 0, 3, "类别", NULL);
	worksheet_write_number(ws, 1, 0, 20260001, NULL);
	worksheet_write_string(ws, 1, 1, "张三", NULL);
	worksheet_write_string(ws, 1, 2, "珠晖区/区司法局", NULL);
	worksheet_write_string(ws, 1, 3, "leader", NULL);
	worksheet_write_number(ws, 2, 0, 20260001, NULL);
	worksheet_write_string(ws, 2, 1, "李四", NULL);
	worksheet_write_string(ws, 2, 2, "珠晖区", NULL);
	worksheet_write_string(ws, 2, 3, "general", NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);

	assert_int_equal(roster_parse(data, (size_t)n, "staff.xlsx", 1, &r, &d), LX_ERR_INVALID);
	print_diags(&d);
	assert_true(has_diag(&d, "staff.xlsx:ROW 3: column 工号", "工号 \"20260001\" 重复：第 2 行和第 3 行"));
	roster_free(&r);
	diag_free(&d);
	free(data);
}

/* ---- the CSV writer --------------------------------------------------------------- */

static void test_csv_writer(void **state)
{
	struct buf b;
	struct table t = {0};
	struct diag d = {0};
	const char *fields[] = {"单位", "a,b", "say \"hi\"", "two\nlines", " lead", "trail ", "", "plain"};

	buf_init(&b, 0);
	assert_int_equal(csv_bom(&b), LX_OK);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		assert_int_equal(csv_field(&b, fields[i]), LX_OK);
	assert_int_equal(csv_end_row(&b), LX_OK);
	assert_int_equal(csv_field(&b, ""), LX_OK);
	assert_int_equal(csv_field(&b, NULL), LX_OK);
	assert_int_equal(csv_field(&b, "85.0%"), LX_OK);
	assert_int_equal(csv_end_row(&b), LX_OK);
	assert_string_equal(buf_str(&b), "\xef\xbb\xbf单位,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\",\"trail \",,plain\r\n"
					 ",,85.0%\r\n");
	/* and our own reader reads it back */
	assert_int_equal(table_read_csv(b.data, b.len, "r.csv", &t, &d), LX_OK);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.rows[0].n, 8);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(t.rows[0].cells[i], fields[i]);
	assert_string_equal(t.rows[1].cells[2], "85.0%");
	table_free(&t);
	diag_free(&d);
	buf_free(&b);

	buf_init(&b, 4);
	assert_int_equal(csv_field(&b, "toolong"), LX_ERR_INVALID);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_roster),
		cmocka_unit_test(test_english_aliases_any_order),
		cmocka_unit_test(test_row_errors),
		cmocka_unit_test(test_repeated_logins),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_norm_org),
		cmocka_unit_test(test_gb18030_roster),
		cmocka_unit_test(test_xlsx_roster),
		cmocka_unit_test(test_csv_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
