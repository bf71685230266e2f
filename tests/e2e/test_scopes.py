"""Unit administrators and scopes (单位管理员, SPEC §12; docs/security.md "Scopes").

The authorization matrix: every route of server/routes.c whose roles name an administrator,
an HR officer or a unit administrator (parsed from the source, so a new such route without
a row in SCOPE_MATRIX fails test_matrix_is_complete) × every principal below → the expected
status. A unit administrator targets a person or a unit inside the scope ("ua_in") and
outside it ("ua_out"); a scoped HR officer targets the unit administrator's unit, which lies
outside the officer's scope. The bodies of everything a unit administrator or a scoped HR
officer may read are checked to hold only people of their scope (JSON, CSV, XLSX).

Units: 珠晖区/区司法局 (S, the unit administrator's scope) with the sub-unit S/普法股;
珠晖区/区教育局 (E, the scoped HR officer's scope); 珠晖区/区司法局局 (a unit whose path merely
starts with S's, outside S).
"""

import csv
import io
import json
import os
import re
import unittest
import urllib.parse

import lawexam_e2e as L
from lawexam_e2e import error_code
from test_security import bank_doc, check, dumps, exam_doc, write_file

try:
    import openpyxl
except ImportError:  # pragma: no cover - Debian's python3-openpyxl is a test dependency
    openpyxl = None

PW = L.DEFAULT_PASSWORD
FAST = ("--argon2-m", "1024", "--argon2-t", "1")
S = "珠晖区/区司法局"
S2 = S + "/普法股"
E = "珠晖区/区教育局"
TRAP = "珠晖区/区司法局局"
EXAM = "sc-x"
Q = urllib.parse.quote

# login, name, unit, roles, scope (管理范围 column; "" = default)
STAFF = [
    ("s-a1", "司法甲", S, "examinee", ""),
    ("s-a2", "司法乙", S2, "examinee", ""),
    ("s-v", "司法丙", S, "examinee", ""),       # the victim of resets in scope
    ("s-hr-in", "司法人事", S, "hr", ""),         # not an examinee: a unit admin may not reset
    ("e-b1", "教育甲", E, "examinee", ""),
    ("e-v", "教育乙", E, "examinee", ""),        # the victim outside S
    ("t-c1", "陷阱甲", TRAP, "examinee", ""),
    ("sc-ua", "单位管理员", S, "unit_admin", ""),  # default scope: its own unit S
    ("sc-hr-e", "教育人事", E, "hr", E),         # scoped HR officer (E)
    ("sc-adm-s", "分管管理员", S, "admin", S),   # a scoped administrator (S)
]
IN_S = {"s-a1", "s-a2", "s-v", "s-hr-in", "sc-ua", "sc-adm-s", "sc-admin", "sc-hr"}  # add_user's unit is S
ASSIGNED_IN_S = {"s-a1", "s-a2", "s-v"}
ASSIGNED_IN_E = {"e-b1", "e-v"}

PRINCIPALS = ("anon", "examinee", "hr", "hr_scoped", "admin", "ua_in", "ua_out", "admin_scoped")

OK = "200"
CREATED = "201"
U = "401 unauthenticated"
F = "403 forbidden"
OUT = "403 out_of_scope"
N = "404 not_found"
BR = "400 bad_request"
UNF = "404 upload_not_found"
JNF = "404 job_not_found"
NP = "409 not_passed"
BMIN = "422 bad_minutes"
BREA = "422 bad_reason"
UU = "404 unknown_user"
NEX = "404 not_exempt"
QNF = "404"

# One row per route: method, pattern (as in routes.c), then per principal either a cell
# ("STATUS [code]") or (cell, target) where target picks the request's parameters:
# "in" = things of S, "out" = things of E (outside S). The default target is "in".
# Paths use {X} exam, {T} target login, {O} target unit, {R} target receipt, {A} target attempt,
# {N} target notice; bodies {T} and {U} (the target unit, not URL-encoded).
# ua_out, and hr_scoped (scope E), always aim outside their own scope.
def row(method, pattern, path, body, *cells):
    assert len(cells) == len(PRINCIPALS), (method, pattern)
    return (method, pattern, path, body, dict(zip(PRINCIPALS, cells)))


