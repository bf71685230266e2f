/* upload.h — files sent in parts (h_upload.c): the registry of uploads in progress, shared
 * by every event loop (an upload's parts may arrive on different connections). A request
 * body is at most LX_BODY_MAX (evhttp refuses more from Content-Length, before reading it),
 * so a bank or roster over 1 MiB reaches the importers as an upload of up to LX_UPLOAD_MAX.
 * The parts are kept in memory, owned by the registry; an import borrows them. */
#ifndef LAWEXAM_UPLOAD_H
#define LAWEXAM_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#define UPLOAD_ID_LEN 32        /* hex of 16 random bytes */
#define UPLOAD_PER_ADMIN 2      /* uploads in progress per administrator (a third evicts the oldest) */
#define UPLOAD_TOTAL 4          /* uploads in progress in all: at most 4 × LX_UPLOAD_MAX held */
#define UPLOAD_IDLE_S 3600      /* an upload not touched for an hour is dropped */

struct uploads;
struct upload;

/* The registry; aborts on out-of-memory at start-up. Free with uploads_free() once no
 * request can still touch it (after the loops, the pool and the writer have stopped). */
struct uploads *uploads_new(void);
void uploads_free(struct uploads *u);

/* An import borrows owner's upload `id` (NULL-terminated hex): LX_OK and *out, *data, *len
 * (valid until upload_release), LX_ERR_NOTFOUND (no such upload, or another owner's),
 * LX_ERR_CONFLICT (borrowed by another request). While borrowed no part can be added and it
 * does not expire. */
int upload_borrow(struct uploads *reg, const char *id, int64_t owner, struct upload **out, const char **data,
		  size_t *len);
/* Gives a borrowed upload back: dropped when `remove` (imported), else kept for another try
 * (a dry run, a failed import) and its idle time starts again. */
void upload_release(struct uploads *reg, struct upload *up, int remove);

#endif
