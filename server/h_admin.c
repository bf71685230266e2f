/* h_admin.c — bank and roster uploads for administrators (POST /api/v1/admin/banks,
 * /admin/staff) and the bank list. The file is the body (up to LX_BODY_MAX) or, with
 * ?upload=ID, an upload sent in parts (h_upload.c), borrowed until the reply and dropped
 * once imported (kept after a dry run or a refusal); parsing (and, for rosters,
 * hashing the first passwords of new staff) runs on the hash pool, never on the event loop,
 * and the import is one writer job: all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "bank_import.h"
#include "clock.h"
#include "exam.h"
#include "jobs.h"
#include "mem.h"
#include "roster.h"
#include "roster_import.h"
#include "routes.h"
#include "store_accounts.h"
#include "store_banks.h"
#include "table.h"
#include "text.h"
#include "upload.h"

static int query_flag(struct hctx *c, const char *key)
{
	const char *v = http_query(c, key);
	return v && strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
}

/* --- the file ------------------------------------------------------------------- */

/* Where an import's file came from: an upload borrowed from the registry, or the body. */
struct upfile {
	struct uploads *reg;
	struct upload *up; /* NULL: the file is the request body */
	int imported;      /* a real import succeeded: the upload is dropped */
};

static void upfile_release(struct upfile *f)
{
	if (f->up)
		upload_release(f->reg, f->up, f->imported);
	f->up = NULL;
}

/* Points c->body at the file: the body, or the upload ?upload=ID (then the body must be
 * empty). Returns 0, or answers (400/404/409) and returns -1. */
static int take_file(struct hctx *c, struct upfile *f)
{
	const char *id = http_query(c, "upload");
	const char *data = NULL;
	size_t len = 0;
	int rc;

	if (!id)
		return 0;
	if (c->body_len) {
		http_error(c, 400, "bad_request", "使用 upload= 导入已上传的文件时，请求体须为空");
		return -1;
	}
	f->reg = c->srv->uploads;
	rc = upload_borrow(f->reg, id, c->user.id, &f->up, &data, &len);
	if (rc == LX_ERR_NOTFOUND) {
		http_error(c, 404, "upload_not_found", "上传不存在或已过期，请重新上传文件");
		return -1;
	}
	if (rc) {
		http_error(c, 409, "upload_busy", "该文件正在导入，请稍候");
		return -1;
	}
	c->body = data; /* valid until the reply: data_free gives the upload back */
	c->body_len = len;
	return 0;
}

/* --- banks ---------------------------------------------------------------------- */

struct bank_up {
	enum bank_format fmt;
	struct bank_meta meta;   /* borrows the request's query strings */
	int parse_rc;
	struct bank_doc doc;
	struct diag d;
	struct bank_import_result res;
	int dry_run, retire;
	struct upfile file;
	json_t *recognised; /* a dry run's reading, built off the loop (bank_recognised) */
};

static void bank_up_free(void *p)
{
	struct bank_up *b = p;
	json_decref(b->recognised);
	upfile_release(&b->file);
	bank_doc_free(&b->doc);
	diag_free(&b->d);
	free(b);
}

static int bank_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct bank_up *b = c->data;
	int rc = bank_import(db, &b->doc, b->dry_run, b->retire, clock_now(), &b->res, e);
	if (rc == LX_OK && !b->dry_run) {
		char detail[160];
		snprintf(detail, sizeof detail, "%s +%d ~%d =%d -%d", b->doc.code, b->res.added, b->res.updated,
			 b->res.unchanged, b->res.retired);
		rc = store_audit(db, clock_now(), c->user.login, "bank_import", detail, c->remote, e);
	}
	return rc;
}

static void bank_done(struct hctx *c, int rc, const struct lx_err *e);

/* What the reader recognised, for the page to show before anything is imported (SPEC §4.5,
 * issue 19): the count per type over the whole file and the first BANK_RECOGNISED_SHOWN
 * questions with their options and key. Not all of them: a bank may hold 20,000 questions of
 * up to 8 KiB stems and 8 options of 2 KiB; 200 bound the answer (a few MiB at worst, tens of
 * KiB as banks are written) and are more than anyone reads to check that a document was read
 * right, since a misreading repeats itself. */
#define BANK_RECOGNISED_SHOWN 200

