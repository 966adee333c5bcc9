"""Open-relay probe (RFC 5321 §3.9, §7.1; RFC 2505): a client outside relay.allow_networks tries
every address trick that has made relays forward mail for strangers — source routes, the percent
hack, bang paths, quoted local parts hiding an "@" or "%", IP literals, trailing dots, upper
case, a forged sender, spoofed client addresses (XCLIENT, a PROXY header) and AUTH without TLS.

Every recipient must be refused with 554 5.7.1 (relay access denied) or a 501 syntax error; no
transaction may reach DATA, the queue stays empty, and the SMTP receivers that DNS names for
every domain of the probe (and those at the IP literals) receive nothing. A positive control
from the same client address, once it is in allow_networks, relays through the same world to
the same receiver: the refusals are about the network, not about the addresses or the world."""

import base64
import os

from dnslib import MX, A

import harness
from harness import RawSmtp, RelayTestCase, message_bytes, wait_until
from sts_world import DNS, World

ALLOWED = "127.0.0.1"      # the only network that may relay in the probe
PROBE_CLIENT = "127.0.0.5"  # another loopback address of the namespace: not allowed
RECEIVER = "127.0.0.20"    # MX of every domain the probe names
USER, PASSWORD = "alice", "correct horse battery staple"
WAIT = 30

ZONES = ("example", "test", "x")
RECORDS = {
    **{d: [MX("mx.world.test", 10)]
       for d in ("a.example", "b.example", "c.example", "relay.test", "x")},
    "mx.world.test": [A(RECEIVER)],
}

RELAY_DENIED = (554, "5.7.1")
RCPT_SYNTAX = (501, "5.1.3")   # a forward-path that is no mailbox of RFC 5321 §4.1.2
ARG_SYNTAX = (501, "5.5.4")    # no "<path>" in the argument at all
MAX_BAD_COMMANDS = 20          # 5xx replies in one session before 421 4.7.0 and close

# (what is tried, the RCPT command, the reply the relay gives). Each runs in its own session
# after "MAIL FROM:<probe@example.org>".
RCPT_TRICKS = [
    ("plain foreign domain", "RCPT TO:<user@c.example>", RELAY_DENIED),
    # RFC 5321 §4.1.1.3 and Appendix C: the route is dropped; what is left is still foreign.
    ("source route", "RCPT TO:<@a.example,@b.example:user@c.example>", RELAY_DENIED),
    ("source route through the relay itself", "RCPT TO:<@relay.test:user@c.example>",
     RELAY_DENIED),
    # The percent hack: a relay that treats relay.test as local would forward to c.example.
    ("percent hack at the relay's name", "RCPT TO:<user%c.example@relay.test>", RELAY_DENIED),
    ("percent hack at an IP literal", "RCPT TO:<user%c.example@[127.0.0.1]>", RELAY_DENIED),
    # UUCP bang paths: without a domain there is no mailbox; with one, still foreign.
    ("bang path without domain", "RCPT TO:<c.example!user>", RCPT_SYNTAX),
    ("bang path at the relay's name", "RCPT TO:<c.example!user@relay.test>", RELAY_DENIED),
    # Quoted local parts that hide "@" or "%" (RFC 5321 §4.1.2 Quoted-string).
    ("quoted local part with @", 'RCPT TO:<"user@c.example"@relay.test>', RELAY_DENIED),
    ("quoted local part with %", 'RCPT TO:<"user%c.example"@x>', RELAY_DENIED),
    ("quoted local part with bang", 'RCPT TO:<"c.example!user"@relay.test>', RELAY_DENIED),
    # RFC 5321 §4.1.3 address literals, the relay's own addresses among them.
    ("IPv4 literal of the relay", "RCPT TO:<user@[127.0.0.1]>", RELAY_DENIED),
    ("IPv6 literal of loopback", "RCPT TO:<user@[IPv6:::1]>", RELAY_DENIED),
    ("IPv4 literal of the client", f"RCPT TO:<user@[{PROBE_CLIENT}]>", RELAY_DENIED),
    # The relay takes no trailing dot (address.hpp), so these are syntax errors.
    ("trailing dot", "RCPT TO:<user@c.example.>", RCPT_SYNTAX),
    ("trailing dot at the relay's name", "RCPT TO:<user%c.example@relay.test.>", RCPT_SYNTAX),
    ("upper case", "RCPT TO:<USER@C.EXAMPLE>", RELAY_DENIED),
    ("upper case relay name with percent hack", "RCPT TO:<USER%C.EXAMPLE@RELAY.TEST>",
     RELAY_DENIED),
    ("lower-case verb and space before the path", "rcpt to: <user@c.example>", RELAY_DENIED),
    ("two at signs", "RCPT TO:<user@c.example@relay.test>", RCPT_SYNTAX),
    ("no angle brackets", "RCPT TO:user@c.example", ARG_SYNTAX),
]


