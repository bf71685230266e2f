/* exam_int.h — what exam.c (attempts, saves, grading, tree views) shares with exam_render.c
 * (the paper cache and the Attempt JSON as bytes). Internal to those two files. */
#ifndef LAWEXAM_EXAM_INT_H
#define LAWEXAM_EXAM_INT_H

#include "lx_limits.h"
#include "model.h"
#include "exam.h"
#include "store_exams.h"


/* A paper position's question type and permutation, for validating and showing answers. */
struct pos_info {
	int type;      /* enum q_type, -1 = no such position */
	char perm[LX_MAX_OPTIONS + 1];
};

struct pos_table {
	struct pos_info *v;
	int n;         /* positions 1..n */
	int cap;       /* entries allocated in v */
};

/* Records position's type and perm in t (t->v grows; the caller frees it). */
void exam_pos_put(struct pos_table *t, int position, enum q_type type, const char *perm);
/* The type named s (single when unknown, as the tree views have always shown it). */
enum q_type exam_type_of(const char *s);
/* Whether the exam's results / this attempt's review may be shown at now. */
int exam_results_visible(const struct exam_row *x, int64_t now);
int exam_review_allowed(const struct exam_row *x, const struct attempt_row *a, int64_t now);
/* Loads an attempt and checks ownership (user_id 0: any): another person's is "not found". */
int exam_own_attempt(struct store *db, int64_t attempt_id, int64_t user_id, struct attempt_row *a,
		     struct lx_err *e);

#endif
