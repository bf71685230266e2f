/* loadgen.c — lawexam's load generator: N simulated examinees, one keep-alive HTTPS
 * connection each, driving the real API (log in, start, save with seq, submit) phase by
 * phase or as a whole exam day, then verifying against the server that every
 * acknowledged save is stored and every attempt graded. Also: a constant-GET mode (for the
 * nginx ceiling and /healthz) and an argon2id hash benchmark (the login ceiling).
 * Does not prepare databases or start servers: tools/bench/run does. */
#include <argon2.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <arpa/inet.h>

#include "lg_http.h"
#include "pw.h"

/* --- options -------------------------------------------------------------------- */

struct opts {
	const char *host;
	int port;
	const char *phases;
	int n;
	const char *login_prefix;
	int login_digits;
	int first;
	const char *password;
	const char *sessions_in, *sessions_out;
	const char *exam;
	int threads;
	int conns;
	int timeout_s;
	int source_addrs;
	double duration;
	int save_interval_ms;
	int batch;
	double window;
	const char *path;
	const char *probe;
	int probe_interval_ms;
	double login_window, start_window, save_duration, submit_window;
	int json;
	int no_verify;
	int hash_bench;
	int argon2_m, argon2_t, argon2_p;
	const char *make_hash;
	const char *json_out;
	int practicers;            /* day: the last K of -n practise instead of taking the exam */
	const char *practice_bank;
	int practice_interval_ms;
};

enum otype { O_STR, O_INT, O_DBL, O_FLAG };
#define OFF(f) offsetof(struct opts, f)
static const struct {
	const char *name;
	enum otype type;
	size_t off;
	const char *help;
} optab[] = {
	{"--host", O_STR, OFF(host), "server address (default 127.0.0.1; loopback only)"},
	{"--port", O_INT, OFF(port), "server port (required for load)"},
	{"--phase", O_STR, OFF(phases), "comma list of connect,login,start,save,submit — or day, or get (default day)"},
	{"-n", O_INT, OFF(n), "examinees = connections (default 10)"},
	{"--login-prefix", O_STR, OFF(login_prefix), "logins are PREFIX + zero-padded number (default lg)"},
	{"--login-digits", O_INT, OFF(login_digits), "digits of that number (default 6)"},
	{"--first", O_INT, OFF(first), "number of the first login (default 1)"},
	{"--password", O_STR, OFF(password), "every examinee's password (default Passw0rd!lg)"},
	{"--sessions", O_STR, OFF(sessions_in), "reuse sessions: FILE of 'login token csrf' lines (skips login)"},
	{"--save-sessions", O_STR, OFF(sessions_out), "after logging in, write the sessions to FILE"},
	{"--exam", O_STR, OFF(exam), "exam code (default bench)"},
	{"--threads", O_INT, OFF(threads), "client event-loop threads (default 1)"},
	{"--conns", O_INT, OFF(conns), "connections, shared round-robin by the examinees (default -n: one each)"},
	{"--timeout", O_INT, OFF(timeout_s), "seconds to wait for one answer (default 300)"},
	{"--source-addrs", O_INT, OFF(source_addrs), "spread connections over 127.0.0.1..K (default: 1 per 20,000)"},
	{"--duration", O_DBL, OFF(duration), "seconds of the save and get phases (default 10)"},
	{"--save-interval-ms", O_INT, OFF(save_interval_ms), "each examinee saves every MS (0 = back to back; default 0, day 10000)"},
	{"--batch", O_INT, OFF(batch), "answers per save (default 1)"},
	{"--window", O_DBL, OFF(window), "spread login/start/submit phase requests over S seconds (default 0: all at once)"},
	{"--path", O_STR, OFF(path), "path of the get phase (default /healthz)"},
	{"--probe", O_STR, OFF(probe), "also GET this path on one extra connection during each phase"},
	{"--probe-interval-ms", O_INT, OFF(probe_interval_ms), "probe period; latency counts from the scheduled time (default 200)"},
	{"--login-window", O_DBL, OFF(login_window), "day: logins spread over S seconds (default 300)"},
	{"--start-window", O_DBL, OFF(start_window), "day: starts spread over S seconds after that (default 60)"},
	{"--save-duration", O_DBL, OFF(save_duration), "day: saving lasts S seconds after the start window (default 600)"},
	{"--submit-window", O_DBL, OFF(submit_window), "day: submits spread over the last S seconds (default 60)"},
	{"--json", O_FLAG, OFF(json), "print the results as JSON"},
	{"--json-out", O_STR, OFF(json_out), "also write the JSON results to FILE"},
	{"--no-verify", O_FLAG, OFF(no_verify), "skip the verification pass"},
	{"--hash-bench", O_FLAG, OFF(hash_bench), "measure argon2id hashes/s on --threads threads for --duration s (lawexamd's pw_verify)"},
	{"--argon2-m", O_INT, OFF(argon2_m), "argon2id memory KiB (default 19456)"},
	{"--argon2-t", O_INT, OFF(argon2_t), "argon2id iterations (default 2)"},
	{"--argon2-p", O_INT, OFF(argon2_p), "argon2id lanes (default 1)"},
	{"--make-hash", O_STR, OFF(make_hash), "print the argon2id encoding of PASSWORD with these parameters"},
	{"--practicers", O_INT, OFF(practicers), "day: the last K of -n practise (学法练习) instead of taking the exam (default 0)"},
	{"--practice-bank", O_STR, OFF(practice_bank), "bank the practicers practise (default constitution)"},
	{"--practice-interval-ms", O_INT, OFF(practice_interval_ms), "each practicer answers every MS (default 5000)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: loadgen --port PORT [options]\n"
		   "       loadgen --hash-bench [--threads T] [--duration S] [--argon2-m KiB --argon2-t N]\n"
		   "       loadgen --make-hash PASSWORD [--argon2-m KiB --argon2-t N]\n\n"
		   "Simulates examinees against lawexamd over keep-alive HTTPS and verifies afterwards\n"
		   "that every acknowledged save is stored. Exit 0: no errors and nothing lost;\n"
		   "1: errors or lost data; 2: usage.\n\noptions:\n");
	for (size_t i = 0; i < sizeof optab / sizeof optab[0]; i++)
		fprintf(f, "  %-20s %s\n", optab[i].name, optab[i].help);
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->host = "127.0.0.1";
	o->phases = "day";
	o->n = 10;
	o->login_prefix = "lg";
	o->login_digits = 6;
	o->first = 1;
	o->password = "Passw0rd!lg";
	o->exam = "bench";
	o->threads = 1;
	o->timeout_s = 300;
	o->duration = 10;
	o->save_interval_ms = -1;
	o->batch = 1;
	o->path = "/healthz";
	o->probe_interval_ms = 200;
	o->login_window = 300;
	o->start_window = 60;
	o->save_duration = 600;
	o->submit_window = 60;
	o->argon2_m = 19456;
	o->argon2_t = 2;
	o->argon2_p = 1;
	o->practice_bank = "constitution";
	o->practice_interval_ms = 5000;
	for (int i = 1; i < argc; i++) {
		size_t k, nopt = sizeof optab / sizeof optab[0];
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		for (k = 0; k < nopt && strcmp(optab[k].name, argv[i]) != 0; k++)
			;
		if (k == nopt) {
			fprintf(stderr, "loadgen: unknown option %s (see --help)\n", argv[i]);
			return -1;
		}
		char *field = (char *)o + optab[k].off;
		if (optab[k].type == O_FLAG) {
			*(int *)field = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "loadgen: %s needs a value\n", argv[i]);
			return -1;
		}
		const char *v = argv[++i];
		char *end;
		errno = 0;
		if (optab[k].type == O_STR) {
			*(const char **)field = v;
		} else if (optab[k].type == O_INT) {
			long x = strtol(v, &end, 10);
			if (errno || *end || end == v || x < 0 || x > 100000000) {
				fprintf(stderr, "loadgen: %s wants a non-negative integer, got '%s'\n", argv[i - 1], v);
				return -1;
			}
			*(int *)field = (int)x;
		} else {
			double x = strtod(v, &end);
			if (errno || *end || end == v || x < 0) {
				fprintf(stderr, "loadgen: %s wants a non-negative number, got '%s'\n", argv[i - 1], v);
				return -1;
			}
			*(double *)field = x;
		}
	}
	if (o->threads < 1 || o->threads > 64 || o->batch < 1 || o->batch > 50 || o->n < 1 || o->practicers > o->n ||
	    o->practice_interval_ms < 1) {
		fprintf(stderr, "loadgen: --threads 1..64, --batch 1..50, -n >= 1, --practicers <= -n, --practice-interval-ms >= 1\n");
		return -1;
	}
	return 0;
}

