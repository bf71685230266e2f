/* exam.h — the exam, step by step (SPEC §5): creating exams, starting and resuming attempts,
 * saving answers with seq ordering, submitting and auto-submitting, grading, regrading, and
 * the JSON views an examinee or administrator sees. Functions that write take the writer's
 * connection inside a transaction (a writer job or store_run); readers take any connection.
 * Failures carry an API tag in e->tag (not_assigned, exam_not_open, no_attempts_left,
 * attempt_closed, bad_response, review_not_available). */
#ifndef LAWEXAM_EXAM_H
#define LAWEXAM_EXAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "lx_limits.h"
#include "exam_def.h"
#include "store_accounts.h"

struct store;
struct exam_row;

/* Whether the exam's results may be shown to examinees at now (its "results" setting). */
int exam_results_visible(const struct exam_row *x, int64_t now);

/* Validates def against the store (categories, banks, fillable sections) and creates the exam
 * unless dry_run. Problems go to d ("FILE: papers[0].sections[1]: ..."). LX_OK / LX_ERR_INVALID. */
int exam_create(struct store *db, const struct exam_def *def, const char *fname, int dry_run, int64_t now,
		struct diag *d, struct lx_err *e);

/* The exam-creation form (SPEC §12; exam_preview.c). GET /admin/banks/{code}/count: for the
 * section s (its bank, type, tags and difficulty) {"bank","type","available","held","tags":
 * [{"tag","count"}],"tags_truncated"}: available = the active questions a draw may take, held =
 * those it would also match that wait in review (needs_review, never drawn), tags = the tags of
 * the bank's drawable questions of that type, most used first (at most EXAM_FORM_TAGS_MAX).
 * LX_ERR_NOTFOUND (tag bank_not_found) when the bank does not exist. */
#define EXAM_FORM_TAGS_MAX 200
int exam_section_count_json(struct store *db, const struct exam_section *s, json_t **out, struct lx_err *e);
/* GET /admin/categories: {"categories":[{"code","name","examinees"}]}, examinees = active staff
 * holding the examinee role in that category. */
int exam_categories_json(struct store *db, json_t **out, struct lx_err *e);
/* What a dry run of def shows before it is created: {"sections":[{paper, section, title, bank,
 * type, count, points, available, held}], "assigned":{"total","by_category":[{category, name,
 * paper (index or null), count}],"rows":[{org, category, count}]}} — rows per unit and category
 * of the people the exam would assign (in path order), by_category every category's examinees
 * within org_scope, assigned when it has a paper. */
int exam_preview_json(struct store *db, const struct exam_def *def, json_t **out, struct lx_err *e);

/* A note in notes per section of def that lost questions to review (needs_review, SPEC §13):
 * how many are held back and how many remain. */
int exam_create_held(struct store *db, const struct exam_def *def, const char *fname, struct diag *notes,
		     struct lx_err *e);

/* Start or resume (writer). *created = 1 for a new attempt. Draws from the connection's start
 * cache (parsed definition, candidate lists), checked against the database's content stamp on
 * every call (one lookup), so bank or exam changes by any program are seen at once. */
/* A prerequisite not met (403 prerequisite_not_met, SPEC §13): the practice answers the exam
 * requires and those the person has given. */
struct exam_prereq {
	int64_t needed, done;
};
/* prereq (may be NULL) is filled when the start fails with the tag prerequisite_not_met.
 * A mock exam (kind "mock") has no limit on attempts. */
int exam_start(struct store *db, const char *exam_code, const struct user *u, int64_t now, int grace,
	       int64_t *attempt_id, int *created, struct exam_prereq *prereq, struct lx_err *e);

struct save_item {
	int position;
	char response[16];
	int64_t seq;
};
/* Validates the whole batch against the attempt, then stores it (writer): none applied on error.
 * Every invalid item is reported in bad (if not NULL) as where "position N" with a Chinese
 * message, so a client can drop exactly those and send the rest again; the return is then
 * LX_ERR_INVALID tagged bad_response. *ignored counts items superseded by a higher stored seq. */
int exam_save(struct store *db, int64_t attempt_id, int64_t user_id, const struct save_item *items, size_t n,
	      int64_t now, int grace, size_t *ignored, int64_t *deadline, struct diag *bad, struct lx_err *e);
/* One save request of a bulk run (exam_save_many). */
struct save_req {
	int64_t attempt_id, user_id;
	const struct save_item *items;
	size_t n;
	struct diag *bad;  /* may be NULL */
	size_t ignored;    /* out, as exam_save's */
	int64_t deadline;  /* out */
	int rc;            /* out: LX_OK or the refusal (err) of this request alone */
	struct lx_err err;
};
/* exam_save for n requests at once (writer): the attempts in one statement, the answers of
 * every accepted request in one more (PostgreSQL). A refused request writes nothing and has
 * its rc and err; the return is not LX_OK only for a storage failure (nothing to keep). */
