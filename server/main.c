/* main.c — lawexamd's entry point: parse flags (exit 2 on a usage error), run the server
 * (exit 1 when the environment is wrong: database, certificate, port). */
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "pdf.h"
#include "srv.h"

/* Read by LeakSanitizer in sanitizer builds (a library leak of cairo's, pdf.h). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return PDF_LSAN_SUPPRESSIONS; }

int main(int argc, char **argv)
{
	struct config cfg;
	struct lx_err e = {0};
	int rc;

	config_defaults(&cfg);
	rc = config_parse(&cfg, argc, argv, &e);
	if (rc == 1)
		return 0;
	if (rc) {
		fprintf(stderr, "lawexamd: %s\n", e.msg);
		return 2;
	}
	log_threshold = cfg.log_level;
	log_set_prefix(cfg.node); /* every line names the node: grep one node's lines */
	return srv_run(&cfg);
}
