"""Relay control and limits: never an open relay, message size (RFC 1870), recipients per
message and connections per client (RFC 5321 §4.5.3.1)."""

import os
import smtplib

import harness
from harness import OTHER_CLIENT, RawSmtp, RelayTestCase, message_bytes


class RelayControlTest(RelayTestCase):
    def test_client_outside_allow_networks_gets_554_at_rcpt(self):
        relay = self.start_relay({"relay": {"allow_networks": ["127.0.0.1/32"]}})
        result = harness.swaks(relay.port, "--local-interface", OTHER_CLIENT)
        self.assertNotEqual(result.returncode, 0, result.transcript)
        self.assertTrue(result.has_reply(r"554 5\.7\.1"), result.transcript)

        with harness.smtplib_client(relay.port, source=OTHER_CLIENT) as client:
            client.ehlo("client.example.org")
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("a@example.org", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
            [(code, text)] = refused.exception.recipients.values()
            self.assertEqual(code, 554)
            self.assertTrue(text.startswith(b"5.7.1"), text)
        self.assertQueueEmpty(relay)

    def test_client_inside_allow_networks_relays(self):
        relay = self.start_relay({"relay": {"allow_networks": ["127.0.0.1/32"]}})
        result = harness.swaks(relay.port, "--local-interface", "127.0.0.1")
        self.assertEqual(result.returncode, 0, result.transcript)
        self.assertEqual(len(relay.queue_list()), 1)


class LimitsTest(RelayTestCase):
    MAX_SIZE = 20000

    def test_declared_size_over_the_limit_is_refused_at_mail(self):
        relay = self.start_relay({"server": {"max_message_size": self.MAX_SIZE}})
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            # RFC 1870 §6.1: 552 when the declared size exceeds the fixed maximum.
            reply = s.command(f"MAIL FROM:<a@example.org> SIZE={self.MAX_SIZE + 1}")
            self.assertReply(reply, 552, "5.3.4")
            self.assertReply(s.command(f"MAIL FROM:<a@example.org> SIZE={self.MAX_SIZE}"), 250)

    def test_actual_size_over_the_limit_is_refused_after_data(self):
        relay = self.start_relay({"server": {"max_message_size": self.MAX_SIZE}})
        big = message_bytes("a@example.org", ["b@example.com"], "too big",
                            ["y" * 998] * (self.MAX_SIZE // 1000 + 5))
        # Without SIZE=, and with a SIZE= that lies: the relay counts what really comes.
        for mail in ("MAIL FROM:<a@example.org>", "MAIL FROM:<a@example.org> SIZE=1000"):
            with self.subTest(mail=mail), RawSmtp(relay.port) as s:
                s.greeting_and_ehlo()
                self.assertReply(s.command(mail), 250)
                self.assertReply(s.command("RCPT TO:<b@example.com>"), 250)
                self.assertReply(s.command("DATA"), 354)
                s.send(big + b".\r\n")
                self.assertReply(s.reply(), 552, "5.3.4")
                # The session goes on: a message within the limit is accepted afterwards.
                self.assertReply(s.command("MAIL FROM:<a@example.org>"), 250)
        self.assertQueueEmpty(relay)

        body = os.path.join(self.workdir, "big-body")
        with open(body, "w") as f:
            f.write(("z" * 99 + "\n") * (self.MAX_SIZE // 100 + 1))
        result = harness.swaks(relay.port, "--body", "@" + body)
        self.assertNotEqual(result.returncode, 0, result.transcript)
        self.assertTrue(result.has_reply(r"552 5\.3\.4"), result.transcript)
        self.assertQueueEmpty(relay)

    def test_recipients_over_the_limit_get_452_and_the_rest_are_queued(self):
        relay = self.start_relay({"server": {"max_recipients": 3}})
        recipients = [f"r{i}@example.com" for i in range(5)]
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("MAIL FROM:<a@example.org>"), 250)
            replies = [s.command(f"RCPT TO:<{r}>") for r in recipients]
            self.assertEqual([r.code for r in replies], [250, 250, 250, 452, 452])
            # RFC 5321 §4.5.3.1.10: 452 "too many recipients", so the client retries the rest.
            self.assertEqual(replies[3].enhanced, "4.5.3")
            self.assertReply(s.command("DATA"), 354)
            s.send(message_bytes("a@example.org", recipients[:3], "three", ["x"]) + b".\r\n")
            self.assertReply(s.reply(), 250)
        [message] = relay.queue_list()
        self.assertEqual(sorted(r["address"] for r in message["recipients"]), recipients[:3])

    def test_connections_over_the_limits_get_421(self):
        relay = self.start_relay({"server": {"max_connections": 3,
                                             "max_connections_per_ip": 2}})
        held = []
        try:
            for source in ("127.0.0.1", "127.0.0.1"):
                held.append(RawSmtp(relay.port, source=source))
                self.assertReply(held[-1].reply(), 220)
            # A third from the same address: over max_connections_per_ip.
            with RawSmtp(relay.port, source="127.0.0.1") as s:
                self.assertReply(s.reply(), 421, "4.7.0")
                self.assertTrue(s.closed_by_server())
            held.append(RawSmtp(relay.port, source=OTHER_CLIENT))
            self.assertReply(held[-1].reply(), 220)
            # A fourth in all, from a new address: over max_connections.
            with RawSmtp(relay.port, source="127.0.0.3") as s:
                self.assertReply(s.reply(), 421, "4.7.0")
                self.assertTrue(s.closed_by_server())
            # A slot that is given back is free again.
            held.pop().command("QUIT")
            harness.wait_until(lambda: self._greeted(relay, "127.0.0.3"), 10,
                               what="a connection accepted once a slot is free")
        finally:
            for s in held:
                s.close()

    @staticmethod
    def _greeted(relay, source):
        with RawSmtp(relay.port, source=source) as s:
            return s.reply().code == 220


if __name__ == "__main__":
    harness.main()
