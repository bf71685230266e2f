/* lawlib.c — the law library and the law-aware bank (see lawlib.h): a law import as a new
 * version with the review of the questions citing changed articles, basis resolution and
 * checking, accepting a reviewed question, and the JSON of the law pages. It does not read
 * files (formats/law.c) or write SQL (store/store_laws.c). */
#include "lawlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "store_laws.h"
#include "token.h"

/* ---- article keys: (no, sub) as one sortable number ---- */

static int64_t key_of(int no, int sub)
{
	return (int64_t)no * 100000 + sub;
}

static int cmp_key(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- import ---- */

struct old_art {
	int64_t key;
	char *label, *text;
};

struct old_set {
	struct old_art *v;
	size_t n;
	int found;
	int version;
	char *title, *effective;
};

static void law_cb(void *ctx, const struct law_row *l)
{
	struct old_set *s = ctx;
	s->found = 1;
	s->version = l->version;
	s->title = lx_strdup(l->title);
	s->effective = lx_strdup(l->effective);
}

static void old_art_cb(void *ctx, const struct law_art_row *a)
{
	struct old_set *s = ctx;
	s->v = lx_realloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n].key = key_of(a->no, a->sub);
	s->v[s->n].label = lx_strdup(a->label);
	s->v[s->n].text = lx_strdup(a->text);
	s->n++;
}

static int cmp_old(const void *a, const void *b)
{
	return cmp_key(&((const struct old_art *)a)->key, &((const struct old_art *)b)->key);
}

static void old_free(struct old_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].label);
		free(s->v[i].text);
	}
	free(s->v);
	free(s->title);
	free(s->effective);
}

