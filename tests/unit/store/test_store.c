/* test_store.c — common/store/store.c and store_writer.c: creating and reopening a database
 * (schema version), refusing missing/unmigrated/newer files without creating anything,
 * store_run rolling a failed job back completely, the group-commit writer (1000 jobs in few
 * transactions; a failing job rolls back alone) and online backup. Row counts are checked
 * through a separate raw SQLite connection, not through the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "roles.h"
#include "store.h"
#include "store_accounts.h"
#include "store_exams.h"
#include "store_int.h" /* test-only: the writer's sqlite3 handle, to cap its database size */

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/lawexam-test-store-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* One integer from a query, through an independent read-only connection. */
static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("raw open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("raw prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		fail_msg("raw open %s", path);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("raw exec %s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
}

static struct store *create_db(struct fx *f)
{
	struct store *db = NULL;
	struct lx_err e = {0};
	if (store_open(f->path, STORE_CREATE, &db, &e) != LX_OK)
		fail_msg("store_open(CREATE): %s", e.msg);
	return db;
}

/* --- open, versions ----------------------------------------------------------------- */

static void test_create_and_reopen(void **state)
{
	struct fx *f = *state;
	struct store *db = NULL;
	struct lx_err e = {0};

	assert_false(exists(f->path));
	assert_int_equal(store_open(f->path, STORE_CREATE, &db, &e), LX_OK);
	assert_non_null(db);
	assert_true(store_latest_version() >= 1);
	assert_int_equal(store_schema_version(db), store_latest_version());
	store_close(db);
	assert_true(exists(f->path));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), store_latest_version());
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), 1);

	db = NULL;
	assert_int_equal(store_open(f->path, 0, &db, &e), LX_OK);
	assert_non_null(db);
	assert_int_equal(store_schema_version(db), store_latest_version());
	store_close(db);

	/* Opening again with STORE_CREATE on a migrated file changes nothing. */
	db = NULL;
	assert_int_equal(store_open(f->path, STORE_CREATE, &db, &e), LX_OK);
	assert_int_equal(store_schema_version(db), store_latest_version());
	store_close(db);
}

static void test_wal_mode(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	sqlite3 *raw = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;

	store_close(db);
	assert_int_equal(sqlite3_open_v2(f->path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	mode = sqlite3_column_text(st, 0);
	assert_string_equal((const char *)mode, "wal");
	sqlite3_finalize(st);
	sqlite3_close(raw);
}

static void test_open_missing(void **state)
{
	struct fx *f = *state;
	struct store *db = (struct store *)0x1;
	struct lx_err e = {0};
	char missing[160], wal[170], shm[170], nodir[200];

	snprintf(missing, sizeof missing, "%s/missing.db", f->dir);
	snprintf(wal, sizeof wal, "%s-wal", missing);
	snprintf(shm, sizeof shm, "%s-shm", missing);
	assert_int_not_equal(store_open(missing, 0, &db, &e), LX_OK);
	assert_null(db);
	assert_int_not_equal(e.code, LX_OK);
	assert_non_null(strstr(e.msg, missing));
	assert_false(exists(missing));
	assert_false(exists(wal));
	assert_false(exists(shm));

	db = (struct store *)0x1;
	memset(&e, 0, sizeof e);
	assert_int_not_equal(store_open(missing, STORE_READONLY, &db, &e), LX_OK);
	assert_null(db);
	assert_false(exists(missing));

	snprintf(nodir, sizeof nodir, "%s/no/such/dir/x.db", f->dir);
	assert_int_not_equal(store_open(nodir, 0, &db, &e), LX_OK);
	assert_null(db);
	assert_int_not_equal(store_open(nodir, STORE_CREATE, &db, &e), LX_OK);
	assert_null(db);
	assert_false(exists(nodir));
}

static void test_open_unmigrated(void **state)
{
	struct fx *f = *state;
	struct store *db = NULL;
	struct lx_err e = {0};

	raw_exec(f->path, "CREATE TABLE scratch(x)"); /* a SQLite file at schema version 0 */
	assert_int_equal(store_open(f->path, 0, &db, &e), LX_ERR_STORAGE);
	assert_null(db);
	assert_non_null(strstr(e.msg, "schema version"));
	/* Nothing was migrated by the failed open. */
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), 0);

	assert_int_equal(store_open(f->path, STORE_CREATE, &db, &e), LX_OK);
	assert_int_equal(store_schema_version(db), store_latest_version());
	store_close(db);
}

