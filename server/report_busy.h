/* report_busy.h — one report at a time per user, shared by the report downloads
 * (h_report.c, which defines these) and the PDFs (h_paper.c), and their download header. */
#ifndef LAWEXAM_REPORT_BUSY_H
#define LAWEXAM_REPORT_BUSY_H

#include <stdint.h>

/* Marks uid busy; 0 if it already was (nothing changed). */
int report_busy_take(int64_t uid);
void report_busy_drop(int64_t uid);
/* Content-Disposition for a download named name (UTF-8; RFC 6266/5987). Caller frees. */
char *report_disposition(const char *name);

#endif
