"""`stsrelay check DOMAIN` against real servers in the test's network namespace (sts_world.py):
DNS, policy hosts over HTTPS (Python HTTP/1.1 and nginx HTTP/2), SMTP receivers with good,
expired and untrusted certificates and without STARTTLS. One domain per diagnosed failure and
one clean domain; each test asserts the exit status, the failing line and its evidence."""

import json
import os

from dnslib import MX, TXT, A

from harness import RelayTestCase
from relay_daemon import StsRelay
from sts_world import DNS, class_world, unknown_ca

GOOD = "127.0.0.61"       # STARTTLS with a certificate of the test CA naming every MX host
PLAIN = "127.0.0.62"      # no STARTTLS
EXPIRED = "127.0.0.63"    # STARTTLS with an expired certificate of the test CA
UNTRUSTED = "127.0.0.64"  # STARTTLS with a certificate of an unknown CA


def policy(mode, *mx):
    return "version: STSv1\nmode: %s\n%smax_age: 604800\n" % (
        mode, "".join(f"mx: {m}\n" for m in mx))


# domain: (MX host, its address), the policy host's address, options for policy_handler.
DOMAINS = {
    "clean.test": ("mx.clean.test", GOOD, "127.0.0.71", {}),
    "notxt.test": ("mx.notxt.test", GOOD, None, {}),
    "missing.test": ("mx.missing.test", GOOD, "127.0.0.72", {"status": 404}),
    "html.test": ("mx.html.test", GOOD, "127.0.0.73", {"content_type": "text/html"}),
    "redirect.test": ("mx.redirect.test", GOOD, "127.0.0.74",
                      {"status": 302,
                       "location": "https://www.redirect.test/.well-known/mta-sts.txt"}),
    "untrustedhost.test": ("mx.untrustedhost.test", GOOD, "127.0.0.75", {}),
    "expiredhost.test": ("mx.expiredhost.test", GOOD, "127.0.0.76", {}),
    "mismatch.test": ("mx.elsewhere.test", GOOD, "127.0.0.77", {}),  # policy: mx.mismatch.test
    "plain.test": ("mx.plain.test", PLAIN, "127.0.0.78", {}),
    "expiredmx.test": ("mx.expiredmx.test", EXPIRED, "127.0.0.79", {}),
    "untrustedmx.test": ("mx.untrustedmx.test", UNTRUSTED, "127.0.0.80", {}),
}
CHANGED = ("changed.test", "mx2.changed.test", "127.0.0.81")  # nginx, rewritten by the test
ZONES = tuple(DOMAINS) + ("changed.test", "elsewhere.test")


def records():
    out = {}
    for domain, (mx, address, policy_address, _) in DOMAINS.items():
        out[domain] = [MX(mx, 10)]
        out[mx] = [A(address)]
        if policy_address:
            out[f"_mta-sts.{domain}"] = [TXT("v=STSv1; id=20261129;")]
    out["_smtp._tls.clean.test"] = [TXT("v=TLSRPTv1; rua=mailto:tlsrpt@clean.test")]
    domain, mx, _ = CHANGED
    out[domain] = [MX(mx, 10)]
    out[mx] = [A(GOOD)]
    out[f"_mta-sts.{domain}"] = [TXT("v=STSv1; id=1;")]
    return out


