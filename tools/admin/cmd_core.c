/* cmd_core.c — lawexam-admin init, category, user, token, backup and audit commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "clock.h"
#include "mem.h"
#include "pw.h"
#include "roles.h"
#include "roster.h"
#include "store_accounts.h"
#include "store_copy.h"
#include "token.h"

static const struct { const char *code, *name; } seed_categories[] = {
	{"leader", "领导干部"},
	{"enforcement", "行政执法人员"},
	{"general", "一般工作人员"},
};

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < (long)min || v > (long)max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int seed_job(struct store *db, void *arg, struct lx_err *e)
{
	int rc0 = store_pw_params_set(db, arg, e);
	if (rc0)
		return rc0;
	for (size_t i = 0; i < sizeof seed_categories / sizeof seed_categories[0]; i++) {
		char *code = NULL;
		if (store_category_resolve(db, seed_categories[i].code, &code, NULL) == LX_OK) {
			free(code);
			continue;
		}
		int rc = store_category_add(db, seed_categories[i].code, seed_categories[i].name, clock_now(), e);
		if (rc)
			return rc;
	}
	return LX_OK;
}

static int cmd_init(struct admin *a, int argc, char **argv)
{
	struct lx_err e = {0};
	struct store *db = NULL;
	const char *slash;
	int rc;

	const char *t_s = NULL, *m_s = NULL, *p_s = NULL;
	const struct aflag flags[] = {{"--argon2-t", &t_s, NULL}, {"--argon2-m", &m_s, NULL}, {"--argon2-p", &p_s, NULL}};
	struct pw_params pw = PW_PARAMS_DEFAULT;

	if (admin_args("init", argc, argv, flags, 3, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	slash = store_target_is_uri(a->db_path) ? NULL : strrchr(a->db_path, '/');
	if (slash && slash != a->db_path) { /* create the database's own folder (one level) */
		char *dir = lx_strndup(a->db_path, (size_t)(slash - a->db_path));
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			fprintf(stderr, "lawexam-admin: cannot create %s: %s\n", dir, strerror(errno));
			free(dir);
			return EXIT_DATA;
		}
		free(dir);
	}
	rc = store_open(a->db_path, STORE_CREATE, &db, &e);
	if (rc == LX_OK)
		rc = store_pw_params(db, &pw, &e); /* keep what is stored unless flags say otherwise */
	if (rc == LX_OK && ((t_s && parse_uint(t_s, 1, 100, &pw.t_cost)) || (m_s && parse_uint(m_s, 8, 4194304, &pw.m_kib)) ||
			    (p_s && parse_uint(p_s, 1, 64, &pw.lanes)))) {
		fprintf(stderr, "lawexam-admin init: --argon2-t 1..100, --argon2-m 8..4194304 (KiB), --argon2-p 1..64\n");
		store_close(db);
		return EXIT_USAGE;
	}
	if (rc == LX_OK)
		rc = store_run(db, seed_job, &pw, &e);
	if (rc) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		store_close(db);
		return EXIT_DATA;
	}
	char shown[512];
	store_target_redact(a->db_path, shown, sizeof shown);
	printf("database %s ready (schema version %d)\n", shown, store_schema_version(db));
	store_close(db);
	return EXIT_OK;
}

