"""Reliability of lawexamd under faults (SPEC §5.4-5.5, §10; docs/reliability.md): kill -9 in
the middle of a storm of saves and submits, a full disk and a read-only database, and a
backup taken during a storm then restored. Every check is made through the public API
(GET /attempts/{id}, the HR report) against what the examinees were told (the 200s), never by
reading the database (the backup drill only adds a filler table before the server starts).

A save that was in flight when the server died, or that got a 503, may or may not have been
stored: the checks allow exactly that and nothing else (each examinee has at most one request
in flight). The tmpfs tests need root (CI runs as root) and skip without it. Counts are
printed to stderr (run ctest -V to see them); LAWEXAM_RELIABILITY_SEED repeats a crash run.
"""

import http.client
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import lawexam_e2e as L
from lawexam_e2e import error_code

PW = "Passw0rd!e2e"
FAST = ("--argon2-m", "1024", "--argon2-t", "1")
TZ8 = timezone(timedelta(hours=8))
ORG = "珠晖区/区司法局"
NET_ERRORS = (OSError, http.client.HTTPException)  # ssl.SSLError is an OSError


def log(msg):
    sys.stderr.write("[reliability] %s\n" % msg)
    sys.stderr.flush()


def iso(t):
    return datetime.fromtimestamp(int(t), TZ8).isoformat()


# --- a bank, people and exams of our own ----------------------------------------------------

def make_bank(code, n_single, n_judge, pad=0, seed=7):
    """lawexam-bank/1 with known keys; `pad` characters of filler in each explanation make
    the database bigger (for the backup drill)."""
    rnd = random.Random(seed)
    qs = []
    for i in range(n_single):
        opts = ["%s-%d 选项%s" % (code, i, "甲乙丙丁"[j]) for j in range(4)]
        qs.append({"id": "%s-s%04d" % (code, i), "type": "single",
                   "stem": "〈%s〉单选第%d题：下列说法正确的是？" % (code, i),
                   "options": opts, "answer": rnd.choice("ABCD"),
                   "explanation": "解析%d。" % i + "法" * pad, "basis": "《测试法》第%d条" % i})
    for i in range(n_judge):
        qs.append({"id": "%s-j%04d" % (code, i), "type": "judge",
                   "stem": "〈%s〉判断第%d题：本题所述正确。" % (code, i),
                   "answer": rnd.choice("TF"),
                   "explanation": "解析%d。" % i + "法" * pad, "basis": "《测试法》第%d条" % i})
    return {"format": "lawexam-bank/1", "bank": {"code": code, "title": "可靠性题库 " + code, "subject": code},
            "questions": qs}


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def admin_ok(srv, *args):
    rc, out, err = srv.admin(*args)
    if rc != 0:
        raise AssertionError("lawexam-admin %s failed (%d): %s%s" % (" ".join(map(str, args)), rc, out, err))
    return out


def import_bank(srv, doc):
    admin_ok(srv, "bank", "import", write_file(srv.dir, doc["bank"]["code"] + ".json",
                                               json.dumps(doc, ensure_ascii=False)))


def import_staff(srv, logins, extra=()):
    rows = ["工号,姓名,单位,类别,角色,密码"]
    rows += ["%s,考生%s,%s,general,examinee,%s" % (lg, lg, ORG, PW) for lg in logins]
    rows += list(extra)
    admin_ok(srv, "staff", "import", write_file(srv.dir, "staff-%d.csv" % len(rows), "\r\n".join(rows) + "\r\n"))


def create_exam(srv, code, bank, closes=None, results="immediate", n_single=6, n_judge=6):
    now = time.time()
    doc = {"format": "lawexam-exam/1", "code": code, "title": "可靠性 " + code,
           "opens_at": iso(now - 3600), "closes_at": iso(closes if closes else now + 86400),
           "duration_minutes": 60, "pass_percent": 60, "max_attempts": 1,
           "multiple_scoring": "all_or_nothing", "results": results, "review": "never",
           "org_scope": ["珠晖区"],
           "papers": [{"categories": ["general"], "sections": [
               {"title": "单选", "bank": bank, "type": "single", "count": n_single, "points": 2},
               {"title": "判断", "bank": bank, "type": "judge", "count": n_judge, "points": 1}]}]}
    admin_ok(srv, "exam", "create", write_file(srv.dir, "exam-%s.json" % code, json.dumps(doc, ensure_ascii=False)))


