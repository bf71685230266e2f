/* h_paper.c — the printed papers (SPEC §14): GET /api/v1/attempts/{id}/certificate.pdf,
 * GET /api/v1/reports/{exam}/certificates.pdf and /sheet.pdf, and the public GET
 * /verify/{number}. Who may have what is checked here, on the loop, with the thread's
 * reader; certificate numbers are issued through the writer; the PDFs are drawn on the hash
 * pool with a read-only connection of their own (as h_report.c does: a sheet of 2,000 people
 * is about a second of CPU), the download is audited through the writer, then sent. One PDF
 * or report at a time per user (report_busy.h). The page is drawn by common/domain/cert.c
 * and sheet.c; nothing here lays anything out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cert.h"
#include "clock.h"
#include "exam.h"
#include "jsonx.h"
#include "lx_limits.h"
#include "log.h"
#include "mem.h"
#include "report_busy.h"
#include "roles.h"
#include "routes.h"
#include "scope.h"
#include "sheet.h"
#include "slips.h"
#include "store.h"
#include "store_exams.h"
#include "store_papers.h"
#include "store_reports.h"
#include "text.h"

#define ORG_PARAM_MAX 1024
#define RETRY_AFTER "5"

enum paper_kind { PK_CERT, PK_CERTS, PK_SHEET, PK_SLIPS };

#define SLIPS_MAX 10000 /* per request; 1 MiB of JSON holds fewer anyway */

/* A request's state from the checks to the reply (owned by c->data). */
struct paper_pending {
	enum paper_kind kind;
	int64_t uid;          /* busy while this lives */
	struct report_busy *busy; /* the server's set it is in */
	int64_t attempt_id;   /* PK_CERT: the best attempt */
	char *exam;           /* PK_CERTS, PK_SHEET: the exam code */
	char *org;            /* ?org=, or NULL */
	char origin[300];     /* "https://HOST" for the QR codes */
	int rc;               /* the build's result, set on the pool */
	struct lx_err err;
	char *data;
	size_t len;
	char *filename;
	char *detail;         /* the audit line */
	struct slip *slips;   /* PK_SLIPS: copies of the posted rows (passwords wiped on free) */
	size_t nslips;
};

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void pending_free(void *data)
{
	struct paper_pending *p = data;
	report_busy_drop(p->busy, p->uid);
	for (size_t i = 0; i < p->nslips; i++) {
		free((char *)p->slips[i].login);
		free((char *)p->slips[i].name);
		free((char *)p->slips[i].unit);
		wipe_free((char *)p->slips[i].password);
	}
	free(p->slips);
	if (p->kind == PK_SLIPS && p->data) /* the slips' PDF holds the passwords too */
		explicit_bzero(p->data, p->len);
	free(p->exam);
	free(p->org);
	free(p->data);
	free(p->filename);
	free(p->detail);
	free(p);
}

/* The origin the QR code points to: the Host the client used to reach us (a name, IPv4, or
 * [IPv6], with an optional port), else the --listen address. */
static void origin_of(struct hctx *c, char *out, size_t len)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Host");
	size_t n = h ? strlen(h) : 0;
	int ok = n > 0 && n <= 255;

	for (size_t i = 0; ok && i < n; i++)
		ok = (h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		     strchr(".-:[]", h[i]);
	if (ok)
		snprintf(out, len, "https://%s", h);
	else if (strchr(c->srv->cfg->host, ':'))
		snprintf(out, len, "https://[%s]:%d", c->srv->cfg->host, c->srv->cfg->port);
	else
		snprintf(out, len, "https://%s:%d", c->srv->cfg->host, c->srv->cfg->port);
}

/* Takes the user's one report slot and hands c a fresh pending; NULL after answering 429. */
static struct paper_pending *pending_new(struct hctx *c, enum paper_kind kind)
{
	struct paper_pending *p;

	if (!report_busy_take(c->srv->report_busy, c->user.id)) {
		http_header(c, "Retry-After", RETRY_AFTER);
		http_error(c, 429, "report_in_progress", "您的上一份报表还在生成，请等它下载完成后再试");
		return NULL;
	}
	p = lx_calloc(1, sizeof *p);
	p->kind = kind;
	p->uid = c->user.id;
	p->busy = c->srv->report_busy;
	origin_of(c, p->origin, sizeof p->origin);
	c->data = p; /* freed with c after the reply, which drops busy */
	c->data_free = pending_free;
	return p;
}

