/* store.c — the backend-neutral core: choosing the driver from --db (a path: SQLite; a
 * postgresql:// URI: PostgreSQL), numbered migrations, the prepared-statement cache and
 * transactions. The drivers are store_sqlite.c and store_pg.c; the writer thread is in
 * store_writer.c and the domain queries in store_*.c by concern. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "store_stats.h"

int store_target_is_uri(const char *target)
{
	return !strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11);
}

void store_target_redact(const char *target, char *out, size_t n)
{
	const char *scheme = strstr(target, "://"), *at, *colon;
	if (!store_target_is_uri(target) || !scheme || !(at = strchr(scheme + 3, '@')) ||
	    !(colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3)))) {
		snprintf(out, n, "%s", target);
		return;
	}
	snprintf(out, n, "%.*s:***%s", (int)(colon - target), target, at);
}

static int run_simple(struct store *db, const char *sql, struct lx_err *e);

static const struct store_driver *driver_for(const char *target)
{
	return store_target_is_uri(target) ? &store_pg_driver : &store_sqlite_driver;
}

int store_latest_version(void)
{
	return (int)store_n_migrations;
}

int store_fail(struct store *db, int src, struct lx_err *e, const char *what)
{
	int rc = db->drv->fail(db, src, e, what);
	store_stats_error(rc); /* metrics: store errors by kind (store_stats.h) */
	return rc;
}

