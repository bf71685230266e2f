"""cluster_infra — the machinery of the multi-node tests (stdlib + the harness; PyYAML for
Patroni's config, which Debian's patroni package brings along).

Starts, each in its own temporary directory, on free loopback ports, and stops again (all of
it, also when a test fails half-way: `Stack.close()` kills whatever it started):

- `Postgres`: a private PostgreSQL 15 (initdb + postgres, run as the `postgres` user when we are
  root), trust on loopback;
- `Etcd`: one etcd 3.4 member;
- `Patroni`: a Patroni member whose config is rendered from tools/deploy/patroni.yml;
- `HAProxy`: haproxy in the foreground, its config rendered from tools/deploy/haproxy.cfg;
- `Node`: a lawexamd (the harness's Server) on a libpq URI, sharing one certificate;
- `Front`: what the harness's Client needs to talk to HAProxy's HTTPS port.

The rendered configs keep every setting of the shipped examples and replace only addresses,
ports, names and directories, so the shipped files are what the tests measure.
Set LAWEXAM_E2E_KEEP=1 to keep the temporary directories (logs, configs).
"""

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import lawexam_e2e as L  # noqa: E402

DEPLOY = os.path.join(L.SOURCE_DIR, "tools", "deploy")
PG_BIN = os.environ.get("LAWEXAM_PG_BIN", "/usr/lib/postgresql/15/bin")
IS_ROOT = os.geteuid() == 0
KEEP = L.KEEP


def log(tag, msg):
    sys.stderr.write("[%s] %s\n" % (tag, msg))
    sys.stderr.flush()


def which(name):
    return shutil.which(name) or (os.path.join(PG_BIN, name) if os.path.exists(os.path.join(PG_BIN, name)) else None)


def missing(*names):
    """The names of the programs that are not installed (PG programs looked up in PG_BIN)."""
    return [n for n in names if not which(n)]


def have_yaml():
    try:
        import yaml  # noqa: F401 - only whether it imports
        return True
    except ImportError:
        return False


# --- processes ---------------------------------------------------------------------------------

def _ppids():
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            out[int(d)] = int(st[st.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return out


def descendants(pid):
    """pid's children, grandchildren, … (a snapshot of /proc)."""
    pp = _ppids()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, parent in pp.items() if parent == p]
        out += kids
        todo += kids
    return out


def kill9_tree(pid):
    """SIGKILL pid and everything under it (a machine losing power, as far as these processes
    can tell). Returns the pids killed."""
    pids = [pid] + descendants(pid)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def wait_for(cond, timeout, what, step=0.1):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            v = cond()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - reported below if it never succeeds
            last = e
        time.sleep(step)
    raise TimeoutError("%s: not within %d s%s" % (what, timeout, " (last error: %r)" % last if last else ""))


class Proc:
    """One long-running process with its log file. as_pg runs it as the postgres user (when
    we are root); every process gets its own session so that stop() reaches its children."""

    def __init__(self, name, argv, log_path, as_pg=False, env=None, cwd=None):
        self.name, self.argv, self.log_path = name, argv, log_path
        self.log_file = open(log_path, "ab", buffering=0)
        kw = {}
        if as_pg and IS_ROOT:
            kw = dict(user="postgres", group="postgres", extra_groups=[])
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=self.log_file,
                                  start_new_session=True, env=env, cwd=cwd, **kw)
        self.pid = self.p.pid

    def running(self):
        return self.p.poll() is None

    def kill9(self):
        if self.running():
            kill9_tree(self.pid)
        self.p.wait()

    def stop(self, timeout=10):
        if self.running():
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        if self.running():
            self.kill9()
        try:
            os.killpg(self.pid, signal.SIGKILL)  # stragglers of the session
        except (ProcessLookupError, PermissionError):
            pass
        self.log_file.close()

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""


