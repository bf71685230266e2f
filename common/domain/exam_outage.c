/* exam_outage.c — outage credit (故障补时, SPEC §12): the server's liveness mark, and moving
 * the deadline of every attempt that was in progress while the server was not serving. Runs
 * on the writer's connection (a writer job or store_run). When to call it is the server's
 * business (srv_tick.c): at start-up, and after the writer recovers from failing. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "exam_int.h"
#include "mem.h"
#include "store_accounts.h"
#include "store_exams.h"

struct ids {
	int64_t *v;
	size_t n;
};

static void ids_cb(void *ctx, int64_t id)
{
	struct ids *l = ctx;
	l->v = lx_realloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = id;
}

int exam_liveness_mark(struct store *db, int64_t now, struct lx_err *e)
{
	return store_liveness_set(db, now, e);
}

int exam_outage_credit(struct store *db, int64_t now, int min_gap, int *count, int64_t *gap, struct lx_err *e)
{
	struct ids ids = {0};
	int64_t last = 0;
	char t1[48], t2[48], detail[200];
	int rc = store_liveness_get(db, &last, e);
	*count = 0;
	*gap = 0;
	if (rc == LX_OK && last > 0 && now - last >= min_gap) {
		*gap = now - last;
		/* In progress when the server was last seen serving: the deadline was still ahead.
		 * An attempt already past its deadline then lost nothing and is not revived. */
		rc = store_open_attempts_after(db, last, ids_cb, &ids, e);
		for (size_t i = 0; rc == LX_OK && i < ids.n; i++) {
			rc = store_attempt_credit(db, ids.v[i], (int)*gap, "outage", now, e);
			if (rc == LX_OK) {
				snprintf(detail, sizeof detail, "attempt=%lld seconds=%lld from=%s to=%s",
					 (long long)ids.v[i], (long long)*gap, rfc3339_format(last, t1, sizeof t1),
					 rfc3339_format(now, t2, sizeof t2));
				rc = store_audit(db, now, "lawexamd", "outage_credit", detail, "", e);
			}
			if (rc == LX_OK)
				(*count)++;
		}
	}
	if (rc == LX_OK)
		rc = store_liveness_set(db, now, e);
	free(ids.v);
	return rc;
}
