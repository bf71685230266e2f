/* pw.c — argon2id hashing, verification and the password policy (see pw.h).
 * Owns the PHC string ("$argon2id$v=19$m=…,t=…,p=…$salt$hash", written and strictly parsed
 * here: libargon2 exports no decoder) and each thread's argon2id working memory. The argon2id
 * computation itself is libargon2's (argon2_ctx); nothing here schedules threads. */
#include "pw.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "lx_limits.h"
#include "mem.h"
#include "token.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define PHC_BIN_MAX 64   /* longest salt or hash accepted in a PHC string (we write 16 and 32) */
#define PHC_ENC_MAX 256  /* longest PHC string written: 54 + 86 + 1 + 86 + NUL */


_Static_assert(54 + 4 * ((PHC_BIN_MAX + 2) / 3) * 2 + 2 <= PHC_ENC_MAX, "PHC_ENC_MAX too small");

/* --- working memory ------------------------------------------------------------------
 * libargon2 asks for m KiB per hash. Its default, malloc(), maps fresh zeroed pages for every
 * hash once m is above glibc's mmap threshold (32 MiB at most): ~16,000 page faults per 64 MiB
 * hash. Instead each thread lends it one area through argon2_context's allocate/free callbacks,
 * mapped once and pre-faulted. (Transparent huge pages for it were measured: no faster, so
 * not asked for; docs/security.md.) The callbacks carry no context, hence thread-local state
 * (one struct per thread). libargon2 zeroes the memory before giving it back
 * (clear_internal_memory), so a kept area holds nothing secret between hashes. */

struct area {
	uint8_t *mem; /* mmap'd, cap bytes, pre-faulted; NULL when none */
	size_t cap;
	int keep;     /* pw_thread_cache(1): keep mem between hashes, unmapped at thread exit */
	int lent;     /* mem is with libargon2 right now */
};
static _Thread_local struct area tl_area;
/* The key exists for its destructor: it unmaps a caching thread's area when the thread exits. */
static pthread_key_t area_key;
static pthread_once_t area_once = PTHREAD_ONCE_INIT;
/* Bytes of all threads' areas (pw_area_bytes): a statistic, not state anything depends on. */
static atomic_size_t area_total;

/* A fresh pre-faulted mapping of n bytes, or NULL. Caller munmaps it with the same n. */
static uint8_t *area_map(size_t n)
{
	uint8_t *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, n, MADV_POPULATE_WRITE) != 0) /* Linux < 5.14: fault it in by hand */
		for (size_t i = 0; i < n; i += 4096)
			((volatile uint8_t *)p)[i] = 0;
	return p;
}

static void area_release(struct area *a)
{
	if (!a->mem)
		return;
	munmap(a->mem, a->cap);
	atomic_fetch_sub(&area_total, a->cap);
	a->mem = NULL;
	a->cap = 0;
}

/* pthread key destructor: runs at the exit of a thread that called pw_thread_cache(1). */
static void area_destroy(void *arg)
{
	struct area *a = arg;
	a->keep = 0;
	area_release(a);
}

static void area_key_make(void)
{
	if (pthread_key_create(&area_key, area_destroy) != 0) {
		fprintf(stderr, "pw: pthread_key_create failed\n");
		abort(); /* start-up: no thread can release its area without it */
	}
}

/* argon2_context.allocate_cbk: lends this thread's area, grown to n bytes if smaller. */
static int area_alloc(uint8_t **memory, size_t n)
{
	struct area *a = &tl_area;
	*memory = NULL;
	if (a->lent) { /* not done by libargon2 (one allocation per hash); handled all the same */
		*memory = area_map(n);
		return *memory ? 0 : -1;
	}
	if (a->cap < n) {
		area_release(a);
		a->mem = area_map(n);
		if (!a->mem)
			return -1;
		a->cap = n;
		atomic_fetch_add(&area_total, a->cap);
	}
	a->lent = 1;
	*memory = a->mem;
	return 0;
}

/* argon2_context.free_cbk: takes the area back (already zeroed by libargon2); unmaps it
 * unless this thread keeps it. */
static void area_free(uint8_t *memory, size_t n)
{
	struct area *a = &tl_area;
	if (memory != a->mem) {
		munmap(memory, n);
		return;
	}
	a->lent = 0;
	if (!a->keep)
		area_release(a);
}

void pw_thread_cache(int on)
{
	struct area *a = &tl_area;
	(void)pthread_once(&area_once, area_key_make);
	a->keep = on != 0;
	(void)pthread_setspecific(area_key, a->keep ? a : NULL);
	if (!a->keep && !a->lent)
		area_release(a);
}

