/* srv_tick.c — periodic duties of the main thread (see srv_tick.h): once a second, if any
 * in-progress attempt is past deadline + grace (one indexed read), a writer job submits all
 * of them. At most one such job is queued at a time. The first tick runs right after
 * start-up, so attempts that expired while the server was down are submitted at once. */
#include "srv_tick.h"

#include "clock.h"
#include "exam.h"
#include "log.h"
#include "srv.h"

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

int srv_tick_start(struct srv *s, struct lx_err *e)
{
	srv_tick(s);
	return LX_OK;
}

void srv_tick(struct srv *s)
{
	if (atomic_load(&s->autosubmit_busy))
		return;
	if (!exam_any_overdue(s->main_rd, clock_now(), s->cfg->grace_seconds))
		return;
	atomic_store(&s->autosubmit_busy, 1);
	store_writer_submit(s->writer, autosubmit_job, autosubmit_done, s);
}

void srv_tick_stop(struct srv *s)
{
}
