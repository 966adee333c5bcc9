"""MTA-STS enforcement (RFC 8461) against real servers in the test's network namespace (see
sts_world.py): DNS with MX, A and `_mta-sts` TXT records, policy hosts over HTTPS with
certificates of the test CA (Python HTTP/1.1 servers, and nginx with HTTP/2), and SMTP receivers
with good, expired, wrong-host and untrusted certificates and without STARTTLS. Every scenario
asserts where the message went, or that it went nowhere."""

import os
import signal
import sqlite3

from dnslib import MX, TXT, A

import harness
from harness import RelayTestCase, wait_until
from sts_world import DNS, class_world, unknown_ca

GOOD = "127.0.0.21"        # certificate of the test CA naming its MX host(s)
PLAIN = "127.0.0.22"       # no STARTTLS
EXPIRED = "127.0.0.23"     # expired certificate of the test CA
WRONG = "127.0.0.24"       # certificate of the test CA for another name
UNTRUSTED = "127.0.0.25"   # certificate of an unknown CA
GOOD_NAMES = ["mx.good.test", "mx2.failover.test", "mx.wild.test", "a.b.deep.test",
              "mx.unlisted.test", "mx2.changed.test", "mx.lowered.test",
              "mx.off.test"]
WAIT = 30


def policy(mode, *mx):
    return "version: STSv1\nmode: %s\n%smax_age: 86400\n" % (
        mode, "".join(f"mx: {m}\n" for m in mx))


# domain: (MX hosts in preference order, the address each resolves to)
DOMAINS = {
    "good.test": [("mx.good.test", GOOD)],
    "nostarttls.test": [("mx.nostarttls.test", PLAIN)],
    "expired.test": [("mx.expired.test", EXPIRED)],
    "wronghost.test": [("mx.wronghost.test", WRONG)],
    "untrusted.test": [("mx.untrusted.test", UNTRUSTED)],
    "unlisted.test": [("mx.unlisted.test", GOOD)],
    "testing.test": [("mx.testing.test", UNTRUSTED)],
    "lowered.test": [("mx.lowered.test", EXPIRED)],
    "off.test": [("mx.off.test", WRONG)],
    "redirect.test": [("mx.redirect.test", UNTRUSTED)],
    "missing.test": [("mx.missing.test", UNTRUSTED)],
    "html.test": [("mx.html.test", UNTRUSTED)],
    "wild.test": [("mx.wild.test", GOOD)],
    "deep.test": [("a.b.deep.test", GOOD)],
    "failover.test": [("mx1.failover.test", WRONG), ("mx2.failover.test", GOOD)],
    "changed.test": [("mx2.changed.test", GOOD)],
    "cached.test": [("mx.cached.test", PLAIN)],
}
# domain: (policy address, policy text, handler options)
POLICY_HOSTS = {
    "good.test": ("127.0.0.31", policy("enforce", "mx.good.test"), {}),
    "nostarttls.test": ("127.0.0.32", policy("enforce", "mx.nostarttls.test"), {}),
    "expired.test": ("127.0.0.33", policy("enforce", "mx.expired.test"), {}),
    "wronghost.test": ("127.0.0.34", policy("enforce", "mx.wronghost.test"), {}),
    "untrusted.test": ("127.0.0.35", policy("enforce", "mx.untrusted.test"), {}),
    "unlisted.test": ("127.0.0.36", policy("enforce", "mx.other.test"), {}),
    "testing.test": ("127.0.0.37", policy("testing", "mx.testing.test"), {}),
    "lowered.test": ("127.0.0.38", policy("enforce", "mx.lowered.test"), {}),
    "off.test": ("127.0.0.39", policy("enforce", "mx.off.test"), {}),
    "redirect.test": ("127.0.0.40", policy("enforce", "mx.redirect.test"),
                      {"status": 301, "location": "https://mta-sts.good.test/.well-known/mta-sts.txt"}),
    "missing.test": ("127.0.0.41", policy("enforce", "mx.missing.test"), {"status": 404}),
    "html.test": ("127.0.0.42", policy("enforce", "mx.html.test"), {"content_type": "text/html"}),
    "wild.test": ("127.0.0.43", policy("enforce", "*.wild.test"), {}),
    "deep.test": ("127.0.0.44", policy("enforce", "*.deep.test"), {}),
    "failover.test": ("127.0.0.45", policy("enforce", "mx1.failover.test", "mx2.failover.test"), {}),
}
NGINX_HOSTS = {  # served over HTTP/2 from a file the test rewrites
    "changed.test": ("127.0.0.46", policy("enforce", "mx1.changed.test")),
    "cached.test": ("127.0.0.47", policy("enforce", "mx.cached.test")),
}


