/* test_config.c — server/config.c: the defaults, every flag in both "--flag VALUE" and
 * "--flag=VALUE" form, range and syntax errors (LX_ERR_INVALID with a message naming the
 * problem), --listen forms including [::1]:8443, and --cert/--key going together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "err.h"
#include "log.h"

/* Parses a NULL-terminated list of arguments (argv[0] is added). */
static int parse(struct config *c, struct lx_err *e, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = (char *)"lawexamd";
	va_start(ap, e);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	config_defaults(c);
	memset(e, 0, sizeof *e);
	return config_parse(c, argc, argv, e);
}

static void expect_bad(const char *want, ...);

static void test_defaults(void **state)
{
	struct config c;
	struct lx_err e;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	if (cores > 16)
		cores = 16;

	assert_int_equal(parse(&c, &e, NULL), LX_OK);
	assert_string_equal(c.db_path, "var/lawexam.db");
	assert_string_equal(c.listen, "127.0.0.1:8443");
	assert_string_equal(c.host, "127.0.0.1");
	assert_int_equal(c.port, 8443);
	assert_null(c.cert);
	assert_null(c.key);
	assert_string_equal(c.web_root, "web");
	assert_string_equal(c.tls_dir, "var/tls");
	assert_int_equal(c.threads, cores);
	assert_int_equal(c.hash_threads, cores);
	assert_int_equal(c.grace_seconds, 30);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.pw.t_cost, PW_PARAMS_DEFAULT.t_cost);
	assert_int_equal(c.pw.m_kib, PW_PARAMS_DEFAULT.m_kib);
	assert_int_equal(c.pw.lanes, PW_PARAMS_DEFAULT.lanes);
	assert_int_equal(c.pw.m_kib, 19456);
	assert_int_equal(c.session_idle_minutes, 720);
	assert_int_equal(c.throttle_window, 900);
	assert_int_equal(c.throttle_account, 5);
	assert_int_equal(c.throttle_address, 100);
	assert_int_equal(c.header_timeout, 30);
	assert_int_equal(c.metrics_token_only, 0);
	/* --node defaults to HOSTNAME:PORT, a word a log line and a label can hold */
	assert_non_null(c.node);
	assert_true(strlen(c.node) > 5 && strcmp(c.node + strlen(c.node) - 5, ":8443") == 0);
	assert_int_equal(strspn(c.node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-"),
			 strlen(c.node));
}

static void test_node_and_metrics_flags(void **state)
{
	struct config c;
	struct lx_err e;
	char longest[LOG_PREFIX_MAX + 1];
	assert_int_equal(parse(&c, &e, "--node", "exam-2.zh_sfj:8443", "--metrics-token-only", NULL), LX_OK);
	assert_string_equal(c.node, "exam-2.zh_sfj:8443");
	assert_int_equal(c.metrics_token_only, 1);
	assert_int_equal(parse(&c, &e, "--listen", "127.0.0.1:9000", NULL), LX_OK);
	assert_true(strcmp(c.node + strlen(c.node) - 5, ":9000") == 0); /* the port of --listen */
	memset(longest, 'n', LOG_PREFIX_MAX);
	longest[LOG_PREFIX_MAX] = '\0';
	assert_int_equal(parse(&c, &e, "--node", longest, NULL), LX_OK);
	expect_bad("--node", "--node", "two words", NULL);
	expect_bad("--node", "--node", "a/b", NULL);
	expect_bad("--node", "--node", "q\"uote", NULL);
	expect_bad("--node", "--node", "line\nbreak", NULL);
	expect_bad("--node", "--node", "", NULL);
	longest[LOG_PREFIX_MAX - 1] = 'x';
	{
		char over[LOG_PREFIX_MAX + 2];
		snprintf(over, sizeof over, "%sy", longest);
		expect_bad("--node", "--node", over, NULL);
	}
	expect_bad("--metrics-token-only", "--metrics-token-only=1", NULL);
}

