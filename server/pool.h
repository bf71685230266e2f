/* pool.h — a fixed pool of worker threads for CPU-heavy work (argon2id), so it never runs
 * on an event loop. Jobs are FIFO; done runs on the worker right after work. */
#ifndef LAWEXAM_POOL_H
#define LAWEXAM_POOL_H

struct pool;

struct pool *pool_new(int threads);
void pool_submit(struct pool *p, void (*work)(void *arg), void *arg);
/* Runs what is queued, then joins and frees. */
void pool_free(struct pool *p);

#endif
