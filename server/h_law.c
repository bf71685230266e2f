/* h_law.c — the law library's routes (SPEC §13), for any logged-in user: the list of laws,
 * one law (its articles with their chapters, ?q= keeping the articles that contain a word),
 * and one article (the deep link every explanation and review links to). Reads on the
 * loop's reader connection; the JSON is lawlib.c's. */
#include <string.h>

#include "clock.h"
#include "lawlib.h"
#include "routes.h"
#include "text.h"

#define LAW_Q_MAX 128 /* bytes of a search word */

static void fail(struct hctx *c, int rc, const struct lx_err *e)
{
	if (rc == LX_ERR_NOTFOUND && e->tag)
		http_error(c, 404, e->tag, e->msg);
	else
		http_fail(c, rc, NULL);
}

void h_laws_list(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	int rc = lawlib_list_json(c->th->rd, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

void h_law_get(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	const char *q = http_query(c, "q");
	int rc;
	if (q && (strlen(q) > LAW_Q_MAX || !text_utf8_valid(q, strlen(q)))) {
		http_error(c, 422, "bad_query", "搜索词太长（最多 128 字节）或不是 UTF-8 文本");
		return;
	}
	rc = lawlib_law_json(c->th->rd, c->params[0], q, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}

void h_law_article(struct hctx *c)
{
	json_t *out = NULL;
	struct lx_err e = {0};
	struct law_ref ref;
	int rc;
	if (law_ref_parse(c->params[1], &ref) != LX_OK)
		ref = (struct law_ref){-1, 0}; /* no such article: the law is still checked first */
	rc = lawlib_article_json(c->th->rd, c->params[0], ref, &out, &e);
	if (rc)
		fail(c, rc, &e);
	else
		http_json(c, 200, out);
}
