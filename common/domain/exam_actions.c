/* exam_actions.c — what an administrator does to one attempt or one person in an exam (SPEC
 * §12): extend the time, force a submission, void an attempt, exempt a person (免考), grant a
 * retake (补考), fix a question's key before a regrade; and the administrator's view of one
 * attempt with keys and credit. Every action checks its input first (nothing changes on bad
 * input), runs on the writer's connection and writes the audit log with its reason. The CLI
 * and the server call these same functions. Who may act on whom (scopes) is the caller's
 * business: exam_attempt_owner() gives it the person to check. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exam_int.h"
#include "grade.h"
#include "mem.h"
#include "paper.h"
#include "store_banks.h"
#include "store_exams.h"
#include "text.h"

int exam_reason_check(const char *reason, struct lx_err *e)
{
	size_t chars = 0, len;
	const char *p;

	if (!reason)
		return err_tag(e, LX_ERR_INVALID, "bad_reason", "请填写原因（reason，1–%d 个字）", EXAM_REASON_MAX);
	len = strlen(reason);
	if (!text_utf8_valid(reason, len))
		return err_tag(e, LX_ERR_INVALID, "bad_reason", "原因不是有效的 UTF-8 文本");
	for (p = reason; *p; p++) { /* valid UTF-8: count the bytes that start a character */
		if ((unsigned char)*p < 0x20 || *p == 0x7f) /* one audit line: no line breaks */
			return err_tag(e, LX_ERR_INVALID, "bad_reason", "原因请写在一行内，不能包含换行等控制字符");
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	}
	{
		char *t = text_trim(reason);
		int empty = !t || !*t;
		free(t);
		if (empty)
			return err_tag(e, LX_ERR_INVALID, "bad_reason", "请填写原因（reason，1–%d 个字）", EXAM_REASON_MAX);
	}
	if (chars > EXAM_REASON_MAX)
		return err_tag(e, LX_ERR_INVALID, "bad_reason", "原因过长：最多 %d 个字（现有 %zu 个）", EXAM_REASON_MAX,
			       chars);
	return LX_OK;
}

int exam_attempt_owner(struct store *db, int64_t attempt_id, struct attempt_row *a, struct user *u,
		       struct lx_err *e)
{
	int rc = store_attempt_get(db, attempt_id, a, e);
	if (rc == LX_OK && store_user_by_id(db, a->user_id, u, NULL) != LX_OK)
		rc = err_set(e, LX_ERR_NOTFOUND, "答卷不存在");
	return rc;
}

/* The person an action names by login. */
static int person(struct store *db, const char *login, struct user *u, struct lx_err *e)
{
	if (!login || !*login || store_user_by_login(db, login, u, NULL) != LX_OK)
		return err_tag(e, LX_ERR_NOTFOUND, "unknown_user", "用户不存在：%s", login ? login : "");
	return LX_OK;
}

static int audit(struct store *db, const struct exam_actor *who, const char *action, const char *detail,
		 struct lx_err *e)
{
	return store_audit(db, who->now, who->login, action, detail, who->remote ? who->remote : "", e);
}

/* An attempt an action may change: it exists and is in progress (not voided). */
static int open_attempt(struct store *db, int64_t id, struct attempt_row *a, struct lx_err *e)
{
	int rc = store_attempt_get(db, id, a, e);
	if (rc == LX_OK && a->status != AST_IN_PROGRESS)
		rc = err_tag(e, LX_ERR_CONFLICT, "attempt_not_in_progress", "该答卷不在作答中（%s），无法操作",
			     attempt_status_zh(a->status));
	return rc;
}

static char *detail_of(const char *what, int64_t id, const char *login, const char *extra, const char *reason)
{
	struct buf b;
	char head[96];
	buf_init(&b, 0);
	snprintf(head, sizeof head, "%s=%lld", what, (long long)id);
	buf_adds(&b, head);
	buf_adds(&b, " login=");
	buf_adds(&b, login ? login : "?");
	if (extra) {
		buf_addc(&b, ' ');
		buf_adds(&b, extra);
	}
	buf_adds(&b, " reason=");
	buf_adds(&b, reason);
	return buf_detach(&b);
}

