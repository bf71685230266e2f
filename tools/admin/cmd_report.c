/* cmd_report.c — lawexam-admin report pass-rates | results | items | study (SPEC §7, §8, §13): the same
 * report_make() the server's report endpoints use, written to stdout or -o FILE, and each
 * run recorded in the audit log. xlsx is binary, so it needs -o FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "clock.h"
#include "mem.h"
#include "report.h"

static int run(struct admin *a, const char *cmd, enum report_kind kind, int argc, char **argv)
{
	const char *pos[1], *by_s = NULL, *depth_s = NULL, *fmt_s = NULL, *out_path = NULL;
	const char *org_s = NULL, *status_s = NULL, *passed_s = NULL;
	int has_by = 0, rc = EXIT_DATA;
	/* The flags each command takes are a prefix of its table. */
	const struct aflag f_rates[] = {
		{"--format", &fmt_s, NULL}, {"-o", &out_path, NULL}, {"--output", &out_path, NULL},
		{"--org", &org_s, NULL}, {"--by", &by_s, &has_by}, {"--depth", &depth_s, NULL},
	};
	const struct aflag f_results[] = {
		{"--format", &fmt_s, NULL}, {"-o", &out_path, NULL}, {"--output", &out_path, NULL},
		{"--org", &org_s, NULL}, {"--status", &status_s, NULL}, {"--passed", &passed_s, NULL},
	};
	const struct aflag *all = kind == REPORT_RESULTS ? f_results : f_rates;
	size_t nflags = kind == REPORT_ITEMS ? 3 : 6;
	struct report_req req = {.kind = kind, .now = clock_now()};
	struct report_doc doc = {0};
	struct lx_err e = {0};
	struct store *db;
	char *detail = NULL;

	pos[0] = NULL;
	if (admin_args(cmd, argc, argv, all, nflags, pos, kind == REPORT_STUDY ? 0 : 1, kind == REPORT_STUDY ? 0 : 1,
		       NULL)) {
		rc = EXIT_USAGE;
		goto out;
	}
	req.exam = kind == REPORT_STUDY ? "study" : pos[0];
	if (kind == REPORT_PASS_RATES && !has_by) {
		fprintf(stderr, "lawexam-admin %s: --by org|category is required\n", cmd);
		rc = admin_usage(cmd);
		goto out;
	}
	if (report_format_parse(fmt_s, &req.format, &e) || report_by_parse(by_s, &req.by, &e) ||
	    report_depth_parse(depth_s, &req.depth, &e) || report_org_parse(org_s, &req.filter.org, &e) ||
	    report_status_parse(status_s, &req.filter.status_mask, &e) ||
	    report_passed_parse(passed_s, &req.filter.passed, &e)) {
		fprintf(stderr, "lawexam-admin %s: %s\n", cmd, e.msg);
		rc = admin_usage(cmd);
		goto out;
	}
	if (depth_s && req.by != REPORT_BY_ORG) {
		fprintf(stderr, "lawexam-admin %s: --depth applies to --by org only\n", cmd);
		rc = admin_usage(cmd);
		goto out;
	}
	if (req.format == REPORT_FMT_XLSX && (!out_path || strcmp(out_path, "-") == 0)) {
		fprintf(stderr, "lawexam-admin %s: xlsx is a binary file: give -o FILE\n", cmd);
		rc = admin_usage(cmd);
		goto out;
	}
	if (!(db = admin_db(a)))
		goto out;
	if (report_make(db, &req, &doc, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		goto out;
	}
	if (req.format == REPORT_FMT_JSON && (!out_path || strcmp(out_path, "-") == 0)) {
		rc = admin_write_out(out_path, doc.data, doc.len);
		if (rc == EXIT_OK)
			rc = admin_write_out(out_path, "\n", 1); /* a terminal wants the last line ended */
	} else {
		rc = admin_write_out(out_path, doc.data, doc.len);
	}
	if (rc != EXIT_OK)
		goto out;
	detail = report_describe(&req);
	admin_audit(a, "report_download", detail);
	if (out_path && strcmp(out_path, "-") != 0)
		fprintf(stderr, "%s written (%zu bytes)\n", out_path, doc.len);
out:
	free(detail);
	report_doc_free(&doc);
	return rc;
}

static int cmd_pass_rates(struct admin *a, int argc, char **argv)
{
	return run(a, "report pass-rates", REPORT_PASS_RATES, argc, argv);
}

static int cmd_results(struct admin *a, int argc, char **argv)
{
	return run(a, "report results", REPORT_RESULTS, argc, argv);
}

static int cmd_items(struct admin *a, int argc, char **argv)
{
	return run(a, "report items", REPORT_ITEMS, argc, argv);
}

static int cmd_study(struct admin *a, int argc, char **argv)
{
	return run(a, "report study", REPORT_STUDY, argc, argv);
}

const struct admin_cmd admin_cmds_report[] = {
	{"report pass-rates", cmd_pass_rates,
	 "CODE --by org|category [--depth N] [--org PATH] [--format json|csv|xlsx] [-o FILE]",
	 "participation and pass rates (参考率, 合格率) by unit (first N levels) or staff category"},
	{"report results", cmd_results,
	 "CODE [--org PATH] [--status not_started|in_progress|submitted] [--passed 1|0] [--format json|csv|xlsx] [-o FILE]",
	 "one row per assigned person with the best submitted attempt"},
	{"report study", cmd_study, "[--by org|category] [--depth N] [--org PATH] [--format json|csv|xlsx] [-o FILE]",
	 "the study report (学法统计): staff, active in practice, answers, correct rate, reading minutes"},
	{"report items", cmd_items, "CODE [--format json|csv|xlsx] [-o FILE]",
	 "item analysis: facility, discrimination and option shares per question version"},
	{NULL, NULL, NULL, NULL},
};
