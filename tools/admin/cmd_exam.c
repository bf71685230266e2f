/* cmd_exam.c — lawexam-admin exam commands: create, list, show, grant-retake, regrade. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "clock.h"
#include "exam.h"
#include "exam_def.h"
#include "grade.h"
#include "store_accounts.h"

struct create_ctx {
	struct exam_def *def;
	const char *fname;
	int dry_run;
	struct diag *d;
	const char *actor;
	struct diag held; /* sections that lost questions to review (law changes) */
};

static int create_job(struct store *db, void *arg, struct lx_err *e)
{
	struct create_ctx *x = arg;
	int rc = exam_create(db, x->def, x->fname, x->dry_run, clock_now(), x->d, e);
	diag_free(&x->held); /* the job may run again (busy database) */
	if (rc == LX_OK)
		rc = exam_create_held(db, x->def, x->fname, &x->held, e);
	if (rc == LX_OK && !x->dry_run)
		rc = store_audit(db, clock_now(), x->actor, "exam_create", x->def->code, "cli", e);
	return rc;
}

static int cmd_exam_create(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	int dry = 0, rc;
	const struct aflag flags[] = {{"--dry-run", NULL, &dry}};
	struct exam_def def = {0};
	struct diag d = {0};
	struct lx_err e = {0};
	size_t len;
	char *data;
	struct store *db;

	if (admin_args("exam create", argc, argv, flags, 1, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!(data = admin_read_file(pos[0], &len)))
		return EXIT_DATA;
	rc = examdef_parse(data, len, pos[0], &def, &d);
	free(data);
	if (rc == LX_OK && (db = admin_db(a))) {
		struct create_ctx x = {&def, pos[0], dry, &d, a->actor, {0}};
		rc = store_run(db, create_job, &x, &e);
		for (size_t i = 0; rc == LX_OK && i < x.held.n; i++)
			fprintf(stderr, "%s: note: %s\n", x.held.items[i].where, x.held.items[i].message);
		diag_free(&x.held);
	} else if (rc == LX_OK) {
		rc = LX_ERR_IO;
	}
	if (rc) {
		if (d.total)
			admin_print_diag(&d);
		else if (e.msg[0])
			fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		examdef_free(&def);
		diag_free(&d);
		return EXIT_DATA;
	}
	if (examdef_warning(&def))
		fprintf(stderr, "%s: warning: %s\n", pos[0], examdef_warning(&def));
	printf("%s %s (%s)\n", dry ? "would create exam" : "created exam", def.code, def.title);
	examdef_free(&def);
	diag_free(&d);
	return EXIT_OK;
}

static int print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s ? s : "null");
	free(s);
	json_decref(v);
	return EXIT_OK;
}

