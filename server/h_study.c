/* h_study.c — the study API (学法, SPEC §13): practice sets and their answers, the 错题本,
 * my study records and the reading pings. Every write (a new set, an answer, a counted ping,
 * exam mistakes taken into the book) is a writer job, grouped with the exam saves; replies
 * that show what was written are built after the commit on the request's loop. The study
 * report is h_report.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lx_limits.h"
#include "mem.h"
#include "routes.h"
#include "study.h"

struct study_req {
	char bank[LX_BANK_CODE_MAX + 8];
	char tag[128];
	char law[72];
	char response[16];
	int count, position, counted;
	enum practice_mode mode;
	int64_t id;
	json_t *body; /* a reply built on the writer */
};

static void req_free(void *p)
{
	struct study_req *r = p;
	json_decref(r->body);
	free(r);
}

static struct study_req *req_new(struct hctx *c)
{
	struct study_req *r = lx_calloc(1, sizeof *r);
	c->data = r;
	c->data_free = req_free;
	return r;
}


static void fail(struct hctx *c, int rc, const struct lx_err *e)
{
	static const struct http_tag tags[] = {
		{"bad_response", 422}, {"bad_request", 400}, {"exam_in_progress", 409}, {"no_questions", 409},
	};
	http_fail_tagged(c, rc, e, tags, sizeof tags / sizeof tags[0]);
}

/* --- POST /api/v1/practice ---------------------------------------------------------- */

static int create_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct study_req *r = c->data;
	return study_practice_create(db, c->user.id, r->bank, r->count, r->mode, r->tag[0] ? r->tag : NULL, clock_now(),
				     &r->id, e);
}

/* After the commit, on the request's loop: the set as the reader sees it. */
static void create_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct study_req *r = c->data;
	struct lx_err re = {0};
	char *out = NULL;
	size_t len = 0;
	if (rc) {
		fail(c, rc, e);
		return;
	}
	/* bytes from the reader's paper cache, not a jansson tree (100 questions each) */
	rc = study_practice_render(c->th->rd, r->id, c->user.id, study_mode_name(r->mode), &out, &len, &re);
	if (rc) {
		fail(c, rc, &re);
		return;
	}
	http_reply(c, 201, "application/json; charset=utf-8", out, len);
	free(out);
}

void h_practice_create(struct hctx *c)
{
	json_t *body = http_body_json(c), *count, *bank, *mode, *tag;
	struct study_req *r;
	char msg[160];

	if (!body)
		return;
	r = req_new(c);
	bank = json_object_get(body, "bank");
	count = json_object_get(body, "count");
	mode = json_object_get(body, "mode");
	tag = json_object_get(body, "tag");
	if (!json_is_string(bank) || json_string_length(bank) < 1 || json_string_length(bank) > LX_BANK_CODE_MAX) {
		http_error(c, 400, "bad_request", "请指定题库（bank）");
		goto out;
	}
	if (!json_is_integer(count) || json_integer_value(count) < 1 ||
	    json_integer_value(count) > LX_PRACTICE_COUNT_MAX) {
		snprintf(msg, sizeof msg, "题量（count）应为 1 至 %d 之间的整数", LX_PRACTICE_COUNT_MAX);
		http_error(c, 400, "bad_request", msg);
		goto out;
	}
	if (mode && (!json_is_string(mode) || study_mode_parse(json_string_value(mode), &r->mode) != LX_OK)) {
		http_error(c, 400, "bad_request", "练习方式（mode）应为 random（随机）、sequential（顺序）或 mistakes（错题）");
		goto out;
	}
	if (tag && !json_is_null(tag) && (!json_is_string(tag) || json_string_length(tag) >= sizeof r->tag)) {
		http_error(c, 400, "bad_request", "标签（tag）应为不超过 127 字节的字符串");
		goto out;
	}
	snprintf(r->bank, sizeof r->bank, "%s", json_string_value(bank));
	if (json_is_string(tag))
		snprintf(r->tag, sizeof r->tag, "%s", json_string_value(tag));
	r->count = (int)json_integer_value(count);
	http_write(c, create_job, create_done);
out:
	json_decref(body);
}

