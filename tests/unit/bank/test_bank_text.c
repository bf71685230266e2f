/* test_bank_text.c — unit tests of the text reader (question-bank/bank_text.c, SPEC §4.5):
 * one test per recognition rule with an input that follows it and one that breaks it,
 * the errors (FILE:LINE with the line quoted, all at once, nothing kept), encodings
 * (BOM, GB18030), the notes (generated ids, title lines) and format guessing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "diag.h"
#include "err.h"
#include "../diag_check.h"

static const struct bank_meta con = {"con", "宪法", "constitution"};

static int parse_txt(const char *text, struct bank_doc *doc, struct diag *d)
{
	int rc = bank_parse(text, strlen(text), "q.txt", BANK_FMT_TXT, &con, doc, d);
	print_diags(d);
	return rc;
}

/* Parses text that must be read; returns the doc (caller frees). */
static struct bank_doc ok_doc(const char *text)
{
	struct bank_doc doc;
	struct diag d = {0};

	assert_int_equal(parse_txt(text, &doc, &d), LX_OK);
	assert_int_equal(d.total, 0);
	diag_free(&d);
	return doc;
}

/* Expects failure with a diagnostic at where whose message holds part (and the quote). */
static void expect_err(const char *text, const char *where, const char *part, const char *quote)
{
	struct bank_doc doc;
	struct diag d = {0};

	assert_int_equal(parse_txt(text, &doc, &d), LX_ERR_INVALID);
	assert_int_equal(doc.n, 0);
	if (!has_diag(&d, where, part))
		fail_msg("expected \"%s: …%s…\"", where, part);
	if (quote && !has_diag(&d, where, quote))
		fail_msg("expected the line quoted: \"%s\"", quote);
	bank_doc_free(&doc);
	diag_free(&d);
}

static const struct bank_question *qn(const struct bank_doc *doc, size_t i)
{
	assert_true(i < doc->n);
	return &doc->questions[i];
}

/* ---- the SPEC example --------------------------------------------------------------- */

static const char spec_example[] =
	"一、单选题\n"
	"1. 根据宪法，中华人民共和国的根本制度是（　）。\n"
	"A. 人民代表大会制度\n"
	"B．社会主义制度\n"
	"C、民族区域自治制度\n"
	"D) 基层群众自治制度\n"
	"答案：B\n"
	"解析：宪法第一条第二款。\n"
	"依据：《中华人民共和国宪法》第一条第二款\n"
	"难度：2\n"
	"标签：宪法；总纲\n"
	"编号：CON-T001\n"
	"2. 我国的根本大法是（ A ）。\n"
	"A. 宪法  B. 刑法  C. 民法典  D. 立法法\n"
	"三、判断题\n"
	"3. 宪法是国家的根本法。（ √ ）\n";

static void test_spec_example(void **state)
{
	struct bank_doc doc = ok_doc(spec_example);
	const struct bank_question *q;

	assert_int_equal(doc.n, 3);
	q = qn(&doc, 0);
	assert_string_equal(q->id, "CON-T001");
	assert_int_equal(q->type, QT_SINGLE);
	assert_string_equal(q->stem, "根据宪法，中华人民共和国的根本制度是（　）。");
	assert_int_equal(q->n_options, 4);
	assert_string_equal(q->options[1], "社会主义制度");
	assert_string_equal(q->options[3], "基层群众自治制度");
	assert_string_equal(q->answer, "B");
	assert_string_equal(q->explanation, "宪法第一条第二款。");
	assert_string_equal(q->basis, "《中华人民共和国宪法》第一条第二款");
	assert_int_equal(q->difficulty, 2);
	assert_int_equal(q->n_tags, 2);
	assert_string_equal(q->tags[1], "总纲");
	assert_string_equal(q->where, "q.txt:2");
	q = qn(&doc, 1);
	assert_string_equal(q->id, "con-2");
	assert_string_equal(q->stem, "我国的根本大法是（　）。");
	assert_int_equal(q->n_options, 4);
	assert_string_equal(q->options[2], "民法典");
	assert_string_equal(q->answer, "A");
	q = qn(&doc, 2);
	assert_string_equal(q->id, "con-3");
	assert_int_equal(q->type, QT_JUDGE);
	assert_string_equal(q->stem, "宪法是国家的根本法。（　）");
	assert_string_equal(q->answer, "T");
	/* the note says how the ids were made */
	assert_true(has_diag(&doc.notes, "q.txt:13", "编号按题号生成：con-2 … con-3"));
	bank_doc_free(&doc);
}

