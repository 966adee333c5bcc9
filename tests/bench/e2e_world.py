"""The world of the end-to-end benchmark, inside the benchmark's network namespace.

make_world(cleanups, workdir, mta_sts=...) starts:
- a DNS server (sts_world.World, dnslib on 127.0.0.53:53) with an MX and an A record for each
  recipient domain: PLAIN_DOMAINS always, STS_DOMAINS too when `mta_sts` is set;
- one receiving Postfix (postfix_instance.PostfixReceiver) listening on every MX address
  (127.0.0.6x:25), offering STARTTLS with a certificate of the run's test CA that names every MX
  host, taking each message into a queue in /dev/shm and discarding it (discard(8)); its log
  counts the arrivals. The receivers are not what is measured, so their queue is in memory;
- with `mta_sts`, MTA-STS for STS_DOMAINS (RFC 8461): a `_mta-sts.<domain>` TXT record
  "v=STSv1; id=1", an A record for mta-sts.<domain>, and nginx on that address:443 serving
  /.well-known/mta-sts.txt (`mode: enforce`, the domain's MX host, max_age 86400) with a
  certificate of the same CA.

Both domain sets share the receivers, so a relay sending to STS_DOMAINS does the same work as
one sending to PLAIN_DOMAINS plus whatever its MTA-STS enforcement costs.
"""

import os
import shutil
import tempfile

from dnslib import MX, TXT, A

from certs import TestCA
from postfix_instance import PostfixReceiver
from sts_world import World

PLAIN_DOMAINS = [f"d{i}.bench.test" for i in range(1, 5)]
STS_DOMAINS = [f"s{i}.bench.test" for i in range(1, 5)]
SENDER_DOMAIN = "sender.bench.test"  # no records: a bounce would go nowhere
MX_ADDRESS = {d: f"127.0.0.{61 + i}" for i, d in enumerate(PLAIN_DOMAINS + STS_DOMAINS)}
POLICY_ADDRESS = {d: f"127.0.0.{81 + i}" for i, d in enumerate(STS_DOMAINS)}
STS_ID = "1"


def policy_text(domain):
    return f"version: STSv1\nmode: enforce\nmx: mx.{domain}\nmax_age: 86400\n"


class BenchWorld:
    def __init__(self, ca, dns, receiver, domains, sts_domains):
        self.ca = ca              # certs.TestCA: relays trust ca.pem
        self.dns = dns            # sts_world.World
        self.receiver = receiver  # PostfixReceiver: arrivals()
        self.domains = domains            # recipient domains without a policy
        self.sts_domains = sts_domains    # recipient domains with an enforce policy (or [])


def make_world(cleanups, workdir, mta_sts=False):
    """Starts the world described above; everything is stopped by `cleanups` (an object with
    addCleanup(fn, *args), run in reverse order)."""
    domains = PLAIN_DOMAINS + (STS_DOMAINS if mta_sts else [])
    ca = TestCA(os.path.join(workdir, "e2e-ca"))
    records = {}
    for d in domains:
        records[d] = [MX(f"mx.{d}", 10)]
        records[f"mx.{d}"] = [A(MX_ADDRESS[d])]
    dns = World(cleanups, records, tuple(domains) + (SENDER_DOMAIN,))

    shm = tempfile.mkdtemp(prefix="stsrelay-bench-mx-", dir="/dev/shm")
    os.chmod(shm, 0o755)  # Postfix's daemons run as the postfix user and must get in
    cleanups.addCleanup(shutil.rmtree, shm, True)
    mx_leaf = ca.issue(f"mx.{domains[0]}", dns_names=[f"mx.{d}" for d in domains[1:]])
    receiver = PostfixReceiver(shm, [f"{MX_ADDRESS[d]}:25" for d in domains], domains, mx_leaf)
    receiver.configure()
    receiver.start()
    cleanups.addCleanup(receiver.stop)

    if mta_sts:
        policy_leaf = ca.issue(f"mta-sts.{STS_DOMAINS[0]}",
                               dns_names=[f"mta-sts.{d}" for d in STS_DOMAINS[1:]])
        nginx_dir = os.path.join(workdir, "e2e-nginx")
        os.makedirs(nginx_dir, exist_ok=True)
        for d in STS_DOMAINS:
            records[f"_mta-sts.{d}"] = [TXT(f"v=STSv1; id={STS_ID}")]
            # Adds the A record of mta-sts.<domain> and stops nginx through `cleanups`.
            dns.nginx_policy_host(d, POLICY_ADDRESS[d], policy_leaf, policy_text(d), nginx_dir)
    return BenchWorld(ca, dns, receiver, PLAIN_DOMAINS, STS_DOMAINS if mta_sts else [])