static int date_valid(const char *s)
{
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return y >= 1949 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* The SHA-256 of the articles as stored (label, tab, text, newline each), hex. */
static void doc_sha256(const struct law_doc *doc, char out[65])
{
	size_t len = 0, at = 0;
	char *all;
	uint8_t h[32];
	for (size_t i = 0; i < doc->n; i++)
		len += strlen(doc->articles[i].label) + strlen(doc->articles[i].text) + 2;
	all = lx_malloc(len + 1);
	for (size_t i = 0; i < doc->n; i++)
		at += (size_t)snprintf(all + at, len + 1 - at, "%s\t%s\n", doc->articles[i].label, doc->articles[i].text);
	tok_hash(all, at, h);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	free(all);
}

/* Which titles and (sorted) article keys a law import changed. */
struct flag_ctx {
	const char *title_old, *title_new;
	const int64_t *changed;
	size_t n_changed;
};

struct pending {
	int64_t question_id;
	int64_t key;
};

struct pending_set {
	struct flag_ctx *f;
	struct pending *v;
	size_t n;
};

static void bases_cb(void *ctx, int64_t question_id, const char *bank, const char *qid, const char *basis,
		     int needs_review)
{
	struct pending_set *p = ctx;
	struct flag_ctx *f = p->f;
	struct law_ref refs[LAW_REFS_MAX];
	char *title = NULL;
	int n = 0;
	(void)bank;
	(void)qid;
	(void)needs_review;
	if (law_basis_parse(basis, &title, refs, &n) != LX_OK)
		return;
	if (strcmp(title, f->title_new) == 0 || (f->title_old && strcmp(title, f->title_old) == 0))
		for (int i = 0; i < n; i++) {
			int64_t k = key_of(refs[i].no, refs[i].sub);
			if (f->n_changed && bsearch(&k, f->changed, f->n_changed, sizeof k, cmp_key)) {
				p->v = lx_realloc(p->v, (p->n + 1) * sizeof *p->v);
				p->v[p->n++] = (struct pending){question_id, k};
				break;
			}
		}
	free(title);
}

static const char *label_of(const struct old_set *old, int64_t k)
{
	struct old_art key = {.key = k}, *a = old->n ? bsearch(&key, old->v, old->n, sizeof *old->v, cmp_old) : NULL;
	return a ? a->label : "";
}

struct title_ctx {
	const char *code, *title;
	char other[LAW_CODE_MAX + 1];
};

static void title_cb(void *ctx, const struct law_row *l)
{
	struct title_ctx *t = ctx;
	if (strcmp(l->code, t->code) != 0 && strcmp(l->title, t->title) == 0)
		snprintf(t->other, sizeof t->other, "%s", l->code);
}

int lawlib_import(struct store *db, const struct law_doc *doc, const char *code, const char *title,
		  const char *effective, int64_t now, struct lawlib_import_result *res, struct lx_err *e)
{
	struct old_set old = {0};
	int64_t *changed = NULL;
	size_t n_changed = 0;
	struct pending_set pend = {0};
	char sha[65];
	int rc = LX_OK, same;

	memset(res, 0, sizeof *res);
	res->articles = doc->n;
	if (!law_code_valid(code))
		return err_set(e, LX_ERR_INVALID, "法律代码 %s 无效：只能用小写字母、数字和 -，最长 %d 个字符", code,
			       LAW_CODE_MAX);
	if (!title || !title[0])
		title = doc->title;
	if (!title || !title[0])
		return err_set(e, LX_ERR_INVALID, "法律文件没有标题行（# 法律名称）：请用 --title 给出法律名称");
	if (strlen(title) > LAW_MAX_HEADING)
		return err_set(e, LX_ERR_INVALID, "法律名称超过 %d 字节", LAW_MAX_HEADING);
	if (effective && effective[0] && !date_valid(effective))
		return err_set(e, LX_ERR_INVALID, "施行日期 %s 无效：应为 YYYY-MM-DD", effective);
	if (!doc->n)
		return err_set(e, LX_ERR_INVALID, "法律文件没有条文");

	{ /* a basis names a law by its title: one title, one law */
		struct title_ctx t = {code, title, ""};
		rc = store_law_list(db, title_cb, &t, e);
		if (rc == LX_OK && t.other[0])
			rc = err_set(e, LX_ERR_INVALID, "法律名称“%s”已是法律 %s 的名称：同一部法律请用同一代码导入", title,
				     t.other);
		if (rc)
			goto out;
	}
	rc = store_law_get(db, code, law_cb, &old, e);
	if (rc == LX_ERR_NOTFOUND)
		rc = LX_OK;
	if (rc == LX_OK && old.found)
		rc = store_law_articles(db, code, old.version, old_art_cb, &old, e);
	if (rc)
		goto out;
	if (!effective || !effective[0])
		effective = old.found ? old.effective : "";
	if (old.n)
		qsort(old.v, old.n, sizeof *old.v, cmp_old);

	/* what changed: every old article whose text differs in doc, or that doc lacks */
	same = old.found && old.n == doc->n && strcmp(old.title, title) == 0 && strcmp(old.effective, effective) == 0;
	for (size_t i = 0; i < old.n; i++) {
		const struct law_article *na = NULL;
		for (size_t k = 0; k < doc->n && !na; k++) /* doc is in statutory order: a guess first */
			if (key_of(doc->articles[k].no, doc->articles[k].sub) == old.v[i].key)
				na = &doc->articles[k];
		if (!na || strcmp(na->text, old.v[i].text) != 0) {
			changed = lx_realloc(changed, (n_changed + 1) * sizeof *changed);
			changed[n_changed++] = old.v[i].key;
			same = 0;
		}
	}
	res->changed = n_changed;
	if (same) {
		res->unchanged = 1;
		res->version = old.version;
		goto out;
	}
	res->version = old.found ? old.version + 1 : 1;
	doc_sha256(doc, sha);
	rc = store_law_version_add(db, code, title, res->version, effective, sha, now, e);
	for (size_t i = 0; rc == LX_OK && i < doc->n; i++) {
		const struct law_article *a = &doc->articles[i];
		struct law_art_row r = {a->no, a->sub, a->label, a->chapter, a->text};
		rc = store_law_article_add(db, code, res->version, (int)i, &r, e);
	}
	if (rc || !n_changed)
		goto out;

	/* every active question citing a changed article goes into review */
	{
		struct flag_ctx f = {old.title, title, changed, n_changed};
		pend.f = &f;
		rc = store_active_bases(db, bases_cb, &pend, e);
		for (size_t i = 0; rc == LX_OK && i < pend.n; i++)
			rc = store_review_set(db, pend.v[i].question_id, code, label_of(&old, pend.v[i].key), res->version,
					      now, e);
		if (rc == LX_OK)
			res->flagged = pend.n;
	}
out:
	free(pend.v);
	free(changed);
	old_free(&old);
	return rc;
}

/* ---- resolving bases ---- */

struct res_law {
	char *code, *title;
	int version;
	int64_t *keys; /* sorted; NULL until first needed */
	size_t n_keys;
	int loaded;
};

struct lawlib_res {
	struct res_law *laws;
	size_t n;
	int loaded;
};

struct lawlib_res *lawlib_res_new(void)
{
	return lx_calloc(1, sizeof(struct lawlib_res));
}

void lawlib_res_free(struct lawlib_res *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->laws[i].code);
		free(r->laws[i].title);
		free(r->laws[i].keys);
	}
	free(r->laws);
	free(r);
}

static void res_law_cb(void *ctx, const struct law_row *l)
{
	struct lawlib_res *r = ctx;
	r->laws = lx_realloc(r->laws, (r->n + 1) * sizeof *r->laws);
	memset(&r->laws[r->n], 0, sizeof r->laws[r->n]);
	r->laws[r->n].code = lx_strdup(l->code);
	r->laws[r->n].title = lx_strdup(l->title);
	r->laws[r->n].version = l->version;
	r->n++;
}

