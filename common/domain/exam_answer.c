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

int exam_save(struct store *db, int64_t attempt_id, int64_t user_id, const struct save_item *items, size_t n,
	      int64_t now, int grace, size_t *ignored, int64_t *deadline, struct diag *bad, struct lx_err *e)
{
	struct attempt_row a;
	char (*orig)[16] = NULL;
	size_t nbad = 0;
	int rc;

	*ignored = 0;
	rc = exam_own_attempt(db, attempt_id, user_id, &a, e);
	if (rc)
		goto out;
	*deadline = a.deadline;
	if (a.status != AST_IN_PROGRESS || now > a.deadline + grace) {
		rc = err_tag(e, LX_ERR_CONFLICT, "attempt_closed", "答题时间已结束，答卷已提交");
		goto out;
	}
	/* Check the whole batch first (one point lookup per answer), then store it. Every bad
	 * item is named, not only the first, so the page can keep all the good ones. */
	orig = lx_calloc(n ? n : 1, sizeof *orig);
	for (size_t i = 0; i < n; i++) {
		struct pos_info p;
		char type[16], where[32];
		int pos = items[i].position;
		rc = pos >= 1 && pos <= LX_MAX_POSITIONS
			     ? store_aq_get(db, attempt_id, pos, type, sizeof type, p.perm, sizeof p.perm, e)
			     : LX_ERR_NOTFOUND;
		if (rc && rc != LX_ERR_NOTFOUND)
			goto out;
		snprintf(where, sizeof where, "position %d", pos);
		if (rc == LX_ERR_NOTFOUND) {
			if (nbad++ == 0)
				err_tag(e, LX_ERR_INVALID, "bad_response", "第 %d 题不存在", pos);
			if (bad)
				diag_add(bad, where, "第 %d 题不存在", pos);
			continue;
		}
		p.type = exam_type_of(type);
		if (check_response(&p, items[i].response, orig[i], sizeof orig[i]) != 0) {
			if (nbad++ == 0)
				err_tag(e, LX_ERR_INVALID, "bad_response", "第 %d 题的作答 \"%s\" 无效", pos,
					items[i].response);
			if (bad)
				diag_add(bad, where, "第 %d 题的作答 \"%s\" 无效", pos, items[i].response);
		}
	}
	if (nbad) {
		rc = LX_ERR_INVALID;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int applied = 0;
		rc = store_answer_put(db, attempt_id, items[i].position, orig[i], items[i].seq, now, &applied, e);
		if (rc)
			goto out;
		if (!applied)
			(*ignored)++;
	}
out:
	free(orig);
	return rc;
}
