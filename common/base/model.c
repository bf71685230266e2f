/* model.c — names of the shared vocabulary (see model.h). */
#include "model.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "text.h"

static const struct {
	const char *name;
	enum q_type t;
} qtype_names[] = {
	{"single", QT_SINGLE},     {"单选", QT_SINGLE},   {"单选题", QT_SINGLE},
	{"单项选择题", QT_SINGLE}, {"multiple", QT_MULTIPLE}, {"多选", QT_MULTIPLE},
	{"多选题", QT_MULTIPLE},   {"多项选择题", QT_MULTIPLE}, {"judge", QT_JUDGE},
	{"判断", QT_JUDGE},        {"判断题", QT_JUDGE},
};

const char *qtype_name(enum q_type t)
{
	switch (t) {
	case QT_SINGLE: return "single";
	case QT_MULTIPLE: return "multiple";
	case QT_JUDGE: return "judge";
	}
	return "?";
}

const char *qtype_name_zh(enum q_type t)
{
	switch (t) {
	case QT_SINGLE: return "单选";
	case QT_MULTIPLE: return "多选";
	case QT_JUDGE: return "判断";
	}
	return "?";
}

int qtype_parse(const char *s, enum q_type *out)
{
	char *t = text_trim(s ? s : "");
	int rc = LX_ERR_INVALID;

	for (size_t i = 0; i < sizeof qtype_names / sizeof qtype_names[0]; i++) {
		if (strcasecmp(t, qtype_names[i].name) == 0) {
			*out = qtype_names[i].t;
			rc = LX_OK;
			break;
		}
	}
	free(t);
	return rc;
}

static const char *const status_names[] = {"not_started", "in_progress", "submitted", "exempt", "voided"};
static const char *const status_names_zh[] = {"未参加", "进行中", "已交卷", "免考", "已作废"};
_Static_assert(sizeof status_names / sizeof status_names[0] == AST_N_STATUS, "one name per status");

const char *attempt_status_name(enum attempt_status s)
{
	return (unsigned)s < AST_N_STATUS ? status_names[s] : "?";
}

const char *attempt_status_zh(enum attempt_status s)
{
	return (unsigned)s < AST_N_STATUS ? status_names_zh[s] : "?";
}

int attempt_status_parse(const char *s, enum attempt_status *out)
{
	for (int i = 0; i < AST_N_STATUS; i++) {
		if (s && strcmp(s, status_names[i]) == 0) {
			*out = (enum attempt_status)i;
			return LX_OK;
		}
	}
	return LX_ERR_INVALID;
}
