"""Plain SMTP ingress: a message from an allowed network is queued with its envelope, size and a
Received: header, and the basic commands answer as RFC 5321 says."""

import harness
from harness import (PENDING_STATES, RawSmtp, RelayTestCase, first_field_octets, header_fields,
                     message_bytes)


class PlainIngressTest(RelayTestCase):
    def test_swaks_message_is_queued_with_sender_and_recipients(self):
        relay = self.start_relay()
        result = harness.swaks(relay.port, "--header", "Subject: plain ingress",
                               "--body", "hello from swaks",
                               to=("first@example.com", "second@example.net"))
        self.assertEqual(result.returncode, 0, result.transcript)
        self.assertTrue(result.has_reply(r"250 2\.\d+\.\d+"), result.transcript)

        [message] = relay.queue_list()
        self.assertEqual(message["sender"], "sender@example.org")
        self.assertEqual(sorted(r["address"] for r in message["recipients"]),
                         ["first@example.com", "second@example.net"])
        for recipient in message["recipients"]:
            self.assertIn(recipient["state"], PENDING_STATES)
        self.assertGreater(message["size"], len("hello from swaks"))
        self.assertTrue(message["id"])

    def test_smtplib_message_size_is_the_content_received(self):
        relay = self.start_relay()
        # A line that starts with a dot is dot-stuffed by smtplib and unstuffed by the relay
        # (RFC 5321 §4.5.2), so the stored size counts it once.
        content = message_bytes("writer@example.org", ["reader@example.com"], "size check",
                                ["first line", ".leading dot", "x" * 900, "last line"])
        with harness.smtplib_client(relay.port) as client:
            client.ehlo("client.example.org")
            refused = client.sendmail("writer@example.org", ["reader@example.com"], content)
            self.assertEqual(refused, {})

        [message] = relay.queue_list()
        self.assertEqual(message["sender"], "writer@example.org")
        self.assertEqual([r["address"] for r in message["recipients"]], ["reader@example.com"])
        # The size is that of the stored content: the relay's Received: field, then what the
        # client sent.
        headers = relay.stored_headers(message["id"])
        self.assertTrue(headers.startswith("Received: "), headers)
        self.assertEqual(message["size"], first_field_octets(headers) + len(content))

    def test_reply_to_data_names_the_queue_id(self):
        relay = self.start_relay()
        content = message_bytes("a@example.org", ["b@example.com"], "queue id", ["body"])
        reply = harness.send_message(relay.port, "a@example.org", ["b@example.com"], content)
        self.assertReply(reply, 250)
        self.assertEqual(reply.enhanced, "2.0.0")
        [message] = relay.queue_list()
        self.assertIn(message["id"], reply.text)

    def test_received_header_names_client_relay_and_protocol(self):
        relay = self.start_relay()
        # RFC 5321 §4.4 and RFC 3848: "with" names the protocol the client used.
        for greeting, protocol in (("EHLO", "ESMTP"), ("HELO", "SMTP")):
            with self.subTest(greeting=greeting):
                with RawSmtp(relay.port) as s:
                    self.assertReply(s.reply(), 220)
                    self.assertReply(s.command(f"{greeting} client.example.org"), 250)
                    self.assertEqual(s.command("MAIL FROM:<a@example.org>").code, 250)
                    self.assertEqual(s.command("RCPT TO:<b@example.com>").code, 250)
                    self.assertReply(s.command("DATA"), 354)
                    s.send(message_bytes("a@example.org", ["b@example.com"], greeting, ["hi"])
                           + b".\r\n")
                    self.assertEqual(s.reply().code, 250)
                [message] = relay.queue_list()
                received = header_fields(relay.stored_headers(message["id"]), "Received")
                self.assertTrue(received, "no Received: header stored")
                # The relay's own header is the first one.
                self.assertRegex(received[0], r"^from client\.example\.org\b")
                self.assertIn("[127.0.0.1]", received[0])
                self.assertRegex(received[0], r"\bby relay\.test\b")
                self.assertRegex(received[0], rf"\bwith {protocol}\b")
                relay.cli("queue", "delete", message["id"])

    def test_commands_answer_with_basic_and_enhanced_codes(self):
        relay = self.start_relay()
        # (command, basic codes allowed); the enhanced code's class must match the basic
        # code's (RFC 3463 §2), and every reply here allows one.
        rows = [
            ("NOOP", {250}),
            ("VRFY postmaster", {252}),         # RFC 5321 §3.5.3: cannot verify, will try
            ("HELP", {211, 214}),               # RFC 5321 §4.1.1.8
            ("XYZZY", {500}),                   # unknown command
            ("RCPT TO:<b@example.com>", {503}), # bad sequence: no MAIL yet
            ("MAIL FROM:<no-closing-bracket", {501}),
            ("MAIL FROM:<a@example.org>", {250}),
            ("MAIL FROM:<a@example.org>", {503}),  # nested MAIL
            ("RSET", {250}),
            ("DATA", {503}),                    # no recipients
        ]
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            for command, codes in rows:
                with self.subTest(command=command):
                    reply = s.command(command)
                    self.assertIn(reply.code, codes, f"{command}: {reply}")
                    self.assertIsNotNone(reply.enhanced, f"{command}: {reply}")
                    self.assertEqual(reply.enhanced[0], str(reply.code)[0], f"{command}: {reply}")
            reply = s.command("QUIT")
            self.assertReply(reply, 221)
            self.assertTrue(s.closed_by_server())
        self.assertQueueEmpty(relay)

    def test_ehlo_advertises_the_extensions(self):
        relay = self.start_relay({"server": {"max_message_size": 123456}})
        with RawSmtp(relay.port) as s:
            ehlo = s.greeting_and_ehlo()
        self.assertReply(ehlo, 250)
        self.assertTrue(ehlo.lines[0].startswith("relay.test"), ehlo)
        keywords = {line.split()[0].upper(): line for line in ehlo.lines[1:]}
        for keyword in ("PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8",
                        "DSN"):
            self.assertIn(keyword, keywords, ehlo)
        self.assertEqual(keywords["SIZE"], "SIZE 123456")
        # No certificate configured: no STARTTLS, and AUTH never without TLS.
        self.assertNotIn("STARTTLS", keywords)
        self.assertNotIn("AUTH", keywords)

    def test_client_is_cut_off_after_max_bad_commands(self):
        # Like Postfix's smtpd_hard_error_limit: the third 5xx of a connection comes with a 421
        # and the connection closes; a good command in between does not reset the count.
        relay = self.start_relay({"server": {"max_bad_commands": 3}})
        with RawSmtp(relay.port) as s:
            self.assertReply(s.greeting_and_ehlo(), 250)
            self.assertReply(s.command("FROB"), 500)
            self.assertReply(s.command("RCPT TO:<b@example.com>"), 503)
            self.assertReply(s.command("NOOP"), 250)
            s.send(b"MAIL FROM:<broken\r\n")
            refused = s.reply()
            self.assertEqual(refused.code, 501, refused)
            cut = s.reply()
            self.assertEqual((cut.code, cut.enhanced), (421, "4.7.0"), cut)
            self.assertIn("too many errors", cut.text)
            self.assertTrue(s.closed_by_server())
        # Other clients are served as before.
        with RawSmtp(relay.port) as s:
            self.assertReply(s.greeting_and_ehlo(), 250)


if __name__ == "__main__":
    harness.main()
