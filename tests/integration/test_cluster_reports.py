"""Several relays, one organisation: the TLS-RPT report of each policy
domain and day is built and sent once for the whole fleet, under a lease in the shared
PostgreSQL (tlsrpt_report_leases), stored there with its deliveries (tlsrpt_reports,
tlsrpt_report_deliveries), and handed over when the node holding it dies: the next node sends
the report the dead node stored, not a report of its own.

Three daemons on 127.0.0.1-3 share one real PostgreSQL and deliver mail to the test world
(sts_world.py); their sessions reach the shared counters. Then:

- every node runs the report of the day at once (`stsrelay report send --day D`, the report run
  the daemon's daily timer also makes): the https: collector gets exactly one POST per policy
  domain, with the sum of all three nodes' sessions; the other nodes say which node has it; the
  database holds one report per domain, and `report list` on every node shows both.
- a node dies during the report run: its POST is held at a collector that stalls, and the node
  (its daemon and its report run) is killed with SIGKILL. Another node's run waits while the
  dead node's lease runs (cluster.report_lease, 5 s here), then takes the reports over and sends
  them, once, with the report-id and JSON relay-a stored (counts added since are not in them); a
  third node then finds them sent and sends nothing, and its `report list` shows who sent them.
- the same through the daemons' own daily timers (tlsrpt.send_at "00:00", no random delay) for
  the day before: relay-a's daemon builds and starts sending and is killed; relay-b's and
  relay-c's daemons wait for its lease to run out and one of them sends the stored reports.

Runs under netns_root_run (PostgreSQL refuses uid 0 inside a user namespace)."""

import datetime
import gzip
import http.server
import json
import os
import re
import signal
import subprocess
import threading

from cluster_world import (MX_ENFORCE, MX_PLAIN, NODE_ADDRESSES, NODES, PG_HOST, WAIT,
                           node_config, start_world)
