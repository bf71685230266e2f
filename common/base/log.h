/* log.h — the one log macro. The level is checked before anything is formatted.
 * Lines go to stderr as "TIME LEVEL message", or "TIME PREFIX LEVEL message" once a prefix
 * is set (lawexamd: the node name, so an operator can grep one node's lines). Thread-safe
 * (one fprintf per line). */
#ifndef LAWEXAM_LOG_H
#define LAWEXAM_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_threshold; /* set once at start-up, read-only afterwards */

#define LOG_PREFIX_MAX 64
int log_parse_level(const char *s); /* -1 if unknown */
/* Sets the word written after the time on every line (copied, cut at LOG_PREFIX_MAX bytes;
 * NULL or "" for none). Call once at start-up, before other threads log. */
void log_set_prefix(const char *name);
void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG(level, ...) \
	do { if ((level) <= log_threshold) log_write((level), __VA_ARGS__); } while (0)

#endif
