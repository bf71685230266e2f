/* h_report.c — GET /api/v1/reports/{exam}/pass-rates, /results and /items (SPEC §6, §7).
 * Parameters are validated here; the report is read from one snapshot of this thread's
 * reader and rendered by report_make() (common/domain/report_out.c), then the download is recorded
 * in the audit log through the writer, and the prepared body is sent when that is durable
 * (no audit row, no report: 503). Roles are enforced by the route table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "exam.h"
#include "log.h"
#include "mem.h"
#include "report.h"
#include "routes.h"

/* The handler's state between rendering and the audit commit (owned by c->data). */
struct rep_pending {
	struct report_doc doc;
	char *detail; /* audit detail (report_describe) */
	int attachment; /* CSV and XLSX are downloads; JSON is shown by the page */
};

static void pending_free(void *data)
{
	struct rep_pending *p = data;
	report_doc_free(&p->doc);
	free(p->detail);
	free(p);
}

/* RFC 5987 attr-char: sent as is in filename*=; everything else is percent-encoded. */
static int attr_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$&+-.^_`|~", ch));
}

/* Content-Disposition for a download named name (UTF-8): an ASCII fallback for old clients
 * (anything outside [A-Za-z0-9._-] becomes '_') and the exact name as filename* (RFC 6266,
 * RFC 5987). Caller frees. */
static char *disposition(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "attachment; filename=\"");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			   *p == '.' || *p == '-' || *p == '_';
		if (keep)
			buf_addc(&b, (char)*p);
		else if (*p < 0x80 || (*p & 0xc0) != 0x80) /* one '_' per character */
			buf_addc(&b, '_');
	}
	buf_adds(&b, "\"; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (attr_char(*p)) {
			buf_addc(&b, (char)*p);
		} else {
			char pct[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_add(&b, pct, 3);
		}
	}
	return buf_detach(&b);
}

static int audit_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct rep_pending *p = c->data;
	return store_audit(db, clock_now(), c->user.login, "report_download", p->detail, c->remote, e);
}

static void audit_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct rep_pending *p = c->data;
	char *cd = NULL;

	if (rc) { /* no audit row, no report */
		LOG(LOG_ERROR, "report audit failed (%s): %s", p->detail, e ? e->msg : "?");
		http_fail(c, rc, NULL);
		goto out;
	}
	if (p->attachment) {
		cd = disposition(p->doc.filename);
		http_header(c, "Content-Disposition", cd);
	}
	http_reply(c, 200, p->doc.ctype, p->doc.data, p->doc.len); /* frees c and p */
out:
	free(cd);
}

/* Validates, renders, then hands the body to the audit job; answers exactly once. */
static void serve(struct hctx *c, enum report_kind kind)
{
	struct report_req req = {.kind = kind, .exam = c->params[0]};
	struct rep_pending *p = NULL;
	struct lx_err e = {0};
	int rc;

	if (report_format_parse(http_query(c, "format"), &req.format, &e) ||
	    (kind == REPORT_PASS_RATES && (report_by_parse(http_query(c, "by"), &req.by, &e) ||
					   report_depth_parse(http_query(c, "depth"), &req.depth, &e)))) {
		http_error(c, 400, "bad_request", e.msg);
		goto out;
	}
	if (!req.exam || strlen(req.exam) > 128) {
		http_error(c, 404, "not_found", "没有这场考试");
		goto out;
	}
	if (req.by == REPORT_BY_CATEGORY)
		req.depth = 0; /* depth only groups unit paths */
	p = lx_calloc(1, sizeof *p);
	rc = report_make(c->th->rd, &req, &p->doc, &e);
	if (rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "not_found", e.msg);
		goto out;
	}
	if (rc) {
		LOG(LOG_ERROR, "report %s: %s", c->path, e.msg);
		http_fail(c, rc, rc == LX_ERR_INVALID ? e.msg : NULL);
		goto out;
	}
	p->detail = report_describe(&req);
	p->attachment = req.format != REPORT_FMT_JSON;
	c->data = p; /* c owns p from here: freed with c after the reply */
	c->data_free = pending_free;
	p = NULL;
	http_write(c, audit_job, audit_done);
out:
	if (p)
		pending_free(p);
}

/* GET /api/v1/reports: every exam, for HR officers choosing one to report on (the same
 * list the admin pages show). */
void h_reports_exams(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int rc = exam_admin_list_json(c->th->rd, &out, &e);

	if (rc)
		http_fail(c, rc, NULL);
	else
		http_json(c, 200, out);
}

void h_report_pass_rates(struct hctx *c) { serve(c, REPORT_PASS_RATES); }
void h_report_results(struct hctx *c) { serve(c, REPORT_RESULTS); }
void h_report_items(struct hctx *c) { serve(c, REPORT_ITEMS); }