int exam_save_many(struct store *db, struct save_req *reqs, size_t n, int64_t now, int grace, struct lx_err *e);
/* Grades and submits (writer). Idempotent: a submitted attempt stays as it is. */
int exam_submit(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now, const char *reason,
		struct lx_err *e);
/* Submits every in-progress attempt whose deadline + grace has passed (writer). */
int exam_autosubmit(struct store *db, int64_t now, int grace, int *count, struct lx_err *e);
/* 1 if some in-progress attempt is past deadline + grace (cheap read). */
int exam_any_overdue(struct store *db, int64_t now, int grace);

/* Answer receipts (回执, SPEC §12). exam_submit issues the code of the attempt it submits
 * (writer); exam_receipt_issue does it for one submitted attempt (writer; no-op otherwise).
 * exam_receipt_verify recomputes the code of the attempt that was issued code_in (dashes and
 * case ignored) from what is stored now: *out = {"valid","receipt","login","exam",
 * "attempt_id","submitted_at","answers_sha256"} and *owner = the attempt's user id, or
 * LX_ERR_NOTFOUND for an unknown or malformed code. */
int exam_receipt_issue(struct store *db, int64_t attempt_id, struct lx_err *e);
int exam_receipt_verify(struct store *db, const char *code_in, int64_t *owner, json_t **out, struct lx_err *e);

/* Outage credit (故障补时, SPEC §12), on the writer's connection. exam_liveness_mark records
 * that the server is serving at now. exam_outage_credit: if the last mark is at least
 * min_gap seconds before now, every attempt in progress whose deadline was after that mark
 * gets its deadline moved by the gap (*gap seconds; *count attempts), recorded as a credit
 * with reason "outage" and in the audit log (outage_credit); then the mark is set to now. */
int exam_liveness_mark(struct store *db, int64_t now, struct lx_err *e);
int exam_outage_credit(struct store *db, int64_t now, int min_gap, int *count, int64_t *gap, struct lx_err *e);

/* Regrades every submitted attempt of an exam with the current keys; calls report() for each
 * changed score. Writes nothing when dry_run. */
int exam_regrade(struct store *db, const char *exam_code, int dry_run,
		 void (*report)(void *ctx, int64_t attempt_id, const char *login, long old2, long new2,
				int old_passed, int new_passed),
		 void *ctx, int *changed, struct lx_err *e);
int exam_grant_retake(struct store *db, const char *exam_code, const char *login, struct lx_err *e);

/* --- administrators' actions on one attempt or person (SPEC §12), exam_actions.c ---------
 * Each checks its input before changing anything, runs on the writer's connection, and
 * writes the audit log (actor, remote, reason). Failures carry an API tag: bad_reason,
 * bad_minutes, bad_answer (LX_ERR_INVALID); attempt_not_in_progress, already_voided
 * (LX_ERR_CONFLICT); unknown_user, not_exempt (LX_ERR_NOTFOUND). */
#define EXAM_REASON_MAX 500        /* characters of a reason */
#define EXAM_EXTEND_MAX_MINUTES 600
struct exam_actor {
	const char *login;  /* who acts (the audit log's actor) */
	const char *remote; /* where from ("cli", an address) */
	int64_t now;
};
struct attempt_row;
/* A reason: 1..EXAM_REASON_MAX characters of UTF-8 on one line (no control characters), not
 * only spaces. */
int exam_reason_check(const char *reason, struct lx_err *e);
/* The attempt and its owner (for the caller's scope check). Caller frees u with user_free(). */
int exam_attempt_owner(struct store *db, int64_t attempt_id, struct attempt_row *a, struct user *u,
		       struct lx_err *e);
/* Moves an in-progress attempt's deadline by minutes (1..600), even past closes_at; recorded
 * as a credit with reason "extend". *deadline (if not NULL) gets the new deadline. */
int exam_extend(struct store *db, const struct exam_actor *who, int64_t attempt_id, int minutes, const char *reason,
		int64_t *deadline, struct lx_err *e);
/* Grades and submits an in-progress attempt now, submit reason "forced". */
int exam_force_submit(struct store *db, const struct exam_actor *who, int64_t attempt_id, const char *reason,
		      struct lx_err *e);
/* Voids an attempt (in progress or submitted): it never counts again and does not use up an
 * attempt; its certificate is revoked. */
int exam_void(struct store *db, const struct exam_actor *who, int64_t attempt_id, const char *reason,
	      struct lx_err *e);
/* Exemptions (免考): the person is no longer assigned (reports count them apart, the monitor
 * leaves them out, a start answers 403 exempt). */
int exam_exempt(struct store *db, const struct exam_actor *who, const char *exam_code, const char *login,
		const char *reason, struct lx_err *e);
int exam_unexempt(struct store *db, const struct exam_actor *who, const char *exam_code, const char *login,
		  struct lx_err *e);
/* exam_grant_retake with the login checked and the audit line. */
int exam_retake(struct store *db, const struct exam_actor *who, const char *exam_code, const char *login,
		struct lx_err *e);
/* Fixes the key of a question's current version in place (as a key-only re-import does, SPEC
 * §5.7), so a regrade applies it to the attempts that drew it. answer is checked against the
 * type and options; *out (if not NULL) = {"bank","qid","version","old","answer","changed"}. */
