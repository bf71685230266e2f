/* report.c — pure parts of the reports: request parameters, exact rounding, and the
 * pass-rate aggregation (people in, sorted groups out). No store, no I/O, no clock:
 * the unit tests drive it with hand-made rows. Rendering is report_out.c. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "model.h"

int report_by_parse(const char *s, enum report_by *out, struct lx_err *e)
{
	if (!s || strcmp(s, "org") == 0) {
		*out = REPORT_BY_ORG;
	} else if (strcmp(s, "category") == 0) {
		*out = REPORT_BY_CATEGORY;
	} else {
		return err_set(e, LX_ERR_INVALID, "分组方式 by 只能是 org（按单位）或 category（按人员类别）");
	}
	return LX_OK;
}

int report_format_parse(const char *s, enum report_format *out, struct lx_err *e)
{
	if (!s || strcmp(s, "json") == 0) {
		*out = REPORT_FMT_JSON;
	} else if (strcmp(s, "csv") == 0) {
		*out = REPORT_FMT_CSV;
	} else if (strcmp(s, "xlsx") == 0) {
		*out = REPORT_FMT_XLSX;
	} else {
		return err_set(e, LX_ERR_INVALID, "格式 format 只能是 json、csv 或 xlsx");
	}
	return LX_OK;
}

int report_depth_parse(const char *s, int *out, struct lx_err *e)
{
	int v = 0;

	*out = 0;
	if (!s)
		return LX_OK;
	if (!*s || strlen(s) > 2)
		goto bad;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > REPORT_MAX_DEPTH)
		goto bad;
	*out = v;
	return LX_OK;
bad:
	return err_set(e, LX_ERR_INVALID, "层级 depth 须为 1 到 %d 的整数（按单位路径的前几级汇总）", REPORT_MAX_DEPTH);
}

const char *report_by_name(enum report_by by)
{
	return by == REPORT_BY_CATEGORY ? "category" : "org";
}

const char *report_kind_name(enum report_kind k)
{
	return k == REPORT_RESULTS ? "results" : k == REPORT_ITEMS ? "items" : "pass-rates";
}

const char *report_format_ext(enum report_format f)
{
	switch (f) {
	case REPORT_FMT_CSV: return "csv";
	case REPORT_FMT_XLSX: return "xlsx";
	default: return "json";
	}
}

int report_status_parse(const char *s, unsigned *mask, struct lx_err *e)
{
	enum attempt_status st;

	*mask = 0;
	if (!s || !*s)
		return LX_OK;
	if (attempt_status_parse(s, &st) != LX_OK || st == AST_VOIDED)
		return err_set(e, LX_ERR_INVALID, "状态 status 只能是 not_started（未参加）、in_progress（进行中）、"
					       "submitted（已交卷）或 exempt（免考）");
	*mask = 1u << st;
	return LX_OK;
}

int report_passed_parse(const char *s, enum report_pass_filter *out, struct lx_err *e)
{
	*out = REPORT_PASS_ANY;
	if (!s || !*s)
		return LX_OK;
	if (strcmp(s, "1") == 0)
		*out = REPORT_PASS_YES;
	else if (strcmp(s, "0") == 0)
		*out = REPORT_PASS_NO;
	else
		return err_set(e, LX_ERR_INVALID, "是否合格 passed 只能是 1（合格）或 0（不合格）");
	return LX_OK;
}

int report_org_parse(const char *s, const char **out, struct lx_err *e)
{
	size_t n;

	*out = NULL;
	if (!s || !*s)
		return LX_OK;
	n = strlen(s);
	if (n > 1 && s[n - 1] == '/')
		n--;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			n = REPORT_ORG_MAX + 1; /* a control character: never a unit, and it would split audit lines */
	if (n > REPORT_ORG_MAX || s[0] == '/' || strstr(s, "//"))
		return err_set(e, LX_ERR_INVALID, "单位 org 须为单位路径（如 珠晖区/区司法局），不超过 %d 字节", REPORT_ORG_MAX);
	*out = s;
	return LX_OK;
}

/* Bytes of org that name the unit (a trailing '/' is not part of it). */
static size_t org_len(const char *org)
{
	size_t n = strlen(org);
	return n > 1 && org[n - 1] == '/' ? n - 1 : n;
}

