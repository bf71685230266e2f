/* h_auth.c — /healthz, login, logout, /me and password change (SPEC §6). Password hashes
 * are checked on the hash pool; throttling state and sessions go through the writer.
 * Unknown logins cost the same hash as wrong passwords (no account enumeration); a wrong old
 * password on a change is throttled like a failed login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http.h"
#include "jsonx.h"
#include "mem.h"
#include "pw.h"
#include "roles.h"
#include "routes.h"
#include "store_accounts.h"
#include "token.h"

/* A password may be 128 characters (pw_policy), up to 4 UTF-8 bytes each: login and the
 * old password of a change accept that many bytes, so every allowed password can log in. */

void h_healthz(struct hctx *c)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	http_reply(c, 200, "application/json; charset=utf-8", ok, sizeof ok - 1);
}

static json_t *user_json(const struct user *u)
{
	json_t *roles = json_array();
	static const struct { unsigned bit; const char *name; } rn[] = {
		{ROLE_EXAMINEE, "examinee"}, {ROLE_ADMIN, "admin"}, {ROLE_HR, "hr"}};
	for (size_t i = 0; i < sizeof rn / sizeof rn[0]; i++)
		if (u->roles & rn[i].bit)
			json_array_append_new(roles, json_string(rn[i].name));
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:b}", "login", u->login, "name", u->name, "org", u->org,
			 "category", u->category, "roles", roles, "must_change_password",
			 u->must_change_password);
}

/* --- login ---------------------------------------------------------------------- */

struct login {
	char *login, *password;
	struct user user;
	int found, ok;
	char acct_key[160], addr_key[80];
	int acct_fail, addr_fail;
	int64_t acct_window, addr_window;
	char token[TOK_LEN + 1], csrf[TOK_LEN + 1];
	int64_t retry_after;
	char *rehash;          /* a new hash with the current parameters, or NULL */
};

/* Frees a plaintext password after overwriting it. */
static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s)); /* not optimised away like memset before free */
		free(s);
	}
}

static void login_free(void *p)
{
	struct login *l = p;
	free(l->login);
	secret_free(l->password);
	free(l->rehash);
	user_free(&l->user);
	free(l);
}

static void too_many(struct hctx *c, int64_t retry)
{
	char s[32];
	snprintf(s, sizeof s, "%lld", (long long)(retry > 0 ? retry : 1));
	http_header(c, "Retry-After", s);
	http_error(c, 429, "too_many_attempts", "登录失败次数过多，请稍后再试");
}

static int login_success_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct login *l = c->data;
	uint8_t h[32];
	int64_t now = clock_now();
	int rc = store_throttle_clear(db, l->acct_key, e);
	if (rc == LX_OK && l->rehash)
		rc = store_user_set_password(db, l->user.id, l->rehash, l->user.must_change_password, now, e);
	if (rc)
		return rc;
	tok_hash(l->token, strlen(l->token), h);
	return store_session_insert(db, h, l->user.id, l->csrf, now,
				    now + (int64_t)c->srv->cfg->session_idle_minutes * 60, e);
}

static void login_success_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct login *l = c->data;
	char cookie[160];
	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	snprintf(cookie, sizeof cookie, "lawexam_session=%s; Path=/; HttpOnly; Secure; SameSite=Strict", l->token);
	http_header(c, "Set-Cookie", cookie);
	http_json(c, 200, json_pack("{s:o,s:s}", "user", user_json(&l->user), "csrf_token", l->csrf));
}

/* Counts a failure against one key, locking it for the window once the limit is reached. */
static int bump(struct store *db, const char *key, int limit, int window, int64_t now, struct lx_err *e)
{
	int failures;
	int64_t start, locked;
	int rc = store_throttle_get(db, key, &failures, &start, &locked, e);
	if (rc)
		return rc;
	if (now - start >= window) {
		failures = 0;
		start = now;
	}
	failures++;
	if (failures >= limit)
		locked = now + window;
	return store_throttle_put(db, key, failures, start, locked, e);
}

/* One failed password check (a login, or the old password of a change) against the account
 * and the client address. */
