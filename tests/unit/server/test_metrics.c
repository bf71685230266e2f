/* test_metrics.c — server/metrics.c without a server: metrics_request's slots (latency
 * bucket edges, known statuses and the per-class fallback, an out-of-range route), and
 * metrics_format's exact text for a snapshot filled by hand (HELP/TYPE before samples,
 * cumulative buckets ending in +Inf equal to _count, _sum in seconds, label escaping, series
 * only for what happened), and its refusal past the buffer's cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "metrics.h"

static uint64_t ld(_Atomic uint64_t *x)
{
	return atomic_load(x);
}

static void test_request_slots(void **state)
{
	static struct metrics_loop m; /* ~13 KiB: not on the stack */
	struct metrics_route *r = &m.r[3];
	memset(&m, 0, sizeof m);

	metrics_request(&m, 3, 200, 1000);    /* ≤ 1 ms: the first bucket (le is inclusive) */
	metrics_request(&m, 3, 200, 1001);    /* just above: 2.5 ms */
	metrics_request(&m, 3, 404, 5000000); /* exactly 5 s: the last finite bucket */
	metrics_request(&m, 3, 503, 5000001); /* above: +Inf only */
	metrics_request(&m, 3, 418, -7);      /* an unlisted code: "4xx"; a clock step back: 0 */
	assert_int_equal(ld(&r->lat[0]), 2);
	assert_int_equal(ld(&r->lat[1]), 1);
	assert_int_equal(ld(&r->lat[METRICS_LAT_BUCKETS - 1]), 1);
	assert_int_equal(ld(&r->lat[METRICS_LAT_BUCKETS]), 1);
	assert_int_equal(ld(&r->lat_sum_us), 1000 + 1001 + 5000000 + 5000001);
	assert_int_equal(ld(&r->status[0]), 2); /* 200 is the first listed code */

	metrics_request(&m, 999, 200, 10); /* not a slot: counted as "other" */
	metrics_request(&m, -1, 200, 10);
	assert_int_equal(ld(&m.r[METRICS_ROUTE_OTHER].status[0]), 2);
}

