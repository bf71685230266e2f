/* exam_submit.c — grading an attempt with the current keys, submitting (by the examinee or
 * the auto-submit sweep), regrading a whole exam and granting retakes. The scoring rules
 * themselves are grade.c (pure). */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "study.h"
#include "grade.h"
#include "mem.h"
#include "store_exams.h"

/* An attempt's saved responses by position (the store_answers callback fills it). */
struct grading {
	struct { char resp[16]; int has; } *ans;
	int nans;
};

static void ans_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	struct grading *g = ctx;
	if (position < 1 || position > LX_MAX_POSITIONS)
		return;
	if (position >= g->nans) {
		int n = position + 1;
		g->ans = lx_realloc(g->ans, (size_t)n * sizeof *g->ans);
		memset(g->ans + g->nans, 0, (size_t)(n - g->nans) * sizeof *g->ans);
		g->nans = n;
	}
	snprintf(g->ans[position].resp, sizeof g->ans[position].resp, "%s", response);
	g->ans[position].has = 1;
}

struct gq {
	int position, points2;
	enum q_type type;
	char key[LX_MAX_OPTIONS + 1];
};

struct gqs {
	struct gq *v;
	size_t n;
};

static void gq_cb(void *ctx, const struct aq_row *q)
{
	struct gqs *l = ctx;
	l->v = lx_realloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n].position = q->position;
	l->v[l->n].points2 = q->points2;
	l->v[l->n].type = exam_type_of(q->type);
	snprintf(l->v[l->n].key, sizeof l->v[l->n].key, "%s", q->answer);
	l->n++;
}

/* Grades attempt a with the current keys of its drawn versions; stores per-answer credit
 * when write. */
static int grade_attempt(struct store *db, const struct attempt_row *a, enum scoring sc, int write, long *score2,
			 struct lx_err *e)
{
	struct grading g = {0};
	struct gqs qs = {0};
	int rc = store_answers(db, a->id, ans_cb, &g, e);
	if (rc == LX_OK)
		rc = store_aq_list(db, a->id, gq_cb, &qs, e);
	int *pos = lx_calloc(qs.n ? qs.n : 1, sizeof *pos), *earned2 = lx_calloc(qs.n ? qs.n : 1, sizeof *earned2);
	size_t nw = 0;
	*score2 = 0;
	for (size_t i = 0; rc == LX_OK && i < qs.n; i++) {
		const struct gq *q = &qs.v[i];
		const char *resp = q->position < g.nans && g.ans[q->position].has ? g.ans[q->position].resp : "";
		int earned = grade_answer(q->type, q->key, resp, q->points2, sc);
		*score2 += earned;
		if (write && q->position < g.nans && g.ans[q->position].has) {
			pos[nw] = q->position;
			earned2[nw++] = earned;
		}
	}
	if (rc == LX_OK && nw) /* the credit of every stored answer, in one statement on PostgreSQL */
		rc = store_answers_earned(db, a->id, pos, earned2, nw, e);
	free(pos);
	free(earned2);
	free(qs.v);
	free(g.ans);
	return rc;
}

int exam_submit(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now, const char *reason,
		struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	long score2 = 0;
	int rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc || a.status == AST_SUBMITTED)
		return rc; /* idempotent */
	if (a.status == AST_VOIDED) /* an administrator voided it (作废): nothing to grade */
		return err_tag(e, LX_ERR_CONFLICT, "attempt_closed", "该答卷已被作废，无法交卷");
	rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK)
		rc = grade_attempt(db, &a, exam_scoring_of(&x), 1, &score2, e);
	if (rc == LX_OK)
		rc = store_attempt_submit(db, a.id, now, reason, score2,
					  grade_passed(score2, a.max_score2, x.pass_percent), e);
	if (rc == LX_OK)
		rc = exam_receipt_issue(db, a.id, e);
	if (rc == LX_OK) /* review immediate (mock exams): its wrong answers go to the 错题本 now */
		rc = study_mistakes_ingest(db, a.user_id, now, NULL, e);
	exam_row_free(&x);
	return rc;
}

struct idvec {
	int64_t *v;
	size_t n;
};

static void id_cb(void *ctx, int64_t id)
{
	struct idvec *l = ctx;
	l->v = lx_realloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = id;
}

int exam_autosubmit(struct store *db, int64_t now, int grace, int *count, struct lx_err *e)
{
	struct idvec ids = {0};
	int got = 0;
	int rc = store_sweep_lock(db, &got, e);
	*count = 0;
	if (rc || !got)
		return rc; /* another node sweeps this second */
	rc = store_overdue_attempts(db, now - grace, id_cb, &ids, e);
	for (size_t i = 0; rc == LX_OK && i < ids.n; i++) {
		rc = exam_submit(db, ids.v[i], 0, now, "timeout", e);
		if (rc == LX_OK)
			(*count)++;
	}
	free(ids.v);
	return rc;
}

int exam_any_overdue(struct store *db, int64_t now, int grace)
{
	struct idvec ids = {0};
	int any;
	store_overdue_attempts(db, now - grace, id_cb, &ids, NULL);
	any = ids.n > 0;
	free(ids.v);
	return any;
}

int exam_regrade(struct store *db, const char *exam_code, int dry_run,
		 void (*report)(void *ctx, int64_t attempt_id, const char *login, long old2, long new2,
				int old_passed, int new_passed),
		 void *ctx, int *changed, struct lx_err *e)
{
	struct exam_row x = {0};
	struct idvec ids = {0};
	int rc = store_exam_by_code(db, exam_code, &x, e);
	*changed = 0;
	if (rc == LX_OK)
		rc = store_submitted_attempts(db, x.id, id_cb, &ids, e);
	for (size_t i = 0; rc == LX_OK && i < ids.n; i++) {
		struct attempt_row a;
		struct user u = {0};
		long new2;
		int passed;
		rc = store_attempt_get(db, ids.v[i], &a, e);
		if (rc == LX_OK)
			rc = grade_attempt(db, &a, exam_scoring_of(&x), !dry_run, &new2, e);
		if (rc)
			break;
		passed = grade_passed(new2, a.max_score2, x.pass_percent);
		if (new2 == a.score2 && passed == a.passed)
			continue;
		(*changed)++;
		store_user_by_id(db, a.user_id, &u, NULL);
		if (report)
			report(ctx, a.id, u.login ? u.login : "?", a.score2, new2, a.passed, passed);
		user_free(&u);
		if (!dry_run)
			rc = store_attempt_regrade(db, a.id, new2, passed, e);
	}
	free(ids.v);
	exam_row_free(&x);
	return rc;
}

int exam_grant_retake(struct store *db, const char *exam_code, const char *login, struct lx_err *e)
{
	struct exam_row x = {0};
	struct user u = {0};
	int rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK && (rc = store_user_by_login(db, login, &u, e)) != LX_OK)
		err_set(e, rc, "用户不存在：%s", login);
	if (rc == LX_OK)
		rc = store_retake_grant(db, x.id, u.id, e);
	user_free(&u);
	exam_row_free(&x);
	return rc;
}
