/* test_bank.c — unit tests of the bank_ module (question-bank/bank*.c): one test per
 * validation rule of SPEC §4.1/§4.2 checking where and message, JSON line numbers, CSV and
 * XLSX column aliases and lenient answers, the same bank from JSON, CSV (UTF-8 BOM), CSV
 * (GB18030) and XLSX, export → parse → equal, and the shipped templates. */
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

#include "bank.h"
#include "diag.h"
#include "err.h"
#include "../diag_check.h"

/* ---- helpers ---------------------------------------------------------------------- */

static const struct bank_meta no_meta = {0};
static const struct bank_meta con_meta = {"constitution", "中华人民共和国宪法", "constitution"};

/* Parses text as fmt; returns the rc, leaves doc and diags for the test. */
static int parse(const char *text, enum bank_format fmt, const char *fname, const struct bank_meta *m,
		 struct bank_doc *doc, struct diag *d)
{
	int rc = bank_parse(text, strlen(text), fname, fmt, m, doc, d);
	print_diags(d);
	return rc;
}

/* Expects exactly one diagnostic with that where and message (substring). */
static void expect_one(const char *text, enum bank_format fmt, const struct bank_meta *m,
		       const char *where, const char *msg)
{
	struct bank_doc doc;
	struct diag d = {0};
	const char *fname = fmt == BANK_FMT_JSON ? "bank.json" : "bank.csv";

	assert_int_equal(parse(text, fmt, fname, m, &doc, &d), LX_ERR_INVALID);
	assert_int_equal(doc.n, 0);
	if (!has_diag(&d, where, msg))
		fail_msg("expected \"%s: …%s…\"", where, msg);
	assert_int_equal(d.total, 1);
	bank_doc_free(&doc);
	diag_free(&d);
}

/* A JSON bank around one question object (the question starts on line 5). */
static char *json_with(const char *question)
{
	const char *head = "{\n"
			   "  \"format\": \"lawexam-bank/1\",\n"
			   "  \"bank\": {\"code\": \"constitution\", \"title\": \"中华人民共和国宪法\", \"subject\": \"constitution\"},\n"
			   "  \"questions\": [\n";
	const char *tail = "\n  ]\n}\n";
	size_t n = strlen(head) + strlen(question) + strlen(tail) + 1;
	char *s = malloc(n);

	snprintf(s, n, "%s%s%s", head, question, tail);
	return s;
}

static void expect_json_q(const char *question, const char *where, const char *msg)
{
	char *s = json_with(question);
	expect_one(s, BANK_FMT_JSON, &no_meta, where, msg);
	free(s);
}

static void expect_csv(const char *text, const char *where, const char *msg)
{
	expect_one(text, BANK_FMT_CSV, &con_meta, where, msg);
}

