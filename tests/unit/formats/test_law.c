/* test_law.c — unit tests of the law reader (common/formats/law.c, SPEC §13): Chinese
 * numerals, a well-formed text (preamble, chapters, 之Y articles, paragraphs), each
 * malformed case with its FILE:LINE diagnostic and nothing kept, the bundled texts, and
 * reading a basis and an article reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "err.h"
#include "law.h"
#include "../diag_check.h"

static void test_numerals(void **state)
{
	static const struct {
		const char *s;
		int v;
	} ok[] = {
		{"一", 1}, {"九", 9}, {"十", 10}, {"十二", 12}, {"二十", 20}, {"一百", 100},
		{"一百零一", 101}, {"一百二十三", 123}, {"一千零四十六", 1046}, {"一千二百六十", 1260},
		{"一千零五", 1005}, {"四百五十二", 452}, {"九千九百九十九", 9999}, {"一十二", 12},
	};
	static const char *const bad[] = {"", "零", "百", "十十", "二三", "零十", "一百百", "千", "五十一百"};
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int v = -1;
		assert_int_equal(law_numeral(ok[i].s, strlen(ok[i].s), &v), LX_OK);
		if (v != ok[i].v)
			fail_msg("%s read as %d, not %d", ok[i].s, v, ok[i].v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int v;
		if (law_numeral(bad[i], strlen(bad[i]), &v) == LX_OK)
			fail_msg("\"%s\" accepted as %d", bad[i], v);
	}
}

static const char GOOD[] =
	"# 中华人民共和国示例法\n"
	"\n"
	"2024年1月1日 通过\n"
	"\n"
	"## 序言\n"
	"\n"
	"序言第一段。\n"
	"\n"
	"序言第二段。\n"
	"\n"
	"## 第一章  总  则\n"
	"\n"
	"第一条 为了示例，制定本法。\n"
	"\n"
	"第二条　本法适用于：\n"
	"\n"
	"（一）甲；\n"
	"\n"
	"（二）乙。\n"
	"\n"
	"### 第一节 一般规定\n"
	"\n"
	"第三条 违反本法第二条规定的，依照第一条处理。\n"
	"\n"
	"第三条之一 插入的条文。\n"
	"\n"
	"第三条之二 又一个插入的条文。\n"
	"\n"
	"## 第二章 附则\n"
	"\n"
	"第四条 本法自公布之日起施行。\n"
	"\n"
	"## 附件一\n"
	"\n"
	"1．不属于任何条文的清单\n"
	"2．第二项\n";

static void test_good(void **state)
{
	struct law_doc doc;
	struct diag d = {0};
	(void)state;

	assert_int_equal(law_parse(GOOD, strlen(GOOD), "x.md", &doc, &d), LX_OK);
	print_diags(&d);
	assert_int_equal(d.total, 0);
	assert_string_equal(doc.title, "中华人民共和国示例法");
	assert_int_equal(doc.n, 8);
	assert_int_equal(doc.articles[0].no, 0);
	assert_string_equal(doc.articles[0].label, "序言");
	assert_string_equal(doc.articles[0].text, "序言第一段。\n序言第二段。");
	assert_string_equal(doc.articles[1].label, "第一条");
	assert_string_equal(doc.articles[1].chapter, "第一章 总 则");
	assert_string_equal(doc.articles[1].text, "为了示例，制定本法。");
	assert_int_equal(doc.articles[1].line, 13);
	assert_string_equal(doc.articles[2].text, "本法适用于：\n（一）甲；\n（二）乙。");
	assert_int_equal(doc.articles[3].no, 3);
	assert_string_equal(doc.articles[3].chapter, "第一章 总 则 / 第一节 一般规定");
	assert_string_equal(doc.articles[3].text, "违反本法第二条规定的，依照第一条处理。");
	assert_int_equal(doc.articles[4].no, 3);
	assert_int_equal(doc.articles[4].sub, 1);
	assert_string_equal(doc.articles[4].label, "第三条之一");
	assert_int_equal(doc.articles[5].sub, 2);
	assert_string_equal(doc.articles[6].chapter, "第二章 附则");
	assert_string_equal(doc.articles[6].text, "本法自公布之日起施行。"); /* the annex is not in it */
	/* the annex after the last article: an entry of its own (LAW_ANNEX_NO) */
	assert_int_equal(doc.articles[7].no, LAW_ANNEX_NO + 1);
	assert_int_equal(doc.articles[7].sub, 0);
	assert_string_equal(doc.articles[7].label, "附件一");
	assert_string_equal(doc.articles[7].chapter, "附件一");
	assert_string_equal(doc.articles[7].text, "1．不属于任何条文的清单\n2．第二项");
	law_doc_free(&doc);
	diag_free(&d);
}

