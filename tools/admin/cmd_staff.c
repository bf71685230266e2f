/* cmd_staff.c — lawexam-admin staff import: a roster (CSV/XLSX) into users, all or nothing.
 * New users without a password get a random one, written with their login, name and unit
 * to --passwords-out (CSV) and/or printed on login slips (--slips-out, a PDF, slips.h), and
 * must change it at first login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "buf.h"
#include "clock.h"
#include "csv.h"
#include "roster.h"
#include "roster_import.h"
#include "pdf.h"
#include "slips.h"
#include "store_accounts.h"
#include "table.h"

static int is_xlsx(const char *fname, const char *format, const char *data, size_t len)
{
	if (format)
		return strcmp(format, "xlsx") == 0;
	return table_guess_xlsx(fname, data, len);
}

struct apply_ctx {
	struct roster_plan *plan;
	int dry_run;
	const char *actor, *fname;
};

static int apply_job(struct store *db, void *arg, struct lx_err *e)
{
	struct apply_ctx *x = arg;
	int rc = roster_apply(db, x->plan, x->dry_run, clock_now(), e);
	if (rc == LX_OK && !x->dry_run) {
		char detail[256];
		snprintf(detail, sizeof detail, "%s +%d ~%d =%d disabled %d", x->fname, x->plan->added,
			 x->plan->updated, x->plan->unchanged, x->plan->disabled);
		rc = store_audit(db, clock_now(), x->actor, "staff_import", detail, "cli", e);
	}
	return rc;
}

/* --passwords-out: 工号, 初始密码, 姓名, 单位 (roster order, the unit as stored) — the first
 * two columns as before, so older scripts keep working; name and unit so that login slips
 * can be printed and cut per unit. Names and units are typed by people: csv_text(). */
