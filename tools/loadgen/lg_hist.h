/* lg_hist.h — latency histograms for the load generator: log-linear buckets (under 1 %
 * relative error from 256 µs up, exact below), mergeable across threads, no allocation.
 * Does not know what a request is; lg_http.c records into it. */
#ifndef LAWEXAM_LG_HIST_H
#define LAWEXAM_LG_HIST_H

#include <stdint.h>

#define LG_HIST_SUB 128
#define LG_HIST_N (256 + 40 * LG_HIST_SUB)

struct lg_hist {
	uint64_t count;
	uint64_t max;   /* µs */
	uint64_t sum;   /* µs */
	uint64_t b[LG_HIST_N];
};

void lg_hist_add(struct lg_hist *h, uint64_t us);
void lg_hist_merge(struct lg_hist *into, const struct lg_hist *from);
/* The value (µs) at quantile q (0..1) — the upper edge of its bucket; 0 when empty. */
uint64_t lg_hist_quantile(const struct lg_hist *h, double q);

#endif
