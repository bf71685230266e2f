/* scope.h — who may act on whom (SPEC §12 组考): a principal's scope over the org tree.
 * The roles that administer staff and attempts, and the one check every per-person action
 * makes. (Shared contract with h/scopes, which owns the real implementation.) */
#ifndef LAWEXAM_SCOPE_H
#define LAWEXAM_SCOPE_H

#include "http.h"
#include "roles.h"

#define ROLES_STAFF_ADMIN ROLE_ADMIN

/* 1 when the request's principal may act on a person in org_path. */
int scope_covers(const struct hctx *c, const char *org_path);

#endif
