/* store_accounts.c — SQL for users, units, categories, sessions, tokens, throttling and the
 * audit log (see store_accounts.h). */
#include "store_accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "roles.h"
#include "store_int.h"

void user_free(struct user *u)
{
	if (!u)
		return;
	free(u->login);
	free(u->name);
	free(u->org);
	free(u->category);
	free(u->pw_hash);
	free(u->scope);
	memset(u, 0, sizeof *u);
}

const char *user_scope(const struct user *u)
{
	if (u->scope && *u->scope)
		return u->scope;
	if ((u->roles & ROLE_UNIT_ADMIN) && !(u->roles & ROLE_ADMIN))
		return u->org && *u->org ? u->org : NULL;
	return NULL;
}

int scope_path_covers(const char *scope, const char *org_path)
{
	size_t n;
	if (!scope)
		return 1;
	if (!org_path)
		return 0;
	n = strlen(scope);
	return strncmp(org_path, scope, n) == 0 && (org_path[n] == '\0' || org_path[n] == '/');
}

int store_pw_params(struct store *db, struct pw_params *out, struct lx_err *e)
{
	STMT(st, "SELECT value FROM settings WHERE key = 'argon2id'");
	int src = st_step(st), rc = LX_OK;
	if (src == ST_ROW) {
		unsigned t, m, p;
		if (sscanf(col_text(st, 0), "t=%u,m=%u,p=%u", &t, &m, &p) == 3 && t && m >= 8 && p) {
			out->t_cost = t;
			out->m_kib = m;
			out->lanes = p;
		}
	} else if (src != ST_DONE) {
		rc = store_fail(db, src, e, "settings");
	}
	st_reset(st);
	return rc;
}

int store_pw_params_set(struct store *db, const struct pw_params *p, struct lx_err *e)
{
	char v[64];
	STMT(st, "INSERT INTO settings(key, value) VALUES('argon2id', ?1)"
		 " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	snprintf(v, sizeof v, "t=%u,m=%u,p=%u", p->t_cost, p->m_kib, p->lanes);
	st_bind_text(st, 1, v, -1);
	return store_step_done(db, st, e, "settings");
}

int store_category_add(struct store *db, const char *code, const char *name, int64_t now, struct lx_err *e)
{
	STMT(st, "INSERT INTO categories(code, name, created_at, ord)"
		 " VALUES(?1, ?2, ?3, (SELECT coalesce(max(ord), 0) + 1 FROM categories))");
	st_bind_text(st, 1, code, -1);
	st_bind_text(st, 2, name, -1);
	st_bind_int(st, 3, now);
	int rc = store_step_done(db, st, e, "category add");
	if (rc == LX_ERR_CONFLICT)
		err_set(e, rc, "类别代码或名称已存在：%s %s", code, name);
	return rc;
}

int store_category_resolve(struct store *db, const char *code_or_name, char **code, struct lx_err *e)
{
	STMT(st, "SELECT code FROM categories WHERE code = ?1 OR name = ?1");
	int rc;
	st_bind_text(st, 1, code_or_name, -1);
	int src = st_step(st);
	if (src == ST_ROW) {
		*code = lx_strdup(col_text(st, 0));
		rc = LX_OK;
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "未知的人员类别：%s", code_or_name);
	} else {
		rc = store_fail(db, src, e, "category");
	}
	st_reset(st);
	return rc;
}

int store_category_list(struct store *db, struct category **out, size_t *n, struct lx_err *e)
{
	STMT(st, "SELECT code, name FROM categories ORDER BY created_at, code");
	struct category *c = NULL;
	size_t k = 0;
	int src;
	while ((src = st_step(st)) == ST_ROW) {
		c = lx_realloc(c, (k + 1) * sizeof *c);
		c[k].code = lx_strdup(col_text(st, 0));
		c[k].name = lx_strdup(col_text(st, 1));
		k++;
	}
	st_reset(st);
	if (src != ST_DONE) {
		category_list_free(c, k);
		return store_fail(db, src, e, "category list");
	}
	*out = c;
	*n = k;
	return LX_OK;
}

