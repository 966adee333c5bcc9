"""End-to-end delivery rate: smtp-source → relay → MX hosts over STARTTLS, stsrelay against Postfix.

The world, inside the benchmark's network namespace:
- a DNS server (dnslib, 127.0.0.53:53) with MX and A records for DOMAINS recipient domains and,
  for the enforce runs, `_mta-sts` TXT records and mta-sts.<domain> A records;
- one receiving Postfix instance (postfix_instance.PostfixReceiver) listening on 127.0.0.6x:25
  for every recipient domain, offering STARTTLS with a certificate of a test CA that names every
  MX host; it queues each message (in /dev/shm: the receivers are not what is measured) and
  discards it (discard(8)); arrivals are counted from its log;
- policy hosts (Python HTTPS, HTTP/1.1) serving `mode: enforce` policies for the enforce runs.

Both relays resolve MX hosts through that DNS server (stsrelay: delivery.dns_servers; Postfix:
the system resolver, /etc/resolv.conf bind-mounted by `ip netns exec`) and verify the receivers'
certificates against the test CA (stsrelay: delivery.ca_file; Postfix: smtp_tls_CAfile with
smtp_tls_security_level = may). The rate is messages per second from the first message sent
until the receiver has taken the last one.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from dnslib import MX, TXT, A  # noqa: E402

from certs import TestCA  # noqa: E402
from postfix_instance import PostfixReceiver, PostfixRelay  # noqa: E402
from procs import wait_until  # noqa: E402
from relay_daemon import StsRelay  # noqa: E402
from sts_world import World  # noqa: E402

DOMAINS = [f"d{i}.bench.test" for i in range(1, 5)]
MX_ADDRESS = {d: f"127.0.0.{61 + i}" for i, d in enumerate(DOMAINS)}
POLICY_ADDRESS = {d: f"127.0.0.{71 + i}" for i, d in enumerate(DOMAINS)}
STSRELAY_PORT = 2535
POSTFIX_PORT = 2536
RUN_TIMEOUT = 600


class _Cleanups:
    """What sts_world.World expects of a test case: cleanups, run in reverse at close()."""

    def __init__(self):
        self._cleanups = []

    def addCleanup(self, fn, *args):
        self._cleanups.append((fn, args))

    def close(self):
        while self._cleanups:
            fn, args = self._cleanups.pop()
            try:
                fn(*args)
            except Exception as e:  # keep closing the rest
                print(f"  cleanup {fn}: {e}", flush=True)


def records():
    out = {}
    for d in DOMAINS:
        out[d] = [MX(f"mx.{d}", 10)]
        out[f"mx.{d}"] = [A(MX_ADDRESS[d])]
    return out


def publish_policies(world, ca, recs):
    leaf = ca.issue(f"mta-sts.{DOMAINS[0]}", dns_names=[f"mta-sts.{d}" for d in DOMAINS[1:]])
    for d in DOMAINS:
        recs[f"_mta-sts.{d}"] = [TXT("v=STSv1; id=bench1;")]
        world.policy_host(d, POLICY_ADDRESS[d], leaf,
                          f"version: STSv1\nmode: enforce\nmx: mx.{d}\nmax_age: 86400\n")


def send_load(port, clients, messages, size):
    """smtp-source, split evenly over the recipient domains; returns the seconds it took and
    whether every process succeeded."""
    per_domain = max(1, messages // len(DOMAINS))
    sessions = max(1, clients // len(DOMAINS))
    procs = []
    started = time.monotonic()
    for d in DOMAINS:
        procs.append(subprocess.Popen(
            ["smtp-source", "-s", str(sessions), "-m", str(per_domain), "-l", str(size),
             "-M", "client.bench.test", "-f", "bench@sender.bench.test", "-t", f"rcpt@{d}",
             f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    ok = True
    for p in procs:
        try:
            _, err = p.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            ok = False
            continue
        if p.returncode != 0:
            print(f"  smtp-source failed: {err.decode(errors='replace')[-300:]}", flush=True)
            ok = False
    return per_domain * len(DOMAINS), started, ok


def delivered_rate(receiver, port, clients, messages, size):
    """Messages per second end to end, or None."""
    before = receiver.arrivals()
    total, started, ok = send_load(port, clients, messages, size)
    if not ok:
        return None
    try:
        wait_until(lambda: receiver.arrivals() - before >= total, RUN_TIMEOUT, interval=0.2,
                   what=f"{total} messages at the receiver")
    except TimeoutError as e:
        print(f"  {e} (got {receiver.arrivals() - before})", flush=True)
        return None
    return total / (time.monotonic() - started)


def verified_share(relay_log, pattern):
    lines = [l for l in relay_log.splitlines() if "status=sent" in l]
    verified = sum(1 for l in lines if re.search(pattern, l))
    return verified, len(lines)


def e2e_rates(workdir, scale, runs):
    """Prints one table row per (size, clients): stsrelay, stsrelay with enforce policies,
    Postfix, and the ratios."""
    cleanups = _Cleanups()
    try:
        ca = TestCA(os.path.join(workdir, "e2e-ca"))
        recs = records()
        world = World(cleanups, recs, tuple(DOMAINS) + ("sender.bench.test",))
        # The MX hosts are not what is measured: their queue lives in memory (/dev/shm) so that
        # the receiving side is not the bottleneck of either relay.
        shm = tempfile.mkdtemp(prefix="stsrelay-bench-mx-", dir="/dev/shm")
        os.chmod(shm, 0o755)
        cleanups.addCleanup(shutil.rmtree, shm, True)
        receiver = PostfixReceiver(shm,
                                   [f"{MX_ADDRESS[d]}:25" for d in DOMAINS], DOMAINS,
                                   ca.issue(f"mx.{DOMAINS[0]}",
                                            dns_names=[f"mx.{d}" for d in DOMAINS[1:]]))
        receiver.configure()
        receiver.start()
        cleanups.addCleanup(receiver.stop)

        base = {"server": {"listen": [f"127.0.0.1:{STSRELAY_PORT}"], "max_connections": 2000},
                "delivery": {"dns_servers": ["127.0.0.53:53"], "ca_file": ca.pem},
                "queue": {"retry_schedule": ["1h"]},
                "log": {"level": "info"}}
        postfix = PostfixRelay(os.path.join(workdir, "e2e-postfix"), f"127.0.0.1:{POSTFIX_PORT}")
        postfix.configure_delivery(ca.pem)

        print(f"{'size':>8} {'clients':>7} {'messages':>8} {'stsrelay/s':>10} "
              f"{'+enforce/s':>10} {'postfix/s':>10} {'ratio':>6} {'enforce':>8}", flush=True)
        results = {}
        for run, policy in (("stsrelay", False), ("postfix", None), ("enforce", True)):
            if policy:
                publish_policies(world, ca, recs)
            if run == "postfix":
                postfix.start()
                server_port = POSTFIX_PORT
            else:
                relay = StsRelay(os.path.join(workdir, f"e2e-{run}"), base)
                relay.start()
                server_port = STSRELAY_PORT
            try:
                delivered_rate(receiver, server_port, 8, 40, 1024)  # warm-up: caches, pools
                for size, label, clients, messages in runs:
                    n = max(clients, int(messages * scale))
                    results[(run, size, clients)] = (label, n,
                                                     delivered_rate(receiver, server_port,
                                                                    clients, n, size))
            finally:
                if run == "postfix":
                    trusted, sessions = postfix.tls_counts()
                    print(f"  postfix: {trusted} of {sessions} TLS sessions with a verified "
                          "certificate chain", flush=True)
                    postfix.stop()
                else:
                    verified, sent = verified_share(relay.log_text(), r"tls=TLSv1\.[23]/verified")
                    enforced = sum(1 for l in relay.log_text().splitlines()
                                   if "status=sent" in l and "sts=enforce/" in l)
                    print(f"  {run}: {verified} of {sent} deliveries over verified TLS, "
                          f"{enforced} under an enforce policy", flush=True)
                    relay.stop()
        for size, label, clients, _ in runs:
            ours = results[("stsrelay", size, clients)]
            enforce = results[("enforce", size, clients)][2]
            theirs = results[("postfix", size, clients)][2]
            rate = ours[2]
            ratio = f"{rate / theirs:6.2f}" if rate and theirs else f"{'-':>6}"
            cost = f"{(1 - enforce / rate) * 100:7.1f}%" if rate and enforce else f"{'-':>8}"
            print(f"{label:>8} {clients:7d} {ours[1]:8d} {fmt(rate)} {fmt(enforce)} "
                  f"{fmt(theirs)} {ratio} {cost}", flush=True)
        print("ratio: stsrelay / postfix; enforce: throughput lost with enforce policies in force",
              flush=True)
    finally:
        cleanups.close()


def fmt(rate):
    return f"{rate:10.1f}" if rate is not None else f"{'failed':>10}"
