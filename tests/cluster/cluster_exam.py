"""cluster_exam — examinees that take an exam through HAProxy while nodes or the database die,
and the checks of what they were told against what the database holds.

Every request goes on a fresh TCP connection, so HAProxy's round robin sends consecutive
requests of one examinee to different nodes. A request that fails on the network (the node
died under it, HAProxy had no healthy node) or gets 503 storage_unavailable is sent again,
unchanged, after a pause. That is safe for every request an examinee makes here, and only
because of the protocol (SPEC §5, §6):

- GET /me, GET /attempts/{id}: reads;
- POST /login: a second session next to a lost one does no harm;
- POST /exams/{code}/attempts: starting while in progress resumes the same attempt (max_attempts 1);
- PUT /attempts/{id}/answers: every answer carries the client's seq, and a save whose seq is
  not above the stored one is ignored, so a replay can never overwrite a newer answer;
- POST /attempts/{id}/submit: idempotent.

Any other status is recorded as unexpected (a 401 would mean a session was lost).
"""

import http.client
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import cluster_infra as C
from cluster_infra import L

from test_reliability import FAST, PW, create_exam, import_bank, import_staff, make_bank  # noqa: F401 (re-exported)

NET_ERRORS = (OSError, http.client.HTTPException)


def full():
    return os.environ.get("LAWEXAM_CLUSTER_FULL") == "1"


def choices(dq):
    if dq["type"] == "judge":
        return ["T", "F", ""]
    return [o["key"] for o in dq["options"]] + [""]


class Examinee:
    """One examinee; at most one request in flight. Keeps, per position, every (seq, response)
    sent and the latest acknowledged one."""

    GIVE_UP = 90  # seconds of failing before a request is given up (the test then fails)

    def __init__(self, front, login):
        self.login = login
        self.c = L.Client(front, retry=False, timeout=10)
        self.aid = None
        self.att = None
        self.seq = 0
        self.sent = {}       # pos -> {seq: response}
        self.acked = {}      # pos -> (seq, response) of the latest save answered 200
        self.ack_times = []  # time.time() of every 200 to a save
        self.ack_sent = []   # time.time() that try was sent (ack_sent[i] <= ack_times[i])
        self.last_send = 0.0
        self.n_acked = 0     # answers in saves answered 200
        self.net_errors = 0  # requests that failed on the network and were sent again
        self.n_503 = 0       # 503 storage_unavailable, sent again
        self.unexpected = []
        self.closed = False  # a save got 409 attempt_closed
        self.submitted = None
        self.died = None

    def call(self, method, path, body=None):
        t_end = time.monotonic() + self.GIVE_UP
        pause = 0.2
        while True:
            self.c.close()  # a fresh connection: HAProxy picks the next node
            self.last_send = time.time()
            try:
                r = self.c.request(method, path, json=body)
            except NET_ERRORS:
                self.net_errors += 1
            else:
                if not (r.status == 503 and L.error_code(r) == "storage_unavailable"):
                    return r
                self.n_503 += 1
            if time.monotonic() > t_end:
                raise TimeoutError("%s: %s %s kept failing for %d s" % (self.login, method, path, self.GIVE_UP))
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 1.5, 2.0)

    def log_in(self):
        r = self.call("POST", "/api/v1/login", {"login": self.login, "password": PW})
        if r.status != 200:
            raise AssertionError("%s: login %d %r" % (self.login, r.status, r.body))
        self.c.csrf = r.body["csrf_token"]

    def start(self, code):
        r = self.call("POST", "/api/v1/exams/%s/attempts" % code)
        if r.status not in (200, 201):
            raise AssertionError("%s: start %d %r" % (self.login, r.status, r.body))
        self.att, self.aid = r.body, r.body["id"]

    def save(self, rnd):
        items = []
        for dq in rnd.sample(self.att["questions"], rnd.randint(1, 3)):
            pos = dq["position"]
            last = max(self.sent.get(pos, {0: ""}).items())[1]
            self.seq += 1
            resp = rnd.choice([x for x in choices(dq) if x != last])
            self.sent.setdefault(pos, {})[self.seq] = resp
            items.append({"position": pos, "response": resp, "seq": self.seq})
        r = self.call("PUT", "/api/v1/attempts/%d/answers" % self.aid, {"answers": items})
        if r.status == 200:
            for it in items:
                self.acked[it["position"]] = (it["seq"], it["response"])
            self.n_acked += len(items)
            self.ack_times.append(time.time())
            self.ack_sent.append(self.last_send)
        elif r.status == 409 and L.error_code(r) == "attempt_closed":
            self.closed = True
        else:
            self.unexpected.append(("save", r.status, r.body))
        return r

    def submit(self):
        r = self.call("POST", "/api/v1/attempts/%d/submit" % self.aid)
        if r.status == 200:
            self.submitted = r.body
        else:
            self.unexpected.append(("submit", r.status, r.body))

    def run(self, rnd, stop_at, submit_at=None, pause=(0.3, 1.0)):
        """Saves until time.time() reaches stop_at (or submit_at: then submits). Never raises."""
        try:
            while not self.closed:
                now = time.time()
                if submit_at is not None and now >= submit_at:
                    self.submit()
                    return
                if now >= stop_at:
                    return
                self.save(rnd)
                time.sleep(rnd.uniform(*pause))
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.died = e

    def me_ok(self):
        r = self.call("GET", "/api/v1/me")
        self.c.close()
        return r.status == 200


