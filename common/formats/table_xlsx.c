/* table_xlsx.c — the XLSX reader: the first worksheet of an Excel 2007+ file, read from
 * memory with libzip and expat: each part is inflated in chunks straight into the XML
 * parser (never held whole), capped against zip bombs (total inflated size and ratio per
 * entry) and hostile XML (no DOCTYPE);
 * shared and inline strings, numbers as Excel shows them. Does not interpret columns. */
#include "table.h"

#include <expat.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "table_int.h"
#include "text.h"

#define XLSX_MAX_SHARED 1000000   /* shared strings */
#define XLSX_MAX_COLNUM 16384     /* Excel's last column (XFD) */


struct xlsx {
	zip_t *za;
	size_t budget; /* decompressed bytes we may still read */
	const char *fname;
	struct diag *d;
	char **shared;
	size_t nshared, capshared;
};

static const char *xml_local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static const char *xml_attr(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

/* Attribute by local name, any prefix (e.g. "r:id" for "id" with want_prefixed). */
static const char *xml_attr_local(const char **atts, const char *local, int want_prefixed)
{
	for (size_t i = 0; atts[i]; i += 2) {
		int prefixed = strchr(atts[i], ':') != NULL;
		if (prefixed == want_prefixed && strcmp(xml_local(atts[i]), local) == 0)
			return atts[i + 1];
	}
	return NULL;
}

/* A parse run: the state is the user data of the handlers below. */
struct xml_run {
	XML_Parser p;
	int failed;          /* set by a handler that stopped the parser with a diagnostic */
	struct xlsx *x;
	const char *part;    /* entry name, for messages */
};

static void xml_fail(struct xml_run *run, const char *msg)
{
	if (!run->failed)
		diag_add(run->x->d, run->x->fname, "XLSX 文件中的 %s 有问题：%s", run->part, msg);
	run->failed = 1;
	XML_StopParser(run->p, XML_FALSE);
}

static void XMLCALL xml_no_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
				   const XML_Char *pubid, int has_internal)
{
	xml_fail(ud, "含有 DOCTYPE 声明（正常的 Excel 文件没有），拒绝读取");
}

/* Whether inflated bytes of run's entry (compressed: comp bytes) pass a cap; if so reported. */
static int xlsx_inflated_too_much(struct xml_run *run, zip_uint64_t inflated, zip_uint64_t comp)
{
	struct xlsx *x = run->x;

	if (inflated > x->budget) {
		diag_add(x->d, x->fname,
			 "XLSX 文件解压后超过 %u MiB 的上限，没有读取（请拆分为几个文件导入，或改用 CSV）",
			 TABLE_XLSX_MAX_UNZIPPED >> 20);
		return 1;
	}
	if (inflated > TABLE_XLSX_RATIO_FREE && inflated / TABLE_XLSX_MAX_RATIO > comp) {
		diag_add(x->d, x->fname,
			 "XLSX 文件中的 %s 解压后是压缩大小的 %u 倍以上（正常的 Excel 文件不会这样），"
			 "疑似“压缩炸弹”，拒绝读取",
			 run->part, TABLE_XLSX_MAX_RATIO);
		return 1;
	}
	return 0;
}

/* Inflates the entry name in chunks straight into expat (created here, with the caller's
 * handlers and run as user data): the entry's text is never held whole. Stops, reported,
 * when the archive's inflated bytes would pass TABLE_XLSX_MAX_UNZIPPED, or the entry
 * inflates beyond TABLE_XLSX_MAX_RATIO times its compressed size past its first
 * TABLE_XLSX_RATIO_FREE bytes (a zip bomb) — by the sizes the archive declares, before
 * inflating anything; and an entry that inflates beyond its declared size is refused as
 * soon as it does (libzip would read it all before noticing), so the caps hold for sizes
 * that lie too. Returns LX_OK, LX_ERR_NOTFOUND when the entry is absent (nothing reported),
 * or LX_ERR_INVALID (reported). */
