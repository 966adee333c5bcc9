"""The end-to-end benchmark's receiving MX hosts as one tls_sink process (tests/bench/tls_sink.cpp):
ESMTP with STARTTLS on every MX address, every message discarded. It costs the shared CPUs far
less than a receiving Postfix, so the rates measure the relays rather than their receivers, as
they would with the MX hosts on other machines.

The same interface as postfix_instance.PostfixReceiver: start(), stop(), arrivals(),
sessions(), master_pid().
"""

import os
import struct

from procs import ServerProcess, is_listening, parse_host_port, wait_until


class SinkReceiver:
    def __init__(self, directory, listens, leaf, binary):
        self.listens = listens
        self.counters = os.path.join(directory, "tls_sink.counters")
        self.process = ServerProcess(
            "tls_sink",
            [binary, "--cert", leaf.chain, "--key", leaf.key, "--counters", self.counters,
             *listens],
            os.path.join(directory, "tls_sink.log"))

    def start(self):
        self.process.start()
        for listen in self.listens:
            host, port = parse_host_port(listen)
            wait_until(lambda: is_listening(host, port) or not self.process.running, 10,
                       what=f"tls_sink listening on {listen}")
            if not self.process.running:
                raise RuntimeError(f"tls_sink exited:\n{self.process.log_text()}")
        return self

    def stop(self):
        self.process.stop()

    def master_pid(self):
        return self.process.pid

    def _read(self):
        try:
            with open(self.counters, "rb") as f:
                data = f.read(16)
        except FileNotFoundError:
            return 0, 0
        return struct.unpack("<QQ", data) if len(data) == 16 else (0, 0)

    def arrivals(self):
        """Messages taken and discarded so far."""
        return self._read()[0]

    def sessions(self):
        """SMTP connections accepted so far."""
        return self._read()[1]
