/* test_exam_paper.c — common/domain/exam_render.c's rendered Attempt JSON (exam_attempt_render: bytes
 * concatenated from the per-connection paper cache) against the tree builder
 * (exam_attempt_json), parsed by jansson and compared with json_equal: single, multiple and
 * judge questions with shuffled options, texts that need escaping, with and without saved
 * answers, in progress and submitted with results shown or hidden; a bank import, a key-only
 * re-import and raw SQL changing a question under a reader that has it cached; odd stored
 * content (options that are not JSON, text that is not UTF-8, strange perms and answers);
 * the cache's caps. Renders run on a read-only connection, as on the server's event loops,
 * while writes go through another connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "clock.h"
#include "err.h"
#include "exam.h"
#include "paper.h"
#include "store.h"
#include "store_accounts.h"
#include "store_exams.h"

#include "exam_fixture.h"

/* --- the bank ------------------------------------------------------------------------
 * Texts with what JSON must escape (quotes, backslashes, newlines, tabs) and what it may
 * leave as is (CJK, emoji, U+2028, "</script>"). s1_stem and s2_answer vary between
 * imports: a new stem makes a new version; a new key alone updates the same version. */
#define BANK_FMT \
	"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"t\",\"title\":\"测试题库\",\"subject\":\"test\"}," \
	"\"questions\":[" \
	"{\"id\":\"S1\",\"type\":\"single\",\"stem\":\"%s\"," \
	" \"options\":[\"选项\\\"甲\\\"\",\"反斜杠 \\\\ 与 / 斜杠\",\"</script><b>&amp;</b>\",\"表情 😀 与 \\u2028 分隔\"]," \
	" \"answer\":\"A\",\"difficulty\":1}," \
	"{\"id\":\"S2\",\"type\":\"single\",\"stem\":\"第二题\\n换行\\t制表\",\"options\":[\"一\",\"二\",\"三\"]," \
	" \"answer\":\"%s\",\"difficulty\":1}," \
	"{\"id\":\"S3\",\"type\":\"single\",\"stem\":\"第三题\",\"options\":[\"A 项\",\"B 项\",\"C 项\",\"D 项\",\"E 项\",\"F 项\"]," \
	" \"answer\":\"F\",\"difficulty\":1}," \
	"{\"id\":\"M1\",\"type\":\"multiple\",\"stem\":\"多选一\",\"options\":[\"甲\",\"乙\",\"丙\",\"丁\"]," \
	" \"answer\":\"AC\",\"difficulty\":1}," \
	"{\"id\":\"M2\",\"type\":\"multiple\",\"stem\":\"多选二 \\\"引\\\"\",\"options\":[\"m1\",\"m2\",\"m3\",\"m4\",\"m5\"]," \
	" \"answer\":\"BDE\",\"difficulty\":1}," \
	"{\"id\":\"J1\",\"type\":\"judge\",\"stem\":\"判断一\",\"answer\":\"T\",\"difficulty\":1}," \
	"{\"id\":\"J2\",\"type\":\"judge\",\"stem\":\"判断二 \\\\ 反斜杠\",\"answer\":\"F\",\"difficulty\":1}" \
	"]}"

static char *bank_text(const char *s1_stem, const char *s2_answer)
{
	size_t cap = sizeof BANK_FMT + strlen(s1_stem) + strlen(s2_answer);
	char *s = malloc(cap);
	assert_non_null(s);
	snprintf(s, cap, BANK_FMT, s1_stem, s2_answer);
	return s;
}

struct import_arg {
	const char *s1_stem, *s2_answer;
};

static int import_job(struct store *db, void *arg, struct lx_err *e)
{
	const struct import_arg *a = arg;
	return fx_import_text(db, bank_text(a->s1_stem, a->s2_answer), 1, e);
}

static void import(struct store *db, const char *s1_stem, const char *s2_answer)
{
	struct import_arg a = {s1_stem, s2_answer};
	fx_run(db, import_job, &a, "import");
}

/* --- exams and attempts ------------------------------------------------------------- */

