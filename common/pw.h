/* pw.h — password hashing with argon2id (libargon2), in PHC string form.
 * Slow by design (tens of ms): the server runs these on its worker pool, never on an
 * event loop. Parameters come from the configuration; the default is OWASP's minimum. */
#ifndef LAWEXAM_PW_H
#define LAWEXAM_PW_H

#include <stddef.h>

struct pw_params {
	unsigned t_cost;   /* iterations */
	unsigned m_kib;    /* memory in KiB */
	unsigned lanes;    /* parallelism */
};
#define PW_PARAMS_DEFAULT ((struct pw_params){2, 19456, 1})

/* Hashes password into a fresh "$argon2id$v=19$m=…" string (caller frees), or NULL. */
char *pw_hash(const struct pw_params *p, const char *password);
/* 1 if password matches the encoded hash, 0 if not (also for a malformed hash). */
int pw_verify(const char *encoded, const char *password);
/* The parameters an encoded hash was made with (LX_OK), so that a stand-in hash for unknown
 * logins can cost exactly what real accounts cost (no account enumeration by timing). */
int pw_params_of(const char *encoded, struct pw_params *out);
/* Policy for new passwords: LX_OK or LX_ERR_INVALID with a Chinese reason in why[]. */
int pw_policy(const char *login, const char *password, char *why, size_t whylen);
/* A random password of 12 characters from an unambiguous alphabet (caller frees). */
char *pw_random(void);



/* Hashes n passwords on up to `threads` threads; out[i] gets a fresh hash (caller frees) or
 * NULL on failure. For roster imports, where thousands of new users need a hash each. */
void pw_hash_many(const struct pw_params *p, char *const *passwords, size_t n, char **out, int threads);
#endif
