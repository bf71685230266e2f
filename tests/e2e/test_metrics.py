"""GET /metrics (docs/operations.md "Metrics", docs/api.md "Operations"): the Prometheus text
exposition format 0.0.4, read back by a strict parser written here (every sample declared by
# TYPE, a family's lines together, no series twice, histograms cumulative with +Inf == _count);
counters that move by exactly the requests made (N saves: the save route's 200s grow by N);
route labels from the route table, never from the URL; the node name (--node) in
lawexam_build_info and at the head of every log line; who may read it: a loopback peer (a
client on this machine's other address is not one), or with --metrics-token-only only an
administrator's API token, everyone else getting the same 404 as an unknown page."""

import math
import os
import re
import socket
import subprocess
import time
import unittest

import lawexam_e2e as L
from test_reliability import FAST, PW, create_exam, import_bank, import_staff, make_bank

CTYPE = "text/plain; version=0.0.4"
NODE = "e2e-node_1.example:8443"
SAVE = ("PUT", "/api/v1/attempts/*/answers")
LOGIN = ("POST", "/api/v1/login")
METRICS = ("GET", "/metrics")

# --- a strict reader of the text format 0.0.4 ------------------------------------------------

NAME_RE = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')
SAMPLE_RE = re.compile(r"^(%s)(\{[^\n]*\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$" % NAME_RE)
COMMENT_RE = re.compile(r"^#[ \t]+(HELP|TYPE)[ \t]+(%s)(?:[ \t]+(.*))?$" % NAME_RE)
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class FormatError(AssertionError):
    pass


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def parse_labels(text, where):
    """'{a="x",b="y"}' -> (("a","x"),("b","y")) sorted; FormatError on anything else."""
    inner = text[1:-1]
    out, pos = {}, 0
    while pos < len(inner):
        m = LABEL_RE.match(inner, pos)
        if not m:
            raise FormatError("%s: bad label list %r" % (where, text))
        name, value = m.group(1), unescape(m.group(2))
        if name in out:
            raise FormatError("%s: label %s twice" % (where, name))
        out[name] = value
        pos = m.end()
    return tuple(sorted(out.items()))


def parse_value(s, where):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    try:
        return float(s)
    except ValueError:
        raise FormatError("%s: value %r is not a number" % (where, s))


def family_of(name, types):
    """The declared family a sample name belongs to (histogram: _bucket/_sum/_count)."""
    if name in types and types[name] != "histogram":
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return None


def parse_exposition(text):
    """Reads the whole text strictly. Returns (types, samples): types {family: type},
    samples {(name, labels): value} with labels a sorted tuple of pairs."""
    if not text.endswith("\n"):
        raise FormatError("the text does not end with a newline")
    types, helps, samples = {}, {}, {}
    seen_families, current = set(), None
    for no, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d %r" % (no, line)
        if not line.strip():
            continue
        if line.startswith("#"):
            m = COMMENT_RE.match(line)
            if not m:
                continue  # any other comment is allowed
            kind, name, rest = m.group(1), m.group(2), m.group(3) or ""
            if kind == "TYPE":
                if rest not in TYPES:
                    raise FormatError("%s: unknown type" % where)
                if name in types:
                    raise FormatError("%s: TYPE given twice" % where)
                if name in seen_families:
                    raise FormatError("%s: TYPE after samples of the family" % where)
                types[name] = rest
            else:
                if name in helps:
                    raise FormatError("%s: HELP given twice" % where)
                if re.search(r"\\[^\\n]", rest):
                    raise FormatError("%s: bad escape in HELP" % where)
                helps[name] = rest
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise FormatError("%s: not a sample line" % where)
        name, labels, value = m.group(1), m.group(2), m.group(3)
        fam = family_of(name, types)
        if fam is None:
            raise FormatError("%s: sample of no family declared by # TYPE" % where)
        if fam != current:
            if fam in seen_families:
                raise FormatError("%s: the lines of family %s are not together" % (where, fam))
            seen_families.add(fam)
            current = fam
        key = (name, parse_labels(labels, where) if labels else ())
        if key in samples:
            raise FormatError("%s: the same series twice" % where)
        v = parse_value(value, where)
        if types[fam] == "counter" and not v >= 0:
            raise FormatError("%s: a counter below 0" % where)
        samples[key] = v
    check_histograms(types, samples)
    return types, samples


