"""lawexam_e2e — the shared harness of the end-to-end tests (stdlib only).

Owns: starting the real `lawexamd` on a free loopback port over a fresh temporary database
(`Server`), running `lawexam-admin` on that database, and an HTTPS client that keeps the
session cookie and CSRF token (`Client`), and a TestCase base class that cleans up and
shows server logs on failure. It makes no claims about the product: the test_*.py files do. Binaries come from the environment ctest sets (LAWEXAMD, LAWEXAM_ADMIN,
LAWEXAM_SOURCE_DIR, LAWEXAM_BUILD_DIR); without it, from <source>/build.

Typical use::

    class T(lawexam_e2e.TestCase):
        @classmethod
        def setUpClass(cls):
            cls.srv = cls.start_server("--argon2-m", "1024")   # stopped after the class
            cls.srv.add_user("u1", password="Passw0rd!x")

        def test_me(self):
            c = self.srv.client()
            c.login("u1", "Passw0rd!x")
            status, headers, body = c.get("/api/v1/me")

A failing test prints the tail of every server log it used. Set LAWEXAM_E2E_KEEP=1 to keep
the temporary directories, LAWEXAM_E2E_VERBOSE=1 to run the server at --log-level info.

The storage backend is a parameter of the harness, not of the tests:
LAWEXAM_E2E_BACKEND=sqlite (the default) gives each Server a file DIR/lawexam.db;
LAWEXAM_E2E_BACKEND=postgres gives each Server a fresh database on one private PostgreSQL 15
per test process (pgserver.py) and `srv.db` is its `postgresql://` URI. Either way `srv.db`
is what `--db` takes, for lawexamd and lawexam-admin alike. A test that reads or changes
the database behind the server's back uses connect(srv) or sql(srv, ...), which speak
sqlite3 or PostgreSQL accordingly (`?`/`?N` placeholders, SQL common to both); a test that
is about the SQLite file itself is marked sqlite_only(why) and skipped on PostgreSQL.
"""

import http.client
import json as jsonlib
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
from collections import namedtuple