def records():
    out = {}
    for domain, hosts in DOMAINS.items():
        out[domain] = [MX(host, 10 * (i + 1)) for i, (host, _) in enumerate(hosts)]
        for host, address in hosts:
            out[host] = [A(address)]
    for domain in list(POLICY_HOSTS) + list(NGINX_HOSTS):
        out[f"_mta-sts.{domain}"] = [TXT("v=STSv1; id=1;")]
    return out


class MtaStsTest(RelayTestCase):
    # One world for every test: the servers and certificates take longer to make than a test
    # takes to run. Each test uses its own domains.
    @classmethod
    def setUpClass(cls):
        cls.records = records()
        work = class_world(cls, "stsrelay-world-", cls.records, tuple(DOMAINS))
        rogue = unknown_ca(work)
        names = ["mx." + d for d in DOMAINS]
        ca = cls.world_ca
        cls.boxes = {
            GOOD: cls.world.receiver(GOOD, ca.issue(GOOD_NAMES[0], dns_names=GOOD_NAMES[1:])),
            PLAIN: cls.world.receiver(PLAIN),
            EXPIRED: cls.world.receiver(EXPIRED, ca.issue_expired("mx.expired.test")),
            WRONG: cls.world.receiver(WRONG, ca.issue("somewhere-else.test")),
            UNTRUSTED: cls.world.receiver(UNTRUSTED, rogue.issue(names[0], dns_names=names[1:])),
        }
        # One certificate names every Python policy host.
        leaf = ca.issue("mta-sts.good.test",
                        dns_names=[f"mta-sts.{d}" for d in list(POLICY_HOSTS)[1:]])
        for domain, (address, text, options) in POLICY_HOSTS.items():
            cls.world.policy_host(domain, address, leaf, text, **options)
        cls.nginx = {}
        for domain, (address, text) in NGINX_HOSTS.items():
            cls.nginx[domain] = cls.world.nginx_policy_host(
                domain, address, ca.issue(f"mta-sts.{domain}"), text, work)

    def relay_config(self, dry_run=False, **sts):
        return {
            "delivery": {"dns_servers": [f"{DNS}:53"], "ca_file": self.world_ca.pem,
                         "dry_run": dry_run},
            "queue": {"retry_schedule": ["1h"]},
            "sts": sts,
        }

    def relay(self, dry_run=False, **sts):
        return self.start_relay(self.relay_config(dry_run, **sts))

    def send(self, relay, recipient):
        return self.send_accepted(relay, recipient, f"to {recipient}", "mta-sts test")

    def wait_delivered(self, relay, recipient, box):
        subject = self.send(relay, recipient)
        wait_until(lambda: subject in self.boxes[box].subjects(), WAIT,
                   what=f"{recipient} delivered at {box}")
        wait_until(lambda: relay.recipient_state(recipient) is None, WAIT,
                   what=f"{recipient} off the queue")
        return self.attempt_line(relay, recipient)

    def wait_deferred(self, relay, recipient, enhanced="4.7.5"):
        subject = self.send(relay, recipient)

        def deferred():
            r = relay.recipient_state(recipient)
            return r if r and r["state"] == "deferred" else None
        r = wait_until(deferred, WAIT, what=f"{recipient} deferred")
        self.assertTrue(r["last_reply"].startswith(f"451 {enhanced} MTA-STS policy of"),
                        r["last_reply"])
        for address, box in self.boxes.items():
            self.assertNotIn(subject, box.subjects(), f"{recipient} reached {address}")
        return r, self.attempt_line(relay, recipient)

    def attempt_line(self, relay, recipient):
        lines = relay.attempt_lines(recipient)
        self.assertTrue(lines, f"no attempt line for {recipient}")
        return lines[-1]

    # --- enforce ------------------------------------------------------------------------------

    def test_enforce_delivers_over_verified_tls(self):
        relay = self.relay()
        line = self.wait_delivered(relay, "bob@good.test", GOOD)
        self.assertIn("tls=TLSv1.3/verified", line)
        self.assertIn("sts=enforce/1", line)
        self.assertIn("mx=mx.good.test:ok", line)

    def test_enforce_violations_are_deferred_and_never_delivered(self):
        relay = self.relay()
        _, line = self.wait_deferred(relay, "bob@nostarttls.test", enhanced="4.7.4")
        self.assertIn("mx=mx.nostarttls.test:abandoned:starttls-not-supported", line)
        _, line = self.wait_deferred(relay, "bob@expired.test")
        self.assertIn("abandoned:certificate-expired", line)
        _, line = self.wait_deferred(relay, "bob@wronghost.test")
        self.assertIn("abandoned:certificate-host-mismatch", line)
        _, line = self.wait_deferred(relay, "bob@untrusted.test")
        self.assertIn("abandoned:certificate-not-trusted", line)

    def test_an_unlisted_mx_is_not_even_connected_to(self):
        relay = self.relay()
        before = self.boxes[GOOD].connections
        r, line = self.wait_deferred(relay, "bob@unlisted.test")
        self.assertIn("mx.unlisted.test: not listed in the policy", r["last_reply"])
        self.assertIn("mx=mx.unlisted.test:abandoned:not-listed", line)
        self.assertEqual(self.boxes[GOOD].connections, before, "a connection to an unlisted MX")

    def test_first_mx_violating_and_second_fine_delivers_to_the_second(self):
        relay = self.relay()
        line = self.wait_delivered(relay, "bob@failover.test", GOOD)
        self.assertIn(f"relay=mx2.failover.test[{GOOD}]:25", line)
        self.assertIn("mx1.failover.test:abandoned:certificate-host-mismatch", line)
        self.assertIn("mx2.failover.test:ok", line)

    def test_wildcard_matches_exactly_one_label(self):
        relay = self.relay()
        self.wait_delivered(relay, "bob@wild.test", GOOD)
        _, line = self.wait_deferred(relay, "bob@deep.test")
        self.assertIn("a.b.deep.test:abandoned:not-listed", line)

    # --- testing, local control ------------------------------------------------------------------

    def test_testing_policy_delivers_and_reports(self):
        relay = self.relay()
        line = self.wait_delivered(relay, "bob@testing.test", UNTRUSTED)
        self.assertIn("sts=testing/1", line)
        self.assertIn("mx.testing.test:report:certificate-not-trusted", line)

    def test_local_testing_turns_enforce_into_would_defer(self):
        relay = self.relay(enforcement="testing")
        line = self.wait_delivered(relay, "bob@lowered.test", EXPIRED)
        self.assertIn("mx.lowered.test:would-defer:certificate-expired", line)

    def test_override_off_ignores_the_domain_policy(self):
        relay = self.relay(override={"off.test": "off"})
        line = self.wait_delivered(relay, "bob@off.test", WRONG)
        self.assertNotIn("sts=", line)
        # Other domains still follow their policies.
        self.wait_deferred(relay, "bob@wronghost.test")

    # --- failed fetches ----------------------------------------------------------------------

    def test_redirect_404_and_wrong_media_type_are_failed_fetches(self):
        relay = self.relay()
        for domain in ("redirect.test", "missing.test", "html.test"):
            line = self.wait_delivered(relay, f"bob@{domain}", UNTRUSTED)
            self.assertNotIn("sts=", line, "no policy applies after a failed fetch")
        log = relay.log_text()
        self.assertIn("fetch_error=redirect", log)
        self.assertIn("fetch_error=http-status", log)
        self.assertIn("fetch_error=content-type", log)

    # --- cache -------------------------------------------------------------------------------

    def test_a_changed_txt_id_is_fetched_anew(self):
        relay = self.relay()
        self.wait_deferred(relay, "bob@changed.test")  # the policy lists mx1 only; MX is mx2
        path, _ = self.nginx["changed.test"]
        with open(path, "w") as f:
            f.write(policy("enforce", "mx2.changed.test"))
        self.records["_mta-sts.changed.test"] = [TXT("v=STSv1; id=2;")]

        # The relay's DNS cache keeps the old TXT answer for its TTL (1 s): ask again until the
        # new id is seen.
        def delivered():
            if relay.recipient_state("bob@changed.test") is None:
                return True
            relay.cli("queue", "flush")
            return False
        wait_until(delivered, WAIT, what="bob@changed.test delivered under the new policy")
        line = self.attempt_line(relay, "bob@changed.test")
        self.assertIn("sts=enforce/2", line)
        self.assertIn("status=sent", line)

    def test_the_cached_policy_enforces_when_its_host_is_gone_across_restarts(self):
        relay = self.relay()
        # The policy is fetched while its host is up (mx.cached.test has no STARTTLS).
        out = relay.cli("policy", "refresh", "cached.test").stdout
        self.assertIn("enforce", out)
        # Then the host goes away, and so does the TXT record: the cache still enforces.
        _, nginx = self.nginx["cached.test"]
        nginx.stop()
        del self.records["_mta-sts.cached.test"]
        _, line = self.wait_deferred(relay, "carol@cached.test", enhanced="4.7.4")
        self.assertIn("sts=enforce/1", line)
        relay.restart()
        relay.cli("queue", "flush")

        def attempts():
            r = relay.recipient_state("carol@cached.test")
            return r if r and r["attempts"] >= 2 else None
        r = wait_until(attempts, WAIT, what="a second attempt after the restart")
        self.assertEqual(r["state"], "deferred")
        self.assertIn("451 4.7.4", r["last_reply"])
        self.assertFalse([s for s in self.boxes[PLAIN].subjects() if "cached.test" in s],
                         "delivered in plain text despite the policy")


    # --- operating it: the dry run and SIGHUP ------------------------------------------------

    def test_dry_run_reaches_no_receiver_and_says_what_would_happen(self):
        relay = self.relay(dry_run=True)
        received_before = {address: len(box.received()) for address, box in self.boxes.items()}
        self.send(relay, "dry@good.test")
        self.send(relay, "dry@expired.test")

        def settled():
            states = {a: relay.recipient_state(a) for a in ("dry@good.test",
                                                                  "dry@expired.test")}
            return states if all(r and r["state"] == "dry-run" for r in states.values()) else None
        states = wait_until(settled, WAIT, what="both recipients in the dry-run state")
        self.assertIn("would deliver to mx.good.test over verified TLSv1.3",
                      states["dry@good.test"]["last_reply"])
        self.assertIn("would defer: 451 4.7.5 MTA-STS policy of expired.test",
                      states["dry@expired.test"]["last_reply"])
        for address, box in self.boxes.items():
            self.assertEqual(len(box.received()), received_before[address],
                             f"a dry run delivered to {address}")
        # The TLS-RPT data is real: one success for good.test, one certificate-expired failure.
        self.assertEqual(relay.stop(), 0)
        db = sqlite3.connect(os.path.join(relay.state_dir, "tlsrpt.db"))
        counts = dict((d, (ok, failed)) for d, ok, failed in db.execute(
            "SELECT domain, successful, failed FROM policy_counts"))
        self.assertEqual(counts["good.test"], (1, 0))
        self.assertEqual(counts["expired.test"], (0, 1))
        [(result_type,)] = db.execute(
            "SELECT result_type FROM failure_counts f JOIN policy_counts p ON f.policy_id = p.id "
            "WHERE p.domain = 'expired.test'").fetchall()
        self.assertEqual(result_type, "certificate-expired")
        db.close()
        relay.start()

    def test_sighup_applies_a_good_configuration_and_refuses_a_bad_one(self):
        relay = self.relay()
        self.wait_deferred(relay, "one@wronghost.test")
        # Good: an override that switches the domain to report-only, applied without a restart.
        config = self.relay_config(override={"wronghost.test": "testing"})
        relay.rewrite_config(config)
        relay.process.send_signal(signal.SIGHUP)
        relay.process.wait_for_log("reload: configuration applied", timeout=WAIT)
        self.wait_delivered(relay, "two@wronghost.test", WRONG)
        # Bad: refused with the reason; the running configuration (and the relay) stay.
        relay.rewrite_config(self.relay_config(override={"wronghost.test": "testing",
                                                         "bad.test": "sometimes"}))
        relay.process.send_signal(signal.SIGHUP)
        log = relay.process.wait_for_log("the running configuration stays in force", timeout=WAIT)
        self.assertRegex(log, r"reload refused: .*sts\.override.*bad\.test")
        # The file is put right for the CLI (no SIGHUP); the daemon still runs the override.
        relay.rewrite_config(config)
        self.wait_delivered(relay, "three@wronghost.test", WRONG)


if __name__ == "__main__":
    harness.main()
