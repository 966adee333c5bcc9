"""DANE for SMTP (RFC 7672) end to end, against a signed DNS world in the test's network
namespace (signed_world.py): BIND 9 signs the zones, Unbound validates them and is the relay's
resolver, and aiosmtpd receivers present certificates that TLSA records match or do not. Every
scenario asserts where the message went, or that it went nowhere and why. The resolver probe
([dane] validation_probe) is asked at `test.`, the world's trust anchor; BIND asked directly
(it answers authoritatively, never with AD) stands for resolvers that do not validate. Then
`stsrelay check` shows each MX host's DANE line."""

import datetime
import gzip
import http.server
import json
import os
import signal
import sqlite3
import ssl
import tempfile
import threading

from aiosmtpd.controller import Controller

import harness
from certs import spki_sha256
from harness import RelayTestCase, StsRelay, TestCA, wait_until
from signed_world import AUTHORITATIVE, RESOLVER, SignedWorld
from sts_world import Collector, Mailbox, policy_handler

MATCH = "127.0.0.21"      # mx.match.test: DANE-EE 3 1 1 of its (self-signed) key
MISMATCH = "127.0.0.22"   # mx.mismatch.test and mx.testing.test: TLSA of another key
INSECURE = "127.0.0.23"   # mx.plain.test in an unsigned child zone, untrusted certificate
BOTH = "127.0.0.24"       # mx.both.test: WebPKI-valid for MTA-STS, TLSA of another key
TLSAFAIL = "127.0.0.25"   # mx.tlsafail.test: its TLSA name is in a bogus zone
TA = "127.0.0.26"         # mx.ta.test: a leaf of the test CA, DANE-TA 2 1 1 of the CA
POLICY = "127.0.0.31"     # mta-sts.both.test
COLLECTOR = "127.0.0.40"  # collector.test: the https: rua endpoint of the TLS-RPT test
METRICS = "127.0.0.1:9325"
WAIT = 30


