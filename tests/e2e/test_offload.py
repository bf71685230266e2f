"""test_offload — slow work stays off the event loops (issue 13, items 2 and 3).

ReportOffloadTest: a results XLSX of 100,000 staff (about a second of CPU to build) is
pulled in a loop by two HR officers at once while a third client probes /healthz; the probe
must stay fast (the loops are free: reports are built on the hash pool). Also: one report
at a time per user (a second concurrent one is 429 report_in_progress with Retry-After).

XlsxBombTest: an XLSX whose worksheet inflates to 250 MiB from a few hundred KB is refused
with a 422 naming the file, by /admin/staff and /admin/banks, quickly and without the
server's peak RSS (VmHWM) growing by more than a few tens of MiB.

The population is written straight into the temporary database (L.connect: SQLite or
PostgreSQL), as tools/bench/report_bench.py does (its populate() is reused: argon2 for
100,000 users through `user add` would take hours).
"""

import http.client
import io
import os
import statistics
import sys
import threading
import time
import unittest
import zipfile

import lawexam_e2e as L
from lawexam_e2e import error_code

sys.path.insert(0, os.path.join(L.SOURCE_DIR, "tools", "bench"))
import report_bench  # noqa: E402  (populate(db, staff): 100,000 staff, exam bench-2026)

PW = L.DEFAULT_PASSWORD
FAST = ("--argon2-m", "1024", "--argon2-t", "1", "--threads", "2", "--hash-threads", "2")
EXAM = report_bench.EXAM
RESULTS_XLSX = "/api/v1/reports/%s/results?format=xlsx" % EXAM


class Probes:
    """n keep-alive connections asking /healthz in turn, as examinees' browsers keep theirs:
    a connection stays on the event loop that accepted it, so a stalled loop shows as slow
    answers on its connections. (A fresh connection per probe would not: it is accepted by
    whichever loop is free.) Opened while the server is idle, so they spread over the loops."""

    def __init__(self, srv, n):
        ctx = srv.ssl_context(verify=False)
        self.conns = [http.client.HTTPSConnection(srv.host, srv.port, context=ctx, timeout=60) for _ in range(n)]
        self.idle = [self.ask(c) for c in self.conns]  # connects each
        self.lat = [[] for _ in self.conns]
        self.turn = 0

    @staticmethod
    def ask(conn):
        t0 = time.monotonic()
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise AssertionError("healthz answered %d" % r.status)
        return (time.monotonic() - t0) * 1000

    def probe(self):
        k = self.turn % len(self.conns)
        self.turn += 1
        self.lat[k].append(self.ask(self.conns[k]))

    def all(self):
        return [x for xs in self.lat for x in xs]

    def worst_p90(self):
        """The p90 of the connection whose p90 is highest."""
        return max(p90(xs) for xs in self.lat if xs)

    def close(self):
        for c in self.conns:
            c.close()


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.9))]


class ReportOffloadTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST, start=False)
        # explicit ids: before anyone else is added
        if L.ON_POSTGRES:
            con = L.connect(srv)
            try:
                report_bench.populate(srv.db, 100000, con=con)
            finally:
                con.close()
        else:
            report_bench.populate(srv.db, 100000)
        for login in ("hr1", "hr2", "hr3"):
            srv.add_user(login, org="第0区", roles="hr", password=PW)
        srv.start()

    def hr(self, login):
        c = self.srv.client()
        c.login(login, PW)
        return c

    def test_two_report_loops_leave_healthz_fast(self):
        """Two HR clients pull the 100,000-row results XLSX back to back for 10 s (and at
        least two reports each) while /healthz is probed every 50 ms, in turn over 12
        keep-alive connections (spread over the loops). Bound: p90 < 250 ms (over all probes,
        and on the worst connection), max < 1000 ms. An idle loop answers /healthz in about
        a millisecond; the margin is for a 2-core
        machine shared with builds and with the two report builds themselves (the pool runs
        at nice +10, below the loops). Built on the loop instead, each report holds its loop
        for about a second (docs/benchmarks-reports.md), and a probe on that loop waits behind
        it and the next: measured p90 4.2-4.7 s, max the same (issue 13: p90 3.5 s, max 5.1 s).
        After: p90 4-8 ms, max 37-90 ms."""
        clients = [self.hr("hr1"), self.hr("hr2")]
        stop = threading.Event()
        done = [0, 0]
        errors = []

        def pull(i):
            try:
                while not stop.is_set():
                    r = clients[i].get(RESULTS_XLSX)
                    if r.status != 200 or not r.body.startswith(b"PK"):
                        errors.append((r.status, r.body[:200]))
                        return
                    done[i] += 1
            except Exception as e:  # noqa: BLE001 — reported below
                errors.append(repr(e))

        probes = Probes(self.srv, 12)
        threads = [threading.Thread(target=pull, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.3)  # both reports under way
            # At least 10 s, and until each client has had two reports (slower builds, such as
            # under the sanitizers, probe longer); at most 120 s.
            t0 = time.monotonic()
            while (time.monotonic() - t0 < 10 or min(done) < 2) and time.monotonic() - t0 < 120 and not errors:
                probes.probe()
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join(120)
            probes.close()
        lat = probes.all()
        summary = ("healthz idle median %.1f ms; under load n=%d median %.1f ms p90 %.1f ms max %.1f ms, "
                   "worst connection's p90 %.1f ms; reports done %s"
                   % (statistics.median(probes.idle), len(lat), statistics.median(lat), p90(lat), max(lat),
                      probes.worst_p90(), done))
        print("\n" + summary, file=sys.stderr)
        self.assertEqual(errors, [], summary)
        self.assertGreaterEqual(min(done), 2, "the reports must actually run: " + summary)
        self.assertLess(p90(lat), 250, summary)
        self.assertLess(probes.worst_p90(), 250, summary)
        self.assertLess(max(lat), 1000, summary)

    def test_one_report_at_a_time_per_user(self):
        """While hr3's results XLSX is being built, a second request by hr3 (another
        connection) is 429 report_in_progress with Retry-After; hr1 is not held back; once
        the first is answered hr3 may ask again."""
        first, second, other = self.hr("hr3"), self.hr("hr3"), self.hr("hr1")
        got = {}
        t = threading.Thread(target=lambda: got.setdefault("first", first.get(RESULTS_XLSX)))
        t.start()
        try:
            time.sleep(0.25)  # the first is under way (it takes about a second)
            self.assertTrue(t.is_alive(), "the first report finished too fast to test")
            r = second.get(RESULTS_XLSX)
            o = other.get("/api/v1/reports/%s/pass-rates" % EXAM)
        finally:
            t.join(120)
        self.assertEqual(r.status, 429, "second concurrent report: %d %s" % (r.status, repr(r.body)[:100]))
        self.assertEqual(error_code(r), "report_in_progress")
        self.assertRegex(r.headers.get("Retry-After") or "", r"^[1-9][0-9]*$")
        self.assertStatus(o, 200)
        self.assertStatus(got["first"], 200)
        self.assertTrue(got["first"].body.startswith(b"PK"))
        self.assertStatus(second.get("/api/v1/reports/%s/pass-rates?format=csv" % EXAM), 200)
        # a failed report releases the user too
        self.assertStatus(second.get("/api/v1/reports/no-such-exam/results"), 404, "not_found")
        self.assertStatus(second.get("/api/v1/reports/%s/pass-rates" % EXAM), 200)


# --- XLSX bombs ------------------------------------------------------------------------------

BOMB_MIB = 250


def bomb_xlsx(rows_xml_mib=BOMB_MIB):
    """A well-formed XLSX whose first worksheet is rows_xml_mib MiB of repeated rows (a few
    hundred KB deflated). Written in chunks: the test never holds the inflated text."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData>')
            # empty cells: no row is stored, so only the inflating and the parsing cost
            row = b'<row><c t="inlineStr"><is><t></t></is></c></row>' * 1024
            total = 0
            while total < rows_xml_mib << 20:
                f.write(row)
                total += len(row)
            f.write(b"</sheetData></worksheet>")
    return out.getvalue()


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/%d/status" % pid)


class XlsxBombTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bomb = bomb_xlsx()

    def upload(self, path):
        """Uploads the bomb to a fresh server (VmHWM is the peak over the process's life);
        returns (reply, seconds, VmHWM growth in MiB)."""
        srv = self.server(*FAST, start=False)
        srv.add_user("adm", roles="admin", password=PW)
        srv.start()
        c = srv.client(timeout=120)
        c.login("adm", PW)
        c.get("/api/v1/me")
        before = vm_hwm_kib(srv.proc.pid)
        t0 = time.monotonic()
        r = c.post(path, body=self.bomb)
        secs = time.monotonic() - t0
        grew = (vm_hwm_kib(srv.proc.pid) - before) / 1024
        print("\n%s: %d in %.2f s, VmHWM +%.1f MiB (upload %.0f KB)" % (path, r.status, secs, grew,
                                                                      len(self.bomb) / 1e3), file=sys.stderr)
        return r, secs, grew

    def check_refused(self, r, secs, grew, code, fname):
        # Streamed and capped: the declared sizes already fail the ratio check, nothing is
        # inflated (and a part that inflates beyond its declared size is stopped as it does).
        # Whole, it was 250 MiB of text in a doubling buffer: about 500 MiB and 3 s or more.
        self.assertLess(grew, 40)
        self.assertLess(secs, 3.0)
        self.assertStatus(r, 422, code)
        where = " ".join(d["where"] + " " + d["message"] for d in r.body["error"]["details"])
        self.assertIn(fname, where)
        self.assertRegex(where, "解压后是压缩大小的 100 倍以上")

    def test_bomb_is_small_but_huge(self):
        self.assertLess(len(self.bomb), 1 << 20)

    def test_staff_upload(self):
        r, secs, grew = self.upload("/api/v1/admin/staff?format=xlsx&dry_run=1")
        self.check_refused(r, secs, grew, "invalid_roster", "staff.xlsx")

    def test_bank_upload(self):
        r, secs, grew = self.upload("/api/v1/admin/banks?format=xlsx&bank=bomb&title=b&dry_run=1")
        self.check_refused(r, secs, grew, "invalid_bank", "bank.xlsx")


if __name__ == "__main__":
    unittest.main()
