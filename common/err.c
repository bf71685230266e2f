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

const char *err_name(int code)
{
	switch (code) {
	case LX_OK: return "ok";
	case LX_ERR_NOMEM: return "out of memory";
	case LX_ERR_INVALID: return "invalid";
	case LX_ERR_NOTFOUND: return "not found";
	case LX_ERR_CONFLICT: return "conflict";
	case LX_ERR_STORAGE: return "storage";
	case LX_ERR_BUSY: return "busy";
	case LX_ERR_IO: return "i/o";
	case LX_ERR_DENIED: return "denied";
	default: return "internal";
	}
}
