/* test_lawlib.c — unit tests of the law library and the law-aware bank
 * (common/domain/lawlib.c over common/store/store_laws.c, SPEC §13) on a real SQLite store:
 * versions (unchanged, changed, renamed), exactly the questions citing a changed or removed
 * article go into review (several articles, 之Y, the preamble, retired questions, other laws),
 * the review keeps them out of candidates and changes the content stamp, accept and a
 * changed re-import clear it, basis resolution and check-basis, the JSON of the routes. */
#include "exam_fixture.h"

#include "law.h"
#include "lawlib.h"
#include "store_exams.h"
#include "store_laws.h"

static const char LAW_V1[] = "# 中华人民共和国示例法\n"
			     "## 序言\n序言。\n"
			     "## 第一章 总则\n"
			     "第一条 甲。\n第二条 乙。\n第二条之一 乙一。\n第三条 丙。\n第四条 丁。\n";

static const char *const BASES[] = {
	"《中华人民共和国示例法》第一条",              /* Q0 */
	"《中华人民共和国示例法》第二条第一款",        /* Q1 */
	"《中华人民共和国示例法》第二条之一",          /* Q2 */
	"《中华人民共和国示例法》第三条、第四条",      /* Q3 */
	"《中华人民共和国示例法》序言第一自然段",      /* Q4 */
	"《中华人民共和国宪法》第二条",                /* Q5: another law */
	"《中华人民共和国示例法》第一章第四条",        /* Q6 */
};
#define NB (sizeof BASES / sizeof BASES[0])

struct imp {
	const char *text, *code, *title, *effective;
	struct lawlib_import_result res;
};

static int import_job(struct store *db, void *arg, struct lx_err *e)
{
	struct imp *x = arg;
	struct law_doc doc;
	struct diag d = {0};
	int rc = law_parse(x->text, strlen(x->text), "law.md", &doc, &d);
	assert_int_equal(rc, LX_OK);
	rc = lawlib_import(db, &doc, x->code, x->title, x->effective, clock_now(), &x->res, e);
	law_doc_free(&doc);
	diag_free(&d);
	return rc;
}

static struct lawlib_import_result import_law(struct fx *f, const char *text, const char *code, const char *eff)
{
	struct imp x = {text, code, NULL, eff, {0}};
	fx_run(f->db, import_job, &x, "law import");
	return x.res;
}

/* A bank "b" of judge questions Q<first>… citing bases (the first one's explanation + extra). */
static char *bank_json(const char *const *bases, size_t n, const char *extra_expl, size_t first)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	fprintf(m, "{\"format\":\"lawexam-bank/1\",\"bank\":{\"code\":\"b\",\"title\":\"示例\",\"subject\":\"s\"},"
		   "\"questions\":[");
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s{\"id\":\"Q%zu\",\"type\":\"judge\",\"stem\":\"题%zu\",\"answer\":\"T\",\"basis\":\"%s\","
			   "\"explanation\":\"解析%s\"}",
			i ? "," : "", i + first, i + first, bases[i], (extra_expl && i == 0) ? extra_expl : "");
	fprintf(m, "]}");
	fclose(m);
	return out;
}

struct bank_imp {
	char *text;
	int retire;
};

static int bank_job(struct store *db, void *arg, struct lx_err *e)
{
	struct bank_imp *b = arg;
	return fx_import_text(db, b->text, b->retire, e);
}

static void import_bank(struct fx *f, const char *const *bases, size_t n, const char *extra, int retire)
{
	struct bank_imp b = {bank_json(bases, n, extra, 0), retire};
	fx_run(f->db, bank_job, &b, "bank import");
}

/* The bank without Q0 (retired). */
static void import_bank_without_q0(struct fx *f)
{
	struct bank_imp b = {bank_json(BASES + 1, NB - 1, NULL, 1), 1};
	fx_run(f->db, bank_job, &b, "bank import");
}

