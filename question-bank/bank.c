/* bank.c — question banks in memory (see bank.h): question types and formats, the
 * validation every bank format shares (SPEC §4.1 and §4.2), the builder that finds
 * repeated ids, and bank_parse(), which hands the bytes to bank_json.c or bank_table.c.
 * Reads no file format itself and never touches the database (bank_import.c does). */
#include "bank.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bank_int.h"
#include "err.h"
#include "mem.h"
#include "table.h"
#include "text.h"

const char *const bank_field_json[BF_N] = {
	"", "id", "type", "stem", "options", "answer", "explanation", "basis", "difficulty", "tags",
};

const char *const bank_field_zh[BF_N] = {
	"", "编号", "题型", "题干", "选项", "答案", "解析", "依据", "难度", "标签",
};

/* ---------------------------------------------------------------------------------- */
/* Types and formats                                                                   */

static const struct {
	const char *name;
	enum bank_format f;
} format_names[] = {
	{"json", BANK_FMT_JSON}, {"csv", BANK_FMT_CSV}, {"xlsx", BANK_FMT_XLSX},
	{"txt", BANK_FMT_TXT},   {"docx", BANK_FMT_DOCX},
};

const char *bank_format_name(enum bank_format f)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
		if (format_names[i].f == f)
			return format_names[i].name;
	return "";
}

int bank_format_parse(const char *s, enum bank_format *out)
{
	for (size_t i = 0; s && i < sizeof format_names / sizeof format_names[0]; i++) {
		if (strcasecmp(s, format_names[i].name) == 0) {
			*out = format_names[i].f;
			return LX_OK;
		}
	}
	return LX_ERR_INVALID;
}

enum bank_format bank_format_guess(const char *fname, const char *data, size_t len)
{
	const char *dot = fname ? strrchr(fname, '.') : NULL;
	enum bank_format f;
	size_t i = 0;

	if (dot && !strchr(dot, '/') && bank_format_parse(dot + 1, &f) == LX_OK)
		return f;
	if (dot && !strchr(dot, '/') && strcasecmp(dot, ".doc") == 0)
		return BANK_FMT_DOCX; /* the docx reader explains how to save it as .docx */
	if (table_is_zip(data, len))
		return memmem(data, len, "word/document.xml", 17) ? BANK_FMT_DOCX : BANK_FMT_XLSX;
	if (len >= 8 && memcmp(data, "\xd0\xcf\x11\xe0", 4) == 0 &&
	    memmem(data, len, "W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0", 24))
		return BANK_FMT_DOCX;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i < len && data[i] == '{')
		return BANK_FMT_JSON;
	if (memchr(data + i, '\0', len - i))
		return BANK_FMT_CSV; /* not text: the CSV reader explains */
	/* CSV: a comma in the first line (the header), or a header with three commas or more
	 * (编号,题型,题干,答案) below a title */
	for (int line = 0; line < TABLE_HEADER_SEARCH + 1 && i < len; line++) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : len - i, commas = 0;
		for (size_t k = 0; k < n; k++)
			commas += data[i + k] == ',';
		if (commas >= 3 || (line == 0 && commas > 0))
			return BANK_FMT_CSV;
		i += n + 1;
	}
	return BANK_FMT_TXT;
}

/* ---------------------------------------------------------------------------------- */
/* Freeing                                                                             */

void bank_question_free(struct bank_question *q)
{
	if (!q)
		return;
	free(q->id);
	free(q->stem);
	for (size_t i = 0; i < q->n_options; i++)
		free(q->options[i]);
	free(q->options);
	free(q->explanation);
	free(q->basis);
	for (size_t i = 0; i < q->n_tags; i++)
		free(q->tags[i]);
	free(q->tags);
	free(q->where);
	memset(q, 0, sizeof *q);
}

void bank_doc_free(struct bank_doc *doc)
{
	if (!doc)
		return;
	free(doc->code);
	free(doc->title);
	free(doc->subject);
	for (size_t i = 0; i < doc->n; i++)
		bank_question_free(&doc->questions[i]);
	free(doc->questions);
	diag_free(&doc->notes);
	memset(doc, 0, sizeof *doc);
}

/* ---------------------------------------------------------------------------------- */
/* Validation helpers                                                                  */

