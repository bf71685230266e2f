/* clock.c — wall clock and RFC 3339 formatting/parsing (see clock.h). Written by hand:
 * strptime() does not parse "+08:00" offsets portably, and the format is tiny. */
#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"

int64_t clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* Digits are written by hand, not with snprintf: every save reply carries two of these
 * times, and snprintf cost more than the rest of the reply (docs/benchmarks.md). */
static const char *fmt(int64_t t, int ms, int with_ms, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long off, aoff;
	int year;
	char tmp[40], *p = tmp;

	localtime_r(&tt, &tm);
	off = tm.tm_gmtoff;
	aoff = off < 0 ? -off : off;
	year = tm.tm_year + 1900;
	if (year < 0 || year > 9999) {
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", year, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', aoff / 3600, aoff % 3600 / 60);
		return buf;
	}
	p = put2(p, year / 100);
	p = put2(p, year % 100);
	*p++ = '-';
	p = put2(p, tm.tm_mon + 1);
	*p++ = '-';
	p = put2(p, tm.tm_mday);
	*p++ = 'T';
	p = put2(p, tm.tm_hour);
	*p++ = ':';
	p = put2(p, tm.tm_min);
	*p++ = ':';
	p = put2(p, tm.tm_sec);
	if (with_ms) {
		*p++ = '.';
		*p++ = (char)('0' + ms / 100 % 10);
		p = put2(p, ms % 100);
	}
	*p++ = off < 0 ? '-' : '+';
	p = put2(p, (int)(aoff / 3600));
	*p++ = ':';
	p = put2(p, (int)(aoff % 3600 / 60));
	if (len > 0) {
		size_t n = (size_t)(p - tmp) < len ? (size_t)(p - tmp) : len - 1;
		memcpy(buf, tmp, n);
		buf[n] = '\0';
	}
	return buf;
}

const char *rfc3339_format(int64_t t, char *buf, size_t len)
{
	return fmt(t, 0, 0, buf, len);
}

const char *rfc3339_format_ms(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;
	int r = (int)(ms % 1000);
	if (r < 0) {
		r += 1000;
		s--;
	}
	return fmt(s, r, 1, buf, len);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), after Howard Hinnant. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int rfc3339_parse(const char *s, int64_t *out)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p;

	if (!s || strlen(s) < 20)
		return LX_ERR_INVALID;
	if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return LX_ERR_INVALID;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60)
		return LX_ERR_INVALID;
	if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0))
		return LX_ERR_INVALID;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return LX_ERR_INVALID;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return LX_ERR_INVALID;
		p += 6;
	} else {
		return LX_ERR_INVALID;
	}
	if (*p)
		return LX_ERR_INVALID;
	*out = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + (sec == 60 ? 59 : sec) -
	       sign * (oh * 3600 + om * 60);
	return LX_OK;
}