/* --- the download: built on the pool, audited, sent ---------------------------------------- */

static int audit_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct paper_pending *p = c->data;
	return store_audit(db, clock_now(), c->user.login, "paper_download", p->detail, c->remote, e);
}

static void audit_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct paper_pending *p = c->data;
	char *cd = NULL;

	if (rc) { /* no audit row, no paper */
		LOG(LOG_ERROR, "paper audit failed (%s): %s", p->detail, e ? e->msg : "?");
		http_fail(c, rc, NULL);
		return;
	}
	cd = report_disposition(p->filename, NULL);
	http_header(c, "Content-Disposition", cd);
	http_reply(c, 200, "application/pdf", p->data, p->len); /* frees c and p */
	free(cd);
}

/* On the hash pool: a read-only connection of its own, one snapshot, the whole PDF. */
static void build_work(struct hctx *c)
{
	struct paper_pending *p = c->data;
	struct cert_print pp = {.organiser = c->srv->cfg->organiser, .origin = p->origin};
	struct store *db = NULL;
	int n = 0;

	if (p->kind == PK_SLIPS) { /* nothing from the database: the rows came with the request */
		char url[320];
		snprintf(url, sizeof url, "%s/", p->origin);
		p->rc = slips_pdf(p->slips, p->nslips, url, &p->data, &p->len, &p->err);
		return;
	}
	p->rc = store_open(c->srv->cfg->db_path, STORE_READONLY, &db, &p->err);
	if (p->rc == LX_OK) {
		switch (p->kind) {
		case PK_CERT: p->rc = cert_pdf_one(db, p->attempt_id, &pp, &p->data, &p->len, &p->err); break;
		case PK_CERTS:
			p->rc = cert_pdf_bulk(db, p->exam, p->org, &pp, &p->data, &p->len, &n, &p->err);
			break;
		case PK_SHEET: p->rc = sheet_pdf(db, p->exam, p->org, &p->data, &p->len, &n, &p->err); break;
		case PK_SLIPS: break;
		}
	}
	store_close(db);
}

static void build_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct paper_pending *p = c->data;

	if (p->rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "not_found", p->err.msg);
		return;
	}
	if (p->rc) {
		LOG(LOG_ERROR, "paper %s: %s", c->path, p->err.msg);
		http_fail(c, p->rc, NULL);
		return;
	}
	http_write(c, audit_job, audit_done);
}

/* --- issuing certificates through the writer ------------------------------------------------ */

static int issue_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct paper_pending *p = c->data;
	struct report_exam x = {0};
	int rc, issued = 0;

	if (p->kind == PK_CERT)
		return cert_issue(db, p->attempt_id, clock_now(), e);
	rc = store_report_exam(db, p->exam, &x, e);
	if (rc == LX_OK)
		rc = cert_issue_all(db, x.id, p->org, clock_now(), &issued, e);
	if (rc == LX_OK && issued)
		LOG(LOG_INFO, "certificates issued: %d for %s %s", issued, p->exam, p->org ? p->org : "(all)");
	report_exam_free(&x);
	return rc;
}

static void issue_done(struct hctx *c, int rc, const struct lx_err *e)
{
	if (rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "not_found", e ? e->msg : "未找到");
		return;
	}
	if (rc) {
		LOG(LOG_ERROR, "certificate issue %s: %s", c->path, e ? e->msg : "?");
		http_fail(c, rc, NULL);
		return;
	}
	http_offload(c, build_work, build_done);
}

/* --- the routes -------------------------------------------------------------------------- */

static int64_t param_id(const char *s)
{
	char *end;
	long long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return (*end || errno || v <= 0) ? 0 : (int64_t)v;
}

static int exists_cb(void *ctx, const struct cert_facts *f)
{
	*(int *)ctx = 1;
	return 0;
}

/* GET /api/v1/attempts/{id}/certificate.pdf: the owner (once results are shown), or an
 * administrator or HR officer; the certificate is the person's best attempt's, issued on
 * the first download. */
