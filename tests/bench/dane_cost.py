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
Prints the rates, their ratio and the relay's CPU per message; asserts nothing.
"""

import os

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


def dane_cost(workdir, scale, runs):
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
        results = run_shapes(world, contenders, runs, scale)
        sent, matched = dane_summary(relays["dane+enforce"].log_text())
        print(f"dane+enforce: {matched} of {sent} deliveries with dane=...:secure:3 1 1:match",
              flush=True)
        print(f"\n{'size':>8} {'clients':>7} {'enforce/s':>10} {'dane/s':>10} {'dane/enf':>8} "
              f"{'cpu ms enf':>10} {'cpu ms dane':>11} {'m/s enf':>7} {'m/s dane':>8}")
        for size, label, clients, _ in runs:
            e = results[("enforce", size, clients)]
            d = results[("dane+enforce", size, clients)]
            ratio = d.rate / e.rate if d.rate and e.rate else None
            print(f"{label:>8} {clients:7d} {fmt(e.rate)} {fmt(d.rate)} {fmt(ratio, 8, 2)} "
                  f"{e.per_message_ms(e.relay_cpu):10.2f} {d.per_message_ms(d.relay_cpu):11.2f} "
                  f"{e.messages / max(1, e.sessions):7.1f} {d.messages / max(1, d.sessions):8.1f}",
                  flush=True)
        print("dane/enf: rate with DANE applying to every domain / with MTA-STS enforce alone; "
              "cpu ms: the relay's CPU per message; m/s: messages per SMTP connection the "
              "receivers accepted", flush=True)
    finally:
        cleanups.close()
