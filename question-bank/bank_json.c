/* bank_json.c — the lawexam-bank/1 JSON reader of the bank_ module (SPEC §4.1).
 * jansson parses (duplicate keys rejected); since jansson keeps no positions, a small
 * scanner over the raw text first checks the nesting depth and records the line of every
 * top-level, bank and question field, so each message reads "FILE:LINE: …".
 * Validation of the question itself is shared with the tables (bank.c). */
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "bank_int.h"
#include "err.h"
#include "mem.h"
#include "text.h"

/* ---------------------------------------------------------------------------------- */
/* Positions                                                                           */

struct jkey {
	const char *key; /* raw text between the quotes (escapes not decoded) */
	size_t klen;
	int line;        /* where the value starts */
	int *elems;      /* for array values: line of each element */
	size_t nelems, capelems;
};

struct jobj {
	int line;
	struct jkey *k;
	size_t n, cap;
};

struct jpos {
	struct jobj root, bank;
	struct jobj *q;  /* elements of root.questions */
	size_t nq, capq;
	int deep_line;   /* line where nesting passed the cap, 0 if never */
	size_t values;   /* values seen */
	int many_line;   /* line where values passed BANK_JSON_MAX_VALUES, 0 if never */
};

/* jansson builds the whole tree before we can look at it: refuse, before parsing, a file
 * with more values than the largest bank can have (~20 per question). */
#define BANK_JSON_MAX_VALUES (BANK_MAX_QUESTIONS * 50)

enum { R_OTHER, R_ROOT, R_BANK, R_QUESTIONS, R_Q, R_QARR };

struct jframe {
	char kind;        /* '{' or '[' */
	int role;
	int expect_key;
	const char *key;  /* current key (objects) */
	size_t klen;
	size_t index;     /* next element index (arrays) */
	size_t qi;        /* R_Q, R_QARR: the question */
	size_t ki;        /* R_QARR: the key within q[qi] */
};

/* Appends a key (borrowed: points into the scanned text) and returns its index. */
static size_t jobj_add(struct jobj *o, const char *key, size_t klen, int line)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 8;
		o->k = lx_realloc(o->k, o->cap * sizeof *o->k);
	}
	memset(&o->k[o->n], 0, sizeof o->k[o->n]);
	o->k[o->n].key = key;
	o->k[o->n].klen = klen;
	o->k[o->n].line = line;
	return o->n++;
}

static void jobj_free(struct jobj *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->k[i].elems);
	free(o->k);
}

static void jpos_free(struct jpos *p)
{
	jobj_free(&p->root);
	jobj_free(&p->bank);
	for (size_t i = 0; i < p->nq; i++)
		jobj_free(&p->q[i]);
	free(p->q);
	memset(p, 0, sizeof *p);
}

static int key_is(const struct jframe *f, const char *name)
{
	return f->key && f->klen == strlen(name) && memcmp(f->key, name, f->klen) == 0;
}

/* A value starts at line in frame f (NULL at the top). Records it; returns the role a
 * container starting here gets, and its qi/ki through *child. */
static int jscan_value(struct jpos *pos, struct jframe *f, int line, int root_done,
		       struct jframe *child)
{
	int role = R_OTHER;
	size_t idx = 0;

	if (++pos->values > BANK_JSON_MAX_VALUES && !pos->many_line)
		pos->many_line = line;
	if (!f)
		return root_done ? R_OTHER : R_ROOT;
	if (f->kind == '[')
		idx = f->index++;
	switch (f->role) {
	case R_ROOT:
		jobj_add(&pos->root, f->key, f->klen, line);
		role = key_is(f, "bank") ? R_BANK : key_is(f, "questions") ? R_QUESTIONS : R_OTHER;
		break;
	case R_BANK:
		jobj_add(&pos->bank, f->key, f->klen, line);
		break;
	case R_QUESTIONS:
		if (idx == pos->capq) {
			pos->capq = pos->capq ? pos->capq * 2 : 64;
			pos->q = lx_realloc(pos->q, pos->capq * sizeof *pos->q);
		}
		if (idx < pos->nq) /* a repeated "questions" (jansson rejects it later) */
			jobj_free(&pos->q[idx]);
		memset(&pos->q[idx], 0, sizeof pos->q[idx]);
		pos->q[idx].line = line;
		if (idx + 1 > pos->nq)
			pos->nq = idx + 1;
		child->qi = idx;
		role = R_Q;
		break;
	case R_Q:
		child->qi = f->qi;
		child->ki = jobj_add(&pos->q[f->qi], f->key, f->klen, line);
		role = R_QARR;
		break;
	case R_QARR: {
		struct jkey *k = &pos->q[f->qi].k[f->ki];
		if (k->nelems == k->capelems) {
			k->capelems = k->capelems ? k->capelems * 2 : 8;
			k->elems = lx_realloc(k->elems, k->capelems * sizeof *k->elems);
		}
		k->elems[k->nelems++] = line;
		break;
	}
	default:
		break;
	}
	return role;
}

