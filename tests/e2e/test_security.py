"""End-to-end security tests of lawexamd (SPEC §6, §10; docs/security.md says which claim each
one shows). What test_foundation.py already covers (cookie attributes, CSRF on logout and
password change, logout, the session that changes its password staying logged in, disabled
users, forced password change, throttling within a window, security headers, TLS versions,
no plain HTTP) is not repeated here; this file extends it:

- AuthorizationMatrixTest: ONE table that calls every route of server/routes.c (and a static
  page) as anonymous, the owner of an attempt, another (unassigned) examinee, an examinee who
  must still change the first password, an administrator, an HR officer, and the API tokens
  of an administrator and of an HR officer; the table must list exactly the routes routes.c
  has. Every non-GET request a session reaches is replayed without X-CSRF-Token (403 csrf).
- SessionTest: sessions stored as SHA-256 only, expires_at = last_seen + idle, configurable
  with --session-idle-minutes (default 720), refreshed on use, expired ones refused;
  revocation on password change through a token and through `user passwd`.
- PasswordPolicyTest: every rule of the policy on change (422 weak_password), counted in
  characters, and a 128-character password can log in.
- LoginCsrfTest: /login takes JSON only (415 otherwise), and a state-changing request with a
  cross-site Origin or Sec-Fetch-Site is refused (403 csrf), login included; same-origin and
  header-less (API token) requests work.
- ThrottleRestartTest: account and address locks survive a restart (even kill -9); wrong
  old passwords on /me/password count as failed logins.
- LoginTimingTest: argon2id parameters as stored, their measured cost, and no timing
  difference between unknown logins and wrong passwords (plus a known weakness, marked).
- SqlSourceTest: SQL only in common/store*.c, constant text, never built with a format.
- AuditTest: every admin and HR action is in `lawexam-admin audit` with who, when and from
  where; `--since` filters; examinees cannot write to it.
"""

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import socket
import statistics
import time
import unittest
from datetime import datetime, timedelta, timezone

import lawexam_e2e as L
from lawexam_e2e import error_code

PW = L.DEFAULT_PASSWORD
FAST = ("--argon2-m", "1024", "--argon2-t", "1")  # hashes the server makes; CLI users keep the defaults
TZ8 = timezone(timedelta(hours=8))
CLI_DEFAULT_HASH = "$argon2id$v=19$m=19456,t=2,p=1$"


# --- documents of our own ---------------------------------------------------------------

def iso(t):
    return datetime.fromtimestamp(int(t), TZ8).isoformat()


def bank_doc(code, n_single=6, n_judge=4):
    qs = []
    for i in range(1, n_single + 1):
        qs.append({"id": "S%02d" % i, "type": "single", "stem": "〈%s〉单选第%d题：哪一项正确？" % (code, i),
                   "options": ["%s-%d 选项%s" % (code, i, k) for k in "甲乙丙丁"], "answer": "ABCD"[i % 4],
                   "explanation": "解析%d" % i, "basis": "《测试法》第%d条" % i})
    for i in range(1, n_judge + 1):
        qs.append({"id": "J%02d" % i, "type": "judge", "stem": "〈%s〉判断第%d题：这样说对吗？" % (code, i),
                   "answer": "TF"[i % 2], "explanation": "解析J%d" % i, "basis": "《测试法》第%d条" % (50 + i)})
    return {"format": "lawexam-bank/1", "bank": {"code": code, "title": "安全测试题库 " + code, "subject": "测试"},
            "questions": qs}


def exam_doc(code, bank, categories=("general",), **kw):
    now = time.time()
    d = {"format": "lawexam-exam/1", "code": code, "title": "安全测试 " + code,
         "opens_at": iso(now - 3600), "closes_at": iso(now + 86400), "duration_minutes": 60,
         "pass_percent": 60, "max_attempts": 1, "multiple_scoring": "all_or_nothing",
         "results": "immediate", "review": "immediate", "org_scope": ["珠晖区"],
         "papers": [{"categories": list(categories), "sections": [
             {"title": "单选", "bank": bank, "type": "single", "count": 2, "points": 2},
             {"title": "判断", "bank": bank, "type": "judge", "count": 2, "points": 1}]}]}
    d.update(kw)
    return d


