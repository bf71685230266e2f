/* table.c — CSV and XLSX files read into rows of UTF-8 strings (see table.h).
 * Owns: text decoding (BOM, UTF-8 check, GB18030 through iconv), the RFC 4180 reader,
 * the XLSX reader (libzip from memory + expat, capped against zip bombs and hostile XML),
 * header mapping, list splitting. Does not interpret columns: the bank and roster
 * importers do. Row numbers are Excel's: header = 1, a quoted newline stays in its row. */
#include "table.h"

#include <errno.h>
#include <expat.h>
#include <iconv.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "buf.h"
#include "err.h"
#include "mem.h"

#define XLSX_MAX_SHARED 1000000   /* shared strings */
#define XLSX_MAX_ROWNUM 1048576   /* Excel's last row */
#define XLSX_MAX_COLNUM 16384     /* Excel's last column (XFD) */

/* ---------------------------------------------------------------------------------- */
/* Small text helpers                                                                  */

int table_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Length of the white space at p (0 if none): ASCII space/tab/CR/LF/VT/FF, U+00A0,
 * U+3000 (ideographic space), U+FEFF (a stray BOM). */
static size_t space_len(const char *p, const char *end)
{
	size_t left = (size_t)(end - p);

	if (left >= 1 && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
		return 1;
	if (left >= 2 && memcmp(p, "\xc2\xa0", 2) == 0)
		return 2;
	if (left >= 3 && (memcmp(p, "\xe3\x80\x80", 3) == 0 || memcmp(p, "\xef\xbb\xbf", 3) == 0))
		return 3;
	return 0;
}

/* Length of the white space that ends just before end (0 if none), not going below start. */
static size_t space_len_back(const char *start, const char *end)
{
	size_t left = (size_t)(end - start);

	if (left >= 1 && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
		return 1;
	if (left >= 2 && memcmp(end - 2, "\xc2\xa0", 2) == 0)
		return 2;
	if (left >= 3 && (memcmp(end - 3, "\xe3\x80\x80", 3) == 0 ||
			  memcmp(end - 3, "\xef\xbb\xbf", 3) == 0))
		return 3;
	return 0;
}

/* Trims [*b, *e) in place. */
static void trim_range(const char **b, const char **e)
{
	size_t n;

	while (*b < *e && (n = space_len(*b, *e)) > 0)
		*b += n;
	while (*e > *b && (n = space_len_back(*b, *e)) > 0)
		*e -= n;
}

char *table_trim(const char *s)
{
	const char *b = s, *e = s + strlen(s);

	trim_range(&b, &e);
	return lx_strndup(b, (size_t)(e - b));
}

/* Length of the well-formed UTF-8 sequence at p (at most left bytes), 0 if malformed. */
static size_t utf8_seq(const char *p, size_t left)
{
	unsigned c = (unsigned char)p[0];
	size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

	if (n == 0 || n > left || !table_utf8_valid(p, n))
		return 0;
	return n;
}

const char *table_clip(const char *s, size_t max, char *out, size_t outlen)
{
	size_t n = strlen(s), i = 0, k = 0;

	if (outlen < 5) {
		if (outlen)
			out[0] = '\0';
		return out;
	}
	if (max > outlen - 4)
		max = outlen - 4;
	while (i < n) {
		size_t sl = utf8_seq(s + i, n - i);
		if (k + (sl ? sl : 1) > max) {
			memcpy(out + k, "\xe2\x80\xa6", 3); /* … */
			k += 3;
			break;
		}
		if (sl == 0) { /* not UTF-8: shown as '?' */
			out[k++] = '?';
			i++;
			continue;
		}
		if (sl == 1 && (s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
			out[k] = ' ';
		else
			memcpy(out + k, s + i, sl);
		k += sl;
		i += sl;
	}
	out[k] = '\0';
	return out;
}

const char *table_col_name(size_t c, char *out, size_t outlen)
{
	char tmp[16];
	size_t n = 0, k = 0;

	c++;
	while (c > 0 && n < sizeof tmp) {
		c--;
		tmp[n++] = (char)('A' + c % 26);
		c /= 26;
	}
	while (n > 0 && k + 1 < outlen)
		out[k++] = tmp[--n];
	if (outlen)
		out[k] = '\0';
	return out;
}

/* ---------------------------------------------------------------------------------- */
/* Building a table                                                                    */

struct rowb {
	char **cells;
	size_t n, cap;
};

/* Every empty cell points here: a file of empty cells costs no allocations. Never freed. */
static char empty_cell[1];

static char *cell_dup(const char *p, size_t n)
{
	return n ? lx_strndup(p, n) : empty_cell;
}

static void cell_free(char *c)
{
	if (c != empty_cell)
		free(c);
}

struct tbuild {
	struct table *t;
	size_t cap;   /* allocated rows */
	size_t cells; /* cells stored so far */
	const char *fname;
	struct diag *d;
	int stop;     /* a fatal problem was reported: read no further */
};

static void rowb_free(struct rowb *r)
{
	for (size_t i = 0; i < r->n; i++)
		cell_free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof *r);
}

/* Puts s (consumed; from cell_dup()) at column col, filling a gap with "".
 * col < TABLE_MAX_COLS. */
static void rowb_set(struct rowb *r, size_t col, char *s)
{
	if (col >= r->cap) {
		size_t cap = r->cap ? r->cap : 8;
		while (cap <= col)
			cap *= 2;
		r->cells = lx_realloc(r->cells, cap * sizeof *r->cells);
		r->cap = cap;
	}
	while (r->n < col)
		r->cells[r->n++] = empty_cell;
	if (col == r->n) {
		r->cells[r->n++] = s;
		return;
	}
	cell_free(r->cells[col]);
	r->cells[col] = s;
}

static void tb_fatal(struct tbuild *b, int rownum, const char *msg)
{
	char where[512];

	if (rownum > 0)
		snprintf(where, sizeof where, "%s:ROW %d", b->fname, rownum);
	else
		snprintf(where, sizeof where, "%s", b->fname);
	diag_add(b->d, where, "%s", msg);
	b->stop = 1;
}

/* Appends the row (cells consumed, r reset) without its trailing empty cells, unless it
 * is fully empty. Checks the caps: every stored cell counts, so memory stays bounded. */
static void tb_push(struct tbuild *b, struct rowb *r, int rownum)
{
	struct table *t = b->t;
	struct table_row *row;

	while (r->n > 0 && r->cells[r->n - 1][0] == '\0')
		cell_free(r->cells[--r->n]);
	if (b->stop || r->n == 0) {
		rowb_free(r);
		return;
	}
	if (t->n >= TABLE_MAX_ROWS + 1) {
		char msg[160];
		snprintf(msg, sizeof msg, "行数超过上限（最多 %d 行数据），其余内容没有读取",
			 TABLE_MAX_ROWS);
		tb_fatal(b, rownum, msg);
		rowb_free(r);
		return;
	}
	if (b->cells + r->n > TABLE_MAX_CELLS) {
		char msg[160];
		snprintf(msg, sizeof msg, "单元格超过上限（最多 %d 个），其余内容没有读取",
			 TABLE_MAX_CELLS);
		tb_fatal(b, rownum, msg);
		rowb_free(r);
		return;
	}
	b->cells += r->n;
	if (t->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		t->rows = lx_realloc(t->rows, b->cap * sizeof *t->rows);
	}
	row = &t->rows[t->n++];
	row->rownum = rownum;
	row->cells = r->n < r->cap ? lx_realloc(r->cells, r->n * sizeof *r->cells) : r->cells;
	row->n = r->n;
	memset(r, 0, sizeof *r);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		for (size_t k = 0; k < t->rows[i].n; k++)
			cell_free(t->rows[i].cells[k]);
		free(t->rows[i].cells);
	}
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

/* Files that are clearly not what the reader expects get one clear message. */
static const struct {
	const char *magic;
	size_t len;
	const char *what; /* NULL: fine for that reader */
} magic_csv[] = {
	{"PK\x03\x04", 4, "这是 XLSX（zip）文件，不是 CSV 文本：请按 xlsx 格式导入"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8,
	 "这是旧版 Excel（.xls）文件或设置了打开密码的 Excel 文件：请在 Excel 中取消密码并另存为 .xlsx 或“CSV UTF-8（逗号分隔）”"},
	{"\xff\xfe", 2, "这是 UTF-16 编码的文本：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"},
	{"\xfe\xff", 2, "这是 UTF-16 编码的文本：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"},
};

static const char *magic_problem(const char *data, size_t len, int want_zip)
{
	if (want_zip) {
		if (len >= 8 && memcmp(data, magic_csv[1].magic, 8) == 0)
			return magic_csv[1].what;
		if (len < 4 || memcmp(data, "PK\x03\x04", 4) != 0)
			return "这不是 XLSX 文件（不是 zip 格式）：请上传 Excel 2007 及以后版本保存的 .xlsx 文件，或按 csv 格式导入";
		return NULL;
	}
	for (size_t i = 0; i < sizeof magic_csv / sizeof magic_csv[0]; i++)
		if (len >= magic_csv[i].len && memcmp(data, magic_csv[i].magic, magic_csv[i].len) == 0)
			return magic_csv[i].what;
	return NULL;
}

/* ---------------------------------------------------------------------------------- */
/* CSV                                                                                 */

/* 1 if text that is not valid UTF-8 is still mostly UTF-8 (many valid multi-byte
 * sequences, few bad bytes): a damaged UTF-8 file, not GB18030. *first_bad: its offset. */
static int mostly_utf8(const char *s, size_t len, size_t *first_bad)
{
	size_t ok = 0, bad = 0, i = 0;

	while (i < len) {
		size_t n = (unsigned char)s[i] < 0x80 ? 1 : utf8_seq(s + i, len - i);
		if (n == 0) {
			if (bad++ == 0)
				*first_bad = i;
			i++;
			continue;
		}
		ok += n > 1;
		i += n;
	}
	return ok >= 8 && bad * 20 < ok;
}

/* Decodes the input into fresh NUL-terminated UTF-8 without BOM (*out, caller frees).
 * UTF-8 stays as it is; anything else is read as GB18030. */
static int csv_decode(const char *data, size_t len, char **out, size_t *outlen,
		      const char *fname, struct diag *d)
{
	iconv_t cd = (iconv_t)-1;
	char *res = NULL, *in, *o;
	size_t cap, inleft, oleft, bad = 0;
	int rc = LX_ERR_INVALID;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (table_utf8_valid(data, len)) {
		res = lx_strndup(data, len);
		*outlen = len;
		rc = LX_OK;
		goto out;
	}
	if (mostly_utf8(data, len, &bad)) {
		int line = 1;
		for (size_t i = 0; i < bad; i++)
			line += data[i] == '\n';
		diag_add(d, fname,
			 "文件是 UTF-8 编码，但文本第 %d 行（第 %zu 字节处）有不是 UTF-8 的字节：文件可能已损坏，请重新另存为“CSV UTF-8（逗号分隔）”",
			 line, bad + 1);
		goto out;
	}
	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1) {
		diag_add(d, fname, "文件不是有效的 UTF-8，而本机不支持 GB18030 解码：请另存为“CSV UTF-8（逗号分隔）”");
		goto out;
	}
	cap = len * 2 + 16;
	res = lx_malloc(cap);
	in = (char *)data;
	inleft = len;
	o = res;
	oleft = cap - 1;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1)
			continue;
		if (errno == E2BIG) {
			size_t used = (size_t)(o - res);
			cap *= 2;
			res = lx_realloc(res, cap);
			o = res + used;
			oleft = cap - 1 - used;
			continue;
		}
		{
			size_t off = (size_t)(in - data);
			int line = 1;
			for (size_t i = 0; i < off; i++)
				line += data[i] == '\n';
			diag_add(d, fname,
				 "文件既不是有效的 UTF-8，也不能按 GB18030 解码（文本第 %d 行，第 %zu 字节处）：请另存为“CSV UTF-8（逗号分隔）”",
				 line, off + 1);
		}
		goto out;
	}
	*o = '\0';
	*outlen = (size_t)(o - res);
	if (*outlen >= 3 && memcmp(res, "\xef\xbb\xbf", 3) == 0) {
		memmove(res, res + 3, *outlen - 3 + 1);
		*outlen -= 3;
	}
	rc = LX_OK;
out:
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	if (rc != LX_OK) {
		free(res);
		res = NULL;
	}
	*out = res;
	return rc;
}

