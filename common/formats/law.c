/* law.c — reading a law's Markdown into articles, Chinese numerals, and reading a basis
 * (see law.h). Pure functions over bytes; nothing here knows the store or an exam.
 * Headings (#…) make the chapter path; a line starting 第X条 starts an article; other
 * lines continue the article above them (or, under a 序言 heading, the preamble; under a
 * 附件 heading after the last article, that annex). */
#include "law.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "text.h"

#define SHOW 60 /* bytes of a line quoted in a diagnostic */

static int digit_of(const char *p, size_t left, size_t *len)
{
	static const char *const digits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
	for (int i = 0; i < 10; i++)
		if (left >= 3 && memcmp(p, digits[i], 3) == 0) {
			*len = 3;
			return i;
		}
	if (left >= 3 && memcmp(p, "〇", 3) == 0) {
		*len = 3;
		return 0;
	}
	return -1;
}

static int unit_of(const char *p, size_t left)
{
	if (left < 3)
		return 0;
	if (memcmp(p, "十", 3) == 0)
		return 10;
	if (memcmp(p, "百", 3) == 0)
		return 100;
	if (memcmp(p, "千", 3) == 0)
		return 1000;
	return 0;
}

/* Length of the numeral characters at p (0 if none). */
static size_t numeral_span(const char *p, size_t left)
{
	size_t n = 0, l;
	while (n < left && (digit_of(p + n, left - n, &l) >= 0 || unit_of(p + n, left - n)))
		n += 3;
	return n;
}

int law_numeral(const char *s, size_t len, int *value)
{
	int total = 0, digit = -1, last_unit = 100000;
	size_t i = 0, l;

	*value = 0;
	if (len == 0)
		return LX_ERR_INVALID;
	while (i < len) {
		int d = digit_of(s + i, len - i, &l), u;
		if (d >= 0) {
			if (digit > 0)
				return LX_ERR_INVALID; /* two digits in a row: 二三 */
			digit = d;
			i += l;
			continue;
		}
		u = unit_of(s + i, len - i);
		if (!u || u >= last_unit)
			return LX_ERR_INVALID; /* units must fall: 千 > 百 > 十 */
		if (digit == 0 || (digit < 0 && (u != 10 || total)))
			return LX_ERR_INVALID; /* 零十, 百 alone; a leading 十 means 一十 */
		total += (digit < 0 ? 1 : digit) * u;
		last_unit = u;
		digit = -1;
		i += 3;
	}
	if (digit > 0)
		total += digit;
	if (total < 1 || total > 9999)
		return LX_ERR_INVALID;
	*value = total;
	return LX_OK;
}

/* A line "第X条[之Y]" followed by white space or its end: fills no/sub and the label's
 * length. 0 = not an article line; -1 = looks like one but the numeral cannot be read. */
static int article_head(const char *p, const char *end, int *no, int *sub, size_t *label_len)
{
	const char *q = p;
	size_t n;

	*no = *sub = 0;
	if (end - q < 3 || memcmp(q, "第", 3) != 0)
		return 0;
	q += 3;
	n = numeral_span(q, (size_t)(end - q));
	if (!n || end - (q + n) < 3 || memcmp(q + n, "条", 3) != 0)
		return 0;
	if (law_numeral(q, n, no) != LX_OK)
		return -1;
	q += n + 3;
	if (end - q >= 3 && memcmp(q, "之", 3) == 0) {
		size_t m = numeral_span(q + 3, (size_t)(end - q - 3));
		if (!m)
			return 0;
		if (law_numeral(q + 3, m, sub) != LX_OK)
			return -1;
		q += 3 + m;
	}
	if (q != end && !text_space_len(q, end))
		return 0; /* "第五条规定的…" runs on: a sentence, not an article */
	*label_len = (size_t)(q - p);
	return 1;
}

/* White space at p, also the typographic spaces U+2000–U+200B the texts use in headings
 * ("第一分编\u2002\u2002通则"). */
static size_t space_len(const char *p, const char *end)
{
	size_t n = text_space_len(p, end);
	if (!n && end - p >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
	    (unsigned char)p[2] >= 0x80 && (unsigned char)p[2] <= 0x8B)
		n = 3;
	return n;
}

/* A heading's text with runs of white space made one ASCII space (caller frees). */
static char *heading_text(const char *b, const char *e)
{
	struct buf o;
	int space = 0;
	buf_init(&o, LAW_MAX_HEADING * 2);
	while (b < e && space_len(b, e))
		b += space_len(b, e);
	while (b < e) {
		size_t sp = space_len(b, e);
		if (sp) {
			space = 1;
			b += sp;
			continue;
		}
		if (space && o.len)
			buf_addc(&o, ' ');
		space = 0;
		buf_addc(&o, *b++);
	}
	buf_addc(&o, '\0');
	return buf_detach(&o);
}

