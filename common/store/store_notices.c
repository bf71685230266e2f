/* store_notices.c — SQL for notices (通知公告; see store_notices.h). A unit covers itself and
 * its sub-units by path ("a/b" covers "a/b" and "a/b/c", never "a/bc"), the rule of
 * scope_path_covers() written in SQL as the staff search writes it. */
#include "store_notices.h"

#include "store_int.h"

#define SQL_NOTICE_COLS                                                                              \
	"SELECT n.id, n.title, n.body, n.org, n.category, c.name, n.author, n.starts_at, n.ends_at,"  \
	" n.created_at FROM notices n LEFT JOIN categories c ON c.code = n.category"

static void row_of(struct stmt *st, struct notice_row *n)
{
	n->id = col_int(st, 0);
	n->title = col_text(st, 1);
	n->body = col_text(st, 2);
	n->org = col_null(st, 3) ? NULL : col_text(st, 3);
	n->category = col_null(st, 4) ? NULL : col_text(st, 4);
	n->category_name = col_null(st, 5) ? NULL : col_text(st, 5);
	n->author = col_text(st, 6);
	n->starts_at = col_int(st, 7);
	n->ends_at = col_int(st, 8);
	n->created_at = col_int(st, 9);
}

static void bind_opt(struct stmt *st, int i, const char *s)
{
	if (s)
		st_bind_text(st, i, s, -1);
	else
		st_bind_null(st, i);
}

int store_notice_insert(struct store *db, const struct notice_row *n, int64_t *id, struct lx_err *e)
{
	STMT(st, "INSERT INTO notices(title, body, org, category, starts_at, ends_at, author, created_at)"
		 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
	st_bind_text(st, 1, n->title, -1);
	st_bind_text(st, 2, n->body, -1);
	bind_opt(st, 3, n->org);
	bind_opt(st, 4, n->category);
	st_bind_int(st, 5, n->starts_at);
	st_bind_int(st, 6, n->ends_at);
	st_bind_text(st, 7, n->author ? n->author : "", -1);
	st_bind_int(st, 8, n->created_at);
	return store_step_id(db, st, id, e, "notice insert");
}

int store_notice_get(struct store *db, int64_t id, notice_fn fn, void *ctx, struct lx_err *e)
{
	STMT(st, SQL_NOTICE_COLS " WHERE n.id = ?1");
	struct notice_row n;
	int src, rc = LX_OK;
	st_bind_int(st, 1, id);
	src = st_step(st);
	if (src == ST_ROW) {
		row_of(st, &n);
		fn(ctx, &n);
	} else if (src == ST_DONE) {
		rc = err_set(e, LX_ERR_NOTFOUND, "没有这条通知");
	} else {
		rc = store_fail(db, src, e, "notice");
	}
	st_reset(st);
	return rc;
}

int store_notice_delete(struct store *db, int64_t id, struct lx_err *e)
{
	STMT(st, "DELETE FROM notices WHERE id = ?1");
	int src;
	int64_t n;
	st_bind_int(st, 1, id);
	src = st_step(st);
	n = src == ST_DONE ? st_changes(st) : 0;
	st_reset(st);
	if (src != ST_DONE)
		return store_fail(db, src, e, "notice delete");
	return n ? LX_OK : err_set(e, LX_ERR_NOTFOUND, "没有这条通知");
}

int store_notice_list(struct store *db, const char *scope, int limit, notice_fn fn, void *ctx, int *more,
		      struct lx_err *e)
{
	STMT(st, SQL_NOTICE_COLS
		 " WHERE CAST(?1 AS TEXT) IS NULL"
		 " OR (n.org IS NOT NULL AND (n.org = ?1 OR substr(n.org, 1, length(?1) + 1) = ?1 || '/'))"
		 " ORDER BY n.id DESC LIMIT ?2");
	struct notice_row n;
	int src, k = 0;
	*more = 0;
	bind_opt(st, 1, scope);
	st_bind_int(st, 2, (int64_t)limit + 1);
	while ((src = st_step(st)) == ST_ROW) {
		if (k++ == limit) {
			*more = 1;
			continue;
		}
		row_of(st, &n);
		fn(ctx, &n);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "notice list");
}

int store_notice_for(struct store *db, const char *org, const char *category, int64_t now, int limit,
		     notice_fn fn, void *ctx, struct lx_err *e)
{
	STMT(st, SQL_NOTICE_COLS
		 " WHERE n.starts_at <= ?3 AND ?3 < n.ends_at"
		 " AND (n.org IS NULL OR n.org = ?1 OR substr(CAST(?1 AS TEXT), 1, length(n.org) + 1) = n.org || '/')"
		 " AND (n.category IS NULL OR n.category = ?2)"
		 " ORDER BY n.starts_at DESC, n.id DESC LIMIT ?4");
	struct notice_row n;
	int src;
	st_bind_text(st, 1, org ? org : "", -1);
	bind_opt(st, 2, category);
	st_bind_int(st, 3, now);
	st_bind_int(st, 4, limit);
	while ((src = st_step(st)) == ST_ROW) {
		row_of(st, &n);
		fn(ctx, &n);
	}
	st_reset(st);
	return src == ST_DONE ? LX_OK : store_fail(db, src, e, "notices");
}

int store_org_known(struct store *db, const char *path, struct lx_err *e)
{
	STMT(st, "SELECT 1 FROM org_units WHERE path = ?1");
	int src;
	st_bind_text(st, 1, path, -1);
	src = st_step(st);
	st_reset(st);
	if (src == ST_ROW)
		return LX_OK;
	if (src == ST_DONE)
		return err_set(e, LX_ERR_NOTFOUND, "没有这个单位：%s", path);
	return store_fail(db, src, e, "unit");
}
