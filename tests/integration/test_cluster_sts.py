"""Several relays, one organisation: the MTA-STS policy cache is shared
through PostgreSQL ([cluster] database), and `stsrelay cluster status` shows the fleet.

Two daemons on 127.0.0.1 and 127.0.0.2 share one real PostgreSQL:
- node A delivers once to enforce.test and fetches its enforce policy; the policy host is then
  stopped and enforce.test's MX moved to a host the policy does not list: node B, which never
  fetched the policy, adopted it from the shared cache and defers (sts=enforce/<id>), and the
  unlisted MX gets nothing;
- a new TXT id whose fetch fails on B does not remove or replace the shared policy, and B keeps
  enforcing the one it has (RFC 8461 §3.3);
- the database crashes (`pg_ctl -m immediate stop`): mail keeps flowing on both nodes from their
  local caches; `cluster status` says the database is unreachable (exit 1);
- back up, `cluster status` lists both nodes and the schema version (exit 0); a configuration
  without [cluster] database is a usage error (exit 2).

Runs under netns_root_run (PostgreSQL refuses uid 0 inside a user namespace)."""

import os

from dnslib import TXT, A, MX

from harness import RelayTestCase, main, message_bytes, send_message, wait_until
from pg_world import Postgres
from relay_daemon import toml_dumps
from sts_world import DNS, World, mx_records

NODES = ("relay-a", "relay-b")
NODE_ADDRESSES = ("127.0.0.1", "127.0.0.2")
MX_ENFORCE = "127.0.0.21"   # mx.enforce.test: listed in the policy
MX_ROGUE = "127.0.0.22"     # rogue.enforce.test: a valid certificate, not in the policy
POLICY_HOST = "127.0.0.31"  # mta-sts.enforce.test
PG_HOST = "127.0.0.60"
POLICY_ID = "20261207"
POLICY = "version: STSv1\nmode: enforce\nmx: mx.enforce.test\nmax_age: 86400\n"
RECORDS = {
    **mx_records({"enforce.test": MX_ENFORCE}),
    "rogue.enforce.test": [A(MX_ROGUE)],
    "_mta-sts.enforce.test": [TXT(f"v=STSv1; id={POLICY_ID};")],
}
ZONES = ("enforce.test",)
WAIT = 30


class ClusterStsTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.pg = Postgres(self, host=PG_HOST).start()
        self.records = dict(RECORDS)
        world = World(self, self.records, ZONES)
        self.mx_enforce = world.receiver(MX_ENFORCE, self.ca.issue("mx.enforce.test"))
        self.mx_rogue = world.receiver(MX_ROGUE, self.ca.issue("rogue.enforce.test"))
        self.policy_host = world.policy_host("enforce.test", POLICY_HOST,
                                             self.ca.issue("mta-sts.enforce.test"), POLICY)
        self.relays = []
        for node, address in zip(NODES, NODE_ADDRESSES):
            self.relays.append(self.start_relay({
                "server": {"listen": [f"{address}:2525"]},
                "delivery": {"dns_servers": [f"{DNS}:53"], "ca_file": self.ca.pem},
                "queue": {"retry_schedule": ["1h"]},
                "tlsrpt": {"enabled": False},
                "cluster": {"database": self.pg.conninfo, "node_name": node},
            }, name=node))
        self.sent = 0

    def send(self, relay, recipient):
        self.sent += 1
        subject = f"fleet {self.sent}"
        content = message_bytes("alice@sender.test", [recipient], subject, ["fleet"])
        self.assertReply(send_message(relay.port, "alice@sender.test", [recipient], content,
                                      host=relay.host), 250)
        return subject

    def sent_eventually(self, relay, recipient):
        """The attempt line that sent `recipient`; a first attempt may still see the MX record
        changed a moment ago (the relay caches it for its TTL): deferred ones are retried now."""
        def sent():
            lines = relay.attempt_lines(recipient)
            if any(" status=sent " in l for l in lines):
                return [l for l in lines if " status=sent " in l][-1]
            if lines and " status=deferred " in lines[-1]:
                relay.cli("queue", "flush")
            return None
        return wait_until(sent, WAIT, what=f"{recipient} sent", interval=0.5)

    def shared_policy(self):
        return self.pg.query("SELECT domain, id, node FROM sts_policies")

    def test_a_policy_fetched_by_one_node_enforces_on_another(self):
        a, b = self.relays
        # Node A fetches the policy and delivers to the listed MX.
        subject = self.send(a, "user1@enforce.test")
        self.mx_enforce.with_subject(subject, WAIT)
        self.assertIn(f"sts=enforce/{POLICY_ID}", self.wait_attempt(a, "user1@enforce.test",
                                                                      "sent"))
        wait_until(lambda: self.shared_policy() == [["enforce.test", POLICY_ID, "relay-a"]],
                   WAIT, what="node A's policy in the shared cache", interval=0.2)
        self.assertEqual(self.pg.query("SELECT max(version) FROM stsrelay_schema"), [["4"]])

        # Node B takes it over without fetching it ...
        wait_until(lambda: "mta-sts policy adopted from the shared cache domain=enforce.test "
                           f"id={POLICY_ID}" in b.log_text(), WAIT,
                   what="node B to adopt the shared policy", interval=0.2)
        # ... and enforces it with the policy host gone and an MX the policy does not list.
        self.policy_host.shutdown()
        self.policy_host.server_close()
        self.records["enforce.test"] = [MX(f"rogue.enforce.test", 10)]
        self.send(b, "user2@enforce.test")
        line = self.wait_attempt(b, "user2@enforce.test", "deferred")
        self.assertIn(f"sts=enforce/{POLICY_ID}", line)
        self.assertEqual(self.mx_rogue.subjects(), [])
        self.assertNotIn("mta-sts policy stored", b.log_text(), "node B never fetched")

        # A new id whose fetch fails on B: B keeps enforcing, the shared policy stays.
        self.records["_mta-sts.enforce.test"] = [TXT("v=STSv1; id=20261208;")]
        self.send(b, "user3@enforce.test")
        line = self.wait_attempt(b, "user3@enforce.test", "deferred")
        self.assertIn(f"sts=enforce/{POLICY_ID}", line)
        self.assertEqual(self.shared_policy(), [["enforce.test", POLICY_ID, "relay-a"]])
        self.assertEqual(self.mx_rogue.subjects(), [])

        # The database crashes: both nodes deliver on their local caches.
        self.pg.crash()
        self.records["enforce.test"] = [MX("mx.enforce.test", 10)]
        self.records["_mta-sts.enforce.test"] = [TXT(f"v=STSv1; id={POLICY_ID};")]
        for relay, recipient in ((a, "user4@enforce.test"), (b, "user5@enforce.test")):
            subject = self.send(relay, recipient)
            self.assertIn(f"sts=enforce/{POLICY_ID}", self.sent_eventually(relay, recipient))
            self.mx_enforce.with_subject(subject, WAIT)
        down = a.cli("cluster", "status", check=False)
        self.assertEqual(down.returncode, 1, down.stdout + down.stderr)
        self.assertIn("unreachable", down.stdout)

        # Back: the fleet as the database sees it.
        self.pg.start()
        status = b.cli("cluster", "status", check=False)
        self.assertEqual(status.returncode, 0, status.stdout + status.stderr)
        self.assertIn(f"database: postgresql host={PG_HOST} port={self.pg.port} dbname=stsrelay",
                      status.stdout)
        self.assertIn("reachable, schema version 4", status.stdout)
        for node in NODES:
            self.assertRegex(status.stdout, rf"\n  {node}  alive  version \S+  heartbeat \d+s ago"
                                            r"  spool 0 batches")
        self.assertIn("mta-sts refresh leases (0):", status.stdout)

        # Without [cluster] database there is no fleet: a usage error.
        alone = os.path.join(self.workdir, "alone.toml")
        with open(alone, "w") as f:
            f.write(toml_dumps({k: v for k, v in a.config.items() if k != "cluster"}))
        lonely = a.cli("cluster", "status", "--config", alone, check=False, config=False)
        self.assertEqual(lonely.returncode, 2, lonely.stdout + lonely.stderr)
        self.assertIn("cluster.database is not set", lonely.stderr)
        for relay in self.relays:
            self.assertTrue(relay.process.running)


if __name__ == "__main__":
    main()
