/* bank_docx.c — the Word (.docx) reader of the bank_ module (SPEC §4.5): the paragraphs of
 * word/document.xml in order, read from memory with libzip and expat under the same kind of
 * caps as the XLSX reader (decompressed bytes, paragraph size, no DOCTYPE). Numbering and
 * formatting are ignored; tables are skipped with a note naming the paragraph before them;
 * pictures and symbol-font characters (w:sym) are reported where they are. The paragraphs go to bank_text.c's recogniser.
 * A .doc (OLE) file gets a clear "save as .docx" message; nothing else is read. */
#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "bank.h"
#include "bank_int.h"
#include "buf.h"
#include "err.h"
#include "mem.h"
#include "table.h"
#include "text.h"

#define DOCX_PART "word/document.xml"

/* Reads word/document.xml into *out (fresh, NUL-terminated; caller frees) within the
 * decompression cap. Returns LX_OK, or LX_ERR_INVALID (reported). */
static int docx_entry(zip_t *za, const char *fname, char **out, size_t *outlen, struct diag *d)
{
	zip_file_t *zf = NULL;
	zip_int64_t idx, got;
	struct buf b;
	char chunk[16384];
	int rc = LX_ERR_INVALID;

	buf_init(&b, BANK_DOCX_MAX_UNZIPPED);
	*out = NULL;
	idx = zip_name_locate(za, DOCX_PART, ZIP_FL_NOCASE);
	if (idx < 0) {
		if (zip_name_locate(za, "xl/workbook.xml", ZIP_FL_NOCASE) >= 0)
			diag_add(d, fname, "这是 Excel（.xlsx）文件，不是 Word 文档：请按 xlsx 格式导入");
		else
			diag_add(d, fname, "这不是 Word 文档：找不到 word/document.xml（请用 Word 另存为 .docx）");
		goto out;
	}
	zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
	if (!zf) {
		diag_add(d, fname, "Word 文件损坏或已加密：无法打开其中的 %s（%s）", DOCX_PART, zip_strerror(za));
		goto out;
	}
	while ((got = zip_fread(zf, chunk, sizeof chunk)) > 0) {
		if (buf_add(&b, chunk, (size_t)got) != LX_OK) {
			diag_add(d, fname, "Word 文件解压后超过 %u MiB 的上限，没有读取（请拆分为几个文件导入）",
				 BANK_DOCX_MAX_UNZIPPED >> 20);
			goto out;
		}
	}
	if (got < 0) {
		diag_add(d, fname, "Word 文件损坏：无法读取其中的 %s（%s）", DOCX_PART, zip_file_strerror(zf));
		goto out;
	}
	*outlen = b.len;
	*out = buf_detach(&b);
	rc = LX_OK;
out:
	if (zf)
		zip_fclose(zf);
	buf_free(&b);
	return rc;
}

struct docx_state {
	XML_Parser p;
	const char *fname;
	struct diag *d;
	struct diag *notes;
	int failed;
	int para;          /* paragraphs counted so far (outside tables) */
	int in_p;          /* inside a counted paragraph */
	int in_t;          /* inside its w:t */
	int in_ppr;        /* inside w:pPr (its w:tab are tab stops, not text) */
	int tbl;           /* table depth */
	int skip;          /* depth inside drawings, pictures, objects, alternate content */
	int image;         /* the current paragraph holds one */
	int symbol;        /* the current paragraph holds a w:sym (Wingdings √ and the like) */
	int tables;        /* tables seen */
	struct buf text;   /* the current paragraph */
	struct buf all;    /* every paragraph's text, NUL-separated */
	int *locs;         /* paragraph number of each line in all */
	int *images;
	int *symbols;
	size_t nlines, cap;
};

static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static void docx_fail(struct docx_state *s, const char *msg)
{
	if (!s->failed)
		diag_add(s->d, s->fname, "%s", msg);
	s->failed = 1;
	XML_StopParser(s->p, XML_FALSE);
}

static void XMLCALL no_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	docx_fail(ud, "Word 文件中的 word/document.xml 含有 DOCTYPE 声明（正常的 Word 文件没有），拒绝读取");
}

