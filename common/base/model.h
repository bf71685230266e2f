/* model.h — the data vocabulary every layer shares (SPEC §3, §5): question types and
 * attempt statuses, each one enum with its names. The store keeps the English names as
 * text; the API speaks them; CSV/XLSX reports print the Chinese ones. Nothing else here. */
#ifndef LAWEXAM_MODEL_H
#define LAWEXAM_MODEL_H

enum q_type { QT_SINGLE = 0, QT_MULTIPLE = 1, QT_JUDGE = 2 };
/* A judge question's two options as the examinee sees them: keys "T" and "F". */
#define JUDGE_TRUE_ZH "正确"
#define JUDGE_FALSE_ZH "错误"

const char *qtype_name(enum q_type t);            /* "single" | "multiple" | "judge" */
const char *qtype_name_zh(enum q_type t);         /* 单选 | 多选 | 判断 */
int qtype_parse(const char *s, enum q_type *out); /* English or Chinese; LX_OK / LX_ERR_INVALID */

/* Where a person stands with an exam: no attempt, one in progress, one submitted, exempt
 * (免考: not assigned, SPEC §12). An attempt is in progress, submitted or voided (作废: an
 * administrator's action; it never counts and does not use up an attempt). */
enum attempt_status {
	AST_NOT_STARTED = 0, AST_IN_PROGRESS = 1, AST_SUBMITTED = 2, AST_EXEMPT = 3, AST_VOIDED = 4,
	AST_N_STATUS = 5
};

/* "not_started" | "in_progress" | "submitted" | "exempt" | "voided" */
const char *attempt_status_name(enum attempt_status s);
const char *attempt_status_zh(enum attempt_status s); /* 未参加 | 进行中 | 已交卷 | 免考 | 已作废 */
/* The status named s (English); LX_OK or LX_ERR_INVALID. */
int attempt_status_parse(const char *s, enum attempt_status *out);

#endif