struct exam_arg {
	const char *code, *title, *scoring, *results, *review;
	int64_t now;
};

static int exam_job(struct store *db, void *arg, struct lx_err *e)
{
	const struct exam_arg *a = arg;
	char o[48], c[48], text[2048];
	rfc3339_format(a->now - 3600, o, sizeof o);
	rfc3339_format(a->now + 86400, c, sizeof c);
	snprintf(text, sizeof text,
		 "{\"format\":\"lawexam-exam/1\",\"code\":\"%s\",\"title\":\"%s\",\"opens_at\":\"%s\","
		 "\"closes_at\":\"%s\",\"duration_minutes\":90,\"pass_percent\":60,\"max_attempts\":50,"
		 "\"multiple_scoring\":\"%s\",\"results\":\"%s\",\"review\":\"%s\","
		 "\"papers\":[{\"categories\":[\"general\"],\"sections\":["
		 "{\"title\":\"一、单选题 \\\"每题 2 分\\\"\",\"bank\":\"t\",\"type\":\"single\",\"count\":3,\"points\":2},"
		 "{\"title\":\"二、多选题\",\"bank\":\"t\",\"type\":\"multiple\",\"count\":2,\"points\":1},"
		 "{\"title\":\"三、判断题\",\"bank\":\"t\",\"type\":\"judge\",\"count\":2,\"points\":1}]}]}",
		 a->code, a->title, o, c, a->scoring, a->results, a->review);
	return fx_exam_create(db, text, a->now, e);
}

static void make_exam(struct fx *f, const char *code, const char *title, const char *scoring, const char *results,
		      const char *review)
{
	struct exam_arg a = {code, title, scoring, results, review, f->now};
	struct lx_err e = {0};
	if (store_run(f->db, exam_job, &a, &e) != LX_OK)
		fail_msg("exam %s: %s", code, e.msg);
}

static int setup(void **state)
{
	struct fx *f;
	if (fx_setup(state, "/tmp/lawexam-test-paper-XXXXXX", FX_OTHER | FX_READER) != 0)
		return -1;
	f = *state;
	import(f->db, "含 \\\"引号\\\" 与 \\\\ 反斜杠的题干", "B");
	return 0;
}

static int64_t start(struct fx *f, const char *code)
{
	struct start_arg a = {code, &f->u, f->now, 0, 0};
	struct lx_err e = {0};
	if (store_run(f->db, start_job, &a, &e) != LX_OK)
		fail_msg("start %s: %s", code, e.msg);
	assert_true(a.created);
	return a.id;
}

static void submit(struct fx *f, int64_t id)
{
	struct submit_arg a = {id, f->u.id, f->now};
	fx_run(f->db, submit_job, &a, "submit");
}

/* The drawn questions of an attempt: position, type and version. */
struct slot {
	int position, version;
	char type[16], qid[16], key[16]; /* key: the answer in displayed keys */
	int64_t version_id;
};
struct slots {
	struct slot v[32];
	size_t n;
};

static void slot_cb(void *ctx, const struct aq_row *q)
{
	struct slots *s = ctx;
	assert_true(s->n < 32);
	s->v[s->n].position = q->position;
	s->v[s->n].version = q->version;
	s->v[s->n].version_id = q->version_id;
	snprintf(s->v[s->n].type, sizeof s->v[0].type, "%s", q->type);
	snprintf(s->v[s->n].qid, sizeof s->v[0].qid, "%s", q->qid);
	paper_to_displayed(q->perm, q->answer, s->v[s->n].key, sizeof s->v[0].key);
	s->n++;
}

static void slots_of(struct store *db, int64_t id, struct slots *s)
{
	struct lx_err e = {0};
	memset(s, 0, sizeof *s);
	assert_int_equal(store_aq_list(db, id, slot_cb, s, &e), LX_OK);
}

struct save_arg {
	int64_t id, user_id, now;
	struct save_item items[32];
	size_t n;
};