class Ref:
    """The keys of our banks, by stem; maps displayed options back by their text."""

    def __init__(self, *banks):
        self.q = {q["stem"]: q for b in banks for q in b["questions"]}

    def key(self, dq):
        q = self.q[dq["stem"]]
        if q["type"] == "judge":
            return q["answer"]
        right = q["options"]["ABCD".index(q["answer"])]
        return [o["key"] for o in dq["options"] if o["text"] == right][0]

    def score2(self, questions, answers):
        """(score, max) in half points for answers {"pos": displayed response}."""
        s = m = 0
        for dq in questions:
            pts2 = int(round(dq["points"] * 2))
            m += pts2
            if answers.get(str(dq["position"]), "") == self.key(dq):
                s += pts2
        return s, m


def num2(v):
    return int(round(v * 2))


def choices(dq):
    if dq["type"] == "judge":
        return ["T", "F", ""]
    return [o["key"] for o in dq["options"]] + [""]


# --- examinees under load -----------------------------------------------------------------------

class Examinee:
    """One examinee's attempt and everything the server told them about it. At most one request
    is in flight at any time (self.inflight), so after a crash exactly one outcome is unknown."""

    def __init__(self, srv, login):
        self.srv = srv
        self.login = login
        self.c = srv.client(retry=False, timeout=20)
        self.c.login(login, PW)
        self.reset()

    def reset(self):
        self.c.close()  # a keep-alive connection may have died with a server
        self.aid = None
        self.att = None
        self.seq = 0
        self.acked = {}          # "pos" -> response of the latest acknowledged save
        self.sent = {}           # "pos" -> last response sent (to send something different)
        self.maybe = {}          # "pos" -> responses sent after the latest 200 without a 200 of their own
        self.history = {}        # "pos" -> every response sent, in order
        self.inflight = None     # ("save", {"pos": resp}) | ("submit",) while waiting
        self.submitted = None    # the 200 body of submit
        self.n_acked = 0         # answers in saves that got a 200
        self.n_503 = 0
        self.unexpected = []     # (status, body) of anything else
        self.died = None         # the exception that ended the storm for this examinee

    def start(self, code):
        r = self.c.post("/api/v1/exams/%s/attempts" % code)
        if r.status != 201:
            raise AssertionError("%s: start %s answered %d %r" % (self.login, code, r.status, r.body))
        self.att = r.body
        self.aid = r.body["id"]

    def next_batch(self, rnd):
        qs = self.att["questions"]
        items = []
        for dq in rnd.sample(qs, rnd.randint(1, 3)):
            pos = str(dq["position"])
            opts = [x for x in choices(dq) if x != self.sent.get(pos, "")]
            self.seq += 1
            items.append((pos, rnd.choice(opts), self.seq))
        return items

    def save(self, items):
        """One PUT; returns the Reply (raises on network errors, leaving self.inflight set)."""
        self.inflight = ("save", {pos: resp for pos, resp, _ in items})
        for pos, resp, _ in items:
            self.sent[pos] = resp
            self.maybe.setdefault(pos, set()).add(resp)
            self.history.setdefault(pos, []).append(resp)
        r = self.c.put("/api/v1/attempts/%d/answers" % self.aid,
                       json={"answers": [{"position": int(p), "response": x, "seq": s} for p, x, s in items]})
        self.inflight = None
        if r.status == 200:
            for pos, resp, _ in items:
                self.acked[pos] = resp
                self.maybe.pop(pos, None)
            self.n_acked += len(items)
        elif r.status == 503 and error_code(r) == "storage_unavailable":
            self.n_503 += 1
        else:
            self.unexpected.append((r.status, r.body))
        return r

    def submit(self):
        self.inflight = ("submit",)
        r = self.c.post("/api/v1/attempts/%d/submit" % self.aid)
        self.inflight = None
        if r.status == 200:
            self.submitted = r.body
        elif not (r.status == 503 and error_code(r) == "storage_unavailable"):
            self.unexpected.append((r.status, r.body))
        return r

    def run(self, rnd, stop, submit_after=None, pause=0.0):
        """Saves until stop is set, the server goes away, or (after submit_after saves) it
        submits. Never raises."""
        n = 0
        try:
            while not stop.is_set():
                if submit_after is not None and n >= submit_after:
                    if self.submit().status == 200:
                        return
                else:
                    self.save(self.next_batch(rnd))
                    n += 1
                if pause:
                    time.sleep(pause)
        except NET_ERRORS as e:
            self.died = e

    def allowed(self, pos):
        """What the server may show for pos: the latest acknowledged response, or one sent
        later whose outcome the examinee never learnt (in flight at the crash, or a 503: a 503
        promises nothing was acknowledged, not that nothing was written)."""
        return {self.acked.get(pos, "")} | self.maybe.get(pos, set())

    def get(self):
        r = self.c.get("/api/v1/attempts/%d" % self.aid)
        if r.status != 200:
            raise AssertionError("%s: GET attempt %d answered %d %r" % (self.login, self.aid, r.status, r.body))
        return r.body


