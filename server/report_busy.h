/* report_busy.h — one report at a time per user, shared by the report downloads
 * (h_report.c, which defines these) and the PDFs (h_paper.c), and their download header. */
#ifndef LAWEXAM_REPORT_BUSY_H
#define LAWEXAM_REPORT_BUSY_H

#include <stdint.h>

struct report_busy; /* the server's set (struct srv's report_busy) */

/* Marks uid busy in b; 0 if it already was (nothing changed). */
int report_busy_take(struct report_busy *b, int64_t uid);
void report_busy_drop(struct report_busy *b, int64_t uid);
/* Content-Disposition for a download named name (UTF-8; RFC 6266/5987), with an ASCII
 * filename= made from fallback (NULL: from name). Caller frees. */
char *report_disposition(const char *name, const char *fallback);

#endif
