/* receipt.h — answer receipts (回执, SPEC §12): the canonical text an attempt's receipt signs,
 * the code (HMAC-SHA256 under the server's secret, first 80 bits in base32) and its printed
 * form. Pure functions; exam_receipt.c reads the store and the secret. */
#ifndef LAWEXAM_RECEIPT_H
#define LAWEXAM_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#define RECEIPT_LEN 16      /* base32 characters (80 bits) */
#define RECEIPT_SHOWN_LEN 19 /* grouped: XXXX-XXXX-XXXX-XXXX */

/* The canonical text of a submitted attempt:
 *   "lawexam-receipt/1\nattempt:ID\nlogin:LOGIN\nexam:CODE\nsubmitted_at:UNIX\n" + answer_lines
 * where answer_lines is "POSITION:RESPONSE\n" per non-empty final answer, positions ascending,
 * responses in ORIGINAL keys (what grading reads). Caller frees with free(). */
char *receipt_text(int64_t attempt_id, const char *login, const char *exam, int64_t submitted_at,
		   const char *answer_lines);
/* The code: HMAC-SHA256(key, text), its first 10 bytes in RFC 4648 base32 (A–Z, 2–7). */
void receipt_code(const char *key, size_t key_len, const char *text, char out[RECEIPT_LEN + 1]);
/* What a person types back: dashes, spaces and case are ignored. LX_OK with the 16
 * characters in out, or LX_ERR_INVALID. */
int receipt_normalize(const char *in, char out[RECEIPT_LEN + 1]);
/* "ABCDEFGHIJKLMNOP" → "ABCD-EFGH-IJKL-MNOP". */
void receipt_group(const char *code, char out[RECEIPT_SHOWN_LEN + 1]);
/* SHA-256 of s in lower-case hex. */
void receipt_sha256_hex(const char *s, char out[65]);

#endif