/* Scans the raw text once: depth check and positions. Tolerates any bytes. */
static void jscan(const char *s, size_t len, struct jpos *pos)
{
	struct jframe st[BANK_MAX_JSON_DEPTH];
	size_t depth = 0, i = 0;
	int line = 1, root_done = 0;

	while (i < len) {
		char c = s[i];
		struct jframe *f = depth ? &st[depth - 1] : NULL;
		struct jframe child = {0};

		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == ':') {
			i++;
			continue;
		}
		if (c == ',') {
			if (f && f->kind == '{')
				f->expect_key = 1;
			i++;
			continue;
		}
		if (c == '}' || c == ']') {
			if (depth > 0)
				depth--;
			if (depth == 0)
				root_done = 1;
			i++;
			continue;
		}
		if (c == '"') {
			size_t start = ++i;
			int sline = line;
			while (i < len && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				if (s[i] == '\n')
					line++;
				i++;
			}
			if (f && f->kind == '{' && f->expect_key) {
				f->key = s + start;
				f->klen = i - start;
				f->expect_key = 0;
			} else {
				jscan_value(pos, f, sline, root_done, &child);
				if (!f)
					root_done = 1;
			}
			if (i < len)
				i++;
			continue;
		}
		if (c == '{' || c == '[') {
			int role = jscan_value(pos, f, line, root_done, &child);
			if (depth == BANK_MAX_JSON_DEPTH) {
				pos->deep_line = line;
				return;
			}
			child.kind = c;
			child.role = R_OTHER;
			if (c == '{' && (role == R_ROOT || role == R_BANK || role == R_Q))
				child.role = role;
			if (c == '[' && (role == R_QUESTIONS || role == R_QARR))
				child.role = role;
			child.expect_key = c == '{';
			st[depth++] = child;
			i++;
			continue;
		}
		/* a number, true, false, null, or junk: one value up to the next delimiter */
		jscan_value(pos, f, line, root_done, &child);
		if (!f)
			root_done = 1;
		i++; /* always consume the first byte, whatever it is (NUL included) */
		while (i < len && !memchr(",]}\" \t\r\n", s[i], 8))
			i++;
	}
}

static const struct jkey *jobj_find(const struct jobj *o, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; o && i < o->n; i++)
		if (o->k[i].klen == n && memcmp(o->k[i].key, key, n) == 0)
			return &o->k[i];
	return NULL;
}

/* Line of question qi's field key (element elem if >= 0), falling back to the question. */
static int jpos_qline(const struct jpos *p, size_t qi, const char *key, long elem)
{
	const struct jobj *q = qi < p->nq ? &p->q[qi] : NULL;
	const struct jkey *k;

	if (!q)
		return p->root.line ? p->root.line : 1;
	k = key ? jobj_find(q, key) : NULL;
	if (!k)
		return q->line;
	if (elem >= 0 && (size_t)elem < k->nelems)
		return k->elems[elem];
	return k->line;
}

static int jpos_line(const struct jobj *o, const char *key, int fallback)
{
	const struct jkey *k = jobj_find(o, key);
	return k ? k->line : fallback;
}

/* ---------------------------------------------------------------------------------- */
/* Messages                                                                            */

struct jctx {
	const char *fname;
	const struct jpos *pos;
	size_t qi;
};

static void json_where(void *ctx, enum bank_field f, long elem, char *out, size_t outlen)
{
	const struct jctx *c = ctx;
	int line = jpos_qline(c->pos, c->qi, f == BF_QUESTION ? NULL : bank_field_json[f], elem);

	snprintf(out, outlen, "%s:%d", c->fname, line);
}

