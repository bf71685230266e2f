"""Answer receipts (回执, SPEC §12; docs/api.md "Receipts"): the submit reply, the Attempt once
submitted and the HR results rows carry the same short code; GET /api/v1/receipts/{code} and
`lawexam-admin receipt verify` check it against what is stored now. A stored answer or
submission time changed behind the server's back (L.connect on its database) makes it
"valid": false; another examinee's code is not found (404)."""

import json
import re
import unittest

import lawexam_e2e as L
from test_reliability import FAST, PW, admin_ok, create_exam, import_bank, import_staff, make_bank

CODE_RE = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")


class ReceiptTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)
        import_bank(srv, make_bank("rcpt", 8, 8))
        import_staff(srv, ["rc01", "rc02", "rc03"])
        srv.add_user("rc-hr", roles="hr", password=PW)
        srv.add_user("rc-admin", roles="admin", password=PW)
        create_exam(srv, "rcpt-a", "rcpt")

    def person(self, login):
        c = self.srv.client()
        c.login(login, PW)
        return c

    def submit(self, login, answers=2):
        c = self.person(login)
        r = c.post("/api/v1/exams/rcpt-a/attempts")
        self.assertStatus(r, 201)
        att = r.body
        self.assertNotIn("receipt", att, "an attempt in progress has no receipt")
        items = [{"position": q["position"], "response": q["options"][0]["key"], "seq": 1}
                 for q in att["questions"][:answers]]
        self.assertStatus(c.put("/api/v1/attempts/%d/answers" % att["id"], json={"answers": items}), 200)
        sub = c.post("/api/v1/attempts/%d/submit" % att["id"])
        self.assertStatus(sub, 200)
        return c, att["id"], sub.body

    def test_receipt_everywhere_and_verified(self):
        c, aid, sub = self.submit("rc01")
        code = sub["receipt"]
        self.assertRegex(code, CODE_RE)
        got = c.get("/api/v1/attempts/%d" % aid).body
        self.assertEqual(got["receipt"], code, "the Attempt once submitted")
        self.assertEqual(c.post("/api/v1/attempts/%d/submit" % aid).body["receipt"], code, "submit is idempotent")
        hr = self.person("rc-hr")
        rows = hr.get("/api/v1/reports/rcpt-a/results?format=json").body["rows"]
        self.assertEqual([r["receipt"] for r in rows if r["login"] == "rc01"], [code])
        self.assertTrue(all(r["receipt"] is None for r in rows if r["status"] != "submitted"))

        for who in (c, hr, self.person("rc-admin")):
            r = who.get("/api/v1/receipts/" + code)
            self.assertStatus(r, 200)
            self.assertEqual((r.body["valid"], r.body["login"], r.body["exam"], r.body["attempt_id"],
                              r.body["submitted_at"]), (True, "rc01", "rcpt-a", aid, sub["submitted_at"]))
            self.assertRegex(r.body["answers_sha256"], r"^[0-9a-f]{64}$")
        # typed back without dashes, in lower case
        self.assertTrue(c.get("/api/v1/receipts/" + code.replace("-", "").lower()).body["valid"])
        rc, out, err = self.srv.admin("receipt", "verify", code)
        self.assertEqual(rc, 0, err)
        self.assertTrue(json.loads(out)["valid"])
        # The secret is never sent: not in any reply above, not in the Attempt.
        secret = L.sql(self.srv, "SELECT value FROM settings WHERE key = 'receipt_secret'")[0][0]
        self.assertEqual(len(secret), 64)
        self.assertNotIn(secret, json.dumps(got) + json.dumps(sub) + out)

    def test_tampered_answer_is_invalid(self):
        c, aid, sub = self.submit("rc02", answers=3)
        code = sub["receipt"]
        self.assertTrue(c.get("/api/v1/receipts/" + code).body["valid"])
        db = L.connect(self.srv)
        with db:
            pos, resp = db.execute("SELECT position, response FROM answers WHERE attempt_id = ? ORDER BY position",
                                   (aid,)).fetchone()
            other = "B" if resp != "B" else "C"
            db.execute("UPDATE answers SET response = ? WHERE attempt_id = ? AND position = ?", (other, aid, pos))
        db.close()
        r = c.get("/api/v1/receipts/" + code)
        self.assertStatus(r, 200)
        self.assertFalse(r.body["valid"])
        rc, out, err = self.srv.admin("receipt", "verify", code)
        self.assertEqual(rc, 1, out + err)
        self.assertFalse(json.loads(out)["valid"])
        # put it back: valid again; then move the submission time: invalid
        db = L.connect(self.srv)
        with db:
            db.execute("UPDATE answers SET response = ? WHERE attempt_id = ? AND position = ?", (resp, aid, pos))
        self.assertTrue(c.get("/api/v1/receipts/" + code).body["valid"])
        with db:
            db.execute("UPDATE attempts SET submitted_at = submitted_at - 60 WHERE id = ?", (aid,))
        db.close()
        self.assertFalse(c.get("/api/v1/receipts/" + code).body["valid"])

    def test_other_examinee_and_unknown_codes(self):
        _, _, sub = self.submit("rc03")
        other = self.person("rc01")
        self.assertStatus(other.get("/api/v1/receipts/" + sub["receipt"]), 404, "not_found")
        self.assertStatus(other.get("/api/v1/receipts/AAAA-AAAA-AAAA-AAAA"), 404, "not_found")
        self.assertStatus(other.get("/api/v1/receipts/not-a-code"), 404, "not_found")
        rc, out, err = self.srv.admin("receipt", "verify", "AAAA-AAAA-AAAA-AAAA")
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(self.srv.admin("receipt", "verify")[0], 2)


if __name__ == "__main__":
    unittest.main()