static void test_every_flag(void **state)
{
	struct config c;
	struct lx_err e;
	int rc = parse(&c, &e, "--db", "/tmp/x.db", "--listen", "0.0.0.0:9443", "--cert", "c.pem",
		       "--key", "k.pem", "--tls-dir", "/tmp/tls", "--web-root", "/srv/web", "--threads", "3",
		       "--hash-threads", "5", "--grace-seconds", "7", "--log-level", "debug", "--argon2-t", "4",
		       "--argon2-m", "1024", "--argon2-p", "2", "--session-idle-minutes", "45",
		       "--throttle-window", "3", "--throttle-account", "4", "--throttle-address", "50",
		       "--header-timeout", "11", NULL);
	assert_int_equal(rc, LX_OK);
	assert_string_equal(c.db_path, "/tmp/x.db");
	assert_string_equal(c.listen, "0.0.0.0:9443");
	assert_string_equal(c.host, "0.0.0.0");
	assert_int_equal(c.port, 9443);
	assert_string_equal(c.cert, "c.pem");
	assert_string_equal(c.key, "k.pem");
	assert_string_equal(c.tls_dir, "/tmp/tls");
	assert_string_equal(c.web_root, "/srv/web");
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.hash_threads, 5);
	assert_int_equal(c.grace_seconds, 7);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(c.pw.t_cost, 4);
	assert_int_equal(c.pw.m_kib, 1024);
	assert_int_equal(c.pw.lanes, 2);
	assert_int_equal(c.session_idle_minutes, 45);
	assert_int_equal(c.throttle_window, 3);
	assert_int_equal(c.throttle_account, 4);
	assert_int_equal(c.throttle_address, 50);
	assert_int_equal(c.header_timeout, 11);
}

static void test_equals_form(void **state)
{
	struct config c;
	struct lx_err e;
	int rc = parse(&c, &e, "--db=/var/a.db", "--threads=2", "--log-level=warn", "--listen=127.0.0.1:0",
		       "--grace-seconds=0", NULL);
	assert_int_equal(rc, LX_OK);
	assert_string_equal(c.db_path, "/var/a.db");
	assert_int_equal(c.threads, 2);
	assert_int_equal(c.log_level, LOG_WARN);
	assert_int_equal(c.port, 0);
	assert_int_equal(c.grace_seconds, 0);
}

static void test_log_levels(void **state)
{
	static const struct { const char *s; int lv; } v[] = {
		{"error", LOG_ERROR}, {"warn", LOG_WARN}, {"info", LOG_INFO}, {"debug", LOG_DEBUG}};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct config c;
		struct lx_err e;
		assert_int_equal(parse(&c, &e, "--log-level", v[i].s, NULL), LX_OK);
		assert_int_equal(c.log_level, v[i].lv);
	}
}

static void test_last_one_wins(void **state)
{
	struct config c;
	struct lx_err e;
	assert_int_equal(parse(&c, &e, "--threads", "2", "--threads", "4", NULL), LX_OK);
	assert_int_equal(c.threads, 4);
}

static void test_ranges_inclusive(void **state)
{
	struct config c;
	struct lx_err e;
	assert_int_equal(parse(&c, &e, "--threads", "1", "--hash-threads", "64", "--argon2-m", "8",
			       "--grace-seconds", "3600", NULL), LX_OK);
	assert_int_equal(c.threads, 1);
	assert_int_equal(c.hash_threads, 64);
	assert_int_equal(c.pw.m_kib, 8);
	assert_int_equal(c.grace_seconds, 3600);
}

/* Expects LX_ERR_INVALID with a message containing want. */
static void expect_bad(const char *want, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	const char *a;
	struct config c;
	struct lx_err e;
	int rc;

	argv[argc++] = (char *)"lawexamd";
	va_start(ap, want);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 15)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	config_defaults(&c);
	memset(&e, 0, sizeof e);
	rc = config_parse(&c, argc, argv, &e);
	if (rc != LX_ERR_INVALID)
		fail_msg("%s ...: rc %d, want LX_ERR_INVALID", argv[1], rc);
	if (e.code != LX_ERR_INVALID)
		fail_msg("%s ...: e.code %d, want LX_ERR_INVALID", argv[1], e.code);
	if (!strstr(e.msg, want))
		fail_msg("%s ...: message '%s' does not mention '%s'", argv[1], e.msg, want);
	if (strchr(e.msg, '\n'))
		fail_msg("message is not one line: '%s'", e.msg);
}

