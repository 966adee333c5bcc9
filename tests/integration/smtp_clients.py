"""SMTP clients for the integration tests: swaks (a real, widely used client), Python's smtplib,
and RawSmtp, a line-level client for what well-behaved clients never send (pipelined bursts,
bare LF, silence)."""

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass

from procs import connect, run

SWAKS_TIMEOUT = 60


@dataclass
class SwaksResult:
    returncode: int
    transcript: str

    def replies(self):
        """The server's reply lines, in order: '<-' ('<~' inside TLS), and for an unexpected
        reply '<**' ('<~*' inside TLS)."""
        return [m.group(2) for m in re.finditer(r"^(<-|<~\*{0,2}|<\*{1,2})\s+(.*)$",
                                                self.transcript, re.M)]

    def has_reply(self, pattern):
        return any(re.match(pattern, line) for line in self.replies())


def swaks(port, *args, server="127.0.0.1", sender="sender@example.org",
          to=("rcpt@example.com",), timeout=SWAKS_TIMEOUT):
    """Runs swaks against server:port with the given extra arguments (e.g. "--tls",
    "--pipeline", "--auth", "PLAIN", "--local-interface", "127.0.0.2")."""
    argv = ["swaks", "--server", server, "--port", str(port), "--from", sender,
            "--to", ",".join(to), "--timeout", "20", *args]
    result = run(argv, timeout=timeout)
    return SwaksResult(result.returncode, result.stdout + result.stderr)


def client_tls_context(ca_pem):
    """A client context that trusts only the test CA and verifies the host name."""
    return ssl.create_default_context(cafile=ca_pem)


def smtplib_client(port, host="127.0.0.1", source=None, timeout=10):
    """smtplib.SMTP connected to host:port, from `source` when given."""
    return smtplib.SMTP(host, port, timeout=timeout,
                        source_address=(source, 0) if source else None)


def message_bytes(sender, recipients, subject, body_lines):
    """A minimal RFC 5322 message with CRLF line ends, with the Date: and Message-ID: that the
    relay would otherwise add."""
    head = [f"From: <{sender}>", f"To: {', '.join(f'<{r}>' for r in recipients)}",
            f"Subject: {subject}", "Date: Mon, 7 Dec 2026 10:00:00 +0000",
            "Message-ID: <%s@example.org>" % subject.replace(" ", "-")]
    return ("\r\n".join(head + [""] + list(body_lines)) + "\r\n").encode()


# --- Line-level client ----------------------------------------------------------------------

@dataclass
class Reply:
    code: int
    lines: list  # text after "NNN-" / "NNN "

    @property
    def text(self):
        return "\n".join(self.lines)

    @property
    def enhanced(self):
        """The RFC 3463 enhanced status code of the first line, or None."""
        m = re.match(r"([245]\.\d{1,3}\.\d{1,3})\b", self.lines[0]) if self.lines else None
        return m.group(1) if m else None

    def __str__(self):
        return f"{self.code} {self.text}"


class ConnectionClosed(Exception):
    pass


class RawSmtp:
    """Sends bytes exactly as given and parses replies (RFC 5321 §4.2: 'NNN-' continues a
    multi-line reply, 'NNN ' ends it)."""

    def __init__(self, port, host="127.0.0.1", source=None, timeout=10):
        self.sock = connect(host, port, source=source, timeout=timeout)
        self.timeout = timeout
        self.buffer = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionClosed(f"server closed the connection (pending {self.buffer!r})")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        lines = []
        while True:
            line = self._line()
            m = re.match(r"(\d{3})([ -])(.*)$", line) or re.match(r"(\d{3})()()$", line)
            if not m:
                raise AssertionError(f"not an SMTP reply line: {line!r}")
            lines.append(m.group(3))
            if m.group(2) != "-":
                return Reply(int(m.group(1)), lines)

    def command(self, line):
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def greeting_and_ehlo(self, name="client.example.org"):
        greeting = self.reply()
        if greeting.code != 220:
            raise AssertionError(f"greeting: {greeting}")
        return self.command(f"EHLO {name}")

    def starttls(self, context, server_hostname):
        """Wraps the connection in TLS (after a 220 reply to STARTTLS); returns the SSLSocket."""
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)
        return self.sock

    def quiet_for(self, seconds):
        """True when the server sends nothing (and does not close) for `seconds`."""
        if self.buffer:
            return False
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(self.timeout)
        self.buffer += data
        return False

    def closed_by_server(self, timeout=5):
        """True when the server has closed the connection (EOF or reset) within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, ssl.SSLError):
            return True
        except socket.timeout:
            return False


def send_message(port, sender, recipients, content, **connect_args):
    """One transaction over RawSmtp: returns the reply to the end of DATA. `content` is sent as
    given (it must already be dot-stuffed and end with CRLF)."""
    with RawSmtp(port, **connect_args) as s:
        s.greeting_and_ehlo()
        for line in [f"MAIL FROM:<{sender}>"] + [f"RCPT TO:<{r}>" for r in recipients]:
            r = s.command(line)
            if r.code != 250:
                raise AssertionError(f"{line}: {r}")
        r = s.command("DATA")
        if r.code != 354:
            raise AssertionError(f"DATA: {r}")
        s.send(content + b".\r\n")
        final = s.reply()
        s.command("QUIT")
        return final
