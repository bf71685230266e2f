/* fuzz_http.c — libFuzzer driver for the whole HTTP request path: bytes are one raw HTTP/1.x
 * request (request line, headers, body; several when pipelined) sent to a real evhttp that
 * calls the real http_dispatch(), with a real database, the group-commit writer and the hash
 * pool running, exactly as one event-loop thread of lawexamd has them (minus TLS).
 *
 * Design (libevent 2.1 cannot be handed a request or a connected fd from outside: the
 * evhttp_request setters for the method and URI do not exist and evhttp_get_request() is
 * static; accepting AF_UNIX peers ends the process in name_from_addr()):
 *  - once: a temp dir (on /dev/shm when it exists, so COMMIT's fsync is cheap) holding a
 *    template database seeded through the real functions — categories, an admin, an HR
 *    officer, three examinees (one must change the password) and a disabled user, with
 *    argon2id at {1, 8, 1} (the stored setting; hr01's hash uses {1, 16, 1}, so its login
 *    re-hashes); a bank (bank_parse + bank_import); three exams (examdef_parse +
 *    exam_create: open now, closed, and a 1-minute one); attempts in every state; sessions
 *    and API tokens with known values (see the table below and dict/http.dict) — and a tiny
 *    web root. Then a struct srv and one struct srv_thread built by hand (base, reader, an
 *    evhttp configured as thread_init() does, bound to 127.0.0.1 on a kernel-chosen port),
 *    a writer and a pool.
 *  - per input: every LAWEXAM_FUZZ_HTTP_RESET inputs (default 1: each input starts from the
 *    same state, so crashes reproduce) the writer and readers are closed, the template is
 *    copied over the live database and they are opened again. The bytes go to the server
 *    through a loopback TCP client on the same event loop. Once the server is quiescent
 *    (it has read every byte, written everything, srv.pending == 0, no callback ready) the
 *    client shuts its write side; the loop runs until the server has closed the connection
 *    and no request is pending; then the auto-submit tick runs once and is waited for.
 *    The server side's bufferevent comes from an evhttp bevcb (plain, with the options of
 *    lawexamd's TLS one), so the harness can see its buffers and socket.
 *  - one convenience: a request whose headers carry neither Content-Length nor
 *    Transfer-Encoding but are followed by bytes gets "Content-Length: <those bytes>" added,
 *    so mutating a JSON body keeps it a body. Seeds with explicit lengths, chunked bodies and
 *    pipelined requests exercise the raw framing.
 *  - oracles: the sanitizers; a request never answered (the loop runs LAWEXAM_FUZZ_HTTP_WAIT
 *    seconds, default 15, then aborts); a 5xx from our handlers (any response carrying our
 *    security headers) aborts, since SPEC §10 wants every bad input answered with a 4xx.
 *
 *   cookie lawexam_session=   X-CSRF-Token   user
 *   S-admin                   C-admin        admin (admin)
 *   S-hr                      C-hr           hr01 (hr)
 *   S-1001                    C-1001         1001 (examinee, leader; attempt 1 in progress, 3 submitted)
 *   S-1002                    C-1002         1002 (examinee, general; attempt 2 submitted, 4 overdue) — stale, touched
 *   S-1003                    C-1003         1003 (examinee, must change password)
 *   S-9999                    C-9999         9999 (disabled)
 *   S-expired                 C-expired      admin, expired
 *   Authorization: Bearer T-admin (admin), T-1001 (1001)
 *   passwords: admin Admin-pass-1, hr01 Hr-pass-0001, 1001 Exam-pass-1001,
 *              1002 Exam-pass-1002, 1003 Fresh-pass-1003
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bank.h"
#include "bank_import.h"
#include "clock.h"
#include "config.h"
#include "diag.h"
#include "exam.h"
#include "exam_def.h"
#include "http.h"
#include "log.h"
#include "pool.h"
#include "pw.h"
#include "roles.h"
#include "srv.h"
#include "srv_tick.h"
#include "static.h"
#include "store.h"
#include "store_accounts.h"
#include "token.h"
#include "jobs.h"
#include "upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* LeakSanitizer, when libFuzzer checks for leaks between inputs, now and then reports the
 * per-thread DRBG that OpenSSL makes in a writer thread at its first RAND_bytes (the paper
 * seed of exam_start): 40 bytes from EVP_RAND_CTX_new under RAND_get0_public, plus its
 * cipher contexts. The harness starts a writer thread at every reset (lawexamd starts one
 * for its whole life); the report never reproduces at exit, with a leak check after every
 * input of the corpus, or from the saved inputs. Only OpenSSL owns these objects (nothing
 * on this path holds an OpenSSL object: tok_hash is a one-shot EVP_Digest, TLS is not
 * used), so libcrypto's own allocations are left out of leak reports here. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\n";
}

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_http.c:%d: check failed: %s\n", __LINE__, #cond); \
			abort();                                                               \
		}                                                                              \
	} while (0)

static const struct pw_params cheap = {1, 8, 1};

/* --- seed data ------------------------------------------------------------------ */

