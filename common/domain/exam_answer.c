/* exam_answer.c — saving a batch of answers (SPEC §5.4): each response checked against the
 * position's type and displayed keys, mapped back to the original keys, stored only when its
 * seq is newer. Runs as a writer job; the reply is the caller's. */
#include "exam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exam_int.h"
#include "mem.h"
#include "paper.h"
#include "store_exams.h"

/* Checks one displayed response against its question; fills the original keys. */
static int check_response(const struct pos_info *p, const char *resp, char *orig, size_t origlen)
{
	size_t n = strlen(resp);
	if (n == 0) {
		orig[0] = '\0';
		return 0;
	}
	if (p->type == QT_JUDGE)
		return (strcmp(resp, "T") == 0 || strcmp(resp, "F") == 0) ? (snprintf(orig, origlen, "%s", resp), 0) : -1;
	if (p->type == QT_SINGLE && n != 1)
		return -1;
	for (size_t i = 1; i < n; i++)
		if (resp[i] <= resp[i - 1])
			return -1; /* displayed keys must be sorted and distinct */
	return paper_to_original(p->perm, resp, orig, origlen);
}

/* Checks req's items against its attempt a; fills orig (original keys per item). Sets
 * req->rc and req->err when the request is refused; returns an error only for storage. */
static int check_request(struct store *db, struct save_req *req, const struct attempt_row *a, int64_t now, int grace,
			 char (*orig)[16], struct lx_err *e)
{
	size_t nbad = 0;
	int rc;

	req->deadline = a->deadline;
	if (req->user_id && a->user_id != req->user_id) {
		req->rc = err_set(&req->err, LX_ERR_NOTFOUND, "答卷不存在");
		return LX_OK;
	}
	if (a->status != AST_IN_PROGRESS || now > a->deadline + grace) {
		req->rc = err_tag(&req->err, LX_ERR_CONFLICT, "attempt_closed", "答题时间已结束，答卷已提交");
		return LX_OK;
	}
	/* Check the whole batch first (one lookup per answer, cached per attempt: store_aq_get),
	 * then store it. Every bad item is named, not only the first, so the page can keep all
	 * the good ones. */
	for (size_t i = 0; i < req->n; i++) {
		struct pos_info p;
		char type[16], where[32];
		int pos = req->items[i].position;
		rc = pos >= 1 && pos <= LX_MAX_POSITIONS
			     ? store_aq_get(db, req->attempt_id, pos, type, sizeof type, p.perm, sizeof p.perm, e)
			     : LX_ERR_NOTFOUND;
		if (rc && rc != LX_ERR_NOTFOUND)
			return rc; /* storage: the whole run fails */
		snprintf(where, sizeof where, "position %d", pos);
		if (rc == LX_ERR_NOTFOUND) {
			if (nbad++ == 0)
				err_tag(&req->err, LX_ERR_INVALID, "bad_response", "第 %d 题不存在", pos);
			if (req->bad)
				diag_add(req->bad, where, "第 %d 题不存在", pos);
			continue;
		}
		p.type = exam_type_of(type);
		if (check_response(&p, req->items[i].response, orig[i], sizeof orig[i]) != 0) {
			if (nbad++ == 0)
				err_tag(&req->err, LX_ERR_INVALID, "bad_response", "第 %d 题的作答 \"%s\" 无效", pos,
					req->items[i].response);
			if (req->bad)
				diag_add(req->bad, where, "第 %d 题的作答 \"%s\" 无效", pos, req->items[i].response);
		}
	}
	if (nbad)
		req->rc = LX_ERR_INVALID;
	return LX_OK;
}

struct found {
	struct save_req *reqs;
	size_t n;
	struct attempt_row *rows; /* rows[i]: reqs[i]'s attempt */
	int *have;
};

static void found_row(void *ctx, const struct attempt_row *a)
{
	struct found *f = ctx;
	for (size_t i = 0; i < f->n; i++)
		if (f->reqs[i].attempt_id == a->id) {
			f->rows[i] = *a;
			f->have[i] = 1;
		}
}

