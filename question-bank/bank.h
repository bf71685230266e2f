/* bank.h — question banks in memory: the one validated form every bank file format
 * (JSON lawexam-bank/1, CSV, XLSX, text, Word .docx) is parsed into, and the canonical JSON export.
 * Parsing and validation are pure (no database); importing into the store is
 * bank_import.c. A bank_doc owns all its strings; free with bank_doc_free(). */
#ifndef LAWEXAM_BANK_H
#define LAWEXAM_BANK_H

#include <stddef.h>

#include "diag.h"
#include "lx_limits.h"
#include "model.h"

#define BANK_MAX_OPTIONS LX_MAX_OPTIONS

/* Caps on what a bank file may hold (bytes of UTF-8); beyond them a diagnostic. */
#define BANK_MAX_QUESTIONS 20000
#define BANK_MAX_STEM 8192
#define BANK_MAX_OPTION 2048
#define BANK_MAX_EXPLANATION 8192
#define BANK_MAX_BASIS 1024
#define BANK_MAX_TAG 64
#define BANK_MAX_TAGS 16
#define BANK_MAX_TITLE LX_TITLE_MAX_BYTES
#define BANK_MAX_JSON_DEPTH LX_JSON_MAX_DEPTH
#define BANK_DOCX_MAX_UNZIPPED (256u << 20) /* decompressed bytes read from one .docx */
#define BANK_DOCX_MAX_PARAGRAPH (1 << 20)   /* text of one Word paragraph */
#define BANK_TEXT_MAX_LINES 2000000         /* lines of a text file, or of a Word document */

struct bank_question {
	char *id;
	enum q_type type;
	char *stem;
	char **options;      /* n_options strings; NULL/0 for judge */
	size_t n_options;
	char answer[BANK_MAX_OPTIONS + 1]; /* sorted keys "A".."ABCDEFGH"; "T"/"F" for judge */
	char *explanation;   /* "" when absent */
	char *basis;         /* "" when absent */
	int difficulty;      /* 1..5, default 3 */
	char **tags;
	size_t n_tags;
	char *where;         /* "FILE:LINE" (JSON), "FILE:ROW N" (CSV/XLSX), "FILE:LINE" (text)
			      * or "FILE:PARAGRAPH N" (docx), for messages */
};

struct bank_doc {
	char *code, *title, *subject;
	struct bank_question *questions;
	size_t n;
	/* What the reader decided that an administrator should know but that does not stop the
	 * import (header row found below a title, ids made from question numbers, Word tables
	 * skipped…), located like diagnostics. The CLI prints them. */
	struct diag notes;
};

/* Bank identity given on the command line / query string (CSV and XLSX carry none;
 * for JSON, a non-NULL field must equal the file's or it is an error). For CSV/XLSX the
 * code is required; a NULL title or subject leaves "" in the bank_doc, which the importer
 * reads as "keep what is stored" (and refuses for a new bank). */
struct bank_meta {
	const char *code, *title, *subject;
};

enum bank_format { BANK_FMT_AUTO = 0, BANK_FMT_JSON, BANK_FMT_CSV, BANK_FMT_XLSX, BANK_FMT_TXT,
		   BANK_FMT_DOCX };

int bank_format_parse(const char *s, enum bank_format *out); /* "json"|"csv"|"xlsx"|"txt"|"docx" */
const char *bank_format_name(enum bank_format f);           /* "json"… ("" for auto) */
/* Guess from the file name's extension (.doc counts as docx, for its message), then the
 * content: a zip holding word/document.xml → docx, other zip → xlsx, an OLE file with a
 * WordDocument stream → docx, '{' → json, a comma in the first line or three in one of the
 * first six (a CSV header, perhaps below a title) → csv, else txt. */
enum bank_format bank_format_guess(const char *fname, const char *data, size_t len);

/* Parses and validates a whole file. Returns LX_OK with *out filled, or LX_ERR_INVALID with
 * every problem (up to DIAG_MAX kept) in d, each located: "FILE:LINE" for JSON,
 * "FILE:ROW N: column 答案" for CSV/XLSX, "FILE:LINE" for text, "FILE:PARAGRAPH N" for
 * docx. Text and docx need meta->code (it also makes the ids of questions without 编号).
 * *out is always safe to bank_doc_free(). */
int bank_parse(const char *data, size_t len, const char *fname, enum bank_format fmt,
	       const struct bank_meta *meta, struct bank_doc *out, struct diag *d);

/* The canonical lawexam-bank/1 JSON of doc (questions in doc order, fields in SPEC order,
 * defaults omitted where SPEC allows). Caller frees the returned string. */
char *bank_export_json(const struct bank_doc *doc); /* NULL only if a string is not UTF-8 */

void bank_question_free(struct bank_question *q);
void bank_doc_free(struct bank_doc *doc);

#endif