static const char seed_bank[] =
	"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"fz\",\"title\":\"模糊测试题库\",\"subject\":\"fuzz\"},"
	"\"questions\":["
	"{\"id\":\"FZ-S1\",\"type\":\"single\",\"stem\":\"单选一\",\"options\":[\"甲\",\"乙\",\"丙\",\"丁\"],"
	"\"answer\":\"A\",\"explanation\":\"解析一\",\"basis\":\"依据一\",\"difficulty\":1,\"tags\":[\"总纲\"]},"
	"{\"id\":\"FZ-S2\",\"type\":\"single\",\"stem\":\"单选二\",\"options\":[\"甲\",\"乙\",\"丙\"],"
	"\"answer\":\"B\",\"difficulty\":2,\"tags\":[\"总纲\",\"权利\"]},"
	"{\"id\":\"FZ-S3\",\"type\":\"single\",\"stem\":\"单选三\",\"options\":[\"甲\",\"乙\"],\"answer\":\"B\","
	"\"difficulty\":3},"
	"{\"id\":\"FZ-S4\",\"type\":\"single\",\"stem\":\"单选四\",\"options\":[\"甲\",\"乙\",\"丙\",\"丁\",\"戊\"],"
	"\"answer\":\"E\",\"difficulty\":5,\"tags\":[\"权利\"]},"
	"{\"id\":\"FZ-M1\",\"type\":\"multiple\",\"stem\":\"多选一\",\"options\":[\"甲\",\"乙\",\"丙\",\"丁\"],"
	"\"answer\":\"ACD\",\"explanation\":\"解析\",\"tags\":[\"总纲\"]},"
	"{\"id\":\"FZ-M2\",\"type\":\"multiple\",\"stem\":\"多选二\",\"options\":[\"甲\",\"乙\",\"丙\"],"
	"\"answer\":\"AB\"},"
	"{\"id\":\"FZ-M3\",\"type\":\"multiple\",\"stem\":\"多选三\",\"options\":[\"甲\",\"乙\",\"丙\",\"丁\"],"
	"\"answer\":\"BCD\",\"difficulty\":4},"
	"{\"id\":\"FZ-J1\",\"type\":\"judge\",\"stem\":\"判断一\",\"answer\":\"T\",\"basis\":\"依据\"},"
	"{\"id\":\"FZ-J2\",\"type\":\"judge\",\"stem\":\"判断二\",\"answer\":\"F\"},"
	"{\"id\":\"FZ-J3\",\"type\":\"judge\",\"stem\":\"判断三\",\"answer\":\"T\",\"tags\":[\"党章\"]},"
	"{\"id\":\"FZ-J4\",\"type\":\"judge\",\"stem\":\"判断四\",\"answer\":\"F\",\"difficulty\":2}"
	"]}";

/* printf format: code, title, opens_at, closes_at, duration, max_attempts, scoring, results,
 * review, org_scope JSON, categories JSON. */
