/* bank_import.c — importing a validated bank into the store and loading it back (see
 * bank_import.h). Options and tags are stored as compact JSON arrays, so comparing two
 * versions is comparing strings. */
#include "bank_import.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "store_banks.h"
#include "store_laws.h"

static char *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	char *s;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

struct existing {
	char *qid;
	int64_t question_id, version_id;
	int active, version, seen;
	char *type, *stem, *options, *answer, *explanation, *basis, *tags;
	int difficulty;
};

struct existing_set {
	struct existing *v;
	size_t n;
};

static void ex_cb(void *ctx, const struct sq_row *q)
{
	struct existing_set *s = ctx;
	struct existing *x;
	s->v = lx_realloc(s->v, (s->n + 1) * sizeof *s->v);
	x = &s->v[s->n++];
	memset(x, 0, sizeof *x);
	x->qid = lx_strdup(q->qid);
	x->question_id = q->question_id;
	x->version_id = q->version_id;
	x->active = q->active;
	x->version = q->version;
	x->type = lx_strdup(q->type);
	x->stem = lx_strdup(q->stem);
	x->options = lx_strdup(q->options_json);
	x->answer = lx_strdup(q->answer);
	x->explanation = lx_strdup(q->explanation);
	x->basis = lx_strdup(q->basis);
	x->tags = lx_strdup(q->tags_json);
	x->difficulty = q->difficulty;
}

static void ex_free(struct existing_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct existing *x = &s->v[i];
		free(x->qid);
		free(x->type);
		free(x->stem);
		free(x->options);
		free(x->answer);
		free(x->explanation);
		free(x->basis);
		free(x->tags);
	}
	free(s->v);
}

static int cmp_qid(const void *a, const void *b)
{
	return strcmp(((const struct existing *)a)->qid, ((const struct existing *)b)->qid);
}

int bank_import(struct store *db, const struct bank_doc *doc, int dry_run, int retire_missing, int64_t now,
		struct bank_import_result *res, struct lx_err *e)
{
	return bank_import_progress(db, doc, dry_run, retire_missing, now, NULL, res, e);
}

int bank_import_progress(struct store *db, const struct bank_doc *doc, int dry_run, int retire_missing,
			 int64_t now, const struct lx_progress *progress, struct bank_import_result *res,
			 struct lx_err *e)
{
	struct existing_set ex = {0};
	const char *title = doc->title, *subject = doc->subject;
	char *st = NULL, *ss = NULL;
	int rc;

