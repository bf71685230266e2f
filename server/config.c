/* config.c — lawexamd flags, table-driven (see config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

enum opt_kind { OPT_STR, OPT_INT, OPT_LEVEL, OPT_FLAG /* no value: sets an int to 1 */ };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
	long min, max;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)

static const struct opt opts[] = {
	{"--db", OPT_STR, OFF(db_path), 0, 0, "database: a SQLite file (default var/lawexam.db) or a postgresql:// URI"},
	{"--listen", OPT_STR, OFF(listen), 0, 0, "ADDR:PORT to listen on (default 127.0.0.1:8443)"},
	{"--cert", OPT_STR, OFF(cert), 0, 0, "TLS certificate chain (PEM); with --key"},
	{"--key", OPT_STR, OFF(key), 0, 0, "TLS private key (PEM); with --cert"},
	{"--tls-dir", OPT_STR, OFF(tls_dir), 0, 0, "where a self-signed certificate is made (default var/tls)"},
	{"--web-root", OPT_STR, OFF(web_root), 0, 0, "static files of the web front end (default web)"},
	{"--threads", OPT_INT, OFF(threads), 1, 64, "event-loop threads (default: number of cores)"},
	{"--hash-threads", OPT_INT, OFF(hash_threads), 1, 64, "argon2id worker threads (default: number of cores)"},
	{"--grace-seconds", OPT_INT, OFF(grace_seconds), 0, 3600, "saves accepted this long past the deadline (default 30)"},
	{"--log-level", OPT_LEVEL, OFF(log_level), 0, 0, "error|warn|info|debug (default info)"},
	{"--argon2-t", OPT_INT, OFF(pw.t_cost), 1, 100, "argon2id iterations for new hashes; stored in the database for lawexam-admin too (default: as stored, else 2)"},
	{"--argon2-m", OPT_INT, OFF(pw.m_kib), 8, 4194304, "argon2id memory in KiB; stored likewise (default: as stored, else 19456)"},
	{"--argon2-p", OPT_INT, OFF(pw.lanes), 1, 64, "argon2id lanes; stored likewise (default: as stored, else 1)"},
	{"--session-idle-minutes", OPT_INT, OFF(session_idle_minutes), 1, 100000, "sessions expire after this idle time (default 720)"},
	{"--throttle-window", OPT_INT, OFF(throttle_window), 1, 86400, "login throttling window in seconds (default 900)"},
	{"--throttle-account", OPT_INT, OFF(throttle_account), 1, 100000, "failed logins per account per window (default 5)"},
	{"--throttle-address", OPT_INT, OFF(throttle_address), 1, 1000000, "failed logins per client address per window (default 100)"},
	{"--header-timeout", OPT_INT, OFF(header_timeout), 1, 3600, "seconds a client may take to send a request, or stay idle (default 30)"},
	{"--organiser", OPT_STR, OFF(organiser), 0, 0, "the organiser named on certificates (合格证明; default 本单位)"},
	{"--node", OPT_STR, OFF(node), 0, 0, "this node's name in the logs and /metrics: letters, digits, . _ : - (default HOSTNAME:PORT)"},
	{"--metrics-token-only", OPT_FLAG, OFF(metrics_token_only), 0, 0, "/metrics only with an administrator's API token, also from 127.0.0.1 (behind a local proxy)"},
	{"--max-connections", OPT_INT, OFF(max_connections), 1, 1000000, "open connections served at once; a request on one more gets 503 (default 16384, lowered to fit the open-file limit)"},
};

void config_defaults(struct config *c)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	if (cores > 16)
		cores = 16;
	memset(c, 0, sizeof *c);
	c->db_path = "var/lawexam.db";
	c->listen = "127.0.0.1:8443";
	c->web_root = "web";
	c->tls_dir = "var/tls";
	c->threads = (int)cores;
	c->hash_threads = (int)cores;
	c->grace_seconds = 30;
	c->log_level = LOG_INFO;
	c->pw = PW_PARAMS_DEFAULT;
	c->session_idle_minutes = 720;
	c->throttle_window = 900;
	c->throttle_account = 5;
	c->throttle_address = 100;
	c->header_timeout = 30;
	c->max_connections = 16384;
	c->organiser = "本单位";
}

void config_usage(void)
{
	printf("usage: lawexamd [options]\n\nThe lawexam HTTPS server.\n\noptions:\n");
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		printf("  %-24s %s\n", opts[i].name, opts[i].help);
	printf("  %-24s %s\n", "--help", "this text");
}

