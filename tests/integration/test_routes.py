"""[[route]] tables and REQUIRETLS (RFC 8689) end to end, against real servers in the test's
network namespace (sts_world.py): a provider's smart host (aiosmtpd) that requires AUTH on 587
with STARTTLS and on 465 with implicit TLS; an internal server reached by address, from a chosen
source address, also over IPv6; a list of next hops whose first one is down; partners behind
`verify` and `secure` floors with good, untrusted and wrong-name certificates; sender-dependent
routes; and MX hosts with and without REQUIRETLS under MTA-STS policies. Every scenario asserts
where the message went, or that it went nowhere and why."""

import os
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from dnslib import MX, TXT, A

import harness
from harness import RawSmtp, RelayTestCase, client_tls_context, message_bytes, wait_until
from sts_world import DNS, Mailbox, class_world, unknown_ca

SMART = "127.0.0.61"        # smtp.provider.test: 587 STARTTLS + AUTH, 465 implicit TLS + AUTH
INTERNAL = "127.0.0.62"     # an internal server, plain, reached by address
DOWN = "127.0.0.63"         # nothing listens
PARTNER_GOOD = "127.0.0.64"  # certificate of the test CA: relay-good.partner.test, mx.securegood.test
PARTNER_BAD = "127.0.0.65"  # certificate of an unknown CA
OTHER_NAME = "127.0.0.66"   # certificate of the test CA for mx.elsewhere.test
REQTLS = "127.0.0.67"       # offers REQUIRETLS; mx.reqtls.test, mx.nopolicy.test
NOREQ = "127.0.0.69"        # TLS, no REQUIRETLS: mx.noreq.test
UNTRUSTED = "127.0.0.72"    # untrusted certificate: mx.tlsno.test (enforce policy)
SENDERS = "127.0.0.73"      # mx.sender.test: where DSNs to alice@sender.test arrive
PLAIN_MX = "127.0.0.75"     # mx.plainmx.test
SOURCE = "127.0.0.74"       # the source address of the corp.test route
USER, PASSWORD = "relay@example.org", "correct horse"
WAIT = 30

POLICIES = {  # domain: (policy host address, its MX pattern)
    "reqtls.test": ("127.0.0.68", "mx.reqtls.test"),
    "noreq.test": ("127.0.0.70", "mx.noreq.test"),
    "tlsno.test": ("127.0.0.71", "mx.tlsno.test"),
}


def records():
    out = {
        "smtp.provider.test": [A(SMART)],
        "relay-good.partner.test": [A(PARTNER_GOOD)],
        "relay-bad.partner.test": [A(PARTNER_BAD)],
    }
    for domain, address in {"secure.test": OTHER_NAME, "securegood.test": PARTNER_GOOD,
                            "reqtls.test": REQTLS, "nopolicy.test": REQTLS,
                            "noreq.test": NOREQ, "tlsno.test": UNTRUSTED,
                            "sender.test": SENDERS, "plainmx.test": PLAIN_MX}.items():
        out[domain] = [MX(f"mx.{domain}", 10)]
        out[f"mx.{domain}"] = [A(address)]
    for domain in POLICIES:
        out[f"_mta-sts.{domain}"] = [TXT("v=STSv1; id=1;")]
    return out


ZONES = ("provider.test", "partner.test", "secure.test", "securegood.test", "reqtls.test",
         "nopolicy.test", "noreq.test", "tlsno.test", "sender.test", "plainmx.test")


class PeerBox(Mailbox):
    """A Mailbox that also keeps each message's client address and MAIL parameters."""

    def __init__(self):
        super().__init__()
        self.peers = []
        self.requiretls = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.peers.append(session.peer[0])
            self.requiretls.append(getattr(session, "requiretls", False))
        return await super().handle_DATA(server, session, envelope)


class RequireTlsSmtp(SMTP):
    """aiosmtpd with RFC 8689: REQUIRETLS in the EHLO reply after STARTTLS, and the MAIL
    parameter taken (and remembered for the session) instead of refused as unknown."""

    async def smtp_MAIL(self, arg):
        if arg and arg.upper().split()[-1:] == ["REQUIRETLS"]:
            self.session.requiretls = True
            arg = arg.rsplit(" ", 1)[0]
        return await super().smtp_MAIL(arg)


class RequireTlsBox(PeerBox):
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        responses = await super().handle_EHLO(server, session, envelope, hostname, responses)
        if server._tls_protocol is not None:
            responses.insert(1, "250-REQUIRETLS")
        return responses


class RequireTlsController(Controller):
    def factory(self):
        return RequireTlsSmtp(self.handler, **self.SMTP_kwargs)