def auth_plain(user, password):
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


class OpenRelayProbeTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        world = World(self, dict(RECORDS), ZONES)
        # Receivers wherever a relayed message could go: the MX of every domain above and
        # port 25 of each IP literal.
        self.receivers = {RECEIVER: world.receiver(RECEIVER),
                          "127.0.0.1": world.receiver("127.0.0.1"),
                          "::1": world.receiver("::1")}
        self.users_file = os.path.join(self.workdir, "users")
        harness.add_user(self.users_file, USER, PASSWORD)

    def start_probe_relay(self, allow_networks, listen=("127.0.0.1:2525",)):
        # TLS and a users file are configured, so that AUTH exists and could be misused.
        return self.start_relay({
            "server": {"listen": list(listen)},
            "relay": {"allow_networks": allow_networks, "auth_users_file": self.users_file},
            "delivery": {"dns_servers": [f"{DNS}:53"]},
        }, tls=True)

    def assertNothingRelayed(self, relay):
        self.assertQueueEmpty(relay)
        for address, box in self.receivers.items():
            self.assertEqual(box.received(), [], f"the receiver at {address} got mail")

    def probe_session(self, relay, sender="probe@example.org"):
        s = RawSmtp(relay.port, source=PROBE_CLIENT)
        s.greeting_and_ehlo("probe.example")
        self.assertReply(s.command(f"MAIL FROM:<{sender}>"), 250)
        return s

    def assertNoTransaction(self, s):
        # No recipient was taken: DATA has nothing to send to (RFC 5321 §4.1.1.4, 503).
        self.assertReply(s.command("DATA"), 503, "5.5.1")

    def test_every_address_trick_is_refused_at_rcpt(self):
        relay = self.start_probe_relay([f"{ALLOWED}/32"])
        for name, command, (code, enhanced) in RCPT_TRICKS:
            with self.subTest(name, command=command), self.probe_session(relay) as s:
                reply = s.command(command)
                self.assertReply(reply, code, enhanced, f"{command} -> {reply}")
                self.assertNoTransaction(s)
        self.assertNothingRelayed(relay)

    def test_all_tricks_in_one_transaction_are_refused_until_the_error_limit(self):
        # A relay that only checks the first recipient, or counts refusals, is caught here.
        # After MAX_BAD_COMMANDS refusals the relay ends the session (RFC 5321 §4.3.2 allows
        # 421 at any time; Postfix's smtpd_hard_error_limit), and the probe starts another.
        relay = self.start_probe_relay([f"{ALLOWED}/32"])
        s = self.probe_session(relay)
        try:
            refused = 0
            for name, command, (code, enhanced) in RCPT_TRICKS:
                self.assertReply(s.command(command), code, enhanced, name)
                refused += 1
                if refused == MAX_BAD_COMMANDS:
                    self.assertReply(s.reply(), 421, "4.7.0")
                    self.assertTrue(s.closed_by_server())
                    s.close()
                    s, refused = self.probe_session(relay), 0
            self.assertNoTransaction(s)
            self.assertReply(s.command("QUIT"), 221)
        finally:
            s.close()
        self.assertNothingRelayed(relay)

    def test_ipv6_loopback_client_is_not_allowed_by_an_ipv4_network(self):
        # ::1 is loopback too, but only 127.0.0.1/32 is listed: no implicit "local" exception.
        relay = self.start_probe_relay([f"{ALLOWED}/32"],
                                       listen=("127.0.0.1:2525", "[::1]:2525"))
        with RawSmtp(relay.port, host="::1") as s:
            s.greeting_and_ehlo("probe.example")
            self.assertReply(s.command("MAIL FROM:<probe@example.org>"), 250)
            for _, command, (code, enhanced) in RCPT_TRICKS[:5]:
                self.assertReply(s.command(command), code, enhanced, command)
            self.assertNoTransaction(s)
        self.assertNothingRelayed(relay)

    def test_sender_forged_as_local_does_not_open_the_relay(self):
        relay = self.start_probe_relay([f"{ALLOWED}/32"])
        for sender in ("postmaster@relay.test", f"user@[{ALLOWED}]", ""):
            with self.subTest(sender=sender), self.probe_session(relay, sender) as s:
                self.assertReply(s.command("RCPT TO:<user@c.example>"), *RELAY_DENIED)
                self.assertNoTransaction(s)
        self.assertNothingRelayed(relay)

    def test_spoofed_client_address_commands_do_not_open_the_relay(self):
        relay = self.start_probe_relay([f"{ALLOWED}/32"])
        with RawSmtp(relay.port, source=PROBE_CLIENT) as s:
            # A PROXY protocol v1 header and XCLIENT (Postfix) claim to come from 127.0.0.1;
            # the relay speaks neither, so both are unknown commands.
            s.send(f"PROXY TCP4 {ALLOWED} {ALLOWED} 40000 {relay.port}\r\n".encode())
            self.assertReply(s.reply(), 220)  # the greeting, sent before the line was read
            self.assertReply(s.reply(), 500, "5.5.2")
            self.assertReply(s.command("EHLO probe.example"), 250)
            self.assertReply(s.command(f"XCLIENT ADDR={ALLOWED} NAME=localhost"), 500, "5.5.2")
            self.assertReply(s.command("EHLO probe.example"), 250)
            self.assertReply(s.command("MAIL FROM:<probe@example.org>"), 250)
            self.assertReply(s.command("RCPT TO:<user@c.example>"), *RELAY_DENIED)
            self.assertNoTransaction(s)
        self.assertNothingRelayed(relay)

    def test_auth_without_tls_is_refused_and_does_not_open_the_relay(self):
        relay = self.start_probe_relay([f"{ALLOWED}/32"])
        with RawSmtp(relay.port, source=PROBE_CLIENT) as s:
            ehlo = s.greeting_and_ehlo("probe.example")
            self.assertNotIn("AUTH", [line.split()[0].upper() for line in ehlo.lines[1:]])
            # RFC 4954 §4: 538 5.7.11 "encryption required", even with the right password.
            self.assertReply(s.command(f"AUTH PLAIN {auth_plain(USER, PASSWORD)}"),
                             538, "5.7.11")
            self.assertReply(s.command("AUTH LOGIN"), 538, "5.7.11")
            self.assertReply(s.command("MAIL FROM:<probe@example.org>"), 250)
            self.assertReply(s.command("RCPT TO:<user@c.example>"), *RELAY_DENIED)
            self.assertReply(s.command("RCPT TO:<user%c.example@relay.test>"), *RELAY_DENIED)
            self.assertNoTransaction(s)
        self.assertNothingRelayed(relay)

    def test_the_same_client_relays_once_its_network_is_allowed(self):
        # Positive control: the same source address, the same world and receivers; only
        # allow_networks differs from the probe above.
        relay = self.start_probe_relay([f"{ALLOWED}/32", f"{PROBE_CLIENT}/32"])
        with self.probe_session(relay) as s:
            self.assertReply(s.command("RCPT TO:<user@c.example>"), 250, "2.1.5")
            self.assertReply(s.command("DATA"), 354)
            s.send(message_bytes("probe@example.org", ["user@c.example"], "control",
                                 ["allowed network"]) + b".\r\n")
            self.assertReply(s.reply(), 250)
        box = self.receivers[RECEIVER]
        wait_until(box.received, WAIT, what="the control message at c.example's MX")
        [(rcpt_tos, _)] = box.received()
        self.assertEqual(rcpt_tos, ["user@c.example"])
        self.assertEqual(box.subjects(), ["control"])


if __name__ == "__main__":
    harness.main()
