#!/usr/bin/python3
"""make_template.py — writes the question-bank templates that administrators fill in:
bank-template.csv (UTF-8 with BOM, CRLF, as Excel on a Chinese Windows reads it) and
bank-template.xlsx (bold header, column widths, a 题型 drop-down, a 说明 sheet after the
data sheet). Both hold the same rows: one example per question type, from the Constitution.

    /usr/bin/python3 question-bank/templates/make_template.py [OUTDIR]

Needs the Debian package python3-openpyxl (hence /usr/bin/python3). The column names are those of SPEC §4.2 (docs/question-banks.md).
"""
import csv
import datetime
import os
import sys

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

HEADER = ["编号", "题型", "题干",
          "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "选项G", "选项H",
          "答案", "解析", "依据", "难度", "标签"]

# (id, type, stem, options A.., answer, explanation, basis, difficulty, tags)
ROWS = [
    ("TPL-0001", "单选", "中华人民共和国的最高国家权力机关是：",
     ["全国人民代表大会", "全国人民代表大会常务委员会", "国务院", "最高人民法院"],
     "A",
     "宪法第五十七条规定，中华人民共和国全国人民代表大会是最高国家权力机关；"
     "它的常设机关是全国人民代表大会常务委员会。",
     "《中华人民共和国宪法》第五十七条", 1, "国家机构；全国人民代表大会"),
    ("TPL-0002", "多选", "根据宪法，中华人民共和国公民享有下列哪些自由？",
     ["言论、出版的自由", "集会、结社的自由", "游行、示威的自由", "罢工的自由"],
     "ABC",
     "宪法第三十五条规定，中华人民共和国公民有言论、出版、集会、结社、游行、示威的自由。"
     "现行宪法没有规定罢工的自由。",
     "《中华人民共和国宪法》第三十五条", 2, "公民的基本权利"),
    ("TPL-0003", "判断", "宪法的修改，由全国人民代表大会以全体代表的过半数通过。",
     [],
     "错误",
     "宪法第六十四条第一款规定，宪法的修改由全国人民代表大会以全体代表的三分之二以上的多数通过；"
     "以全体代表的过半数通过的是法律和其他议案（第二款）。",
     "《中华人民共和国宪法》第六十四条", 2, "宪法修改"),
]

NOTES = [
    ("编号", "必填。英文字母、数字、下划线、点、连字符，1–64 个字符，题库内不能重复。再次导入时按编号更新题目。"),
    ("题型", "必填。单选、多选 或 判断（也可写 single、multiple、judge）。"),
    ("题干", "必填。单元格内可以换行。"),
    ("选项A–选项H", "单选题、多选题至少填 2 个选项，从 A 开始连续填写，不能重复；判断题不填选项。"),
    ("答案", "必填。单选填一个字母，如 B；多选填两个以上字母，如 ACD、A,C,D 均可；"
             "判断题填 正确/错误、对/错、√/×、T/F。"),
    ("解析", "选填。答题结束后按考试设置向考生显示。"),
    ("依据", "选填。法条依据，如 《中华人民共和国宪法》第五条。列名也可写作 法条依据。"),
    ("难度", "选填。1–5 的整数，留空为 3。"),
    ("标签", "选填。多个标签用 ; ； , ， 分隔。组卷时可按标签抽题。"),
    ("其他", "只读取第一个工作表；第一行是表头，列的顺序不限；不要增加其他列。"),
]

WIDTHS = {"编号": 12, "题型": 8, "题干": 48, "答案": 8, "解析": 48, "依据": 30, "难度": 6, "标签": 22}


def row_cells(r):
    qid, qtype, stem, options, answer, expl, basis, diff, tags = r
    opts = list(options) + [""] * (8 - len(options))
    return [qid, qtype, stem] + opts + [answer, expl, basis, diff, tags]


def write_csv(path):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        for r in ROWS:
            w.writerow(row_cells(r))


def write_xlsx(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(HEADER)
    for r in ROWS:
        ws.append(row_cells(r))
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = head_font
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, name in enumerate(HEADER):
        letter = ws.cell(row=1, column=i + 1).column_letter
        ws.column_dimensions[letter].width = WIDTHS.get(name, 18)
    ws.freeze_panes = "A2"
    dv = DataValidation(type="list", formula1='"单选,多选,判断"', allow_blank=True,
                        showErrorMessage=True, errorTitle="题型",
                        error="题型应为 单选、多选 或 判断")
    ws.add_data_validation(dv)
    dv.add("B2:B5000")
    diff = DataValidation(type="whole", operator="between", formula1="1", formula2="5",
                          allow_blank=True, showErrorMessage=True, errorTitle="难度",
                          error="难度应为 1 到 5 的整数，留空为 3")
    ws.add_data_validation(diff)
    diff.add("O2:O5000")

    notes = wb.create_sheet("说明")
    notes.append(["列", "填写说明"])
    for n in NOTES:
        notes.append(list(n))
    for cell in notes[1]:
        cell.font = head_font
        cell.fill = head_fill
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 100
    fixed = datetime.datetime(2026, 1, 1)
    wb.properties.creator = "lawexam"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(path)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    write_csv(os.path.join(outdir, "bank-template.csv"))
    write_xlsx(os.path.join(outdir, "bank-template.xlsx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
