/* store_study.h — study (学法, SPEC §13) in the store: practice sets and their answers, the
 * per-user practice counts, the mistakes (错题本), the exam attempts taken into them, reading
 * time, and the study report's population. The rules (what is wrong, when a mistake leaves,
 * when an attempt's answers may be taken in) are the domain's (study.c); this is SQL only.
 * Strings handed to callbacks live only for the call. */
#ifndef LAWEXAM_STORE_STUDY_H
#define LAWEXAM_STORE_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store;

/* A practice candidate: an active question of a bank with its current version, in bank order,
 * not in review (needs_review: an article it cites changed; not drawn, as for papers).
 * seen: the user has answered it in practice before (for "sequential"). */
struct study_cand {
	int64_t question_id, version_id;
	const char *tags_json;
	int seen;
};
int store_practice_candidates(struct store *db, const char *bank, int64_t user_id,
			      void (*fn)(void *ctx, const struct study_cand *c), void *ctx, struct lx_err *e);
/* The user's mistakes still in the 错题本 (streak < 2) among bank's active questions, most
 * often wrong first. */
int store_practice_mistake_candidates(struct store *db, const char *bank, int64_t user_id,
				      void (*fn)(void *ctx, const struct study_cand *c), void *ctx,
				      struct lx_err *e);

int store_practice_set_insert(struct store *db, int64_t user_id, const char *bank, const char *mode, int64_t now,
			      int64_t *id, struct lx_err *e);
int store_practice_item_insert(struct store *db, int64_t set_id, int position, int64_t question_id,
			       int64_t version_id, struct lx_err *e);

/* One item of a practice set with its question version (what a reply needs). */
struct practice_item {
	int64_t user_id;          /* the set's owner */
	int64_t question_id, version_id;
	int position;
	const char *bank, *qid, *type, *stem, *options_json, *answer, *explanation, *basis;
	const char *response;     /* the stored first response, NULL before it */
	int correct;              /* -1 before an answer */
};
/* fn once per item of the set, in position order (position 0: all). LX_ERR_NOTFOUND if the
 * set (or that position) does not exist. */
int store_practice_items(struct store *db, int64_t set_id, int position,
			 void (*fn)(void *ctx, const struct practice_item *it), void *ctx, struct lx_err *e);
/* Records the first answer of a position; *applied = 0 if it already had one. */
int store_practice_answer(struct store *db, int64_t set_id, int position, const char *response, int correct,
			  int64_t now, int *applied, struct lx_err *e);
/* Adds one practice answer to the user's counts for bank, and marks the question seen. */
int store_study_count(struct store *db, int64_t user_id, const char *bank, int64_t question_id, int correct,
		      struct lx_err *e);

/* Banks with at least one active question: fn(code, title, active questions), by code. */
int store_practice_banks(struct store *db, void (*fn)(void *ctx, const char *code, const char *title, int64_t n),
			 void *ctx, struct lx_err *e);

/* --- mistakes (错题本) --- */
/* A wrong answer: the question enters (or stays in) the mistakes, wrong_count + 1, streak 0. */
int store_mistake_wrong(struct store *db, int64_t user_id, int64_t question_id, const char *response,
			int64_t now, struct lx_err *e);
/* A right answer in practice: streak + 1 of a mistake still in the book (none: no change). */
int store_mistake_right(struct store *db, int64_t user_id, int64_t question_id, int64_t now, struct lx_err *e);
/* The mistakes still in the book (streak < 2), most recent first. */
struct mistake_row {
	const char *bank, *qid, *type, *stem, *options_json, *last_response;
	int64_t wrong_count, streak, updated_at;
};
int store_mistakes(struct store *db, int64_t user_id, void (*fn)(void *ctx, const struct mistake_row *m),
		   void *ctx, struct lx_err *e);
/* Mistakes of a user still in the book (streak < 2). */
int store_mistakes_count(struct store *db, int64_t user_id, int64_t *n, struct lx_err *e);

/* Submitted attempts of user (not voided) whose missed questions are not yet in the mistakes and whose review
 * may be shown at now: review immediate, or after_close and closed; and no attempt of the
 * same user at the same exam in progress. */
int store_mistake_pending(struct store *db, int64_t user_id, int64_t now, void (*fn)(void *ctx, int64_t attempt_id),
			  void *ctx, struct lx_err *e);
/* The questions of a submitted attempt not answered right: a response that is not the key,
 * or none (left blank: response ""), in paper order: fn(question, the response in original
 * keys). */
int store_attempt_missed(struct store *db, int64_t attempt_id,
			 void (*fn)(void *ctx, int64_t question_id, const char *response), void *ctx,
			 struct lx_err *e);
int store_mistake_attempt_done(struct store *db, int64_t attempt_id, struct lx_err *e);

/* --- study records --- */
/* fn per bank the user practised: answered, correct. */
int store_study_banks(struct store *db, int64_t user_id,
		      void (*fn)(void *ctx, const char *bank, const char *title, int64_t answered, int64_t correct),
		      void *ctx, struct lx_err *e);
int store_study_answered(struct store *db, int64_t user_id, int64_t *answered, struct lx_err *e);
int store_reading_seconds(struct store *db, int64_t user_id, int64_t *seconds, struct lx_err *e);
/* The last counted reading ping of user (0 if none). */
int store_reading_last(struct store *db, int64_t user_id, int64_t *at, struct lx_err *e);
/* Counts seconds of reading law for user at now (and now becomes the last counted ping). */
int store_reading_add(struct store *db, int64_t user_id, const char *law, int seconds, int64_t now,
		      struct lx_err *e);
/* 1 if the user has a (real, not mock) exam attempt in progress (not voided). */
int store_exam_in_progress(struct store *db, int64_t user_id, int *yes, struct lx_err *e);

/* The study report's population: active users with the examinee role and their figures. */
struct study_person {
	const char *login, *name, *org, *category, *category_name;
	int64_t category_ord;
	int64_t answered, correct, reading_s;
};
int store_study_people(struct store *db, int (*fn)(void *ctx, const struct study_person *p), void *ctx,
		       struct lx_err *e);

#endif