static int charset_ok(const char *s, size_t maxlen, const char *extra, int upper)
{
	size_t n = strlen(s);

	if (n < 1 || n > maxlen)
		return 0;
	for (; *s; s++) {
		char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z'))
			continue;
		if (!strchr(extra, c))
			return 0;
	}
	return 1;
}

int bank_v_code_ok(const char *code)
{
	return code && charset_ok(code, LX_BANK_CODE_MAX, "-", 0);
}

int bank_v_id_ok(const char *id)
{
	return id && charset_ok(id, 64, "_.-", 1);
}

void bank_v_meta(const struct bank_meta *meta, const char *kind, const char *fname, struct diag *d)
{
	char shown[128];

	if (!meta->code || !meta->code[0])
		diag_add(d, fname, "%s 题库文件里没有题库代码：导入时请指定题库代码（命令行 --bank CODE，网页上填写“题库代码”）",
			 kind);
	else if (!bank_v_code_ok(meta->code))
		diag_add(d, fname, "题库代码 \"%s\" 不合规：只能用小写英文字母、数字和连字符，1–%d 个字符",
			 bank_v_show(meta->code, shown, sizeof shown), LX_BANK_CODE_MAX);
	if (meta->title && strlen(meta->title) > BANK_MAX_TITLE)
		diag_add(d, fname, "题库名称超过 %d 字节的上限", BANK_MAX_TITLE);
	if (meta->subject && strlen(meta->subject) > BANK_MAX_TITLE)
		diag_add(d, fname, "科目超过 %d 字节的上限", BANK_MAX_TITLE);
}

const char *bank_v_show(const char *s, char *out, size_t outlen)
{
	return text_clip(s, 60, out, outlen);
}

const char *bank_v_prefix(const struct bank_qin *in, char *out, size_t outlen)
{
	const char *id = in->text[BF_ID];

	if (id && bank_v_id_ok(id))
		snprintf(out, outlen, "题目 %s：", id);
	else if (!in->lenient)
		snprintf(out, outlen, "第 %zu 道题：", in->seq);
	else if (outlen)
		out[0] = '\0';
	return out;
}

static void verr(const struct bank_qin *in, struct diag *d, enum bank_field f, long elem,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void verr(const struct bank_qin *in, struct diag *d, enum bank_field f, long elem,
		 const char *fmt, ...)
{
	char where[600], prefix[128], msg[1024];
	va_list ap;

	in->where(in->ctx, f, elem, where, sizeof where);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_add(d, where, "%s%s", bank_v_prefix(in, prefix, sizeof prefix), msg);
}

static int is_blank(const char *s)
{
	char *t;
	int blank;

	if (!s)
		return 1;
	t = text_trim(s);
	blank = t[0] == '\0';
	free(t);
	return blank;
}

/* First control character (other than tab, LF, CR) in s, or -1. */
static int first_control(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return c;
	}
	return -1;
}

/* Length and control-character checks of one text; label names it ("题干", "选项 B"). */
static int check_text(const struct bank_qin *in, struct diag *d, enum bank_field f, long elem,
		      const char *s, size_t max, const char *label)
{
	size_t n = strlen(s);
	int c;

	if (n > max) {
		verr(in, d, f, elem, "%s超过 %zu 字节的上限（现有 %zu 字节），请精简", label, max, n);
		return -1;
	}
	c = first_control(s);
	if (c >= 0) {
		verr(in, d, f, elem, "%s含有不可见的控制字符 U+%04X，请删除", label, (unsigned)c);
		return -1;
	}
	return 0;
}

#define REPORTED(in, f) (((in)->reported >> (f)) & 1u)

static const struct {
	const char *word;
	char key;
} judge_words[] = {
	{"T", 'T'},     {"F", 'F'},     {"TRUE", 'T'},  {"FALSE", 'F'}, {"正确", 'T'},
	{"错误", 'F'},  {"对", 'T'},    {"错", 'F'},    {"√", 'T'},     {"×", 'F'},
	{"✓", 'T'},     {"✔", 'T'},     {"✗", 'F'},     {"✘", 'F'},
};

