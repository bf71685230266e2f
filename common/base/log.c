/* log.c — level-checked logging to stderr (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int log_threshold = LOG_INFO;
static char prefix[LOG_PREFIX_MAX + 2]; /* "NAME " or empty; set once at start-up */

static const char *const names[] = {"error", "warn", "info", "debug"};

int log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_set_prefix(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n > LOG_PREFIX_MAX)
		n = LOG_PREFIX_MAX;
	memcpy(prefix, name ? name : "", n);
	prefix[n] = n ? ' ' : '\0';
	prefix[n + (n ? 1 : 0)] = '\0';
}

void log_write(int level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %s%-5s ", ts.tv_nsec / 1000000, prefix,
			      names[level < 0 ? 0 : level > 3 ? 3 : level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
