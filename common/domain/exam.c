/* exam.c — attempts, saves, grading and the exam views as jansson trees (see exam.h). Pure
 * rules live in paper.c (drawing) and grade.c (scoring); this file ties them to the store, and
 * keeps the per-connection start cache (parsed definitions and candidate lists; see "the
 * start cache"). The examinee's paper as bytes, and its cache, are exam_render.c. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "grade.h"
#include "jsonx.h"
#include "mem.h"
#include "paper.h"
#include "roles.h"
#include "store.h"
#include "store_exams.h"
#include "token.h"
#include "exam_int.h"

/* --- small helpers -------------------------------------------------------------- */

enum q_type exam_type_of(const char *s)
{
	enum q_type t = QT_SINGLE;
	qtype_parse(s, &t);
	return t;
}

int exam_results_visible(const struct exam_row *x, int64_t now)
{
	if (strcmp(x->results, "immediate") == 0)
		return 1;
	if (strcmp(x->results, "after_close") == 0)
		return now >= x->closes_at;
	return 0;
}

int exam_review_allowed(const struct exam_row *x, const struct attempt_row *a, int64_t now)
{
	if (a->status != AST_SUBMITTED)
		return 0;
	if (strcmp(x->review, "immediate") == 0)
		return 1;
	if (strcmp(x->review, "after_close") == 0)
		return now >= x->closes_at;
	return 0;
}

/* Loads an attempt and checks ownership: another person's attempt is "not found". */
int exam_own_attempt(struct store *db, int64_t attempt_id, int64_t user_id, struct attempt_row *a,
		       struct lx_err *e)
{
	int rc = store_attempt_get(db, attempt_id, a, e);
	if (rc == LX_OK && user_id && a->user_id != user_id)
		rc = err_set(e, LX_ERR_NOTFOUND, "答卷不存在");
	return rc;
}

/* Records position's type and perm in t (t->v grows; the caller frees it). */
void exam_pos_put(struct pos_table *t, int position, enum q_type type, const char *perm)
{
	if (position < 1 || position > LX_MAX_POSITIONS)
		return;
	if (position > t->n) {
		if (position >= t->cap) {
			t->cap = position + 1 > 2 * t->cap ? position + 1 : 2 * t->cap;
			t->v = lx_realloc(t->v, (size_t)t->cap * sizeof *t->v);
		}
		for (int i = t->n + 1; i <= position; i++)
			t->v[i].type = -1;
		t->n = position;
	}
	t->v[position].type = (int)type;
	{
		size_t n = strnlen(perm, sizeof t->v[position].perm - 1); /* as snprintf "%s" would cut it */
		memcpy(t->v[position].perm, perm, n);
		t->v[position].perm[n] = '\0';
	}
}


static enum scoring scoring_of(const struct exam_row *x)
{
	return strcmp(x->scoring, "partial") == 0 ? SCORING_PARTIAL : SCORING_ALL_OR_NOTHING;
}



static json_t *score_json(long score2)
{
	return score2 % 2 ? json_real((double)score2 / 2.0) : json_integer(score2 / 2);
}

static json_t *time_json(int64_t t)
{
	char buf[40];
	return json_string(rfc3339_format(t, buf, sizeof buf));
}

static json_t *result_json(const struct attempt_row *a)
{
	return json_pack("{s:o,s:o,s:b}", "score", score_json(a->score2), "max_score", score_json(a->max_score2),
			 "passed", a->passed == 1);
}


/* --- exam creation -------------------------------------------------------------- */

struct cand {
	int64_t id;
	int difficulty;
	int n_options;
};

struct cands {
	struct cand *v;
	size_t n, cap;
	const struct exam_section *sec;
};

static int has_tags(const char *tags_json, char *const *want, size_t n)
{
	json_t *tags;
	int ok = 1;
	if (n == 0)
		return 1;
	tags = json_loads(tags_json, 0, NULL);
	for (size_t i = 0; i < n && ok; i++) {
		size_t k;
		json_t *t;
		int found = 0;
		json_array_foreach(tags, k, t) if (json_is_string(t) && strcmp(json_string_value(t), want[i]) == 0)
			found = 1;
		ok = found;
	}
	json_decref(tags);
	return ok;
}

static void cand_cb(void *ctx, int64_t version_id, int difficulty, const char *tags_json, int n_options)
{
	struct cands *c = ctx;
	const struct exam_section *s = c->sec;
	if (difficulty < s->dmin || difficulty > s->dmax || !has_tags(tags_json, s->tags, s->n_tags))
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = lx_realloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n].id = version_id;
	c->v[c->n].difficulty = difficulty;
	c->v[c->n].n_options = n_options;
	c->n++;
}

/* Fills out (caller frees out->v, also on failure) with the candidates of section s. */
static int candidates(struct store *db, const struct exam_section *s, struct cands *out, struct lx_err *e)
{
	memset(out, 0, sizeof *out);
	out->sec = s;
	return store_candidates(db, s->bank, qtype_name(s->type), cand_cb, out, e);
}