static void test_open_newer(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct lx_err e = {0};
	char sql[64];

	store_close(db);
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", store_latest_version() + 1);
	raw_exec(f->path, sql);
	db = NULL;
	assert_int_not_equal(store_open(f->path, STORE_CREATE, &db, &e), LX_OK);
	assert_null(db);
	assert_non_null(strstr(e.msg, "newer"));
	assert_int_not_equal(store_open(f->path, 0, &db, &e), LX_OK);
	assert_null(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), store_latest_version() + 1);
}

static void test_open_garbage_file(void **state)
{
	struct fx *f = *state;
	struct store *db = NULL;
	struct lx_err e = {0};
	FILE *fp = fopen(f->path, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database file. ", fp);
	fclose(fp);
	assert_int_not_equal(store_open(f->path, 0, &db, &e), LX_OK);
	assert_null(db);
	assert_int_not_equal(store_open(f->path, STORE_CREATE, &db, &e), LX_OK);
	assert_null(db);
	assert_true(e.msg[0] != '\0');
}

/* --- store_run ---------------------------------------------------------------------- */

struct catjob {
	const char *code, *name;
	int fail_after; /* 0: succeed; else the error to return after inserting */
	const char *second_code, *second_name; /* optional second insert */
};

static int cat_job(struct store *db, void *arg, struct lx_err *e)
{
	struct catjob *j = arg;
	int rc = store_category_add(db, j->code, j->name, 1, e);
	if (rc)
		return rc;
	if (j->second_code) {
		rc = store_category_add(db, j->second_code, j->second_name, 1, e);
		if (rc)
			return rc;
	}
	if (j->fail_after)
		return err_set(e, j->fail_after, "job failed on purpose");
	return LX_OK;
}

static void test_run_failure_rolls_back(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct lx_err e = {0};
	char *code = NULL;
	struct catjob bad = {"tmpcat", "临时类别", LX_ERR_INVALID, NULL, NULL};
	struct catjob dup = {"other", "另一类别", 0, "tmpcat2", "另一类别"}; /* same name twice */
	struct catjob good = {"okcat", "正常类别", 0, NULL, NULL};

	assert_int_equal(store_run(db, cat_job, &bad, &e), LX_ERR_INVALID);
	assert_string_equal(e.msg, "job failed on purpose");
	assert_int_equal(store_category_resolve(db, "tmpcat", &code, NULL), LX_ERR_NOTFOUND);
	assert_null(code);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM categories WHERE code = 'tmpcat'"), 0);

	/* A constraint failure on the second statement undoes the first. */
	memset(&e, 0, sizeof e);
	assert_int_equal(store_run(db, cat_job, &dup, &e), LX_ERR_CONFLICT);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM categories WHERE code IN ('other', 'tmpcat2')"), 0);

	/* The connection is not left inside a transaction: the next job commits. */
	memset(&e, 0, sizeof e);
	assert_int_equal(store_run(db, cat_job, &good, &e), LX_OK);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM categories WHERE code = 'okcat'"), 1);
	assert_int_equal(store_category_resolve(db, "正常类别", &code, NULL), LX_OK);
	assert_string_equal(code, "okcat");
	free(code);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM categories"), 1);
	store_close(db);
}

static void test_readonly_cannot_write(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f), *ro = NULL;
	struct lx_err e = {0};
	struct catjob good = {"rocat", "只读", 0, NULL, NULL};

	store_close(db);
	assert_int_equal(store_open(f->path, STORE_READONLY, &ro, &e), LX_OK);
	assert_int_not_equal(store_run(ro, cat_job, &good, &e), LX_OK);
	store_close(ro);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM categories"), 0);
}

/* --- the writer --------------------------------------------------------------------- */

enum { NJOBS = 1000 };

struct wstate {
	atomic_int done;
	atomic_int failed;
	int rc[NJOBS + 1];
	atomic_int gate_open, gate_started;
	int bulk_sizes[16]; /* test_writer_bulk_runs: the size of each bulk call, in order */
	int nbulk;
};

struct wjob {
	struct wstate *ws;
	int idx;
	int mode; /* 0 ok, 1 insert then fail, 2 constraint violation after an insert, 3 gate,
		   * 4 sleep 30 ms then as 0; in a bulk run: 5 refused by the bulk call, 6 the bulk call fails */
};

