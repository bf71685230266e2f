/* h_admin.c — (being written): every handler answers 501 until then. */
#include "routes.h"

void h_admin_banks_import(struct hctx *c) { http_error(c, 501, "not_implemented", "尚未实现"); }
void h_admin_banks_list(struct hctx *c) { http_error(c, 501, "not_implemented", "尚未实现"); }
void h_admin_staff_import(struct hctx *c) { http_error(c, 501, "not_implemented", "尚未实现"); }
