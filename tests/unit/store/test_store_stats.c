/* test_store_stats.c — common/store/store_stats.c and the writer's numbers for /metrics:
 * store_fail counts every failed call by kind (a duplicate row: constraint; a write on a
 * read-only connection: storage), the batch-size histogram's buckets and sums, reconnects, and
 * store_writer_queue_depth while the writer is held busy by a job that waits. Only the public
 * store interface is used, so the test holds for any backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "store_accounts.h"
#include "store_stats.h"

static char dir[64], path[128];

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/lawexam-test-stats-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static uint64_t all_errors(const struct store_stats *s)
{
	uint64_t n = 0;
	for (int k = 0; k < STORE_ERR_KINDS; k++)
		n += s->errors[k];
	return n;
}

static int add_category_twice(struct store *db, void *arg, struct lx_err *e)
{
	int rc = store_category_add(db, "dup", "重复", 1, e);
	if (rc)
		return rc;
	*(int *)arg = store_category_add(db, "dup", "重复", 1, e);
	return LX_OK;
}

static void test_errors_by_kind(void **state)
{
	struct store *db = NULL;
	struct store_stats a, b;
	struct lx_err e = {0};
	int second = 0;

	assert_int_equal(store_open(path, STORE_CREATE, &db, &e), LX_OK);
	store_stats_get(&a);
	assert_int_equal(store_run(db, add_category_twice, &second, &e), LX_OK);
	assert_int_equal(second, LX_ERR_CONFLICT);
	store_stats_get(&b);
	assert_int_equal(b.errors[STORE_ERR_CONSTRAINT] - a.errors[STORE_ERR_CONSTRAINT], 1);
	assert_int_equal(all_errors(&b) - all_errors(&a), 1); /* and nothing else */
	store_close(db);

	/* A write on a read-only connection: refused by the database, a storage error (not a
	 * constraint), counted once. */
	assert_int_equal(store_open(path, STORE_READONLY, &db, &e), LX_OK);
	store_stats_get(&a);
	second = 0;
	assert_int_not_equal(store_run(db, add_category_twice, &second, &e), LX_OK);
	store_stats_get(&b);
	assert_int_equal(b.errors[STORE_ERR_STORAGE] - a.errors[STORE_ERR_STORAGE], 1);
	assert_int_equal(all_errors(&b) - all_errors(&a), 1);
	assert_int_equal(store_stats_errors() - all_errors(&a), 1); /* the sum the lead's code reads */
	store_close(db);

	store_stats_error(LX_ERR_BUSY);
	store_stats_error(LX_ERR_NOMEM);
	store_stats_get(&a);
	assert_int_equal(a.errors[STORE_ERR_BUSY] - b.errors[STORE_ERR_BUSY], 1);
	assert_int_equal(a.errors[STORE_ERR_NOMEM] - b.errors[STORE_ERR_NOMEM], 1);
	assert_string_equal(store_err_kind_name(STORE_ERR_BUSY), "busy");
	assert_string_equal(store_err_kind_name(STORE_ERR_CONSTRAINT), "constraint");
	assert_string_equal(store_err_kind_name(STORE_ERR_NOMEM), "nomem");
	assert_string_equal(store_err_kind_name(STORE_ERR_STORAGE), "storage");
}

static void test_batch_histogram_and_reconnects(void **state)
{
	struct store_stats a, b;
	/* bounds 1 2 4 … 256: 1 → [0], 2 → [1], 3 and 4 → [2], 256 → [8], 257 → above */
	static const size_t sizes[] = {1, 2, 3, 4, 5, 256, 257};
	static const int bucket[] = {0, 1, 2, 2, 3, 8, 9};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		store_stats_get(&a);
		store_stats_batch(sizes[i]);
		store_stats_get(&b);
		for (int k = 0; k <= STORE_BATCH_BUCKETS; k++)
			if (b.batch_bucket[k] - a.batch_bucket[k] != (k == bucket[i] ? 1u : 0u))
				fail_msg("batch of %zu: bucket %d moved by %llu", sizes[i], k,
					 (unsigned long long)(b.batch_bucket[k] - a.batch_bucket[k]));
		assert_int_equal(b.batch_sum - a.batch_sum, sizes[i]);
		assert_int_equal(b.batch_count - a.batch_count, 1);
	}
	store_stats_get(&a);
	store_stats_reconnect();
	store_stats_reconnect();
	store_stats_get(&b);
	assert_int_equal(b.reconnects - a.reconnects, 2);
}

/* The first job holds the writer until released, so the others queue behind it. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;
static atomic_int done_jobs;

static int hold_job(struct store *db, void *arg, struct lx_err *e)
{
	pthread_mutex_lock(&gate_mu);
	gate_entered = 1;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return LX_OK;
}

static int noop_job(struct store *db, void *arg, struct lx_err *e)
{
	return LX_OK;
}

static void count_done(int rc, const struct lx_err *e, void *arg)
{
	atomic_fetch_add(&done_jobs, 1);
}

static void test_writer_queue_depth_and_batches(void **state)
{
	struct store *db = NULL;
	struct store_writer *w = NULL;
	struct store_stats a, b;
	struct lx_err e = {0};
	enum { QUEUED = 40 };

	assert_int_equal(store_open(path, STORE_CREATE, &db, &e), LX_OK); /* made by the first test or now */
	store_close(db);
	assert_int_equal(store_writer_start(path, &w, &e), LX_OK);
	assert_int_equal(store_writer_queue_depth(w), 0);
	store_stats_get(&a);
	store_writer_submit(w, hold_job, count_done, NULL);
	pthread_mutex_lock(&gate_mu);
	while (!gate_entered)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	/* The held job was taken alone: a batch of one, and nothing waits. */
	assert_int_equal(store_writer_queue_depth(w), 0);
	for (int i = 0; i < QUEUED; i++)
		store_writer_submit(w, noop_job, count_done, NULL);
	assert_int_equal(store_writer_queue_depth(w), QUEUED);
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	for (int i = 0; i < 1000 && atomic_load(&done_jobs) < QUEUED + 1; i++)
		usleep(5000);
	assert_int_equal(atomic_load(&done_jobs), QUEUED + 1);
	assert_int_equal(store_writer_queue_depth(w), 0);
	store_stats_get(&b);
	/* The held one alone, then the 40 together (at most 256 are taken at once). */
	assert_int_equal(b.batch_count - a.batch_count, 2);
	assert_int_equal(b.batch_sum - a.batch_sum, QUEUED + 1);
	assert_int_equal(b.batch_bucket[0] - a.batch_bucket[0], 1);  /* ≤ 1 */
	assert_int_equal(b.batch_bucket[6] - a.batch_bucket[6], 1);  /* 33..64 */
	store_writer_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_by_kind),
		cmocka_unit_test(test_batch_histogram_and_reconnects),
		cmocka_unit_test(test_writer_queue_depth_and_batches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
