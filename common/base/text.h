/* text.h — UTF-8 text helpers for every layer: validation, trimming (ASCII and CJK white
 * space), clipping a string for a message, and list cells split on ; ； , ，.
 * Pure functions over NUL-terminated or counted UTF-8; no other encodings here. */
#ifndef LAWEXAM_TEXT_H
#define LAWEXAM_TEXT_H

#include <stddef.h>

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF), else 0. */
int text_utf8_valid(const char *s, size_t len);
/* Length of the well-formed UTF-8 sequence at p (at most left bytes), 0 if malformed. */
size_t text_utf8_seq(const char *p, size_t left);
/* Length of the white space at p (0 if none, never past end): ASCII space/tab/CR/LF/VT/FF,
 * U+00A0, U+3000 (ideographic space), U+FEFF (a stray BOM). */
size_t text_space_len(const char *p, const char *end);
/* Trims that white space from both ends of [*b, *e) in place. */
void text_trim_range(const char **b, const char **e);
/* A fresh copy of s without leading/trailing white space. Caller frees. */
char *text_trim(const char *s);
/* s for a message, always valid UTF-8: cut to at most max bytes on a character boundary
 * (then "…" added), line breaks and tabs shown as spaces, bytes that are not UTF-8 shown
 * as '?', into out. Returns out. */
const char *text_clip(const char *s, size_t max, char *out, size_t outlen);
/* Splits a list cell on ; ； , ， into trimmed non-empty items (caller frees each and the
 * array with text_list_free). Returns the count. */
size_t text_split_list(const char *s, char ***items);
void text_list_free(char **items, size_t n);

#endif
