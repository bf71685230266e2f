/* store_papers.c — SQL for certificates and the other printed papers (see store_papers.h).
 * A certificate is a row keyed by its random number and unique per attempt; its facts are
 * always read live from the attempt, the person and the exam, so a regrade or a renamed unit
 * shows on the next print and on /verify. */
#include "store_papers.h"

#include <string.h>

#include "store_int.h"

int store_best_attempt(struct store *db, int64_t exam_id, int64_t user_id, int64_t *attempt_id, int *passed,
		       struct lx_err *e)
{
	STMT(st, "SELECT id, coalesce(passed, 0) FROM attempts"
		 " WHERE exam_id = ?1 AND user_id = ?2 AND status = 'submitted' AND voided_at IS NULL"
		 " ORDER BY coalesce(score2, 0) DESC, submitted_at, id LIMIT 1");
	int rc = LX_OK, src;

	*attempt_id = 0;
	*passed = 0;
	st_bind_int(st, 1, exam_id);
	st_bind_int(st, 2, user_id);
	src = st_step(st);
	if (src == ST_ROW) {
		*attempt_id = col_int(st, 0);
		*passed = col_int(st, 1) != 0;
	} else if (src != ST_DONE) {
		rc = store_fail(db, src, e, "best attempt");
	}
	st_reset(st);
	return rc;
}

int store_cert_insert(struct store *db, const char *number, int64_t attempt_id, int64_t now, int *inserted,
		      struct lx_err *e)
{
	STMT(st, "INSERT INTO certificates(number, attempt_id, issued_at) VALUES(?1, ?2, ?3)"
		 " ON CONFLICT(attempt_id) DO NOTHING");
	int rc;

	*inserted = 0;
	st_bind_text(st, 1, number, -1);
	st_bind_int(st, 2, attempt_id);
	st_bind_int(st, 3, now);
	rc = store_step_done(db, st, e, "certificate");
	if (rc == LX_OK)
		*inserted = st_changes(st) > 0;
	return rc;
}

#define SQL_FACTS                                                                                      \
	"SELECT coalesce(c.number, ''), a.id, u.login, u.name, o.path, x.code, x.title,"             \
	"       coalesce(a.score2, 0), a.max_score2, coalesce(a.passed, 0), coalesce(a.submitted_at, 0)," \
	"       coalesce(c.issued_at, 0), coalesce(c.revoked, 0)"

static void facts_from(struct stmt *st, struct cert_facts *f)
{
	memset(f, 0, sizeof *f);
	f->number = col_text(st, 0);
	f->attempt_id = col_int(st, 1);
	f->login = col_text(st, 2);
	f->name = col_text(st, 3);
	f->org = col_text(st, 4);
	f->exam_code = col_text(st, 5);
	f->exam_title = col_text(st, 6);
	f->score2 = col_int(st, 7);
	f->max_score2 = col_int(st, 8);
	f->passed = col_int(st, 9) != 0;
	f->submitted_at = col_int(st, 10);
	f->issued_at = col_int(st, 11);
	f->revoked = col_int(st, 12) != 0;
}

int store_cert_get(struct store *db, int64_t attempt_id, const char *number, cert_facts_fn fn, void *ctx,
		   struct lx_err *e)
{
	STMT(st, SQL_FACTS " FROM certificates c JOIN attempts a ON a.id = c.attempt_id"
			   " JOIN users u ON u.id = a.user_id JOIN org_units o ON o.id = u.org_id"
			   " JOIN exams x ON x.id = a.exam_id"
			   " WHERE (CAST(?1 AS BIGINT) IS NULL OR c.attempt_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR c.number = ?2)");
	struct cert_facts f;
	int rc, src;

	/* a cached statement keeps its bindings: set both */
	if (number) {
		st_bind_null(st, 1);
		st_bind_text(st, 2, number, -1);
	} else {
		st_bind_int(st, 1, attempt_id);
		st_bind_null(st, 2);
	}
	src = st_step(st);
	if (src == ST_ROW) {
		facts_from(st, &f);
		rc = fn(ctx, &f);
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "没有这份合格证明");
	} else {
		rc = store_fail(db, src, e, "certificate");
	}
	st_reset(st);
	return rc;
}

int store_cert_passed(struct store *db, int64_t exam_id, const char *org_path, cert_facts_fn fn, void *ctx,
		      struct lx_err *e)
{
	STMT(st, SQL_FACTS
		 " FROM (SELECT DISTINCT user_id AS uid FROM attempts WHERE exam_id = ?1 AND status = 'submitted'"
		 "       AND voided_at IS NULL) t"
		 " JOIN users u ON u.id = t.uid JOIN org_units o ON o.id = u.org_id"
		 " JOIN exams x ON x.id = ?1"
		 " JOIN attempts a ON a.id = (SELECT b.id FROM attempts b"
		 "        WHERE b.exam_id = ?1 AND b.user_id = t.uid AND b.status = 'submitted' AND b.voided_at IS NULL"
		 "        ORDER BY coalesce(b.score2, 0) DESC, b.submitted_at, b.id LIMIT 1)"
		 " LEFT JOIN certificates c ON c.attempt_id = a.id"
		 " WHERE a.passed = 1"
		 "   AND (CAST(?2 AS TEXT) IS NULL OR o.path = ?2 OR substr(o.path, 1, length(?2) + 1) = ?2 || '/')"
		 " ORDER BY o.path, u.login");
	struct cert_facts f;
	int rc = LX_OK, src;

	st_bind_int(st, 1, exam_id);
	if (org_path)
		st_bind_text(st, 2, org_path, -1);
	else
		st_bind_null(st, 2); /* a cached statement keeps its bindings */
	while ((src = st_step(st)) == ST_ROW) {
		facts_from(st, &f);
		rc = fn(ctx, &f);
		if (rc)
			goto out;
	}
	if (src != ST_DONE)
		rc = store_fail(db, src, e, "passed attempts");
out:
	st_reset(st);
	return rc;
}