static int row_cmp(const void *x, const void *y)
{
	const struct answer_new *a = x, *b = y;
	if (a->attempt_id != b->attempt_id)
		return a->attempt_id < b->attempt_id ? -1 : 1;
	return (a->position > b->position) - (a->position < b->position);
}

int exam_save_many(struct store *db, struct save_req *reqs, size_t n, int64_t now, int grace, struct lx_err *e)
{
	int64_t *ids = lx_calloc(n ? n : 1, sizeof *ids);
	struct found f = {reqs, n, lx_calloc(n ? n : 1, sizeof *f.rows), lx_calloc(n ? n : 1, sizeof *f.have)};
	char (**orig)[16] = lx_calloc(n ? n : 1, sizeof *orig);
	struct answer_new *rows = NULL, *sorted = NULL;
	int *applied = NULL, dup = 0;
	size_t nrows = 0, k;
	int rc;

	for (size_t i = 0; i < n; i++) {
		ids[i] = reqs[i].attempt_id;
		reqs[i].rc = LX_OK;
		reqs[i].ignored = 0;
		memset(&reqs[i].err, 0, sizeof reqs[i].err);
	}
	rc = store_attempts_get_many(db, ids, n, found_row, &f, e);
	for (size_t i = 0; i < n && rc == LX_OK; i++) {
		if (!f.have[i]) {
			reqs[i].rc = err_set(&reqs[i].err, LX_ERR_NOTFOUND, "答卷不存在");
			continue;
		}
		orig[i] = lx_calloc(reqs[i].n ? reqs[i].n : 1, sizeof *orig[i]);
		rc = check_request(db, &reqs[i], &f.rows[i], now, grace, orig[i], e);
		if (rc == LX_OK && reqs[i].rc == LX_OK)
			nrows += reqs[i].n;
	}
	if (rc == LX_OK && nrows) {
		rows = lx_calloc(nrows, sizeof *rows);
		applied = lx_calloc(nrows, sizeof *applied);
		k = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; reqs[i].rc == LX_OK && j < reqs[i].n; j++)
				rows[k++] = (struct answer_new){reqs[i].attempt_id, reqs[i].items[j].position, orig[i][j],
								reqs[i].items[j].seq};
		/* The same question twice (in one request or two): stored one at a time, in order,
		 * so the higher seq wins as it always has; otherwise all in one statement. */
		sorted = lx_malloc(nrows * sizeof *sorted);
		memcpy(sorted, rows, nrows * sizeof *sorted);
		qsort(sorted, nrows, sizeof *sorted, row_cmp);
		for (k = 1; k < nrows && !dup; k++)
			dup = row_cmp(&sorted[k - 1], &sorted[k]) == 0;
		if (dup)
			for (k = 0; k < nrows && rc == LX_OK; k++)
				rc = store_answer_put(db, rows[k].attempt_id, rows[k].position, rows[k].response, rows[k].seq,
						      now, &applied[k], e);
		else
			rc = store_answers_put_many(db, rows, nrows, now, applied, e);
		k = 0;
		for (size_t i = 0; rc == LX_OK && i < n; i++)
			for (size_t j = 0; reqs[i].rc == LX_OK && j < reqs[i].n; j++)
				reqs[i].ignored += !applied[k++];
	}
	for (size_t i = 0; i < n; i++)
		free(orig[i]);
	free(orig);
	free(ids);
	free(f.rows);
	free(f.have);
	free(rows);
	free(sorted);
	free(applied);
	return rc;
}

int exam_save(struct store *db, int64_t attempt_id, int64_t user_id, const struct save_item *items, size_t n,
	      int64_t now, int grace, size_t *ignored, int64_t *deadline, struct diag *bad, struct lx_err *e)
{
	struct save_req req = {.attempt_id = attempt_id, .user_id = user_id, .items = items, .n = n, .bad = bad};
	int rc = exam_save_many(db, &req, 1, now, grace, e);
	*ignored = req.ignored;
	*deadline = req.deadline;
	if (rc == LX_OK && req.rc != LX_OK) {
		*e = req.err;
		rc = req.rc;
	}
	return rc;
}
