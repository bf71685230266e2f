/* study.c — practice, mistakes (错题本), reading time and study records (see study.h for the
 * rules). Practice shows a question's options in the bank's own order (no shuffling): the
 * letters in the 错题本 and in the feedback are then the bank's, the same everywhere. */
#include "study.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exam.h"
#include "lawlib.h"
#include "lx_limits.h"
#include "mem.h"
#include "model.h"
#include "paper.h"
#include "store_exams.h"
#include "store_study.h"
#include "token.h"

static const char *const mode_names[] = {"random", "sequential", "mistakes"};

int study_mode_parse(const char *s, enum practice_mode *out)
{
	for (int i = 0; s && i < 3; i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum practice_mode)i;
			return LX_OK;
		}
	return LX_ERR_INVALID;
}

const char *study_mode_name(enum practice_mode m) { return mode_names[m]; }

int study_law_code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '.' || *s == '-'))
			return 0;
	return 1;
}

int study_response_valid(const char *type, int n_options, const char *response)
{
	size_t n = response ? strlen(response) : 0;
	if (n == 0)
		return 0;
	if (strcmp(type, "judge") == 0)
		return strcmp(response, "T") == 0 || strcmp(response, "F") == 0;
	if (strcmp(type, "single") == 0 && n != 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (response[i] < 'A' || response[i] >= 'A' + n_options)
			return 0;
		if (i > 0 && response[i] <= response[i - 1])
			return 0; /* sorted and distinct, as in an exam */
	}
	return 1;
}

/* --- mistakes ------------------------------------------------------------------------- */

struct idv {
	int64_t *v;
	size_t n;
};

static void idv_cb(void *ctx, int64_t id)
{
	struct idv *l = ctx;
	l->v = lx_realloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = id;
}

struct wrong_ctx {
	struct store *db;
	int64_t user_id, now;
	int rc;
	struct lx_err *e;
};

static void wrong_cb(void *ctx, int64_t question_id, const char *response)
{
	struct wrong_ctx *w = ctx;
	if (w->rc == LX_OK)
		w->rc = store_mistake_wrong(w->db, w->user_id, question_id, response, w->now, w->e);
}

int study_mistakes_pending(struct store *db, int64_t user_id, int64_t now, int *pending, struct lx_err *e)
{
	struct idv ids = {0};
	int rc = store_mistake_pending(db, user_id, now, idv_cb, &ids, e);
	*pending = ids.n > 0;
	free(ids.v);
	return rc;
}

int study_mistakes_ingest(struct store *db, int64_t user_id, int64_t now, int *taken, struct lx_err *e)
{
	struct idv ids = {0};
	struct wrong_ctx w = {db, user_id, now, LX_OK, e};
	int rc = store_mistake_pending(db, user_id, now, idv_cb, &ids, e);
	for (size_t i = 0; rc == LX_OK && i < ids.n; i++) {
		rc = store_attempt_missed(db, ids.v[i], wrong_cb, &w, e);
		if (rc == LX_OK)
			rc = w.rc;
		if (rc == LX_OK)
			rc = store_mistake_attempt_done(db, ids.v[i], e);
	}
	if (taken)
		*taken = rc == LX_OK ? (int)ids.n : 0;
	free(ids.v);
	return rc;
}

static json_t *options_of(const char *type, const char *options_json)
{
	json_t *out = json_array(), *opts, *o;
	size_t i;
	if (strcmp(type, "judge") == 0) {
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", "T", "text", JUDGE_TRUE_ZH));
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", "F", "text", JUDGE_FALSE_ZH));
		return out;
	}
	opts = json_loads(options_json, 0, NULL);
	json_array_foreach(opts, i, o) {
		char key[2] = {(char)('A' + i), 0};
		if (i >= LX_MAX_OPTIONS)
			break;
		json_array_append_new(out, json_pack("{s:s,s:s}", "key", key, "text", json_is_string(o) ? json_string_value(o) : ""));
	}
	json_decref(opts);
	return out;
}