static void res_key_cb(void *ctx, const struct law_art_row *a)
{
	struct res_law *l = ctx;
	l->keys = lx_realloc(l->keys, (l->n_keys + 1) * sizeof *l->keys);
	l->keys[l->n_keys++] = key_of(a->no, a->sub);
}

const char *lawlib_status_name(enum lawlib_status s)
{
	static const char *const names[] = {"ok", "empty", "unreadable", "no_law", "no_article"};
	return (unsigned)s < 5 ? names[s] : "?";
}

int lawlib_resolve(struct store *db, struct lawlib_res *r, const char *basis, enum lawlib_status *st,
		   const char **code, struct law_ref *ref, struct lx_err *e)
{
	struct law_ref refs[LAW_REFS_MAX];
	struct res_law *l = NULL;
	char *title = NULL;
	int n = 0, rc = LX_OK;

	*st = LAWLIB_EMPTY;
	*code = NULL;
	memset(ref, 0, sizeof *ref);
	if (!basis || !basis[0])
		return LX_OK;
	*st = LAWLIB_UNREADABLE;
	if (law_basis_parse(basis, &title, refs, &n) != LX_OK)
		return LX_OK;
	if (!r->loaded) {
		rc = store_law_list(db, res_law_cb, r, e);
		if (rc)
			goto out;
		r->loaded = 1;
	}
	for (size_t i = 0; i < r->n && !l; i++)
		if (strcmp(r->laws[i].title, title) == 0)
			l = &r->laws[i];
	*st = LAWLIB_NO_LAW;
	if (!l)
		goto out;
	if (!l->loaded) {
		rc = store_law_articles(db, l->code, l->version, res_key_cb, l, e);
		if (rc)
			goto out;
		if (l->n_keys)
			qsort(l->keys, l->n_keys, sizeof *l->keys, cmp_key);
		l->loaded = 1;
	}
	*code = l->code;
	*st = LAWLIB_OK;
	*ref = refs[0];
	for (int i = 0; i < n; i++) {
		int64_t k = key_of(refs[i].no, refs[i].sub);
		if (!l->n_keys || !bsearch(&k, l->keys, l->n_keys, sizeof k, cmp_key)) {
			*st = LAWLIB_NO_ARTICLE;
			*ref = refs[i];
			break;
		}
	}
out:
	free(title);
	return rc;
}

json_t *lawlib_basis_json(struct store *db, struct lawlib_res *r, const char *basis)
{
	enum lawlib_status st;
	const char *code;
	struct law_ref ref;
	char s[32];
	if (lawlib_resolve(db, r, basis, &st, &code, &ref, NULL) != LX_OK || st != LAWLIB_OK)
		return json_null();
	law_ref_format(ref, s, sizeof s);
	return json_pack("{s:s,s:i,s:i,s:s}", "code", code, "no", ref.no, "sub", ref.sub, "ref", s);
}

struct basis_item {
	char *bank, *qid, *basis;
};

struct basis_list {
	struct basis_item *v;
	size_t n;
};

static void collect_cb(void *ctx, int64_t question_id, const char *bank, const char *qid, const char *basis,
		       int needs_review)
{
	struct basis_list *l = ctx;
	(void)question_id;
	(void)needs_review;
	l->v = lx_realloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = (struct basis_item){lx_strdup(bank), lx_strdup(qid), lx_strdup(basis)};
}

int lawlib_check_basis(struct store *db,
		       void (*fn)(void *ctx, const char *bank, const char *qid, const char *basis,
				  enum lawlib_status st, const char *detail),
		       void *ctx, size_t counts[5], struct lx_err *e)
{
	struct lawlib_res *r = lawlib_res_new();
	struct basis_list l = {0};
	int rc;

	memset(counts, 0, 5 * sizeof *counts);
	/* read the list first: resolving reads other statements, which a backend may not
	 * interleave with an open one */
	rc = store_active_bases(db, collect_cb, &l, e);
	for (size_t i = 0; rc == LX_OK && i < l.n; i++) {
		enum lawlib_status st;
		const char *code;
		struct law_ref ref;
		char detail[160] = "";
		rc = lawlib_resolve(db, r, l.v[i].basis, &st, &code, &ref, e);
		if (rc)
			break;
		counts[st]++;
		if (st == LAWLIB_OK || st == LAWLIB_EMPTY)
			continue;
		if (st == LAWLIB_NO_ARTICLE && ref.no == 0)
			snprintf(detail, sizeof detail, "%s 没有序言", code);
		else if (st == LAWLIB_NO_ARTICLE && ref.sub)
			snprintf(detail, sizeof detail, "%s 没有第 %d 条之 %d", code, ref.no, ref.sub);
		else if (st == LAWLIB_NO_ARTICLE)
			snprintf(detail, sizeof detail, "%s 没有第 %d 条", code, ref.no);
		fn(ctx, l.v[i].bank, l.v[i].qid, l.v[i].basis, st, detail);
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].bank);
		free(l.v[i].qid);
		free(l.v[i].basis);
	}
	free(l.v);
	lawlib_res_free(r);
	return rc;
}

