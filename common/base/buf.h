/* buf.h — a growable byte buffer with a size cap (after curl's dynbuf).
 * The buffer owns its bytes; buf_free() releases them, buf_detach() hands them to the
 * caller (who frees with free()). Appends past the cap fail with LX_ERR_INVALID and
 * leave the buffer as it was. The content is always NUL-terminated. */
#ifndef LAWEXAM_BUF_H
#define LAWEXAM_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;   /* allocated */
	size_t max;   /* cap on len; 0 = SIZE_MAX */
};

void buf_init(struct buf *b, size_t max);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
char *buf_detach(struct buf *b); /* caller frees; buffer is reset */
void buf_free(struct buf *b);
static inline const char *buf_str(const struct buf *b) { return b->data ? b->data : ""; }

#endif
