"""PIPELINING (RFC 2920): a client may send a group of commands without waiting, and the relay
answers each one, in order."""

import harness
from harness import RawSmtp, RelayTestCase, message_bytes


class PipeliningTest(RelayTestCase):
    def test_swaks_pipelined_transaction_is_queued(self):
        relay = self.start_relay()
        result = harness.swaks(relay.port, "--pipeline", "--header", "Subject: pipelined",
                               to=("one@example.com", "two@example.com"))
        self.assertEqual(result.returncode, 0, result.transcript)
        self.assertTrue(result.has_reply(r"250[ -]PIPELINING"), result.transcript)
        [message] = relay.queue_list()
        self.assertEqual(sorted(r["address"] for r in message["recipients"]),
                         ["one@example.com", "two@example.com"])

    def test_each_command_of_a_group_gets_its_reply_in_order(self):
        relay = self.start_relay()
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            # One write: RFC 2920 §3.1, DATA ends the group.
            s.send(b"MAIL FROM:<a@example.org>\r\n"
                   b"RCPT TO:<one@example.com>\r\n"
                   b"RCPT TO:<not an address>\r\n"
                   b"RCPT TO:<two@example.com>\r\n"
                   b"DATA\r\n")
            codes = [s.reply().code for _ in range(5)]
            self.assertEqual(codes, [250, 250, 501, 250, 354])
            recipients = ["one@example.com", "two@example.com"]
            s.send(message_bytes("a@example.org", recipients, "group", ["x"]) + b".\r\n"
                   b"RSET\r\nNOOP\r\nQUIT\r\n")
            self.assertEqual([s.reply().code for _ in range(4)], [250, 250, 250, 221])
        [message] = relay.queue_list()
        self.assertEqual(sorted(r["address"] for r in message["recipients"]), recipients)

    def test_several_messages_in_one_pipelined_session(self):
        relay = self.start_relay()
        with RawSmtp(relay.port) as s:
            s.greeting_and_ehlo()
            for i in range(3):
                s.send(f"MAIL FROM:<s{i}@example.org>\r\nRCPT TO:<r{i}@example.com>\r\n"
                       "DATA\r\n".encode())
                self.assertEqual([s.reply().code for _ in range(3)], [250, 250, 354])
                s.send(message_bytes(f"s{i}@example.org", [f"r{i}@example.com"], f"m{i}", ["x"])
                       + b".\r\n")
                self.assertReply(s.reply(), 250)
        self.assertEqual(sorted(m["sender"] for m in relay.queue_list()),
                         ["s0@example.org", "s1@example.org", "s2@example.org"])


if __name__ == "__main__":
    harness.main()