static int split_listen(struct config *c, struct lx_err *e)
{
	const char *colon = strrchr(c->listen, ':');
	char *end;
	long port;
	size_t hl;

	if (!colon || colon == c->listen)
		return err_set(e, LX_ERR_INVALID, "--listen wants ADDR:PORT, got '%s'", c->listen);
	hl = (size_t)(colon - c->listen);
	if (hl >= sizeof c->host)
		return err_set(e, LX_ERR_INVALID, "--listen address too long");
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || port < 0 || port > 65535 || end == colon + 1)
		return err_set(e, LX_ERR_INVALID, "--listen port must be 0..65535, got '%s'", colon + 1);
	memcpy(c->host, c->listen, hl);
	c->host[hl] = '\0';
	if (c->host[0] == '[' && hl > 2 && c->host[hl - 1] == ']') { /* [::1] */
		memmove(c->host, c->host + 1, hl - 2);
		c->host[hl - 2] = '\0';
	}
	c->port = (int)port;
	return LX_OK;
}

/* A node name goes unquoted into every log line and into a Prometheus label: a word. */
static int node_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > LOG_PREFIX_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return 0;
	return 1;
}

/* HOSTNAME:PORT, the host name cut to a word (characters a node name may not hold become
 * '-'); "lawexamd:PORT" when the host has no name. */
static void default_node(struct config *c)
{
	char host[256] = "";
	size_t n;
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		snprintf(host, sizeof host, "lawexamd");
	host[sizeof host - 1] = '\0';
	for (char *p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			*p = '-';
	n = strlen(host);
	if (n > LOG_PREFIX_MAX - 6)
		host[LOG_PREFIX_MAX - 6] = '\0';
	snprintf(c->node_buf, sizeof c->node_buf, "%.*s:%d", LOG_PREFIX_MAX - 6, host, c->port);
}

int config_parse(struct config *c, int argc, char **argv, struct lx_err *e)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL, *eq;
		const struct opt *o = NULL;
		size_t nl;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			config_usage();
			return 1;
		}
		eq = strchr(arg, '=');
		nl = eq ? (size_t)(eq - arg) : strlen(arg);
		for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
			if (strlen(opts[k].name) == nl && strncmp(opts[k].name, arg, nl) == 0)
				o = &opts[k];
		if (!o)
			return err_set(e, LX_ERR_INVALID, "unknown option '%s' (see --help)", arg);
		if (o->kind == OPT_FLAG) {
			if (eq)
				return err_set(e, LX_ERR_INVALID, "option %s takes no value", o->name);
			*(int *)((char *)c + o->off) = 1;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return err_set(e, LX_ERR_INVALID, "option %s needs a value", o->name);
		char *field = (char *)c + o->off;
		if (strncmp(o->name, "--argon2-", 9) == 0)
			c->pw_set = 1;
		if (o->kind == OPT_STR) {
			if (!*val)
				return err_set(e, LX_ERR_INVALID, "option %s needs a non-empty value", o->name);
			*(const char **)field = val;
		} else if (o->kind == OPT_LEVEL) {
			int lv = log_parse_level(val);
			if (lv < 0)
				return err_set(e, LX_ERR_INVALID, "--log-level must be error|warn|info|debug, got '%s'", val);
			*(int *)field = lv;
		} else {
			char *end;
			errno = 0;
			long v = strtol(val, &end, 10);
			if (errno || *end || end == val || v < o->min || v > o->max)
				return err_set(e, LX_ERR_INVALID, "option %s must be an integer %ld..%ld, got '%s'",
					       o->name, o->min, o->max, val);
			*(int *)field = (int)v;
		}
	}
	if (strlen(c->organiser) > 200 || !text_utf8_valid(c->organiser, strlen(c->organiser)))
		return err_set(e, LX_ERR_INVALID, "--organiser must be UTF-8 of at most 200 bytes");
	if ((c->cert == NULL) != (c->key == NULL))
		return err_set(e, LX_ERR_INVALID, "--cert and --key go together");
	if (c->node && !node_name_ok(c->node))
		return err_set(e, LX_ERR_INVALID, "--node must be 1..%d letters, digits or . _ : -", LOG_PREFIX_MAX);
	if (split_listen(c, e) != LX_OK)
		return e->code;
	if (!c->node) {
		default_node(c);
		c->node = c->node_buf;
	}
	return LX_OK;
}
