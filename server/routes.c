/* routes.c — the API's route table (SPEC §6). Order matters only for identical patterns.
 * Compression (http.c): R_GZIP marks the replies worth it and free of secrets (the paper:
 * a start, an attempt, a practice set); R_SECRET marks every reply that carries a CSRF token,
 * a session or a password, and wins over R_GZIP. A new route is neither until it is read. */
#include "routes.h"

#include "metrics.h"
#include "roles.h"
#include "scope.h"

#define GET EVHTTP_REQ_GET
#define POST EVHTTP_REQ_POST
#define PUT EVHTTP_REQ_PUT
#define DELETE EVHTTP_REQ_DELETE
/* Who reads the reports (SPEC §7, §12). */
#define ROLES_REPORTS (ROLE_HR | ROLE_ADMIN | ROLE_UNIT_ADMIN)

const struct route routes[] = {
	{GET, "/healthz", h_healthz, 0, 0},
	{POST, "/api/v1/login", h_login, 0, R_NO_CSRF | R_SECRET},
	{POST, "/api/v1/logout", h_logout, 0, R_ANY_USER | R_PWCHANGE_OK | R_SECRET},
	{GET, "/api/v1/me", h_me, 0, R_ANY_USER | R_PWCHANGE_OK | R_SECRET},
	{POST, "/api/v1/me/password", h_me_password, 0, R_ANY_USER | R_PWCHANGE_OK | R_SECRET},
	{GET, "/api/v1/exams", h_exams_list, ROLE_EXAMINEE, 0},
	/* Any user: exam_start answers 403 not_assigned to staff without the examinee role (SPEC §4.4). */
	{POST, "/api/v1/exams/*/attempts", h_attempt_start, 0, R_ANY_USER | R_GZIP},
	{GET, "/api/v1/attempts/*", h_attempt_get, ROLE_EXAMINEE, R_GZIP},
	{PUT, "/api/v1/attempts/*/answers", h_attempt_save, ROLE_EXAMINEE, 0},
	{POST, "/api/v1/attempts/*/submit", h_attempt_submit, ROLE_EXAMINEE, 0},
	{GET, "/api/v1/attempts/*/review", h_attempt_review, ROLE_EXAMINEE, 0},
	{GET, "/api/v1/laws", h_laws_list, 0, R_ANY_USER},
	{GET, "/api/v1/laws/*", h_law_get, 0, R_ANY_USER},
	{GET, "/api/v1/laws/*/articles/*", h_law_article, 0, R_ANY_USER},
	{GET, "/api/v1/receipts/*", h_receipt_get, ROLE_EXAMINEE | ROLE_ADMIN | ROLE_HR, 0},
	{GET, "/api/v1/attempts/*/certificate.pdf", h_attempt_certificate, ROLE_EXAMINEE | ROLE_ADMIN | ROLE_HR, 0},
	{POST, "/api/v1/practice", h_practice_create, ROLE_EXAMINEE, R_GZIP},
	{GET, "/api/v1/practice/banks", h_practice_banks, ROLE_EXAMINEE, 0},
	{GET, "/api/v1/practice/*", h_practice_get, ROLE_EXAMINEE, R_GZIP},
	{PUT, "/api/v1/practice/*/answers/*", h_practice_answer, ROLE_EXAMINEE, 0},
	{GET, "/api/v1/me/mistakes", h_me_mistakes, ROLE_EXAMINEE, 0},
	{GET, "/api/v1/me/study", h_me_study, ROLE_EXAMINEE, 0},
	{POST, "/api/v1/me/reading", h_me_reading, 0, R_ANY_USER},
	{GET, "/api/v1/notices", h_notices_mine, ROLE_EXAMINEE, 0},
	/* Whole-system administration: admin, and only without a scope. */
	{POST, "/api/v1/admin/uploads", h_upload_part, ROLE_ADMIN, R_UNSCOPED},
	{GET, "/api/v1/admin/uploads/*", h_upload_get, ROLE_ADMIN, R_UNSCOPED},
	{DELETE, "/api/v1/admin/uploads/*", h_upload_delete, ROLE_ADMIN, R_UNSCOPED},
	{POST, "/api/v1/admin/banks", h_admin_banks_import, ROLE_ADMIN, R_UNSCOPED},
	{GET, "/api/v1/admin/banks", h_admin_banks_list, ROLE_ADMIN, R_UNSCOPED},
	/* The exam-creation form: a section's live count, the categories (exam_preview.c). */
	{GET, "/api/v1/admin/banks/*/count", h_admin_bank_count, ROLE_ADMIN, R_UNSCOPED},
	{GET, "/api/v1/admin/categories", h_admin_categories, ROLE_ADMIN, R_UNSCOPED},
	{POST, "/api/v1/admin/staff", h_admin_staff_import, ROLE_ADMIN, R_UNSCOPED | R_SECRET},
	{POST, "/api/v1/admin/slips", h_admin_slips, ROLE_ADMIN, R_UNSCOPED | R_SECRET},
	{GET, "/api/v1/admin/jobs/*", h_admin_job_get, ROLE_ADMIN, R_UNSCOPED},
	{POST, "/api/v1/admin/exams", h_admin_exams_create, ROLE_ADMIN, R_UNSCOPED},
	/* Admin; unit_admin within scope (SPEC §12): handlers limit rows and targets to the
	 * principal's scope (scope.c). */
	{GET, "/api/v1/admin/exams", h_admin_exams_list, ROLES_STAFF_ADMIN, 0},
	{GET, "/api/v1/admin/exams/*/monitor", h_admin_exam_monitor, ROLES_STAFF_ADMIN, 0},
	{GET, "/api/v1/admin/exams/*/people", h_admin_exam_people, ROLES_STAFF_ADMIN, 0},
	{GET, "/api/v1/admin/users", h_admin_users_list, ROLES_STAFF_ADMIN, 0},
	{POST, "/api/v1/admin/users/*/password", h_admin_user_password, ROLES_STAFF_ADMIN, R_SECRET},
	{POST, "/api/v1/admin/users/*/disable", h_admin_user_disable, ROLES_STAFF_ADMIN, 0},
	{POST, "/api/v1/admin/users/*/enable", h_admin_user_enable, ROLES_STAFF_ADMIN, 0},
	/* Notices (通知公告): a unit_admin posts to, lists and deletes only units of the scope. */
	{POST, "/api/v1/admin/notices", h_admin_notices_create, ROLES_STAFF_ADMIN, 0},
	{GET, "/api/v1/admin/notices", h_admin_notices_list, ROLES_STAFF_ADMIN, 0},
	{DELETE, "/api/v1/admin/notices/*", h_admin_notice_delete, ROLES_STAFF_ADMIN, 0},
	/* Per-attempt and per-person actions (SPEC §12): the handler checks the person's scope. */
	{GET, "/api/v1/admin/attempts/*", h_admin_attempt_get, ROLES_STAFF_ADMIN, 0},
	{POST, "/api/v1/admin/attempts/*/extend", h_admin_attempt_extend, ROLES_STAFF_ADMIN, 0},
	{POST, "/api/v1/admin/attempts/*/force-submit", h_admin_attempt_force_submit, ROLES_STAFF_ADMIN, 0},
	{POST, "/api/v1/admin/attempts/*/void", h_admin_attempt_void, ROLES_STAFF_ADMIN, 0},
	{GET, "/api/v1/admin/exams/*/attempts", h_admin_exam_person, ROLES_STAFF_ADMIN, 0},
	{POST, "/api/v1/admin/exams/*/retakes", h_admin_exam_retake, ROLES_STAFF_ADMIN, 0},
	{POST, "/api/v1/admin/exams/*/exemptions", h_admin_exam_exempt, ROLES_STAFF_ADMIN, 0},
	{DELETE, "/api/v1/admin/exams/*/exemptions/*", h_admin_exam_unexempt, ROLES_STAFF_ADMIN, 0},
	/* Exam-wide: everyone's scores and a bank's key (admin without a scope). */
	{POST, "/api/v1/admin/exams/*/regrade", h_admin_exam_regrade, ROLE_ADMIN, R_UNSCOPED},
	{PUT, "/api/v1/admin/banks/*/questions/*/answer", h_admin_question_answer, ROLE_ADMIN, R_UNSCOPED},
	/* Reports: hr, admin and unit_admin, each over their scope. */
	{GET, "/api/v1/reports", h_reports_exams, ROLES_REPORTS, 0},
	{GET, "/api/v1/reports/study", h_report_study, ROLES_REPORTS, 0},
	{GET, "/api/v1/reports/*/pass-rates", h_report_pass_rates, ROLES_REPORTS, 0},
	{GET, "/api/v1/reports/*/results", h_report_results, ROLES_REPORTS, 0},
	{GET, "/api/v1/reports/*/items", h_report_items, ROLE_ADMIN, R_UNSCOPED},
	{GET, "/api/v1/reports/*/sheet.pdf", h_report_sheet, ROLES_REPORTS, 0},
	{GET, "/api/v1/reports/*/certificates.pdf", h_report_certificates, ROLES_REPORTS, 0},
	/* No login: the QR code on a certificate points here. */
	{GET, "/verify/*", h_verify, 0, 0},
	/* Operations: Prometheus text; who may read it is checked in http.c (R_OPS). */
	{GET, "/metrics", h_metrics, 0, R_OPS},
};

const size_t n_routes = sizeof routes / sizeof routes[0];
_Static_assert(sizeof routes / sizeof routes[0] <= METRICS_ROUTES_MAX, "raise METRICS_ROUTES_MAX (metrics.h)");
