"""Self-test for tools/check_banks.py.

Run from tools/ (as ctest does):  /usr/bin/python3 -m unittest -v test_check_banks

Every test writes a small bank to a temporary directory, runs the checker as a
subprocess against the real law texts (../shared/laws from the repo root, or
$LAWEXAM_LAWS_DIR) and checks the exit status and the exact problem lines.
"""

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "check_banks.py")
sys.path.insert(0, HERE)
import check_banks as cb  # noqa: E402

CIVIL = "《中华人民共和国民法典》"
YANGTZE = "《中华人民共和国长江保护法》"

GOOD_QUESTIONS = [
    {"id": "T-0001", "type": "single",
     "stem": "根据民法典，结婚年龄男不得早于多少周岁？",
     "options": ["二十周岁", "二十二周岁", "十八周岁", "二十四周岁"],
     "answer": "B",
     "explanation": "民法典规定结婚年龄，男不得早于二十二周岁，女不得早于二十周岁。",
     "basis": CIVIL + "第一千零四十七条", "difficulty": 1, "tags": ["婚姻家庭", "结婚"]},
    {"id": "T-0002", "type": "multiple",
     "stem": "关于结婚自愿原则，下列说法正确的有哪些？",
     "options": ["结婚应当男女双方完全自愿", "禁止任何一方对另一方加以强迫",
                 "父母可以代为决定子女婚姻", "结婚须经所在单位同意"],
     "answer": "AB",
     "explanation": "结婚应当男女双方完全自愿，禁止任何一方对另一方加以强迫，禁止任何组织或者个人加以干涉。",
     "basis": CIVIL + "第一千零四十六条", "difficulty": 3, "tags": ["婚姻家庭"]},
    {"id": "T-0003", "type": "judge",
     "stem": "宪法规定，中国特色社会主义最本质的特征是中国共产党领导。",
     "answer": "T",
     "explanation": "宪法第一条第二款如此规定。",
     "basis": "《中华人民共和国宪法》第一条第二款", "difficulty": 1, "tags": ["宪法总纲"]},
    {"id": "T-0004", "type": "multiple",
     "stem": "依照长江保护法，有关部门应当对长江流域哪些活动进行监督检查？",
     "options": ["保护活动", "开发活动", "建设活动", "旅游观光活动", "居民日常生活"],
     "answer": "ABC",
     "explanation": "有关部门对长江流域各类保护、开发、建设活动进行监督检查。",
     "basis": YANGTZE + "第七十九条第一款", "difficulty": 2, "tags": ["监督检查"]},
    {"id": "T-0005", "type": "judge",
     "stem": "已满七十五周岁的人故意犯罪的，应当免除处罚。",
     "answer": "F",
     "explanation": "已满七十五周岁的人故意犯罪的，可以从轻或者减轻处罚，并非应当免除处罚。",
     "basis": "《中华人民共和国刑法》第十七条之一", "difficulty": 3, "tags": ["刑事责任年龄"]},
    {"id": "T-0006", "type": "single",
     "stem": "党章规定，党的最高领导机关是什么？",
     "options": ["党的全国代表大会和它所产生的中央委员会", "中央政治局",
                 "中央书记处", "中央军事委员会"],
     "answer": "A",
     "explanation": "党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。",
     "basis": "《中国共产党章程》第三章第十九条", "difficulty": 1, "tags": ["党章", "待核对"]},
]


# Summary line of the good bank: counts, then the quality figures.
GOOD_SUMMARY = ("6 questions (single 2, multiple 2, judge 2) | multiples with >=2 wrong options "
                "100% (2/2), keys 2:1 3:1, max per article 1, verbatim 0% (0/2), "
                "difficulty>=3 33% (2/6), difficulty 4-5 0% (0/6), cases 0")


def make_bank(questions=None):
    return {"format": "lawexam-bank/1",
            "bank": {"code": "test", "title": "测试题库", "subject": "测试"},
            "questions": copy.deepcopy(GOOD_QUESTIONS if questions is None else questions)}


class CheckerTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, bank, name="bank.json", raw=None):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            if raw is not None:
                f.write(raw)
            else:
                json.dump(bank, f, ensure_ascii=False, indent=1)
        return path

    def run_checker(self, *args, env=None):
        p = subprocess.run([sys.executable, SCRIPT] + list(args), capture_output=True,
                           text=True, encoding="utf-8", env=env)
        return p.returncode, p.stdout, p.stderr

    def check(self, bank=None, raw=None):
        """Run on one bank; return (rc, problem lines without the FILE prefix, summary)."""
        path = self.write(bank, raw=raw)
        rc, out, err = self.run_checker(path)
        lines = out.splitlines()
        self.assertTrue(lines, "no output; stderr=%r" % err)
        summary = lines[-1]
        self.assertTrue(summary.startswith(path + ": "), summary)
        problems = []
        for line in lines[:-1]:
            self.assertTrue(line.startswith(path + ": "), line)
            problems.append(line[len(path) + 2:])
        return rc, problems, summary[len(path) + 2:]

    def assertProblem(self, bank, qid, pattern, count=1, raw=None):
        """The bank must fail with exactly `count` problems, one of them
        `qid: <message matching pattern>`."""
        rc, problems, summary = self.check(bank, raw=raw)
        self.assertEqual(rc, 1, "expected failure, got rc=%d: %r" % (rc, problems))
        hits = [p for p in problems
                if p.startswith(qid + ": ") and re.search(pattern, p[len(qid) + 2:])]
        self.assertTrue(hits, "no %s problem matching %r in %r" % (qid, pattern, problems))
        self.assertEqual(len(problems), count, problems)
        self.assertTrue(summary.endswith(": %d problem%s" % (count, "" if count == 1 else "s")),
                        summary)
        return problems

    def bank_with(self, idx, **changes):
        """Good bank with question idx changed (value None deletes the field)."""
        bank = make_bank()
        q = bank["questions"][idx]
        for k, v in changes.items():
            if v is None:
                q.pop(k, None)
            else:
                q[k] = v
        return bank


class GoodBank(CheckerTestCase):
    def test_good_bank_passes(self):
        rc, problems, summary = self.check(make_bank())
        self.assertEqual(problems, [])
        self.assertEqual(rc, 0)
        self.assertEqual(summary, GOOD_SUMMARY + ": OK")

    def test_several_files_and_exit_status(self):
        good = self.write(make_bank(), "good.json")
        bad = self.write(self.bank_with(0, id="bad id"), "bad.json")
        rc, out, _ = self.run_checker(good, bad)
        self.assertEqual(rc, 1)
        self.assertIn(good + ": " + GOOD_SUMMARY + ": OK", out)
        self.assertIn(bad + ": " + GOOD_SUMMARY + ": 1 problem", out)
        rc, out, _ = self.run_checker(good)
        self.assertEqual(rc, 0)

    def test_laws_dir_option_and_env(self):
        good = self.write(make_bank())
        rc, _, err = self.run_checker("--laws", os.path.join(self.tmp.name, "nope"), good)
        self.assertEqual(rc, 2)
        self.assertIn("laws directory", err)
        env = dict(os.environ, LAWEXAM_LAWS_DIR=cb.default_laws_dir())
        rc, out, _ = self.run_checker(good, env=env)
        self.assertEqual(rc, 0, out)
        env = dict(os.environ, LAWEXAM_LAWS_DIR=self.tmp.name)  # exists, has no laws
        rc, out, _ = self.run_checker(good, env=env)
        self.assertEqual(rc, 1)
        self.assertIn("law text civil-code.md not found", out)