static int count_failure(struct store *db, struct hctx *c, const char *acct_key, const char *addr_key,
			 struct lx_err *e)
{
	const struct config *cfg = c->srv->cfg;
	int64_t now = clock_now();
	int rc = bump(db, acct_key, cfg->throttle_account, cfg->throttle_window, now, e);
	if (rc == LX_OK)
		rc = bump(db, addr_key, cfg->throttle_address, cfg->throttle_window, now, e);
	return rc;
}

static int login_failure_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct login *l = c->data;
	return count_failure(db, c, l->acct_key, l->addr_key, e);
}

static void login_failure_done(struct hctx *c, int rc, const struct lx_err *e)
{
	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	http_error(c, 401, "bad_credentials", "工号或密码错误");
}

static void login_verify(struct hctx *c)
{
	struct login *l = c->data;
	struct pw_params now = {0};
	if (!l->found) {
		(void)pw_verify(c->srv->dummy_hash, l->password);
		return;
	}
	l->ok = pw_verify(l->user.pw_hash, l->password);
	/* A hash made with other parameters than the current setting is made again now, while
	 * the password is at hand, so every account converges on one verification cost. */
	if (l->ok && pw_params_of(l->user.pw_hash, &now) == LX_OK &&
	    (now.t_cost != c->srv->pw.t_cost || now.m_kib != c->srv->pw.m_kib || now.lanes != c->srv->pw.lanes))
		l->rehash = pw_hash(&c->srv->pw, l->password);
}

static void login_verified(struct hctx *c, int rc, const struct lx_err *e)
{
	struct login *l = c->data;
	if (!l->ok || l->user.disabled) {
		http_write(c, login_failure_job, login_failure_done);
		return;
	}
	if (tok_new(l->token) != LX_OK || tok_new(l->csrf) != LX_OK) {
		http_fail(c, LX_ERR_INTERNAL, NULL);
		return;
	}
	http_write(c, login_success_job, login_success_done);
}

static int locked(struct hctx *c, const char *key, int64_t now, int64_t *retry)
{
	int failures;
	int64_t start, until;
	if (store_throttle_get(c->th->rd, key, &failures, &start, &until, NULL) != LX_OK)
		return 0;
	if (until > now) {
		*retry = until - now;
		return 1;
	}
	return 0;
}

void h_login(struct hctx *c)
{
	json_t *body = http_body_json(c);
	const char *login, *password;
	struct login *l;
	int64_t now = clock_now(), retry = 0;
	struct lx_err e = {0};
	int rc;

	if (!body)
		return;
	login = jsonx_str(body, "login");
	password = jsonx_str(body, "password");
	if (!login || !password || !*login || strlen(login) > LX_LOGIN_MAX_BYTES || strlen(password) > LX_PASSWORD_MAX_BYTES) {
		json_decref(body);
		http_error(c, 400, "bad_request", "需要 login 和 password");
		return;
	}
	l = lx_calloc(1, sizeof *l);
	l->login = lx_strdup(login);
	l->password = lx_strdup(password);
	json_decref(body);
	c->data = l;
	c->data_free = login_free;
	snprintf(l->acct_key, sizeof l->acct_key, "acct:%s", l->login);
	snprintf(l->addr_key, sizeof l->addr_key, "addr:%s", c->remote);
	if (locked(c, l->acct_key, now, &retry) || locked(c, l->addr_key, now, &retry)) {
		too_many(c, retry);
		return;
	}
	rc = store_user_by_login(c->th->rd, l->login, &l->user, &e);
	if (rc && rc != LX_ERR_NOTFOUND) {
		http_fail(c, rc, NULL);
		return;
	}
	l->found = rc == LX_OK;
	http_offload(c, login_verify, login_verified);
}

/* --- logout, me ----------------------------------------------------------------- */

static int logout_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	return store_session_delete(db, c->session_hash, e);
}

