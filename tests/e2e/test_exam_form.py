"""What the exam-creation form of the admin pages asks the server (SPEC §12, docs/api.md
"The exam-creation form"): the live count of a section's filter (GET /admin/banks/{code}/count),
the staff categories (GET /admin/categories) and the dry run's preview of POST /admin/exams
(per-section available counts, who is assigned per unit and category).

Every figure is checked against what this file built: the banks (which questions are active,
retired or held in review, their tags and difficulties) and the roster (units, categories,
roles, a disabled person). The preview is also checked against the server's own assignment
after the exam is created (the monitor's assigned and the people list), and a section asking
for one question more than the count said exists is refused.
"""

import collections
import json
import os
import time
import unittest
import urllib.parse
from datetime import datetime, timedelta, timezone

import lawexam_e2e as L
from lawexam_e2e import error_code

PW = L.DEFAULT_PASSWORD
TZ8 = timezone(timedelta(hours=8))
Q = urllib.parse.quote

A = "珠晖区/区司法局"
A2 = A + "/普法股"
B = "珠晖区/区教育局"
C = "雁峰区/区司法局"

# login, unit, category, roles, disabled
STAFF = [
    ("ef-l1", A, "leader", "examinee", False),
    ("ef-l2", A2, "leader", "examinee", False),
    ("ef-l3", B, "leader", "examinee", False),
    ("ef-l4", C, "leader", "examinee", False),          # outside the scope 珠晖区
    ("ef-g1", A, "general", "examinee", False),
    ("ef-g2", A, "general", "examinee", False),
    ("ef-g3", A2, "general", "examinee", False),
    ("ef-g4", B, "general", "examinee", False),
    ("ef-g5", C, "general", "examinee", False),         # outside the scope
    ("ef-g6", B, "general", "examinee", True),          # disabled: never assigned
    ("ef-e1", A, "enforcement", "examinee", False),     # a category without a paper below
    ("ef-e2", B, "enforcement", "examinee", False),
    ("ef-hr", A, "general", "hr", False),               # not an examinee: never assigned
    ("ef-ua", A, "leader", "unit_admin,examinee", False),
]


def iso(t):
    return datetime.fromtimestamp(int(t), TZ8).isoformat()


def bank(code, plan):
    """plan: (type, id prefix, count, tags, difficulty of question i) per group."""
    qs = []
    for qtype, prefix, count, tags, diff in plan:
        for i in range(1, count + 1):
            q = {"id": "%s%02d" % (prefix, i), "type": qtype,
                 "stem": "〈%s〉%s第%d题：下列说法正确的是？" % (code, prefix, i),
                 "difficulty": diff(i), "explanation": "解析", "basis": "《测试法》第%d条" % i}
            if qtype == "judge":
                q["answer"] = "TF"[i % 2]
            else:
                q["options"] = ["%s-%s%d 选项%s" % (code, prefix, i, k) for k in "甲乙丙丁"]
                q["answer"] = "A" if qtype == "single" else "AC"
            if tags:
                q["tags"] = list(tags)
            qs.append(q)
    return {"format": "lawexam-bank/1", "bank": {"code": code, "title": "表单题库 " + code, "subject": "测试"},
            "questions": qs}


# ef-con: 6 singles tagged 总纲 (difficulty 1,2,3,1,2,3), 4 singles tagged 公民 (difficulty 4),
# 5 judges tagged 总纲. ef-civ: 6 multiples tagged 物权 (one also 合同), 4 singles, no tags.
CON = bank("ef-con", [("single", "Z", 6, ["总纲"], lambda i: 1 + (i - 1) % 3),
                      ("single", "G", 4, ["公民"], lambda i: 4),
                      ("judge", "J", 5, ["总纲"], lambda i: 3)])
CIV = bank("ef-civ", [("multiple", "M", 5, ["物权"], lambda i: 3),
                      ("multiple", "N", 1, ["物权", "合同"], lambda i: 3),
                      ("single", "S", 4, None, lambda i: 2)])
RETIRED = ("ef-con", "G01")      # made inactive behind the server's back
IN_REVIEW = ("ef-con", "Z01")    # needs_review: not drawable (SPEC §13)


