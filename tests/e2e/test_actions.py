"""Per-attempt actions, exemptions, retakes and the regrade over HTTP (SPEC §12; docs/api.md
"Actions on attempts and people"): extend (the deadline moves, even past closes_at, and the
examinee's next save sees it), force-submit (submit reason forced), void (never counts, does
not use up an attempt), the attempt with keys and credit, retakes (补考), exemptions (免考:
out of 应考人数 in the pass rates as JSON, CSV and XLSX, status exempt in the results, out of
the monitor, 403 on start), every bad input refused with a Chinese message and nothing
changed, every action in the audit log with its reason; the key edit, the regrade dry run
listing exactly the changed scores and flips, then applied; the item analysis flagging the
deliberately wrong key.

With LAWEXAM_E2E_PG set to the libpq URI of an empty PostgreSQL database, the same tests run
with lawexamd and lawexam-admin on it (SPEC §11: every rule holds on both backends)."""

import csv
import io
import json
import os
import time

import lawexam_e2e as L
from test_reliability import FAST, PW, admin_ok, create_exam, import_bank, import_staff, iso, make_bank, write_file

try:
    import openpyxl
except ImportError:  # pragma: no cover - Debian's python3-openpyxl is a test dependency
    openpyxl = None

EXAM = "act-exam"
SHORT = "act-short"     # closes in 5 minutes: an extension moves the deadline past closes_at
RG_EXAM = "act-rg"      # the regrade exam over bank "actrg" (5 single questions, 2 points each)
RG_BANK = "actrg"
# Bank actrg: question s0000's stored key is A, but the right answer is B (the wrong key the
# item analysis must flag); the others' keys are as stored.
RG_KEYS = ["A", "C", "D", "B", "A"]
RG_TRUE = ["B", "C", "D", "B", "A"]
# What each regrade examinee answers, by question index (original keys), None = no answer;
# old/new scores in points under key A and key B for question 0 (pass at 60% of 10).
RG_PLAN = {
    "rg1": (["B", "C", "D", "B", "A"], 8, 10),   # the strongest: picks B on q0
    "rg2": (["B", "C", "D", "B", "C"], 6, 8),
    "rg3": (["A", "A", "A", "A", "C"], 2, 0),    # the weakest: picks the wrong key
    "rg4": (["B", "C", "D", "A", "C"], 4, 6),    # flips fail -> pass
    "rg5": (["A", "C", "D", "A", "C"], 6, 4),    # flips pass -> fail
    "rg6": ([None, "C", "D", "B", "C"], 6, 6),   # unchanged: not listed
}


def rg_bank():
    qs = []
    for i, key in enumerate(RG_KEYS):
        qs.append({"id": "%s-s%04d" % (RG_BANK, i), "type": "single",
                   "stem": "〈阅卷〉第%d题：下列说法正确的是？" % i,
                   "options": ["第%d题选项%s" % (i, "甲乙丙丁"[j]) for j in range(4)],
                   "answer": key, "explanation": "解析%d" % i, "basis": "《测试法》第%d条" % i})
    return {"format": "lawexam-bank/1", "bank": {"code": RG_BANK, "title": "阅卷题库", "subject": "阅卷"},
            "questions": qs}


def rg_exam_doc():
    now = time.time()
    return {"format": "lawexam-exam/1", "code": RG_EXAM, "title": "集中阅卷测试",
            "opens_at": iso(now - 3600), "closes_at": iso(now + 86400),
            "duration_minutes": 60, "pass_percent": 60, "max_attempts": 1,
            "multiple_scoring": "all_or_nothing", "results": "immediate", "review": "never",
            "org_scope": ["珠晖区"],
            "papers": [{"categories": ["general"], "sections": [
                {"title": "单选", "bank": RG_BANK, "type": "single", "count": 5, "points": 2}]}]}


