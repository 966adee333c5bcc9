"""Remote servers that misbehave: each fault is bounded by a timeout or a limit of the relay, and
none of them crashes it, leaks, loses mail or stops it from delivering other mail.

The world (sts_world.World) gives the zones and two well-behaved aiosmtpd receivers: good.test,
which must keep getting its mail while a fault is active, and sender.test, where a bounce would
arrive (none may). Around it this file runs the servers that misbehave, on loopback addresses
of the namespace:
- SMTP receivers written with raw sockets, each pointed to by an MX record: one that stalls after
  the final "." of DATA; two that hang up in the middle of a reply line (after RCPT, after the
  final "."); two that send a 10 MB reply line (to EHLO, to MAIL); two that greet with garbage
  (an HTTP response, random bytes). Each must end the recipient deferred (4xx), never
  delivered, never bounced.
- a DNS front on 127.0.0.54:53, the relay's only resolver: it answers from the world's zones,
  except for four domains whose MX query gets no answer, an answer with the TC bit over UDP and
  a TCP connection that closes without one, an answer whose header promises records that are
  not there, and random bytes after the query's id. Each must be a temporary failure (4.4.3),
  never a bounce.
- HTTPS policy hosts: one streams an endless body without Content-Length (the fetch stops at
  sts.max_policy_size), one completes the TLS handshake and never answers (the fetch stops at
  sts.fetch_timeout). RFC 8461 §3.3: a failed fetch with no cached policy means delivering as
  though the domain had no policy, so both messages are delivered, and the log names why the
  fetch failed.
Timeouts and limits are configured small (3 s, 4096 bytes) so that the file runs in about a
minute; the relay retries every second, so each fault stays active while the good mail goes.
The harness stops each relay with SIGTERM and fails the test on a non-zero exit or a sanitizer
report (which includes LeakSanitizer's at exit)."""

import collections
import random
import re
import socket
import ssl
import struct
import threading

from dnslib import MX, TXT, A, DNSError, DNSRecord

import harness
from harness import RelayTestCase, wait_until
from procs import memory_kib
from sts_world import ClassCleanups, class_world

DNS_FRONT = "127.0.0.54"
GOOD = "127.0.0.60"        # aiosmtpd: good.test, and the MX of the policy-host domains
SENDER_MX = "127.0.0.59"   # aiosmtpd: sender.test, where a bounce would arrive
STALL = "127.0.0.61"       # 354, reads the message, never answers the final "."
CUT_RCPT = "127.0.0.62"    # "250-first" to RCPT, then hangs up
CUT_DOT = "127.0.0.63"     # half of "250 2.0.0 ok" after the final ".", then hangs up
HUGE_EHLO = "127.0.0.64"   # a 10 MB line in the reply to EHLO
HUGE_MAIL = "127.0.0.65"   # a 10 MB line in the reply to MAIL
HTTP = "127.0.0.66"        # greets with an HTTP response
NOISE = "127.0.0.67"       # greets with random bytes
ENDLESS_POLICY = "127.0.0.71"  # mta-sts.endless.test: 200, no Content-Length, body never ends
STALLED_POLICY = "127.0.0.72"  # mta-sts.stalled.test: TLS handshake, then silence

HUGE = 10 * 1024 * 1024
TIMEOUT = "3s"
MAX_POLICY_SIZE = 4096
# Bounds of the waits: several times what the configured timeouts need, for a loaded machine
# and a sanitizer build. A DNS query that gets no answer takes c-ares 2 tries of
# delivery.dns_timeout (1 + 2 s).
WAIT = 60
DNS_WAIT = 120
# Memory: a relay that kept each 10 MB line would pass this long before 2 x 12 attempts. The
# bound is generous: a sanitizer build starts at about 160 MB.
RSS_LIMIT_KB = 300 * 1024
HUGE_ATTEMPTS = 12

# MX host -> address of the raw receivers.
FAULTY_MX = {"stall.test": STALL, "cutrcpt.test": CUT_RCPT, "cutdot.test": CUT_DOT,
             "hugeehlo.test": HUGE_EHLO, "hugemail.test": HUGE_MAIL, "http.test": HTTP,
             "noise.test": NOISE}
