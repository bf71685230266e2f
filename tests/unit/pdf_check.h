/* pdf_check.h — what the unit tests of the PDFs share: the text pdftotext reads from a PDF,
 * and counting a string in it. Header-only. Without pdftotext a test skips its text checks
 * (print_message), except under CI=true, where a missing tool fails. */
#ifndef LAWEXAM_TEST_PDF_CHECK_H
#define LAWEXAM_TEST_PDF_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pdftotext ARGS ("-raw", "-layout", "-bbox") of data[0..len), UTF-8 (caller frees), or NULL
 * without the tool. Needs cmocka.h included before. */
static inline char *pdftotext_of(const char *data, size_t len, const char *args)
{
	char path[] = "/tmp/lawexam-test-pdf-XXXXXX", cmd[160], *t;
	size_t n = 0, cap = 1 << 16, k;
	FILE *f;
	int fd;

	if (system("pdftotext -v >/dev/null 2>&1") != 0) {
		if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
			fail_msg("pdftotext (poppler-utils) is missing and CI=true");
		print_message("pdftotext not found (Debian: poppler-utils): text not checked\n");
		return NULL;
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof cmd, "pdftotext %s -enc UTF-8 %s -", args, path);
	f = popen(cmd, "r");
	t = malloc(cap);
	while ((k = fread(t + n, 1, cap - n - 1, f)) > 0)
		if ((n += k) + 1 == cap)
			t = realloc(t, cap *= 2);
	t[n] = 0;
	assert_int_equal(pclose(f), 0);
	unlink(path);
	return t;
}

/* How many times needle occurs in hay (not overlapping). */
static inline size_t text_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

#endif