static void assert_docs_equal(const struct bank_doc *a, const struct bank_doc *b)
{
	assert_string_equal(a->code, b->code);
	assert_string_equal(a->title, b->title);
	assert_string_equal(a->subject, b->subject);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct bank_question *x = &a->questions[i], *y = &b->questions[i];
		assert_string_equal(x->id, y->id);
		assert_int_equal(x->type, y->type);
		assert_string_equal(x->stem, y->stem);
		assert_int_equal(x->n_options, y->n_options);
		for (size_t k = 0; k < x->n_options; k++)
			assert_string_equal(x->options[k], y->options[k]);
		assert_string_equal(x->answer, y->answer);
		assert_string_equal(x->explanation, y->explanation);
		assert_string_equal(x->basis, y->basis);
		assert_int_equal(x->difficulty, y->difficulty);
		assert_int_equal(x->n_tags, y->n_tags);
		for (size_t k = 0; k < x->n_tags; k++)
			assert_string_equal(x->tags[k], y->tags[k]);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* ---- the reference bank in four encodings ----------------------------------------- */

static const char *ref_json =
	"{\n"
	"  \"format\": \"lawexam-bank/1\",\n"
	"  \"bank\": {\"code\": \"constitution\", \"title\": \"中华人民共和国宪法\", \"subject\": \"constitution\"},\n"
	"  \"questions\": [\n"
	"    {\"id\": \"CON-0001\", \"type\": \"single\",\n"
	"     \"stem\": \"中华人民共和国的一切权力属于谁？\",\n"
	"     \"options\": [\"人民\", \"全国人民代表大会\", \"国务院\", \"中国共产党\"],\n"
	"     \"answer\": \"A\",\n"
	"     \"explanation\": \"宪法第二条第一款：中华人民共和国的一切权力属于人民。\",\n"
	"     \"basis\": \"《中华人民共和国宪法》第二条\",\n"
	"     \"difficulty\": 1, \"tags\": [\"国家制度\"]},\n"
	"    {\"id\": \"CON-0002\", \"type\": \"judge\",\n"
	"     \"stem\": \"中华人民共和国实行依法治国，建设社会主义法治国家。\",\n"
	"     \"answer\": \"T\", \"basis\": \"《中华人民共和国宪法》第五条\"},\n"
	"    {\"id\": \"CON-0003\", \"type\": \"multiple\",\n"
	"     \"stem\": \"下列哪些机关由人民代表大会产生，对它负责，受它监督？\",\n"
	"     \"options\": [\"国家行政机关\", \"监察机关\", \"审判机关\", \"检察机关\", \"政党\"],\n"
	"     \"answer\": \"DCBA\", \"difficulty\": 2, \"tags\": [\"国家机构\", \"民主集中制\"]}\n"
	"  ]\n"
	"}\n";

/* The same bank as a table: Chinese headers in another order, lenient answers. */
static const char *ref_csv =
	"题型,编号,题干,选项A,选项B,选项C,选项D,选项E,答案,解析,法条依据,难度,标签\r\n"
	"单选,CON-0001,中华人民共和国的一切权力属于谁？,人民,全国人民代表大会,国务院,中国共产党,,A,宪法第二条第一款：中华人民共和国的一切权力属于人民。,《中华人民共和国宪法》第二条,1,国家制度\r\n"
	"判断,CON-0002,中华人民共和国实行依法治国，建设社会主义法治国家。,,,,,,正确,,《中华人民共和国宪法》第五条,,\r\n"
	"多选,CON-0003,下列哪些机关由人民代表大会产生，对它负责，受它监督？,国家行政机关,监察机关,审判机关,检察机关,政党,\"A, B, C, D\",,,2,国家机构；民主集中制\r\n";

static void check_ref_doc(const struct bank_doc *doc)
{
	assert_string_equal(doc->code, "constitution");
	assert_int_equal(doc->n, 3);
	assert_string_equal(doc->questions[0].id, "CON-0001");
	assert_int_equal(doc->questions[0].type, QT_SINGLE);
	assert_int_equal(doc->questions[0].n_options, 4);
	assert_string_equal(doc->questions[0].answer, "A");
	assert_int_equal(doc->questions[0].difficulty, 1);
	assert_int_equal(doc->questions[1].type, QT_JUDGE);
	assert_int_equal(doc->questions[1].n_options, 0);
	assert_null(doc->questions[1].options);
	assert_string_equal(doc->questions[1].answer, "T");
	assert_int_equal(doc->questions[1].difficulty, 3);
	assert_string_equal(doc->questions[1].explanation, "");
	assert_int_equal(doc->questions[2].type, QT_MULTIPLE);
	assert_string_equal(doc->questions[2].answer, "ABCD"); /* stored sorted */
	assert_int_equal(doc->questions[2].n_tags, 2);
	assert_string_equal(doc->questions[2].tags[1], "民主集中制");
}

static void test_json_valid(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};

	assert_int_equal(parse(ref_json, BANK_FMT_AUTO, "bank.json", &con_meta, &doc, &d), LX_OK);
	check_ref_doc(&doc);
	assert_string_equal(doc.title, "中华人民共和国宪法");
	assert_string_equal(doc.questions[0].where, "bank.json:5");
	assert_string_equal(doc.questions[2].where, "bank.json:15");
	bank_doc_free(&doc);
	diag_free(&d);
}

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

static char *ref_xlsx(size_t *len)
{
	char path[512], line[4096];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	const char *p = ref_csv;
	char *res;
	int row = 0;

	snprintf(path, sizeof path, "%s/test_bank_%ld.xlsx", LAWEXAM_BUILD_DIR, (long)getpid());
	wb = workbook_new(path);
	ws = workbook_add_worksheet(wb, NULL);
	/* the CSV above has no quoted commas except one cell; split it by hand */
	while (*p) {
		const char *e = strstr(p, "\r\n");
		size_t n = (size_t)(e - p);
		int col = 0;
		char *c;

		snprintf(line, sizeof line, "%.*s", (int)n, p);
		for (c = line; c; col++) {
			char *comma;
			if (*c == '"') {
				char *q = strchr(c + 1, '"');
				*q = '\0';
				worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, c + 1, NULL);
				comma = q[1] == ',' ? q + 1 : NULL;
			} else {
				comma = strchr(c, ',');
				if (comma)
					*comma = '\0';
				if (strcmp(c, "1") == 0 || strcmp(c, "2") == 0)
					worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, strtod(c, NULL), NULL);
				else if (*c)
					worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, c, NULL);
			}
			c = comma ? comma + 1 : NULL;
		}
		row++;
		p = e + 2;
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	res = slurp(path, len);
	unlink(path);
	return res;
}

