"""End-to-end tests of the exam itself (SPEC §4.3, §4.4, §5, §6) over HTTPS against a real
lawexamd: papers per staff category, start/resume/save/submit, scores checked against a
reference grader written here (never the C grader), timing (deadline, grace, auto-submit,
restart), seq ordering, durability across kill -9, no key leaks, access rules, retakes,
review policies, regrading after a key fix, bad saves, exam-definition validation and the
staff roster import (CSV and XLSX, CLI and API).

Every bank used here is built by this file (lawexam-bank/1), so every key is known. Papers
shuffle questions and options per attempt, so the reference grader maps the displayed
options back to the bank's options by their TEXT to know which displayed keys are right.
"""

import csv
import io
import json
import os
import random
import re
import time
import unittest
from datetime import datetime, timedelta, timezone

import lawexam_e2e as L

PW = "Passw0rd!e2e"
FAST = ("--argon2-m", "1024", "--argon2-t", "1")
TZ8 = timezone(timedelta(hours=8))
LETTERS = "ABCDEFGH"
EXPL_MARK = "EXPL〔"
BASIS_MARK = "BASIS〔"


# --- time ---------------------------------------------------------------------------------

def iso(t):
    """RFC 3339 with a +08:00 offset, whole seconds."""
    return datetime.fromtimestamp(int(t), TZ8).isoformat()


