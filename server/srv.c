/* srv.c — lawexamd's life cycle: open the store, TLS, the listening socket, the writer,
 * the hash pool and N event-loop threads sharing one socket; the main thread handles
 * signals and the once-a-second tick (auto-submit); graceful shutdown on SIGTERM/SIGINT:
 * stop accepting, let in-flight requests finish, drain the writer, exit 0 within 5 s.
 * Also each connection's life: the --max-connections count and the request deadline. */
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
#include <netinet/tcp.h>
#include <event2/listener.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "jobs.h"
#include "log.h"
#include "mem.h"
#include "pdf.h"
#include "pool.h"
#include "pw.h"
#include "store_accounts.h"
#include "srv_tick.h"
#include "static.h"
#include "tls.h"
#include "upload.h"

/* --- completions posted to a loop thread ---------------------------------------------
 * The writer finishes a batch of up to 256 jobs at once, and each reply may cost the loop a
 * millisecond (a start builds its paper). Run one after another, a batch would hold the loop
 * for a quarter of a second while other clients' requests (a probe, a save) wait unread. So
 * the loop drains its queue in slices: past SRV_POST_SLICE_US it schedules the rest behind
 * the sockets that are ready by then (a zero timeout fires after the I/O of the next
 * iteration), and the writer wakes the loop only when the queue was idle. */
#define SRV_POST_SLICE_US 2000

struct srv_posted {
	void (*fn)(void *arg);
	void *arg;
	struct srv_posted *next;
};

static struct srv_posted *post_pop(struct srv_thread *th)
{
	struct srv_posted *p;
	pthread_mutex_lock(&th->post_mu);
	p = th->post_head;
	if (p) {
		th->post_head = p->next;
		if (!th->post_head)
			th->post_tail = NULL;
	} else {
		th->post_armed = 0;
	}
	pthread_mutex_unlock(&th->post_mu);
	return p;
}

/* Runs posted work in order until none is left, or until budget_us (0: no limit) is spent;
 * returns how many ran. With work left the queue stays armed for the caller to reschedule. */
static int post_run(struct srv_thread *th, long budget_us, int *left)
{
	struct timespec t0, t;
	struct srv_posted *p;
	int n = 0;
	*left = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((p = post_pop(th))) {
		p->fn(p->arg);
		free(p);
		n++;
		if (!budget_us)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 >= budget_us) {
			*left = 1;
			break;
		}
	}
	return n;
}

static void post_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval zero = {0, 0};
	struct srv_thread *th = arg;
	int left;
	post_run(th, SRV_POST_SLICE_US, &left);
	if (left)
		event_add(th->post_ev, &zero); /* still armed: the rest after the ready sockets */
}

int srv_thread_post_init(struct srv_thread *th)
{
	pthread_mutex_init(&th->post_mu, NULL);
	th->post_head = th->post_tail = NULL;
	th->post_armed = 0;
	th->post_ev = event_new(th->base, -1, 0, post_cb, th);
	return th->post_ev ? LX_OK : LX_ERR_INTERNAL;
}

void srv_thread_post(struct srv_thread *th, void (*fn)(void *arg), void *arg)
{
	struct srv_posted *p = lx_malloc(sizeof *p);
	int wake;
	p->fn = fn;
	p->arg = arg;
	p->next = NULL;
	pthread_mutex_lock(&th->post_mu);
	if (th->post_tail)
		th->post_tail->next = p;
	else
		th->post_head = p;
	th->post_tail = p;
	wake = !th->post_armed;
	th->post_armed = 1;
	pthread_mutex_unlock(&th->post_mu);
	if (wake)
		event_active(th->post_ev, EV_TIMEOUT, 1);
}

int srv_thread_post_drain(struct srv_thread *th)
{
	int left;
	return th->post_ev ? post_run(th, 0, &left) : 0;
}

void srv_thread_post_free(struct srv_thread *th)
{
	if (!th->post_ev)
		return;
	srv_thread_post_drain(th);
	event_free(th->post_ev);
	th->post_ev = NULL;
	pthread_mutex_destroy(&th->post_mu);
}