class Structure(CheckerTestCase):
    def test_bad_id(self):
        self.assertProblem(self.bank_with(0, id="T 0001/x"), "T 0001/x", r"^bad id")
        self.assertProblem(self.bank_with(0, id="x" * 65), "x" * 65, r"^bad id")

    def test_duplicate_id(self):
        self.assertProblem(self.bank_with(1, id="T-0001"), "T-0001", r"^duplicate id")

    def test_unknown_field(self):
        self.assertProblem(self.bank_with(0, source="x"), "T-0001", r"unknown field 'source'")

    def test_bad_type(self):
        # 'choice' is also counted nowhere, so the type ratios still hold (2/6, 2/6)
        self.assertProblem(self.bank_with(0, type="choice"), "T-0001", r"^bad type 'choice'")

    def test_bad_answers(self):
        self.assertProblem(self.bank_with(0, answer="E"), "T-0001", r"answer E names no option")
        self.assertProblem(self.bank_with(0, answer="AB"), "T-0001", r"bad answer 'AB' for single")
        self.assertProblem(self.bank_with(1, answer="DAB"), "T-0002", r"not sorted")
        self.assertProblem(self.bank_with(1, answer="A"), "T-0002", r"at least two letters")
        self.assertProblem(self.bank_with(1, answer="AAB"), "T-0002", r"repeats a letter")
        self.assertProblem(self.bank_with(1, answer="ABE"), "T-0002", r"names a missing option")
        self.assertProblem(self.bank_with(2, answer="Y"), "T-0003", r"bad answer 'Y' for judge")
        self.assertProblem(self.bank_with(2, answer=None), "T-0003", r"answer missing")

    def test_options(self):
        q = GOOD_QUESTIONS[0]
        self.assertProblem(self.bank_with(0, options=["A.二十周岁"] + q["options"][1:]),
                           "T-0001", r"option A has a letter prefix")
        self.assertProblem(self.bank_with(0, options=q["options"][:3] + ["D、二十四周岁"]),
                           "T-0001", r"option D has a letter prefix")
        self.assertProblem(self.bank_with(0, options=q["options"][:3] + ["二十周岁"]),
                           "T-0001", r"option D duplicates")
        self.assertProblem(self.bank_with(0, options=q["options"][:3] + [" "]),
                           "T-0001", r"option D empty")
        self.assertProblem(self.bank_with(0, options=["二十二周岁"], answer="A"),
                           "T-0001", r"1 options \(2\.\.8 required\)")
        self.assertProblem(self.bank_with(0, options=None), "T-0001", r"options missing")
        self.assertProblem(self.bank_with(2, options=["对", "错"]), "T-0003",
                           r"judge question must not have options")

    def test_difficulty_tags_explanation_stem(self):
        self.assertProblem(self.bank_with(0, difficulty=6), "T-0001", r"difficulty 6")
        self.assertProblem(self.bank_with(0, difficulty="2"), "T-0001", r"difficulty '2'")
        self.assertProblem(self.bank_with(0, difficulty=True), "T-0001", r"difficulty True")
        self.assertProblem(self.bank_with(0, tags=[]), "T-0001", r"^tags must be")
        self.assertProblem(self.bank_with(0, tags=["婚姻", ""]), "T-0001", r"^tags must be")
        self.assertProblem(self.bank_with(0, explanation=""), "T-0001", r"^explanation missing")

    def test_bank_header(self):
        bank = make_bank()
        bank["format"] = "lawexam-bank/2"
        self.assertProblem(bank, "-", r"^format is 'lawexam-bank/2'")
        bank = make_bank()
        del bank["bank"]["subject"]
        self.assertProblem(bank, "-", r"^bank\.subject missing")
        rc, problems, summary = self.check(raw="{not json")
        self.assertEqual(rc, 1)
        self.assertRegex(problems[0], r"^-: cannot read bank")
        self.assertTrue(summary.startswith("0 questions (single 0, multiple 0, judge 0) | "), summary)
        self.assertTrue(summary.endswith(": 1 problem"), summary)

    def test_duplicate_json_key(self):
        raw = json.dumps(make_bank(), ensure_ascii=False)
        raw = raw.replace('"answer": "B"', '"answer": "B", "answer": "C"', 1)
        self.assertProblem(None, "-", r"duplicate key 'answer'", raw=raw)


class BankWide(CheckerTestCase):
    def test_type_ratios(self):
        qs = [GOOD_QUESTIONS[0], GOOD_QUESTIONS[5], GOOD_QUESTIONS[1]]
        rc, problems, _ = self.check(make_bank(qs))
        self.assertEqual(rc, 1)
        self.assertEqual(problems, [
            "-: only 0 of 3 questions are judge (0%); at least 20% required"])
        qs = [GOOD_QUESTIONS[0], GOOD_QUESTIONS[5], GOOD_QUESTIONS[2], GOOD_QUESTIONS[4]]
        rc, problems, _ = self.check(make_bank(qs))
        self.assertEqual(problems, [
            "-: only 0 of 4 questions are multiple (0%); at least 25% required"])
        self.assertEqual(rc, 1)

    def test_duplicate_stem(self):
        bank = make_bank()
        extra = copy.deepcopy(GOOD_QUESTIONS[1])
        extra["id"] = "T-0007"
        extra["stem"] = " 关于结婚自愿原则,下列说法 正确的有哪些?"  # ASCII punctuation, spaces
        bank["questions"].append(extra)
        self.assertProblem(bank, "T-0007", r"^duplicate stem \(same as T-0002")

    def test_near_duplicate_stem(self):
        bank = make_bank()
        extra = copy.deepcopy(GOOD_QUESTIONS[1])
        extra["id"] = "T-0007"
        extra["stem"] = "根据民法典，关于结婚自愿原则，下列说法正确的有哪些？"
        bank["questions"].append(extra)
        self.assertProblem(bank, "T-0007", r"^near-duplicate stem: contains the whole stem of T-0002")