import pgserver

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("LAWEXAM_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD_DIR = os.environ.get("LAWEXAM_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
LAWEXAMD = os.environ.get("LAWEXAMD") or os.path.join(BUILD_DIR, "lawexamd")
LAWEXAM_ADMIN = os.environ.get("LAWEXAM_ADMIN") or os.path.join(BUILD_DIR, "lawexam-admin")
WEB_ROOT = os.path.join(SOURCE_DIR, "web")
KEEP = os.environ.get("LAWEXAM_E2E_KEEP") == "1"
VERBOSE = os.environ.get("LAWEXAM_E2E_VERBOSE") == "1"

BACKEND = (os.environ.get("LAWEXAM_E2E_BACKEND") or "sqlite").strip().lower()
BACKEND = {"pg": "postgres", "postgresql": "postgres"}.get(BACKEND, BACKEND)
if BACKEND not in ("sqlite", "postgres"):
    raise SystemExit("LAWEXAM_E2E_BACKEND must be sqlite or postgres, not %r" % BACKEND)
ON_POSTGRES = BACKEND == "postgres"

# Markers of AddressSanitizer / UndefinedBehaviorSanitizer / LeakSanitizer reports.
SANITIZER_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: \w+Sanitizer")

DEFAULT_PASSWORD = "Passw0rd!e2e"
SHUTDOWN_SECONDS = 5  # SPEC §9: on SIGTERM/SIGINT, exit 0 within 5 s

Reply = namedtuple("Reply", "status headers body")
Reply.__doc__ = """One HTTP answer: status (int), headers (http.client.HTTPMessage: case-insensitive
.get(), .get_all() for repeated ones such as Set-Cookie), body (parsed JSON for a JSON
content type, else bytes). Unpacks as a tuple: status, headers, body = c.get(...)."""


def under_ci():
    """True when CI=true (or 1/yes) is set: a missing prerequisite is then a failure."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(cond, why):
    """Call inside a test: when cond is false the test is skipped locally but FAILS under
    CI=true (a skipped test shows as a pass, and CI must not pass without testing)."""
    if cond:
        return
    if under_ci():
        raise AssertionError("missing prerequisite (CI=true, so this fails instead of skipping): " + why)
    raise unittest.SkipTest(why)


def requires(cond, why):
    """Decorator form of require() for a test method or a TestCase class."""
    def deco(obj):
        if isinstance(obj, type):
            orig = obj.setUpClass.__func__

            @classmethod
            def setUpClass(cls):
                require(cond, why)
                orig(cls)
            obj.setUpClass = setUpClass
            return obj

        def wrapper(*a, **kw):
            require(cond, why)
            return obj(*a, **kw)
        wrapper.__name__, wrapper.__doc__, wrapper.__qualname__ = obj.__name__, obj.__doc__, obj.__qualname__
        return wrapper
    return deco


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago (bind port 0, then release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the storage backend -------------------------------------------------------------------------


def sqlite_only(why):
    """Decorator for a test method or TestCase class about the SQLite file itself (its WAL,
    file modes, a file system filling up, `lawexam-admin backup` to a file): skipped, with
    why, when the suite runs on PostgreSQL, also under CI=true (there is nothing to test)."""
    return unittest.skipIf(ON_POSTGRES, "SQLite only: " + why)


def postgres_only(why):
    """Decorator for a test about the PostgreSQL backend itself (its connection going away, a
    schema in its lawexam_schema table, migrate --to): it runs as e2e_pg.<name>; in the SQLite
    run it is skipped with why (the e2e_pg run is the one that tests it)."""
    return unittest.skipUnless(ON_POSTGRES, "PostgreSQL only (runs as e2e_pg): " + why)


def postgres():
    """The process's private PostgreSQL (started on first use). When PostgreSQL cannot run
    here the test is skipped, or fails under CI=true (require())."""
    why = pgserver.missing()
    require(why is None, "LAWEXAM_E2E_BACKEND=postgres: %s" % why)
    try:
        return pgserver.instance()
    except pgserver.Unavailable as e:
        require(False, "LAWEXAM_E2E_BACKEND=postgres: %s" % e)


def new_database(directory, name="lawexam.db"):
    """A fresh, empty database for `lawexam-admin init` (which the caller runs), as --db takes
    it: on SQLite the path directory/name (not created), on PostgreSQL the URI of a new
    database on the private instance."""
    if ON_POSTGRES:
        return postgres().create_database()
    return os.path.join(directory, name)


def drop_database(db):
    """Frees a database of new_database() on PostgreSQL (a SQLite file goes with its folder)."""
    pg = pgserver.current()
    if pgserver.is_uri(db) and pg is not None:
        pg.drop_database(db)


def _db_of(where):
    return where.db if hasattr(where, "db") else where


def connect(where, readonly=False, autocommit=False):
    """A second connection to a database (a Server or a --db value) beside lawexamd:
    sqlite3.connect() for a file, a psql-backed connection with the same surface for a
    PostgreSQL URI (pgserver.Connection). Transactions as Python's sqlite3: writes need
    commit() (or `with con:`) unless autocommit; close() it when done."""
    db = _db_of(where)
    if pgserver.is_uri(db):
        return pgserver.connect(db, autocommit=autocommit, readonly=readonly)
    if readonly:
        return sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=15,
                               isolation_level=None if autocommit else "")
    return sqlite3.connect(db, timeout=15, isolation_level=None if autocommit else "")


def sql(where, statement, *params):
    """Runs one statement on a database (a Server or a --db value) in its own committed
    transaction; returns the rows (a list of tuples; empty for a statement without rows)."""
    con = connect(where)
    try:
        rows = con.execute(statement, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def run_admin(db, *args, input=None, timeout=120):
    """Runs lawexam-admin --db DB ARGS…; returns (rc, stdout, stderr) as text."""
    p = subprocess.run([LAWEXAM_ADMIN, "--db", db] + [str(a) for a in args],
                       input=input, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class ServerError(Exception):
    pass


class Server:
    """One lawexamd over its own temporary directory DIR:

    .db, its database (made by `lawexam-admin init` unless init=False): DIR/lawexam.db, or
    on PostgreSQL a fresh database's URI (new_database()); DIR/tls/ (the self-signed
    certificate the server makes on first start), DIR/lawexamd.log (the server's stdout and
    stderr, appended across restarts). `args` are extra server flags, e.g.
    ("--throttle-window", "3"). The port is chosen once and kept across restart(), so clients
    keep working.
    """

    def __init__(self, *args, web_root=None, init=True, log_level=None, name="lawexamd"):
        self.dir = tempfile.mkdtemp(prefix="lawexam-e2e-")
        try:
            self.db = new_database(self.dir)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self.tls_dir = os.path.join(self.dir, "tls")
        self.cert = os.path.join(self.tls_dir, "cert.pem")
        self.log_path = os.path.join(self.dir, name + ".log")
        self.web_root = web_root or WEB_ROOT
        self.args = [str(a) for a in args]
        self.log_level = log_level or ("info" if VERBOSE else "warn")
        self.host = "127.0.0.1"
        self.port = None
        self.proc = None
        self.starts = 0
        self._log_file = None
        self._clients = []
        self._last_log = ""
        self._exit_expected = False  # the test stopped or killed this process itself
        if init:
            rc, out, err = self.admin("init")
            if rc != 0:
                raise ServerError("lawexam-admin init failed (%d): %s%s" % (rc, out, err))

    # --- lawexam-admin ------------------------------------------------------------------

    def admin(self, *args, input=None, timeout=120):
        """Runs lawexam-admin on this server's database: returns (rc, stdout, stderr)."""
        return run_admin(self.db, *args, input=input, timeout=timeout)

    def add_user(self, login, name=None, org="珠晖区/区司法局", category="general",
                 roles="examinee", password=DEFAULT_PASSWORD):
        """Adds a user with `user add`. With a password (default DEFAULT_PASSWORD) it goes
        through --password-stdin; with password=None the user gets the random first password
        `user add` prints (and must change it), which is parsed and returned. Returns the
        password either way."""
        args = ["user", "add", login, "--name", name or ("用户" + login), "--org", org,
                "--category", category, "--roles", roles]
        if password is not None:
            args.append("--password-stdin")
            rc, out, err = self.admin(*args, input=password + "\n")
        else:
            rc, out, err = self.admin(*args)
        if rc != 0:
            raise ServerError("user add %s failed (%d): %s%s" % (login, rc, out, err))
        if password is None:
            m = re.search(r"initial password[^:]*:\s*(\S+)\s*$", out.strip())
            if not m:
                raise ServerError("cannot find the initial password in: %r" % out)
            password = m.group(1)
        return password

    def token(self, login):
        """A fresh API token for login (`token create`)."""
        rc, out, err = self.admin("token", "create", login)
        if rc != 0:
            raise ServerError("token create %s failed (%d): %s" % (login, rc, err))
        return out.strip().splitlines()[-1].strip()

    # --- the process --------------------------------------------------------------------

    def command(self):
        return [LAWEXAMD, "--db", self.db, "--listen", "%s:%d" % (self.host, self.port),
                "--tls-dir", self.tls_dir, "--web-root", self.web_root,
                "--log-level", self.log_level] + self.args

    def start(self, timeout=30):
        """Starts lawexamd and waits until /healthz answers 200. Retries with another port
        if the chosen one was taken in the meantime (only before the first start)."""
        if self.proc and self.proc.poll() is None:
            raise ServerError("already running")
        for attempt in range(3):
            if self.port is None or (attempt > 0 and self.starts == 0):
                self.port = free_port()
            self._spawn()
            ok, why = self._wait_healthy(timeout)
            if ok:
                self.starts += 1
                return self
            rc = self.proc.poll()
            self._exit_expected = True  # the failed start is reported right here
            if rc is not None and self.starts == 0 and "cannot listen" in self.log_tail(20):
                continue  # port raced away; pick another
            self.kill9()
            raise ServerError("lawexamd did not become healthy (%s); log:\n%s" % (why, self.log_tail()))
        raise ServerError("lawexamd could not get a port; log:\n%s" % self.log_tail())

    def _spawn(self):
        if self._log_file is None:
            self._log_file = open(self.log_path, "ab", buffering=0)
        self._log_file.write(("---- start: %s\n" % " ".join(self.command())).encode())
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=self._log_file, stderr=self._log_file)
        self._exit_expected = False

    def _wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        ctx = self.ssl_context(verify=False)
        why = "timeout"
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                return False, "exited with %d" % rc
            try:
                conn = http.client.HTTPSConnection(self.host, self.port, context=ctx, timeout=2)
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                r.read()
                conn.close()
                if r.status == 200:
                    return True, ""
                why = "healthz answered %d" % r.status
            except (OSError, http.client.HTTPException) as e:
                why = repr(e)
            time.sleep(0.03)
        return False, why

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Sends sig (SIGTERM) and waits. Returns (exit code, seconds from signal to exit):
        the caller owns checking them. A process that does not exit within timeout is killed
        and (None, timeout) returned. A process that had already exited (a crash) is returned
        as it is, with 0.0 seconds."""
        if not self.proc:
            return None, 0.0
        self._exit_expected = True
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None, time.monotonic() - t0
        return rc, time.monotonic() - t0

    def kill9(self):
        """SIGKILL, no chance to flush anything (crash simulation). Marks the exit as the
        test's own doing, so close() does not report it."""
        self._exit_expected = True
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self, *args, graceful=True, timeout=30):
        """Stops (SIGTERM, or SIGKILL with graceful=False) and starts again on the same port.
        With args, they replace the extra flags. Returns the exit code of the stop. A graceful
        stop that does not exit 0 within SHUTDOWN_SECONDS raises ServerError."""
        if graceful:
            rc, secs = self.stop()
            if rc != 0 or secs > SHUTDOWN_SECONDS:
                raise ServerError("lawexamd did not stop cleanly before the restart: exit %r after %.2f s "
                                  "(want 0 within %d s); log:\n%s" % (rc, secs, SHUTDOWN_SECONDS, self.log_tail()))
        else:
            self.kill9()
            rc = -signal.SIGKILL
        if args:
            self.args = [str(a) for a in args]
        self.start(timeout=timeout)
        return rc

    # --- clients and logs ---------------------------------------------------------------

    def ssl_context(self, verify=True):
        """A client context trusting this server's self-signed certificate (or none)."""
        if verify and os.path.exists(self.cert):
            ctx = ssl.create_default_context(cafile=self.cert)
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def client(self, **kw):
        c = Client(self, **kw)
        self._clients.append(c)
        return c

    def log_text(self):
        """Everything the server wrote (kept in memory once close() removed the file)."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return self._last_log

    def log_tail(self, lines=150):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def sanitizer_reports(self):
        """Lines of the log that look like sanitizer reports (empty for a clean run)."""
        return [l for l in self.log_text().splitlines() if SANITIZER_RE.search(l)]

    def close(self, check_exit=True):
        """Stops the server (SIGTERM, then SIGKILL), closes clients, removes DIR (unless
        LAWEXAM_E2E_KEEP=1). Returns the sanitizer report lines found in the log.

        With check_exit (the default), a server that does not exit 0 within SHUTDOWN_SECONDS
        of the SIGTERM, or that had exited by itself (a crash) without the test calling
        stop()/kill9(), raises ServerError after the cleanup (DIR is then kept)."""
        for c in self._clients:
            c.close()
        self._clients = []
        problem = None
        if self.running():
            rc, secs = self.stop(timeout=SHUTDOWN_SECONDS + 2)
            if rc != 0 or secs > SHUTDOWN_SECONDS:
                problem = ("lawexamd did not shut down cleanly on SIGTERM: exit %r after %.2f s (want 0 within %d s)"
                           % (rc, secs, SHUTDOWN_SECONDS))
        elif self.proc is not None and not self._exit_expected:
            problem = "lawexamd had exited by itself (exit %r) before the test ended" % self.proc.returncode
        reports = self.sanitizer_reports()
        self._last_log = self.log_text()
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        if not check_exit:
            problem = None
        if not KEEP and not reports and not problem:
            shutil.rmtree(self.dir, ignore_errors=True)
            drop_database(self.db)
        if problem:
            raise ServerError("%s; log %s:\n%s" % (problem, self.log_path, "\n".join(self._last_log.splitlines()[-60:])))
        return reports

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Client:
    """An HTTPS client for one server: one keep-alive connection, the session cookie and the
    CSRF token from login() sent with every later request (csrf=False omits the header),
    or an API token (token=…, sent as Authorization: Bearer). verify=True checks the
    server's certificate against DIR/tls/cert.pem, hostname included."""

    def __init__(self, server, verify=True, timeout=30, token=None, retry=True):
        self.server = server
        self.verify = verify
        self.timeout = timeout
        self.token = token
        self.retry = retry
        self.cookie = None        # value of lawexam_session
        self.csrf = None
        self.set_cookies = []     # raw Set-Cookie headers of the last response
        self.conn = None
        self.requests_on_conn = 0

    def _connect(self):
        self.close()
        ctx = self.server.ssl_context(verify=self.verify)
        self.conn = http.client.HTTPSConnection(self.server.host, self.server.port, context=ctx,
                                                timeout=self.timeout)
        self.requests_on_conn = 0

    def _stale(self):
        """True when the idle keep-alive connection is readable: the server has closed it
        (FIN, close_notify) or sent something unasked; either way it cannot carry a request."""
        sock = self.conn.sock
        if sock is None:
            return True
        try:
            if isinstance(sock, ssl.SSLSocket) and sock.pending():
                return True
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self):
        if self.conn:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None

    def request(self, method, path, json=None, body=None, headers=None, csrf=True, token=None,
                cookie=True):
        """Sends one request; returns Reply(status, headers, body). json= is serialised;
        body= (bytes or str) is sent as is.

        A request is never sent twice unless it is a GET or HEAD. Before reusing a keep-alive
        connection the client checks that the server has not closed it (e.g. across a server
        restart or after an idle timeout) and opens a fresh one if it has. If a reused
        connection still fails, a GET/HEAD is sent once more on a fresh connection; anything
        else raises (the server may have acted on it)."""
        hdrs = {}
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False).encode()
            hdrs["Content-Type"] = "application/json"
        elif isinstance(body, str):
            body = body.encode()
        tok = token if token is not None else self.token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        if cookie and self.cookie:
            hdrs["Cookie"] = "lawexam_session=" + self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            hdrs["X-CSRF-Token"] = self.csrf
        if headers:
            hdrs.update(headers)
        idempotent = method in ("GET", "HEAD")
        for attempt in (0, 1):
            if self.conn is not None and self.requests_on_conn > 0 and self._stale():
                self.close()
            if self.conn is None:
                self._connect()
            reused = self.requests_on_conn > 0
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                r = self.conn.getresponse()
                data = r.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine,
                    ssl.SSLEOFError, ssl.SSLZeroReturnError):
                self.close()
                if attempt == 0 and reused and self.retry and idempotent:
                    continue
                raise
            self.requests_on_conn += 1
            if r.will_close:
                self.close()
            break
        self._take_cookies(r.headers)
        ctype = r.headers.get("Content-Type", "")
        out = data
        if ctype.startswith("application/json") and data:
            try:
                out = jsonlib.loads(data.decode("utf-8"))
            except ValueError:
                out = data
        return Reply(r.status, r.headers, out)

    def _take_cookies(self, headers):
        self.set_cookies = headers.get_all("Set-Cookie") or []
        for sc in self.set_cookies:
            first = sc.split(";", 1)[0].strip()
            name, _, value = first.partition("=")
            if name != "lawexam_session":
                continue
            attrs = [a.strip().lower() for a in sc.split(";")[1:]]
            if not value or "max-age=0" in attrs:
                self.cookie = None
                self.csrf = None
            else:
                self.cookie = value

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def post(self, path, json=None, body=None, headers=None, **kw):
        return self.request("POST", path, json=json, body=body, headers=headers, **kw)

    def put(self, path, json=None, body=None, headers=None, **kw):
        return self.request("PUT", path, json=json, body=body, headers=headers, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, login, password, expect=200):
        """POST /api/v1/login. On 200 keeps the cookie and the CSRF token. With expect set
        (default 200) a different status raises AssertionError; expect=None accepts any."""
        r = self.post("/api/v1/login", json={"login": login, "password": password}, cookie=False)
        if r.status == 200 and isinstance(r.body, dict):
            self.csrf = r.body.get("csrf_token")
        if expect is not None and r.status != expect:
            raise AssertionError("login %s: %d, expected %d: %r" % (login, r.status, expect, r.body))
        return r

    def logout(self):
        return self.post("/api/v1/logout")


