/* store.c — opening the database, migrations, the prepared-statement cache and
 * transactions. Owns every sqlite3 handle; the writer thread is in store_writer.c and the
 * domain queries in store_*.c by concern. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

extern const char *const store_migrations[];
extern const size_t store_n_migrations;

int store_latest_version(void)
{
	return (int)store_n_migrations;
}

int store_fail(struct store *db, int src, struct lx_err *e, const char *what)
{
	int code;
	switch (src & 0xff) {
	case SQLITE_NOMEM: code = LX_ERR_NOMEM; break;
	case SQLITE_BUSY: case SQLITE_LOCKED: code = LX_ERR_BUSY; break;
	case SQLITE_CONSTRAINT: code = LX_ERR_CONFLICT; break;
	case SQLITE_NOTFOUND: code = LX_ERR_NOTFOUND; break;
	default: code = LX_ERR_STORAGE; break;
	}
	return err_set(e, code, "%s: %s", what, db && db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(src));
}

int store_exec(struct store *db, const char *sql, struct lx_err *e)
{
	char *msg = NULL;
	int src = sqlite3_exec(db->db, sql, NULL, NULL, &msg);
	int rc = LX_OK;
	if (src != SQLITE_OK) {
		rc = store_fail(db, src, e, "exec");
		if (e && msg)
			snprintf(e->msg, sizeof e->msg, "%s", msg);
	}
	sqlite3_free(msg);
	return rc;
}

static size_t slot_of(const void *p, size_t n)
{
	uintptr_t h = (uintptr_t)p;
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & (n - 1);
}

static void cache_grow(struct store *db)
{
	size_t n = db->nslots ? db->nslots * 2 : 128;
	struct stmt_slot *s = lx_calloc(n, sizeof *s);
	for (size_t i = 0; i < db->nslots; i++) {
		if (!db->slots[i].sql)
			continue;
		size_t j = slot_of(db->slots[i].sql, n);
		while (s[j].sql)
			j = (j + 1) & (n - 1);
		s[j] = db->slots[i];
	}
	free(db->slots);
	db->slots = s;
	db->nslots = n;
}

sqlite3_stmt *store_stmt(struct store *db, const char *sql, struct lx_err *e)
{
	size_t j;
	sqlite3_stmt *st = NULL;
	int src;

	if ((db->used + 1) * 2 > db->nslots)
		cache_grow(db);
	j = slot_of(sql, db->nslots);
	while (db->slots[j].sql && db->slots[j].sql != sql)
		j = (j + 1) & (db->nslots - 1);
	if (db->slots[j].sql) {
		st = db->slots[j].stmt;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	src = sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (src != SQLITE_OK) {
		store_fail(db, src, e, "prepare");
		return NULL;
	}
	db->slots[j].sql = sql;
	db->slots[j].stmt = st;
	db->used++;
	return st;
}

int store_step_done(struct store *db, sqlite3_stmt *st, struct lx_err *e, const char *what)
{
	int src = sqlite3_step(st);
	int rc = LX_OK;
	if (src != SQLITE_DONE && src != SQLITE_ROW)
		rc = store_fail(db, src, e, what);
	sqlite3_reset(st);
	return rc;
}

static int get_version(struct store *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int store_schema_version(struct store *db)
{
	return get_version(db);
}

static int migrate(struct store *db, struct lx_err *e)
{
	int v = get_version(db);
	int rc = LX_OK;
	char pragma[64];

	if (v < 0)
		return err_set(e, LX_ERR_STORAGE, "cannot read the schema version: %s", sqlite3_errmsg(db->db));
	if (v > (int)store_n_migrations)
		return err_set(e, LX_ERR_STORAGE, "database schema version %d is newer than this program (%zu)",
			       v, store_n_migrations);
	for (; v < (int)store_n_migrations; v++) {
		rc = store_exec(db, "BEGIN IMMEDIATE", e);
		if (rc)
			goto out;
		rc = store_exec(db, store_migrations[v], e);
		if (rc == LX_OK) {
			snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
			rc = store_exec(db, pragma, e);
		}
		if (rc == LX_OK)
			rc = store_exec(db, "COMMIT", e);
		if (rc) {
			store_exec(db, "ROLLBACK", NULL);
			goto out;
		}
	}
out:
	return rc;
}

int store_open(const char *path, int flags, struct store **out, struct lx_err *e)
{
	struct store *db = lx_calloc(1, sizeof *db);
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc = LX_OK, src;
	struct stat sb;

	*out = NULL;
	if (!(flags & STORE_CREATE) && stat(path, &sb) != 0) {
		rc = err_set(e, LX_ERR_IO, "database %s does not exist (run `lawexam-admin init` first)", path);
		goto out;
	}
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	src = sqlite3_open_v2(path, &db->db, oflags, NULL);
	if (src != SQLITE_OK) {
		rc = store_fail(db, src, e, path);
		goto out;
	}
	if (sqlite3_db_readonly(db->db, "main") == 1 && !(flags & STORE_READONLY)) {
		rc = err_set(e, LX_ERR_IO, "database %s is read-only", path);
		goto out;
	}
	sqlite3_busy_timeout(db->db, 10000);
	sqlite3_extended_result_codes(db->db, 1);
	if (!(flags & STORE_CREATE) && get_version(db) != (int)store_n_migrations) {
		/* Refuse a foreign or unmigrated file before touching it (no switch to WAL). */
		rc = err_set(e, LX_ERR_STORAGE, "database %s has schema version %d, expected %zu (run `lawexam-admin init` to upgrade)",
			     path, get_version(db), store_n_migrations);
		goto out;
	}
	rc = store_exec(db, "PRAGMA journal_mode=WAL", e);
	if (rc == LX_OK)
		rc = store_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
				    "PRAGMA cache_size=-16000; PRAGMA temp_store=MEMORY", e);
	if (rc)
		goto out;
	if (flags & STORE_CREATE)
		rc = migrate(db, e);
	if (rc == LX_OK && (flags & STORE_READONLY))
		rc = store_exec(db, "PRAGMA query_only=1", e);