class Basis(CheckerTestCase):
    def test_missing_basis(self):
        self.assertProblem(self.bank_with(0, basis=None), "T-0001", r"^basis missing")
        self.assertProblem(self.bank_with(0, basis=" "), "T-0001", r"^basis missing")

    def test_malformed_basis(self):
        for b in ("民法典第一千零四十七条", CIVIL + "第1047条", CIVIL,
                  CIVIL + "第一千零四十七条（结婚年龄）"):
            self.assertProblem(self.bank_with(0, basis=b), "T-0001", r"is not 《法律全称》第X条")

    def test_non_canonical_numeral(self):
        self.assertProblem(self.bank_with(0, basis="《中华人民共和国刑法》第一十二条"),
                           "T-0001", r"numeral '一十二' should be written '十二'")
        self.assertProblem(self.bank_with(0, basis=CIVIL + "第一千四十七条"),
                           "T-0001", r"should be written '一千零四十七'")

    def test_nonexistent_article(self):
        self.assertProblem(self.bank_with(0, basis=CIVIL + "第一千三百条"), "T-0001",
                           r"《中华人民共和国民法典》 has no 第一千三百条 \(text ends at 第一千二百六十条\)")
        self.assertProblem(self.bank_with(4, basis="《中华人民共和国刑法》第十八条之一"),
                           "T-0005", r"has no 第十八条之一")

    def test_paragraph_out_of_range(self):
        self.assertProblem(self.bank_with(0, basis=CIVIL + "第一千零四十七条第二款"), "T-0001",
                           r"第一千零四十七条 has 1 paragraph, no 第二款")
        self.assertProblem(self.bank_with(2, basis="《中华人民共和国宪法》第一条第三款"), "T-0003",
                           r"第一条 has 2 paragraphs, no 第三款")

    def test_yangtze_beyond_text(self):
        self.assertProblem(self.bank_with(3, basis=YANGTZE + "第八十条"), "T-0004",
                           r"第八十条: the bundled text stops at 第七十九条第一款")
        self.assertProblem(self.bank_with(3, basis=YANGTZE + "第九十六条"), "T-0004",
                           r"第九十六条: the bundled text stops at 第七十九条第一款")
        self.assertProblem(self.bank_with(3, basis=YANGTZE + "第七十九条第二款"), "T-0004",
                           r"the bundled text stops at 第七十九条第一款")

    def test_explanation_names_other_article(self):
        self.assertProblem(
            self.bank_with(2, explanation="宪法第二条第二款如此规定。"), "T-0003",
            r"^explanation names 第二条 but basis cites 第一条$")
        # naming the cited article among others is fine
        bank = self.bank_with(2, explanation="宪法第一条第二款如此规定，另见第二条。")
        rc, problems, _ = self.check(bank)
        self.assertEqual((rc, problems), (0, []))

    def test_unknown_title(self):
        self.assertProblem(self.bank_with(0, basis="《民法典》第一千零四十七条"), "T-0001",
                           r"unknown law title 《民法典》")
        self.assertProblem(self.bank_with(0, basis="《中华人民共和国婚姻法》第六条"), "T-0001",
                           r"unknown law title")

    def test_wrong_chapter(self):
        self.assertProblem(self.bank_with(2, basis="《中华人民共和国宪法》第二章第一条第二款"),
                           "T-0003", r"第一条 is in 第一章, not 第二章")

    def test_more_than_one_article(self):
        self.assertProblem(self.bank_with(0, basis=CIVIL + "第一千零四十六条、第一千零四十七条"),
                           "T-0001", r"cites 2 articles")

    def test_party_without_tag(self):
        self.assertProblem(self.bank_with(5, tags=["党章"]), "T-0006",
                           r"must be tagged 待核对")
        self.assertProblem(self.bank_with(5, tags=["待核对"]), "T-0006",
                           r"must be tagged 党章")

    def test_party_without_chapter(self):
        self.assertProblem(self.bank_with(5, basis="《中国共产党章程》第十九条"), "T-0006",
                           r"must give chapter and article")

    def test_other_party_regulation(self):
        bank = self.bank_with(5, basis="《中国共产党纪律处分条例》第一章第一条",
                              tags=["待核对", "纪律处分条例"])
        rc, problems, _ = self.check(bank)
        self.assertEqual((rc, problems), (0, []))
        bank = self.bank_with(5, basis="《中国共产党党内法规制定条例》第一章第一条")
        rc, problems, _ = self.check(bank)
        self.assertEqual((rc, problems), (0, []))


