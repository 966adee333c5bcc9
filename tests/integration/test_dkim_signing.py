"""DKIM signing of relayed mail ([[dkim.sign]], RFC 6376, RFC 8463): mail goes through the daemon
to an aiosmtpd receiver in the test's namespace, and what arrives is checked with dkimpy, an
independent verifier, against the public keys that `stsrelay dkim keygen` printed and the test
DNS server serves. Also: which mail is not signed, over-signing, SIGHUP key rotation, and keys
that are refused."""

import email
import os
import re
import signal
import urllib.request

from dnslib import DNSRecord, MX, TXT, A

import dkim

import harness
from harness import RawSmtp, RelayTestCase, wait_until
from sts_world import DNS, World

MX_ADDRESS = "127.0.0.21"
DOWN_ADDRESS = "127.0.0.22"  # nothing listens: mail there stays queued
ZONES = ("shop.test", "example.test", "down.test")
WAIT = 30
METRICS = "127.0.0.1:9325"


def txt_value(record_line):
    """The TXT text of a zone-file line that keygen printed, character-strings joined."""
    return "".join(re.findall(r'"([^"]*)"', record_line))


def dns_txt(name, timeout=5):
    """dkimpy's DNS lookup, asked of the test DNS server."""
    reply = DNSRecord.parse(DNSRecord.question(name.decode().rstrip("."), "TXT")
                            .send(DNS, 53, timeout=timeout))
    strings = [b"".join(rr.rdata.data) for rr in reply.rr]
    return strings[0] if strings else None


def signatures(raw):
    """(d, s, a) of every DKIM-Signature field of a message, in order."""
    out = []
    for value in email.message_from_bytes(raw).get_all("DKIM-Signature") or []:
        tags = dict(t.strip().split("=", 1) for t in re.sub(r"\s+", "", value).split(";") if t)
        out.append((tags["d"], tags["s"], tags["a"]))
    return out


def verifies(raw, index):
    """dkimpy's verdict on the index-th signature."""
    return dkim.DKIM(raw, minkey=1024).verify(idx=index, dnsfunc=dns_txt)


class DkimSigningTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.records = {
            "example.test": [MX("mx.example.test", 10)],
            "mx.example.test": [A(MX_ADDRESS)],
            "down.test": [MX("mx.down.test", 10)],
            "mx.down.test": [A(DOWN_ADDRESS)],
        }
        self.world = World(self, self.records, ZONES)
        self.mailbox = self.world.receiver(MX_ADDRESS)

    def keygen(self, kind, selector):
        """A key for shop.test made by the CLI; its record goes into the test DNS server."""
        path = os.path.join(self.workdir, f"{selector}.pem")
        made = harness.run([harness.relay_binary(), "dkim", "keygen", "--type", kind,
                            "--selector", selector, "--domain", "shop.test", "--out", path],
                           check=True)
        value = txt_value(made.stdout)
        chunks = [value[i:i + 255] for i in range(0, len(value), 255)]
        self.records[f"{selector}._domainkey.shop.test"] = [TXT(chunks)]
        return path

    def relay_config(self, keys):
        return {
            "delivery": {"dns_servers": [f"{DNS}:53"]},
            "queue": {"retry_schedule": ["1h"]},
            "relay": {"allow_networks": [f"{harness.ALLOWED_CLIENT}/32"]},
            "dkim": {"sign": [{"domain": "shop.test", "selector": s, "key_file": f}
                              for s, f in keys]},
        }

    def send(self, relay, sender_header, recipient, subject, body=b"Hello.\r\n", extra=b""):
        content = (b"From: " + sender_header.encode() + b"\r\nTo: <" + recipient.encode() +
                   b">\r\nSubject: " + subject.encode() + b"\r\n" + extra + b"\r\n" + body)
        reply = harness.send_message(relay.port, "orders@shop.test", [recipient], content)
        self.assertReply(reply, 250)
        return reply

    def arrived(self, subject):
        return self.mailbox.with_subject(subject, WAIT)

    def test_rsa_and_ed25519_signatures_verify_for_awkward_messages(self):
        config = self.relay_config([("rsa", self.keygen("rsa", "rsa")),
                                    ("ed", self.keygen("ed25519", "ed"))])
        config["metrics"] = {"listen": METRICS}
        relay = self.start_relay(config)
        cases = {
            "eight bit": ("caf\xe9 \u20ac\r\n".encode("utf-8"), b""),
            "long line": (b"<p>" + b"x" * 5000 + b"</p>\r\n", b""),
            "folded": (b"body\r\n", b"X-Note: a folded\r\n\tvalue  with   spaces\r\n"),
            "empty body": (b"", b""),
        }
        for subject, (body, extra) in cases.items():
            self.send(relay, "Shop <orders@Shop.Test>", "bob@example.test", subject, body, extra)
        for subject in cases:
            with self.subTest(subject):
                raw = self.arrived(subject)
                self.assertEqual(signatures(raw), [("shop.test", "rsa", "rsa-sha256"),
                                                   ("shop.test", "ed", "ed25519-sha256")])
                self.assertTrue(verifies(raw, 0), "the RSA signature")
                self.assertTrue(verifies(raw, 1), "the Ed25519 signature")
                # Over-signing: a Subject added on the way breaks both signatures.
                tampered = raw.replace(b"\r\n\r\n", b"\r\nSubject: added later\r\n\r\n", 1)
                self.assertFalse(verifies(tampered, 0))
                self.assertFalse(verifies(tampered, 1))
        accepted = [l for l in relay.log_text().splitlines() if "queue_id=" in l and " size=" in l]
        self.assertTrue(all("dkim=shop.test/rsa dkim=shop.test/ed" in l for l in accepted),
                        accepted)
        # Two signatures per message, counted by signing domain.
        with urllib.request.urlopen(f"http://{METRICS}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        self.assertIn('stsrelay_dkim_signatures_total{domain="shop.test"} %d\n' % (2 * len(cases)),
                      metrics)
        self.assertIn("stsrelay_dkim_sign_failures_total 0\n", metrics)

    def test_mail_that_is_not_signed(self):
        relay = self.start_relay(self.relay_config([("rsa", self.keygen("rsa", "rsa"))]))
        self.send(relay, "<someone@elsewhere.test>", "bob@example.test", "other domain")
        self.send(relay, "<a@shop.test>, <b@shop.test>", "bob@example.test", "two authors")
        self.send(relay, "<a@sub.shop.test>", "bob@example.test", "subdomain")
        for subject in ("other domain", "two authors", "subdomain"):
            with self.subTest(subject):
                self.assertEqual(signatures(self.arrived(subject)), [])
        self.assertIn('dkim_unsigned="the From: field has 2 addresses"', relay.log_text())
        # A client that may not relay gets nothing signed: its RCPT is refused.
        with RawSmtp(relay.port, source=harness.OTHER_CLIENT) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("MAIL FROM:<a@shop.test>"), 250)
            self.assertReply(s.command("RCPT TO:<bob@example.test>"), 554)

    def test_sighup_rotates_the_key_and_queued_mail_keeps_its_signature(self):
        relay = self.start_relay(self.relay_config([("old", self.keygen("rsa", "old"))]))
        self.send(relay, "<orders@shop.test>", "carol@down.test", "queued before")
        [queued] = relay.queue_list()
        self.assertIn("s=old;", re.sub(r"\s+", "", relay.stored_headers(queued["id"])))

        relay.rewrite_config(self.relay_config([("new", self.keygen("ed25519", "new"))]))
        relay.process.send_signal(signal.SIGHUP)
        wait_until(lambda: "reload: configuration applied" in relay.log_text(), WAIT,
                   what="the reload")
        self.send(relay, "<orders@shop.test>", "bob@example.test", "after rotation")
        raw = self.arrived("after rotation")
        self.assertEqual(signatures(raw), [("shop.test", "new", "ed25519-sha256")])
        self.assertTrue(verifies(raw, 0))
        # The message queued before the reload is stored, signed, as it was.
        self.assertIn("s=old;", re.sub(r"\s+", "", relay.stored_headers(queued["id"])))

        # A key file that cannot be read refuses the reload; the running keys stay.
        relay.rewrite_config(self.relay_config([("gone", os.path.join(self.workdir, "no.pem"))]))
        relay.process.send_signal(signal.SIGHUP)
        wait_until(lambda: "dkim.sign[0].key_file" in relay.log_text(), WAIT,
                   what="the refused reload")
        self.assertIn("reload refused", relay.log_text())
        self.send(relay, "<orders@shop.test>", "bob@example.test", "after refused reload")
        self.assertEqual(signatures(self.arrived("after refused reload")),
                         [("shop.test", "new", "ed25519-sha256")])

    def test_dkim_check_compares_dns_with_the_configured_keys(self):
        relay = self.start_relay(self.relay_config([("rsa", self.keygen("rsa", "rsa")),
                                                    ("ed", self.keygen("ed25519", "ed"))]))
        ok = relay.cli("dkim", "check", "Shop.Test", check=False)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertRegex(ok.stdout, r"pass  rsa\._domainkey\.shop\.test: rsa key, 2048 bits")
        self.assertRegex(ok.stdout, r"pass  ed\._domainkey\.shop\.test: ed25519 key")
        # The record of one selector now publishes another key.
        self.records["ed._domainkey.shop.test"] = self.records["rsa._domainkey.shop.test"]
        bad = relay.cli("dkim", "check", "shop.test", "--selector", "ed", check=False)
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.assertIn("FAIL  ed._domainkey.shop.test: the record says k=rsa", bad.stdout)
        del self.records["rsa._domainkey.shop.test"]
        gone = relay.cli("dkim", "check", "shop.test", "--selector", "rsa", check=False)
        self.assertEqual(gone.returncode, 1)
        self.assertIn("no TXT record", gone.stdout)
        unknown = relay.cli("dkim", "check", "other.test", check=False)
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("no [[dkim.sign]] key for other.test", unknown.stderr)

    def test_a_bad_key_keeps_the_daemon_from_starting(self):
        short = os.path.join(self.workdir, "short.pem")
        harness.run(["openssl", "genrsa", "-out", short, "768"], check=True)
        for name, path, says in (("missing", os.path.join(self.workdir, "none.pem"),
                                  "No such file"),
                                 ("short RSA", short, "1024")):
            with self.subTest(name):
                result = harness.run([harness.relay_binary(), "serve", "--config",
                                      self.write_config(self.relay_config([("s", path)]))],
                                     check=False)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("dkim.sign[0].key_file", result.stdout + result.stderr)
                self.assertIn(says, result.stdout + result.stderr)

    def write_config(self, config):
        from relay_daemon import StsRelay
        relay = StsRelay(os.path.join(self.workdir, "bad-key"), config)
        return relay.config_path


if __name__ == "__main__":
    harness.main()