#            anon examinee hr  hr_scoped admin ua_in ua_out admin_scoped
SCOPE_MATRIX = [
    row("POST", "/api/v1/admin/uploads", "/api/v1/admin/uploads", "part", U, F, F, F, OK, F, F, OUT),
    row("GET", "/api/v1/admin/uploads/*", "/api/v1/admin/uploads/" + "0" * 32, None, U, F, F, F, UNF, F, F, OUT),
    row("DELETE", "/api/v1/admin/uploads/*", "/api/v1/admin/uploads/" + "0" * 32, None, U, F, F, F, UNF, F, F, OUT),
    row("POST", "/api/v1/admin/banks", "/api/v1/admin/banks?format=json&dry_run=1", "bank",
        U, F, F, F, OK, F, F, OUT),
    row("GET", "/api/v1/admin/banks", "/api/v1/admin/banks", None, U, F, F, F, OK, F, F, OUT),
    row("GET", "/api/v1/admin/banks/*/count", "/api/v1/admin/banks/sc-bank/count?type=single", None,
        U, F, F, F, OK, F, F, OUT),
    row("GET", "/api/v1/admin/categories", "/api/v1/admin/categories", None, U, F, F, F, OK, F, F, OUT),
    row("POST", "/api/v1/admin/staff", "/api/v1/admin/staff?format=csv&dry_run=1", "staff",
        U, F, F, F, OK, F, F, OUT),
    row("POST", "/api/v1/admin/slips", "/api/v1/admin/slips", "slips", U, F, F, F, OK, F, F, OUT),
    row("GET", "/api/v1/admin/jobs/*", "/api/v1/admin/jobs/no-such-job", None, U, F, F, F, JNF, F, F, OUT),
    row("POST", "/api/v1/admin/exams", "/api/v1/admin/exams?dry_run=1", "exam", U, F, F, F, OK, F, F, OUT),
    row("GET", "/api/v1/admin/exams", "/api/v1/admin/exams", None, U, F, F, F, OK, OK, OK, OK),
    row("GET", "/api/v1/admin/exams/*/monitor", "/api/v1/admin/exams/{X}/monitor", None,
        U, F, F, F, OK, OK, OK, OK),
    row("GET", "/api/v1/admin/exams/*/people", "/api/v1/admin/exams/{X}/people?org={O}", None,
        U, F, F, F, OK, OK, OUT, OK),
    row("GET", "/api/v1/admin/users", "/api/v1/admin/users?org={O}", None, U, F, F, F, OK, OK, OUT, OK),
    # Notices (通知公告): a post names the target unit ({U}); a delete of a notice outside the
    # scope ({N} "out": one to E) answers as an unknown id ({N} "in") does, so nothing changes.
    row("POST", "/api/v1/admin/notices", "/api/v1/admin/notices", "notice", U, F, F, F, CREATED, CREATED, OUT, CREATED),
    row("GET", "/api/v1/admin/notices", "/api/v1/admin/notices", None, U, F, F, F, OK, OK, OK, OK),
    row("DELETE", "/api/v1/admin/notices/*", "/api/v1/admin/notices/{N}", None, U, F, F, F, N, N, N, N),
    row("POST", "/api/v1/admin/users/*/password", "/api/v1/admin/users/{T}/password", "empty",
        U, F, F, F, OK, OK, N, OK),
    row("POST", "/api/v1/admin/users/*/disable", "/api/v1/admin/users/{T}/disable", None,
        U, F, F, F, OK, OK, N, OK),
    row("POST", "/api/v1/admin/users/*/enable", "/api/v1/admin/users/{T}/enable", None,
        U, F, F, F, OK, OK, N, OK),
    # Per-attempt and per-person actions (h_actions.c): a person outside the principal's scope
    # is "not found"; the bodies are refused after the scope check where they would change
    # something, so only the refusals are exercised here (test_actions.py changes things).
    row("GET", "/api/v1/admin/attempts/*", "/api/v1/admin/attempts/{A}", None, U, F, F, F, OK, OK, N, OK),
    row("POST", "/api/v1/admin/attempts/*/extend", "/api/v1/admin/attempts/{A}/extend", "bad_minutes",
        U, F, F, F, BMIN, BMIN, N, BMIN),
    row("POST", "/api/v1/admin/attempts/*/force-submit", "/api/v1/admin/attempts/{A}/force-submit", "empty",
        U, F, F, F, BREA, BREA, N, BREA),
    row("POST", "/api/v1/admin/attempts/*/void", "/api/v1/admin/attempts/{A}/void", "empty",
        U, F, F, F, BREA, BREA, N, BREA),
    # a login outside the scope answers as a login that does not exist (404 unknown_user)
    row("GET", "/api/v1/admin/exams/*/attempts", "/api/v1/admin/exams/{X}/attempts?login={T}", None,
        U, F, F, F, OK, OK, UU, OK),
    row("DELETE", "/api/v1/admin/exams/*/exemptions/*", "/api/v1/admin/exams/{X}/exemptions/{T}", None,
        U, F, F, F, NEX, NEX, UU, NEX),
    row("POST", "/api/v1/admin/exams/*/exemptions", "/api/v1/admin/exams/{X}/exemptions", "exempt_no_reason",
        U, F, F, F, BREA, BREA, UU, BREA),
    row("POST", "/api/v1/admin/exams/*/retakes", "/api/v1/admin/exams/{X}/retakes", "retake_nobody",
        U, F, F, F, UU, UU, UU, UU),
    row("POST", "/api/v1/admin/exams/*/regrade", "/api/v1/admin/exams/{X}/regrade?dry_run=1", None,
        U, F, F, F, OK, F, F, OUT),
    row("PUT", "/api/v1/admin/banks/*/questions/*/answer", "/api/v1/admin/banks/sc-bank/questions/no-such-q/answer",
        "empty", U, F, F, F, QNF, F, F, OUT),
    row("GET", "/api/v1/reports", "/api/v1/reports", None, U, F, OK, OK, OK, OK, OK, OK),
    row("GET", "/api/v1/reports/*/pass-rates", "/api/v1/reports/{X}/pass-rates?org={O}", None,
        U, F, OK, OUT, OK, OK, OUT, OK),
    # the study report (学法统计) takes org= inside the principal's scope like the pass rates
    row("GET", "/api/v1/reports/study", "/api/v1/reports/study?org={O}", None,
        U, F, OK, OUT, OK, OK, OUT, OK),
    row("GET", "/api/v1/reports/*/results", "/api/v1/reports/{X}/results?org={O}", None,
        U, F, OK, OUT, OK, OK, OUT, OK),
    row("GET", "/api/v1/reports/*/items", "/api/v1/reports/{X}/items", None, U, F, F, F, OK, F, F, OUT),
    row("GET", "/api/v1/reports/*/sheet.pdf", "/api/v1/reports/{X}/sheet.pdf?org={O}", None,
        U, F, OK, OUT, OK, OK, OUT, OK),
    row("GET", "/api/v1/reports/*/certificates.pdf", "/api/v1/reports/{X}/certificates.pdf?org={O}", None,
        U, F, OK, OUT, OK, OK, OUT, OK),
    # The target's passed attempt: a scoped HR officer whose scope lacks the person is told
    # "not found", as another examinee is; unit administrators have no certificate route.
    row("GET", "/api/v1/attempts/*/certificate.pdf", "/api/v1/attempts/{A}/certificate.pdf", None,
        U, N, OK, N, OK, F, F, OK),
    row("GET", "/api/v1/receipts/*", "/api/v1/receipts/{R}", None, U, N, OK, N, OK, F, F, OK),
]

