"""A small mail world for MTA-STS and TLS-RPT tests, inside the test's network namespace:

- an authoritative DNS server (dnslib) on 127.0.0.53:53 answering from a dict of records
  (MX, A, TXT; NXDOMAIN and NODATA with the zone's SOA, RFC 2308);
- SMTP receivers (aiosmtpd) on 127.0.0.x:25 that keep what they accept, with or without
  STARTTLS and the certificate the test chooses;
- HTTPS servers for mta-sts.<domain> policy hosts: Python's http.server (HTTP/1.1) serving a
  policy with the status, media type and redirect the test chooses, or nginx with HTTP/2
  serving a file the test may rewrite; and an https: TLS-RPT collector that keeps every POST.

World(testcase, records) starts the DNS server; receivers and HTTPS servers are added per test
and all of it is stopped by the test's cleanups. class_world() makes one World for every test of
a class; mx_records() writes the records of domains with one MX each."""

import email
import http.server
import os
import ssl
import tempfile
import threading

from aiosmtpd.controller import Controller
from dnslib import MX, QTYPE, RCODE, RR, SOA, TXT, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from certs import TestCA
from procs import ServerProcess, is_listening, wait_until

DNS = "127.0.0.53"
TTL = 1  # keeps the relay's DNS cache from hiding a change between tests
RDATA_TYPE = {MX: QTYPE.MX, A: QTYPE.A, TXT: QTYPE.TXT}


class ZoneResolver(BaseResolver):
    """Answers from `records` ({name: [rdata]}) for names under `zones`; REFUSED elsewhere."""

    def __init__(self, records, zones):
        self.records = records
        self.zones = zones

    def resolve(self, request, handler):
        reply = request.reply()
        reply.header.aa = 1
        # dnslib copies the query's AD bit into the reply; this server validates nothing, so its
        # answers are never DNSSEC-secure (DANE must not apply to them).
        reply.header.ad = 0
        name = str(request.q.qname).rstrip(".").lower()
        zone = next((z for z in self.zones if name == z or name.endswith("." + z)), None)
        if zone is None:
            reply.header.rcode = RCODE.REFUSED
            return reply
        soa = RR(zone, QTYPE.SOA, ttl=TTL,
                 rdata=SOA("ns." + zone, "hostmaster." + zone, (1, 3600, 600, 86400, TTL)))
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(soa)
            return reply
        for rdata in self.records[name]:
            if RDATA_TYPE[type(rdata)] == request.q.qtype:
                reply.add_answer(RR(name, RDATA_TYPE[type(rdata)], ttl=TTL, rdata=rdata))
        if not reply.rr:
            reply.add_auth(soa)
        return reply


class Mailbox:
    """aiosmtpd handler keeping every message it accepts, and counting connections."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # (rcpt_tos, bytes)
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 accepted"

    def received(self):
        with self.lock:
            return list(self.messages)

    def with_subject(self, subject, timeout):
        """The raw bytes of the first message whose Subject is `subject`, waited for (bounded)."""
        def find():
            for _, raw in self.received():
                if email.message_from_bytes(raw)["Subject"] == subject:
                    return raw
            return None
        return wait_until(find, timeout, what=f"{subject!r} at the receiver")

    def subjects(self):
        return [email.message_from_bytes(raw)["Subject"] for _, raw in self.received()]


def write_nginx_conf(work, servers, worker_connections, single_process):
    """nginx.conf in `work` (which gets a tmp/ folder) for the given server blocks, logging into
    `work`, in the foreground; returns its path. `single_process`: no master process, as inside
    a user namespace, where setgroups() is refused and no worker may switch users."""
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    master = "master_process off;\n" if single_process else ""
    servers = "\n".join(servers)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""user root root;
worker_processes 1;
{master}# In the foreground, so that stopping the process that started nginx stops it.
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections {worker_connections}; }}
http {{
  access_log {work}/access.log;
  client_body_temp_path {work}/tmp/body;
  proxy_temp_path {work}/tmp/proxy;
  fastcgi_temp_path {work}/tmp/fastcgi;
  uwsgi_temp_path {work}/tmp/uwsgi;
  scgi_temp_path {work}/tmp/scgi;
{servers}
}}
""")
    return conf


def policy_handler(text, status=200, content_type="text/plain", location=None):
    """An HTTP/1.1 handler serving `text` at /.well-known/mta-sts.txt."""
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = text.encode()
            code = status
            if self.path != "/.well-known/mta-sts.txt":
                code, body = 404, b"not found\n"
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    return Handler


