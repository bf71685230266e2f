/* test_study.c — the mistake rules of common/domain/study.c (SPEC §13, study.h): a wrong
 * practice answer puts a question in the 错题本; it leaves after two right answers in a row
 * (a wrong one in between starts the count again) and comes back on a later wrong answer; an
 * exam attempt's wrong answers enter only once its review may be shown (review immediate at
 * submit; after_close only once closed; never: never; not while another attempt of the same
 * exam is in progress), each attempt once; the response check of practice answers; the
 * prerequisite count (practice answers) and the reading ping's 30 s rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exam_fixture.h"
#include "lx_limits.h"
#include "store_exams.h"
#include "store_study.h"
#include "study.h"

/* Bank "s": judge questions j1..j6 (keys T,F,T,F,T,F) and single questions s1, s2 (key B). */
static char *bank_text(void)
{
	const char *t =
		"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"s\",\"title\":\"学法题库\",\"subject\":\"test\"},"
		"\"questions\":["
		"{\"id\":\"j1\",\"type\":\"judge\",\"stem\":\"判断一\",\"answer\":\"T\",\"explanation\":\"解析一\",\"basis\":\"《宪法》第一条\"},"
		"{\"id\":\"j2\",\"type\":\"judge\",\"stem\":\"判断二\",\"answer\":\"F\"},"
		"{\"id\":\"j3\",\"type\":\"judge\",\"stem\":\"判断三\",\"answer\":\"T\"},"
		"{\"id\":\"j4\",\"type\":\"judge\",\"stem\":\"判断四\",\"answer\":\"F\"},"
		"{\"id\":\"j5\",\"type\":\"judge\",\"stem\":\"判断五\",\"answer\":\"T\"},"
		"{\"id\":\"j6\",\"type\":\"judge\",\"stem\":\"判断六\",\"answer\":\"F\"},"
		"{\"id\":\"s1\",\"type\":\"single\",\"stem\":\"单选一\",\"options\":[\"甲\",\"乙\",\"丙\"],\"answer\":\"B\"},"
		"{\"id\":\"s2\",\"type\":\"single\",\"stem\":\"单选二\",\"options\":[\"甲\",\"乙\",\"丙\"],\"answer\":\"B\"}]}";
	return strdup(t);
}

static int import_job(struct store *db, void *arg, struct lx_err *e)
{
	(void)arg;
	return fx_import_text(db, bank_text(), 0, e);
}

static int setup(void **state)
{
	if (fx_setup(state, "/tmp/lawexam-study-XXXXXX", FX_OTHER) != 0)
		return -1;
	fx_run(((struct fx *)*state)->db, import_job, NULL, "import");
	return 0;
}

/* --- jobs ------------------------------------------------------------------------------ */

struct prac {
	struct fx *f;
	int64_t user_id, set_id, now;
	int count, position;
	enum practice_mode mode;
	const char *response;
	json_t *out;
};

static int create_job(struct store *db, void *arg, struct lx_err *e)
{
	struct prac *p = arg;
	return study_practice_create(db, p->user_id, "s", p->count, p->mode, NULL, p->now, &p->set_id, e);
}

static int answer_job(struct store *db, void *arg, struct lx_err *e)
{
	struct prac *p = arg;
	json_decref(p->out);
	p->out = NULL;
	return study_practice_answer(db, p->set_id, p->user_id, p->position, p->response, p->now, &p->out, e);
}

/* A new practice set of user (mode, count); its id. */
static int64_t practise(struct fx *f, int64_t user_id, enum practice_mode mode, int count)
{
	struct prac p = {.f = f, .user_id = user_id, .now = f->now, .count = count, .mode = mode};
	fx_run(f->db, create_job, &p, "practice create");
	return p.set_id;
}

/* Answers position of set with response; returns "correct". */
static int answer(struct fx *f, int64_t user_id, int64_t set_id, int position, const char *response)
{
	struct prac p = {.f = f, .user_id = user_id, .set_id = set_id, .now = f->now, .position = position,
			 .response = response};
	int correct;
	fx_run(f->db, answer_job, &p, "practice answer");
	correct = json_is_true(json_object_get(p.out, "correct"));
	json_decref(p.out);
	return correct;
}

static int64_t mistakes(struct fx *f, int64_t user_id)
{
	int64_t n = -1;
	struct lx_err e = {0};
	assert_int_equal(store_mistakes_count(f->db, user_id, &n, &e), LX_OK);
	return n;
}

struct mrow {
	char qid[16], last[16];
	int64_t wrong_count, streak;
	int n;
};

