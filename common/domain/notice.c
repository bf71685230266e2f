/* notice.c — notices (通知公告; see notice.h): the checks of a posted notice, posting and
 * deleting with their audit lines, and the two lists. The addressing rule itself (unit
 * subtree, category, time window) is one query of the store (store_notice_for). */
#include "notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exam.h"
#include "exam_def.h"
#include "lx_limits.h"
#include "mem.h"
#include "roster.h"
#include "store_accounts.h"
#include "store_notices.h"
#include "text.h"

#define NOTICE_CATEGORY_MAX 64 /* bytes of a category code or name as posted */

void notice_in_free(struct notice_in *n)
{
	if (!n)
		return;
	free(n->title);
	free(n->body);
	free(n->org);
	free(n->category);
	memset(n, 0, sizeof *n);
}

static int bad(struct lx_err *e, const char *msg)
{
	return err_tag(e, LX_ERR_INVALID, "bad_request", "%s", msg);
}

/* Characters (code points) of valid UTF-8 s. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A control character other than those lines allow (lines: \n, \r and \t pass). */
static int has_control(const char *s, int lines)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 || c == 0x7f) && !(lines && (c == '\n' || c == '\r' || c == '\t')))
			return 1;
	}
	return 0;
}

/* The trimmed text of member key: 1..max characters; NULL after bad() into e. */
static char *text_member(const json_t *body, const char *key, const char *name, size_t max, int lines,
			 struct lx_err *e)
{
	json_t *v = json_object_get(body, key);
	char *t;
	char msg[160];
	if (!json_is_string(v)) {
		snprintf(msg, sizeof msg, "请填写%s %s", name, key);
		bad(e, msg);
		return NULL;
	}
	t = text_trim(json_string_value(v));
	if (!*t)
		snprintf(msg, sizeof msg, "%s %s 不能为空", name, key);
	else if (chars(t) > max)
		snprintf(msg, sizeof msg, "%s %s 不能超过 %zu 个字", name, key, max);
	else if (has_control(t, lines) || !text_utf8_valid(t, strlen(t)))
		snprintf(msg, sizeof msg, "%s %s 含有不可见的控制字符", name, key);
	else
		return t;
	free(t);
	bad(e, msg);
	return NULL;
}

/* An optional string member: 0 with *out NULL (absent, null or empty) or a copy; -1 when it
 * is not a string. */
static int opt_member(const json_t *body, const char *key, char **out)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	if (*json_string_value(v))
		*out = lx_strdup(json_string_value(v));
	return 0;
}

static int time_member(const json_t *body, const char *key, const char *name, int64_t *out, struct lx_err *e)
{
	const char *s = json_string_value(json_object_get(body, key));
	char msg[200];
	if (s && exam_time_parse(s, out) == LX_OK)
		return LX_OK;
	snprintf(msg, sizeof msg, "%s %s 须为带时区的 RFC 3339 时间，如 2026-12-01T08:00:00+08:00", name, key);
	return bad(e, msg);
}

int notice_parse(const json_t *body, struct notice_in *out, struct lx_err *e)
{
	char why[256], *org = NULL;
	int rc = LX_OK;

	memset(out, 0, sizeof *out);
	if (!(out->title = text_member(body, "title", "标题", LX_NOTICE_TITLE_MAX, 0, e)) ||
	    !(out->body = text_member(body, "body", "正文", LX_NOTICE_BODY_MAX, 1, e))) {
		rc = LX_ERR_INVALID;
		goto out;
	}
	if (opt_member(body, "org", &org) != 0) {
		rc = bad(e, "单位 org 须为单位路径（如 珠晖区/区司法局），不填则发给全体人员");
		goto out;
	}
	if (org && !(out->org = roster_norm_org(org, why, sizeof why))) {
		char msg[400];
		snprintf(msg, sizeof msg, "单位 org 无效：%s", why);
		rc = bad(e, msg);
		goto out;
	}
	if (opt_member(body, "category", &out->category) != 0 ||
	    (out->category && (strlen(out->category) > NOTICE_CATEGORY_MAX || has_control(out->category, 0)))) {
		rc = bad(e, "人员类别 category 须为类别代码或名称（如 general 或 一般工作人员），不填则发给所有类别");
		goto out;
	}
	if ((rc = time_member(body, "from", "开始时间", &out->from, e)) != LX_OK ||
	    (rc = time_member(body, "until", "结束时间", &out->until, e)) != LX_OK)
		goto out;
	if (out->until <= out->from)
		rc = bad(e, "结束时间 until 须晚于开始时间 from");
out:
	free(org);
	if (rc)
		notice_in_free(out);
	return rc;
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A notice as JSON; admin adds author, created_at and status at now. */
static json_t *notice_json(const struct notice_row *n, int admin, int64_t now)
{
	char f[40], u[40];
	json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:s,s:s}", "id", (json_int_t)n->id, "title", n->title, "body",
			      n->body, "org", opt_str(n->org), "category", opt_str(n->category), "category_name",
			      opt_str(n->category_name), "from", rfc3339_format(n->starts_at, f, sizeof f), "until",
			      rfc3339_format(n->ends_at, u, sizeof u));
	if (admin) {
		char c[40];
		json_object_set_new(o, "author", json_string(n->author));
		json_object_set_new(o, "created_at", json_string(rfc3339_format(n->created_at, c, sizeof c)));
		json_object_set_new(o, "status", json_string(now < n->starts_at ? "upcoming"
							     : now < n->ends_at ? "active"
										 : "expired"));
	}
	return o;
}

