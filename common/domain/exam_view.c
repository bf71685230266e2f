/* exam_view.c — the exam's JSON views as jansson trees: the Attempt (the reference for
 * exam_render.c's bytes), the review with keys, the submit reply, the examinee's exam list,
 * the monitor and the administrators' list and show. Reads only. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "store_study.h"
#include "clock.h"
#include "grade.h"
#include "lawlib.h"
#include "mem.h"
#include "paper.h"
#include "receipt.h"
#include "store_exams.h"

static void credit_cb(void *ctx, int seconds, const char *reason, int64_t at)
{
	json_array_append_new(ctx, json_pack("{s:i,s:s,s:o}", "seconds", seconds, "reason", reason, "at",
					     exam_time_json(at)));
}

/* The receipt as shown (XXXX-XXXX-XXXX-XXXX), or null when none was issued. */
static json_t *receipt_json(const struct attempt_row *a)
{
	char shown[RECEIPT_SHOWN_LEN + 1];
	if (!a->receipt[0])
		return json_null();
	receipt_group(a->receipt, shown);
	return json_string(shown);
}

struct view {
	json_t *questions;
	json_t *answers;      /* position → displayed response */
	struct pos_table pos; /* perms, for mapping answers */
	int review;
	json_t *review_extra; /* position → {key, explanation, basis} */
};

static json_t *options_json(const char *type, const char *options_json, const char *perm)
{
	json_t *out = json_array();
	if (strcmp(type, "judge") == 0) {
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", "T", "text", JUDGE_TRUE_ZH));
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", "F", "text", JUDGE_FALSE_ZH));
		return out;
	}
	json_t *opts = json_loads(options_json, 0, NULL);
	for (size_t i = 0; perm[i]; i++) {
		json_t *o = json_array_get(opts, (size_t)(perm[i] - 'A'));
		char key[2] = {(char)('A' + i), 0};
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", key, "text",
						     json_is_string(o) ? json_string_value(o) : ""));
	}
	json_decref(opts);
	return out;
}

static void view_q_cb(void *ctx, const struct aq_row *q)
{
	struct view *v = ctx;
	json_t *jq = json_pack("{s:i,s:s,s:s,s:s,s:o,s:o}", "position", q->position, "section", q->section_title,
			       "type", q->type, "stem", q->stem, "options", options_json(q->type, q->options_json, q->perm),
			       "points", grade_score_json(q->points2));
	if (v->review) {
		char disp[16];
		paper_to_displayed(q->perm, q->answer, disp, sizeof disp);
		json_object_set_new(jq, "key", json_string(disp));
		json_object_set_new(jq, "explanation", json_string(q->explanation));
		json_object_set_new(jq, "basis", json_string(q->basis));
		json_object_set_new(jq, "earned", json_integer(0)); /* set from the answer below */
	}
	json_array_append_new(v->questions, jq);
	exam_pos_cb(&v->pos, q);
}

static void view_a_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	struct view *v = ctx;
	char disp[16], k[16];
	if (position < 1 || position > v->pos.n || v->pos.v[position].type < 0)
		return;
	paper_to_displayed(v->pos.v[position].perm, response, disp, sizeof disp);
	snprintf(k, sizeof k, "%d", position);
	json_object_set_new(v->answers, k, json_string(disp));
	if (v->review && earned2 > 0) { /* questions are in position order, 1-based */
		json_t *q = json_array_get(v->questions, (size_t)position - 1);
		if (q && json_integer_value(json_object_get(q, "position")) == position)
			json_object_set_new(q, "earned", grade_score_json(earned2));
	}
}

static int attempt_view(struct store *db, const struct attempt_row *a, const struct exam_row *x, int review,
			int64_t now_ms, json_t **out, struct lx_err *e)
{
	struct view v = {.questions = json_array(), .answers = json_object(), .review = review};
	char t[48];
	int open = 0;
	int rc = store_aq_list(db, a->id, view_q_cb, &v, e);
	if (rc == LX_OK)
		rc = store_answers(db, a->id, view_a_cb, &v, e);
	if (rc) {
		json_decref(v.questions);
		json_decref(v.answers);
		free(v.pos.v);
		return rc;
	}
	*out = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:s,s:i,s:o,s:o}", "id", (json_int_t)a->id, "exam_code", x->code,
			 "exam_title", x->title, "status", attempt_status_name(a->status), "started_at", exam_time_json(a->started_at),
			 "deadline", exam_time_json(a->deadline), "server_time", rfc3339_format_ms(now_ms, t, sizeof t),
			 "duration_minutes", x->duration_s / 60, "questions", v.questions, "answers", v.answers);
	{
		json_t *credits = json_array();
		if (rc == LX_OK)
			rc = store_attempt_credits(db, a->id, credit_cb, credits, e);
		json_object_set_new(*out, "credits", credits);
	}
	if (a->status == AST_SUBMITTED) {
		json_object_set_new(*out, "submitted_at", exam_time_json(a->submitted_at));
		json_object_set_new(*out, "receipt", receipt_json(a));
		json_object_set_new(*out, "result", exam_results_visible(x, now_ms / 1000) ? exam_result_json(a) : json_null());
	} else {
		json_object_set_new(*out, "result", json_null());
	}
	if (rc == LX_OK)
		rc = exam_review_open(db, x, a, now_ms / 1000, &open, e);
	json_object_set_new(*out, "review_available", json_boolean(open));
	free(v.pos.v);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int exam_attempt_json(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now_ms, json_t **out,
		      struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	int rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK)
		rc = attempt_view(db, &a, &x, 0, now_ms, out, e);
	exam_row_free(&x);
	return rc;
}