/* The whole text for one snapshot, compared line by line with what we expect. */
static void test_format_exact(void **state)
{
	static struct metrics_snapshot s;
	static struct metrics_loop m;
	struct buf b;
	const char *want;

	memset(&s, 0, sizeof s);
	memset(&m, 0, sizeof m);
	s.node = "a\"b\\c\nd";
	s.start_time = 1796000000;
	s.r[0].method = "GET";
	s.r[0].name = "/healthz";
	s.r[1].method = "PUT";
	s.r[1].name = "/api/v1/attempts/*/answers"; /* never asked for: no series */
	metrics_request(&m, 0, 200, 500);
	metrics_request(&m, 0, 200, 2000000);
	metrics_request(&m, 0, 599, 7000000);
	for (int k = 0; k < METRICS_STATUS_N; k++)
		s.r[0].status[k] = ld(&m.r[0].status[k]);
	for (int k = 0; k <= METRICS_LAT_BUCKETS; k++)
		s.r[0].lat[k] = ld(&m.r[0].lat[k]);
	s.r[0].lat_sum_us = ld(&m.r[0].lat_sum_us);
	s.connections = 12;
	s.max_connections = 16384;
	s.pending = 3;
	s.writer_queue = 4;
	s.pool_queue = 5;
	s.store.errors[STORE_ERR_BUSY] = 6;
	s.store.errors[STORE_ERR_STORAGE] = 7;
	s.store.reconnects = 8;
	s.store.batch_bucket[0] = 2;   /* two batches of 1 */
	s.store.batch_bucket[3] = 1;   /* one of 5..8 */
	s.store.batch_bucket[STORE_BATCH_BUCKETS] = 1; /* and one above 256 (not possible today) */
	s.store.batch_sum = 2 + 7 + 300;
	s.store.batch_count = 4;

	buf_init(&b, 0);
	assert_int_equal(metrics_format(&s, &b), LX_OK);
	want = "# HELP lawexam_build_info Always 1; the labels name this node (lawexamd --node).\n"
	       "# TYPE lawexam_build_info gauge\n"
	       "lawexam_build_info{node=\"a\\\"b\\\\c\\nd\"} 1\n"
	       "# HELP process_start_time_seconds Start time of the process since the Unix epoch, in seconds.\n"
	       "# TYPE process_start_time_seconds gauge\n"
	       "process_start_time_seconds 1796000000\n"
	       "# HELP lawexam_http_requests_total Requests answered by lawexamd, by route (the route table's pattern) and status.\n"
	       "# TYPE lawexam_http_requests_total counter\n"
	       "lawexam_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2\n"
	       "lawexam_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"5xx\"} 1\n"
	       "# HELP lawexam_http_request_duration_seconds Time from a request's arrival to its reply, by route.\n"
	       "# TYPE lawexam_http_request_duration_seconds histogram\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.001\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.0025\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.005\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.01\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.025\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.05\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.1\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.25\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.5\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"1\"} 1\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"2.5\"} 2\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"5\"} 2\n"
	       "lawexam_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 3\n"
	       "lawexam_http_request_duration_seconds_sum{method=\"GET\",route=\"/healthz\"} 9.000500\n"
	       "lawexam_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 3\n"
	       "# HELP lawexam_http_connections Open client connections (TLS handshakes included).\n"
	       "# TYPE lawexam_http_connections gauge\n"
	       "lawexam_http_connections 12\n"
	       "# HELP lawexam_http_connections_max Connections served at once (--max-connections, lowered to fit the open-file limit).\n"
	       "# TYPE lawexam_http_connections_max gauge\n"
	       "lawexam_http_connections_max 16384\n"
	       "# HELP lawexam_http_requests_pending Requests waiting for the writer or the hash pool.\n"
	       "# TYPE lawexam_http_requests_pending gauge\n"
	       "lawexam_http_requests_pending 3\n"
	       "# HELP lawexam_writer_queue_depth Writer jobs queued and not yet in a transaction.\n"
	       "# TYPE lawexam_writer_queue_depth gauge\n"
	       "lawexam_writer_queue_depth 4\n"
	       "# HELP lawexam_writer_batch_size Jobs per writer transaction (group commit).\n"
	       "# TYPE lawexam_writer_batch_size histogram\n"
	       "lawexam_writer_batch_size_bucket{le=\"1\"} 2\n"
	       "lawexam_writer_batch_size_bucket{le=\"2\"} 2\n"
	       "lawexam_writer_batch_size_bucket{le=\"4\"} 2\n"
	       "lawexam_writer_batch_size_bucket{le=\"8\"} 3\n"
	       "lawexam_writer_batch_size_bucket{le=\"16\"} 3\n"
	       "lawexam_writer_batch_size_bucket{le=\"32\"} 3\n"
	       "lawexam_writer_batch_size_bucket{le=\"64\"} 3\n"
	       "lawexam_writer_batch_size_bucket{le=\"128\"} 3\n"
	       "lawexam_writer_batch_size_bucket{le=\"256\"} 3\n"
	       "lawexam_writer_batch_size_bucket{le=\"+Inf\"} 4\n"
	       "lawexam_writer_batch_size_sum 309\n"
	       "lawexam_writer_batch_size_count 4\n"
	       "# HELP lawexam_store_errors_total Failed database calls, by kind (busy, constraint, nomem, storage).\n"
	       "# TYPE lawexam_store_errors_total counter\n"
	       "lawexam_store_errors_total{kind=\"busy\"} 6\n"
	       "lawexam_store_errors_total{kind=\"constraint\"} 0\n"
	       "lawexam_store_errors_total{kind=\"nomem\"} 0\n"
	       "lawexam_store_errors_total{kind=\"storage\"} 7\n"
	       "# HELP lawexam_store_reconnects_total Connections to the database made again after a loss.\n"
	       "# TYPE lawexam_store_reconnects_total counter\n"
	       "lawexam_store_reconnects_total 8\n"
	       "# HELP lawexam_hash_pool_queue_depth Hash pool jobs (argon2id, file parsing, PDFs) waiting for a worker.\n"
	       "# TYPE lawexam_hash_pool_queue_depth gauge\n"
	       "lawexam_hash_pool_queue_depth 5\n";
	/* line by line, so a failure names the first line that differs */
	for (const char *g = buf_str(&b), *w = want; *g || *w;) {
		const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
		size_t gl = ge ? (size_t)(ge - g) : strlen(g), wl = we ? (size_t)(we - w) : strlen(w);
		if (gl != wl || memcmp(g, w, gl) != 0)
			fail_msg("got  '%.*s'\nwant '%.*s'", (int)gl, g, (int)wl, w);
		g += gl + (ge ? 1 : 0);
		w += wl + (we ? 1 : 0);
	}
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_format_capped(void **state)
{
	static struct metrics_snapshot s;
	struct buf b;
	memset(&s, 0, sizeof s);
	s.node = "n";
	buf_init(&b, 200);
	assert_int_equal(metrics_format(&s, &b), LX_ERR_INVALID);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_slots),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