static void mrow_cb(void *ctx, const struct mistake_row *m)
{
	struct mrow *r = ctx;
	snprintf(r->qid, sizeof r->qid, "%s", m->qid);
	snprintf(r->last, sizeof r->last, "%s", m->last_response);
	r->wrong_count = m->wrong_count;
	r->streak = m->streak;
	r->n++;
}

/* --- practice ---------------------------------------------------------------------------- */

static void test_response_valid(void **state)
{
	(void)state;
	assert_true(study_response_valid("judge", 2, "T"));
	assert_true(study_response_valid("judge", 2, "F"));
	assert_false(study_response_valid("judge", 2, "A"));
	assert_false(study_response_valid("judge", 2, "TF"));
	assert_false(study_response_valid("judge", 2, ""));
	assert_true(study_response_valid("single", 3, "C"));
	assert_false(study_response_valid("single", 3, "D"));
	assert_false(study_response_valid("single", 3, "AB"));
	assert_true(study_response_valid("multiple", 4, "ACD"));
	assert_false(study_response_valid("multiple", 4, "CA"));
	assert_false(study_response_valid("multiple", 4, "AAC"));
	assert_false(study_response_valid("multiple", 4, "AE"));
	assert_false(study_response_valid("multiple", 4, "a"));
}

/* Sequential: j1 first. Wrong → in; right → still in (one right); wrong → count restarts;
 * right, right → out; wrong again → back in with wrong_count 3. */
static void test_wrong_enters_two_right_leave(void **state)
{
	struct fx *f = *state;
	int64_t uid = f->u.id, set;
	struct mrow r = {0};
	struct lx_err e = {0};

	set = practise(f, uid, PRACTICE_SEQUENTIAL, 1);
	assert_int_equal(mistakes(f, uid), 0);
	assert_false(answer(f, uid, set, 1, "F")); /* j1's key is T */
	assert_int_equal(mistakes(f, uid), 1);
	assert_int_equal(store_mistakes(f->db, uid, mrow_cb, &r, &e), LX_OK);
	assert_string_equal(r.qid, "j1");
	assert_string_equal(r.last, "F");
	assert_int_equal(r.wrong_count, 1);

	static const struct { const char *resp; int correct; int64_t in_book; } steps[] = {
		{"T", 1, 1}, /* one right: stays */
		{"F", 0, 1}, /* wrong: the count starts again */
		{"T", 1, 1}, /* one right in a row */
		{"T", 1, 0}, /* two right in a row: leaves */
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		set = practise(f, uid, PRACTICE_MISTAKES, 10);
		assert_int_equal(answer(f, uid, set, 1, steps[i].resp), steps[i].correct);
		assert_int_equal(mistakes(f, uid), steps[i].in_book);
	}
	/* a right answer to a question not in the book changes nothing; a new wrong one brings j1 back */
	set = practise(f, uid, PRACTICE_SEQUENTIAL, 8); /* j2.. first (never practised), then j1 */
	assert_true(answer(f, uid, set, 1, "F"));  /* j2 right */
	assert_int_equal(mistakes(f, uid), 0);
	assert_false(answer(f, uid, set, 8, "F")); /* the 8th is j1 (seen), wrong */
	memset(&r, 0, sizeof r);
	assert_int_equal(store_mistakes(f->db, uid, mrow_cb, &r, &e), LX_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.qid, "j1");
	assert_int_equal(r.wrong_count, 3);
	assert_int_equal(r.streak, 0);
	/* the other examinee's book is their own */
	assert_int_equal(mistakes(f, f->other.id), 0);
}

/* The first answer of a position counts; a second answer changes nothing. */
static void test_first_answer_counts(void **state)
{
	struct fx *f = *state;
	int64_t uid = f->u.id, set = practise(f, uid, PRACTICE_SEQUENTIAL, 2), n = 0;
	struct lx_err e = {0};

	assert_true(answer(f, uid, set, 1, "T"));
	assert_true(answer(f, uid, set, 1, "F")); /* repeat: the first (right) answer's feedback */
	assert_int_equal(mistakes(f, uid), 0);
	assert_int_equal(store_study_answered(f->db, uid, &n, &e), LX_OK);
	assert_int_equal(n, 1);
}

