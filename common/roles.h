/* roles.h — user roles as bits, and their names (English codes; Chinese accepted on input). */
#ifndef LAWEXAM_ROLES_H
#define LAWEXAM_ROLES_H

enum {
	ROLE_EXAMINEE = 1u << 0,
	ROLE_ADMIN = 1u << 1,
	ROLE_HR = 1u << 2,
	ROLE_ALL = ROLE_EXAMINEE | ROLE_ADMIN | ROLE_HR,
};

/* One role name ("examinee"|"admin"|"hr", or 考生|管理员|人事) → bit, 0 if unknown. */
unsigned roles_bit(const char *name);
/* A list "admin,hr" / "admin；人事" → bits in *out. LX_OK, or LX_ERR_INVALID naming the bad one in bad[]. */
int roles_parse(const char *list, unsigned *out, char *bad, unsigned long badlen);
/* Comma-separated English names into buf (at least 32 bytes). */
const char *roles_format(unsigned roles, char *buf, unsigned long len);

#endif
