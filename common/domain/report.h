/* report.h — the HR reports (SPEC §7) and the item analysis: pure aggregation of people
 * into pass-rate groups (report.c), rendering as JSON, CSV and XLSX (report_out.c), and
 * report_make(), the one entry point the CLI and the server share. Figures are exact:
 * scores stay integer half-points, rates and averages are rounded from integers. The
 * queries are store_reports.c; this module never sees SQL. */
#ifndef LAWEXAM_REPORT_H
#define LAWEXAM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store_reports.h"

enum report_kind { REPORT_PASS_RATES = 0, REPORT_RESULTS = 1, REPORT_ITEMS = 2 };
enum report_by { REPORT_BY_ORG = 0, REPORT_BY_CATEGORY = 1 };
enum report_format { REPORT_FMT_JSON = 0, REPORT_FMT_CSV = 1, REPORT_FMT_XLSX = 2 };

#define REPORT_MAX_DEPTH 32

/* --- request parameters (shared by the CLI flags and the query string) ------------------
 * Each returns LX_OK or LX_ERR_INVALID with a Chinese message in e. NULL means the default
 * (by: org; format: json; depth: 0 = the whole unit path). */
int report_by_parse(const char *s, enum report_by *out, struct lx_err *e);
int report_format_parse(const char *s, enum report_format *out, struct lx_err *e);
int report_depth_parse(const char *s, int *out, struct lx_err *e); /* 1..REPORT_MAX_DEPTH */
const char *report_by_name(enum report_by by);                   /* "org" | "category" */
const char *report_kind_name(enum report_kind k);                /* "pass-rates" | "results" | "items" */
const char *report_format_ext(enum report_format f);             /* "json" | "csv" | "xlsx" */

/* --- filters: who a report covers (the HR page's on-screen filters) ----------------------
 * status and passed apply to the results list; org to results and pass rates. */
#define REPORT_ORG_MAX 512
enum report_pass_filter { REPORT_PASS_ANY = 0, REPORT_PASS_YES = 1, REPORT_PASS_NO = 2 };
struct report_filter { /* all zero: everyone */
	unsigned status_mask;        /* 0: any; else the bits 1u << enum attempt_status shown */
	const char *org;             /* NULL: every unit; else this unit and its sub-units (borrowed) */
	enum report_pass_filter passed; /* YES: took and passed; NO: took and failed */
	const char *scope;           /* NULL: everything; else the principal's scope (SPEC §12): only
				      * this unit and its sub-units, totals over them (borrowed) */
};
/* status=not_started|in_progress|submitted, passed=1|0, org=PATH (1..REPORT_ORG_MAX bytes,
 * no empty segment, no control character; a trailing '/' is tolerated). NULL or "" leaves
 * the filter off. LX_OK or LX_ERR_INVALID with a Chinese message. report_org_parse() stores s (borrowed) in *out. */
int report_status_parse(const char *s, unsigned *mask, struct lx_err *e);
int report_passed_parse(const char *s, enum report_pass_filter *out, struct lx_err *e);
int report_org_parse(const char *s, const char **out, struct lx_err *e);
/* 1 if p passes f. */
int report_filter_match(const struct report_filter *f, const struct report_person *p);
/* The filter in words for a title row: "单位：甲区/司法局（含下级单位）；状态：已交卷" or
 * "全部人员". Caller frees. */
char *report_filter_zh(const struct report_filter *f);

/* --- exact figures ------------------------------------------------------------------- */
/* Bytes of path covering its first depth segments (depth 0, or more segments than the path
 * has: the whole path). "a/b/c", 2 → 3 ("a/b"). */
size_t report_org_prefix(const char *path, int depth);
/* num/den in tenths of a percent, rounded half up (17/20 → 850 = "85.0%"); -1 if den ≤ 0. */
int64_t report_permille(int64_t num, int64_t den);
/* The mean of half-point scores (sum2 / took / 2) in hundredths, rounded half up; -1 if took ≤ 0. */
int64_t report_avg_centi(int64_t sum2, int64_t took);
/* Formats hundredths as "77.33" / "-0.25" into buf (≥ 32 bytes). */
const char *report_fmt_centi(int64_t centi, char *buf, size_t len);
/* Formats tenths of a percent as "85.0%" into buf (≥ 32 bytes). */
const char *report_fmt_permille(int64_t permille, char *buf, size_t len);

/* --- pass-rate aggregation (pure) --------------------------------------------------------
 * Feed every assigned person once; groups come out sorted: by org, by unit path (byte
 * order, so a unit is followed by its sub-units); by category, in category creation order.
 * The aggregator owns the groups and their strings. */