/* text must fail with a diagnostic at where whose message holds part; nothing is kept. */
static void expect_err(const char *text, const char *where, const char *part)
{
	struct law_doc doc;
	struct diag d = {0};

	assert_int_equal(law_parse(text, strlen(text), "bad.md", &doc, &d), LX_ERR_INVALID);
	assert_int_equal(doc.n, 0);
	assert_null(doc.articles);
	assert_null(doc.title);
	if (!has_diag(&d, where, part)) {
		print_diags(&d);
		fail_msg("expected \"%s: …%s…\"", where, part);
	}
	law_doc_free(&doc);
	diag_free(&d);
}

static void test_no_articles(void **state)
{
	(void)state;
	expect_err("# 某法\n\n本法没有条文。\n第1条 阿拉伯数字不算。\n", "bad.md:1", "没有找到条文");
	expect_err("", "bad.md:1", "没有找到条文");
	expect_err("## 序言\n\n只有序言。\n", "bad.md:1", "没有找到条文");
}

static void test_duplicate(void **state)
{
	(void)state;
	expect_err("# 某法\n第一条 甲。\n第二条 乙。\n第二条 丙。\n第三条 丁。\n", "bad.md:4",
		   "第二条重复：第 3 行已有同号条文");
	expect_err("# 某法\n第一条 甲。\n第一条之一 乙。\n第一条之一 丙。\n", "bad.md:4", "第一条之一重复");
}

static void test_gap(void **state)
{
	(void)state;
	expect_err("# 某法\n第一条 甲。\n\n第二条 乙。\n\n第五条 丙。\n", "bad.md:6",
		   "第五条之前缺少第 3 至第 4 条");
	expect_err("# 某法\n第二条 甲。\n", "bad.md:2", "缺少第 1 至第 1 条");
	expect_err("# 某法\n第一条 甲。\n第一条之二 乙。\n", "bad.md:3", "第一条之二的位置不对");
	expect_err("# 某法\n第一条 甲。\n第二条 乙。\n第一条之一 丙。\n", "bad.md:4", "第一条之一的位置不对");
	expect_err("# 某法\n第一条 甲。\n第三条 乙。\n第二条 丙。\n", "bad.md:4", "条文编号倒退");
}

static void test_bad_numeral_and_bytes(void **state)
{
	(void)state;
	expect_err("# 某法\n第一条 甲。\n第二三条 乙。\n", "bad.md:3", "条文编号无法识别");
	expect_err("# 某法\n第一条 甲\xff。\n", "bad.md:2", "不是 UTF-8");
	expect_err("# 某法\n## 第一章\n第一条 甲。\n## 序言\n乙。\n", "bad.md:4", "序言必须在第一条之前");
}

/* An article over LAW_MAX_ARTICLE bytes: one diagnostic, at the line that passes it. */
static void test_article_too_big(void **state)
{
	size_t line = 1000, n = (LAW_MAX_ARTICLE / line) + 3, len = 0;
	char *t = malloc(64 + n * (line + 1));
	struct law_doc doc;
	struct diag d = {0};
	(void)state;
	len += (size_t)sprintf(t, "# 某法\n第一条 甲。\n");
	for (size_t i = 0; i < n; i++) {
		memset(t + len, 'x', line);
		len += line;
		t[len++] = '\n';
	}
	assert_int_equal(law_parse(t, len, "big.md", &doc, &d), LX_ERR_INVALID);
	assert_int_equal(d.total, 1);
	assert_non_null(strstr(d.items[0].message, "条文超过"));
	diag_free(&d);
	free(t);
}

