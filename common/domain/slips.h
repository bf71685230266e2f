/* slips.h — login slips (登录凭条, SPEC §14): for handing new staff their first password on
 * paper, eight slips to an A4 page (two columns, four rows) with dashed cut lines, each with
 * 工号, 姓名, 单位, 初始密码 and the URL to log in at. Pure: the caller supplies the people. */
#ifndef LAWEXAM_SLIPS_H
#define LAWEXAM_SLIPS_H

#include <stddef.h>

#include "err.h"

#define SLIPS_PER_PAGE 8

struct slip {
	const char *login, *name, *unit, *password;
};

/* n slips (n may be 0: one empty page with its cut lines) as a PDF. *data is the caller's
 * (free()). */
int slips_pdf(const struct slip *v, size_t n, const char *url, char **data, size_t *len, struct lx_err *e);

#endif