# The target each principal aims at: "in" (S) or "out" (E). hr_scoped's scope is E, so S is
# outside it; ua_out aims at E.
TARGET = {"anon": "in", "examinee": "in", "hr": "in", "hr_scoped": "in", "admin": "in",
          "ua_in": "in", "ua_out": "out", "admin_scoped": "in"}
STAFF_ROLE_WORDS = ("ADMIN", "HR", "REPORTS")


def routes_with_roles():
    """(method, pattern, roles expression) of every entry of routes[] in server/routes.c."""
    with open(os.path.join(L.SOURCE_DIR, "server", "routes.c"), encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"routes\[\]\s*=\s*\{(.*?)\n\};", src, re.S)
    if not m:
        raise AssertionError("cannot find the routes[] table in server/routes.c")
    body = re.sub(r'"(?:\\.|[^"\\])*"|/\*.*?\*/|//[^\n]*',
                  lambda x: x.group(0) if x.group(0).startswith('"') else " ", m.group(1), flags=re.S)
    entries = re.findall(r"\{[^{}]*\}", body)
    rx = re.compile(r'\{\s*(\w+)\s*,\s*"([^"]*)"\s*,\s*\w+\s*,\s*([^,]+?)\s*,\s*([^}]+?)\s*\}')
    out = []
    for e in entries:
        p = rx.match(e)
        if not p:
            raise AssertionError("unparsed route entry in server/routes.c: %r" % e)
        out.append((p.group(1).replace("EVHTTP_REQ_", ""), p.group(2), p.group(3)))
    return out


def staff_routes():
    return [(m, p) for m, p, roles in routes_with_roles() if any(w in roles for w in STAFF_ROLE_WORDS)]


def parse_cell(cell):
    status, _, code = cell.partition(" ")
    return int(status), (code or None)


