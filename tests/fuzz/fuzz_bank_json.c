/* fuzz_bank_json.c — libFuzzer driver: bytes as a lawexam-bank/1 JSON file (bank_parse),
 * with the export → parse round trip and UTF-8 diagnostics checked (fuzz_common.h). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_bank(data, size, "fuzz.json", BANK_FMT_JSON, NULL);
	return 0;
}
