/* bank_table.c — the CSV and XLSX reader of the bank_ module (SPEC §4.2): maps the header
 * (Chinese names or English aliases, any order), turns each data row into a question and
 * hands it to the shared validation in bank.c. Messages read "FILE:ROW N: column 答案".
 * The bank identity comes from the command (struct bank_meta), never from the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "bank_int.h"
#include "err.h"
#include "mem.h"
#include "table.h"
#include "text.h"

/* The columns, in this order (index = enum below). */
enum {
	C_ID, C_TYPE, C_STEM, C_OPT_A, C_OPT_H = C_OPT_A + BANK_MAX_OPTIONS - 1,
	C_ANSWER, C_EXPLANATION, C_BASIS, C_DIFFICULTY, C_TAGS, C_N
};

static const struct table_col bank_cols[C_N] = {
	[C_ID] = {"编号|id", 1},
	[C_TYPE] = {"题型|type", 1},
	[C_STEM] = {"题干|stem", 1},
	[C_OPT_A + 0] = {"选项A|option_a", 0},
	[C_OPT_A + 1] = {"选项B|option_b", 0},
	[C_OPT_A + 2] = {"选项C|option_c", 0},
	[C_OPT_A + 3] = {"选项D|option_d", 0},
	[C_OPT_A + 4] = {"选项E|option_e", 0},
	[C_OPT_A + 5] = {"选项F|option_f", 0},
	[C_OPT_A + 6] = {"选项G|option_g", 0},
	[C_OPT_A + 7] = {"选项H|option_h", 0},
	[C_ANSWER] = {"答案|answer", 1},
	[C_EXPLANATION] = {"解析|explanation", 0},
	[C_BASIS] = {"依据|法条依据|basis", 0},
	[C_DIFFICULTY] = {"难度|difficulty", 0},
	[C_TAGS] = {"标签|tags", 0},
};

/* The column of each question field (options: the first option column). */
static const int field_col[BF_N] = {
	[BF_QUESTION] = -1, [BF_ID] = C_ID, [BF_TYPE] = C_TYPE, [BF_STEM] = C_STEM,
	[BF_OPTIONS] = C_OPT_A, [BF_ANSWER] = C_ANSWER, [BF_EXPLANATION] = C_EXPLANATION,
	[BF_BASIS] = C_BASIS, [BF_DIFFICULTY] = C_DIFFICULTY, [BF_TAGS] = C_TAGS,
};

struct tctx {
	const char *fname;
	const struct table *t;
	const int *col_of;   /* C_N entries */
	int rownum;
};

/* "FILE:ROW N: column <header as written>" for spec column c (or just the row). */
static void row_where(const struct tctx *c, int spec_col, char *out, size_t outlen)
{
	int col = spec_col >= 0 ? c->col_of[spec_col] : -1;
	char *h;

	if (col < 0) {
		snprintf(out, outlen, "%s:ROW %d", c->fname, c->rownum);
		return;
	}
	h = text_trim(table_cell(&c->t->rows[0], col));
	snprintf(out, outlen, "%s:ROW %d: column %s", c->fname, c->rownum, h);
	free(h);
}

static void table_where(void *ctx, enum bank_field f, long elem, char *out, size_t outlen)
{
	const struct tctx *c = ctx;
	int sc = field_col[f];

	if (f == BF_OPTIONS && elem >= 0 && elem < BANK_MAX_OPTIONS)
		sc = C_OPT_A + (int)elem;
	if (f == BF_OPTIONS && sc >= 0 && c->col_of[sc] < 0) {
		/* e.g. "needs 2 options" with no 选项B column: point at any option column */
		for (int k = C_OPT_A; k <= C_OPT_H; k++) {
			if (c->col_of[k] >= 0) {
				sc = k;
				break;
			}
		}
	}
	row_where(c, sc, out, outlen);
}

/* A trimmed copy of a cell with CR LF and lone CR turned into LF. Caller frees. */
static char *cell_text(const struct table_row *r, int col)
{
	char *s = text_trim(table_cell(r, col));
	size_t w = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\r') {
			if (s[i + 1] == '\n')
				continue;
			s[w++] = '\n';
			continue;
		}
		s[w++] = s[i];
	}
	s[w] = '\0';
	return s;
}

