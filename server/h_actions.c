/* h_actions.c — administrators' actions on one attempt or one person (SPEC §12): extend,
 * force-submit, void, the attempt with keys and credit, retakes, exemptions (免考), and the
 * exam-wide regrade (dry run and apply) with the key edit that precedes it. The person an
 * action touches is looked up on the thread's reader first and checked against the caller's
 * scope (scope_covers; not covered answers 404, as a missing one); the change itself is a
 * writer job calling the domain (exam_actions.c), which validates, changes and audits. A
 * regrade's dry run, which only reads, runs on the hash pool instead. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "exam.h"
#include "mem.h"
#include "routes.h"
#include "scope.h"
#include "store_accounts.h"
#include "store_exams.h"

enum act_kind { ACT_EXTEND, ACT_FORCE, ACT_VOID, ACT_RETAKE, ACT_EXEMPT, ACT_UNEXEMPT, ACT_REGRADE, ACT_KEY };

struct act {
	enum act_kind kind;
	int64_t id;
	int minutes;
	int dry_run;
	char *reason, *code, *login, *bank, *qid, *answer;
	int64_t deadline;
	json_t *out;
	struct exam_actor who;
	int rc;            /* a dry run's result, computed on the hash pool */
	struct lx_err err;
};

static void act_free(void *p)
{
	struct act *a = p;
	free(a->reason);
	free(a->code);
	free(a->login);
	free(a->bank);
	free(a->qid);
	free(a->answer);
	json_decref(a->out);
	free(a);
}

static struct act *act_new(struct hctx *c, enum act_kind kind)
{
	struct act *a = lx_calloc(1, sizeof *a);
	a->kind = kind;
	a->who.login = c->user.login;
	a->who.remote = c->remote;
	c->data = a;
	c->data_free = act_free;
	return a;
}

static void act_fail(struct hctx *c, int rc, const struct lx_err *e)
{
	static const struct http_tag tags[] = {
		{"bad_reason", 422}, {"bad_minutes", 422}, {"bad_answer", 422}, {"attempt_not_in_progress", 409},
		{"already_voided", 409}, {"unknown_user", 404}, {"not_exempt", 404},
	};
	http_fail_tagged(c, rc, e, tags, sizeof tags / sizeof tags[0]);
}


/* A string member of the body, copied (NULL when absent or not a string). */
static char *member_str(json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);
	return json_is_string(v) ? lx_strdup(json_string_value(v)) : NULL;
}

/* --- the writer job ------------------------------------------------------------------- */

static int act_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct act *a = c->data;
	int rc = LX_OK;

	a->who.now = clock_now();
	switch (a->kind) {
	case ACT_EXTEND:
		rc = exam_extend(db, &a->who, a->id, a->minutes, a->reason, &a->deadline, e);
		break;
	case ACT_FORCE:
		rc = exam_force_submit(db, &a->who, a->id, a->reason, e);
		if (rc == LX_OK)
			rc = exam_submit_json(db, a->id, &a->out, e);
		break;
	case ACT_VOID:
		rc = exam_void(db, &a->who, a->id, a->reason, e);
		break;
	case ACT_RETAKE:
		rc = exam_retake(db, &a->who, a->code, a->login, e);
		break;
	case ACT_EXEMPT:
		rc = exam_exempt(db, &a->who, a->code, a->login, a->reason, e);
		break;
	case ACT_UNEXEMPT:
		rc = exam_unexempt(db, &a->who, a->code, a->login, e);
		break;
	case ACT_REGRADE:
		rc = exam_regrade_json(db, &a->who, a->code, a->dry_run, &a->out, e);
		break;
	case ACT_KEY:
		rc = exam_key_set(db, &a->who, a->bank, a->qid, a->answer, &a->out, e);
		break;
	}
	return rc;
}

static void act_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct act *a = c->data;
	char t[40], now[40];
	json_t *out;

	if (rc) {
		act_fail(c, rc, e);
		return;
	}
	switch (a->kind) {
	case ACT_EXTEND:
		out = json_pack("{s:I,s:i,s:s,s:s}", "attempt_id", (json_int_t)a->id, "minutes", a->minutes, "deadline",
				rfc3339_format(a->deadline, t, sizeof t), "server_time",
				rfc3339_format(clock_now(), now, sizeof now));
		break;
	case ACT_VOID:
		out = json_pack("{s:I,s:s}", "attempt_id", (json_int_t)a->id, "status", "voided");
		break;
	case ACT_RETAKE:
		out = json_pack("{s:s,s:s,s:b}", "exam", a->code, "login", a->login, "granted", 1);
		break;
	case ACT_EXEMPT:
	case ACT_UNEXEMPT:
		out = json_pack("{s:s,s:s,s:b}", "exam", a->code, "login", a->login, "exempt", a->kind == ACT_EXEMPT);
		break;
	default:
		out = a->out;
		a->out = NULL;
		break;
	}
	http_json(c, 200, out);
}

/* --- per attempt ------------------------------------------------------------------------ */

/* The attempt named by the path, if the caller's scope covers its owner; else answers 404. */
static int covered_attempt(struct hctx *c, int64_t id)
{
	struct attempt_row ar;
	struct user u = {0};
	struct lx_err e = {0};
	int rc = id ? exam_attempt_owner(c->th->rd, id, &ar, &u, &e) : LX_ERR_NOTFOUND;
	int ok = rc == LX_OK && scope_covers(c, u.org);
	user_free(&u);
	if (!ok) {
		if (rc && rc != LX_ERR_NOTFOUND)
			act_fail(c, rc, &e);
		else
			http_error(c, 404, "not_found", "答卷不存在");
	}
	return ok;
}

