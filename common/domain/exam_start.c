/* exam_start.c — starting or resuming an attempt (SPEC §5.1–5.3): the draw from a CSPRNG
 * seed and, on the writer connection, the start cache of parsed definitions and candidate
 * lists, never stale (docs/architecture.md, "The start cache"). The reply is built by the
 * views after the commit, not here. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "clock.h"
#include "mem.h"
#include "paper.h"
#include "store.h"
#include "store_exams.h"
#include "token.h"

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
		rc = exam_load_def(&x, &c->def, e);
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
			rc = exam_candidates(db, &c->def.papers[p].sections[s], &c->secs[k], e);
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
	size_t total = 0, k = 0;
	struct aq_new *rows;
	for (size_t s = 0; s < paper->n_sections; s++)
		total += (size_t)paper->sections[s].count;
	rows = lx_calloc(total ? total : 1, sizeof *rows);
	for (size_t s = 0; s < paper->n_sections && rc == LX_OK; s++) {
		const struct exam_section *sec = &paper->sections[s];
		const struct cands *cs = &secs[s];
		struct paper_rng rng;
		size_t *pick;
		if (cs->n < (size_t)sec->count) {
			free(rows);
			return err_set(e, LX_ERR_CONFLICT, "section %s of %s cannot be filled (%zu of %d)", sec->title,
				       x->code, cs->n, sec->count);
		}
		paper_rng_init(&rng, a->seed, s);
		pick = lx_calloc((size_t)sec->count, sizeof *pick);
		paper_pick(&rng, cs->n, (size_t)sec->count, pick);
		for (int i = 0; i < sec->count; i++) {
			const struct cand *c = &cs->v[pick[i]];
			struct aq_new *r = &rows[k++];
			if (sec->type != QT_JUDGE)
				paper_perm(&rng, (size_t)c->n_options, r->perm);
			r->position = ++position;
			r->section_idx = (int)s;
			r->section_title = sec->title;
			r->version_id = c->id;
			r->points2 = sec->points2;
		}
		free(pick);
	}
	if (rc == LX_OK)
		rc = store_aq_insert_many(db, a->id, rows, k, e);
	free(rows);
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
		int exempt = 0;
		rc = store_exemption_get(db, x.id, u->id, &exempt, e);
		if (rc)
			goto out;
		if (exempt) {
			rc = err_tag(e, LX_ERR_DENIED, "exempt", "您已获准免考本次考试，无需参加");
			goto out;
		}
		rc = err_tag(e, LX_ERR_DENIED, "not_assigned", "您不在本次考试的参考范围内");
		goto out;
	}
	rc = store_attempts_of(db, x.id, u->id, exam_attempts_sum_cb, &sum, e);
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
	a.attempt_no = sum.max_no + 1; /* a voided attempt keeps its number */
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
