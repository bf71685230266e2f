/* store_writer.c — the one writer thread of a process (group commit, on either backend).
 * Callers queue jobs; the thread takes everything pending (up to WRITER_BATCH_MAX), runs each
 * job in its own savepoint inside one transaction, commits once (early, when the batch has run
 * WRITER_BATCH_BUDGET_US: the rest wait at the front of the queue), then calls each job's done
 * callback (on this thread).
 * So a burst of N saves costs a handful of commits, and one bad job never rolls back its
 * neighbours — unless the engine itself ended the transaction (SQLite: disk full, I/O error;
 * PostgreSQL: the connection or the primary went away): then the whole batch fails, and
 * nothing of it is acknowledged. On SQLite the driver runs a checkpointer beside the writer
 * (store_sqlite.c). */
#include "store_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mem.h"
#include "store_stats.h"

#define WRITER_BATCH_MAX 256
/* A batch commits once it has run this long: a save queued behind a storm of starts (each
 * some hundreds of microseconds, on PostgreSQL a millisecond and more) waits for at most
 * about two such slices, not for 256 starts (docs/benchmarks.md, the day on PostgreSQL). */
#define WRITER_BATCH_BUDGET_US 10000

struct job {
	store_job_fn fn;
	store_bulk_fn bulk; /* NULL, or this job may run in a bulk run with others of the same key */
	const void *key;
	store_done_fn done;
	void *arg;
	int rc;
	struct lx_err err;
	struct job *next;
};

struct store_writer {
	struct store *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	int stopping;
	_Atomic size_t queued; /* metrics: jobs waiting, not yet taken into a batch */
	uint64_t batches, jobs;
	void *aux; /* the driver's work beside the writer (SQLite: the checkpointer) */
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Ends the savepoint of the job (or bulk run) that just succeeded: opens the next one at
 * once (*open) unless this is the last of the transaction. */
static int end_savepoint(struct store_writer *w, int last, int *open, struct lx_err *e)
{
	int rc;
	if (last)
		return store_release(w->db, e);
	rc = store_release_savepoint(w->db, e);
	*open = rc == LX_OK;
	return rc;
}

struct batch_state {
	int open;       /* the next savepoint is open already (made with the last release) */
	int64_t t0;     /* when the transaction began (WRITER_BATCH_BUDGET_US) */
	int ended;      /* the last job of the transaction has run */
	int rc;         /* the engine ended the transaction: the batch fails with this */
	struct lx_err e;
};

/* The transaction ends after this job when nothing follows it or the budget is spent. */
static int is_last(struct batch_state *b, const struct job *next)
{
	return !next || mono_us() - b->t0 >= WRITER_BATCH_BUDGET_US;
}

/* Fails the batch when the engine ended the transaction; else undoes the failed job or run. */
static int after_failure(struct store_writer *w, struct batch_state *b, int rc, const struct lx_err *e)
{
	if (!store_in_tx(w->db)) {
		/* The engine ended the whole transaction (SQLite: SQLITE_FULL, an I/O error;
		 * PostgreSQL: the connection is gone): the jobs before this one are gone too, and
		 * the ones after it must not run outside the transaction. The batch fails with
		 * this job's error. */
		b->rc = rc;
		b->e = *e;
		b->e.tag = NULL;
		return -1;
	}
	store_rollback_to(w->db);
	return 0;
}

/* One job in its own savepoint. may_end: the transaction may end after it. -1: the batch failed. */
static int run_alone(struct store_writer *w, struct batch_state *b, struct job *j, int may_end)
{
	memset(&j->err, 0, sizeof j->err);
	j->rc = b->open ? LX_OK : store_savepoint(w->db, &j->err);
	b->open = 0;
	if (j->rc == LX_OK) {
		j->rc = j->fn(w->db, j->arg, &j->err);
		if (j->rc == LX_OK) {
			b->ended = may_end && is_last(b, j->next);
			j->rc = end_savepoint(w, b->ended, &b->open, &j->err);
		}
	}
	return j->rc == LX_OK ? 0 : after_failure(w, b, j->rc, &j->err);
}

/* The n jobs from first on (same bulk and key) in one savepoint. 0: done; 1: run them alone
 * instead (rolled back); -1: the batch failed. */
static int run_bulk(struct store_writer *w, struct batch_state *b, struct job *first, size_t n)
{
	void *args[WRITER_BATCH_MAX];
	int rcs[WRITER_BATCH_MAX];
	struct lx_err errs[WRITER_BATCH_MAX], e = {0};
	struct job *j = first, *last = first;
	int rc = b->open ? LX_OK : store_savepoint(w->db, &e);
	size_t i;

	b->open = 0;
	for (i = 0; i < n; i++, j = j->next) {
		args[i] = j->arg;
		rcs[i] = LX_OK;
		memset(&errs[i], 0, sizeof errs[i]);
		last = j;
	}
	if (rc == LX_OK)
		rc = first->bulk(w->db, args, rcs, errs, n, &e);
	if (rc == LX_OK) {
		b->ended = is_last(b, last->next);
		rc = end_savepoint(w, b->ended, &b->open, &e);
	}
	if (rc != LX_OK) {
		b->ended = 0;
		return after_failure(w, b, rc, &e) < 0 ? -1 : 1;
	}
	for (i = 0, j = first; i < n; i++, j = j->next) {
		j->rc = rcs[i];
		j->err = errs[i];
	}
	return 0;
}

/* Runs batch in one transaction and calls each job's done. Returns the jobs it did not
 * run: once WRITER_BATCH_BUDGET_US have gone by, the transaction commits after the job (or
 * bulk run) in hand, and the rest go back to the front of the queue for the next one. */
static struct job *run_batch(struct store_writer *w, struct job *batch)
{
	struct batch_state b = {0};
	int rc = store_begin(w->db, &b.e);
	struct job *j, *rest = NULL;
	size_t n = 0;

