"""Delivery of the page to a district on one uplink (issue 15): the static files are gzip-
compressed once at load and served so to a browser that accepts gzip, byte for byte the same
content once decoded; a client that does not accept gzip (or refuses it with q=0) gets the
plain file; ETags differ per encoding and revalidation (304) works for both; responses that
carry secrets (the API) are never compressed. Prints the bytes of a first load and a reload
for docs/benchmarks.md.
"""

import gzip
import os
import re
import unittest

import lawexam_e2e as L

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


if __name__ == "__main__":
    unittest.main()