static int w_job(struct store *db, void *arg, struct lx_err *e)
{
	struct wjob *j = arg;
	char detail[32];
	int rc;

	if (j->mode == 3) {
		atomic_store(&j->ws->gate_started, 1);
		while (!atomic_load(&j->ws->gate_open))
			usleep(1000);
		return LX_OK;
	}
	if (j->mode == 4)
		usleep(30000);
	snprintf(detail, sizeof detail, "job-%d", j->idx);
	rc = store_audit(db, 1000 + j->idx, "unit", "w", detail, "test", e);
	if (rc)
		return rc;
	if (j->mode == 1)
		return err_set(e, LX_ERR_INVALID, "job %d fails", j->idx);
	if (j->mode == 2) /* a duplicate of the category code job 10 inserted */
		return store_category_add(db, "dupcat", "重复类别二", 1, e);
	if (j->idx == 10)
		return store_category_add(db, "dupcat", "重复类别", 1, e);
	return LX_OK;
}

static void w_done(int rc, const struct lx_err *e, void *arg)
{
	struct wjob *j = arg;
	j->ws->rc[j->idx] = rc;
	if (rc)
		atomic_fetch_add(&j->ws->failed, 1);
	atomic_fetch_add(&j->ws->done, 1); /* last: publishes rc[] and the writer's counters */
}

static void wait_done(struct wstate *ws, int n)
{
	for (int i = 0; i < 20000 && atomic_load(&ws->done) < n; i++)
		usleep(1000);
	assert_int_equal(atomic_load(&ws->done), n);
}

static void test_writer_group_commit(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	struct wstate *ws = calloc(1, sizeof *ws);
	struct wjob *jobs = calloc(NJOBS, sizeof *jobs);
	uint64_t batches, njobs;

	store_close(db);
	assert_non_null(ws);
	assert_non_null(jobs);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	for (int i = 0; i < NJOBS; i++) {
		jobs[i] = (struct wjob){ws, i, 0};
		store_writer_submit(w, w_job, w_done, &jobs[i]);
	}
	wait_done(ws, NJOBS);
	batches = store_writer_batches(w);
	njobs = store_writer_jobs(w);
	store_writer_stop(w);

	assert_int_equal(atomic_load(&ws->failed), 0);
	assert_int_equal(njobs, NJOBS);
	assert_true(batches >= 1);
	if (batches >= 200)
		fail_msg("1000 jobs took %llu transactions: no group commit", (unsigned long long)batches);
	printf("# writer: %d jobs in %llu transactions\n", NJOBS, (unsigned long long)batches);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE action = 'w'"), NJOBS);
	assert_int_equal(raw_int(f->path, "SELECT count(DISTINCT detail) FROM audit_log"), NJOBS);
	assert_int_equal(raw_int(f->path, "SELECT min(at) FROM audit_log"), 1000);
	assert_int_equal(raw_int(f->path, "SELECT max(at) FROM audit_log"), 1000 + NJOBS - 1);
	free(jobs);
	free(ws);
}

/* The bulk call of test_writer_bulk_runs: one audit row per job ("bulk-N"), none for a job
 * it refuses (mode 5); a run holding a mode 6 job writes its rows and then fails. */
static int w_bulk(struct store *db, void *const *args, int *rcs, struct lx_err *errs, size_t n, struct lx_err *e)
{
	struct wstate *ws = ((struct wjob *)args[0])->ws;
	int fail = 0;
	if (ws->nbulk < 16)
		ws->bulk_sizes[ws->nbulk++] = (int)n;
	for (size_t i = 0; i < n; i++) {
		struct wjob *j = args[i];
		char detail[32];
		int rc;
		if (j->mode == 5) {
			rcs[i] = err_set(&errs[i], LX_ERR_INVALID, "refused in bulk");
			continue;
		}
		fail |= j->mode == 6;
		snprintf(detail, sizeof detail, "bulk-%d", j->idx);
		rc = store_audit(db, 1000 + j->idx, "unit", "w", detail, "test", e);
		if (rc)
			return rc;
	}
	return fail ? err_set(e, LX_ERR_INTERNAL, "bulk failed on purpose") : LX_OK;
}

static const int BULK_A = 1, BULK_B = 2; /* keys: their addresses */

/* Consecutive jobs of one bulk key run as one call, a plain job or another key ends the run;
 * a job the bulk call refuses gets its own error and writes nothing; a failing bulk call is
 * undone and its jobs run alone; a batch that has run its budget (20 ms) commits and leaves the rest to
 * the next transaction. */