size_t pw_area_bytes(void)
{
	return atomic_load(&area_total);
}

/* argon2id of password with salt into out[outlen], in this thread's area: LX_OK or
 * LX_ERR_INTERNAL (bad parameters, no memory). */
static int derive(const struct pw_params *p, const char *password, const uint8_t *salt, size_t saltlen,
		  uint8_t *out, size_t outlen)
{
	size_t pwlen = strlen(password);
	argon2_context ctx = {
		.out = out,
		.outlen = (uint32_t)outlen,
		.pwd = (uint8_t *)(uintptr_t)password, /* only written with ARGON2_FLAG_CLEAR_PASSWORD */
		.pwdlen = (uint32_t)pwlen,
		.salt = (uint8_t *)(uintptr_t)salt,
		.saltlen = (uint32_t)saltlen,
		.t_cost = p->t_cost,
		.m_cost = p->m_kib,
		.lanes = p->lanes,
		.threads = p->lanes, /* as argon2id_hash_encoded: one thread per lane */
		.version = ARGON2_VERSION_13,
		.allocate_cbk = area_alloc,
		.free_cbk = area_free,
		.flags = ARGON2_DEFAULT_FLAGS,
	};
	if (pwlen > UINT32_MAX || outlen > PHC_BIN_MAX || saltlen > PHC_BIN_MAX)
		return LX_ERR_INTERNAL;
	return argon2id_ctx(&ctx) == ARGON2_OK ? LX_OK : LX_ERR_INTERNAL;
}

/* --- the PHC string ------------------------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Unpadded standard base64 of src[n] into dst (room for 4*ceil(n/3)+1), NUL-terminated, as
 * libargon2 writes it; returns the characters written. */
static size_t b64_put(char *dst, const uint8_t *src, size_t n)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8 | src[i]) & 0xFFFF;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			dst[o++] = B64[(acc >> bits) & 0x3F];
		}
	}
	if (bits > 0)
		dst[o++] = B64[(acc << (6 - bits)) & 0x3F];
	dst[o] = '\0';
	return o;
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The parsers below take the position reached so far (NULL: already failed) and return the
 * position after what they read, or NULL. */

/* Unpadded base64 up to the first character outside the alphabet, strictly as libargon2
 * reads it: at most cap bytes, not 1 character mod 4, unused low bits zero. */
static const char *b64_get(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	unsigned acc = 0;
	int bits = 0, v;
	size_t o = 0;
	if (!s)
		return NULL;
	for (; (v = b64_val((unsigned char)*s)) >= 0; s++) {
		acc = (acc << 6 | (unsigned)v) & 0xFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return NULL;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits > 4 || (acc & ((1u << bits) - 1)) != 0)
		return NULL;
	*n = o;
	return s;
}

/* A decimal in lo..hi: digits only, no leading zero. */
static const char *dec_get(const char *s, unsigned lo, unsigned hi, unsigned *v)
{
	const char *p = s;
	uint64_t x = 0;
	if (!s)
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((x = x * 10 + (uint64_t)(*p - '0')) > hi)
			return NULL;
	if (p == s || (*s == '0' && p != s + 1) || x < lo)
		return NULL;
	*v = (unsigned)x;
	return p;
}

