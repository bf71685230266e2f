/* fuzz_bank_docx.c — libFuzzer driver for Word (.docx) question banks (libzip + expat under
 * the caps, then the SPEC §4.5 recogniser), with the export → parse round trip and UTF-8
 * diagnostics checked. Input starting with "PK" is read as a .docx file; any other input is
 * zipped here in memory as word/document.xml (random bytes rarely survive zip CRCs, so this
 * reaches the XML and text code). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A stored (uncompressed) zip holding data as word/document.xml; caller frees. */
static unsigned char *zip_document(const uint8_t *data, size_t size, size_t *outlen)
{
	zip_error_t err;
	zip_source_t *src, *s;
	zip_t *za;
	zip_stat_t st;
	zip_int64_t idx;
	unsigned char *out;

	zip_error_init(&err);
	src = zip_source_buffer_create(NULL, 0, 0, &err);
	FUZZ_CHECK(src != NULL);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	FUZZ_CHECK(za != NULL);
	zip_source_keep(src);
	s = zip_source_buffer(za, data, size, 0);
	FUZZ_CHECK(s != NULL);
	idx = zip_file_add(za, "word/document.xml", s, ZIP_FL_OVERWRITE);
	FUZZ_CHECK(idx >= 0);
	zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
	FUZZ_CHECK(zip_close(za) == 0);
	FUZZ_CHECK(zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0);
	out = malloc(st.size ? st.size : 1);
	FUZZ_CHECK(out && zip_source_read(src, out, st.size) == (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&err);
	*outlen = st.size;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bank_meta meta = {"fuzz", "模糊测试", "fuzz"};
	unsigned char *zip;
	size_t len;

	if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
		fuzz_bank(data, size, "fuzz.docx", BANK_FMT_DOCX, &meta);
		return 0;
	}
	zip = zip_document(data, size, &len);
	fuzz_bank(zip, len, "fuzz.docx", BANK_FMT_DOCX, &meta);
	free(zip);
	return 0;
}