# Domains whose own name the DNS front answers badly (their MX query, as the relay asks it).
DNS_FAULTS = {"silent.test": "silent", "truncated.test": "truncated",
              "malformed.test": "malformed", "garbage.test": "garbage"}
POLICY_DOMAINS = {"endless.test": ENDLESS_POLICY, "stalled.test": STALLED_POLICY}


def records():
    out = {"good.test": [MX("mx.good.test", 10)], "mx.good.test": [A(GOOD)],
           "sender.test": [MX("mx.sender.test", 10)], "mx.sender.test": [A(SENDER_MX)]}
    for domain, address in FAULTY_MX.items():
        out[domain] = [MX(f"mx.{domain}", 10)]
        out[f"mx.{domain}"] = [A(address)]
    for domain in DNS_FAULTS:
        # What the front would answer if it behaved: a working MX.
        out[domain] = [MX("mx.good.test", 10)]
    for domain, address in POLICY_DOMAINS.items():
        out[domain] = [MX(f"mx.{domain}", 10)]
        out[f"mx.{domain}"] = [A(GOOD)]
        out[f"_mta-sts.{domain}"] = [TXT("v=STSv1; id=1;")]
        out[f"mta-sts.{domain}"] = [A(address)]
    return out


ZONES = ("good.test", "sender.test", *FAULTY_MX, *DNS_FAULTS, *POLICY_DOMAINS)


# --- Raw servers -----------------------------------------------------------------------------

class Stopping(Exception):
    """The test is over: a server thread leaves whatever it was waiting for."""


class Peer:
    """One accepted connection: line reads, writes that do not block the server's stop, and
    waiting for the relay to hang up."""

    def __init__(self, sock, stop):
        self.sock = sock
        self.stop = stop
        self.buffer = b""
        sock.settimeout(0.2)

    def recv_some(self):
        """Whatever bytes arrive next (b"" when the relay closed the connection)."""
        while not self.stop.is_set():
            try:
                return self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                continue
        raise Stopping()

    def line(self):
        """The next line without its line end; None when the relay hung up."""
        while b"\n" not in self.buffer:
            data = self.recv_some()
            if not data:
                return None
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def lines_until(self, end):
        """Lines up to (not including) the line `end`; None when the relay hung up first."""
        lines = []
        while True:
            line = self.line()
            if line is None:
                return None
            if line == end:
                return lines
            lines.append(line)

    def send(self, data, chunk=65536):
        """Writes all of `data`; an OSError (EPIPE, ECONNRESET) means the relay hung up."""
        view = memoryview(data)
        while view:
            if self.stop.is_set():
                raise Stopping()
            try:
                sent = self.sock.send(view[:chunk])
            except (socket.timeout, ssl.SSLWantWriteError):
                continue  # the same bytes again, as TLS requires
            view = view[sent:]

    def wait_for_hangup(self):
        """Reads and discards until the relay closes the connection: True."""
        while True:
            try:
                if not self.recv_some():
                    return True
            except (ConnectionResetError, ssl.SSLError):
                return True


class ScriptedServer:
    """A TCP server on address:port running `script(server, peer)` for each connection in a
    thread of its own. The script returns True when the relay ended the connection (an OSError
    while talking to it counts the same); `hangups` counts those, `sessions` every accepted
    connection. With `tls` (an ssl.SSLContext), the handshake comes first."""

    def __init__(self, testcase, address, port, script, tls=None):
        self.address = address
        self.script = script
        self.tls = tls
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sessions = 0
        self.hangups = 0
        self.contents = []       # message contents that reached the final "."
        self.sent_bytes = 0      # what a streaming script wrote before the relay hung up
        self.cut_short = 0       # sends that failed because the relay hung up before the end
        self.sent_whole = 0      # sends that the relay read to the end
        self.engaged = threading.Event()  # the script reached its fault
        self.sockets = []
        self.threads = []
        self.listener = socket.create_server((address, port))
        self.listener.settimeout(0.2)
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self.threads.append(accept)
        testcase.addCleanup(self.close)

    def _accept(self):
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.sessions += 1
                self.sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _serve(self, sock):
        hung_up = False
        try:
            if self.tls is not None:
                sock.settimeout(10)
                sock = self.tls.wrap_socket(sock, server_side=True)
                with self.lock:
                    self.sockets.append(sock)
            hung_up = self.script(self, Peer(sock, self.stop))
        except Stopping:
            pass
        except (OSError, ssl.SSLError):
            hung_up = True
        finally:
            if hung_up:
                with self.lock:
                    self.hangups += 1
            try:
                sock.close()
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.close()
                except OSError:
                    pass

    def counts(self):
        with self.lock:
            return self.sessions, self.hangups