static int xml_parse_entry(struct xml_run *run, const char *name, XML_StartElementHandler start,
			   XML_EndElementHandler end, XML_CharacterDataHandler chars)
{
	struct xlsx *x = run->x;
	zip_file_t *zf = NULL;
	zip_stat_t st;
	zip_int64_t idx, got;
	zip_uint64_t comp = 0, declared = UINT64_MAX, inflated = 0;
	char chunk[65536];
	int rc = LX_ERR_INVALID;

	run->p = NULL;
	idx = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
	if (idx < 0)
		return LX_ERR_NOTFOUND;
	zip_stat_init(&st);
	if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) == 0) {
		if (st.valid & ZIP_STAT_COMP_SIZE)
			comp = st.comp_size;
		if (st.valid & ZIP_STAT_SIZE)
			declared = st.size;
		if (declared != UINT64_MAX && xlsx_inflated_too_much(run, declared, comp))
			goto out;
	}
	zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
	if (!zf) {
		diag_add(x->d, x->fname, "XLSX 文件损坏或已加密：无法打开其中的 %s（%s）", name,
			 zip_strerror(x->za));
		goto out;
	}
	run->p = XML_ParserCreate(NULL);
	if (!run->p) {
		diag_add(x->d, x->fname, "内存不足，无法解析 XLSX");
		goto out;
	}
	XML_SetUserData(run->p, run);
	XML_SetElementHandler(run->p, start, end);
	if (chars)
		XML_SetCharacterDataHandler(run->p, chars);
	XML_SetStartDoctypeDeclHandler(run->p, xml_no_doctype);
	for (;;) {
		got = zip_fread(zf, chunk, sizeof chunk);
		if (got < 0) {
			diag_add(x->d, x->fname, "XLSX 文件损坏：无法读取其中的 %s（%s）", name,
				 zip_file_strerror(zf));
			goto out;
		}
		inflated += (zip_uint64_t)got;
		if (inflated > declared) { /* libzip would only notice at the end */
			diag_add(x->d, x->fname,
				 "XLSX 文件损坏：其中的 %s 解压后比文件声明的大小（%llu 字节）大，拒绝读取", name,
				 (unsigned long long)declared);
			goto out;
		}
		if (xlsx_inflated_too_much(run, inflated, comp))
			goto out;
		if (XML_Parse(run->p, chunk, (int)got, got == 0) == XML_STATUS_ERROR) {
			if (!run->failed)
				diag_add(x->d, x->fname,
					 "XLSX 文件损坏：%s 第 %lu 行不是合法的 XML（%s）", run->part,
					 (unsigned long)XML_GetCurrentLineNumber(run->p),
					 XML_ErrorString(XML_GetErrorCode(run->p)));
			goto out;
		}
		if (run->failed)
			goto out;
		if (got == 0)
			break;
	}
	x->budget -= inflated;
	rc = LX_OK;
out:
	if (zf)
		zip_fclose(zf);
	if (run->p)
		XML_ParserFree(run->p);
	run->p = NULL;
	return rc;
}

/* Decodes OOXML's _xHHHH_ escapes (Excel writes a carriage return as _x000D_) in place. */
static void ooxml_unescape(struct buf *b)
{
	char *s = b->data;
	size_t r = 0, w = 0;

	if (!s)
		return;
	while (r < b->len) {
		unsigned cp = 0;
		int ok = r + 7 <= b->len && s[r] == '_' && s[r + 1] == 'x' && s[r + 6] == '_';
		for (size_t k = 2; ok && k < 6; k++) {
			char c = s[r + k];
			unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0')
				   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
			if (v > 15)
				ok = 0;
			cp = cp * 16 + v;
		}
		if (!ok || cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
			s[w++] = s[r++];
			continue;
		}
		/* cp < 0x10000: at most 3 UTF-8 bytes, never longer than the 7-byte escape */
		if (cp < 0x80) {
			s[w++] = (char)cp;
		} else if (cp < 0x800) {
			s[w++] = (char)(0xc0 | (cp >> 6));
			s[w++] = (char)(0x80 | (cp & 0x3f));
		} else {
			s[w++] = (char)(0xe0 | (cp >> 12));
			s[w++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			s[w++] = (char)(0x80 | (cp & 0x3f));
		}
		r += 7;
	}
	b->len = w;
	s[w] = '\0';
}

/* -- xl/workbook.xml: the r:id of the first <sheet> -- */
struct wb_state {
	struct xml_run run;
	char *rid;
};

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct wb_state *s = ud;
	const char *id;

	if (s->rid || strcmp(xml_local(name), "sheet") != 0)
		return;
	id = xml_attr_local(atts, "id", 1);
	if (id)
		s->rid = lx_strdup(id);
}

static void XMLCALL xml_end_nop(void *ud, const XML_Char *name)
{
}

