"""End-to-end tests of the question banks (SPEC §4.1, §4.2, §5.7, §6 admin/banks, §8 bank).

Every validation rule of the JSON, CSV and XLSX bank formats gets a bad file whose import
must exit 1, name the exact place (`FILE:LINE` for JSON; `FILE:ROW N: column 答案` for the
tables, with rows counted as Excel counts them, a quoted field holding newlines being one
row), say what is wrong, report nothing else, and leave the database byte for byte as it
was (`bank export` and `bank list` outputs, and the rows of the bank tables, compared before
and after). The bad files also carry valid changes (a new question, a changed key), so a
partial import would show. Then the encodings (GB18030, UTF-8 with BOM) with RFC 4180
quoting; XLSX written by openpyxl, with shared strings and with a first sheet that is not
sheet1.xml; the import semantics (unchanged / key-only change updated in place / stem change
makes version 2 / --retire-missing, with attempts drawn before and after); and the upload
API (dry run, real, 422 with details, 403, 401, the 32 MiB upload cap).
"""

import csv
import io
import json
import os
import re
import shutil
import tempfile
import unittest
import urllib.parse
import zipfile
from xml.sax.saxutils import escape as xml_escape

import lawexam_e2e as L
from uploads import UploadError, import_file

try:
    import openpyxl
    from openpyxl.styles import PatternFill
except ImportError:  # pragma: no cover - Debian's python3-openpyxl is a test dependency
    openpyxl = None

PW = L.DEFAULT_PASSWORD
FAST = ("--argon2-m", "1024", "--argon2-t", "1")
ZH_TYPE = {"single": "单选", "multiple": "多选", "judge": "判断"}
HEADER = (["编号", "题型", "题干"] + ["选项" + k for k in "ABCDEFGH"] +
          ["答案", "解析", "依据", "难度", "标签"])
EN_HEADER = (["id", "type", "stem"] + ["option_" + k for k in "abcdefgh"] +
             ["answer", "explanation", "basis", "difficulty", "tags"])
VAL = "e2e-val"  # the bank every bad file aims at


def col_letter(i):
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# --- bank content ---------------------------------------------------------------------------


def base_questions():
    """The questions of bank e2e-val as first imported. V-002 has a stem of three lines, so
    in a CSV its row spans three physical lines."""
    return [
        {"id": "V-001", "type": "single", "stem": "中华人民共和国的一切权力属于谁？",
         "options": ["人民", "全国人民代表大会", "国务院", "中国共产党"], "answer": "A",
         "explanation": "宪法第二条第一款。", "basis": "《中华人民共和国宪法》第二条",
         "difficulty": 1, "tags": ["国家制度", "总纲"]},
        {"id": "V-002", "type": "multiple", "stem": "下列哪些属于公民的基本权利？\n（多选）\n请选出全部正确项",
         "options": ["选举权", "言论自由", "宗教信仰自由", "罢工自由"], "answer": "ABC",
         "explanation": "", "basis": "", "difficulty": 2, "tags": ["公民权利"]},
        {"id": "V-003", "type": "judge", "stem": "宪法是国家的根本法。", "answer": "T",
         "explanation": "", "basis": "《中华人民共和国宪法》序言", "difficulty": 3, "tags": []},
        {"id": "V-004", "type": "judge", "stem": "宪法的修改由全国人大以过半数通过。", "answer": "F",
         "explanation": "应为三分之二以上。", "basis": "", "difficulty": 5, "tags": ["宪法修改"]},
    ]


def bank_doc(questions, code=VAL, title="校验用题库", subject="constitution"):
    return {"format": "lawexam-bank/1", "bank": {"code": code, "title": title, "subject": subject},
            "questions": questions}


def canonical(q):
    """A question as `bank export` writes it (defaults filled in, judge without options)."""
    out = {"id": q["id"], "type": q["type"], "stem": q["stem"]}
    if q["type"] != "judge":
        out["options"] = list(q["options"])
    out.update(answer=q["answer"], explanation=q.get("explanation", ""), basis=q.get("basis", ""),
               difficulty=q.get("difficulty", 3), tags=list(q.get("tags", [])))
    return out


def table_row(q, answer=None):
    """A question as a row under HEADER (tags joined with a full-width semicolon)."""
    opts = list(q.get("options", []))
    return ([q["id"], ZH_TYPE[q["type"]], q["stem"]] + opts + [""] * (8 - len(opts)) +
            [q["answer"] if answer is None else answer, q.get("explanation", ""), q.get("basis", ""),
             str(q.get("difficulty", "")), "；".join(q.get("tags", []))])


def csv_bytes(rows, encoding="utf-8-sig", newline="\r\n"):
    s = io.StringIO()
    csv.writer(s, lineterminator=newline).writerows(rows)
    return s.getvalue().encode(encoding)


def xlsx_bytes(rows, numeric=(), second_sheet=True):
    """rows written with openpyxl; cells of columns named in `numeric` that hold digits are
    written as numbers. An empty styled trailing column, and a second sheet with junk."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "题库"
    header = rows[0]
    numcols = {i for i, h in enumerate(header) if h in numeric}
    for r in rows:
        ws.append([(int(v) if i in numcols and isinstance(v, str) and v.isdigit() else (v if v != "" else None))
                   for i, v in enumerate(r)])
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in range(1, len(rows) + 1):
        ws.cell(row=r, column=len(header) + 1).fill = fill  # empty trailing column
    if second_sheet:
        wb.create_sheet("说明").append(["编号", "这张表不是题库"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def handmade_xlsx(rows, numeric=(), first_sheet_file="sheet2.xml", row_numbers=None, tail=""):
    """An XLSX as Excel writes it: every text in xl/sharedStrings.xml (one as rich-text runs,
    leading spaces kept with xml:space), numbers as <v>, and the first sheet of the workbook
    stored as worksheets/<first_sheet_file> while sheet1.xml... holds another sheet.
    row_numbers: the sheet row of each of rows (Excel leaves empty rows out); tail: raw
    XML appended to sheetData."""
    strings, index = [], {}

    def sidx(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    numcols = {i for i, h in enumerate(rows[0]) if h in numeric}
    xml_rows = []
    for n, row in enumerate(rows):
        r = row_numbers[n] if row_numbers else n + 1
        cells = []
        for c, v in enumerate(row):
            if v == "" or v is None:
                continue
            ref = "%s%d" % (col_letter(c), r)
            if c in numcols and v.isdigit():
                cells.append('<c r="%s"><v>%s</v></c>' % (ref, v))
            else:
                cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sidx(v)))
        xml_rows.append('<row r="%d">%s</row>' % (r, "".join(cells)))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sis = []
    for s in strings:
        if len(s) >= 4 and "\n" not in s:  # rich text: the string split into two runs
            h = len(s) // 2
            sis.append('<si><r><t xml:space="preserve">%s</t></r><r><rPr><b/></rPr><t xml:space="preserve">%s</t></r></si>'
                       % (xml_escape(s[:h]), xml_escape(s[h:])))
        else:
            sis.append('<si><t xml:space="preserve">%s</t></si>' % xml_escape(s))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><sheetData>%s</sheetData></worksheet>'
             % (ns, "".join(xml_rows) + tail))
    other_file = "sheet1.xml" if first_sheet_file != "sheet1.xml" else "sheet9.xml"
    other = ('<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData><row r="1"><c r="A1" t="inlineStr">'
             '<is><t>编号</t></is></c><c r="B1" t="inlineStr"><is><t>不是题库</t></is></c></row></sheetData></worksheet>' % ns)
    files = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '</Types>' % (first_sheet_file, other_file),
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>',
        "xl/workbook.xml":
            '<?xml version="1.0" encoding="UTF-8"?><workbook %s %s><sheets>'
            '<sheet name="题库" sheetId="2" r:id="rId7"/><sheet name="其他" sheetId="1" r:id="rId3"/>'
            '</sheets></workbook>' % (ns, rns),
        "xl/_rels/workbook.xml.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/%s"/>'
            '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/%s"/>'
            '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>' % (other_file, first_sheet_file),
        "xl/sharedStrings.xml":
            '<?xml version="1.0" encoding="UTF-8"?><sst %s count="%d" uniqueCount="%d">%s</sst>'
            % (ns, len(strings), len(strings), "".join(sis)),
        "xl/worksheets/" + first_sheet_file: sheet,
        "xl/worksheets/" + other_file: other,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def line_of(text, *steps):
    """1-based line number found by walking text: a string step moves to the next line (at or
    after the current one) containing it; an int step moves that many lines on."""
    lines = text.split("\n")
    i = 0
    for s in steps:
        if isinstance(s, int):
            i += s
            continue
        while i < len(lines) and s not in lines[i]:
            i += 1
        if i == len(lines):
            raise AssertionError("line_of: %r not found" % (s,))
    return i + 1


def problems(stderr, fname):
    """The located problem lines of an import's stderr: (where, message) pairs."""
    out = []
    for line in stderr.splitlines():
        if line.startswith(fname + ":"):
            rest = line[len(fname):]
            m = re.match(r"^(:\d+|:ROW \d+(?:: column [^:]+)?|)(?:: )(.*)$", rest)
            if m:
                out.append((fname + m.group(1), m.group(2)))
            else:
                out.append((None, line))
    return out


