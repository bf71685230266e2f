/* store_copy.h — copying a whole database into an empty one (SQLite → PostgreSQL), with the
 * row counts of every table verified (lawexam-admin migrate --to URI, SPEC §11). */
#ifndef LAWEXAM_STORE_COPY_H
#define LAWEXAM_STORE_COPY_H

#include <stdint.h>

#include "store.h"

/* Called after each table with its name and the rows now in the target. */
typedef void (*store_copy_fn)(void *ctx, const char *table, int64_t rows);

/* Copies from into to in one transaction of to (from is read in one snapshot). Refuses a
 * target holding any row, and a source with a table this program does not know. On any
 * failure nothing is left in to. */
int store_copy_all(struct store *from, struct store *to, store_copy_fn fn, void *ctx, struct lx_err *e);

#endif
