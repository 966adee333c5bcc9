"""What DANE (RFC 7672) costs end to end: smtp-source -> stsrelay -> MX hosts over STARTTLS, with
DANE applying to every recipient domain, against the same relay with MTA-STS enforce alone.

The world is signed: BIND 9 serves the zone test. (tests/integration/signed_world.py) with, for
each of e2e_world.STS_DOMAINS, an MX record, the MX host's address, a TLSA 3 1 1 record of the
receivers' key at _25._tcp.<mx> and the `_mta-sts` TXT record; Unbound validates it and is both
relays' resolver, so both pay the same DNS path. The MX hosts are one tls_sink
(sink_receiver.SinkReceiver) with a certificate of the run's test CA; nginx serves each domain's
`enforce` policy.

Two stsrelay processes, configured alike, take each load shape in turn:
- "enforce": dane.enforcement = "off": the MTA-STS policy decides, as without DANE;
- "dane+enforce": dane.enforcement = "policy": each MX host's TLSA records are looked up (cached
  for their TTL), STARTTLS is required and the presented key must match; the policy still
  applies beside it.
Each round takes every load shape through both relays in turn, the two taking turns to go
first; with several rounds the table gives each cell's median (one round of a few seconds swings
by a quarter either way) and the range of the ratio. Prints the rates, their ratio and the
relay's CPU per message; asserts nothing.
"""

import os
import statistics

from e2e import Cleanups, Contender, fmt, run_shapes, stop_relay, warm_up
from e2e_world import MX_ADDRESS, STS_DOMAINS, STS_ID, BenchWorld, start_policy_hosts
from e2e_world import POLICY_ADDRESS
from certs import TestCA, spki_sha256
from relay_daemon import StsRelay
from signed_world import RESOLVER, SignedWorld
from sink_receiver import SinkReceiver

ENFORCE_PORT = 2541
DANE_PORT = 2542


def dane_summary(log_text):
    """(sent, with a DANE match) from a relay's delivery log lines."""
    sent = matched = 0
    for line in log_text.splitlines():
        if "status=sent" in line:
            sent += 1
            matched += ":secure:3 1 1:match" in line
    return sent, matched


def median_or_none(values):
    return statistics.median(values) if values and None not in values else None


def median_cpu_ms(measurements):
    return statistics.median(m.per_message_ms(m.relay_cpu) for m in measurements)


def per_session(measurements):
    return sum(m.messages for m in measurements) / max(1, sum(m.sessions for m in measurements))


def dane_cost(workdir, scale, runs, rounds=1):
    cleanups = Cleanups()
    workdir = os.path.join(workdir, "dane")
    os.makedirs(workdir)
    try:
        ca = TestCA(os.path.join(workdir, "ca"))
        mx_leaf = ca.issue(f"mx.{STS_DOMAINS[0]}", dns_names=[f"mx.{d}" for d in STS_DOMAINS[1:]])
        tlsa = "3 1 1 " + spki_sha256(mx_leaf.cert)
        records = {}
        for d in STS_DOMAINS:
            records[d] = [("MX", f"10 mx.{d}.")]
            records[f"mx.{d}"] = [("A", MX_ADDRESS[d])]
            records[f"_25._tcp.mx.{d}"] = [("TLSA", tlsa)]
            records[f"_mta-sts.{d}"] = [("TXT", f'"v=STSv1; id={STS_ID}"')]
            records[f"mta-sts.{d}"] = [("A", POLICY_ADDRESS[d])]
        world_dns = SignedWorld(workdir, records).start()
        cleanups.addCleanup(world_dns.stop)
        receiver = SinkReceiver(workdir, [f"{MX_ADDRESS[d]}:25" for d in STS_DOMAINS], mx_leaf,
                                os.environ["STSRELAY_TLS_SINK"]).start()
        cleanups.addCleanup(receiver.stop)
        policy_leaf = ca.issue(f"mta-sts.{STS_DOMAINS[0]}",
                               dns_names=[f"mta-sts.{d}" for d in STS_DOMAINS[1:]])
        start_policy_hosts(cleanups, os.path.join(workdir, "nginx"), policy_leaf)
        world = BenchWorld(ca, world_dns, receiver, [], STS_DOMAINS)

        relays = {}
        for name, port, dane in (("enforce", ENFORCE_PORT, "off"),
                                 ("dane+enforce", DANE_PORT, "policy")):
            relays[name] = StsRelay(os.path.join(workdir, name), {
                "server": {"listen": [f"127.0.0.1:{port}"], "max_connections": 2000},
                "delivery": {"dns_servers": [f"{RESOLVER}:53"], "ca_file": ca.pem},
                "queue": {"retry_schedule": ["1h"]},
                "dane": {"enforcement": dane},
                "log": {"level": "info"},
            })
            relays[name].start()
            cleanups.addCleanup(stop_relay, name, relays[name])
        contenders = [
            Contender(name, port, STS_DOMAINS, lambda n=name: relays[n].pid,
                      lambda n=name: relays[n].process.log_tail(20))
            for name, port in (("enforce", ENFORCE_PORT), ("dane+enforce", DANE_PORT))
        ]
        warm_up(world, contenders)
        rounds_results = []
        for r in range(rounds):
            print(f"round {r + 1} of {rounds}", flush=True)
            # Every other round the other relay goes first: whatever the first run of a shape
            # leaves behind (the machine's caches, a checkpoint) falls on both alike.
            order = contenders if r % 2 == 0 else contenders[::-1]
            rounds_results.append(run_shapes(world, order, runs, scale))
        sent, matched = dane_summary(relays["dane+enforce"].log_text())
        print(f"dane+enforce: {matched} of {sent} deliveries with dane=...:secure:3 1 1:match",
              flush=True)
        print(f"\nmedians of {rounds} round(s)")
        print(f"{'size':>8} {'clients':>7} {'enforce/s':>10} {'dane/s':>10} {'dane/enf':>8} "
              f"{'range':>11} {'cpu ms enf':>10} {'cpu ms dane':>11} {'m/s enf':>7} {'m/s dane':>8}")
        for size, label, clients, _ in runs:
            e = [rr[("enforce", size, clients)] for rr in rounds_results]
            d = [rr[("dane+enforce", size, clients)] for rr in rounds_results]
            ratios = [y.rate / x.rate for x, y in zip(e, d) if x.rate and y.rate]
            e_rate = median_or_none([m.rate for m in e])
            d_rate = median_or_none([m.rate for m in d])
            ratio = d_rate / e_rate if d_rate and e_rate else None
            spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "failed"
            print(f"{label:>8} {clients:7d} {fmt(e_rate)} {fmt(d_rate)} {fmt(ratio, 8, 2)} "
                  f"{spread:>11} {median_cpu_ms(e):10.2f} {median_cpu_ms(d):11.2f} "
                  f"{per_session(e):7.1f} {per_session(d):8.1f}", flush=True)
        print("dane/enf: median rate with DANE applying to every domain / median rate with "
              "MTA-STS enforce alone; range: the lowest and highest ratio of one round; "
              "cpu ms: the relay's CPU per message; m/s: messages per SMTP connection the "
              "receivers accepted", flush=True)
    finally:
        cleanups.close()
