"""Notices (通知公告, SPEC §12; docs/api.md "Notices", docs/administrators.md).

POST/GET/DELETE /api/v1/admin/notices and GET /api/v1/notices: a notice reaches the staff of
its unit and the unit's sub-units (never a unit whose path merely starts with the same text:
珠晖区/区司法局局 is not under 珠晖区/区司法局), of its category (or every category), while
from <= now < until. A unit administrator posts, lists and deletes only inside the scope
(outside: 403 out_of_scope on a post, 404 on a delete, nothing stored); bad input is 400 with
a Chinese message and nothing stored; every post and delete is in the audit log. The
authorization of each route for every principal is in test_scopes.py and test_security.py.
"""

import time
import unittest

import lawexam_e2e as L
from test_reliability import FAST, PW, iso

S = "珠晖区/区司法局"
S2 = S + "/普法股"
TRAP = "珠晖区/区司法局局"
E = "珠晖区/区教育局"
ROOT = "珠晖区"
CJK = r"[\u4e00-\u9fff]"

# login, unit, category, roles
PEOPLE = [
    ("n-s", S, "general", "examinee"),
    ("n-s2", S2, "leader", "examinee"),
    ("n-trap", TRAP, "general", "examinee"),
    ("n-e", E, "enforcement", "examinee"),
    ("n-ua", S, "general", "unit_admin"),
    ("n-admin", S, "general", "admin"),
    ("n-hr", S, "general", "hr"),
]


def window(start, end):
    now = time.time()
    return {"from": iso(now + start), "until": iso(now + end)}


def notice(title, org=None, category=None, start=-3600, end=3600, body=None):
    d = {"title": title, "body": body or ("正文：" + title)}
    d.update(window(start, end))
    if org is not None:
        d["org"] = org
    if category is not None:
        d["category"] = category
    return d


class NoticeCase(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)
        for login, org, cat, roles in PEOPLE:
            srv.add_user(login, org=org, category=cat, roles=roles)

    def login(self, login):
        c = self.srv.client()
        c.login(login, PW)
        return c

    def count(self):
        return L.sql(self.srv, "SELECT count(*) FROM notices")[0][0]

    def post(self, client, doc, status=201, code=None):
        r = client.post("/api/v1/admin/notices", json=doc)
        self.assertStatus(r, status, code)
        if status != 201:
            self.assertRegex(r.body["error"]["message"], CJK)
        return r.body

    def titles(self, login):
        r = self.login(login).get("/api/v1/notices")
        self.assertStatus(r, 200)
        return {n["title"] for n in r.body["notices"]}


class NoticeAddressingTest(NoticeCase):
    def test_unit_subtree_category_and_window(self):
        adm = self.login("n-admin")
        made = self.post(adm, notice("给司法局", org=S))
        self.assertEqual((made["org"], made["category"], made["status"], made["author"]), (S, None, "active", "n-admin"))
        self.assertIsInstance(made["id"], int)
        self.post(adm, notice("给领导干部", category="领导干部"))     # a category by its Chinese name
        self.post(adm, notice("给陷阱单位", org=TRAP))
        self.post(adm, notice("给全区", org=ROOT))
        self.post(adm, notice("给全体"))
        self.post(adm, notice("给普法股执法", org=S2, category="enforcement"))
        self.post(adm, notice("尚未开始", org=S, start=3600, end=7200))
        self.post(adm, notice("已经结束", org=S, start=-7200, end=-1))
        self.post(adm, notice("给教育局", org=E))

        everyone = {"给全区", "给全体"}
        self.assertEqual(self.titles("n-s"), everyone | {"给司法局"})
        self.assertEqual(self.titles("n-s2"), everyone | {"给司法局", "给领导干部"})  # a sub-unit, a leader
        self.assertEqual(self.titles("n-trap"), everyone | {"给陷阱单位"},
                         "a unit whose path only starts with 珠晖区/区司法局 is not under it")
        self.assertEqual(self.titles("n-e"), everyone | {"给教育局"})

        mine = self.login("n-s2").get("/api/v1/notices").body["notices"]
        lead = [n for n in mine if n["title"] == "给领导干部"][0]
        self.assertEqual((lead["category"], lead["category_name"], lead["org"]), ("leader", "领导干部", None))
        self.assertEqual(set(lead), {"id", "title", "body", "org", "category", "category_name", "from", "until"})
        self.assertEqual(lead["body"], "正文：给领导干部")

        # the administrators' list: everything, with the status at now
        listed = adm.get("/api/v1/admin/notices").body
        self.assertIsNone(listed["scope"])
        status = {n["title"]: n["status"] for n in listed["notices"]}
        self.assertLessEqual({"给司法局", "给领导干部", "给陷阱单位", "给全区", "给全体", "给普法股执法", "尚未开始",
                              "已经结束", "给教育局"}, set(status))
        self.assertEqual((status["尚未开始"], status["已经结束"], status["给全体"]), ("upcoming", "expired", "active"))

    def test_window_edges(self):
        """from <= now < until: a notice whose until has just passed is gone."""
        adm = self.login("n-admin")
        now = int(time.time())
        self.post(adm, {"title": "三秒通知", "body": "很快结束", "org": E, "from": iso(now - 10), "until": iso(now + 3)})
        self.assertIn("三秒通知", self.titles("n-e"))
        time.sleep(max(0, now + 3 - time.time()) + 0.2)
        self.assertNotIn("三秒通知", self.titles("n-e"))

    def test_only_examinees_read_their_notices(self):
        self.assertStatus(self.login("n-hr").get("/api/v1/notices"), 403, "forbidden")
        self.assertStatus(self.srv.client().get("/api/v1/notices"), 401)