class Stack:
    """Owns a temporary directory and everything started in it; close() stops all of it, in
    reverse order, and removes the directory (kept with LAWEXAM_E2E_KEEP=1 or after a failure
    when keep=True)."""

    def __init__(self, prefix="lawexam-cluster-"):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.dir, 0o755)  # the postgres user must reach its directories below
        self.items = []  # objects with stop()

    def path(self, *parts, pg=False, mkdir=False):
        p = os.path.join(self.dir, *parts)
        if mkdir:
            os.makedirs(p, exist_ok=True)
            os.chmod(p, 0o700 if pg else 0o755)
            if pg and IS_ROOT:
                shutil.chown(p, "postgres", "postgres")
        return p

    def add(self, item):
        self.items.append(item)
        return item

    def logs(self, n=30):
        out = []
        for it in self.items:
            tail = getattr(it, "log_tail", None)
            if tail:
                out.append("-- %s\n%s" % (getattr(it, "name", type(it).__name__), tail(n)))
        return "\n".join(out)

    def close(self, keep=False):
        errors = []
        for it in reversed(self.items):
            try:
                it.stop()
            except Exception as e:  # noqa: BLE001 - stop the rest regardless
                errors.append(repr(e))
        self.items = []
        if not KEEP and not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            log("cluster", "kept %s" % self.dir)
        return errors


# --- PostgreSQL ------------------------------------------------------------------------------

def psql(port, sql, db="postgres", user="postgres", host="127.0.0.1", timeout=10, check=True):
    """Runs sql through psql (-At, stops at the first error); returns stdout lines. With
    check=False returns (rc, stdout, stderr) instead of raising."""
    env = dict(os.environ, PGCONNECT_TIMEOUT="3")
    p = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", str(port),
                        "-U", user, "-d", db, "-c", sql],
                       capture_output=True, text=True, timeout=timeout, env=env)
    if not check:
        return p.returncode, p.stdout, p.stderr
    if p.returncode != 0:
        raise RuntimeError("psql -p %s %s: %s" % (port, sql[:80], p.stderr.strip()))
    return [l for l in p.stdout.splitlines() if l != ""]


class Postgres:
    """A private PostgreSQL on 127.0.0.1:port (trust), data and socket in the stack's folder."""

    def __init__(self, stack, name="pg"):
        self.stack, self.name = stack, name
        self.data = stack.path(name, "data", pg=True, mkdir=True)
        self.sock = stack.path(name, "sock", pg=True, mkdir=True)
        self.port = L.free_port()
        log_path = stack.path(name, "postgres.log")
        kw = dict(user="postgres", group="postgres", extra_groups=[]) if IS_ROOT else {}
        p = subprocess.run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres",
                            "--auth=trust", "-E", "UTF8", "--no-locale"],
                           capture_output=True, text=True, **kw)
        if p.returncode != 0:
            raise RuntimeError("initdb failed: %s%s" % (p.stdout, p.stderr))
        self.proc = stack.add(Proc(name, [os.path.join(PG_BIN, "postgres"), "-D", self.data,
                                          "-p", str(self.port), "-k", self.sock,
                                          "-c", "listen_addresses=127.0.0.1",
                                          "-c", "max_connections=200", "-c", "fsync=on"],
                                   log_path, as_pg=True))
        wait_for(lambda: psql(self.port, "SELECT 1") == ["1"], 30, "postgres %s up" % name)

    def create_db(self, db="lawexam", owner="lawexam"):
        psql(self.port, "CREATE ROLE %s LOGIN" % owner)
        psql(self.port, "CREATE DATABASE %s OWNER %s" % (db, owner))
        return "postgresql://%s@127.0.0.1:%d/%s?connect_timeout=3" % (owner, self.port, db)

    def stop(self):
        self.proc.stop()

    def log_tail(self, n=40):
        return self.proc.log_tail(n)


# --- etcd and Patroni ------------------------------------------------------------------------

class Etcd:
    """One etcd 3.4 member on loopback (client and peer ports free ports)."""

    def __init__(self, stack, name="etcd1"):
        self.name = name
        self.client_port, self.peer_port = L.free_port(), L.free_port()
        data = stack.path(name, mkdir=True)
        peer = "http://127.0.0.1:%d" % self.peer_port
        self.url = "http://127.0.0.1:%d" % self.client_port
        self.proc = stack.add(Proc(name, ["etcd", "--name", name, "--data-dir", os.path.join(data, "data"),
                                          "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                                          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                                          "--initial-cluster", "%s=%s" % (name, peer),
                                          "--initial-cluster-state", "new"],
                                   os.path.join(data, "etcd.log")))
        wait_for(lambda: urllib.request.urlopen(self.url + "/health", timeout=2).status == 200, 30, "etcd up")

    def stop(self):
        self.proc.stop()

    def log_tail(self, n=20):
        return self.proc.log_tail(n)


