/* exam_create.c — creating an exam from a parsed definition (lawexam-exam/1): every section
 * must be fillable from the active questions of its bank, type, tags and difficulty, and a
 * dry run says what would be created. Parsing the definition is exam_def.c. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "clock.h"
#include "mem.h"
#include "store_exams.h"

/* Every problem the store can see in def (the code taken, a category unknown or named by its
 * name, a bank missing, a section that cannot be filled) added to d. LX_OK, or a store error. */
static int check_against_store(struct store *db, const struct exam_def *def, const char *fname, struct diag *d,
			       struct lx_err *e)
{
	char where[256];
	struct exam_row existing = {0};

	if (store_exam_by_code(db, def->code, &existing, NULL) == LX_OK) {
		snprintf(where, sizeof where, "%s: code", fname);
		diag_add(d, where, "考试代码 %s 已存在", def->code);
		exam_row_free(&existing);
	}
	for (size_t p = 0; p < def->n_papers; p++) {
		const struct exam_paper *pp = &def->papers[p];
		for (size_t c = 0; c < pp->n_categories; c++) {
			char *code = NULL;
			snprintf(where, sizeof where, "%s: papers[%zu].categories[%zu]", fname, p, c);
			if (store_category_resolve(db, pp->categories[c], &code, NULL) != LX_OK)
				diag_add(d, where, "人员类别 %s 不存在（lawexam-admin category list 可查看）", pp->categories[c]);
			else if (strcmp(code, pp->categories[c]) != 0)
				diag_add(d, where, "请使用人员类别代码 %s，而不是名称 %s", code, pp->categories[c]);
			free(code);
		}
		for (size_t s = 0; s < pp->n_sections; s++) {
			const struct exam_section *sec = &pp->sections[s];
			int exists = 0, rc;
			struct cands cs;
			snprintf(where, sizeof where, "%s: papers[%zu].sections[%zu]", fname, p, s);
			rc = store_bank_exists(db, sec->bank, &exists, e);
			if (rc)
				return rc;
			if (!exists) {
				diag_add(d, where, "题库 %s 不存在", sec->bank);
				continue;
			}
			size_t held = 0;
			rc = exam_candidates(db, sec, &cs, e);
			if (rc == LX_OK)
				rc = exam_candidates_held(db, sec, &held, e);
			if (rc == LX_OK && cs.n < (size_t)sec->count && held)
				diag_add(d, where, "章节「%s」需要 %d 道%s题，但题库 %s 中符合条件（题型、标签、难度、有效）的只有 %zu 道"
					 "（另有 %zu 道因所引法条已修改而待复核，见 lawexam-admin bank review）",
					 sec->title, sec->count, qtype_name_zh(sec->type), sec->bank, cs.n, held);
			else if (rc == LX_OK && cs.n < (size_t)sec->count)
				diag_add(d, where, "章节「%s」需要 %d 道%s题，但题库 %s 中符合条件（题型、标签、难度、有效）的只有 %zu 道",
					 sec->title, sec->count, qtype_name_zh(sec->type), sec->bank, cs.n);
			free(cs.v);
			if (rc)
				return rc;
		}
	}
	return LX_OK;
}

/* One section of the canonical definition. */
static json_t *section_json(const struct exam_section *sec)
{
	json_t *js = json_pack("{s:s,s:s,s:s,s:i,s:i}", "title", sec->title, "bank", sec->bank, "type",
			       qtype_name(sec->type), "count", sec->count, "points", sec->points2 / 2);

	if (sec->n_tags) {
		json_t *tags = json_array();
		for (size_t t = 0; t < sec->n_tags; t++)
			json_array_append_new(tags, json_string(sec->tags[t]));
		json_object_set_new(js, "tags", tags);
	}
	if (sec->dmin != 1 || sec->dmax != 5)
		json_object_set_new(js, "difficulty", json_pack("[i,i]", sec->dmin, sec->dmax));
	return js;
}

/* The definition in canonical form (re-serialised, fields in SPEC order): what is stored and
 * what every later start parses. New reference. */
