/* store_pg.c — the PostgreSQL driver (libpq; SPEC §11). Implements struct store_driver
 * (store_int.h) for a `postgresql://` or `postgres://` target.
 *
 * Queries are written once for both engines with ?N placeholders; prepare() rewrites them to
 * $N and prepares them on the server under a per-connection name. Parameters travel as text
 * (bytea as \x hex), results come back as text and are parsed here (booleans t/f as 1/0).
 *
 * Connection loss: a statement that fails because the connection is gone returns an error
 * (LX_ERR_STORAGE: the caller answers 503 storage_unavailable, and a writer batch fails
 * whole, so nothing is acknowledged that was not committed). The next use outside a
 * transaction reconnects — at most once a second, so a dead database costs each request a
 * quick error, not a connect timeout — and re-prepares statements lazily (a generation
 * number per connection). Each reconnect is counted (store_stats). */
#include "store_int.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mem.h"
#include "store_stats.h"

#define RECONNECT_EVERY_MS 1000
#define SCHEMA_LOCK "7431001" /* pg_advisory_lock key of schema changes */

struct pg {
	PGconn *c;
	char *target;
	int flags;
	unsigned gen;       /* bumped by each reconnect: statements re-prepare */
	unsigned next_name; /* statement names s1, s2, … on this connection */
	int64_t next_try;   /* monotonic ms before which no reconnect is tried */
	char state[6];      /* SQLSTATE of the last failure ("" for a lost connection) */
	char msg[200];
};

struct pg_stmt {
	char name[16];
	char *sql;      /* with $N placeholders */
	unsigned gen;   /* the connection generation it was prepared in; 0: not yet */
	int nparams;
	char **vals;
	int *lens, *fmts;
	PGresult *res;
	int row, nrows;  /* the current row is row - 1 */
	int64_t changes; /* kept across reset: read after store_step_done */
	unsigned char *blob;
};

#define PG(db) ((struct pg *)(db)->conn)
#define PS(st) ((struct pg_stmt *)(st)->h)

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's messages end in newlines and may continue on a tabbed line: one line instead. */
static void one_line(char *m)
{
	char *o = m;
	for (char *p = m; *p; p++) {
		char c = *p == '\n' || *p == '\t' ? ' ' : *p;
		if (c == ' ' && (o == m || o[-1] == ' '))
			continue;
		*o++ = c;
	}
	while (o > m && o[-1] == ' ')
		o--;
	*o = 0;
}

static void note(struct pg *p, const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *m = r ? PQresultErrorMessage(r) : NULL;
	snprintf(p->state, sizeof p->state, "%s", s ? s : "");
	if (!m || !*m)
		m = PQerrorMessage(p->c);
	snprintf(p->msg, sizeof p->msg, "%s", m && *m ? m : "connection lost");
	one_line(p->msg);
}

/* The connection is unusable (or the server is a standby after a failover). */
static int lost(struct pg *p)
{
	return !p->c || PQstatus(p->c) != CONNECTION_OK || !strncmp(p->state, "08", 2) ||
	       !strncmp(p->state, "57P", 3) || !strcmp(p->state, "25006");
}

static int pg_fail(struct store *db, int src, struct lx_err *e, const char *what)
{
	struct pg *p = PG(db);
	int code = LX_ERR_STORAGE;
	(void)src;
	if (!strncmp(p->state, "23", 2))
		code = LX_ERR_CONFLICT;
	else if (!strcmp(p->state, "40001") || !strcmp(p->state, "40P01") || !strcmp(p->state, "55P03"))
		code = LX_ERR_BUSY;
	return err_set(e, code, "%s: %s", what, p->msg[0] ? p->msg : "database error");
}