static void test_same_bank_four_ways(void **state)
{
	struct bank_doc dj, dc, dg, dx;
	struct diag d = {0};
	size_t glen, xlen;
	char *bom = malloc(strlen(ref_csv) + 4);
	char *gb = to_gb18030(ref_csv, &glen);
	char *x = ref_xlsx(&xlen);

	memcpy(bom, "\xef\xbb\xbf", 3);
	memcpy(bom + 3, ref_csv, strlen(ref_csv) + 1);
	assert_int_equal(parse(ref_json, BANK_FMT_JSON, "bank.json", &no_meta, &dj, &d), LX_OK);
	assert_int_equal(parse(bom, BANK_FMT_CSV, "bank.csv", &con_meta, &dc, &d), LX_OK);
	assert_int_equal(bank_parse(gb, glen, "bank-gbk.csv", BANK_FMT_AUTO, &con_meta, &dg, &d), LX_OK);
	assert_int_equal(bank_parse(x, xlen, "bank.xlsx", BANK_FMT_AUTO, &con_meta, &dx, &d), LX_OK);
	print_diags(&d);
	check_ref_doc(&dc);
	assert_docs_equal(&dj, &dc);
	assert_docs_equal(&dj, &dg);
	assert_docs_equal(&dj, &dx);
	assert_string_equal(dc.questions[1].where, "bank.csv:ROW 3");
	bank_doc_free(&dj);
	bank_doc_free(&dc);
	bank_doc_free(&dg);
	bank_doc_free(&dx);
	diag_free(&d);
	free(bom);
	free(gb);
	free(x);
}

static void test_export_parse_equal(void **state)
{
	struct bank_doc a, b;
	struct diag d = {0};
	char *out, *out2;

	assert_int_equal(parse(ref_csv, BANK_FMT_CSV, "bank.csv", &con_meta, &a, &d), LX_OK);
	out = bank_export_json(&a);
	assert_non_null(out);
	/* canonical: 2-space indent, UTF-8 unescaped, fields in SPEC order, no judge options */
	assert_non_null(strstr(out, "{\n  \"format\": \"lawexam-bank/1\",\n  \"bank\": {\n    \"code\": \"constitution\""));
	assert_non_null(strstr(out, "\"stem\": \"中华人民共和国的一切权力属于谁？\""));
	assert_null(strstr(out, "\\u"));
	assert_non_null(strstr(out, "\"id\": \"CON-0001\",\n      \"type\": \"single\",\n      \"stem\""));
	assert_non_null(strstr(out, "\"id\": \"CON-0002\",\n      \"type\": \"judge\",\n      \"stem\": \"中华人民共和国实行依法治国，建设社会主义法治国家。\",\n      \"answer\": \"T\""));
	assert_int_equal(parse(out, BANK_FMT_JSON, "export.json", &con_meta, &b, &d), LX_OK);
	assert_docs_equal(&a, &b);
	out2 = bank_export_json(&b);
	assert_string_equal(out, out2); /* a fixed point */
	free(out);
	free(out2);
	bank_doc_free(&a);
	bank_doc_free(&b);
	diag_free(&d);
}

/* ---- JSON rules ------------------------------------------------------------------- */

static void test_json_answer_not_in_options(void **state)
{
	expect_json_q("    {\"id\": \"CON-0002\", \"type\": \"single\", \"stem\": \"题干\",\n"
		      "     \"options\": [\"甲\", \"乙\", \"丙\", \"丁\"],\n"
		      "     \"answer\": \"E\"}",
		      "bank.json:7", "题目 CON-0002：答案 \"E\" 不在选项 A–D 之中");
}

static void test_json_id_rules(void **state)
{
	expect_json_q("{\"id\": \"CON 1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"}",
		      "bank.json:5", "第 1 道题：编号 \"CON 1\" 不合规");
	expect_json_q("{\"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"}", "bank.json:5",
		      "第 1 道题：缺少编号");
	expect_json_q("{\"id\": \"0123456789012345678901234567890123456789012345678901234567890123456789\","
		      " \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"}",
		      "bank.json:5", "不合规");
	expect_json_q("{\"id\": \"A.b_c-9\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"},\n"
		      "{\"id\": \"Q2\", \"type\": \"judge\", \"stem\": \"y\", \"answer\": \"F\"},\n"
		      "{\"type\": \"judge\", \"stem\": \"z\", \"answer\": \"F\",\n"
		      "  \"id\": \"A.b_c-9\"}",
		      "bank.json:8", "编号 \"A.b_c-9\" 重复：bank.json:5 已经用过这个编号");
}

static void test_json_single_one_key(void **state)
{
	expect_json_q("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\", \"options\": [\"a\", \"b\"],\n"
		      "\"answer\": \"AB\"}",
		      "bank.json:6", "题目 Q1：单选题只能有一个答案，现为 \"AB\"");
}

