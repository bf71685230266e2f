/* grade.c — scoring rules (see grade.h). */
#include "grade.h"

#include <stdio.h>
#include <string.h>

int grade_answer(enum q_type type, const char *key, const char *response, int points2, enum scoring s)
{
	size_t hit = 0, nresp = 0;

	if (!response || !*response)
		return 0;
	if (strcmp(key, response) == 0)
		return points2;
	if (type != QT_MULTIPLE || s != SCORING_PARTIAL)
		return 0;
	for (const char *p = response; *p; p++) {
		nresp++;
		if (!strchr(key, *p))
			return 0; /* a wrong key earns nothing */
		hit++;
	}
	if (hit > 0 && hit < strlen(key))
		return points2 / 2;
	return 0;
}

int grade_passed(long score2, long max_score2, int pass_percent)
{
	return score2 * 100 >= (long)pass_percent * max_score2;
}

const char *grade_fmt(long score2, char *buf, unsigned long len)
{
	if (score2 % 2)
		snprintf(buf, len, "%ld.5", score2 / 2);
	else
		snprintf(buf, len, "%ld", score2 / 2);
	return buf;
}
