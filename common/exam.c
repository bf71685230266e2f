/* exam.c — attempts, saves, grading and the exam views (see exam.h). Pure rules live in
 * paper.c (drawing) and grade.c (scoring); this file ties them to the store, and keeps the
 * per-connection start cache (parsed definitions and candidate lists; see "the start cache"). */
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

#define MAX_POSITIONS 2000

/* --- small helpers -------------------------------------------------------------- */

static enum scoring scoring_of(const struct exam_row *x)
{
	return strcmp(x->scoring, "partial") == 0 ? SCORING_PARTIAL : SCORING_ALL_OR_NOTHING;
}

static int results_visible(const struct exam_row *x, int64_t now)
{
	if (strcmp(x->results, "immediate") == 0)
		return 1;
	if (strcmp(x->results, "after_close") == 0)
		return now >= x->closes_at;
	return 0;
}

static int review_allowed(const struct exam_row *x, const struct attempt_row *a, int64_t now)
{
	if (strcmp(a->status, "submitted") != 0)
		return 0;
	if (strcmp(x->review, "immediate") == 0)
		return 1;
	if (strcmp(x->review, "after_close") == 0)
		return now >= x->closes_at;
	return 0;
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

static enum q_type type_of(const char *s)
{
	enum q_type t = QT_SINGLE;
	qtype_parse(s, &t);
	return t;
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
	if (strcmp(a->status, "in_progress") == 0) {
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
			char perm[BANK_MAX_OPTIONS + 1] = "";
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

/* Loads an attempt and checks ownership: another person's attempt is "not found". */
static int own_attempt(struct store *db, int64_t attempt_id, int64_t user_id, struct attempt_row *a,
		       struct lx_err *e)
{
	int rc = store_attempt_get(db, attempt_id, a, e);
	if (rc == LX_OK && user_id && a->user_id != user_id)
		rc = err_set(e, LX_ERR_NOTFOUND, "答卷不存在");
	return rc;
}

/* --- saving --------------------------------------------------------------------- */

struct pos_info {
	int type;      /* enum q_type, -1 = no such position */
	char perm[BANK_MAX_OPTIONS + 1];
};

struct pos_table {
	struct pos_info *v;
	int n;         /* positions 1..n */
	int cap;       /* entries allocated in v */
};

/* Records position's type and perm in t (t->v grows; the caller frees it). */
static void pos_put(struct pos_table *t, int position, enum q_type type, const char *perm)
{
	if (position < 1 || position > MAX_POSITIONS)
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

static void pos_cb(void *ctx, const struct aq_row *q)
{
	pos_put(ctx, q->position, type_of(q->type), q->perm);
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
	rc = own_attempt(db, attempt_id, user_id, &a, e);
	if (rc)
		goto out;
	*deadline = a.deadline;
	if (strcmp(a.status, "in_progress") != 0 || now > a.deadline + grace) {
		rc = err_tag(e, LX_ERR_CONFLICT, "attempt_closed", "答题时间已结束，答卷已提交");
		goto out;
	}
	/* Check the whole batch first (one point lookup per answer), then store it. */
	orig = lx_calloc(n ? n : 1, sizeof *orig);
	for (size_t i = 0; i < n; i++) {
		struct pos_info p;
		char type[16];
		int pos = items[i].position;
		rc = pos >= 1 && pos <= MAX_POSITIONS
			     ? store_aq_get(db, attempt_id, pos, type, sizeof type, p.perm, sizeof p.perm, e)
			     : LX_ERR_NOTFOUND;
		if (rc == LX_ERR_NOTFOUND) {
			rc = err_tag(e, LX_ERR_INVALID, "bad_response", "第 %d 题不存在", pos);
			goto out;
		}
		if (rc)
			goto out;
		p.type = type_of(type);
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
	if (position < 1 || position > MAX_POSITIONS)
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
	char key[BANK_MAX_OPTIONS + 1];
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
	l->v[l->n].type = type_of(q->type);
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
	int rc = own_attempt(db, attempt_id, user_id, &a, e);
	if (rc || strcmp(a.status, "submitted") == 0)
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
			 "exam_title", x->title, "status", a->status, "started_at", time_json(a->started_at),
			 "deadline", time_json(a->deadline), "server_time", rfc3339_format_ms(now_ms, t, sizeof t),
			 "duration_minutes", x->duration_s / 60, "questions", v.questions, "answers", v.answers);
	if (strcmp(a->status, "submitted") == 0) {
		json_object_set_new(*out, "submitted_at", time_json(a->submitted_at));
		json_object_set_new(*out, "result", results_visible(x, now_ms / 1000) ? result_json(a) : json_null());
	} else {
		json_object_set_new(*out, "result", json_null());
	}
	json_object_set_new(*out, "review_available", json_boolean(review_allowed(x, a, now_ms / 1000)));
	free(v.pos.v);
	return LX_OK;
}

int exam_attempt_json(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now_ms, json_t **out,
		      struct lx_err *e)
{
	struct attempt_row a;
	struct exam_row x = {0};
	int rc = own_attempt(db, attempt_id, user_id, &a, e);
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
	int rc = own_attempt(db, attempt_id, user_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK && !review_allowed(&x, &a, now))
		rc = err_tag(e, LX_ERR_DENIED, "review_not_available", "本次考试暂不允许查看答案与解析");
	if (rc == LX_OK)
		rc = attempt_view(db, &a, &x, 1, now * 1000, out, e);
	exam_row_free(&x);
	return rc;
}

/* --- the paper cache and the rendered Attempt JSON (docs/architecture.md) ----------
 * GET /attempts/{id} and a start's reply are the examinee's paper: up to thousands of
 * starts in a minute, each paper some 20 KB. Building it as a jansson tree (parse every
 * question's options, pack every question, dump the whole tree) cost 2.4 M instructions
 * per reply on the event loop. exam_attempt_render() writes the same JSON as bytes instead:
 * what belongs to a question version (its type, stem and every option text, each already
 * encoded as a JSON string by jansson) is encoded once and kept on the reading connection
 * (a store memo, STORE_MEMO_PAPER); per request only the attempt's own parts are written
 * (positions, sections, points, the permutation applied to the option fragments, answers,
 * status, times), with every string that is not plainly safe (see put_str) encoded by
 * jansson. exam_attempt_json() (the tree) stays as the reference the tests compare with.
 *
 * Never stale: every render first reads the content stamp (migration 3) and drops every
 * entry when it differs from the one the cache was filled under, exactly as the start
 * cache does. The program itself never changes a version's type, stem or options in place
 * (a re-import that changes only the key or metadata updates answer, explanation, basis,
 * difficulty and tags of the same version; any change of text makes a new version), but
 * raw SQL could, and the triggers see that too. Bounded: PAPER_CACHE_ENTRIES versions and
 * PAPER_CACHE_BYTES bytes per connection, least recently used evicted first. */

#define PAPER_CACHE_ENTRIES 8192
#define PAPER_CACHE_BYTES ((size_t)16 << 20)
#define PAPER_CACHE_BUCKETS 4096             /* a power of two */
#define PAPER_MAX_BYTES ((size_t)64 << 20)   /* one rendered paper */
#define PAPER_SECTIONS 16                    /* section titles kept encoded */

/* One question version's fragments. Piece 0 is the members that follow "section" in a
 * question, ',"type":T,"stem":S,"options":[' with T and S encoded by jansson; piece 1 + i is
 * the i-th stored option (original order) as a JSON string, "" when it is not a string. */
struct pc_entry {
	int64_t vid;
	struct pc_entry *hnext;       /* bucket chain */
	struct pc_entry *prev, *next; /* LRU list, most recently used first */
	size_t bytes;                 /* counted against the cache's cap */
	enum q_type type;
	int judge;                    /* type "judge": options fixed, perm unused (as options_json) */
	int bad;                      /* type or stem is not UTF-8: the tree drops such a question */
	size_t n_opts;
	const char *frag;             /* points into this allocation, after off[] */
	size_t off[];                 /* piece k is frag[off[k] .. off[k + 1]), k ≤ n_opts */
};

/* A section title and its JSON encoding (enc NULL: jansson refused it, not UTF-8). What an
 * encoding is never depends on the database, so these are kept across stamp changes. */
struct pc_section {
	char *raw, *enc;
	size_t len;
};

struct paper_cache {
	struct content_gen gen;
	int has_gen;
	struct pc_section sec[PAPER_SECTIONS];
	size_t sec_next;              /* the slot replaced next (round robin) */
	struct pc_entry *bucket[PAPER_CACHE_BUCKETS];
	struct pc_entry *head, *tail;
	size_t n, bytes;
	size_t max_entries, max_bytes;
	uint64_t fills, hits, clears;
};

static size_t pc_hash(int64_t vid)
{
	return (size_t)(((uint64_t)vid * UINT64_C(0x9E3779B97F4A7C15)) >> 40) & (PAPER_CACHE_BUCKETS - 1);
}

static void pc_unlink(struct paper_cache *pc, struct pc_entry *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		pc->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else
		pc->tail = x->prev;
	x->prev = x->next = NULL;
}

static void pc_push_front(struct paper_cache *pc, struct pc_entry *x)
{
	x->prev = NULL;
	x->next = pc->head;
	if (pc->head)
		pc->head->prev = x;
	pc->head = x;
	if (!pc->tail)
		pc->tail = x;
}

/* Removes x from the cache and frees it. */
static void pc_evict(struct paper_cache *pc, struct pc_entry *x)
{
	struct pc_entry **pp = &pc->bucket[pc_hash(x->vid)];
	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
	pc_unlink(pc, x);
	pc->n--;
	pc->bytes -= x->bytes;
	free(x);
}

static void pc_clear(struct paper_cache *pc)
{
	struct pc_entry *x = pc->head, *next;
	for (; x; x = next) {
		next = x->next;
		free(x);
	}
	memset(pc->bucket, 0, sizeof pc->bucket);
	pc->head = pc->tail = NULL;
	pc->n = pc->bytes = 0;
	pc->clears++;
}

static void pc_free(void *p)
{
	struct paper_cache *pc = p;
	if (!pc)
		return;
	pc_clear(pc);
	for (size_t i = 0; i < PAPER_SECTIONS; i++) {
		free(pc->sec[i].raw);
		free(pc->sec[i].enc);
	}
	free(pc);
}

static void pc_trim(struct paper_cache *pc, const struct pc_entry *keep)
{
	while ((pc->n > pc->max_entries || pc->bytes > pc->max_bytes) && pc->tail && pc->tail != keep)
		pc_evict(pc, pc->tail);
}

/* The paper cache of db, created on first use (the connection owns it). */
static struct paper_cache *pc_of(struct store *db)
{
	struct paper_cache *pc = store_memo(db, STORE_MEMO_PAPER);
	if (!pc) {
		pc = lx_calloc(1, sizeof *pc);
		pc->max_entries = PAPER_CACHE_ENTRIES;
		pc->max_bytes = PAPER_CACHE_BYTES;
		store_memo_set(db, STORE_MEMO_PAPER, pc, pc_free);
	}
	return pc;
}

/* Reads the content stamp and drops every entry if it is not the one the cache holds. Done
 * before anything the render reads, so an entry is never older than the stamp it sits under. */
static int pc_check(struct store *db, struct paper_cache **out, struct lx_err *e)
{
	struct paper_cache *pc = pc_of(db);
	struct content_gen g;
	int rc = store_content_gen(db, &g, e);
	if (rc)
		return rc;
	if (!pc->has_gen || pc->gen.n != g.n || pc->gen.nonce != g.nonce) {
		pc_clear(pc);
		pc->gen = g;
		pc->has_gen = 1;
	}
	*out = pc;
	return LX_OK;
}

/* Appends v encoded by jansson (a JSON string); "" when v is NULL or jansson refuses it (not
 * UTF-8), and then sets *bad if given. */
static void pc_enc(struct buf *b, json_t *v, int *bad)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	if (s)
		buf_adds(b, s);
	else
		buf_adds(b, "\"\"");
	if (!s && bad)
		*bad = 1;
	free(s);
}

struct pc_fill {
	struct pc_entry *x; /* the new entry; caller owns it */
};

static void pc_fill_cb(void *ctx, const char *type, const char *stem, const char *options_json)
{
	struct pc_fill *f = ctx;
	struct buf b;
	json_t *opts = NULL, *t, *st;
	size_t n = 0, k = 0, *off;
	int judge = strcmp(type, "judge") == 0, bad = 0;
	struct pc_entry *x;

	if (!judge) {
		opts = json_loads(options_json, 0, NULL);
		n = json_is_array(opts) ? json_array_size(opts) : 0;
	}
	off = lx_calloc(n + 2, sizeof *off);
	buf_init(&b, 0);
	t = json_string(type);
	st = json_string(stem);
	buf_adds(&b, ",\"type\":");
	pc_enc(&b, t, &bad);
	buf_adds(&b, ",\"stem\":");
	pc_enc(&b, st, &bad);
	buf_adds(&b, ",\"options\":[");
	json_decref(t);
	json_decref(st);
	off[++k] = b.len;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(opts, i);
		pc_enc(&b, json_is_string(o) ? o : NULL, NULL); /* a non-string reads "" */
		off[++k] = b.len;
	}
	json_decref(opts);

	x = lx_malloc(sizeof *x + (n + 2) * sizeof x->off[0] + b.len + 1);
	memset(x, 0, sizeof *x);
	x->type = type_of(type);
	x->judge = judge;
	x->bad = bad;
	x->n_opts = n;
	memcpy(x->off, off, (n + 2) * sizeof *off);
	x->frag = (const char *)&x->off[n + 2];
	memcpy((char *)&x->off[n + 2], buf_str(&b), b.len + 1);
	x->bytes = sizeof *x + (n + 2) * sizeof x->off[0] + b.len + 1;
	buf_free(&b);
	free(off);
	f->x = x;
}

/* The entry of version vid, filled from the store when missing; it belongs to the cache and
 * stays valid until the next pc_get or pc_check on the same cache. LX_ERR_NOTFOUND if the
 * version does not exist. */
static int pc_get(struct store *db, struct paper_cache *pc, int64_t vid, const struct pc_entry **out,
		  struct lx_err *e)
{
	size_t h = pc_hash(vid);
	struct pc_entry *x = pc->bucket[h];
	struct pc_fill f = {0};
	int rc;
	while (x && x->vid != vid)
		x = x->hnext;
	if (x) {
		if (x != pc->head) {
			pc_unlink(pc, x);
			pc_push_front(pc, x);
		}
		pc->hits++;
		*out = x;
		return LX_OK;
	}
	rc = store_version_text(db, vid, pc_fill_cb, &f, e);
	if (rc) {
		free(f.x);
		return rc;
	}
	x = f.x;
	x->vid = vid;
	x->hnext = pc->bucket[h];
	pc->bucket[h] = x;
	pc_push_front(pc, x);
	pc->n++;
	pc->bytes += x->bytes;
	pc->fills++;
	pc_trim(pc, x);
	*out = x;
	return LX_OK;
}

/* The encoding of section title raw; it belongs to the cache and stays valid until the next
 * pc_section call. */
static const struct pc_section *pc_section(struct paper_cache *pc, const char *raw)
{
	struct pc_section *s;
	json_t *v;
	for (size_t i = 0; i < PAPER_SECTIONS; i++)
		if (pc->sec[i].raw && strcmp(pc->sec[i].raw, raw) == 0)
			return &pc->sec[i];
	s = &pc->sec[pc->sec_next];
	pc->sec_next = (pc->sec_next + 1) % PAPER_SECTIONS;
	free(s->raw);
	free(s->enc);
	v = json_string(raw);
	s->raw = lx_strdup(raw);
	s->enc = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	s->len = s->enc ? strlen(s->enc) : 0;
	json_decref(v);
	return s;
}

void exam_paper_cache_stats(struct store *db, struct exam_paper_cache_stats *out)
{
	struct paper_cache *pc = store_memo(db, STORE_MEMO_PAPER);
	memset(out, 0, sizeof *out);
	if (!pc)
		return;
	out->entries = pc->n;
	out->bytes = pc->bytes;
	out->fills = pc->fills;
	out->hits = pc->hits;
	out->clears = pc->clears;
}

void exam_paper_cache_limit(struct store *db, size_t max_entries, size_t max_bytes)
{
	struct paper_cache *pc = pc_of(db);
	pc->max_entries = max_entries ? max_entries : PAPER_CACHE_ENTRIES;
	pc->max_bytes = max_bytes ? max_bytes : PAPER_CACHE_BYTES;
	pc_trim(pc, NULL);
}

/* --- writing the bytes ---------------------------------------------------------- */

struct render {
	struct store *db;
	struct paper_cache *pc;
	struct buf b;
	struct pos_table pos;  /* perms by position, for the answers */
	int first;             /* nothing written yet into the current array or object */
	int rc;
	struct lx_err *e;
};

/* Every write goes through w_add: the first failure (the size cap) sticks in r->rc and
 * later writes do nothing. */
static void w_add(struct render *r, const char *p, size_t n)
{
	if (r->rc == LX_OK && buf_add(&r->b, p, n) != LX_OK)
		r->rc = err_set(r->e, LX_ERR_INTERNAL, "attempt JSON longer than %zu bytes", (size_t)PAPER_MAX_BYTES);
}

#define W_LIT(r, lit) w_add((r), (lit), sizeof(lit) - 1)

static int safe_byte(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == ':' || c == '.' || c == '+' || c == ' ';
}

/* Writes s as a JSON string. Text made only of letters, digits and " +-.:_" (keys, codes,
 * statuses, RFC 3339 times) needs no escaping and is written between quotes as it is;
 * anything else is encoded by jansson. LX_ERR_INVALID, with nothing written, when jansson
 * refuses s (not UTF-8: json_string() would have failed in the tree too). */
static int put_str(struct render *r, const char *s)
{
	const char *p = s;
	json_t *v;
	char *enc;
	while (*p && safe_byte((unsigned char)*p))
		p++;
	if (!*p) {
		W_LIT(r, "\"");
		w_add(r, s, (size_t)(p - s));
		W_LIT(r, "\"");
		return LX_OK;
	}
	v = json_string(s);
	enc = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	json_decref(v);
	if (!enc)
		return LX_ERR_INVALID;
	w_add(r, enc, strlen(enc));
	free(enc);
	return LX_OK;
}

static void w_piece(struct render *r, const struct pc_entry *x, size_t k)
{
	w_add(r, x->frag + x->off[k], x->off[k + 1] - x->off[k]);
}

/* Cuts what was written since mark (a member the tree would have left out). */
static void w_undo(struct render *r, size_t mark)
{
	if (r->rc == LX_OK && r->b.len > mark) {
		r->b.len = mark;
		r->b.data[mark] = '\0';
	}
}

/* Formats v in decimal at p (room for 21 bytes); returns the length. */
static size_t fmt_int(char *p, long long v)
{
	char tmp[24], *q = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n;
	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	n = (size_t)(tmp + sizeof tmp - q);
	memcpy(p, q, n);
	return n;
}

/* A score in halves as score_json() makes it: an integer, or a real ending in .5 (room for
 * 24 bytes at p); returns the length. */
static size_t fmt_score(char *p, long score2)
{
	size_t n;
	if (score2 % 2 == 0)
		return fmt_int(p, score2 / 2);
	n = 0;
	if (score2 < 0)
		p[n++] = '-';
	n += fmt_int(p + n, (score2 < 0 ? -(long long)score2 : (long long)score2) / 2);
	memcpy(p + n, ".5", 2);
	return n + 2;
}

static void w_int(struct render *r, long long v)
{
	char tmp[24];
	w_add(r, tmp, fmt_int(tmp, v));
}

static void w_score(struct render *r, long score2)
{
	char tmp[32];
	w_add(r, tmp, fmt_score(tmp, score2));
}

/* One question, as view_q_cb() and options_json() make it (not in review). */
static void render_q_cb(void *ctx, const struct aq_slot *q)
{
	struct render *r = ctx;
	const struct pc_entry *x = NULL;
	const struct pc_section *sec;
	size_t n;
	char tmp[64];
	int rc, first = 1;

	if (r->rc)
		return;
	rc = pc_get(r->db, r->pc, q->version_id, &x, r->e);
	if (rc == LX_ERR_NOTFOUND)
		return; /* no such version: the tree's join had no row either */
	if (rc) {
		r->rc = rc;
		return;
	}
	sec = pc_section(r->pc, q->section_title);
	pos_put(&r->pos, q->position, x->type, q->perm);
	if (x->bad || !sec->enc)
		return; /* json_pack would have failed: the tree leaves the question out */
	n = 0;
	if (!r->first)
		tmp[n++] = ',';
	memcpy(tmp + n, "{\"position\":", 12);
	n += 12;
	n += fmt_int(tmp + n, q->position);
	memcpy(tmp + n, ",\"section\":", 11);
	n += 11;
	w_add(r, tmp, n);
	w_add(r, sec->enc, sec->len);
	w_piece(r, x, 0); /* ,"type":…,"stem":…,"options":[ */
	if (x->judge) {
		W_LIT(r, "{\"key\":\"T\",\"text\":\"正确\"},{\"key\":\"F\",\"text\":\"错误\"}");
	} else {
		/* Each option's closing brace is written with what follows it (the next option's
		 * opening, or the end of the array): while first is 0 the last option is open. */
		for (size_t i = 0; q->perm[i]; i++) {
			unsigned char c = (unsigned char)q->perm[i];
			size_t omark = r->b.len;
			if (i < 26) { /* the key is a capital letter: nothing to escape */
				static const char pre[] = "},{\"key\":\"A\",\"text\":";
				memcpy(tmp, pre, sizeof pre - 1);
				tmp[10] = (char)('A' + i);
				w_add(r, first ? tmp + 2 : tmp, first ? sizeof pre - 3 : sizeof pre - 1);
			} else {
				char key[2] = {(char)('A' + i), 0};
				if (!first)
					W_LIT(r, "},");
				W_LIT(r, "{\"key\":");
				if (put_str(r, key) != LX_OK) {
					w_undo(r, omark); /* json_pack refused the key: no option */
					continue;
				}
				W_LIT(r, ",\"text\":");
			}
			if (c >= 'A' && c < 0x80 && (size_t)(c - 'A') < x->n_opts) /* else json_array_get: NULL */
				w_piece(r, x, 1 + (size_t)(c - 'A'));
			else
				W_LIT(r, "\"\"");
			first = 0;
		}
	}
	n = 0;
	if (!first)
		tmp[n++] = '}';
	memcpy(tmp + n, "],\"points\":", 11);
	n += 11;
	n += fmt_score(tmp + n, q->points2);
	tmp[n++] = '}';
	w_add(r, tmp, n);
	if (r->rc == LX_OK)
		r->first = 0;
}

/* One saved answer, as view_a_cb() shows it: in displayed keys, for positions on the paper. */
static void render_a_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	struct render *r = ctx;
	char disp[16];
	size_t mark = r->b.len;
	if (r->rc || position < 1 || position > r->pos.n || r->pos.v[position].type < 0)
		return;
	paper_to_displayed(r->pos.v[position].perm, response, disp, sizeof disp);
	if (!r->first)
		W_LIT(r, ",");
	W_LIT(r, "\"");
	w_int(r, position);
	W_LIT(r, "\":");
	if (put_str(r, disp) != LX_OK) {
		w_undo(r, mark);
		return;
	}
	r->first = 0;
}

static void w_member_str(struct render *r, const char *lit_key, size_t key_len, const char *s)
{
	w_add(r, lit_key, key_len);
	if (put_str(r, s) != LX_OK && r->rc == LX_OK)
		r->rc = err_set(r->e, LX_ERR_INTERNAL, "attempt JSON: a string is not UTF-8");
}

#define W_MEMBER_STR(r, lit, s) w_member_str((r), (lit), sizeof(lit) - 1, (s))

int exam_attempt_render(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now_ms, char **out,
			size_t *len, struct lx_err *e)
{
	struct render r = {.db = db, .e = e};
	struct attempt_row a;
	struct exam_row x = {0};
	char t[48];
	int rc;

	*out = NULL;
	*len = 0;
	buf_init(&r.b, PAPER_MAX_BYTES);
	rc = pc_check(db, &r.pc, e); /* first: the stamp before anything it covers */
	if (rc == LX_OK)
		rc = own_attempt(db, attempt_id, user_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc)
		goto out;
	W_LIT(&r, "{\"id\":");
	w_int(&r, a.id);
	W_MEMBER_STR(&r, ",\"exam_code\":", x.code);
	W_MEMBER_STR(&r, ",\"exam_title\":", x.title);
	W_MEMBER_STR(&r, ",\"status\":", a.status);
	W_MEMBER_STR(&r, ",\"started_at\":", rfc3339_format(a.started_at, t, sizeof t));
	W_MEMBER_STR(&r, ",\"deadline\":", rfc3339_format(a.deadline, t, sizeof t));
	W_MEMBER_STR(&r, ",\"server_time\":", rfc3339_format_ms(now_ms, t, sizeof t));
	W_LIT(&r, ",\"duration_minutes\":");
	w_int(&r, x.duration_s / 60);
	W_LIT(&r, ",\"questions\":[");
	r.first = 1;
	rc = store_aq_slots(db, a.id, render_q_cb, &r, e);
	if (rc == LX_OK && r.rc == LX_OK) {
		W_LIT(&r, "],\"answers\":{");
		r.first = 1;
		rc = store_answers(db, a.id, render_a_cb, &r, e);
	}
	if (rc == LX_OK)
		rc = r.rc;
	if (rc)
		goto out;
	W_LIT(&r, "}");
	if (strcmp(a.status, "submitted") == 0) {
		W_MEMBER_STR(&r, ",\"submitted_at\":", rfc3339_format(a.submitted_at, t, sizeof t));
		if (results_visible(&x, now_ms / 1000)) {
			W_LIT(&r, ",\"result\":{\"score\":");
			w_score(&r, a.score2);
			W_LIT(&r, ",\"max_score\":");
			w_score(&r, a.max_score2);
			if (a.passed == 1)
				W_LIT(&r, ",\"passed\":true}");
			else
				W_LIT(&r, ",\"passed\":false}");
		} else {
			W_LIT(&r, ",\"result\":null");
		}
	} else {
		W_LIT(&r, ",\"result\":null");
	}
	if (review_allowed(&x, &a, now_ms / 1000))
		W_LIT(&r, ",\"review_available\":true}");
	else
		W_LIT(&r, ",\"review_available\":false}");
	rc = r.rc;
	if (rc == LX_OK) {
		*len = r.b.len;
		*out = buf_detach(&r.b);
	}
out:
	buf_free(&r.b);
	free(r.pos.v);
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
		*out = json_pack("{s:s,s:o,s:o}", "status", a.status, "submitted_at", time_json(a.submitted_at),
				 "result", results_visible(&x, now) && a.passed >= 0 ? result_json(&a) : json_null());
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
	json_object_set_new(item, "result", s.has_best && results_visible(&x, l->now) ? result_json(&s.best) : json_null());
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
