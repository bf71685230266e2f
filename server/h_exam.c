/* h_exam.c — the examinee API (exams, attempts, answers, submit, review) and the exam
 * administration API (create, list, monitor). Reads use the thread's reader connection;
 * writes are writer jobs that also build the reply body, so the answer reflects exactly
 * what was committed — except a start, whose Attempt JSON is built after the commit with
 * the reader (start_done), so the single writer only draws and inserts. The Attempt JSON
 * (start_done, h_attempt_get) is written as bytes from the reader's paper cache. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exam.h"
#include "exam_def.h"
#include "jsonx.h"
#include "mem.h"
#include "roles.h"
#include "routes.h"
#include "scope.h"
#include "store_accounts.h"

static int64_t param_id(struct hctx *c)
{
	return http_param_id(c->params[0]);
}

/* Answers a domain failure, honouring its API tag. */
static void fail(struct hctx *c, int rc, const struct lx_err *e)
{
	static const struct http_tag tags[] = {
		{"not_assigned", 403}, {"exam_not_open", 409}, {"no_attempts_left", 409},
		{"attempt_closed", 409}, {"bad_response", 422}, {"review_not_available", 403}, {"exempt", 403},
	};
	http_fail_tagged(c, rc, e, tags, sizeof tags / sizeof tags[0]);
}

/* A job's reply, built on the writer thread. */
struct reply {
	json_t *body;
	int status;
	int64_t id;
	char *code;
	struct save_item *items;
	size_t n;
	size_t ignored;
	int64_t deadline;
	struct exam_prereq prereq;
	struct exam_def def;
	int dry_run;
	struct diag d;
	struct diag held; /* exam create: sections that lost questions to review (SPEC §13) */
	char text[192]; /* a reply already serialised (saves), sent as it is */
	size_t text_len;
};

static void reply_free(void *p)
{
	struct reply *r = p;
	json_decref(r->body);
	free(r->code);
	free(r->items);
	examdef_free(&r->def);
	diag_free(&r->d);
	diag_free(&r->held);
	free(r);
}

static struct reply *reply_new(struct hctx *c)
{
	struct reply *r = lx_calloc(1, sizeof *r);
	c->data = r;
	c->data_free = reply_free;
	return r;
}

/* 422 bad_response naming every bad answer of a save batch: details [{"where","message",
 * "position"}] (position null where the item had none), so the page drops exactly those and
 * sends the others again (web/js/savequeue.js). Nothing of the batch was stored. */
static void bad_batch(struct hctx *c, const char *message, const struct diag *d)
{
	json_t *details = json_array();

	for (size_t i = 0; i < d->n; i++) {
		int pos = 0;
		json_t *p = sscanf(d->items[i].where, "position %d", &pos) == 1 ? json_integer(pos) : json_null();
		json_array_append_new(details, json_pack("{s:s,s:s,s:o}", "where", d->items[i].where, "message",
							 d->items[i].message, "position", p));
	}
	http_json(c, 422, json_pack("{s:{s:s,s:s,s:o,s:I}}", "error", "code", "bad_response", "message", message,
				    "details", details, "total", (json_int_t)d->total));
}

static void reply_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct reply *r = c->data;
	json_t *body;
	if (rc == LX_ERR_INVALID && r->d.total && e && e->tag && strcmp(e->tag, "bad_response") == 0) {
		bad_batch(c, e->msg, &r->d);
		return;
	}
	if (rc) {
		fail(c, rc, e);
		return;
	}
	if (r->text_len) {
		http_reply(c, r->status ? r->status : 200, "application/json; charset=utf-8", r->text, r->text_len);
		return;
	}
	body = r->body;
	r->body = NULL;
	http_json(c, r->status ? r->status : 200, body);
}

/* --- examinee ------------------------------------------------------------------- */

