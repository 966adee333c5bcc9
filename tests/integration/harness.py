"""The integration-test harness: what a test file imports.

Each test file runs inside its own private network namespace (netns_run), so it may bind any
127.x address and any port. The pieces live one file per kind:
  procs.py         wait_until, ServerProcess (any server a test starts), listening checks
  certs.py         TestCA: a certificate authority and server leaves made with openssl
  relay_daemon.py  StsRelay: the daemon under test, its TOML configuration and its CLI
  smtp_clients.py  swaks, smtplib and RawSmtp (line-level) clients
RelayTestCase below gives each test a temporary directory, starts relays on demand and, when the
test ends, stops them with SIGTERM and fails the test if a relay did not exit 0 or a sanitizer
reported an error. When a test fails, the relay's log is printed.
"""

import itertools
import os
import re
import sys
import tempfile
import unittest

from certs import Leaf, TestCA  # noqa: F401  (re-exported for test files)
from procs import ServerProcess, connect, run, sanitizer_reports, wait_until  # noqa: F401
from relay_daemon import StsRelay, add_user, relay_binary  # noqa: F401
from smtp_clients import (ConnectionClosed, RawSmtp, Reply, client_tls_context,  # noqa: F401
                          message_bytes, send_message, smtplib_client, swaks)

# Addresses inside the namespace (netns_run adds 127.0.0.2 and up).
ALLOWED_CLIENT = "127.0.0.1"
OTHER_CLIENT = "127.0.0.2"

# Recipient states of a message the relay holds and has not finished with.
PENDING_STATES = ("queued", "deferred")


def header_fields(header_section, name):
    """The unfolded values of every `name:` field of a header section (RFC 5322 §2.2.3)."""
    unfolded = re.sub(r"\r?\n[ \t]+", " ", header_section)
    prefix = name.lower() + ":"
    return [line[len(prefix):].strip() for line in unfolded.splitlines()
            if line.lower().startswith(prefix)]


def first_field_octets(header_section):
    """Octets of the first header field of a section as stored, with CRLF line ends: the
    Received: field the relay prepended, which the stored size counts."""
    lines = header_section.splitlines()
    field = [lines[0]] + list(itertools.takewhile(lambda l: l[:1] in (" ", "\t"), lines[1:]))
    return sum(len(line.encode()) + 2 for line in field)


class RelayTestCase(unittest.TestCase):
    """Base class: self.workdir is a fresh temporary directory; start_relay() starts a daemon that
    is stopped and checked when the test ends."""

    def setUp(self):
        relay_binary()  # fails early, with the reason, when STSRELAY_BIN is unusable
        self._tmp = tempfile.TemporaryDirectory(prefix="stsrelay-it-")
        self.addCleanup(self._tmp.cleanup)
        self.workdir = self._tmp.name
        self._ca = None
        self._relay_leaf = None

    @property
    def ca(self):
        """The test CA, made on first use."""
        if self._ca is None:
            self._ca = TestCA(os.path.join(self.workdir, "ca"))
        return self._ca

    @property
    def relay_leaf(self):
        """The relay's certificate from the test CA: relay.test and 127.0.0.1."""
        if self._relay_leaf is None:
            self._relay_leaf = self.ca.issue(StsRelay.HOSTNAME, ip_addresses=["127.0.0.1"])
        return self._relay_leaf

    def start_relay(self, config=None, tls=False, name="relay"):
        """Starts a daemon with `config` merged over the harness defaults; with tls=True it
        presents relay_leaf for STARTTLS."""
        relay = StsRelay(os.path.join(self.workdir, name), config,
                         tls=self.relay_leaf if tls else None)
        self.addCleanup(self._check_relay_stopped, relay)
        return relay.start()

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        return outcome is not None and not getattr(outcome, "success", True)

    def _check_relay_stopped(self, relay):
        status = relay.stop()
        reports = relay.sanitizer_reports()
        if self._failed() or reports or status not in (0, -9):
            sys.stderr.write(f"\n--- log of {relay.workdir} ({self.id()}) ---\n"
                             f"{relay.process.log_tail(120)}\n--- end of log ---\n")
        if reports:
            self.fail("sanitizer reports in the relay's log:\n" + "\n".join(reports))
        # -9: the test killed the daemon itself and did not restart it.
        if status not in (0, -9):
            self.fail(f"stsrelay exited with status {status} on SIGTERM (expected 0)")

    # --- assertions used across files ---------------------------------------------------------

    def assertReply(self, reply, code, enhanced=None, msg=None):
        """reply has this basic code and, when given, this RFC 3463 enhanced code."""
        self.assertEqual(reply.code, code, msg or f"reply: {reply}")
        if enhanced is not None:
            self.assertEqual(reply.enhanced, enhanced, msg or f"reply: {reply}")

    def assertQueueEmpty(self, relay):
        self.assertEqual(relay.queue_list(), [], "nothing may be queued")

    def wait_attempt(self, relay, recipient, status, timeout=30):
        """The last delivery-attempt line of `recipient` with status=`status`, waited for; on
        timeout the test fails with the last lines of the relay's log."""
        def find():
            lines = [l for l in relay.attempt_lines(recipient) if f" status={status} " in l]
            return lines[-1] if lines else None
        try:
            return wait_until(find, timeout, what=f"{recipient} {status}")
        except TimeoutError:
            self.fail(f"{recipient} not {status}; the log says:\n" +
                      "\n".join(relay.log_text().splitlines()[-15:]))

    def send_accepted(self, relay, recipient, subject, body_line):
        """Sends one message from alice@sender.test to `recipient`, which `relay` must accept;
        returns its subject."""
        content = message_bytes("alice@sender.test", [recipient], subject, [body_line])
        self.assertReply(send_message(relay.port, "alice@sender.test", [recipient], content), 250)
        return subject


def main():
    unittest.main(verbosity=2)