static int write_passwords(const char *path, const struct roster_plan *p)
{
	struct buf b;
	int rc, fd;
	FILE *f;
	buf_init(&b, 0);
	csv_bom(&b);
	csv_field(&b, "工号");
	csv_field(&b, "初始密码");
	csv_field(&b, "姓名");
	csv_field(&b, "单位");
	csv_end_row(&b);
	for (size_t i = 0; i < p->n; i++) {
		if (!p->initial[i])
			continue;
		csv_field(&b, p->r->rows[i].login);
		csv_field(&b, p->initial[i]);
		csv_text(&b, p->r->rows[i].name);
		csv_text(&b, p->r->rows[i].org);
		csv_end_row(&b);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* secrets: owner only */
	f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	rc = f && fwrite(b.data, 1, b.len, f) == b.len ? EXIT_OK : EXIT_DATA;
	if (f && fclose(f) != 0)
		rc = EXIT_DATA;
	if (rc)
		fprintf(stderr, "lawexam-admin: cannot write %s: %m\n", path);
	buf_free(&b);
	return rc;
}

/* --slips-out: the login slips (slips.h) of the new users with a generated first password,
 * in roster order, owner-only like the passwords file. */
static int write_slips(const char *path, const char *url, const struct roster_plan *p)
{
	struct slip *v = calloc(p->n ? p->n : 1, sizeof *v);
	struct lx_err e = {0};
	char *pdf = NULL;
	size_t n = 0, len = 0;
	int rc = EXIT_DATA, fd = -1;
	FILE *f = NULL;

	if (!v)
		goto out;
	for (size_t i = 0; i < p->n; i++)
		if (p->initial[i])
			v[n++] = (struct slip){p->r->rows[i].login, p->r->rows[i].name, p->r->rows[i].org, p->initial[i]};
	rc = slips_pdf(v, n, url, &pdf, &len, &e);
	pdf_release(); /* the one PDF of this run: fontconfig's caches go now, not at exit */
	if (rc != LX_OK) {
		rc = EXIT_DATA;
		fprintf(stderr, "lawexam-admin: login slips: %s\n", e.msg);
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* secrets: owner only */
	f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	rc = f && fwrite(pdf, 1, len, f) == len ? EXIT_OK : EXIT_DATA;
	if (f && fclose(f) != 0)
		rc = EXIT_DATA;
	if (rc)
		fprintf(stderr, "lawexam-admin: cannot write %s: %m\n", path);
out:
	free(pdf);
	free(v);
	return rc;
}

static int cmd_staff_import(struct admin *a, int argc, char **argv)
{
	const char *pos[1], *pw_out = NULL, *format = NULL, *threads_s = NULL, *slips_out = NULL;
	const char *url = "https://127.0.0.1:8443";
	int dry = 0, disable = 0, rc = EXIT_DATA, need_pw = 0;
	const struct aflag flags[] = {
		{"--dry-run", NULL, &dry}, {"--passwords-out", &pw_out, NULL},
		{"--disable-missing", NULL, &disable}, {"--format", &format, NULL}, {"--hash-threads", &threads_s, NULL},
		{"--slips-out", &slips_out, NULL}, {"--url", &url, NULL},
	};
	struct roster r = {0};
	struct roster_plan plan = {0};
	struct diag d = {0};
	struct lx_err e = {0};
	struct store *db;
	size_t len;
	char *data = NULL;
	long threads = sysconf(_SC_NPROCESSORS_ONLN);
	struct pw_params pw = PW_PARAMS_DEFAULT;
	struct admin_progress prog;
	int prc;

	if (admin_args("staff import", argc, argv, flags, sizeof flags / sizeof flags[0], pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (format && strcmp(format, "csv") && strcmp(format, "xlsx")) {
		fprintf(stderr, "lawexam-admin staff import: --format must be csv or xlsx\n");
		return EXIT_USAGE;
	}
	if (threads_s)
		threads = strtol(threads_s, NULL, 10);
	if (!(data = admin_read_file(pos[0], &len)))
		return EXIT_DATA;
	if (roster_parse(data, len, pos[0], is_xlsx(pos[0], format, data, len), &r, &d) != LX_OK) {
		admin_print_diag(&d);
		fprintf(stderr, "nothing imported: fix the %zu problem(s) above and run again\n", d.total);
		goto out;
	}
	if (r.header_row > 1)
		fprintf(stderr, "%s:ROW %d: note: header taken from row %d (the %d row(s) above read as a title)\n",
			pos[0], r.header_row, r.header_row, r.header_row - 1);
	if (!(db = admin_db(a)))
		goto out;
	store_pw_params(db, &pw, NULL);
	admin_progress_begin(&prog, "hashing passwords", 0); /* ~13 ms a hash: 2,000 new staff take seconds */
	prc = roster_prepare(db, &r, pos[0], &pw, (int)threads, disable, &prog.p, &plan, &d, &e);
	admin_progress_end(&prog);
	if (prc != LX_OK) {
		if (d.total)
			admin_print_diag(&d);
		else
			fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		fprintf(stderr, "nothing imported\n");
		goto out;
	}
	for (size_t i = 0; i < plan.n; i++)
		need_pw |= plan.initial[i] != NULL;
	if (need_pw && !pw_out && !slips_out && !dry) {
		fprintf(stderr, "lawexam-admin staff import: some new users have no password: give --passwords-out FILE "
				"or --slips-out FILE.pdf to receive their random first passwords\n");
		rc = EXIT_USAGE;
		goto out;
	}
	struct apply_ctx x = {&plan, dry, a->actor, pos[0]};
	if (store_run(db, apply_job, &x, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s (nothing imported)\n", e.msg);
		goto out;
	}
	if (need_pw && !dry && pw_out && write_passwords(pw_out, &plan) != EXIT_OK)
		goto out;
	if (need_pw && !dry && slips_out && write_slips(slips_out, url, &plan) != EXIT_OK)
		goto out;
	printf("%s%s: %d added, %d updated, %d unchanged, %d disabled\n", dry ? "dry run: " : "", pos[0], plan.added,
	       plan.updated, plan.unchanged, plan.disabled);
	if (need_pw && !dry && pw_out)
		printf("first passwords of new users written to %s\n", pw_out);
	if (need_pw && !dry && slips_out)
		printf("login slips of new users written to %s\n", slips_out);
	rc = EXIT_OK;
out:
	roster_plan_free(&plan);
	roster_free(&r);
	diag_free(&d);
	free(data);
	return rc;
}

const struct admin_cmd admin_cmds_staff[] = {
	{"staff import", cmd_staff_import,
	 "FILE [--format csv|xlsx] [--dry-run] [--passwords-out FILE] [--slips-out FILE.pdf [--url URL]] "
	 "[--disable-missing]",
	 "import a staff roster (all or nothing); existing logins are updated"},
	{NULL, NULL, NULL, NULL},
};