out:
	if (rc) {
		store_close(db);
		return rc;
	}
	*out = db;
	return LX_OK;
}

void *store_memo(struct store *db, enum store_memo_kind kind)
{
	return db->memo[kind];
}

void store_memo_set(struct store *db, enum store_memo_kind kind, void *memo, void (*free_fn)(void *memo))
{
	if (db->memo[kind] && db->memo_free[kind])
		db->memo_free[kind](db->memo[kind]);
	db->memo[kind] = memo;
	db->memo_free[kind] = free_fn;
}

void store_close(struct store *db)
{
	if (!db)
		return;
	for (int k = 0; k < STORE_MEMO_N; k++)
		store_memo_set(db, (enum store_memo_kind)k, NULL, NULL);
	for (size_t i = 0; i < db->nslots; i++)
		if (db->slots[i].stmt)
			sqlite3_finalize(db->slots[i].stmt);
	free(db->slots);
	if (db->db)
		sqlite3_close(db->db);
	free(db);
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_RELEASE[] = "RELEASE job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";
static const char SQL_READ_BEGIN[] = "BEGIN DEFERRED";
static const char SQL_READ_PROBE[] = "SELECT count(*) FROM categories";

static int run_simple(struct store *db, const char *sql, struct lx_err *e)
{
	sqlite3_stmt *st = store_stmt(db, sql, e);
	if (!st)
		return e ? e->code : LX_ERR_STORAGE;
	return store_step_done(db, st, e, sql);
}

int store_begin(struct store *db, struct lx_err *e)
{
	int rc = run_simple(db, SQL_BEGIN, e);
	if (rc == LX_OK)
		db->in_tx = 1;
	return rc;
}

int store_commit(struct store *db, struct lx_err *e)
{
	int rc = run_simple(db, SQL_COMMIT, e);
	if (rc == LX_OK) {
		db->in_tx = 0;
	}
	return rc;
}

void store_rollback(struct store *db)
{
	if (sqlite3_get_autocommit(db->db) == 0)
		run_simple(db, SQL_ROLLBACK, NULL);
	db->in_tx = 0;
}

int store_savepoint(struct store *db, struct lx_err *e)
{
	return run_simple(db, SQL_SAVEPOINT, e);
}

int store_release(struct store *db, struct lx_err *e)
{
	return run_simple(db, SQL_RELEASE, e);
}

void store_rollback_to(struct store *db)
{
	run_simple(db, SQL_ROLLBACK_TO, NULL);
	run_simple(db, SQL_RELEASE, NULL);
}

int store_read_begin(struct store *db, struct lx_err *e)
{
	int rc = run_simple(db, SQL_READ_BEGIN, e);
	sqlite3_stmt *st;
	if (rc)
		return rc;
	/* The snapshot starts at the first read, so read now. */
	st = store_stmt(db, SQL_READ_PROBE, e);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		run_simple(db, SQL_ROLLBACK, NULL);
		return store_fail(db, SQLITE_ERROR, e, "read snapshot");
	}
	sqlite3_reset(st);
	return LX_OK;
}

void store_read_end(struct store *db)
{
	if (sqlite3_get_autocommit(db->db) == 0)
		run_simple(db, SQL_ROLLBACK, NULL);
}

int store_backup(struct store *db, const char *dest, struct lx_err *e)
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
	b = sqlite3_backup_init(to, "main", db->db, "main");
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

int store_run(struct store *db, store_job_fn fn, void *arg, struct lx_err *e)
{
	int rc = store_begin(db, e);
	if (rc)
		return rc;
	rc = fn(db, arg, e);
	if (rc == LX_OK)
		rc = store_commit(db, e);
	if (rc)
		store_rollback(db);
	return rc;
}
