"""Many slow clients at once (the slow-loris pattern): 5,000 inbound connections from eight source
addresses that connect and then never finish a command — some read the greeting and stay
silent, some never read it at all, some trickle "NOOP\\r\\n" one byte per second. While they
are all open, other clients keep sending mail.

Asserted: the relay accepts and greets every one of the 5,000 (server.max_connections_per_ip is
exactly the share of each source address, so the relay also refuses the next one with 421),
its own count of open connections says 5,000, none of them is closed or answered unasked, the
tricklers get their NOOPs answered, and 20 messages sent meanwhile each get 250 and are queued.
Once everything is closed the relay counts no connection, greets each source address again and
still takes mail.

Printed, not asserted: the daemon's resident memory per idle connection ((VmRSS with the 5,000
open - VmRSS before) / 5,000), a figure the project follows (target: under 20 KiB per idle
connection in a release build)."""

import collections
import errno
import os
import resource
import selectors
import socket
import sys
import threading
import time
import urllib.request

import harness
from harness import RawSmtp, RelayTestCase, message_bytes, wait_until
from procs import is_listening, parse_host_port, rss_kib

SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]  # netns_run's default extra addresses
SLOW_CLIENTS = 5000
PER_SOURCE = SLOW_CLIENTS // len(SOURCES)          # 625: max_connections_per_ip below
MAX_CONNECTIONS = 6000
NOFILE = 12000          # open files for this process and the daemon, which inherits the limit
CONNECT_WINDOW = 200    # connections not yet greeted at any time, so the listen backlog never
                        # overflows and the test follows the relay's pace
TRICKLE = b"NOOP\r\n"   # sent one byte per second by every trickling client
TRICKLE_INTERVAL = 1.0
MESSAGES = 20
SENDER_CLIENT = "127.0.0.1"  # no slow client uses it
METRICS = "127.0.0.1:9325"
WAIT = 120              # bound for anything that involves all 5,000 connections


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def links_asan(pid):
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def metrics():
    """{'name': value} of the daemon's unlabelled samples."""
    with urllib.request.urlopen(f"http://{METRICS}/metrics", timeout=30) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


class SlowClient:
    """One connection: kind is "silent" (reads the greeting, then nothing), "mute" (never reads)
    or "trickle" (reads, and sends TRICKLE one byte per second)."""

    def __init__(self, sock, source, kind):
        self.sock = sock
        self.source = source
        self.kind = kind
        self.state = "connecting"  # -> open -> greeted | refused | closed | failed
        self.data = b""
        self.error = None
        self.sent = 0
        self.next_byte_at = 0.0

    def replies_after_greeting(self):
        return [line for line in self.data.split(b"\r\n")[1:] if line]


