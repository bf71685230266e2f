/* test_receipt.c — answer receipts (回执): the canonical text, the HMAC code against a
 * reference computed outside (Python's hmac), normalising and grouping; issuing and
 * verifying against a store, a changed answer or time making it invalid. And outage
 * credit (故障补时): who gets the gap, the audit rows, and the two Attempt renderings
 * agreeing on "credits". */
#include "exam_fixture.h"

#include <jansson.h>

#include "receipt.h"
#include "store_exams.h"

static void test_text_and_code(void **state)
{
	char *t = receipt_text(42, "1001", "2026-annual", 1796000000, "1:B\n3:ACD\n12:T\n");
	char code[RECEIPT_LEN + 1], sha[65], shown[RECEIPT_SHOWN_LEN + 1], key[65];
	assert_string_equal(t, "lawexam-receipt/1\nattempt:42\nlogin:1001\nexam:2026-annual\n"
			       "submitted_at:1796000000\n1:B\n3:ACD\n12:T\n");
	memset(key, 'k', 64);
	key[64] = 0;
	receipt_code(key, 64, t, code);
	/* python3: base64.b32encode(hmac.new(b'k'*64, text, sha256).digest()[:10]) */
	assert_string_equal(code, "VXODHY6WLJRU7GLL");
	receipt_sha256_hex("1:B\n3:ACD\n12:T\n", sha);
	assert_string_equal(sha, "a3efd487495e3a95a3ccd7f5acc848aae3d2fe004c4b76bac051284e22b277f5");
	receipt_group(code, shown);
	assert_string_equal(shown, "VXOD-HY6W-LJRU-7GLL");
	/* one changed answer, one changed second: another code */
	free(t);
	t = receipt_text(42, "1001", "2026-annual", 1796000000, "1:B\n3:ACD\n12:F\n");
	receipt_code(key, 64, t, sha);
	assert_string_not_equal(sha, code);
	free(t);
	t = receipt_text(42, "1001", "2026-annual", 1796000001, "1:B\n3:ACD\n12:T\n");
	receipt_code(key, 64, t, sha);
	assert_string_not_equal(sha, code);
	free(t);
}

static void test_normalize(void **state)
{
	char out[RECEIPT_LEN + 1];
	assert_int_equal(receipt_normalize("vxod-hy6w-ljru-7gll", out), LX_OK);
	assert_string_equal(out, "VXODHY6WLJRU7GLL");
	assert_int_equal(receipt_normalize("VXOD HY6W LJRU 7GLL", out), LX_OK);
	assert_int_equal(receipt_normalize("VXODHY6WLJRU7GL", out), LX_ERR_INVALID);   /* 15 */
	assert_int_equal(receipt_normalize("VXODHY6WLJRU7GLLA", out), LX_ERR_INVALID); /* 17 */
	assert_int_equal(receipt_normalize("VXODHY6WLJRU7GL1", out), LX_ERR_INVALID);  /* 1 is not base32 */
	assert_int_equal(receipt_normalize("", out), LX_ERR_INVALID);
}

/* --- against a store ---------------------------------------------------------------- */

static const char BANK[] =
	"{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"t\",\"title\":\"回执测试\",\"subject\":\"t\"},"
	"\"questions\":["
	"{\"id\":\"S1\",\"type\":\"single\",\"stem\":\"一\",\"options\":[\"甲\",\"乙\",\"丙\"],\"answer\":\"A\"},"
	"{\"id\":\"S2\",\"type\":\"single\",\"stem\":\"二\",\"options\":[\"甲\",\"乙\",\"丙\"],\"answer\":\"B\"},"
	"{\"id\":\"J1\",\"type\":\"judge\",\"stem\":\"三\",\"answer\":\"T\"}]}";