static int save_job(struct store *db, void *arg, struct lx_err *e)
{
	struct save_arg *a = arg;
	size_t ignored;
	int64_t deadline;
	return exam_save(db, a->id, a->user_id, a->items, a->n, a->now, 30, &ignored, &deadline, NULL, e);
}

/* Saves an answer to every question but the last (displayed keys: "B" for single, "F" for
 * judge; the first single is cleared with ""; the first multiple gets one key of its answer,
 * half the points with partial scoring, the second its whole answer: an odd score in halves). */
static void save_answers(struct fx *f, int64_t id)
{
	struct slots s;
	struct save_arg a = {.id = id, .user_id = f->u.id, .now = f->now};
	struct lx_err e = {0};
	int cleared = 0, multiples = 0;
	slots_of(f->db, id, &s);
	for (size_t i = 0; i + 1 < s.n; i++) {
		struct save_item *it = &a.items[a.n++];
		it->position = s.v[i].position;
		it->seq = 1;
		if (strcmp(s.v[i].type, "single") == 0)
			snprintf(it->response, sizeof it->response, "%s", cleared++ ? "B" : "");
		else if (strcmp(s.v[i].type, "multiple") == 0)
			snprintf(it->response, sizeof it->response, "%.*s", multiples++ ? 8 : 1, s.v[i].key);
		else
			snprintf(it->response, sizeof it->response, "F");
	}
	if (store_run(f->db, save_job, &a, &e) != LX_OK)
		fail_msg("save: %s", e.msg);
}

/* --- the comparison ----------------------------------------------------------------- */

/* Renders attempt id for user_id both ways on db and asserts they mean the same JSON;
 * returns the parsed render (caller decrefs). */
static json_t *same_view(struct store *db, int64_t id, int64_t user_id, int64_t now_ms)
{
	struct lx_err e1 = {0}, e2 = {0};
	json_t *tree = NULL, *got;
	json_error_t jerr;
	char *bytes = NULL;
	size_t len = 0;
	assert_int_equal(exam_attempt_json(db, id, user_id, now_ms, &tree, &e1), LX_OK);
	assert_non_null(tree);
	assert_int_equal(exam_attempt_render(db, id, user_id, now_ms, &bytes, &len, &e2), LX_OK);
	assert_non_null(bytes);
	assert_int_equal(strlen(bytes), len);
	got = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!got)
		fail_msg("render does not parse: %s at %d: %s", jerr.text, jerr.position, bytes);
	if (!json_equal(tree, got)) {
		char *t = json_dumps(tree, JSON_SORT_KEYS | JSON_INDENT(1));
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1));
		print_error("tree:\n%s\nrender:\n%s\n", t, g);
		free(t);
		free(g);
		fail_msg("attempt %lld: the render differs from the tree", (long long)id);
	}
	json_decref(tree);
	free(bytes);
	return got;
}

static void assert_same(struct store *db, int64_t id, int64_t user_id, int64_t now_ms)
{
	json_decref(same_view(db, id, user_id, now_ms));
}

/* The question of view v whose stem is stem, or NULL. */
static json_t *q_with_stem(json_t *v, const char *stem)
{
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(v, "questions"), i, q) {
		const char *s = json_string_value(json_object_get(q, "stem"));
		if (s && strcmp(s, stem) == 0)
			return q;
	}
	return NULL;
}

/* 1 if some question of v shows its options in another order than stored. */
static int shuffled(json_t *v)
{
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(v, "questions"), i, q) {
		const char *s = json_string_value(json_object_get(q, "stem"));
		const char *first = json_string_value(json_object_get(json_array_get(json_object_get(q, "options"), 0), "text"));
		if (s && first && strcmp(s, "第三题") == 0 && strcmp(first, "A 项") != 0)
			return 1;
		if (s && first && strcmp(s, "多选一") == 0 && strcmp(first, "甲") != 0)
			return 1;
		if (s && first && strcmp(s, "多选二 \"引\"") == 0 && strcmp(first, "m1") != 0)
			return 1;
	}
	return 0;
}

