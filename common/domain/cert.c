/* cert.c — certificates (合格证明): numbers, issuing, the A4 page, and the /verify page
 * (see cert.h). A certificate shows what the store says now (name, unit, exam, score of the
 * attempt it was issued for); the number is the only thing it owns. */
#include "cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "grade.h"
#include "pdf.h"
#include "store.h"
#include "store_reports.h"
#include "text.h"
#include "token.h"

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int cert_number_new(char out[CERT_NUMBER_LEN + 1])
{
	uint8_t r[10]; /* 80 bits = 16 characters of 5 bits */
	int rc = tok_random_bytes(r, sizeof r);

	if (rc)
		return rc;
	for (int i = 0; i < CERT_NUMBER_LEN; i++) {
		int bit = i * 5, v = 0;
		for (int k = 0; k < 5; k++, bit++)
			v = v << 1 | (r[bit / 8] >> (7 - bit % 8) & 1);
		out[i] = B32[v];
	}
	out[CERT_NUMBER_LEN] = 0;
	return LX_OK;
}

int cert_number_valid(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if (n >= CERT_NUMBER_LEN || !strchr(B32, s[n]))
			return 0;
	return n == CERT_NUMBER_LEN;
}

void cert_mask_name(const char *name, char *out, size_t outlen)
{
	size_t len = strlen(name), first, o = 0;

	if (outlen < 2)
		return;
	if (!len || !text_utf8_valid(name, len) || (first = text_utf8_seq(name, len)) == 0 || first + 1 > outlen) {
		snprintf(out, outlen, "*");
		return;
	}
	memcpy(out, name, first);
	o = first;
	for (size_t i = first; i < len && o + 1 < outlen;) {
		size_t n = text_utf8_seq(name + i, len - i);
		i += n ? n : 1;
		out[o++] = '*';
	}
	out[o] = 0;
}

/* --- issuing ---------------------------------------------------------------------------- */

int cert_issue(struct store *db, int64_t attempt_id, int64_t now, struct lx_err *e)
{
	char number[CERT_NUMBER_LEN + 1];
	int rc = LX_OK, inserted = 0;

	/* a taken number (2^-80 per issued one) is drawn again; three times is a broken RNG */
	for (int tries = 0; tries < 3; tries++) {
		rc = cert_number_new(number);
		if (rc)
			return err_set(e, rc, "随机数发生器不可用");
		rc = store_cert_insert(db, number, attempt_id, now, &inserted, e);
		if (rc != LX_ERR_CONFLICT)
			break;
	}
	return rc;
}

struct pending {
	int64_t *ids;
	size_t n, cap;
};

static int collect_unissued(void *ctx, const struct cert_facts *f)
{
	struct pending *p = ctx;
	if (*f->number)
		return 0;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->ids = realloc(p->ids, p->cap * sizeof *p->ids);
		if (!p->ids)
			return LX_ERR_NOMEM;
	}
	p->ids[p->n++] = f->attempt_id;
	return 0;
}

int cert_issue_all(struct store *db, int64_t exam_id, const char *org_path, int64_t now, int *issued,
		   struct lx_err *e)
{
	struct pending p = {0};
	int rc = store_cert_passed(db, exam_id, org_path, collect_unissued, &p, e);

	*issued = 0;
	if (rc == LX_ERR_NOMEM)
		err_set(e, rc, "内存不足");
	for (size_t i = 0; rc == LX_OK && i < p.n; i++) {
		rc = cert_issue(db, p.ids[i], now, e);
		if (rc == LX_OK)
			(*issued)++;
	}
	free(p.ids);
	return rc;
}

/* --- the page ------------------------------------------------------------------------------ */

/* "2026年12月06日" in the host's time zone. */
static const char *cn_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y年%m月%d日", &tm))
		snprintf(buf, len, "—");
	return buf;
}

#define FACT_W 100.0

/* A label and its value on one line of the facts table; a value taller than max_h mm (a
 * unit path of eight long levels) is set smaller, so the facts stay above the QR code. */
