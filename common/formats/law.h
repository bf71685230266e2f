/* law.h — law texts in memory (SPEC §13), a file format that knows nothing of exams: the
 * Markdown of the bundled texts read into articles (第X条, 第X条之Y, the 序言), and a
 * question's basis (依据) read as a law title and the articles it cites. Pure: no database.
 * Importing a law, resolving bases against the stored laws and the review of questions
 * whose article changed are common/domain/lawlib.c. */
#ifndef LAWEXAM_LAW_H
#define LAWEXAM_LAW_H

#include <stddef.h>

#include "diag.h"

/* Caps on what a law file may hold; beyond them a diagnostic. */
#define LAW_MAX_BYTES (8u << 20)   /* the Civil Code is 0.33 MiB */
#define LAW_MAX_ARTICLES 5000      /* the Civil Code has 1,260 */
#define LAW_MAX_ARTICLE (64u << 10) /* bytes of one article's text */
#define LAW_MAX_HEADING 256        /* bytes of one heading */
#define LAW_MAX_DEPTH 6            /* heading levels kept in a chapter path */
#define LAW_REFS_MAX 8             /* articles one basis may cite */
#define LAW_CODE_MAX 32            /* a law's code: [a-z0-9-]+, like a bank's */
/* An annex (附件一, 附件二 … : a heading starting 附件 after the last article, as the Criminal
 * Law's lists of the acts it repealed and kept) is kept as an article numbered LAW_ANNEX_NO + 1,
 * + 2, … (no article reaches it: law_numeral stops at 9999), its label and chapter the heading,
 * its text the lines under it; so it is stored, listed and shown like an article, URL "10001". */
#define LAW_ANNEX_NO 10000

struct law_article {
	int no;        /* 1…; 0 is the preamble (序言); over LAW_ANNEX_NO an annex (附件) */
	int sub;       /* the Y of 第X条之Y; 0 when none */
	char *label;   /* as written: "第五条", "第十七条之一", "序言" */
	char *chapter; /* the headings above it, "第一章 总纲 / 第一节 …"; "" when none */
	char *text;    /* its paragraphs joined by '\n', without the label */
	int line;      /* where it starts in the file */
	size_t off;    /* the byte offset of that line */
};

/* A parsed law file; owns all its strings (law_doc_free). */
struct law_doc {
	char *title;   /* the first level-1 heading ("# 中华人民共和国宪法"); NULL when none */
	struct law_article *articles;
	size_t n;      /* in file order: 序言 first, then 1, 2, …, with 之Y after their X */
};

/* A cited article, as in a basis or a URL ("58", "17-1"). */
struct law_ref {
	int no, sub;
};

/* Reads a law file (UTF-8 Markdown whose articles start "第X条" at the start of a line,
 * followed by white space). Every problem goes into d as "FNAME:LINE" + message: bytes
 * that are not UTF-8, no article at all, an article number that cannot be read, a
 * duplicate, a gap (a missing number, or a 之Y without its predecessor), a cap passed.
 * Returns LX_OK, or LX_ERR_INVALID with doc empty. doc is always safe to law_doc_free. */
int law_parse(const char *data, size_t len, const char *fname, struct law_doc *doc, struct diag *d);
void law_doc_free(struct law_doc *doc);

/* The value of a Chinese numeral of 零一二三四五六七八九十百千 (一千零四十六, 十二, 二十),
 * 1…9999, in s[0..len). LX_OK or LX_ERR_INVALID. */
int law_numeral(const char *s, size_t len, int *value);

/* Reads a basis such as "《中华人民共和国宪法》第五条第一款", "《…刑法》第一百三十三条之一",
 * "《…宪法》序言第二自然段" or "《…民法典》第一千零四十六条、第一千零四十七条": *title
 * (fresh, caller frees) is the text inside the first 《》, refs[0..*n) every 第X条 (之Y) after
 * it in order (a 序言 citation is {0,0}); 章, 节, 编, 款 and 项 are passed over.
 * LX_ERR_INVALID (and *title NULL) when there is no 《title》 or no article. */
int law_basis_parse(const char *basis, char **title, struct law_ref *refs, int *n);

/* "58", "17-1" (an article in a URL). law_ref_parse accepts exactly that form. */
void law_ref_format(struct law_ref r, char *out, size_t outlen);
int law_ref_parse(const char *s, struct law_ref *r);

/* 1 if code is a valid law code ([a-z0-9-]{1,LAW_CODE_MAX}). */
int law_code_valid(const char *code);

#endif