int exam_create(struct store *db, const struct exam_def *def, const char *fname, int dry_run, int64_t now,
		struct diag *d, struct lx_err *e)
{
	size_t before = d->total;
	char where[256];
	struct exam_row row = {0}, existing = {0};
	int rc = LX_OK;
	json_t *canon = NULL;

	if (store_exam_by_code(db, def->code, &existing, NULL) == LX_OK) {
		snprintf(where, sizeof where, "%s: code", fname);
		diag_add(d, where, "考试代码 %s 已存在", def->code);
		exam_row_free(&existing);
	}
	for (size_t p = 0; p < def->n_papers; p++) {
		const struct exam_paper *pp = &def->papers[p];
		for (size_t c = 0; c < pp->n_categories; c++) {
			char *code = NULL;
			if (store_category_resolve(db, pp->categories[c], &code, NULL) != LX_OK) {
				snprintf(where, sizeof where, "%s: papers[%zu].categories[%zu]", fname, p, c);
				diag_add(d, where, "人员类别 %s 不存在（lawexam-admin category list 可查看）", pp->categories[c]);
			} else if (strcmp(code, pp->categories[c]) != 0) {
				snprintf(where, sizeof where, "%s: papers[%zu].categories[%zu]", fname, p, c);
				diag_add(d, where, "请使用人员类别代码 %s，而不是名称 %s", code, pp->categories[c]);
			}
			free(code);
		}
		for (size_t s = 0; s < pp->n_sections; s++) {
			const struct exam_section *sec = &pp->sections[s];
			int exists = 0;
			struct cands cs;
			snprintf(where, sizeof where, "%s: papers[%zu].sections[%zu]", fname, p, s);
			rc = store_bank_exists(db, sec->bank, &exists, e);
			if (rc)
				goto out;
			if (!exists) {
				diag_add(d, where, "题库 %s 不存在", sec->bank);
				continue;
			}
			rc = candidates(db, sec, &cs, e);
			if (rc) {
				free(cs.v);
				goto out;
			}
			if (cs.n < (size_t)sec->count)
				diag_add(d, where, "章节「%s」需要 %d 道%s题，但题库 %s 中符合条件（题型、标签、难度、有效）的只有 %zu 道",
					 sec->title, sec->count, qtype_name_zh(sec->type), sec->bank, cs.n);
			free(cs.v);
		}
	}
	if (d->total > before) {
		rc = LX_ERR_INVALID;
		goto out;
	}
	if (dry_run)
		goto out;
	/* Store the definition in canonical form (re-serialised), with its parts as rows. */
	canon = json_pack("{s:s,s:s,s:s,s:o,s:o,s:i,s:i,s:i,s:s,s:s,s:s}", "format", "lawexam-exam/1",
			  "code", def->code, "title", def->title, "opens_at", time_json(def->opens_at),
			  "closes_at", time_json(def->closes_at), "duration_minutes", def->duration_minutes,
			  "pass_percent", def->pass_percent, "max_attempts", def->max_attempts,
			  "multiple_scoring", examdef_scoring_name(def->scoring), "results",
			  examdef_results_name(def->results), "review", examdef_review_name(def->review));
	{
		json_t *scope = json_array(), *papers = json_array();
		for (size_t i = 0; i < def->n_scope; i++)
			json_array_append_new(scope, json_string(def->org_scope[i]));
		for (size_t p = 0; p < def->n_papers; p++) {
			const struct exam_paper *pp = &def->papers[p];
			json_t *cats = json_array(), *secs = json_array();
			for (size_t c = 0; c < pp->n_categories; c++)
				json_array_append_new(cats, json_string(pp->categories[c]));
			for (size_t s = 0; s < pp->n_sections; s++) {
				const struct exam_section *sec = &pp->sections[s];
				json_t *js = json_pack("{s:s,s:s,s:s,s:i,s:i}", "title", sec->title, "bank", sec->bank,
						       "type", qtype_name(sec->type), "count", sec->count, "points",
						       sec->points2 / 2);
				if (sec->n_tags) {
					json_t *tags = json_array();
					for (size_t t = 0; t < sec->n_tags; t++)
						json_array_append_new(tags, json_string(sec->tags[t]));
					json_object_set_new(js, "tags", tags);
				}
				if (sec->dmin != 1 || sec->dmax != 5)
					json_object_set_new(js, "difficulty", json_pack("[i,i]", sec->dmin, sec->dmax));
				json_array_append_new(secs, js);
			}
			json_array_append_new(papers, json_pack("{s:o,s:o}", "categories", cats, "sections", secs));
		}
		if (def->n_scope)
			json_object_set_new(canon, "org_scope", scope);
		else
			json_decref(scope);
		json_object_set_new(canon, "papers", papers);
	}
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
	row.definition = json_dumps(canon, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	{
		int64_t id;
		rc = store_exam_insert(db, &row, (const char *const *)def->org_scope, def->n_scope, now, &id, e);
		for (size_t p = 0; rc == LX_OK && p < def->n_papers; p++)
			for (size_t c = 0; rc == LX_OK && c < def->papers[p].n_categories; c++)
				rc = store_exam_paper_insert(db, id, def->papers[p].categories[c], (int)p, e);
	}
	free(row.definition);
out:
	json_decref(canon);
	return rc;
}

/* --- attempts ------------------------------------------------------------------- */

struct attempts_sum {
	int total;
	int64_t in_progress_id;
	struct attempt_row in_progress, best, last;
	int has_best, has_last;
};

static void sum_cb(void *ctx, const struct attempt_row *a)
{
	struct attempts_sum *s = ctx;
	s->total++;
	s->last = *a;
	s->has_last = 1;
	if (a->status == AST_IN_PROGRESS) {
		s->in_progress_id = a->id;
		s->in_progress = *a;
	} else if (!s->has_best || a->score2 > s->best.score2) {
		s->best = *a;
		s->has_best = 1;
	}
}

static int load_def(const struct exam_row *x, struct exam_def *def, struct lx_err *e)
{
	struct diag d = {0};
	int rc = examdef_parse(x->definition, strlen(x->definition), x->code, def, &d);
	if (rc)
		rc = err_set(e, LX_ERR_INTERNAL, "stored definition of %s does not parse: %s", x->code,
			     d.n ? d.items[0].message : "");
	diag_free(&d);
	return rc;
}

/* --- the start cache (docs/architecture.md) --------------------------------------
 * What a start draws from, kept on the connection (a store memo; in the server only the
 * writer's connection starts attempts): per exam, the parsed stored definition and, for every
 * section of every paper, its candidates. The cache is stamped with the content generation
 * (store_content_gen) read before any of it; every start reads the stamp again (one point
 * lookup) and a different stamp drops the whole cache. Triggers change the stamp in the same
 * transaction as any change to questions, versions or exams, by any program (the CLI beside
 * a running server, an HTTP import on this very connection), so the next start draws from
 * the new content. Reading the stamp first makes a race in autocommit mode harmless: content
 * newer than its stamp is only reloaded once more. */

#define START_CACHE_EXAMS 16

struct sc_exam {
	int64_t exam_id;
	uint64_t used;       /* LRU clock */
	struct exam_def def;
	struct cands *secs;  /* every section of every paper, paper-major; sec points into def */
	size_t *first;       /* first[p]: index in secs of paper p's first section */
};

struct start_cache {
	struct content_gen gen;
	int has_gen;
	uint64_t clock;
	struct sc_exam *v[START_CACHE_EXAMS];
	size_t n;
};

static void sc_exam_free(struct sc_exam *x)
{
	if (!x)
		return;
	if (x->secs && x->first)
		for (size_t i = 0; i < x->first[x->def.n_papers]; i++)
			free(x->secs[i].v);
	free(x->secs);
	free(x->first);
	examdef_free(&x->def);
	free(x);
}

static void sc_clear(struct start_cache *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		sc_exam_free(sc->v[i]);
	sc->n = 0;
}

static void sc_free(void *p)
{
	struct start_cache *sc = p;
	if (!sc)
		return;
	sc_clear(sc);
	free(sc);
}

/* Reads exam_id's definition and every section's candidates into a new entry (caller frees
 * it with sc_exam_free). */
static int sc_fill(struct store *db, int64_t exam_id, struct sc_exam **out, struct lx_err *e)
{
	struct exam_row x = {0};
	struct sc_exam *c = lx_calloc(1, sizeof *c);
	size_t n = 0;
	int rc = store_exam_by_id(db, exam_id, &x, e);
	if (rc == LX_OK)
		rc = load_def(&x, &c->def, e);
	if (rc)
		goto out;
	c->exam_id = exam_id;
	c->first = lx_calloc(c->def.n_papers + 1, sizeof *c->first);
	for (size_t p = 0; p < c->def.n_papers; p++) {
		c->first[p] = n;
		n += c->def.papers[p].n_sections;
	}
	c->first[c->def.n_papers] = n;
	c->secs = lx_calloc(n ? n : 1, sizeof *c->secs);
	for (size_t p = 0, k = 0; p < c->def.n_papers && rc == LX_OK; p++)
		for (size_t s = 0; s < c->def.papers[p].n_sections && rc == LX_OK; s++, k++)
			rc = candidates(db, &c->def.papers[p].sections[s], &c->secs[k], e);
out:
	exam_row_free(&x);
	if (rc) {
		sc_exam_free(c);
		c = NULL;
	}
	*out = c;
	return rc;
}

/* The cached entry of exam_id on db, checked against the content stamp and filled when
 * missing. The entry belongs to the cache: valid until the next sc_get on db. */
static int sc_get(struct store *db, int64_t exam_id, const struct sc_exam **out, struct lx_err *e)
{
	struct start_cache *sc = store_memo(db, STORE_MEMO_EXAM_START);
	struct content_gen g;
	struct sc_exam *c = NULL;
	size_t slot = 0;
	int rc = store_content_gen(db, &g, e);
	if (rc)
		goto out;
	if (!sc) {
		sc = lx_calloc(1, sizeof *sc);
		store_memo_set(db, STORE_MEMO_EXAM_START, sc, sc_free);
	}
	if (!sc->has_gen || sc->gen.n != g.n || sc->gen.nonce != g.nonce) {
		sc_clear(sc);
		sc->gen = g;
		sc->has_gen = 1;
	}
	for (size_t i = 0; i < sc->n && !c; i++)
		if (sc->v[i]->exam_id == exam_id)
			c = sc->v[i];
	if (!c) {
		rc = sc_fill(db, exam_id, &c, e);
		if (rc)
			goto out;
		if (sc->n < START_CACHE_EXAMS) {
			slot = sc->n++;
		} else { /* evict the least recently used */
			for (size_t i = 1; i < sc->n; i++)
				if (sc->v[i]->used < sc->v[slot]->used)
					slot = i;
			sc_exam_free(sc->v[slot]);
		}
		sc->v[slot] = c;
	}
	c->used = ++sc->clock;
	*out = c;
out:
	return rc;
}

/* Draws and stores a new attempt's paper from secs, the paper's sections' candidates. */
static int draw(struct store *db, const struct exam_row *x, const struct exam_paper *paper,
		const struct cands *secs, struct attempt_row *a, struct lx_err *e)
{
	int position = 0, rc = LX_OK;
	for (size_t s = 0; s < paper->n_sections && rc == LX_OK; s++) {
		const struct exam_section *sec = &paper->sections[s];
		const struct cands *cs = &secs[s];
		struct paper_rng rng;
		size_t *pick;
		if (cs->n < (size_t)sec->count)
			return err_set(e, LX_ERR_CONFLICT, "section %s of %s cannot be filled (%zu of %d)", sec->title,
				       x->code, cs->n, sec->count);
		paper_rng_init(&rng, a->seed, s);
		pick = lx_calloc((size_t)sec->count, sizeof *pick);
		paper_pick(&rng, cs->n, (size_t)sec->count, pick);
		for (int i = 0; i < sec->count && rc == LX_OK; i++) {
			const struct cand *c = &cs->v[pick[i]];
			char perm[LX_MAX_OPTIONS + 1] = "";
			if (sec->type != QT_JUDGE)
				paper_perm(&rng, (size_t)c->n_options, perm);
			rc = store_aq_insert(db, a->id, ++position, (int)s, sec->title, c->id, sec->points2, perm, e);
		}
		free(pick);
	}
	return rc;
}

int exam_start(struct store *db, const char *exam_code, const struct user *u, int64_t now, int grace,
	       int64_t *attempt_id, int *created, struct lx_err *e)
{
	struct exam_row x = {0};
	const struct sc_exam *c = NULL;
	struct attempts_sum sum = {0};
	struct attempt_row a = {0};
	const struct exam_paper *paper;
	int rc, assigned = 0, retakes = 0, paper_idx = 0;

	*created = 0;
	rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc)
		goto out;
	rc = store_exam_assigned(db, x.id, u->id, &assigned, e);
	if (rc)
		goto out;
	if (!assigned) {
		rc = err_tag(e, LX_ERR_DENIED, "not_assigned", "您不在本次考试的参考范围内");
		goto out;
	}
	rc = store_attempts_of(db, x.id, u->id, sum_cb, &sum, e);
	if (rc)
		goto out;
	if (sum.in_progress_id) {
		if (now <= sum.in_progress.deadline + grace) {
			*attempt_id = sum.in_progress_id;
			goto out; /* resume */
		}
		/* Overdue: submit it now (as the auto-submit would), then go on. */
		rc = exam_submit(db, sum.in_progress_id, u->id, now, "timeout", e);
		if (rc)
			goto out;
	}
	if (now < x.opens_at || now >= x.closes_at) {
		rc = err_tag(e, LX_ERR_CONFLICT, "exam_not_open", now < x.opens_at ? "考试尚未开始" : "考试已结束");
		goto out;
	}
	rc = store_retakes(db, x.id, u->id, &retakes, e);
	if (rc)
		goto out;
	if (sum.total >= x.max_attempts + retakes) {
		rc = err_tag(e, LX_ERR_CONFLICT, "no_attempts_left", "您的考试次数已用完");
		goto out;
	}
	rc = sc_get(db, x.id, &c, e);
	if (rc)
		goto out;
	paper = examdef_paper_for(&c->def, u->category, &paper_idx);
	if (!paper) {
		rc = err_tag(e, LX_ERR_DENIED, "not_assigned", "您的人员类别没有对应的试卷");
		goto out;
	}
	a.exam_id = x.id;
	a.user_id = u->id;
	a.attempt_no = sum.total + 1;
	a.started_at = now;
	a.deadline = now + x.duration_s < x.closes_at ? now + x.duration_s : x.closes_at;
	a.max_score2 = examdef_max_score2(paper);
	if (tok_random_bytes(a.seed, sizeof a.seed) != LX_OK) {
		rc = err_set(e, LX_ERR_INTERNAL, "no randomness");
		goto out;
	}
	rc = store_attempt_insert(db, &a, e);
	if (rc == LX_OK)
		rc = draw(db, &x, paper, &c->secs[c->first[paper_idx]], &a, e);
	if (rc == LX_OK) {
		*attempt_id = a.id;
		*created = 1;
	}
out:
	exam_row_free(&x);
	return rc;
}


