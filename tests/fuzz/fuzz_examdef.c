/* fuzz_examdef.c — libFuzzer driver: bytes as a lawexam-exam/1 definition (examdef_parse).
 * Checks: diagnostics are valid UTF-8 and present exactly when parsing fails; a parsed
 * definition keeps the documented ranges; and on a seeded database (the categories of
 * `lawexam-admin init` and a small bank) exam_create(dry_run) either accepts it or explains
 * why in diagnostics — when it accepts, the real create (inside a transaction rolled back
 * afterwards) must succeed too, and the canonical definition it stores must parse again to
 * the same exam (starting an attempt parses it; a stored definition that does not parse
 * would make the exam unusable). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank_import.h"
#include "clock.h"
#include "exam.h"
#include "exam_def.h"
#include "fuzz_common.h"
#include "fuzz_db.h"
#include "store.h"
#include "store_accounts.h"
#include "store_exams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two banks: "fz" with every type, tags and difficulties; "fz2" with judges only. */
static const char *const seed_banks[] = {
	"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"fz\",\"title\":\"模糊测试题库\",\"subject\":\"fuzz\"},"
	"\"questions\":["
	"{\"id\":\"S1\",\"type\":\"single\",\"stem\":\"单选一\",\"options\":[\"甲\",\"乙\"],\"answer\":\"A\","
	"\"difficulty\":1,\"tags\":[\"总纲\"]},"
	"{\"id\":\"S2\",\"type\":\"single\",\"stem\":\"单选二\",\"options\":[\"甲\",\"乙\"],\"answer\":\"B\","
	"\"difficulty\":3,\"tags\":[\"总纲\",\"权利\"]},"
	"{\"id\":\"S3\",\"type\":\"single\",\"stem\":\"单选三\",\"options\":[\"甲\",\"乙\",\"丙\"],\"answer\":\"C\","
	"\"difficulty\":5},"
	"{\"id\":\"M1\",\"type\":\"multiple\",\"stem\":\"多选一\",\"options\":[\"甲\",\"乙\",\"丙\"],\"answer\":\"AB\","
	"\"tags\":[\"总纲\"]},"
	"{\"id\":\"M2\",\"type\":\"multiple\",\"stem\":\"多选二\",\"options\":[\"甲\",\"乙\",\"丙\"],\"answer\":\"BC\","
	"\"difficulty\":2},"
	"{\"id\":\"J1\",\"type\":\"judge\",\"stem\":\"判断一\",\"answer\":\"T\",\"tags\":[\"党章\"]},"
	"{\"id\":\"J2\",\"type\":\"judge\",\"stem\":\"判断二\",\"answer\":\"F\"}]}",
	"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"fz2\",\"title\":\"判断题库\",\"subject\":\"fuzz\"},"
	"\"questions\":[{\"id\":\"J1\",\"type\":\"judge\",\"stem\":\"判断一\",\"answer\":\"T\"},"
	"{\"id\":\"J2\",\"type\":\"judge\",\"stem\":\"判断二\",\"answer\":\"F\"}]}",
};


static int seed_job(struct store *s, void *arg, struct lx_err *e)
{
	static const struct { const char *code, *name; } cats[] = {
		{"leader", "领导干部"}, {"enforcement", "行政执法人员"}, {"general", "一般工作人员"}};
	int rc;
	(void)arg;
	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		if ((rc = store_category_add(s, cats[i].code, cats[i].name, 1, e)) != LX_OK)
			return rc;
	for (size_t i = 0; i < sizeof seed_banks / sizeof seed_banks[0]; i++) {
		struct bank_doc doc;
		struct diag d = {0};
		struct bank_import_result res;
		FUZZ_CHECK(bank_parse(seed_banks[i], strlen(seed_banks[i]), "seed.json", BANK_FMT_JSON, NULL, &doc,
				      &d) == LX_OK);
		diag_free(&d);
		rc = bank_import(s, &doc, 0, 0, 1, &res, e);
		bank_doc_free(&doc);
		if (rc)
			return rc;
	}
	{ /* an exam already there, so "code exists" is reachable */
		static const char existing[] =
			"{\"format\":\"lawexam-exam/1\",\"code\":\"taken\",\"title\":\"已有\","
			"\"opens_at\":\"2026-12-01T08:00:00+08:00\",\"closes_at\":\"2026-12-20T18:00:00+08:00\","
			"\"duration_minutes\":60,\"pass_percent\":60,\"papers\":[{\"categories\":[\"leader\"],"
			"\"sections\":[{\"title\":\"判断\",\"bank\":\"fz2\",\"type\":\"judge\",\"count\":1,\"points\":1}]}]}";
		struct exam_def def;
		struct diag d = {0};
		FUZZ_CHECK(examdef_parse(existing, sizeof existing - 1, "seed.json", &def, &d) == LX_OK);
		rc = exam_create(s, &def, "seed.json", 0, 1, &d, e);
		examdef_free(&def);
		diag_free(&d);
	}
	return rc;
}

static void check_strv(char *const *a, size_t na, char *const *b, size_t nb)
{
	FUZZ_CHECK(na == nb);
	for (size_t i = 0; i < na; i++)
		FUZZ_CHECK(fuzz_streq(a[i], b[i]));
}

