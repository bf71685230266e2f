/* paper.c — seeded drawing and shuffling (see paper.h). The generator is xoshiro256**
 * seeded through SplitMix64 from the attempt's 32-byte CSPRNG seed: fast, well distributed
 * and reproducible; the unpredictability comes from the seed, not the generator. */
#include "paper.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void paper_rng_init(struct paper_rng *r, const uint8_t seed[PAPER_SEED_LEN], uint64_t stream)
{
	uint64_t w[4];
	memcpy(w, seed, sizeof w);
	for (int i = 0; i < 4; i++) {
		uint64_t x = w[i] ^ (stream * 0xd1b54a32d192ed03ull) ^ (uint64_t)i;
		r->s[i] = splitmix(&x);
	}
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t paper_rng_next(struct paper_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t paper_rng_below(struct paper_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;
	do
		v = paper_rng_next(r);
	while (v >= limit);
	return v % n;
}

void paper_pick(struct paper_rng *r, size_t n, size_t k, size_t *out)
{
	/* Partial Fisher–Yates over an index array (candidate lists are small). */
	size_t idx_small[256];
	size_t *idx = n <= 256 ? idx_small : NULL;
	if (!idx)
		idx = lx_malloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)paper_rng_below(r, n - i);
		size_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		out[i] = idx[i];
	}
	if (idx != idx_small)
		free(idx);
}

void paper_perm(struct paper_rng *r, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('A' + i);
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)paper_rng_below(r, i);
		char t = out[i - 1];
		out[i - 1] = out[j];
		out[j] = t;
	}
	out[n] = '\0';
}

static void sort_keys(char *s)
{
	size_t n = strlen(s);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && s[j - 1] > s[j]; j--) {
			char t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
}

int paper_to_original(const char *perm, const char *displayed, char *out, size_t outlen)
{
	size_t n = strlen(perm), k = 0;
	if (n == 0) { /* judge */
		if (strlen(displayed) >= outlen)
			return -1;
		memcpy(out, displayed, strlen(displayed) + 1);
		return 0;
	}
	for (const char *p = displayed; *p; p++) {
		size_t pos = (size_t)(*p - 'A');
		if (*p < 'A' || pos >= n || k + 1 >= outlen)
			return -1;
		out[k++] = perm[pos];
	}
	out[k] = '\0';
	sort_keys(out);
	return 0;
}

void paper_to_displayed(const char *perm, const char *original, char *out, size_t outlen)
{
	size_t n = strlen(perm), k = 0;
	if (n == 0) {
		size_t l = strlen(original);
		if (l >= outlen)
			l = outlen - 1;
		memcpy(out, original, l);
		out[l] = '\0';
		return;
	}
	for (const char *p = original; *p && k + 1 < outlen; p++) {
		const char *at = strchr(perm, *p);
		if (at)
			out[k++] = (char)('A' + (at - perm));
	}
	out[k] = '\0';
	sort_keys(out);
}