/* --- examinees ------------------------------------------------------------------ */

struct question {
	char keys[12];   /* displayed option keys, e.g. "ABCD" or "TF" */
	char type;       /* 's' single, 'm' multiple, 'j' judge */
};

struct answer {
	char acked[12];
	long long acked_seq;
	long long unacked_seq; /* highest seq sent whose answer never came */
};

struct save_ctx {
	int pos[50];
	char resp[50][12];
	long long seq[50];
	int n;
	int in_sw; /* sent during the day's start window: also counted as save_sw */
};

enum stage { ST_IDLE, ST_LOGIN, ST_START, ST_SAVE, ST_SUBMIT, ST_DONE };

struct lg;
struct examinee {
	struct lg *g;
	struct lg_thread *t;
	int idx;
	char login[48];
	char token[96], csrf[96];
	char hdr[320];   /* Cookie + X-CSRF-Token lines */
	long long attempt;
	int nq;
	struct question *q;
	struct answer *a; /* by position, 1..nq */
	long long seq;
	uint64_t rng;
	struct lg_conn *conn;
	struct event *timer;
	enum stage stage;
	int failed, submitted, graded;
	int64_t next_save, save_end, submit_at, start_at;
	struct save_ctx cur; /* the save in flight */
	/* a practicer (--practicers): its practice set (questions in q[1..nq]) and next position */
	int practicer;
	long long pset;
	int ppos;
	int64_t pnext;
	long long p_answered, p_sets;
};

struct lg {
	struct opts o;
	struct lg_thread *th;
	struct examinee *ex;
	struct lg_conn *conns;
	int n, nconns;
	atomic_int remaining;
	const char *phase;
	int64_t t0, end;      /* phase start and (save/get) end, monotonic µs */
	int64_t start_end;    /* day: end of the start window */
	/* probe */
	struct lg_conn probe;
	struct event *probe_timer;
	int64_t probe_next;
	int probe_on;
	/* verification */
	atomic_long v_attempts, v_checked, v_lost, v_uncertain, v_submitted, v_graded, v_failed;
	json_t *out_phases;
	int any_error;
};

static uint64_t rnd(struct examinee *e)
{
	uint64_t x = e->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return e->rng = x;
}

/* A well-spread fraction in [0,1) for examinee i (golden-ratio sequence). */
static double spread(int i, double salt)
{
	double f = fmod((i + 0.5) * 0.6180339887498949 + salt, 1.0);
	return f < 0 ? f + 1 : f;
}

static void ex_finish(struct examinee *e)
{
	struct lg *g = e->g;
	e->stage = ST_DONE;
	if (atomic_fetch_sub(&g->remaining, 1) == 1)
		for (int i = 0; i < g->o.threads; i++)
			event_base_loopbreak(g->th[i].base);
}

static void ex_at(struct examinee *e, int64_t when_us, void (*fn)(evutil_socket_t, short, void *))
{
	int64_t d = when_us - lg_now_us();
	struct timeval tv;
	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000000;
	tv.tv_usec = d % 1000000;
	if (e->timer)
		event_free(e->timer);
	e->timer = evtimer_new(e->t->base, fn, e);
	evtimer_add(e->timer, &tv);
}

static void set_auth(struct examinee *e)
{
	snprintf(e->hdr, sizeof e->hdr, "Cookie: lawexam_session=%s\r\nX-CSRF-Token: %s\r\n", e->token, e->csrf);
}

/* day: what comes after each step */
static void day_next(struct examinee *e);

static int is_day(struct lg *g) { return strcmp(g->phase, "day") == 0; }

/* --- login ---------------------------------------------------------------------- */

static void login_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	json_t *j = NULL;
	const char *csrf = NULL;
	if (status == 200 && (j = json_loads(body, 0, NULL)) != NULL)
		csrf = json_string_value(json_object_get(j, "csrf_token"));
	if (status == 200 && csrf && c->set_cookie[0]) {
		snprintf(e->token, sizeof e->token, "%s", c->set_cookie);
		snprintf(e->csrf, sizeof e->csrf, "%s", csrf);
		set_auth(e);
	} else {
		e->failed = 1;
	}
	json_decref(j);
	if (is_day(e->g) && !e->failed)
		day_next(e);
	else
		ex_finish(e);
}

