"""End-to-end tests of login throttling under concurrency (docs/security.md, "Login
throttling"). test_foundation.py and test_security.py check throttling one request at a time;
these send many at once over separate TLS connections, as an attacker would:

- ConcurrentLockoutTest: 59 wrong passwords and then the right one for one account, all in
  flight together: at most --throttle-account passwords are checked (401), the rest get 429
  too_many_attempts, the right one included. The same for 150 logins from one address
  (--throttle-address) and for 40 wrong old passwords on /me/password through a stolen
  session.
- AddressFairnessTest: a flood of logins from one client address does not hold up a login from
  another address for longer than a few hashes.
- SuccessRecheckTest: a right password whose account was locked while it was being checked
  (another node, here a second connection beside the server) gets 429, not a session.
- ShutdownWhileWaitingTest: SIGTERM while hundreds of logins wait in the gate: every one is
  answered and the server exits 0.

Client addresses: lawexamd trusts no X-Forwarded-For, so clients bind distinct loopback source
addresses (127.0.0.2, 127.0.0.3, …; Linux routes all of 127/8 to lo) and the server sees
them as different peers. Every user is made by `lawexam-admin user add` with the default
argon2id parameters (~20 ms a hash), and the server has one hash thread, so a burst queues.
"""

import http.client
import json
import statistics
import threading
import time
import unittest

import lawexam_e2e as L
from lawexam_e2e import error_code

PW = L.DEFAULT_PASSWORD


