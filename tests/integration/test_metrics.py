"""The metrics and health endpoint ([metrics] listen) of the real daemon: /metrics moves with a
delivery, /healthz and `stsrelay health` say healthy while it runs, and `stsrelay health` says
unhealthy (exit 1) once it is stopped."""

import urllib.request

from dnslib import MX, A

import harness
from harness import RelayTestCase, message_bytes, wait_until
from procs import is_listening
from sts_world import DNS, World

MX_ADDRESS = "127.0.0.21"
METRICS = "127.0.0.1:9325"
WAIT = 30


def get(path):
    try:
        with urllib.request.urlopen(f"http://{METRICS}{path}", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def sample(text, prefix):
    """The value of the first sample line starting with `prefix`, or None."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return None


class MetricsTest(RelayTestCase):
    def test_scrape_health_and_health_command(self):
        world = World(self, {"metrics.test": [MX("mx.metrics.test", 10)],
                             "mx.metrics.test": [A(MX_ADDRESS)]}, ("metrics.test",))
        box = world.receiver(MX_ADDRESS)
        relay = self.start_relay({"delivery": {"dns_servers": [f"{DNS}:53"]},
                                  "metrics": {"listen": METRICS}})
        # The SMTP listener comes first at start-up; the endpoint a moment later.
        wait_until(lambda: is_listening("127.0.0.1", 9325), WAIT, what="the metrics listener")
        status, text = get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("# TYPE stsrelay_messages_accepted_total counter", text)
        self.assertEqual(sample(text, "stsrelay_messages_accepted_total "), 0)

        content = message_bytes("alice@sender.test", ["bob@metrics.test"], "metrics", ["x"])
        self.assertReply(harness.send_message(relay.port, "alice@sender.test",
                                              ["bob@metrics.test"], content), 250)
        wait_until(lambda: box.received(), WAIT, what="the delivery")

        def moved():
            _, t = get("/metrics")
            sent = sample(t, 'stsrelay_delivery_attempts_total{status="sent",tls="none",'
                             'policy="no-policy"}')
            return t if sent == 1 else None
        text = wait_until(moved, WAIT, what="the delivery counted")
        self.assertEqual(sample(text, "stsrelay_messages_accepted_total "), 1)
        self.assertGreaterEqual(sample(text, "stsrelay_smtp_connections_total "), 1)

        # Healthy (bounded: on a loaded machine one scheduler answer may miss its 2 s).
        status, body = wait_until(lambda: (lambda r: r if r[0] == 200 else None)(get("/healthz")),
                                  WAIT, what="a healthy /healthz")
        self.assertEqual(body, "smtp ok\nqueue ok\ndelivery ok\n")
        healthy = relay.cli("health", check=False)
        self.assertEqual(healthy.returncode, 0, healthy.stdout + healthy.stderr)
        self.assertTrue(healthy.stdout.startswith("healthy"))
        status, _ = get("/nothing")
        self.assertEqual(status, 404)

        self.assertEqual(relay.stop(), 0)
        down = relay.cli("health", check=False)
        self.assertEqual(down.returncode, 1)
        self.assertIn("unhealthy", down.stdout)
        relay.start()


if __name__ == "__main__":
    harness.main()
