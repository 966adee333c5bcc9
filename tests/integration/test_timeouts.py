"""RFC 5321 §4.5.3.2: a client that goes silent does not hold its slot forever. The relay waits
`server.command_timeout` for a command and `server.data_timeout` for each read during DATA, then
says 421 and closes the connection; a message cut off that way is not queued."""

import time

import harness
from harness import RawSmtp, RelayTestCase

TIMEOUT = 2  # seconds, as configured below


class SilentClientTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.relay = self.start_relay({"server": {"command_timeout": f"{TIMEOUT}s",
                                                  "data_timeout": f"{TIMEOUT}s"}})

    def expect_421_and_close(self, s, started):
        reply = s.reply()  # the socket's own timeout (20 s) bounds this wait
        elapsed = time.monotonic() - started
        self.assertReply(reply, 421)
        self.assertEqual(reply.enhanced[:2], "4.", reply)
        self.assertTrue(s.closed_by_server())
        # Not before the configured timeout; and well before the client's own bound.
        self.assertGreaterEqual(elapsed, TIMEOUT - 0.2)
        self.assertLess(elapsed, 15)

    def test_silent_after_the_greeting(self):
        with RawSmtp(self.relay.port, timeout=20) as s:
            started = time.monotonic()
            self.assertReply(s.reply(), 220)
            self.expect_421_and_close(s, started)

    def test_silent_in_the_middle_of_a_transaction(self):
        with RawSmtp(self.relay.port, timeout=20) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("MAIL FROM:<a@example.org>"), 250)
            started = time.monotonic()
            self.expect_421_and_close(s, started)
        self.assertQueueEmpty(self.relay)

    def test_silent_during_data(self):
        with RawSmtp(self.relay.port, timeout=20) as s:
            s.greeting_and_ehlo()
            self.assertReply(s.command("MAIL FROM:<a@example.org>"), 250)
            self.assertReply(s.command("RCPT TO:<b@example.com>"), 250)
            self.assertReply(s.command("DATA"), 354)
            s.send(b"Subject: cut off\r\n\r\nhalf a mess")
            started = time.monotonic()
            self.expect_421_and_close(s, started)
        self.assertQueueEmpty(self.relay)

    def test_a_client_that_keeps_talking_is_not_cut_off(self):
        with RawSmtp(self.relay.port, timeout=20) as s:
            s.greeting_and_ehlo()
            # Each command restarts the wait: NOOPs spread over more than one timeout.
            deadline = time.monotonic() + TIMEOUT * 1.5
            while time.monotonic() < deadline:
                self.assertReply(s.command("NOOP"), 250)
                self.assertTrue(s.quiet_for(TIMEOUT / 4), "the relay spoke unasked")
            self.assertReply(s.command("QUIT"), 221)


if __name__ == "__main__":
    harness.main()