static void review_cb(void *ctx, const struct review_row *r)
{
	char *s = ctx;
	strcat(s, r->qid);
	strcat(s, " ");
}

static void reviewed(struct fx *f, const char *law, char out[256])
{
	struct lx_err e = {0};
	out[0] = '\0';
	assert_int_equal(store_review_list(f->db, law, review_cb, out, &e), LX_OK);
}


static void test_versions_and_review(void **state)
{
	struct fx *f = *state;
	struct lawlib_import_result r;
	char got[256];
	struct lx_err e = {0};
	struct content_gen g1, g2;

	import_bank(f, BASES, NB, NULL, 0);
	r = import_law(f, LAW_V1, "demo", "2020-01-01");
	assert_int_equal(r.version, 1);
	assert_int_equal(r.articles, 6);
	assert_int_equal(r.flagged, 0);
	/* the same text: nothing */
	r = import_law(f, LAW_V1, "demo", "2020-01-01");
	assert_true(r.unchanged);
	assert_int_equal(r.version, 1);
	/* only the date: a new version, nobody in review */
	r = import_law(f, LAW_V1, "demo", "2021-01-01");
	assert_false(r.unchanged);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.changed, 0);
	assert_int_equal(r.flagged, 0);

	/* article 4 changes: Q3 (cites 3 and 4) and Q6 (第一章第四条) */
	assert_int_equal(store_content_gen(f->db, &g1, &e), LX_OK);
	r = import_law(f, "# 中华人民共和国示例法\n## 序言\n序言。\n## 第一章 总则\n"
			  "第一条 甲。\n第二条 乙。\n第二条之一 乙一。\n第三条 丙。\n第四条 丁改。\n",
		       "demo", NULL);
	assert_int_equal(r.version, 3);
	assert_int_equal(r.changed, 1);
	assert_int_equal(r.flagged, 2);
	reviewed(f, NULL, got);
	assert_string_equal(got, "Q3 Q6 ");
	reviewed(f, "other", got);
	assert_string_equal(got, "");
	/* the start caches see it: the stamp changed */
	assert_int_equal(store_content_gen(f->db, &g2, &e), LX_OK);
	assert_true(g1.n != g2.n || g1.nonce != g2.nonce);

	/* the preamble and a 之Y article change, article 4 is removed... */
	r = import_law(f, "# 中华人民共和国示例法\n## 序言\n序言改。\n## 第一章 总则\n"
			  "第一条 甲。\n第二条 乙。\n第二条之一 乙一改。\n第三条 丙。\n",
		       "demo", NULL);
	assert_int_equal(r.changed, 3);
	assert_int_equal(r.flagged, 4); /* Q2, Q4, and Q3, Q6 again (still in review) */
	reviewed(f, NULL, got);
	assert_string_equal(got, "Q2 Q3 Q4 Q6 ");
	assert_int_equal(r.version, 4);
}

static void cand_count(void *ctx, int64_t v, int d, const char *t, int n)
{
	(void)v;
	(void)d;
	(void)t;
	(void)n;
	(*(int *)ctx)++;
}

static int accept_job(struct store *db, void *arg, struct lx_err *e)
{
	int was = -1, rc = lawlib_accept(db, "b", arg, &was, e);
	if (rc == LX_OK && !was)
		rc = err_set(e, LX_ERR_CONFLICT, "%s was not in review", (const char *)arg);
	return rc;
}

