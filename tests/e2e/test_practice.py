"""Study (学法, SPEC §13; docs/api.md "Study"): practice sets with immediate feedback and every
bad input; the 错题本 (a wrong practice answer enters it, two right answers in a row clear it;
an exam attempt's wrong and blank answers enter it only once its review may be shown, so the book
never tells a key early); mock exams (any number of attempts, review at once, absent from
every report, list and PDF); the prerequisite of practice answers (403 prerequisite_not_met
with needed/done, then allowed); my study records and reading pings (one counted per 30 s);
the study report by unit and by category, in JSON, CSV and XLSX, whose totals are the sums
computed here."""

import collections
import csv
import io
import json
import os
import time
import unittest

import lawexam_e2e as L
from test_reliability import FAST, PW, admin_ok, import_bank, import_staff, iso, make_bank, write_file

try:
    import openpyxl
except ImportError:  # pragma: no cover - Debian's python3-openpyxl is a test dependency
    openpyxl = None

BANK = make_bank("prac", 12, 12)
KEYS = {q["id"]: q["answer"] for q in BANK["questions"]}
STEM_KEY = {q["stem"]: q["answer"] for q in BANK["questions"]}
ORG2 = "珠晖区/区教育局"


def wrong_of(q, key):
    """A valid response to practice question q that is not key."""
    if q["type"] == "judge":
        return "F" if key == "T" else "T"
    return next(o["key"] for o in q["options"] if o["key"] != key)


def exam(srv, code, n_judge=4, **kw):
    now = time.time()
    doc = {"format": "lawexam-exam/1", "code": code, "title": "学法 " + code,
           "opens_at": iso(now - 3600), "closes_at": iso(now + 86400),
           "duration_minutes": 60, "pass_percent": 60, "max_attempts": 1,
           "multiple_scoring": "all_or_nothing", "results": "immediate", "review": "immediate",
           "org_scope": ["珠晖区"],
           "papers": [{"categories": ["general"], "sections": [
               {"title": "判断", "bank": "prac", "type": "judge", "count": n_judge, "points": 1}]}]}
    doc.update(kw)
    admin_ok(srv, "exam", "create", write_file(srv.dir, "exam-%s.json" % code, json.dumps(doc, ensure_ascii=False)))


class PracticeTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)
        import_bank(srv, BANK)
        logins = ["p%02d" % i for i in range(1, 13)]
        import_staff(srv, logins, extra=["q%02d,考生q%02d,%s,general,examinee,%s" % (i, i, ORG2, PW)
                                         for i in range(1, 4)])
        srv.add_user("p-hr", roles="hr", password=PW)
        srv.add_user("p-admin", roles="admin", password=PW)

    def person(self, login):
        c = self.srv.client()
        c.login(login, PW)
        return c

    def practise(self, c, count=5, mode="random", bank="prac", **kw):
        body = {"bank": bank, "count": count, "mode": mode}
        body.update(kw)
        r = c.post("/api/v1/practice", json=body)
        self.assertStatus(r, 201)
        return r.body

    def answer(self, c, pid, q, right):
        key = KEYS[q["question_id"]]
        resp = key if right else wrong_of(q, key)
        r = c.put("/api/v1/practice/%d/answers/%d" % (pid, q["position"]), json={"response": resp})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["correct"], right)
        self.assertEqual(r.body["answer"], key)
        return r.body

    def mistakes(self, c):
        r = c.get("/api/v1/me/mistakes")
        self.assertStatus(r, 200)
        return {(m["bank"], m["question_id"]): m for m in r.body["rows"]}

    # --- practice --------------------------------------------------------------------------

    def test_practice_feedback_and_no_keys(self):
        c = self.person("p01")
        s = self.practise(c, count=10)
        self.assertEqual(len(s["questions"]), 10)
        self.assertEqual([q["position"] for q in s["questions"]], list(range(1, 11)))
        self.assertEqual(len({q["question_id"] for q in s["questions"]}), 10, "distinct questions")
        text = json.dumps(s, ensure_ascii=False)
        for word in ("answer", "explanation", "basis", "解析"):
            self.assertNotIn(word, text, "a practice set shows no key before an answer")
        q = s["questions"][0]
        fb = self.answer(c, s["id"], q, True)
        self.assertEqual(set(fb), {"correct", "answer", "explanation", "basis", "law", "response", "repeat"})
        self.assertIsNone(fb["law"])
        self.assertTrue(fb["explanation"].startswith("解析"))
        self.assertTrue(fb["basis"].startswith("《测试法》"))
        # the same position again: the first answer stands, nothing counted twice
        again = c.put("/api/v1/practice/%d/answers/%d" % (s["id"], q["position"]),
                      json={"response": wrong_of(q, KEYS[q["question_id"]])})
        self.assertStatus(again, 200)
        self.assertTrue(again.body["repeat"])
        self.assertTrue(again.body["correct"])
        st = c.get("/api/v1/me/study").body
        self.assertEqual((st["practice_answered"], st["practice_correct"]), (1, 1))
        self.assertEqual(st["by_bank"], [{"bank": "prac", "title": BANK["bank"]["title"], "answered": 1, "correct": 1}])
        # GET the set again (a reload): same questions, still no keys
        g = c.get("/api/v1/practice/%d" % s["id"])
        self.assertStatus(g, 200)
        self.assertEqual([q["question_id"] for q in g.body["questions"]], [q["question_id"] for q in s["questions"]])
        self.assertNotIn("answer", json.dumps(g.body))

    def test_feedback_law_when_the_basis_resolves(self):
        """The basis resolves to (law, article) once the law is in the library (h/laws):
        "law" is {"code","no",…}; otherwise null. Questions in review are not practised."""
        srv = self.srv
        rc, out, err = srv.admin("law", "import", os.path.join(L.SOURCE_DIR, "question-bank", "laws", "constitution.md"),
                                 "--code", "constitution")
        self.assertEqual(rc, 0, out + err)
        doc = {"format": "lawexam-bank/1", "bank": {"code": "prac-law", "title": "依据题库", "subject": "宪法"},
               "questions": [{"id": "L1", "type": "judge", "stem": "依据测试：国家实行依法治国。", "answer": "T",
                              "explanation": "解析", "basis": "《中华人民共和国宪法》第五条"},
                             {"id": "L2", "type": "judge", "stem": "依据测试：无依据。", "answer": "T",
                              "explanation": "解析", "basis": "《测试法》第1条"}]}
        import_bank(srv, doc)
        c = self.person("p10")
        s = self.practise(c, count=2, mode="sequential", bank="prac-law")
        laws = {}
        for q in s["questions"]:
            r = c.put("/api/v1/practice/%d/answers/%d" % (s["id"], q["position"]), json={"response": "T"})
            self.assertStatus(r, 200)
            laws[q["question_id"]] = r.body["law"]
        self.assertEqual((laws["L1"]["code"], laws["L1"]["no"]), ("constitution", 5))
        self.assertIsNone(laws["L2"])
        # a question in review (its article changed) is not drawn for practice
        L.sql(srv, "UPDATE questions SET needs_review = 1 WHERE bank = 'prac-law' AND qid = 'L1'")
        s = self.practise(c, count=5, mode="random", bank="prac-law")
        self.assertEqual([q["question_id"] for q in s["questions"]], ["L2"])

    def test_sequential_and_tag(self):
        c = self.person("p02")
        s1 = self.practise(c, count=3, mode="sequential")
        order = [q["id"] for q in BANK["questions"]]
        self.assertEqual([q["question_id"] for q in s1["questions"]], order[:3])
        for q in s1["questions"]:
            self.answer(c, s1["id"], q, True)
        s2 = self.practise(c, count=3, mode="sequential")
        self.assertEqual([q["question_id"] for q in s2["questions"]], order[3:6], "never practised first")
        r = c.post("/api/v1/practice", json={"bank": "prac", "count": 5, "mode": "random", "tag": "没有这个标签"})
        self.assertStatus(r, 409, "no_questions")

    def test_bad_inputs(self):
        c = self.person("p03")
        self.assertStatus(c.post("/api/v1/practice", json={"bank": "nope", "count": 5, "mode": "random"}), 404, "not_found")
        for count in (0, 101, -1, "5", 2.5, None):
            r = c.post("/api/v1/practice", json={"bank": "prac", "count": count, "mode": "random"})
            self.assertIn(r.status, (400, 422), count)
            self.assertRegex(r.body["error"]["message"], "[\u4e00-\u9fff]", "a Chinese message")
        self.assertStatus(c.post("/api/v1/practice", json={"bank": "prac", "count": 5}), 201)  # mode defaults to random
        self.assertStatus(c.post("/api/v1/practice", json={"bank": "prac", "count": 5, "mode": "exam"}), 400, "bad_request")
        self.assertStatus(c.post("/api/v1/practice", json={"count": 5, "mode": "random"}), 400, "bad_request")
        self.assertStatus(c.post("/api/v1/practice", body=b"not json",
                                 headers={"Content-Type": "application/json"}), 400)
        s = self.practise(c, count=24, mode="sequential")
        single = next(q for q in s["questions"] if q["type"] == "single")
        judge = next(q for q in s["questions"] if q["type"] == "judge")
        url = "/api/v1/practice/%d/answers/%d"
        for q, bad in ((single, "E"), (single, "Z"), (single, "AB"), (single, "a"), (single, ""),
                       (judge, "A"), (judge, "TF"), (judge, "t")):
            r = c.put(url % (s["id"], q["position"]), json={"response": bad})
            self.assertStatus(r, 422, "bad_response")
            self.assertRegex(r.body["error"]["message"], "[\u4e00-\u9fff]")
        for body in ({"response": 1}, {}, {"response": None}, {"response": "A" * 40}):
            self.assertStatus(c.put(url % (s["id"], single["position"]), json=body), 422, "bad_response")
        self.assertStatus(c.put(url % (s["id"], 25), json={"response": "A"}), 404, "not_found")
        self.assertStatus(c.put(url % (s["id"], 0), json={"response": "A"}), 404, "not_found")
        self.assertStatus(c.put(url % (999999, 1), json={"response": "A"}), 404, "not_found")
        self.assertStatus(c.put("/api/v1/practice/x/answers/1", json={"response": "A"}), 404, "not_found")
        # another person's set: not found, never forbidden; nothing recorded for either
        other = self.person("p04")
        self.assertStatus(other.get("/api/v1/practice/%d" % s["id"]), 404, "not_found")
        self.assertStatus(other.put(url % (s["id"], judge["position"]), json={"response": "T"}), 404, "not_found")
        self.assertEqual(other.get("/api/v1/me/study").body["practice_answered"], 0)
        self.assertEqual(c.get("/api/v1/me/study").body["practice_answered"], 0, "no bad answer was counted")
        # roles: HR without the examinee role cannot practise
        self.assertStatus(self.person("p-hr").post("/api/v1/practice", json={"bank": "prac", "count": 1}), 403)

    # --- 错题本 -----------------------------------------------------------------------------

    def test_mistake_enters_and_leaves_after_two_right_in_a_row(self):
        c = self.person("p05")
        s = self.practise(c, count=3, mode="sequential")
        q = s["questions"][0]
        key = (BANK["bank"]["code"], q["question_id"])
        self.answer(c, s["id"], q, False)
        m = self.mistakes(c)
        self.assertIn(key, m)
        self.assertEqual(m[key]["wrong_count"], 1)
        self.assertEqual(m[key]["last_response"], wrong_of(q, KEYS[q["question_id"]]))
        self.assertEqual(m[key]["stem"], q["stem"])
        self.assertEqual(c.get("/api/v1/me/study").body["mistakes"], 1)
        # right, wrong (the count starts again), right, right → gone
        for right, still in ((True, True), (False, True), (True, True), (True, False)):
            ms = self.practise(c, count=10, mode="mistakes")
            self.assertEqual([x["question_id"] for x in ms["questions"]], [q["question_id"]])
            self.answer(c, ms["id"], ms["questions"][0], right)
            self.assertEqual(key in self.mistakes(c), still, (right, still))
        r = c.post("/api/v1/practice", json={"bank": "prac", "count": 5, "mode": "mistakes"})
        self.assertStatus(r, 409, "no_questions")

    def take_exam_wrong(self, c, code, wrong=2, mock=False):
        """Starts and submits code answering the first `wrong` questions wrong and the rest right;
        returns the stems answered wrong."""
        r = c.post("/api/v1/exams/%s/attempts" % code)
        self.assertStatus(r, 201)
        att = r.body
        items, stems = [], []
        for i, q in enumerate(att["questions"]):
            key = STEM_KEY[q["stem"]]
            resp = key if i >= wrong else ("F" if key == "T" else "T")
            if i < wrong:
                stems.append(q["stem"])
            items.append({"position": q["position"], "response": resp, "seq": 1})
        self.assertStatus(c.put("/api/v1/attempts/%d/answers" % att["id"], json={"answers": items}), 200)
        # while a real exam's attempt is in progress, practice (which shows keys) is refused;
        # a mock exam is practice itself
        self.assertStatus(c.post("/api/v1/practice", json={"bank": "prac", "count": 3}),
                          201 if mock else 409, None if mock else "exam_in_progress")
        self.assertStatus(c.post("/api/v1/attempts/%d/submit" % att["id"]), 200)
        return att["id"], stems

    def test_exam_mistakes_only_once_review_allowed(self):
        srv = self.srv
        exam(srv, "st-after", review="after_close", results="immediate")
        exam(srv, "st-never", review="never")
        exam(srv, "st-now", review="immediate")
        c = self.person("p06")
        aid_after, stems_after = self.take_exam_wrong(c, "st-after")
        _, stems_never = self.take_exam_wrong(c, "st-never")
        m = self.mistakes(c)
        stems = {x["stem"] for x in m.values()}
        self.assertFalse(stems & set(stems_after), "review after_close, exam open: no key leak through the book")
        self.assertFalse(stems & set(stems_never), "review never: never in the book")
        body = json.dumps(c.get("/api/v1/me/mistakes").body, ensure_ascii=False)
        for s in stems_after + stems_never:
            self.assertNotIn(s, body)
        # a practice set made now must not pick them up either (it takes visible ones in first)
        self.assertStatus(c.post("/api/v1/practice", json={"bank": "prac", "count": 3, "mode": "mistakes"}),
                          409, "no_questions")
        # immediate review: in the book at once, with the response given in the exam
        _, stems_now = self.take_exam_wrong(c, "st-now", wrong=1)
        m = self.mistakes(c)
        self.assertEqual({x["stem"] for x in m.values()}, set(stems_now))
        row = next(iter(m.values()))
        self.assertEqual(row["last_response"], "F" if STEM_KEY[row["stem"]] == "T" else "T")
        # the after_close exam closes: its wrong answers enter on the next look, once
        L.sql(srv, "UPDATE exams SET closes_at = ? WHERE code = 'st-after'", int(time.time()) - 1)
        m = self.mistakes(c)
        self.assertEqual({x["stem"] for x in m.values()}, set(stems_now) | set(stems_after))
        counts = collections.Counter(stems_now + stems_after)  # both exams may have drawn one question
        self.assertEqual({x["stem"]: x["wrong_count"] for x in m.values()}, dict(counts))
        self.assertEqual(len(self.mistakes(c)), len(m), "taken in once")
        # (the book equals exactly the wrong answers of st-now and st-after: a question also
        # answered wrong in st-never is there only because one of those had it wrong too)

    def test_exam_blank_answers_enter_once_review_allowed(self):
        """A question left blank in an exam is a question not known: it enters the book with
        last_response "" — like a wrong one, only once the review may be shown."""
        srv = self.srv
        exam(srv, "st-blank", n_judge=6, review="after_close", results="immediate")
        c = self.person("p11")
        r = c.post("/api/v1/exams/st-blank/attempts")
        self.assertStatus(r, 201)
        att = r.body
        qs = att["questions"]
        # 1 wrong, 2 right, one cleared (saved as ""), two never touched
        items = []
        for i, q in enumerate(qs[:4]):
            key = STEM_KEY[q["stem"]]
            resp = ("F" if key == "T" else "T") if i == 0 else key if i < 3 else ""
            items.append({"position": q["position"], "response": resp, "seq": 1})
        self.assertStatus(c.put("/api/v1/attempts/%d/answers" % att["id"], json={"answers": items}), 200)
        self.assertStatus(c.post("/api/v1/attempts/%d/submit" % att["id"]), 200)
        self.assertEqual(self.mistakes(c), {}, "review after_close, exam open: nothing, blank ones included")
        L.sql(srv, "UPDATE exams SET closes_at = ? WHERE code = 'st-blank'", int(time.time()) - 1)
        m = {x["stem"]: x for x in self.mistakes(c).values()}
        blank = {q["stem"] for q in qs[3:]}
        self.assertEqual(set(m), {qs[0]["stem"]} | blank)
        for stem in blank:
            self.assertEqual(m[stem]["last_response"], "", stem)
            self.assertEqual(m[stem]["wrong_count"], 1, stem)
        self.assertNotEqual(m[qs[0]["stem"]]["last_response"], "")
        self.assertEqual(c.get("/api/v1/me/study").body["mistakes"], 4)
        # they are practised like any mistake
        ms = self.practise(c, count=10, mode="mistakes")
        self.assertEqual({q["stem"] for q in ms["questions"]}, set(m))

    # --- mock exams ------------------------------------------------------------------------

    def test_mock_exam_any_attempts_and_absent_from_reports(self):
        srv = self.srv
        exam(srv, "st-mock", kind="mock", review="immediate")
        exam(srv, "st-real", n_judge=3)
        c = self.person("p07")
        listed = {e["code"]: e for e in c.get("/api/v1/exams").body["exams"]}
        self.assertEqual(listed["st-mock"]["kind"], "mock")
        self.assertIsNone(listed["st-mock"]["attempts_allowed"])
        for n in range(3):  # max_attempts 1 does not limit a mock exam
            aid, _ = self.take_exam_wrong(c, "st-mock", wrong=1, mock=True)
            rv = c.get("/api/v1/attempts/%d/review" % aid)
            self.assertStatus(rv, 200)
        self.assertEqual({e["code"]: e for e in c.get("/api/v1/exams").body["exams"]}["st-mock"]["status"], "open")
        self.take_exam_wrong(c, "st-real", wrong=0)
        for who in ("p-hr", "p-admin"):
            hr = self.person(who)
            codes = [e["code"] for e in hr.get("/api/v1/reports").body["exams"]]
            self.assertIn("st-real", codes)
            self.assertNotIn("st-mock", codes)
            for path in ("pass-rates", "results", "pass-rates?format=csv", "results?format=xlsx", "sheet.pdf",
                         "certificates.pdf"):
                self.assertStatus(hr.get("/api/v1/reports/st-mock/" + path), 404)
            self.assertStatus(hr.get("/api/v1/reports/st-real/pass-rates"), 200)
        self.assertStatus(self.person("p-admin").get("/api/v1/reports/st-mock/items"), 404)
        rc, out, err = srv.admin("report", "pass-rates", "st-mock")
        self.assertNotEqual(rc, 0, out)
        # a mock definition that contradicts itself is refused
        bad = {"format": "lawexam-exam/1", "code": "st-mock-bad", "title": "x", "kind": "mock",
               "opens_at": iso(time.time()), "closes_at": iso(time.time() + 99), "duration_minutes": 10,
               "pass_percent": 60, "review": "never",
               "papers": [{"categories": ["general"], "sections": [
                   {"title": "判断", "bank": "prac", "type": "judge", "count": 1, "points": 1}]}]}
        rc, out, err = srv.admin("exam", "create", write_file(srv.dir, "bad.json", json.dumps(bad)))
        self.assertNotEqual(rc, 0)
        self.assertIn("review", out + err)

    # --- prerequisite ------------------------------------------------------------------------

    def test_prerequisite_then_allowed(self):
        exam(self.srv, "st-req", requires={"practice_answered": 4})
        c = self.person("p08")
        e = {x["code"]: x for x in c.get("/api/v1/exams").body["exams"]}["st-req"]
        self.assertEqual(e["requires"], {"practice_answered": 4, "done": 0})
        r = c.post("/api/v1/exams/st-req/attempts")
        self.assertStatus(r, 403, "prerequisite_not_met")
        self.assertEqual((r.body["needed"], r.body["done"]), (4, 0))
        s = self.practise(c, count=4)
        for i, q in enumerate(s["questions"][:3]):
            self.answer(c, s["id"], q, i % 2 == 0)
        r = c.post("/api/v1/exams/st-req/attempts")
        self.assertStatus(r, 403, "prerequisite_not_met")
        self.assertEqual((r.body["needed"], r.body["done"]), (4, 3))
        self.answer(c, s["id"], s["questions"][3], False)  # wrong answers count as practice too
        self.assertEqual({x["code"]: x for x in c.get("/api/v1/exams").body["exams"]}["st-req"]["requires"]["done"], 4)
        self.assertStatus(c.post("/api/v1/exams/st-req/attempts"), 201)

    # --- study records and the report ------------------------------------------------------

    def test_reading_pings(self):
        c = self.person("p09")
        self.assertStatus(c.post("/api/v1/me/reading", json={"law": "../etc"}), 400, "bad_request")
        self.assertStatus(c.post("/api/v1/me/reading", json={}), 400, "bad_request")
        r = c.post("/api/v1/me/reading", json={"law": "xianfa"})
        self.assertStatus(r, 200)
        self.assertTrue(r.body["counted"])
        for _ in range(3):
            self.assertFalse(c.post("/api/v1/me/reading", json={"law": "xianfa"}).body["counted"])
        self.assertEqual(c.get("/api/v1/me/study").body["reading_seconds"], 30)
        L.sql(self.srv, "UPDATE reading_last SET at = at - 31")  # 31 s later
        self.assertTrue(c.post("/api/v1/me/reading", json={"law": "minfadian"}).body["counted"])
        self.assertEqual(c.get("/api/v1/me/study").body["reading_seconds"], 60)

    def test_study_report_totals(self):
        srv = self.srv
        # q01..q03 (another unit) practise a known amount; q01 reads
        expect = {"q01": (5, 3), "q02": (2, 0), "q03": (0, 0)}
        for login, (n, right) in expect.items():
            if not n:
                continue
            c = self.person(login)
            s = self.practise(c, count=n)
            for i, q in enumerate(s["questions"]):
                self.answer(c, s["id"], q, i < right)
        q1 = self.person("q01")
        self.assertTrue(q1.post("/api/v1/me/reading", json={"law": "xianfa"}).body["counted"])
        hr = self.person("p-hr")
        r = hr.get("/api/v1/reports/study?by=org&format=json")
        self.assertStatus(r, 200)
        rows = {x["group"]: x for x in r.body["rows"]}
        g = rows[ORG2]
        self.assertEqual((g["staff"], g["active"], g["answered"], g["correct"]), (3, 2, 7, 3))
        self.assertAlmostEqual(g["correct_rate"], 3 / 7)
        self.assertEqual(g["reading_minutes"], 0.5)
        # the total is the sum of the rows, whatever else the other tests did
        answered, correct = (int(x) for x in L.sql(srv, "SELECT coalesce(sum(answered),0), coalesce(sum(correct),0)"
                                                          " FROM study_stats")[0])
        reading = int(L.sql(srv, "SELECT coalesce(sum(seconds),0) FROM reading")[0][0])
        staff = int(L.sql(srv, "SELECT count(*) FROM users WHERE disabled = 0 AND (roles & 1) != 0")[0][0])
        t = r.body["total"]
        self.assertEqual((t["staff"], t["answered"], t["correct"]), (staff, answered, correct))
        self.assertEqual(t["reading_minutes"], reading / 60)
        for k in ("staff", "active", "answered", "correct"):
            self.assertEqual(sum(x[k] for x in r.body["rows"]), t[k], k)
        d1 = hr.get("/api/v1/reports/study?by=org&depth=1").body
        self.assertEqual([x["group"] for x in d1["rows"]], ["珠晖区"])
        self.assertEqual(d1["rows"][0]["answered"], t["answered"])
        bc = hr.get("/api/v1/reports/study?by=category").body
        self.assertEqual([(x["group"], x["group_name"]) for x in bc["rows"]], [("general", "一般工作人员")])
        # CSV: BOM, Chinese header, CRLF, the same figures
        r = hr.get("/api/v1/reports/study?by=org&format=csv")
        self.assertStatus(r, 200)
        raw = r.body
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b"\r\n", raw)
        table = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
        self.assertEqual(table[0][0], "单位")
        self.assertIn("阅读时长（分钟）", table[0])
        self.assertEqual(table[-1][0], "合计")
        self.assertEqual(int(table[-1][4]), t["answered"])
        self.assertIn("attachment", r.headers.get("Content-Disposition", ""))
        if openpyxl is not None or L.under_ci():
            L.require(openpyxl is not None, "python3-openpyxl")
            r = hr.get("/api/v1/reports/study?by=category&format=xlsx")
            self.assertStatus(r, 200)
            wb = openpyxl.load_workbook(io.BytesIO(r.body))
            ws = wb.active
            header = [c.value for c in ws[5]]
            self.assertEqual(header[:3], ["类别", "类别名称", "人数"])
            last = [c.value for c in ws[ws.max_row]]
            self.assertEqual(last[0], "合计")
            self.assertEqual(last[5], t["answered"])
            self.assertIsInstance(last[5], (int, float))
        # examinees may not see it; bad parameters are 400
        self.assertStatus(self.person("q02").get("/api/v1/reports/study"), 403)
        self.assertStatus(hr.get("/api/v1/reports/study?by=nope"), 400, "bad_request")
        self.assertStatus(hr.get("/api/v1/reports/study?depth=0"), 400, "bad_request")


if __name__ == "__main__":
    unittest.main()