# SMTP receivers. Each is a plain receiver's dialog with one step replaced by the fault.

def smtp_dialog(server, peer, faults):
    """Greets, answers EHLO/MAIL/RCPT/DATA as a plain receiver would, and hands over to
    faults[step] at the step ("greeting", "ehlo", "mail", "rcpt", "end_of_data") it names."""
    if "greeting" in faults:
        return faults["greeting"](server, peer)
    peer.send(b"220 mx.fault.test ESMTP\r\n")
    steps = {b"EHLO": "ehlo", b"HELO": "ehlo", b"MAIL": "mail", b"RCPT": "rcpt"}
    while True:
        line = peer.line()
        if line is None:
            return True
        verb = line[:4].upper()
        step = steps.get(verb)
        if step in faults:
            return faults[step](server, peer)
        if verb == b"QUIT":
            peer.send(b"221 2.0.0 bye\r\n")
            return True
        if verb == b"DATA":
            peer.send(b"354 go ahead\r\n")
            content = peer.lines_until(b".")
            if content is None:
                return True
            with server.lock:
                server.contents.append(b"\r\n".join(content))
            return faults["end_of_data"](server, peer)
        peer.send(b"250 mx.fault.test\r\n" if step == "ehlo" else b"250 2.0.0 ok\r\n")


def stall(server, peer):
    server.engaged.set()
    return peer.wait_for_hangup()


def cut_reply(text):
    """Sends `text` (part of a reply) and hangs up."""
    def fault(server, peer):
        server.engaged.set()
        peer.send(text)
        return False
    return fault


def huge_line(prefix):
    """Sends a reply line of HUGE octets, then waits for the relay to hang up. A relay that
    stops at its own limit makes the send itself fail (cut_short); one that reads it all lets
    it end (sent_whole)."""
    def fault(server, peer):
        server.engaged.set()
        try:
            peer.send(prefix + b"x" * HUGE + b"\r\n250 2.0.0 ok\r\n")
        except OSError:
            with server.lock:
                server.cut_short += 1
            return True
        with server.lock:
            server.sent_whole += 1
        return peer.wait_for_hangup()
    return fault


def greet_with(data):
    def fault(server, peer):
        server.engaged.set()
        peer.send(data)
        return peer.wait_for_hangup()
    return fault


NOISE_BYTES = random.Random(20240101).randbytes(4096)
RECEIVER_FAULTS = {
    STALL: {"end_of_data": stall},
    CUT_RCPT: {"rcpt": cut_reply(b"250-first\r\n")},
    CUT_DOT: {"end_of_data": cut_reply(b"250 2.0.0 o")},
    HUGE_EHLO: {"ehlo": huge_line(b"250-")},
    HUGE_MAIL: {"mail": huge_line(b"250 ")},
    HTTP: {"greeting": greet_with(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                  b"Content-Length: 13\r\n\r\n<html></html>")},
    NOISE: {"greeting": greet_with(NOISE_BYTES)},
}


# Policy hosts.

def endless_body(server, peer):
    """200 text/plain without Content-Length: the body lasts until the connection closes, and
    this server never closes it. It starts like an enforce policy whose mx lines never name the
    domain's MX, so a relay that used a cut-off prefix would refuse the delivery."""
    if peer.lines_until(b"") is None:
        return True
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
              b"version: STSv1\nmode: enforce\n")
    server.engaged.set()
    n = 0
    while True:
        line = b"mx: mx%d.elsewhere.test\n" % n
        try:
            peer.send(line, chunk=1024)
        except OSError:
            return True
        with server.lock:
            server.sent_bytes += len(line)
        n += 1


