/* token.h — random secrets (OpenSSL's CSPRNG) and their stored form.
 * Session cookies, CSRF tokens and API tokens are 32 random bytes in base64url (43 chars);
 * the database keeps only their SHA-256. */
#ifndef LAWEXAM_TOKEN_H
#define LAWEXAM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOK_LEN 43 /* base64url of 32 bytes, no padding */

int tok_random_bytes(uint8_t *out, size_t n);           /* LX_OK or LX_ERR_INTERNAL */
int tok_new(char out[TOK_LEN + 1]);                     /* a fresh random token */
void tok_hash(const char *token, size_t len, uint8_t out[32]); /* SHA-256 */
void tok_b64url(const uint8_t *in, size_t n, char *out); /* out holds 4*ceil(n/3)+1 */
/* Constant-time comparison of two NUL-terminated strings of equal expected length. */
int tok_equal(const char *a, const char *b);

#endif
