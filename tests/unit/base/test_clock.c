/* test_clock.c — common/base/clock.c: RFC 3339 parsing (Z, offsets, fractions, invalid dates and
 * times, leap years, missing offsets) against values computed independently, formatting in
 * a fixed time zone (POSIX TZ strings, so no tzdata is needed), and format/parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "err.h"

static void expect_time(const char *s, int64_t want)
{
	int64_t got = 12345;
	int rc = rfc3339_parse(s, &got);
	if (rc != LX_OK)
		fail_msg("rfc3339_parse(\"%s\") failed (%d)", s, rc);
	if (got != want)
		fail_msg("rfc3339_parse(\"%s\") = %lld, want %lld", s, (long long)got, (long long)want);
}

static void expect_invalid(const char *s)
{
	int64_t got = 777;
	int rc = rfc3339_parse(s, &got);
	if (rc != LX_ERR_INVALID)
		fail_msg("rfc3339_parse(\"%s\") = %d (t=%lld), want LX_ERR_INVALID", s ? s : "NULL", rc,
			 (long long)got);
	assert_int_equal(got, 777); /* output untouched on failure */
}

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void test_parse_utc(void **state)
{
	expect_time("1970-01-01T00:00:00Z", 0);
	expect_time("1970-01-01T00:00:01Z", 1);
	expect_time("1969-12-31T23:59:59Z", -1);
	expect_time("2038-01-19T03:14:08Z", 2147483648LL); /* past 32-bit time_t */
	expect_time("2016-12-31T23:59:59Z", 1483228799);
	expect_time("9999-12-31T23:59:59Z", 253402300799LL);
	expect_time("1970-01-01t00:00:00z", 0); /* lower-case T and Z are allowed */
	expect_time("1970-01-01 00:00:00Z", 0); /* RFC 3339 §5.6 note: a space may separate */
}

static void test_parse_offsets(void **state)
{
	expect_time("2026-12-01T08:00:00+08:00", 1796083200);
	expect_time("2026-12-01T00:00:00Z", 1796083200);
	expect_time("2026-12-01T00:00:00+00:00", 1796083200);
	expect_time("2026-12-01T00:00:00-00:00", 1796083200);
	expect_time("2026-12-20T18:00:00+08:00", 1797760800);
	expect_time("2026-06-15T10:30:00-05:30", 1781539200);
	expect_time("2026-06-15T16:00:00Z", 1781539200);
	/* Crossing a day and a year boundary through the offset. */
	expect_time("2027-01-01T07:59:59+08:00", 1798761599);
	expect_time("2026-12-31T23:59:59Z", 1798761599);
	expect_time("2026-12-31T14:00:00-10:00", 1798761600);
}

static void test_parse_fractions(void **state)
{
	/* Fractions are accepted, and the time is the whole second (truncated). */
	expect_time("2026-12-01T08:00:00.5+08:00", 1796083200);
	expect_time("2026-12-01T08:00:00.123+08:00", 1796083200);
	expect_time("2026-12-01T08:00:00.999999999+08:00", 1796083200);
	expect_time("1970-01-01T00:00:00.000Z", 0);
	expect_invalid("2026-12-01T08:00:00.+08:00");
	expect_invalid("2026-12-01T08:00:00.Z");
	expect_invalid("2026-12-01T08:00:00,5+08:00");
	expect_invalid("2026-12-01T08:00:00.5a+08:00");
}

static void test_leap_years(void **state)
{
	expect_time("2024-02-29T12:00:00Z", 1709208000);
	expect_time("2000-02-29T00:00:00Z", 951782400);
	expect_invalid("2026-02-29T00:00:00Z");
	expect_invalid("2100-02-29T00:00:00Z"); /* divisible by 100, not by 400 */
	expect_invalid("1900-02-29T00:00:00Z");
	expect_time("2100-03-01T00:00:00Z", 4107542400LL);
	expect_time("1900-03-01T00:00:00Z", -2203891200LL);
	expect_invalid("2024-02-30T00:00:00Z");
	/* 2024-02-28 + 1 day = 2024-02-29, + 2 days = 2024-03-01 */
	int64_t a, b;
	assert_int_equal(rfc3339_parse("2024-02-28T00:00:00Z", &a), LX_OK);
	assert_int_equal(rfc3339_parse("2024-03-01T00:00:00Z", &b), LX_OK);
	assert_int_equal(b - a, 2 * 86400);
	assert_int_equal(rfc3339_parse("2026-02-28T00:00:00Z", &a), LX_OK);
	assert_int_equal(rfc3339_parse("2026-03-01T00:00:00Z", &b), LX_OK);
	assert_int_equal(b - a, 86400);
}

static void test_invalid_dates(void **state)
{
	expect_invalid("2026-00-10T00:00:00Z");
	expect_invalid("2026-13-01T00:00:00Z");
	expect_invalid("2026-01-00T00:00:00Z");
	expect_invalid("2026-01-32T00:00:00Z");
	expect_invalid("2026-04-31T00:00:00Z");
	expect_invalid("2026-06-31T00:00:00Z");
	expect_invalid("2026-09-31T00:00:00Z");
	expect_invalid("2026-11-31T00:00:00Z");
	expect_time("2026-01-31T00:00:00Z", 1769817600);
	expect_invalid("2026-12-01T24:00:00Z");
	expect_invalid("2026-12-01T08:60:00Z");
	expect_invalid("2026-12-01T08:00:61Z");
	expect_invalid("2026-1-01T08:00:00Z");
	expect_invalid("26-12-01T08:00:00+08:00");
	expect_invalid("2026/12/01T08:00:00Z");
	expect_invalid("2026-12-01X08:00:00Z");
	expect_invalid("2026-12-01T08-00-00Z");
	expect_invalid("2026-12-01T8:00:00+08:00");
	expect_invalid("2026-12-0aT08:00:00Z");
}

