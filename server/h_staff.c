/* h_staff.c — the staff page and the monitor's drill-down (SPEC §12): the people of an exam
 * in scope, the staff list, a password reset and disable/enable of examinees. Every route
 * here is "admin; unit_admin within scope" (the route table checks the roles, scope.c the
 * scope). A person outside the scope is answered exactly like an unknown login (404), and
 * the attempt is in the audit log. Hashing runs on the hash pool, writes on the writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exam.h"
#include "jsonx.h"
#include "log.h"
#include "lx_limits.h"
#include "mem.h"
#include "pw.h"
#include "report.h"
#include "routes.h"
#include "scope.h"
#include "store.h"
#include "store_accounts.h"

#define STAFF_LIST_MAX 500   /* rows of one staff search */
#define PEOPLE_OFFSET_MAX 100000000 /* offset= of a people page */
#define STAFF_QUERY_MAX 64   /* bytes of a search text */

/* GET /api/v1/admin/exams/{code}/monitor?units=1: the counts over the principal's scope,
 * with units=1 also per unit (the drill-down's first level). */
void h_admin_exam_monitor(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	const char *scope, *units;
	int rc;

	scope_sql_prefix(c, &scope);
	if (!c->params[0] || strlen(c->params[0]) > 128) {
		http_error(c, 404, "not_found", "没有这场考试");
		return;
	}
	units = http_query(c, "units");
	if (units && strcmp(units, "0") != 0 && strcmp(units, "1") != 0) {
		http_error(c, 400, "bad_request", "units 只能是 1（按单位列出）或 0");
		return;
	}
	rc = exam_monitor_scoped_json(c->th->rd, c->params[0], scope, units && strcmp(units, "1") == 0, clock_now(),
				      &out, &e);
	if (rc == LX_ERR_NOTFOUND)
		http_error(c, 404, "not_found", e.msg[0] ? e.msg : "没有这场考试");
	else if (rc)
		http_fail(c, rc, NULL);
	else
		http_json(c, 200, out);
}

/* A decimal query parameter in [lo, hi] into *v (left as it is when the parameter is
 * absent): 0, or -1 when it is present but not such a number. */
static int query_count(struct hctx *c, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
	const char *s = http_query(c, key);
	int64_t n = 0;
	if (!s)
		return 0;
	if (!*s || strlen(s) > 12)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}

/* GET /api/v1/admin/exams/{code}/people?org=PATH&status=S&limit=N&offset=K: one page of
 * the people (limit 1–1000, default 200; offset from 0) and the total. */
void h_admin_exam_people(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	const char *org = NULL, *scope;
	unsigned mask = 0;
	int64_t limit = LX_PEOPLE_PAGE, offset = 0;
	int rc;

	if (query_count(c, "limit", 1, LX_PEOPLE_PAGE_MAX, &limit) != 0 ||
	    query_count(c, "offset", 0, PEOPLE_OFFSET_MAX, &offset) != 0) {
		http_error(c, 400, "bad_request", "每页人数 limit 须为 1–1000 的整数，起始位置 offset 须为不小于 0 的整数");
		return;
	}

	const char *st_s = http_query(c, "status");
	enum attempt_status st;
	if (st_s && *st_s) { /* the people list also shows voided (作废), which reports do not */
		if (attempt_status_parse(st_s, &st) != LX_OK) {
			http_error(c, 400, "bad_request", "状态 status 只能是 not_started（未参加）、in_progress（进行中）、"
							  "submitted（已交卷）、exempt（免考）或 voided（作废）");
			return;
		}
		mask = 1u << st;
	}
	if (scope_org_param(c, http_query(c, "org"), &org) != 0)
		return;
	scope_sql_prefix(c, &scope);
	if (!c->params[0] || strlen(c->params[0]) > 128) {
		http_error(c, 404, "not_found", "没有这场考试");
		return;
	}
	rc = exam_people_json(c->th->rd, c->params[0], scope, org, mask, offset, limit, clock_now(), &out, &e);
	if (rc == LX_ERR_NOTFOUND)
		http_error(c, 404, "not_found", e.msg[0] ? e.msg : "没有这场考试");
	else if (rc)
		http_fail(c, rc, NULL);
	else
		http_json(c, 200, out);
}

