/* fuzz_roster.c — libFuzzer driver: bytes as a staff roster (XLSX when they start with
 * the zip magic, else CSV), and as a unit path for roster_norm_org(). Checks that every
 * accepted row is complete and every diagnostic is valid UTF-8. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "roles.h"
#include "roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster r;
	struct diag d = {0};
	int is_xlsx = size >= 2 && data[0] == 'P' && data[1] == 'K';
	int rc = roster_parse((const char *)data, size, "fuzz-staff", is_xlsx, &r, &d);
	char *path, *norm, why[256];

	fuzz_check_diags(&d);
	FUZZ_CHECK((rc == LX_OK) == (d.total == 0));
	for (size_t i = 0; i < r.n; i++) {
		const struct roster_row *row = &r.rows[i];
		FUZZ_CHECK(row->login && row->login[0] && row->name && row->name[0]);
		FUZZ_CHECK(row->org && row->org[0] && row->category && row->category[0]);
		FUZZ_CHECK(row->roles != 0 && (row->roles & ~(unsigned)ROLE_ALL) == 0);
		FUZZ_CHECK(!row->password || row->password[0]);
	}
	roster_free(&r);
	diag_free(&d);

	path = malloc(size + 1);
	memcpy(path, data, size);
	path[size] = '\0';
	norm = roster_norm_org(path, why, sizeof why);
	if (norm) {
		/* normalising is idempotent */
		char *again = roster_norm_org(norm, why, sizeof why);
		FUZZ_CHECK(again && strcmp(again, norm) == 0);
		free(again);
	} else {
		FUZZ_CHECK(why[0] && text_utf8_valid(why, strlen(why)));
	}
	free(norm);
	free(path);
	return 0;
}