/* Separators skipped in a table's answer ("A,C,D", "A C D", "A、C、D"). */
static size_t answer_sep_len(const char *p)
{
	static const char *const seps[] = {" ", ",", ";", "/", "\xe3\x80\x81" /* 、 */,
					   "\xef\xbc\x8c" /* ， */, "\xef\xbc\x9b" /* ； */,
					   "\xe3\x80\x80" /* ideographic space */, "\t"};
	for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
		size_t n = strlen(seps[i]);
		if (strncmp(p, seps[i], n) == 0)
			return n;
	}
	return 0;
}

/* The answer letters of s as upper-case ASCII into keys[] (at most 26 + NUL kept; the
 * count returned may be larger). Returns -1 on a character that is not a letter. */
static int answer_letters(const char *s, int lenient, char *keys, size_t keyslen, size_t *count)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		size_t sl;
		char c = 0;

		if (lenient && (sl = answer_sep_len((const char *)p)) > 0) {
			p += sl;
			continue;
		}
		if (*p >= 'A' && *p <= 'Z') {
			c = (char)*p;
			p++;
		} else if (lenient && *p >= 'a' && *p <= 'z') {
			c = (char)(*p - 'a' + 'A');
			p++;
		} else if (lenient && p[0] == 0xef && p[1] == 0xbc && p[2] >= 0xa1 && p[2] <= 0xba) {
			c = (char)('A' + (p[2] - 0xa1)); /* Ａ..Ｚ */
			p += 3;
		} else if (lenient && p[0] == 0xef && p[1] == 0xbd && p[2] >= 0x81 && p[2] <= 0x9a) {
			c = (char)('A' + (p[2] - 0x81)); /* ａ..ｚ */
			p += 3;
		} else {
			return -1;
		}
		if (n + 1 < keyslen)
			keys[n] = c;
		n++;
	}
	keys[n + 1 < keyslen ? n : keyslen - 1] = '\0';
	*count = n;
	return 0;
}

static void validate_answer(const struct bank_qin *in, struct diag *d, enum q_type type,
			    int options_ok, size_t n_options, struct bank_question *out)
{
	const char *a = in->text[BF_ANSWER];
	char shown[128], keys[32];
	size_t count = 0;
	unsigned seen = 0;

	if (REPORTED(in, BF_ANSWER))
		return;
	if (is_blank(a)) {
		verr(in, d, BF_ANSWER, -1, "缺少答案");
		return;
	}
	bank_v_show(a, shown, sizeof shown);
	if (type == QT_JUDGE) {
		char *t = text_trim(a);
		for (size_t i = 0; i < sizeof judge_words / sizeof judge_words[0]; i++) {
			if (in->lenient ? strcasecmp(t, judge_words[i].word) == 0
					: (strlen(judge_words[i].word) == 1 &&
					   strcmp(a, judge_words[i].word) == 0)) {
				out->answer[0] = judge_words[i].key;
				out->answer[1] = '\0';
				break;
			}
		}
		free(t);
		if (!out->answer[0]) {
			if (in->lenient)
				verr(in, d, BF_ANSWER, -1,
				     "判断题的答案 \"%s\" 无法识别：应为 正确/错误、对/错、√/×、T/F 之一", shown);
			else
				verr(in, d, BF_ANSWER, -1,
				     "判断题的答案 \"%s\" 无效：应为 \"T\"（正确）或 \"F\"（错误）", shown);
		}
		return;
	}
	if (answer_letters(a, in->lenient, keys, sizeof keys, &count) != 0) {
		verr(in, d, BF_ANSWER, -1, "答案 \"%s\" 含有无法识别的字符：应为%s选项字母，如 \"B\" 或 \"ACD\"",
		     shown, in->lenient ? "" : "大写");
		return;
	}
	for (size_t i = 0; i < count && i < sizeof keys - 1; i++) {
		unsigned bit = 1u << (keys[i] - 'A');
		if (seen & bit) {
			verr(in, d, BF_ANSWER, -1, "答案 \"%s\" 中字母 %c 重复", shown, keys[i]);
			return;
		}
		seen |= bit;
	}
	if (options_ok) {
		for (size_t i = 0; i < count && i < sizeof keys - 1; i++) {
			if ((size_t)(keys[i] - 'A') >= n_options) {
				verr(in, d, BF_ANSWER, -1, "答案 \"%s\" 不在选项 A–%c 之中", shown,
				     (char)('A' + n_options - 1));
				return;
			}
		}
	}
	if (type == QT_SINGLE && count != 1) {
		verr(in, d, BF_ANSWER, -1, "单选题只能有一个答案，现为 \"%s\"", shown);
		return;
	}
	if (type == QT_MULTIPLE && count < 2) {
		verr(in, d, BF_ANSWER, -1, "多选题至少要有两个正确选项，现为 \"%s\"", shown);
		return;
	}
	if (count > BANK_MAX_OPTIONS) /* only reachable without options_ok */
		return;
	{
		size_t k = 0;
		for (int i = 0; i < 26; i++)
			if (seen & (1u << i))
				out->answer[k++] = (char)('A' + i);
		out->answer[k] = '\0';
	}
}

