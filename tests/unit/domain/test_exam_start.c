/* test_exam_start.c — common/domain/exam_start.c's start cache (parsed definitions and candidate lists kept
 * on the connection, checked against the content stamp of migration 3): a start after a bank
 * import draws from the new candidates whether the import ran on the same connection (an
 * HTTP import on the writer), on another connection (the CLI beside a running server) or as
 * raw SQL; metadata updated in place (difficulty) moves a question in or out of a section;
 * a start inside a transaction that is rolled back leaves no stale cache, even when a later
 * import brings the change count back to the same n; exams beyond the cache's capacity are
 * evicted and refilled; option counts come from SQL. Each section asks for every candidate,
 * so the drawn set is exactly the candidate set, whatever the seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "err.h"
#include "exam.h"
#include "store.h"
#include "store_accounts.h"
#include "store_exams.h"

#include "exam_fixture.h"

/* One question of a generated bank. */
struct tq {
	const char *id;
	int n_options;   /* 0 = judge */
	int difficulty;
	const char *stem; /* NULL = a stem made from the id */
};

/* A lawexam-bank/1 document for bank "t"; caller frees. */
static char *bank_text(const struct tq *qs, size_t n)
{
	size_t cap = 4096 + n * 512, len = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	len += (size_t)snprintf(s + len, cap - len,
				"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"t\",\"title\":\"测试题库\","
				"\"subject\":\"test\"},\"questions\":[");
	for (size_t i = 0; i < n; i++) {
		const struct tq *q = &qs[i];
		char stem[128];
		snprintf(stem, sizeof stem, "%s 的题干%s", q->id, q->stem ? q->stem : "");
		if (q->n_options == 0) {
			len += (size_t)snprintf(s + len, cap - len,
						"%s{\"id\":\"%s\",\"type\":\"judge\",\"stem\":\"%s\",\"answer\":\"T\","
						"\"difficulty\":%d}",
						i ? "," : "", q->id, stem, q->difficulty);
			continue;
		}
		len += (size_t)snprintf(s + len, cap - len, "%s{\"id\":\"%s\",\"type\":\"single\",\"stem\":\"%s\",\"options\":[",
					i ? "," : "", q->id, stem);
		for (int o = 0; o < q->n_options; o++)
			len += (size_t)snprintf(s + len, cap - len, "%s\"%s 选项 %c\"", o ? "," : "", q->id, 'A' + o);
		len += (size_t)snprintf(s + len, cap - len, "],\"answer\":\"A\",\"difficulty\":%d}", q->difficulty);
	}
	snprintf(s + len, cap - len, "]}");
	return s;
}

struct import_arg {
	const struct tq *qs;
	size_t n;
	int retire;
};

/* Imports the bank on db inside the caller's transaction. */
static int import_job(struct store *db, void *arg, struct lx_err *e)
{
	const struct import_arg *a = arg;
	return fx_import_text(db, bank_text(a->qs, a->n), a->retire, e);
}

static void import(struct store *db, const struct tq *qs, size_t n)
{
	struct import_arg a = {qs, n, 1};
	fx_run(db, import_job, &a, "import");
}

struct exam_arg {
	const char *code;
	int count, dmin, dmax;
	int64_t now;
};

static int exam_job(struct store *db, void *arg, struct lx_err *e)
{
	const struct exam_arg *a = arg;
	char o[48], c[48], text[1024];
	rfc3339_format(a->now - 3600, o, sizeof o);
	rfc3339_format(a->now + 86400, c, sizeof c);
	snprintf(text, sizeof text,
		 "{\"format\":\"lawexam-exam/1\",\"code\":\"%s\",\"title\":\"缓存测试\",\"opens_at\":\"%s\","
		 "\"closes_at\":\"%s\",\"duration_minutes\":60,\"pass_percent\":60,\"max_attempts\":50,"
		 "\"multiple_scoring\":\"partial\",\"results\":\"immediate\",\"review\":\"never\","
		 "\"papers\":[{\"categories\":[\"general\"],\"sections\":[{\"title\":\"单选\",\"bank\":\"t\","
		 "\"type\":\"single\",\"count\":%d,\"points\":1,\"difficulty\":[%d,%d]}]}]}",
		 a->code, o, c, a->count, a->dmin, a->dmax);
	return fx_exam_create(db, text, a->now, e);
}

static void make_exam(struct fx *f, const char *code, int count, int dmin, int dmax)
{
	struct exam_arg a = {code, count, dmin, dmax, f->now};
	struct lx_err e = {0};
	if (store_run(f->db, exam_job, &a, &e) != LX_OK)
		fail_msg("exam %s: %s", code, e.msg);
}

static const struct tq base_bank[] = {
	{"A1", 4, 1, NULL}, {"A2", 4, 1, NULL}, {"A3", 4, 1, NULL}, {"A4", 4, 1, NULL}, {"J1", 0, 1, NULL},
};

