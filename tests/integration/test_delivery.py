"""Outbound delivery (with connection reuse) against real servers inside the test's network
namespace: a dnslib DNS server on 127.0.0.53:53 with MX and A records for the test domains, and
aiosmtpd receivers on 127.0.0.x:25 that write every message they accept to a file. The relay
resolves through `delivery.dns_servers` and delivers to them; nothing leaves the namespace."""

import email
import asyncio
import json
import os
import ssl
import threading

from aiosmtpd.controller import Controller
from dnslib import MX, QTYPE, RCODE, RR, SOA, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

import harness
from harness import RelayTestCase, TestCA, message_bytes, wait_until

DNS_ADDRESS = "127.0.0.53"
RECEIVER_PLAIN = "127.0.0.11"     # mx.plain.test: accepts, refuses unknown@ (550), later@ (450)
MX_DOWN = "127.0.0.12"            # down.failover.test: nothing listens
RECEIVER_FAILOVER = "127.0.0.13"  # up.failover.test, the second MX of failover.test
RECEIVER_SENDER = "127.0.0.14"    # mx.sender.test: the senders' domain, where DSNs arrive
RECEIVER_TLS = "127.0.0.15"       # mx.tls.test: STARTTLS with a certificate of the test CA
RECEIVER_SLOW = "127.0.0.16"      # mx.slow.test: holds the final reply until the test says so

ZONES = ("plain.test", "failover.test", "sender.test", "nullmx.test", "implicit.test",
         "tls.test", "slow.test")
TTL = 1  # keeps the relay's cache honest across tests
RECORDS = {
    "plain.test": [MX("mx.plain.test", 10)],
    "mx.plain.test": [A(RECEIVER_PLAIN)],
    "failover.test": [MX("down.failover.test", 10), MX("up.failover.test", 20)],
    "down.failover.test": [A(MX_DOWN)],
    "up.failover.test": [A(RECEIVER_FAILOVER)],
    "sender.test": [MX("mx.sender.test", 10)],
    "mx.sender.test": [A(RECEIVER_SENDER)],
    "nullmx.test": [MX(".", 0)],  # RFC 7505
    "implicit.test": [A(RECEIVER_PLAIN)],  # no MX: the domain itself (RFC 5321 §5.1)
    "tls.test": [MX("mx.tls.test", 10)],
    "mx.tls.test": [A(RECEIVER_TLS)],
    "slow.test": [MX("mx.slow.test", 10)],
    "mx.slow.test": [A(RECEIVER_SLOW)],
}
RDATA_TYPE = {MX: QTYPE.MX, A: QTYPE.A}

WAIT = 30  # seconds for anything the relay does in the background


class ZoneResolver(BaseResolver):
    """Authoritative answers from RECORDS: NXDOMAIN for unknown names of the zones, NODATA with
    the SOA (RFC 2308) for a known name without records of the type asked for."""

    def resolve(self, request, handler):
        reply = request.reply()
        # dnslib copies the query's AD bit into the reply; this server validates nothing, so its
        # answers are never DNSSEC-secure (DANE must not apply to them).
        reply.header.ad = 0
        reply.header.aa = 1
        reply.header.ra = 0
        name = str(request.q.qname).rstrip(".").lower()
        zone = next((z for z in ZONES if name == z or name.endswith("." + z)), None)
        if zone is None:
            reply.header.rcode = RCODE.REFUSED
            return reply
        soa = RR(zone, QTYPE.SOA, ttl=TTL,
                 rdata=SOA("ns." + zone, "hostmaster." + zone, (1, 3600, 600, 86400, TTL)))
        if name not in RECORDS:
            reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(soa)
            return reply
        for rdata in RECORDS[name]:
            if RDATA_TYPE[type(rdata)] == request.q.qtype:
                reply.add_answer(RR(name, RDATA_TYPE[type(rdata)], ttl=TTL, rdata=rdata))
        if not reply.rr:
            reply.add_auth(soa)
        return reply