/* ---- headings ----------------------------------------------------------------------- */

static void test_headings(void **state)
{
	/* every accepted heading form sets the type, even against what the key suggests */
	static const char *const heads[] = {"单选题", "一、单选题", "二．单选题（每题 2 分）", "【单选题】",
					    "（一）单项选择题", "三、【单选题】：共 10 题"};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		char text[512];
		struct bank_doc doc;
		snprintf(text, sizeof text, "%s\n1. 题干\nA. 甲\nB. 乙\n答案：A\n", heads[i]);
		doc = ok_doc(text);
		assert_int_equal(qn(&doc, 0)->type, QT_SINGLE);
		bank_doc_free(&doc);
	}
	{
		struct bank_doc doc = ok_doc("【多选题】\n1. 题干\nA. 甲\nB. 乙\nC. 丙\n答案：AC\n"
					     "判断题\n2. 对吗\n答案：错\n");
		assert_int_equal(qn(&doc, 0)->type, QT_MULTIPLE);
		assert_string_equal(qn(&doc, 0)->answer, "AC");
		assert_int_equal(qn(&doc, 1)->type, QT_JUDGE);
		assert_string_equal(qn(&doc, 1)->answer, "F");
		bank_doc_free(&doc);
	}
	/* failing: under a 单选题 heading, two keys are an error (not silently multiple) */
	expect_err("一、单选题\n1. 题干\nA. 甲\nB. 乙\n答案：AB\n", "q.txt:5", "单选题只能有一个答案",
		   "答案：AB");
	/* "单选题说明" is not a heading: it is read as a title line before the first question */
	{
		struct bank_doc doc = ok_doc("单选题说明如下\n1. 题干\nA. 甲\nB. 乙\n答案：A\n");
		assert_int_equal(doc.n, 1);
		assert_true(has_diag(&doc.notes, "q.txt:1", "当作标题"));
		bank_doc_free(&doc);
	}
}

static void test_type_from_key(void **state)
{
	struct bank_doc doc = ok_doc("1. 单选\nA. 甲\nB. 乙\n答案：B\n"
				     "2. 多选\nA. 甲\nB. 乙\nC. 丙\n答案：A、C\n"
				     "3. 判断\n答案：正确\n"
				     "4. 判断二（×）\n");
	assert_int_equal(qn(&doc, 0)->type, QT_SINGLE);
	assert_int_equal(qn(&doc, 1)->type, QT_MULTIPLE);
	assert_string_equal(qn(&doc, 1)->answer, "AC");
	assert_int_equal(qn(&doc, 2)->type, QT_JUDGE);
	assert_string_equal(qn(&doc, 2)->answer, "T");
	assert_int_equal(qn(&doc, 3)->type, QT_JUDGE);
	assert_string_equal(qn(&doc, 3)->answer, "F");
	assert_string_equal(qn(&doc, 3)->stem, "判断二（　）");
	bank_doc_free(&doc);
	/* failing: a judge key for a question with options */
	expect_err("1. 题干\nA. 甲\nB. 乙\n答案：对\n", "q.txt:2", "判断题不应有选项", "A. 甲");
}

/* ---- question starts ---------------------------------------------------------------- */