static json_t *bank_recognised(const struct bank_doc *doc)
{
	json_int_t by[3] = {0};
	json_t *qs = json_array();

	for (size_t i = 0; i < doc->n; i++) {
		const struct bank_question *q = &doc->questions[i];
		json_t *opts;
		if ((int)q->type >= 0 && (int)q->type < 3)
			by[q->type]++;
		if (i >= BANK_RECOGNISED_SHOWN)
			continue;
		opts = json_array();
		for (size_t k = 0; k < q->n_options; k++)
			json_array_append_new(opts, json_string(q->options[k]));
		json_array_append_new(qs, json_pack("{s:s,s:s,s:s,s:o,s:s,s:s}", "id", q->id, "type", qtype_name(q->type),
						    "stem", q->stem, "options", opts, "answer", q->answer, "where",
						    q->where ? q->where : ""));
	}
	return json_pack("{s:I,s:{s:I,s:I,s:I},s:o,s:b}", "total", (json_int_t)doc->n, "by_type", "single",
			 by[QT_SINGLE], "multiple", by[QT_MULTIPLE], "judge", by[QT_JUDGE], "questions", qs,
			 "truncated", doc->n > BANK_RECOGNISED_SHOWN);
}

static json_t *diag_json(const struct diag *d)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s}", "where", d->items[i].where, "message",
						     d->items[i].message));
	return arr;
}

static void bank_parse_work(struct hctx *c)
{
	struct bank_up *b = c->data;
	char fname[16];
	snprintf(fname, sizeof fname, "bank.%s", bank_format_name(b->fmt));
	b->parse_rc = bank_parse(c->body, c->body_len, fname, b->fmt, &b->meta, &b->doc, &b->d);
	if (b->parse_rc == LX_OK && b->dry_run)
		b->recognised = bank_recognised(&b->doc);
}

static void bank_parsed(struct hctx *c, int rc, const struct lx_err *e)
{
	struct bank_up *b = c->data;
	if (b->parse_rc != LX_OK) {
		http_error_diag(c, "invalid_bank", "题库文件有误，未导入任何题目", &b->d);
		return;
	}
	http_write(c, bank_job, bank_done);
}

static void bank_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct bank_up *b = c->data;
	json_t *out;
	if (rc) {
		http_fail(c, rc, e->msg);
		return;
	}
	b->file.imported = !b->dry_run;
	out = json_pack("{s:s,s:b,s:i,s:i,s:i,s:i,s:o,s:I}", "bank", b->doc.code, "dry_run", b->dry_run, "added",
			b->res.added, "updated", b->res.updated, "unchanged", b->res.unchanged, "retired",
			b->res.retired, "notes", diag_json(&b->doc.notes), "notes_total",
			(json_int_t)b->doc.notes.total);
	if (b->recognised) {
		json_object_set_new(out, "recognised", b->recognised);
		b->recognised = NULL;
	}
	http_json(c, 200, out);
}

void h_admin_banks_import(struct hctx *c)
{
	struct bank_up *b = lx_calloc(1, sizeof *b);
	const char *fmt_s = http_query(c, "format");
	enum bank_format fmt = BANK_FMT_AUTO;
	struct bank_meta meta = {http_query(c, "bank"), http_query(c, "title"), http_query(c, "subject")};

	c->data = b;
	c->data_free = bank_up_free;
	b->dry_run = query_flag(c, "dry_run");
	b->retire = query_flag(c, "retire_missing");
	if (fmt_s && bank_format_parse(fmt_s, &fmt) != LX_OK) {
		http_error(c, 400, "bad_request", "format 应为 json、csv、xlsx、txt 或 docx");
		return;
	}
	if (take_file(c, &b->file) != 0)
		return;
	if (c->body_len == 0) {
		http_error(c, 400, "bad_request", "请求体为空：请上传题库文件");
		return;
	}
	if (fmt == BANK_FMT_AUTO)
		fmt = bank_format_guess("", c->body, c->body_len);
	b->fmt = fmt;
	b->meta = meta;
	/* Parsing a large upload takes up to a second: not on the event loop. */
	http_offload(c, bank_parse_work, bank_parsed);
}

