#!/usr/bin/python3
"""make_docx_template.py — writes bank-template.docx from bank-template.txt: every line a
Word paragraph, headings and the title in bold, so the Word template shows the same rules
as the text template (SPEC §4.5, docs/question-banks.md). Standard library only.

    python3 question-bank/templates/make_docx_template.py [OUTDIR]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docx_writer import Para, write_docx  # noqa: E402

HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、)?【?(?:单选题|多选题|判断题)】?$")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else here
    with open(os.path.join(here, "bank-template.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    paras = [Para(line, bold=(i == 0 or bool(HEADING.match(line)))) for i, line in enumerate(lines)]
    write_docx(os.path.join(outdir, "bank-template.docx"), paras)


if __name__ == "__main__":
    main()
