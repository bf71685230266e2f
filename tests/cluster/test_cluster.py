"""Several lawexamd nodes on one PostgreSQL (SPEC §11; docs/scale-out.md): three nodes behind
HAProxy (TLS passed through, `mode tcp`, health by GET /healthz; config rendered from
tools/deploy/haproxy.cfg), round robin without stickiness, every request on a fresh
connection, so consecutive requests of one examinee reach different nodes. Examinees save
answers through HAProxy, about a third submit, the rest are left to the auto-submit sweep (the
exam closes some 40 s after it starts); in the middle of it one node is killed with -9.

What must hold, checked in the database and through the API:
- clients carry on through HAProxy: nothing but network errors around the kill (retried, as
  cluster_exam explains why that is safe), no unexpected status, no session lost (GET /me);
- every acknowledged save is in the answers table (stored seq >= acknowledged seq);
- every attempt not submitted by its examinee is submitted by the sweep with reason `timeout`
  within 5 s of deadline + grace, and graded exactly once: a trigger (test instrumentation)
  records each grading write to answers.earned2 with its transaction id, and no attempt may
  have two; the nodes' "auto-submitted N attempt(s)" lines add up to the number of attempts
  the sweep submitted (one node swept each).

Short form by default (CI: 50 examinees); LAWEXAM_CLUSTER_FULL=1 runs 200. Figures go to
stderr (ctest -V). Needs root (PostgreSQL runs as the postgres user), haproxy, psql and
PostgreSQL 15 (missing: skip locally, fail under CI=true).
"""

import re
import time
import unittest

import cluster_infra as C
from cluster_infra import L
import cluster_exam as X

GRACE = 2

GRADING_PROBE = """
CREATE TABLE test_grading(attempt_id bigint NOT NULL, position int NOT NULL, tx bigint NOT NULL);
CREATE FUNCTION test_grading_f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN INSERT INTO test_grading VALUES (NEW.attempt_id, NEW.position, txid_current()); RETURN NEW; END $$;
CREATE TRIGGER test_grading_t AFTER UPDATE OF earned2 ON answers FOR EACH ROW EXECUTE FUNCTION test_grading_f();
"""