static json_t *canonical_json(const struct exam_def *def)
{
	json_t *canon = json_pack("{s:s,s:s,s:s,s:o,s:o,s:i,s:i,s:i,s:s,s:s,s:s}", "format", "lawexam-exam/1",
				  "code", def->code, "title", def->title, "opens_at", exam_time_json(def->opens_at),
				  "closes_at", exam_time_json(def->closes_at), "duration_minutes",
				  def->duration_minutes, "pass_percent", def->pass_percent, "max_attempts",
				  def->max_attempts, "multiple_scoring", examdef_scoring_name(def->scoring), "results",
				  examdef_results_name(def->results), "review", examdef_review_name(def->review));
	json_t *papers = json_array();

	if (def->mock)
		json_object_set_new(canon, "kind", json_string("mock"));
	if (def->requires_practice)
		json_object_set_new(canon, "requires", json_pack("{s:i}", "practice_answered", def->requires_practice));
	if (def->n_scope) {
		json_t *scope = json_array();
		for (size_t i = 0; i < def->n_scope; i++)
			json_array_append_new(scope, json_string(def->org_scope[i]));
		json_object_set_new(canon, "org_scope", scope);
	}
	for (size_t p = 0; p < def->n_papers; p++) {
		const struct exam_paper *pp = &def->papers[p];
		json_t *cats = json_array(), *secs = json_array();
		for (size_t c = 0; c < pp->n_categories; c++)
			json_array_append_new(cats, json_string(pp->categories[c]));
		for (size_t s = 0; s < pp->n_sections; s++)
			json_array_append_new(secs, section_json(&pp->sections[s]));
		json_array_append_new(papers, json_pack("{s:o,s:o}", "categories", cats, "sections", secs));
	}
	json_object_set_new(canon, "papers", papers);
	return canon;
}

/* Inserts the exam (its row, scope and one paper row per category). */
static int store_definition(struct store *db, const struct exam_def *def, int64_t now, struct lx_err *e)
{
	struct exam_row row = {0};
	json_t *canon = canonical_json(def);
	int64_t id;
	int rc;

	row.code = def->code;
	row.title = def->title;
	row.opens_at = def->opens_at;
	row.closes_at = def->closes_at;
	row.duration_s = def->duration_minutes * 60;
	row.pass_percent = def->pass_percent;
	row.max_attempts = def->max_attempts;
	row.scoring = (char *)examdef_scoring_name(def->scoring);
	row.results = (char *)examdef_results_name(def->results);
	row.review = (char *)examdef_review_name(def->review);
	row.kind = def->mock ? "mock" : "exam";
	row.definition = json_dumps(canon, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	rc = store_exam_insert(db, &row, (const char *const *)def->org_scope, def->n_scope, now, &id, e);
	for (size_t p = 0; rc == LX_OK && p < def->n_papers; p++)
		for (size_t c = 0; rc == LX_OK && c < def->papers[p].n_categories; c++)
			rc = store_exam_paper_insert(db, id, def->papers[p].categories[c], (int)p, e);
	free(row.definition);
	json_decref(canon);
	return rc;
}

int exam_create(struct store *db, const struct exam_def *def, const char *fname, int dry_run, int64_t now,
		struct diag *d, struct lx_err *e)
{
	size_t before = d->total;
	int rc = check_against_store(db, def, fname, d, e);

	if (rc == LX_OK && d->total > before)
		rc = LX_ERR_INVALID;
	if (rc == LX_OK && !dry_run)
		rc = store_definition(db, def, now, e);
	return rc;
}

int exam_create_held(struct store *db, const struct exam_def *def, const char *fname, struct diag *notes,
		     struct lx_err *e)
{
	char where[256];
	int rc = LX_OK;
	for (size_t p = 0; rc == LX_OK && p < def->n_papers; p++)
		for (size_t s = 0; rc == LX_OK && s < def->papers[p].n_sections; s++) {
			const struct exam_section *sec = &def->papers[p].sections[s];
			struct cands cs;
			size_t held = 0;
			rc = exam_candidates_held(db, sec, &held, e);
			if (rc || !held)
				continue;
			rc = exam_candidates(db, sec, &cs, e);
			free(cs.v);
			snprintf(where, sizeof where, "%s: papers[%zu].sections[%zu]", fname, p, s);
			if (rc == LX_OK)
				diag_add(notes, where, "章节「%s」少了 %zu 道题：它们所引的法条已修改，待复核（不参与抽题；"
					 "lawexam-admin bank review 可查看）；仍可抽取 %zu 道",
					 sec->title, held, cs.n);
		}
	return rc;
}
