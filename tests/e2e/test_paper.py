"""End-to-end tests of the printed papers (SPEC §14): the certificate (合格证明) of a passed
best attempt with its QR code, the public /verify page, certificates in bulk per unit, the
score sheet (成绩汇总表) per unit, and the login slips of `staff import --slips-out`.

Each PDF is read back with pdftotext (its Chinese is real text) and its QR codes with
zbarimg (they decode to https://HOST/verify/NUMBER, HOST being the Host the client sent).
The population is written straight into the temporary database (as test_reports.py does);
the people who log in are made with `user add`. PAPER_PNG_DIR=DIR keeps one page of each
PDF as a PNG there (pdftoppm -png -r 60), to be looked at. Without poppler-utils or
zbar-tools the test is skipped, except under CI=true, where it fails.
"""

import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import lawexam_e2e as L
from lawexam_e2e import error_code

PW = L.DEFAULT_PASSWORD
FAST = ("--argon2-m", "1024", "--argon2-t", "1")
EXAM = "2026-paper"
TITLE = "2026年度学法考法"
ORGANISER = "某某市司法局"
UNITS = ["甲区/司法局/法制股", "甲区/司法局/办公室", "甲区/教育局", "乙区/公安局"]
BIG = "丙区/超大单位"
BIG_N = 2000
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
TOOLS = ("pdftotext", "zbarimg", "pdftoppm", "pdfinfo")


def tools_missing():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing and os.environ.get("CI") == "true":
        raise AssertionError("missing under CI=true: " + " ".join(missing))
    return missing


def pdf_text(data, *args):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-enc", "UTF-8", *args, f.name, "-"], check=True,
                              capture_output=True).stdout.decode("utf-8")


def pdf_pages(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdfinfo", f.name], check=True, capture_output=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def qr_codes(data, first=1, last=None):
    """The QR codes of pages first..last, decoded by zbarimg, in page order."""
    d = tempfile.mkdtemp()
    try:
        pdf = os.path.join(d, "x.pdf")
        with open(pdf, "wb") as f:
            f.write(data)
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", str(first), "-l", str(last or first), pdf,
                        os.path.join(d, "p")], check=True)
        codes = []
        for png in sorted(p for p in os.listdir(d) if p.endswith(".png")):
            r = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                                os.path.join(d, png)], capture_output=True)
            codes += r.stdout.decode().split()
        return codes
    finally:
        shutil.rmtree(d)


def keep_png(data, name):
    """PAPER_PNG_DIR: page 1 of data as DIR/name-1.png at 60 dpi."""
    out = os.environ.get("PAPER_PNG_DIR")
    if not out:
        return
    os.makedirs(out, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", f.name, os.path.join(out, name)],
                       check=True)


