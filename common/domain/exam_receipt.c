/* exam_receipt.c — answer receipts (回执, SPEC §12) against the store: issuing an attempt's
 * code when it is submitted, and checking a code against what is stored now. The text and
 * the HMAC are receipt.c; the secret stays in the database (settings.receipt_secret). */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "exam_int.h"
#include "mem.h"
#include "receipt.h"
#include "store_exams.h"

struct lines {
	char (*resp)[16]; /* by position; "" = no answer */
	int n;
};

static void lines_cb(void *ctx, int position, const char *response, int64_t seq, int earned2)
{
	struct lines *l = ctx;
	if (position < 1 || position > LX_MAX_POSITIONS)
		return;
	if (position >= l->n) {
		int n = position + 1;
		l->resp = lx_realloc(l->resp, (size_t)n * sizeof *l->resp);
		memset(l->resp + l->n, 0, (size_t)(n - l->n) * sizeof *l->resp);
		l->n = n;
	}
	snprintf(l->resp[position], sizeof l->resp[position], "%s", response);
}

/* The receipt code and answers' SHA-256 of attempt a as stored now (a->submitted_at). */
static int receipt_now(struct store *db, const struct attempt_row *a, char code[RECEIPT_LEN + 1], char sha[65],
		       char **login, char **exam, struct lx_err *e)
{
	struct lines l = {0};
	struct user u = {0};
	struct exam_row x = {0};
	struct buf b;
	char key[65], *text = NULL, *ans = NULL;
	int rc = store_receipt_secret(db, key, e);
	buf_init(&b, 0);
	if (rc == LX_OK)
		rc = store_user_by_id(db, a->user_id, &u, e);
	if (rc == LX_OK)
		rc = store_exam_by_id(db, a->exam_id, &x, e);
	if (rc == LX_OK)
		rc = store_answers(db, a->id, lines_cb, &l, e);
	if (rc)
		goto out;
	for (int p = 1; p < l.n; p++)
		if (l.resp[p][0])
			buf_printf(&b, "%d:%s\n", p, l.resp[p]);
	ans = buf_detach(&b);
	text = receipt_text(a->id, u.login, x.code, a->submitted_at, ans ? ans : "");
	receipt_code(key, strlen(key), text, code);
	receipt_sha256_hex(ans ? ans : "", sha);
	if (login)
		*login = lx_strdup(u.login);
	if (exam)
		*exam = lx_strdup(x.code);
out:
	buf_free(&b);
	free(text);
	free(ans);
	free(l.resp);
	user_free(&u);
	exam_row_free(&x);
	return rc;
}

int exam_receipt_issue(struct store *db, int64_t attempt_id, struct lx_err *e)
{
	struct attempt_row a;
	char code[RECEIPT_LEN + 1], sha[65];
	int rc = store_attempt_get(db, attempt_id, &a, e);
	if (rc == LX_OK && a.status != AST_SUBMITTED)
		return LX_OK;
	if (rc == LX_OK)
		rc = receipt_now(db, &a, code, sha, NULL, NULL, e);
	if (rc == LX_OK)
		rc = store_attempt_set_receipt(db, a.id, code, e);
	return rc;
}

int exam_receipt_verify(struct store *db, const char *code_in, int64_t *owner, json_t **out, struct lx_err *e)
{
	struct attempt_row a;
	char code[RECEIPT_LEN + 1], now_code[RECEIPT_LEN + 1], sha[65], t[48];
	char *login = NULL, *exam = NULL;
	int64_t id = 0;
	int rc;
	*out = NULL;
	if (receipt_normalize(code_in, code) != LX_OK)
		return err_set(e, LX_ERR_NOTFOUND, "回执不存在");
	rc = store_attempt_by_receipt(db, code, &id, e);
	if (rc == LX_OK)
		rc = store_attempt_get(db, id, &a, e);
	if (rc == LX_OK)
		rc = receipt_now(db, &a, now_code, sha, &login, &exam, e);
	if (rc == LX_OK) {
		/* the code is public once printed: comparing it needs no constant time */
		int valid = a.status == AST_SUBMITTED && strcmp(code, now_code) == 0;
		char shown[RECEIPT_SHOWN_LEN + 1];
		receipt_group(code, shown);
		*owner = a.user_id;
		*out = json_pack("{s:b,s:s,s:s,s:s,s:I,s:s,s:s}", "valid", valid, "receipt", shown, "login", login,
				 "exam", exam, "attempt_id", (json_int_t)a.id, "submitted_at",
				 rfc3339_format(a.submitted_at, t, sizeof t), "answers_sha256", sha);
	}
	free(login);
	free(exam);
	return rc;
}
