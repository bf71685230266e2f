/* store_int.h — internals shared by the store*.c files only: the connection, the driver seam
 * and the prepared-statement cache. Never include this outside common/store*.c.
 *
 * The store has one set of queries (store_accounts.c, store_exams.c, …) and two drivers that
 * run them: SQLite (store_sqlite.c, the embedded default) and PostgreSQL (store_pg.c, libpq;
 * SPEC §11). A query is written once, in the SQL both engines accept (placeholders ?1..?N,
 * ON CONFLICT, RETURNING, CASE); where the dialects must differ, STMT2 names both texts.
 * No file but the two drivers includes a database client header. */
#ifndef LAWEXAM_STORE_INT_H
#define LAWEXAM_STORE_INT_H

#include <stdint.h>

#include "store.h"

/* What st_step returns besides a failure (any other value: pass it to store_fail). */
enum { ST_ROW = 100, ST_DONE = 101, ST_ERROR = 1 };

struct stmt {
	struct store *db;
	const char *sql; /* the key: a string literal's address */
	void *h;         /* the driver's statement */
};

enum store_kind { STORE_SQLITE, STORE_PG };

/* One driver: the few operations every query needs. Statements are prepared once per
 * connection and reset (bindings cleared) before each use. */
struct store_driver {
	enum store_kind kind;
	int (*open)(struct store *db, const char *target, int flags, struct lx_err *e);
	void (*close)(struct store *db);
	int (*exec)(struct store *db, const char *sql, struct lx_err *e);
	int (*prepare)(struct stmt *st, struct lx_err *e);
	void (*finalize)(struct stmt *st);
	void (*reset)(struct stmt *st);
	void (*bind_int)(struct stmt *st, int i, int64_t v);
	void (*bind_text)(struct stmt *st, int i, const char *s, int len);
	void (*bind_blob)(struct stmt *st, int i, const void *p, int len);
	void (*bind_null)(struct stmt *st, int i);
	int (*step)(struct stmt *st);
	int64_t (*col_int)(struct stmt *st, int i);
	const char *(*col_text)(struct stmt *st, int i); /* "" for NULL; valid until the next step */
	const void *(*col_blob)(struct stmt *st, int i, int *len);
	int (*col_null)(struct stmt *st, int i);
	int64_t (*changes)(struct stmt *st); /* rows changed by the statement's last step */
	int (*fail)(struct store *db, int src, struct lx_err *e, const char *what);
	int (*in_tx)(struct store *db);       /* a transaction is open (not rolled back under us) */
	int (*version)(struct store *db);     /* schema version, -1 if unreadable */
	int (*set_version)(struct store *db, int v, struct lx_err *e);
	int (*backup)(struct store *db, const char *dest, struct lx_err *e);
	/* Work the driver does beside the writer's connection (SQLite: the checkpointer);
	 * NULL where there is none. */
	void *(*writer_attach)(struct store *wdb, const char *target);
	void (*writer_detach)(void *aux);
	uint64_t (*writer_checkpoints)(void *aux);
	const char *sql_begin, *sql_read_begin;
};

extern const struct store_driver store_sqlite_driver;
extern const struct store_driver store_pg_driver;

struct stmt_slot {
	const char *sql;
	struct stmt *stmt;
};

struct store {
	const struct store_driver *drv;
	void *conn;              /* the driver's connection */
	struct stmt_slot *slots; /* open addressing on the sql pointer */
	size_t nslots, used;
	int in_tx;
	int flags;
	void *memo[STORE_MEMO_N];            /* owned; freed by store_close with memo_free */
	void (*memo_free[STORE_MEMO_N])(void *memo);
	struct aq_cache *aqc;                /* store_aqcache.c; NULL until first used */
};

/* The numbered migrations: each a pair of texts, one per dialect (store_schema.c). */
struct store_migration {
	const char *sqlite, *pg;
};
extern const struct store_migration store_migrations[];
extern const size_t store_n_migrations;

/* The cached, reset statement for sql (a string literal: its address is the key).
 * Prepared once per connection. NULL on failure, with e set. */
struct stmt *store_stmt(struct store *db, const char *sql, struct lx_err *e);
/* Maps a driver result to LX_ERR_* and fills e with the database message. */
int store_fail(struct store *db, int src, struct lx_err *e, const char *what);
/* Runs a statement with no result rows to completion (after binding); resets it. */
int store_step_done(struct store *db, struct stmt *st, struct lx_err *e, const char *what);
/* Runs an INSERT … RETURNING id to completion and reads the id; resets the statement. */
int store_step_id(struct store *db, struct stmt *st, int64_t *id, struct lx_err *e, const char *what);
/* Finalizes every cached statement (the PostgreSQL driver, after a reconnect). */
void store_forget_statements(struct store *db);
/* store_aqcache.c: attempts' positions (type, option order), which never change once
 * committed. Lookup: LX_ERR_NOTFOUND for a position or attempt that does not exist. tx_end
 * keeps (committed) or drops (rolled back) what was loaded inside the transaction. */
int store_aqc_lookup(struct store *db, int64_t attempt_id, int position, char *type, size_t typelen, char *perm,
		     size_t permlen, struct lx_err *e);
void store_aqc_tx_end(struct store *db, int committed);
void store_aqc_free(struct store *db);
/* A transaction is open on db's connection (the engine has not rolled it back). */
int store_in_tx(struct store *db);
/* Executes literal SQL without caching (DDL, pragmas). */
int store_exec(struct store *db, const char *sql, struct lx_err *e);
static inline int store_is_pg(const struct store *db) { return db->drv->kind == STORE_PG; }

/* Declares var as the cached statement for sql, or returns the error from the enclosing
 * function (which must have `struct store *db` and `struct lx_err *e` in scope). */
#define STMT(var, sql)                              \
	struct stmt *var = store_stmt(db, sql, e);  \
	if (!var)                                   \
		return e ? e->code : LX_ERR_STORAGE
/* The same where SQLite and PostgreSQL need different texts. */
#define STMT2(var, sqlite_sql, pg_sql) STMT(var, store_is_pg(db) ? (pg_sql) : (sqlite_sql))

static inline void st_bind_int(struct stmt *st, int i, int64_t v) { st->db->drv->bind_int(st, i, v); }
static inline void st_bind_text(struct stmt *st, int i, const char *s, int len) { st->db->drv->bind_text(st, i, s, len); }
static inline void st_bind_blob(struct stmt *st, int i, const void *p, int len) { st->db->drv->bind_blob(st, i, p, len); }
static inline void st_bind_null(struct stmt *st, int i) { st->db->drv->bind_null(st, i); }
static inline int st_step(struct stmt *st) { return st->db->drv->step(st); }
static inline void st_reset(struct stmt *st) { st->db->drv->reset(st); }
static inline int64_t st_changes(struct stmt *st) { return st->db->drv->changes(st); }
static inline int64_t col_int(struct stmt *st, int i) { return st->db->drv->col_int(st, i); }
static inline const char *col_text(struct stmt *st, int i) { return st->db->drv->col_text(st, i); }
static inline const void *col_blob(struct stmt *st, int i, int *len) { return st->db->drv->col_blob(st, i, len); }
static inline int col_null(struct stmt *st, int i) { return st->db->drv->col_null(st, i); }

#endif