static void csv_cell_error(struct tbuild *b, int rownum, size_t col, const char *msg)
{
	char where[512], cn[16];

	snprintf(where, sizeof where, "%s:ROW %d: column %s", b->fname, rownum,
		 table_col_name(col, cn, sizeof cn));
	diag_add(b->d, where, "%s", msg);
}

/* RFC 4180 over decoded text p[0..len). */
static void csv_parse(struct tbuild *b, const char *p, size_t len)
{
	struct rowb r = {0};
	struct buf f;
	size_t i = 0;
	int rownum = 1;

	buf_init(&f, TABLE_MAX_CELL_BYTES);
	while (i < len && !b->stop) {
		size_t col = 0;
		int end_row = 0;

		while (!end_row && !b->stop) {
			int stray = 0;

			buf_reset(&f);
			if (col >= TABLE_MAX_COLS) {
				char msg[128];
				snprintf(msg, sizeof msg, "列数超过上限（最多 %d 列），其余内容没有读取",
					 TABLE_MAX_COLS);
				tb_fatal(b, rownum, msg);
				break;
			}
			if (i < len && p[i] == '"') {
				int closed = 0;
				i++;
				while (i < len) {
					if (p[i] == '"') {
						if (i + 1 < len && p[i + 1] == '"') {
							if (buf_addc(&f, '"') != LX_OK)
								break;
							i += 2;
							continue;
						}
						i++;
						closed = 1;
						break;
					}
					if (p[i] == '\0')
						break;
					if (buf_addc(&f, p[i]) != LX_OK)
						break;
					i++;
				}
				if (!closed) {
					char msg[256];
					if (i < len && p[i] == '\0')
						snprintf(msg, sizeof msg, "第 %zu 列含有 NUL 字符：这不像文本文件",
							 col + 1);
					else if (i < len)
						snprintf(msg, sizeof msg, "第 %zu 列的内容超过 %d 字节的上限",
							 col + 1, TABLE_MAX_CELL_BYTES);
					else
						snprintf(msg, sizeof msg,
							 "第 %zu 列以引号开头，但直到文件结尾都没有对应的结束引号", col + 1);
					tb_fatal(b, rownum, msg);
					break;
				}
				/* After the closing quote only a separator may follow. */
				while (i < len && p[i] != ',' && p[i] != '\r' && p[i] != '\n' && p[i] != '\0') {
					stray = 1;
					if (buf_addc(&f, p[i]) != LX_OK)
						break;
					i++;
				}
			} else {
				while (i < len && p[i] != ',' && p[i] != '\r' && p[i] != '\n' && p[i] != '\0') {
					if (p[i] == '"')
						stray = 1;
					if (buf_addc(&f, p[i]) != LX_OK)
						break;
					i++;
				}
			}
			if (i < len && p[i] == '\0') {
				char msg[128];
				snprintf(msg, sizeof msg, "第 %zu 列含有 NUL 字符：这不像文本文件", col + 1);
				tb_fatal(b, rownum, msg);
				break;
			}
			if (i < len && p[i] != ',' && p[i] != '\r' && p[i] != '\n') {
				char msg[128];
				snprintf(msg, sizeof msg, "第 %zu 列的内容超过 %d 字节的上限", col + 1,
					 TABLE_MAX_CELL_BYTES);
				tb_fatal(b, rownum, msg);
				break;
			}
			if (stray)
				csv_cell_error(b, rownum, col,
					       "多余的引号：含有引号、逗号或换行的单元格必须整个用英文双引号括起来，内部的引号写成两个（\"\"）");
			rowb_set(&r, col, cell_dup(buf_str(&f), f.len));
			col++;
			if (i >= len) {
				end_row = 1;
			} else if (p[i] == ',') {
				i++;
			} else {
				if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
					i++;
				i++;
				end_row = 1;
			}
		}
		tb_push(b, &r, rownum);
		rowb_free(&r);
		if (rownum >= XLSX_MAX_ROWNUM && i < len && !b->stop) {
			tb_fatal(b, rownum, "行数超过 Excel 的上限 1048576 行，其余内容没有读取");
			break;
		}
		rownum++;
	}
	rowb_free(&r);
	buf_free(&f);
}

