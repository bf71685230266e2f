/* store_accounts.h — users, org units, categories, sessions, API tokens, login throttling
 * and the audit log in the store. Strings in returned structs are owned by the struct;
 * free with user_free() / category_list_free(). */
#ifndef LAWEXAM_STORE_ACCOUNTS_H
#define LAWEXAM_STORE_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pw.h"

struct store;

struct user {
	int64_t id;
	char *login, *name, *org, *category;
	unsigned roles;
	char *pw_hash;
	int must_change_password;
	int disabled;
	char *scope;      /* users.scope as stored: an org path this user administers, or NULL */
};
void user_free(struct user *u);
/* The scope a user acts in (SPEC §12): the stored scope when set; else, for a unit_admin
 * who is not also an admin, their own unit; else NULL, meaning everything. Borrowed from u.
 * Every scope check goes through this one rule (server/scope.c, the CLI). */
const char *user_scope(const struct user *u);
/* 1 when org_path is scope itself or one of its sub-units ("a/b" covers "a/b" and "a/b/c",
 * not "a/bc"); scope NULL covers everything. */
int scope_path_covers(const char *scope, const char *org_path);

struct category {
	char *code, *name;
};

/* --- settings --- */
/* The argon2id parameters every new hash uses (lawexamd and lawexam-admin alike), so that all
 * accounts cost the same to verify. *out keeps its value when none are stored. */
int store_pw_params(struct store *db, struct pw_params *out, struct lx_err *e);
int store_pw_params_set(struct store *db, const struct pw_params *p, struct lx_err *e);

/* --- categories and units --- */
int store_category_add(struct store *db, const char *code, const char *name, int64_t now, struct lx_err *e);
/* Resolves a code or a Chinese name to the code (caller frees *code). LX_ERR_NOTFOUND if unknown. */
int store_category_resolve(struct store *db, const char *code_or_name, char **code, struct lx_err *e);
int store_category_list(struct store *db, struct category **out, size_t *n, struct lx_err *e);
void category_list_free(struct category *c, size_t n);
/* Creates the unit path and all its ancestors if missing; *id is the unit's id. */
int store_org_ensure(struct store *db, const char *path, int64_t *id, struct lx_err *e);

/* --- users --- */
int store_user_by_login(struct store *db, const char *login, struct user *out, struct lx_err *e);
int store_user_by_id(struct store *db, int64_t id, struct user *out, struct lx_err *e);
/* Inserts u (id ignored; org created if needed); sets u->id. LX_ERR_CONFLICT if the login exists. */
int store_user_insert(struct store *db, struct user *u, int64_t now, struct lx_err *e);
/* Updates name, org, category, roles (and pw_hash/must_change when pw_hash != NULL; scope
 * when u->scope is set — NULL or "" keeps the stored one). */
int store_user_update(struct store *db, const struct user *u, int64_t now, struct lx_err *e);
/* Sets users.scope (NULL or "": none, i.e. the default of user_scope()). */
int store_user_set_scope(struct store *db, int64_t id, const char *scope, int64_t now, struct lx_err *e);
int store_user_set_password(struct store *db, int64_t id, const char *pw_hash, int must_change,
			    int64_t now, struct lx_err *e);
int store_user_set_disabled(struct store *db, int64_t id, int disabled, int64_t now, struct lx_err *e);
/* Calls fn for every user login (for --disable-missing). */
int store_user_logins(struct store *db, void (*fn)(void *ctx, int64_t id, const char *login, int disabled),
		      void *ctx, struct lx_err *e);

/* One user as the staff page lists them; strings live only for the callback. */
struct user_brief {
	const char *login, *name, *org, *category;
	unsigned roles;
	int disabled, must_change_password;
	int64_t last_seen; /* latest session activity; 0: none */
};
/* Users whose unit lies under scope and under org (each NULL: no limit), whose login or name
 * contains q (NULL or "": any), in unit path then login order, at most limit of them.
 * *more is set when more matched. */
int store_user_search(struct store *db, const char *scope, const char *org, const char *q, int limit,
		      void (*fn)(void *ctx, const struct user_brief *u), void *ctx, int *more, struct lx_err *e);

/* --- sessions (token stored as SHA-256) --- */
struct session {
	int64_t user_id;
	char csrf[64];
	int64_t expires_at, last_seen;
};
int store_session_insert(struct store *db, const uint8_t hash[32], int64_t user_id, const char *csrf,
			 int64_t now, int64_t expires_at, struct lx_err *e);
/* The session with this token hash and its user, in one read. NOTFOUND when none. */
int store_session_user(struct store *db, const uint8_t hash[32], struct session *s, struct user *u,
		       struct lx_err *e);
int store_session_touch(struct store *db, const uint8_t hash[32], int64_t now, int64_t expires_at,
			struct lx_err *e);
int store_session_delete(struct store *db, const uint8_t hash[32], struct lx_err *e);
/* Revokes every session of a user except keep (may be NULL). */
int store_session_delete_user(struct store *db, int64_t user_id, const uint8_t *keep, struct lx_err *e);

/* --- API tokens --- */
int store_token_insert(struct store *db, const uint8_t hash[32], int64_t user_id, int64_t now,
		       struct lx_err *e);
int store_token_user(struct store *db, const uint8_t hash[32], int64_t *user_id, struct lx_err *e);
/* What may be shown about a token: never the token or its hash. No last-use time is kept. */
struct token_info {
	int64_t id;
	const char *login; /* valid during the callback only */
	int64_t created_at;
	int revoked;
};
/* Calls fn for every token of login (every token when login is NULL), oldest first.
 * LX_ERR_NOTFOUND when login names no user. */
int store_token_list(struct store *db, const char *login,
		     void (*fn)(void *ctx, const struct token_info *t), void *ctx, struct lx_err *e);
/* Revokes token id at once (the next request with it is refused); copies its owner's login
 * into login (size n). LX_ERR_NOTFOUND when there is no such token; LX_OK with *was_revoked = 1
 * when it was revoked already. */
int store_token_revoke(struct store *db, int64_t id, char *login, size_t n, int *was_revoked,
		       struct lx_err *e);

/* --- login throttling (per account and per address; survives restarts) --- */
int store_throttle_get(struct store *db, const char *key, int *failures, int64_t *window_start,
		       int64_t *locked_until, struct lx_err *e);
int store_throttle_put(struct store *db, const char *key, int failures, int64_t window_start,
		       int64_t locked_until, struct lx_err *e);
int store_throttle_clear(struct store *db, const char *key, struct lx_err *e);

/* --- audit log --- */
int store_audit(struct store *db, int64_t now, const char *actor, const char *action,
		const char *detail, const char *remote, struct lx_err *e);
int store_audit_list(struct store *db, int64_t since,
		     void (*fn)(void *ctx, int64_t at, const char *actor, const char *action,
				const char *detail, const char *remote),
		     void *ctx, struct lx_err *e);

#endif
