/* h_notice.c — notices (通知公告, SPEC §12): posting, listing and deleting them (admin;
 * unit_admin within scope: a unit administrator posts only to a unit inside the scope, and
 * lists and deletes only such notices), and GET /api/v1/notices, what is addressed to the
 * signed-in examinee now. Checks of the input run on the loop, the post and the delete are
 * writer jobs calling the domain (notice.c), which checks the unit and category and audits. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exam.h"
#include "log.h"
#include "mem.h"
#include "notice.h"
#include "routes.h"
#include "scope.h"

struct notice_op {
	struct notice_in in;
	int64_t id;
	json_t *out;
	struct exam_actor who;
};

static void op_free(void *p)
{
	struct notice_op *op = p;
	notice_in_free(&op->in);
	json_decref(op->out);
	free(op);
}

static struct notice_op *op_new(struct hctx *c)
{
	struct notice_op *op = lx_calloc(1, sizeof *op);
	op->who.login = c->user.login;
	op->who.remote = c->remote;
	c->data = op;
	c->data_free = op_free;
	return op;
}

static void op_fail(struct hctx *c, int rc, const struct lx_err *e)
{
	static const struct http_tag tags[] = {{"bad_request", 400}, {"out_of_scope", 403}};
	http_fail_tagged(c, rc, e, tags, sizeof tags / sizeof tags[0]);
}

static int create_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct notice_op *op = c->data;
	const char *scope;
	scope_sql_prefix(c, &scope);
	op->who.now = clock_now();
	return notice_create(db, &op->who, scope, &op->in, &op->out, e);
}

static void create_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct notice_op *op = c->data;
	json_t *out;
	if (rc) {
		op_fail(c, rc, e);
		return;
	}
	LOG(LOG_INFO, "notice %lld posted by %s", (long long)json_integer_value(json_object_get(op->out, "id")),
	    c->user.login);
	out = op->out;
	op->out = NULL;
	http_json(c, 201, out);
}

/* POST /api/v1/admin/notices {"title","body","org"?,"category"?,"from","until"} */
void h_admin_notices_create(struct hctx *c)
{
	struct notice_op *op = op_new(c);
	struct lx_err e = {0};
	const char *scope, *org;
	json_t *body = http_body_json(c);
	int rc;

	if (!body)
		return;
	rc = notice_parse(body, &op->in, &e);
	json_decref(body);
	if (rc) {
		op_fail(c, rc, &e);
		return;
	}
	/* A unit administrator addresses a unit of the scope: never everyone. Outside the scope
	 * answers 403 out_of_scope, and the refusal is in the audit log (scope.c). */
	if (scope_sql_prefix(c, &scope)) {
		if (!op->in.org) {
			http_error(c, 400, "bad_request", "请填写通知的单位 org（您的管理范围内的单位）");
			return;
		}
		if (scope_org_param(c, op->in.org, &org) != 0)
			return;
	}
	http_write(c, create_job, create_done);
}

/* GET /api/v1/admin/notices: the notices of the principal's scope (all for an unscoped one). */
void h_admin_notices_list(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	const char *scope;
	int rc;

	scope_sql_prefix(c, &scope);
	rc = notice_list_json(c->th->rd, scope, clock_now(), &out, &e);
	if (rc)
		op_fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

static int delete_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct notice_op *op = c->data;
	const char *scope;
	scope_sql_prefix(c, &scope);
	op->who.now = clock_now();
	return notice_delete(db, &op->who, scope, op->id, e);
}

static void delete_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct notice_op *op = c->data;
	if (rc) {
		op_fail(c, rc, e);
		return;
	}
	LOG(LOG_INFO, "notice %lld deleted by %s", (long long)op->id, c->user.login);
	http_json(c, 200, json_pack("{s:I,s:b}", "id", (json_int_t)op->id, "deleted", 1));
}

/* DELETE /api/v1/admin/notices/{id}: an unknown id and one outside the scope answer 404. */
void h_admin_notice_delete(struct hctx *c)
{
	struct notice_op *op = op_new(c);
	op->id = http_param_id(c->params[0]);
	if (!op->id) {
		http_error(c, 404, "not_found", "没有这条通知");
		return;
	}
	http_write(c, delete_job, delete_done);
}

/* GET /api/v1/notices: the notices addressed to me now (my unit or above, my category). */
void h_notices_mine(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int rc = notice_mine_json(c->th->rd, c->user.org, c->user.category, clock_now(), &out, &e);
	if (rc)
		http_fail(c, rc, NULL);
	else
		http_json(c, 200, out);
}
