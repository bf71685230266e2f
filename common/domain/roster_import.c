/* roster_import.c — roster rows into users and units (see roster_import.h). Users absent
 * from the file are disabled only with --disable-missing, and never an administrator (so an
 * import cannot lock out the people running it). */
#include "roster_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "roles.h"
#include "store_accounts.h"

void roster_plan_free(struct roster_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->category[i]);
		free(p->hash[i]);
		if (p->initial[i])
			free(p->initial[i]);
	}
	free(p->category);
	free(p->hash);
	free(p->initial);
	free(p->is_new);
	memset(p, 0, sizeof *p);
}

int roster_prepare(struct store *db, struct roster *r, const char *fname, const struct pw_params *pw,
		   int threads, int disable_missing, const struct lx_progress *progress, struct roster_plan *plan,
		   struct diag *d, struct lx_err *e)
{
	char where[256];
	char **plain;
	size_t before = d->total;

	memset(plan, 0, sizeof *plan);
	plan->r = r;
	plan->n = r->n;
	plan->disable_missing = disable_missing;
	plan->category = lx_calloc(r->n + 1, sizeof *plan->category);
	plan->hash = lx_calloc(r->n + 1, sizeof *plan->hash);
	plan->initial = lx_calloc(r->n + 1, sizeof *plan->initial);
	plan->is_new = lx_calloc(r->n + 1, sizeof *plan->is_new);
	plain = lx_calloc(r->n + 1, sizeof *plain);
	for (size_t i = 0; i < r->n; i++) {
		struct roster_row *row = &r->rows[i];
		struct user u = {0};
		int rc = store_category_resolve(db, row->category, &plan->category[i], NULL);
		if (rc != LX_OK) {
			snprintf(where, sizeof where, "%s:ROW %d: column 类别", fname, row->rownum);
			diag_add(d, where, "未知的人员类别「%s」（可用 lawexam-admin category list 查看，或先添加）", row->category);
		}
		rc = store_user_by_login(db, row->login, &u, NULL);
		plan->is_new[i] = rc == LX_ERR_NOTFOUND;
		user_free(&u);
		if (rc != LX_OK && rc != LX_ERR_NOTFOUND)
			return err_set(e, rc, "cannot read users");
		if (row->password) {
			char why[128];
			if (pw_policy(row->login, row->password, why, sizeof why) != LX_OK) {
				snprintf(where, sizeof where, "%s:ROW %d: column 密码", fname, row->rownum);
				diag_add(d, where, "%s", why);
			}
			plain[i] = row->password;
		} else if (plan->is_new[i]) {
			plan->initial[i] = pw_random();
			plain[i] = plan->initial[i];
		}
	}
	if (d->total > before) {
		free(plain);
		return LX_ERR_INVALID;
	}
	pw_hash_many(pw, plain, r->n, plan->hash, threads, progress);
	for (size_t i = 0; i < r->n; i++)
		if (plain[i] && !plan->hash[i]) {
			free(plain);
			return err_set(e, LX_ERR_INTERNAL, "password hashing failed");
		}
	free(plain);
	return LX_OK;
}

struct missing {
	struct roster_plan *plan;
	int64_t *ids;
	size_t n;
};

static int cmp_login(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void missing_cb(void *ctx, int64_t id, const char *login, int disabled)
{
	struct missing *m = ctx;
	if (disabled)
		return;
	m->ids = lx_realloc(m->ids, (m->n + 1) * sizeof *m->ids);
	m->ids[m->n++] = id;
}

int roster_apply(struct store *db, struct roster_plan *plan, int dry_run, int64_t now, struct lx_err *e)
{
	struct roster *r = plan->r;
	int rc = LX_OK;

	plan->added = plan->updated = plan->unchanged = plan->disabled = 0;
	for (size_t i = 0; i < r->n && rc == LX_OK; i++) {
		struct roster_row *row = &r->rows[i];
		struct user old = {0}, u = {0};
		int found = store_user_by_login(db, row->login, &old, e);
		if (found != LX_OK && found != LX_ERR_NOTFOUND)
			return found;
		u.login = row->login;
		u.name = row->name;
		u.org = row->org;
		u.category = plan->category[i];
		u.roles = row->roles;
		u.pw_hash = plan->hash[i];
		u.scope = row->scope; /* NULL: keep the stored one */
		if (found == LX_ERR_NOTFOUND) {
			if (!u.scope && (u.roles & ROLE_UNIT_ADMIN) && !(u.roles & ROLE_ADMIN))
				u.scope = row->org; /* a new unit_admin administers their own unit */
			if (!plan->hash[i])
				return err_set(e, LX_ERR_CONFLICT, "用户 %s 在导入期间被删除或新建，请重新导入", row->login);
			u.must_change_password = row->password == NULL;
			plan->added++;
			if (!dry_run)
				rc = store_user_insert(db, &u, now, e);
		} else {
			int same = strcmp(old.name, u.name) == 0 && strcmp(old.org, u.org) == 0 &&
				   strcmp(old.category, u.category) == 0 && old.roles == u.roles && !u.pw_hash &&
				   !old.disabled && (!u.scope || (old.scope && strcmp(old.scope, u.scope) == 0));
			u.id = old.id;
			u.must_change_password = 0;
			if (same) {
				plan->unchanged++;
			} else {
				plan->updated++;
				if (!dry_run)
					rc = store_user_update(db, &u, now, e);
				if (!dry_run && rc == LX_OK && old.disabled)
					rc = store_user_set_disabled(db, old.id, 0, now, e);
			}
		}
		user_free(&old);
	}
	if (rc == LX_OK && plan->disable_missing) {
		struct missing m = {plan, NULL, 0};
		char **logins = lx_calloc(r->n + 1, sizeof *logins);
		for (size_t i = 0; i < r->n; i++)
			logins[i] = r->rows[i].login;
		if (r->n)
			qsort(logins, r->n, sizeof *logins, cmp_login);
		rc = store_user_logins(db, missing_cb, &m, e);
		for (size_t i = 0; rc == LX_OK && i < m.n; i++) {
			struct user u = {0};
			const char *key;
			if (store_user_by_id(db, m.ids[i], &u, e) != LX_OK)
				continue;
			key = u.login;
			if ((!r->n || !bsearch(&key, logins, r->n, sizeof *logins, cmp_login)) && !(u.roles & ROLE_ADMIN)) {
				plan->disabled++;
				if (!dry_run)
					rc = store_user_set_disabled(db, u.id, 1, now, e);
			}
			user_free(&u);
		}
		free(m.ids);
		free(logins);
	}
	return rc;
}