static void test_not_articles(void **state)
{
	/* a paragraph that begins with a citation is text, not an article */
	static const char t[] = "# 某法\n第一条 甲。\n第一条规定的事项，依照本法。\n第二条 乙。\n";
	struct law_doc doc;
	struct diag d = {0};
	(void)state;
	assert_int_equal(law_parse(t, strlen(t), "x.md", &doc, &d), LX_OK);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.articles[0].text, "甲。\n第一条规定的事项，依照本法。");
	law_doc_free(&doc);
	diag_free(&d);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Every bundled text reads without a problem, with the article counts of its README. */
static void test_bundled(void **state)
{
	static const struct {
		const char *file, *title;
		size_t numbered, with_sub;
		int preamble;
		size_t annexes;
	} laws[] = {
		{"constitution.md", "中华人民共和国宪法", 143, 0, 1, 0},
		{"civil-code.md", "中华人民共和国民法典", 1260, 0, 0, 0},
		{"criminal-law.md", "中华人民共和国刑法", 452, 53, 0, 2},
		{"yangtze-river-protection-law.md", "中华人民共和国长江保护法", 79, 0, 0, 0},
		{"anti-telecom-fraud-law.md", "中华人民共和国反电信网络诈骗法", 50, 0, 0, 0},
		{"minors-protection-law.md", "中华人民共和国未成年人保护法", 132, 0, 0, 0},
		{"juvenile-delinquency-prevention-law.md", "中华人民共和国预防未成年人犯罪法", 68, 0, 0, 0},
		{"work-safety-law.md", "中华人民共和国安全生产法", 119, 0, 0, 0},
		{"food-safety-law.md", "中华人民共和国食品安全法", 154, 0, 0, 0},
		{"environmental-protection-law.md", "中华人民共和国环境保护法", 70, 0, 0, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof laws / sizeof laws[0]; i++) {
		char path[1024];
		size_t len, numbered = 0, with_sub = 0, pre = 0, annexes = 0;
		struct law_doc doc;
		struct diag d = {0};
		char *data;
		snprintf(path, sizeof path, "%s/question-bank/laws/%s", LAWEXAM_SOURCE_DIR, laws[i].file);
		data = slurp(path, &len);
		assert_int_equal(law_parse(data, len, laws[i].file, &doc, &d), LX_OK);
		print_diags(&d);
		assert_string_equal(doc.title, laws[i].title);
		for (size_t k = 0; k < doc.n; k++) {
			numbered += doc.articles[k].no > 0 && doc.articles[k].no <= LAW_ANNEX_NO && doc.articles[k].sub == 0;
			annexes += doc.articles[k].no > LAW_ANNEX_NO;
			with_sub += doc.articles[k].sub > 0;
			pre += doc.articles[k].no == 0;
			assert_true(doc.articles[k].text[0] != '\0');
		}
		if (numbered != laws[i].numbered || with_sub != laws[i].with_sub || pre != (size_t)laws[i].preamble ||
		    annexes != laws[i].annexes)
			fail_msg("%s: %zu articles + %zu 之 + %zu preamble + %zu annexes", laws[i].file, numbered, with_sub,
				 pre, annexes);
		if (annexes) { /* the Criminal Law's: the last two, whole, after 第四百五十二条 */
			const struct law_article *a1 = &doc.articles[doc.n - 2], *a2 = &doc.articles[doc.n - 1];
			assert_int_equal(doc.articles[doc.n - 3].no, 452);
			assert_int_equal(a1->no, LAW_ANNEX_NO + 1);
			assert_string_equal(a1->label, "附件一");
			assert_string_equal(a1->chapter, "附件一");
			assert_non_null(strstr(a1->text, "1．中华人民共和国惩治军人违反职责罪暂行条例"));
			assert_non_null(strstr(a1->text, "15．关于处理逃跑或者重新犯罪的劳改犯和劳教人员的决定"));
			assert_int_equal(a2->no, LAW_ANNEX_NO + 2);
			assert_string_equal(a2->label, "附件二");
			assert_non_null(strstr(a2->text, "8．关于惩治虚开、伪造和非法出售增值税专用发票犯罪的决定"));
			assert_non_null(strstr(doc.articles[doc.n - 3].text, "列于本法附件二的")); /* 452 keeps its own */
			assert_null(strstr(doc.articles[doc.n - 3].text, "惩治军人违反职责罪暂行条例"));
		}
		law_doc_free(&doc);
		diag_free(&d);
		free(data);
	}
}

static void test_civil_code_chapters(void **state)
{
	char path[1024];
	size_t len;
	struct law_doc doc;
	struct diag d = {0};
	char *data;
	(void)state;
	snprintf(path, sizeof path, "%s/question-bank/laws/civil-code.md", LAWEXAM_SOURCE_DIR);
	data = slurp(path, &len);
	assert_int_equal(law_parse(data, len, "civil-code.md", &doc, &d), LX_OK);
	/* 第二百零五条 opens 物权编 / 第一分编 通则 / 第一章 一般规定 */
	for (size_t k = 0; k < doc.n; k++)
		if (doc.articles[k].no == 205)
			assert_string_equal(doc.articles[k].chapter, "物权编 / 第一分编 通则 / 第一章 一般规定");
	law_doc_free(&doc);
	diag_free(&d);
	free(data);
}

static void test_basis(void **state)
{
	struct law_ref r[LAW_REFS_MAX];
	char *title;
	int n;
	(void)state;

	assert_int_equal(law_basis_parse("《中华人民共和国宪法》第五条第一款", &title, r, &n), LX_OK);
	assert_string_equal(title, "中华人民共和国宪法");
	assert_int_equal(n, 1);
	assert_int_equal(r[0].no, 5);
	assert_int_equal(r[0].sub, 0);
	free(title);

	assert_int_equal(law_basis_parse("《中华人民共和国刑法》第一百三十三条之一第二款", &title, r, &n), LX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].no, 133);
	assert_int_equal(r[0].sub, 1);
	free(title);

	assert_int_equal(law_basis_parse("《中国共产党章程》第二章第八条", &title, r, &n), LX_OK);
	assert_string_equal(title, "中国共产党章程");
	assert_int_equal(n, 1);
	assert_int_equal(r[0].no, 8);
	free(title);

	assert_int_equal(law_basis_parse("《中华人民共和国宪法》序言第二自然段", &title, r, &n), LX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].no, 0);
	free(title);

	assert_int_equal(law_basis_parse("《中华人民共和国民法典》第一千零四十六条、第一千零四十七条", &title, r, &n), LX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].no, 1046);
	assert_int_equal(r[1].no, 1047);
	free(title);

	assert_int_equal(law_basis_parse("宪法第五条", &title, r, &n), LX_ERR_INVALID);
	assert_null(title);
	assert_int_equal(law_basis_parse("《中华人民共和国宪法》", &title, r, &n), LX_ERR_INVALID);
	assert_int_equal(law_basis_parse("《》第五条", &title, r, &n), LX_ERR_INVALID);
	assert_int_equal(law_basis_parse("", &title, r, &n), LX_ERR_INVALID);
}