int report_filter_match(const struct report_filter *f, const struct report_person *p)
{
	int sub = p->status == AST_SUBMITTED;

	if (f->status_mask && !(f->status_mask & (1u << p->status)))
		return 0;
	if (f->passed != REPORT_PASS_ANY && (!sub || (p->passed ? REPORT_PASS_YES : REPORT_PASS_NO) != f->passed))
		return 0;
	if (f->org) {
		size_t n = org_len(f->org);
		if (strncmp(p->org, f->org, n) != 0 || (p->org[n] != '\0' && p->org[n] != '/'))
			return 0;
	}
	if (f->scope) {
		size_t n = strlen(f->scope);
		if (strncmp(p->org, f->scope, n) != 0 || (p->org[n] != '\0' && p->org[n] != '/'))
			return 0;
	}
	return 1;
}

char *report_filter_zh(const struct report_filter *f)
{
	struct buf b;

	buf_init(&b, 0);
	if (f->scope) {
		buf_adds(&b, "管理范围：");
		buf_adds(&b, f->scope);
		buf_adds(&b, "（含下级单位）");
	}
	if (f->org) {
		buf_adds(&b, f->scope ? "；单位：" : "单位：");
		buf_add(&b, f->org, org_len(f->org));
		buf_adds(&b, "（含下级单位）");
	} else if (!f->scope) {
		buf_adds(&b, "全部单位");
	}
	for (int st = AST_NOT_STARTED; st < AST_N_STATUS; st++)
		if (f->status_mask & (1u << st)) {
			buf_adds(&b, "；状态：");
			buf_adds(&b, attempt_status_zh((enum attempt_status)st));
		}
	if (f->passed != REPORT_PASS_ANY)
		buf_adds(&b, f->passed == REPORT_PASS_YES ? "；是否合格：合格" : "；是否合格：不合格");
	return buf_detach(&b);
}

char *report_describe(const struct report_req *req)
{
	const char *kind = report_kind_name(req->kind);
	const char *fmt = report_format_ext(req->format);
	const struct report_filter *f = &req->filter;
	char *head, *out;
	struct buf b;

	if (req->kind != REPORT_PASS_RATES)
		head = lx_asprintf("%s %s format=%s", kind, req->exam, fmt);
	else if (req->by == REPORT_BY_ORG && req->depth > 0)
		head = lx_asprintf("%s %s by=org depth=%d format=%s", kind, req->exam, req->depth, fmt);
	else
		head = lx_asprintf("%s %s by=%s format=%s", kind, req->exam, report_by_name(req->by), fmt);
	if (!f->org && !f->status_mask && f->passed == REPORT_PASS_ANY && !f->scope)
		return head;
	buf_init(&b, 0);
	buf_adds(&b, head);
	free(head);
	if (f->scope) {
		buf_adds(&b, " scope=");
		buf_adds(&b, f->scope);
	}
	if (f->org) {
		buf_adds(&b, " org=");
		buf_add(&b, f->org, org_len(f->org));
	}
	for (int st = AST_NOT_STARTED; st < AST_N_STATUS; st++)
		if (f->status_mask & (1u << st)) {
			buf_adds(&b, " status=");
			buf_adds(&b, attempt_status_name((enum attempt_status)st));
		}
	if (f->passed != REPORT_PASS_ANY)
		buf_adds(&b, f->passed == REPORT_PASS_YES ? " passed=1" : " passed=0");
	out = buf_detach(&b);
	return out;
}

size_t report_org_prefix(const char *path, int depth)
{
	size_t i = 0;
	int seg = 0;

	if (depth <= 0)
		return strlen(path);
	for (; path[i]; i++)
		if (path[i] == '/' && ++seg == depth)
			return i;
	return i;
}

int64_t report_permille(int64_t num, int64_t den)
{
	if (den <= 0)
		return -1;
	return (2000 * num + den) / (2 * den);
}

int64_t report_avg_centi(int64_t sum2, int64_t took)
{
	/* sum2 / 2 / took × 100 = 50 × sum2 / took, rounded half up. */
	if (took <= 0)
		return -1;
	return (100 * sum2 + took) / (2 * took);
}

const char *report_fmt_centi(int64_t centi, char *buf, size_t len)
{
	int64_t a = centi < 0 ? -centi : centi;
	snprintf(buf, len, "%s%lld.%02lld", centi < 0 ? "-" : "", (long long)(a / 100), (long long)(a % 100));
	return buf;
}

const char *report_fmt_permille(int64_t permille, char *buf, size_t len)
{
	snprintf(buf, len, "%lld.%lld%%", (long long)(permille / 10), (long long)(permille % 10));
	return buf;
}