static void test_candidates_accept_reimport(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	char got[256];
	int n = 0;

	import_bank(f, BASES, NB, NULL, 0);
	import_law(f, LAW_V1, "demo", NULL);
	import_law(f, "# 中华人民共和国示例法\n## 序言\n序言。\n## 第一章 总则\n"
		      "第一条 甲改。\n第二条 乙。\n第二条之一 乙一。\n第三条 丙。\n第四条 丁。\n",
		   "demo", NULL);
	reviewed(f, NULL, got);
	assert_string_equal(got, "Q0 ");
	assert_int_equal(store_candidates(f->db, "b", "judge", cand_count, &n, &e), LX_OK);
	assert_int_equal(n, (int)NB - 1);

	/* accept: drawn again */
	fx_run(f->db, accept_job, (void *)"Q0", "accept");
	reviewed(f, NULL, got);
	assert_string_equal(got, "");
	n = 0;
	assert_int_equal(store_candidates(f->db, "b", "judge", cand_count, &n, &e), LX_OK);
	assert_int_equal(n, (int)NB);

	/* in review again; an unchanged re-import keeps it there, a changed one clears it */
	import_law(f, "# 中华人民共和国示例法\n## 序言\n序言。\n## 第一章 总则\n"
		      "第一条 甲再改。\n第二条 乙。\n第二条之一 乙一。\n第三条 丙。\n第四条 丁。\n",
		   "demo", NULL);
	reviewed(f, NULL, got);
	assert_string_equal(got, "Q0 ");
	import_bank(f, BASES, NB, NULL, 0);
	reviewed(f, NULL, got);
	assert_string_equal(got, "Q0 ");
	import_bank(f, BASES, NB, "（已复核）", 0);
	reviewed(f, NULL, got);
	assert_string_equal(got, "");

	/* a retired question is not put into review: Q0 alone cites article 1 */
	import_bank_without_q0(f);
	import_law(f, "# 中华人民共和国示例法\n## 序言\n序言。\n## 第一章 总则\n"
		      "第一条 甲三改。\n第二条 乙。\n第二条之一 乙一。\n第三条 丙。\n第四条 丁。\n第五条 戊。\n",
		   "demo", NULL);
	reviewed(f, NULL, got);
	assert_string_equal(got, "");
}

struct check_out {
	char lines[512];
};

static void check_cb(void *ctx, const char *bank, const char *qid, const char *basis, enum lawlib_status st,
		     const char *detail)
{
	struct check_out *o = ctx;
	char line[160];
	(void)bank;
	(void)basis;
	(void)detail;
	snprintf(line, sizeof line, "%s:%s ", qid, lawlib_status_name(st));
	strcat(o->lines, line);
}

static void test_resolve_and_check(void **state)
{
	struct fx *f = *state;
	static const char *const bases[] = {
		"《中华人民共和国示例法》第二条之一",   /* Q0 ok */
		"《中华人民共和国示例法》第九条",       /* Q1 no_article */
		"示例法第一条",                         /* Q2 unreadable */
		"《中华人民共和国宪法》第一条",         /* Q3 no_law */
		"《中华人民共和国示例法》第一条、第九十九条", /* Q4 no_article (the second) */
		"《中华人民共和国示例法》序言",         /* Q5 ok */
	};
	struct check_out o = {{0}};
	size_t counts[5];
	struct lx_err e = {0};
	struct lawlib_res *r;
	enum lawlib_status st;
	const char *code;
	struct law_ref ref;
	json_t *j;

	import_bank(f, bases, 6, NULL, 0);
	import_law(f, LAW_V1, "demo", NULL);
	assert_int_equal(lawlib_check_basis(f->db, check_cb, &o, counts, &e), LX_OK);
	assert_string_equal(o.lines, "Q1:no_article Q2:unreadable Q3:no_law Q4:no_article ");
	assert_int_equal(counts[LAWLIB_OK], 2);
	assert_int_equal(counts[LAWLIB_NO_ARTICLE], 2);

	r = lawlib_res_new();
	assert_int_equal(lawlib_resolve(f->db, r, bases[0], &st, &code, &ref, &e), LX_OK);
	assert_int_equal(st, LAWLIB_OK);
	assert_string_equal(code, "demo");
	assert_int_equal(ref.no, 2);
	assert_int_equal(ref.sub, 1);
	assert_int_equal(lawlib_resolve(f->db, r, bases[4], &st, &code, &ref, &e), LX_OK);
	assert_int_equal(st, LAWLIB_NO_ARTICLE);
	assert_int_equal(ref.no, 99);
	assert_int_equal(lawlib_resolve(f->db, r, "", &st, &code, &ref, &e), LX_OK);
	assert_int_equal(st, LAWLIB_EMPTY);
	j = lawlib_basis_json(f->db, r, bases[0]);
	assert_string_equal(json_string_value(json_object_get(j, "ref")), "2-1");
	json_decref(j);
	j = lawlib_basis_json(f->db, r, bases[1]);
	assert_true(json_is_null(j));
	json_decref(j);
	lawlib_res_free(r);
}