static void check_same(const struct exam_def *a, const struct exam_def *b)
{
	FUZZ_CHECK(fuzz_streq(a->code, b->code) && fuzz_streq(a->title, b->title));
	FUZZ_CHECK(a->opens_at == b->opens_at && a->closes_at == b->closes_at);
	FUZZ_CHECK(a->duration_minutes == b->duration_minutes && a->pass_percent == b->pass_percent);
	FUZZ_CHECK(a->max_attempts == b->max_attempts && a->scoring == b->scoring);
	FUZZ_CHECK(a->results == b->results && a->review == b->review);
	check_strv(a->org_scope, a->n_scope, b->org_scope, b->n_scope);
	FUZZ_CHECK(a->n_papers == b->n_papers);
	for (size_t p = 0; p < a->n_papers; p++) {
		const struct exam_paper *x = &a->papers[p], *y = &b->papers[p];
		check_strv(x->categories, x->n_categories, y->categories, y->n_categories);
		FUZZ_CHECK(x->n_sections == y->n_sections);
		for (size_t s = 0; s < x->n_sections; s++) {
			const struct exam_section *u = &x->sections[s], *v = &y->sections[s];
			FUZZ_CHECK(fuzz_streq(u->title, v->title) && fuzz_streq(u->bank, v->bank));
			FUZZ_CHECK(u->type == v->type && u->count == v->count && u->points2 == v->points2);
			FUZZ_CHECK(u->dmin == v->dmin && u->dmax == v->dmax);
			check_strv(u->tags, u->n_tags, v->tags, v->n_tags);
		}
	}
}

static void check_ranges(const struct exam_def *def)
{
	FUZZ_CHECK(def->code && def->code[0] && def->title && def->title[0]);
	FUZZ_CHECK(def->closes_at > def->opens_at);
	FUZZ_CHECK(def->duration_minutes >= 1 && def->duration_minutes <= 24 * 60);
	FUZZ_CHECK(def->pass_percent >= 0 && def->pass_percent <= 100);
	FUZZ_CHECK(def->max_attempts >= 1 && def->max_attempts <= 100);
	FUZZ_CHECK(def->n_papers > 0);
	for (size_t i = 0; i < def->n_scope; i++)
		FUZZ_CHECK(def->org_scope[i] && def->org_scope[i][0]);
	for (size_t p = 0; p < def->n_papers; p++) {
		const struct exam_paper *pp = &def->papers[p];
		FUZZ_CHECK(pp->n_sections > 0);
		for (size_t c = 0; c < pp->n_categories; c++)
			FUZZ_CHECK(pp->categories[c] && pp->categories[c][0]);
		for (size_t s = 0; s < pp->n_sections; s++) {
			const struct exam_section *sec = &pp->sections[s];
			FUZZ_CHECK(sec->title[0] && sec->bank[0]);
			FUZZ_CHECK(sec->count >= 1 && sec->count <= 1000);
			FUZZ_CHECK(sec->points2 >= 2 && sec->points2 <= 2000 && sec->points2 % 2 == 0);
			FUZZ_CHECK(sec->dmin >= 1 && sec->dmin <= sec->dmax && sec->dmax <= 5);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exam_def def, again;
	struct diag d = {0}, d2 = {0};
	struct lx_err e = {0};
	struct exam_row row = {0};
	int rc;
	struct store *db = fuzz_db_get("examdef", seed_job);
	rc = examdef_parse((const char *)data, size, "fuzz.json", &def, &d);
	fuzz_check_diags(&d);
	FUZZ_CHECK((rc == LX_OK) == (d.total == 0));
	diag_free(&d);
	if (rc != LX_OK) {
		FUZZ_CHECK(def.papers == NULL && def.code == NULL);
		return 0;
	}
	check_ranges(&def);

	/* against the store: dry run, then the real create rolled back */
	rc = exam_create(db, &def, "fuzz.json", 1, clock_now(), &d2, &e);
	fuzz_check_diags(&d2);
	if (rc != LX_OK && rc != LX_ERR_INVALID)
		fprintf(stderr, "exam_create (dry run): %s\n", e.msg);
	FUZZ_CHECK(rc == LX_OK || (rc == LX_ERR_INVALID && d2.total > 0));
	if (rc == LX_OK) {
		FUZZ_CHECK(store_begin(db, &e) == LX_OK);
		rc = exam_create(db, &def, "fuzz.json", 0, clock_now(), &d2, &e);
		if (rc != LX_OK)
			fprintf(stderr, "exam_create: %s (%s)\n", e.msg, d2.n ? d2.items[0].message : "");
		FUZZ_CHECK(rc == LX_OK && d2.total == 0);
		FUZZ_CHECK(store_exam_by_code(db, def.code, &row, &e) == LX_OK);
		rc = examdef_parse(row.definition, strlen(row.definition), def.code, &again, &d);
		if (rc != LX_OK)
			fprintf(stderr, "stored definition does not parse: %s: %s\n%s\n", d.n ? d.items[0].where : "",
				d.n ? d.items[0].message : "", row.definition);
		FUZZ_CHECK(rc == LX_OK);
		check_same(&def, &again);
		examdef_free(&again);
		exam_row_free(&row);
		store_rollback(db);
	}
	diag_free(&d);
	diag_free(&d2);
	examdef_free(&def);
	return 0;
}