static int n_options(const char *type, const char *options_json)
{
	json_t *opts;
	int n;
	if (strcmp(type, "judge") == 0)
		return 2;
	opts = json_loads(options_json, 0, NULL);
	n = json_is_array(opts) ? (int)json_array_size(opts) : 0;
	json_decref(opts);
	return n > LX_MAX_OPTIONS ? LX_MAX_OPTIONS : n;
}

static void mistake_cb(void *ctx, const struct mistake_row *m)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:I,s:I}", "bank", m->bank, "question_id", m->qid,
					     "stem", m->stem, "type", m->type, "options", options_of(m->type, m->options_json),
					     "last_response", m->last_response, "wrong_count", (json_int_t)m->wrong_count,
					     "right_in_row", (json_int_t)m->streak));
}

int study_mistakes_json(struct store *db, int64_t user_id, json_t **out, struct lx_err *e)
{
	json_t *rows = json_array();
	int rc = store_mistakes(db, user_id, mistake_cb, rows, e);
	if (rc) {
		json_decref(rows);
		return rc;
	}
	*out = json_pack("{s:o}", "rows", rows);
	return LX_OK;
}

/* --- practice sets --------------------------------------------------------------------- */

struct pick {
	struct study_cand_own {
		int64_t question_id, version_id;
		int seen;
	} *v;
	size_t n;
	const char *tag;
};

static int has_tag(const char *tags_json, const char *tag)
{
	json_t *tags, *t;
	size_t i;
	int found = 0;
	if (!tag)
		return 1;
	tags = json_loads(tags_json, 0, NULL);
	json_array_foreach(tags, i, t) if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0) found = 1;
	json_decref(tags);
	return found;
}

static void pick_cb(void *ctx, const struct study_cand *c)
{
	struct pick *p = ctx;
	if (!has_tag(c->tags_json, p->tag))
		return;
	p->v = lx_realloc(p->v, (p->n + 1) * sizeof *p->v);
	p->v[p->n].question_id = c->question_id;
	p->v[p->n].version_id = c->version_id;
	p->v[p->n].seen = c->seen;
	p->n++;
}

int study_practice_create(struct store *db, int64_t user_id, const char *bank, int count, enum practice_mode mode,
			  const char *tag, int64_t now, int64_t *set_id, struct lx_err *e)
{
	struct pick p = {NULL, 0, tag && *tag ? tag : NULL};
	size_t *order = NULL, k = 0;
	int rc, exists = 0, busy = 0;

	if (count < 1 || count > LX_PRACTICE_COUNT_MAX)
		return err_tag(e, LX_ERR_INVALID, "bad_request", "题量应为 1 至 %d 之间的整数", LX_PRACTICE_COUNT_MAX);
	rc = store_bank_exists(db, bank, &exists, e);
	if (rc)
		goto out;
	if (!exists) {
		rc = err_set(e, LX_ERR_NOTFOUND, "题库不存在");
		goto out;
	}
	rc = store_exam_in_progress(db, user_id, &busy, e);
	if (rc)
		goto out;
	if (busy) {
		rc = err_tag(e, LX_ERR_CONFLICT, "exam_in_progress", "您有正在进行的考试，交卷后才能练习");
		goto out;
	}
	rc = study_mistakes_ingest(db, user_id, now, NULL, e);
	if (rc)
		goto out;
	rc = mode == PRACTICE_MISTAKES ? store_practice_mistake_candidates(db, bank, user_id, pick_cb, &p, e)
				       : store_practice_candidates(db, bank, user_id, pick_cb, &p, e);
	if (rc)
		goto out;
	if (p.n == 0) {
		rc = err_tag(e, LX_ERR_CONFLICT, "no_questions",
			     mode == PRACTICE_MISTAKES ? "错题本中没有这个题库的错题" : "这个题库没有可练习的题目");
		goto out;
	}
	k = (size_t)count < p.n ? (size_t)count : p.n;
	order = lx_calloc(p.n, sizeof *order);
	if (mode == PRACTICE_RANDOM) {
		uint8_t seed[PAPER_SEED_LEN];
		struct paper_rng rng;
		if (tok_random_bytes(seed, sizeof seed) != LX_OK) {
			rc = err_set(e, LX_ERR_INTERNAL, "no randomness");
			goto out;
		}
		paper_rng_init(&rng, seed, 0);
		paper_pick(&rng, p.n, k, order);
	} else if (mode == PRACTICE_SEQUENTIAL) { /* bank order: never practised first, then the rest */
		size_t j = 0;
		for (size_t i = 0; i < p.n && j < k; i++)
			if (!p.v[i].seen)
				order[j++] = i;
		for (size_t i = 0; i < p.n && j < k; i++)
			if (p.v[i].seen)
				order[j++] = i;
	} else {
		for (size_t i = 0; i < k; i++)
			order[i] = i;
	}
	rc = store_practice_set_insert(db, user_id, bank, study_mode_name(mode), now, set_id, e);
	for (size_t i = 0; rc == LX_OK && i < k; i++)
		rc = store_practice_item_insert(db, *set_id, (int)i + 1, p.v[order[i]].question_id,
						p.v[order[i]].version_id, e);
out:
	free(order);
	free(p.v);
	return rc;
}