static void login_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	char body[400];
	json_t *j = json_pack("{s:s,s:s}", "login", e->login, "password", e->g->o.password);
	char *s = json_dumps(j, JSON_COMPACT);
	snprintf(body, sizeof body, "%s", s);
	free(s);
	json_decref(j);
	e->stage = ST_LOGIN;
	e->conn->set_cookie[0] = '\0';
	lg_send(e->conn, K_LOGIN, "POST", "/api/v1/login", NULL, body, 1, login_done, e);
}

/* --- start ---------------------------------------------------------------------- */

static void start_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	json_t *j = NULL, *qs, *q;
	size_t i;
	if ((status == 200 || status == 201) && (j = json_loads(body, 0, NULL)) != NULL &&
	    json_is_integer(json_object_get(j, "id")) && json_is_array(qs = json_object_get(j, "questions"))) {
		int maxpos = 0;
		e->attempt = (long long)json_integer_value(json_object_get(j, "id"));
		json_array_foreach(qs, i, q) {
			int p = (int)json_integer_value(json_object_get(q, "position"));
			if (p > maxpos)
				maxpos = p;
		}
		free(e->q);
		free(e->a);
		e->nq = maxpos;
		e->q = calloc((size_t)maxpos + 1, sizeof *e->q);
		e->a = calloc((size_t)maxpos + 1, sizeof *e->a);
		if (!e->q || !e->a)
			abort();
		json_array_foreach(qs, i, q) {
			int p = (int)json_integer_value(json_object_get(q, "position"));
			const char *type = json_string_value(json_object_get(q, "type"));
			json_t *opts = json_object_get(q, "options"), *o;
			size_t k, n = 0;
			if (p < 1 || !type)
				continue;
			e->q[p].type = type[0] == 'm' ? 'm' : type[0] == 'j' ? 'j' : 's';
			json_array_foreach(opts, k, o) {
				const char *key = json_string_value(json_object_get(o, "key"));
				if (key && n + 1 < sizeof e->q[p].keys)
					e->q[p].keys[n++] = key[0];
			}
		}
	} else {
		e->failed = 1;
	}
	json_decref(j);
	if (is_day(e->g) && !e->failed)
		day_next(e);
	else
		ex_finish(e);
}

static void start_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	char path[160];
	if (!e->token[0]) {
		e->failed = 1;
		ex_finish(e);
		return;
	}
	snprintf(path, sizeof path, "/api/v1/exams/%s/attempts", e->g->o.exam);
	e->stage = ST_START;
	lg_send(e->conn, K_START, "POST", path, e->hdr, NULL, 1, start_done, e);
}

/* --- save ----------------------------------------------------------------------- */

static void pick_response(struct examinee *e, int p, char *out)
{
	struct question *q = &e->q[p];
	size_t nk = strlen(q->keys);
	if (nk == 0) {
		snprintf(out, 12, "%s", "A");
		return;
	}
	if (q->type == 'm' && nk >= 2) {
		size_t a = (size_t)(rnd(e) % nk), b = (size_t)(rnd(e) % (nk - 1));
		if (b >= a)
			b++;
		if (a > b) {
			size_t t = a;
			a = b;
			b = t;
		}
		out[0] = q->keys[a];
		out[1] = q->keys[b];
		out[2] = '\0';
	} else {
		out[0] = q->keys[rnd(e) % nk];
		out[1] = '\0';
	}
}

static void save_go(evutil_socket_t fd, short what, void *arg);
static void submit_go(evutil_socket_t fd, short what, void *arg);

static int64_t save_interval_us(struct lg *g)
{
	int ms = g->o.save_interval_ms;
	if (ms < 0)
		ms = is_day(g) ? 10000 : 0;
	return (int64_t)ms * 1000;
}

/* After a save: the next one, or the end of saving (submit in the day, done otherwise). */
static void save_next(struct examinee *e)
{
	struct lg *g = e->g;
	int64_t iv = save_interval_us(g), now = lg_now_us();
	e->next_save = iv ? e->next_save + iv : now;
	if (e->next_save < now)
		e->next_save = now;
	if (e->next_save >= e->save_end) {
		if (is_day(g))
			ex_at(e, e->submit_at, submit_go);
		else
			ex_finish(e);
		return;
	}
	if (e->next_save <= now)
		save_go(-1, 0, e);
	else
		ex_at(e, e->next_save, save_go);
}

static void save_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	struct save_ctx *s = &e->cur;
	if (s->in_sw) { /* the same answer again, in the start-window subset */
		struct lg_stats *sw = &e->t->stats[K_SAVE_SW];
		int64_t now = lg_now_us();
		lg_hist_add(&sw->h, (uint64_t)(now - c->t0));
		sw->status[status >= 0 && status < LG_NSTATUS ? status : LG_ST_PROTO]++;
		if (!sw->first_us || c->t0 < sw->first_us)
			sw->first_us = c->t0;
		if (now > sw->last_us)
			sw->last_us = now;
	}
	for (int i = 0; i < s->n; i++) {
		struct answer *a = &e->a[s->pos[i]];
		if (status == 200) {
			if (s->seq[i] > a->acked_seq) {
				a->acked_seq = s->seq[i];
				memcpy(a->acked, s->resp[i], sizeof a->acked);
			}
		} else if (s->seq[i] > a->unacked_seq) {
			a->unacked_seq = s->seq[i];
		}
	}
	save_next(e);
}

static void save_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	struct save_ctx *s = &e->cur;
	char body[50 * 64 + 32], path[96];
	size_t off;
	int want = e->g->o.batch < e->nq ? e->g->o.batch : e->nq;

	if (!e->attempt || e->nq < 1) {
		e->failed = 1;
		ex_finish(e);
		return;
	}
	e->stage = ST_SAVE;
	s->n = 0;
	while (s->n < want) {
		int p = 1 + (int)(rnd(e) % (uint64_t)e->nq), dup = 0;
		for (int i = 0; i < s->n; i++)
			dup |= s->pos[i] == p;
		if (dup)
			continue;
		s->pos[s->n] = p;
		pick_response(e, p, s->resp[s->n]);
		s->seq[s->n] = ++e->seq;
		s->n++;
	}
	off = (size_t)snprintf(body, sizeof body, "{\"answers\":[");
	for (int i = 0; i < s->n; i++)
		off += (size_t)snprintf(body + off, sizeof body - off, "%s{\"position\":%d,\"response\":\"%s\",\"seq\":%lld}",
					i ? "," : "", s->pos[i], s->resp[i], s->seq[i]);
	snprintf(body + off, sizeof body - off, "]}");
	snprintf(path, sizeof path, "/api/v1/attempts/%lld/answers", e->attempt);
	s->in_sw = is_day(e->g) && lg_now_us() < e->g->start_end;
	lg_send(e->conn, K_SAVE, "PUT", path, e->hdr, body, 0, save_done, e);
}