static void libevent_log(int severity, const char *msg)
{
	int lv = severity >= EVENT_LOG_ERR ? LOG_ERROR : severity == EVENT_LOG_WARN ? LOG_WARN : LOG_DEBUG;
	LOG(lv, "libevent: %s", msg);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- connections: the cap and the request deadline ------------------------------------
 * libevent 2.1's own timeout (evhttp_set_timeout) restarts on every byte read, so a client
 * trickling a request, or a TLS ClientHello, one byte at a time would hold its connection
 * for ever. Each connection therefore carries a deadline of its own: a whole request within
 * --header-timeout of the accept (or of the end of the previous response). It lives in the
 * SSL object's ex_data, so it is freed with the connection however the connection ends:
 * OpenSSL calls conn_free_cb from SSL_free, in the bufferevent's destructor. */

struct srv_conn {
	struct srv_thread *th;
	struct bufferevent *bev;  /* borrowed: it owns the SSL that owns this struct */
	struct event *deadline;
	int over;                 /* accepted over --max-connections */
};

static void conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_conn *cn = arg;
	evutil_socket_t sock = bufferevent_getfd(cn->bev);
	LOG(LOG_DEBUG, "closing a connection that sent no whole request within %d s", cn->th->srv->cfg->header_timeout);
	/* evhttp then reads EOF and frees the connection the usual way. */
	if (sock >= 0)
		shutdown(sock, SHUT_RDWR);
}

static void conn_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct srv_conn *cn = ptr;
	if (!cn)
		return;
	event_free(cn->deadline);
	atomic_fetch_sub(&cn->th->srv->connections, 1);
	free(cn);
}

static void conn_arm(struct srv_conn *cn)
{
	event_add(cn->deadline, cn->over ? cn->th->tv_over : cn->th->tv_request);
}

struct srv_conn *srv_conn_of(struct srv *s, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	return ssl ? SSL_get_ex_data(ssl, s->conn_idx) : NULL;
}

int srv_conn_request(struct srv_conn *cn)
{
	event_del(cn->deadline);
	return cn->over;
}

static void conn_sent_cb(struct evhttp_request *req, void *arg)
{
	conn_arm(arg);
}

void srv_conn_replying(struct srv_conn *cn, struct evhttp_request *req)
{
	evhttp_request_set_on_complete_cb(req, conn_sent_cb, cn);
}

/* evhttp queues a reply as two evbuffer chains, the headers and the body, and
 * bufferevent_openssl turns each chain into a TLS record and a write(): two TCP segments
 * per reply, and the client wakes twice. Joining them while they wait for the socket makes
 * one record and one write (measured in docs/benchmarks.md). Large replies (files, reports)
 * are left alone: copying them costs more than a second record. */
void srv_conn_replied(struct srv_conn *cn)
{
	struct evbuffer *out = bufferevent_get_output(cn->bev);
	size_t n = evbuffer_get_length(out);
	if (n > 0 && n <= 16384)
		evbuffer_pullup(out, -1);
}

/* The TLS wrapper for every accepted connection. It must never return NULL: libevent 2.1
 * would then serve the connection as plain HTTP. Out of memory here is fail-stop. */
