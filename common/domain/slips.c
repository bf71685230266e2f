/* slips.c — the login slips PDF (see slips.h): a fixed grid of 105 × 74.25 mm cells, the
 * cut lines drawn once per page, a slip's text inside its cell with a 7 mm margin; a unit
 * name too long for its lines wraps, and is set in smaller type (down to about half) when it
 * would take more than 20 mm, so that even the longest path a roster allows (8 levels of 64
 * bytes) leaves the password, the URL and the footer line in their places. */
#include "slips.h"

#include "pdf.h"

#define COLS 2
#define ROWS 4
#define CELL_W (PDF_A4_W / COLS)
#define CELL_H (PDF_A4_H / ROWS)
#define PAD 7.0

static void cut_lines(struct pdf *p)
{
	for (int c = 1; c < COLS; c++)
		pdf_line(p, c * CELL_W, 4, c * CELL_W, PDF_A4_H - 4, 0.25, 1);
	for (int r = 1; r < ROWS; r++)
		pdf_line(p, 4, r * CELL_H, PDF_A4_W - 4, r * CELL_H, 0.25, 1);
}

/* "label value" on one line at (x, y); returns the height used. */
static double field(struct pdf *p, double x, double y, double w, const char *label, const char *value, int flags,
		    double size, double max_h)
{
	double h;
	pdf_text(p, x, y + (size > 10 ? 0.8 : 0), 18, 9.5, PDF_BOLD, label);
	h = pdf_text_height(p, w - 18, size, flags, value);
	for (int i = 0; i < 3 && h > max_h; i++) { /* a very long unit: smaller type rather than over the
						       * fields below it or into the next slip */
		size *= 0.8;
		h = pdf_text_height(p, w - 18, size, flags, value);
	}
	h = pdf_text(p, x + 18, y, w - 18, size, flags, value);
	return h + 1.6;
}

int slips_pdf(const struct slip *v, size_t n, const char *url, char **data, size_t *len, struct lx_err *e)
{
	struct pdf *p = pdf_new();

	for (size_t i = 0; i < n || i == 0; i++) {
		size_t k = i % SLIPS_PER_PAGE;
		double x, y, w = CELL_W - 2 * PAD;

		if (k == 0) {
			pdf_page(p);
			cut_lines(p);
		}
		if (i >= n)
			break;
		x = (double)(k % COLS) * CELL_W + PAD;
		y = (double)(k / COLS) * CELL_H + PAD - 1;
		pdf_text(p, x, y, w, 11, PDF_BOLD, "学法考法考试平台 · 登录凭条");
		y += 7;
		y += field(p, x, y, w, "工号", v[i].login, PDF_MONO, 10.5, 6);
		y += field(p, x, y, w, "姓名", v[i].name, 0, 10.5, 10);
		y += field(p, x, y, w, "单位", v[i].unit, 0, 9.5, 20);
		y += field(p, x, y, w, "初始密码", v[i].password, PDF_MONO | PDF_BOLD, 13, 7);
		y += field(p, x, y, w, "网址", url, PDF_MONO, 9.5, 6);
		pdf_text(p, x, (double)(k / COLS + 1) * CELL_H - PAD - 3, w, 8, 0,
			 "首次登录后须修改密码。请妥善保管，勿转交他人。");
	}
	return pdf_finish(p, data, len, e);
}