void category_list_free(struct category *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].code);
		free(c[i].name);
	}
	free(c);
}

static int org_lookup(struct store *db, const char *path, size_t len, int64_t *id, struct lx_err *e)
{
	STMT(st, "SELECT id FROM org_units WHERE path = ?1");
	st_bind_text(st, 1, path, (int)len);
	int src = st_step(st);
	int rc = LX_ERR_NOTFOUND;
	if (src == ST_ROW) {
		*id = col_int(st, 0);
		rc = LX_OK;
	} else if (src != ST_DONE) {
		rc = store_fail(db, src, e, "org");
	}
	st_reset(st);
	return rc;
}

int store_org_ensure(struct store *db, const char *path, int64_t *id, struct lx_err *e)
{
	int64_t parent = 0;
	int depth = 0;
	size_t len = strlen(path);
	int rc;

	/* Walk each prefix ending at a '/' or the end, creating what is missing. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		depth++;
		int64_t uid = 0;
		rc = org_lookup(db, path, i, &uid, e);
		if (rc == LX_ERR_NOTFOUND) {
			STMT(st, "INSERT INTO org_units(path, parent_id, depth) VALUES(?1, ?2, ?3) RETURNING id");
			st_bind_text(st, 1, path, (int)i);
			if (parent)
				st_bind_int(st, 2, parent);
			else
				st_bind_null(st, 2);
			st_bind_int(st, 3, depth);
			rc = store_step_id(db, st, &uid, e, "org insert");
			if (rc)
				return rc;
		} else if (rc) {
			return rc;
		}
		parent = uid;
	}
	*id = parent;
	return LX_OK;
}

#define SQL_USER_COLS \
	"SELECT u.id, u.login, u.name, o.path, u.category, u.roles, u.pw_hash, u.must_change_password," \
	" u.disabled, u.scope FROM users u JOIN org_units o ON o.id = u.org_id "

#define SQL_USER_COLS_SESSION \
	"SELECT u.id, u.login, u.name, o.path, u.category, u.roles, u.pw_hash, u.must_change_password," \
	" u.disabled, u.scope, s.csrf, s.expires_at, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id" \
	" JOIN org_units o ON o.id = u.org_id WHERE s.token_hash = ?1"

/* The current row's columns 0-9, in SQL_USER_COLS order. */
static void user_fill(struct stmt *st, struct user *out)
{
	memset(out, 0, sizeof *out);
	out->id = col_int(st, 0);
	out->login = lx_strdup(col_text(st, 1));
	out->name = lx_strdup(col_text(st, 2));
	out->org = lx_strdup(col_text(st, 3));
	out->category = lx_strdup(col_text(st, 4));
	out->roles = (unsigned)col_int(st, 5);
	out->pw_hash = lx_strdup(col_text(st, 6));
	out->must_change_password = col_int(st, 7);
	out->disabled = col_int(st, 8);
	out->scope = col_null(st, 9) ? NULL : lx_strdup(col_text(st, 9));
}

static int user_row(struct store *db, struct stmt *st, struct user *out, struct lx_err *e, const char *key)
{
	int src = st_step(st);
	int rc = LX_OK;
	if (src == ST_ROW) {
		user_fill(st, out);
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "no such user: %s", key);
	} else {
		rc = store_fail(db, src, e, "user");
	}
	st_reset(st);
	return rc;
}

int store_user_by_login(struct store *db, const char *login, struct user *out, struct lx_err *e)
{
	STMT(st, SQL_USER_COLS "WHERE u.login = ?1");
	st_bind_text(st, 1, login, -1);
	return user_row(db, st, out, e, login);
}

int store_user_by_id(struct store *db, int64_t id, struct user *out, struct lx_err *e)
{
	STMT(st, SQL_USER_COLS "WHERE u.id = ?1");
	st_bind_int(st, 1, id);
	return user_row(db, st, out, e, "id");
}