/* --- saving --------------------------------------------------------------------- */



static void pos_cb(void *ctx, const struct aq_row *q)
{
	exam_pos_put(ctx, q->position, exam_type_of(q->type), q->perm);
}

/* Checks one displayed response against its question; fills the original keys. */
static int check_response(const struct pos_info *p, const char *resp, char *orig, size_t origlen)
{
	size_t n = strlen(resp);
	if (n == 0) {
		orig[0] = '\0';
		return 0;
	}
	if (p->type == QT_JUDGE)
		return (strcmp(resp, "T") == 0 || strcmp(resp, "F") == 0) ? (snprintf(orig, origlen, "%s", resp), 0) : -1;
	if (p->type == QT_SINGLE && n != 1)
		return -1;
	for (size_t i = 1; i < n; i++)
		if (resp[i] <= resp[i - 1])
			return -1; /* displayed keys must be sorted and distinct */
	return paper_to_original(p->perm, resp, orig, origlen);
}

int exam_save(struct store *db, int64_t attempt_id, int64_t user_id, const struct save_item *items, size_t n,
	      int64_t now, int grace, size_t *ignored, int64_t *deadline, struct lx_err *e)
{
	struct attempt_row a;
	char (*orig)[16] = NULL;
	int rc;

	*ignored = 0;
	rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc)
		goto out;
	*deadline = a.deadline;
	if (a.status != AST_IN_PROGRESS || now > a.deadline + grace) {
		rc = err_tag(e, LX_ERR_CONFLICT, "attempt_closed", "答题时间已结束，答卷已提交");
		goto out;
	}
	/* Check the whole batch first (one point lookup per answer), then store it. */
	orig = lx_calloc(n ? n : 1, sizeof *orig);
	for (size_t i = 0; i < n; i++) {
		struct pos_info p;
		char type[16];
		int pos = items[i].position;
		rc = pos >= 1 && pos <= LX_MAX_POSITIONS
			     ? store_aq_get(db, attempt_id, pos, type, sizeof type, p.perm, sizeof p.perm, e)
			     : LX_ERR_NOTFOUND;
		if (rc == LX_ERR_NOTFOUND) {
			rc = err_tag(e, LX_ERR_INVALID, "bad_response", "第 %d 题不存在", pos);
			goto out;
		}
		if (rc)
			goto out;
		p.type = exam_type_of(type);
		if (check_response(&p, items[i].response, orig[i], sizeof orig[i]) != 0) {
			rc = err_tag(e, LX_ERR_INVALID, "bad_response", "第 %d 题的作答 \"%s\" 无效", pos, items[i].response);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int applied = 0;
		rc = store_answer_put(db, attempt_id, items[i].position, orig[i], items[i].seq, now, &applied, e);
		if (rc)
			goto out;
		if (!applied)
			(*ignored)++;
	}
out:
	free(orig);
	return rc;
}