def epoch(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def sleep_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


# --- banks of our own ---------------------------------------------------------------------

def make_bank(code, title, plan, seed):
    """A lawexam-bank/1 document. plan: list of (type, count, tags, difficulty or None).
    Stems, option texts, explanations and bases are unique across all banks of this file;
    explanations and bases carry markers the leak checks look for."""
    rnd = random.Random(seed)
    qs = []
    n = 0
    for qtype, count, tags, diff in plan:
        for _ in range(count):
            n += 1
            qid = "%s-%03d" % (code.upper(), n)
            q = {"id": qid, "type": qtype,
                 "stem": "〈%s〉第%d题（%s）：下列关于本题所述法律规定的说法，正确的是？" % (code, n, qtype)}
            if qtype == "single":
                nopt = rnd.choice([4, 4, 5])
                q["options"] = ["%s/%d 选项%s：第%d种表述" % (code, n, "甲乙丙丁戊己庚辛"[j], j + 1) for j in range(nopt)]
                q["answer"] = rnd.choice(LETTERS[:nopt])
            elif qtype == "multiple":
                nopt = rnd.choice([4, 5, 6])
                q["options"] = ["%s/%d 选项%s：第%d种情形" % (code, n, "甲乙丙丁戊己庚辛"[j], j + 1) for j in range(nopt)]
                keys = sorted(rnd.sample(LETTERS[:nopt], rnd.randint(2, nopt - 1)))
                if n % 3 == 0:
                    keys.reverse()  # "any order (stored sorted)"
                q["answer"] = "".join(keys)
            else:
                q["answer"] = rnd.choice("TF")
            q["explanation"] = "%s%s〕解析：本题考查第%d条。" % (EXPL_MARK, qid, n)
            q["basis"] = "%s%s〕《测试法》第%d条" % (BASIS_MARK, qid, n)
            q["difficulty"] = diff if diff is not None else 1 + n % 5
            if tags:
                q["tags"] = list(tags)
            qs.append(q)
    return {"format": "lawexam-bank/1", "bank": {"code": code, "title": title, "subject": code},
            "questions": qs}


def write_json(srv, name, doc):
    path = os.path.join(srv.dir, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    return path


def import_bank(tc, srv, doc, name=None):
    path = write_json(srv, name or (doc["bank"]["code"] + ".json"), doc)
    rc, out, err = srv.admin("bank", "import", path)
    tc.assertEqual(rc, 0, out + err)
    return path, out


# --- the reference grader (independent of the C one) ---------------------------------------

class Ref:
    """Knows every bank question by its stem; maps displayed options back by text."""

    def __init__(self, *banks):
        self.q = {}
        self.bank_of = {}
        for b in banks:
            self.add(b)

    def add(self, bank):
        for q in bank["questions"]:
            self.q[q["stem"]] = q
            self.bank_of[q["stem"]] = bank["bank"]["code"]

    def question(self, dq):
        return self.q[dq["stem"]]

    def displayed_key(self, dq, answer=None):
        """The displayed keys (sorted) that are right for displayed question dq."""
        q = self.question(dq)
        ans = answer if answer is not None else q["answer"]
        if q["type"] == "judge":
            return ans
        right = {q["options"][LETTERS.index(k)] for k in ans}
        return "".join(sorted(o["key"] for o in dq["options"] if o["text"] in right))


def earned2(qtype, key, resp, points, rule):
    """Half-points earned (integers: 2 = one point)."""
    if not resp:
        return 0
    if resp == key:
        return 2 * points
    if qtype == "multiple" and rule == "partial" and set(resp) < set(key):
        return points  # a non-empty proper subset earns half
    return 0


def grade(questions, answers, keys, rule):
    """(score2, max2) for displayed questions, answers {pos: resp}, keys {pos: displayed key}."""
    s = m = 0
    for dq in questions:
        pos = dq["position"]
        m += 2 * dq["points"]
        s += earned2(dq["type"], keys[pos], answers.get(pos, ""), dq["points"], rule)
    return s, m


def passed(score2, max2, pass_percent):
    return score2 * 100 >= pass_percent * max2


def num2(v):
    """A JSON score (38 or 38.5) as half-points."""
    x = v * 2
    assert abs(x - round(x)) < 1e-9, v
    return int(round(x))


def random_response(rnd, dq, key):
    """A random displayed response (None: not answered) covering right, wrong, partial, superset."""
    if rnd.random() < 0.12:
        return None
    t = dq["type"]
    if t == "judge":
        return key if rnd.random() < 0.5 else rnd.choice("TF")
    disp = [o["key"] for o in dq["options"]]
    if t == "single":
        return key if rnd.random() < 0.45 else rnd.choice(disp)
    wrong = [k for k in disp if k not in key]
    c = rnd.randrange(6)
    if c <= 1:
        pick = set(key)
    elif c == 2:
        pick = set(rnd.sample(key, rnd.randint(1, len(key) - 1)))  # proper subset
    elif c == 3 and wrong:
        pick = set(key) | {rnd.choice(wrong)}  # superset
    elif c == 4 and wrong:
        pick = set(rnd.sample(key, rnd.randint(1, len(key) - 1))) | {rnd.choice(wrong)}
    else:
        pick = set(rnd.sample(disp, rnd.randint(1, len(disp))))
    return "".join(sorted(pick))


# --- leak checks --------------------------------------------------------------------------

QUESTION_FIELDS = {"position", "section", "type", "stem", "options", "points"}
FORBIDDEN_FIELDS = {"key", "keys", "answer", "answer_key", "correct", "correct_answer", "solution",
                    "explanation", "explanations", "basis", "bases", "analysis"}


def leaks(body, secret_texts=()):
    """Everything in a JSON body that reveals a key, an explanation or a basis (a list of
    problems; empty when clean). Option objects {"key","text"} are the displayed options."""
    found = []

    def walk(v, path):
        if isinstance(v, dict):
            is_option = set(v) == {"key", "text"}
            if "stem" in v:
                extra = set(v) - QUESTION_FIELDS
                if extra:
                    found.append("%s: question fields %s" % (path, sorted(extra)))
            for k, x in v.items():
                if k.lower() in FORBIDDEN_FIELDS and not (is_option and k == "key"):
                    found.append("%s: field %r" % (path, k))
                if EXPL_MARK in k or BASIS_MARK in k:
                    found.append("%s: key text %r" % (path, k))
                walk(x, "%s.%s" % (path, k))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, "%s[%d]" % (path, i))
        elif isinstance(v, str):
            if EXPL_MARK in v or BASIS_MARK in v or any(s in v for s in secret_texts):
                found.append("%s: text %r" % (path, v[:80]))

    walk(body, "$")
    return found


# --- people -------------------------------------------------------------------------------

def roster_csv(rows, header=("工号", "姓名", "单位", "类别", "角色", "密码")):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return out.getvalue()


def import_staff(tc, srv, rows, name="staff.csv", *extra):
    path = os.path.join(srv.dir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(roster_csv(rows))
    rc, out, err = srv.admin("staff", "import", path, *extra)
    tc.assertEqual(rc, 0, out + err)
    return out


def create_exam(tc, srv, doc, name=None):
    path = write_json(srv, name or ("exam-%s.json" % doc["code"]), doc)
    rc, out, err = srv.admin("exam", "create", path)
    tc.assertEqual(rc, 0, out + err)
    return path


def exam_doc(code, papers, opens=None, closes=None, **kw):
    now = time.time()
    d = {"format": "lawexam-exam/1", "code": code, "title": "测试考试 " + code,
         "opens_at": iso(now - 3600 if opens is None else opens),
         "closes_at": iso(now + 86400 if closes is None else closes),
         "duration_minutes": 60, "pass_percent": 60, "max_attempts": 1,
         "multiple_scoring": "all_or_nothing", "results": "immediate", "review": "immediate",
         "org_scope": ["珠晖区"], "papers": papers}
    d.update(kw)
    return d


def sec(title, bank, qtype, count, points, tags=None, difficulty=None):
    s = {"title": title, "bank": bank, "type": qtype, "count": count, "points": points}
    if tags:
        s["tags"] = tags
    if difficulty:
        s["difficulty"] = difficulty
    return s


BANK_A = make_bank("e2e-law-a", "测试题库甲", [
    ("single", 12, ["宪法"], None),
    ("multiple", 8, ["民法典"], None),
    ("judge", 7, ["党章"], None),
    ("judge", 5, ["纪律"], None),
], seed=101)
BANK_B = make_bank("e2e-law-b", "测试题库乙", [
    ("single", 10, None, None),
    ("multiple", 8, None, None),
    ("judge", 6, None, 2),
    ("judge", 6, None, 5),
], seed=202)

PAPERS = [
    {"categories": ["leader"], "sections": [
        sec("宪法", "e2e-law-a", "single", 5, 2, tags=["宪法"]),
        sec("民法典", "e2e-law-b", "multiple", 4, 3),
        sec("党内法规", "e2e-law-a", "judge", 6, 1, tags=["党章"]),
    ]},
    {"categories": ["enforcement"], "sections": [
        sec("行政执法", "e2e-law-b", "single", 6, 2),
        sec("多选", "e2e-law-a", "multiple", 3, 4),
        sec("判断", "e2e-law-b", "judge", 5, 1, difficulty=[1, 3]),
    ]},
    {"categories": ["general"], "sections": [
        sec("判断", "e2e-law-a", "judge", 8, 1),
        sec("单选", "e2e-law-b", "single", 4, 3),
        sec("多选", "e2e-law-a", "multiple", 2, 5),
    ]},
]
CATEGORIES = ("leader", "enforcement", "general")
ORGS = ("珠晖区/区司法局/普法股", "珠晖区/东风街道办事处", "珠晖区/区市场监管局/执法大队", "珠晖区")


class Person:
    def __init__(self, srv, login, category, password=PW):
        self.login = login
        self.category = category
        self.password = password
        self.srv = srv
        self.c = None

    def client(self):
        if self.c is None:
            self.c = self.srv.client()
            self.c.login(self.login, self.password)
        return self.c


class ExamCase(L.TestCase):
    """Helpers shared by the classes below. Subclasses set up their server in prepare()."""

    @classmethod
    def setUpClass(cls):
        try:
            cls.prepare()
        except BaseException:
            cls.tearDownClass()  # unittest skips it when setUpClass fails: stop the servers
            raise

    @classmethod
    def prepare(cls):
        pass

    def assertNoLeak(self, reply, what, secrets=()):
        problems = leaks(reply.body, secrets)
        self.assertFalse(problems, "%s reveals keys/explanations/bases: %s" % (what, problems[:5]))

    def start(self, person, code, expect=None):
        r = person.client().post("/api/v1/exams/%s/attempts" % code)
        if expect:
            self.assertEqual(r.status, expect, r.body)
        return r

    def save(self, person, aid, items):
        return person.client().put("/api/v1/attempts/%d/answers" % aid, json={
            "answers": [{"position": p, "response": resp, "seq": s} for p, resp, s in items]})

    def attempt(self, person, aid):
        r = person.client().get("/api/v1/attempts/%d" % aid)
        self.assertStatus(r, 200)
        return r.body

    def exam_entry(self, person, code):
        r = person.client().get("/api/v1/exams")
        self.assertStatus(r, 200)
        self.assertNoLeak(r, "GET /exams")
        for e in r.body["exams"]:
            if e["code"] == code:
                return e
        return None

    def check_paper(self, att, papers, ref, category):
        """The attempt's questions follow the paper of the category: sections in order, counts,
        types, points, banks, tags and difficulty filters; distinct questions; options are
        the bank's options (shuffled), judge shows T/F."""
        paper = [p for p in papers if category in p["categories"]][0]
        qs = att["questions"]
        self.assertEqual([q["position"] for q in qs], list(range(1, len(qs) + 1)))
        self.assertEqual(len(qs), sum(s["count"] for s in paper["sections"]))
        self.assertEqual(len({q["stem"] for q in qs}), len(qs), "a question drawn twice")
        i = 0
        for s in paper["sections"]:
            for q in qs[i:i + s["count"]]:
                where = "%s position %d" % (category, q["position"])
                self.assertEqual(q["section"], s["title"], where)
                self.assertEqual(q["type"], s["type"], where)
                self.assertEqual(q["points"], s["points"], where)
                self.assertIn(q["stem"], ref.q, where)
                bq = ref.question(q)
                self.assertEqual(ref.bank_of[q["stem"]], s["bank"], where)
                self.assertEqual(bq["type"], s["type"], where)
                for t in s.get("tags", []):
                    self.assertIn(t, bq.get("tags", []), where)
                if "difficulty" in s:
                    self.assertTrue(s["difficulty"][0] <= bq["difficulty"] <= s["difficulty"][1], where)
                if s["type"] == "judge":
                    self.assertEqual(q["options"], [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}])
                else:
                    self.assertEqual([o["key"] for o in q["options"]], list(LETTERS[:len(bq["options"])]), where)
                    self.assertEqual(sorted(o["text"] for o in q["options"]), sorted(bq["options"]), where)
            i += s["count"]


# ===========================================================================================

class ExamFlowTest(ExamCase):
    """One server: the flow over 30 examinees for both scoring rules, access rules, policies,
    retakes, ordering, bad saves, regrading and exam-definition validation."""

    @classmethod
    def prepare(cls):
        cls.srv = srv = cls.start_server(*FAST)
        cls.ref = Ref(BANK_A, BANK_B)
        for b in (BANK_A, BANK_B):
            path = write_json(srv, b["bank"]["code"] + ".json", b)
            rc, out, err = srv.admin("bank", "import", path)
            if rc:
                raise AssertionError(out + err)
        rc, out, err = srv.admin("category", "add", "auditor", "审计人员")
        if rc:
            raise AssertionError(out + err)
        cls.people = []
        rows = []
        for i in range(30):
            cat = CATEGORIES[i % 3]
            login = "ex%02d" % i
            rows.append((login, "考生%02d" % i, ORGS[i % len(ORGS)], cat, "examinee", PW))
            cls.people.append(Person(srv, login, cat))
        # Outsiders: out of scope (incl. a unit whose name merely starts like 珠晖区), a category
        # with no paper, staff without the examinee role, a disabled examinee.
        rows += [
            ("out1", "区外人员", "雁峰区/区司法局", "general", "examinee", PW),
            ("out2", "名似区内", "珠晖区法院/执行局", "leader", "examinee", PW),
            ("aud1", "审计人员", "珠晖区/区审计局", "审计人员", "examinee", PW),
            ("hr1", "人事专员", "珠晖区/区委组织部", "general", "hr", PW),
            ("adm1", "管理员", "珠晖区/区司法局", "general", "admin", PW),
            ("gone1", "已停用", "珠晖区/区司法局", "general", "examinee", PW),
        ]
        path = os.path.join(srv.dir, "staff.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(roster_csv(rows))
        rc, out, err = srv.admin("staff", "import", path)
        if rc:
            raise AssertionError(out + err)
        rc, out, err = srv.admin("user", "disable", "gone1")
        if rc:
            raise AssertionError(out + err)
        cls.by_login = {p.login: p for p in cls.people}
        for login, cat in (("out1", "general"), ("out2", "leader"), ("aud1", "auditor"), ("hr1", "general"),
                           ("adm1", "general")):
            cls.by_login[login] = Person(srv, login, cat)
        # A small exam for the single-attempt tests (ordering, bad saves, access).
        misc = exam_doc("e2e-misc", [{"categories": list(CATEGORIES), "sections": [
            sec("单选", "e2e-law-a", "single", 2, 2), sec("多选", "e2e-law-a", "multiple", 2, 2),
            sec("判断", "e2e-law-a", "judge", 2, 1)]}], max_attempts=5)
        path = write_json(srv, "misc.json", misc)
        rc, out, err = srv.admin("exam", "create", path)
        if rc:
            raise AssertionError(out + err)

    def person(self, login):
        return self.by_login[login]

    # --- the full flow, both scoring rules -------------------------------------------------

    def monitor(self, code):
        adm = self.person("adm1").client()
        r = adm.get("/api/v1/admin/exams/%s/monitor" % code)
        self.assertStatus(r, 200)
        return {k: r.body[k] for k in ("assigned", "not_started", "in_progress", "submitted")}

    def take(self, p, code, rule, rnd, review, pass_percent):
        """One examinee through one exam; returns (score2, max2, passed)."""
        entry = self.exam_entry(p, code)
        self.assertIsNotNone(entry, "%s does not see %s" % (p.login, code))
        self.assertEqual(entry["status"], "open")
        self.assertIsNone(entry["result"])
        r = self.start(p, code, expect=201)
        self.assertNoLeak(r, "start")
        att = r.body
        aid = att["id"]
        self.assertEqual(att["status"], "in_progress")
        self.assertEqual(att["exam_code"], code)
        self.assertEqual(att["answers"], {})
        self.assertIsNone(att["result"])
        self.assertLessEqual(abs(epoch(att["server_time"]) - time.time()), 5)
        self.assertEqual(epoch(att["deadline"]), epoch(att["started_at"]) + 60 * 60)  # start + duration
        self.check_paper(att, PAPERS, self.ref, p.category)
        keys = {q["position"]: self.ref.displayed_key(q) for q in att["questions"]}

        plan = {}
        for q in att["questions"]:
            resp = random_response(rnd, q, keys[q["position"]])
            if resp is not None:
                plan[q["position"]] = resp
        items = list(plan.items())
        rnd.shuffle(items)
        half = len(items) // 2
        r = self.save(p, aid, [(pos, resp, 1) for pos, resp in items[:half]])
        self.assertStatus(r, 200)
        self.assertNoLeak(r, "save")
        self.assertEqual(r.body["saved"], half)
        self.assertEqual(r.body["deadline"], att["deadline"])
        saved = {str(pos): resp for pos, resp in items[:half]}

        # Resume: same attempt, questions, option order, answers, deadline.
        for reply in (self.start(p, code, expect=200), p.client().get("/api/v1/attempts/%d" % aid)):
            self.assertStatus(reply, 200)
            self.assertNoLeak(reply, "resume")
            b = reply.body
            self.assertEqual(b["id"], aid)
            self.assertEqual(b["questions"], att["questions"])
            self.assertEqual(b["deadline"], att["deadline"])
            self.assertEqual(b["started_at"], att["started_at"])
            self.assertEqual(b["status"], "in_progress")
            self.assertEqual({k: v for k, v in b["answers"].items() if v}, saved)
        self.assertEqual(self.exam_entry(p, code)["status"], "in_progress")

        # The rest, some changes of mind (higher seq) and a cleared answer.
        batch = [(pos, resp, 1) for pos, resp in items[half:]]
        final = dict(plan)
        for pos, _ in items[:2]:
            q = att["questions"][pos - 1]
            newer = random_response(rnd, q, keys[pos]) or ""
            batch.append((pos, newer, 2))
            final[pos] = newer
        if len(items) > 2:
            pos = items[2][0]
            batch.append((pos, "", 5))
            final[pos] = ""
        r = self.save(p, aid, batch)
        self.assertStatus(r, 200)
        got = self.attempt(p, aid)
        self.assertEqual({k: v for k, v in got["answers"].items() if v},
                         {str(k): v for k, v in final.items() if v})

        score2, max2 = grade(att["questions"], final, keys, rule)
        ok = passed(score2, max2, pass_percent)
        r = p.client().post("/api/v1/attempts/%d/submit" % aid)
        self.assertStatus(r, 200)
        self.assertNoLeak(r, "submit")
        self.assertEqual(r.body["status"], "submitted")
        res = r.body["result"]
        self.assertIsNotNone(res)
        where = "%s %s" % (p.login, code)
        self.assertEqual(num2(res["score"]), score2, where)
        self.assertEqual(num2(res["max_score"]), max2, where)
        self.assertIs(res["passed"], ok, where)
        # Idempotent.
        r2 = p.client().post("/api/v1/attempts/%d/submit" % aid)
        self.assertStatus(r2, 200)
        self.assertEqual(r2.body, r.body)
        r3 = p.client().get("/api/v1/attempts/%d" % aid)
        self.assertStatus(r3, 200)
        self.assertEqual(r3.body["status"], "submitted")
        self.assertEqual(r3.body["result"], res)
        if review != "immediate":
            self.assertNoLeak(r3, "GET attempt after submit, review not yet allowed")
        entry = self.exam_entry(p, code)
        self.assertEqual(entry["result"], res)

        rv = p.client().get("/api/v1/attempts/%d/review" % aid)
        if review == "immediate":
            self.assertStatus(rv, 200)
            for q in rv.body["questions"]:
                bq = self.ref.question(q)
                self.assertEqual(q["key"], keys[q["position"]], where)
                self.assertEqual(q["explanation"], bq["explanation"])
                self.assertEqual(q["basis"], bq["basis"])
        else:
            self.assertStatus(rv, 403, "review_not_available")
            self.assertNoLeak(rv, "review refused")
        return score2, max2, ok

    def test_flow_both_rules(self):
        rules = (("e2e-aon", "all_or_nothing", "immediate", 60), ("e2e-part", "partial", "after_close", 55))
        for code, rule, review, pp in rules:
            create_exam(self, self.srv, exam_doc(code, PAPERS, multiple_scoring=rule, review=review,
                                                 pass_percent=pp))
        self.assertEqual(self.monitor("e2e-aon"), {"assigned": 30, "not_started": 30, "in_progress": 0,
                                                   "submitted": 0})
        rnd = random.Random(20261201)
        results = {}
        stats = {"partial_halves": 0, "passed": 0, "failed": 0}
        for i, p in enumerate(self.people):
            for code, rule, review, pp in rules:
                s2, m2, ok = self.take(p, code, rule, rnd, review, pp)
                results[(p.login, code)] = (s2, m2, ok)
                stats["partial_halves"] += rule == "partial" and s2 % 2 == 1
                stats["passed" if ok else "failed"] += 1
            if i == 0:
                self.assertEqual(self.monitor("e2e-aon"), {"assigned": 30, "not_started": 29, "in_progress": 0,
                                                           "submitted": 1})
        # Both scoring rules were really exercised (halves, passes and failures).
        self.assertGreater(stats["partial_halves"], 0, stats)
        self.assertGreater(stats["passed"], 0, stats)
        self.assertGreater(stats["failed"], 0, stats)
        # Max scores per category: the papers' sums.
        for p in self.people:
            paper = [x for x in PAPERS if p.category in x["categories"]][0]
            m = sum(s["count"] * s["points"] for s in paper["sections"])
            self.assertEqual(results[(p.login, "e2e-aon")][1], 2 * m)
        self.assertEqual(self.monitor("e2e-aon"), {"assigned": 30, "not_started": 0, "in_progress": 0,
                                                   "submitted": 30})
        rc, out, err = self.srv.admin("exam", "show", "e2e-aon")
        self.assertEqual(rc, 0, err)
        counts = json.loads(out)["counts"]
        self.assertEqual((counts["assigned"], counts["not_started"], counts["in_progress"], counts["submitted"]),
                         (30, 0, 0, 30))
        # max_attempts 1: no second attempt.
        self.assertStatus(self.start(self.people[0], "e2e-aon"), 409, "no_attempts_left")
        self.assertEqual(self.exam_entry(self.people[0], "e2e-aon")["status"], "submitted")

    def test_shuffling_differs_between_neighbours(self):
        create_exam(self, self.srv, exam_doc("e2e-shuffle", PAPERS))
        stem_orders, option_orders = set(), {}
        for p in [x for x in self.people if x.category == "leader"][:6]:
            att = self.start(p, "e2e-shuffle", expect=201).body
            stem_orders.add(tuple(q["stem"] for q in att["questions"]))
            for q in att["questions"]:
                if q["type"] != "judge":
                    option_orders.setdefault(q["stem"], set()).add(tuple(o["text"] for o in q["options"]))
        self.assertGreater(len(stem_orders), 1, "six examinees got the very same paper order")
        self.assertTrue(any(len(v) > 1 for v in option_orders.values()), "options never shuffled")

    def test_concurrent_starts_make_one_attempt(self):
        # A double click, or two tabs: several starts at once give one attempt.
        import threading
        create_exam(self, self.srv, exam_doc("e2e-twice", [{"categories": list(CATEGORIES), "sections": [
            sec("判断", "e2e-law-a", "judge", 3, 1)]}], max_attempts=3))
        p = self.people[14]
        clients = []
        for _ in range(4):
            c = self.srv.client()
            c.login(p.login, PW)
            clients.append(c)
        out = []
        barrier = threading.Barrier(len(clients))

        def go(c):
            barrier.wait()
            out.append(c.post("/api/v1/exams/e2e-twice/attempts"))

        threads = [threading.Thread(target=go, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(r.status for r in out), [200, 200, 200, 201], [r.body for r in out])
        self.assertEqual(len({r.body["id"] for r in out}), 1)
        self.assertEqual(len({json.dumps(r.body["questions"]) for r in out}), 1)
        e = self.exam_entry(p, "e2e-twice")
        self.assertEqual((e["status"], e["attempts_used"]), ("in_progress", 1))

    def test_pass_boundary_with_halves(self):
        # max 7 (4 judges x 1 + one multiple x 3), pass 50 %: 3.5 passes exactly, 3 fails.
        create_exam(self, self.srv, exam_doc("e2e-edge", [{"categories": list(CATEGORIES), "sections": [
            sec("判断", "e2e-law-a", "judge", 4, 1), sec("多选", "e2e-law-a", "multiple", 1, 3)]}],
            multiple_scoring="partial", pass_percent=50))
        plans = [(2, True, 7, True), (3, False, 6, False), (2, False, 4, False), (4, True, 11, True)]
        for p, (judges_right, multi_half, want2, want_pass) in zip(self.people[10:14], plans):
            att = self.start(p, "e2e-edge", expect=201).body
            answers, right = [], 0
            for q in att["questions"]:
                k = self.ref.displayed_key(q)
                if q["type"] == "judge":
                    answers.append((q["position"], k if right < judges_right else ("T" if k == "F" else "F"), 1))
                    right += 1
                elif multi_half:
                    answers.append((q["position"], k[0], 1))
            self.assertStatus(self.save(p, att["id"], answers), 200)
            r = p.client().post("/api/v1/attempts/%d/submit" % att["id"])
            self.assertStatus(r, 200)
            self.assertEqual((num2(r.body["result"]["score"]), num2(r.body["result"]["max_score"]),
                              r.body["result"]["passed"]), (want2, 14, want_pass), p.login)
            if want2 % 2:
                self.assertIsInstance(r.body["result"]["score"], float)
                self.assertEqual(r.body["result"]["score"], want2 / 2)

    def test_monitor_moves(self):
        create_exam(self, self.srv, exam_doc("e2e-mon", PAPERS, org_scope=["珠晖区/区司法局"]))
        inside = [p for p in self.people if ORGS.index(p_org(p)) == 0]
        n = len(inside)
        self.assertEqual(self.monitor("e2e-mon"), {"assigned": n, "not_started": n, "in_progress": 0,
                                                   "submitted": 0})
        a = self.start(inside[0], "e2e-mon", expect=201).body
        b = self.start(inside[1], "e2e-mon", expect=201).body
        self.assertEqual(self.monitor("e2e-mon"), {"assigned": n, "not_started": n - 2, "in_progress": 2,
                                                   "submitted": 0})
        self.assertStatus(inside[0].client().post("/api/v1/attempts/%d/submit" % a["id"]), 200)
        self.assertEqual(self.monitor("e2e-mon"), {"assigned": n, "not_started": n - 2, "in_progress": 1,
                                                   "submitted": 1})
        self.assertStatus(inside[1].client().post("/api/v1/attempts/%d/submit" % b["id"]), 200)
        self.assertEqual(self.monitor("e2e-mon"), {"assigned": n, "not_started": n - 2, "in_progress": 0,
                                                   "submitted": 2})
        # Someone outside the narrower scope is not assigned.
        outside = [p for p in self.people if ORGS.index(p_org(p)) != 0][0]
        self.assertStatus(self.start(outside, "e2e-mon"), 403, "not_assigned")

    # --- access -----------------------------------------------------------------------------

    def test_other_persons_attempt_is_404(self):
        owner, other = self.people[3], self.people[4]
        att = self.start(owner, "e2e-misc").body
        aid = att["id"]
        self.assertStatus(self.save(owner, aid, [(1, "B", 5)]), 200)
        oc = other.client()
        self.assertStatus(oc.get("/api/v1/attempts/%d" % aid), 404, "not_found")
        r = oc.put("/api/v1/attempts/%d/answers" % aid, json={"answers": [{"position": 1, "response": "A", "seq": 99}]})
        self.assertStatus(r, 404, "not_found")
        self.assertStatus(oc.post("/api/v1/attempts/%d/submit" % aid), 404, "not_found")
        self.assertStatus(oc.get("/api/v1/attempts/%d/review" % aid), 404, "not_found")
        for bad in ("999999", "0", "-1", "abc", "1x"):
            self.assertStatus(oc.get("/api/v1/attempts/%s" % bad), 404)
        # Nothing of that touched the owner's attempt.
        got = self.attempt(owner, aid)
        self.assertEqual(got["status"], "in_progress")
        self.assertEqual(got["answers"].get("1"), "B")

    def test_not_assigned(self):
        for login in ("out1", "out2", "aud1"):
            p = self.person(login)
            r = self.start(p, "e2e-misc")
            self.assertStatus(r, 403, "not_assigned")
            self.assertIsNone(self.exam_entry(p, "e2e-misc"), "%s sees an exam not assigned" % login)
        # Staff without the examinee role are never assigned.
        for login in ("hr1", "adm1"):
            r = self.start(self.person(login), "e2e-misc")
            self.assertStatus(r, 403, "not_assigned")
        # A disabled examinee cannot even log in.
        self.assertEqual(self.srv.client().login("gone1", PW, expect=None).status, 401)
        self.assertStatus(self.start(self.people[0], "no-such-exam"), 404)

    def test_exam_window(self):
        now = time.time()
        papers = [{"categories": list(CATEGORIES), "sections": [sec("判断", "e2e-law-a", "judge", 2, 1)]}]
        create_exam(self, self.srv, exam_doc("e2e-future", papers, opens=now + 86400, closes=now + 2 * 86400))
        create_exam(self, self.srv, exam_doc("e2e-past", papers, opens=now - 2 * 86400, closes=now - 86400))
        p = self.people[5]
        self.assertStatus(self.start(p, "e2e-future"), 409, "exam_not_open")
        self.assertStatus(self.start(p, "e2e-past"), 409, "exam_not_open")
        self.assertEqual(self.exam_entry(p, "e2e-future")["status"], "upcoming")
        self.assertEqual(self.exam_entry(p, "e2e-past")["status"], "closed")

    def test_retake_and_policies(self):
        papers = [{"categories": list(CATEGORIES), "sections": [sec("判断", "e2e-law-a", "judge", 3, 2),
                                                               sec("单选", "e2e-law-b", "single", 2, 3)]}]
        create_exam(self, self.srv, exam_doc("e2e-once", papers, results="hidden", review="never"))
        p = self.people[6]
        c = p.client()
        a1 = self.start(p, "e2e-once", expect=201).body
        # No review while in progress either.
        self.assertStatus(c.get("/api/v1/attempts/%d/review" % a1["id"]), 403, "review_not_available")
        r = c.post("/api/v1/attempts/%d/submit" % a1["id"])
        self.assertStatus(r, 200)
        self.assertIsNone(r.body["result"], "results: hidden")
        self.assertIsNone(self.attempt(p, a1["id"])["result"])
        self.assertIsNone(self.exam_entry(p, "e2e-once")["result"])
        self.assertStatus(c.get("/api/v1/attempts/%d/review" % a1["id"]), 403, "review_not_available")
        self.assertStatus(self.start(p, "e2e-once"), 409, "no_attempts_left")
        e = self.exam_entry(p, "e2e-once")
        self.assertEqual(e["status"], "submitted")
        # 补考: one more attempt, exactly one.
        e = self.exam_entry(p, "e2e-once")
        self.assertEqual((e["question_count"], e["max_score"], e["pass_percent"]), (5, 12, 60))
        self.assertEqual((e["attempts_used"], e["attempts_allowed"], e["retake"]), (1, 1, False))
        rc, out, err = self.srv.admin("exam", "grant-retake", "e2e-once", p.login)
        self.assertEqual(rc, 0, out + err)
        e = self.exam_entry(p, "e2e-once")
        self.assertEqual(e["status"], "open")
        self.assertEqual((e["attempts_used"], e["attempts_allowed"], e["retake"]), (1, 2, True),
                         "the next attempt is a granted retake (补考)")
        a2 = self.start(p, "e2e-once", expect=201).body
        self.assertNotEqual(a2["id"], a1["id"])
        self.assertEqual(self.start(p, "e2e-once", expect=200).body["id"], a2["id"])
        self.assertStatus(c.post("/api/v1/attempts/%d/submit" % a2["id"]), 200)
        self.assertStatus(self.start(p, "e2e-once"), 409, "no_attempts_left")
        # Unknown exam or login: exit 1.
        rc, out, err = self.srv.admin("exam", "grant-retake", "e2e-once", "nobody")
        self.assertEqual(rc, 1, out + err)
        rc, out, err = self.srv.admin("exam", "grant-retake", "no-such-exam", p.login)
        self.assertEqual(rc, 1, out + err)
        # Another person's retake is not mine.
        q = self.people[7]
        a3 = self.start(q, "e2e-once", expect=201).body
        self.assertStatus(q.client().post("/api/v1/attempts/%d/submit" % a3["id"]), 200)
        self.assertStatus(self.start(q, "e2e-once"), 409, "no_attempts_left")

    def test_no_keys_while_another_attempt_runs(self):
        """Issue 13 item 6: with review immediate and two attempts, the review of attempt 1
        (keys, explanations) is refused while attempt 2, which can draw the same questions,
        is in progress; creating such an exam warns, in the CLI and in the API."""
        papers = [{"categories": list(CATEGORIES), "sections": [sec("判断", "e2e-law-a", "judge", 3, 2)]}]
        doc = exam_doc("e2e-review2", papers, review="immediate", max_attempts=2)
        path = write_json(self.srv, "exam-e2e-review2.json", doc)
        rc, out, err = self.srv.admin("exam", "create", path)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("warning", err)
        self.assertIn("after_close", err)
        adm = self.person("adm1").client()
        r = adm.post("/api/v1/admin/exams?dry_run=1", json=dict(doc, code="e2e-review2-b"))
        self.assertStatus(r, 200)
        self.assertEqual(len(r.body["warnings"]), 1, r.body)
        r = adm.post("/api/v1/admin/exams?dry_run=1", json=dict(doc, code="e2e-review2-c", review="after_close"))
        self.assertStatus(r, 200)
        self.assertEqual(r.body["warnings"], [])
        p = self.people[9]
        c = p.client()
        a1 = self.start(p, "e2e-review2", expect=201).body
        self.assertStatus(c.post("/api/v1/attempts/%d/submit" % a1["id"]), 200)
        self.assertStatus(c.get("/api/v1/attempts/%d/review" % a1["id"]), 200)
        self.assertIs(self.attempt(p, a1["id"])["review_available"], True)
        a2 = self.start(p, "e2e-review2", expect=201).body
        self.assertNotEqual(a1["id"], a2["id"])
        r = c.get("/api/v1/attempts/%d/review" % a1["id"])
        self.assertStatus(r, 403, "review_not_available")
        self.assertNoLeak(r, "review of attempt 1 during attempt 2")
        self.assertIs(self.attempt(p, a1["id"])["review_available"], False)
        self.assertStatus(c.post("/api/v1/attempts/%d/submit" % a2["id"]), 200)
        self.assertStatus(c.get("/api/v1/attempts/%d/review" % a1["id"]), 200)
        self.assertIs(self.attempt(p, a1["id"])["review_available"], True)

    # --- saves --------------------------------------------------------------------------------

    def misc_attempt(self, p):
        r = self.start(p, "e2e-misc")
        self.assertIn(r.status, (200, 201), r.body)
        return r.body

    def test_out_of_order_saves(self):
        p = self.people[8]
        att = self.misc_attempt(p)
        aid = att["id"]
        self.assertStatus(self.save(p, aid, [(1, "A", 10)]), 200)
        r = self.save(p, aid, [(1, "B", 4)])  # a late packet
        self.assertStatus(r, 200)
        self.assertEqual(r.body.get("ignored"), 1)
        self.assertEqual(self.attempt(p, aid)["answers"]["1"], "A")
        self.assertStatus(self.save(p, aid, [(1, "B", 10)]), 200)  # equal seq: ignored too
        self.assertEqual(self.attempt(p, aid)["answers"]["1"], "A")
        self.assertStatus(self.save(p, aid, [(1, "B", 11)]), 200)
        self.assertEqual(self.attempt(p, aid)["answers"]["1"], "B")
        # Within one batch, the higher seq wins whatever the order.
        self.assertStatus(self.save(p, aid, [(1, "A", 13), (1, "B", 12)]), 200)
        self.assertEqual(self.attempt(p, aid)["answers"]["1"], "A")
        # Clearing is a save like any other.
        self.assertStatus(self.save(p, aid, [(1, "", 20)]), 200)
        self.assertEqual(self.attempt(p, aid)["answers"].get("1", ""), "")
        self.assertStatus(self.save(p, aid, [(1, "B", 19)]), 200)
        self.assertEqual(self.attempt(p, aid)["answers"].get("1", ""), "")

    def test_concurrent_saves_stored_together(self):
        # Saves that reach the writer together are stored together (one bulk run: the
        # attempts in one statement, the answers in one more on PostgreSQL). Each request
        # still gets its own answer: the highest seq wins per question, a late packet is
        # ignored, a bad request is refused alone, a closed attempt's save is refused, and
        # two tabs of one examinee saving the same question at once keep the higher seq.
        import random
        import threading
        create_exam(self, self.srv, exam_doc("e2e-bulk", [{"categories": list(CATEGORIES), "sections": [
            sec("判断", "e2e-law-a", "judge", 4, 1)]}]))
        people = self.people[20:30]
        aids = {p.login: self.start(p, "e2e-bulk", expect=201).body["id"] for p in people}
        closed = people[-1]
        L.sql(self.srv, "UPDATE attempts SET deadline = ? WHERE id = ?", int(time.time()) - 3600,
              aids[closed.login])
        tabs = [self.srv.client(), self.srv.client()]  # people[0] in two tabs
        for t in tabs:
            t.login(people[0].login, PW)
        want, out, lock = {}, [], threading.Lock()
        barrier = threading.Barrier(len(people) + 1)  # the two tabs and people[1:]

        def run(p, client, seqs, bad_at=None):
            rnd = random.Random(p.login + str(seqs[0]))
            aid = aids[p.login]
            barrier.wait()
            for i, seq in enumerate(seqs):
                pos, resp = rnd.randint(1, 4), rnd.choice("TF")
                items = [(pos, resp, seq)]
                if i == bad_at:
                    items.append((99, "T", seq))
                r = client.put("/api/v1/attempts/%d/answers" % aid, json={
                    "answers": [{"position": a, "response": b, "seq": c} for a, b, c in items]})
                with lock:
                    out.append((p.login, seq, i == bad_at, r))
                    if r.status == 200 and (pos not in want.setdefault(p.login, {}) or want[p.login][pos][0] < seq):
                        want[p.login][pos] = (seq, resp)
            if p is not closed and bad_at is None:  # a late packet: ignored
                r = client.put("/api/v1/attempts/%d/answers" % aid,
                               json={"answers": [{"position": 1, "response": "T", "seq": 0}]})
                with lock:
                    out.append((p.login, 0, False, r))

        threads = []
        threads.append(threading.Thread(target=run, args=(people[0], tabs[0], list(range(1, 60, 2)))))
        threads.append(threading.Thread(target=run, args=(people[0], tabs[1], list(range(2, 61, 2)))))
        for k, p in enumerate(people[1:]):
            threads.append(threading.Thread(target=run, args=(p, p.client(), list(range(1, 31)),
                                                              7 if k == 0 else None)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for login, seq, bad, r in out:
            if login == closed.login:
                self.assertStatus(r, 409, "attempt_closed")
            elif bad:
                self.assertStatus(r, 422, "bad_response")
                self.assertEqual([d["position"] for d in r.body["error"]["details"]], [99], r.body)
            elif seq == 0:
                self.assertStatus(r, 200)
                self.assertEqual(r.body["ignored"], 1, r.body)
            else:
                self.assertStatus(r, 200)
                if login != people[0].login:  # one client, rising seqs: nothing superseded
                    self.assertEqual(r.body["ignored"], 0, r.body)
        self.assertEqual(len(out), 2 * 31 + 30 + 7 * 31 + 30)  # late packets: the tabs' and 7 people's
        for p in people[:-1]:
            answers = self.attempt(p, aids[p.login])["answers"]
            self.assertEqual({int(k): v for k, v in answers.items()},
                             {pos: resp for pos, (seq, resp) in want[p.login].items()}, p.login)
        self.assertEqual(L.sql(self.srv, "SELECT count(*) FROM answers WHERE attempt_id = ?", aids[closed.login]),
                         [(0,)])

    def test_bad_saves(self):
        p = self.people[9]
        att = self.misc_attempt(p)
        aid = att["id"]
        qs = {q["position"]: q for q in att["questions"]}
        single = [q for q in att["questions"] if q["type"] == "single"][0]
        multi = [q for q in att["questions"] if q["type"] == "multiple"][0]
        judge = [q for q in att["questions"] if q["type"] == "judge"][0]
        n = len(qs)
        self.assertStatus(self.save(p, aid, [(single["position"], "A", 1)]), 200)
        beyond = LETTERS[len(single["options"])]
        mbeyond = LETTERS[len(multi["options"])]
        c = p.client()
        sp, mp, jp = single["position"], multi["position"], judge["position"]
        cases = [
            ("unknown position", n + 1, "A"),
            ("unknown position", 1000, "A"),
            ("key outside the displayed options", sp, beyond),
            ("key outside the displayed options", mp, "A" + mbeyond),
            ("lower-case key", sp, "a"),
            ("two keys on a single", sp, "AB"),
            ("unsorted keys", mp, "BA"),
            ("duplicated keys", mp, "AA"),
            ("judge with a letter", jp, "A"),
            ("judge with both", jp, "FT"),
            ("judge in Chinese", jp, "正确"),
            ("garbage", mp, "A,B"),
        ]
        for what, pos, resp in cases:
            r = self.save(p, aid, [(sp, "B", 2), (pos, resp, 2)])
            self.assertStatus(r, 422, "bad_response")
            self.assertIn(str(pos), r.body["error"]["message"], "%s: the message names the position" % what)
            self.assertEqual([d["position"] for d in r.body["error"]["details"]], [pos],
                             "%s: details name exactly the bad answer" % what)
            self.assertEqual(self.attempt(p, aid)["answers"].get(str(sp)), "A", "%s: half-applied" % what)
        # Several bad answers among good ones: every bad one is named (not only the first), with
        # its position, so the page can drop exactly those and send the good ones again.
        r = self.save(p, aid, [(sp, "B", 2), (n + 1, "A", 2), (mp, "BA", 2), (jp, "T", 2), (1000, "A", 2)])
        self.assertStatus(r, 422, "bad_response")
        self.assertEqual(sorted(d["position"] for d in r.body["error"]["details"]), sorted([n + 1, mp, 1000]))
        self.assertEqual(r.body["error"]["total"], 3)
        self.assertEqual(self.attempt(p, aid)["answers"].get(str(sp)), "A", "several bad: half-applied")
        r = c.put("/api/v1/attempts/%d/answers" % aid,
                  json={"answers": [{"position": sp, "response": "B", "seq": 2}, {"position": "x", "response": "A", "seq": 1},
                                    {"position": 0, "response": "A", "seq": 1}]})
        self.assertStatus(r, 422, "bad_response")
        self.assertEqual([(d["where"], d["position"]) for d in r.body["error"]["details"]],
                         [("answers[1]", None), ("position 0", 0)])
        malformed = [
            ("non-string response", {"position": mp, "response": 5, "seq": 3}, True),
            ("null response", {"position": mp, "response": None, "seq": 3}, True),
            ("list response", {"position": mp, "response": ["A"], "seq": 3}, True),
            ("missing seq", {"position": mp, "response": "A"}, True),
            ("negative seq", {"position": mp, "response": "A", "seq": -1}, True),
            ("float seq", {"position": mp, "response": "A", "seq": 1.5}, True),
            ("position as string", {"position": str(mp), "response": "A", "seq": 3}, False),
            ("position 0", {"position": 0, "response": "A", "seq": 3}, True),
            ("not an object", "A", False),
            ("long response", {"position": mp, "response": "ABCDEFGHABCDEFGHX", "seq": 3}, True),
        ]
        for what, item, names_pos in malformed:
            r = c.put("/api/v1/attempts/%d/answers" % aid,
                      json={"answers": [{"position": sp, "response": "B", "seq": 2}, item]})
            self.assertStatus(r, 422, "bad_response")
            if names_pos:
                self.assertIn(str(item["position"]), r.body["error"]["message"], what)
            self.assertEqual(self.attempt(p, aid)["answers"].get(str(sp)), "A", "%s: half-applied" % what)
        for body in ({}, {"answers": {}}, {"answers": "A"}, {"answers": None}, []):
            r = c.put("/api/v1/attempts/%d/answers" % aid, json=body)
            self.assertIn(r.status, (400, 422), "%r -> %r" % (body, r.body))
        # A batch over the limit the page is given (/js/limits.js, made from lx_limits.h) is
        # refused whole; exactly that many is fine.
        r = c.get("/js/limits.js")
        self.assertStatus(r, 200)
        m = re.search(rb"save_batch_max: (\d+),", r.body)
        self.assertIsNotNone(m, r.body)
        limit = int(m.group(1))
        self.assertEqual(limit, 500)  # what docs/api.md promises
        huge = [(sp, "B", 2)] + [(jp, "T", k) for k in range(3, 3 + limit)]
        r = self.save(p, aid, huge)
        self.assertStatus(r, 422, "bad_response")
        self.assertEqual(self.attempt(p, aid)["answers"].get(str(sp)), "A")
        self.assertStatus(self.save(p, aid, huge[:limit]), 200)
        got = self.attempt(p, aid)["answers"]
        self.assertEqual(got.get(str(sp)), "B")
        self.assertEqual(got.get(str(jp)), "T")
        # All displayed keys of a valid multiple are accepted.
        self.assertStatus(self.save(p, aid, [(mp, LETTERS[:len(multi["options"])], 9)]), 200)

    # --- regrading after a key fix ------------------------------------------------------------

    def test_regrade(self):
        bank = make_bank("e2e-rg", "重判题库", [("single", 3, None, 3), ("multiple", 2, None, 3),
                                                  ("judge", 4, None, 3)], seed=303)
        import_bank(self, self.srv, bank)
        ref = Ref(bank)
        papers = [{"categories": list(CATEGORIES), "sections": [
            sec("单选", "e2e-rg", "single", 3, 10), sec("多选", "e2e-rg", "multiple", 2, 3),
            sec("判断", "e2e-rg", "judge", 4, 2)]}]
        create_exam(self, self.srv, exam_doc("e2e-rg", papers, multiple_scoring="partial", pass_percent=60,
                                             max_attempts=1))
        target = bank["questions"][0]  # the single whose key is fixed
        old_key = target["answer"]
        new_key = [k for k in LETTERS[:len(target["options"])] if k != old_key][0]
        fixed = json.loads(json.dumps(bank))
        fixed["questions"][0]["answer"] = new_key
        fixed_ref = Ref(fixed)
        # Plans by meaning, so outcomes do not depend on the shuffle:
        # (answer to the target: old/new/other/blank, how the rest is answered).
        designed = [("old", "two_singles"), ("new", "two_singles"), ("old", "all"), ("other", "all"),
                    (None, "all"), ("new", "one_multiple_partial"), ("new", "all")]
        rnd = random.Random(77)
        expected = {}
        attempts = {}
        for i, p in enumerate(self.people[:14]):
            att = self.start(p, "e2e-rg", expect=201).body
            attempts[p.login] = att
            t_ans, rest = designed[i] if i < len(designed) else (rnd.choice(["old", "new", "other", None]), "random")
            answers = {}
            first_multiple = [q["position"] for q in att["questions"] if q["type"] == "multiple"][0]
            for q in att["questions"]:
                pos = q["position"]
                k_old = ref.displayed_key(q)
                if q["stem"] == target["stem"]:
                    if t_ans == "old":
                        answers[pos] = k_old
                    elif t_ans == "new":
                        answers[pos] = fixed_ref.displayed_key(q)
                    elif t_ans == "other":
                        answers[pos] = [o["key"] for o in q["options"]
                                        if o["key"] not in (k_old, fixed_ref.displayed_key(q))][0]
                    continue
                if rest == "all":
                    answers[pos] = k_old
                elif rest == "two_singles":
                    if q["type"] == "single":
                        answers[pos] = k_old
                elif rest == "one_multiple_partial":
                    if pos == first_multiple:
                        answers[pos] = k_old[0]  # a proper subset: half of 3 points
                else:
                    resp = random_response(rnd, q, k_old)
                    if resp:
                        answers[pos] = resp
            if answers:
                self.assertStatus(self.save(p, att["id"], [(k, v, 1) for k, v in answers.items()]), 200)
            r = p.client().post("/api/v1/attempts/%d/submit" % att["id"])
            self.assertStatus(r, 200)
            keys_old = {q["position"]: ref.displayed_key(q) for q in att["questions"]}
            keys_new = {q["position"]: fixed_ref.displayed_key(q) for q in att["questions"]}
            s_old, m2 = grade(att["questions"], answers, keys_old, "partial")
            s_new, _ = grade(att["questions"], answers, keys_new, "partial")
            self.assertEqual(num2(r.body["result"]["score"]), s_old, p.login)
            self.assertIs(r.body["result"]["passed"], passed(s_old, m2, 60))
            expected[p.login] = (att["id"], s_old, s_new, passed(s_old, m2, 60), passed(s_new, m2, 60))

        def fmt(s2):
            return "%d.5" % (s2 // 2) if s2 % 2 else "%d" % (s2 // 2)

        want = set()
        for login, (aid, so, sn, po, pn) in expected.items():
            if so == sn and po == pn:
                continue
            line = "attempt %d\t%s\t%s -> %s" % (aid, login, fmt(so), fmt(sn))
            if po != pn:
                line += "\tFLIP fail -> pass" if pn else "\tFLIP pass -> fail"
            want.add(line)
        flips = sum(1 for l in want if "FLIP" in l)
        self.assertTrue(any("FLIP fail -> pass" in l for l in want) and any("FLIP pass -> fail" in l for l in want),
                        "the designed plans should flip both ways: %s" % want)

        def api_scores():
            out = {}
            for p in self.people[:14]:
                a = self.attempt(p, attempts[p.login]["id"])
                out[p.login] = (num2(a["result"]["score"]), a["result"]["passed"])
            return out

        before = api_scores()
        self.assertEqual(before, {k: (v[1], v[3]) for k, v in expected.items()})

        # Re-import with only that key changed: 1 updated, the same version.
        path = write_json(self.srv, "e2e-rg-fixed.json", fixed)
        rc, out, err = self.srv.admin("bank", "import", path)
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"0 added, 1 updated, %d unchanged, 0 retired" % (len(bank["questions"]) - 1))
        # The attempts still show the same question (no new version, same stem and options).
        for p in self.people[:2]:
            a = self.attempt(p, attempts[p.login]["id"])
            self.assertEqual(a["questions"], attempts[p.login]["questions"])

        def run_regrade(*extra):
            rc, out, err = self.srv.admin("exam", "regrade", "e2e-rg", *extra)
            self.assertEqual(rc, 0, out + err)
            lines = {l for l in out.splitlines() if l.startswith("attempt ")}
            return lines, out

        lines, out = run_regrade("--dry-run")
        self.assertEqual(lines, want, out)
        self.assertIn("dry run", out)
        self.assertIn("%d score(s) changed, %d pass/fail flip(s)" % (len(want), flips), out)
        self.assertEqual(api_scores(), before, "--dry-run changed scores")
        lines2, _ = run_regrade("--dry-run")
        self.assertEqual(lines2, want, "a second dry run sees the same changes")

        lines, out = run_regrade()
        self.assertEqual(lines, want, out)
        self.assertNotIn("dry run", out)
        self.assertIn("%d score(s) changed, %d pass/fail flip(s)" % (len(want), flips), out)
        after = api_scores()
        self.assertEqual(after, {k: (v[2], v[4]) for k, v in expected.items()})
        for p in self.people[:14]:
            e = self.exam_entry(p, "e2e-rg")
            self.assertEqual(num2(e["result"]["score"]), expected[p.login][2])
            self.assertIs(e["result"]["passed"], expected[p.login][4])
        # Nothing left to change.
        lines, out = run_regrade("--dry-run")
        self.assertEqual(lines, set())
        self.assertIn("0 score(s) changed", out)
        rc, out, err = self.srv.admin("exam", "regrade", "no-such-exam")
        self.assertEqual(rc, 1, out + err)

    # --- exam definitions -----------------------------------------------------------------------

    def test_definition_validation(self):
        adm = self.person("adm1").client()
        good = exam_doc("e2e-def", [{"categories": ["leader"], "sections": [sec("宪法", "e2e-law-a", "single", 3, 2)]}])
        n_single_a = sum(1 for q in BANK_A["questions"] if q["type"] == "single")

        def variant(mutate):
            d = json.loads(json.dumps(good))
            mutate(d)
            return d

        def add_section(d):
            d["papers"][0]["sections"].append(sec("多选过量", "e2e-law-a", "multiple", 50, 2))

        def unknown_category(d):
            d["papers"][0]["categories"] = ["leader", "chairman"]

        def unknown_bank(d):
            d["papers"][0]["sections"][0]["bank"] = "no-such-bank"

        def same_times(d):
            d["closes_at"] = d["opens_at"]

        def reversed_times(d):
            d["opens_at"], d["closes_at"] = d["closes_at"], d["opens_at"]

        def zero_points(d):
            d["papers"][0]["sections"][0]["points"] = 0

        def two_papers(d):
            d["papers"].append({"categories": ["general", "leader"], "sections": [sec("判断", "e2e-law-a", "judge", 2, 1)]})

        def unknown_field(d):
            d["duration_minuts"] = 30

        def unknown_section_field(d):
            d["papers"][0]["sections"][0]["pionts"] = 3

        def tags_unfillable(d):
            d["papers"][0]["sections"][0]["tags"] = ["没有这个标签"]

        n_multi_a = sum(1 for q in BANK_A["questions"] if q["type"] == "multiple")
        cases = [
            ("section cannot be filled", add_section, "papers[0].sections[1]", ["多选过量", str(n_multi_a)]),
            ("tags leave too few", tags_unfillable, "papers[0].sections[0]", ["宪法", "0"]),
            ("unknown category", unknown_category, "papers[0].categories[1]", ["chairman"]),
            ("unknown bank", unknown_bank, "papers[0].sections[0]", ["no-such-bank"]),
            ("opens_at == closes_at", same_times, "closes_at", []),
            ("opens_at > closes_at", reversed_times, "closes_at", []),
            ("points 0", zero_points, "papers[0].sections[0].points", []),
            ("a category in two papers", two_papers, "papers[1].categories", ["leader"]),
            ("unknown field", unknown_field, "duration_minuts", []),
            ("unknown section field", unknown_section_field, "papers[0].sections[0].pionts", []),
        ]
        self.assertGreaterEqual(n_single_a, 3)
        for what, mutate, where, words in cases:
            d = variant(mutate)
            r = adm.post("/api/v1/admin/exams", json=d)
            self.assertStatus(r, 422, "invalid_exam")
            details = r.body["error"].get("details", [])
            hits = [x for x in details if where in x["where"]]
            self.assertTrue(hits, "%s: no detail at %s: %r" % (what, where, details))
            for w in words:
                self.assertTrue(any(w in x["message"] for x in hits), "%s: %r not in %r" % (what, w, hits))
            path = write_json(self.srv, "bad-def.json", d)
            rc, out, err = self.srv.admin("exam", "create", path)
            self.assertEqual(rc, 1, "%s: %s%s" % (what, out, err))
            self.assertIn("%s: %s" % (path, where), err, what)
            for w in words:
                self.assertIn(w, err, what)
        # Not JSON at all: a line number.
        path = os.path.join(self.srv.dir, "broken.json")
        with open(path, "w") as f:
            f.write('{"format": "lawexam-exam/1",\n "code": }\n')
        rc, out, err = self.srv.admin("exam", "create", path)
        self.assertEqual(rc, 1)
        self.assertIn(path + ":2", err)
        self.assertStatus(adm.post("/api/v1/admin/exams", body=b'{"format": '), 422)

        def listed():
            r = adm.get("/api/v1/admin/exams")
            self.assertStatus(r, 200)
            return {e["code"] for e in r.body["exams"]}

        self.assertNotIn("e2e-def", listed(), "an invalid definition created something")
        # --dry-run creates nothing.
        path = write_json(self.srv, "good-def.json", good)
        rc, out, err = self.srv.admin("exam", "create", path, "--dry-run")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("would create", out)
        r = adm.post("/api/v1/admin/exams?dry_run=1", json=good)
        self.assertStatus(r, 200)
        self.assertIs(r.body.get("created"), False)
        self.assertNotIn("e2e-def", listed())
        rc, out, err = self.srv.admin("exam", "list")
        self.assertNotIn("e2e-def", out)
        # For real, through the API; then the same code again is refused.
        r = adm.post("/api/v1/admin/exams", json=good)
        self.assertStatus(r, 201)
        self.assertIn("e2e-def", listed())
        rc, out, err = self.srv.admin("exam", "list")
        self.assertIn("e2e-def", out)
        r = adm.post("/api/v1/admin/exams", json=good)
        self.assertStatus(r, 422, "invalid_exam")
        rc, out, err = self.srv.admin("exam", "create", path)
        self.assertEqual(rc, 1)
        self.assertIn("code", err)
        # Examinees may not create exams.
        self.assertStatus(self.people[0].client().post("/api/v1/admin/exams", json=good), 403)


def p_org(p):
    return ORGS[int(p.login[2:]) % len(ORGS)]


# ===========================================================================================

class TimingTest(ExamCase):
    """Deadline, grace, auto-submit, restart, and durability across kill -9 (grace 2 s)."""

    GRACE = 2

    @classmethod
    def prepare(cls):
        cls.srv = srv = cls.start_server(*FAST, "--grace-seconds", str(cls.GRACE))
        cls.ref = Ref(BANK_A)
        path = write_json(srv, "a.json", BANK_A)
        rc, out, err = srv.admin("bank", "import", path)
        if rc:
            raise AssertionError(out + err)
        rows = [("t%d" % i, "计时%d" % i, "珠晖区/区司法局", "general", "examinee", PW) for i in range(6)]
        path = os.path.join(srv.dir, "staff.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(roster_csv(rows))
        rc, out, err = srv.admin("staff", "import", path)
        if rc:
            raise AssertionError(out + err)
        cls.people = [Person(srv, "t%d" % i, "general") for i in range(6)]

    PAPER = [{"categories": ["general"], "sections": [sec("单选", "e2e-law-a", "single", 3, 2),
                                                     sec("判断", "e2e-law-a", "judge", 3, 1)]}]

    def wait_submitted(self, p, aid, limit):
        """Polls GET /attempts/{id} (no other call) until submitted; returns the body."""
        while True:
            b = self.attempt(p, aid)
            if b["status"] == "submitted":
                return b
            if time.time() > limit:
                self.fail("attempt %d still %s at %.1f s past the limit" % (aid, b["status"], time.time() - limit))
            time.sleep(0.2)

    def right_answers(self, att):
        return {q["position"]: self.ref.displayed_key(q) for q in att["questions"]}

    def test_deadline_grace_autosubmit(self):
        closes = int(time.time()) + 5
        create_exam(self, self.srv, exam_doc("t-close", self.PAPER, closes=closes, results="after_close",
                                             review="after_close"))
        p = self.people[0]
        att = self.start(p, "t-close", expect=201).body
        aid = att["id"]
        deadline = epoch(att["deadline"])
        self.assertEqual(deadline, closes, "deadline = min(start + duration, closes_at)")
        keys = self.right_answers(att)
        r = self.save(p, aid, [(1, keys[1], 1)])
        self.assertStatus(r, 200)
        self.assertEqual(r.body["deadline"], att["deadline"])
        self.assertLessEqual(abs(epoch(r.body["server_time"]) - time.time()), 5)
        # Someone who hands in early: no result and no review before the exam closes.
        early = self.people[5]
        ea = self.start(early, "t-close", expect=201).body
        ekeys = self.right_answers(ea)
        self.assertStatus(self.save(early, ea["id"], [(1, ekeys[1], 1)]), 200)
        r = early.client().post("/api/v1/attempts/%d/submit" % ea["id"])
        self.assertStatus(r, 200)
        self.assertIsNone(r.body["result"], "results: after_close")
        self.assertIsNone(self.exam_entry(early, "t-close")["result"])
        self.assertStatus(early.client().get("/api/v1/attempts/%d/review" % ea["id"]), 403, "review_not_available")
        sleep_until(deadline + 1.2)  # past the deadline, inside the grace
        r = self.save(p, aid, [(2, keys[2], 1)])
        self.assertStatus(r, 200)
        sleep_until(deadline + self.GRACE + 1.3)  # past deadline + grace
        r = self.save(p, aid, [(3, keys[3], 1)])
        self.assertStatus(r, 409, "attempt_closed")
        b = self.wait_submitted(p, aid, deadline + self.GRACE + 5)
        # What was saved in time counts; the late save does not.
        self.assertEqual({k: v for k, v in b["answers"].items() if v}, {"1": keys[1], "2": keys[2]})
        s2, m2 = grade(att["questions"], {1: keys[1], 2: keys[2]}, keys, "all_or_nothing")
        self.assertEqual(num2(b["result"]["score"]), s2)  # closed now: after_close results show
        self.assertEqual(num2(b["result"]["max_score"]), m2)
        self.assertIs(b["result"]["passed"], passed(s2, m2, 60))
        self.assertStatus(self.save(p, aid, [(4, "T", 9)]), 409, "attempt_closed")
        # Submit stays idempotent on an auto-submitted attempt; review is open after close.
        self.assertStatus(p.client().post("/api/v1/attempts/%d/submit" % aid), 200)
        rv = p.client().get("/api/v1/attempts/%d/review" % aid)
        self.assertStatus(rv, 200)
        self.assertEqual({q["position"]: q["key"] for q in rv.body["questions"]}, keys)
        self.assertStatus(self.start(p, "t-close"), 409, "exam_not_open")
        self.assertEqual(self.exam_entry(p, "t-close")["status"], "submitted")
        # The early one's result and review are there now that the exam has closed.
        s2, m2 = grade(ea["questions"], {1: ekeys[1]}, ekeys, "all_or_nothing")
        self.assertEqual(num2(self.attempt(early, ea["id"])["result"]["score"]), s2)
        self.assertEqual(num2(self.exam_entry(early, "t-close")["result"]["score"]), s2)
        self.assertStatus(early.client().get("/api/v1/attempts/%d/review" % ea["id"]), 200)

    def test_restart_credits_then_submits_overdue(self):
        # The deadline passes while the server is down. Outage credit (故障补时, SPEC §12)
        # first moves it by the gap (the attempt was in progress then); the sweep then
        # submits it within 5 s of the credited deadline + grace, with what was saved.
        closes = int(time.time()) + 3
        create_exam(self, self.srv, exam_doc("t-restart", self.PAPER, closes=closes))
        p = self.people[1]
        att = self.start(p, "t-restart", expect=201).body
        aid = att["id"]
        keys = self.right_answers(att)
        self.assertStatus(self.save(p, aid, [(4, keys[4], 1), (5, keys[5], 1)]), 200)
        self.srv.kill9()
        killed = time.time()
        # On PostgreSQL a start-up gap is an outage from 12 s on (the nodes share the liveness
        # mark; docs/api.md, "Outage credit"): stay down longer than that there.
        sleep_until(max(epoch(att["deadline"]) + self.GRACE + 1.5, killed + 13.5 if L.ON_POSTGRES else 0))
        self.srv.start()
        down = time.time() - killed
        after = self.attempt(p, aid)
        credit = sum(c["seconds"] for c in after["credits"] if c["reason"] == "outage")
        self.assertGreaterEqual(credit, int(down), after["credits"])
        self.assertEqual(epoch(after["deadline"]), epoch(att["deadline"]) + credit)
        b = self.wait_submitted(p, aid, epoch(after["deadline"]) + self.GRACE + 5)
        self.assertGreaterEqual(epoch(b["submitted_at"]), epoch(after["deadline"]) + self.GRACE)
        s2, m2 = grade(att["questions"], {4: keys[4], 5: keys[5]}, keys, "all_or_nothing")
        self.assertEqual(num2(b["result"]["score"]), s2)

    def test_save_durable_across_kill9(self):
        create_exam(self, self.srv, exam_doc("t-durable", self.PAPER))
        p = self.people[2]
        att = self.start(p, "t-durable", expect=201).body
        aid = att["id"]
        keys = self.right_answers(att)
        want = {}
        for rnd_no, pos in enumerate((1, 4, 2)):
            r = self.save(p, aid, [(pos, keys[pos], rnd_no + 1)])
            self.assertStatus(r, 200)
            self.srv.kill9()  # right after the 200
            want[str(pos)] = keys[pos]
            self.srv.start()
            self.assertEqual({k: v for k, v in self.attempt(p, aid)["answers"].items() if v}, want)
        # Submit: durable too.
        r = p.client().post("/api/v1/attempts/%d/submit" % aid)
        self.assertStatus(r, 200)
        self.srv.kill9()
        self.srv.start()
        b = self.attempt(p, aid)
        self.assertEqual(b["status"], "submitted")
        self.assertEqual(b["result"], r.body["result"])
        self.assertEqual(b["submitted_at"], r.body["submitted_at"])
        s2, _ = grade(att["questions"], {int(k): v for k, v in want.items()}, keys, "all_or_nothing")
        self.assertEqual(num2(b["result"]["score"]), s2)

    def test_resume_keeps_deadline(self):
        # duration shorter than the window: deadline = start + duration, kept on resume and
        # across a restart.
        create_exam(self, self.srv, exam_doc("t-resume", self.PAPER, duration_minutes=2))
        p = self.people[3]
        att = self.start(p, "t-resume", expect=201).body
        self.assertEqual(epoch(att["deadline"]), epoch(att["started_at"]) + 120)
        time.sleep(1.1)
        again = self.start(p, "t-resume", expect=200).body
        self.assertEqual((again["id"], again["deadline"], again["questions"]),
                         (att["id"], att["deadline"], att["questions"]))
        self.srv.restart()
        again = self.start(p, "t-resume", expect=200).body
        # a restart that stopped serving for 2 s or more adds that as outage credit (SPEC §12)
        credit = sum(c["seconds"] for c in again["credits"])
        self.assertEqual((again["id"], epoch(again["deadline"]), again["questions"]),
                         (att["id"], epoch(att["deadline"]) + credit, att["questions"]))


# ===========================================================================================

class RosterTest(ExamCase):
    """staff import (CLI) and POST /api/v1/admin/staff: headers, aliases, errors by row, dry
    run, first passwords, updates, --disable-missing, XLSX."""

    @classmethod
    def prepare(cls):
        # Many deliberate failed logins ("nothing was imported") must not trip the throttle.
        cls.srv = srv = cls.start_server(*FAST, "--throttle-account", "1000")
        srv.add_user("radmin", roles="admin", password=PW)

    def write(self, name, text, encoding="utf-8"):
        path = os.path.join(self.srv.dir, name)
        with open(path, "w", encoding=encoding, newline="") as f:
            f.write(text)
        return path

    def can_login(self, login, password):
        r = self.srv.client().login(login, password, expect=None)
        return r.status == 200

    def me(self, login, password):
        c = self.srv.client()
        r = c.login(login, password)
        return r.body["user"], c

    def read_passwords(self, path):
        with open(path, encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["工号", "初始密码", "姓名", "单位"])
        return {r[0]: r[1] for r in rows[1:]}

    def test_import_chinese_headers_and_first_passwords(self):
        rows = [("r001", "张三", "珠晖区/区司法局/普法股", "leader", "examinee", ""),
                ("r002", "李四", " 珠晖区 / 东风街道办事处 ", "行政执法人员", "examinee;hr", ""),
                ("r003", "王五", "珠晖区/区司法局", "general", "", "Given-Pass-1")]
        path = self.write("cn.csv", "\ufeff" + roster_csv(rows))
        pw_out = os.path.join(self.srv.dir, "pw-cn.csv")
        # New users without passwords need --passwords-out.
        rc, out, err = self.srv.admin("staff", "import", path)
        self.assertEqual(rc, 2, out + err)
        self.assertFalse(self.can_login("r003", "Given-Pass-1"))
        rc, out, err = self.srv.admin("staff", "import", path, "--passwords-out", pw_out)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("3 added", out)
        pws = self.read_passwords(pw_out)
        self.assertEqual(set(pws), {"r001", "r002"})
        with open(pw_out, encoding="utf-8-sig") as f:  # name and unit (as stored) for the slips
            self.assertEqual([r[2:] for r in csv.reader(f)][1:],
                             [["张三", "珠晖区/区司法局/普法股"], ["李四", "珠晖区/东风街道办事处"]])
        self.assertEqual(oct(os.stat(pw_out).st_mode & 0o777), "0o600")
        u, c = self.me("r002", pws["r002"])
        self.assertEqual((u["name"], u["org"], u["category"], sorted(u["roles"])),
                         ("李四", "珠晖区/东风街道办事处", "enforcement", ["examinee", "hr"]))
        self.assertIs(u["must_change_password"], True)
        self.assertStatus(c.get("/api/v1/exams"), 403, "password_change_required")
        r = c.post("/api/v1/me/password", json={"old": pws["r002"], "new": "Changed-Pass-2"})
        self.assertStatus(r, 200)
        c2 = self.srv.client()
        r = c2.login("r002", "Changed-Pass-2")
        self.assertIs(r.body["user"]["must_change_password"], False)
        self.assertStatus(c2.get("/api/v1/exams"), 200)
        u, _ = self.me("r003", "Given-Pass-1")
        self.assertIs(u["must_change_password"], False, "a given password need not be changed")
        self.assertEqual(u["roles"], ["examinee"])
        u, _ = self.me("r001", pws["r001"])
        self.assertEqual((u["category"], u["org"]), ("leader", "珠晖区/区司法局/普法股"))

        # Existing logins are updated; the password only when given.
        rows2 = [("r001", "张三丰", "珠晖区/区司法局", "general", "examinee", ""),
                 ("r003", "王五", "珠晖区/区司法局", "general", "", "Newer-Pass-3")]
        path = self.write("cn2.csv", roster_csv(rows2))
        rc, out, err = self.srv.admin("staff", "import", path)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("2 updated", out)
        u, _ = self.me("r001", pws["r001"])
        self.assertEqual((u["name"], u["org"], u["category"]), ("张三丰", "珠晖区/区司法局", "general"))
        self.assertFalse(self.can_login("r003", "Given-Pass-1"))
        self.assertTrue(self.can_login("r003", "Newer-Pass-3"))
        # The same file again: unchanged.
        rc, out, err = self.srv.admin("staff", "import", self.write("cn3.csv", roster_csv(rows2[:1])))
        self.assertEqual(rc, 0, out + err)
        self.assertIn("1 unchanged", out)

    def test_english_aliases_any_order(self):
        rows = [("英文甲", "e001", "general", "珠晖区/区应急管理局", "Alias-Pass-1", "examinee"),
                ("英文乙", "e002", "一般工作人员", "珠晖区/区应急管理局/执法大队", "Alias-Pass-2", "examinee,hr")]
        text = roster_csv(rows, header=("name", "login", "category", "org", "password", "roles"))
        rc, out, err = self.srv.admin("staff", "import", self.write("en.csv", text))
        self.assertEqual(rc, 0, out + err)
        u, _ = self.me("e002", "Alias-Pass-2")
        self.assertEqual((u["name"], u["org"], u["category"], sorted(u["roles"])),
                         ("英文乙", "珠晖区/区应急管理局/执法大队", "general", ["examinee", "hr"]))

    def test_errors_name_the_row_and_import_nothing(self):
        good = ("x001", "好人", "珠晖区/区司法局", "general", "examinee", "Good-Pass-1")
        cases = [
            ("unknown category", [good, ("x002", "坏类别", "珠晖区/区司法局", "chairman", "examinee", "Good-Pass-2")], 3,
             "chairman"),
            ("empty unit level", [good, ("x002", "甲", "珠晖区/区司法局", "general", "", ""),
                                  ("x003", "乙", "珠晖区//普法股", "general", "", "Good-Pass-3")], 4, "/"),
            ("full-width slash", [good, ("x002", "丙", "珠晖区／区司法局", "general", "", "Good-Pass-2")], 3, "／"),
            ("unknown role", [good, ("x002", "丁", "珠晖区", "general", "boss", "Good-Pass-2")], 3, "boss"),
            ("repeated login", [good, ("x001", "戊", "珠晖区", "general", "", "Good-Pass-2")], 3, "x001"),
            ("weak password", [good, ("x002", "己", "珠晖区", "general", "", "short")], 3, ""),
        ]
        for what, rows, rownum, word in cases:
            path = self.write("bad.csv", roster_csv(rows))
            rc, out, err = self.srv.admin("staff", "import", path, "--passwords-out",
                                          os.path.join(self.srv.dir, "pw-bad.csv"))
            self.assertEqual(rc, 1, "%s: %s%s" % (what, out, err))
            self.assertIn("%s:ROW %d:" % (path, rownum), err, what)
            self.assertIn(word, err, what)
            self.assertFalse(self.can_login("x001", "Good-Pass-1"), "%s: the good row was imported" % what)
        # The same through the API: 422 with the row, nothing imported.
        adm = self.srv.client()
        adm.login("radmin", PW)
        r = adm.post("/api/v1/admin/staff?format=csv", body=roster_csv(cases[0][1]).encode())
        self.assertStatus(r, 422, "invalid_roster")
        self.assertTrue(any("ROW 3" in d["where"] for d in r.body["error"]["details"]), r.body)
        self.assertFalse(self.can_login("x001", "Good-Pass-1"))
        # Once the category exists the same file imports.
        rc, out, err = self.srv.admin("category", "add", "chairman", "主任")
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.srv.admin("category", "list")
        self.assertIn("chairman", out)
        path = self.write("bad.csv", roster_csv(cases[0][1]))
        rc, out, err = self.srv.admin("staff", "import", path)
        self.assertEqual(rc, 0, out + err)
        self.assertTrue(self.can_login("x001", "Good-Pass-1"))

    def test_dry_run(self):
        rows = [("d001", "试运行", "珠晖区/区司法局", "general", "examinee", "")]
        path = self.write("dry.csv", roster_csv(rows))
        pw_out = os.path.join(self.srv.dir, "pw-dry.csv")
        rc, out, err = self.srv.admin("staff", "import", path, "--dry-run", "--passwords-out", pw_out)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("1 added", out)
        self.assertIn("dry run", out)
        self.assertFalse(os.path.exists(pw_out) and self.read_passwords(pw_out))
        rc, out, err = self.srv.admin("staff", "import", path, "--dry-run", "--passwords-out", pw_out)
        self.assertIn("1 added", out, "the first dry run added someone")
        adm = self.srv.client()
        adm.login("radmin", PW)
        r = adm.post("/api/v1/admin/staff?dry_run=1", body=roster_csv(rows).encode())
        self.assertStatus(r, 200)
        self.assertEqual((r.body["added"], r.body["initial_passwords"]), (1, []))
        r = adm.post("/api/v1/admin/staff?dry_run=1", body=roster_csv(rows).encode())
        self.assertEqual(r.body["added"], 1)

    def test_api_import_and_disable_missing(self):
        adm = self.srv.client()
        adm.login("radmin", PW)
        self.srv.add_user("keepadm", org="珠晖区/区司法局", roles="admin,examinee", password=PW)
        rows = [("m%03d" % i, "成员%d" % i, "珠晖区/区司法局/普法股", "general", "examinee", "") for i in range(5)]
        r = adm.post("/api/v1/admin/staff", body=roster_csv(rows).encode())
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 5)
        first = {x["login"]: x["password"] for x in r.body["initial_passwords"]}
        self.assertEqual(set(first), {x[0] for x in rows})
        self.assertEqual({x["login"]: (x["name"], x["org"]) for x in r.body["initial_passwords"]},
                         {x[0]: (x[1], x[2]) for x in rows})
        u, _ = self.me("m000", first["m000"])
        self.assertIs(u["must_change_password"], True)
        # Non-admins may not import.
        self.srv.add_user("plain", password=PW)
        pc = self.srv.client()
        pc.login("plain", PW)
        self.assertStatus(pc.post("/api/v1/admin/staff", body=roster_csv(rows).encode()), 403)
        # Everyone absent is disabled (dry run first: counts only), never an administrator.
        keep = rows[:3]
        path = self.write("keep.csv", roster_csv(keep))
        rc, out, err = self.srv.admin("staff", "import", path, "--disable-missing", "--dry-run")
        self.assertEqual(rc, 0, out + err)
        self.assertTrue(self.can_login("m004", first["m004"]))
        rc, out, err = self.srv.admin("staff", "import", path, "--disable-missing")
        self.assertEqual(rc, 0, out + err)
        m = re.search(r"(\d+) disabled", out)
        self.assertTrue(m and int(m.group(1)) >= 3, out)  # m003, m004, plain (+ users of other tests)
        self.assertFalse(self.can_login("m003", first["m003"]))
        self.assertFalse(self.can_login("m004", first["m004"]))
        self.assertFalse(self.can_login("plain", PW))
        self.assertTrue(self.can_login("m000", first["m000"]))
        self.assertTrue(self.can_login("radmin", PW), "an administrator was disabled")
        self.assertTrue(self.can_login("keepadm", PW), "an administrator was disabled")
        # Importing them again enables them (their passwords unchanged).
        r = adm.post("/api/v1/admin/staff", body=roster_csv(rows).encode())
        self.assertStatus(r, 200)
        self.assertTrue(self.can_login("m004", first["m004"]))

    def test_xlsx_imports_the_same(self):
        import openpyxl
        rows = [("w001", "表格甲", "珠晖区/区司法局/普法股", "leader", "examinee", "Xlsx-Pass-1"),
                ("w002", "表格乙", "珠晖区/东风街道办事处", "领导干部", "examinee;hr", "Xlsx-Pass-2"),
                (20260001, "数字工号", "珠晖区/区司法局", "general", "examinee", "Xlsx-Pass-3")]
        csv_rows = [tuple(str(x) for x in r) for r in rows]

        def xlsx(data_rows, header=("工号", "姓名", "单位", "类别", "角色", "密码")):
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.append(list(header))
            for r in data_rows:
                ws.append(list(r))
            buf = io.BytesIO()
            wb.save(buf)
            return buf.getvalue()

        path = os.path.join(self.srv.dir, "roster.xlsx")
        with open(path, "wb") as f:
            f.write(xlsx(rows))
        rc, out, err = self.srv.admin("staff", "import", path)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("3 added", out)
        u, _ = self.me("w002", "Xlsx-Pass-2")
        self.assertEqual((u["name"], u["org"], u["category"], sorted(u["roles"])),
                         ("表格乙", "珠晖区/东风街道办事处", "leader", ["examinee", "hr"]))
        u, _ = self.me("20260001", "Xlsx-Pass-3")
        self.assertEqual(u["login"], "20260001")
        # The same content as CSV (without passwords) is already there: nothing to change.
        no_pw = [r[:5] + ("",) for r in csv_rows]
        rc, out, err = self.srv.admin("staff", "import", self.write("same.csv", roster_csv(no_pw)), "--dry-run")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("0 added, 0 updated, 3 unchanged", out)
        # XLSX through the API, with an error row: 422 naming the row, then a good one.
        adm = self.srv.client()
        adm.login("radmin", PW)
        bad = [("w101", "甲", "珠晖区", "general", "", "Xlsx-Pass-4"), ("w102", "乙", "珠晖区", "nobody", "", "")]
        r = adm.post("/api/v1/admin/staff?format=xlsx", body=xlsx(bad))
        self.assertStatus(r, 422, "invalid_roster")
        self.assertTrue(any("ROW 3" in d["where"] for d in r.body["error"]["details"]), r.body)
        self.assertFalse(self.can_login("w101", "Xlsx-Pass-4"))
        good = [("w101", "甲", "珠晖区", "general", "", "Xlsx-Pass-4"), ("w102", "乙", "珠晖区", "leader", "", "")]
        r = adm.post("/api/v1/admin/staff?format=xlsx", body=xlsx(good, header=("login", "name", "org", "category",
                                                                                 "roles", "password")))
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 2)
        self.assertEqual([x["login"] for x in r.body["initial_passwords"]], ["w102"])
        self.assertTrue(self.can_login("w101", "Xlsx-Pass-4"))
        self.assertTrue(self.can_login("w102", r.body["initial_passwords"][0]["password"]))


if __name__ == "__main__":
    unittest.main()
