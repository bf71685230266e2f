/* store_stats.h — process-wide counters of the store for /metrics: errors and reconnects.
 * Atomics: any thread may count. */
#ifndef LAWEXAM_STORE_STATS_H
#define LAWEXAM_STORE_STATS_H

#include <stdint.h>

void store_stats_error(void);
void store_stats_reconnect(void);
uint64_t store_stats_errors(void);
uint64_t store_stats_reconnects(void);

#endif