def roster(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(("工号", "姓名", "单位", "类别", "角色", "密码", "管理范围"))
    for login, name, org, roles, scope in rows:
        w.writerow((login, name, org, "general", roles, PW, scope))
    return out.getvalue()


class ScopeCase(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)
        check(srv.admin("bank", "import", write_file(srv, "bank.json", dumps(bank_doc("sc-bank")))))
        check(srv.admin("exam", "create", write_file(srv, "x.json", dumps(exam_doc(EXAM, "sc-bank")))))
        check(srv.admin("staff", "import", write_file(srv, "staff.csv", roster(STAFF))))
        srv.add_user("sc-admin", roles="admin")
        srv.add_user("sc-hr", roles="hr")
        # s-a1: in progress; s-a2 and e-b1: submitted and marked passed (for certificates).
        cls.att, cls.receipt = {}, {}
        for login in ("s-a1", "s-a2", "e-b1"):
            c = srv.client()
            c.login(login, PW)
            r = c.post("/api/v1/exams/%s/attempts" % EXAM)
            assert r.status == 201, r.body
            cls.att[login] = r.body["id"]
            if login != "s-a1":
                r = c.post("/api/v1/attempts/%d/submit" % r.body["id"])
                assert r.status == 200, r.body
                cls.receipt[login] = r.body["receipt"]
        L.sql(srv, "UPDATE attempts SET score2 = max_score2, passed = 1 WHERE id IN (?, ?)",
              cls.att["s-a2"], cls.att["e-b1"])
        # a notice to E (outside S), for the delete row of the matrix
        L.sql(srv, "INSERT INTO notices(title, body, org, starts_at, ends_at, author, created_at)"
              " VALUES ('教育局通知', '正文', ?, 0, 4102444800, 'sc-admin', 0)", E)
        cls.notice_e = L.sql(srv, "SELECT id FROM notices WHERE org = ?", E)[0][0]

    def login(self, login, password=PW):
        c = self.srv.client()
        c.login(login, password)
        return c


class ScopeMatrixTest(ScopeCase):
    def test_matrix_is_complete(self):
        in_source = staff_routes()
        self.assertGreater(len(in_source), 15, "too few staff routes parsed: is the scan broken?")
        in_table = [(r[0], r[1]) for r in SCOPE_MATRIX]
        self.assertEqual(len(in_table), len(set(in_table)), "a route appears twice in SCOPE_MATRIX")
        self.assertEqual(sorted(set(in_source) - set(in_table)), [],
                         "admin/hr/unit_admin routes in server/routes.c without a row in SCOPE_MATRIX: add one")
        self.assertEqual(sorted(set(in_table) - set(in_source)), [], "SCOPE_MATRIX rows for routes routes.c lacks")

    def params(self, target):
        if target == "in":
            return {"X": EXAM, "T": "s-v", "O": Q(S), "U": S, "R": self.receipt["s-a2"], "A": str(self.att["s-a2"]),
                    "N": "999999999"}
        return {"X": EXAM, "T": "e-v", "O": Q(E), "U": E, "R": self.receipt["e-b1"], "A": str(self.att["e-b1"]),
                "N": str(self.notice_e)}

    def test_matrix(self):
        srv = self.srv
        who = {"anon": None, "examinee": "s-a1", "hr": "sc-hr", "hr_scoped": "sc-hr-e", "admin": "sc-admin",
               "ua_in": "sc-ua", "ua_out": "sc-ua", "admin_scoped": "sc-adm-s"}
        clients = {}
        for p, login in who.items():
            clients[p] = self.login(login) if login else srv.client()
        staff = "工号,姓名,单位,类别\r\nsc-new,新人,%s,general\r\n" % S
        bodies = {"part": b"a first part", "bank": dumps(bank_doc("sc-bank2")), "staff": staff.encode(),
                  "exam": dumps(exam_doc("sc-dry", "sc-bank")), "empty": b"{}",
                  "bad_minutes": b'{"minutes":0,"reason":"x"}',
                  "exempt_no_reason": '{"login":"{T}"}', "retake_nobody": b'{"login":"sc-no-such-user"}',
                  "notice": '{"title":"矩阵通知","body":"正文","org":"{U}","from":"2026-01-01T00:00:00+08:00",'
                            '"until":"2099-01-01T00:00:00+08:00"}',
                  "slips": dumps([{"login": "sc-slip", "name": "新人", "org": S, "password": "Slip-Pw-1234"}])}
        problems, calls = [], 0
        for method, pattern, path_t, body_key, cells in SCOPE_MATRIX:
            for p in PRINCIPALS:
                path = path_t.format(**self.params(TARGET[p]))
                want = parse_cell(cells[p])
                body = bodies[body_key] if body_key else None
                if isinstance(body, str):  # names the target person: {T}
                    body = body.replace("{T}", self.params(TARGET[p])["T"]).replace(
                        "{U}", self.params(TARGET[p])["U"]).encode()
                r = clients[p].request(method, path, body=body)
                calls += 1
                got = (r.status, error_code(r))
                if got[0] != want[0] or (want[1] and got[1] != want[1]):
                    problems.append("%-6s %-55s %-12s want %-22s got %s %r" % (
                        method, path, p, cells[p], got, r.body if isinstance(r.body, dict) else r.body[:60]))
                if method == "POST" and "/password" in path and r.status == 200:
                    # sessions of the target ended: log the target back in is not needed here
                    self.assertIn("password", r.body, "a generated password is shown once")
        print("\n# scope authorization matrix: %d routes x %d principals = %d cells, %d requests"
              % (len(SCOPE_MATRIX), len(PRINCIPALS), len(SCOPE_MATRIX) * len(PRINCIPALS), calls))
        self.assertEqual(problems, [], "scope matrix mismatches:\n" + "\n".join(problems))
        # The person outside the scope was not touched: e-v still logs in with the first password
        # and is enabled; the refusals are in the audit log.
        self.login("e-v")
        rc, out, err = srv.admin("audit")
        refused = [ln for ln in out.splitlines() if "scope_refused" in ln and "sc-ua" in ln]
        self.assertTrue(any("e-v" in ln for ln in refused), out[-2000:])
        self.assertTrue(any("org=" + E in ln for ln in refused), out[-2000:])


class ScopeDataTest(ScopeCase):
    """What a unit administrator and a scoped HR officer read holds only their scope's people."""

    def assert_only(self, logins, allowed, what):
        logins = set(logins)
        self.assertTrue(logins, what + ": no rows at all")
        self.assertLessEqual(logins, allowed, what + ": people outside the scope")

    def test_me_says_the_scope(self):
        self.assertEqual(self.login("sc-ua").get("/api/v1/me").body["user"]["scope"], S)
        self.assertEqual(self.login("sc-hr-e").get("/api/v1/me").body["user"]["scope"], E)
        self.assertIsNone(self.login("sc-admin").get("/api/v1/me").body["user"]["scope"])
        self.assertIn("unit_admin", self.login("sc-ua").get("/api/v1/me").body["user"]["roles"])

    def test_monitor_and_people(self):
        ua = self.login("sc-ua")
        mon = ua.get("/api/v1/admin/exams/%s/monitor?units=1" % EXAM).body
        self.assertEqual(mon["scope"], S)
        self.assertEqual(mon["assigned"], len(ASSIGNED_IN_S))
        self.assertEqual((mon["in_progress"], mon["submitted"], mon["not_started"]), (1, 1, 1))
        self.assertEqual(sorted(u["org"] for u in mon["units"]), sorted([S, S2]))
        self.assertEqual(sum(u["assigned"] for u in mon["units"]), mon["assigned"])
        plain = ua.get("/api/v1/admin/exams/%s/monitor" % EXAM).body
        self.assertEqual((plain["assigned"], plain["scope"]), (mon["assigned"], S))
        self.assertNotIn("units", plain)
        adm = self.login("sc-admin")
        full = adm.get("/api/v1/admin/exams/%s/monitor?units=1" % EXAM).body
        self.assertEqual(full["assigned"], len(ASSIGNED_IN_S | ASSIGNED_IN_E) + 1)  # + t-c1
        self.assertIn(TRAP, [u["org"] for u in full["units"]])
        counts = ("assigned", "not_started", "in_progress", "submitted")
        fast = adm.get("/api/v1/admin/exams/%s/monitor" % EXAM).body  # the unscoped one-row count
        self.assertEqual([fast[k] for k in counts], [full[k] for k in counts])
        self.assertIsNone(fast["scope"])
        self.assertStatus(adm.get("/api/v1/admin/exams/%s/monitor?units=yes" % EXAM), 400, "bad_request")

        rows = ua.get("/api/v1/admin/exams/%s/people" % EXAM).body["rows"]
        self.assert_only([r["login"] for r in rows], ASSIGNED_IN_S, "people")
        self.assertEqual({r["login"] for r in rows}, ASSIGNED_IN_S)
        a1 = [r for r in rows if r["login"] == "s-a1"][0]
        self.assertEqual(a1["status"], "in_progress")
        self.assertEqual(a1["attempt_id"], self.att["s-a1"])
        self.assertTrue(0 < a1["remaining_seconds"] <= 3600)
        self.assertIsNotNone(a1["last_seen"])
        self.assertEqual(set(a1), {"login", "name", "org", "category", "status", "attempt_id", "started_at",
                                   "deadline", "remaining_seconds", "score", "passed", "last_seen"})
        a2 = [r for r in rows if r["login"] == "s-a2"][0]
        self.assertEqual((a2["status"], a2["passed"], a2["remaining_seconds"]), ("submitted", True, None))
        sub = ua.get("/api/v1/admin/exams/%s/people?org=%s&status=submitted" % (EXAM, Q(S2))).body["rows"]
        self.assertEqual([r["login"] for r in sub], ["s-a2"])
        # drill-down into a sub-unit given with a trailing slash; status filter validation
        self.assertStatus(ua.get("/api/v1/admin/exams/%s/people?org=%s/" % (EXAM, Q(S2))), 200)
        r = ua.get("/api/v1/admin/exams/%s/people?status=bogus" % EXAM)
        self.assertStatus(r, 400, "bad_request")
        self.assertRegex(r.body["error"]["message"], r"[\u4e00-\u9fff]")
        self.assertStatus(ua.get("/api/v1/admin/exams/%s/people?org=%s" % (EXAM, Q(TRAP))), 403, "out_of_scope")
        self.assertStatus(ua.get("/api/v1/admin/exams/%s/people?org=%s" % (EXAM, Q("珠晖区"))), 403, "out_of_scope")
        self.assertStatus(ua.get("/api/v1/admin/exams/%s/people?org=%%01" % EXAM), 400, "bad_request")
        self.assertStatus(ua.get("/api/v1/admin/exams/no-such/people"), 404, "not_found")

    def test_reports_hold_only_the_scope(self):
        for login, allowed, scope in (("sc-ua", ASSIGNED_IN_S, S), ("sc-hr-e", ASSIGNED_IN_E, E)):
            c = self.login(login)
            res = c.get("/api/v1/reports/%s/results" % EXAM).body
            self.assert_only([r["login"] for r in res["rows"]], allowed, login + " results JSON")
            self.assertEqual({r["login"] for r in res["rows"]}, allowed)
            self.assertEqual(res["scope"], scope)
            pr = c.get("/api/v1/reports/%s/pass-rates?by=org" % EXAM).body
            self.assertEqual(pr["total"]["assigned"], len(allowed), login + ": the total is over the scope")
            self.assertTrue(all(r["group"] == scope or r["group"].startswith(scope + "/") for r in pr["rows"]))
            r = c.get("/api/v1/reports/%s/results?format=csv" % EXAM)
            self.assertStatus(r, 200)
            text = r.body.decode("utf-8-sig") if isinstance(r.body, bytes) else r.body
            rows = list(csv.reader(io.StringIO(text)))
            self.assertEqual({x[0] for x in rows[1:]}, allowed, login + " results CSV")
            if openpyxl is not None:
                r = c.get("/api/v1/reports/%s/results?format=xlsx" % EXAM)
                self.assertStatus(r, 200)
                ws = openpyxl.load_workbook(io.BytesIO(r.body)).active
                cells = [[c.value for c in rr] for rr in ws.iter_rows()]
                self.assertIn("管理范围：" + scope, " ".join(str(v) for v in cells[1] if v))
                body = cells[5:]  # 4 title rows, the header
                self.assertEqual({x[0] for x in body if x[0]}, allowed, login + " results XLSX")
            elif L.under_ci():
                self.fail("openpyxl missing under CI")
        full = self.login("sc-hr").get("/api/v1/reports/%s/results" % EXAM).body
        self.assertNotIn("scope", full)
        self.assertIn("t-c1", [r["login"] for r in full["rows"]])

    def test_staff_list(self):
        ua = self.login("sc-ua")
        b = ua.get("/api/v1/admin/users").body
        self.assertEqual(b["scope"], S)
        self.assertEqual({r["login"] for r in b["rows"]}, IN_S)
        b = ua.get("/api/v1/admin/users?q=%s" % Q("乙")).body
        self.assertEqual([r["login"] for r in b["rows"]], ["s-a2"], "教育乙 is outside the scope")
        b = ua.get("/api/v1/admin/users?q=s-a").body
        self.assertEqual({r["login"] for r in b["rows"]}, {"s-a1", "s-a2"})
        self.assertEqual(ua.get("/api/v1/admin/users?q=%25").body["rows"], [], "% is a character, not a wildcard")
        self.assertStatus(ua.get("/api/v1/admin/users?q=" + "x" * 65), 400, "bad_request")
        allb = self.login("sc-admin").get("/api/v1/admin/users?org=%s" % Q(E)).body
        self.assertEqual({r["login"] for r in allb["rows"]}, {"e-b1", "e-v", "sc-hr-e"})


class ScopeActionTest(ScopeCase):
    def test_password_reset(self):
        victim = self.login("s-a1")
        ua = self.login("sc-ua")
        r = ua.post("/api/v1/admin/users/s-a1/password", json={})
        self.assertStatus(r, 200)
        new = r.body["password"]
        self.assertTrue(r.body["must_change_password"])
        self.assertStatus(victim.get("/api/v1/me"), 401, "unauthenticated")  # their sessions ended
        c = self.srv.client()
        self.assertTrue(c.login("s-a1", new).body["user"]["must_change_password"])
        self.srv.client().login("s-a1", PW, expect=401)
        # a chosen password: checked against the policy, not echoed
        r = ua.post("/api/v1/admin/users/s-a1/password", json={"password": "short"})
        self.assertStatus(r, 422, "weak_password")
        self.assertRegex(r.body["error"]["message"], r"[\u4e00-\u9fff]")
        self.srv.client().login("s-a1", new)  # nothing changed
        self.assertStatus(ua.post("/api/v1/admin/users/s-a1/password", json={"password": 5}), 400, "bad_request")
        r = ua.post("/api/v1/admin/users/s-a1/password", json={"password": "Another-Pw-2026"})
        self.assertStatus(r, 200)
        self.assertNotIn("password", r.body)
        self.srv.client().login("s-a1", "Another-Pw-2026")
        # not an examinee (an HR officer of the unit), oneself, outside, a prefix trap, unknown
        for login in ("s-hr-in", "sc-admin"):
            self.assertStatus(ua.post("/api/v1/admin/users/%s/password" % login, json={}), 403, "forbidden")
        self.assertStatus(ua.post("/api/v1/admin/users/sc-ua/password", json={}), 422)
        for login in ("e-v", "t-c1", "nobody-at-all"):
            r = ua.post("/api/v1/admin/users/%s/password" % login, json={})
            self.assertStatus(r, 404, "not_found")
            self.assertEqual(r.body["error"]["message"], "没有这个用户", "outside looks exactly like unknown")
        self.login("e-v")
        self.login("t-c1")
        rc, out, _ = self.srv.admin("audit")
        self.assertIn("user_password_reset", out)
        self.assertTrue(re.search(r"sc-ua.*user_password_reset.*s-a1", out), out[-1500:])

    def test_disable_enable(self):
        ua = self.login("sc-ua")
        victim = self.login("s-a2")
        self.assertStatus(ua.post("/api/v1/admin/users/s-a2/disable"), 200)
        self.assertStatus(victim.get("/api/v1/me"), 401)
        self.srv.client().login("s-a2", PW, expect=401)
        row = [r for r in ua.get("/api/v1/admin/users?q=s-a2").body["rows"]][0]
        self.assertTrue(row["disabled"])
        self.assertStatus(ua.post("/api/v1/admin/users/s-a2/enable"), 200)
        self.login("s-a2")
        self.assertStatus(ua.post("/api/v1/admin/users/e-b1/disable"), 404, "not_found")
        self.login("e-b1")


class ScopeUnitDayTest(ScopeCase):
    """What a unit administrator's day needs from the server (issue 15): the scoped monitor
    counts the exempt (免考) apart as the exam's own monitor does, the people list comes in
    pages with a total, and the exam list holds only exams that concern the scope."""

    OTHER = "sc-e-only"  # an exam for 区教育局 (E) only: none of S is assigned

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.srv
        check(srv.admin("exam", "create", write_file(srv, "e-only.json", dumps(
            exam_doc(cls.OTHER, "sc-bank", org_scope=[E], title="教育局专场")))))

    def test_scoped_monitor_counts_the_exempt(self):
        ua = self.login("sc-ua")
        before = ua.get("/api/v1/admin/exams/%s/monitor?units=1" % EXAM).body
        r = ua.post("/api/v1/admin/exams/%s/exemptions" % EXAM, json={"login": "s-v", "reason": "长期病假"})
        self.assertStatus(r, 200)
        try:
            for q in ("?units=1", ""):
                mon = ua.get("/api/v1/admin/exams/%s/monitor%s" % (EXAM, q)).body
                self.assertEqual(mon["scope"], S)
                self.assertEqual(mon.get("exempt"), 1, "the scoped monitor%s counts the exempt: %r" % (q, mon))
                self.assertEqual(mon["assigned"], before["assigned"] - 1, "the exempt are not assigned")
                self.assertEqual(mon["not_started"], before["not_started"] - 1)
            units = {u["org"]: u for u in mon_units(ua)}
            self.assertEqual(units[S].get("exempt"), 1, units)
            self.assertEqual(units[S2].get("exempt"), 0, units)
            self.assertEqual(sum(u["assigned"] for u in units.values()), before["assigned"] - 1)
            # the unscoped administrator's per-unit monitor agrees with its one-row count
            adm = self.login("sc-admin")
            full = adm.get("/api/v1/admin/exams/%s/monitor?units=1" % EXAM).body
            fast = adm.get("/api/v1/admin/exams/%s/monitor" % EXAM).body
            for k in ("assigned", "not_started", "in_progress", "submitted", "exempt"):
                self.assertEqual(full.get(k), fast[k], k)
            self.assertEqual(sum(u["exempt"] for u in full["units"]), 1)
            # the pass rates over the scope count them the same way
            pr = ua.get("/api/v1/reports/%s/pass-rates?by=org" % EXAM).body["total"]
            self.assertEqual((pr["assigned"], pr["exempt"]), (mon["assigned"], 1))
        finally:
            self.assertStatus(ua.delete("/api/v1/admin/exams/%s/exemptions/s-v" % EXAM), 200)
        mon = ua.get("/api/v1/admin/exams/%s/monitor" % EXAM).body
        self.assertEqual((mon["assigned"], mon["exempt"]), (before["assigned"], 0))

    def test_people_come_in_pages(self):
        ua = self.login("sc-ua")
        url = "/api/v1/admin/exams/%s/people" % EXAM
        whole = ua.get(url).body
        order = [r["login"] for r in whole["rows"]]
        self.assertEqual(order, ["s-a1", "s-v", "s-a2"], "unit path, then login")
        self.assertEqual((whole.get("total"), whole.get("offset"), whole.get("limit")), (3, 0, 200),
                         "the default page: 200 rows from the first, and the total")
        pages = []
        for offset in (0, 2, 4):
            b = ua.get(url + "?limit=2&offset=%d" % offset).body
            self.assertEqual((b.get("total"), b.get("limit"), b.get("offset")), (3, 2, offset), b)
            pages.append([r["login"] for r in b["rows"]])
        self.assertEqual(pages, [["s-a1", "s-v"], ["s-a2"], []])
        # the filters apply before the page: the total counts the matching people only
        b = ua.get(url + "?status=not_started&limit=1").body
        self.assertEqual(([r["login"] for r in b["rows"]], b.get("total")), (["s-v"], 1))
        b = ua.get(url + "?org=%s&limit=1&offset=1" % Q(S2)).body
        self.assertEqual(([r["login"] for r in b["rows"]], b.get("total")), ([], 1))
        self.assertEqual(len(ua.get(url + "?limit=1000").body["rows"]), 3)
        for bad in ("limit=0", "limit=1001", "limit=abc", "limit=", "offset=-1", "offset=1.5", "limit=%2B5",
                    "offset=99999999999999"):
            r = ua.get(url + "?" + bad)
            self.assertStatus(r, 400, "bad_request")
            self.assertRegex(r.body["error"]["message"], r"[\u4e00-\u9fff]", bad)

    def test_exam_list_holds_the_scope_exams(self):
        def codes(login, path="/api/v1/admin/exams"):
            return [x["code"] for x in self.login(login).get(path).body["exams"]]
        self.assertIn(EXAM, codes("sc-ua"))
        self.assertNotIn(self.OTHER, codes("sc-ua"), "an exam for another unit only is not the unit's")
        self.assertNotIn(self.OTHER, codes("sc-ua", "/api/v1/reports"))
        self.assertNotIn(self.OTHER, codes("sc-adm-s"), "a scoped administrator: the same")
        self.assertEqual(sorted(codes("sc-admin")), sorted([EXAM, self.OTHER]), "unscoped: every exam")
        self.assertEqual(sorted(codes("sc-hr", "/api/v1/reports")), sorted([EXAM, self.OTHER]))
        self.assertEqual(sorted(codes("sc-hr-e", "/api/v1/reports")), sorted([EXAM, self.OTHER]),
                         "both concern 区教育局")
        # someone of the scope with an attempt keeps an exam listed after leaving its population
        # (an exempt person stays assigned for this purpose: they are still the unit's business)
        srv = self.srv
        L.sql(srv, "INSERT INTO exam_scope(exam_id, org_path) SELECT id, ? FROM exams WHERE code = ?", S2, self.OTHER)
        try:
            self.assertIn(self.OTHER, codes("sc-ua"), "assigns s-a2 (S/普法股) now")
            c = self.login("s-a2")
            self.assertStatus(c.post("/api/v1/exams/%s/attempts" % self.OTHER), 201)
        finally:
            L.sql(srv, "DELETE FROM exam_scope WHERE org_path = ? AND exam_id = (SELECT id FROM exams WHERE code = ?)",
                  S2, self.OTHER)
        self.assertIn(self.OTHER, codes("sc-ua"), "s-a2's attempt keeps it in the unit's list")


def mon_units(c):
    return c.get("/api/v1/admin/exams/%s/monitor?units=1" % EXAM).body["units"]


class ScopeCliTest(L.TestCase):
    def test_user_add_scope_and_roster(self):
        srv = self.server(*FAST, start=False)
        check(srv.admin("user", "add", "u1", "--name", "甲", "--org", S, "--category", "general",
                        "--roles", "unit_admin", "--password-stdin", input=PW + "\n"))
        check(srv.admin("user", "add", "u2", "--name", "乙", "--org", S, "--category", "general",
                        "--roles", "单位管理员", "--scope", "珠晖区 / 区教育局", "--password-stdin", input=PW + "\n"))
        got = dict(L.sql(srv, "SELECT login, scope FROM users WHERE login IN ('u1', 'u2')"))
        self.assertEqual(got, {"u1": S, "u2": E})
        out = check(srv.admin("user", "scope", "u1", S2))
        self.assertIn(S2, out)
        out = check(srv.admin("user", "scope", "u1", "-"))
        self.assertIn(S, out, "back to the default: the own unit")
        rc, _, err = srv.admin("user", "scope", "u1", "a//b")
        self.assertEqual(rc, 1, err)
        rc, _, err = srv.admin("user", "scope", "nobody", S)
        self.assertEqual(rc, 1, err)
        self.assertEqual(srv.admin("user", "scope", "u1")[0], 2)
        rc, _, err = srv.admin("user", "add", "u3", "--name", "丙", "--org", S, "--category", "general",
                               "--roles", "unit_admin", "--scope", "/bad")
        self.assertEqual(rc, 1, err)
        # roster: 管理范围 column, a bad one is located
        bad = roster([("r1", "丁", S, "unit_admin", "a//b")])
        rc, out, err = srv.admin("staff", "import", write_file(srv, "bad.csv", bad))
        self.assertEqual(rc, 1)
        self.assertIn("ROW 2", out + err)
        self.assertIn("管理范围", out + err)
        check(srv.admin("staff", "import", write_file(srv, "ok.csv", roster(
            [("r1", "丁", S, "unit_admin", ""), ("r2", "戊", S, "unit_admin", E), ("r3", "己", S, "hr", E)]))))
        got = dict(L.sql(srv, "SELECT login, scope FROM users WHERE login LIKE 'r%'"))
        self.assertEqual(got, {"r1": S, "r2": E, "r3": E})
        # re-import without a scope keeps the stored one
        check(srv.admin("staff", "import", write_file(srv, "ok2.csv", roster([("r2", "戊", S, "unit_admin", "")]))))
        self.assertEqual(L.sql(srv, "SELECT scope FROM users WHERE login = 'r2'")[0][0], E)


if __name__ == "__main__":
    unittest.main()