static int cmd_exam_list(struct admin *a, int argc, char **argv)
{
	json_t *out = NULL, *it;
	struct lx_err e = {0};
	struct store *db;
	size_t i;
	if (admin_args("exam list", argc, argv, NULL, 0, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (exam_admin_list_json(db, NULL, &out, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	json_array_foreach(json_object_get(out, "exams"), i, it)
		printf("%s\t%s\t%s\t%s\n", json_string_value(json_object_get(it, "code")),
		       json_string_value(json_object_get(it, "opens_at")),
		       json_string_value(json_object_get(it, "closes_at")),
		       json_string_value(json_object_get(it, "title")));
	json_decref(out);
	return EXIT_OK;
}

static int cmd_exam_show(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	json_t *out = NULL;
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("exam show", argc, argv, NULL, 0, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (exam_show_json(db, pos[0], clock_now(), &out, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s: %s\n", pos[0], e.msg);
		return EXIT_DATA;
	}
	return print_json(out);
}

/* receipt verify CODE: the receipt (回执) checked against what is stored now; exit 0 only
 * when it is valid (1: changed since, or unknown). */
static int cmd_receipt_verify(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	json_t *out = NULL;
	struct lx_err e = {0};
	struct store *db;
	int64_t owner = 0;
	int valid;
	if (admin_args("receipt verify", argc, argv, NULL, 0, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (exam_receipt_verify(db, pos[0], &owner, &out, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s: %s\n", pos[0], e.msg);
		return EXIT_DATA;
	}
	valid = json_is_true(json_object_get(out, "valid"));
	if (print_json(out) != EXIT_OK)
		return EXIT_DATA;
	if (!valid)
		fprintf(stderr, "lawexam-admin: %s: 回执与现存答卷不符（答案或交卷时间已被改动）\n", pos[0]);
	return valid ? EXIT_OK : EXIT_DATA;
}

struct retake_ctx {
	const char *code, *login, *actor;
};

static int retake_job(struct store *db, void *arg, struct lx_err *e)
{
	struct retake_ctx *x = arg;
	struct exam_actor who = {x->actor, "cli", clock_now()};
	return exam_retake(db, &who, x->code, x->login, e);
}

static int cmd_exam_grant_retake(struct admin *a, int argc, char **argv)
{
	const char *pos[2];
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("exam grant-retake", argc, argv, NULL, 0, pos, 2, 2, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	struct retake_ctx x = {pos[0], pos[1], a->actor};
	if (store_run(db, retake_job, &x, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	printf("granted one more attempt (补考) at %s to %s\n", pos[0], pos[1]);
	return EXIT_OK;
}

struct regrade_ctx {
	const char *code, *actor;
	int dry_run, changed, flips;
};

static void regrade_report(void *ctx, int64_t attempt_id, const char *login, long old2, long new2, int old_p,
			   int new_p)
{
	struct regrade_ctx *x = ctx;
	char o[GRADE_FMT_MAX], n[GRADE_FMT_MAX];
	printf("attempt %lld\t%s\t%s -> %s%s\n", (long long)attempt_id, login, (grade_fmt(old2, o), o),
	       (grade_fmt(new2, n), n),
	       old_p != new_p ? (new_p ? "\tFLIP fail -> pass" : "\tFLIP pass -> fail") : "");
	if (old_p != new_p)
		x->flips++;
}

static int regrade_job(struct store *db, void *arg, struct lx_err *e)
{
	struct regrade_ctx *x = arg;
	int rc = exam_regrade(db, x->code, x->dry_run, regrade_report, x, &x->changed, e);
	if (rc == LX_OK && !x->dry_run)
		rc = store_audit(db, clock_now(), x->actor, "regrade", x->code, "cli", e);
	return rc;
}

static int cmd_exam_regrade(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	int dry = 0;
	const struct aflag flags[] = {{"--dry-run", NULL, &dry}};
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("exam regrade", argc, argv, flags, 1, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	struct regrade_ctx x = {pos[0], a->actor, dry, 0, 0};
	if (store_run(db, regrade_job, &x, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s: %s\n", pos[0], e.msg);
		return EXIT_DATA;
	}
	printf("%s%d score(s) changed, %d pass/fail flip(s)\n", dry ? "dry run: nothing written; " : "", x.changed,
	       x.flips);
	return EXIT_OK;
}

/* --- per-attempt actions and exemptions (SPEC §12): the domain functions the server calls --- */

struct action_ctx {
	const char *cmd, *code, *login, *reason;
	int64_t id;
	int minutes;
	struct exam_actor who;
};

static int action_job(struct store *db, void *arg, struct lx_err *e)
{
	struct action_ctx *x = arg;
	x->who.now = clock_now();
	if (strcmp(x->cmd, "attempt extend") == 0)
		return exam_extend(db, &x->who, x->id, x->minutes, x->reason, NULL, e);
	if (strcmp(x->cmd, "attempt force-submit") == 0)
		return exam_force_submit(db, &x->who, x->id, x->reason, e);
	if (strcmp(x->cmd, "attempt void") == 0)
		return exam_void(db, &x->who, x->id, x->reason, e);
	if (strcmp(x->cmd, "exam exempt") == 0)
		return exam_exempt(db, &x->who, x->code, x->login, x->reason, e);
	return exam_unexempt(db, &x->who, x->code, x->login, e);
}

/* Parses a positive integer (an attempt id, minutes); -1 if s is not one. */
static long long parse_num(const char *s)
{
	char *end;
	long long v;
	if (!s || !*s || strlen(s) > 18)
		return -1;
	v = strtoll(s, &end, 10);
	return *end || v < 0 ? -1 : v;
}

static int run_action(struct admin *a, struct action_ctx *x)
{
	struct lx_err e = {0};
	struct store *db = admin_db(a);
	if (!db)
		return EXIT_DATA;
	x->who.login = a->actor;
	x->who.remote = "cli";
	if (store_run(db, action_job, x, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s: %s\n", x->cmd, e.msg);
		return EXIT_DATA;
	}
	return EXIT_OK;
}

static int attempt_cmd(struct admin *a, int argc, char **argv, const char *cmd, int with_minutes)
{
	const char *pos[1], *reason = NULL, *minutes = NULL;
	int has_reason = 0, has_minutes = 0, rc;
	const struct aflag flags[] = {{"--reason", &reason, &has_reason}, {"--minutes", &minutes, &has_minutes}};
	struct action_ctx x = {.cmd = cmd};
	if (admin_args(cmd, argc, argv, flags, with_minutes ? 2 : 1, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!reason || (with_minutes && !minutes) || (x.id = parse_num(pos[0])) <= 0)
		return admin_usage(cmd);
	x.reason = reason;
	if (with_minutes) {
		long long m = parse_num(minutes);
		x.minutes = m < 0 || m > 100000 ? -1 : (int)m;
	}
	rc = run_action(a, &x);
	if (rc == EXIT_OK)
		printf("%s: attempt %lld done\n", cmd, (long long)x.id);
	return rc;
}

static int cmd_attempt_extend(struct admin *a, int argc, char **argv)
{
	return attempt_cmd(a, argc, argv, "attempt extend", 1);
}

static int cmd_attempt_force_submit(struct admin *a, int argc, char **argv)
{
	return attempt_cmd(a, argc, argv, "attempt force-submit", 0);
}

static int cmd_attempt_void(struct admin *a, int argc, char **argv)
{
	return attempt_cmd(a, argc, argv, "attempt void", 0);
}

static int cmd_exam_exempt(struct admin *a, int argc, char **argv)
{
	const char *pos[2], *reason = NULL;
	int has_reason = 0, rc;
	const struct aflag flags[] = {{"--reason", &reason, &has_reason}};
	struct action_ctx x = {.cmd = "exam exempt"};
	if (admin_args(x.cmd, argc, argv, flags, 1, pos, 2, 2, NULL))
		return EXIT_USAGE;
	if (!reason)
		return admin_usage(x.cmd);
	x.code = pos[0];
	x.login = pos[1];
	x.reason = reason;
	rc = run_action(a, &x);
	if (rc == EXIT_OK)
		printf("%s is exempt (免考) from %s\n", pos[1], pos[0]);
	return rc;
}

static int cmd_exam_unexempt(struct admin *a, int argc, char **argv)
{
	const char *pos[2];
	int rc;
	struct action_ctx x = {.cmd = "exam unexempt"};
	if (admin_args(x.cmd, argc, argv, NULL, 0, pos, 2, 2, NULL))
		return EXIT_USAGE;
	x.code = pos[0];
	x.login = pos[1];
	rc = run_action(a, &x);
	if (rc == EXIT_OK)
		printf("%s is no longer exempt from %s\n", pos[1], pos[0]);
	return rc;
}

const struct admin_cmd admin_cmds_exam[] = {
	{"exam create", cmd_exam_create, "FILE [--dry-run]", "create an exam from a lawexam-exam/1 definition"},
	{"exam list", cmd_exam_list, "", "list exams"},
	{"exam show", cmd_exam_show, "CODE", "an exam's definition and live counts"},
	{"exam grant-retake", cmd_exam_grant_retake, "CODE LOGIN", "allow LOGIN one more attempt (补考)"},
	{"exam regrade", cmd_exam_regrade, "CODE [--dry-run]",
	 "regrade every submitted attempt with the current keys, printing changes"},
	{"exam exempt", cmd_exam_exempt, "CODE LOGIN --reason R", "exempt LOGIN from the exam (免考): not assigned"},
	{"exam unexempt", cmd_exam_unexempt, "CODE LOGIN", "take back an exemption"},
	{"attempt extend", cmd_attempt_extend, "ID --minutes N --reason R",
	 "move an attempt's deadline by N minutes (1-600), even past the exam's close"},
	{"attempt force-submit", cmd_attempt_force_submit, "ID --reason R", "grade and submit an attempt now"},
	{"attempt void", cmd_attempt_void, "ID --reason R",
	 "void an attempt (作废): it never counts and does not use up an attempt"},
	{"receipt verify", cmd_receipt_verify, "CODE",
	 "check an answer receipt (回执) against the stored answers; exit 0 valid, 1 invalid or unknown"},
	{NULL, NULL, NULL, NULL},
};
