/* report_out.c — rendering the reports as JSON (jansson), CSV (csv.h: BOM, CRLF, RFC 4180)
 * and XLSX (libxlsxwriter in constant-memory mode, into a temporary file read back into
 * memory), and report_make(), which reads one snapshot and renders it. CSV and XLSX share
 * one "sheet" writer fed typed cells, so both formats always hold the same table.
 * Aggregation is report.c; SQL is store_reports.c. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "buf.h"
#include "clock.h"
#include "csv.h"
#include "grade.h"
#include "mem.h"
#include "model.h"
#include "receipt.h"
#include "store.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))
#define CSV_MAX ((size_t)1 << 30)     /* a CSV body beyond 1 GiB is a bug, not a report */
#define XLSX_MAX ((size_t)1 << 30)
#define COL_WIDTH_MAX 60.0
#define SHEET_MAX_COLS 32

static const char CT_JSON[] = "application/json; charset=utf-8";
static const char CT_CSV[] = "text/csv; charset=utf-8";
static const char CT_XLSX[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

void report_doc_free(struct report_doc *d)
{
	if (!d)
		return;
	free(d->data);
	free(d->filename);
	free(d->ascii_name);
	memset(d, 0, sizeof *d);
}

/* --- the sheet: one table written as CSV or XLSX ----------------------------------------- */

enum cell_kind {
	CK_EMPTY = 0,
	CK_TEXT,   /* s */
	CK_INT,    /* a */
	CK_HALF,   /* a / 2: a score in half-points */
	CK_CENTI,  /* a / 100: an average already rounded */
	CK_RATE,   /* a / b as a percentage ("85.0%"); empty when b == 0 */
	CK_RATIO2, /* a / b with two decimals (discrimination, may be negative); empty when b == 0 */
	CK_TIME,   /* a: Unix seconds (CSV: RFC 3339; XLSX: a local date-time cell) */
};

struct cell {
	enum cell_kind k;
	const char *s;
	int64_t a, b;
};

struct sheet {
	enum report_format f;
	struct buf csv;
	char *tmp_path;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *f_bold, *f_rate, *f_centi, *f_time, *f_title;
	lxw_row_t row;
	size_t ncols;
	double width[SHEET_MAX_COLS];
};

/* Display width for column sizing: ASCII counts 1, anything wider (CJK) 2. */
static double text_width(const char *s)
{
	double w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			w += 1;
		else if ((*p & 0xc0) != 0x80)
			w += 2; /* a lead byte: one wide character */
	}
	return w;
}

static int xlsx_fail(lxw_error err, struct lx_err *e)
{
	return err_set(e, LX_ERR_IO, "写入 XLSX 失败：%s", lxw_strerror(err));
}

static void sheet_free(struct sheet *sh)
{
	if (!sh)
		return;
	buf_free(&sh->csv);
	if (sh->wb)
		workbook_close(sh->wb); /* only after a failure: frees it */
	if (sh->tmp_path) {
		unlink(sh->tmp_path);
		free(sh->tmp_path);
	}
	free(sh);
}

/* A new sheet for f (CSV or XLSX) named title (the worksheet's name). Caller frees with
 * sheet_free() or sheet_finish(). */
static int sheet_new(enum report_format f, const char *title, struct sheet **out, struct lx_err *e)
{
	struct sheet *sh = lx_calloc(1, sizeof *sh);
	const char *tmpdir = getenv("TMPDIR");
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
	int rc = LX_OK, fd;

	*out = NULL;
	sh->f = f;
	buf_init(&sh->csv, CSV_MAX);
	if (f == REPORT_FMT_CSV) {
		rc = csv_bom(&sh->csv);
		goto out;
	}
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	sh->tmp_path = lx_asprintf("%s/lawexam-report-XXXXXX", tmpdir);
	fd = mkstemp(sh->tmp_path);
	if (fd < 0) {
		rc = err_set(e, LX_ERR_IO, "无法创建临时文件 %s：%s", sh->tmp_path, strerror(errno));
		free(sh->tmp_path);
		sh->tmp_path = NULL;
		goto out;
	}
	close(fd);
	sh->wb = workbook_new_opt(sh->tmp_path, &opt);
	if (!sh->wb) {
		rc = err_set(e, LX_ERR_IO, "无法创建 XLSX 工作簿");
		goto out;
	}
	sh->ws = workbook_add_worksheet(sh->wb, title);
	sh->f_bold = workbook_add_format(sh->wb);
	sh->f_rate = workbook_add_format(sh->wb);
	sh->f_centi = workbook_add_format(sh->wb);
	sh->f_time = workbook_add_format(sh->wb);
	sh->f_title = workbook_add_format(sh->wb);
	if (!sh->ws || !sh->f_bold || !sh->f_rate || !sh->f_centi || !sh->f_time || !sh->f_title) {
		rc = err_set(e, LX_ERR_IO, "无法创建 XLSX 工作表");
		goto out;
	}
	format_set_bold(sh->f_bold);
	format_set_num_format(sh->f_rate, "0.0%");
	format_set_num_format(sh->f_centi, "0.00");
	format_set_num_format(sh->f_time, "yyyy-mm-dd hh:mm:ss");
	format_set_bold(sh->f_title);
	format_set_font_size(sh->f_title, 14);
out:
	if (rc)
		sheet_free(sh);
	else
		*out = sh;
	return rc;
}