static const char exam_fmt[] =
	"{\"format\":\"lawexam-exam/1\",\"code\":\"%s\",\"title\":\"%s\",\"opens_at\":\"%s\","
	"\"closes_at\":\"%s\",\"duration_minutes\":%d,\"pass_percent\":60,\"max_attempts\":%d,"
	"\"multiple_scoring\":\"%s\",\"results\":\"%s\",\"review\":\"%s\",\"org_scope\":%s,"
	"\"papers\":[{\"categories\":%s,\"sections\":["
	"{\"title\":\"单选\",\"bank\":\"fz\",\"type\":\"single\",\"count\":2,\"points\":2},"
	"{\"title\":\"多选\",\"bank\":\"fz\",\"type\":\"multiple\",\"count\":2,\"points\":3,\"difficulty\":[1,5]},"
	"{\"title\":\"判断\",\"bank\":\"fz\",\"type\":\"judge\",\"count\":2,\"points\":1}]}]}";

struct seed_user {
	const char *login, *name, *org, *category, *password;
	unsigned roles;
	int must_change, disabled;
	const char *session, *csrf;
	int stale;
};

static const struct seed_user seed_users[] = {
	{"admin", "管理员", "珠晖区/区司法局", "general", "Admin-pass-1", ROLE_ADMIN, 0, 0, "S-admin", "C-admin", 0},
	{"hr01", "王人事", "珠晖区", "general", "Hr-pass-0001", ROLE_HR, 0, 0, "S-hr", "C-hr", 0},
	{"1001", "张三", "珠晖区/区司法局/普法股", "leader", "Exam-pass-1001", ROLE_EXAMINEE, 0, 0, "S-1001",
	 "C-1001", 0},
	{"1002", "李四", "珠晖区/教育局", "general", "Exam-pass-1002", ROLE_EXAMINEE, 0, 0, "S-1002", "C-1002", 1},
	{"1003", "王五", "珠晖区/教育局", "general", "Fresh-pass-1003", ROLE_EXAMINEE, 1, 0, "S-1003", "C-1003",
	 0},
	{"9999", "赵六", "珠晖区", "general", "Gone-pass-9999", ROLE_EXAMINEE, 0, 1, "S-9999", "C-9999", 0},
};
#define N_USERS (sizeof seed_users / sizeof seed_users[0])

static int seed_job(struct store *db, void *arg, struct lx_err *e)
{
	static const struct { const char *code, *name; } cats[] = {
		{"leader", "领导干部"}, {"enforcement", "行政执法人员"}, {"general", "一般工作人员"}};
	int64_t now = clock_now(), ids[N_USERS];
	int rc;

	(void)arg;
	if ((rc = store_pw_params_set(db, &cheap, e)) != LX_OK)
		return rc;
	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		if ((rc = store_category_add(db, cats[i].code, cats[i].name, now, e)) != LX_OK)
			return rc;
	for (size_t i = 0; i < N_USERS; i++) {
		const struct seed_user *s = &seed_users[i];
		struct user u = {0};
		uint8_t h[32];
		u.login = (char *)s->login;
		u.name = (char *)s->name;
		u.org = (char *)s->org;
		u.category = (char *)s->category;
		u.roles = s->roles;
		u.must_change_password = s->must_change;
		u.disabled = s->disabled;
		/* hr01's hash has other parameters than the setting: its login hashes it again */
		u.pw_hash = pw_hash(s->roles == ROLE_HR ? &(struct pw_params){1, 16, 1} : &cheap, s->password);
		CHECK(u.pw_hash != NULL);
		rc = store_user_insert(db, &u, now, e);
		free(u.pw_hash);
		if (rc)
			return rc;
		ids[i] = u.id;
		tok_hash(s->session, strlen(s->session), h);
		rc = store_session_insert(db, h, u.id, s->csrf, s->stale ? now - 3600 : now, now + 30 * 86400, e);
		if (rc)
			return rc;
	}
	{
		uint8_t h[32];
		tok_hash("S-expired", 9, h);
		if ((rc = store_session_insert(db, h, ids[0], "C-expired", now - 90 * 86400, now - 86400, e)) ||
		    (tok_hash("T-admin", 7, h), rc = store_token_insert(db, h, ids[0], now, e)) ||
		    (tok_hash("T-1001", 6, h), rc = store_token_insert(db, h, ids[2], now, e)))
			return rc;
	}
	return LX_OK;
}

