/* gz.h — gzip (zlib) for replies: the static files, compressed once at load (static.c), and
 * the API replies of routes flagged R_GZIP, compressed per reply (http.c). Which replies may
 * be compressed at all is http.c's rule, not this file's: a reply that carries a secret
 * (a CSRF token, a session, a password) never is (BREACH). Thread-safe: no shared state. */
#ifndef LAWEXAM_GZ_H
#define LAWEXAM_GZ_H

#include <stddef.h>

/* The gzip encoding of data[0..len) at level (1–9; caller frees), or NULL when len is under
 * 256 bytes or the encoding saves less than 10 % (images, tiny bodies). */
char *gz_encode(const void *data, size_t len, int level, size_t *out_len);
/* 1 if the Accept-Encoding header value ae accepts gzip: a coding "gzip" or "*" whose q is
 * not 0 (RFC 9110 §12.5.3). NULL (no header) accepts nothing. */
int gz_accepted(const char *ae);

#endif
