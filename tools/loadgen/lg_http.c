/* lg_http.c — keep-alive HTTPS client connections for the load generator (see lg_http.h).
 * A request that went out on a reused connection which the server closed before any byte
 * of the answer arrived (idle keep-alive timeout racing the send) is sent once more on a
 * fresh connection, as browsers do; every lawexam request the generator makes is
 * idempotent (saves carry seq, start resumes, submit is idempotent). */
#include "lg_http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *const lg_kind_name[K_N] = {"login",  "start", "save",  "save_sw", "submit",
				       "verify", "get",   "probe", "p_set",   "p_answer"};

#define MAX_HEADER 65536
#define MAX_BODY (16u << 20)

int64_t lg_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

SSL_CTX *lg_ssl_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* loopback, self-signed */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

void lg_stats_merge(struct lg_stats *into, const struct lg_stats *from)
{
	lg_hist_merge(&into->h, &from->h);
	if (from->tl) {
		if (!into->tl && !(into->tl = calloc(LG_TL_SECS, sizeof *into->tl)))
			abort();
		for (int i = 0; i < LG_TL_SECS; i++) {
			into->tl[i].n += from->tl[i].n;
			into->tl[i].slow += from->tl[i].slow;
			if (from->tl[i].max_us > into->tl[i].max_us)
				into->tl[i].max_us = from->tl[i].max_us;
		}
	}
	for (int i = 0; i < LG_NSTATUS; i++)
		into->status[i] += from->status[i];
	if (from->first_us && (!into->first_us || from->first_us < into->first_us))
		into->first_us = from->first_us;
	if (from->last_us > into->last_us)
		into->last_us = from->last_us;
}

void lg_conn_init(struct lg_conn *c, struct lg_thread *t)
{
	memset(c, 0, sizeof *c);
	c->t = t;
}

void lg_conn_close(struct lg_conn *c)
{
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (c->timer)
		event_del(c->timer);
	c->connected = 0;
	c->served = 0;
	c->in_body = 0;
}

struct lg_pending {
	struct lg_pending *next;
	enum lg_kind kind;
	int want_body;
	lg_done_fn done;
	void *arg;
	int64_t t0;
	size_t len;
	char req[];
};

void lg_conn_free(struct lg_conn *c)
{
	lg_conn_close(c);
	if (c->timer)
		event_free(c->timer);
	c->timer = NULL;
	free(c->req);
	c->req = NULL;
	while (c->qhead) {
		struct lg_pending *p = c->qhead;
		c->qhead = p->next;
		free(p);
	}
	c->qtail = NULL;
}

static void read_cb(struct bufferevent *bev, void *arg);
static void next_pending(struct lg_conn *c);
static void event_cb(struct bufferevent *bev, short what, void *arg);
static void timeout_cb(evutil_socket_t fd, short what, void *arg);

static int do_connect(struct lg_conn *c)
{
	struct lg_thread *t = c->t;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	SSL *ssl = NULL;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (t->n_src > 1) {
		struct sockaddr_in src = {0};
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(0x7f000001u + (t->src_next++ % (unsigned)t->n_src));
#ifdef IP_BIND_ADDRESS_NO_PORT
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
		if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
			close(fd);
			return -1;
		}
	}
	ssl = SSL_new(t->ssl);
	if (!ssl) {
		close(fd);
		return -1;
	}
	c->bev = bufferevent_openssl_socket_new(t->base, fd, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		SSL_free(ssl);
		close(fd);
		return -1;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&t->dest, sizeof t->dest) != 0) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		return -1;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->connected = 1;
	c->served = 0;
	t->connects++;
	return 0;
}