/* The audit row of an action on attempt a (its owner's login looked up for the detail). */
static int audit_attempt(struct store *db, const struct exam_actor *who, const char *action,
			 const struct attempt_row *a, const char *extra, const char *reason, struct lx_err *e)
{
	struct user u = {0};
	char *detail;
	int rc;
	store_user_by_id(db, a->user_id, &u, NULL);
	detail = detail_of("attempt", a->id, u.login, extra, reason);
	rc = audit(db, who, action, detail, e);
	free(detail);
	user_free(&u);
	return rc;
}

int exam_extend(struct store *db, const struct exam_actor *who, int64_t attempt_id, int minutes, const char *reason,
		int64_t *deadline, struct lx_err *e)
{
	struct attempt_row a;
	char extra[32];
	int rc;

	if (minutes < 1 || minutes > EXAM_EXTEND_MAX_MINUTES)
		return err_tag(e, LX_ERR_INVALID, "bad_minutes", "延长时间 minutes 须为 1–%d 分钟", EXAM_EXTEND_MAX_MINUTES);
	if ((rc = exam_reason_check(reason, e)) != LX_OK)
		return rc;
	if ((rc = open_attempt(db, attempt_id, &a, e)) != LX_OK)
		return rc;
	rc = store_attempt_credit(db, attempt_id, minutes * 60, "extend", who->now, e);
	if (rc == LX_OK) {
		snprintf(extra, sizeof extra, "minutes=%d", minutes);
		rc = audit_attempt(db, who, "attempt_extend", &a, extra, reason, e);
	}
	if (deadline)
		*deadline = a.deadline + (int64_t)minutes * 60;
	return rc;
}

int exam_force_submit(struct store *db, const struct exam_actor *who, int64_t attempt_id, const char *reason,
		      struct lx_err *e)
{
	struct attempt_row a;
	int rc;

	if ((rc = exam_reason_check(reason, e)) != LX_OK)
		return rc;
	if ((rc = open_attempt(db, attempt_id, &a, e)) != LX_OK)
		return rc;
	rc = exam_submit(db, attempt_id, 0, who->now, "forced", e);
	if (rc == LX_OK)
		rc = audit_attempt(db, who, "attempt_force_submit", &a, NULL, reason, e);
	return rc;
}

int exam_void(struct store *db, const struct exam_actor *who, int64_t attempt_id, const char *reason,
	      struct lx_err *e)
{
	struct attempt_row a;
	int rc;

	if ((rc = exam_reason_check(reason, e)) != LX_OK)
		return rc;
	if ((rc = store_attempt_get(db, attempt_id, &a, e)) != LX_OK)
		return rc;
	if (a.status == AST_VOIDED)
		return err_tag(e, LX_ERR_CONFLICT, "already_voided", "该答卷已作废");
	rc = store_attempt_void(db, attempt_id, who->now, reason, e);
	if (rc == LX_OK)
		rc = audit_attempt(db, who, "attempt_void", &a,
				   a.status == AST_SUBMITTED ? "was=submitted" : "was=in_progress", reason, e);
	return rc;
}

int exam_exempt(struct store *db, const struct exam_actor *who, const char *exam_code, const char *login,
		const char *reason, struct lx_err *e)
{
	struct exam_row x = {0};
	struct user u = {0};
	char *detail = NULL;
	int rc = exam_reason_check(reason, e);

	if (rc == LX_OK)
		rc = store_exam_by_code(db, exam_code, &x, e);
	if (rc == LX_OK)
		rc = person(db, login, &u, e);
	if (rc == LX_OK)
		rc = store_exemption_put(db, x.id, u.id, reason, who->login, who->now, e);
	if (rc == LX_OK) {
		detail = detail_of("exam", x.id, u.login, NULL, reason);
		rc = audit(db, who, "exemption_add", detail, e);
	}
	free(detail);
	user_free(&u);
	exam_row_free(&x);
	return rc;
}

