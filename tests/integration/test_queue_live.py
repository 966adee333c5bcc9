"""`stsrelay queue retry|delete|flush` against a running daemon: each takes effect without a
restart. The CLI writes queue.db on its own connection; the daemon sees the change (SQLite's
data_version) and wakes its scheduler."""

from dnslib import MX, A

import harness
from harness import RelayTestCase, wait_until
from sts_world import DNS, World

MX_ADDRESS = "127.0.0.2"
WAIT = 30


class QueueCommandsOnARunningDaemonTest(RelayTestCase):
    def send(self, relay, recipient):
        return self.send_accepted(relay, recipient, f"to {recipient}", "live queue")

    def message_of(self, relay, recipient):
        for m in relay.queue_list():
            if any(r["address"] == recipient for r in m["recipients"]):
                return m
        return None

    def deferred(self, relay, recipient):
        m = self.message_of(relay, recipient)
        return m if m and m["recipients"][0]["state"] == "deferred" else None

    def test_retry_delete_and_flush_take_effect_at_once(self):
        world = World(self, {"live.test": [MX("mx.live.test", 10)],
                             "mx.live.test": [A(MX_ADDRESS)]}, ("live.test",))
        # The next attempt would be an hour away: only the commands can bring it forward.
        relay = self.start_relay({"delivery": {"dns_servers": [f"{DNS}:53"]},
                                  "queue": {"retry_schedule": ["1h"]}})
        first = self.send(relay, "bob@live.test")
        second = self.send(relay, "carol@live.test")
        third = self.send(relay, "dave@live.test")
        # Nothing listens at the MX yet: all three are deferred.
        a = wait_until(lambda: self.deferred(relay, "bob@live.test"), WAIT, what="bob deferred")
        b = wait_until(lambda: self.deferred(relay, "carol@live.test"), WAIT, what="carol deferred")
        wait_until(lambda: self.deferred(relay, "dave@live.test"), WAIT, what="dave deferred")
        box = world.receiver(MX_ADDRESS)

        relay.cli("queue", "retry", a["id"])
        wait_until(lambda: first in box.subjects(), WAIT, what="bob's message delivered")
        wait_until(lambda: self.message_of(relay, "bob@live.test") is None, WAIT,
                   what="bob's message off the queue")
        # The others keep their hour.
        self.assertEqual(self.message_of(relay, "carol@live.test")["recipients"][0]["state"],
                         "deferred")

        relay.cli("queue", "delete", b["id"])
        self.assertIsNone(self.message_of(relay, "carol@live.test"))
        relay.cli("queue", "flush")
        wait_until(lambda: third in box.subjects(), WAIT, what="dave's message delivered")
        wait_until(lambda: relay.queue_list() == [], WAIT, what="an empty queue")
        self.assertNotIn(second, box.subjects(), "a deleted message was delivered")
        self.assertEqual(sorted(box.subjects()), sorted([first, third]))


if __name__ == "__main__":
    harness.main()
