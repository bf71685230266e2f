/* csv.h — a CSV writer for reports (RFC 4180 as Excel on a Chinese Windows reads it):
 * UTF-8 with a BOM, CRLF line ends, quoting only where needed. Appends to a struct buf
 * the caller owns. Reading CSV is table.h's job, not this module's. */
#ifndef LAWEXAM_CSV_H
#define LAWEXAM_CSV_H

#include "buf.h"

/* Each returns LX_OK, or LX_ERR_INVALID when the buffer's cap is reached (the buffer then
 * holds a partial row; the caller discards it). */

/* The UTF-8 byte order mark, so that Excel detects UTF-8; call first. */
int csv_bom(struct buf *b);
/* One field of the current row (NULL is written as empty). Quoted when it holds a comma,
 * a quote, CR or LF, or starts or ends with a space or tab; quotes inside are doubled. */
int csv_field(struct buf *b, const char *s);
/* Like csv_field for text a person typed (names, units): a cell that Excel would run as a
 * formula (starting with = + @ tab CR, or '-' unless the whole cell is a plain number such
 * as -5 or -0.5) gets a leading apostrophe, so it is shown, not executed. */
int csv_text(struct buf *b, const char *s);
/* Ends the current row with CRLF. */
int csv_end_row(struct buf *b);

#endif
