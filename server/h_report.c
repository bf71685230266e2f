/* h_report.c — GET /api/v1/reports/{exam}/pass-rates, /results and /items (SPEC §6, §7).
 * Parameters are validated here, on the event loop. The report itself is built on the hash
 * pool: report_make() (common/domain/report_out.c) reads one snapshot of a read-only store
 * connection of its own and renders the whole body there — a results XLSX of 100,000
 * staff takes about a second of CPU, which on the loop would stall every connection the
 * loop serves. Back on the loop the download is recorded in the audit log through the
 * writer, and the finished body is sent when that is durable (no audit row, no report:
 * 503). One report at a time per user: a second request while the first is being built or
 * sent is a 429 report_in_progress (the PDFs of h_paper.c count too, report_busy.h). Roles are enforced by the route table. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "exam.h"
#include "log.h"
#include "mem.h"
#include "report.h"
#include "report_busy.h"
#include "routes.h"
#include "scope.h"
#include "store.h"

/* --- one report at a time per user ------------------------------------------------------
 * The users with a report being built or sent, shared by every event loop (struct srv owns
 * the set). A handful at most (HR officers and administrators): a plain array under a mutex. */
struct report_busy {
	pthread_mutex_t mu;
	int64_t *uid;
	size_t n, cap;
};

struct report_busy *report_busy_new(void)
{
	struct report_busy *b = lx_calloc(1, sizeof *b);
	pthread_mutex_init(&b->mu, NULL);
	return b;
}

void report_busy_free(struct report_busy *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->mu);
	free(b->uid);
	free(b);
}

/* Marks uid busy; 0 if it already was (nothing changed). */
int report_busy_take(struct report_busy *b, int64_t uid)
{
	int ok = 1;
	pthread_mutex_lock(&b->mu);
	for (size_t i = 0; i < b->n && ok; i++)
		if (b->uid[i] == uid)
			ok = 0;
	if (ok) {
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 16;
			b->uid = lx_realloc(b->uid, b->cap * sizeof *b->uid);
		}
		b->uid[b->n++] = uid;
	}
	pthread_mutex_unlock(&b->mu);
	return ok;
}

void report_busy_drop(struct report_busy *b, int64_t uid)
{
	pthread_mutex_lock(&b->mu);
	for (size_t i = 0; i < b->n; i++)
		if (b->uid[i] == uid) {
			b->uid[i] = b->uid[--b->n];
			break;
		}
	pthread_mutex_unlock(&b->mu);
}

/* Seconds a client is told to wait for its running report (Retry-After). */
#define REPORT_RETRY_AFTER "5"

/* The handler's state from validation to the reply (owned by c->data). */
struct rep_pending {
	struct report_req req;  /* req.exam points into c->params */
	int64_t uid;            /* busy while p lives */
	struct report_busy *busy; /* the server's set it is in */
	int rc;                 /* report_make()'s result, set on the pool */
	struct lx_err err;
	struct report_doc doc;
	char *detail; /* audit detail (report_describe) */
	int attachment; /* CSV and XLSX are downloads; JSON is shown by the page */
};

static void pending_free(void *data)
{
	struct rep_pending *p = data;
	report_busy_drop(p->busy, p->uid); /* after the reply is queued: the next report may start */
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

/* Content-Disposition for a download named name (UTF-8, e.g. 成绩明细-2026-annual.csv): the
 * exact name as filename* (RFC 6266, RFC 5987: percent-encoded UTF-8), which browsers use,
 * and an ASCII filename= for clients that ignore filename* (curl -J), made from fallback
 * (anything outside [A-Za-z0-9._-] becomes '_'; fallback NULL: made from name). Caller frees. */
char *report_disposition(const char *name, const char *fallback)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "attachment; filename=\"");
	for (const unsigned char *p = (const unsigned char *)(fallback ? fallback : name); *p; p++) {
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
		cd = report_disposition(p->doc.filename, p->doc.ascii_name ? p->doc.ascii_name : p->doc.filename);
		http_header(c, "Content-Disposition", cd);
	}
	http_reply(c, 200, p->doc.ctype, p->doc.data, p->doc.len); /* frees c and p */
out:
	free(cd);
}

/* On the hash pool: a read-only connection of its own, one snapshot, the whole body. */
static void report_work(struct hctx *c)
{
	struct rep_pending *p = c->data;
	struct store *db = NULL;

	p->rc = store_open(c->srv->cfg->db_path, STORE_READONLY, &db, &p->err);
	if (p->rc == LX_OK)
		p->rc = report_make(db, &p->req, &p->doc, &p->err);
	store_close(db);
}

