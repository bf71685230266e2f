/* fuzz_law_md.c — libFuzzer driver: bytes as a law text (SPEC §13, law.c) and as a basis.
 * Checked beyond the sanitizers: diagnostics are UTF-8 and located in the file; a text that
 * parses has articles in statutory order (序言, then 1, 2, … with each 之Y after its X), every
 * label and text is UTF-8; a basis that parses names a title and at most LAW_REFS_MAX
 * articles, and an article reference that parses formats back to the same string. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "law.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct law_doc doc;
	struct diag d = {0};
	struct law_ref refs[LAW_REFS_MAX], r;
	char *s = malloc(size + 1), *title = NULL, back[32];
	int rc, n = 0;

	rc = law_parse((const char *)data, size, "fuzz.md", &doc, &d);
	fuzz_check_diags(&d);
	for (size_t i = 0; i < d.n; i++)
		FUZZ_CHECK(strncmp(d.items[i].where, "fuzz.md:", 8) == 0);
	if (rc == LX_OK) {
		int prev_no = 0, prev_sub = 0, numbered = 0;
		FUZZ_CHECK(d.total == 0 && doc.n > 0);
		for (size_t i = 0; i < doc.n; i++) {
			const struct law_article *a = &doc.articles[i];
			FUZZ_CHECK(text_utf8_valid(a->label, strlen(a->label)));
			FUZZ_CHECK(text_utf8_valid(a->text, strlen(a->text)));
			FUZZ_CHECK(text_utf8_valid(a->chapter, strlen(a->chapter)));
			if (a->no == 0) {
				FUZZ_CHECK(i == 0 && a->sub == 0);
				continue;
			}
			numbered++;
			FUZZ_CHECK(a->sub == 0 ? a->no == prev_no + 1 : (a->no == prev_no && a->sub == prev_sub + 1));
			prev_no = a->no;
			prev_sub = a->sub;
		}
		FUZZ_CHECK(numbered > 0);
	} else {
		FUZZ_CHECK(rc == LX_ERR_INVALID && d.total > 0 && doc.n == 0);
	}
	law_doc_free(&doc);
	diag_free(&d);

	memcpy(s, data, size);
	s[size] = '\0';
	if (law_basis_parse(s, &title, refs, &n) == LX_OK) {
		FUZZ_CHECK(title && title[0] && n >= 1 && n <= LAW_REFS_MAX);
		for (int i = 0; i < n; i++)
			FUZZ_CHECK(refs[i].no >= 0 && refs[i].no <= 9999 && refs[i].sub >= 0 && refs[i].sub <= 9999);
	} else {
		FUZZ_CHECK(!title);
	}
	free(title);
	if (law_ref_parse(s, &r) == LX_OK) {
		law_ref_format(r, back, sizeof back);
		FUZZ_CHECK(strcmp(back, s) == 0);
	}
	free(s);
	return 0;
}
