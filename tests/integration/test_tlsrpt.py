"""TLS-RPT (RFC 8460) end to end, against real servers in the test's network namespace: a day of
deliveries to domains with an enforce, a testing and no MTA-STS policy, to good and broken MX
hosts; then `stsrelay report send` for the day, which builds one report per policy domain,
queues it as DKIM-signed mail to the `rua` mailbox (delivered by the daemon to a real SMTP
receiver, although that domain's own policy would defer ordinary mail) and POSTs it to a real
HTTPS endpoint. The test unpacks both copies and checks every count against what it caused.

The world (sts_world.py): DNS with MX, A, TXT `_mta-sts` and `_smtp._tls`, policy hosts for
mta-sts.<domain> with certificates of the test CA, SMTP receivers on 127.0.0.x:25, and an HTTPS
collector for the `https:` rua URI."""

import datetime
import email
import gzip
import json
import os
import re

from dnslib import TXT, A

import harness
from certs import TestCA
from harness import RelayTestCase, wait_until
from sts_world import DNS, Collector, World, mx_records

MX_ENFORCE = "127.0.0.21"   # mx.enforce.test: certificate of the test CA for its name
MX_BROKEN = "127.0.0.22"    # mx.broken.test: a certificate for another name
MX_TESTING = "127.0.0.23"   # mx.testing.test: a certificate of an unknown CA
MX_PLAIN = "127.0.0.24"     # mx.nopolicy.test and mx.reports.test: no STARTTLS
POLICY_HOSTS = {"enforce.test": "127.0.0.31", "broken.test": "127.0.0.32",
                "testing.test": "127.0.0.33", "reports.test": "127.0.0.34"}
COLLECTOR = "127.0.0.40"    # collector.test: the https: rua endpoint

POLICIES = {
    "enforce.test": "version: STSv1\nmode: enforce\nmx: mx.enforce.test\nmax_age: 86400\n",
    "broken.test": "version: STSv1\nmode: enforce\nmx: mx.broken.test\nmax_age: 86400\n",
    "testing.test": "version: STSv1\nmode: testing\nmx: mx.testing.test\nmax_age: 86400\n",
    # The rua mailbox's own domain enforces a policy its MX cannot meet (no STARTTLS): ordinary
    # mail there would be deferred, reports must still arrive (RFC 8460).
    "reports.test": "version: STSv1\nmode: enforce\nmx: mx.reports.test\nmax_age: 86400\n",
}
RUA = "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test,https://collector.test/v1/tlsrpt"
RECORDS = {
    **mx_records({"enforce.test": MX_ENFORCE, "broken.test": MX_BROKEN,
                  "testing.test": MX_TESTING, "nopolicy.test": MX_PLAIN,
                  "reports.test": MX_PLAIN}),
    "collector.test": [A(COLLECTOR)],
}
for _domain in POLICY_HOSTS:
    RECORDS[f"_mta-sts.{_domain}"] = [TXT("v=STSv1; id=20261128;")]
for _domain in ("enforce.test", "broken.test", "testing.test", "nopolicy.test"):
    RECORDS[f"_smtp._tls.{_domain}"] = [TXT(RUA)]
ZONES = ("enforce.test", "broken.test", "testing.test", "nopolicy.test", "reports.test",
         "collector.test")
WAIT = 30


class TlsRptTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        world = World(self, dict(RECORDS), ZONES)
        other_ca = TestCA(os.path.join(self.workdir, "other-ca"), subject="Unknown CA")
        self.mailboxes = {
            MX_ENFORCE: world.receiver(MX_ENFORCE, self.ca.issue("mx.enforce.test")),
            MX_BROKEN: world.receiver(MX_BROKEN, self.ca.issue("some-other-host.test")),
            MX_TESTING: world.receiver(MX_TESTING, other_ca.issue("mx.testing.test")),
            MX_PLAIN: world.receiver(MX_PLAIN),
        }
        for domain, address in POLICY_HOSTS.items():
            world.policy_host(domain, address, self.ca.issue(f"mta-sts.{domain}"),
                              POLICIES[domain])
        Collector.posts = []
        world.https(COLLECTOR, self.ca.issue("collector.test"), Collector)

    def send(self, relay, recipient, subject):
        self.send_accepted(relay, recipient, subject, "tls-rpt test")

    def subjects_at(self, address):
        return self.mailboxes[address].subjects()

    def test_a_day_of_deliveries_is_reported_by_mail_and_https(self):
        key_file = os.path.join(self.workdir, "dkim.pem")
        relay = self.start_relay({
            "delivery": {"dns_servers": [f"{DNS}:53"], "ca_file": self.ca.pem},
            "queue": {"retry_schedule": ["1h"]},
            "tlsrpt": {"organization_name": "Relay Test Org",
                       "contact_info": "mailto:tlsrpt@relay.test", "submitter": "relay.test",
                       "dkim_selector": "tlsrpt", "dkim_key_file": key_file},
        })
        keygen = relay.cli("dkim", "keygen", "--type", "ed25519", "--selector", "tlsrpt",
                           "--domain", "relay.test", "--out", key_file)
        dkim_record = keygen.stdout

        # The day: 2 sessions to a good enforce MX, 1 to an enforce MX with the wrong name
        # (deferred), 1 to a testing MX with an untrusted certificate (delivered anyway), 1 to a
        # domain without a policy whose MX has no STARTTLS (delivered in plain text).
        self.send(relay, "bob@enforce.test", "enforce one")
        wait_until(lambda: "enforce one" in self.subjects_at(MX_ENFORCE), WAIT,
                   what="the first enforce.test delivery")
        self.send(relay, "carol@enforce.test", "enforce two")
        self.send(relay, "dave@broken.test", "broken")
        self.send(relay, "erin@testing.test", "testing")
        self.send(relay, "frank@nopolicy.test", "nopolicy")
        wait_until(lambda: "enforce two" in self.subjects_at(MX_ENFORCE)
                   and "testing" in self.subjects_at(MX_TESTING)
                   and "nopolicy" in self.subjects_at(MX_PLAIN), WAIT, what="the deliveries")

        def broken_deferred():
            for m in relay.queue_list():
                for r in m["recipients"]:
                    if r["address"] == "dave@broken.test" and r["state"] == "deferred":
                        return r
            return None
        deferred = wait_until(broken_deferred, WAIT, what="broken.test deferred")
        self.assertIn("4.7.5", deferred["last_reply"])
        self.assertEqual(self.mailboxes[MX_BROKEN].received(), [], "nothing to the wrong host")

        # Stopping writes the last outcomes; `report send` builds the day and sends it.
        self.assertEqual(relay.stop(), 0)
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        sent = relay.cli("report", "send", "--day", day)
        for domain in ("enforce.test", "broken.test", "testing.test", "nopolicy.test"):
            self.assertIn(f"{domain}: report ", sent.stdout)
        self.assertEqual(sent.stdout.count(": sent: "), 8, sent.stdout)  # 4 reports x 2 URIs
        relay.start()

        # https: the collector has one POST per policy domain.
        self.assertEqual(len(Collector.posts), 4)
        posted = {}
        for path, content_type, body in Collector.posts:
            self.assertEqual(path, "/v1/tlsrpt")
            self.assertEqual(content_type, "application/tlsrpt+gzip")
            report = json.loads(gzip.decompress(body))
            posted[report["policies"][0]["policy"]["policy-domain"]] = report

        # mailto: the daemon delivers the queued report mail to reports.test's MX although
        # its enforce policy would defer ordinary mail there (no STARTTLS).
        def mails():
            return [raw for rcpts, raw in self.mailboxes[MX_PLAIN].received()
                    if rcpts == ["tlsrpt@reports.test"]]
        wait_until(lambda: len(mails()) == 4, WAIT, what="4 report mails at reports.test")
        mailed = {}
        for raw in mails():
            message = email.message_from_bytes(raw)
            self.assertEqual(message.get_content_type(), "multipart/report")
            self.assertEqual(message.get_param("report-type"), "tlsrpt")
            self.assertEqual(message["TLS-Report-Submitter"], "relay.test")
            domain = message["TLS-Report-Domain"]
            subject = re.sub(r"\r?\n", "", message["Subject"])  # unfold (RFC 5322 §2.2.3)
            self.assertRegex(subject,
                             rf"^Report Domain: {domain} Submitter: relay.test Report-ID: <.+@relay.test>$")
            self.assertIn("DKIM-Signature", message)
            [attachment] = [p for p in message.walk()
                            if p.get_content_type() == "application/tlsrpt+gzip"]
            self.assertRegex(attachment.get_filename(),
                             rf"^relay.test!{domain}!\d+!\d+!.+\.json\.gz$")
            mailed[domain] = json.loads(gzip.decompress(attachment.get_payload(decode=True)))
            self.verify_dkim(raw, dkim_record)
        self.assertEqual(mailed, posted, "the mail and the POST carry the same report")

        # Every count, as the test caused it.
        def only_policy(report):
            [policy] = report["policies"]
            return policy
        for report in posted.values():
            self.assertEqual(report["organization-name"], "Relay Test Org")
            self.assertEqual(report["contact-info"], "tlsrpt@relay.test")
            self.assertEqual(report["date-range"]["start-datetime"], f"{day}T00:00:00Z")
            self.assertEqual(report["date-range"]["end-datetime"], f"{day}T23:59:59Z")
            self.assertTrue(report["report-id"].endswith("@relay.test"))

        enforce = only_policy(posted["enforce.test"])
        self.assertEqual(enforce["policy"]["policy-type"], "sts")
        self.assertEqual(enforce["policy"]["mx-host"], ["mx.enforce.test"])
        self.assertIn("mode: enforce", enforce["policy"]["policy-string"])
        self.assertEqual(enforce["summary"], {"total-successful-session-count": 2,
                                              "total-failure-session-count": 0})

        broken = only_policy(posted["broken.test"])
        self.assertEqual(broken["summary"], {"total-successful-session-count": 0,
                                             "total-failure-session-count": 1})
        [detail] = broken["failure-details"]
        self.assertEqual(detail["result-type"], "certificate-host-mismatch")
        self.assertEqual(detail["receiving-mx-hostname"], "mx.broken.test")
        self.assertEqual(detail["receiving-ip"], MX_BROKEN)
        self.assertEqual(detail["failed-session-count"], 1)

        testing = only_policy(posted["testing.test"])
        self.assertEqual(testing["summary"], {"total-successful-session-count": 0,
                                              "total-failure-session-count": 1})
        self.assertEqual(testing["failure-details"][0]["result-type"], "certificate-not-trusted")

        nopolicy = only_policy(posted["nopolicy.test"])
        self.assertEqual(nopolicy["policy"]["policy-type"], "no-policy-found")
        self.assertEqual(nopolicy["summary"], {"total-successful-session-count": 0,
                                               "total-failure-session-count": 1})
        self.assertEqual(nopolicy["failure-details"][0]["result-type"], "starttls-not-supported")

        # The report mails' own sessions are not counted: no report for reports.test exists.
        listing = json.loads(relay.cli("report", "list", "--json").stdout)
        self.assertEqual(sorted(r["policy_domain"] if "policy_domain" in r else r["domain"]
                                for r in listing),
                         ["broken.test", "enforce.test", "nopolicy.test", "testing.test"])

    def verify_dkim(self, raw, dkim_record):
        """dkimpy (scripts/setup installs it, with PyNaCl for Ed25519): the signature verifies
        against the key that `stsrelay dkim keygen` printed."""
        import dkim
        txt = dkim_record[dkim_record.index('"'):].replace('"', "").replace("\n", "").strip()
        txt = " ".join(part.strip() for part in txt.split('" "'))

        def dnsfunc(name, timeout=5):
            return txt.encode()
        self.assertTrue(dkim.verify(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
                                    dnsfunc=dnsfunc), "the report mail's DKIM signature")


if __name__ == "__main__":
    harness.main()
