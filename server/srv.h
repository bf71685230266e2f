/* srv.h — the server context handed to every callback: configuration, TLS, the writer,
 * the argon2id pool and the event-loop threads. No global mutable state: everything a
 * handler needs is reachable from its struct hctx. */
#ifndef LAWEXAM_SRV_H
#define LAWEXAM_SRV_H

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "store.h"

struct pool;
struct login_gate;
struct report_busy;
struct static_files;
struct exam_cache;
struct uploads;
struct jobs;

struct srv_thread {
	struct srv *srv;
	int idx;
	struct event_base *base;
	struct evhttp *http;
	struct store *rd;          /* this thread's reader connection */
	struct evhttp_bound_socket *bound; /* this loop's dup() of the listening socket */
	struct event *resume_accept; /* accepting again after a pause at the open-file limit */
	const struct timeval *tv_request; /* libevent common timeouts for the request deadline: */
	const struct timeval *tv_over;    /* --header-timeout, and shorter over the cap */
	pthread_t tid;
	/* Completions posted from other threads (writer, pool): a queue drained in slices of
	 * at most SRV_POST_SLICE_US, so a burst of replies cannot hold the loop for long. */
	pthread_mutex_t post_mu;
	struct srv_posted *post_head, *post_tail;
	int post_armed;            /* post_ev is active or scheduled: no need to wake the loop */
	struct event *post_ev;
	struct metrics_loop metrics; /* requests answered on this loop (written by it alone) */
};

struct srv {
	const struct config *cfg;
	_Atomic(SSL_CTX *) ssl;    /* swapped on SIGHUP (certificate reload) */
	SSL_CTX *retired_ssl[16];  /* replaced contexts, freed at exit (an SSL_new may still be reading one) */
	int n_retired;
	char *cert_path, *key_path;
	struct pw_params pw;       /* argon2id parameters for new hashes (the database setting) */
	char *dummy_hash;          /* verified for unknown logins: same cost as a real account */
	struct store_writer *writer;
	struct pool *pool;
	struct login_gate *gate;   /* password checks in flight per throttle key (h_auth.c) */
	struct static_files *web;
	struct uploads *uploads;   /* files sent in parts, shared by the loops (upload.h) */
	struct report_busy *report_busy; /* users with a report being built or sent (h_report.c) */
	struct jobs *jobs;         /* progress of long requests (roster imports), polled by the page (jobs.h) */
	struct srv_thread *threads;
	int nthreads;
	int listen_fd;
	struct event_base *main_base;
	struct store *main_rd;     /* reader for the main thread's timers */
	atomic_int pending;        /* async requests not yet answered */
	atomic_int stopping;
	atomic_int cancel;         /* set after the loops stop: queued hash work is not started */
	atomic_long requests;
	atomic_llong last_request_ms; /* monotonic ms of the latest request (shutdown waits for quiet) */
	atomic_int autosubmit_busy;
	atomic_int liveness_busy;    /* a liveness mark is queued on the writer */
	atomic_int liveness_failed;  /* the last mark failed: the next good one credits the gap */
	int64_t liveness_next;       /* main thread: when to queue the next mark */
	int conn_idx;              /* SSL ex_data index of each connection's struct srv_conn */
	int max_connections;       /* --max-connections, lowered to fit the open-file limit */
	int fd_ceiling;            /* connections at which accepting pauses (open-file limit) */
	atomic_int connections;    /* accepted and not yet freed (TLS handshakes included) */
	atomic_long conn_warned_ms; /* when "over the cap" was last logged (rate limit) */
	int64_t started_at;        /* Unix seconds, for /metrics (process_start_time_seconds) */
};

/* Runs fn(arg) on th's loop, in order with th's other posted work; from any thread. */
void srv_thread_post(struct srv_thread *th, void (*fn)(void *arg), void *arg);
/* The posting queue of a loop thread: set up once its base exists; freed with the thread. */
int srv_thread_post_init(struct srv_thread *th);
void srv_thread_post_free(struct srv_thread *th);
/* Runs everything posted to th now, whatever it costs (shutdown); returns how many ran. */
int srv_thread_post_drain(struct srv_thread *th);

/* Per-connection state (srv.c): the connection cap and the request deadline. Every accepted
 * connection must deliver a whole request within --header-timeout (from accept, or from the
 * end of the previous response), however slowly it trickles bytes in; else it is closed. */
struct srv_conn;
/* The connection req arrived on; NULL once that connection is gone (a late reply). */
struct srv_conn *srv_conn_of(struct srv *s, struct evhttp_request *req);
/* A whole request arrived: stops the deadline. Returns 1 when the connection was accepted
 * over --max-connections (answer 503 overloaded and close), else 0. */
int srv_conn_request(struct srv_conn *cn);
/* Arms the deadline again once req's response has been sent (keep-alive). */
void srv_conn_replying(struct srv_conn *cn, struct evhttp_request *req);
/* After evhttp_send_reply: joins a small reply's headers and body into one TLS record. */
void srv_conn_replied(struct srv_conn *cn);

/* The login gate (h_auth.c): how many password checks are in flight per throttle key
 * (account, client address) in this process, shared by every loop, and the requests waiting
 * for their turn. A client address may have at most addr_cap checks in flight. */
/* h_report.c: the set of users with a report in progress (one report per user at a time). */
struct report_busy *report_busy_new(void);
void report_busy_free(struct report_busy *b);
struct login_gate *login_gate_new(int addr_cap);
void login_gate_free(struct login_gate *g);
/* Shutdown, once the loops have stopped and srv->cancel is set: every waiting request is
 * posted to its loop to be answered 503 shutting_down (by the run_posted that follows). */
void login_gate_cancel(struct login_gate *g);

/* Start-up and shutdown (srv.c). srv_run blocks until SIGTERM/SIGINT; returns the exit code. */
int srv_run(const struct config *cfg);

#endif
