"""The metrics and health endpoint ([metrics] listen) of the real daemon: /metrics moves with
deliveries (verified TLS under an enforce policy, no STARTTLS after a failed policy fetch, a
deferral), /healthz and `stsrelay health` say healthy while it runs, and `stsrelay health`
says unhealthy (exit 1) once it is stopped."""

import os
import re
import tempfile
import urllib.error
import urllib.request

from dnslib import MX, TXT, A

import harness
from certs import TestCA
from harness import RelayTestCase, message_bytes, wait_until
from procs import is_listening
from sts_world import DNS, World

TLS_MX = "127.0.0.21"      # STARTTLS with a certificate of the test CA
PLAIN_MX = "127.0.0.22"    # no STARTTLS
DEAD_MX = "127.0.0.23"     # nothing listens: deferred
ENFORCE_POLICY = "127.0.0.31"
MISSING_POLICY = "127.0.0.32"  # answers 404: a failed fetch
METRICS = "127.0.0.1:9325"
WAIT = 30
SAMPLE = re.compile(r'^stsrelay_[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? '
                    r'([0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?|\+Inf)$')


def get(path):
    try:
        with urllib.request.urlopen(f"http://{METRICS}{path}", timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def samples(text):
    """{'name{labels}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def attempts(status, tls, policy):
    return f'stsrelay_delivery_attempts_total{{status="{status}",tls="{tls}",policy="{policy}"}}'


class MetricsTest(RelayTestCase):
    def test_scrape_health_and_health_command(self):
        work = tempfile.TemporaryDirectory(prefix="stsrelay-metrics-")
        self.addCleanup(work.cleanup)
        ca = TestCA(os.path.join(work.name, "ca"))
        records = {
            "enforce.test": [MX("mx.enforce.test", 10)], "mx.enforce.test": [A(TLS_MX)],
            "_mta-sts.enforce.test": [TXT("v=STSv1; id=1;")],
            "broken.test": [MX("mx.broken.test", 10)], "mx.broken.test": [A(PLAIN_MX)],
            "_mta-sts.broken.test": [TXT("v=STSv1; id=1;")],
            "dead.test": [MX("mx.dead.test", 10)], "mx.dead.test": [A(DEAD_MX)],
        }
        world = World(self, records, ("enforce.test", "broken.test", "dead.test"))
        tls_box = world.receiver(TLS_MX, ca.issue("mx.enforce.test"))
        plain_box = world.receiver(PLAIN_MX)
        leaf = ca.issue("mta-sts.enforce.test", dns_names=["mta-sts.broken.test"])
        world.policy_host("enforce.test", ENFORCE_POLICY, leaf,
                          "version: STSv1\nmode: enforce\nmx: mx.enforce.test\nmax_age: 86400\n")
        world.policy_host("broken.test", MISSING_POLICY, leaf, "", status=404)

        relay = self.start_relay({
            "delivery": {"dns_servers": [f"{DNS}:53"], "ca_file": ca.pem},
            "queue": {"retry_schedule": ["1h"]},
            "metrics": {"listen": METRICS},
        })
        # The SMTP listener comes first at start-up; the endpoint a moment later.
        wait_until(lambda: is_listening("127.0.0.1", 9325), WAIT, what="the metrics listener")
        status, content_type, text = get("/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")
        self.assertIn("# TYPE stsrelay_messages_accepted_total counter", text)
        self.assertEqual(samples(text)["stsrelay_messages_accepted_total"], 0)

        recipients = ["bob@enforce.test", "carol@broken.test", "dave@dead.test"]
        content = message_bytes("alice@sender.test", recipients, "metrics", ["x"])
        self.assertReply(harness.send_message(relay.port, "alice@sender.test", recipients,
                                              content), 250)
        wait_until(lambda: tls_box.received() and plain_box.received(), WAIT,
                   what="both deliveries")

        def all_counted():
            m = samples(get("/metrics")[2])
            # TLS-RPT sessions are recorded just after a job's attempt lines are counted.
            done = (m.get(attempts("sent", "verified", "enforce")) == 1
                    and m.get(attempts("sent", "none", "no-policy")) == 1
                    and m.get(attempts("deferred", "none", "no-policy")) == 1
                    and m.get("stsrelay_tlsrpt_sessions_total", 0) > 0)
            return m if done else None
        m = wait_until(all_counted, WAIT, what="the three attempts counted")
        self.assertEqual(m["stsrelay_messages_accepted_total"], 1)
        self.assertGreaterEqual(m["stsrelay_smtp_connections_total"], 1)
        self.assertEqual(m['stsrelay_queue_recipients{state="deferred"}'], 1)
        self.assertEqual(m["stsrelay_sts_policy_fetches_total"], 2)
        self.assertEqual(m["stsrelay_sts_policy_fetch_failures_total"], 1)
        # MX, A and _mta-sts TXT of three domains, and the policy hosts' A records at least.
        count = m["stsrelay_dns_query_duration_seconds_count"]
        self.assertGreaterEqual(count, 8)
        self.assertEqual(m['stsrelay_dns_query_duration_seconds_bucket{le="+Inf"}'], count)
        self.assertGreater(m["stsrelay_tlsrpt_sessions_total"], 0)
        # The relay's stages: one message stored, three jobs (one per domain) planned, run and
        # recorded, two transactions (the dead MX never got one).
        stage = 'stsrelay_stage_duration_seconds_count{{stage="{}"}}'.format
        m = wait_until(lambda: (lambda m: m if m.get(stage("job")) == 3 else None)(
            samples(get("/metrics")[2])), WAIT, what="three jobs timed")
        self.assertEqual(m[stage("accept_store")], 1)
        self.assertEqual(m[stage("plan")], 3)
        self.assertEqual(m[stage("record")], 3)
        self.assertEqual(m[stage("transaction")], 2)
        self.assertGreaterEqual(m[stage("connect")], 3)
        for line in get("/metrics")[2].splitlines():
            if not line.startswith("#"):
                self.assertRegex(line, SAMPLE)

        # Healthy (bounded: on a loaded machine one check may miss its 2 s).
        def healthy():
            status, _, body = get("/healthz")
            return body if status == 200 else None
        body = wait_until(healthy, WAIT, what="a healthy /healthz")
        # The last line only informs: the dnslib server here answers the DNSSEC validation
        # probe (TXT at the root) with REFUSED, so whether it validates is unknown.
        dnssec = "dnssec unknown: no answer to TXT . (REFUSED): cannot tell whether the " \
                 "resolvers validate"
        self.assertEqual(body, f"smtp ok\nqueue ok\ndelivery ok\n{dnssec}\n")
        answer = wait_until(lambda: (lambda r: r if r.returncode == 0 else None)(
            relay.cli("health", check=False)), WAIT, what="stsrelay health exit 0")
        self.assertEqual(answer.stdout, f"healthy: smtp ok; queue ok; delivery ok; {dnssec}\n")
        self.assertEqual(get("/nothing")[0], 404)

        self.assertEqual(relay.stop(), 0)
        down = relay.cli("health", check=False)
        self.assertEqual(down.returncode, 1)
        self.assertEqual(down.stdout,
                         f"unhealthy: connect to {METRICS}: Connection refused\n")
        relay.start()


if __name__ == "__main__":
    harness.main()
