/* cmd_notice.c — lawexam-admin notice add|list|delete: notices (通知公告, SPEC §12) from the
 * command line, with the same checks and audit lines as the admin pages (common/domain/
 * notice.c). The CLI acts unscoped, as an administrator without a scope. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "clock.h"
#include "exam.h"
#include "notice.h"

/* notice add --title T --body B [--org PATH] [--category C] --from TIME --until TIME */
static int cmd_notice_add(struct admin *a, int argc, char **argv)
{
	const char *title = NULL, *body = NULL, *org = NULL, *cat = NULL, *from = NULL, *until = NULL;
	const struct aflag flags[] = {{"--title", &title, NULL}, {"--body", &body, NULL}, {"--org", &org, NULL},
				      {"--category", &cat, NULL}, {"--from", &from, NULL}, {"--until", &until, NULL}};
	struct notice_in in = {0};
	struct exam_actor who = {a->actor, "cli", clock_now()};
	struct lx_err e = {0};
	struct store *db;
	json_t *doc, *out = NULL;
	int rc;

	if (admin_args("notice add", argc, argv, flags, sizeof flags / sizeof flags[0], NULL, 0, 0, NULL))
		return EXIT_USAGE;
	/* the flags as the JSON body the API takes, checked by the same notice_parse() */
	const char *keys[] = {"title", "body", "org", "category", "from", "until"};
	const char *vals[] = {title, body, org, cat, from, until};
	doc = json_object();
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (vals[i])
			json_object_set_new(doc, keys[i], json_string(vals[i]));
	rc = notice_parse(doc, &in, &e);
	json_decref(doc);
	if (rc) {
		fprintf(stderr, "lawexam-admin notice add: %s\n", e.msg);
		return EXIT_DATA;
	}
	if (!(db = admin_db(a))) {
		notice_in_free(&in);
		return EXIT_DATA;
	}
	rc = store_begin(db, &e);
	if (rc == LX_OK)
		rc = notice_create(db, &who, NULL, &in, &out, &e);
	if (rc == LX_OK)
		rc = store_commit(db, &e);
	notice_in_free(&in);
	if (rc) {
		store_rollback(db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	printf("notice %lld posted\n", (long long)json_integer_value(json_object_get(out, "id")));
	json_decref(out);
	return EXIT_OK;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

/* notice list: one line per notice, newest first: id, status, from, until, unit, category, title. */
static int cmd_notice_list(struct admin *a, int argc, char **argv)
{
	struct lx_err e = {0};
	struct store *db;
	json_t *out = NULL, *n;
	size_t i;

	if (admin_args("notice list", argc, argv, NULL, 0, NULL, 0, 0, NULL))
		return EXIT_USAGE;
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	if (notice_list_json(db, NULL, clock_now(), &out, &e) != LX_OK) {
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	json_array_foreach(json_object_get(out, "notices"), i, n)
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)json_integer_value(json_object_get(n, "id")),
		       str_or(n, "status", ""), str_or(n, "from", ""), str_or(n, "until", ""), str_or(n, "org", "*"),
		       str_or(n, "category", "*"), str_or(n, "title", ""));
	json_decref(out);
	return EXIT_OK;
}

/* notice delete ID */
static int cmd_notice_delete(struct admin *a, int argc, char **argv)
{
	const char *pos[1];
	struct exam_actor who = {a->actor, "cli", clock_now()};
	struct lx_err e = {0};
	struct store *db;
	char *end = NULL;
	long long id;
	int rc;

	if (admin_args("notice delete", argc, argv, NULL, 0, pos, 1, 1, NULL))
		return EXIT_USAGE;
	errno = 0;
	id = strtoll(pos[0], &end, 10);
	if (errno || end == pos[0] || *end || id <= 0) {
		fprintf(stderr, "lawexam-admin notice delete: ID is the number `notice list` shows, not '%s'\n", pos[0]);
		return EXIT_USAGE;
	}
	if (!(db = admin_db(a)))
		return EXIT_DATA;
	rc = store_begin(db, &e);
	if (rc == LX_OK)
		rc = notice_delete(db, &who, NULL, id, &e);
	if (rc == LX_OK)
		rc = store_commit(db, &e);
	if (rc) {
		store_rollback(db);
		fprintf(stderr, "lawexam-admin: %s\n", e.msg);
		return EXIT_DATA;
	}
	printf("notice %lld deleted\n", id);
	return EXIT_OK;
}

const struct admin_cmd admin_cmds_notice[] = {
	{"notice add", cmd_notice_add,
	 "--title T --body B [--org PATH] [--category C] --from TIME --until TIME",
	 "post a notice (通知公告) to a unit and its sub-units (default everyone), from TIME until before TIME"},
	{"notice list", cmd_notice_list, "", "list notices: id, status, from, until, unit, category, title"},
	{"notice delete", cmd_notice_delete, "ID", "delete a notice (ID from notice list)"},
	{NULL, NULL, NULL, NULL},
};
