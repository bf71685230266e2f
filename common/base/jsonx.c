/* jsonx.c — depth-capped JSON parsing over jansson (see jsonx.h). The depth scan is
 * hand-written because jansson's own limit (2048) is compiled in. */
#include "jsonx.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

int jsonx_depth_ok(const char *data, size_t len, int max)
{
	int depth = 0, in_str = 0, esc = 0;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				return 0;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return 1;
}

json_t *jsonx_parse(const char *data, size_t len, char *why, size_t whylen, int *line)
{
	json_error_t err;
	json_t *v;

	if (line)
		*line = 0;
	if (!jsonx_depth_ok(data, len, JSONX_MAX_DEPTH)) {
		snprintf(why, whylen, "JSON 嵌套超过 %d 层", JSONX_MAX_DEPTH);
		return NULL;
	}
	v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		/* jansson quotes the input near the error, possibly cut inside a UTF-8 sequence:
		 * the message goes into JSON replies, so it must stay valid UTF-8. */
		char text[200];
		snprintf(why, whylen, "JSON 格式错误（第 %d 行第 %d 列）：%s", err.line, err.column,
			 text_clip(err.text, 160, text, sizeof text));
		if (line)
			*line = err.line;
	}
	return v;
}

const char *jsonx_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}