class Conn:
    """One pre-connected HTTPS connection (TLS handshake done) from a chosen source address."""

    def __init__(self, srv, source="127.0.0.1"):
        self.srv = srv
        self.conn = http.client.HTTPSConnection(srv.host, srv.port, context=srv.ssl_context(verify=False),
                                                timeout=60, source_address=(source, 0))
        self.conn.connect()

    def send(self, method, path, body, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        self.conn.request(method, path, body=json.dumps(body).encode(), headers=h)

    def answer(self):
        r = self.conn.getresponse()
        data = r.read()
        try:
            body = json.loads(data.decode()) if data else None
        except ValueError:
            body = data
        return L.Reply(r.status, r.headers, body)

    def close(self):
        self.conn.close()


def burst(conns, requests, last=None):
    """Sends requests[i] = (method, path, body, headers) on conns[i] all at once (threads meet at
    a barrier). With last=(conn, request), that one is sent once every other request has been
    written. Returns (replies, last_reply), each reply a Reply or the exception's repr."""
    n = len(requests)
    replies = [None] * n
    sent = threading.Barrier(n + 1) if last else None
    go = threading.Barrier(n + (2 if last else 1))
    out = [None]

    def one(i):
        go.wait()
        try:
            conns[i].send(*requests[i])
        except Exception as e:  # recorded, asserted by the caller
            replies[i] = repr(e)
        if sent:
            sent.wait()
        if replies[i] is None:
            try:
                replies[i] = conns[i].answer()
            except Exception as e:
                replies[i] = repr(e)

    def final():
        go.wait()
        sent.wait()
        time.sleep(0.005)
        try:
            last[0].send(*last[1])
            out[0] = last[0].answer()
        except Exception as e:
            out[0] = repr(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    if last:
        threads.append(threading.Thread(target=final))
    for t in threads:
        t.start()
    go.wait()
    for t in threads:
        t.join(120)
    return replies, out[0]


def tally(replies):
    """{(status, code): count} of a list of replies."""
    t = {}
    for r in replies:
        k = (r.status, error_code(r)) if isinstance(r, L.Reply) else (r, None)
        t[k] = t.get(k, 0) + 1
    return t


class ConcurrentLockoutTest(L.TestCase):
    LIMIT = 5

    def start(self):
        srv = self.server("--hash-threads", "1", "--throttle-account", str(self.LIMIT),
                          "--throttle-address", "1000", "--throttle-window", "600")
        return srv

    def test_concurrent_logins_hash_at_most_the_limit(self):
        srv = self.start()
        srv.add_user("burst", password=PW)
        conns = [Conn(srv) for _ in range(60)]
        wrong = [("POST", "/api/v1/login", {"login": "burst", "password": "Wrong-%02d-pass" % i}, None)
                 for i in range(59)]
        replies, right = burst(conns[:59], wrong,
                               last=(conns[59], ("POST", "/api/v1/login", {"login": "burst", "password": PW}, None)))
        t = tally(replies + [right])
        checked = t.get((401, "bad_credentials"), 0) + t.get((200, None), 0)
        print("\n# 60 concurrent logins for one account (59 wrong, then the right one): "
              "%d passwords checked (limit %d); %r; the right one: %s"
              % (checked, self.LIMIT, t, right.status if isinstance(right, L.Reply) else right))
        self.assertIsInstance(right, L.Reply, right)
        self.assertLessEqual(checked, self.LIMIT, t)
        self.assertStatus(right, 429, "too_many_attempts")
        self.assertRegex(right.headers.get("Retry-After", ""), r"^[1-9]\d*$")
        self.assertEqual(checked + t.get((429, "too_many_attempts"), 0), 60, t)
        with L.connect(srv) as db:
            (failures,) = db.execute("SELECT failures FROM login_throttle WHERE key = 'acct:burst'").fetchone()
        self.assertLessEqual(failures, self.LIMIT)
        for c in conns:
            c.close()

    def test_concurrent_logins_from_one_address_hash_at_most_the_address_limit(self):
        # 150 wrong logins (150 different accounts) from one address against the default
        # address limit of 100.
        srv = self.server("--hash-threads", "1", "--throttle-account", "100000",
                          "--throttle-address", "100", "--throttle-window", "600")
        srv.add_user("someone", password=PW)
        conns = [Conn(srv, "127.0.0.2") for _ in range(150)]
        reqs = [("POST", "/api/v1/login", {"login": "guess%03d" % i, "password": "Wrong-pass-1"}, None)
                for i in range(150)]
        replies, _ = burst(conns, reqs)
        t = tally(replies)
        checked = t.get((401, "bad_credentials"), 0)
        print("\n# 150 concurrent logins from one address: %d passwords checked (address limit 100); %r"
              % (checked, t))
        self.assertLessEqual(checked, 100, t)
        self.assertEqual(checked + t.get((429, "too_many_attempts"), 0), 150, t)
        # The lock is the address's: another address still logs in.
        c = Conn(srv, "127.0.0.3")
        c.send("POST", "/api/v1/login", {"login": "someone", "password": PW})
        self.assertStatus(c.answer(), 200)
        for c in conns + [c]:
            c.close()

    def test_concurrent_wrong_old_passwords_checked_at_most_the_limit(self):
        srv = self.start()
        srv.add_user("stolen", password=PW)
        thief = srv.client()
        thief.login("stolen", PW)
        hdrs = {"Cookie": "lawexam_session=" + thief.cookie, "X-CSRF-Token": thief.csrf}
        conns = [Conn(srv) for _ in range(40)]
        reqs = [("POST", "/api/v1/me/password", {"old": "Guess-%02d-pass" % i, "new": "Brand-New-Pass-9"}, hdrs)
                for i in range(40)]
        replies, _ = burst(conns, reqs)
        t = tally(replies)
        checked = t.get((403, "bad_credentials"), 0)
        print("\n# 40 concurrent wrong old passwords on /me/password: %d checked (limit %d); %r"
              % (checked, self.LIMIT, t))
        self.assertLessEqual(checked, self.LIMIT, t)
        self.assertEqual(checked + t.get((429, "too_many_attempts"), 0), 40, t)
        for c in conns:
            c.close()


class AddressFairnessTest(L.TestCase):
    """While one address floods the login with 120 requests (each a full hash, under every
    throttle limit), a login from another address waits for a few hashes (at most 16 of the
    flood's), not the flood."""

    FLOOD = 120

    def test_flood_from_one_address_does_not_delay_another(self):
        srv = self.server("--hash-threads", "1", "--throttle-account", "100000",
                          "--throttle-address", "1000000")
        srv.add_user("victim", password=PW)
        alone = []
        for _ in range(5):
            c = Conn(srv)
            t0 = time.monotonic()
            c.send("POST", "/api/v1/login", {"login": "victim", "password": PW})
            self.assertStatus(c.answer(), 200)
            alone.append(time.monotonic() - t0)
            c.close()
        base = statistics.median(alone)
        flood = [Conn(srv, "127.0.0.2") for _ in range(self.FLOOD)]
        victim = Conn(srv, "127.0.0.1")
        # One thread sends the whole flood (no client threads competing for the GIL with the
        # timed login), then the timed login, then reads the flood's answers.
        f0 = time.monotonic()
        for i, c in enumerate(flood):
            c.send("POST", "/api/v1/login", {"login": "nobody%03d" % i, "password": "Wrong-pass-1"})
        time.sleep(0.15)        # the flood is queued
        t0 = time.monotonic()
        victim.send("POST", "/api/v1/login", {"login": "victim", "password": PW})
        r = victim.answer()
        during = time.monotonic() - t0
        replies = []
        for c in flood:
            try:
                replies.append(c.answer())
            except Exception as e:  # counted below
                replies.append(repr(e))
        flood_time = time.monotonic() - f0
        t = tally(replies)
        # The flood's own pace (one hash thread) is the yardstick, measured in the same run on
        # a machine whose load varies: the timed login may wait for the hashes the flooding
        # address was allowed to queue (4), the one running and its own (about 6, measured 3-7),
        # not for the flood (120); 16 leaves room for a loaded machine's writer and loops.
        per_hash = flood_time / self.FLOOD
        bound = 16 * per_hash
        print("\n# login from another address during a flood of %d from 127.0.0.2: %.3f s = %.1f flood hashes "
              "(alone: median %.3f s; bound 16 hashes = %.3f s); the flood took %.2f s: %r"
              % (self.FLOOD, during, during / per_hash, base, bound, flood_time, t))
        self.assertStatus(r, 200)
        self.assertEqual(t, {(401, "bad_credentials"): self.FLOOD})   # every one answered, none lost
        self.assertLess(during, bound)
        self.assertGreater(flood_time, 0.15 + 2 * during)             # the flood outlasted the timed login
        for c in flood + [victim]:
            c.close()


class SuccessRecheckTest(L.TestCase):
    """Another node (a second database connection here) locks the account while the right
    password waits for its hash: the success is refused (429), no session is made, and the
    lock stays."""

    def test_lock_during_the_hash_refuses_the_success(self):
        srv = self.server("--hash-threads", "1", "--throttle-account", "5", "--throttle-address", "1000",
                          "--throttle-window", "600")
        srv.add_user("late", password=PW)
        # 8 addresses × 4 logins of unknown accounts (4 = what one address may have in flight
        # with one hash thread) queue ~32 hashes ahead of the right one.
        fill = [Conn(srv, "127.0.0.%d" % (3 + i // 4)) for i in range(32)]
        reqs = [("POST", "/api/v1/login", {"login": "filler%02d" % i, "password": "Wrong-pass-1"}, None)
                for i in range(32)]
        box = {}
        ft = threading.Thread(target=lambda: box.setdefault("r", burst(fill, reqs)))
        ft.start()
        time.sleep(0.1)
        late = Conn(srv)
        late.send("POST", "/api/v1/login", {"login": "late", "password": PW})
        time.sleep(0.05)
        now = int(time.time())
        with L.connect(srv) as db:
            db.execute("INSERT INTO login_throttle(key, failures, window_start, locked_until) VALUES(?, 5, ?, ?)"
                       " ON CONFLICT(key) DO UPDATE SET failures = 5, window_start = ?2, locked_until = ?3",
                       ("acct:late", now, now + 600))
        r = late.answer()
        ft.join(120)
        self.assertFalse(ft.is_alive())
        self.assertStatus(r, 429, "too_many_attempts")
        self.assertIsNone(r.headers.get("Set-Cookie"))
        with L.connect(srv) as db:
            (n,) = db.execute("SELECT count(*) FROM sessions").fetchone()
            (until,) = db.execute("SELECT locked_until FROM login_throttle WHERE key = 'acct:late'").fetchone()
        self.assertEqual(n, 0)
        self.assertEqual(until, now + 600)
        for c in fill + [late]:
            c.close()

class ShutdownWhileWaitingTest(L.TestCase):
    """SIGTERM while logins wait in the gate for longer than the 4 s shutdown drain: every
    request still gets an answer (200, or 503 shutting_down for a check not started), and
    the server exits 0 promptly. Two event loops, so the waiting requests live on both."""

    N = 300

    def test_sigterm_answers_every_waiting_login(self):
        srv = self.server("--threads", "2", "--hash-threads", "1", "--throttle-account", "100000",
                          "--throttle-address", "1000000")
        srv.add_user("waiter", password=PW)
        conns = [Conn(srv, "127.0.0.%d" % (2 + i % 3)) for i in range(self.N)]
        for i, c in enumerate(conns):
            c.send("POST", "/api/v1/login", {"login": "waiter" if i % 2 else "nobody%03d" % i,
                                             "password": PW})
        time.sleep(0.3)
        rc, elapsed = srv.stop(timeout=30)
        replies = []
        for c in conns:
            try:
                replies.append(c.answer())
            except Exception as e:  # counted below
                replies.append(repr(e))
        t = tally(replies)
        print("\n# SIGTERM with %d logins waiting: exit %r after %.2f s; %r" % (self.N, rc, elapsed, t))
        self.assertEqual(rc, 0, srv.log_tail())
        self.assertLess(elapsed, 8.0)
        answered = sum(n for (st, code), n in t.items() if st in (200, 401) or (st, code) == (503, "shutting_down"))
        self.assertEqual(answered, self.N, t)
        self.assertGreater(t.get((503, "shutting_down"), 0), 0, t)   # the drain really ran out
        for c in conns:
            c.close()


if __name__ == "__main__":
    unittest.main()