/* XLSX only: the title rows above the header (REPORT_XLSX_TITLE_ROWS of them): the exam's
 * title, its code and the scope, the time generated, then an empty row. They do not widen
 * the columns (a long title simply runs over the empty cells to its right). */
static int sheet_title(struct sheet *sh, const struct report_exam *x, const struct report_title *t, struct lx_err *e)
{
	char when[64] = "";
	char *line2 = NULL, *line3 = NULL;
	time_t tt = (time_t)(t ? t->generated_at : 0);
	struct tm tm;
	lxw_error err;
	int rc = LX_OK;

	if (sh->f != REPORT_FMT_XLSX)
		return LX_OK;
	if (localtime_r(&tt, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	line2 = lx_asprintf("考试编号：%s；范围：%s", x->code, t && t->scope ? t->scope : "全部单位");
	line3 = lx_asprintf("生成时间：%s", when);
	if ((err = worksheet_write_string(sh->ws, 0, 0, x->title && *x->title ? x->title : x->code, sh->f_title)) ||
	    (err = worksheet_write_string(sh->ws, 1, 0, line2, NULL)) ||
	    (err = worksheet_write_string(sh->ws, 2, 0, line3, NULL)))
		rc = xlsx_fail(err, e);
	sh->row = REPORT_XLSX_TITLE_ROWS;
	free(line2);
	free(line3);
	return rc;
}

static void widen(struct sheet *sh, size_t col, double w)
{
	if (col < SHEET_MAX_COLS && w > sh->width[col])
		sh->width[col] = w;
}

/* The header row (bold in XLSX). */
static int sheet_header(struct sheet *sh, const char *const *names, size_t n, struct lx_err *e)
{
	int rc = LX_OK;
	lxw_error err;

	sh->ncols = n < SHEET_MAX_COLS ? n : SHEET_MAX_COLS;
	for (size_t i = 0; i < sh->ncols && rc == LX_OK; i++) {
		widen(sh, i, text_width(names[i]));
		if (sh->f == REPORT_FMT_CSV) {
			rc = csv_field(&sh->csv, names[i]);
		} else if ((err = worksheet_write_string(sh->ws, sh->row, (lxw_col_t)i, names[i], sh->f_bold))) {
			rc = xlsx_fail(err, e);
		}
	}
	if (rc == LX_OK && sh->f == REPORT_FMT_CSV)
		rc = csv_end_row(&sh->csv);
	if (rc == LX_OK && sh->f == REPORT_FMT_XLSX)
		worksheet_freeze_panes(sh->ws, sh->row + 1, 0); /* the header stays in view */
	if (rc == LX_ERR_INVALID)
		rc = err_set(e, LX_ERR_INVALID, "报表过大");
	sh->row++;
	return rc;
}

/* a / b × 100 with two decimals, rounded half away from zero, in hundredths. */
static int64_t ratio_centi(int64_t a, int64_t b)
{
	int64_t n = a < 0 ? -a : a;
	int64_t r = (200 * n + b) / (2 * b);
	return a < 0 ? -r : r;
}

static int csv_cell(struct sheet *sh, const struct cell *c, double *w)
{
	char tmp[64];
	const char *s = tmp;

	tmp[0] = '\0';
	switch (c->k) {
	case CK_EMPTY: break;
	case CK_TEXT: s = c->s; break;
	case CK_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)c->a); break;
	case CK_HALF: grade_fmt((long)c->a, tmp); break;
	case CK_CENTI: report_fmt_centi(c->a, tmp, sizeof tmp); break;
	case CK_RATE:
		if (c->b > 0)
			report_fmt_permille(report_permille(c->a, c->b), tmp, sizeof tmp);
		break;
	case CK_RATIO2:
		if (c->b > 0)
			report_fmt_centi(ratio_centi(c->a, c->b), tmp, sizeof tmp);
		break;
	case CK_TIME: rfc3339_format(c->a, tmp, sizeof tmp); break;
	}
	*w = text_width(s);
	return c->k == CK_TEXT ? csv_text(&sh->csv, s) : csv_field(&sh->csv, s);
}