static void validate_options(const struct bank_qin *in, struct diag *d, enum q_type type,
			     int *options_ok, struct bank_question *out)
{
	size_t n = in->n_options;
	char shown[128], label[32];

	*options_ok = 0;
	if (REPORTED(in, BF_OPTIONS))
		return;
	if (type == QT_JUDGE) {
		if (in->has_options && n > 0)
			verr(in, d, BF_OPTIONS, 0, "判断题不应有选项（现有 %zu 个）：答案填 正确/错误（T/F）即可", n);
		return;
	}
	if (!in->has_options || n == 0) {
		verr(in, d, BF_OPTIONS, -1, "缺少选项：%s题至少需要 2 个选项", qtype_name_zh(type));
		return;
	}
	if (n < 2) {
		verr(in, d, BF_OPTIONS, -1, "%s题至少需要 2 个选项，现只有 %zu 个", qtype_name_zh(type), n);
		return;
	}
	if (n > BANK_MAX_OPTIONS) {
		verr(in, d, BF_OPTIONS, BANK_MAX_OPTIONS, "选项最多 %d 个（A–H），现有 %zu 个",
		     BANK_MAX_OPTIONS, n);
		return;
	}
	*options_ok = 1;
	for (size_t i = 0; i < n; i++) {
		snprintf(label, sizeof label, "选项 %c ", (char)('A' + i));
		if (is_blank(in->options[i])) {
			verr(in, d, BF_OPTIONS, (long)i, "选项 %c 为空", (char)('A' + i));
			*options_ok = 0;
			continue;
		}
		if (check_text(in, d, BF_OPTIONS, (long)i, in->options[i], BANK_MAX_OPTION, label) != 0) {
			*options_ok = 0;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			char *a = text_trim(in->options[i]), *b = text_trim(in->options[j]);
			int same = strcmp(a, b) == 0;
			free(a);
			free(b);
			if (same) {
				verr(in, d, BF_OPTIONS, (long)i, "选项 %c 与选项 %c 相同：\"%s\"", (char)('A' + i),
				     (char)('A' + j), bank_v_show(in->options[i], shown, sizeof shown));
				*options_ok = 0;
				break;
			}
		}
	}
	if (!*options_ok)
		return;
	out->options = lx_calloc(n, sizeof *out->options);
	for (size_t i = 0; i < n; i++)
		out->options[i] = lx_strdup(in->options[i]);
	out->n_options = n;
}

static void validate_tags(const struct bank_qin *in, struct diag *d, struct bank_question *out)
{
	char shown[128], label[160];

	if (REPORTED(in, BF_TAGS) || in->n_tags == 0)
		return;
	if (in->n_tags > BANK_MAX_TAGS) {
		verr(in, d, BF_TAGS, BANK_MAX_TAGS, "标签最多 %d 个，现有 %zu 个", BANK_MAX_TAGS, in->n_tags);
		return;
	}
	out->tags = lx_calloc(in->n_tags, sizeof *out->tags);
	for (size_t i = 0; i < in->n_tags; i++) {
		const char *t = in->tags[i];
		char **items = NULL;
		size_t nitems;
		int dup = 0;

		if (is_blank(t)) {
			verr(in, d, BF_TAGS, (long)i, "第 %zu 个标签为空", i + 1);
			continue;
		}
		bank_v_show(t, shown, sizeof shown);
		snprintf(label, sizeof label, "标签 \"%s\" ", shown);
		if (check_text(in, d, BF_TAGS, (long)i, t, BANK_MAX_TAG, label) != 0)
			continue;
		nitems = text_split_list(t, &items);
		text_list_free(items, nitems);
		if (nitems != 1) {
			verr(in, d, BF_TAGS, (long)i,
			     "标签 \"%s\" 含有分隔符（, ， ; ；）：请拆成多个标签", shown);
			continue;
		}
		for (size_t j = 0; j < out->n_tags; j++)
			dup |= strcmp(out->tags[j], t) == 0;
		if (!dup)
			out->tags[out->n_tags++] = lx_strdup(t);
	}
}

