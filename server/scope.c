/* scope.c — the request principal's scope (see scope.h). The rule itself (which path a user
 * acts in, and which unit paths a scope covers) is user_scope()/scope_path_covers() in the
 * store's accounts module, shared with lawexam-admin; here it meets the request. */
#include "scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mem.h"
#include "report.h"
#include "store.h"

int scope_sql_prefix(const struct hctx *c, const char **path)
{
	*path = c->authed ? user_scope(&c->user) : NULL;
	return *path != NULL;
}

int scope_covers(const struct hctx *c, const char *org_path)
{
	const char *scope;
	scope_sql_prefix(c, &scope);
	return scope_path_covers(scope, org_path);
}

int scope_user_id_covered(const struct hctx *c, int64_t user_id)
{
	struct user u = {0};
	const char *scope;
	int ok;
	if (!scope_sql_prefix(c, &scope))
		return 1;
	ok = store_user_by_id(c->th->rd, user_id, &u, NULL) == LX_OK && scope_path_covers(scope, u.org);
	user_free(&u);
	return ok;
}

/* The audit row of a refusal, written by the writer; the reply does not wait for it. */
struct refusal {
	char *actor, *detail, *remote;
};

static int refusal_job(struct store *db, void *arg, struct lx_err *e)
{
	struct refusal *r = arg;
	return store_audit(db, clock_now(), r->actor, "scope_refused", r->detail, r->remote, e);
}

static void refusal_done(int rc, const struct lx_err *e, void *arg)
{
	struct refusal *r = arg;
	if (rc)
		LOG(LOG_ERROR, "audit of a scope refusal failed (%s): %s", r->detail, e ? e->msg : "?");
	free(r->actor);
	free(r->detail);
	free(r->remote);
	free(r);
}

static void audit_refusal(struct hctx *c, const char *detail)
{
	struct refusal *r = lx_calloc(1, sizeof *r);
	const char *scope;
	scope_sql_prefix(c, &scope);
	r->actor = lx_strdup(c->user.login ? c->user.login : "-");
	r->detail = lx_asprintf("%s %s (scope %s)", c->method_name, detail, scope ? scope : "-");
	r->remote = lx_strdup(c->remote);
	LOG(LOG_INFO, "scope refused: %s %s", r->actor, r->detail);
	store_writer_submit(c->srv->writer, refusal_job, refusal_done, r);
}

int scope_org_param(struct hctx *c, const char *given, const char **org)
{
	struct lx_err e = {0};
	const char *scope, *o = NULL;
	size_t n;
	char *unit;

	if (report_org_parse(given, &o, &e) != LX_OK) {
		http_error(c, 400, "bad_request", e.msg);
		return -1;
	}
	scope_sql_prefix(c, &scope);
	if (!o) {
		*org = scope;
		return 0;
	}
	n = strlen(o);
	if (n > 1 && o[n - 1] == '/')
		n--;
	unit = lx_strndup(o, n);
	if (!scope_path_covers(scope, unit)) {
		char *what = lx_asprintf("%s org=%s", c->path, unit);
		audit_refusal(c, what);
		free(what);
		free(unit);
		http_error(c, 403, "out_of_scope", "该单位不在您的管理范围内");
		return -1;
	}
	free(unit);
	*org = o;
	return 0;
}

void scope_refuse_person(struct hctx *c, const char *what, const char *login)
{
	char *detail = lx_asprintf("%s %s", what, login ? login : "-");
	audit_refusal(c, detail);
	free(detail);
	http_error(c, 404, "not_found", "没有这个用户");
}