static void test_json_multiple_keys(void **state)
{
	expect_json_q("{\"id\": \"Q1\", \"type\": \"multiple\", \"stem\": \"x\", \"options\": [\"a\", \"b\", \"c\"],"
		      " \"answer\": \"B\"}",
		      "bank.json:5", "题目 Q1：多选题至少要有两个正确选项，现为 \"B\"");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"multiple\", \"stem\": \"x\", \"options\": [\"a\", \"b\", \"c\"],"
		      " \"answer\": \"CAC\"}",
		      "bank.json:5", "答案 \"CAC\" 中字母 C 重复");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"multiple\", \"stem\": \"x\", \"options\": [\"a\", \"b\", \"c\"],"
		      " \"answer\": \"a,c\"}",
		      "bank.json:5", "答案 \"a,c\" 含有无法识别的字符：应为大写选项字母");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"multiple\", \"stem\": \"x\", \"options\": [\"a\", \"b\", \"c\"]}",
		      "bank.json:5", "题目 Q1：缺少答案");
}

static void test_json_judge_rules(void **state)
{
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\",\n"
		      " \"options\": [\"对\", \"错\"], \"answer\": \"T\"}",
		      "bank.json:6", "题目 Q1：判断题不应有选项（现有 2 个）");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"正确\"}", "bank.json:5",
		      "判断题的答案 \"正确\" 无效：应为 \"T\"（正确）或 \"F\"（错误）");
}

static void test_json_option_rules(void **state)
{
	expect_json_q("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\", \"options\": [\"a\"], \"answer\": \"A\"}",
		      "bank.json:5", "单选题至少需要 2 个选项，现只有 1 个");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\", \"answer\": \"A\"}", "bank.json:5",
		      "缺少选项：单选题至少需要 2 个选项");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\","
		      " \"options\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"], \"answer\": \"A\"}",
		      "bank.json:5", "选项最多 8 个（A–H），现有 9 个");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\", \"options\": [\n"
		      "  \"a\",\n"
		      "  \"  \",\n"
		      "  \"c\"], \"answer\": \"A\"}",
		      "bank.json:7", "题目 Q1：选项 B 为空");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\", \"options\": [\n"
		      "  \"人民\",\n"
		      "  \"国务院\",\n"
		      "  \"人民 \"], \"answer\": \"A\"}",
		      "bank.json:8", "题目 Q1：选项 C 与选项 A 相同：\"人民 \"");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\", \"options\": [\"a\", 2], \"answer\": \"A\"}",
		      "bank.json:5", "\"options\" 的第 2 项应为字符串，现为整数");
}

static void test_json_unknown_and_types(void **state)
{
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\",\n"
		      "  \"anwser\": \"T\"}",
		      "bank.json:6", "题目 Q1：未知字段 \"anwser\"（是不是 \"answer\"？）");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\", \"zzzzzz\": 1}",
		      "bank.json:5", "未知字段 \"zzzzzz\"（可用字段：id, type, stem");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"choice\", \"stem\": \"x\", \"answer\": \"T\"}", "bank.json:5",
		      "题型 \"choice\" 无法识别");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \" \", \"answer\": \"T\"}", "bank.json:5",
		      "题目 Q1：题干为空");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"a\\u0007b\", \"answer\": \"T\"}",
		      "bank.json:5", "题干含有不可见的控制字符 U+0007");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": 5, \"answer\": \"T\"}", "bank.json:5",
		      "\"stem\"（题干）应为字符串，现为整数");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\", \"tags\": \"a\"}",
		      "bank.json:5", "\"tags\"（标签）应为字符串数组");
	expect_json_q("[1]", "bank.json:5", "第 1 道题应为对象");
}

static void test_json_difficulty(void **state)
{
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\",\n \"difficulty\": 7}",
		      "bank.json:6", "题目 Q1：难度 7 超出范围：应为 1 到 5 的整数");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\", \"difficulty\": \"3\"}",
		      "bank.json:5", "\"difficulty\"（难度）应为 1 到 5 的整数，现为字符串");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\", \"difficulty\": 3.0}",
		      "bank.json:5", "现为小数");
}

static void test_json_tags(void **state)
{
	char *s = json_with("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\","
			    " \"tags\": [\"宪法\", \"宪法\", \"总纲\"]}");
	struct bank_doc doc;
	struct diag d = {0};

	assert_int_equal(parse(s, BANK_FMT_JSON, "bank.json", &no_meta, &doc, &d), LX_OK);
	assert_int_equal(doc.questions[0].n_tags, 2); /* repeated tags kept once */
	bank_doc_free(&doc);
	diag_free(&d);
	free(s);
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\", \"tags\": [\n"
		      "\"a\",\n \"宪法,总纲\"]}",
		      "bank.json:7", "标签 \"宪法,总纲\" 含有分隔符");
	expect_json_q("{\"id\": \"Q1\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\", \"tags\": [\"\"]}",
		      "bank.json:5", "第 1 个标签为空");
}

