/* http.c — request dispatch: route matching, authentication (session cookie or API token),
 * roles, CSRF, body limits, and the reply functions that add the security headers, compress
 * the replies of R_GZIP routes (reply_gzip: the one place an API reply is compressed), log
 * one line per request and free the context. Static files are static.c. */
#include "http.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "gz.h"
#include "jsonx.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "pool.h"
#include "roles.h"
#include "routes.h"
#include "static.h"
#include "text.h"
#include "token.h"

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *method_name(int m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

static void ctx_free(struct hctx *c)
{
	free(c->path);
	for (int i = 0; i < HTTP_MAX_PARAMS; i++)
		free(c->params[i]);
	evhttp_clear_headers(&c->query);
	user_free(&c->user);
	if (c->data_free && c->data)
		c->data_free(c->data);
	free(c);
}

void http_header(struct hctx *c, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(c->req), name, value);
}

static void security_headers(struct evkeyvalq *h)
{
	evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
			  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
			  "form-action 'self'; frame-ancestors 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

/* The path as it goes into the log: control characters (a decoded %0A would forge a log
 * line) become '?', and it is cut at the buffer's size. */
static const char *log_safe(const char *path, char *buf, size_t len)
{
	size_t i = 0;
	if (!path)
		return "-";
	for (; path[i] && i + 1 < len; i++)
		buf[i] = ((unsigned char)path[i] < 0x20 || path[i] == 0x7f) ? '?' : path[i];
	buf[i] = '\0';
	return buf;
}

/* Compression of API replies (BREACH): only a route flagged R_GZIP and not R_SECRET (routes.c),
 * only a 200/201 of at least HTTP_GZIP_MIN bytes that sets no cookie, only for a client whose
 * Accept-Encoding takes gzip. Every reply of such a route says Vary: Accept-Encoding. Level 1:
 * a start's paper is compressed on the event loop, in the start storm; level 6 would save 11 %
 * more bytes for 1.7 times the instructions (docs/benchmarks.md, "Bytes per examinee"). */
#define HTTP_GZIP_MIN 1024
#define HTTP_GZIP_LEVEL 1

/* The gzip body for c's reply (caller frees; Content-Encoding set), or NULL: send as it is. */
static char *reply_gzip(struct hctx *c, struct evkeyvalq *h, int status, const void *data, size_t len,
			size_t *gz_len)
{
	char *gz;
	if (c->route < 0 || (size_t)c->route >= n_routes || (routes[c->route].flags & (R_GZIP | R_SECRET)) != R_GZIP)
		return NULL; /* the save path and every other route stop here, on one flag test */
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	if ((status != 200 && status != 201) || len < HTTP_GZIP_MIN || c->method == EVHTTP_REQ_HEAD ||
	    evhttp_find_header(h, "Set-Cookie") ||
	    !gz_accepted(evhttp_find_header(evhttp_request_get_input_headers(c->req), "Accept-Encoding")))
		return NULL;
	gz = gz_encode(data, len, HTTP_GZIP_LEVEL, gz_len);
	if (gz)
		evhttp_add_header(h, "Content-Encoding", "gzip");
	return gz;
}

void http_reply(struct hctx *c, int status, const char *ctype, const void *data, size_t len)
{
	char logpath[256];
	struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
	struct evbuffer *out = evbuffer_new();
	struct srv_conn *cn = srv_conn_of(c->srv, c->req);
	size_t gz_len = 0;
	char *gz = reply_gzip(c, h, status, data, len, &gz_len);
	int64_t us;

	if (gz) {
		data = gz;
		len = gz_len;
	}
	security_headers(h);
	if (ctype && !evhttp_find_header(h, "Content-Type"))
		evhttp_add_header(h, "Content-Type", ctype);
	if (!evhttp_find_header(h, "Cache-Control"))
		evhttp_add_header(h, "Cache-Control", "no-store");
	if (atomic_load(&c->srv->stopping))
		evhttp_add_header(h, "Connection", "close");
	if (out && len && c->method != EVHTTP_REQ_HEAD)
		evbuffer_add(out, data, len);
	if (cn)
		srv_conn_replying(cn, c->req); /* the next request's deadline starts once this is sent */
	evhttp_send_reply(c->req, status, reason(status), out);
	if (cn)
		srv_conn_replied(cn); /* evhttp_send_reply only queues: the connection is still there */
	if (out)
		evbuffer_free(out);
	free(gz);
	us = now_us() - c->start_us;
	metrics_request(&c->th->metrics, c->route, status, us); /* c->th's thread: see metrics.h */
	LOG(LOG_INFO, "%s %s %d %lldus%s%s", c->method_name, log_safe(c->path, logpath, sizeof logpath), status,
	    (long long)us, c->authed ? " user=" : "", c->authed ? c->user.login : "");
	if (c->async)
		atomic_fetch_sub(&c->srv->pending, 1);
	ctx_free(c);
}

void http_json(struct hctx *c, int status, json_t *body)
{
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (!s) {
		json_decref(body);
		static const char fallback[] = "{\"error\":{\"code\":\"internal\",\"message\":\"内部错误\"}}";
		http_reply(c, 500, "application/json; charset=utf-8", fallback, sizeof fallback - 1);
		return;
	}
	http_reply(c, status, "application/json; charset=utf-8", s, strlen(s));
	free(s);
	json_decref(body);
}

void http_error_diag(struct hctx *c, const char *code, const char *message, const struct diag *d)
{
	json_t *details = json_array();

	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(details, json_pack("{s:s,s:s}", "where", d->items[i].where, "message",
							 d->items[i].message));
	http_json(c, 422, json_pack("{s:{s:s,s:s,s:o,s:I}}", "error", "code", code, "message", message, "details",
				    details, "total", (json_int_t)d->total));
}

void http_error(struct hctx *c, int status, const char *code, const char *message)
{
	http_json(c, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

void http_fail(struct hctx *c, int rc, const char *message)
{
	switch (rc) {
	case LX_ERR_INVALID: http_error(c, 422, "invalid", message ? message : "请求无效"); break;
	case LX_ERR_NOTFOUND: http_error(c, 404, "not_found", message ? message : "未找到"); break;
	case LX_ERR_CONFLICT: http_error(c, 409, "conflict", message ? message : "状态冲突"); break;
	case LX_ERR_DENIED: http_error(c, 403, "forbidden", message ? message : "无权访问"); break;
	case LX_ERR_BUSY:
	case LX_ERR_STORAGE:
	case LX_ERR_IO:
		http_error(c, 503, "storage_unavailable", "存储暂不可用，请稍后重试（答案未保存）");
		break;
	default: http_error(c, 500, "internal", "内部错误"); break;
	}
}

void http_async(struct hctx *c)
{
	if (!c->async) {
		c->async = 1;
		atomic_fetch_add(&c->srv->pending, 1);
	}
}

json_t *http_body_json(struct hctx *c)
{
	char why[256];
	json_t *v;
	if (c->body_len == 0) {
		http_error(c, 400, "bad_request", "请求体为空，需要 JSON");
		return NULL;
	}
	v = jsonx_parse(c->body, c->body_len, why, sizeof why, NULL);
	if (!v) {
		http_error(c, 400, "bad_json", why);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		http_error(c, 400, "bad_json", "请求体须为 JSON 对象");
		return NULL;
	}
	return v;
}

const char *http_query(struct hctx *c, const char *key)
{
	return evhttp_find_header(&c->query, key);
}

/* --- async hand-offs ------------------------------------------------------------ */

struct handoff {
	struct hctx *c;
	store_job_fn job;
	const struct http_bulk *bulk;
	void (*work)(struct hctx *c);
	http_done_fn done;
	int rc;
	int cancelled;
	struct lx_err err;
};

static void handoff_finish(void *arg)
{
	struct handoff *h = arg;
	if (h->cancelled)
		http_error(h->c, 503, "shutting_down", "服务器正在重启，请稍后重试");
	else
		h->done(h->c, h->rc, &h->err);
	free(h);
}

static int handoff_job(struct store *db, void *arg, struct lx_err *e)
{
	struct handoff *h = arg;
	return h->job(db, h->c, e);
}

static void handoff_written(int rc, const struct lx_err *e, void *arg)
{
	struct handoff *h = arg;
	h->rc = rc;
	if (e)
		h->err = *e;
	srv_thread_post(h->c->th, handoff_finish, h);
}

void http_write(struct hctx *c, store_job_fn job, http_done_fn done)
{
	struct handoff *h = lx_calloc(1, sizeof *h);
	http_async(c);
	h->c = c;
	h->job = job;
	h->done = done;
	store_writer_submit(c->srv->writer, handoff_job, handoff_written, h);
}

/* The writer's bulk call for handoffs of one http_bulk (the writer groups them by it). */
static int handoff_bulk(struct store *db, void *const *args, int *rcs, struct lx_err *errs, size_t n,
			struct lx_err *e)
{
	struct hctx **cs = lx_calloc(n ? n : 1, sizeof *cs);
	const struct handoff *h0 = args[0];
	int rc;
	for (size_t i = 0; i < n; i++)
		cs[i] = ((const struct handoff *)args[i])->c;
	rc = h0->bulk->fn(db, cs, rcs, errs, n, e);
	free(cs);
	return rc;
}

void http_write_bulk(struct hctx *c, store_job_fn job, const struct http_bulk *bulk, http_done_fn done)
{
	struct handoff *h = lx_calloc(1, sizeof *h);
	http_async(c);
	h->c = c;
	h->job = job;
	h->bulk = bulk;
	h->done = done;
	store_writer_submit_bulk(c->srv->writer, handoff_job, handoff_bulk, bulk, handoff_written, h);
}

static void handoff_work(void *arg)
{
	struct handoff *h = arg;
	if (atomic_load(&h->c->srv->cancel))
		h->cancelled = 1; /* shutting down: do not start slow work */
	else
		h->work(h->c);
	srv_thread_post(h->c->th, handoff_finish, h);
}

void http_offload(struct hctx *c, void (*work)(struct hctx *c), http_done_fn done)
{
	struct handoff *h = lx_calloc(1, sizeof *h);
	http_async(c);
	h->c = c;
	h->work = work;
	h->done = done;
	pool_submit(c->srv->pool, handoff_work, h);
}

/* --- authentication ------------------------------------------------------------- */

static const char *cookie_value(const char *cookies, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p = cookies;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			const char *v = p + nl + 1, *end = strchr(v, ';');
			*len = end ? (size_t)(end - v) : strlen(v);
			return v;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

struct touch {
	uint8_t hash[32];
	int64_t now, expires;
};

static int touch_job(struct store *db, void *arg, struct lx_err *e)
{
	struct touch *t = arg;
	return store_session_touch(db, t->hash, t->now, t->expires, e);
}

static void touch_done(int rc, const struct lx_err *e, void *arg)
{
	free(arg);
}

/* Finds the user of the request's API token (Authorization: Bearer) or session cookie, into
 * c->user. LX_OK; AUTH_NONE when the request carries neither; LX_ERR_NOTFOUND for an
 * unknown, revoked or expired one, or a disabled user; another LX_ERR_* when the store
 * failed. Answers nothing. */
#define AUTH_NONE 1
static int auth_user(struct hctx *c)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
	const char *authz = evhttp_find_header(in, "Authorization");
	const char *cookies = evhttp_find_header(in, "Cookie");
	const char *tok = NULL;
	size_t toklen = 0;
	int64_t uid = 0, now = clock_now();
	struct lx_err e = {0};
	int rc;

	if (authz && strncmp(authz, "Bearer ", 7) == 0) {
		tok = authz + 7;
		toklen = strlen(tok);
		c->via_token = 1;
	} else if (cookies) {
		tok = cookie_value(cookies, "lawexam_session", &toklen);
	}
	if (!tok || toklen == 0 || toklen > 128)
		return AUTH_NONE;
	tok_hash(tok, toklen, c->session_hash);
	if (c->via_token) {
		rc = store_token_user(c->th->rd, c->session_hash, &uid, &e);
		if (rc == LX_OK)
			rc = store_user_by_id(c->th->rd, uid, &c->user, &e);
	} else {
		struct session s;
		rc = store_session_user(c->th->rd, c->session_hash, &s, &c->user, &e);
		if (rc == LX_OK && s.expires_at <= now)
			rc = LX_ERR_NOTFOUND;
		if (rc == LX_OK) {
			memcpy(c->csrf, s.csrf, sizeof c->csrf < sizeof s.csrf ? sizeof c->csrf : sizeof s.csrf);
			c->csrf[sizeof c->csrf - 1] = '\0';
			if (now - s.last_seen > 60) {
				struct touch *t = lx_calloc(1, sizeof *t);
				memcpy(t->hash, c->session_hash, 32);
				t->now = now;
				t->expires = now + (int64_t)c->srv->cfg->session_idle_minutes * 60;
				store_writer_submit(c->srv->writer, touch_job, touch_done, t);
			}
		}
	}
	if (rc == LX_OK && c->user.disabled)
		rc = LX_ERR_NOTFOUND;
	return rc;
}

/* Returns 0 when authenticated, else answers and returns -1. */
static int authenticate(struct hctx *c)
{
	int rc = auth_user(c);
	if (rc == AUTH_NONE) {
		http_error(c, 401, "unauthenticated", "请先登录");
		return -1;
	}
	if (rc == LX_ERR_NOTFOUND) {
		http_error(c, 401, "unauthenticated", "登录已失效，请重新登录");
		return -1;
	}
	if (rc) {
		http_fail(c, rc, NULL);
		return -1;
	}
	c->authed = 1;
	return 0;
}

/* The peer is this machine (127.0.0.1, ::1, or ::ffff:127.0.0.1 on a dual-stack socket). */
static int peer_loopback(const char *addr)
{
	struct in6_addr a6;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (strcmp(addr, "127.0.0.1") == 0)
		return 1;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return 1;
	return memcmp(a6.s6_addr, mapped, 12) == 0 && a6.s6_addr[12] == 127 && a6.s6_addr[13] == 0 &&
	       a6.s6_addr[14] == 0 && a6.s6_addr[15] == 1;
}

/* R_OPS (/metrics): a loopback peer, unless --metrics-token-only (behind a proxy on the same
 * host every peer is 127.0.0.1); or an administrator's API token, from anywhere. Cookies do
 * not count: scrapers send tokens. Anyone else gets exactly what an unknown page gets, so
 * the route's existence is not revealed (a wrong token included). 0 = go on. */
static int ops_access(struct hctx *c)
{
	const char *authz = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Authorization");
	if (!c->srv->cfg->metrics_token_only && peer_loopback(c->remote))
		return 0;
	if (authz && strncmp(authz, "Bearer ", 7) == 0 && auth_user(c) == LX_OK && (c->user.roles & ROLE_ADMIN)) {
		c->authed = 1;
		return 0;
	}
	static_serve(c); /* "/metrics" is no file of the web front end: the same 404 */
	return -1;
}

/* --- dispatch ------------------------------------------------------------------- */

static int match(const char *pattern, const char *path, struct hctx *c)
{
	const char *p = pattern, *s = path;
	int np = 0;
	while (*p && *s) {
		if (*p == '*') {
			const char *end = strchr(s, '/');
			size_t n = end ? (size_t)(end - s) : strlen(s);
			if (n == 0 || np >= HTTP_MAX_PARAMS)
				return 0;
			if (c) {
				free(c->params[np]);
				c->params[np] = lx_strndup(s, n);
			}
			np++;
			s += n;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

static int check_access(struct hctx *c, const struct route *r)
{
	if (r->flags & R_OPS)
		return ops_access(c);
	if (!r->roles && !(r->flags & R_ANY_USER))
		return 0;
	if (authenticate(c) != 0)
		return -1;
	if (r->roles && !(c->user.roles & r->roles)) {
		http_error(c, 403, "forbidden", "您没有权限执行此操作");
		return -1;
	}
	if ((r->flags & R_UNSCOPED) && user_scope(&c->user)) {
		http_error(c, 403, "out_of_scope", "此操作涉及全部单位，超出您的管理范围");
		return -1;
	}
	if (c->user.must_change_password && !(r->flags & R_PWCHANGE_OK) && !c->via_token) {
		http_error(c, 403, "password_change_required", "首次登录须先修改密码");
		return -1;
	}
	if (c->method != EVHTTP_REQ_GET && c->method != EVHTTP_REQ_HEAD && !c->via_token) {
		const char *h = evhttp_find_header(evhttp_request_get_input_headers(c->req), "X-CSRF-Token");
		if (!h || !tok_equal(h, c->csrf)) {
			http_error(c, 403, "csrf", "缺少或错误的 X-CSRF-Token");
			return -1;
		}
	}
	return 0;
}

/* A state-changing request that a browser sent from another site. Browsers send Origin with
 * every cross-origin POST/PUT/DELETE (a form included) and Sec-Fetch-Site with every request;
 * the server's own origin is https:// plus the Host the request names. A request without
 * either header (API clients, curl, the CLI) is not a browser's and passes: for those the
 * X-CSRF-Token of a cookie session, or the bearer token, is what counts. This also covers
 * POST /login, which has no session yet (login CSRF: a cross-site form logging the victim's
 * browser into the attacker's account). "same-site" is refused too: a sibling subdomain is
 * another application. */
static int cross_site(struct hctx *c)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
	const char *site = evhttp_find_header(in, "Sec-Fetch-Site");
	const char *origin = evhttp_find_header(in, "Origin");
	const char *host;
	size_t hl;

	if (site && strcasecmp(site, "same-origin") != 0 && strcasecmp(site, "none") != 0)
		return 1;
	if (!origin)
		return 0;
	host = evhttp_find_header(in, "Host");
	if (!host || strncasecmp(origin, "https://", 8) != 0)
		return 1; /* includes Origin: null (sandboxed frames, some redirects) */
	origin += 8;
	hl = strlen(host);
	if (hl > 4 && strcmp(host + hl - 4, ":443") == 0 && !strchr(origin, ':'))
		hl -= 4; /* the default port: browsers leave it out of Origin */
	return strlen(origin) != hl || strncasecmp(origin, host, hl) != 0;
}

/* Decoded path segments and query values end up in messages and in the store, which are
 * UTF-8 (jansson refuses anything else): other bytes are a 400, not a 500 later. */
static int query_utf8(const struct evkeyvalq *q)
{
	const struct evkeyval *kv;
	TAILQ_FOREACH(kv, q, next)
		if (!text_utf8_valid(kv->key, strlen(kv->key)) || !text_utf8_valid(kv->value, strlen(kv->value)))
			return 0;
	return 1;
}

void http_dispatch(struct evhttp_request *req, void *arg)
{
	struct srv_thread *th = arg;
	struct hctx *c = lx_calloc(1, sizeof *c);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *rawq = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct srv_conn *cn = srv_conn_of(th->srv, req);
	const struct route *r = NULL;
	int path_matched = 0, over;
	size_t plen = 0;

	c->req = req;
	c->th = th;
	c->srv = th->srv;
	c->start_us = now_us();
	c->method = evhttp_request_get_command(req);
	c->method_name = method_name(c->method);
	c->route = METRICS_ROUTE_OTHER;
	TAILQ_INIT(&c->query);
	atomic_fetch_add(&th->srv->requests, 1);
	atomic_store(&th->srv->last_request_ms, (long long)(c->start_us / 1000));
	if (evcon) {
		char *addr = NULL;
		ev_uint16_t port = 0;
		evhttp_connection_get_peer(evcon, &addr, &port);
		snprintf(c->remote, sizeof c->remote, "%s", addr ? addr : "-");
	}
	over = cn ? srv_conn_request(cn) : 0;
	if (!raw_path || !*raw_path)
		raw_path = "/";
	c->path = evhttp_uridecode(raw_path, 0, &plen);
	if (!c->path || strlen(c->path) != plen || plen > LX_PATH_MAX_BYTES || !text_utf8_valid(c->path, plen)) {
		if (!c->path)
			c->path = lx_strdup("-");
		http_error(c, 400, "bad_request", "请求路径无效");
		return;
	}
	if (over) {
		/* Accepted over --max-connections: answer at once and close. */
		http_header(c, "Connection", "close");
		http_header(c, "Retry-After", "5");
		http_error(c, 503, "overloaded", "服务器繁忙，请稍后重试");
		return;
	}
	if (rawq && (evhttp_parse_query_str(rawq, &c->query) != 0 || !query_utf8(&c->query))) {
		http_error(c, 400, "bad_request", "查询参数无效");
		return;
	}
	c->body_len = evbuffer_get_length(in);
	c->body = c->body_len ? (const char *)evbuffer_pullup(in, -1) : "";

	for (size_t i = 0; i < n_routes; i++) {
		if (!match(routes[i].pattern, c->path, NULL))
			continue;
		path_matched = 1;
		if (routes[i].method == c->method ||
		    (c->method == EVHTTP_REQ_HEAD && routes[i].method == EVHTTP_REQ_GET)) {
			r = &routes[i];
			c->route = (int)i;
			match(r->pattern, c->path, c);
			break;
		}
	}
	if (!r) {
		if (path_matched) {
			http_error(c, 405, "method_not_allowed", "不支持的请求方法");
		} else if (strncmp(c->path, "/api/", 5) == 0) {
			http_error(c, 404, "not_found", "接口不存在");
		} else if (c->method == EVHTTP_REQ_GET || c->method == EVHTTP_REQ_HEAD) {
			c->route = METRICS_ROUTE_STATIC;
			static_serve(c);
		} else {
			http_error(c, 405, "method_not_allowed", "不支持的请求方法");
		}
		return;
	}
	/* evhttp already refused a larger Content-Length (or chunked body) with its own 413,
	 * before reading it (evhttp_set_max_body_size in srv.c): a second line of defence. */
	if (c->body_len > LX_BODY_MAX) {
		http_error(c, 413, "too_large", "请求体过大");
		return;
	}
	if (c->method != EVHTTP_REQ_GET && c->method != EVHTTP_REQ_HEAD && cross_site(c)) {
		http_error(c, 403, "csrf", "拒绝跨站请求");
		return;
	}
	if (check_access(c, r) != 0)
		return;
	r->fn(c);
}

void http_fail_tagged(struct hctx *c, int rc, const struct lx_err *e, const struct http_tag *tags, size_t n)
{
	if (e && e->tag)
		for (size_t i = 0; i < n; i++)
			if (strcmp(tags[i].tag, e->tag) == 0) {
				http_error(c, tags[i].status, e->tag, e->msg);
				return;
			}
	if (rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "not_found", e && e->msg[0] ? e->msg : "未找到");
		return;
	}
	http_fail(c, rc, e && (rc == LX_ERR_INVALID || rc == LX_ERR_CONFLICT) ? e->msg : NULL);
}

int64_t http_param_id(const char *s)
{
	char *end;
	long long v;
	if (!s || !*s || strlen(s) > 18)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return (*end || errno || v <= 0) ? 0 : (int64_t)v;
}