static int setup_job(struct store *db, void *arg, struct lx_err *e)
{
	const struct fx *f = arg;
	char o[48], c[48], text[1024];
	int rc = fx_import_text(db, strdup(BANK), 0, e);
	rfc3339_format(f->now - 3600, o, sizeof o);
	rfc3339_format(f->now + 86400, c, sizeof c);
	snprintf(text, sizeof text,
		 "{\"format\":\"lawexam-exam/1\",\"code\":\"r\",\"title\":\"回执\",\"opens_at\":\"%s\","
		 "\"closes_at\":\"%s\",\"duration_minutes\":60,\"pass_percent\":60,\"max_attempts\":1,"
		 "\"multiple_scoring\":\"partial\",\"results\":\"immediate\",\"review\":\"never\","
		 "\"papers\":[{\"categories\":[\"general\"],\"sections\":[{\"title\":\"单选\",\"bank\":\"t\","
		 "\"type\":\"single\",\"count\":2,\"points\":1},{\"title\":\"判断\",\"bank\":\"t\","
		 "\"type\":\"judge\",\"count\":1,\"points\":1}]}]}", o, c);
	return rc ? rc : fx_exam_create(db, text, f->now, e);
}

static int setup(void **state)
{
	if (fx_setup(state, "/tmp/lawexam-test-receipt-XXXXXX", FX_OTHER | FX_READER) != 0)
		return -1;
	fx_run(((struct fx *)*state)->db, setup_job, *state, "bank and exam");
	return 0;
}

struct save_arg {
	int64_t id, user_id, now;
	struct save_item it;
};

static int save_job(struct store *db, void *arg, struct lx_err *e)
{
	struct save_arg *a = arg;
	size_t ignored = 0;
	int64_t deadline = 0;
	return exam_save(db, a->id, a->user_id, &a->it, 1, a->now, 30, &ignored, &deadline, NULL, e);
}

static int verify(struct store *db, const char *code, int64_t *owner)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int valid;
	assert_int_equal(exam_receipt_verify(db, code, owner, &out, &e), LX_OK);
	valid = json_is_true(json_object_get(out, "valid"));
	json_decref(out);
	return valid;
}

static void first_answer_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	if (position == 1)
		snprintf(ctx, 16, "%s", response);
}

static void test_issue_and_verify(void **state)
{
	struct fx *f = *state;
	struct start_arg s = {"r", &f->u, f->now, 0, 0};
	struct attempt_row a;
	struct lx_err e = {0};
	json_t *out = NULL;
	char sql[256], shown[RECEIPT_SHOWN_LEN + 1];
	int64_t owner = 0;

	fx_run(f->db, start_job, &s, "start");
	struct save_arg sv = {s.id, f->u.id, f->now, {1, "A", 1}};
	fx_run(f->db, save_job, &sv, "save");
	struct submit_arg sub = {s.id, f->u.id, f->now + 60};
	fx_run(f->db, submit_job, &sub, "submit");
	assert_int_equal(store_attempt_get(f->rd, s.id, &a, &e), LX_OK);
	assert_int_equal(strlen(a.receipt), RECEIPT_LEN);
	assert_true(verify(f->rd, a.receipt, &owner));
	assert_int_equal(owner, f->u.id);
	receipt_group(a.receipt, shown);
	assert_true(verify(f->rd, shown, &owner));
	/* the submit reply shows the grouped code */
	assert_int_equal(exam_submit_json(f->rd, s.id, &out, &e), LX_OK);
	assert_string_equal(json_string_value(json_object_get(out, "receipt")), shown);
	json_decref(out);
	/* submitting again changes nothing */
	fx_run(f->db, submit_job, &sub, "submit again");
	assert_true(verify(f->rd, a.receipt, &owner));
	/* an answer changed behind the server's back (stored in original keys: the displayed
	 * "A" is whichever the shuffle put first) */
	char orig[16] = "";
	assert_int_equal(store_answers(f->rd, s.id, first_answer_cb, orig, &e), LX_OK);
	assert_int_equal(strlen(orig), 1);
	snprintf(sql, sizeof sql, "UPDATE answers SET response = '%c' WHERE attempt_id = %lld AND position = 1",
		 orig[0] == 'C' ? 'B' : 'C', (long long)s.id);
	raw_exec(f->path, sql);
	assert_false(verify(f->rd, a.receipt, &owner));
	snprintf(sql, sizeof sql, "UPDATE answers SET response = '%s' WHERE attempt_id = %lld AND position = 1",
		 orig, (long long)s.id);
	raw_exec(f->path, sql);
	assert_true(verify(f->rd, a.receipt, &owner));
	/* a new answer where there was none */
	snprintf(sql, sizeof sql, "INSERT INTO answers(attempt_id, position, response, seq, saved_at)"
			       " VALUES(%lld, 3, 'T', 9, 0)", (long long)s.id);
	raw_exec(f->path, sql);
	assert_false(verify(f->rd, a.receipt, &owner));
	/* unknown codes */
	assert_int_equal(exam_receipt_verify(f->rd, "AAAAAAAAAAAAAAAA", &owner, &out, &e), LX_ERR_NOTFOUND);
	assert_int_equal(exam_receipt_verify(f->rd, "nope", &owner, &out, &e), LX_ERR_NOTFOUND);
}

