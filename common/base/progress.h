/* progress.h — how long-running work (hashing a roster's first passwords, writing a bank)
 * tells its caller how far it got: a callback and its argument. The worker calls it after
 * each unit of work, from whichever thread did it, but never twice at once for one progress
 * (pw_hash_many calls it under its own lock); the callback must be quick and decides what to
 * show. Showing is the caller's business: a terminal line (lawexam-admin), a job record the
 * admin page polls (lawexamd). A NULL progress, or a NULL fn, reports nothing. */
#ifndef LAWEXAM_PROGRESS_H
#define LAWEXAM_PROGRESS_H

#include <stdint.h>

struct lx_progress {
	void (*fn)(void *arg, uint64_t done, uint64_t total);
	void *arg;
};

static inline void lx_progress_report(const struct lx_progress *p, uint64_t done, uint64_t total)
{
	if (p && p->fn)
		p->fn(p->arg, done, total);
}

#endif
