/* exam_people.c — who stands where in an exam, person by person and unit by unit: the
 * people list behind the monitor's drill-down and the scoped monitor (SPEC §12). One pass
 * of store_exam_people() over the people in scope; reads only. Whether the caller may see
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

struct unit_count {
	char *org;
	int64_t n[3]; /* by enum attempt_status */
};

struct mon {
	struct unit_count *u;
	size_t n, cap;
	int64_t total[3];
};

static int mon_cb(void *ctx, const struct exam_person *p)
{
	struct mon *m = ctx;
	/* Rows come in unit path order: a unit's people are consecutive. */
	if (!m->n || strcmp(m->u[m->n - 1].org, p->org) != 0) {
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 32;
			m->u = lx_realloc(m->u, m->cap * sizeof *m->u);
		}
		memset(&m->u[m->n], 0, sizeof m->u[m->n]);
		m->u[m->n++].org = lx_strdup(p->org);
	}
	m->u[m->n - 1].n[p->status]++;
	m->total[p->status]++;
	return 0;
}

static json_t *counts_json(const int64_t n[3])
{
	return json_pack("{s:I,s:I,s:I,s:I}", "assigned", (json_int_t)(n[0] + n[1] + n[2]), "not_started",
			 (json_int_t)n[AST_NOT_STARTED], "in_progress", (json_int_t)n[AST_IN_PROGRESS], "submitted",
			 (json_int_t)n[AST_SUBMITTED]);
}

int exam_monitor_scoped_json(struct store *db, const char *exam_code, const char *scope, int64_t now, json_t **out,
			     struct lx_err *e)
{
	struct exam_row x = {0};
	struct mon m = {0};
	char t[40];
	int rc = store_read_begin(db, e);
	if (rc)
		return rc;
	rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = store_exam_people(db, x.id, scope, NULL, NULL, mon_cb, &m, e);
	store_read_end(db);
	if (rc == LX_OK) {
		json_t *units = json_array();
		for (size_t i = 0; i < m.n; i++) {
			json_t *o = counts_json(m.u[i].n);
			json_object_set_new(o, "org", json_string(m.u[i].org));
			json_array_append_new(units, o);
		}
		*out = counts_json(m.total);
		json_object_set_new(*out, "exam", json_string(x.code));
		json_object_set_new(*out, "title", json_string(x.title));
		json_object_set_new(*out, "server_time", json_string(rfc3339_format(now, t, sizeof t)));
		json_object_set_new(*out, "scope", scope ? json_string(scope) : json_null());
		json_object_set_new(*out, "units", units);
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
};

static int people_cb(void *ctx, const struct exam_person *p)
{
	struct people *pl = ctx;
	int sub = p->status == AST_SUBMITTED, run = p->status == AST_IN_PROGRESS;
	json_t *o;

	if (pl->mask && !(pl->mask & (1u << p->status)))
		return 0;
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
		     unsigned status_mask, int64_t now, json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	struct people pl = {json_array(), status_mask, now};
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
		*out = json_pack("{s:s,s:s,s:o}", "exam", x.code, "server_time", rfc3339_format(now, t, sizeof t),
				 "rows", pl.rows);
		pl.rows = NULL;
	}
	json_decref(pl.rows);
	exam_row_free(&x);
	return rc;
}