int exam_review_json(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now, json_t **out,
		     struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	int open = 0;
	int rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK && !exam_review_allowed(&x, &a, now))
		rc = err_tag(e, LX_ERR_DENIED, "review_not_available", "本次考试暂不允许查看答案与解析");
	if (rc == LX_OK)
		rc = exam_review_open(db, &x, &a, now, &open, e);
	if (rc == LX_OK && !open)
		rc = err_tag(e, LX_ERR_DENIED, "review_not_available",
			     "您在本场考试还有一次作答正在进行，交卷后才能查看答案与解析");
	if (rc == LX_OK)
		rc = attempt_view(db, &a, &x, 1, now * 1000, out, e);
	if (rc == LX_OK) { /* each basis as (law, article) for the link to the law page (SPEC §13) */
		struct lawlib_res *r = lawlib_res_new();
		json_t *q;
		size_t i;
		json_array_foreach(json_object_get(*out, "questions"), i, q)
			json_object_set_new(q, "law", lawlib_basis_json(db, r, json_string_value(json_object_get(q, "basis"))));
		lawlib_res_free(r);
	}
	exam_row_free(&x);
	return rc;
}

int exam_submit_json(struct store *db, int64_t attempt_id, json_t **out, struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	int64_t now = clock_now();
	int rc = store_attempt_get(db, attempt_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK)
		*out = json_pack("{s:s,s:o,s:o,s:o}", "status", attempt_status_name(a.status), "submitted_at", exam_time_json(a.submitted_at),
				 "receipt", receipt_json(&a), "result", exam_results_visible(&x, now) && a.passed >= 0 ? exam_result_json(&a) : json_null());
	exam_row_free(&x);
	return rc;
}

struct list_ctx {
	struct store *db;
	const struct user *u;
	int64_t now;
	int grace;
	json_t *arr;
	int rc;
	struct lx_err *e;
};

/* "question_count" and "max_score" of the paper for category (null when the definition does
 * not parse or has no paper for it), added to item. */
static void paper_facts(const struct exam_row *x, const char *category, json_t *item, int *requires)
{
	struct exam_def def;
	struct lx_err e = {0};
	long questions = -1, max2 = 0;

	*requires = 0;
	if (category && exam_load_def(x, &def, &e) == LX_OK) {
		*requires = def.requires_practice;
		for (size_t p = 0; p < def.n_papers && questions < 0; p++)
			for (size_t c = 0; c < def.papers[p].n_categories; c++) {
				if (strcmp(def.papers[p].categories[c], category) != 0)
					continue;
				questions = 0;
				for (size_t k = 0; k < def.papers[p].n_sections; k++) {
					questions += def.papers[p].sections[k].count;
					max2 += (long)def.papers[p].sections[k].count * def.papers[p].sections[k].points2;
				}
				break;
			}
		examdef_free(&def);
	}
	json_object_set_new(item, "question_count", questions >= 0 ? json_integer(questions) : json_null());
	json_object_set_new(item, "max_score", questions >= 0 ? grade_score_json(max2) : json_null());
}

