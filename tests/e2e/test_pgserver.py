"""test_pgserver — the harness's private PostgreSQL (pgserver.py) and its psql-backed
connection, on which LAWEXAM_E2E_BACKEND=postgres runs the whole suite: the instance
starts as the postgres user on a private port and socket, makes fresh databases, sorts text
bytewise, is stopped and removed afterwards, also when the test process is killed; the
connection reads and writes as Python's sqlite3 does for the tests (types, placeholders,
lastrowid, explicit ids, transactions). Runs under both backends (it tests the harness, not
lawexamd); needs PostgreSQL 15 (under CI=true its absence fails)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

import lawexam_e2e as L
import pgserver


def processes_on(data_dir):
    """Command lines of running processes that name data_dir (a postmaster: postgres -D DIR)."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if data_dir in l and l.startswith(pgserver.binary("postgres"))]


def postmaster_alive(data_dir):
    pid_file = os.path.join(data_dir, "postmaster.pid")
    try:
        with open(pid_file) as f:
            pid = int(f.readline())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@L.requires(pgserver.missing() is None, "PostgreSQL 15: %s" % pgserver.missing())
class PgServerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = pgserver.instance()

    def connect(self, **kw):
        con = pgserver.connect(self.pg.create_database("unit"), **kw)
        self.addCleanup(con.close)
        return con

    def test_instance_is_private_and_runs_as_postgres(self):
        pg = self.pg
        self.assertTrue(pg.running())
        self.assertTrue(os.path.exists(os.path.join(pg.sock, ".s.PGSQL.%d" % pg.port)))
        con = self.connect()
        (listen, sockdir, fsync, enc, coll) = con.execute(
            "SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'),"
            " current_setting('fsync'), pg_encoding_to_char(encoding), datcollate"
            " FROM pg_database WHERE datname = current_database()").fetchone()
        self.assertEqual((listen, sockdir, fsync, enc, coll), ("127.0.0.1", pg.sock, "on", "UTF8", "C"))
        if os.geteuid() == 0:
            st = os.stat(os.path.join(pg.data, "PG_VERSION"))
            import pwd
            self.assertEqual(pwd.getpwuid(st.st_uid).pw_name, "postgres")
        # bytewise text order, as SQLite's default BINARY collation
        got = [r[0] for r in con.execute("SELECT s FROM (VALUES ('b'), ('B'), ('a'), ('乙'), ('甲'), ('Z')) v(s)"
                                         " ORDER BY s")]
        self.assertEqual(got, sorted(["b", "B", "a", "乙", "甲", "Z"], key=lambda s: s.encode()))
        # the TCP port answers on loopback too
        out = subprocess.run([pgserver.binary("psql"), "-X", "-A", "-t", "-c", "SELECT 1", "-d",
                              pg.tcp_uri("postgres")], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.stdout.strip(), "1", out.stderr)

    def test_fresh_databases(self):
        a, b = self.pg.create_database(), self.pg.create_database()
        self.assertNotEqual(a, b)
        self.assertTrue(pgserver.is_uri(a))
        ca, cb = pgserver.connect(a), pgserver.connect(b)
        try:
            ca.execute("CREATE TABLE t(x integer)")
            ca.commit()
            self.assertEqual(cb.execute("SELECT count(*) FROM pg_tables WHERE tablename = 't'").fetchone(), (0,))
        finally:
            ca.close()
            cb.close()
        self.pg.drop_database(a)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM pg_database WHERE datname = '%s'"
                                      % a.split("/")[3].split("?")[0]).strip(), "0")

    def test_types_placeholders_and_lastrowid(self):
        con = self.connect()
        con.execute("CREATE TABLE users(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, login text UNIQUE,"
                    " h bytea, ok boolean, n integer, r double precision)")
        con.execute("CREATE TABLE tags(user_id bigint, tag text)")
        con.commit()
        cur = con.cursor()
        cur.execute("INSERT INTO users(login, h, ok, n, r) VALUES(?, ?, ?, ?, ?)", ("o'brien ?1 --", b"\0\xff", True, 7, 0.5))
        self.assertEqual(cur.lastrowid, 1)
        con.executemany("INSERT INTO users(id, login, n) VALUES(?, ?, ?)", [(i, "u%d" % i, i) for i in range(10, 1210)])
        con.executemany("INSERT INTO tags(user_id, tag) VALUES(?, ?) ON CONFLICT DO NOTHING", [(1, "甲"), (1, "乙")])
        con.commit()
        cur.execute("INSERT INTO users(login) VALUES(?)", ("after",))  # past the explicit ids, as a rowid
        self.assertEqual(cur.lastrowid, 1210)
        con.commit()
        row = con.execute("SELECT id, login, h, ok, n, r, NULL, id FROM users WHERE login = ?1 OR id = ?2 ORDER BY id",
                          ("o'brien ?1 --", 1)).fetchall()
        self.assertEqual(row, [(1, "o'brien ?1 --", b"\0\xff", 1, 7, 0.5, None, 1)])
        self.assertEqual(con.execute("SELECT count(*), max(id) FROM users").fetchone(), (1202, 1210))
        self.assertEqual([t for (t,) in con.execute("SELECT tag FROM tags ORDER BY tag")], ["乙", "甲"])  # bytewise
        con.execute("CREATE TABLE kv(k text PRIMARY KEY, n integer)")
        con.executemany("INSERT INTO kv(k, n) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET n = ?2",
                        [("a", 1), ("a", 2), ("b", 3)])
        con.commit()
        self.assertEqual(con.execute("SELECT k, n FROM kv ORDER BY k").fetchall(), [("a", 2), ("b", 3)])
        self.assertEqual(con.execute("UPDATE users SET n = n + ?2 WHERE id < ?1", (12, 1)).rowcount, 3)
        con.commit()
        self.assertEqual(con.execute("SELECT n FROM users WHERE id = 11").fetchone(), (12,))
        with self.assertRaises(pgserver.PgError) as e:
            con.execute("SELECT nope FROM users")
        self.assertEqual(e.exception.sqlstate, "42703")
        self.assertEqual(con.execute("SELECT 1 WHERE false").fetchall(), [])

    def test_transactions_as_sqlite3(self):
        uri = self.pg.create_database()
        con = pgserver.connect(uri)
        other = pgserver.connect(uri, autocommit=True)
        self.addCleanup(other.close)
        con.execute("CREATE TABLE t(x integer)")
        con.commit()
        con.execute("INSERT INTO t VALUES (1)")      # implicit BEGIN: not visible yet
        self.assertEqual(other.execute("SELECT count(*) FROM t").fetchone(), (0,))
        con.commit()
        self.assertEqual(other.execute("SELECT count(*) FROM t").fetchone(), (1,))
        with con:
            con.execute("INSERT INTO t VALUES (2)")
        self.assertEqual(other.execute("SELECT count(*) FROM t").fetchone(), (2,))
        with self.assertRaises(ZeroDivisionError):
            with con:
                con.execute("INSERT INTO t VALUES (3)")
                1 / 0
        con.execute("INSERT INTO t VALUES (4)")
        con.close()                                  # not committed: rolled back
        self.assertEqual(other.execute("SELECT count(*) FROM t").fetchone(), (2,))
        ro = pgserver.connect(uri, readonly=True)
        self.addCleanup(ro.close)
        with self.assertRaises(pgserver.PgError):
            ro.execute("INSERT INTO t VALUES (5)")
        self.assertIn("CREATE TABLE public.t (", "\n".join(other.iterdump()))

    def test_harness_helpers(self):
        uri = self.pg.create_database()
        L.sql(uri, "CREATE TABLE kv(k text PRIMARY KEY, v bytea)")
        L.sql(uri, "INSERT INTO kv VALUES (?, ?)", "a", b"\x01")
        self.assertEqual(L.sql(uri, "SELECT k, v FROM kv"), [("a", b"\x01")])
        self.assertEqual(L.sql(uri, "UPDATE kv SET k = ? RETURNING k", "b"), [("b",)])

    def test_stopped_and_removed_when_the_process_is_killed(self):
        # A child starts its own instance and is SIGKILLed (no atexit): the watchdog stops it.
        code = textwrap.dedent("""
            import sys, time
            sys.path.insert(0, %r)
            import pgserver
            pg = pgserver.instance()
            print(pg.dir, pg.data, flush=True)
            time.sleep(600)
        """ % os.path.dirname(os.path.abspath(__file__)))
        p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, LAWEXAM_E2E_KEEP="0"))
        try:
            d, data = p.stdout.readline().split()
            self.assertTrue(postmaster_alive(data))
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
        deadline = time.monotonic() + 30
        while os.path.exists(d) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(os.path.exists(d), "the killed process's PostgreSQL folder is still there")
        self.assertEqual(processes_on(data), [])

    def test_orderly_stop(self):
        code = textwrap.dedent("""
            import sys
            sys.path.insert(0, %r)
            import pgserver
            pg = pgserver.instance()
            print(pg.dir, pg.data, flush=True)
        """ % os.path.dirname(os.path.abspath(__file__)))
        t0 = time.monotonic()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, LAWEXAM_E2E_KEEP="0"))
        self.assertEqual(out.returncode, 0, out.stderr)
        d, data = out.stdout.split()
        self.assertFalse(os.path.exists(d))
        self.assertEqual(processes_on(data), [])
        sys.stderr.write("[pgserver] initdb + start + stop + cleanup: %.1f s\n" % (time.monotonic() - t0))


if __name__ == "__main__":
    unittest.main()
