/* main.c — lawexam-admin: global options, then the longest matching command name from the
 * command tables of the cmd_*.c files (git/jq style: --help to stdout exit 0, usage errors
 * to stderr exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin.h"
#include "diag.h"
#include "clock.h"
#include "log.h"
#include "mem.h"
#include "pdf.h"
#include "store_accounts.h"

static const struct admin_cmd *const tables[] = {
	admin_cmds_core, admin_cmds_bank, admin_cmds_law, admin_cmds_staff, admin_cmds_exam, admin_cmds_report,
	admin_cmds_notice,
};

static void usage_all(FILE *f)
{
	fprintf(f, "usage: lawexam-admin [--db PATH] COMMAND [ARGS]\n\n"
		   "Administers a lawexam database (default var/lawexam.db); safe beside a running server.\n\n"
		   "commands:\n");
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct admin_cmd *c = tables[t]; c->name; c++)
			fprintf(f, "  %-20s %s\n", c->name, c->help);
	fprintf(f, "\nexit status: 0 success, 1 invalid data or environment, 2 usage error.\n"
		   "`lawexam-admin COMMAND --help` describes one command.\n");
}

struct store *admin_db(struct admin *a)
{
	struct lx_err e = {0};
	if (!a->db && store_open(a->db_path, 0, &a->db, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return NULL;
	}
	return a->db;
}

int admin_usage(const char *name)
{
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct admin_cmd *c = tables[t]; c->name; c++)
			if (strcmp(c->name, name) == 0)
				fprintf(stderr, "lawexam-admin: usage: lawexam-admin %s %s\n", c->name, c->usage);
	return EXIT_USAGE;
}

int admin_wants_help(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") && strcmp(argv[i], "-h"))
			continue;
		for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
			for (const struct admin_cmd *c = tables[t]; c->name; c++)
				if (strcmp(c->name, name) == 0)
					printf("usage: lawexam-admin %s %s\n\n%s\n", c->name, c->usage, c->help);
		return 1;
	}
	return 0;
}

char *admin_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0;
	if (!f) {
		fprintf(stderr, "lawexam-admin: cannot open %s: %m\n", path);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (256u << 20)) {
				fprintf(stderr, "lawexam-admin: %s is larger than 256 MiB\n", path);
				free(data);
				data = NULL;
				goto out;
			}
			data = lx_realloc(data, cap + 1);
		}
		size_t r = fread(data + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "lawexam-admin: cannot read %s\n", path);
		free(data);
		data = NULL;
		goto out;
	}
	data[n] = '\0';
	*len = n;
out:
	if (f != stdin)
		fclose(f);
	return data;
}

char *admin_read_secret(const char *prompt)
{
	struct termios old, quiet;
	int tty = isatty(0);
	char line[512];
	size_t n;
	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(0, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSANOW, &quiet);
	}
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0';
	if (tty) {
		tcsetattr(0, TCSANOW, &old);
		fprintf(stderr, "\n");
	}
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return lx_strdup(line);
}

void admin_audit(struct admin *a, const char *action, const char *detail)
{
	struct store *db = admin_db(a);
	if (db)
		store_audit(db, clock_now(), a->actor, action, detail, "cli", NULL);
}

void admin_print_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s: %s\n", d->items[i].where, d->items[i].message);
	if (d->total > d->n)
		fprintf(stderr, "(%zu more problems not shown)\n", d->total - d->n);
}

int admin_write_out(const char *path, const char *data, size_t len)
{
	FILE *f = (!path || strcmp(path, "-") == 0) ? stdout : fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "lawexam-admin: cannot write %s: %m\n", path);
		return EXIT_DATA;
	}
	if (fwrite(data, 1, len, f) != len || (f != stdout && fclose(f) != 0)) {
		fprintf(stderr, "lawexam-admin: cannot write %s: %m\n", path);
		return EXIT_DATA;
	}
	if (f == stdout)
		fflush(stdout);
	return EXIT_OK;
}

/* Read by LeakSanitizer in sanitizer builds (a library leak of cairo's, pdf.h). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return PDF_LSAN_SUPPRESSIONS; }

int main(int argc, char **argv)
{
	struct admin a = {.db_path = "var/lawexam.db"};
	const struct admin_cmd *best = NULL;
	int i = 1, best_words = 0, rc;
	const char *user = getenv("USER");

	log_threshold = LOG_WARN;
	snprintf(a.actor, sizeof a.actor, "cli:%s", user ? user : "root");
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_all(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			a.db_path = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			a.db_path = argv[i] + 5;
			i++;
		} else {
			fprintf(stderr, "lawexam-admin: unknown option '%s' (see --help)\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	/* The longest command name whose words match argv[i..]. */
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		for (const struct admin_cmd *c = tables[t]; c->name; c++) {
			const char *p = c->name;
			int w = 0, ok = 1;
			while (*p && ok) {
				size_t l = strcspn(p, " ");
				if (i + w >= argc || strlen(argv[i + w]) != l || strncmp(argv[i + w], p, l) != 0)
					ok = 0;
				p += l;
				while (*p == ' ')
					p++;
				w++;
			}
			if (ok && w > best_words) {
				best = c;
				best_words = w;
			}
		}
	}
	if (!best) {
		fprintf(stderr, "lawexam-admin: unknown command '%s' (see --help)\n", argv[i]);
		return EXIT_USAGE;
	}
	i += best_words - 1;
	if (admin_wants_help(best->name, argc - i, argv + i))
		return EXIT_OK;
	rc = best->fn(&a, argc - i, argv + i);
	store_close(a.db);
	return rc;
}

int admin_args(const char *cmd, int argc, char **argv, const struct aflag *flags, size_t nflags,
	       const char **pos, int minpos, int maxpos, int *npos)
{
	int np = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (arg[0] == '-' && arg[1]) {
			const struct aflag *f = NULL;
			const char *eq = strchr(arg, '=');
			size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);
			for (size_t k = 0; k < nflags; k++)
				if (strlen(flags[k].name) == nl && strncmp(flags[k].name, arg, nl) == 0)
					f = &flags[k];
			if (!f) {
				fprintf(stderr, "lawexam-admin %s: unknown option '%s'\n", cmd, arg);
				return admin_usage(cmd);
			}
			if (f->is_set)
				*f->is_set = 1;
			if (!f->value)
				continue;
			if (eq) {
				*f->value = eq + 1;
			} else if (i + 1 < argc) {
				*f->value = argv[++i];
			} else {
				fprintf(stderr, "lawexam-admin %s: option %s needs a value\n", cmd, f->name);
				return admin_usage(cmd);
			}
			continue;
		}
		if (np >= maxpos) {
			fprintf(stderr, "lawexam-admin %s: unexpected argument '%s'\n", cmd, arg);
			return admin_usage(cmd);
		}
		pos[np++] = arg;
	}
	if (np < minpos) {
		fprintf(stderr, "lawexam-admin %s: missing argument\n", cmd);
		return admin_usage(cmd);
	}
	if (npos)
		*npos = np;
	return EXIT_OK;
}
