/* scope.c — temporary: replaced by h/scopes at merge. Until unit_admin and scopes exist,
 * an admin covers every unit and nobody else covers any. */
#include "scope.h"

int scope_covers(const struct hctx *c, const char *org_path)
{
	(void)org_path;
	return (c->user.roles & ROLE_ADMIN) != 0;
}
