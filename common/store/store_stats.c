/* store_stats.c — see store_stats.h. */
#include "store_stats.h"

#include <stdatomic.h>

static _Atomic uint64_t errors, reconnects;

void store_stats_error(void) { atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed); }
void store_stats_reconnect(void) { atomic_fetch_add_explicit(&reconnects, 1, memory_order_relaxed); }
uint64_t store_stats_errors(void) { return atomic_load_explicit(&errors, memory_order_relaxed); }
uint64_t store_stats_reconnects(void) { return atomic_load_explicit(&reconnects, memory_order_relaxed); }