static void finish(struct lg_conn *c, int status, const char *body, size_t len)
{
	struct lg_thread *t = c->t;
	struct lg_stats *s = &t->stats[c->kind];
	int64_t now = lg_now_us();
	lg_done_fn done = c->done;
	void *arg = c->arg;

	if (c->timer)
		event_del(c->timer);
	c->busy = 0;
	lg_hist_add(&s->h, (uint64_t)(now - c->t0));
	if (t->tl_t0 && now >= t->tl_t0) {
		int64_t sec = (now - t->tl_t0) / 1000000, us = now - c->t0;
		if (!s->tl && !(s->tl = calloc(LG_TL_SECS, sizeof *s->tl)))
			abort();
		if (sec < LG_TL_SECS) {
			s->tl[sec].n++;
			s->tl[sec].slow += us > 50000;
			if ((uint64_t)us > s->tl[sec].max_us)
				s->tl[sec].max_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		}
	}
	s->status[status >= 0 && status < LG_NSTATUS ? status : LG_ST_PROTO]++;
	if (now > s->last_us)
		s->last_us = now;
	if (status < 100 || c->close_after)
		lg_conn_close(c);
	done(c, status, body ? body : "", body ? len : 0, arg);
	next_pending(c);
}

static void write_request(struct lg_conn *c)
{
	struct timeval tv = {c->t->timeout_s, 0};
	c->got_bytes = 0;
	c->in_body = 0;
	c->close_after = 0;
	c->reused = c->served > 0;
	bufferevent_write(c->bev, c->req, c->req_len);
	if (!c->timer)
		c->timer = evtimer_new(c->t->base, timeout_cb, c);
	evtimer_add(c->timer, &tv);
}


static void start_request(struct lg_conn *c, enum lg_kind kind, int want_body, lg_done_fn done, void *arg, int64_t t0)
{
	struct lg_stats *s = &c->t->stats[kind];
	c->kind = kind;
	c->want_body = want_body;
	c->done = done;
	c->arg = arg;
	c->busy = 1;
	c->retried = 0;
	c->t0 = t0;
	if (!s->first_us || c->t0 < s->first_us)
		s->first_us = c->t0;
	if (!c->connected && do_connect(c) != 0) {
		c->t->conn_fail++;
		finish(c, LG_ST_CONN, NULL, 0);
		return;
	}
	write_request(c);
}

static void next_pending(struct lg_conn *c)
{
	struct lg_pending *p;
	while (!c->busy && (p = c->qhead) != NULL) {
		c->qhead = p->next;
		if (!c->qhead)
			c->qtail = NULL;
		if (p->len + 1 > c->req_cap) {
			c->req = realloc(c->req, p->len + 1);
			if (!c->req)
				abort();
			c->req_cap = p->len + 1;
		}
		memcpy(c->req, p->req, p->len);
		c->req_len = p->len;
		start_request(c, p->kind, p->want_body, p->done, p->arg, p->t0);
		free(p);
	}
}

void lg_send(struct lg_conn *c, enum lg_kind kind, const char *method, const char *path, const char *headers,
	     const char *body, int want_body, lg_done_fn done, void *arg)
{
	size_t blen = body ? strlen(body) : 0;
	size_t need = strlen(method) + strlen(path) + (headers ? strlen(headers) : 0) + blen + 200;
	char *buf;
	int n;

	if (c->busy) {
		struct lg_pending *p = malloc(sizeof *p + need);
		if (!p)
			abort();
		buf = p->req;
		n = snprintf(buf, need, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%zu\r\n\r\n%s", method, path,
			     headers ? headers : "", body ? "Content-Type: application/json\r\nContent-Length: " : "Content-Length: ",
			     blen, body ? body : "");
		p->next = NULL;
		p->kind = kind;
		p->want_body = want_body;
		p->done = done;
		p->arg = arg;
		p->t0 = lg_now_us();
		p->len = (size_t)n;
		if (c->qtail)
			c->qtail->next = p;
		else
			c->qhead = p;
		c->qtail = p;
		return;
	}
	if (need > c->req_cap) {
		c->req = realloc(c->req, need);
		if (!c->req)
			abort();
		c->req_cap = need;
	}
	n = snprintf(c->req, c->req_cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%zu\r\n\r\n%s", method, path,
		     headers ? headers : "", body ? "Content-Type: application/json\r\nContent-Length: " : "Content-Length: ",
		     blen, body ? body : "");
	c->req_len = (size_t)n;
	start_request(c, kind, want_body, done, arg, lg_now_us());
}

