/* bank_text.c — the text reader of the bank_ module (SPEC §4.5): questions as departments
 * write them, in pasted text or (through bank_docx.c) Word paragraphs. Recognises headings,
 * numbered stems, options, 答案/解析/依据/难度/标签/编号 lines and keys in the stem's
 * brackets, then hands every question to the shared validation in bank.c. Messages read
 * "FILE:LINE" (text) or "FILE:PARAGRAPH N" (docx) and quote the line they are about.
 * Does not read bytes of a .docx (bank_docx.c) nor decode encodings (table_decode_text). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "bank_int.h"
#include "buf.h"
#include "err.h"
#include "mem.h"
#include "model.h"
#include "table.h"
#include "text.h"

#define TQ_MAX_FIELD (64 * 1024) /* bytes kept of one stem/option/field across its lines */
#define TQ_MAX_NUMBER 999999     /* a question number */
#define TQ_SHOW 48               /* bytes of a line quoted in a message */

/* ---------------------------------------------------------------------------------- */
/* Small UTF-8 recognisers: each returns the bytes it matched at p (0: no match).      */

/* One of the literal strings alts[] (NULL-terminated) at p. */
static size_t match_any(const char *p, const char *const *alts)
{
	for (size_t i = 0; alts[i]; i++) {
		size_t n = strlen(alts[i]);
		if (strncmp(p, alts[i], n) == 0)
			return n;
	}
	return 0;
}

static size_t skip_space(const char *p)
{
	const char *e = p + strlen(p), *s = p;
	size_t n;

	while ((n = text_space_len(s, e)) > 0)
		s += n;
	return (size_t)(s - p);
}

/* A digit, ASCII or full-width (０..９): its value in *v. */
static size_t match_digit(const char *p, int *v)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] >= '0' && u[0] <= '9') {
		*v = u[0] - '0';
		return 1;
	}
	if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99) {
		*v = u[2] - 0x90;
		return 3;
	}
	return 0;
}

/* An option letter A..H, ASCII or full-width (Ａ..Ｈ): its index in *k. */
static size_t match_letter(const char *p, int *k)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] >= 'A' && u[0] < 'A' + BANK_MAX_OPTIONS) {
		*k = u[0] - 'A';
		return 1;
	}
	if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0xa1 && u[2] < 0xa1 + BANK_MAX_OPTIONS) {
		*k = u[2] - 0xa1;
		return 3;
	}
	return 0;
}

static const char *const open_br[] = {"\xef\xbc\x88" /* （ */, "(", NULL};
static const char *const close_br[] = {"\xef\xbc\x89" /* ） */, ")", NULL};
static const char *const colon[] = {"\xef\xbc\x9a" /* ： */, ":", NULL};

/* A question number at the start of s: "1." "1、" "1．" "（1）" "(1)"; the number in *num.
 * Returns the length of the prefix with the spaces after it. "2024.1.1" is not a number
 * prefix (a digit right after the dot). */
static size_t match_qnum(const char *s, long *num)
{
	static const char *const seps[] = {".", "\xe3\x80\x81" /* 、 */, "\xef\xbc\x8e" /* ． */, NULL};
	const char *p = s;
	size_t n, digits = 0;
	long v = 0;
	int dv, bracket = 0;

	if ((n = match_any(p, open_br)) > 0) {
		bracket = 1;
		p += n;
		p += skip_space(p);
	}
	while ((n = match_digit(p, &dv)) > 0) {
		v = v * 10 + dv;
		if (v > TQ_MAX_NUMBER)
			return 0;
		p += n;
		digits++;
	}
	if (!digits)
		return 0;
	p += skip_space(p); /* "1 ．" */
	if (bracket) {
		if (!(n = match_any(p, close_br)))
			return 0;
	} else {
		if (!(n = match_any(p, seps)))
			return 0;
		if (match_digit(p + n, &dv))
			return 0;
	}
	p += n;
	*num = v;
	return (size_t)(p - s) + skip_space(p);
}

static const char *const opt_seps[] = {".", "\xe3\x80\x81" /* 、 */, "\xef\xbc\x8e" /* ． */,
				       ")", "\xef\xbc\x89" /* ） */, NULL};

/* An option marker at p ("A." "B、" "C．" "D)" "E）"): the letter index in *k; the length
 * includes the spaces after it. */
static size_t match_option(const char *p, int *k)
{
	size_t n = match_letter(p, k), m;

	if (!n || !(m = match_any(p + n, opt_seps)))
		return 0;
	return n + m + skip_space(p + n + m);
}

static const char *const cn_numerals[] = {"一", "二", "三", "四", "五", "六", "七", "八",
					  "九", "十", NULL};