static double fact_fit(struct pdf *p, double y, const char *label, const char *value, double max_h)
{
	static const double sizes[] = {13, 11, 9.5, 8};
	double h, size = 13;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size = sizes[i];
		if (pdf_text_height(p, FACT_W, size, PDF_SERIF, value) <= max_h)
			break;
	}
	pdf_text(p, 40, y, 32, 13, PDF_SERIF | PDF_BOLD, label);
	h = pdf_text(p, 72, y + (size < 13 ? 0.6 : 0), FACT_W, size, PDF_SERIF, value);
	return (h < 7 ? 7 : h) + 3;
}

static double fact(struct pdf *p, double y, const char *label, const char *value)
{
	return fact_fit(p, y, label, value, 1e9);
}

int cert_draw(struct pdf *p, const struct cert_facts *f, const struct cert_print *pp, struct lx_err *e)
{
	char score[GRADE_FMT_MAX], max[GRADE_FMT_MAX], date[64], url[256];
	struct buf b;
	double y;
	int rc;

	buf_init(&b, 0);
	grade_fmt((long)f->score2, score);
	grade_fmt((long)f->max_score2, max);
	cn_date(f->submitted_at, date, sizeof date);
	snprintf(url, sizeof url, "%s/verify/%s", pp->origin, f->number);

	pdf_page(p);
	/* a double frame */
	for (int i = 0; i < 2; i++) {
		double m = 10 + 2.5 * i, w = i ? 0.3 : 1.2;
		pdf_line(p, m, m, PDF_A4_W - m, m, w, 0);
		pdf_line(p, PDF_A4_W - m, m, PDF_A4_W - m, PDF_A4_H - m, w, 0);
		pdf_line(p, PDF_A4_W - m, PDF_A4_H - m, m, PDF_A4_H - m, w, 0);
		pdf_line(p, m, PDF_A4_H - m, m, m, w, 0);
	}
	pdf_text(p, 20, 38, PDF_A4_W - 40, 36, PDF_SERIF | PDF_BOLD | PDF_CENTER, "合格证明");
	pdf_line(p, 70, 60, PDF_A4_W - 70, 60, 0.5, 0);

	buf_printf(&b, "兹证明 %s（工号 %s）参加%s组织的“%s”，成绩 %s 分（满分 %s 分），考试合格。", f->name,
		   f->login, pp->organiser, f->exam_title, score, max);
	y = 75 + pdf_text(p, 30, 75, PDF_A4_W - 60, 15, PDF_SERIF, buf_str(&b)) + 10;

	y += fact(p, y, "姓名", f->name);
	y += fact_fit(p, y, "单位", f->org, 30);
	y += fact(p, y, "考试", f->exam_title);
	buf_reset(&b);
	buf_printf(&b, "%s 分（满分 %s 分）", score, max);
	y += fact(p, y, "成绩", buf_str(&b));
	y += fact(p, y, "考试日期", date);
	y += fact(p, y, "证书编号", f->number);
	if (f->revoked)
		y += fact(p, y, "状态", "已撤销");

	/* the verification block, bottom left; the organiser and the date, bottom right */
	rc = pdf_qr(p, 28, 205, 42, url, e);
	if (rc)
		goto out;
	pdf_text(p, 28, 248, 60, 9, 0, "扫码或访问以下网址核验本证明：");
	pdf_text(p, 28, 253, 100, 8, 0, url);
	pdf_text(p, 110, 222, 75, 15, PDF_SERIF | PDF_RIGHT, pp->organiser);
	pdf_text(p, 110, 232, 75, 13, PDF_SERIF | PDF_RIGHT, date);
out:
	buf_free(&b);
	return rc;
}

struct draw_ctx {
	struct pdf *pdf;
	const struct cert_print *pp;
	struct lx_err *e;
	int count;
};

static int draw_cb(void *ctx, const struct cert_facts *f)
{
	struct draw_ctx *d = ctx;
	if (!*f->number)
		return 0;
	d->count++;
	return cert_draw(d->pdf, f, d->pp, d->e);
}

