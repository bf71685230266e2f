/* test_bank_docx.c — unit tests of the Word reader (question-bank/bank_docx.c): paragraphs
 * in order with runs joined, line breaks and tabs, numbering and formatting ignored, tables
 * skipped with a note, pictures reported where they are, .doc and other files refused with
 * a clear message, DOCTYPE and broken XML refused, and the same questions from a
 * .docx and from text. Documents are zipped in memory with libzip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "bank.h"
#include "diag.h"
#include "err.h"
#include "../diag_check.h"

static const struct bank_meta con = {"con", "宪法", "constitution"};

/* A zip holding the named entries (NULL-terminated name, text pairs); caller frees. */
static unsigned char *zip_of(const char *const *entries, size_t *outlen)
{
	zip_error_t err;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	unsigned char *out;

	zip_error_init(&err);
	src = zip_source_buffer_create(NULL, 0, 0, &err);
	assert_non_null(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	assert_non_null(za);
	zip_source_keep(src);
	for (size_t i = 0; entries[i]; i += 2) {
		zip_source_t *s = zip_source_buffer(za, entries[i + 1], strlen(entries[i + 1]), 0);
		assert_true(zip_file_add(za, entries[i], s, ZIP_FL_OVERWRITE) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
	assert_int_equal(zip_source_stat(src, &st), 0);
	assert_int_equal(zip_source_open(src), 0);
	out = malloc(st.size);
	assert_int_equal(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&err);
	*outlen = st.size;
	return out;
}

/* A .docx whose body is the given XML. */
static unsigned char *docx_of(const char *body, size_t *len)
{
	static const char head[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
		"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
		"xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" "
		"xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>";
	static const char tail[] = "<w:sectPr/></w:body></w:document>";
	char *xml = malloc(strlen(head) + strlen(body) + strlen(tail) + 1);
	const char *entries[] = {"[Content_Types].xml", "<Types/>", "word/document.xml", xml, NULL};
	unsigned char *z;

	strcpy(xml, head);
	strcat(xml, body);
	strcat(xml, tail);
	z = zip_of(entries, len);
	free(xml);
	return z;
}

/* <w:p> with one run of text t (XML-escaped by the caller), numbered as a list item. */
#define P(t) "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>" \
	     "<w:r><w:rPr><w:b/></w:rPr><w:t>" t "</w:t></w:r></w:p>"

static int parse_docx(const char *body, struct bank_doc *doc, struct diag *d)
{
	size_t len;
	unsigned char *z = docx_of(body, &len);
	int rc = bank_parse((const char *)z, len, "q.docx", BANK_FMT_DOCX, &con, doc, d);

	print_diags(d);
	free(z);
	return rc;
}

static void test_paragraphs(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	/* runs split mid-word, a tab stop in pPr that is not text, a soft line break, a deleted
	 * run (w:delText) that is not text */
	const char *body =
		P("一、单选题")
		"<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"400\"/></w:tabs></w:pPr>"
		"<w:r><w:t>1. 根据</w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t xml:space=\"preserve\">宪法，根本制度是（　）。</w:t></w:r>"
		"<w:del><w:r><w:delText>删掉的字</w:delText></w:r></w:del></w:p>"
		"<w:p><w:r><w:t>A. 人民代表大会制度</w:t><w:tab/><w:t>B. 社会主义制度</w:t><w:br/><w:t>C. 民族区域自治制度</w:t></w:r></w:p>"
		P("D. 基层群众自治制度")
		P("答案：B")
		"<w:p/>"
		P("二、判断题")
		P("2. 宪法是根本法。（ √ ）");
	assert_int_equal(parse_docx(body, &doc, &d), LX_OK);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.questions[0].stem, "根据宪法，根本制度是（　）。");
	assert_int_equal(doc.questions[0].n_options, 4);
	assert_string_equal(doc.questions[0].options[1], "社会主义制度");
	assert_string_equal(doc.questions[0].options[2], "民族区域自治制度");
	assert_string_equal(doc.questions[0].answer, "B");
	assert_string_equal(doc.questions[0].where, "q.docx:PARAGRAPH 2");
	assert_int_equal(doc.questions[1].type, QT_JUDGE);
	assert_string_equal(doc.questions[1].where, "q.docx:PARAGRAPH 8");
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_word_numbering(void **state)
{
	/* Word list numbering: the numbers are not in the text; questions are told apart by
	 * their option and 答案 lines */
	struct bank_doc doc;
	struct diag d = {0};
	const char *body = P("一、单选题") P("根本大法是（　）") P("A. 宪法") P("B. 刑法") P("答案：A")
		P("第二题") P("A．甲  B．乙") P("答案：B") P("二、判断题") P("宪法是根本法。（√）")
		P("刑法是根本法。（×）");
	assert_int_equal(parse_docx(body, &doc, &d), LX_OK);
	assert_int_equal(doc.n, 4);
	assert_string_equal(doc.questions[1].stem, "第二题");
	assert_string_equal(doc.questions[1].where, "q.docx:PARAGRAPH 6");
	assert_string_equal(doc.questions[3].answer, "F");
	assert_string_equal(doc.questions[3].id, "con-4");
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_errors_name_paragraphs(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	const char *body = P("1. 无答案") P("A. 甲") P("B. 乙") P("2. 跳字母") P("A. 甲") P("C. 丙") P("答案：A");
	assert_int_equal(parse_docx(body, &doc, &d), LX_ERR_INVALID);
	assert_int_equal(d.total, 2);
	assert_true(has_diag(&d, "q.docx:PARAGRAPH 1", "缺少答案"));
	assert_true(has_diag(&d, "q.docx:PARAGRAPH 1", "原文：“1. 无答案”"));
	assert_true(has_diag(&d, "q.docx:PARAGRAPH 6", "跳过了字母 B"));
	assert_int_equal(doc.n, 0);
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_table_skipped(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	const char *body = P("1. 题一") P("答案：对")
		"<w:tbl><w:tr><w:tc>" P("2. 表格里的题") P("答案：错") "</w:tc></w:tr></w:tbl>"
		P("3. 题三") P("答案：错");
	assert_int_equal(parse_docx(body, &doc, &d), LX_OK);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.questions[1].where, "q.docx:PARAGRAPH 3");
	assert_true(has_diag(&doc.notes, "q.docx:PARAGRAPH 2", "表格"));
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_image_reported(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	const char *logo = "<w:p><w:r><w:drawing><wp:inline><w:t>图中文字</w:t></wp:inline></w:drawing></w:r></w:p>";
	const char *in_q = "<w:p><w:r><w:t>如图所示</w:t></w:r><w:r><mc:AlternateContent><mc:Choice>"
			   "<w:drawing/></mc:Choice></mc:AlternateContent></w:r></w:p>";
	char body[2048];

	/* a picture before the first question (a logo): a note */
	snprintf(body, sizeof body, "%s%s%s", logo, P("1. 题一"), P("答案：对"));
	assert_int_equal(parse_docx(body, &doc, &d), LX_OK);
	assert_string_equal(doc.questions[0].stem, "题一");
	assert_true(has_diag(&doc.notes, "q.docx:PARAGRAPH 1", "图片"));
	bank_doc_free(&doc);
	/* inside a question: an error naming its paragraph */
	snprintf(body, sizeof body, "%s%s%s", P("1. 题一"), in_q, P("答案：对"));
	assert_int_equal(parse_docx(body, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.docx:PARAGRAPH 2", "图片"));
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_symbol_font_reported(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	/* √ inserted from Wingdings: not text; the question would lose its key */
	const char *body = P("1. 宪法是根本法。") "<w:p><w:r><w:t>（</w:t></w:r><w:r><w:sym w:font=\"Wingdings\" "
		"w:char=\"F0FC\"/></w:r><w:r><w:t>）</w:t></w:r></w:p>" P("2. 题二") P("答案：对");
	assert_int_equal(parse_docx(body, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.docx:PARAGRAPH 2", "符号字体"));
	bank_doc_free(&doc);
	diag_free(&d);
}

static void test_not_docx(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	static const char ole[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0";
	const char *xlsx[] = {"xl/workbook.xml", "<workbook/>", NULL};
	size_t len;
	unsigned char *z;

	assert_int_equal(bank_parse(ole, sizeof ole - 1, "q.doc", BANK_FMT_AUTO, &con, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.doc", "请另存为 .docx"));
	bank_doc_free(&doc);
	assert_int_equal(bank_parse("hello", 5, "q.docx", BANK_FMT_DOCX, &con, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.docx", "不是 Word 文档"));
	bank_doc_free(&doc);
	z = zip_of(xlsx, &len);
	assert_int_equal(bank_parse((const char *)z, len, "q.docx", BANK_FMT_DOCX, &con, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.docx", "这是 Excel"));
	bank_doc_free(&doc);
	free(z);
	print_diags(&d);
	diag_free(&d);
}

static void test_hostile_xml(void **state)
{
	struct bank_doc doc;
	struct diag d = {0};
	const char *dt[] = {"word/document.xml",
			    "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]><w:document/>", NULL};
	const char *bad[] = {"word/document.xml", "<w:document><w:body><w:p>", NULL};
	size_t len;
	unsigned char *z = zip_of(dt, &len);

	assert_int_equal(bank_parse((const char *)z, len, "q.docx", BANK_FMT_DOCX, &con, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.docx", "DOCTYPE"));
	bank_doc_free(&doc);
	free(z);
	z = zip_of(bad, &len);
	assert_int_equal(bank_parse((const char *)z, len, "q.docx", BANK_FMT_DOCX, &con, &doc, &d), LX_ERR_INVALID);
	assert_true(has_diag(&d, "q.docx", "不是合法的 XML"));
	bank_doc_free(&doc);
	free(z);
	diag_free(&d);
}

static void test_same_as_text(void **state)
{
	const char *text = "一、多选题\n1. 哪些是法律（ABD）\nA. 宪法\nB. 刑法\nC. 规章\nD. 民法典\n解析：规章不是法律。\n"
			   "二、判断题\n2. 宪法是根本法。\n答案：正确\n编号：J-1\n";
	const char *body = P("一、多选题") P("1. 哪些是法律（ABD）") P("A. 宪法") P("B. 刑法") P("C. 规章")
		P("D. 民法典") P("解析：规章不是法律。") P("二、判断题") P("2. 宪法是根本法。") P("答案：正确")
		P("编号：J-1");
	struct bank_doc a, b;
	struct diag d = {0};
	char *ja, *jb;

	assert_int_equal(bank_parse(text, strlen(text), "q.txt", BANK_FMT_TXT, &con, &a, &d), LX_OK);
	assert_int_equal(parse_docx(body, &b, &d), LX_OK);
	ja = bank_export_json(&a);
	jb = bank_export_json(&b);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	bank_doc_free(&a);
	bank_doc_free(&b);
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs),
		cmocka_unit_test(test_word_numbering),
		cmocka_unit_test(test_errors_name_paragraphs),
		cmocka_unit_test(test_table_skipped),
		cmocka_unit_test(test_image_reported),
		cmocka_unit_test(test_symbol_font_reported),
		cmocka_unit_test(test_not_docx),
		cmocka_unit_test(test_hostile_xml),
		cmocka_unit_test(test_same_as_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
