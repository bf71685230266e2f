/* roles.h — user roles as bits, and their names (English codes; Chinese accepted on input). */
#ifndef LAWEXAM_ROLES_H
#define LAWEXAM_ROLES_H

enum {
	ROLE_EXAMINEE = 1u << 0,
	ROLE_ADMIN = 1u << 1,
	ROLE_HR = 1u << 2,
	ROLE_UNIT_ADMIN = 1u << 3, /* 单位管理员: administers the staff of a scope (SPEC §12) */
	ROLE_ALL = ROLE_EXAMINEE | ROLE_ADMIN | ROLE_HR | ROLE_UNIT_ADMIN,
};
/* ROLE_EXAMINEE written into SQL text (the store filters assigned staff by it). */
#define ROLE_EXAMINEE_SQL "1"
_Static_assert(ROLE_EXAMINEE == 1, "ROLE_EXAMINEE_SQL must match ROLE_EXAMINEE");

/* One role name ("examinee"|"admin"|"hr"|"unit_admin", or 考生|管理员|人事|单位管理员) → bit,
 * 0 if unknown. */
unsigned roles_bit(const char *name);
/* The English code of the i-th role (i = 0, 1, …) and its bit in *bit; NULL past the last.
 * For printing a role set in one fixed order. */
const char *roles_nth(unsigned i, unsigned *bit);
/* A list "admin,hr" / "admin；人事" → bits in *out. LX_OK, or LX_ERR_INVALID naming the bad one in bad[]. */
int roles_parse(const char *list, unsigned *out, char *bad, unsigned long badlen);

#endif
