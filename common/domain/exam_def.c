/* exam_def.c — parsing and validation of lawexam-exam/1 (see exam_def.h). */
#include "exam_def.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "jsonx.h"
#include "lx_limits.h"
#include "mem.h"
#include "roster.h"
#include "text.h"

static const char *const results_names[] = {"immediate", "after_close", "hidden"};
static const char *const review_names[] = {"never", "after_close", "immediate"};
static const char *const scoring_names[] = {"all_or_nothing", "partial"};

const char *examdef_results_name(enum results_policy r) { return results_names[r]; }
const char *examdef_review_name(enum review_policy r) { return review_names[r]; }

const char *examdef_warning(const struct exam_def *d)
{
	if (!d->mock && d->review == REVIEW_IMMEDIATE && d->max_attempts > 1)
		return "review 为 immediate 且 max_attempts 大于 1：考生交卷后即可查看答案，再次作答可能抽到同样的题目"
		       "（作答进行中时系统不提供答案查看，但两次作答之间可以查看）；建议改为 after_close";
	return NULL;
}
const char *examdef_scoring_name(enum scoring s) { return scoring_names[s]; }

static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void examdef_free(struct exam_def *def)
{
	if (!def)
		return;
	free(def->code);
	free(def->title);
	free_strv(def->org_scope, def->n_scope);
	for (size_t p = 0; p < def->n_papers; p++) {
		struct exam_paper *pp = &def->papers[p];
		free_strv(pp->categories, pp->n_categories);
		for (size_t s = 0; s < pp->n_sections; s++) {
			free(pp->sections[s].title);
			free(pp->sections[s].bank);
			free_strv(pp->sections[s].tags, pp->sections[s].n_tags);
		}
		free(pp->sections);
	}
	free(def->papers);
	memset(def, 0, sizeof *def);
}

struct ctx {
	const char *fname;
	struct diag *d;
};

static void bad(struct ctx *x, const char *field, const char *msg)
{
	char where[256];
	snprintf(where, sizeof where, "%s: %s", x->fname, field);
	diag_add(x->d, where, "%s", msg);
}

/* An exam code: 1..LX_EXAM_CODE_MAX of [a-z0-9_.-], starting with a letter or digit. */
static int code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > LX_EXAM_CODE_MAX || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

/* A string array member (optional when allow_missing). Returns a fresh vector. */
static char **strv(struct ctx *x, json_t *v, const char *field, size_t *n, int allow_missing)
{
	char **out = NULL;
	size_t i;
	json_t *it;
	*n = 0;
	if (!v) {
		if (!allow_missing)
			bad(x, field, "缺少此字段");
		return NULL;
	}
	if (!json_is_array(v)) {
		bad(x, field, "应为字符串数组");
		return NULL;
	}
	out = lx_calloc(json_array_size(v) + 1, sizeof *out);
	json_array_foreach(v, i, it) {
		if (!json_is_string(it) || !*json_string_value(it)) {
			char f[128];
			snprintf(f, sizeof f, "%s[%zu]", field, i);
			bad(x, f, "应为非空字符串");
			continue;
		}
		out[(*n)++] = lx_strdup(json_string_value(it));
	}
	return out;
}

static int get_int(struct ctx *x, json_t *obj, const char *key, const char *field, int def, int min,
		   int max, int required)
{
	json_t *v = json_object_get(obj, key);
	char msg[128];
	if (!v) {
		if (required)
			bad(x, field, "缺少此字段");
		return def;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(msg, sizeof msg, "应为 %d 至 %d 之间的整数", min, max);
		bad(x, field, msg);
		return def;
	}
	return (int)json_integer_value(v);
}

static void check_keys(struct ctx *x, json_t *obj, const char *const *allowed, const char *prefix)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, k) == 0)
				ok = 1;
		if (!ok) {
			char f[160], shown[100];
			/* the key is the client's: clipped on a character boundary, never cut mid-UTF-8 */
			snprintf(f, sizeof f, "%s%s", prefix, text_clip(k, 60, shown, sizeof shown));
			bad(x, f, "未知字段（请检查拼写）");
		}
	}
}

