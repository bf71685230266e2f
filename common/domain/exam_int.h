/* exam_int.h — what the exam_*.c files share (exam_attempt.c defines it): attempt access and
 * visibility, paper positions, scoring mode, attempt summaries, section candidates, and the
 * JSON values of times and results. Internal to common/domain/exam_*.c. */
#ifndef LAWEXAM_EXAM_INT_H
#define LAWEXAM_EXAM_INT_H

#include "lx_limits.h"
#include "model.h"
#include "exam.h"
#include "store_exams.h"
#include "grade.h"
#include <jansson.h>


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
/* A store_aq_list callback recording each question's position in the pos_table ctx. */
void exam_pos_cb(void *ctx, const struct aq_row *q);
/* The type named s (single when unknown, as the tree views have always shown it). */
enum q_type exam_type_of(const char *s);
/* Whether this attempt's review may be shown at now (results: exam_results_visible, exam.h). */
int exam_review_allowed(const struct exam_row *x, const struct attempt_row *a, int64_t now);
/* The review of a as it may be shown now: exam_review_allowed, and the same person has no
 * attempt in progress at the same exam (a retake or a second attempt may draw the same
 * questions: its keys must not be readable meanwhile). *open gets 0 or 1; LX_OK or a store
 * error. */
int exam_review_open(struct store *db, const struct exam_row *x, const struct attempt_row *a, int64_t now,
		     int *open, struct lx_err *e);
/* Loads an attempt and checks ownership (user_id 0: any): another person's is "not found". */
int exam_own_attempt(struct store *db, int64_t attempt_id, int64_t user_id, struct attempt_row *a,
		     struct lx_err *e);

/* The exam's scoring mode. */
enum scoring exam_scoring_of(const struct exam_row *x);
/* An RFC 3339 time as a JSON string; a submitted attempt's {"score","max_score","passed"}. */
json_t *exam_time_json(int64_t t);
json_t *exam_result_json(const struct attempt_row *a);

/* A section's candidates: active questions of its bank and type, with its tags and within
 * its difficulty range. */
struct cand {
	int64_t id;
	int difficulty;
	int n_options;
};

struct cands {
	struct cand *v;
	size_t n, cap;
	const struct exam_section *sec;
};
/* Fills out (caller frees out->v, also on failure) with the candidates of section s. */
int exam_candidates(struct store *db, const struct exam_section *s, struct cands *out, struct lx_err *e);
/* How many questions section s would also match but that are in review (needs_review, SPEC §13). */
int exam_candidates_held(struct store *db, const struct exam_section *s, size_t *held, struct lx_err *e);

/* A person's attempts at one exam, summed up by exam_attempts_sum_cb (a store_attempts_of
 * callback; ctx is a zeroed struct attempts_sum). */
struct attempts_sum {
	int total;         /* attempts that count: voided ones (作废) are left out */
	int voided;
	int max_no;        /* the highest attempt_no, voided included (the next is max_no + 1) */
	int64_t in_progress_id;
	struct attempt_row in_progress, best, last;
	int has_best, has_last;
};
void exam_attempts_sum_cb(void *ctx, const struct attempt_row *a);
/* Parses the exam's stored definition (it parsed when stored: a failure is internal). */
int exam_load_def(const struct exam_row *x, struct exam_def *def, struct lx_err *e);

#endif