static void attempt_action(struct hctx *c, enum act_kind kind)
{
	struct act *a = act_new(c, kind);
	json_t *body;

	a->id = http_param_id(c->params[0]);
	if (!covered_attempt(c, a->id))
		return;
	if (!(body = http_body_json(c)))
		return;
	a->reason = member_str(body, "reason");
	if (kind == ACT_EXTEND) {
		json_t *m = json_object_get(body, "minutes");
		a->minutes = json_is_integer(m) && json_integer_value(m) >= 0 && json_integer_value(m) <= 100000
				     ? (int)json_integer_value(m)
				     : -1;
	}
	json_decref(body);
	http_write(c, act_job, act_done);
}

void h_admin_attempt_extend(struct hctx *c) { attempt_action(c, ACT_EXTEND); }
void h_admin_attempt_force_submit(struct hctx *c) { attempt_action(c, ACT_FORCE); }
void h_admin_attempt_void(struct hctx *c) { attempt_action(c, ACT_VOID); }

void h_admin_attempt_get(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int64_t id = http_param_id(c->params[0]);
	int rc;

	if (!covered_attempt(c, id))
		return;
	rc = exam_attempt_admin_json(c->th->rd, id, clock_now(), &out, &e);
	if (rc)
		act_fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

/* --- per person in an exam ------------------------------------------------------------- */

/* The login (from the body or the path) exists and the caller's scope covers it; else 404. */
static int covered_login(struct hctx *c, const char *login)
{
	struct user u = {0};
	int found = login && *login && strlen(login) <= 256 && store_user_by_login(c->th->rd, login, &u, NULL) == LX_OK;
	int ok = found && scope_covers(c, u.org);
	user_free(&u);
	if (!ok) {
		if (!login || !*login)
			http_error(c, 422, "bad_login", "请填写工号 login");
		else
			http_error(c, 404, "unknown_user", "用户不存在，请核对工号");
	}
	return ok;
}

static void person_action(struct hctx *c, enum act_kind kind)
{
	struct act *a = act_new(c, kind);
	json_t *body = NULL;

	a->code = lx_strdup(c->params[0]);
	if (kind == ACT_UNEXEMPT) {
		a->login = lx_strdup(c->params[1] ? c->params[1] : "");
	} else {
		if (!(body = http_body_json(c)))
			return;
		a->login = member_str(body, "login");
		a->reason = member_str(body, "reason");
		json_decref(body);
	}
	if (!covered_login(c, a->login))
		return;
	http_write(c, act_job, act_done);
}

void h_admin_exam_retake(struct hctx *c) { person_action(c, ACT_RETAKE); }
void h_admin_exam_exempt(struct hctx *c) { person_action(c, ACT_EXEMPT); }
void h_admin_exam_unexempt(struct hctx *c) { person_action(c, ACT_UNEXEMPT); }

/* --- exam-wide: regrade and the key edit (admin only) ----------------------------------- */

/* A dry run only reads: on the hash pool, over a read-only connection of its own and one
 * snapshot, so grading every attempt of a large exam never holds up the writer's saves. */
static void regrade_dry_work(struct hctx *c)
{
	struct act *a = c->data;
	struct store *db = NULL;

	a->who.now = clock_now();
	a->rc = store_open(c->srv->cfg->db_path, STORE_READONLY, &db, &a->err);
	if (a->rc == LX_OK && (a->rc = store_read_begin(db, &a->err)) == LX_OK) {
		a->rc = exam_regrade_json(db, &a->who, a->code, 1, &a->out, &a->err);
		store_read_end(db);
	}
	store_close(db);
}

static void regrade_dry_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct act *a = c->data;
	(void)rc;
	(void)e;
	act_done(c, a->rc, &a->err);
}

void h_admin_exam_regrade(struct hctx *c)
{
	struct act *a = act_new(c, ACT_REGRADE);
	const char *dry = http_query(c, "dry_run");
	a->code = lx_strdup(c->params[0]);
	a->dry_run = dry && strcmp(dry, "0") != 0 && strcmp(dry, "false") != 0;
	if (a->dry_run)
		http_offload(c, regrade_dry_work, regrade_dry_done);
	else
		http_write(c, act_job, act_done);
}

void h_admin_question_answer(struct hctx *c)
{
	struct act *a = act_new(c, ACT_KEY);
	json_t *body = http_body_json(c);
	if (!body)
		return;
	a->bank = lx_strdup(c->params[0]);
	a->qid = lx_strdup(c->params[1] ? c->params[1] : "");
	a->answer = member_str(body, "answer");
	json_decref(body);
	http_write(c, act_job, act_done);
}

/* GET /admin/exams/{code}/attempts?login=L: one person's attempts, exemption and retakes. */
void h_admin_exam_person(struct hctx *c)
{
	const char *login = http_query(c, "login");
	struct user u = {0};
	struct lx_err e = {0};
	json_t *out = NULL;
	int rc;

	if (!login || !*login) {
		http_error(c, 422, "bad_login", "请填写工号 login");
		return;
	}
	if (strlen(login) > 256 || store_user_by_login(c->th->rd, login, &u, NULL) != LX_OK || !scope_covers(c, u.org)) {
		user_free(&u);
		http_error(c, 404, "unknown_user", "用户不存在，请核对工号");
		return;
	}
	rc = exam_person_json(c->th->rd, c->params[0], &u, &out, &e);
	user_free(&u);
	if (rc)
		act_fail(c, rc, &e);
	else
		http_json(c, 200, out);
}
