/* pool.h — a fixed pool of worker threads for CPU-heavy work (argon2id; also bank and roster
 * upload parsing), so it never runs on an event loop. The workers run at nice +10 (below the
 * event loops and the writer) and keep one argon2id working area each. Jobs are FIFO. */
#ifndef LAWEXAM_POOL_H
#define LAWEXAM_POOL_H

struct pool;

/* Starts `threads` workers (lawexamd --hash-threads, default: the online cores); aborts if a
 * thread cannot be created (start-up). Free with pool_free(). */
struct pool *pool_new(int threads);
void pool_submit(struct pool *p, void (*work)(void *arg), void *arg);
/* Jobs submitted and not yet taken by a worker (the /metrics gauge); any thread; 0 for NULL. */
int pool_queued(struct pool *p);
/* Runs what is queued, then joins and frees. */
void pool_free(struct pool *p);

#endif
