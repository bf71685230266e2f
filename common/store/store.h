/* store.h — the storage layer's core: opening the database, numbered migrations,
 * transactions and the group-commit writer. This header and store_*.h are the store's
 * interface, written for any backend: no SQL, no backend type and no backend rule crosses
 * it (docs/architecture.md, "The store interface"). Today's one implementation is SQLite
 * (WAL, foreign keys) in common/store/store*.c, where every SQL statement of the project
 * lives. Domain reads and writes are declared in store_*.h by concern (accounts, banks,
 * exams, reports). */
#ifndef LAWEXAM_STORE_H
#define LAWEXAM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* One connection and its prepared-statement cache. Used by one thread at a time. */
struct store;

enum {
	STORE_CREATE = 1 << 0,   /* create the file and run migrations if needed */
	STORE_READONLY = 1 << 1, /* reads only: for per-thread readers */
};

/* Opens path. Without STORE_CREATE the file must exist and be fully migrated.
 * Caller closes with store_close(). */
int store_open(const char *path, int flags, struct store **out, struct lx_err *e);
void store_close(struct store *db);
/* 1 when target (a --db value) names a PostgreSQL database (postgresql:// or postgres://),
 * 0 for a SQLite file path. */
int store_target_is_uri(const char *target);
/* target for logs and messages: a URI's password replaced by "***". */
void store_target_redact(const char *target, char *out, size_t n);
/* One trivial query: LX_OK while the database answers (PostgreSQL: reconnects if it can). */
int store_ping(struct store *db, struct lx_err *e);
/* 1 when db is a PostgreSQL database (postgresql:// target), 0 for SQLite. */
int store_is_postgres(const struct store *db);
int store_schema_version(struct store *db);
int store_latest_version(void);

/* Write transactions: one writer at a time (SQLite: BEGIN IMMEDIATE … COMMIT). */
int store_begin(struct store *db, struct lx_err *e);
int store_commit(struct store *db, struct lx_err *e);
void store_rollback(struct store *db);
/* Nested: a savepoint inside a transaction (used per job by the writer). */
int store_savepoint(struct store *db, struct lx_err *e);
int store_release(struct store *db, struct lx_err *e);
/* store_release, then store_savepoint for the next job (PostgreSQL: one round trip). */
int store_release_savepoint(struct store *db, struct lx_err *e);
void store_rollback_to(struct store *db);
/* Read transaction: one consistent snapshot for a report's several reads. */
int store_read_begin(struct store *db, struct lx_err *e);
void store_read_end(struct store *db);

/* Per-connection memos: state a domain module derives from the database and keeps on the
 * connection that read it (no global state; one thread uses a connection at a time). The
 * module must validate a memo against the database itself on every use. From
 * store_memo_set() on the connection owns memo and frees it with free_fn at store_close(),
 * or when another memo is set in its place. */
enum store_memo_kind {
	STORE_MEMO_EXAM_START, /* exam_start.c: parsed definitions and candidate lists */
	STORE_MEMO_PAPER,      /* exam_render.c: JSON fragments of question versions (exam_attempt_render) */
	STORE_MEMO_N
};
void *store_memo(struct store *db, enum store_memo_kind kind);
void store_memo_set(struct store *db, enum store_memo_kind kind, void *memo, void (*free_fn)(void *memo));

/* Online backup to the file dest, safe beside a running server (SQLite: the backup API). */
int store_backup(struct store *db, const char *dest, struct lx_err *e);

/* --- the writer: one thread, one connection, group commit ---------------------------
 * Jobs run on the writer thread inside one transaction with everything else pending
 * (each inside its own savepoint, so a failing job rolls back alone). After COMMIT the
 * done callback runs on the writer thread with the job's result (LX_ERR_STORAGE for
 * every job of a batch whose COMMIT failed). The caller posts back to its own thread. */
struct store_writer;
typedef int (*store_job_fn)(struct store *db, void *arg, struct lx_err *e);
typedef void (*store_done_fn)(int rc, const struct lx_err *e, void *arg);

int store_writer_start(const char *path, struct store_writer **out, struct lx_err *e);
/* Thread-safe. Never fails: the job is queued. arg is owned by the caller until done runs. */
void store_writer_submit(struct store_writer *w, store_job_fn fn, store_done_fn done, void *arg);
/* Jobs that can run together. A run of consecutive queued jobs with the same bulk and key
 * (two or more in one batch) is handed to bulk at once, in one savepoint: it sets rcs[i]
 * and errs[i] for args[i], writes nothing for a job it fails, and returns LX_OK. Any other
 * return: the writer rolls the run back and runs each job's fn alone, as if submitted with
 * store_writer_submit. One such run costs a few statements instead of a few per job (on
 * PostgreSQL, round trips on the one writer thread: docs/benchmarks.md). */
typedef int (*store_bulk_fn)(struct store *db, void *const *args, int *rcs, struct lx_err *errs, size_t n,
			     struct lx_err *e);
void store_writer_submit_bulk(struct store_writer *w, store_job_fn fn, store_bulk_fn bulk, const void *key,
			      store_done_fn done, void *arg);
/* Stops accepting, runs and commits everything queued, joins the thread, frees w. */
void store_writer_stop(struct store_writer *w);
uint64_t store_writer_batches(struct store_writer *w);
uint64_t store_writer_jobs(struct store_writer *w);
uint64_t store_writer_checkpoints(struct store_writer *w); /* checkpoints run off the writer */
/* Jobs queued and not yet taken into a batch (metrics); any thread. */
size_t store_writer_queue_depth(struct store_writer *w);
/* Runs fn synchronously in its own transaction on db (the CLI's path; same semantics). */
int store_run(struct store *db, store_job_fn fn, void *arg, struct lx_err *e);

#endif