/* --- grading and submitting ----------------------------------------------------- */

struct grading {
	struct store *db;
	int64_t attempt_id;
	enum scoring scoring;
	struct { char resp[16]; int has; } *ans; /* by position */
	int nans;
	long score2;
	int write;
	int rc;
	struct lx_err *e;
};

static void ans_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	struct grading *g = ctx;
	if (position < 1 || position > LX_MAX_POSITIONS)
		return;
	if (position >= g->nans) {
		int n = position + 1;
		g->ans = lx_realloc(g->ans, (size_t)n * sizeof *g->ans);
		memset(g->ans + g->nans, 0, (size_t)(n - g->nans) * sizeof *g->ans);
		g->nans = n;
	}
	snprintf(g->ans[position].resp, sizeof g->ans[position].resp, "%s", response);
	g->ans[position].has = 1;
}

struct gq {
	int position, points2;
	enum q_type type;
	char key[LX_MAX_OPTIONS + 1];
};

struct gqs {
	struct gq *v;
	size_t n;
};

static void gq_cb(void *ctx, const struct aq_row *q)
{
	struct gqs *l = ctx;
	l->v = lx_realloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n].position = q->position;
	l->v[l->n].points2 = q->points2;
	l->v[l->n].type = exam_type_of(q->type);
	snprintf(l->v[l->n].key, sizeof l->v[l->n].key, "%s", q->answer);
	l->n++;
}