static void test_json_bank_rules(void **state)
{
	expect_one("{\"format\": \"lawexam-bank/2\", \"bank\": {\"code\": \"c\", \"title\": \"t\", \"subject\": \"s\"},"
		   " \"questions\": [{\"id\": \"Q\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"}]}",
		   BANK_FMT_JSON, &no_meta, "bank.json:1", "\"format\" 应为 \"lawexam-bank/1\"，现为 \"lawexam-bank/2\"");
	expect_one("{\"format\": \"lawexam-bank/1\",\n \"bank\": {\"code\": \"Con\", \"title\": \"t\", \"subject\": \"s\"},"
		   " \"questions\": [{\"id\": \"Q\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"}]}",
		   BANK_FMT_JSON, &no_meta, "bank.json:2", "题库代码 \"Con\" 不合规");
	expect_one("{\"format\": \"lawexam-bank/1\", \"bank\": {\"code\": \"c\", \"title\": \"\", \"subject\": \"s\"},"
		   " \"questions\": [{\"id\": \"Q\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"}]}",
		   BANK_FMT_JSON, &no_meta, "bank.json:1", "题库名称为空");
	expect_one("{\"format\": \"lawexam-bank/1\", \"bank\": {\"code\": \"c\", \"title\": \"t\"},"
		   " \"questions\": [{\"id\": \"Q\", \"type\": \"judge\", \"stem\": \"x\", \"answer\": \"T\"}]}",
		   BANK_FMT_JSON, &no_meta, "bank.json:1", "缺少 \"subject\" 字段（科目）");
	expect_one("{\"format\": \"lawexam-bank/1\", \"bank\": {\"code\": \"c\", \"title\": \"t\", \"subject\": \"s\"},\n"
		   " \"questions\": []}",
		   BANK_FMT_JSON, &no_meta, "bank.json:2", "题库中没有任何题目");
	expect_one("{\"format\": \"lawexam-bank/1\", \"bank\": {\"code\": \"c\", \"title\": \"t\", \"subject\": \"s\"}}",
		   BANK_FMT_JSON, &no_meta, "bank.json:1", "缺少 \"questions\" 字段");
	expect_one("{\"format\": \"lawexam-bank/1\", \"bank\": {\"code\": \"c\", \"title\": \"t\", \"subject\": \"s\"},\n"
		   " \"question\": []}",
		   BANK_FMT_JSON, &no_meta, "bank.json:2", "未知字段 \"question\"（是不是 \"questions\"？）");
	expect_one("[]", BANK_FMT_JSON, &no_meta, "bank.json:1", "最外层应为对象");
}

static void test_json_meta_mismatch(void **state)
{
	struct bank_meta m = {"civil-code", NULL, NULL};
	expect_one(ref_json, BANK_FMT_JSON, &m, "bank.json:3",
		   "导入时指定的题库代码 \"civil-code\" 与文件中的 \"constitution\" 不一致");
}

static void test_json_syntax(void **state)
{
	expect_one("{\n  \"format\": \"lawexam-bank/1\"\n  \"bank\": {}\n}\n", BANK_FMT_JSON, &no_meta, "bank.json:3",
		   "缺少逗号或 }");
	expect_one("{\"format\": \"a\",\n \"format\": \"b\"}", BANK_FMT_JSON, &no_meta, "bank.json:2",
		   "同一个对象里有重复的字段");
	expect_one("{\"format\": \"\xff\"}", BANK_FMT_JSON, &no_meta, "bank.json:1", "不是有效的 UTF-8");
	expect_one("", BANK_FMT_JSON, &no_meta, "bank.json:1", "JSON 语法错误：文件开头应为 {");
	expect_one("{\"format\": \"lawexam-bank/1\",\n}", BANK_FMT_JSON, &no_meta, "bank.json:2",
		   "JSON 语法错误：多余的逗号或缺少字段名");
	expect_one("{\"format\": [1,\n2", BANK_FMT_JSON, &no_meta, "bank.json:2",
		   "JSON 语法错误：文件不完整：括号或引号没有闭合");
	expect_one("{\"format\": \"a\nb\"}", BANK_FMT_JSON, &no_meta, "bank.json:1",
		   "字符串中间不能直接换行");
}

static void test_json_depth(void **state)
{
	char s[200];
	size_t n = 0;

	s[n++] = '{';
	memcpy(s + n, "\"x\":", 4);
	n += 4;
	for (int i = 0; i < 40; i++)
		s[n++] = '[';
	s[n] = '\0';
	expect_one(s, BANK_FMT_JSON, &no_meta, "bank.json:1", "JSON 嵌套超过 32 层");
}

static void test_json_too_many_values(void **state)
{
	size_t n = 2 * 1000 * 1000 + 32, k = 0;
	char *s = malloc(n + 8);

	k += (size_t)snprintf(s, n, "{\"format\":\n[");
	while (k + 3 < n) {
		s[k++] = '1';
		s[k++] = ',';
	}
	s[k++] = '1';
	s[k++] = ']';
	s[k++] = '}';
	s[k] = '\0';
	expect_one(s, BANK_FMT_JSON, &no_meta, "bank.json:2", "JSON 中的值超过 1000000 个");
	free(s);
}