class Recorder:
    """An aiosmtpd handler: refuses RCPT for unknown@ (550) and later@ (450), and once@ the
    first time only (450); writes every accepted message to a file of `directory` (envelope as
    JSON, then the content)."""

    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()
        self.refused_once = set()
        os.makedirs(directory, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local == "unknown":
            return "550 5.1.1 no such user here"
        if local == "later":
            return "450 4.2.0 mailbox busy, try later"
        if local == "once" and address not in self.refused_once:
            self.refused_once.add(address)
            return "451 4.7.1 greylisted, come back later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            path = os.path.join(self.directory, f"{self.count:04d}.eml")
        head = json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                           "peer": list(session.peer)})
        with open(path + ".tmp", "wb") as f:
            f.write(head.encode() + b"\n" + envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 accepted"

    def messages(self):
        """[(envelope dict, email.message.Message)] in arrival order."""
        out = []
        for name in sorted(os.listdir(self.directory)):
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(self.directory, name), "rb") as f:
                head, _, content = f.read().partition(b"\n")
            out.append((json.loads(head), email.message_from_bytes(content)))
        return out

    def with_subject(self, subject):
        return [m for m in self.messages() if subject in (m[1]["Subject"] or "")
                or subject.encode() in m[1].as_bytes()]


class SlowRecorder(Recorder):
    """Holds each message after its content arrived, before the reply to the final dot, until
    `release` is set; `entered` says that a message is being held."""

    def __init__(self, directory):
        super().__init__(directory)
        self.entered = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.entered.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


