"""End-to-end tests of the progress of long imports (issue 15, item 3).

lawexam-admin: `staff import` draws a progress line on stderr ("hashing passwords: 40/120
(33%), about 2 s left", redrawn in place with CR) only when stderr is a terminal — checked
through a pseudo-terminal (Python's pty) — and prints nothing of it into a pipe; `bank import`
does the same for the questions it writes.

lawexamd: a roster import sent with ?job=ID can be watched with GET /api/v1/admin/jobs/ID
while it runs on the hash pool (state hashing, done rising to total, remaining_seconds), by
its owner only; bad, busy and unknown job ids. The server here hashes at the default cost
(19 MiB, t=2), so 150 first passwords take seconds, as a real roster's do.
"""

import csv
import io
import json
import os
import pty
import re
import select
import subprocess
import threading
import time
import unittest

import lawexam_e2e as L

PW = L.DEFAULT_PASSWORD


def roster(n, prefix="p"):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["工号", "姓名", "单位", "类别"])
    for i in range(n):
        w.writerow(["%s%04d" % (prefix, i), "人员%d" % i, "珠晖区/单位%d" % (i % 5), "general"])
    return "\ufeff" + out.getvalue()


def bank(n):
    return {"format": "lawexam-bank/1",
            "bank": {"code": "big", "title": "进度测试题库", "subject": "constitution"},
            "questions": [{"id": "J%05d" % i, "type": "judge", "stem": "第%d题：这句话对吗？" % i,
                           "answer": "T" if i % 2 else "F"} for i in range(n)]}