/* Grades attempt a with the current keys of its drawn versions; stores per-answer credit
 * when write. */
static int grade_attempt(struct store *db, const struct attempt_row *a, enum scoring sc, int write, long *score2,
			 struct lx_err *e)
{
	struct grading g = {.db = db, .attempt_id = a->id, .scoring = sc, .e = e};
	struct gqs qs = {0};
	int rc = store_answers(db, a->id, ans_cb, &g, e);
	if (rc == LX_OK)
		rc = store_aq_list(db, a->id, gq_cb, &qs, e);
	*score2 = 0;
	for (size_t i = 0; rc == LX_OK && i < qs.n; i++) {
		const struct gq *q = &qs.v[i];
		const char *resp = q->position < g.nans && g.ans[q->position].has ? g.ans[q->position].resp : "";
		int earned = grade_answer(q->type, q->key, resp, q->points2, sc);
		*score2 += earned;
		if (write && q->position < g.nans && g.ans[q->position].has)
			rc = store_answer_earned(db, a->id, q->position, earned, e);
	}
	free(qs.v);
	free(g.ans);
	return rc;
}

int exam_submit(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now, const char *reason,
		struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	long score2 = 0;
	int rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc || a.status == AST_SUBMITTED)
		return rc; /* idempotent */
	rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK)
		rc = grade_attempt(db, &a, scoring_of(&x), 1, &score2, e);
	if (rc == LX_OK)
		rc = store_attempt_submit(db, a.id, now, reason, score2,
					  grade_passed(score2, a.max_score2, x.pass_percent), e);
	exam_row_free(&x);
	return rc;
}