static void test_question_numbers(void **state)
{
	struct bank_doc doc = ok_doc("1. 甲题\n答案：对\n2、乙题\n答案：错\n3．丙题\n答案：√\n（4）丁题\n答案：×\n"
				     "(5) 戊题\n答案：对\n６．全角题号\n答案：对\n");
	assert_int_equal(doc.n, 6);
	assert_string_equal(qn(&doc, 1)->stem, "乙题");
	assert_string_equal(qn(&doc, 3)->stem, "丁题");
	assert_string_equal(qn(&doc, 3)->id, "con-4");
	assert_string_equal(qn(&doc, 5)->id, "con-6");
	bank_doc_free(&doc);
	/* "2024.1.1" is not a question number: the line continues the stem */
	doc = ok_doc("1. 本法自\n2024.1.1起施行。\n答案：对\n");
	assert_int_equal(doc.n, 1);
	assert_string_equal(qn(&doc, 0)->stem, "本法自\n2024.1.1起施行。");
	bank_doc_free(&doc);
	/* failing: a line that is neither, after an 答案 line */
	expect_err("1. 题干\n答案：对\n这行不知道是什么\n2. 题\n答案：错\n", "q.txt:3", "无法识别这一行",
		   "这行不知道是什么");
}

static void test_missing_number(void **state)
{
	/* a question whose number was left out joins the one before: two keys in one stem is an
	 * error, and the gap in the numbers is a note */
	struct bank_doc doc = ok_doc("1. 甲（√）\n2. 乙（×）\n4. 丁（√）\n");
	assert_true(has_diag(&doc.notes, "q.txt:3", "题号从 2 跳到 4"));
	bank_doc_free(&doc);
	expect_err("判断题\n1. 甲（√）\n2. 乙（×）\n3 丙（√）\n4. 丁（√）\n", "q.txt:3", "题干里有 2 处答案括号",
		   "2. 乙（×）");
}

static void test_numbers_restart(void **state)
{
	/* numbering restarts in each section: the ids follow the order instead */
	struct bank_doc doc = ok_doc("一、单选题\n1. 甲\nA. 一\nB. 二\n答案：A\n二、判断题\n1. 乙\n答案：对\n");
	assert_string_equal(qn(&doc, 0)->id, "con-1");
	assert_string_equal(qn(&doc, 1)->id, "con-2");
	assert_true(has_diag(&doc.notes, "q.txt:2", "编号按题目顺序生成"));
	bank_doc_free(&doc);
}

/* ---- options ------------------------------------------------------------------------ */

static void test_option_markers(void **state)
{
	struct bank_doc doc = ok_doc("1. 题\nA. 一\nB．二\nC、三\nD) 四\nE）五\nＦ．六\n答案：F\n");
	assert_int_equal(qn(&doc, 0)->n_options, 6);
	assert_string_equal(qn(&doc, 0)->options[4], "五");
	assert_string_equal(qn(&doc, 0)->options[5], "六");
	bank_doc_free(&doc);
	/* several on one line, with ideographic spaces and tabs */
	doc = ok_doc("1. 题\nA. 宪法  B. 刑法\u3000C. 民法典\tD. 立法法\n答案：D\n");
	assert_int_equal(qn(&doc, 0)->n_options, 4);
	assert_string_equal(qn(&doc, 0)->options[0], "宪法");
	assert_string_equal(qn(&doc, 0)->options[3], "立法法");
	bank_doc_free(&doc);
	/* "A.B. 两个字母" inside an option does not split it (no space before B.) */
	doc = ok_doc("1. 题\nA. 见A.B.条\nB. 乙\n答案：A\n");
	assert_string_equal(qn(&doc, 0)->options[0], "见A.B.条");
	bank_doc_free(&doc);
}

static void test_option_skips_letter(void **state)
{
	expect_err("1. 题\nA. 一\nB. 二\nD. 四\n答案：A\n", "q.txt:4", "选项跳过了字母 C", "D. 四");
	expect_err("1. 题\nB. 二\nC. 三\n答案：B\n", "q.txt:2", "选项应从 A 开始", "B. 二");
	expect_err("1. 题\nA. 一\nB. 二\nA. 又一\n答案：A\n", "q.txt:4", "选项 A 出现了两次", "A. 又一");
}