int exam_unexempt(struct store *db, const struct exam_actor *who, const char *exam_code, const char *login,
		  struct lx_err *e)
{
	struct exam_row x = {0};
	struct user u = {0};
	char *detail = NULL;
	int deleted = 0;
	int rc = store_exam_by_code(db, exam_code, &x, e);

	if (rc == LX_OK)
		rc = person(db, login, &u, e);
	if (rc == LX_OK)
		rc = store_exemption_delete(db, x.id, u.id, &deleted, e);
	if (rc == LX_OK && !deleted)
		rc = err_tag(e, LX_ERR_NOTFOUND, "not_exempt", "%s 在本次考试中没有免考记录", u.login);
	if (rc == LX_OK) {
		detail = detail_of("exam", x.id, u.login, NULL, "-");
		rc = audit(db, who, "exemption_remove", detail, e);
	}
	free(detail);
	user_free(&u);
	exam_row_free(&x);
	return rc;
}

int exam_retake(struct store *db, const struct exam_actor *who, const char *exam_code, const char *login,
		struct lx_err *e)
{
	struct user u = {0};
	char detail[256];
	int rc = person(db, login, &u, e);
	user_free(&u);
	if (rc == LX_OK)
		rc = exam_grant_retake(db, exam_code, login, e);
	snprintf(detail, sizeof detail, "%s %s", exam_code, login);
	if (rc == LX_OK)
		rc = audit(db, who, "grant_retake", detail, e);
	return rc;
}

/* --- the key of a question (before a regrade) ------------------------------------------ */

struct keyfind {
	const char *qid;
	int found;
	int64_t version_id;
	int version;
	char type[16];
	int n_options;
	char answer[LX_MAX_OPTIONS + 8];
	struct sv_new v; /* owned copies of the fields store_version_update rewrites */
};

static void keyfind_cb(void *ctx, const struct sq_row *q)
{
	struct keyfind *k = ctx;
	json_t *opts;
	if (k->found || strcmp(q->qid, k->qid) != 0)
		return;
	k->found = 1;
	k->version_id = q->version_id;
	k->version = q->version;
	snprintf(k->type, sizeof k->type, "%s", q->type);
	snprintf(k->answer, sizeof k->answer, "%s", q->answer);
	opts = json_loads(q->options_json, 0, NULL);
	k->n_options = json_is_array(opts) ? (int)json_array_size(opts) : 0;
	json_decref(opts);
	k->v.explanation = lx_strdup(q->explanation);
	k->v.basis = lx_strdup(q->basis);
	k->v.tags_json = lx_strdup(q->tags_json);
	k->v.difficulty = q->difficulty;
}

/* The answer in canonical form (upper case, sorted, no repeats) for a question of this type
 * and option count; a Chinese message when it cannot be one. */
static int key_normalise(const char *type, int n_options, const char *in, char *out, size_t outlen,
			 struct lx_err *e)
{
	int seen[26] = {0};
	size_t n = 0;
	enum q_type t = exam_type_of(type);

