"""What the relay changes in the mail applications send, against a real receiver in the test's
namespace (aiosmtpd, which refuses lines over 1,000 octets as large receivers do): lines over
998 octets arrive fitting and decode to exactly what the application sent; a message without
Date: and Message-ID: arrives with both; the Received: id is the queue id of the log."""

import email
import email.policy
import email.utils
import re

from dnslib import MX, A

import harness
from harness import RelayTestCase, wait_until
from sts_world import DNS, World

MX_ADDRESS = "127.0.0.31"
WAIT = 30

HTML = "<html><body>" + "".join(f"<p>row {i} caf\u00e9</p>" for i in range(400)) + "</body></html>"


def decoded(part):
    """A part's text after its transfer encoding, line ends as Python's parser gives them
    (CRLF from quoted-printable's hard breaks) made "\n"."""
    return part.get_content().replace("\r\n", "\n")


def lines_over(raw, limit=998):
    return [line for line in raw.split(b"\r\n") if len(line) > limit]


class MessageFixupsTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        world = World(self, {"example.test": [MX("mx.example.test", 10)],
                             "mx.example.test": [A(MX_ADDRESS)]}, ("example.test",))
        self.mailbox = world.receiver(MX_ADDRESS)
        self.relay = self.start_relay({"delivery": {"dns_servers": [f"{DNS}:53"]},
                                       "queue": {"retry_schedule": ["1h"]}})

    def send(self, content):
        reply = harness.send_message(self.relay.port, "app@shop.test", ["bob@example.test"],
                                     content)
        self.assertReply(reply, 250)
        return reply

    def arrived(self, subject):
        return self.mailbox.with_subject(subject, WAIT)

    def test_long_lines_arrive_fitting_and_decode_to_the_original(self):
        self.assertGreater(len(HTML.encode()), 5000)
        plain = (b"From: app@shop.test\r\nSubject: one long line\r\nDate: Mon, 7 Dec 2026 "
                 b"10:00:00 +0000\r\nMessage-ID: <a@shop.test>\r\nMIME-Version: 1.0\r\n"
                 b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                 b"\r\n" + HTML.encode() + b"\r\n")
        alternative = (b"From: app@shop.test\r\nSubject: alternative\r\nMIME-Version: 1.0\r\n"
                       b"Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
                       b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nshort text\r\n"
                       b"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
                       HTML.encode() + b"\r\n--b1--\r\n")
        long_header = (b"From: app@shop.test\r\nSubject: long header\r\nX-Tags: " +
                       b" ".join(b"tag%d" % i for i in range(400)) + b"\r\n\r\nbody\r\n")
        for content in (plain, alternative, long_header):
            self.send(content)

        raw = self.arrived("one long line")
        self.assertEqual(lines_over(raw), [])
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(message["Content-Transfer-Encoding"], "quoted-printable")
        self.assertEqual(decoded(message), HTML + "\n")

        raw = self.arrived("alternative")
        self.assertEqual(lines_over(raw), [])
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text, html = list(message.iter_parts())
        self.assertEqual(decoded(text), "short text")
        self.assertIsNone(text["Content-Transfer-Encoding"], "the short part is untouched")
        self.assertEqual(decoded(html), HTML)

        raw = self.arrived("long header")
        self.assertEqual(lines_over(raw), [])
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(message["X-Tags"], " ".join("tag%d" % i for i in range(400)))

        accepted = [l for l in self.relay.log_text().splitlines() if " fixups=" in l]
        self.assertTrue(any("re-encoded quoted-printable" in l for l in accepted), accepted)
        self.assertTrue(any("folded" in l for l in accepted), accepted)

    def test_a_message_without_date_and_message_id_arrives_with_both(self):
        reply = self.send(b"From: app@shop.test\r\nSubject: bare\r\n\r\nno date, no id\r\n")
        raw = self.arrived("bare")
        message = email.message_from_bytes(raw)
        self.assertIsNotNone(email.utils.parsedate_to_datetime(message["Date"]))
        [queue_id] = re.findall(r"queued as (\w+)", reply.text)
        self.assertRegex(message["Message-ID"],
                         r"^<%s\.[0-9a-f]{16}@%s>$" % (queue_id, re.escape("relay.test")))
        # A message that has both keeps them as they were.
        self.send(b"From: app@shop.test\r\nSubject: dated\r\nDate: Mon, 7 Dec 2026 10:00:00 "
                  b"+0000\r\nMessage-ID: <mine@shop.test>\r\n\r\nbody\r\n")
        message = email.message_from_bytes(self.arrived("dated"))
        self.assertEqual(message["Date"], "Mon, 7 Dec 2026 10:00:00 +0000")
        self.assertEqual(message["Message-ID"], "<mine@shop.test>")
        self.assertEqual(len(message.get_all("Date")), 1)

    def test_received_names_the_queue_id_of_the_log(self):
        reply = self.send(harness.message_bytes("app@shop.test", ["bob@example.test"],
                                                "traced", ["follow me"]))
        [queue_id] = re.findall(r"queued as (\w+)", reply.text)
        received = email.message_from_bytes(self.arrived("traced"))["Received"]
        self.assertRegex(re.sub(r"\s+", " ", received), r"\bwith ESMTP id %s\b" % queue_id)
        log = self.relay.log_text()
        self.assertIn(f"queue_id={queue_id} ", log)
        wait_until(lambda: self.relay.attempt_lines("bob@example.test"), WAIT,
                   what="the delivery line")
        self.assertIn(queue_id, self.relay.attempt_lines("bob@example.test")[-1])


if __name__ == "__main__":
    harness.main()
