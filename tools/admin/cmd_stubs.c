/* cmd_stubs.c — command groups not written yet (replaced by cmd_bank.c, cmd_exam.c, cmd_report.c). */
#include <stddef.h>

#include "admin.h"

const struct admin_cmd admin_cmds_bank[] = {{NULL, NULL, NULL, NULL}};
const struct admin_cmd admin_cmds_exam[] = {{NULL, NULL, NULL, NULL}};
const struct admin_cmd admin_cmds_report[] = {{NULL, NULL, NULL, NULL}};