class Collector(http.server.BaseHTTPRequestHandler):
    """An https: TLS-RPT endpoint: keeps each POST as (path, content type, body)."""
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


class ClassCleanups:
    """Lets a World register its cleanups for a whole test class (setUpClass), so that one world
    serves every test of the class."""

    def __init__(self, cls):
        self.addCleanup = cls.addClassCleanup


def mx_records(addresses):
    """The records of domains that each have one MX, mx.<domain> (preference 10), at the
    address given in `addresses` ({domain: address})."""
    out = {}
    for domain, address in addresses.items():
        out[domain] = [MX(f"mx.{domain}", 10)]
        out[f"mx.{domain}"] = [A(address)]
    return out


def unknown_ca(workdir):
    """A CA in `workdir` that no relay trusts."""
    return TestCA(os.path.join(workdir, "rogue"), subject="Unknown CA")


def class_world(cls, prefix, records, zones):
    """One World for every test of the test class `cls`, made in its setUpClass: sets cls.world
    and cls.world_ca (the CA of the world's certificates, which the relay trusts) and returns the
    world's directory; all of it goes when the class is done."""
    cls._world_dir = tempfile.TemporaryDirectory(prefix=prefix)
    cls.addClassCleanup(cls._world_dir.cleanup)
    work = cls._world_dir.name
    cls.world_ca = TestCA(os.path.join(work, "ca"))
    cls.world = World(ClassCleanups(cls), records, zones)
    return work


class World:
    def __init__(self, testcase, records, zones):
        self.testcase = testcase
        self.records = records
        self.dns = DNSServer(ZoneResolver(records, zones), address=DNS, port=53,
                             logger=DNSLogger(log="-request,-reply,-truncated,-data",
                                              prefix=False))
        self.dns.start_thread()
        # Cleanups run last-in first-out: stop the thread, then close its socket.
        testcase.addCleanup(self.dns.server.server_close)
        testcase.addCleanup(self.dns.stop)

    def receiver(self, address, leaf=None):
        """A Mailbox on address:25; STARTTLS with `leaf` (a certs.Leaf) when given."""
        box = Mailbox()
        tls_args = {}
        if leaf is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(leaf.chain, leaf.key)
            tls_args = {"tls_context": context, "require_starttls": False}
        controller = Controller(box, hostname=address, port=25, **tls_args)
        controller.start()
        self.testcase.addCleanup(controller.stop)
        return box

    def https(self, address, leaf, handler_class):
        """An HTTPS server on address:443 presenting `leaf`; returns it (shutdown() stops it)."""
        server = http.server.ThreadingHTTPServer((address, 443), handler_class)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(leaf.chain, leaf.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.testcase.addCleanup(server.server_close)
        self.testcase.addCleanup(server.shutdown)
        return server

    def policy_host(self, domain, address, leaf, text, **kwargs):
        """mta-sts.<domain> on address:443 serving `text` (policy_handler's options)."""
        self.records[f"mta-sts.{domain}"] = [A(address)]
        return self.https(address, leaf, policy_handler(text, **kwargs))

    def nginx_policy_host(self, domain, address, leaf, text, workdir):
        """mta-sts.<domain> served by nginx over HTTP/2 (ALPN h2) on address:443 from a file;
        returns (the file's path, to rewrite the policy, and the nginx process)."""
        self.records[f"mta-sts.{domain}"] = [A(address)]
        work = os.path.join(workdir, f"nginx-{domain}")
        www = os.path.join(work, "www")
        os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
        os.makedirs(www, exist_ok=True)
        policy = os.path.join(www, "mta-sts.txt")
        with open(policy, "w", newline="") as f:
            f.write(text)
        conf = write_nginx_conf(work, [f"""  server {{
    listen {address}:443 ssl http2;
    server_name mta-sts.{domain};
    ssl_certificate {leaf.chain};
    ssl_certificate_key {leaf.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /.well-known/mta-sts.txt {{ default_type text/plain; alias {policy}; }}
  }}"""], worker_connections=64, single_process=True)
        nginx = ServerProcess("nginx", ["nginx", "-p", work, "-c", conf, "-e",
                                        os.path.join(work, "error.log")],
                              os.path.join(work, "nginx.out"))
        nginx.start()
        self.testcase.addCleanup(nginx.stop)
        wait_until(lambda: is_listening(address, 443), 20, what=f"nginx on {address}:443")
        return policy, nginx
