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


# ---------------------------------------------------------------- generated banks
#
# The size and coverage rules need banks of 60 to 400 questions.  gen_questions()
# builds them from the law texts: each question quotes short distinctive runs
# (10 characters found in no other article) of its article, so it passes the
# structure, basis and content checks, is never "verbatim" (the quoted run is
# well under 90 % of the stem) and meets the quality rules unless a test
# changes it on purpose.

_LAWS = {}
WINDOW = 10


def law(fname):
    if fname not in _LAWS:
        _LAWS[fname] = cb.Law(os.path.join(cb.default_laws_dir(), fname))
    return _LAWS[fname]


def distinctive_windows(lw, text, want=3):
    """Up to `want` non-overlapping WINDOW-char runs of the normalised text
    that occur in at most one article of the law."""
    t = cb.normalise(text)
    out, i = [], 0
    while i + WINDOW <= len(t) and len(out) < want:
        w = t[i:i + WINDOW]
        if lw.doc_freq(w) <= 1 and w not in out:
            out.append(w)
            i += WINDOW
        else:
            i += 1
    return out


def usable_articles(fname, lo=1, hi=100000, count=None):
    """Article numbers in [lo, hi] with three distinctive windows."""
    lw = law(fname)
    out = []
    for a in lw.order:
        if a.sub or not lo <= a.num <= hi:
            continue
        if len(distinctive_windows(lw, a.text)) == 3:
            out.append(a.num)
            if count and len(out) == count:
                break
    return out


TYPE_CYCLE = "smjsmjsmsj"   # 4 single, 3 multiple, 3 judge in every 10


def gen_question(k, fname, title, unit, kind, keys=2, difficulty=2, tags=("测试",),
                 prefix="G"):
    """One generated question.  unit: an article number, (article, 之N) or
    ("序言", N)."""
    lw = law(fname)
    if isinstance(unit, tuple) and unit[0] == "序言":
        text = lw.preamble[unit[1] - 1]
        basis = "《%s》序言第%s自然段" % (title, cb.int_to_cn(unit[1]))
    elif isinstance(unit, tuple):   # (article, 之N)
        text = lw.articles[unit].text
        basis = "《%s》第%s条之%s" % (title, cb.int_to_cn(unit[0]), cb.int_to_cn(unit[1]))
    else:
        text = lw.articles[(unit, 0)].text
        basis = "《%s》第%s条" % (title, cb.int_to_cn(unit))
    wins = distinctive_windows(lw, text)
    # distractors: windows of articles far away from this one
    others = []
    for j in range(4):
        other = lw.order[(k * 7 + 311 * (j + 1)) % len(lw.order)]
        if other.text == text:
            continue
        for w in distinctive_windows(lw, other.text, 1):
            if w not in wins and w not in others:
                others.append(w)
    num = cb.int_to_cn(k + 1)
    q = {"id": "%s-%04d" % (prefix, k + 1), "type": {"s": "single", "m": "multiple",
                                                    "j": "judge"}[kind],
         "explanation": "见所引条文。", "basis": basis, "difficulty": difficulty,
         "tags": list(tags)}
    if kind == "j":
        q["stem"] = "第%s问：有人说，%s，这种说法符合法律规定。" % (num, wins[0])
        q["answer"] = "T"
    elif kind == "s":
        q["stem"] = "第%s问：下列哪一项出自所引条文？" % num
        opts = [wins[0]] + others[:3]
        pos = k % 4
        opts[0], opts[pos] = opts[pos], opts[0]
        q["options"], q["answer"] = opts, "ABCD"[pos]
    else:
        q["stem"] = "第%s问：下列哪些项出自所引条文？" % num
        q["options"] = wins[:keys] + others[:3]
        q["answer"] = "ABCD"[:keys]
    return q