int store_user_insert(struct store *db, struct user *u, int64_t now, struct lx_err *e)
{
	int64_t org;
	int rc = store_org_ensure(db, u->org, &org, e);
	if (rc)
		return rc;
	STMT(st, "INSERT INTO users(login, name, org_id, category, roles, pw_hash, must_change_password,"
		 " disabled, created_at, updated_at, scope) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)"
		 " RETURNING id");
	st_bind_text(st, 1, u->login, -1);
	st_bind_text(st, 2, u->name, -1);
	st_bind_int(st, 3, org);
	st_bind_text(st, 4, u->category, -1);
	st_bind_int(st, 5, (int)u->roles);
	st_bind_text(st, 6, u->pw_hash ? u->pw_hash : "", -1);
	st_bind_int(st, 7, u->must_change_password);
	st_bind_int(st, 8, u->disabled);
	st_bind_int(st, 9, now);
	if (u->scope && *u->scope)
		st_bind_text(st, 10, u->scope, -1);
	else
		st_bind_null(st, 10);
	rc = store_step_id(db, st, &u->id, e, "user insert");
	if (rc == LX_ERR_CONFLICT)
		return err_set(e, rc, "用户已存在或类别无效：%s", u->login);
	return rc;
}

int store_user_update(struct store *db, const struct user *u, int64_t now, struct lx_err *e)
{
	int64_t org;
	int rc = store_org_ensure(db, u->org, &org, e);
	if (rc)
		return rc;
	STMT(st, "UPDATE users SET name = ?2, org_id = ?3, category = ?4, roles = ?5,"
		 " pw_hash = coalesce(?6, pw_hash),"
		 " must_change_password = CASE WHEN ?6 IS NULL THEN must_change_password ELSE ?7 END,"
		 " updated_at = ?8, scope = coalesce(?9, scope) WHERE id = ?1");
	st_bind_int(st, 1, u->id);
	st_bind_text(st, 2, u->name, -1);
	st_bind_int(st, 3, org);
	st_bind_text(st, 4, u->category, -1);
	st_bind_int(st, 5, (int)u->roles);
	if (u->pw_hash)
		st_bind_text(st, 6, u->pw_hash, -1);
	st_bind_int(st, 7, u->must_change_password);
	st_bind_int(st, 8, now);
	if (u->scope && *u->scope)
		st_bind_text(st, 9, u->scope, -1);
	return store_step_done(db, st, e, "user update");
}

int store_user_set_scope(struct store *db, int64_t id, const char *scope, int64_t now, struct lx_err *e)
{
	STMT(st, "UPDATE users SET scope = ?2, updated_at = ?3 WHERE id = ?1");
	st_bind_int(st, 1, id);
	if (scope && *scope)
		st_bind_text(st, 2, scope, -1);
	else
		st_bind_null(st, 2);
	st_bind_int(st, 3, now);
	return store_step_done(db, st, e, "scope");
}

int store_user_set_password(struct store *db, int64_t id, const char *pw_hash, int must_change,
			    int64_t now, struct lx_err *e)
{
	STMT(st, "UPDATE users SET pw_hash = ?2, must_change_password = ?3, updated_at = ?4 WHERE id = ?1");
	st_bind_int(st, 1, id);
	st_bind_text(st, 2, pw_hash, -1);
	st_bind_int(st, 3, must_change);
	st_bind_int(st, 4, now);
	return store_step_done(db, st, e, "password");
}

int store_user_set_disabled(struct store *db, int64_t id, int disabled, int64_t now, struct lx_err *e)
{
	STMT(st, "UPDATE users SET disabled = ?2, updated_at = ?3 WHERE id = ?1");
	st_bind_int(st, 1, id);
	st_bind_int(st, 2, disabled);
	st_bind_int(st, 3, now);
	int rc = store_step_done(db, st, e, "disable");
	if (rc == LX_OK && disabled)
		rc = store_session_delete_user(db, id, NULL, e);
	return rc;
}

