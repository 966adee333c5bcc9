"""Crash safety: a message the relay answered "250" to is on disk, whatever happens next. The
daemon is killed with SIGKILL right after the reply and restarted; the message is still queued,
whole. A message that did not get "250" may be lost, but is never half-stored."""

import signal
import threading

import harness
from harness import PENDING_STATES, RawSmtp, RelayTestCase, first_field_octets, message_bytes

RECIPIENTS = ["one@example.com", "two@example.net"]


def content_for(sender):
    return message_bytes(sender, RECIPIENTS, f"durable {sender}", ["line %d" % i
                                                                   for i in range(40)])


class KillAfterAcceptTest(RelayTestCase):
    def assert_whole(self, relay, message):
        """The stored message is the one the client sent: envelope, and a size that is the
        relay's Received: field plus every octet the client sent."""
        self.assertEqual(sorted(r["address"] for r in message["recipients"]), RECIPIENTS)
        for recipient in message["recipients"]:
            self.assertIn(recipient["state"], PENDING_STATES)
        received = first_field_octets(relay.stored_headers(message["id"]))
        self.assertEqual(message["size"], received + len(content_for(message["sender"])))

    def test_sigkill_right_after_250_keeps_the_message(self):
        relay = self.start_relay()
        for round_ in range(3):
            sender = f"round{round_}@example.org"
            with RawSmtp(relay.port) as s:
                s.greeting_and_ehlo()
                self.assertReply(s.command(f"MAIL FROM:<{sender}>"), 250)
                for r in RECIPIENTS:
                    self.assertReply(s.command(f"RCPT TO:<{r}>"), 250)
                self.assertReply(s.command("DATA"), 354)
                s.send(content_for(sender) + b".\r\n")
                self.assertReply(s.reply(), 250)
                self.assertEqual(relay.kill(signal.SIGKILL), -signal.SIGKILL)
            relay.start()
            queue = relay.queue_list()
            self.assertEqual(sorted(m["sender"] for m in queue),
                             [f"round{i}@example.org" for i in range(round_ + 1)])
            for message in queue:
                self.assert_whole(relay, message)

    def test_sigkill_under_load_loses_no_accepted_message(self):
        relay = self.start_relay()
        accepted = []           # senders whose message got "250"
        lock = threading.Lock()
        enough = threading.Event()
        stop = threading.Event()

        def client(n):
            # Sends message after message until the daemon dies under it.
            try:
                with RawSmtp(relay.port) as s:
                    s.greeting_and_ehlo()
                    for i in range(10000):
                        if stop.is_set():
                            return
                        sender = f"c{n}-m{i}@example.org"
                        s.send(f"MAIL FROM:<{sender}>\r\n".encode() +
                               b"".join(f"RCPT TO:<{r}>\r\n".encode() for r in RECIPIENTS) +
                               b"DATA\r\n")
                        if [s.reply().code for _ in range(4)] != [250, 250, 250, 354]:
                            return
                        s.send(content_for(sender) + b".\r\n")
                        if s.reply().code != 250:
                            return
                        with lock:
                            accepted.append(sender)
                            if len(accepted) >= 60:
                                enough.set()
            except (OSError, harness.ConnectionClosed):
                return  # the daemon was killed

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        try:
            self.assertTrue(enough.wait(60), f"only {len(accepted)} messages accepted in 60 s")
            relay.kill(signal.SIGKILL)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        with lock:
            acknowledged = set(accepted)

        relay.start()
        queue = relay.queue_list()
        stored = {m["sender"] for m in queue}
        self.assertEqual(acknowledged - stored, set(), "messages that got 250 were lost")
        # Messages in flight at the kill may or may not be there, but only whole.
        self.assertEqual(len(stored), len(queue), "a message was stored twice")
        for message in queue:
            self.assert_whole(relay, message)


if __name__ == "__main__":
    harness.main()