static void fail_or_retry(struct lg_conn *c, int status)
{
	if (!c->busy) { /* idle keep-alive closed by the server: reconnect on the next send */
		lg_conn_close(c);
		return;
	}
	if (status == LG_ST_CONN && c->reused && !c->got_bytes && !c->retried) {
		lg_conn_close(c);
		c->t->retries++;
		c->retried = 1;
		if (do_connect(c) == 0) {
			write_request(c);
			c->retried = 1;
			return;
		}
		c->t->conn_fail++;
	}
	finish(c, status, NULL, 0);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct lg_conn *c = arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		fail_or_retry(c, LG_ST_CONN);
	}
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lg_conn *c = arg;
	if (c->busy)
		finish(c, LG_ST_TIMEOUT, NULL, 0);
}

/* Parses the status line and the headers we need out of hdr[0..len). */
static int parse_head(struct lg_conn *c, const char *hdr, size_t len)
{
	const char *p = hdr, *end = hdr + len, *eol;
	int status;
	if (len < 12 || strncmp(p, "HTTP/1.", 7) != 0)
		return -1;
	status = (int)strtol(p + 9, NULL, 10);
	if (status < 100 || status >= LG_NSTATUS)
		return -1;
	c->status = status;
	c->clen = 0;
	eol = memchr(p, '\n', (size_t)(end - p));
	while (eol && eol + 1 < end) {
		const char *line = eol + 1;
		size_t ll;
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		ll = (size_t)(eol - line);
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (ll > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
			c->clen = strtoul(line + 15, NULL, 10);
		} else if (ll > 17 && strncasecmp(line, "Connection: close", 17) == 0) {
			c->close_after = 1;
		} else if (ll > 12 && strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
			return -1; /* chunked: lawexamd and the nginx ceiling always send a length */
		} else if (ll > 28 && strncasecmp(line, "Set-Cookie: lawexam_session=", 28) == 0) {
			const char *v = line + 28, *semi = memchr(v, ';', ll - 28);
			size_t vl = semi ? (size_t)(semi - v) : ll - 28;
			if (vl < sizeof c->set_cookie) {
				memcpy(c->set_cookie, v, vl);
				c->set_cookie[vl] = '\0';
			}
		}
	}
	return c->clen > MAX_BODY ? -1 : 0;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct lg_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(in);

	if (avail)
		c->got_bytes = 1;
	if (!c->busy) {
		evbuffer_drain(in, avail); /* stray bytes: ignore */
		return;
	}
	if (!c->in_body) {
		struct evbuffer_ptr pos = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		size_t hl;
		if (pos.pos < 0) {
			if (avail > MAX_HEADER)
				finish(c, LG_ST_PROTO, NULL, 0);
			return;
		}
		hl = (size_t)pos.pos + 4;
		if (parse_head(c, (const char *)evbuffer_pullup(in, (ev_ssize_t)hl), hl) != 0) {
			lg_conn_close(c);
			finish(c, LG_ST_PROTO, NULL, 0);
			return;
		}
		evbuffer_drain(in, hl);
		c->in_body = 1;
	}
	if (evbuffer_get_length(in) < c->clen)
		return;
	c->in_body = 0;
	c->served++;
	if (c->want_body) {
		char *b = malloc(c->clen + 1);
		if (!b)
			abort();
		evbuffer_remove(in, b, c->clen);
		b[c->clen] = '\0';
		finish(c, c->status, b, c->clen);
		free(b);
	} else {
		evbuffer_drain(in, c->clen);
		finish(c, c->status, NULL, 0);
	}
}
