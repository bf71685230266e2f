/* fuzz_db.h — a seeded temporary database for the drivers that fuzz through the store
 * (exam definitions, roster import): created once per process on /dev/shm when it is
 * writable (TMPDIR or /tmp otherwise), seeded by the driver's job, removed at exit. */
#ifndef LAWEXAM_FUZZ_DB_H
#define LAWEXAM_FUZZ_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "log.h"
#include "store.h"

static struct store *fuzz_db;
static char fuzz_db_dir[256], fuzz_db_path[300];

static void fuzz_db_cleanup(void)
{
	const char *sfx[] = {"", "-wal", "-shm"};
	char p[320];
	store_close(fuzz_db);
	fuzz_db = NULL;
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", fuzz_db_path, sfx[i]);
		unlink(p);
	}
	rmdir(fuzz_db_dir);
}

/* The database, created and seeded by seed on the first call; aborts if that fails. */
static struct store *fuzz_db_get(const char *name, store_job_fn seed)
{
	struct lx_err e = {0};
	struct stat sb;
	const char *base = "/tmp", *env = getenv("TMPDIR");
	if (fuzz_db)
		return fuzz_db;
	log_threshold = -1;
	if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	else if (env && *env)
		base = env;
	snprintf(fuzz_db_dir, sizeof fuzz_db_dir, "%s/lawexam-fuzz-%s-XXXXXX", base, name);
	FUZZ_CHECK(mkdtemp(fuzz_db_dir) != NULL);
	snprintf(fuzz_db_path, sizeof fuzz_db_path, "%s/%s.db", fuzz_db_dir, name);
	if (store_open(fuzz_db_path, STORE_CREATE, &fuzz_db, &e) != LX_OK || store_run(fuzz_db, seed, NULL, &e) != LX_OK) {
		fprintf(stderr, "fuzz %s: seeding: %s\n", name, e.msg);
		abort();
	}
	atexit(fuzz_db_cleanup);
	return fuzz_db;
}

#endif
