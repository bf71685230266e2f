#!/usr/bin/python3
"""Check bundled lawexam question banks against the bundled law texts.

Usage:
    check_banks.py [--laws DIR] [--table] [--list-verbatim] FILE.json...

Laws directory: --laws DIR, else the environment variable LAWEXAM_LAWS_DIR,
else the project's law library <repo>/question-bank/laws, else
<dir of this script>/../../shared/laws (i.e. ../shared/laws relative to
the repository root); if that does not exist, shared/laws in the nearest
ancestor directory that has one (a worktree such as <top>/wt/NAME).

Output: one line per problem, ``FILE: ID: message`` (ID is ``-`` for problems
that concern the whole bank), then one summary line per bank:
``FILE: N questions (single a, multiple b, judge c) | FIGURES: OK`` or
``...: K problem(s)``, where FIGURES are the measurements of the quality
rules (section 5): ``multiples with >=2 wrong options P% (k/m), keys 2:x 3:y,
max per article M, verbatim P% (v/e), difficulty>=3 P% (h/N), difficulty 4-5
P% (h/N), cases C``.  Exit status 1 if any bank has a problem, 0 if none,
2 on a usage error (bad arguments, laws directory missing).

--table prints, instead of all that, one Markdown table with a row per bank
(the same figures and a status column: OK, or FAIL: the rules the bank breaks
-- questions (sections 1, 3, 4), types, duplicates (section 2), multiples,
per-article, verbatim, difficulty, size (section 5) -- and the number of
problem lines); the exit status is the same.  --list-verbatim adds a line
``FILE: ID: note: verbatim (P% of the stem is article text)`` for every
question rule 5.3 counts as copied (notes are not problems).

Python 3 standard library only.

What is checked
===============

1. Structure (README-authoring.md, SPEC section 4.1)
   * top level is an object with ``format`` == "lawexam-bank/1", a ``bank``
     object whose ``code``, ``title`` and ``subject`` are non-empty strings,
     and a non-empty ``questions`` array; no JSON object may repeat a key
     (a repeated "answer" would silently override the first one);
   * each question has only the known fields id, type, stem, options,
     answer, explanation, basis, difficulty, tags, and all that apply;
   * ``id`` matches ``[A-Za-z0-9_.-]{1,64}`` and is unique in the bank;
   * ``type`` is single | multiple | judge;
   * single/multiple: ``options`` is 2..8 non-empty, pairwise distinct
     strings, none starting with a letter prefix such as "A." "A、" "(A)";
   * judge: no ``options``; answer "T" or "F";
   * single: answer is one letter naming an existing option;
     multiple: two or more distinct letters, sorted, each naming an option;
   * ``stem`` contains Chinese text; ``explanation`` and ``basis`` are
     non-empty strings; ``difficulty`` is an integer 1..5; ``tags`` is a
     non-empty list of non-empty strings.

2. Bank-wide
   * at least 25 % of the questions are ``multiple`` and at least 20 % are
     ``judge``;
   * duplicate stems: stems are normalised (NFKC, every character that is
     not a letter or digit -- whitespace, punctuation, symbols -- removed).
     Two equal normalised stems are a "duplicate stem"; a normalised stem of
     at least NEAR_DUP_MIN_LEN characters contained in another is a
     "near-duplicate stem".

3. Basis
   ``basis`` must be exactly ``《TITLE》[第Z章]第X条[之W][第Y款]`` (several
   ``第X条...`` references may follow one title, separated by 、，, 及 和 or
   nothing; the checker verifies each, but reports more than one as a problem
   because the authoring rules allow one article per question).  Numerals are
   Chinese numerals written exactly as the law text writes them (一千零四十六,
   一百零一, 十二 -- not 1046, 一十二 or 一百一).  The constitution's preamble is
   cited as ``《中华人民共和国宪法》序言第N自然段`` (see the end of section 4).
   * TITLE maps to a law file (LAW_FILES); an unknown title is a problem;
   * the article must exist in that file; a ``第Y款`` must not exceed the
     article's paragraph count (paragraphs are the article's non-blank
     lines, not counting enumerated items "（一）…", footnotes "①…", or list
     lines that continue a line ending in "：" or "，");
   * a ``第Z章`` prefix must name the chapter the article is in;
   * 长江保护法: the bundled text stops after Art. 79 paragraph 1, so any
     article above 79 (and Art. 79 paragraph 2 or later) is a problem;
   * Party regulations (中国共产党章程, 中国共产党纪律处分条例, any other
     中国共产党… title): no text is bundled, so the basis must name a chapter
     and an article, the question must carry the tag ``待核对`` (and the tag
     ``党章`` / ``纪律处分条例`` for those two titles); content is not matched;
   * if the stem or the explanation names articles (第X条) and none of them
     is the cited article, that is a problem (the usual sign of a basis
     typo; on the real banks every explanation that names an article names
     the cited one).

4. Shared content with the cited article (a HEURISTIC)
   The aim is to catch a citation of the *wrong article*: a typo in the
   numeral, an off-by-one, an article of another law.  It cannot tell
   whether the key is right.  A question whose key contradicts the article
   it correctly cites still shares plenty of text with that article and
   passes; for a judge question answered "F" nothing stronger than "the stem
   talks about what the article talks about" is possible at all.  A failure
   means "look at this citation", not "this is certainly wrong", and a pass
   does not prove the citation right.

   All texts are normalised (NFKC; only letters and digits kept, so
   whitespace and punctuation vanish).  The parts of the question are the
   stem and, for single/multiple, each key option (judge: the stem only);
   A is the text of the cited article (all its paragraphs).
   The question passes if EITHER
     (a) some part shares with A a run of at least LCS_MIN (4) consecutive
         characters that occurs in at most DISTINCTIVE_MAX_ARTICLES (10)
         articles of that law.  The second condition is needed because
         every article of a law repeats its own stock phrases
         ("长江流域" is in 76 of the 79 Yangtze articles; "生产经营单位",
         "未成年人", "免除处罚" similarly); a run made only of such phrases
         matches whichever article is cited;
   OR (b) at least BIGRAM_MIN (50 %) of the distinct character bigrams of
         the key options occur in A, and the keys have at least
         BIGRAM_MIN_COUNT (3) distinct bigrams.  This catches paraphrased
         and very short keys ("矿藏", "水流", "海域").  It is not applied to
         judge stems: stock legal bigrams (应当, 处罚, 的人) fill half of any
         stem.
   If the basis names a paragraph (第Y款), the same test is then applied to
   that paragraph alone (with its enumerated items), to catch a wrong 款
   number; on the real banks all 335 paragraph citations passed it.
   When a question fails, the message names the article of the same law
   that shares the longest distinctive run with it (a hint, nothing more).

   Calibration (first 623 law-cited questions of the real banks: civil code,
   constitution, anti-telecom-fraud, minors protection, work safety).  For
   every question the rule was applied to the cited article (a failure is a
   false alarm), to the two neighbouring articles and to 40 random articles
   of the same law (a failure there is a caught mis-citation):
       rule                               false alarms  neighbour  random
       plain LCS>=4 or bigrams>=50% (brief)     0/623     30 %      71 %
       distinctive run, df<=3                   4/623     73 %      95 %
       distinctive run, df<=5                   3/623     65 %      94 %
       distinctive run, df<=10 (chosen)         0/623     56 %      92 %
       distinctive run, df<=20                  0/623     46 %      88 %
   Neighbouring articles often really do share a topic with the question,
   so many of those "mis-citations" cannot be caught by any text measure.

   Preamble basis: ``《中华人民共和国宪法》序言第N自然段`` (N a Chinese
   numeral written canonically, 一..十三) cites the N-th natural paragraph of
   the preamble: the non-blank lines under the ``## 序言`` heading of
   constitution.md, before ``第一章`` (13 of them).  N beyond the count is a
   problem; the content heuristic above is applied to that paragraph alone
   (a failure names the paragraphs that would pass).  No other law has a
   preamble basis.

5. Quality rules (issue 18), enforced: a bank that breaks one fails
   Figures are printed in the summary line and by --table.  Each broken rule
   is one problem line with ID ``-`` (rule 5.2: one line per article).
   "Law bank" = a bank with at least one question whose basis names a
   bundled law (not 中国共产党…); "the bank's law file" = LAW_FILES[bank.title],
   else CODE.md or CODE-law.md, if that file is in the laws directory.

   5.1 Multiples that cannot be gamed.  Over the well-formed ``multiple``
       questions of the bank (answer sorted, distinct, naming options):
       at least MIN_TWO_WRONG_SHARE (60 %) have two or more wrong options
       (len(options) - len(answer) >= 2).  If there are at least
       KEY_MIX_MIN_MULTIPLES (10), the number of keys must vary: at least
       two distinct key counts, and no key count in more than
       KEY_MIX_MAX_SHARE (80 %) of them.
   5.2 At most MAX_PER_ARTICLE (4) questions per article.  The unit is law
       title + article number including 之W (paragraphs 第Y款 merged); for a
       Party regulation title + chapter + article; for the preamble each
       natural paragraph.  A question citing two articles counts for both.
   5.3 Not copied word for word: at most VERBATIM_MAX_SHARE (40 %) of the
       bank's "eligible" questions are verbatim.  Eligible: every judge
       question and every single question whose stem has a blank (（　）
       （ ） ( ) () （） ____ ＿＿), whose basis resolves to bundled text (so
       Party banks are exempt).  Verbatim, precisely: take the stem, delete
       citation phrases (CITATION_RE: 根据宪法， / 宪法第五条规定， / 依照
       《…法》（2024年修正）， … at the start or after punctuation) and the
       blank, normalise (NFKC, letters and digits only) -> s.  Let A be the
       normalised text of the cited article (all paragraphs; the preamble
       paragraph for a preamble basis).  difflib.SequenceMatcher(s, A,
       autojunk off) gives the order-preserving matching blocks; the blocks
       of at least VERBATIM_BLOCK_MIN (4) characters must cover at least
       VERBATIM_COVER (90 %) of s.  So "the article with a gap" (the two
       sides of the blank are two blocks) and "the article with one word
       swapped" (two blocks around the swap) are verbatim; a reordered
       sentence, a case, a paraphrase is not.
       Calibration at HEAD of session 3 (judge + fill-in questions):
           definition                              con    civ   atf  min  wsl
           eligible questions                      168     65    35   34   35
           longest single run >= 80 % (no strip)    43     32    11    5   10
           longest single run >= 80 %               92     32    11    6   11
           ordered blocks>=4 cover >= 80 %         136     53    23   21   28
           ordered blocks>=4 cover >= 85 %         120     51    19   20   25
           ordered blocks>=4 cover >= 90 % (chosen) 108    45    17   19   22
           ordered blocks>=4 cover >= 95 %          90     36    11   14   15
           ordered blocks>=6 cover >= 90 %          99     42    14   17   20
       The issue counts 91 of 141 (65 %) for the constitution; the
       chosen definition gives 108 of 168 (64 %) -- the same share; the
       bank has 65 judge + 103 single questions, all singles with a
       （ ） blank, so 168 is the eligible count here.  "Longest single run
       >= 80 %" reproduces the issue's 91 (92) but misses exactly the cases
       the rule is about: a blank in the middle of the copied sentence
       (CON-0001 "以（ ）为基础的人民民主专政…": longest run 52 %, ordered
       cover 100 %) and a judge with one word swapped (CON-0115 "…连续任职
       不得超过三届": 50 % / 93 %).  The questions scoring 60-92 % in the
       constitution, civil code, minors and work-safety banks were read:
       those at 80-90 % are still mostly copies (a short stem around a
       blank, "X的机关是（ ）" built from the article, a swapped word near
       the end such as CON-0086 "…的神圣职责", 86 %); below about 75 % they
       rephrase or reorder.  So 90 % errs on the side of not counting: the
       figure is a lower bound of the copying, never an over-count.
   5.4 Difficulty (law banks only): at least MIN_HARD_SHARE (25 %) of all
       questions at difficulty >= 3; bank code ``civil-code`` also at least
       CIVIL_MIN_HARDEST_SHARE (10 %) at difficulty 4-5.
   5.5 Size and coverage.  A bank whose law file exists: at least
       MIN_BANK_QUESTIONS (60) questions.  Code ``constitution``: at least
       10 questions citing the preamble (序言第N自然段) and at least one
       citing Art. 52 and one citing Art. 54.  Code ``civil-code``: at least
       400 questions; at least 80 case questions (tag ``案例`` and
       difficulty 3-5); questions citing the property book (Arts. 205-462)
       or the contract book (Arts. 463-988) at least 40 % of the bank.
   5.6 Party questions keep needing the tag ``待核对`` (section 3).
"""

