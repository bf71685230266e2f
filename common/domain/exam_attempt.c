/* exam_attempt.c — what every part of the exam asks about an attempt and its exam: whose it
 * is (another person's is "not found"), what may be shown when (results, review), the
 * paper's positions, the scoring mode, attempt summaries, the stored definition, the
 * candidates of a section, and the small JSON values the views share. No writes here. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "grade.h"
#include "clock.h"
#include "mem.h"
#include "store_exams.h"
#include "store_laws.h"

enum q_type exam_type_of(const char *s)
{
	enum q_type t = QT_SINGLE;
	qtype_parse(s, &t);
	return t;
}

int exam_results_visible(const struct exam_row *x, int64_t now)
{
	if (strcmp(x->results, "immediate") == 0)
		return 1;
	if (strcmp(x->results, "after_close") == 0)
		return now >= x->closes_at;
	return 0;
}

int exam_review_allowed(const struct exam_row *x, const struct attempt_row *a, int64_t now)
{
	if (a->status != AST_SUBMITTED)
		return 0;
	if (strcmp(x->review, "immediate") == 0)
		return 1;
	if (strcmp(x->review, "after_close") == 0)
		return now >= x->closes_at;
	return 0;
}

int exam_review_open(struct store *db, const struct exam_row *x, const struct attempt_row *a, int64_t now,
		     int *open, struct lx_err *e)
{
	struct attempts_sum sum = {0};
	int rc;

	*open = 0;
	if (!exam_review_allowed(x, a, now))
		return LX_OK;
	rc = store_attempts_of(db, a->exam_id, a->user_id, exam_attempts_sum_cb, &sum, e);
	if (rc == LX_OK)
		*open = sum.in_progress_id == 0;
	return rc;
}

/* Loads an attempt and checks ownership: another person's attempt is "not found". */
int exam_own_attempt(struct store *db, int64_t attempt_id, int64_t user_id, struct attempt_row *a,
		       struct lx_err *e)
{
	int rc = store_attempt_get(db, attempt_id, a, e);
	if (rc == LX_OK && user_id && a->user_id != user_id)
		rc = err_set(e, LX_ERR_NOTFOUND, "答卷不存在");
	return rc;
}

/* Records position's type and perm in t (t->v grows; the caller frees it). */
void exam_pos_put(struct pos_table *t, int position, enum q_type type, const char *perm)
{
	if (position < 1 || position > LX_MAX_POSITIONS)
		return;
	if (position > t->n) {
		if (position >= t->cap) {
			t->cap = position + 1 > 2 * t->cap ? position + 1 : 2 * t->cap;
			t->v = lx_realloc(t->v, (size_t)t->cap * sizeof *t->v);
		}
		for (int i = t->n + 1; i <= position; i++)
			t->v[i].type = -1;
		t->n = position;
	}
	t->v[position].type = (int)type;
	{
		size_t n = strnlen(perm, sizeof t->v[position].perm - 1); /* as snprintf "%s" would cut it */
		memcpy(t->v[position].perm, perm, n);
		t->v[position].perm[n] = '\0';
	}
}

void exam_pos_cb(void *ctx, const struct aq_row *q)
{
	exam_pos_put(ctx, q->position, exam_type_of(q->type), q->perm);
}

enum scoring exam_scoring_of(const struct exam_row *x)
{
	return strcmp(x->scoring, "partial") == 0 ? SCORING_PARTIAL : SCORING_ALL_OR_NOTHING;
}

json_t *exam_time_json(int64_t t)
{
	char buf[40];
	return json_string(rfc3339_format(t, buf, sizeof buf));
}

json_t *exam_result_json(const struct attempt_row *a)
{
	return json_pack("{s:o,s:o,s:b}", "score", grade_score_json(a->score2), "max_score",
			 grade_score_json(a->max_score2), "passed", a->passed == 1);
}

static int has_tags(const char *tags_json, char *const *want, size_t n)
{
	json_t *tags;
	int ok = 1;
	if (n == 0)
		return 1;
	tags = json_loads(tags_json, 0, NULL);
	for (size_t i = 0; i < n && ok; i++) {
		size_t k;
		json_t *t;
		int found = 0;
		json_array_foreach(tags, k, t) if (json_is_string(t) && strcmp(json_string_value(t), want[i]) == 0)
			found = 1;
		ok = found;
	}
	json_decref(tags);
	return ok;
}

static void cand_cb(void *ctx, int64_t version_id, int difficulty, const char *tags_json, int n_options)
{
	struct cands *c = ctx;
	const struct exam_section *s = c->sec;
	if (difficulty < s->dmin || difficulty > s->dmax || !has_tags(tags_json, s->tags, s->n_tags))
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = lx_realloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n].id = version_id;
	c->v[c->n].difficulty = difficulty;
	c->v[c->n].n_options = n_options;
	c->n++;
}

/* Fills out (caller frees out->v, also on failure) with the candidates of section s. */
int exam_candidates(struct store *db, const struct exam_section *s, struct cands *out, struct lx_err *e)
{
	memset(out, 0, sizeof *out);
	out->sec = s;
	return store_candidates(db, s->bank, qtype_name(s->type), cand_cb, out, e);
}

struct held_ctx {
	const struct exam_section *sec;
	size_t n;
};

static void held_cb(void *ctx, int difficulty, const char *tags_json)
{
	struct held_ctx *h = ctx;
	if (difficulty >= h->sec->dmin && difficulty <= h->sec->dmax && has_tags(tags_json, h->sec->tags, h->sec->n_tags))
		h->n++;
}

int exam_candidates_held(struct store *db, const struct exam_section *s, size_t *held, struct lx_err *e)
{
	struct held_ctx h = {s, 0};
	int rc = store_candidates_held(db, s->bank, qtype_name(s->type), held_cb, &h, e);
	*held = h.n;
	return rc;
}

void exam_attempts_sum_cb(void *ctx, const struct attempt_row *a)
{
	struct attempts_sum *s = ctx;
	if (a->attempt_no > s->max_no)
		s->max_no = a->attempt_no;
	if (a->status == AST_VOIDED) {
		s->voided++;
		return;
	}
	s->total++;
	s->last = *a;
	s->has_last = 1;
	if (a->status == AST_IN_PROGRESS) {
		s->in_progress_id = a->id;
		s->in_progress = *a;
	} else if (!s->has_best || a->score2 > s->best.score2) {
		s->best = *a;
		s->has_best = 1;
	}
}

int exam_load_def(const struct exam_row *x, struct exam_def *def, struct lx_err *e)
{
	struct diag d = {0};
	int rc = examdef_parse(x->definition, strlen(x->definition), x->code, def, &d);
	if (rc)
		rc = err_set(e, LX_ERR_INTERNAL, "stored definition of %s does not parse: %s", x->code,
			     d.n ? d.items[0].message : "");
	diag_free(&d);
	return rc;
}
