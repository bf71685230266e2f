/* progress_tty.c — lawexam-admin's progress line for long imports (roster hashing, bank
 * writing): "hashing first passwords: 1234/2000 (61%), about 10 s left" on stderr, redrawn
 * in place at most ten times a second, and only when stderr is a terminal — a pipe, a log
 * file or a cron mail gets nothing, so scripts see exactly the output they saw before. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "under 1 s", "42 s" or "3 min 5 s" into buf. */
static const char *fmt_secs(double s, char *buf, size_t len)
{
	long v = (long)(s + 0.5);
	if (v < 1)
		snprintf(buf, len, "under 1 s");
	else if (v < 60)
		snprintf(buf, len, "%ld s", v);
	else
		snprintf(buf, len, "%ld min %ld s", v / 60, v % 60);
	return buf;
}

static void draw(struct admin_progress *ap, uint64_t done, uint64_t total, double now)
{
	double el = now - ap->t0;
	char tail[64] = "", t[32];
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;

	if (done >= total)
		snprintf(tail, sizeof tail, ", done in %s", fmt_secs(el, t, sizeof t));
	else if (done > 0 && el >= 1.0) /* a rate from under a second of work misleads */
		snprintf(tail, sizeof tail, ", about %s left",
			 fmt_secs(el * (double)(total - done) / (double)done, t, sizeof t));
	/* \r back to the line start, \033[K clears what a longer previous line left */
	fprintf(stderr, "\r%s: %llu/%llu (%u%%)%s\033[K", ap->label, (unsigned long long)done,
		(unsigned long long)total, pct, tail);
	fflush(stderr);
	ap->shown = 1;
	ap->last = now;
}

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct admin_progress *ap = arg;
	uint64_t d = ap->base + done, t = ap->grand ? ap->grand : total;
	double now = mono_now();

	if (!ap->tty)
		return;
	if (!ap->shown || d >= t || now - ap->last >= 0.1)
		draw(ap, d, t, now);
}

void admin_progress_begin(struct admin_progress *ap, const char *label, uint64_t grand_total)
{
	memset(ap, 0, sizeof *ap);
	ap->p.fn = on_progress;
	ap->p.arg = ap;
	ap->label = label;
	ap->grand = grand_total;
	ap->tty = isatty(STDERR_FILENO);
	ap->t0 = mono_now();
}

void admin_progress_end(struct admin_progress *ap)
{
	if (ap->tty && ap->shown)
		fputc('\n', stderr); /* the last state stays on screen */
	ap->shown = 0;
}