static void test_refs(void **state)
{
	struct law_ref r;
	char s[32];
	(void)state;
	assert_int_equal(law_ref_parse("58", &r), LX_OK);
	assert_int_equal(r.no, 58);
	assert_int_equal(law_ref_parse("17-1", &r), LX_OK);
	assert_int_equal(r.sub, 1);
	law_ref_format(r, s, sizeof s);
	assert_string_equal(s, "17-1");
	assert_int_equal(law_ref_parse("0", &r), LX_OK); /* the preamble */
	static const char *const bad[] = {"", "-1", "058", "5-", "5-0", "0-1", "5x", "123456", "五"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (law_ref_parse(bad[i], &r) == LX_OK)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_true(law_code_valid("civil-code"));
	assert_false(law_code_valid("Civil"));
	assert_false(law_code_valid(""));
	assert_false(law_code_valid("a/b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numerals),      cmocka_unit_test(test_good),
		cmocka_unit_test(test_no_articles),   cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_gap),           cmocka_unit_test(test_bad_numeral_and_bytes),
		cmocka_unit_test(test_not_articles),  cmocka_unit_test(test_article_too_big),  cmocka_unit_test(test_bundled),
		cmocka_unit_test(test_civil_code_chapters), cmocka_unit_test(test_basis),
		cmocka_unit_test(test_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
