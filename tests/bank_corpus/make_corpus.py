#!/usr/bin/python3
"""make_corpus.py — writes a small corpus of real-looking question documents, the way
departments send them (SPEC §4.5), with what the importer must read from each:

  word-numbering.docx  Word list numbering (numbers not in the text), headings, options one
                       per paragraph or several on one, keys on 答案 lines and in brackets
  mixed-punct.txt      numbers 1. 2、 3． （4） (5), full-width letters and punctuation, half-
                       and full-width colons, stray spaces and blank lines, 【答案】, no headings
  gb18030.txt          GB18030 text with CRLF line ends, 【单选题】-style headings
  big-2000.docx        2,000 questions with explanations, bases, tags (the benchmark document)
  big-2000.txt         the same questions as text
  errors.txt           one of each error of SPEC §4.5 (expected FILE:LINE messages)
  old.doc              an OLE (.doc) file: refused with "请另存为 .docx"

For every readable document it also writes NAME.expected.json: the lawexam-bank/1 JSON of the
same questions, as the reader must produce them; manifest.json lists the documents with their
code, counts per type, expected JSON or expected errors. Deterministic (fixed seed).

    python3 tests/bank_corpus/make_corpus.py OUTDIR
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "question-bank", "templates"))
from docx_writer import Para, write_docx  # noqa: E402

LAWS = ["宪法", "民法典", "刑法", "行政处罚法", "行政许可法", "安全生产法", "食品安全法", "环境保护法",
        "未成年人保护法", "反电信网络诈骗法", "长江保护法", "预防未成年人犯罪法"]
TOPICS = ["基本原则", "适用范围", "法律责任", "监督管理", "权利义务", "程序规定", "附则"]
ZH_NUM = "一二三四五六七八九十"
TYPES = ["single", "multiple", "judge"]
HEAD = {"single": "单选题", "multiple": "多选题", "judge": "判断题"}


def make_questions(rng, n, code, explicit_every=0):
    """n questions cycling through the types in blocks (as sections of a paper)."""
    qs = []
    per = max(1, n // 3)
    for i in range(n):
        t = TYPES[min(i // per, 2)]
        law = rng.choice(LAWS)
        art = rng.randint(1, 300)
        q = {"type": t, "law": law}
        if t == "judge":
            q["stem"] = "根据《中华人民共和国%s》第%d条，%s的规定适用于第%d类情形。" % (law, art, rng.choice(TOPICS), i + 1)
            q["answer"] = rng.choice("TF")
        else:
            k = rng.choice([4, 4, 4, 5, 6])
            q["stem"] = "根据《中华人民共和国%s》第%d条，关于%s，下列说法正确的是（　）。第%d题" % (
                law, art, rng.choice(TOPICS), i + 1)
            q["options"] = ["%s规定的第%d项内容（%s）" % (law, j + 1, rng.choice(TOPICS)) for j in range(k)]
            if t == "single":
                q["answer"] = "ABCDEF"[rng.randrange(k)]
            else:
                q["answer"] = "".join(sorted(rng.sample("ABCDEF"[:k], rng.randint(2, k))))
        q["explanation"] = "见《中华人民共和国%s》第%d条。" % (law, art) if rng.random() < 0.7 else ""
        q["basis"] = "《中华人民共和国%s》第%d条" % (law, art) if rng.random() < 0.6 else ""
        q["difficulty"] = rng.randint(1, 5) if rng.random() < 0.5 else 3
        q["tags"] = sorted(set(rng.sample([law, rng.choice(TOPICS), "年度考试"], rng.randint(0, 2))),
                           key=lambda s: s)
        if explicit_every and i % explicit_every == 0:
            q["id"] = "%s-X%04d" % (code.upper(), i + 1)
        qs.append(q)
    return qs


def expected_json(code, title, subject, qs, ids):
    out = []
    for q, qid in zip(qs, ids):
        o = {"id": qid, "type": q["type"], "stem": q["stem"]}
        if q["type"] != "judge":
            o["options"] = q["options"]
        o["answer"] = q["answer"]
        o["explanation"] = q["explanation"]
        o["basis"] = q["basis"]
        o["difficulty"] = q["difficulty"]
        o["tags"] = q["tags"]
        out.append(o)
    return {"format": "lawexam-bank/1", "bank": {"code": code, "title": title, "subject": subject},
            "questions": out}


def judge_word(rng, a, style):
    words = {"T": ["√", "正确", "对"], "F": ["×", "错误", "错"]}[a]
    return words[0] if style == "plain" else rng.choice(words)


def render(rng, qs, style, numbered=True, headings=True, bracket_rate=0.3, multi_line_rate=0.3):
    """The questions as lines (text) or paragraphs (Para). Returns (lines, numbered_flags)."""
    lines = []
    flags = []  # per line: is a question start (for Word list numbering)
    cur = None
    sec = 0
    for i, q in enumerate(qs):
        if headings and q["type"] != cur:
            cur = q["type"]
            h = HEAD[cur]
            if style == "mixed":
                h = rng.choice(["%s、%s" % (ZH_NUM[sec], h), "【%s】" % h, "%s．%s（每题 1 分）" % (ZH_NUM[sec], h)])
            else:
                h = "%s、%s" % (ZH_NUM[sec], h)
            sec += 1
            lines.append(h)
            flags.append(False)
            if style == "mixed":
                lines.append("")
                flags.append(False)
        n = i + 1
        if numbered:
            fmt = rng.choice(["%d. ", "%d、", "%d．", "（%d）", "(%d) ", "%d . "]) if style == "mixed" else "%d. "
            prefix = fmt % n
        else:
            prefix = ""
        stem = q["stem"]
        use_bracket = q["type"] != "judge" and "（　）" in stem and rng.random() < bracket_rate
        if use_bracket:
            stem = stem.replace("（　）", "（ %s ）" % q["answer"], 1)
        judge_bracket = q["type"] == "judge" and (not numbered or rng.random() < bracket_rate)
        if judge_bracket:
            stem = stem + "（%s）" % judge_word(rng, q["answer"], style)
            q["stem"] = q["stem"] + "（　）"
        pad = "  " if style == "mixed" and rng.random() < 0.3 else ""
        lines.append(pad + prefix + stem + pad)
        flags.append(True)
        if q["type"] != "judge":
            seps = [". ", "．", "、", ") ", "）"] if style == "mixed" else [". "]
            letters = "ABCDEFGH"
            if style == "mixed" and rng.random() < 0.2:
                letters = "ＡＢＣＤＥＦＧＨ"
            opts = ["%s%s%s" % (letters[j], rng.choice(seps), o) for j, o in enumerate(q["options"])]
            if rng.random() < multi_line_rate:
                lines.append(("\u3000" if style == "mixed" else "  ").join(opts))
                flags.append(False)
            else:
                for o in opts:
                    lines.append(o)
                    flags.append(False)
        if not use_bracket and not judge_bracket:
            colon = rng.choice(["：", ":", " ："]) if style == "mixed" else "："
            a = q["answer"] if q["type"] != "judge" else judge_word(rng, q["answer"], style)
            if style == "mixed" and q["type"] == "multiple" and rng.random() < 0.5:
                a = "、".join(a)
            if style == "mixed" and rng.random() < 0.2:
                lines.append("【答案】" + a)
            else:
                lines.append("答案" + colon + a)
            flags.append(False)
        for key, name in (("explanation", "解析"), ("basis", "依据")):
            if q[key]:
                lines.append(name + ("：" if style != "mixed" or rng.random() < 0.5 else ": ") + q[key])
                flags.append(False)
        if q["difficulty"] != 3:
            lines.append("难度：%d" % q["difficulty"])
            flags.append(False)
        if q["tags"]:
            lines.append("标签：" + rng.choice(["；", ";", "，"]).join(q["tags"]))
            flags.append(False)
        if "id" in q:
            lines.append("编号：" + q["id"])
            flags.append(False)
        if style == "mixed" and rng.random() < 0.4:
            lines.append("")
            flags.append(False)
    return lines, flags


def ids_for(qs, code, by_number=True):
    return [q.get("id", "%s-%d" % (code, i + 1)) for i, q in enumerate(qs)]


def by_type(qs):
    return {t: sum(1 for q in qs if q["type"] == t) for t in TYPES}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "out")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(19)
    manifest = []

    def add(name, fmt, code, qs, title="语料题库", subject="corpus"):
        exp = name + ".expected.json"
        with open(os.path.join(out, exp), "w", encoding="utf-8") as f:
            json.dump(expected_json(code, title, subject, qs, ids_for(qs, code)), f, ensure_ascii=False, indent=2)
        manifest.append({"file": name, "format": fmt, "code": code, "title": title, "subject": subject,
                         "count": len(qs), "by_type": by_type(qs), "expected": exp})

    # 1. Word list numbering
    qs = make_questions(rng, 60, "corpus-word", explicit_every=7)
    lines, flags = render(rng, qs, "plain", numbered=False)
    paras = [Para("2026年度学法考法题库（安全生产）", bold=True)]
    paras += [Para(t, numbered=f, bold=not f and t.endswith("题")) for t, f in zip(lines, flags)]
    write_docx(os.path.join(out, "word-numbering.docx"), paras)
    add("word-numbering.docx", "docx", "corpus-word", qs)

    # 2. mixed punctuation, no headings
    qs = make_questions(rng, 40, "corpus-mixed", explicit_every=5)
    lines, _ = render(rng, qs, "mixed", numbered=True, headings=False, bracket_rate=0.4)
    with open(os.path.join(out, "mixed-punct.txt"), "w", encoding="utf-8") as f:
        f.write("\n\n".join(["各单位报送题目汇总（请核对）"]) + "\n\n" + "\n".join(lines) + "\n")
    add("mixed-punct.txt", "txt", "corpus-mixed", qs)

    # 3. GB18030 with CRLF, 【】 headings
    qs = make_questions(rng, 30, "corpus-gb")
    lines, _ = render(rng, qs, "plain", numbered=True)
    lines = [("【%s】" % l.split("、", 1)[1]) if l.endswith("题") and "、" in l[:3] else l for l in lines]
    with open(os.path.join(out, "gb18030.txt"), "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    add("gb18030.txt", "txt", "corpus-gb", qs)

    # 4. 2,000 questions, as .docx and as text
    qs = make_questions(rng, 2000, "corpus-big", explicit_every=0)
    lines, _ = render(rng, qs, "plain", numbered=True, bracket_rate=0.2)
    write_docx(os.path.join(out, "big-2000.docx"), [Para(t, bold=t.endswith("题")) for t in lines])
    add("big-2000.docx", "docx", "corpus-big", qs)
    with open(os.path.join(out, "big-2000.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    add("big-2000.txt", "txt", "corpus-big", qs)

    # 5. one of each error: (line, message part)
    err_lines = [
        "一、单选题",
        "1. 没有答案的题（　）", "A. 甲", "B. 乙",                    # 2: 缺少答案
        "2. 答案字母没有选项", "A. 甲", "B. 乙", "答案：D",           # 8: 不在选项
        "3. 单选题两个答案（ A B ）", "A. 甲", "B. 乙",               # 9: 单选题只能有一个答案
        "4. 选项跳字母", "A. 甲", "B. 乙", "D. 丁", "答案：A",         # 15: 跳过了字母 C
        "5. 好题", "A. 甲", "B. 乙", "答案：B",
    ]
    with open(os.path.join(out, "errors.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(err_lines) + "\n")
    manifest.append({"file": "errors.txt", "format": "txt", "code": "corpus-err", "title": "错误", "subject": "corpus",
                     "errors": [["errors.txt:2", "缺少答案", "1. 没有答案的题"],
                                ["errors.txt:8", "不在选项", "答案：D"],
                                ["errors.txt:9", "单选题只能有一个答案", "3. 单选题两个答案"],
                                ["errors.txt:15", "跳过了字母 C", "D. 丁"]]})
    with open(os.path.join(out, "empty.txt"), "w", encoding="utf-8") as f:
        f.write("2026年度学法考法题库\n\n一、单选题\n\n")
    manifest.append({"file": "empty.txt", "format": "txt", "code": "corpus-empty", "title": "空", "subject": "corpus",
                     "errors": [["empty.txt", "没有找到题目", ""]]})
    with open(os.path.join(out, "old.doc"), "wb") as f:
        f.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "WordDocument".encode("utf-16-le") + b"\0" * 500)
    manifest.append({"file": "old.doc", "format": "", "code": "corpus-doc", "title": "旧", "subject": "corpus",
                     "errors": [["old.doc", "请另存为 .docx", ""]]})

    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
