/* admin.h — lawexam-admin's shared context and the command table entry type.
 * Each cmd_*.c file implements one group of subcommands. Exit codes (SPEC §8):
 * 0 success, 1 invalid data or environment, 2 usage. */
#ifndef LAWEXAM_ADMIN_H
#define LAWEXAM_ADMIN_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "progress.h"
#include "store.h"

enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

struct admin {
	const char *db_path;
	struct store *db; /* opened lazily by admin_db() */
	char actor[96];   /* "cli:USER" for the audit log */
};

struct admin_cmd {
	const char *name;     /* "bank import" */
	int (*fn)(struct admin *a, int argc, char **argv); /* argv[0] is the last command word */
	const char *usage;    /* arguments */
	const char *help;     /* one line */
};

/* Opens the database (must exist and be migrated). Prints and returns NULL on failure. */
struct store *admin_db(struct admin *a);
/* Prints "lawexam-admin: usage: lawexam-admin NAME USAGE" to stderr; returns EXIT_USAGE. */
int admin_usage(const char *name);
/* 1 if argv holds --help / -h (then prints the command's help to stdout). */
int admin_wants_help(const char *name, int argc, char **argv);
/* Reads a whole file (or "-" for stdin) into a fresh buffer; NULL with a message printed. */
char *admin_read_file(const char *path, size_t *len);
/* Reads one line from stdin without echo when it is a terminal (caller frees). */
char *admin_read_secret(const char *prompt);
/* Records an admin action in the audit log (its own transaction when none is open). */
void admin_audit(struct admin *a, const char *action, const char *detail);
/* Prints located diagnostics as "WHERE: MESSAGE" lines on stderr (and how many were not shown). */
struct diag;
void admin_print_diag(const struct diag *d);
/* Writes data to path ("-" or NULL = stdout). EXIT_OK or EXIT_DATA. */
int admin_write_out(const char *path, const char *data, size_t len);

/* A progress line on stderr while an import works, only when stderr is a terminal
 * (progress_tty.c). Hand &ap->p to the worker. grand_total > 0 makes one line of several
 * parts (bank files): the caller adds each finished part's size to base. */
struct admin_progress {
	struct lx_progress p;
	const char *label;
	int tty, shown;
	uint64_t base, grand;
	double t0, last;
};
void admin_progress_begin(struct admin_progress *ap, const char *label, uint64_t grand_total);
void admin_progress_end(struct admin_progress *ap); /* ends the line, if one was drawn */

/* The command groups. */
extern const struct admin_cmd admin_cmds_core[];
extern const struct admin_cmd admin_cmds_bank[];
extern const struct admin_cmd admin_cmds_exam[];
extern const struct admin_cmd admin_cmds_report[];
extern const struct admin_cmd admin_cmds_staff[];
extern const struct admin_cmd admin_cmds_law[];
extern const struct admin_cmd admin_cmds_notice[];

/* A command's flags, table-driven. value == NULL: a boolean flag (sets *is_set). */
struct aflag {
	const char *name;        /* "--name" */
	const char **value;      /* where the value goes (NULL for a boolean) */
	int *is_set;
};
/* Parses argv[1..] into flags and up to maxpos positionals. EXIT_OK or, after printing why,
 * EXIT_USAGE (unknown flag, missing value, too many / too few positionals). */
int admin_args(const char *cmd, int argc, char **argv, const struct aflag *flags, size_t nflags,
	       const char **pos, int minpos, int maxpos, int *npos);

#endif
