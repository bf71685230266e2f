/* cmd_law.c — lawexam-admin law library commands (SPEC §13): law import (a Markdown text as
 * a new version, all or nothing, FILE:LINE errors), law list, and the law-aware bank: bank
 * check-basis (bases that resolve to no article) and bank review (questions whose article
 * changed; --accept takes them out of review). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "clock.h"
#include "diag.h"
#include "law.h"
#include "lawlib.h"
#include "store_accounts.h"
#include "store_laws.h"

struct law_import_ctx {
	const struct law_doc *doc;
	const char *code, *title, *effective, *actor;
	struct lawlib_import_result res;
};

static int law_import_job(struct store *db, void *arg, struct lx_err *e)
{
	struct law_import_ctx *x = arg;
	int rc = lawlib_import(db, x->doc, x->code, x->title, x->effective, clock_now(), &x->res, e);
	if (rc == LX_OK && !x->res.unchanged) {
		char detail[200];
		snprintf(detail, sizeof detail, "%s v%d: %zu articles, %zu changed, %zu questions to review", x->code,
			 x->res.version, x->res.articles, x->res.changed, x->res.flagged);
		rc = store_audit(db, clock_now(), x->actor, "law_import", detail, "cli", e);
	}
	return rc;
}

static int cmd_law_import(struct admin *a, int argc, char **argv)
{
	const char *pos[1], *code = NULL, *title = NULL, *effective = NULL;
	const struct aflag flags[] = {{"--code", &code, NULL}, {"--title", &title, NULL}, {"--effective", &effective, NULL}};
	struct law_doc doc = {0};
	struct diag d = {0};
	struct lx_err e = {0};
	struct store *db;
	size_t len;
	char *data = NULL;
	int rc = EXIT_OK;

	if (admin_args("law import", argc, argv, flags, 3, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!code) {
		fprintf(stderr, "lawexam-admin law import: --code CODE is required\n");
		return admin_usage("law import");
	}
	if (!law_code_valid(code)) {
		fprintf(stderr, "lawexam-admin law import: --code must be [a-z0-9-]{1,%d}\n", LAW_CODE_MAX);
		return EXIT_USAGE;
	}
	if (!(data = admin_read_file(pos[0], &len)))
		return EXIT_DATA;
	if (law_parse(data, len, pos[0], &doc, &d) != LX_OK) {
		admin_print_diag(&d);
		fprintf(stderr, "nothing imported: fix the %zu problem(s) above and run again\n", d.total);
		rc = EXIT_DATA;
		goto out;
	}
	if (!(db = admin_db(a))) {
		rc = EXIT_DATA;
		goto out;
	}
	struct law_import_ctx x = {&doc, code, title, effective, a->actor, {0}};
	if (store_run(db, law_import_job, &x, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s: %s (nothing imported)\n", pos[0], e.msg);
		rc = EXIT_DATA;
		goto out;
	}
	if (x.res.version == 1 && !x.res.unchanged)
		printf("%s: law %s: version 1 (new), %zu articles\n", pos[0], code, x.res.articles);
	else if (x.res.unchanged)
		printf("%s: law %s: unchanged (version %d, %zu articles)\n", pos[0], code, x.res.version, x.res.articles);
	else
		printf("%s: law %s: version %d, %zu articles, %zu changed since the previous version, "
		       "%zu question(s) put into review\n",
		       pos[0], code, x.res.version, x.res.articles, x.res.changed, x.res.flagged);
	if (x.res.flagged)
		printf("list them with: lawexam-admin bank review --law %s\n", code);
out:
	free(data);
	law_doc_free(&doc);
	diag_free(&d);
	return rc;
}

static void law_list_row(void *ctx, const struct law_row *l)
{
	(void)ctx;
	printf("%s\t%s\tversion %d\teffective %s\t%lld articles\n", l->code, l->title, l->version,
	       l->effective[0] ? l->effective : "-", (long long)l->articles);
}

static int cmd_law_list(struct admin *a, int argc, char **argv)
{
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("law list", argc, argv, NULL, 0, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (store_law_list(db, law_list_row, NULL, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	return EXIT_OK;
}

/* Titles cited by bases whose law is not in the library, with how many questions cite each. */
struct missing_law {
	char *title;
	size_t n;
};

struct check_out {
	struct missing_law *missing;
	size_t n_missing;
};

static void check_row(void *ctx, const char *bank, const char *qid, const char *basis, enum lawlib_status st,
		      const char *detail)
{
	struct check_out *o = ctx;
	if (st == LAWLIB_NO_LAW) {
		struct law_ref refs[LAW_REFS_MAX];
		char *title = NULL;
		int n;
		size_t i;
		if (law_basis_parse(basis, &title, refs, &n) != LX_OK)
			return;
		for (i = 0; i < o->n_missing && strcmp(o->missing[i].title, title); i++)
			;
		if (i == o->n_missing) {
			o->missing = realloc(o->missing, (o->n_missing + 1) * sizeof *o->missing);
			if (!o->missing)
				abort();
			o->missing[o->n_missing++] = (struct missing_law){title, 0};
		} else {
			free(title);
		}
		o->missing[i].n++;
		return;
	}
	printf("%s:%s: %s: %s%s%s\n", bank, qid, lawlib_status_name(st), basis, detail[0] ? " — " : "", detail);
}