/* ---- keys --------------------------------------------------------------------------- */

static void test_key_in_brackets(void **state)
{
	struct bank_doc doc = ok_doc("1. 根本大法是( B )。\nA. 刑法\nB. 宪法\n"
				     "2. 下列哪些是（ A C ）\nA. 甲\nB. 乙\nC. 丙\n"
				     "3. 国家的根本法（对）\n");
	assert_string_equal(qn(&doc, 0)->answer, "B");
	assert_string_equal(qn(&doc, 0)->stem, "根本大法是（　）。");
	assert_int_equal(qn(&doc, 1)->type, QT_MULTIPLE);
	assert_string_equal(qn(&doc, 1)->answer, "AC");
	assert_string_equal(qn(&doc, 2)->answer, "T");
	bank_doc_free(&doc);
	/* the answer line and the brackets agree: fine, brackets emptied */
	doc = ok_doc("1. 根本大法是（B）。\nA. 刑法\nB. 宪法\n答案：B\n");
	assert_string_equal(qn(&doc, 0)->stem, "根本大法是（　）。");
	bank_doc_free(&doc);
	/* failing: they disagree */
	expect_err("1. 根本大法是（B）。\nA. 刑法\nB. 宪法\n答案：A\n", "q.txt:4",
		   "答案行是“A”，题干括号里却是“B”", "答案：A");
	/* brackets that hold words are not a key */
	doc = ok_doc("1. 依照（宪法）规定\nA. 甲\nB. 乙\n答案：A\n");
	assert_string_equal(qn(&doc, 0)->stem, "依照（宪法）规定");
	bank_doc_free(&doc);
}

static void test_missing_key(void **state)
{
	expect_err("1. 题干（　）\nA. 甲\nB. 乙\n", "q.txt:1", "缺少答案", "1. 题干");
}

static void test_key_without_option(void **state)
{
	expect_err("1. 题\nA. 甲\nB. 乙\n答案：E\n", "q.txt:4", "不在选项 A–B 之中", "答案：E");
}

static void test_two_keys(void **state)
{
	expect_err("一、单选题\n1. 题（AB）\nA. 甲\nB. 乙\n", "q.txt:2", "单选题只能有一个答案", "1. 题");
	expect_err("1. 题\nA. 甲\nB. 乙\n答案：A\n答案：B\n", "q.txt:5", "同一道题有两行“答案：”", "答案：B");
}

/* ---- field lines -------------------------------------------------------------------- */

static void test_field_lines_ok(void **state)
{
	struct bank_doc doc = ok_doc("1. 题\nA. 甲\nB. 乙\n答案:A\n解析: 半角冒号。\n第二行解析。\n依据 ：宪法\n难度：5\n"
				     "标签：甲,乙；丙\n编号: X-1\n2. 题二\nA. 甲\nB. 乙\n【答案】B\n答案解析：乙。\n"
				     "法条依据：刑法\n");
	const struct bank_question *q = qn(&doc, 0);
	assert_string_equal(q->answer, "A");
	assert_string_equal(q->explanation, "半角冒号。\n第二行解析。");
	assert_string_equal(q->basis, "宪法");
	assert_int_equal(q->difficulty, 5);
	assert_int_equal(q->n_tags, 3);
	assert_string_equal(q->id, "X-1");
	assert_string_equal(qn(&doc, 1)->answer, "B");
	assert_string_equal(qn(&doc, 1)->explanation, "乙。");
	assert_string_equal(qn(&doc, 1)->basis, "刑法");
	bank_doc_free(&doc);
	/* failing: a bad difficulty and a bad id, both reported with their lines */
	{
		struct bank_doc d2;
		struct diag d = {0};
		assert_int_equal(parse_txt("1. 题\n答案：对\n难度：9\n编号：有 空格\n", &d2, &d), LX_ERR_INVALID);
		assert_true(has_diag(&d, "q.txt:3", "难度 \"9\" 无效"));
		assert_true(has_diag(&d, "q.txt:3", "难度：9"));
		assert_true(has_diag(&d, "q.txt:4", "编号 \"有 空格\" 不合规"));
		bank_doc_free(&d2);
		diag_free(&d);
	}
	/* failing: a field line before any question */
	expect_err("答案：A\n1. 题\n答案：对\n", "q.txt:1", "第一道题之前", "答案：A");
}

