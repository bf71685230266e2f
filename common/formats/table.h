/* table.h — tabular files (CSV and XLSX) read into rows of UTF-8 strings, for the bank
 * and roster importers. CSV: RFC 4180, UTF-8 with or without BOM, or GB18030 when the
 * bytes are not valid UTF-8 (converted with iconv). XLSX: the first worksheet, shared and
 * inline strings, numbers as text (libzip + expat). Row numbers count as Excel does:
 * the header is row 1; a quoted CSV field holding newlines is still one row.
 * Does not interpret columns: see table_map_header() and the importers. */
#ifndef LAWEXAM_TABLE_H
#define LAWEXAM_TABLE_H

#include <stddef.h>

#include "diag.h"

/* Caps on what a file may hold; beyond them the reader stops with a diagnostic. */
#define TABLE_MAX_ROWS 200000          /* data rows kept (Excel row numbers up to 1048576) */
#define TABLE_MAX_COLS 256             /* columns per row (A..IV) */
#define TABLE_MAX_CELLS 4000000        /* cells stored in the whole table */
#define TABLE_MAX_CELL_BYTES (1 << 20) /* one cell's text */
#define TABLE_XLSX_MAX_UNZIPPED (256u << 20) /* decompressed bytes read from one XLSX */
/* A zip bomb: an XLSX part that inflates to more than TABLE_XLSX_MAX_RATIO times its
 * compressed size, once past its first TABLE_XLSX_RATIO_FREE bytes (small parts of
 * repeated markup may compress better). Sheets written by Excel, WPS, LibreOffice or
 * libxlsxwriter deflate about 5–20:1; a part of nothing but repeated markup about 1000:1. */
#define TABLE_XLSX_MAX_RATIO 100u
#define TABLE_XLSX_RATIO_FREE (1u << 20)

struct table_row {
	int rownum;      /* Excel row number, header = 1 */
	char **cells;    /* n UTF-8 strings, never NULL ("" for empty; trailing empty cells are
			  * not stored: read cells with table_cell(), never free one) */
	size_t n;
};

struct table {
	struct table_row *rows; /* rows[0] is the header row when n > 0 */
	size_t n;
	int header_row;         /* Excel row of the header table_map_header() took (0: none) */
};

/* Each returns LX_OK, or LX_ERR_INVALID with diagnostics naming the file and place.
 * The table owns everything; free with table_free() (also after a failure).
 * CSV text that is mostly UTF-8 with a few bad bytes is reported as damaged UTF-8
 * rather than read as GB18030. Fully empty rows are skipped (their numbers are kept). */
int table_read_csv(const char *data, size_t len, const char *fname, struct table *t, struct diag *d);
int table_read_xlsx(const char *data, size_t len, const char *fname, struct table *t, struct diag *d);
void table_free(struct table *t);

/* One expected column: names is a '|'-separated list of accepted header names
 * (Chinese first, English aliases after, compared after trimming spaces, case-insensitive
 * for ASCII). */
struct table_col {
	const char *names;
	int required;
};

/* Finds the header among the first TABLE_HEADER_SEARCH rows (the first row holding every
 * required column, else the row naming the most columns), drops the rows above it (a
 * title) so that rows[0] is the header, and sets t->header_row to its Excel row number.
 * Fills col_of[i] with the 0-based column index of spec[i] in the header, or -1.
 * Unknown header names, duplicates and missing required columns are diagnostics
 * ("FILE:ROW 1: ..."). Returns LX_OK or LX_ERR_INVALID. */
#define TABLE_HEADER_SEARCH 5
int table_map_header(struct table *t, const struct table_col *spec, size_t nspec,
		     int *col_of, const char *fname, struct diag *d);

/* 1 if data begins like a ZIP archive, as every XLSX file does (the one place that says so). */
int table_is_zip(const char *data, size_t len);
/* Whether an upload is an XLSX file, from its name's extension (.xlsx / .csv) if it has
 * one, else from its first bytes. fname may be NULL. */
int table_guess_xlsx(const char *fname, const char *data, size_t len);

/* Decodes text as the CSV reader does: a UTF-8 BOM dropped, valid UTF-8 kept, damaged
 * UTF-8 reported, anything else read as GB18030. *out is fresh NUL-terminated UTF-8
 * (caller frees; NULL on failure). save_as ends the messages ("请另存为" + save_as).
 * Returns LX_OK or LX_ERR_INVALID (reported as fname). */
int table_decode_text(const char *data, size_t len, const char *fname, const char *save_as,
		      char **out, size_t *outlen, struct diag *d);

/* The cell of row r for column index c (-1 or beyond the row → ""). Never NULL. */
const char *table_cell(const struct table_row *r, int c);

/* Excel's name of 0-based column c ("A", "Z", "AA", …) into out (at least 8 bytes). */
const char *table_col_name(size_t c, char *out, size_t outlen);

#endif