# --- shared helpers -------------------------------------------------------------------------


class BankTestCase(L.TestCase):
    """Helpers: lawexam-admin through a checker that also fails on sanitizer reports."""

    def admin(self, db, *args, input=None):
        rc, out, err = L.run_admin(db, *args, input=input)
        self.assertFalse(L.SANITIZER_RE.search(err), "sanitizer report from lawexam-admin %s:\n%s" % (args, err))
        return rc, out, err

    def admin_ok(self, db, *args, **kw):
        rc, out, err = self.admin(db, *args, **kw)
        self.assertEqual(rc, 0, "lawexam-admin %s failed (%d):\n%s%s" % (args, rc, out, err))
        return out

    def export(self, db, code):
        """`bank export CODE` to stdout: (rc, stdout)."""
        rc, out, err = self.admin(db, "bank", "export", code)
        return rc, out

    def export_doc(self, db, code):
        rc, out = self.export(db, code)
        self.assertEqual(rc, 0, out)
        return json.loads(out)

    def fresh_db(self):
        d = tempfile.mkdtemp(prefix="lawexam-banks-")
        self.addCleanup(shutil.rmtree, d, True)
        db = L.new_database(d)
        self.addCleanup(L.drop_database, db)
        self.admin_ok(db, "init")
        return d, db

    def write(self, d, name, data):
        path = os.path.join(d, name)
        with open(path, "wb" if isinstance(data, bytes) else "w", encoding=None if isinstance(data, bytes) else "utf-8") as f:
            f.write(data)
        return path

    def snapshot(self, db, codes):
        """Everything an import could change: each bank's export, `bank list`, and the rows of
        the bank tables and the audit log (read through a read-only connection)."""
        snap = {"list": self.admin_ok(db, "bank", "list")}
        for c in codes:
            snap["export " + c] = self.export(db, c)
        con = L.connect(db, readonly=True)
        try:
            for t in ("banks", "questions", "question_versions"):
                snap[t] = con.execute("SELECT * FROM %s ORDER BY 1" % t).fetchall()
            # The snapshot's own exports are audited (bank_export); everything else must match.
            snap["audit_log"] = con.execute("SELECT * FROM audit_log WHERE action <> 'bank_export'"
                                            " ORDER BY 1").fetchall()
        finally:
            con.close()
        return snap

    def versions(self, db, bank, qid):
        """(current_version_id, active, [(id, version, stem, options, answer)…]) of one question."""
        con = L.connect(db, readonly=True)
        try:
            row = con.execute("SELECT id, current_version_id, active FROM questions WHERE bank = ? AND qid = ?",
                              (bank, qid)).fetchone()
            self.assertIsNotNone(row, "question %s/%s not stored" % (bank, qid))
            vs = con.execute("SELECT id, version, stem, options, answer FROM question_versions"
                             " WHERE question_id = ? ORDER BY version", (row[0],)).fetchall()
        finally:
            con.close()
        return row[1], row[2], vs


# --- validation: every rule, every place, nothing changed ------------------------------------


def _q(id, type="single", stem=None, options=None, answer="A", **kw):
    q = {"id": id, "type": type, "stem": stem or ("题目 %s 的题干" % id)}
    if type != "judge":
        q["options"] = options if options is not None else ["甲项", "乙项", "丙项", "丁项"]
    elif options is not None:
        q["options"] = options
    q["answer"] = answer
    q.update(kw)
    return q


def _bad_json_file(bad=None, mutate=None):
    """The base bank with V-001's key changed and a new V-100, then the bad question (if any),
    as indented JSON (one field per line). mutate(doc) may change anything else."""
    qs = base_questions()
    qs[0]["answer"] = "B"
    qs.append(_q("V-100", stem="新加的一道题"))
    if bad is not None:
        qs.append(bad)
    doc = bank_doc(qs)
    if mutate:
        mutate(doc)
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _del(d, k):
    del d[k]
    return d


def _deep(text):
    """The bad question's tags nested 33 deep on one line (root 1, questions 2, question 3,
    tags 4 … 33)."""
    return text.replace('"tags": "DEEP"', '"tags": ' + "[" * 30 + "]" * 30)


def _deep_ok(text):
    return text.replace('"tags": "DEEP"', '"tags": ' + "[" * 29 + "]" * 29)


