/* metrics.c — counting answered requests per loop, summing them at scrape time with the
 * other modules' gauges, and writing the Prometheus text format 0.0.4 (see metrics.h). The
 * handler for GET /metrics is here too; who may call it is checked in http.c. Knows nothing
 * of how the numbers it reports are produced. */
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "pool.h"
#include "routes.h"
#include "srv.h"
#include "store.h"

static const int status_codes[METRICS_STATUS_N - 5] = {200, 201, 204, 206, 304, 400, 401, 403, 404,
						       405, 409, 413, 415, 422, 429, 500, 503};
#define N_CODES (sizeof status_codes / sizeof status_codes[0])
static const char *const status_classes[5] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

static const int64_t lat_bounds_us[METRICS_LAT_BUCKETS] = {1000,   2500,   5000,   10000,  25000,   50000,
							   100000, 250000, 500000, 1000000, 2500000, 5000000};
static const char *const lat_le[METRICS_LAT_BUCKETS] = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
							"0.1",   "0.25",   "0.5",   "1",    "2.5",   "5"};

static int status_slot(int status)
{
	for (size_t i = 0; i < N_CODES; i++)
		if (status_codes[i] == status)
			return (int)i;
	if (status < 100 || status > 599)
		status = 500;
	return (int)N_CODES + status / 100 - 1;
}

/* A counter only this thread writes: no locked instruction needed, and a reader on another
 * thread still sees whole values. */
static void bump(_Atomic uint64_t *x, uint64_t n)
{
	atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) + n, memory_order_relaxed);
}

void metrics_request(struct metrics_loop *m, int route, int status, int64_t us)
{
	struct metrics_route *r;
	int b = 0;
	if (route < 0 || route >= METRICS_ROUTES)
		route = METRICS_ROUTE_OTHER;
	if (us < 0)
		us = 0;
	r = &m->r[route];
	bump(&r->status[status_slot(status)], 1);
	while (b < METRICS_LAT_BUCKETS && us > lat_bounds_us[b])
		b++;
	bump(&r->lat[b], 1);
	bump(&r->lat_sum_us, (uint64_t)us);
}

static const char *method_label(int m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	default: return "other";
	}
}

void metrics_collect(struct srv *s, struct metrics_snapshot *out)
{
	memset(out, 0, sizeof *out);
	out->node = s->cfg && s->cfg->node ? s->cfg->node : "";
	out->start_time = s->started_at;
	for (size_t i = 0; i < n_routes && i < METRICS_ROUTES_MAX; i++) {
		out->r[i].method = method_label(routes[i].method);
		out->r[i].name = routes[i].pattern;
	}
	out->r[METRICS_ROUTE_STATIC].method = "GET";
	out->r[METRICS_ROUTE_STATIC].name = "static";
	out->r[METRICS_ROUTE_OTHER].method = "other";
	out->r[METRICS_ROUTE_OTHER].name = "other";
	for (int t = 0; s->threads && t < s->nthreads; t++) {
		const struct metrics_loop *m = &s->threads[t].metrics;
		for (int i = 0; i < METRICS_ROUTES; i++) {
			struct metrics_route_total *o = &out->r[i];
			for (int k = 0; k < METRICS_STATUS_N; k++)
				o->status[k] += atomic_load_explicit(&m->r[i].status[k], memory_order_relaxed);
			for (int k = 0; k <= METRICS_LAT_BUCKETS; k++)
				o->lat[k] += atomic_load_explicit(&m->r[i].lat[k], memory_order_relaxed);
			o->lat_sum_us += atomic_load_explicit(&m->r[i].lat_sum_us, memory_order_relaxed);
		}
	}
	out->connections = atomic_load(&s->connections);
	out->max_connections = s->max_connections;
	out->pending = atomic_load(&s->pending);
	out->writer_queue = s->writer ? (int64_t)store_writer_queue_depth(s->writer) : 0;
	out->pool_queue = pool_queued(s->pool);
	store_stats_get(&out->store);
}

