/* srv_tick.h — the main thread's once-a-second duties (auto-submit of overdue attempts)
 * and their start-up pass (attempts whose deadline passed while the server was down). */
#ifndef LAWEXAM_SRV_TICK_H
#define LAWEXAM_SRV_TICK_H

#include "err.h"

struct srv;
int srv_tick_start(struct srv *s, struct lx_err *e);
void srv_tick(struct srv *s);
void srv_tick_stop(struct srv *s);

#endif
