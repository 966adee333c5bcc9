"""Private Postfix instances for the benchmarks: PostfixRelay as a relay, PostfixReceiver as
the MX hosts of the end-to-end benchmark.

Never touches /etc/postfix: its own config_directory, queue_directory and data_directory live in a
temporary directory (notes/test-servers.md). PostfixRelay accepts mail for relay from
127.0.0.0/8 on the given address; configure() makes it relay everything to a closed port on
loopback, so every message is deferred and nothing is delivered anywhere (accept rate), and
configure_delivery() makes it resolve MX hosts through the system resolver and deliver with
opportunistic TLS verified against a test CA (end to end). Its queue is durable by design:
cleanup(8) fsyncs each queue file before smtpd(8) answers "250".

Postfix drops privileges to its own users, so this needs real root (a namespace made with
`ip netns add`, not a user namespace).
"""

import json
import os
import shutil
import subprocess
import time

from procs import ServerProcess, is_listening, parse_host_port, wait_until

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

    def configure(self, deliver_via=None, connection_reuse=False, tls_policy_maps=None):
        """As an accept-rate relay (everything deferred towards a closed port), or, with
        `deliver_via` = the test CA's PEM, as an MX-resolving relay that delivers with
        smtp_tls_security_level = may and verifies against that CA; `tls_policy_maps` (a
        Postfix table, e.g. the socketmap of postfix-mta-sts-resolver) raises that per
        destination."""
        if deliver_via is None:
            delivery = [
                # Every message is tried once towards a port nothing listens on, and deferred
                # for an hour (stsrelay in the benchmark does the same with a DNS server that is
                # not there).
                "relayhost=[127.0.0.1]:9",
                "minimal_backoff_time=3600s",
                "maximal_backoff_time=3600s",
                "smtp_dns_support_level=disabled",
            ]
        else:
            delivery = [
                # MX lookups through the system resolver (the namespace's resolv.conf points at
                # the benchmark's DNS server); opportunistic TLS, verified against the test CA.
                "relayhost=",
                "smtp_tls_security_level=may",
                f"smtp_tls_CAfile={deliver_via}",
                "smtp_tls_loglevel=1",
                "smtp_tls_session_cache_database=btree:${data_directory}/smtp_scache",
                "smtp_host_lookup=dns",
                # Postfix's default is a new connection and TLS handshake per delivery;
                # tlsproxy(8) lets it keep TLS connections open between deliveries as well.
                f"smtp_tls_connection_reuse={'yes' if connection_reuse else 'no'}",
            ]
            if tls_policy_maps is not None:
                delivery.append(f"smtp_tls_policy_maps={tls_policy_maps}")
        self._prepare()
        self.postconf(
            "-e",
            *self._instance_settings(),
            "myhostname=postfix.bench.test",
            "mydomain=bench.test",
            "mydestination=",
            "inet_interfaces=loopback-only",
            "inet_protocols=ipv4",
            "mynetworks=127.0.0.0/8",
            "smtpd_relay_restrictions=permit_mynetworks,reject",
            *delivery,
            # No reverse DNS of the client: waiting for it would slow Postfix down for reasons
            # that have nothing to do with relaying mail.
            "smtpd_peername_lookup=no",
            # in_flow_delay makes smtpd wait when the queue manager is not keeping up with
            # arrivals. Off: measure the relay, not a brake.
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
        if connection_reuse:
            # Debian's master.cf does not run tlsproxy(8), which connection reuse goes through.
            self.postconf("-Me", "tlsproxy/unix=tlsproxy unix - - n - 0 tlsproxy")
        self.postconf("-F", "*/*/chroot=n")
        return self

    def _prepare(self):
        """The instance's own directories and master.cf; an empty main.cf (Postfix's built-in
        defaults, then only what configure() sets)."""
        for d in (self.config_dir, self.queue_dir, self.data_dir):
            os.makedirs(d, exist_ok=True)
        shutil.copy(MASTER_CF, os.path.join(self.config_dir, "master.cf"))
        open(os.path.join(self.config_dir, "main.cf"), "w").close()
        os.chown(self.data_dir, _uid("postfix"), -1)

    def _instance_settings(self):
        """What makes it a private instance: its directories, log file and users."""
        return [
            "compatibility_level=3.6",
            f"config_directory={self.config_dir}",
            f"queue_directory={self.queue_dir}",
            f"data_directory={self.data_dir}",
            f"maillog_file={self.log_file}",
            f"maillog_file_prefixes={directory_prefix(self.log_file)}",
            "mail_owner=postfix",
            "setgid_group=postdrop",
        ]

    def configure_delivery(self, ca_pem, connection_reuse=False, tls_policy_maps=None):
        return self.configure(deliver_via=ca_pem, connection_reuse=connection_reuse,
                              tls_policy_maps=tls_policy_maps)

    def tls_counts(self):
        """(sessions whose certificate chain verified, all TLS sessions) from the log: with
        smtp_tls_security_level = may Postfix checks the chain ("Trusted") but not the name."""
        try:
            with open(self.log_file) as f:
                lines = [l for l in f if "TLS connection established" in l]
        except FileNotFoundError:
            return 0, 0
        trusted = sum(1 for l in lines if "Trusted TLS" in l or "Verified TLS" in l)
        return trusted, len(lines)

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

    def master_pid(self):
        """The pid of the instance's master(8): its process tree is the whole instance."""
        with open(os.path.join(self.queue_dir, "pid", "master.pid")) as f:
            return int(f.read().split()[0])

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


class PostfixReceiver(PostfixRelay):
    """A private Postfix as the MX of the benchmark's recipient domains: smtpd on each of
    `listens` (host:25) with STARTTLS (`leaf`, a certs.Leaf), every recipient of `domains`
    accepted, queued durably and discarded by discard(8). arrivals() counts what it took."""

    ARRIVAL = b"status=sent (received)"  # the log line of one message taken and discarded

    def __init__(self, directory, listens, domains, leaf):
        super().__init__(directory, listens[0])
        self.listens = listens
        self.domains = domains
        self.leaf = leaf
        self._log_offset = 0
        self._counts = (0, 0)

    def configure(self, deliver_via=None):
        self._prepare()
        self.postconf(
            "-e",
            *self._instance_settings(),
            "myhostname=mx.receiver.bench.test",
            f"mydestination={','.join(self.domains)}",
            "local_recipient_maps=",
            "local_transport=discard:received",
            "inet_interfaces=all",
            "inet_protocols=ipv4",
            "mynetworks=127.0.0.0/8",
            "smtpd_tls_security_level=may",
            f"smtpd_tls_cert_file={self.leaf.chain}",
            f"smtpd_tls_key_file={self.leaf.key}",
            "smtpd_peername_lookup=no",
            "in_flow_delay=0s",
            "default_process_limit=400",
            "smtpd_client_connection_count_limit=0",
            "smtpd_client_connection_rate_limit=0",
            "message_size_limit=36700160",
            "biff=no",
            "alias_maps=",
            "alias_database=",
        )
        self.postconf("-M#", "smtp/inet")
        for listen in self.listens:
            self.postconf("-Me", f"{listen}/inet={listen} inet n - n - - smtpd")
        self.postconf("-F", "*/*/chroot=n")
        return self

    def arrivals(self):
        """Messages taken and discarded so far (one log line each)."""
        return self._read_log()[0]

    def sessions(self):
        """SMTP connections accepted so far (smtpd logs "connect from" for each)."""
        return self._read_log()[1]

    def _read_log(self):
        """(arrivals, sessions), counting only what the log gained since the last call, so
        polling it often during a run stays cheap."""
        try:
            with open(self.log_file, "rb") as f:
                f.seek(self._log_offset)
                data = f.read()
        except FileNotFoundError:
            return self._counts
        complete = data[:data.rfind(b"\n") + 1]  # a line being written is read next time
        self._log_offset += len(complete)
        arrivals, sessions = self._counts
        self._counts = (arrivals + complete.count(self.ARRIVAL),
                        sessions + complete.count(b"]: connect from "))
        return self._counts


class ProxyReceiver(PostfixReceiver):
    """The MX of one big provider as a receiving Postfix plays it: smtpd with STARTTLS on each of
    `listens`, passing every message before queueing to smtp-sink (smtpd_proxy_filter), which
    answers "250" and keeps nothing. Nothing is queued on the receiving side, so its cost is
    smtpd's (TLS, the protocol) and smtp-sink's. arrivals() counts what smtpd's proxy accepted."""

    SINK = "127.0.0.1:10099"
    ARRIVAL = b"proxy-accept: END-OF-MESSAGE"  # smtpd's line for a message the proxy took

    def __init__(self, directory, listens, domains, leaf):
        super().__init__(directory, listens, domains, leaf)
        self.sink = None

    def configure(self, deliver_via=None):
        super().configure(deliver_via)
        self.postconf("-e", f"smtpd_proxy_filter={self.SINK}", "smtpd_proxy_timeout=60s")
        return self

    def start(self):
        # smtp-sink refuses to keep root's privileges after binding: -u drops them.
        self.sink = ServerProcess("smtp-sink", ["smtp-sink", "-u", "postfix", self.SINK, "1024"],
                                  os.path.join(self.directory, "smtp-sink.log"))
        self.sink.start()
        host, port = parse_host_port(self.SINK)
        wait_until(lambda: is_listening(host, port), 10, what=f"smtp-sink on {self.SINK}")
        super().start()

    def stop(self):
        super().stop()
        if self.sink is not None:
            self.sink.stop()