/* GET /api/v1/practice/banks: what may be practised (the practice page's choice). */
void h_practice_banks(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int rc = study_banks_json(c->th->rd, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

/* GET /api/v1/practice/{id}: my set again (a page reloaded), without keys. */
void h_practice_get(struct hctx *c)
{
	char *out = NULL;
	size_t len = 0;
	struct lx_err e = {0};
	int64_t id = http_param_id(c->params[0]);
	int rc = id ? study_practice_render(c->th->rd, id, c->user.id, NULL, &out, &len, &e)
		    : err_set(&e, LX_ERR_NOTFOUND, "练习不存在");
	if (rc)
		fail(c, rc, &e);
	else
		http_reply(c, 200, "application/json; charset=utf-8", out, len);
	free(out);
}

/* --- PUT /api/v1/practice/{id}/answers/{position} ---------------------------------------- */

static int answer_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct study_req *r = c->data;
	return study_practice_answer(db, r->id, c->user.id, r->position, r->response, clock_now(), &r->body, e);
}

static void body_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct study_req *r = c->data;
	json_t *body;
	if (rc) {
		fail(c, rc, e);
		return;
	}
	body = r->body;
	r->body = NULL;
	http_json(c, 200, body ? body : json_object());
}

void h_practice_answer(struct hctx *c)
{
	json_t *body, *resp;
	struct study_req *r = req_new(c);
	int64_t pos = http_param_id(c->params[1]);

	r->id = http_param_id(c->params[0]);
	if (!r->id || pos < 1 || pos > LX_PRACTICE_COUNT_MAX) {
		http_error(c, 404, "not_found", "练习或题目不存在");
		return;
	}
	r->position = (int)pos;
	if (!(body = http_body_json(c)))
		return;
	resp = json_object_get(body, "response");
	if (!json_is_string(resp) || json_string_length(resp) < 1 || json_string_length(resp) >= sizeof r->response) {
		json_decref(body);
		http_error(c, 422, "bad_response", "请选择答案（response 为所选选项，如 \"B\"、\"ACD\"、\"T\"）");
		return;
	}
	snprintf(r->response, sizeof r->response, "%s", json_string_value(resp));
	json_decref(body);
	http_write(c, answer_job, body_done);
}

/* --- GET /api/v1/me/mistakes ---------------------------------------------------------- */

static void mistakes_reply(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int rc = study_mistakes_json(c->th->rd, c->user.id, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

static int ingest_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	return study_mistakes_ingest(db, c->user.id, clock_now(), NULL, e);
}

static void ingest_done(struct hctx *c, int rc, const struct lx_err *e)
{
	if (rc) {
		fail(c, rc, e);
		return;
	}
	mistakes_reply(c);
}

/* Exam attempts whose review opened since (an after_close exam that closed) are taken into
 * the book first, on the writer; otherwise this is a plain read. */
void h_me_mistakes(struct hctx *c)
{
	struct lx_err e = {0};
	int pending = 0;
	int rc = study_mistakes_pending(c->th->rd, c->user.id, clock_now(), &pending, &e);
	if (rc) {
		fail(c, rc, &e);
		return;
	}
	req_new(c);
	if (pending)
		http_write(c, ingest_job, ingest_done);
	else
		mistakes_reply(c);
}

/* --- GET /api/v1/me/study, POST /api/v1/me/reading ---------------------------------------- */

void h_me_study(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int rc = study_me_json(c->th->rd, c->user.id, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

static int reading_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct study_req *r = c->data;
	return study_reading_ping(db, c->user.id, r->law, clock_now(), &r->counted, e);
}

static void reading_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct study_req *r = c->data;
	if (rc) {
		fail(c, rc, e);
		return;
	}
	http_json(c, 200, json_pack("{s:b,s:i}", "counted", r->counted, "seconds", r->counted ? LX_READING_PING_SECONDS : 0));
}

/* A ping less than LX_READING_PING_SECONDS after the last counted one is answered from the
 * reader without a write (the writer checks again: two racing pings count once). */
void h_me_reading(struct hctx *c)
{
	json_t *body = http_body_json(c), *law;
	struct study_req *r;
	struct lx_err e = {0};
	int64_t last = 0, now = clock_now();

	if (!body)
		return;
	r = req_new(c);
	law = json_object_get(body, "law");
	if (!json_is_string(law) || !study_law_code_ok(json_string_value(law))) {
		json_decref(body);
		http_error(c, 400, "bad_request", "law 应为法律代码（1–64 位字母、数字、-、_ 或 .）");
		return;
	}
	snprintf(r->law, sizeof r->law, "%s", json_string_value(law));
	json_decref(body);
	if (study_reading_last(c->th->rd, c->user.id, &last, &e) != LX_OK) {
		http_fail(c, e.code, NULL);
		return;
	}
	if (last && now - last < LX_READING_PING_SECONDS) {
		http_json(c, 200, json_pack("{s:b,s:i}", "counted", 0, "seconds", 0));
		return;
	}
	http_write(c, reading_job, reading_done);
}
