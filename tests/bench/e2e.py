"""End-to-end delivery rate: smtp-source → relay → MX hosts over STARTTLS, stsrelay against
Postfix, in the world of e2e_world.make_world (real DNS, receivers with TLS — tls_sink, or a
receiving Postfix — and nginx policy hosts for the MTA-STS domains).

Three contenders take each load shape in turn, one after the other, so that drift of a shared
machine spreads over all of them:
- "stsrelay": stsrelay with its defaults, recipients in the domains without a policy;
- "postfix": a private Postfix relay, smtp_tls_security_level = may, same domains;
- "stsrelay+enforce": a second stsrelay, configured alike, recipients in the domains whose
  MTA-STS policy is `enforce` (its cost: policy lookup per delivery, the MX check, TLS required
  and judged).
Both relays resolve MX hosts through the benchmark's DNS server (stsrelay:
delivery.dns_servers; Postfix: the system resolver, /etc/resolv.conf bind-mounted by
`ip netns exec`) and verify the receivers' certificates against the test CA (stsrelay:
delivery.ca_file; Postfix: smtp_tls_CAfile).

The rate is messages per second from the start of the first smtp-source until the receivers
have taken the last message. Beside it, the CPU each part spent per message (from /proc: the
relay, the receivers, smtp-source, the DNS server, everything else) and how busy the
whole machine was: on a small machine every part of the run shares the same cores, so a relay's
rate also depends on what its deliveries cost the receivers and the DNS server.
"""

import os
import re
import resource
import subprocess
import time
from dataclasses import dataclass

from cpu_usage import TICKS, machine_jiffies, process_tree_seconds, wait_until_quiet
from e2e_world import make_world
from postfix_instance import PostfixRelay
from procs import wait_until
from relay_daemon import StsRelay

STSRELAY_PORT = 2535
POSTFIX_PORT = 2536
ENFORCE_PORT = 2537
RUN_TIMEOUT = 300  # seconds for one load shape of one contender
SENDER = "bench@sender.bench.test"


class Cleanups:
    """What e2e_world and sts_world expect of their owner: cleanups, run in reverse at close()."""

    def __init__(self):
        self._cleanups = []

    def addCleanup(self, fn, *args):
        self._cleanups.append((fn, args))

    def close(self):
        while self._cleanups:
            fn, args = self._cleanups.pop()
            try:
                fn(*args)
            except Exception as e:  # keep closing the rest, but say what failed
                print(f"  cleanup {getattr(fn, '__qualname__', fn)}: {e}", flush=True)