def silent_after_handshake(server, peer):
    server.engaged.set()
    return peer.wait_for_hangup()


# --- DNS -------------------------------------------------------------------------------------

class DnsFront:
    """UDP and TCP on DNS_FRONT:53. The names of DNS_FAULTS misbehave; everything else is
    answered by `resolver` (the world's zone resolver). `queries` counts questions per name."""

    def __init__(self, testcase, resolver):
        self.resolver = resolver
        self.lock = threading.Lock()
        self.queries = collections.Counter()
        self.rng = random.Random(8461)
        self.stop = threading.Event()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((DNS_FRONT, 53))
        self.udp.settimeout(0.2)
        self.tcp = ScriptedServer(testcase, DNS_FRONT, 53, self._tcp_session)
        self.thread = threading.Thread(target=self._serve_udp, daemon=True)
        self.thread.start()
        testcase.addCleanup(self.close)

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.udp.close()

    def asked(self, name):
        with self.lock:
            return self.queries[name]

    def _answer(self, data, over_tcp):
        try:
            request = DNSRecord.parse(data)
        except DNSError:
            return None
        name = str(request.q.qname).rstrip(".").lower()
        with self.lock:
            self.queries[name] += 1
        fault = DNS_FAULTS.get(name)
        if fault is None:
            return self.resolver.resolve(request, None).pack()
        if fault == "silent":
            return None
        if fault == "truncated":
            if over_tcp:
                return None  # the retry over TCP is accepted and closed unanswered
            reply = request.reply()
            reply.header.tc = 1
            return reply.pack()
        if fault == "malformed":
            # The header promises three answers; after the question comes the start of one
            # record (name, type MX, class IN, half its TTL) and then nothing.
            packed = bytearray(request.reply().pack())
            packed[6:8] = struct.pack("!H", 3)
            return bytes(packed) + b"\xc0\x0c\x00\x0f\x00\x01\x00\x00"
        # garbage: the query's id (so that it reaches the resolver as the answer to that
        # query), then random bytes.
        with self.lock:
            return data[:2] + self.rng.randbytes(300)

    def _serve_udp(self):
        while not self.stop.is_set():
            try:
                data, client = self.udp.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            answer = self._answer(data, over_tcp=False)
            if answer is not None:
                self.udp.sendto(answer, client)

    def _tcp_session(self, server, peer):
        while True:
            while len(peer.buffer) < 2:
                data = peer.recv_some()
                if not data:
                    return True
                peer.buffer += data
            (length,) = struct.unpack("!H", peer.buffer[:2])
            while len(peer.buffer) < 2 + length:
                data = peer.recv_some()
                if not data:
                    return True
                peer.buffer += data
            query, peer.buffer = peer.buffer[2:2 + length], peer.buffer[2 + length:]
            answer = self._answer(query, over_tcp=True)
            if answer is None:
                return False
            peer.send(struct.pack("!H", len(answer)) + answer)


# --- The tests -------------------------------------------------------------------------------