class CheckTest(RelayTestCase):
    @classmethod
    def setUpClass(cls):
        work = class_world(cls, "stsrelay-check-", records(), ZONES)
        ca, world = cls.world_ca, cls.world
        rogue = unknown_ca(work)
        mx_names = [mx for mx, *_ in DOMAINS.values()] + [CHANGED[1]]
        world.receiver(GOOD, ca.issue(mx_names[0], dns_names=mx_names[1:]))
        world.receiver(PLAIN)
        world.receiver(EXPIRED, ca.issue_expired("mx.expiredmx.test"))
        world.receiver(UNTRUSTED, rogue.issue("mx.untrustedmx.test"))
        good_hosts = [d for d in DOMAINS if d not in ("untrustedhost.test", "expiredhost.test")]
        leaf = ca.issue(f"mta-sts.{good_hosts[0]}",
                        dns_names=[f"mta-sts.{d}" for d in good_hosts[1:]])
        for domain, (mx, _, address, options) in DOMAINS.items():
            if address is None:
                continue
            host_leaf = {"untrustedhost.test": rogue.issue(f"mta-sts.{domain}"),
                         "expiredhost.test": ca.issue_expired(f"mta-sts.{domain}")}.get(domain, leaf)
            listed = "mx.mismatch.test" if domain == "mismatch.test" else mx
            world.policy_host(domain, address, host_leaf, policy("enforce", listed), **options)
        domain, mx, address = CHANGED
        cls.changed_policy, _ = world.nginx_policy_host(
            domain, address, ca.issue(f"mta-sts.{domain}"), policy("enforce", mx), work)

    def setUp(self):
        super().setUp()
        # Never started: `check` needs only the configuration (DNS server, CA, state_dir).
        # dnslib does not validate: DANE off, or every check would stop at "could not run"
        # (test_dane.py checks DANE against a signed world).
        self.relay = StsRelay(os.path.join(self.workdir, "relay"), {
            "delivery": {"dns_servers": [f"{DNS}:53"], "ca_file": self.world_ca.pem},
            "dane": {"enforcement": "off"},
        })
        os.makedirs(self.relay.state_dir, exist_ok=True)

    def check(self, domain, status):
        result = self.relay.cli("check", domain, check=False)
        self.assertEqual(result.returncode, status,
                         f"check {domain}:\n{result.stdout}{result.stderr}")
        as_json = self.relay.cli("check", domain, "--json", check=False)
        self.assertEqual(as_json.returncode, status, as_json.stdout + as_json.stderr)
        report = json.loads(as_json.stdout)
        self.assertEqual(report["domain"], domain)
        self.assertEqual(report["exit_status"], status)
        self.assertEqual(report["result"], {0: "pass", 1: "fail", 2: "error"}[status])
        return result.stdout, report["checks"]

    def line(self, checks, name):
        found = [c for c in checks if c["check"] == name]
        self.assertTrue(found, f"no {name!r} line in {checks}")
        return found[0]

    def assertLine(self, checks, name, status, *evidence):
        line = self.line(checks, name)
        self.assertEqual(line["status"], status, line)
        for part in evidence:
            self.assertIn(part, line["evidence"])

    def assertFails(self, domain, name, *evidence):
        """`check domain` exits 1 and its line `name` fails with each part of `evidence`."""
        _, checks = self.check(domain, 1)
        self.assertLine(checks, name, "fail", *evidence)
        return checks

    def test_clean_domain_passes_every_check(self):
        text, checks = self.check("clean.test", 0)
        for name in ("txt", "policy-fetch", "policy", "policy-change", "mx mx.clean.test",
                     "tls mx.clean.test", "tlsrpt"):
            self.assertEqual(self.line(checks, name)["status"], "pass", checks)
        self.assertLine(checks, "txt", "pass", "v=STSv1; id=20261129;")
        self.assertLine(checks, "policy-fetch", "pass", "HTTP 200 text/plain",
                        "certificate verified", "names mta-sts.clean.test", "expires ")
        self.assertLine(checks, "policy", "pass", "mode enforce", "mx mx.clean.test")
        self.assertLine(checks, "mx mx.clean.test", "pass", "matches policy mx mx.clean.test")
        self.assertLine(checks, "tls mx.clean.test", "pass", f"{GOOD}: TLSv1.3",
                        "certificate verified", "names mx.clean.test", "expires ")
        self.assertLine(checks, "tlsrpt", "pass", "mailto:tlsrpt@clean.test")
        self.assertIn("ok: clean.test would receive mail", text)

    def test_no_txt_record(self):
        self.assertFails("notxt.test", "txt", "no TXT record at _mta-sts.notxt.test",
                         "publishes no MTA-STS policy")

    def test_policy_404(self):
        checks = self.assertFails("missing.test", "policy-fetch", "HTTP 404 from "
                                  "https://mta-sts.missing.test/.well-known/mta-sts.txt")
        # Everything after the fetch still ran.
        self.assertLine(checks, "tls mx.missing.test", "pass", "certificate verified")

    def test_policy_wrong_media_type(self):
        self.assertFails("html.test", "policy-fetch", "media type text/html",
                         "requires text/plain")

    def test_policy_redirect(self):
        self.assertFails("redirect.test", "policy-fetch",
                         "HTTP 302 redirect to https://www.redirect.test/.well-known/mta-sts.txt",
                         "forbids following redirects")

    def test_policy_host_untrusted_certificate(self):
        self.assertFails("untrustedhost.test", "policy-fetch", "certificate is not valid",
                         "self-signed certificate in certificate chain")

    def test_policy_host_expired_certificate(self):
        self.assertFails("expiredhost.test", "policy-fetch", "certificate is not valid",
                         "certificate has expired")

    def test_mx_mismatch_names_the_host(self):
        text, checks = self.check("mismatch.test", 1)
        # The policy lists mx.mismatch.test; DNS says mx.elsewhere.test.
        self.assertLine(checks, "mx mx.elsewhere.test", "fail", "MX mismatch",
                        "no policy mx pattern (mx.mismatch.test) covers mx.elsewhere.test")
        self.assertIn("FAIL: mismatch.test would not receive mail", text)

    def test_mx_without_starttls(self):
        self.assertFails("plain.test", "tls mx.plain.test", f"{PLAIN}: STARTTLS not offered")

    def test_mx_expired_certificate(self):
        self.assertFails("expiredmx.test", "tls mx.expiredmx.test", "certificate expired (notAfter")

    def test_mx_untrusted_certificate(self):
        self.assertFails("untrustedmx.test", "tls mx.untrustedmx.test", "certificate not trusted")

    def test_policy_changed_with_the_same_id(self):
        domain, mx, _ = CHANGED
        # The relay caches the first policy (mx1 only), then the domain moves to mx2 and
        # rewrites the policy without a new id.
        with open(self.changed_policy, "w") as f:
            f.write(policy("enforce", "mx1.changed.test"))
        self.relay.cli("policy", "refresh", domain)
        _, checks = self.check(domain, 1)  # the served policy does not list mx2 either
        self.assertLine(checks, "policy-change", "pass", "the same as the copy in sts.db")
        with open(self.changed_policy, "w") as f:
            f.write(policy("enforce", "mx1.changed.test", mx))
        _, checks = self.check(domain, 1)
        self.assertLine(checks, f"mx {mx}", "pass", "matches policy mx mx2.changed.test")
        self.assertLine(checks, "policy-change", "fail", "policy updated, id not",
                        "mx added mx2.changed.test", "publish a new id",
                        "under the old copy they refuse mx2.changed.test")

    def test_not_a_domain_and_no_dns_are_errors(self):
        result = self.relay.cli("check", "not a domain", check=False)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn("is not a domain name", result.stderr)
        # A zone the test DNS server refuses: no answer, nothing can be concluded.
        text, checks = self.check("unknown.example", 2)
        self.assertLine(checks, "txt", "fail", "no answer for TXT _mta-sts.unknown.example")
        self.assertIn("error: the check could not run", text)


if __name__ == "__main__":
    import harness
    harness.main()
