/* h_auth.c — /healthz, login, logout, /me and password change (SPEC §6). Password hashes
 * are checked on the hash pool; throttling state and sessions go through the writer.
 * Unknown logins cost the same hash as wrong passwords (no account enumeration); a wrong old
 * password on a change is throttled like a failed login. Throttling holds under concurrency:
 * see "the login gate" below. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* 200 while this node can serve: its database answers (one trivial query on the loop's own
 * connection; on PostgreSQL a round trip, which also reconnects a lost connection) and the
 * writer's last liveness mark committed. Otherwise 503, so a load balancer takes the node out
 * until the storage is back (SPEC §11). */
void h_healthz(struct hctx *c)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	static const char down[] = "{\"status\":\"storage_unavailable\"}";
	if (store_ping(c->th->rd, NULL) != LX_OK || atomic_load(&c->srv->liveness_failed)) {
		http_reply(c, 503, "application/json; charset=utf-8", down, sizeof down - 1);
		return;
	}
	http_reply(c, 200, "application/json; charset=utf-8", ok, sizeof ok - 1);
}

static json_t *user_json(const struct user *u)
{
	json_t *roles = json_array();
	const char *name, *scope = user_scope(u);
	unsigned bit;
	for (unsigned i = 0; (name = roles_nth(i, &bit)) != NULL; i++)
		if (u->roles & bit)
			json_array_append_new(roles, json_string(name));
	/* scope: the org path this user administers or reports on; null = everything (SPEC §12) */
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:b,s:o}", "login", u->login, "name", u->name, "org", u->org,
			 "category", u->category, "roles", roles, "must_change_password",
			 u->must_change_password, "scope", scope ? json_string(scope) : json_null());
}

/* --- the login gate: throttling that holds under concurrency ------------------------
 *
 * A password check (a login, or the old password of a change) is counted against two keys,
 * acct:LOGIN and addr:CLIENT-IP. The failures of each key are stored (login_throttle, so
 * every node and every restart sees them); the checks in flight are counted here, in memory
 * shared by all loops of the process. A check starts only while, for both keys,
 *
 *     stored failures + checks in flight < limit,
 *
 * and the address has fewer than addr_cap checks in flight (one address cannot fill the hash
 * pool's queue: other addresses' logins wait for a few hashes, not for the flood). A check
 * stays in flight until its outcome is committed (failure counted, or success recorded and
 * the account's count cleared) and its reply sent, so no window exists in which a finished
 * failure is in neither count. A request that does not fit waits (it holds no hash and no
 * pool slot) until a check on its keys ends; a request whose key is locked gets 429
 * too_many_attempts with Retry-After. So within a window at most `limit` wrong passwords
 * are checked per key and process, however many arrive at once; right passwords beyond the
 * limit wait for their turn instead of being refused (an office behind one NAT address, or
 * many logins of one account, are served, just not all at once).
 *
 * The stored failures are read under the gate's mutex: a failure is committed before its
 * check leaves the in-flight count, so a reader can only count it twice (and wait), never
 * miss it. With several nodes each node keeps its own in-flight count: docs/security.md
 * says what then holds, and why a success is checked again against the stored lock. */

#define GATE_BUCKETS 256

struct gate_key {
	struct gate_key *next;
	int refs;           /* tickets naming it (reserved or waiting) */
	int inflight;       /* checks started and not yet answered */
	unsigned full;      /* the wake-up scan that found it full */
	char name[];
};

struct gate_ticket {
	struct hctx *c;
	struct gate_key *acct, *addr;
	int reserved;       /* holds one in-flight count on both keys */
	int waiting;        /* in the gate's queue */
	int locked;         /* woken to answer 429 */
	int64_t retry;
	void (*go)(struct hctx *c); /* the password check, once admitted (on c's thread) */
	struct gate_ticket *prev, *next;
};

struct login_gate {
	pthread_mutex_t mu;
	struct gate_key *b[GATE_BUCKETS];
	struct gate_ticket *head, *tail; /* waiting, oldest first */
	unsigned scan;
	int addr_cap;
};

enum { GATE_GO, GATE_LOCKED, GATE_WAIT };

struct login_gate *login_gate_new(int addr_cap)
{
	struct login_gate *g = lx_calloc(1, sizeof *g);
	pthread_mutex_init(&g->mu, NULL);
	g->addr_cap = addr_cap;
	return g;
}

