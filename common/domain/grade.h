/* grade.h — grading of one answer and of a whole attempt (SPEC §5.6). Pure: no store.
 * Points are kept as integer half-points ("points2" = points × 2), so partial credit on odd
 * points is exact and nothing drifts in storage. */
#ifndef LAWEXAM_GRADE_H
#define LAWEXAM_GRADE_H

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
/* Formats half-points as a decimal score ("38.5", "40") into buf (≥ 24 bytes). */
const char *grade_fmt(long score2, char *buf, unsigned long len);

#endif
