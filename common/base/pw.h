/* pw.h — password hashing with argon2id (libargon2), in PHC string form, and the password
 * policy. Slow by design (tens of ms): the server runs these on its hash pool, never on an
 * event loop. Parameters come from the configuration; the default is OWASP's minimum.
 * Does not choose threads or priorities: callers do (server/pool.c, pw_hash_many). */
#ifndef LAWEXAM_PW_H
#define LAWEXAM_PW_H

#include <stddef.h>
#include <stdint.h>

#include "progress.h"

struct pw_params {
	unsigned t_cost;   /* iterations */
	unsigned m_kib;    /* memory in KiB */
	unsigned lanes;    /* parallelism */
};
#define PW_PARAMS_DEFAULT ((struct pw_params){2, 19456, 1})
/* The largest parameters a stored hash may carry (pw_verify rejects more): the ranges
 * lawexamd --argon2-* and lawexam-admin init accept. */
#define PW_T_MAX 100u
#define PW_M_MAX 4194304u /* KiB: 4 GiB */
#define PW_P_MAX 64u

/* Hashes password with a fresh 16-byte salt into a "$argon2id$v=19$m=…" string, byte for byte
 * what argon2id_hash_encoded() writes (caller frees), or NULL. */
char *pw_hash(const struct pw_params *p, const char *password);
/* The same with a given salt (8–64 bytes): for tests and loadgen --hash-bench. */
char *pw_hash_salt(const struct pw_params *p, const char *password, const uint8_t *salt, size_t saltlen);
/* 1 if password matches the encoded hash (compared in constant time), 0 if not, also for a
 * malformed hash or one with parameters beyond PW_*_MAX. */
int pw_verify(const char *encoded, const char *password);
/* The parameters an encoded hash was made with (LX_OK), so that a stand-in hash for unknown
 * logins can cost exactly what real accounts cost (no account enumeration by timing). */
int pw_params_of(const char *encoded, struct pw_params *out);
/* Policy for new passwords: LX_OK or LX_ERR_INVALID with a Chinese reason in why[]. */
int pw_policy(const char *login, const char *password, char *why, size_t whylen);
/* A random password of 12 characters from an unambiguous alphabet (caller frees). */
char *pw_random(void);

/* argon2id needs m KiB of working memory per hash. By default a thread maps it for each hash
 * and unmaps it after. pw_thread_cache(1) makes the calling thread keep it (pre-faulted, grown
 * when a hash needs more) until the thread exits or calls pw_thread_cache(0): for threads that
 * hash again and again — the server's hash pool, pw_hash_many's threads, loadgen --hash-bench.
 * It costs m KiB of resident memory per such thread. */
void pw_thread_cache(int on);
/* Bytes of argon2id working memory mapped by all threads now (kept or in use). */
size_t pw_area_bytes(void);

/* Hashes n passwords on up to `threads` threads; out[i] gets a fresh hash (caller frees) or
 * NULL on failure. For roster imports, where thousands of new users need a hash each.
 * progress (may be NULL) hears (done, total) after each hash, total being the number of
 * non-NULL passwords, from the hashing threads but one call at a time. */
void pw_hash_many(const struct pw_params *p, char *const *passwords, size_t n, char **out, int threads,
		  const struct lx_progress *progress);
#endif
