/* store_exams.h — exams, attempts, drawn papers and answers in the store. Rows come back in
 * structs whose strings the struct owns (free with the matching *_free), or through
 * callbacks whose string arguments live only for the call. */
#ifndef LAWEXAM_STORE_EXAMS_H
#define LAWEXAM_STORE_EXAMS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "lx_limits.h"
#include "model.h"

struct store;

struct exam_row {
	int64_t id;
	char *code, *title;
	int64_t opens_at, closes_at;
	int duration_s, pass_percent, max_attempts;
	char *scoring, *results, *review;
	char *definition;  /* the canonical lawexam-exam/1 JSON */
	char *kind;        /* "exam" or "mock" (模拟考试: never in a report); NULL inserts "exam" */
};
/* 1 if x is a mock exam (模拟考试). */
#define EXAM_IS_MOCK(x) ((x)->kind && (x)->kind[0] == 'm')
void exam_row_free(struct exam_row *r);

int store_exam_insert(struct store *db, const struct exam_row *r, const char *const *scope, size_t n_scope,
		      int64_t now, int64_t *id, struct lx_err *e);
int store_exam_paper_insert(struct store *db, int64_t exam_id, const char *category, int paper_idx,
			    struct lx_err *e);
int store_exam_by_code(struct store *db, const char *code, struct exam_row *out, struct lx_err *e);
int store_exam_by_id(struct store *db, int64_t id, struct exam_row *out, struct lx_err *e);
int store_exam_codes(struct store *db, void (*fn)(void *ctx, const char *code), void *ctx, struct lx_err *e);
/* The exams of a scoped principal (scope NULL: every exam, as store_exam_codes): those that
 * assign someone in the scope's unit or its sub-units, exempt or not, or in which someone
 * there has an attempt; in the same order (opens_at, code). */
int store_exam_codes_in_scope(struct store *db, const char *scope, void (*fn)(void *ctx, const char *code),
			      void *ctx, struct lx_err *e);
/* Active staff holding the examinee role, counted per unit and category (fn per pair, in unit
 * path order, then category code): the people any exam could assign, before it exists (the
 * exam-creation form's preview; the rule of SQL_ASSIGNED less the exam's papers and scope). */
int store_examinee_counts(struct store *db, void (*fn)(void *ctx, const char *org, const char *category, int64_t n),
			  void *ctx, struct lx_err *e);
/* 1 if user (id) is assigned to exam: active, examinee, category has a paper, in scope, not
 * exempt (免考). */
int store_exam_assigned(struct store *db, int64_t exam_id, int64_t user_id, int *assigned, struct lx_err *e);
/* Counts for the live monitor: the assigned population without the exempt, who are counted
 * apart (*exempt). Voided attempts do not count. */
int store_exam_monitor(struct store *db, int64_t exam_id, int64_t *assigned, int64_t *not_started,
		       int64_t *in_progress, int64_t *submitted, int64_t *exempt, struct lx_err *e);

/* One assigned person of an exam and the attempt that says where they stand: the one in
 * progress if any, else the best submitted (highest score, earliest, lowest id), else none.
 * Strings live only for the callback. */
struct exam_person {
	const char *login, *name, *org, *category;
	int64_t attempt_id;         /* 0: no attempt */
	enum attempt_status status; /* of that attempt; AST_NOT_STARTED when none */
	int64_t started_at, deadline, submitted_at;
	int64_t score2, max_score2; /* when status == AST_SUBMITTED */
	int passed;
	int64_t last_seen;          /* the latest activity of any of their sessions; 0: none */
};
typedef int (*exam_person_fn)(void *ctx, const struct exam_person *p);
/* The assigned people of exam_id in unit path order, then login. scope and org (NULL: no
 * limit) each keep a unit and its sub-units; login (NULL: all) keeps one person. A non-zero
 * return of fn stops the walk and is returned. */
int store_exam_people(struct store *db, int64_t exam_id, const char *scope, const char *org, const char *login,
		      exam_person_fn fn, void *ctx, struct lx_err *e);

/* The monitor's counts per unit over scope (NULL: everything), in unit path order: n[] by
 * enum attempt_status up to AST_EXEMPT (exempt whatever they took; else in progress while
 * any attempt is, else submitted when one is). n[AST_EXEMPT] are not assigned (SPEC §12). */
int store_exam_monitor_units(struct store *db, int64_t exam_id, const char *scope,
			     void (*fn)(void *ctx, const char *org, const int64_t n[4]), void *ctx, struct lx_err *e);

