/* mem.h — allocation wrappers. Allocation failure is fail-stop: the process logs and
 * aborts (SQLite's WAL keeps every acknowledged write; see docs/architecture.md for why
 * we chose this over per-request 503s). Everything returned is freed with free(). */
#ifndef LAWEXAM_MEM_H
#define LAWEXAM_MEM_H

#include <stddef.h>

void *lx_malloc(size_t n);
void *lx_calloc(size_t n, size_t size);
void *lx_realloc(void *p, size_t n);
char *lx_strdup(const char *s);
char *lx_strndup(const char *s, size_t n);
/* printf into a fresh string; caller frees. */
char *lx_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
