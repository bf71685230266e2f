/* roles.c — role bits and names (see roles.h). */
#include "roles.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "text.h"

static const struct { const char *en, *zh; unsigned bit; } role_names[] = {
	{"examinee", "考生", ROLE_EXAMINEE},
	{"admin", "管理员", ROLE_ADMIN},
	{"hr", "人事", ROLE_HR},
	{"unit_admin", "单位管理员", ROLE_UNIT_ADMIN},
};

const char *roles_nth(unsigned i, unsigned *bit)
{
	if (i >= sizeof role_names / sizeof role_names[0])
		return NULL;
	*bit = role_names[i].bit;
	return role_names[i].en;
}

unsigned roles_bit(const char *name)
{
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
		if (strcmp(name, role_names[i].en) == 0 || strcmp(name, role_names[i].zh) == 0)
			return role_names[i].bit;
	return 0;
}

int roles_parse(const char *list, unsigned *out, char *bad, unsigned long badlen)
{
	char **items = NULL;
	size_t n = text_split_list(list, &items);
	int rc = LX_OK;
	unsigned bits = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned b = roles_bit(items[i]);
		if (!b) {
			if (bad)
				snprintf(bad, badlen, "%s", items[i]);
			rc = LX_ERR_INVALID;
			break;
		}
		bits |= b;
	}
	text_list_free(items, n);
	if (rc == LX_OK && bits == 0) {
		if (bad)
			snprintf(bad, badlen, "%s", list);
		rc = LX_ERR_INVALID;
	}
	if (rc == LX_OK)
		*out = bits;
	return rc;
}