static lxw_error xlsx_cell(struct sheet *sh, lxw_col_t col, const struct cell *c, double *w)
{
	lxw_error err = LXW_NO_ERROR;
	lxw_row_t r = sh->row;

	*w = 8;
	switch (c->k) {
	case CK_EMPTY: break;
	case CK_TEXT:
		*w = text_width(c->s);
		if (*c->s)
			err = worksheet_write_string(sh->ws, r, col, c->s, NULL);
		break;
	case CK_INT: err = worksheet_write_number(sh->ws, r, col, (double)c->a, NULL); break;
	case CK_HALF: err = worksheet_write_number(sh->ws, r, col, (double)c->a / 2.0, NULL); break;
	case CK_CENTI:
		err = worksheet_write_number(sh->ws, r, col, (double)c->a / 100.0, sh->f_centi);
		break;
	case CK_RATE:
		if (c->b > 0)
			err = worksheet_write_number(sh->ws, r, col, (double)c->a / (double)c->b, sh->f_rate);
		break;
	case CK_RATIO2:
		if (c->b > 0)
			err = worksheet_write_number(sh->ws, r, col, (double)c->a / (double)c->b, sh->f_centi);
		break;
	case CK_TIME: {
		time_t t = (time_t)c->a;
		struct tm tm;
		lxw_datetime dt;
		localtime_r(&t, &tm);
		dt.year = tm.tm_year + 1900;
		dt.month = tm.tm_mon + 1;
		dt.day = tm.tm_mday;
		dt.hour = tm.tm_hour;
		dt.min = tm.tm_min;
		dt.sec = tm.tm_sec;
		*w = 19;
		err = worksheet_write_datetime(sh->ws, r, col, &dt, sh->f_time);
		break;
	}
	}
	return err;
}

static int sheet_row(struct sheet *sh, const struct cell *cells, size_t n, struct lx_err *e)
{
	int rc = LX_OK;
	double w;

	if (n > sh->ncols)
		n = sh->ncols;
	for (size_t i = 0; i < n && rc == LX_OK; i++) {
		if (sh->f == REPORT_FMT_CSV) {
			rc = csv_cell(sh, &cells[i], &w);
			if (rc)
				rc = err_set(e, LX_ERR_INVALID, "报表过大");
		} else {
			lxw_error err = xlsx_cell(sh, (lxw_col_t)i, &cells[i], &w);
			if (err)
				rc = xlsx_fail(err, e);
		}
		widen(sh, i, w);
	}
	if (rc == LX_OK && sh->f == REPORT_FMT_CSV && csv_end_row(&sh->csv) != LX_OK)
		rc = err_set(e, LX_ERR_INVALID, "报表过大");
	if (rc == LX_OK && sh->f == REPORT_FMT_XLSX && sh->row >= LXW_ROW_MAX - 1)
		rc = err_set(e, LX_ERR_INVALID, "报表超过 XLSX 的最大行数");
	sh->row++;
	return rc;
}

static int read_back(const char *path, char **data, size_t *len, struct lx_err *e)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *p = NULL;
	int rc = LX_OK;

	if (!f || fstat(fileno(f), &sb) != 0) {
		rc = err_set(e, LX_ERR_IO, "无法读取临时文件 %s：%s", path, strerror(errno));
		goto out;
	}
	if ((uint64_t)sb.st_size > XLSX_MAX) {
		rc = err_set(e, LX_ERR_INVALID, "报表过大");
		goto out;
	}
	p = lx_malloc((size_t)sb.st_size + 1);
	if (fread(p, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		rc = err_set(e, LX_ERR_IO, "无法读取临时文件 %s", path);
		goto out;
	}
	*data = p;
	*len = (size_t)sb.st_size;
	p = NULL;
out:
	free(p);
	if (f)
		fclose(f);
	return rc;
}

/* Consumes sh: sets the column widths, closes the workbook and hands the bytes to out. */
static int sheet_finish(struct sheet *sh, struct report_doc *out, struct lx_err *e)
{
	int rc = LX_OK;
	lxw_error err;

	if (sh->f == REPORT_FMT_CSV) {
		out->len = sh->csv.len;
		out->data = buf_detach(&sh->csv);
		out->ctype = CT_CSV;
		goto out;
	}
	for (size_t i = 0; i < sh->ncols; i++) {
		double w = sh->width[i] + 2;
		worksheet_set_column(sh->ws, (lxw_col_t)i, (lxw_col_t)i, w > COL_WIDTH_MAX ? COL_WIDTH_MAX : w, NULL);
	}
	err = workbook_close(sh->wb);
	sh->wb = NULL;
	if (err) {
		rc = xlsx_fail(err, e);
		goto out;
	}
	rc = read_back(sh->tmp_path, &out->data, &out->len, e);
	out->ctype = CT_XLSX;
out:
	sheet_free(sh);
	return rc;
}

/* --- pass rates ---------------------------------------------------------------------------- */

static json_t *rate_json(int64_t num, int64_t den)
{
	return den > 0 ? json_real((double)num / (double)den) : json_null();
}

