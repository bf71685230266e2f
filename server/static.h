/* static.h — the web front end's files, loaded into memory at start-up from --web-root and
 * served with their type, an ETag (If-None-Match → 304) and Cache-Control: no-cache (the
 * browser revalidates, so an upgrade is seen at once). Read-only after load: threads share it. */
#ifndef LAWEXAM_STATIC_H
#define LAWEXAM_STATIC_H

#include "err.h"

struct hctx;
struct static_files;

/* Loads every regular file under root (a missing root is an empty set, with a warning). */
int static_load(const char *root, struct static_files **out, struct lx_err *e);
void static_free(struct static_files *s);
/* Answers c from the set (404 JSON when absent). "/" serves /index.html. */
void static_serve(struct hctx *c);

#endif
