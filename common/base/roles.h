/* roles.h — user roles as bits, and their names (English codes; Chinese accepted on input). */
#ifndef LAWEXAM_ROLES_H
#define LAWEXAM_ROLES_H

enum {
	ROLE_EXAMINEE = 1u << 0,
	ROLE_ADMIN = 1u << 1,
	ROLE_HR = 1u << 2,
	ROLE_ALL = ROLE_EXAMINEE | ROLE_ADMIN | ROLE_HR,
};
/* ROLE_EXAMINEE written into SQL text (the store filters assigned staff by it). */
#define ROLE_EXAMINEE_SQL "1"
_Static_assert(ROLE_EXAMINEE == 1, "ROLE_EXAMINEE_SQL must match ROLE_EXAMINEE");

/* One role name ("examinee"|"admin"|"hr", or 考生|管理员|人事) → bit, 0 if unknown. */
unsigned roles_bit(const char *name);
/* A list "admin,hr" / "admin；人事" → bits in *out. LX_OK, or LX_ERR_INVALID naming the bad one in bad[]. */
int roles_parse(const char *list, unsigned *out, char *bad, unsigned long badlen);

#endif