static void bank_list_cb(void *ctx, const char *code, const char *title, const char *subject, int64_t active,
			 int64_t retired, int64_t s, int64_t m, int64_t j)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:s,s:I,s:I,s:{s:I,s:I,s:I}}", "code", code, "title", title,
					     "subject", subject, "active", (json_int_t)active, "retired",
					     (json_int_t)retired, "by_type", "single", (json_int_t)s, "multiple",
					     (json_int_t)m, "judge", (json_int_t)j));
}

void h_admin_banks_list(struct hctx *c)
{
	json_t *arr = json_array();
	struct lx_err e = {0};
	int rc = store_bank_list(c->th->rd, bank_list_cb, arr, &e);
	if (rc) {
		json_decref(arr);
		http_fail(c, rc, NULL);
		return;
	}
	http_json(c, 200, json_pack("{s:o}", "banks", arr));
}

/* --- the exam-creation form -------------------------------------------------------- */

/* A bank code as the bank format allows it ([a-z0-9-]{1,LX_BANK_CODE_MAX}). */
static int bank_code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > LX_BANK_CODE_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

/* Tags of one section filter: more would match nothing anyone writes. */
#define COUNT_TAGS_MAX 20

/* GET /api/v1/admin/banks/{code}/count?type=T[&tags=A,B][&difficulty=MIN-MAX]: how many active
 * questions a section with that filter may draw, how many more wait in review, and the tags
 * of the bank's questions of that type (the form's live count, exam_section_count_json). On
 * the loop's reader: one pass over the bank's questions of one type. */
void h_admin_bank_count(struct hctx *c)
{
	const char *type = http_query(c, "type"), *tags = http_query(c, "tags"), *diff = http_query(c, "difficulty");
	struct exam_section s = {.bank = c->params[0], .dmin = 1, .dmax = 5};
	struct lx_err e = {0};
	json_t *out = NULL;
	int rc;

	if (!bank_code_ok(c->params[0])) {
		http_error(c, 404, "bank_not_found", "题库不存在");
		return;
	}
	if (!type || qtype_parse(type, &s.type) != LX_OK) {
		http_error(c, 400, "bad_request", "type 应为 single、multiple 或 judge");
		return;
	}
	if (diff && *diff) {
		char *end = NULL;
		long lo = strtol(diff, &end, 10), hi = lo;
		if (end && *end == '-')
			hi = strtol(end + 1, &end, 10);
		if (!end || *end || lo < 1 || hi > 5 || lo > hi) {
			http_error(c, 400, "bad_request", "difficulty 应为 最低-最高，如 1-3（1 至 5）");
			return;
		}
		s.dmin = (int)lo;
		s.dmax = (int)hi;
	}
	if (tags && *tags) {
		s.n_tags = text_split_list(tags, &s.tags);
		if (s.n_tags > COUNT_TAGS_MAX) {
			text_list_free(s.tags, s.n_tags);
			http_error(c, 400, "bad_request", "标签最多 " LX_STR(COUNT_TAGS_MAX) " 个");
			return;
		}
	}
	rc = exam_section_count_json(c->th->rd, &s, &out, &e);
	text_list_free(s.tags, s.n_tags);
	if (rc == LX_ERR_NOTFOUND)
		http_error(c, 404, "bank_not_found", "题库不存在");
	else if (rc)
		http_fail(c, rc, NULL);
	else
		http_json(c, 200, out);
}

/* GET /api/v1/admin/categories: the staff categories and how many examinees each has. */
void h_admin_categories(struct hctx *c)
{
	struct lx_err e = {0};
	json_t *out = NULL;
	int rc = exam_categories_json(c->th->rd, &out, &e);
	if (rc)
		http_fail(c, rc, NULL);
	else
		http_json(c, 200, out);
}

/* --- staff ---------------------------------------------------------------------- */

struct staff_up {
	struct roster r;
	struct roster_plan plan;
	struct diag d;
	const char *fname;
	int xlsx, dry_run, disable;
	int rc;
	struct lx_err err;
	struct upfile file;
	struct job *job;       /* ?job=ID: the page polls its progress (jobs.h); NULL without */
	struct lx_progress progress;
	int ok;                /* imported (or checked) without error */
};

static void staff_up_free(void *p)
{
	struct staff_up *s = p;
	job_finish(s->job, s->ok); /* after the reply: a poll meanwhile still sees it running */
	upfile_release(&s->file);
	roster_plan_free(&s->plan);
	roster_free(&s->r);
	diag_free(&s->d);
	free(s);
}

