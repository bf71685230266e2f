/* store_sqlite.c — the SQLite driver (the embedded default): one file, WAL, foreign keys,
 * synchronous=FULL. Implements struct store_driver (store_int.h); the checkpointer the writer
 * runs beside its connection is here too (store_sqlite_writer_*), since only SQLite has one. */
#include "store_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

_Static_assert(ST_ROW == SQLITE_ROW && ST_DONE == SQLITE_DONE && ST_ERROR == SQLITE_ERROR,
	       "st_step passes SQLite's codes through");

#define CONN(db) ((sqlite3 *)(db)->conn)
#define H(st) ((sqlite3_stmt *)(st)->h)

static int lite_fail(struct store *db, int src, struct lx_err *e, const char *what)
{
	int code;
	switch (src & 0xff) {
	case SQLITE_NOMEM: code = LX_ERR_NOMEM; break;
	case SQLITE_BUSY: case SQLITE_LOCKED: code = LX_ERR_BUSY; break;
	case SQLITE_CONSTRAINT: code = LX_ERR_CONFLICT; break;
	case SQLITE_NOTFOUND: code = LX_ERR_NOTFOUND; break;
	default: code = LX_ERR_STORAGE; break;
	}
	return err_set(e, code, "%s: %s", what, db && db->conn ? sqlite3_errmsg(CONN(db)) : sqlite3_errstr(src));
}

static int lite_exec(struct store *db, const char *sql, struct lx_err *e)
{
	char *msg = NULL;
	int src = sqlite3_exec(CONN(db), sql, NULL, NULL, &msg);
	int rc = LX_OK;
	if (src != SQLITE_OK) {
		rc = lite_fail(db, src, e, "exec");
		if (e && msg)
			snprintf(e->msg, sizeof e->msg, "%s", msg);
	}
	sqlite3_free(msg);
	return rc;
}

static int lite_version(struct store *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(CONN(db), "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int lite_set_version(struct store *db, int v, struct lx_err *e)
{
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v);
	return lite_exec(db, pragma, e);
}

static int lite_open(struct store *db, const char *path, int flags, struct lx_err *e)
{
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	sqlite3 *conn = NULL;
	struct stat sb;
	int rc, src;

	if (!(flags & STORE_CREATE) && stat(path, &sb) != 0)
		return err_set(e, LX_ERR_IO, "database %s does not exist (run `lawexam-admin init` first)", path);
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	src = sqlite3_open_v2(path, &conn, oflags, NULL);
	db->conn = conn;
	if (src != SQLITE_OK)
		return lite_fail(db, src, e, path);
	if (sqlite3_db_readonly(conn, "main") == 1 && !(flags & STORE_READONLY))
		return err_set(e, LX_ERR_IO, "database %s is read-only", path);
	sqlite3_busy_timeout(conn, 10000);
	sqlite3_extended_result_codes(conn, 1);
	if (!(flags & STORE_CREATE) && lite_version(db) != (int)store_n_migrations)
		/* Refuse a foreign or unmigrated file before touching it (no switch to WAL). */
		return err_set(e, LX_ERR_STORAGE,
			       "database %s has schema version %d, expected %zu (run `lawexam-admin init` to upgrade)",
			       path, lite_version(db), store_n_migrations);
	rc = lite_exec(db, "PRAGMA journal_mode=WAL", e);
	if (rc == LX_OK)
		rc = lite_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
				   "PRAGMA cache_size=-16000; PRAGMA temp_store=MEMORY", e);
	return rc;
}

static void lite_close(struct store *db)
{
	if (db->conn)
		sqlite3_close(CONN(db));
	db->conn = NULL;
}

static int lite_prepare(struct stmt *st, struct lx_err *e)
{
	sqlite3_stmt *h = NULL;
	int src = sqlite3_prepare_v3(CONN(st->db), st->sql, -1, SQLITE_PREPARE_PERSISTENT, &h, NULL);
	if (src != SQLITE_OK)
		return lite_fail(st->db, src, e, "prepare");
	st->h = h;
	return LX_OK;
}

