/* sheet.h — the score sheet (成绩汇总表, SPEC §14) as a PDF: each unit of an exam's assigned
 * population on its own pages, rows by 工号, the unit's totals and signature lines. The
 * population and the best attempts are the results report's (store_report_people), so
 * the sheet and the results download always agree. */
#ifndef LAWEXAM_SHEET_H
#define LAWEXAM_SHEET_H

#include <stddef.h>

#include "err.h"

struct store;
struct report_exam;
struct report_person;
struct sheet;

/* Reads inside one snapshot of db and draws the sheet of exam_code for org_path and its
 * sub-units (NULL: the whole exam). *data is the caller's (free()). LX_ERR_NOTFOUND for an
 * unknown exam; an empty selection is one page saying so. *units gets the units drawn. */
int sheet_pdf(struct store *db, const char *exam_code, const char *org_path, char **data, size_t *len, int *units,
	      struct lx_err *e);

/* The same drawing without a database (sheet_pdf is these three around store_report_people):
 * rows in unit path then login order, those outside org_path (NULL: all) skipped. A unit
 * with no rows has no pages; a selection with no rows at all is one page saying so.
 * sheet_finish frees s whatever it returns; sheet_abandon frees it without a PDF. x and
 * org_path must outlive s. */
struct sheet *sheet_begin(const struct report_exam *x, const char *org_path);
int sheet_row(struct sheet *s, const struct report_person *p);
int sheet_finish(struct sheet *s, char **data, size_t *len, int *units, struct lx_err *e);
void sheet_abandon(struct sheet *s);

#endif
