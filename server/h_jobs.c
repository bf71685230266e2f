/* h_jobs.c — the progress of long requests (jobs.h): the registry, and GET
 * /api/v1/admin/jobs/{id} answering {"id","kind","state","done","total","elapsed_seconds",
 * "remaining_seconds"} to the job's owner. Counters only, under one mutex: the pool thread
 * doing the work updates them after each unit (a hash, ~13 ms), a loop reads them when the
 * page polls. Finished jobs are swept after JOB_KEEP_S when a job starts. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "mem.h"
#include "routes.h"

struct job {
	struct jobs *reg;
	struct job *next;
	char id[JOB_ID_MAX + 1];
	int64_t owner;
	const char *kind;
	enum job_state state;
	uint64_t done, total;
	double started, work_started, finished; /* monotonic seconds; work: the first report */
	int held;                  /* the request still runs: never swept */
};

struct jobs {
	pthread_mutex_t mu;
	struct job *head;
	int n;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct jobs *jobs_new(void)
{
	struct jobs *reg = lx_calloc(1, sizeof *reg);
	pthread_mutex_init(&reg->mu, NULL);
	return reg;
}

void jobs_free(struct jobs *reg)
{
	if (!reg)
		return;
	while (reg->head) {
		struct job *j = reg->head;
		reg->head = j->next;
		free(j);
	}
	pthread_mutex_destroy(&reg->mu);
	free(reg);
}

int job_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < JOB_ID_MIN || n > JOB_ID_MAX)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return 0;
	return 1;
}

/* With mu held: unlinks and frees j. */
static void drop_locked(struct jobs *reg, struct job *j)
{
	for (struct job **pp = &reg->head; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			reg->n--;
			free(j);
			return;
		}
}

static struct job *find_locked(struct jobs *reg, int64_t owner, const char *id)
{
	for (struct job *j = reg->head; j; j = j->next)
		if (j->owner == owner && strcmp(j->id, id) == 0)
			return j;
	return NULL;
}

/* With mu held: drops finished jobs older than JOB_KEEP_S (all finished ones when full). */
static void sweep_locked(struct jobs *reg, double now, int all_finished)
{
	struct job *j = reg->head, *next;
	for (; j; j = next) {
		next = j->next;
		if (!j->held && (all_finished || now - j->finished > JOB_KEEP_S))
			drop_locked(reg, j);
	}
}

int job_start(struct jobs *reg, int64_t owner, const char *id, const char *kind, struct job **out)
{
	struct job *j, *old;
	double now = mono();
	int running = 0, rc = LX_OK;

	*out = NULL;
	pthread_mutex_lock(&reg->mu);
	sweep_locked(reg, now, 0);
	old = find_locked(reg, owner, id);
	if (old && old->held) {
		rc = LX_ERR_CONFLICT;
		goto out;
	}
	if (old)
		drop_locked(reg, old);
	for (j = reg->head; j; j = j->next)
		running += j->owner == owner && j->held;
	if (running >= JOB_PER_USER) {
		rc = LX_ERR_BUSY;
		goto out;
	}
	if (reg->n >= JOB_TOTAL)
		sweep_locked(reg, now, 1);
	if (reg->n >= JOB_TOTAL) {
		rc = LX_ERR_BUSY;
		goto out;
	}
	j = lx_calloc(1, sizeof *j);
	j->reg = reg;
	memcpy(j->id, id, strlen(id) + 1);
	j->owner = owner;
	j->kind = kind;
	j->state = JOB_QUEUED;
	j->started = now;
	j->held = 1;
	j->next = reg->head;
	reg->head = j;
	reg->n++;
	*out = j;
out:
	pthread_mutex_unlock(&reg->mu);
	return rc;
}

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct job *j = arg;
	pthread_mutex_lock(&j->reg->mu);
	if (j->state == JOB_QUEUED) {
		j->state = JOB_HASHING;
		j->work_started = mono();
	}
	j->done = done;
	j->total = total;
	pthread_mutex_unlock(&j->reg->mu);
}

struct lx_progress job_progress(struct job *j)
{
	return (struct lx_progress){j ? on_progress : NULL, j};
}

void job_set_state(struct job *j, enum job_state st)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->reg->mu);
	j->state = st;
	pthread_mutex_unlock(&j->reg->mu);
}

void job_finish(struct job *j, int ok)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->reg->mu);
	j->state = ok ? JOB_DONE : JOB_FAILED;
	j->held = 0;
	j->finished = mono();
	pthread_mutex_unlock(&j->reg->mu);
}

static const char *state_name(enum job_state st)
{
	static const char *const names[] = {"queued", "hashing", "writing", "done", "failed"};
	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "queued";
}

/* GET /api/v1/admin/jobs/{id}: the caller's own job. remaining_seconds is a linear estimate
 * from the work so far, null until a second of work has been seen (or when nothing is left
 * to estimate). */
void h_admin_job_get(struct hctx *c)
{
	struct jobs *reg = c->srv->jobs;
	const char *id = c->params[0];
	struct job snap, *j = NULL;
	double now = mono(), work;
	json_t *remaining = NULL;

	pthread_mutex_lock(&reg->mu);
	if (job_id_valid(id) && (j = find_locked(reg, c->user.id, id)))
		snap = *j;
	pthread_mutex_unlock(&reg->mu);
	if (!j) {
		http_error(c, 404, "job_not_found", "没有这项任务（可能尚未开始或已结束）");
		return;
	}
	work = snap.state == JOB_HASHING && snap.work_started > 0 ? now - snap.work_started : 0;
	if (snap.state == JOB_HASHING && snap.done > 0 && snap.done < snap.total && work >= 1.0)
		remaining = json_integer((json_int_t)(work * (double)(snap.total - snap.done) / (double)snap.done + 0.5));
	http_json(c, 200,
		  json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:o}", "id", snap.id, "kind", snap.kind, "state",
			    state_name(snap.state), "done", (json_int_t)snap.done, "total", (json_int_t)snap.total,
			    "elapsed_seconds", (json_int_t)((snap.held ? now : snap.finished) - snap.started),
			    "remaining_seconds", remaining ? remaining : json_null()));
}