	if (rc == LX_OK) {
		b.t0 = mono_us();
		for (j = batch; j && !b.rc;) {
			struct job *end = j->next, *k;
			size_t run = 1;
			int how = 1; /* 1: each job alone */
			while (j->bulk && end && end->bulk == j->bulk && end->key == j->key) {
				end = end->next;
				run++;
			}
			if (run > 1)
				how = run_bulk(w, &b, j, run);
			for (k = j; how == 1 && k != end; k = k->next)
				if (run_alone(w, &b, k, k->next == end) < 0)
					break;
			if (b.rc)
				break;
			for (k = j; k->next != end; k = k->next)
				;
			if (b.ended && end) {
				rest = end;
				k->next = NULL;
				break;
			}
			j = end;
		}
		rc = b.rc;
		if (rc == LX_OK)
			rc = store_commit(w->db, &b.e);
	}
	if (rc) {
		LOG(LOG_ERROR, "writer: transaction failed: %s", b.e.msg);
		store_rollback(w->db);
		for (j = batch; j; j = j->next) {
			j->rc = rc == LX_ERR_BUSY ? LX_ERR_BUSY : LX_ERR_STORAGE;
			j->err = b.e;
			j->err.code = j->rc;
		}
	}
	w->batches++;
	while (batch) {
		j = batch;
		batch = batch->next;
		w->jobs++;
		n++;
		if (j->done)
			j->done(j->rc, &j->err, j->arg);
		free(j);
	}
	store_stats_batch(n); /* metrics: batch size */
	return rest;
}

static void *writer_main(void *arg)
{
	struct store_writer *w = arg;
	for (;;) {
		struct job *batch, *rest;
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		/* Take at most WRITER_BATCH_MAX jobs: replies start flowing while more queue up,
		 * and a storm cannot hold thousands of finished jobs (and their replies) at once. */
		batch = w->head;
		if (batch) {
			struct job *last = batch;
			size_t n = 1;
			for (; n < WRITER_BATCH_MAX && last->next; n++)
				last = last->next;
			w->head = last->next;
			if (!w->head)
				w->tail = NULL;
			last->next = NULL;
			atomic_fetch_sub(&w->queued, n); /* metrics: queue depth */
		}
		if (!batch && w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		pthread_mutex_unlock(&w->mu);
		rest = run_batch(w, batch);
		if (rest) { /* back to the front of the queue, in their order */
			struct job *last = rest;
			size_t n = 1;
			for (; last->next; n++)
				last = last->next;
			pthread_mutex_lock(&w->mu);
			last->next = w->head;
			w->head = rest;
			if (!w->tail)
				w->tail = last;
			atomic_fetch_add(&w->queued, n);
			pthread_mutex_unlock(&w->mu);
		}
	}
	return NULL;
}

int store_writer_start(const char *target, struct store_writer **out, struct lx_err *e)
{
	struct store_writer *w = lx_calloc(1, sizeof *w);
	int rc = store_open(target, 0, &w->db, e);
	if (rc) {
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (w->db->drv->writer_attach)
		w->aux = w->db->drv->writer_attach(w->db, target);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		if (w->aux)
			w->db->drv->writer_detach(w->aux);
		store_close(w->db);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return err_set(e, LX_ERR_INTERNAL, "cannot start the writer thread");
	}
	*out = w;
	return LX_OK;
}

void store_writer_submit(struct store_writer *w, store_job_fn fn, store_done_fn done, void *arg)
{
	store_writer_submit_bulk(w, fn, NULL, NULL, done, arg);
}

void store_writer_submit_bulk(struct store_writer *w, store_job_fn fn, store_bulk_fn bulk, const void *key,
			      store_done_fn done, void *arg)
{
	struct job *j = lx_calloc(1, sizeof *j);
	j->fn = fn;
	j->bulk = bulk;
	j->key = key;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	atomic_fetch_add(&w->queued, 1); /* metrics */
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void store_writer_stop(struct store_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->aux)
		w->db->drv->writer_detach(w->aux);
	store_close(w->db);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

uint64_t store_writer_batches(struct store_writer *w) { return w->batches; }
uint64_t store_writer_jobs(struct store_writer *w) { return w->jobs; }
uint64_t store_writer_checkpoints(struct store_writer *w)
{
	return w->aux && w->db->drv->writer_checkpoints ? w->db->drv->writer_checkpoints(w->aux) : 0;
}
size_t store_writer_queue_depth(struct store_writer *w) { return atomic_load(&w->queued); } /* metrics */
