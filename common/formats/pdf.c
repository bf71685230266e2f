/* pdf.c — A4 PDF documents in memory: cairo's PDF surface, pango for text (line breaking,
 * CJK shaping, fallback to the Noto CJK fonts), libqrencode for QR codes, and a small
 * table writer that breaks pages and repeats its column titles. Owns the layout of text
 * within a box and pagination; the pages' content is the callers' (common/domain/paper.c
 * and tools/admin). Why cairo and not libharu: docs/architecture.md, "PDF". */
#include "pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

#define PT_PER_MM (72.0 / 25.4)
#define PDF_MAX_BYTES ((size_t)1 << 30) /* one document in memory */
#define CELL_PAD 1.2                    /* mm around the text of a table cell */
#define PDF_SANS "Noto Sans CJK SC"
#define PDF_SERIF_FAMILY "Noto Serif CJK SC"
#define PDF_MONO_FAMILY "Noto Sans Mono CJK SC"

struct pdf {
	struct buf out;          /* the bytes cairo has written so far */
	cairo_surface_t *surface;
	cairo_t *cr;             /* scaled to millimetres */
	PangoLayout *layout;     /* reused for every piece of text */
	PangoFontDescription *font;
	int npages;
	double y;
	void (*hook)(struct pdf *p, void *arg);
	void *hook_arg;
	/* the table being drawn */
	const struct pdf_col *cols;
	size_t ncols;
	double tsize;
	int in_hook;
};

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int len)
{
	struct pdf *p = closure;
	return buf_add(&p->out, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

struct pdf *pdf_new(void)
{
	struct pdf *p = lx_calloc(1, sizeof *p);
	cairo_font_options_t *fo;

	buf_init(&p->out, PDF_MAX_BYTES);
	p->surface = cairo_pdf_surface_create_for_stream(write_out, p, PDF_A4_W * PT_PER_MM, PDF_A4_H * PT_PER_MM);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "lawexam");
	p->cr = cairo_create(p->surface);
	cairo_scale(p->cr, PT_PER_MM, PT_PER_MM);
	p->layout = pango_cairo_create_layout(p->cr);
	/* Unhinted metrics: the same text measures the same at any scale. */
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(pango_layout_get_context(p->layout), fo);
	cairo_font_options_destroy(fo);
	/* Glyph positions are in millimetres here: rounding them to whole units would space
	 * the text out (and pdftotext would read gaps between the letters). */
	pango_context_set_round_glyph_positions(pango_layout_get_context(p->layout), FALSE);
	pango_layout_context_changed(p->layout);
	pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
	p->font = pango_font_description_new();
	return p;
}

void pdf_free(struct pdf *p)
{
	if (!p)
		return;
	if (p->font)
		pango_font_description_free(p->font);
	if (p->layout)
		g_object_unref(p->layout);
	if (p->cr)
		cairo_destroy(p->cr);
	if (p->surface) {
		cairo_surface_finish(p->surface);
		cairo_surface_destroy(p->surface);
	}
	buf_free(&p->out);
	free(p);
}

static void table_header(struct pdf *p);

void pdf_page(struct pdf *p)
{
	if (p->npages)
		cairo_show_page(p->cr);
	p->npages++;
	p->y = PDF_MARGIN;
	if (p->hook && !p->in_hook) {
		p->in_hook = 1;
		p->hook(p, p->hook_arg);
		p->in_hook = 0;
	}
	if (p->cols)
		table_header(p);
}

int pdf_pages(const struct pdf *p) { return p->npages; }

void pdf_set_page_hook(struct pdf *p, void (*fn)(struct pdf *p, void *arg), void *arg)
{
	p->hook = fn;
	p->hook_arg = arg;
}

double pdf_y(const struct pdf *p) { return p->y; }
void pdf_set_y(struct pdf *p, double y) { p->y = y; }

/* Sets up the shared layout for text in a box width mm wide; returns its height in mm. */
static double layout_text(struct pdf *p, double width, double size, int flags, const char *text)
{
	int w, h;

	pango_font_description_set_family(p->font, flags & PDF_MONO    ? PDF_MONO_FAMILY
						   : flags & PDF_SERIF ? PDF_SERIF_FAMILY
								       : PDF_SANS);
	pango_font_description_set_weight(p->font, flags & PDF_BOLD ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(p->font, size / PT_PER_MM * PANGO_SCALE);
	pango_layout_set_font_description(p->layout, p->font);
	pango_layout_set_width(p->layout, (int)(width * PANGO_SCALE));
	pango_layout_set_alignment(p->layout, flags & PDF_CENTER  ? PANGO_ALIGN_CENTER
					      : flags & PDF_RIGHT ? PANGO_ALIGN_RIGHT
								  : PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->layout, text ? text : "", -1);
	pango_layout_get_size(p->layout, &w, &h);
	return (double)h / PANGO_SCALE;
}

double pdf_text_height(struct pdf *p, double width, double size, int flags, const char *text)
{
	return layout_text(p, width, size, flags, text);
}

double pdf_text(struct pdf *p, double x, double y, double width, double size, int flags, const char *text)
{
	double h;

	if (!p->npages)
		pdf_page(p);
	h = layout_text(p, width, size, flags, text);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_move_to(p->cr, x, y);
	pango_cairo_update_layout(p->cr, p->layout);
	pango_cairo_show_layout(p->cr, p->layout);
	return h;
}

void pdf_para(struct pdf *p, double size, int flags, double gap, const char *text)
{
	double w = PDF_A4_W - 2 * PDF_MARGIN;
	double h;

	if (!p->npages)
		pdf_page(p);
	h = pdf_text_height(p, w, size, flags, text);
	if (p->y + h > PDF_A4_H - PDF_MARGIN && p->y > PDF_MARGIN + 1)
		pdf_page(p);
	p->y += pdf_text(p, PDF_MARGIN, p->y, w, size, flags, text) + gap;
}

void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width, int dashed)
{
	static const double dash[] = {2.0, 1.5};

	if (!p->npages)
		pdf_page(p);
	cairo_save(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_set_line_width(p->cr, width);
	if (dashed)
		cairo_set_dash(p->cr, dash, 2, 0);
	cairo_move_to(p->cr, x1, y1);
	cairo_line_to(p->cr, x2, y2);
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
}

int pdf_qr(struct pdf *p, double x, double y, double side, const char *text, struct lx_err *e)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	double m;
	int n;

	if (!qr)
		return err_set(e, LX_ERR_INVALID, "无法生成二维码（内容过长）");
	if (!p->npages)
		pdf_page(p);
	n = qr->width;
	m = side / (n + 8); /* a quiet zone of four modules on each side */
	cairo_save(p->cr);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_rectangle(p->cr, x, y, side, side);
	cairo_fill(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	for (int r = 0; r < n; r++) {
		for (int c = 0; c < n;) { /* one rectangle per horizontal run of dark modules */
			int c0 = c;
			while (c < n && (qr->data[r * n + c] & 1))
				c++;
			if (c > c0)
				cairo_rectangle(p->cr, x + (4 + c0) * m, y + (4 + r) * m, (c - c0) * m, m);
			else
				c++;
		}
	}
	cairo_fill(p->cr);
	cairo_restore(p->cr);
	QRcode_free(qr);
	return LX_OK;
}

/* --- tables ------------------------------------------------------------------------------ */

static double table_width(const struct pdf *p)
{
	double w = 0;
	for (size_t i = 0; i < p->ncols; i++)
		w += p->cols[i].width;
	return w;
}

/* Draws one row of cells at the cursor (the frame around it too); moves the cursor down. */
static void table_cells(struct pdf *p, const char *const *cells, int bold)
{
	double h = 0, x = PDF_MARGIN, top = p->y;

	for (size_t i = 0; i < p->ncols; i++) {
		double hi = pdf_text_height(p, p->cols[i].width - 2 * CELL_PAD, p->tsize, bold ? PDF_BOLD : 0, cells[i]);
		if (hi > h)
			h = hi;
	}
	h += 2 * CELL_PAD;
	if (top + h > PDF_A4_H - PDF_MARGIN && !bold && top > PDF_MARGIN + 1) {
		pdf_page(p); /* repeats the titles */
		top = p->y;
	}
	for (size_t i = 0; i < p->ncols; i++) {
		int fl = (bold ? PDF_BOLD | PDF_CENTER : p->cols[i].flags);
		pdf_text(p, x + CELL_PAD, top + CELL_PAD, p->cols[i].width - 2 * CELL_PAD, p->tsize, fl, cells[i]);
		pdf_line(p, x, top, x, top + h, 0.2, 0);
		x += p->cols[i].width;
	}
	pdf_line(p, x, top, x, top + h, 0.2, 0);
	pdf_line(p, PDF_MARGIN, top, x, top, 0.2, 0);
	pdf_line(p, PDF_MARGIN, top + h, x, top + h, 0.2, 0);
	p->y = top + h;
}

static void table_header(struct pdf *p)
{
	const char *titles[64];
	size_t n = p->ncols < 64 ? p->ncols : 64;

	for (size_t i = 0; i < n; i++)
		titles[i] = p->cols[i].title;
	table_cells(p, titles, 1);
}

void pdf_table_begin(struct pdf *p, const struct pdf_col *cols, size_t ncols, double size)
{
	if (ncols > 64)
		ncols = 64;
	if (!p->npages)
		pdf_page(p);
	p->cols = cols;
	p->ncols = ncols;
	p->tsize = size;
	/* the titles and one row must fit, else the table starts on the next page */
	if (p->y + 2 * (pdf_text_height(p, table_width(p), size, 0, "表") + 2 * CELL_PAD) > PDF_A4_H - PDF_MARGIN)
		pdf_page(p); /* draws the titles */
	else
		table_header(p);
}

void pdf_table_row(struct pdf *p, const char *const *cells)
{
	const char *row[64];

	for (size_t i = 0; i < p->ncols; i++)
		row[i] = cells[i] ? cells[i] : "";
	table_cells(p, row, 0);
}

void pdf_table_end(struct pdf *p)
{
	p->cols = NULL;
	p->ncols = 0;
}

int pdf_finish(struct pdf *p, char **data, size_t *len, struct lx_err *e)
{
	cairo_status_t st;
	int rc = LX_OK;

	*data = NULL;
	*len = 0;
	if (!p->npages)
		pdf_page(p);
	g_object_unref(p->layout);
	p->layout = NULL;
	cairo_destroy(p->cr);
	p->cr = NULL;
	cairo_surface_finish(p->surface);
	st = cairo_surface_status(p->surface);
	if (st != CAIRO_STATUS_SUCCESS) {
		rc = err_set(e, st == CAIRO_STATUS_NO_MEMORY ? LX_ERR_NOMEM : LX_ERR_INTERNAL, "PDF 生成失败：%s",
			     cairo_status_to_string(st));
		goto out;
	}
	*len = p->out.len;
	*data = buf_detach(&p->out);
out:
	pdf_free(p);
	return rc;
}

void pdf_release(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}