/* --- tests -------------------------------------------------------------------------- */

/* Every state an examinee sees, for three result/review policies and both scorings. */
static void test_same_as_tree(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *code, *title, *scoring, *results, *review;
		int visible; /* results shown right after submitting */
	} ex[] = {
		{"imm", "即时出分 \\\"模拟\\\" 考试", "partial", "immediate", "immediate", 1},
		{"never", "never", "all_or_nothing", "hidden", "never", 0},
		{"late", "闭卷后出分 </script>", "partial", "after_close", "after_close", 0},
	};
	struct exam_paper_cache_stats st0, st1;
	int64_t now_ms = f->now * 1000 + 123;
	int any_shuffled = 0, odd_score = 0;

	for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++)
		make_exam(f, ex[k].code, ex[k].title, ex[k].scoring, ex[k].results, ex[k].review);
	for (int round = 0; round < 4; round++)
		for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++) {
			int64_t id = start(f, ex[k].code);
			json_t *v = same_view(f->rd, id, f->u.id, now_ms); /* in progress, no answers */
			any_shuffled |= shuffled(v);
			assert_int_equal(json_array_size(json_object_get(v, "questions")), 7);
			assert_int_equal(json_object_size(json_object_get(v, "answers")), 0);
			json_decref(v);

			save_answers(f, id);
			exam_paper_cache_stats(f->rd, &st0);
			v = same_view(f->rd, id, f->u.id, now_ms); /* with answers, from the cache */
			exam_paper_cache_stats(f->rd, &st1);
			assert_int_equal(st1.fills, st0.fills);
			assert_true(st1.hits >= st0.hits + 7);
			assert_int_equal(json_object_size(json_object_get(v, "answers")), 6);
			json_decref(v);

			submit(f, id);
			v = same_view(f->rd, id, f->u.id, now_ms);
			assert_string_equal(json_string_value(json_object_get(v, "status")), "submitted");
			if (ex[k].visible) {
				json_t *res = json_object_get(v, "result");
				assert_true(json_is_object(res));
				odd_score |= json_is_real(json_object_get(res, "score"));
			} else {
				assert_true(json_is_null(json_object_get(v, "result")));
			}
			json_decref(v);
			/* Two days later: after close, results and review open for "late". */
			v = same_view(f->rd, id, f->u.id, now_ms + 2 * 86400 * 1000LL);
			if (strcmp(ex[k].code, "never") != 0) {
				assert_true(json_is_object(json_object_get(v, "result")));
				assert_true(json_is_true(json_object_get(v, "review_available")));
			}
			json_decref(v);
		}
	assert_true(any_shuffled);
	assert_true(odd_score); /* partial credit: "AC" against a three-key answer gives a half point */

	/* The same comparisons on the writer's connection (a cache of its own). */
	{
		int64_t id = start(f, "imm");
		assert_same(f->db, id, f->u.id, now_ms);
		save_answers(f, id);
		assert_same(f->db, id, f->u.id, now_ms);
	}
}

/* Only the owner sees an attempt; a missing one is not found either way. */
static void test_not_found(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	char *bytes = NULL;
	size_t len = 0;
	json_t *tree = NULL;
	int64_t id;
	make_exam(f, "x", "x", "partial", "immediate", "never");
	id = start(f, "x");
	assert_int_equal(exam_attempt_render(f->rd, id, f->other.id, f->now * 1000, &bytes, &len, &e), LX_ERR_NOTFOUND);
	assert_null(bytes);
	assert_int_equal(exam_attempt_json(f->rd, id, f->other.id, f->now * 1000, &tree, &e), LX_ERR_NOTFOUND);
	assert_int_equal(exam_attempt_render(f->rd, id + 1000, f->u.id, f->now * 1000, &bytes, &len, &e), LX_ERR_NOTFOUND);
	assert_null(bytes);
	assert_same(f->rd, id, 0, f->now * 1000); /* user 0: no ownership check (the CLI) */
}