static void parse_section(struct ctx *x, json_t *js, struct exam_section *s, const char *prefix)
{
	static const char *const keys[] = {"title", "bank", "type", "count", "points", "tags", "difficulty", NULL};
	char f[160];
	const char *str;
	json_t *v;

	s->dmin = 1;
	s->dmax = 5;
	if (!json_is_object(js)) {
		bad(x, prefix, "应为对象");
		return;
	}
	check_keys(x, js, keys, prefix);
	str = jsonx_str(js, "title");
	snprintf(f, sizeof f, "%stitle", prefix);
	if (!str || !*str)
		bad(x, f, "缺少章节标题");
	s->title = lx_strdup(str ? str : "");
	str = jsonx_str(js, "bank");
	snprintf(f, sizeof f, "%sbank", prefix);
	if (!str || !*str)
		bad(x, f, "缺少题库代码");
	s->bank = lx_strdup(str ? str : "");
	str = jsonx_str(js, "type");
	snprintf(f, sizeof f, "%stype", prefix);
	if (!str || qtype_parse(str, &s->type) != LX_OK)
		bad(x, f, "题型应为 single、multiple 或 judge");
	snprintf(f, sizeof f, "%scount", prefix);
	s->count = get_int(x, js, "count", f, 0, 1, LX_SECTION_COUNT_MAX, 1);
	snprintf(f, sizeof f, "%spoints", prefix);
	s->points2 = 2 * get_int(x, js, "points", f, 0, 1, LX_SECTION_POINTS_MAX, 1);
	snprintf(f, sizeof f, "%stags", prefix);
	s->tags = strv(x, json_object_get(js, "tags"), f, &s->n_tags, 1);
	v = json_object_get(js, "difficulty");
	if (v) {
		snprintf(f, sizeof f, "%sdifficulty", prefix);
		if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) ||
		    !json_is_integer(json_array_get(v, 1))) {
			bad(x, f, "应为 [最低, 最高]，如 [1, 3]");
		} else {
			s->dmin = (int)json_integer_value(json_array_get(v, 0));
			s->dmax = (int)json_integer_value(json_array_get(v, 1));
			if (s->dmin < 1 || s->dmax > 5 || s->dmin > s->dmax)
				bad(x, f, "难度范围应在 1 至 5 之间且最低不大于最高");
		}
	}
}

/* An exam time: RFC 3339 with an offset, from 1970 to 9998 (UTC), so that rfc3339_format()
 * prints it back, in any UTC offset, with a four-digit year that parses again (the stored
 * canonical definition is parsed at every attempt start). */
#define EXAM_TIME_END INT64_C(253370764800) /* 9999-01-01T00:00:00Z */
static int exam_time(const char *s, int64_t *out)
{
	int64_t t;
	if (!s || rfc3339_parse(s, &t) != LX_OK || t < 0 || t >= EXAM_TIME_END)
		return LX_ERR_INVALID;
	*out = t;
	return LX_OK;
}

int exam_time_parse(const char *s, int64_t *out)
{
	return exam_time(s, out);
}