static void read_row(const struct table *t, size_t ri, const int *col_of, const char *fname,
		     struct bank_build *b, struct diag *d)
{
	const struct table_row *r = &t->rows[ri];
	struct tctx ctx = {.fname = fname, .t = t, .col_of = col_of, .rownum = r->rownum};
	struct bank_qin in = {.lenient = 1, .seq = ri, .where = table_where, .ctx = &ctx};
	struct bank_question q;
	char *cells[C_N] = {0};
	const char *opts[BANK_MAX_OPTIONS];
	char **tags = NULL;
	size_t ntags = 0, last = 0;
	char where[600], prefix[128];

	for (int k = 0; k < C_N; k++)
		cells[k] = cell_text(r, col_of[k]);
	in.text[BF_ID] = cells[C_ID];
	in.text[BF_TYPE] = cells[C_TYPE];
	in.text[BF_STEM] = cells[C_STEM];
	in.text[BF_ANSWER] = cells[C_ANSWER];
	in.text[BF_EXPLANATION] = cells[C_EXPLANATION];
	in.text[BF_BASIS] = cells[C_BASIS];
	in.text[BF_DIFFICULTY] = cells[C_DIFFICULTY];

	/* options: the non-empty option columns A..H, without gaps */
	for (int k = 0; k < BANK_MAX_OPTIONS; k++)
		if (cells[C_OPT_A + k][0])
			last = (size_t)k + 1;
	for (size_t k = 0; k < last; k++) {
		opts[k] = cells[C_OPT_A + k];
		if (opts[k][0])
			continue;
		if (!(in.reported & (1u << BF_OPTIONS))) {
			table_where(&ctx, BF_OPTIONS, (long)k, where, sizeof where);
			diag_add(d, where, "%s选项 %c 为空，但后面的选项 %c 有内容：选项必须从 A 开始连续填写",
				 bank_v_prefix(&in, prefix, sizeof prefix), (char)('A' + k),
				 (char)('A' + last - 1));
		}
		in.reported |= 1u << BF_OPTIONS;
	}
	in.options = opts;
	in.n_options = last;
	in.has_options = last > 0;
	ntags = text_split_list(cells[C_TAGS], &tags);
	in.tags = (const char *const *)tags;
	in.n_tags = ntags;

	if (bank_v_id_ok(in.text[BF_ID])) {
		char ref[512];
		table_where(&ctx, BF_ID, -1, where, sizeof where);
		table_where(&ctx, BF_QUESTION, -1, ref, sizeof ref);
		bank_b_id(b, in.text[BF_ID], where, ref, in.seq);
	}
	if (bank_v_question(&in, &q, d) == LX_OK) {
		table_where(&ctx, BF_QUESTION, -1, where, sizeof where);
		q.where = lx_strdup(where);
		bank_b_add(b, &q);
	}
	text_list_free(tags, ntags);
	for (int k = 0; k < C_N; k++)
		free(cells[k]);
}

int bank_table_parse(const char *data, size_t len, const char *fname, int is_xlsx,
		     const struct bank_meta *meta, struct bank_doc *out, struct diag *d)
{
	struct table t = {0};
	struct bank_build b = {0};
	int col_of[C_N];
	size_t before = d->total;

	bank_v_meta(meta, "CSV/XLSX", fname, d);
	if ((is_xlsx ? table_read_xlsx : table_read_csv)(data, len, fname, &t, d) != LX_OK)
		goto out;
	if (table_map_header(&t, bank_cols, C_N, col_of, fname, d) != LX_OK)
		goto out;
	if (t.n < 2) {
		diag_add(d, fname, "文件中没有题目：表头（第 %d 行）之后没有内容", t.header_row);
		goto out;
	}
	if (t.n - 1 > BANK_MAX_QUESTIONS) {
		diag_add(d, fname, "题目数量 %zu 超过上限 %d，请拆分成多个题库", t.n - 1, BANK_MAX_QUESTIONS);
		goto out;
	}
	for (size_t i = 1; i < t.n; i++)
		read_row(&t, i, col_of, fname, &b, d);
	bank_b_check_ids(&b, d);
out:
	if (d->total == before) {
		out->code = lx_strdup(meta->code);
		out->title = lx_strdup(meta->title ? meta->title : "");
		out->subject = lx_strdup(meta->subject ? meta->subject : "");
		if (t.header_row > 1)
			diag_add(&out->notes, fname, "表头在第 %d 行（上面 %d 行当作标题，未读取）", t.header_row,
				 t.header_row - 1);
		bank_b_finish(&b, out);
	}
	bank_b_free(&b);
	table_free(&t);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}
