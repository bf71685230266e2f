/* test_table.c — unit tests of common/formats/table*.c and base/text.c: the CSV reader (quoting, newlines in quotes
 * and the row numbers after them, BOM, GB18030, ragged rows, errors), the XLSX reader
 * (files written here with libxlsxwriter, and hand-made hostile zips, among them a zip bomb
 * whose worksheet inflates to 250 MiB: refused quickly in bounded memory), header mapping,
 * list splitting and the text helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "diag.h"
#include "err.h"
#include "table.h"
#include "text.h"
#include "../diag_check.h"

/* ---- helpers ---------------------------------------------------------------------- */

static int csv(const char *text, struct table *t, struct diag *d)
{
	return table_read_csv(text, strlen(text), "f.csv", t, d);
}

static void assert_row(const struct table *t, size_t i, int rownum, size_t n, ...)
{
	va_list ap;

	assert_true(i < t->n);
	assert_int_equal(t->rows[i].rownum, rownum);
	assert_int_equal(t->rows[i].n, n);
	va_start(ap, n);
	for (size_t k = 0; k < n; k++)
		assert_string_equal(t->rows[i].cells[k], va_arg(ap, const char *));
	va_end(ap);
}

/* 1 if some diagnostic has exactly this where and a message containing part. */
static char *to_gb18030(const char *utf8, size_t *outlen)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t inleft = strlen(utf8), oleft = inleft * 2 + 8;
	char *out = malloc(oleft), *in = (char *)utf8, *o = out;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1);
	iconv_close(cd);
	*outlen = (size_t)(o - out);
	return out;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void tmp_path(char *out, size_t outlen, const char *suffix)
{
	snprintf(out, outlen, "%s/test_table_%ld_%s", LAWEXAM_BUILD_DIR, (long)getpid(), suffix);
}

struct zent {
	const char *name;
	const char *text; /* NULL: data/len */
	const char *data;
	size_t len;
};