static void test_writer_bulk_runs(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	struct wstate *ws = calloc(1, sizeof *ws);
	struct wjob jobs[32];
	uint64_t b0;

	store_close(db);
	assert_non_null(ws);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	jobs[0] = (struct wjob){ws, 0, 3};
	store_writer_submit(w, w_job, w_done, &jobs[0]);
	while (!atomic_load(&ws->gate_started))
		usleep(1000);
	for (int i = 1; i <= 20; i++) {
		jobs[i] = (struct wjob){ws, i, i == 5 ? 5 : i == 19 ? 6 : 0};
		if (i == 11)
			store_writer_submit(w, w_job, w_done, &jobs[i]);
		else
			store_writer_submit_bulk(w, w_job, w_bulk, i <= 16 ? &BULK_A : &BULK_B, w_done, &jobs[i]);
	}
	atomic_store(&ws->gate_open, 1);
	wait_done(ws, 21);
	assert_int_equal(ws->nbulk, 3);
	assert_int_equal(ws->bulk_sizes[0], 10); /* 1..10 */
	assert_int_equal(ws->bulk_sizes[1], 5);  /* 12..16: 11 is plain */
	assert_int_equal(ws->bulk_sizes[2], 4);  /* 17..20: another key, failed, run alone */
	assert_int_equal(ws->rc[5], LX_ERR_INVALID);
	assert_int_equal(atomic_load(&ws->failed), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail LIKE 'bulk-%'"), 14);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail = 'bulk-5'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail = 'job-11'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail LIKE 'job-%'"), 5); /* 11, 17..20 */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail IN ('bulk-17','bulk-18','bulk-19','bulk-20')"), 0);

	/* The time budget: a 30 ms job ends its transaction; the two behind it commit in the next. */
	atomic_store(&ws->gate_open, 0);
	atomic_store(&ws->gate_started, 0);
	jobs[21] = (struct wjob){ws, 21, 3};
	store_writer_submit(w, w_job, w_done, &jobs[21]);
	while (!atomic_load(&ws->gate_started))
		usleep(1000);
	b0 = store_writer_batches(w);
	for (int i = 22; i <= 24; i++) {
		jobs[i] = (struct wjob){ws, i, i == 22 ? 4 : 0};
		store_writer_submit(w, w_job, w_done, &jobs[i]);
	}
	atomic_store(&ws->gate_open, 1);
	wait_done(ws, 25);
	assert_int_equal(store_writer_batches(w) - b0, 3); /* the gate's, the slow job's, the other two */
	store_writer_stop(w);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail IN ('job-22','job-23','job-24')"), 3);
	free(ws);
}

static void test_writer_failing_job_alone(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	struct wstate *ws = calloc(1, sizeof *ws);
	enum { N = 200 };
	struct wjob *jobs = calloc(N + 1, sizeof *jobs);
	uint64_t batches;

	store_close(db);
	assert_non_null(ws);
	assert_non_null(jobs);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	/* A gate job holds the writer so the next N queue up and run as one transaction. */
	jobs[N] = (struct wjob){ws, N, 3};
	store_writer_submit(w, w_job, w_done, &jobs[N]);
	for (int i = 0; i < 5000 && !atomic_load(&ws->gate_started); i++)
		usleep(1000);
	assert_true(atomic_load(&ws->gate_started));
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct wjob){ws, i, i == 100 ? 1 : i == 150 ? 2 : 0};
		store_writer_submit(w, w_job, w_done, &jobs[i]);
	}
	atomic_store(&ws->gate_open, 1);
	wait_done(ws, N + 1);
	batches = store_writer_batches(w);
	store_writer_stop(w);

	assert_int_equal(batches, 2); /* the gate, then all N together */
	assert_int_equal(ws->rc[100], LX_ERR_INVALID);
	assert_int_equal(ws->rc[150], LX_ERR_CONFLICT);
	assert_int_equal(atomic_load(&ws->failed), 2);
	for (int i = 0; i < N; i++)
		if (i != 100 && i != 150 && ws->rc[i] != LX_OK)
			fail_msg("job %d: rc %d", i, ws->rc[i]);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log"), N - 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail = 'job-100'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail = 'job-150'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail = 'job-99'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail = 'job-101'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE detail = 'job-151'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM categories WHERE code = 'dupcat'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM categories WHERE name = '重复类别'"), 1);
	free(jobs);
	free(ws);
}

/* --- the writer when the disk is full ----------------------------------------------------
 * SQLITE_FULL is real: PRAGMA max_page_count on the writer's own connection (reached through
 * store_int.h, which only the store and its tests include) caps the database at its current
 * size, so the next statement that needs a new page fails. A single-row INSERT has no
 * statement journal, so SQLite then rolls the whole transaction back: the jobs before the
 * failing one are gone too, and none of the batch may be acknowledged. */

enum { FULL_N = 10, FULL_AT = 6 };

struct fjob {
	struct wstate *ws;
	int idx;
	int mode; /* 0 small insert, 1 cap the database then insert 64 KiB, 2 uncap then insert,
		   * 3 gate, 4 insert a token whose user does not exist (a deferred foreign key:
		   * the COMMIT fails) */
};

