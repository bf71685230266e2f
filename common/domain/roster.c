/* roster.c — staff roster files (SPEC §4.3) read and validated in memory (see roster.h).
 * Owns: the roster columns, unit-path normalisation, login/name/role checks and repeated
 * logins within one file. Does not resolve categories, create units or users, or make
 * passwords: the importer (roster_import.c) does that against the store. */
#include "roster.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lx_limits.h"
#include "mem.h"
#include "roles.h"
#include "table.h"
#include "text.h"

#define ROSTER_MAX_NAME 128
#define ROSTER_MAX_CATEGORY 64
#define ROSTER_MAX_PASSWORD 256
#define ORG_MAX_SEGMENT 64
#define ORG_MAX_LEVELS 8

enum { R_LOGIN, R_NAME, R_ORG, R_CATEGORY, R_ROLES, R_PASSWORD, R_SCOPE, R_N };

static const struct table_col roster_cols[R_N] = {
	[R_LOGIN] = {"工号|login", 1},
	[R_NAME] = {"姓名|name", 1},
	[R_ORG] = {"单位|org", 1},
	[R_CATEGORY] = {"类别|category", 1},
	[R_ROLES] = {"角色|roles", 0},
	[R_PASSWORD] = {"密码|password", 0},
	[R_SCOPE] = {"管理范围|scope", 0},
};

/* First ASCII control character in s, or -1. */
static int first_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (unsigned char)*s;
	return -1;
}

char *roster_norm_org(const char *path, char *why, size_t whylen)
{
	const char *p = path ? path : "", *seg = p;
	char reason[256] = "", shown[128], *res = NULL, *t;
	size_t len = 0, levels = 0;
	int c;

	if (!text_utf8_valid(p, strlen(p))) {
		snprintf(reason, sizeof reason, "单位路径不是有效的 UTF-8 文本");
		goto out;
	}
	if ((c = first_control(p)) >= 0) {
		snprintf(reason, sizeof reason, "单位路径含有不可见的控制字符 U+%04X", (unsigned)c);
		goto out;
	}
	if (strstr(p, "\xef\xbc\x8f")) { /* ／ */
		snprintf(reason, sizeof reason, "单位路径中有全角斜杠“／”：各级单位之间请用半角 /");
		goto out;
	}
	t = text_trim(p);
	c = t[0] == '\0';
	free(t);
	if (c) {
		snprintf(reason, sizeof reason, "单位为空");
		goto out;
	}
	res = lx_malloc(strlen(p) + 1);
	while (1) {
		const char *slash = strchr(seg, '/');
		char *raw = lx_strndup(seg, slash ? (size_t)(slash - seg) : strlen(seg));
		char *s = text_trim(raw);
		size_t sl = strlen(s);

		free(raw);
		levels++;
		if (sl == 0)
			snprintf(reason, sizeof reason, "第 %zu 级单位名称为空（开头、结尾或连续出现了 /）",
				 levels);
		else if (sl > ORG_MAX_SEGMENT)
			snprintf(reason, sizeof reason, "单位名称“%s”超过 %d 字节的上限",
				 text_clip(s, 60, shown, sizeof shown), ORG_MAX_SEGMENT);
		else if (levels > ORG_MAX_LEVELS)
			snprintf(reason, sizeof reason, "单位层级超过 %d 级", ORG_MAX_LEVELS);
		if (reason[0]) {
			free(s);
			goto out;
		}
		if (len)
			res[len++] = '/';
		memcpy(res + len, s, sl);
		len += sl;
		free(s);
		if (!slash)
			break;
		seg = slash + 1;
	}
	res[len] = '\0';
out:
	if (reason[0]) {
		free(res);
		res = NULL;
	}
	if (why && whylen)
		snprintf(why, whylen, "%s", reason);
	return res;
}

static void row_free(struct roster_row *row)
{
	free(row->login);
	free(row->name);
	free(row->org);
	free(row->category);
	free(row->scope);
	if (row->password) {
		memset(row->password, 0, strlen(row->password));
		free(row->password);
	}
	memset(row, 0, sizeof *row);
}

void roster_free(struct roster *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		row_free(&r->rows[i]);
	free(r->rows);
	r->rows = NULL;
	r->n = 0;
}