def storm(examinees, seconds=None, stop=None, seed=1, submitters=0.35, pause=0.0):
    """Runs every examinee in its own thread. About a third of them (submitters) submit after
    a random number of saves. Returns (threads, stop event); with seconds, waits and stops them itself."""
    stop = stop or threading.Event()
    threads = []
    for i, ex in enumerate(examinees):
        rnd = random.Random(seed * 1000 + i)
        after = rnd.randint(2, 30) if rnd.random() < submitters else None
        t = threading.Thread(target=ex.run, args=(rnd, stop, after, pause), daemon=True)
        threads.append(t)
    for t in threads:
        t.start()
    if seconds is not None:
        time.sleep(seconds)
        stop.set()
        join_all(threads)
    return threads, stop


def join_all(threads, limit=60):
    """Joins storm threads; an examinee still busy after limit would be used by two threads."""
    end = time.monotonic() + limit
    for t in threads:
        t.join(max(0.1, end - time.monotonic()))
        if t.is_alive():
            raise AssertionError("an examinee's request is still running %d s after the storm stopped" % limit)


class ReliabilityCase(L.TestCase):

    def check_attempt(self, ex, body, where, ref):
        """The stored answers are what ex was told (allowing what ex never heard back about).
        Returns (acknowledged answers found as acknowledged, found overtaken by a newer one)."""
        stored = dict(body["answers"])
        positions = set(ex.acked) | set(stored) | set(ex.maybe)
        exact = newer = 0
        for pos in sorted(positions, key=int):
            got = stored.get(pos, "")
            self.assertIn(got, ex.allowed(pos),
                          "%s: %s attempt %d position %s: stored %r, acknowledged %r (in flight %r)"
                          % (where, ex.login, ex.aid, pos, got, ex.acked.get(pos), ex.inflight))
            if pos in ex.acked:
                if got == ex.acked[pos]:
                    exact += 1
                else:
                    newer += 1
        if ex.submitted is not None:
            self.assertEqual(body["status"], "submitted", "%s: %s got 200 on submit" % (where, ex.login))
            if ex.submitted["result"] is not None:  # null while an after_close exam is open
                self.assertEqual(body["result"], ex.submitted["result"], where)
            self.assertEqual(body["submitted_at"], ex.submitted["submitted_at"], where)
        if body["status"] == "submitted":
            self.assertIsNotNone(body["result"], "%s: %s submitted without a result" % (where, ex.login))
            s2, m2 = ref.score2(body["questions"], stored)
            self.assertEqual((num2(body["result"]["score"]), num2(body["result"]["max_score"])), (s2, m2),
                             "%s: %s graded on other answers than stored" % (where, ex.login))
            self.assertIs(body["result"]["passed"], s2 * 100 >= 60 * m2, where)
        return exact, newer

    def assertNoUnexpected(self, examinees, where):
        for ex in examinees:
            self.assertEqual(ex.unexpected, [], "%s: %s got unexpected answers" % (where, ex.login))


