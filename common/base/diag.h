/* diag.h — a list of located diagnostics ("where" + "message") for file imports.
 * Importers add every problem they find (the first DIAG_MAX are kept, all are counted),
 * then the CLI prints "WHERE: MESSAGE" lines and the API returns them as JSON details.
 * The list owns its strings; free with diag_free(). */
#ifndef LAWEXAM_DIAG_H
#define LAWEXAM_DIAG_H

#include <stddef.h>

#define DIAG_MAX 100

struct diag_item {
	char *where;   /* e.g. "bank.csv:ROW 7: column 答案" or "bank.json:12" */
	char *message; /* Chinese or English text an administrator understands */
};

struct diag {
	struct diag_item *items;
	size_t n;      /* kept, <= DIAG_MAX */
	size_t total;  /* found, may exceed n */
};

/* Adds one diagnostic; where and message are printf-formatted separately. */
void diag_add(struct diag *d, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_free(struct diag *d);

#endif
