"""Several relays, one organisation: three daemons on 127.0.0.1-3 share one
real PostgreSQL ([cluster] database) for their TLS-RPT counters, and deliver mail to the test
world (sts_world.py: DNS, an MTA-STS policy host, SMTP receivers, an https: report collector).

- The shared counters are the exact sum of every node's sessions (each node's own count is its
  stsrelay_tlsrpt_sessions_total on /metrics).
- The database is crashed (`pg_ctl -m immediate stop`) while mail flows: mail keeps flowing, the
  nodes' counts wait in their local spools (cluster_spool.db), and once the database is back
  every spool is flushed: the counts are exact again, nothing lost, nothing counted twice.
- A batch whose commit went through but whose reply was lost is still in its node's spool and is
  sent again: put back into a stopped node's spool by hand, it is recognised by its id and adds
  nothing.
- Meanwhile /healthz says the database is degraded (HTTP 200: the node is not down), and the
  metrics count spooled, flushed and failed flushes.
- `stsrelay report send --day D` on one node builds the reports from the shared counters: one per
  policy domain, with every node's sessions.

Runs under netns_root_run (PostgreSQL refuses uid 0 inside a user namespace)."""

import datetime
import gzip
import json
import os
import sqlite3
import urllib.error
import urllib.request

from cluster_world import (MX_ENFORCE, MX_PLAIN, NODE_ADDRESSES, NODES, PG_HOST, WAIT,
                           node_config, start_world)
from harness import RelayTestCase, main, message_bytes, send_message, wait_until
from pg_world import Postgres
from sts_world import Collector


