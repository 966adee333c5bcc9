"""postfix-mta-sts-resolver (Debian's package): the MTA-STS policy daemon that Postfix asks
through smtp_tls_policy_maps = socketmap:inet:HOST:PORT:postfix, here as the MTA-STS half of the
Postfix the benchmarks compare against. It looks up `_mta-sts` TXT records through the system
resolver (the namespace's resolv.conf points at the benchmark's DNS server), fetches policies
over HTTPS trusting the test CA (SSL_CERT_FILE) and answers Postfix with "secure match=..." for
an enforce policy.
"""

import os
import socket

from procs import ServerProcess, is_listening, wait_until

LISTEN = ("127.0.0.1", 8461)


class MtaStsResolver:
    def __init__(self, directory, ca_pem):
        os.makedirs(directory, exist_ok=True)
        self.config = os.path.join(directory, "mta-sts-daemon.yml")
        with open(self.config, "w") as f:
            f.write(f"host: {LISTEN[0]}\nport: {LISTEN[1]}\n"
                    "cache:\n  type: internal\n  options:\n    cache_size: 10000\n"
                    "default_zone:\n  strict_testing: false\n  timeout: 4\n")
        env = dict(os.environ, SSL_CERT_FILE=ca_pem)
        self.process = ServerProcess("mta-sts-daemon",
                                     ["mta-sts-daemon", "-c", self.config, "-v", "warn"],
                                     os.path.join(directory, "mta-sts-daemon.log"), env=env)

    @property
    def socketmap(self):
        """The smtp_tls_policy_maps value that asks this daemon."""
        return f"socketmap:inet:{LISTEN[0]}:{LISTEN[1]}:postfix"

    def start(self):
        self.process.start()
        wait_until(lambda: is_listening(*LISTEN) or not self.process.running, 20,
                   what="mta-sts-daemon listening")
        if not self.process.running:
            raise RuntimeError(f"mta-sts-daemon exited:\n{self.process.log_text()}")
        return self

    def stop(self):
        self.process.stop()

    def query(self, domain):
        """The daemon's answer for `domain` as Postfix would get it (a netstring exchange)."""
        request = f"postfix {domain}".encode()
        with socket.create_connection(LISTEN, timeout=10) as s:
            s.sendall(str(len(request)).encode() + b":" + request + b",")
            data = b""
            while not data.endswith(b","):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        length, _, rest = data.partition(b":")
        return rest[:int(length)].decode()