static json_t *group_json(const struct report_group *g, enum report_by by, int is_total)
{
	json_t *o = json_object();
	int64_t avg = report_avg_centi(g->sum2, g->took);

	if (!is_total) {
		json_object_set_new(o, "group", json_string(g->key));
		if (by == REPORT_BY_CATEGORY)
			json_object_set_new(o, "group_name", json_string(g->name ? g->name : ""));
	}
	json_object_set_new(o, "assigned", json_integer(g->assigned));
	json_object_set_new(o, "took", json_integer(g->took));
	json_object_set_new(o, "passed", json_integer(g->passed));
	json_object_set_new(o, "not_taken", json_integer(g->assigned - g->took));
	json_object_set_new(o, "failed", json_integer(g->took - g->passed));
	json_object_set_new(o, "participation_rate", rate_json(g->took, g->assigned));
	json_object_set_new(o, "pass_rate", rate_json(g->passed, g->took));
	json_object_set_new(o, "avg_score", avg < 0 ? json_null() : json_real((double)avg / 100.0));
	json_object_set_new(o, "exempt", json_integer(g->exempt));
	return o;
}

static int dump_json(json_t *v, struct report_doc *out, struct lx_err *e)
{
	char *s = json_dumps(v, JSON_FLAGS);
	if (!s)
		return err_set(e, LX_ERR_INTERNAL, "JSON 输出失败");
	out->data = s;
	out->len = strlen(s);
	out->ctype = CT_JSON;
	return LX_OK;
}

/* One pass-rate row as sheet cells after the group column(s). */
static size_t group_cells(const struct report_group *g, struct cell *c)
{
	int64_t avg = report_avg_centi(g->sum2, g->took);
	size_t n = 0;
	c[n++] = (struct cell){.k = CK_INT, .a = g->assigned};
	c[n++] = (struct cell){.k = CK_INT, .a = g->took};
	c[n++] = (struct cell){.k = CK_INT, .a = g->assigned - g->took};
	c[n++] = (struct cell){.k = CK_INT, .a = g->passed};
	c[n++] = (struct cell){.k = CK_INT, .a = g->took - g->passed};
	c[n++] = (struct cell){.k = CK_RATE, .a = g->took, .b = g->assigned};
	c[n++] = (struct cell){.k = CK_RATE, .a = g->passed, .b = g->took};
	c[n++] = avg < 0 ? (struct cell){.k = CK_EMPTY} : (struct cell){.k = CK_CENTI, .a = avg};
	c[n++] = (struct cell){.k = CK_INT, .a = g->exempt}; /* 免考人数, last: not part of 应考 */
	return n;
}

int report_render_pass_rates(const struct report_exam *x, enum report_by by, int depth, struct report_agg *a,
			     enum report_format f, const struct report_title *t, struct report_doc *out,
			     struct lx_err *e)
{
	static const char *const h_org[] = {"单位", "应考人数", "实考人数", "未参考", "合格人数", "不合格",
					    "参考率", "合格率", "平均分", "免考人数"};
	static const char *const h_cat[] = {"类别", "类别名称", "应考人数", "实考人数", "未参考", "合格人数",
					    "不合格", "参考率", "合格率", "平均分", "免考人数"};
	size_t n = 0;
	const struct report_group *g = report_agg_groups(a, &n);
	const struct report_group *total = report_agg_total(a);
	struct sheet *sh = NULL;
	json_t *doc = NULL, *rows;
	struct cell c[12];
	size_t k;
	int rc = LX_OK;

	if (f == REPORT_FMT_JSON) {
		rows = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(rows, group_json(&g[i], by, 0));
		doc = json_object();
		json_object_set_new(doc, "exam", json_string(x->code));
		json_object_set_new(doc, "title", json_string(x->title));
		json_object_set_new(doc, "by", json_string(report_by_name(by)));
		json_object_set_new(doc, "depth", by == REPORT_BY_ORG && depth > 0 ? json_integer(depth) : json_null());
		if (t && t->unit_scope)
			json_object_set_new(doc, "scope", json_string(t->unit_scope));
		json_object_set_new(doc, "rows", rows);
		json_object_set_new(doc, "total", group_json(total, by, 1));
		rc = dump_json(doc, out, e);
		goto out;
	}
	rc = sheet_new(f, "合格率", &sh, e);
	if (rc == LX_OK)
		rc = sheet_title(sh, x, t, e);
	if (rc == LX_OK)
		rc = by == REPORT_BY_CATEGORY ? sheet_header(sh, h_cat, 11, e) : sheet_header(sh, h_org, 10, e);
	for (size_t i = 0; i <= n && rc == LX_OK; i++) {
		const struct report_group *r = i < n ? &g[i] : total;
		k = 0;
		c[k++] = (struct cell){.k = CK_TEXT, .s = i < n ? r->key : "合计"};
		if (by == REPORT_BY_CATEGORY)
			c[k++] = (struct cell){.k = CK_TEXT, .s = i < n && r->name ? r->name : ""};
		k += group_cells(r, c + k);
		rc = sheet_row(sh, c, k, e);
	}
	if (rc == LX_OK) {
		rc = sheet_finish(sh, out, e);
		sh = NULL;
	}
out:
	sheet_free(sh);
	json_decref(doc);
	return rc;
}