/* --- the staff list ------------------------------------------------------------------ */

static json_t *roles_json(unsigned roles)
{
	json_t *a = json_array();
	const char *name;
	unsigned bit;
	for (unsigned i = 0; (name = roles_nth(i, &bit)) != NULL; i++)
		if (roles & bit)
			json_array_append_new(a, json_string(name));
	return a;
}

static void brief_cb(void *ctx, const struct user_brief *u)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:b,s:b}", "login", u->login, "name", u->name, "org", u->org,
			      "category", u->category, "roles", roles_json(u->roles), "disabled", u->disabled,
			      "must_change_password", u->must_change_password);
	char t[40];
	json_object_set_new(o, "last_seen", u->last_seen ? json_string(rfc3339_format(u->last_seen, t, sizeof t))
							: json_null());
	json_array_append_new(ctx, o);
}

/* GET /api/v1/admin/users?q=TEXT&org=PATH: the staff in scope, at most STAFF_LIST_MAX. */
void h_admin_users_list(struct hctx *c)
{
	const char *q = http_query(c, "q"), *org = NULL, *scope;
	json_t *rows;
	struct lx_err e = {0};
	int more = 0, rc;

	if (q && (strlen(q) > STAFF_QUERY_MAX || strpbrk(q, "\r\n\t"))) {
		http_error(c, 400, "bad_request", "搜索内容须为不超过 64 字节的姓名或工号");
		return;
	}
	if (scope_org_param(c, http_query(c, "org"), &org) != 0)
		return;
	scope_sql_prefix(c, &scope);
	rows = json_array();
	rc = store_user_search(c->th->rd, scope, org, q, STAFF_LIST_MAX, brief_cb, rows, &more, &e);
	if (rc) {
		json_decref(rows);
		http_fail(c, rc, NULL);
		return;
	}
	http_json(c, 200, json_pack("{s:o,s:b,s:o}", "rows", rows, "more", more, "scope",
				    scope ? json_string(scope) : json_null()));
}

/* --- acting on one person ------------------------------------------------------------ */

enum staff_act { ACT_PASSWORD, ACT_DISABLE, ACT_ENABLE };

struct staff_op {
	enum staff_act act;
	struct user target;
	char *password; /* the new password (ACT_PASSWORD), zeroed when freed */
	char *hash;
	int generated;  /* the server made it: shown once in the reply */
};

static void op_free(void *data)
{
	struct staff_op *op = data;
	if (op->password) {
		memset(op->password, 0, strlen(op->password));
		free(op->password);
	}
	free(op->hash);
	user_free(&op->target);
	free(op);
}

static const char *act_name(enum staff_act a)
{
	return a == ACT_PASSWORD ? "user_password_reset" : a == ACT_DISABLE ? "user_disable" : "user_enable";
}

static int op_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct staff_op *op = c->data;
	int64_t now = clock_now();
	int rc;

	switch (op->act) {
	case ACT_PASSWORD:
		rc = store_user_set_password(db, op->target.id, op->hash, 1, now, e);
		if (rc == LX_OK) /* their sessions end: the next request asks for a login */
			rc = store_session_delete_user(db, op->target.id, NULL, e);
		break;
	case ACT_DISABLE:
		rc = store_user_set_disabled(db, op->target.id, 1, now, e); /* ends their sessions too */
		break;
	default:
		rc = store_user_set_disabled(db, op->target.id, 0, now, e);
		break;
	}
	if (rc == LX_OK)
		rc = store_audit(db, now, c->user.login, act_name(op->act), op->target.login, c->remote, e);
	return rc;
}

static void op_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct staff_op *op = c->data;
	json_t *out;

	(void)e;
	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	LOG(LOG_INFO, "admin action: %s %s by %s", act_name(op->act), op->target.login, c->user.login);
	out = json_pack("{s:s}", "login", op->target.login);
	if (op->act == ACT_PASSWORD) {
		json_object_set_new(out, "must_change_password", json_true());
		if (op->generated) /* shown once: it is stored only as a hash */
			json_object_set_new(out, "password", json_string(op->password));
	} else {
		json_object_set_new(out, "disabled", json_boolean(op->act == ACT_DISABLE));
	}
	http_json(c, 200, out);
}