static const char *lit(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s && strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

struct phc {
	struct pw_params p;
	uint8_t salt[PHC_BIN_MAX], hash[PHC_BIN_MAX];
	size_t saltlen, hashlen;
};

/* Parses "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" with parameters in the ranges pw.h states and
 * the lengths libargon2 accepts: LX_OK, or LX_ERR_INVALID for anything else. */
static int phc_decode(const char *s, struct phc *h)
{
	unsigned v = 0;
	s = lit(s, "$argon2id$v=");
	s = dec_get(s, ARGON2_VERSION_13, ARGON2_VERSION_13, &v);
	s = dec_get(lit(s, "$m="), 8, PW_M_MAX, &h->p.m_kib);
	s = dec_get(lit(s, ",t="), 1, PW_T_MAX, &h->p.t_cost);
	s = dec_get(lit(s, ",p="), 1, PW_P_MAX, &h->p.lanes);
	s = b64_get(lit(s, "$"), h->salt, sizeof h->salt, &h->saltlen);
	s = b64_get(lit(s, "$"), h->hash, sizeof h->hash, &h->hashlen);
	if (!s || *s || h->saltlen < ARGON2_MIN_SALT_LENGTH || h->hashlen < ARGON2_MIN_OUTLEN ||
	    h->p.m_kib < 8 * h->p.lanes)
		return LX_ERR_INVALID;
	return LX_OK;
}

/* --- hashing and verification ---------------------------------------------------------- */

char *pw_hash_salt(const struct pw_params *p, const char *password, const uint8_t *salt, size_t saltlen)
{
	uint8_t hash[HASH_LEN];
	char enc[PHC_ENC_MAX];
	int n;

	if (saltlen < ARGON2_MIN_SALT_LENGTH || saltlen > PHC_BIN_MAX ||
	    derive(p, password, salt, saltlen, hash, sizeof hash) != LX_OK)
		return NULL;
	n = snprintf(enc, sizeof enc, "$argon2id$v=%d$m=%u,t=%u,p=%u$", ARGON2_VERSION_13, p->m_kib, p->t_cost,
		     p->lanes);
	n += (int)b64_put(enc + n, salt, saltlen);
	enc[n++] = '$';
	b64_put(enc + n, hash, sizeof hash);
	return lx_strdup(enc);
}

char *pw_hash(const struct pw_params *p, const char *password)
{
	uint8_t salt[SALT_LEN];
	if (tok_random_bytes(salt, sizeof salt) != LX_OK)
		return NULL;
	return pw_hash_salt(p, password, salt, sizeof salt);
}

int pw_verify(const char *encoded, const char *password)
{
	struct phc h;
	uint8_t got[PHC_BIN_MAX];
	if (!encoded || !password || phc_decode(encoded, &h) != LX_OK ||
	    derive(&h.p, password, h.salt, h.saltlen, got, h.hashlen) != LX_OK)
		return 0;
	return CRYPTO_memcmp(got, h.hash, h.hashlen) == 0;
}

int pw_params_of(const char *encoded, struct pw_params *out)
{
	struct phc h;
	if (phc_decode(encoded, &h) != LX_OK)
		return LX_ERR_INVALID;
	*out = h.p;
	return LX_OK;
}

/* --- policy ---------------------------------------------------------------------------- */

int pw_policy(const char *login, const char *password, char *why, size_t whylen)
{
	size_t n = strlen(password), chars = 0;
	int classes = 0, lower = 0, upper = 0, digit = 0, other = 0;

	/* Length counts characters (UTF-8 lead bytes), not bytes: "学法12" is 4, not 8. */
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)password[i] & 0xC0) != 0x80)
			chars++;
	if (chars < LX_PASSWORD_MIN_CHARS || chars > LX_PASSWORD_MAX_CHARS || n > 4 * LX_PASSWORD_MAX_CHARS) {
		snprintf(why, whylen, "密码长度须为 %d 至 %d 个字符", LX_PASSWORD_MIN_CHARS, LX_PASSWORD_MAX_CHARS);
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

/* --- many at once ---------------------------------------------------------------------- */

struct many {
	const struct pw_params *p;
	char *const *in;
	char **out;
	size_t n;
	size_t next;
	pthread_mutex_t mu;
	const struct lx_progress *progress;
	uint64_t done, total; /* hashes made, hashes to make (under mu) */
};

static void many_work(struct many *m)
{
	for (;;) {
		size_t i;
		pthread_mutex_lock(&m->mu);
		i = m->next++;
		pthread_mutex_unlock(&m->mu);
		if (i >= m->n)
			break;
		m->out[i] = m->in[i] ? pw_hash(m->p, m->in[i]) : NULL;
		if (m->in[i] && m->progress) {
			pthread_mutex_lock(&m->mu); /* one report at a time, in order */
			lx_progress_report(m->progress, ++m->done, m->total);
			pthread_mutex_unlock(&m->mu);
		}
	}
}

/* A thread of its own: keeps its area for all its hashes; the key destructor unmaps it. */
static void *many_thread(void *arg)
{
	pw_thread_cache(1);
	many_work(arg);
	return NULL;
}

void pw_hash_many(const struct pw_params *p, char *const *passwords, size_t n, char **out, int threads,
		  const struct lx_progress *progress)
{
	struct many m = {p, passwords, out, n, 0, PTHREAD_MUTEX_INITIALIZER, progress, 0, 0};
	pthread_t tids[64];
	int t = threads < 1 ? 1 : threads > 64 ? 64 : threads, started = 0;

	for (size_t i = 0; i < n; i++)
		m.total += passwords[i] != NULL;
	if (progress && m.total)
		lx_progress_report(progress, 0, m.total); /* the count is known before the first hash */
	for (int i = 0; i < t; i++)
		if (pthread_create(&tids[i], NULL, many_thread, &m) == 0)
			started++;
	if (!started)
		many_work(&m); /* on the caller's thread, whose caching setting stays as it was */
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
}
