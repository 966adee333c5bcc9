"""Processes and waiting, shared by every kind of server the integration tests start.

Nothing here sleeps for a fixed time: every wait polls a condition and gives up at a bound, and
every child process is stopped by the test that started it (by its own pid, never by name).
"""

import ipaddress
import os
import signal
import socket
import subprocess
import threading
import time


def reset_peak_rss(pid):
    """Resets VmHWM to the current RSS (proc(5): writing 5 to /proc/PID/clear_refs)."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def run_concurrently(calls):
    """Runs each (function, args) of `calls` in a thread of its own; returns the seconds until
    all of them ended."""
    threads = [threading.Thread(target=f, args=args) for f, args in calls]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def wait_until(predicate, timeout, what=None, interval=0.02):
    """Calls predicate() until it returns a true value, which is returned; raises TimeoutError
    naming `what` once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"gave up after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


# --- Listening sockets, read from the kernel's tables of this network namespace ----------------

_TCP_LISTEN = "0A"  # include/net/tcp_states.h: TCP_LISTEN


def _decode_proc_address(text):
    """'0100007F:09C4' (IPv4) or 32 hex digits (IPv6) as /proc/net/tcp* prints them: each 32-bit
    word in host byte order (little endian here)."""
    host_hex, port_hex = text.split(":")
    raw = bytes.fromhex(host_hex)
    words = [raw[i:i + 4][::-1] for i in range(0, len(raw), 4)]
    return ipaddress.ip_address(b"".join(words)), int(port_hex, 16)


def listening_sockets():
    """Every (address, port) in the LISTEN state in the current network namespace."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == _TCP_LISTEN:
                found.add(_decode_proc_address(fields[1]))
    return found


def is_listening(host, port):
    """True when something listens on host:port (a wildcard listener counts for every host)."""
    wanted = ipaddress.ip_address(host)
    for address, listen_port in listening_sockets():
        if listen_port == port and (address == wanted or address.is_unspecified):
            return True
    return False


def parse_host_port(text):
    """'127.0.0.1:2525' or '[::1]:2525' -> ('127.0.0.1', 2525)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def connect(host, port, source=None, timeout=10):
    """A TCP connection to host:port, optionally from the local address `source`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        if source:
            sock.bind((source, 0))
        sock.connect((host, port))
    except OSError:
        sock.close()
        raise
    return sock


# --- Child processes ---------------------------------------------------------------------------

def memory_kib(pid, *fields):
    """The memory `fields` of a process's /proc/PID/status (VmRSS, VmHWM: the peak, ...), in KiB,
    as a dict; raises when one is missing."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in fields:
                values[key] = int(value.split()[0])
    missing = [field for field in fields if field not in values]
    if missing:
        raise RuntimeError(f"no {', '.join(missing)} in /proc/{pid}/status")
    return values


def rss_kib(pid):
    """VmRSS of a process, in KiB."""
    return memory_kib(pid, "VmRSS")["VmRSS"]


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer", "WARNING: ThreadSanitizer")


def sanitizer_reports(text):
    """Lines of a log where ASan, LSan, UBSan or TSan reported an error."""
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


class ServerProcess:
    """One server started by a test: its argv, a log file receiving stdout and stderr, and the
    means to signal, stop and restart it. Servers of every kind (the relay, DNS, HTTPS, SMTP
    receivers) are run through this class."""

    def __init__(self, name, argv, log_path, env=None, cwd=None):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.process = None

    def start(self):
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        with open(self.log_path, "ab") as log:
            log.write(f"--- start: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env, cwd=self.cwd, start_new_session=True)

    @property
    def pid(self):
        return self.process.pid if self.process else None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self):
        return self.process.poll() if self.process else None

    def send_signal(self, sig):
        self.process.send_signal(sig)

    def wait(self, timeout):
        """Waits for the process to exit; returns its exit status (negative: killed by signal)."""
        return self.process.wait(timeout=timeout)

    def kill(self, sig=signal.SIGKILL, timeout=10):
        """Sends `sig` and waits (bounded) for the process to exit; returns its status."""
        self.send_signal(sig)
        return self.wait(timeout)

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL if it has not exited within `timeout`. Returns the exit status of
        the SIGTERM (None when the process had to be killed), or the status it already had."""
        if self.process is None:
            return None
        if not self.running:
            return self.process.returncode
        self.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            return None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_for_log(self, text, timeout=10):
        """Waits until `text` appears in the log; returns the whole log."""
        return wait_until(lambda: text in self.log_text() and self.log_text(), timeout,
                          what=f"{text!r} in the log of {self.name}")


def run(argv, timeout=60, input=None, check=False, env=None):
    """Runs a short-lived command with a bound; stdout and stderr captured as text."""
    result = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout,
                            env=env)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}")
    return result