def fmt_score2(s2):
    return "%d%s" % (s2 // 2, ".5" if s2 % 2 else "")


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^VmHWM:\s+(\d+)", f.read(), re.M).group(1))


class PaperTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = tools_missing()
        if missing:
            raise unittest.SkipTest("needs poppler-utils and zbar-tools: missing " + " ".join(missing))
        try:
            cls.build()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def build(cls):
        cls.srv = srv = cls.start_server(*FAST, "--organiser", ORGANISER, start=False)
        srv.add_user("hr1", name="人事甲", org="甲区", roles="hr")
        srv.add_user("adm1", name="管理员", org="甲区", roles="admin")
        srv.add_user("ex1", name="张三丰", org=UNITS[0])       # passed
        srv.add_user("ex2", name="李四", org=UNITS[0])         # failed
        srv.add_user("ex3", name="欧阳𠮷䶮", org=UNITS[2])     # passed, rare characters
        srv.add_user("ex4", name="王五", org=UNITS[3])         # passed, only while hidden
        bank = {"format": "lawexam-bank/1",
                "bank": {"code": "paper-law", "title": "题库", "subject": "constitution"},
                "questions": [{"id": "J%02d" % i, "type": "judge", "stem": "第%d题" % i, "answer": "T"}
                              for i in range(1, 11)]}
        import json
        for name, doc in (("bank.json", bank),):
            with open(os.path.join(srv.dir, name), "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
        cls.check(srv.admin("bank", "import", os.path.join(srv.dir, "bank.json")))
        for code, title, results in ((EXAM, TITLE, "immediate"), ("2026-hidden", "保密考试", "hidden")):
            exam = {"format": "lawexam-exam/1", "code": code, "title": title,
                    "opens_at": "2026-01-01T08:00:00+08:00", "closes_at": "2099-12-20T18:00:00+08:00",
                    "duration_minutes": 60, "pass_percent": 60, "max_attempts": 3,
                    "multiple_scoring": "all_or_nothing", "results": results, "review": "never",
                    "papers": [{"categories": ["general"], "sections": [
                        {"title": "判断", "bank": "paper-law", "type": "judge", "count": 10, "points": 4}]}]}
            path = os.path.join(srv.dir, code + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(exam, f, ensure_ascii=False)
            cls.check(srv.admin("exam", "create", path))
        cls.populate()
        srv.start()
        cls.hr = srv.client()
        cls.hr.login("hr1", PW)
        cls.ex = {}
        for login in ("ex1", "ex2", "ex3", "ex4"):
            cls.ex[login] = srv.client()
            cls.ex[login].login(login, PW)

    @staticmethod
    def check(res):
        rc, out, err = res
        if rc != 0:
            raise AssertionError("lawexam-admin failed (%d): %s%s" % (rc, out, err))
        return out

    @classmethod
    def populate(cls):
        con = L.connect(cls.srv)
        cur = con.cursor()
        pw_hash = cur.execute("SELECT pw_hash FROM users WHERE login = 'hr1'").fetchone()[0]
        exam_id = dict(cur.execute("SELECT code, id FROM exams").fetchall())
        now = int(time.time())
        cls.at = now - 86400

        def org_id(path):
            parent = oid = None
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

        def attempt(code, uid, no, status, score2=None, at=None):
            passed = None if score2 is None else int(score2 * 100 >= 60 * 80)
            cur.execute("INSERT INTO attempts(exam_id, user_id, attempt_no, seed, status, started_at, deadline,"
                        " submitted_at, score2, max_score2, passed) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                        (exam_id[code], uid, no, b"\0" * 32, status, cls.at - 1800,
                         now + 86400 if status == "in_progress" else cls.at + 1800,
                         at if status == "submitted" else None, score2, 80, passed))
            return cur.lastrowid

        def uid(login):
            return cur.execute("SELECT id FROM users WHERE login = ?", (login,)).fetchone()[0]

        cls.attempt = {}
        cls.attempt["ex1"] = attempt(EXAM, uid("ex1"), 1, "submitted", 77, cls.at)      # 38.5 of 40
        cls.attempt["ex1-low"] = attempt(EXAM, uid("ex1"), 2, "submitted", 50, cls.at + 60)  # passed, not best
        cls.attempt["ex2"] = attempt(EXAM, uid("ex2"), 1, "submitted", 20, cls.at)
        cls.attempt["ex3"] = attempt(EXAM, uid("ex3"), 1, "submitted", 80, cls.at)
        cls.attempt["ex4"] = attempt("2026-hidden", uid("ex4"), 1, "submitted", 80, cls.at)
        # the sheet's people: model rows login, name, org, status, score2
        cls.people = {u: [] for u in UNITS + [BIG]}
        for login, name, org in (("ex1", "张三丰", UNITS[0]), ("ex2", "李四", UNITS[0]),
                                 ("ex3", "欧阳𠮷䶮", UNITS[2]), ("ex4", "王五", UNITS[3])):
            s2 = {"ex1": 77, "ex2": 20, "ex3": 80}.get(login)
            cls.people[org].append({"login": login, "name": name, "status": "已交卷" if s2 is not None else "未参加",
                                    "score2": s2})

        def add(login, name, org, s2, status="submitted"):
            cur.execute("INSERT INTO users(login, name, org_id, category, roles, pw_hash, must_change_password,"
                        " disabled, created_at, updated_at) VALUES(?,?,?,'general',1,?,0,0,?,?)",
                        (login, name, org_id(org), pw_hash, now, now))
            u = cur.lastrowid
            if status != "not_started":
                attempt(EXAM, u, 1, status, s2, cls.at)
            cls.people[org].append({"login": login, "name": name,
                                    "status": {"submitted": "已交卷", "in_progress": "进行中",
                                               "not_started": "未参加"}[status],
                                    "score2": s2 if status == "submitted" else None})

        # 70 in the first unit: its table runs over pages
        for i in range(70):
            st = "not_started" if i % 10 == 3 else "in_progress" if i % 10 == 7 else "submitted"
            add("A%03d" % (69 - i), "职工甲%03d" % i, UNITS[0], (i * 7) % 81, st)
        add("B001", "某某省某某市某某区人民政府办公室综合科法治宣传教育工作领导小组办公室人员", UNITS[1], 60)
        add("B002", "赵六", UNITS[1], 10)
        for i in range(BIG_N):
            add("C%05d" % i, "大单位%05d" % i, BIG, 48 + i % 33)
        con.commit()
        for org in cls.people:
            cls.people[org].sort(key=lambda p: p["login"])

    # --- the certificate ------------------------------------------------------------------------

    def cert(self, client, key):
        return client.get("/api/v1/attempts/%d/certificate.pdf" % self.attempt[key])

    def test_certificate(self):
        r = self.cert(self.ex["ex1"], "ex1")
        self.assertStatus(r, 200)
        self.assertEqual(r.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", r.headers["Content-Disposition"])
        self.assertEqual(pdf_pages(r.body), 1)
        text = pdf_text(r.body)
        for want in ("合格证明", "张三丰", UNITS[0], TITLE, "38.5", ORGANISER, "ex1"):
            self.assertIn(want, text)
        m = re.search(r"证书编号\s+([A-Z2-7]{16})\b", text)
        self.assertIsNotNone(m, text)
        number = m.group(1)
        host = "%s:%d" % (self.srv.host, self.srv.port)
        self.assertEqual(qr_codes(r.body), ["https://%s/verify/%s" % (host, number)])
        keep_png(r.body, "certificate")
        # the same number on every download, by anyone allowed; the lower attempt gets the best's
        again = pdf_text(self.cert(self.ex["ex1"], "ex1-low").body)
        self.assertIn(number, again)
        self.assertIn("38.5", again)
        staff = self.cert(self.hr, "ex1")
        self.assertStatus(staff, 200)
        self.assertIn(number, pdf_text(staff.body))
        # the QR code follows the Host the client used
        r = self.ex["ex1"].get("/api/v1/attempts/%d/certificate.pdf" % self.attempt["ex1"],
                               headers={"Host": "exam.example.cn"})
        self.assertEqual(qr_codes(r.body), ["https://exam.example.cn/verify/" + number])
        con = L.connect(self.srv)
        self.assertEqual(con.execute("SELECT count(*) FROM certificates WHERE number = ?", (number,)).fetchone()[0], 1)
        con.close()

    def test_certificate_refused(self):
        self.assertStatus(self.cert(self.ex["ex2"], "ex2"), 409, "not_passed")
        self.assertStatus(self.cert(self.ex["ex1"], "ex3"), 404, "not_found")   # another person's
        self.assertStatus(self.cert(self.ex["ex1"], "ex2"), 404, "not_found")
        self.assertStatus(self.cert(self.ex["ex4"], "ex4"), 409, "not_passed")  # results never shown
        self.assertStatus(self.cert(self.hr, "ex4"), 200)                        # HR sees it
        self.assertStatus(self.ex["ex1"].get("/api/v1/attempts/999999/certificate.pdf"), 404)
        self.assertStatus(self.ex["ex1"].get("/api/v1/attempts/x/certificate.pdf"), 404)
        anon = self.srv.client()
        self.assertStatus(self.cert(anon, "ex1"), 401)

    def test_rare_characters(self):
        r = self.cert(self.ex["ex3"], "ex3")
        self.assertStatus(r, 200)
        self.assertIn("欧阳𠮷䶮", pdf_text(r.body))

    # --- /verify ---------------------------------------------------------------------------------

    def number_of(self, key):
        r = self.cert(self.hr, key)
        self.assertStatus(r, 200)
        return re.search(r"证书编号\s+([A-Z2-7]{16})\b", pdf_text(r.body)).group(1)

    def test_verify(self):
        number = self.number_of("ex3")
        anon = self.srv.client()
        r = anon.get("/verify/" + number)
        self.assertStatus(r, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn("script-src 'self'", r.headers["Content-Security-Policy"])
        page = r.body.decode("utf-8")
        self.assertNotIn("<script", page)
        self.assertNotIn("style=", page)
        for want in ("欧***", UNITS[2], TITLE, "40 分", "有效", number):
            self.assertIn(want, page)
        self.assertNotIn("欧阳", page)
        # the neighbours of a valid number, and anything malformed, are 404
        for i in range(16):
            for ch in (B32[(B32.index(number[i]) + 1) % 32], B32[(B32.index(number[i]) - 1) % 32]):
                n2 = number[:i] + ch + number[i + 1:]
                self.assertEqual(anon.get("/verify/" + n2).status, 404, n2)
        for bad in (number.lower(), number[:-1], number + "A", "%2e%2e", "0" * 16, "x" * 500):
            self.assertEqual(anon.get("/verify/" + bad).status, 404, bad)
        # revoked (a voided attempt, once voiding exists) shows 已撤销
        con = L.connect(self.srv)
        con.execute("UPDATE certificates SET revoked = 1 WHERE number = ?", (number,))
        con.commit()
        page = anon.get("/verify/" + number).body.decode("utf-8")
        self.assertIn("已撤销", page)
        self.assertNotIn("本证明有效", page)
        con.execute("UPDATE certificates SET revoked = 0 WHERE number = ?", (number,))
        con.commit()
        con.close()

    # --- bulk certificates -------------------------------------------------------------------------

    def test_certificates_bulk(self):
        r = self.hr.get("/api/v1/reports/%s/certificates.pdf?org=%s" % (EXAM, urllib.parse.quote("甲区")))
        self.assertStatus(r, 200)
        passed = [(org, p) for org in sorted(UNITS) if org.startswith("甲区/") for p in self.people[org]
                  if p["score2"] is not None and p["score2"] * 100 >= 60 * 80]
        self.assertEqual(pdf_pages(r.body), len(passed))
        text = pdf_text(r.body)
        pages = text.split("\f")
        for (org, p), page in zip(passed, pages):
            self.assertIn(p["name"], re.sub(r"\s", "", page))  # a long name wraps
            self.assertIn(org, page)
            self.assertIn(fmt_score2(p["score2"]), page)
        con = L.connect(self.srv)
        numbers = {n for (n,) in con.execute("SELECT number FROM certificates")}
        con.close()
        codes = qr_codes(r.body, 1, 3)
        self.assertEqual(len(codes), 3)
        for c in codes:
            self.assertTrue(c.startswith("https://%s:%d/verify/" % (self.srv.host, self.srv.port)), c)
            self.assertIn(c.rsplit("/", 1)[1], numbers)
        keep_png(r.body, "certificates")
        # an examinee may not; an unknown exam is 404; nobody passed in scope: one page saying so
        self.assertStatus(self.ex["ex1"].get("/api/v1/reports/%s/certificates.pdf" % EXAM), 403)
        self.assertStatus(self.hr.get("/api/v1/reports/nope/certificates.pdf"), 404)
        r = self.hr.get("/api/v1/reports/%s/certificates.pdf?org=%s" % (EXAM, urllib.parse.quote("丁区")))
        self.assertStatus(r, 200)
        self.assertIn("没有考试合格的人员", pdf_text(r.body))

    # --- the score sheet ----------------------------------------------------------------------------

    def test_sheet(self):
        r = self.hr.get("/api/v1/reports/%s/sheet.pdf?org=%s" % (EXAM, urllib.parse.quote("甲区")))
        self.assertStatus(r, 200)
        keep_png(r.body, "sheet")
        pages = pdf_text(r.body, "-layout").split("\f")[:-1]
        self.assertEqual(len(pages), pdf_pages(r.body))
        units = [u for u in sorted(UNITS) if u.startswith("甲区/")]
        seen = []
        for page in pages:
            m = re.search(r"单位：(\S+?)(（续）)?\s*$", page, re.M)
            self.assertIsNotNone(m, page)
            self.assertIn("成绩汇总表", page)
            self.assertIn(TITLE, page)
            self.assertIn("工号", page)  # the column titles on every page
            if not m.group(2):
                seen.append(m.group(1))
            else:
                self.assertEqual(m.group(1), seen[-1])
        self.assertEqual(seen, units)  # each unit starts on a page of its own, in path order
        by_unit = {}
        for page in pages:
            unit = re.search(r"单位：(\S+?)(（续）)?\s*$", page, re.M).group(1)
            by_unit[unit] = by_unit.get(unit, "") + page
        self.assertGreater(sum(1 for p in pages if UNITS[0] in p), 1)  # 72 rows run over pages
        for unit in units:
            text = by_unit[unit]
            logins = re.findall(r"^\s*([A-Zae][A-Z0-9x]*\d)\s", text, re.M)
            want = [p["login"] for p in self.people[unit]]
            self.assertEqual(logins, want, unit)
            for p in self.people[unit]:
                line = next(l for l in text.splitlines() if re.match(r"\s*%s\s" % p["login"], l))
                self.assertIn(p["status"], line)
                if p["score2"] is not None:
                    self.assertIn(fmt_score2(p["score2"]), line)
                    self.assertIn("不合格" if p["score2"] * 100 < 60 * 80 else "合格", line)
            ps = self.people[unit]
            took = [p for p in ps if p["score2"] is not None]
            passed = [p for p in took if p["score2"] * 100 >= 60 * 80]
            self.assertIn("应考 %d 人，实考 %d 人，合格 %d 人" % (len(ps), len(took), len(passed)), text)
            for sig in ("制表人：", "审核人：", "日期："):
                self.assertIn(sig, text)
        # the long name wraps inside its cell, and comes back whole
        flat = re.sub(r"\s", "", pdf_text(r.body, "-raw"))
        self.assertIn("某某省某某市某某区人民政府办公室综合科法治宣传教育工作领导小组办公室人员", flat)
        # roles, unknown exams, bad parameters
        self.assertStatus(self.ex["ex1"].get("/api/v1/reports/%s/sheet.pdf" % EXAM), 403)
        self.assertStatus(self.hr.get("/api/v1/reports/nope/sheet.pdf"), 404)
        self.assertStatus(self.hr.get("/api/v1/reports/%s/sheet.pdf?org=%s" % (EXAM, "x" * 2000)), 400)
        # the download is audited
        con = L.connect(self.srv)
        rows = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'paper_download'").fetchall()
        con.close()
        self.assertIn(("hr1", "sheet %s org=甲区" % EXAM), rows)

    # --- login slips (lawexam-admin staff import --slips-out) ----------------------------------------

    def test_slips(self):
        rows = ["工号,姓名,单位,类别,角色,密码"]
        for i in range(19):
            unit = "丁区/司法局" if i != 4 else "丁区/某某省某某市某某区/人民政府办公室综合科/法治宣传教育工作领导小组办公室/第一党支部"
            rows.append("D%03d,%s,%s,一般工作人员,,%s" % (i, "孙𠮷%d" % i, unit, "KnownPass-2026" if i == 7 else ""))
        roster = os.path.join(self.srv.dir, "slips.csv")
        with open(roster, "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
        slips = os.path.join(self.srv.dir, "slips.pdf")
        pw_csv = os.path.join(self.srv.dir, "first.csv")
        out = self.check(self.srv.admin("staff", "import", roster, "--slips-out", slips, "--passwords-out", pw_csv,
                                        "--url", "https://exam.example.cn"))
        self.assertIn("login slips of new users written to", out)
        self.assertEqual(os.stat(slips).st_mode & 0o777, 0o600)
        with open(slips, "rb") as f:
            data = f.read()
        keep_png(data, "slips")
        with open(pw_csv, encoding="utf-8-sig") as f:
            first = dict(l.split(",")[:2] for l in f.read().splitlines()[1:])
        self.assertEqual(len(first), 18)  # D007 brought its own password: no slip
        self.assertEqual(pdf_pages(data), 3)  # 8 + 8 + 2
        text = pdf_text(data, "-raw")
        self.assertEqual(text.count("登录凭条"), 18)
        self.assertEqual(text.count("https://exam.example.cn"), 18)
        self.assertNotIn("D007", text)
        pos = 0
        for login in sorted(first):
            i = text.index(login, pos)
            j = text.index(first[login], i)  # the slip's own password follows its login
            self.assertLess(j - i, 400)
            pos = j
        self.assertIn("孙𠮷3", text)
        # the slips are real: a first password from a slip logs in
        c = self.srv.client()
        c.login("D003", first["D003"])
        # without either output the import stops and imports nothing
        rows2 = ["工号,姓名,单位,类别,角色,密码", "D900,周八,丁区,一般工作人员,,"]
        with open(roster, "w", encoding="utf-8") as f:
            f.write("\n".join(rows2) + "\n")
        rc, out, err = self.srv.admin("staff", "import", roster)
        self.assertEqual(rc, 2)
        self.assertIn("--slips-out", err)
        # --slips-out alone is enough; --url defaults to https://127.0.0.1:8443
        self.check(self.srv.admin("staff", "import", roster, "--slips-out", slips))
        with open(slips, "rb") as f:
            text = pdf_text(f.read(), "-raw")
        self.assertIn("D900", text)
        self.assertIn("https://127.0.0.1:8443", text)

    # --- login slips from the admin page (POST /api/v1/admin/slips) ---------------------------------

    def test_slips_route(self):
        import json
        adm = self.srv.client()
        adm.login("adm1", PW)
        secret = "Slip-Secret-7Qx9"
        rows = [{"login": "W%03d" % i, "name": "吴𠮷%d" % i, "org": "戊区/司法局", "password": secret + str(i)}
                for i in range(10)]
        rows[3]["org"] = "/".join(["某某省某某市某某区人民政府办公室综合科第一"] * 8)
        r = adm.post("/api/v1/admin/slips", body=json.dumps(rows, ensure_ascii=False).encode())
        self.assertStatus(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        self.assertIn("filename*=UTF-8''%E7%99%BB%E5%BD%95%E5%87%AD%E6%9D%A1.pdf", r.headers.get("Content-Disposition"))
        keep_png(r.body, "slips-route")
        self.assertEqual(pdf_pages(r.body), 2)  # 8 + 2
        text = pdf_text(r.body, "-raw")
        pos = 0
        for row in rows:  # in the order posted, each password on its own slip
            i = text.index(row["login"], pos)
            pos = text.index(row["password"], i)
        self.assertIn("吴𠮷3", text)
        self.assertIn(re.sub(r"\s", "", rows[3]["org"]), re.sub(r"\s", "", text))
        # the URL is the one the client used
        self.assertEqual(text.count("https://%s:%d/" % (self.srv.host, self.srv.port)), 10)
        # bad bodies: 400 with a Chinese message that names the row, never the password
        for body, where in ((b"", None), (b"{}", None), (b"[]", None), (b"[1]", "第 1 条"),
                            (json.dumps([rows[0], {"login": "x", "name": "y", "org": "z"}]).encode(), "第 2 条"),
                            (json.dumps([{**rows[0], "password": 5}]).encode(), "第 1 条"),
                            (json.dumps([{**rows[0], "login": ""}]).encode(), "第 1 条"),
                            (json.dumps([{**rows[0], "login": "L" * 65}]).encode(), "第 1 条"),
                            (b"[{", None)):
            r = adm.post("/api/v1/admin/slips", body=body)
            self.assertEqual(r.status, 400, body[:40])
            self.assertIn(error_code(r), ("bad_request", "bad_json"))
            if where:
                self.assertIn(where, r.body["error"]["message"])
            self.assertNotIn(secret, json.dumps(r.body, ensure_ascii=False))
        # more than 1 MiB: refused before the handler
        req = ("POST /api/v1/admin/slips HTTP/1.1\r\nHost: x\r\nCookie: lawexam_session=%s\r\n"
               "X-CSRF-Token: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
               % (adm.cookie, adm.csrf, (1 << 20) + 1))
        self.assertEqual(L.raw_status(L.raw_tls(self.srv, req.encode(), timeout=5)), 413)
        # not for HR or examinees
        self.assertStatus(self.hr.post("/api/v1/admin/slips", body=json.dumps(rows).encode()), 403)
        self.assertStatus(self.ex["ex1"].post("/api/v1/admin/slips", body=json.dumps(rows).encode()), 403)
        # nothing stored: no account made, the audit line has the count only, no password in the log
        con = L.connect(self.srv)
        self.assertEqual(con.execute("SELECT count(*) FROM users WHERE login LIKE 'W0%'").fetchone()[0], 0)
        audit = con.execute("SELECT detail FROM audit_log WHERE action = 'paper_download' AND actor = 'adm1'").fetchall()
        dump = "\n".join(con.iterdump())
        con.close()
        self.assertIn(("slips n=10",), audit)
        self.assertNotIn(secret, dump)
        with open(self.srv.log_path, encoding="utf-8", errors="replace") as f:
            self.assertNotIn(secret, f.read())

    # --- 2,000 people in one unit: time and memory (docs/benchmarks.md) ----------------------------

    def test_big_unit(self):
        org = urllib.parse.quote(BIG)
        pid = self.srv.proc.pid
        figures = []
        for what in ("sheet", "certificates"):
            before = vm_hwm_kib(pid)
            t0 = time.monotonic()
            r = self.hr.get("/api/v1/reports/%s/%s.pdf?org=%s" % (EXAM, what, org))
            secs = time.monotonic() - t0
            self.assertStatus(r, 200)
            pages = pdf_pages(r.body)
            if what == "certificates":
                self.assertEqual(pages, BIG_N)
            else:
                self.assertGreater(pages, BIG_N // 50)
                text = pdf_text(r.body)
                self.assertIn("应考 %d 人，实考 %d 人" % (BIG_N, BIG_N), text)
            figures.append("%s: %d people, %d pages, %.1f MB, %.2f s, lawexamd VmHWM %d -> %d MiB" % (
                what, BIG_N, pages, len(r.body) / 1e6, secs, before // 1024, vm_hwm_kib(pid) // 1024))
        print("\n" + "\n".join(figures))


if __name__ == "__main__":
    unittest.main()
