#!/usr/bin/python3
"""bank_import_bench.py — times `lawexam-admin bank import` on a 20,000-question bank.

Generates one synthetic bank of N questions (default 20,000, the cap of one bank file) —
a third each single, multiple and judge; stems of 40–160 CJK characters, options of 6–30,
explanations, bases, difficulties and 1–3 tags, a few cells holding commas, quotes and
newlines — and writes it as a CSV (UTF-8 with BOM, CRLF, RFC 4180) and an XLSX (openpyxl
write_only). Each case runs --runs times under /usr/bin/time -v, each time into a fresh
database made by `lawexam-admin init` (not timed):

    csv         lawexam-admin --db DB bank import bank.csv  --bank bench --title … --subject …
    xlsx        lawexam-admin --db DB bank import bank.xlsx --bank bench --title … --subject …
    json        lawexam-admin --db DB bank import bank.json          (the export of the above)
    csv again   the CSV imported a second time into a database holding it (all unchanged)
    dry run     the CSV with --dry-run into an empty database

and prints the median wall time and the largest "Maximum resident set size" of each as a
Markdown table, with the input sizes (see docs/benchmarks-banks.md).

usage: tools/bench/bank_import_bench.py [--admin PATH] [--questions N] [--runs N] [--keep DIR]
"""
import argparse
import csv
import io
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HEADER = (["编号", "题型", "题干"] + ["选项" + k for k in "ABCDEFGH"] +
          ["答案", "解析", "依据", "难度", "标签"])
CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
TAGS = ["宪法", "民法典", "党章", "纪律处分条例", "长江保护法", "反电信网络诈骗法", "未成年人保护法",
        "安全生产法", "总纲", "公民权利", "国家机构", "物权", "合同", "侵权责任", "婚姻家庭", "继承"]
TIME_RE = {
    "wall": re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)"),
    "rss": re.compile(r"Maximum resident set size \(kbytes\): (\d+)"),
    "user": re.compile(r"User time \(seconds\): ([\d.]+)"),
    "sys": re.compile(r"System time \(seconds\): ([\d.]+)"),
}


def text(rnd, lo, hi):
    return "".join(rnd.choice(CJK) for _ in range(rnd.randint(lo, hi)))


def make_rows(n, seed=20261201):
    rnd = random.Random(seed)
    rows = [HEADER]
    for i in range(n):
        kind = ("单选", "多选", "判断")[i % 3]
        stem = text(rnd, 40, 160)
        if i % 97 == 0:
            stem += '，含"引号"和逗号,以及\n第二行'
        opts = []
        if kind != "判断":
            k = rnd.randint(4, 6) if kind == "多选" else 4
            while len(opts) < k:
                o = text(rnd, 6, 30)
                if o not in opts:
                    opts.append(o)
        if kind == "单选":
            ans = "ABCD"[rnd.randrange(4)]
        elif kind == "多选":
            ans = "".join(sorted(rnd.sample("ABCDEF"[:len(opts)], rnd.randint(2, len(opts)))))
        else:
            ans = rnd.choice(["正确", "错误", "对", "错", "√", "×", "T", "F"])
        rows.append(["B-%05d" % (i + 1), kind, stem] + opts + [""] * (8 - len(opts)) +
                    [ans, text(rnd, 20, 120), "《中华人民共和国宪法》第%d条" % rnd.randint(1, 143),
                     str(rnd.randint(1, 5)), "；".join(rnd.sample(TAGS, rnd.randint(1, 3)))])
    return rows


def write_csv(rows, path):
    s = io.StringIO()
    csv.writer(s, lineterminator="\r\n").writerows(rows)
    with open(path, "wb") as f:
        f.write(s.getvalue().encode("utf-8-sig"))


def write_xlsx(rows, path):
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("题库")
    diff = HEADER.index("难度")
    for r, row in enumerate(rows):
        out = [(v if v != "" else None) for v in row]
        if r > 0:
            out[diff] = int(row[diff])  # a number cell, as Excel stores it
        ws.append(out)
    wb.save(path)


def timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns dict wall (s), rss (KiB), user, sys."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
    res = {}
    for k, rx in TIME_RE.items():
        m = rx.search(p.stderr)
        if not m:
            raise SystemExit("cannot read %s from /usr/bin/time output:\n%s" % (k, p.stderr))
        if k == "wall":
            h, mnt, sec = m.groups()
            res[k] = int(h or 0) * 3600 + int(mnt) * 60 + float(sec)
        else:
            res[k] = float(m.group(1))
    res["stdout"] = p.stdout
    return res


def admin(adm, db, *args):
    p = subprocess.run([adm, "--db", db] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("lawexam-admin %s failed (%d): %s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--admin", default=os.path.join(here, "..", "..", "build", "lawexam-admin"))
    ap.add_argument("--questions", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="keep the generated files and databases in this directory")
    a = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        raise SystemExit("/usr/bin/time is missing: apt-get install time")
    adm = os.path.abspath(a.admin)
    work = a.keep or tempfile.mkdtemp(prefix="lawexam-bank-bench-")
    os.makedirs(work, exist_ok=True)
    meta = ["--bank", "bench", "--title", "基准测试题库", "--subject", "constitution"]
    try:
        t0 = time.monotonic()
        rows = make_rows(a.questions)
        csv_path, xlsx_path = os.path.join(work, "bank.csv"), os.path.join(work, "bank.xlsx")
        write_csv(rows, csv_path)
        write_xlsx(rows, xlsx_path)
        # the JSON: the export of the CSV import
        db0 = os.path.join(work, "ref.db")
        for p in (db0, db0 + "-wal", db0 + "-shm"):
            if os.path.exists(p):
                os.remove(p)
        admin(adm, db0, "init")
        admin(adm, db0, "bank", "import", csv_path, *meta)
        json_path = os.path.join(work, "bank.json")
        admin(adm, db0, "bank", "export", "bench", "-o", json_path)
        print("generated %d questions in %.1f s: csv %.1f MB, xlsx %.1f MB, json %.1f MB; database %.1f MB"
              % (a.questions, time.monotonic() - t0, os.path.getsize(csv_path) / 1e6,
                 os.path.getsize(xlsx_path) / 1e6, os.path.getsize(json_path) / 1e6,
                 os.path.getsize(db0) / 1e6), file=sys.stderr)

        cases = [
            ("csv", csv_path, meta, False, "%d added" % a.questions),
            ("xlsx", xlsx_path, meta, False, "%d added" % a.questions),
            ("json (export of the above)", json_path, [], False, "%d added" % a.questions),
            ("csv again (all unchanged)", csv_path, meta, True, "%d unchanged" % a.questions),
            ("csv --dry-run", csv_path, meta + ["--dry-run"], False, "%d added" % a.questions),
        ]
        results = []
        for name, path, extra, preload, expect in cases:
            runs = []
            for r in range(a.runs):
                db = os.path.join(work, "run.db")
                for p in (db, db + "-wal", db + "-shm"):
                    if os.path.exists(p):
                        os.remove(p)
                admin(adm, db, "init")
                if preload:
                    admin(adm, db, "bank", "import", path, *extra)
                res = timed([adm, "--db", db, "bank", "import", path] + extra)
                if expect not in res["stdout"]:
                    raise SystemExit("%s: unexpected output: %s" % (name, res["stdout"]))
                runs.append(res)
                print("  %-28s run %d: %.2f s wall, %.2f s user, %.2f s sys, %.0f MB RSS"
                      % (name, r + 1, res["wall"], res["user"], res["sys"], res["rss"] / 1024), file=sys.stderr)
            results.append((name, statistics.median(x["wall"] for x in runs),
                            statistics.median(x["user"] + x["sys"] for x in runs),
                            max(x["rss"] for x in runs), os.path.getsize(path)))
        print("| input (%d questions) | file size | median wall time | median CPU (user+sys) | max RSS |" % a.questions)
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, wall, cpu, rss, size in results:
            print("| %s | %.1f MB | %.2f s | %.2f s | %.0f MB |" % (name, size / 1e6, wall, cpu, rss / 1024))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
