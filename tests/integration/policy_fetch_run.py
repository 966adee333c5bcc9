#!/usr/bin/python3
"""The world of the policy fetch integration test (policy_fetch_test.cpp), inside a private
network namespace (run through netns_run --addrs 10):

- a test CA (and a second CA nobody trusts) made with openssl now;
- nginx serving https://mta-sts.<domain>/.well-known/mta-sts.txt for the domains of SITES: on
  127.0.0.2 with HTTP/2 (ALPN h2) and on 127.0.0.3 with HTTP/1.1 only; good policies, 404, 301,
  text/html, bodies above 64 KiB (with and without Content-Length), a chunked body, a policy
  with a syntax error, and certificates for the wrong name, from the untrusted CA, and expired;
- a DNS server (python3-dnslib) on 127.0.0.53:53 with the A records of those hosts, plus one
  host that does not exist, one whose address refuses connections, one whose first address
  refuses and second serves, and one whose server accepts and never answers (127.0.0.9:443).

Then it runs the test binary (argv[1]) with STSRELAY_TEST_CA and STSRELAY_TEST_DNS set, stops
every server it started, and exits with the binary's status.
"""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from certs import TestCA  # noqa: E402
from dnslib import QTYPE, RCODE, RR, A  # noqa: E402
from dnslib.server import BaseResolver, DNSServer  # noqa: E402
from procs import ServerProcess, is_listening, run, wait_until  # noqa: E402

H2, H1 = "127.0.0.2", "127.0.0.3"
STALLED, REFUSING = "127.0.0.9", "127.0.0.8"
DNS = ("127.0.0.53", 53)

GOOD_POLICY = ("version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: *.good.test\r\n"
               "max_age: 604800\r\n")
BAD_POLICY = "version: STSv1\nmode: sometimes\nmx: mx.good.test\nmax_age: 86400\n"
# A valid policy padded with unknown keys (§3.2: ignored) to more than 64 KiB.
BIG_POLICY = GOOD_POLICY + "".join(f"x-pad{i}: {'p' * 100}\r\n" for i in range(700))

PLAIN = 'types { } default_type "text/plain";'
# sub_filter rewrites the body, so nginx drops Content-Length and sends HTTP/1.1 chunked (and
# HTTP/2 DATA without content-length).
STREAMED = (PLAIN + " sub_filter 'enforce' 'enforce'; sub_filter_types text/plain;"
            " sub_filter_once off;")

# domain -> (address, certificate kind, location body)
SITES = {
    "good-h2.test": (H2, "good", f"{PLAIN} alias {{www}}/good.txt;"),
    "good-h1.test": (H1, "good", f"{PLAIN} alias {{www}}/good.txt;"),
    "charset.test": (H1, "good",
                     'types { } default_type "text/plain; charset=utf-8"; alias {www}/good.txt;'),
    "chunked-h1.test": (H1, "good", f"{STREAMED} alias {{www}}/good.txt;"),
    # DNS gives a refusing address first (OTHER_HOSTS): the client must go on to this one.
    "fallback.test": (H1, "good", f"{PLAIN} alias {{www}}/good.txt;"),
    "notfound-h2.test": (H2, "good", "return 404;"),
    "notfound-h1.test": (H1, "good", "return 404;"),
    "redirect-h2.test": (H2, "good",
                         "return 301 https://mta-sts.good-h2.test/.well-known/mta-sts.txt;"),
    "redirect-h1.test": (H1, "good",
                         "return 302 https://mta-sts.good-h1.test/.well-known/mta-sts.txt;"),
    "html-h2.test": (H2, "good", 'types { } default_type "text/html"; alias {www}/good.txt;'),
    "html-h1.test": (H1, "good", 'types { } default_type "text/html"; alias {www}/good.txt;'),
    "big-h2.test": (H2, "good", f"{PLAIN} alias {{www}}/big.txt;"),
    "big-h1.test": (H1, "good", f"{PLAIN} alias {{www}}/big.txt;"),
    "bigstream-h2.test": (H2, "good", f"{STREAMED} alias {{www}}/big.txt;"),
    "bigchunked-h1.test": (H1, "good", f"{STREAMED} alias {{www}}/big.txt;"),
    "invalid.test": (H1, "good", f"{PLAIN} alias {{www}}/bad.txt;"),
    "wrongname.test": (H2, "wrongname", f"{PLAIN} alias {{www}}/good.txt;"),
    "untrusted.test": (H2, "untrusted", f"{PLAIN} alias {{www}}/good.txt;"),
    "expired.test": (H1, "expired", f"{PLAIN} alias {{www}}/good.txt;"),
}
# Extra locations on the good hosts, for the client's own tests (POST, a 3xx it must not follow).
EXTRA_LOCATIONS = """
    location = /report { return 204; }
    location = /moved { return 301 https://elsewhere.test/; }
"""
OTHER_HOSTS = {
    "mta-sts.stalled.test": [STALLED],
    "mta-sts.refused.test": [REFUSING],
    "mta-sts.fallback.test": [REFUSING, H1],
}