def metric(address, name):
    with urllib.request.urlopen(f"http://{address}:9325/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"{name} is not on the metrics page of {address}")


def healthz(address):
    try:
        with urllib.request.urlopen(f"http://{address}:9325/healthz", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class ClusterTlsRptTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        Collector.posts = []
        self.pg, self.mx_enforce, self.mx_plain = start_world(self, Collector)
        # Secrets the logs must never show: a password file for two nodes, a URI with a password
        # for the third (the test server trusts every local connection and ignores both).
        password_file = os.path.join(self.workdir, "pg-password")
        with open(password_file, "w") as f:
            f.write("file-s3cret\n")
        databases = {
            "relay-a": {"database": self.pg.conninfo, "password_file": password_file},
            "relay-b": {"database": self.pg.conninfo, "password_file": password_file},
            "relay-c": {"database": f"postgresql://{Postgres.USER}:uri-s3cret@{PG_HOST}:"
                                    f"{self.pg.port}/{Postgres.DB}"},
        }
        self.relays = []
        for node, address in zip(NODES, NODE_ADDRESSES):
            self.relays.append(self.start_relay(
                node_config(address, self.ca, {**databases[node], "node_name": node}),
                name=node))
        self.sent = 0

    # --- helpers ------------------------------------------------------------------------------

    def send_round(self, tag):
        """One message per node to each domain; returns the subjects expected at each MX."""
        subjects = {MX_ENFORCE: [], MX_PLAIN: []}
        for relay, node in zip(self.relays, NODES):
            for domain, mx in (("enforce.test", MX_ENFORCE), ("nopolicy.test", MX_PLAIN)):
                self.sent += 1
                subject = f"{tag} {node} {self.sent}"
                recipient = f"user{self.sent}@{domain}"
                content = message_bytes("alice@sender.test", [recipient], subject, ["fleet"])
                self.assertReply(send_message(relay.port, "alice@sender.test", [recipient],
                                              content, host=relay.host), 250)
                subjects[mx].append(subject)
        return subjects

    def wait_delivered(self, subjects):
        def all_there():
            return (set(subjects[MX_ENFORCE]) <= set(self.mx_enforce.subjects())
                    and set(subjects[MX_PLAIN]) <= set(self.mx_plain.subjects()))
        wait_until(all_there, WAIT, what="every message at its MX")

    def node_sessions(self):
        return sum(metric(a, "stsrelay_tlsrpt_sessions_total") for a in NODE_ADDRESSES)

    def shared_totals(self):
        """(successful, failed, failure-detail sum, batch sessions) in the shared database."""
        [[ok, failed]] = self.pg.query(
            "SELECT coalesce(sum(successful), 0), coalesce(sum(failed), 0) "
            "FROM tlsrpt_policy_counts")
        [[details]] = self.pg.query(
            "SELECT coalesce(sum(failed_session_count), 0) FROM tlsrpt_failure_counts")
        [[batches]] = self.pg.query("SELECT coalesce(sum(sessions), 0) FROM tlsrpt_batches")
        return int(ok), int(failed), int(details), int(batches)

    def spooled(self, relay):
        with sqlite3.connect(os.path.join(relay.state_dir, "cluster_spool.db")) as db:
            return db.execute("SELECT count(*) FROM spool_batches").fetchone()[0]

    def wait_shared_equals_nodes(self, what):
        def exact():
            expected = self.node_sessions()
            if any(self.spooled(r) for r in self.relays):
                return None
            ok, failed, _, _ = self.shared_totals()
            return (ok, failed) if ok + failed == expected else None
        return wait_until(exact, WAIT, what=what, interval=0.2)

    def assert_exact(self, delivered, sessions=None):
        """`sessions`: every node's count, when a restart reset one node's metrics."""
        ok, failed, details, batches = self.shared_totals()
        if sessions is None:
            sessions = self.node_sessions()
        self.assertEqual(ok + failed, sessions, "the shared counts are every node's sessions")
        self.assertEqual(batches, sessions, "each batch counted once")
        self.assertEqual(details, failed, "every failed session has its failure detail")
        self.assertGreaterEqual(sessions, delivered)
        # Per domain: enforce.test succeeds, nopolicy.test's MX has no STARTTLS (a failure).
        rows = dict((d, (int(s), int(f))) for d, s, f in self.pg.query(
            "SELECT domain, sum(successful), sum(failed) FROM tlsrpt_policy_counts "
            "GROUP BY domain"))
        self.assertEqual(rows["enforce.test"][1], 0)
        self.assertGreaterEqual(rows["enforce.test"][0], delivered // 2)
        self.assertEqual(rows["nopolicy.test"][0], 0)
        self.assertGreaterEqual(rows["nopolicy.test"][1], delivered // 2)
        return rows

    # --- the test -----------------------------------------------------------------------------

    def test_three_nodes_share_exact_counts_through_a_database_crash(self):
        # Every node migrated (or found migrated) the one schema, under the advisory lock.
        first = self.send_round("before")
        self.wait_delivered(first)
        self.wait_shared_equals_nodes("the shared counts to reach every node's sessions")
        versions = {int(v) for [v] in self.pg.query("SELECT version FROM stsrelay_schema")}
        self.assertEqual(versions, {1, 2, 3, 4})
        nodes = {n for [n] in self.pg.query("SELECT DISTINCT node FROM tlsrpt_batches")}
        self.assertEqual(nodes, set(NODES))
        self.assert_exact(len(NODES) * 2)

        # The database dies while mail flows: delivery goes on, counts wait in the spools.
        self.pg.crash()
        during = self.send_round("during")
        self.wait_delivered(during)
        wait_until(lambda: sum(self.spooled(r) for r in self.relays) >= len(NODES), WAIT,
                   what="every node to spool its counts", interval=0.2)
        for relay in self.relays:
            self.assertTrue(relay.process.running)
        # The node is not down: /healthz says 200 with the database degraded.
        def degraded():
            status, body = healthz(NODE_ADDRESSES[0])
            return status == 200 and "database degraded: " in body
        wait_until(degraded, WAIT, what="/healthz to say the database is degraded", interval=0.2)
        self.assertGreater(metric(NODE_ADDRESSES[0], "stsrelay_cluster_flush_failures_total"), 0)

        # Back: the spools drain in order, and the counts are exact.
        self.pg.start()
        self.wait_shared_equals_nodes("the spools to be flushed after the restart")
        self.assert_exact(len(NODES) * 4)
        for relay, address in zip(self.relays, NODE_ADDRESSES):
            self.assertIn("kept in the local spool", relay.log_text())
            self.assertEqual(metric(address, "stsrelay_cluster_spool_batches"), 0)
            self.assertEqual(metric(address, "stsrelay_cluster_batches_flushed_total"),
                             metric(address, "stsrelay_cluster_batches_spooled_total"))
        wait_until(lambda: "database ok" in healthz(NODE_ADDRESSES[0])[1], WAIT,
                   what="/healthz to say the database is ok", interval=0.2)
        for relay in self.relays:
            log = relay.log_text()
            self.assertIn(f"postgresql host={PG_HOST} port={self.pg.port} dbname=stsrelay", log)
            self.assertNotIn("s3cret", log)

        # A lost reply: a batch the database has is still in a node's spool and is sent again.
        # Put relay-a's first batch back into its spool (as it was before the flush) and
        # restart it: it must be recognised by its id and add nothing.
        relay = self.relays[0]
        [[batch_id, batch_sessions]] = self.pg.query(
            "SELECT id, sessions FROM tlsrpt_batches WHERE node = 'relay-a' "
            "ORDER BY added_at, id LIMIT 1")
        seq = int(batch_id.rsplit("/", 1)[1])
        before = self.shared_totals()
        sessions = self.node_sessions()
        self.assertEqual(relay.stop(), 0)
        fake = [{"day": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
                 "domain": "enforce.test", "policy_type": "sts",
                 "policy_string": ["version: STSv1"], "mx_host": ["mx.enforce.test"],
                 "successful": 1000, "failed": 0, "failures": []}]
        with sqlite3.connect(os.path.join(relay.state_dir, "cluster_spool.db")) as db:
            db.execute("INSERT INTO spool_batches (seq, sessions, counters) VALUES (?, ?, ?)",
                       (seq, int(batch_sessions), json.dumps(fake)))
        relay.start()
        wait_until(lambda: self.spooled(relay) == 0, WAIT, what="the replayed batch to leave",
                   interval=0.2)
        self.assertEqual(self.shared_totals(), before, "a replayed batch counts nothing")

        # The report of the day, built on one node from the shared counters: every node's
        # sessions, one report per policy domain.
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        rows = self.assert_exact(len(NODES) * 4, sessions)
        sent = self.relays[1].cli("report", "send", "--day", day)
        self.assertEqual(sent.stdout.count(": sent: "), 2, sent.stdout)
        posted = {}
        for _, _, body in Collector.posts:
            report = json.loads(gzip.decompress(body))
            [policy] = report["policies"]
            posted[policy["policy"]["policy-domain"]] = policy["summary"]
        self.assertEqual(posted, {
            "enforce.test": {"total-successful-session-count": rows["enforce.test"][0],
                             "total-failure-session-count": 0},
            "nopolicy.test": {"total-successful-session-count": 0,
                              "total-failure-session-count": rows["nopolicy.test"][1]},
        })


if __name__ == "__main__":
    main()