	if (!in)
		return err_tag(e, LX_ERR_INVALID, "bad_answer", "请填写答案 answer");
	for (const char *p = in; *p; p++) {
		char ch = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
		if (ch == ' ' || ch == ',')
			continue;
		if (ch < 'A' || ch > 'Z')
			return err_tag(e, LX_ERR_INVALID, "bad_answer", "答案只能由选项字母组成");
		seen[ch - 'A'] = 1;
	}
	if (t == QT_JUDGE) {
		if (seen['T' - 'A'] + seen['F' - 'A'] != 1 || strspn(in, "TFtf ") != strlen(in))
			return err_tag(e, LX_ERR_INVALID, "bad_answer", "判断题的答案只能是 T（正确）或 F（错误）");
		snprintf(out, outlen, "%s", seen['T' - 'A'] ? "T" : "F");
		return LX_OK;
	}
	for (int i = 0; i < 26; i++) {
		if (!seen[i])
			continue;
		if (i >= n_options)
			return err_tag(e, LX_ERR_INVALID, "bad_answer", "答案 %c 超出本题的选项（A–%c）", 'A' + i,
				       'A' + n_options - 1);
		if (n + 1 < outlen)
			out[n++] = (char)('A' + i);
	}
	out[n] = '\0';
	if (n == 0)
		return err_tag(e, LX_ERR_INVALID, "bad_answer", "请填写答案 answer");
	if (t == QT_SINGLE && n != 1)
		return err_tag(e, LX_ERR_INVALID, "bad_answer", "单选题的答案只能是一个选项");
	if (t == QT_MULTIPLE && n < 2)
		return err_tag(e, LX_ERR_INVALID, "bad_answer", "多选题的答案至少两个选项");
	return LX_OK;
}

int exam_key_set(struct store *db, const struct exam_actor *who, const char *bank, const char *qid,
		 const char *answer, json_t **out, struct lx_err *e)
{
	struct keyfind k = {.qid = qid};
	char key[LX_MAX_OPTIONS + 8];
	char detail[512];
	int rc = store_bank_questions(db, bank, keyfind_cb, &k, e);

	if (rc == LX_OK && !k.found)
		rc = err_set(e, LX_ERR_NOTFOUND, "题库 %s 中没有试题 %s", bank, qid);
	if (rc == LX_OK)
		rc = key_normalise(k.type, k.n_options, answer, key, sizeof key, e);
	if (rc == LX_OK && strcmp(key, k.answer) != 0) {
		/* The key of the same version (SPEC §5.7): the attempts that drew it are regraded. */
		k.v.type = k.type;
		k.v.answer = key;
		rc = store_version_update(db, k.version_id, &k.v, e);
		snprintf(detail, sizeof detail, "bank=%s qid=%s version=%d answer=%s->%s", bank, qid, k.version,
			 k.answer, key);
		if (rc == LX_OK)
			rc = audit(db, who, "key_set", detail, e);
	}
	if (rc == LX_OK && out)
		*out = json_pack("{s:s,s:s,s:i,s:s,s:s,s:b}", "bank", bank, "qid", qid, "version", k.version, "old",
				 k.answer, "answer", key, "changed", strcmp(key, k.answer) != 0);
	free((char *)k.v.explanation);
	free((char *)k.v.basis);
	free((char *)k.v.tags_json);
	return rc;
}

/* --- the administrator's view of one attempt ---------------------------------------------- */

struct admin_view {
	struct grading_ans {
		char resp[LX_MAX_OPTIONS + 8];
		int has, earned2;
	} *ans;
	int nans;
	json_t *questions;
	enum scoring sc;
};

static void av_ans_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	struct admin_view *v = ctx;
	(void)seq;
	if (position < 1 || position > LX_MAX_POSITIONS)
		return;
	if (position >= v->nans) {
		int n = position + 1;
		v->ans = lx_realloc(v->ans, (size_t)n * sizeof *v->ans);
		memset(v->ans + v->nans, 0, (size_t)(n - v->nans) * sizeof *v->ans);
		v->nans = n;
	}
	snprintf(v->ans[position].resp, sizeof v->ans[position].resp, "%s", response);
	v->ans[position].has = 1;
	v->ans[position].earned2 = earned2;
}