def certificates(work):
    ca = TestCA(os.path.join(work, "ca"))
    rogue = TestCA(os.path.join(work, "rogue"), subject="Untrusted CA")
    names = [f"mta-sts.{d}" for d, (_, kind, _) in SITES.items() if kind == "good"]
    good = ca.issue(names[0], dns_names=names[1:])
    wrong = ca.issue("mta-sts.another.test")
    untrusted = rogue.issue("mta-sts.untrusted.test")
    expired_cert = ca.issue_expired("mta-sts.expired.test")
    expired = (expired_cert.chain, expired_cert.key)
    return ca, {"good": (good.chain, good.key), "wrongname": (wrong.chain, wrong.key),
                "untrusted": (untrusted.chain, untrusted.key), "expired": expired}


def nginx_conf(work, certs):
    www = os.path.join(work, "www")
    os.makedirs(www, exist_ok=True)
    for name, text in (("good.txt", GOOD_POLICY), ("bad.txt", BAD_POLICY),
                       ("big.txt", BIG_POLICY)):
        with open(os.path.join(www, name), "w", newline="") as f:
            f.write(text)
    assert len(BIG_POLICY) > 65536
    servers = []
    for domain, (address, kind, location) in SITES.items():
        chain, key = certs[kind]
        listen = f"{address}:443 ssl" + (" http2" if address == H2 else "")
        extra = EXTRA_LOCATIONS if domain in ("good-h2.test", "good-h1.test") else ""
        servers.append(f"""
  server {{
    listen {listen};
    server_name mta-sts.{domain};
    ssl_certificate {chain};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /.well-known/mta-sts.txt {{ {location.replace('{www}', www)} }}
    {extra}
  }}""")
    tmp = os.path.join(work, "nginx-tmp")
    os.makedirs(tmp, exist_ok=True)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""user root root;
worker_processes 1;
# Inside a user namespace setgroups() is refused, so no worker may switch users: one process.
master_process off;
pid {work}/nginx.pid;
events {{ worker_connections 128; }}
http {{
  access_log {work}/access.log;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  {''.join(servers)}
}}
""")
    return conf


class Zone(BaseResolver):
    """A records of every policy host; AAAA queries get NODATA; anything else NXDOMAIN."""

    def __init__(self):
        self.hosts = {f"mta-sts.{d}": [a] for d, (a, _, _) in SITES.items()}
        self.hosts.update(OTHER_HOSTS)

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if name not in self.hosts:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.A:
            for address in self.hosts[name]:
                reply.add_answer(RR(name, QTYPE.A, ttl=1, rdata=A(address)))
        return reply


def stalled_server(address):
    """Accepts TCP connections on address:443 and never sends a byte (the timeout case)."""
    listener = socket.create_server((address, 443))
    held = []

    def loop():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=loop, daemon=True).start()
    return listener, held


def check_chunked(ca_pem):
    """Precondition: nginx really answers chunked-h1.test with Transfer-Encoding: chunked."""
    ctx = ssl.create_default_context(cafile=ca_pem)
    host = "mta-sts.chunked-h1.test"
    with socket.create_connection((H1, 443), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(f"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\n"
                      "Connection: close\r\n\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    head = data.split(b"\r\n\r\n")[0].decode().lower()
    if "transfer-encoding: chunked" not in head:
        raise RuntimeError("nginx did not send the chunked body the test relies on:\n" + head)


def main():
    test_binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="stsrelay-policy-fetch-") as work:
        ca, certs = certificates(work)
        conf = nginx_conf(work, certs)
        nginx = ServerProcess("nginx", ["nginx", "-p", work, "-c", conf, "-e",
                                        os.path.join(work, "error.log"), "-g", "daemon off;"],
                              os.path.join(work, "nginx.out"))
        run(["ip", "addr", "add", f"{DNS[0]}/8", "dev", "lo"])
        dns = DNSServer(Zone(), address=DNS[0], port=DNS[1])
        listener, held = stalled_server(STALLED)
        status = 1
        try:
            nginx.start()
            wait_until(lambda: is_listening(H2, 443) and is_listening(H1, 443), 20,
                       what="nginx listening on 127.0.0.2:443 and 127.0.0.3:443")
            dns.start_thread()
            wait_until(lambda: dns.isAlive(), 10, what="the DNS server")
            check_chunked(ca.pem)
            env = dict(os.environ, STSRELAY_TEST_CA=ca.pem,
                       STSRELAY_TEST_DNS=f"{DNS[0]}:{DNS[1]}")
            status = subprocess.run([test_binary, *sys.argv[2:]], env=env).returncode
        finally:
            dns.stop()
            listener.close()
            for conn in held:
                conn.close()
            nginx.stop()
            if status != 0:
                for log in ("nginx.out", "error.log"):
                    path = os.path.join(work, log)
                    if os.path.exists(path):
                        with open(path) as f:
                            sys.stderr.write(f"--- {log} ---\n{f.read()[-4000:]}\n")
        return status


if __name__ == "__main__":
    sys.exit(main())