def check_histograms(types, samples):
    for fam, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                d = dict(labels)
                if "le" not in d:
                    raise FormatError("%s: a bucket without le" % fam)
                rest = tuple(p for p in labels if p[0] != "le")
                series.setdefault(rest, []).append((parse_value(d["le"], fam), v))
        for (name, labels), v in samples.items():
            if name in (fam + "_sum", fam + "_count") and labels not in series:
                raise FormatError("%s%s: _sum/_count without buckets" % (fam, labels))
        for labels, buckets in series.items():
            buckets.sort()
            les = [le for le, _ in buckets]
            counts = [c for _, c in buckets]
            if les[-1] != math.inf:
                raise FormatError("%s%s: no +Inf bucket" % (fam, labels))
            if any(b < a for a, b in zip(counts, counts[1:])):
                raise FormatError("%s%s: buckets not cumulative: %r" % (fam, labels, buckets))
            count = samples.get((fam + "_count", labels))
            total = samples.get((fam + "_sum", labels))
            if count is None or total is None:
                raise FormatError("%s%s: _count or _sum missing" % (fam, labels))
            if counts[-1] != count:
                raise FormatError("%s%s: +Inf bucket %r != _count %r" % (fam, labels, counts[-1], count))


def lab(**kw):
    return tuple(sorted(kw.items()))


class ParserSelfTest(unittest.TestCase):
    """The parser refuses what the format forbids (else the tests below prove little)."""

    GOOD = ('# HELP a_total Things.\n# TYPE a_total counter\na_total{x="1"} 3\n'
            '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1.5\nh_count 2\n')

    def test_good(self):
        types, samples = parse_exposition(self.GOOD)
        self.assertEqual(types, {"a_total": "counter", "h": "histogram"})
        self.assertEqual(samples[("a_total", lab(x="1"))], 3)

    def test_bad(self):
        bad = {
            "undeclared": "b 1\n",
            "no newline at end": self.GOOD.rstrip("\n"),
            "inf != count": self.GOOD.replace("h_count 2", "h_count 3"),
            "not cumulative": self.GOOD.replace('h_bucket{le="1"} 1', 'h_bucket{le="1"} 5'),
            "no +Inf": self.GOOD.replace('h_bucket{le="+Inf"} 2\n', ""),
            "bad label escape": self.GOOD.replace('x="1"', 'x="a\\tb"'),
            "duplicate series": self.GOOD + 'a_total{x="1"} 4\n',
            "family split": self.GOOD + 'a_total{x="2"} 4\n',
            "type twice": self.GOOD + "# TYPE a_total counter\n",
            "negative counter": self.GOOD.replace("} 3", "} -3"),
            "bad value": self.GOOD.replace("} 3", "} three"),
        }
        for why, text in bad.items():
            with self.assertRaises(FormatError, msg=why):
                parse_exposition(text)


# --- the server -------------------------------------------------------------------------------

def scrape(tc, client, **kw):
    r = client.get("/metrics", **kw)
    tc.assertStatus(r, 200)
    tc.assertTrue(r.headers.get("Content-Type", "").startswith(CTYPE), r.headers.get("Content-Type"))
    text = r.body.decode("utf-8")
    return text, parse_exposition(text)[1]


def requests_of(samples, route, status):
    method, pattern = route
    return samples.get(("lawexam_http_requests_total", lab(method=method, route=pattern, status=str(status))), 0)


def hist_count(samples, family, **labels):
    return samples.get((family + "_count", lab(**labels)), 0)


