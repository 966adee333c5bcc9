"""One destination: the shape of a small organisation's mail, most of it to one big provider.

smtp-source (20 sessions, 1 KiB messages, one recipient each) -> relay -> one MX host over
STARTTLS, for one recipient domain with an MTA-STS `enforce` policy served by nginx. The MX host
is a receiving Postfix (postfix_instance.ProxyReceiver: smtpd with STARTTLS, every message passed
before queueing to smtp-sink), as a provider's front end would answer: it takes one message per
transaction and costs the shared CPUs what a real smtpd costs.

Two contenders, with their defaults as a new user would run them, take turns to go first in
each round:
- "stsrelay": stsrelay, MX records from the benchmark's DNS server, the test CA trusted;
- "postfix": Postfix 3.7 with smtp_tls_connection_reuse = yes (tlsproxy keeps TLS connections
  open between deliveries) and postfix-mta-sts-resolver as smtp_tls_policy_maps, so that it
  enforces the same policy ("secure match=...", verified against the same CA).

Beside the rates and the CPU per message, stsrelay's own view of where a message's time goes:
the mean of each stage of stsrelay_stage_duration_seconds (accept_store: end of DATA to the
"250"; plan: route, policy, DNS; connect: a new session up to its TLS verdict; transaction: one
message on a session; record: the job's results committed; job: claim to results recorded)
over each run, read from its /metrics endpoint. Prints figures; asserts nothing.
"""

import os
import shutil
import statistics
import tempfile
import urllib.request

from dnslib import MX, TXT, A

from certs import TestCA
from e2e import Cleanups, Contender, fmt, measure, stop_relay, warm_up
from e2e_world import (MX_ADDRESS, POLICY_ADDRESS, SENDER_DOMAIN, STS_DOMAINS, STS_ID,
                       BenchWorld, start_policy_hosts)
from mta_sts_resolver import MtaStsResolver
from postfix_instance import PostfixRelay, ProxyReceiver
from relay_daemon import StsRelay
from sts_world import World

DOMAIN = STS_DOMAINS[0]
STSRELAY_PORT = 2545
POSTFIX_PORT = 2546
METRICS = "127.0.0.1:9545"
MESSAGES, CLIENTS, SIZE = 3000, 20, 1024
STAGES = ("accept_store", "plan", "connect", "transaction", "record", "job")


def stage_totals():
    """{stage: (seconds, count)} of stsrelay_stage_duration_seconds so far."""
    text = urllib.request.urlopen(f"http://{METRICS}/metrics", timeout=10).read().decode()
    totals = {}
    for line in text.splitlines():
        for kind in ("sum", "count"):
            prefix = f"stsrelay_stage_duration_seconds_{kind}{{stage=\""
            if line.startswith(prefix):
                stage = line[len(prefix):line.index('"', len(prefix))]
                seconds, count = totals.get(stage, (0.0, 0))
                value = float(line.rsplit(" ", 1)[1])
                totals[stage] = (value, count) if kind == "sum" else (seconds, int(value))
    return totals


def stage_means(before, after):
    """{stage: (mean ms, count)} of what happened between two stage_totals()."""
    out = {}
    for stage in STAGES:
        s0, c0 = before.get(stage, (0.0, 0))
        s1, c1 = after.get(stage, (0.0, 0))
        out[stage] = ((s1 - s0) * 1000 / (c1 - c0) if c1 > c0 else 0.0, c1 - c0)
    return out


def start_world(cleanups, workdir):
    ca = TestCA(os.path.join(workdir, "ca"))
    records = {
        DOMAIN: [MX(f"mx.{DOMAIN}", 10)],
        f"mx.{DOMAIN}": [A(MX_ADDRESS[DOMAIN])],
        f"_mta-sts.{DOMAIN}": [TXT(f"v=STSv1; id={STS_ID}")],
        f"mta-sts.{DOMAIN}": [A(POLICY_ADDRESS[DOMAIN])],
    }
    dns = World(cleanups, records, (DOMAIN, SENDER_DOMAIN))
    shm = tempfile.mkdtemp(prefix="stsrelay-bench-mx-", dir="/dev/shm")
    os.chmod(shm, 0o755)  # Postfix's daemons run as the postfix user and must get in
    cleanups.addCleanup(shutil.rmtree, shm, True)
    receiver = ProxyReceiver(shm, [f"{MX_ADDRESS[DOMAIN]}:25"], [DOMAIN],
                             ca.issue(f"mx.{DOMAIN}"))
    receiver.configure()
    receiver.start()
    cleanups.addCleanup(receiver.stop)
    policy_leaf = ca.issue(f"mta-sts.{STS_DOMAINS[0]}",
                           dns_names=[f"mta-sts.{d}" for d in STS_DOMAINS[1:]])
    start_policy_hosts(cleanups, os.path.join(workdir, "nginx"), policy_leaf)
    return BenchWorld(ca, dns, receiver, [], [DOMAIN])


