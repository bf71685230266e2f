"""pgserver — a private PostgreSQL 15 for the end-to-end tests (stdlib only).

With LAWEXAM_E2E_BACKEND=postgres the harness (lawexam_e2e.py) runs every lawexamd and
lawexam-admin of a test process on one private PostgreSQL instance, started lazily by
instance() on first use and stopped when the process ends:

- `initdb --no-locale -E UTF8` (text compares bytewise, as in SQLite) with `--auth=trust`
  into a fresh temporary folder; the server listens on 127.0.0.1 only, on a free TCP port,
  and on a unix socket in that folder (mode 0700): trust reaches no one but this machine's
  root and the folder's owner. fsync stays on (the tests check durability claims).
- As root, every PostgreSQL program runs as the `postgres` user (`runuser -u postgres`):
  PostgreSQL refuses to run as root. Otherwise it runs as the calling user.
- create_database() makes a fresh database and returns its libpq URI (over the socket),
  e.g. postgresql://postgres@/e2e_3?host=/tmp/lawexam-pg-x/sock&port=40123.
- Stopped with `pg_ctl stop -m fast` and the folder removed at exit (atexit), and by a
  small watchdog process when the test process dies without running atexit (SIGKILL by
  ctest's timeout). LAWEXAM_E2E_KEEP=1 keeps the (stopped) folder.

connect(uri) gives a minimal DB-API-like connection over a psql coprocess (the subset of
Python's sqlite3 the tests use: execute/executemany/cursor/fetch*/lastrowid/commit/rollback/
close/iterdump, `with con:`), so a test that inspects or tampers with the database reads the
same on both backends. Parameters are `?` or `?N` (SQLite style), sent as quoted literals.

The binaries come from LAWEXAM_PG_BIN (default /usr/lib/postgresql/15/bin).
"""

import atexit
import json
import os
import pwd
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

PG_BIN = os.environ.get("LAWEXAM_PG_BIN") or "/usr/lib/postgresql/15/bin"
KEEP = os.environ.get("LAWEXAM_E2E_KEEP") == "1"
SUPERUSER = "postgres"


class Unavailable(Exception):
    """PostgreSQL cannot be run here (binaries or the postgres user missing)."""


class PgError(Exception):
    """An SQL statement sent through connect() failed; .sqlstate holds the SQLSTATE."""

    def __init__(self, msg, sqlstate=None):
        super().__init__(msg)
        self.sqlstate = sqlstate


def binary(name):
    return os.path.join(PG_BIN, name)


def missing():
    """Why PostgreSQL cannot run here, or None when it can."""
    for b in ("initdb", "pg_ctl", "postgres", "psql", "pg_dump"):
        if not os.access(binary(b), os.X_OK):
            return "PostgreSQL 15 is not installed (%s missing; apt-get install postgresql-15)" % binary(b)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root but there is no postgres user to run PostgreSQL as"
        if not shutil.which("runuser"):
            return "running as root but runuser is missing"
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env():
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("PG"):
            del env[k]  # no stray PGHOST/PGDATABASE/... from the caller
    env["PGCLIENTENCODING"] = "UTF8"
    env["LC_ALL"] = "C"
    return env


