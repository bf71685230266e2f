/* scope.h — what a request's principal may see and act on (SPEC §12). A user's scope is an
 * org path (user_scope(): the stored users.scope, a unit_admin's own unit by default, or
 * none — everything — for admin and hr); a scoped principal sees and acts only on staff in
 * that unit and its sub-units. Roles are the route table's job (routes.c); this module
 * answers the per-person and per-unit question inside a handler. */
#ifndef LAWEXAM_SCOPE_H
#define LAWEXAM_SCOPE_H

#include "http.h"
#include "roles.h"

/* Routes "admin; unit_admin within scope" (routes.c). */
#define ROLES_STAFF_ADMIN (ROLE_ADMIN | ROLE_UNIT_ADMIN)

/* 1 when the request's principal may see/act on a person in org_path: always for an
 * unscoped admin/hr; for a scoped one when org_path is the scope or under it. */
int scope_covers(const struct hctx *c, const char *org_path);
/* The principal's scope path into *path (NULL = everything; borrowed from c) for store
 * queries; returns 1 when scoped, 0 when not. */
int scope_sql_prefix(const struct hctx *c, const char **path);

/* scope_covers() for the person with this user id (0 when unknown). Unscoped: 1 at once. */
int scope_user_id_covered(const struct hctx *c, int64_t user_id);

/* An ?org= filter checked against the scope: 0 with *org the effective filter (the given
 * unit when it lies inside the scope, or the scope itself when none was given; NULL =
 * everything), or -1 after answering 400 (malformed) or 403 out_of_scope (a unit outside
 * the scope; recorded in the audit log). */
int scope_org_param(struct hctx *c, const char *given, const char **org);

/* Answers 404 for a person outside the scope exactly as for an unknown login, and records
 * the refusal in the audit log (action "scope_refused", detail what was tried). */
void scope_refuse_person(struct hctx *c, const char *what, const char *login);

#endif