static int f_job(struct store *db, void *arg, struct lx_err *e)
{
	struct fjob *j = arg;
	char detail[32];
	int rc;

	if (j->mode == 3) {
		atomic_store(&j->ws->gate_started, 1);
		while (!atomic_load(&j->ws->gate_open))
			usleep(1000);
		return LX_OK;
	}
	if (j->mode == 1) {
		char *big = malloc(65536);
		assert_non_null(big);
		memset(big, 'x', 65535);
		big[65535] = '\0';
		assert_int_equal(sqlite3_exec((sqlite3 *)db->conn, "PRAGMA max_page_count = 1", NULL, NULL, NULL), SQLITE_OK);
		rc = store_audit(db, 1000 + j->idx, "unit", "full", big, "test", e);
		free(big);
		return rc;
	}
	if (j->mode == 2)
		assert_int_equal(sqlite3_exec((sqlite3 *)db->conn, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL),
				 SQLITE_OK);
	if (j->mode == 4) {
		uint8_t h[32] = {0};
		assert_int_equal(sqlite3_exec((sqlite3 *)db->conn, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
		h[0] = (uint8_t)j->idx;
		rc = store_token_insert(db, h, 987654, 1, e); /* no user 987654: fails at COMMIT */
		if (rc)
			return rc;
	}
	snprintf(detail, sizeof detail, "job-%d", j->idx);
	return store_audit(db, 1000 + j->idx, "unit", "full", detail, "test", e);
}

static char f_msg[LX_ERRMSG_MAX]; /* the message the batch failed with (written before done++) */

static void f_done(int rc, const struct lx_err *e, void *arg)
{
	struct fjob *j = arg;
	if (rc && j->idx == 0)
		snprintf(f_msg, sizeof f_msg, "%s", e->msg);
	j->ws->rc[j->idx] = rc;
	if (rc)
		atomic_fetch_add(&j->ws->failed, 1);
	atomic_fetch_add(&j->ws->done, 1);
}

/* Holds the writer with a gate job, queues jobs[0..n-1] (modes from mode_of), opens the gate:
 * the n jobs run as one batch. Returns the writer's batch count. */
static uint64_t run_gated_batch(struct store_writer *w, struct wstate *ws, struct fjob *jobs, int n,
				int (*mode_of)(int i))
{
	jobs[n] = (struct fjob){ws, n, 3};
	atomic_store(&ws->gate_open, 0);
	atomic_store(&ws->gate_started, 0);
	store_writer_submit(w, f_job, f_done, &jobs[n]);
	for (int i = 0; i < 5000 && !atomic_load(&ws->gate_started); i++)
		usleep(1000);
	assert_true(atomic_load(&ws->gate_started));
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct fjob){ws, i, mode_of(i)};
		store_writer_submit(w, f_job, f_done, &jobs[i]);
	}
	atomic_store(&ws->gate_open, 1);
	wait_done(ws, n + 1);
	return store_writer_batches(w);
}

static int full_mode(int i) { return i == FULL_AT ? 1 : 0; }
static int commit_fk_mode(int i) { return i == FULL_AT ? 4 : 0; }

static void test_writer_disk_full_fails_whole_batch(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	struct wstate *ws = calloc(1, sizeof *ws);
	struct fjob *jobs = calloc(FULL_N + 1, sizeof *jobs);
	uint64_t batches;

	store_close(db);
	assert_non_null(ws);
	assert_non_null(jobs);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	batches = run_gated_batch(w, ws, jobs, FULL_N, full_mode);
	assert_int_equal(batches, 2); /* the gate, then the FULL_N jobs as one transaction */
	/* every job of the batch, before and after the one that hit the limit, failed as storage */
	for (int i = 0; i < FULL_N; i++)
		if (ws->rc[i] != LX_ERR_STORAGE)
			fail_msg("job %d of a batch that hit SQLITE_FULL: rc %d, want LX_ERR_STORAGE (%d)", i, ws->rc[i],
				 LX_ERR_STORAGE);
	assert_int_equal(atomic_load(&ws->failed), FULL_N);
	if (!strstr(f_msg, "full"))
		fail_msg("the batch failed, but not for a full database: %s", f_msg);

	/* the writer goes on: once there is room again, the next batch commits */
	memset(ws, 0, sizeof *ws);
	jobs[0] = (struct fjob){ws, 0, 2};
	store_writer_submit(w, f_job, f_done, &jobs[0]);
	wait_done(ws, 1);
	assert_int_equal(ws->rc[0], LX_OK);
	store_writer_stop(w);

	/* nothing of the failed batch is in the database; the job after it is */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE action = 'full'"), 1);
	free(jobs);
	free(ws);
}

