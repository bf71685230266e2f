/* gz.c — gzip encoding and the Accept-Encoding test (see gz.h). */
#include "gz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "mem.h"

char *gz_encode(const void *data, size_t len, int level, size_t *out_len)
{
	z_stream z = {0};
	uLong cap;
	char *out;

	if (len < 256 || len > (size_t)UINT32_MAX / 2 ||
	    deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = compressBound((uLong)len) + 64;
	out = lx_malloc(cap);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len - len / 10) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

int gz_accepted(const char *ae)
{
	while (ae && *ae) {
		const char *end = strchr(ae, ','), *stop = end ? end : ae + strlen(ae);
		const char *name = ae, *name_end, *q;

		while (name < stop && (*name == ' ' || *name == '\t'))
			name++;
		name_end = name;
		while (name_end < stop && *name_end != ';' && *name_end != ' ' && *name_end != '\t')
			name_end++;
		if ((name_end - name == 4 && strncasecmp(name, "gzip", 4) == 0) || (name_end - name == 1 && *name == '*')) {
			q = name_end;
			while (q < stop && !(q[0] == 'q' && q + 1 < stop && q[1] == '='))
				q++;
			if (q >= stop || strtod(q + 2, NULL) > 0.0)
				return 1;
		}
		ae = end ? end + 1 : NULL;
	}
	return 0;
}
