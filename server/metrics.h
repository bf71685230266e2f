/* metrics.h — what GET /metrics reports, in the Prometheus text exposition format 0.0.4:
 * requests by route and status and their latency (counted per event loop, on its own thread,
 * in struct metrics_loop), and at scrape time the gauges other modules keep (connections,
 * the writer's queue, the hash pool's queue) and the store's counters (store_stats.h).
 * Who may read it is http.c's business (the route's R_OPS flag); this module only counts
 * and formats. */
#ifndef LAWEXAM_METRICS_H
#define LAWEXAM_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store_stats.h"

struct srv;

/* Route slots: one per row of the route table (routes.c asserts it has at most
 * METRICS_ROUTES_MAX rows), then files of the web front end and everything else (unknown
 * paths, refused before matching). Labels come from the table, never from the URL, so the
 * number of series is bounded whatever clients send. */
#define METRICS_ROUTES_MAX 96
#define METRICS_ROUTE_STATIC METRICS_ROUTES_MAX
#define METRICS_ROUTE_OTHER (METRICS_ROUTES_MAX + 1)
#define METRICS_ROUTES (METRICS_ROUTES_MAX + 2)

/* Status slots: the codes lawexamd answers with, then one per class for any other. */
#define METRICS_STATUS_N 22
/* Latency buckets (seconds): .001 .0025 .005 .01 .025 .05 .1 .25 .5 1 2.5 5, then +Inf. */
#define METRICS_LAT_BUCKETS 12

/* One loop's counters. Written only by that loop's thread (a relaxed load and store, no
 * locked instruction); read by whichever loop answers /metrics, so each is atomic. */
struct metrics_route {
	_Atomic uint64_t status[METRICS_STATUS_N];
	_Atomic uint64_t lat[METRICS_LAT_BUCKETS + 1]; /* per bucket, not cumulative */
	_Atomic uint64_t lat_sum_us;
};
struct metrics_loop {
	struct metrics_route r[METRICS_ROUTES];
};

/* One answered request, on the thread that owns m: route is a slot above, us the time from
 * the request's arrival to its reply. */
void metrics_request(struct metrics_loop *m, int route, int status, int64_t us);

/* Everything one scrape reports, as plain numbers (metrics_collect fills it from a running
 * server; the unit test fills it by hand). */
struct metrics_route_total {
	const char *method, *name; /* NULL name: slot unused */
	uint64_t status[METRICS_STATUS_N];
	uint64_t lat[METRICS_LAT_BUCKETS + 1];
	uint64_t lat_sum_us;
};
struct metrics_snapshot {
	const char *node;
	int64_t start_time;          /* Unix seconds */
	struct metrics_route_total r[METRICS_ROUTES];
	int64_t connections, max_connections, pending;
	int64_t writer_queue, pool_queue;
	struct store_stats store;
};

/* Sums every loop's counters and reads the gauges of s. Any loop thread. */
void metrics_collect(struct srv *s, struct metrics_snapshot *out);
/* Appends the exposition text of snap to out: LX_OK, or LX_ERR_INVALID past out's cap. Pure. */
int metrics_format(const struct metrics_snapshot *snap, struct buf *out);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