void h_attempt_certificate(struct hctx *c)
{
	struct attempt_row a = {0};
	struct exam_row x = {0};
	struct lx_err e = {0};
	struct paper_pending *p;
	int64_t id = param_id(c->params[0]), best = 0;
	int staff = (c->user.roles & (ROLE_ADMIN | ROLE_HR)) != 0, passed = 0, has = 0;
	int rc = id ? store_attempt_get(c->th->rd, id, &a, &e) : LX_ERR_NOTFOUND;

	if (rc == LX_OK && staff && !scope_user_id_covered(c, a.user_id))
		staff = 0; /* a scoped HR officer or administrator: only people in the scope */
	if (rc == LX_OK && !staff && a.user_id != c->user.id)
		rc = LX_ERR_NOTFOUND; /* another person's attempt is not found, not forbidden */
	if (rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "not_found", "答卷不存在");
		goto out;
	}
	if (rc == LX_OK)
		rc = store_exam_by_id(c->th->rd, a.exam_id, &x, &e);
	if (rc == LX_OK)
		rc = store_best_attempt(c->th->rd, a.exam_id, a.user_id, &best, &passed, &e);
	if (rc) {
		http_fail(c, rc, NULL);
		goto out;
	}
	if (!staff && !exam_results_visible(&x, clock_now())) {
		http_error(c, 409, "not_passed", "成绩公布后才能下载合格证明");
		goto out;
	}
	if (!best || !passed) {
		http_error(c, 409, "not_passed", "这场考试没有合格成绩，没有合格证明");
		goto out;
	}
	rc = store_cert_get(c->th->rd, best, NULL, exists_cb, &has, &e);
	if (rc && rc != LX_ERR_NOTFOUND) {
		http_fail(c, rc, NULL);
		goto out;
	}
	if (!(p = pending_new(c, PK_CERT)))
		goto out;
	p->attempt_id = best;
	{
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "certificate %s attempt=%lld", x.code, (long long)best);
		p->detail = buf_detach(&b);
		buf_printf(&b, "合格证明-%s.pdf", x.code);
		p->filename = buf_detach(&b);
	}
	if (has)
		http_offload(c, build_work, build_done);
	else
		http_write(c, issue_job, issue_done);
out:
	exam_row_free(&x);
}

/* The exam code and ?org= of a report route; 0 after answering 400/404. */
static int report_params(struct hctx *c, char **org)
{
	const char *exam = c->params[0], *o = http_query(c, "org");
	size_t n;

	*org = NULL;
	if (!exam || !*exam || strlen(exam) > 128) {
		http_error(c, 404, "not_found", "没有这场考试");
		return 0;
	}
	if (o && *o) {
		n = strlen(o);
		if (n > ORG_PARAM_MAX || !text_utf8_valid(o, n)) {
			http_error(c, 400, "bad_request", "org 参数无效");
			return 0;
		}
		while (n > 1 && o[n - 1] == '/')
			n--;
		*org = lx_calloc(1, n + 1);
		memcpy(*org, o, n);
	}
	/* A scoped principal (SPEC §12): a unit inside the scope, or the whole scope. */
	{
		const char *eff = NULL;
		if (scope_org_param(c, *org, &eff) != 0) {
			free(*org);
			*org = NULL;
			return 0;
		}
		if (!*org && eff)
			*org = lx_strdup(eff);
	}
	return 1;
}

static void serve_report(struct hctx *c, enum paper_kind kind)
{
	struct paper_pending *p;
	char *org = NULL;
	struct buf b;

	if (!report_params(c, &org))
		return;
	if (!(p = pending_new(c, kind))) {
		free(org);
		return;
	}
	p->exam = lx_strdup(c->params[0]);
	p->org = org;
	buf_init(&b, 0);
	buf_printf(&b, "%s %s org=%s", kind == PK_SHEET ? "sheet" : "certificates", p->exam, org ? org : "");
	p->detail = buf_detach(&b);
	buf_printf(&b, "%s-%s.pdf", kind == PK_SHEET ? "成绩汇总表" : "合格证明", p->exam);
	p->filename = buf_detach(&b);
	if (kind == PK_SHEET)
		http_offload(c, build_work, build_done);
	else
		http_write(c, issue_job, issue_done);
}

void h_report_sheet(struct hctx *c) { serve_report(c, PK_SHEET); }
void h_report_certificates(struct hctx *c) { serve_report(c, PK_CERTS); }

