/* fuzz_bank_text.c — libFuzzer driver: bytes as a text question bank (SPEC §4.5; UTF-8 with
 * or without BOM, or GB18030), with the export → parse round trip and UTF-8 diagnostics
 * checked (fuzz_common.h). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bank_meta meta = {"fuzz", "模糊测试", "fuzz"};

	fuzz_bank(data, size, "fuzz.txt", BANK_FMT_TXT, &meta);
	return 0;
}
