"""SMTP smuggling: DATA ends only at CRLF.CRLF (RFC 5321 §4.1.1.4). A bare LF or bare CR anywhere
in DATA makes the relay refuse the whole message with 5xx, so no other end-of-data sequence can
hide a second transaction inside the first, and nothing of it is queued."""

import harness
from harness import RawSmtp, RelayTestCase

SMUGGLED = (b"MAIL FROM:<admin@example.org>\r\n"
            b"RCPT TO:<victim@example.com>\r\n"
            b"DATA\r\n"
            b"From: admin@example.org\r\n\r\nsmuggled\r\n")

# A header complete enough that the relay adds nothing to it, so sizes compare exactly.
HEAD = (b"Subject: dots\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
        b"Message-ID: <dots@example.org>\r\n")

# (name, the bytes that some other server would take for the end of data)
END_OF_DATA_VARIANTS = [
    ("bare LF dot bare LF", b"\n.\n"),
    ("bare LF dot CRLF", b"\n.\r\n"),
    ("CRLF dot bare LF", b"\r\n.\n"),
    ("bare CR dot bare CR", b"\r.\r"),
    ("bare CR dot CRLF", b"\r.\r\n"),
    ("CRLF dot bare CR", b"\r\n.\r"),
    ("bare LF inside a line", b"\r\nplain text\nmore\r\n"),
    ("bare CR inside a line", b"\r\nplain text\rmore\r\n"),
]


class SmugglingTest(RelayTestCase):
    def test_bare_line_ends_in_data_refuse_the_whole_message(self):
        relay = self.start_relay()
        for name, end in END_OF_DATA_VARIANTS:
            with self.subTest(name), RawSmtp(relay.port) as s:
                s.greeting_and_ehlo()
                self.assertReply(s.command("MAIL FROM:<sender@example.org>"), 250)
                self.assertReply(s.command("RCPT TO:<rcpt@example.com>"), 250)
                self.assertReply(s.command("DATA"), 354)
                s.send(b"From: sender@example.org\r\nSubject: first\r\n\r\nfirst" + end +
                       SMUGGLED + b".\r\n")
                reply = s.reply()
                # The only end of data is the final CRLF.CRLF: one reply, and it refuses all.
                self.assertEqual(reply.code // 100, 5, f"{name}: {reply}")
                self.assertIsNotNone(reply.enhanced, reply)
                try:
                    after = s.command("NOOP")
                    self.assertReply(after, 250, msg=f"{name}: reply after the refusal: {after}")
                except harness.ConnectionClosed:
                    pass  # closing the connection after the refusal is allowed as well
            self.assertQueueEmpty(relay)

    def test_dot_stuffed_lines_are_not_an_end_of_data(self):
        relay = self.start_relay()
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("MAIL FROM:<sender@example.org>"), 250)
            self.assertReply(s.command("RCPT TO:<rcpt@example.com>"), 250)
            self.assertReply(s.command("DATA"), 354)
            # RFC 5321 §4.5.2: "..\r\n" is a line holding one dot, not the end.
            s.send(HEAD + b"\r\n..\r\n..x\r\n.\r\n")
            self.assertReply(s.reply(), 250)
        [message] = relay.queue_list()
        # Unstuffed: the body is ".\r\n.x\r\n", after the relay's Received: field.
        received = harness.first_field_octets(relay.stored_headers(message["id"]))
        self.assertEqual(message["size"], received + len(HEAD + b"\r\n.\r\n.x\r\n"))


if __name__ == "__main__":
    harness.main()