/* A heading: optional 一、/ 二．/ （三） numbering, optional 【】 or [], then 单选题 / 多选题 /
 * 判断题 (or 单项选择题 / 多项选择题 / 判断正误题), then nothing or a remark in brackets or after
 * a colon ("一、单选题（每题 2 分）"). The type in *t. */
static int match_heading(const char *s, enum q_type *t)
{
	static const struct {
		const char *word;
		enum q_type type;
	} words[] = {
		{"单项选择题", QT_SINGLE}, {"单选题", QT_SINGLE}, {"多项选择题", QT_MULTIPLE},
		{"多选题", QT_MULTIPLE}, {"判断正误题", QT_JUDGE}, {"判断题", QT_JUDGE},
	};
	static const char *const num_seps[] = {"\xe3\x80\x81", ".", "\xef\xbc\x8e", NULL};
	static const char *const lbr[] = {"\xe3\x80\x90" /* 【 */, "[", NULL};
	static const char *const rbr[] = {"\xe3\x80\x91" /* 】 */, "]", NULL};
	const char *p = s;
	size_t n, k;
	int bracket = 0;

	if ((n = match_any(p, open_br)) > 0) { /* （一） */
		const char *q = p + n;
		size_t m, cnt = 0;
		while ((m = match_any(q, cn_numerals)) > 0) {
			q += m;
			cnt++;
		}
		if (cnt && (m = match_any(q, close_br)) > 0)
			p = q + m;
	} else {
		const char *q = p;
		size_t m, cnt = 0;
		while ((m = match_any(q, cn_numerals)) > 0) {
			q += m;
			cnt++;
		}
		if (cnt && (m = match_any(q, num_seps)) > 0)
			p = q + m;
	}
	p += skip_space(p);
	if ((n = match_any(p, lbr)) > 0) {
		bracket = 1;
		p += n + skip_space(p + n);
	}
	for (k = 0; k < sizeof words / sizeof words[0]; k++)
		if (strncmp(p, words[k].word, strlen(words[k].word)) == 0)
			break;
	if (k == sizeof words / sizeof words[0])
		return 0;
	p += strlen(words[k].word);
	p += skip_space(p);
	if (bracket) {
		if (!(n = match_any(p, rbr)))
			return 0;
		p += n + skip_space(p + n);
	}
	if (*p && !match_any(p, open_br) && !match_any(p, colon))
		return 0;
	*t = words[k].type;
	return 1;
}

/* The field lines: name (with aliases) → field. */
static const struct {
	const char *name;
	enum bank_field f;
} field_names[] = {
	{"正确答案", BF_ANSWER}, {"参考答案", BF_ANSWER}, {"答案", BF_ANSWER},
	{"答案解析", BF_EXPLANATION}, {"解析", BF_EXPLANATION},
	{"法条依据", BF_BASIS}, {"法律依据", BF_BASIS}, {"依据", BF_BASIS},
	{"难度", BF_DIFFICULTY}, {"标签", BF_TAGS}, {"编号", BF_ID},
};

/* The field line of name at s ("答案：B", "答案:B", "【答案】B"): the offset of the value
 * (trimmed) or 0. */
static size_t field_value(const char *s, const char *name)
{
	const char *p = s;
	size_t n;
	int bracket = 0;

	if (strncmp(p, "\xe3\x80\x90", 3) == 0) { /* 【 */
		bracket = 1;
		p += 3;
	}
	if (strncmp(p, name, strlen(name)) != 0)
		return 0;
	p += strlen(name);
	if (bracket) {
		if (strncmp(p, "\xe3\x80\x91", 3) != 0) /* 】 */
			return 0;
		p += 3;
		p += skip_space(p);
		if ((n = match_any(p, colon)) > 0)
			p += n;
	} else {
		p += skip_space(p);
		if (!(n = match_any(p, colon)))
			return 0;
		p += n;
	}
	return (size_t)(p - s) + skip_space(p);
}

