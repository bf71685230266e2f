/* token.c — CSPRNG tokens and their SHA-256 (see token.h). */
#include "token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int tok_random_bytes(uint8_t *out, size_t n)
{
	return RAND_bytes(out, (int)n) == 1 ? LX_OK : LX_ERR_INTERNAL;
}

void tok_b64url(const uint8_t *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = t[v >> 6 & 63];
		out[o++] = t[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = t[v >> 6 & 63];
	}
	out[o] = '\0';
}

int tok_new(char out[TOK_LEN + 1])
{
	uint8_t r[32];
	if (tok_random_bytes(r, sizeof r) != LX_OK)
		return LX_ERR_INTERNAL;
	tok_b64url(r, sizeof r, out);
	return LX_OK;
}

/* SHA-256 is fetched from the provider once: EVP_sha256() makes EVP_Digest fetch it again
 * on every call, a third of the hash's cost (every authenticated request hashes its token). */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void tok_hash(const char *token, size_t len, uint8_t out[32])
{
	unsigned int n = 32;
	pthread_once(&sha256_once, sha256_fetch);
	if (!EVP_Digest(token, len, out, &n, sha256 ? sha256 : EVP_sha256(), NULL))
		abort(); /* cannot hash: nothing safe to do */
}

int tok_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