def roster_csv(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(("工号", "姓名", "单位", "类别", "角色", "密码"))
    for r in rows:
        w.writerow(r)
    return out.getvalue()


def dumps(doc):
    return json.dumps(doc, ensure_ascii=False).encode()


def write_file(srv, name, data):
    path = os.path.join(srv.dir, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def sha256(s):
    return hashlib.sha256(s.encode()).digest()


def db_connect(srv):
    """A second connection to the server's database (SQLite in WAL mode or PostgreSQL: it
    may write beside the server), closed at the end of the with block; autocommit."""
    return contextlib.closing(L.connect(srv, autocommit=True))


def check(res):
    rc, out, err = res
    if rc != 0:
        raise AssertionError("lawexam-admin failed (%d): %s%s" % (rc, out, err))
    return out


# --- the route table as the source has it -------------------------------------------------

ROUTE_RE = re.compile(r'\{\s*(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|EVHTTP_REQ_\w+)\s*,\s*"([^"]*)"\s*,\s*(\w+)')


def routes_in_source():
    """(method, pattern) of every entry of routes[] in server/routes.c. Fails loudly when an
    entry cannot be parsed, so that a new route cannot slip past the matrix."""
    with open(os.path.join(L.SOURCE_DIR, "server", "routes.c"), encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"routes\[\]\s*=\s*\{(.*?)\n\};", src, re.S)
    if not m:
        raise AssertionError("cannot find the routes[] table in server/routes.c")
    # Drop comments but not "/*" inside strings (patterns such as "/api/v1/exams/*/attempts").
    body = re.sub(r'"(?:\\.|[^"\\])*"|/\*.*?\*/|//[^\n]*',
                  lambda x: x.group(0) if x.group(0).startswith('"') else " ", m.group(1), flags=re.S)
    entries = [e for e in re.findall(r"\{[^{}]*\}", body)]
    parsed = [ROUTE_RE.match(e) for e in entries]
    bad = [e for e, p in zip(entries, parsed) if not p]
    if bad or not entries:
        raise AssertionError("unparsed route entries in server/routes.c: %r" % bad)
    return [(p.group(1).replace("EVHTTP_REQ_", ""), p.group(2)) for p in parsed]


# --- the matrix ----------------------------------------------------------------------------

COLS = ("anon", "owner", "other", "fresh", "admin", "hr", "admin_tok", "hr_tok")
SESSION_COLS = ("owner", "other", "fresh", "admin", "hr")

OK, CREATED = "200", "201"
U = "401 unauthenticated"
F = "403 forbidden"
P = "403 password_change_required"
NA = "403 not_assigned"
N = "404 not_found"
BR = "400 bad_request"
W = "422 weak_password"
CSRF = "403 csrf"
UNF = "404 upload_not_found"
JNF = "404 job_not_found"
NP = "409 not_passed"
NH = "404"   # an HTML page, no JSON error code
EIP = "409 exam_in_progress"  # practice while a real exam attempt is in progress (the owner's A)
LNF = "404 law_not_found"
BMIN = "422 bad_minutes"
BREA = "422 bad_reason"
UU = "404 unknown_user"
NEX = "404 not_exempt"

# owner: an examinee with attempt A (exam X, in progress) and attempt B (exam Y, submitted).
# other: an examinee in scope whose category has no paper (not assigned to X or Y).
# fresh: an examinee who has not changed the first password yet.
# admin, hr: staff with only that role; admin_tok, hr_tok: their API tokens.
# Staff without the examinee role reach the start route (open to any user) and are told
# not_assigned by the exam logic (SPEC §4.4).
# Bodies: login = a spare user's right password; weak = a password change breaking the
# policy (changes nothing); bank/staff/exam = valid uploads with dry_run=1 (change nothing).
# Rows in FRESH_SESSION_ROWS use a new session for each session column (logout ends it).
MATRIX = [
    # method, pattern (routes.c),  path,                                   body    | anon owner other fresh admin hr  admin_tok hr_tok
    ("GET", "/healthz", "/healthz", None,                                            OK, OK, OK, OK, OK, OK, OK, OK),
    ("POST", "/api/v1/login", "/api/v1/login", "login",                              OK, OK, OK, OK, OK, OK, OK, OK),
    ("POST", "/api/v1/logout", "/api/v1/logout", None,                               U, OK, OK, OK, OK, OK, BR, BR),
    ("GET", "/api/v1/me", "/api/v1/me", None,                                        U, OK, OK, OK, OK, OK, OK, OK),
    ("POST", "/api/v1/me/password", "/api/v1/me/password", "weak",                   U, W, W, W, W, W, W, W),
    ("GET", "/api/v1/exams", "/api/v1/exams", None,                                  U, OK, OK, P, F, F, F, F),
    ("POST", "/api/v1/exams/*/attempts", "/api/v1/exams/{X}/attempts", None,         U, OK, NA, P, NA, NA, NA, NA),
    ("GET", "/api/v1/attempts/*", "/api/v1/attempts/{A}", None,                      U, OK, N, P, F, F, F, F),
    ("PUT", "/api/v1/attempts/*/answers", "/api/v1/attempts/{A}/answers", "save",    U, OK, N, P, F, F, F, F),
    ("POST", "/api/v1/attempts/*/submit", "/api/v1/attempts/{B}/submit", None,       U, OK, N, P, F, F, F, F),
    ("GET", "/api/v1/attempts/*/review", "/api/v1/attempts/{B}/review", None,        U, OK, N, P, F, F, F, F),
    ("POST", "/api/v1/admin/uploads", "/api/v1/admin/uploads", "part",                U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/admin/uploads/*", "/api/v1/admin/uploads/{UP}", None,           U, F, F, F, UNF, F, UNF, F),
    ("DELETE", "/api/v1/admin/uploads/*", "/api/v1/admin/uploads/{UP}", None,        U, F, F, F, UNF, F, UNF, F),
    # Login slips of posted {login,name,org,password} rows: a PDF back, nothing stored.
    ("POST", "/api/v1/admin/slips", "/api/v1/admin/slips", "slips",                   U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/admin/jobs/*", "/api/v1/admin/jobs/no-such-job", None,           U, F, F, F, JNF, F, JNF, F),
    ("POST", "/api/v1/admin/banks", "/api/v1/admin/banks?format=json&dry_run=1", "bank",
                                                                                     U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/admin/banks", "/api/v1/admin/banks", None,                      U, F, F, F, OK, F, OK, F),
    # The exam-creation form: a section's live count and the staff categories.
    ("GET", "/api/v1/admin/banks/*/count", "/api/v1/admin/banks/mx-bank/count?type=single", None,
                                                                                     U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/admin/categories", "/api/v1/admin/categories", None,            U, F, F, F, OK, F, OK, F),
    ("POST", "/api/v1/admin/staff", "/api/v1/admin/staff?format=csv&dry_run=1", "staff",
                                                                                     U, F, F, F, OK, F, OK, F),
    ("POST", "/api/v1/admin/exams", "/api/v1/admin/exams?dry_run=1", "exam",         U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/admin/exams", "/api/v1/admin/exams", None,                      U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/admin/exams/*/monitor", "/api/v1/admin/exams/{X}/monitor", None,
                                                                                     U, F, F, F, OK, F, OK, F),
    # Actions on attempts and people (SPEC §12): each body is refused after the role check,
    # so nothing changes (attempt A stays in progress; test_actions.py changes things).
    ("GET", "/api/v1/admin/attempts/*", "/api/v1/admin/attempts/{B}", None,          U, F, F, F, OK, F, OK, F),
    ("POST", "/api/v1/admin/attempts/*/extend", "/api/v1/admin/attempts/{A}/extend", "bad_minutes",
                                                                                     U, F, F, F, BMIN, F, BMIN, F),
    ("POST", "/api/v1/admin/attempts/*/force-submit", "/api/v1/admin/attempts/{A}/force-submit", "no_reason",
                                                                                     U, F, F, F, BREA, F, BREA, F),
    ("POST", "/api/v1/admin/attempts/*/void", "/api/v1/admin/attempts/{A}/void", "no_reason",
                                                                                     U, F, F, F, BREA, F, BREA, F),
    ("GET", "/api/v1/admin/exams/*/attempts", "/api/v1/admin/exams/{X}/attempts?login=mx-owner", None,
                                                                                     U, F, F, F, OK, F, OK, F),
    ("POST", "/api/v1/admin/exams/*/retakes", "/api/v1/admin/exams/{X}/retakes", "nobody",
                                                                                     U, F, F, F, UU, F, UU, F),
    ("POST", "/api/v1/admin/exams/*/exemptions", "/api/v1/admin/exams/{X}/exemptions", "exempt_no_reason",
                                                                                     U, F, F, F, BREA, F, BREA, F),
    ("DELETE", "/api/v1/admin/exams/*/exemptions/*", "/api/v1/admin/exams/{X}/exemptions/mx-spare", None,
                                                                                     U, F, F, F, NEX, F, NEX, F),
    ("POST", "/api/v1/admin/exams/*/regrade", "/api/v1/admin/exams/{X}/regrade?dry_run=1", None,
                                                                                     U, F, F, F, OK, F, OK, F),
    ("PUT", "/api/v1/admin/banks/*/questions/*/answer", "/api/v1/admin/banks/mx-bank/questions/no-such-q/answer",
     "answer",                                                                       U, F, F, F, N, F, N, F),
    # Unit administration (SPEC §12; the scopes are test_scopes.py's): a login nobody has is 404.
    ("GET", "/api/v1/admin/exams/*/people", "/api/v1/admin/exams/{X}/people", None,  U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/admin/users", "/api/v1/admin/users?q=mx", None,                  U, F, F, F, OK, F, OK, F),
    ("POST", "/api/v1/admin/users/*/password", "/api/v1/admin/users/mx-nobody/password", None,
                                                                                     U, F, F, F, N, F, N, F),
    ("POST", "/api/v1/admin/users/*/disable", "/api/v1/admin/users/mx-nobody/disable", None,
                                                                                     U, F, F, F, N, F, N, F),
    ("POST", "/api/v1/admin/users/*/enable", "/api/v1/admin/users/mx-nobody/enable", None,
                                                                                     U, F, F, F, N, F, N, F),
    # Notices (通知公告): examinees read theirs; staff administration posts, lists, deletes.
    ("POST", "/api/v1/admin/notices", "/api/v1/admin/notices", "notice",             U, F, F, F, CREATED, F, CREATED, F),
    ("GET", "/api/v1/admin/notices", "/api/v1/admin/notices", None,                  U, F, F, F, OK, F, OK, F),
    ("DELETE", "/api/v1/admin/notices/*", "/api/v1/admin/notices/999999", None,      U, F, F, F, N, F, N, F),
    ("GET", "/api/v1/notices", "/api/v1/notices", None,                              U, OK, OK, P, F, F, F, F),
    ("GET", "/api/v1/reports", "/api/v1/reports", None,                              U, F, F, F, OK, OK, OK, OK),
    ("GET", "/api/v1/reports/*/pass-rates", "/api/v1/reports/{X}/pass-rates?by=org&format=csv", None,
                                                                                     U, F, F, F, OK, OK, OK, OK),
    ("GET", "/api/v1/reports/*/results", "/api/v1/reports/{X}/results", None,        U, F, F, F, OK, OK, OK, OK),
    ("GET", "/api/v1/reports/*/items", "/api/v1/reports/{X}/items", None,            U, F, F, F, OK, F, OK, F),
    ("GET", "/api/v1/reports/*/sheet.pdf", "/api/v1/reports/{X}/sheet.pdf", None,    U, F, F, F, OK, OK, OK, OK),
    ("GET", "/api/v1/reports/*/certificates.pdf", "/api/v1/reports/{X}/certificates.pdf", None,
                                                                                     U, F, F, F, OK, OK, OK, OK),
    # B was submitted empty: no certificate for anyone (409), another examinee's is 404.
    ("GET", "/api/v1/attempts/*/certificate.pdf", "/api/v1/attempts/{B}/certificate.pdf", None,
                                                                                     U, NP, N, P, NP, NP, NP, NP),
    # B's answer receipt (回执): the owner, admin and hr; another examinee is told not found.
    ("GET", "/api/v1/receipts/*", "/api/v1/receipts/{RB}", None,                     U, OK, N, P, OK, OK, OK, OK),
    # Study (SPEC §13): practice is the examinee's; the owner has attempt A in progress, so a new
    # practice set is refused (409); PS is a set of "other" (sequential: position 1 is S01, single).
    ("GET", "/api/v1/practice/banks", "/api/v1/practice/banks", None,                U, OK, OK, P, F, F, F, F),
    ("POST", "/api/v1/practice", "/api/v1/practice", "practice",                     U, EIP, CREATED, P, F, F, F, F),
    ("GET", "/api/v1/practice/*", "/api/v1/practice/{PS}", None,                     U, N, OK, P, F, F, F, F),
    ("PUT", "/api/v1/practice/*/answers/*", "/api/v1/practice/{PS}/answers/1", "panswer",
                                                                                     U, N, OK, P, F, F, F, F),
    ("GET", "/api/v1/me/mistakes", "/api/v1/me/mistakes", None,                      U, OK, OK, P, F, F, F, F),
    ("GET", "/api/v1/me/study", "/api/v1/me/study", None,                           U, OK, OK, P, F, F, F, F),
    # Reading pings come from the law pages, which every signed-in user may read.
    ("POST", "/api/v1/me/reading", "/api/v1/me/reading", "reading",                  U, OK, OK, P, OK, OK, OK, OK),
    ("GET", "/api/v1/reports/study", "/api/v1/reports/study", None,                  U, F, F, F, OK, OK, OK, OK),
    # The law library: any signed-in user (no law is imported here: an unknown one is 404).
    ("GET", "/api/v1/laws", "/api/v1/laws", None,                                    U, OK, OK, P, OK, OK, OK, OK),
    ("GET", "/api/v1/laws/*", "/api/v1/laws/mx-none?q=x", None,                     U, LNF, LNF, P, LNF, LNF, LNF, LNF),
    ("GET", "/api/v1/laws/*/articles/*", "/api/v1/laws/mx-none/articles/1", None,   U, LNF, LNF, P, LNF, LNF, LNF, LNF),
    # The public verify page: an unknown number is a 404 HTML page for everyone.
    ("GET", "/verify/*", "/verify/AAAAAAAAAAAAAAAA", None,                           NH, NH, NH, NH, NH, NH, NH, NH),
    # Operations: every request here comes from 127.0.0.1, which may read it without
    # credentials; with --metrics-token-only only an admin's token may (test_metrics.py).
    ("GET", "/metrics", "/metrics", None,                                            OK, OK, OK, OK, OK, OK, OK, OK),
    ("GET", None, "/", None,                                                         OK, OK, OK, OK, OK, OK, OK, OK),
]
FRESH_SESSION_ROWS = {("POST", "/api/v1/logout")}
PUBLIC_ROUTES = {("GET", "/healthz"), ("POST", "/api/v1/login")}


def parse_cell(cell):
    status, _, code = cell.partition(" ")
    return int(status), (code or None)


class Principal:
    def __init__(self, name, login=None, password=None, token=None):
        self.name = name
        self.login = login
        self.password = password
        self.token = token
        self.cookie = None
        self.csrf = None
        self.client = None

    def new_session(self, srv):
        c = srv.client()
        c.login(self.login, self.password)
        c.close()
        return c.cookie, c.csrf


class AuthorizationMatrixTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)
        check(srv.admin("bank", "import", write_file(srv, "bank.json", dumps(bank_doc("mx-bank")))))
        for code in ("mx-x", "mx-y"):
            check(srv.admin("exam", "create", write_file(srv, code + ".json", dumps(exam_doc(code, "mx-bank")))))
        srv.add_user("mx-owner", org="珠晖区/区司法局", category="general")
        srv.add_user("mx-other", org="珠晖区/区司法局", category="leader")   # no paper: not assigned
        fresh_pw = srv.add_user("mx-fresh", org="珠晖区/区司法局", category="general", password=None)
        srv.add_user("mx-admin", roles="admin")
        srv.add_user("mx-hr", roles="hr")
        srv.add_user("mx-spare")
        cls.p = {
            "anon": Principal("anon"),
            "owner": Principal("owner", "mx-owner", PW),
            "other": Principal("other", "mx-other", PW),
            "fresh": Principal("fresh", "mx-fresh", fresh_pw),
            "admin": Principal("admin", "mx-admin", PW),
            "hr": Principal("hr", "mx-hr", PW),
            "admin_tok": Principal("admin_tok", token=srv.token("mx-admin")),
            "hr_tok": Principal("hr_tok", token=srv.token("mx-hr")),
        }
        for name, pr in cls.p.items():
            pr.client = srv.client()
            if pr.login:
                pr.cookie, pr.csrf = pr.new_session(srv)
        # The owner's attempts: A in progress (exam X), B submitted (exam Y).
        owner = srv.client()
        owner.login("mx-owner", PW)
        r = owner.post("/api/v1/exams/mx-x/attempts")
        assert r.status == 201, r.body
        cls.att_a = r.body["id"]
        r = owner.post("/api/v1/exams/mx-y/attempts")
        assert r.status == 201, r.body
        cls.att_b = r.body["id"]
        r = owner.post("/api/v1/attempts/%d/submit" % cls.att_b)
        assert r.status == 200, r.body
        cls.receipt_b = r.body["receipt"]
        other = srv.client()
        other.login("mx-other", PW)
        r = other.post("/api/v1/practice", json={"bank": "mx-bank", "count": 3, "mode": "sequential"})
        assert r.status == 201, r.body
        cls.practice_set = r.body["id"]
        staff = roster_csv([("mx-new1", "新人", "珠晖区/区司法局", "general", "examinee", "")])
        cls.bodies = {
            "login": dumps({"login": "mx-spare", "password": PW}),
            "weak": dumps({"old": "whatever-it-is", "new": "short"}),
            "save": dumps({"answers": [{"position": 1, "response": "A", "seq": 1}]}),
            "bank": dumps(bank_doc("mx-bank2")),
            "staff": staff.encode(),
            "exam": dumps(exam_doc("mx-dry", "mx-bank")),
            "part": b"a first part",
            "slips": dumps([{"login": "mx-slip1", "name": "新人", "org": "珠晖区/区司法局", "password": "Slip-Pw-1234"}]),
            "practice": dumps({"bank": "mx-bank", "count": 2, "mode": "random"}),
            "panswer": dumps({"response": "A"}),
            "reading": dumps({"law": "xianfa"}),
            "bad_minutes": dumps({"minutes": 0, "reason": "矩阵"}),
            "no_reason": dumps({}),
            "nobody": dumps({"login": "mx-nobody"}),
            "exempt_no_reason": dumps({"login": "mx-owner"}),
            "answer": dumps({"answer": "A"}),
            "notice": dumps({"title": "矩阵通知", "body": "正文", "org": "珠晖区/区司法局",
                             "from": "2026-01-01T00:00:00+08:00", "until": "2099-01-01T00:00:00+08:00"}),
        }
        # UP: an upload id nobody has (an admin's own uploads are test_uploads.py's)
        cls.params = {"X": "mx-x", "A": str(cls.att_a), "B": str(cls.att_b), "UP": "0" * 32,
                      "RB": cls.receipt_b, "PS": str(cls.practice_set)}

    def send(self, pr, method, path, body, session=None, csrf=True):
        hdrs = {}
        if pr.token:
            hdrs["Authorization"] = "Bearer " + pr.token
        elif session:
            hdrs["Cookie"] = "lawexam_session=" + session[0]
            if csrf and method not in ("GET", "HEAD"):
                hdrs["X-CSRF-Token"] = session[1]
        return pr.client.request(method, path, body=body, headers=hdrs, cookie=False, csrf=False)

    def test_matrix_is_complete(self):
        in_source = routes_in_source()
        self.assertEqual(len(in_source), len(set(in_source)), "duplicate routes in routes.c")
        in_table = [(row[0], row[1]) for row in MATRIX if row[1] is not None]
        missing = sorted(set(in_source) - set(in_table))
        extra = sorted(set(in_table) - set(in_source))
        self.assertEqual(missing, [], "routes in server/routes.c that the matrix lacks: add a row")
        self.assertEqual(extra, [], "matrix rows for routes that routes.c no longer has")
        self.assertEqual(len(in_table), len(set(in_table)), "a route appears twice in the matrix")
        for row in MATRIX:
            self.assertEqual(len(row), 4 + len(COLS), row[:3])

    def test_matrix(self):
        problems = []
        calls = 0
        for row in MATRIX:
            method, pattern, path_t, body_key = row[:4]
            cells = dict(zip(COLS, row[4:]))
            path = path_t.format(**self.params)
            body = self.bodies[body_key] if body_key else None
            fresh = (method, pattern) in FRESH_SESSION_ROWS
            for col in COLS:
                pr = self.p[col]
                session = None
                if pr.login:
                    session = pr.new_session(self.srv) if fresh else (pr.cookie, pr.csrf)
                want = parse_cell(cells[col])
                r = self.send(pr, method, path, body, session)
                calls += 1
                got = (r.status, error_code(r))
                if got[0] != want[0] or (want[1] and got[1] != want[1]):
                    problems.append("%-4s %-45s %-9s want %s got %s %r" % (
                        method, path, col, cells[col], got, r.body if isinstance(r.body, dict) else r.body[:80]))
                # The same request from a session without X-CSRF-Token: refused before the
                # handler runs whenever authentication, roles and the password state let it through.
                if session and method not in ("GET", "HEAD") and (method, pattern) not in PUBLIC_ROUTES:
                    want2 = want if cells[col] in (U, F, P) else parse_cell(CSRF)
                    r = self.send(pr, method, path, body, (pr.cookie, pr.csrf), csrf=False)
                    calls += 1
                    got = (r.status, error_code(r))
                    if got != (want2[0], want2[1] or got[1]):
                        problems.append("%-4s %-45s %-9s without CSRF want %s got %s" % (method, path, col, want2, got))
        print("\n# authorization matrix: %d rows x %d principals, %d requests" % (len(MATRIX), len(COLS), calls))
        self.assertEqual(problems, [], "authorization matrix mismatches:\n" + "\n".join(problems))
        # Nothing of that changed the owner's attempts or anybody's password.
        owner = self.srv.client()
        owner.login("mx-owner", PW)
        self.assertEqual(owner.get("/api/v1/attempts/%d" % self.att_a).body["status"], "in_progress")
        for login in ("mx-other", "mx-admin", "mx-hr"):
            self.srv.client().login(login, PW)
        r = self.srv.client(token=self.p["admin_tok"].token).get("/api/v1/admin/banks")
        self.assertNotIn("mx-bank2", [b["code"] for b in r.body["banks"]], "a dry run imported")


# --- sessions -------------------------------------------------------------------------------

def srv_row(srv, cookie):
    """(user_id, created_at, last_seen, expires_at) of the session whose cookie is cookie."""
    with db_connect(srv) as db:
        return db.execute("SELECT user_id, created_at, last_seen, expires_at FROM sessions WHERE token_hash = ?",
                          (sha256(cookie),)).fetchone()


class SessionTest(L.TestCase):
    IDLE = 7

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server(*FAST, "--session-idle-minutes", str(cls.IDLE))
        for login in ("ses-a", "ses-b", "ses-c"):
            cls.srv.add_user(login)

    def row(self, cookie):
        return srv_row(self.srv, cookie)

    def sessions_of(self, login):
        with db_connect(self.srv) as db:
            return db.execute("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.login = ?",
                              (login,)).fetchone()[0]

    def test_stored_hashed_with_idle_expiry(self):
        c = self.srv.client()
        t0 = time.time()
        c.login("ses-a", PW)
        row = self.row(c.cookie)
        self.assertIsNotNone(row, "no session row under SHA-256 of the cookie")
        _, created, last_seen, expires = row
        self.assertEqual(created, last_seen)
        self.assertLessEqual(abs(last_seen - t0), 5)
        self.assertEqual(expires - last_seen, self.IDLE * 60)
        # Neither the cookie nor the API token is stored in clear.
        token = self.srv.token("ses-a")
        with db_connect(self.srv) as db:
            for (h,) in db.execute("SELECT token_hash FROM sessions"):
                self.assertNotIn(c.cookie.encode(), bytes(h) if isinstance(h, bytes) else h.encode())
                self.assertEqual(len(h), 32)
            self.assertEqual(db.execute("SELECT count(*) FROM api_tokens WHERE token_hash = ?",
                                        (sha256(token),)).fetchone()[0], 1)
            dump = "\n".join(db.iterdump())
        self.assertNotIn(c.cookie, dump)
        self.assertNotIn(token, dump)

    def test_use_refreshes_and_expiry_ends(self):
        c = self.srv.client()
        c.login("ses-b", PW)
        now = int(time.time())
        # Idle for two minutes but not expired: the next request works and moves both times.
        with db_connect(self.srv) as db:
            db.execute("UPDATE sessions SET last_seen = ?, expires_at = ? WHERE token_hash = ?",
                       (now - 120, now + 60, sha256(c.cookie)))
        self.assertStatus(c.get("/api/v1/me"), 200)
        deadline = time.time() + 5
        while time.time() < deadline:
            _, _, last_seen, expires = self.row(c.cookie)
            if last_seen >= now - 2:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(last_seen, now - 2, "the session was not refreshed")
        self.assertEqual(expires - last_seen, self.IDLE * 60)
        # Past expires_at: refused, for reads and writes alike.
        with db_connect(self.srv) as db:
            db.execute("UPDATE sessions SET last_seen = ?, expires_at = ? WHERE token_hash = ?",
                       (now - self.IDLE * 60 - 1, now - 1, sha256(c.cookie)))
        self.assertStatus(c.get("/api/v1/me"), 401, "unauthenticated")
        self.assertStatus(c.post("/api/v1/logout"), 401, "unauthenticated")
        self.assertStatus(c.get("/api/v1/exams"), 401, "unauthenticated")

    def test_idle_minutes_is_configurable(self):
        srv = self.server(*FAST, "--session-idle-minutes", "1")
        srv.add_user("ses-z")
        c = srv.client()
        c.login("ses-z", PW)
        _, _, last_seen, expires = srv_row(srv, c.cookie)
        self.assertEqual(expires - last_seen, 60)
        srv.restart(*FAST)                                   # the default: 720 minutes
        d = srv.client()
        d.login("ses-z", PW)
        _, _, last_seen, expires = srv_row(srv, d.cookie)
        self.assertEqual(expires - last_seen, 720 * 60)
        self.assertStatus(c.get("/api/v1/me"), 200)          # a stored session keeps its own expiry

    def test_password_change_revocation(self):
        # (test_foundation: the changing session stays, another session of the user ends.)
        sessions = [self.srv.client() for _ in range(3)]
        for s in sessions:
            s.login("ses-c", PW)
        bystander = self.srv.client()
        bystander.login("ses-a", PW)
        token = self.srv.client(token=self.srv.token("ses-c"))
        self.assertStatus(sessions[0].post("/api/v1/me/password", json={"old": PW, "new": "Ses-C-Second-2"}), 200)
        self.assertEqual(self.sessions_of("ses-c"), 1)       # deleted, not just refused
        self.assertStatus(sessions[0].get("/api/v1/me"), 200)
        for s in sessions[1:]:
            self.assertStatus(s.get("/api/v1/me"), 401, "unauthenticated")
        self.assertStatus(bystander.get("/api/v1/me"), 200)  # another user's session is untouched
        self.assertStatus(token.get("/api/v1/me"), 200)
        # A change made through an API token ends every session of the user.
        self.assertStatus(token.post("/api/v1/me/password", json={"old": "Ses-C-Second-2", "new": "Ses-C-Third-3"}),
                          200)
        self.assertStatus(sessions[0].get("/api/v1/me"), 401, "unauthenticated")
        self.assertEqual(self.sessions_of("ses-c"), 0)
        # A reset by an administrator (`user passwd`) too.
        d = self.srv.client()
        d.login("ses-c", "Ses-C-Third-3")
        check(self.srv.admin("user", "passwd", "ses-c", "--password-stdin", input="Ses-C-Fourth-4\n"))
        self.assertStatus(d.get("/api/v1/me"), 401, "unauthenticated")
        self.assertEqual(self.sessions_of("ses-c"), 0)
        self.srv.client().login("ses-c", "Ses-C-Third-3", expect=401)
        self.srv.client().login("ses-c", "Ses-C-Fourth-4")
        self.assertStatus(bystander.get("/api/v1/me"), 200)

    def test_logout_deletes_the_row(self):
        c = self.srv.client()
        c.login("ses-a", PW)
        cookie = c.cookie
        self.assertIsNotNone(self.row(cookie))
        self.assertStatus(c.logout(), 200)
        self.assertIsNone(self.row(cookie))


# --- passwords ------------------------------------------------------------------------------

class PasswordPolicyTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server(*FAST)
        cls.srv.add_user("Sec-Pol-2026")

    def test_policy_on_change(self):
        login = "Sec-Pol-2026"
        c = self.srv.client()
        c.login(login, PW)
        weak = [
            ("Abcdef1", "7 characters"),
            ("学法12", "4 characters (8 bytes)"),
            ("学法考法ab1", "7 characters (15 bytes)"),
            ("Aa1" * 43, "129 characters"),
            ("学" * 128 + "1", "129 characters (385 bytes)"),
            ("abcdefghijkl", "lower case only"),
            ("ABCDEFGHIJKL", "upper case only"),
            ("123456789012", "digits only"),
            ("!@#$%^&*()-+", "symbols only"),
            ("学法考法学法考法", "Chinese characters only (one class)"),
            (login, "equal to the login"),
            (PW, "equal to the old password"),
        ]
        for pw, why in weak:
            r = c.post("/api/v1/me/password", json={"old": PW, "new": pw})
            self.assertStatus(r, 422, "weak_password")
            self.assertRegex(r.body["error"]["message"], r"[\u4e00-\u9fff]", why)
        # Nothing changed: the old password still logs in, none of the weak ones does.
        self.srv.client().login(login, PW)
        for pw, why in weak[:3]:
            self.srv.client().login(login, pw, expect=401)
        # The boundaries that are allowed, each able to log in afterwards.
        old = PW
        for pw in ("Abcdef1!", "学法考法学法考1", "Aa1" * 42 + "Aa", "学" * 127 + "1"):
            r = c.post("/api/v1/me/password", json={"old": old, "new": pw})
            self.assertStatus(r, 200)
            self.assertStatus(self.srv.client().login(login, pw), 200)
            old = pw
        # Hashes the server makes use the server's --argon2-* parameters.
        with db_connect(self.srv) as db:
            h = db.execute("SELECT pw_hash FROM users WHERE login = ?", (login,)).fetchone()[0]
        self.assertTrue(h.startswith("$argon2id$v=19$m=1024,t=1,p=1$"), h)


# --- throttling across restarts ---------------------------------------------------------------

class LoginCsrfTest(L.TestCase):
    """Login CSRF and cross-site requests: /login takes JSON only (a cross-site form can post
    text/plain, urlencoded or multipart without a preflight), and every state-changing
    request that carries a cross-site Origin or Sec-Fetch-Site is refused (403 csrf), login
    included. Same-origin browser requests and header-less API clients keep working."""

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server(*FAST)
        for login in ("csrf-a", "csrf-b", "csrf-tok"):
            cls.srv.add_user(login)
        cls.token = cls.srv.token("csrf-tok")

    def own_origin(self):
        return "https://%s:%d" % (self.srv.host, self.srv.port)

    def login_body(self, login="csrf-a"):
        return json.dumps({"login": login, "password": PW})

    def test_login_requires_json(self):
        for ctype, body in (("text/plain", self.login_body()),
                            ("text/plain;charset=UTF-8", self.login_body()),
                            ("application/x-www-form-urlencoded", self.login_body()),
                            ("multipart/form-data; boundary=x", self.login_body()),
                            ("application/jsonp", self.login_body())):
            c = self.srv.client()
            r = c.post("/api/v1/login", body=body, headers={"Content-Type": ctype})
            self.assertStatus(r, 415, "unsupported_media_type")
            self.assertEqual(r.headers.get_all("Set-Cookie") or [], [], ctype)
            self.assertIsNone(c.cookie, ctype)
        for ctype in ("application/json", "application/json; charset=utf-8", "Application/JSON"):
            r = self.srv.client().post("/api/v1/login", body=self.login_body(), headers={"Content-Type": ctype})
            self.assertStatus(r, 200)

    def test_cross_site_requests_refused(self):
        cross = ({"Origin": "https://evil.example"}, {"Origin": "null"},
                 {"Origin": "https://%s:%d" % (self.srv.host, self.srv.port + 1)},
                 {"Origin": "http://%s:%d" % (self.srv.host, self.srv.port)},
                 {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                 {"Origin": self.own_origin(), "Sec-Fetch-Site": "cross-site"})
        for h in cross:
            c = self.srv.client()
            r = c.post("/api/v1/login", json={"login": "csrf-a", "password": PW}, headers=h, cookie=False)
            self.assertStatus(r, 403, "csrf")
            self.assertIsNone(c.cookie, h)
        # A session's POST with its right X-CSRF-Token, but from another site: refused, and
        # nothing happened (the session still works).
        victim = self.srv.client()
        victim.login("csrf-b", PW)
        for h in cross:
            r = victim.post("/api/v1/me/password", json={"old": PW, "new": "Cross-Site-Pass-1"}, headers=h)
            self.assertStatus(r, 403, "csrf")
            r = victim.post("/api/v1/logout", headers=h)
            self.assertStatus(r, 403, "csrf")
        self.assertStatus(victim.get("/api/v1/me"), 200)
        self.srv.client().login("csrf-b", PW)                     # password unchanged
        # An API token sent from a browser page of another site: refused as well.
        t = self.srv.client(token=self.token)
        r = t.post("/api/v1/me/password", json={"old": PW, "new": "Cross-Site-Pass-2"},
                   headers={"Origin": "https://evil.example"})
        self.assertStatus(r, 403, "csrf")

    def test_same_origin_and_headerless_requests_work(self):
        same = {"Origin": self.own_origin(), "Sec-Fetch-Site": "same-origin"}
        c = self.srv.client()
        r = c.post("/api/v1/login", json={"login": "csrf-a", "password": PW}, headers=same, cookie=False)
        self.assertStatus(r, 200)
        c.csrf = r.body["csrf_token"]
        self.assertStatus(c.get("/api/v1/me", headers=same), 200)
        self.assertStatus(c.post("/api/v1/logout", headers=same), 200)
        # Origin alone (older browsers send no Sec-Fetch-Site).
        r = self.srv.client().post("/api/v1/login", json={"login": "csrf-a", "password": PW},
                                   headers={"Origin": self.own_origin()})
        self.assertStatus(r, 200)
        # A top-level navigation the user typed (Sec-Fetch-Site: none) is no cross-site request.
        r = self.srv.client().post("/api/v1/login", json={"login": "csrf-a", "password": PW},
                                   headers={"Sec-Fetch-Site": "none"})
        self.assertStatus(r, 200)
        # API token clients send neither header: a state-changing request works.
        t = self.srv.client(token=self.token)
        r = t.post("/api/v1/me/password", json={"old": PW, "new": "Token-Changed-Pass-1"})
        self.assertStatus(r, 200)
        r = t.post("/api/v1/me/password", json={"old": "Token-Changed-Pass-1", "new": PW})
        self.assertStatus(r, 200)


class ThrottleRestartTest(L.TestCase):
    def test_account_lock_survives_restart(self):
        srv = self.server(*FAST, "--throttle-account", "3", "--throttle-address", "1000",
                          "--throttle-window", "600")
        srv.add_user("lock-me")
        srv.add_user("free-me")
        for i in range(3):
            srv.client().login("lock-me", "wrong-%d" % i, expect=401)
        srv.client().login("lock-me", PW, expect=429)
        srv.restart(graceful=False)              # kill -9: the lock was durable before the 401
        r = srv.client().login("lock-me", PW, expect=429)
        self.assertStatus(r, 429, "too_many_attempts")
        self.assertTrue(500 <= int(r.headers.get("Retry-After")) <= 600, r.headers.get("Retry-After"))
        srv.restart()
        srv.client().login("lock-me", PW, expect=429)
        srv.client().login("free-me", PW)        # other accounts from the same address are fine

    def test_address_lock_survives_restart(self):
        srv = self.server(*FAST, "--throttle-account", "1000", "--throttle-address", "3",
                          "--throttle-window", "600")
        srv.add_user("addr-me")
        for login in ("nobody-1", "nobody-2", "nobody-3"):
            srv.client().login(login, PW, expect=401)
        srv.client().login("addr-me", PW, expect=429)
        srv.restart()
        r = srv.client().login("addr-me", PW, expect=429)
        self.assertTrue(500 <= int(r.headers.get("Retry-After")) <= 600, r.headers.get("Retry-After"))
        with db_connect(srv) as db:
            keys = [k for (k,) in db.execute("SELECT key FROM login_throttle WHERE locked_until > ?",
                                              (int(time.time()),))]
        self.assertEqual(keys, ["addr:127.0.0.1"])

    def test_password_change_guesses_are_throttled(self):
        # A stolen session must not guess the password through /me/password without limit:
        # a wrong old password counts as a failed login of the account.
        srv = self.server(*FAST, "--throttle-account", "3", "--throttle-address", "1000",
                          "--throttle-window", "600")
        srv.add_user("guess-me")
        c = srv.client()
        c.login("guess-me", PW)
        for i in range(3):
            r = c.post("/api/v1/me/password", json={"old": "Guess-%d-x" % i, "new": "Guess-New-Pass-1"})
            self.assertStatus(r, 403, "bad_credentials")
        r = c.post("/api/v1/me/password", json={"old": PW, "new": "Guess-New-Pass-1"})
        self.assertStatus(r, 429, "too_many_attempts")
        self.assertRegex(r.headers.get("Retry-After", ""), r"^\d+$")
        srv.client().login("guess-me", PW, expect=429)
        self.assertStatus(c.get("/api/v1/me"), 200)           # the session itself goes on
        srv.client().login("guess-me", "Guess-New-Pass-1", expect=429)


# --- argon2id cost and login timing -------------------------------------------------------------

class QuickClient:
    """One keep-alive TLS connection for timing. lawexamd's sockets have Nagle on, so a reply
    written in two pieces waits for the client's delayed ACK (~40 ms on Linux), which would
    swamp what is measured here; TCP_QUICKACK before every read makes the client ACK at once."""

    def __init__(self, srv):
        sock = socket.create_connection((srv.host, srv.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.t = srv.ssl_context(verify=False).wrap_socket(sock, server_hostname="localhost")
        self.buf = b""

    def _read(self):
        self.t.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = self.t.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def post(self, path, obj):
        """Sends one JSON POST; returns (status, seconds until the whole reply was read)."""
        body = json.dumps(obj).encode()
        req = ("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n" % (path, len(body))).encode() + body
        t0 = time.perf_counter()
        self.t.sendall(req)
        while b"\r\n\r\n" not in self.buf:
            self._read()
        head, _, _ = self.buf.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        total = len(head) + 4 + (int(m.group(1)) if m else 0)
        while len(self.buf) < total:
            self._read()
        elapsed = time.perf_counter() - t0
        status = int(head.split(b" ", 2)[1])
        self.buf = self.buf[total:]
        return status, elapsed

    def close(self):
        self.t.close()


def timed_login(client, login, password):
    status, elapsed = client.post("/api/v1/login", {"login": login, "password": password})
    return elapsed, status


def measure_argon2(rounds=30):
    """Prints the cost of argon2id as docs/security.md records it (not a test):
    cd tests/e2e && LAWEXAM_BUILD_DIR=../../build python3 -c 'import test_security as t; t.measure_argon2()'"""
    quiet = ("--hash-threads", "1", "--throttle-account", "100000", "--throttle-address", "1000000")
    for label, flags in (("default m=19456 t=2 p=1", ()), ("--argon2-m 1024 --argon2-t 1", FAST)):
        with L.Server(*quiet, *flags) as srv:
            srv.start()
            srv.add_user("m1")
            pw = PW
            if flags:                      # a hash made by this server, with these flags
                c = srv.client()
                c.login("m1", PW)
                c.post("/api/v1/me/password", json={"old": PW, "new": "M1-Changed-1"})
                pw = "M1-Changed-1"
            q = QuickClient(srv)
            for _ in range(3):
                timed_login(q, "m1", pw)
            ok = sorted(timed_login(q, "m1", pw)[0] for _ in range(rounds))
            bare = statistics.median(q.post("/api/v1/login", {"login": "", "password": ""})[1] for _ in range(rounds))
            q.close()
            print("%-30s login median %.1f ms (p10 %.1f, p90 %.1f); refused before hashing %.2f ms" % (
                label, statistics.median(ok) * 1e3, ok[rounds // 10] * 1e3, ok[rounds * 9 // 10] * 1e3, bare * 1e3))
    with L.Server() as srv:
        def run(args, text=None):
            t0 = time.perf_counter()
            check(srv.admin(*args, input=text))
            return time.perf_counter() - t0
        add = statistics.median(run(["user", "add", "c%d" % i, "--name", "x", "--org", "珠晖区", "--category",
                                     "general", "--password-stdin"], PW + "\n") for i in range(10))
        cat = statistics.median(run(["category", "add", "k%d" % i, "类别%d" % i]) for i in range(10))
        print("lawexam-admin user add %.1f ms, category add %.1f ms: one hash ~%.1f ms" % (
            add * 1e3, cat * 1e3, (add - cat) * 1e3))
    print("load average: %.2f %.2f %.2f" % os.getloadavg())


class LoginTimingTest(L.TestCase):
    """Default argon2id parameters (no FAST) on both sides, as deployed: `lawexam-admin init`,
    start lawexamd, then add staff with the CLI. Throttling limits high enough not to trigger."""

    ROUNDS = 21
    NOTHROTTLE = ("--throttle-account", "100000", "--throttle-address", "1000000")

    def measure(self, srv, known):
        c = QuickClient(srv)
        self.addCleanup(c.close)
        for i in range(2):                                   # warm-up: connection, caches
            timed_login(c, known, "warm-up-%d" % i)
            timed_login(c, "warm-nobody-%d" % i, PW)
        ok, wrong, unknown, ratios = [], [], [], []
        for i in range(self.ROUNDS):
            t, s = timed_login(c, known, PW)
            self.assertEqual(s, 200)
            ok.append(t)
            t, s = timed_login(c, known, "Wrong-Pass-%d" % i)
            self.assertEqual(s, 401)
            wrong.append(t)
            t, s = timed_login(c, "nobody-%d-%d" % (os.getpid(), i), PW)
            self.assertEqual(s, 401)
            unknown.append(t)
            # Paired within the round: a wrong password and an unknown login measured back to
            # back see the same machine load, so their ratio does not drift with the
            # neighbours' work the way two medians over the whole run do.
            ratios.append(unknown[-1] / wrong[-1])
        self.paired_ratio = statistics.median(ratios)
        return statistics.median(ok), statistics.median(wrong), statistics.median(unknown)

    def test_default_parameters_cost_and_no_enumeration(self):
        srv = self.server(*self.NOTHROTTLE, "--hash-threads", "1")
        srv.add_user("tim-known")
        with db_connect(srv) as db:
            h = db.execute("SELECT pw_hash FROM users WHERE login = 'tim-known'").fetchone()[0]
        self.assertTrue(h.startswith(CLI_DEFAULT_HASH), h)
        ok, wrong, unknown = self.measure(srv, "tim-known")
        ratio = self.paired_ratio
        print("\n# argon2id m=19456 KiB t=2 p=1: login median %.1f ms (right), %.1f ms (wrong password), "
              "%.1f ms (unknown login); unknown/wrong = %.2f" % (ok * 1e3, wrong * 1e3, unknown * 1e3, ratio))
        self.assertGreater(wrong, 0.005, "a login costs under 5 ms: is argon2id really running?")
        self.assertTrue(0.67 <= ratio <= 1.5, "unknown logins are distinguishable by time: %.2f" % ratio)
        # A password changed through the server is hashed with the same (default) parameters.
        c = srv.client()
        c.login("tim-known", PW)
        self.assertStatus(c.post("/api/v1/me/password", json={"old": PW, "new": "Tim-Changed-1"}), 200)
        with db_connect(srv) as db:
            h = db.execute("SELECT pw_hash FROM users WHERE login = 'tim-known'").fetchone()[0]
        self.assertTrue(h.startswith(CLI_DEFAULT_HASH), h)

    def test_no_enumeration_with_tuned_server_parameters(self):
        # lawexamd's --argon2-* flags become the database's setting, which lawexam-admin uses
        # for the hashes it makes, and the stand-in hash for unknown logins uses it too: with
        # non-default flags an unknown login still costs what a wrong password costs.
        # Tuned but not trivial (about 10 ms a hash), so that hashing, not noise, is measured.
        srv = self.server(*self.NOTHROTTLE, "--argon2-m", "8192", "--argon2-t", "2", "--hash-threads", "1")
        srv.add_user("tim-tuned")                           # after the start, as in production
        ok, wrong, unknown = self.measure(srv, "tim-tuned")
        self.assertTrue(0.67 <= self.paired_ratio <= 1.5, "unknown/wrong = %.2f (medians: %.1f / %.1f ms)"
                        % (self.paired_ratio, unknown * 1e3, wrong * 1e3))


# --- SQL: prepared statements only -----------------------------------------------------------

C_DIRS = ("server", "common", "tools", "question-bank")
CONST_SQL = re.compile(r'^(?:"(?:\\.|[^"\\])*"|SQL_[A-Z0-9_]+|\s)+$')
SQL_CALL = re.compile(r"\b(store_stmt|store_exec|sqlite3_prepare\w*|sqlite3_exec|run_simple|STMT)\s*\(\s*"
                      r"([^,()]+(?:\([^()]*\))?)\s*,\s*((?:\"(?:\\\\.|[^\"\\\\])*\"\s*|SQL_\w+\s*)+|[^,;]+?)\s*[,)]", re.S)
FORMAT_CALL = re.compile(r"\b(snprintf|lx_asprintf|asprintf|buf_printf|sqlite3_v?mprintf|sqlite3_snprintf)\s*\(")
SQL_WORDS = re.compile(r"\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|PRAGMA\s|CREATE\s|DROP\s|ATTACH\s|VACUUM)")
# Wrapper parameters, the two strings made with %d/%ld only (migration version, page count),
# and the drivers' own constant texts (struct store_driver: sql_begin, sql_read_begin).
SQL_ARG_OK = {"sql", "const char *sql", "store_migrations[v]", "pragma", "st->sql",
              "db->drv->sql_begin", "db->drv->sql_read_begin"}
# store_copy.c: the fields of its static table, each made by string-literal concatenation
# in the T() and SEQ() macros from fixed table and column names (checked below).
SQL_ARG_OK |= {"t->count_sql", "t->select_sql", "t->insert_sql", "tables[i].seq_sql"}
# A choice between dialects: `store_is_pg(db) [&& db->in_tx] ? CONSTANT : CONSTANT` (STMT2 and
# the migration pair m->pg / m->sqlite); checked over the whole call below.
DIALECT_CHOICE = re.compile(r'\s*store_is_pg\(db\)(?:\s*&&\s*db->in_tx)?\s*\?\s*'
                            r'(?:(?:\(?(?:"(?:\\.|[^"\\])*"|SQL_\w+|\w+_sql|\s)+\)?)|m->pg)\s*:\s*'
                            r'(?:(?:\(?(?:"(?:\\.|[^"\\])*"|SQL_\w+|\w+_sql|\s)+\)?)|m->sqlite)\s*[,)]')


def c_sources():
    for d in C_DIRS:
        for root, _, files in os.walk(os.path.join(L.SOURCE_DIR, d)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    path = os.path.join(root, f)
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        yield os.path.relpath(path, L.SOURCE_DIR), fh.read()


class SqlSourceTest(unittest.TestCase):
    """SPEC §10 "All SQL is prepared statements": SQL text is constant everywhere, values are
    bound (?1, ?2…), and no format string builds SQL from text. Read from the sources."""

    def test_sql_only_in_the_store(self):
        users = sorted(p for p, src in c_sources() if re.search(r"\bsqlite3_\w+|sqlite3\.h", src))
        outside = [p for p in users if not re.match(r"common/store/store(_\w+)?\.c$", p)
                   and p != "common/store/store_int.h"]
        self.assertTrue(users, "no SQLite use found at all: is the scan broken?")
        self.assertEqual(outside, [], "SQLite used outside common/store/store*.c (or in a public store header)")

    def test_sql_text_is_constant(self):
        problems, seen = [], 0
        for path, src in c_sources():
            for m in SQL_CALL.finditer(src):
                arg = " ".join(m.group(3).split())
                seen += 1
                if arg.startswith("store_is_pg(db") and DIALECT_CHOICE.match(src, m.start(3)):
                    continue
                if not CONST_SQL.match(arg) and arg not in SQL_ARG_OK and \
                        not re.match(r"^\w+ \? SQL_\w+ : SQL_\w+$", arg):
                    problems.append("%s: %s(…, %s)" % (path, m.group(1), arg[:80]))
            for m in FORMAT_CALL.finditer(src):
                end = src.find(");", m.end())
                fmt = "".join(re.findall(r'"((?:\\.|[^"\\])*)"', src[m.end():end]))
                if SQL_WORDS.search(fmt) and re.search(r"%[-+ #0-9.]*(?:l|ll|z)?[sqQw]", fmt):
                    problems.append("%s: SQL built by %s(\"%s\")" % (path, m.group(1), fmt[:80]))
        self.assertGreater(seen, 50, "too few SQL calls found: is the scan broken?")
        # The copy table's rows: T("name", "columns", "?1, …", blobs, SEQ("name") | NULL), all
        # literals, so the texts its fields hold are constants too.
        copy_src = open(os.path.join(L.SOURCE_DIR, "common", "store", "store_copy.c")).read()
        rows = [l for l in copy_src.splitlines() if re.match(r"\s*T\(", l)]
        self.assertGreater(len(rows), 15, "store_copy.c's table not found: is the scan broken?")
        bad = [l.strip() for l in copy_src.splitlines()
               if re.match(r"\s*T\(", l) and not re.match(r'\s*T\("\w+",', l)]
        self.assertEqual(bad, [], "store_copy.c: a table row whose name is not a literal")
        self.assertEqual(problems, [], "SQL not constant:\n" + "\n".join(problems))


# --- the audit log ------------------------------------------------------------------------------

AUDIT_LINE = re.compile(r"^(\S+)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")


class AuditTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)
        srv.add_user("aud-admin", roles="admin")
        srv.add_user("aud-hr", roles="hr")
        for login in ("aud-ex", "aud-ex2", "aud-ex3"):
            srv.add_user(login, org="珠晖区/区司法局", category="general")
        check(srv.admin("bank", "import", write_file(srv, "base.json", dumps(bank_doc("aud-base")))))
        check(srv.admin("exam", "create", write_file(srv, "base-x.json", dumps(exam_doc("aud-base-x", "aud-base")))))

    def audit(self, *args):
        rows = []
        for line in check(self.srv.admin("audit", *args)).splitlines():
            m = AUDIT_LINE.match(line)
            self.assertIsNotNone(m, "audit line not TIME<TAB>ACTOR<TAB>FROM<TAB>ACTION<TAB>DETAIL: %r" % line)
            at = datetime.fromisoformat(m.group(1)).timestamp()
            rows.append((at,) + m.groups()[1:])
        return rows

    def login(self, login, password=PW):
        c = self.srv.client()
        c.login(login, password)
        return c

    def test_admin_and_hr_actions_are_recorded(self):
        time.sleep(1.02 - time.time() % 1)                 # set-up rows fall in an earlier second
        t0 = int(time.time())
        since = iso(t0)
        adm = self.login("aud-admin")
        adm_tok = self.srv.client(token=self.srv.token("aud-admin"))
        hr = self.login("aud-hr")
        hr_tok = self.srv.client(token=self.srv.token("aud-hr"))
        # Through the API (sessions and tokens).
        self.assertStatus(adm.post("/api/v1/admin/banks?format=json", body=dumps(bank_doc("aud-bank"))), 200)
        staff = roster_csv([("aud-new1", "新人甲", "珠晖区/区司法局", "general", "examinee", "")])
        self.assertStatus(adm_tok.post("/api/v1/admin/staff?format=csv", body=staff), 200)
        self.assertStatus(adm.post("/api/v1/admin/exams", body=dumps(exam_doc("aud-exam", "aud-bank"))), 201)
        ex = self.login("aud-ex")
        att = ex.post("/api/v1/exams/aud-exam/attempts").body
        self.assertStatus(ex.post("/api/v1/attempts/%d/submit" % att["id"]), 200)
        self.assertStatus(hr.get("/api/v1/reports/aud-exam/pass-rates?by=category&format=csv"), 200)
        self.assertStatus(hr_tok.get("/api/v1/reports/aud-exam/results?format=xlsx"), 200)
        self.assertStatus(adm.get("/api/v1/reports/aud-exam/items"), 200)
        self.assertStatus(hr.post("/api/v1/me/password", json={"old": PW, "new": "Aud-Hr-New-1"}), 200)
        # Through the CLI.
        check(self.srv.admin("bank", "import", write_file(self.srv, "b2.json", dumps(bank_doc("aud-bank2")))))
        check(self.srv.admin("staff", "import", write_file(self.srv, "s2.csv", roster_csv(
            [("aud-new2", "新人乙", "珠晖区/区司法局", "general", "examinee", "")])),
                             "--passwords-out", os.path.join(self.srv.dir, "pw-out.csv")))
        check(self.srv.admin("exam", "create", write_file(self.srv, "e2.json",
                                                          dumps(exam_doc("aud-exam2", "aud-bank2")))))
        check(self.srv.admin("exam", "grant-retake", "aud-exam", "aud-ex"))
        check(self.srv.admin("exam", "regrade", "aud-exam"))
        check(self.srv.admin("token", "create", "aud-hr"))
        check(self.srv.admin("report", "results", "aud-exam", "--format", "csv",
                             "-o", os.path.join(self.srv.dir, "r.csv")))
        check(self.srv.admin("user", "passwd", "aud-ex3", "--password-stdin", input="Aud-Ex3-New-1\n"))
        t1 = time.time()
        rows = self.audit("--since", since)
        API, CLI = "127.0.0.1", "cli"
        expected = [
            ("aud-admin", API, "bank_import", "aud-bank +10 "),
            ("aud-admin", API, "staff_import", "+1 ~0 =0"),
            ("aud-admin", API, "exam_create", "aud-exam"),
            ("aud-hr", API, "report_download", "pass-rates aud-exam by=category format=csv"),
            ("aud-hr", API, "report_download", "results aud-exam format=xlsx"),
            ("aud-admin", API, "report_download", "items aud-exam format=json"),
            ("aud-hr", API, "password_change", ""),
            ("cli:", CLI, "token_create", "aud-admin"),
            ("cli:", CLI, "token_create", "aud-hr"),
            ("cli:", CLI, "bank_import", "aud-bank2 +10 "),
            ("cli:", CLI, "staff_import", "+1 ~0 =0"),
            ("cli:", CLI, "exam_create", "aud-exam2"),
            ("cli:", CLI, "grant_retake", "aud-exam aud-ex"),
            ("cli:", CLI, "regrade", "aud-exam"),
            ("cli:", CLI, "report_download", "results aud-exam format=csv"),
            ("cli:", CLI, "user_passwd", "aud-ex3"),
        ]
        missing = []
        for actor, remote, action, detail in expected:
            hit = [r for r in rows if r[2] == remote and r[3] == action and detail in r[4] and
                   (r[1] == actor if not actor.endswith(":") else r[1].startswith(actor))]
            if not hit:
                missing.append((actor, remote, action, detail))
                continue
            for r in hit:
                self.assertTrue(t0 <= r[0] <= t1 + 1, "time of %r outside [%d, %.0f]" % (r, t0, t1))
        self.assertEqual(missing, [], "actions missing from the audit log:\n" +
                         "\n".join("\t".join(r[1:]) for r in rows))
        # Times are RFC 3339 with an offset; --since filters; a bad --since is a usage error.
        self.assertEqual(self.audit("--since", iso(t1 + 3)), [])
        everything = self.audit()
        self.assertTrue(set(rows) <= set(everything))
        self.assertTrue(any(r[0] < t0 for r in everything), "set-up rows (user_add) are missing")
        self.assertFalse(any(r[0] < t0 for r in rows), "--since let older rows through")
        rc, out, err = self.srv.admin("audit", "--since", "yesterday")
        self.assertEqual(rc, 2, out + err)

    def test_examinees_cannot_write_the_audit_log(self):
        ex = self.login("aud-ex2")
        before = self.audit()
        # Everything an examinee can send, including every administrative request (refused).
        self.srv.client().login("aud-ex2", "wrong-password", expect=401)
        self.assertStatus(ex.get("/api/v1/me"), 200)
        self.assertStatus(ex.get("/api/v1/exams"), 200)
        r = ex.post("/api/v1/exams/aud-base-x/attempts")
        self.assertStatus(r, 201)
        aid = r.body["id"]
        self.assertStatus(ex.put("/api/v1/attempts/%d/answers" % aid, json={
            "answers": [{"position": 1, "response": "A", "seq": 1}]}), 200)
        self.assertStatus(ex.post("/api/v1/attempts/%d/submit" % aid), 200)
        self.assertStatus(ex.get("/api/v1/attempts/%d/review" % aid), 200)
        staff = roster_csv([("aud-ex2", "提权", "珠晖区/区司法局", "general", "examinee,admin,hr", "")])
        for method, path, body in (
                ("POST", "/api/v1/admin/banks?format=json", dumps(bank_doc("aud-evil"))),
                ("POST", "/api/v1/admin/staff?format=csv", staff.encode()),
                ("POST", "/api/v1/admin/exams", dumps(exam_doc("aud-evil", "aud-base"))),
                ("GET", "/api/v1/admin/exams/aud-base-x/monitor", None),
                ("GET", "/api/v1/reports/aud-base-x/results", None),
                ("GET", "/api/v1/reports/aud-base-x/items", None)):
            self.assertStatus(ex.request(method, path, body=body), 403, "forbidden")
        self.assertStatus(ex.logout(), 200)
        self.assertEqual(self.audit(), before, "an examinee's requests wrote to the audit log")
        # The one row an examinee causes: the record of their own password change, with
        # nothing of their choosing in it.
        ex = self.login("aud-ex2")
        self.assertStatus(ex.post("/api/v1/me/password", json={"old": PW, "new": "Aud-Ex2-Own-9"}), 200)
        new = self.audit()[len(before):]
        self.assertEqual([r[1:] for r in new], [("aud-ex2", "127.0.0.1", "password_change", "")])


if __name__ == "__main__":
    unittest.main()