class ClusterTest(L.TestCase):
    TAG = "cluster"

    def setUp(self):
        super().setUp()
        miss = C.missing("haproxy", "psql", "initdb", "postgres", "openssl")
        L.require(not miss, "not installed: %s" % ", ".join(miss))
        L.require(C.IS_ROOT, "needs root: PostgreSQL must run as the postgres user")
        self.stack = C.Stack()
        self.addCleanup(self._close_stack)

    def _close_stack(self):
        ok = self._outcome.success if hasattr(self, "_outcome") else True
        if not ok:
            C.log(self.TAG, "logs:\n" + self.stack.logs(40))
        errors = self.stack.close(keep=not ok)
        if errors:
            raise AssertionError("stopping the cluster: %s" % "; ".join(errors))

    def database(self):
        pg = C.Postgres(self.stack)
        uri = pg.create_db()
        rc, out, err = L.run_admin(uri, "init", "--argon2-t", "1", "--argon2-m", "1024")
        self.assertEqual(rc, 0, out + err)
        return pg, uri

    def test_three_nodes_one_killed_mid_exam(self):
        n_ex = 200 if X.full() else 50
        window = 60 if X.full() else 40
        pg, uri = self.database()
        C.psql(pg.port, GRADING_PROBE, db="lawexam")
        nodes, front = C.web_cluster(self.stack, uri, 3, *X.FAST, "--grace-seconds", str(GRACE))

        X.setup_exam_data(nodes[0], n_ex)
        exs = [X.Examinee(front, "cl%03d" % i) for i in range(n_ex)]
        X.parallel(lambda e: e.log_in(), exs)
        closes = int(time.time()) + window
        X.create_exam(nodes[0], "cluster", "cluster", closes=closes)
        X.parallel(lambda e: e.start("cluster"), exs)
        t0 = time.time()
        threads = X.storm(exs, stop_at=closes - 2, seed=5, submitters=0.35, submit_before=closes - 6)
        kill_at = t0 + (closes - t0) * 0.4
        time.sleep(max(0, kill_at - time.time()))
        victim = nodes[1]
        t_kill = time.time()
        victim.kill9()
        C.log(self.TAG, "kill -9 %s %.1f s into the exam (%.1f s before it closes)" % (victim.name, t_kill - t0, closes - t_kill))
        time.sleep(6)
        victim.start()  # it comes back while the others serve (and sweeps with them)
        t_back = time.time()
        C.log(self.TAG, "%s serves again %.1f s after the kill" % (victim.name, t_back - t_kill))
        for t in threads:
            t.join(window + 180)
        self.assertFalse(any(t.is_alive() for t in threads), "examinee threads still running")

        # the sweep: every attempt submitted within 5 s of deadline + grace
        def open_attempts():
            return int(C.psql(pg.port, "SELECT count(*) FROM attempts WHERE status = 'in_progress'", db="lawexam")[0])
        C.wait_for(lambda: open_attempts() == 0, closes + GRACE + 30 - time.time(), "no attempt in progress", step=0.5)
        rows = [r.split("|") for r in C.psql(pg.port, "SELECT id, submit_reason, submitted_at - deadline, score2 "
                                                      "FROM attempts", db="lawexam")]
        reason = {int(i): r for i, r, _, _ in rows}
        late = {int(i): int(d) for i, _, d, _ in rows}
        graded = {}
        for a, n in (r.split("|") for r in C.psql(pg.port, "SELECT attempt_id, count(DISTINCT tx) FROM test_grading "
                                                            "GROUP BY attempt_id", db="lawexam")):
            graded[int(a)] = int(n)
        self_submitted = {e.aid for e in exs if e.submitted}
        swept = {a for a, r in reason.items() if r == "timeout"}
        logged = 0
        per_node = {}
        for nd in nodes:
            text = nd.log_text()
            logged += sum(int(n) for n in re.findall(r"auto-submitted (\d+) attempt", text))
            per_node[nd.name] = len(re.findall(r"PUT /api/v1/attempts/\d+/answers 200", text))

        ans = X.answers_rows(pg.port)
        checked, lost, problems = X.check_saves(exs, ans)
        sessions_ok = sum(1 for e in exs if e.me_ok())
        credits = [l for l in nodes[0].admin("audit")[1].splitlines() if "outage_credit" in l]
        figures = {"examinees": n_ex, "nodes": len(nodes), "killed": victim.name,
                   "saves_acknowledged": sum(len(e.ack_times) for e in exs),
                   "saves_acknowledged_after_kill": sum(1 for e in exs for t in e.ack_times if t > t_kill),
                   "answers_acknowledged": sum(e.n_acked for e in exs),
                   "acked_positions_checked": checked, "acked_positions_lost": lost,
                   "saves_200_per_node": per_node,
                   "retried_network_errors": sum(e.net_errors for e in exs),
                   "retried_503": sum(e.n_503 for e in exs),
                   "submitted_by_examinee": len(self_submitted),
                   "auto_submitted": len(swept), "auto_submitted_in_node_logs": logged,
                   "graded_twice": sum(1 for n in graded.values() if n > 1),
                   "max_seconds_past_deadline_at_auto_submit": max((late[a] for a in swept), default=None),
                   "sessions_valid_after": sessions_ok, "outage_credits": len(credits)}
        X.print_json(self.TAG, figures)

        self.assertEqual([(e.login, repr(e.died)) for e in exs if e.died], [])
        self.assertEqual([(e.login, e.unexpected) for e in exs if e.unexpected], [])
        self.assertEqual(lost, 0, "\n".join(problems[:20]))
        self.assertEqual(problems, [])
        self.assertEqual(sessions_ok, n_ex, "sessions stay valid")
        for nd in nodes:
            self.assertGreater(per_node[nd.name], 0, "round robin reaches %s" % nd.name)
        self.assertGreater(figures["saves_acknowledged_after_kill"], 0)
        # every attempt submitted, by its examinee or by the sweep (reason timeout)
        self.assertEqual(set(reason), {e.aid for e in exs})
        self.assertEqual(swept, set(reason) - self_submitted)
        self.assertGreater(len(swept), 0, "the exam should leave attempts to the sweep")
        for a in swept:
            self.assertLessEqual(late[a], GRACE + 5, "attempt %d auto-submitted %d s past its deadline" % (a, late[a]))
        # graded exactly once
        self.assertEqual({a: n for a, n in graded.items() if n != 1}, {}, "attempts graded more than once")
        self.assertEqual(set(graded), {int(a) for a, _, _ in ans}, "every attempt with answers graded")
        self.assertEqual(logged, len(swept), "the nodes' auto-submit counts add up to the swept attempts")


    def test_node_restart_credits_no_one(self):
        """Outage credit (故障补时, SPEC §12) on a shared database: a node that starts while the
        others serve finds the cluster's liveness mark a few seconds old (every node marks
        every 5 s) and must not credit that gap to the attempts in progress: no examinee lost
        a second. (Before the start-up gap on PostgreSQL became 12 s, this credited 2 s to
        every attempt.)"""
        pg, uri = self.database()
        nodes, front = C.web_cluster(self.stack, uri, 3, *X.FAST)
        X.setup_exam_data(nodes[0], 4, prefix="rs")
        X.create_exam(nodes[0], "restart", "cluster")
        exs = [X.Examinee(front, "rs%03d" % i) for i in range(4)]
        for e in exs:
            e.log_in()
            e.start("restart")
        time.sleep(6)  # a liveness mark or two by every node
        nodes[1].kill9()

        def mark_age():
            return int(time.time()) - int(C.psql(pg.port, "SELECT at FROM liveness", db="lawexam")[0])
        # the two nodes left mark twice in 5 s, so the mark is 2 s old at some moment (that a
        # lone server's restart would credit: START_MIN_GAP is 2 s)
        C.wait_for(lambda: mark_age() >= 2, 15, "a 2 s old liveness mark", step=0.2)
        nodes[1].start()
        time.sleep(1)
        credits = [l for l in nodes[0].admin("audit")[1].splitlines() if "outage_credit" in l]
        C.log(self.TAG, "outage credits after one node of three restarted: %d %s" % (len(credits), credits[:1]))
        self.assertEqual(credits, [], "a node restart while others serve credited attempts")


if __name__ == "__main__":
    unittest.main()