/* -- xl/_rels/workbook.xml.rels: the Target of the relationship with that Id -- */
struct rels_state {
	struct xml_run run;
	const char *rid;
	char *target;
};

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct rels_state *s = ud;
	const char *id, *target;

	if (s->target || strcmp(xml_local(name), "Relationship") != 0)
		return;
	id = xml_attr(atts, "Id");
	target = xml_attr(atts, "Target");
	if (id && target && strcmp(id, s->rid) == 0)
		s->target = lx_strdup(target);
}

/* Finds the first worksheet's entry name (caller frees). */
static char *xlsx_first_sheet(struct xlsx *x)
{
	struct wb_state wb = {.run = {.x = x, .part = "xl/workbook.xml"}};
	struct rels_state rels = {.run = {.x = x, .part = "xl/_rels/workbook.xml.rels"}};
	char *res = NULL;

	if (xml_parse_entry(&wb.run, wb.run.part, wb_start, xml_end_nop, NULL) != LX_OK || !wb.rid)
		goto out;
	rels.rid = wb.rid;
	if (xml_parse_entry(&rels.run, rels.run.part, rels_start, xml_end_nop, NULL) != LX_OK || !rels.target ||
	    strlen(rels.target) > 200)
		goto out; /* an absurd target: fall back to sheet1.xml */
	if (rels.target[0] == '/')
		res = lx_strdup(rels.target + 1);
	else if (strncmp(rels.target, "xl/", 3) == 0)
		res = lx_strdup(rels.target);
	else
		res = lx_asprintf("xl/%s", rels.target);
out:
	free(wb.rid);
	free(rels.target);
	return res;
}

/* -- xl/sharedStrings.xml -- */
struct sst_state {
	struct xml_run run;
	int in_si, in_t, in_rph;
	struct buf text;
};

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct sst_state *s = ud;
	const char *l = xml_local(name);

	if (strcmp(l, "si") == 0) {
		s->in_si = 1;
		buf_reset(&s->text);
	} else if (strcmp(l, "rPh") == 0) {
		s->in_rph++;
	} else if (strcmp(l, "t") == 0 && s->in_si) {
		s->in_t = 1;
	}
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	struct sst_state *s = ud;
	struct xlsx *x = s->run.x;
	const char *l = xml_local(name);

	if (strcmp(l, "t") == 0) {
		s->in_t = 0;
	} else if (strcmp(l, "rPh") == 0) {
		if (s->in_rph > 0)
			s->in_rph--;
	} else if (strcmp(l, "si") == 0 && s->in_si) {
		s->in_si = 0;
		if (x->nshared >= XLSX_MAX_SHARED) {
			xml_fail(&s->run, "共享字符串太多");
			return;
		}
		if (x->nshared == x->capshared) {
			x->capshared = x->capshared ? x->capshared * 2 : 64;
			x->shared = lx_realloc(x->shared, x->capshared * sizeof *x->shared);
		}
		ooxml_unescape(&s->text);
		x->shared[x->nshared++] = lx_strndup(buf_str(&s->text), s->text.len);
	}
}

static void XMLCALL sst_chars(void *ud, const XML_Char *str, int len)
{
	struct sst_state *s = ud;

	if (s->in_si && s->in_t && !s->in_rph && buf_add(&s->text, str, (size_t)len) != LX_OK)
		xml_fail(&s->run, "某个单元格的文字超过 1 MiB 的上限");
}

/* -- the worksheet -- */
struct sheet_state {
	struct xml_run run;
	struct tbuild *b;
	struct rowb row;
	int rownum;          /* current <row>, 0 outside */
	int last_rownum;
	long col;            /* current cell's column, -1 outside a cell */
	long last_col;
	char type[16];
	int in_v, in_is, in_t, in_rph;
	struct buf text;
};

static int parse_cell_ref(const char *r, long *col, long *row)
{
	long c = 0, n = 0;
	size_t i = 0;

	while ((r[i] >= 'A' && r[i] <= 'Z') || (r[i] >= 'a' && r[i] <= 'z')) {
		c = c * 26 + ((r[i] | 0x20) - 'a' + 1);
		if (c > XLSX_MAX_COLNUM)
			return -1;
		i++;
	}
	if (c == 0)
		return -1;
	while (r[i] >= '0' && r[i] <= '9') {
		n = n * 10 + (r[i] - '0');
		if (n > TABLE_MAX_ROWNUM)
			return -1;
		i++;
	}
	if (r[i] != '\0')
		return -1;
	*col = c - 1;
	*row = n;
	return 0;
}