# =================================================================================================

class CrashStormTest(ReliabilityCase):
    """kill -9 at three moments of a storm of 40 examinees saving and submitting."""

    N = 40
    N_SHORT = 10      # of them, on an exam whose deadline passes while the server is down
    GRACE = 1
    DELAYS = ((0.4, 0.9), (1.0, 1.8), (2.0, 3.0))

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST, "--grace-seconds", str(cls.GRACE))
        cls.bank = make_bank("rel-crash", 20, 20)
        cls.ref = Ref(cls.bank)
        import_bank(srv, cls.bank)
        cls.logins = ["cr%02d" % i for i in range(cls.N)]
        import_staff(srv, cls.logins)
        cls.people = [Examinee(srv, lg) for lg in cls.logins]

    def test_kill9_during_storm(self):
        seed = int(os.environ.get("LAWEXAM_RELIABILITY_SEED") or time.time())
        rnd = random.Random(seed)
        log("crash storm: seed %d (LAWEXAM_RELIABILITY_SEED=%d repeats it)" % (seed, seed))
        totals = {"acked": 0, "latest": 0, "found": 0, "overtaken": 0, "submits": 0, "autosubmitted": 0,
                  "inflight": 0}
        for run, (lo, hi) in enumerate(self.DELAYS):
            with self.subTest(run=run):
                self.crash_run(run, rnd.uniform(lo, hi), rnd.randrange(1 << 30), totals)
        log("crash storm totals: %r" % totals)

    def crash_run(self, run, delay, seed, totals):
        srv = self.srv
        long_code, short_code = "crash%d-long" % run, "crash%d-short" % run
        short = self.people[:self.N_SHORT]
        longs = self.people[self.N_SHORT:]
        t_setup = time.time()
        for ex in self.people:
            ex.reset()
        create_exam(srv, long_code, "rel-crash")
        for ex in longs:
            ex.start(long_code)
        # The short exam closes (its deadline) a moment after the kill.
        closes = int(time.time() + 2.0 + delay) + 1
        create_exam(srv, short_code, "rel-crash", closes=closes, results="after_close")
        for ex in short:
            ex.start(short_code)
        threads, stop = storm(self.people, seed=seed)
        time.sleep(delay)
        srv.kill9()
        killed_at = time.time()
        stop.set()
        join_all(threads)
        where = "run %d (kill after %.2f s)" % (run, delay)
        self.assertNoUnexpected(self.people, where)
        self.assertLess(killed_at, closes, "the storm ran past the short exam's deadline")
        # Stay down until the short exam's deadline + grace has passed; on PostgreSQL, where the
        # nodes share the liveness mark, a start-up gap is an outage from 12 s on (docs/api.md,
        # "Outage credit"), so stay down longer than that.
        up_at = closes + self.GRACE + 0.5
        if L.ON_POSTGRES:
            up_at = max(up_at, killed_at + 13.5)
        while time.time() < up_at:
            time.sleep(0.05)
        restart_t = time.monotonic()
        down = time.time() - killed_at
        srv.start()
        for ex in self.people:
            ex.c.close()
        # Outage credit (故障补时, SPEC §12): the short exam's deadline was still ahead when the
        # server died, so its attempts got the gap added (at least the time it was down, at
        # most that plus the liveness interval); they are auto-submitted within 5 s of the
        # credited deadline + grace, never before it.
        pending = {ex.login: ex for ex in short}
        bodies = {}
        first = {ex.login: ex.get() for ex in short}
        new_deadline = 0
        for login, b in first.items():
            if b["status"] != "in_progress":
                continue  # submitted in the storm: nothing to credit
            credit = sum(c["seconds"] for c in b.get("credits", []) if c["reason"] == "outage")
            self.assertGreaterEqual(credit, int(down), "%s: %s credit %r for %.1f s down" % (where, login, b.get("credits"), down))
            self.assertLessEqual(credit, down + 10, "%s: %s credit %r for %.1f s down" % (where, login, b.get("credits"), down))
            new_deadline = max(new_deadline, datetime.fromisoformat(b["deadline"]).timestamp())
        while pending:
            for login, ex in list(pending.items()):
                b = ex.get()
                if b["status"] == "submitted":
                    bodies[login] = b
                    del pending[login]
            if pending and time.time() > new_deadline + self.GRACE + 5:
                self.fail("%s: attempts past their credited deadline still in progress 5 s after it: %s"
                          % (where, sorted(pending)))
            if pending:
                time.sleep(0.1)
        autosubmit_s = time.monotonic() - restart_t
        acked = latest = found = overtaken = 0
        n_sub = sum(1 for ex in self.people if ex.submitted is not None)
        resumable = []
        for ex in self.people:
            b = bodies.get(ex.login) or ex.get()
            exact, newer = self.check_attempt(ex, b, where, self.ref)
            found += exact
            overtaken += newer
            acked += ex.n_acked
            latest += len(ex.acked)
            if ex.inflight:
                totals["inflight"] += 1
            if b["status"] != "submitted":
                self.assertIn(ex, longs, "%s: %s is past its deadline and not submitted" % (where, ex.login))
                resumable.append(ex)

        def resume(ex):
            """Not stuck: the attempt takes a save and a submit."""
            return ex.save(ex.next_batch(random.Random(seed))).status, ex.submit().status, ex.get()

        with ThreadPoolExecutor(16) as pool:
            for ex, (saved, submitted, b) in zip(resumable, pool.map(resume, resumable)):
                self.assertEqual((saved, submitted), (200, 200), "%s: %s after the restart" % (where, ex.login))
                self.check_attempt(ex, b, where + " after resuming", self.ref)
        self.assertNoUnexpected(self.people, where)
        self.assertGreater(acked, 0, where)
        self.assertEqual(found + overtaken, latest, where)
        for k, v in (("acked", acked), ("latest", latest), ("found", found), ("overtaken", overtaken),
                     ("submits", n_sub), ("autosubmitted", len(short))):
            totals[k] += v
        log("%s: %d answers acknowledged, %d positions' latest: %d found as acknowledged, %d overtaken by the"
            " save in flight; %d submits acknowledged; %.1f s down, %d auto-submitted %.2f s after the restart"
            " began (after the credited deadline); run took %.1f s" % (where, acked, latest, found, overtaken, n_sub, down, len(short),
                                        autosubmit_s, time.time() - t_setup))