import argparse
import collections
import difflib
import io
import json
import os
import re
import sys
import unicodedata

FORMAT = "lawexam-bank/1"
KNOWN_FIELDS = ("id", "type", "stem", "options", "answer", "explanation",
                "basis", "difficulty", "tags")
TYPES = ("single", "multiple", "judge")
LETTERS = "ABCDEFGH"
ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
LETTER_PREFIX_RE = re.compile(
    r"^\s*(?:[A-Ha-hＡ-Ｈａ-ｈ]\s*[.．、,，:：)）]|[(（]\s*[A-Ha-hＡ-Ｈａ-ｈ]\s*[)）])")

MIN_MULTIPLE_SHARE = 0.25
MIN_JUDGE_SHARE = 0.20
NEAR_DUP_MIN_LEN = 8

LCS_MIN = 4
DISTINCTIVE_MAX_ARTICLES = 10
BIGRAM_MIN = 0.5
BIGRAM_MIN_COUNT = 3

LAW_FILES = {
    "中华人民共和国宪法": "constitution.md",
    "中华人民共和国民法典": "civil-code.md",
    "中华人民共和国刑法": "criminal-law.md",
    "中华人民共和国长江保护法": "yangtze-river-protection-law.md",
    "中华人民共和国反电信网络诈骗法": "anti-telecom-fraud-law.md",
    "中华人民共和国未成年人保护法": "minors-protection-law.md",
    "中华人民共和国预防未成年人犯罪法": "juvenile-delinquency-prevention-law.md",
    "中华人民共和国安全生产法": "work-safety-law.md",
    "中华人民共和国食品安全法": "food-safety-law.md",
    "中华人民共和国环境保护法": "environmental-protection-law.md",
}
YANGTZE_FILE = "yangtze-river-protection-law.md"
YANGTZE_LAST_ARTICLE = 79
YANGTZE_LAST_PARAGRAPHS = 1  # Art. 79 stops after paragraph 1
PARTY_PREFIX = "中国共产党"
PARTY_REQUIRED_TAG = "待核对"
PARTY_TOPIC_TAGS = {"中国共产党章程": "党章", "中国共产党纪律处分条例": "纪律处分条例"}
CONSTITUTION_TITLE = "中华人民共和国宪法"
CIVIL_CODE_TITLE = "中华人民共和国民法典"

