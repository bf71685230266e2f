/* jsonx.h — JSON input with our limits on top of jansson: nesting depth capped before
 * parsing (jansson has no depth option), duplicate keys rejected, and small typed getters
 * that say which field was wrong. */
#ifndef LAWEXAM_JSONX_H
#define LAWEXAM_JSONX_H

#include <jansson.h>
#include <stddef.h>

#include "lx_limits.h"

#define JSONX_MAX_DEPTH LX_JSON_MAX_DEPTH

/* 1 if the nesting depth of data (arrays/objects, outside strings) is ≤ max. */
int jsonx_depth_ok(const char *data, size_t len, int max);
/* Parses data; NULL with a message in why[] on error (syntax, depth, duplicates).
 * *line (optional) gets the error line. Caller json_decref()s the result. */
json_t *jsonx_parse(const char *data, size_t len, char *why, size_t whylen, int *line);
/* Getters: the member as a string/integer, or NULL/-1 style failure. */
const char *jsonx_str(const json_t *obj, const char *key);

#endif