static void test_route_json(void **state)
{
	struct fx *f = *state;
	struct lx_err e = {0};
	json_t *j = NULL;

	import_law(f, LAW_V1, "demo", "2020-01-01");
	assert_int_equal(lawlib_list_json(f->db, &j, &e), LX_OK);
	assert_int_equal(json_array_size(j), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "articles")), 6);
	json_decref(j);
	assert_int_equal(lawlib_law_json(f->db, "demo", "乙", &j, &e), LX_OK);
	assert_int_equal(json_array_size(json_object_get(j, "articles")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "articles"), 1), "chapter")),
			    "第一章 总则");
	json_decref(j);
	assert_int_equal(lawlib_law_json(f->db, "nope", NULL, &j, &e), LX_ERR_NOTFOUND);
	assert_string_equal(e.tag, "law_not_found");
	assert_null(j);
	e.tag = NULL;
	assert_int_equal(lawlib_article_json(f->db, "demo", (struct law_ref){9, 0}, &j, &e), LX_ERR_NOTFOUND);
	assert_string_equal(e.tag, "article_not_found");
	e.tag = NULL;
	assert_int_equal(lawlib_article_json(f->db, "nope", (struct law_ref){1, 0}, &j, &e), LX_ERR_NOTFOUND);
	assert_string_equal(e.tag, "law_not_found");
	assert_int_equal(lawlib_article_json(f->db, "demo", (struct law_ref){0, 0}, &j, &e), LX_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "article"), "label")), "序言");
	json_decref(j);
}

static void test_bad_import(void **state)
{
	struct fx *f = *state;
	struct law_doc doc;
	struct diag d = {0};
	struct lawlib_import_result r;
	struct lx_err e = {0};
	const char *untitled = "第一条 甲。\n";

	assert_int_equal(law_parse(LAW_V1, strlen(LAW_V1), "x.md", &doc, &d), LX_OK);
	assert_int_equal(lawlib_import(f->db, &doc, "Bad", NULL, NULL, 1, &r, &e), LX_ERR_INVALID);
	assert_int_equal(lawlib_import(f->db, &doc, "demo", NULL, "2020-02-30x", 1, &r, &e), LX_ERR_INVALID);
	assert_int_equal(lawlib_import(f->db, &doc, "demo", NULL, "20-01-01", 1, &r, &e), LX_ERR_INVALID);
	/* one title, one law */
	import_law(f, LAW_V1, "demo", NULL);
	assert_int_equal(lawlib_import(f->db, &doc, "demo2", NULL, NULL, 1, &r, &e), LX_ERR_INVALID);
	assert_non_null(strstr(e.msg, "demo"));
	assert_int_equal(lawlib_import(f->db, &doc, "demo2", "另一部法律", NULL, 1, &r, &e), LX_OK);
	law_doc_free(&doc);
	assert_int_equal(law_parse(untitled, strlen(untitled), "x.md", &doc, &d), LX_OK);
	assert_int_equal(lawlib_import(f->db, &doc, "demo", NULL, NULL, 1, &r, &e), LX_ERR_INVALID);
	assert_non_null(strstr(e.msg, "--title"));
	law_doc_free(&doc);
	diag_free(&d);
}

static int setup(void **state)
{
	return fx_setup(state, "/tmp/lawexam-lawlib-XXXXXX", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_versions_and_review, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_candidates_accept_reimport, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resolve_and_check, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_route_json, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_import, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