def spread(total, parts):
    """`total` split into `parts` integers differing by at most one (10, 4 -> 3, 3, 2, 2)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def send_load(port, domains, clients, messages, size):
    """One smtp-source per recipient domain, the clients and messages spread over them; each
    message has one recipient. Returns the number of messages sent, or None when one failed."""
    procs = []
    for d, sessions, count in zip(domains, spread(clients, len(domains)),
                                  spread(messages, len(domains))):
        if count == 0:
            continue
        procs.append(subprocess.Popen(
            ["smtp-source", "-s", str(max(1, sessions)), "-m", str(count), "-l", str(size),
             "-M", "client.bench.test", "-f", SENDER, "-t", f"rcpt@{d}",
             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    ok = True
    for p in procs:
        try:
            _, err = p.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            print(f"  smtp-source to port {port} did not finish in {RUN_TIMEOUT}s", flush=True)
            ok = False
            continue
        if p.returncode != 0:
            print(f"  smtp-source failed: {err.decode(errors='replace').strip()[-300:]}",
                  flush=True)
            ok = False
    return messages if ok else None


@dataclass
class Contender:
    name: str
    port: int
    domains: list
    relay_pid: object  # callable: the pid whose process tree is the relay
    log_tail: object   # callable: the relay's last log lines, shown when its warm-up fails


@dataclass
class Measurement:
    messages: int
    rate: float = None       # messages per second, None when the run failed
    relay_cpu: float = 0.0   # CPU seconds of the relay's process tree
    receiver_cpu: float = 0.0
    source_cpu: float = 0.0  # smtp-source
    dns_cpu: float = 0.0     # this process: mostly its DNS server thread answering the relay
    rest_cpu: float = 0.0    # everything else: kernel threads (journal), other load
    busy: float = 0.0        # share of all CPUs busy during the run (any process)
    sessions: int = 0        # SMTP sessions the receivers accepted

    def per_message_ms(self, cpu):
        return cpu * 1000 / self.messages


def measure(world, contender, clients, messages, size, timeout=RUN_TIMEOUT):
    """One load shape through one contender, end to end, started once the machine is quiet."""
    wait_until_quiet(contender.name)
    receiver = world.receiver
    arrivals_before, sessions_before = receiver.arrivals(), receiver.sessions()
    relay_pid = contender.relay_pid()
    relay_cpu = process_tree_seconds(relay_pid)
    receiver_cpu = process_tree_seconds(receiver.master_pid())
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    busy, total = machine_jiffies()
    started = time.monotonic()

    out = Measurement(messages)
    sent = send_load(contender.port, contender.domains, clients, messages, size)
    if sent is None:
        return out
    try:
        wait_until(lambda: receiver.arrivals() - arrivals_before >= sent, timeout,
                   interval=0.05, what=f"{sent} messages at the receivers")
    except TimeoutError as e:
        print(f"  {contender.name}: {e} (got {receiver.arrivals() - arrivals_before})",
              flush=True)
        return out
    out.rate = sent / (time.monotonic() - started)

    busy_after, total_after = machine_jiffies()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    out.relay_cpu = process_tree_seconds(relay_pid) - relay_cpu
    out.receiver_cpu = process_tree_seconds(receiver.master_pid()) - receiver_cpu
    out.source_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    out.busy = (busy_after - busy) / max(1, total_after - total)
    out.dns_cpu = (own_after.ru_utime + own_after.ru_stime) - (own.ru_utime + own.ru_stime)
    out.rest_cpu = ((busy_after - busy) / TICKS - out.relay_cpu - out.receiver_cpu
                    - out.source_cpu - out.dns_cpu)
    out.sessions = receiver.sessions() - sessions_before
    return out


def warm_up(world, contenders):
    """First connections, process pools, DNS and policy caches, before anything is measured."""
    for c in contenders:
        warm = measure(world, c, 8, 40, 1024, timeout=60)
        if warm.rate is None:
            raise RuntimeError(f"{c.name}: the warm-up did not get through; its log ends:\n"
                               f"{c.log_tail()}")


def run_shapes(world, contenders, runs, scale):
    """Every (size, label, clients, messages) of `runs` (messages times `scale`) through each
    contender in turn; {(name, size, clients): Measurement}."""
    results = {}
    for size, label, clients, messages in runs:
        n = max(clients, int(messages * scale))
        for c in contenders:
            results[(c.name, size, clients)] = m = measure(world, c, clients, n, size)
            print(f"  {label} x {clients} clients, {n} messages, {c.name}: "
                  f"{fmt(m.rate).strip()} msg/s", flush=True)
    return results


def tls_summary(log_text, domains):
    """(sent, over verified TLSv1.3, under an enforce policy) from stsrelay's delivery log lines
    for recipients in `domains`."""
    pattern = re.compile(r"to=<[^>]*@(" + "|".join(re.escape(d) for d in domains) + r")>")
    sent = verified = enforced = 0
    for line in log_text.splitlines():
        if "status=sent" not in line or not pattern.search(line):
            continue
        sent += 1
        verified += "tls=TLSv1.3/verified" in line
        enforced += "sts=enforce/" in line
    return sent, verified, enforced


def fmt(value, width=10, digits=1):
    return f"{value:{width}.{digits}f}" if value is not None else f"{'failed':>{width}}"


def print_tables(runs, results):
    names = ("stsrelay", "postfix", "stsrelay+enforce")
    print(f"\n{'size':>8} {'clients':>7} {'messages':>8} {'stsrelay/s':>10} {'postfix/s':>10} "
          f"{'ratio':>6} {'+enforce/s':>10} {'enforce/plain':>13}")
    for size, label, clients, _ in runs:
        ours, theirs, enforce = (results[(n, size, clients)] for n in names)
        ratio = ours.rate / theirs.rate if ours.rate and theirs.rate else None
        cost = enforce.rate / ours.rate if ours.rate and enforce.rate else None
        print(f"{label:>8} {clients:7d} {ours.messages:8d} {fmt(ours.rate)} {fmt(theirs.rate)} "
              f"{fmt(ratio, 6, 2)} {fmt(enforce.rate)} {fmt(cost, 13, 2)}")
    print("ratio: stsrelay / postfix; enforce/plain: stsrelay with enforce policies / without "
          "(same configuration, other recipient domains)")

    print("\nCPU ms per message: relay = the relay's processes, rcvr = the receivers, "
          "src = smtp-source, dns = this script (its DNS server answering the relay), rest = all "
          "else on the machine (kernel threads, other load); busy = share of both CPUs in use; "
          "m/s = messages per SMTP connection the receivers accepted during the run (connections "
          "a relay kept open from an earlier run are not counted)")
    print(f"{'size':>8} {'clients':>7} | " + " | ".join(f"{n:<37}" for n in names))
    print(f"{'':>8} {'':>7} | " + " | ".join(
        f"{'relay':>5} {'rcvr':>4} {'src':>4} {'dns':>4} {'rest':>4} {'busy':>4} {'m/s':>5}"
        for _ in names))
    for size, label, clients, _ in runs:
        cells = []
        for n in names:
            m = results[(n, size, clients)]
            if m.rate is None:
                cells.append(f"{'failed':>37}")
                continue
            ms = [m.per_message_ms(cpu) for cpu in
                  (m.relay_cpu, m.receiver_cpu, m.source_cpu, m.dns_cpu, m.rest_cpu)]
            cells.append(f"{ms[0]:5.2f} {ms[1]:4.2f} {ms[2]:4.2f} {ms[3]:4.2f} {ms[4]:4.2f} "
                         f"{m.busy * 100:3.0f}% {m.messages / max(1, m.sessions):5.1f}")
        print(f"{label:>8} {clients:7d} | " + " | ".join(cells), flush=True)


def stop_relay(name, relay):
    status = relay.stop()
    if status != 0:
        print(f"  {name} exited with status {status}; log:\n{relay.process.log_tail(20)}",
              flush=True)


def e2e_rates(workdir, scale, runs, receiver, postfix_reuse=False):
    """Runs every (size, label, clients, messages) of `runs` (messages times `scale`) through
    each contender, with the MX hosts played by `receiver` ("sink" or "postfix"), and prints the
    tables; asserts nothing. With `postfix_reuse`, Postfix keeps TLS connections open between
    deliveries (smtp_tls_connection_reuse = yes) instead of its default."""
    cleanups = Cleanups()
    workdir = os.path.join(workdir, f"e2e-{receiver}")
    os.makedirs(workdir)
    os.chmod(workdir, 0o755)  # Postfix's daemons run as the postfix user and must get in
    try:
        world = make_world(cleanups, workdir, mta_sts=True, receiver=receiver)
        # Two stsrelay processes with the same configuration, one per domain set, so that
        # neither's pool of idle connections (delivery reuse, bounded in total) holds the
        # other's sessions.
        relays = {}
        for name, port in (("stsrelay", STSRELAY_PORT), ("stsrelay+enforce", ENFORCE_PORT)):
            relays[name] = StsRelay(os.path.join(workdir, f"e2e-{name}"), {
                "server": {"listen": [f"127.0.0.1:{port}"], "max_connections": 2000},
                "delivery": {"dns_servers": ["127.0.0.53:53"], "ca_file": world.ca.pem},
                "queue": {"retry_schedule": ["1h"]},
                "log": {"level": "info"},
            })
            relays[name].start()
            cleanups.addCleanup(stop_relay, name, relays[name])
        postfix = PostfixRelay(os.path.join(workdir, "e2e-postfix"), f"127.0.0.1:{POSTFIX_PORT}")
        postfix.configure_delivery(world.ca.pem, connection_reuse=postfix_reuse)
        postfix.start()
        cleanups.addCleanup(postfix.stop)

        contenders = [
            Contender("stsrelay", STSRELAY_PORT, world.domains, lambda: relays["stsrelay"].pid,
                      lambda: relays["stsrelay"].process.log_tail(20)),
            Contender("postfix", POSTFIX_PORT, world.domains, postfix.master_pid,
                      postfix.log_tail),
            Contender("stsrelay+enforce", ENFORCE_PORT, world.sts_domains,
                      lambda: relays["stsrelay+enforce"].pid,
                      lambda: relays["stsrelay+enforce"].process.log_tail(20)),
        ]
        warm_up(world, contenders)
        results = run_shapes(world, contenders, runs, scale)

        for name, domains in (("stsrelay", world.domains),
                              ("stsrelay+enforce", world.sts_domains)):
            sent, verified, enforced = tls_summary(relays[name].log_text(), domains)
            print(f"{name}: {verified} of {sent} deliveries tls=TLSv1.3/verified, "
                  f"{enforced} under sts=enforce", flush=True)
        trusted, sessions = postfix.tls_counts()
        print(f"postfix: {trusted} of {sessions} TLS sessions with a verified certificate chain "
              "(smtp_tls_security_level = may checks the chain, not the name)", flush=True)
        print_tables(runs, results)
    finally:
        cleanups.close()
