"""The PostgreSQL backend's own faults (SPEC §11, docs/scale-out.md "What happens when
something fails"): runs as e2e_pg.test_pgfaults (in the SQLite run every test here is skipped,
saying so).

- The database going away under a running lawexamd (the private PostgreSQL stopped
  immediately, as a crash would, for 20 s): saves answer 503 storage_unavailable, /healthz 503,
  the process stays up; when the database is back lawexamd reconnects by itself, /healthz is
  200 again within seconds, saves succeed, every save acknowledged before the outage is in the
  database, the attempt in progress got the outage credited, and /metrics counted reconnects.
- Start-up: an unreachable database, a database that does not exist, one never initialised
  and one of a newer schema each make lawexamd and lawexam-admin exit 1 with one line naming
  the problem; nothing is written.
- `lawexam-admin migrate --to URI`: a SQLite database with an exam in progress, a submitted
  attempt with its receipt and sessions copied into an empty PostgreSQL database; lawexamd on
  the copy serves the same attempt, logs in with the same password, verifies the receipt; the
  copy refuses a non-empty target and leaves it unchanged.
"""

import os
import re
import subprocess
import sys
import time
import unittest
from datetime import datetime

import lawexam_e2e as L
import pgserver
from test_reliability import FAST, PW, create_exam, import_bank, import_staff, make_bank


def log(msg):
    sys.stderr.write("[pgfaults] %s\n" % msg)
    sys.stderr.flush()


def ts(s):
    return datetime.fromisoformat(s).timestamp()


def one_line_error(test, rc, out, err, *words):
    test.assertEqual(rc, 1, "exit status: %r %r" % (out, err))
    lines = [l for l in err.splitlines() if l.strip()]
    test.assertEqual(len(lines), 1, "one line on stderr: %r" % err)
    for w in words:
        test.assertIn(w, lines[0])
    return lines[0]


@L.postgres_only("the database going away under lawexamd")
class ConnectionLossTest(L.TestCase):
    def test_outage_503_then_reconnect_nothing_lost(self):
        srv = self.server(*FAST, "--grace-seconds", "60")
        import_bank(srv, make_bank("pgf", 8, 8))
        import_staff(srv, ["pf01"])
        create_exam(srv, "pgf-x", "pgf")
        c = srv.client(retry=False)
        c.login("pf01", PW)
        r = c.post("/api/v1/exams/pgf-x/attempts")
        self.assertStatus(r, 201)
        att = r.body
        qs = att["questions"]
        acked = {}
        for i, q in enumerate(qs[:6]):
            key = q["options"][i % len(q["options"])]["key"]
            r = c.put("/api/v1/attempts/%d/answers" % att["id"],
                      json={"answers": [{"position": q["position"], "response": key, "seq": 1}]})
            self.assertStatus(r, 200)
            acked[q["position"]] = key
        pg = pgserver.current()
        self.assertIsNotNone(pg)
        time.sleep(5.5)  # a liveness mark after the saves: the gap is measured from it
        pg.pause("immediate")
        down_at = time.time()
        try:
            statuses, health = [], []
            while time.time() - down_at < 20:
                q = qs[6]
                try:
                    r = c.put("/api/v1/attempts/%d/answers" % att["id"],
                              json={"answers": [{"position": q["position"], "response": q["options"][0]["key"],
                                                 "seq": len(statuses) + 2}]})
                    statuses.append((r.status, (r.body or {}).get("error", {}).get("code")))
                except OSError as e:
                    statuses.append(("net", str(e)))
                h = srv.client(retry=False).get("/healthz")
                health.append(h.status)
                self.assertIsNone(srv.proc.poll(), "lawexamd exited during the outage")
                time.sleep(1)
        finally:
            pg.resume()
        up_at = time.time()
        log("down %.1f s: saves %r; /healthz %r" % (up_at - down_at, sorted(set(map(str, statuses))), sorted(set(health))))
        self.assertTrue(statuses)
        self.assertTrue(all(s == (503, "storage_unavailable") for s in statuses), statuses)
        self.assertTrue(all(h == 503 for h in health), health)
        # back by itself: /healthz 200 within a few seconds, saves succeed
        back = None
        while time.time() - up_at < 15:
            if srv.client(retry=False).get("/healthz").status == 200:
                back = time.time() - up_at
                break
            time.sleep(0.25)
        self.assertIsNotNone(back, "/healthz did not return to 200 within 15 s of the database coming back")
        q = qs[7]
        saved = None
        while time.time() - up_at < 15:
            r = c.put("/api/v1/attempts/%d/answers" % att["id"],
                      json={"answers": [{"position": q["position"], "response": q["options"][0]["key"], "seq": 100}]})
            if r.status == 200:
                saved = time.time() - up_at
                break
            time.sleep(0.25)
        self.assertIsNotNone(saved, "no save succeeded within 15 s of the database coming back")
        acked[q["position"]] = q["options"][0]["key"]
        log("after the database came back: /healthz 200 at %.1f s, first save at %.1f s" % (back, saved))
        # every acknowledged save is stored (and nothing of the refused ones)
        rows = dict(L.sql(srv, "SELECT position, response FROM answers WHERE attempt_id = ?", att["id"]))
        for pos, key in acked.items():
            self.assertIn(pos, rows, "acknowledged answer at position %d lost" % pos)
        self.assertNotIn(qs[6]["position"], rows, "a save answered 503 was stored")
        # the outage is credited to the attempt in progress (storage recovered, ≥ 15 s gap)
        deadline = None
        for _ in range(40):
            b = c.get("/api/v1/attempts/%d" % att["id"]).body
            cr = [x for x in b["credits"] if x["reason"] == "outage"]
            if cr:
                deadline = b["deadline"]
                break
            time.sleep(0.5)
        self.assertIsNotNone(deadline, "no outage credit after a 20 s storage outage")
        moved = ts(deadline) - ts(att["deadline"])
        log("deadline moved %d s" % moved)
        self.assertGreaterEqual(moved, 20)
        # /metrics (from localhost) counted the reconnects
        m = srv.client(retry=False).get("/metrics")
        self.assertStatus(m, 200)
        text = m.body.decode("utf-8") if isinstance(m.body, bytes) else str(m.body)
        found = re.search(r"^lawexam_store_reconnects_total(?:\{[^}]*\})? (\d+)", text, re.M)
        self.assertIsNotNone(found, "no reconnect counter in /metrics")
        self.assertGreaterEqual(int(found.group(1)), 1)