int store_bank_exists(struct store *db, const char *code, int *exists, struct lx_err *e);
/* Active questions of bank, not in review (store_laws.h), whose current version has type: fn
 * per candidate, in question order,
 * with its number of options (counted by SQL; 0 when the stored options are not a JSON array). */
int store_candidates(struct store *db, const char *bank, const char *type,
		     void (*fn)(void *ctx, int64_t version_id, int difficulty, const char *tags_json,
				int n_options),
		     void *ctx, struct lx_err *e);

/* The stamp of everything a start draws from: triggers (migration 3) change it in the same
 * transaction as any change to questions, question_versions or exams, by any program. So two
 * equal stamps read from one database mean the same content, and a cache stamped before it
 * read that content is fresh while the stamp stays equal. One point lookup. */
struct content_gen {
	int64_t n;     /* changes so far: strictly increasing over committed history */
	int64_t nonce; /* random per change: tells apart two stamps with equal n after a rollback */
};
int store_content_gen(struct store *db, struct content_gen *out, struct lx_err *e);

struct attempt_row {
	int64_t id, exam_id, user_id;
	int attempt_no;
	enum attempt_status status; /* AST_IN_PROGRESS, AST_SUBMITTED or AST_VOIDED */
	int64_t started_at, deadline, submitted_at;
	char reason[16];
	long score2, max_score2;
	int passed;        /* -1 while not graded */
	uint8_t seed[32];
	char receipt[20];  /* the 16-character code issued at submission, "" if none */
};

int store_attempt_insert(struct store *db, struct attempt_row *a, struct lx_err *e);
int store_attempt_get(struct store *db, int64_t id, struct attempt_row *out, struct lx_err *e);
/* The attempts of ids (repeats allowed; missing ones skipped), each passed to fn once; inside a
 * PostgreSQL write transaction locked FOR UPDATE in id order, in one statement. */
int store_attempts_get_many(struct store *db, const int64_t *ids, size_t n,
			    void (*fn)(void *ctx, const struct attempt_row *a), void *ctx, struct lx_err *e);
/* Attempts of one user in one exam, oldest first. */
int store_attempts_of(struct store *db, int64_t exam_id, int64_t user_id,
		      void (*fn)(void *ctx, const struct attempt_row *a), void *ctx, struct lx_err *e);
int store_attempt_submit(struct store *db, int64_t id, int64_t now, const char *reason, long score2,
			 int passed, struct lx_err *e);
/* Regrade: sets score and passed of a submitted attempt. */
int store_attempt_regrade(struct store *db, int64_t id, long score2, int passed, struct lx_err *e);
/* In-progress attempts whose deadline is before cutoff. */
int store_overdue_attempts(struct store *db, int64_t cutoff, void (*fn)(void *ctx, int64_t id), void *ctx,
			   struct lx_err *e);
int store_submitted_attempts(struct store *db, int64_t exam_id, void (*fn)(void *ctx, int64_t id), void *ctx,
			     struct lx_err *e);

/* One drawn question of an attempt, joined with its version. */
struct aq_row {
	int position, section_idx;
	const char *section_title;
	int64_t version_id;
	int points2;
	const char *perm;         /* original keys in display order; "" for judge */
	const char *type, *stem, *options_json, *answer, *explanation, *basis;
	const char *bank, *qid;
	int version;
};
int store_aq_insert(struct store *db, int64_t attempt_id, int position, int section_idx,
		    const char *section_title, int64_t version_id, int points2, const char *perm,
		    struct lx_err *e);
/* A drawn paper's questions at once (one statement on PostgreSQL: a start is one round trip
 * for the paper, not one per question). */
struct aq_new {
	int position, section_idx, points2;
	const char *section_title;
	int64_t version_id;
	char perm[LX_MAX_OPTIONS + 1];
};
int store_aq_insert_many(struct store *db, int64_t attempt_id, const struct aq_new *rows, size_t n,
			 struct lx_err *e);
/* The type ("single"…) and option permutation of one drawn question, for saves: cached per
 * connection, a statement for the first lookup of an attempt (store_aqcache.c).
 * LX_ERR_NOTFOUND when the attempt has no such position. */
int store_aq_get(struct store *db, int64_t attempt_id, int position, char *type, size_t typelen, char *perm,
		 size_t permlen, struct lx_err *e);
int store_aq_list(struct store *db, int64_t attempt_id, void (*fn)(void *ctx, const struct aq_row *q),
		  void *ctx, struct lx_err *e);
/* The same paper without the questions' text: one attempt_questions row per position, in
 * position order, no join (exam_render.c renders the text from its per-connection paper cache). */