static int bank_job(struct store *db, void *arg, struct lx_err *e)
{
	struct bank_doc doc;
	struct diag d = {0};
	struct bank_import_result res;
	int rc = bank_parse(seed_bank, sizeof seed_bank - 1, "fz.json", BANK_FMT_JSON, NULL, &doc, &d);
	(void)arg;
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "seed bank: %s: %s\n", d.items[i].where, d.items[i].message);
	diag_free(&d);
	CHECK(rc == LX_OK);
	rc = bank_import(db, &doc, 0, 0, clock_now(), &res, e);
	bank_doc_free(&doc);
	return rc;
}

static void make_exam(struct store *db, const char *code, int64_t opens, int64_t closes, int duration,
		      int attempts, const char *scoring, const char *results, const char *review, const char *scope,
		      const char *cats)
{
	char o[48], c[48], *text;
	struct exam_def def;
	struct diag d = {0};
	struct lx_err e = {0};
	int rc;

	rfc3339_format(opens, o, sizeof o);
	rfc3339_format(closes, c, sizeof c);
	CHECK(asprintf(&text, exam_fmt, code, code, o, c, duration, attempts, scoring, results, review, scope,
		       cats) > 0);
	rc = examdef_parse(text, strlen(text), "seed.json", &def, &d);
	if (rc == LX_OK)
		rc = exam_create(db, &def, "seed.json", 0, clock_now(), &d, &e);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "seed exam: %s: %s\n", d.items[i].where, d.items[i].message);
	if (rc)
		fprintf(stderr, "seed exam %s: %s\n", code, e.msg);
	CHECK(rc == LX_OK);
	examdef_free(&def);
	diag_free(&d);
	free(text);
}

static int64_t start_attempt(struct store *db, const char *exam, const char *login, int64_t at, int submit)
{
	struct user u = {0};
	struct lx_err e = {0};
	int64_t id = 0;
	int created = 0;
	CHECK(store_user_by_login(db, login, &u, &e) == LX_OK);
	if (exam_start(db, exam, &u, at, 30, &id, &created, NULL, &e) != LX_OK)
		fprintf(stderr, "seed attempt %s/%s: %s\n", exam, login, e.msg);
	CHECK(id > 0 && created);
	if (submit) {
		struct save_item it = {1, "A", 1};
		size_t ignored;
		int64_t deadline;
		CHECK(exam_save(db, id, u.id, &it, 1, at + 10, 30, &ignored, &deadline, NULL, &e) == LX_OK);
		CHECK(exam_submit(db, id, u.id, at + 20, "submit", &e) == LX_OK);
	}
	user_free(&u);
	return id;
}

static int exams_job(struct store *db, void *arg, struct lx_err *e)
{
	int64_t now = clock_now();
	(void)arg;
	(void)e;
	make_exam(db, "fz-open", now - 86400, now + 30 * 86400, 60, 2, "partial", "immediate", "immediate", "[]",
		  "[\"leader\",\"general\"]");
	make_exam(db, "fz-closed", now - 30 * 86400, now - 86400, 30, 1, "all_or_nothing", "after_close",
		  "after_close", "[\"珠晖区\"]", "[\"leader\",\"general\"]");
	make_exam(db, "fz-short", now - 86400, now + 30 * 86400, 1, 3, "all_or_nothing", "hidden", "never",
		  "[\"珠晖区/教育局\"]", "[\"general\"]");
	CHECK(start_attempt(db, "fz-open", "1001", now - 60, 0) == 1);   /* in progress */
	CHECK(start_attempt(db, "fz-open", "1002", now - 120, 1) == 2);  /* submitted */
	CHECK(start_attempt(db, "fz-closed", "1001", now - 2 * 86400, 1) == 3); /* submitted, exam closed */
	CHECK(start_attempt(db, "fz-short", "1002", now - 600, 0) == 4); /* overdue: the tick submits it */
	return LX_OK;
}

/* --- the harness ---------------------------------------------------------------- */

static struct {
	int ready;
	char dir[256], template_db[300], live_db[300], web[300];
	struct config cfg;
	struct srv srv;
	struct srv_thread th;
	struct evhttp_bound_socket *bound;
	struct sockaddr_in addr;
	struct bufferevent *server; /* this iteration's connection, server side */
	unsigned long iter;
	unsigned long reset_every;
	int wait_s;
	int trace;
} H;

