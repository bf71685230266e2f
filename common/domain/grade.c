/* grade.c — scoring rules (see grade.h). */
#include "grade.h"

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

/* Written by hand, not with snprintf: the paper renderer formats every question's points
 * with it (docs/architecture.md, "The paper cache"). */
size_t grade_fmt(long score2, char *p)
{
	char tmp[GRADE_FMT_MAX], *q = tmp + sizeof tmp;
	unsigned long long u = score2 < 0 ? 0ULL - (unsigned long long)score2 : (unsigned long long)score2;
	int half = (int)(u % 2);
	size_t n;

	u /= 2;
	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (score2 < 0)
		*--q = '-';
	n = (size_t)(tmp + sizeof tmp - q);
	memcpy(p, q, n);
	if (half) {
		memcpy(p + n, ".5", 2);
		n += 2;
	}
	p[n] = '\0';
	return n;
}

json_t *grade_score_json(long score2)
{
	return score2 % 2 ? json_real((double)score2 / 2.0) : json_integer(score2 / 2);
}
