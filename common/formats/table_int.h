/* table_int.h — what table.c shares with the two readers (table_csv.c, table_xlsx.c): a row
 * under construction and the table being built, with its caps. Internal to formats/. */
#ifndef LAWEXAM_TABLE_INT_H
#define LAWEXAM_TABLE_INT_H

#include <stddef.h>

#include "diag.h"
#include "table.h"

#define TABLE_MAX_ROWNUM 1048576 /* Excel's last row */

struct rowb {
	char **cells;
	size_t n, cap;
};

struct tbuild {
	struct table *t;
	size_t cap;   /* allocated rows */
	size_t cells; /* cells stored so far */
	const char *fname;
	struct diag *d;
	int stop;     /* a fatal problem was reported: read no further */
};

/* A cell's text: a fresh copy of p[0..n), or the shared empty cell for n == 0. */
char *tb_cell_dup(const char *p, size_t n);
void tb_cell_free(char *c);
void tb_row_free(struct rowb *r);
/* Puts s (consumed; from tb_cell_dup()) at column col, filling a gap with "". col < TABLE_MAX_COLS. */
void tb_row_set(struct rowb *r, size_t col, char *s);
/* Reports msg at rownum (0: the file) and stops the reader. */
void tb_fatal(struct tbuild *b, int rownum, const char *msg);
/* Appends the row (cells consumed, r reset) without its trailing empty cells, unless it is
 * fully empty; checks the caps. */
void tb_push(struct tbuild *b, struct rowb *r, int rownum);
/* A clear message when the bytes are plainly not what the reader expects (want_zip: the
 * XLSX reader), else NULL. */
const char *tb_magic_problem(const char *data, size_t len, int want_zip);

#endif