struct client {
	int fd;
	const char *out;
	size_t out_len, out_off;
	int write_done, shut, done, timed_out;
	char *in;
	size_t in_len, in_cap;
	struct event *ev_r, *ev_w;
};

static struct bufferevent *server_bev(struct event_base *base, void *arg);

static void quiet_libevent(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	char buf[65536];
	ssize_t n;
	unlink(to);
	if (in < 0)
		return;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(out >= 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		CHECK(write(out, buf, (size_t)n) == n);
	close(in);
	close(out);
}

static void copy_db(const char *from, const char *to)
{
	char a[320], b[320];
	copy_file(from, to);
	snprintf(a, sizeof a, "%s-wal", from);
	snprintf(b, sizeof b, "%s-wal", to);
	copy_file(a, b);
	snprintf(b, sizeof b, "%s-shm", to);
	unlink(b);
}

static void close_db(void)
{
	store_writer_stop(H.srv.writer); /* drains: touch and auto-submit jobs finish */
	H.srv.writer = NULL;
	store_close(H.th.rd);
	H.th.rd = NULL;
	store_close(H.srv.main_rd);
	H.srv.main_rd = NULL;
	uploads_free(H.srv.uploads); /* uploads in parts do not outlive the input either */
	H.srv.uploads = NULL;
	report_busy_free(H.srv.report_busy); /* nor the one-report-per-user set, the jobs, the login gate */
	H.srv.report_busy = NULL;
	jobs_free(H.srv.jobs);
	H.srv.jobs = NULL;
	login_gate_free(H.srv.gate);
	H.srv.gate = NULL;
}

static void open_db(void)
{
	struct lx_err e = {0};
	copy_db(H.template_db, H.live_db);
	H.srv.uploads = uploads_new();
	H.srv.report_busy = report_busy_new();
	H.srv.jobs = jobs_new();
	H.srv.gate = login_gate_new(4); /* as srv.c: at least 4 checks per address */
	if (store_writer_start(H.live_db, &H.srv.writer, &e) != LX_OK ||
	    store_open(H.live_db, STORE_READONLY, &H.th.rd, &e) != LX_OK ||
	    store_open(H.live_db, STORE_READONLY, &H.srv.main_rd, &e) != LX_OK) {
		fprintf(stderr, "fuzz_http: %s\n", e.msg);
		abort();
	}
}

static void cleanup(void)
{
	char p[320];
	if (!H.ready)
		return;
	H.ready = 0;
	close_db();
	pool_free(H.srv.pool);
	if (H.th.http)
		evhttp_free(H.th.http);
	srv_thread_post_free(&H.th);
	event_base_free(H.th.base);
	static_free(H.srv.web);
	free(H.srv.dummy_hash);
	free(H.srv.threads);
	/* the temp dir: databases and the web root */
	const char *names[] = {"template.db", "template.db-wal", "template.db-shm", "live.db", "live.db-wal",
			       "live.db-shm", "web/index.html", "web/js/app.js", "web/css/app.css"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", H.dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/web/js", H.dir);
	rmdir(p);
	snprintf(p, sizeof p, "%s/web/css", H.dir);
	rmdir(p);
	rmdir(H.web);
	rmdir(H.dir);
}

static void setup(void)
{
	struct lx_err e = {0};
	struct store *db = NULL;
	const char *env, *base_dir = "/tmp";
	struct stat sb;
	socklen_t alen = sizeof H.addr;
	char p[320];

	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	event_set_log_callback(quiet_libevent);
	env = getenv("LAWEXAM_FUZZ_LOG");
	log_threshold = env ? log_parse_level(env) : -1;
	env = getenv("LAWEXAM_FUZZ_HTTP_RESET");
	H.reset_every = env && atol(env) > 0 ? (unsigned long)atol(env) : 1;
	env = getenv("LAWEXAM_FUZZ_HTTP_WAIT");
	H.wait_s = env && atoi(env) > 0 ? atoi(env) : 15;
	H.trace = getenv("LAWEXAM_FUZZ_HTTP_TRACE") != NULL;

	if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0)
		base_dir = "/dev/shm";
	else if ((env = getenv("TMPDIR")) && *env)
		base_dir = env;
	snprintf(H.dir, sizeof H.dir, "%s/lawexam-fuzz-http-XXXXXX", base_dir);
	CHECK(mkdtemp(H.dir) != NULL);
	snprintf(H.template_db, sizeof H.template_db, "%s/template.db", H.dir);
	snprintf(H.live_db, sizeof H.live_db, "%s/live.db", H.dir);
	snprintf(H.web, sizeof H.web, "%s/web", H.dir);
	CHECK(mkdir(H.web, 0700) == 0);
	snprintf(p, sizeof p, "%s/js", H.web);
	CHECK(mkdir(p, 0700) == 0);
	snprintf(p, sizeof p, "%s/css", H.web);
	CHECK(mkdir(p, 0700) == 0);
	snprintf(p, sizeof p, "%s/index.html", H.web);
	write_file(p, "<!doctype html><title>学法考法</title><script src=\"/js/app.js\"></script>\n");
	snprintf(p, sizeof p, "%s/js/app.js", H.web);
	write_file(p, "'use strict';\n");
	snprintf(p, sizeof p, "%s/css/app.css", H.web);
	write_file(p, "body{margin:0}\n");

	/* the template database, seeded through the real functions */
	if (store_open(H.template_db, STORE_CREATE, &db, &e) != LX_OK || store_run(db, seed_job, NULL, &e) ||
	    store_run(db, bank_job, NULL, &e) || store_run(db, exams_job, NULL, &e)) {
		fprintf(stderr, "fuzz_http: seeding: %s\n", e.msg);
		abort();
	}
	store_close(db);

	config_defaults(&H.cfg);
	H.cfg.db_path = H.live_db;
	H.cfg.web_root = H.web;
	H.cfg.threads = 1;
	H.cfg.hash_threads = 1;
	H.cfg.pw = cheap;
	H.cfg.listen = "127.0.0.1:0";
	H.cfg.node = "fuzz:0"; /* config_parse's default would be HOSTNAME:PORT */
	snprintf(H.cfg.host, sizeof H.cfg.host, "127.0.0.1");

	memset(&H.srv, 0, sizeof H.srv);
	H.srv.cfg = &H.cfg;
	H.srv.listen_fd = -1;
	H.srv.started_at = (int64_t)time(NULL); /* for /metrics, as srv_run sets it */
	H.srv.pw = cheap; /* the database's setting (seed_job), as srv.c's pw_settings() reads it */
	H.srv.dummy_hash = pw_hash(&cheap, "lawexam-unknown-login");
	H.srv.pool = pool_new(1);
	CHECK(static_load(H.web, &H.srv.web, &e) == LX_OK);
	H.srv.nthreads = 1;
	H.srv.threads = calloc(1, sizeof *H.srv.threads); /* unused by handlers; srv_run's shape */

	/* one event-loop thread's state, as thread_init() makes it (plain HTTP, no bevcb) */
	H.th.srv = &H.srv;
	H.th.idx = 0;
	H.th.base = event_base_new();
	CHECK(H.th.base != NULL);
	CHECK(srv_thread_post_init(&H.th) == LX_OK);
	H.th.http = evhttp_new(H.th.base);
	CHECK(H.th.http != NULL);
	evhttp_set_bevcb(H.th.http, server_bev, NULL);
	evhttp_set_gencb(H.th.http, http_dispatch, &H.th);
	evhttp_set_max_headers_size(H.th.http, 8192);
	evhttp_set_max_body_size(H.th.http, LX_BODY_MAX);
	evhttp_set_timeout(H.th.http, H.cfg.header_timeout);
	evhttp_set_allowed_methods(H.th.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_HEAD |
						      EVHTTP_REQ_DELETE);
	evhttp_set_default_content_type(H.th.http, "application/json; charset=utf-8");
	H.bound = evhttp_bind_socket_with_handle(H.th.http, "127.0.0.1", 0);
	CHECK(H.bound != NULL);
	CHECK(getsockname(evhttp_bound_socket_get_fd(H.bound), (struct sockaddr *)&H.addr, &alen) == 0);
	H.th.bound = H.bound;

	open_db();
	H.ready = 1;
	atexit(cleanup);
}