# =================================================================================================

def fill_disk(path):
    """Writes path until the file system is full; returns the bytes written."""
    n = 0
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 12, 1):
            block = b"\0" * chunk
            while True:
                try:
                    n += f.write(block)
                except OSError:
                    break
    return n


class TmpfsCase(ReliabilityCase):
    """A small tmpfs for the database (needs root: CI runs as root)."""

    def tmpfs(self, size):
        L.require(os.geteuid() == 0, "mounting a tmpfs needs root (CI runs the suite as root); not root here")
        d = tempfile.mkdtemp(prefix="lawexam-tmpfs-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "lawexam-test", d],
                           capture_output=True, text=True)
        if r.returncode != 0:
            os.rmdir(d)
            self.fail("running as root but cannot mount a tmpfs on %s: %s" % (d, r.stderr.strip()))
        self.addCleanup(self.umount, d)
        return d

    def umount(self, d):
        if subprocess.run(["umount", d], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", d], capture_output=True)
        os.rmdir(d)

    def server_on(self, directory, *args):
        """A server whose database lives in directory (made with init there), not started.
        Register the tmpfs first: cleanups run last-in first-out, so the server stops before
        the unmount."""
        srv = self.server(*args, init=False, start=False)
        srv.db = os.path.join(directory, "lawexam.db")
        admin_ok(srv, "init")
        return srv


@L.sqlite_only("fills the file system under the database file and truncates its WAL; PostgreSQL's own disk is"
               " not lawexamd's (its outage is the cluster tests' storage_unavailable case)")
class DiskFullTest(TmpfsCase):
    """The database on a 16 MiB tmpfs, filled up while examinees save."""

    N = 12

    def test_disk_full_then_space_returns(self):
        mnt = self.tmpfs("16m")
        srv = self.server_on(mnt, *FAST)
        bank = make_bank("rel-full", 10, 10)
        ref = Ref(bank)
        import_bank(srv, bank)
        logins = ["df%02d" % i for i in range(self.N)]
        import_staff(srv, logins)
        create_exam(srv, "full", "rel-full")
        srv.start()
        pid = srv.proc.pid
        people = [Examinee(srv, lg) for lg in logins]
        for ex in people:
            ex.start("full")
        storm(people, seconds=0.5, submitters=0)
        before = sum(ex.n_acked for ex in people)
        self.assertGreater(before, 0)
        self.assertNoUnexpected(people, "before the disk filled")

        # Empty the WAL first: SQLite rewrites a WAL in place once it has been checkpointed, so
        # without this, saves could keep landing in WAL space allocated before the disk filled
        # (durably: no error to see). Truncated, every commit must grow the file.
        for _ in range(50):
            con = sqlite3.connect(srv.db, timeout=10)
            try:
                busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                con.close()
            if busy == 0 and os.path.getsize(srv.db + "-wal") == 0:
                break
            time.sleep(0.1)
        self.assertEqual(os.path.getsize(srv.db + "-wal"), 0, "the WAL could not be truncated")
        filler = os.path.join(mnt, "filler")
        filled = fill_disk(filler)
        log("disk full: wrote %d bytes of filler" % filled)
        acked_full = [ex.n_acked for ex in people]
        storm(people, seconds=2.0, submitters=0)
        n_503 = sum(ex.n_503 for ex in people)
        ok_full = sum(ex.n_acked for ex in people) - sum(acked_full)
        log("disk full: %d saves answered 503 storage_unavailable, %d answers acknowledged (and must be stored)"
            % (n_503, ok_full))
        self.assertNoUnexpected(people, "disk full")
        self.assertGreater(n_503, 0, "saves on a full disk never answered 503")
        r = people[0].submit()
        self.assertEqual((r.status, error_code(r)), (503, "storage_unavailable"), "submit on a full disk: %r" % (r.body,))
        # Reads keep working and show exactly what was acknowledged.
        self.assertEqual(srv.client().get("/healthz").status, 200)
        for ex in people:
            self.check_attempt(ex, ex.get(), "disk full", ref)

        os.remove(filler)
        t0 = time.monotonic()
        while True:
            r = people[0].save(people[0].next_batch(random.Random(1)))
            if r.status == 200:
                break
            self.assertLess(time.monotonic() - t0, 5, "saves still fail 5 s after space returned: %r" % (r.body,))
            time.sleep(0.2)
        log("space returned: writes resumed after %.2f s" % (time.monotonic() - t0))
        for ex in people:
            ex.unexpected = []
            ex.n_503 = 0
        storm(people, seconds=1.0, submitters=0)
        self.assertNoUnexpected(people, "after space returned")
        self.assertEqual(sum(ex.n_503 for ex in people), 0, "503s after space returned")
        self.assertEqual(srv.proc.pid, pid, "the server restarted")
        r = people[0].submit()
        self.assertEqual(r.status, 200, r.body)
        for ex in people:
            self.check_attempt(ex, ex.get(), "after space returned", ref)
        # And it is all on disk.
        srv.kill9()
        srv.start()
        for ex in people:
            ex.c.close()
            self.check_attempt(ex, ex.get(), "after kill -9", ref)


@L.sqlite_only("a database file lawexamd cannot write (chmod 0444, a read-only mount, a crashed server's WAL"
               " there); PostgreSQL has no such file")
class ReadOnlyTest(TmpfsCase):
    """A database lawexamd cannot write: it says so at start and exits 1 (never runs and
    answers 503 to every save)."""

    def run_server(self, srv):
        """Runs lawexamd to its exit (at most 15 s); returns (exit code, stderr+stdout)."""
        srv.port = L.free_port()
        p = subprocess.Popen(srv.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            out, _ = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            self.fail("lawexamd started on a read-only database (still running after 15 s):\n" + out)
        return p.returncode, out

    def assertRefused(self, srv, what):
        rc, out = self.run_server(srv)
        self.assertEqual(rc, 1, "%s: exit %d\n%s" % (what, rc, out))
        self.assertRegex(out, r"read-only|readonly", what)
        self.assertIn(srv.db, out, what)
        log("%s: exit 1, %r" % (what, out.strip().splitlines()[-1]))

    def test_file_mode_0444(self):
        srv = self.server(start=False)
        os.chmod(srv.db, 0o444)
        self.assertRefused(srv, "database file chmod 0444")
        os.chmod(srv.db, 0o644)
        srv.start()  # and fine again once writable

    def test_read_only_mount(self):
        mnt = self.tmpfs("8m")
        srv = self.server_on(mnt)
        srv.start()
        srv.stop()
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
        self.assertRefused(srv, "database on a read-only mount")

    def test_read_only_mount_after_a_crash(self):
        # The -wal and -shm files of a killed server are still there.
        mnt = self.tmpfs("8m")
        srv = self.server_on(mnt, *FAST)
        srv.add_user("ro1", password=PW)
        srv.start()
        c = srv.client()
        c.login("ro1", PW)
        srv.kill9()
        self.assertTrue(os.path.exists(srv.db + "-wal"))
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
        self.assertRefused(srv, "read-only mount with a crashed server's WAL")


# =================================================================================================

@L.sqlite_only("`lawexam-admin backup FILE` copies the SQLite file (online backup API) and the restore copies the"
               " file back; a PostgreSQL database is backed up with pg_dump / Patroni's standby (docs/scale-out.md)")
class BackupDrillTest(ReliabilityCase):
    """lawexam-admin backup during a storm of saves; restored into a new directory, a server
    on the copy answers the same attempts and the same HR report."""

    N = 30
    FILLER_MIB = 192
    BACKUP_LIMIT = 20   # seconds before the backup is killed
    BACKUP_FAST = 8     # seconds it may take: the copy alone takes about one

    def snapshot(self, people):
        return {ex.login: (dict(ex.acked), {k: set(v) for k, v in ex.maybe.items()}, ex.submitted,
                           {k: len(v) for k, v in ex.history.items()}) for ex in people}

    def test_backup_during_storm_and_restore(self):
        srv = self.server(*FAST, start=False)
        bank = make_bank("rel-drill", 300, 300, pad=300)
        ref = Ref(bank)
        import_bank(srv, bank)
        logins = ["bk%02d" % i for i in range(self.N)]
        import_staff(srv, logins, extra=["hr01,人事专员,%s,general,hr,%s" % (ORG, PW)])
        create_exam(srv, "drill", "rel-drill", n_single=10, n_judge=10)
        # An exam day's database is a few hundred MiB (10,000 examinees x 100 drawn questions
        # and answers, the banks, sessions): a table of filler, which lawexamd never reads,
        # gives this one that size, so that the backup takes many steps while the writer
        # commits beside it.
        with sqlite3.connect(srv.db) as con:
            con.execute("CREATE TABLE drill_filler(b BLOB)")
            con.executemany("INSERT INTO drill_filler VALUES (randomblob(?))", [(1 << 20,)] * self.FILLER_MIB)
        con.close()
        srv.start()
        people = [Examinee(srv, lg) for lg in logins]
        for ex in people[:-3]:          # three never start: 未参加 rows in the report
            ex.start("drill")
        people = people[:-3]
        hr = srv.client()
        hr.login("hr01", PW)
        # Saves and some submits, then only saves (a submit would change the report).
        storm(people, seconds=1.0, seed=5, submitters=0.3)
        self.assertNoUnexpected(people, "before the backup")
        savers = [ex for ex in people if ex.submitted is None]
        threads, stop = storm(savers, seed=6, submitters=0)
        time.sleep(0.3)
        report = hr.get("/api/v1/reports/drill/results")
        self.assertEqual(report.status, 200, report.body)
        before = self.snapshot(people)
        acked_before = sum(len(v[0]) for v in before.values())
        size = os.path.getsize(srv.db)
        backup = os.path.join(srv.dir, "backup.db")
        t0 = time.monotonic()
        try:
            rc, out, err = srv.admin("backup", backup, timeout=self.BACKUP_LIMIT)
        except subprocess.TimeoutExpired:
            stop.set()
            join_all(threads)
            self.fail("lawexam-admin backup of a %.0f MiB database did not finish in %d s while examinees saved"
                      " (%d answers acknowledged meanwhile)" % (size / 1048576.0, self.BACKUP_LIMIT,
                                                               sum(ex.n_acked for ex in savers)))
        took = time.monotonic() - t0
        time.sleep(0.3)
        stop.set()
        join_all(threads)
        self.assertEqual(rc, 0, out + err)
        self.assertNoUnexpected(people, "during the backup")
        during = sum(ex.n_acked for ex in savers)
        report_after = hr.get("/api/v1/reports/drill/results")
        self.assertEqual(report_after.body, report.body, "the report changed during the backup (a submit?)")
        log("backup of a %.1f MiB database in %.2f s during a storm of %d savers (%d answers acknowledged in all)"
            % (size / 1048576.0, took, len(savers), during))
        # A copy that starts over whenever the writer commits finishes only by luck.
        self.assertLess(took, self.BACKUP_FAST,
                        "the backup took %.1f s beside the storm (restarted by the writer's commits?)" % took)

        # Restore into a new directory: copy the file, nothing else (no -wal, no -shm).
        restored = self.server(*FAST, init=False, start=False)
        shutil.copyfile(backup, restored.db)
        restored.start()
        moved = 0
        for ex in people:
            acked, maybe, submitted, sent = before[ex.login]
            c = restored.client()
            c.login(ex.login, PW)
            r = c.get("/api/v1/attempts/%d" % ex.aid)
            self.assertEqual(r.status, 200, r.body)
            b = r.body
            self.assertEqual(b["questions"], ex.att["questions"], ex.login)
            for pos, resp in acked.items():
                got = b["answers"].get(pos, "")
                # Acknowledged before the backup began: in the copy, or overtaken by a later save.
                ok = {resp} | maybe.get(pos, set()) | set(ex.history[pos][sent.get(pos, 0):])
                self.assertIn(got, ok, "%s position %s: restored %r, acknowledged %r before the backup"
                              % (ex.login, pos, got, resp))
                moved += got != resp
            if submitted is not None:
                self.assertEqual(b["status"], "submitted", ex.login)
                self.assertEqual(b["result"], submitted["result"], ex.login)
                s2, m2 = ref.score2(b["questions"], b["answers"])
                self.assertEqual(num2(b["result"]["score"]), s2, ex.login)
        hr2 = restored.client()
        hr2.login("hr01", PW)
        r = hr2.get("/api/v1/reports/drill/results")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body, report.body, "the restored server's report differs")
        statuses = sorted({row["status"] for row in r.body["rows"]})
        self.assertEqual(statuses, ["in_progress", "not_started", "submitted"], statuses)
        # The copy is a working database: an in-progress attempt takes a save and a submit.
        ex = savers[0]
        c = restored.client()
        c.login(ex.login, PW)
        self.assertEqual(c.put("/api/v1/attempts/%d/answers" % ex.aid,
                               json={"answers": [{"position": 1, "response": "", "seq": 10 ** 9}]}).status, 200)
        self.assertEqual(c.post("/api/v1/attempts/%d/submit" % ex.aid).status, 200)
        log("restored: %d answers acknowledged before the backup all there (%d overtaken by later saves);"
            " report of %d rows identical" % (acked_before, moved, len(r.body["rows"])))


if __name__ == "__main__":
    unittest.main()