struct list_ctx {
	json_t *arr;
	int admin;
	int64_t now;
};

static void list_cb(void *ctx, const struct notice_row *n)
{
	struct list_ctx *l = ctx;
	json_array_append_new(l->arr, notice_json(n, l->admin, l->now));
}

/* The audit detail of a notice: id, unit, category and the title clipped. Caller frees. */
static char *detail_of(int64_t id, const char *org, const char *category, const char *title)
{
	char t[96];
	return lx_asprintf("notice %lld org=%s category=%s title=%s", (long long)id, org ? org : "-",
			   category ? category : "-", text_clip(title, 80, t, sizeof t));
}

int notice_create(struct store *db, const struct exam_actor *who, const char *scope, const struct notice_in *in,
		  json_t **out, struct lx_err *e)
{
	struct notice_row n = {0};
	struct list_ctx l = {NULL, 1, who->now};
	char *code = NULL, *detail = NULL;
	int rc;

	*out = NULL;
	if (scope && (!in->org || !scope_path_covers(scope, in->org))) {
		rc = err_tag(e, LX_ERR_DENIED, "out_of_scope", "该单位不在您的管理范围内");
		goto out;
	}
	if (in->category) {
		rc = store_category_resolve(db, in->category, &code, e);
		if (rc == LX_ERR_NOTFOUND)
			rc = err_tag(e, LX_ERR_INVALID, "bad_request", "未知的人员类别 category：%s", in->category);
		if (rc)
			goto out;
	}
	if (in->org && (rc = store_org_known(db, in->org, e)) != LX_OK) {
		if (rc == LX_ERR_NOTFOUND)
			rc = err_tag(e, LX_ERR_INVALID, "bad_request", "没有这个单位：%s（单位在导入人员名单时建立）",
				     in->org);
		goto out;
	}
	n.title = in->title;
	n.body = in->body;
	n.org = in->org;
	n.category = code;
	n.starts_at = in->from;
	n.ends_at = in->until;
	n.author = who->login;
	n.created_at = who->now;
	if ((rc = store_notice_insert(db, &n, &n.id, e)) != LX_OK)
		goto out;
	detail = detail_of(n.id, n.org, n.category, n.title);
	if ((rc = store_audit(db, who->now, who->login, "notice_create", detail, who->remote ? who->remote : "", e)))
		goto out;
	l.arr = json_array();
	rc = store_notice_get(db, n.id, list_cb, &l, e);
	if (rc == LX_OK)
		*out = json_incref(json_array_get(l.arr, 0));
out:
	json_decref(l.arr);
	free(code);
	free(detail);
	return rc;
}

struct found {
	int64_t id;
	char *org, *category, *title;
};

static void found_cb(void *ctx, const struct notice_row *n)
{
	struct found *f = ctx;
	f->id = n->id;
	f->org = n->org ? lx_strdup(n->org) : NULL;
	f->category = n->category ? lx_strdup(n->category) : NULL;
	f->title = lx_strdup(n->title);
}

int notice_delete(struct store *db, const struct exam_actor *who, const char *scope, int64_t id,
		  struct lx_err *e)
{
	struct found f = {0};
	char *detail = NULL;
	int rc = id > 0 ? store_notice_get(db, id, found_cb, &f, e) : err_set(e, LX_ERR_NOTFOUND, "没有这条通知");

	if (rc == LX_OK && !scope_path_covers(scope, f.org)) /* outside the scope: as unknown */
		rc = err_set(e, LX_ERR_NOTFOUND, "没有这条通知");
	if (rc == LX_OK)
		rc = store_notice_delete(db, id, e);
	if (rc == LX_OK) {
		detail = detail_of(id, f.org, f.category, f.title);
		rc = store_audit(db, who->now, who->login, "notice_delete", detail, who->remote ? who->remote : "", e);
	}
	free(detail);
	free(f.org);
	free(f.category);
	free(f.title);
	return rc;
}

int notice_list_json(struct store *db, const char *scope, int64_t now, json_t **out, struct lx_err *e)
{
	struct list_ctx l = {json_array(), 1, now};
	int more = 0;
	int rc = store_notice_list(db, scope, NOTICE_LIST_MAX, list_cb, &l, &more, e);
	if (rc) {
		json_decref(l.arr);
		return rc;
	}
	*out = json_pack("{s:o,s:b,s:o}", "notices", l.arr, "more", more, "scope", opt_str(scope));
	return LX_OK;
}

int notice_mine_json(struct store *db, const char *org, const char *category, int64_t now, json_t **out,
		     struct lx_err *e)
{
	struct list_ctx l = {json_array(), 0, now};
	int rc = store_notice_for(db, org, category, now, NOTICE_MINE_MAX, list_cb, &l, e);
	if (rc) {
		json_decref(l.arr);
		return rc;
	}
	*out = json_pack("{s:o}", "notices", l.arr);
	return LX_OK;
}
