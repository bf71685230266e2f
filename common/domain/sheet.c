/* sheet.c — the score sheet (成绩汇总表) PDF: one pass over the results rows (unit path, then
 * 工号), a unit's table closed with its totals and signature lines when the next unit
 * begins. A unit's pages repeat the sheet header and the column titles. */
#include "sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grade.h"
#include "mem.h"
#include "pdf.h"
#include "report.h"
#include "store.h"
#include "store_reports.h"

static const struct pdf_col COLS[] = {
	{"工号", 30, PDF_LEFT},  {"姓名", 36, PDF_LEFT},   {"类别", 40, PDF_LEFT},
	{"状态", 24, PDF_CENTER}, {"成绩", 24, PDF_RIGHT}, {"是否合格", 26, PDF_CENTER},
};
#define NCOLS (sizeof COLS / sizeof COLS[0])

struct sheet {
	struct pdf *pdf;
	const struct report_exam *x;
	const char *scope;   /* org_path or NULL */
	char *unit;          /* the unit being drawn (owned) */
	int unit_pages;      /* pages of this unit so far */
	int64_t assigned, took, passed;
	int units;
};

/* The page hook: the sheet's header on every page of a unit. */
static void header(struct pdf *p, void *arg)
{
	struct sheet *s = arg;
	struct buf b;

	buf_init(&b, 0);
	s->unit_pages++;
	pdf_para(p, 18, PDF_BOLD | PDF_CENTER | PDF_SERIF, 3, "成绩汇总表");
	buf_printf(&b, "考试：%s（%s）　　范围：%s", s->x->title, s->x->code, s->scope ? s->scope : "全部单位");
	pdf_para(p, 10, 0, 1, buf_str(&b));
	buf_reset(&b);
	buf_printf(&b, "单位：%s%s", s->unit, s->unit_pages > 1 ? "（续）" : "");
	pdf_para(p, 11, PDF_BOLD, 3, buf_str(&b));
	buf_free(&b);
}

static void unit_end(struct sheet *s)
{
	char a[32], b[32];
	struct buf t;
	double y, w = (PDF_A4_W - 2 * PDF_MARGIN) / 3;

	pdf_table_end(s->pdf);
	buf_init(&t, 0);
	buf_printf(&t, "本单位合计：应考 %lld 人，实考 %lld 人，合格 %lld 人；参考率 %s，合格率 %s。", (long long)s->assigned,
		   (long long)s->took, (long long)s->passed,
		   report_fmt_permille(report_permille(s->took, s->assigned), a, sizeof a),
		   s->took ? report_fmt_permille(report_permille(s->passed, s->took), b, sizeof b) : "—");
	pdf_set_y(s->pdf, pdf_y(s->pdf) + 3);
	if (pdf_y(s->pdf) + 30 > PDF_A4_H - PDF_MARGIN)
		pdf_page(s->pdf);
	pdf_para(s->pdf, 10.5, 0, 10, buf_str(&t));
	y = pdf_y(s->pdf);
	static const char *const sig[] = {"制表人：", "审核人：", "日期："};
	for (int i = 0; i < 3; i++) {
		double x = PDF_MARGIN + i * w;
		pdf_text(s->pdf, x, y, 20, 10.5, 0, sig[i]);
		pdf_line(s->pdf, x + 16, y + 5, x + w - 6, y + 5, 0.3, 0);
	}
	buf_free(&t);
	free(s->unit);
	s->unit = NULL;
}

static void unit_begin(struct sheet *s, const char *unit)
{
	s->unit = lx_strdup(unit);
	s->unit_pages = 0;
	s->assigned = s->took = s->passed = 0;
	s->units++;
	pdf_set_page_hook(s->pdf, header, s);
	pdf_page(s->pdf);
	pdf_table_begin(s->pdf, COLS, NCOLS, 10);
}

static int in_scope(const char *org, const char *scope)
{
	size_t n;
	if (!scope)
		return 1;
	n = strlen(scope);
	return strncmp(org, scope, n) == 0 && (org[n] == 0 || org[n] == '/');
}

static int row_cb(void *ctx, const struct report_person *p)
{
	struct sheet *s = ctx;
	char score[GRADE_FMT_MAX] = "";
	const char *cells[NCOLS];

	if (!in_scope(p->org, s->scope))
		return 0;
	if (!s->unit || strcmp(s->unit, p->org) != 0) {
		if (s->unit)
			unit_end(s);
		unit_begin(s, p->org);
	}
	s->assigned++;
	if (p->status == AST_SUBMITTED) {
		s->took++;
		s->passed += p->passed != 0;
		grade_fmt((long)p->score2, score);
	}
	cells[0] = p->login;
	cells[1] = p->name;
	cells[2] = p->category_name;
	cells[3] = attempt_status_zh(p->status);
	cells[4] = score;
	cells[5] = p->status == AST_SUBMITTED ? (p->passed ? "合格" : "不合格") : "";
	pdf_table_row(s->pdf, cells);
	return 0;
}

struct sheet *sheet_begin(const struct report_exam *x, const char *org_path)
{
	struct sheet *s = lx_calloc(1, sizeof *s);
	s->pdf = pdf_new();
	s->x = x;
	s->scope = org_path;
	return s;
}

int sheet_row(struct sheet *s, const struct report_person *p) { return row_cb(s, p); }

int sheet_finish(struct sheet *s, char **data, size_t *len, int *units, struct lx_err *e)
{
	struct pdf *pdf = s->pdf;

	if (s->unit) {
		unit_end(s);
	} else { /* nobody assigned in the selection (an empty unit): one page saying so */
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "“%s”%s%s没有应考人员。", s->x->title, s->scope ? "在 " : "", s->scope ? s->scope : "");
		pdf_page(pdf);
		pdf_para(pdf, 18, PDF_BOLD | PDF_CENTER | PDF_SERIF, 3, "成绩汇总表");
		pdf_para(pdf, 12, 0, 0, buf_str(&b));
		buf_free(&b);
	}
	*units = s->units;
	free(s->unit);
	free(s);
	return pdf_finish(pdf, data, len, e);
}

void sheet_abandon(struct sheet *s)
{
	if (!s)
		return;
	pdf_free(s->pdf);
	free(s->unit);
	free(s);
}

int sheet_pdf(struct store *db, const char *exam_code, const char *org_path, char **data, size_t *len, int *units,
	      struct lx_err *e)
{
	struct report_exam x = {0};
	struct sheet *s = NULL;
	int rc = store_read_begin(db, e);

	*units = 0;
	if (rc)
		return rc;
	rc = store_report_exam(db, exam_code, &x, e);
	if (rc == LX_OK) {
		s = sheet_begin(&x, org_path);
		rc = store_report_people(db, x.id, 1, row_cb, s, e);
	}
	store_read_end(db);
	if (rc == LX_OK)
		rc = sheet_finish(s, data, len, units, e);
	else
		sheet_abandon(s);
	report_exam_free(&x);
	return rc;
}