/* Adds Content-Length when the headers have no framing of their own but bytes follow. */
static char *frame(const uint8_t *data, size_t size, size_t *out_len)
{
	const char *d = (const char *)data, *end = NULL;
	char *out;
	int framed = 0;

	for (size_t i = 0; i + 3 < size; i++)
		if (memcmp(d + i, "\r\n\r\n", 4) == 0) {
			end = d + i;
			break;
		}
	if (end && (size_t)(end + 4 - d) < size) {
		for (const char *l = d; l && l < end;) {
			const char *nl = memchr(l, '\n', (size_t)(end - l));
			size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);
			if ((n >= 15 && strncasecmp(l, "Content-Length:", 15) == 0) ||
			    (n >= 18 && strncasecmp(l, "Transfer-Encoding:", 18) == 0))
				framed = 1;
			l = nl ? nl + 1 : NULL;
		}
	}
	if (!end || framed || (size_t)(end + 4 - d) >= size) {
		out = malloc(size ? size : 1);
		CHECK(out != NULL);
		memcpy(out, d, size);
		*out_len = size;
		return out;
	}
	{
		size_t head = (size_t)(end - d), body = size - head - 4;
		char cl[48];
		int n = snprintf(cl, sizeof cl, "\r\nContent-Length: %zu", body);
		out = malloc(size + (size_t)n);
		CHECK(out != NULL);
		memcpy(out, d, head);
		memcpy(out + head, cl, (size_t)n);
		memcpy(out + head + n, end, size - head);
		*out_len = size + (size_t)n;
	}
	return out;
}

