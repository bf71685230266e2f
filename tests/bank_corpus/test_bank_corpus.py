#!/usr/bin/python3
"""test_bank_corpus.py — the text/Word corpus (make_corpus.py) through lawexam-admin:
every readable document is read with the expected count per type (--dry-run), imported,
exported, and the export compared byte for byte with the export of the same questions
imported from lawexam-bank/1 JSON; every broken document fails with the expected
FILE:LINE messages (the line quoted) and leaves no bank behind.

    LAWEXAM_ADMIN=build/rel/lawexam-admin python3 -m unittest -v test_bank_corpus
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN = os.environ.get("LAWEXAM_ADMIN") or os.path.join(HERE, "..", "..", "build", "rel", "lawexam-admin")


def admin(db, *args):
    p = subprocess.run([ADMIN, "--db", db] + list(args), capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


class BankCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="lawexam-corpus-")
        cls.dir = os.path.join(cls.tmp.name, "corpus")
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), cls.dir], check=True)
        with open(os.path.join(cls.dir, "manifest.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def fresh_db(self, name):
        db = os.path.join(self.tmp.name, name + ".db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        rc, out, err = admin(db, "init")
        self.assertEqual(rc, 0, err)
        return db

    def meta(self, e):
        args = ["--bank", e["code"], "--title", e["title"], "--subject", e["subject"]]
        if e["format"]:
            args += ["--format", e["format"]]
        return args

    def test_documents_read_and_round_trip(self):
        for e in self.manifest:
            if "expected" not in e:
                continue
            with self.subTest(file=e["file"]):
                path = os.path.join(self.dir, e["file"])
                db = self.fresh_db("read")
                rc, out, err = admin(db, "bank", "import", path, "--dry-run", *self.meta(e))
                self.assertEqual(rc, 0, err)
                m = re.search(r"recognised (\d+) question\(s\): (\d+) single, (\d+) multiple, (\d+) judge", out)
                self.assertIsNotNone(m, out)
                bt = e["by_type"]
                self.assertEqual([int(x) for x in m.groups()],
                                 [e["count"], bt["single"], bt["multiple"], bt["judge"]], out)
                self.assertIn("%d added" % e["count"], out)
                rc, out, err = admin(db, "bank", "import", path, *self.meta(e))
                self.assertEqual(rc, 0, err)
                rc, got, err = admin(db, "bank", "export", e["code"])
                self.assertEqual(rc, 0, err)
                db2 = self.fresh_db("json")
                rc, out, err = admin(db2, "bank", "import", os.path.join(self.dir, e["expected"]))
                self.assertEqual(rc, 0, err)
                rc, want, err = admin(db2, "bank", "export", e["code"])
                self.assertEqual(rc, 0, err)
                if got != want:
                    gl, wl = got.splitlines(), want.splitlines()
                    for i, (g, w) in enumerate(zip(gl, wl)):
                        if g != w:
                            self.fail("%s: export differs at line %d:\n got  %s\n want %s" % (e["file"], i + 1, g, w))
                    self.fail("%s: exports differ in length (%d vs %d lines)" % (e["file"], len(gl), len(wl)))

    def test_broken_documents(self):
        for e in self.manifest:
            if "errors" not in e:
                continue
            with self.subTest(file=e["file"]):
                path = os.path.join(self.dir, e["file"])
                db = self.fresh_db("broken")
                rc, out, err = admin(db, "bank", "import", path, *self.meta(e))
                self.assertEqual(rc, 1, out + err)
                lines = err.splitlines()
                for where, part, quote in e["errors"]:
                    where = os.path.join(self.dir, where)
                    hit = [l for l in lines if l.startswith(where + ": ") and part in l and quote in l]
                    self.assertTrue(hit, "expected %s: …%s… “%s” in:\n%s" % (where, part, quote, err))
                self.assertIn("nothing imported", err)
                rc, out, err = admin(db, "bank", "list")
                self.assertNotIn(e["code"], out)


if __name__ == "__main__":
    unittest.main()