class MetricsTest(L.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST, "--node", NODE, "--threads", "2", log_level="info")
        import_bank(srv, make_bank("mtr", 8, 8))
        import_staff(srv, ["mt01", "mt02"])
        srv.add_user("mt-admin", roles="admin", password=PW)
        create_exam(srv, "mtr-a", "mtr")

    def test_text_format_and_exact_counts(self):
        local = self.srv.client()
        _, before = scrape(self, local)
        c = self.srv.client()
        c.login("mt01", PW)
        r = c.post("/api/v1/exams/mtr-a/attempts")
        self.assertStatus(r, 201)
        att = r.body
        saves = 7
        for i in range(saves):
            q = att["questions"][i % len(att["questions"])]
            self.assertStatus(c.put("/api/v1/attempts/%d/answers" % att["id"],
                                    json={"answers": [{"position": q["position"], "response": "",
                                                       "seq": i + 1}]}), 200)
        self.assertStatus(c.get("/api/v1/attempts/987654321"), 404)   # a route, an id in the URL
        self.assertStatus(c.get("/api/v1/no-such-route-424242"), 404)  # no route: "other"
        self.assertStatus(c.get("/no-such-page-535353"), 404)          # the web front end: "static"
        text, after = scrape(self, local)

        def delta(route, status):
            return requests_of(after, route, status) - requests_of(before, route, status)

        self.assertEqual(delta(SAVE, 200), saves, "every save counted once, under the route's pattern")
        self.assertEqual(delta(LOGIN, 200), 1)
        self.assertEqual(delta(("POST", "/api/v1/exams/*/attempts"), 201), 1)
        self.assertEqual(delta(("GET", "/api/v1/attempts/*"), 404), 1)
        self.assertEqual(delta(("other", "other"), 404), 1)
        self.assertEqual(delta(("GET", "static"), 404), 1)
        self.assertEqual(delta(METRICS, 200), 1, "a scrape is counted once answered (the first one here)")
        fam = "lawexam_http_request_duration_seconds"
        self.assertEqual(hist_count(after, fam, method="PUT", route=SAVE[1])
                         - hist_count(before, fam, method="PUT", route=SAVE[1]), saves)
        # Route labels come from the table, never from the URL.
        for needle in ("987654321", "424242", "535353"):
            self.assertNotIn(needle, text)
        routes = {dict(labels)["route"] for (name, labels) in after if name == "lawexam_http_requests_total"}
        self.assertTrue(routes <= self.table_patterns() | {"static", "other"}, routes)
        # The writer committed at least the saves (and the session's start) in batches.
        bsum = after[("lawexam_writer_batch_size_sum", ())] - before[("lawexam_writer_batch_size_sum", ())]
        bcount = after[("lawexam_writer_batch_size_count", ())] - before[("lawexam_writer_batch_size_count", ())]
        self.assertGreaterEqual(bsum, saves + 1)
        self.assertGreaterEqual(bcount, 1)
        self.assertLessEqual(bcount, bsum)
        # Gauges and the rest are there.
        self.assertEqual(after[("lawexam_build_info", lab(node=NODE))], 1)
        self.assertGreaterEqual(after[("lawexam_http_connections", ())], 2, "local and c are open")
        for g in ("lawexam_writer_queue_depth", "lawexam_hash_pool_queue_depth", "lawexam_http_requests_pending",
                  "lawexam_store_reconnects_total"):
            self.assertGreaterEqual(after[(g, ())], 0)
        for kind in ("busy", "constraint", "nomem", "storage"):
            self.assertIn(("lawexam_store_errors_total", lab(kind=kind)), after)
        self.assertLessEqual(abs(after[("process_start_time_seconds", ())] - time.time()), 3600)

    def table_patterns(self):
        with open(os.path.join(L.SOURCE_DIR, "server", "routes.c"), encoding="utf-8") as f:
            src = f.read()
        return set(re.findall(r'\{(?:GET|POST|PUT|DELETE), "([^"]+)"', src))

    def test_latency_and_methods_follow_the_table(self):
        local = self.srv.client()
        _, before = scrape(self, local)
        for _ in range(3):
            self.assertStatus(local.get("/healthz"), 200)
        self.assertStatus(local.head("/healthz"), 200)  # HEAD counts as the GET route
        _, after = scrape(self, local)
        self.assertEqual(requests_of(after, ("GET", "/healthz"), 200) - requests_of(before, ("GET", "/healthz"), 200), 4)
        b = after[("lawexam_http_request_duration_seconds_bucket", lab(method="GET", route="/healthz", le="5"))]
        inf = after[("lawexam_http_request_duration_seconds_bucket", lab(method="GET", route="/healthz", le="+Inf"))]
        self.assertEqual(b, inf, "a health check takes well under 5 s")

    def test_every_log_line_names_the_node(self):
        c = self.srv.client()
        self.assertStatus(c.get("/healthz"), 200)
        lines = [l for l in self.srv.log_text().splitlines() if re.match(r"^\d{4}-\d\d-\d\dT", l)]
        self.assertTrue(any(" GET /healthz 200 " in l for l in lines), "request lines at --log-level info")
        bad = [l for l in lines if not re.match(r"^\S+Z %s (error|warn |info |debug) " % re.escape(NODE), l)]
        self.assertEqual(bad, [], "lines without the node name after the time")

    def test_local_peer_needs_no_token(self):
        _, samples = scrape(self, self.srv.client())  # 127.0.0.1, no credentials
        self.assertIn(("lawexam_build_info", lab(node=NODE)), samples)

    def test_bad_node_names_refused(self):
        for bad in ("", "two words", "a/b", "x" * 65, 'q"uote'):
            p = subprocess.run([L.LAWEXAMD, "--db", self.srv.db, "--node", bad], capture_output=True, text=True,
                                 timeout=30)
            self.assertEqual(p.returncode, 2, "--node %r: %s" % (bad, p.stderr))
            self.assertIn("--node", p.stderr)


