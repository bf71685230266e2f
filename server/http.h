/* http.h — one request's context (struct hctx) and the ways to answer it. Every request
 * is answered exactly once through http_reply()/http_json()/http_error(); the context is
 * freed there. A handler that waits on the writer or the hash pool calls http_async()
 * first and answers later from its completion (on the same thread). */
#ifndef LAWEXAM_HTTP_H
#define LAWEXAM_HTTP_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdint.h>

#include "diag.h"
#include "lx_limits.h"
#include "store_accounts.h"
#include "srv.h"

#define HTTP_MAX_PARAMS 4

struct hctx {
	struct evhttp_request *req;
	struct srv_thread *th;
	struct srv *srv;
	int64_t start_us;
	int method;                 /* EVHTTP_REQ_* */
	const char *method_name;
	char *path;                 /* decoded path, no query (owned) */
	char *params[HTTP_MAX_PARAMS]; /* '*' segments of the route, decoded (owned) */
	struct evkeyvalq query;
	char remote[64];
	const char *body;           /* the request body, contiguous, valid until the reply */
	size_t body_len;
	/* authentication */
	int authed;
	int via_token;
	struct user user;
	uint8_t session_hash[32];
	char csrf[64];
	int async;
	int route;                  /* metrics slot: the route table's row, METRICS_ROUTE_STATIC or _OTHER */
	void *data;                 /* the handler's own state, freed by data_free at reply */
	void (*data_free)(void *data);
};

void http_dispatch(struct evhttp_request *req, void *arg); /* the evhttp generic callback */

void http_async(struct hctx *c);
void http_header(struct hctx *c, const char *name, const char *value);
void http_reply(struct hctx *c, int status, const char *ctype, const void *data, size_t len);
void http_json(struct hctx *c, int status, json_t *body);          /* steals body */
void http_error(struct hctx *c, int status, const char *code, const char *message);
/* 422 with the located problems of a file or definition: {"error":{"code","message",
 * "details":[{"where","message"}…],"total"}} (the first DIAG_MAX of d, and their total). */
void http_error_diag(struct hctx *c, const char *code, const char *message, const struct diag *d);
/* Maps an LX_ERR_* (after a store/domain failure) to 4xx/5xx + JSON error. */
void http_fail(struct hctx *c, int rc, const char *message);
/* A domain failure whose tag a route gives its own status: e->tag found in tags answers that
 * status with the tag as the error code; LX_ERR_NOTFOUND answers 404 not_found with e's
 * message; anything else http_fail (the message of INVALID and CONFLICT shown). */
struct http_tag {
	const char *tag;
	int status;
};
void http_fail_tagged(struct hctx *c, int rc, const struct lx_err *e, const struct http_tag *tags, size_t n);
/* A positive decimal id of at most 18 digits (a path segment), else 0. */
int64_t http_param_id(const char *s);

/* The parsed JSON body (object), or NULL after answering 400 itself (an oversized body got
 * its 413 in http_dispatch, before any handler). Caller decrefs. */
json_t *http_body_json(struct hctx *c);
const char *http_query(struct hctx *c, const char *key);

/* Runs job on the writer; done(c, rc, e) runs later on c's thread. */
typedef void (*http_done_fn)(struct hctx *c, int rc, const struct lx_err *e);
void http_write(struct hctx *c, store_job_fn job, http_done_fn done);
/* http_write for a job that may run together with its neighbours in the writer's queue
 * (store_writer_submit_bulk): consecutive requests with the same bulk run as one call of
 * bulk->fn, which sets rcs[i] and errs[i] for cs[i] (job alone is the fallback). */
struct http_bulk {
	int (*fn)(struct store *db, struct hctx **cs, int *rcs, struct lx_err *errs, size_t n, struct lx_err *e);
};
void http_write_bulk(struct hctx *c, store_job_fn job, const struct http_bulk *bulk, http_done_fn done);
/* Runs work(c) on the hash pool; done(c, 0, NULL) on c's thread afterwards. */
void http_offload(struct hctx *c, void (*work)(struct hctx *c), http_done_fn done);

#endif