/* --- results and items: streamed ---------------------------------------------------------- */

struct report_stream {
	enum report_kind kind;
	enum report_format f;
	struct sheet *sh;   /* CSV / XLSX */
	struct buf json;    /* results JSON, written row by row */
	json_t *items;      /* items JSON */
	size_t nrows;
	int rc;             /* the first failure of an add */
	struct lx_err err;
};

/* The JSON text of the object o without its closing brace (o is decref'd). */
static int json_open(struct buf *b, json_t *o)
{
	char *s = json_dumps(o, JSON_FLAGS);
	int rc = LX_ERR_INTERNAL;
	json_decref(o);
	if (s && strlen(s) >= 2)
		rc = buf_add(b, s, strlen(s) - 1);
	free(s);
	return rc;
}

static void stream_free(struct report_stream *s)
{
	if (!s)
		return;
	sheet_free(s->sh);
	buf_free(&s->json);
	json_decref(s->items);
	free(s);
}

void report_stream_abort(struct report_stream *s)
{
	stream_free(s);
}

int report_results_begin(const struct report_exam *x, enum report_format f, const struct report_title *t,
			 struct report_stream **out, struct lx_err *e)
{
	static const char *const head[] = {"工号", "姓名", "单位", "类别", "状态", "成绩", "是否合格", "交卷时间"};
	struct report_stream *s = lx_calloc(1, sizeof *s);
	int rc = LX_OK;

	*out = NULL;
	s->kind = REPORT_RESULTS;
	s->f = f;
	buf_init(&s->json, CSV_MAX);
	if (f == REPORT_FMT_JSON) {
		json_t *jhead = json_pack("{s:s,s:s}", "exam", x->code, "title", x->title);
		if (t && t->unit_scope)
			json_object_set_new(jhead, "scope", json_string(t->unit_scope));
		rc = json_open(&s->json, jhead);
		if (rc == LX_OK)
			rc = buf_adds(&s->json, ",\"rows\":[");
		if (rc)
			rc = err_set(e, LX_ERR_INTERNAL, "JSON 输出失败");
	} else {
		rc = sheet_new(f, "成绩", &s->sh, e);
		if (rc == LX_OK)
			rc = sheet_title(s->sh, x, t, e);
		if (rc == LX_OK)
			rc = sheet_header(s->sh, head, 8, e);
	}
	if (rc)
		stream_free(s);
	else
		*out = s;
	return rc;
}

static int results_json_row(struct report_stream *s, const struct report_person *p)
{
	char t[40];
	int sub = p->status == AST_SUBMITTED;
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "login", p->login, "name", p->name,
			      "org", p->org, "category", p->category, "category_name", p->category_name,
			      "status", attempt_status_name(p->status),
			      "score", sub ? grade_score_json((long)p->score2) : json_null(),
			      "max_score", sub ? grade_score_json((long)p->max_score2) : json_null(),
			      "passed", sub ? json_boolean(p->passed) : json_null(),
			      "submitted_at", sub ? json_string(rfc3339_format(p->submitted_at, t, sizeof t)) : json_null());
	char *js;
	int rc = LX_ERR_INTERNAL;

	if (o) {
		char shown[RECEIPT_SHOWN_LEN + 1];
		if (sub && p->receipt && p->receipt[0])
			receipt_group(p->receipt, shown);
		json_object_set_new(o, "receipt", sub && p->receipt && p->receipt[0] ? json_string(shown) : json_null());
	}
	js = o ? json_dumps(o, JSON_FLAGS) : NULL;
	json_decref(o);
	if (js) {
		rc = s->nrows ? buf_addc(&s->json, ',') : LX_OK;
		if (rc == LX_OK)
			rc = buf_adds(&s->json, js);
	}
	free(js);
	return rc;
}

int report_results_add(void *stream, const struct report_person *p)
{
	struct report_stream *s = stream;
	int sub = p->status == AST_SUBMITTED;
	struct cell c[8];
	int rc;

	if (s->f == REPORT_FMT_JSON) {
		rc = results_json_row(s, p);
		if (rc)
			rc = err_set(&s->err, rc == LX_ERR_INVALID ? LX_ERR_INVALID : LX_ERR_INTERNAL,
				     "JSON 输出失败或报表过大（第 %zu 行）", s->nrows + 1);
	} else {
		c[0] = (struct cell){.k = CK_TEXT, .s = p->login};
		c[1] = (struct cell){.k = CK_TEXT, .s = p->name};
		c[2] = (struct cell){.k = CK_TEXT, .s = p->org};
		c[3] = (struct cell){.k = CK_TEXT, .s = p->category_name};
		c[4] = (struct cell){.k = CK_TEXT, .s = attempt_status_zh(p->status)};
		c[5] = sub ? (struct cell){.k = CK_HALF, .a = p->score2} : (struct cell){.k = CK_EMPTY};
		c[6] = sub ? (struct cell){.k = CK_TEXT, .s = p->passed ? "是" : "否"} : (struct cell){.k = CK_EMPTY};
		c[7] = sub ? (struct cell){.k = CK_TIME, .a = p->submitted_at} : (struct cell){.k = CK_EMPTY};
		rc = sheet_row(s->sh, c, 8, &s->err);
	}
	s->nrows++;
	if (rc && !s->rc)
		s->rc = rc;
	return rc;
}