/* A field line: the field in *f, the value at s + *val. "答案解析：" is 解析, not 答案. */
static int match_field(const char *s, enum bank_field *f, size_t *val)
{
	for (size_t k = 0; k < sizeof field_names / sizeof field_names[0]; k++) {
		size_t v = field_value(s, field_names[k].name);
		if (v) {
			*f = field_names[k].f;
			*val = v;
			return 1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Keys                                                                                */

static const struct {
	const char *word;
	char key;
} judge_keys[] = {
	{"√", 'T'}, {"✓", 'T'}, {"✔", 'T'}, {"对", 'T'}, {"正确", 'T'},
	{"×", 'F'}, {"✗", 'F'}, {"✘", 'F'}, {"错", 'F'}, {"错误", 'F'},
	{"X", 'F'}, /* only in brackets of a judge question: "（X）" — see key_kind() */
};

/* What a key text is: 'J' judge (*tf 'T'/'F'), 'L' letters (*nletters, *bits), 0 neither.
 * with_x: "X"/"x" counts as × (a judge heading is in force). */
static int key_kind(const char *s, int with_x, char *tf, int *nletters, unsigned *bits)
{
	static const char *const seps[] = {",", "\xef\xbc\x8c", "\xe3\x80\x81", ";", "\xef\xbc\x9b",
					   "/", NULL};
	char *t = text_trim(s);
	const char *p = t;
	int kind = 0, n = 0;
	unsigned b = 0;

	for (size_t i = 0; t[0] && i < sizeof judge_keys / sizeof judge_keys[0]; i++) {
		if (judge_keys[i].word[0] == 'X' && !with_x)
			continue;
		if (strcmp(t, judge_keys[i].word) == 0 ||
		    (judge_keys[i].word[0] == 'X' && strcmp(t, "x") == 0)) {
			*tf = judge_keys[i].key;
			kind = 'J';
			goto out;
		}
	}
	const char *end = t + strlen(t);
	while (*p) {
		size_t m;
		int k;
		if ((m = text_space_len(p, end)) > 0 || (m = match_any(p, seps)) > 0) {
			p += m;
			continue;
		}
		if (!(m = match_letter(p, &k)))
			goto out;
		b |= 1u << k;
		n++;
		p += m;
	}
	if (n > 0) {
		kind = 'L';
		*nletters = n;
		*bits = b;
	}
out:
	free(t);
	return kind;
}

/* The last bracket pair of stem holding a key (letters A–H, or √ × 对 错 正确 错误): its
 * byte range [*b, *e) including the brackets and the key text (fresh, caller frees).
 * *count: how many pairs held a key. */
static char *bracket_key(const char *stem, int with_x, size_t *b, size_t *e, int *count)
{
	char *found = NULL;
	const char *p = stem;

	while (*p) {
		size_t n = match_any(p, open_br);
		const char *q;
		if (!n) {
			p++;
			continue;
		}
		q = p + n;
		while (*q && !match_any(q, close_br) && !match_any(q, open_br) && *q != '\n')
			q++;
		if (*q && match_any(q, close_br)) {
			char *inner = lx_strndup(p + n, (size_t)(q - (p + n))), tf;
			int nl;
			unsigned bits;
			if (key_kind(inner, with_x, &tf, &nl, &bits)) {
				(*count)++;
				free(found);
				found = inner;
				*b = (size_t)(p - stem);
				*e = (size_t)(q - stem) + match_any(q, close_br);
			} else {
				free(inner);
			}
			p = q + match_any(q, close_br);
			continue;
		}
		p = q;
	}
	return found;
}

/* Two keys name the same answer (letters in any order and separators, judge words). */
static int keys_same(const char *a, const char *b, int with_x)
{
	char ta = 0, tb = 0;
	int na = 0, nb = 0;
	unsigned ba = 0, bb = 0;
	int ka = key_kind(a, with_x, &ta, &na, &ba), kb = key_kind(b, with_x, &tb, &nb, &bb);

	if (!ka || ka != kb)
		return 0;
	return ka == 'J' ? ta == tb : ba == bb && na == nb;
}

/* ---------------------------------------------------------------------------------- */
/* A question being read                                                               */

enum { SLOT_STEM = BF_N, SLOT_OPT0 = BF_N + 1, SLOT_N = SLOT_OPT0 + BANK_MAX_OPTIONS };

struct tq {
	int start;                /* loc of the line that began it */
	long number;              /* written number, -1 without */
	size_t seq;               /* 1-based among the questions */
	int has_type;             /* a heading set the type */
	enum q_type type;
	struct buf slot[SLOT_N];  /* fields by enum bank_field, the stem, options A..H */
	int loc[SLOT_N];          /* where each slot began (0: absent) */
	int present[SLOT_N];
	size_t nopt;
	int last;                 /* slot a continuation line goes to, -1 none */
	int ended;                /* options or a field line seen */
	int judge_done;           /* stem holds a √/× key: the question is complete */
	unsigned reported;
};

struct tctx {
	const char *fname;
	int is_docx;
	const struct bank_tunit *u;
	size_t n;
	const struct bank_meta *meta;
	struct diag *d;
	struct bank_build b;
	int use_numbers;          /* ids from written numbers (else from the order) */
	size_t nq, generated;
	int gen_first_loc;
	char gen_first[96], gen_last[96];
	struct tq *q;             /* the question being validated (for the where function) */
	int answer_loc;           /* where the key was found */
	int too_many;
};

static void loc_where(const struct tctx *c, int loc, char *out, size_t outlen)
{
	snprintf(out, outlen, c->is_docx ? "%s:PARAGRAPH %d" : "%s:%d", c->fname, loc);
}

/* The text of the first unit at loc (units are in loc order), "" if none. */
static const char *loc_text(const struct tctx *c, int loc)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->u[mid].loc < loc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < c->n && c->u[i].loc == loc; i++)
		if (c->u[i].text[0])
			return c->u[i].text;
	return "";
}

/* Reports a problem at loc, quoting what the line says. */
static void terr(struct tctx *c, int loc, const char *msg)
{
	char where[600], shown[128];

	loc_where(c, loc, where, sizeof where);
	diag_add(c->d, where, "%s——原文：“%s”", msg, text_clip(loc_text(c, loc), TQ_SHOW, shown, sizeof shown));
}

static void tq_init(struct tq *q, int start, long number, size_t seq)
{
	memset(q, 0, sizeof *q);
	q->start = start;
	q->number = number;
	q->seq = seq;
	q->last = -1;
	for (int i = 0; i < SLOT_N; i++)
		buf_init(&q->slot[i], TQ_MAX_FIELD);
}

static void tq_free(struct tq *q)
{
	for (int i = 0; i < SLOT_N; i++)
		buf_free(&q->slot[i]);
}

/* The field a slot belongs to (for the reported bits). */
static enum bank_field slot_field(int slot)
{
	return slot == SLOT_STEM ? BF_STEM : slot >= SLOT_OPT0 ? BF_OPTIONS : (enum bank_field)slot;
}

/* Appends text to slot (a line break first if it has text already). */
static void tq_add(struct tctx *c, struct tq *q, int slot, const char *text, int loc)
{
	struct buf *b = &q->slot[slot];
	unsigned bit = 1u << slot_field(slot);
	int ok;

	if (!q->present[slot]) {
		q->present[slot] = 1;
		q->loc[slot] = loc;
	}
	ok = (b->len == 0 || buf_addc(b, '\n') == LX_OK) && buf_adds(b, text) == LX_OK;
	if (!ok && !(q->reported & bit)) {
		char msg[200];
		snprintf(msg, sizeof msg, "这一项超过 %d 字节的上限（可能是漏写了题号或“答案：”，后面各行都接了进来）",
			 TQ_MAX_FIELD);
		terr(c, loc, msg);
		q->reported |= bit;
	}
	q->last = slot;
}

static void text_where(void *ctx, enum bank_field f, long elem, char *out, size_t outlen)
{
	const struct tctx *c = ctx;
	const struct tq *q = c->q;
	int loc = q->start;

	switch (f) {
	case BF_STEM:
		loc = q->present[SLOT_STEM] ? q->loc[SLOT_STEM] : q->start;
		break;
	case BF_OPTIONS:
		if (elem >= 0 && (size_t)elem < q->nopt && q->present[SLOT_OPT0 + elem])
			loc = q->loc[SLOT_OPT0 + elem];
		else if (q->nopt > 0 && q->present[SLOT_OPT0])
			loc = q->loc[SLOT_OPT0];
		break;
	case BF_ANSWER:
		loc = c->answer_loc ? c->answer_loc : q->start;
		break;
	case BF_ID: case BF_EXPLANATION: case BF_BASIS: case BF_DIFFICULTY: case BF_TAGS:
		loc = q->present[f] ? q->loc[f] : q->start;
		break;
	default:
		break;
	}
	loc_where(c, loc, out, outlen);
}

/* Adds the quoted line to the diagnostics d->items[from..] that the validation wrote. */
static void quote_lines(struct tctx *c, size_t from)
{
	for (size_t i = from; i < c->d->n; i++) {
		struct diag_item *it = &c->d->items[i];
		/* "FILE:N" (text) or "FILE:PARAGRAPH N" (docx): the number after the last ':' or ' ' */
		const char *sp = strrchr(it->where, ' '), *cl = strrchr(it->where, ':');
		char shown[128], *m;
		long loc;
		if (!sp || (cl && cl > sp))
			sp = cl;
		loc = sp ? strtol(sp + 1, NULL, 10) : 0;
		if (loc <= 0)
			continue;
		text_clip(loc_text(c, (int)loc), TQ_SHOW, shown, sizeof shown);
		m = lx_asprintf("%s——原文：“%s”", it->message, shown);
		free(it->message);
		it->message = m;
	}
}

/* Validates q (consumed) and adds it to the bank. */
static void tq_finish(struct tctx *c, struct tq *q)
{
	struct bank_qin in = {.lenient = 1, .seq = q->seq, .where = text_where, .ctx = c};
	struct bank_question out;
	const char *opts[BANK_MAX_OPTIONS];
	char **tags = NULL, *key = NULL, *stem = NULL, idbuf[96], where[600], ref[600];
	size_t ntags = 0, kb = 0, ke = 0, from = c->d->n;
	int with_x = q->has_type && q->type == QT_JUDGE, nkeys = 0;

	c->q = q;
	c->answer_loc = q->present[BF_ANSWER] ? q->loc[BF_ANSWER] : 0;
	in.reported = q->reported;
	stem = lx_strdup(buf_str(&q->slot[SLOT_STEM]));

	/* the key in the stem's brackets: used when there is no 答案 line, checked when there is */
	key = bracket_key(stem, with_x, &kb, &ke, &nkeys);
	if (nkeys > 1 && !(in.reported & (1u << BF_ANSWER))) {
		loc_where(c, q->loc[SLOT_STEM] ? q->loc[SLOT_STEM] : q->start, where, sizeof where);
		diag_add(c->d, where, "题干里有 %d 处答案括号（括号里是选项字母或 √ ×）：一道题只能有一个答案，"
				      "可能是漏写了下一题的题号", nkeys);
		in.reported |= 1u << BF_ANSWER;
	}
	if (key) {
		const char *a = buf_str(&q->slot[BF_ANSWER]);
		if (q->present[BF_ANSWER] && !(in.reported & (1u << BF_ANSWER)) && !keys_same(a, key, with_x)) {
			char s1[64], s2[64];
			loc_where(c, c->answer_loc, where, sizeof where);
			diag_add(c->d, where, "答案行是“%s”，题干括号里却是“%s”：请只保留一处答案",
				 text_clip(a, 20, s1, sizeof s1), text_clip(key, 20, s2, sizeof s2));
			in.reported |= 1u << BF_ANSWER;
		}
		if (!q->present[BF_ANSWER]) {
			buf_reset(&q->slot[BF_ANSWER]);
			buf_adds(&q->slot[BF_ANSWER], key);
			q->present[BF_ANSWER] = 1;
			c->answer_loc = q->loc[SLOT_STEM] ? q->loc[SLOT_STEM] : q->start;
		}
		{ /* empty the brackets: "（ B ）" → "（　）" */
			char *s2 = lx_asprintf("%.*s（　）%s", (int)kb, stem, stem + ke);
			free(stem);
			stem = s2;
		}
	}
	/* the type: a heading's, else from the key */
	if (!q->has_type) {
		char tf;
		int nl = 0;
		unsigned bits;
		int kind = q->present[BF_ANSWER] ? key_kind(buf_str(&q->slot[BF_ANSWER]), 0, &tf, &nl, &bits) : 0;
		q->type = kind == 'J' ? QT_JUDGE : kind == 'L' ? (nl > 1 ? QT_MULTIPLE : QT_SINGLE)
			: q->nopt > 0 ? QT_SINGLE : QT_JUDGE;
	}
	in.text[BF_TYPE] = qtype_name(q->type);
	in.text[BF_STEM] = stem;
	if (q->present[BF_ANSWER]) {
		const char *a = buf_str(&q->slot[BF_ANSWER]);
		/* "X" for × only under a judge heading; keys_same()/key_kind() handled it */
		if (with_x && (strcmp(a, "X") == 0 || strcmp(a, "x") == 0))
			a = "×";
		in.text[BF_ANSWER] = a;
	}
	for (int f = BF_EXPLANATION; f <= BF_DIFFICULTY; f++)
		if (q->present[f])
			in.text[f] = buf_str(&q->slot[f]);
	for (size_t k = 0; k < q->nopt; k++)
		opts[k] = buf_str(&q->slot[SLOT_OPT0 + k]);
	in.options = opts;
	in.n_options = q->nopt;
	in.has_options = q->nopt > 0;
	if (q->present[BF_TAGS]) {
		ntags = text_split_list(buf_str(&q->slot[BF_TAGS]), &tags);
		in.tags = (const char *const *)tags;
		in.n_tags = ntags;
	}
	/* the id: 编号, else CODE-number */
	if (q->present[BF_ID]) {
		in.text[BF_ID] = buf_str(&q->slot[BF_ID]);
	} else {
		snprintf(idbuf, sizeof idbuf, "%s-%ld", c->meta->code ? c->meta->code : "",
			 c->use_numbers ? q->number : (long)q->seq);
		in.text[BF_ID] = idbuf;
		if (c->generated++ == 0) {
			snprintf(c->gen_first, sizeof c->gen_first, "%s", idbuf);
			c->gen_first_loc = q->start;
		}
		snprintf(c->gen_last, sizeof c->gen_last, "%s", idbuf);
	}
	if (bank_v_id_ok(in.text[BF_ID])) {
		text_where(c, BF_ID, -1, where, sizeof where);
		loc_where(c, q->start, ref, sizeof ref);
		bank_b_id(&c->b, in.text[BF_ID], where, ref, q->seq);
	}
	if (bank_v_question(&in, &out, c->d) == LX_OK) {
		loc_where(c, q->start, where, sizeof where);
		out.where = lx_strdup(where);
		bank_b_add(&c->b, &out);
	}
	quote_lines(c, from);
	text_list_free(tags, ntags);
	free(key);
	free(stem);
	tq_free(q);
	c->q = NULL;
}

/* ---------------------------------------------------------------------------------- */
/* The recogniser                                                                      */

enum line_kind { L_EMPTY, L_HEADING, L_FIELD, L_QNUM, L_OPTION, L_PLAIN };

static enum line_kind classify(const char *s, enum q_type *t, enum bank_field *f, size_t *val,
			       long *num)
{
	int k;

	if (!*s)
		return L_EMPTY;
	if (match_heading(s, t))
		return L_HEADING;
	if (match_field(s, f, val))
		return L_FIELD;
	if ((*val = match_qnum(s, num)) > 0)
		return L_QNUM;
	if (match_option(s, &k))
		return L_OPTION;
	return L_PLAIN;
}

/* Splits an option line ("A. 宪法  B. 刑法") and adds each option to q. */
static void add_options(struct tctx *c, struct tq *q, const char *line, int loc)
{
	const char *p = line, *lend = line + strlen(line);
	int k;
	size_t n = match_option(p, &k);

	while (n) {
		const char *text = p + n, *e = text, *next = NULL;
		int nk = -1;
		size_t nn = 0;
		/* the next option on this line: white space, then the letter after this one */
		while (*e) {
			size_t sp = text_space_len(e, lend);
			if (sp) {
				int kk;
				size_t m = match_option(e + sp, &kk);
				if (m && kk == k + 1) {
					next = e + sp;
					nk = kk;
					nn = m;
					break;
				}
				e += sp;
				continue;
			}
			e++;
		}
		{
			const char *tb = text, *te = next ? next : lend;
			char *opt;
			text_trim_range(&tb, &te);
			opt = lx_strndup(tb, (size_t)(te - tb));
			if ((size_t)k == q->nopt) {
				tq_add(c, q, SLOT_OPT0 + k, opt, loc);
				q->nopt++;
			} else if (!(q->reported & (1u << BF_OPTIONS))) {
				char msg[200];
				if ((size_t)k > q->nopt)
					snprintf(msg, sizeof msg, "选项跳过了字母 %c：%c 之后应是 %c", (char)('A' + q->nopt),
						 q->nopt ? (char)('A' + q->nopt - 1) : '-', (char)('A' + q->nopt));
				else
					snprintf(msg, sizeof msg, "选项 %c 出现了两次（上一道题可能缺少“答案：”或下一题的题号）",
						 (char)('A' + k));
				if ((size_t)k > q->nopt && q->nopt == 0)
					snprintf(msg, sizeof msg, "选项应从 A 开始，这里却是 %c", (char)('A' + k));
				terr(c, loc, msg);
				q->reported |= 1u << BF_OPTIONS;
			}
			free(opt);
		}
		p = next;
		k = nk;
		n = nn;
		if (!p)
			break;
	}
	q->ended = 1;
}

/* The first unit index holding a heading, or n. */
static size_t first_heading(const struct bank_tunit *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum q_type t;
		char *s = text_trim(u[i].text);
		int h = match_heading(s, &t);
		free(s);
		if (h)
			return i;
	}
	return n;
}