struct idvec {
	int64_t *v;
	size_t n;
};

static void id_cb(void *ctx, int64_t id)
{
	struct idvec *l = ctx;
	l->v = lx_realloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = id;
}

int exam_autosubmit(struct store *db, int64_t now, int grace, int *count, struct lx_err *e)
{
	struct idvec ids = {0};
	int rc = store_overdue_attempts(db, now - grace, id_cb, &ids, e);
	*count = 0;
	for (size_t i = 0; rc == LX_OK && i < ids.n; i++) {
		rc = exam_submit(db, ids.v[i], 0, now, "timeout", e);
		if (rc == LX_OK)
			(*count)++;
	}
	free(ids.v);
	return rc;
}

int exam_any_overdue(struct store *db, int64_t now, int grace)
{
	struct idvec ids = {0};
	int any;
	store_overdue_attempts(db, now - grace, id_cb, &ids, NULL);
	any = ids.n > 0;
	free(ids.v);
	return any;
}

int exam_regrade(struct store *db, const char *exam_code, int dry_run,
		 void (*report)(void *ctx, int64_t attempt_id, const char *login, long old2, long new2,
				int old_passed, int new_passed),
		 void *ctx, int *changed, struct lx_err *e)
{
	struct exam_row x = {0};
	struct idvec ids = {0};
	int rc = store_exam_by_code(db, exam_code, &x, e);
	*changed = 0;
	if (rc == LX_OK)
		rc = store_submitted_attempts(db, x.id, id_cb, &ids, e);
	for (size_t i = 0; rc == LX_OK && i < ids.n; i++) {
		struct attempt_row a;
		struct user u = {0};
		long new2;
		int passed;
		rc = store_attempt_get(db, ids.v[i], &a, e);
		if (rc == LX_OK)
			rc = grade_attempt(db, &a, scoring_of(&x), !dry_run, &new2, e);
		if (rc)
			break;
		passed = grade_passed(new2, a.max_score2, x.pass_percent);
		if (new2 == a.score2 && passed == a.passed)
			continue;
		(*changed)++;
		store_user_by_id(db, a.user_id, &u, NULL);
		if (report)
			report(ctx, a.id, u.login ? u.login : "?", a.score2, new2, a.passed, passed);
		user_free(&u);
		if (!dry_run)
			rc = store_attempt_regrade(db, a.id, new2, passed, e);
	}
	free(ids.v);
	exam_row_free(&x);
	return rc;
}

int exam_grant_retake(struct store *db, const char *exam_code, const char *login, struct lx_err *e)
{
	struct exam_row x = {0};
	struct user u = {0};
	int rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK && (rc = store_user_by_login(db, login, &u, e)) != LX_OK)
		err_set(e, rc, "用户不存在：%s", login);
	if (rc == LX_OK)
		rc = store_retake_grant(db, x.id, u.id, e);
	user_free(&u);
	exam_row_free(&x);
	return rc;
}

