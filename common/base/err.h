/* err.h — the project's one result type.
 * 0 is success; every failure is a negative, named code. A function that can fail
 * returns one of these and, where the caller passes one, fills a message buffer the
 * caller owns. Handlers turn codes into HTTP statuses; the CLI into exit codes. */
#ifndef LAWEXAM_ERR_H
#define LAWEXAM_ERR_H

#include <stddef.h>

enum {
	LX_OK = 0,
	LX_ERR_NOMEM = -1,      /* out of memory */
	LX_ERR_INVALID = -2,    /* bad input from a client or a file */
	LX_ERR_NOTFOUND = -3,   /* no such row */
	LX_ERR_CONFLICT = -4,   /* state forbids it (closed attempt, duplicate) */
	LX_ERR_STORAGE = -5,    /* the database failed (full disk, I/O, corrupt) */
	LX_ERR_BUSY = -6,       /* database locked longer than the busy timeout */
	LX_ERR_IO = -7,         /* file system or socket */
	LX_ERR_DENIED = -8,     /* not allowed for this user */
	LX_ERR_INTERNAL = -9,   /* a bug: an invariant did not hold */
};

/* A message buffer owned by the caller. err_set() formats into it (truncating). */
#define LX_ERRMSG_MAX 512
struct lx_err {
	int code;
	const char *tag;        /* optional API error code ("exam_not_open"), a string literal */
	char msg[LX_ERRMSG_MAX];
};

/* Sets e->code and e->msg (if e is non-NULL); returns code, for `return err_set(...)`. */
int err_set(struct lx_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like err_set, and records the API error code tag (a string literal). */
int err_tag(struct lx_err *e, int code, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *err_name(int code);

#endif