static struct bufferevent *bevcb(struct event_base *base, void *arg)
{
	struct srv_thread *th = arg;
	struct srv *s = th->srv;
	SSL *ssl = SSL_new(atomic_load(&s->ssl));
	struct srv_conn *cn = lx_calloc(1, sizeof *cn);
	struct bufferevent *bev;
	int n;
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
	cn->th = th;
	cn->bev = bev;
	cn->deadline = evtimer_new(base, conn_deadline_cb, cn);
	if (!cn->deadline) {
		LOG(LOG_ERROR, "evtimer_new failed, aborting");
		abort();
	}
	n = atomic_fetch_add(&s->connections, 1) + 1;
	cn->over = n > s->max_connections;
	SSL_set_ex_data(ssl, s->conn_idx, cn); /* from here on SSL_free frees cn */
	conn_arm(cn);
	if (n >= s->fd_ceiling && th->bound) {
		/* Descriptors nearly gone: stop accepting on this loop for 100 ms rather than let
		 * accept() fail with EMFILE, which libevent 2.1 retries in a busy loop. Clients
		 * wait in the kernel's backlog meanwhile. */
		static const struct timeval pause = {0, 100000};
		evconnlistener_disable(evhttp_bound_socket_get_listener(th->bound));
		event_add(th->resume_accept, &pause);
	} else if (s->nthreads > 1 && th->bound) {
		/* Every loop watches the one listening socket, and libevent's listener accepts until
		 * the backlog is empty: a burst of connections would all land on the loop that woke
		 * first (seen: 2:1 CPU between two loops at 256 connections). One accept per loop
		 * iteration lets the loops share a burst by how busy they are. */
		evconnlistener_disable(evhttp_bound_socket_get_listener(th->bound));
		event_active(th->resume_accept, EV_TIMEOUT, 1);
	}
	if (cn->over) {
		long now = (long)mono_ms(), last = atomic_load(&s->conn_warned_ms);
		if (now - last >= 1000 && atomic_compare_exchange_strong(&s->conn_warned_ms, &last, now))
			LOG(LOG_WARN, "%d connections open, over --max-connections %d: answering 503 overloaded%s",
			    n, s->max_connections, n >= s->fd_ceiling ? "; not accepting for 100 ms (open-file limit)" : "");
	}
	return bev;
}

static void resume_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_thread *th = arg;
	if (th->bound)
		evconnlistener_enable(evhttp_bound_socket_get_listener(th->bound));
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
	/* Accepted sockets inherit TCP_NODELAY on Linux: a reply's last TLS record must not wait
	 * for the client's delayed ACK (40 ms per request; docs/benchmarks.md, P1). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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
	struct timeval request = {s->cfg->header_timeout, 0};
	struct timeval over = {s->cfg->header_timeout < 5 ? s->cfg->header_timeout : 5, 0};
	int rc, fd;
	th->srv = s;
	th->idx = idx;
	th->base = event_base_new();
	th->http = th->base ? evhttp_new(th->base) : NULL;
	th->resume_accept = th->base ? evtimer_new(th->base, resume_accept_cb, th) : NULL;
	if (!th->http || !th->resume_accept || srv_thread_post_init(th) != LX_OK)
		return err_set(e, LX_ERR_INTERNAL, "cannot create the event loop");
	th->tv_request = event_base_init_common_timeout(th->base, &request);
	th->tv_over = event_base_init_common_timeout(th->base, &over);
	if (!th->tv_request || !th->tv_over)
		return err_set(e, LX_ERR_INTERNAL, "cannot create the event loop's timeouts");
	evhttp_set_bevcb(th->http, bevcb, th);
	evhttp_set_gencb(th->http, http_dispatch, th);
	evhttp_set_max_headers_size(th->http, 8192);
	evhttp_set_max_body_size(th->http, LX_BODY_MAX); /* larger files come in parts: h_upload.c */
	evhttp_set_timeout(th->http, s->cfg->header_timeout);
	evhttp_set_allowed_methods(th->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
						     EVHTTP_REQ_HEAD | EVHTTP_REQ_DELETE);
	evhttp_set_default_content_type(th->http, "application/json; charset=utf-8");
	rc = store_open(s->cfg->db_path, STORE_READONLY, &th->rd, e);
	if (rc)
		return rc;
	/* evhttp's listener closes its socket when freed: give each loop a dup of its own. */
	fd = fcntl(s->listen_fd, F_DUPFD_CLOEXEC, 0);
	th->bound = fd >= 0 ? evhttp_accept_socket_with_handle(th->http, fd) : NULL;
	if (!th->bound) {
		if (fd >= 0)
			close(fd);
		return err_set(e, LX_ERR_IO, "cannot accept on the listening socket: %s", strerror(errno));
	}
	return LX_OK;
}

