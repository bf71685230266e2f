"""Delivery of the page to a district on one uplink (issue 15): the static files are gzip-
compressed once at load and served so to a browser that accepts gzip, byte for byte the same
content once decoded; a client that does not accept gzip (or refuses it with q=0) gets the
plain file; ETags differ per encoding and revalidation (304) works for both; responses that
carry secrets (the API) are never compressed. Prints the bytes of a first load and a reload
for docs/benchmarks.md.

The paper (issue 21): the replies of the routes flagged R_GZIP in server/routes.c (a start,
GET /attempts/{id}, a practice set) are gzip-encoded for a client that accepts gzip and
decode to the same JSON as without; with Vary: Accept-Encoding; plain without the header,
with identity or gzip;q=0; a reply that carries a secret (login, /me, a password shown
once: R_SECRET) never, whatever the client offers. Prints the bytes per examinee of a first
load, a start and a reload, before (identity) and after (gzip), on a 45-question paper of
the bundled banks (the exam of browser.slownet).
"""

import gzip
import json
import os
import re
import time
import unittest

import lawexam_e2e as L
from test_reliability import FAST, PW, admin_ok, import_staff, iso, write_file

# Every file the page loads on a first visit: index.html, its stylesheet and images, and the
# module graph from js/app.js (app.js imports every page statically) plus /js/limits.js.
IMPORT_RE = re.compile(r"""^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]""", re.M)


def first_load_paths():
    web = L.WEB_ROOT
    paths = ["/", "/css/app.css", "/img/logo.svg", "/js/legacy.js", "/js/limits.js"]
    todo, seen = ["js/app.js"], set()
    while todo:
        rel = os.path.normpath(todo.pop())
        if rel in seen:
            continue
        seen.add(rel)
        paths.append("/" + rel)
        full = os.path.join(web, rel)
        if not os.path.exists(full):
            continue  # made by the server (limits.js)
        with open(full, encoding="utf-8") as f:
            src = f.read()
        for m in IMPORT_RE.finditer(src):
            todo.append(os.path.join(os.path.dirname(rel), m.group(1) or m.group(2)))
    return sorted(set(paths))


class StaticGzipTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.start_server()

    def fetch(self, path, accept=None, inm=None):
        c = self.srv.client()
        headers = {}
        if accept is not None:
            headers["Accept-Encoding"] = accept
        if inm:
            headers["If-None-Match"] = inm
        return c.get(path, headers=headers)

    def test_gzip_when_accepted_and_same_bytes(self):
        paths = first_load_paths()
        self.assertGreater(len(paths), 15, paths)
        plain_total = gz_total = 0
        for p in paths:
            plain = self.fetch(p, accept="identity")
            self.assertEqual(plain.status, 200, p)
            self.assertIsNone(plain.headers.get("Content-Encoding"), p)
            body = plain.body if isinstance(plain.body, bytes) else None
            self.assertIsNotNone(body, p)
            z = self.fetch(p, accept="gzip, deflate, br")
            self.assertEqual(z.status, 200, p)
            plain_total += len(body)
            if z.headers.get("Content-Encoding") == "gzip":
                self.assertEqual(gzip.decompress(z.body), body, "%s: gzip decodes to the file" % p)
                self.assertLess(len(z.body), len(body), p)
                self.assertEqual(z.headers.get("Vary"), "Accept-Encoding", p)
                self.assertEqual(plain.headers.get("Vary"), "Accept-Encoding", p)
                self.assertNotEqual(z.headers.get("ETag"), plain.headers.get("ETag"), p)
                gz_total += len(z.body)
            else:
                self.assertEqual(z.body, body, p)
                gz_total += len(body)
        print("\nfirst load: %d files, %d bytes plain, %d bytes with gzip (%.0f %%)"
              % (len(paths), plain_total, gz_total, 100.0 * gz_total / plain_total))
        self.assertLess(gz_total, plain_total * 0.45, "the page should shrink to well under half")

    def test_q_zero_and_unknown_codings_get_plain(self):
        for accept in ("gzip;q=0", "gzip; q=0.0, identity", "br", "", "deflate"):
            r = self.fetch("/js/app.js", accept=accept)
            self.assertEqual(r.status, 200, accept)
            self.assertIsNone(r.headers.get("Content-Encoding"), accept)
        for accept in ("*", "gzip;q=0.5", "deflate, GZIP", "br;q=1, gzip ; q=0.1"):
            r = self.fetch("/js/app.js", accept=accept)
            self.assertEqual(r.headers.get("Content-Encoding"), "gzip", accept)

    def test_revalidation_per_encoding(self):
        z = self.fetch("/js/app.js", accept="gzip")
        plain = self.fetch("/js/app.js", accept="identity")
        r = self.fetch("/js/app.js", accept="gzip", inm=z.headers["ETag"])
        self.assertStatus(r, 304)
        self.assertEqual(r.body, b"")
        r = self.fetch("/js/app.js", accept="identity", inm=plain.headers["ETag"])
        self.assertStatus(r, 304)
        # The gzip ETag does not validate the plain file, nor the other way round.
        r = self.fetch("/js/app.js", accept="identity", inm=z.headers["ETag"])
        self.assertStatus(r, 200)
        r = self.fetch("/js/app.js", accept="gzip", inm=plain.headers["ETag"])
        self.assertStatus(r, 200)
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        reload_bytes = sum(len(self.fetch(p, accept="gzip", inm=self.fetch(p, accept="gzip").headers["ETag"]).body)
                           for p in first_load_paths())
        print("\nreload (every file revalidated): %d body bytes" % reload_bytes)
        self.assertEqual(reload_bytes, 0)

    def test_api_replies_are_not_compressed(self):
        c = self.srv.client()
        r = c.post("/api/v1/login", json={"login": "nobody", "password": "x" * 10},
                   headers={"Accept-Encoding": "gzip"})
        self.assertIsNone(r.headers.get("Content-Encoding"))
        r = c.get("/healthz", headers={"Accept-Encoding": "gzip"})
        self.assertIsNone(r.headers.get("Content-Encoding"))


