"""Benchmarks of stsrelay against Postfix: accept rate, end-to-end delivery rate (with and without
MTA-STS enforce policies), and stsrelay's memory with idle connections.

Run through tests/bench/run, which puts it in a network namespace of its own (`ip netns add`) and
gives it a release build.
- Accept rate: for each message size (1 KiB, 100 KiB) and number of concurrent clients (1, 10,
  50), Postfix's smtp-source sends a fixed number of messages (one per connection, one
  recipient) to stsrelay and to a private Postfix relay on the same machine, both keeping their
  queue durable (stsrelay: SQLite, synchronous=FULL; Postfix: fsync'd queue files), and the
  rates in messages per second are printed with their ratio.
- End to end (e2e.py, --e2e for this part alone): smtp-source sends 1 KiB and 100 KiB messages
  with 10 and 50 clients, spread over four recipient domains, into stsrelay and into a Postfix
  relay (smtp_tls_security_level = may); both resolve MX hosts through a DNS server in the
  namespace and deliver over verified STARTTLS to the MX hosts; stsrelay also delivers the same
  load to four domains with an MTA-STS `enforce` policy served by nginx. The MX hosts are played
  twice, by tls_sink (a discarding TLS receiver that costs little: the relays measured) and by a
  receiving Postfix (the whole chain on one machine); --receiver picks one.
  Messages per second from the first message sent until the receivers took the last one, the
  ratio, the CPU per message of each part, and how many deliveries were verified TLS.
- One destination (single_mx.py, --single-mx for this part alone): 1 KiB messages from 20
  smtp-source sessions to one domain with an enforce policy and one MX, a receiving Postfix
  that passes each message to smtp-sink before queueing; stsrelay against Postfix with
  connection reuse and postfix-mta-sts-resolver; medians of at least three rounds, and
  stsrelay's mean time per stage.
- A dead domain's backlog (backlog_e2e.py, --backlog N for this part alone): stsrelay with N
  deferred recipients for a domain whose MX refuses, against stsrelay with an empty queue: new
  mail's accept and end-to-end rates beside it, start-up, RSS, `queue list`/`queue show`, the
  database size, and the drain when the domain comes back.
- Memory: 5,000 idle connections are opened to a fresh stsrelay and its resident memory is read
  from /proc.

It prints figures and asserts nothing about time; each step has a bound.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from cpu_usage import wait_until_quiet  # noqa: E402
from e2e import e2e_rates  # noqa: E402
from dane_cost import dane_cost  # noqa: E402
from single_mx import single_mx  # noqa: E402
from backlog_e2e import backlog_e2e  # noqa: E402
from idle_connections import open_idle_connections  # noqa: E402
from postfix_instance import PostfixRelay  # noqa: E402
from procs import rss_kib, wait_until  # noqa: E402
from relay_daemon import StsRelay  # noqa: E402

STSRELAY_PORT = 2525
POSTFIX_PORT = 2526
DKIM_RSA_PORT = 2527
DKIM_ED_PORT = 2528
SIZES = [(1024, "1 KiB"), (100 * 1024, "100 KiB")]
CLIENTS = [1, 10, 50]
# Messages per run: enough for a few seconds at the rates seen on a 2-core machine.
MESSAGES = {1024: {1: 1000, 10: 4000, 50: 8000}, 100 * 1024: {1: 400, 10: 1500, 50: 3000}}
RUN_TIMEOUT = 240  # seconds for one smtp-source run
# End to end: (size, label, concurrent clients, messages), spread over four recipient domains.
E2E_RUNS = [(1024, "1 KiB", 10, 2000), (1024, "1 KiB", 50, 4000),
            (100 * 1024, "100 KiB", 10, 600), (100 * 1024, "100 KiB", 50, 1200)]
IDLE_CONNECTIONS = 5000
PER_SOURCE = 100   # idle connections per client address: the default max_connections_per_ip


def smtp_source(port, clients, messages, size):
    """Messages per second of one smtp-source run, or None (with a note) when it failed. The run
    starts once the machine is quiet: both servers try to deliver what they accepted, and that
    work must not fall into the other's run. Quiet means the disk too: after Postfix's turn its
    queue files are still being written back when its CPU is idle, and a relay whose run came
    next paid for that write-back in its fsyncs (the one-client rows, bound by fsync, showed it
    most), so the page cache is written out first."""
    os.sync()
    wait_until_quiet(f"port {port}")
    argv = ["smtp-source", "-s", str(clients), "-m", str(messages), "-l", str(size),
            "-M", "client.bench.test", "-f", "bench@example.org", "-t", "rcpt@example.com",
            f"127.0.0.1:{port}"]
    started = time.monotonic()
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"  smtp-source to port {port} did not finish in {RUN_TIMEOUT}s", flush=True)
        return None
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(f"  smtp-source to port {port} failed: {result.stderr.strip()[-300:]}", flush=True)
        return None
    return messages / elapsed


def fmt_rate(rate):
    return f"{rate:10.1f}" if rate is not None else f"{'failed':>10}"


def accept_relay(workdir, name, port, dkim_type=None):
    """A relay that defers everything for an hour; with `dkim_type` ("rsa": 2048 bits, or
    "ed25519") it DKIM-signs the benchmark's mail (From: <bench@example.org>) with such a key."""
    config = {
        "server": {"listen": [f"127.0.0.1:{port}"], "max_connections": 2000},
        "queue": {"retry_schedule": ["1h"]},
        "log": {"level": "info"},
    }
    if dkim_type:
        key = os.path.join(workdir, f"{name}.pem")
        subprocess.run([os.environ["STSRELAY_BIN"], "dkim", "keygen", "--type", dkim_type,
                        "--selector", "bench", "--domain", "example.org", "--out", key],
                       check=True, capture_output=True)
        config["dkim"] = {"sign": [{"domain": "example.org", "selector": "bench",
                                    "key_file": key}]}
    return StsRelay(os.path.join(workdir, name), config)


