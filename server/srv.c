/* srv.c — lawexamd's life cycle: open the store, TLS, the listening socket, the writer,
 * the hash pool and N event-loop threads sharing one socket; the main thread handles
 * signals and the once-a-second tick (auto-submit); graceful shutdown on SIGTERM/SIGINT:
 * stop accepting, let in-flight requests finish, drain the writer, exit 0 within 5 s. */
#include "srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "mem.h"
#include "pool.h"
#include "pw.h"
#include "store_accounts.h"
#include "srv_tick.h"
#include "static.h"
#include "tls.h"

struct posted {
	void (*fn)(void *arg);
	void *arg;
};

static void posted_cb(evutil_socket_t fd, short what, void *arg)
{
	struct posted *p = arg;
	p->fn(p->arg);
	free(p);
}

void srv_post(struct event_base *base, void (*fn)(void *arg), void *arg)
{
	struct posted *p = lx_malloc(sizeof *p);
	static const struct timeval zero = {0, 0};
	p->fn = fn;
	p->arg = arg;
	if (event_base_once(base, -1, EV_TIMEOUT, posted_cb, p, &zero) != 0) {
		LOG(LOG_ERROR, "event_base_once failed; running callback in place");
		posted_cb(-1, 0, p);
	}
}

static void libevent_log(int severity, const char *msg)
{
	int lv = severity >= EVENT_LOG_ERR ? LOG_ERROR : severity == EVENT_LOG_WARN ? LOG_WARN : LOG_DEBUG;
	LOG(lv, "libevent: %s", msg);
}

/* The TLS wrapper for every accepted connection. It must never return NULL: libevent 2.1
 * would then serve the connection as plain HTTP. Out of memory here is fail-stop. */
