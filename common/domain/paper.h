/* paper.h — drawing one attempt's paper (SPEC §5.1): from a stored CSPRNG seed, each
 * section picks `count` distinct candidates in random order, and each non-judge question's
 * options get a random permutation. Pure and deterministic for a given seed and candidate
 * list, so a paper can be re-derived; the store keeps the drawn paper anyway. */
#ifndef LAWEXAM_PAPER_H
#define LAWEXAM_PAPER_H

#include <stddef.h>
#include <stdint.h>

#define PAPER_SEED_LEN 32

struct paper_rng {
	uint64_t s[4];
};

/* Seeds the generator from seed bytes and a stream number (the section index). */
void paper_rng_init(struct paper_rng *r, const uint8_t seed[PAPER_SEED_LEN], uint64_t stream);
uint64_t paper_rng_next(struct paper_rng *r);
/* Uniform in [0, n) without modulo bias. n > 0. */
uint64_t paper_rng_below(struct paper_rng *r, uint64_t n);

/* Picks k distinct indices of 0..n-1 in random order into out[k] (k ≤ n). */
void paper_pick(struct paper_rng *r, size_t n, size_t k, size_t *out);
/* A random permutation of the first n option keys as a string: perm[i] is the ORIGINAL key
 * shown at display position i ("CADB": displayed A is original C). out holds n + 1 bytes. */
void paper_perm(struct paper_rng *r, size_t n, char *out);

/* Maps a displayed response ("AC") to original keys, sorted ("BD"), through perm.
 * Returns 0, or -1 if a key is outside the displayed options. Judge (perm "") is unchanged. */
int paper_to_original(const char *perm, const char *displayed, char *out, size_t outlen);
/* Maps original keys to displayed keys, sorted. */
void paper_to_displayed(const char *perm, const char *original, char *out, size_t outlen);

#endif