# Quality rules (issue 18); see "Quality rules" in the module docstring.
MIN_TWO_WRONG_SHARE = 0.60      # multiples with >= 2 wrong options
KEY_MIX_MIN_MULTIPLES = 10      # the key-count mix is checked from this many multiples
KEY_MIX_MAX_SHARE = 0.80        # no single key count in more than this share
MAX_PER_ARTICLE = 4
VERBATIM_MAX_SHARE = 0.40
VERBATIM_BLOCK_MIN = 4          # common blocks shorter than this do not count
VERBATIM_COVER = 0.90           # share of the stem covered by article blocks
MIN_HARD_SHARE = 0.25           # law banks: difficulty >= 3
CIVIL_MIN_HARDEST_SHARE = 0.10  # civil code: difficulty 4-5
MIN_BANK_QUESTIONS = 60
CONSTITUTION_MIN_PREAMBLE = 10
CONSTITUTION_REQUIRED_ARTICLES = (52, 54)
CIVIL_MIN_QUESTIONS = 400
CIVIL_MIN_CASES = 80
CIVIL_BOOKS_MIN_SHARE = 0.40
CIVIL_PROPERTY_BOOK = (205, 462)
CIVIL_CONTRACT_BOOK = (463, 988)
CASE_TAG = "案例"

# ---------------------------------------------------------------- numerals

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万"
_NUM = "[" + NUMERAL_CHARS + "]+"


def cn_to_int(s):
    """Parse a Chinese numeral (零 十 百 千 万 supported). ValueError if bad."""
    if not s or any(c not in _DIGITS and c not in _UNITS and c != "万" for c in s):
        raise ValueError("not a Chinese numeral: %r" % s)
    total = section = 0
    num = None
    for c in s:
        if c in _DIGITS:
            if num is not None and num != 0:
                raise ValueError("two digits in a row: %r" % s)
            num = _DIGITS[c]
        elif c in _UNITS:
            unit = _UNITS[c]
            if num is None:
                if unit != 10:
                    raise ValueError("unit without digit: %r" % s)
                num = 1
            section += num * unit
            num = None
        else:  # 万
            section += num or 0
            if section == 0:
                raise ValueError("万 without digit: %r" % s)
            total += section * 10000
            section, num = 0, None
    return total + section + (num or 0)


def int_to_cn(n):
    """Canonical Chinese numeral as PRC law texts write article numbers."""
    if n < 0:
        raise ValueError(n)
    if n == 0:
        return "零"
    if n >= 10000:
        hi, lo = divmod(n, 10000)
        s = int_to_cn(hi) + "万"
        if lo:
            s += ("零" if lo < 1000 else "") + _below_10000(lo, True)
        return s
    return _below_10000(n, False)


def _below_10000(n, inner):
    digits = "零一二三四五六七八九"
    out = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            if out:
                zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        if value == 10 and d == 1 and not out and not inner:
            out.append("十")  # 十二, not 一十二
        else:
            out.append(digits[d] + unit)
    return "".join(out)


# ---------------------------------------------------------------- law texts

ARTICLE_RE = re.compile(r"^第(" + _NUM + r")条(?:之(" + _NUM + r"))?\s")
CHAPTER_HEADING_RE = re.compile(r"^#+\s*第(" + _NUM + r")章")
ITEM_RE = re.compile(r"^[(（][" + NUMERAL_CHARS + r"\d]+[)）]")
FOOTNOTE_RE = re.compile(r"^[\u2460-\u2473]")
PREAMBLE_HEADING = "序言"


class Article:
    __slots__ = ("num", "sub", "chapter", "lines")

    def __init__(self, num, sub, chapter):
        self.num, self.sub, self.chapter, self.lines = num, sub, chapter, []

    @property
    def text(self):
        return "\n".join(self.lines)

    def paragraphs(self):
        """The article's paragraphs (款): its non-blank lines, where an
        enumerated item "（一）…", a footnote "①…" or a line continuing a
        line that ends in "：" "，" "、" (the Constitution's lists of officers)
        is joined to the paragraph before it."""
        paras = []
        prev = ""
        for line in self.lines:
            if paras and (ITEM_RE.match(line) or FOOTNOTE_RE.match(line)
                          or prev.endswith(("：", ":", "，", "、"))):
                paras[-1] += "\n" + line
            else:
                paras.append(line)
            prev = line
        return paras

    def paragraph_count(self):
        return len(self.paragraphs())


class Law:
    def __init__(self, path):
        self.path = path
        self.articles = {}
        self.order = []
        self.preamble = []  # natural paragraphs (自然段) under a "序言" heading
        chapter = chapter_level = None
        cur = None
        in_preamble = False
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.replace("\u200b", "").strip()
                if not line:
                    continue
                if line.startswith("#"):
                    cur = None
                    in_preamble = line.lstrip("#").strip() == PREAMBLE_HEADING
                    level = len(line) - len(line.lstrip("#"))
                    m = CHAPTER_HEADING_RE.match(line)
                    if m:
                        chapter, chapter_level = cn_to_int(m.group(1)), level
                    elif chapter_level is not None and level <= chapter_level:
                        chapter = None  # a new part (编), or 附则 outside any chapter
                    continue
                m = ARTICLE_RE.match(line + " ")
                if m:
                    num = cn_to_int(m.group(1))
                    sub = cn_to_int(m.group(2)) if m.group(2) else 0
                    cur = Article(num, sub, chapter)
                    cur.lines.append(line[m.end():].strip())
                    self.articles[(num, sub)] = cur
                    self.order.append(cur)
                elif cur is not None:
                    cur.lines.append(line)
                elif in_preamble:
                    self.preamble.append(line)
        self.norm_texts = [normalise(a.text) for a in self.order]
        self._df_cache = {}

    def doc_freq(self, s):
        """Number of articles whose normalised text contains s."""
        n = self._df_cache.get(s)
        if n is None:
            n = sum(1 for t in self.norm_texts if s in t)
            self._df_cache[s] = n
        return n


# ---------------------------------------------------------------- text helpers

def normalise(s):
    """NFKC, then keep letters and digits only (drops whitespace/punctuation)."""
    s = unicodedata.normalize("NFKC", s)
    return "".join(c for c in s if unicodedata.category(c)[0] in "LN").lower()


def has_cjk(s):
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in s)


def maximal_common_substrings(q, a, min_len):
    """Maximal common substrings of q and a of length >= min_len.

    Returns a set of strings; each is a common substring that cannot be
    extended on either side (at that pair of positions)."""
    if len(q) < min_len or len(a) < min_len:
        return set()
    grams = {}
    for j in range(len(a) - min_len + 1):
        grams.setdefault(a[j:j + min_len], []).append(j)
    out = set()
    for i in range(len(q) - min_len + 1):
        js = grams.get(q[i:i + min_len])
        if not js:
            continue
        for j in js:
            if i > 0 and j > 0 and q[i - 1] == a[j - 1]:
                continue  # not left-maximal; found from an earlier start
            k = min_len
            while i + k < len(q) and j + k < len(a) and q[i + k] == a[j + k]:
                k += 1
            out.add(q[i:i + k])
    return out


