/* h_upload.c — files sent in parts: POST /api/v1/admin/uploads (start, or append one part
 * of at most LX_BODY_MAX at ?upload=ID&offset=N), GET and DELETE /api/v1/admin/uploads/{id},
 * and the registry the bank and roster imports borrow an upload from (upload.h). It does
 * not parse anything: h_admin.c imports. Parts live in memory (docs/architecture.md
 * "Limits" says why), bounded per administrator, in total, and in idle time. */
#include "upload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "lx_limits.h"
#include "mem.h"
#include "routes.h"
#include "token.h"

struct upload {
	char id[UPLOAD_ID_LEN + 1];
	int64_t owner;      /* the administrator's user id */
	char *data;         /* the bytes received so far (owned) */
	size_t len, cap;
	int64_t touched_s;  /* monotonic seconds of the last part (or release) */
	int busy;           /* borrowed by an import */
	struct upload *next;
};

struct uploads {
	pthread_mutex_t mu;
	struct upload *head;
	int n;
};

static int64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

struct uploads *uploads_new(void)
{
	struct uploads *u = lx_calloc(1, sizeof *u);
	pthread_mutex_init(&u->mu, NULL);
	return u;
}

static void upload_free(struct upload *up)
{
	free(up->data);
	free(up);
}

void uploads_free(struct uploads *u)
{
	if (!u)
		return;
	while (u->head) {
		struct upload *up = u->head;
		u->head = up->next;
		upload_free(up);
	}
	pthread_mutex_destroy(&u->mu);
	free(u);
}

/* With mu held: unlinks and frees up. */
static void drop_locked(struct uploads *reg, struct upload *up)
{
	for (struct upload **pp = &reg->head; *pp; pp = &(*pp)->next) {
		if (*pp == up) {
			*pp = up->next;
			reg->n--;
			upload_free(up);
			return;
		}
	}
}

/* With mu held: drops the uploads idle for UPLOAD_IDLE_S (not the borrowed ones). */
static void sweep_locked(struct uploads *reg, int64_t now)
{
	struct upload **pp = &reg->head;
	while (*pp) {
		struct upload *up = *pp;
		if (!up->busy && now - up->touched_s >= UPLOAD_IDLE_S) {
			*pp = up->next;
			reg->n--;
			upload_free(up);
		} else {
			pp = &up->next;
		}
	}
}

/* With mu held: owner's upload id, or NULL (unknown, or another administrator's). */
static struct upload *find_locked(struct uploads *reg, const char *id, int64_t owner)
{
	for (struct upload *up = reg->head; up; up = up->next)
		if (up->owner == owner && strcmp(up->id, id) == 0)
			return up;
	return NULL;
}

static int id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n != UPLOAD_ID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

int upload_borrow(struct uploads *reg, const char *id, int64_t owner, struct upload **out, const char **data,
		  size_t *len)
{
	struct upload *up;
	int rc = LX_OK;
	if (!id_valid(id))
		return LX_ERR_NOTFOUND;
	pthread_mutex_lock(&reg->mu);
	sweep_locked(reg, mono_s());
	up = find_locked(reg, id, owner);
	if (!up) {
		rc = LX_ERR_NOTFOUND;
	} else if (up->busy) {
		rc = LX_ERR_CONFLICT;
	} else {
		up->busy = 1;
		*out = up;
		*data = up->data ? up->data : "";
		*len = up->len;
	}
	pthread_mutex_unlock(&reg->mu);
	return rc;
}

void upload_release(struct uploads *reg, struct upload *up, int remove)
{
	pthread_mutex_lock(&reg->mu);
	up->busy = 0;
	up->touched_s = mono_s();
	if (remove)
		drop_locked(reg, up);
	pthread_mutex_unlock(&reg->mu);
}

/* --- the routes ----------------------------------------------------------------- */

static void reply_state(struct hctx *c, const char *id, size_t received)
{
	http_json(c, 200, json_pack("{s:s,s:I}", "upload", id, "received", (json_int_t)received));
}

/* Starts an upload with the body as its first part. */
static void upload_start(struct hctx *c)
{
	struct uploads *reg = c->srv->uploads;
	struct upload *up = NULL, *oldest = NULL;
	uint8_t rnd[UPLOAD_ID_LEN / 2];
	int mine = 0;
	int64_t now = mono_s();

	if (tok_random_bytes(rnd, sizeof rnd) != LX_OK) {
		http_error(c, 500, "internal", "内部错误");
		return;
	}
	pthread_mutex_lock(&reg->mu);
	sweep_locked(reg, now);
	for (struct upload *u = reg->head; u; u = u->next) {
		if (u->owner != c->user.id)
			continue;
		mine++;
		if (!u->busy && (!oldest || u->touched_s <= oldest->touched_s))
			oldest = u;
	}
	/* A third upload of the same administrator replaces the one touched longest ago (an
	 * abandoned one, typically): never more than UPLOAD_PER_ADMIN each. */
	if (mine >= UPLOAD_PER_ADMIN && oldest) {
		drop_locked(reg, oldest);
		mine--;
	}
	if (mine >= UPLOAD_PER_ADMIN || reg->n >= UPLOAD_TOTAL) {
		pthread_mutex_unlock(&reg->mu);
		http_header(c, "Retry-After", "60");
		http_error(c, 503, "uploads_busy", "同时进行的上传过多，请稍后重试");
		return;
	}
	up = lx_calloc(1, sizeof *up);
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(up->id + 2 * i, 3, "%02x", rnd[i]);
	up->owner = c->user.id;
	up->touched_s = now;
	if (c->body_len) {
		up->data = lx_malloc(c->body_len);
		memcpy(up->data, c->body, c->body_len);
		up->len = up->cap = c->body_len;
	}
	up->next = reg->head;
	reg->head = up;
	reg->n++;
	{
		char id[UPLOAD_ID_LEN + 1];
		size_t len = up->len;
		memcpy(id, up->id, sizeof id);
		pthread_mutex_unlock(&reg->mu);
		reply_state(c, id, len);
	}
}