class RemoteFaultsTest(RelayTestCase):
    @classmethod
    def setUpClass(cls):
        class_world(cls, "stsrelay-faults-", records(), ZONES)
        cleanups = ClassCleanups(cls)
        cls.good = cls.world.receiver(GOOD)
        cls.sender_box = cls.world.receiver(SENDER_MX)
        cls.dns = DnsFront(cleanups, cls.world.dns.server.resolver)
        cls.mx = {address: ScriptedServer(
                      cleanups, address, 25,
                      lambda server, peer, faults=faults: smtp_dialog(server, peer, faults))
                  for address, faults in RECEIVER_FAULTS.items()}
        leaf = cls.world_ca.issue("mta-sts.endless.test", dns_names=["mta-sts.stalled.test"])
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(leaf.chain, leaf.key)
        cls.policy_hosts = {
            ENDLESS_POLICY: ScriptedServer(cleanups, ENDLESS_POLICY, 443, endless_body, tls),
            STALLED_POLICY: ScriptedServer(cleanups, STALLED_POLICY, 443,
                                           silent_after_handshake, tls),
        }

    def relay(self):
        return self.start_relay({
            "delivery": {"dns_servers": [f"{DNS_FRONT}:53"], "ca_file": self.world_ca.pem,
                         "connect_timeout": TIMEOUT, "command_timeout": TIMEOUT,
                         "data_timeout": TIMEOUT, "dns_timeout": "1s", "dns_tries": 2},
            # Every second again: the fault stays active for as long as the test runs.
            "queue": {"retry_schedule": ["1s"]},
            "sts": {"fetch_timeout": TIMEOUT, "max_policy_size": MAX_POLICY_SIZE},
        })

    # --- helpers ---------------------------------------------------------------------------

    def send(self, relay, recipient):
        return self.send_accepted(relay, recipient, f"{self._testMethodName} to {recipient}",
                                  "remote faults")

    def wait_deferred(self, relay, recipient, bound=WAIT, attempts=1):
        """Waits (at most `bound` seconds) until the recipient is deferred after `attempts`
        attempts; checks that it was never delivered nor bounced and that the message is
        still held; returns its queue entry."""
        def deferred():
            r = relay.recipient_state(recipient)
            return r if r and r["state"] == "deferred" and r["attempts"] >= attempts else None
        r = wait_until(deferred, bound, what=f"{recipient} deferred after {attempts} attempt(s)")
        lines = relay.attempt_lines(recipient)
        self.assertTrue(lines, f"no attempt line for {recipient}")
        for line in lines:
            self.assertIn("status=deferred", line)
            self.assertRegex(line, r" dsn=4\.\d+\.\d+ ")
        return r

    def wait_engaged(self, *addresses):
        """Waits until the relay has met the fault of each receiver at least once."""
        wait_until(lambda: all(self.mx[a].engaged.is_set() for a in addresses), WAIT,
                   what=f"the relay to reach the faults at {', '.join(addresses)}")

    def assert_no_bounce(self, subject):
        self.assertEqual([s for s in self.sender_box.subjects() if subject in (s or "")], [],
                         f"a bounce of {subject!r} reached the sender")

    def assert_good_mail_flows(self, relay):
        """While a fault is active, a message to the well-behaved domain is delivered, once."""
        subject = self.send(relay, "bob@good.test")
        wait_until(lambda: subject in self.good.subjects(), WAIT,
                   what="the good.test message delivered")
        wait_until(lambda: relay.recipient_state("bob@good.test") is None, WAIT,
                   what="the good.test message off the queue")
        self.assertEqual(self.good.subjects().count(subject), 1)
        [line] = relay.attempt_lines("bob@good.test")
        self.assertIn("status=sent", line)
        self.assertTrue(relay.process.running)

    # --- SMTP receivers ------------------------------------------------------------------------

    def test_a_receiver_stalled_after_the_final_dot_is_deferred_at_data_timeout(self):
        relay = self.relay()
        server = self.mx[STALL]
        subject = self.send(relay, "carol@stall.test")
        self.wait_engaged(STALL)
        self.assert_good_mail_flows(relay)
        r = self.wait_deferred(relay, "carol@stall.test")
        self.assertIn("timed out", r["last_reply"])
        # The relay, not the receiver, ended the stalled session: its socket was closed.
        wait_until(lambda: server.counts()[1] >= 1, WAIT,
                   what="the relay to close the stalled connection")
        self.assertTrue(any(subject.encode() in c for c in server.contents))
        self.assert_no_bounce(subject)

    def test_a_reply_cut_off_in_the_middle_of_a_line_is_deferred_not_delivered(self):
        relay = self.relay()
        after_rcpt = self.send(relay, "dave@cutrcpt.test")
        after_dot = self.send(relay, "erin@cutdot.test")
        self.wait_engaged(CUT_RCPT, CUT_DOT)
        self.assert_good_mail_flows(relay)
        # Retried (every second) and still deferred: a half reply is never taken as a 250.
        r = self.wait_deferred(relay, "dave@cutrcpt.test", attempts=2)
        self.assertRegex(r["last_reply"], r"^rcpt: connection closed")
        # The whole message reached the receiver, but "250 2.0.0 o" without its line end is no
        # reply: RFC 5321 §4.1.1.4 counts the message as delivered only on a complete 250.
        r = self.wait_deferred(relay, "erin@cutdot.test", attempts=2)
        self.assertRegex(r["last_reply"], r"no reply after the end of data: connection closed")
        self.assertTrue(any(after_dot.encode() in c for c in self.mx[CUT_DOT].contents))
        for subject in (after_rcpt, after_dot):
            self.assert_no_bounce(subject)

    def test_a_10_mb_reply_line_is_refused_and_memory_stays_bounded(self):
        relay = self.relay()
        recipients = ("fred@hugeehlo.test", "gina@hugemail.test")
        before = memory_kib(relay.pid, "VmRSS", "VmHWM")
        subjects = [self.send(relay, r) for r in recipients]
        self.wait_engaged(HUGE_EHLO, HUGE_MAIL)
        self.assert_good_mail_flows(relay)
        for recipient in recipients:
            r = self.wait_deferred(relay, recipient, bound=WAIT * 2, attempts=HUGE_ATTEMPTS)
            self.assertIn("reply line longer than 4096 octets", r["last_reply"])
        after = memory_kib(relay.pid, "VmRSS", "VmHWM")
        lines = sum(relay.recipient_state(r)["attempts"] for r in recipients)
        growth = after["VmHWM"] - before["VmRSS"]
        print(f"\nrelay memory before the 10 MB lines: VmRSS {before['VmRSS']} kB; after {lines} "
              f"of them: VmRSS {after['VmRSS']} kB, VmHWM {after['VmHWM']} kB "
              f"(+{growth} kB at the peak)", flush=True)
        # Keeping the lines would cost 10 MB each; the peak grew by less than half that.
        # (Under AddressSanitizer every attempt adds some hundreds of kB that its quarantine of
        # freed memory holds, whatever the fault; so the bound is relative to the attempts.)
        self.assertLess(growth, lines * HUGE // 1024 // 2)
        self.assertLess(after["VmRSS"], RSS_LIMIT_KB)
        self.assertLess(after["VmHWM"], RSS_LIMIT_KB)
        # The relay stopped reading each line at its limit and hung up: every send of 10 MB
        # failed half-way (more than the kernel's socket buffers hold was left), none was read
        # to its end.
        for address in (HUGE_EHLO, HUGE_MAIL):
            server = self.mx[address]
            with server.lock:
                self.assertGreaterEqual(server.cut_short, HUGE_ATTEMPTS, address)
                self.assertEqual(server.sent_whole, 0, address)
        for subject in subjects:
            self.assert_no_bounce(subject)

    def test_a_greeting_of_garbage_is_deferred(self):
        relay = self.relay()
        subjects = [self.send(relay, "hank@http.test"), self.send(relay, "ivy@noise.test")]
        self.wait_engaged(HTTP, NOISE)
        self.assert_good_mail_flows(relay)
        self.wait_deferred(relay, "hank@http.test", attempts=2)
        self.wait_deferred(relay, "ivy@noise.test", attempts=2)
        # Neither reached a transaction: no message content was ever sent to them.
        self.assertEqual(self.mx[HTTP].contents + self.mx[NOISE].contents, [])
        for subject in subjects:
            self.assert_no_bounce(subject)

    # --- DNS ------------------------------------------------------------------------------------

    def test_an_mx_query_that_gets_no_answer_times_out_and_is_deferred(self):
        relay = self.relay()
        subject = self.send(relay, "jack@silent.test")
        wait_until(lambda: self.dns.asked("silent.test"), WAIT,
                   what="the relay to ask for the MX of silent.test")
        self.assert_good_mail_flows(relay)
        r = self.wait_deferred(relay, "jack@silent.test", bound=DNS_WAIT)
        self.assertIn("timeout", r["last_reply"])
        self.assertIn("dsn=4.4.3", relay.attempt_lines("jack@silent.test")[0])
        self.assert_no_bounce(subject)

    # One relay per fault: c-ares drops every query in flight to a server when a TCP connection
    # to it fails (each is sent again and spends a try), so faults of different names sharing a
    # relay would blur into each other.

    def dns_fault_is_temporary(self, domain, attempts=2):
        relay = self.relay()
        recipient = f"kim@{domain}"
        subject = self.send(relay, recipient)
        wait_until(lambda: self.dns.asked(domain), WAIT,
                   what=f"the relay to ask the DNS front about {domain}")
        self.assert_good_mail_flows(relay)
        r = self.wait_deferred(relay, recipient, bound=DNS_WAIT, attempts=attempts)
        self.assertIn(f"MX lookup for {domain} failed", r["last_reply"])
        for line in relay.attempt_lines(recipient):
            self.assertIn("dsn=4.4.3", line)
        self.assert_no_bounce(subject)
        return r

    def test_a_truncated_dns_answer_whose_tcp_retry_fails_is_temporary(self):
        tcp_before = self.dns.tcp.counts()[0]
        self.dns_fault_is_temporary("truncated.test")
        # The TC bit sent the relay to TCP.
        self.assertGreater(self.dns.tcp.counts()[0], tcp_before)

    def test_a_dns_answer_cut_off_inside_a_record_is_temporary(self):
        r = self.dns_fault_is_temporary("malformed.test")
        print(f"\nmalformed answer: {r['last_reply']}", flush=True)

    def test_a_dns_answer_of_random_bytes_is_temporary(self):
        # c-ares drops an answer whose question does not match the query's: the query then
        # times out (every try), so one attempt is enough here.
        r = self.dns_fault_is_temporary("garbage.test", attempts=1)
        print(f"\nrandom bytes: {r['last_reply']}", flush=True)

    # --- Policy hosts ---------------------------------------------------------------------------

    def assert_policy_fault_is_bounded(self, address, recipient, failure):
        """Mail to `recipient`, whose policy host at `address` misbehaves: the relay hangs up on
        the host, keeps delivering other mail meanwhile, logs the failed fetch (`failure`, a
        pattern of what follows "domain=<domain> ") and delivers without a policy. Returns the
        host."""
        domain = recipient.split("@")[1]
        relay = self.relay()
        host = self.policy_hosts[address]
        subject = self.send(relay, recipient)
        wait_until(host.engaged.is_set, WAIT, what=f"the policy fetch to reach {domain}'s host")
        self.assert_good_mail_flows(relay)
        wait_until(lambda: subject in self.good.subjects(), WAIT,
                   what=f"the {domain} message delivered without a policy")
        wait_until(lambda: host.counts()[1] >= 1, WAIT,
                   what=f"the relay to close the connection to {domain}'s policy host")
        self.assertRegex(relay.log_text(),
                         rf"mta-sts policy fetch failed domain={re.escape(domain)} {failure}")
        [line] = relay.attempt_lines(recipient)
        self.assertIn("status=sent", line)
        self.assertNotIn("sts=", line, "no policy applies after a failed fetch")
        return host

    def test_an_endless_policy_body_stops_at_max_policy_size_and_delivers_without_policy(self):
        # The warning names the reason and the configured limit.
        host = self.assert_policy_fault_is_bounded(
            ENDLESS_POLICY, "kate@endless.test",
            rf"reason=too-large .*larger than {MAX_POLICY_SIZE} bytes")
        with host.lock:
            print(f"\nthe endless policy host wrote {host.sent_bytes} bytes of body before the "
                  f"relay hung up (limit {MAX_POLICY_SIZE})", flush=True)

    def test_a_stalled_policy_host_is_bounded_by_fetch_timeout(self):
        # The warning names the reason and the configured bound (sts.fetch_timeout = 3s).
        self.assert_policy_fault_is_bounded(STALLED_POLICY, "liam@stalled.test",
                                            r"reason=timeout .*within 3000 ms")


if __name__ == "__main__":
    harness.main()