static void logout_done(struct hctx *c, int rc, const struct lx_err *e)
{
	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	http_header(c, "Set-Cookie", "lawexam_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
	http_json(c, 200, json_pack("{s:b}", "ok", 1));
}

void h_logout(struct hctx *c)
{
	if (c->via_token) {
		http_error(c, 400, "bad_request", "API 令牌无需登出");
		return;
	}
	http_write(c, logout_job, logout_done);
}

void h_me(struct hctx *c)
{
	json_t *u = user_json(&c->user);
	json_object_set_new(u, "csrf_token", json_string(c->via_token ? "" : c->csrf));
	http_json(c, 200, json_pack("{s:o}", "user", u));
}

/* --- password change ------------------------------------------------------------ */

/* A wrong old password counts as a failed login of the account (and the address), and a
 * locked account cannot change its password either: a stolen session must not become an
 * unthrottled oracle for guessing the password. */
struct pwchange {
	char *old, *new_pw, *hash;
	int ok;
	char acct_key[160], addr_key[80];
};

static void pwchange_free(void *p)
{
	struct pwchange *w = p;
	secret_free(w->old);
	secret_free(w->new_pw);
	free(w->hash);
	free(w);
}

static void pwchange_work(struct hctx *c)
{
	struct pwchange *w = c->data;
	w->ok = pw_verify(c->user.pw_hash, w->old);
	if (w->ok)
		w->hash = pw_hash(&c->srv->pw, w->new_pw);
}

static int pwchange_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct pwchange *w = c->data;
	int rc = store_user_set_password(db, c->user.id, w->hash, 0, clock_now(), e);
	if (rc == LX_OK) /* every other session of this user ends */
		rc = store_session_delete_user(db, c->user.id, c->via_token ? NULL : c->session_hash, e);
	if (rc == LX_OK)
		rc = store_audit(db, clock_now(), c->user.login, "password_change", "", c->remote, e);
	return rc;
}

static void pwchange_done(struct hctx *c, int rc, const struct lx_err *e)
{
	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	http_json(c, 200, json_pack("{s:b}", "ok", 1));
}

static int pwchange_failure_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct pwchange *w = c->data;
	return count_failure(db, c, w->acct_key, w->addr_key, e);
}

static void pwchange_failure_done(struct hctx *c, int rc, const struct lx_err *e)
{
	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	http_error(c, 403, "bad_credentials", "原密码错误");
}

static void pwchange_verified(struct hctx *c, int rc, const struct lx_err *e)
{
	struct pwchange *w = c->data;
	if (!w->ok) {
		http_write(c, pwchange_failure_job, pwchange_failure_done);
		return;
	}
	if (!w->hash) {
		http_fail(c, LX_ERR_INTERNAL, NULL);
		return;
	}
	http_write(c, pwchange_job, pwchange_done);
}

void h_me_password(struct hctx *c)
{
	json_t *body = http_body_json(c);
	const char *old, *new_pw;
	char why[128];
	struct pwchange *w;
	int64_t now = clock_now(), retry = 0;

	if (!body)
		return;
	old = jsonx_str(body, "old");
	new_pw = jsonx_str(body, "new");
	if (!old || !new_pw || strlen(old) > LX_PASSWORD_MAX_BYTES) {
		json_decref(body);
		http_error(c, 400, "bad_request", "需要 old 和 new");
		return;
	}
	if (pw_policy(c->user.login, new_pw, why, sizeof why) != LX_OK) {
		json_decref(body);
		http_error(c, 422, "weak_password", why);
		return;
	}
	if (strcmp(old, new_pw) == 0) {
		json_decref(body);
		http_error(c, 422, "weak_password", "新密码不能与原密码相同");
		return;
	}
	w = lx_calloc(1, sizeof *w);
	w->old = lx_strdup(old);
	w->new_pw = lx_strdup(new_pw);
	json_decref(body);
	c->data = w;
	c->data_free = pwchange_free;
	snprintf(w->acct_key, sizeof w->acct_key, "acct:%s", c->user.login);
	snprintf(w->addr_key, sizeof w->addr_key, "addr:%s", c->remote);
	if (locked(c, w->acct_key, now, &retry) || locked(c, w->addr_key, now, &retry)) {
		too_many(c, retry);
		return;
	}
	http_offload(c, pwchange_work, pwchange_verified);
}