/* --- aggregation: an open-addressing table of groups keyed by string -------------------- */

struct report_agg {
	enum report_by by;
	int depth;
	struct report_group *groups; /* in order of first appearance until sorted */
	size_t n, cap;
	size_t *slots;               /* index + 1 into groups; 0 = empty */
	size_t nslots;
	int sorted;
	struct report_group total;
};

struct report_agg *report_agg_new(enum report_by by, int depth)
{
	struct report_agg *a = lx_calloc(1, sizeof *a);
	a->by = by;
	a->depth = by == REPORT_BY_ORG ? depth : 0;
	a->nslots = 64;
	a->slots = lx_calloc(a->nslots, sizeof *a->slots);
	return a;
}

void report_agg_free(struct report_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->groups[i].key);
		free(a->groups[i].name);
	}
	free(a->groups);
	free(a->slots);
	free(a);
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void rehash(struct report_agg *a)
{
	size_t n = a->nslots * 2;
	size_t *s = lx_calloc(n, sizeof *s);
	for (size_t i = 0; i < a->n; i++) {
		const char *k = a->groups[i].key;
		size_t j = (size_t)hash(k, strlen(k)) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(a->slots);
	a->slots = s;
	a->nslots = n;
}

/* The group for key[0..len), created if new. Groups are found through the slots, which
 * index a->groups by position; sorting (report_agg_groups) rebuilds them. */
static struct report_group *group_of(struct report_agg *a, const char *key, size_t len, const char *name,
				     int64_t ord)
{
	size_t j;
	struct report_group *g;

	if ((a->n + 1) * 2 > a->nslots)
		rehash(a);
	j = (size_t)hash(key, len) & (a->nslots - 1);
	while (a->slots[j]) {
		g = &a->groups[a->slots[j] - 1];
		if (strlen(g->key) == len && memcmp(g->key, key, len) == 0)
			return g;
		j = (j + 1) & (a->nslots - 1);
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->groups = lx_realloc(a->groups, a->cap * sizeof *a->groups);
	}
	g = &a->groups[a->n];
	memset(g, 0, sizeof *g);
	g->key = lx_strndup(key, len);
	g->name = name ? lx_strdup(name) : NULL;
	g->ord = ord;
	a->slots[j] = ++a->n;
	return g;
}

static void count(struct report_group *g, const struct report_person *p)
{
	if (p->status == AST_EXEMPT) { /* 免考: counted apart, not assigned (SPEC §12) */
		g->exempt++;
		return;
	}
	g->assigned++;
	if (p->status == AST_SUBMITTED) {
		g->took++;
		g->passed += p->passed != 0;
		g->sum2 += p->score2;
	}
}

void report_agg_add(struct report_agg *a, const struct report_person *p)
{
	struct report_group *g;

	if (a->sorted) { /* sorting moved the groups: rebuild the index */
		memset(a->slots, 0, a->nslots * sizeof *a->slots);
		for (size_t i = 0; i < a->n; i++) {
			const char *k = a->groups[i].key;
			size_t j = (size_t)hash(k, strlen(k)) & (a->nslots - 1);
			while (a->slots[j])
				j = (j + 1) & (a->nslots - 1);
			a->slots[j] = i + 1;
		}
		a->sorted = 0;
	}
	if (a->by == REPORT_BY_CATEGORY)
		g = group_of(a, p->category, strlen(p->category), p->category_name, p->category_ord);
	else
		g = group_of(a, p->org, report_org_prefix(p->org, a->depth), NULL, 0);
	count(g, p);
	count(&a->total, p);
}

int report_agg_add_cb(void *agg, const struct report_person *p)
{
	report_agg_add(agg, p);
	return LX_OK;
}

static int by_key(const void *x, const void *y)
{
	const struct report_group *a = x, *b = y;
	return strcmp(a->key, b->key);
}

static int by_ord(const void *x, const void *y)
{
	const struct report_group *a = x, *b = y;
	if (a->ord != b->ord)
		return a->ord < b->ord ? -1 : 1;
	return strcmp(a->key, b->key);
}

const struct report_group *report_agg_groups(struct report_agg *a, size_t *n)
{
	if (!a->sorted && a->n > 1)
		qsort(a->groups, a->n, sizeof *a->groups, a->by == REPORT_BY_CATEGORY ? by_ord : by_key);
	a->sorted = 1;
	*n = a->n;
	return a->groups;
}

const struct report_group *report_agg_total(const struct report_agg *a)
{
	return &a->total;
}
