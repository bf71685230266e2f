/* table.c — the table that the CSV and XLSX readers fill (see table.h): building rows under
 * the caps, freeing, telling a file of the wrong kind by its first bytes, header mapping.
 * The readers themselves are table_csv.c and table_xlsx.c; neither interprets columns. */
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "table_int.h"
#include "text.h"

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



/* Every empty cell points here: a file of empty cells costs no allocations. Never freed. */
static char empty_cell[1];

char *tb_cell_dup(const char *p, size_t n)
{
	return n ? lx_strndup(p, n) : empty_cell;
}

void tb_cell_free(char *c)
{
	if (c != empty_cell)
		free(c);
}


void tb_row_free(struct rowb *r)
{
	for (size_t i = 0; i < r->n; i++)
		tb_cell_free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof *r);
}

/* Puts s (consumed; from tb_cell_dup()) at column col, filling a gap with "".
 * col < TABLE_MAX_COLS. */
void tb_row_set(struct rowb *r, size_t col, char *s)
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
	tb_cell_free(r->cells[col]);
	r->cells[col] = s;
}

void tb_fatal(struct tbuild *b, int rownum, const char *msg)
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
void tb_push(struct tbuild *b, struct rowb *r, int rownum)
{
	struct table *t = b->t;
	struct table_row *row;

	while (r->n > 0 && r->cells[r->n - 1][0] == '\0')
		tb_cell_free(r->cells[--r->n]);
	if (b->stop || r->n == 0) {
		tb_row_free(r);
		return;
	}
	if (t->n >= TABLE_MAX_ROWS + 1) {
		char msg[160];
		snprintf(msg, sizeof msg, "行数超过上限（最多 %d 行数据），其余内容没有读取",
			 TABLE_MAX_ROWS);
		tb_fatal(b, rownum, msg);
		tb_row_free(r);
		return;
	}
	if (b->cells + r->n > TABLE_MAX_CELLS) {
		char msg[160];
		snprintf(msg, sizeof msg, "单元格超过上限（最多 %d 个），其余内容没有读取",
			 TABLE_MAX_CELLS);
		tb_fatal(b, rownum, msg);
		tb_row_free(r);
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
			tb_cell_free(t->rows[i].cells[k]);
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

int table_is_zip(const char *data, size_t len)
{
	return len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

int table_guess_xlsx(const char *fname, const char *data, size_t len)
{
	const char *dot = fname ? strrchr(fname, '.') : NULL;

	if (dot && !strchr(dot, '/')) {
		if (strcasecmp(dot, ".xlsx") == 0)
			return 1;
		if (strcasecmp(dot, ".csv") == 0)
			return 0;
	}
	return table_is_zip(data, len);
}

const char *tb_magic_problem(const char *data, size_t len, int want_zip)
{
	if (want_zip) {
		if (len >= 8 && memcmp(data, magic_csv[1].magic, 8) == 0)
			return magic_csv[1].what;
		if (!table_is_zip(data, len))
			return "这不是 XLSX 文件（不是 zip 格式）：请上传 Excel 2007 及以后版本保存的 .xlsx 文件，或按 csv 格式导入";
		return NULL;
	}
	for (size_t i = 0; i < sizeof magic_csv / sizeof magic_csv[0]; i++)
		if (len >= magic_csv[i].len && memcmp(data, magic_csv[i].magic, magic_csv[i].len) == 0)
			return magic_csv[i].what;
	return NULL;
}


/* A copy of s without any white space (headers: "选项 A" is "选项A"). Caller frees. */
static char *squeeze(const char *s)
{
	const char *e = s + strlen(s);
	char *res = lx_malloc(strlen(s) + 1), *w = res;

	while (s < e) {
		size_t n = text_space_len(s, e);
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

/* How many spec entries row h names (known headers, each counted once). */
static size_t header_hits(const struct table_row *h, const struct table_col *spec, size_t nspec,
			  int *required_all)
{
	size_t hits = 0;
	unsigned char *seen = lx_calloc(nspec ? nspec : 1, 1);

	for (size_t c = 0; c < h->n; c++) {
		char *ht = squeeze(h->cells[c]);
		for (size_t k = 0; ht[0] && k < nspec; k++) {
			if (!seen[k] && header_matches(ht, spec[k].names)) {
				seen[k] = 1;
				hits++;
				break;
			}
		}
		free(ht);
	}
	*required_all = 1;
	for (size_t k = 0; k < nspec; k++)
		if (spec[k].required && !seen[k])
			*required_all = 0;
	free(seen);
	return hits;
}

/* Which of the first TABLE_HEADER_SEARCH rows is the header: the first holding every
 * required column; failing that the one naming the most columns (the first on a tie, so a
 * bad header in row 1 is still reported on row 1). */
static size_t header_index(const struct table *t, const struct table_col *spec, size_t nspec)
{
	size_t best = 0, best_hits = 0;

	for (size_t i = 0; i < t->n && i < TABLE_HEADER_SEARCH; i++) {
		int all;
		size_t hits = header_hits(&t->rows[i], spec, nspec, &all);
		if (all)
			return i;
		if (hits > best_hits) {
			best = i;
			best_hits = hits;
		}
	}
	return best;
}

int table_map_header(struct table *t, const struct table_col *spec, size_t nspec,
		     int *col_of, const char *fname, struct diag *d)
{
	const struct table_row *h;
	size_t before = d->total, hi;
	char where[512], cn[16], name[128], shown[128];
	struct buf known;

	buf_init(&known, 0);
	for (size_t i = 0; i < nspec; i++)
		col_of[i] = -1;
	t->header_row = 0;
	if (t->n == 0) {
		diag_add(d, fname, "文件是空的：第一行应为表头（列名）");
		goto out;
	}
	/* Rows above the header are a title (a merged "2026年度学法考法题库（宪法）" row):
	 * dropped, so rows[0] is the header; row numbers stay Excel's. */
	hi = header_index(t, spec, nspec);
	if (hi > 0) {
		for (size_t i = 0; i < hi; i++) {
			for (size_t k = 0; k < t->rows[i].n; k++)
				tb_cell_free(t->rows[i].cells[k]);
			free(t->rows[i].cells);
		}
		memmove(t->rows, t->rows + hi, (t->n - hi) * sizeof *t->rows);
		t->n -= hi;
	}
	h = &t->rows[0];
	t->header_row = h->rownum;
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
				 text_clip(ht, 80, shown, sizeof shown), buf_str(&known));
		} else if (col_of[k] >= 0) {
			char cn2[16];
			diag_add(d, where, "列 \"%s\" 重复：%s 列已经是“%s”", text_clip(ht, 80, shown, sizeof shown),
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