static void test_writer_failed_commit_fails_whole_batch(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	struct wstate *ws = calloc(1, sizeof *ws);
	struct fjob *jobs = calloc(FULL_N + 1, sizeof *jobs);

	store_close(db);
	assert_non_null(ws);
	assert_non_null(jobs);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	/* Every statement succeeds; the COMMIT itself fails (max_page_count cannot do that: WAL
	 * pages are allocated by the statements, so a deferred foreign key stands in for it). */
	assert_int_equal(run_gated_batch(w, ws, jobs, FULL_N, commit_fk_mode), 2);
	if (!strstr(f_msg, "FOREIGN KEY"))
		fail_msg("the batch failed, but not at the deferred foreign key: %s", f_msg);
	for (int i = 0; i < FULL_N; i++)
		if (ws->rc[i] != LX_ERR_STORAGE)
			fail_msg("job %d of a batch whose COMMIT failed: rc %d, want LX_ERR_STORAGE (%d)", i, ws->rc[i],
				 LX_ERR_STORAGE);
	store_writer_stop(w);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE action = 'full'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM api_tokens"), 0);
	free(jobs);
	free(ws);
}

static void test_writer_stop_drains(void **state)
{
	/* store_writer_stop right after submitting: everything queued is still committed and
	 * every done callback runs. */
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	struct wstate *ws = calloc(1, sizeof *ws);
	enum { N = 300 };
	struct wjob *jobs = calloc(N, sizeof *jobs);

	store_close(db);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct wjob){ws, i, 0};
		store_writer_submit(w, w_job, w_done, &jobs[i]);
	}
	store_writer_stop(w);
	assert_int_equal(atomic_load(&ws->done), N);
	assert_int_equal(atomic_load(&ws->failed), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log"), N);
	free(jobs);
	free(ws);
}

static void test_writer_missing_db(void **state)
{
	struct fx *f = *state;
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	assert_int_not_equal(store_writer_start(f->path, &w, &e), LX_OK);
	assert_false(exists(f->path));
}

/* --- backup ------------------------------------------------------------------------- */

static int fill_job(struct store *db, void *arg, struct lx_err *e)
{
	char d[32];
	int rc = store_category_add(db, "leader", "领导干部", 1, e);
	for (int i = 0; rc == LX_OK && i < 500; i++) {
		snprintf(d, sizeof d, "row-%d", i);
		rc = store_audit(db, i, "unit", "fill", d, "test", e);
	}
	return rc;
}

static void test_backup(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f), *bk = NULL;
	struct lx_err e = {0};
	char dest[160];
	char *code = NULL;

	snprintf(dest, sizeof dest, "%s/backup.db", f->dir);
	assert_int_equal(store_run(db, fill_job, NULL, &e), LX_OK);
	assert_int_equal(store_backup(db, dest, &e), LX_OK);
	assert_true(exists(dest));

	assert_int_equal(store_open(dest, 0, &bk, &e), LX_OK);
	assert_int_equal(store_schema_version(bk), store_latest_version());
	assert_int_equal(store_category_resolve(bk, "领导干部", &code, &e), LX_OK);
	assert_string_equal(code, "leader");
	free(code);
	store_close(bk);
	assert_int_equal(raw_int(dest, "SELECT count(*) FROM audit_log"), 500);
	assert_int_equal(raw_int(dest, "SELECT count(*) FROM audit_log"),
			 raw_int(f->path, "SELECT count(*) FROM audit_log"));
	assert_int_equal(raw_int(dest, "SELECT sum(at) FROM audit_log"), 499 * 500 / 2);
	assert_int_equal(raw_int(dest, "SELECT count(*) FROM categories"), 1);

	/* Never overwrites: an existing destination is refused and left as it was. */
	memset(&e, 0, sizeof e);
	assert_int_equal(store_backup(db, dest, &e), LX_ERR_IO);
	assert_non_null(strstr(e.msg, "exists"));
	assert_int_equal(raw_int(dest, "SELECT count(*) FROM audit_log"), 500);

	/* A destination that cannot be created fails and leaves nothing behind. */
	snprintf(dest, sizeof dest, "%s/no/such/dir/b.db", f->dir);
	assert_int_not_equal(store_backup(db, dest, &e), LX_OK);
	assert_false(exists(dest));
	store_close(db);
}

