/* store_writer.c — the one writer thread. Callers queue jobs; the thread takes everything
 * pending, runs each job in its own savepoint inside one transaction, commits once, then
 * calls each job's done callback (on this thread). So a burst of N saves costs a handful of
 * commits, and one bad job never rolls back its neighbours — unless SQLite itself rolled the
 * transaction back (disk full, I/O error): then the whole batch fails, and nothing of it is
 * acknowledged.
 *
 * Checkpoints do not run inside the writer's COMMIT (SQLite's automatic checkpoint would copy
 * the WAL back and fsync the database while every queued save waits): a second thread with a
 * connection of its own runs a PASSIVE checkpoint whenever a commit leaves the WAL longer than
 * CHECKPOINT_FRAMES pages. The writer never waits for it. */
#include "store_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

#define WRITER_BATCH_MAX 256
#define CHECKPOINT_FRAMES 1000  /* SQLite's own automatic checkpoint threshold */
#define CHECKPOINT_INLINE 20000 /* ~80 MiB: the writer checkpoints itself (see wal_hook) */

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
	uint64_t batches, jobs;
	/* the checkpointer: its connection, thread, and a request flag guarded by mu */
	struct store *ck;
	pthread_t ck_thread;
	pthread_cond_t ck_cv;
	int ck_wanted, ck_started;
	_Atomic uint64_t checkpoints;
};

static void run_batch(struct store_writer *w, struct job *batch)
{
	struct lx_err e = {0};
	int rc = store_begin(w->db, &e);
	struct job *j;

	if (rc == LX_OK) {
		for (j = batch; j; j = j->next) {
			memset(&j->err, 0, sizeof j->err);
			j->rc = store_savepoint(w->db, &j->err);
			if (j->rc == LX_OK) {
				j->rc = j->fn(w->db, j->arg, &j->err);
				if (j->rc == LX_OK)
					j->rc = store_release(w->db, &j->err);
			}
			if (j->rc == LX_OK)
				continue;
			if (sqlite3_get_autocommit(w->db->db)) {
				/* SQLite rolled the whole transaction back (SQLITE_FULL, an I/O error, …):
				 * the jobs before this one are gone too, and the ones after it must not
				 * run outside the transaction. The batch fails with this job's error. */
				rc = j->rc;
				e = j->err;
				e.tag = NULL;
				break;
			}
			store_rollback_to(w->db);
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
		if (j->done)
			j->done(j->rc, &j->err, j->arg);
		free(j);
	}
}

static void *writer_main(void *arg)
{
	struct store_writer *w = arg;
	for (;;) {
		struct job *batch;
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		/* Take at most WRITER_BATCH_MAX jobs: replies start flowing while more queue up,
		 * and a storm cannot hold thousands of finished jobs (and their replies) at once. */
		batch = w->head;
		if (batch) {
			struct job *last = batch;
			for (int n = 1; n < WRITER_BATCH_MAX && last->next; n++)
				last = last->next;
			w->head = last->next;
			if (!w->head)
				w->tail = NULL;
			last->next = NULL;
		}
		if (!batch && w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		pthread_mutex_unlock(&w->mu);
		run_batch(w, batch);
	}
	return NULL;
}

/* Runs on the writer thread after each commit (SQLite's WAL hook). */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_writer *w = arg;
	(void)name;
	if (frames >= CHECKPOINT_INLINE) {
		/* Under a write load that never pauses, the checkpointer is always a few commits
		 * behind, the WAL never restarts and keeps growing. Past this size the writer
		 * copies it back itself, as SQLite would: nothing can be appended meanwhile, so the
		 * next transaction restarts the WAL. Rare: only saturation benchmarks reach it. */
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= CHECKPOINT_FRAMES) {
		pthread_mutex_lock(&w->mu);
		if (!w->ck_wanted) {
			w->ck_wanted = 1;
			pthread_cond_signal(&w->ck_cv);
		}
		pthread_mutex_unlock(&w->mu);
	}
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	struct store_writer *w = arg;
	for (;;) {
		int nlog = 0, nckpt = 0, src;
		pthread_mutex_lock(&w->mu);
		while (!w->ck_wanted && !w->stopping)
			pthread_cond_wait(&w->ck_cv, &w->mu);
		if (w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		w->ck_wanted = 0;
		pthread_mutex_unlock(&w->mu);
		/* PASSIVE: copies what no reader still needs, never blocks the writer or readers;
		 * what it cannot copy now is copied next time. */
		src = sqlite3_wal_checkpoint_v2(w->ck->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
		if (src != SQLITE_OK && src != SQLITE_BUSY)
			LOG(LOG_WARN, "checkpoint failed: %s (the WAL keeps growing until one succeeds)",
			    sqlite3_errmsg(w->ck->db));
		atomic_fetch_add(&w->checkpoints, 1);
	}
	return NULL;
}

int store_writer_start(const char *path, struct store_writer **out, struct lx_err *e)
{
	struct store_writer *w = lx_calloc(1, sizeof *w);
	int rc = store_open(path, 0, &w->db, e);
	if (rc) {
		free(w);
		return rc;
	}
	rc = store_open(path, 0, &w->ck, e);
	if (rc) {
		store_close(w->db);
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->ck_cv, NULL);
	/* Replaces SQLite's automatic checkpoint on the writer's connection. */
	sqlite3_wal_hook(w->db->db, wal_hook, w);
	if (pthread_create(&w->ck_thread, NULL, checkpointer_main, w) == 0)
		w->ck_started = 1;
	else
		sqlite3_wal_autocheckpoint(w->db->db, CHECKPOINT_FRAMES); /* no thread: checkpoint in COMMIT */
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_lock(&w->mu);
		w->stopping = 1;
		pthread_cond_signal(&w->ck_cv);
		pthread_mutex_unlock(&w->mu);
		if (w->ck_started)
			pthread_join(w->ck_thread, NULL);
		store_close(w->ck);
		store_close(w->db);
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
	pthread_cond_signal(&w->ck_cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->ck_started)
		pthread_join(w->ck_thread, NULL);
	store_close(w->ck);
	store_close(w->db);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->ck_cv);
	free(w);
}

uint64_t store_writer_batches(struct store_writer *w) { return w->batches; }
uint64_t store_writer_jobs(struct store_writer *w) { return w->jobs; }
uint64_t store_writer_checkpoints(struct store_writer *w) { return atomic_load(&w->checkpoints); }