int store_user_logins(struct store *db, void (*fn)(void *ctx, int64_t id, const char *login, int disabled),
		      void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT id, login, disabled FROM users ORDER BY id");
	int src;
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0), col_text(st, 1), col_int(st, 2));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "users");
}

int store_user_search(struct store *db, const char *scope, const char *org, const char *q, int limit,
		      void (*fn)(void *ctx, const struct user_brief *u), void *ctx, int *more, struct lx_err *e)
{
/* The unit paths ?1 (the scope) and ?2 (a unit filter) each cover o.path; NULL covers everything. */
#define SQL_UNDER_1 " AND (CAST(?1 AS TEXT) IS NULL OR o.path = ?1 OR substr(o.path, 1, length(?1) + 1) = ?1 || '/')"
#define SQL_UNDER_2 " AND (CAST(?2 AS TEXT) IS NULL OR o.path = ?2 OR substr(o.path, 1, length(?2) + 1) = ?2 || '/')"
	STMT(st, "SELECT u.login, u.name, o.path, u.category, u.roles, u.disabled, u.must_change_password,"
		 " (SELECT max(s.last_seen) FROM sessions s WHERE s.user_id = u.id)"
		 " FROM users u JOIN org_units o ON o.id = u.org_id WHERE 1 = 1" SQL_UNDER_1 SQL_UNDER_2
		 " AND (CAST(?3 AS TEXT) IS NULL OR u.login LIKE ?3 ESCAPE '!' OR u.name LIKE ?3 ESCAPE '!')"
		 " ORDER BY o.path, u.login LIMIT ?4");
#undef SQL_UNDER_1
#undef SQL_UNDER_2
	char *pat = NULL;
	int src, n = 0;

	*more = 0;
	if (scope)
		st_bind_text(st, 1, scope, -1);
	else
		st_bind_null(st, 1);
	if (org)
		st_bind_text(st, 2, org, -1);
	else
		st_bind_null(st, 2);
	if (q && *q) { /* a substring: LIKE's wildcards and the escape character stand for themselves */
		size_t k = 0, len = strlen(q);
		pat = lx_malloc(2 * len + 3);
		pat[k++] = '%';
		for (const char *p = q; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '!')
				pat[k++] = '!';
			pat[k++] = *p;
		}
		pat[k++] = '%';
		pat[k] = '\0';
		st_bind_text(st, 3, pat, -1);
	} else {
		st_bind_null(st, 3);
	}
	st_bind_int(st, 4, (int64_t)limit + 1);
	while ((src = st_step(st)) == ST_ROW) {
		struct user_brief b = {col_text(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
				       (unsigned)col_int(st, 4), col_int(st, 5) != 0, col_int(st, 6) != 0,
				       col_null(st, 7) ? 0 : col_int(st, 7)};
		if (n++ == limit) {
			*more = 1;
			continue;
		}
		fn(ctx, &b);
	}
	st_reset(st);
	free(pat);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "user search");
}

int store_session_insert(struct store *db, const uint8_t hash[32], int64_t user_id, const char *csrf,
			 int64_t now, int64_t expires_at, struct lx_err *e)
{
	STMT(st, "INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen, expires_at)"
		 " VALUES(?1, ?2, ?3, ?4, ?4, ?5)");
	st_bind_blob(st, 1, hash, 32);
	st_bind_int(st, 2, user_id);
	st_bind_text(st, 3, csrf, -1);
	st_bind_int(st, 4, now);
	st_bind_int(st, 5, expires_at);
	return store_step_done(db, st, e, "session insert");
}