static int cmd_bank_check_basis(struct admin *a, int argc, char **argv)
{
	struct lx_err e = {0};
	struct store *db;
	struct check_out o = {0};
	size_t counts[5];
	int rc;

	if (admin_args("bank check-basis", argc, argv, NULL, 0, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (lawlib_check_basis(db, check_row, &o, counts, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		rc = EXIT_DATA;
		goto out;
	}
	for (size_t i = 0; i < o.n_missing; i++)
		printf("note: 《%s》 is not in the law library: %zu question(s) cite it (not checked)\n",
		       o.missing[i].title, o.missing[i].n);
	printf("%zu bases resolve to an article; %zu cite no article (unreadable %zu, article missing %zu); "
	       "%zu cite a law not in the library; %zu questions have no basis\n",
	       counts[LAWLIB_OK], counts[LAWLIB_UNREADABLE] + counts[LAWLIB_NO_ARTICLE], counts[LAWLIB_UNREADABLE],
	       counts[LAWLIB_NO_ARTICLE], counts[LAWLIB_NO_LAW], counts[LAWLIB_EMPTY]);
	rc = counts[LAWLIB_UNREADABLE] + counts[LAWLIB_NO_ARTICLE] ? EXIT_DATA : EXIT_OK;
out:
	for (size_t i = 0; i < o.n_missing; i++)
		free(o.missing[i].title);
	free(o.missing);
	return rc;
}

static void review_row(void *ctx, const struct review_row *r)
{
	char since[40];
	size_t *n = ctx;
	rfc3339_format(r->since, since, sizeof since);
	printf("%s:%s\t%s %s changed in version %d (%s)\t%s\n", r->bank, r->qid, r->law, r->label, r->law_version,
	       since, r->basis);
	(*n)++;
}

struct accept_ctx {
	const char **ids;
	int n;
	int accepted, not_in_review;
	const char *actor;
};

static int accept_job(struct store *db, void *arg, struct lx_err *e)
{
	struct accept_ctx *x = arg;
	x->accepted = x->not_in_review = 0;
	for (int i = 0; i < x->n; i++) {
		char bank[64];
		const char *colon = strchr(x->ids[i], ':');
		int was = 0, rc;
		size_t bl = colon ? (size_t)(colon - x->ids[i]) : 0;
		if (!colon || bl == 0 || bl >= sizeof bank || !colon[1])
			return err_set(e, LX_ERR_INVALID, "%s: expected BANK:ID", x->ids[i]);
		memcpy(bank, x->ids[i], bl);
		bank[bl] = '\0';
		rc = lawlib_accept(db, bank, colon + 1, &was, e);
		if (rc == LX_OK && was)
			rc = store_audit(db, clock_now(), x->actor, "review_accept", x->ids[i], "cli", e);
		if (rc)
			return rc;
		if (was)
			x->accepted++;
		else
			x->not_in_review++;
	}
	return LX_OK;
}

static int cmd_bank_review(struct admin *a, int argc, char **argv)
{
	const char *pos[256], *law = NULL;
	int npos = 0, accept = 0;
	const struct aflag flags[] = {{"--law", &law, NULL}, {"--accept", NULL, &accept}};
	struct lx_err e = {0};
	struct store *db;
	size_t n = 0;

	if (admin_args("bank review", argc, argv, flags, 2, pos, 0, 256, &npos))
		return EXIT_USAGE;
	if (accept != (npos > 0)) {
		fprintf(stderr, "lawexam-admin bank review: --accept takes one or more BANK:ID, and BANK:ID needs --accept\n");
		return admin_usage("bank review");
	}
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (accept) {
		struct accept_ctx x = {pos, npos, 0, 0, a->actor};
		if (store_run(db, accept_job, &x, &e) != LX_OK) {
			fprintf(stderr, "lawexam-admin: %s (nothing accepted)\n", e.msg);
			return EXIT_DATA;
		}
		printf("%d question(s) accepted and drawn again; %d were not in review\n", x.accepted, x.not_in_review);
		return EXIT_OK;
	}
	if (store_review_list(db, law, review_row, &n, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	printf("%zu question(s) in review%s%s\n", n, law ? " for law " : "", law ? law : "");
	return EXIT_OK;
}

const struct admin_cmd admin_cmds_law[] = {
	{"law import", cmd_law_import, "FILE.md --code CODE [--title T] [--effective YYYY-MM-DD]",
	 "import a law text as its next version; questions citing a changed article go into review"},
	{"law list", cmd_law_list, "", "list the laws in the library with their current version"},
	{"bank check-basis", cmd_bank_check_basis, "",
	 "list active questions whose basis (依据) resolves to no article of a law in the library; exit 1 if any"},
	{"bank review", cmd_bank_review, "[--law CODE] | --accept BANK:ID...",
	 "list questions in review because an article they cite changed, or accept them (drawn again)"},
	{NULL, NULL, NULL, NULL},
};