static void lite_finalize(struct stmt *st) { sqlite3_finalize(H(st)); }
static void lite_reset(struct stmt *st)
{
	sqlite3_reset(H(st));
	sqlite3_clear_bindings(H(st));
}
static void lite_bind_int(struct stmt *st, int i, int64_t v) { sqlite3_bind_int64(H(st), i, v); }
static void lite_bind_text(struct stmt *st, int i, const char *s, int len)
{
	sqlite3_bind_text(H(st), i, s, len, SQLITE_TRANSIENT);
}
static void lite_bind_blob(struct stmt *st, int i, const void *p, int len)
{
	sqlite3_bind_blob(H(st), i, p, len, SQLITE_TRANSIENT);
}
static void lite_bind_null(struct stmt *st, int i) { sqlite3_bind_null(H(st), i); }
static int lite_step(struct stmt *st) { return sqlite3_step(H(st)); }
static int64_t lite_col_int(struct stmt *st, int i) { return sqlite3_column_int64(H(st), i); }
static const char *lite_col_text(struct stmt *st, int i)
{
	const unsigned char *p = sqlite3_column_text(H(st), i);
	return p ? (const char *)p : "";
}
static const void *lite_col_blob(struct stmt *st, int i, int *len)
{
	const void *p = sqlite3_column_blob(H(st), i);
	*len = sqlite3_column_bytes(H(st), i);
	return p;
}
static int lite_col_null(struct stmt *st, int i) { return sqlite3_column_type(H(st), i) == SQLITE_NULL; }
static int64_t lite_changes(struct stmt *st) { return sqlite3_changes64(CONN(st->db)); }
static int lite_in_tx(struct store *db) { return sqlite3_get_autocommit(CONN(db)) == 0; }