/* Back on the loop: answer a failure, or record the download and then send it. */
static void report_built(struct hctx *c, int rc, const struct lx_err *e)
{
	struct rep_pending *p = c->data;

	if (p->rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "not_found", p->err.msg);
		return;
	}
	if (p->rc) {
		LOG(LOG_ERROR, "report %s: %s", c->path, p->err.msg);
		http_fail(c, p->rc, p->rc == LX_ERR_INVALID ? p->err.msg : NULL);
		return;
	}
	http_write(c, audit_job, audit_done);
}

/* Validates on the loop, then builds the report on the hash pool; answers exactly once. */
static void serve(struct hctx *c, enum report_kind kind)
{
	struct report_req req = {.kind = kind, .exam = c->params[0], .now = clock_now()};
	struct rep_pending *p;
	struct lx_err e = {0};

	/* Filters (the HR page's): org on results and pass rates; status and passed on results. */
	if (report_format_parse(http_query(c, "format"), &req.format, &e) ||
	    (kind == REPORT_PASS_RATES && (report_by_parse(http_query(c, "by"), &req.by, &e) ||
					   report_depth_parse(http_query(c, "depth"), &req.depth, &e))) ||

	    (kind == REPORT_RESULTS && (report_status_parse(http_query(c, "status"), &req.filter.status_mask, &e) ||
					report_passed_parse(http_query(c, "passed"), &req.filter.passed, &e)))) {
		http_error(c, 400, "bad_request", e.msg);
		return;
	}
	/* org inside the principal's scope (SPEC §12): rows only from the scope, totals over it */
	if (kind != REPORT_ITEMS) {
		const char *scope = NULL, *org = NULL;
		scope_sql_prefix(c, &scope);
		if (scope_org_param(c, http_query(c, "org"), &org) != 0)
			return;
		req.filter.scope = scope;
		req.filter.org = org == scope ? NULL : org;
	}
	if (kind == REPORT_STUDY) {
		if (report_by_parse(http_query(c, "by"), &req.by, &e) || report_depth_parse(http_query(c, "depth"), &req.depth, &e)) {
			http_error(c, 400, "bad_request", e.msg);
			return;
		}
		req.exam = "study";
	}
	if (!req.exam || strlen(req.exam) > 128) {
		http_error(c, 404, "not_found", "没有这场考试");
		return;
	}
	if (req.by == REPORT_BY_CATEGORY)
		req.depth = 0; /* depth only groups unit paths */
	if (!report_busy_take(c->srv->report_busy, c->user.id)) {
		http_header(c, "Retry-After", REPORT_RETRY_AFTER);
		http_error(c, 429, "report_in_progress", "您的上一份报表还在生成，请等它下载完成后再试");
		return;
	}
	p = lx_calloc(1, sizeof *p);
	p->uid = c->user.id;
	p->busy = c->srv->report_busy;
	p->req = req;
	p->detail = report_describe(&req);
	p->attachment = req.format != REPORT_FMT_JSON;
	c->data = p; /* c owns p from here: freed with c after the reply, which drops busy */
	c->data_free = pending_free;
	http_offload(c, report_work, report_built);
}

/* GET /api/v1/reports: every exam, for HR officers choosing one to report on (the same
 * list the admin pages show, without mock exams; for a scoped principal only the exams that
 * concern someone in the scope). */
void h_reports_exams(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	const char *scope;
	json_t *exams, *it;
	size_t i;
	int rc;

	scope_sql_prefix(c, &scope);
	rc = exam_admin_list_json(c->th->rd, scope, &out, &e);

	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	/* mock exams (模拟考试) are practice: never offered for a report */
	exams = json_object_get(out, "exams");
	for (i = json_array_size(exams); i-- > 0;) {
		it = json_array_get(exams, i);
		if (json_is_string(json_object_get(it, "kind")) && strcmp(json_string_value(json_object_get(it, "kind")), "mock") == 0)
			json_array_remove(exams, i);
	}
	http_json(c, 200, out);
}

void h_report_pass_rates(struct hctx *c) { serve(c, REPORT_PASS_RATES); }
void h_report_results(struct hctx *c) { serve(c, REPORT_RESULTS); }
void h_report_items(struct hctx *c) { serve(c, REPORT_ITEMS); }
/* GET /api/v1/reports/study?by=org|category&depth=N&format=…: the study report (学法统计). */
void h_report_study(struct hctx *c) { serve(c, REPORT_STUDY); }