static int long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

/* Whether every question is numbered with distinct numbers (then ids use them); sets
 * *numbered when any line starts with a question number. */
static int numbers_unique(const struct bank_tunit *u, size_t n, int *numbered)
{
	long *nums = NULL;
	size_t cnt = 0, cap = 0;
	int uniq = 1;

	for (size_t i = 0; i < n; i++) {
		enum q_type t;
		enum bank_field f;
		size_t val;
		long num;
		char *s = text_trim(u[i].text);
		if (classify(s, &t, &f, &val, &num) == L_QNUM) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 64;
				nums = lx_realloc(nums, cap * sizeof *nums);
			}
			nums[cnt++] = num;
		}
		free(s);
	}
	*numbered = cnt > 0;
	if (cnt > 1)
		qsort(nums, cnt, sizeof *nums, long_cmp);
	for (size_t i = 1; i < cnt; i++)
		if (nums[i - 1] == nums[i])
			uniq = 0;
	free(nums);
	return uniq;
}

int bank_text_units(const struct bank_tunit *u, size_t n, const char *fname, int is_docx,
		    const struct bank_meta *meta, struct diag *notes, struct bank_doc *out,
		    struct diag *d)
{
	struct tctx c = {.fname = fname, .is_docx = is_docx, .u = u, .n = n, .meta = meta, .d = d};
	struct diag mynotes = {0};
	struct tq q;
	int have_q = 0, numbered = 0, head_seen = 0, preamble_first = 0, preamble_last = 0, gaps = 0;
	long prev_num = -1;
	enum q_type head_type = QT_SINGLE;
	size_t before = d->total, fh;
	char shown[128], where[600];