int report_items_begin(const struct report_exam *x, enum report_format f, const struct report_title *t,
		       struct report_stream **out, struct lx_err *e)
{
	static const char *const head[] = {
		"题库", "题号", "版本", "题型", "题干", "抽中次数", "正确率", "区分度", "高分组正确率",
		"低分组正确率", "选A", "选B", "选C", "选D", "选E", "选F", "选G", "选H", "选“正确”", "选“错误”",
		"提示"};
	struct report_stream *s = lx_calloc(1, sizeof *s);
	int rc = LX_OK;

	*out = NULL;
	s->kind = REPORT_ITEMS;
	s->f = f;
	buf_init(&s->json, 0);
	if (f == REPORT_FMT_JSON) {
		s->items = json_array();
	} else {
		rc = sheet_new(f, "试题分析", &s->sh, e);
		if (rc == LX_OK)
			rc = sheet_title(s->sh, x, t, e);
		if (rc == LX_OK)
			rc = sheet_header(s->sh, head, sizeof head / sizeof head[0], e);
	}
	if (rc)
		stream_free(s);
	else
		*out = s;
	return rc;
}

static const char *type_zh(const char *t)
{
	return strcmp(t, "single") == 0 ? "单选" : strcmp(t, "multiple") == 0 ? "多选" : strcmp(t, "judge") == 0 ? "判断" : t;
}

/* The option keys an item offers, in order, with their index into report_item.chosen and
 * their text (borrowed from opts, or static for judge). Returns the count (≤ 8). */
static size_t item_options(const struct report_item *it, json_t *opts, int idx[8], const char *text[8])
{
	size_t n = 0;
	if (strcmp(it->type, "judge") == 0) {
		idx[0] = 8; /* T */
		text[0] = JUDGE_TRUE_ZH;
		idx[1] = 9; /* F */
		text[1] = JUDGE_FALSE_ZH;
		return 2;
	}
	if (json_is_array(opts)) {
		for (; n < json_array_size(opts) && n < 8; n++) {
			const char *t = json_string_value(json_array_get(opts, n));
			idx[n] = (int)n;
			text[n] = t ? t : "";
		}
		return n;
	}
	/* Unreadable option texts: every key somebody chose, up to the last. */
	for (int i = 0; i < 8; i++)
		if (it->chosen[i])
			n = (size_t)i + 1;
	for (size_t i = 0; i < n; i++) {
		idx[i] = (int)i;
		text[i] = "";
	}
	return n;
}

/* Index into chosen[] of an option key ('A'..'H', 'T', 'F' of a judge), -1 if none. */
static int key_index(const struct report_item *it, char k)
{
	int judge = strcmp(it->type, "judge") == 0;
	if (judge)
		return k == 'T' ? 8 : k == 'F' ? 9 : -1;
	return k >= 'A' && k <= 'H' ? k - 'A' : -1;
}

/* A suspect key (SPEC §12 item analysis): an option outside the key that more of the upper
 * group chose than chose the key (for a multiple-choice key: than chose its least chosen
 * option). Returns that option's index into chosen[] (the most chosen such), or -1. */
static int suspect_distractor(const struct report_item *it, const int *idx, size_t nopt)
{
	int64_t key_up = -1;
	int best = -1;
	const char *ans = it->answer ? it->answer : "";
	if (!*ans || it->drawn < 2 || it->k <= 0)
		return -1;
	for (const char *p = ans; *p; p++) {
		int i = key_index(it, *p);
		if (i < 0)
			return -1;
		if (key_up < 0 || it->upper_chosen[i] < key_up)
			key_up = it->upper_chosen[i];
	}
	for (size_t j = 0; j < nopt; j++) {
		char k = REPORT_OPTION_KEYS[idx[j]];
		if (strchr(ans, k))
			continue;
		if (it->upper_chosen[idx[j]] > key_up && (best < 0 || it->upper_chosen[idx[j]] > it->upper_chosen[best]))
			best = idx[j];
	}
	return best;
}