static void stop_accepting(void *arg)
{
	struct srv_thread *th = arg;
	event_del(th->resume_accept);
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

static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mainctx *m = arg;
	int pending = atomic_load(&m->s->pending);
	int64_t now = mono_ms();
	/* Finish what is in flight: answered requests, and requests still arriving on open
	 * connections (quiet for 250 ms), within 4 s of the signal. */
	if ((pending > 0 || now - atomic_load(&m->s->last_request_ms) < 250) && now - m->stop_started_ms < 4000)
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
		srv_thread_post(&m->s->threads[i], stop_accepting, &m->s->threads[i]);
	/* The socket closes (new connections are refused) once every loop closed its dup too. */
	close(m->s->listen_fd);
	m->s->listen_fd = -1;
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

static int pw_job(struct store *db, void *arg, struct lx_err *e)
{
	return store_pw_params_set(db, arg, e);
}

/* One set of argon2id parameters for every new hash, kept in the database so lawexam-admin
 * hashes alike: --argon2-* flags update it, otherwise the stored one is used. The stand-in
 * hash for unknown logins uses it too, so an unknown login costs what a real one costs. */
static int pw_settings(struct srv *s, const struct config *cfg, struct lx_err *e)
{
	int rc;
	s->pw = cfg->pw;
	if (cfg->pw_set) {
		struct store *db = NULL;
		rc = store_open(cfg->db_path, 0, &db, e);
		if (rc == LX_OK)
			rc = store_run(db, pw_job, &s->pw, e);
		store_close(db);
	} else {
		rc = store_pw_params(s->main_rd, &s->pw, e);
	}
	if (rc)
		return rc;
	s->dummy_hash = pw_hash(&s->pw, "lawexam-unknown-login");
	return s->dummy_hash ? LX_OK : err_set(e, LX_ERR_INTERNAL, "argon2id failed with these parameters");
}

/* Runs the callbacks posted to the (stopped) event loops, until none is left. */
static void run_posted(struct srv *s)
{
	for (int i = 0; s->threads && i < s->nthreads; i++)
		if (s->threads[i].base)
			while (srv_thread_post_drain(&s->threads[i]) > 0 ||
			       (event_base_loop(s->threads[i].base, EVLOOP_NONBLOCK | EVLOOP_ONCE) == 0 &&
				event_base_get_num_events(s->threads[i].base, EVENT_BASE_COUNT_ACTIVE) > 0))
				;
}

/* Raises the open-file limit to its hard limit, then sizes the connection limits to it:
 * fd_ceiling leaves room for the descriptors that are not connections (databases, event
 * loops), and --max-connections leaves an eighth of that for the 503 answers above it. */
static void size_connections(struct srv *s, const struct config *cfg)
{
	struct rlimit rl;
	long limit = 1024, reserve = 64 + 8L * cfg->threads, room;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rlim_t was = rl.rlim_cur;
			rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				rl.rlim_cur = was;
		}
		limit = rl.rlim_cur > (rlim_t)1 << 20 ? 1L << 20 : (long)rl.rlim_cur;
	}
	s->fd_ceiling = (int)(limit > 2 * reserve ? limit - reserve : limit / 2);
	room = s->fd_ceiling - s->fd_ceiling / 8;
	s->max_connections = cfg->max_connections;
	if (s->max_connections > room) {
		LOG(LOG_WARN, "--max-connections %d lowered to %ld: the open-file limit is %ld (raise it: ulimit -n, "
			      "or LimitNOFILE= for systemd)", cfg->max_connections, room, limit);
		s->max_connections = (int)room;
	}
	LOG(LOG_INFO, "serving up to %d connections (open-file limit %ld)", s->max_connections, limit);
}

/* An operator who took the write bits off the database file meant it: lawexamd writes to it
 * on every save, so refuse to start (root would otherwise write through the mode). */
static int check_writable(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && !(sb.st_mode & 0222)) {
		fprintf(stderr, "lawexamd: database %s is read-only (mode %03o); lawexamd writes every answer "
				"to it: make it writable (chmod u+w) or point --db at a writable copy\n",
			path, (unsigned)(sb.st_mode & 0777));
		return -1;
	}
	return 0;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mainctx *m = arg;
	if (!atomic_load(&m->s->stopping))
		srv_tick(m->s);
}

