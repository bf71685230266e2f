/* cmd_bank.c — lawexam-admin bank commands: import (JSON/CSV/XLSX/text/Word, atomic,
 * --dry-run showing what a text or Word file was read as, --retire-missing), list, export
 * (canonical JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "bank.h"
#include "bank_import.h"
#include "clock.h"
#include "store_accounts.h"
#include "store_banks.h"
#include "text.h"

#define DRY_RUN_SHOWN 5 /* questions of a text/Word file printed by --dry-run */

/* What a text or Word file was read as: the count per type and the first questions with
 * their options and key, so an administrator can check the reading (SPEC §4.5). */
static void print_reading(const char *file, const struct bank_doc *doc)
{
	size_t by[3] = {0};
	char shown[256];

	for (size_t i = 0; i < doc->n; i++)
		if ((int)doc->questions[i].type >= 0 && (int)doc->questions[i].type < 3)
			by[doc->questions[i].type]++;
	printf("%s: recognised %zu question(s): %zu %s, %zu %s, %zu %s\n", file, doc->n, by[QT_SINGLE],
	       qtype_name(QT_SINGLE), by[QT_MULTIPLE], qtype_name(QT_MULTIPLE), by[QT_JUDGE], qtype_name(QT_JUDGE));
	for (size_t i = 0; i < doc->n && i < DRY_RUN_SHOWN; i++) {
		const struct bank_question *q = &doc->questions[i];
		printf("  %s  %s [%s] %s\n", q->where, q->id, qtype_name(q->type),
		       text_clip(q->stem, 160, shown, sizeof shown));
		for (size_t k = 0; k < q->n_options; k++)
			printf("      %c. %s\n", (char)('A' + k), text_clip(q->options[k], 120, shown, sizeof shown));
		printf("      key: %s\n", q->answer);
	}
	if (doc->n > DRY_RUN_SHOWN)
		printf("  … and %zu more\n", doc->n - DRY_RUN_SHOWN);
}

static void print_notes(const struct bank_doc *doc)
{
	for (size_t i = 0; i < doc->notes.n; i++)
		fprintf(stderr, "%s: note: %s\n", doc->notes.items[i].where, doc->notes.items[i].message);
	if (doc->notes.total > doc->notes.n)
		fprintf(stderr, "(%zu more notes not shown)\n", doc->notes.total - doc->notes.n);
}

struct import_ctx {
	struct bank_doc *docs;
	int n;
	int dry_run, retire_missing;
	struct bank_import_result *res;
	const char *actor;
	struct admin_progress *progress; /* one line over all the files */
};

static int import_job(struct store *db, void *arg, struct lx_err *e)
{
	struct import_ctx *x = arg;
	if (x->progress)
		x->progress->base = 0; /* the job may run again (busy database) */
	for (int i = 0; i < x->n; i++) {
		int rc = bank_import_progress(db, &x->docs[i], x->dry_run, x->retire_missing, clock_now(),
					      x->progress ? &x->progress->p : NULL, &x->res[i], e);
		if (x->progress)
			x->progress->base += x->docs[i].n;
		if (rc == LX_OK && !x->dry_run) {
			char detail[160];
			snprintf(detail, sizeof detail, "%s +%d ~%d =%d -%d", x->docs[i].code, x->res[i].added,
				 x->res[i].updated, x->res[i].unchanged, x->res[i].retired);
			rc = store_audit(db, clock_now(), x->actor, "bank_import", detail, "cli", e);
		}
		if (rc)
			return rc;
	}
	return LX_OK;
}