static PGconn *connect_to(const char *target, int flags, char *msg, size_t msglen)
{
	/* Defaults first: what the URI itself says wins (expand_dbname, processed in order). */
	const char *keys[] = {"connect_timeout", "application_name", "keepalives_idle", "keepalives_interval",
			      "keepalives_count", "dbname", NULL};
	const char *vals[] = {"3", "lawexam", "5", "2", "3", target, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(msg, msglen, "%s", PQerrorMessage(c));
		one_line(msg);
		PQfinish(c);
		return NULL;
	}
	PGresult *r = PQexec(c, (flags & STORE_READONLY)
				     ? "SET client_min_messages = warning; SET default_transaction_read_only = on"
				     : "SET client_min_messages = warning");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(msg, msglen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	if (!ok) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Outside a transaction, a lost connection is replaced (at most once a second). */
static int ensure(struct store *db)
{
	struct pg *p = PG(db);
	if (p->c && PQstatus(p->c) == CONNECTION_OK)
		return 0;
	if (db->in_tx) {
		/* The connection went away inside a write transaction: the transaction is gone, and
		 * a statement on a new connection would run outside it (half-applied). Refuse until
		 * the caller rolls back (store_rollback clears in_tx); the next one reconnects. */
		snprintf(p->state, sizeof p->state, "08006");
		snprintf(p->msg, sizeof p->msg, "the database connection was lost inside a transaction");
		return -1;
	}
	if (p->c && PQtransactionStatus(p->c) != PQTRANS_UNKNOWN && PQtransactionStatus(p->c) != PQTRANS_IDLE)
		return -1;
	int64_t t = now_ms();
	if (t < p->next_try) {
		snprintf(p->state, sizeof p->state, "08006");
		snprintf(p->msg, sizeof p->msg, "database unreachable (reconnecting)");
		return -1;
	}
	p->next_try = t + RECONNECT_EVERY_MS;
	char msg[160];
	PGconn *c = connect_to(p->target, p->flags, msg, sizeof msg);
	if (!c) {
		snprintf(p->state, sizeof p->state, "08006");
		snprintf(p->msg, sizeof p->msg, "database unreachable: %.160s", msg);
		size_t n = strlen(p->msg);
		while (n && p->msg[n - 1] == '\n')
			p->msg[--n] = 0;
		return -1;
	}
	if (p->c)
		PQfinish(p->c);
	p->c = c;
	p->gen++;
	p->next_name = 0;
	store_stats_reconnect();
	LOG(LOG_WARN, "database connection re-established");
	return 0;
}

static int pg_exec(struct store *db, const char *sql, struct lx_err *e)
{
	struct pg *p = PG(db);
	if (ensure(db))
		return pg_fail(db, ST_ERROR, e, "exec");
	PGresult *r = PQexec(p->c, sql);
	ExecStatusType s = PQresultStatus(r);
	int rc = LX_OK;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		note(p, r);
		rc = pg_fail(db, ST_ERROR, e, "exec");
	}
	PQclear(r);
	return rc;
}

static int query_int(struct pg *p, const char *sql, int64_t *out)
{
	PGresult *r = PQexec(p->c, sql);
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok)
		*out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else
		note(p, r);
	PQclear(r);
	return ok ? 0 : -1;
}

static int pg_version(struct store *db)
{
	struct pg *p = PG(db);
	int64_t v = -1, exists = 0;
	if (query_int(p, "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'lawexam_schema'"
			 " AND schemaname = current_schema()", &exists))
		return -1;
	if (!exists)
		return 0;
	if (query_int(p, "SELECT coalesce(max(version), 0) FROM lawexam_schema", &v))
		return -1;
	return (int)v;
}

static int pg_set_version(struct store *db, int v, struct lx_err *e)
{
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE lawexam_schema SET version = %d", v);
	return pg_exec(db, sql, e);
}