static void op_hash(struct hctx *c)
{
	struct staff_op *op = c->data;
	op->hash = pw_hash(&c->srv->pw, op->password);
}

static void op_hashed(struct hctx *c, int rc, const struct lx_err *e)
{
	struct staff_op *op = c->data;
	(void)rc;
	(void)e;
	if (!op->hash) {
		http_fail(c, LX_ERR_INTERNAL, NULL);
		return;
	}
	http_write(c, op_job, op_done);
}

/* Looks up the person of the path and checks that the principal may act on them: 0 with
 * op->target filled, or -1 after answering (404 for an unknown login and for one outside
 * the scope alike; 403 when a unit_admin targets anyone but an examinee; 422 on oneself). */
static int op_target(struct hctx *c, struct staff_op *op)
{
	struct lx_err e = {0};
	const char *login = c->params[0];
	int rc = login && strlen(login) <= LX_LOGIN_MAX_BYTES ? store_user_by_login(c->th->rd, login, &op->target, &e)
							       : LX_ERR_NOTFOUND;
	if (rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "not_found", "没有这个用户");
		return -1;
	}
	if (rc) {
		http_fail(c, rc, NULL);
		return -1;
	}
	if (!scope_covers(c, op->target.org)) {
		scope_refuse_person(c, act_name(op->act), op->target.login);
		return -1;
	}
	if (op->target.id == c->user.id) {
		http_error(c, 422, "bad_request", op->act == ACT_PASSWORD ? "请在“修改密码”中修改自己的密码"
									  : "不能停用或启用自己的账号");
		return -1;
	}
	/* A unit administrator manages examinees only: never an administrator, HR officer or
	 * another unit administrator, even inside the scope. */
	if (!(c->user.roles & ROLE_ADMIN) && op->target.roles != ROLE_EXAMINEE) {
		http_error(c, 403, "forbidden", "单位管理员只能管理考生账号");
		return -1;
	}
	return 0;
}

static struct staff_op *op_new(struct hctx *c, enum staff_act act)
{
	struct staff_op *op = lx_calloc(1, sizeof *op);
	op->act = act;
	c->data = op;
	c->data_free = op_free;
	return op;
}

/* POST /api/v1/admin/users/{login}/password {"password"?}: a new password (the one given,
 * or a random one shown once in the reply) that must be changed at the next login. */
void h_admin_user_password(struct hctx *c)
{
	json_t *body = c->body_len ? http_body_json(c) : json_object();
	struct staff_op *op;
	const char *pw;
	json_t *v;
	char why[128];

	if (!body)
		return;
	op = op_new(c, ACT_PASSWORD);
	v = json_object_get(body, "password");
	if (v && !json_is_null(v) && !json_is_string(v)) {
		json_decref(body);
		http_error(c, 400, "bad_request", "password 须为字符串（留空则由系统生成）");
		return;
	}
	if (op_target(c, op) != 0) {
		json_decref(body);
		return;
	}
	pw = json_is_string(v) ? json_string_value(v) : NULL;
	if (pw && *pw) {
		size_t n = strlen(pw); /* pw lives in body: measured before body is freed */
		if (n > LX_PASSWORD_MAX_BYTES || pw_policy(op->target.login, pw, why, sizeof why) != LX_OK) {
			json_decref(body);
			http_error(c, 422, "weak_password", n > LX_PASSWORD_MAX_BYTES ? "密码过长" : why);
			return;
		}
		op->password = lx_strdup(pw);
	} else {
		op->password = pw_random();
		op->generated = 1;
	}
	json_decref(body);
	http_offload(c, op_hash, op_hashed);
}

static void set_disabled(struct hctx *c, enum staff_act act)
{
	struct staff_op *op = op_new(c, act);
	if (op_target(c, op) != 0)
		return;
	http_write(c, op_job, op_done);
}

/* POST /api/v1/admin/users/{login}/disable and /enable */
void h_admin_user_disable(struct hctx *c) { set_disabled(c, ACT_DISABLE); }
void h_admin_user_enable(struct hctx *c) { set_disabled(c, ACT_ENABLE); }