/* A question changed by a bank import is shown with its new text on the next render; an
 * attempt keeps the version it drew; a key-only re-import keeps the version (updated in
 * place) and still renders as the tree does; raw SQL changing a version's text in place
 * behind the cache's back is seen at once (the triggers change the stamp). */
static void test_changes_seen(void **state)
{
	struct fx *f = *state;
	struct exam_paper_cache_stats st0, st1;
	struct store *cli = NULL;
	struct lx_err e = {0};
	struct slots s0, s1;
	int64_t now_ms = f->now * 1000, a, b;
	json_t *v;
	char sql[256];

	make_exam(f, "x", "变更测试", "partial", "immediate", "immediate");
	a = start(f, "x");
	v = same_view(f->rd, a, f->u.id, now_ms);
	assert_non_null(q_with_stem(v, "含 \"引号\" 与 \\ 反斜杠的题干"));
	json_decref(v);
	exam_paper_cache_stats(f->rd, &st0);

	/* A new stem: a new version (imported by another connection, as the CLI would). */
	assert_int_equal(store_open(f->path, 0, &cli, &e), LX_OK);
	import(cli, "新题干 \\\"改\\\"", "B");
	store_close(cli);
	v = same_view(f->rd, a, f->u.id, now_ms); /* the attempt keeps what it drew */
	assert_non_null(q_with_stem(v, "含 \"引号\" 与 \\ 反斜杠的题干"));
	json_decref(v);
	exam_paper_cache_stats(f->rd, &st1);
	assert_true(st1.clears > st0.clears);
	submit(f, a);
	b = start(f, "x");
	v = same_view(f->rd, b, f->u.id, now_ms);
	assert_non_null(q_with_stem(v, "新题干 \"改\""));
	assert_null(q_with_stem(v, "含 \"引号\" 与 \\ 反斜杠的题干"));
	json_decref(v);

	/* The key only: the same version, updated in place. */
	slots_of(f->db, b, &s0);
	exam_paper_cache_stats(f->rd, &st0);
	import(f->db, "新题干 \\\"改\\\"", "C");
	slots_of(f->db, b, &s1);
	for (size_t i = 0; i < s0.n; i++)
		assert_int_equal(s0.v[i].version_id, s1.v[i].version_id);
	assert_same(f->rd, b, f->u.id, now_ms);
	exam_paper_cache_stats(f->rd, &st1);
	assert_true(st1.clears > st0.clears);

	/* Raw SQL, in place: stem and options of S2's version, with text that needs escaping. */
	for (size_t i = 0; i < s1.n; i++)
		if (strcmp(s1.v[i].qid, "S2") == 0) {
			snprintf(sql, sizeof sql,
				 "UPDATE question_versions SET stem = '原地修改 \"x\" ' || char(1) || char(127),"
				 " options = '[\"新一\",\"新二\\\\\",\"新三\"]' WHERE id = %lld",
				 (long long)s1.v[i].version_id);
			raw_exec(f->path, sql);
		}
	v = same_view(f->rd, b, f->u.id, now_ms);
	{
		json_t *q = q_with_stem(v, "原地修改 \"x\" \x01\x7f");
		size_t i;
		json_t *o;
		int seen = 0;
		assert_non_null(q);
		json_array_foreach(json_object_get(q, "options"), i, o)
			seen += strcmp(json_string_value(json_object_get(o, "text")), "新二\\") == 0;
		assert_int_equal(seen, 1);
	}
	json_decref(v);
}