class SlowClients(threading.Thread):
    """Opens PER_SOURCE connections from each source address with non-blocking sockets and one
    selector, then keeps them open (reading and trickling) until stop() is called. A failure of
    the loop itself is kept in `failure` for the test to report."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.selector = selectors.DefaultSelector()
        self.clients = []
        self.tricklers = []
        self.failure = None
        self.closed = False
        kinds = ("silent", "silent", "silent", "mute", "trickle")
        self.to_open = collections.deque(
            (SOURCES[i % len(SOURCES)], kinds[i % len(kinds)]) for i in range(SLOW_CLIENTS))
        self.in_flight = 0

    def run(self):
        try:
            while not self.stopping.is_set():
                self._open_more()
                events = self.selector.select(timeout=0.05)
                with self.lock:
                    for key, _ in events:
                        self._ready(key.data)
                    self._trickle()
        except BaseException as e:  # noqa: B902 - reported by the test
            self.failure = e

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)

    def _open_more(self):
        while self.to_open and self.in_flight < CONNECT_WINDOW:
            source, kind = self.to_open.popleft()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.bind((source, 0))
            client = SlowClient(sock, source, kind)
            with self.lock:
                self.clients.append(client)
                if kind == "trickle":
                    self.tricklers.append(client)
                self.in_flight += 1
            err = sock.connect_ex(("127.0.0.1", self.port))
            if err not in (0, errno.EINPROGRESS):
                self._finish(client, "failed", err)
                continue
            self.selector.register(sock, selectors.EVENT_WRITE, client)

    def _finish(self, client, state, error=None):
        if client.state in ("connecting", "open"):
            self.in_flight -= 1
        client.state = state
        client.error = error
        try:
            self.selector.unregister(client.sock)
        except (KeyError, ValueError):
            pass

    def _ready(self, client):
        if client.state == "connecting":
            err = client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self._finish(client, "failed", os.strerror(err))
                return
            client.state = "open"
            self.selector.modify(client.sock, selectors.EVENT_READ, client)
            return
        try:
            # A mute client only looks: the greeting stays unread in its receive buffer.
            flags = socket.MSG_PEEK if client.kind == "mute" else 0
            chunk = client.sock.recv(4096, flags)
        except BlockingIOError:
            return
        except OSError as e:
            self._finish(client, "closed", str(e))
            return
        if not chunk:
            self._finish(client, "closed", "EOF")
            return
        if client.kind == "mute":
            if b"\r\n" in chunk:
                state = "greeted" if chunk.startswith(b"220 ") else "refused"
                self._finish(client, state, None if state == "greeted" else chunk)
            return
        client.data += chunk
        if client.state == "open" and b"\r\n" in client.data:
            self.in_flight -= 1
            if client.data.startswith(b"220 "):
                client.state = "greeted"
                client.next_byte_at = time.monotonic() + TRICKLE_INTERVAL
            else:
                client.state = "refused"
                client.error = client.data
                self.selector.unregister(client.sock)

    def _trickle(self):
        now = time.monotonic()
        for client in self.tricklers:
            if client.state != "greeted":
                continue
            if now >= client.next_byte_at:
                try:
                    client.sock.send(TRICKLE[client.sent % len(TRICKLE):][:1])
                except OSError as e:
                    self._finish(client, "closed", str(e))
                    continue
                client.sent += 1
                client.next_byte_at = now + TRICKLE_INTERVAL

    # --- read by the test --------------------------------------------------------------------

    def states(self):
        with self.lock:
            return collections.Counter(c.state for c in self.clients)

    def settled(self):
        if self.failure:
            raise AssertionError(f"the slow-client loop failed: {self.failure!r}")
        states = self.states()
        return (not self.to_open and sum(states.values()) == SLOW_CLIENTS
                and states["connecting"] == 0 and states["open"] == 0)

    def problems(self, limit=10):
        """Clients that are not greeted and open, or that got something they did not ask for."""
        out = []
        with self.lock:
            for c in self.clients:
                replies = c.replies_after_greeting()
                unasked = c.kind == "silent" and replies
                # A trickled NOOP gets 250 and nothing else (no 421 for being slow).
                refused = any(not r.startswith(b"250 ") for r in replies)
                if c.state != "greeted" or unasked or refused:
                    out.append((c.source, c.kind, c.state, c.error, c.data[-200:]))
        return out[:limit]

    def trickle_replies(self):
        """The fewest 250 replies any trickling client has had to its NOOPs."""
        with self.lock:
            return min(sum(1 for r in c.replies_after_greeting() if r.startswith(b"250 "))
                       for c in self.tricklers)

    def close_all(self):
        if self.closed:
            return
        self.closed = True
        for c in self.clients:
            c.sock.close()
        self.selector.close()


class SlowClientsTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < NOFILE:
            self.fail(f"RLIMIT_NOFILE hard limit {hard} < {NOFILE}: 5,000 connections and the "
                      "daemon's own files do not fit")
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))

    def send_one(self, subject):
        """One message from SENDER_CLIENT with smtplib; the reply code to the end of DATA."""
        with harness.smtplib_client(self.relay.port, source=SENDER_CLIENT, timeout=60) as c:
            c.ehlo("busy.example.org")
            self.assertEqual(c.mail("a@example.org")[0], 250)
            self.assertEqual(c.rcpt("b@example.com")[0], 250)
            code, text = c.data(message_bytes("a@example.org", ["b@example.com"], subject,
                                              ["sent while 5,000 slow clients wait"]))
            c.quit()
            return code, text

    def test_relay_serves_mail_while_5000_slow_clients_hold_connections(self):
        self.relay = relay = self.start_relay({
            "server": {"max_connections": MAX_CONNECTIONS, "max_connections_per_ip": PER_SOURCE},
            "metrics": {"listen": METRICS},
        })
        wait_until(lambda: is_listening(*parse_host_port(METRICS)), 30,
                   what="the metrics listener")
        # A first message warms up what every session shares (queue database, TLS-free paths)
        # so that the baseline below holds it.
        self.assertEqual(self.send_one("warm-up")[0], 250)
        rss_before = rss_kib(relay.pid)
        fds_before = open_fds(relay.pid)

        clients = SlowClients(relay.port)
        self.addCleanup(clients.close_all)
        self.addCleanup(clients.stop)
        clients.start()
        wait_until(clients.settled, WAIT, interval=0.2,
                   what=f"{SLOW_CLIENTS} slow clients connected and greeted")
        self.assertEqual(clients.states(), {"greeted": SLOW_CLIENTS}, clients.problems())

        # The relay's own count agrees: every connection is a live session, none was refused.
        sample = metrics()
        self.assertEqual(sample["stsrelay_smtp_connections_active"], SLOW_CLIENTS)
        self.assertEqual(sample["stsrelay_smtp_connections_refused_total"], 0)
        rss_with = rss_kib(relay.pid)
        fds_with = open_fds(relay.pid)
        per_connection = (rss_with - rss_before) / SLOW_CLIENTS
        sys.stderr.write(
            f"\n=== idle connection memory: {per_connection:.1f} KiB per idle connection "
            f"(target < 20) ===\n"
            f"    stsrelay VmRSS {rss_before} KiB before, {rss_with} KiB with {SLOW_CLIENTS} "
            f"idle connections; open files {fds_before} -> {fds_with}"
            f"{'; AddressSanitizer build: RSS inflated' if links_asan(relay.pid) else ''}\n")

        # Mail from another address is served meanwhile, each message on disk before its 250.
        for i in range(MESSAGES):
            code, text = self.send_one(f"busy {i}")
            self.assertEqual(code, 250, f"message {i}: {code} {text!r}")
        self.assertEqual(len(relay.queue_list()), 1 + MESSAGES)

        # Every trickling client completes a NOOP one byte at a time and gets its 250.
        wait_until(lambda: clients.trickle_replies() >= 1, WAIT, interval=0.5,
                   what="a 250 for every trickled NOOP")
        # Nobody was cut off or answered unasked; the relay still counts all of them.
        self.assertEqual(clients.states(), {"greeted": SLOW_CLIENTS}, clients.problems())
        self.assertEqual(clients.problems(), [])
        self.assertEqual(metrics()["stsrelay_smtp_connections_active"], SLOW_CLIENTS)
        # The relay admitted every slow client up to its limit, and not one more.
        with RawSmtp(relay.port, source=SOURCES[0], timeout=60) as s:
            self.assertReply(s.reply(), 421, "4.7.0")
            self.assertTrue(s.closed_by_server())

        clients.stop()
        self.assertIsNone(clients.failure)
        # The mute clients' greetings waited unread in their buffers all along, alone, and the
        # connections are still open (nothing more to read, no EOF).
        for c in clients.clients:
            if c.kind == "mute":
                data = c.sock.recv(4096)
                self.assertTrue(data.startswith(b"220 ") and data.count(b"\r\n") == 1,
                                (c.source, data))
                with self.assertRaises(BlockingIOError, msg=c.source):
                    c.sock.recv(4096)
        clients.close_all()

        wait_until(lambda: metrics()["stsrelay_smtp_connections_active"] == 0, WAIT,
                   interval=0.5, what="the relay to see every slow client gone")
        sys.stderr.write(f"    stsrelay VmRSS {rss_kib(relay.pid)} KiB after they closed; "
                         f"open files {open_fds(relay.pid)}\n")
        # Each source address got its slots back, and the relay still takes mail.
        for source in SOURCES:
            with RawSmtp(relay.port, source=source, timeout=60) as s:
                self.assertReply(s.reply(), 220, msg=f"greeting to {source}")
        self.assertEqual(self.send_one("after")[0], 250)
        self.assertEqual(len(relay.queue_list()), 2 + MESSAGES)


if __name__ == "__main__":
    harness.main()