struct items_ctx {
	int64_t user_id;
	int64_t owner;
	json_t *questions;
	const char *bank;
	char bank_buf[64];
	/* the one item of an answer */
	int64_t question_id;
	char type[16], response[16], answer[16];
	int has_response, correct, n_options;
	char *explanation, *basis;
};

static void list_cb(void *ctx, const struct practice_item *it)
{
	struct items_ctx *x = ctx;
	x->owner = it->user_id;
	snprintf(x->bank_buf, sizeof x->bank_buf, "%s", it->bank);
	json_array_append_new(x->questions, json_pack("{s:i,s:s,s:s,s:s,s:o}", "position", it->position, "question_id",
						      it->qid, "type", it->type, "stem", it->stem, "options",
						      options_of(it->type, it->options_json)));
}

int study_practice_json(struct store *db, int64_t set_id, int64_t user_id, json_t **out, struct lx_err *e)
{
	struct items_ctx x = {0};
	int rc;
	x.questions = json_array();
	rc = store_practice_items(db, set_id, 0, list_cb, &x, e);
	if (rc == LX_OK && x.owner != user_id)
		rc = err_set(e, LX_ERR_NOTFOUND, "练习不存在");
	if (rc) {
		json_decref(x.questions);
		return rc;
	}
	*out = json_pack("{s:I,s:s,s:o}", "id", (json_int_t)set_id, "bank", x.bank_buf, "questions", x.questions);
	return LX_OK;
}

/* --- the set as bytes (the reply of a new set and of GET /practice/{id}) ------------------- */

struct render_ctx {
	struct store *db;
	struct buf b;
	int64_t owner;
	char bank[64];
	int first, rc;
	struct lx_err *e;
};

/* Appends s as a JSON string (jansson's encoding); 0 if jansson refuses it (not UTF-8). */
static int put_json_str(struct buf *b, const char *s)
{
	json_t *v = json_string(s);
	char *enc = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	json_decref(v);
	if (!enc)
		return 0;
	buf_adds(b, enc);
	free(enc);
	return 1;
}