/* The database (it must exist, be writable and migrated), the TLS context, the listening
 * socket, the writer, the argon2id settings. LX_OK, or a failure already explained on stderr
 * (*cert and *key are s's to free either way). */
static int srv_open(struct srv *s, const struct config *cfg, char **cert, char **key)
{
	struct lx_err e = {0};
	struct store *check = NULL;
	SSL_CTX *ctx = NULL;
	int made = 0;

	if (!store_target_is_uri(cfg->db_path) && check_writable(cfg->db_path) != 0)
		return LX_ERR_IO;
	if (store_open(cfg->db_path, 0, &check, &e) != LX_OK)
		goto fail;
	store_close(check);
	if (cfg->cert) {
		*cert = lx_strdup(cfg->cert);
		*key = lx_strdup(cfg->key);
	} else if (tls_selfsigned(cfg->tls_dir, cert, key, &made, &e) != LX_OK) {
		goto fail;
	} else if (made) {
		LOG(LOG_INFO, "made a self-signed certificate: %s (key %s)", *cert, *key);
	}
	if (tls_ctx_new(*cert, *key, &ctx, &e) != LX_OK)
		goto fail;
	atomic_store(&s->ssl, ctx);
	s->cert_path = *cert;
	s->key_path = *key;
	s->conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free_cb);
	if (s->conn_idx < 0) {
		err_set(&e, LX_ERR_INTERNAL, "cannot register the TLS connection data");
		goto fail;
	}
	size_connections(s, cfg);
	s->listen_fd = listen_socket(cfg, &e);
	if (s->listen_fd < 0 || store_writer_start(cfg->db_path, &s->writer, &e) != LX_OK ||
	    store_open(cfg->db_path, STORE_READONLY, &s->main_rd, &e) != LX_OK || pw_settings(s, cfg, &e) != LX_OK)
		goto fail;
	return LX_OK;
fail:
	fprintf(stderr, "lawexamd: %s\n", e.msg);
	return LX_ERR_IO;
}

/* The shared parts the loops use, the loops themselves and the tick; LX_OK or explained. */
static int srv_start(struct srv *s, const struct config *cfg)
{
	struct lx_err e = {0};

	s->pool = pool_new(cfg->hash_threads);
	s->uploads = uploads_new();
	s->jobs = jobs_new();
	s->report_busy = report_busy_new();
	/* One address may keep every hash thread busy (a whole office behind one NAT address
	 * logs in at full speed, a check also spends time in the writer) but hold no more than
	 * two checks per hash thread, and at least 4: another address's login then waits for
	 * about two hashes, not for the flood. */
	s->gate = login_gate_new(2 * cfg->hash_threads > 4 ? 2 * cfg->hash_threads : 4);
	static_load(cfg->web_root, &s->web, &e);
	s->main_base = event_base_new();
	s->nthreads = cfg->threads;
	s->threads = lx_calloc((size_t)s->nthreads, sizeof *s->threads);
	for (int i = 0; i < s->nthreads; i++)
		if (thread_init(s, &s->threads[i], i, &e) != LX_OK)
			goto fail;
	if (srv_tick_start(s, &e) != LX_OK)
		goto fail;
	for (int i = 0; i < s->nthreads; i++)
		pthread_create(&s->threads[i].tid, NULL, thread_main, &s->threads[i]);
	return LX_OK;
fail:
	fprintf(stderr, "lawexamd: %s\n", e.msg);
	return LX_ERR_INTERNAL;
}

/* The main thread's events: SIGTERM/SIGINT (stop), SIGHUP (reload the certificate), the tick. */
static void main_events(struct mainctx *m)
{
	static const struct timeval one_s = {1, 0};
	struct event_base *base = m->s->main_base;

	m->sigterm = evsignal_new(base, SIGTERM, signal_cb, m);
	m->sigint = evsignal_new(base, SIGINT, signal_cb, m);
	m->sighup = evsignal_new(base, SIGHUP, reload_cb, m);
	m->tick = event_new(base, -1, EV_PERSIST, tick_cb, m);
	event_add(m->sighup, NULL);
	event_add(m->sigterm, NULL);
	event_add(m->sigint, NULL);
	event_add(m->tick, &one_s);
}

