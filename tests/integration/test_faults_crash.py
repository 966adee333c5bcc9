"""Crashes under load: the daemon is killed with SIGKILL at random moments while 20 clients send
2,000 messages and deliveries to a receiver run, and restarted each time. A client that got no
"250" sends the message again, as any SMTP client would. In the end every message that got "250"
reached the receiver: losses zero. Duplicates (a 250 lost in the crash, or a delivery the
receiver accepted just before the kill) are allowed by SMTP's at-least-once contract; they are
counted and printed, never hidden.

The random moments come from a seed printed at the start (STSRELAY_CRASH_SEED repeats a run)."""

import collections
import os
import random
import signal
import threading
import time

from dnslib import MX, A

import harness
from harness import RawSmtp, RelayTestCase, message_bytes, wait_until
from sts_world import DNS, World

RECEIVER = "127.0.0.2"
CLIENTS = 20
MESSAGES_PER_CLIENT = 100  # 2,000 in all
RECIPIENT = "inbox@crash.test"


class KillUnderLoadTest(RelayTestCase):
    def test_random_sigkills_while_sending_and_delivering_lose_nothing(self):
        seed = int(os.environ.get("STSRELAY_CRASH_SEED", str(int(time.time()))))
        print(f"\nkill -9 loop: seed {seed}", flush=True)
        rng = random.Random(seed)
        world = World(self, {"crash.test": [MX("mx.crash.test", 10)],
                             "mx.crash.test": [A(RECEIVER)]}, ("crash.test",))
        box = world.receiver(RECEIVER)
        relay = self.start_relay({
            "delivery": {"dns_servers": [f"{DNS}:53"]},
            # A delivery cut short by a kill is retried soon after the restart.
            "queue": {"retry_schedule": ["1s"]},
            "log": {"level": "info"},
        })

        acknowledged = set()  # subjects that got "250"
        lock = threading.Lock()
        sent_all = threading.Event()
        remaining = [CLIENTS]

        def client(n):
            pending = [f"crash c{n} m{i}" for i in range(MESSAGES_PER_CLIENT)]
            while pending:
                try:
                    with RawSmtp(relay.port, timeout=30) as s:
                        s.greeting_and_ehlo()
                        while pending:
                            subject = pending[0]
                            s.send(f"MAIL FROM:<c{n}@sender.test>\r\nRCPT TO:<{RECIPIENT}>\r\n"
                                   "DATA\r\n".encode())
                            if [s.reply().code for _ in range(3)] != [250, 250, 354]:
                                break
                            s.send(message_bytes(f"c{n}@sender.test", [RECIPIENT], subject,
                                                 ["kill -9 under load"]) + b".\r\n")
                            if s.reply().code != 250:
                                break
                            with lock:
                                acknowledged.add(subject)
                            pending.pop(0)
                except (OSError, harness.ConnectionClosed, AssertionError):
                    pass  # the daemon died under us (or is restarting): connect again
                if pending:
                    # The relay is down or restarting; the restart is bounded by start().
                    time.sleep(0.05)
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0:
                    sent_all.set()

        threads = [threading.Thread(target=client, args=(n,), daemon=True)
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()

        kills = 0
        deadline = time.monotonic() + 200
        # Kill at random moments until every client is done, and at least five times.
        while not sent_all.is_set() or kills < 5:
            self.assertLess(time.monotonic(), deadline,
                            f"clients not done after {kills} kills: {len(acknowledged)} "
                            f"acknowledged")
            sent_all.wait(rng.uniform(0.2, 1.5))
            self.assertEqual(relay.kill(signal.SIGKILL), -signal.SIGKILL)
            kills += 1
            relay.start()
        for t in threads:
            t.join(30)
        self.assertEqual(len(acknowledged), CLIENTS * MESSAGES_PER_CLIENT)

        # With no more kills, the queue drains into the receiver.
        def everything_arrived():
            return acknowledged <= set(box.subjects())
        try:
            wait_until(everything_arrived, 240, what="every acknowledged message at the receiver",
                       interval=0.5)
        finally:
            counts = collections.Counter(box.subjects())
            lost = acknowledged - set(counts)
            duplicates = sum(c - 1 for c in counts.values() if c > 1)
            print(f"kill -9 loop: {kills} kills, {len(acknowledged)} messages acknowledged, "
                  f"{sum(counts.values())} received ({len(counts)} distinct), "
                  f"{duplicates} duplicates, {len(lost)} lost", flush=True)
        self.assertEqual(lost, set(), "messages that got 250 never arrived")
        wait_until(lambda: relay.queue_list() == [], 60, what="an empty queue", interval=0.5)


if __name__ == "__main__":
    harness.main()
