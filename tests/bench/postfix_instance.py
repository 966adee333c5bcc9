"""A private Postfix instance set up as a relay, for accept-rate comparisons.

Never touches /etc/postfix: its own config_directory, queue_directory and data_directory live in a
temporary directory (notes/test-servers.md). It accepts mail for relay from 127.0.0.0/8 on the
given address and relays it to a closed port on loopback, so every message is deferred and
nothing is delivered anywhere. Its queue is durable by design:
cleanup(8) fsyncs each queue file before smtpd(8) answers "250".

Postfix drops privileges to its own users, so this needs real root (a namespace made with
`ip netns add`, not a user namespace).
"""

import json
import os
import shutil
import subprocess
import time

MASTER_CF = "/etc/postfix/master.cf"


def _run(argv, timeout=60):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}:\n"
                           f"{result.stdout}{result.stderr}")
    return result.stdout


class PostfixRelay:
    def __init__(self, directory, listen="127.0.0.1:2526"):
        self.directory = directory
        self.listen = listen
        self.config_dir = os.path.join(directory, "etc")
        self.queue_dir = os.path.join(directory, "spool")
        self.data_dir = os.path.join(directory, "lib")
        self.log_file = os.path.join(directory, "maillog")

    def postconf(self, *args):
        return _run(["postconf", "-c", self.config_dir, *args])

    def configure(self):
        for d in (self.config_dir, self.queue_dir, self.data_dir):
            os.makedirs(d, exist_ok=True)
        shutil.copy(MASTER_CF, os.path.join(self.config_dir, "master.cf"))
        # Postfix's built-in defaults, then only the settings below.
        open(os.path.join(self.config_dir, "main.cf"), "w").close()
        os.chown(self.data_dir, _uid("postfix"), -1)
        self.postconf(
            "-e",
            "compatibility_level=3.6",
            f"config_directory={self.config_dir}",
            f"queue_directory={self.queue_dir}",
            f"data_directory={self.data_dir}",
            f"maillog_file={self.log_file}",
            f"maillog_file_prefixes={directory_prefix(self.log_file)}",
            "mail_owner=postfix",
            "setgid_group=postdrop",
            "myhostname=postfix.bench.test",
            "mydomain=bench.test",
            "mydestination=",
            "inet_interfaces=loopback-only",
            "inet_protocols=ipv4",
            "mynetworks=127.0.0.0/8",
            "smtpd_relay_restrictions=permit_mynetworks,reject",
            # Every message is tried once towards a port nothing listens on, and deferred for
            # an hour (stsrelay in the benchmark does the same with a DNS server that is not
            # there).
            "relayhost=[127.0.0.1]:9",
            "minimal_backoff_time=3600s",
            "maximal_backoff_time=3600s",
            # No reverse DNS of the client: there is no DNS in the namespace, and waiting for it
            # would slow Postfix down for reasons that have nothing to do with accepting mail.
            "smtpd_peername_lookup=no",
            "smtp_dns_support_level=disabled",
            # in_flow_delay makes smtpd wait when the queue manager is not keeping up with
            # arrivals. Off: measure accepting.
            "in_flow_delay=0s",
            "message_size_limit=36700160",
            "default_process_limit=200",
            "smtpd_client_connection_count_limit=0",
            "biff=no",
            "alias_maps=",
            "alias_database=",
        )
        # Our own listener instead of port 25, and no chroot (the queue is in a temp dir).
        self.postconf("-M#", "smtp/inet")
        self.postconf("-Me", f"{self.listen}/inet={self.listen} inet n - n - - smtpd")
        self.postconf("-F", "*/*/chroot=n")
        return self

    def start(self):
        try:
            _run(["postfix", "-c", self.config_dir, "start"], timeout=120)
        except RuntimeError as e:
            raise RuntimeError(f"{e}\n{self.log_tail()}") from None

    def log_tail(self, lines=20):
        try:
            with open(self.log_file) as f:
                return "".join(f.readlines()[-lines:])
        except FileNotFoundError:
            return f"(no {self.log_file})"

    def stop(self):
        subprocess.run(["postfix", "-c", self.config_dir, "stop"], capture_output=True,
                       timeout=60)
        # `postfix stop` returns before master has exited; wait (bounded) for its pid file.
        pid_file = os.path.join(self.queue_dir, "pid", "master.pid")
        deadline = time.monotonic() + 30
        while os.path.exists(pid_file) and time.monotonic() < deadline:
            try:
                with open(pid_file) as f:
                    os.kill(int(f.read().split()[0]), 0)
            except (OSError, ValueError, IndexError):
                break
            time.sleep(0.1)

    def queued_count(self):
        """Messages in Postfix's queue: distinct queue ids of `postqueue -j` (a message that the
        queue manager moves between queue directories during the scan is listed twice)."""
        out = _run(["postqueue", "-c", self.config_dir, "-j"])
        return len({json.loads(line)["queue_id"] for line in out.splitlines() if line.strip()})


def directory_prefix(path):
    return os.path.dirname(os.path.abspath(path))


def _uid(user):
    import pwd
    return pwd.getpwnam(user).pw_uid