void login_gate_free(struct login_gate *g)
{
	if (!g)
		return;
	for (int i = 0; i < GATE_BUCKETS; i++)
		while (g->b[i]) {
			struct gate_key *k = g->b[i];
			g->b[i] = k->next;
			free(k);
		}
	pthread_mutex_destroy(&g->mu);
	free(g);
}

static void gate_resume(void *arg);

void login_gate_cancel(struct login_gate *g)
{
	struct gate_ticket *all, *t, *next;
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	all = g->head;
	g->head = g->tail = NULL;
	for (t = all; t; t = t->next)
		t->waiting = 0;
	pthread_mutex_unlock(&g->mu);
	for (t = all; t; t = next) {
		next = t->next;
		t->prev = t->next = NULL;
		srv_thread_post(t->c->th, gate_resume, t); /* sees srv->cancel: 503 */
	}
}

static unsigned key_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % GATE_BUCKETS;
}

/* Under g->mu. */
static struct gate_key *key_get(struct login_gate *g, const char *name)
{
	unsigned h = key_hash(name);
	struct gate_key *k;
	size_t n = strlen(name);
	for (k = g->b[h]; k; k = k->next)
		if (strcmp(k->name, name) == 0)
			break;
	if (!k) {
		k = lx_calloc(1, sizeof *k + n + 1);
		memcpy(k->name, name, n + 1);
		k->next = g->b[h];
		g->b[h] = k;
	}
	k->refs++;
	return k;
}

/* Under g->mu. */
static void key_put(struct login_gate *g, struct gate_key *k)
{
	struct gate_key **pp;
	if (!k || --k->refs > 0)
		return;
	for (pp = &g->b[key_hash(k->name)]; *pp != k; pp = &(*pp)->next)
		;
	*pp = k->next;
	free(k);
}

/* The stored state of a key: failures in the current window and until when it is locked
 * (0: not locked). A key at its limit is locked until its window ends even if the row says
 * otherwise (another node's clock, a hand edit), so a full key always has a reason to wait
 * that ends. A read error counts as no failures, as before the gate. */
static void key_stored(struct store *db, const char *key, int limit, int window, int64_t now, int *failures,
		       int64_t *until)
{
	int f;
	int64_t start, locked;
	if (store_throttle_get(db, key, &f, &start, &locked, NULL) != LX_OK)
		f = 0, start = locked = 0;
	if (now - start >= window)
		f = 0;
	*until = locked > now ? locked : 0;
	if (f >= limit && start + window > *until)
		*until = start + window;
	*failures = f;
}

/* Under g->mu: admits t (reserving one check on both keys), finds it locked, or not yet.
 * In a wake-up scan (scan != 0) a key already found full in the same scan is not read again. */
static int gate_try(struct login_gate *g, struct store *rd, const struct config *cfg, struct gate_ticket *t,
		    unsigned scan, int64_t now)
{
	int fa, fd;
	int64_t ua, ud;
	if (scan && (t->acct->full == scan || t->addr->full == scan))
		return GATE_WAIT;
	if (t->addr->inflight >= g->addr_cap) {
		t->addr->full = scan;
		return GATE_WAIT;
	}
	key_stored(rd, t->acct->name, cfg->throttle_account, cfg->throttle_window, now, &fa, &ua);
	key_stored(rd, t->addr->name, cfg->throttle_address, cfg->throttle_window, now, &fd, &ud);
	if (ua || ud) {
		t->retry = (ua > ud ? ua : ud) - now;
		return GATE_LOCKED;
	}
	if (fa + t->acct->inflight >= cfg->throttle_account) {
		t->acct->full = scan;
		return GATE_WAIT;
	}
	if (fd + t->addr->inflight >= cfg->throttle_address) {
		t->addr->full = scan;
		return GATE_WAIT;
	}
	t->acct->inflight++;
	t->addr->inflight++;
	t->reserved = 1;
	return GATE_GO;
}

static void too_many(struct hctx *c, int64_t retry)
{
	char s[32];
	snprintf(s, sizeof s, "%lld", (long long)(retry > 0 ? retry : 1));
	http_header(c, "Retry-After", s);
	http_error(c, 429, "too_many_attempts", "登录失败次数过多，请稍后再试");
}

/* On the waiting request's own thread, after a wake-up scan decided its fate. */
static void gate_resume(void *arg)
{
	struct gate_ticket *t = arg;
	if (t->locked)
		too_many(t->c, t->retry);
	else if (atomic_load(&t->c->srv->cancel))
		http_error(t->c, 503, "shutting_down", "服务器正在重启，请稍后重试");
	else
		t->go(t->c);
}

