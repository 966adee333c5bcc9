"""A dead domain's backlog, end to end: the daemon with N deferred recipients for one domain
whose MX refuses connections, beside a daemon with an empty queue.

The world: a DNS server with four live recipient domains (d1..d4.bench.test, their MX hosts
played by tls_sink over STARTTLS) and dead.bench.test, whose MX address has nothing listening
until the drain. The backlog is built by `backlog_bench --fill` (tests/bench/backlog_bench.cpp:
messages enqueued through queue::Store, the ingress path's own code, each recipient deferred
once through claim_due() and record(), the delivery engine's), due again spread evenly over the
hour after the fill, so that the daemon retries part of it (and is refused) while it is
measured, as a relay does during an outage.

In each round both daemons (same configuration, each its own state directory) take the same
load in turn, started, warmed up and stopped one after the other:
- start-up: from the process start until SMTP connections are accepted;
- smtp-source, 20 sessions, 1 KiB messages spread over the four live domains: the accept rate
  (messages / smtp-source's time) and the end-to-end rate (until the receivers took the last);
- the relay's CPU per message and its RSS.
Then, for the backlog daemon: `queue list` and `queue show` times, the database size, and the
drain: the dead MX comes up, `stsrelay queue flush` makes the backlog due, and the backlog's
arrivals at that MX are timed while the concurrent sessions to it are sampled (they must stay
within delivery.per_domain_concurrency); during the drain the same new load to the live domains
is sent again, to show whether the backlog starves it. Prints figures; asserts nothing.

  backlog_e2e.py [--backlog N] [--rounds R] [--messages M]   (inside a network namespace)
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from dnslib import MX, A  # noqa: E402

from certs import TestCA  # noqa: E402
from cpu_usage import process_tree_seconds, wait_until_quiet  # noqa: E402
from e2e import Cleanups, send_load, stop_relay  # noqa: E402
from e2e_world import MX_ADDRESS, PLAIN_DOMAINS, SENDER_DOMAIN  # noqa: E402
from procs import wait_until  # noqa: E402
from relay_daemon import StsRelay  # noqa: E402
from sink_receiver import SinkReceiver  # noqa: E402
from sts_world import World  # noqa: E402

DEAD = "dead.bench.test"
DEAD_MX = "127.0.0.70"
PORTS = {"empty": 2555, "backlog": 2556}
CLIENTS, SIZE = 20, 1024
PER_DOMAIN = 20  # delivery.per_domain_concurrency, the default, written out for the check
FILL = os.environ.get("STSRELAY_BACKLOG_BENCH",
                      os.path.join(HERE, "..", "..", "build-release-bench", "tests", "bench",
                                   "backlog_bench"))


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def database_mib(state_dir):
    total = 0
    for suffix in ("", "-wal", "-shm"):
        path = os.path.join(state_dir, "queue.db" + suffix)
        if os.path.exists(path):
            total += os.path.getsize(path)
    return total / 1048576


def established_to(address):
    """TCP connections established to address:25 (the relay's sessions to that MX)."""
    out = subprocess.run(["ss", "-Htn", "state", "established", "dst", f"{address}:25"],
                         capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if line.strip())


def run_load(relay, receiver, messages):
    """One load of new mail to the live domains: (accept/s, end-to-end/s, relay CPU ms/msg)."""
    arrivals = receiver.arrivals()
    cpu = process_tree_seconds(relay.pid)
    started = time.monotonic()
    sent = send_load(relay.port, PLAIN_DOMAINS, CLIENTS, messages, SIZE)
    if sent is None:
        return None, None, None
    accepted = time.monotonic()
    wait_until(lambda: receiver.arrivals() - arrivals >= sent, 600, interval=0.05,
               what=f"{sent} messages at the live receivers")
    done = time.monotonic()
    cpu_ms = (process_tree_seconds(relay.pid) - cpu) * 1000 / sent
    return sent / (accepted - started), sent / (done - started), cpu_ms


def retry_cost(relay, seconds):
    """With no new mail: (the backlog's delivery attempts per second, the relay's CPU ms per
    attempt) over `seconds`, from its log lines (one per attempt) and /proc."""
    def attempts():
        return sum(1 for line in relay.log_text().splitlines()
                   if f"@{DEAD}>" in line and "status=deferred" in line)

    time.sleep(2)  # past the start-up's first claims
    before, cpu = attempts(), process_tree_seconds(relay.pid)
    started = time.monotonic()
    time.sleep(seconds)
    done = attempts() - before
    used = process_tree_seconds(relay.pid) - cpu
    return done / (time.monotonic() - started), (used * 1000 / done) if done else None


def make_relay(workdir, name, ca_pem):
    return StsRelay(os.path.join(workdir, name), {
        "server": {"listen": [f"127.0.0.1:{PORTS[name]}"], "max_connections": 2000},
        "delivery": {"dns_servers": ["127.0.0.53:53"], "ca_file": ca_pem,
                     "per_domain_concurrency": PER_DOMAIN},
        "queue": {"retry_schedule": ["1h"]},
        "log": {"level": "info"},
    })


def timed_cli(relay, *args):
    started = time.monotonic()
    subprocess.run([relay.binary, *args, "--config", relay.config_path],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, timeout=600)
    return time.monotonic() - started


def rounds_of_load(relays, receiver, rounds, messages):
    """Each round starts both relays in turn (the other one first each time), warms each up and
    measures one load; {name: [figures per round]}."""
    figures = {name: [] for name in relays}
    names = list(relays)
    for r in range(rounds):
        for name in names[r % 2:] + names[:r % 2]:
            relay = relays[name]
            wait_until_quiet(name)
            started = time.monotonic()
            relay.start(timeout=120)
            start_s = time.monotonic() - started
            rss_start = status_kib(relay.pid, "VmRSS")
            run_load(relay, receiver, 40)  # first sessions, DNS cache
            accept, e2e, cpu = run_load(relay, receiver, messages)
            fig = {"start": start_s, "accept": accept, "e2e": e2e, "cpu": cpu,
                   "rss_start": rss_start / 1024, "rss": status_kib(relay.pid, "VmRSS") / 1024,
                   "hwm": status_kib(relay.pid, "VmHWM") / 1024}
            figures[name].append(fig)
            print(f"  round {r + 1} {name}: start {start_s:.2f} s, accept {accept:.0f}/s, "
                  f"end to end {e2e:.0f}/s, relay CPU {cpu:.2f} ms/msg, RSS {fig['rss']:.0f} MiB "
                  f"(peak {fig['hwm']:.0f})", flush=True)
            stop_relay(name, relay)
    return figures


def drain(relay, live, dead, backlog, messages):
    """The dead MX is up (`dead` listening); flush, time the backlog's arrivals, sample the
    sessions to it, and send new mail to the live domains meanwhile."""
    relay.start(timeout=120)
    run_load(relay, live, 40)
    arrivals = dead.arrivals()
    peak = {"sessions": 0, "samples": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["sessions"] = max(peak["sessions"], established_to(DEAD_MX))
            peak["samples"] += 1
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.monotonic()
    flush_s = timed_cli(relay, "queue", "flush")
    sampler.start()
    try:
        # New mail once the drain runs at full speed.
        wait_until(lambda: dead.arrivals() - arrivals >= min(backlog // 20, 2000), 300,
                   interval=0.05, what="the drain to start")
        before_new = dead.arrivals()
        new_started = time.monotonic()
        accept, e2e, cpu = run_load(relay, live, messages)
        new_window = time.monotonic() - new_started
        during_new = dead.arrivals() - before_new
        # run_load's CPU is the relay's over the window per new message; the window also
        # delivered part of the backlog.
        cpu_moved = cpu * messages / (messages + during_new)
        wait_until(lambda: dead.arrivals() - arrivals >= backlog, 3600, interval=0.2,
                   what=f"{backlog} backlog messages at the dead domain's MX")
        took = time.monotonic() - started
    finally:
        stop.set()
        sampler.join()
    print(f"  drain: {backlog} messages in {took:.1f} s = {backlog / took:.0f}/s "
          f"(`queue flush` {flush_s:.2f} s); sessions to the domain's MX at most "
          f"{peak['sessions']} in {peak['samples']} samples (per_domain_concurrency "
          f"{PER_DOMAIN} jobs; a session that reached reuse_max_transactions stays "
          f"established until its QUIT is answered); RSS {status_kib(relay.pid, 'VmRSS') / 1024:.0f} MiB, peak "
          f"{status_kib(relay.pid, 'VmHWM') / 1024:.0f} MiB", flush=True)
    print(f"  new mail during the drain: {messages} messages, accept {accept:.0f}/s, end to end "
          f"{e2e:.0f}/s; the backlog meanwhile {during_new / new_window:.0f}/s; relay CPU "
          f"{cpu_moved:.2f} ms per message delivered in that window (new and backlog)",
          flush=True)
    stop_relay("backlog", relay)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--skip-drain", action="store_true")
    backlog_e2e(parser.parse_args())


def backlog_e2e(args):
    """args: backlog, rounds, messages, skip_drain (as main() parses them)."""
    cleanups = Cleanups()
    workdir = tempfile.mkdtemp(prefix="stsrelay-backlog-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    cleanups.addCleanup(shutil.rmtree, workdir, True)
    try:
        ca = TestCA(os.path.join(workdir, "ca"))
        records = {}
        for d in PLAIN_DOMAINS:
            records[d] = [MX(f"mx.{d}", 10)]
            records[f"mx.{d}"] = [A(MX_ADDRESS[d])]
        records[DEAD] = [MX(f"mx.{DEAD}", 10)]
        records[f"mx.{DEAD}"] = [A(DEAD_MX)]
        World(cleanups, records, tuple(PLAIN_DOMAINS) + (DEAD, SENDER_DOMAIN))
        sink = os.environ["STSRELAY_TLS_SINK"]
        live_dir = os.path.join(workdir, "live-mx")
        os.makedirs(live_dir)
        live = SinkReceiver(live_dir, [f"{MX_ADDRESS[d]}:25" for d in PLAIN_DOMAINS],
                            ca.issue(f"mx.{PLAIN_DOMAINS[0]}",
                                     dns_names=[f"mx.{d}" for d in PLAIN_DOMAINS[1:]]), sink)
        live.start()
        cleanups.addCleanup(live.stop)

        relays = {name: make_relay(workdir, name, ca.pem) for name in PORTS}
        state = relays["backlog"].state_dir
        os.makedirs(state, exist_ok=True)
        filled = subprocess.run([FILL, "--fill", str(args.backlog), "--dir", state, "--domain",
                                 DEAD, "--due-from", "60", "--due-spread", "3600"],
                                capture_output=True, text=True, check=True)
        print(f"backlog: {filled.stdout.strip()}; due again from 60 s to one hour later; "
              f"queue.db {database_mib(state):.0f} MiB", flush=True)

        print(f"\n{args.rounds} rounds of {args.messages} new 1 KiB messages, {CLIENTS} "
              "sessions, to four live domains; each daemon started, warmed up, measured, "
              "stopped in turn", flush=True)
        figures = rounds_of_load(relays, live, args.rounds, args.messages)

        relay = relays["backlog"]
        relay.start(timeout=120)
        with sqlite3.connect(f"file:{state}/queue.db?mode=ro", uri=True) as db:
            last_id = db.execute("SELECT id FROM messages ORDER BY seq DESC LIMIT 1").fetchone()[0]
        list_s = timed_cli(relay, "queue", "list")
        show_s = timed_cli(relay, "queue", "show", last_id)
        retries, retry_cpu_ms = retry_cost(relay, 20)
        stop_relay("backlog", relay)
        size_mib = database_mib(state)

        print(f"\n{'':>8} {'start s':>8} {'accept/s':>9} {'e2e/s':>8} {'CPU ms':>7} "
              f"{'RSS MiB':>8} {'peak':>6}")
        medians = {}
        for name in PORTS:
            med = {k: statistics.median(f[k] for f in figures[name])
                   for k in ("start", "accept", "e2e", "cpu", "rss", "hwm")}
            medians[name] = med
            print(f"{name:>8} {med['start']:8.2f} {med['accept']:9.0f} {med['e2e']:8.0f} "
                  f"{med['cpu']:7.2f} {med['rss']:8.0f} {med['hwm']:6.0f}")
        e, b = medians["empty"], medians["backlog"]
        print(f"backlog / empty (medians of {args.rounds}): accept {b['accept'] / e['accept']:.2f}, "
              f"end to end {b['e2e'] / e['e2e']:.2f}, CPU per message {b['cpu'] / e['cpu']:.2f}")
        print(f"backlog of {args.backlog}: `queue list` {list_s:.2f} s, `queue show` "
              f"{show_s:.3f} s, queue.db {size_mib:.0f} MiB; with no new mail the daemon "
              + (f"retried {retries:.0f} of its recipients per second (refused), "
                 f"{retry_cpu_ms:.2f} ms of CPU each" if retry_cpu_ms is not None
                 else "retried none of them (none was due yet)"), flush=True)

        if not args.skip_drain:
            dead_dir = os.path.join(workdir, "dead-mx")
            os.makedirs(dead_dir)
            dead = SinkReceiver(dead_dir, [f"{DEAD_MX}:25"], ca.issue(f"mx.{DEAD}"), sink)
            dead.start()
            cleanups.addCleanup(dead.stop)
            print(f"\nthe dead domain comes back: its MX on {DEAD_MX}:25, `queue flush`",
                  flush=True)
            drain(relay, live, dead, args.backlog, args.messages)
    finally:
        cleanups.close()


if __name__ == "__main__":
    main()