static void test_json_collects_all(void **state)
{
	char *s = json_with("{\"id\": \"Q1\", \"type\": \"single\", \"stem\": \"x\", \"options\": [\"a\", \"b\"],\n"
			    " \"answer\": \"C\"},\n"
			    "{\"id\": \"Q2\", \"type\": \"judge\", \"stem\": \"\", \"answer\": \"T\"},\n"
			    "{\"id\": \"Q3\", \"type\": \"multiple\", \"stem\": \"x\", \"options\": [\"a\", \"b\"],\n"
			    " \"answer\": \"A\", \"difficulty\": 0}");
	struct bank_doc doc;
	struct diag d = {0};

	assert_int_equal(parse(s, BANK_FMT_JSON, "bank.json", &no_meta, &doc, &d), LX_ERR_INVALID);
	assert_int_equal(d.total, 4);
	assert_true(has_diag(&d, "bank.json:6", "题目 Q1：答案 \"C\" 不在选项 A–B 之中"));
	assert_true(has_diag(&d, "bank.json:7", "题目 Q2：题干为空"));
	assert_true(has_diag(&d, "bank.json:9", "题目 Q3：多选题至少要有两个正确选项"));
	assert_true(has_diag(&d, "bank.json:9", "题目 Q3：难度 0 超出范围"));
	bank_doc_free(&doc);
	diag_free(&d);
	free(s);
}

/* ---- tables ----------------------------------------------------------------------- */

static void test_csv_aliases_and_lenient(void **state)
{
	const char *text =
		"ANSWER, Type ,id,stem,option_a,option_b,option_c,Tags,difficulty,basis,explanation\n"
		"\"a c\",multiple,M1,x,p,q,r,\"t1, t2 ;t3\",5,,\n"
		"ＢＣ,多选题,M2,x,p,q,r,,,,\n"
		"√,判断,J1,x,,,,,,,\n"
		"×,judge,J2,x,,,,,,,\n"
		"错,判断,J3,x,,,,,,,\n"
		"true,判断,J4,x,,,,,,,\n"
		"f,判断,J5,x,,,,,,,\n"
		" b ,single,S1,\"  多行\r\n题干  \",p,q,,,,,\n";
	struct bank_doc doc;
	struct diag d = {0};

	assert_int_equal(parse(text, BANK_FMT_CSV, "b.csv", &con_meta, &doc, &d), LX_OK);
	assert_int_equal(doc.n, 8);
	assert_string_equal(doc.questions[0].answer, "AC");
	assert_int_equal(doc.questions[0].difficulty, 5);
	assert_int_equal(doc.questions[0].n_tags, 3);
	assert_string_equal(doc.questions[0].tags[2], "t3");
	assert_string_equal(doc.questions[1].answer, "BC");
	assert_string_equal(doc.questions[2].answer, "T");
	assert_string_equal(doc.questions[3].answer, "F");
	assert_string_equal(doc.questions[4].answer, "F");
	assert_string_equal(doc.questions[5].answer, "T");
	assert_string_equal(doc.questions[6].answer, "F");
	assert_string_equal(doc.questions[7].answer, "B");
	assert_string_equal(doc.questions[7].stem, "多行\n题干");
	assert_string_equal(doc.questions[7].where, "b.csv:ROW 9");
	bank_doc_free(&doc);
	diag_free(&d);
}

static const char *csv_head = "编号,题型,题干,选项A,选项B,选项C,选项D,答案,难度\n";

static char *csv_with(const char *rows)
{
	size_t n = strlen(csv_head) + strlen(rows) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%s%s", csv_head, rows);
	return s;
}

static void expect_csv_rows(const char *rows, const char *where, const char *msg)
{
	char *s = csv_with(rows);
	expect_csv(s, where, msg);
	free(s);
}

