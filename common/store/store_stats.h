/* store_stats.h — process-wide statistics of the store, for lawexamd's /metrics: errors by
 * kind (counted in store_fail), reconnects (a backend that reconnects calls
 * store_stats_reconnect) and the writer's batch sizes. Counters only, relaxed atomics,
 * safe from any thread; nothing in the program reads them to decide anything, which is why
 * they may be process-wide rather than live in a context struct. */
#ifndef LAWEXAM_STORE_STATS_H
#define LAWEXAM_STORE_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Kinds of store errors, from the LX_ERR_* code store_fail returns. */
enum store_err_kind {
	STORE_ERR_BUSY,       /* LX_ERR_BUSY: locked, timed out waiting */
	STORE_ERR_CONSTRAINT, /* LX_ERR_CONFLICT: a constraint refused a row */
	STORE_ERR_NOMEM,      /* LX_ERR_NOMEM */
	STORE_ERR_STORAGE,    /* anything else: I/O, disk full, corruption, a lost connection */
	STORE_ERR_KINDS
};
const char *store_err_kind_name(enum store_err_kind k); /* "busy", "constraint", "nomem", "storage" */

/* Upper bounds of the writer batch-size histogram (jobs per transaction); the writer takes
 * at most 256 at once, so the last bucket is +Inf in name only. */
#define STORE_BATCH_BUCKETS 9
extern const unsigned store_batch_bounds[STORE_BATCH_BUCKETS]; /* 1 2 4 … 256 */

struct store_stats {
	uint64_t errors[STORE_ERR_KINDS];
	uint64_t reconnects;
	uint64_t batch_bucket[STORE_BATCH_BUCKETS + 1]; /* per bucket, not cumulative; [last] = above the bounds */
	uint64_t batch_sum, batch_count;                /* jobs in all batches, batches */
};

void store_stats_error(int lx_code);   /* one failed store call (store_fail) */
void store_stats_reconnect(void);      /* a connection to the database was made again */
void store_stats_batch(size_t jobs);   /* one writer transaction of `jobs` jobs */
void store_stats_get(struct store_stats *out); /* a copy of the counters (each read atomically) */
uint64_t store_stats_errors(void);     /* all kinds together */
uint64_t store_stats_reconnects(void);

#endif
