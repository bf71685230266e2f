/* fuzz_bank_xlsx.c — libFuzzer driver for XLSX question banks (libzip + expat under the
 * size caps), with the export → parse round trip and UTF-8 diagnostics checked.
 * Input starting with "PK" is read as an XLSX file. Any other input is split at NUL bytes
 * into sheet1.xml, sharedStrings.xml, workbook.xml and workbook.xml.rels, zipped here in
 * memory, then read: random bytes rarely survive zip CRCs, so this reaches the XML code. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const parts[] = {
	"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
	"xl/_rels/workbook.xml.rels",
};

/* A stored (uncompressed) zip of the NUL-separated parts of data; caller frees. */
static unsigned char *zip_parts(const uint8_t *data, size_t size, size_t *outlen)
{
	zip_error_t err;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	unsigned char *out = NULL;
	size_t off = 0;

	zip_error_init(&err);
	src = zip_source_buffer_create(NULL, 0, 0, &err);
	FUZZ_CHECK(src != NULL);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	FUZZ_CHECK(za != NULL);
	zip_source_keep(src);
	for (size_t p = 0; p < sizeof parts / sizeof parts[0] && off <= size; p++) {
		const uint8_t *nul = off < size ? memchr(data + off, 0, size - off) : NULL;
		size_t n = nul ? (size_t)(nul - (data + off)) : size - off;
		zip_source_t *s = zip_source_buffer(za, data + off, n, 0);
		zip_int64_t idx;
		FUZZ_CHECK(s != NULL);
		idx = zip_file_add(za, parts[p], s, ZIP_FL_OVERWRITE);
		FUZZ_CHECK(idx >= 0);
		zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
		off += n + 1;
		if (!nul)
			break;
	}
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
		fuzz_bank(data, size, "fuzz.xlsx", BANK_FMT_XLSX, &meta);
		return 0;
	}
	zip = zip_parts(data, size, &len);
	fuzz_bank(zip, len, "fuzz.xlsx", BANK_FMT_XLSX, &meta);
	free(zip);
	return 0;
}
