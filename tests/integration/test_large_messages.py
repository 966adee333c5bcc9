"""A burst of large messages end to end: 20 clients send one 20 MiB message each at the same
moment; the relay spools each body while it arrives, stores it in chunks, and delivers it in
chunks to a receiver that writes what it gets to disk. Every message must arrive byte for byte
(SHA-256 of its body), and the relay's peak resident memory (VmHWM) over the whole burst, from
the first byte received to the last delivery, must stay far below what holding the messages
would take: 20 x 20 MiB = 400 MiB in flight, and the relay held each message at least once in
memory before it streamed (tests/bench/RESULTS.md measured 314 MiB for 8 and 940 MiB for 32
30 MiB messages), so the bound of 160 MiB above the idle relay fails without streaming.

Why VmHWM and not a memory limit: a cgroup v2 memory.max is the right limit for a sanitizer
build (AddressSanitizer reserves terabytes of address space, so prlimit --as cannot work), but
the machines these tests run on may mount only cgroup v1, and a v1 memory cgroup charges the
page cache of the files the relay writes (spool files, the WAL, the database) to the relay, so
any limit tight enough to catch held messages would also be reached by clean file cache. The
kernel's own high-water mark of the process's resident memory measures exactly what the
requirement bounds. AddressSanitizer's quarantine keeps freed memory resident (256 MiB by
default); the relay runs here with a small quarantine so that the figure shows live memory.

After the burst the relay must give memory back: its RSS once everything is delivered stays
within 64 MiB of what it was before the burst.
"""

import hashlib
import os
import socket
import threading
import time

import harness
from harness import RelayTestCase, wait_until
from procs import memory_kib, reset_peak_rss, rss_kib, run_concurrently
from sts_world import World, mx_records

RECEIVER = "127.0.0.11"
DOMAIN = "big.test"
COUNT = 20
SIZE = 20 * 1024 * 1024
PEAK_BOUND_MIB = 160
AFTER_BOUND_MIB = 64
WAIT = 240


def base_body(size):
    """Lines of base64-like text, as attachments are; every 997th line starts with a dot, so
    that dot-stuffing is exercised across the relay's read and write blocks."""
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3"
    lines = []
    total = 0
    i = 0
    while total < size:
        text = (b"." if i % 997 == 0 else b"") + line[: 60 + i % 17] + b"\r\n"
        lines.append(text)
        total += len(text)
        i += 1
    return b"".join(lines)


