"""TLS-RPT (RFC 8460) end to end, against real servers in the test's network namespace: a day of
deliveries to domains with an enforce, a testing and no MTA-STS policy, to good and broken MX
hosts; then `stsrelay report send` for the day, which builds one report per policy domain,
queues it as DKIM-signed mail to the `rua` mailbox (delivered by the daemon to a real SMTP
receiver, although that domain's own policy would defer ordinary mail) and POSTs it to a real
HTTPS endpoint. The test unpacks both copies and checks every count against what it caused.

The world: dnslib on 127.0.0.53 (MX, A, TXT `_mta-sts` and `_smtp._tls`), policy hosts
(Python HTTPS, certificates of the test CA) for mta-sts.<domain>, aiosmtpd receivers on
127.0.0.x:25, and an HTTPS collector for the `https:` rua URI."""

import datetime
import email
import gzip
import http.server
import json
import os
import re
import ssl
import threading

from aiosmtpd.controller import Controller
from dnslib import MX, QTYPE, RCODE, RR, SOA, TXT, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

import harness
from certs import TestCA
from harness import RelayTestCase, message_bytes, wait_until

DNS = "127.0.0.53"
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
TTL = 1
RECORDS = {
    "enforce.test": [MX("mx.enforce.test", 10)],
    "mx.enforce.test": [A(MX_ENFORCE)],
    "broken.test": [MX("mx.broken.test", 10)],
    "mx.broken.test": [A(MX_BROKEN)],
    "testing.test": [MX("mx.testing.test", 10)],
    "mx.testing.test": [A(MX_TESTING)],
    "nopolicy.test": [MX("mx.nopolicy.test", 10)],
    "mx.nopolicy.test": [A(MX_PLAIN)],
    "reports.test": [MX("mx.reports.test", 10)],
    "mx.reports.test": [A(MX_PLAIN)],
    "collector.test": [A(COLLECTOR)],
}
for _domain, _address in POLICY_HOSTS.items():
    RECORDS[f"_mta-sts.{_domain}"] = [TXT("v=STSv1; id=20261128;")]
    RECORDS[f"mta-sts.{_domain}"] = [A(_address)]
for _domain in ("enforce.test", "broken.test", "testing.test", "nopolicy.test"):
    RECORDS[f"_smtp._tls.{_domain}"] = [TXT(RUA)]
ZONES = ("enforce.test", "broken.test", "testing.test", "nopolicy.test", "reports.test",
         "collector.test")
RDATA_TYPE = {MX: QTYPE.MX, A: QTYPE.A, TXT: QTYPE.TXT}
WAIT = 30


class ZoneResolver(BaseResolver):
    def resolve(self, request, handler):
        reply = request.reply()
        reply.header.aa = 1
        name = str(request.q.qname).rstrip(".").lower()
        zone = next((z for z in ZONES if name == z or name.endswith("." + z)), None)
        if zone is None:
            reply.header.rcode = RCODE.REFUSED
            return reply
        soa = RR(zone, QTYPE.SOA, ttl=TTL,
                 rdata=SOA("ns." + zone, "hostmaster." + zone, (1, 3600, 600, 86400, TTL)))
        if name not in RECORDS:
            reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(soa)
            return reply
        for rdata in RECORDS[name]:
            if RDATA_TYPE[type(rdata)] == request.q.qtype:
                reply.add_answer(RR(name, RDATA_TYPE[type(rdata)], ttl=TTL, rdata=rdata))
        if not reply.rr:
            reply.add_auth(soa)
        return reply


class Mailbox:
    """aiosmtpd handler keeping every message it accepts in memory."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # (rcpt_tos, bytes)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 accepted"

    def received(self):
        with self.lock:
            return list(self.messages)


def https_server(address, leaf, handler_class):
    server = http.server.ThreadingHTTPServer((address, 443), handler_class)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(leaf.chain, leaf.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def policy_handler(text):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = text.encode()
            if self.path != "/.well-known/mta-sts.txt":
                self.send_response(404)
                body = b"not found\n"
            else:
                self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    return Handler


class Collector(http.server.BaseHTTPRequestHandler):
    """The https: rua endpoint: keeps each POST (content type, body)."""
    protocol_version = "HTTP/1.1"
    posts = []
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with Collector.lock:
            Collector.posts.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class TlsRptTest(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.dns = DNSServer(ZoneResolver(), address=DNS, port=53,
                             logger=DNSLogger(log="-request,-reply,-truncated,-data", prefix=False))
        self.dns.start_thread()
        self.addCleanup(self.dns.stop)
        other_ca = TestCA(os.path.join(self.workdir, "other-ca"), subject="Unknown CA")
        leaves = {
            MX_ENFORCE: self.ca.issue("mx.enforce.test"),
            MX_BROKEN: self.ca.issue("some-other-host.test"),
            MX_TESTING: other_ca.issue("mx.testing.test"),
        }
        self.mailboxes = {}
        for address in (MX_ENFORCE, MX_BROKEN, MX_TESTING, MX_PLAIN):
            box = Mailbox()
            tls_args = {}
            if address in leaves:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(leaves[address].chain, leaves[address].key)
                tls_args = {"tls_context": context, "require_starttls": False}
            controller = Controller(box, hostname=address, port=25, **tls_args)
            controller.start()
            self.addCleanup(controller.stop)
            self.mailboxes[address] = box
        for domain, address in POLICY_HOSTS.items():
            server = https_server(address, self.ca.issue(f"mta-sts.{domain}"),
                                  policy_handler(POLICIES[domain]))
            self.addCleanup(server.server_close)
            self.addCleanup(server.shutdown)
        Collector.posts = []
        collector = https_server(COLLECTOR, self.ca.issue("collector.test"), Collector)
        self.addCleanup(collector.server_close)
        self.addCleanup(collector.shutdown)

    def send(self, relay, recipient, subject):
        content = message_bytes("alice@sender.test", [recipient], subject, ["tls-rpt test"])
        self.assertReply(harness.send_message(relay.port, "alice@sender.test", [recipient],
                                              content), 250)

    def subjects_at(self, address):
        return [email.message_from_bytes(raw)["Subject"] for _, raw in
                self.mailboxes[address].received()]

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
            self.assertEqual(report["contact-info"], "mailto:tlsrpt@relay.test")
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
        """With dkimpy when it is installed: the signature verifies against the key that
        `stsrelay dkim keygen` printed."""
        try:
            import dkim
        except ImportError:
            return
        txt = dkim_record[dkim_record.index('"'):].replace('"', "").replace("\n", "").strip()
        txt = " ".join(part.strip() for part in txt.split('" "'))

        def dnsfunc(name, timeout=5):
            return txt.encode()
        self.assertTrue(dkim.verify(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
                                    dnsfunc=dnsfunc), "the report mail's DKIM signature")


if __name__ == "__main__":
    harness.main()
