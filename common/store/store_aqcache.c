/* store_aqcache.c — a connection's cache of attempts' positions (type and option order).
 *
 * A save checks each answer against its position's type and displayed option order
 * (store_aq_get). Those come from attempt_questions joined with question_versions.type, and
 * neither changes once the attempt's start has committed: attempt_questions rows are only ever
 * inserted, and a key edit changes a version's answer, never its type. So the writer may keep
 * them: on PostgreSQL each lookup is a round trip on the one writer thread, a quarter of a
 * save's (docs/benchmarks.md, "What bounds it"). The first lookup of an attempt loads all its
 * positions in one statement; later ones cost none.
 *
 * The one way a cached row can be wrong is a transaction that read rows it had itself
 * inserted and then rolled back (the id may then be given to another attempt). So entries
 * loaded inside a transaction are "pending" until it commits, and dropped by any rollback,
 * whole or to a savepoint. The cache is bounded (AQC_MAX_BYTES); when full it starts over. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_limits.h"
#include "mem.h"

#define AQC_BUCKETS 16384                  /* a power of two */
#define AQC_MAX_BYTES (32u * 1024u * 1024u) /* about 30,000 attempts of 45 questions */

struct aqc_pos {
	char type[16];
	char perm[LX_MAX_OPTIONS + 1];
};

struct aqc_entry {
	int64_t attempt_id;
	int n;               /* positions 1..n; pos[0] unused */
	int pending;         /* loaded inside the open transaction */
	struct aqc_entry *next;
	struct aqc_pos pos[]; /* n + 1 */
};

struct aq_cache {
	struct aqc_entry *bucket[AQC_BUCKETS];
	size_t bytes;
	size_t npending;     /* entries with pending set */
};

static size_t bucket_of(int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 50) & (AQC_BUCKETS - 1);
}

static void clear_all(struct aq_cache *c)
{
	for (size_t b = 0; b < AQC_BUCKETS; b++) {
		struct aqc_entry *x = c->bucket[b];
		while (x) {
			struct aqc_entry *next = x->next;
			free(x);
			x = next;
		}
		c->bucket[b] = NULL;
	}
	c->bytes = 0;
	c->npending = 0;
}

void store_aqc_free(struct store *db)
{
	if (!db->aqc)
		return;
	clear_all(db->aqc);
	free(db->aqc);
	db->aqc = NULL;
}

/* Pending entries become permanent (committed) or are dropped (rolled back). */
void store_aqc_tx_end(struct store *db, int committed)
{
	struct aq_cache *c = db->aqc;
	if (!c || !c->npending)
		return;
	for (size_t b = 0; b < AQC_BUCKETS && c->npending; b++) {
		struct aqc_entry **p = &c->bucket[b];
		while (*p) {
			struct aqc_entry *x = *p;
			if (!x->pending) {
				p = &x->next;
				continue;
			}
			c->npending--;
			if (committed) {
				x->pending = 0;
				p = &x->next;
			} else {
				*p = x->next;
				c->bytes -= sizeof *x + (size_t)(x->n + 1) * sizeof x->pos[0];
				free(x);
			}
		}
	}
}

static struct aqc_entry *find(struct aq_cache *c, int64_t id)
{
	for (struct aqc_entry *x = c->bucket[bucket_of(id)]; x; x = x->next)
		if (x->attempt_id == id)
			return x;
	return NULL;
}

struct load {
	struct aqc_pos *pos; /* grows; index = position */
	int n, cap;
};

/* Loads attempt_id's positions; LX_ERR_NOTFOUND when it has none. */
static int load(struct store *db, int64_t attempt_id, struct load *l, struct lx_err *e)
{
	STMT(st, "SELECT aq.position, v.type, aq.perm FROM attempt_questions aq"
		 " JOIN question_versions v ON v.id = aq.version_id WHERE aq.attempt_id = ?1");
	int src, rc = LX_OK;
	st_bind_int(st, 1, attempt_id);
	while ((src = st_step(st)) == ST_ROW) {
		int64_t p = col_int(st, 0);
		if (p < 1 || p > LX_MAX_POSITIONS)
			continue;
		if (p >= l->cap) {
			int cap = l->cap ? l->cap : 64;
			while (cap <= p)
				cap *= 2;
			l->pos = lx_realloc(l->pos, (size_t)cap * sizeof *l->pos);
			memset(l->pos + l->cap, 0, (size_t)(cap - l->cap) * sizeof *l->pos);
			l->cap = cap;
		}
		snprintf(l->pos[p].type, sizeof l->pos[p].type, "%s", col_text(st, 1));
		snprintf(l->pos[p].perm, sizeof l->pos[p].perm, "%s", col_text(st, 2));
		if (p > l->n)
			l->n = (int)p;
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, "attempt questions");
	else if (l->n == 0)
		rc = LX_ERR_NOTFOUND;
	st_reset(st);
	return rc;
}

int store_aqc_lookup(struct store *db, int64_t attempt_id, int position, char *type, size_t typelen, char *perm,
		     size_t permlen, struct lx_err *e)
{
	struct aq_cache *c = db->aqc;
	struct aqc_entry *x;

	if (!c)
		c = db->aqc = lx_calloc(1, sizeof *c);
	x = find(c, attempt_id);
	if (!x) {
		struct load l = {0};
		int rc = load(db, attempt_id, &l, e);
		size_t size;
		if (rc) {
			free(l.pos);
			return rc;
		}
		size = sizeof *x + (size_t)(l.n + 1) * sizeof x->pos[0];
		if (c->bytes + size > AQC_MAX_BYTES)
			clear_all(c);
		x = lx_malloc(size);
		x->attempt_id = attempt_id;
		x->n = l.n;
		x->pending = db->drv->in_tx(db);
		memcpy(x->pos, l.pos, (size_t)(l.n + 1) * sizeof x->pos[0]);
		free(l.pos);
		x->next = c->bucket[bucket_of(attempt_id)];
		c->bucket[bucket_of(attempt_id)] = x;
		c->bytes += size;
		c->npending += (size_t)x->pending;
	}
	if (position < 1 || position > x->n || !x->pos[position].type[0])
		return LX_ERR_NOTFOUND;
	snprintf(type, typelen, "%s", x->pos[position].type);
	snprintf(perm, permlen, "%s", x->pos[position].perm);
	return LX_OK;
}