def authenticator(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd itself answers a failure with 535 5.7.8 (with its default,
    # handled=True, it would expect the authenticator to have replied, and say nothing).
    return AuthResult(success=(auth_data.login.decode(), auth_data.password.decode()) ==
                      (USER, PASSWORD), handled=False)


class RoutesTest(RelayTestCase):
    @classmethod
    def setUpClass(cls):
        cls.records = records()
        work = class_world(cls, "stsrelay-routes-", cls.records, ZONES)
        cls.work = work
        ca = cls.world_ca
        rogue = unknown_ca(work)
        # Every DNS question the relay asks, to show which it did not ask.
        resolver = cls.world.dns.server.resolver
        cls.questions = []
        original = resolver.resolve

        def logged(request, handler):
            cls.questions.append((str(request.q.qname).rstrip(".").lower(), request.q.qtype))
            return original(request, handler)
        resolver.resolve = logged

        smart_leaf = ca.issue("smtp.provider.test")
        cls.smart = PeerBox()
        cls.start_controller(Controller(cls.smart, hostname=SMART, port=587,
                                        tls_context=cls.server_context(smart_leaf),
                                        require_starttls=True, authenticator=authenticator,
                                        auth_required=True))
        cls.start_controller(Controller(cls.smart, hostname=SMART, port=465,
                                        ssl_context=cls.server_context(smart_leaf),
                                        authenticator=authenticator, auth_required=True,
                                        auth_require_tls=False))
        cls.internal = PeerBox()
        cls.start_controller(Controller(cls.internal, hostname=INTERNAL, port=25))
        cls.internal6 = PeerBox()
        cls.start_controller(Controller(cls.internal6, hostname="::1", port=25))
        cls.partner_good = cls.world.receiver(
            PARTNER_GOOD, ca.issue("relay-good.partner.test", dns_names=["mx.securegood.test"]))
        cls.partner_bad = cls.world.receiver(PARTNER_BAD, rogue.issue("relay-bad.partner.test"))
        cls.other_name = cls.world.receiver(OTHER_NAME, ca.issue("mx.elsewhere.test"))
        cls.noreq = cls.world.receiver(NOREQ, ca.issue("mx.noreq.test"))
        cls.untrusted = cls.world.receiver(UNTRUSTED, rogue.issue("mx.tlsno.test"))
        cls.senders = cls.world.receiver(SENDERS)
        cls.plain_mx = cls.world.receiver(PLAIN_MX)
        cls.reqtls = RequireTlsBox()
        cls.start_controller(RequireTlsController(
            cls.reqtls, hostname=REQTLS, port=25,
            tls_context=cls.server_context(ca.issue("mx.reqtls.test",
                                                    dns_names=["mx.nopolicy.test"])),
            require_starttls=False))
        leaf = ca.issue("mta-sts.reqtls.test",
                        dns_names=[f"mta-sts.{d}" for d in list(POLICIES)[1:]])
        for domain, (address, mx) in POLICIES.items():
            cls.world.policy_host(domain, address, leaf,
                                  f"version: STSv1\nmode: enforce\nmx: {mx}\nmax_age: 86400\n")

    @classmethod
    def server_context(cls, leaf):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(leaf.chain, leaf.key)
        return context

    @classmethod
    def start_controller(cls, controller):
        controller.start()
        cls.addClassCleanup(controller.stop)
        return controller

    def auth_file(self, name, text, mode=0o600):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def relay(self, **extra):
        good = self.auth_file("provider.auth", f"{USER}:{PASSWORD}\n")
        bad = self.auth_file("wrong.auth", f"{USER}:wrong password\n")
        routes = [
            {"domains": ["corp.test"], "next_hop": "[127.0.0.62]:25",
             "source_address": SOURCE},
            {"domains": ["list.test"], "next_hop": [f"[{DOWN}]:25", f"[{INTERNAL}]:25"]},
            {"domains": ["provider587.test"], "next_hop": "smtp.provider.test:587",
             "tls": "verify", "auth_file": good},
            {"domains": ["provider465.test"], "next_hop": "smtp.provider.test:465",
             "tls": "verify", "implicit_tls": True, "auth_file": good},
            {"domains": ["badpass.test"], "next_hop": "smtp.provider.test:587",
             "tls": "verify", "auth_file": bad},
            {"domains": ["verifygood.test"], "next_hop": "relay-good.partner.test",
             "tls": "verify"},
            {"domains": ["verifybad.test"], "next_hop": "relay-bad.partner.test",
             "tls": "verify"},
            {"domains": ["secure.test", "securegood.test"], "next_hop": "mx", "tls": "secure"},
            {"domains": ["*"], "senders": ["shop.test"], "next_hop": f"[{INTERNAL}]:25"},
            {"domains": ["v6.test"], "next_hop": "[::1]:25", "source_address": "::1"},
            {"domains": ["encrypt.test"], "next_hop": f"[{INTERNAL}]:25", "tls": "encrypt"},
        ]
        config = {
            "delivery": {"dns_servers": [f"{DNS}:53"], "ca_file": self.world_ca.pem},
            "queue": {"retry_schedule": ["1h"]},
            "route": routes,
        }
        config.update(extra)
        return self.start_relay(config, tls=True)

    def send(self, relay, recipient, sender="alice@sender.test", subject=None, extra=None):
        subject = subject or f"to {recipient} from {sender}"
        content = message_bytes(sender, [recipient], subject, ["route test"])
        if extra:
            content = extra + content
        self.assertReply(harness.send_message(relay.port, sender, [recipient], content), 250)
        return subject

    def line(self, relay, recipient, status):
        return self.wait_attempt(relay, recipient, status, WAIT)

    def dsn_for(self, recipient):
        """The bounce notice naming `recipient` that reached the senders' MX, waited for."""
        return wait_until(lambda: next((raw for _, raw in self.senders.received()
                                        if recipient.encode() in raw), None),
                          WAIT, what=f"the DSN for {recipient}")

    def delivered(self, relay, box, recipient, **kwargs):
        subject = self.send(relay, recipient, **kwargs)
        raw = box.with_subject(subject, WAIT)
        return raw, self.line(relay, recipient, "sent")

    # --- next hops ----------------------------------------------------------------------------

    def test_internal_server_by_address_from_a_source_address_without_mx_lookup(self):
        relay = self.relay()
        before = len(self.internal.peers)
        _, line = self.delivered(relay, self.internal, "ops@corp.test")
        self.assertIn(f"relay={INTERNAL}[{INTERNAL}]:25", line)
        self.assertIn("floor=may/route[0]", line)
        self.assertEqual(self.internal.peers[before:], [SOURCE])
        self.assertFalse([q for q in self.questions if q[0].endswith("corp.test")],
                         "a bracketed next hop needs no DNS")
        route = relay.cli("route", "corp.test").stdout
        self.assertIn("route[0]", route)
        self.assertIn("[127.0.0.62]:25", route)

    def test_ipv6_next_hop_from_an_ipv6_source(self):
        relay = self.relay()
        _, line = self.delivered(relay, self.internal6, "ops@v6.test")
        self.assertIn("relay=::1[::1]:25", line)
        self.assertEqual(self.internal6.peers[-1], "::1")

    def test_a_list_of_next_hops_whose_first_is_down(self):
        relay = self.relay()
        _, line = self.delivered(relay, self.internal, "ops@list.test")
        self.assertIn(f"[{INTERNAL}]:25", line)

    def test_sender_dependent_route(self):
        relay = self.relay()
        _, line = self.delivered(relay, self.internal, "x@plainmx.test", sender="bob@shop.test")
        self.assertIn("floor=may/route[8]", line)
        _, line = self.delivered(relay, self.plain_mx, "y@plainmx.test")
        self.assertIn("relay=mx.plainmx.test", line)
        self.assertIn("floor=may ", line)

    # --- AUTH at a provider ---------------------------------------------------------------------

    def test_provider_587_starttls_and_auth(self):
        relay = self.relay()
        _, line = self.delivered(relay, self.smart, "a@provider587.test")
        self.assertIn("relay=smtp.provider.test[127.0.0.61]:587", line)
        self.assertRegex(line, r"tls=TLSv1\.[23]/verified floor=verify/route\[2\]")
        self.assertNotIn(PASSWORD, relay.log_text())

    def test_provider_465_implicit_tls_and_auth(self):
        relay = self.relay()
        _, line = self.delivered(relay, self.smart, "a@provider465.test")
        self.assertIn("relay=smtp.provider.test[127.0.0.61]:465", line)
        self.assertRegex(line, r"tls=TLSv1\.[23]/verified floor=verify/route\[3\]")

    def test_wrong_password_bounces_with_the_reply(self):
        relay = self.relay()
        self.send(relay, "a@badpass.test")
        line = self.line(relay, "a@badpass.test", "bounced")
        self.assertIn("535", line)
        dsn = self.dsn_for("a@badpass.test")
        self.assertIn(b"Undelivered Mail Returned to Sender", dsn)
        self.assertIn(b"535", dsn)
        self.assertNotIn(b"wrong password", dsn)

    def test_auth_file_readable_by_others_stops_the_start(self):
        path = self.auth_file("open.auth", f"{USER}:{PASSWORD}\n", mode=0o644)
        relay = harness.StsRelay(os.path.join(self.workdir, "refused"), {
            "route": [{"domains": ["x.test"], "next_hop": "smtp.provider.test:587",
                       "tls": "verify", "auth_file": path}]})
        result = relay.cli("route", "x.test")
        self.assertIn("unusable", result.stdout)
        self.assertIn("mode 0644", result.stdout)

    # --- TLS floors -----------------------------------------------------------------------------

    def test_verify_delivers_to_a_good_certificate(self):
        relay = self.relay()
        _, line = self.delivered(relay, self.partner_good, "a@verifygood.test")
        self.assertRegex(line, r"tls=TLSv1\.[23]/verified floor=verify/route\[5\]")

    def test_verify_defers_an_untrusted_certificate(self):
        relay = self.relay()
        self.send(relay, "a@verifybad.test")
        line = self.line(relay, "a@verifybad.test", "deferred")
        self.assertIn("dsn=4.7.5", line)
        self.assertIn("route[6] requires tls=verify", line)
        self.assertEqual(self.partner_bad.received(), [])
        [message] = [m for m in relay.queue_list()
                     if any(r["address"] == "a@verifybad.test" for r in m["recipients"])]
        self.assertIn("route route[6]: relay-bad.partner.test:25 tls=verify",
                      relay.queue_show(message["id"]))

    def test_secure_defers_a_certificate_for_another_domain(self):
        relay = self.relay()
        self.send(relay, "a@secure.test")
        line = self.line(relay, "a@secure.test", "deferred")
        self.assertIn("route[7] requires tls=secure", line)
        self.assertIn("secure.test or a subdomain", line)
        self.assertEqual(self.other_name.received(), [])
        _, line = self.delivered(relay, self.partner_good, "a@securegood.test")
        self.assertIn("floor=secure/route[7]", line)

    def test_encrypt_defers_a_server_without_tls(self):
        relay = self.relay()
        self.send(relay, "a@encrypt.test")
        line = self.line(relay, "a@encrypt.test", "deferred")
        self.assertIn("dsn=4.7.4", line)
        self.assertIn("route[10] requires tls=encrypt", line)

    # --- REQUIRETLS ------------------------------------------------------------------------------

    def send_requiretls(self, relay, recipient, subject):
        content = message_bytes("alice@sender.test", [recipient], subject, ["tls only"])
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("STARTTLS"), 220)
            s.starttls(client_tls_context(self.ca.pem), "relay.test")
            self.assertReply(s.command("EHLO client.test"), 250)
            self.assertReply(s.command("MAIL FROM:<alice@sender.test> REQUIRETLS"), 250)
            self.assertReply(s.command(f"RCPT TO:<{recipient}>"), 250)
            self.assertReply(s.command("DATA"), 354)
            s.send(content + b".\r\n")
            self.assertReply(s.reply(), 250)

    def test_requiretls_delivered_to_a_requiretls_mx_under_an_enforce_policy(self):
        relay = self.relay()
        self.send_requiretls(relay, "a@reqtls.test", "requiretls ok")
        self.reqtls.with_subject("requiretls ok", WAIT)
        self.assertTrue(self.reqtls.requiretls[-1], "REQUIRETLS passed on in MAIL FROM")
        line = self.line(relay, "a@reqtls.test", "sent")
        self.assertIn("floor=may+requiretls", line)

    def test_requiretls_bounces_for_an_mx_without_requiretls(self):
        relay = self.relay()
        self.send_requiretls(relay, "a@noreq.test", "requiretls noreq")
        line = self.line(relay, "a@noreq.test", "bounced")
        self.assertIn("dsn=5.7.30", line)
        self.assertEqual(self.noreq.received(), [])

    def test_requiretls_bounces_for_a_domain_without_a_policy(self):
        relay = self.relay()
        self.send_requiretls(relay, "a@nopolicy.test", "requiretls nopolicy")
        line = self.line(relay, "a@nopolicy.test", "bounced")
        self.assertIn("dsn=5.7.30", line)
        self.assertIn("relay=none", line)
        self.assertNotIn("requiretls nopolicy", self.reqtls.subjects())
        # RFC 8689 §5: the bounce is redacted, so it reaches the sender without REQUIRETLS.
        dsn = self.dsn_for("a@nopolicy.test")
        self.assertIn(b"5.7.30", dsn)
        self.assertNotIn(b"requiretls nopolicy", dsn)
        self.assertNotIn(b"text/rfc822-headers", dsn)

    def test_tls_required_no_is_delivered_despite_an_enforce_violation(self):
        relay = self.relay()
        self.send(relay, "b@tlsno.test", subject="enforced")
        self.line(relay, "b@tlsno.test", "deferred")
        raw, line = self.delivered(relay, self.untrusted, "a@tlsno.test", subject="optional",
                                   extra=b"TLS-Required: No\r\n")
        self.assertIn(b"TLS-Required: No", raw)
        self.assertNotIn("sts=enforce", line)


if __name__ == "__main__":
    harness.main()