# --- the paper (R_GZIP) ------------------------------------------------------------------------

SECTIONS = [  # browser.slownet's exam: 45 questions of the bundled banks
    {"title": "宪法", "bank": "constitution", "type": "single", "count": 25, "points": 2},
    {"title": "民法典", "bank": "civil-code", "type": "multiple", "count": 10, "points": 3},
    {"title": "党内法规", "bank": "party-regulations", "type": "judge", "count": 10, "points": 2},
]
# Fields of an Attempt that move with the clock between two replies.
CLOCK_FIELDS = ("server_time", "remaining_seconds")


def stable(doc):
    return {k: v for k, v in doc.items() if k not in CLOCK_FIELDS}


def routes_flags():
    """{(method, pattern): set of R_* flags} of server/routes.c's table."""
    with open(os.path.join(L.SOURCE_DIR, "server", "routes.c"), encoding="utf-8") as f:
        src = f.read()
    out = {}
    for m in re.finditer(r'\{(GET|POST|PUT|DELETE), "([^"]+)", \w+, [^,]+, ([^}]+)\}', src):
        out[(m.group(1), m.group(2))] = set(re.findall(r"R_\w+", m.group(3)))
    return out


class PaperGzipTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST)
        for b in ("constitution", "civil-code", "party-regulations"):
            admin_ok(srv, "bank", "import", os.path.join(L.SOURCE_DIR, "question-bank", "banks", b + ".json"))
        import_staff(srv, ["gz%02d" % i for i in range(1, 9)])
        srv.add_user("gz-admin", roles="admin", password=PW)
        now = time.time()
        doc = {"format": "lawexam-exam/1", "code": "gz-annual", "title": "压缩试卷",
               "opens_at": iso(now - 3600), "closes_at": iso(now + 86400),
               "duration_minutes": 60, "pass_percent": 60, "max_attempts": 1,
               "multiple_scoring": "all_or_nothing", "results": "immediate", "review": "immediate",
               "org_scope": ["珠晖区"],
               "papers": [{"categories": ["general"], "sections": SECTIONS}]}
        admin_ok(srv, "exam", "create", write_file(srv.dir, "gz-annual.json", json.dumps(doc, ensure_ascii=False)))

    def person(self, login):
        c = self.srv.client()
        c.login(login, PW)
        return c

    def decoded(self, r):
        """The JSON of a reply, gzip-decoded when it says so."""
        body = r.body
        if r.headers.get("Content-Encoding") == "gzip":
            self.assertIsInstance(body, bytes)
            body = json.loads(gzip.decompress(body).decode("utf-8"))
        self.assertIsInstance(body, dict, r)
        return body

    def assertGzip(self, r, what):
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip", what)
        self.assertEqual(r.headers.get("Vary"), "Accept-Encoding", what)
        self.assertIsInstance(r.body, bytes, what)
        self.assertEqual(r.body[:2], b"\x1f\x8b", what)

    def assertPlain(self, r, what):
        self.assertIsNone(r.headers.get("Content-Encoding"), what)
        self.assertIsInstance(r.body, dict, what)

    def test_paper_gzip_when_accepted_and_same_json(self):
        c = self.person("gz01")
        r = c.post("/api/v1/exams/gz-annual/attempts", headers={"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual(r.status, 201, r.body)
        self.assertGzip(r, "start")
        started = self.decoded(r)
        self.assertEqual(len(started["questions"]), 45)
        path = "/api/v1/attempts/%d" % started["id"]
        plain = c.get(path, headers={"Accept-Encoding": "identity"})
        self.assertStatus(plain, 200)
        self.assertPlain(plain, "identity")
        self.assertEqual(plain.headers.get("Vary"), "Accept-Encoding", "the plain reply varies too")
        z = c.get(path, headers={"Accept-Encoding": "gzip"})
        self.assertStatus(z, 200)
        self.assertGzip(z, "GET attempt")
        self.assertLess(len(z.body) * 2, len(json.dumps(plain.body, ensure_ascii=False).encode()))
        self.assertEqual(stable(self.decoded(z)), stable(plain.body), "gzip decodes to the same JSON")
        self.assertEqual(stable(started), stable(plain.body), "the start's reply is the same paper")
        # the hot save path is untouched: its reply is never compressed (nor marked)
        q = started["questions"][0]
        r = c.put(path + "/answers", json={"answers": [{"position": q["position"], "response": q["options"][0]["key"], "seq": 1}]},
                  headers={"Accept-Encoding": "gzip"})
        self.assertStatus(r, 200)
        self.assertIsNone(r.headers.get("Content-Encoding"))
        self.assertIsNone(r.headers.get("Vary"))
        # and the answer is in the next compressed paper
        again = self.decoded(c.get(path, headers={"Accept-Encoding": "gzip"}))
        self.assertEqual(again["answers"].get(str(q["position"])), q["options"][0]["key"])

    def test_paper_plain_without_gzip(self):
        c = self.person("gz02")
        r = c.post("/api/v1/exams/gz-annual/attempts", headers={"Accept-Encoding": "gzip;q=0"})
        self.assertEqual(r.status, 201, r.body)
        self.assertPlain(r, "start with gzip;q=0")
        path = "/api/v1/attempts/%d" % r.body["id"]
        for accept in ("identity", "", "gzip;q=0", "gzip; q=0.0, identity", "br", "deflate"):
            r = c.get(path, headers={"Accept-Encoding": accept})
            self.assertStatus(r, 200)
            self.assertPlain(r, accept)
        for accept in ("*", "gzip;q=0.5", "deflate, GZIP"):
            self.assertGzip(c.get(path, headers={"Accept-Encoding": accept}), accept)
        # no Accept-Encoding header at all (http.client would add identity): raw HTTP
        raw = L.raw_tls(self.srv, ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: lawexam_session=%s\r\n"
                                   "Connection: close\r\n\r\n" % (path, self.srv.host, self.srv.port, c.cookie)).encode())
        self.assertEqual(L.raw_status(raw), 200, raw[:300])
        head, _, body = raw.partition(b"\r\n\r\n")
        self.assertNotIn(b"content-encoding", head.lower())
        self.assertIn(b'"questions"', body)
        # HEAD and errors: never compressed
        self.assertIsNone(c.head(path, headers={"Accept-Encoding": "gzip"}).headers.get("Content-Encoding"))
        r = c.get("/api/v1/attempts/999999", headers={"Accept-Encoding": "gzip"})
        self.assertStatus(r, 404)
        self.assertIsNone(r.headers.get("Content-Encoding"))

    def test_practice_set_gzip(self):
        c = self.person("gz03")
        r = c.post("/api/v1/practice", json={"bank": "constitution", "count": 30}, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 201, r.body)
        self.assertGzip(r, "practice create")
        made = self.decoded(r)
        self.assertEqual(len(made["questions"]), 30)
        plain = c.get("/api/v1/practice/%d" % made["id"], headers={"Accept-Encoding": "identity"})
        self.assertPlain(plain, "practice get")
        z = c.get("/api/v1/practice/%d" % made["id"], headers={"Accept-Encoding": "gzip"})
        self.assertGzip(z, "practice get")
        self.assertEqual(self.decoded(z), plain.body)
        # a small set stays plain (under the threshold), still marked Vary
        r = c.post("/api/v1/practice", json={"bank": "party-regulations", "count": 1}, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 201, r.body)
        self.assertPlain(r, "one question")
        self.assertEqual(r.headers.get("Vary"), "Accept-Encoding")

    def test_secret_replies_never_compressed(self):
        c = self.srv.client()
        gz = {"Accept-Encoding": "gzip, deflate, br"}
        r = c.post("/api/v1/login", json={"login": "gz04", "password": PW}, headers=gz, cookie=False)
        self.assertStatus(r, 200)
        self.assertIn("csrf_token", r.body)
        self.assertIsNone(r.headers.get("Content-Encoding"), "login: CSRF token and session")
        self.assertIsNone(r.headers.get("Vary"))
        c.csrf = r.body["csrf_token"]
        for accept in ("gzip", "*", "gzip;q=1"):
            r = c.get("/api/v1/me", headers={"Accept-Encoding": accept})
            self.assertStatus(r, 200)
            self.assertIn("csrf_token", r.body["user"])
            self.assertIsNone(r.headers.get("Content-Encoding"), "/me carries the CSRF token")
        a = self.person("gz-admin")
        r = a.post("/api/v1/admin/users/gz05/password", json={}, headers=gz)
        self.assertStatus(r, 200)
        self.assertIn("password", r.body)
        self.assertIsNone(r.headers.get("Content-Encoding"), "a password shown once")
        # The rule is the route table's: every reply with a secret is R_SECRET, no route is
        # both, and only the paper's routes are R_GZIP.
        flags = routes_flags()
        secret = {k for k, v in flags.items() if "R_SECRET" in v}
        self.assertTrue({("POST", "/api/v1/login"), ("GET", "/api/v1/me"), ("POST", "/api/v1/me/password"),
                         ("POST", "/api/v1/logout"), ("POST", "/api/v1/admin/users/*/password"),
                         ("POST", "/api/v1/admin/staff"), ("POST", "/api/v1/admin/slips")} <= secret, secret)
        self.assertEqual({k for k, v in flags.items() if "R_GZIP" in v},
                         {("POST", "/api/v1/exams/*/attempts"), ("GET", "/api/v1/attempts/*"),
                          ("POST", "/api/v1/practice"), ("GET", "/api/v1/practice/*")})
        self.assertEqual([k for k, v in flags.items() if {"R_GZIP", "R_SECRET"} <= v], [])

    def test_bytes_per_examinee(self):
        """Body bytes of one examinee's first load, start and reload, before (identity for the
        API, as the server answered before R_GZIP) and after (gzip). Static files: gzip in
        both (since session 3), measured as in StaticGzipTest."""
        paths = first_load_paths()
        static_gz = 0
        sc = self.srv.client()
        for p in paths:
            static_gz += len(sc.get(p, headers={"Accept-Encoding": "gzip"}).body)
        rows = []
        for label, accept in (("before", "identity"), ("after", "gzip, deflate, br")):
            c = self.srv.client()
            hdr = {"Accept-Encoding": accept}
            n = lambda r: int(r.headers.get("Content-Length", "0"))  # the body as sent
            raw = []

            def req(method, path, **kw):
                r = c.request(method, path, headers=hdr, **kw)
                self.assertLess(r.status, 500, r.body)
                raw.append((path, r))
                return r
            login = "gz06" if label == "before" else "gz07"
            me0 = req("GET", "/api/v1/me")
            r = c.post("/api/v1/login", json={"login": login, "password": PW}, headers=hdr, cookie=False)
            c.csrf = r.body["csrf_token"]
            exams = req("GET", "/api/v1/exams")
            first = static_gz + n(me0) + n(r) + n(exams)
            st = req("POST", "/api/v1/exams/gz-annual/attempts")
            self.assertEqual(st.status, 201)
            aid = self.decoded(st)["id"]
            page = req("GET", "/api/v1/attempts/%d" % aid)
            start = n(st) + n(page)
            me = req("GET", "/api/v1/me")
            again = req("GET", "/api/v1/attempts/%d" % aid)
            reload = n(me) + n(again)  # static files revalidated: 304, no body
            rows.append((label, first, n(st), n(page), start, reload))
        print("\nbytes per examinee (bodies), 45-question paper:")
        print("%-7s %12s %10s %12s %12s %10s" % ("", "first load", "start", "exam page", "start total", "reload"))
        for row in rows:
            print("%-7s %12d %10d %12d %12d %10d" % row)
        before, after = rows
        self.assertLess(after[4] * 2.5, before[4], "the start's paper shrinks to under 40 %")


if __name__ == "__main__":
    unittest.main()
