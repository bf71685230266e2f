/* csv.c — the CSV writer for reports (see csv.h). Each field is written followed by a
 * comma; csv_end_row() turns the row's last comma into CRLF. A field that itself ends in a
 * comma is always quoted, so the last byte of an open row is always our separator. */
#include "csv.h"

#include <string.h>

#include "err.h"

int csv_bom(struct buf *b)
{
	return buf_add(b, "\xef\xbb\xbf", 3);
}

static int needs_quotes(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return 0;
	if (strpbrk(s, ",\"\r\n"))
		return 1;
	return s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t';
}

int csv_field(struct buf *b, const char *s)
{
	int rc = LX_OK;

	if (!s)
		s = "";
	if (!needs_quotes(s)) {
		rc = buf_adds(b, s);
	} else {
		rc = buf_addc(b, '"');
		for (const char *p = s; rc == LX_OK && *p; p++) {
			rc = buf_addc(b, *p);
			if (rc == LX_OK && *p == '"')
				rc = buf_addc(b, '"');
		}
		if (rc == LX_OK)
			rc = buf_addc(b, '"');
	}
	if (rc == LX_OK)
		rc = buf_addc(b, ',');
	return rc;
}

int csv_end_row(struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] == ',')
		b->data[--b->len] = '\0'; /* the separator after the row's last field */
	return buf_add(b, "\r\n", 2);
}

/* A cell that is wholly a plain number: '-'? digits, optionally '.' digits. */
static int plain_number(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (!(*p >= '0' && *p <= '9'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* Spreadsheet formula triggers at the start of a cell (OWASP "CSV injection"). A leading '-'
 * is harmless only when the whole cell is a number ("-5", "-0.5"); "-1+HYPERLINK(…)" is a
 * formula that starts with a digit. */
static int formula_like(const char *s)
{
	if (!s || !*s)
		return 0;
	if (strchr("=+@\t\r", s[0]))
		return 1;
	return s[0] == '-' && !plain_number(s);
}

int csv_text(struct buf *b, const char *s)
{
	int rc;
	if (!formula_like(s))
		return csv_field(b, s);
	{
		struct buf tmp;
		buf_init(&tmp, 0);
		rc = buf_addc(&tmp, '\'');
		if (rc == LX_OK)
			rc = buf_adds(&tmp, s);
		if (rc == LX_OK)
			rc = csv_field(b, buf_str(&tmp));
		buf_free(&tmp);
	}
	return rc;
}
