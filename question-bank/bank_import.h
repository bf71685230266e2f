/* bank_import.h — a validated bank_doc into the store (SPEC §5.7), and back out.
 * Import is one transaction (the caller's): any error leaves nothing changed. Per question:
 * new → added; stem, type or options changed → a new version (updated); only key,
 * explanation, basis, difficulty or tags changed → the same version updated in place (so
 * attempts that drew it are regraded with the fixed key); identical → unchanged. With
 * retire_missing, active questions absent from the file are retired (never drawn again;
 * old attempts keep them). dry_run computes the same counts and writes nothing. */
#ifndef LAWEXAM_BANK_IMPORT_H
#define LAWEXAM_BANK_IMPORT_H

#include <stdint.h>

#include "bank.h"
#include "err.h"
#include "progress.h"

struct store;

struct bank_import_result {
	int added, updated, unchanged, retired;
};

int bank_import(struct store *db, const struct bank_doc *doc, int dry_run, int retire_missing, int64_t now,
		struct bank_import_result *res, struct lx_err *e);
/* The same, telling progress (done, doc->n) as the questions are written (every 64, and the last). */
int bank_import_progress(struct store *db, const struct bank_doc *doc, int dry_run, int retire_missing,
			 int64_t now, const struct lx_progress *progress, struct bank_import_result *res,
			 struct lx_err *e);
/* The bank's active questions as a bank_doc (for export). Caller frees with bank_doc_free. */
int bank_load(struct store *db, const char *code, struct bank_doc *out, struct lx_err *e);

#endif
