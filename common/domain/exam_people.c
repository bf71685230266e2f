/* exam_people.c — who stands where in an exam, person by person and unit by unit: the
 * people list behind the monitor's drill-down (one pass of store_exam_people()) and the
 * scoped monitor (counts per unit, grouped by the store); reads only. Whether the caller may see
 * that scope is the server's business (server/scope.c). */
#include "exam.h"

#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "clock.h"
#include "grade.h"
#include "mem.h"
#include "store.h"
#include "store_exams.h"

/* n[] by enum attempt_status up to AST_EXEMPT (store_exam_monitor_units) */
#define MON_N (AST_EXEMPT + 1)

struct unit_count {
	char *org;
	int64_t n[MON_N];
};

struct mon {
	struct unit_count *u;
	size_t n, cap;
	int64_t total[MON_N];
};

static void mon_cb(void *ctx, const char *org, const int64_t n[MON_N])
{
	struct mon *m = ctx;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->u = lx_realloc(m->u, m->cap * sizeof *m->u);
	}
	m->u[m->n].org = lx_strdup(org);
	for (int i = 0; i < MON_N; i++) {
		m->u[m->n].n[i] = n[i];
		m->total[i] += n[i];
	}
	m->n++;
}

/* The exempt (免考) are not assigned: counted apart, as the exam's own monitor does. */
static json_t *counts_json(const int64_t n[MON_N])
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "assigned",
			 (json_int_t)(n[AST_NOT_STARTED] + n[AST_IN_PROGRESS] + n[AST_SUBMITTED]), "not_started",
			 (json_int_t)n[AST_NOT_STARTED], "in_progress", (json_int_t)n[AST_IN_PROGRESS], "submitted",
			 (json_int_t)n[AST_SUBMITTED], "exempt", (json_int_t)n[AST_EXEMPT]);
}

int exam_monitor_scoped_json(struct store *db, const char *exam_code, const char *scope, int units, int64_t now,
			     json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	struct mon m = {0};
	json_t *arr = NULL;
	int rc;

	if (!scope && !units) { /* everyone, counts only: the one-row count of the plain monitor */
		rc = exam_monitor_json(db, exam_code, now, out, e);
		if (rc == LX_OK)
			json_object_set_new(*out, "scope", json_null());
		return rc;
	}
	rc = store_read_begin(db, e);
	if (rc)
		return rc;
	rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = store_exam_monitor_units(db, x.id, scope, mon_cb, &m, e);
	store_read_end(db);
	if (rc == LX_OK) {
		char t[40];
		*out = counts_json(m.total);
		json_object_set_new(*out, "exam", json_string(x.code));
		json_object_set_new(*out, "title", json_string(x.title));
		json_object_set_new(*out, "server_time", json_string(rfc3339_format(now, t, sizeof t)));
		json_object_set_new(*out, "scope", scope ? json_string(scope) : json_null());
		if (units) {
			arr = json_array();
			for (size_t i = 0; i < m.n; i++) {
				json_t *o = counts_json(m.u[i].n);
				json_object_set_new(o, "org", json_string(m.u[i].org));
				json_array_append_new(arr, o);
			}
			json_object_set_new(*out, "units", arr);
		}
	}
	for (size_t i = 0; i < m.n; i++)
		free(m.u[i].org);
	free(m.u);
	exam_row_free(&x);
	return rc;
}

struct people {
	json_t *rows;
	unsigned mask;
	int64_t now;
	int64_t offset, limit; /* the page: rows [offset, offset + limit) of those matching */
	int64_t total;         /* every person matching */
};

static int people_cb(void *ctx, const struct exam_person *p)
{
	struct people *pl = ctx;
	int sub = p->status == AST_SUBMITTED, run = p->status == AST_IN_PROGRESS;
	int64_t k;
	json_t *o;

	if (pl->mask && !(pl->mask & (1u << p->status)))
		return 0;
	k = pl->total++;
	if (k < pl->offset || k - pl->offset >= pl->limit)
		return 0; /* counted, not on this page */
	o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "login", p->login, "name", p->name, "org", p->org, "category",
		      p->category, "status", attempt_status_name(p->status));
	json_object_set_new(o, "attempt_id", p->attempt_id ? json_integer(p->attempt_id) : json_null());
	json_object_set_new(o, "started_at", p->attempt_id ? exam_time_json(p->started_at) : json_null());
	json_object_set_new(o, "deadline", p->attempt_id ? exam_time_json(p->deadline) : json_null());
	json_object_set_new(o, "remaining_seconds",
			    run ? json_integer(p->deadline > pl->now ? p->deadline - pl->now : 0) : json_null());
	json_object_set_new(o, "score", sub ? grade_score_json((long)p->score2) : json_null());
	json_object_set_new(o, "passed", sub ? json_boolean(p->passed) : json_null());
	json_object_set_new(o, "last_seen", p->last_seen ? exam_time_json(p->last_seen) : json_null());
	json_array_append_new(pl->rows, o);
	return 0;
}

int exam_people_json(struct store *db, const char *exam_code, const char *scope, const char *org,
		     unsigned status_mask, int64_t offset, int64_t limit, int64_t now, json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	struct people pl = {json_array(), status_mask, now, offset < 0 ? 0 : offset, limit < 0 ? 0 : limit, 0};
	char t[40];
	int rc = store_read_begin(db, e);
	if (rc) {
		json_decref(pl.rows);
		return rc;
	}
	rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = store_exam_people(db, x.id, scope, org, NULL, people_cb, &pl, e);
	store_read_end(db);
	if (rc == LX_OK) {
		*out = json_pack("{s:s,s:s,s:o,s:I,s:I,s:I}", "exam", x.code, "server_time",
				 rfc3339_format(now, t, sizeof t), "rows", pl.rows, "total", (json_int_t)pl.total,
				 "offset", (json_int_t)pl.offset, "limit", (json_int_t)pl.limit);
		pl.rows = NULL;
	}
	json_decref(pl.rows);
	exam_row_free(&x);
	return rc;
}