/* --- submit --------------------------------------------------------------------- */

static void submit_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	json_t *j = NULL;
	if (status == 200 && (j = json_loads(body, 0, NULL)) != NULL) {
		const char *st = json_string_value(json_object_get(j, "status"));
		e->submitted = st && strcmp(st, "submitted") == 0;
		e->graded = json_is_object(json_object_get(j, "result"));
	}
	json_decref(j);
	ex_finish(e);
}

static void submit_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	char path[96];
	if (!e->attempt) {
		e->failed = 1;
		ex_finish(e);
		return;
	}
	e->stage = ST_SUBMIT;
	snprintf(path, sizeof path, "/api/v1/attempts/%lld/submit", e->attempt);
	lg_send(e->conn, K_SUBMIT, "POST", path, e->hdr, NULL, 1, submit_done, e);
}

/* --- verify --------------------------------------------------------------------- */

static void verify_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	struct lg *g = e->g;
	json_t *j = NULL, *ans;
	if (status != 200 || !(j = json_loads(body, 0, NULL)) || !json_is_object(ans = json_object_get(j, "answers"))) {
		atomic_fetch_add(&g->v_failed, 1);
		json_decref(j);
		ex_finish(e);
		return;
	}
	atomic_fetch_add(&g->v_attempts, 1);
	for (int p = 1; p <= e->nq; p++) {
		struct answer *a = &e->a[p];
		char k[16];
		const char *stored;
		if (!a->acked_seq)
			continue;
		if (a->unacked_seq > a->acked_seq) {
			atomic_fetch_add(&g->v_uncertain, 1);
			continue;
		}
		snprintf(k, sizeof k, "%d", p);
		stored = json_string_value(json_object_get(ans, k));
		if (stored && strcmp(stored, a->acked) == 0) {
			atomic_fetch_add(&g->v_checked, 1);
		} else {
			atomic_fetch_add(&g->v_lost, 1);
			fprintf(stderr, "loadgen: LOST: %s attempt %lld position %d: acknowledged \"%s\" (seq %lld), stored \"%s\"\n",
				e->login, e->attempt, p, a->acked, a->acked_seq, stored ? stored : "(none)");
		}
	}
	{
		const char *st = json_string_value(json_object_get(j, "status"));
		int sub = st && strcmp(st, "submitted") == 0;
		if (sub)
			atomic_fetch_add(&g->v_submitted, 1);
		if (sub && json_is_object(json_object_get(j, "result")))
			atomic_fetch_add(&g->v_graded, 1);
		if (e->submitted && !sub) {
			atomic_fetch_add(&g->v_lost, 1);
			fprintf(stderr, "loadgen: LOST: %s attempt %lld: submit acknowledged, status %s\n", e->login,
				e->attempt, st ? st : "?");
		}
	}
	json_decref(j);
	ex_finish(e);
}

static void verify_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	char path[96];
	snprintf(path, sizeof path, "/api/v1/attempts/%lld", e->attempt);
	lg_send(e->conn, K_VERIFY, "GET", path, e->hdr, NULL, 1, verify_done, e);
}

/* --- get (constant-response ceiling) -------------------------------------------- */

static void get_go(evutil_socket_t fd, short what, void *arg);

static void get_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	if (lg_now_us() >= e->g->end)
		ex_finish(e);
	else
		get_go(-1, 0, e);
}

static void connect_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	ex_finish(arg);
}

/* connect: one GET on each connection, so the next phase runs on established TLS sessions. */
static void connect_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	lg_send(e->conn, K_GET, "GET", e->g->o.path, NULL, NULL, 0, connect_done, e);
}

static void get_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	lg_send(e->conn, K_GET, "GET", e->g->o.path, NULL, NULL, 0, get_done, e);
}

/* --- probe ---------------------------------------------------------------------- */

static void probe_fire(evutil_socket_t fd, short what, void *arg);

static void probe_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct lg *g = arg;
	struct timeval tv;
	int64_t d;
	if (!g->probe_on)
		return;
	g->probe_next += (int64_t)g->o.probe_interval_ms * 1000;
	d = g->probe_next - lg_now_us();
	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000000;
	tv.tv_usec = d % 1000000;
	evtimer_add(g->probe_timer, &tv);
}

static void probe_fire(evutil_socket_t fd, short what, void *arg)
{
	struct lg *g = arg;
	if (!g->probe_on)
		return;
	lg_send(&g->probe, K_PROBE, "GET", g->o.probe, NULL, NULL, 0, probe_done, g);
	/* latency from the scheduled time: a stalled server is not hidden by a late send */
	if (g->probe_next && g->probe_next < g->probe.t0)
		g->probe.t0 = g->probe_next;
}

/* --- practice (学法练习, SPEC §13): a practicer makes a set of 100 random questions and
 * answers one every --practice-interval-ms, a new set when one is done, until the day's end */

static void pset_go(evutil_socket_t fd, short what, void *arg);
static void panswer_go(evutil_socket_t fd, short what, void *arg);

static void practice_next(struct examinee *e)
{
	int64_t now = lg_now_us();
	e->pnext += (int64_t)e->g->o.practice_interval_ms * 1000;
	if (e->pnext < now)
		e->pnext = now;
	if (e->pnext >= e->save_end) {
		ex_finish(e);
		return;
	}
	ex_at(e, e->pnext, e->ppos > e->nq ? pset_go : panswer_go);
}

static void pset_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	json_t *j = NULL, *qs, *q;
	size_t i;
	if (status == 201 && (j = json_loads(body, 0, NULL)) != NULL && json_is_integer(json_object_get(j, "id")) &&
	    json_is_array(qs = json_object_get(j, "questions")) && json_array_size(qs) > 0) {
		e->pset = (long long)json_integer_value(json_object_get(j, "id"));
		free(e->q);
		e->nq = (int)json_array_size(qs);
		e->q = calloc((size_t)e->nq + 1, sizeof *e->q);
		if (!e->q)
			abort();
		json_array_foreach(qs, i, q) {
			const char *type = json_string_value(json_object_get(q, "type"));
			json_t *opts = json_object_get(q, "options"), *o;
			size_t k, n = 0;
			int p = (int)i + 1;
			e->q[p].type = type && type[0] == 'm' ? 'm' : type && type[0] == 'j' ? 'j' : 's';
			json_array_foreach(opts, k, o) {
				const char *key = json_string_value(json_object_get(o, "key"));
				if (key && n + 1 < sizeof e->q[p].keys)
					e->q[p].keys[n++] = key[0];
			}
		}
		e->ppos = 1;
		e->p_sets++;
	} else {
		e->failed = 1;
	}
	json_decref(j);
	if (e->failed)
		ex_finish(e);
	else
		practice_next(e);
}

