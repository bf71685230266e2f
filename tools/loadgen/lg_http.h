/* lg_http.h — the load generator's HTTP/1.1 client over keep-alive TLS connections
 * (libevent bufferevent_openssl), one request in flight per connection, with per-kind
 * latency and status accounting. Owns sockets, TLS and response parsing; does not know
 * what an examinee is (loadgen.c does). */
#ifndef LAWEXAM_LG_HTTP_H
#define LAWEXAM_LG_HTTP_H

#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "lg_hist.h"

/* K_SAVE_SW: the subset of a day's saves (K_SAVE) sent while the start window is open.
 * K_PSET, K_PANSWER: practice sets made and practice answers (--practicers, SPEC §13). */
enum lg_kind { K_LOGIN, K_START, K_SAVE, K_SAVE_SW, K_SUBMIT, K_VERIFY, K_GET, K_PROBE, K_PSET, K_PANSWER, K_N };
extern const char *const lg_kind_name[K_N];

/* Pseudo-statuses for failures without an HTTP status. */
#define LG_ST_CONN 0    /* connection failed or closed before the answer */
#define LG_ST_TIMEOUT 1 /* no answer within --timeout */
#define LG_ST_PROTO 2   /* unparseable answer */
#define LG_NSTATUS 600

#define LG_TL_SECS 4096 /* timeline: one slot per second of a phase */
struct lg_tl {
	uint32_t n, slow;      /* answers, answers slower than 50 ms */
	uint32_t max_us;
};

struct lg_stats {
	struct lg_hist h;
	struct lg_tl *tl;      /* LG_TL_SECS slots, allocated on first use */
	uint64_t status[LG_NSTATUS];
	int64_t first_us, last_us; /* first send, last completion (monotonic µs) */
};

struct lg_thread {
	int idx;
	struct event_base *base;
	SSL_CTX *ssl;
	struct sockaddr_in dest;
	int n_src;            /* source addresses 127.0.0.1 .. 127.0.0.n_src (0 = kernel's choice) */
	unsigned src_next;
	int timeout_s;
	_Atomic int *remaining; /* examinees still busy in this phase (all threads) */
	int64_t tl_t0;          /* the phase's start, for the timeline */
	struct lg_stats stats[K_N];
	struct event *watchdog;
	uint64_t connects, retries, conn_fail;
};

struct lg_conn;
/* Completion: status is the HTTP status or an LG_ST_*; body (NUL-terminated, may be
 * empty) valid only during the call. */
typedef void (*lg_done_fn)(struct lg_conn *c, int status, const char *body, size_t len, void *arg);

struct lg_pending;

struct lg_conn {
	struct lg_thread *t;
	struct lg_pending *qhead, *qtail; /* requests waiting for this connection (shared by examinees) */
	struct bufferevent *bev;
	struct event *timer;
	int connected;        /* a bufferevent exists */
	int busy;             /* a request in flight */
	int got_bytes;        /* some of the answer arrived */
	int reused;           /* the request went out on a connection that served one before */
	int retried;
	int served;           /* answers on the current connection */
	/* parser */
	int in_body;
	int status;
	size_t clen;
	int close_after;
	char set_cookie[96];  /* lawexam_session value from the last Set-Cookie */
	/* the request in flight (kept for one retry) */
	char *req;
	size_t req_len, req_cap;
	enum lg_kind kind;
	int want_body;
	int64_t t0;
	lg_done_fn done;
	void *arg;
};

int64_t lg_now_us(void);
SSL_CTX *lg_ssl_ctx(void);
void lg_conn_init(struct lg_conn *c, struct lg_thread *t);
void lg_conn_close(struct lg_conn *c);
/* Closes c and frees what it owns (buffers, timer, queued requests); c itself is the caller's. */
void lg_conn_free(struct lg_conn *c);
/* Sends one request (connecting first when needed; queued behind the one in flight when the
 * connection is shared, its latency then counting from the call). headers: extra header lines, each
 * ending in \r\n (may be NULL). body may be NULL. done runs exactly once. */
void lg_send(struct lg_conn *c, enum lg_kind kind, const char *method, const char *path, const char *headers,
	     const char *body, int want_body, lg_done_fn done, void *arg);
void lg_stats_merge(struct lg_stats *into, const struct lg_stats *from);

#endif
