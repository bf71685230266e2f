"""TLS certificate reload (issue 8 item 7): SIGHUP loads the certificate and key again from
the same files; new connections get the new certificate, open connections keep working, and
files that do not load change nothing. (TLS versions and plain-HTTP refusal are in
test_foundation.py.)"""
import os
import signal
import ssl
import subprocess
import time
import unittest

import lawexam_e2e as L

PW = "Passw0rd!tls"
FAST = ("--argon2-m", "1024", "--argon2-t", "1")


def served_cert(srv):
    """The PEM certificate a fresh TLS connection is given."""
    return ssl.get_server_certificate((srv.host, srv.port), timeout=5)


def new_pair(tls_dir):
    key = os.path.join(tls_dir, "key.pem")
    cert = os.path.join(tls_dir, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key + ".new", "-out", cert + ".new", "-days", "30",
                    "-subj", "/O=lawexam/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True)
    os.replace(key + ".new", key)
    os.replace(cert + ".new", cert)


class TlsReloadTest(L.TestCase):
    def wait_for(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.05)
        return pred()

    def test_sighup_reloads_certificate_keeping_connections(self):
        srv = self.server(*FAST)
        srv.add_user("tls1", password=PW)
        old = srv.client()
        self.assertStatus(old.login("tls1", PW), 200)
        conn_before = old.conn
        first = served_cert(srv)

        new_pair(srv.tls_dir)
        srv.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: served_cert(srv) != first),
                        "new connections still get the old certificate:\n" + srv.log_tail())
        with open(srv.cert) as f:
            self.assertEqual(ssl.PEM_cert_to_DER_cert(served_cert(srv)),
                             ssl.PEM_cert_to_DER_cert(f.read()))
        # The connection opened before the reload is still the same one, and still served.
        self.assertStatus(old.get("/api/v1/me"), 200)
        self.assertIs(old.conn, conn_before, "the open connection was dropped and re-made")
        # A new client verifying against the new certificate logs in.
        fresh = srv.client()
        self.assertStatus(fresh.login("tls1", PW), 200)

    def test_sighup_with_broken_files_keeps_the_old_certificate(self):
        srv = self.server(*FAST)
        first = served_cert(srv)
        with open(srv.cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
        srv.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: "not reloaded" in srv.log_tail()), srv.log_tail())
        self.assertEqual(served_cert(srv), first)
        self.assertTrue(srv.running())
        c = L.Client(srv, verify=False)
        self.assertStatus(c.get("/healthz"), 200)


if __name__ == "__main__":
    unittest.main()