/* Ends the current paragraph: one line per line break, all with its number. */
static void flush_para(struct docx_state *s)
{
	const char *p = buf_str(&s->text), *e = p + s->text.len;
	int first = 1;

	while (!s->failed) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (s->nlines >= BANK_TEXT_MAX_LINES) {
			docx_fail(s, "Word 文件的段落太多，没有读取");
			break;
		}
		if (s->nlines == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->locs = lx_realloc(s->locs, s->cap * sizeof *s->locs);
			s->images = lx_realloc(s->images, s->cap * sizeof *s->images);
			s->symbols = lx_realloc(s->symbols, s->cap * sizeof *s->symbols);
		}
		if (buf_add(&s->all, p, n) != LX_OK || buf_addc(&s->all, '\0') != LX_OK) {
			docx_fail(s, "Word 文件的文字太多，没有读取");
			break;
		}
		s->locs[s->nlines] = s->para;
		s->images[s->nlines] = first && s->image;
		s->symbols[s->nlines] = first && s->symbol;
		s->nlines++;
		first = 0;
		if (!nl)
			break;
		p = nl + 1;
	}
	buf_reset(&s->text);
	s->image = s->symbol = 0;
}

static void add_text(struct docx_state *s, const char *str, size_t len)
{
	if (buf_add(&s->text, str, len) != LX_OK) {
		char msg[200];
		snprintf(msg, sizeof msg, "Word 文件第 %d 段的文字超过 %d 字节的上限", s->para,
			 BANK_DOCX_MAX_PARAGRAPH);
		docx_fail(s, msg);
	}
}

static int is_skipped(const char *l)
{
	return strcmp(l, "drawing") == 0 || strcmp(l, "pict") == 0 || strcmp(l, "object") == 0 ||
	       strcmp(l, "AlternateContent") == 0;
}

static void XMLCALL docx_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct docx_state *s = ud;
	const char *l = local(name);

	if (s->failed)
		return;
	if (strcmp(l, "tbl") == 0) {
		if (s->tbl++ == 0 && s->skip == 0) {
			char where[600];
			snprintf(where, sizeof where, "%s:PARAGRAPH %d", s->fname, s->para);
			diag_add(s->notes, where, "这一段之后有一个表格，表格中的内容没有读取（题目请写成段落，不要放在表格里）");
			s->tables++;
		}
		return;
	}
	if (s->tbl)
		return;
	if (is_skipped(l)) {
		if (s->in_p)
			s->image = 1;
		s->skip++;
		return;
	}
	if (s->skip)
		return;
	if (strcmp(l, "p") == 0 && !s->in_p) {
		s->in_p = 1;
		s->para++;
		buf_reset(&s->text);
		s->image = s->symbol = 0;
	} else if (!s->in_p) {
		return;
	} else if (strcmp(l, "pPr") == 0) {
		s->in_ppr = 1;
	} else if (strcmp(l, "t") == 0) {
		s->in_t = 1;
	} else if (s->in_ppr) {
		return;
	} else if (strcmp(l, "tab") == 0) {
		add_text(s, "\t", 1);
	} else if (strcmp(l, "br") == 0 || strcmp(l, "cr") == 0) {
		add_text(s, "\n", 1);
	} else if (strcmp(l, "sym") == 0) {
		s->symbol = 1;
	}
}

static void XMLCALL docx_end(void *ud, const XML_Char *name)
{
	struct docx_state *s = ud;
	const char *l = local(name);

	if (s->failed)
		return;
	if (strcmp(l, "tbl") == 0) {
		if (s->tbl > 0)
			s->tbl--;
		return;
	}
	if (s->tbl)
		return;
	if (is_skipped(l)) {
		if (s->skip > 0)
			s->skip--;
		return;
	}
	if (s->skip || !s->in_p)
		return;
	if (strcmp(l, "p") == 0) {
		flush_para(s);
		s->in_p = s->in_t = s->in_ppr = 0;
	} else if (strcmp(l, "pPr") == 0) {
		s->in_ppr = 0;
	} else if (strcmp(l, "t") == 0) {
		s->in_t = 0;
	}
}