class NoticeScopeTest(NoticeCase):
    def test_unit_admin_posts_lists_and_deletes_in_scope_only(self):
        ua, adm = self.login("n-ua"), self.login("n-admin")
        in_s2 = self.post(ua, notice("单位管理员发普法股", org=S2))
        self.assertEqual(in_s2["org"], S2)
        self.assertIn("单位管理员发普法股", self.titles("n-s2"))
        before = self.count()
        for org in (E, TRAP, ROOT):
            self.post(ua, notice("越权", org=org), 403, "out_of_scope")
        self.post(ua, notice("发全体"), 400, "bad_request")   # a unit administrator must name a unit
        self.assertEqual(self.count(), before, "nothing stored")
        self.assertNotIn("越权", self.titles("n-e") | self.titles("n-trap"))

        by_admin_s = self.post(adm, notice("管理员发司法局", org=S))
        by_admin_trap = self.post(adm, notice("管理员发陷阱", org=TRAP))
        by_admin_all = self.post(adm, notice("管理员发全体"))
        listed = ua.get("/api/v1/admin/notices").body
        self.assertEqual(listed["scope"], S)
        ids = {n["id"] for n in listed["notices"]}
        self.assertEqual(ids, {in_s2["id"], by_admin_s["id"]}, "only the notices of units in the scope")

        # outside the scope (and to everyone) is "not found", exactly as an unknown id
        for n in (by_admin_trap, by_admin_all):
            r = ua.delete("/api/v1/admin/notices/%d" % n["id"])
            self.assertStatus(r, 404, "not_found")
            self.assertEqual(r.body["error"]["message"], "没有这条通知")
        self.assertIn("管理员发陷阱", self.titles("n-trap"))
        self.assertStatus(ua.delete("/api/v1/admin/notices/%d" % by_admin_s["id"]), 200)
        self.assertNotIn("管理员发司法局", self.titles("n-s"))

        rc, out, _ = self.srv.admin("audit")
        self.assertTrue(any("scope_refused" in ln and "n-ua" in ln and "org=" + E in ln for ln in out.splitlines()),
                        out[-2000:])
        self.assertTrue(any("notice_create" in ln and "n-ua" in ln and "org=" + S2 in ln for ln in out.splitlines()))
        self.assertTrue(any("notice_delete" in ln and "n-ua" in ln and "notice %d" % by_admin_s["id"] in ln
                            for ln in out.splitlines()))

    def test_hr_and_examinees_have_no_admin_routes(self):
        for login in ("n-hr", "n-s"):
            c = self.login(login)
            self.assertStatus(c.get("/api/v1/admin/notices"), 403, "forbidden")
            self.assertStatus(c.post("/api/v1/admin/notices", json=notice("x", org=S)), 403, "forbidden")
            self.assertStatus(c.delete("/api/v1/admin/notices/1"), 403, "forbidden")