def single_mx(workdir, scale, rounds):
    cleanups = Cleanups()
    workdir = os.path.join(workdir, "single-mx")
    os.makedirs(workdir)
    os.chmod(workdir, 0o755)
    try:
        world = start_world(cleanups, workdir)
        relay = StsRelay(os.path.join(workdir, "stsrelay"), {
            "server": {"listen": [f"127.0.0.1:{STSRELAY_PORT}"], "max_connections": 2000},
            "delivery": {"dns_servers": ["127.0.0.53:53"], "ca_file": world.ca.pem},
            "queue": {"retry_schedule": ["1h"]},
            "log": {"level": "info"},
            "metrics": {"listen": METRICS},
        })
        relay.start()
        cleanups.addCleanup(stop_relay, "stsrelay", relay)
        resolver = MtaStsResolver(os.path.join(workdir, "mta-sts-resolver"), world.ca.pem)
        resolver.start()
        cleanups.addCleanup(resolver.stop)
        postfix = PostfixRelay(os.path.join(workdir, "postfix"), f"127.0.0.1:{POSTFIX_PORT}")
        postfix.configure_delivery(world.ca.pem, connection_reuse=True,
                                   tls_policy_maps=resolver.socketmap)
        postfix.start()
        cleanups.addCleanup(postfix.stop)
        print(f"postfix-mta-sts-resolver answers for {DOMAIN}: {resolver.query(DOMAIN)!r}",
              flush=True)

        contenders = [
            Contender("stsrelay", STSRELAY_PORT, [DOMAIN], lambda: relay.pid,
                      lambda: relay.process.log_tail(20)),
            Contender("postfix", POSTFIX_PORT, [DOMAIN], postfix.master_pid, postfix.log_tail),
        ]
        warm_up(world, contenders)
        n = max(CLIENTS, int(MESSAGES * scale))
        results = {c.name: [] for c in contenders}
        stages = []
        for r in range(rounds):
            for c in (contenders if r % 2 == 0 else contenders[::-1]):
                before = stage_totals() if c.name == "stsrelay" else None
                m = measure(world, c, CLIENTS, n, SIZE)
                if before is not None:
                    stages.append(stage_means(before, stage_totals()))
                results[c.name].append(m)
                print(f"  round {r + 1}: {n} messages, {CLIENTS} clients, {c.name}: "
                      f"{fmt(m.rate).strip()} msg/s", flush=True)
        print_results(results, stages, relay.log_text(), postfix.tls_counts(), n, rounds)
    finally:
        cleanups.close()


def print_results(results, stages, relay_log, postfix_tls, n, rounds):
    enforced = sum(1 for line in relay_log.splitlines()
                   if "status=sent" in line and "sts=enforce/" in line
                   and "tls=TLSv1.3/verified" in line)
    trusted, sessions = postfix_tls
    print(f"stsrelay: {enforced} deliveries under sts=enforce over verified TLSv1.3; postfix: "
          f"{trusted} of {sessions} TLS sessions verified", flush=True)
    print(f"\n{n} messages of 1 KiB per round, {CLIENTS} smtp-source sessions, one MX; "
          f"medians of {rounds} round(s)")
    print(f"{'contender':>10} {'msg/s':>8} {'range':>13} {'relay ms':>8} {'rcvr ms':>7} "
          f"{'src ms':>6} {'busy':>5} {'m/s':>5}")
    rates = {}
    for name, ms in results.items():
        ok = [m for m in ms if m.rate is not None]
        if not ok:
            print(f"{name:>10} {'failed':>8}")
            continue
        rates[name] = statistics.median(m.rate for m in ok)
        spread = f"{min(m.rate for m in ok):.0f}-{max(m.rate for m in ok):.0f}"
        med = lambda f: statistics.median(f(m) for m in ok)  # noqa: E731
        print(f"{name:>10} {rates[name]:8.1f} {spread:>13} "
              f"{med(lambda m: m.per_message_ms(m.relay_cpu)):8.2f} "
              f"{med(lambda m: m.per_message_ms(m.receiver_cpu)):7.2f} "
              f"{med(lambda m: m.per_message_ms(m.source_cpu)):6.2f} "
              f"{med(lambda m: m.busy) * 100:4.0f}% "
              f"{sum(m.messages for m in ok) / max(1, sum(m.sessions for m in ok)):5.1f}",
              flush=True)
    if "stsrelay" in rates and "postfix" in rates:
        print(f"stsrelay / postfix: {rates['stsrelay'] / rates['postfix']:.2f}")
    print("relay/rcvr/src ms: CPU per message of the relay's processes, the receiving Postfix "
          "with smtp-sink, smtp-source; busy: share of both CPUs in use; m/s: messages per "
          "SMTP connection the receiver accepted")
    if stages:
        print("\nstsrelay, where a message's time goes (mean ms per stage, median of the rounds; "
              "n = how many per round)")
        print("  " + " ".join(f"{s:>14}" for s in STAGES))
        print("  " + " ".join(
            f"{statistics.median(r[s][0] for r in stages):8.2f} n={statistics.median(r[s][1] for r in stages):<4.0f}"
            for s in STAGES), flush=True)
