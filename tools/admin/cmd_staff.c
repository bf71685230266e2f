/* cmd_staff.c — lawexam-admin staff commands (being written). */
#include <stddef.h>

#include "admin.h"

const struct admin_cmd admin_cmds_staff[] = {{NULL, NULL, NULL, NULL}};
