/* bank_export.c — the canonical lawexam-bank/1 JSON of a bank_doc (bank_ module).
 * Fields in SPEC order, judge questions without options, 2-space indent, UTF-8 as is,
 * so that bank_parse(bank_export_json(doc)) gives doc back. Reads nothing. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "buf.h"
#include "err.h"
#include "mem.h"

/* json_dump_callback() sink: appends to the struct buf in data. */
static int dump_cb(const char *p, size_t n, void *data)
{
	return buf_add(data, p, n) == LX_OK ? 0 : -1;
}

/* json_string() refuses bytes that are not UTF-8; a doc from bank_parse never has them. */
static int set_str(json_t *obj, const char *key, const char *s)
{
	return json_object_set_new(obj, key, json_string(s ? s : ""));
}

/* A new JSON array of the strings (caller decrefs), NULL on failure. */
static json_t *str_array(char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(items[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* A new JSON object of one question in SPEC order (caller decrefs), NULL on failure. */
static json_t *question_json(const struct bank_question *q)
{
	json_t *o = json_object();
	int bad = !o;

	bad |= set_str(o, "id", q->id);
	bad |= set_str(o, "type", qtype_name(q->type));
	bad |= set_str(o, "stem", q->stem);
	if (q->type != QT_JUDGE)
		bad |= json_object_set_new(o, "options", str_array(q->options, q->n_options));
	bad |= set_str(o, "answer", q->answer);
	bad |= set_str(o, "explanation", q->explanation);
	bad |= set_str(o, "basis", q->basis);
	bad |= json_object_set_new(o, "difficulty", json_integer(q->difficulty));
	bad |= json_object_set_new(o, "tags", str_array(q->tags, q->n_tags));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *bank_export_json(const struct bank_doc *doc)
{
	json_t *root = json_object(), *bank = json_object(), *qs = json_array();
	struct buf out;
	char *res = NULL;
	int bad = !root || !bank || !qs;

	buf_init(&out, 0);
	bad |= set_str(root, "format", "lawexam-bank/1");
	bad |= set_str(bank, "code", doc->code);
	bad |= set_str(bank, "title", doc->title);
	bad |= set_str(bank, "subject", doc->subject);
	for (size_t i = 0; !bad && i < doc->n; i++)
		bad |= json_array_append_new(qs, question_json(&doc->questions[i]));
	bad |= json_object_set(root, "bank", bank);
	bad |= json_object_set(root, "questions", qs);
	if (bad)
		goto out;
	if (json_dump_callback(root, dump_cb, &out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		goto out;
	buf_addc(&out, '\n');
	res = buf_detach(&out);
out:
	buf_free(&out);
	json_decref(bank);
	json_decref(qs);
	json_decref(root);
	return res;
}