class DeliveryTest(RelayTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = DNSServer(ZoneResolver(), address=DNS_ADDRESS, port=53,
                            logger=DNSLogger(log="-request,-reply,-truncated,-data",
                                             prefix=False))
        cls.dns.start_thread()
        cls.receivers = {}
        cls.controllers = []
        cls.spool = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"stsrelay-rx-{os.getpid()}")
        cls.receiver_ca = TestCA(os.path.join(cls.spool, "ca"))
        leaf = cls.receiver_ca.issue("mx.tls.test")
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(leaf.chain, leaf.key)
        for address in (RECEIVER_PLAIN, RECEIVER_FAILOVER, RECEIVER_SENDER, RECEIVER_TLS,
                        RECEIVER_SLOW):
            kind = SlowRecorder if address == RECEIVER_SLOW else Recorder
            recorder = kind(os.path.join(cls.spool, address))
            tls_args = {"tls_context": tls, "require_starttls": False} if address == RECEIVER_TLS else {}
            controller = Controller(recorder, hostname=address, port=25, **tls_args)
            controller.start()
            cls.receivers[address] = recorder
            cls.controllers.append(controller)

    @classmethod
    def tearDownClass(cls):
        for controller in cls.controllers:
            controller.stop()
        cls.dns.stop()
        for recorder in cls.receivers.values():
            for name in os.listdir(recorder.directory):
                os.unlink(os.path.join(recorder.directory, name))
            os.rmdir(recorder.directory)
        for name in os.listdir(cls.receiver_ca.directory):
            os.unlink(os.path.join(cls.receiver_ca.directory, name))
        os.rmdir(cls.receiver_ca.directory)
        os.rmdir(cls.spool)

    def start_delivering_relay(self, queue=None, **delivery):
        return self.start_relay({
            "delivery": {"dns_servers": [f"{DNS_ADDRESS}:53"], **delivery},
            "queue": {"retry_schedule": ["1s"], **(queue or {})},
        })

    def send(self, relay, sender, recipients, subject):
        content = message_bytes(sender, recipients, subject, ["delivery test body"])
        reply = harness.send_message(relay.port, sender, recipients, content)
        self.assertReply(reply, 250)
        return reply

    def wait_queue_empty(self, relay):
        wait_until(lambda: relay.queue_list() == [], WAIT, what="the queue to be empty")

    def wait_for_message(self, receiver, subject):
        return wait_until(lambda: self.receivers[receiver].with_subject(subject), WAIT,
                          what=f"{subject!r} at {receiver}")

    def test_plain_delivery_end_to_end(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["bob@plain.test"], "plain delivery")
        [(envelope, message)] = self.wait_for_message(RECEIVER_PLAIN, "plain delivery")
        self.assertEqual(envelope["mail_from"], "alice@sender.test")
        self.assertEqual(envelope["rcpt_tos"], ["bob@plain.test"])
        self.assertTrue(message["Received"], "the relay's Received: field travels along")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("bob@plain.test")
        self.assertIn("status=sent", line)
        self.assertIn(f"relay=mx.plain.test[{RECEIVER_PLAIN}]:25", line)
        self.assertIn("dsn=2.0.0", line)
        self.assertIn("tls=none", line)

    def test_failover_to_the_second_mx_when_the_first_is_down(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["carol@failover.test"], "failover delivery")
        [(envelope, _)] = self.wait_for_message(RECEIVER_FAILOVER, "failover delivery")
        self.assertEqual(envelope["rcpt_tos"], ["carol@failover.test"])
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("carol@failover.test")
        self.assertIn("status=sent", line)
        self.assertIn(f"relay=up.failover.test[{RECEIVER_FAILOVER}]:25", line)

    def test_5xx_rcpt_bounces_with_a_dsn_to_the_sender_domain(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["unknown@plain.test", "dave@plain.test"],
                  "mixed results")
        # The accepted recipient got the message; the refused one a DSN at the sender's MX.
        [(envelope, _)] = self.wait_for_message(RECEIVER_PLAIN, "mixed results")
        self.assertEqual(envelope["rcpt_tos"], ["dave@plain.test"])
        [(dsn_envelope, dsn)] = self.wait_for_message(RECEIVER_SENDER, "mixed results")
        self.assertEqual(dsn_envelope["mail_from"], "<>")  # RFC 3461 §6.1: null reverse-path
        self.assertEqual(dsn_envelope["rcpt_tos"], ["alice@sender.test"])
        self.assertEqual(dsn.get_content_type(), "multipart/report")
        report = dsn.as_string()
        self.assertIn("unknown@plain.test", report)
        self.assertRegex(report, r"Status: 5\.1\.1")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("unknown@plain.test")
        self.assertIn("status=bounced", line)
        self.assertIn("dsn=5.1.1", line)
        [line] = relay.attempt_lines("dave@plain.test")
        self.assertIn("status=sent", line)

    def test_4xx_rcpt_is_deferred(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["later@plain.test"], "deferred delivery")

        def deferred():
            messages = relay.queue_list()
            if not messages:
                return None
            [recipient] = messages[0]["recipients"]
            return recipient if recipient["state"] == "deferred" else None

        recipient = wait_until(deferred, WAIT, what="the recipient to be deferred")
        self.assertGreaterEqual(recipient["attempts"], 1)
        self.assertIn("450", recipient["last_reply"])
        line = wait_until(lambda: relay.attempt_lines("later@plain.test"), WAIT)[0]
        self.assertIn("status=deferred", line)
        self.assertIn("dsn=4.2.0", line)
        # With a 1s schedule the relay tries again: more attempts, still deferred, no bounce.
        wait_until(lambda: len(relay.attempt_lines("later@plain.test")) >= 2, WAIT,
                   what="a second attempt")
        self.assertEqual(self.receivers[RECEIVER_SENDER].with_subject("deferred delivery"), [])

    def test_4xx_then_success_on_retry(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["once@plain.test"], "greylisted")
        self.wait_for_message(RECEIVER_PLAIN, "greylisted")
        self.wait_queue_empty(relay)
        lines = relay.attempt_lines("once@plain.test")
        self.assertEqual(len(lines), 2, lines)
        self.assertIn("status=deferred", lines[0])
        self.assertIn("dsn=4.7.1", lines[0])
        self.assertIn("status=sent", lines[1])

    def test_deferral_past_max_lifetime_bounces_with_5_4_7(self):
        relay = self.start_delivering_relay(queue={"max_lifetime": "2s"})
        self.send(relay, "alice@sender.test", ["later@plain.test"], "expired")
        [(_, dsn)] = self.wait_for_message(RECEIVER_SENDER, "expired")
        report = dsn.as_string()
        self.assertRegex(report, r"Status: 5\.4\.7")
        self.assertIn("450 4.2.0", report, "the last reason is the diagnostic")
        self.wait_queue_empty(relay)
        lines = relay.attempt_lines("later@plain.test")
        self.assertIn("status=deferred", lines[0])
        self.assertIn("status=bounced", lines[-1])
        self.assertIn("dsn=5.4.7", lines[-1])

    def test_dry_run_connects_but_sends_nothing(self):
        relay = self.start_delivering_relay(dry_run=True)
        self.send(relay, "alice@sender.test", ["mia@plain.test"], "dry run")

        def dry_run_state():
            messages = relay.queue_list()
            return messages and messages[0]["recipients"][0]["state"] == "dry-run"

        wait_until(dry_run_state, WAIT, what="the recipient to end in dry-run")
        [line] = relay.attempt_lines("mia@plain.test")
        self.assertIn("status=dry-run", line)
        self.assertIn(f"relay=mx.plain.test[{RECEIVER_PLAIN}]:25", line)
        self.assertEqual(self.receivers[RECEIVER_PLAIN].with_subject("dry run"), [])

    def test_null_mx_bounces_at_once(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["erin@nullmx.test"], "null mx")
        [(dsn_envelope, dsn)] = self.wait_for_message(RECEIVER_SENDER, "null mx")
        self.assertEqual(dsn_envelope["rcpt_tos"], ["alice@sender.test"])
        self.assertRegex(dsn.as_string(), r"Status: 5\.1\.10")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("erin@nullmx.test")
        self.assertIn("status=bounced", line)
        self.assertIn("dsn=5.1.10", line)
        self.assertIn("relay=none", line)

    def test_null_sender_bounce_gets_no_dsn(self):
        relay = self.start_delivering_relay()
        self.send(relay, "", ["unknown@plain.test"], "null sender")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("unknown@plain.test")
        self.assertIn("status=bounced", line)
        self.assertNotIn("bounce notice queued", relay.log_text())

    def test_implicit_mx_is_the_domain_itself(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["frank@implicit.test"], "implicit mx")
        self.wait_for_message(RECEIVER_PLAIN, "implicit mx")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("frank@implicit.test")
        self.assertIn(f"relay=implicit.test[{RECEIVER_PLAIN}]:25", line)

    def test_nxdomain_bounces_with_5_1_2(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["gina@missing.plain.test"], "nxdomain")
        [(_, dsn)] = self.wait_for_message(RECEIVER_SENDER, "nxdomain")
        self.assertRegex(dsn.as_string(), r"Status: 5\.1\.2")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("gina@missing.plain.test")
        self.assertIn("status=bounced", line)

    def test_connection_is_reused_for_the_next_message(self):
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["henry@plain.test"], "reuse first")
        [(first, _)] = self.wait_for_message(RECEIVER_PLAIN, "reuse first")
        self.wait_queue_empty(relay)
        # Within the idle time (5s) the next message to the same MX address takes the same
        # connection: same client port, and RSET before the second transaction.
        self.send(relay, "alice@sender.test", ["henry@plain.test"], "reuse second")
        [(second, _)] = self.wait_for_message(RECEIVER_PLAIN, "reuse second")
        self.assertEqual(first["peer"], second["peer"])

    def test_starttls_with_an_untrusted_certificate_still_delivers(self):
        relay = self.start_delivering_relay()  # the system trust store knows no test CA
        self.send(relay, "alice@sender.test", ["ivy@tls.test"], "untrusted tls")
        self.wait_for_message(RECEIVER_TLS, "untrusted tls")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("ivy@tls.test")
        self.assertIn("status=sent", line)
        self.assertRegex(line, r"tls=\"?TLSv1\.[23]/unverified:")

    def test_starttls_verified_against_ca_file(self):
        relay = self.start_delivering_relay(ca_file=self.receiver_ca.pem)
        self.send(relay, "alice@sender.test", ["jack@tls.test"], "verified tls")
        self.wait_for_message(RECEIVER_TLS, "verified tls")
        self.wait_queue_empty(relay)
        [line] = relay.attempt_lines("jack@tls.test")
        self.assertRegex(line, r"tls=TLSv1\.[23]/verified ")

    def hold_slow_receiver(self):
        slow = self.receivers[RECEIVER_SLOW]
        slow.entered.clear()
        slow.release.clear()
        self.addCleanup(slow.release.set)
        return slow

    def test_kill_9_during_delivery_then_restart_delivers(self):
        slow = self.hold_slow_receiver()
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["kate@slow.test"], "killed during delivery")
        wait_until(slow.entered.is_set, WAIT, what="the message to reach the slow receiver")
        self.assertEqual(relay.kill(), -9)
        slow.release.set()
        relay.start()
        self.wait_for_message(RECEIVER_SLOW, "killed during delivery")
        self.wait_queue_empty(relay)
        # Never lost; at most twice (the first copy's 250 never reached the killed relay).
        self.assertIn(len(slow.with_subject("killed during delivery")), (1, 2))

    def test_sigterm_abandons_a_stalled_delivery_and_restart_delivers(self):
        slow = self.hold_slow_receiver()
        relay = self.start_delivering_relay()
        self.send(relay, "alice@sender.test", ["lisa@slow.test"], "stopped during delivery")
        wait_until(slow.entered.is_set, WAIT, what="the message to reach the slow receiver")
        # The delivery does not finish within the grace period: the relay still exits 0, and
        # the recipient stays queued.
        self.assertEqual(relay.stop(timeout=40), 0)
        self.assertIn("abandoned", relay.log_text())
        [message] = relay.queue_list()
        self.assertIn(message["recipients"][0]["state"], harness.PENDING_STATES)
        slow.release.set()
        relay.start()
        self.wait_queue_empty(relay)
        self.assertIn(len(slow.with_subject("stopped during delivery")), (1, 2))


if __name__ == "__main__":
    harness.main()
