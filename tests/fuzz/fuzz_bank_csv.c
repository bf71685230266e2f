/* fuzz_bank_csv.c — libFuzzer driver: bytes as a CSV question bank (any encoding the
 * reader accepts), with the export → parse round trip and UTF-8 diagnostics checked. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bank_meta meta = {"fuzz", "模糊测试", "fuzz"};

	fuzz_bank(data, size, "fuzz.csv", BANK_FMT_CSV, &meta);
	return 0;
}