static int cmd_bank_import(struct admin *a, int argc, char **argv)
{
	const char *pos[64], *format = NULL, *code = NULL, *title = NULL, *subject = NULL;
	int npos = 0, dry = 0, retire = 0, rc = EXIT_OK;
	const struct aflag flags[] = {
		{"--format", &format, NULL}, {"--bank", &code, NULL}, {"--title", &title, NULL},
		{"--subject", &subject, NULL}, {"--dry-run", NULL, &dry}, {"--retire-missing", NULL, &retire},
	};
	enum bank_format fmt = BANK_FMT_AUTO, eff[64];
	struct bank_doc docs[64];
	struct bank_import_result res[64];
	struct diag d = {0};
	struct lx_err e = {0};
	struct store *db;
	struct admin_progress prog;
	int parsed = 0, irc;

	if (admin_args("bank import", argc, argv, flags, 6, pos, 1, 64, &npos))
		return EXIT_USAGE;
	if (format && bank_format_parse(format, &fmt) != LX_OK) {
		fprintf(stderr, "lawexam-admin bank import: --format must be json, csv, xlsx, txt or docx\n");
		return EXIT_USAGE;
	}
	memset(docs, 0, sizeof docs);
	for (int i = 0; i < npos; i++) {
		size_t len;
		char *data = admin_read_file(pos[i], &len);
		struct bank_meta meta = {code, title, subject};
		if (!data) {
			rc = EXIT_DATA;
			goto out;
		}
		eff[i] = fmt == BANK_FMT_AUTO ? bank_format_guess(pos[i], data, len) : fmt;
		bank_parse(data, len, pos[i], eff[i], &meta, &docs[i], &d);
		parsed = i + 1;
		free(data);
	}
	for (int i = 0; i < npos; i++)
		for (int j = 0; j < i; j++)
			if (docs[i].code && docs[j].code && strcmp(docs[i].code, docs[j].code) == 0)
				diag_add(&d, pos[i], "题库 %s 在本次导入中出现了两次（另见 %s）", docs[i].code, pos[j]);
	for (int i = 0; i < npos; i++)
		print_notes(&docs[i]);
	if (d.total) {
		admin_print_diag(&d);
		fprintf(stderr, "nothing imported: fix the %zu problem(s) above and run again\n", d.total);
		rc = EXIT_DATA;
		goto out;
	}
	if (!(db = admin_db(a))) {
		rc = EXIT_DATA;
		goto out;
	}
	uint64_t nq = 0;
	for (int i = 0; i < npos; i++)
		nq += docs[i].n;
	admin_progress_begin(&prog, dry ? "checking questions" : "importing questions", nq);
	struct import_ctx x = {docs, npos, dry, retire, res, a->actor, &prog};
	/* a dry run computes without writing; it runs in a transaction for a consistent view */
	irc = store_run(db, import_job, &x, &e);
	admin_progress_end(&prog);
	if (irc != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s%s\n", e.msg, dry ? "" : " (nothing imported)");
		rc = EXIT_DATA;
		goto out;
	}
	for (int i = 0; dry && i < npos; i++)
		if (eff[i] == BANK_FMT_TXT || eff[i] == BANK_FMT_DOCX)
			print_reading(pos[i], &docs[i]);
	for (int i = 0; i < npos; i++)
		printf("%s%s: bank %s: %d added, %d updated, %d unchanged, %d retired\n", dry ? "dry run: " : "",
		       pos[i], docs[i].code, res[i].added, res[i].updated, res[i].unchanged, res[i].retired);
out:
	for (int i = 0; i < parsed; i++)
		bank_doc_free(&docs[i]);
	diag_free(&d);
	return rc;
}

static void list_row(void *ctx, const char *code, const char *title, const char *subject, int64_t active,
		     int64_t retired, int64_t s, int64_t m, int64_t j)
{
	printf("%s\t%s\t%lld active (single %lld, multiple %lld, judge %lld), %lld retired\n", code, title,
	       (long long)active, (long long)s, (long long)m, (long long)j, (long long)retired);
}

static int cmd_bank_list(struct admin *a, int argc, char **argv)
{
	struct lx_err e = {0};
	struct store *db;
	if (admin_args("bank list", argc, argv, NULL, 0, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (store_bank_list(db, list_row, NULL, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	return EXIT_OK;
}

static int cmd_bank_export(struct admin *a, int argc, char **argv)
{
	const char *pos[1], *out = NULL;
	const struct aflag flags[] = {{"-o", &out, NULL}, {"--output", &out, NULL}};
	struct bank_doc doc;
	struct lx_err e = {0};
	struct store *db;
	char *json;
	int rc;
	if (admin_args("bank export", argc, argv, flags, 2, pos, 1, 1, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (bank_load(db, pos[0], &doc, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		bank_doc_free(&doc);
		return EXIT_DATA;
	}
	json = bank_export_json(&doc);
	rc = json ? admin_write_out(out, json, strlen(json)) : EXIT_DATA;
	if (rc == EXIT_OK) /* the export holds every answer key: who took one is recorded */
		admin_audit(a, "bank_export", pos[0]); /* json ends with '\n' */
	free(json);
	bank_doc_free(&doc);
	return rc;
}

const struct admin_cmd admin_cmds_bank[] = {
	{"bank import", cmd_bank_import,
	 "FILE... [--format json|csv|xlsx|txt|docx] [--bank CODE --title T --subject S] [--dry-run] [--retire-missing]",
	 "import question banks (all or nothing)"},
	{"bank list", cmd_bank_list, "", "list banks with question counts"},
	{"bank export", cmd_bank_export, "CODE [-o FILE]", "write a bank as canonical lawexam-bank/1 JSON"},
	{NULL, NULL, NULL, NULL},
};