static int pg_open(struct store *db, const char *target, int flags, struct lx_err *e)
{
	struct pg *p = lx_calloc(1, sizeof *p);
	char msg[200];
	int v;

	db->conn = p;
	p->target = lx_strdup(target);
	p->flags = flags;
	p->c = connect_to(target, flags, msg, sizeof msg);
	if (!p->c) {
		size_t n = strlen(msg);
		while (n && msg[n - 1] == '\n')
			msg[--n] = 0;
		return err_set(e, LX_ERR_IO, "cannot connect to the PostgreSQL database: %s", msg);
	}
	p->gen = 1;
	if (flags & STORE_CREATE) {
		int rc = pg_exec(db,
				 "SELECT pg_advisory_lock(" SCHEMA_LOCK ");"
				 "CREATE TABLE IF NOT EXISTS lawexam_schema(version INTEGER NOT NULL);"
				 "INSERT INTO lawexam_schema(version) SELECT 0"
				 " WHERE NOT EXISTS (SELECT 1 FROM lawexam_schema);"
				 "SELECT pg_advisory_unlock(" SCHEMA_LOCK ")",
				 e);
		if (rc)
			return rc;
		return LX_OK; /* store_open runs the migrations */
	}
	v = pg_version(db);
	if (v != (int)store_n_migrations)
		return err_set(e, LX_ERR_STORAGE,
			       v > (int)store_n_migrations
				       ? "the PostgreSQL database has schema version %d, newer than this program (%zu)"
				       : "the PostgreSQL database has schema version %d, expected %zu (run `lawexam-admin init` to create or upgrade it)",
			       v, store_n_migrations);
	return LX_OK;
}

static void pg_close(struct store *db)
{
	struct pg *p = PG(db);
	if (!p)
		return;
	if (p->c)
		PQfinish(p->c);
	free(p->target);
	free(p);
	db->conn = NULL;
}

/* ?N → $N, a bare ? → the next number; quoted text and identifiers are left alone. */
static char *convert(const char *sql, int *nparams)
{
	size_t n = strlen(sql);
	char *out = lx_malloc(n * 2 + 16), *o = out;
	int next = 0, max = 0;
	char q = 0;
	for (const char *s = sql; *s; s++) {
		if (q) {
			if (*s == q)
				q = 0;
			*o++ = *s;
			continue;
		}
		if (*s == '\'' || *s == '"') {
			q = *s;
			*o++ = *s;
			continue;
		}
		if (*s != '?') {
			*o++ = *s;
			continue;
		}
		int k = 0;
		while (s[1] >= '0' && s[1] <= '9')
			k = k * 10 + (*++s - '0');
		if (!k)
			k = ++next;
		else
			next = k;
		if (k > max)
			max = k;
		o += sprintf(o, "$%d", k);
	}
	*o = 0;
	*nparams = max;
	return out;
}