/* A zip with these entries (deflated), read back into memory. */
static char *make_zip(const struct zent *e, size_t n, size_t *len)
{
	char path[512];
	zip_t *za;
	int err = 0;
	char *res;

	tmp_path(path, sizeof path, "hand.xlsx");
	za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(za);
	for (size_t i = 0; i < n; i++) {
		const char *p = e[i].text ? e[i].text : e[i].data;
		size_t l = e[i].text ? strlen(e[i].text) : e[i].len;
		zip_source_t *s = zip_source_buffer(za, p, l, 0);
		assert_non_null(s);
		assert_true(zip_file_add(za, e[i].name, s, ZIP_FL_OVERWRITE) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
	res = slurp(path, len);
	unlink(path);
	return res;
}

static const char *wb_xml =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	"<sheets><sheet name=\"题目\" sheetId=\"1\" r:id=\"rId7\"/>"
	"<sheet name=\"other\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
static const char *rels_xml =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"x\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId7\" Type=\"x\" Target=\"/xl/worksheets/questions.xml\"/>"
	"</Relationships>";

/* ---- CSV -------------------------------------------------------------------------- */

static void test_csv_basic_crlf(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	assert_int_equal(csv("id,stem\r\n1,abc\r\n2,def\r\n", &t, &d), LX_OK);
	assert_int_equal(t.n, 3);
	assert_row(&t, 0, 1, 2, "id", "stem");
	assert_row(&t, 1, 2, 2, "1", "abc");
	assert_row(&t, 2, 3, 2, "2", "def");
	table_free(&t);
	diag_free(&d);
}

static void test_csv_quoting_and_rownums(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	const char *text = "id,stem,x\n"
			   "1,\"He said \"\"hi\"\", ok\",a\n"
			   "2,\"line1\nline2\r\nline3\rline4\",b\n"
			   "3,\"\",\"\"\"\"\n"
			   "4,plain,\"c,d\"";

	assert_int_equal(csv(text, &t, &d), LX_OK);
	assert_int_equal(t.n, 5);
	assert_row(&t, 1, 2, 3, "1", "He said \"hi\", ok", "a");
	assert_row(&t, 2, 3, 3, "2", "line1\nline2\r\nline3\rline4", "b");
	/* the quoted newlines above did not advance the row number */
	assert_row(&t, 3, 4, 3, "3", "", "\""); /* an empty cell before a filled one is kept */
	assert_row(&t, 4, 5, 3, "4", "plain", "c,d");
	table_free(&t);
	diag_free(&d);
}

static void test_csv_bom(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	assert_int_equal(csv("\xef\xbb\xbf编号,题干\n1,宪法\n", &t, &d), LX_OK);
	assert_row(&t, 0, 1, 2, "编号", "题干");
	assert_row(&t, 1, 2, 2, "1", "宪法");
	table_free(&t);
	diag_free(&d);
}

static void test_csv_gb18030(void **state)
{
	const char *utf8 = "编号,题干,选项A\n1,\"中华人民共和国的一切权力属于人民。\",人民\n2,依法治国，建设社会主义法治国家,国家\n";
	struct table t = {0};
	struct diag d = {0};
	size_t len;
	char *gb = to_gb18030(utf8, &len);

	assert_false(text_utf8_valid(gb, len));
	assert_int_equal(table_read_csv(gb, len, "gb.csv", &t, &d), LX_OK);
	assert_int_equal(t.n, 3);
	assert_row(&t, 0, 1, 3, "编号", "题干", "选项A");
	assert_row(&t, 1, 2, 3, "1", "中华人民共和国的一切权力属于人民。", "人民");
	assert_row(&t, 2, 3, 3, "2", "依法治国，建设社会主义法治国家", "国家");
	table_free(&t);
	diag_free(&d);
	free(gb);
}

static void test_csv_gb18030_with_bom(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	size_t len;
	char *gb = to_gb18030("\xef\xbb\xbf题干\n宪法\n", &len);

	assert_int_equal(table_read_csv(gb, len, "gb.csv", &t, &d), LX_OK);
	assert_row(&t, 0, 1, 1, "题干");
	assert_row(&t, 1, 2, 1, "宪法");
	table_free(&t);
	diag_free(&d);
	free(gb);
}

static void test_csv_not_text(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	/* 0x80 alone is neither UTF-8 nor GB18030 */
	assert_int_equal(table_read_csv("a\nb\x80\n", 6, "bad.csv", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "bad.csv", "GB18030"));
	table_free(&t);
	diag_free(&d);

	{
		/* UTF-8 with one damaged byte is reported as such, not read as GB18030 */
		const char *s = "编号,题干,答案\n1,中华人民共和国的一切权力属于人民,T\n2,宪\x80法,F\n";
		assert_int_equal(table_read_csv(s, strlen(s), "dmg.csv", &t, &d), LX_ERR_INVALID);
		assert_true(has_diag(&d, "dmg.csv", "文件是 UTF-8 编码，但文本第 3 行"));
		table_free(&t);
		diag_free(&d);
	}

	assert_int_equal(table_read_csv("PK\x03\x04zzzz", 8, "x.csv", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "x.csv", "XLSX"));
	table_free(&t);
	diag_free(&d);

	assert_int_equal(table_read_csv("\xff\xfe" "a\0b\0", 6, "u16.csv", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "u16.csv", "UTF-16"));
	table_free(&t);
	diag_free(&d);

	assert_int_equal(table_read_csv("a,b\nc\0d,e\n", 10, "nul.csv", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "nul.csv:ROW 2", "NUL"));
	table_free(&t);
	diag_free(&d);
}

static void test_csv_ragged_and_trailing(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	assert_int_equal(csv("a,b,c\n1\n1,2,3,4\n1,2,\n", &t, &d), LX_OK);
	assert_row(&t, 1, 2, 1, "1");
	assert_row(&t, 2, 3, 4, "1", "2", "3", "4");
	assert_row(&t, 3, 4, 2, "1", "2"); /* the empty trailing cell is not stored */
	assert_string_equal(table_cell(&t.rows[1], 2), "");
	assert_string_equal(table_cell(&t.rows[1], -1), "");
	assert_string_equal(table_cell(&t.rows[1], 99), "");
	table_free(&t);
	diag_free(&d);
}

static void test_csv_empty_rows_keep_numbers(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	assert_int_equal(csv("h1,h2\n\n1,2\n,,\n\r\n \"\",\n3,4", &t, &d), LX_ERR_INVALID);
	/* " \"\"" has a stray quote: the 6th line; reported, the rest still read */
	assert_true(has_diag(&d, "f.csv:ROW 6: column A", "引号"));
	table_free(&t);
	diag_free(&d);

	assert_int_equal(csv("h1,h2\n\n1,2\n,,\n\r\n3,4\n\n", &t, &d), LX_OK);
	assert_int_equal(t.n, 3);
	assert_row(&t, 0, 1, 2, "h1", "h2");
	assert_row(&t, 1, 3, 2, "1", "2");
	assert_row(&t, 2, 6, 2, "3", "4");
	table_free(&t);
	diag_free(&d);
}

static void test_csv_stray_quote(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	assert_int_equal(csv("a,b\n1,x\"y\n2,\"ok\"z\n3,fine\n", &t, &d), LX_ERR_INVALID);
	print_diags(&d);
	assert_true(has_diag(&d, "f.csv:ROW 2: column B", "多余的引号"));
	assert_true(has_diag(&d, "f.csv:ROW 3: column B", "多余的引号"));
	assert_int_equal(d.total, 2);
	table_free(&t);
	diag_free(&d);
}

static void test_csv_unterminated(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	assert_int_equal(csv("a,b\n1,2\n3,\"abc\ndef\n", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "f.csv:ROW 3", "没有对应的结束引号"));
	table_free(&t);
	diag_free(&d);
}

static void test_csv_caps(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	char *wide = malloc(TABLE_MAX_COLS * 2 + 16);
	size_t n = 0;

	for (int i = 0; i < TABLE_MAX_COLS + 1; i++) {
		wide[n++] = 'x';
		wide[n++] = ',';
	}
	wide[n - 1] = '\n';
	wide[n] = '\0';
	assert_int_equal(csv(wide, &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "f.csv:ROW 1", "列数超过上限"));
	table_free(&t);
	diag_free(&d);
	free(wide);
}

static void test_csv_empty_input(void **state)
{
	struct table t = {0};
	struct diag d = {0};

	assert_int_equal(table_read_csv("", 0, "e.csv", &t, &d), LX_OK);
	assert_int_equal(t.n, 0);
	table_free(&t);
	diag_free(&d);
}

/* ---- XLSX ------------------------------------------------------------------------- */

static char *xlsx_from_writer(int constant_memory, size_t *len)
{
	char path[512];
	lxw_workbook_options opt = {.constant_memory = (uint8_t)constant_memory};
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold;
	lxw_rich_string_tuple f1 = {.format = NULL, .string = "中华人民"};
	lxw_rich_string_tuple f2 = {.format = NULL, .string = "共和国"};
	lxw_rich_string_tuple *rich[] = {&f1, &f2, NULL};
	char *res;

	tmp_path(path, sizeof path, constant_memory ? "cm.xlsx" : "sst.xlsx");
	wb = workbook_new_opt(path, &opt);
	assert_non_null(wb);
	ws = workbook_add_worksheet(wb, "题库");
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	/* header: four columns; data rows leave the last one empty */
	worksheet_write_string(ws, 0, 0, "编号", bold);
	worksheet_write_string(ws, 0, 1, "题干", bold);
	worksheet_write_string(ws, 0, 2, "难度", bold);
	worksheet_write_string(ws, 0, 3, "标签", bold);
	worksheet_write_string(ws, 1, 0, "CON-0001", NULL);
	worksheet_write_string(ws, 1, 1, "中华人民共和国的一切权力属于人民", NULL);
	worksheet_write_number(ws, 1, 2, 3, NULL);
	/* row 3 left empty: the next row is Excel row 4 */
	worksheet_write_number(ws, 3, 0, 1001, NULL);
	worksheet_write_number(ws, 3, 1, 2.5, NULL);
	worksheet_write_number(ws, 3, 2, 3.0, NULL);
	worksheet_write_string(ws, 4, 0, "多行\n文本", NULL);
	worksheet_write_boolean(ws, 4, 1, 1, NULL);
	worksheet_write_number(ws, 4, 2, 0.1 + 0.2, NULL);
	if (!constant_memory)
		worksheet_write_rich_string(ws, 5, 0, rich, NULL);
	else
		worksheet_write_string(ws, 5, 0, "中华人民共和国", NULL);
	worksheet_write_string(ws, 5, 2, "x", NULL); /* B6 empty: a gap filled with "" */
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	res = slurp(path, len);
	unlink(path);
	return res;
}

static void check_writer_table(const struct table *t)
{
	assert_int_equal(t->n, 5);
	assert_row(t, 0, 1, 4, "编号", "题干", "难度", "标签");
	assert_row(t, 1, 2, 3, "CON-0001", "中华人民共和国的一切权力属于人民", "3");
	assert_row(t, 2, 4, 3, "1001", "2.5", "3");
	assert_row(t, 3, 5, 3, "多行\n文本", "TRUE", "0.3");
	assert_row(t, 4, 6, 3, "中华人民共和国", "", "x");
	assert_string_equal(table_cell(&t->rows[1], 3), "");
}

static void test_xlsx_shared_strings(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	size_t len;
	char *x = xlsx_from_writer(0, &len);

	assert_int_equal(table_read_xlsx(x, len, "f.xlsx", &t, &d), LX_OK);
	print_diags(&d);
	check_writer_table(&t);
	table_free(&t);
	diag_free(&d);
	free(x);
}

static void test_xlsx_inline_strings(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	size_t len;
	char *x = xlsx_from_writer(1, &len); /* constant_memory writes inline strings */

	assert_int_equal(table_read_xlsx(x, len, "f.xlsx", &t, &d), LX_OK);
	print_diags(&d);
	check_writer_table(&t);
	table_free(&t);
	diag_free(&d);
	free(x);
}

static void test_xlsx_first_sheet_by_rels(void **state)
{
	const char *sst =
		"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"3\">"
		"<si><t>题干</t></si>"
		"<si><r><rPr><b/></rPr><t>第一行</t></r><r><t xml:space=\"preserve\"> 与_x000D_\n第二行</t></r>"
		"<rPh sb=\"0\" eb=\"1\"><t>ふりがな</t></rPh></si>"
		"<si><t>_x005F_x000D_</t></si></sst>";
	const char *questions =
		"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
		"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"inlineStr\"><is><t>答案</t></is></c></row>"
		"<row r=\"3\"><c r=\"A3\" t=\"s\"><v>1</v></c><c r=\"C3\" t=\"str\"><f>A1</f><v>T</v></c></row>"
		"<row><c t=\"s\"><v>2</v></c><c t=\"e\"><v>#N/A</v></c><c><v>1E3</v></c></row>"
		"</sheetData></worksheet>";
	const char *other =
		"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>wrong sheet</t></is></c></row>"
		"</sheetData></worksheet>";
	struct zent e[] = {
		{"xl/workbook.xml", wb_xml, NULL, 0},
		{"xl/_rels/workbook.xml.rels", rels_xml, NULL, 0},
		{"xl/sharedStrings.xml", sst, NULL, 0},
		{"xl/worksheets/questions.xml", questions, NULL, 0},
		{"xl/worksheets/sheet1.xml", other, NULL, 0},
	};
	struct table t = {0};
	struct diag d = {0};
	size_t len;
	char *x = make_zip(e, 5, &len);

	assert_int_equal(table_read_xlsx(x, len, "h.xlsx", &t, &d), LX_OK);
	print_diags(&d);
	assert_int_equal(t.n, 3);
	assert_row(&t, 0, 1, 3, "题干", "", "答案");
	assert_row(&t, 1, 3, 3, "第一行 与\r\n第二行", "", "T");
	assert_row(&t, 2, 4, 3, "_x000D_", "#N/A", "1000");
	table_free(&t);
	diag_free(&d);
	free(x);
}

static void test_xlsx_fallback_sheet1(void **state)
{
	struct zent e[] = {
		{"xl/worksheets/sheet1.xml",
		 "<worksheet><sheetData><row r=\"2\"><c r=\"B2\" t=\"inlineStr\"><is><t>x</t></is></c></row>"
		 "</sheetData></worksheet>", NULL, 0},
	};
	struct table t = {0};
	struct diag d = {0};
	size_t len;
	char *x = make_zip(e, 1, &len);

	assert_int_equal(table_read_xlsx(x, len, "h.xlsx", &t, &d), LX_OK);
	assert_row(&t, 0, 2, 2, "", "x");
	table_free(&t);
	diag_free(&d);
	free(x);
}

static void test_xlsx_hostile(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	size_t len, big = (size_t)TABLE_XLSX_MAX_UNZIPPED + 1024;
	char *zeros = calloc(1, big), *x;
	struct zent bomb[] = {{"xl/worksheets/sheet1.xml", NULL, zeros, big}};
	struct zent laughs[] = {{"xl/worksheets/sheet1.xml",
				 "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
				 "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
				 "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&lol2;</t></is></c></row>"
				 "</sheetData></worksheet>", NULL, 0}};
	struct zent bad_sst[] = {{"xl/worksheets/sheet1.xml",
				  "<worksheet><sheetData><row><c t=\"s\"><v>7</v></c></row></sheetData></worksheet>",
				  NULL, 0}};
	struct zent bad_xml[] = {{"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>", NULL, 0}};
	struct zent back_rows[] = {{"xl/worksheets/sheet1.xml",
				    "<worksheet><sheetData><row r=\"5\"/><row r=\"3\"/></sheetData></worksheet>",
				    NULL, 0}};
	struct zent wide[] = {{"xl/worksheets/sheet1.xml",
			       "<worksheet><sheetData><row r=\"1\"><c r=\"XFD1\" t=\"inlineStr\"><is><t>x</t></is></c>"
			       "<c r=\"ZZZZ1\"/></row></sheetData></worksheet>",
			       NULL, 0}};
	struct zent none[] = {{"docProps/app.xml", "<x/>", NULL, 0}};

	x = make_zip(bomb, 1, &len);
	free(zeros);
	assert_true(len < 1 << 20);
	assert_int_equal(table_read_xlsx(x, len, "b.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "b.xlsx", "256 MiB"));
	table_free(&t);
	diag_free(&d);
	free(x);

	x = make_zip(laughs, 1, &len);
	assert_int_equal(table_read_xlsx(x, len, "l.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "l.xlsx", "DOCTYPE"));
	table_free(&t);
	diag_free(&d);
	free(x);

	x = make_zip(bad_sst, 1, &len);
	assert_int_equal(table_read_xlsx(x, len, "s.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "s.xlsx:ROW 1", "共享字符串"));
	table_free(&t);
	diag_free(&d);
	free(x);

	x = make_zip(bad_xml, 1, &len);
	assert_int_equal(table_read_xlsx(x, len, "x.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "x.xlsx", "不是合法的 XML"));
	table_free(&t);
	diag_free(&d);
	free(x);

	x = make_zip(back_rows, 1, &len);
	assert_int_equal(table_read_xlsx(x, len, "r.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "r.xlsx:ROW 5", "行号"));
	table_free(&t);
	diag_free(&d);
	free(x);

	x = make_zip(wide, 1, &len);
	assert_int_equal(table_read_xlsx(x, len, "w.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "w.xlsx:ROW 1", "XFD"));
	table_free(&t);
	diag_free(&d);
	free(x);

	x = make_zip(none, 1, &len);
	assert_int_equal(table_read_xlsx(x, len, "n.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "n.xlsx", "找不到工作表"));
	table_free(&t);
	diag_free(&d);
	free(x);

	assert_int_equal(table_read_xlsx("id,stem\n", 8, "c.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "c.xlsx", "不是 XLSX"));
	table_free(&t);
	diag_free(&d);

	assert_int_equal(table_read_xlsx("PK\x03\x04garbage", 11, "g.xlsx", &t, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "g.xlsx", "损坏"));
	table_free(&t);
	diag_free(&d);
}

/* ---- zip bombs ---------------------------------------------------------------------- */

/* A libzip source producing head, then the row repeated, then tail — the test never holds
 * the text it compresses. */
struct gen {
	const char *head, *row, *tail;
	size_t hlen, rlen, tlen, total, pos;
};

static size_t gen_fill(struct gen *g, char *out, size_t len)
{
	size_t n = 0;

	while (n < len && g->pos < g->total) {
		size_t p = g->pos, body = g->total - g->tlen, k;
		const char *src;
		size_t avail;
		if (p < g->hlen) {
			src = g->head + p;
			avail = g->hlen - p;
		} else if (p < body) {
			k = (p - g->hlen) % g->rlen;
			src = g->row + k;
			avail = g->rlen - k;
			if (avail > body - p)
				avail = body - p;
		} else {
			src = g->tail + (p - body);
			avail = g->total - p;
		}
		if (avail > len - n)
			avail = len - n;
		memcpy(out + n, src, avail);
		n += avail;
		g->pos += avail;
	}
	return n;
}

static zip_int64_t gen_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct gen *g = ud;

	switch (cmd) {
	case ZIP_SOURCE_OPEN: g->pos = 0; return 0;
	case ZIP_SOURCE_READ: return (zip_int64_t)gen_fill(g, data, (size_t)len);
	case ZIP_SOURCE_CLOSE: return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;
		zip_stat_init(st);
		st->size = g->total;
		st->mtime = 0;
		st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
		return sizeof *st;
	}
	case ZIP_SOURCE_ERROR: memset(data, 0, len < 2 * sizeof(int) ? len : 2 * sizeof(int)); return 2 * sizeof(int);
	case ZIP_SOURCE_FREE: return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
						      ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default: return -1;
	}
}

/* An XLSX (workbook, rels, sheet) whose sheet is mib MiB of rows of one empty cell,
 * deflated: a few hundred KB. */
static char *bomb_xlsx(size_t mib, size_t *len)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\""
				   "http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
	static const char row[] = "<row><c t=\"inlineStr\"><is><t></t></is></c></row>";
	static const char tail[] = "</sheetData></worksheet>";
	struct gen g = {head, row, tail, sizeof head - 1, sizeof row - 1, sizeof tail - 1, 0, 0};
	char path[512];
	zip_t *za;
	zip_source_t *s;
	int err = 0;
	char *res;

	g.total = g.hlen + (mib << 20) / g.rlen * g.rlen + g.tlen;
	tmp_path(path, sizeof path, "bomb.xlsx");
	za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(za);
	s = zip_source_buffer(za, wb_xml, strlen(wb_xml), 0);
	assert_true(zip_file_add(za, "xl/workbook.xml", s, 0) >= 0);
	s = zip_source_buffer(za, rels_xml, strlen(rels_xml), 0);
	assert_true(zip_file_add(za, "xl/_rels/workbook.xml.rels", s, 0) >= 0);
	s = zip_source_function(za, gen_cb, &g);
	assert_non_null(s);
	assert_true(zip_file_add(za, "xl/worksheets/questions.xml", s, 0) >= 0);
	assert_int_equal(zip_close(za), 0);
	res = slurp(path, len);
	unlink(path);
	return res;
}

/* Rewrites the uncompressed size the archive declares for entry name (local header and
 * central directory; no zip64) to size: a bomb whose sizes lie. */
static void lie_about_size(char *zip, size_t len, const char *name, uint32_t size)
{
	size_t nl = strlen(name);
	int patched = 0;

	for (size_t i = 0; i + 46 + nl <= len; i++) {
		size_t off;
		if (memcmp(zip + i, "PK\3\4", 4) == 0 && i + 30 + nl <= len &&
		    (unsigned char)zip[i + 26] == nl && memcmp(zip + i + 30, name, nl) == 0)
			off = i + 22;
		else if (memcmp(zip + i, "PK\1\2", 4) == 0 && (unsigned char)zip[i + 28] == nl &&
			 memcmp(zip + i + 46, name, nl) == 0)
			off = i + 24;
		else
			continue;
		for (int k = 0; k < 4; k++)
			zip[off + (size_t)k] = (char)(size >> (8 * k));
		patched++;
	}
	assert_int_equal(patched, 2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* AddressSanitizer keeps freed memory in quarantine (256 MiB by default) and adds shadow
 * memory: under it the peak RSS says nothing about the reader, so only the release build
 * checks memory bounds (the checks of results, diagnostics and time stay). */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

static long rss_now_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &pages, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Reads x in a child process (so that its peak RSS is its own, whatever ran before):
 * expects LX_OK when part is NULL, else LX_ERR_INVALID with a diagnostic on fname whose
 * message contains part. Returns 1 if so; *secs and *grew_mib (the child's peak RSS, by
 * getrusage, above this process's RSS at the fork) say what it cost. */
static int read_in_child(const char *x, size_t len, const char *fname, const char *part, double *secs,
			 long *grew_mib)
{
	long base = rss_now_kib();
	double t0 = now_s();
	struct rusage ru;
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct table t = {0};
		struct diag d = {0};
		int rc = table_read_xlsx(x, len, fname, &t, &d);
		print_diags(&d);
		_exit(part ? !(rc == LX_ERR_INVALID && has_diag(&d, fname, part)) : rc != LX_OK);
	}
	assert_int_equal(wait4(pid, &status, 0, &ru), pid);
	*secs = now_s() - t0;
	*grew_mib = (ru.ru_maxrss - base) / 1024;
	fprintf(stderr, "  %s (%zu bytes): %s in %.3f s, peak RSS %+ld MiB\n", fname, len,
		WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "as expected" : "NOT as expected", *secs, *grew_mib);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Reads the bomb x: refused with a diagnostic naming the file and the part, in well under
 * a second and without the peak RSS growing by more than 24 MiB (whole, the 250 MiB sheet
 * took 500 MiB and 3.7 s, and was accepted). */
static void check_bomb_refused(const char *x, size_t len, const char *fname, const char *part)
{
	double secs;
	long grew;

	assert_true(read_in_child(x, len, fname, part, &secs, &grew));
	assert_true(secs < 1.5);
	assert_true(!RSS_MEANINGFUL || grew < 24);
}

static void test_xlsx_bomb_streamed(void **state)
{
	size_t len;
	char *x = bomb_xlsx(250, &len);

	assert_true(len < 1 << 20); /* 250 MiB of XML in under 1 MiB */
	check_bomb_refused(x, len, "bomb.xlsx", "xl/worksheets/questions.xml 解压后是压缩大小的 100 倍以上");
	/* Sizes that lie (declared 4,000 bytes): caught while inflating, past the 4,000 bytes. */
	lie_about_size(x, len, "xl/worksheets/questions.xml", 4000);
	check_bomb_refused(x, len, "liar.xlsx", "xl/worksheets/questions.xml 解压后比文件声明的大小（4000 字节）大");
	free(x);
}

/* A large sheet under every cap (100 MiB of rows, about 20:1) is read without ever holding
 * its text: the peak RSS grows by less than 24 MiB (whole, it grew by over 100 MiB). */
static void test_xlsx_large_sheet_streamed(void **state)
{
	static const char head[] = "<worksheet><sheetData>";
	static const char tail[] = "</sheetData></worksheet>";
	char *block = malloc(1 << 17), path[512], *x;
	size_t n = 0, len;
	unsigned v = 12345;
	struct gen g;
	zip_t *za;
	int err = 0;
	double secs;
	long grew;

	/* 128 KiB of rows, each with 4 pseudo-random hex digits (ignored by the reader): a block
	 * longer than deflate's window, so the sheet compresses as a real one, not as a bomb. */
	while (n + 64 < (1 << 17)) {
		v = v * 1103515245u + 12345u;
		n += (size_t)snprintf(block + n, 64, "<row x=\"%04x\"><c t=\"inlineStr\"><is><t></t></is></c></row>",
				      (v >> 8) & 0xffff);
	}
	g = (struct gen){head, block, tail, sizeof head - 1, n, sizeof tail - 1, 0, 0};
	g.total = g.hlen + (100u << 20) / n * n + g.tlen;
	tmp_path(path, sizeof path, "large.xlsx");
	za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(za);
	assert_true(zip_file_add(za, "xl/worksheets/sheet1.xml", zip_source_function(za, gen_cb, &g), 0) >= 0);
	assert_int_equal(zip_close(za), 0);
	x = slurp(path, &len);
	unlink(path);
	free(block);
	fprintf(stderr, "  large.xlsx: %zu bytes of sheet in %zu (%.0f:1)\n", g.total, len,
		(double)g.total / (double)len);
	assert_true(g.total / len < TABLE_XLSX_MAX_RATIO);

	assert_true(read_in_child(x, len, "large.xlsx", NULL, &secs, &grew));
	assert_true(!RSS_MEANINGFUL || grew < 24);
	free(x);
}

/* Just under the ratio: an ordinary, well compressible large sheet is read. */
static void test_xlsx_large_sheet_ok(void **state)
{
	struct zent e[] = {{"xl/worksheets/sheet1.xml", NULL, NULL, 0}};
	struct table t = {0};
	struct diag d = {0};
	struct buf_s {
		char *p;
		size_t n, cap;
	} b = {0};
	size_t len;
	char *x;

	b.cap = 8u << 20;
	b.p = malloc(b.cap);
	b.n = (size_t)snprintf(b.p, b.cap, "<worksheet><sheetData>");
	for (int r = 1; b.n < (3u << 20); r++)
		b.n += (size_t)snprintf(b.p + b.n, b.cap - b.n,
					"<row r=\"%d\"><c r=\"A%d\" t=\"inlineStr\"><is><t>E%06d</t></is></c>"
					"<c r=\"B%d\"><v>%d</v></c></row>", r, r, r * 7919 % 1000003, r, r * 31 % 997);
	b.n += (size_t)snprintf(b.p + b.n, b.cap - b.n, "</sheetData></worksheet>");
	e[0].data = b.p;
	e[0].len = b.n;
	x = make_zip(e, 1, &len);
	assert_int_equal(table_read_xlsx(x, len, "big.xlsx", &t, &d), LX_OK);
	print_diags(&d);
	assert_true(t.n > 10000);
	fprintf(stderr, "  big.xlsx: %zu bytes of sheet in %zu (%.0f:1), %zu rows\n", b.n, len, (double)b.n / (double)len, t.n);
	assert_true((size_t)b.n / len < TABLE_XLSX_MAX_RATIO);
	table_free(&t);
	diag_free(&d);
	free(x);
	free(b.p);
}

/* ---- header, lists, helpers ------------------------------------------------------- */

static const struct table_col spec[] = {
	{"编号|id", 1}, {"题干|stem", 1}, {"选项A|option_a", 0}, {"依据|法条依据|basis", 0},
};

static void test_map_header_aliases(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	int col[4];

	assert_int_equal(csv(" 法条依据 ,STEM,ID,选项 A,\n", &t, &d), LX_OK);
	assert_int_equal(table_map_header(&t, spec, 4, col, "f.csv", &d), LX_OK);
	assert_int_equal(col[0], 2);
	assert_int_equal(col[1], 1);
	assert_int_equal(col[2], 3);
	assert_int_equal(col[3], 0);
	table_free(&t);
	diag_free(&d);
}

static void test_map_header_errors(void **state)
{
	struct table t = {0};
	struct diag d = {0};
	int col[4];

	assert_int_equal(csv("题干,备注,stem,option_a\n", &t, &d), LX_OK);
	assert_int_equal(table_map_header(&t, spec, 4, col, "f.csv", &d), LX_ERR_INVALID);
	print_diags(&d);
	assert_true(has_diag(&d, "f.csv:ROW 1: column B", "未知的列名 \"备注\""));
	assert_true(has_diag(&d, "f.csv:ROW 1: column C", "重复"));
	assert_true(has_diag(&d, "f.csv:ROW 1", "缺少必需的列“编号”"));
	assert_int_equal(d.total, 3);
	table_free(&t);
	diag_free(&d);

	assert_int_equal(table_map_header(&t, spec, 4, col, "empty.csv", &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "empty.csv", "空"));
	diag_free(&d);
}

static void test_split_list(void **state)
{
	char **items = NULL;
	size_t n = text_split_list(" 国家制度; 公民权利，宪法；, 基本权利 ,, ", &items);

	assert_int_equal(n, 4);
	assert_string_equal(items[0], "国家制度");
	assert_string_equal(items[1], "公民权利");
	assert_string_equal(items[2], "宪法");
	assert_string_equal(items[3], "基本权利");
	text_list_free(items, n);
	assert_int_equal(text_split_list("", &items), 0);
	text_list_free(items, 0);
	assert_int_equal(text_split_list(" ;；,， ", &items), 0);
	text_list_free(items, 0);
}

static void test_text_helpers(void **state)
{
	char buf[64];
	char *s;

	assert_true(text_utf8_valid("宪法 abc", strlen("宪法 abc")));
	assert_false(text_utf8_valid("\xc0\xaf", 2));         /* overlong */
	assert_false(text_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(text_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(text_utf8_valid("\xe5\xae", 2));         /* truncated */
	s = text_trim("\xe3\x80\x80 宪法\t\xc2\xa0");
	assert_string_equal(s, "宪法");
	free(s);
	assert_string_equal(table_col_name(0, buf, sizeof buf), "A");
	assert_string_equal(table_col_name(25, buf, sizeof buf), "Z");
	assert_string_equal(table_col_name(26, buf, sizeof buf), "AA");
	assert_string_equal(table_col_name(16383, buf, sizeof buf), "XFD");
	assert_string_equal(text_clip("中华人民", 7, buf, sizeof buf), "中华…");
	assert_string_equal(text_clip("a\nb", 60, buf, sizeof buf), "a b");
	assert_string_equal(text_clip("x\xe5\xae", 60, buf, sizeof buf), "x??"); /* cut character */
	assert_string_equal(text_clip("\xff宪", 60, buf, sizeof buf), "?宪");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlsx_bomb_streamed),
		cmocka_unit_test(test_xlsx_large_sheet_streamed),
		cmocka_unit_test(test_xlsx_large_sheet_ok),
		cmocka_unit_test(test_csv_basic_crlf),
		cmocka_unit_test(test_csv_quoting_and_rownums),
		cmocka_unit_test(test_csv_bom),
		cmocka_unit_test(test_csv_gb18030),
		cmocka_unit_test(test_csv_gb18030_with_bom),
		cmocka_unit_test(test_csv_not_text),
		cmocka_unit_test(test_csv_ragged_and_trailing),
		cmocka_unit_test(test_csv_empty_rows_keep_numbers),
		cmocka_unit_test(test_csv_stray_quote),
		cmocka_unit_test(test_csv_unterminated),
		cmocka_unit_test(test_csv_caps),
		cmocka_unit_test(test_csv_empty_input),
		cmocka_unit_test(test_xlsx_shared_strings),
		cmocka_unit_test(test_xlsx_inline_strings),
		cmocka_unit_test(test_xlsx_first_sheet_by_rels),
		cmocka_unit_test(test_xlsx_fallback_sheet1),
		cmocka_unit_test(test_xlsx_hostile),
		cmocka_unit_test(test_map_header_aliases),
		cmocka_unit_test(test_map_header_errors),
		cmocka_unit_test(test_split_list),
		cmocka_unit_test(test_text_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