static void av_q_cb(void *ctx, const struct aq_row *q)
{
	struct admin_view *v = ctx;
	enum q_type t = exam_type_of(q->type);
	const char *resp = q->position < v->nans && v->ans[q->position].has ? v->ans[q->position].resp : "";
	int earned2 = q->position < v->nans && v->ans[q->position].has ? v->ans[q->position].earned2 : -1;
	char shown_resp[LX_MAX_OPTIONS + 8], shown_key[LX_MAX_OPTIONS + 8], okey[2] = {0, 0}, dkey[2] = {0, 0};
	json_t *opts = json_loads(q->options_json, 0, NULL), *oa = json_array();

	paper_to_displayed(q->perm, resp, shown_resp, sizeof shown_resp);
	paper_to_displayed(q->perm, q->answer, shown_key, sizeof shown_key);
	if (t == QT_JUDGE) {
		json_array_append_new(oa, json_pack("{s:s,s:s,s:s}", "key", "T", "original", "T", "text", JUDGE_TRUE_ZH));
		json_array_append_new(oa, json_pack("{s:s,s:s,s:s}", "key", "F", "original", "F", "text", JUDGE_FALSE_ZH));
	} else {
		for (size_t i = 0; q->perm[i]; i++) {
			size_t o = (size_t)(q->perm[i] - 'A');
			const char *text = json_string_value(json_array_get(opts, o));
			dkey[0] = (char)('A' + i);
			okey[0] = q->perm[i];
			json_array_append_new(oa, json_pack("{s:s,s:s,s:s}", "key", dkey, "original", okey, "text",
							    text ? text : ""));
		}
	}
	json_decref(opts);
	json_array_append_new(
		v->questions,
		json_pack("{s:i,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:o,s:o}", "position", q->position,
			  "section", q->section_title, "type", q->type, "stem", q->stem, "options", oa, "points",
			  grade_score_json(q->points2), "response", shown_resp, "response_original", resp,
			  "answer", shown_key, "answer_original", q->answer, "bank", q->bank, "qid", q->qid,
			  "version", q->version, "earned", earned2 >= 0 ? grade_score_json(earned2) : json_null(),
			  "credit", grade_score_json(grade_answer(t, q->answer, resp, q->points2, v->sc))));
}

struct credits_json {
	json_t *arr;
};

static void av_credit_cb(void *ctx, int seconds, const char *reason, int64_t at)
{
	struct credits_json *c = ctx;
	json_array_append_new(c->arr, json_pack("{s:i,s:s,s:o}", "seconds", seconds, "reason", reason, "at",
						exam_time_json(at)));
}

int exam_attempt_admin_json(struct store *db, int64_t attempt_id, int64_t now, json_t **out, struct lx_err *e)
{
	struct attempt_row a;
	struct user u = {0};
	struct exam_row x = {0};
	struct admin_view v = {0};
	struct credits_json cr = {json_array()};
	int rc = exam_attempt_owner(db, attempt_id, &a, &u, e);

	v.questions = json_array();
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a.exam_id, &x, e);
	if (rc == LX_OK) {
		v.sc = exam_scoring_of(&x);
		rc = store_answers(db, attempt_id, av_ans_cb, &v, e);
	}
	if (rc == LX_OK)
		rc = store_aq_list(db, attempt_id, av_q_cb, &v, e);
	if (rc == LX_OK)
		rc = store_attempt_credits(db, attempt_id, av_credit_cb, &cr, e);
	if (rc == LX_OK) {
		long remaining = a.status == AST_IN_PROGRESS && a.deadline > now ? (long)(a.deadline - now) : 0;
		*out = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:o,s:o,s:i,s:o,s:O,s:O}", "id",
				 (json_int_t)a.id, "exam_code", x.code, "exam_title", x.title, "login", u.login, "name",
				 u.name, "org", u.org, "status", attempt_status_name(a.status), "attempt_no", a.attempt_no,
				 "submit_reason", a.reason, "started_at", exam_time_json(a.started_at), "deadline",
				 exam_time_json(a.deadline), "submitted_at",
				 a.submitted_at ? exam_time_json(a.submitted_at) : json_null(), "remaining_seconds",
				 (int)remaining, "result",
				 a.status == AST_SUBMITTED || (a.status == AST_VOIDED && a.passed >= 0) ? exam_result_json(&a)
													  : json_null(),
				 "credits", cr.arr, "questions", v.questions);
		json_object_set_new(*out, "server_time", exam_time_json(now));
	}
	json_decref(cr.arr);
	json_decref(v.questions);
	free(v.ans);
	exam_row_free(&x);
	user_free(&u);
	return rc;
}