static int parse_uint(const char *s, long max, long *out)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* A number as Excel shows it in a General cell: integers without ".0", 15 digits.
 * Returns a fresh string (caller frees). */
static char *xlsx_number(const char *s)
{
	const char *b = s, *e = s + strlen(s);
	char *end = NULL, tmp[64];
	double v;

	text_trim_range(&b, &e);
	if (b == e)
		return lx_strdup("");
	v = strtod(b, &end);
	if (end != e || !isfinite(v))
		return lx_strndup(b, (size_t)(e - b));
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(tmp, sizeof tmp, "%.0f", v == 0 ? 0.0 : v);
	else
		snprintf(tmp, sizeof tmp, "%.15g", v);
	return lx_strdup(tmp);
}

static void sheet_error(struct sheet_state *s, const char *msg)
{
	if (!s->run.failed)
		tb_fatal(s->b, s->rownum > 0 ? s->rownum : s->last_rownum, msg);
	s->run.failed = 1;
	XML_StopParser(s->run.p, XML_FALSE);
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct sheet_state *s = ud;
	const char *l = xml_local(name), *a;

	if (strcmp(l, "row") == 0) {
		long r = s->last_rownum + 1;
		a = xml_attr(atts, "r");
		if (a && parse_uint(a, TABLE_MAX_ROWNUM, &r) != 0) {
			sheet_error(s, "XLSX 文件损坏：行号不合法");
			return;
		}
		if (r <= s->last_rownum || r < 1) {
			sheet_error(s, "XLSX 文件损坏：行号重复或顺序颠倒");
			return;
		}
		tb_row_free(&s->row);
		s->rownum = (int)r;
		s->last_col = -1;
	} else if (strcmp(l, "c") == 0 && s->rownum > 0) {
		long c = s->last_col + 1, r = 0;
		a = xml_attr(atts, "r");
		if (a && parse_cell_ref(a, &c, &r) != 0) {
			sheet_error(s, "XLSX 文件损坏：单元格位置不合法");
			return;
		}
		s->col = c;
		s->last_col = c;
		a = xml_attr(atts, "t");
		snprintf(s->type, sizeof s->type, "%s", a ? a : "n");
		buf_reset(&s->text);
		s->in_v = s->in_is = s->in_t = s->in_rph = 0;
	} else if (s->col >= 0) {
		if (strcmp(l, "v") == 0)
			s->in_v = 1;
		else if (strcmp(l, "is") == 0)
			s->in_is = 1;
		else if (strcmp(l, "t") == 0 && s->in_is)
			s->in_t = 1;
		else if (strcmp(l, "rPh") == 0)
			s->in_rph++;
	}
}

/* The text of the finished cell by its type, fresh (caller frees); NULL after a reported
 * problem. */
static char *sheet_cell_value(struct sheet_state *s)
{
	const char *t = s->type;
	long idx;

	if (s->text.len == 0)
		return lx_strdup("");

	if (strcmp(t, "s") == 0) {
		struct xlsx *x = s->run.x;
		const char *b = buf_str(&s->text), *e = b + s->text.len;
		char num[24];
		text_trim_range(&b, &e);
		snprintf(num, sizeof num, "%.*s", (int)(e - b < 20 ? e - b : 20), b);
		if (parse_uint(num, LONG_MAX / 10, &idx) != 0 || (size_t)idx >= x->nshared) {
			sheet_error(s, "XLSX 文件损坏：单元格引用了不存在的共享字符串");
			return NULL;
		}
		return lx_strdup(x->shared[idx]);
	}
	if (strcmp(t, "b") == 0) {
		const char *v = buf_str(&s->text);
		return lx_strdup(strcmp(v, "1") == 0 ? "TRUE" : strcmp(v, "0") == 0 ? "FALSE" : v);
	}
	if (strcmp(t, "n") == 0)
		return xlsx_number(buf_str(&s->text));
	/* inlineStr, str (formula result), e (error), d (ISO date): the text as written */
	ooxml_unescape(&s->text);
	return lx_strndup(buf_str(&s->text), s->text.len);
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	struct sheet_state *s = ud;
	const char *l = xml_local(name);

	if (strcmp(l, "row") == 0 && s->rownum > 0) {
		tb_push(s->b, &s->row, s->rownum);
		tb_row_free(&s->row);
		if (s->b->stop) {
			s->run.failed = 1;
			XML_StopParser(s->run.p, XML_FALSE);
		}
		s->last_rownum = s->rownum;
		s->rownum = 0;
	} else if (strcmp(l, "c") == 0 && s->col >= 0) {
		char *v = sheet_cell_value(s);
		if (v && v[0] && s->col >= TABLE_MAX_COLS) {
			char msg[160], cn[16];
			snprintf(msg, sizeof msg, "%s 列有内容，超出了 %d 列的上限",
				 table_col_name((size_t)s->col, cn, sizeof cn), TABLE_MAX_COLS);
			free(v);
			sheet_error(s, msg);
		} else if (v && v[0]) {
			tb_row_set(&s->row, (size_t)s->col, v);
		} else {
			free(v);
		}
		s->col = -1;
	} else if (strcmp(l, "v") == 0) {
		s->in_v = 0;
	} else if (strcmp(l, "is") == 0) {
		s->in_is = 0;
	} else if (strcmp(l, "t") == 0) {
		s->in_t = 0;
	} else if (strcmp(l, "rPh") == 0 && s->in_rph > 0) {
		s->in_rph--;
	}
}