class Content(CheckerTestCase):
    def test_wrong_citation_off_by_one(self):
        # marriage-age question cited to the next article (直系血亲…禁止结婚)
        self.assertProblem(self.bank_with(0, basis=CIVIL + "第一千零四十八条"), "T-0001",
                           r"share too little with the cited article.*wrong article cited\?"
                           r"; closest article: 第一千零四十七条$")

    def test_wrong_paragraph(self):
        self.assertProblem(self.bank_with(2, basis="《中华人民共和国宪法》第一条第一款"), "T-0003",
                           r"^第一条第一款 shares too little with the question .*"
                           r"wrong paragraph cited\?; matching paragraph\(s\): 第二款$")

    def test_wrong_citation_other_law(self):
        self.assertProblem(self.bank_with(4, basis="《中华人民共和国安全生产法》第十七条"),
                           "T-0005", r"share too little")

    def test_judge_false_still_needs_shared_content(self):
        self.assertProblem(self.bank_with(4, basis="《中华人民共和国刑法》第二十条"),
                           "T-0005", r"share too little")

    def test_boilerplate_does_not_count(self):
        # "长江流域" and "保护" are in most articles of the Yangtze law: a stem that
        # shares only them with a wrong article must still fail.
        self.assertProblem(self.bank_with(3, basis=YANGTZE + "第七十六条"), "T-0004", r"share too little")

    def test_paraphrased_key_passes_by_bigrams(self):
        bank = self.bank_with(0, stem="男子最早可以在几岁依法登记结婚？",
                              options=["二十岁", "二十二周岁以上", "十八岁", "二十四岁"])
        rc, problems, _ = self.check(bank)
        self.assertEqual((rc, problems), (0, []))


class Helpers(unittest.TestCase):
    def test_numerals(self):
        cases = {"一": 1, "十": 10, "十二": 12, "二十": 20, "一百零一": 101, "一百一十": 110,
                 "一千零四十六": 1046, "一千零一十": 1010, "一千二百六十": 1260,
                 "四百五十二": 452, "二万零五": 20005}
        for s, n in cases.items():
            self.assertEqual(cb.cn_to_int(s), n, s)
            self.assertEqual(cb.int_to_cn(n), s, n)
        self.assertEqual(cb.cn_to_int("一十二"), 12)
        self.assertEqual(cb.cn_to_int("两百"), 200)
        for bad in ("", "百", "一二", "12", "一x"):
            self.assertRaises(ValueError, cb.cn_to_int, bad)
        for n in range(1, 3000):
            self.assertEqual(cb.cn_to_int(cb.int_to_cn(n)), n)

    def test_parse_basis(self):
        self.assertEqual(cb.parse_basis(CIVIL + "第一千零四十六条"),
                         ("中华人民共和国民法典", None, [("一千零四十六", None, None)]))
        self.assertEqual(cb.parse_basis("《中国共产党章程》第三章第十九条第二款"),
                         ("中国共产党章程", "三", [("十九", None, "二")]))
        self.assertEqual(cb.parse_basis("《中华人民共和国刑法》第十七条之一、第十八条"),
                         ("中华人民共和国刑法", None, [("十七", "一", None), ("十八", None, None)]))
        self.assertIsNone(cb.parse_basis("《刑法》第17条"))

    def test_law_parsing(self):
        laws = cb.default_laws_dir()
        civil = cb.Law(os.path.join(laws, "civil-code.md"))
        self.assertEqual(len(civil.order), 1260)
        # the part header after Art. 204 does not leak into it
        self.assertNotIn("2020年", civil.articles[(204, 0)].text)
        self.assertEqual(civil.articles[(1046, 0)].chapter, 2)  # 婚姻家庭编 第二章 结婚
        self.assertIsNone(civil.articles[(1260, 0)].chapter)    # 附则 has no chapter
        crim = cb.Law(os.path.join(laws, "criminal-law.md"))
        self.assertEqual(crim.articles[(451, 0)].chapter, 10)
        self.assertIsNone(crim.articles[(452, 0)].chapter)
        self.assertEqual(len(crim.order), 505)
        self.assertEqual(crim.articles[(17, 0)].paragraph_count(), 5)
        self.assertEqual(crim.articles[(452, 0)].paragraph_count(), 3)  # footnote not counted
        self.assertNotIn("惩治军人违反职责罪", crim.articles[(452, 0)].text)  # annex not included
        con = cb.Law(os.path.join(laws, "constitution.md"))
        self.assertEqual(con.articles[(62, 0)].paragraph_count(), 1)  # items are not paragraphs
        self.assertEqual(con.articles[(65, 0)].paragraph_count(), 4)  # officer list continues ¶1
        yz = cb.Law(os.path.join(laws, "yangtze-river-protection-law.md"))
        self.assertEqual(max(a.num for a in yz.order), 79)
        self.assertEqual(yz.articles[(79, 0)].paragraph_count(), 1)


if __name__ == "__main__":
    unittest.main()