static void client_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	(void)what;
	for (;;) {
		ssize_t n;
		if (c->in_cap - c->in_len < 65536) {
			c->in_cap = c->in_cap ? c->in_cap * 2 : 131072;
			c->in = realloc(c->in, c->in_cap);
			CHECK(c->in != NULL);
		}
		n = recv(fd, c->in + c->in_len, c->in_cap - c->in_len - 1, 0);
		if (n > 0) {
			/* keep the first 4 MiB (reports can be larger); the rest is read and dropped */
			if (c->in_len < (4u << 20))
				c->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		c->done = 1; /* EOF or reset: the server is finished with this connection */
		event_del(c->ev_r);
		return;
	}
}

static void client_write(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	(void)what;
	while (c->out_off < c->out_len) {
		ssize_t n = send(fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS)) {
			event_add(c->ev_w, NULL);
			return;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break; /* the server closed early (e.g. 413 or a bad request line): stop writing */
	}
	c->write_done = 1;
}

/* The server side of the connection: a plain bufferevent, with the options lawexamd's TLS
 * one has. The harness keeps a reference to look at it until the iteration ends. */
static struct bufferevent *server_bev(struct event_base *base, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	(void)arg;
	CHECK(bev != NULL);
	if (!H.server) {
		bufferevent_incref(bev);
		H.server = bev;
	}
	return bev;
}

/* Nothing more will happen without more input: the server has accepted, read every byte
 * the client sent, written everything out, has no request waiting on the writer or the
 * pool and no callback ready to run. Then the client half-closes, so a request still
 * waiting for bytes fails and the server closes the connection. (Half-closing right after
 * writing would make evhttp see EOF before it parses pipelined requests.) */
static int quiescent(const struct client *c)
{
	int unread = 0;
	evutil_socket_t fd;
	if (!c->write_done || !H.server || atomic_load(&H.srv.pending) > 0 ||
	    event_base_get_num_events(H.th.base, EVENT_BASE_COUNT_ACTIVE) > 0 ||
	    evbuffer_get_length(bufferevent_get_output(H.server)) > 0)
		return 0;
	fd = bufferevent_getfd(H.server);
	return !(fd >= 0 && ioctl(fd, FIONREAD, &unread) == 0 && unread > 0);
}

static void watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	(void)fd;
	(void)what;
	c->timed_out = 1;
}