	if (notes) {
		mynotes = *notes;
		memset(notes, 0, sizeof *notes);
	}
	bank_v_meta(meta, "文本/Word", fname, d);
	if (d->total > before)
		goto out;
	c.use_numbers = numbers_unique(u, n, &numbered) && numbered;
	fh = first_heading(u, n);

	for (size_t i = 0; i < n && !c.too_many; i++) {
		enum q_type t;
		enum bank_field f;
		size_t val = 0;
		long num = -1;
		char *s = text_trim(u[i].text);
		int loc = u[i].loc;
		enum line_kind kind = classify(s, &t, &f, &val, &num);

		/* a plain line that begins a question without a number (Word list numbering) */
		if (kind == L_PLAIN && !numbered &&
		    (have_q ? (q.ended || q.judge_done) : (head_seen || fh >= n))) {
			kind = L_QNUM;
			num = -1;
			val = 0;
		}
		if (u[i].image) {
			if (have_q || kind == L_QNUM)
				terr(&c, loc, "这一段含有图片或图形，题库只能导入文字：请把图片里的内容改写成文字，或删除图片");
			else {
				loc_where(&c, loc, where, sizeof where);
				diag_add(&mynotes, where, "第一道题之前的图片或图形没有读取");
			}
		}
		if (u[i].symbol) {
			if (have_q || kind == L_QNUM)
				terr(&c, loc, "这一段有用符号字体（如 Wingdings）插入的符号，无法读取：请把 √ × 等改成普通文字（用输入法直接输入）");
			else {
				loc_where(&c, loc, where, sizeof where);
				diag_add(&mynotes, where, "第一道题之前的符号字体字符没有读取");
			}
		}
		switch (kind) {
		case L_EMPTY:
			break;
		case L_HEADING:
			if (have_q) {
				tq_finish(&c, &q);
				have_q = 0;
			}
			head_type = t;
			head_seen = 1;
			break;
		case L_FIELD:
			if (!have_q) {
				terr(&c, loc, "这一行出现在第一道题之前，不属于任何题目");
				break;
			}
			if (q.present[f] && !(q.reported & (1u << f))) {
				char msg[200];
				snprintf(msg, sizeof msg, "同一道题有两行“%s：”（第 %d 行已经有了）%s", bank_field_zh[f],
					 q.loc[f], f == BF_ANSWER ? "：一道题只能有一个答案行" : "");
				if (is_docx)
					snprintf(msg, sizeof msg, "同一道题有两段“%s：”（第 %d 段已经有了）%s",
						 bank_field_zh[f], q.loc[f],
						 f == BF_ANSWER ? "：一道题只能有一个答案行" : "");
				terr(&c, loc, msg);
				q.reported |= 1u << f;
				q.last = -1;
				break;
			}
			tq_add(&c, &q, f, s + val, loc);
			q.ended = 1;
			break;
		case L_QNUM:
			if (have_q)
				tq_finish(&c, &q);
			if (c.nq >= BANK_MAX_QUESTIONS) {
				diag_add(d, fname, "题目数量超过上限 %d，请拆分成多个题库", BANK_MAX_QUESTIONS);
				c.too_many = 1;
				have_q = 0;
				break;
			}
			if (numbered && num > 1 && prev_num >= 0 && num != prev_num + 1 && gaps++ < 10) {
				loc_where(&c, loc, where, sizeof where);
				diag_add(&mynotes, where, "题号从 %ld 跳到 %ld：请检查中间的题是否漏写了题号（漏写题号的题会接到上一题里）",
					 prev_num, num);
			}
			prev_num = num;
			tq_init(&q, loc, num, ++c.nq);
			have_q = 1;
			if (head_seen) {
				q.has_type = 1;
				q.type = head_type;
			}
			if (s[val])
				tq_add(&c, &q, SLOT_STEM, s + val, loc);
			else
				q.last = SLOT_STEM; /* "1." alone: the stem follows */
			break;
		case L_OPTION:
			if (!have_q) {
				terr(&c, loc, "选项出现在第一道题之前：前面缺少题干");
				break;
			}
			add_options(&c, &q, s, loc);
			break;
		case L_PLAIN:
			if (!have_q) {
				if (!preamble_first)
					preamble_first = loc;
				preamble_last = loc;
				break;
			}
			if (q.last == SLOT_STEM || q.last >= SLOT_OPT0 || q.last == BF_EXPLANATION ||
			    q.last == BF_BASIS) {
				tq_add(&c, &q, q.last, s, loc);
			} else if (!(q.reported & (1u << BF_QUESTION))) {
				terr(&c, loc, "无法识别这一行：它不是题号、选项（A. B. …）或“答案：”等行，也不能接在上一行后面");
				q.reported |= 1u << BF_QUESTION;
			}
			break;
		}
		/* a stem line holding a √/× key completes the question (judge questions in a list) */
		if (have_q && !numbered && !q.ended && (kind == L_QNUM || kind == L_PLAIN) &&
		    q.last == SLOT_STEM) {
			size_t b, e;
			int cnt = 0;
			char *k = bracket_key(s + val, q.has_type && q.type == QT_JUDGE, &b, &e, &cnt);
			char tf;
			int nl;
			unsigned bits;
			if (k && key_kind(k, q.has_type && q.type == QT_JUDGE, &tf, &nl, &bits) == 'J')
				q.judge_done = 1;
			free(k);
		}
		free(s);
	}
	if (have_q)
		tq_finish(&c, &q);
	if (preamble_first) {
		char msg[300];
		loc_where(&c, preamble_first, where, sizeof where);
		if (preamble_last > preamble_first)
			snprintf(msg, sizeof msg, "第 %d–%d %s在第一道题之前，当作标题，没有读取：“%s”", preamble_first,
				 preamble_last, is_docx ? "段" : "行",
				 text_clip(loc_text(&c, preamble_first), TQ_SHOW, shown, sizeof shown));
		else
			snprintf(msg, sizeof msg, "这一%s在第一道题之前，当作标题，没有读取：“%s”", is_docx ? "段" : "行",
				 text_clip(loc_text(&c, preamble_first), TQ_SHOW, shown, sizeof shown));
		diag_add(&mynotes, where, "%s", msg);
	}
	if (c.nq == 0)
		diag_add(d, fname,
			 "文件中没有找到题目：题目应以题号开头（1. 或 1、或（1）），选项以 A. B. 开头，答案写在“答案：”行或题干括号里");
	if (c.generated) {
		loc_where(&c, c.gen_first_loc, where, sizeof where);
		diag_add(&mynotes, where, "%zu 道题没有“编号：”行，编号按%s生成：%s … %s", c.generated,
			 c.use_numbers ? "题号" : "题目顺序", c.gen_first, c.gen_last);
	}
	{
		size_t from = d->n;
		bank_b_check_ids(&c.b, d);
		quote_lines(&c, from);
	}
out:
	if (d->total == before) {
		out->code = lx_strdup(meta->code);
		out->title = lx_strdup(meta->title ? meta->title : "");
		out->subject = lx_strdup(meta->subject ? meta->subject : "");
		out->notes = mynotes;
		memset(&mynotes, 0, sizeof mynotes);
		bank_b_finish(&c.b, out);
	}
	diag_free(&mynotes);
	bank_b_free(&c.b);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}

