/* store_papers.h — what the printed papers read and write (SPEC §14): certificates (合格证明)
 * and their numbers, the facts a certificate or its /verify page shows, and the passed best
 * attempts of an exam for printing certificates in bulk. Nothing here draws or formats
 * (common/domain/cert.c). Strings handed to callbacks live only for the call. */
#ifndef LAWEXAM_STORE_PAPERS_H
#define LAWEXAM_STORE_PAPERS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store;

#define CERT_NUMBER_LEN 16 /* base32 characters */

/* A person's best submitted attempt at exam_id (highest score, then earliest submitted, then
 * lowest id — as the reports choose it). *attempt_id = 0 when none is submitted. */
int store_best_attempt(struct store *db, int64_t exam_id, int64_t user_id, int64_t *attempt_id, int *passed,
		       struct lx_err *e);

/* Records number for attempt_id (writer). *inserted = 0 when the attempt already has one
 * (the existing one stands). LX_ERR_CONFLICT when number is taken by another attempt. */
int store_cert_insert(struct store *db, const char *number, int64_t attempt_id, int64_t now, int *inserted,
		      struct lx_err *e);

/* What a certificate says. Strings point into the statement's row: valid only inside the
 * callback that receives them. */
struct cert_facts {
	const char *number;     /* "" when none is issued yet (bulk listing) */
	int64_t attempt_id;
	const char *login, *name;
	const char *org;        /* full unit path */
	const char *exam_code, *exam_title;
	int64_t score2, max_score2;
	int passed;             /* the attempt's current result (a regrade may have changed it) */
	int64_t submitted_at, issued_at;
	int revoked;
};
typedef int (*cert_facts_fn)(void *ctx, const struct cert_facts *f);

/* The certificate of attempt_id, or the one numbered number (pass NULL for the other):
 * fn once, or LX_ERR_NOTFOUND. fn's return is returned. */
int store_cert_get(struct store *db, int64_t attempt_id, const char *number, cert_facts_fn fn, void *ctx,
		   struct lx_err *e);

/* Every person whose best submitted attempt at exam_id passed, in unit path then login order,
 * limited to org_path and its sub-units (NULL: all), whether or not a certificate has been
 * issued (number "" when not). A non-zero return from fn stops the walk and is returned. */
int store_cert_passed(struct store *db, int64_t exam_id, const char *org_path, cert_facts_fn fn, void *ctx,
		      struct lx_err *e);

#endif
