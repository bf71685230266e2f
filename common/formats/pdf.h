/* pdf.h — A4 PDF documents drawn in memory (cairo + pango, QR codes by libqrencode), for
 * the certificates, score sheets and login slips (SPEC §14). Text is shaped by pango with
 * the Noto CJK fonts (fonts-noto-cjk) and embedded as font subsets with a ToUnicode map,
 * so pdftotext extracts the Chinese. Coordinates are millimetres from the top-left corner
 * of the page. Knows nothing of exams or people: the callers lay out their own pages.
 * Not shared between threads: one struct pdf per document, on one thread at a time. */
#ifndef LAWEXAM_PDF_H
#define LAWEXAM_PDF_H

#include <stddef.h>

#include "err.h"

#define PDF_A4_W 210.0
#define PDF_A4_H 297.0
#define PDF_MARGIN 15.0 /* the page margin the table and the cursor respect */

/* Text flags. */
enum {
	PDF_LEFT = 0,
	PDF_CENTER = 1 << 0,
	PDF_RIGHT = 1 << 1,
	PDF_BOLD = 1 << 2,
	PDF_SERIF = 1 << 3,
	PDF_MONO = 1 << 4, /* fixed width: passwords, where l/1 and O/0 must be told apart */
};

struct pdf;

/* A new document with no page yet. Caller frees with pdf_free() (or pdf_finish()). */
struct pdf *pdf_new(void);
/* Discards a document that is not finished. NULL is fine. */
void pdf_free(struct pdf *p);
/* Ends the current page (if any) and starts a new A4 page; the cursor goes to the top
 * margin. If a page hook is set it runs first on the new page. */
void pdf_page(struct pdf *p);
int pdf_pages(const struct pdf *p); /* pages started so far */
/* The hook that draws a page's running header when pdf_page() (or a table that ran out of
 * room) starts a page; NULL removes it. It may draw and move the cursor. */
void pdf_set_page_hook(struct pdf *p, void (*fn)(struct pdf *p, void *arg), void *arg);

/* The vertical cursor (mm from the top) that pdf_para() and tables advance. */
double pdf_y(const struct pdf *p);
void pdf_set_y(struct pdf *p, double y);

/* Draws text (UTF-8) in a box width mm wide with its top at (x, y), wrapping at word or
 * character boundaries; size is in points. Returns the height drawn in mm. */
double pdf_text(struct pdf *p, double x, double y, double width, double size, int flags, const char *text);
/* The height pdf_text() would draw, drawing nothing. */
double pdf_text_height(struct pdf *p, double width, double size, int flags, const char *text);
/* Draws text at the cursor across the space between the margins and moves the cursor
 * below it plus gap mm; starts a page first if it does not fit. */
void pdf_para(struct pdf *p, double size, int flags, double gap, const char *text);

/* A straight line, width in mm; dashed != 0 draws a cut line (dashes of 2 mm). */
void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width, int dashed);

/* A QR code (error correction M) of text, side mm square including the quiet zone, with
 * its top-left corner at (x, y). LX_ERR_INVALID if text does not fit a QR code. */
int pdf_qr(struct pdf *p, double x, double y, double side, const char *text, struct lx_err *e);

/* --- tables ------------------------------------------------------------------------------
 * A table runs from the cursor down; a row that does not fit on the page starts a new page
 * (the page hook runs) and the column titles are repeated. Cells wrap within their column. */
struct pdf_col {
	const char *title;
	double width; /* mm */
	int flags;    /* PDF_LEFT / PDF_CENTER / PDF_RIGHT */
};
/* Begins a table at the left margin and draws the column titles. cols must outlive the
 * table (until pdf_table_end). size is the font size in points. */
void pdf_table_begin(struct pdf *p, const struct pdf_col *cols, size_t ncols, double size);
/* One row: ncols strings (NULL is drawn as ""). */
void pdf_table_row(struct pdf *p, const char *const *cells);
/* Ends the table; the cursor goes below its last row. */
void pdf_table_end(struct pdf *p);

/* Ends the document and hands its bytes over: *data (caller frees with free()) and *len.
 * Consumes p, also on failure (LX_ERR_INTERNAL with cairo's message, or LX_ERR_NOMEM). */
int pdf_finish(struct pdf *p, char **data, size_t *len, struct lx_err *e);

/* Releases the process's font caches (this thread's pango font map, cairo's and fontconfig's
 * static data), so a leak checker sees nothing at exit. Only at the very end: every other
 * thread that drew a PDF has exited and no struct pdf is alive. The next pdf_new() would
 * load everything again. */
void pdf_release(void);

/* LeakSanitizer suppressions for a program that draws PDFs (return it from its
 * __lsan_default_suppressions). cairo 1.16.0 (Debian 12) loses an internal array of the PDF
 * surface in cairo_surface_finish, 768 bytes per document or so, whatever the caller does
 * (every cairo object is destroyed; pdf_release() frees cairo's static data). libcairo is
 * built without frame pointers, so the leak's stack as LeakSanitizer unwinds it ends inside
 * libcairo and cannot be matched by the function name: the suppression is the library. A
 * struct pdf that is never freed is still reported (pdf_new's own allocation). */
#define PDF_LSAN_SUPPRESSIONS "leak:libcairo.so\n"

#endif
