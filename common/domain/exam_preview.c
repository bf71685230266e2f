/* exam_preview.c — what the exam-creation form shows before anything is created (SPEC §12):
 * how many active questions a section's filter matches (and how many more are held in review,
 * SPEC §13), the tags a bank's questions carry, the staff categories, and who a definition
 * would assign, per unit and category. Reads only; validating and creating is exam_create.c,
 * the rule a start applies is SQL_ASSIGNED in the store. */
#include "exam.h"

#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "mem.h"
#include "store_exams.h"

/* --- one section's count ----------------------------------------------------------- */

/* The tags of a bank's questions of one type, counted in a JSON object used as a map. */
static void tag_cb(void *ctx, int64_t version_id, int difficulty, const char *tags_json, int n_options)
{
	json_t *map = ctx, *tags = json_loads(tags_json, 0, NULL), *t;
	size_t i;
	(void)version_id, (void)difficulty, (void)n_options;
	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(t);
		if (!k || !*k)
			continue;
		json_t *n = json_object_get(map, k);
		json_object_set_new(map, k, json_integer(n ? json_integer_value(n) + 1 : 1));
	}
	json_decref(tags);
}

struct tag_count {
	const char *tag;
	json_int_t n;
};

static int tag_cmp(const void *a, const void *b)
{
	const struct tag_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->tag, y->tag);
}

/* map (tag → count) as [{"tag","count"}], most used first, at most EXAM_FORM_TAGS_MAX. */
static json_t *tags_array(json_t *map, int *truncated)
{
	size_t n = json_object_size(map), k = 0;
	struct tag_count *v = lx_calloc(n ? n : 1, sizeof *v);
	json_t *out = json_array(), *val;
	const char *key;

	json_object_foreach(map, key, val) {
		v[k].tag = key;
		v[k].n = json_integer_value(val);
		k++;
	}
	qsort(v, k, sizeof *v, tag_cmp);
	for (size_t i = 0; i < k && i < EXAM_FORM_TAGS_MAX; i++)
		json_array_append_new(out, json_pack("{s:s,s:I}", "tag", v[i].tag, "count", v[i].n));
	*truncated = k > EXAM_FORM_TAGS_MAX;
	free(v);
	return out;
}

int exam_section_count_json(struct store *db, const struct exam_section *s, json_t **out, struct lx_err *e)
{
	struct cands cs = {0};
	size_t held = 0;
	int exists = 0, truncated = 0;
	json_t *map = NULL, *tags = NULL;
	int rc = store_bank_exists(db, s->bank, &exists, e);

	*out = NULL;
	if (rc == LX_OK && !exists)
		rc = err_tag(e, LX_ERR_NOTFOUND, "bank_not_found", "题库 %s 不存在", s->bank);
	if (rc == LX_OK)
		rc = exam_candidates(db, s, &cs, e);
	if (rc == LX_OK)
		rc = exam_candidates_held(db, s, &held, e);
	if (rc == LX_OK) {
		map = json_object();
		rc = store_candidates(db, s->bank, qtype_name(s->type), tag_cb, map, e);
	}
	if (rc == LX_OK) {
		tags = tags_array(map, &truncated);
		*out = json_pack("{s:s,s:s,s:I,s:I,s:o,s:b}", "bank", s->bank, "type", qtype_name(s->type), "available",
				 (json_int_t)cs.n, "held", (json_int_t)held, "tags", tags, "tags_truncated", truncated);
	}
	json_decref(map);
	free(cs.v);
	return rc;
}

/* --- categories --------------------------------------------------------------------- */

struct cat_sum {
	struct category *cats;
	size_t n;
	json_int_t *examinees; /* per cats[i] */
};

static void cat_sum_cb(void *ctx, const char *org, const char *category, int64_t n)
{
	struct cat_sum *s = ctx;
	(void)org;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->cats[i].code, category) == 0)
			s->examinees[i] += n;
}

/* The categories with the number of active examinees in each. LX_OK or a store error. */
static int cat_sum_load(struct store *db, struct cat_sum *s, struct lx_err *e)
{
	int rc = store_category_list(db, &s->cats, &s->n, e);
	if (rc)
		return rc;
	s->examinees = lx_calloc(s->n ? s->n : 1, sizeof *s->examinees);
	return store_examinee_counts(db, cat_sum_cb, s, e);
}

static void cat_sum_free(struct cat_sum *s)
{
	category_list_free(s->cats, s->n);
	free(s->examinees);
	memset(s, 0, sizeof *s);
}

