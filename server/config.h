/* config.h — lawexamd's configuration: a table of flags (SPEC §9 plus tuning), parsed once
 * at start-up and read-only afterwards. Strings point into argv or static defaults. */
#ifndef LAWEXAM_CONFIG_H
#define LAWEXAM_CONFIG_H

#include "err.h"
#include "pw.h"

struct config {
	const char *db_path;
	const char *listen;       /* "ADDR:PORT" as given */
	char host[64];
	int port;
	const char *cert, *key;
	const char *web_root;
	const char *tls_dir;      /* where a self-signed certificate is made */
	int threads;              /* event loops */
	int hash_threads;         /* argon2id workers */
	int grace_seconds;
	int log_level;
	struct pw_params pw;
	int pw_set;               /* an --argon2-* flag was given: it becomes the database setting */
	int session_idle_minutes;
	int throttle_window;      /* seconds */
	int throttle_account;     /* failures per account per window */
	int throttle_address;     /* failures per client address per window */
	int header_timeout;       /* seconds to send a whole request / idle keep-alive */
	int max_connections;      /* open connections served; more get 503 overloaded */
	const char *organiser;    /* named on certificates (--organiser, default 本单位) */
	const char *node;         /* --node: in every log line and /metrics; default node_buf */
	char node_buf[72];        /* HOSTNAME:PORT when --node is not given */
	int metrics_token_only;   /* --metrics-token-only: /metrics needs an admin token even from 127.0.0.1 */
};

void config_defaults(struct config *c);
/* Returns LX_OK, 1 when --help was printed (exit 0), or LX_ERR_INVALID with a one-line
 * message in e (exit 2). */
int config_parse(struct config *c, int argc, char **argv, struct lx_err *e);
void config_usage(void);

#endif
