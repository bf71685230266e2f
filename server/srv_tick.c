/* srv_tick.c — periodic duties of the main thread (see srv_tick.h): once a second, if any
 * in-progress attempt is past deadline + grace (one indexed read), a writer job submits all
 * of them. At most one such job is queued at a time. Every LIVENESS_EVERY seconds a writer
 * job records that the server is serving (table liveness), and a graceful stop records it
 * once more. Start-up, before anything is served: every attempt that was in progress while
 * the server was not (from the last mark to now) gets the gap added to its deadline (故障补时,
 * exam_outage_credit), and only then the first tick submits what is still overdue. After the
 * writer fails (storage_unavailable), the first mark that commits credits that gap too. */
#include "srv_tick.h"

#include "clock.h"
#include "exam.h"
#include "log.h"
#include "srv.h"
#include "store.h"

#define LIVENESS_EVERY 5      /* seconds between liveness marks (SPEC: at most 10) */
#define START_MIN_GAP 2       /* a stop of 2 s or more is credited, a graceful restart too; less
				 * is a restart's own jitter of one clock second */
#define RECOVER_MIN_GAP 15    /* a failed writer: more than the marks' own jitter */
#define START_MIN_GAP_SHARED 12 /* PostgreSQL: other nodes may be marking (every 5 s) while this
				 * one restarts, so a gap up to two marks long is no outage */

static int autosubmit_job(struct store *db, void *arg, struct lx_err *e)
{
	struct srv *s = arg;
	int n = 0;
	int rc = exam_autosubmit(db, clock_now(), s->cfg->grace_seconds, &n, e);
	if (rc == LX_OK && n)
		LOG(LOG_INFO, "auto-submitted %d attempt(s) past deadline + %d s", n, s->cfg->grace_seconds);
	return rc;
}

static void autosubmit_done(int rc, const struct lx_err *e, void *arg)
{
	struct srv *s = arg;
	if (rc)
		LOG(LOG_ERROR, "auto-submit failed: %s (will retry)", e ? e->msg : "");
	atomic_store(&s->autosubmit_busy, 0);
}

static int credit(struct store *db, int min_gap, const char *why, struct lx_err *e)
{
	int n = 0;
	int64_t gap = 0;
	int rc = exam_outage_credit(db, clock_now(), min_gap, &n, &gap, e);
	if (rc == LX_OK && gap)
		LOG(LOG_WARN, "%s: not serving for %lld s; %d attempt(s) in progress got %lld s more (故障补时)", why,
		    (long long)gap, n, (long long)gap);
	return rc;
}

static int start_job(struct store *db, void *arg, struct lx_err *e)
{
	(void)arg;
	return credit(db, store_is_postgres(db) ? START_MIN_GAP_SHARED : START_MIN_GAP, "start-up", e);
}

static int liveness_job(struct store *db, void *arg, struct lx_err *e)
{
	struct srv *s = arg;
	if (atomic_load(&s->liveness_failed))
		return credit(db, RECOVER_MIN_GAP, "storage recovered", e);
	return exam_liveness_mark(db, clock_now(), e);
}

static void liveness_done(int rc, const struct lx_err *e, void *arg)
{
	struct srv *s = arg;
	if (rc)
		LOG(LOG_ERROR, "liveness mark failed: %s (the gap is credited once storage is back)", e ? e->msg : "");
	atomic_store(&s->liveness_failed, rc != LX_OK);
	atomic_store(&s->liveness_busy, 0);
}

static void stop_done(int rc, const struct lx_err *e, void *arg)
{
	if (rc)
		LOG(LOG_ERROR, "last liveness mark failed: %s", e ? e->msg : "");
}

static int stop_job(struct store *db, void *arg, struct lx_err *e)
{
	return exam_liveness_mark(db, clock_now(), e);
}

int srv_tick_start(struct srv *s, struct lx_err *e)
{
	struct store *db = NULL;
	int rc = store_open(s->cfg->db_path, 0, &db, e);
	if (rc == LX_OK)
		rc = store_run(db, start_job, s, e);
	store_close(db);
	if (rc)
		return rc;
	s->liveness_next = clock_now() + LIVENESS_EVERY;
	srv_tick(s);
	return LX_OK;
}

void srv_tick(struct srv *s)
{
	int64_t now = clock_now();
	if (now >= s->liveness_next && !atomic_load(&s->liveness_busy)) {
		/* After a failed mark, try every second: the mark that commits ends /healthz's 503. */
		s->liveness_next = now + (atomic_load(&s->liveness_failed) ? 1 : LIVENESS_EVERY);
		atomic_store(&s->liveness_busy, 1);
		store_writer_submit(s->writer, liveness_job, liveness_done, s);
	}
	if (atomic_load(&s->autosubmit_busy))
		return;
	if (!exam_any_overdue(s->main_rd, now, s->cfg->grace_seconds))
		return;
	atomic_store(&s->autosubmit_busy, 1);
	store_writer_submit(s->writer, autosubmit_job, autosubmit_done, s);
}

void srv_tick_stop(struct srv *s)
{
	if (s->writer && s->liveness_next) /* only after the start-up credit ran */
		store_writer_submit(s->writer, stop_job, stop_done, s);
}