struct lctx {
	const char *fname;
	const char *data; /* the file, for quoting an article's line */
	size_t len;
	struct diag *d;
	struct law_doc *doc;
	char *heads[LAW_MAX_DEPTH];
	struct buf text;   /* the open article's paragraphs */
	int open;          /* an article (or the preamble) is being read */
	int in_preamble;   /* under a 序言 heading, before any article */
	int too_big;       /* the open article passed LAW_MAX_ARTICLE (said once) */
	int too_many;
	int annexes;       /* 附件 headings after the last article so far */
};

static void lerr(struct lctx *c, int line, const char *b, const char *e, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void lerr(struct lctx *c, int line, const char *b, const char *e, const char *fmt, ...)
{
	char where[512], shown[SHOW * 2 + 8], msg[512];
	char *quote = lx_strndup(b, (size_t)(e - b));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(where, sizeof where, "%s:%d", c->fname, line);
	diag_add(c->d, where, "%s——原文：“%s”", msg, text_clip(quote, SHOW, shown, sizeof shown));
	free(quote);
}

static char *chapter_path(struct lctx *c)
{
	struct buf o;
	buf_init(&o, LAW_MAX_DEPTH * (LAW_MAX_HEADING + 4));
	for (int i = 0; i < LAW_MAX_DEPTH; i++) {
		if (!c->heads[i] || !c->heads[i][0])
			continue;
		if (o.len)
			buf_adds(&o, " / ");
		buf_adds(&o, c->heads[i]);
	}
	buf_addc(&o, '\0');
	return buf_detach(&o);
}

static void close_article(struct lctx *c)
{
	if (c->open && c->doc->n) {
		struct law_article *a = &c->doc->articles[c->doc->n - 1];
		buf_addc(&c->text, '\0');
		a->text = buf_detach(&c->text);
	}
	buf_reset(&c->text);
	c->open = 0;
}

static struct law_article *new_article(struct lctx *c, int no, int sub, const char *label, size_t label_len,
				       int line, size_t off)
{
	struct law_article *a;
	close_article(c);
	if (c->doc->n >= LAW_MAX_ARTICLES) {
		c->too_many = 1;
		return NULL;
	}
	c->doc->articles = lx_realloc(c->doc->articles, (c->doc->n + 1) * sizeof *c->doc->articles);
	a = &c->doc->articles[c->doc->n++];
	memset(a, 0, sizeof *a);
	a->no = no;
	a->sub = sub;
	a->label = lx_strndup(label, label_len);
	a->chapter = chapter_path(c);
	a->line = line;
	a->off = off;
	c->open = 1;
	c->too_big = 0;
	return a;
}

static void add_text(struct lctx *c, int line, const char *b, const char *e)
{
	if (c->text.len && buf_addc(&c->text, '\n') != LX_OK)
		goto big;
	if (buf_add(&c->text, b, (size_t)(e - b)) != LX_OK)
		goto big;
	return;
big:
	if (!c->too_big)
		lerr(c, line, b, e, "条文超过 %u 字节", LAW_MAX_ARTICLE);
	c->too_big = 1;
}

static void heading(struct lctx *c, int level, const char *b, const char *e, int line)
{
	char *h = heading_text(b, e);
	close_article(c);
	c->in_preamble = 0;
	if (strlen(h) > LAW_MAX_HEADING) {
		lerr(c, line, b, e, "标题超过 %d 字节", LAW_MAX_HEADING);
		free(h);
		return;
	}
	if (level == 1 && !c->doc->title) {
		c->doc->title = h;
		return;
	}
	if (level == 1 && strcmp(h, c->doc->title) == 0) { /* the Civil Code repeats it per part */
		free(h);
		return;
	}
	if (level > LAW_MAX_DEPTH)
		level = LAW_MAX_DEPTH;
	for (int i = level - 1; i < LAW_MAX_DEPTH; i++) {
		free(c->heads[i]);
		c->heads[i] = NULL;
	}
	c->heads[level - 1] = h;
	if (strcmp(h, "序言") == 0) {
		struct law_article *a = NULL;
		for (size_t i = 0; i < c->doc->n; i++)
			if (c->doc->articles[i].no == 0)
				a = &c->doc->articles[i];
		if (a)
			lerr(c, line, b, e, "序言重复：第 %d 行已有序言", a->line);
		else if (c->doc->n)
			lerr(c, line, b, e, "序言必须在第一条之前");
		else if (new_article(c, 0, 0, "序言", strlen("序言"), line, (size_t)(b - c->data)))
			c->in_preamble = 1;
	} else if (strncmp(h, "附件", strlen("附件")) == 0 && c->doc->n && c->doc->articles[c->doc->n - 1].no > 0) {
		/* an annex after the articles: its lines are its text (see LAW_ANNEX_NO) */
		c->annexes++;
		new_article(c, LAW_ANNEX_NO + c->annexes, 0, h, strlen(h), line, (size_t)(b - c->data));
	}
}

/* Checks the order: 序言, then 1, 2, 3…, each 之Y right after X or X之(Y-1). */
static void check_order(struct lctx *c)
{
	int prev_no = 0, prev_sub = 0;
	for (size_t i = 0; i < c->doc->n; i++) {
		const struct law_article *a = &c->doc->articles[i];
		char msg[256];
		const char *b, *e;
		if (a->no == 0 || a->no > LAW_ANNEX_NO)
			continue;
		b = c->data + a->off; /* the line itself, for the quote */
		e = memchr(b, '\n', c->len - a->off);
		e = e ? e : c->data + c->len;
		if (a->sub == 0 ? a->no == prev_no + 1 : (a->no == prev_no && a->sub == prev_sub + 1)) {
			prev_no = a->no;
			prev_sub = a->sub;
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (c->doc->articles[j].no == a->no && c->doc->articles[j].sub == a->sub) {
				snprintf(msg, sizeof msg, "%s重复：第 %d 行已有同号条文", a->label, c->doc->articles[j].line);
				goto report;
			}
		if (a->sub == 0 && a->no > prev_no + 1)
			snprintf(msg, sizeof msg, "条文编号不连续：%s之前缺少第 %d 至第 %d 条（上一条是第 %d 条）", a->label,
				 prev_no + 1, a->no - 1, prev_no);
		else if (a->sub == 0)
			snprintf(msg, sizeof msg, "条文编号倒退：%s出现在第 %d 条之后", a->label, prev_no);
		else
			snprintf(msg, sizeof msg, "%s的位置不对：它必须紧跟在第 %d 条（或其前一个“之”条）之后", a->label, a->no);
	report:
		lerr(c, a->line, b, e, "%s", msg);
		if (a->no > prev_no || (a->no == prev_no && a->sub > prev_sub)) {
			prev_no = a->no;
			prev_sub = a->sub;
		}
	}
}

int law_parse(const char *data, size_t len, const char *fname, struct law_doc *doc, struct diag *d)
{
	struct lctx c = {.fname = fname, .data = data, .len = len, .d = d, .doc = doc};
	const char *p = data, *end = data + len;
	size_t before = d->total;
	int line = 0;

	memset(doc, 0, sizeof *doc);
	buf_init(&c.text, LAW_MAX_ARTICLE);
	if (len > LAW_MAX_BYTES) {
		char where[512];
		snprintf(where, sizeof where, "%s:1", fname);
		diag_add(d, where, "法律文件超过 %u MiB", LAW_MAX_BYTES >> 20);
		goto out;
	}
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *b = p, *e = nl ? nl : end;
		int no, sub, h;
		size_t label_len, hashes = 0;
		p = nl ? nl + 1 : end;
		line++;
		if (!text_utf8_valid(b, (size_t)(e - b))) {
			char where[512];
			snprintf(where, sizeof where, "%s:%d", fname, line);
			diag_add(d, where, "这一行不是 UTF-8 文本（法律文本须为 UTF-8）");
			continue;
		}
		if (memchr(b, '\0', (size_t)(e - b))) {
			lerr(&c, line, b, e, "这一行含有 NUL 字节");
			continue;
		}
		text_trim_range(&b, &e);
		if (b == e)
			continue;
		while (b + hashes < e && b[hashes] == '#')
			hashes++;
		if (hashes && (b + hashes == e || b[hashes] == ' ')) {
			heading(&c, (int)hashes, b + hashes, e, line);
			continue;
		}
		h = article_head(b, e, &no, &sub, &label_len);
		if (h < 0) {
			lerr(&c, line, b, e, "条文编号无法识别（应为“第一百二十三条”这样的中文数字）");
			close_article(&c);
			continue;
		}
		if (h > 0) {
			const char *t = b + label_len;
			c.in_preamble = 0;
			if (!new_article(&c, no, sub, b, label_len, line, (size_t)(b - data)))
				continue;
			t += text_space_len(t, e);
			while (t < e && text_space_len(t, e))
				t += text_space_len(t, e);
			if (t < e)
				add_text(&c, line, t, e);
			continue;
		}
		if (c.open)
			add_text(&c, line, b, e);
		/* else: the header's dates, lines under a heading that is no annex — not part of any article */
	}
	close_article(&c);
	if (c.too_many) {
		char where[512];
		snprintf(where, sizeof where, "%s:%d", fname, line);
		diag_add(d, where, "条文超过 %d 条", LAW_MAX_ARTICLES);
	}
	{
		size_t numbered = 0;
		for (size_t i = 0; i < doc->n; i++)
			numbered += doc->articles[i].no > 0;
		if (!numbered) {
			char where[512];
			snprintf(where, sizeof where, "%s:1", fname);
			diag_add(d, where, "没有找到条文：条文须在行首以“第X条”开头（如“第一条 …”）");
		} else {
			check_order(&c);
		}
	}
	for (size_t i = 0; i < doc->n; i++)
		if (!doc->articles[i].text)
			doc->articles[i].text = lx_strdup("");
out:
	for (int i = 0; i < LAW_MAX_DEPTH; i++)
		free(c.heads[i]);
	buf_free(&c.text);
	if (d->total > before) {
		law_doc_free(doc);
		return LX_ERR_INVALID;
	}
	return LX_OK;
}

void law_doc_free(struct law_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->articles[i].label);
		free(doc->articles[i].chapter);
		free(doc->articles[i].text);
	}
	free(doc->articles);
	free(doc->title);
	memset(doc, 0, sizeof *doc);
}