def gen_bank(code, title, fname, n, units=None, per_unit=2, difficulty=None,
             keys=None, tags=None, first=0):
    """A bank of n generated questions on `fname`, per_unit questions per
    article (units: list of article numbers or ("序言", N) tuples).
    difficulty(k), keys(k) and tags(k) default to: every third question at
    difficulty 3, multiples alternating 2 and 3 keys, tag 测试."""
    if units is None:
        units = usable_articles(fname, count=(n + per_unit - 1) // per_unit)
    qs = []
    for k in range(first, first + n):
        kind = TYPE_CYCLE[k % len(TYPE_CYCLE)]
        qs.append(gen_question(
            k, fname, title, units[(k - first) // per_unit], kind,
            keys=keys(k) if keys else 2 + (k // 10) % 2,
            difficulty=difficulty(k) if difficulty else (3 if k % 3 == 0 else 2),
            tags=tags(k) if tags else ("测试",)))
    bank = make_bank(qs)
    bank["bank"] = {"code": code, "title": title, "subject": code}
    return bank


WSL = ("work-safety", "中华人民共和国安全生产法", "work-safety-law.md")
CON = ("constitution", "中华人民共和国宪法", "constitution.md")
CIV = ("civil-code", "中华人民共和国民法典", "civil-code.md")


class QualityTestCase(CheckerTestCase):
    def assertPasses(self, bank):
        rc, problems, summary = self.check(bank)
        self.assertEqual((rc, problems), (0, []), summary)
        return summary

    def assertBankProblems(self, bank, patterns):
        """The bank fails with exactly the bank-wide problems matching the
        regular expressions in `patterns` (in that order)."""
        rc, problems, summary = self.check(bank)
        self.assertEqual(rc, 1, summary)
        self.assertEqual(len(problems), len(patterns), problems)
        for p, pat in zip(problems, patterns):
            self.assertRegex(p, "^-: " + pat)
        return problems, summary


class Multiples(QualityTestCase):
    """Rule 5.1: >= 60 % of multiples with >= 2 wrong options; key counts vary."""

    def test_two_wrong_options(self):
        # T-0004 with 4 options and 3 keys: 1 of the 2 multiples has 2 wrong options
        bank = self.bank_with(3, options=GOOD_QUESTIONS[3]["options"][:4])
        self.assertBankProblems(bank, [
            r"only 1 of 2 multiple questions \(50%\) have two or more wrong options; "
            r"at least 60% required$"])
        self.assertPasses(make_bank())  # 2 of 2

    def test_two_wrong_options_threshold(self):
        # 10 generated multiples with 3 wrong options; make some have 1 wrong option
        def bank(n_one_wrong):
            b = gen_bank(*WSL, 60)
            ms = [q for q in b["questions"] if q["type"] == "multiple"]
            for q in ms[:n_one_wrong]:
                q["options"] = q["options"][:len(q["answer"]) + 1]
            return b, len(ms)
        b, m = bank(0)
        self.assertEqual(m, 18)
        self.assertPasses(b)
        b, _ = bank(7)          # 11 of 18 = 61 %
        self.assertPasses(b)
        b, _ = bank(8)          # 10 of 18 = 56 %
        self.assertBankProblems(b, [r"only 10 of 18 multiple questions \(56%\) have two or more"])

    def test_key_counts_must_vary(self):
        b = gen_bank(*WSL, 60, keys=lambda k: 2)
        self.assertBankProblems(b, [
            r"all 18 multiple questions have 2 keys; the number of keys must vary"])
        # 15 of 18 (83 %) with 2 keys: too uniform
        b = gen_bank(*WSL, 60, keys=lambda k: 3 if k in (1, 4, 7) else 2)
        self.assertBankProblems(b, [
            r"15 of 18 multiple questions \(83%\) have 2 keys; at most 80% may have the same"])
        # 14 of 18 (78 %) with 2 keys: enough variety
        b = gen_bank(*WSL, 60, keys=lambda k: 3 if k in (1, 4, 7, 11) else 2)
        self.assertPasses(b)

    def test_key_mix_needs_ten_multiples(self):
        # the good bank's 2 multiples, both with 2 keys: too few to judge the mix
        bank = self.bank_with(3, answer="AB")
        self.assertPasses(bank)

    def test_malformed_multiples_not_counted(self):
        # an unsorted answer is reported once, and that multiple is left out of the figures
        rc, problems, summary = self.check(self.bank_with(1, answer="BA"))
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("multiples with >=2 wrong options 100% (1/1)", summary)


def mark(stem, i):
    """stem with a question number inserted after its first word, so that
    variants of one stem are not near-duplicates of each other or of it."""
    cut = stem.find("，")
    cut = cut if cut > 0 else 2
    return stem[:cut] + "（第%s问）" % cb.int_to_cn(i + 1) + stem[cut:]


_BASE = {}


def base_bank():
    """A generated 60-question bank on the work-safety law that meets every rule
    (18 multiples, 18 judges, 20 questions at difficulty 3)."""
    if "wsl" not in _BASE:
        _BASE["wsl"] = gen_bank(*WSL, 60)
    return copy.deepcopy(_BASE["wsl"])


class PerArticle(QualityTestCase):
    """Rule 5.2: at most 4 questions per article (paragraphs merged)."""

    def test_five_questions_on_one_article(self):
        arts = usable_articles("work-safety-law.md", count=31)
        # article arts[0] cited by 5 questions, the others by 2 (or 1)
        bank = gen_bank(*WSL, 60, units=[arts[0]] * 3 + arts[1:31] * 2, per_unit=1)
        # gen_bank with per_unit=1 walks the units in order: 3 on arts[0], then
        # arts[1..30], then arts[1..30] again; make 2 more cite arts[0]
        cited = "《中华人民共和国安全生产法》第%s条" % cb.int_to_cn(arts[0])
        self.assertEqual(sum(q["basis"] == cited for q in bank["questions"]), 3)
        bank["questions"] += gen_bank(*WSL, 2, units=[arts[0]] * 2, per_unit=1,
                                      first=60)["questions"]
        self.assertBankProblems(bank, [
            re.escape(cited) + r" is cited by 5 questions \(G-0001, G-0002, G-0003, G-0061, "
            r"G-0062\); at most 4 per article$"])
        del bank["questions"][-1]
        summary = self.assertPasses(bank)
        self.assertIn("max per article 4", summary)

    def constitution_art1(self, n):
        """Good bank plus n of 4 questions on 宪法第一条 (¶1, ¶2, whole article, ¶2)."""
        bank = make_bank()
        con = "《中华人民共和国宪法》第一条"
        extra = [
            {"id": "X-0", "type": "judge", "stem": "甲认为，我国是以工农联盟为基础的人民民主专政的国家。",
             "answer": "T", "basis": con + "第一款"},
            {"id": "X-1", "type": "multiple", "stem": "关于我国的根本制度，下列说法正确的有哪些？",
             "options": ["社会主义制度是中华人民共和国的根本制度", "禁止任何组织或者个人破坏社会主义制度",
                         "根本制度是人民代表大会制度", "经批准的组织可以改变社会主义制度"],
             "answer": "AB", "basis": con + "第二款", "difficulty": 3},
            {"id": "X-2", "type": "multiple", "stem": "关于我国的国体，下列说法正确的有哪些？",
             "options": ["工人阶级领导", "以工农联盟为基础", "以知识分子为基础", "资产阶级领导"],
             "answer": "AB", "basis": con, "difficulty": 3},
            {"id": "X-3", "type": "judge", "stem": "乙认为，经过批准的组织可以破坏社会主义制度。",
             "answer": "F", "basis": con + "第二款"},
        ]
        for q in extra[:n]:
            q.setdefault("difficulty", 2)
            q.update(explanation="见所引条文。", tags=["总纲"])
            bank["questions"].append(q)
        return bank

    def test_paragraphs_count_together(self):
        # T-0003 (第一条第二款) and X-0..X-3 (第一款, 第二款, no 款, 第二款) = 5
        self.assertBankProblems(self.constitution_art1(4), [
            r"《中华人民共和国宪法》第一条 is cited by 5 questions \(T-0003, X-0, X-1, X-2, X-3\); "
            r"at most 4 per article$"])
        self.assertPasses(self.constitution_art1(3))

    def test_article_and_its_zhi_article_differ(self):
        bank = base_bank()
        crim = "中华人民共和国刑法"
        bank["questions"] += gen_bank("x", crim, "criminal-law.md", 4, units=[(17, 1)],
                                      per_unit=4, first=100)["questions"]
        bank["questions"] += gen_bank("x", crim, "criminal-law.md", 4, units=[17],
                                      per_unit=4, first=110)["questions"]
        summary = self.assertPasses(bank)  # 4 on 第十七条之一, 4 on 第十七条
        self.assertIn("max per article 4", summary)
        bank["questions"] += gen_bank("x", crim, "criminal-law.md", 1, units=[(17, 1)],
                                      first=120)["questions"]
        self.assertBankProblems(bank, [r"《中华人民共和国刑法》第十七条之一 is cited by 5 questions"])

    def test_party_regulation_articles(self):
        bank = base_bank()
        for i in range(5):
            q = copy.deepcopy(GOOD_QUESTIONS[5])
            q.update(id="P-%d" % i, stem=mark(q["stem"], i))
            bank["questions"].append(q)
        self.assertBankProblems(bank, [
            r"《中国共产党章程》第三章第十九条 is cited by 5 questions \(P-0, P-1, P-2, P-3, P-4\)"])
        # the same article number in another chapter is another article
        bank["questions"][-1]["basis"] = "《中国共产党章程》第四章第十九条"
        self.assertPasses(bank)


class Verbatim(QualityTestCase):
    """Rule 5.3: at most 40 % of judge + fill-in questions copied word for word."""

    def test_cover_measure(self):
        art1 = law("constitution.md").articles[(1, 0)].text
        cover = cb.verbatim_cover
        # the article with a gap in the middle (any blank form), citation phrase ignored
        for blank in ("（　）", "（ ）", "()", "（）", "____", "＿＿", "( )"):
            self.assertEqual(cover("根据宪法第一条，中华人民共和国是工人阶级领导的、以%s为基础的"
                                   "人民民主专政的社会主义国家。" % blank, art1), 1.0, blank)
        # a word swapped
        self.assertGreaterEqual(cover("宪法规定，中国共产党领导是中国特色资本主义最本质的特征。", art1), 0.9)
        # reordered, or applied to a situation: not verbatim
        self.assertLess(cover("宪法规定，中国特色社会主义最本质的特征是中国共产党领导。", art1), 0.9)
        self.assertLess(cover("某县政府工作人员甲认为，中国共产党领导只是中国特色社会主义的一般特征。", art1),
                        0.9)
        self.assertEqual(cb.verbatim_text("依照现行《中华人民共和国宪法》（2018年修正）第一条第二款规定："
                                          "中国共产党领导（ ）。"), "中国共产党领导")
        self.assertTrue(cb.is_fill_in({"type": "single", "stem": "国家实行（　）。"}))
        self.assertFalse(cb.is_fill_in({"type": "single", "stem": "国家实行什么制度？"}))
        self.assertFalse(cb.is_fill_in({"type": "multiple", "stem": "国家实行（ ）。"}))

    def verbatim_bank(self, n_verbatim):
        """12 questions: the good bank (its 2 judges are not verbatim), 3 fill-in
        singles on 宪法第一条第一款 (n_verbatim of them copies), 2 generated
        multiples and 1 generated judge (not verbatim): 6 eligible."""
        bank = make_bank()
        for i in range(3):
            q = copy.deepcopy(GOOD_QUESTIONS[0])
            q.update(id="V-%d" % i, basis="《中华人民共和国宪法》第一条第一款",
                     options=["工农联盟", "工人阶级", "农民阶级", "知识分子"], answer="A",
                     explanation="见宪法第一条。")
            if i < n_verbatim:
                q["stem"] = mark("根据宪法，中华人民共和国是工人阶级领导的、以（ ）为基础的"
                                 "人民民主专政的社会主义国家。", i)
            else:
                q["stem"] = mark("某镇干部甲说，我国是以（ ）为基础的国家，空白处应填什么？", i)
            bank["questions"].append(q)
        bank["questions"] += gen_bank(*WSL, 3, first=1, difficulty=lambda k: 3)["questions"]
        return bank

    def test_too_many_verbatim(self):
        self.assertBankProblems(self.verbatim_bank(3), [
            r"3 of 6 judge and fill-in questions \(50%\) copy the cited article word for word "
            r"\(>=90% of the stem is article text\); at most 40% allowed"])
        summary = self.assertPasses(self.verbatim_bank(2))
        self.assertIn("verbatim 33% (2/6)", summary)

    def test_judge_copy_counts(self):
        # T-0003 back to the article text word for word: 1 of 2 = 50 %
        bank = self.bank_with(2, stem="宪法规定，中国共产党领导是中国特色社会主义最本质的特征。")
        self.assertBankProblems(bank, [r"1 of 2 judge and fill-in questions \(50%\) copy"])

    def test_single_without_blank_not_counted(self):
        bank = self.verbatim_bank(3)
        for q in bank["questions"]:
            if q["id"].startswith("V-"):
                q["stem"] = q["stem"].replace("（ ）", "哪个阶级联盟")
        summary = self.assertPasses(bank)
        self.assertIn("verbatim 0% (0/3)", summary)

    def test_list_verbatim(self):
        path = self.write(self.verbatim_bank(2))
        rc, out, _ = self.run_checker("--list-verbatim", path)
        self.assertEqual(rc, 0, out)
        notes = [l for l in out.splitlines() if ": note: " in l]
        self.assertEqual(len(notes), 2, out)
        # "根据宪法（第一问），" is a citation phrase: the rest is all article text
        self.assertEqual(notes, [path + ": V-0: note: verbatim (100% of the stem is article text)",
                                 path + ": V-1: note: verbatim (100% of the stem is article text)"])

    def party_bank(self):
        qs = []
        for i in range(5):
            q = copy.deepcopy(GOOD_QUESTIONS[5])
            q.update(id="P-%d" % i, stem=mark(q["stem"], i),
                     basis="《中国共产党章程》第三章第%s条" % cb.int_to_cn(10 + i), difficulty=1)
            qs.append(q)
        qs[0].update(type="multiple", answer="AB")
        qs[1].update(type="multiple", answer="AB")
        qs[2].update(type="judge", answer="T", stem="党的最高领导机关，是党的全国代表大会和它所产生的"
                     "中央委员会。")
        qs[2].pop("options")
        return make_bank(qs)

    def test_party_bank_exempt(self):
        summary = self.assertPasses(self.party_bank())
        self.assertIn("verbatim n/a", summary)


class PartyTag(QualityTestCase):
    """Rule 5.6: Party regulation questions keep the tag 待核对."""

    def test_party_questions_still_need_tag(self):
        bank = Verbatim.party_bank(self)
        self.assertPasses(bank)
        bank["questions"][3]["tags"] = ["党章"]
        self.assertProblem(bank, "P-3", r"must be tagged 待核对$")


class Difficulty(QualityTestCase):
    """Rule 5.4: law banks >= 25 % at difficulty >= 3; civil-code >= 10 % at 4-5."""

    def test_law_bank_too_easy(self):
        self.assertBankProblems(self.bank_with(1, difficulty=2), [   # 1 of 6
            r"only 1 of 6 questions \(17%\) have difficulty 3 or more; at least 25% required$"])
        # 2 of 8 = 25 %: enough
        bank = make_bank()
        for i in range(2):
            q = copy.deepcopy(GOOD_QUESTIONS[5])
            q.update(id="P-%d" % i, stem=mark(q["stem"], i))
            bank["questions"].append(q)
        summary = self.assertPasses(bank)
        self.assertIn("difficulty>=3 25% (2/8)", summary)

    def test_party_bank_exempt(self):
        summary = self.assertPasses(Verbatim.party_bank(self))
        self.assertIn("difficulty>=3 0% (0/5)", summary)


class Size(QualityTestCase):
    """Rule 5.5: banks on a bundled law >= 60 questions; constitution and civil code coverage."""

    def test_bank_on_bundled_law(self):
        self.assertPasses(gen_bank(*WSL, 60))
        self.assertBankProblems(gen_bank(*WSL, 59), [
            r"only 59 questions; a bank on a bundled law \(work-safety-law.md\) needs at least 60$"])

    def test_law_file_found_by_code(self):
        # the title names no law; the code does (food-safety -> food-safety-law.md)
        b = gen_bank("food-safety", "中华人民共和国食品安全法", "food-safety-law.md", 20)
        b["bank"]["title"] = "食品安全法题库"
        self.assertBankProblems(b, [r"only 20 questions; a bank on a bundled law "
                                    r"\(food-safety-law.md\) needs at least 60$"])
        b["bank"]["code"] = "food"        # no law file of that name: no size rule
        self.assertPasses(b)

    def constitution_bank(self, preamble=10, arts=(52, 54)):
        units = usable_articles("constitution.md", 1, 51, count=25) + list(arts)
        units += [("序言", i) for i in range(1, 14)][:preamble]
        # 2 questions on each article (50 + 2 * len(arts)), 1 on each preamble paragraph
        bank = gen_bank(*CON, 50 + 2 * len(arts), units=units)
        pre = gen_bank(*CON, preamble, units=[("序言", i) for i in range(1, 14)][:preamble],
                       per_unit=1, first=100) if preamble else make_bank([])
        bank["questions"] += pre["questions"]
        return bank

    def test_constitution_coverage(self):
        summary = self.assertPasses(self.constitution_bank())
        self.assertTrue(summary.startswith("64 questions"), summary)
        self.assertBankProblems(self.constitution_bank(preamble=9, arts=(52, 54, 53)), [
            r"only 9 questions cite the preamble \(序言第N自然段\); at least 10 required$"])
        self.assertBankProblems(self.constitution_bank(preamble=10, arts=(53, 54)), [
            r"no question cites 《中华人民共和国宪法》第五十二条$"])
        self.assertBankProblems(self.constitution_bank(preamble=10, arts=(52, 55)), [
            r"no question cites 《中华人民共和国宪法》第五十四条$"])

    def civil_bank(self, n=400, books=160, cases=80, hardest=40):
        """n questions, `books` of them on Arts. 205-988, the first `cases` tagged
        案例 at difficulty 3, the next `hardest` at difficulty 4."""
        inside = usable_articles("civil-code.md", 205, 988, count=(books + 1) // 2)
        outside = usable_articles("civil-code.md", 1, 204) + usable_articles("civil-code.md", 989)
        units = inside + outside[:(n - books + 1) // 2]

        def diff(k):
            if k < cases:
                return 3
            if k < cases + hardest:
                return 4
            return 3 if k % 5 == 0 else 2
        return gen_bank(*CIV, n, units=units, difficulty=diff,
                        tags=lambda k: ("测试", "案例") if k < cases else ("测试",))

    def test_civil_code_coverage(self):
        summary = self.assertPasses(self.civil_bank())
        self.assertIn("difficulty 4-5 10% (40/400)", summary)
        self.assertIn("cases 80", summary)
        self.assertBankProblems(self.civil_bank(n=398), [
            r"only 398 questions; civil-code needs at least 400$"])
        self.assertBankProblems(self.civil_bank(cases=79, hardest=41), [
            r"only 79 case questions \(tag 案例, difficulty 3-5\); civil-code needs at least 80$"])
        self.assertBankProblems(self.civil_bank(books=158), [
            r"only 158 of 400 questions \(40%\) cite the property or contract book "
            r"\(Arts. 205-988\); at least 40% required$"])
        self.assertBankProblems(self.civil_bank(hardest=39), [
            r"only 39 of 400 questions \(10%\) have difficulty 4 or 5; at least 10% required "
            r"for civil-code$"])

    def test_case_tag_needs_difficulty_3(self):
        bank = self.civil_bank()
        bank["questions"][0]["difficulty"] = 2      # a 案例 question at difficulty 2 does not count
        self.assertBankProblems(bank, [r"only 79 case questions"])


class Preamble(QualityTestCase):
    """序言第N自然段 bases (constitution only, N <= 13, content matched)."""

    def preamble_question(self, para, stem=None, key="台湾是中华人民共和国的神圣领土的一部分"):
        q = copy.deepcopy(GOOD_QUESTIONS[0])
        q.update(stem=stem or "根据宪法序言，下列哪一表述正确？",
                 options=[key, "香港是中华人民共和国的一个普通城市", "统一战线已经完成历史使命",
                          "宪法不具有最高的法律效力"], answer="A",
                 basis="《中华人民共和国宪法》序言%s" % para, explanation="宪法序言如此规定。")
        return self.bank_with(0, **q)

    def test_preamble_basis_passes(self):
        self.assertPasses(self.preamble_question("第九自然段"))

    def test_preamble_paragraph_out_of_range(self):
        self.assertProblem(self.preamble_question("第十四自然段"), "T-0001",
                           r"《中华人民共和国宪法》序言 has 13 paragraphs, no 第十四自然段$")

    def test_preamble_numeral(self):
        self.assertProblem(self.preamble_question("第9自然段"), "T-0001",
                           r"is not 《法律全称》第X条")
        self.assertProblem(self.preamble_question("第一十自然段"), "T-0001",
                           r"numeral '一十' should be written '十'")

    def test_preamble_of_another_law(self):
        bank = self.preamble_question("第九自然段")
        bank["questions"][0]["basis"] = CIVIL + "序言第一自然段"
        self.assertProblem(bank, "T-0001", r"only 《中华人民共和国宪法》 has a preamble basis")

    def test_preamble_wrong_paragraph(self):
        self.assertProblem(self.preamble_question("第八自然段"), "T-0001",
                           r"^序言第八自然段 shares too little with the question .*"
                           r"wrong paragraph cited\?; matching paragraph\(s\): 第九自然段$")

    def test_preamble_parsing(self):
        con = law("constitution.md")
        self.assertEqual(len(con.preamble), 13)
        self.assertTrue(con.preamble[0].startswith("中国是世界上历史最悠久的国家之一"))
        self.assertTrue(con.preamble[12].startswith("本宪法以法律的形式确认了"))
        self.assertEqual(law("civil-code.md").preamble, [])


class Table(QualityTestCase):
    def test_table(self):
        good = self.write(make_bank(), "good.json")
        easy = self.write(self.bank_with(1, difficulty=2, id="bad id"), "easy.json")
        rc, out, _ = self.run_checker("--table", good, easy)
        self.assertEqual(rc, 1)
        lines = out.splitlines()
        self.assertEqual(len(lines), 4, out)
        self.assertEqual(lines[0], "| Bank | Questions | Single / multiple / judge | Multiples "
                         "with ≥2 wrong options | Key counts (keys:questions) | Max per article | "
                         "Verbatim (judge + fill-in) | Difficulty ≥3 | Difficulty 4–5 | "
                         "Case questions | Status |")
        self.assertTrue(lines[1].startswith("|---|"))
        self.assertEqual(lines[2], "| test | 6 | 2 / 2 / 2 | 100% (2/2) | 2:1 3:1 | 1 | 0% (0/2) "
                         "| 33% (2/6) | 0% (0/6) | 0 | OK |")
        self.assertEqual(lines[3], "| test | 6 | 2 / 2 / 2 | 100% (2/2) | 2:1 3:1 | 1 | 0% (0/2) "
                         "| 17% (1/6) | 0% (0/6) | 0 | FAIL: questions, difficulty (2 problems) |")
        rc, out, _ = self.run_checker("--table", good)
        self.assertEqual(rc, 0)


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