static void render_cb(void *ctx, const struct practice_item *it)
{
	struct render_ctx *r = ctx;
	size_t mark = r->b.len;
	char head[48];
	int shown = 0;

	r->owner = it->user_id;
	snprintf(r->bank, sizeof r->bank, "%s", it->bank);
	if (r->rc)
		return;
	snprintf(head, sizeof head, "%s{\"position\":%d,\"question_id\":", r->first ? "" : ",", it->position);
	buf_adds(&r->b, head);
	if (put_json_str(&r->b, it->qid))
		r->rc = exam_version_append(r->db, it->version_id, &r->b, &shown, r->e);
	if (!shown) { /* json_pack would have refused it: the tree leaves the question out */
		r->b.len = mark;
		return;
	}
	buf_addc(&r->b, '}');
	r->first = 0;
}

int study_practice_render(struct store *db, int64_t set_id, int64_t user_id, const char *mode, char **out, size_t *len,
			  struct lx_err *e)
{
	struct render_ctx r = {.db = db, .first = 1, .e = e};
	struct buf head;
	int rc;

	buf_init(&r.b, 0);
	buf_init(&head, 0);
	rc = exam_versions_begin(db, e);
	if (rc == LX_OK)
		rc = store_practice_items(db, set_id, 0, render_cb, &r, e);
	if (rc == LX_OK)
		rc = r.rc;
	if (rc == LX_OK && r.owner != user_id)
		rc = err_set(e, LX_ERR_NOTFOUND, "练习不存在");
	if (rc == LX_OK) {
		char id[48];
		snprintf(id, sizeof id, "{\"id\":%lld,\"bank\":", (long long)set_id);
		buf_adds(&head, id);
		if (!put_json_str(&head, r.bank))
			buf_adds(&head, "\"\"");
		if (mode) {
			buf_adds(&head, ",\"mode\":");
			put_json_str(&head, mode);
		}
		buf_adds(&head, ",\"questions\":[");
		buf_add(&head, buf_str(&r.b), r.b.len);
		buf_adds(&head, "]}");
		*len = head.len;
		*out = buf_detach(&head);
	}
	buf_free(&r.b);
	buf_free(&head);
	return rc;
}

static void one_cb(void *ctx, const struct practice_item *it)
{
	struct items_ctx *x = ctx;
	x->owner = it->user_id;
	x->question_id = it->question_id;
	snprintf(x->bank_buf, sizeof x->bank_buf, "%s", it->bank);
	snprintf(x->type, sizeof x->type, "%s", it->type);
	snprintf(x->answer, sizeof x->answer, "%s", it->answer);
	x->has_response = it->response != NULL;
	snprintf(x->response, sizeof x->response, "%s", it->response ? it->response : "");
	x->correct = it->correct;
	x->n_options = n_options(it->type, it->options_json);
	free(x->explanation);
	free(x->basis);
	x->explanation = lx_strdup(it->explanation);
	x->basis = lx_strdup(it->basis);
}

