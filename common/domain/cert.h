/* cert.h — certificates (合格证明, SPEC §14): their unguessable numbers, issuing them for
 * passed best attempts, drawing them as A4 PDF pages with a QR code of the /verify URL, and
 * the public /verify page. The queries are store_papers.c; the drawing primitives pdf.c.
 * Does not decide who may download what (the handlers, server/h_paper.c). */
#ifndef LAWEXAM_CERT_H
#define LAWEXAM_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store_papers.h"

struct store;
struct pdf;

/* A fresh number: CERT_NUMBER_LEN characters of RFC 4648 base32 (A–Z, 2–7) from 80 random
 * bits of the CSPRNG. LX_OK or LX_ERR_INTERNAL. */
int cert_number_new(char out[CERT_NUMBER_LEN + 1]);
/* 1 if s has the form of a number (exact length, base32 upper case). */
int cert_number_valid(const char *s);
/* The name with all but its first character masked: 张三 → 张*, 欧阳修 → 欧**. out ≥ 4 × the
 * characters of name + 1 bytes; a name that is not UTF-8 gives "*". */
void cert_mask_name(const char *name, char *out, size_t outlen);

/* Issues the certificate of attempt_id if it has none (writer; the caller has checked it is
 * a passed best attempt). */
int cert_issue(struct store *db, int64_t attempt_id, int64_t now, struct lx_err *e);
/* Issues a certificate to every person whose best attempt at exam_id passed, under org_path
 * (NULL: all), who has none yet (writer). *issued counts the new ones. */
int cert_issue_all(struct store *db, int64_t exam_id, const char *org_path, int64_t now, int *issued,
		   struct lx_err *e);

/* How a certificate is printed: the organiser (--organiser) and the verify URL's origin
 * ("https://HOST"). */
struct cert_print {
	const char *organiser;
	const char *origin;
};
/* One A4 page of p for f. */
int cert_draw(struct pdf *p, const struct cert_facts *f, const struct cert_print *pp, struct lx_err *e);
/* The certificate of attempt_id as a PDF (LX_ERR_NOTFOUND when none is issued). *data is
 * the caller's (free()). Reads inside one snapshot of db. */
int cert_pdf_one(struct store *db, int64_t attempt_id, const struct cert_print *pp, char **data, size_t *len,
		 struct lx_err *e);
/* One page per person whose best attempt at exam_code passed, under org_path (NULL: all),
 * in unit then login order; people without a certificate yet are skipped (issue first with
 * cert_issue_all). LX_ERR_NOTFOUND for an unknown exam; an empty selection is one page
 * saying so. *count gets the certificates printed. */
int cert_pdf_bulk(struct store *db, const char *exam_code, const char *org_path, const struct cert_print *pp,
		  char **data, size_t *len, int *count, struct lx_err *e);
/* The /verify page of number: HTML (UTF-8), *html the caller's (free()); LX_ERR_NOTFOUND for
 * an unknown or malformed number. */
int cert_verify_html(struct store *db, const char *number, char **html, size_t *len, struct lx_err *e);

#endif
