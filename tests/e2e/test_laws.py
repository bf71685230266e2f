"""End-to-end: the law library and the law-aware bank (SPEC §13).

The bundled constitution bank and law texts are imported as the demo does. A second version
of the constitution with exactly one article changed puts exactly the active questions citing
that article into review: `bank review` lists them, exam create says how many a section lost,
a paper drawn afterwards holds none of them, `bank review --accept` and a changed re-import
clear them. The law routes answer the list, a law by chapter with ?q=, one article, and 404
for an unknown law or article; the review carries each basis as (law, article). Malformed law
files are refused with FILE:LINE and change nothing; `bank check-basis` finds bases that
resolve to no article and none in the bundled banks.
"""

import json
import os
import re
import time
import unittest

import lawexam_e2e as L

BANKS = os.path.join(L.SOURCE_DIR, "question-bank", "banks")
LAWS = os.path.join(L.SOURCE_DIR, "question-bank", "laws")
CON_TITLE = "中华人民共和国宪法"
PW = L.DEFAULT_PASSWORD


def manifest():
    rows = []
    with open(os.path.join(LAWS, "MANIFEST"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                rows.append(line.rstrip("\n").split("\t"))
    return rows


def article_label(basis):
    """'第五条' for '《中华人民共和国宪法》第五条第一款' (None for other laws or the preamble)."""
    m = re.match(r"《%s》(?:第[一二三四五六七八九十百千零]+章)?(第[一二三四五六七八九十百千零]+条(?:之[一二三四五六七八九十]+)?)"
                 % CON_TITLE, basis)
    return m.group(1) if m else None


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


class Laws(L.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = cls.start_server("--argon2-m", "1024")
        cls.srv.add_user("stu1", category="general", roles="examinee")
        cls.srv.add_user("stu2", category="general", roles="examinee")
        cls.srv.add_user("adm", roles="admin")
        with open(os.path.join(BANKS, "constitution.json"), encoding="utf-8") as f:
            cls.bank = json.load(f)
        rc, out, err = cls.srv.admin("bank", "import", os.path.join(BANKS, "constitution.json"))
        assert rc == 0, out + err
        for code, fname, eff in manifest():
            rc, out, err = cls.srv.admin("law", "import", os.path.join(LAWS, fname), "--code", code,
                                         "--effective", eff)
            assert rc == 0, out + err
        # the article most questions cite, and a second version where only it changed
        cites = {}
        for q in cls.bank["questions"]:
            lab = article_label(q.get("basis", ""))
            if lab:
                cites.setdefault(lab, []).append(q)
        # (cited by single and judge questions: both kinds of section below lose some)
        both = [k for k in sorted(cites) if {"single", "judge"} <= {q["type"] for q in cites[k]}]
        cls.label = max(both, key=lambda k: len(cites[k]))
        cls.citing = {q["id"] for q in cites[cls.label]}
        with open(os.path.join(LAWS, "constitution.md"), encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        hits = [i for i, l in enumerate(lines) if l.startswith(cls.label + " ")]
        assert len(hits) == 1, hits
        lines[hits[0]] = lines[hits[0]].rstrip("。") + "，依照法律规定。"
        cls.changed_text = lines[hits[0]][len(cls.label) + 1:]
        cls.v2 = os.path.join(cls.srv.dir, "constitution-v2.md")
        with open(cls.v2, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        cls.no = None

    def write(self, name, text):
        path = os.path.join(self.srv.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def review_ids(self, *extra):
        rc, out, err = self.srv.admin("bank", "review", *extra)
        self.assertEqual(rc, 0, out + err)
        return {line.split("\t")[0].split(":", 1)[1] for line in out.splitlines()
                if line.startswith("constitution:")}

    def exam_doc(self, code, count, qtype):
        return {"format": "lawexam-exam/1", "code": code, "title": "宪法测试 " + code,
               "opens_at": iso(time.time() - 3600), "closes_at": iso(time.time() + 86400),
               "duration_minutes": 60, "pass_percent": 60, "max_attempts": 1,
               "multiple_scoring": "all_or_nothing", "results": "immediate", "review": "immediate",
               "papers": [{"categories": ["general"],
                           "sections": [{"title": "宪法", "bank": "constitution", "type": qtype,
                                         "count": count, "points": 1}]}]}

    def create_exam(self, code, count, qtype="single"):
        doc = self.exam_doc(code, count, qtype)
        path = self.write("exam-%s.json" % code, json.dumps(doc, ensure_ascii=False))
        return self.srv.admin("exam", "create", path)

    # --- the tests, in order (unittest sorts by name) ----------------------------------------

    def test_1_bundled_bases_resolve(self):
        rc, out, err = self.srv.admin("bank", "check-basis")
        self.assertEqual(rc, 0, out + err)
        self.assertIn(" 0 cite no article", out)
        self.assertNotIn("unreadable:", out)
        rc, out, err = self.srv.admin("law", "list")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.strip().splitlines()), len(manifest()))
        self.assertRegex(out, r"constitution\t中华人民共和国宪法\tversion 1\teffective 2018-03-11\t144 articles")

    def test_1b_exam_drawn_before_the_change(self):
        # an exam whose start cache is filled before the law changes (test_2 draws from it again)
        judges = [q for q in self.bank["questions"] if q["type"] == "judge"]
        held = [q for q in judges if q["id"] in self.citing]
        self.assertGreaterEqual(len(held), 1)
        rc, out, err = self.create_exam("law-early", len(judges) - len(held), qtype="judge")
        self.assertEqual(rc, 0, out + err)
        self.assertNotIn("少了", err)
        c = self.srv.client()
        c.login("stu1", PW)
        r = c.post("/api/v1/exams/law-early/attempts")
        self.assertEqual(r.status, 201, r.body)

    def test_2_changed_article_puts_exactly_its_questions_in_review(self):
        self.assertGreaterEqual(len(self.citing), 2, "want an article several questions cite")
        self.assertEqual(self.review_ids(), set())
        singles = [q for q in self.bank["questions"] if q["type"] == "single"]
        held_singles = [q for q in singles if q["id"] in self.citing]
        rc, out, err = self.srv.admin("law", "import", self.v2, "--code", "constitution", "--effective", "2026-01-01")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("version 2", out)
        self.assertIn("1 changed", out)
        self.assertIn("%d question(s) put into review" % len(self.citing), out)
        # exactly the questions citing it
        self.assertEqual(self.review_ids(), self.citing)
        self.assertEqual(self.review_ids("--law", "constitution"), self.citing)
        self.assertEqual(self.review_ids("--law", "civil-code"), set())
        # the same text again: no new version, nothing more
        rc, out, err = self.srv.admin("law", "import", self.v2, "--code", "constitution", "--effective", "2026-01-01")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("unchanged (version 2", out)

        # exam create: a section asking for every single question fails and says why ...
        if held_singles:
            rc, out, err = self.create_exam("law-all", len(singles))
            self.assertEqual(rc, 1, out + err)
            self.assertIn("另有 %d 道因所引法条已修改而待复核" % len(held_singles), err)
        # ... and one asking for what is left works, saying how many the section lost
        avail = len(singles) - len(held_singles)
        rc, out, err = self.create_exam("law-rest", avail)
        self.assertEqual(rc, 0, out + err)
        if held_singles:
            self.assertIn("少了 %d 道题" % len(held_singles), err)
            # the admin page's check (POST /admin/exams?dry_run=1) says it too
            a = self.srv.client(token=self.srv.token("adm"))
            r = a.post("/api/v1/admin/exams?dry_run=1", json=self.exam_doc("law-api", avail, "single"))
            self.assertEqual(r.status, 200, r.body)
            self.assertTrue(any("少了 %d 道题" % len(held_singles) in w for w in r.body["warnings"]), r.body)
        # a paper drawn now holds none of them (it holds every other single question)
        c = self.srv.client()
        c.login("stu1", PW)
        r = c.post("/api/v1/exams/law-rest/attempts")
        self.assertIn(r.status, (200, 201), r.body)
        drawn = {q["stem"] for q in r.body["questions"]}
        self.assertEqual(drawn, {q["stem"] for q in singles if q["id"] not in self.citing})
        for q in held_singles:
            self.assertNotIn(q["stem"], drawn)
        # the exam whose candidates lawexamd had cached before the import draws none either
        judges = [q for q in self.bank["questions"] if q["type"] == "judge"]
        c2 = self.srv.client()
        c2.login("stu2", PW)
        r2 = c2.post("/api/v1/exams/law-early/attempts")
        self.assertEqual(r2.status, 201, r2.body)
        self.assertEqual({q["stem"] for q in r2.body["questions"]},
                         {q["stem"] for q in judges if q["id"] not in self.citing})

        # the review shows each basis as (law, article), and the article reads the new text
        aid = r.body["id"]
        r = c.post("/api/v1/attempts/%d/submit" % aid)
        self.assertEqual(r.status, 200, r.body)
        r = c.get("/api/v1/attempts/%d/review" % aid)
        self.assertEqual(r.status, 200, r.body)
        for q in r.body["questions"]:
            self.assertIsNotNone(q["law"], q["basis"])
            self.assertEqual(q["law"]["code"], "constitution")
            a = c.get("/api/v1/laws/constitution/articles/%s" % q["law"]["ref"])
            self.assertEqual(a.status, 200, a.body)
            if q["basis"].startswith("《%s》序言" % CON_TITLE):
                self.assertEqual(a.body["article"]["label"], "序言")
            else:
                self.assertEqual(a.body["article"]["label"], article_label(q["basis"]))

    def test_3_accept_and_reimport_clear_review(self):
        ids = sorted(self.review_ids())
        self.assertEqual(set(ids), self.citing)
        rc, out, err = self.srv.admin("bank", "review", "--accept", "constitution:" + ids[0])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("1 question(s) accepted", out)
        self.assertEqual(self.review_ids(), set(ids[1:]))
        # unknown question: nothing accepted
        rc, out, err = self.srv.admin("bank", "review", "--accept", "constitution:" + ids[1], "constitution:NOPE")
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(self.review_ids(), set(ids[1:]))
        # usage
        rc, out, err = self.srv.admin("bank", "review", "constitution:" + ids[1])
        self.assertEqual(rc, 2, out + err)
        # a re-import that changes the question takes it out of review; unchanged ones stay
        doc = json.loads(json.dumps(self.bank))
        for q in doc["questions"]:
            if q["id"] == ids[1]:
                q["explanation"] = q.get("explanation", "") + "（已按新条文复核）"
        path = self.write("constitution-fixed.json", json.dumps(doc, ensure_ascii=False))
        rc, out, err = self.srv.admin("bank", "import", path)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.review_ids(), set(ids[2:]))

    def test_4_law_routes(self):
        c = self.srv.client()
        r = c.get("/api/v1/laws")
        self.assertEqual(r.status, 401)
        c.login("stu2", PW)
        r = c.get("/api/v1/laws")
        self.assertEqual(r.status, 200, r.body)
        laws = {l["code"]: l for l in r.body}
        self.assertEqual(set(laws), {m[0] for m in manifest()})
        self.assertEqual(laws["constitution"]["title"], CON_TITLE)
        self.assertEqual(laws["constitution"]["version"], 2)
        self.assertEqual(laws["constitution"]["effective"], "2026-01-01")
        self.assertEqual(laws["constitution"]["articles"], 144)

        r = c.get("/api/v1/laws/constitution")
        self.assertEqual(r.status, 200)
        arts = r.body["articles"]
        self.assertEqual(arts[0]["label"], "序言")
        self.assertEqual([a["no"] for a in arts[1:]], list(range(1, 144)))
        self.assertEqual(arts[1]["chapter"], "第一章 总纲")
        changed = [a for a in arts if a["label"] == self.label][0]
        self.assertEqual(changed["text"].split("\n")[0], self.changed_text)

        r = c.get("/api/v1/laws/constitution?q=" + "%E7%9B%91%E5%AF%9F%E5%A7%94%E5%91%98%E4%BC%9A")  # 监察委员会
        self.assertEqual(r.status, 200)
        self.assertTrue(r.body["articles"])
        self.assertLess(len(r.body["articles"]), 143)
        for a in r.body["articles"]:
            self.assertIn("监察委员会", a["label"] + a["text"])

        r = c.get("/api/v1/laws/criminal-law/articles/133-1")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["article"]["label"], "第一百三十三条之一")
        r = c.get("/api/v1/laws/constitution/articles/58")
        self.assertEqual(r.body["article"]["label"], "第五十八条")

        # The Criminal Law's annexes (附件一, 附件二 after 第四百五十二条) are stored and shown as
        # entries of their own (LAW_ANNEX_NO + 1, + 2), not counted as articles.
        self.assertEqual(laws["criminal-law"]["articles"], 452 + 53)
        arts = c.get("/api/v1/laws/criminal-law").body["articles"]
        self.assertEqual([a["label"] for a in arts[-3:]], ["第四百五十二条", "附件一", "附件二"])
        self.assertEqual([(a["no"], a["ref"]) for a in arts[-2:]], [(10001, "10001"), (10002, "10002")])
        self.assertIn("1．中华人民共和国惩治军人违反职责罪暂行条例", arts[-2]["text"])
        self.assertIn("8．关于惩治虚开、伪造和非法出售增值税专用发票犯罪的决定", arts[-1]["text"])
        self.assertNotIn("惩治军人违反职责罪暂行条例", arts[-3]["text"])
        r = c.get("/api/v1/laws/criminal-law/articles/10002")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["article"]["label"], "附件二")

        for path, code in (("/api/v1/laws/no-such-law", "law_not_found"),
                           ("/api/v1/laws/no-such-law/articles/1", "law_not_found"),
                           ("/api/v1/laws/NOPE", "law_not_found"),
                           ("/api/v1/laws/constitution/articles/9999", "article_not_found"),
                           ("/api/v1/laws/constitution/articles/abc", "article_not_found"),
                           ("/api/v1/laws/constitution/articles/058", "article_not_found")):
            r = c.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(L.error_code(r), code, path)
        r = c.get("/api/v1/laws/constitution?q=" + "x" * 200)
        self.assertEqual(r.status, 422)

    def test_5_malformed_law_files_change_nothing(self):
        before = self.srv.admin("law", "list")[1]
        cases = [
            ("none.md", "# 某法\n\n本法没有条文。\n", "none.md:1:", "没有找到条文"),
            ("dup.md", "# 某法\n第一条 甲。\n第二条 乙。\n第二条 丙。\n", "dup.md:4:", "第二条重复"),
            ("gap.md", "# 某法\n第一条 甲。\n\n第三条 丙。\n", "gap.md:4:", "缺少第 2 至第 2 条"),
        ]
        for name, text, where, what in cases:
            rc, out, err = self.srv.admin("law", "import", self.write(name, text), "--code", "constitution")
            self.assertEqual(rc, 1, name + out + err)
            self.assertIn(where, err)
            self.assertIn(what, err)
            self.assertIn("nothing imported", err)
        rc, out, err = self.srv.admin("law", "import", self.v2, "--code", "Bad_Code")
        self.assertEqual(rc, 2, out + err)
        rc, out, err = self.srv.admin("law", "import", self.v2, "--code", "x", "--effective", "2026-13-01")
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(self.srv.admin("law", "list")[1], before)

    def test_6_check_basis_finds_unresolved(self):
        doc = {"format": "lawexam-bank/1",
               "bank": {"code": "basis-test", "title": "依据测试", "subject": "constitution"},
               "questions": [
                   {"id": "B1", "type": "judge", "stem": "宪法是根本法。", "answer": "T",
                    "basis": "《中华人民共和国宪法》第九百九十九条"},
                   {"id": "B2", "type": "judge", "stem": "宪法是国家的根本法。", "answer": "T",
                    "basis": "宪法某条"},
                   {"id": "B3", "type": "judge", "stem": "一切权力属于人民。", "answer": "T",
                    "basis": "《中华人民共和国宪法》第二条"}]}
        rc, out, err = self.srv.admin("bank", "import", self.write("basis.json", json.dumps(doc, ensure_ascii=False)))
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.srv.admin("bank", "check-basis")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("basis-test:B1: no_article:", out)
        self.assertIn("basis-test:B2: unreadable:", out)
        self.assertNotIn("basis-test:B3", out)
        rc, out, err = self.srv.admin("bank", "import", self.write("basis.json", json.dumps(doc, ensure_ascii=False)),
                                      "--retire-missing")
        doc["questions"] = doc["questions"][2:]
        rc, out, err = self.srv.admin("bank", "import", self.write("basis2.json", json.dumps(doc, ensure_ascii=False)),
                                      "--retire-missing")
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.srv.admin("bank", "check-basis")
        self.assertEqual(rc, 0, out + err)


if __name__ == "__main__":
    unittest.main()