struct credit_arg {
	int64_t now;
	int min_gap, count;
	int64_t gap;
};

static int mark_job(struct store *db, void *arg, struct lx_err *e)
{
	return exam_liveness_mark(db, ((struct credit_arg *)arg)->now, e);
}

static int credit_job(struct store *db, void *arg, struct lx_err *e)
{
	struct credit_arg *c = arg;
	return exam_outage_credit(db, c->now, c->min_gap, &c->count, &c->gap, e);
}

static void audit_cb(void *ctx, int64_t at, const char *actor, const char *action, const char *detail,
		     const char *remote)
{
	if (strcmp(action, "outage_credit") == 0)
		(*(int *)ctx)++;
}

static void test_outage_credit(void **state)
{
	struct fx *f = *state;
	struct start_arg s1 = {"r", &f->u, f->now, 0, 0}, s2 = {"r", &f->other, f->now, 0, 0};
	struct attempt_row a1, a2, b1, b2;
	struct lx_err e = {0};
	json_t *tree = NULL;
	char *bytes = NULL;
	size_t len = 0;
	int audits = 0;

	fx_run(f->db, start_job, &s1, "start 1");
	fx_run(f->db, start_job, &s2, "start 2");
	/* attempt 2's deadline passed before the last mark: it lost nothing */
	raw_exec(f->path, "UPDATE attempts SET deadline = deadline - 7200 WHERE user_id = (SELECT id FROM users WHERE login = '1002')");
	assert_int_equal(store_attempt_get(f->rd, s1.id, &a1, &e), LX_OK);
	assert_int_equal(store_attempt_get(f->rd, s2.id, &a2, &e), LX_OK);

	struct credit_arg c = {f->now, 1, 0, 0};
	fx_run(f->db, credit_job, &c, "first start: no mark yet");
	assert_int_equal(c.gap, 0);
	c.now = f->now + 10;
	fx_run(f->db, mark_job, &c, "mark");
	c = (struct credit_arg){f->now + 10, 15, 0, 0};
	fx_run(f->db, credit_job, &c, "a gap below min_gap");
	assert_int_equal(c.gap, 0);
	c = (struct credit_arg){f->now + 40, 15, 0, 0};
	fx_run(f->db, credit_job, &c, "a 30 s gap");
	assert_int_equal(c.gap, 30);
	assert_int_equal(c.count, 1);
	assert_int_equal(store_attempt_get(f->rd, s1.id, &b1, &e), LX_OK);
	assert_int_equal(store_attempt_get(f->rd, s2.id, &b2, &e), LX_OK);
	assert_int_equal(b1.deadline, a1.deadline + 30);
	assert_int_equal(b2.deadline, a2.deadline);
	assert_int_equal(store_audit_list(f->rd, 0, audit_cb, &audits, &e), LX_OK);
	assert_int_equal(audits, 1);
	/* the mark moved to now: the same moment again credits nothing */
	fx_run(f->db, credit_job, &c, "again");
	assert_int_equal(c.gap, 0);

	/* the tree and the bytes agree on credits */
	assert_int_equal(exam_attempt_json(f->rd, s1.id, f->u.id, (f->now + 40) * 1000, &tree, &e), LX_OK);
	assert_int_equal(exam_attempt_render(f->rd, s1.id, f->u.id, (f->now + 40) * 1000, &bytes, &len, &e), LX_OK);
	json_t *parsed = json_loadb(bytes, len, 0, NULL);
	assert_non_null(parsed);
	assert_true(json_equal(json_object_get(tree, "credits"), json_object_get(parsed, "credits")));
	assert_int_equal(json_array_size(json_object_get(parsed, "credits")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(parsed, "credits"), 0),
							     "seconds")), 30);
	assert_true(json_equal(tree, parsed));
	json_decref(parsed);
	json_decref(tree);
	free(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_code),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test_setup_teardown(test_issue_and_verify, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_outage_credit, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
