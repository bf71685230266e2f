/* routes.c — the API's route table (SPEC §6). Order matters only for identical patterns. */
#include "routes.h"

#include "roles.h"

#define GET EVHTTP_REQ_GET
#define POST EVHTTP_REQ_POST
#define PUT EVHTTP_REQ_PUT

const struct route routes[] = {
	{GET, "/healthz", h_healthz, 0, 0},
	{POST, "/api/v1/login", h_login, 0, R_NO_CSRF},
	{POST, "/api/v1/logout", h_logout, 0, R_ANY_USER | R_PWCHANGE_OK},
	{GET, "/api/v1/me", h_me, 0, R_ANY_USER | R_PWCHANGE_OK},
	{POST, "/api/v1/me/password", h_me_password, 0, R_ANY_USER | R_PWCHANGE_OK},
};

const size_t n_routes = sizeof routes / sizeof routes[0];