static int staff_job(struct store *db, void *arg, struct lx_err *e)
{
	struct hctx *c = arg;
	struct staff_up *s = c->data;
	int rc = roster_apply(db, &s->plan, s->dry_run, clock_now(), e);
	if (rc == LX_OK && !s->dry_run) {
		char detail[160];
		snprintf(detail, sizeof detail, "+%d ~%d =%d disabled %d", s->plan.added, s->plan.updated,
			 s->plan.unchanged, s->plan.disabled);
		rc = store_audit(db, clock_now(), c->user.login, "staff_import", detail, c->remote, e);
	}
	return rc;
}

static void staff_done(struct hctx *c, int rc, const struct lx_err *e)
{
	struct staff_up *s = c->data;
	json_t *pw;
	if (rc) {
		http_fail(c, rc, e->msg);
		return;
	}
	s->file.imported = !s->dry_run;
	s->ok = 1;
	pw = json_array();
	for (size_t i = 0; !s->dry_run && i < s->plan.n; i++)
		if (s->plan.initial[i])
			json_array_append_new(pw, json_pack("{s:s,s:s,s:s,s:s}", "login", s->r.rows[i].login, "password",
							    s->plan.initial[i], "name", s->r.rows[i].name, "org",
							    s->r.rows[i].org));
	http_json(c, 200, json_pack("{s:b,s:i,s:i,s:i,s:i,s:o}", "dry_run", s->dry_run, "added", s->plan.added,
				    "updated", s->plan.updated, "unchanged", s->plan.unchanged, "disabled",
				    s->plan.disabled, "initial_passwords", pw));
}

/* On the hash pool: parse the file, resolve categories and hash every password (reads only). */
static void staff_prepare(struct hctx *c)
{
	struct staff_up *s = c->data;
	struct store *db = NULL;

	s->rc = roster_parse(c->body, c->body_len, s->fname, s->xlsx, &s->r, &s->d);
	if (s->rc)
		return;
	s->rc = store_open(c->srv->cfg->db_path, STORE_READONLY, &db, &s->err);
	if (s->rc == LX_OK)
		s->rc = roster_prepare(db, &s->r, s->fname, &c->srv->pw, 1, s->disable, &s->progress, &s->plan, &s->d,
				       &s->err);
	store_close(db);
}

static void staff_prepared(struct hctx *c, int rc, const struct lx_err *e)
{
	struct staff_up *s = c->data;
	if (s->rc == LX_ERR_INVALID && s->d.total) {
		http_error_diag(c, "invalid_roster", "名单文件有误，未导入任何人员", &s->d);
		return;
	}
	if (s->rc) {
		http_fail(c, s->rc, s->err.msg);
		return;
	}
	job_set_state(s->job, JOB_WRITING);
	http_write(c, staff_job, staff_done);
}

void h_admin_staff_import(struct hctx *c)
{
	struct staff_up *s = lx_calloc(1, sizeof *s);
	const char *fmt = http_query(c, "format");
	const char *job = http_query(c, "job");
	int rc;

	c->data = s;
	c->data_free = staff_up_free;
	if (job && !job_id_valid(job)) {
		http_error(c, 400, "bad_request", "job 须为 8 到 64 个字母、数字、“-”或“_”");
		return;
	}
	s->dry_run = query_flag(c, "dry_run");
	s->disable = query_flag(c, "disable_missing");
	if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "xlsx")) {
		http_error(c, 400, "bad_request", "format 应为 csv 或 xlsx");
		return;
	}
	if (take_file(c, &s->file) != 0)
		return;
	s->xlsx = fmt ? strcmp(fmt, "xlsx") == 0 : table_is_zip(c->body, c->body_len);
	s->fname = s->xlsx ? "staff.xlsx" : "staff.csv";
	if (job && (rc = job_start(c->srv->jobs, c->user.id, job, "staff_import", &s->job)) != LX_OK) {
		if (rc == LX_ERR_CONFLICT)
			http_error(c, 409, "job_conflict", "同名任务仍在进行，请换一个 job");
		else
			http_error(c, 429, "too_many_jobs", "进行中的任务过多，请稍后再试");
		return;
	}
	s->progress = job_progress(s->job);
	/* Parsing a large roster and hashing first passwords take seconds: not on the loop. */
	http_offload(c, staff_prepare, staff_prepared);
}
