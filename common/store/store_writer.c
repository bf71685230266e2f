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

/* Runs batch in one transaction and calls each job's done. Returns the jobs it did not
 * run: once WRITER_BATCH_BUDGET_US have gone by, the transaction commits after the job in
 * hand, and the rest go back to the front of the queue for the next one. */
static struct job *run_batch(struct store_writer *w, struct job *batch)
{
	struct lx_err e = {0};
	int rc = store_begin(w->db, &e);
	struct job *j, *rest = NULL;
	size_t n = 0;

	if (rc == LX_OK) {
		int open = 0; /* the job's savepoint is open already (made with the last release) */
		int64_t t0 = mono_us();
		for (j = batch; j; j = j->next) {
			int last = !j->next;
			memset(&j->err, 0, sizeof j->err);
			j->rc = open ? LX_OK : store_savepoint(w->db, &j->err);
			open = 0;
			if (j->rc == LX_OK) {
				j->rc = j->fn(w->db, j->arg, &j->err);
				last = last || mono_us() - t0 >= WRITER_BATCH_BUDGET_US;
				if (j->rc == LX_OK && !last) {
					j->rc = store_release_savepoint(w->db, &j->err);
					open = j->rc == LX_OK;
				} else if (j->rc == LX_OK) {
					j->rc = store_release(w->db, &j->err);
				}
			}
			if (j->rc != LX_OK) {
				if (!store_in_tx(w->db)) {
					/* The engine ended the whole transaction (SQLite: SQLITE_FULL, an
					 * I/O error; PostgreSQL: the connection is gone): the jobs before
					 * this one are gone too, and the ones after it must not run outside
					 * the transaction. The batch fails with this job's error. */
					rc = j->rc;
					e = j->err;
					e.tag = NULL;
					break;
				}
				store_rollback_to(w->db);
			}
			if (last && j->next) {
				rest = j->next;
				j->next = NULL;
				break;
			}
		}
		if (rc == LX_OK)
			rc = store_commit(w->db, &e);
	}
	if (rc) {
		LOG(LOG_ERROR, "writer: transaction failed: %s", e.msg);
		store_rollback(w->db);
		for (j = batch; j; j = j->next) {
			j->rc = rc == LX_ERR_BUSY ? LX_ERR_BUSY : LX_ERR_STORAGE;
			j->err = e;
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
	struct job *j = lx_calloc(1, sizeof *j);
	j->fn = fn;
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
