#!/usr/bin/python3
"""report_bench.py — times the HR reports on a large synthetic population.

Creates a temporary database with `lawexam-admin init`, then writes directly with sqlite3:
100,000 assigned staff (examinee role) over a three-level unit tree (10 × 10 × 10 units)
in three categories, one exam scoped to all ten top-level units (so the scope test runs
for everyone) with a paper per category, and 100,000 attempts (85,000 staff submitted,
10,000 of them twice — retakes —, 5,000 have an attempt in progress, 10,000 never started). Then runs, each --runs times, under /usr/bin/time -v:

    lawexam-admin --db DB report pass-rates bench-2026 --by org --format json
    lawexam-admin --db DB report pass-rates bench-2026 --by org --depth 2 --format csv
    lawexam-admin --db DB report results bench-2026 --format csv -o FILE
    lawexam-admin --db DB report results bench-2026 --format xlsx -o FILE

and prints the median wall time and the largest "Maximum resident set size" of each as a
Markdown table (see docs/benchmarks-reports.md).

usage: tools/bench/report_bench.py [--admin PATH] [--staff N] [--runs N] [--keep DIR]
"""
import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

EXAM = "bench-2026"
CATEGORIES = ["leader", "enforcement", "general"]


def populate(db, staff, seed=20261201, con=None):
    """Writes the population into the SQLite file db, or through con (an open DB-API
    connection with sqlite3's surface, e.g. the e2e harness's PostgreSQL one; not closed)."""
    rnd = random.Random(seed)
    own = con is None
    if own:
        con = sqlite3.connect(db)
        con.execute("PRAGMA synchronous=OFF")
    cur = con.cursor()
    cur.execute("BEGIN")
    units = []  # leaf unit ids
    uid = 0
    for a in range(10):
        uid += 1
        top = uid
        cur.execute("INSERT INTO org_units(id, path, parent_id, depth) VALUES(?,?,NULL,1)", (top, f"第{a}区"))
        for b in range(10):
            uid += 1
            mid = uid
            cur.execute("INSERT INTO org_units(id, path, parent_id, depth) VALUES(?,?,?,2)",
                        (mid, f"第{a}区/第{b}局", top))
            for c in range(10):
                uid += 1
                cur.execute("INSERT INTO org_units(id, path, parent_id, depth) VALUES(?,?,?,3)",
                            (uid, f"第{a}区/第{b}局/第{c}科", mid))
                units.append(uid)
    now = int(time.time())
    cur.execute(
        "INSERT INTO exams(id, code, title, opens_at, closes_at, duration_s, pass_percent, max_attempts,"
        " multiple_scoring, results, review, definition, created_at)"
        " VALUES(1, ?, '基准测试考试', ?, ?, 3600, 60, 2, 'all_or_nothing', 'immediate', 'never', '{}', ?)",
        (EXAM, now - 86400, now + 86400, now))
    for a in range(10):  # a scope naming every district: the scope test runs for everyone
        cur.execute("INSERT INTO exam_scope(exam_id, org_path) VALUES(1, ?)", (f"第{a}区",))
    for i, cat in enumerate(CATEGORIES):
        cur.execute("INSERT INTO exam_papers(exam_id, category, paper_idx) VALUES(1, ?, ?)", (cat, i))
    users = []
    attempts = []
    aid = 0
    for i in range(staff):
        users.append((i + 1, f"E{i:06d}", f"职工{i:06d}", units[i % len(units)], CATEGORIES[i % 3], 1, "x",
                      now, now))
        kind = i % 20
        if kind in (0, 1):
            continue  # never started (10 %)
        if kind == 2:  # in progress (5 %)
            aid += 1
            attempts.append((aid, 1, i + 1, 1, b"\0", "in_progress", now - 600, now + 3000, None, None, 200,
                             None))
            continue
        tries = 2 if kind in (3, 4) else 1  # retakes (10 %)
        for t in range(tries):
            aid += 1
            s2 = rnd.randint(40, 200)
            attempts.append((aid, 1, i + 1, t + 1, b"\0", "submitted", now - 7200 + t * 3600,
                             now - 3600 + t * 3600, now - 5400 + t * 3600, s2, 200, int(s2 * 100 >= 60 * 200)))
    cur.executemany("INSERT INTO users(id, login, name, org_id, category, roles, pw_hash, created_at, updated_at)"
                    " VALUES(?,?,?,?,?,?,?,?,?)", users)
    cur.executemany("INSERT INTO attempts(id, exam_id, user_id, attempt_no, seed, status, started_at, deadline,"
                    " submitted_at, score2, max_score2, passed) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", attempts)
    con.commit()
    if own:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
    return len(users), len(attempts)


def timed(cmd):
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    secs = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return secs, int(rss.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    build = os.environ.get("LAWEXAM_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
    ap.add_argument("--admin", default=os.environ.get("LAWEXAM_ADMIN", os.path.join(build, "lawexam-admin")))
    ap.add_argument("--staff", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="build the database in DIR and keep it")
    args = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("needs /usr/bin/time (apt-get install time)")
    work = args.keep or tempfile.mkdtemp(prefix="lawexam-bench-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "bench.db")
    try:
        if os.path.exists(db):
            os.unlink(db)
        subprocess.run([args.admin, "--db", db, "init"], check=True, stdout=subprocess.DEVNULL)
        t0 = time.time()
        n_users, n_attempts = populate(db, args.staff)
        print(f"population: {n_users} assigned staff, {n_attempts} attempts, 1110 units, 3 categories "
              f"(built in {time.time() - t0:.1f} s, db {os.path.getsize(db) / 1e6:.1f} MB)\n")
        out = os.path.join(work, "out")
        cases = [
            ("pass-rates --by org --format json", ["report", "pass-rates", EXAM, "--by", "org", "--format", "json"]),
            ("pass-rates --by org --depth 2 --format csv",
             ["report", "pass-rates", EXAM, "--by", "org", "--depth", "2", "--format", "csv"]),
            ("pass-rates --by category --format xlsx -o FILE",
             ["report", "pass-rates", EXAM, "--by", "category", "--format", "xlsx", "-o", out + ".p.xlsx"]),
            ("results --format json -o FILE", ["report", "results", EXAM, "--format", "json", "-o", out + ".json"]),
            ("results --format csv -o FILE", ["report", "results", EXAM, "--format", "csv", "-o", out + ".csv"]),
            ("results --format xlsx -o FILE", ["report", "results", EXAM, "--format", "xlsx", "-o", out + ".xlsx"]),
        ]
        print("| command (`lawexam-admin --db DB report …`) | median wall time | max RSS | output |")
        print("| --- | ---: | ---: | ---: |")
        for label, argv in cases:
            runs = [timed([args.admin, "--db", db] + argv) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            size = ""
            if "-o" in argv:
                n = os.path.getsize(argv[argv.index('-o') + 1])
                size = f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"
            print(f"| `{label}` | {wall:.2f} s | {rss / 1024:.0f} MiB | {size} |")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