/* Stored content the program would not write, rendered exactly as the tree renders it. */
static void test_odd_content(void **state)
{
	struct fx *f = *state;
	struct slots s;
	int64_t id, now_ms = f->now * 1000;
	char sql[1024];
	make_exam(f, "x", "x", "partial", "immediate", "immediate");
	id = start(f, "x");
	save_answers(f, id);
	assert_same(f->rd, id, f->u.id, now_ms);
	slots_of(f->db, id, &s);
	for (size_t i = 0; i < s.n; i++) {
		const char *set = NULL;
		if (strcmp(s.v[i].qid, "S1") == 0)
			set = "options = 'not json'";
		else if (strcmp(s.v[i].qid, "S3") == 0)
			set = "options = '[1, null, \"三\", {\"a\": 1}]'";
		else if (strcmp(s.v[i].qid, "M1") == 0)
			set = "stem = X'E4BDA0FF'"; /* not UTF-8: the tree leaves the question out */
		if (set) {
			snprintf(sql, sizeof sql, "UPDATE question_versions SET %s WHERE id = %lld", set,
				 (long long)s.v[i].version_id);
			raw_exec(f->path, sql);
		}
	}
	assert_same(f->rd, id, f->u.id, now_ms);
	/* Perms with keys out of range, or with more keys than letters (display keys past Z: "[",
	 * "\\"…); a section title and answers that need escaping, a section title that is not
	 * UTF-8 (the tree leaves that question out); an answer to a position not on the paper; an
	 * exam title that needs escaping. */
	snprintf(sql, sizeof sql,
		 "UPDATE attempt_questions SET perm = 'DZa' WHERE attempt_id = %lld AND position = 1;"
		 "UPDATE attempt_questions SET perm = 'BADCFEHGJILKNMPORQTSVUXWZYABCD' WHERE attempt_id = %lld"
		 " AND position = 3;"
		 "UPDATE attempt_questions SET section_title = 'S \"\\ ' || char(9) WHERE attempt_id = %lld AND position = 2;"
		 "UPDATE attempt_questions SET section_title = CAST(X'41FF' AS TEXT) WHERE attempt_id = %lld AND position = 4;"
		 "UPDATE answers SET response = 'X\"\\y' WHERE attempt_id = %lld AND position ="
		 " (SELECT max(position) FROM answers WHERE attempt_id = %lld);"
		 "INSERT INTO answers(attempt_id, position, response, seq, saved_at) VALUES(%lld, 99, 'A', 1, 0);"
		 "UPDATE exams SET title = '标题 \"</script>\\' WHERE code = 'x';",
		 (long long)id, (long long)id, (long long)id, (long long)id, (long long)id, (long long)id,
		 (long long)id);
	raw_exec(f->path, sql);
	assert_same(f->rd, id, f->u.id, now_ms);
	submit(f, id);
	assert_same(f->rd, id, f->u.id, now_ms);
}

/* The caps: entries and bytes, least recently used evicted, the rendering unchanged. */
static void test_cache_bounds(void **state)
{
	struct fx *f = *state;
	struct exam_paper_cache_stats st;
	int64_t ids[3], now_ms = f->now * 1000;
	make_exam(f, "x", "x", "partial", "immediate", "never");
	for (int i = 0; i < 3; i++) {
		ids[i] = start(f, "x");
		save_answers(f, ids[i]);
		submit(f, ids[i]);
	}
	assert_same(f->rd, ids[0], f->u.id, now_ms);
	exam_paper_cache_stats(f->rd, &st);
	assert_int_equal(st.entries, 7);
	assert_true(st.bytes > 0);

	exam_paper_cache_limit(f->rd, 3, 0);
	exam_paper_cache_stats(f->rd, &st);
	assert_int_equal(st.entries, 3);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 3; i++) {
			assert_same(f->rd, ids[i], f->u.id, now_ms);
			exam_paper_cache_stats(f->rd, &st);
			assert_true(st.entries <= 3);
		}
	exam_paper_cache_limit(f->rd, 0, 1); /* one byte: only the newest entry stays */
	for (int i = 0; i < 3; i++) {
		assert_same(f->rd, ids[i], f->u.id, now_ms);
		exam_paper_cache_stats(f->rd, &st);
		assert_int_equal(st.entries, 1);
	}
	exam_paper_cache_limit(f->rd, 0, 0);
	assert_same(f->rd, ids[0], f->u.id, now_ms);
	exam_paper_cache_stats(f->rd, &st);
	assert_int_equal(st.entries, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_as_tree, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_changes_seen, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_odd_content, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cache_bounds, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