/* The exam's own fields: format, code, title, times, numbers, policies, scope. */
static void parse_fields(struct ctx *x, json_t *root, struct exam_def *out)
{
	const char *s;
	char why[256];
	int opens_ok, k;

	s = jsonx_str(root, "format");
	if (!s || strcmp(s, "lawexam-exam/1") != 0)
		bad(x, "format", "应为 \"lawexam-exam/1\"");
	s = jsonx_str(root, "code");
	if (!code_ok(s))
		bad(x, "code", "考试代码应为 1–" LX_STR(LX_EXAM_CODE_MAX) " 位小写字母、数字、-、_ 或 .（以字母或数字开头）");
	out->code = lx_strdup(s ? s : "");
	s = jsonx_str(root, "title");
	if (!s || !*s)
		bad(x, "title", "缺少考试名称");
	out->title = lx_strdup(s ? s : "");
	s = jsonx_str(root, "opens_at");
	opens_ok = exam_time(s, &out->opens_at) == LX_OK;
	if (!opens_ok)
		bad(x, "opens_at", "应为带时区的 RFC 3339 时间（1970 至 9998 年），如 2026-12-01T08:00:00+08:00");
	s = jsonx_str(root, "closes_at");
	if (exam_time(s, &out->closes_at) != LX_OK)
		bad(x, "closes_at", "应为带时区的 RFC 3339 时间（1970 至 9998 年），如 2026-12-20T18:00:00+08:00");
	else if (opens_ok && out->closes_at <= out->opens_at)
		bad(x, "closes_at", "结束时间必须晚于开始时间");
	out->duration_minutes = get_int(x, root, "duration_minutes", "duration_minutes", 60, 1, LX_EXAM_DURATION_MAX, 1);
	out->pass_percent = get_int(x, root, "pass_percent", "pass_percent", 60, 0, 100, 1);
	out->max_attempts = get_int(x, root, "max_attempts", "max_attempts", 1, 1, LX_EXAM_ATTEMPTS_MAX, 0);
	s = jsonx_str(root, "multiple_scoring");
	k = s ? pick(s, scoring_names, 2) : (int)SCORING_ALL_OR_NOTHING;
	if (k < 0)
		bad(x, "multiple_scoring", "应为 all_or_nothing 或 partial");
	out->scoring = k >= 0 ? (enum scoring)k : SCORING_ALL_OR_NOTHING;
	s = jsonx_str(root, "results");
	k = s ? pick(s, results_names, 3) : (int)RESULTS_IMMEDIATE;
	if (k < 0)
		bad(x, "results", "应为 immediate、after_close 或 hidden");
	out->results = k >= 0 ? (enum results_policy)k : RESULTS_IMMEDIATE;
	s = jsonx_str(root, "review");
	k = s ? pick(s, review_names, 3) : (int)REVIEW_NEVER;
	if (k < 0)
		bad(x, "review", "应为 never、after_close 或 immediate");
	out->review = k >= 0 ? (enum review_policy)k : REVIEW_NEVER;
	s = jsonx_str(root, "kind");
	if (json_object_get(root, "kind") && (!s || (strcmp(s, "exam") != 0 && strcmp(s, "mock") != 0)))
		bad(x, "kind", "应为 exam（正式考试）或 mock（模拟考试）");
	out->mock = s && strcmp(s, "mock") == 0;
	if (out->mock) { /* a mock exam shows its keys at once: review immediate, results shown */
		if (json_object_get(root, "review") && out->review != REVIEW_IMMEDIATE)
			bad(x, "review", "模拟考试交卷后即可查看答案，review 只能为 immediate");
		if (json_object_get(root, "results") && out->results != RESULTS_IMMEDIATE)
			bad(x, "results", "模拟考试交卷后即显示成绩，results 只能为 immediate");
		out->review = REVIEW_IMMEDIATE;
		out->results = RESULTS_IMMEDIATE;
	}
	{
		json_t *req = json_object_get(root, "requires");
		static const char *const req_keys[] = {"practice_answered", NULL};
		if (req && !json_is_object(req)) {
			bad(x, "requires", "应为对象，如 {\"practice_answered\": 50}");
		} else if (req) {
			check_keys(x, req, req_keys, "requires.");
			out->requires_practice = get_int(x, req, "practice_answered", "requires.practice_answered", 0, 1,
							 LX_PRACTICE_REQUIRED_MAX, 1);
		}
	}
	out->org_scope = strv(x, json_object_get(root, "org_scope"), "org_scope", &out->n_scope, 1);
	for (size_t i = 0; i < out->n_scope; i++) {
		char *norm = roster_norm_org(out->org_scope[i], why, sizeof why);
		if (!norm) {
			char f[64];
			snprintf(f, sizeof f, "org_scope[%zu]", i);
			bad(x, f, why);
		} else {
			free(out->org_scope[i]);
			out->org_scope[i] = norm;
		}
	}
}