static void test_invalid_offsets(void **state)
{
	expect_invalid("2026-12-01T08:00:00");        /* the offset is required */
	expect_invalid("2026-12-01T08:00:00+08");
	expect_invalid("2026-12-01T08:00:00+0800");
	expect_invalid("2026-12-01T08:00:00+8:00");
	expect_invalid("2026-12-01T08:00:00+24:00");
	expect_invalid("2026-12-01T08:00:00+08:60");
	expect_invalid("2026-12-01T08:00:00 +08:00");
	expect_invalid("2026-12-01T08:00:00+08:00 ");
	expect_invalid("2026-12-01T08:00:00Zjunk");
	expect_invalid("2026-12-01T08:00:00+08:00Z");
	expect_invalid("2026-12-01");
	expect_invalid("");
	expect_invalid(NULL);
	expect_invalid("not a time at all, really");
}

static void test_leap_second(void **state)
{
	/* :60 is accepted and counted as :59 (Unix time has no leap seconds). */
	expect_time("2016-12-31T23:59:60Z", 1483228799);
}

static void test_format_fixed_zone(void **state)
{
	char buf[40];
	set_tz("CST-8"); /* UTC+8, no DST */
	assert_string_equal(rfc3339_format(0, buf, sizeof buf), "1970-01-01T08:00:00+08:00");
	assert_string_equal(rfc3339_format(1796083200, buf, sizeof buf), "2026-12-01T08:00:00+08:00");
	assert_string_equal(rfc3339_format_ms(1796083200123LL, buf, sizeof buf),
			    "2026-12-01T08:00:00.123+08:00");
	assert_string_equal(rfc3339_format_ms(5, buf, sizeof buf), "1970-01-01T08:00:00.005+08:00");

	set_tz("UTC0");
	assert_string_equal(rfc3339_format(0, buf, sizeof buf), "1970-01-01T00:00:00+00:00");
	assert_string_equal(rfc3339_format(-1, buf, sizeof buf), "1969-12-31T23:59:59+00:00");
	assert_string_equal(rfc3339_format_ms(-1, buf, sizeof buf), "1969-12-31T23:59:59.999+00:00");
	assert_string_equal(rfc3339_format_ms(1500, buf, sizeof buf), "1970-01-01T00:00:01.500+00:00");

	set_tz("XST+3:30"); /* UTC-03:30 */
	assert_string_equal(rfc3339_format(0, buf, sizeof buf), "1969-12-31T20:30:00-03:30");
	assert_string_equal(rfc3339_format(1796083200, buf, sizeof buf), "2026-11-30T20:30:00-03:30");

	/* A short buffer gets a cut, terminated prefix (as snprintf would), never an overrun. */
	memset(buf, '#', sizeof buf);
	assert_string_equal(rfc3339_format(0, buf, 11), "1969-12-31");
	assert_int_equal(buf[11], '#');
	memset(buf, '#', sizeof buf);
	assert_string_equal(rfc3339_format_ms(0, buf, 1), "");
	assert_int_equal(buf[1], '#');
}

static void round_trip_in(const char *tz)
{
	static const int64_t times[] = {0, -1, 1, 951782400, 1709208000, 1796083200, 1797760800,
					1798761599, 2147483648LL, 4107542400LL, -2203891200LL};
	char buf[40];
	set_tz(tz);
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		int64_t back = 0;
		rfc3339_format(times[i], buf, sizeof buf);
		if (rfc3339_parse(buf, &back) != LX_OK || back != times[i])
			fail_msg("TZ=%s: %lld -> \"%s\" -> %lld", tz, (long long)times[i], buf, (long long)back);
		rfc3339_format_ms(times[i] * 1000 + 999, buf, sizeof buf);
		if (rfc3339_parse(buf, &back) != LX_OK || back != times[i])
			fail_msg("TZ=%s: %lld.999 -> \"%s\" -> %lld", tz, (long long)times[i], buf, (long long)back);
	}
	/* Every hour over two years, crossing DST changes where the zone has them. */
	for (int64_t t = 1767225600; t < 1767225600 + 2 * 366 * 86400LL; t += 3599) {
		int64_t back = 0;
		rfc3339_format(t, buf, sizeof buf);
		if (rfc3339_parse(buf, &back) != LX_OK || back != t)
			fail_msg("TZ=%s: %lld -> \"%s\" -> %lld", tz, (long long)t, buf, (long long)back);
	}
}

static void test_round_trip(void **state)
{
	round_trip_in("CST-8");
	round_trip_in("UTC0");
	round_trip_in("XST+3:30");
	round_trip_in("EST5EDT,M3.2.0,M11.1.0"); /* with daylight saving time */
	round_trip_in("ACST-9:30ACDT,M10.1.0,M4.1.0/3");
}

static void test_now(void **state)
{
	int64_t s = clock_now(), ms = clock_now_ms();
	assert_true(s > 1700000000);            /* after 2023 */
	assert_true(ms / 1000 - s >= 0);
	assert_true(ms / 1000 - s <= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_utc),
		cmocka_unit_test(test_parse_offsets),
		cmocka_unit_test(test_parse_fractions),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_invalid_dates),
		cmocka_unit_test(test_invalid_offsets),
		cmocka_unit_test(test_leap_second),
		cmocka_unit_test(test_format_fixed_zone),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