static struct bufferevent *bevcb(struct event_base *base, void *arg)
{
	struct srv_thread *th = arg;
	SSL *ssl = SSL_new(atomic_load(&th->srv->ssl));
	struct bufferevent *bev;
	if (!ssl) {
		LOG(LOG_ERROR, "SSL_new failed: cannot serve TLS, aborting");
		abort();
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		LOG(LOG_ERROR, "bufferevent_openssl_socket_new failed, aborting");
		abort();
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static int listen_socket(const struct config *cfg, struct lx_err *e)
{
	struct addrinfo hints = {0}, *ai = NULL;
	char port[16];
	int fd = -1, one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof port, "%d", cfg->port);
	rc = getaddrinfo(cfg->host, port, &hints, &ai);
	if (rc != 0) {
		err_set(e, LX_ERR_IO, "cannot resolve listen address %s: %s", cfg->host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err_set(e, LX_ERR_IO, "socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		err_set(e, LX_ERR_IO, "cannot listen on %s: %s", cfg->listen, strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	if (listen(fd, 4096) != 0) {
		err_set(e, LX_ERR_IO, "listen: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
out:
	freeaddrinfo(ai);
	return fd;
}

static void *thread_main(void *arg)
{
	struct srv_thread *th = arg;
	event_base_dispatch(th->base);
	return NULL;
}

static int thread_init(struct srv *s, struct srv_thread *th, int idx, struct lx_err *e)
{
	int rc;
	th->srv = s;
	th->idx = idx;
	th->base = event_base_new();
	th->http = th->base ? evhttp_new(th->base) : NULL;
	if (!th->http)
		return err_set(e, LX_ERR_INTERNAL, "cannot create the event loop");
	evhttp_set_bevcb(th->http, bevcb, th);
	evhttp_set_gencb(th->http, http_dispatch, th);
	evhttp_set_max_headers_size(th->http, 8192);
	evhttp_set_max_body_size(th->http, HTTP_UPLOAD_MAX);
	evhttp_set_timeout(th->http, s->cfg->header_timeout);
	evhttp_set_allowed_methods(th->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
						     EVHTTP_REQ_HEAD | EVHTTP_REQ_DELETE);
	evhttp_set_default_content_type(th->http, "application/json; charset=utf-8");
	rc = store_open(s->cfg->db_path, STORE_READONLY, &th->rd, e);
	if (rc)
		return rc;
	th->bound = evhttp_accept_socket_with_handle(th->http, s->listen_fd);
	if (!th->bound)
		return err_set(e, LX_ERR_IO, "cannot accept on the listening socket");
	return LX_OK;
}

static void stop_accepting(void *arg)
{
	struct srv_thread *th = arg;
	if (th->bound) {
		evhttp_del_accept_socket(th->http, th->bound);
		th->bound = NULL;
	}
}

struct mainctx {
	struct srv *s;
	struct event *sigterm, *sigint, *sighup, *tick, *drain;
	int64_t stop_started_ms;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mainctx *m = arg;
	int pending = atomic_load(&m->s->pending);
	if (pending > 0 && mono_ms() - m->stop_started_ms < 4000)
		return;
	if (pending > 0)
		LOG(LOG_WARN, "shutdown: %d requests still pending after 4 s", pending);
	for (int i = 0; i < m->s->nthreads; i++)
		event_base_loopexit(m->s->threads[i].base, NULL);
	event_base_loopexit(m->s->main_base, NULL);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct mainctx *m = arg;
	struct timeval tv = {0, 50000};
	if (atomic_exchange(&m->s->stopping, 1))
		return;
	LOG(LOG_INFO, "signal %d: stopping (no new connections; finishing in-flight requests)", (int)sig);
	m->stop_started_ms = mono_ms();
	for (int i = 0; i < m->s->nthreads; i++)
		srv_post(m->s->threads[i].base, stop_accepting, &m->s->threads[i]);
	m->drain = event_new(m->s->main_base, -1, EV_PERSIST, drain_cb, m);
	event_add(m->drain, &tv);
}

/* SIGHUP: load the certificate and key again from the same files. New connections use the
 * new context; established ones keep theirs. A file that does not load changes nothing. */
static void reload_cb(evutil_socket_t sig, short what, void *arg)
{
	struct mainctx *m = arg;
	struct srv *s = m->s;
	struct lx_err e = {0};
	SSL_CTX *fresh = NULL, *old;
	if (s->n_retired >= (int)(sizeof s->retired_ssl / sizeof s->retired_ssl[0])) {
		LOG(LOG_ERROR, "SIGHUP: too many certificate reloads in one run; restart the server");
		return;
	}
	if (tls_ctx_new(s->cert_path, s->key_path, &fresh, &e) != LX_OK) {
		LOG(LOG_ERROR, "SIGHUP: certificate not reloaded, keeping the current one: %s", e.msg);
		return;
	}
	old = atomic_exchange(&s->ssl, fresh);
	s->retired_ssl[s->n_retired++] = old;
	LOG(LOG_INFO, "SIGHUP: certificate reloaded from %s", s->cert_path);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mainctx *m = arg;
	if (!atomic_load(&m->s->stopping))
		srv_tick(m->s);
}

int srv_run(const struct config *cfg)
{
	struct srv s;
	struct mainctx m = {0};
	struct lx_err e = {0};
	char *cert = NULL, *key = NULL;
	int made = 0, rc, exit_code = 1;
	struct timeval one_s = {1, 0};
	struct store *check = NULL;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	s.listen_fd = -1;
	m.s = &s;
	evthread_use_pthreads();
	event_set_log_callback(libevent_log);
	signal(SIGPIPE, SIG_IGN);

	rc = store_open(cfg->db_path, 0, &check, &e);
	if (rc) {
		fprintf(stderr, "lawexamd: %s\n", e.msg);
		goto out;
	}
	store_close(check);
	if (cfg->cert) {
		cert = lx_strdup(cfg->cert);
		key = lx_strdup(cfg->key);
	} else if (tls_selfsigned(cfg->tls_dir, &cert, &key, &made, &e) != LX_OK) {
		fprintf(stderr, "lawexamd: %s\n", e.msg);
		goto out;
	} else if (made) {
		LOG(LOG_INFO, "made a self-signed certificate: %s (key %s)", cert, key);
	}
	{
		SSL_CTX *ctx = NULL;
		if (tls_ctx_new(cert, key, &ctx, &e) != LX_OK) {
			fprintf(stderr, "lawexamd: %s\n", e.msg);
			goto out;
		}
		atomic_store(&s.ssl, ctx);
		s.cert_path = cert;
		s.key_path = key;
	}
	s.listen_fd = listen_socket(cfg, &e);
	if (s.listen_fd < 0) {
		fprintf(stderr, "lawexamd: %s\n", e.msg);
		goto out;
	}
	if (store_writer_start(cfg->db_path, &s.writer, &e) != LX_OK ||
	    store_open(cfg->db_path, STORE_READONLY, &s.main_rd, &e) != LX_OK) {
		fprintf(stderr, "lawexamd: %s\n", e.msg);
		goto out;
	}
	{
		/* The stand-in hash for unknown logins copies the cost of a real account's hash. */
		struct pw_params pp = cfg->pw;
		char *sample = NULL;
		if (store_any_pw_hash(s.main_rd, &sample, NULL) == LX_OK)
			pw_params_of(sample, &pp);
		free(sample);
		s.dummy_hash = pw_hash(&pp, "lawexam-unknown-login");
	}
	s.pool = pool_new(cfg->hash_threads);
	static_load(cfg->web_root, &s.web, &e);
	s.main_base = event_base_new();
	s.nthreads = cfg->threads;
	s.threads = lx_calloc((size_t)s.nthreads, sizeof *s.threads);
	for (int i = 0; i < s.nthreads; i++) {
		if (thread_init(&s, &s.threads[i], i, &e) != LX_OK) {
			fprintf(stderr, "lawexamd: %s\n", e.msg);
			goto out;
		}
	}
	if (srv_tick_start(&s, &e) != LX_OK) {
		fprintf(stderr, "lawexamd: %s\n", e.msg);
		goto out;
	}
	for (int i = 0; i < s.nthreads; i++)
		pthread_create(&s.threads[i].tid, NULL, thread_main, &s.threads[i]);
	m.sigterm = evsignal_new(s.main_base, SIGTERM, signal_cb, &m);
	m.sigint = evsignal_new(s.main_base, SIGINT, signal_cb, &m);
	m.sighup = evsignal_new(s.main_base, SIGHUP, reload_cb, &m);
	event_add(m.sighup, NULL);
	m.tick = event_new(s.main_base, -1, EV_PERSIST, tick_cb, &m);
	event_add(m.sigterm, NULL);
	event_add(m.sigint, NULL);
	event_add(m.tick, &one_s);
	LOG(LOG_INFO, "lawexamd listening on https://%s:%d/ (%d threads, db %s)", cfg->host, cfg->port,
	    s.nthreads, cfg->db_path);
	printf("lawexamd listening on https://%s:%d/\n", cfg->host, cfg->port);
	fflush(stdout);
	event_base_dispatch(s.main_base);
	for (int i = 0; i < s.nthreads; i++)
		pthread_join(s.threads[i].tid, NULL);
	exit_code = 0;
	LOG(LOG_INFO, "stopped after %ld requests", (long)atomic_load(&s.requests));
out:
	if (m.sigterm) event_free(m.sigterm);
	if (m.sigint) event_free(m.sigint);
	if (m.sighup) event_free(m.sighup);
	if (m.tick) event_free(m.tick);
	if (m.drain) event_free(m.drain);
	for (int i = 0; s.threads && i < s.nthreads; i++) {
		if (s.threads[i].http) evhttp_free(s.threads[i].http);
		if (s.threads[i].base) event_base_free(s.threads[i].base);
		store_close(s.threads[i].rd);
	}
	srv_tick_stop(&s);
	store_writer_stop(s.writer); /* drains: everything acknowledged is committed */
	pool_free(s.pool);
	store_close(s.main_rd);
	static_free(s.web);
	if (s.main_base) event_base_free(s.main_base);
	if (s.listen_fd >= 0) close(s.listen_fd);
	if (atomic_load(&s.ssl)) SSL_CTX_free(atomic_load(&s.ssl));
	for (int i = 0; i < s.n_retired; i++)
		SSL_CTX_free(s.retired_ssl[i]);
	free(s.threads);
	free(s.dummy_hash);
	free(cert);
	free(key);
	return exit_code;
}
