/* grade.h — grading of one answer and of a whole attempt (SPEC §5.6). Pure: no store.
 * Points are kept as integer half-points ("points2" = points × 2), so partial credit on odd
 * points is exact and nothing drifts in storage. */
#ifndef LAWEXAM_GRADE_H
#define LAWEXAM_GRADE_H

#include <jansson.h>
#include <stddef.h>

#include "lx_limits.h"
#include "model.h"

enum scoring { SCORING_ALL_OR_NOTHING = 0, SCORING_PARTIAL = 1 };

/* Half-points earned by response (original keys, sorted; "" = unanswered) against key.
 * single/judge: all iff equal. multiple: all iff equal; under partial, a non-empty proper
 * subset of the key earns half (points2 / 2, exact because points are integers); any key
 * outside the answer earns 0. */
int grade_answer(enum q_type type, const char *key, const char *response, int points2, enum scoring s);
/* passed iff score × 100 ≥ pass_percent × max_score. */
int grade_passed(long score2, long max_score2, int pass_percent);
/* The one score formatter: half-points as the decimal score ("38.5", "40", "0"), exact,
 * written to p (room for GRADE_FMT_MAX bytes, NUL-terminated); returns the length. Every
 * score lawexam shows — the paper, the API, CSV reports, the CLI — is written by it. */
#define GRADE_FMT_MAX 24
size_t grade_fmt(long score2, char *p);
/* The score as a JSON number: an integer when whole, else a real ending in .5 (jansson
 * writes it as grade_fmt does). New reference. */
json_t *grade_score_json(long score2);

#endif