int table_read_csv(const char *data, size_t len, const char *fname, struct table *t, struct diag *d)
{
	struct tbuild b = {.t = t, .fname = fname, .d = d};
	size_t before = d->total, tlen = 0;
	char *text = NULL;
	const char *why;

	memset(t, 0, sizeof *t);
	why = magic_problem(data, len, 0);
	if (why) {
		diag_add(d, fname, "%s", why);
		goto out;
	}
	if (csv_decode(data, len, &text, &tlen, fname, d) != LX_OK)
		goto out;
	csv_parse(&b, text, tlen);
out:
	free(text);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}

/* ---------------------------------------------------------------------------------- */
/* XLSX                                                                                */

struct xlsx {
	zip_t *za;
	size_t budget; /* decompressed bytes we may still read */
	const char *fname;
	struct diag *d;
	char **shared;
	size_t nshared, capshared;
};

/* Reads one zip entry into *out (fresh, NUL-terminated; caller frees). Returns LX_OK,
 * LX_ERR_NOTFOUND when the entry is absent (nothing reported), or LX_ERR_INVALID. */
static int xlsx_entry(struct xlsx *x, const char *name, char **out, size_t *outlen)
{
	zip_file_t *zf = NULL;
	zip_int64_t idx, got;
	struct buf b;
	char chunk[16384];
	int rc = LX_ERR_INVALID;

	buf_init(&b, 0);
	*out = NULL;
	*outlen = 0;
	idx = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
	if (idx < 0) {
		rc = LX_ERR_NOTFOUND;
		goto out;
	}
	zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
	if (!zf) {
		diag_add(x->d, x->fname, "XLSX 文件损坏或已加密：无法打开其中的 %s（%s）", name,
			 zip_strerror(x->za));
		goto out;
	}
	while ((got = zip_fread(zf, chunk, sizeof chunk)) > 0) {
		if ((size_t)got > x->budget) {
			diag_add(x->d, x->fname,
				 "XLSX 文件解压后超过 %u MiB 的上限，没有读取（请拆分为几个文件导入，或改用 CSV）",
				 TABLE_XLSX_MAX_UNZIPPED >> 20);
			goto out;
		}
		x->budget -= (size_t)got;
		buf_add(&b, chunk, (size_t)got);
	}
	if (got < 0) {
		diag_add(x->d, x->fname, "XLSX 文件损坏：无法读取其中的 %s（%s）", name,
			 zip_file_strerror(zf));
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

/* Parses text with the handlers set up by the caller on run->p (created here).
 * Returns LX_OK or LX_ERR_INVALID (reported). */
static int xml_parse(struct xml_run *run, const char *text, size_t len,
		     XML_StartElementHandler start, XML_EndElementHandler end,
		     XML_CharacterDataHandler chars)
{
	int rc = LX_ERR_INVALID;

	run->p = XML_ParserCreate(NULL);
	if (!run->p) {
		diag_add(run->x->d, run->x->fname, "内存不足，无法解析 XLSX");
		goto out;
	}
	XML_SetUserData(run->p, run);
	XML_SetElementHandler(run->p, start, end);
	if (chars)
		XML_SetCharacterDataHandler(run->p, chars);
	XML_SetStartDoctypeDeclHandler(run->p, xml_no_doctype);
	if (len > INT32_MAX) {
		diag_add(run->x->d, run->x->fname, "XLSX 文件中的 %s 太大", run->part);
		goto out;
	}
	if (XML_Parse(run->p, text, (int)len, 1) == XML_STATUS_ERROR) {
		if (!run->failed)
			diag_add(run->x->d, run->x->fname,
				 "XLSX 文件损坏：%s 第 %lu 行不是合法的 XML（%s）", run->part,
				 (unsigned long)XML_GetCurrentLineNumber(run->p),
				 XML_ErrorString(XML_GetErrorCode(run->p)));
		goto out;
	}
	if (!run->failed)
		rc = LX_OK;
out:
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
	char *text = NULL, *res = NULL;
	size_t len;

	if (xlsx_entry(x, "xl/workbook.xml", &text, &len) != LX_OK)
		goto out;
	if (xml_parse(&wb.run, text, len, wb_start, xml_end_nop, NULL) != LX_OK || !wb.rid)
		goto out;
	free(text);
	text = NULL;
	if (xlsx_entry(x, "xl/_rels/workbook.xml.rels", &text, &len) != LX_OK)
		goto out;
	rels.rid = wb.rid;
	if (xml_parse(&rels.run, text, len, rels_start, xml_end_nop, NULL) != LX_OK || !rels.target ||
	    strlen(rels.target) > 200)
		goto out; /* an absurd target: fall back to sheet1.xml */
	if (rels.target[0] == '/')
		res = lx_strdup(rels.target + 1);
	else if (strncmp(rels.target, "xl/", 3) == 0)
		res = lx_strdup(rels.target);
	else
		res = lx_asprintf("xl/%s", rels.target);
out:
	free(text);
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
		if (n > XLSX_MAX_ROWNUM)
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

	trim_range(&b, &e);
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
		if (a && parse_uint(a, XLSX_MAX_ROWNUM, &r) != 0) {
			sheet_error(s, "XLSX 文件损坏：行号不合法");
			return;
		}
		if (r <= s->last_rownum || r < 1) {
			sheet_error(s, "XLSX 文件损坏：行号重复或顺序颠倒");
			return;
		}
		rowb_free(&s->row);
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
		trim_range(&b, &e);
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
		rowb_free(&s->row);
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
			rowb_set(&s->row, (size_t)s->col, v);
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
	char *text = NULL, *sheet = NULL;
	size_t tlen, before = d->total;
	const char *why;
	int rc;

	memset(t, 0, sizeof *t);
	zip_error_init(&zerr);
	buf_init(&sst.text, TABLE_MAX_CELL_BYTES);
	buf_init(&sh.text, TABLE_MAX_CELL_BYTES);
	why = magic_problem(data, len, 1);
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

	rc = xlsx_entry(&x, "xl/sharedStrings.xml", &text, &tlen);
	if (rc == LX_ERR_INVALID)
		goto out;
	if (rc == LX_OK && xml_parse(&sst.run, text, tlen, sst_start, sst_end, sst_chars) != LX_OK)
		goto out;
	free(text);
	text = NULL;

	sheet = xlsx_first_sheet(&x);
	if (d->total > before)
		goto out;
	rc = sheet ? xlsx_entry(&x, sheet, &text, &tlen) : LX_ERR_NOTFOUND;
	if (rc == LX_ERR_NOTFOUND) {
		free(sheet);
		sheet = lx_strdup("xl/worksheets/sheet1.xml");
		rc = xlsx_entry(&x, sheet, &text, &tlen);
	}
	if (rc == LX_ERR_NOTFOUND) {
		diag_add(d, fname, "XLSX 文件中找不到工作表：请确认这是 Excel 保存的 .xlsx 文件");
		goto out;
	}
	if (rc != LX_OK)
		goto out;
	sh.run.x = &x;
	sh.run.part = sheet;
	xml_parse(&sh.run, text, tlen, sheet_start, sheet_end, sheet_chars);
out:
	free(text);
	free(sheet);
	rowb_free(&sh.row);
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

/* ---------------------------------------------------------------------------------- */
/* Header mapping and lists                                                            */

/* A copy of s without any white space (headers: "选项 A" is "选项A"). Caller frees. */
static char *squeeze(const char *s)
{
	const char *e = s + strlen(s);
	char *res = lx_malloc(strlen(s) + 1), *w = res;

	while (s < e) {
		size_t n = space_len(s, e);
		if (n) {
			s += n;
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
	return res;
}

/* 1 if the trimmed header text h equals one of the '|'-separated names (ASCII
 * case-insensitive). */
static int header_matches(const char *h, const char *names)
{
	const char *p = names;

	while (*p) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (strlen(h) == n && strncasecmp(h, p, n) == 0)
			return 1;
		p += n;
		if (*p == '|')
			p++;
	}
	return 0;
}

/* The first name of a spec entry (up to '|') into out. */
static const char *first_name(const char *names, char *out, size_t outlen)
{
	const char *e = strchr(names, '|');
	size_t n = e ? (size_t)(e - names) : strlen(names);

	snprintf(out, outlen, "%.*s", (int)n, names);
	return out;
}

int table_map_header(const struct table *t, const struct table_col *spec, size_t nspec,
		     int *col_of, const char *fname, struct diag *d)
{
	const struct table_row *h;
	size_t before = d->total;
	char where[512], cn[16], name[128], shown[128];
	struct buf known;

	buf_init(&known, 0);
	for (size_t i = 0; i < nspec; i++)
		col_of[i] = -1;
	if (t->n == 0) {
		diag_add(d, fname, "文件是空的：第一行应为表头（列名）");
		goto out;
	}
	h = &t->rows[0];
	for (size_t i = 0; i < nspec; i++)
		buf_printf(&known, "%s%s", i ? "、" : "", first_name(spec[i].names, name, sizeof name));
	for (size_t c = 0; c < h->n; c++) {
		char *ht = squeeze(h->cells[c]);
		size_t k;

		if (!ht[0]) {
			free(ht);
			continue;
		}
		for (k = 0; k < nspec; k++)
			if (header_matches(ht, spec[k].names))
				break;
		snprintf(where, sizeof where, "%s:ROW %d: column %s", fname, h->rownum,
			 table_col_name(c, cn, sizeof cn));
		if (k == nspec) {
			diag_add(d, where, "未知的列名 \"%s\"；可用的列名：%s",
				 table_clip(ht, 80, shown, sizeof shown), buf_str(&known));
		} else if (col_of[k] >= 0) {
			char cn2[16];
			diag_add(d, where, "列 \"%s\" 重复：%s 列已经是“%s”", table_clip(ht, 80, shown, sizeof shown),
				 table_col_name((size_t)col_of[k], cn2, sizeof cn2),
				 first_name(spec[k].names, name, sizeof name));
		} else {
			col_of[k] = (int)c;
		}
		free(ht);
	}
	for (size_t k = 0; k < nspec; k++) {
		if (spec[k].required && col_of[k] < 0) {
			const char *alt = strchr(spec[k].names, '|');
			snprintf(where, sizeof where, "%s:ROW %d", fname, h->rownum);
			diag_add(d, where, "缺少必需的列“%s”%s%s%s", first_name(spec[k].names, name, sizeof name),
				 alt ? "（也可写作 " : "", alt ? alt + 1 : "", alt ? "）" : "");
		}
	}
out:
	buf_free(&known);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}

const char *table_cell(const struct table_row *r, int c)
{
	if (!r || c < 0 || (size_t)c >= r->n || !r->cells[c])
		return "";
	return r->cells[c];
}

/* Length of a list separator at p: ; , (ASCII) or ； ， (full width); 0 if none. */
static size_t sep_len(const char *p)
{
	if (*p == ';' || *p == ',')
		return 1;
	if (strncmp(p, "\xef\xbc\x9b", 3) == 0 || strncmp(p, "\xef\xbc\x8c", 3) == 0)
		return 3;
	return 0;
}

size_t table_split_list(const char *s, char ***items)
{
	char **res = NULL;
	size_t n = 0, cap = 0;
	const char *p = s ? s : "";

	while (1) {
		const char *b = p, *e;
		size_t sl = 0;

		while (*p && (sl = sep_len(p)) == 0)
			p++;
		e = p;
		trim_range(&b, &e);
		if (e > b) {
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				res = lx_realloc(res, cap * sizeof *res);
			}
			res[n++] = lx_strndup(b, (size_t)(e - b));
		}
		if (!*p)
			break;
		p += sl;
	}
	*items = res;
	return n;
}

void table_list_free(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}