static void test_bad_values(void **state)
{
	expect_bad("--threads", "--threads", "0", NULL);
	expect_bad("--threads", "--threads", "65", NULL);
	expect_bad("--threads", "--threads", "abc", NULL);
	expect_bad("--threads", "--threads", "4x", NULL);
	expect_bad("--threads", "--threads", "", NULL);
	expect_bad("--threads", "--threads=", NULL);
	expect_bad("--threads", "--threads", "99999999999999999999", NULL);
	expect_bad("--hash-threads", "--hash-threads", "-1", NULL);
	expect_bad("--grace-seconds", "--grace-seconds", "-1", NULL);
	expect_bad("--grace-seconds", "--grace-seconds", "3601", NULL);
	expect_bad("--argon2-m", "--argon2-m", "7", NULL);
	expect_bad("--argon2-t", "--argon2-t", "0", NULL);
	expect_bad("--argon2-p", "--argon2-p", "65", NULL);
	expect_bad("--throttle-window", "--throttle-window", "0", NULL);
	expect_bad("--throttle-account", "--throttle-account", "0", NULL);
	expect_bad("--throttle-address", "--throttle-address", "x", NULL);
	expect_bad("--session-idle-minutes", "--session-idle-minutes", "0", NULL);
	expect_bad("--header-timeout", "--header-timeout", "0", NULL);
	expect_bad("--log-level", "--log-level", "loud", NULL);
	expect_bad("--log-level", "--log-level", "", NULL);
	expect_bad("--db", "--db", "", NULL);
	expect_bad("--web-root", "--web-root=", NULL);
}

static void test_missing_value(void **state)
{
	expect_bad("--db", "--db", NULL);
	expect_bad("--threads", "--threads", NULL);
	expect_bad("--listen", "--grace-seconds", "3", "--listen", NULL);
}

static void test_unknown(void **state)
{
	expect_bad("--bogus", "--bogus", NULL);
	expect_bad("--bogus", "--bogus", "1", NULL);
	expect_bad("--dbx", "--dbx", "a.db", NULL);
	expect_bad("--d", "--d", "a.db", NULL);
	expect_bad("positional", "--threads", "2", "positional", NULL);
	expect_bad("-x", "-x", NULL);
}

static void test_listen_forms(void **state)
{
	static const struct { const char *in, *host; int port; } ok[] = {
		{"127.0.0.1:8443", "127.0.0.1", 8443},
		{"0.0.0.0:443", "0.0.0.0", 443},
		{"localhost:0", "localhost", 0},
		{"[::1]:8443", "::1", 8443},
		{"[::]:65535", "::", 65535},
		{"exam.example.org:8443", "exam.example.org", 8443},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct config c;
		struct lx_err e;
		if (parse(&c, &e, "--listen", ok[i].in, NULL) != LX_OK)
			fail_msg("--listen %s rejected: %s", ok[i].in, e.msg);
		assert_string_equal(c.host, ok[i].host);
		assert_int_equal(c.port, ok[i].port);
		assert_string_equal(c.listen, ok[i].in);
	}
	expect_bad("--listen", "--listen", "127.0.0.1", NULL);
	expect_bad("--listen", "--listen", ":8443", NULL);
	expect_bad("--listen", "--listen", "127.0.0.1:", NULL);
	expect_bad("--listen", "--listen", "127.0.0.1:65536", NULL);
	expect_bad("--listen", "--listen", "127.0.0.1:-1", NULL);
	expect_bad("--listen", "--listen", "127.0.0.1:84x3", NULL);
	expect_bad("--listen", "--listen",
		   "a-very-long-host-name-that-does-not-fit-in-sixty-four-bytes-of-host.example.org:1", NULL);
}

static void test_cert_key_together(void **state)
{
	struct config c;
	struct lx_err e;
	expect_bad("--cert", "--cert", "c.pem", NULL);
	expect_bad("--key", "--key", "k.pem", NULL);
	assert_int_equal(parse(&c, &e, "--key", "k.pem", "--cert", "c.pem", NULL), LX_OK);
	assert_string_equal(c.cert, "c.pem");
	assert_string_equal(c.key, "k.pem");
}

static void test_help(void **state)
{
	struct config c;
	struct lx_err e;
	assert_int_equal(parse(&c, &e, "--help", NULL), 1);
	assert_int_equal(parse(&c, &e, "--threads", "2", "-h", NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_flag),
		cmocka_unit_test(test_equals_form),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_last_one_wins),
		cmocka_unit_test(test_ranges_inclusive),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_cert_key_together),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_node_and_metrics_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