static void test_csv_rules(void **state)
{
	expect_csv_rows("Q1,单选,x,甲,乙,丙,丁,E,\n", "bank.csv:ROW 2: column 答案",
			"题目 Q1：答案 \"E\" 不在选项 A–D 之中");
	expect_csv_rows("Q1,单选,x,甲,,丙,,A,\n", "bank.csv:ROW 2: column 选项B",
			"题目 Q1：选项 B 为空，但后面的选项 C 有内容");
	expect_csv_rows("Q1,判断,x,对,错,,,对,\n", "bank.csv:ROW 2: column 选项A",
			"题目 Q1：判断题不应有选项（现有 2 个）");
	expect_csv_rows("Q1,判断,x,,,,,是的,\n", "bank.csv:ROW 2: column 答案",
			"判断题的答案 \"是的\" 无法识别：应为 正确/错误、对/错、√/×、T/F 之一");
	expect_csv_rows("Q1,选择,x,a,b,,,A,\n", "bank.csv:ROW 2: column 题型", "题型 \"选择\" 无法识别");
	expect_csv_rows("Q1,单选,x,a,b,,,A,六\n", "bank.csv:ROW 2: column 难度",
			"难度 \"六\" 无效：应为 1 到 5 的整数（留空表示 3）");
	expect_csv_rows(",单选,x,a,b,,,A,\n", "bank.csv:ROW 2: column 编号", "缺少编号");
	expect_csv_rows("Q1,单选,,a,b,,,A,\n", "bank.csv:ROW 2: column 题干", "题目 Q1：题干为空");
	expect_csv_rows("Q1,单选,x,a,a,,,A,\n", "bank.csv:ROW 2: column 选项B", "选项 B 与选项 A 相同");
	expect_csv_rows("Q1,单选,x,a,,,,A,\n", "bank.csv:ROW 2: column 选项A", "单选题至少需要 2 个选项，现只有 1 个");
	expect_csv_rows("Q1,多选,x,a,b,c,,A、Ｃ、x,\n", "bank.csv:ROW 2: column 答案", "题目 Q1：答案 \"A、Ｃ、x\" 不在选项 A–C 之中");
	expect_csv_rows("Q1,多选,x,a,b,c,,A、C、?,\n", "bank.csv:ROW 2: column 答案", "含有无法识别的字符");
	/* row numbers after a quoted multi-line stem and an empty line */
	expect_csv_rows("Q1,单选,\"第一行\n第二行\",a,b,,,A,\n\nQ1,单选,y,a,b,,,B,\n", "bank.csv:ROW 4: column 编号",
			"编号 \"Q1\" 重复：bank.csv:ROW 2 已经用过这个编号");
}

static void test_csv_header_and_meta(void **state)
{
	expect_one("编号,题型,题干,答案\nQ1,判断,x,T\n", BANK_FMT_CSV, &no_meta, "bank.csv", "请指定题库代码");
	expect_csv("编号,题干,答案\nQ1,x,T\n", "bank.csv:ROW 1", "缺少必需的列“题型”（也可写作 type）");
	expect_csv("编号,题型,题干,答案,选项I\nQ1,判断,x,T,\n", "bank.csv:ROW 1: column E", "未知的列名 \"选项I\"");
	expect_csv("编号,题型,题干,答案\n", "bank.csv", "文件中没有题目");
	expect_one("编号,题型,题干,答案\nQ1,判断,x,T\n", BANK_FMT_CSV,
		   &(struct bank_meta){"Bad Code", NULL, NULL}, "bank.csv", "题库代码 \"Bad Code\" 不合规");
}

static void test_csv_table_errors_pass_through(void **state)
{
	expect_csv("编号,题型,题干,答案\nQ1,判断,\"x,T\n", "bank.csv:ROW 2", "没有对应的结束引号");
}

static char *alias_xlsx(int with_bad_row, size_t *len)
{
	char path[512];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	char *x;
	const char *head[] = {"ID", "type", "stem", "option_a", "option_b", "answer", "difficulty", "tags", "依据"};

	snprintf(path, sizeof path, "%s/test_bank_alias_%ld.xlsx", LAWEXAM_BUILD_DIR, (long)getpid());
	wb = workbook_new(path);
	ws = workbook_add_worksheet(wb, NULL);
	for (int i = 0; i < 9; i++)
		worksheet_write_string(ws, 0, (lxw_col_t)i, head[i], NULL);
	worksheet_write_number(ws, 1, 0, 1001, NULL);
	worksheet_write_string(ws, 1, 1, "单选", NULL);
	worksheet_write_string(ws, 1, 2, "宪法是国家的根本法。下列说法正确的是？", NULL);
	worksheet_write_string(ws, 1, 3, "宪法具有最高的法律效力", NULL);
	worksheet_write_string(ws, 1, 4, "宪法可以随意修改", NULL);
	worksheet_write_string(ws, 1, 5, "a", NULL);
	worksheet_write_number(ws, 1, 6, 2, NULL);
	worksheet_write_string(ws, 1, 7, "宪法地位，序言", NULL);
	worksheet_write_string(ws, 2, 0, "1002", NULL);
	worksheet_write_string(ws, 2, 1, "判断", NULL);
	worksheet_write_string(ws, 2, 2, "x", NULL);
	worksheet_write_boolean(ws, 2, 5, 0, NULL);
	if (with_bad_row) {
		worksheet_write_string(ws, 3, 0, "1003", NULL);
		worksheet_write_string(ws, 3, 1, "单选", NULL);
		worksheet_write_string(ws, 3, 2, "x", NULL);
		worksheet_write_string(ws, 3, 3, "p", NULL);
		worksheet_write_string(ws, 3, 4, "q", NULL);
		worksheet_write_string(ws, 3, 5, "C", NULL);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	x = slurp(path, len);
	unlink(path);
	return x;
}

static void test_xlsx_aliases(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	size_t len;
	char *x = alias_xlsx(0, &len);

	assert_int_equal(bank_parse(x, len, "b.xlsx", BANK_FMT_XLSX, &con_meta, &doc, &d), LX_OK);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.questions[0].id, "1001"); /* a number cell, as Excel shows it */
	assert_string_equal(doc.questions[0].answer, "A");
	assert_int_equal(doc.questions[0].difficulty, 2);
	assert_int_equal(doc.questions[0].n_tags, 2);
	assert_string_equal(doc.questions[0].tags[1], "序言");
	assert_string_equal(doc.questions[1].answer, "F"); /* a FALSE boolean cell */
	assert_string_equal(doc.questions[1].where, "b.xlsx:ROW 3");
	bank_doc_free(&doc);
	free(x);

	x = alias_xlsx(1, &len);
	assert_int_equal(bank_parse(x, len, "b.xlsx", BANK_FMT_XLSX, &con_meta, &doc, &d), LX_ERR_INVALID);
	print_diags(&d);
	assert_int_equal(d.total, 1);
	assert_true(has_diag(&d, "b.xlsx:ROW 4: column answer", "题目 1003：答案 \"C\" 不在选项 A–B 之中"));
	diag_free(&d);
	bank_doc_free(&doc);
	free(x);
}