static void validate_difficulty(const struct bank_qin *in, struct diag *d, struct bank_question *out)
{
	const char *t = in->text[BF_DIFFICULTY];
	char shown[128];

	out->difficulty = 3;
	if (REPORTED(in, BF_DIFFICULTY))
		return;
	if (in->has_difficulty_num) {
		if (in->difficulty_num < 1 || in->difficulty_num > 5)
			verr(in, d, BF_DIFFICULTY, -1, "难度 %lld 超出范围：应为 1 到 5 的整数",
			     in->difficulty_num);
		else
			out->difficulty = (int)in->difficulty_num;
		return;
	}
	if (is_blank(t))
		return;
	{
		char *v = text_trim(t);
		if (strlen(v) == 1 && v[0] >= '1' && v[0] <= '5')
			out->difficulty = v[0] - '0';
		else
			verr(in, d, BF_DIFFICULTY, -1, "难度 \"%s\" 无效：应为 1 到 5 的整数（留空表示 3）",
			     bank_v_show(t, shown, sizeof shown));
		free(v);
	}
}

int bank_v_question(const struct bank_qin *in, struct bank_question *out, struct diag *d)
{
	size_t before = d->total;
	const char *id = in->text[BF_ID], *ty = in->text[BF_TYPE], *stem = in->text[BF_STEM];
	const char *expl = in->text[BF_EXPLANATION], *basis = in->text[BF_BASIS];
	char shown[128];
	enum q_type type = QT_SINGLE;
	int type_ok = 0, options_ok = 0;

	memset(out, 0, sizeof *out);
	if (!REPORTED(in, BF_ID)) {
		if (is_blank(id))
			verr(in, d, BF_ID, -1, "缺少编号（id）");
		else if (!bank_v_id_ok(id))
			verr(in, d, BF_ID, -1,
			     "编号 \"%s\" 不合规：只能用英文字母、数字、下划线、点和连字符，1–64 个字符",
			     bank_v_show(id, shown, sizeof shown));
		else
			out->id = lx_strdup(id);
	}
	if (!REPORTED(in, BF_TYPE)) {
		if (is_blank(ty))
			verr(in, d, BF_TYPE, -1, "缺少题型：应为 单选、多选 或 判断");
		else if (qtype_parse(ty, &type) != LX_OK)
			verr(in, d, BF_TYPE, -1,
			     "题型 \"%s\" 无法识别：应为 单选、多选 或 判断（single、multiple、judge）",
			     bank_v_show(ty, shown, sizeof shown));
		else
			type_ok = 1;
	}
	out->type = type;
	if (!REPORTED(in, BF_STEM)) {
		if (is_blank(stem))
			verr(in, d, BF_STEM, -1, "题干为空");
		else if (check_text(in, d, BF_STEM, -1, stem, BANK_MAX_STEM, "题干") == 0)
			out->stem = lx_strdup(stem);
	}
	if (type_ok) {
		validate_options(in, d, type, &options_ok, out);
		validate_answer(in, d, type, options_ok, out->n_options, out);
	}
	if (!REPORTED(in, BF_EXPLANATION) && expl &&
	    check_text(in, d, BF_EXPLANATION, -1, expl, BANK_MAX_EXPLANATION, "解析") == 0)
		out->explanation = lx_strdup(expl);
	if (!REPORTED(in, BF_BASIS) && basis &&
	    check_text(in, d, BF_BASIS, -1, basis, BANK_MAX_BASIS, "依据") == 0)
		out->basis = lx_strdup(basis);
	if (!out->explanation)
		out->explanation = lx_strdup("");
	if (!out->basis)
		out->basis = lx_strdup("");
	validate_difficulty(in, d, out);
	validate_tags(in, d, out);
	if (d->total > before || in->reported) {
		bank_question_free(out);
		return LX_ERR_INVALID;
	}
	return LX_OK;
}

/* ---------------------------------------------------------------------------------- */
/* The doc builder                                                                     */