/* Splits decoded text into lines (LF, CR LF or CR) and recognises them. */
int bank_text_parse(const char *data, size_t len, const char *fname, const struct bank_meta *meta,
		    struct bank_doc *out, struct diag *d)
{
	struct bank_tunit *u = NULL;
	char *text = NULL;
	size_t tlen = 0, n = 0, cap = 0, before = d->total;
	int line = 1;

	if (len >= 2 && (memcmp(data, "\xff\xfe", 2) == 0 || memcmp(data, "\xfe\xff", 2) == 0)) {
		diag_add(d, fname, "这是 UTF-16 编码的文本：请在记事本中“另存为”，编码选 UTF-8");
		goto out;
	}
	if (table_is_zip(data, len) || (len >= 4 && memcmp(data, "\xd0\xcf\x11\xe0", 4) == 0)) {
		diag_add(d, fname, "这不是文本文件（像是 Word 或 Excel 文件）：Word 文档请按 docx 格式导入");
		goto out;
	}
	if (memchr(data, '\0', len)) {
		diag_add(d, fname, "文件含有 NUL 字符：这不像文本文件");
		goto out;
	}
	if (table_decode_text(data, len, fname, "“UTF-8”编码的文本（记事本：另存为，编码选 UTF-8）", &text,
			      &tlen, d) != LX_OK)
		goto out;
	for (char *p = text, *e = text + tlen; p <= e;) {
		char *nl = p;
		while (nl < e && *nl != '\n' && *nl != '\r')
			nl++;
		if (n >= BANK_TEXT_MAX_LINES) {
			diag_add(d, fname, "文件超过 %d 行的上限，没有读取（请拆分为几个文件导入）", BANK_TEXT_MAX_LINES);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			u = lx_realloc(u, cap * sizeof *u);
		}
		u[n] = (struct bank_tunit){.text = p, .loc = line++};
		n++;
		if (nl >= e)
			break;
		if (*nl == '\r' && nl + 1 < e && nl[1] == '\n')
			*nl++ = '\0';
		*nl = '\0';
		p = nl + 1;
	}
	bank_text_units(u, n, fname, 0, meta, NULL, out, d);
out:
	free(u);
	free(text);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}