def bigrams(s):
    return {s[i:i + 2] for i in range(len(s) - 1)}


def best_runs(law, parts, article_norm):
    """(longest common run of >= LCS_MIN chars, longest such run that is
    distinctive) between any of the normalised parts and the article."""
    best_any = 0
    best_distinctive = ""
    for part in parts:
        for s in maximal_common_substrings(part, article_norm, LCS_MIN):
            best_any = max(best_any, len(s))
            if (len(s) > len(best_distinctive)
                    and law.doc_freq(s) <= DISTINCTIVE_MAX_ARTICLES):
                best_distinctive = s
    return best_any, best_distinctive


def content_score(law, stem, keys, article_text):
    """Shared-content heuristic (see the module docstring).

    stem: the question stem; keys: texts of the key options ([] for judge).
    Returns (passes, detail)."""
    parts = [normalise(x) for x in [stem] + list(keys)]
    a = normalise(article_text)
    best_any, best_distinctive = best_runs(law, parts, a)
    if best_distinctive:
        return True, "shares %r" % best_distinctive
    kb = set()
    for part in parts[1:]:
        kb |= bigrams(part)
    cover = 0.0
    if kb:
        ab = bigrams(a)
        cover = sum(1 for b in kb if b in ab) / len(kb)
        if len(kb) >= BIGRAM_MIN_COUNT and cover >= BIGRAM_MIN:
            return True, "key bigram cover %.0f%%" % (cover * 100)
    detail = ("no shared run of >=%d chars that is in <=%d articles of the law"
              % (LCS_MIN, DISTINCTIVE_MAX_ARTICLES))
    if best_any:
        detail += "; longest shared run %d chars, all stock phrases" % best_any
    if kb:
        detail += ", key bigram cover %.0f%% < %.0f%%" % (cover * 100, BIGRAM_MIN * 100)
    return False, detail


def closest_article(law, stem, keys, exclude):
    """The article of law sharing the longest distinctive run with the
    question, or None (used only to word a failure message)."""
    parts = [normalise(x) for x in [stem] + list(keys)]
    best, best_len = None, 0
    for art, text in zip(law.order, law.norm_texts):
        if art in exclude:
            continue
        _, d = best_runs(law, parts, text)
        if len(d) > best_len:
            best, best_len = art, len(d)
    return best


# ---------------------------------------------------------------- verbatim

# A blank in a fill-in stem: （　） （ ） () （） ( ) and runs of ____ or ＿＿.
BLANK_RE = re.compile(r"[（(][ \u3000]*[）)]|_{2,}|＿{2,}")


def _law_names():
    names = {"宪法", "民法典", "刑法", "本法"}
    for title in LAW_FILES:
        names.add(title)
        names.add(title.replace("中华人民共和国", ""))
    return sorted(names, key=len, reverse=True)


# A citation phrase in a stem: 根据宪法， / 宪法第五条规定， / 依照现行《未成年人保护法》
# （2024年修正）， / 根据民法典的规定： ... (at the start or after punctuation).
CITATION_RE = re.compile(
    r"(?:^|(?<=[，。；：,;:\s]))(?:根据|依照|依据|按照|按)?(?:现行)?《?(?:"
    + "|".join(re.escape(n) for n in _law_names()) + r")》?(?:[（(][^）)]{0,12}[）)])?"
    r"(?:第" + _NUM + r"条(?:之" + _NUM + r")?(?:第" + _NUM + r"款)?)?"
    r"(?:中)?(?:的)?(?:有关)?(?:明确)?(?:增加)?(?:规定)?[，,：:]")


def is_fill_in(q):
    return (q.get("type") == "single" and isinstance(q.get("stem"), str)
            and BLANK_RE.search(q["stem"]) is not None)


def verbatim_text(stem):
    """The normalised stem the verbatim measure looks at: citation phrases and
    blanks removed, then normalised (letters and digits only)."""
    return normalise(BLANK_RE.sub("", CITATION_RE.sub("", stem)))


def verbatim_cover(stem, article_text):
    """Share (0..1) of the normalised stem (see verbatim_text) covered by
    blocks of >= VERBATIM_BLOCK_MIN characters that it has in common with the
    normalised article text, in the same order (difflib matching blocks)."""
    s = verbatim_text(stem)
    if not s:
        return 0.0
    a = normalise(article_text)
    sm = difflib.SequenceMatcher(None, s, a, autojunk=False)
    covered = sum(b.size for b in sm.get_matching_blocks() if b.size >= VERBATIM_BLOCK_MIN)
    return covered / len(s)


# ---------------------------------------------------------------- basis

REF_RE = re.compile(r"第(" + _NUM + r")条(?:之(" + _NUM + r"))?(?:第(" + _NUM + r")款)?")
BASIS_RE = re.compile(
    r"^《(?P<title>[^《》]+)》(?:第(?P<chap>" + _NUM + r")章)?"
    r"(?P<refs>" + REF_RE.pattern + r"(?:[、，,及和]?" + REF_RE.pattern + r")*)$")


MENTION_RE = re.compile(r"第(" + _NUM + r")条(?:之(" + _NUM + r"))?")
PREAMBLE_BASIS_RE = re.compile(r"^《(?P<title>[^《》]+)》序言第(?P<para>" + _NUM + r")自然段$")


def parse_basis(basis):
    """Return (title, chapter_str|None, [(art_str, sub_str|None, para_str|None)])
    or None if the basis does not have the required form."""
    m = BASIS_RE.match(basis)
    if not m:
        return None
    refs = [(r.group(1), r.group(2), r.group(3)) for r in REF_RE.finditer(m.group("refs"))]
    return m.group("title"), m.group("chap"), refs


# ---------------------------------------------------------------- checker

class Reporter:
    def __init__(self, fname, out):
        self.fname, self.out, self.count = fname, out, 0

    def __call__(self, qid, msg):
        self.count += 1
        self.out.write("%s: %s: %s\n" % (self.fname, qid, msg))