	memset(res, 0, sizeof *res);
	if (!title[0] || !subject[0]) { /* CSV/XLSX without --title/--subject: keep the stored ones */
		rc = store_bank_get(db, doc->code, &st, &ss, e);
		if (rc == LX_ERR_NOTFOUND)
			rc = err_set(e, LX_ERR_INVALID, "题库 %s 是新题库：请给出题库名称和科目（--title、--subject）",
				     doc->code);
		if (rc)
			goto out;
		title = title[0] ? title : st;
		subject = subject[0] ? subject : ss;
	}
	rc = store_bank_questions(db, doc->code, ex_cb, &ex, e);
	if (rc)
		goto out;
	if (ex.n)
		qsort(ex.v, ex.n, sizeof *ex.v, cmp_qid);
	if (!dry_run && (rc = store_bank_upsert(db, doc->code, title, subject, now, e)))
		goto out;
	for (size_t i = 0; i < doc->n && rc == LX_OK; i++) {
		const struct bank_question *q = &doc->questions[i];
		struct existing key = {.qid = q->id};
		struct existing *x = ex.n ? bsearch(&key, ex.v, ex.n, sizeof *ex.v, cmp_qid) : NULL;
		char *opts = strv_json(q->options, q->n_options), *tags = strv_json(q->tags, q->n_tags);
		struct sv_new v = {qtype_name(q->type), q->stem, opts, q->answer, q->explanation ? q->explanation : "",
				   q->basis ? q->basis : "", tags, q->difficulty};
		int64_t qid_db, vid;

		if (!x) {
			res->added++;
			if (!dry_run) {
				rc = store_question_insert(db, doc->code, q->id, (int)i, &qid_db, e);
				if (rc == LX_OK)
					rc = store_version_insert(db, qid_db, 1, &v, now, &vid, e);
				if (rc == LX_OK)
					rc = store_question_set(db, qid_db, vid, 1, (int)i, e);
			}
		} else {
			int content = strcmp(x->type, v.type) || strcmp(x->stem, v.stem) || strcmp(x->options, opts);
			int meta = strcmp(x->answer, v.answer) || strcmp(x->explanation, v.explanation) ||
				   strcmp(x->basis, v.basis) || strcmp(x->tags, tags) || x->difficulty != v.difficulty;
			x->seen = 1;
			if (!content && !meta && x->active) {
				res->unchanged++;
			} else {
				res->updated++;
				vid = x->version_id;
				if (!dry_run && content)
					rc = store_version_insert(db, x->question_id, x->version + 1, &v, now, &vid, e);
				else if (!dry_run && meta)
					rc = store_version_update(db, x->version_id, &v, e);
				if (!dry_run && rc == LX_OK)
					rc = store_question_set(db, x->question_id, vid, 1, (int)i, e);
				if (!dry_run && rc == LX_OK) { /* re-imported with a change: reviewed (SPEC §13) */
					int was;
					rc = store_review_clear(db, x->question_id, &was, e);
				}
			}
		}
		free(opts);
		free(tags);
		if (rc == LX_OK && ((i + 1) % 64 == 0 || i + 1 == doc->n)) /* a report per 64 questions is plenty */
			lx_progress_report(progress, i + 1, doc->n);
	}
	for (size_t i = 0; rc == LX_OK && retire_missing && i < ex.n; i++) {
		if (ex.v[i].seen || !ex.v[i].active)
			continue;
		res->retired++;
		if (!dry_run)
			rc = store_question_set(db, ex.v[i].question_id, ex.v[i].version_id, 0, 1000000 + (int)i, e);
	}
out:
	ex_free(&ex);
	free(st);
	free(ss);
	return rc;
}

static char **json_strv(const char *json, size_t *n)
{
	json_t *a = json_loads(json, 0, NULL), *it;
	char **v = lx_calloc(json_array_size(a) + 1, sizeof *v);
	size_t i;
	*n = 0;
	json_array_foreach(a, i, it) if (json_is_string(it)) v[(*n)++] = lx_strdup(json_string_value(it));
	json_decref(a);
	return v;
}

static void load_cb(void *ctx, const struct sq_row *r)
{
	struct bank_doc *doc = ctx;
	struct bank_question *q;
	if (!r->active)
		return;
	doc->questions = lx_realloc(doc->questions, (doc->n + 1) * sizeof *doc->questions);
	q = &doc->questions[doc->n++];
	memset(q, 0, sizeof *q);
	q->id = lx_strdup(r->qid);
	qtype_parse(r->type, &q->type);
	q->stem = lx_strdup(r->stem);
	q->options = json_strv(r->options_json, &q->n_options);
	if (q->n_options == 0) {
		free(q->options);
		q->options = NULL;
	}
	snprintf(q->answer, sizeof q->answer, "%s", r->answer);
	q->explanation = lx_strdup(r->explanation);
	q->basis = lx_strdup(r->basis);
	q->difficulty = r->difficulty;
	q->tags = json_strv(r->tags_json, &q->n_tags);
	q->where = lx_strdup("");
}

int bank_load(struct store *db, const char *code, struct bank_doc *out, struct lx_err *e)
{
	int rc;
	memset(out, 0, sizeof *out);
	out->code = lx_strdup(code);
	rc = store_bank_get(db, code, &out->title, &out->subject, e);
	if (rc == LX_OK)
		rc = store_bank_questions(db, code, load_cb, out, e);
	return rc;
}
