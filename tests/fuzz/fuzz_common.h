/* fuzz_common.h — checks shared by the fuzz drivers: besides "no crash, no leak, no UB"
 * (the sanitizers), every diagnostic must be valid UTF-8 (the API sends it as JSON), and
 * a bank that parses must survive export → parse unchanged. A failed check aborts, which
 * libFuzzer and the replay runner both report as a crash. */
#ifndef LAWEXAM_FUZZ_COMMON_H
#define LAWEXAM_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "diag.h"
#include "err.h"
#include "text.h"

#define FUZZ_CHECK(cond)                                                               \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                       \
		}                                                                      \
	} while (0)

static inline int fuzz_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline void fuzz_check_diags(const struct diag *d)
{
	FUZZ_CHECK(d->n <= DIAG_MAX && d->n <= d->total);
	for (size_t i = 0; i < d->n; i++) {
		FUZZ_CHECK(text_utf8_valid(d->items[i].where, strlen(d->items[i].where)));
		FUZZ_CHECK(text_utf8_valid(d->items[i].message, strlen(d->items[i].message)));
	}
}

static inline void fuzz_check_docs_equal(const struct bank_doc *a, const struct bank_doc *b)
{
	FUZZ_CHECK(fuzz_streq(a->code, b->code) && fuzz_streq(a->title, b->title) &&
		   fuzz_streq(a->subject, b->subject) && a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct bank_question *x = &a->questions[i], *y = &b->questions[i];
		FUZZ_CHECK(fuzz_streq(x->id, y->id) && x->type == y->type && fuzz_streq(x->stem, y->stem));
		FUZZ_CHECK(x->n_options == y->n_options && strcmp(x->answer, y->answer) == 0);
		for (size_t k = 0; k < x->n_options; k++)
			FUZZ_CHECK(fuzz_streq(x->options[k], y->options[k]));
		FUZZ_CHECK(fuzz_streq(x->explanation, y->explanation) && fuzz_streq(x->basis, y->basis));
		FUZZ_CHECK(x->difficulty == y->difficulty && x->n_tags == y->n_tags);
		for (size_t k = 0; k < x->n_tags; k++)
			FUZZ_CHECK(fuzz_streq(x->tags[k], y->tags[k]));
	}
}

/* Parses data as fmt; when it parses, checks export → parse gives the same doc. */
static inline void fuzz_bank(const unsigned char *data, size_t size, const char *fname,
			     enum bank_format fmt, const struct bank_meta *meta)
{
	struct bank_doc doc, again;
	struct diag d = {0}, d2 = {0};
	int rc = bank_parse((const char *)data, size, fname, fmt, meta, &doc, &d);

	fuzz_check_diags(&d);
	FUZZ_CHECK((rc == LX_OK) == (d.total == 0));
	if (rc == LX_OK) {
		char *json = bank_export_json(&doc);
		FUZZ_CHECK(json != NULL);
		FUZZ_CHECK(doc.n > 0);
		rc = bank_parse(json, strlen(json), "export.json", BANK_FMT_JSON, NULL, &again, &d2);
		if (rc != LX_OK)
			for (size_t i = 0; i < d2.n; i++)
				fprintf(stderr, "%s: %s\n", d2.items[i].where, d2.items[i].message);
		FUZZ_CHECK(rc == LX_OK);
		fuzz_check_docs_equal(&doc, &again);
		bank_doc_free(&again);
		free(json);
	} else {
		FUZZ_CHECK(doc.n == 0 && doc.questions == NULL);
	}
	bank_doc_free(&doc);
	diag_free(&d);
	diag_free(&d2);
}

#endif
