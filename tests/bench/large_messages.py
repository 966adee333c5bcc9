"""The relay's memory under bursts of large messages: N clients send one 30 MiB message each at
the same moment; the relay's peak RSS during the burst (VmHWM, reset before each burst) and its
RSS once every message is stored and the relay is idle again. Delivery is kept out of the
picture: the recipient domain's DNS server does not answer, so every message stays queued and
nothing reads it back while the figures are taken. Prints figures; asserts nothing.

    tests/integration/netns_run python3 -B tests/bench/large_messages.py [--sizes-mib 30]
        [--counts 1,8,32,100]

Needs $STSRELAY_BIN (a release build for figures worth quoting).
"""

import argparse
import os
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from procs import memory_kib, reset_peak_rss, rss_kib, run_concurrently  # noqa: E402
from relay_daemon import StsRelay  # noqa: E402

PORT = 2551


def message(size):
    """A message of about `size` bytes: headers, then base64-like lines of 76 characters."""
    line = (b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3"
            [:76] + b"\r\n")
    head = (b"From: <big@sender.example>\r\nTo: <rcpt@dead.example>\r\nSubject: large\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n")
    return head + line * ((size - len(head)) // len(line))


def expect(sock, code, buf):
    while b"\r\n" not in buf[0] or not _complete(buf[0]):
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        buf[0] += chunk
    text, buf[0] = _split(buf[0])
    if not text.startswith(code):
        raise RuntimeError(f"expected {code.decode()}, got {text!r}")


def _complete(data):
    # The last line of a reply has a space after the code.
    for line in data.split(b"\r\n"):
        if len(line) >= 4 and line[3:4] == b" ":
            return True
    return False


def _split(data):
    lines = data.split(b"\r\n")
    for i, line in enumerate(lines):
        if len(line) >= 4 and line[3:4] == b" ":
            return b"\r\n".join(lines[:i + 1]), b"\r\n".join(lines[i + 1:])
    return data, b""


def send_one(body, barrier, errors):
    try:
        s = socket.create_connection(("127.0.0.1", PORT), timeout=300)
        buf = [b""]
        expect(s, b"220", buf)
        for cmd, code in ((b"EHLO bench.example\r\n", b"250"),
                          (b"MAIL FROM:<big@sender.example>\r\n", b"250"),
                          (b"RCPT TO:<rcpt@dead.example>\r\n", b"250"),
                          (b"DATA\r\n", b"354")):
            s.sendall(cmd)
            expect(s, code, buf)
        barrier.wait()
        s.sendall(body + b".\r\n")
        expect(s, b"250", buf)
        s.sendall(b"QUIT\r\n")
        s.close()
    except Exception as e:  # noqa: BLE001 - reported with the figures
        errors.append(str(e))


def burst(relay, body, count):
    reset_peak_rss(relay.pid)
    before = rss_kib(relay.pid)
    barrier = threading.Barrier(count)
    errors = []
    took = run_concurrently([(send_one, (body, barrier, errors)) for _ in range(count)])
    peak = memory_kib(relay.pid, "VmHWM")["VmHWM"]
    time.sleep(2)  # let the writer and the sessions settle; RSS is read, not waited on
    after = rss_kib(relay.pid)
    return before, peak, after, took, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=30)
    parser.add_argument("--counts", default="1,8,32,100")
    args = parser.parse_args()
    body = message(args.size_mib * 1024 * 1024)
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory(prefix="stsrelay-large-") as work:
        relay = StsRelay(work, {
            "server": {"listen": [f"127.0.0.1:{PORT}"], "max_connections": 1000,
                       "max_message_size": (args.size_mib + 4) * 1024 * 1024},
            # Nothing answers there: every delivery attempt defers on DNS, before any body is read.
            "delivery": {"dns_servers": ["127.0.0.1:5399"]},
            "queue": {"retry_schedule": ["1h"]},
            "log": {"level": "warn"},
        })
        relay.start()
        try:
            idle = rss_kib(relay.pid)
            print(f"stsrelay {os.environ.get('STSRELAY_BIN')}; {os.cpu_count()} CPUs; "
                  f"{len(body) / 1048576:.1f} MiB messages; idle RSS {idle / 1024:.0f} MiB",
                  flush=True)
            print(f"{'clients':>7} {'RSS before':>10} {'peak RSS':>9} {'per msg':>8} "
                  f"{'RSS after':>9} {'seconds':>7}  result")
            for count in counts:
                before, peak, after, took, errors = burst(relay, body, count)
                stored = len(relay.queue_list())
                print(f"{count:7d} {before / 1024:9.0f}M {peak / 1024:8.0f}M "
                      f"{(peak - before) / 1024 / count:7.1f}M {after / 1024:8.0f}M "
                      f"{took:7.1f}  {count - len(errors)} accepted, {stored} queued in all"
                      + (f"; errors: {errors[:2]}" if errors else ""), flush=True)
        finally:
            relay.stop()


if __name__ == "__main__":
    main()
