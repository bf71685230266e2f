/* pool.c — worker threads for slow CPU work (see pool.h). Owns the workers' scheduling
 * priority (below the event loops') and keeps their argon2id working memory between hashes
 * (pw_thread_cache); knows nothing else of the jobs it runs. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "pw.h"

struct pjob {
	void (*work)(void *arg);
	void *arg;
	struct pjob *next;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pjob *head, *tail;
	int stopping;
	int n;
	atomic_int queued;        /* jobs waiting for a worker (metrics) */
	pthread_t *tids;
};

/* Runs at the start of each worker. The pool's work (argon2id for logins and password changes,
 * bank and roster uploads) may wait; the event loops and the writer must not: a login storm
 * keeps every core busy with hashes for a minute, and /healthz, saves and submits are to be
 * answered within milliseconds meanwhile. nice +10 gives a worker about a tenth of the weight
 * of a nice-0 thread (110 vs 1024), so a woken event loop runs first, yet the pool is never
 * starved as SCHED_IDLE can be (a busy neighbour would stop logins altogether). Measured
 * against none, nice 19, SCHED_BATCH and SCHED_IDLE: docs/security.md. Nice is per thread
 * on Linux; threads a worker creates (pw_hash_many) inherit it. */
#define POOL_NICE 10

static void worker_start(void)
{
	id_t tid = (id_t)gettid();
	int cur;
	errno = 0;
	cur = getpriority(PRIO_PROCESS, tid); /* relative to how lawexamd was started */
	if (errno == 0 && setpriority(PRIO_PROCESS, tid, cur + POOL_NICE > 19 ? 19 : cur + POOL_NICE) != 0)
		LOG(LOG_WARN, "hash pool: cannot lower a worker's priority: %s", strerror(errno));
	pw_thread_cache(1); /* one argon2id area per worker, kept: see pw.h */
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	worker_start();
	for (;;) {
		struct pjob *j;
		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		j = p->head;
		if (j) {
			p->head = j->next;
			if (!p->head)
				p->tail = NULL;
			atomic_fetch_sub(&p->queued, 1);
		}
		pthread_mutex_unlock(&p->mu);
		if (!j)
			break;
		j->work(j->arg);
		free(j);
	}
	return NULL;
}

struct pool *pool_new(int threads)
{
	struct pool *p = lx_calloc(1, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->n = threads;
	p->tids = lx_calloc((size_t)threads, sizeof *p->tids);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&p->tids[i], NULL, worker, p) != 0)
			abort();
	return p;
}

void pool_submit(struct pool *p, void (*work)(void *arg), void *arg)
{
	struct pjob *j = lx_calloc(1, sizeof *j);
	j->work = work;
	j->arg = arg;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	atomic_fetch_add(&p->queued, 1);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int pool_queued(struct pool *p)
{
	return p ? atomic_load(&p->queued) : 0;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n; i++)
		pthread_join(p->tids[i], NULL);
	free(p->tids);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
