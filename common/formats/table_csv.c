/* table_csv.c — the CSV reader (RFC 4180): decoding (BOM, UTF-8, damaged UTF-8, GB18030
 * through iconv) and the parser that fills a table with Excel's row numbers (a quoted
 * newline stays in its row). Does not interpret columns. */
#include "table.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "table_int.h"
#include "text.h"


/* 1 if text that is not valid UTF-8 is still mostly UTF-8 (many valid multi-byte
 * sequences, few bad bytes): a damaged UTF-8 file, not GB18030. *first_bad: its offset. */
static int mostly_utf8(const char *s, size_t len, size_t *first_bad)
{
	size_t ok = 0, bad = 0, i = 0;

	while (i < len) {
		size_t n = (unsigned char)s[i] < 0x80 ? 1 : text_utf8_seq(s + i, len - i);
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
 * UTF-8 stays as it is; anything else is read as GB18030 (see table.h). */
int table_decode_text(const char *data, size_t len, const char *fname, const char *save_as,
		      char **out, size_t *outlen, struct diag *d)
{
	iconv_t cd = (iconv_t)-1;
	char *res = NULL, *in, *o;
	size_t cap, inleft, oleft, bad = 0;
	int rc = LX_ERR_INVALID;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (text_utf8_valid(data, len)) {
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
			 "文件是 UTF-8 编码，但文本第 %d 行（第 %zu 字节处）有不是 UTF-8 的字节：文件可能已损坏，请重新另存为%s",
			 line, bad + 1, save_as);
		goto out;
	}
	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1) {
		diag_add(d, fname, "文件不是有效的 UTF-8，而本机不支持 GB18030 解码：请另存为%s", save_as);
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
				 "文件既不是有效的 UTF-8，也不能按 GB18030 解码（文本第 %d 行，第 %zu 字节处）：请另存为%s",
				 line, off + 1, save_as);
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
			tb_row_set(&r, col, tb_cell_dup(buf_str(&f), f.len));
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
		tb_row_free(&r);
		if (rownum >= TABLE_MAX_ROWNUM && i < len && !b->stop) {
			tb_fatal(b, rownum, "行数超过 Excel 的上限 1048576 行，其余内容没有读取");
			break;
		}
		rownum++;
	}
	tb_row_free(&r);
	buf_free(&f);
}

int table_read_csv(const char *data, size_t len, const char *fname, struct table *t, struct diag *d)
{
	struct tbuild b = {.t = t, .fname = fname, .d = d};
	size_t before = d->total, tlen = 0;
	char *text = NULL;
	const char *why;

	memset(t, 0, sizeof *t);
	why = tb_magic_problem(data, len, 0);
	if (why) {
		diag_add(d, fname, "%s", why);
		goto out;
	}
	if (table_decode_text(data, len, fname, "“CSV UTF-8（逗号分隔）”", &text, &tlen, d) != LX_OK)
		goto out;
	csv_parse(&b, text, tlen);
out:
	free(text);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}