static void at_line(struct diag *d, const char *fname, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void at_line(struct diag *d, const char *fname, int line, const char *fmt, ...)
{
	char where[512], msg[1024];
	va_list ap;

	snprintf(where, sizeof where, "%s:%d", fname, line > 0 ? line : 1);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_add(d, where, "%s", msg);
}

static const char *json_kind_zh(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "对象";
	case JSON_ARRAY: return "数组";
	case JSON_STRING: return "字符串";
	case JSON_INTEGER: return "整数";
	case JSON_REAL: return "小数";
	case JSON_TRUE:
	case JSON_FALSE: return "true/false";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* Edit distance of two short ASCII strings, capped at 9. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[40];

	if (la > 32 || lb > 32)
		return 9;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0], cur;
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev + (a[i - 1] != b[j - 1]);
			int del = row[j] + 1, ins = row[j - 1] + 1;
			cur = sub < del ? sub : del;
			cur = cur < ins ? cur : ins;
			prev = row[j];
			row[j] = cur;
		}
	}
	return row[lb] > 9 ? 9 : row[lb];
}

/* "（是不是 "answer"？）" or "（可用字段：…）" for an unknown field name. Returns the
 * index of the suggested name, or -1. */
static int unknown_hint(const char *key, const char *const *names, size_t n, char *out, size_t outlen)
{
	int best = -1, bestd = 3;
	size_t off;

	for (size_t i = 0; i < n; i++) {
		int dd = edit_distance(key, names[i]);
		if (dd < bestd) {
			bestd = dd;
			best = (int)i;
		}
	}
	if (best >= 0) {
		snprintf(out, outlen, "（是不是 \"%s\"？）", names[best]);
		return best;
	}
	off = (size_t)snprintf(out, outlen, "（可用字段：");
	for (size_t i = 0; i < n && off < outlen; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%s%s", i ? ", " : "", names[i]);
	if (off < outlen)
		snprintf(out + off, outlen - off, "）");
	return -1;
}

/* jansson's English syntax errors, with a Chinese lead for the common ones. */
static const struct {
	const char *en;
	const char *zh;
} json_err_zh[] = { /* first match wins: the more specific first */
	{"duplicate object key", "同一个对象里有重复的字段"},
	{"unable to decode byte", "不是有效的 UTF-8 编码（JSON 文件必须保存为 UTF-8）"},
	{"end of file expected", "JSON 在结束后还有多余的内容"},
	{"'[' or '{' expected", "文件开头应为 {"},
	{"near end of file", "文件不完整：括号或引号没有闭合"},
	{"premature end of input", "文件不完整：括号或引号没有闭合"},
	{"unexpected newline", "字符串中间不能直接换行（请写成 \\n）"},
	{"control character", "字符串中含有控制字符（请写成转义形式）"},
	{"string or '}' expected", "多余的逗号或缺少字段名"},
	{"'}' expected", "缺少逗号或 }"},
	{"']' expected", "缺少逗号或 ]"},
	{"':' expected", "字段名后缺少冒号"},
	{"invalid token", "无法识别的内容（字符串要用英文双引号，不能有多余的逗号）"},
};

static void syntax_error(struct diag *d, const char *fname, const json_error_t *e)
{
	const char *zh = NULL;
	char text[256];

	for (size_t i = 0; i < sizeof json_err_zh / sizeof json_err_zh[0]; i++) {
		if (strstr(e->text, json_err_zh[i].en)) {
			zh = json_err_zh[i].zh;
			break;
		}
	}
	at_line(d, fname, e->line, "JSON 语法错误%s%s（第 %d 列：%s）", zh ? "：" : "", zh ? zh : "",
		e->column > 0 ? e->column : 1, text_clip(e->text, 200, text, sizeof text));
}

/* ---------------------------------------------------------------------------------- */
/* Reading                                                                             */

/* A string member of a small object (root, bank): fresh copy or NULL, with messages. */
static char *member_string(const json_t *obj, const char *key, const char *zh, const struct jobj *pos,
			   int fallback, const char *fname, struct diag *d)
{
	const json_t *v = json_object_get(obj, key);
	int line = jpos_line(pos, key, fallback);

	if (!v) {
		at_line(d, fname, fallback, "缺少 \"%s\" 字段（%s）", key, zh);
		return NULL;
	}
	if (!json_is_string(v)) {
		at_line(d, fname, line, "\"%s\"（%s）应为字符串，现为%s", key, zh, json_kind_zh(v));
		return NULL;
	}
	return lx_strdup(json_string_value(v));
}

/* Reports every key of obj not in names. Returns a bit mask of the names suggested for
 * a misspelt key while absent themselves: their "missing" message would only repeat it. */
static unsigned check_unknown(const json_t *obj, const char *const *names, size_t n, const struct jobj *pos,
			      int fallback, const char *prefix, const char *fname, struct diag *d)
{
	const char *key;
	json_t *v;
	unsigned suggested = 0;

	json_object_foreach((json_t *)obj, key, v) {
		size_t i;
		int best;
		char hint[256], shown[128];
		for (i = 0; i < n; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (i < n)
			continue;
		best = unknown_hint(key, names, n, hint, sizeof hint);
		if (best >= 0 && !json_object_get(obj, names[best]))
			suggested |= 1u << best;
		at_line(d, fname, jpos_line(pos, key, fallback), "%s未知字段 \"%s\"%s", prefix,
			bank_v_show(key, shown, sizeof shown), hint);
	}
	return suggested;
}

static const char *const root_fields[] = {"format", "bank", "questions"};
static const char *const bank_fields[] = {"code", "title", "subject"};

/* The bank identity from the file and the command line. */
static void read_bank(const json_t *root, const struct jpos *pos, const struct bank_meta *meta,
		      const char *fname, struct bank_doc *out, struct diag *d)
{
	const json_t *bank = json_object_get(root, "bank");
	int bline = jpos_line(&pos->root, "bank", 1);
	char shown[128];
	unsigned suggested;
	static const struct {
		const char *key, *zh;
		size_t off_doc, off_meta;
	} fields[] = {
		{"code", "题库代码", offsetof(struct bank_doc, code), offsetof(struct bank_meta, code)},
		{"title", "题库名称", offsetof(struct bank_doc, title), offsetof(struct bank_meta, title)},
		{"subject", "科目", offsetof(struct bank_doc, subject), offsetof(struct bank_meta, subject)},
	};

	if (!bank) {
		at_line(d, fname, 1, "缺少 \"bank\" 字段：应为 {\"code\": …, \"title\": …, \"subject\": …}");
		return;
	}
	if (!json_is_object(bank)) {
		at_line(d, fname, bline, "\"bank\" 应为对象 {\"code\", \"title\", \"subject\"}，现为%s",
			json_kind_zh(bank));
		return;
	}
	suggested = check_unknown(bank, bank_fields, 3, &pos->bank, bline, "\"bank\" 中", fname, d);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		char **slot = (char **)((char *)out + fields[i].off_doc);
		const char *want = *(const char *const *)((const char *)meta + fields[i].off_meta);
		int line = jpos_line(&pos->bank, fields[i].key, bline);
		char *v;

		if ((suggested >> i) & 1u)
			continue;
		v = member_string(bank, fields[i].key, fields[i].zh, &pos->bank, bline, fname, d);

		if (!v)
			continue;
		if (i == 0 && !bank_v_code_ok(v))
			at_line(d, fname, line, "题库代码 \"%s\" 不合规：只能用小写英文字母、数字和连字符，1–32 个字符",
				bank_v_show(v, shown, sizeof shown));
		else if (i > 0 && v[0] == '\0')
			at_line(d, fname, line, "%s为空", fields[i].zh);
		else if (i > 0 && strlen(v) > BANK_MAX_TITLE)
			at_line(d, fname, line, "%s超过 %d 字节的上限", fields[i].zh, BANK_MAX_TITLE);
		else if (want && strcmp(want, v) != 0) {
			char shown2[128];
			at_line(d, fname, line, "导入时指定的%s \"%s\" 与文件中的 \"%s\" 不一致", fields[i].zh,
				bank_v_show(want, shown2, sizeof shown2), bank_v_show(v, shown, sizeof shown));
		}
		*slot = v;
	}
}

/* Strings of a JSON array into a fresh array of borrowed pointers; NULL elements
 * (not strings) reported. Returns 0 if all were strings. */
static int string_array(const json_t *arr, const char ***items, size_t *n, struct bank_qin *in,
			enum bank_field f, struct diag *d)
{
	size_t sz = json_array_size(arr);
	int bad = 0;

	*items = lx_calloc(sz ? sz : 1, sizeof **items);
	*n = sz;
	for (size_t i = 0; i < sz; i++) {
		const json_t *e = json_array_get(arr, i);
		if (json_is_string(e)) {
			(*items)[i] = json_string_value(e);
			continue;
		}
		if (!bad) {
			char where[512], prefix[128];
			in->where(in->ctx, f, (long)i, where, sizeof where);
			diag_add(d, where, "%s\"%s\" 的第 %zu 项应为字符串，现为%s",
				 bank_v_prefix(in, prefix, sizeof prefix), bank_field_json[f], i + 1,
				 json_kind_zh(e));
		}
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* One element of "questions". */
static void read_question(const json_t *qv, size_t qi, const struct jpos *pos, const char *fname,
			  struct bank_build *b, struct diag *d)
{
	struct jctx ctx = {.fname = fname, .pos = pos, .qi = qi};
	struct bank_qin in = {.seq = qi + 1, .where = json_where, .ctx = &ctx};
	struct bank_question q;
	const char **opts = NULL, **tags = NULL;
	char where[512], prefix[128], shown[128];
	const char *key;
	json_t *v;

	if (!json_is_object(qv)) {
		json_where(&ctx, BF_QUESTION, -1, where, sizeof where);
		diag_add(d, where, "第 %zu 道题应为对象 {…}，现为%s", qi + 1, json_kind_zh(qv));
		return;
	}
	v = json_object_get(qv, "id");
	if (json_is_string(v))
		in.text[BF_ID] = json_string_value(v);
	json_object_foreach((json_t *)qv, key, v) {
		enum bank_field f = BF_N;
		for (int k = BF_ID; k < BF_N; k++)
			if (strcmp(key, bank_field_json[k]) == 0)
				f = (enum bank_field)k;
		if (f == BF_N) {
			char hint[256];
			const struct jkey *jk = jobj_find(qi < pos->nq ? &pos->q[qi] : NULL, key);
			int best = unknown_hint(key, bank_field_json + 1, BF_N - 1, hint, sizeof hint);
			if (best >= 0 && !json_object_get(qv, bank_field_json[best + 1]))
				in.reported |= 1u << (best + 1); /* no "missing" message as well */
			snprintf(where, sizeof where, "%s:%d", fname,
				 jk ? jk->line : jpos_qline(pos, qi, NULL, -1));
			diag_add(d, where, "%s未知字段 \"%s\"%s", bank_v_prefix(&in, prefix, sizeof prefix),
				 bank_v_show(key, shown, sizeof shown), hint);
			in.reported |= 1u << BF_QUESTION;
			continue;
		}
		if (f == BF_OPTIONS || f == BF_TAGS) {
			if (!json_is_array(v)) {
				json_where(&ctx, f, -1, where, sizeof where);
				diag_add(d, where, "%s\"%s\"（%s）应为字符串数组 [\"…\", …]，现为%s",
					 bank_v_prefix(&in, prefix, sizeof prefix), key, bank_field_zh[f],
					 json_kind_zh(v));
				in.reported |= 1u << f;
			} else if (f == BF_OPTIONS) {
				if (string_array(v, &opts, &in.n_options, &in, f, d) != 0)
					in.reported |= 1u << f;
				in.options = opts;
				in.has_options = 1;
			} else {
				if (string_array(v, &tags, &in.n_tags, &in, f, d) != 0)
					in.reported |= 1u << f;
				in.tags = tags;
			}
		} else if (f == BF_DIFFICULTY) {
			if (!json_is_integer(v)) {
				json_where(&ctx, f, -1, where, sizeof where);
				diag_add(d, where, "%s\"difficulty\"（难度）应为 1 到 5 的整数，现为%s",
					 bank_v_prefix(&in, prefix, sizeof prefix), json_kind_zh(v));
				in.reported |= 1u << f;
			} else {
				in.has_difficulty_num = 1;
				in.difficulty_num = json_integer_value(v);
			}
		} else if (!json_is_string(v)) {
			json_where(&ctx, f, -1, where, sizeof where);
			diag_add(d, where, "%s\"%s\"（%s）应为字符串，现为%s",
				 bank_v_prefix(&in, prefix, sizeof prefix), key, bank_field_zh[f], json_kind_zh(v));
			in.reported |= 1u << f;
		} else {
			in.text[f] = json_string_value(v);
		}
	}
	if (in.text[BF_ID] && bank_v_id_ok(in.text[BF_ID])) {
		char ref[512];
		json_where(&ctx, BF_ID, -1, where, sizeof where);
		json_where(&ctx, BF_QUESTION, -1, ref, sizeof ref);
		bank_b_id(b, in.text[BF_ID], where, ref, in.seq);
	}
	if (bank_v_question(&in, &q, d) == LX_OK) {
		json_where(&ctx, BF_QUESTION, -1, where, sizeof where);
		q.where = lx_strdup(where);
		bank_b_add(b, &q);
	}
	free(opts);
	free(tags);
}

int bank_json_parse(const char *data, size_t len, const char *fname, const struct bank_meta *meta,
		    struct bank_doc *out, struct diag *d)
{
	struct jpos pos = {0};
	struct bank_build b = {0};
	json_t *root = NULL;
	const json_t *v, *qs;
	json_error_t jerr;
	size_t before = d->total;
	char shown[128];
	unsigned suggested;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	jscan(data, len, &pos);
	if (pos.deep_line) {
		at_line(d, fname, pos.deep_line, "JSON 嵌套超过 %d 层，拒绝读取", BANK_MAX_JSON_DEPTH);
		goto out;
	}
	if (pos.many_line) {
		at_line(d, fname, pos.many_line, "JSON 中的值超过 %d 个，远多于一个题库可能有的内容，拒绝读取",
			BANK_JSON_MAX_VALUES);
		goto out;
	}
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		syntax_error(d, fname, &jerr);
		goto out;
	}
	if (!json_is_object(root)) {
		at_line(d, fname, 1, "题库文件的最外层应为对象 {\"format\": …, \"bank\": …, \"questions\": […]}");
		goto out;
	}
	suggested = check_unknown(root, root_fields, 3, &pos.root, pos.root.line, "", fname, d);
	v = json_object_get(root, "format");
	if (!v && !(suggested & 1u))
		at_line(d, fname, 1, "缺少 \"format\" 字段：应为 \"lawexam-bank/1\"");
	else if (v && !json_is_string(v))
		at_line(d, fname, jpos_line(&pos.root, "format", 1), "\"format\" 应为 \"lawexam-bank/1\"，现为%s",
			json_kind_zh(v));
	else if (v && strcmp(json_string_value(v), "lawexam-bank/1") != 0)
		at_line(d, fname, jpos_line(&pos.root, "format", 1), "\"format\" 应为 \"lawexam-bank/1\"，现为 \"%s\"",
			bank_v_show(json_string_value(v), shown, sizeof shown));
	if (!(suggested & 2u) || json_object_get(root, "bank"))
		read_bank(root, &pos, meta, fname, out, d);
	qs = json_object_get(root, "questions");
	if (!qs) {
		if (!(suggested & 4u))
			at_line(d, fname, 1, "缺少 \"questions\" 字段（题目数组）");
		goto out;
	}
	if (!json_is_array(qs)) {
		at_line(d, fname, jpos_line(&pos.root, "questions", 1), "\"questions\" 应为数组 […]，现为%s",
			json_kind_zh(qs));
		goto out;
	}
	if (json_array_size(qs) == 0) {
		at_line(d, fname, jpos_line(&pos.root, "questions", 1), "题库中没有任何题目");
		goto out;
	}
	if (json_array_size(qs) > BANK_MAX_QUESTIONS) {
		at_line(d, fname, jpos_line(&pos.root, "questions", 1), "题目数量 %zu 超过上限 %d，请拆分成多个题库",
			json_array_size(qs), BANK_MAX_QUESTIONS);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(qs); i++)
		read_question(json_array_get(qs, i), i, &pos, fname, &b, d);
	bank_b_check_ids(&b, d);
out:
	if (d->total == before)
		bank_b_finish(&b, out);
	bank_b_free(&b);
	json_decref(root);
	jpos_free(&pos);
	return d->total > before ? LX_ERR_INVALID : LX_OK;
}
