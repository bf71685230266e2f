/* diag.c — located diagnostics for importers (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void diag_add(struct diag *d, const char *where, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	d->total++;
	if (d->n >= DIAG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!d->items)
		d->items = lx_calloc(DIAG_MAX, sizeof *d->items);
	d->items[d->n].where = lx_strdup(where ? where : "");
	d->items[d->n].message = lx_strdup(msg);
	d->n++;
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].where);
		free(d->items[i].message);
	}
	free(d->items);
	memset(d, 0, sizeof *d);
}