/* Everything srv_open and srv_start made, in the order that lets in-flight work finish. */
static void srv_teardown(struct srv *s, struct mainctx *m)
{
	if (m->sigterm) event_free(m->sigterm);
	if (m->sigint) event_free(m->sigint);
	if (m->sighup) event_free(m->sighup);
	if (m->tick) event_free(m->tick);
	if (m->drain) event_free(m->drain);
	/* The loops have stopped. Hash work not started yet is cancelled (503); then what the pool
	 * and the writer still hold completes, and its replies run on the idle bases, before
	 * anything they point to is freed. Offload → write is the only chain, hence the order. */
	atomic_store(&s->cancel, 1);
	login_gate_cancel(s->gate); /* logins waiting for their turn: 503, like queued hash work */
	pool_free(s->pool);
	s->pool = NULL;
	run_posted(s);
	srv_tick_stop(s);
	store_writer_stop(s->writer); /* drains: everything acknowledged is committed */
	s->writer = NULL;
	run_posted(s);
	for (int i = 0; s->threads && i < s->nthreads; i++) {
		if (s->threads[i].http) evhttp_free(s->threads[i].http);
		if (s->threads[i].resume_accept) event_free(s->threads[i].resume_accept);
		srv_thread_post_free(&s->threads[i]);
		if (s->threads[i].base) event_base_free(s->threads[i].base); /* frees the connections' SSLs */
		store_close(s->threads[i].rd);
	}
	store_close(s->main_rd);
	login_gate_free(s->gate);
	static_free(s->web);
	uploads_free(s->uploads); /* after the pool and the writer: an import may borrow one */
	jobs_free(s->jobs);       /* after the connections: a finished request ends its job */
	report_busy_free(s->report_busy);
	if (s->main_base) event_base_free(s->main_base);
	if (s->listen_fd >= 0) close(s->listen_fd);
	if (atomic_load(&s->ssl)) SSL_CTX_free(atomic_load(&s->ssl));
	for (int i = 0; i < s->n_retired; i++)
		SSL_CTX_free(s->retired_ssl[i]);
	if (s->conn_idx >= 0)
		CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL, s->conn_idx);
	free(s->threads);
	free(s->dummy_hash);
}

int srv_run(const struct config *cfg)
{
	struct srv s;
	struct mainctx m = {0};
	char *cert = NULL, *key = NULL;
	int exit_code = 1;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	s.listen_fd = -1;
	s.conn_idx = -1;
	s.started_at = (int64_t)time(NULL);
	m.s = &s;
	evthread_use_pthreads();
	event_set_log_callback(libevent_log);
	signal(SIGPIPE, SIG_IGN);
	if (srv_open(&s, cfg, &cert, &key) != LX_OK || srv_start(&s, cfg) != LX_OK)
		goto out;
	main_events(&m);
	char shown[512];
	store_target_redact(cfg->db_path, shown, sizeof shown);
	LOG(LOG_INFO, "lawexamd listening on https://%s:%d/ (%d threads, db %s, node %s)", cfg->host, cfg->port,
	    s.nthreads, shown, cfg->node ? cfg->node : "-");
	printf("lawexamd listening on https://%s:%d/\n", cfg->host, cfg->port);
	fflush(stdout);
	event_base_dispatch(s.main_base);
	for (int i = 0; i < s.nthreads; i++)
		pthread_join(s.threads[i].tid, NULL);
	exit_code = 0;
	LOG(LOG_INFO, "stopped after %ld requests", (long)atomic_load(&s.requests));
out:
	srv_teardown(&s, &m);
	pdf_release(); /* the pool's threads, which drew the PDFs, have exited */
	free(cert);
	free(key);
	return exit_code;
}