/* "0", "123": a byte offset; anything else is -1. */
static long long parse_offset(const char *s)
{
	long long v = 0;
	if (!s || !*s || strlen(s) > 12)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static void upload_append(struct hctx *c, const char *id)
{
	struct uploads *reg = c->srv->uploads;
	struct upload *up;
	long long off = parse_offset(http_query(c, "offset"));
	size_t received;

	if (off < 0) {
		http_error(c, 400, "bad_request", "续传须给出 offset（已收到的字节数）");
		return;
	}
	pthread_mutex_lock(&reg->mu);
	sweep_locked(reg, mono_s());
	up = id_valid(id) ? find_locked(reg, id, c->user.id) : NULL;
	if (!up) {
		pthread_mutex_unlock(&reg->mu);
		http_error(c, 404, "upload_not_found", "上传不存在或已过期，请重新上传文件");
		return;
	}
	if (up->busy) {
		pthread_mutex_unlock(&reg->mu);
		http_error(c, 409, "upload_busy", "该文件正在导入，不能再追加内容");
		return;
	}
	if ((unsigned long long)off != up->len) {
		received = up->len;
		pthread_mutex_unlock(&reg->mu);
		http_json(c, 409, json_pack("{s:{s:s,s:s,s:I}}", "error", "code", "offset_mismatch", "message",
					    "分段位置不符：请从服务器已收到的位置继续上传", "expected",
					    (json_int_t)received));
		return;
	}
	if (up->len + c->body_len > LX_UPLOAD_MAX) {
		drop_locked(reg, up);
		pthread_mutex_unlock(&reg->mu);
		http_error(c, 413, "too_large", "文件超过 32 MiB 的上限");
		return;
	}
	if (up->len + c->body_len > up->cap) {
		size_t cap = up->cap ? up->cap : LX_BODY_MAX;
		while (cap < up->len + c->body_len)
			cap *= 2;
		if (cap > LX_UPLOAD_MAX)
			cap = LX_UPLOAD_MAX;
		up->data = lx_realloc(up->data, cap);
		up->cap = cap;
	}
	if (c->body_len)
		memcpy(up->data + up->len, c->body, c->body_len);
	up->len += c->body_len;
	up->touched_s = mono_s();
	received = up->len;
	pthread_mutex_unlock(&reg->mu);
	reply_state(c, id, received);
}

void h_upload_part(struct hctx *c)
{
	const char *id = http_query(c, "upload");
	if (!id) {
		const char *off = http_query(c, "offset");
		if (off && strcmp(off, "0") != 0) {
			http_error(c, 400, "bad_request", "新的上传从 offset=0 开始（续传须给出 upload）");
			return;
		}
		upload_start(c);
		return;
	}
	upload_append(c, id);
}

void h_upload_get(struct hctx *c)
{
	struct uploads *reg = c->srv->uploads;
	struct upload *up;
	size_t received = 0;
	int busy = 0;

	pthread_mutex_lock(&reg->mu);
	sweep_locked(reg, mono_s());
	up = id_valid(c->params[0]) ? find_locked(reg, c->params[0], c->user.id) : NULL;
	if (up) {
		received = up->len;
		busy = up->busy;
	}
	pthread_mutex_unlock(&reg->mu);
	if (!up) {
		http_error(c, 404, "upload_not_found", "上传不存在或已过期，请重新上传文件");
		return;
	}
	http_json(c, 200, json_pack("{s:s,s:I,s:b}", "upload", c->params[0], "received", (json_int_t)received,
				    "importing", busy));
}

void h_upload_delete(struct hctx *c)
{
	struct uploads *reg = c->srv->uploads;
	struct upload *up;
	int rc = LX_OK;

	pthread_mutex_lock(&reg->mu);
	up = id_valid(c->params[0]) ? find_locked(reg, c->params[0], c->user.id) : NULL;
	if (!up)
		rc = LX_ERR_NOTFOUND;
	else if (up->busy)
		rc = LX_ERR_CONFLICT;
	else
		drop_locked(reg, up);
	pthread_mutex_unlock(&reg->mu);
	if (rc == LX_ERR_NOTFOUND)
		http_error(c, 404, "upload_not_found", "上传不存在或已过期");
	else if (rc)
		http_error(c, 409, "upload_busy", "该文件正在导入，稍后再删除");
	else
		http_reply(c, 204, NULL, NULL, 0);
}