/* Status of each response carrying our security headers must be below 500. */
static void check_responses(const struct client *c, const char *req, size_t req_len)
{
	const char *p = c->in, *end = c->in + c->in_len;
	while (p && end - p > 12 && memcmp(p, "HTTP/1.", 7) == 0) {
		int status = atoi(p + 9);
		const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		const char *cl;
		size_t body = 0;
		if (!hend)
			break;
		if (status >= 500 && memmem(p, (size_t)(hend - p), "X-Content-Type-Options: nosniff", 31)) {
			fprintf(stderr, "fuzz_http: a handler answered %d to:\n%.*s\n--- response:\n%.*s\n", status,
				(int)(req_len > 2000 ? 2000 : req_len), req, (int)(end - p > 4000 ? 4000 : end - p), p);
			abort();
		}
		cl = memmem(p, (size_t)(hend - p), "Content-Length: ", 16);
		if (cl)
			body = strtoul(cl + 16, NULL, 10);
		if (body > (size_t)(end - hend - 4))
			break;
		p = hend + 4 + body;
	}
}

static void run_request(const char *req, size_t len)
{
	struct client c = {0};
	struct event *dog;
	struct timeval tv = {H.wait_s, 0};
	int one = 1;

	c.out = req;
	c.out_len = len;
	c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(c.fd >= 0);
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c.fd, (struct sockaddr *)&H.addr, sizeof H.addr) != 0 && errno != EINPROGRESS) {
		fprintf(stderr, "fuzz_http: connect: %s\n", strerror(errno));
		abort();
	}
	c.ev_r = event_new(H.th.base, c.fd, EV_READ | EV_PERSIST, client_read, &c);
	c.ev_w = event_new(H.th.base, c.fd, EV_WRITE, client_write, &c);
	dog = evtimer_new(H.th.base, watchdog, &c);
	event_add(c.ev_r, NULL);
	event_add(c.ev_w, NULL);
	evtimer_add(dog, &tv);
	while (!c.done && !c.timed_out) {
		if (!c.shut && quiescent(&c)) {
			shutdown(c.fd, SHUT_WR);
			c.shut = 1;
		}
		event_base_loop(H.th.base, EVLOOP_ONCE);
	}
	while (atomic_load(&H.srv.pending) > 0 && !c.timed_out)
		event_base_loop(H.th.base, EVLOOP_ONCE);
	if (c.timed_out) {
		fprintf(stderr,
			"fuzz_http: no answer within %d s (pending %d, %zu bytes written of %zu, shut %d, %zu read):\n"
			"%.*s\n",
			H.wait_s, atomic_load(&H.srv.pending), c.out_off, c.out_len, c.shut, c.in_len,
			(int)(len > 2000 ? 2000 : len), req);
		abort();
	}
	if (H.trace) /* LAWEXAM_FUZZ_HTTP_TRACE=1: what went in and what came back */
		fprintf(stderr, ">>> %.*s\n<<< %.*s\n", (int)(strcspn(req, "\r\n") < len ? strcspn(req, "\r\n") : len),
			req, (int)(c.in_len > 1500 ? 1500 : c.in_len), c.in ? c.in : "");
	check_responses(&c, req, len);
	event_free(dog);
	event_free(c.ev_w);
	event_free(c.ev_r);
	close(c.fd);
	free(c.in);
	if (H.server) {
		bufferevent_decref(H.server);
		H.server = NULL;
	}
	/* anything the server still has queued for this loop (freeing the connection) */
	event_base_loop(H.th.base, EVLOOP_NONBLOCK);
}

/* The once-a-second duty of the main thread, then wait until its job (if any) is done. */
static void tick(void)
{
	srv_tick(&H.srv);
	for (int i = 0; atomic_load(&H.srv.autosubmit_busy); i++) {
		struct timespec ts = {0, 200000};
		CHECK(i < 50000); /* 10 s */
		nanosleep(&ts, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	char *req;

	if (!H.ready)
		setup();
	else if (H.iter % H.reset_every == 0) {
		close_db();
		open_db();
	}
	H.iter++;
	req = frame(data, size, &len);
	run_request(req, len);
	free(req);
	tick();
	return 0;
}