static int setup(void **state)
{
	struct fx *f;
	if (fx_setup(state, "/tmp/lawexam-test-start-XXXXXX", 0) != 0)
		return -1;
	f = *state;
	import(f->db, base_bank, sizeof base_bank / sizeof base_bank[0]);
	return 0;
}

/* --- starting and looking at the paper ---------------------------------------------- */

/* Starts a new attempt on db and submits it at once (so the next start is new too). */
static int start_new(struct fx *f, struct store *db, const char *code, int64_t *id, struct lx_err *e)
{
	struct start_arg a = {code, &f->u, f->now, 0, 0};
	struct submit_arg s;
	int rc = store_run(db, start_job, &a, e);
	if (rc)
		return rc;
	assert_true(a.created);
	s = (struct submit_arg){a.id, f->u.id, f->now};
	*id = a.id;
	return store_run(db, submit_job, &s, e);
}

#define MAXQ 32
struct paper {
	char got[MAXQ][64]; /* "qid/version/options", sorted */
	size_t n;
};

static void paper_cb(void *ctx, const struct aq_row *q)
{
	struct paper *p = ctx;
	assert_true(p->n < MAXQ);
	snprintf(p->got[p->n++], sizeof p->got[0], "%s/%d/%zu", q->qid, q->version, strlen(q->perm));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Asserts that attempt id drew exactly want ("qid/version/options" items, any order). */
static void assert_paper(struct store *db, int64_t id, const char *const *want, size_t n)
{
	struct paper p = {0};
	struct lx_err e = {0};
	char w[MAXQ][64];
	assert_int_equal(store_aq_list(db, id, paper_cb, &p, &e), LX_OK);
	assert_true(n <= MAXQ);
	for (size_t i = 0; i < n; i++)
		snprintf(w[i], sizeof w[i], "%s", want[i]);
	qsort(p.got, p.n, sizeof p.got[0], cmp_str);
	qsort(w, n, sizeof w[0], cmp_str);
	for (size_t i = 0; i < p.n && i < n; i++)
		assert_string_equal(p.got[i], w[i]);
	assert_int_equal(p.n, n);
}

#define WANT(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

/* --- tests -------------------------------------------------------------------------- */

/* A bank import on the connection that starts (as an HTTP import runs on the writer). */
static void test_import_same_connection(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	int64_t id = 0;
	static const struct tq v2[] = {
		{"A1", 4, 1, NULL},       /* unchanged */
		{"A2", 5, 1, NULL},       /* a fifth option: a new version */
		{"A4", 4, 1, NULL},       /* A3 missing: retired */
		{"A5", 3, 1, NULL},       /* new */
		{"J1", 0, 1, NULL},
	};
	make_exam(f, "x", 4, 1, 5);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/1/4", "A2/1/4", "A3/1/4", "A4/1/4"));
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK); /* from the cache */
	assert_paper(f->db, id, WANT("A1/1/4", "A2/1/4", "A3/1/4", "A4/1/4"));
	import(f->db, v2, sizeof v2 / sizeof v2[0]);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/1/4", "A2/2/5", "A4/1/4", "A5/1/3"));
}

/* An import by another connection (the CLI beside a running server), then raw SQL. */
static void test_import_other_connection(void **state)
{
	struct fx *f = *state;
	struct store *cli = NULL;
	struct lx_err e = {0};
	int64_t id = 0;
	static const struct tq v2[] = {
		{"A1", 4, 1, "（修订）"}, /* stem changed: version 2 */
		{"A2", 4, 1, NULL}, {"A3", 4, 1, NULL}, {"A4", 4, 1, NULL}, {"J1", 0, 1, NULL},
	};
	make_exam(f, "x", 4, 1, 5);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/1/4", "A2/1/4", "A3/1/4", "A4/1/4"));

	assert_int_equal(store_open(f->path, 0, &cli, &e), LX_OK);
	import(cli, v2, sizeof v2 / sizeof v2[0]);
	store_close(cli);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/2/4", "A2/1/4", "A3/1/4", "A4/1/4"));

	/* A question retired behind the program's back: the section can no longer be filled. */
	raw_exec(f->path, "UPDATE questions SET active = 0 WHERE qid = 'A4'");
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_ERR_CONFLICT);
	raw_exec(f->path, "UPDATE questions SET active = 1 WHERE qid = 'A4'");
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/2/4", "A2/1/4", "A3/1/4", "A4/1/4"));
}

/* Difficulty is metadata: updated in place (same version), it moves a question in or out
 * of a section's range. */