/* Starts the password check of c through t->go now, answers 429, or queues c until a check
 * on one of its keys ends. */
static void gate_enter(struct hctx *c, struct gate_ticket *t, const char *acct_key, const char *addr_key,
		       void (*go)(struct hctx *c))
{
	struct login_gate *g = c->srv->gate;
	int r;
	t->c = c;
	t->go = go;
	if (atomic_load(&c->srv->cancel)) { /* the loops have stopped: nothing would wake it */
		http_error(c, 503, "shutting_down", "服务器正在重启，请稍后重试");
		return;
	}
	pthread_mutex_lock(&g->mu);
	t->acct = key_get(g, acct_key);
	t->addr = key_get(g, addr_key);
	r = gate_try(g, c->th->rd, c->srv->cfg, t, 0, clock_now());
	if (r == GATE_WAIT) {
		t->waiting = 1;
		t->prev = g->tail;
		if (g->tail)
			g->tail->next = t;
		else
			g->head = t;
		g->tail = t;
	}
	pthread_mutex_unlock(&g->mu);
	if (r == GATE_GO)
		go(c);
	else if (r == GATE_LOCKED)
		too_many(c, t->retry);
	else
		http_async(c); /* answered later: shutdown waits for it */
}

static void gate_unlink(struct login_gate *g, struct gate_ticket *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		g->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		g->tail = t->prev;
	t->prev = t->next = NULL;
	t->waiting = 0;
}

/* When c's context is freed (its reply sent, the outcome committed): gives back its check
 * and wakes the waiting requests that now fit or are now locked, in arrival order. */
static void gate_leave(struct hctx *c, struct gate_ticket *t)
{
	struct login_gate *g = c->srv->gate;
	struct gate_ticket *woken = NULL, *w, *next;
	int64_t now = clock_now();
	if (!t->acct)
		return;
	pthread_mutex_lock(&g->mu);
	if (t->waiting)
		gate_unlink(g, t);
	if (t->reserved) {
		t->acct->inflight--;
		t->addr->inflight--;
		t->reserved = 0;
		if (++g->scan == 0)
			g->scan = 1;
		for (w = g->head; w; w = next) {
			int r;
			next = w->next;
			/* A waiter always waits on a key with checks in flight, and is looked at again
			 * when one of those ends: those of other keys leave it as it was. */
			if (w->acct != t->acct && w->addr != t->addr)
				continue;
			r = gate_try(g, c->th->rd, c->srv->cfg, w, g->scan, now);
			if (r == GATE_WAIT)
				continue;
			gate_unlink(g, w);
			w->locked = r == GATE_LOCKED;
			w->next = woken;
			woken = w;
		}
	}
	key_put(g, t->acct);
	key_put(g, t->addr);
	t->acct = t->addr = NULL;
	pthread_mutex_unlock(&g->mu);
	/* Reversed: oldest first; each runs on its own loop. */
	for (w = woken, woken = NULL; w; w = next) {
		next = w->next;
		w->next = woken;
		woken = w;
	}
	for (w = woken; w; w = next) {
		next = w->next;
		w->next = NULL;
		srv_thread_post(w->c->th, gate_resume, w);
	}
}

/* In the writer transaction that records a success: the account or the address was locked
 * after the check was admitted (by another node's failures, or by hand). The success is
 * then refused like any request to a locked key. Returns 1 and sets *retry when locked. */
