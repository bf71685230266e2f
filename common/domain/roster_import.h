/* roster_import.h — a parsed roster into the store (SPEC §4.3). Two steps, so the slow part
 * never runs inside a write transaction: roster_prepare() (reader, outside the transaction)
 * resolves categories, decides who is new, makes random first passwords and hashes every
 * password on several threads; roster_apply() (one transaction) writes users and units.
 * Any problem → nothing applied. */
#ifndef LAWEXAM_ROSTER_IMPORT_H
#define LAWEXAM_ROSTER_IMPORT_H

#include <stdint.h>

#include "diag.h"
#include "err.h"
#include "pw.h"
#include "roster.h"

struct store;

struct roster_plan {
	struct roster *r;          /* borrowed */
	char **category;           /* resolved codes, per row */
	char **hash;               /* per row: a new hash, or NULL to keep the stored one */
	char **initial;            /* per row: a generated first password (new users), or NULL */
	int *is_new;
	size_t n;
	int disable_missing;
	/* results */
	int added, updated, unchanged, disabled;
};

/* Fills plan (for rows of r). Problems → diagnostics "FILE:ROW N: column 类别" and LX_ERR_INVALID.
 * progress (may be NULL) hears (done, total) while the passwords are hashed — the slow part:
 * one argon2id hash per new user's first password and per given password. */
int roster_prepare(struct store *db, struct roster *r, const char *fname, const struct pw_params *pw,
		   int threads, int disable_missing, const struct lx_progress *progress, struct roster_plan *plan,
		   struct diag *d, struct lx_err *e);
/* Applies plan inside the caller's transaction (or only counts, when dry_run). */
int roster_apply(struct store *db, struct roster_plan *plan, int dry_run, int64_t now, struct lx_err *e);
void roster_plan_free(struct roster_plan *plan);

#endif
