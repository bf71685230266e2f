/* store_reports.h — the read queries behind the HR and item-analysis reports (SPEC §7).
 * Each report is one SQL statement streamed row by row into a callback; nothing here
 * aggregates or formats (that is report.c / report_out.c). Callers wrap the calls in
 * store_read_begin()/store_read_end() so every figure comes from one snapshot.
 * Strings handed to callbacks live only for the call. */
#ifndef LAWEXAM_STORE_REPORTS_H
#define LAWEXAM_STORE_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

struct store;

/* The exam a report is about. Caller frees the strings with report_exam_free(). */
struct report_exam {
	int64_t id;
	char *code, *title;
	int pass_percent;
};
void report_exam_free(struct report_exam *x);

/* LX_ERR_NOTFOUND (message in Chinese) when no exam has this code. */
int store_report_exam(struct store *db, const char *code, struct report_exam *out, struct lx_err *e);

/* One assigned person (SPEC §7: active, examinee role, category with a paper, in scope)
 * with their best submitted attempt: highest score2, ties broken by the earliest
 * submitted_at, then the lowest attempt id. */
struct report_person {
	const char *login, *name;
	const char *org;           /* the full unit path */
	const char *category;      /* code */
	const char *category_name; /* 中文名 */
	int64_t category_ord;      /* categories in creation order (seeded order first) */
	enum attempt_status status; /* exempt (免考) first; else submitted if any attempt is
				     * submitted; voided attempts never count */
	int64_t score2, max_score2; /* best attempt (status == AST_SUBMITTED), else 0 */
	int passed;                /* best attempt passed (0/1) */
	int64_t submitted_at;      /* best attempt's, else 0 */
	const char *receipt;       /* best attempt's receipt code (回执), "" or NULL if none */
};

/* Calls fn once per assigned person of exam_id. sorted != 0 orders the rows by unit path
 * then login (the results list); 0 leaves the backend's order (aggregation does not care).
 * A non-zero return from fn stops the walk and is returned. */
typedef int (*report_person_fn)(void *ctx, const struct report_person *p);
int store_report_people(struct store *db, int64_t exam_id, int sorted, report_person_fn fn, void *ctx,
			struct lx_err *e);

/* Item analysis: one row per question version drawn in the exam's submitted attempts.
 * Upper/lower groups are per item: the n attempts that drew it, ordered by total score2
 * descending then attempt id; k = max(1, n × 27 / 100) (integer division); the first k
 * are the upper group, the last k the lower group (they never overlap when n ≥ 2).
 * "correct" means answers.earned2 = attempt_questions.points2; no answer row is wrong.
 * chosen[i] counts responses holding key "ABCDEFGHTF"[i] (original keys); upper_chosen[i]
 * the same within the upper group. answer is the version's key now (original keys). */
#define REPORT_OPTION_KEYS "ABCDEFGHTF"
#define REPORT_N_OPTION_KEYS 10
struct report_item {
	int64_t version_id;
	const char *bank, *qid, *type, *stem;
	const char *options_json; /* the version's option texts, a JSON array ("[]" for judge) */
	int version;
	int64_t drawn, correct;
	int64_t k, upper_correct, lower_correct;
	int64_t chosen[REPORT_N_OPTION_KEYS];
	int64_t upper_chosen[REPORT_N_OPTION_KEYS];
	const char *answer;
};
typedef int (*report_item_fn)(void *ctx, const struct report_item *it);
/* Items in bank, question order, version order. *attempts gets the number of submitted attempts. */
int store_report_items(struct store *db, int64_t exam_id, int64_t *attempts, report_item_fn fn, void *ctx,
		       struct lx_err *e);

#endif
