/* receipt.c — the receipt's canonical text, HMAC code and printed form (see receipt.h).
 * Knows nothing of the store: exam_receipt.c gathers the attempt and the secret. */
#include "receipt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

char *receipt_text(int64_t attempt_id, const char *login, const char *exam, int64_t submitted_at,
		   const char *answer_lines)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "lawexam-receipt/1\nattempt:%lld\nlogin:%s\nexam:%s\nsubmitted_at:%lld\n",
		   (long long)attempt_id, login, exam, (long long)submitted_at);
	buf_adds(&b, answer_lines);
	return buf_detach(&b);
}

void receipt_code(const char *key, size_t key_len, const char *text, char out[RECEIPT_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	uint64_t acc = 0;
	int bits = 0, o = 0;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)text, strlen(text), mac, &n) || n < 10)
		abort(); /* cannot sign: nothing safe to do */
	for (int i = 0; i < 10; i++) {
		acc = acc << 8 | mac[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = B32[(acc >> bits) & 31];
		}
	}
	out[o] = '\0';
}

int receipt_normalize(const char *in, char out[RECEIPT_LEN + 1])
{
	size_t n = 0;
	for (const char *p = in; *p; p++) {
		char ch = *p;
		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '2' && ch <= '7')) || n == RECEIPT_LEN)
			return LX_ERR_INVALID;
		out[n++] = ch;
	}
	out[n] = '\0';
	return n == RECEIPT_LEN ? LX_OK : LX_ERR_INVALID;
}

void receipt_group(const char *code, char out[RECEIPT_SHOWN_LEN + 1])
{
	size_t o = 0;
	for (size_t i = 0; i < RECEIPT_LEN && code[i]; i++) {
		if (i && i % 4 == 0)
			out[o++] = '-';
		out[o++] = code[i];
	}
	out[o] = '\0';
}

void receipt_sha256_hex(const char *s, char out[65])
{
	unsigned char d[32];
	unsigned int n = 32;
	if (!EVP_Digest(s, strlen(s), d, &n, EVP_sha256(), NULL))
		abort();
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}