int study_practice_answer(struct store *db, int64_t set_id, int64_t user_id, int position, const char *response,
			  int64_t now, json_t **out, struct lx_err *e)
{
	struct items_ctx x = {0};
	int rc, applied = 0, busy = 0, repeat = 0, correct;

	rc = position >= 1 && position <= LX_PRACTICE_COUNT_MAX ? store_practice_items(db, set_id, position, one_cb, &x, e)
								: err_set(e, LX_ERR_NOTFOUND, "练习不存在");
	if (rc == LX_OK && x.owner != user_id)
		rc = err_set(e, LX_ERR_NOTFOUND, "练习不存在");
	if (rc == LX_ERR_NOTFOUND)
		rc = err_set(e, LX_ERR_NOTFOUND, "练习或题目不存在");
	if (rc)
		goto out;
	if (!study_response_valid(x.type, x.n_options, response)) {
		rc = err_tag(e, LX_ERR_INVALID, "bad_response", "作答 \"%.16s\" 不是本题的有效选项", response);
		goto out;
	}
	rc = store_exam_in_progress(db, user_id, &busy, e);
	if (rc)
		goto out;
	if (busy) {
		rc = err_tag(e, LX_ERR_CONFLICT, "exam_in_progress", "您有正在进行的考试，交卷后才能练习");
		goto out;
	}
	correct = strcmp(response, x.answer) == 0;
	rc = store_practice_answer(db, set_id, position, response, correct, now, &applied, e);
	if (rc)
		goto out;
	if (!applied) { /* answered before: the first answer stands */
		repeat = 1;
		correct = x.correct == 1;
		response = x.response;
	} else {
		rc = store_study_count(db, user_id, x.bank_buf, x.question_id, correct, e);
		if (rc == LX_OK)
			rc = correct ? store_mistake_right(db, user_id, x.question_id, now, e)
				     : store_mistake_wrong(db, user_id, x.question_id, response, now, e);
		if (rc)
			goto out;
	}
	{
		/* the basis as (law, article) when it resolves ({"code","no","sub","ref"}), else null */
		struct lawlib_res *lr = lawlib_res_new();
		json_t *law = lawlib_basis_json(db, lr, x.basis ? x.basis : "");
		lawlib_res_free(lr);
		*out = json_pack("{s:b,s:s,s:s,s:s,s:o,s:s,s:b}", "correct", correct, "answer", x.answer, "explanation",
				 x.explanation ? x.explanation : "", "basis", x.basis ? x.basis : "", "law", law, "response",
				 response, "repeat", repeat);
	}
out:
	free(x.explanation);
	free(x.basis);
	return rc;
}

static void banks_cb(void *ctx, const char *code, const char *title, int64_t n)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:I}", "code", code, "title", title, "questions", (json_int_t)n));
}

int study_banks_json(struct store *db, json_t **out, struct lx_err *e)
{
	json_t *arr = json_array();
	int rc = store_practice_banks(db, banks_cb, arr, e);
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*out = json_pack("{s:o}", "banks", arr);
	return LX_OK;
}

/* --- study records ---------------------------------------------------------------------- */

struct me_ctx {
	json_t *banks;
	int64_t answered, correct;
};

static void bank_cb(void *ctx, const char *bank, const char *title, int64_t answered, int64_t correct)
{
	struct me_ctx *m = ctx;
	m->answered += answered;
	m->correct += correct;
	json_array_append_new(m->banks, json_pack("{s:s,s:s,s:I,s:I}", "bank", bank, "title", title, "answered",
						  (json_int_t)answered, "correct", (json_int_t)correct));
}

int study_me_json(struct store *db, int64_t user_id, json_t **out, struct lx_err *e)
{
	struct me_ctx m = {json_array(), 0, 0};
	int64_t reading = 0, mistakes = 0;
	int rc = store_study_banks(db, user_id, bank_cb, &m, e);
	if (rc == LX_OK)
		rc = store_reading_seconds(db, user_id, &reading, e);
	if (rc == LX_OK)
		rc = store_mistakes_count(db, user_id, &mistakes, e);
	if (rc) {
		json_decref(m.banks);
		return rc;
	}
	*out = json_pack("{s:I,s:I,s:I,s:I,s:o}", "practice_answered", (json_int_t)m.answered, "practice_correct",
			 (json_int_t)m.correct, "reading_seconds", (json_int_t)reading, "mistakes", (json_int_t)mistakes,
			 "by_bank", m.banks);
	return LX_OK;
}

int study_reading_ping(struct store *db, int64_t user_id, const char *law, int64_t now, int *counted,
		       struct lx_err *e)
{
	int64_t last = 0;
	int rc = store_reading_last(db, user_id, &last, e);
	*counted = 0;
	if (rc || (last && now - last < LX_READING_PING_SECONDS))
		return rc;
	rc = store_reading_add(db, user_id, law, LX_READING_PING_SECONDS, now, e);
	if (rc == LX_OK)
		*counted = 1;
	return rc;
}

int study_reading_last(struct store *db, int64_t user_id, int64_t *at, struct lx_err *e)
{
	return store_reading_last(db, user_id, at, e);
}