def _reject_dup_keys(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r in a JSON object" % k)
        d[k] = v
    return d


def _is_nonempty_str(v):
    return isinstance(v, str) and v.strip() != ""


class QInfo:
    """What the quality rules need to know about one question."""

    def __init__(self, label):
        self.label = label
        self.type = None
        self.difficulty = None   # valid integer 1..5 or None
        self.tags = []
        self.multiple = None     # (options, keys) of a well-formed multiple
        self.title = None        # law title of a well-formed basis
        self.units = []          # [(key, display)]: the article(s) cited
        self.articles = []       # article numbers cited
        self.preamble = None     # 序言 paragraph number
        self.verbatim = None     # verbatim_cover() for judge/fill-in with law text

    def record(self, q, tags):
        self.type = q.get("type")
        d = q.get("difficulty")
        if isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 5:
            self.difficulty = d
        self.tags = list(tags)
        opts, ans = q.get("options"), q.get("answer")
        if (self.type == "multiple" and isinstance(opts, list) and 2 <= len(opts) <= 8
                and isinstance(ans, str) and len(ans) >= 2
                and all(c in LETTERS[:len(opts)] for c in ans)
                and "".join(sorted(set(ans))) == ans):
            self.multiple = (len(opts), len(ans))

    def measure_verbatim(self, q, text):
        if isinstance(q.get("stem"), str) and (self.type == "judge" or is_fill_in(q)):
            self.verbatim = verbatim_cover(q["stem"], text)


def _pct(k, n):
    return "%.0f%% (%d/%d)" % (100.0 * k / n, k, n) if n else "n/a"


class BankStats:
    """Figures of one bank (the summary line and the --table row)."""

    def __init__(self, fname):
        self.fname = fname
        self.code = None
        self.n = 0
        self.counts = {t: 0 for t in TYPES}
        self.problems = 0
        self.failed = set()           # names of the rules the bank breaks
        self.multiples = 0            # well-formed multiples
        self.two_wrong = 0
        self.key_mix = collections.Counter()
        self.per_unit = collections.OrderedDict()  # key -> [display, labels]
        self.eligible = 0             # judge + fill-in single with a law text
        self.verbatim_ids = []        # [(label, cover)]
        self.hard = 0                 # difficulty >= 3
        self.hardest = 0              # difficulty 4-5
        self.cases = 0                # tag 案例 at difficulty 3-5
        self.law_questions = 0
        self.party_questions = 0
        self.law_file = None
        self.preamble = 0
        self.cited = collections.Counter()   # constitution article -> questions
        self.civil_books = 0          # property + contract book

    @property
    def law_bank(self):
        return self.law_questions > 0

    def max_per_article(self):
        best = max(self.per_unit.values(), key=lambda v: len(v[1]), default=None)
        return (len(best[1]), best[0]) if best else (0, "")

    def key_mix_text(self):
        if not self.key_mix:
            return "n/a"
        return " ".join("%d:%d" % (k, self.key_mix[k]) for k in sorted(self.key_mix))

    def verbatim_text(self):
        return _pct(len(self.verbatim_ids), self.eligible)

    def summary(self):
        c = self.counts
        return ("%d questions (single %d, multiple %d, judge %d) | multiples with >=2 wrong "
                "options %s, keys %s, max per article %d, verbatim %s, difficulty>=3 %s, "
                "difficulty 4-5 %s, cases %d"
                % (self.n, c["single"], c["multiple"], c["judge"],
                   _pct(self.two_wrong, self.multiples), self.key_mix_text(),
                   self.max_per_article()[0], self.verbatim_text(), _pct(self.hard, self.n),
                   _pct(self.hardest, self.n), self.cases))

    def status(self):
        if self.problems:
            return "%d problem%s" % (self.problems, "" if self.problems == 1 else "s")
        return "OK"

    TABLE_HEADER = ("| Bank | Questions | Single / multiple / judge | Multiples with ≥2 wrong options "
                    "| Key counts (keys:questions) | Max per article | Verbatim (judge + fill-in) "
                    "| Difficulty ≥3 | Difficulty 4–5 | Case questions | Status |\n"
                    "|---|---:|---|---|---|---:|---|---|---|---:|---|\n")

    def table_row(self):
        c = self.counts
        name = self.code or os.path.basename(self.fname)
        if self.problems:
            rules = sorted(self.failed, key=RULE_ORDER.index)
            status = "FAIL: %s (%d problem%s)" % (", ".join(rules), self.problems,
                                                  "" if self.problems == 1 else "s")
        else:
            status = "OK"
        return ("| %s | %d | %d / %d / %d | %s | %s | %d | %s | %s | %s | %d | %s |\n"
                % (name, self.n, c["single"], c["multiple"], c["judge"],
                   _pct(self.two_wrong, self.multiples), self.key_mix_text(),
                   self.max_per_article()[0], self.verbatim_text(), _pct(self.hard, self.n),
                   _pct(self.hardest, self.n), self.cases, status))


# Status column names: "questions" = the checks of sections 1 and 3-4 (structure, basis,
# content), "types" and "duplicates" = section 2, then the rules of section 5.
RULE_ORDER = ["questions", "types", "duplicates", "multiples", "per-article", "verbatim",
              "difficulty", "size"]


class Checker:
    def __init__(self, laws_dir):
        self.laws_dir = laws_dir
        self._laws = {}

    def law(self, fname):
        if fname not in self._laws:
            path = os.path.join(self.laws_dir, fname)
            self._laws[fname] = Law(path) if os.path.isfile(path) else None
        return self._laws[fname]

    # -- one bank
    def check_file(self, fname, out=sys.stdout, list_verbatim=False):
        """Check one bank file; write its problem lines and summary line to
        out.  Returns a BankStats (its .problems is the problem count)."""
        rep = Reporter(fname, out)
        stats = BankStats(fname)
        try:
            with open(fname, encoding="utf-8") as f:
                data = json.load(f, object_pairs_hook=_reject_dup_keys)
        except (OSError, ValueError) as e:
            rep("-", "cannot read bank: %s" % e)
            stats.failed.add("questions")
            data = None
        if data is not None:
            self.check_bank(data, rep, stats)
        stats.problems = rep.count
        if list_verbatim:
            for label, cover in stats.verbatim_ids:
                out.write("%s: %s: note: verbatim (%.0f%% of the stem is article text)\n"
                          % (fname, label, cover * 100))
        out.write("%s: %s: %s\n" % (fname, stats.summary(), stats.status()))
        return stats

    def check_bank(self, data, rep, stats):
        counts = stats.counts
        if not isinstance(data, dict):
            rep("-", "top level is not a JSON object")
            stats.failed.add("questions")
            return 0
        if data.get("format") != FORMAT:
            rep("-", "format is %r, expected %r" % (data.get("format"), FORMAT))
        bank = data.get("bank")
        if not isinstance(bank, dict):
            rep("-", "missing \"bank\" object")
        else:
            for k in ("code", "title", "subject"):
                if not _is_nonempty_str(bank.get(k)):
                    rep("-", "bank.%s missing or empty" % k)
        qs = data.get("questions")
        if not isinstance(qs, list) or not qs:
            rep("-", "\"questions\" missing, not an array, or empty")
            return 0
        seen_ids = {}
        stems = []
        infos = []
        for idx, q in enumerate(qs):
            label = "#%d" % (idx + 1)
            if not isinstance(q, dict):
                rep(label, "question is not a JSON object")
                continue
            qid = q.get("id")
            if isinstance(qid, str) and qid:
                label = qid
            if isinstance(q.get("type"), str) and q["type"] in counts:
                counts[q["type"]] += 1
            info = QInfo(label)
            self.check_question(q, label, rep, seen_ids, idx, info)
            infos.append((q, info))
            if _is_nonempty_str(q.get("stem")):
                stems.append((label, normalise(q["stem"])))
        n = len(qs)
        stats.n = n
        if rep.count:
            stats.failed.add("questions")
        before = rep.count
        if counts["multiple"] < MIN_MULTIPLE_SHARE * n:
            rep("-", "only %d of %d questions are multiple (%.0f%%); at least %.0f%% required"
                % (counts["multiple"], n, 100.0 * counts["multiple"] / n, MIN_MULTIPLE_SHARE * 100))
        if counts["judge"] < MIN_JUDGE_SHARE * n:
            rep("-", "only %d of %d questions are judge (%.0f%%); at least %.0f%% required"
                % (counts["judge"], n, 100.0 * counts["judge"] / n, MIN_JUDGE_SHARE * 100))
        if rep.count > before:
            stats.failed.add("types")
        before = rep.count
        self.check_stems(stems, rep)
        if rep.count > before:
            stats.failed.add("duplicates")
        self.measure(bank if isinstance(bank, dict) else {}, infos, stats)
        self.enforce(stats, rep)
        return n

    # -- quality rules (issue 18)
    def bank_law_file(self, bank):
        """The law file a bank is about: by its title (a LAW_FILES title), else
        by its code (CODE.md or CODE-law.md); None unless it is in the laws dir."""
        names = []
        title, code = bank.get("title"), bank.get("code")
        if isinstance(title, str) and title in LAW_FILES:
            names.append(LAW_FILES[title])
        if isinstance(code, str) and re.match(r"[A-Za-z0-9_.-]+\Z", code):
            names += [code + ".md", code + "-law.md"]
        for name in names:
            if os.path.isfile(os.path.join(self.laws_dir, name)):
                return name
        return None

    def measure(self, bank, infos, st):
        st.code = bank.get("code") if _is_nonempty_str(bank.get("code")) else None
        st.law_file = self.bank_law_file(bank)
        for q, info in infos:
            if info.multiple:
                nopt, nkeys = info.multiple
                st.multiples += 1
                st.two_wrong += nopt - nkeys >= 2
                st.key_mix[nkeys] += 1
            for key, display in info.units:
                st.per_unit.setdefault(key, [display, []])[1].append(info.label)
            if info.verbatim is not None:
                st.eligible += 1
                if info.verbatim >= VERBATIM_COVER:
                    st.verbatim_ids.append((info.label, info.verbatim))
            d = info.difficulty
            if d is not None:
                st.hard += d >= 3
                st.hardest += d >= 4
                st.cases += CASE_TAG in info.tags and d >= 3
            if info.title:
                if info.title.startswith(PARTY_PREFIX):
                    st.party_questions += 1
                else:
                    st.law_questions += 1
            if info.title == CONSTITUTION_TITLE:
                if info.preamble:
                    st.preamble += 1
                for a in set(info.articles):
                    st.cited[a] += 1
            if info.title == CIVIL_CODE_TITLE and any(
                    lo <= a <= hi for a in info.articles
                    for lo, hi in (CIVIL_PROPERTY_BOOK, CIVIL_CONTRACT_BOOK)):
                st.civil_books += 1

    def enforce(self, st, rep):
        def fail(rule, msg):
            st.failed.add(rule)
            rep("-", msg)

        n = st.n
        # 1. multiples that cannot be gamed
        m = st.multiples
        if m and st.two_wrong < MIN_TWO_WRONG_SHARE * m:
            fail("multiples", "only %d of %d multiple questions (%.0f%%) have two or more wrong "
                 "options; at least %.0f%% required"
                 % (st.two_wrong, m, 100.0 * st.two_wrong / m, MIN_TWO_WRONG_SHARE * 100))
        if m >= KEY_MIX_MIN_MULTIPLES:
            k, top = st.key_mix.most_common(1)[0]
            if len(st.key_mix) < 2:
                fail("multiples", "all %d multiple questions have %d keys; the number of keys "
                     "must vary (mix of 2, 3, 4 keys)" % (m, k))
            elif top > KEY_MIX_MAX_SHARE * m:
                fail("multiples", "%d of %d multiple questions (%.0f%%) have %d keys; at most "
                     "%.0f%% may have the same number of keys"
                     % (top, m, 100.0 * top / m, k, KEY_MIX_MAX_SHARE * 100))
        # 2. at most MAX_PER_ARTICLE questions per article
        for display, labels in st.per_unit.values():
            if len(labels) > MAX_PER_ARTICLE:
                fail("per-article", "%s is cited by %d questions (%s); at most %d per article"
                     % (display, len(labels), ", ".join(labels), MAX_PER_ARTICLE))
        # 3. not copied word for word
        v = len(st.verbatim_ids)
        if st.eligible and v > VERBATIM_MAX_SHARE * st.eligible:
            fail("verbatim", "%d of %d judge and fill-in questions (%.0f%%) copy the cited "
                 "article word for word (>=%.0f%% of the stem is article text); at most %.0f%% "
                 "allowed (--list-verbatim lists them)"
                 % (v, st.eligible, 100.0 * v / st.eligible, VERBATIM_COVER * 100,
                    VERBATIM_MAX_SHARE * 100))
        # 4. difficulty
        if st.law_bank and n:
            if st.hard < MIN_HARD_SHARE * n:
                fail("difficulty", "only %d of %d questions (%.0f%%) have difficulty 3 or more; "
                     "at least %.0f%% required" % (st.hard, n, 100.0 * st.hard / n,
                                                   MIN_HARD_SHARE * 100))
            if st.code == "civil-code" and st.hardest < CIVIL_MIN_HARDEST_SHARE * n:
                fail("difficulty", "only %d of %d questions (%.0f%%) have difficulty 4 or 5; "
                     "at least %.0f%% required for civil-code"
                     % (st.hardest, n, 100.0 * st.hardest / n, CIVIL_MIN_HARDEST_SHARE * 100))
        # 5. size and coverage
        if st.law_file and n < MIN_BANK_QUESTIONS:
            fail("size", "only %d questions; a bank on a bundled law (%s) needs at least %d"
                 % (n, st.law_file, MIN_BANK_QUESTIONS))
        if st.code == "constitution":
            if st.preamble < CONSTITUTION_MIN_PREAMBLE:
                fail("size", "only %d questions cite the preamble (序言第N自然段); at least %d "
                     "required" % (st.preamble, CONSTITUTION_MIN_PREAMBLE))
            for a in CONSTITUTION_REQUIRED_ARTICLES:
                if not st.cited[a]:
                    fail("size", "no question cites 《%s》第%s条" % (CONSTITUTION_TITLE, int_to_cn(a)))
        if st.code == "civil-code":
            if n < CIVIL_MIN_QUESTIONS:
                fail("size", "only %d questions; civil-code needs at least %d"
                     % (n, CIVIL_MIN_QUESTIONS))
            if st.cases < CIVIL_MIN_CASES:
                fail("size", "only %d case questions (tag %s, difficulty 3-5); civil-code needs "
                     "at least %d" % (st.cases, CASE_TAG, CIVIL_MIN_CASES))
            if n and st.civil_books < CIVIL_BOOKS_MIN_SHARE * n:
                fail("size", "only %d of %d questions (%.0f%%) cite the property or contract "
                     "book (Arts. %d-%d); at least %.0f%% required"
                     % (st.civil_books, n, 100.0 * st.civil_books / n, CIVIL_PROPERTY_BOOK[0],
                        CIVIL_CONTRACT_BOOK[1], CIVIL_BOOKS_MIN_SHARE * 100))

    def check_stems(self, stems, rep):
        first = {}
        for label, s in stems:
            if s in first:
                rep(label, "duplicate stem (same as %s after removing whitespace and punctuation)"
                    % first[s])
            else:
                first[s] = label
        uniq = sorted(first.items(), key=lambda kv: len(kv[0]))
        for i, (short, lab_s) in enumerate(uniq):
            if len(short) < NEAR_DUP_MIN_LEN:
                continue
            for long_, lab_l in uniq[i + 1:]:
                if len(long_) > len(short) and short in long_:
                    rep(lab_l, "near-duplicate stem: contains the whole stem of %s" % lab_s)

    def check_question(self, q, label, rep, seen_ids, idx, info):
        for k in q:
            if k not in KNOWN_FIELDS:
                rep(label, "unknown field %r" % k)
        qid = q.get("id")
        if not isinstance(qid, str) or not ID_RE.match(qid):
            rep(label, "bad id %r (must match [A-Za-z0-9_.-]{1,64})" % (qid,))
        elif qid in seen_ids:
            rep(label, "duplicate id (also question #%d)" % (seen_ids[qid] + 1))
        else:
            seen_ids[qid] = idx

        qtype = q.get("type")
        if qtype not in TYPES:
            rep(label, "bad type %r (single, multiple or judge)" % (qtype,))
        stem = q.get("stem")
        if not _is_nonempty_str(stem):
            rep(label, "stem missing or empty")
        elif not has_cjk(stem):
            rep(label, "stem has no Chinese text")

        options = q.get("options")
        nopt = 0
        if qtype == "judge":
            if "options" in q:
                rep(label, "judge question must not have options")
        elif qtype in ("single", "multiple"):
            nopt = self.check_options(options, label, rep)

        answer = q.get("answer")
        if qtype in TYPES and not isinstance(answer, str):
            rep(label, "answer missing or not a string")
        elif qtype == "judge":
            if answer not in ("T", "F"):
                rep(label, "bad answer %r for judge (T or F)" % answer)
        elif qtype == "single":
            if len(answer) != 1 or answer not in LETTERS:
                rep(label, "bad answer %r for single (one letter A-H)" % answer)
            elif nopt and LETTERS.index(answer) >= nopt:
                rep(label, "answer %s names no option (only %d options)" % (answer, nopt))
        elif qtype == "multiple":
            if not answer or any(c not in LETTERS for c in answer):
                rep(label, "bad answer %r for multiple (letters A-H)" % answer)
            elif len(set(answer)) != len(answer):
                rep(label, "answer %r repeats a letter" % answer)
            elif len(answer) < 2:
                rep(label, "answer %r for multiple needs at least two letters" % answer)
            elif "".join(sorted(answer)) != answer:
                rep(label, "answer %r not sorted (expected %r)" % (answer, "".join(sorted(answer))))
            elif nopt and any(LETTERS.index(c) >= nopt for c in answer):
                rep(label, "answer %r names a missing option (only %d options)" % (answer, nopt))

        if not _is_nonempty_str(q.get("explanation")):
            rep(label, "explanation missing or empty")
        diff = q.get("difficulty")
        if not isinstance(diff, int) or isinstance(diff, bool) or not 1 <= diff <= 5:
            rep(label, "difficulty %r is not an integer 1..5" % (diff,))
        tags = q.get("tags")
        tags_ok = (isinstance(tags, list) and tags
                   and all(_is_nonempty_str(t) for t in tags))
        if not tags_ok:
            rep(label, "tags must be a non-empty list of non-empty strings")
            tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []

        info.record(q, tags)
        basis = q.get("basis")
        if not _is_nonempty_str(basis):
            rep(label, "basis missing or empty")
            return
        self.check_basis(q, basis, label, rep, tags, info)

    def check_options(self, options, label, rep):
        if not isinstance(options, list):
            rep(label, "options missing or not an array")
            return 0
        if not 2 <= len(options) <= 8:
            rep(label, "%d options (2..8 required)" % len(options))
        seen = set()
        for i, o in enumerate(options):
            letter = LETTERS[i] if i < len(LETTERS) else "#%d" % (i + 1)
            if not _is_nonempty_str(o):
                rep(label, "option %s empty or not a string" % letter)
                continue
            if LETTER_PREFIX_RE.match(o):
                rep(label, "option %s has a letter prefix: %r" % (letter, o[:12]))
            norm = o.strip()
            if norm in seen:
                rep(label, "option %s duplicates an earlier option" % letter)
            seen.add(norm)
        return len(options) if len(options) <= 8 else 8

    def check_basis(self, q, basis, label, rep, tags, info):
        m = PREAMBLE_BASIS_RE.match(basis.strip())
        if m:
            self.check_preamble_basis(q, m.group("title"), m.group("para"), label, rep, info)
            return
        parsed = parse_basis(basis.strip())
        if parsed is None:
            rep(label, "basis %r is not 《法律全称》第X条[第Y款] (or 《中华人民共和国宪法》"
                "序言第N自然段) with Chinese numerals" % basis)
            return
        title, chap, refs = parsed
        if len(refs) > 1:
            rep(label, "basis cites %d articles; cite one article per question" % len(refs))
        # numerals must be written as the law writes them
        nums = [chap] if chap else []
        for art, sub, para in refs:
            nums += [x for x in (art, sub, para) if x]
        for s in nums:
            try:
                v = cn_to_int(s)
            except ValueError:
                rep(label, "basis numeral %r is not a Chinese numeral" % s)
                return
            if v == 0 or int_to_cn(v) != s:
                rep(label, "basis numeral %r should be written %r" % (s, int_to_cn(v) if v else "?"))
                return

        self.check_mentions(q, refs, label, rep)
        info.title = title
        for art, sub, _ in refs:
            n = cn_to_int(art)
            k = cn_to_int(sub) if sub else 0
            ref = "第%s条%s" % (art, "之" + sub if sub else "")
            if title.startswith(PARTY_PREFIX):
                info.units.append(((title, chap, n, k),
                                   "《%s》%s%s" % (title, "第%s章" % chap if chap else "", ref)))
            else:
                info.units.append(((title, n, k), "《%s》%s" % (title, ref)))
            info.articles.append(n)

        if title.startswith(PARTY_PREFIX):
            if chap is None:
                rep(label, "Party regulation basis must give chapter and article "
                    "(《%s》第Z章第X条)" % title)
            if PARTY_REQUIRED_TAG not in tags:
                rep(label, "Party regulation question (no bundled text) must be tagged %s"
                    % PARTY_REQUIRED_TAG)
            topic = PARTY_TOPIC_TAGS.get(title)
            if topic and topic not in tags:
                rep(label, "question on 《%s》 must be tagged %s" % (title, topic))
            return

        fname = LAW_FILES.get(title)
        if fname is None:
            rep(label, "unknown law title 《%s》 (no bundled text; use the full official title)"
                % title)
            return
        law = self.law(fname)
        if law is None:
            rep(label, "law text %s not found in %s" % (fname, self.laws_dir))
            return
        cited = []  # (article, paragraph number or 0)
        for art, sub, para in refs:
            n = cn_to_int(art)
            k = cn_to_int(sub) if sub else 0
            ref = "第%s条%s" % (art, "之" + sub if sub else "")
            if fname == YANGTZE_FILE and n > YANGTZE_LAST_ARTICLE:
                rep(label, "《%s》%s: the bundled text stops at 第七十九条第一款 "
                    "(Arts. 80-96 missing); do not cite it" % (title, ref))
                continue
            a = law.articles.get((n, k))
            if a is None:
                rep(label, "《%s》 has no %s (text ends at 第%s条)"
                    % (title, ref, int_to_cn(max(x.num for x in law.order))))
                continue
            if chap is not None and a.chapter != cn_to_int(chap):
                rep(label, "《%s》%s is in 第%s章, not 第%s章"
                    % (title, ref, int_to_cn(a.chapter) if a.chapter else "?", chap))
            p = cn_to_int(para) if para else 0
            if p:
                pc = a.paragraph_count()
                if fname == YANGTZE_FILE and n == YANGTZE_LAST_ARTICLE and p > YANGTZE_LAST_PARAGRAPHS:
                    rep(label, "《%s》%s第%s款: the bundled text stops at 第七十九条第一款"
                        % (title, ref, para))
                    continue
                if p > pc:
                    rep(label, "《%s》%s has %d paragraph%s, no 第%s款"
                        % (title, ref, pc, "" if pc == 1 else "s", para))
                    continue
            cited.append((a, p))
        if cited and len(cited) == len(refs):
            self.check_content(q, law, cited, label, rep)
            info.measure_verbatim(q, "\n".join(a.text for a, _ in cited))

    def check_preamble_basis(self, q, title, para, label, rep, info):
        """《中华人民共和国宪法》序言第N自然段: N counts the natural paragraphs
        (non-blank lines) under the 序言 heading of constitution.md."""
        if title != CONSTITUTION_TITLE:
            rep(label, "only 《%s》 has a preamble basis (序言第N自然段), not 《%s》"
                % (CONSTITUTION_TITLE, title))
            return
        try:
            p = cn_to_int(para)
        except ValueError:
            rep(label, "basis numeral %r is not a Chinese numeral" % para)
            return
        if p == 0 or int_to_cn(p) != para:
            rep(label, "basis numeral %r should be written %r" % (para, int_to_cn(p) if p else "?"))
            return
        info.title = title
        info.preamble = p
        info.units.append(((title, "序言", p), "《%s》序言第%s自然段" % (title, para)))
        law = self.law(LAW_FILES[title])
        if law is None:
            rep(label, "law text %s not found in %s" % (LAW_FILES[title], self.laws_dir))
            return
        if not law.preamble:
            rep(label, "《%s》: no 序言 found in %s" % (title, law.path))
            return
        if p > len(law.preamble):
            rep(label, "《%s》序言 has %d paragraphs, no 第%s自然段" % (title, len(law.preamble), para))
            return
        text = law.preamble[p - 1]
        stem = q.get("stem") if isinstance(q.get("stem"), str) else ""
        keys = key_texts(q)
        if keys is not None:
            ok, detail = content_score(law, stem, keys, text)
            if not ok:
                others = [i + 1 for i, t in enumerate(law.preamble)
                          if i != p - 1 and content_score(law, stem, keys, t)[0]]
                rep(label, "序言第%s自然段 shares too little with the question (%s); "
                    "wrong paragraph cited?%s"
                    % (para, detail, "; matching paragraph(s): %s" % ", ".join(
                        "第%s自然段" % int_to_cn(i) for i in others) if others else ""))
        info.measure_verbatim(q, text)

    def check_mentions(self, q, refs, label, rep):
        """Stem/explanation naming articles, none of them the cited one."""
        cited = {(cn_to_int(a), cn_to_int(s) if s else 0) for a, s, _ in refs}
        want = "、".join("第%s条%s" % (a, "之" + s if s else "") for a, s, _ in refs)
        for field in ("stem", "explanation"):
            text = q.get(field)
            if not isinstance(text, str):
                continue
            mentioned = []
            for m in MENTION_RE.finditer(text):
                try:
                    key = (cn_to_int(m.group(1)), cn_to_int(m.group(2)) if m.group(2) else 0)
                except ValueError:
                    continue
                if key not in [k for k, _ in mentioned]:
                    mentioned.append((key, m.group(0)))
            if mentioned and not any(k in cited for k, _ in mentioned):
                rep(label, "%s names %s but basis cites %s"
                    % (field, "、".join(t for _, t in mentioned), want))

    def check_content(self, q, law, cited, label, rep):
        stem = q.get("stem") if isinstance(q.get("stem"), str) else ""
        keys = key_texts(q)
        if keys is None:
            return  # answer/options broken: reported already
        articles = [a for a, _ in cited]
        article_text = "\n".join(a.text for a, _ in cited)
        ok, detail = content_score(law, stem, keys, article_text)
        if not ok:
            hint = ""
            other = closest_article(law, stem, keys, articles)
            if other is not None:
                hint = "; closest article: %s" % article_ref(other)
            rep(label, "stem/key share too little with the cited article (%s); "
                "wrong article cited?%s" % (detail, hint))
            return
        # The article matches; if a paragraph is cited, it must match too.
        for a, p in cited:
            if not p:
                continue
            paras = a.paragraphs()
            ok, detail = content_score(law, stem, keys, paras[p - 1])
            if not ok:
                others = [str(i + 1) for i, t in enumerate(paras)
                          if i != p - 1 and content_score(law, stem, keys, t)[0]]
                rep(label, "%s第%s款 shares too little with the question (%s); "
                    "wrong paragraph cited?%s"
                    % (article_ref(a), int_to_cn(p), detail,
                       "; matching paragraph(s): %s" % ", ".join(
                           "第%s款" % int_to_cn(int(x)) for x in others) if others else ""))


def article_ref(a):
    return "第%s条%s" % (int_to_cn(a.num), "之" + int_to_cn(a.sub) if a.sub else "")


def key_texts(q):
    """Texts of the key options ([] for judge); None if they cannot be found."""
    t = q.get("type")
    if t == "judge":
        return []
    opts = q.get("options")
    ans = q.get("answer")
    if t not in ("single", "multiple") or not isinstance(opts, list) or not isinstance(ans, str):
        return None
    out = []
    for c in ans:
        i = LETTERS.find(c)
        if i < 0 or i >= len(opts) or not isinstance(opts[i], str):
            return None
        out.append(opts[i])
    return out or None


def default_laws_dir():
    env = os.environ.get("LAWEXAM_LAWS_DIR")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    # the law library shipped in the project (question-bank/laws, SPEC §13)
    bundled = os.path.normpath(os.path.join(here, "..", "question-bank", "laws"))
    if os.path.isfile(os.path.join(bundled, "constitution.md")):
        return bundled
    default = os.path.normpath(os.path.join(here, "..", "..", "shared", "laws"))
    # a git worktree a level deeper (e.g. <top>/wt/NAME): the nearest ancestor's shared/laws
    d = os.path.dirname(os.path.dirname(here))
    while not os.path.isdir(default):
        parent = os.path.dirname(d)
        if parent == d:
            return os.path.normpath(os.path.join(here, "..", "..", "shared", "laws"))
        d = parent
        default = os.path.join(d, "shared", "laws")
    return default


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check lawexam-bank/1 question banks against the bundled law texts.")
    ap.add_argument("--laws", metavar="DIR", default=None,
                    help="directory with the law texts (default: $LAWEXAM_LAWS_DIR or "
                         "<repo>/question-bank/laws)")
    ap.add_argument("--table", action="store_true",
                    help="print only a Markdown table of the figures, one row per bank")
    ap.add_argument("--list-verbatim", action="store_true",
                    help="also print a note line for every question the verbatim rule counts")
    ap.add_argument("files", nargs="+", metavar="FILE.json")
    args = ap.parse_args(argv)
    laws_dir = args.laws or default_laws_dir()
    if not os.path.isdir(laws_dir):
        sys.stderr.write("check_banks.py: laws directory %s not found\n" % laws_dir)
        return 2
    checker = Checker(laws_dir)
    problems = 0
    rows = []
    for f in args.files:
        st = checker.check_file(f, out=io.StringIO() if args.table else sys.stdout,
                                list_verbatim=args.list_verbatim)
        problems += st.problems
        rows.append(st.table_row())
    if args.table:
        sys.stdout.write(BankStats.TABLE_HEADER + "".join(rows))
    sys.stdout.flush()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