int report_items_add(void *stream, const struct report_item *it)
{
	struct report_stream *s = stream;
	json_t *opts = json_loads(it->options_json, 0, NULL);
	int idx[8];
	const char *text[8];
	size_t nopt = item_options(it, opts, idx, text);
	int has_disc = it->drawn >= 2 && it->k > 0;
	int negative = has_disc && it->upper_correct < it->lower_correct;
	int distractor = suspect_distractor(it, idx, nopt);
	int rc = LX_OK;
	char key[2] = {0, 0};

	if (s->f == REPORT_FMT_JSON) {
		json_t *o = json_object(), *oa = json_array();
		for (size_t i = 0; i < nopt; i++) {
			key[0] = REPORT_OPTION_KEYS[idx[i]];
			json_array_append_new(oa, json_pack("{s:s,s:s,s:I,s:f,s:I,s:b}", "key", key, "text", text[i],
							    "count", (json_int_t)it->chosen[idx[i]], "share",
							    it->drawn ? (double)it->chosen[idx[i]] / (double)it->drawn : 0.0,
							    "upper_count", (json_int_t)it->upper_chosen[idx[i]], "is_key",
							    it->answer && strchr(it->answer, key[0]) != NULL));
		}
		json_t *flags = json_array();
		if (negative)
			json_array_append_new(flags, json_string("negative_discrimination"));
		if (distractor >= 0)
			json_array_append_new(flags, json_string("distractor_beats_key"));
		json_object_set_new(o, "bank", json_string(it->bank));
		json_object_set_new(o, "qid", json_string(it->qid));
		json_object_set_new(o, "version", json_integer(it->version));
		json_object_set_new(o, "type", json_string(it->type));
		json_object_set_new(o, "stem", json_string(it->stem));
		json_object_set_new(o, "drawn", json_integer(it->drawn));
		json_object_set_new(o, "correct", json_integer(it->correct));
		json_object_set_new(o, "facility", rate_json(it->correct, it->drawn));
		json_object_set_new(o, "group_size", json_integer(has_disc ? it->k : 0));
		json_object_set_new(o, "upper_facility", has_disc ? rate_json(it->upper_correct, it->k) : json_null());
		json_object_set_new(o, "lower_facility", has_disc ? rate_json(it->lower_correct, it->k) : json_null());
		json_object_set_new(o, "discrimination",
				    has_disc ? json_real((double)(it->upper_correct - it->lower_correct) / (double)it->k)
					     : json_null());
		json_object_set_new(o, "options", oa);
		json_object_set_new(o, "flag", negative ? json_string("negative_discrimination") : json_null());
		json_object_set_new(o, "answer", json_string(it->answer ? it->answer : ""));
		json_object_set_new(o, "flags", flags);
		json_object_set_new(o, "suspect_key", json_boolean(negative || distractor >= 0));
		key[0] = distractor >= 0 ? REPORT_OPTION_KEYS[distractor] : 0;
		json_object_set_new(o, "suspect_option", distractor >= 0 ? json_string(key) : json_null());
		json_array_append_new(s->items, o);
	} else {
		struct cell c[21];
		size_t k = 0;
		memset(c, 0, sizeof c);
		c[k++] = (struct cell){.k = CK_TEXT, .s = it->bank};
		c[k++] = (struct cell){.k = CK_TEXT, .s = it->qid};
		c[k++] = (struct cell){.k = CK_INT, .a = it->version};
		c[k++] = (struct cell){.k = CK_TEXT, .s = type_zh(it->type)};
		c[k++] = (struct cell){.k = CK_TEXT, .s = it->stem};
		c[k++] = (struct cell){.k = CK_INT, .a = it->drawn};
		c[k++] = (struct cell){.k = CK_RATE, .a = it->correct, .b = it->drawn};
		if (has_disc) {
			c[k++] = (struct cell){.k = CK_RATIO2, .a = it->upper_correct - it->lower_correct, .b = it->k};
			c[k++] = (struct cell){.k = CK_RATE, .a = it->upper_correct, .b = it->k};
			c[k++] = (struct cell){.k = CK_RATE, .a = it->lower_correct, .b = it->k};
		} else {
			k += 3;
		}
		for (size_t i = 0; i < nopt; i++) /* columns 10..17 are A..H, 18 and 19 T and F */
			c[10 + idx[i]] = (struct cell){.k = CK_RATE, .a = it->chosen[idx[i]], .b = it->drawn};
		c[20] = negative ? (struct cell){.k = CK_TEXT, .s = "区分度为负，请复核答案与题干"}
			: distractor >= 0 ? (struct cell){.k = CK_TEXT, .s = "高分组选择某干扰项多于正确答案，请复核答案"}
					  : (struct cell){.k = CK_EMPTY};
		rc = sheet_row(s->sh, c, 21, &s->err);
	}
	json_decref(opts);
	s->nrows++;
	if (rc && !s->rc)
		s->rc = rc;
	return rc;
}