def row_rates(ports, clients, messages, size, rounds):
    """{name: the median of `rounds` smtp-source runs (None when any failed)} for one row. Each
    round runs every contender once, starting one further along each time, so that drift of a
    shared machine falls on all of them: one round of one row moves by 15 % on this kind of
    machine, a median of three much less."""
    names = list(ports)
    rates = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            rates[name].append(smtp_source(ports[name], clients, messages, size))
    return {name: None if None in v else statistics.median(v) for name, v in rates.items()}


def accept_rates(workdir, scale, rounds=1):
    # Both servers try each message once and defer it for an hour: stsrelay asks a DNS server
    # that is not there (the harness default), Postfix connects to a closed port. Two more
    # stsrelay instances sign every message (RSA-2048, Ed25519): the cost of DKIM at accept.
    relays = {"stsrelay": accept_relay(workdir, "stsrelay", STSRELAY_PORT),
              "+rsa": accept_relay(workdir, "stsrelay-rsa", DKIM_RSA_PORT, "rsa"),
              "+ed25519": accept_relay(workdir, "stsrelay-ed25519", DKIM_ED_PORT, "ed25519")}
    ports = {"stsrelay": STSRELAY_PORT, "+rsa": DKIM_RSA_PORT, "+ed25519": DKIM_ED_PORT,
             "postfix": POSTFIX_PORT}
    postfix = PostfixRelay(os.path.join(workdir, "postfix"), f"127.0.0.1:{POSTFIX_PORT}")
    postfix.configure()
    for relay in relays.values():
        relay.start()
    postfix.start()
    try:
        # Warm-up: first connections, process pools, page cache.
        for port in ports.values():
            smtp_source(port, 10, 100, 1024)
        expected = {name: 100 for name in ports}

        print(f"{'size':>8} {'clients':>7} {'messages':>8} {'stsrelay/s':>10} "
              f"{'postfix/s':>10} {'ratio':>6} {'+rsa/s':>10} {'+ed25519/s':>10} "
              f"{'rsa/plain':>9} {'ed/plain':>8}", flush=True)
        for size, label in SIZES:
            for clients in CLIENTS:
                messages = max(clients, int(MESSAGES[size][clients] * scale))
                rate = row_rates(ports, clients, messages, size, rounds)
                for name in ports:
                    expected[name] += rounds * messages if rate[name] is not None else 0
                ours, theirs = rate["stsrelay"], rate["postfix"]

                def ratio(a, b, width):
                    return f"{a / b:{width}.2f}" if a and b else f"{'-':>{width}}"

                print(f"{label:>8} {clients:7d} {messages:8d} {fmt_rate(ours)} "
                      f"{fmt_rate(theirs)} {ratio(ours, theirs, 6)} {fmt_rate(rate['+rsa'])} "
                      f"{fmt_rate(rate['+ed25519'])} {ratio(rate['+rsa'], ours, 9)} "
                      f"{ratio(rate['+ed25519'], ours, 8)}", flush=True)

        signed = sum(1 for line in relays["+rsa"].log_text().splitlines()
                     if "dkim=example.org/bench" in line)
        print(f"stsrelay+rsa: {signed} accepted messages logged as signed")
        # Every message counted as accepted must be in the queue of the server that took it.
        # Postfix's count is read from its queue directories while its queue manager moves
        # files between them, so it is read again until it settles (bounded).
        counters = {name: (lambda r=relay: len(r.queue_list())) for name, relay in relays.items()}
        counters["postfix"] = postfix.queued_count
        for name, count in counters.items():
            last = {}

            def settled():
                last["n"] = count()
                return last["n"] >= expected[name]

            try:
                wait_until(settled, 60, interval=0.5)
            except TimeoutError:
                pass
            print(f"{name}: {last['n']} messages queued, {expected[name]} sent "
                  f"({'all stored' if last['n'] >= expected[name] else 'MISSING'})")
    finally:
        postfix.stop()
        for relay in relays.values():
            status = relay.stop()
            if status != 0:
                print(f"stsrelay exited with status {status}; log: {relay.process.log_tail(20)}")


