/* pw.c — argon2id hashing, verification and the password policy (see pw.h). */
#include "pw.h"

#include <argon2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "token.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define PW_MAX_CHARS 128 /* up to 512 bytes of UTF-8: login accepts that much (h_auth.c) */

char *pw_hash(const struct pw_params *p, const char *password)
{
	uint8_t salt[SALT_LEN];
	size_t enclen;
	char *out;

	if (tok_random_bytes(salt, sizeof salt) != LX_OK)
		return NULL;
	enclen = argon2_encodedlen(p->t_cost, p->m_kib, p->lanes, SALT_LEN, HASH_LEN, Argon2_id);
	out = lx_malloc(enclen);
	if (argon2id_hash_encoded(p->t_cost, p->m_kib, p->lanes, password, strlen(password), salt,
				  SALT_LEN, HASH_LEN, out, enclen) != ARGON2_OK) {
		free(out);
		return NULL;
	}
	return out;
}

int pw_verify(const char *encoded, const char *password)
{
	if (!encoded || strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

int pw_params_of(const char *encoded, struct pw_params *out)
{
	unsigned m, t, p;
	if (!encoded || sscanf(encoded, "$argon2id$v=19$m=%u,t=%u,p=%u$", &m, &t, &p) != 3)
		return LX_ERR_INVALID;
	out->m_kib = m;
	out->t_cost = t;
	out->lanes = p;
	return LX_OK;
}

int pw_policy(const char *login, const char *password, char *why, size_t whylen)
{
	size_t n = strlen(password), chars = 0;
	int classes = 0, lower = 0, upper = 0, digit = 0, other = 0;

	/* Length counts characters (UTF-8 lead bytes), not bytes: "学法12" is 4, not 8. */
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)password[i] & 0xC0) != 0x80)
			chars++;
	if (chars < 8 || chars > PW_MAX_CHARS || n > 4 * PW_MAX_CHARS) {
		snprintf(why, whylen, "密码长度须为 8 至 128 个字符");
		return LX_ERR_INVALID;
	}
	if (login && strcmp(login, password) == 0) {
		snprintf(why, whylen, "密码不能与工号相同");
		return LX_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)password[i];
		if (c >= 'a' && c <= 'z') lower = 1;
		else if (c >= 'A' && c <= 'Z') upper = 1;
		else if (c >= '0' && c <= '9') digit = 1;
		else other = 1;
	}
	classes = lower + upper + digit + other;
	if (classes < 2) {
		snprintf(why, whylen, "密码须至少包含字母、数字、符号中的两类");
		return LX_ERR_INVALID;
	}
	return LX_OK;
}

char *pw_random(void)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	uint8_t r[12];
	char *s = lx_malloc(sizeof r + 1);
	if (tok_random_bytes(r, sizeof r) != LX_OK)
		abort(); /* no entropy: nothing safe to do */
	for (size_t i = 0; i < sizeof r; i++)
		s[i] = alphabet[r[i] % (sizeof alphabet - 1)];
	s[sizeof r] = '\0';
	/* Guarantee two classes: force one digit. */
	s[5] = "23456789"[r[5] % 8];
	return s;
}

struct many {
	const struct pw_params *p;
	char *const *in;
	char **out;
	size_t n;
	size_t next;
	pthread_mutex_t mu;
};

static void *many_worker(void *arg)
{
	struct many *m = arg;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&m->mu);
		i = m->next++;
		pthread_mutex_unlock(&m->mu);
		if (i >= m->n)
			break;
		m->out[i] = m->in[i] ? pw_hash(m->p, m->in[i]) : NULL;
	}
	return NULL;
}

void pw_hash_many(const struct pw_params *p, char *const *passwords, size_t n, char **out, int threads)
{
	struct many m = {p, passwords, out, n, 0, PTHREAD_MUTEX_INITIALIZER};
	pthread_t tids[64];
	int t = threads < 1 ? 1 : threads > 64 ? 64 : threads, started = 0;
	for (int i = 0; i < t; i++)
		if (pthread_create(&tids[i], NULL, many_worker, &m) == 0)
			started++;
	if (!started)
		many_worker(&m);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
}