int law_basis_parse(const char *basis, char **title, struct law_ref *refs, int *n)
{
	const char *open = strstr(basis, "《"), *close, *p, *end;
	*title = NULL;
	*n = 0;
	if (!open || !(close = strstr(open + 3, "》")) || close == open + 3)
		return LX_ERR_INVALID;
	p = close + 3;
	end = p + strlen(p);
	if (end - p >= 6 && memcmp(p, "序言", 6) == 0) {
		refs[(*n)++] = (struct law_ref){0, 0};
		p += 6;
	}
	while (p < end && *n < LAW_REFS_MAX) {
		size_t span;
		int v;
		if (end - p < 3 || memcmp(p, "第", 3) != 0) {
			p += text_utf8_seq(p, (size_t)(end - p)) ? text_utf8_seq(p, (size_t)(end - p)) : 1;
			continue;
		}
		p += 3;
		span = numeral_span(p, (size_t)(end - p));
		if (!span || law_numeral(p, span, &v) != LX_OK || end - (p + span) < 3)
			continue;
		p += span;
		if (memcmp(p, "条", 3) == 0) {
			struct law_ref r = {v, 0};
			p += 3;
			if (end - p >= 3 && memcmp(p, "之", 3) == 0) {
				size_t m = numeral_span(p + 3, (size_t)(end - p - 3));
				int s;
				if (m && law_numeral(p + 3, m, &s) == LX_OK) {
					r.sub = s;
					p += 3 + m;
				}
			}
			refs[(*n)++] = r;
		}
		/* 章 节 编 款 项 自然段: passed over */
	}
	if (!*n)
		return LX_ERR_INVALID;
	*title = lx_strndup(open + 3, (size_t)(close - open - 3));
	return LX_OK;
}

