/* bank_int.h — internals of the bank_ module, which is split over bank.c (types, shared
 * validation, the doc builder), bank_json.c (lawexam-bank/1), bank_table.c (CSV/XLSX),
 * bank_text.c (text, SPEC §4.5), bank_docx.c (Word) and bank_export.c. Nothing outside question-bank/bank*.c includes this header. */
#ifndef LAWEXAM_BANK_INT_H
#define LAWEXAM_BANK_INT_H

#include <stddef.h>

#include "bank.h"
#include "diag.h"

/* The fields of a question, for locating messages. */
enum bank_field {
	BF_QUESTION = 0, /* the question as a whole */
	BF_ID, BF_TYPE, BF_STEM, BF_OPTIONS, BF_ANSWER, BF_EXPLANATION, BF_BASIS,
	BF_DIFFICULTY, BF_TAGS,
	BF_N
};

/* JSON name and Chinese column name of each field (index enum bank_field). */
extern const char *const bank_field_json[BF_N];
extern const char *const bank_field_zh[BF_N];

/* Writes where field f (element elem of options/tags, or -1) of the current question is,
 * e.g. "bank.json:14" or "bank.csv:ROW 7: column 答案". */
typedef void (*bank_where_fn)(void *ctx, enum bank_field f, long elem, char *out, size_t outlen);

/* One question as read from a file, before validation. Borrowed strings; NULL = absent. */
struct bank_qin {
	const char *text[BF_N];       /* id, type, stem, answer, explanation, basis; difficulty
				       * as text (tables) */
	const char *const *options;   /* has_options: the option texts in order */
	size_t n_options;
	int has_options;
	const char *const *tags;
	size_t n_tags;
	int has_difficulty_num;       /* JSON: difficulty given as an integer */
	long long difficulty_num;
	unsigned reported;            /* bit 1u << f: a problem with f was already reported */
	int lenient;                  /* table input: 正确/对/√…, "A,C,D", "acd" accepted */
	size_t seq;                   /* 1-based position among the questions of the file */
	bank_where_fn where;
	void *ctx;
};

/* Validates in and fills *out (fresh strings; out->where left NULL). Returns LX_OK, or
 * LX_ERR_INVALID with every problem added to d (out is then freed and zeroed). */
int bank_v_question(const struct bank_qin *in, struct bank_question *out, struct diag *d);

/* The prefix naming a question in messages: "题目 CON-0001：" or "第 3 道题：". */
const char *bank_v_prefix(const struct bank_qin *in, char *out, size_t outlen);

/* A value quoted for a message: cut to ~60 bytes on a UTF-8 boundary, line breaks and tabs
 * shown as spaces. Returns out. */
const char *bank_v_show(const char *s, char *out, size_t outlen);

int bank_v_code_ok(const char *code);   /* [a-z0-9-]{1,32} */
/* The bank's code, title and subject given with a file that carries none (CSV, XLSX, text,
 * Word; kind names the format for the message), each problem added to d at fname. */
void bank_v_meta(const struct bank_meta *meta, const char *kind, const char *fname, struct diag *d);
int bank_v_id_ok(const char *id);       /* [A-Za-z0-9_.-]{1,64} */

/* Collects validated questions and every id seen (valid questions or not) to find
 * duplicates. The builder owns what it is given until bank_b_finish(). */
struct bank_b_id {
	char *id;
	char *id_where;  /* where the id field is (the message goes there) */
	char *ref;       /* how a later duplicate names this one ("bank.csv:ROW 2") */
	size_t seq;
};

struct bank_build {
	struct bank_question *q;
	size_t n, cap;
	struct bank_b_id *ids;
	size_t nids, capids;
	int too_many;    /* BANK_MAX_QUESTIONS passed (reported once) */
};

/* Consumes *q (zeroed on return). */
void bank_b_add(struct bank_build *b, struct bank_question *q);
/* Records an id found at where, named ref in messages about a later duplicate (all copied). */
void bank_b_id(struct bank_build *b, const char *id, const char *where, const char *ref, size_t seq);
/* Reports every repeated id. */
void bank_b_check_ids(struct bank_build *b, struct diag *d);
/* Moves the questions into doc (doc->questions, doc->n) and frees the rest. */
void bank_b_finish(struct bank_build *b, struct bank_doc *doc);
void bank_b_free(struct bank_build *b);

/* The format readers (bank_json.c, bank_table.c); contracts as bank_parse(). */
int bank_json_parse(const char *data, size_t len, const char *fname, const struct bank_meta *meta,
		    struct bank_doc *out, struct diag *d);
int bank_table_parse(const char *data, size_t len, const char *fname, int is_xlsx,
		     const struct bank_meta *meta, struct bank_doc *out, struct diag *d);
int bank_text_parse(const char *data, size_t len, const char *fname, const struct bank_meta *meta,
		    struct bank_doc *out, struct diag *d);
int bank_docx_parse(const char *data, size_t len, const char *fname, const struct bank_meta *meta,
		    struct bank_doc *out, struct diag *d);

/* The text and Word readers share one recogniser (bank_text.c, SPEC §4.5) over units: the
 * lines of a text file, or the paragraphs of a .docx (a paragraph holding line breaks gives
 * several units with the same loc). */
struct bank_tunit {
	const char *text;  /* one line, UTF-8, no line break */
	int loc;           /* line number (text) or paragraph number (docx), from 1 */
	int image;         /* docx: the paragraph holds a picture or drawing (not imported) */
	int symbol;        /* docx: the paragraph holds a symbol-font character (w:sym, not read) */
};

/* Recognises questions in u[0..n) and validates them as bank_parse() does; where strings
 * are "FILE:LINE" (is_docx 0) or "FILE:PARAGRAPH N". notes (may be NULL) holds reader notes
 * to carry into out->notes (consumed, also on failure). */
int bank_text_units(const struct bank_tunit *u, size_t n, const char *fname, int is_docx,
		    const struct bank_meta *meta, struct diag *notes, struct bank_doc *out,
		    struct diag *d);

#endif
