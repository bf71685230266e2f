/* fuzz_roster_import.c — libFuzzer driver: bytes as a staff roster (XLSX when they start
 * with the zip magic, else CSV) taken all the way into a seeded database: roster_parse,
 * roster_prepare (argon2id at {1, 8, 1}, one thread) and roster_apply, first as a dry run,
 * then for real inside a transaction that is rolled back. An odd-sized input also disables
 * missing users. Checks: diagnostics are valid UTF-8 and present exactly on failure; the
 * dry run counts what the real run does (added + updated + unchanged = rows); after the
 * real run every row reads back as written (name, unit, resolved category, roles, enabled)
 * and new users without a password must change the generated one; administrators are
 * never disabled. The seeded database has the categories of `lawexam-admin init`, an
 * administrator, an examinee and a disabled examinee. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_db.h"
#include "pw.h"
#include "roles.h"
#include "roster.h"
#include "roster_import.h"
#include "store.h"
#include "store_accounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pw_params cheap = {1, 8, 1};

static int seed_job(struct store *s, void *arg, struct lx_err *e)
{
	static const struct { const char *code, *name; } cats[] = {
		{"leader", "领导干部"}, {"enforcement", "行政执法人员"}, {"general", "一般工作人员"}};
	static const struct { const char *login, *org, *cat; unsigned roles; int disabled; } users[] = {
		{"admin", "珠晖区", "general", ROLE_ADMIN, 0},
		{"1001", "珠晖区/区司法局/普法股", "leader", ROLE_EXAMINEE, 0},
		{"1002", "珠晖区/教育局", "general", ROLE_EXAMINEE | ROLE_HR, 1},
	};
	int rc;
	(void)arg;
	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		if ((rc = store_category_add(s, cats[i].code, cats[i].name, 1, e)) != LX_OK)
			return rc;
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		struct user u = {0};
		u.login = (char *)users[i].login;
		u.name = (char *)"种子";
		u.org = (char *)users[i].org;
		u.category = (char *)users[i].cat;
		u.roles = users[i].roles;
		u.disabled = users[i].disabled;
		u.pw_hash = pw_hash(&cheap, "Seed-pass-1");
		rc = store_user_insert(s, &u, 1, e);
		free(u.pw_hash);
		if (rc)
			return rc;
	}
	return LX_OK;
}

static void check_applied(struct store *db, const struct roster *r, const struct roster_plan *plan)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_row *row = &r->rows[i];
		struct user u = {0};
		FUZZ_CHECK(store_user_by_login(db, row->login, &u, NULL) == LX_OK);
		FUZZ_CHECK(fuzz_streq(u.name, row->name) && fuzz_streq(u.org, row->org));
		FUZZ_CHECK(fuzz_streq(u.category, plan->category[i]) && u.roles == row->roles && !u.disabled);
		if (plan->is_new[i])
			FUZZ_CHECK(u.must_change_password == (row->password == NULL));
		if (row->password)
			FUZZ_CHECK(pw_verify(u.pw_hash, row->password));
		else if (plan->initial[i])
			FUZZ_CHECK(pw_verify(u.pw_hash, plan->initial[i]));
		user_free(&u);
	}
	{
		struct user a = {0};
		FUZZ_CHECK(store_user_by_login(db, "admin", &a, NULL) == LX_OK);
		FUZZ_CHECK(!a.disabled);
		user_free(&a);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster r;
	struct roster_plan plan;
	struct diag d = {0};
	struct lx_err e = {0};
	int is_xlsx = size >= 2 && data[0] == 'P' && data[1] == 'K';
	int rc, added, updated, unchanged, disabled;

	struct store *db = fuzz_db_get("roster", seed_job);
	rc = roster_parse((const char *)data, size, "staff.csv", is_xlsx, &r, &d);
	fuzz_check_diags(&d);
	FUZZ_CHECK((rc == LX_OK) == (d.total == 0));
	if (rc != LX_OK) {
		roster_free(&r);
		diag_free(&d);
		return 0;
	}
	rc = roster_prepare(db, &r, "staff.csv", &cheap, 1, (int)(size & 1), NULL, &plan, &d, &e);
	fuzz_check_diags(&d);
	FUZZ_CHECK(rc == LX_OK || (rc == LX_ERR_INVALID && d.total > 0));
	if (rc == LX_OK) {
		FUZZ_CHECK(roster_apply(db, &plan, 1, 2, &e) == LX_OK);
		added = plan.added;
		updated = plan.updated;
		unchanged = plan.unchanged;
		disabled = plan.disabled;
		FUZZ_CHECK((size_t)(added + updated + unchanged) == r.n);
		FUZZ_CHECK(store_begin(db, &e) == LX_OK);
		rc = roster_apply(db, &plan, 0, 2, &e);
		if (rc != LX_OK)
			fprintf(stderr, "roster_apply: %s\n", e.msg);
		FUZZ_CHECK(rc == LX_OK);
		FUZZ_CHECK(plan.added == added && plan.updated == updated && plan.unchanged == unchanged &&
			   plan.disabled == disabled);
		check_applied(db, &r, &plan);
		store_rollback(db);
	}
	roster_plan_free(&plan);
	roster_free(&r);
	diag_free(&d);
	return 0;
}