/* GET /verify/{number}: no login. Anything but a known number is the same 404 page. */
void h_verify(struct hctx *c)
{
	static const char not_found[] =
		"<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>合格证明核验</title>"
		"<link rel=\"stylesheet\" href=\"/css/app.css\"></head>\n<body><main class=\"verify\"><h1>合格证明核验</h1>"
		"<p class=\"verify-state revoked\">查无此证明：请核对证书编号。</p></main></body></html>\n";
	struct lx_err e = {0};
	char *html = NULL;
	size_t len = 0;
	int rc = cert_verify_html(c->th->rd, c->params[0] ? c->params[0] : "", &html, &len, &e);

	http_header(c, "Cache-Control", "no-store");
	if (rc == LX_ERR_NOTFOUND)
		http_reply(c, 404, "text/html; charset=utf-8", not_found, sizeof not_found - 1);
	else if (rc)
		http_fail(c, rc, NULL);
	else
		http_reply(c, 200, "text/html; charset=utf-8", html, len);
	free(html);
}

/* One field of a posted slip: a string of 1..max bytes (0..max when may_be_empty). */
static const char *slip_field(json_t *o, const char *key, size_t max, int may_be_empty)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return NULL;
	n = json_string_length(v);
	if (n > max || (n == 0 && !may_be_empty) || memchr(json_string_value(v), 0, n))
		return NULL;
	return json_string_value(v);
}

/* POST /api/v1/admin/slips: the login slips of the passwords a roster import just generated.
 * The passwords exist only in that import's reply, so the admin page sends them back here
 * (docs/security.md, "Login slips"): the body is a JSON array of {login, name, org,
 * password} (≤ LX_BODY_MAX, checked before any handler), the answer a PDF. The passwords are
 * neither stored nor logged: the audit line has the count only, and our copies are wiped
 * when the reply is sent. Not checked against the accounts: the slips say what the caller
 * posted, to no one but the caller. */
void h_admin_slips(struct hctx *c)
{
	char why[256];
	json_t *v = c->body_len ? jsonx_parse(c->body, c->body_len, why, sizeof why, NULL) : NULL, *o;
	struct paper_pending *p;
	struct slip *s;
	size_t n, i;
	struct buf b;

	if (!v) {
		http_error(c, 400, "bad_json", c->body_len ? why : "请求体为空，需要 JSON 数组");
		return;
	}
	n = json_is_array(v) ? json_array_size(v) : 0;
	if (!json_is_array(v) || n == 0 || n > SLIPS_MAX) {
		json_decref(v);
		http_error(c, 400, "bad_request", "请求体须为 1 至 10000 条 {login, name, org, password} 的 JSON 数组");
		return;
	}
	s = lx_calloc(n, sizeof *s);
	json_array_foreach(v, i, o)
	{
		const char *login = json_is_object(o) ? slip_field(o, "login", LX_LOGIN_MAX_BYTES, 0) : NULL;
		const char *name = login ? slip_field(o, "name", 1024, 0) : NULL;
		const char *org = name ? slip_field(o, "org", 4096, 1) : NULL;
		const char *pw = org ? slip_field(o, "password", LX_PASSWORD_MAX_BYTES, 0) : NULL;
		if (!pw) {
			char msg[160];
			for (size_t k = 0; k < i; k++) {
				free((char *)s[k].login);
				free((char *)s[k].name);
				free((char *)s[k].unit);
				wipe_free((char *)s[k].password);
			}
			free(s);
			json_decref(v);
			snprintf(msg, sizeof msg, "第 %zu 条无效：须有工号、姓名、单位、初始密码（字符串）", i + 1);
			http_error(c, 400, "bad_request", msg);
			return;
		}
		s[i] = (struct slip){lx_strdup(login), lx_strdup(name), lx_strdup(org), lx_strdup(pw)};
	}
	json_decref(v);
	if (!(p = pending_new(c, PK_SLIPS))) {
		for (i = 0; i < n; i++) {
			free((char *)s[i].login);
			free((char *)s[i].name);
			free((char *)s[i].unit);
			wipe_free((char *)s[i].password);
		}
		free(s);
		return;
	}
	p->slips = s;
	p->nslips = n;
	buf_init(&b, 0);
	buf_printf(&b, "slips n=%zu", n);
	p->detail = buf_detach(&b);
	p->filename = lx_strdup("登录凭条.pdf");
	http_offload(c, build_work, build_done);
}