void law_ref_format(struct law_ref r, char *out, size_t outlen)
{
	if (r.sub)
		snprintf(out, outlen, "%d-%d", r.no, r.sub);
	else
		snprintf(out, outlen, "%d", r.no);
}

static int small_int(const char **p, int *v)
{
	int x = 0, digits = 0;
	if (**p == '0' && (*p)[1] >= '0' && (*p)[1] <= '9')
		return LX_ERR_INVALID; /* no leading zeros: one URL per article */
	while (**p >= '0' && **p <= '9' && digits < 5) {
		x = x * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (!digits || (**p >= '0' && **p <= '9'))
		return LX_ERR_INVALID;
	*v = x;
	return LX_OK;
}

int law_ref_parse(const char *s, struct law_ref *r)
{
	const char *p = s;
	r->no = r->sub = 0;
	if (small_int(&p, &r->no) != LX_OK)
		return LX_ERR_INVALID;
	if (*p == '-') {
		p++;
		if (small_int(&p, &r->sub) != LX_OK || r->sub == 0 || r->no == 0)
			return LX_ERR_INVALID;
	}
	return *p ? LX_ERR_INVALID : LX_OK;
}

int law_code_valid(const char *code)
{
	size_t n = strlen(code);
	if (n == 0 || n > LAW_CODE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') || code[i] == '-'))
			return 0;
	return 1;
}