/* ---- punctuation, spaces, blank lines ----------------------------------------------- */

static void test_punctuation_and_spaces(void **state)
{
	struct bank_doc doc = ok_doc("\n\n  1 ．  题干有空格  \n\n\u3000A．甲  \n  B、 乙\n\n答案 ： b\n\n\n"
				     "２、下一题（ × ）\n");
	assert_int_equal(doc.n, 2);
	assert_string_equal(qn(&doc, 0)->stem, "题干有空格");
	assert_string_equal(qn(&doc, 0)->options[1], "乙");
	assert_string_equal(qn(&doc, 0)->answer, "B");
	assert_string_equal(qn(&doc, 1)->answer, "F");
	bank_doc_free(&doc);
	/* CR LF and lone CR line ends count lines the same way */
	{
		struct bank_doc d2;
		struct diag d = {0};
		assert_int_equal(parse_txt("1. 题\r\nA. 甲\rB. 乙\r\n答案：C\r\n", &d2, &d), LX_ERR_INVALID);
		assert_true(has_diag(&d, "q.txt:4", "不在选项"));
		bank_doc_free(&d2);
		diag_free(&d);
	}
}

/* ---- Word list numbering (numbers not in the text) ---------------------------------- */

static void test_unnumbered(void **state)
{
	struct bank_doc doc = ok_doc("一、单选题\n根本大法是（　）\nA. 宪法\nB. 刑法\n答案：A\n"
				     "第二题的题干\n分两行\nA. 甲\nB. 乙\n答案：B\n"
				     "二、判断题\n宪法是根本法。（√）\n刑法是根本法。（×）\n"
				     "三、多选题\n第四题\nA. 甲\nB. 乙\nC. 丙\n答案：AB\n");
	assert_int_equal(doc.n, 5);
	assert_string_equal(qn(&doc, 1)->stem, "第二题的题干\n分两行");
	assert_int_equal(qn(&doc, 2)->type, QT_JUDGE);
	assert_string_equal(qn(&doc, 2)->answer, "T");
	assert_string_equal(qn(&doc, 3)->answer, "F");
	assert_int_equal(qn(&doc, 4)->type, QT_MULTIPLE);
	assert_string_equal(qn(&doc, 4)->id, "con-5");
	assert_true(has_diag(&doc.notes, "q.txt:2", "编号按题目顺序生成：con-1 … con-5"));
	bank_doc_free(&doc);
	/* failing: options right after a heading, with no stem before them */
	expect_err("一、单选题\nA. 宪法\nB. 刑法\n答案：A\n", "q.txt:2", "前面缺少题干", "A. 宪法");
}

/* ---- documents ---------------------------------------------------------------------- */

static void test_no_questions(void **state)
{
	expect_err("", "q.txt", "没有找到题目", NULL);
	expect_err("一、单选题\n\n", "q.txt", "没有找到题目", NULL);
	expect_err("2026年度学法考法题库\n说明：请认真作答\n一、单选题\n", "q.txt", "没有找到题目", NULL);
}