/* --- regrade as JSON (the server's dry run and apply) ------------------------------------ */

static void regrade_json_cb(void *ctx, int64_t attempt_id, const char *login, long old2, long new2, int old_passed,
			    int new_passed)
{
	json_t *arr = ctx;
	json_array_append_new(arr, json_pack("{s:s,s:I,s:o,s:o,s:b,s:b,s:b}", "login", login, "attempt_id",
					     (json_int_t)attempt_id, "old", grade_score_json(old2), "new",
					     grade_score_json(new2), "flip", (old_passed == 1) != (new_passed == 1),
					     "old_passed", old_passed == 1, "new_passed", new_passed == 1));
}

int exam_regrade_json(struct store *db, const struct exam_actor *who, const char *exam_code, int dry_run,
		      json_t **out, struct lx_err *e)
{
	json_t *changes = json_array();
	int changed = 0, flips = 0;
	int rc = exam_regrade(db, exam_code, dry_run, regrade_json_cb, changes, &changed, e);
	size_t i;
	json_t *c;

	json_array_foreach(changes, i, c) flips += json_is_true(json_object_get(c, "flip"));
	if (rc == LX_OK && !dry_run) {
		char detail[256];
		snprintf(detail, sizeof detail, "%s changed=%d flips=%d", exam_code, changed, flips);
		rc = audit(db, who, "regrade", detail, e);
	}
	if (rc == LX_OK)
		*out = json_pack("{s:s,s:b,s:i,s:i,s:O}", "exam", exam_code, "dry_run", dry_run, "changed", changed,
				 "flips", flips, "changes", changes);
	json_decref(changes);
	return rc;
}

/* --- one person's standing in one exam (the administrator's lookup by login) ------------- */

struct person_attempts {
	json_t *arr;
};

static void pa_cb(void *ctx, const struct attempt_row *a)
{
	struct person_attempts *p = ctx;
	json_array_append_new(
		p->arr, json_pack("{s:I,s:i,s:s,s:o,s:o,s:o,s:s,s:o}", "attempt_id", (json_int_t)a->id, "attempt_no",
				  a->attempt_no, "status", attempt_status_name(a->status), "started_at",
				  exam_time_json(a->started_at), "deadline", exam_time_json(a->deadline), "submitted_at",
				  a->submitted_at ? exam_time_json(a->submitted_at) : json_null(), "submit_reason",
				  a->reason, "result",
				  a->status == AST_SUBMITTED ? exam_result_json(a) : json_null()));
}

int exam_person_json(struct store *db, const char *exam_code, const struct user *u, json_t **out, struct lx_err *e)
{
	struct exam_row x = {0};
	struct person_attempts p = {json_array()};
	int exempt = 0, assigned = 0, retakes = 0;
	int rc = store_exam_by_code(db, exam_code, &x, e);

	if (rc == LX_OK)
		rc = store_attempts_of(db, x.id, u->id, pa_cb, &p, e);
	if (rc == LX_OK)
		rc = store_exemption_get(db, x.id, u->id, &exempt, e);
	if (rc == LX_OK)
		rc = store_exam_assigned(db, x.id, u->id, &assigned, e);
	if (rc == LX_OK)
		rc = store_retakes(db, x.id, u->id, &retakes, e);
	if (rc == LX_OK)
		*out = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:i,s:i,s:O}", "exam", x.code, "login", u->login, "name",
				 u->name, "org", u->org, "exempt", exempt, "assigned", assigned || exempt,
				 "attempts_allowed", x.max_attempts + retakes, "retakes", retakes, "attempts", p.arr);
	json_decref(p.arr);
	exam_row_free(&x);
	return rc;
}