static void pset_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	char body[160];
	if (!e->token[0]) {
		e->failed = 1;
		ex_finish(e);
		return;
	}
	snprintf(body, sizeof body, "{\"bank\":\"%s\",\"count\":100,\"mode\":\"random\"}", e->g->o.practice_bank);
	e->stage = ST_START;
	lg_send(e->conn, K_PSET, "POST", "/api/v1/practice", e->hdr, body, 1, pset_done, e);
}

static void panswer_done(struct lg_conn *c, int status, const char *body, size_t len, void *arg)
{
	struct examinee *e = arg;
	if (status == 200)
		e->p_answered++;
	e->ppos++;
	practice_next(e);
}

static void panswer_go(evutil_socket_t fd, short what, void *arg)
{
	struct examinee *e = arg;
	char body[64], path[96], resp[12];
	pick_response(e, e->ppos, resp);
	snprintf(body, sizeof body, "{\"response\":\"%s\"}", resp);
	snprintf(path, sizeof path, "/api/v1/practice/%lld/answers/%d", e->pset, e->ppos);
	e->stage = ST_SAVE;
	lg_send(e->conn, K_PANSWER, "PUT", path, e->hdr, body, 0, panswer_done, e);
}

/* --- day ------------------------------------------------------------------------ */

static void day_next(struct examinee *e)
{
	struct lg *g = e->g;
	if (e->stage == ST_LOGIN && e->practicer) {
		e->pnext = e->start_at;
		ex_at(e, e->start_at, pset_go);
	} else if (e->stage == ST_LOGIN) {
		ex_at(e, e->start_at, start_go);
	} else if (e->stage == ST_START) {
		int64_t iv = save_interval_us(g), now = lg_now_us();
		e->next_save = now + (iv ? (int64_t)(rnd(e) % (uint64_t)iv) : 0);
		if (e->next_save >= e->save_end)
			ex_at(e, e->submit_at, submit_go);
		else
			ex_at(e, e->next_save, save_go);
	}
}

/* --- phases --------------------------------------------------------------------- */