int lawlib_accept(struct store *db, const char *bank, const char *qid, int *was, struct lx_err *e)
{
	int64_t id;
	int rc = store_question_find(db, bank, qid, &id, e);
	*was = 0;
	if (rc == LX_ERR_NOTFOUND)
		return err_set(e, LX_ERR_NOTFOUND, "题库 %s 中没有题目 %s", bank, qid);
	return rc ? rc : store_review_clear(db, id, was, e);
}

/* ---- the law pages ---- */

struct law_json_ctx {
	json_t *law;
	int found;
	char *code;
	int version;
};

static void law_json_cb(void *ctx, const struct law_row *l)
{
	struct law_json_ctx *x = ctx;
	x->found = 1;
	x->version = l->version;
	x->law = json_pack("{s:s,s:s,s:s,s:i,s:I}", "code", l->code, "title", l->title, "effective", l->effective,
			   "version", l->version, "articles", (json_int_t)l->articles);
}

static json_t *article_json(const struct law_art_row *a)
{
	char ref[32];
	law_ref_format((struct law_ref){a->no, a->sub}, ref, sizeof ref);
	return json_pack("{s:i,s:i,s:s,s:s,s:s,s:s}", "no", a->no, "sub", a->sub, "ref", ref, "label", a->label,
			 "chapter", a->chapter, "text", a->text);
}

struct arts_ctx {
	json_t *arr;
	const char *q;
};

static void arts_cb(void *ctx, const struct law_art_row *a)
{
	struct arts_ctx *x = ctx;
	if (x->q && x->q[0] && !strstr(a->text, x->q) && !strstr(a->label, x->q))
		return;
	json_array_append_new(x->arr, article_json(a));
}

static int law_head(struct store *db, const char *code, struct law_json_ctx *x, struct lx_err *e)
{
	int rc;
	memset(x, 0, sizeof *x);
	if (!law_code_valid(code))
		return err_tag(e, LX_ERR_NOTFOUND, "law_not_found", "没有这部法律");
	rc = store_law_get(db, code, law_json_cb, x, e);
	if (rc == LX_ERR_NOTFOUND || (rc == LX_OK && !x->found))
		return err_tag(e, LX_ERR_NOTFOUND, "law_not_found", "没有这部法律");
	return rc;
}

int lawlib_law_json(struct store *db, const char *code, const char *q, json_t **out, struct lx_err *e)
{
	struct law_json_ctx x;
	struct arts_ctx a = {json_array(), q};
	int rc = law_head(db, code, &x, e);
	*out = NULL;
	if (rc == LX_OK)
		rc = store_law_articles(db, code, x.version, arts_cb, &a, e);
	if (rc == LX_OK) {
		json_object_set_new(x.law, "articles", a.arr);
		if (q && q[0])
			json_object_set_new(x.law, "q", json_string(q));
		*out = x.law;
		return LX_OK;
	}
	json_decref(a.arr);
	json_decref(x.law);
	return rc;
}

static void list_cb(void *ctx, const struct law_row *l)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:s,s:i,s:I}", "code", l->code, "title", l->title, "effective",
					     l->effective, "version", l->version, "articles",
					     (json_int_t)l->articles));
}

int lawlib_list_json(struct store *db, json_t **out, struct lx_err *e)
{
	json_t *arr = json_array();
	int rc = store_law_list(db, list_cb, arr, e);
	if (rc) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return rc;
}

static void one_cb(void *ctx, const struct law_art_row *a)
{
	json_t **slot = ctx;
	*slot = article_json(a);
}

int lawlib_article_json(struct store *db, const char *code, struct law_ref ref, json_t **out, struct lx_err *e)
{
	struct law_json_ctx x;
	json_t *art = NULL;
	int rc = law_head(db, code, &x, e);
	*out = NULL;
	if (rc)
		return rc;
	rc = store_law_article(db, code, x.version, ref.no, ref.sub, one_cb, &art, e);
	if (rc == LX_ERR_NOTFOUND || (rc == LX_OK && !art))
		rc = err_tag(e, LX_ERR_NOTFOUND, "article_not_found", "这部法律没有这一条");
	if (rc == LX_OK) {
		json_object_del(x.law, "articles");
		json_object_set_new(x.law, "article", art);
		*out = x.law;
		return LX_OK;
	}
	json_decref(art);
	json_decref(x.law);
	return rc;
}
