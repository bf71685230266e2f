/* routes.h — the route table (routes.c) and every handler's prototype. A route names its
 * method, a path pattern ('*' matches one segment, captured into c->params), the roles
 * allowed (0 = no login needed) and flags. http.c does matching, auth, CSRF and limits, and
 * compresses the replies of R_GZIP rows (never of R_SECRET ones, never one that sets a cookie). */
#ifndef LAWEXAM_ROUTES_H
#define LAWEXAM_ROUTES_H

#include <stddef.h>

#include "http.h"

enum {
	R_PWCHANGE_OK = 1 << 0, /* allowed while a password change is pending */
	R_NO_CSRF = 1 << 2,     /* login: no session yet */
	R_ANY_USER = 1 << 3,    /* any logged-in user, whatever the roles */
	R_OPS = 1 << 4,         /* operations (/metrics): a loopback peer (unless --metrics-token-only) or an
				 * administrator's API token; anyone else gets the 404 of an unknown page */
	R_UNSCOPED = 1 << 5,    /* acts on everything (banks, rosters, exams): a principal with a
				 * scope (SPEC §12) gets 403 out_of_scope even when the roles fit */
	R_GZIP = 1 << 6,        /* a large reply without secrets (the paper): gzip-encoded when the
				 * client accepts it (http.c, the one place that compresses API replies) */
	R_SECRET = 1 << 7,      /* the reply carries a secret (a CSRF token, a session, a password):
				 * never compressed, whatever else the row says (BREACH) */
};

struct route {
	int method;
	const char *pattern;
	void (*fn)(struct hctx *c);
	unsigned roles;
	int flags;
};

extern const struct route routes[];
extern const size_t n_routes;

/* h_law.c */
void h_laws_list(struct hctx *c);
void h_law_get(struct hctx *c);
void h_law_article(struct hctx *c);

/* h_auth.c */
void h_healthz(struct hctx *c);
void h_login(struct hctx *c);
void h_logout(struct hctx *c);
void h_me(struct hctx *c);
void h_me_password(struct hctx *c);

/* h_exam.c (examinee and exam administration) */
void h_exams_list(struct hctx *c);
void h_attempt_start(struct hctx *c);
void h_attempt_get(struct hctx *c);
void h_attempt_save(struct hctx *c);
void h_attempt_submit(struct hctx *c);
void h_attempt_review(struct hctx *c);
void h_receipt_get(struct hctx *c);
void h_admin_exams_create(struct hctx *c);
void h_admin_exams_list(struct hctx *c);

/* h_staff.c (people, staff page, monitor; scoped, SPEC §12) */
void h_admin_exam_monitor(struct hctx *c);
void h_admin_exam_people(struct hctx *c);
void h_admin_users_list(struct hctx *c);
void h_admin_user_password(struct hctx *c);
void h_admin_user_disable(struct hctx *c);
void h_admin_user_enable(struct hctx *c);

/* h_notice.c (notices, 通知公告; scoped, SPEC §12) */
void h_admin_notices_create(struct hctx *c);
void h_admin_notices_list(struct hctx *c);
void h_admin_notice_delete(struct hctx *c);
void h_notices_mine(struct hctx *c);

/* h_actions.c (per-attempt and per-person actions, regrade, key edit) */
void h_admin_attempt_get(struct hctx *c);
void h_admin_attempt_extend(struct hctx *c);
void h_admin_attempt_force_submit(struct hctx *c);
void h_admin_attempt_void(struct hctx *c);
void h_admin_exam_retake(struct hctx *c);
void h_admin_exam_person(struct hctx *c);
void h_admin_exam_exempt(struct hctx *c);
void h_admin_exam_unexempt(struct hctx *c);
void h_admin_exam_regrade(struct hctx *c);
void h_admin_question_answer(struct hctx *c);

/* h_admin.c (banks and rosters) */
void h_admin_banks_import(struct hctx *c);
void h_admin_banks_list(struct hctx *c);
void h_admin_bank_count(struct hctx *c);
void h_admin_categories(struct hctx *c);
void h_admin_staff_import(struct hctx *c);
void h_admin_job_get(struct hctx *c);

/* h_upload.c (files over LX_BODY_MAX, sent in parts) */
void h_upload_part(struct hctx *c);
void h_upload_get(struct hctx *c);
void h_upload_delete(struct hctx *c);

/* h_study.c (学法: practice, 错题本, study records, reading pings) */
void h_practice_create(struct hctx *c);
void h_practice_get(struct hctx *c);
void h_practice_banks(struct hctx *c);
void h_practice_answer(struct hctx *c);
void h_me_mistakes(struct hctx *c);
void h_me_study(struct hctx *c);
void h_me_reading(struct hctx *c);

/* h_report.c */
void h_reports_exams(struct hctx *c);
void h_report_pass_rates(struct hctx *c);
void h_report_results(struct hctx *c);
void h_report_items(struct hctx *c);
void h_report_study(struct hctx *c);

/* metrics.c */
void h_metrics(struct hctx *c);

/* h_paper.c (PDFs and certificate verification) */
void h_attempt_certificate(struct hctx *c);
void h_report_sheet(struct hctx *c);
void h_report_certificates(struct hctx *c);
void h_verify(struct hctx *c);
void h_admin_slips(struct hctx *c);

#endif
