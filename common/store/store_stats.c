/* store_stats.c — the store's process-wide counters (see store_stats.h). Relaxed atomics:
 * each counter is exact, a snapshot of several is not a single instant (fine for metrics). */
#include "store_stats.h"

#include <stdatomic.h>

#include "err.h"

const unsigned store_batch_bounds[STORE_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128, 256};

static _Atomic uint64_t errors[STORE_ERR_KINDS];
static _Atomic uint64_t reconnects;
static _Atomic uint64_t batch_bucket[STORE_BATCH_BUCKETS + 1];
static _Atomic uint64_t batch_sum, batch_count;

const char *store_err_kind_name(enum store_err_kind k)
{
	static const char *const names[STORE_ERR_KINDS] = {"busy", "constraint", "nomem", "storage"};
	return (unsigned)k < STORE_ERR_KINDS ? names[k] : "storage";
}

void store_stats_error(int lx_code)
{
	enum store_err_kind k = lx_code == LX_ERR_BUSY       ? STORE_ERR_BUSY
				: lx_code == LX_ERR_CONFLICT ? STORE_ERR_CONSTRAINT
				: lx_code == LX_ERR_NOMEM    ? STORE_ERR_NOMEM
							     : STORE_ERR_STORAGE;
	atomic_fetch_add_explicit(&errors[k], 1, memory_order_relaxed);
}

void store_stats_reconnect(void)
{
	atomic_fetch_add_explicit(&reconnects, 1, memory_order_relaxed);
}

void store_stats_batch(size_t jobs)
{
	size_t i = 0;
	while (i < STORE_BATCH_BUCKETS && jobs > store_batch_bounds[i])
		i++;
	atomic_fetch_add_explicit(&batch_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&batch_sum, jobs, memory_order_relaxed);
	atomic_fetch_add_explicit(&batch_count, 1, memory_order_relaxed);
}

void store_stats_get(struct store_stats *out)
{
	for (int k = 0; k < STORE_ERR_KINDS; k++)
		out->errors[k] = atomic_load_explicit(&errors[k], memory_order_relaxed);
	out->reconnects = atomic_load_explicit(&reconnects, memory_order_relaxed);
	for (int i = 0; i <= STORE_BATCH_BUCKETS; i++)
		out->batch_bucket[i] = atomic_load_explicit(&batch_bucket[i], memory_order_relaxed);
	out->batch_sum = atomic_load_explicit(&batch_sum, memory_order_relaxed);
	out->batch_count = atomic_load_explicit(&batch_count, memory_order_relaxed);
}

uint64_t store_stats_errors(void)
{
	uint64_t n = 0;
	for (int k = 0; k < STORE_ERR_KINDS; k++)
		n += atomic_load_explicit(&errors[k], memory_order_relaxed);
	return n;
}

uint64_t store_stats_reconnects(void)
{
	return atomic_load_explicit(&reconnects, memory_order_relaxed);
}