def expected_count(doc, qtype, tags=(), dmin=1, dmax=5):
    """(available, held) computed from the bank document and the two changes above."""
    code = doc["bank"]["code"]
    avail = held = 0
    for q in doc["questions"]:
        if q["type"] != qtype or (code, q["id"]) == RETIRED:
            continue
        if not all(t in q.get("tags", []) for t in tags) or not dmin <= q["difficulty"] <= dmax:
            continue
        if (code, q["id"]) == IN_REVIEW:
            held += 1
        else:
            avail += 1
    return avail, held


def expected_tags(doc, qtype):
    code = doc["bank"]["code"]
    n = collections.Counter()
    for q in doc["questions"]:
        if q["type"] == qtype and (code, q["id"]) not in (RETIRED, IN_REVIEW):
            n.update(q.get("tags", []))
    return sorted(({"tag": t, "count": c} for t, c in n.items()), key=lambda x: (-x["count"], x["tag"].encode()))


def exam(code, **kw):
    now = time.time()
    d = {"format": "lawexam-exam/1", "code": code, "title": "表单考试 " + code,
         "opens_at": iso(now - 600), "closes_at": iso(now + 86400), "duration_minutes": 30,
         "pass_percent": 60, "max_attempts": 1, "review": "after_close", "org_scope": ["珠晖区"],
         "papers": [
             {"categories": ["leader"], "sections": [
                 {"title": "宪法总纲", "bank": "ef-con", "type": "single", "count": 3, "points": 2, "tags": ["总纲"]},
                 {"title": "物权", "bank": "ef-civ", "type": "multiple", "count": 2, "points": 4}]},
             {"categories": ["general"], "sections": [
                 {"title": "判断", "bank": "ef-con", "type": "judge", "count": 4, "points": 1},
                 {"title": "民法单选", "bank": "ef-civ", "type": "single", "count": 2, "points": 2,
                  "difficulty": [2, 2]}]}]}
    d.update(kw)
    return d


def roster_csv():
    lines = ["工号,姓名,单位,类别,角色,密码"]
    for login, org, cat, roles, _ in STAFF:
        lines.append('%s,姓名%s,%s,%s,"%s",%s' % (login, login, org, cat, roles.replace(",", ";"), PW))
    return "\r\n".join(lines) + "\r\n"


def expected_assigned(categories_with_paper, scope=("珠晖区",)):
    """{(org, category): n} of the people an exam with those papers and scope assigns."""
    out = collections.Counter()
    for login, org, cat, roles, disabled in STAFF:
        if disabled or "examinee" not in roles.split(",") or cat not in categories_with_paper:
            continue
        if scope and not any(org == s or org.startswith(s + "/") for s in scope):
            continue
        out[(org, cat)] += 1
    return dict(out)


class ExamFormTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        srv = cls.srv = cls.start_server("--argon2-m", "1024", "--argon2-t", "1")
        for doc in (CON, CIV):
            path = os.path.join(srv.dir, doc["bank"]["code"] + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
            rc, out, err = srv.admin("bank", "import", path)
            assert rc == 0, out + err
        path = os.path.join(srv.dir, "staff.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(roster_csv())
        rc, out, err = srv.admin("staff", "import", path)
        assert rc == 0, out + err
        for login, _, _, _, disabled in STAFF:
            if disabled:
                rc, out, err = srv.admin("user", "disable", login)
                assert rc == 0, out + err
        rc, out, err = srv.admin("category", "add", "auditor", "审计人员")
        assert rc == 0, out + err
        L.sql(srv, "UPDATE questions SET active = 0 WHERE bank = ? AND qid = ?", *RETIRED)
        L.sql(srv, "UPDATE questions SET needs_review = 1 WHERE bank = ? AND qid = ?", *IN_REVIEW)
        srv.add_user("ef-admin", roles="admin", category="general", org="珠晖区")
        cls.c = srv.client()
        cls.c.login("ef-admin", PW)

    def count(self, bank_code, **q):
        return self.c.get("/api/v1/admin/banks/%s/count?%s" % (bank_code, urllib.parse.urlencode(q)))

    def test_count_matches_the_banks(self):
        cases = [
            (CON, {"type": "single"}, {}),
            (CON, {"type": "single", "tags": "总纲"}, {"tags": ["总纲"]}),
            (CON, {"type": "single", "tags": "公民"}, {"tags": ["公民"]}),
            (CON, {"type": "single", "tags": "总纲，公民"}, {"tags": ["总纲", "公民"]}),
            (CON, {"type": "single", "tags": "总纲", "difficulty": "2-3"}, {"tags": ["总纲"], "dmin": 2, "dmax": 3}),
            (CON, {"type": "single", "difficulty": "1"}, {"dmin": 1, "dmax": 1}),
            (CON, {"type": "judge"}, {}),
            (CON, {"type": "multiple"}, {}),
            (CIV, {"type": "multiple", "tags": "物权"}, {"tags": ["物权"]}),
            (CIV, {"type": "multiple", "tags": "物权;合同"}, {"tags": ["物权", "合同"]}),
            (CIV, {"type": "single", "tags": "物权"}, {"tags": ["物权"]}),
        ]
        for doc, query, want in cases:
            with self.subTest(bank=doc["bank"]["code"], query=query):
                r = self.count(doc["bank"]["code"], **query)
                self.assertStatus(r, 200)
                avail, held = expected_count(doc, query["type"], want.get("tags", ()), want.get("dmin", 1),
                                             want.get("dmax", 5))
                self.assertEqual((r.body["available"], r.body["held"]), (avail, held), r.body)
                self.assertEqual(r.body["bank"], doc["bank"]["code"])
                self.assertEqual(r.body["type"], query["type"])
                self.assertEqual(r.body["tags"], expected_tags(doc, query["type"]))
                self.assertFalse(r.body["tags_truncated"])
        # the figures the form relies on: 总纲 singles are 5 (Z01 is in review), 公民 3 (G01 retired)
        self.assertEqual(self.count("ef-con", type="single", tags="总纲").body["available"], 5)
        self.assertEqual(self.count("ef-con", type="single", tags="总纲").body["held"], 1)
        self.assertEqual(self.count("ef-con", type="single", tags="公民").body["available"], 3)

    def test_count_is_what_creation_accepts(self):
        """A section asking for exactly the count is accepted; one more is refused, naming the
        figure and the questions held in review."""
        n = self.count("ef-con", type="single", tags="总纲").body["available"]
        d = exam("ef-edge", papers=[{"categories": ["leader"], "sections": [
            {"title": "总纲", "bank": "ef-con", "type": "single", "count": n, "points": 1, "tags": ["总纲"]}]}])
        r = self.c.post("/api/v1/admin/exams?dry_run=1", json=d)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["sections"][0]["available"], n)
        d["papers"][0]["sections"][0]["count"] = n + 1
        r = self.c.post("/api/v1/admin/exams?dry_run=1", json=d)
        self.assertStatus(r, 422, "invalid_exam")
        msg = r.body["error"]["details"][0]["message"]
        self.assertIn("只有 %d 道" % n, msg)
        self.assertIn("另有 1 道", msg)

    def test_count_refusals(self):
        self.assertStatus(self.count("no-such-bank", type="single"), 404, "bank_not_found")
        self.assertStatus(self.c.get("/api/v1/admin/banks/..%2Fx/count?type=single"), 404)  # refused before routing
        self.assertStatus(self.c.get("/api/v1/admin/banks/%s/count?type=single" % ("a" * 33)), 404, "bank_not_found")
        self.assertStatus(self.count("ef-con"), 400, "bad_request")
        self.assertStatus(self.count("ef-con", type="essay"), 400, "bad_request")
        for bad in ("3-1", "0-2", "1-6", "x", "2-", "-2", "1-3-5"):
            with self.subTest(difficulty=bad):
                self.assertStatus(self.count("ef-con", type="single", difficulty=bad), 400, "bad_request")
        many = ",".join("t%d" % i for i in range(21))
        self.assertStatus(self.count("ef-con", type="single", tags=many), 400, "bad_request")
        twenty = ",".join("t%d" % i for i in range(20))
        r = self.count("ef-con", type="single", tags=twenty)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["available"], 0)

    def test_categories(self):
        r = self.c.get("/api/v1/admin/categories")
        self.assertStatus(r, 200)
        got = {c["code"]: (c["name"], c["examinees"]) for c in r.body["categories"]}
        want = collections.Counter(cat for _, _, cat, roles, disabled in STAFF
                                   if not disabled and "examinee" in roles.split(","))
        self.assertEqual(got, {"leader": ("领导干部", want["leader"]), "enforcement": ("行政执法人员", want["enforcement"]),
                               "general": ("一般工作人员", want["general"]), "auditor": ("审计人员", 0)})

    def test_dry_run_preview_then_create(self):
        d = exam("ef-main")
        r = self.c.post("/api/v1/admin/exams?dry_run=1", json=d)
        self.assertStatus(r, 200)
        self.assertTrue(r.body["dry_run"])
        self.assertFalse(r.body["created"])
        # sections: every section with the count the form showed for its filter
        secs = r.body["sections"]
        self.assertEqual([(s["paper"], s["section"]) for s in secs], [(0, 0), (0, 1), (1, 0), (1, 1)])
        docs = {"ef-con": CON, "ef-civ": CIV}
        for s in secs:
            want = d["papers"][s["paper"]]["sections"][s["section"]]
            dmin, dmax = want.get("difficulty", [1, 5])
            self.assertEqual((s["title"], s["bank"], s["type"], s["count"], s["points"]),
                             (want["title"], want["bank"], want["type"], want["count"], want["points"]))
            self.assertEqual((s["available"], s["held"]),
                             expected_count(docs[s["bank"]], s["type"], want.get("tags", ()), dmin, dmax), s)
        # who is assigned, per unit and category, from the roster this file made
        want = expected_assigned({"leader", "general"})
        a = r.body["assigned"]
        self.assertEqual({(x["org"], x["category"]): x["count"] for x in a["rows"]}, want)
        self.assertEqual([(x["org"], x["category"]) for x in a["rows"]],
                         sorted(want, key=lambda k: (k[0].encode(), k[1])), "unit path order, then category")
        self.assertEqual(a["total"], sum(want.values()))
        self.assertEqual(a["total"], 8)
        by = {x["category"]: (x["paper"], x["count"], x["name"]) for x in a["by_category"]}
        self.assertEqual(by, {"leader": (0, 4, "领导干部"), "general": (1, 4, "一般工作人员"),
                              "enforcement": (None, 2, "行政执法人员"), "auditor": (None, 0, "审计人员")})
        # nothing was created
        codes = [x["code"] for x in self.c.get("/api/v1/admin/exams").body["exams"]]
        self.assertNotIn("ef-main", codes)

        # created: the server's own assignment is what the preview said
        r = self.c.post("/api/v1/admin/exams", json=d)
        self.assertStatus(r, 201)
        self.assertTrue(r.body["created"])
        self.assertNotIn("assigned", r.body)
        mon = self.c.get("/api/v1/admin/exams/ef-main/monitor")
        self.assertStatus(mon, 200)
        self.assertEqual(mon.body["assigned"], a["total"])
        people = self.c.get("/api/v1/admin/exams/ef-main/people")
        self.assertStatus(people, 200)
        cats = {login: cat for login, _, cat, _, _ in STAFF}
        seen = collections.Counter((p["org"], cats[p["login"]]) for p in people.body["rows"])
        self.assertEqual(dict(seen), want)

    def test_preview_without_scope_and_with_a_sub_unit(self):
        d = exam("ef-all")
        del d["org_scope"]
        r = self.c.post("/api/v1/admin/exams?dry_run=1", json=d)
        self.assertStatus(r, 200)
        want = expected_assigned({"leader", "general"}, scope=())
        self.assertEqual({(x["org"], x["category"]): x["count"] for x in r.body["assigned"]["rows"]}, want)
        self.assertIn((C, "leader"), want)
        d = exam("ef-sub", org_scope=[A2, C])
        r = self.c.post("/api/v1/admin/exams?dry_run=1", json=d)
        self.assertStatus(r, 200)
        want = expected_assigned({"leader", "general"}, scope=(A2, C))
        self.assertEqual({(x["org"], x["category"]): x["count"] for x in r.body["assigned"]["rows"]}, want)
        self.assertEqual(r.body["assigned"]["total"], sum(want.values()))

    def test_refused_definitions_create_nothing(self):
        bad = [
            ("code", exam("")),
            ("closes_at", exam("ef-bad1", closes_at=iso(time.time() - 7200))),
            ("count", exam("ef-bad2", papers=[{"categories": ["leader"], "sections": [
                {"title": "零", "bank": "ef-con", "type": "judge", "count": 0, "points": 1}]}])),
        ]
        before = self.c.get("/api/v1/admin/exams").body["exams"]
        for field, d in bad:
            with self.subTest(field=field):
                r = self.c.post("/api/v1/admin/exams", json=d)
                self.assertStatus(r, 422, "invalid_exam")
                self.assertTrue(any(field in x["where"] for x in r.body["error"]["details"]), r.body)
        self.assertEqual(self.c.get("/api/v1/admin/exams").body["exams"], before)


if __name__ == "__main__":
    unittest.main()
