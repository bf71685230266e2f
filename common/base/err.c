/* err.c — formatting of the project result type (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(struct lx_err *e, int code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

int err_tag(struct lx_err *e, int code, const char *tag, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->code = code;
		e->tag = tag;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}
