"""RFC 8689 on the receiving side, against the real daemon: REQUIRETLS is offered only inside
TLS and refused as an unknown parameter (555) outside it; a message sent with it is stored with
the tag, which `stsrelay queue show` prints and the acceptance log line carries; a message with
"TLS-Required: No" is stored with that request (the field itself stays in the message), unless
it came with REQUIRETLS (§4.1)."""

import re

import harness
from harness import RawSmtp, RelayTestCase, client_tls_context, header_fields, message_bytes


def envelope_part(shown):
    """`queue show` without the stored header section (which may hold a TLS-Required field)."""
    return shown.split("\nheaders:\n")[0] + "\n"


def keywords(ehlo):
    return [line.split()[0].upper() for line in ehlo.lines[1:] if line.split()]


class RequireTlsIngressTest(RelayTestCase):
    def tls_session(self, relay):
        s = RawSmtp(relay.port)
        s.greeting_and_ehlo()
        self.assertReply(s.command("STARTTLS"), 220)
        s.starttls(client_tls_context(self.ca.pem), "relay.test")
        return s

    def send(self, s, sender, mail_parameters, content):
        """MAIL (with `mail_parameters`), RCPT, DATA over an open session: the queue id."""
        self.assertReply(s.command(f"MAIL FROM:<{sender}>{mail_parameters}"), 250, "2.1.0")
        self.assertReply(s.command("RCPT TO:<rcpt@example.com>"), 250, "2.1.5")
        self.assertReply(s.command("DATA"), 354)
        s.send(content + b".\r\n")
        reply = s.reply()
        self.assertReply(reply, 250, "2.0.0")
        return re.search(r"queued as (\S+)", reply.text).group(1)

    def accept_line(self, relay, queue_id):
        return next(line for line in relay.log_text().splitlines()
                    if f"queue_id={queue_id} " in line and " nrcpt=" in line)

    def test_without_tls_requiretls_is_neither_offered_nor_accepted(self):
        relay = self.start_relay(tls=True)
        with RawSmtp(relay.port) as s:
            ehlo = s.greeting_and_ehlo()
            self.assertIn("STARTTLS", keywords(ehlo))
            self.assertNotIn("REQUIRETLS", keywords(ehlo))
            # RFC 5321 §4.1.1.11: a parameter of an extension not offered is refused with 555.
            reply = s.command("MAIL FROM:<a@b.example> REQUIRETLS")
            self.assertReply(reply, 555, "5.5.4")
            self.assertIn("REQUIRETLS", reply.text)
            # The session goes on; the same MAIL without the parameter is fine.
            self.assertReply(s.command("MAIL FROM:<a@b.example>"), 250)
        self.assertQueueEmpty(relay)

    def test_after_starttls_a_requiretls_message_is_stored_tagged(self):
        relay = self.start_relay(tls=True)
        content = message_bytes("a@example.org", ["rcpt@example.com"], "secret", ["for TLS only"])
        with self.tls_session(relay) as s:
            ehlo = s.command("EHLO client.example.org")
            self.assertReply(ehlo, 250)
            self.assertIn("REQUIRETLS", keywords(ehlo))
            self.assertNotIn("STARTTLS", keywords(ehlo))
            self.assertReply(s.command("MAIL FROM:<a@example.org> REQUIRETLS=1"), 501, "5.5.4")
            self.assertReply(s.command("MAIL FROM:<a@example.org> REQUIRETLS REQUIRETLS"), 501)
            queue_id = self.send(s, "a@example.org", " REQUIRETLS", content)
            plain_id = self.send(s, "a@example.org", "",
                                 message_bytes("a@example.org", ["rcpt@example.com"], "plain",
                                               ["no tag"]))
        shown = envelope_part(relay.queue_show(queue_id))
        self.assertIn("\nrequiretls: yes\n", shown)
        self.assertNotIn("tls-required:", shown)
        self.assertNotIn("requiretls:", envelope_part(relay.queue_show(plain_id)))
        self.assertIn(" requiretls=yes", self.accept_line(relay, queue_id))
        self.assertNotIn("requiretls=", self.accept_line(relay, plain_id))
        [detail] = [m for m in relay.queue_list() if m["id"] == queue_id]
        self.assertEqual([r["address"] for r in detail["recipients"]], ["rcpt@example.com"])

    def test_tls_required_no_is_stored_and_the_field_kept(self):
        relay = self.start_relay(tls=True)
        content = (b"From: <a@example.org>\r\nSubject: anyway\r\ntls-required:  No\r\n"
                   b"Date: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <anyway@example.org>\r\n"
                   b"\r\ndeliver even without TLS\r\n")
        with RawSmtp(relay.port) as s:  # the header needs no TLS
            s.greeting_and_ehlo()
            queue_id = self.send(s, "a@example.org", "", content)
        shown = envelope_part(relay.queue_show(queue_id))
        self.assertIn("\ntls-required: no\n", shown)
        self.assertNotIn("requiretls:", shown)
        self.assertEqual(header_fields(relay.stored_headers(queue_id), "TLS-Required"), ["No"])
        self.assertIn(" tls_required=no", self.accept_line(relay, queue_id))

        # RFC 8689 §4.1: with REQUIRETLS the field is ignored (but still relayed).
        with self.tls_session(relay) as s:
            self.assertReply(s.command("EHLO client.example.org"), 250)
            both_id = self.send(s, "a@example.org", " REQUIRETLS", content)
        shown = envelope_part(relay.queue_show(both_id))
        self.assertIn("\nrequiretls: yes\n", shown)
        self.assertNotIn("tls-required:", shown)
        self.assertEqual(header_fields(relay.stored_headers(both_id), "TLS-Required"), ["No"])
        line = self.accept_line(relay, both_id)
        self.assertIn(" requiretls=yes", line)
        self.assertNotIn("tls_required=", line)


if __name__ == "__main__":
    harness.main()