int exam_key_set(struct store *db, const struct exam_actor *who, const char *bank, const char *qid,
		 const char *answer, json_t **out, struct lx_err *e);
/* The attempt for an administrator: owner, status, times, credits, and per question the
 * options as shown, the response and key (shown and original), stored and current credit. */
int exam_attempt_admin_json(struct store *db, int64_t attempt_id, int64_t now, json_t **out, struct lx_err *e);
/* One person's standing in an exam: {"exam","login","name","org","exempt","assigned",
 * "attempts_allowed","retakes","attempts":[{"attempt_id","attempt_no","status","started_at",
 * "deadline","submitted_at","submit_reason","result"}]} (voided ones included). */
int exam_person_json(struct store *db, const char *exam_code, const struct user *u, json_t **out,
		     struct lx_err *e);
/* exam_regrade as {"exam","dry_run","changed","flips","changes":[{"login","attempt_id","old",
 * "new","flip","old_passed","new_passed"}]}; audited when applied. */
int exam_regrade_json(struct store *db, const struct exam_actor *who, const char *exam_code, int dry_run,
		      json_t **out, struct lx_err *e);

/* JSON views (new references; caller decrefs). */
int exam_attempt_json(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now_ms, json_t **out,
		      struct lx_err *e);
int exam_review_json(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now, json_t **out,
		     struct lx_err *e);
/* The Attempt JSON of exam_attempt_json() (same members and values; member order may differ),
 * written as bytes from the connection's paper cache: each question version's type, stem and
 * options are JSON-encoded once per connection and reused, checked against the content stamp
 * on every call (one lookup), so a changed question is seen at once. On LX_OK *out holds *len
 * bytes plus a NUL; caller frees *out with free(). */
int exam_attempt_render(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now_ms, char **out,
			size_t *len, struct lx_err *e);
/* The same fragments for practice sets (study.c), options in the bank's order (no
 * permutation): exam_versions_begin checks db's paper cache against the content stamp (once
 * per reply); exam_version_append then appends ',"type":T,"stem":S,"options":[{"key","text"}…]'
 * of a version to b. *shown = 0 (nothing appended) for a version that does not exist or whose
 * type or stem is not UTF-8. */
struct buf;
int exam_versions_begin(struct store *db, struct lx_err *e);
int exam_version_append(struct store *db, int64_t version_id, struct buf *b, int *shown, struct lx_err *e);
/* The paper cache of a connection, for tests and diagnostics. */
struct exam_paper_cache_stats {
	size_t entries, bytes;           /* now held */
	uint64_t fills, hits, clears;    /* versions encoded, reused; drops on a new content stamp */
};
void exam_paper_cache_stats(struct store *db, struct exam_paper_cache_stats *out);
/* Test hook: caps db's paper cache at max_entries versions and max_bytes (0 = the default). */
void exam_paper_cache_limit(struct store *db, size_t max_entries, size_t max_bytes);
int exam_submit_json(struct store *db, int64_t attempt_id, json_t **out, struct lx_err *e);
int exam_list_json(struct store *db, const struct user *u, int64_t now, int grace, json_t **out,
		   struct lx_err *e);
int exam_monitor_json(struct store *db, const char *exam_code, int64_t now, json_t **out, struct lx_err *e);
/* The monitor over a scope (SPEC §12; NULL: everyone): the same counts over the people in
 * scope (exempt included, apart from assigned), plus "scope", and with units != 0 "units":
 * one row per unit with assigned or exempt people, {org, assigned, not_started, in_progress,
 * submitted, exempt}, in path order. */
int exam_monitor_scoped_json(struct store *db, const char *exam_code, const char *scope, int units, int64_t now,
			     json_t **out, struct lx_err *e);
/* GET /admin/exams/{code}/people: {"exam","server_time","rows":[{login, name, org, category,
 * status, attempt_id, started_at, deadline, remaining_seconds, score, passed, last_seen}],
 * "total","offset","limit"} for the people in scope and under org (each NULL: no limit)
 * whose status bit (1u << enum attempt_status) is in status_mask (0: any): total counts them
 * all, rows holds the page of at most limit of them from offset (0-based, in unit path then
 * login order). remaining_seconds counts down to the deadline of an attempt in progress (0
 * past it), null otherwise. */
int exam_people_json(struct store *db, const char *exam_code, const char *scope, const char *org,
		     unsigned status_mask, int64_t offset, int64_t limit, int64_t now, json_t **out,
		     struct lx_err *e);
/* The admin exam list {"exams":[…]}: every exam, or with scope (a unit path) only the exams
 * that assign someone there or in which someone there has an attempt (store_exams.h). */
int exam_admin_list_json(struct store *db, const char *scope, json_t **out, struct lx_err *e);
/* One exam for `exam show`: its definition plus counts. */
int exam_show_json(struct store *db, const char *exam_code, int64_t now, json_t **out, struct lx_err *e);

#endif