int report_stream_end(struct report_stream *s, int64_t attempts, struct report_doc *out, struct lx_err *e)
{
	int rc = s->rc;

	if (rc) {
		if (e)
			*e = s->err;
		goto out;
	}
	if (s->sh) {
		rc = sheet_finish(s->sh, out, e);
		s->sh = NULL;
	} else if (s->kind == REPORT_RESULTS) {
		rc = buf_adds(&s->json, "]}");
		if (rc) {
			rc = err_set(e, LX_ERR_INVALID, "报表过大");
			goto out;
		}
		out->len = s->json.len;
		out->data = buf_detach(&s->json);
		out->ctype = CT_JSON;
	} else {
		json_t *doc = json_pack("{s:I,s:O}", "attempts", (json_int_t)attempts, "items", s->items);
		rc = doc ? dump_json(doc, out, e) : err_set(e, LX_ERR_INTERNAL, "JSON 输出失败");
		json_decref(doc);
	}
out:
	stream_free(s);
	return rc;
}

/* --- one report, end to end -------------------------------------------------------------- */

/* A report_person_fn that passes the people matching a filter on to the next one. */
struct filtered {
	const struct report_filter *f;
	report_person_fn fn;
	void *ctx;
};

static int filtered_cb(void *ctx, const struct report_person *p)
{
	struct filtered *fl = ctx;
	return report_filter_match(fl->f, p) ? fl->fn(fl->ctx, p) : 0;
}

/* The Chinese name of a report, for file names and nothing else. */
static const char *kind_zh(enum report_kind k)
{
	return k == REPORT_RESULTS ? "成绩明细" : k == REPORT_ITEMS ? "试题分析" : "合格率统计";
}

/* The scope line of a title: the filter, and for pass rates the grouping. Caller frees. */
static char *scope_zh(const struct report_req *req)
{
	char *f = report_filter_zh(&req->filter), *s;

	if (req->kind != REPORT_PASS_RATES)
		return f;
	if (req->by == REPORT_BY_CATEGORY)
		s = lx_asprintf("%s；按人员类别统计", f);
	else if (req->depth > 0)
		s = lx_asprintf("%s；按单位统计（汇总到第 %d 级）", f, req->depth);
	else
		s = lx_asprintf("%s；按单位统计", f);
	free(f);
	return s;
}

int report_make(struct store *db, const struct report_req *req, struct report_doc *out, struct lx_err *e)
{
	static const struct report_filter none = {0};
	const struct report_filter *flt = req->kind == REPORT_ITEMS ? &none : &req->filter;
	struct filtered fl = {flt, NULL, NULL};
	char *scope = scope_zh(req);
	struct report_title title = {scope, req->filter.scope, req->now};
	struct report_exam x = {0};
	struct report_agg *agg = NULL;
	struct report_stream *s = NULL;
	int64_t attempts = 0;
	int rc, reading = 0;

	memset(out, 0, sizeof *out);
	rc = store_read_begin(db, e);
	if (rc)
		goto out;
	reading = 1;
	rc = store_report_exam(db, req->exam, &x, e);
	if (rc)
		goto out;
	switch (req->kind) {
	case REPORT_PASS_RATES:
		agg = report_agg_new(req->by, req->depth);
		fl.fn = report_agg_add_cb;
		fl.ctx = agg;
		rc = store_report_people(db, x.id, 0, filtered_cb, &fl, e);
		store_read_end(db);
		reading = 0;
		if (rc == LX_OK)
			rc = report_render_pass_rates(&x, req->by, req->depth, agg, req->format, &title, out, e);
		break;
	case REPORT_RESULTS:
		rc = report_results_begin(&x, req->format, &title, &s, e);
		fl.fn = report_results_add;
		fl.ctx = s;
		if (rc == LX_OK)
			rc = store_report_people(db, x.id, 1, filtered_cb, &fl, e);
		break;
	case REPORT_ITEMS:
		rc = report_items_begin(&x, req->format, &title, &s, e);
		if (rc == LX_OK)
			rc = store_report_items(db, x.id, &attempts, report_items_add, s, e);
		break;
	}
	if (reading) {
		store_read_end(db);
		reading = 0;
	}
	if (s) {
		if (rc == LX_OK) {
			rc = report_stream_end(s, attempts, out, e);
		} else {
			if (e && s->rc) /* the renderer's own message beats the store's echo of it */
				*e = s->err;
			report_stream_abort(s);
		}
		s = NULL;
	}
	if (rc == LX_OK) {
		out->filename = lx_asprintf("%s-%s.%s", kind_zh(req->kind), x.code, report_format_ext(req->format));
		out->ascii_name = lx_asprintf("%s-%s.%s", report_kind_name(req->kind), x.code,
					      report_format_ext(req->format));
	}
out:
	if (reading)
		store_read_end(db);
	if (rc)
		report_doc_free(out);
	report_agg_free(agg);
	report_exam_free(&x);
	free(scope);
	return rc;
}