static void test_all_errors_at_once(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	const char *t = "1. 无答案\nA. 甲\nB. 乙\n"
			"2. 跳字母\nA. 甲\nC. 丙\n答案：A\n"
			"3. 好题\nA. 甲\nB. 乙\n答案：A\n"
			"4. 缺选项的答案\nA. 甲\nB. 乙\n答案：D\n";
	assert_int_equal(parse_txt(t, &doc, &d), LX_ERR_INVALID);
	assert_int_equal(d.total, 3);
	assert_true(has_diag(&d, "q.txt:1", "缺少答案"));
	assert_true(has_diag(&d, "q.txt:6", "跳过了字母 B"));
	assert_true(has_diag(&d, "q.txt:15", "不在选项"));
	assert_int_equal(doc.n, 0);
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_quote_clipped(void **state)
{
	char text[4096] = "1. ";
	struct bank_doc doc;
	struct diag d = {0};

	for (int i = 0; i < 200; i++)
		strcat(text, "长");
	strcat(text, "\nA. 甲\nB. 乙\n");
	assert_int_equal(parse_txt(text, &doc, &d), LX_ERR_INVALID);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].message, "原文：“1. 长长"));
	assert_non_null(strstr(d.items[0].message, "…”"));
	assert_true(strlen(d.items[0].message) < 300);
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_duplicate_ids(void **state)
{
	expect_err("1. 甲\n答案：对\n编号：A-1\n2. 乙\n答案：错\n编号：A-1\n", "q.txt:6", "编号 \"A-1\" 重复",
		   "编号：A-1");
	/* a written 编号 that clashes with a generated one */
	expect_err("1. 甲\n答案：对\n2. 乙\n答案：错\n编号：con-1\n", "q.txt:5", "重复", NULL);
}

static void test_needs_code(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	struct bank_meta none = {0};

	assert_int_equal(bank_parse("1. 题\n答案：对\n", strlen("1. 题\n答案：对\n"), "q.txt", BANK_FMT_TXT, &none, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.txt", "没有题库代码"));
	bank_doc_free(&doc);
	diag_free(&d);
}

/* ---- encodings ---------------------------------------------------------------------- */

static char *to_gb18030(const char *utf8, size_t *outlen)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t inleft = strlen(utf8), cap = inleft * 2 + 16, oleft = cap;
	char *out = malloc(cap), *in = (char *)utf8, *o = out;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1);
	iconv_close(cd);
	*outlen = cap - oleft;
	return out;
}