int store_exec(struct store *db, const char *sql, struct lx_err *e)
{
	return db->drv->exec(db, sql, e);
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

struct stmt *store_stmt(struct store *db, const char *sql, struct lx_err *e)
{
	size_t j;
	struct stmt *st;

	if ((db->used + 1) * 2 > db->nslots)
		cache_grow(db);
	j = slot_of(sql, db->nslots);
	while (db->slots[j].sql && db->slots[j].sql != sql)
		j = (j + 1) & (db->nslots - 1);
	if (db->slots[j].sql) {
		st = db->slots[j].stmt;
		db->drv->reset(st);
		return st;
	}
	st = lx_calloc(1, sizeof *st);
	st->db = db;
	st->sql = sql;
	if (db->drv->prepare(st, e) != LX_OK) {
		store_stats_error(e ? e->code : LX_ERR_STORAGE);
		free(st);
		return NULL;
	}
	db->slots[j].sql = sql;
	db->slots[j].stmt = st;
	db->used++;
	return st;
}

int store_step_done(struct store *db, struct stmt *st, struct lx_err *e, const char *what)
{
	int src = st_step(st);
	int rc = LX_OK;
	if (src != ST_DONE && src != ST_ROW)
		rc = store_fail(db, src, e, what);
	st_reset(st);
	return rc;
}

int store_step_id(struct store *db, struct stmt *st, int64_t *id, struct lx_err *e, const char *what)
{
	int src = st_step(st);
	int rc = LX_OK;
	if (src == ST_ROW) {
		*id = col_int(st, 0);
		while ((src = st_step(st)) == ST_ROW)
			;
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, what);
	st_reset(st);
	return rc;
}

int store_schema_version(struct store *db)
{
	return db->drv->version(db);
}

static int migrate(struct store *db, struct lx_err *e)
{
	int v = db->drv->version(db);
	int rc = LX_OK;

	if (v < 0)
		return err_set(e, LX_ERR_STORAGE, "cannot read the schema version");
	if (v > (int)store_n_migrations)
		return err_set(e, LX_ERR_STORAGE, "database schema version %d is newer than this program (%zu)",
			       v, store_n_migrations);
	for (; v < (int)store_n_migrations; v++) {
		const struct store_migration *m = &store_migrations[v];
		rc = store_exec(db, db->drv->sql_begin, e);
		if (rc)
			goto out;
		if (store_is_pg(db)) {
			/* Several programs may migrate one PostgreSQL database at once: one at a time,
			 * and each re-reads the version under the lock. */
			rc = store_exec(db, "SELECT pg_advisory_xact_lock(7431001)", e);
			if (rc == LX_OK && db->drv->version(db) != v) {
				store_exec(db, "ROLLBACK", NULL);
				v = db->drv->version(db) - 1;
				continue;
			}
		}
		if (rc == LX_OK)
			rc = store_exec(db, store_is_pg(db) ? m->pg : m->sqlite, e);
		if (rc == LX_OK)
			rc = db->drv->set_version(db, v + 1, e);
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

int store_open(const char *target, int flags, struct store **out, struct lx_err *e)
{
	struct store *db = lx_calloc(1, sizeof *db);
	int rc;

	*out = NULL;
	db->drv = driver_for(target);
	db->flags = flags;
	rc = db->drv->open(db, target, flags, e);
	if (rc == LX_OK && (flags & STORE_CREATE))
		rc = migrate(db, e);
	if (rc == LX_OK && (flags & STORE_READONLY) && !store_is_pg(db))
		rc = store_exec(db, "PRAGMA query_only=1", e);
	if (rc) {
		store_close(db);
		return rc;
	}
	*out = db;
	return LX_OK;
}

int store_ping(struct store *db, struct lx_err *e)
{
	return run_simple(db, "SELECT 1", e);
}

int store_is_postgres(const struct store *db)
{
	return store_is_pg(db);
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

void store_forget_statements(struct store *db)
{
	for (size_t i = 0; i < db->nslots; i++) {
		if (db->slots[i].stmt) {
			db->drv->finalize(db->slots[i].stmt);
			free(db->slots[i].stmt);
		}
		db->slots[i].sql = NULL;
		db->slots[i].stmt = NULL;
	}
	db->used = 0;
}

void store_close(struct store *db)
{
	if (!db)
		return;
	for (int k = 0; k < STORE_MEMO_N; k++)
		store_memo_set(db, (enum store_memo_kind)k, NULL, NULL);
	store_forget_statements(db);
	store_aqc_free(db);
	free(db->slots);
	if (db->conn)
		db->drv->close(db);
	free(db);
}

static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_RELEASE[] = "RELEASE job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";
static const char SQL_READ_PROBE[] = "SELECT count(*) FROM categories";

static int run_simple(struct store *db, const char *sql, struct lx_err *e)
{
	struct stmt *st = store_stmt(db, sql, e);
	if (!st)
		return e ? e->code : LX_ERR_STORAGE;
	return store_step_done(db, st, e, sql);
}

int store_begin(struct store *db, struct lx_err *e)
{
	int rc = run_simple(db, db->drv->sql_begin, e);
	if (rc == LX_OK)
		db->in_tx = 1;
	return rc;
}

int store_commit(struct store *db, struct lx_err *e)
{
	int rc = run_simple(db, SQL_COMMIT, e);
	if (rc == LX_OK) {
		db->in_tx = 0;
		store_aqc_tx_end(db, 1);
	}
	return rc;
}

void store_rollback(struct store *db)
{
	if (db->drv->in_tx(db))
		run_simple(db, SQL_ROLLBACK, NULL);
	db->in_tx = 0;
	store_aqc_tx_end(db, 0);
}

int store_in_tx(struct store *db)
{
	return db->drv->in_tx(db);
}

int store_savepoint(struct store *db, struct lx_err *e)
{
	return run_simple(db, SQL_SAVEPOINT, e);
}

int store_release(struct store *db, struct lx_err *e)
{
	return run_simple(db, SQL_RELEASE, e);
}

int store_release_savepoint(struct store *db, struct lx_err *e)
{
	if (store_is_pg(db)) /* one round trip for both */
		return store_exec(db, "RELEASE job; SAVEPOINT job", e);
	int rc = run_simple(db, SQL_RELEASE, e);
	return rc ? rc : run_simple(db, SQL_SAVEPOINT, e);
}

void store_rollback_to(struct store *db)
{
	run_simple(db, SQL_ROLLBACK_TO, NULL);
	run_simple(db, SQL_RELEASE, NULL);
	store_aqc_tx_end(db, 0); /* conservative: drops what the whole transaction loaded */
}

int store_read_begin(struct store *db, struct lx_err *e)
{
	int rc = run_simple(db, db->drv->sql_read_begin, e);
	struct stmt *st;
	int src;
	if (rc)
		return rc;
	/* The snapshot starts at the first read, so read now. */
	st = store_stmt(db, SQL_READ_PROBE, e);
	if (!st) {
		run_simple(db, SQL_ROLLBACK, NULL);
		return e ? e->code : LX_ERR_STORAGE;
	}
	src = st_step(st);
	if (src != ST_ROW) {
		rc = store_fail(db, src, e, "read snapshot");
		st_reset(st);
		run_simple(db, SQL_ROLLBACK, NULL);
		return rc;
	}
	st_reset(st);
	return LX_OK;
}

void store_read_end(struct store *db)
{
	if (db->drv->in_tx(db))
		run_simple(db, SQL_ROLLBACK, NULL);
	store_aqc_tx_end(db, 0);
}

int store_backup(struct store *db, const char *dest, struct lx_err *e)
{
	return db->drv->backup(db, dest, e);
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