static void test_metadata_update(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	int64_t id = 0;
	static const struct tq v2[] = {
		{"A1", 4, 4, NULL}, /* out of [1, 2] */
		{"A2", 4, 1, NULL}, {"A3", 4, 1, NULL},
		{"A4", 4, 2, NULL}, /* still in */
		{"J1", 0, 1, NULL},
		{"B1", 4, 5, NULL}, /* new, out */
	};
	static const struct tq v3[] = {
		{"A1", 4, 4, NULL}, {"A2", 4, 1, NULL}, {"A3", 4, 1, NULL}, {"A4", 4, 2, NULL}, {"J1", 0, 1, NULL},
		{"B1", 4, 2, NULL}, /* now in */
	};
	make_exam(f, "x", 4, 1, 2);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/1/4", "A2/1/4", "A3/1/4", "A4/1/4"));
	import(f->db, v2, sizeof v2 / sizeof v2[0]);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_ERR_CONFLICT); /* 3 of 4 */
	import(f->db, v3, sizeof v3 / sizeof v3[0]);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A2/1/4", "A3/1/4", "A4/1/4", "B1/1/4"));
}

/* A start that filled the cache from an import in its own transaction, rolled back as a
 * whole (as a writer batch whose COMMIT fails): the next import brings the change count back
 * to the same n, so only the stamp's nonce tells the two states apart. */
static void test_rollback_then_same_count(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	struct import_arg x = {NULL, 0, 1};
	struct start_arg a = {"x", &f->u, f->now, 0, 0};
	struct content_gen g0, gx, gy;
	int64_t id = 0;
	static const struct tq vx[] = { /* A1 retired, A5 added */
		{"A2", 4, 1, NULL}, {"A3", 4, 1, NULL}, {"A4", 4, 1, NULL}, {"J1", 0, 1, NULL}, {"A5", 4, 1, NULL},
	};
	static const struct tq vy[] = { /* A2 retired, A6 added: as many row changes */
		{"A1", 4, 1, NULL}, {"A3", 4, 1, NULL}, {"A4", 4, 1, NULL}, {"J1", 0, 1, NULL}, {"A6", 4, 1, NULL},
	};
	make_exam(f, "x", 4, 1, 5);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/1/4", "A2/1/4", "A3/1/4", "A4/1/4"));
	assert_int_equal(store_content_gen(f->db, &g0, &e), LX_OK);

	assert_int_equal(store_begin(f->db, &e), LX_OK);
	x.qs = vx;
	x.n = sizeof vx / sizeof vx[0];
	assert_int_equal(import_job(f->db, &x, &e), LX_OK);
	assert_int_equal(start_job(f->db, &a, &e), LX_OK);
	assert_paper(f->db, a.id, WANT("A2/1/4", "A3/1/4", "A4/1/4", "A5/1/4"));
	assert_int_equal(store_content_gen(f->db, &gx, &e), LX_OK);
	store_rollback(f->db);

	import(f->db, vy, sizeof vy / sizeof vy[0]);
	assert_int_equal(store_content_gen(f->db, &gy, &e), LX_OK);
	assert_true(gx.n > g0.n);
	assert_int_equal(gy.n, gx.n); /* the counter alone would call the cache fresh */
	assert_true(gy.nonce != gx.nonce);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/1/4", "A3/1/4", "A4/1/4", "A6/1/4"));
}

/* Creating an exam changes the stamp too; more exams than the cache holds are evicted
 * (least recently used) and filled again, without leaks (ASan). */
static void test_many_exams(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	struct content_gen g0, g1;
	int64_t id = 0;
	char code[16];
	assert_int_equal(store_content_gen(f->db, &g0, &e), LX_OK);
	for (int i = 0; i < 20; i++) {
		snprintf(code, sizeof code, "x%02d", i);
		make_exam(f, code, 1 + i % 4, 1, 5);
	}
	assert_int_equal(store_content_gen(f->db, &g1, &e), LX_OK);
	assert_true(g1.n >= g0.n + 20);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 20; i++) {
			struct paper p = {0};
			snprintf(code, sizeof code, "x%02d", i);
			assert_int_equal(start_new(f, f->db, code, &id, &e), LX_OK);
			assert_int_equal(store_aq_list(f->db, id, paper_cb, &p, &e), LX_OK);
			assert_int_equal(p.n, (size_t)(1 + i % 4));
		}
}

/* The option count comes from SQL; options that are not a JSON array count 0 (as
 * json_array_size did). */
static void test_option_count(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	int64_t id = 0;
	static const struct tq v2[] = {
		{"A1", 2, 1, NULL}, {"A2", 3, 1, NULL}, {"A3", 6, 1, NULL}, {"A4", 4, 1, NULL}, {"J1", 0, 1, NULL},
	};
	make_exam(f, "x", 4, 1, 5);
	import(f->db, v2, sizeof v2 / sizeof v2[0]);
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/2/2", "A2/2/3", "A3/2/6", "A4/1/4"));
	raw_exec(f->path, "UPDATE question_versions SET options = 'not json' WHERE id ="
			  " (SELECT current_version_id FROM questions WHERE qid = 'A4')");
	assert_int_equal(start_new(f, f->db, "x", &id, &e), LX_OK);
	assert_paper(f->db, id, WANT("A1/2/2", "A2/2/3", "A3/2/6", "A4/1/0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_same_connection, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_import_other_connection, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_metadata_update, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rollback_then_same_count, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_many_exams, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_option_count, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