static int locked_now(struct store *db, const struct config *cfg, const char *acct_key, const char *addr_key,
		      int64_t now, int64_t *retry)
{
	int f;
	int64_t ua, ud;
	key_stored(db, acct_key, cfg->throttle_account, cfg->throttle_window, now, &f, &ua);
	key_stored(db, addr_key, cfg->throttle_address, cfg->throttle_window, now, &f, &ud);
	if (!ua && !ud)
		return 0;
	*retry = (ua > ud ? ua : ud) - now;
	return 1;
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

/* --- login ---------------------------------------------------------------------- */

struct login {
	struct gate_ticket gate;
	char *login, *password;
	struct user user;
	int found, ok;
	char acct_key[160], addr_key[80];
	char token[TOK_LEN + 1], csrf[TOK_LEN + 1];
	int refused;           /* locked while its hash ran: 429, nothing recorded */
	int64_t retry_after;
	char *rehash;          /* a new hash with the current parameters, or NULL */
	struct hctx *c;
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
	gate_leave(l->c, &l->gate);
	free(l->login);
	secret_free(l->password);
	free(l->rehash);
	user_free(&l->user);
	free(l);
}

static int login_success_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct login *l = c->data;
	uint8_t h[32];
	int64_t now = clock_now();
	int rc;
	if (locked_now(db, c->srv->cfg, l->acct_key, l->addr_key, now, &l->retry_after)) {
		l->refused = 1;
		return LX_OK;
	}
	rc = store_throttle_clear(db, l->acct_key, e);
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
	if (l->refused) {
		too_many(c, l->retry_after);
		return;
	}
	snprintf(cookie, sizeof cookie, "lawexam_session=%s; Path=/; HttpOnly; Secure; SameSite=Strict", l->token);
	http_header(c, "Set-Cookie", cookie);
	http_json(c, 200, json_pack("{s:o,s:s}", "user", user_json(&l->user), "csrf_token", l->csrf));
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

/* Admitted by the gate: read the account (now, not when the request arrived: it may have
 * waited) and check the password on the hash pool. */
static void login_go(struct hctx *c)
{
	struct login *l = c->data;
	struct lx_err e = {0};
	int rc = store_user_by_login(c->th->rd, l->login, &l->user, &e);
	if (rc && rc != LX_ERR_NOTFOUND) {
		http_fail(c, rc, NULL);
		return;
	}
	l->found = rc == LX_OK;
	http_offload(c, login_verify, login_verified);
}

/* Login takes JSON only: a cross-site HTML form can send text/plain (or a form encoding)
 * without a preflight, and must not be able to log a victim's browser into an account. A
 * request without Content-Type passes: no form sends one without it, and the Origin check
 * (http.c) refuses a browser's cross-site request whatever it carries. */
static int json_content_type(struct hctx *c)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Content-Type");
	static const char want[] = "application/json";
	size_t n = sizeof want - 1;
	if (!ct)
		return 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

void h_login(struct hctx *c)
{
	json_t *body;
	const char *login, *password;
	struct login *l;

	if (!json_content_type(c)) {
		http_error(c, 415, "unsupported_media_type", "登录请求须为 JSON（Content-Type: application/json）");
		return;
	}
	body = http_body_json(c);
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
	l->c = c;
	l->login = lx_strdup(login);
	l->password = lx_strdup(password);
	json_decref(body);
	c->data = l;
	c->data_free = login_free;
	snprintf(l->acct_key, sizeof l->acct_key, "acct:%s", l->login);
	snprintf(l->addr_key, sizeof l->addr_key, "addr:%s", c->remote);
	gate_enter(c, &l->gate, l->acct_key, l->addr_key, login_go);
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
 * unthrottled oracle for guessing the password. The old password goes through the same gate
 * as a login, so concurrent guesses are bounded alike. */
struct pwchange {
	struct gate_ticket gate;
	char *old, *new_pw, *hash;
	int ok;
	int refused;
	int64_t retry_after;
	char acct_key[160], addr_key[80];
	struct hctx *c;
};

static void pwchange_free(void *p)
{
	struct pwchange *w = p;
	gate_leave(w->c, &w->gate);
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
	int rc;
	if (locked_now(db, c->srv->cfg, w->acct_key, w->addr_key, clock_now(), &w->retry_after)) {
		w->refused = 1;
		return LX_OK;
	}
	rc = store_user_set_password(db, c->user.id, w->hash, 0, clock_now(), e);
	if (rc == LX_OK) /* every other session of this user ends */
		rc = store_session_delete_user(db, c->user.id, c->via_token ? NULL : c->session_hash, e);
	if (rc == LX_OK)
		rc = store_audit(db, clock_now(), c->user.login, "password_change", "", c->remote, e);
	return rc;
}

static void pwchange_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct pwchange *w = c->data;
	if (rc) {
		http_fail(c, rc, NULL);
		return;
	}
	if (w->refused) {
		too_many(c, w->retry_after);
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

static void pwchange_go(struct hctx *c)
{
	http_offload(c, pwchange_work, pwchange_verified);
}

void h_me_password(struct hctx *c)
{
	json_t *body = http_body_json(c);
	const char *old, *new_pw;
	char why[128];
	struct pwchange *w;

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
	w->c = c;
	w->old = lx_strdup(old);
	w->new_pw = lx_strdup(new_pw);
	json_decref(body);
	c->data = w;
	c->data_free = pwchange_free;
	snprintf(w->acct_key, sizeof w->acct_key, "acct:%s", c->user.login);
	snprintf(w->addr_key, sizeof w->addr_key, "addr:%s", c->remote);
	gate_enter(c, &w->gate, w->acct_key, w->addr_key, pwchange_go);
}