static void list_cb(void *ctx, const char *code)
{
	struct list_ctx *l = ctx;
	struct exam_row x = {0};
	struct attempts_sum s = {0};
	int assigned = 0, retakes = 0, requires = 0, mock;
	const char *status;
	json_t *item;

	if (l->rc || store_exam_by_code(l->db, code, &x, l->e) != LX_OK)
		goto out;
	if (store_exam_assigned(l->db, x.id, l->u->id, &assigned, l->e) != LX_OK || !assigned)
		goto out;
	store_attempts_of(l->db, x.id, l->u->id, exam_attempts_sum_cb, &s, l->e);
	store_retakes(l->db, x.id, l->u->id, &retakes, l->e);
	if (s.in_progress_id && l->now <= s.in_progress.deadline + l->grace)
		status = "in_progress";
	else if (l->now < x.opens_at)
		status = "upcoming";
	else if (s.has_best && ((!EXAM_IS_MOCK(&x) && s.total >= x.max_attempts + retakes) || l->now >= x.closes_at))
		status = "submitted";
	else if (l->now >= x.closes_at)
		status = "closed";
	else
		status = "open";
	item = json_pack("{s:s,s:s,s:o,s:o,s:i,s:s,s:i,s:i}", "code", x.code, "title", x.title, "opens_at",
			 exam_time_json(x.opens_at), "closes_at", exam_time_json(x.closes_at), "duration_minutes",
			 x.duration_s / 60, "status", status, "attempts_used", s.total, "attempts_allowed",
			 x.max_attempts + retakes);
	json_object_set_new(item, "attempt_id", s.has_last ? json_integer(s.in_progress_id ? s.in_progress_id : s.last.id)
							   : json_null());
	/* What the start dialog tells before the clock runs: the pass line, the paper's size and
	 * full marks for my category, and whether the next attempt is a granted retake (补考). */
	json_object_set_new(item, "pass_percent", json_integer(x.pass_percent));
	json_object_set_new(item, "retake", json_boolean(retakes > 0 && s.total >= x.max_attempts &&
							 strcmp(status, "open") == 0));
	mock = EXAM_IS_MOCK(&x);
	json_object_set_new(item, "kind", json_string(mock ? "mock" : "exam"));
	if (mock) /* any number of attempts */
		json_object_set_new(item, "attempts_allowed", json_null());
	paper_facts(&x, l->u->category, item, &requires);
	if (requires > 0) { /* the prerequisite and how far I am (SPEC §13) */
		int64_t done = 0;
		store_study_answered(l->db, l->u->id, &done, NULL);
		json_object_set_new(item, "requires", json_pack("{s:i,s:I}", "practice_answered", requires, "done",
								(json_int_t)done));
	}
	json_object_set_new(item, "result", s.has_best && exam_results_visible(&x, l->now) ? exam_result_json(&s.best) : json_null());
	json_array_append_new(l->arr, item);
out:
	exam_row_free(&x);
}

int exam_list_json(struct store *db, const struct user *u, int64_t now, int grace, json_t **out, struct lx_err *e)
{
	struct list_ctx l = {db, u, now, grace, json_array(), 0, e};
	int rc = store_exam_codes(db, list_cb, &l, e);
	if (rc) {
		json_decref(l.arr);
		return rc;
	}
	*out = json_pack("{s:o}", "exams", l.arr);
	return LX_OK;
}

int exam_monitor_json(struct store *db, const char *exam_code, int64_t now, json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	int64_t assigned = 0, not_started = 0, in_progress = 0, submitted = 0, exempt = 0;
	char t[40];
	int rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = store_exam_monitor(db, x.id, &assigned, &not_started, &in_progress, &submitted, &exempt, e);
	if (rc == LX_OK)
		*out = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s}", "exam", x.code, "title", x.title, "assigned",
				 (json_int_t)assigned, "not_started", (json_int_t)not_started, "in_progress",
				 (json_int_t)in_progress, "submitted", (json_int_t)submitted, "exempt", (json_int_t)exempt,
				 "server_time", rfc3339_format(now, t, sizeof t));
	exam_row_free(&x);
	return rc;
}

struct alist {
	struct store *db;
	json_t *arr;
};

static void alist_cb(void *ctx, const char *code)
{
	struct alist *l = ctx;
	struct exam_row x = {0};
	if (store_exam_by_code(l->db, code, &x, NULL) != LX_OK)
		return;
	json_array_append_new(l->arr, json_pack("{s:s,s:s,s:o,s:o,s:i,s:i,s:i,s:s,s:s,s:s,s:s}", "code", x.code, "title",
						x.title, "opens_at", exam_time_json(x.opens_at), "closes_at",
						exam_time_json(x.closes_at), "duration_minutes", x.duration_s / 60,
						"pass_percent", x.pass_percent, "max_attempts", x.max_attempts,
						"multiple_scoring", x.scoring, "results", x.results, "review", x.review,
						"kind", EXAM_IS_MOCK(&x) ? "mock" : "exam"));
	exam_row_free(&x);
}

int exam_admin_list_json(struct store *db, const char *scope, json_t **out, struct lx_err *e)
{
	struct alist l = {db, json_array()};
	int rc = store_exam_codes_in_scope(db, scope, alist_cb, &l, e);
	if (rc) {
		json_decref(l.arr);
		return rc;
	}
	*out = json_pack("{s:o}", "exams", l.arr);
	return LX_OK;
}

int exam_show_json(struct store *db, const char *exam_code, int64_t now, json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	json_t *mon = NULL, *def;
	int rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = exam_monitor_json(db, exam_code, now, &mon, e);
	if (rc == LX_OK) {
		def = json_loads(x.definition, 0, NULL);
		*out = json_pack("{s:o,s:o}", "definition", def ? def : json_null(), "counts", mon);
	}
	exam_row_free(&x);
	return rc;
}