# (name, bad question or None, mutate(doc) or None, text transform or None,
#  locate(text) -> set of acceptable lines, message regex, number of problems)
JSON_CASES = [
    ("format_wrong", None, lambda d: d.__setitem__("format", "lawexam-bank/2"), None,
     lambda t: {line_of(t, '"format"')}, r'"format" 应为 "lawexam-bank/1"，现为 "lawexam-bank/2"', 1),
    ("format_missing", None, lambda d: _del(d, "format"), None,
     lambda t: {1}, r'"format"', 1),
    ("unknown_field_question", _q("V-BAD", explanaton="拼错的字段"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"explanaton"')}, r'题目 V-BAD：未知字段 "explanaton"', 1),
    ("unknown_field_top", None, lambda d: d.__setitem__("version", 1), None,
     lambda t: {line_of(t, '"version"')}, r'未知字段 "version"', 1),
    ("unknown_field_bank", None, lambda d: d["bank"].__setitem__("name", "x"), None,
     lambda t: {line_of(t, '"bank"', '"name"')}, r'"bank" 中未知字段 "name"', 1),
    ("id_space", _q("V BAD"), None, None,
     lambda t: {line_of(t, '"id": "V BAD"')}, r'编号 "V BAD" 不合规', 1),
    ("id_chinese", _q("题目一"), None, None,
     lambda t: {line_of(t, '"id": "题目一"')}, r'编号 "题目一" 不合规', 1),
    ("id_too_long", _q("X" * 65), None, None,
     lambda t: {line_of(t, '"id": "' + "X" * 65)}, r'编号 "X{20,}.*" 不合规', 1),
    ("id_missing", _del(_q("V-BAD"), "id"), None, None,
     lambda t: {line_of(t, '"stem": "题目 V-BAD 的题干"', -2), line_of(t, '"stem": "题目 V-BAD 的题干"', -1)},
     r'缺少编号', 1),
    ("id_duplicate", _q("V-003", stem="另一道题"), None, None,
     lambda t: {line_of(t, '"id": "V-003"', 1, '"id": "V-003"')},
     None, 1),  # message checked in the test (names the first place)
    ("single_two_keys", _q("V-BAD", answer="AB"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：单选题只能有一个答案，现为 "AB"', 1),
    ("multiple_one_key", _q("V-BAD", type="multiple", answer="C"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：多选题至少要有两个正确选项，现为 "C"', 1),
    ("multiple_key_outside", _q("V-BAD", type="multiple", answer="AE"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：答案 "AE" 不在选项 A–D 之中', 1),
    ("multiple_repeated_key", _q("V-BAD", type="multiple", answer="ABA"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：答案 "ABA" 中字母 A 重复', 1),
    ("answer_lowercase", _q("V-BAD", answer="a"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：答案 "a" 含有无法识别的字符', 1),
    ("judge_with_options", _q("V-BAD", type="judge", options=["对", "错"], answer="T"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"options"'), line_of(t, '"id": "V-BAD"', '"options"', 1)},
     r'题目 V-BAD：判断题不应有选项', 1),
    ("judge_answer_chinese", _q("V-BAD", type="judge", answer="对"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：判断题的答案 "对" 无效', 1),
    ("judge_answer_lower", _q("V-BAD", type="judge", answer="t"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：判断题的答案 "t" 无效', 1),
    ("judge_answer_letter", _q("V-BAD", type="judge", answer="A"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"answer"')}, r'题目 V-BAD：判断题的答案 "A" 无效', 1),
    ("options_one", _q("V-BAD", options=["唯一选项"]), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"options"')}, r'题目 V-BAD：单选题至少需要 2 个选项，现只有 1 个', 1),
    ("options_none", _q("V-BAD", type="multiple", options=[], answer="AB"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"options"')}, r'题目 V-BAD：.*(缺少选项|至少需要 2 个选项)', 1),
    ("options_missing", _del(_q("V-BAD"), "options"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"'), line_of(t, '"id": "V-BAD"', -1)}, r'题目 V-BAD：缺少选项', 1),
    ("options_nine", _q("V-BAD", options=["项%d" % i for i in range(1, 10)]), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"options"'), line_of(t, '"id": "V-BAD"', '"options"', 9)},
     r'题目 V-BAD：选项最多 8 个（A–H），现有 9 个', 1),
    ("option_empty", _q("V-BAD", options=["甲", "", "丙"]), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"options"', 2)}, r'题目 V-BAD：选项 B 为空', 1),
    ("option_blank", _q("V-BAD", options=["甲", "乙", "  "]), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"options"', 3)}, r'题目 V-BAD：选项 C 为空', 1),
    ("option_duplicate", _q("V-BAD", options=["甲", "乙", "甲"]), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"options"', 3)}, r'题目 V-BAD：选项 C 与选项 A 相同', 1),
    ("difficulty_six", _q("V-BAD", difficulty=6), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"difficulty"')}, r'题目 V-BAD：难度 6 超出范围', 1),
    ("difficulty_zero", _q("V-BAD", difficulty=0), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"difficulty"')}, r'题目 V-BAD：难度 0 超出范围', 1),
    ("difficulty_string", _q("V-BAD", difficulty="3"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"difficulty"')}, r'题目 V-BAD："difficulty"', 1),
    ("difficulty_fraction", _q("V-BAD", difficulty=2.5), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"difficulty"')}, r'题目 V-BAD："difficulty"', 1),
    ("type_unknown", _q("V-BAD", type="essay"), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"type"')}, r'题目 V-BAD：题型 "essay" 无法识别', 1),
    ("stem_empty", _q("V-BAD", stem=" "), None, None,
     lambda t: {line_of(t, '"id": "V-BAD"', '"stem"')}, r'题目 V-BAD：题干为空', 1),
    ("bank_title_empty", None, lambda d: d["bank"].__setitem__("title", ""), None,
     lambda t: {line_of(t, '"bank"', '"title"')}, r"题库名称为空", 1),
    ("bank_missing", None, lambda d: _del(d, "bank"), None,
     lambda t: {1}, r'缺少 "bank"', 1),
    ("bank_code_uppercase", None, lambda d: d["bank"].__setitem__("code", "Bad_Code"), None,
     lambda t: {line_of(t, '"bank"', '"code"')}, r'题库代码 "Bad_Code" 不合规', 1),
    ("bank_code_too_long", None, lambda d: d["bank"].__setitem__("code", "a" * 33), None,
     lambda t: {line_of(t, '"bank"', '"code"')}, r'题库代码 "a{33}" 不合规', 1),
    ("syntax_single_quotes", _q("V-BAD", answer="QUOTE"), None,
     lambda t: t.replace('"answer": "QUOTE"', "\"answer\": 'A'"),
     lambda t: {line_of(t, "'A'")}, r"JSON 语法错误", 1),
    ("syntax_trailing_comma", None, None,
     lambda t: t.replace("    }\n  ]\n}", "    },\n  ]\n}"),
     lambda t: {t.split("\n").index("  ]") + 1, t.split("\n").index("  ]")}, r"JSON 语法错误", 1),
    ("syntax_truncated", None, None, lambda t: t[:t.rindex('"tags"')],
     lambda t: {t.count("\n") + 1, t.count("\n")}, r"JSON 语法错误", 1),
    ("not_utf8", _q("V-BAD", stem="NOTUTF8"), None, None,  # bytes fixed in the test
     lambda t: {line_of(t, "NOTUTF8")}, r"UTF-8", 1),
    ("nesting_33", _q("V-BAD", tags="DEEP"), None, _deep,
     lambda t: {line_of(t, '"tags": [[[[')}, r"嵌套超过 32 层", 1),
]


class ValidationTest(BankTestCase):
    """Bad bank files against a database holding bank e2e-val (and the bundled constitution
    bank, which no import here may touch)."""

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server(*FAST, start=False)
        cls.dir = cls.srv.dir
        path = os.path.join(cls.dir, "base.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(bank_doc(base_questions()), f, ensure_ascii=False, indent=2)
        for args in (("bank", "import", path),
                     ("bank", "import", os.path.join(L.SOURCE_DIR, "question-bank", "banks", "constitution.json"))):
            rc, out, err = L.run_admin(cls.srv.db, *args)
            if rc != 0:
                raise AssertionError("setup import failed: %s%s" % (out, err))

    def setUp(self):
        super().setUp()
        self.db = self.srv.db
        self.before = self.snapshot(self.db, [VAL, "constitution"])

    def assertNothingChanged(self):
        after = self.snapshot(self.db, [VAL, "constitution"])
        for k in self.before:
            self.assertEqual(self.before[k], after[k], "%s changed by a failed import" % k)

    def import_bad(self, name, data, *extra, count=1):
        """Imports a bad file; checks exit 1, the summary line, the problem count and that
        nothing changed. Returns the problems [(where, message)]."""
        path = self.write(self.dir, name, data)
        rc, out, err = self.admin(self.db, "bank", "import", path, *extra)
        self.assertEqual(rc, 1, "exit code for %s\nstdout: %s\nstderr: %s" % (name, out, err))
        self.assertIn("nothing imported", err)
        probs = problems(err, path)
        self.assertTrue(all(w is not None for w, _ in probs), "a problem line without a place:\n" + err)
        if count is not None:
            self.assertEqual(len(probs), count, "problems reported for %s:\n%s" % (name, err))
            self.assertIn("fix the %d problem(s)" % count, err)
        self.assertNothingChanged()
        # also with --dry-run: same answer
        rc2, out2, err2 = self.admin(self.db, "bank", "import", path, "--dry-run", *extra)
        self.assertEqual((rc2, err2), (rc, err), "--dry-run answers differently")
        return path, probs

    # --- JSON -------------------------------------------------------------------------

    def test_json_rules(self):
        for name, bad, mutate, transform, locate, msg, count in JSON_CASES:
            with self.subTest(rule=name):
                text = _bad_json_file(bad, mutate)
                if transform:
                    text = transform(text)
                data = text.encode("utf-8")
                if name == "not_utf8":
                    data = data.replace(b"NOTUTF8", b"\xd6\xd0\xce\xc4")  # 中文 in GBK
                path, probs = self.import_bad("bad-%s.json" % name, data, count=count)
                where, message = probs[0]
                lines = locate(text)
                self.assertIn(where, {"%s:%d" % (path, n) for n in lines},
                              "%s: place %s, expected line %s; message %s" % (name, where, sorted(lines), message))
                if msg:
                    self.assertRegex(message, msg)
                if name == "id_duplicate":
                    first = line_of(text, '"id": "V-003"')
                    self.assertRegex(message, r'编号 "V-003" 重复：%s:(%d|%d) 已经用过' %
                                     (re.escape(path), first, first - 1))

    def test_json_nesting_32_is_not_refused_for_depth(self):
        text = _deep_ok(_bad_json_file(_q("V-BAD", tags="DEEP")))
        path, probs = self.import_bad("deep32.json", text)
        self.assertNotIn("嵌套", probs[0][1])
        self.assertRegex(probs[0][1], r'"tags"')

    def test_json_every_problem_reported_in_one_run(self):
        qs = [_q("M-1", answer="AB"), _q("M-2", type="judge", answer="对"), _q("M-3", options=["a", "a"]),
              _q("M-4", difficulty=9), _q("M-1", stem="重复编号")]
        text = json.dumps(bank_doc(qs), ensure_ascii=False, indent=2)
        path, probs = self.import_bad("many.json", text, count=5)
        got = [w for w, _ in probs]
        want = ["%s:%d" % (path, line_of(text, '"id": "M-1"', '"answer"')),
                "%s:%d" % (path, line_of(text, '"id": "M-2"', '"answer"')),
                "%s:%d" % (path, line_of(text, '"id": "M-3"', '"options"', 2)),
                "%s:%d" % (path, line_of(text, '"id": "M-4"', '"difficulty"')),
                "%s:%d" % (path, line_of(text, '"id": "M-1"', 1, '"id": "M-1"'))]
        self.assertEqual(sorted(got), sorted(want))

    def test_json_bank_mismatch_with_command_line(self):
        text = _bad_json_file()
        path = self.write(self.dir, "mismatch.json", text)
        rc, out, err = self.admin(self.db, "bank", "import", path, "--bank", "other-code")
        self.assertEqual(rc, 1, err)
        self.assertIn(path + ":", err)
        self.assertNothingChanged()

    def test_multi_file_import_is_all_or_nothing(self):
        good = bank_doc([_q("N-1"), _q("N-2", type="judge", answer="F")], code="e2e-new")
        p1 = self.write(self.dir, "good.json", json.dumps(good, ensure_ascii=False))
        p2 = self.write(self.dir, "bad.json", _bad_json_file(_q("V-BAD", answer="Z")))
        rc, out, err = self.admin(self.db, "bank", "import", p1, p2)
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.export(self.db, "e2e-new")[0], 1)  # not created
        self.assertNothingChanged()
        # the same bank twice in one command
        p3 = self.write(self.dir, "val-again.json", json.dumps(bank_doc(base_questions()), ensure_ascii=False))
        rc, out, err = self.admin(self.db, "bank", "import", p3, p3)
        self.assertEqual(rc, 1, err)
        self.assertNothingChanged()

    def test_usage_errors_exit_2(self):
        p = self.write(self.dir, "fine.json", json.dumps(bank_doc(base_questions()), ensure_ascii=False))
        for args in (("bank", "import"), ("bank", "import", p, "--format", "doc"),
                     ("bank", "import", p, "--no-such-flag"), ("bank", "export"),
                     ("bank", "export", VAL, "extra")):
            with self.subTest(args=args):
                rc, out, err = self.admin(self.db, *args)
                self.assertEqual(rc, 2, "%s: %s%s" % (args, out, err))
        rc, out, err = self.admin(self.db, "bank", "import", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--retire-missing", out)
        self.assertNothingChanged()

    def test_missing_file(self):
        rc, out, err = self.admin(self.db, "bank", "import", os.path.join(self.dir, "nope.json"))
        self.assertEqual(rc, 1, err)
        self.assertIn("nope.json", err)
        self.assertNothingChanged()

    # --- CSV and XLSX -----------------------------------------------------------------

    def table_rows(self, bad_row=None, header=None):
        """Header, then the base questions (V-001 with a changed key; V-002's stem holds two
        newlines, so in CSV its row spans three lines), a new V-100, then bad_row (if any),
        which is Excel row 7."""
        rows = [list(header or HEADER)]
        for i, q in enumerate(base_questions()):
            rows.append(table_row(q, answer="B" if i == 0 else None))
        rows.append(table_row(_q("V-100", stem="新加的一道题")))
        if bad_row is not None:
            rows.append(bad_row)
        return rows

    def bad_row(self, **kw):
        q = _q("V-BAD")
        row = table_row(q)
        for k, v in kw.items():
            if k == "options":
                row[3:11] = list(v) + [""] * (8 - len(v))
            else:
                row[HEADER.index(k)] = v
        return row

    def table_cases(self):
        B = self.bad_row
        # (name, rows, expected place (after FILE), message regex, count)
        cases = []
        rows = self.table_rows()
        rows[0] = rows[0] + ["颜色"]
        for r in rows[1:]:
            r.append("红")
        cases.append(("unknown_header", rows, ":ROW 1: column %s" % col_letter(len(HEADER)),
                      r'未知的列名 "颜色"', 1))
        rows = self.table_rows()
        k = HEADER.index("题干")
        rows = [r[:k] + r[k + 1:] for r in rows]
        cases.append(("missing_stem_column", rows, ":ROW 1", r"缺少必需的列“题干”", 1))
        rows = self.table_rows()
        k = HEADER.index("答案")
        rows = [r[:k] + r[k + 1:] for r in rows]
        cases.append(("missing_answer_column", rows, ":ROW 1", r"缺少必需的列“答案”", 1))
        cases += [
            ("bad_type", self.table_rows(B(题型="问答")), ":ROW 7: column 题型",
             r'题目 V-BAD：题型 "问答" 无法识别', 1),
            ("option_gap", self.table_rows(B(options=["甲", "", "丙"])), ":ROW 7: column 选项B",
             r"题目 V-BAD：选项 B 为空，但后面的选项 C 有内容", 1),
            ("single_two_keys", self.table_rows(B(答案="AB")), ":ROW 7: column 答案",
             r'题目 V-BAD：单选题只能有一个答案，现为 "AB"', 1),
            ("key_outside_options", self.table_rows(B(答案="E")), ":ROW 7: column 答案",
             r'题目 V-BAD：答案 "E" 不在选项 A–D 之中', 1),
            ("answer_not_letters", self.table_rows(B(答案="甲")), ":ROW 7: column 答案",
             r'题目 V-BAD：答案 "甲" 含有无法识别的字符', 1),
            ("answer_missing", self.table_rows(B(答案="")), ":ROW 7: column 答案",
             r"题目 V-BAD：缺少答案", 1),
            ("multiple_one_key", self.table_rows(B(题型="多选", 答案="D")), ":ROW 7: column 答案",
             r'题目 V-BAD：多选题至少要有两个正确选项，现为 "D"', 1),
            ("judge_answer_unknown", self.table_rows(B(题型="判断", options=[], 答案="是")), ":ROW 7: column 答案",
             r'题目 V-BAD：判断题的答案 "是" 无法识别', 1),
            ("judge_with_options", self.table_rows(B(题型="判断", options=["对", "错"], 答案="对")),
             ":ROW 7: column 选项A", r"题目 V-BAD：判断题不应有选项", 1),
            ("options_one", self.table_rows(B(options=["唯一"])), ":ROW 7: column 选项A",
             r"题目 V-BAD：单选题至少需要 2 个选项，现只有 1 个", 1),
            ("option_duplicate", self.table_rows(B(options=["甲", "乙", "甲"])), ":ROW 7: column 选项C",
             r"题目 V-BAD：选项 C 与选项 A 相同", 1),
            ("difficulty_out_of_range", self.table_rows(B(难度="6")), ":ROW 7: column 难度",
             r'题目 V-BAD：难度 "6" 无效', 1),
            ("bad_id", self.table_rows(B(编号="V BAD")), ":ROW 7: column 编号", r'编号 "V BAD" 不合规', 1),
            ("duplicate_id", self.table_rows(B(编号="V-003")), ":ROW 7: column 编号",
             r'编号 "V-003" 重复：FILE:ROW 4 已经用过', 1),
        ]
        # English aliases: the place names the column as written
        en = self.table_rows(B(答案="AB"), header=EN_HEADER)
        cases.append(("english_header_bad_answer", en, ":ROW 7: column answer", r"单选题只能有一个答案", 1))
        return cases

    def run_table_cases(self, fmt):
        for name, rows, place, msg, count in self.table_cases():
            with self.subTest(fmt=fmt, rule=name):
                data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
                path, probs = self.import_bad("bad-%s.%s" % (name, fmt), data, "--bank", VAL, count=count)
                where, message = probs[0]
                self.assertEqual(where, path + place, "%s: message %s" % (name, message))
                self.assertRegex(message, msg.replace("FILE", re.escape(path)))

    def test_csv_rules(self):
        self.run_table_cases("csv")

    @L.requires(openpyxl is not None, "openpyxl missing (Debian: python3-openpyxl)")
    def test_xlsx_rules(self):
        self.run_table_cases("xlsx")

    def test_csv_row_numbers_count_quoted_newlines_as_one_row(self):
        rows = self.table_rows()
        rows.append(table_row(_q("V-101", stem="第一行\n第二行\n第三行\n第四行")))
        rows.append(self.bad_row(答案="AB"))  # Excel row 8, physical line 14
        data = csv_bytes(rows)
        self.assertEqual(data.count(b"\n"), 13)
        path, probs = self.import_bad("rows.csv", data, "--bank", VAL)
        self.assertEqual(probs[0][0], path + ":ROW 8: column 答案")
        # the same with LF line ends and a lone CR inside a quoted field
        rows[-2][2] = "第一行\r第二行\r\n第三行"
        path, probs = self.import_bad("rows-lf.csv", csv_bytes(rows, newline="\n"), "--bank", VAL)
        self.assertEqual(probs[0][0], path + ":ROW 8: column 答案")

    def test_xlsx_row_numbers_follow_sheet_rows(self):
        """Excel leaves empty rows out of the sheet XML and keeps formatted empty rows: the
        place is the row number on the sheet, and formatted empty rows are no questions."""
        rows = self.table_rows(self.bad_row(答案="AB"))
        numbers = [1, 2, 3, 4, 6, 7, 12]  # rows 5 and 8–11 are empty on the sheet
        tail = ('<row r="13" spans="1:16" s="1" customFormat="1"/>'
                '<row r="14"><c r="A14" s="1"/><c r="B14" s="1"/></row>')
        data = handmade_xlsx(rows, numeric=("难度",), row_numbers=numbers, tail=tail)
        path, probs = self.import_bad("gaps.xlsx", data, "--bank", VAL)
        self.assertEqual(probs[0][0], path + ":ROW 12: column 答案")

    def test_table_errors_in_row_order(self):
        B = self.bad_row
        rows = self.table_rows()
        rows += [B(编号="E-1", 答案="AB"), B(编号="E-2", 题型="问答"), B(编号="E-3", options=["甲", "", "丙"]),
                 B(编号="E-4", 题型="判断", options=[], 答案="是"), B(编号="V-001")]
        for fmt in ("csv", "xlsx") if openpyxl else ("csv",):
            with self.subTest(fmt=fmt):
                data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
                path, probs = self.import_bad("many." + fmt, data, "--bank", VAL, count=5)
                self.assertEqual([w for w, _ in probs],
                                 [path + p for p in (":ROW 7: column 答案", ":ROW 8: column 题型",
                                                     ":ROW 9: column 选项B", ":ROW 10: column 答案",
                                                     ":ROW 11: column 编号")])

    def test_table_bank_code_from_command(self):
        data = csv_bytes(self.table_rows())
        for extra, msg in (((), r"--bank"), (("--bank", "Bad_Code"), r'题库代码 "Bad_Code" 不合规'),
                           (("--bank", "b" * 33), r"不合规")):
            with self.subTest(extra=extra):
                path, probs = self.import_bad("code.csv", data, *extra)
                self.assertEqual(probs[0][0], path)
                self.assertRegex(probs[0][1], msg)

    def test_table_empty_and_header_only(self):
        for name, data in (("empty.csv", b""), ("bom-only.csv", b"\xef\xbb\xbf"),
                           ("header-only.csv", csv_bytes([HEADER]))):
            with self.subTest(name=name):
                path, probs = self.import_bad(name, data, "--bank", VAL, count=None)
                self.assertGreaterEqual(len(probs), 1)

    def test_broken_xlsx(self):
        for name, data in (("notzip.xlsx", b"PK\x03\x04 this is not a zip"),
                           ("zip-without-sheet.xlsx", self._zip({"hello.txt": b"hi"})),
                           ("truncated.xlsx", xlsx_bytes(self.table_rows())[:300] if openpyxl else b"PK")):
            with self.subTest(name=name):
                path, probs = self.import_bad(name, data, "--bank", VAL, count=None)
                self.assertGreaterEqual(len(probs), 1)

    def test_damaged_files_never_crash(self):
        """Truncations and byte flips of valid CSV, XLSX and JSON files: exit 0 or 1, never a
        crash or a sanitizer report, and a failed import changes nothing."""
        import random
        rnd = random.Random(4242)
        rows = self.table_rows()
        samples = [("csv", csv_bytes(rows)), ("gb.csv", csv_bytes(rows, "gb18030")),
                   ("json", _bad_json_file().encode())]
        if openpyxl:
            samples.append(("xlsx", xlsx_bytes(rows)))
        samples.append(("hand.xlsx", handmade_xlsx(rows, numeric=("难度",))))
        d, db = self.fresh_db()  # its own database: a damaged file may still import
        self.admin_ok(db, "bank", "import", os.path.join(self.dir, "base.json"))
        n = 0
        for ext, data in samples:
            cuts = sorted({rnd.randrange(1, len(data)) for _ in range(6)})
            variants = [data[:c] for c in cuts]
            for _ in range(6):
                b = bytearray(data)
                for _ in range(rnd.randint(1, 8)):
                    b[rnd.randrange(len(b))] = rnd.randrange(256)
                variants.append(bytes(b))
            for v in variants:
                n += 1
                path = self.write(d, "damaged-%d.%s" % (n, ext), v)
                before = self.snapshot(db, [VAL])
                rc, out, err = self.admin(db, "bank", "import", path, "--bank", VAL)
                self.assertIn(rc, (0, 1), "%s: exit %d\n%s" % (path, rc, err[-2000:]))
                if rc == 1:
                    self.assertEqual(before, self.snapshot(db, [VAL]), path)
        self.assertNothingChanged()

    @staticmethod
    def _zip(files):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for n, d in files.items():
                z.writestr(n, d)
        return out.getvalue()


# --- what imports correctly -------------------------------------------------------------------

ODD_QUESTIONS = [
    {"id": "ENC-1", "type": "single", "stem": '含逗号,和"双引号"的题干\n以及第二行',
     "options": ["甲,乙", '"丙"', "丁\n戊", "己、庚"], "answer": "B",
     "explanation": "解析，含全角逗号,半角逗号", "basis": "《中华人民共和国宪法》第三十三条",
     "difficulty": 2, "tags": ["宪法", "公民权利", "基本义务", "总纲"]},
    {"id": "ENC-2", "type": "judge", "stem": "生僻字：䶮、𠀀、€ 也要原样保存。", "answer": "F",
     "explanation": "", "basis": "", "difficulty": 3, "tags": []},
    {"id": "ENC-3", "type": "multiple", "stem": "多选：下列哪些正确？", "options": ["一", "二", "三"],
     "answer": "AC", "explanation": "", "basis": "", "difficulty": 5, "tags": ["民法典"]},
]
# the same as table cells: tags split with each separator SPEC names; answers as people write them
ODD_ROWS = [HEADER] + [
    ["ENC-1", "单选", ODD_QUESTIONS[0]["stem"], "甲,乙", '"丙"', "丁\n戊", "己、庚", "", "", "", "", "b",
     ODD_QUESTIONS[0]["explanation"], ODD_QUESTIONS[0]["basis"], "2", "宪法;公民权利，基本义务,总纲"],
    ["ENC-2", "判断题", ODD_QUESTIONS[1]["stem"], "", "", "", "", "", "", "", "", "错误", "", "", "", ""],
    ["ENC-3", "多选", "多选：下列哪些正确？", "一", "二", "三", "", "", "", "", "", "C,A", "", "", "5", "民法典"],
]


class ImportFormatsTest(BankTestCase):

    def import_into_fresh(self, name, data, *extra, code="e2e-enc"):
        d, db = self.fresh_db()
        path = self.write(d, name, data)
        out = self.admin_ok(db, "bank", "import", path, "--bank", code, "--title", "编码测试", "--subject", "constitution", *extra)
        self.assertIn("3 added, 0 updated, 0 unchanged, 0 retired", out)
        rc, exp = self.export(db, code)
        self.assertEqual(rc, 0)
        return exp

    def test_csv_encodings_import_the_same(self):
        text_rows = ODD_ROWS
        variants = {
            "utf8-bom-crlf.csv": csv_bytes(text_rows, "utf-8-sig", "\r\n"),
            "utf8-lf.csv": csv_bytes(text_rows, "utf-8", "\n"),
            "gb18030-crlf.csv": csv_bytes(text_rows, "gb18030", "\r\n"),
        }
        self.assertNotEqual(variants["gb18030-crlf.csv"][:3], b"\xef\xbb\xbf")
        with self.assertRaises(UnicodeDecodeError):
            variants["gb18030-crlf.csv"].decode("utf-8")
        exports = {n: self.import_into_fresh(n, d) for n, d in variants.items()}
        first = exports["utf8-bom-crlf.csv"]
        for n, e in exports.items():
            self.assertEqual(e, first, "%s exports differently" % n)
        doc = json.loads(first)
        self.assertEqual(doc["bank"], {"code": "e2e-enc", "title": "编码测试", "subject": "constitution"})
        self.assertEqual(doc["questions"], [canonical(q) for q in ODD_QUESTIONS])
        # and the export, imported as JSON, is the same bank again
        json_export = self.import_into_fresh("export.json", first.encode())
        self.assertEqual(json_export, first)

    @L.requires(openpyxl is not None, "openpyxl missing (Debian: python3-openpyxl)")
    def test_xlsx_openpyxl(self):
        rows = [r[:] for r in ODD_ROWS]
        exp_csv = self.import_into_fresh("ref.csv", csv_bytes(rows))
        data = xlsx_bytes(rows, numeric=("难度",))
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
        self.assertRegex(sheet, r'<c r="O2"[^>]*><v>2</v></c>')  # 难度 is a number cell
        self.assertIn('r="Q1"', sheet)  # the empty trailing column is in the file
        self.assertEqual(self.import_into_fresh("book.xlsx", data), exp_csv)

    @L.requires(openpyxl is not None, "openpyxl missing (Debian: python3-openpyxl)")
    def test_xlsx_number_cells_and_trailing_columns(self):
        # 编号 and 难度 as numbers, a trailing column whose header is empty, Chinese headers in another order
        order = ["题型", "编号", "题干", "答案", "选项A", "选项B", "难度", "标签"]
        rows = [order + ["", ""],
                ["单选", "1001", "数字编号的题", "B", "甲", "乙", "3", "", "", ""],
                ["判断", "1002", "判断题用√", "√", "", "", "1", "", "", ""],
                ["判断", "1003", "判断题用×", "×", "", "", "", "", "", ""]]
        wb = openpyxl.Workbook()
        ws = wb.active
        for r in rows:
            ws.append([int(v) if v.isdigit() else (v or None) for v in r])
        ws.cell(row=1, column=9).value = ""  # an empty header cell written as a string
        for r in range(1, 5):
            ws.cell(row=r, column=10).fill = PatternFill("solid", fgColor="00FF00")
        out = io.BytesIO()
        wb.save(out)
        d, db = self.fresh_db()
        path = self.write(d, "numbers.xlsx", out.getvalue())
        res = self.admin_ok(db, "bank", "import", path, "--bank", "nums", "--title", "数字", "--subject", "s")
        self.assertIn("3 added", res)
        qs = self.export_doc(db, "nums")["questions"]
        self.assertEqual([(q["id"], q["answer"], q["difficulty"]) for q in qs],
                         [("1001", "B", 3), ("1002", "T", 1), ("1003", "F", 3)])

    def test_xlsx_shared_strings_and_first_sheet(self):
        exp_csv = self.import_into_fresh("ref.csv", csv_bytes(ODD_ROWS))
        data = handmade_xlsx(ODD_ROWS, numeric=("难度",), first_sheet_file="sheet2.xml")
        self.assertEqual(self.import_into_fresh("excel.xlsx", data), exp_csv)

    def test_csv_trailing_empty_columns_and_english_header(self):
        rows = [EN_HEADER + ["", ""]] + [r + ["", ""] for r in ODD_ROWS[1:]]
        exp = self.import_into_fresh("ref.csv", csv_bytes(ODD_ROWS))
        self.assertEqual(self.import_into_fresh("en.csv", csv_bytes(rows, "utf-8", "\n")), exp)

    def test_judge_answers_people_write(self):
        words = [("对", "T"), ("错", "F"), ("√", "T"), ("×", "F"), ("正确", "T"), ("错误", "F"), ("T", "T"),
                 ("F", "F")]
        rows = [HEADER] + [["J-%d" % i, "判断", "判断题 %d" % i] + [""] * 8 + [w, "", "", "", ""]
                           for i, (w, _) in enumerate(words)]
        fmts = [("csv", csv_bytes(rows, "utf-8-sig")), ("gb.csv", csv_bytes(rows, "gb18030"))]
        if openpyxl:
            fmts.append(("xlsx", xlsx_bytes(rows)))
        for ext, data in fmts:
            with self.subTest(fmt=ext):
                d, db = self.fresh_db()
                path = self.write(d, "judge." + ext, data)
                self.admin_ok(db, "bank", "import", path, "--bank", "judge", "--title", "判断", "--subject", "s")
                qs = self.export_doc(db, "judge")["questions"]
                self.assertEqual([q["answer"] for q in qs], [k for _, k in words])

    def test_format_flag_overrides_extension(self):
        d, db = self.fresh_db()
        path = self.write(d, "bank.txt", csv_bytes(ODD_ROWS))
        self.admin_ok(db, "bank", "import", path, "--format", "csv", "--bank", "fmt", "--title", "t", "--subject", "s")
        self.assertEqual(len(self.export_doc(db, "fmt")["questions"]), 3)

    def test_new_table_bank_keeps_or_requires_title(self):
        """bank.h: for CSV/XLSX a missing --title/--subject means "keep what is stored", and is
        refused for a new bank."""
        d, db = self.fresh_db()
        path = self.write(d, "t.csv", csv_bytes(ODD_ROWS))
        rc, out, err = self.admin(db, "bank", "import", path, "--bank", "untitled")
        self.assertNotEqual(rc, 0, "a new bank without a title was created:\n%s" % out)
        self.assertEqual(self.export(db, "untitled")[0], 1)
        self.admin_ok(db, "bank", "import", path, "--bank", "titled", "--title", "有标题", "--subject", "civil-code")
        out = self.admin_ok(db, "bank", "import", path, "--bank", "titled")
        self.assertIn("0 added, 0 updated, 3 unchanged", out)
        self.assertEqual(self.export_doc(db, "titled")["bank"],
                         {"code": "titled", "title": "有标题", "subject": "civil-code"})

    def test_bundled_banks_round_trip(self):
        d, db = self.fresh_db()
        banks = os.path.join(L.SOURCE_DIR, "question-bank", "banks")
        files = sorted(os.path.join(banks, f) for f in os.listdir(banks) if f.endswith(".json"))
        self.assertTrue(files)
        out = self.admin_ok(db, "bank", "import", *files)
        self.assertEqual(out.count(" 0 updated, 0 unchanged, 0 retired"), len(files), out)
        for f in files:
            with open(f, encoding="utf-8") as fh:
                src = json.load(fh)
            code = src["bank"]["code"]
            rc, exp = self.export(db, code)
            self.assertEqual(rc, 0)
            doc = json.loads(exp)
            self.assertEqual(doc["bank"], src["bank"])
            self.assertEqual(doc["questions"], [canonical(q) for q in src["questions"]], code)
            p = self.write(d, code + ".export.json", exp)
            out = self.admin_ok(db, "bank", "import", p)
            self.assertIn("0 added, 0 updated, %d unchanged, 0 retired" % len(src["questions"]), out)

    @L.requires(openpyxl is not None, "openpyxl missing (Debian: python3-openpyxl)")
    def test_template_imports(self):
        tdir = os.path.join(L.SOURCE_DIR, "question-bank", "templates")
        for name in ("bank-template.csv", "bank-template.xlsx"):
            path = os.path.join(tdir, name)
            if not os.path.exists(path):
                continue
            with self.subTest(template=name):
                d, db = self.fresh_db()
                out = self.admin_ok(db, "bank", "import", path, "--bank", "tpl", "--title", "模板", "--subject", "s")
                self.assertRegex(out, r"[1-9]\d* added")


# --- import semantics: versions, retire, attempts ---------------------------------------------


def rt_questions():
    qs = [_q("RT-%02d" % i, type="judge", stem="判断题第 %d 题" % i, answer="T" if i % 2 else "F",
             explanation="解析 %d" % i) for i in range(1, 5)]
    qs += [_q("RS-%02d" % i, stem="单选题第 %d 题" % i, answer="ABCD"[i % 4]) for i in range(1, 4)]
    return qs


class ImportSemanticsTest(BankTestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server(*FAST)
        for login in ("u1", "u2", "u3"):
            cls.srv.add_user(login, category="general")

    def setUp(self):
        super().setUp()
        self.db = self.srv.db
        self.d = self.srv.dir

    def imp(self, code, questions, *extra, name=None):
        path = self.write(self.d, name or (code + ".json"),
                          json.dumps(bank_doc(questions, code=code, title="语义测试"), ensure_ascii=False, indent=1))
        return self.admin_ok(self.db, "bank", "import", path, *extra)

    def test_round_trip_unchanged(self):
        code = "rt-unch"
        out = self.imp(code, rt_questions())
        self.assertIn("7 added, 0 updated, 0 unchanged, 0 retired", out)
        rc, exp = self.export(self.db, code)
        before = self.snapshot(self.db, [code])
        p = self.write(self.d, "rt-export.json", exp)
        out = self.admin_ok(self.db, "bank", "import", p)
        self.assertIn("0 added, 0 updated, 7 unchanged, 0 retired", out)
        after = self.snapshot(self.db, [code])
        for k in ("list", "export " + code, "banks", "questions", "question_versions"):
            self.assertEqual(before[k], after[k], k)
        # an exported CSV-born bank, too
        csv_path = self.write(self.d, "rt.csv", csv_bytes(ODD_ROWS))
        self.admin_ok(self.db, "bank", "import", csv_path, "--bank", "rt-csv", "--title", "t", "--subject", "s")
        rc, exp = self.export(self.db, "rt-csv")
        out = self.admin_ok(self.db, "bank", "import", self.write(self.d, "rt-csv.json", exp))
        self.assertIn("0 added, 0 updated, 3 unchanged, 0 retired", out)
        out = self.admin_ok(self.db, "bank", "import", csv_path, "--bank", "rt-csv")
        self.assertIn("0 added, 0 updated, 3 unchanged, 0 retired", out)

    def test_export_to_file_equals_stdout(self):
        code = "rt-out"
        self.imp(code, rt_questions())
        rc, exp = self.export(self.db, code)
        self.assertEqual(rc, 0)
        path = os.path.join(self.d, "rt-out.json")
        self.admin_ok(self.db, "bank", "export", code, "-o", path)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), exp)
        self.assertTrue(exp.endswith("}\n") and not exp.endswith("\n\n"), repr(exp[-10:]))
        self.assertEqual(json.loads(exp)["questions"], [canonical(q) for q in rt_questions()])

    def test_key_only_change_updates_in_place(self):
        code = "rt-key"
        qs = rt_questions()
        self.imp(code, qs)
        cur0, _, v0 = self.versions(self.db, code, "RS-02")
        self.assertEqual(len(v0), 1)
        qs[5]["answer"] = "A"  # RS-02: C → A
        before = self.snapshot(self.db, [code])
        out = self.imp(code, qs, "--dry-run")
        self.assertIn("dry run", out)
        self.assertIn("0 added, 1 updated, 6 unchanged, 0 retired", out)
        after = self.snapshot(self.db, [code])
        for k in ("export " + code, "questions", "question_versions", "audit_log"):
            self.assertEqual(before[k], after[k], "dry run changed " + k)
        out = self.imp(code, qs)
        self.assertIn("0 added, 1 updated, 6 unchanged, 0 retired", out)
        exp = self.export_doc(self.db, code)
        self.assertEqual({q["id"]: q["answer"] for q in exp["questions"]}["RS-02"], "A")
        cur, active, vs = self.versions(self.db, code, "RS-02")
        self.assertEqual(len(vs), 1, vs)
        self.assertEqual((cur, vs[0][0], vs[0][1], vs[0][4]), (cur0, v0[0][0], 1, "A"))
        self.assertEqual(active, 1)
        # explanation, basis, difficulty, tags: also in place
        qs[0].update(explanation="新解析", basis="《宪法》第一条", difficulty=4, tags=["新标签"])
        out = self.imp(code, qs)
        self.assertIn("0 added, 1 updated, 6 unchanged", out)
        self.assertEqual(len(self.versions(self.db, code, "RT-01")[2]), 1)
        self.assertEqual(self.export_doc(self.db, code)["questions"][0], canonical(qs[0]))

    def test_content_change_makes_new_version(self):
        code = "rt-stem"
        qs = rt_questions()
        self.imp(code, qs)
        old_stem = qs[4]["stem"]
        qs[4]["stem"] = "单选题第 1 题（修订）"
        out = self.imp(code, qs)
        self.assertIn("0 added, 1 updated, 6 unchanged, 0 retired", out)
        cur, active, vs = self.versions(self.db, code, "RS-01")
        self.assertEqual([(v[1], v[2]) for v in vs], [(1, old_stem), (2, qs[4]["stem"])])
        self.assertEqual(cur, vs[1][0])
        # options change → version 3; reordering options is a change too
        qs[4]["options"] = ["甲项", "乙项", "丙项", "戊项"]
        self.assertIn("1 updated", self.imp(code, qs))
        qs[5]["options"] = ["乙项", "甲项", "丙项", "丁项"]
        qs[5]["answer"] = "D"
        self.assertIn("1 updated", self.imp(code, qs))
        qs[6]["type"] = "multiple"
        qs[6]["answer"] = "AD"
        self.assertIn("1 updated", self.imp(code, qs))
        for qid, n in (("RS-01", 3), ("RS-02", 2), ("RS-03", 2)):
            cur, active, vs = self.versions(self.db, code, qid)
            self.assertEqual([v[1] for v in vs], list(range(1, n + 1)), qid)
            self.assertEqual(cur, vs[-1][0], qid)
        self.assertEqual(self.export_doc(self.db, code)["questions"], [canonical(q) for q in qs])
        # and importing the same again: all unchanged, no new version
        self.assertIn("0 added, 0 updated, 7 unchanged", self.imp(code, qs))
        self.assertEqual(len(self.versions(self.db, code, "RS-01")[2]), 3)

    def bank_counts(self, code):
        out = self.admin_ok(self.db, "bank", "list")
        for line in out.splitlines():
            if line.startswith(code + "\t"):
                m = re.search(r"(\d+) active \(single (\d+), multiple (\d+), judge (\d+)\), (\d+) retired", line)
                self.assertTrue(m, line)
                return tuple(int(x) for x in m.groups())
        self.fail("bank %s not in bank list:\n%s" % (code, out))

    def test_retire_missing_and_attempts(self):
        code = "rt-ret"
        qs = [_q("JR-%d" % i, type="judge", stem="退役测试判断题 %d" % i, answer="T") for i in range(1, 5)]
        self.imp(code, qs)
        self.assertEqual(self.bank_counts(code), (4, 0, 0, 4, 0))
        exam = {"format": "lawexam-exam/1", "code": "ret-exam", "title": "退役测试",
                "opens_at": "2026-01-01T08:00:00+08:00", "closes_at": "2099-12-20T18:00:00+08:00",
                "duration_minutes": 60, "pass_percent": 60, "max_attempts": 1,
                "multiple_scoring": "all_or_nothing", "results": "immediate", "review": "immediate",
                "papers": [{"categories": ["general"], "sections": [
                    {"title": "判断", "bank": code, "type": "judge", "count": 4, "points": 1}]}]}
        self.admin_ok(self.db, "exam", "create", self.write(self.d, "ret-exam.json", json.dumps(exam, ensure_ascii=False)))
        c1 = self.srv.client()
        c1.login("u1", PW)
        r = c1.post("/api/v1/exams/ret-exam/attempts", json={})
        self.assertIn(r.status, (200, 201), r.body)
        a1 = r.body
        stems1 = sorted(q["stem"] for q in a1["questions"])
        self.assertEqual(stems1, sorted(q["stem"] for q in qs))

        # without --retire-missing, an absent question stays active
        new = qs[1:] + [_q("JR-5", type="judge", stem="退役测试判断题 5", answer="F")]
        out = self.imp(code, new)
        self.assertIn("1 added, 0 updated, 3 unchanged, 0 retired", out)
        self.assertEqual(self.bank_counts(code), (5, 0, 0, 5, 0))
        # dry run with --retire-missing: counted, nothing retired
        out = self.imp(code, new, "--retire-missing", "--dry-run")
        self.assertIn("0 added, 0 updated, 4 unchanged, 1 retired", out)
        self.assertEqual(self.bank_counts(code), (5, 0, 0, 5, 0))
        out = self.imp(code, new, "--retire-missing")
        self.assertIn("0 added, 0 updated, 4 unchanged, 1 retired", out)
        self.assertEqual(self.bank_counts(code), (4, 0, 0, 4, 1))
        self.assertNotIn("JR-1", [q["id"] for q in self.export_doc(self.db, code)["questions"]])
        self.assertEqual(self.versions(self.db, code, "JR-1")[1], 0)

        # a new attempt draws only active questions
        c2 = self.srv.client()
        c2.login("u2", PW)
        r = c2.post("/api/v1/exams/ret-exam/attempts", json={})
        self.assertIn(r.status, (200, 201), r.body)
        stems2 = sorted(q["stem"] for q in r.body["questions"])
        self.assertEqual(stems2, sorted(q["stem"] for q in new))
        self.assertNotIn("退役测试判断题 1", stems2)
        # the earlier attempt still shows the retired question, resumed or fetched
        r = c1.get("/api/v1/attempts/%d" % a1["id"])
        self.assertStatus(r, 200)
        self.assertEqual(sorted(q["stem"] for q in r.body["questions"]), stems1)
        r = c1.post("/api/v1/exams/ret-exam/attempts", json={})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["id"], a1["id"])
        self.assertIn("退役测试判断题 1", [q["stem"] for q in r.body["questions"]])
        # answer everything T and submit: the retired question is graded as drawn
        answers = [{"position": q["position"], "response": "T", "seq": 1} for q in a1["questions"]]
        self.assertStatus(c1.put("/api/v1/attempts/%d/answers" % a1["id"], json={"answers": answers}), 200)
        r = c1.post("/api/v1/attempts/%d/submit" % a1["id"], json={})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["result"]["score"], 4)
        r = c1.get("/api/v1/attempts/%d/review" % a1["id"])
        self.assertStatus(r, 200)
        self.assertIn("退役测试判断题 1", json.dumps(r.body, ensure_ascii=False))

        # a stem change after an attempt drew the question: the old attempt keeps the old text
        new2 = [dict(q) for q in new]
        new2[0]["stem"] = "退役测试判断题 2（新版）"
        self.assertIn("1 updated", self.imp(code, new2))
        r = c1.get("/api/v1/attempts/%d" % a1["id"])
        self.assertIn("退役测试判断题 2", [q["stem"] for q in r.body["questions"]])
        self.assertNotIn("退役测试判断题 2（新版）", [q["stem"] for q in r.body["questions"]])
        c3 = self.srv.client()
        c3.login("u3", PW)
        r = c3.post("/api/v1/exams/ret-exam/attempts", json={})
        self.assertIn(r.status, (200, 201), r.body)
        self.assertIn("退役测试判断题 2（新版）", [q["stem"] for q in r.body["questions"]])

        # bringing the retired question back makes it active again
        out = self.imp(code, new2 + [qs[0]])
        self.assertIn("0 added, 1 updated, 4 unchanged, 0 retired", out)
        self.assertEqual(self.bank_counts(code), (5, 0, 0, 5, 0))


# --- the upload API ----------------------------------------------------------------------------


class UploadApiTest(BankTestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server(*FAST)
        cls.srv.add_user("adm", category="general", roles="admin")
        cls.srv.add_user("exa", category="general", roles="examinee")
        cls.srv.add_user("hr", category="general", roles="hr")

    def setUp(self):
        super().setUp()
        self.db = self.srv.db
        self.adm = self.srv.client()
        self.adm.login("adm", PW)

    def upload(self, client, data, **query):
        """The file as the body (≤ 1 MiB), else in parts through /admin/uploads (uploads.py)."""
        return import_file(client, "/api/v1/admin/banks", data, **query)

    def test_csv_dry_run_then_real(self):
        data = csv_bytes(ODD_ROWS, "gb18030")
        meta = dict(format="csv", bank="api-csv", title="接口题库", subject="constitution")
        before = self.snapshot(self.db, ["api-csv"])
        r = self.upload(self.adm, data, dry_run=1, **meta)
        self.assertStatus(r, 200)
        self.assertEqual((r.body["bank"], r.body["added"], r.body["updated"], r.body["unchanged"], r.body["retired"]),
                         ("api-csv", 3, 0, 0, 0))
        after = self.snapshot(self.db, ["api-csv"])
        for k in before:
            self.assertEqual(before[k], after[k], "dry run changed " + k)
        self.assertEqual(after["export api-csv"][0], 1)
        r = self.upload(self.adm, data, **meta)
        self.assertStatus(r, 200)
        self.assertEqual((r.body["added"], r.body["updated"], r.body["unchanged"], r.body["retired"]), (3, 0, 0, 0))
        doc = self.export_doc(self.db, "api-csv")
        self.assertEqual(doc["bank"], {"code": "api-csv", "title": "接口题库", "subject": "constitution"})
        self.assertEqual(doc["questions"], [canonical(q) for q in ODD_QUESTIONS])
        r = self.adm.get("/api/v1/admin/banks")
        self.assertStatus(r, 200)
        mine = [b for b in r.body["banks"] if b["code"] == "api-csv"]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["active"], mine[0]["retired"], mine[0]["title"]), (3, 0, "接口题库"))
        self.assertEqual(mine[0]["by_type"], {"single": 1, "multiple": 1, "judge": 1})
        # again: unchanged; a key change: updated
        r = self.upload(self.adm, data, **meta)
        self.assertEqual((r.body["added"], r.body["updated"], r.body["unchanged"]), (0, 0, 3))
        rows = [row[:] for row in ODD_ROWS]
        rows[3][HEADER.index("答案")] = "AB"
        r = self.upload(self.adm, csv_bytes(rows), **meta)
        self.assertStatus(r, 200)
        self.assertEqual((r.body["added"], r.body["updated"], r.body["unchanged"]), (0, 1, 2))

    def test_json_and_xlsx_uploads_detected(self):
        doc = bank_doc(rt_questions(), code="api-json", title="接口JSON")
        r = self.upload(self.adm, json.dumps(doc, ensure_ascii=False).encode())
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 7)
        self.assertEqual(self.export_doc(self.db, "api-json")["questions"], [canonical(q) for q in rt_questions()])
        if openpyxl:
            r = self.upload(self.adm, xlsx_bytes(ODD_ROWS, numeric=("难度",)), bank="api-xlsx", title="表格",
                            subject="s")
            self.assertStatus(r, 200)
            self.assertEqual(r.body["added"], 3)
            self.assertEqual(self.export_doc(self.db, "api-xlsx")["questions"], [canonical(q) for q in ODD_QUESTIONS])

    def test_bad_csv_422_with_details(self):
        rows = [row[:] for row in ODD_ROWS]
        rows[2][HEADER.index("答案")] = "也许"  # ENC-2 is row 3 of the sheet, after ENC-1's multi-line cells
        rows[3][HEADER.index("题型")] = "问答"
        before = self.snapshot(self.db, ["api-bad"])
        r = self.upload(self.adm, csv_bytes(rows), format="csv", bank="api-bad", title="t", subject="s")
        self.assertStatus(r, 422, "invalid_bank")
        det = r.body["error"]["details"]
        self.assertEqual([d["where"] for d in det], ["bank.csv:ROW 3: column 答案", "bank.csv:ROW 4: column 题型"])
        self.assertRegex(det[0]["message"], r'判断题的答案 "也许" 无法识别')
        self.assertRegex(det[1]["message"], r'题型 "问答" 无法识别')
        self.assertTrue(r.body["error"]["message"])
        # a bad JSON upload names the line
        text = _bad_json_file(_q("V-BAD", answer="AB"))
        r = self.upload(self.adm, text.encode(), format="json")
        self.assertStatus(r, 422, "invalid_bank")
        self.assertEqual(r.body["error"]["details"][0]["where"],
                         "bank.json:%d" % line_of(text, '"id": "V-BAD"', '"answer"'))
        # a new bank from a table needs a title and a subject (dry run or not)
        for dry in (1, 0):
            r = self.upload(self.adm, csv_bytes(ODD_ROWS), format="csv", bank="api-bad", dry_run=dry)
            self.assertEqual(r.status, 422, r.body)
        # bad parameters
        r = self.upload(self.adm, csv_bytes(ODD_ROWS), format="doc", bank="api-bad")
        self.assertEqual(r.status, 400, r.body)
        r = self.upload(self.adm, b"", format="csv", bank="api-bad")
        self.assertEqual(r.status, 400, r.body)
        r = self.upload(self.adm, csv_bytes(ODD_ROWS), format="csv", bank="Bad Code", title="t", subject="s")
        self.assertStatus(r, 422, "invalid_bank")
        after = self.snapshot(self.db, ["api-bad"])
        for k in before:
            self.assertEqual(before[k], after[k], "a refused upload changed " + k)

    def test_authorization(self):
        data = csv_bytes(ODD_ROWS)
        before = self.snapshot(self.db, ["api-auth"])
        anon = self.srv.client()
        r = self.upload(anon, data, format="csv", bank="api-auth", title="t", subject="s")
        self.assertEqual(r.status, 401, r.body)
        r = anon.get("/api/v1/admin/banks")
        self.assertEqual(r.status, 401, r.body)
        for login in ("exa", "hr"):
            c = self.srv.client()
            c.login(login, PW)
            r = self.upload(c, data, format="csv", bank="api-auth", title="t", subject="s")
            self.assertEqual(r.status, 403, "%s: %r" % (login, r.body))
            self.assertEqual(c.get("/api/v1/admin/banks").status, 403)
        # an admin session without the CSRF header
        r = self.adm.post("/api/v1/admin/banks?format=csv&bank=api-auth&title=t&subject=s", body=data, csrf=False)
        self.assertStatus(r, 403, "csrf")
        after = self.snapshot(self.db, ["api-auth"])
        for k in before:
            self.assertEqual(before[k], after[k], "a refused upload changed " + k)
        # an admin API token needs no CSRF header
        tok = self.srv.client(token=self.srv.token("adm"))
        r = self.upload(tok, data, format="csv", bank="api-auth", title="t", subject="s")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 3)

    def test_upload_larger_than_1mib_accepted(self):
        rows = [HEADER] + [["BIG-%05d" % i, "单选", "大文件题干 %d " % i + "宪法" * 150, "甲", "乙", "丙", "丁",
                            "", "", "", "", "ABCD"[i % 4], "", "", "", ""] for i in range(1500)]
        data = csv_bytes(rows)
        self.assertGreater(len(data), 1 << 20)
        r = self.upload(self.adm, data, format="csv", bank="api-big", title="大题库", subject="s")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 1500)

    def test_upload_over_32mib_refused(self):
        # headers only: the server must refuse from Content-Length, before reading the body
        # (any body over 1 MiB is: larger files come in parts, test_uploads.py)
        req = ("POST /api/v1/admin/banks?format=csv&bank=api-huge&title=t&subject=s HTTP/1.1\r\nHost: x\r\n"
               "Cookie: lawexam_session=%s\r\nX-CSRF-Token: %s\r\nContent-Type: text/csv\r\n"
               "Content-Length: %d\r\n\r\n" % (self.adm.cookie, self.adm.csrf, 32 * 1024 * 1024 + 1))
        self.assertEqual(L.raw_status(L.raw_tls(self.srv, req.encode(), timeout=5)), 413)
        # and in parts, the part that goes past 32 MiB gets 413, never a 200
        with self.assertRaises(UploadError) as cm:
            self.upload(self.adm, b"x" * (32 * 1024 * 1024 + 1024), format="csv", bank="api-huge",
                        title="t", subject="s")
        self.assertStatus(cm.exception.reply, 413, "too_large")
        self.assertEqual(self.export(self.db, "api-huge")[0], 1)
        self.assertStatus(self.srv.client().get("/healthz"), 200)

if __name__ == "__main__":
    unittest.main()