static int lite_backup(struct store *db, const char *dest, struct lx_err *e)
{
	sqlite3 *to = NULL;
	sqlite3_backup *b;
	int src, rc = LX_OK;

	if (access(dest, F_OK) == 0)
		return err_set(e, LX_ERR_IO, "%s already exists; choose a new file name", dest);
	src = sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (src != SQLITE_OK) {
		rc = err_set(e, LX_ERR_IO, "cannot create %s: %s", dest, sqlite3_errmsg(to));
		goto out;
	}
	b = sqlite3_backup_init(to, "main", CONN(db), "main");
	if (!b) {
		rc = err_set(e, LX_ERR_STORAGE, "backup: %s", sqlite3_errmsg(to));
		goto out;
	}
	do {
		src = sqlite3_backup_step(b, -1); /* all at once: in WAL this does not block the writer, and a commit between steps would restart a partial copy */
		if (src == SQLITE_BUSY || src == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (src == SQLITE_OK || src == SQLITE_BUSY || src == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (src != SQLITE_DONE)
		rc = err_set(e, LX_ERR_STORAGE, "backup to %s failed: %s", dest, sqlite3_errstr(src));
out:
	if (to)
		sqlite3_close(to);
	if (rc)
		unlink(dest);
	return rc;
}

/* --- the checkpointer beside the writer --------------------------------------------------
 * Checkpoints do not run inside the writer's COMMIT (SQLite's automatic checkpoint would copy
 * the WAL back and fsync the database while every queued save waits): a second thread with a
 * connection of its own runs a PASSIVE checkpoint whenever a commit leaves the WAL longer than
 * CHECKPOINT_FRAMES pages. The writer never waits for it. */
#define CHECKPOINT_FRAMES 1000  /* SQLite's own automatic checkpoint threshold */
#define CHECKPOINT_INLINE 20000 /* ~80 MiB: the writer checkpoints itself (see wal_hook) */

struct lite_ckpt {
	struct store *ck;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wanted, stopping, started;
	_Atomic uint64_t checkpoints;
};

/* Runs on the writer thread after each commit (SQLite's WAL hook). */
static int wal_hook(void *arg, sqlite3 *conn, const char *name, int frames)
{
	struct lite_ckpt *c = arg;
	(void)name;
	if (frames >= CHECKPOINT_INLINE) {
		/* Under a write load that never pauses, the checkpointer is always a few commits
		 * behind, the WAL never restarts and keeps growing. Past this size the writer
		 * copies it back itself, as SQLite would: nothing can be appended meanwhile, so the
		 * next transaction restarts the WAL. Rare: only saturation benchmarks reach it. */
		sqlite3_wal_checkpoint_v2(conn, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= CHECKPOINT_FRAMES) {
		pthread_mutex_lock(&c->mu);
		if (!c->wanted) {
			c->wanted = 1;
			pthread_cond_signal(&c->cv);
		}
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	struct lite_ckpt *c = arg;
	for (;;) {
		int nlog = 0, nckpt = 0, src;
		pthread_mutex_lock(&c->mu);
		while (!c->wanted && !c->stopping)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stopping) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		c->wanted = 0;
		pthread_mutex_unlock(&c->mu);
		/* PASSIVE: copies what no reader still needs, never blocks the writer or readers;
		 * what it cannot copy now is copied next time. */
		src = sqlite3_wal_checkpoint_v2(CONN(c->ck), NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
		if (src != SQLITE_OK && src != SQLITE_BUSY)
			LOG(LOG_WARN, "checkpoint failed: %s (the WAL keeps growing until one succeeds)",
			    sqlite3_errmsg(CONN(c->ck)));
		atomic_fetch_add(&c->checkpoints, 1);
	}
	return NULL;
}

static void *lite_writer_attach(struct store *wdb, const char *path)
{
	struct lite_ckpt *c = lx_calloc(1, sizeof *c);
	struct lx_err e = {0};
	if (store_open(path, 0, &c->ck, &e) != LX_OK) {
		LOG(LOG_WARN, "no checkpointer connection (%s): checkpoints run in COMMIT", e.msg);
		free(c);
		sqlite3_wal_autocheckpoint(CONN(wdb), CHECKPOINT_FRAMES);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	/* Replaces SQLite's automatic checkpoint on the writer's connection. */
	sqlite3_wal_hook(CONN(wdb), wal_hook, c);
	if (pthread_create(&c->thread, NULL, checkpointer_main, c) == 0)
		c->started = 1;
	else
		sqlite3_wal_autocheckpoint(CONN(wdb), CHECKPOINT_FRAMES); /* no thread: checkpoint in COMMIT */
	return c;
}

static void lite_writer_detach(void *aux)
{
	struct lite_ckpt *c = aux;
	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (c->started)
		pthread_join(c->thread, NULL);
	store_close(c->ck);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

static uint64_t lite_writer_checkpoints(void *aux)
{
	return atomic_load(&((struct lite_ckpt *)aux)->checkpoints);
}

const struct store_driver store_sqlite_driver = {
	.kind = STORE_SQLITE,
	.open = lite_open,
	.close = lite_close,
	.exec = lite_exec,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.reset = lite_reset,
	.bind_int = lite_bind_int,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.bind_null = lite_bind_null,
	.step = lite_step,
	.col_int = lite_col_int,
	.col_text = lite_col_text,
	.col_blob = lite_col_blob,
	.col_null = lite_col_null,
	.changes = lite_changes,
	.fail = lite_fail,
	.in_tx = lite_in_tx,
	.version = lite_version,
	.set_version = lite_set_version,
	.backup = lite_backup,
	.writer_attach = lite_writer_attach,
	.writer_detach = lite_writer_detach,
	.writer_checkpoints = lite_writer_checkpoints,
	.sql_begin = "BEGIN IMMEDIATE",
	.sql_read_begin = "BEGIN DEFERRED",
};
