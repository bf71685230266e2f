/* exam_def.h — exam definitions (SPEC §4.4, format lawexam-exam/1) parsed and validated in
 * memory. Checks that need the database (categories and banks exist, sections can be
 * filled) are exam_create()'s (exam_create.c). An exam_def owns its strings; examdef_free(). */
#ifndef LAWEXAM_EXAM_DEF_H
#define LAWEXAM_EXAM_DEF_H

#include <stddef.h>
#include <stdint.h>

#include "lx_limits.h"
#include "model.h"
#include "diag.h"
#include "grade.h"

enum results_policy { RESULTS_IMMEDIATE = 0, RESULTS_AFTER_CLOSE, RESULTS_HIDDEN };
enum review_policy { REVIEW_NEVER = 0, REVIEW_AFTER_CLOSE, REVIEW_IMMEDIATE };

struct exam_section {
	char *title;
	char *bank;
	enum q_type type;
	int count;
	int points2;      /* points × 2 */
	char **tags;
	size_t n_tags;
	int dmin, dmax;   /* difficulty range, 1..5 */
};

struct exam_paper {
	char **categories;
	size_t n_categories;
	struct exam_section *sections;
	size_t n_sections;
};

/* An exam time (opens_at, closes_at; also a notice's from and until): RFC 3339 with an
 * offset, 1970 to 9998. LX_OK with *out in Unix seconds, or LX_ERR_INVALID. */
int exam_time_parse(const char *s, int64_t *out);

struct exam_def {
	char *code, *title;
	int64_t opens_at, closes_at;
	int duration_minutes;
	int pass_percent;
	int max_attempts;
	enum scoring scoring;
	enum results_policy results;
	enum review_policy review;
	char **org_scope;
	size_t n_scope;
	struct exam_paper *papers;
	size_t n_papers;
	int mock;               /* "kind":"mock" (模拟考试): any number of attempts, review immediate,
				 * never in a report (SPEC §13) */
	int requires_practice;  /* "requires":{"practice_answered":N}: 0 = no prerequisite */
};

/* Parses and validates data. LX_OK, or LX_ERR_INVALID with every problem in d located as
 * "FILE:LINE" (syntax) or "FILE: papers[1].sections[0].count" (field). */
int examdef_parse(const char *data, size_t len, const char *fname, struct exam_def *out, struct diag *d);
void examdef_free(struct exam_def *def);
/* The paper for a category code, or NULL. */
const struct exam_paper *examdef_paper_for(const struct exam_def *def, const char *category, int *index);
long examdef_max_score2(const struct exam_paper *p);
const char *examdef_results_name(enum results_policy r);
const char *examdef_review_name(enum review_policy r);
/* A warning about a definition that is valid but risky (Chinese, for the administrator), or
 * NULL: review immediate with more than one attempt shows the keys between two attempts. */
const char *examdef_warning(const struct exam_def *d);
const char *examdef_scoring_name(enum scoring s);

#endif