static void test_backup_beside_writer(void **state)
{
	/* A backup taken while the writer is committing holds a consistent prefix: every row of a
	 * committed batch or none of it; here all 200 jobs of a batch land together. */
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	struct wstate *ws = calloc(1, sizeof *ws);
	enum { N = 400 };
	struct wjob *jobs = calloc(N, sizeof *jobs);
	char dest[160];
	long long n;

	snprintf(dest, sizeof dest, "%s/during.db", f->dir);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct wjob){ws, i, 0};
		store_writer_submit(w, w_job, w_done, &jobs[i]);
	}
	assert_int_equal(store_backup(db, dest, &e), LX_OK);
	wait_done(ws, N);
	store_writer_stop(w);
	n = raw_int(dest, "SELECT count(*) FROM audit_log");
	assert_true(n >= 0 && n <= N);
	/* Rows are committed in submission order, so the backup holds exactly jobs 0..n-1. */
	if (n > 0)
		assert_int_equal(raw_int(dest, "SELECT max(at) FROM audit_log"), 1000 + n - 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log"), N);
	store_close(db);
	free(jobs);
	free(ws);
}

/* --- checkpoints off the writer ------------------------------------------------------ */

enum { CK_WAVES = 4, CK_WAVE = 1200 };

static int big_job(struct store *db, void *arg, struct lx_err *e)
{
	static char detail[3001];
	(void)arg;
	if (!detail[0])
		memset(detail, 'x', sizeof detail - 1); /* about one WAL page per row */
	return store_audit(db, 1, "unit", "ck", detail, "test", e);
}

static void big_done(int rc, const struct lx_err *e, void *arg)
{
	(void)e;
	atomic_fetch_add((atomic_int *)arg, rc == LX_OK ? 1 : 1000000);
}

static void test_writer_checkpoints_off_thread(void **state)
{
	/* Waves of ~1,200 pages: without checkpoints the WAL would hold all ~4,800 of them. The
	 * writer's own automatic checkpoint is off; the checkpointer thread must keep the WAL
	 * bounded, and every row must be there. */
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct store_writer *w = NULL;
	struct lx_err e = {0};
	atomic_int done = 0;
	char wal[600];
	struct stat st;
	uint64_t ck = 0;

	store_close(db);
	assert_int_equal(store_writer_start(f->path, &w, &e), LX_OK);
	for (int wave = 0; wave < CK_WAVES; wave++) {
		for (int i = 0; i < CK_WAVE; i++)
			store_writer_submit(w, big_job, big_done, &done);
		for (int i = 0; i < 20000 && atomic_load(&done) < (wave + 1) * CK_WAVE; i++)
			usleep(1000);
		assert_int_equal(atomic_load(&done), (wave + 1) * CK_WAVE);
		/* The wave's last commit asked for a checkpoint; let it finish before the next wave
		 * starts writing, so that wave's first transaction can restart the WAL. */
		for (int i = 0; i < 5000 && store_writer_checkpoints(w) <= ck; i++)
			usleep(1000);
		assert_true(store_writer_checkpoints(w) > ck);
		usleep(300000);
		ck = store_writer_checkpoints(w);
	}
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(stat(wal, &st), 0);
	printf("# checkpointer: %llu checkpoints, WAL %lld KiB after %d pages written\n", (unsigned long long)ck,
	       (long long)st.st_size / 1024, CK_WAVES * CK_WAVE);
	if (st.st_size > (off_t)3 * CK_WAVE * 4096)
		fail_msg("WAL is %lld bytes: the checkpoints did not let it restart", (long long)st.st_size);
	store_writer_stop(w);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE action = 'ck'"), CK_WAVES * CK_WAVE);
}

/* SPEC §12: the one scope rule. A stored scope wins; a unit_admin who is not an admin acts in
 * their own unit; admin and hr without one see everything. A scope covers itself and its
 * sub-units, never a sibling whose path merely starts the same. */
/* --- the positions cache (store_aqcache.c) ------------------------------------------ */

static void aq_row(struct store *db, int attempt, int pos, int version, const char *perm)
{
	char sql[256];
	struct lx_err e = {0};
	snprintf(sql, sizeof sql,
		 "INSERT INTO attempt_questions(attempt_id, position, section_idx, section_title, version_id, points2, perm)"
		 " VALUES (%d, %d, 0, 's', %d, 2, '%s')", attempt, pos, version, perm);
	if (store_exec(db, sql, &e) != LX_OK)
		fail_msg("%s: %s", sql, e.msg);
}

static void expect_aq(struct store *db, int attempt, int pos, int want_rc, const char *type, const char *perm)
{
	char t[16] = "", p[16] = "";
	struct lx_err e = {0};
	assert_int_equal(store_aq_get(db, attempt, pos, t, sizeof t, p, sizeof p, &e), want_rc);
	if (want_rc == LX_OK) {
		assert_string_equal(t, type);
		assert_string_equal(p, perm);
	}
}