def message(index, body):
    head = (f"From: <big{index}@sender.test>\r\nTo: <rcpt@{DOMAIN}>\r\n"
            f"Subject: large {index}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode()
    return head + f"message {index}\r\n".encode() + body


class Receiver:
    """A minimal SMTP server on RECEIVER:25 (no PIPELINING, no STARTTLS) that writes the DATA of
    each message, as sent on the wire, to a file, reading and writing in chunks so that it holds
    no message in memory either."""

    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.files = []
        self.sock = socket.create_server((RECEIVER, 25), backlog=64)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.sock.close()

    def received(self):
        with self.lock:
            return list(self.files)

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        buf = b""

        def line():
            nonlocal buf
            while b"\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buf += chunk
            text, buf = buf.split(b"\r\n", 1)
            return text

        try:
            conn.sendall(b"220 mx.big.test ESMTP\r\n")
            while True:
                verb = line()[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-mx.big.test\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n")
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    conn.sendall(b"250 2.0.0 ok\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    buf = self._data(conn, buf)
                    conn.sendall(b"250 2.0.0 stored\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 5.5.1 no\r\n")
        except (ConnectionError, OSError):
            return
        finally:
            conn.close()

    def _data(self, conn, buf):
        """Writes the data up to CRLF.CRLF to a new file; returns what came after it."""
        with self.lock:
            path = os.path.join(self.directory, f"{len(self.files)}.wire")
            self.files.append(path)
        tail = b"\r\n"  # the CRLF of the DATA command: ".\r\n" at once ends an empty message
        with open(path, "wb") as out:
            while True:
                window = tail + buf
                end = window.find(b"\r\n.\r\n")
                if end >= 0:
                    cut = end + 5 - len(tail)
                    out.write(buf[:cut])
                    return buf[cut:]
                out.write(buf)
                tail = window[-4:]
                buf = conn.recv(1 << 20)
                if not buf:
                    raise ConnectionError("closed in DATA")


def unstuffed(wire):
    """The message a receiver gets from the wire form: the final "." line gone and every line's
    leading dot removed (RFC 5321 §4.5.2); the wire form starts after the CRLF of DATA."""
    assert wire.endswith(b".\r\n"), wire[-20:]
    data = wire[:-3]
    if data.startswith(b"."):
        data = data[1:]
    return data.replace(b"\r\n.", b"\r\n")


def send(port, index, wire, barrier, errors):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        f = s.makefile("rb")

        def expect(code):
            while True:
                reply = f.readline()
                if not reply.startswith(code):
                    raise RuntimeError(f"message {index}: expected {code!r}, got {reply!r}")
                if reply[3:4] == b" ":
                    return

        expect(b"220")
        for cmd, code in ((b"EHLO client.test\r\n", b"250"),
                          (f"MAIL FROM:<big{index}@sender.test>\r\n".encode(), b"250"),
                          (f"RCPT TO:<rcpt@{DOMAIN}>\r\n".encode(), b"250"),
                          (b"DATA\r\n", b"354")):
            s.sendall(cmd)
            expect(code)
        barrier.wait()
        s.sendall(wire + b".\r\n")
        expect(b"250")
        s.sendall(b"QUIT\r\n")
        s.close()
    except Exception as e:  # noqa: BLE001 - collected and asserted on by the test
        errors.append(str(e))


class LargeMessageBurstTest(RelayTestCase):
    def test_burst_is_delivered_intact_in_bounded_memory(self):
        world = World(self, mx_records({DOMAIN: RECEIVER}), (DOMAIN,))
        self.assertIsNotNone(world)
        received_dir = os.path.join(self.workdir, "received")
        os.makedirs(received_dir)
        receiver = Receiver(received_dir)
        self.addCleanup(receiver.close)

        relay = harness.StsRelay(os.path.join(self.workdir, "relay"), {
            "server": {"max_connections": 200},
            "delivery": {"dns_servers": ["127.0.0.53:53"]},
            "log": {"level": "info"},
        })
        # A small quarantine under AddressSanitizer (ignored by other builds): freed buffers
        # would otherwise stay resident and hide what the relay really holds.
        relay.process.env = dict(os.environ, ASAN_OPTIONS=":".join(
            filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=8"])))
        relay.start()
        self.addCleanup(self._check_relay_stopped, relay)

        body = base_body(SIZE)
        expected = {}
        wires = []
        for i in range(COUNT):
            m = message(i, body)
            expected[f"large {i}"] = hashlib.sha256(m[m.index(b"\r\n\r\n") + 4:]).hexdigest()
            wires.append(m.replace(b"\r\n.", b"\r\n.."))

        idle = rss_kib(relay.pid)
        reset_peak_rss(relay.pid)
        barrier = threading.Barrier(COUNT)
        errors = []
        started = time.monotonic()
        accepted = run_concurrently([(send, (relay.port, i, wires[i], barrier, errors))
                                     for i in range(COUNT)])
        self.assertEqual(errors, [])

        wait_until(lambda: len(receiver.received()) >= COUNT and relay.queue_list() == [], WAIT,
                   what="every message delivered")
        delivered = time.monotonic() - started
        peak = memory_kib(relay.pid, "VmHWM")["VmHWM"]
        time.sleep(2)  # the sessions and the writer settle; then RSS is read once
        after = rss_kib(relay.pid)
        print(f"\n{COUNT} x {SIZE >> 20} MiB: accepted in {accepted:.1f}s, delivered in "
              f"{delivered:.1f}s; RSS idle {idle >> 10} MiB, peak {peak >> 10} MiB, "
              f"after {after >> 10} MiB", flush=True)

        got = {}
        for path in receiver.received():
            with open(path, "rb") as f:
                data = unstuffed(f.read())
            header, _, received_body = data.partition(b"\r\n\r\n")
            subject = harness.header_fields(header.decode(), "Subject")[0]
            got[subject] = hashlib.sha256(received_body).hexdigest()
            self.assertIn(b"\r\nReceived: ", b"\r\n" + header)
        self.assertEqual(got, expected)

        self.assertLess((peak - idle) >> 10, PEAK_BOUND_MIB,
                        f"peak RSS {peak >> 10} MiB with the relay idle at {idle >> 10} MiB")
        self.assertLess((after - idle) >> 10, AFTER_BOUND_MIB,
                        f"RSS {after >> 10} MiB after the burst, {idle >> 10} MiB before it")
        spool = os.path.join(relay.state_dir, "incoming")
        self.assertEqual(os.listdir(spool), [], "the spool directory keeps no files")


if __name__ == "__main__":
    harness.main()
