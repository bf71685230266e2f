/* pool.c — worker threads for slow CPU work (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "mem.h"

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
	pthread_t *tids;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
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
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
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