def error_code(reply):
    """The error.code of a JSON error answer, or None."""
    b = reply.body
    if isinstance(b, dict) and isinstance(b.get("error"), dict):
        return b["error"].get("code")
    return None


def raw_tls(server, data, timeout=5, read_all=True):
    """Sends raw bytes over a fresh TLS connection (certificate not checked); returns every
    byte the server sends until it closes or the timeout."""
    ctx = server.ssl_context(verify=False)
    out = b""
    with socket.create_connection((server.host, server.port), timeout=timeout) as s:
        with ctx.wrap_socket(s, server_hostname=server.host) as t:
            t.sendall(data)
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                try:
                    chunk = t.recv(65536)
                except (socket.timeout, ssl.SSLError, ConnectionError):
                    break
                if not chunk:
                    break
                out += chunk
                if not read_all and b"\r\n\r\n" in out:
                    break
    return out


def raw_status(response_bytes):
    """The status code of a raw HTTP/1.x answer, or None."""
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", response_bytes)
    return int(m.group(1)) if m else None


class TestCase(unittest.TestCase):
    """Base class: servers made through start_server() (per class, in setUpClass) or
    server() (per test) are stopped afterwards; their sanitizer reports fail the test and
    their logs are printed when a test fails."""

    _class_servers = []

    @classmethod
    def start_server(cls, *args, start=True, **kw):
        """A server for the whole class (call from setUpClass). It is closed by a class
        cleanup, which runs even when setUpClass fails half-way."""
        s = Server(*args, **kw)
        if "_class_servers" not in cls.__dict__:
            cls._class_servers = []
        cls._class_servers.append(s)
        cls.addClassCleanup(cls._close_class_server, s)
        if start:
            s.start()
        return s

    @classmethod
    def _close_class_server(cls, s):
        if s in cls.__dict__.get("_class_servers", []):
            cls._class_servers.remove(s)
        reports = s.close()
        if reports:
            raise AssertionError("sanitizer reports in %s:\n%s" % (s.log_path, s.log_tail(200)))

    def server(self, *args, start=True, **kw):
        """A server for this test only (closed after it)."""
        s = Server(*args, **kw)
        self._test_servers.append(s)
        self.addCleanup(self._close_test_server, s)
        if start:
            s.start()
        return s

    def _close_test_server(self, s):
        reports = s.close()
        if reports:
            self.fail("sanitizer reports in %s:\n%s" % (s.log_path, s.log_tail(200)))

    def setUp(self):
        self._test_servers = []

    def run(self, result=None):
        if result is None:
            result = self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        self._test_servers = []
        class_servers = list(type(self).__dict__.get("_class_servers", []))
        # Logs must be read before per-test cleanups remove the directories.
        self._log_snapshot = None
        pg = pgserver.current()
        self._pg_log_offset = pg.log_size() if pg else 0
        self.addCleanup(self._snapshot_logs, class_servers)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > before and self._log_snapshot:
            sys.stderr.write("\n==== server logs for %s ====\n%s\n==== end of server logs ====\n"
                             % (self.id(), self._log_snapshot))
        return out

    def _snapshot_logs(self, class_servers):
        parts = []
        for s in class_servers + self._test_servers:
            parts.append("-- %s (port %s)\n%s" % (s.log_path, s.port, s.log_tail()))
        pg = pgserver.current()
        if pg:
            since = pg.log_since(self._pg_log_offset)
            if since:
                parts.append("-- %s (written during this test)\n%s" % (pg.log_path, since))
        self._log_snapshot = "\n".join(parts)

    # --- assertions shared by many tests ----------------------------------------------------

    def assertStatus(self, reply, status, code=None):
        self.assertEqual(reply.status, status, "body: %r" % (reply.body,))
        if code is not None:
            self.assertEqual(error_code(reply), code, "body: %r" % (reply.body,))