void h_exams_list(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int rc = exam_list_json(c->th->rd, &c->user, clock_now(), c->srv->cfg->grace_seconds, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

/* On the writer: only the draw and its inserts (r->id, r->status for start_done). */
static int start_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct reply *r = c->data;
	int created = 0;
	int rc = exam_start(db, r->code, &c->user, clock_now(), c->srv->cfg->grace_seconds, &r->id, &created,
			    &r->prereq, e);
	r->status = created ? 201 : 200;
	return rc;
}

/* On the request's thread after the commit: the reader sees the committed attempt. */
static void start_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct reply *r = c->data;
	struct lx_err re = {0};
	char *body = NULL;
	size_t len = 0;
	if (rc && e && e->tag && strcmp(e->tag, "prerequisite_not_met") == 0) {
		/* the figures at the top (SPEC §13) and in the error object, for clients reading either */
		http_json(c, 403, json_pack("{s:{s:s,s:s,s:I,s:I},s:I,s:I}", "error", "code", e->tag, "message", e->msg,
					    "needed", (json_int_t)r->prereq.needed, "done", (json_int_t)r->prereq.done,
					    "needed", (json_int_t)r->prereq.needed, "done", (json_int_t)r->prereq.done));
		return;
	}
	if (rc) {
		fail(c, rc, e);
		return;
	}
	rc = exam_attempt_render(c->th->rd, r->id, c->user.id, clock_now_ms(), &body, &len, &re);
	if (rc) {
		fail(c, rc, &re);
		return;
	}
	http_reply(c, r->status, "application/json; charset=utf-8", body, len);
	free(body);
}

void h_attempt_start(struct hctx *c)
{
	struct reply *r = reply_new(c);
	r->code = lx_strdup(c->params[0]);
	http_write(c, start_job, start_done);
}

/* The paper as bytes from the reader's paper cache (exam_attempt_render), not a JSON tree. */
void h_attempt_get(struct hctx *c)
{
	char *out = NULL;
	size_t len = 0;
	struct lx_err e = {0};
	int64_t id = param_id(c);
	int rc = id ? exam_attempt_render(c->th->rd, id, c->user.id, clock_now_ms(), &out, &len, &e) : LX_ERR_NOTFOUND;
	if (rc)
		fail(c, rc, &e);
	else
		http_reply(c, 200, "application/json; charset=utf-8", out, len);
	free(out);
}

/* The save reply, built here as text: the writer has time to spare while the event loops,
 * which would otherwise pack and dump a JSON tree, bound the save rate (docs/benchmarks.md).
 * Every field is a number or an RFC 3339 time, so no escaping is needed. */
static int save_text(struct reply *r, struct lx_err *e)
{
	char now_s[48], deadline_s[48];
	int n = snprintf(r->text, sizeof r->text, "{\"saved\":%zu,\"ignored\":%zu,\"server_time\":\"%s\",\"deadline\":\"%s\"}",
			 r->n, r->ignored, rfc3339_format_ms(clock_now_ms(), now_s, sizeof now_s),
			 rfc3339_format(r->deadline, deadline_s, sizeof deadline_s));
	if (n <= 0 || (size_t)n >= sizeof r->text)
		return err_set(e, LX_ERR_INTERNAL, "save reply too long");
	r->text_len = (size_t)n;
	return LX_OK;
}

static int save_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct reply *r = c->data;
	int rc;
	diag_free(&r->d); /* empty, unless a bulk run that held this save was undone */
	rc = exam_save(db, r->id, c->user.id, r->items, r->n, clock_now(), c->srv->cfg->grace_seconds,
			   &r->ignored, &r->deadline, &r->d, e);
	return rc == LX_OK ? save_text(r, e) : rc;
}

/* Saves queued one after another are stored together (exam_save_many): a handful of
 * statements for the lot instead of a few per save. */