struct aq_slot {
	int position, section_idx;
	const char *section_title;
	int64_t version_id;
	int points2;
	const char *perm;         /* original keys in display order; "" for judge */
};
int store_aq_slots(struct store *db, int64_t attempt_id, void (*fn)(void *ctx, const struct aq_slot *q),
		   void *ctx, struct lx_err *e);
/* What an examinee sees of one question version: its type, stem and options (the stored JSON
 * text), through fn (strings live only for the call). LX_ERR_NOTFOUND if there is no such
 * version. A point lookup. */
int store_version_text(struct store *db, int64_t version_id,
		       void (*fn)(void *ctx, const char *type, const char *stem, const char *options_json),
		       void *ctx, struct lx_err *e);

/* Answers: response in ORIGINAL keys. */
/* earned2 is the credit stored at grading, or -1 before grading. */
int store_answers(struct store *db, int64_t attempt_id,
		  void (*fn)(void *ctx, int position, const char *response, int64_t seq, int earned2), void *ctx,
		  struct lx_err *e);
/* Stores the answer unless a stored one has seq ≥ this seq. *applied = 1 if stored. */
struct answer_new {
	int64_t attempt_id;
	int position;
	const char *response;
	int64_t seq;
};
/* store_answer_put for each row, no two with the same attempt and position; applied[i] as
 * store_answer_put's. On PostgreSQL one statement for all of them. */
int store_answers_put_many(struct store *db, const struct answer_new *rows, size_t n, int64_t now, int *applied,
			   struct lx_err *e);
int store_answer_put(struct store *db, int64_t attempt_id, int position, const char *response, int64_t seq,
		     int64_t now, int *applied, struct lx_err *e);
int store_answer_earned(struct store *db, int64_t attempt_id, int position, int earned2, struct lx_err *e);
/* store_answer_earned for n positions of one attempt (PostgreSQL: one statement). */
int store_answers_earned(struct store *db, int64_t attempt_id, const int *positions, const int *earned2, size_t n,
			 struct lx_err *e);

/* --- receipts (回执) and outage credit (故障补时), SPEC §12 --- */
/* The receipt secret (64 hex characters, made by migration 5). Never leaves the server. */
int store_receipt_secret(struct store *db, char out[65], struct lx_err *e);
int store_attempt_set_receipt(struct store *db, int64_t id, const char *code, struct lx_err *e);
/* The attempt that was issued code (16 characters); LX_ERR_NOTFOUND if none. */
int store_attempt_by_receipt(struct store *db, const char *code, int64_t *id, struct lx_err *e);
/* The last moment the server was known alive (0 if never recorded), and its update. */
int store_liveness_get(struct store *db, int64_t *at, struct lx_err *e);
int store_liveness_set(struct store *db, int64_t at, struct lx_err *e);
/* In-progress attempts whose deadline is after t, by id. */
int store_open_attempts_after(struct store *db, int64_t t, void (*fn)(void *ctx, int64_t id), void *ctx,
			      struct lx_err *e);
/* Moves an in-progress attempt's deadline by seconds and records the credit. */
int store_attempt_credit(struct store *db, int64_t id, int seconds, const char *reason, int64_t at,
			 struct lx_err *e);
/* The credits of an attempt, oldest first (reason lives only for the call). */
int store_attempt_credits(struct store *db, int64_t id,
			  void (*fn)(void *ctx, int seconds, const char *reason, int64_t at), void *ctx,
			  struct lx_err *e);

/* Voids an attempt (sets voided_at and its reason; a no-op on one already voided) and revokes
 * its certificate. A voided attempt is never in progress, submitted, graded or counted again. */
int store_attempt_void(struct store *db, int64_t id, int64_t now, const char *reason, struct lx_err *e);
/* Exemptions (免考): put (or replace the reason of) one, delete one (*deleted = 0 if there was
 * none), ask whether one exists. */
int store_exemption_put(struct store *db, int64_t exam_id, int64_t user_id, const char *reason, const char *actor,
			int64_t at, struct lx_err *e);
int store_exemption_delete(struct store *db, int64_t exam_id, int64_t user_id, int *deleted, struct lx_err *e);
int store_exemption_get(struct store *db, int64_t exam_id, int64_t user_id, int *exempt, struct lx_err *e);

int store_retakes(struct store *db, int64_t exam_id, int64_t user_id, int *granted, struct lx_err *e);
int store_retake_grant(struct store *db, int64_t exam_id, int64_t user_id, struct lx_err *e);

/* The auto-submit sweep's lock, held to the end of the transaction: *got = 0 when another
 * node is sweeping now (PostgreSQL advisory lock; SQLite: always 1). */
int store_sweep_lock(struct store *db, int *got, struct lx_err *e);

#endif