/* --- views ---------------------------------------------------------------------- */

struct view {
	json_t *questions;
	json_t *answers;      /* position → displayed response */
	struct pos_table pos; /* perms, for mapping answers */
	int review;
	json_t *review_extra; /* position → {key, explanation, basis} */
};

static json_t *options_json(const char *type, const char *options_json, const char *perm)
{
	json_t *out = json_array();
	if (strcmp(type, "judge") == 0) {
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", "T", "text", "正确"));
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", "F", "text", "错误"));
		return out;
	}
	json_t *opts = json_loads(options_json, 0, NULL);
	for (size_t i = 0; perm[i]; i++) {
		json_t *o = json_array_get(opts, (size_t)(perm[i] - 'A'));
		char key[2] = {(char)('A' + i), 0};
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", key, "text",
						     json_is_string(o) ? json_string_value(o) : ""));
	}
	json_decref(opts);
	return out;
}

static void view_q_cb(void *ctx, const struct aq_row *q)
{
	struct view *v = ctx;
	json_t *jq = json_pack("{s:i,s:s,s:s,s:s,s:o,s:o}", "position", q->position, "section", q->section_title,
			       "type", q->type, "stem", q->stem, "options", options_json(q->type, q->options_json, q->perm),
			       "points", score_json(q->points2));
	if (v->review) {
		char disp[16];
		paper_to_displayed(q->perm, q->answer, disp, sizeof disp);
		json_object_set_new(jq, "key", json_string(disp));
		json_object_set_new(jq, "explanation", json_string(q->explanation));
		json_object_set_new(jq, "basis", json_string(q->basis));
		json_object_set_new(jq, "earned", json_integer(0)); /* set from the answer below */
	}
	json_array_append_new(v->questions, jq);
	pos_cb(&v->pos, q);
}

static void view_a_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	struct view *v = ctx;
	char disp[16], k[16];
	if (position < 1 || position > v->pos.n || v->pos.v[position].type < 0)
		return;
	paper_to_displayed(v->pos.v[position].perm, response, disp, sizeof disp);
	snprintf(k, sizeof k, "%d", position);
	json_object_set_new(v->answers, k, json_string(disp));
	if (v->review && earned2 > 0) { /* questions are in position order, 1-based */
		json_t *q = json_array_get(v->questions, (size_t)position - 1);
		if (q && json_integer_value(json_object_get(q, "position")) == position)
			json_object_set_new(q, "earned", score_json(earned2));
	}
}

static int attempt_view(struct store *db, const struct attempt_row *a, const struct exam_row *x, int review,
			int64_t now_ms, json_t **out, struct lx_err *e)
{
	struct view v = {.questions = json_array(), .answers = json_object(), .review = review};
	char t[48];
	int rc = store_aq_list(db, a->id, view_q_cb, &v, e);
	if (rc == LX_OK)
		rc = store_answers(db, a->id, view_a_cb, &v, e);
	if (rc) {
		json_decref(v.questions);
		json_decref(v.answers);
		free(v.pos.v);
		return rc;
	}
	*out = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:s,s:i,s:o,s:o}", "id", (json_int_t)a->id, "exam_code", x->code,
			 "exam_title", x->title, "status", attempt_status_name(a->status), "started_at", time_json(a->started_at),
			 "deadline", time_json(a->deadline), "server_time", rfc3339_format_ms(now_ms, t, sizeof t),
			 "duration_minutes", x->duration_s / 60, "questions", v.questions, "answers", v.answers);
	if (a->status == AST_SUBMITTED) {
		json_object_set_new(*out, "submitted_at", time_json(a->submitted_at));
		json_object_set_new(*out, "result", exam_results_visible(x, now_ms / 1000) ? result_json(a) : json_null());
	} else {
		json_object_set_new(*out, "result", json_null());
	}
	json_object_set_new(*out, "review_available", json_boolean(exam_review_allowed(x, a, now_ms / 1000)));
	free(v.pos.v);
	return LX_OK;
}

int exam_attempt_json(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now_ms, json_t **out,
		      struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	int rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK)
		rc = attempt_view(db, &a, &x, 0, now_ms, out, e);
	exam_row_free(&x);
	return rc;
}

int exam_review_json(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now, json_t **out,
		     struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	int rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK && !exam_review_allowed(&x, &a, now))
		rc = err_tag(e, LX_ERR_DENIED, "review_not_available", "本次考试暂不允许查看答案与解析");
	if (rc == LX_OK)
		rc = attempt_view(db, &a, &x, 1, now * 1000, out, e);
	exam_row_free(&x);
	return rc;
}

int exam_submit_json(struct store *db, int64_t attempt_id, json_t **out, struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	int64_t now = clock_now();
	int rc = store_attempt_get(db, attempt_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK)
		*out = json_pack("{s:s,s:o,s:o}", "status", attempt_status_name(a.status), "submitted_at", time_json(a.submitted_at),
				 "result", exam_results_visible(&x, now) && a.passed >= 0 ? result_json(&a) : json_null());
	exam_row_free(&x);
	return rc;
}

