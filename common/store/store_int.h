/* store_int.h — internals shared by the store*.c files only: the connection struct, the
 * prepared-statement cache and small binding helpers. Never include this outside common/store*.c. */
#ifndef LAWEXAM_STORE_INT_H
#define LAWEXAM_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct stmt_slot {
	const char *sql;     /* the key: a string literal's address */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	struct stmt_slot *slots; /* open addressing on the sql pointer */
	size_t nslots, used;
	int in_tx;
	void *memo[STORE_MEMO_N];            /* owned; freed by store_close with memo_free */
	void (*memo_free[STORE_MEMO_N])(void *memo);
};

/* The cached, reset statement for sql (a string literal: its address is the key).
 * Prepared once per connection. NULL on failure, with e set. */
sqlite3_stmt *store_stmt(struct store *db, const char *sql, struct lx_err *e);
/* Maps a SQLite result code to LX_ERR_* and fills e with the database message. */
int store_fail(struct store *db, int src, struct lx_err *e, const char *what);
/* Runs a statement with no result rows to completion (after binding); resets it. */
int store_step_done(struct store *db, sqlite3_stmt *st, struct lx_err *e, const char *what);
/* Executes literal SQL without caching (DDL, pragmas). */
int store_exec(struct store *db, const char *sql, struct lx_err *e);

/* Declares var as the cached statement for sql, or returns the error from the enclosing
 * function (which must have `struct store *db` and `struct lx_err *e` in scope). */
#define STMT(var, sql)                              \
	sqlite3_stmt *var = store_stmt(db, sql, e); \
	if (!var)                                   \
		return e ? e->code : LX_ERR_STORAGE

static inline const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *p = sqlite3_column_text(st, i);
	return p ? (const char *)p : "";
}

#endif