static int save_bulk(struct store *db, struct hctx **cs, int *rcs, struct lx_err *errs, size_t n, struct lx_err *e)
{
	struct save_req *reqs = lx_calloc(n, sizeof *reqs);
	int rc;
	for (size_t i = 0; i < n; i++) {
		struct reply *r = cs[i]->data;
		diag_free(&r->d);
		reqs[i] = (struct save_req){.attempt_id = r->id, .user_id = cs[i]->user.id, .items = r->items,
					    .n = r->n, .bad = &r->d};
	}
	rc = exam_save_many(db, reqs, n, clock_now(), cs[0]->srv->cfg->grace_seconds, e);
	for (size_t i = 0; rc == LX_OK && i < n; i++) {
		struct reply *r = cs[i]->data;
		r->ignored = reqs[i].ignored;
		r->deadline = reqs[i].deadline;
		rcs[i] = reqs[i].rc;
		errs[i] = reqs[i].err;
		if (rcs[i] == LX_OK)
			rcs[i] = save_text(r, &errs[i]);
	}
	free(reqs);
	return rc;
}

static const struct http_bulk SAVE_BULK = {save_bulk};

void h_attempt_save(struct hctx *c)
{
	json_t *body = http_body_json(c), *arr, *it;
	struct reply *r;
	size_t i;
	char msg[160];

	if (!body)
		return;
	r = reply_new(c);
	r->id = param_id(c);
	arr = json_object_get(body, "answers");
	if (!r->id) {
		json_decref(body);
		http_error(c, 404, "not_found", "答卷不存在");
		return;
	}
	if (!json_is_array(arr) || json_array_size(arr) > LX_SAVE_BATCH_MAX) {
		json_decref(body);
		snprintf(msg, sizeof msg, "answers 应为数组，每批最多 %d 条", LX_SAVE_BATCH_MAX);
		http_error(c, 422, "bad_response", msg);
		return;
	}
	r->n = json_array_size(arr);
	r->items = lx_calloc(r->n ? r->n : 1, sizeof *r->items);
	json_array_foreach(arr, i, it) {
		json_t *pos = json_object_get(it, "position"), *resp = json_object_get(it, "response"),
		       *seq = json_object_get(it, "seq");
		if (!json_is_object(it) || !json_is_integer(pos) || !json_is_string(resp) || !json_is_integer(seq) ||
		    json_string_length(resp) >= sizeof r->items[i].response || json_integer_value(seq) < 0 ||
		    json_integer_value(pos) < 1 || json_integer_value(pos) > LX_MAX_POSITIONS) {
			char where[48];
			if (json_is_integer(pos) && json_integer_value(pos) >= INT_MIN && json_integer_value(pos) <= INT_MAX)
				snprintf(where, sizeof where, "position %d", (int)json_integer_value(pos));
			else
				snprintf(where, sizeof where, "answers[%zu]", i);
			snprintf(msg, sizeof msg, "第 %zu 条作答格式错误（position 为 1–%d 的整数，response 为字符串，seq 为非负整数）%s%lld",
				 i + 1, LX_MAX_POSITIONS, json_is_integer(pos) ? "：第 " : "",
				 json_is_integer(pos) ? (long long)json_integer_value(pos) : 0LL);
			diag_add(&r->d, where, "%s", msg);
			continue;
		}
		r->items[i].position = (int)json_integer_value(pos);
		snprintf(r->items[i].response, sizeof r->items[i].response, "%s", json_string_value(resp));
		r->items[i].seq = json_integer_value(seq);
	}
	json_decref(body);
	if (r->d.total) {
		bad_batch(c, r->d.items[0].message, &r->d);
		return;
	}
	http_write_bulk(c, save_job, &SAVE_BULK, reply_done);
}

static int submit_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct reply *r = c->data;
	int rc = exam_submit(db, r->id, c->user.id, clock_now(), "submit", e);
	if (rc == LX_OK)
		rc = exam_submit_json(db, r->id, &r->body, e);
	return rc;
}

void h_attempt_submit(struct hctx *c)
{
	struct reply *r = reply_new(c);
	r->id = param_id(c);
	if (!r->id) {
		http_error(c, 404, "not_found", "答卷不存在");
		return;
	}
	http_write(c, submit_job, reply_done);
}