def non_loopback_address():
    """An IPv4 address of this machine that is not 127.x (the source of its default route),
    or None. A UDP connect sends nothing."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


class MetricsRemotePeerTest(L.TestCase):
    """A real client that is not on the loopback: lawexamd listens on this machine's other
    address and the test connects to it, so the server sees that address as the peer."""

    @classmethod
    def setUpClass(cls):
        cls.addr = non_loopback_address()
        L.require(cls.addr, "this machine has no IPv4 address besides 127.0.0.1")
        cls.srv = srv = cls.start_server(*FAST, start=False)
        srv.host = cls.addr
        srv.start()
        srv.add_user("rp-admin", roles="admin", password=PW)
        srv.add_user("rp-exam", roles="examinee", password=PW)
        cls.admin_token = srv.token("rp-admin")
        cls.exam_token = srv.token("rp-exam")

    def test_remote_peer_needs_an_admin_token(self):
        c = self.srv.client(verify=False)  # the self-signed certificate names 127.0.0.1 only
        like = c.get("/no-such-page")
        self.assertStatus(like, 404)
        r = c.get("/metrics")
        self.assertEqual((r.status, r.body), (like.status, like.body), "no credentials from %s" % self.addr)
        r = self.srv.client(verify=False, token=self.exam_token).get("/metrics")
        self.assertEqual((r.status, r.body), (like.status, like.body), "an examinee's token")
        _, samples = scrape(self, self.srv.client(verify=False, token=self.admin_token))
        self.assertGreaterEqual(requests_of(samples, METRICS, 404), 2)


class MetricsTokenOnlyTest(L.TestCase):
    """Behind HAProxy on the same host every peer is 127.0.0.1: --metrics-token-only."""

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = cls.start_server(*FAST, "--metrics-token-only")
        srv.add_user("ops-admin", roles="admin", password=PW)
        srv.add_user("ops-hr", roles="hr", password=PW)
        srv.add_user("ops-exam", roles="examinee", password=PW)
        srv.add_user("ops-gone", roles="admin", password=PW)
        cls.admin_token = srv.token("ops-admin")
        cls.hr_token = srv.token("ops-hr")
        cls.exam_token = srv.token("ops-exam")
        cls.gone_token = srv.token("ops-gone")
        rc, out, err = srv.admin("user", "disable", "ops-gone")
        if rc != 0:
            raise AssertionError("user disable: %s%s" % (out, err))

    def unknown_page(self, c, **kw):
        r = c.get("/no-such-page", **kw)
        self.assertStatus(r, 404)
        return r

    def assertHidden(self, r, like, why):
        self.assertEqual((r.status, r.body), (like.status, like.body), why)
        self.assertEqual(r.headers.get("Content-Type"), like.headers.get("Content-Type"), why)

    def test_only_an_admin_token_reads_it(self):
        c = self.srv.client()
        like = self.unknown_page(c)
        self.assertHidden(c.get("/metrics"), like, "no credentials from 127.0.0.1")
        for who, tok in (("examinee", self.exam_token), ("hr", self.hr_token), ("disabled admin", self.gone_token),
                         ("unknown", "x" * 43), ("empty", "")):
            self.assertHidden(c.get("/metrics", token=tok, headers={"Authorization": "Bearer " + tok}), like,
                              "token of %s" % who)
        a = self.srv.client()
        a.login("ops-admin", PW)
        self.assertHidden(a.get("/metrics"), self.unknown_page(a), "an admin's cookie session: tokens only")
        text, samples = scrape(self, self.srv.client(token=self.admin_token))
        self.assertIn("lawexam_build_info", text)
        # The refusals were counted (by route pattern), the one that passed too.
        self.assertGreaterEqual(requests_of(samples, METRICS, 404), 7)
        self.assertEqual(requests_of(samples, METRICS, 200), 0, "the scrape counts itself only once answered")

    def test_revoked_token_is_refused(self):
        self.srv.add_user("ops-admin2", roles="admin", password=PW)
        tok = self.srv.token("ops-admin2")
        c = self.srv.client(token=tok)
        scrape(self, c)
        rc, out, err = self.srv.admin("token", "list", "ops-admin2")
        self.assertEqual(rc, 0, err)
        ids = [l.split("\t")[0] for l in out.strip().splitlines()[1:]]
        self.assertEqual(len(ids), 1, out)
        rc, out, err = self.srv.admin("token", "revoke", ids[0])
        self.assertEqual(rc, 0, out + err)
        self.assertHidden(c.get("/metrics"), self.unknown_page(self.srv.client()), "a revoked token")


if __name__ == "__main__":
    unittest.main()