static void *thread_run(void *arg)
{
	struct lg_thread *t = arg;
	event_base_loop(t->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static void watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lg_thread *t = arg;
	if (atomic_load(t->remaining) <= 0)
		event_base_loopbreak(t->base);
}

/* Seconds (from the phase start) with answers slower than 50 ms: [second, answers, slow, max ms]. */
static json_t *timeline_json(const struct lg_stats *s)
{
	json_t *a = json_array();
	for (int i = 0; s->tl && i < LG_TL_SECS; i++)
		if (s->tl[i].slow)
			json_array_append_new(a, json_pack("[i,i,i,f]", i, (int)s->tl[i].n, (int)s->tl[i].slow,
							   s->tl[i].max_us / 1000.0));
	return a;
}

static json_t *kind_json(const struct lg_stats *s, int *errors)
{
	json_t *errs = json_object();
	uint64_t ok = 0;
	double span = s->last_us > s->first_us ? (double)(s->last_us - s->first_us) / 1e6 : 0;
	for (int i = 0; i < LG_NSTATUS; i++) {
		char k[16];
		if (!s->status[i])
			continue;
		if (i >= 200 && i < 300) {
			ok += s->status[i];
			continue;
		}
		snprintf(k, sizeof k, "%s", i == LG_ST_CONN ? "conn" : i == LG_ST_TIMEOUT ? "timeout" : i == LG_ST_PROTO ? "proto" : "");
		if (!k[0])
			snprintf(k, sizeof k, "%d", i);
		json_object_set_new(errs, k, json_integer((json_int_t)s->status[i]));
		*errors += (int)s->status[i];
	}
	return json_pack("{s:I,s:I,s:o,s:f,s:f,s:{s:f,s:f,s:f,s:f,s:f},s:o}", "requests", (json_int_t)s->h.count, "ok",
			 (json_int_t)ok, "errors", errs, "span_s", span, "throughput_rps",
			 span > 0 ? (double)s->h.count / span : 0.0, "latency_ms", "p50",
			 lg_hist_quantile(&s->h, 0.50) / 1000.0, "p90", lg_hist_quantile(&s->h, 0.90) / 1000.0, "p99",
			 lg_hist_quantile(&s->h, 0.99) / 1000.0, "max", s->h.max / 1000.0, "mean",
			 s->h.count ? (double)s->h.sum / (double)s->h.count / 1000.0 : 0.0, "slow_seconds",
			 timeline_json(s));
}

static int participates(struct lg *g, struct examinee *e, const char *phase)
{
	if (strcmp(phase, "login") == 0 || strcmp(phase, "day") == 0 || strcmp(phase, "get") == 0)
		return 1;
	if (strcmp(phase, "connect") == 0)
		return e->conn == &g->conns[e->idx % g->nconns] && e->idx < g->nconns;
	if (strcmp(phase, "start") == 0)
		return e->token[0] != 0;
	return e->attempt != 0 && !e->failed;
}

static void run_phase(struct lg *g, const char *phase)
{
	pthread_t *tids = calloc((size_t)g->o.threads, sizeof *tids);
	struct lg_stats all[K_N];
	json_t *kinds = json_object(), *ph;
	int count = 0, errors = 0;
	uint64_t connects = 0, retries = 0;
	int64_t last = 0;
	double lw, sw, d, uw;

	g->phase = phase;
	g->t0 = lg_now_us() + 20000;
	for (int i = 0; i < g->o.threads; i++) {
		for (int k = 0; k < K_N; k++) {
			free(g->th[i].stats[k].tl);
			memset(&g->th[i].stats[k], 0, sizeof g->th[i].stats[k]);
		}
		g->th[i].connects = g->th[i].retries = 0;
		g->th[i].tl_t0 = g->t0;
	}
	g->end = g->t0 + (int64_t)(g->o.duration * 1e6);
	lw = g->o.sessions_in ? 0 : g->o.login_window;
	sw = g->o.start_window;
	d = g->o.save_duration;
	uw = g->o.submit_window;
	g->start_end = g->t0 + (int64_t)((lw + sw) * 1e6);
	for (int i = 0; i < g->n; i++) {
		struct examinee *e = &g->ex[i];
		if (!participates(g, e, phase))
			continue;
		count++;
		e->stage = ST_IDLE;
		if (strcmp(phase, "login") == 0) {
			ex_at(e, g->t0 + (int64_t)(g->o.window * 1e6 * spread(i, 0)), login_go);
		} else if (strcmp(phase, "start") == 0) {
			ex_at(e, g->t0 + (int64_t)(g->o.window * 1e6 * spread(i, 0.3)), start_go);
		} else if (strcmp(phase, "save") == 0) {
			int64_t iv = save_interval_us(g);
			e->save_end = g->end;
			e->next_save = g->t0 + (iv ? (int64_t)((double)iv * spread(i, 0.5)) : 0);
			ex_at(e, e->next_save, save_go);
		} else if (strcmp(phase, "submit") == 0) {
			ex_at(e, g->t0 + (int64_t)(g->o.window * 1e6 * spread(i, 0.7)), submit_go);
		} else if (strcmp(phase, "verify") == 0) {
			ex_at(e, g->t0, verify_go);
		} else if (strcmp(phase, "get") == 0) {
			ex_at(e, g->t0, get_go);
		} else if (strcmp(phase, "connect") == 0) {
			ex_at(e, g->t0 + (int64_t)(g->o.window * 1e6 * spread(i, 0.1)), connect_go);
		} else { /* day */
			int64_t close_at = g->t0 + (int64_t)((lw + sw + d) * 1e6);
			e->start_at = g->t0 + (int64_t)((lw + sw * spread(i, 0.3)) * 1e6);
			e->submit_at = close_at - (int64_t)(uw * 1e6 * spread(i, 0.7));
			e->save_end = e->submit_at;
			if (e->practicer)
				e->save_end = close_at; /* practice goes on to the end of the day */
			if (e->token[0]) {
				e->stage = ST_LOGIN; /* as if just logged in */
				day_next(e);
			} else {
				ex_at(e, g->t0 + (int64_t)(lw * 1e6 * spread(i, 0)), login_go);
			}
		}
	}
	atomic_store(&g->remaining, count);
	if (count == 0)
		goto report;
	if (g->o.probe && strcmp(phase, "verify") != 0) {
		struct timeval tv = {0, 20000};
		g->probe_on = 1;
		g->probe_next = g->t0;
		evtimer_add(g->probe_timer, &tv);
	}
	for (int i = 0; i < g->o.threads; i++)
		pthread_create(&tids[i], NULL, thread_run, &g->th[i]);
	for (int i = 0; i < g->o.threads; i++)
		pthread_join(tids[i], NULL);
	g->probe_on = 0;
	if (g->o.probe) {
		evtimer_del(g->probe_timer);
		lg_conn_close(&g->probe);
		g->probe.busy = 0;
	}
report:
	memset(all, 0, sizeof all);
	for (int i = 0; i < g->o.threads; i++) {
		for (int k = 0; k < K_N; k++)
			lg_stats_merge(&all[k], &g->th[i].stats[k]);
		connects += g->th[i].connects;
		retries += g->th[i].retries;
	}
	for (int k = 0; k < K_N; k++) {
		if (!all[k].h.count)
			continue;
		int sub_errors = 0; /* save_sw repeats some of save's answers: count its errors once */
		json_object_set_new(kinds, lg_kind_name[k], kind_json(&all[k], k == K_SAVE_SW ? &sub_errors : &errors));
		if (all[k].last_us > last && k != K_PROBE)
			last = all[k].last_us;
	}
	for (int k = 0; k < K_N; k++)
		free(all[k].tl);
	ph = json_pack("{s:s,s:i,s:f,s:I,s:I,s:i,s:o}", "phase", phase, "examinees", count, "elapsed_s",
		       last > g->t0 ? (double)(last - g->t0) / 1e6 : 0.0, "connects", (json_int_t)connects, "retries",
		       (json_int_t)retries, "errors", errors, "kinds", kinds);
	if (errors)
		g->any_error = 1;
	json_array_append_new(g->out_phases, ph);
	free(tids);
}

static void print_text(struct lg *g, json_t *res)
{
	size_t i;
	json_t *ph;
	json_array_foreach(json_object_get(res, "phases"), i, ph) {
		const char *k;
		json_t *v;
		printf("phase %-7s %d examinees, %.2f s, %lld connects, %lld retries\n",
		       json_string_value(json_object_get(ph, "phase")), (int)json_integer_value(json_object_get(ph, "examinees")),
		       json_real_value(json_object_get(ph, "elapsed_s")), (long long)json_integer_value(json_object_get(ph, "connects")),
		       (long long)json_integer_value(json_object_get(ph, "retries")));
		printf("  %-7s %9s %9s %10s %9s %9s %9s %9s  %s\n", "kind", "requests", "ok", "req/s", "p50 ms", "p90 ms",
		       "p99 ms", "max ms", "errors");
		json_object_foreach(json_object_get(ph, "kinds"), k, v) {
			json_t *l = json_object_get(v, "latency_ms");
			char *errs = json_dumps(json_object_get(v, "errors"), JSON_COMPACT);
			printf("  %-7s %9lld %9lld %10.1f %9.2f %9.2f %9.2f %9.2f  %s\n", k,
			       (long long)json_integer_value(json_object_get(v, "requests")),
			       (long long)json_integer_value(json_object_get(v, "ok")),
			       json_real_value(json_object_get(v, "throughput_rps")), json_real_value(json_object_get(l, "p50")),
			       json_real_value(json_object_get(l, "p90")), json_real_value(json_object_get(l, "p99")),
			       json_real_value(json_object_get(l, "max")), errs ? errs : "");
			free(errs);
		}
	}
	if (json_object_get(res, "verify")) {
		json_t *v = json_object_get(res, "verify");
		printf("verify: %lld attempts read (%lld failed), %lld acknowledged answers checked, %lld LOST, %lld uncertain; "
		       "%lld submitted, %lld graded\n",
		       (long long)json_integer_value(json_object_get(v, "attempts")),
		       (long long)json_integer_value(json_object_get(v, "read_failed")),
		       (long long)json_integer_value(json_object_get(v, "answers_checked")),
		       (long long)json_integer_value(json_object_get(v, "lost")),
		       (long long)json_integer_value(json_object_get(v, "uncertain")),
		       (long long)json_integer_value(json_object_get(v, "submitted")),
		       (long long)json_integer_value(json_object_get(v, "graded")));
	}
	if (json_object_get(res, "practice")) {
		json_t *v = json_object_get(res, "practice");
		printf("practice: %lld practicers, %lld sets, %lld answers acknowledged\n",
		       (long long)json_integer_value(json_object_get(v, "practicers")),
		       (long long)json_integer_value(json_object_get(v, "sets")),
		       (long long)json_integer_value(json_object_get(v, "answered")));
	}
	printf("result: %s\n", json_is_true(json_object_get(res, "ok")) ? "OK" : "FAILED");
}

/* --- argon2id ------------------------------------------------------------------- */

/* Each thread does what a login does on the server's hash pool: pw_verify() of a stored
 * hash (common/base/pw.c, the same code and the same per-thread working memory as lawexamd). */
struct hb {
	const struct opts *o;
	int64_t end;
	long count;
};

static void *hb_worker(void *arg)
{
	static const uint8_t salt[16] = "lawexam-hashbnch";
	static const char pw[] = "Passw0rd!bench";
	struct hb *h = arg;
	const struct pw_params p = {(unsigned)h->o->argon2_t, (unsigned)h->o->argon2_m, (unsigned)h->o->argon2_p};
	char *enc;
	pw_thread_cache(1); /* as server/pool.c's threads */
	enc = pw_hash_salt(&p, pw, salt, sizeof salt);
	if (!enc)
		abort();
	h->count++;
	while (lg_now_us() < h->end) {
		if (pw_verify(enc, pw) != 1)
			abort();
		h->count++;
	}
	free(enc);
	return NULL;
}

static int hash_bench(const struct opts *o)
{
	int n = o->threads;
	pthread_t tids[64];
	struct hb hbs[64];
	struct rusage ru0, ru1;
	int64_t t0, t1;
	long total = 0, faults;
	json_t *j;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = lg_now_us();
	for (int i = 0; i < n; i++) {
		hbs[i] = (struct hb){o, t0 + (int64_t)(o->duration * 1e6), 0};
		pthread_create(&tids[i], NULL, hb_worker, &hbs[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(tids[i], NULL);
		total += hbs[i].count;
	}
	t1 = lg_now_us();
	getrusage(RUSAGE_SELF, &ru1);
	faults = ru1.ru_minflt - ru0.ru_minflt + ru1.ru_majflt - ru0.ru_majflt;
	j = json_pack("{s:{s:i,s:i,s:i,s:i,s:I,s:f,s:f,s:I,s:I}}", "hash_bench", "threads", n, "m_kib", o->argon2_m,
		      "t", o->argon2_t, "p", o->argon2_p, "hashes", (json_int_t)total, "seconds", (t1 - t0) / 1e6,
		      "hashes_per_s", total / ((t1 - t0) / 1e6), "page_faults", (json_int_t)faults, "max_rss_kib",
		      (json_int_t)ru1.ru_maxrss);
	if (o->json) {
		char *s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
	} else {
		printf("argon2id m=%d KiB t=%d p=%d on %d threads: %ld hashes in %.2f s = %.1f hashes/s (%.1f ms each per "
		       "thread); %ld page faults, peak RSS %ld KiB\n",
		       o->argon2_m, o->argon2_t, o->argon2_p, n, total, (t1 - t0) / 1e6, total / ((t1 - t0) / 1e6),
		       total ? (t1 - t0) / 1e3 * n / total : 0.0, faults, (long)ru1.ru_maxrss);
	}
	json_decref(j);
	return 0;
}

static int make_hash(const struct opts *o)
{
	uint8_t salt[16];
	char enc[256];
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(salt, 1, sizeof salt, f) != sizeof salt) {
		fprintf(stderr, "loadgen: no randomness\n");
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	if (argon2id_hash_encoded((uint32_t)o->argon2_t, (uint32_t)o->argon2_m, (uint32_t)o->argon2_p, o->make_hash,
				  strlen(o->make_hash), salt, sizeof salt, 32, enc, sizeof enc) != ARGON2_OK) {
		fprintf(stderr, "loadgen: argon2id failed\n");
		return 1;
	}
	puts(enc);
	return 0;
}

/* --- main ----------------------------------------------------------------------- */

/* Frees everything main() set up (so leak checkers see a clean exit). */
static void lg_free(struct lg *g)
{
	for (int i = 0; g->ex && i < g->n; i++) {
		free(g->ex[i].q);
		free(g->ex[i].a);
		if (g->ex[i].timer)
			event_free(g->ex[i].timer);
	}
	for (int i = 0; g->conns && i < g->nconns; i++)
		if (g->conns[i].t)
			lg_conn_free(&g->conns[i]);
	if (g->th && g->th[0].base) {
		lg_conn_free(&g->probe);
		if (g->probe_timer)
			event_free(g->probe_timer);
	}
	for (int i = 0; g->th && i < g->o.threads; i++) {
		struct lg_thread *t = &g->th[i];
		for (int k = 0; k < K_N; k++)
			free(t->stats[k].tl);
		if (t->watchdog)
			event_free(t->watchdog);
		if (t->base)
			event_base_free(t->base);
		if (t->ssl)
			SSL_CTX_free(t->ssl);
	}
	free(g->ex);
	free(g->conns);
	free(g->th);
	json_decref(g->out_phases);
}

static int load_sessions(struct lg *g)
{
	FILE *f = fopen(g->o.sessions_in, "r");
	char line[512];
	int i = 0;
	if (!f) {
		fprintf(stderr, "loadgen: cannot open %s: %s\n", g->o.sessions_in, strerror(errno));
		return -1;
	}
	while (i < g->n && fgets(line, sizeof line, f)) {
		struct examinee *e = &g->ex[i];
		char login[48], token[96], csrf[96];
		if (sscanf(line, "%47s %95s %95s", login, token, csrf) != 3)
			continue;
		snprintf(e->login, sizeof e->login, "%s", login);
		snprintf(e->token, sizeof e->token, "%s", token);
		snprintf(e->csrf, sizeof e->csrf, "%s", csrf);
		set_auth(e);
		i++;
	}
	fclose(f);
	if (i < g->n) {
		fprintf(stderr, "loadgen: %s holds %d sessions, %d needed\n", g->o.sessions_in, i, g->n);
		return -1;
	}
	return 0;
}

static int save_sessions(struct lg *g)
{
	FILE *f = fopen(g->o.sessions_out, "w");
	if (!f) {
		fprintf(stderr, "loadgen: cannot write %s: %s\n", g->o.sessions_out, strerror(errno));
		return -1;
	}
	for (int i = 0; i < g->n; i++)
		if (g->ex[i].token[0])
			fprintf(f, "%s %s %s\n", g->ex[i].login, g->ex[i].token, g->ex[i].csrf);
	return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct lg g;
	json_t *res = NULL;
	int rc = 1, ok;
	char phases[256];
	struct rlimit rl;
	long long seq_base;

	memset(&g, 0, sizeof g);
	if (parse_opts(&g.o, argc, argv) != 0)
		return 2;
	if (g.o.make_hash)
		return make_hash(&g.o);
	if (g.o.hash_bench)
		return hash_bench(&g.o);
	if (!g.o.port) {
		fprintf(stderr, "loadgen: --port is required (see --help)\n");
		return 2;
	}
	if (strncmp(g.o.host, "127.", 4) != 0) {
		fprintf(stderr, "loadgen: only loopback addresses (127.x.x.x) are allowed\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		/* seq grows across runs on the same database: a later run's saves are never "late" */
		seq_base = ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) * 1000;
	}
	g.n = g.o.n;
	g.out_phases = json_array();
	g.th = calloc((size_t)g.o.threads, sizeof *g.th);
	g.ex = calloc((size_t)g.n, sizeof *g.ex);
	g.nconns = g.o.conns && g.o.conns < g.n ? g.o.conns : g.n;
	g.conns = calloc((size_t)g.nconns, sizeof *g.conns);
	if (!g.th || !g.ex || !g.conns)
		abort();
	for (int i = 0; i < g.o.threads; i++) {
		struct lg_thread *t = &g.th[i];
		struct timeval tick = {0, 100000};
		t->idx = i;
		t->base = event_base_new();
		t->ssl = lg_ssl_ctx();
		if (!t->base || !t->ssl) {
			fprintf(stderr, "loadgen: cannot set up the event loop or TLS\n");
			return 1;
		}
		t->dest.sin_family = AF_INET;
		t->dest.sin_port = htons((uint16_t)g.o.port);
		if (inet_pton(AF_INET, g.o.host, &t->dest.sin_addr) != 1) {
			fprintf(stderr, "loadgen: bad --host %s\n", g.o.host);
			return 2;
		}
		t->n_src = g.o.source_addrs ? g.o.source_addrs : 1 + (g.o.conns && g.o.conns < g.n ? g.o.conns : g.n) / 20000;
		t->src_next = (unsigned)i;
		t->timeout_s = g.o.timeout_s;
		t->remaining = &g.remaining;
		t->watchdog = event_new(t->base, -1, EV_PERSIST, watchdog_cb, t);
		event_add(t->watchdog, &tick);
	}
	for (int i = 0; i < g.n; i++) {
		struct examinee *e = &g.ex[i];
		e->g = &g;
		e->idx = i;
		e->conn = &g.conns[i % g.nconns];
		e->t = &g.th[(i % g.nconns) % g.o.threads];
		e->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)(i + 1) * 0xbf58476d1ce4e5b9ull);
		snprintf(e->login, sizeof e->login, "%s%0*d", g.o.login_prefix, g.o.login_digits, g.o.first + i);
		lg_conn_init(e->conn, e->t);
		e->seq = seq_base;
		e->practicer = i >= g.n - g.o.practicers;
	}
	lg_conn_init(&g.probe, &g.th[0]);
	g.probe_timer = evtimer_new(g.th[0].base, probe_fire, &g);
	if (g.o.sessions_in && load_sessions(&g) != 0)
		return 2;

	snprintf(phases, sizeof phases, "%s", g.o.phases);
	for (char *save = NULL, *p = strtok_r(phases, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		static const char *const known[] = {"connect", "login", "start", "save", "submit", "day", "get"};
		int found = 0;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			found |= strcmp(known[k], p) == 0;
		if (!found) {
			fprintf(stderr, "loadgen: unknown phase %s\n", p);
			return 2;
		}
		if (strcmp(p, "login") == 0 && g.o.sessions_in)
			continue;
		run_phase(&g, p);
		if (strcmp(p, "login") == 0 && g.o.sessions_out && save_sessions(&g) != 0)
			g.any_error = 1;
		if (strcmp(p, "day") == 0 && g.o.sessions_out)
			save_sessions(&g);
	}
	res = json_pack("{s:o}", "phases", g.out_phases);
	ok = !g.any_error;
	{
		int any_attempt = 0;
		for (int i = 0; i < g.n; i++)
			any_attempt |= g.ex[i].attempt != 0;
		if (any_attempt && !g.o.no_verify) {
			long lost, failed;
			g.out_phases = json_array();
			run_phase(&g, "verify");
			json_array_extend(json_object_get(res, "phases"), g.out_phases);
			json_decref(g.out_phases);
			lost = atomic_load(&g.v_lost);
			failed = atomic_load(&g.v_failed);
			json_object_set_new(res, "verify",
					    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "attempts", (json_int_t)atomic_load(&g.v_attempts),
						      "read_failed", (json_int_t)failed, "answers_checked",
						      (json_int_t)atomic_load(&g.v_checked), "lost", (json_int_t)lost,
						      "uncertain", (json_int_t)atomic_load(&g.v_uncertain), "submitted",
						      (json_int_t)atomic_load(&g.v_submitted), "graded",
						      (json_int_t)atomic_load(&g.v_graded)));
			if (lost || failed)
				ok = 0;
		}
	}
	if (g.o.practicers) {
		long long sets = 0, answered = 0;
		for (int i = 0; i < g.n; i++) {
			sets += g.ex[i].p_sets;
			answered += g.ex[i].p_answered;
		}
		json_object_set_new(res, "practice", json_pack("{s:i,s:I,s:I}", "practicers", g.o.practicers, "sets",
							       (json_int_t)sets, "answered", (json_int_t)answered));
	}
	{
		int failed = 0;
		for (int i = 0; i < g.n; i++)
			failed += g.ex[i].failed;
		json_object_set_new(res, "examinees_failed", json_integer(failed));
		if (failed)
			ok = 0;
	}
	json_object_set_new(res, "ok", json_boolean(ok));
	json_object_set_new(res, "examinees", json_integer(g.n));
	json_object_set_new(res, "client_threads", json_integer(g.o.threads));
	if (g.o.json) {
		char *s = json_dumps(res, JSON_INDENT(2));
		puts(s);
		free(s);
	} else {
		print_text(&g, res);
	}
	if (g.o.json_out)
		json_dump_file(res, g.o.json_out, JSON_INDENT(2));
	rc = ok ? 0 : 1;
	json_decref(res);
	g.out_phases = NULL;
	lg_free(&g);
	libevent_global_shutdown();
	return rc;
}