class Instance:
    """One running PostgreSQL: .dir (the temporary folder), .data, .sock, .port, .log_path."""

    def __init__(self):
        why = missing()
        if why:
            raise Unavailable(why)
        self.as_root = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix="lawexam-pg-")
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.log_path = os.path.join(self.dir, "postgres.log")
        self.port = None
        self.stopped = False
        self._n = 0
        self._lock = threading.Lock()
        self._watchdog = None
        os.mkdir(self.sock, 0o700)
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            for p in (self.dir, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            os.chmod(self.dir, 0o700)
        self._run(["initdb", "-D", self.data, "--no-locale", "-E", "UTF8", "--auth=trust", "-U", SUPERUSER,
                   "--no-instructions"], what="initdb")
        self._start()
        self._start_watchdog()

    # --- processes --------------------------------------------------------------------------

    def _argv(self, name, *args):
        argv = [binary(name)] + [str(a) for a in args]
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return argv

    def _run(self, argv, what, input=None, timeout=120, check=True):
        p = subprocess.run(self._argv(*argv), input=input, capture_output=True, text=True, timeout=timeout,
                           env=_env(), cwd=self.dir)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s%s%s" % (what, p.returncode, p.stdout, p.stderr, self._log_tail()))
        return p

    def _log_tail(self, n=30):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "\npostgres.log:\n" + "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def _start(self):
        opts = ("-c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c unix_socket_permissions=0700"
                " -c max_connections=300 -c fsync=on -c log_min_messages=warning"
                " -c log_line_prefix='%%m [%%p] %%d ' -c timezone=UTC" % self.sock)
        last = None
        for _ in range(3):  # a port taken between the probe and the bind: try another
            self.port = _free_port()
            p = self._run(["pg_ctl", "-D", self.data, "-l", self.log_path, "-w", "-t", "60",
                           "-o", "-p %d %s" % (self.port, opts), "start"], what="pg_ctl start", check=False)
            if p.returncode == 0:
                return
            last = p.stdout + p.stderr + self._log_tail()
            if "could not bind" not in last and "in use" not in last:
                break
        raise RuntimeError("PostgreSQL did not start: " + (last or ""))

    def _start_watchdog(self):
        """A process that waits for this one to end (its stdin pipe closes) and then stops the
        server: covers deaths without atexit (SIGKILL, os._exit, an unhandled signal)."""
        code = ("import os, shutil, subprocess, sys\n"
                "sys.stdin.read()\n"
                "argv = sys.argv[1:-2]\n"
                "if os.path.isdir(sys.argv[-2]):\n"
                "    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
                "    if sys.argv[-1] != '1': shutil.rmtree(sys.argv[-2], ignore_errors=True)\n")
        argv = [sys.executable, "-c", code] + self._argv("pg_ctl", "-D", self.data, "-m", "immediate", "-w",
                                                          "stop") + [self.dir, "1" if KEEP else "0"]
        self._watchdog = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True, env=_env())

    def stop(self):
        """pg_ctl stop -m fast, then removes the folder (unless LAWEXAM_E2E_KEEP=1)."""
        if self.stopped:
            return
        self.stopped = True
        self._run(["pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"], what="pg_ctl stop",
                  check=False)
        if self._watchdog:
            try:
                self._watchdog.stdin.close()
                self._watchdog.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if KEEP:
            sys.stderr.write("[pgserver] kept %s (stopped)\n" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def pause(self, mode="immediate"):
        """Stops the server and keeps its folder, port and databases, for resume(): the
        database going away under a running lawexamd (immediate: as a crash would)."""
        self._run(["pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"], what="pg_ctl stop")

    def resume(self):
        """Starts a paused server again on the same port and socket."""
        opts = ("-c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c unix_socket_permissions=0700"
                " -c max_connections=300 -c fsync=on -c log_min_messages=warning"
                " -c log_line_prefix='%%m [%%p] %%d ' -c timezone=UTC" % self.sock)
        self._run(["pg_ctl", "-D", self.data, "-l", self.log_path, "-w", "-t", "60",
                   "-o", "-p %d %s" % (self.port, opts), "start"], what="pg_ctl start (resume)")

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, offset, lines=80):
        """The last lines of postgres.log written after byte offset (its errors name the
        database and the statement)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def running(self):
        if self.stopped:
            return False
        return self._run(["pg_ctl", "-D", self.data, "status"], what="pg_ctl status", check=False).returncode == 0

    # --- databases ----------------------------------------------------------------------------

    def uri(self, dbname, user=SUPERUSER):
        return "postgresql://%s@/%s?host=%s&port=%d" % (user, dbname, self.sock, self.port)

    def tcp_uri(self, dbname, user=SUPERUSER):
        return "postgresql://%s@127.0.0.1:%d/%s" % (user, self.port, dbname)

    def psql(self, sql, dbname="postgres", check=True):
        """Runs sql through psql (ON_ERROR_STOP) on dbname; returns its stdout."""
        argv = [binary("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.uri(dbname)]
        p = subprocess.run(argv, input=sql, capture_output=True, text=True, timeout=120, env=_env())
        if check and p.returncode != 0:
            raise PgError("psql on %s failed (%d): %s" % (dbname, p.returncode, p.stderr.strip()))
        return p.stdout

    def create_database(self, prefix="e2e"):
        """A fresh empty database; returns its URI."""
        with self._lock:
            self._n += 1
            name = "%s_%d" % (prefix, self._n)
        self.psql('CREATE DATABASE "%s"' % name)
        return self.uri(name)

    def drop_database(self, uri):
        """Drops the database a URI of create_database() names (its sessions are ended)."""
        m = re.match(r"postgres(?:ql)?://[^/]*/([A-Za-z0-9_]+)", uri)
        if m:
            self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % m.group(1), check=False)


_instance = None
_instance_lock = threading.Lock()


def instance():
    """The process's private PostgreSQL, started on first use (raises Unavailable)."""
    global _instance
    with _instance_lock:
        if _instance is None or _instance.stopped:
            _instance = Instance()
            atexit.register(_instance.stop)
        return _instance