void h_attempt_review(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int64_t id = param_id(c);
	int rc = id ? exam_review_json(c->th->rd, id, c->user.id, clock_now(), &out, &e) : LX_ERR_NOTFOUND;
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

/* --- administration ------------------------------------------------------------- */

static int create_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct reply *r = c->data;
	int rc = exam_create(db, &r->def, "exam.json", r->dry_run, clock_now(), &r->d, e);
	diag_free(&r->held);
	if (rc == LX_OK)
		rc = exam_create_held(db, &r->def, "exam.json", &r->held, e);
	if (rc == LX_OK && !r->dry_run)
		rc = store_audit(db, clock_now(), c->user.login, "exam_create", r->def.code, c->remote, e);
	if (rc == LX_OK && r->dry_run) { /* the form's preview: sections' counts, who is assigned */
		json_decref(r->body);
		r->body = NULL;
		rc = exam_preview_json(db, &r->def, &r->body, e);
	}
	return rc;
}

static void create_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct reply *r = c->data;
	if (rc == LX_ERR_INVALID && r->d.total) {
		http_error_diag(c, "invalid_exam", "考试定义有误", &r->d);
		return;
	}
	if (rc) {
		fail(c, rc, e);
		return;
	}
	const char *warning = examdef_warning(&r->def);
	json_t *warnings = json_array();

	if (warning)
		json_array_append_new(warnings, json_string(warning));
	for (size_t i = 0; i < r->held.n; i++) {
		char *w = lx_asprintf("%s: %s", r->held.items[i].where, r->held.items[i].message);
		json_array_append_new(warnings, json_string(w));
		free(w);
	}
	json_t *out = json_pack("{s:s,s:b,s:b,s:o}", "exam", r->def.code, "dry_run", r->dry_run, "created", !r->dry_run,
				"warnings", warnings);
	if (r->body) /* a dry run: "sections" and "assigned" (exam_preview_json) */
		json_object_update(out, r->body);
	http_json(c, r->dry_run ? 200 : 201, out);
}

void h_admin_exams_create(struct hctx *c)
{
	struct reply *r = reply_new(c);
	const char *dry = http_query(c, "dry_run");
	r->dry_run = dry && strcmp(dry, "0") != 0 && strcmp(dry, "false") != 0;
	if (examdef_parse(c->body, c->body_len, "exam.json", &r->def, &r->d) != LX_OK) {
		http_error_diag(c, "invalid_exam", "考试定义有误", &r->d);
		return;
	}
	http_write(c, create_job, create_done);
}

/* GET /api/v1/admin/exams: every exam; for a scoped principal (a unit administrator) only
 * the exams that concern someone in the scope (exam_admin_list_json). */
void h_admin_exams_list(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	const char *scope;
	int rc;

	scope_sql_prefix(c, &scope);
	rc = exam_admin_list_json(c->th->rd, scope, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

/* GET /api/v1/receipts/{code}: the receipt checked against what is stored now. The owner,
 * admin and hr see it; to anyone else the code is not found, as another person's attempt. */
void h_receipt_get(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int64_t owner = 0;
	int staff = (c->user.roles & (ROLE_ADMIN | ROLE_HR)) != 0;
	const char *code = c->params[0];
	int rc = code && strlen(code) <= 40 ? exam_receipt_verify(c->th->rd, code, &owner, &out, &e) : LX_ERR_NOTFOUND;
	if (rc == LX_OK && staff && !scope_user_id_covered(c, owner))
		staff = 0; /* a scoped HR officer or administrator: only people in the scope */
	if (rc == LX_OK && !staff && owner != c->user.id)
		rc = LX_ERR_NOTFOUND;
	if (rc == LX_ERR_NOTFOUND)
		http_error(c, 404, "not_found", "回执不存在");
	else if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out), out = NULL;
	json_decref(out);
}