void bank_b_add(struct bank_build *b, struct bank_question *q)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->q = lx_realloc(b->q, b->cap * sizeof *b->q);
	}
	b->q[b->n++] = *q;
	memset(q, 0, sizeof *q);
}

void bank_b_id(struct bank_build *b, const char *id, const char *where, const char *ref, size_t seq)
{
	if (b->nids == b->capids) {
		b->capids = b->capids ? b->capids * 2 : 32;
		b->ids = lx_realloc(b->ids, b->capids * sizeof *b->ids);
	}
	b->ids[b->nids].id = lx_strdup(id);
	b->ids[b->nids].id_where = lx_strdup(where);
	b->ids[b->nids].ref = lx_strdup(ref);
	b->ids[b->nids].seq = seq;
	b->nids++;
}

static int id_cmp(const void *a, const void *b)
{
	const struct bank_b_id *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct bank_b_id *const *x = a, *const *y = b;

	return (*x)->seq < (*y)->seq ? -1 : (*x)->seq > (*y)->seq;
}

void bank_b_check_ids(struct bank_build *b, struct diag *d)
{
	struct bank_b_id **later = NULL;
	size_t nlater = 0;

	if (b->nids < 2)
		return;
	qsort(b->ids, b->nids, sizeof *b->ids, id_cmp);
	later = lx_calloc(b->nids, sizeof *later);
	for (size_t i = 1; i < b->nids; i++) {
		size_t first = i - 1;
		while (first > 0 && strcmp(b->ids[first - 1].id, b->ids[i].id) == 0)
			first--;
		if (strcmp(b->ids[first].id, b->ids[i].id) == 0)
			later[nlater++] = &b->ids[i];
	}
	/* report in file order */
	qsort(later, nlater, sizeof *later, seq_cmp);
	for (size_t k = 0; k < nlater; k++) {
		const struct bank_b_id *x = later[k], *orig = x;
		while (orig > b->ids && strcmp(orig[-1].id, x->id) == 0)
			orig--;
		diag_add(d, x->id_where, "编号 \"%s\" 重复：%s 已经用过这个编号（编号在题库内必须唯一）",
			 x->id, orig->ref);
	}
	free(later);
}

void bank_b_free(struct bank_build *b)
{
	for (size_t i = 0; i < b->n; i++)
		bank_question_free(&b->q[i]);
	free(b->q);
	for (size_t i = 0; i < b->nids; i++) {
		free(b->ids[i].id);
		free(b->ids[i].id_where);
		free(b->ids[i].ref);
	}
	free(b->ids);
	memset(b, 0, sizeof *b);
}

void bank_b_finish(struct bank_build *b, struct bank_doc *doc)
{
	doc->questions = b->q;
	doc->n = b->n;
	b->q = NULL;
	b->n = b->cap = 0;
	bank_b_free(b);
}

/* ---------------------------------------------------------------------------------- */

int bank_parse(const char *data, size_t len, const char *fname, enum bank_format fmt,
	       const struct bank_meta *meta, struct bank_doc *out, struct diag *d)
{
	static const struct bank_meta none = {0};
	int rc;

	memset(out, 0, sizeof *out);
	if (!fname)
		fname = "bank";
	if (!meta)
		meta = &none;
	if (!data)
		len = 0;
	if (fmt == BANK_FMT_AUTO)
		fmt = bank_format_guess(fname, data ? data : "", len);
	switch (fmt) {
	case BANK_FMT_JSON:
		rc = bank_json_parse(data ? data : "", len, fname, meta, out, d);
		break;
	case BANK_FMT_XLSX:
	case BANK_FMT_CSV:
		rc = bank_table_parse(data ? data : "", len, fname, fmt == BANK_FMT_XLSX, meta, out, d);
		break;
	case BANK_FMT_TXT:
		rc = bank_text_parse(data ? data : "", len, fname, meta, out, d);
		break;
	case BANK_FMT_DOCX:
		rc = bank_docx_parse(data ? data : "", len, fname, meta, out, d);
		break;
	default:
		diag_add(d, fname, "未知的题库格式：应为 json、csv、xlsx、txt 或 docx");
		rc = LX_ERR_INVALID;
		break;
	}
	if (rc != LX_OK)
		bank_doc_free(out);
	return rc;
}