static void test_encodings(void **state)
{
	struct bank_doc a, b, c;
	struct diag d = {0};
	size_t glen;
	char *gb = to_gb18030(spec_example, &glen);
	char *bom = malloc(strlen(spec_example) + 4);

	memcpy(bom, "\xef\xbb\xbf", 3);
	strcpy(bom + 3, spec_example);
	assert_int_equal(bank_parse(spec_example, strlen(spec_example), "q.txt", BANK_FMT_TXT, &con, &a, &d), LX_OK);
	assert_int_equal(bank_parse(bom, strlen(bom), "q.txt", BANK_FMT_TXT, &con, &b, &d), LX_OK);
	assert_int_equal(bank_parse(gb, glen, "q.txt", BANK_FMT_TXT, &con, &c, &d), LX_OK);
	print_diags(&d);
	assert_int_equal(d.total, 0);
	{
		char *ja = bank_export_json(&a), *jb = bank_export_json(&b), *jc = bank_export_json(&c);
		assert_string_equal(ja, jb);
		assert_string_equal(ja, jc);
		free(ja);
		free(jb);
		free(jc);
	}
	bank_doc_free(&a);
	bank_doc_free(&b);
	bank_doc_free(&c);
	free(gb);
	free(bom);
	/* failing: UTF-16 and a NUL byte */
	assert_int_equal(bank_parse("\xff\xfe" "1\0.\0", 6, "q.txt", BANK_FMT_TXT, &con, &a, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.txt", "UTF-16"));
	bank_doc_free(&a);
	diag_free(&d);
}

static void test_line_cap(void **state)
{
	/* a file of empty lines cannot make the reader hold millions of line records */
	size_t n = BANK_TEXT_MAX_LINES + 10;
	char *t = malloc(n);
	struct bank_doc doc;
	struct diag d = {0};

	memset(t, '\n', n);
	assert_int_equal(bank_parse(t, n, "q.txt", BANK_FMT_TXT, &con, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.txt", "行的上限"));
	bank_doc_free(&doc);
	diag_free(&d);
	free(t);
}

/* ---- formats ------------------------------------------------------------------------ */

static void test_format_names_and_guess(void **state)
{
	enum bank_format f;

	assert_int_equal(bank_format_parse("txt", &f), LX_OK);
	assert_int_equal(f, BANK_FMT_TXT);
	assert_int_equal(bank_format_parse("DOCX", &f), LX_OK);
	assert_int_equal(f, BANK_FMT_DOCX);
	assert_int_equal(bank_format_parse("doc", &f), LX_ERR_INVALID);
	assert_string_equal(bank_format_name(BANK_FMT_TXT), "txt");
	assert_int_equal(bank_format_guess("a.txt", "x", 1), BANK_FMT_TXT);
	assert_int_equal(bank_format_guess("a.docx", "x", 1), BANK_FMT_DOCX);
	assert_int_equal(bank_format_guess("a.doc", "x", 1), BANK_FMT_DOCX);
#define GUESS(s) bank_format_guess("", s, sizeof s - 1)
	assert_int_equal(GUESS("一、单选题\n1. 题"), BANK_FMT_TXT);
	assert_int_equal(GUESS("编号,题型,题干,答案\n"), BANK_FMT_CSV);
	assert_int_equal(GUESS("2026年度题库（宪法）\r\n\r\n编号,题型,题干,答案\r\n"), BANK_FMT_CSV);
	assert_int_equal(GUESS("一、单选题\n1. 依照宪法, 下列说法正确的是\nA. 甲\n"), BANK_FMT_TXT);
	assert_int_equal(GUESS("{\"format\""), BANK_FMT_JSON);
	assert_int_equal(GUESS("PK\x03\x04....xl/workbook.xml"), BANK_FMT_XLSX);
	assert_int_equal(GUESS("PK\x03\x04....word/document.xml"), BANK_FMT_DOCX);
#undef GUESS
}

/* ---- the shipped templates ---------------------------------------------------------- */

static char *slurp(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof path, "%s/%s", LAWEXAM_SOURCE_DIR, rel);
	f = fopen(path, "rb");
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

static void test_templates(void **state)
{
	size_t lt, ld;
	char *t = slurp("question-bank/templates/bank-template.txt", &lt);
	char *x = slurp("question-bank/templates/bank-template.docx", &ld);
	struct bank_doc a, b;
	struct diag d = {0};
	char *ja, *jb;

	assert_int_equal(bank_parse(t, lt, "bank-template.txt", BANK_FMT_AUTO, &con, &a, &d), LX_OK);
	assert_int_equal(bank_parse(x, ld, "bank-template.docx", BANK_FMT_AUTO, &con, &b, &d), LX_OK);
	print_diags(&d);
	assert_int_equal(a.n, 5);
	assert_int_equal(a.questions[2].type, QT_MULTIPLE);
	assert_int_equal(a.questions[4].type, QT_JUDGE);
	assert_true(has_diag(&a.notes, "bank-template.txt:1", "当作标题"));
	ja = bank_export_json(&a);
	jb = bank_export_json(&b);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	free(t);
	free(x);
	bank_doc_free(&a);
	bank_doc_free(&b);
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_type_from_key),
		cmocka_unit_test(test_question_numbers),
		cmocka_unit_test(test_missing_number),
		cmocka_unit_test(test_numbers_restart),
		cmocka_unit_test(test_option_markers),
		cmocka_unit_test(test_option_skips_letter),
		cmocka_unit_test(test_key_in_brackets),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_key_without_option),
		cmocka_unit_test(test_two_keys),
		cmocka_unit_test(test_field_lines_ok),
		cmocka_unit_test(test_punctuation_and_spaces),
		cmocka_unit_test(test_unnumbered),
		cmocka_unit_test(test_no_questions),
		cmocka_unit_test(test_all_errors_at_once),
		cmocka_unit_test(test_quote_clipped),
		cmocka_unit_test(test_duplicate_ids),
		cmocka_unit_test(test_needs_code),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_line_cap),
		cmocka_unit_test(test_format_names_and_guess),
		cmocka_unit_test(test_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
