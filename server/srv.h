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
#include "store.h"

struct pool;
struct static_files;
struct exam_cache;

struct srv_thread {
	struct srv *srv;
	int idx;
	struct event_base *base;
	struct evhttp *http;
	struct store *rd;          /* this thread's reader connection */
	struct evhttp_bound_socket *bound; /* the shared listening socket, in this loop */
	pthread_t tid;
};

struct srv {
	const struct config *cfg;
	_Atomic(SSL_CTX *) ssl;    /* swapped on SIGHUP (certificate reload) */
	SSL_CTX *retired_ssl[16];  /* replaced contexts, freed at exit (an SSL_new may still be reading one) */
	int n_retired;
	char *cert_path, *key_path;
	char *dummy_hash;          /* verified for unknown logins: same cost as a real account */
	struct store_writer *writer;
	struct pool *pool;
	struct static_files *web;
	struct srv_thread *threads;
	int nthreads;
	int listen_fd;
	struct event_base *main_base;
	struct store *main_rd;     /* reader for the main thread's timers */
	atomic_int pending;        /* async requests not yet answered */
	atomic_int stopping;
	atomic_long requests;
	atomic_int autosubmit_busy;
};

/* Runs fn(arg) on th's event loop (thread-safe; from any thread). */
void srv_post(struct event_base *base, void (*fn)(void *arg), void *arg);

/* Start-up and shutdown (srv.c). srv_run blocks until SIGTERM/SIGINT; returns the exit code. */
int srv_run(const struct config *cfg);

#endif