static void test_templates(void **state)
{
	char path[512];
	struct bank_doc a, b;
	struct diag d = {0};
	size_t la, lb;
	char *ca, *cb;
	struct bank_meta m = {"constitution-sample", "宪法样例", "constitution"};

	snprintf(path, sizeof path, "%s/question-bank/templates/bank-template.csv", LAWEXAM_SOURCE_DIR);
	ca = slurp(path, &la);
	snprintf(path, sizeof path, "%s/question-bank/templates/bank-template.xlsx", LAWEXAM_SOURCE_DIR);
	cb = slurp(path, &lb);
	if (!ca || !cb) {
		free(ca);
		free(cb);
		skip();
	}
	assert_memory_equal(ca, "\xef\xbb\xbf", 3);
	assert_int_equal(bank_parse(ca, la, "bank-template.csv", BANK_FMT_AUTO, &m, &a, &d), LX_OK);
	assert_int_equal(bank_parse(cb, lb, "bank-template.xlsx", BANK_FMT_AUTO, &m, &b, &d), LX_OK);
	print_diags(&d);
	assert_true(a.n >= 3);
	assert_docs_equal(&a, &b);
	bank_doc_free(&a);
	bank_doc_free(&b);
	diag_free(&d);
	free(ca);
	free(cb);
}

static void test_types_and_formats(void **state)
{
	enum q_type t;
	enum bank_format f;

	assert_int_equal(qtype_parse("单选", &t), LX_OK);
	assert_int_equal(t, QT_SINGLE);
	assert_int_equal(qtype_parse(" Multiple ", &t), LX_OK);
	assert_int_equal(t, QT_MULTIPLE);
	assert_int_equal(qtype_parse("判断题", &t), LX_OK);
	assert_int_equal(t, QT_JUDGE);
	assert_int_equal(qtype_parse("填空", &t), LX_ERR_INVALID);
	assert_string_equal(qtype_name(QT_JUDGE), "judge");
	assert_string_equal(qtype_name_zh(QT_MULTIPLE), "多选");
	assert_int_equal(bank_format_parse("XLSX", &f), LX_OK);
	assert_int_equal(f, BANK_FMT_XLSX);
	assert_int_equal(bank_format_parse("xls", &f), LX_ERR_INVALID);
	assert_int_equal(bank_format_guess("a.JSON", "", 0), BANK_FMT_JSON);
	assert_int_equal(bank_format_guess("upload", "PK\x03\x04", 4), BANK_FMT_XLSX);
	assert_int_equal(bank_format_guess("upload", "\xef\xbb\xbf \n{", 6), BANK_FMT_JSON);
	assert_int_equal(bank_format_guess(NULL, "编号,题型", 13), BANK_FMT_CSV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_valid),
		cmocka_unit_test(test_same_bank_four_ways),
		cmocka_unit_test(test_export_parse_equal),
		cmocka_unit_test(test_json_answer_not_in_options),
		cmocka_unit_test(test_json_id_rules),
		cmocka_unit_test(test_json_single_one_key),
		cmocka_unit_test(test_json_multiple_keys),
		cmocka_unit_test(test_json_judge_rules),
		cmocka_unit_test(test_json_option_rules),
		cmocka_unit_test(test_json_unknown_and_types),
		cmocka_unit_test(test_json_difficulty),
		cmocka_unit_test(test_json_tags),
		cmocka_unit_test(test_json_bank_rules),
		cmocka_unit_test(test_json_meta_mismatch),
		cmocka_unit_test(test_json_syntax),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_json_too_many_values),
		cmocka_unit_test(test_json_collects_all),
		cmocka_unit_test(test_csv_aliases_and_lenient),
		cmocka_unit_test(test_csv_rules),
		cmocka_unit_test(test_csv_header_and_meta),
		cmocka_unit_test(test_csv_table_errors_pass_through),
		cmocka_unit_test(test_xlsx_aliases),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_types_and_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