/* Another person's set is not found; a response outside the options is bad_response. */
static void test_answer_refusals(void **state)
{
	struct fx *f = *state;
	int64_t set = practise(f, f->u.id, PRACTICE_SEQUENTIAL, 8);
	struct prac p = {.f = f, .user_id = f->other.id, .set_id = set, .now = f->now, .position = 1, .response = "T"};
	struct lx_err e = {0};

	assert_int_equal(store_run(f->db, answer_job, &p, &e), LX_ERR_NOTFOUND);
	p.user_id = f->u.id;
	p.response = "A"; /* j1 is a judge question */
	assert_int_equal(store_run(f->db, answer_job, &p, &e), LX_ERR_INVALID);
	assert_string_equal(e.tag, "bad_response");
	p.position = 7; /* s1: options A..C */
	p.response = "D";
	assert_int_equal(store_run(f->db, answer_job, &p, &e), LX_ERR_INVALID);
	p.response = "C";
	assert_int_equal(store_run(f->db, answer_job, &p, &e), LX_OK);
	json_decref(p.out);
	p.out = NULL;
	p.position = 9; /* no such position */
	assert_int_equal(store_run(f->db, answer_job, &p, &e), LX_ERR_NOTFOUND);
}

/* The bytes written from the paper cache (study_practice_render, what the server sends) are
 * the JSON tree's (study_practice_json), for every mode; "mode" only when asked for; another
 * person's set is not found either way; a changed stem is seen at once (the content stamp). */
static void test_render_equals_tree(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	static const enum practice_mode modes[] = {PRACTICE_SEQUENTIAL, PRACTICE_RANDOM};
	for (size_t m = 0; m < 2; m++) {
		int64_t set = practise(f, f->u.id, modes[m], 8);
		json_t *tree = NULL, *bytes;
		char *out = NULL, *dumped;
		size_t len = 0;
		assert_int_equal(study_practice_json(f->db, set, f->u.id, &tree, &e), LX_OK);
		assert_int_equal(study_practice_render(f->db, set, f->u.id, NULL, &out, &len, &e), LX_OK);
		assert_int_equal(strlen(out), len);
		bytes = json_loads(out, 0, NULL);
		assert_non_null(bytes);
		assert_true(json_equal(tree, bytes));
		assert_int_equal(json_array_size(json_object_get(bytes, "questions")), 8);
		dumped = json_dumps(bytes, JSON_COMPACT);
		assert_null(strstr(dumped, "\"answer\""));
		free(dumped);
		json_decref(bytes);
		free(out);
		assert_int_equal(study_practice_render(f->db, set, f->u.id, "random", &out, &len, &e), LX_OK);
		bytes = json_loads(out, 0, NULL);
		assert_string_equal(json_string_value(json_object_get(bytes, "mode")), "random");
		json_decref(bytes);
		free(out);
		out = NULL;
		assert_int_equal(study_practice_render(f->db, set, f->other.id, NULL, &out, &len, &e), LX_ERR_NOTFOUND);
		assert_null(out);
		json_decref(tree);
	}
	{
		int64_t set = practise(f, f->u.id, PRACTICE_SEQUENTIAL, 1); /* j1 first? not necessarily: any */
		char *out = NULL;
		size_t len = 0;
		assert_int_equal(study_practice_render(f->db, set, f->u.id, NULL, &out, &len, &e), LX_OK);
		free(out);
		raw_exec(f->path, "UPDATE question_versions SET stem = stem || '（改）'");
		assert_int_equal(study_practice_render(f->db, set, f->u.id, NULL, &out, &len, &e), LX_OK);
		assert_non_null(strstr(out, "（改）"));
		free(out);
	}
}

/* --- exam attempts ---------------------------------------------------------------------- */

static void make_exam(struct fx *f, const char *code, const char *review, int max_attempts, int64_t closes)
{
	char text[2048], o[40], c[40];
	struct lx_err e = {0};
	snprintf(text, sizeof text,
		 "{\"format\":\"lawexam-exam/1\",\"code\":\"%s\",\"title\":\"t\",\"opens_at\":\"%s\",\"closes_at\":\"%s\","
		 "\"duration_minutes\":60,\"pass_percent\":60,\"max_attempts\":%d,\"results\":\"immediate\","
		 "\"review\":\"%s\",\"papers\":[{\"categories\":[\"general\"],\"sections\":[{\"title\":\"判断\","
		 "\"bank\":\"s\",\"type\":\"judge\",\"count\":6,\"points\":1}]}]}",
		 code, rfc3339_format(f->now - 3600, o, sizeof o), rfc3339_format(closes, c, sizeof c), max_attempts,
		 review);
	assert_int_equal(store_begin(f->db, &e), LX_OK);
	assert_int_equal(fx_exam_create(f->db, text, f->now - 3600, &e), LX_OK);
	assert_int_equal(store_commit(f->db, &e), LX_OK);
}

struct keys_ctx {
	char key[8][4];
};