class NoticeInputTest(NoticeCase):
    def test_bad_input_is_400_and_stores_nothing(self):
        adm = self.login("n-admin")
        ok = notice("好的", org=S)
        now = time.time()
        cases = {
            "no title": {k: v for k, v in ok.items() if k != "title"},
            "empty title": dict(ok, title="   "),
            "title not text": dict(ok, title=5),
            "no body": {k: v for k, v in ok.items() if k != "body"},
            "empty body": dict(ok, body="\u3000\n"),
            "long title": dict(ok, title="题" * 101),
            "long body": dict(ok, body="文" * 5001),
            "control in title": dict(ok, title="a\x01b"),
            "until = from": dict(ok, until=ok["from"]),
            "until < from": dict(ok, **{"from": iso(now + 60), "until": iso(now)}),
            "no from": {k: v for k, v in ok.items() if k != "from"},
            "no until": {k: v for k, v in ok.items() if k != "until"},
            "no offset": dict(ok, **{"from": "2026-12-01T08:00:00"}),
            "not a time": dict(ok, until="明天"),
            "date only": dict(ok, until="2026-12-31"),
            "unknown unit": dict(ok, org="珠晖区/不存在的局"),
            "empty segment": dict(ok, org="珠晖区//区司法局"),
            "unit not text": dict(ok, org=["珠晖区"]),
            "unknown category": dict(ok, category="astronaut"),
            "category not text": dict(ok, category=1),
        }
        before = self.count()
        for name, doc in cases.items():
            with self.subTest(name):
                self.post(adm, doc, 400, "bad_request")
        self.assertStatus(adm.post("/api/v1/admin/notices", body=b"{not json"), 400, "bad_json")
        self.assertStatus(adm.post("/api/v1/admin/notices", body=b"[]"), 400, "bad_json")
        self.assertEqual(self.count(), before, "nothing stored")
        # the limits themselves pass; spaces around the unit's levels are trimmed
        made = self.post(adm, dict(ok, title="题" * 100, body="文" * 5000, org=" 珠晖区 / 区司法局 "))
        self.assertEqual((len(made["title"]), len(made["body"]), made["org"]), (100, 5000, S))
        self.assertEqual(self.count(), before + 1)


class NoticeDeleteTest(NoticeCase):
    def test_delete(self):
        adm = self.login("n-admin")
        n = self.post(adm, notice("要删除的通知", org=S, category="general"))
        self.assertIn("要删除的通知", self.titles("n-s"))
        r = adm.delete("/api/v1/admin/notices/%d" % n["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"id": n["id"], "deleted": True})
        self.assertNotIn("要删除的通知", self.titles("n-s"))
        self.assertNotIn(n["id"], [x["id"] for x in adm.get("/api/v1/admin/notices").body["notices"]])
        for path in ("/api/v1/admin/notices/%d" % n["id"], "/api/v1/admin/notices/999999", "/api/v1/admin/notices/abc",
                     "/api/v1/admin/notices/0", "/api/v1/admin/notices/-1"):
            r = adm.delete(path)
            self.assertStatus(r, 404, "not_found")
            self.assertRegex(r.body["error"]["message"], CJK)
        rc, out, _ = self.srv.admin("audit")
        lines = out.splitlines()
        self.assertTrue(any("n-admin" in ln and "notice_create" in ln and "要删除的通知" in ln for ln in lines), out[-1500:])
        self.assertTrue(any("n-admin" in ln and "notice_delete" in ln and "notice %d" % n["id"] in ln for ln in lines))



class NoticeCliTest(NoticeCase):
    def test_add_list_delete(self):
        srv = self.srv
        w = window(-60, 3600)
        rc, out, err = srv.admin("notice", "add", "--title", "命令行通知", "--body", "第一行", "--org", S,
                                 "--category", "general", "--from", w["from"], "--until", w["until"])
        self.assertEqual(rc, 0, err)
        nid = int(out.split()[1])
        self.assertIn("命令行通知", self.titles("n-s"))
        self.assertNotIn("命令行通知", self.titles("n-s2"), "a leader is not in category general")
        rc, out, _ = srv.admin("notice", "list")
        self.assertEqual(rc, 0)
        line = [ln for ln in out.splitlines() if ln.startswith("%d\t" % nid)][0].split("\t")
        self.assertEqual((line[1], line[4], line[5], line[6]), ("active", S, "general", "命令行通知"))
        before = self.count()
        for bad in (("--org", TRAP + "/不存在"), ("--until", w["from"]), ("--title", "")):
            args = {"--title": "x", "--body": "y", "--from": w["from"], "--until": w["until"]}
            args.update([bad])
            rc, out, err = srv.admin("notice", "add", *[x for kv in args.items() for x in kv])
            self.assertEqual(rc, 1, (bad, out, err))
            self.assertRegex(err, CJK)
        self.assertEqual(self.count(), before, "nothing stored")
        self.assertEqual(srv.admin("notice", "delete", str(nid))[0], 0)
        self.assertEqual(srv.admin("notice", "delete", str(nid))[0], 1)
        self.assertEqual(srv.admin("notice", "delete", "abc")[0], 2)
        self.assertNotIn("命令行通知", self.titles("n-s"))
        rc, out, _ = srv.admin("audit")
        self.assertTrue(any("notice_delete" in ln and "notice %d" % nid in ln and "\tcli\t" in ln
                            for ln in out.splitlines()), out[-1000:])

if __name__ == "__main__":
    unittest.main()