/* --- the text format ------------------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped (the format's three). */
static int add_label(struct buf *b, const char *name, const char *value, int first)
{
	int rc = buf_printf(b, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value; rc == LX_OK && *p; p++) {
		if (*p == '\\' || *p == '"')
			rc = buf_addc(b, '\\') == LX_OK ? buf_addc(b, *p) : LX_ERR_INVALID;
		else if (*p == '\n')
			rc = buf_adds(b, "\\n");
		else
			rc = buf_addc(b, *p);
	}
	return rc == LX_OK ? buf_addc(b, '"') : rc;
}

static int head(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int gauge(struct buf *b, const char *name, const char *help, int64_t v)
{
	int rc = head(b, name, "gauge", help);
	return rc == LX_OK ? buf_printf(b, "%s %" PRId64 "\n", name, v) : rc;
}

static int route_labels(struct buf *b, const struct metrics_route_total *r)
{
	int rc = add_label(b, "method", r->method ? r->method : "other", 1);
	return rc == LX_OK ? add_label(b, "route", r->name, 0) : rc;
}

static int requests(struct buf *b, const struct metrics_snapshot *s)
{
	static const char name[] = "lawexam_http_requests_total";
	int rc = head(b, name, "counter", "Requests answered by lawexamd, by route (the route table's pattern) and status.");
	for (int i = 0; rc == LX_OK && i < METRICS_ROUTES; i++) {
		const struct metrics_route_total *r = &s->r[i];
		for (int k = 0; rc == LX_OK && r->name && k < METRICS_STATUS_N; k++) {
			char st[8];
			if (!r->status[k])
				continue;
			if (k < (int)N_CODES)
				snprintf(st, sizeof st, "%d", status_codes[k]);
			else
				snprintf(st, sizeof st, "%s", status_classes[k - N_CODES]);
			rc = buf_printf(b, "%s{", name);
			if (rc == LX_OK) rc = route_labels(b, r);
			if (rc == LX_OK) rc = add_label(b, "status", st, 0);
			if (rc == LX_OK) rc = buf_printf(b, "} %" PRIu64 "\n", r->status[k]);
		}
	}
	return rc;
}

static int latency(struct buf *b, const struct metrics_snapshot *s)
{
	static const char name[] = "lawexam_http_request_duration_seconds";
	int rc = head(b, name, "histogram", "Time from a request's arrival to its reply, by route.");
	for (int i = 0; rc == LX_OK && i < METRICS_ROUTES; i++) {
		const struct metrics_route_total *r = &s->r[i];
		uint64_t cum = 0;
		if (!r->name)
			continue;
		for (int k = 0; k <= METRICS_LAT_BUCKETS; k++)
			cum += r->lat[k];
		if (!cum)
			continue; /* a route never asked for has no series */
		cum = 0;
		for (int k = 0; rc == LX_OK && k <= METRICS_LAT_BUCKETS; k++) {
			cum += r->lat[k];
			rc = buf_printf(b, "%s_bucket{", name);
			if (rc == LX_OK) rc = route_labels(b, r);
			if (rc == LX_OK) rc = add_label(b, "le", k < METRICS_LAT_BUCKETS ? lat_le[k] : "+Inf", 0);
			if (rc == LX_OK) rc = buf_printf(b, "} %" PRIu64 "\n", cum);
		}
		if (rc == LX_OK) rc = buf_printf(b, "%s_sum{", name);
		if (rc == LX_OK) rc = route_labels(b, r);
		if (rc == LX_OK)
			rc = buf_printf(b, "} %" PRIu64 ".%06" PRIu64 "\n", r->lat_sum_us / 1000000, r->lat_sum_us % 1000000);
		if (rc == LX_OK) rc = buf_printf(b, "%s_count{", name);
		if (rc == LX_OK) rc = route_labels(b, r);
		if (rc == LX_OK) rc = buf_printf(b, "} %" PRIu64 "\n", cum);
	}
	return rc;
}

static int batches(struct buf *b, const struct metrics_snapshot *s)
{
	static const char name[] = "lawexam_writer_batch_size";
	const struct store_stats *st = &s->store;
	uint64_t cum = 0;
	int rc = head(b, name, "histogram", "Jobs per writer transaction (group commit).");
	for (int k = 0; rc == LX_OK && k <= STORE_BATCH_BUCKETS; k++) {
		cum += st->batch_bucket[k];
		if (k < STORE_BATCH_BUCKETS)
			rc = buf_printf(b, "%s_bucket{le=\"%u\"} %" PRIu64 "\n", name, store_batch_bounds[k], cum);
		else
			rc = buf_printf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	}
	if (rc == LX_OK)
		rc = buf_printf(b, "%s_sum %" PRIu64 "\n%s_count %" PRIu64 "\n", name, st->batch_sum, name, cum);
	return rc;
}

static int store_errors(struct buf *b, const struct metrics_snapshot *s)
{
	static const char name[] = "lawexam_store_errors_total";
	int rc = head(b, name, "counter", "Failed database calls, by kind (busy, constraint, nomem, storage).");
	for (int k = 0; rc == LX_OK && k < STORE_ERR_KINDS; k++)
		rc = buf_printf(b, "%s{kind=\"%s\"} %" PRIu64 "\n", name, store_err_kind_name((enum store_err_kind)k),
				s->store.errors[k]);
	if (rc == LX_OK)
		rc = head(b, "lawexam_store_reconnects_total", "counter", "Connections to the database made again after a loss.");
	if (rc == LX_OK)
		rc = buf_printf(b, "lawexam_store_reconnects_total %" PRIu64 "\n", s->store.reconnects);
	return rc;
}

int metrics_format(const struct metrics_snapshot *s, struct buf *b)
{
	int rc = head(b, "lawexam_build_info", "gauge", "Always 1; the labels name this node (lawexamd --node).");
	if (rc == LX_OK) rc = buf_adds(b, "lawexam_build_info{");
	if (rc == LX_OK) rc = add_label(b, "node", s->node ? s->node : "", 1);
	if (rc == LX_OK) rc = buf_adds(b, "} 1\n");
	if (rc == LX_OK)
		rc = gauge(b, "process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.",
			   s->start_time);
	if (rc == LX_OK) rc = requests(b, s);
	if (rc == LX_OK) rc = latency(b, s);
	if (rc == LX_OK)
		rc = gauge(b, "lawexam_http_connections", "Open client connections (TLS handshakes included).",
			   s->connections);
	if (rc == LX_OK)
		rc = gauge(b, "lawexam_http_connections_max",
			   "Connections served at once (--max-connections, lowered to fit the open-file limit).",
			   s->max_connections);
	if (rc == LX_OK)
		rc = gauge(b, "lawexam_http_requests_pending", "Requests waiting for the writer or the hash pool.",
			   s->pending);
	if (rc == LX_OK)
		rc = gauge(b, "lawexam_writer_queue_depth", "Writer jobs queued and not yet in a transaction.",
			   s->writer_queue);
	if (rc == LX_OK) rc = batches(b, s);
	if (rc == LX_OK) rc = store_errors(b, s);
	if (rc == LX_OK)
		rc = gauge(b, "lawexam_hash_pool_queue_depth",
			   "Hash pool jobs (argon2id, file parsing, PDFs) waiting for a worker.", s->pool_queue);
	return rc;
}

/* --- GET /metrics ---------------------------------------------------------------- */

/* The caller (http.c, route flag R_OPS) has checked who asks. The scrape runs on the loop:
 * a few thousand loads and a buffer of a few tens of KiB. */
void h_metrics(struct hctx *c)
{
	struct metrics_snapshot *snap = lx_malloc(sizeof *snap);
	struct buf b;
	buf_init(&b, 1 << 20);
	metrics_collect(c->srv, snap);
	if (metrics_format(snap, &b) != LX_OK) {
		free(snap);
		buf_free(&b);
		http_error(c, 500, "internal", "内部错误");
		return;
	}
	free(snap);
	http_reply(c, 200, METRICS_CONTENT_TYPE, b.data, b.len);
	buf_free(&b);
}
