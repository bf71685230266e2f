/* diag_check.h — helpers the unit tests of importers share: find a located diagnostic, and
 * print them all when a test fails. Header-only; include it after diag.h. */
#ifndef LAWEXAM_TEST_DIAG_CHECK_H
#define LAWEXAM_TEST_DIAG_CHECK_H

#include <stdio.h>
#include <string.h>

#include "diag.h"

/* 1 if d holds a diagnostic at exactly where whose message contains part. */
static inline int has_diag(const struct diag *d, const char *where, const char *part)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].where, where) == 0 && strstr(d->items[i].message, part))
			return 1;
	return 0;
}

static inline void print_diags(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s: %s\n", d->items[i].where, d->items[i].message);
}

#endif