static void XMLCALL sheet_chars(void *ud, const XML_Char *str, int len)
{
	struct sheet_state *s = ud;

	if (s->col < 0 || s->in_rph || !(s->in_v || (s->in_is && s->in_t)))
		return;
	if (buf_add(&s->text, str, (size_t)len) != LX_OK)
		sheet_error(s, "某个单元格的文字超过 1 MiB 的上限");
}

int table_read_xlsx(const char *data, size_t len, const char *fname, struct table *t, struct diag *d)
{
	struct tbuild b = {.t = t, .fname = fname, .d = d};
	struct xlsx x = {.budget = TABLE_XLSX_MAX_UNZIPPED, .fname = fname, .d = d};
	struct sst_state sst = {.run = {.x = &x, .part = "xl/sharedStrings.xml"}};
	struct sheet_state sh = {.b = &b, .col = -1, .last_col = -1};
	zip_source_t *src = NULL;
	zip_error_t zerr;
	char *sheet = NULL;
	size_t before = d->total;
	const char *why;
	int rc;

	memset(t, 0, sizeof *t);
	zip_error_init(&zerr);
	buf_init(&sst.text, TABLE_MAX_CELL_BYTES);
	buf_init(&sh.text, TABLE_MAX_CELL_BYTES);
	why = tb_magic_problem(data, len, 1);
	if (why) {
		diag_add(d, fname, "%s", why);
		goto out;
	}
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (!src) {
		diag_add(d, fname, "无法读取 XLSX 文件（%s）", zip_error_strerror(&zerr));
		goto out;
	}
	x.za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	if (!x.za) {
		diag_add(d, fname, "XLSX 文件损坏，无法作为 zip 打开（%s）", zip_error_strerror(&zerr));
		goto out;
	}
	src = NULL; /* the archive owns it now */

	rc = xml_parse_entry(&sst.run, sst.run.part, sst_start, sst_end, sst_chars);
	if (rc == LX_ERR_INVALID)
		goto out;

	sheet = xlsx_first_sheet(&x);
	if (d->total > before)
		goto out;
	sh.run.x = &x;
	sh.run.part = sheet;
	rc = sheet ? xml_parse_entry(&sh.run, sheet, sheet_start, sheet_end, sheet_chars) : LX_ERR_NOTFOUND;
	if (rc == LX_ERR_NOTFOUND) {
		free(sheet);
		sheet = lx_strdup("xl/worksheets/sheet1.xml");
		sh.run.part = sheet;
		rc = xml_parse_entry(&sh.run, sheet, sheet_start, sheet_end, sheet_chars);
	}
	if (rc == LX_ERR_NOTFOUND)
		diag_add(d, fname, "XLSX 文件中找不到工作表：请确认这是 Excel 保存的 .xlsx 文件");
out:
	free(sheet);
	tb_row_free(&sh.row);
	buf_free(&sh.text);
	buf_free(&sst.text);
	for (size_t i = 0; i < x.nshared; i++)
		free(x.shared[i]);
	free(x.shared);
	if (x.za)
		zip_discard(x.za);
	if (src)
		zip_source_free(src);
	zip_error_fini(&zerr);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}