from harness import RelayTestCase, main, message_bytes, send_message, wait_until
from relay_daemon import merge, toml_dumps

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

    def stored_reports(self, day):
        """{domain: (report-id, node that built it, JSON)} of `day` in the shared database."""
        rows = self.pg.query(f"SELECT domain, id, node, json FROM tlsrpt_reports WHERE day = '{day}'")
        return {r[0]: (r[1], r[2], "|".join(r[3:])) for r in rows}

    def assert_sent_stored(self, bodies, stored):
        """Each of `bodies` is the stored report of its domain, byte for byte once unzipped."""
        received = {}
        for body in bodies:
            report = json.loads(gzip.decompress(body))
            received[report["policies"][0]["policy"]["policy-domain"]] = (
                report["report-id"], gzip.decompress(body).decode())
        self.assertEqual(received, {d: (i, j) for d, (i, _, j) in stored.items()})

    def listed(self, relay, day):
        """{domain: (report-id, [delivery states])} of `day` in `report list --json` on `relay`."""
        return {r["domain"]: (r["id"], [d["state"] for d in r["destinations"]])
                for r in json.loads(relay.cli("report", "list", "--json").stdout)
                if r["day"] == day}

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
        # One report per domain in the shared database, the one that was sent, and every node
        # lists the organisation's reports, whichever node built them.
        stored = self.stored_reports(self.day)
        self.assertEqual(set(stored), {"enforce.test", "nopolicy.test"})
        self.assert_sent_stored(StallingCollector.posts, stored)
        for relay in self.relays:
            self.assertEqual(self.listed(relay, self.day),
                             {d: (i, ["sent"]) for d, (i, _, _) in stored.items()})
        # Any node shows any report, as it was built and sent.
        for domain, (report_id, _, report_json) in stored.items():
            shown = self.relays[2].cli("report", "show", report_id).stdout
            self.assertEqual(shown, report_json + "\n")
        # `cluster status` shows the leases these runs took.
        status = self.relays[1].cli("cluster", "status").stdout
        self.assertIn("tls-rpt report leases (2):", status)
        for domain, (node, _, _) in leases.items():
            self.assertIn(f"  {self.day} {domain}  {node}  sent\n", status)
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
        stored = self.stored_reports(self.day)
        self.assertEqual({d: n for d, (_, n, _) in stored.items()},
                         {"enforce.test": "relay-a", "nopolicy.test": "relay-a"})
        # Counts that arrive after relay-a built the reports: a report built again would have
        # them, the stored one does not.
        self.pg.query(f"UPDATE tlsrpt_policy_counts SET successful = successful + 100 "
                      f"WHERE day = '{self.day}'")

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
        self.assert_sent_stored(StallingCollector.posts, stored)
        self.assertEqual(self.stored_reports(self.day), stored, "relay-b built nothing anew")
        self.assertEqual(self.leases(), {"enforce.test": ("relay-b", "sent", 1),
                                         "nopolicy.test": ("relay-b", "sent", 1)})

        # relay-c, later, finds them sent.
        late_out = late.cli("report", "send", "--day", self.day).stdout
        self.assertNotIn(": sent: ", late_out)
        self.assertEqual(len(StallingCollector.posts), 2)

        # `report list` on relay-c, which built nothing, shows both reports and who sent them.
        listed = late.cli("report", "list").stdout
        for domain, (report_id, _, _) in stored.items():
            self.assertRegex(listed, rf"{self.day}  {domain}\s+{re.escape(report_id)}  ")
            self.assertIn(f"  {self.day}  {domain}  sent by relay-b (taken over 1x)", listed)

    def test_a_daemon_killed_while_sending_hands_the_report_to_another_daemons_timer(self):
        dying, heir, late = self.relays
        # Yesterday's counts, for the daily run: the round of setUp moved back a day, with every
        # daemon stopped so that nothing adds to them.
        for relay in self.relays:
            self.assertEqual(relay.stop(), 0)
        yesterday = (datetime.datetime.strptime(self.day, "%Y-%m-%d")
                     - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        self.pg.query(f"UPDATE tlsrpt_policy_counts SET day = '{yesterday}' "
                      f"WHERE day = '{self.day}'")
        # The daily run as soon as a daemon starts: send_at 00:00 with no random delay.
        for relay, node, address in zip(self.relays, NODES, NODE_ADDRESSES):
            relay.rewrite_config(node_config(address, self.ca, {
                "database": self.pg.conninfo, "node_name": node,
                "report_lease": f"{LEASE_SECONDS}s"}) | {
                "tlsrpt": {"organization_name": "Fleet Test Org",
                           "contact_info": "mailto:tlsrpt@relay.test",
                           "submitter": "relay.test", "send_at": "00:00",
                           "max_send_delay": "0s"}})

        # relay-a's daemon builds both reports and hangs in its first POST; it is killed there.
        StallingCollector.stall.set()
        dying.start()
        wait_until(lambda: StallingCollector.held, WAIT, what="relay-a's POST at the collector",
                   interval=0.1)
        stored = self.stored_reports(yesterday)
        self.assertEqual({d: n for d, (_, n, _) in stored.items()},
                         {"enforce.test": "relay-a", "nopolicy.test": "relay-a"})
        dying.kill(signal.SIGKILL)
        StallingCollector.stall.clear()
        StallingCollector.release.set()
        self.assertEqual(StallingCollector.posts, [])
        # Counts that a report built again would have and the stored one has not.
        self.pg.query(f"UPDATE tlsrpt_policy_counts SET successful = successful + 100 "
                      f"WHERE day = '{yesterday}'")

        # relay-b's and relay-c's daemons: their daily run finds the reports built, and their
        # timers wake when relay-a's lease runs out; one of them sends each report, once.
        heir.start()
        late.start()
        wait_until(lambda: len(StallingCollector.posts) >= 2, LEASE_SECONDS + WAIT,
                   what="another daemon to send relay-a's reports", interval=0.2)
        self.assert_sent_stored(StallingCollector.posts, stored)

        def finished():
            leases = {d: (n, s, int(t)) for d, n, s, t in self.pg.query(
                "SELECT domain, node, state, taken_over FROM tlsrpt_report_leases "
                f"WHERE day = '{yesterday}'")}
            return leases if all(s == "sent" for _, s, _ in leases.values()) else None
        leases = wait_until(finished, WAIT, what="the leases to say sent", interval=0.2)
        self.assertEqual(set(leases), {"enforce.test", "nopolicy.test"})
        for node, _, taken_over in leases.values():
            self.assertIn(node, ("relay-b", "relay-c"))
            self.assertEqual(taken_over, 1)
        # Sent once: each delivery is final after one attempt, so no timer sends it again.
        self.assertEqual(sorted(self.pg.query(
            "SELECT d.state, d.attempts FROM tlsrpt_report_deliveries d JOIN tlsrpt_reports r "
            f"ON r.id = d.report_id WHERE r.day = '{yesterday}'")), [["sent", "1"], ["sent", "1"]])
        self.assertEqual(len(StallingCollector.posts), 2)
        self.assertEqual(self.listed(late, yesterday),
                         {d: (i, ["sent"]) for d, (i, _, _) in stored.items()})

    def test_report_commands_say_when_the_database_cannot_be_used(self):
        relay = self.relays[0]
        # The password written in the conninfo must not appear in any message.
        with_password = os.path.join(self.workdir, "with-password.toml")
        with open(with_password, "w") as f:
            f.write(toml_dumps(merge(relay.config, {"cluster": {
                "database": self.pg.conninfo + " password=s3cret-pw"}})))
        self.pg.crash()
        self.addCleanup(self.pg.start)  # the daemons stop with their database back
        for args in (("report", "list"), ("report", "list", "--json"), ("report", "show", "x@y"),
                     ("report", "send", "--day", self.day)):
            with self.subTest(args=args):
                run = relay.cli(*args, "--config", with_password, check=False, config=False)
                self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
                self.assertIn("the cluster database ([cluster] database) cannot be used: "
                              f"postgresql host={PG_HOST} port={self.pg.port}", run.stderr)
                self.assertNotIn("s3cret-pw", run.stdout + run.stderr)
                self.assertNotIn(": sent: ", run.stdout)


if __name__ == "__main__":
    main()