/* A committed attempt's positions are read once and then served from the cache (a row
 * changed behind its back is not seen: the rows never change in real use); positions read
 * inside a transaction that rolls back are forgotten, so an attempt id given again after the
 * rollback gets its own rows. */
static void test_positions_cache(void **state)
{
	struct fx *f = *state;
	struct store *db = create_db(f);
	struct lx_err e = {0};

	assert_int_equal(store_exec(db, "PRAGMA foreign_keys = OFF", &e), LX_OK);
	assert_int_equal(store_exec(db,
				    "INSERT INTO question_versions(id, question_id, version, type, stem, options, answer,"
				    " explanation, basis, difficulty, tags, created_at) VALUES"
				    " (1, 1, 1, 'single', 'q', '[]', 'A', '', '', 1, '', 0),"
				    " (2, 2, 1, 'judge', 'q', '[]', 'A', '', '', 1, '', 0)", &e), LX_OK);
	aq_row(db, 7, 1, 1, "BADC");
	aq_row(db, 7, 2, 2, "AB");
	expect_aq(db, 7, 2, LX_OK, "judge", "AB");
	expect_aq(db, 7, 1, LX_OK, "single", "BADC");
	expect_aq(db, 7, 3, LX_ERR_NOTFOUND, NULL, NULL);
	expect_aq(db, 8, 1, LX_ERR_NOTFOUND, NULL, NULL); /* no such attempt: nothing cached */
	assert_int_equal(store_exec(db, "UPDATE attempt_questions SET perm = 'DCBA' WHERE attempt_id = 7", &e), LX_OK);
	expect_aq(db, 7, 1, LX_OK, "single", "BADC"); /* from the cache */

	/* Attempt 9 is inserted and read inside a transaction that rolls back ... */
	assert_int_equal(store_begin(db, &e), LX_OK);
	aq_row(db, 9, 1, 1, "ABCD");
	expect_aq(db, 9, 1, LX_OK, "single", "ABCD");
	store_rollback(db);
	expect_aq(db, 9, 1, LX_ERR_NOTFOUND, NULL, NULL);
	/* ... then id 9 is another attempt's: its rows, not the rolled-back ones. */
	assert_int_equal(store_begin(db, &e), LX_OK);
	aq_row(db, 9, 1, 2, "BA");
	expect_aq(db, 9, 1, LX_OK, "judge", "BA");
	assert_int_equal(store_savepoint(db, &e), LX_OK);
	store_rollback_to(db); /* a failing job's rollback drops the transaction's loads too */
	expect_aq(db, 9, 1, LX_OK, "judge", "BA"); /* read again: the row is still in the transaction */
	assert_int_equal(store_commit(db, &e), LX_OK);
	assert_int_equal(store_exec(db, "DELETE FROM attempt_questions WHERE attempt_id = 9", &e), LX_OK);
	expect_aq(db, 9, 1, LX_OK, "judge", "BA"); /* committed: kept */
	store_close(db);
}

static void test_user_scope_rule(void **state)
{
	struct user u = {.org = "区/甲局", .roles = ROLE_UNIT_ADMIN};
	(void)state;

	assert_string_equal(user_scope(&u), "区/甲局");
	u.roles = ROLE_UNIT_ADMIN | ROLE_ADMIN;
	assert_null(user_scope(&u));
	u.roles = ROLE_HR;
	assert_null(user_scope(&u));
	u.scope = "区/乙局";
	assert_string_equal(user_scope(&u), "区/乙局");
	u.roles = ROLE_UNIT_ADMIN;
	assert_string_equal(user_scope(&u), "区/乙局");
	u.scope = "";
	assert_string_equal(user_scope(&u), "区/甲局");

	assert_true(scope_path_covers(NULL, "任何/单位"));
	assert_true(scope_path_covers("区/甲局", "区/甲局"));
	assert_true(scope_path_covers("区/甲局", "区/甲局/一股"));
	assert_false(scope_path_covers("区/甲局", "区/甲局二"));
	assert_false(scope_path_covers("区/甲局", "区"));
	assert_false(scope_path_covers("区/甲局", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_scope_rule),
		cmocka_unit_test_setup_teardown(test_create_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_unmigrated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_garbage_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_cannot_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_failing_job_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_disk_full_fails_whole_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_failed_commit_fails_whole_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_stop_drains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_missing_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_beside_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_checkpoints_off_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positions_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_bulk_runs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