static void key_cb(void *ctx, const struct aq_row *q)
{
	struct keys_ctx *k = ctx;
	if (q->position >= 1 && q->position < 8)
		snprintf(k->key[q->position], sizeof k->key[q->position], "%s", q->answer);
}

struct take_arg {
	struct fx *f;
	int64_t attempt_id;
	int n_wrong;
	int n_blank; /* the last n_blank positions left blank: the first saved as "", the rest never saved */
};

static int save_job(struct store *db, void *arg, struct lx_err *e)
{
	struct take_arg *t = arg;
	struct keys_ctx k = {0};
	struct save_item items[6];
	size_t ignored = 0, n = 0;
	int64_t deadline = 0;
	int rc = store_aq_list(db, t->attempt_id, key_cb, &k, e);
	for (int i = 0; rc == LX_OK && i < 6; i++) {
		int wrong = i < t->n_wrong, blank = i >= 6 - t->n_blank;
		if (blank && i > 6 - t->n_blank)
			continue; /* never saved */
		items[n].position = i + 1;
		items[n].seq = 1;
		snprintf(items[n].response, sizeof items[n].response, "%s",
			 blank ? "" : wrong ? (strcmp(k.key[i + 1], "T") == 0 ? "F" : "T") : k.key[i + 1]);
		n++;
	}
	if (rc == LX_OK)
		rc = exam_save(db, t->attempt_id, t->f->u.id, items, n, t->f->now, 30, &ignored, &deadline, NULL, e);
	return rc;
}

/* Starts code for f->u, answers n_wrong of its 6 judge questions wrong, leaves the last
 * n_blank blank and the rest right, submits at f->now. */
static int64_t take_blank(struct fx *f, const char *code, int n_wrong, int n_blank, int submit)
{
	struct start_arg s = {code, &f->u, f->now, 0, 0};
	struct take_arg t = {f, 0, n_wrong, n_blank};
	struct submit_arg sub;
	fx_run(f->db, start_job, &s, "start");
	t.attempt_id = s.id;
	fx_run(f->db, save_job, &t, "save");
	if (submit) {
		sub = (struct submit_arg){s.id, f->u.id, f->now};
		fx_run(f->db, submit_job, &sub, "submit");
	}
	return s.id;
}

static int64_t take(struct fx *f, const char *code, int n_wrong, int submit)
{
	return take_blank(f, code, n_wrong, 0, submit);
}

struct ingest_arg {
	int64_t user_id, now;
	int taken;
};

static int ingest_job(struct store *db, void *arg, struct lx_err *e)
{
	struct ingest_arg *a = arg;
	return study_mistakes_ingest(db, a->user_id, a->now, &a->taken, e);
}

static int ingest(struct fx *f, int64_t at)
{
	struct ingest_arg a = {f->u.id, at, -1};
	fx_run(f->db, ingest_job, &a, "ingest");
	return a.taken;
}

/* review after_close: nothing enters while the exam is open (the book would show which of a
 * judge question's two answers was wrong, i.e. the key); once closed, the wrong answers enter,
 * once. review never: never. review immediate: at submit. */
static void test_exam_mistakes_when_review_allowed(void **state)
{
	struct fx *f = *state;
	int64_t closes = f->now + 3600;
	int pending = 1;
	struct lx_err e = {0};

	make_exam(f, "after", "after_close", 1, closes);
	make_exam(f, "never", "never", 1, closes);
	take(f, "after", 2, 1);
	take(f, "never", 3, 1);
	assert_int_equal(mistakes(f, f->u.id), 0);
	assert_int_equal(ingest(f, f->now), 0);
	assert_int_equal(ingest(f, closes - 1), 0);
	assert_int_equal(study_mistakes_pending(f->db, f->u.id, closes - 1, &pending, &e), LX_OK);
	assert_false(pending);
	assert_int_equal(mistakes(f, f->u.id), 0);
	/* closed: review allowed, the two wrong answers of "after" enter; "never" stays out */
	assert_int_equal(study_mistakes_pending(f->db, f->u.id, closes, &pending, &e), LX_OK);
	assert_true(pending);
	assert_int_equal(ingest(f, closes), 1);
	assert_int_equal(mistakes(f, f->u.id), 2);
	assert_int_equal(ingest(f, closes + 100), 0); /* each attempt once */
	assert_int_equal(ingest(f, INT64_C(4000000000)), 0);
	assert_int_equal(mistakes(f, f->u.id), 2);

	make_exam(f, "now", "immediate", 1, closes);
	take(f, "now", 4, 1); /* exam_submit takes them at once */
	assert_true(mistakes(f, f->u.id) >= 4);
	assert_int_equal(ingest(f, f->now), 0);
}

