/* exam_fixture.h — the fixture shared by the exam unit tests (test_exam_paper.c,
 * test_exam_start.c): struct fx, a database created in a fresh /tmp dir with category
 * "general" and examinee 1001 (with FX_OTHER also 1002, with FX_READER a read-only second
 * connection), closed and removed by fx_teardown; raw_exec (SQL on a connection of its own);
 * fx_run (a store_run that fails the test); fx_import_text (a lawexam-bank/1 text imported
 * inside the caller's transaction); fx_exam_create (a lawexam-exam/1 text parsed and
 * created); start_job and submit_job for an attempt. Static inline, for test files only;
 * include after <cmocka.h>. */
#ifndef LAWEXAM_TESTS_EXAM_FIXTURE_H
#define LAWEXAM_TESTS_EXAM_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "bank.h"
#include "bank_import.h"
#include "clock.h"
#include "err.h"
#include "exam.h"
#include "exam_def.h"
#include "roles.h"
#include "store.h"
#include "store_accounts.h"

enum {
	FX_OTHER = 1 << 0,  /* a second examinee, f->other (1002) */
	FX_READER = 1 << 1, /* f->rd: a read-only connection, as an event loop's reader */
};

struct fx {
	char dir[64];
	char path[128];
	struct store *db; /* writes (the writer's role) */
	struct store *rd; /* renders (an event loop's reader); NULL without FX_READER */
	struct user u, other; /* other: zero without FX_OTHER */
	int64_t now;
	int flags; /* FX_* */
};

static inline void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("raw open %s", path);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("raw exec %s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
}

/* Runs job on db (store_run); fails the test with "what: message" if it fails. */
static inline void fx_run(struct store *db, store_job_fn job, void *arg, const char *what)
{
	struct lx_err e = {0};
	if (store_run(db, job, arg, &e) != LX_OK)
		fail_msg("%s: %s", what, e.msg);
}

/* --- the database ------------------------------------------------------------------- */

static inline int fx_add_examinee(struct store *db, struct user *u, const char *login, const char *name,
				  int64_t now, struct lx_err *e)
{
	u->login = strdup(login);
	u->name = strdup(name);
	u->org = strdup("珠晖区/司法局");
	u->category = strdup("general");
	u->roles = ROLE_EXAMINEE;
	return store_user_insert(db, u, now, e);
}

static inline int fx_seed_job(struct store *db, void *arg, struct lx_err *e)
{
	struct fx *f = arg;
	int rc = store_category_add(db, "general", "一般工作人员", f->now, e);
	if (rc == LX_OK)
		rc = fx_add_examinee(db, &f->u, "1001", "张三", f->now, e);
	if (rc == LX_OK && (f->flags & FX_OTHER))
		rc = fx_add_examinee(db, &f->other, "1002", "李四", f->now, e);
	return rc;
}

/* Creates the database in a new dir made from dir_template ("/tmp/…-XXXXXX") and sets
 * *state to the fixture; 0 or -1 (cmocka setup convention). */
static inline int fx_setup(void **state, const char *dir_template, int flags)
{
	struct fx *f = calloc(1, sizeof *f);
	struct lx_err e = {0};
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s", dir_template);
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	f->now = clock_now();
	f->flags = flags;
	if (store_open(f->path, STORE_CREATE, &f->db, &e) != LX_OK || store_run(f->db, fx_seed_job, f, &e) != LX_OK ||
	    ((flags & FX_READER) && store_open(f->path, STORE_READONLY, &f->rd, &e) != LX_OK)) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];
	store_close(f->rd);
	store_close(f->db);
	user_free(&f->u);
	user_free(&f->other);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* --- banks and exams ---------------------------------------------------------------- */

/* Parses text (a lawexam-bank/1 JSON document; freed here) and imports it on db inside the
 * caller's transaction; retire: retire the bank's questions missing from text. */
static inline int fx_import_text(struct store *db, char *text, int retire, struct lx_err *e)
{
	struct bank_doc doc;
	struct diag d = {0};
	struct bank_import_result res;
	int rc = bank_parse(text, strlen(text), "t.json", BANK_FMT_JSON, NULL, &doc, &d);
	for (size_t i = 0; i < d.n; i++)
		print_error("bank: %s: %s\n", d.items[i].where, d.items[i].message);
	diag_free(&d);
	free(text);
	assert_int_equal(rc, LX_OK);
	rc = bank_import(db, &doc, 0, retire, clock_now(), &res, e);
	bank_doc_free(&doc);
	return rc;
}

/* Parses text (a lawexam-exam/1 JSON document) and creates the exam on db at now. */
static inline int fx_exam_create(struct store *db, const char *text, int64_t now, struct lx_err *e)
{
	struct exam_def def;
	struct diag d = {0};
	int rc = examdef_parse(text, strlen(text), "x.json", &def, &d);
	if (rc == LX_OK)
		rc = exam_create(db, &def, "x.json", 0, now, &d, e);
	for (size_t i = 0; i < d.n; i++)
		print_error("exam: %s: %s\n", d.items[i].where, d.items[i].message);
	examdef_free(&def);
	diag_free(&d);
	return rc;
}

/* --- attempts ----------------------------------------------------------------------- */

struct start_arg {
	const char *code;
	const struct user *u;
	int64_t now;
	int64_t id;
	int created;
};

static inline int start_job(struct store *db, void *arg, struct lx_err *e)
{
	struct start_arg *a = arg;
	return exam_start(db, a->code, a->u, a->now, 30, &a->id, &a->created, NULL, e);
}

struct submit_arg {
	int64_t id, user_id, now;
};

static inline int submit_job(struct store *db, void *arg, struct lx_err *e)
{
	const struct submit_arg *a = arg;
	return exam_submit(db, a->id, a->user_id, a->now, "submit", e);
}

#endif
