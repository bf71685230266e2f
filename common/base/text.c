/* text.c — UTF-8 text helpers every layer uses (see text.h): validation, trimming of ASCII
 * and CJK white space, clipping for messages, list cells split on ; ； , ，.
 * Does not decode other encodings (formats/table_csv.c does GB18030). */
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Length of the white space at p (0 if none): ASCII space/tab/CR/LF/VT/FF, U+00A0,
 * U+3000 (ideographic space), U+FEFF (a stray BOM). */
size_t text_space_len(const char *p, const char *end)
{
	size_t left = (size_t)(end - p);

	if (left >= 1 && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
		return 1;
	if (left >= 2 && memcmp(p, "\xc2\xa0", 2) == 0)
		return 2;
	if (left >= 3 && (memcmp(p, "\xe3\x80\x80", 3) == 0 || memcmp(p, "\xef\xbb\xbf", 3) == 0))
		return 3;
	return 0;
}

/* Length of the white space that ends just before end (0 if none), not going below start. */
static size_t space_len_back(const char *start, const char *end)
{
	size_t left = (size_t)(end - start);

	if (left >= 1 && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
		return 1;
	if (left >= 2 && memcmp(end - 2, "\xc2\xa0", 2) == 0)
		return 2;
	if (left >= 3 && (memcmp(end - 3, "\xe3\x80\x80", 3) == 0 ||
			  memcmp(end - 3, "\xef\xbb\xbf", 3) == 0))
		return 3;
	return 0;
}

/* Trims [*b, *e) in place. */
void text_trim_range(const char **b, const char **e)
{
	size_t n;

	while (*b < *e && (n = text_space_len(*b, *e)) > 0)
		*b += n;
	while (*e > *b && (n = space_len_back(*b, *e)) > 0)
		*e -= n;
}

char *text_trim(const char *s)
{
	const char *b = s, *e = s + strlen(s);

	text_trim_range(&b, &e);
	return lx_strndup(b, (size_t)(e - b));
}

/* Length of the well-formed UTF-8 sequence at p (at most left bytes), 0 if malformed. */
size_t text_utf8_seq(const char *p, size_t left)
{
	unsigned c = (unsigned char)p[0];
	size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

	if (n == 0 || n > left || !text_utf8_valid(p, n))
		return 0;
	return n;
}

const char *text_clip(const char *s, size_t max, char *out, size_t outlen)
{
	size_t n = strlen(s), i = 0, k = 0;

	if (outlen < 5) {
		if (outlen)
			out[0] = '\0';
		return out;
	}
	if (max > outlen - 4)
		max = outlen - 4;
	while (i < n) {
		size_t sl = text_utf8_seq(s + i, n - i);
		if (k + (sl ? sl : 1) > max) {
			memcpy(out + k, "\xe2\x80\xa6", 3); /* … */
			k += 3;
			break;
		}
		if (sl == 0) { /* not UTF-8: shown as '?' */
			out[k++] = '?';
			i++;
			continue;
		}
		if (sl == 1 && (s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
			out[k] = ' ';
		else
			memcpy(out + k, s + i, sl);
		k += sl;
		i += sl;
	}
	out[k] = '\0';
	return out;
}

/* Length of a list separator at p: ; , (ASCII) or ； ， (full width); 0 if none. */
static size_t sep_len(const char *p)
{
	if (*p == ';' || *p == ',')
		return 1;
	if (strncmp(p, "\xef\xbc\x9b", 3) == 0 || strncmp(p, "\xef\xbc\x8c", 3) == 0)
		return 3;
	return 0;
}

size_t text_split_list(const char *s, char ***items)
{
	char **res = NULL;
	size_t n = 0, cap = 0;
	const char *p = s ? s : "";

	while (1) {
		const char *b = p, *e;
		size_t sl = 0;

		while (*p && (sl = sep_len(p)) == 0)
			p++;
		e = p;
		text_trim_range(&b, &e);
		if (e > b) {
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				res = lx_realloc(res, cap * sizeof *res);
			}
			res[n++] = lx_strndup(b, (size_t)(e - b));
		}
		if (!*p)
			break;
		p += sl;
	}
	*items = res;
	return n;
}

void text_list_free(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}
