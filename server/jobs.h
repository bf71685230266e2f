/* jobs.h — long requests that report how far they got (h_jobs.c): a roster import hashing
 * thousands of first passwords on the hash pool takes half a minute, and the admin page
 * polls GET /api/v1/admin/jobs/{id} meanwhile to draw a bar with a count and the time left.
 * The page names the job (?job=ID on the import request, so it can poll before the import's
 * own reply arrives); a job belongs to the user who started it and nobody else sees it.
 * The registry is shared by every event loop and the pool; it holds counters only. */
#ifndef LAWEXAM_JOBS_H
#define LAWEXAM_JOBS_H

#include <stdint.h>

#include "progress.h"

#define JOB_ID_MIN 8
#define JOB_ID_MAX 64      /* [A-Za-z0-9_-] */
#define JOB_PER_USER 4     /* running jobs per user */
#define JOB_TOTAL 64       /* jobs held in all, running or recently finished */
#define JOB_KEEP_S 120     /* a finished job is still answered for two minutes */

enum job_state { JOB_QUEUED = 0, JOB_HASHING, JOB_WRITING, JOB_DONE, JOB_FAILED };

struct jobs;
struct job;

/* The registry; free with jobs_free() once no request can touch it (after the loops). */
struct jobs *jobs_new(void);
void jobs_free(struct jobs *reg);

/* 1 if id is a well-formed job id. */
int job_id_valid(const char *id);
/* Starts owner's job id of kind (a static string, "staff_import"): LX_OK and *out (held by
 * the caller until job_finish), LX_ERR_CONFLICT if owner's job of that id is still running,
 * LX_ERR_BUSY if owner already runs JOB_PER_USER jobs or the registry is full of running
 * ones. A finished job of the same id is replaced. */
int job_start(struct jobs *reg, int64_t owner, const char *id, const char *kind, struct job **out);
/* The job's progress callback (hand it to the worker; any thread). */
struct lx_progress job_progress(struct job *j);
void job_set_state(struct job *j, enum job_state st);
/* Ends the caller's hold: done (ok) or failed. NULL is ignored. */
void job_finish(struct job *j, int ok);

#endif
