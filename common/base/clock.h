/* clock.h — the server's clock and RFC 3339 times. Times are Unix seconds (int64) inside
 * the program and the database; they are printed with the host's UTC offset
 * ("2026-12-01T08:00:00+08:00"). */
#ifndef LAWEXAM_CLOCK_H
#define LAWEXAM_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now(void);     /* seconds */
int64_t clock_now_ms(void);  /* milliseconds */
/* Formats t (seconds) into buf (≥ 32 bytes) in local time with its offset. */
const char *rfc3339_format(int64_t t, char *buf, size_t len);
/* Same with milliseconds ("…T08:00:00.123+08:00"). */
const char *rfc3339_format_ms(int64_t ms, char *buf, size_t len);
/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; the offset is required. LX_OK / LX_ERR_INVALID. */
int rfc3339_parse(const char *s, int64_t *out);

#endif