class DaneTest(RelayTestCase):
    @classmethod
    def setUpClass(cls):
        cls._dir = tempfile.TemporaryDirectory(prefix="stsrelay-dane-")
        cls.addClassCleanup(cls._dir.cleanup)
        work = cls._dir.name
        cls.world_ca = TestCA(os.path.join(work, "ca"))
        self_signed = TestCA(os.path.join(work, "self"), subject="Nobody's CA")
        other = TestCA(os.path.join(work, "other"), subject="Another CA")
        leaves = {
            MATCH: self_signed.issue("mx.match.test"),
            MISMATCH: self_signed.issue("mx.mismatch.test", dns_names=["mx.testing.test"]),
            INSECURE: self_signed.issue("mx.plain.test"),
            BOTH: cls.world_ca.issue("mx.both.test"),
            TLSAFAIL: self_signed.issue("mx.tlsafail.test"),
            TA: cls.world_ca.issue("mx.ta.test"),
        }
        cls.match_spki = spki_sha256(leaves[MATCH].cert)
        cls.ca_spki = spki_sha256(cls.world_ca.pem)
        wrong = spki_sha256(other.issue("unrelated.test").cert)
        records = {
            "mta-sts.both.test": [("A", POLICY)],
            "_mta-sts.both.test": [("TXT", '"v=STSv1; id=1;"')],
            "_25._tcp.mx.match.test": [("TLSA", "3 1 1 " + spki_sha256(leaves[MATCH].cert))],
            "_25._tcp.mx.mismatch.test": [("TLSA", "3 1 1 " + wrong)],
            "_25._tcp.mx.testing.test": [("TLSA", "3 1 1 " + wrong)],
            "_25._tcp.mx.plain.test": [("TLSA", "3 1 1 " + wrong)],
            "_25._tcp.mx.both.test": [("TLSA", "3 1 1 " + wrong)],
            "_25._tcp.mx.tlsafail.test": [("TLSA", "3 1 1 " + wrong)],
            "_25._tcp.mx.ta.test": [("TLSA", "2 1 1 " + spki_sha256(cls.world_ca.pem))],
        }
        for domain, address in {"match.test": MATCH, "mismatch.test": MISMATCH,
                                "testing.test": MISMATCH, "plain.test": INSECURE,
                                "both.test": BOTH, "tlsafail.test": TLSAFAIL,
                                "ta.test": TA, "sender.test": MATCH}.items():
            records[domain] = [("MX", f"10 mx.{domain}.")]
            records[f"mx.{domain}"] = [("A", address)]
        # RFC 7672 §2.2.2: MX hosts that are CNAMEs. alias.test's TLSA records are at the name
        # its CNAME leads to; alias2.test's target has none, so its own name's apply.
        records.update({
            "alias.test": [("MX", "10 mx.alias.test.")],
            "mx.alias.test": [("CNAME", "mx.match.test.")],
            "alias2.test": [("MX", "10 mx.alias2.test.")],
            "mx.alias2.test": [("CNAME", "mx.sender.test.")],
            "_25._tcp.mx.alias2.test": [("TLSA", "3 1 1 " + wrong)],
            "collector.test": [("A", COLLECTOR)],
            # An MX RRset in an unsigned zone naming a host whose TLSA records are signed.
            "unsigned.test": [("MX", "10 mx.mismatch.test.")],
        })
        for domain in ("match.test", "mismatch.test", "tlsafail.test", "both.test"):
            records[f"_smtp._tls.{domain}"] = [
                ("TXT", '"v=TLSRPTv1; rua=https://collector.test/v1/tlsrpt"')]
        cls.world = SignedWorld(work, records, insecure=["plain.test", "unsigned.test"],
                                bogus=["_25._tcp.mx.tlsafail.test"]).start()
        cls.addClassCleanup(cls.world.stop)
        cls.boxes = {}
        for address, leaf in leaves.items():
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            # The chain as a server sends it: DANE-TA needs the anchor in it (RFC 7672 §3.1.2).
            context.load_cert_chain(leaf.chain, leaf.key)
            box = Mailbox()
            controller = Controller(box, hostname=address, port=25, tls_context=context,
                                    require_starttls=False)
            controller.start()
            cls.addClassCleanup(controller.stop)
            cls.boxes[address] = box
        policy = "version: STSv1\nmode: enforce\nmx: mx.both.test\nmax_age: 86400\n"
        server = http.server.ThreadingHTTPServer((POLICY, 443), policy_handler(policy))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf = cls.world_ca.issue("mta-sts.both.test")
        context.load_cert_chain(leaf.chain, leaf.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        cls.addClassCleanup(server.server_close)
        cls.addClassCleanup(server.shutdown)
        collector = http.server.ThreadingHTTPServer((COLLECTOR, 443), Collector)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf = cls.world_ca.issue("collector.test")
        context.load_cert_chain(leaf.chain, leaf.key)
        collector.socket = context.wrap_socket(collector.socket, server_side=True)
        threading.Thread(target=collector.serve_forever, daemon=True).start()
        cls.addClassCleanup(collector.server_close)
        cls.addClassCleanup(collector.shutdown)

    def config(self, routes=(), dns=RESOLVER, **dane):
        dane.setdefault("validation_probe", "test.")
        config = {
            "delivery": {"dns_servers": [f"{dns}:53"], "ca_file": self.world_ca.pem},
            "queue": {"retry_schedule": ["1h"]},
            "dane": dane,
            "metrics": {"listen": METRICS},
        }
        if routes:
            config["route"] = list(routes)
        return config

    def relay(self, routes=(), dns=RESOLVER, **dane):
        return self.start_relay(self.config(routes, dns, **dane))

    def health(self, relay, wanted):
        """Waits until `stsrelay health` exits 0 with `wanted` in its line; returns the line."""
        seen = []

        def said():
            result = relay.cli("health", check=False)
            seen[:] = [result.stdout]
            return result.returncode == 0 and wanted in result.stdout
        wait_until(said, WAIT, what=f"{wanted!r} from stsrelay health (last: {seen})")
        return seen[0]

    def send(self, relay, recipient):
        return self.send_accepted(relay, recipient, f"to {recipient}", "dane test")

    def line(self, relay, recipient, status):
        return self.wait_attempt(relay, recipient, status, WAIT)

    def test_world_statuses(self):
        self.assertEqual(self.world.status("_25._tcp.mx.match.test", "TLSA"), "secure")
        self.assertEqual(self.world.status("_25._tcp.mx.plain.test", "TLSA"), "insecure")
        self.assertEqual(self.world.status("_25._tcp.mx.tlsafail.test", "TLSA"), "bogus")

    def test_dane_ee_match_delivers_to_a_self_signed_certificate(self):
        relay = self.relay()
        subject = self.send(relay, "a@match.test")
        self.boxes[MATCH].with_subject(subject, WAIT)
        line = self.line(relay, "a@match.test", "sent")
        self.assertIn('dane="mx.match.test:secure:3 1 1:match"', line)

    def test_dane_ta_match_delivers(self):
        relay = self.relay()
        subject = self.send(relay, "a@ta.test")
        self.boxes[TA].with_subject(subject, WAIT)
        self.assertIn('dane="mx.ta.test:secure:2 1 1:match"',
                      self.line(relay, "a@ta.test", "sent"))

    def test_mismatch_defers_and_sends_nothing(self):
        relay = self.relay()
        subject = self.send(relay, "a@mismatch.test")
        line = self.line(relay, "a@mismatch.test", "deferred")
        self.assertIn("dsn=4.7.5", line)
        self.assertIn("DANE", line)
        self.assertIn('dane="mx.mismatch.test:secure:mismatch: ', line)
        self.assertNotIn(subject, self.boxes[MISMATCH].subjects())

    def test_insecure_zone_is_opportunistic(self):
        relay = self.relay()
        subject = self.send(relay, "a@plain.test")
        self.boxes[INSECURE].with_subject(subject, WAIT)
        self.assertIn("dane=mx.plain.test:insecure", self.line(relay, "a@plain.test", "sent"))

    def test_bogus_tlsa_lookup_defers_the_host(self):
        relay = self.relay()
        subject = self.send(relay, "a@tlsafail.test")
        line = self.line(relay, "a@tlsafail.test", "deferred")
        self.assertIn("dane=mx.tlsafail.test:bogus", line)
        self.assertIn("not treated as no TLSA", line)
        self.assertNotIn(subject, self.boxes[TLSAFAIL].subjects())

    def test_mta_sts_never_overrides_a_failing_dane_check(self):
        relay = self.relay()
        subject = self.send(relay, "a@both.test")
        line = self.line(relay, "a@both.test", "deferred")
        self.assertIn("sts=enforce", line)
        self.assertIn('dane="mx.both.test:secure:mismatch: ', line)
        self.assertIn("mx=mx.both.test:ok", line)  # MTA-STS alone would have delivered
        self.assertNotIn(subject, self.boxes[BOTH].subjects())

    def test_testing_mode_delivers_and_says_what_it_would_do(self):
        relay = self.relay(override={"testing.test": "testing"})
        subject = self.send(relay, "a@testing.test")
        self.boxes[MISMATCH].with_subject(subject, WAIT)
        self.line(relay, "a@testing.test", "sent")
        self.assertIn("would defer (dane.enforcement testing)", relay.log_text())

    def test_mx_records_in_an_unsigned_zone_leave_dane_out(self):
        # RFC 7672 §2.2.1: the MX RRset is insecure, so the host's (signed, mismatching) TLSA
        # records do not apply: an attacker could have put any host there.
        relay = self.relay()
        subject = self.send(relay, "a@unsigned.test")
        self.boxes[MISMATCH].with_subject(subject, WAIT)
        self.assertIn("dane=mx.mismatch.test:insecure", self.line(relay, "a@unsigned.test", "sent"))

    def test_dry_run_says_what_dane_would_do(self):
        relay = self.start_relay({
            "delivery": {"dns_servers": [f"{RESOLVER}:53"], "ca_file": self.world_ca.pem,
                         "dry_run": True},
            "queue": {"retry_schedule": ["1h"]},
        })
        subject = self.send(relay, "d@mismatch.test")
        line = self.line(relay, "d@mismatch.test", "dry-run")
        self.assertIn("would defer", line)
        self.assertIn("DANE", line)
        self.assertNotIn(subject, self.boxes[MISMATCH].subjects())

    def test_tls_rpt_counts_sessions_under_tlsa_policies(self):
        relay = self.relay()
        for recipient in ("b@match.test", "b@mismatch.test", "b@tlsafail.test", "b@both.test"):
            self.send(relay, recipient)
        self.line(relay, "b@match.test", "sent")
        self.line(relay, "b@mismatch.test", "deferred")
        self.line(relay, "b@tlsafail.test", "deferred")
        self.line(relay, "b@both.test", "deferred")
        relay.stop()  # writes the day's counters
        db = sqlite3.connect(os.path.join(relay.state_dir, "tlsrpt.db"))
        counts = {(domain, kind): (ok, failed) for domain, kind, ok, failed in db.execute(
            "SELECT domain, policy_type, successful, failed FROM policy_counts")}
        failures = {(domain, result) for domain, result in db.execute(
            "SELECT p.domain, f.result_type FROM failure_counts f "
            "JOIN policy_counts p ON p.id = f.policy_id WHERE p.policy_type = 'tlsa'")}
        self.assertEqual(counts[("match.test", "tlsa")], (1, 0))
        self.assertEqual(counts[("mismatch.test", "tlsa")], (0, 1))
        self.assertEqual(counts[("tlsafail.test", "tlsa")], (0, 1))
        self.assertEqual(failures, {("mismatch.test", "tlsa-invalid"),
                                    ("tlsafail.test", "dnssec-invalid"),
                                    ("both.test", "tlsa-invalid")})
        [policy_string] = db.execute(
            "SELECT policy_string FROM policy_counts "
            "WHERE domain = 'match.test' AND policy_type = 'tlsa'").fetchone()
        self.assertIn("3 1 1 ", policy_string)

        # The day's reports (RFC 8460 §4.4): a tlsa policy per domain, and both.test with its
        # sts policy beside it, each with its own counts.
        Collector.posts = []
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        sent = relay.cli("report", "send", "--day", day)
        self.assertEqual(sent.stdout.count(": sent: "), 4, sent.stdout)
        reports = {}
        for _, _, body in Collector.posts:
            report = json.loads(gzip.decompress(body))
            domain = report["policies"][0]["policy"]["policy-domain"]
            reports[domain] = {(p["policy"]["policy-type"], p["policy"].get("mx-host", [""])[0]):
                               p for p in report["policies"]}
        self.assertEqual(set(reports), {"match.test", "mismatch.test", "tlsafail.test",
                                        "both.test"})
        match = reports["match.test"][("tlsa", "mx.match.test")]
        self.assertEqual(match["summary"], {"total-successful-session-count": 1,
                                            "total-failure-session-count": 0})
        self.assertTrue(match["policy"]["policy-string"][0].startswith("3 1 1 "))
        mismatch = reports["mismatch.test"][("tlsa", "mx.mismatch.test")]
        self.assertEqual(mismatch["failure-details"][0]["result-type"], "tlsa-invalid")
        bogus = reports["tlsafail.test"][("tlsa", "mx.tlsafail.test")]
        self.assertEqual(bogus["failure-details"][0]["result-type"], "dnssec-invalid")
        kinds = {kind for kind, _ in reports["both.test"]}
        self.assertEqual(kinds, {"sts", "tlsa"})
        tlsa = reports["both.test"][("tlsa", "mx.both.test")]
        self.assertEqual(tlsa["summary"]["total-failure-session-count"], 1)

    def test_dane_only_route_floor(self):
        # dane.enforcement off, yet the route asks for DANE: it applies, and is required.
        relay = self.relay(routes=[{"domains": ["match.test", "plain.test"], "next_hop": "mx",
                                    "tls": "dane-only"}], enforcement="off")
        subject = self.send(relay, "c@match.test")
        self.boxes[MATCH].with_subject(subject, WAIT)
        self.assertIn("floor=dane-only/route[0]", self.line(relay, "c@match.test", "sent"))
        subject = self.send(relay, "c@plain.test")
        line = self.line(relay, "c@plain.test", "deferred")
        self.assertIn("route[0] requires tls=dane-only; mx.plain.test: no DNSSEC-secure TLSA "
                      "records (insecure)", line)
        self.assertNotIn(subject, self.boxes[INSECURE].subjects())
        relay.stop()  # writes the day's counters
        db = sqlite3.connect(os.path.join(relay.state_dir, "tlsrpt.db"))
        failures = set(db.execute(
            "SELECT p.policy_type, f.result_type, f.receiving_mx_hostname FROM failure_counts f "
            "JOIN policy_counts p ON p.id = f.policy_id WHERE p.domain = 'plain.test'"))
        self.assertEqual(failures, {("no-policy-found", "dane-required", "mx.plain.test")})

    def test_cname_mx_uses_the_tlsa_records_of_the_expanded_name(self):
        relay = self.relay()
        subject = self.send(relay, "a@alias.test")
        self.boxes[MATCH].with_subject(subject, WAIT)
        self.assertIn('dane="mx.alias.test:secure:3 1 1:match"',
                      self.line(relay, "a@alias.test", "sent"))

    def test_cname_mx_falls_back_to_the_initial_name(self):
        # The expanded name (mx.sender.test) securely has no TLSA: the MX name's records apply,
        # and they match no key of the host.
        relay = self.relay()
        subject = self.send(relay, "a@alias2.test")
        line = self.line(relay, "a@alias2.test", "deferred")
        self.assertIn("dsn=4.7.5", line)
        self.assertIn('dane="mx.alias2.test:secure:mismatch: ', line)
        self.assertNotIn(subject, self.boxes[MATCH].subjects())

    def test_dane_floors_at_a_next_hop_by_name(self):
        relay = self.relay(routes=[
            {"domains": ["hop-ok.example"], "next_hop": "mx.match.test:25", "tls": "dane-only"},
            {"domains": ["hop-bad.example"], "next_hop": "mx.mismatch.test:25", "tls": "dane"},
            {"domains": ["hop-none.example"], "next_hop": "mx.sender.test:25",
             "tls": "dane-only"},
        ], enforcement="off")
        subject = self.send(relay, "a@hop-ok.example")
        self.boxes[MATCH].with_subject(subject, WAIT)
        self.assertIn('dane="mx.match.test:secure:3 1 1:match"',
                      self.line(relay, "a@hop-ok.example", "sent"))
        subject = self.send(relay, "a@hop-bad.example")
        line = self.line(relay, "a@hop-bad.example", "deferred")
        self.assertIn("dsn=4.7.5", line)
        self.assertIn('dane="mx.mismatch.test:secure:mismatch: ', line)
        self.assertNotIn(subject, self.boxes[MISMATCH].subjects())
        subject = self.send(relay, "a@hop-none.example")
        self.assertIn("mx.sender.test: no DNSSEC-secure TLSA records (secure:none)",
                      self.line(relay, "a@hop-none.example", "deferred"))
        self.assertNotIn(subject, self.boxes[MATCH].subjects())
        relay.stop()
        db = sqlite3.connect(os.path.join(relay.state_dir, "tlsrpt.db"))
        domains = {d for (d,) in db.execute("SELECT domain FROM policy_counts")}
        self.assertFalse(domains & {"hop-ok.example", "hop-bad.example", "hop-none.example"},
                         "a next hop's TLSA records are not the recipient domain's policy")

    def test_validating_resolvers_are_said_at_start_and_in_health(self):
        relay = self.relay()
        wait_until(lambda: "dnssec: the resolvers validate DNSSEC" in relay.log_text(), WAIT,
                   what="the validation probe's log line")
        self.assertIn("TXT test.", relay.log_text())
        self.assertNotIn("do not validate", relay.log_text())
        line = self.health(relay, "dnssec validating")
        self.assertTrue(line.startswith("healthy: "), line)

    def test_resolvers_that_do_not_validate_turn_dane_off(self):
        # BIND answers for its own zones without AD: every answer is insecure, so the TLSA that
        # would not match never applies and the mail goes out opportunistically.
        relay = self.relay(dns=AUTHORITATIVE)
        wait_until(lambda: "dnssec: the resolvers do not validate DNSSEC" in relay.log_text(),
                   WAIT, what="the warning about resolvers that do not validate")
        subject = self.send(relay, "d@mismatch.test")
        self.boxes[MISMATCH].with_subject(subject, WAIT)
        self.assertIn("dane=mx.mismatch.test:insecure", self.line(relay, "d@mismatch.test", "sent"))
        # Degraded, not unhealthy; and the warning is said once, not per message.
        line = self.health(relay, "dnssec not validating: DANE off")
        self.assertTrue(line.startswith("healthy: "), line)
        os.kill(relay.pid, signal.SIGHUP)  # probes again at once
        wait_until(lambda: "reload: configuration applied" in relay.log_text(), WAIT,
                   what="the reload")
        self.assertEqual(relay.log_text().count("do not validate DNSSEC"), 1, relay.log_text())

    # --- stsrelay check ----------------------------------------------------------------------

    def check(self, domain, status, dns=RESOLVER):
        relay = StsRelay(os.path.join(self.workdir, "check"), self.config(dns=dns))
        os.makedirs(relay.state_dir, exist_ok=True)
        result = relay.cli("check", domain, "--json", check=False)
        self.assertEqual(result.returncode, status, result.stdout + result.stderr)
        self.assertTrue(result.stdout, result.stderr)
        report = json.loads(result.stdout)
        return report, {c["check"]: c for c in report["checks"]}

    def assertLine(self, checks, name, status, *evidence):
        self.assertIn(name, checks, checks)
        self.assertEqual(checks[name]["status"], status, checks[name])
        for part in evidence:
            self.assertIn(part, checks[name]["evidence"])

    def test_check_dane_ee_match_shows_the_digest(self):
        # Exit 1 only because match.test publishes no MTA-STS policy; DANE passes, and it makes
        # the self-signed certificate acceptable, as delivery does.
        _, checks = self.check("match.test", 1)
        self.assertLine(checks, "dnssec", "pass", "the resolvers validate DNSSEC")
        self.assertLine(checks, "dane mx.match.test", "pass", "(DNSSEC-secure): 3 1 1:match",
                        "presented: 3 1 1 " + self.match_spki)
        self.assertLine(checks, "tls mx.match.test", "pass", "DANE authenticates the host")
        failing = {n for n, c in checks.items() if c["status"] == "fail"}
        self.assertEqual(failing, {"txt", "policy-fetch"}, checks)

    def test_check_dane_ta_match_shows_the_ca_digest(self):
        _, checks = self.check("ta.test", 1)
        self.assertLine(checks, "dane mx.ta.test", "pass", "2 1 1:match",
                        "2 1 1 " + self.ca_spki + " (certificate 1)")

    def test_check_dane_mismatch_fails(self):
        _, checks = self.check("mismatch.test", 1)
        self.assertLine(checks, "dane mx.mismatch.test", "fail", "mismatch",
                        "presented: 3 1 1 ")

    def test_check_tlsa_in_an_insecure_zone_has_no_effect(self):
        _, checks = self.check("plain.test", 1)
        self.assertLine(checks, "dane mx.plain.test", "warn", "published at _25._tcp.mx.plain.test",
                        "the records have no effect")

    def test_check_bogus_tlsa_lookup_fails(self):
        _, checks = self.check("tlsafail.test", 1)
        self.assertLine(checks, "dane mx.tlsafail.test", "fail", "failed in a signed zone",
                        "defers the mail")

    def test_check_cname_mx_matches_at_the_expanded_name(self):
        _, checks = self.check("alias.test", 1)
        self.assertLine(checks, "dane mx.alias.test", "pass", "3 1 1:match",
                        "presented: 3 1 1 " + self.match_spki)

    def test_check_with_resolvers_that_do_not_validate_could_not_run(self):
        report, checks = self.check("mismatch.test", 2, dns=AUTHORITATIVE)
        self.assertEqual(report["result"], "error")
        self.assertIn("the DANE checks could not run", report["verdict"])
        self.assertLine(checks, "dnssec", "warn", "do not validate DNSSEC")
        self.assertNotIn("dane mx.mismatch.test", checks)

    def test_off_ignores_tlsa(self):
        relay = self.relay(enforcement="off")
        subject = self.send(relay, "a@mismatch.test")
        self.boxes[MISMATCH].with_subject(subject, WAIT)
        self.assertNotIn("dane=", self.line(relay, "a@mismatch.test", "sent"))


if __name__ == "__main__":
    harness.main()