def idle_memory(workdir):
    sources = (IDLE_CONNECTIONS + PER_SOURCE - 1) // PER_SOURCE
    relay = StsRelay(os.path.join(workdir, "stsrelay-idle"), {
        "server": {"listen": [f"127.0.0.1:{STSRELAY_PORT}"],
                   "max_connections": IDLE_CONNECTIONS + 100,
                   "max_connections_per_ip": PER_SOURCE},
        "log": {"level": "warn"},
    })
    relay.start()
    sockets = []
    try:
        before = rss_kib(relay.pid)
        sockets = open_idle_connections("127.0.0.1", STSRELAY_PORT, IDLE_CONNECTIONS,
                                        PER_SOURCE)
        held = rss_kib(relay.pid)
        print(f"stsrelay RSS: {before / 1024:.1f} MiB with no connection, "
              f"{held / 1024:.1f} MiB with {len(sockets)} idle connections "
              f"(from {sources} client addresses; "
              f"{(held - before) / len(sockets):.1f} KiB per connection)", flush=True)
    finally:
        for s in sockets:
            s.close()
        relay.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the number of messages per run (e.g. 0.1 for a quick run)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="accept rates and the cost of DANE: the median of this many runs per row")
    parser.add_argument("--skip-rates", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--e2e", "--only-e2e", dest="only_e2e", action="store_true",
                        help="only the end-to-end rates (with and without enforce policies)")
    parser.add_argument("--dane", dest="only_dane", action="store_true",
                        help="only the end-to-end cost of DANE (against MTA-STS enforce alone)")
    parser.add_argument("--skip-dane", action="store_true")
    parser.add_argument("--single-mx", dest="only_single_mx", action="store_true",
                        help="only one destination: stsrelay against Postfix with connection "
                             "reuse and postfix-mta-sts-resolver, one MX played by a receiving "
                             "Postfix")
    parser.add_argument("--skip-single-mx", action="store_true")
    parser.add_argument("--backlog", type=int, default=0, metavar="N",
                        help="only a dead domain's backlog of N deferred recipients, end to "
                             "end (backlog_e2e.py: new mail beside it, start-up, queue list, "
                             "the drain)")
    parser.add_argument("--skip-drain", action="store_true",
                        help="with --backlog: not the drain")
    parser.add_argument("--receiver", choices=("sink", "postfix", "both"), default="both",
                        help="the end-to-end benchmark's MX hosts: tls_sink, Postfix, or each "
                             "in turn (default)")
    parser.add_argument("--postfix-reuse", action="store_true",
                        help="end to end, Postfix with smtp_tls_connection_reuse = yes (tlsproxy) "
                             "instead of its default, a new TLS connection per delivery")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stsrelay-bench-") as workdir:
        os.chmod(workdir, 0o755)  # Postfix's daemons run as the postfix user and must get in
        print(f"stsrelay: {os.environ.get('STSRELAY_BIN')}; "
              f"{subprocess.run(['postconf', '-d', 'mail_version'], capture_output=True, text=True).stdout.strip()}; "
              f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} before the run",
              flush=True)
        if args.backlog:
            print(f"\na dead domain's backlog of {args.backlog} deferred recipients, end to "
                  "end: stsrelay with it against stsrelay with an empty queue", flush=True)
            args.messages = max(100, int(3000 * args.scale))
            args.rounds = max(3, args.rounds)
            backlog_e2e(args)
            return
        if args.only_dane or args.only_single_mx:
            args.skip_rates = args.skip_e2e = args.skip_idle = True
            args.skip_dane = not args.only_dane
            args.skip_single_mx = not args.only_single_mx
        if not args.skip_rates and not args.only_e2e:
            print("\naccept rate: smtp-source, one message per connection, one recipient; "
                  f"both queues durable; median of {args.rounds} run(s) per row", flush=True)
            accept_rates(workdir, args.scale, args.rounds)
        if not args.skip_e2e:
            receivers = ("sink", "postfix") if args.receiver == "both" else (args.receiver,)
            for receiver in receivers:
                who = ("tls_sink (a discarding TLS receiver: the relays measured)"
                       if receiver == "sink" else "a receiving Postfix (the whole chain)")
                reuse = ("; Postfix with smtp_tls_connection_reuse = yes" if args.postfix_reuse
                         else "")
                print(f"\nend to end: smtp-source -> relay -> MX hosts over STARTTLS, played by "
                      f"{who}, {len(E2E_RUNS)} load shapes, four recipient domains{reuse}",
                      flush=True)
                e2e_rates(workdir, args.scale, E2E_RUNS, receiver, args.postfix_reuse)
        if not args.skip_single_mx and not args.only_e2e:
            print("\none destination: smtp-source -> relay -> one MX (a receiving Postfix, "
                  "before-queue proxy to smtp-sink) over STARTTLS, an MTA-STS enforce policy; "
                  "Postfix with connection reuse and postfix-mta-sts-resolver", flush=True)
            single_mx(workdir, args.scale, max(3, args.rounds))
        if not args.skip_dane and (args.only_dane or not args.only_e2e):
            print("\nend to end, the cost of DANE: smtp-source -> stsrelay -> tls_sink over "
                  "STARTTLS, four domains with TLSA records under DNSSEC (BIND 9 signing, "
                  "Unbound validating) and MTA-STS enforce", flush=True)
            dane_cost(workdir, args.scale, E2E_RUNS, args.rounds)
        if not args.skip_idle and not args.only_e2e:
            idle_memory(workdir)


if __name__ == "__main__":
    main()