def render_patroni(name, etcd_hosts, rest_port, pg_port, data_dir, sock_dir, pgpass, scope="lawexam-test"):
    """tools/deploy/patroni.yml with this member's name, addresses, ports and directories,
    trust on loopback instead of the example's passwords and networks, and a small
    shared_buffers. Everything else (the timings, synchronous_mode, the other PostgreSQL
    parameters, initdb's options) is the shipped file's."""
    import yaml
    with open(os.path.join(DEPLOY, "patroni.yml"), encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg["scope"] = scope
    cfg["name"] = name
    cfg["restapi"] = {"listen": "127.0.0.1:%d" % rest_port, "connect_address": "127.0.0.1:%d" % rest_port}
    cfg["etcd3"] = {"hosts": etcd_hosts}
    pg = cfg["postgresql"]
    pg["listen"] = "127.0.0.1:%d" % pg_port
    pg["connect_address"] = "127.0.0.1:%d" % pg_port
    pg["data_dir"] = data_dir
    pg["bin_dir"] = PG_BIN
    pg["pgpass"] = pgpass
    pg.setdefault("parameters", {})["unix_socket_directories"] = sock_dir
    cfg["bootstrap"]["pg_hba"] = ["local all all trust", "host replication replicator 127.0.0.1/32 trust",
                                  "host all all 127.0.0.1/32 trust"]
    cfg.setdefault("log", {})["level"] = "INFO"
    params = cfg["bootstrap"]["dcs"]["postgresql"].setdefault("parameters", {})
    params["shared_buffers"] = "128MB"  # two members on one test machine, not a database server
    return yaml.safe_dump(cfg, sort_keys=False)


def shipped_dcs():
    import yaml
    with open(os.path.join(DEPLOY, "patroni.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)["bootstrap"]["dcs"]


class Patroni:
    """One Patroni member (run as postgres); it runs its own PostgreSQL."""

    def __init__(self, stack, name, etcd):
        self.stack, self.name = stack, name
        self.rest_port, self.pg_port = L.free_port(), L.free_port()
        base = stack.path(name, pg=True, mkdir=True)
        self.data = os.path.join(base, "data")
        sock = stack.path(name, "sock", pg=True, mkdir=True)
        self.cfg_path = os.path.join(base, "patroni.yml")
        with open(self.cfg_path, "w", encoding="utf-8") as f:
            f.write(render_patroni(name, "127.0.0.1:%d" % etcd.client_port, self.rest_port, self.pg_port,
                                   self.data, sock, os.path.join(base, "pgpass")))
        log_path = os.path.join(stack.dir, name + "-patroni.log")
        open(log_path, "ab").close()
        self.proc = None
        self.log_path = log_path
        self.start()

    def start(self):
        env = dict(os.environ, HOME=os.path.dirname(self.data))
        self.proc = Proc(self.name, ["patroni", self.cfg_path], self.log_path, as_pg=True, env=env,
                         cwd=os.path.dirname(self.data))
        if self not in self.stack.items:
            self.stack.add(self)

    def rest(self, path, timeout=2):
        """(status, body) of GET path on the REST API; (None, error) when it does not answer."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.rest_port, path), timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")
        except OSError as e:
            return None, repr(e)

    def is_primary(self):
        return self.rest("/primary")[0] == 200

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def kill9(self):
        """SIGKILL Patroni and its PostgreSQL (postmaster and every backend): the machine is gone.
        Returns the number of processes killed."""
        n = 0
        pm = self.postmaster_pid()
        if self.proc and self.proc.running():
            n += len(kill9_tree(self.proc.pid))
        if pm:
            try:
                os.kill(pm, 0)
                n += len(kill9_tree(pm))
            except ProcessLookupError:
                pass
        if self.proc:
            self.proc.p.wait()
        return n

    def stop(self):
        pm = self.postmaster_pid()
        if self.proc:
            self.proc.stop(timeout=15)
        if pm:
            try:
                os.kill(pm, 0)
                kill9_tree(pm)
            except ProcessLookupError:
                pass

    def log_tail(self, n=40):
        return self.proc.log_tail(n) if self.proc else ""


# --- HAProxy ---------------------------------------------------------------------------------

GLOBAL_DROP = re.compile(r"^\s*(chroot|user|group|daemon|log|stats\s+socket|pidfile)\b")


def render_haproxy(binds, servers):
    """tools/deploy/haproxy.cfg with the test's addresses. binds: {frontend name: port} (a
    frontend not named is dropped, with its default backend); servers: {backend name:
    [(server name, "host:port", check_port or None)]}. Every server line gets the options of
    the shipped file's first server line of that backend, `port N` set to check_port."""
    with open(os.path.join(DEPLOY, "haproxy.cfg"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    out, section, name, keep, tail_done = [], None, None, True, False
    for line in lines:
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not line[0].isspace():
            section, _, name = s.partition(" ")
            name = name.strip()
            keep = section in ("global", "defaults") or (section == "frontend" and name in binds) or \
                (section == "backend" and name in servers)
            tail_done = False
            if keep:
                out.append(s)
            continue
        if not keep:
            continue
        if section == "global" and GLOBAL_DROP.match(s):
            continue
        if section == "defaults" and (s.startswith("log ") or s == "option tcplog"):
            continue
        if section == "global" and s.startswith("maxconn "):
            out.append("    maxconn 4000")  # the test machine's open-file limit, not a farm's
            continue
        if section == "frontend" and s.startswith("bind "):
            out.append("    bind 127.0.0.1:%d" % binds[name])
            continue
        if section == "backend" and s.startswith("server "):
            if tail_done:
                continue
            tail = s.split(None, 3)[3] if len(s.split(None, 3)) > 3 else ""
            for sname, addr, check_port in servers[name]:
                t = re.sub(r"\bport \d+", "port %d" % check_port, tail) if check_port else tail
                out.append("    server %s %s %s" % (sname, addr, t))
            tail_done = True
            continue
        out.append("    " + s)
    return "\n".join(out) + "\n"


class HAProxy:
    def __init__(self, stack, binds, servers, name="haproxy"):
        self.name = name
        self.binds = binds
        self.cfg_path = stack.path(name + ".cfg")
        with open(self.cfg_path, "w", encoding="utf-8") as f:
            f.write(render_haproxy(binds, servers))
        p = subprocess.run(["haproxy", "-c", "-q", "-f", self.cfg_path], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("haproxy -c: %s%s\n%s" % (p.stdout, p.stderr, open(self.cfg_path).read()))
        self.proc = stack.add(Proc(name, ["haproxy", "-db", "-f", self.cfg_path], stack.path(name + ".log")))

        def listening():
            for port in binds.values():
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
            return True
        wait_for(listening, 15, "haproxy listening")

    def stop(self):
        self.proc.stop()

    def log_tail(self, n=20):
        return self.proc.log_tail(n)


# --- lawexamd nodes behind HAProxy -----------------------------------------------------------

def make_cert(stack):
    """One self-signed EC certificate for 127.0.0.1 that every node serves (so a client through
    HAProxy can verify whichever node it reaches)."""
    cert, key = stack.path("cert.pem"), stack.path("key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Node(L.Server):
    """A lawexamd on the shared database (a libpq URI), serving the shared certificate."""

    def __init__(self, uri, cert, key, *args, name="node", log_level="info"):
        super().__init__(*args, init=False, name=name, log_level=log_level)
        self.db = uri
        self.name = name
        self.args += ["--cert", cert, "--key", key, "--node", name]
        self.cert = cert


class NodeStopper:
    """Puts a Node in a Stack (added after the database, so stopped before it)."""

    def __init__(self, node):
        self.node, self.name = node, node.name

    def stop(self):
        """Stops the node (a killed one is fine); its sanitizer reports fail the test."""
        reports = self.node.close(check_exit=False)
        if reports:
            raise RuntimeError("sanitizer reports in %s:\n%s" % (self.name, "\n".join(reports[:20])))

    def log_tail(self, n=40):
        return self.node.log_tail(n)


class Front:
    """HAProxy's HTTPS port as the harness's Client sees a server."""

    def __init__(self, port, cert):
        self.host, self.port, self.cert = "127.0.0.1", port, cert

    def ssl_context(self, verify=True):
        if verify:
            return ssl.create_default_context(cafile=self.cert)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx


class PatroniCluster:
    """etcd + two Patroni members (a leader and its synchronous standby) + HAProxy sending
    `db_port` to the leader (GET /primary). `web` = {backend: servers} adds the HTTPS side."""

    def __init__(self, stack, timeout=120):
        self.stack = stack
        # the shipped example must pass Patroni's own check (the rendered ones cannot: its
        # validator refuses loopback connect addresses)
        shipped = os.path.join(DEPLOY, "patroni.yml")
        p = subprocess.run(["patroni", "--validate-config", shipped], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("patroni --validate-config %s: %s%s" % (shipped, p.stdout, p.stderr))
        self.etcd = Etcd(stack)
        self.members = [Patroni(stack, "pg1", self.etcd)]
        wait_for(self.members[0].is_primary, timeout, "pg1 leader")
        self.members.append(Patroni(stack, "pg2", self.etcd))
        self.wait_sync(timeout)
        self.db_port = L.free_port()
        self.haproxy = HAProxy(stack, {"postgres_rw": self.db_port},
                               {"postgres_leader": [(m.name, "127.0.0.1:%d" % m.pg_port, m.rest_port)
                                                    for m in self.members]}, name="haproxy-db")
        # HAProxy counts a server up until its checks have failed `fall` times: right after
        # its start the standby still gets connections (round robin). Ready when several
        # connections in a row reach the leader.
        streak = [0]

        def leader_only():
            ok = psql(self.db_port, "SELECT pg_is_in_recovery()", check=False)[1].strip() == "f"
            streak[0] = streak[0] + 1 if ok else 0
            return streak[0] >= 6
        wait_for(leader_only, 30, "only the leader through haproxy")

    def cluster(self):
        for m in self.members:
            st, body = m.rest("/cluster")
            if st == 200:
                return json.loads(body)
        return {"members": []}

    def leader(self):
        for m in self.members:
            if m.is_primary():
                return m
        return None

    def wait_sync(self, timeout=120):
        """Waits for a leader and its standby: a synchronous one when the shipped config asks
        for synchronous_mode (it does; a mutation run may not)."""
        want = ["leader", "sync_standby" if shipped_dcs().get("synchronous_mode") else "replica"]

        def ok():
            return sorted(x["role"] for x in self.cluster()["members"] if x.get("state") in ("running", "streaming")) == want
        wait_for(ok, timeout, "members %s" % want, step=0.5)

    def create_db(self, db="lawexam", owner="lawexam"):
        psql(self.db_port, "CREATE ROLE %s LOGIN" % owner)
        psql(self.db_port, "CREATE DATABASE %s OWNER %s" % (db, owner))
        return "postgresql://%s@127.0.0.1:%d/%s?connect_timeout=3" % (owner, self.db_port, db)

    def freeze_walsender(self, leader):
        """SIGSTOP the leader's walsender(s): from now on the standby receives nothing, so a
        commit the leader acknowledges afterwards is on the standby only if the leader waited
        for it (synchronous replication: it then does not acknowledge at all). The leader is
        killed next, so what it did not send is gone. Returns the pids (for thaw())."""
        pm = leader.postmaster_pid()
        pids = []
        for pid in descendants(pm) if pm else []:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if b"walsender" in f.read():
                        os.kill(pid, signal.SIGSTOP)
                        pids.append(pid)
            except OSError:
                pass
        if not pids:
            raise RuntimeError("no walsender under %s's postmaster %r" % (leader.name, pm))
        return pids

    @staticmethod
    def thaw(pids):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


def web_cluster(stack, uri, n, *args):
    """n lawexamd nodes on uri (extra flags args) sharing one certificate, behind an HAProxy
    HTTPS frontend rendered from the shipped config. Returns (nodes, Front)."""
    cert, key = make_cert(stack)
    nodes = [Node(uri, cert, key, *args, name="node%d" % (i + 1)) for i in range(n)]
    for nd in nodes:
        stack.add(NodeStopper(nd))
        nd.start()
    web = L.free_port()
    HAProxy(stack, {"lawexam_https": web},
            {"lawexamd_nodes": [(nd.name, "127.0.0.1:%d" % nd.port, None) for nd in nodes]}, name="haproxy-web")
    front = Front(web, cert)
    wait_for(lambda: L.Client(front).get("/healthz").status == 200, 20, "lawexamd through haproxy")
    return nodes, front