static int prepare_on_server(struct stmt *st)
{
	struct pg *p = PG(st->db);
	struct pg_stmt *s = PS(st);
	snprintf(s->name, sizeof s->name, "s%u", ++p->next_name);
	PGresult *r = PQprepare(p->c, s->name, s->sql, s->nparams, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		note(p, r);
	PQclear(r);
	if (ok)
		s->gen = p->gen;
	return ok ? 0 : -1;
}

static int pg_prepare(struct stmt *st, struct lx_err *e)
{
	struct pg_stmt *s = lx_calloc(1, sizeof *s);
	s->sql = convert(st->sql, &s->nparams);
	if (s->nparams) {
		s->vals = lx_calloc((size_t)s->nparams, sizeof *s->vals);
		s->lens = lx_calloc((size_t)s->nparams, sizeof *s->lens);
		s->fmts = lx_calloc((size_t)s->nparams, sizeof *s->fmts);
	}
	st->h = s;
	/* Prepared on the server at the first step (after a reconnect, again). */
	(void)e;
	return LX_OK;
}

static void clear(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
	free(s->blob);
	s->blob = NULL;
	for (int i = 0; i < s->nparams; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
	}
}

static void pg_finalize(struct stmt *st)
{
	struct pg_stmt *s = PS(st);
	if (!s)
		return;
	clear(s);
	free(s->vals);
	free(s->lens);
	free(s->fmts);
	free(s->sql);
	free(s);
	st->h = NULL;
}

static void pg_reset(struct stmt *st) { clear(PS(st)); }

static void set_param(struct stmt *st, int i, char *v, int len)
{
	struct pg_stmt *s = PS(st);
	if (i < 1 || i > s->nparams) {
		free(v);
		return;
	}
	free(s->vals[i - 1]);
	s->vals[i - 1] = v;
	s->lens[i - 1] = len;
}

static void pg_bind_int(struct stmt *st, int i, int64_t v)
{
	char *b = lx_malloc(24);
	snprintf(b, 24, "%lld", (long long)v);
	set_param(st, i, b, 0);
}

static void pg_bind_text(struct stmt *st, int i, const char *t, int len)
{
	size_t n = len < 0 ? strlen(t) : (size_t)len;
	char *b = lx_malloc(n + 1);
	memcpy(b, t, n);
	b[n] = 0;
	set_param(st, i, b, 0);
}

static void pg_bind_blob(struct stmt *st, int i, const void *p, int len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = p;
	char *b = lx_malloc((size_t)len * 2 + 3), *o = b;
	*o++ = '\\';
	*o++ = 'x';
	for (int k = 0; k < len; k++) {
		*o++ = hex[u[k] >> 4];
		*o++ = hex[u[k] & 15];
	}
	*o = 0;
	set_param(st, i, b, 0);
}

static void pg_bind_null(struct stmt *st, int i) { set_param(st, i, NULL, 0); }

static int pg_step(struct stmt *st)
{
	struct pg *p = PG(st->db);
	struct pg_stmt *s = PS(st);

	if (s->res) {
		if (s->row < s->nrows) {
			s->row++;
			return ST_ROW;
		}
		return ST_DONE;
	}
	if (ensure(st->db))
		return ST_ERROR;
	if (s->gen != p->gen && prepare_on_server(st))
		return ST_ERROR;
	PGresult *r = PQexecPrepared(p->c, s->name, s->nparams, (const char *const *)s->vals, NULL, NULL, 0);
	ExecStatusType rs = PQresultStatus(r);
	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
		note(p, r);
		PQclear(r);
		if (lost(p))
			LOG(LOG_WARN, "database: %s", p->msg);
		return ST_ERROR;
	}
	p->state[0] = 0;
	s->changes = strtoll(PQcmdTuples(r), NULL, 10);
	s->res = r;
	s->nrows = rs == PGRES_TUPLES_OK ? PQntuples(r) : 0;
	s->row = 0;
	if (s->row < s->nrows) {
		s->row++;
		return ST_ROW;
	}
	return ST_DONE;
}

static int64_t pg_col_int(struct stmt *st, int i)
{
	struct pg_stmt *s = PS(st);
	const char *v = PQgetvalue(s->res, s->row - 1, i);
	if (v[0] == 't' && !v[1])
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct stmt *st, int i)
{
	struct pg_stmt *s = PS(st);
	return PQgetvalue(s->res, s->row - 1, i);
}

static const void *pg_col_blob(struct stmt *st, int i, int *len)
{
	struct pg_stmt *s = PS(st);
	size_t n = 0;
	if (PQgetisnull(s->res, s->row - 1, i)) {
		*len = 0;
		return NULL;
	}
	free(s->blob);
	s->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row - 1, i), &n);
	*len = (int)n;
	return s->blob;
}

static int pg_col_null(struct stmt *st, int i)
{
	struct pg_stmt *s = PS(st);
	return PQgetisnull(s->res, s->row - 1, i);
}

static int64_t pg_changes(struct stmt *st) { return PS(st)->changes; }

static int pg_in_tx(struct store *db)
{
	struct pg *p = PG(db);
	if (!p->c || PQstatus(p->c) != CONNECTION_OK)
		return 0;
	PGTransactionStatusType t = PQtransactionStatus(p->c);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int pg_backup(struct store *db, const char *dest, struct lx_err *e)
{
	(void)db;
	(void)dest;
	return err_set(e, LX_ERR_INVALID,
		       "backup to a file is for SQLite; back up PostgreSQL with pg_dump or pg_basebackup (docs/scale-out.md)");
}

const struct store_driver store_pg_driver = {
	.kind = STORE_PG,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_null = pg_col_null,
	.changes = pg_changes,
	.fail = pg_fail,
	.in_tx = pg_in_tx,
	.version = pg_version,
	.set_version = pg_set_version,
	.backup = pg_backup,
	.sql_begin = "BEGIN",
	.sql_read_begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
};
