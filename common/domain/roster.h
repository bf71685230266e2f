/* roster.h — staff roster files (SPEC §4.3) parsed and validated in memory.
 * Columns: 工号|login, 姓名|name, 单位|org, 类别|category, 角色|roles, 密码|password,
 * 管理范围|scope (SPEC §12: the org path a unit_admin administers; optional).
 * Pure: resolving categories and creating units/users is the importer's job (roster_import.c).
 * A roster owns its strings; free with roster_free(). */
#ifndef LAWEXAM_ROSTER_H
#define LAWEXAM_ROSTER_H

#include <stddef.h>

#include "diag.h"

struct roster_row {
	int rownum;       /* Excel row number (header = 1) */
	char *login;
	char *name;
	char *org;        /* normalised unit path: segments trimmed, joined by '/' */
	char *category;   /* as written: a code or a Chinese name */
	unsigned roles;   /* ROLE_* bits; ROLE_EXAMINEE when the cell is empty */
	char *password;   /* NULL when the cell is empty */
	char *scope;      /* normalised unit path, or NULL when the cell is empty (keep the stored
			   * scope; a new unit_admin gets their own unit) */
};

struct roster {
	struct roster_row *rows;
	size_t n;
	int header_row;   /* Excel row of the header (> 1: the rows above were a title) */
};

/* is_xlsx selects the reader. Returns LX_OK or LX_ERR_INVALID with every problem located
 * as "FILE:ROW N: column 单位" (bad unit path, empty login/name, unknown role, duplicate login). */
int roster_parse(const char *data, size_t len, const char *fname, int is_xlsx,
		 struct roster *out, struct diag *d);
/* Validates and normalises a unit path ("珠晖区 / 区司法局" → "珠晖区/区司法局").
 * Returns a fresh string (caller frees) or NULL with a reason in why[]. */
char *roster_norm_org(const char *path, char *why, size_t whylen);
void roster_free(struct roster *r);

#endif