int exam_categories_json(struct store *db, json_t **out, struct lx_err *e)
{
	struct cat_sum s = {0};
	int rc = cat_sum_load(db, &s, e);

	*out = NULL;
	if (rc == LX_OK) {
		json_t *arr = json_array();
		for (size_t i = 0; i < s.n; i++)
			json_array_append_new(arr, json_pack("{s:s,s:s,s:I}", "code", s.cats[i].code, "name", s.cats[i].name,
							     "examinees", s.examinees[i]));
		*out = json_pack("{s:o}", "categories", arr);
	}
	cat_sum_free(&s);
	return rc;
}

/* --- who a definition assigns -------------------------------------------------------- */

struct assign_ctx {
	const struct exam_def *def;
	json_t *rows;
	struct cat_sum *cats;
	json_int_t *in_scope; /* per cats->cats[i]: examinees in the definition's scope */
};

static int in_def_scope(const struct exam_def *def, const char *org)
{
	if (def->n_scope == 0)
		return 1;
	for (size_t i = 0; i < def->n_scope; i++)
		if (scope_path_covers(def->org_scope[i], org))
			return 1;
	return 0;
}

static void assign_cb(void *ctx, const char *org, const char *category, int64_t n)
{
	struct assign_ctx *a = ctx;
	if (!in_def_scope(a->def, org))
		return;
	for (size_t i = 0; i < a->cats->n; i++)
		if (strcmp(a->cats->cats[i].code, category) == 0)
			a->in_scope[i] += n;
	if (examdef_paper_for(a->def, category, NULL))
		json_array_append_new(a->rows,
				      json_pack("{s:s,s:s,s:I}", "org", org, "category", category, "count", (json_int_t)n));
}

/* "assigned": {"total", "by_category":[{category, name, paper (index or null), count}],
 * "rows":[{org, category, count}]}: count in by_category is every examinee of the category in
 * the scope, assigned when the category has a paper (total sums those). */
static int assigned_json(struct store *db, const struct exam_def *def, json_t **out, struct lx_err *e)
{
	struct cat_sum cats = {0};
	struct assign_ctx a = {def, json_array(), &cats, NULL};
	json_int_t total = 0;
	int rc = store_category_list(db, &cats.cats, &cats.n, e);

	*out = NULL;
	a.in_scope = lx_calloc(cats.n ? cats.n : 1, sizeof *a.in_scope);
	if (rc == LX_OK)
		rc = store_examinee_counts(db, assign_cb, &a, e);
	if (rc == LX_OK) {
		json_t *by = json_array();
		for (size_t i = 0; i < cats.n; i++) {
			int paper = -1;
			examdef_paper_for(def, cats.cats[i].code, &paper);
			if (paper >= 0)
				total += a.in_scope[i];
			json_array_append_new(by, json_pack("{s:s,s:s,s:o,s:I}", "category", cats.cats[i].code, "name",
							    cats.cats[i].name, "paper",
							    paper >= 0 ? json_integer(paper) : json_null(), "count",
							    a.in_scope[i]));
		}
		*out = json_pack("{s:I,s:o,s:O}", "total", total, "by_category", by, "rows", a.rows);
	}
	json_decref(a.rows);
	free(a.in_scope);
	category_list_free(cats.cats, cats.n);
	return rc;
}

int exam_preview_json(struct store *db, const struct exam_def *def, json_t **out, struct lx_err *e)
{
	json_t *secs = json_array(), *assigned = NULL;
	int rc = LX_OK;

	*out = NULL;
	for (size_t p = 0; rc == LX_OK && p < def->n_papers; p++)
		for (size_t s = 0; rc == LX_OK && s < def->papers[p].n_sections; s++) {
			const struct exam_section *sec = &def->papers[p].sections[s];
			struct cands cs = {0};
			size_t held = 0;
			rc = exam_candidates(db, sec, &cs, e);
			if (rc == LX_OK)
				rc = exam_candidates_held(db, sec, &held, e);
			if (rc == LX_OK)
				json_array_append_new(secs, json_pack("{s:I,s:I,s:s,s:s,s:s,s:i,s:i,s:I,s:I}", "paper",
								      (json_int_t)p, "section", (json_int_t)s, "title",
								      sec->title, "bank", sec->bank, "type",
								      qtype_name(sec->type), "count", sec->count, "points",
								      sec->points2 / 2, "available", (json_int_t)cs.n,
								      "held", (json_int_t)held));
			free(cs.v);
		}
	if (rc == LX_OK)
		rc = assigned_json(db, def, &assigned, e);
	if (rc == LX_OK)
		*out = json_pack("{s:O,s:o}", "sections", secs, "assigned", assigned);
	json_decref(secs);
	return rc;
}