def displayed(q, original):
    """The displayed key of original option `original` of question q (matched by its text)."""
    i = int(q["stem"].split("第")[1].split("题")[0])
    text = "第%d题选项%s" % (i, "甲乙丙丁"["ABCD".index(original)])
    return [o["key"] for o in q["options"] if o["text"] == text][0]


class ActionsTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)  # SQLite or PostgreSQL: LAWEXAM_E2E_BACKEND
        import_bank(srv, make_bank("actb", 8, 8))
        import_bank(srv, rg_bank())
        logins = ["ax%02d" % i for i in range(1, 13)] + list(RG_PLAN)
        import_staff(srv, logins)
        srv.add_user("act-admin", roles="admin", password=PW)
        srv.add_user("act-hr", roles="hr", password=PW)
        create_exam(srv, EXAM, "actb")
        create_exam(srv, SHORT, "actb", closes=time.time() + 300)
        admin_ok(srv, "exam", "create", write_file(srv.dir, "rg.json", json.dumps(rg_exam_doc(), ensure_ascii=False)))
        cls._clients = {}

    # --- helpers --------------------------------------------------------------------------

    def who(self, login):
        c = self._clients.get(login)
        if c is None:
            c = self._clients[login] = self.srv.client()
            c.login(login, PW)
        return c

    def admin(self):
        return self.who("act-admin")

    def start(self, login, code=EXAM, expect=201):
        r = self.who(login).post("/api/v1/exams/%s/attempts" % code)
        self.assertStatus(r, expect)
        return r.body

    def sql(self, query, params):
        """Rows of a query on the server's database, SQLite or PostgreSQL (the harness's L.sql)."""
        return [tuple(r) for r in L.sql(self.srv, query, *params)]

    def attempt_row(self, aid):
        return self.sql("SELECT status, deadline, submit_reason, voided_at, void_reason FROM attempts"
                        " WHERE id = ?", (aid,))[0]

    def audit(self, action):
        return [r[0] for r in self.sql("SELECT detail FROM audit_log WHERE action = ? AND actor = ? ORDER BY id",
                                       (action, "act-admin"))]

    def assertChinese(self, r):
        msg = r.body["error"]["message"]
        self.assertRegex(msg, r"[\u4e00-\u9fff]", "the message is Chinese: %r" % msg)

    # --- extend ---------------------------------------------------------------------------

    def test_extend(self):
        att = self.start("ax01")
        aid = att["id"]
        deadline = L_epoch(att["deadline"])
        r = self.admin().post("/api/v1/admin/attempts/%d/extend" % aid, json={"minutes": 10, "reason": "机器故障补时"})
        self.assertStatus(r, 200)
        self.assertEqual(L_epoch(r.body["deadline"]), deadline + 600)
        # The examinee's next save (and the Attempt) carries the new deadline and the credit.
        s = self.who("ax01").put("/api/v1/attempts/%d/answers" % aid, json={"answers": [
            {"position": 1, "response": att["questions"][0]["options"][0]["key"], "seq": 1}]})
        self.assertStatus(s, 200)
        self.assertEqual(L_epoch(s.body["deadline"]), deadline + 600)
        got = self.who("ax01").get("/api/v1/attempts/%d" % aid).body
        self.assertEqual(L_epoch(got["deadline"]), deadline + 600)
        self.assertIn({"seconds": 600, "reason": "extend"},
                      [{k: c[k] for k in ("seconds", "reason")} for c in got.get("credits", [])])
        self.assertTrue(any("attempt=%d" % aid in d and "minutes=10" in d and "机器故障补时" in d
                            for d in self.audit("attempt_extend")))

    def test_extend_past_closes_at(self):
        att = self.start("ax02", SHORT)
        closes = L_epoch(att["deadline"])  # the deadline is closes_at (5 minutes away)
        r = self.admin().post("/api/v1/admin/attempts/%d/extend" % att["id"], json={"minutes": 30, "reason": "迟到补时"})
        self.assertStatus(r, 200)
        self.assertEqual(L_epoch(r.body["deadline"]), closes + 1800)
        self.assertEqual(self.attempt_row(att["id"])[1], closes + 1800)

    def test_extend_bad_input_changes_nothing(self):
        att = self.start("ax03")
        aid = att["id"]
        before = self.attempt_row(aid)
        n_audit = len(self.audit("attempt_extend"))
        cases = [
            ({"minutes": 0, "reason": "x"}, 422, "bad_minutes"),
            ({"minutes": 601, "reason": "x"}, 422, "bad_minutes"),
            ({"minutes": -5, "reason": "x"}, 422, "bad_minutes"),
            ({"minutes": "10", "reason": "x"}, 422, "bad_minutes"),
            ({"minutes": 1.5, "reason": "x"}, 422, "bad_minutes"),
            ({"reason": "x"}, 422, "bad_minutes"),
            ({"minutes": 10}, 422, "bad_reason"),
            ({"minutes": 10, "reason": ""}, 422, "bad_reason"),
            ({"minutes": 10, "reason": "　 "}, 422, "bad_reason"),
            ({"minutes": 10, "reason": 7}, 422, "bad_reason"),
            ({"minutes": 10, "reason": "两行\n原因"}, 422, "bad_reason"),
            ({"minutes": 10, "reason": "长" * 501}, 422, "bad_reason"),
        ]
        for body, status, code in cases:
            r = self.admin().post("/api/v1/admin/attempts/%d/extend" % aid, json=body)
            self.assertStatus(r, status, code)
            self.assertChinese(r)
        self.assertEqual(self.attempt_row(aid), before)
        self.assertEqual(len(self.audit("attempt_extend")), n_audit)
        # 500 characters (1,500 bytes of UTF-8) are allowed
        self.assertStatus(self.admin().post("/api/v1/admin/attempts/%d/extend" % aid,
                                            json={"minutes": 1, "reason": "长" * 500}), 200)
        # not in progress: 409; no such attempt: 404
        self.assertStatus(self.who("ax03").post("/api/v1/attempts/%d/submit" % aid), 200)
        r = self.admin().post("/api/v1/admin/attempts/%d/extend" % aid, json={"minutes": 5, "reason": "x"})
        self.assertStatus(r, 409, "attempt_not_in_progress")
        self.assertChinese(r)
        self.assertStatus(self.admin().post("/api/v1/admin/attempts/999999/extend",
                                            json={"minutes": 5, "reason": "x"}), 404)

    # --- force-submit -----------------------------------------------------------------------

    def test_force_submit(self):
        att = self.start("ax04")
        aid = att["id"]
        self.assertStatus(self.admin().post("/api/v1/admin/attempts/%d/force-submit" % aid, json={}), 422, "bad_reason")
        self.assertEqual(self.attempt_row(aid)[0], "in_progress")
        r = self.admin().post("/api/v1/admin/attempts/%d/force-submit" % aid, json={"reason": "考生违纪，强制交卷"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "submitted")
        self.assertIsNotNone(r.body["result"])
        self.assertEqual(self.attempt_row(aid)[:1] + self.attempt_row(aid)[2:3], ("submitted", "forced"))
        self.assertEqual(self.who("ax04").get("/api/v1/attempts/%d" % aid).body["status"], "submitted")
        r = self.admin().post("/api/v1/admin/attempts/%d/force-submit" % aid, json={"reason": "再次"})
        self.assertStatus(r, 409, "attempt_not_in_progress")
        self.assertTrue(any("attempt=%d" % aid in d and "考生违纪" in d for d in self.audit("attempt_force_submit")))

    # --- void -------------------------------------------------------------------------------

    def test_void_does_not_use_up_an_attempt(self):
        att = self.start("ax05")
        aid = att["id"]
        self.assertStatus(self.who("ax05").post("/api/v1/attempts/%d/submit" % aid), 200)
        self.start("ax05", expect=409)  # max_attempts 1: used up
        r = self.admin().post("/api/v1/admin/attempts/%d/void" % aid, json={"reason": "替考，成绩作废"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["status"], "voided")
        detail = self.admin().get("/api/v1/admin/attempts/%d" % aid)
        self.assertStatus(detail, 200)
        self.assertEqual(detail.body["status"], "voided")
        rows = {x["login"]: x for x in self.admin().get("/api/v1/reports/%s/results?format=json" % EXAM).body["rows"]}
        self.assertEqual(rows["ax05"]["status"], "not_started", "a voided attempt never counts")
        self.assertIsNone(rows["ax05"]["score"])
        again = self.start("ax05")  # not used up
        self.assertNotEqual(again["id"], aid)
        self.assertStatus(self.admin().post("/api/v1/admin/attempts/%d/void" % aid, json={"reason": "再次"}),
                          409, "already_voided")
        self.assertStatus(self.admin().post("/api/v1/admin/attempts/%d/void" % aid, json={"reason": ""}),
                          422, "bad_reason")
        self.assertTrue(any("attempt=%d" % aid in d and "替考" in d for d in self.audit("attempt_void")))

    def test_void_in_progress(self):
        att = self.start("ax06")
        r = self.admin().post("/api/v1/admin/attempts/%d/void" % att["id"], json={"reason": "作废重考"})
        self.assertStatus(r, 200)
        s = self.who("ax06").put("/api/v1/attempts/%d/answers" % att["id"], json={"answers": [
            {"position": 1, "response": "", "seq": 1}]})
        self.assertStatus(s, 409, "attempt_closed")
        self.assertStatus(self.who("ax06").post("/api/v1/attempts/%d/submit" % att["id"]), 409, "attempt_closed")
        self.assertEqual(self.attempt_row(att["id"])[2], None, "a voided attempt is never graded")
        fresh = self.start("ax06")
        self.assertNotEqual(fresh["id"], att["id"])
        self.assertEqual(fresh["status"], "in_progress")

    # --- the attempt for an administrator ---------------------------------------------------

    def test_attempt_detail(self):
        att = self.start("ax07")
        q = att["questions"][0]
        self.assertStatus(self.who("ax07").put("/api/v1/attempts/%d/answers" % att["id"], json={"answers": [
            {"position": 1, "response": q["options"][0]["key"] if q["type"] != "judge" else "T", "seq": 1}]}), 200)
        self.assertStatus(self.who("ax07").post("/api/v1/attempts/%d/submit" % att["id"]), 200)
        r = self.admin().get("/api/v1/admin/attempts/%d" % att["id"])
        self.assertStatus(r, 200)
        b = r.body
        self.assertEqual((b["login"], b["exam_code"], b["status"]), ("ax07", EXAM, "submitted"))
        self.assertEqual(len(b["questions"]), len(att["questions"]))
        total = 0
        for dq in b["questions"]:
            self.assertIn(dq["answer"], [o["key"] for o in dq["options"]] + ["T", "F"])
            self.assertTrue(dq["answer_original"])
            total += dq["credit"]
        self.assertEqual(total, b["result"]["score"])
        self.assertEqual(b["questions"][0]["earned"], b["questions"][0]["credit"])
        # Only administrators: hr and examinees are refused; an unknown id is 404.
        self.assertStatus(self.who("act-hr").get("/api/v1/admin/attempts/%d" % att["id"]), 403)
        self.assertStatus(self.who("ax07").get("/api/v1/admin/attempts/%d" % att["id"]), 403)
        self.assertStatus(self.admin().get("/api/v1/admin/attempts/999999"), 404)
        self.assertStatus(self.who("act-hr").post("/api/v1/admin/attempts/%d/void" % att["id"],
                                                  json={"reason": "x"}), 403)

    # --- retakes ----------------------------------------------------------------------------

    def test_retake(self):
        att = self.start("ax08")
        self.assertStatus(self.who("ax08").post("/api/v1/attempts/%d/submit" % att["id"]), 200)
        self.start("ax08", expect=409)
        r = self.admin().post("/api/v1/admin/exams/%s/retakes" % EXAM, json={"login": "nobody"})
        self.assertStatus(r, 404, "unknown_user")
        self.assertChinese(r)
        self.assertStatus(self.admin().post("/api/v1/admin/exams/%s/retakes" % EXAM, json={}), 422)
        self.start("ax08", expect=409)
        self.assertStatus(self.admin().post("/api/v1/admin/exams/%s/retakes" % EXAM, json={"login": "ax08"}), 200)
        self.start("ax08", expect=201)
        self.assertTrue(any(d == "%s ax08" % EXAM for d in self.audit("grant_retake")))

    # --- exemptions -------------------------------------------------------------------------

    def pass_rates(self, fmt):
        return self.admin().get("/api/v1/reports/%s/pass-rates?by=org&format=%s" % (EXAM, fmt))

    def test_exemption(self):
        before = self.pass_rates("json").body["total"]
        mon0 = self.admin().get("/api/v1/admin/exams/%s/monitor" % EXAM).body
        # bad input first: nothing changes
        for body, status, code in (({"login": "ax09"}, 422, "bad_reason"),
                                   ({"login": "ax09", "reason": "x" * 501}, 422, "bad_reason"),
                                   ({"login": "ghost", "reason": "病假"}, 404, "unknown_user")):
            r = self.admin().post("/api/v1/admin/exams/%s/exemptions" % EXAM, json=body)
            self.assertStatus(r, status, code)
            self.assertChinese(r)
        self.assertEqual(self.pass_rates("json").body["total"], before)

        r = self.admin().post("/api/v1/admin/exams/%s/exemptions" % EXAM, json={"login": "ax09", "reason": "长期病假"})
        self.assertStatus(r, 200)
        try:
            # cannot start
            r = self.who("ax09").post("/api/v1/exams/%s/attempts" % EXAM)
            self.assertStatus(r, 403, "exempt")
            self.assertChinese(r)
            # the per-unit monitor (the unit administrators' drill-down) leaves them out too
            units = self.admin().get("/api/v1/admin/exams/%s/monitor?units=1" % EXAM).body["units"]
            self.assertEqual(sum(u["assigned"] for u in units), mon0["assigned"] - 1, units)
            # pass rates: out of assigned, counted as exempt (JSON)
            total = self.pass_rates("json").body["total"]
            self.assertEqual(total["assigned"], before["assigned"] - 1)
            self.assertEqual(total["exempt"], before["exempt"] + 1)
            row = self.pass_rates("json").body["rows"][0]
            self.assertEqual(row["exempt"], 1)
            # CSV
            r = self.pass_rates("csv")
            self.assertStatus(r, 200)
            table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
            head = table[0]
            self.assertIn("免考人数", head)
            tot = [t for t in table if t[0] == "合计"][0]
            self.assertEqual(int(tot[head.index("应考人数")]), before["assigned"] - 1)
            self.assertEqual(int(tot[head.index("免考人数")]), before["exempt"] + 1)
            # XLSX
            if openpyxl is not None or L.under_ci():
                r = self.pass_rates("xlsx")
                self.assertStatus(r, 200)
                ws = openpyxl.load_workbook(io.BytesIO(r.body)).active
                rows = [[c.value for c in row] for row in ws.iter_rows()]
                head = [h for h in rows if h and h[0] == "单位"][0]
                tot = [t for t in rows if t and t[0] == "合计"][0]
                self.assertEqual(tot[head.index("应考人数")], before["assigned"] - 1)
                self.assertEqual(tot[head.index("免考人数")], before["exempt"] + 1)
            # results: status exempt (JSON), 免考 (CSV)
            rows = {x["login"]: x for x in self.admin().get("/api/v1/reports/%s/results" % EXAM).body["rows"]}
            self.assertEqual(rows["ax09"]["status"], "exempt")
            self.assertIsNone(rows["ax09"]["score"])
            r = self.admin().get("/api/v1/reports/%s/results?format=csv" % EXAM)
            table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
            self.assertEqual([t for t in table if t[0] == "ax09"][0][4], "免考")
            # monitor
            mon = self.admin().get("/api/v1/admin/exams/%s/monitor" % EXAM).body
            self.assertEqual(mon["assigned"], mon0["assigned"] - 1)
            self.assertEqual(mon["exempt"], mon0["exempt"] + 1)
            self.assertTrue(any("login=ax09" in d and "长期病假" in d for d in self.audit("exemption_add")))
        finally:
            r = self.admin().delete("/api/v1/admin/exams/%s/exemptions/ax09" % EXAM)
            self.assertStatus(r, 200)
        self.assertEqual(self.pass_rates("json").body["total"], before)
        self.assertStatus(self.admin().delete("/api/v1/admin/exams/%s/exemptions/ax09" % EXAM), 404, "not_exempt")
        self.assertStatus(self.admin().delete("/api/v1/admin/exams/%s/exemptions/ghost" % EXAM), 404, "unknown_user")
        self.assertTrue(any("login=ax09" in d for d in self.audit("exemption_remove")))
        self.start("ax09")

    # --- key edit, item analysis and regrade -------------------------------------------------

    def test_regrade_dry_run_then_apply(self):
        for login, (plan, _, _) in RG_PLAN.items():
            att = self.start(login, RG_EXAM)
            answers = []
            for q in att["questions"]:
                i = int(q["stem"].split("第")[1].split("题")[0])
                if plan[i] is not None:
                    answers.append({"position": q["position"], "response": displayed(q, plan[i]), "seq": 1})
            self.assertStatus(self.who(login).put("/api/v1/attempts/%d/answers" % att["id"],
                                                  json={"answers": answers}), 200)
            sub = self.who(login).post("/api/v1/attempts/%d/submit" % att["id"])
            self.assertStatus(sub, 200)
            self.assertEqual(sub.body["result"]["score"], RG_PLAN[login][1], login)

        # The item analysis flags question 0 (and only it): negative discrimination and the
        # upper group choosing B over the key A.
        items = self.admin().get("/api/v1/reports/%s/items" % RG_EXAM).body["items"]
        flagged = {it["qid"]: it for it in items if it["suspect_key"]}
        self.assertEqual(sorted(flagged), ["%s-s0000" % RG_BANK])
        it = flagged["%s-s0000" % RG_BANK]
        self.assertEqual(it["answer"], "A")
        self.assertEqual(sorted(it["flags"]), ["distractor_beats_key", "negative_discrimination"])
        self.assertEqual(it["suspect_option"], "B")
        self.assertEqual({o["key"]: o["upper_count"] for o in it["options"]}["B"], 1)

        # The key edit: bad answers refused, nothing changed.
        url = "/api/v1/admin/banks/%s/questions/%s-s0000/answer" % (RG_BANK, RG_BANK)
        for bad in ("Z", "AB", "", 3):
            r = self.admin().put(url, json={"answer": bad})
            self.assertStatus(r, 422, "bad_answer")
            self.assertChinese(r)
        self.assertStatus(self.admin().put("/api/v1/admin/banks/%s/questions/nope/answer" % RG_BANK,
                                           json={"answer": "B"}), 404)
        self.assertStatus(self.who("act-hr").put(url, json={"answer": "B"}), 403)
        dry = self.admin().post("/api/v1/admin/exams/%s/regrade?dry_run=1" % RG_EXAM)
        self.assertStatus(dry, 200)
        self.assertEqual(dry.body["changes"], [], "no key changed yet")

        r = self.admin().put(url, json={"answer": "b"})
        self.assertStatus(r, 200)
        self.assertEqual((r.body["old"], r.body["answer"], r.body["changed"]), ("A", "B", True))

        # Dry run: exactly the changed scores and flips; nothing stored changes.
        want = {login: (old, new, (old >= 6) != (new >= 6))
                for login, (_, old, new) in RG_PLAN.items() if old != new}
        dry = self.admin().post("/api/v1/admin/exams/%s/regrade?dry_run=1" % RG_EXAM)
        self.assertStatus(dry, 200)
        got = {c["login"]: (c["old"], c["new"], c["flip"]) for c in dry.body["changes"]}
        self.assertEqual(got, want)
        self.assertEqual(sum(1 for v in want.values() if v[2]), 2)
        self.assertTrue(all(isinstance(c["attempt_id"], int) for c in dry.body["changes"]))
        results = {x["login"]: x for x in self.admin().get("/api/v1/reports/%s/results" % RG_EXAM).body["rows"]}
        self.assertEqual({lg: results[lg]["score"] for lg in RG_PLAN}, {lg: v[1] for lg, v in RG_PLAN.items()})
        self.assertEqual(self.audit("regrade"), [])

        # Apply: the same changes, now stored; a second dry run finds nothing.
        r = self.admin().post("/api/v1/admin/exams/%s/regrade" % RG_EXAM)
        self.assertStatus(r, 200)
        self.assertEqual({c["login"]: (c["old"], c["new"], c["flip"]) for c in r.body["changes"]}, want)
        results = {x["login"]: x for x in self.admin().get("/api/v1/reports/%s/results" % RG_EXAM).body["rows"]}
        self.assertEqual({lg: results[lg]["score"] for lg in RG_PLAN}, {lg: v[2] for lg, v in RG_PLAN.items()})
        self.assertEqual({lg: results[lg]["passed"] for lg in RG_PLAN}, {lg: v[2] >= 6 for lg, v in RG_PLAN.items()})
        self.assertEqual(self.admin().post("/api/v1/admin/exams/%s/regrade?dry_run=1" % RG_EXAM).body["changes"], [])
        self.assertEqual(len(self.audit("regrade")), 1)
        self.assertTrue(any("answer=A->B" in d for d in self.audit("key_set")))
        items = self.admin().get("/api/v1/reports/%s/items" % RG_EXAM).body["items"]
        self.assertEqual([it["qid"] for it in items if it["suspect_key"]], [], "the fixed key is no longer suspect")
        self.assertStatus(self.who("act-hr").post("/api/v1/admin/exams/%s/regrade?dry_run=1" % RG_EXAM), 403)

    # --- the CLI does the same through the same domain -----------------------------------

    def test_cli_equivalents(self):
        att = self.start("ax10")
        aid = att["id"]
        rc, out, err = self.srv.admin("attempt", "extend", str(aid), "--minutes", "5", "--reason", "命令行补时")
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.srv.admin("attempt", "extend", str(aid), "--minutes", "601", "--reason", "x")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("1–600", err)
        rc, out, err = self.srv.admin("attempt", "force-submit", str(aid), "--reason", "命令行交卷")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.attempt_row(aid)[2], "forced")
        rc, out, err = self.srv.admin("attempt", "void", str(aid), "--reason", "命令行作废")
        self.assertEqual(rc, 0, out + err)
        self.assertIsNotNone(self.attempt_row(aid)[3])
        rc, out, err = self.srv.admin("exam", "exempt", EXAM, "ax11", "--reason", "出差")
        self.assertEqual(rc, 0, out + err)
        self.start("ax11", expect=403)
        rc, out, err = self.srv.admin("exam", "unexempt", EXAM, "ax11")
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.srv.admin("exam", "exempt", EXAM, "ghost", "--reason", "出差")
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(self.srv.admin("attempt", "void", str(aid))[0], 2, "--reason is required")


def L_epoch(s):
    from datetime import datetime
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


if __name__ == "__main__":
    import unittest
    unittest.main()