int store_session_user(struct store *db, const uint8_t hash[32], struct session *s, struct user *u,
		       struct lx_err *e)
{
	/* One statement, so one read transaction, for what every authenticated request needs. */
	STMT(st, SQL_USER_COLS_SESSION);
	int rc = LX_OK, src;
	st_bind_blob(st, 1, hash, 32);
	src = st_step(st);
	if (src == ST_ROW) {
		user_fill(st, u);
		s->user_id = u->id;
		snprintf(s->csrf, sizeof s->csrf, "%s", col_text(st, 10));
		s->expires_at = col_int(st, 11);
		s->last_seen = col_int(st, 12);
	} else if (src == ST_DONE) {
		rc = LX_ERR_NOTFOUND;
	} else {
		rc = store_fail(db, src, e, "session");
	}
	st_reset(st);
	return rc;
}

int store_session_touch(struct store *db, const uint8_t hash[32], int64_t now, int64_t expires_at,
			struct lx_err *e)
{
	STMT(st, "UPDATE sessions SET last_seen = ?2, expires_at = ?3 WHERE token_hash = ?1");
	st_bind_blob(st, 1, hash, 32);
	st_bind_int(st, 2, now);
	st_bind_int(st, 3, expires_at);
	return store_step_done(db, st, e, "session touch");
}

int store_session_delete(struct store *db, const uint8_t hash[32], struct lx_err *e)
{
	STMT(st, "DELETE FROM sessions WHERE token_hash = ?1");
	st_bind_blob(st, 1, hash, 32);
	return store_step_done(db, st, e, "session delete");
}

int store_session_delete_user(struct store *db, int64_t user_id, const uint8_t *keep, struct lx_err *e)
{
	/* PostgreSQL cannot type a parameter that first appears in "IS NULL": it is cast there. */
	STMT2(st, "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)",
	      "DELETE FROM sessions WHERE user_id = ?1 AND (CAST(?2 AS BYTEA) IS NULL OR token_hash <> ?2)");
	st_bind_int(st, 1, user_id);
	if (keep)
		st_bind_blob(st, 2, keep, 32);
	return store_step_done(db, st, e, "sessions delete");
}

int store_token_insert(struct store *db, const uint8_t hash[32], int64_t user_id, int64_t now,
		       struct lx_err *e)
{
	STMT(st, "INSERT INTO api_tokens(token_hash, user_id, created_at) VALUES(?1, ?2, ?3)");
	st_bind_blob(st, 1, hash, 32);
	st_bind_int(st, 2, user_id);
	st_bind_int(st, 3, now);
	return store_step_done(db, st, e, "token insert");
}

int store_token_user(struct store *db, const uint8_t hash[32], int64_t *user_id, struct lx_err *e)
{
	STMT(st, "SELECT user_id FROM api_tokens WHERE token_hash = ?1 AND revoked = 0");
	int rc = LX_ERR_NOTFOUND;
	st_bind_blob(st, 1, hash, 32);
	int src = st_step(st);
	if (src == ST_ROW) {
		*user_id = col_int(st, 0);
		rc = LX_OK;
	} else if (src != ST_DONE) {
		rc = store_fail(db, src, e, "token");
	}
	st_reset(st);
	return rc;
}

int store_token_list(struct store *db, const char *login,
		     void (*fn)(void *ctx, const struct token_info *t), void *ctx, struct lx_err *e)
{
	if (login) {
		STMT(q, "SELECT 1 FROM users WHERE login = ?1");
		st_bind_text(q, 1, login, -1);
		int src = st_step(q);
		st_reset(q);
		if (src == ST_DONE)
			return err_set(e, LX_ERR_NOTFOUND, "no such user: %s", login);
		if (src != ST_ROW)
			return store_fail(db, src, e, "token list");
	}
	STMT(st, "SELECT t.id, u.login, t.created_at, t.revoked FROM api_tokens t JOIN users u ON u.id = t.user_id"
		 " WHERE CAST(?1 AS TEXT) IS NULL OR u.login = ?1 ORDER BY t.id");
	int src;
	if (login)
		st_bind_text(st, 1, login, -1);
	else
		st_bind_null(st, 1);
	while ((src = st_step(st)) == ST_ROW) {
		struct token_info t = {col_int(st, 0), col_text(st, 1), col_int(st, 2),
				       col_int(st, 3)};
		fn(ctx, &t);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "token list");
}