static int cmd_category_add(struct admin *a, int argc, char **argv)
{
	const char *pos[2];
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("category add", argc, argv, NULL, 0, pos, 2, 2, NULL))
		return EXIT_USAGE;
	for (const char *p = pos[0]; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_') ||
		    strlen(pos[0]) > 32) {
			fprintf(stderr, "lawexam-admin: category code must be [a-z0-9_-]{1,32}: '%s'\n", pos[0]);
			return EXIT_DATA;
		}
	if (!*pos[1]) {
		fprintf(stderr, "lawexam-admin: category name must not be empty\n");
		return EXIT_DATA;
	}
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (store_category_add(db, pos[0], pos[1], clock_now(), &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	admin_audit(a, "category_add", pos[0]);
	printf("category %s %s added\n", pos[0], pos[1]);
	return EXIT_OK;
}

static int cmd_category_list(struct admin *a, int argc, char **argv)
{
	struct category *c = NULL;
	size_t n = 0;
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("category list", argc, argv, NULL, 0, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (store_category_list(db, &c, &n, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	for (size_t i = 0; i < n; i++)
		printf("%s\t%s\n", c[i].code, c[i].name);
	category_list_free(c, n);
	return EXIT_OK;
}

static int cmd_user_add(struct admin *a, int argc, char **argv)
{
	const char *pos[1], *name = NULL, *org = NULL, *cat = NULL, *roles_s = "examinee", *scope = NULL;
	int pw_stdin = 0, rc = EXIT_DATA;
	const struct aflag flags[] = {
		{"--name", &name, NULL}, {"--org", &org, NULL}, {"--category", &cat, NULL},
		{"--roles", &roles_s, NULL}, {"--password-stdin", NULL, &pw_stdin}, {"--scope", &scope, NULL},
	};
	struct user u = {0};
	struct lx_err e = {0};
	char why[128], bad[64], *password = NULL, *normorg = NULL, *code = NULL, *normscope = NULL;
	struct store *db;
	unsigned roles;
	struct pw_params pw = PW_PARAMS_DEFAULT;

	if (admin_args("user add", argc, argv, flags, 6, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!name || !org || !cat) {
		fprintf(stderr, "lawexam-admin user add: --name, --org and --category are required\n");
		return admin_usage("user add");
	}
	if (!*pos[0] || strlen(pos[0]) > 64 || strpbrk(pos[0], " \t\r\n/")) {
		fprintf(stderr, "lawexam-admin: login must be 1-64 characters without spaces or '/': '%s'\n", pos[0]);
		return EXIT_DATA;
	}
	if (!(normorg = roster_norm_org(org, why, sizeof why))) {
		fprintf(stderr, "lawexam-admin: --org: %s\n", why);
		return EXIT_DATA;
	}
	if (roles_parse(roles_s, &roles, bad, sizeof bad) != LX_OK) {
		fprintf(stderr, "lawexam-admin: unknown role '%s' (examinee, admin, hr, unit_admin)\n", bad);
		goto out;
	}
	if (scope && !(normscope = roster_norm_org(scope, why, sizeof why))) {
		fprintf(stderr, "lawexam-admin: --scope: %s\n", why);
		goto out;
	}
	if (!normscope && (roles & ROLE_UNIT_ADMIN) && !(roles & ROLE_ADMIN))
		normscope = lx_strdup(normorg); /* a unit_admin administers their own unit by default */
	if (!(db = admin_db(a)))
		goto out;
	if (store_category_resolve(db, cat, &code, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		goto out;
	}
	store_pw_params(db, &pw, NULL);
	if (pw_stdin) {
		password = admin_read_secret("password: ");
		if (pw_policy(pos[0], password, why, sizeof why) != LX_OK) {
			fprintf(stderr, "lawexam-admin: %s\n", why);
			goto out;
		}
	} else {
		password = pw_random();
	}
	u.login = (char *)pos[0];
	u.name = (char *)name;
	u.org = normorg;
	u.category = code;
	u.roles = roles;
	u.scope = normscope;
	u.must_change_password = !pw_stdin;
	u.pw_hash = pw_hash(&pw, password);
	if (!u.pw_hash) {
		fprintf(stderr, "lawexam-admin: hashing failed\n");
		goto out;
	}
	if (store_begin(db, &e) || store_user_insert(db, &u, clock_now(), &e) ||
	    store_audit(db, clock_now(), a->actor, "user_add", u.login, "cli", &e) || store_commit(db, &e)) {
		store_rollback(db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		goto out;
	}
	if (pw_stdin)
		printf("user %s added\n", u.login);
	else
		printf("user %s added; initial password (must be changed at first login): %s\n", u.login, password);
	rc = EXIT_OK;
out:
	free(u.pw_hash);
	free(normorg);
	free(normscope);
	free(code);
	free(password);
	return rc;
}

static int lookup(struct admin *a, const char *login, struct user *u)
{
	struct lx_err e = {0};
	struct store *db = admin_db(a);
	if (!db)
		return EXIT_DATA;
	if (store_user_by_login(db, login, u, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: no such user: %s\n", login);
		return EXIT_DATA;
	}
	return EXIT_OK;
}

static int cmd_user_passwd(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	struct user u = {0};
	struct lx_err e = {0};
	char *password = NULL, *hash = NULL, why[128];
	int pw_stdin = 0, rc = EXIT_DATA;
	const struct aflag flags[] = {{"--password-stdin", NULL, &pw_stdin}};
	struct pw_params pw = PW_PARAMS_DEFAULT;

	if (admin_args("user passwd", argc, argv, flags, 1, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (lookup(a, pos[0], &u))
		return EXIT_DATA;
	if (pw_stdin) {
		password = admin_read_secret("new password: ");
		if (pw_policy(u.login, password, why, sizeof why) != LX_OK) {
			fprintf(stderr, "lawexam-admin: %s\n", why);
			goto out;
		}
	} else {
		password = pw_random();
	}
	store_pw_params(a->db, &pw, NULL);
	hash = pw_hash(&pw, password);
	if (!hash || store_begin(a->db, &e) ||
	    store_user_set_password(a->db, u.id, hash, !pw_stdin, clock_now(), &e) ||
	    store_session_delete_user(a->db, u.id, NULL, &e) ||
	    store_audit(a->db, clock_now(), a->actor, "user_passwd", u.login, "cli", &e) ||
	    store_commit(a->db, &e)) {
		store_rollback(a->db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg[0] ? e.msg : "hashing failed");
		goto out;
	}
	if (pw_stdin)
		printf("password of %s changed; their sessions are ended\n", u.login);
	else
		printf("password of %s reset to (must be changed at next login): %s\n", u.login, password);
	rc = EXIT_OK;
out:
	free(password);
	free(hash);
	user_free(&u);
	return rc;
}

static int set_disabled(struct admin *a, int argc, char **argv, int disabled)
{
	const char *pos[1];
	const char *cmd = disabled ? "user disable" : "user enable";
	struct user u = {0};
	struct lx_err e = {0};
	int rc = EXIT_OK;
	if (admin_args(cmd, argc, argv, NULL, 0, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (lookup(a, pos[0], &u))
		return EXIT_DATA;
	if (store_begin(a->db, &e) || store_user_set_disabled(a->db, u.id, disabled, clock_now(), &e) ||
	    store_audit(a->db, clock_now(), a->actor, disabled ? "user_disable" : "user_enable", u.login, "cli", &e) ||
	    store_commit(a->db, &e)) {
		store_rollback(a->db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		rc = EXIT_DATA;
	} else {
		printf("user %s %s\n", u.login, disabled ? "disabled" : "enabled");
	}
	user_free(&u);
	return rc;
}

/* user scope LOGIN PATH|-: the org path LOGIN administers or reports on ("-": none, i.e. the
 * default — a unit_admin's own unit, everything for admin and hr). */
static int cmd_user_scope(struct admin *a, int argc, char **argv)
{
	const char *pos[2];
	struct user u = {0};
	struct lx_err e = {0};
	char why[128], *scope = NULL, *detail = NULL;
	int rc = EXIT_DATA;

	if (admin_args("user scope", argc, argv, NULL, 0, pos, 2, 2, NULL))
		return EXIT_USAGE;
	if (strcmp(pos[1], "-") != 0 && !(scope = roster_norm_org(pos[1], why, sizeof why))) {
		fprintf(stderr, "lawexam-admin: scope: %s\n", why);
		return EXIT_DATA;
	}
	if (lookup(a, pos[0], &u))
		goto out;
	detail = lx_asprintf("%s scope=%s", u.login, scope ? scope : "-");
	if (store_begin(a->db, &e) || store_user_set_scope(a->db, u.id, scope, clock_now(), &e) ||
	    store_audit(a->db, clock_now(), a->actor, "user_scope", detail, "cli", &e) || store_commit(a->db, &e)) {
		store_rollback(a->db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		goto out;
	}
	free(u.scope);
	u.scope = scope;
	scope = NULL;
	printf("user %s scope: %s\n", u.login, user_scope(&u) ? user_scope(&u) : "(everything)");
	rc = EXIT_OK;
out:
	free(scope);
	free(detail);
	user_free(&u);
	return rc;
}

static int cmd_user_disable(struct admin *a, int argc, char **argv) { return set_disabled(a, argc, argv, 1); }
static int cmd_user_enable(struct admin *a, int argc, char **argv) { return set_disabled(a, argc, argv, 0); }

static int cmd_token_create(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	struct user u = {0};
	struct lx_err e = {0};
	char tok[TOK_LEN + 1];
	uint8_t h[32];
	int rc = EXIT_OK;
	if (admin_args("token create", argc, argv, NULL, 0, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (lookup(a, pos[0], &u))
		return EXIT_DATA;
	if (tok_new(tok) != LX_OK) {
		user_free(&u);
		return EXIT_DATA;
	}
	tok_hash(tok, strlen(tok), h);
	if (store_begin(a->db, &e) || store_token_insert(a->db, h, u.id, clock_now(), &e) ||
	    store_audit(a->db, clock_now(), a->actor, "token_create", u.login, "cli", &e) ||
	    store_commit(a->db, &e)) {
		store_rollback(a->db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		rc = EXIT_DATA;
	} else {
		printf("%s\n", tok);
	}
	user_free(&u);
	return rc;
}

static void token_header(int *shown)
{
	if (!*shown)
		printf("ID\tLOGIN\tCREATED\tSTATE\n");
	*shown = 1;
}

static void token_row(void *ctx, const struct token_info *t)
{
	char created[40];
	token_header(ctx);
	printf("%lld\t%s\t%s\t%s\n", (long long)t->id, t->login, rfc3339_format(t->created_at, created, sizeof created),
	       t->revoked ? "revoked" : "active");
}

/* Lists tokens by id, owner, creation time and state: never the token or its hash. */
static int cmd_token_list(struct admin *a, int argc, char **argv)
{
	const char *pos[1] = {NULL};
	struct lx_err e = {0};
	struct store *db;
	int shown = 0;
	if (admin_args("token list", argc, argv, NULL, 0, pos, 0, 1, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (store_token_list(db, pos[0], token_row, &shown, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	token_header(&shown); /* also when there is no token */
	return EXIT_OK;
}

static int cmd_token_revoke(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	struct lx_err e = {0};
	struct store *db;
	char login[128], detail[160], *end = NULL;
	long long id;
	int was = 0;
	if (admin_args("token revoke", argc, argv, NULL, 0, pos, 1, 1, NULL))
		return EXIT_USAGE;
	errno = 0;
	id = strtoll(pos[0], &end, 10);
	if (errno || end == pos[0] || *end || id <= 0) {
		fprintf(stderr, "lawexam-admin token revoke: ID is the number `token list` shows, not '%s'\n", pos[0]);
		return EXIT_USAGE;
	}
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	login[0] = '\0';
	int rc = store_begin(db, &e);
	if (rc == LX_OK)
		rc = store_token_revoke(db, id, login, sizeof login, &was, &e);
	if (rc == LX_OK && !was) {
		snprintf(detail, sizeof detail, "%lld %s", id, login);
		rc = store_audit(db, clock_now(), a->actor, "token_revoke", detail, "cli", &e);
	}
	if (rc == LX_OK)
		rc = store_commit(db, &e);
	if (rc != LX_OK) {
		store_rollback(db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	printf("token %lld of %s %s\n", id, login, was ? "was already revoked" : "revoked");
	return EXIT_OK;
}

static int cmd_backup(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("backup", argc, argv, NULL, 0, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (store_backup(db, pos[0], &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	admin_audit(a, "backup", pos[0]);
	printf("backup written to %s\n", pos[0]);
	return EXIT_OK;
}

static void copied(void *ctx, const char *table, int64_t rows)
{
	(void)ctx;
	printf("  %-20s %lld rows\n", table, (long long)rows);
}

/* migrate --to URI: the whole database into an empty PostgreSQL one (SPEC §11). */
static int cmd_migrate(struct admin *a, int argc, char **argv)
{
	const char *to_s = NULL;
	const struct aflag flags[] = {{"--to", &to_s, NULL}};
	struct lx_err e = {0};
	struct store *from, *to = NULL;
	char shown[512];

	if (admin_args("migrate", argc, argv, flags, 1, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (!to_s || !store_target_is_uri(to_s)) {
		fprintf(stderr, "lawexam-admin migrate: --to postgresql://… (the empty PostgreSQL database to copy into)\n");
		return EXIT_USAGE;
	}
	if (!(from = admin_db(a)))
		return EXIT_DATA;
	store_target_redact(to_s, shown, sizeof shown);
	if (store_open(to_s, STORE_CREATE, &to, &e) != LX_OK || store_copy_all(from, to, copied, NULL, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin migrate: %s\n", e.msg);
		store_close(to);
		return EXIT_DATA;
	}
	store_close(to);
	admin_audit(a, "migrate", shown);
	printf("copied into %s; every table's row count matches\n", shown);
	return EXIT_OK;
}

static void audit_row(void *ctx, int64_t at, const char *actor, const char *action, const char *detail,
		      const char *remote)
{
	char t[40];
	printf("%s\t%s\t%s\t%s\t%s\n", rfc3339_format(at, t, sizeof t), actor, remote, action, detail);
}

static int cmd_audit(struct admin *a, int argc, char **argv)
{
	const char *since_s = NULL;
	const struct aflag flags[] = {{"--since", &since_s, NULL}};
	int64_t since = 0;
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("audit", argc, argv, flags, 1, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (since_s && rfc3339_parse(since_s, &since) != LX_OK) {
		fprintf(stderr, "lawexam-admin audit: --since wants an RFC 3339 time, e.g. 2026-12-01T00:00:00+08:00\n");
		return EXIT_USAGE;
	}
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (store_audit_list(db, since, audit_row, NULL, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	return EXIT_OK;
}

const struct admin_cmd admin_cmds_core[] = {
	{"init", cmd_init, "[--argon2-t T --argon2-m KiB --argon2-p P]",
	 "create or upgrade the database, seed the staff categories, set the password-hash cost"},
	{"category add", cmd_category_add, "CODE NAME", "add a staff category (人员类别)"},
	{"category list", cmd_category_list, "", "list staff categories"},
	{"user add", cmd_user_add, "LOGIN --name N --org PATH --category C [--roles R] [--scope PATH] [--password-stdin]",
	 "add a user (random first password unless --password-stdin); --scope: the units a unit_admin administers"},
	{"user scope", cmd_user_scope, "LOGIN PATH|-",
	 "set the units LOGIN administers or reports on (PATH and its sub-units; '-': the default)"},
	{"user passwd", cmd_user_passwd, "LOGIN [--password-stdin]", "reset a user's password; ends their sessions"},
	{"user disable", cmd_user_disable, "LOGIN", "disable a user; ends their sessions"},
	{"user enable", cmd_user_enable, "LOGIN", "enable a user again"},
	{"token create", cmd_token_create, "LOGIN", "make an API token for LOGIN (printed once)"},
	{"token list", cmd_token_list, "[LOGIN]", "list API tokens: id, owner, created, state (never the token)"},
	{"token revoke", cmd_token_revoke, "ID", "revoke one API token at once (ID from token list)"},
	{"backup", cmd_backup, "FILE", "write a consistent copy of the database to FILE (online)"},
	{"audit", cmd_audit, "[--since TIME]", "print the audit log"},
	{"migrate", cmd_migrate, "--to URI", "copy this database into an empty PostgreSQL database (counts verified)"},
	{NULL, NULL, NULL, NULL},
};