static void XMLCALL docx_chars(void *ud, const XML_Char *str, int len)
{
	struct docx_state *s = ud;

	if (!s->failed && s->in_p && s->in_t && !s->tbl && !s->skip && len > 0)
		add_text(s, str, (size_t)len);
}

int bank_docx_parse(const char *data, size_t len, const char *fname, const struct bank_meta *meta,
		    struct bank_doc *out, struct diag *d)
{
	struct docx_state s = {.fname = fname, .d = d};
	struct diag notes = {0};
	struct bank_tunit *u = NULL;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	zip_error_t zerr;
	char *xml = NULL;
	size_t xlen = 0, before = d->total;

	s.notes = &notes;
	zip_error_init(&zerr);
	buf_init(&s.text, BANK_DOCX_MAX_PARAGRAPH);
	buf_init(&s.all, BANK_DOCX_MAX_UNZIPPED);
	if (len >= 4 && memcmp(data, "\xd0\xcf\x11\xe0", 4) == 0) {
		diag_add(d, fname, "这是旧版 Word（.doc）文件（或设置了打开密码的文档），无法读取：请另存为 .docx——"
				   "在 Word 中“文件 → 另存为”，保存类型选“Word 文档（*.docx）”（有密码的先取消密码）");
		goto out;
	}
	if (!table_is_zip(data, len)) {
		diag_add(d, fname, "这不是 Word 文档（.docx 是 zip 格式）：请上传 Word 2007 及以后版本保存的 .docx 文件，"
				   "或把题目粘贴为文本按 txt 格式导入");
		goto out;
	}
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (!src) {
		diag_add(d, fname, "无法读取 Word 文件（%s）", zip_error_strerror(&zerr));
		goto out;
	}
	za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	if (!za) {
		diag_add(d, fname, "Word 文件损坏，无法作为 zip 打开（%s）", zip_error_strerror(&zerr));
		goto out;
	}
	src = NULL; /* the archive owns it now */
	if (docx_entry(za, fname, &xml, &xlen, d) != LX_OK)
		goto out;
	if (xlen > INT32_MAX) {
		diag_add(d, fname, "Word 文件中的 %s 太大", DOCX_PART);
		goto out;
	}
	s.p = XML_ParserCreate(NULL);
	if (!s.p) {
		diag_add(d, fname, "内存不足，无法解析 Word 文件");
		goto out;
	}
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, docx_start, docx_end);
	XML_SetCharacterDataHandler(s.p, docx_chars);
	XML_SetStartDoctypeDeclHandler(s.p, no_doctype);
	if (XML_Parse(s.p, xml, (int)xlen, 1) == XML_STATUS_ERROR && !s.failed) {
		diag_add(d, fname, "Word 文件损坏：%s 第 %lu 行不是合法的 XML（%s）", DOCX_PART,
			 (unsigned long)XML_GetCurrentLineNumber(s.p), XML_ErrorString(XML_GetErrorCode(s.p)));
		goto out;
	}
	if (s.failed)
		goto out;
	if (!text_utf8_valid(buf_str(&s.all), s.all.len)) { /* expat gives UTF-8; be sure */
		diag_add(d, fname, "Word 文件中的文字不是有效的 UTF-8");
		goto out;
	}
	u = lx_calloc(s.nlines ? s.nlines : 1, sizeof *u);
	for (size_t i = 0, off = 0; i < s.nlines; i++) {
		u[i].text = s.all.data + off;
		u[i].loc = s.locs[i];
		u[i].image = s.images[i];
		u[i].symbol = s.symbols[i];
		off += strlen(u[i].text) + 1;
	}
	bank_text_units(u, s.nlines, fname, 1, meta, &notes, out, d);
out:
	if (s.p)
		XML_ParserFree(s.p);
	free(u);
	free(xml);
	free(s.locs);
	free(s.images);
	free(s.symbols);
	buf_free(&s.text);
	buf_free(&s.all);
	diag_free(&notes);
	if (za)
		zip_discard(za);
	if (src)
		zip_source_free(src);
	zip_error_fini(&zerr);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}
