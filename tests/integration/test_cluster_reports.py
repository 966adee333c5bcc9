"""Several relays, one organisation: the TLS-RPT report of each policy
domain and day is built and sent once for the whole fleet, under a lease in the shared
PostgreSQL (tlsrpt_report_leases), and handed over when the node holding it dies.

Three daemons on 127.0.0.1-3 share one real PostgreSQL and deliver mail to the test world
(sts_world.py); their sessions reach the shared counters. Then:

- every node runs the report of the day at once (`stsrelay report send --day D`, the report run
  the daemon's daily timer also makes): the https: collector gets exactly one POST per policy
  domain, with the sum of all three nodes' sessions; the other nodes say which node has it.
- a node dies during the report run: its POST is held at a collector that stalls, and the node
  (its daemon and its report run) is killed with SIGKILL. Another node's run waits while the
  dead node's lease runs (cluster.report_lease, 5 s here), then takes the reports over and sends
  them, once; a third node then finds them sent and sends nothing, and its `report list` shows
  who sent them.

Runs under netns_root_run (PostgreSQL refuses uid 0 inside a user namespace)."""

import datetime
import gzip
import http.server
import json
import signal
import subprocess
import threading

from cluster_world import (MX_ENFORCE, MX_PLAIN, NODE_ADDRESSES, NODES, WAIT, node_config,
                           start_world)
from harness import RelayTestCase, main, message_bytes, send_message, wait_until

LEASE_SECONDS = 5


class StallingCollector(http.server.BaseHTTPRequestHandler):
    """An https: TLS-RPT endpoint. Answered POSTs go to `posts`; while `stall` is set, a POST is
    kept in `held` and not answered until `release` is set (bounded), then answered 503."""
    protocol_version = "HTTP/1.1"
    posts = []
    held = []
    stall = threading.Event()
    release = threading.Event()
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if StallingCollector.stall.is_set():
            with StallingCollector.lock:
                StallingCollector.held.append(body)
            StallingCollector.release.wait(WAIT)
            self.send_response(503)
        else:
            with StallingCollector.lock:
                StallingCollector.posts.append(body)
            self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def summaries(bodies):
    """{policy domain: [summary, ...]} of the gzipped reports `bodies`."""
    out = {}
    for body in bodies:
        report = json.loads(gzip.decompress(body))
        [policy] = report["policies"]
        out.setdefault(policy["policy"]["policy-domain"], []).append(policy["summary"])
    return out


class ClusterReportsTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        StallingCollector.posts = []
        StallingCollector.held = []
        StallingCollector.stall.clear()
        StallingCollector.release.clear()
        self.addCleanup(StallingCollector.release.set)  # no handler outlives the test
        self.pg, self.mx_enforce, self.mx_plain = start_world(self, StallingCollector)
        self.relays = []
        for node, address in zip(NODES, NODE_ADDRESSES):
            self.relays.append(self.start_relay(node_config(address, self.ca, {
                "database": self.pg.conninfo, "node_name": node,
                "report_lease": f"{LEASE_SECONDS}s"}), name=node))
        self.day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        self.expected = self.deliver_a_round()

    def deliver_a_round(self):
        """Two messages per node to each domain, delivered; returns the shared totals per domain
        once they are every node's sessions: {domain: (successful, failed)}."""
        subjects = {MX_ENFORCE: [], MX_PLAIN: []}
        n = 0
        for relay, node in zip(self.relays, NODES):
            for domain, mx in (("enforce.test", MX_ENFORCE), ("nopolicy.test", MX_PLAIN)) * 2:
                n += 1
                subject, recipient = f"{node} {n}", f"user{n}@{domain}"
                content = message_bytes("alice@sender.test", [recipient], subject, ["fleet"])
                self.assertReply(send_message(relay.port, "alice@sender.test", [recipient],
                                              content, host=relay.host), 250)
                subjects[mx].append(subject)
        wait_until(lambda: set(subjects[MX_ENFORCE]) <= set(self.mx_enforce.subjects())
                   and set(subjects[MX_PLAIN]) <= set(self.mx_plain.subjects()),
                   WAIT, what="every message at its MX")

        def totals():
            rows = {d: (int(s), int(f)) for d, s, f in self.pg.query(
                "SELECT domain, sum(successful), sum(failed) FROM tlsrpt_policy_counts "
                "GROUP BY domain")}
            # Every node's sessions: 2 per domain per node (a retry would only add more).
            if (rows.get("enforce.test", (0, 0))[0] >= 2 * len(NODES)
                    and rows.get("nopolicy.test", (0, 0))[1] >= 2 * len(NODES)):
                return rows
            return None
        rows = wait_until(totals, WAIT, what="every node's sessions in the shared counts",
                          interval=0.2)
        nodes = {n for [n] in self.pg.query("SELECT DISTINCT node FROM tlsrpt_batches")}
        self.assertEqual(nodes, set(NODES), "each node counted its own sessions")
        return rows

    def report_send(self, relay):
        """`report send --day D` on `relay`'s node, started (not waited for)."""
        return subprocess.Popen([relay.binary, "report", "send", "--day", self.day,
                                 "--config", relay.config_path],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def finish(self, process):
        out, _ = process.communicate(timeout=WAIT)
        return out

    def leases(self):
        return {d: (n, s, int(t)) for d, n, s, t in self.pg.query(
            "SELECT domain, node, state, taken_over FROM tlsrpt_report_leases "
            f"WHERE day = '{self.day}'")}

    def assert_one_report_each(self, bodies):
        self.assertEqual(summaries(bodies), {
            "enforce.test": [{"total-successful-session-count": self.expected["enforce.test"][0],
                              "total-failure-session-count": 0}],
            "nopolicy.test": [{"total-successful-session-count": 0,
                               "total-failure-session-count": self.expected["nopolicy.test"][1]}],
        })

    # --- the tests ----------------------------------------------------------------------------

    def test_every_node_runs_the_report_and_one_sends_it(self):
        runs = [self.report_send(r) for r in self.relays]
        outputs = [self.finish(p) for p in runs]
        for p, out in zip(runs, outputs):
            self.assertEqual(p.returncode, 0, out)
        joined = "\n".join(outputs)
        self.assertEqual(joined.count(": sent: HTTP 201"), 2, joined)
        self.assert_one_report_each(StallingCollector.posts)
        leases = self.leases()
        self.assertEqual({d: s for d, (_, s, _) in leases.items()},
                         {"enforce.test": "sent", "nopolicy.test": "sent"})
        self.assertEqual({t for _, _, t in leases.values()}, {0})
        # The nodes that did not send it say who does (or did).
        for out in outputs:
            if ": sent: " not in out:
                self.assertRegex(out, r"enforce\.test: (sent by|held by) node relay-[abc]")
        # Before building, each node flushed its own spool and said when counts last arrived.
        self.assertIn("this node's spool: ", outputs[0])
        for node in NODES:
            self.assertIn(f"node {node}: counts last arrived ", outputs[0])

        # Later runs, on any node, find the reports sent and send nothing.
        again = self.relays[2].cli("report", "send", "--day", self.day).stdout
        self.assertNotIn(": sent: ", again)
        self.assertIn("enforce.test: sent by node relay-", again)
        self.assertEqual(len(StallingCollector.posts), 2)

    def test_a_node_killed_during_the_report_run_hands_it_over(self):
        dying, heir, late = self.relays
        StallingCollector.stall.set()
        run = self.report_send(dying)
        wait_until(lambda: StallingCollector.held, WAIT, what="relay-a's POST at the collector",
                   interval=0.1)
        # relay-a dies: its report run and its daemon, mid-POST.
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=WAIT)
        dying.kill(signal.SIGKILL)
        StallingCollector.stall.clear()
        StallingCollector.release.set()
        self.assertEqual(StallingCollector.posts, [])
        self.assertEqual({d: n for d, (n, _, _) in self.leases().items()},
                         {"enforce.test": "relay-a", "nopolicy.test": "relay-a"})

        # Within relay-a's term, relay-b's run leaves the reports alone ...
        out = self.finish(self.report_send(heir))
        if "taken over from another node" not in out:  # unless the term already ran out
            self.assertIn("enforce.test: held by node relay-a (built) until ", out)
            self.assertEqual(StallingCollector.posts, [])

            # ... and once the term is over, takes them over and sends each once.
            def handed_over():
                run = self.finish(self.report_send(heir))
                return run if ": sent: " in run else None
            out = wait_until(handed_over, LEASE_SECONDS + WAIT, what="relay-b to take over",
                             interval=0.5)
        self.assertEqual(out.count("taken over from another node"), 2, out)
        self.assertEqual(out.count(": sent: HTTP 201"), 2, out)
        self.assert_one_report_each(StallingCollector.posts)
        self.assertEqual(self.leases(), {"enforce.test": ("relay-b", "sent", 1),
                                         "nopolicy.test": ("relay-b", "sent", 1)})

        # relay-c, later, finds them sent.
        late_out = late.cli("report", "send", "--day", self.day).stdout
        self.assertNotIn(": sent: ", late_out)
        self.assertEqual(len(StallingCollector.posts), 2)

        # `report list` on relay-c, which built nothing, shows the fleet's view of both.
        listed = late.cli("report", "list").stdout
        for domain in ("enforce.test", "nopolicy.test"):
            self.assertIn(f"  {self.day}  {domain}  sent by relay-b (taken over 1x)", listed)


if __name__ == "__main__":
    main()