struct list_ctx {
	struct store *db;
	const struct user *u;
	int64_t now;
	int grace;
	json_t *arr;
	int rc;
	struct lx_err *e;
};

static void list_cb(void *ctx, const char *code)
{
	struct list_ctx *l = ctx;
	struct exam_row x = {0};
	struct attempts_sum s = {0};
	int assigned = 0, retakes = 0;
	const char *status;
	json_t *item;

	if (l->rc || store_exam_by_code(l->db, code, &x, l->e) != LX_OK)
		goto out;
	if (store_exam_assigned(l->db, x.id, l->u->id, &assigned, l->e) != LX_OK || !assigned)
		goto out;
	store_attempts_of(l->db, x.id, l->u->id, sum_cb, &s, l->e);
	store_retakes(l->db, x.id, l->u->id, &retakes, l->e);
	if (s.in_progress_id && l->now <= s.in_progress.deadline + l->grace)
		status = "in_progress";
	else if (l->now < x.opens_at)
		status = "upcoming";
	else if (s.has_best && (s.total >= x.max_attempts + retakes || l->now >= x.closes_at))
		status = "submitted";
	else if (l->now >= x.closes_at)
		status = "closed";
	else
		status = "open";
	item = json_pack("{s:s,s:s,s:o,s:o,s:i,s:s,s:i,s:i}", "code", x.code, "title", x.title, "opens_at",
			 time_json(x.opens_at), "closes_at", time_json(x.closes_at), "duration_minutes",
			 x.duration_s / 60, "status", status, "attempts_used", s.total, "attempts_allowed",
			 x.max_attempts + retakes);
	json_object_set_new(item, "attempt_id", s.has_last ? json_integer(s.in_progress_id ? s.in_progress_id : s.last.id)
							   : json_null());
	json_object_set_new(item, "result", s.has_best && exam_results_visible(&x, l->now) ? result_json(&s.best) : json_null());
	json_array_append_new(l->arr, item);
out:
	exam_row_free(&x);
}

int exam_list_json(struct store *db, const struct user *u, int64_t now, int grace, json_t **out, struct lx_err *e)
{
	struct list_ctx l = {db, u, now, grace, json_array(), 0, e};
	int rc = store_exam_codes(db, list_cb, &l, e);
	if (rc) {
		json_decref(l.arr);
		return rc;
	}
	*out = json_pack("{s:o}", "exams", l.arr);
	return LX_OK;
}

int exam_monitor_json(struct store *db, const char *exam_code, int64_t now, json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	int64_t assigned = 0, not_started = 0, in_progress = 0, submitted = 0;
	char t[40];
	int rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = store_exam_monitor(db, x.id, &assigned, &not_started, &in_progress, &submitted, e);
	if (rc == LX_OK)
		*out = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:s}", "exam", x.code, "title", x.title, "assigned",
				 (json_int_t)assigned, "not_started", (json_int_t)not_started, "in_progress",
				 (json_int_t)in_progress, "submitted", (json_int_t)submitted, "server_time",
				 rfc3339_format(now, t, sizeof t));
	exam_row_free(&x);
	return rc;
}

struct alist {
	struct store *db;
	json_t *arr;
};

static void alist_cb(void *ctx, const char *code)
{
	struct alist *l = ctx;
	struct exam_row x = {0};
	if (store_exam_by_code(l->db, code, &x, NULL) != LX_OK)
		return;
	json_array_append_new(l->arr, json_pack("{s:s,s:s,s:o,s:o,s:i,s:i,s:i,s:s,s:s,s:s}", "code", x.code, "title",
						x.title, "opens_at", time_json(x.opens_at), "closes_at",
						time_json(x.closes_at), "duration_minutes", x.duration_s / 60,
						"pass_percent", x.pass_percent, "max_attempts", x.max_attempts,
						"multiple_scoring", x.scoring, "results", x.results, "review", x.review));
	exam_row_free(&x);
}

int exam_admin_list_json(struct store *db, json_t **out, struct lx_err *e)
{
	struct alist l = {db, json_array()};
	int rc = store_exam_codes(db, alist_cb, &l, e);
	if (rc) {
		json_decref(l.arr);
		return rc;
	}
	*out = json_pack("{s:o}", "exams", l.arr);
	return LX_OK;
}

int exam_show_json(struct store *db, const char *exam_code, int64_t now, json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	json_t *mon = NULL, *def;
	int rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = exam_monitor_json(db, exam_code, now, &mon, e);
	if (rc == LX_OK) {
		def = json_loads(x.definition, 0, NULL);
		*out = json_pack("{s:o,s:o}", "definition", def ? def : json_null(), "counts", mon);
	}
	exam_row_free(&x);
	return rc;
}
