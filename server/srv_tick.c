/* srv_tick.c — periodic duties of the main thread (see srv_tick.h). */
#include "srv_tick.h"

#include "srv.h"

int srv_tick_start(struct srv *s, struct lx_err *e)
{
	return LX_OK;
}

void srv_tick(struct srv *s)
{
}

void srv_tick_stop(struct srv *s)
{
}