@L.postgres_only("start-up against PostgreSQL targets")
class StartupTest(L.TestCase):
    def daemon(self, db, tmp):
        p = subprocess.run([L.LAWEXAMD, "--db", db, "--listen", "127.0.0.1:%d" % L.free_port(), "--tls-dir",
                            os.path.join(tmp, "tls")], capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_unreachable_missing_uninitialised_newer(self):
        pg = L.postgres()
        tmp = self.tmpdir() if hasattr(self, "tmpdir") else __import__("tempfile").mkdtemp()
        port = L.free_port()  # nothing listens there
        dead = "postgresql://postgres@127.0.0.1:%d/x" % port
        one_line_error(self, *self.daemon(dead, tmp), "cannot connect to the PostgreSQL database", "refused")
        one_line_error(self, *L.run_admin(dead, "bank", "list"), "cannot connect to the PostgreSQL database")
        missing = pg.uri("no_such_db_%d" % os.getpid())
        one_line_error(self, *self.daemon(missing, tmp), "does not exist")
        empty = pg.create_database("pgf_empty")
        one_line_error(self, *self.daemon(empty, tmp), "schema version 0", "lawexam-admin init")
        self.assertEqual(L.sql(empty, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"),
                         [(0,)], "lawexamd wrote into a database it refused")
        newer = pg.create_database("pgf_newer")
        rc, out, err = L.run_admin(newer, "init")
        self.assertEqual(rc, 0, err)
        L.sql(newer, "UPDATE lawexam_schema SET version = version + 1")
        one_line_error(self, *self.daemon(newer, tmp), "newer than this program")
        one_line_error(self, *L.run_admin(newer, "bank", "list"), "newer than this program")
        one_line_error(self, *L.run_admin(newer, "init"), "newer than this program")


@L.postgres_only("copies a SQLite database into PostgreSQL")
class MigrateTest(L.TestCase):
    def test_migrate_keeps_attempts_receipts_logins(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="lawexam-migrate-")
        lite = os.path.join(d, "lite.db")
        rc, out, err = L.run_admin(lite, "init")
        self.assertEqual(rc, 0, err)

        class Holder:
            pass
        # a SQLite server: an attempt submitted (receipt), another in progress with saves
        srv = L.Server(*FAST, init=False)
        srv.db = lite
        srv.start()
        self.addCleanup(srv.close)
        import_bank(srv, make_bank("mig", 8, 8))
        import_staff(srv, ["mg01", "mg02"])
        create_exam(srv, "mig-x", "mig")
        c1 = srv.client()
        c1.login("mg01", PW)
        a1 = c1.post("/api/v1/exams/mig-x/attempts").body
        q = a1["questions"][0]
        self.assertStatus(c1.put("/api/v1/attempts/%d/answers" % a1["id"], json={
            "answers": [{"position": q["position"], "response": q["options"][0]["key"], "seq": 1}]}), 200)
        sub = c1.post("/api/v1/attempts/%d/submit" % a1["id"])
        self.assertStatus(sub, 200)
        receipt = sub.body["receipt"]
        c2 = srv.client()
        c2.login("mg02", PW)
        a2 = c2.post("/api/v1/exams/mig-x/attempts").body
        q2 = a2["questions"][1]
        self.assertStatus(c2.put("/api/v1/attempts/%d/answers" % a2["id"], json={
            "answers": [{"position": q2["position"], "response": q2["options"][1]["key"], "seq": 3}]}), 200)
        srv.stop() if hasattr(srv, "stop") else srv.close()
        target = L.postgres().create_database("pgf_mig")
        rc, out, err = L.run_admin(lite, "migrate", "--to", target)
        log("migrate: rc %d\n%s%s" % (rc, out, err))
        self.assertEqual(rc, 0, err)
        self.assertIn("every table's row count matches", out)
        for table in ("users", "attempts", "answers", "sessions", "audit_log", "question_versions"):
            n_lite = L.sql(lite, "SELECT count(*) FROM %s" % table)[0][0]
            n_pg = L.sql(target, "SELECT count(*) FROM %s" % table)[0][0]
            if table == "audit_log":  # the source's own row for the migrate, written after the copy
                self.assertEqual(L.sql(lite, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1"), [("migrate",)])
                n_lite -= 1
            self.assertEqual(n_lite, n_pg, table)
            self.assertRegex(out, r"\b%s\s+%d rows" % (table, n_pg))
        # a second copy into the same (now non-empty) database is refused and changes nothing
        before = L.sql(target, "SELECT count(*) FROM audit_log")[0][0]
        one_line_error(self, *L.run_admin(lite, "migrate", "--to", target), "not empty")
        self.assertEqual(L.sql(target, "SELECT count(*) FROM audit_log")[0][0], before)
        # lawexamd on the copy: the same logins, attempts, answers and a valid receipt
        pgsrv = L.Server(*FAST, init=False)
        pgsrv.db = target
        pgsrv.start()
        self.addCleanup(pgsrv.close)
        d1 = pgsrv.client()
        d1.login("mg01", PW)
        b1 = d1.get("/api/v1/attempts/%d" % a1["id"])
        self.assertStatus(b1, 200)
        self.assertEqual((b1.body["status"], b1.body["receipt"]), ("submitted", receipt))
        v = d1.get("/api/v1/receipts/%s" % receipt)
        self.assertStatus(v, 200)
        self.assertTrue(v.body["valid"], v.body)
        d2 = pgsrv.client()
        d2.login("mg02", PW)
        b2 = d2.get("/api/v1/attempts/%d" % a2["id"]).body
        self.assertEqual(b2["status"], "in_progress")
        self.assertEqual(b2["answers"].get(str(q2["position"])), q2["options"][1]["key"])
        # new rows get ids after the copied ones (the sequences moved on)
        d3 = pgsrv.client()
        rc, out, err = pgsrv.admin("user", "add", "mg03", "--name", "新人", "--org", "珠晖区/区司法局",
                                   "--category", "general", "--roles", "examinee", "--password-stdin", input=PW + "\n")
        self.assertEqual(rc, 0, err)
        ids = [r[0] for r in L.sql(target, "SELECT id FROM users ORDER BY id")]
        self.assertEqual(len(ids), len(set(ids)))
        d3.login("mg03", PW)


if __name__ == "__main__":
    unittest.main()
