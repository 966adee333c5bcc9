"""The servers the image test's container talks to, run inside the test's network namespace
(`ip netns exec NS python3 tests/docker/world.py DIR`): DNS on 127.0.0.53 for the zones
docker.test (MX mx.docker.test -> 127.0.0.2, where a receiver accepts mail) and down.test
(MX mx.down.test -> 127.0.0.3, where nothing listens, so mail to it stays queued). Each received
message is written to DIR/mail-N.eml; DIR/ready appears once everything listens. Runs until
SIGTERM."""

import os
import signal
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from aiosmtpd.controller import Controller  # noqa: E402
from dnslib.server import DNSLogger, DNSServer  # noqa: E402

from sts_world import DNS, ZoneResolver, mx_records  # noqa: E402

RECEIVER = "127.0.0.2"
NOWHERE = "127.0.0.3"

RECORDS = mx_records({"docker.test": RECEIVER, "down.test": NOWHERE})


class Spool:
    """aiosmtpd handler writing each message to a file of `directory`."""

    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            path = os.path.join(self.directory, f"mail-{self.count}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 accepted"


def main():
    directory = sys.argv[1]
    dns = DNSServer(ZoneResolver(RECORDS, ("docker.test", "down.test")), address=DNS, port=53,
                    logger=DNSLogger(log="-request,-reply,-truncated,-data", prefix=False))
    dns.start_thread()
    receiver = Controller(Spool(directory), hostname=RECEIVER, port=25)
    receiver.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    open(os.path.join(directory, "ready"), "w").close()
    stop.wait()
    receiver.stop()
    dns.stop()


if __name__ == "__main__":
    main()
