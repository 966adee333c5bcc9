"""A fleet against one node: the end-to-end rate of N messages through one stsrelay
alone (SQLite), one stsrelay in a fleet, and three stsrelays sharing one real PostgreSQL, and the
database's writes per thousand messages (pg_stat_database.xact_commit and rows written, before
and after a run, until every node's TLS-RPT counts are in). The clients spread their connections
over the nodes, as a TCP load balancer would. The receivers are aiosmtpd on 127.0.0.21-22 (no
STARTTLS: each session is also a TLS-RPT failure count), so the rate is end to end through
Python receivers, the same for every contender. Prints figures; asserts nothing.

    STSRELAY_BIN=build-release/stsrelay tests/integration/netns_root_run \
        python3 -B tests/bench/fleet_bench.py [--messages N] [--clients C]

Needs real root (PostgreSQL, as tests/integration/test_cluster_tlsrpt.py)."""

import argparse
import os
import smtplib
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from dnslib import TXT  # noqa: E402

from harness import RelayTestCase, message_bytes  # noqa: E402
from pg_world import Postgres  # noqa: E402
from procs import wait_until  # noqa: E402
from sts_world import DNS, World, mx_records  # noqa: E402

ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
RECEIVERS = {"one.test": "127.0.0.21", "two.test": "127.0.0.22"}
PG_HOST = "127.0.0.60"
RUA = "v=TLSRPTv1; rua=mailto:tlsrpt@collector.test"
ARGS = argparse.Namespace(messages=1000, clients=8)


def send_batch(address, port, recipients, errors):
    try:
        with smtplib.SMTP(address, port, timeout=120) as smtp:
            for rcpt in recipients:
                content = message_bytes("bench@sender.test", [rcpt], f"fleet {rcpt}", ["x" * 64])
                smtp.sendmail("bench@sender.test", [rcpt], content)
    except Exception as e:  # noqa: BLE001 - reported below
        errors.append(repr(e))


class FleetBench(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.pg = Postgres(self, host=PG_HOST).start()
        records = dict(mx_records(RECEIVERS))
        for domain in RECEIVERS:
            records[f"_smtp._tls.{domain}"] = [TXT(RUA)]
        world = World(self, records, tuple(RECEIVERS))
        self.receivers = [world.receiver(a) for a in RECEIVERS.values()]
        self.own_queries = 0

    def query(self, sql):
        self.own_queries += 1  # each psql -c is one transaction of its own in the figures
        return self.pg.query(sql)

    def stats(self):
        """(commits, rows written, sessions counted, batches), the commits and rows without the
        bench's own queries. Another backend's counts reach pg_stat_database when it reports
        them (PostgreSQL 15: at most once a second), so a final reading waits for them to
        settle."""
        [[commits, rows]] = self.query(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted "
            "FROM pg_stat_database WHERE datname = 'stsrelay'")
        own = self.own_queries
        [[migrated]] = self.query("SELECT to_regclass('tlsrpt_batches') IS NOT NULL")
        if migrated != "t":  # before the first node's first flush
            return int(commits) - own, int(rows), 0, 0
        [[sessions]] = self.query(
            "SELECT coalesce(sum(successful + failed), 0) FROM tlsrpt_policy_counts")
        [[batches]] = self.query("SELECT count(*) FROM tlsrpt_batches")
        return int(commits) - own, int(rows), int(sessions), int(batches)

    def settled_stats(self):
        last = [None]

        def same_twice():
            now = self.stats()
            # Rows written: only the relays write; the commits include the bench's own reads,
            # reported as they end.
            same = last[0] is not None and now[1] == last[0][1]
            last[0] = now
            return now if same else None
        return wait_until(same_twice, 30, what="pg_stat_database to settle", interval=1.5)

    def delivered(self):
        return sum(len(r.subjects()) for r in self.receivers)

    def run_one(self, label, nodes, fleet, n, clients):
        relays = []
        for i in range(nodes):
            config = {
                "server": {"listen": [f"{ADDRESSES[i]}:2525"]},
                "delivery": {"dns_servers": [f"{DNS}:53"]},
                "queue": {"retry_schedule": ["1h"]},
                "tlsrpt": {"organization_name": "Bench Org",
                           "contact_info": "mailto:tlsrpt@relay.test",
                           "submitter": "relay.test"},
            }
            if fleet:
                config["cluster"] = {"database": self.pg.conninfo,
                                     "node_name": f"{label.replace(' ', '-')}-{i}"}
            relays.append(self.start_relay(config, name=f"{label.replace(' ', '-')}-{i}"))
        # Each node connects (and checks the schema version) at its first flush: a few commits
        # per node that the figures include.
        before_pg = self.stats()
        before = self.delivered()
        domains = list(RECEIVERS)
        per_client = [[] for _ in range(clients)]
        for k in range(n):
            per_client[k % clients].append(f"u{k}.{label.replace(' ', '')}@{domains[k % 2]}")
        errors = []
        threads = [threading.Thread(target=send_batch,
                                    args=(relays[c % nodes].host, relays[c % nodes].port,
                                          per_client[c], errors)) for c in range(clients)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        accepted = time.monotonic() - start
        wait_until(lambda: self.delivered() - before >= n, 600, what=f"{label}: every message",
                   interval=0.1)
        elapsed = time.monotonic() - start
        if fleet:
            wait_until(lambda: self.stats()[2] - before_pg[2] >= n, 120,
                       what=f"{label}: the counts in the database", interval=0.2)
        after_pg = self.settled_stats() if fleet else self.stats()
        for r in relays:
            r.stop()
        commits, rows, sessions, batches = (a - b for a, b in zip(after_pg, before_pg))
        return {"label": label, "errors": len(errors), "accept_s": accepted,
                "elapsed_s": elapsed, "rate": n / elapsed,
                "commits_per_1k": commits * 1000 / n if fleet else 0,
                "rows_per_1k": rows * 1000 / n if fleet else 0,
                "batches": batches, "sessions": sessions}

    def test_figures(self):
        n, clients = ARGS.messages, ARGS.clients
        # A short fleet run first: it creates the shared schema, which the figures leave out.
        self.run_one("warm-up", 1, True, 20, 2)
        results = []
        # Interleaved twice, so that drift of a busy machine spreads over all three.
        for _ in range(2):
            results.append(self.run_one("alone", 1, False, n, clients))
            results.append(self.run_one("fleet of 1", 1, True, n, clients))
            results.append(self.run_one("fleet of 3", 3, True, n, clients))
        print(f"\n{n} messages, {clients} clients, 2 recipient domains; {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f} at the end")
        print(f"{'contender':<12} {'msg/s':>8} {'accept s':>9} {'total s':>8} "
              f"{'pg commits/1k':>14} {'pg rows/1k':>11} {'batches':>8} {'sessions':>9} errors")
        for r in results:
            print(f"{r['label']:<12} {r['rate']:8.1f} {r['accept_s']:9.2f} {r['elapsed_s']:8.2f} "
                  f"{r['commits_per_1k']:14.1f} {r['rows_per_1k']:11.1f} {r['batches']:8d} "
                  f"{r['sessions']:9d} {r['errors']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=ARGS.messages)
    parser.add_argument("--clients", type=int, default=ARGS.clients)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