def current():
    """The running instance of this process, or None (never starts one)."""
    return _instance if _instance is not None and not _instance.stopped else None


def is_uri(db):
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


# =================================================================================================
# A DB-API-like connection over a psql coprocess
# =================================================================================================

_ROWS_FIRST = re.compile(r"^\s*(SELECT|WITH|VALUES|TABLE)\b", re.I)
_DML_FIRST = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.I)
_TX = re.compile(r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK)\b", re.I)


def literal(v):
    """v as an untyped SQL literal (PostgreSQL resolves its type from the context)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "'1'" if v else "'0'"
    if isinstance(v, (int, float)):
        return "'%r'" % (v,)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "'\\x%s'" % bytes(v).hex()
    if isinstance(v, str):
        if "\0" in v:
            raise ValueError("PostgreSQL text cannot hold NUL")
        return "'" + v.replace("'", "''") + "'"
    raise TypeError("cannot bind %r" % (v,))


def _scan(sql):
    """Yields (kind, text) pieces of sql: 'code', 'string', 'ident', 'comment'."""
    i, n, start = 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c in "'\"":
            if i > start:
                yield "code", sql[start:i]
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            yield ("string" if c == "'" else "ident"), sql[i:j + 1]
            i = start = j + 1
        elif c == "-" and sql.startswith("--", i):
            if i > start:
                yield "code", sql[start:i]
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield "comment", sql[i:j]
            i = start = j
        else:
            i += 1
    if start < n:
        yield "code", sql[start:]


def bind(sql, params=()):
    """sql with its ?/?N placeholders replaced by literals of params."""
    params = tuple(params or ())
    out, top, used = [], 0, set()
    for kind, text in _scan(sql):
        if kind != "code":
            out.append(text)
            continue

        def sub(m):  # as SQLite: a bare ? is one more than the largest number used so far
            nonlocal top
            k = int(m.group(1)) - 1 if m.group(1) else top
            top = max(top, k + 1)
            if k >= len(params):
                raise ValueError("not enough parameters for %r" % sql)
            used.add(k)
            return literal(params[k])
        out.append(re.sub(r"\?(\d*)", sub, text))
    if len(used) != len(params):
        raise ValueError("%d parameters given, %d used, in %r" % (len(params), len(used), sql))
    return "".join(out)


def _code_only(sql):
    return " ".join(t for k, t in _scan(sql) if k == "code")


def _values_split(sql):
    """INSERT INTO t(…) VALUES (row) tail → (head through VALUES, "(row)", tail), else None."""
    m = re.match(r"^(\s*INSERT\s+INTO\s+\w+\s*(?:\([^)]*\))?\s*(?:OVERRIDING\s+SYSTEM\s+VALUE\s+)?VALUES\s*)\(",
                 sql, re.I)
    if not m:
        return None
    start = m.end() - 1
    depth, pos = 0, start
    for kind, text in _scan(sql[start:]):
        if kind == "code":
            for k, ch in enumerate(text):
                depth += (ch == "(") - (ch == ")")
                if depth == 0:
                    end = pos + k + 1
                    return m.group(1), sql[start:end], sql[end:].rstrip().rstrip(";")
        pos += len(text)
    return None


class Cursor:
    def __init__(self, con):
        self.connection = con
        self.rows = []
        self.description = None
        self.rowcount = -1
        self.lastrowid = None

    def execute(self, sql, params=()):
        self.connection._execute(self, sql, params)
        return self

    def executemany(self, sql, seq):
        self.connection._executemany(self, sql, seq)
        return self

    def fetchone(self):
        return self.rows.pop(0) if self.rows else None

    def fetchall(self):
        rows, self.rows = self.rows, []
        return rows

    def fetchmany(self, size=1):
        rows, self.rows = self.rows[:size], self.rows[size:]
        return rows

    def __iter__(self):
        while self.rows:
            yield self.rows.pop(0)

    def close(self):
        self.rows = []


class Connection:
    """The sqlite3 connection subset over psql. Transactions as Python's sqlite3 (legacy
    mode): a BEGIN is sent before the first INSERT/UPDATE/DELETE outside a transaction unless
    autocommit; commit()/rollback(); close() rolls back what was not committed."""

    def __init__(self, uri, autocommit=False, readonly=False, timeout=120):
        self.uri = uri
        self.autocommit = autocommit
        self.timeout = timeout
        self.in_tx = False
        self._inserted = set()
        self._id_tables = {}
        self._types = {}
        self._n = 0
        self._buf = b""
        self.proc = subprocess.Popen([binary("psql"), "-X", "-q", "-A", "-t", "-F", "\x1f", "-P", "pager=off",
                                      "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=terse", "-d", uri],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=_env())
        if readonly:
            self._query("SET default_transaction_read_only = on")

    # --- the psql conversation -----------------------------------------------------------------

    def _send(self, text):
        try:
            self.proc.stdin.write(text.encode("utf-8"))
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise PgError("psql on %s is gone" % self.uri)

    def _readline(self, deadline):
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PgError("psql on %s did not answer within %d s" % (self.uri, self.timeout))
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if not r:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise PgError("psql on %s ended" % self.uri)
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line.decode("utf-8")

    def _query(self, sql, describe=None):
        """Sends one statement; returns (the column types of the statement describe, or None;
        output lines; row count). Raises PgError when it fails."""
        self._n += 1
        mark = "\x1e%d-%d\x1e" % (os.getpid(), self._n)
        text = ""
        if describe:
            text += describe + " \\gdesc\n\\echo %sD\n" % mark
        text += sql + ";\n\\echo %s :ERROR :ROW_COUNT :LAST_ERROR_SQLSTATE\n\\echo :LAST_ERROR_MESSAGE\n\\echo %sE\n" % (mark, mark)
        self._send(text)
        deadline = time.monotonic() + self.timeout
        types = None
        if describe:
            types = []
            while True:
                line = self._readline(deadline)
                if line == mark + "D":
                    break
                if "\x1f" in line:
                    types.append(line.split("\x1f", 1)[1])
        lines = []
        while True:
            line = self._readline(deadline)
            if line.startswith(mark + " "):
                status = line[len(mark) + 1:].split(" ")
                break
            lines.append(line)
        msg = []
        while True:
            line = self._readline(deadline)
            if line == mark + "E":
                break
            msg.append(line)
        if status[0] == "true":
            raise PgError("%s\n  in: %s" % ("\n".join(msg), sql[:2000]), status[2] if len(status) > 2 else None)
        try:
            count = int(status[1])
        except (IndexError, ValueError):
            count = -1
        return types, lines, count

    # --- statements ----------------------------------------------------------------------------

    def _table(self, table):
        """(has an id column, names of its GENERATED ALWAYS identity columns) of a table."""
        t = table.lower()
        if t not in self._id_tables:
            _, lines, _ = self._query(
                "SELECT a.attname, a.attidentity FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                " WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace"
                " AND a.attnum > 0 AND NOT a.attisdropped" % literal(t))
            cols = [line.split("\x1f") for line in lines if line]
            self._id_tables[t] = (any(c[0] == "id" for c in cols), {c[0] for c in cols if c[1:] == ["a"]})
        return self._id_tables[t]

    def _overriding(self, sql):
        """An INSERT that names a GENERATED ALWAYS identity column gets OVERRIDING SYSTEM VALUE
        (SQLite takes explicit ids as they come)."""
        m = re.match(r"^(\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*)(VALUES\b|SELECT\b)", sql, re.I)
        if not m:
            return sql
        always = self._table(m.group(2))[1]
        named = {c.strip().strip('"').lower() for c in m.group(3).split(",")}
        if always & named:
            return m.group(1) + "OVERRIDING SYSTEM VALUE " + sql[m.start(4):]
        return sql

    def _begin_if_needed(self, sql):
        if not self.autocommit and not self.in_tx and _DML_FIRST.match(sql):
            self._query("BEGIN")
            self.in_tx = True

    def _track_tx(self, sql):
        m = _TX.match(sql)
        if m:
            self.in_tx = m.group(1).upper() in ("BEGIN", "START")
            if not self.in_tx:
                self._sync_sequences()

    def _after(self, sql):
        m = _INSERT.match(sql)
        if m:
            self._inserted.add(m.group(1).lower())
        if not self.in_tx:
            self._sync_sequences()

    def _run(self, sql, key=None):
        """One bound statement; returns (description, rows, rowcount, lastrowid). key (the
        statement before binding) caches its column types."""
        if re.match(r"^\s*PRAGMA\b", sql, re.I):
            raise PgError("PRAGMA is SQLite only: %s" % sql)
        code = _code_only(sql)
        returning = re.search(r"\bRETURNING\b", code, re.I) is not None
        wrap = None
        lastrowid = None
        m = _INSERT.match(sql)
        if m:
            sql = self._overriding(sql)
        if m and not returning and self._table(m.group(1))[0]:
            sql = sql.rstrip().rstrip(";") + " RETURNING id"
            returning, lastrowid = True, "want"
        inner = sql.rstrip().rstrip(";")
        if _ROWS_FIRST.match(sql):
            wrap = "SELECT row_to_json(_lx) FROM (%s) _lx" % sql.rstrip().rstrip(";")
        elif _DML_FIRST.match(sql) and returning:
            wrap = "WITH _lx AS (%s) SELECT row_to_json(_lx) FROM _lx" % sql.rstrip().rstrip(";")
        if wrap is None:
            _, _, count = self._query(sql.rstrip().rstrip(";"))
            return None, [], count, None
        cached = self._types.get(key) if key is not None else None
        if cached is not None:
            _, lines, count = self._query(wrap)
            types = cached
        else:
            types, lines, count = self._query(wrap, describe=inner)
            if key is not None:
                self._types[key] = types
        rows = [self._row(line, types) for line in lines if line]
        desc = None
        if types is not None:
            desc = [(None,) * 7 for _ in types]
        if lastrowid == "want":
            lastrowid = rows[-1][-1] if rows else None
            rows, desc = [], None
        return desc, rows, count, lastrowid

    @staticmethod
    def _row(line, types):
        pairs = json.loads(line, object_pairs_hook=lambda p: p)
        out = []
        for i, (_, v) in enumerate(pairs):
            t = types[i] if types and i < len(types) else ""
            if t == "bytea" and isinstance(v, str) and v.startswith("\\x"):
                v = bytes.fromhex(v[2:])
            elif t == "boolean" and isinstance(v, bool):
                v = int(v)
            elif t in ("json", "jsonb") and v is not None:
                v = json.dumps(v, ensure_ascii=False)
            out.append(v)
        return tuple(out)

    def _execute(self, cur, sql, params):
        key = sql
        sql = bind(sql, params)
        self._begin_if_needed(sql)
        cur.description, cur.rows, cur.rowcount, cur.lastrowid = self._run(sql, key)
        self._track_tx(sql)
        self._after(sql)

    def _executemany(self, cur, sql, seq):
        seq = list(seq)
        self._begin_if_needed(sql)
        total = 0
        split = _values_split(self._overriding(sql) if _INSERT.match(sql) else sql)
        if split and not re.search(r"\bRETURNING\b", _code_only(sql), re.I) \
                and "?" not in _code_only(split[0] + split[2]):
            head, row, tail = split  # one INSERT of up to 500 rows at a time
            for i in range(0, len(seq), 500):
                _, _, count = self._query(head + ",".join(bind(row, p) for p in seq[i:i + 500]) + tail)
                total += max(count, 0)
        else:
            for p in seq:
                _, _, count, _ = self._run(bind(sql, p), sql)
                total += max(count, 0)
        cur.rows, cur.rowcount, cur.lastrowid, cur.description = [], total, None, None
        self._after(sql)

    def _sync_sequences(self):
        """After rows were inserted with explicit ids (as the tests' populations do), moves each
        touched table's id sequence past the largest id, as SQLite's rowid would be."""
        if not self._inserted:
            return
        tables = ",".join(literal(t) for t in sorted(self._inserted))
        self._inserted = set()
        self._query(
            "DO $lx$ DECLARE r record; m bigint; BEGIN"
            " FOR r IN SELECT c.relname AS t, a.attname AS col,"
            "   pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq"
            "   FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            "   WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
            "     AND c.relname = ANY (ARRAY[%s]::text[]) AND a.attnum > 0 AND NOT a.attisdropped LOOP"
            "  IF r.seq IS NOT NULL THEN"
            "   EXECUTE format('SELECT max(%%I) FROM %%I', r.col, r.t) INTO m;"
            "   IF m IS NOT NULL THEN"
            "    PERFORM setval(r.seq, greatest(m, coalesce((SELECT last_value FROM pg_sequences"
            "      WHERE format('%%I.%%I', schemaname, sequencename) = r.seq), 0)));"
            "   END IF;"
            "  END IF;"
            " END LOOP; END $lx$" % tables)

    # --- the sqlite3 surface ---------------------------------------------------------------------

    def cursor(self):
        return Cursor(self)

    def execute(self, sql, params=()):
        return self.cursor().execute(sql, params)

    def executemany(self, sql, seq):
        return self.cursor().executemany(sql, seq)

    def commit(self):
        if self.in_tx:
            self._query("COMMIT")
            self.in_tx = False
        self._sync_sequences()

    def rollback(self):
        if self.in_tx:
            self._query("ROLLBACK")
            self.in_tx = False
        self._inserted = set()

    def iterdump(self):
        """The database as SQL text (pg_dump), line by line."""
        p = subprocess.run([binary("pg_dump"), "-d", self.uri], capture_output=True, text=True, timeout=300,
                           env=_env())
        if p.returncode != 0:
            raise PgError("pg_dump failed: " + p.stderr)
        return iter(p.stdout.splitlines())

    def close(self):
        if self.proc is None:
            return
        try:
            if self.in_tx:
                self._query("ROLLBACK")
        except PgError:
            pass
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.rollback()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def connect(uri, autocommit=False, readonly=False):
    return Connection(uri, autocommit=autocommit, readonly=readonly)