int store_token_revoke(struct store *db, int64_t id, char *login, size_t n, int *was_revoked,
		       struct lx_err *e)
{
	STMT(q, "SELECT u.login, t.revoked FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?1");
	st_bind_int(q, 1, id);
	int src = st_step(q);
	if (src == ST_ROW) {
		snprintf(login, n, "%s", col_text(q, 0));
		*was_revoked = col_int(q, 1) != 0;
	}
	st_reset(q);
	if (src == ST_DONE)
		return err_set(e, LX_ERR_NOTFOUND, "no such token: %lld", (long long)id);
	if (src != ST_ROW)
		return store_fail(db, src, e, "token revoke");
	if (*was_revoked)
		return LX_OK;
	STMT(st, "UPDATE api_tokens SET revoked = 1 WHERE id = ?1");
	st_bind_int(st, 1, id);
	return store_step_done(db, st, e, "token revoke");
}

int store_throttle_get(struct store *db, const char *key, int *failures, int64_t *window_start,
		       int64_t *locked_until, struct lx_err *e)
{
	STMT(st, "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = ?1");
	int rc = LX_OK;
	st_bind_text(st, 1, key, -1);
	int src = st_step(st);
	*failures = 0;
	*window_start = *locked_until = 0;
	if (src == ST_ROW) {
		*failures = col_int(st, 0);
		*window_start = col_int(st, 1);
		*locked_until = col_int(st, 2);
	} else if (src != ST_DONE) {
		rc = store_fail(db, src, e, "throttle");
	}
	st_reset(st);
	return rc;
}

int store_throttle_put(struct store *db, const char *key, int failures, int64_t window_start,
		       int64_t locked_until, struct lx_err *e)
{
	STMT(st, "INSERT INTO login_throttle(key, failures, window_start, locked_until) VALUES(?1, ?2, ?3, ?4)"
		 " ON CONFLICT(key) DO UPDATE SET failures = ?2, window_start = ?3, locked_until = ?4");
	st_bind_text(st, 1, key, -1);
	st_bind_int(st, 2, failures);
	st_bind_int(st, 3, window_start);
	st_bind_int(st, 4, locked_until);
	return store_step_done(db, st, e, "throttle put");
}

int store_throttle_clear(struct store *db, const char *key, struct lx_err *e)
{
	STMT(st, "DELETE FROM login_throttle WHERE key = ?1");
	st_bind_text(st, 1, key, -1);
	return store_step_done(db, st, e, "throttle clear");
}

int store_audit(struct store *db, int64_t now, const char *actor, const char *action,
		const char *detail, const char *remote, struct lx_err *e)
{
	STMT(st, "INSERT INTO audit_log(at, actor, action, detail, remote) VALUES(?1, ?2, ?3, ?4, ?5)");
	st_bind_int(st, 1, now);
	st_bind_text(st, 2, actor ? actor : "", -1);
	st_bind_text(st, 3, action, -1);
	st_bind_text(st, 4, detail ? detail : "", -1);
	st_bind_text(st, 5, remote ? remote : "", -1);
	return store_step_done(db, st, e, "audit");
}

int store_audit_list(struct store *db, int64_t since,
		     void (*fn)(void *ctx, int64_t at, const char *actor, const char *action,
				const char *detail, const char *remote),
		     void *ctx, struct lx_err *e)
{
	STMT(st, "SELECT at, actor, action, detail, remote FROM audit_log WHERE at >= ?1 ORDER BY id");
	int src;
	st_bind_int(st, 1, since);
	while ((src = st_step(st)) == ST_ROW)
		fn(ctx, col_int(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
		   col_text(st, 4));
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "audit list");
}