def parallel(fn, items, workers=16):
    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


def setup_exam_data(node, n_examinees, prefix="cl"):
    """A bank, n examinees (password PW) on the shared database; returns (bank, logins)."""
    bank = make_bank("cluster", 12, 12)
    import_bank(node, bank)
    logins = ["%s%03d" % (prefix, i) for i in range(n_examinees)]
    import_staff(node, logins)
    return bank, logins


def storm(examinees, stop_at, seed, submitters=0.35, submit_before=None):
    """Runs every examinee in a thread until stop_at; about `submitters` of them submit at a
    random moment before submit_before (default stop_at). Returns the threads (started)."""
    threads = []
    now = time.time()
    for i, ex in enumerate(examinees):
        rnd = random.Random(seed * 1000 + i)
        sub = None
        if rnd.random() < submitters:
            sub = rnd.uniform(now + 3, (submit_before or stop_at) - 1)
        t = threading.Thread(target=ex.run, args=(rnd, stop_at, sub), daemon=True)
        t.start()
        threads.append(t)
    return threads


def acked_now(examinees):
    """{login: {pos: (seq, response)}}: what every examinee has been acknowledged so far."""
    return {ex.login: dict(ex.acked) for ex in examinees}


def check_saves(examinees, db_rows, acked=None):
    """db_rows: [(attempt_id, position, seq)] from the answers table; acked: an acked_now()
    snapshot (default: the examinees' state now). Returns (acknowledged answers checked, lost,
    problems): an acknowledged answer is lost when the stored seq for its position is below
    the acknowledged one or missing; a stored seq that the examinee never sent is a problem too."""
    stored = {(int(a), int(p)): int(s) for a, p, s in db_rows}
    checked = lost = 0
    problems = []
    for ex in examinees:
        if ex.aid is None:
            continue
        mine = acked[ex.login] if acked is not None else ex.acked
        for pos, (seq, resp) in mine.items():
            checked += 1
            got = stored.get((ex.aid, pos))
            if got is None or got < seq:
                lost += 1
                problems.append("%s attempt %d position %d: acknowledged seq %d, stored %r"
                                % (ex.login, ex.aid, pos, seq, got))
        for pos in {p for (a, p) in stored if a == ex.aid}:
            if stored[(ex.aid, pos)] not in ex.sent.get(pos, {}):
                problems.append("%s attempt %d position %d: stored seq %d was never sent"
                                % (ex.login, ex.aid, pos, stored[(ex.aid, pos)]))
    return checked, lost, problems


def answers_rows(port, db="lawexam"):
    return [l.split("|") for l in C.psql(port, "SELECT attempt_id, position, seq FROM answers", db=db, timeout=30)]


def print_json(tag, figures):
    C.log(tag, "figures: " + json.dumps(figures, ensure_ascii=False, sort_keys=True))
