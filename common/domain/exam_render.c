/* exam_render.c — the Attempt JSON of an examinee's paper as bytes (exam_attempt_render) and
 * the per-connection cache of question-version fragments it is built from. The tree views
 * (review, the reference the tests compare with) are exam_view.c. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "exam_int.h"
#include "grade.h"
#include "jsonx.h"
#include "mem.h"
#include "paper.h"
#include "receipt.h"
#include "store.h"
#include "store_exams.h"

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
	x->type = exam_type_of(type);
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

static void w_int(struct render *r, long long v)
{
	char tmp[24];
	w_add(r, tmp, fmt_int(tmp, v));
}

static void w_score(struct render *r, long score2)
{
	char tmp[GRADE_FMT_MAX];
	w_add(r, tmp, grade_fmt(score2, tmp));
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
	exam_pos_put(&r->pos, q->position, x->type, q->perm);
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
		W_LIT(r, "{\"key\":\"T\",\"text\":\"" JUDGE_TRUE_ZH "\"},{\"key\":\"F\",\"text\":\"" JUDGE_FALSE_ZH "\"}");
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
	n += grade_fmt(q->points2, tmp + n);
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

/* One outage or other credit, as credit_cb() in exam_view.c shows it. */
static void render_credit_cb(void *ctx, int seconds, const char *reason, int64_t at)
{
	struct render *r = ctx;
	char t[48];
	if (r->first)
		W_LIT(r, "{\"seconds\":");
	else
		W_LIT(r, ",{\"seconds\":");
	w_int(r, seconds);
	W_MEMBER_STR(r, ",\"reason\":", reason);
	W_MEMBER_STR(r, ",\"at\":", rfc3339_format(at, t, sizeof t));
	W_LIT(r, "}");
	r->first = 0;
}

int exam_attempt_render(struct store *db, int64_t attempt_id, int64_t user_id, int64_t now_ms, char **out,
			size_t *len, struct lx_err *e)
{
	struct render r = {.db = db, .e = e};
	struct attempt_row a;
	struct exam_row x = {0};
	char t[48];
	int rc, open = 0;

	*out = NULL;
	*len = 0;
	buf_init(&r.b, PAPER_MAX_BYTES);
	rc = pc_check(db, &r.pc, e); /* first: the stamp before anything it covers */
	if (rc == LX_OK)
		rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc)
		goto out;
	W_LIT(&r, "{\"id\":");
	w_int(&r, a.id);
	W_MEMBER_STR(&r, ",\"exam_code\":", x.code);
	W_MEMBER_STR(&r, ",\"exam_title\":", x.title);
	W_MEMBER_STR(&r, ",\"status\":", attempt_status_name(a.status));
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
	W_LIT(&r, "},\"credits\":[");
	r.first = 1;
	rc = store_attempt_credits(db, a.id, render_credit_cb, &r, e);
	if (rc == LX_OK)
		rc = r.rc;
	if (rc)
		goto out;
	W_LIT(&r, "]");
	if (a.status == AST_SUBMITTED) {
		W_MEMBER_STR(&r, ",\"submitted_at\":", rfc3339_format(a.submitted_at, t, sizeof t));
		if (a.receipt[0]) {
			char shown[RECEIPT_SHOWN_LEN + 1];
			receipt_group(a.receipt, shown);
			W_MEMBER_STR(&r, ",\"receipt\":", shown);
		} else {
			W_LIT(&r, ",\"receipt\":null");
		}
		if (exam_results_visible(&x, now_ms / 1000)) {
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
	rc = exam_review_open(db, &x, &a, now_ms / 1000, &open, e);
	if (rc)
		goto out;
	if (open)
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


/* --- practice sets (study.c) ---------------------------------------------------------------
 * A practice set shows up to 100 questions with their options in the bank's order; its JSON
 * is written from the same per-connection fragments as a paper, so a set costs the event loop
 * a few copies per question instead of a jansson tree (docs/architecture.md, "Study"). */

int exam_versions_begin(struct store *db, struct lx_err *e)
{
	struct paper_cache *pc;
	return pc_check(db, &pc, e);
}

int exam_version_append(struct store *db, int64_t version_id, struct buf *b, int *shown, struct lx_err *e)
{
	struct paper_cache *pc = pc_of(db);
	const struct pc_entry *x = NULL;
	int rc = pc_get(db, pc, version_id, &x, e);

	*shown = 0;
	if (rc == LX_ERR_NOTFOUND)
		return LX_OK;
	if (rc)
		return rc;
	if (x->bad)
		return LX_OK; /* not UTF-8: json_pack would refuse it, the tree leaves it out */
	buf_add(b, x->frag + x->off[0], x->off[1] - x->off[0]); /* ,"type":…,"stem":…,"options":[ */
	if (x->judge) {
		buf_adds(b, "{\"key\":\"T\",\"text\":\"" JUDGE_TRUE_ZH "\"},{\"key\":\"F\",\"text\":\"" JUDGE_FALSE_ZH "\"}");
	} else {
		for (size_t i = 0; i < x->n_opts && i < LX_MAX_OPTIONS; i++) {
			char pre[] = ",{\"key\":\"A\",\"text\":";
			pre[9] = (char)('A' + i);
			buf_add(b, i ? pre : pre + 1, i ? sizeof pre - 1 : sizeof pre - 2);
			buf_add(b, x->frag + x->off[1 + i], x->off[2 + i] - x->off[1 + i]);
			buf_addc(b, '}');
		}
	}
	buf_addc(b, ']');
	*shown = 1;
	return LX_OK;
}