def run_on_pty(args, timeout=120):
    """Runs args with stderr on a pseudo-terminal; returns (rc, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    got = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            got += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    out = p.stdout.read().decode()
    p.stdout.close()
    return p.wait(timeout=timeout), out, got.decode("utf-8", "replace")


def states(term, label):
    """The progress states drawn: [(done, total, percent, tail)] in order."""
    pat = re.compile(r"%s: (\d+)/(\d+) \((\d+)%%\)([^\r\n\x1b]*)" % re.escape(label))
    return [(int(a), int(b), int(c), t) for a, b, c, t in pat.findall(term)]


class CliProgressTest(unittest.TestCase):
    def setUp(self):
        self.srv = L.Server()  # not started: the CLI works on its database
        self.addCleanup(self.srv.close)

    def write(self, name, text):
        path = os.path.join(self.srv.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_roster_progress_on_a_terminal_only(self):
        n = 120
        path = self.write("r.csv", roster(n))
        args = [L.LAWEXAM_ADMIN, "--db", self.srv.db, "staff", "import", path, "--hash-threads", "1",
                "--passwords-out", os.path.join(self.srv.dir, "pw.csv")]
        t0 = time.monotonic()
        rc, out, term = run_on_pty(args)
        took = time.monotonic() - t0
        self.assertEqual(rc, 0, out + term)
        self.assertIn("%d added" % n, out)
        st = states(term, "hashing passwords")
        self.assertGreaterEqual(len(st), 3, term[-500:])
        self.assertTrue(all(t == n for _, t, _, _ in st), st)
        done = [d for d, _, _, _ in st]
        self.assertEqual(done, sorted(done), "the count never goes back")
        self.assertEqual(st[0][0], 0, "the line appears before the first hash")
        self.assertTrue(any(0 < d < n for d in done), st)
        for d, t, pct, _ in st:
            self.assertEqual(pct, d * 100 // t)
        self.assertEqual(st[-1][:3], (n, n, 100))
        self.assertRegex(st[-1][3], r"^, done in (\d+ s|under 1 s)")
        if took >= 1.5:  # a second of work gives a rate: the time left is shown
            self.assertTrue(any(re.match(r"^, about (\d+ s|\d+ min \d+ s|under 1 s) left$", x) for _, _, _, x in st), st)
        self.assertIn("\r", term)
        self.assertIn("\x1b[K", term)
        self.assertTrue(term.rstrip("\r\n").endswith("\x1b[K") or "done in" in term.splitlines()[-1])

        # Not a terminal: stderr carries no progress at all (scripts and logs stay clean).
        path = self.write("r2.csv", roster(40, prefix="q"))
        rc, out, err = self.srv.admin("staff", "import", path, "--hash-threads", "1",
                                      "--passwords-out", os.path.join(self.srv.dir, "pw2.csv"))
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(err, "")
        self.assertNotIn("hashing", out)
        self.assertNotIn("\r", out)

    def test_bank_progress_on_a_terminal_only(self):
        n = 3000
        path = self.write("big.json", json.dumps(bank(n), ensure_ascii=False))
        rc, out, term = run_on_pty([L.LAWEXAM_ADMIN, "--db", self.srv.db, "bank", "import", path])
        self.assertEqual(rc, 0, out + term)
        self.assertIn("%d added" % n, out)
        st = states(term, "importing questions")
        self.assertGreaterEqual(len(st), 1, term[-500:])
        self.assertTrue(all(t == n for _, t, _, _ in st), st)
        self.assertEqual(st[-1][:3], (n, n, 100))
        rc, out, err = self.srv.admin("bank", "import", path, "--dry-run")
        self.assertEqual(rc, 0, out + err)
        self.assertNotIn("questions:", err)
        self.assertNotIn("\r", err)


class JobProgressTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server("--hash-threads", "2")  # the default argon2 cost
        cls.srv.add_user("adm", roles="admin", password=PW)
        cls.srv.add_user("adm2", roles="admin", password=PW)

    def admin(self, login="adm", **kw):
        c = self.srv.client(**kw)
        c.login(login, PW)
        return c

    def test_import_progress_is_polled(self):
        n = 150
        body = roster(n, prefix="j").encode()
        job = "page-job-0001"
        result = {}

        def run():
            c = self.admin(timeout=300)
            result["r"] = c.post("/api/v1/admin/staff?format=csv&job=" + job, body=body)

        t = threading.Thread(target=run)
        poll, other = self.admin(), self.admin("adm2")
        t.start()
        seen = []
        conflict = None
        while t.is_alive():
            r = poll.get("/api/v1/admin/jobs/" + job)
            if r.status == 200:
                seen.append(r.body)
                if conflict is None and r.body["state"] == "hashing":
                    # the same id while it runs: 409; another admin never sees it
                    conflict = self.admin().post("/api/v1/admin/staff?format=csv&job=" + job, body=body)
                    self.assertStatus(other.get("/api/v1/admin/jobs/" + job), 404, "job_not_found")
            else:
                self.assertStatus(r, 404, "job_not_found")  # not started yet
            time.sleep(0.1)
        t.join()
        self.assertStatus(result["r"], 200)
        self.assertEqual(result["r"].body["added"], n)
        self.assertIsNotNone(conflict, "the job was seen hashing")
        self.assertStatus(conflict, 409, "job_conflict")
        hashing = [s for s in seen if s["state"] == "hashing"]
        counts = sorted({s["done"] for s in hashing if 0 < s["done"] < n})
        self.assertGreaterEqual(len(counts), 2, seen[-3:])
        self.assertTrue(all(s["total"] == n and s["kind"] == "staff_import" and s["id"] == job for s in hashing))
        done = [s["done"] for s in hashing]
        self.assertEqual(done, sorted(done))
        self.assertTrue(any(isinstance(s["remaining_seconds"], int) and s["remaining_seconds"] >= 0 for s in hashing),
                        hashing[-3:])
        # once answered, the job is kept for a while as done
        r = poll.get("/api/v1/admin/jobs/" + job)
        self.assertStatus(r, 200)
        self.assertEqual((r.body["state"], r.body["done"], r.body["total"], r.body["remaining_seconds"]),
                         ("done", n, n, None))
        # a finished id may be used again; bad ids are refused before any work
        for bad in ("short", "x" * 65, "has space1", "slash/../x"):
            r = poll.post("/api/v1/admin/staff?format=csv&dry_run=1&job=" + bad.replace(" ", "%20"), body=body)
            self.assertStatus(r, 400, "bad_request")
        self.assertStatus(poll.get("/api/v1/admin/jobs/short"), 404, "job_not_found")
        ex = self.srv.client()
        self.srv.add_user("plain", password=PW)
        ex.login("plain", PW)
        self.assertStatus(ex.get("/api/v1/admin/jobs/" + job), 403)


if __name__ == "__main__":
    unittest.main()
