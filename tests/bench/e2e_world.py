"""The world of the end-to-end benchmark, inside the benchmark's network namespace.

make_world(cleanups, workdir, mta_sts=...) starts:
- a DNS server (sts_world.World, dnslib on 127.0.0.53:53) with an MX and an A record for each
  recipient domain: PLAIN_DOMAINS always, STS_DOMAINS too when `mta_sts` is set;
- the receiving MX hosts, listening on every MX address (127.0.0.6x:25) and offering STARTTLS
  with a certificate of the run's test CA that names every MX host, as one of:
  - receiver="sink": tls_sink (sink_receiver.SinkReceiver), which discards every message and
    costs the shared CPUs little, so that the rates measure the relays, as they would with the
    MX hosts on other machines;
  - receiver="postfix": a receiving Postfix (postfix_instance.PostfixReceiver), taking each
    message into a queue in /dev/shm and discarding it (discard(8)): the whole chain on one
    machine, where the receiver's work weighs on the rates as much as the relay's;
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
from sink_receiver import SinkReceiver
from procs import ServerProcess, is_listening, wait_until
from sts_world import World, write_nginx_conf

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
        self.receiver = receiver  # SinkReceiver or PostfixReceiver: arrivals(), sessions()
        self.domains = domains            # recipient domains without a policy
        self.sts_domains = sts_domains    # recipient domains with an enforce policy (or [])


def make_world(cleanups, workdir, mta_sts=False, receiver="sink"):
    """Starts the world described above; everything is stopped by `cleanups` (an object with
    addCleanup(fn, *args), run in reverse order). The sink's binary is $STSRELAY_TLS_SINK."""
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
    listens = [f"{MX_ADDRESS[d]}:25" for d in domains]
    if receiver == "sink":
        receiver = SinkReceiver(shm, listens, mx_leaf, os.environ["STSRELAY_TLS_SINK"])
    else:
        receiver = PostfixReceiver(shm, listens, domains, mx_leaf)
        receiver.configure()
    receiver.start()
    cleanups.addCleanup(receiver.stop)

    if mta_sts:
        policy_leaf = ca.issue(f"mta-sts.{STS_DOMAINS[0]}",
                               dns_names=[f"mta-sts.{d}" for d in STS_DOMAINS[1:]])
        for d in STS_DOMAINS:
            records[f"_mta-sts.{d}"] = [TXT(f"v=STSv1; id={STS_ID}")]
            records[f"mta-sts.{d}"] = [A(POLICY_ADDRESS[d])]
        start_policy_hosts(cleanups, os.path.join(workdir, "e2e-nginx"), policy_leaf)
    return BenchWorld(ca, dns, receiver, PLAIN_DOMAINS, STS_DOMAINS if mta_sts else [])


def start_policy_hosts(cleanups, work, leaf):
    """One nginx, in the foreground, serving https://mta-sts.<domain>/.well-known/mta-sts.txt for
    every domain of STS_DOMAINS on its POLICY_ADDRESS:443 (HTTP/2 offered through ALPN), with
    the media type RFC 8461 §3.2 asks for."""
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    servers = []
    for d in STS_DOMAINS:
        policy = os.path.join(work, f"{d}.txt")
        with open(policy, "w", newline="") as f:
            f.write(policy_text(d))
        servers.append(f"""  server {{
    listen {POLICY_ADDRESS[d]}:443 ssl http2;
    server_name mta-sts.{d};
    ssl_certificate {leaf.chain};
    ssl_certificate_key {leaf.key};
    location = /.well-known/mta-sts.txt {{ types {{ }} default_type "text/plain"; alias {policy}; }}
  }}""")
    conf = write_nginx_conf(work, servers, worker_connections=256, single_process=False)
    nginx = ServerProcess("nginx", ["nginx", "-p", work, "-c", conf, "-e",
                                    os.path.join(work, "error.log")],
                          os.path.join(work, "nginx.out"))
    nginx.start()
    cleanups.addCleanup(nginx.stop)
    for d in STS_DOMAINS:
        wait_until(lambda: is_listening(POLICY_ADDRESS[d], 443), 20,
                   what=f"nginx on {POLICY_ADDRESS[d]}:443")
    return nginx
