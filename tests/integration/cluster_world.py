"""The world of the fleet tests (test_cluster_tlsrpt, test_cluster_reports): three relay nodes on
127.0.0.1-3, one real PostgreSQL (pg_world.py) and, in sts_world.py's world, enforce.test (an
MTA-STS enforce policy, an MX with a test-CA certificate), nopolicy.test (an MX without
STARTTLS) and collector.test (the https: rua endpoint both domains publish)."""

from dnslib import TXT, A

from pg_world import Postgres
from sts_world import DNS, World, mx_records

NODES = ("relay-a", "relay-b", "relay-c")
NODE_ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
MX_ENFORCE = "127.0.0.21"   # mx.enforce.test: a certificate of the test CA for its name
MX_PLAIN = "127.0.0.24"     # mx.nopolicy.test: no STARTTLS
POLICY_HOST = "127.0.0.31"  # mta-sts.enforce.test
COLLECTOR = "127.0.0.40"    # collector.test: the https: rua endpoint
PG_HOST = "127.0.0.60"
POLICY = "version: STSv1\nmode: enforce\nmx: mx.enforce.test\nmax_age: 86400\n"
RUA = "v=TLSRPTv1; rua=https://collector.test/v1/tlsrpt"
RECORDS = {
    **mx_records({"enforce.test": MX_ENFORCE, "nopolicy.test": MX_PLAIN}),
    "collector.test": [A(COLLECTOR)],
    "_mta-sts.enforce.test": [TXT("v=STSv1; id=20261207;")],
    "_smtp._tls.enforce.test": [TXT(RUA)],
    "_smtp._tls.nopolicy.test": [TXT(RUA)],
}
ZONES = ("enforce.test", "nopolicy.test", "collector.test")
WAIT = 30


def start_world(testcase, collector):
    """PostgreSQL, DNS, both MX hosts, the policy host and `collector` (an http.server handler
    class) at collector.test; returns (postgres, mx_enforce, mx_plain)."""
    pg = Postgres(testcase, host=PG_HOST).start()
    world = World(testcase, dict(RECORDS), ZONES)
    mx_enforce = world.receiver(MX_ENFORCE, testcase.ca.issue("mx.enforce.test"))
    mx_plain = world.receiver(MX_PLAIN)
    world.policy_host("enforce.test", POLICY_HOST, testcase.ca.issue("mta-sts.enforce.test"),
                      POLICY)
    world.https(COLLECTOR, testcase.ca.issue("collector.test"), collector)
    return pg, mx_enforce, mx_plain


def node_config(address, ca, cluster):
    """The configuration of the node at `address` with its `cluster` table."""
    return {
        "server": {"listen": [f"{address}:2525"]},
        "delivery": {"dns_servers": [f"{DNS}:53"], "ca_file": ca.pem},
        "queue": {"retry_schedule": ["1h"]},
        "metrics": {"listen": f"{address}:9325"},
        "tlsrpt": {"organization_name": "Fleet Test Org",
                   "contact_info": "mailto:tlsrpt@relay.test",
                   "submitter": "relay.test"},
        "cluster": cluster,
    }