int cert_pdf_one(struct store *db, int64_t attempt_id, const struct cert_print *pp, char **data, size_t *len,
		 struct lx_err *e)
{
	struct draw_ctx d = {.pdf = pdf_new(), .pp = pp, .e = e};
	int rc = store_read_begin(db, e);

	if (rc == LX_OK) {
		rc = store_cert_get(db, attempt_id, NULL, draw_cb, &d, e);
		store_read_end(db);
	}
	if (rc == LX_OK)
		return pdf_finish(d.pdf, data, len, e);
	pdf_free(d.pdf);
	return rc;
}

int cert_pdf_bulk(struct store *db, const char *exam_code, const char *org_path, const struct cert_print *pp,
		  char **data, size_t *len, int *count, struct lx_err *e)
{
	struct draw_ctx d = {.pdf = pdf_new(), .pp = pp, .e = e};
	struct report_exam x = {0};
	int rc = store_read_begin(db, e);

	*count = 0;
	if (rc)
		goto out;
	rc = store_report_exam(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = store_cert_passed(db, x.id, org_path, draw_cb, &d, e);
	store_read_end(db);
	if (rc == LX_OK && d.count == 0) {
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "“%s”%s%s没有考试合格的人员。", x.title, org_path ? "在 " : "", org_path ? org_path : "");
		pdf_page(d.pdf);
		pdf_para(d.pdf, 14, 0, 0, buf_str(&b));
		buf_free(&b);
	}
out:
	report_exam_free(&x);
	*count = d.count;
	if (rc == LX_OK)
		return pdf_finish(d.pdf, data, len, e);
	pdf_free(d.pdf);
	return rc;
}

/* --- /verify ------------------------------------------------------------------------------ */

static void html_text(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *s);
		}
	}
}

static void html_row(struct buf *b, const char *label, const char *value)
{
	buf_adds(b, "<tr><th>");
	html_text(b, label);
	buf_adds(b, "</th><td>");
	html_text(b, value);
	buf_adds(b, "</td></tr>\n");
}

static int verify_cb(void *ctx, const struct cert_facts *f)
{
	struct buf *b = ctx;
	char masked[256], score[GRADE_FMT_MAX], max[GRADE_FMT_MAX], date[64], sc[96];
	const char *state = f->revoked ? "已撤销" : f->passed ? "有效" : "无效（成绩已更正为不合格）";

	cert_mask_name(f->name, masked, sizeof masked);
	grade_fmt((long)f->score2, score);
	grade_fmt((long)f->max_score2, max);
	snprintf(sc, sizeof sc, "%s 分（满分 %s 分）", score, max);
	buf_adds(b, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>合格证明核验</title><link rel=\"stylesheet\" href=\"/css/app.css\"></head>\n"
		    "<body><main class=\"verify\"><h1>合格证明核验</h1>\n");
	buf_printf(b, "<p class=\"verify-state %s\">本证明%s</p>\n", f->revoked || !f->passed ? "revoked" : "valid",
		   state);
	buf_adds(b, "<table class=\"verify-facts\">\n");
	html_row(b, "证书编号", f->number);
	html_row(b, "姓名", masked);
	html_row(b, "单位", f->org);
	html_row(b, "考试", f->exam_title);
	html_row(b, "成绩", sc);
	html_row(b, "考试日期", cn_date(f->submitted_at, date, sizeof date));
	html_row(b, "状态", state);
	buf_adds(b, "</table>\n</main></body></html>\n");
	return 0;
}

int cert_verify_html(struct store *db, const char *number, char **html, size_t *len, struct lx_err *e)
{
	struct buf b;
	int rc;

	*html = NULL;
	*len = 0;
	if (!cert_number_valid(number))
		return err_set(e, LX_ERR_NOTFOUND, "没有这份合格证明");
	buf_init(&b, 0);
	rc = store_cert_get(db, 0, number, verify_cb, &b, e);
	if (rc == LX_OK) {
		*len = b.len;
		*html = buf_detach(&b);
	}
	buf_free(&b);
	return rc;
}
