"""End-to-end tests of question banks as text and Word (SPEC §4.5, issue 19): the shipped
templates (bank-template.txt, bank-template.docx) imported through the upload API
(POST /api/v1/admin/banks?format=txt|docx, dry run then real, and with the format guessed)
and through `lawexam-admin bank import` beside the running server, with the same export
either way; a broken text file refused with 422 and `bank.txt:LINE` details quoting the
line, a .doc refused with "请另存为 .docx", nothing stored; the CLI's --dry-run reading;
and a bank sheet whose header sits below a merged title row.
"""

import json
import os
import unittest
import urllib.parse

import lawexam_e2e as L

PW = L.DEFAULT_PASSWORD
FAST = ("--argon2-m", "1024", "--argon2-t", "1")
TEMPLATES = os.path.join(L.SOURCE_DIR, "question-bank", "templates")


def read(name):
    with open(os.path.join(TEMPLATES, name), "rb") as f:
        return f.read()


class BankTextTest(L.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server(*FAST)
        cls.srv.add_user("adm", category="general", roles="admin")

    def setUp(self):
        super().setUp()
        self.adm = self.srv.client()
        self.adm.login("adm", PW)

    def upload(self, data, **query):
        q = "&".join("%s=%s" % (k, urllib.parse.quote(str(v))) for k, v in query.items())
        return self.adm.post("/api/v1/admin/banks" + ("?" + q if q else ""), body=data,
                             headers={"Content-Type": "application/octet-stream"})

    def admin_ok(self, *args):
        rc, out, err = self.srv.admin(*args)
        self.assertFalse(L.SANITIZER_RE.search(err), err)
        self.assertEqual(rc, 0, "lawexam-admin %s failed (%d):\n%s%s" % (args, rc, out, err))
        return out, err

    def export(self, code):
        out, _ = self.admin_ok("bank", "export", code)
        return json.loads(out)

    def test_templates_through_the_api(self):
        for fmt in ("txt", "docx"):
            with self.subTest(fmt=fmt):
                code = "api-text-" + fmt
                data = read("bank-template." + fmt)
                meta = dict(format=fmt, bank=code, title="文本题库", subject="constitution")
                r = self.upload(data, dry_run=1, **meta)
                self.assertStatus(r, 200)
                self.assertEqual((r.body["bank"], r.body["dry_run"], r.body["added"]), (code, True, 5))
                rec = r.body["recognised"]
                self.assertEqual((rec["total"], rec["truncated"]), (5, False))
                self.assertEqual(rec["by_type"], {"single": 2, "multiple": 1, "judge": 2})
                self.assertEqual([q["answer"] for q in rec["questions"]], ["A", "A", "ABC", "F", "T"])
                q1 = rec["questions"][1]
                self.assertEqual((q1["id"], q1["type"], q1["stem"], q1["answer"]),
                                 (code + "-2", "single", "我国的根本大法是（　）。", "A"))
                self.assertEqual(len(q1["options"]), 4)
                self.assertRegex(q1["where"], r"^bank\.%s:(PARAGRAPH )?\d+$" % fmt)
                self.assertTrue(any("编号按题号生成" in n["message"] for n in r.body["notes"]), r.body["notes"])
                self.assertEqual(r.body["notes_total"], len(r.body["notes"]))
                rc, out, err = self.srv.admin("bank", "export", code)
                self.assertNotEqual(rc, 0, "a dry run stored the bank")
                r = self.upload(data, **meta)
                self.assertStatus(r, 200)
                self.assertEqual(r.body["added"], 5)
                doc = self.export(code)
                qs = doc["questions"]
                self.assertEqual([q["type"] for q in qs], ["single", "single", "multiple", "judge", "judge"])
                self.assertEqual(qs[0]["id"], "TPL-T001")
                self.assertEqual(qs[1]["id"], code + "-2")
                self.assertEqual(qs[1]["stem"], "我国的根本大法是（　）。")
                self.assertEqual(qs[1]["answer"], "A")
                self.assertEqual(qs[4]["answer"], "T")
                # again: unchanged
                r = self.upload(data, **meta)
                self.assertEqual((r.body["added"], r.body["unchanged"]), (0, 5))
        # the same questions either way (ids carry the bank code, so compare the rest)
        a, b = self.export("api-text-txt")["questions"], self.export("api-text-docx")["questions"]
        for x, y in zip(a, b):
            x.pop("id"), y.pop("id")
        self.assertEqual(a, b)

    def test_recognised_first_200(self):
        text = "判断题\n" + "".join("%d. 第 %d 题。（ √ ）\n" % (i, i) for i in range(1, 202))
        r = self.upload(text.encode("utf-8"), format="txt", bank="api-text-many", title="t", subject="s", dry_run=1)
        self.assertStatus(r, 200)
        rec = r.body["recognised"]
        self.assertEqual((rec["total"], len(rec["questions"]), rec["truncated"]), (201, 200, True))
        self.assertEqual(rec["by_type"]["judge"], 201)
        self.assertEqual(rec["questions"][199]["id"], "api-text-many-200")
        # a real import answers the counts and notes, not the reading
        r = self.upload(text.encode("utf-8"), format="txt", bank="api-text-many", title="t", subject="s")
        self.assertStatus(r, 200)
        self.assertNotIn("recognised", r.body)
        self.assertEqual(r.body["added"], 201)

    def test_format_guessed(self):
        r = self.upload(read("bank-template.docx"), bank="api-guess-docx", title="t", subject="s")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 5)
        r = self.upload(read("bank-template.txt"), bank="api-guess-txt", title="t", subject="s")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 5)

    def test_bad_text_422(self):
        text = "一、单选题\n1. 没有答案（　）\nA. 甲\nB. 乙\n2. 跳字母\nA. 甲\nC. 丙\n答案：A\n"
        r = self.upload(text.encode("gb18030"), format="txt", bank="api-text-bad", title="t", subject="s")
        self.assertStatus(r, 422, "invalid_bank")
        det = r.body["error"]["details"]
        self.assertEqual([d["where"] for d in det], ["bank.txt:2", "bank.txt:7"])
        self.assertIn("缺少答案", det[0]["message"])
        self.assertIn("原文：“1. 没有答案（　）”", det[0]["message"])
        self.assertIn("跳过了字母 B", det[1]["message"])
        r = self.upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, format="docx", bank="api-text-bad",
                        title="t", subject="s")
        self.assertStatus(r, 422, "invalid_bank")
        self.assertIn("请另存为 .docx", r.body["error"]["details"][0]["message"])
        r = self.upload(b"1. x\n", format="doc", bank="api-text-bad")
        self.assertEqual(r.status, 400, r.body)
        self.assertIn("txt", r.body["error"]["message"])
        rc, out, err = self.srv.admin("bank", "list")
        self.assertNotIn("api-text-bad", out)

    def test_cli_import_and_dry_run(self):
        for fmt in ("txt", "docx"):
            with self.subTest(fmt=fmt):
                path = os.path.join(TEMPLATES, "bank-template." + fmt)
                code = "cli-text-" + fmt
                out, err = self.admin_ok("bank", "import", path, "--bank", code, "--title", "命令行",
                                         "--subject", "constitution", "--dry-run")
                self.assertIn("recognised 5 question(s): 2 single, 1 multiple, 2 judge", out)
                self.assertIn("key: ABC", out)
                self.assertIn("dry run: ", out)
                self.assertIn("编号按题号生成：%s-2 … %s-5" % (code, code), err)
                out, err = self.admin_ok("bank", "import", path, "--bank", code, "--title", "命令行",
                                         "--subject", "constitution", "--format", fmt)
                self.assertIn("5 added", out)
                self.assertEqual(len(self.export(code)["questions"]), 5)

    def test_table_header_below_title(self):
        csv = ("2026年度学法考法题库（宪法）,,,,,\r\n编号,题型,题干,选项A,选项B,答案\r\n"
               "T-1,单选,根本大法是,宪法,刑法,A\r\n").encode("utf-8")
        r = self.upload(csv, format="csv", bank="api-titled", title="t", subject="s")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["added"], 1)
        d = os.path.join(self.srv.dir, "titled.csv")
        with open(d, "wb") as f:
            f.write(csv)
        out, err = self.admin_ok("bank", "import", d, "--bank", "cli-titled", "--title", "t", "--subject", "s")
        self.assertIn("表头在第 2 行", err)


if __name__ == "__main__":
    unittest.main()