/* Review immediate with two attempts: while the second is in progress the first's wrong
 * answers stay out of the book (it may draw the same questions). */
static void test_exam_mistakes_not_during_another_attempt(void **state)
{
	struct fx *f = *state;
	int64_t a2;

	make_exam(f, "two", "never", 2, f->now + 3600);
	take(f, "two", 3, 1);
	assert_int_equal(mistakes(f, f->u.id), 0);
	raw_exec(f->path, "UPDATE exams SET review = 'immediate' WHERE code = 'two'");
	a2 = take(f, "two", 0, 0); /* in progress */
	assert_int_equal(ingest(f, f->now), 0);
	assert_int_equal(mistakes(f, f->u.id), 0);
	{
		struct submit_arg sub = {a2, f->u.id, f->now};
		fx_run(f->db, submit_job, &sub, "submit 2");
	}
	assert_int_equal(mistakes(f, f->u.id), 3);
}

struct last_ctx {
	int n, blank;
};

static void last_cb(void *ctx, const struct mistake_row *m)
{
	struct last_ctx *l = ctx;
	l->n++;
	l->blank += m->last_response[0] == '\0';
}

/* A question left blank is a question not known: the blank ones of an attempt (an empty
 * response saved, or none at all) enter with the wrong ones, last_response "", and, like
 * them, only once the review may be shown. */
static void test_exam_blank_answers_enter(void **state)
{
	struct fx *f = *state;
	int64_t closes = f->now + 3600;
	struct last_ctx l = {0};
	struct lx_err e = {0};

	make_exam(f, "blank", "after_close", 1, closes);
	take_blank(f, "blank", 1, 3, 1); /* 1 wrong, 2 right, 3 blank (one saved as "") */
	assert_int_equal(ingest(f, f->now), 0);
	assert_int_equal(mistakes(f, f->u.id), 0); /* review not yet allowed: not even the blank ones */
	assert_int_equal(ingest(f, closes), 1);
	assert_int_equal(mistakes(f, f->u.id), 4);
	assert_int_equal(store_mistakes(f->db, f->u.id, last_cb, &l, &e), LX_OK);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.blank, 3);
}

/* Practice is refused while a real exam attempt is in progress (its keys would show). */
static void test_no_practice_during_exam(void **state)
{
	struct fx *f = *state;
	struct prac p = {.f = f, .user_id = f->u.id, .now = f->now, .count = 3, .mode = PRACTICE_RANDOM};
	struct lx_err e = {0};

	make_exam(f, "busy", "never", 1, f->now + 3600);
	take(f, "busy", 0, 0);
	assert_int_equal(store_run(f->db, create_job, &p, &e), LX_ERR_CONFLICT);
	assert_string_equal(e.tag, "exam_in_progress");
	p.user_id = f->other.id; /* someone else may */
	assert_int_equal(store_run(f->db, create_job, &p, &e), LX_OK);
}

/* --- reading ---------------------------------------------------------------------------- */

struct ping_arg {
	int64_t user_id, now;
	int counted;
};

static int ping_job(struct store *db, void *arg, struct lx_err *e)
{
	struct ping_arg *a = arg;
	return study_reading_ping(db, a->user_id, "xianfa", a->now, &a->counted, e);
}

static void test_reading_once_per_30s(void **state)
{
	struct fx *f = *state;
	static const struct { int64_t dt; int counted; } pings[] = {
		{0, 1}, {1, 0}, {29, 0}, {30, 1}, {45, 0}, {61, 1}, {200, 1},
	};
	int64_t secs = 0;
	struct lx_err e = {0};
	for (size_t i = 0; i < sizeof pings / sizeof pings[0]; i++) {
		struct ping_arg a = {f->u.id, f->now + pings[i].dt, -1};
		fx_run(f->db, ping_job, &a, "ping");
		assert_int_equal(a.counted, pings[i].counted);
	}
	assert_int_equal(store_reading_seconds(f->db, f->u.id, &secs, &e), LX_OK);
	assert_int_equal(secs, 4 * LX_READING_PING_SECONDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_response_valid),
		cmocka_unit_test_setup_teardown(test_wrong_enters_two_right_leave, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_first_answer_counts, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_answer_refusals, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_render_equals_tree, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_exam_mistakes_when_review_allowed, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_exam_mistakes_not_during_another_attempt, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_exam_blank_answers_enter, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_practice_during_exam, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reading_once_per_30s, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