struct rctx {
	const char *fname;
	const struct table *t;
	const int *col_of;
	int rownum;
	struct diag *d;
};

static void rerr(const struct rctx *c, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void rerr(const struct rctx *c, int col, const char *fmt, ...)
{
	char where[512], msg[1024];
	int ci = c->col_of[col];
	va_list ap;

	if (ci >= 0) {
		char *h = text_trim(table_cell(&c->t->rows[0], ci));
		snprintf(where, sizeof where, "%s:ROW %d: column %s", c->fname, c->rownum, h);
		free(h);
	} else {
		snprintf(where, sizeof where, "%s:ROW %d", c->fname, c->rownum);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_add(c->d, where, "%s", msg);
}

static const char *show(const char *s, char *out, size_t outlen)
{
	return text_clip(s, 60, out, outlen);
}

/* Validates one row into *row (fresh strings). Returns 0, or -1 after reporting. */
static int read_row(const struct rctx *c, const struct table_row *r, struct roster_row *row)
{
	size_t before = c->d->total;
	char *v[R_N];
	char why[256], shown[128];
	int ctl;

	memset(row, 0, sizeof *row);
	row->rownum = r->rownum;
	for (int k = 0; k < R_N; k++)
		v[k] = k == R_PASSWORD ? lx_strdup(table_cell(r, c->col_of[k]))
				       : text_trim(table_cell(r, c->col_of[k]));

	if (!v[R_LOGIN][0])
		rerr(c, R_LOGIN, "工号为空");
	else if (strlen(v[R_LOGIN]) > LX_LOGIN_MAX_BYTES)
		rerr(c, R_LOGIN, "工号 \"%s\" 超过 %d 字节的上限", show(v[R_LOGIN], shown, sizeof shown),
		     LX_LOGIN_MAX_BYTES);
	else if (strpbrk(v[R_LOGIN], " \t\r\n") || first_control(v[R_LOGIN]) >= 0 ||
		 strstr(v[R_LOGIN], "\xe3\x80\x80"))
		rerr(c, R_LOGIN, "工号 \"%s\" 中不能有空格或控制字符", show(v[R_LOGIN], shown, sizeof shown));

	if (!v[R_NAME][0])
		rerr(c, R_NAME, "姓名为空");
	else if (strlen(v[R_NAME]) > ROSTER_MAX_NAME)
		rerr(c, R_NAME, "姓名超过 %d 字节的上限", ROSTER_MAX_NAME);
	else if ((ctl = first_control(v[R_NAME])) >= 0)
		rerr(c, R_NAME, "姓名含有不可见的控制字符 U+%04X", (unsigned)ctl);

	row->org = roster_norm_org(v[R_ORG], why, sizeof why);
	if (!row->org) {
		if (v[R_ORG][0])
			rerr(c, R_ORG, "单位 \"%s\" 有问题：%s", show(v[R_ORG], shown, sizeof shown), why);
		else
			rerr(c, R_ORG, "单位为空：请填写单位路径，如 珠晖区/区司法局/普法股");
	}

	if (!v[R_CATEGORY][0])
		rerr(c, R_CATEGORY, "类别为空：请填写人员类别代码或名称，如 leader 或 领导干部");
	else if (strlen(v[R_CATEGORY]) > ROSTER_MAX_CATEGORY || first_control(v[R_CATEGORY]) >= 0)
		rerr(c, R_CATEGORY, "类别 \"%s\" 无效", show(v[R_CATEGORY], shown, sizeof shown));

	row->roles = ROLE_EXAMINEE;
	if (v[R_ROLES][0]) {
		char bad[128];
		if (roles_parse(v[R_ROLES], &row->roles, bad, sizeof bad) != LX_OK)
			rerr(c, R_ROLES,
			     "未知的角色 \"%s\"：角色应为 考生(examinee)、管理员(admin)、人事(hr)、单位管理员(unit_admin)，多个用逗号或分号分隔",
			     show(bad, shown, sizeof shown));
	}

	if (v[R_SCOPE][0]) {
		row->scope = roster_norm_org(v[R_SCOPE], why, sizeof why);
		if (!row->scope)
			rerr(c, R_SCOPE, "管理范围 \"%s\" 有问题：%s", show(v[R_SCOPE], shown, sizeof shown), why);
	}

	if (v[R_PASSWORD][0]) {
		if (strlen(v[R_PASSWORD]) > ROSTER_MAX_PASSWORD)
			rerr(c, R_PASSWORD, "密码超过 %d 字节的上限", ROSTER_MAX_PASSWORD);
		else if (first_control(v[R_PASSWORD]) >= 0)
			rerr(c, R_PASSWORD, "密码含有不可见的控制字符");
		else {
			row->password = v[R_PASSWORD];
			v[R_PASSWORD] = NULL;
		}
	}

	row->login = v[R_LOGIN];
	row->name = v[R_NAME];
	row->category = v[R_CATEGORY];
	v[R_LOGIN] = v[R_NAME] = v[R_CATEGORY] = NULL;
	for (int k = 0; k < R_N; k++) {
		if (k == R_PASSWORD && v[k])
			memset(v[k], 0, strlen(v[k]));
		free(v[k]);
	}
	if (c->d->total > before) {
		row_free(row);
		return -1;
	}
	return 0;
}

static int login_cmp(const void *a, const void *b)
{
	const struct roster_row *const *x = a, *const *y = b;
	int c = strcmp((*x)->login, (*y)->login);

	if (c)
		return c;
	return (*x)->rownum < (*y)->rownum ? -1 : (*x)->rownum > (*y)->rownum;
}

/* Reports every login used on more than one row, at the later row, naming the first. */
struct repeat {
	const struct roster_row *later, *first;
};

static int repeat_cmp(const void *a, const void *b)
{
	const struct repeat *x = a, *y = b;

	return x->later->rownum < y->later->rownum ? -1 : x->later->rownum > y->later->rownum;
}

static void check_repeats(const struct rctx *c, const struct roster_row *rows, size_t n)
{
	const struct roster_row **by = NULL;
	struct repeat *rep = NULL;
	size_t nrep = 0;

	if (n < 2)
		return;
	by = lx_calloc(n, sizeof *by);
	rep = lx_calloc(n, sizeof *rep);
	for (size_t i = 0; i < n; i++)
		by[i] = &rows[i];
	qsort(by, n, sizeof *by, login_cmp);
	for (size_t i = 1, start = 0; i < n; i++) {
		if (strcmp(by[i]->login, by[start]->login) != 0) {
			start = i;
			continue;
		}
		rep[nrep].first = by[start];
		rep[nrep++].later = by[i];
	}
	qsort(rep, nrep, sizeof *rep, repeat_cmp); /* report in file order */
	for (size_t i = 0; i < nrep; i++) {
		struct rctx rc = *c;
		char shown[128];
		rc.rownum = rep[i].later->rownum;
		rerr(&rc, R_LOGIN, "工号 \"%s\" 重复：第 %d 行和第 %d 行是同一个工号",
		     show(rep[i].later->login, shown, sizeof shown), rep[i].first->rownum,
		     rep[i].later->rownum);
	}
	free(by);
	free(rep);
}

int roster_parse(const char *data, size_t len, const char *fname, int is_xlsx,
		 struct roster *out, struct diag *d)
{
	struct table t = {0};
	int col_of[R_N];
	struct rctx c = {.fname = fname ? fname : "roster", .t = &t, .col_of = col_of, .d = d};
	size_t before = d->total;

	memset(out, 0, sizeof *out);
	if ((is_xlsx ? table_read_xlsx : table_read_csv)(data ? data : "", data ? len : 0, c.fname, &t,
							  d) != LX_OK)
		goto out;
	if (table_map_header(&t, roster_cols, R_N, col_of, c.fname, d) != LX_OK)
		goto out;
	if (t.n < 2) {
		diag_add(d, c.fname, "名单中没有任何人员：表头（第 %d 行）之后没有内容", t.header_row);
		goto out;
	}
	out->header_row = t.header_row;
	out->rows = lx_calloc(t.n - 1, sizeof *out->rows);
	for (size_t i = 1; i < t.n; i++) {
		c.rownum = t.rows[i].rownum;
		if (read_row(&c, &t.rows[i], &out->rows[out->n]) == 0)
			out->n++;
	}
	check_repeats(&c, out->rows, out->n);
out:
	table_free(&t);
	if (d->total > before) {
		roster_free(out);
		return LX_ERR_INVALID;
	}
	return LX_OK;
}
