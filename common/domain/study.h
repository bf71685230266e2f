/* study.h — study (学法, SPEC §13): practice sets with immediate feedback, the mistakes
 * (错题本) and their rules, reading time, and the study records. The law library and the
 * resolution of a basis to (law, article) are not here (law pages, h/laws).
 *
 * The mistake rules, in one place (study.c):
 *   - a question enters my mistakes when I answer it wrong in practice, or when an exam
 *     attempt of mine that had it wrong or left it blank (last_response "") may show its
 *     review (review immediate, or after_close and closed; and no attempt of mine at that
 *     exam in progress) — never earlier, so the book cannot tell anyone a key before the
 *     review would;
 *   - it leaves after two right answers in a row in practice (a wrong one starts the count
 *     again); a later wrong answer brings it back.
 * Functions that write take the writer's connection inside a transaction; readers any.
 * Failures carry an API tag in e->tag (bad_response, exam_in_progress, no_questions). */
#ifndef LAWEXAM_STUDY_H
#define LAWEXAM_STUDY_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"

struct store;

enum practice_mode { PRACTICE_RANDOM = 0, PRACTICE_SEQUENTIAL, PRACTICE_MISTAKES };
/* "random" | "sequential" | "mistakes" → mode; LX_ERR_INVALID otherwise. */
int study_mode_parse(const char *s, enum practice_mode *out);
const char *study_mode_name(enum practice_mode m);

/* Makes a practice set of up to count (1..LX_PRACTICE_COUNT_MAX) questions of bank for
 * user_id (writer): random (CSPRNG), sequential (bank order, questions never practised
 * first) or mistakes (the user's mistakes in that bank, most often wrong first); tag (NULL:
 * any) keeps questions carrying it. First takes the user's exam mistakes that became visible
 * into the book. LX_ERR_NOTFOUND for an unknown bank; LX_ERR_CONFLICT tagged no_questions
 * when nothing matches, exam_in_progress while the user has an exam attempt in progress. */
int study_practice_create(struct store *db, int64_t user_id, const char *bank, int count, enum practice_mode mode,
			  const char *tag, int64_t now, int64_t *set_id, struct lx_err *e);
/* {"id","bank","mode","questions":[{"position","type","stem","options":[{"key","text"}]}]}:
 * no keys. Another person's set: LX_ERR_NOTFOUND. New reference in *out. */
int study_practice_json(struct store *db, int64_t set_id, int64_t user_id, json_t **out, struct lx_err *e);

/* {"banks":[{"code","title","questions"}]}: the banks one may practise (active questions). */
int study_banks_json(struct store *db, json_t **out, struct lx_err *e);

/* The same JSON (and "mode" after "bank" when mode is not NULL) written as bytes from the
 * connection's paper cache (exam_version_append): what the event loop sends. On LX_OK *out
 * holds *len bytes plus a NUL; caller frees *out with free(). */
int study_practice_render(struct store *db, int64_t set_id, int64_t user_id, const char *mode, char **out, size_t *len,
			  struct lx_err *e);

/* Answers one position of a practice set (writer). response: the displayed keys, sorted
 * ("B", "ACD", "T"). The first answer of a position counts (practice counts, mistakes);
 * another answer of the same position changes nothing and gets the first one's feedback.
 * *out = {"correct","answer","explanation","basis","law":null,"response","repeat"}. */
int study_practice_answer(struct store *db, int64_t set_id, int64_t user_id, int position, const char *response,
			  int64_t now, json_t **out, struct lx_err *e);

/* The pure rule of a response: 1 if response (displayed = original keys in practice) is a
 * valid answer to a question of type with n_options options, else 0. */
int study_response_valid(const char *type, int n_options, const char *response);

/* Takes the wrong and the blank answers of every attempt of user_id whose review may now be shown into
 * the mistakes (writer); each attempt once. *taken = attempts taken (may be NULL). */
int study_mistakes_ingest(struct store *db, int64_t user_id, int64_t now, int *taken, struct lx_err *e);
/* 1 if study_mistakes_ingest would take some attempt (a read). */
int study_mistakes_pending(struct store *db, int64_t user_id, int64_t now, int *pending, struct lx_err *e);
/* {"rows":[{"bank","question_id","stem","type","options","last_response","wrong_count",
 * "right_in_row"}]}. */
int study_mistakes_json(struct store *db, int64_t user_id, json_t **out, struct lx_err *e);

/* {"practice_answered","practice_correct","reading_seconds","mistakes","by_bank":[{"bank",
 * "title","answered","correct"}]}. */
int study_me_json(struct store *db, int64_t user_id, json_t **out, struct lx_err *e);
/* A reading ping (writer): counts LX_READING_PING_SECONDS for law unless the user's last
 * counted ping is less than that long ago. *counted = 1 if counted. */
int study_reading_ping(struct store *db, int64_t user_id, const char *law, int64_t now, int *counted,
		       struct lx_err *e);
/* The user's last counted reading ping (0 if none): a read. */
int study_reading_last(struct store *db, int64_t user_id, int64_t *at, struct lx_err *e);
/* A law code as the reading ping accepts it: 1..64 of [A-Za-z0-9_.-]. */
int study_law_code_ok(const char *s);

#endif