/* Paper p (its categories, each in at most one paper so far, and its sections). */
static void parse_paper(struct ctx *x, json_t *jp, struct exam_def *out, size_t p)
{
	static const char *const paper_keys[] = {"categories", "sections", NULL};
	struct exam_paper *pp = &out->papers[p];
	char prefix[64], f[96], why[256];
	json_t *secs;

	snprintf(prefix, sizeof prefix, "papers[%zu].", p);
	if (!json_is_object(jp)) {
		bad(x, prefix, "应为对象");
		return;
	}
	check_keys(x, jp, paper_keys, prefix);
	snprintf(f, sizeof f, "%scategories", prefix);
	pp->categories = strv(x, json_object_get(jp, "categories"), f, &pp->n_categories, 0);
	if (pp->n_categories == 0 && json_object_get(jp, "categories"))
		bad(x, f, "至少需要一个人员类别");
	for (size_t c = 0; c < pp->n_categories; c++)
		for (size_t q = 0; q <= p; q++)
			for (size_t c2 = 0; c2 < out->papers[q].n_categories && (q < p || c2 < c); c2++)
				if (strcmp(out->papers[q].categories[c2], pp->categories[c]) == 0) {
					char shown[100];
					snprintf(why, sizeof why, "人员类别 %s 已出现在 papers[%zu] 中，每个类别只能对应一套试卷",
						 text_clip(pp->categories[c], 60, shown, sizeof shown), q);
					bad(x, f, why);
				}
	secs = json_object_get(jp, "sections");
	snprintf(f, sizeof f, "%ssections", prefix);
	if (!json_is_array(secs) || json_array_size(secs) == 0) {
		bad(x, f, "至少需要一个章节");
		return;
	}
	pp->n_sections = json_array_size(secs);
	pp->sections = lx_calloc(pp->n_sections, sizeof *pp->sections);
	for (size_t s = 0; s < pp->n_sections; s++) {
		char sp[96];
		snprintf(sp, sizeof sp, "%ssections[%zu].", prefix, s);
		parse_section(x, json_array_get(secs, s), &pp->sections[s], sp);
	}
}

int examdef_parse(const char *data, size_t len, const char *fname, struct exam_def *out, struct diag *d)
{
	static const char *const keys[] = {"format", "code", "title", "opens_at", "closes_at",
		"duration_minutes", "pass_percent", "max_attempts", "multiple_scoring", "results", "review",
		"org_scope", "papers", "kind", "requires", NULL};
	struct ctx x = {fname, d};
	size_t before = d->total;
	char why[256], where[256];
	int line;
	json_t *root, *papers;

	memset(out, 0, sizeof *out);
	root = jsonx_parse(data, len, why, sizeof why, &line);
	if (!root) {
		snprintf(where, sizeof where, "%s:%d", fname, line);
		diag_add(d, where, "%s", why);
		return LX_ERR_INVALID;
	}
	if (!json_is_object(root)) {
		bad(&x, "(top)", "考试定义应为 JSON 对象");
		goto out;
	}
	check_keys(&x, root, keys, "");
	parse_fields(&x, root, out);
	papers = json_object_get(root, "papers");
	if (!json_is_array(papers) || json_array_size(papers) == 0) {
		bad(&x, "papers", "至少需要一套试卷");
		goto out;
	}
	out->n_papers = json_array_size(papers);
	out->papers = lx_calloc(out->n_papers, sizeof *out->papers);
	for (size_t p = 0; p < out->n_papers; p++)
		parse_paper(&x, json_array_get(papers, p), out, p);
out:
	json_decref(root);
	if (d->total > before) {
		examdef_free(out);
		return LX_ERR_INVALID;
	}
	return LX_OK;
}

const struct exam_paper *examdef_paper_for(const struct exam_def *def, const char *category, int *index)
{
	for (size_t p = 0; p < def->n_papers; p++)
		for (size_t c = 0; c < def->papers[p].n_categories; c++)
			if (strcmp(def->papers[p].categories[c], category) == 0) {
				if (index)
					*index = (int)p;
				return &def->papers[p];
			}
	return NULL;
}

long examdef_max_score2(const struct exam_paper *p)
{
	long m = 0;
	for (size_t s = 0; s < p->n_sections; s++)
		m += (long)p->sections[s].count * p->sections[s].points2;
	return m;
}