struct report_group {
	char *key;        /* unit path (prefix at depth) or category code */
	char *name;       /* category name (by category), NULL by org */
	int64_t ord;      /* category order (by category) */
	int64_t assigned; /* 应考人数 */
	int64_t took;     /* 实考人数: with a submitted attempt */
	int64_t passed;   /* 合格人数: best attempt passed */
	int64_t sum2;     /* sum of the best scores of those who took, half-points */
	int64_t exempt;   /* 免考人数: exempt people, not counted in assigned (SPEC §12) */
	/* Derived: 未参考 = assigned − took, 不合格 = took − passed (JSON not_taken, failed). */
};
struct report_agg;
struct report_agg *report_agg_new(enum report_by by, int depth); /* free with report_agg_free() */
void report_agg_add(struct report_agg *a, const struct report_person *p);
int report_agg_add_cb(void *agg, const struct report_person *p); /* report_person_fn adapter */
/* The groups, sorted (valid until the next add or the free). */
const struct report_group *report_agg_groups(struct report_agg *a, size_t *n);
const struct report_group *report_agg_total(const struct report_agg *a);
void report_agg_free(struct report_agg *a);

/* --- rendering -------------------------------------------------------------------------- */
/* A rendered report: the body bytes and how to serve them. Free with report_doc_free(). */
struct report_doc {
	char *data;
	size_t len;
	const char *ctype;   /* static string, e.g. "text/csv; charset=utf-8" */
	char *filename;      /* "成绩明细-CODE.csv": the name offered (UTF-8) */
	char *ascii_name;    /* "results-CODE.csv": the fallback for old clients (may hold
			      * UTF-8 from the exam code; the server reduces it to ASCII) */
};
void report_doc_free(struct report_doc *d);

/* What an XLSX opens with, above the header row: the exam title, the scope and filters in
 * words, the time it was generated. CSV has no title rows (its first row is the header, for
 * scripts and spreadsheets that read it as a table); JSON carries exam and title fields. */
struct report_title {
	const char *scope; /* report_filter_zh() (and the grouping), borrowed */
	const char *unit_scope; /* report_filter.scope: JSON carries it as "scope" when set */
	int64_t generated_at; /* Unix seconds */
};
/* Rows above the header in an XLSX: title, scope, generated at, one empty row. */
#define REPORT_XLSX_TITLE_ROWS 4

/* Pass rates of an aggregation (already fed) in format f; t is used by XLSX only. */
int report_render_pass_rates(const struct report_exam *x, enum report_by by, int depth, struct report_agg *a,
			     enum report_format f, const struct report_title *t, struct report_doc *out,
			     struct lx_err *e);

/* Results and items are streamed: begin, then add one row at a time (the add functions
 * have the store callbacks' signatures), then end, which fills out. A renderer is freed by
 * its end function, also on failure; report_stream_abort() frees one that is not ended. */
struct report_stream;
int report_results_begin(const struct report_exam *x, enum report_format f, const struct report_title *t,
			 struct report_stream **out, struct lx_err *e);
int report_results_add(void *stream, const struct report_person *p);
int report_items_begin(const struct report_exam *x, enum report_format f, const struct report_title *t,
		       struct report_stream **out, struct lx_err *e);
int report_items_add(void *stream, const struct report_item *it);
/* Consumes s. items: attempts is the number of submitted attempts (ignored for results). */
int report_stream_end(struct report_stream *s, int64_t attempts, struct report_doc *out, struct lx_err *e);
void report_stream_abort(struct report_stream *s);

/* --- one report, end to end ------------------------------------------------------------ */
struct report_req {
	enum report_kind kind;
	const char *exam;          /* exam code */
	enum report_by by;         /* pass rates */
	int depth;                 /* pass rates by org; 0 = whole path */
	enum report_format format;
	struct report_filter filter; /* zero: everyone; items ignore it */
	int64_t now;               /* the clock, for the XLSX "generated at" row */
};
/* The audit log's one-line description of req: "pass-rates 2026-annual by=org depth=2
 * format=csv", then the filters given ("org=甲区 status=submitted passed=0"). Caller frees. */
char *report_describe(const struct report_req *req);
/* Reads everything inside one read snapshot of db (store_read_begin/end) and renders it.
 * LX_ERR_NOTFOUND for an unknown exam. out->filename is "合格率统计-CODE.EXT" / "成绩明细-…" /
 * "试题分析-…", out->ascii_name "KIND-CODE.EXT". */
int report_make(struct store *db, const struct report_req *req, struct report_doc *out, struct lx_err *e);

#endif
