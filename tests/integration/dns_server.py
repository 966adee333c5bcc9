#!/usr/bin/python3
"""A small authoritative DNS server for the resolver's integration test (dns_resolver_test.cpp).

Serves the zone below over UDP and TCP on every --listen ADDR:PORT, with the oddities a mail
resolver must tell apart: MX with equal preferences, a null MX (RFC 7505), no MX (implicit MX),
TXT of one and of several strings and several records, CNAME -> TXT and CNAME -> MX, a CNAME into
another zone answered without its target (as an authoritative server does), NXDOMAIN vs NODATA
(both with the SOA of RFC 2308), SERVFAIL, REFUSED, a name that is never answered (timeout), and
a TXT too large for UDP (TC=1, the client retries over TCP). Writes --ready FILE once listening.
Needs python3-dnslib (Debian); run it with /usr/bin/python3.

DNSSEC, as a validating resolver reports it (RFC 4035 §3.2.3, RFC 6840 §5.7/§5.8): names in
signed.test stand for a zone that validates. An answer, NODATA or NXDOMAIN whose every record
lies in signed.test gets the AD bit, but only for a query that carried both AD=1 and an OPT
record with DO, so the resolver test also proves that its queries ask that way. Everything else
goes out with AD clear (dnslib's reply() would echo the query's AD bit otherwise), except
bogus.signed.test: SERVFAIL with AD set, a server the client must not believe on a failure.
"""
import argparse
import os
import signal
import socket
import socketserver
import struct
import sys
import threading

from dnslib import AAAA, CNAME, MX, QTYPE, RCODE, RR, SOA, TLSA, TXT, A, DNSLabel, DNSRecord

ZONES = ("example.test", "other.test", "signed.test")
SIGNED_ZONE = "signed.test"
TTL = 300
SOA_RR = {
    z: RR(z, QTYPE.SOA, ttl=60,
          rdata=SOA("ns." + z, "hostmaster." + z, (1, 3600, 600, 86400, 60)))
    for z in ZONES
}

BIG = ["x" * 200 + str(i) for i in range(8)]  # ~1.6 kB: more than EDNS 1232, so TCP

# name -> list of (type, rdata, ttl); a name present with no record of a type is NODATA.
RECORDS = {
    "example.test": [
        ("MX", MX("mx1.example.test", 10), TTL),
        ("MX", MX("mx2.example.test", 10), TTL),
        ("MX", MX("mx3.example.test", 20), TTL),
    ],
    "mx1.example.test": [("A", A("192.0.2.1"), TTL), ("AAAA", AAAA("2001:db8::1"), TTL)],
    "mx2.example.test": [("A", A("192.0.2.2"), TTL), ("A", A("192.0.2.22"), TTL)],
    "mx3.example.test": [("AAAA", AAAA("2001:db8::3"), TTL)],
    "nullmx.example.test": [("MX", MX(".", 0), TTL), ("A", A("192.0.2.30"), TTL)],
    "implicit.example.test": [("A", A("192.0.2.40"), TTL), ("AAAA", AAAA("2001:db8::40"), TTL)],
    "iplit.example.test": [("MX", MX("192.0.2.25", 10), TTL)],
    "txt.example.test": [("TXT", TXT(["single string"]), TTL)],
    "multi.example.test": [
        ("TXT", TXT(["v=spf1 ", "include:a.test ", "-all"]), TTL),
        ("TXT", TXT(["second record"]), TTL),
    ],
    "big.example.test": [("TXT", TXT(BIG), TTL)],
    "_mta-sts.example.test": [("TXT", TXT(["v=STSv1; id=20240101T000000"]), TTL)],
    "_mta-sts.alias.example.test": [("CNAME", CNAME("_mta-sts.example.test"), 120)],
    "mxalias.example.test": [("CNAME", CNAME("example.test"), TTL)],
    # Into another zone: answered with the CNAME alone, no SOA (the client must ask again).
    "out.example.test": [("CNAME", CNAME("target.other.test"), TTL)],
    "target.other.test": [("TXT", TXT(["from the other zone"]), TTL)],
    "short.example.test": [("A", A("192.0.2.50"), 1)],
    "_25._tcp.mx1.example.test": [("TLSA", TLSA(3, 1, 1, bytes.fromhex("abcd" * 16)), TTL)],
    "signed.test": [("MX", MX("mx.signed.test", 10), TTL)],
    "mx.signed.test": [("A", A("192.0.2.60"), TTL)],
    "_25._tcp.mx.signed.test": [
        ("TLSA", TLSA(3, 1, 1, bytes.fromhex("5a" * 32)), TTL),
        ("TLSA", TLSA(2, 0, 1, bytes.fromhex("a5" * 32)), TTL),
    ],
    # A chain inside the signed zone: one response, secure as a whole.
    "_25._tcp.alias.signed.test": [("CNAME", CNAME("_25._tcp.mx.signed.test"), TTL)],
    # Out of the signed zone: the second response, for the target, is insecure.
    "_25._tcp.out.signed.test": [("CNAME", CNAME("_25._tcp.mx1.example.test"), TTL)],
    # Into the signed zone from an unsigned one: the first link is insecure.
    "_25._tcp.into.example.test": [("CNAME", CNAME("_25._tcp.mx.signed.test"), TTL)],
}
SERVFAIL = {"servfail.example.test", "bogus.signed.test"}
REFUSED = {"refused.example.test"}
SILENT = {"timeout.example.test"}


def zone_of(name):
    for z in ZONES:
        if name == z or name.endswith("." + z):
            return z
    return None


def asked_for_dnssec(request):
    do = any(rr.rtype == QTYPE.OPT and rr.edns_do for rr in request.ar)
    return request.header.ad == 1 and do


def answer(request):
    reply = answer_records(request)
    if reply is None:
        return None
    qname = str(request.q.qname).rstrip(".").lower()
    owners = [str(rr.rname).rstrip(".").lower() for rr in reply.rr + reply.auth]
    secure = (asked_for_dnssec(request) and reply.header.rcode in (RCODE.NOERROR, RCODE.NXDOMAIN)
              and owners and all(zone_of(o) == SIGNED_ZONE for o in owners))
    reply.header.ad = 1 if secure or qname == "bogus.signed.test" else 0
    return reply


def answer_records(request):
    reply = request.reply()
    reply.header.ra = 0
    reply.header.aa = 1
    qname = str(request.q.qname).rstrip(".").lower()
    qtype = QTYPE[request.q.qtype]
    if qname in SILENT:
        return None
    if qname in SERVFAIL:
        reply.header.rcode = RCODE.SERVFAIL
        return reply
    zone = zone_of(qname)
    if qname in REFUSED or zone is None:
        reply.header.rcode = RCODE.REFUSED
        return reply
    name = qname
    for _ in range(8):
        records = RECORDS.get(name)
        if records is None:
            reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(SOA_RR[zone_of(name) or zone])
            return reply
        matching = [r for r in records if r[0] == qtype]
        if matching:
            for _, rdata, ttl in matching:
                reply.add_answer(RR(name, getattr(QTYPE, qtype), ttl=ttl, rdata=rdata))
            return reply
        cname = [r for r in records if r[0] == "CNAME"]
        if not cname:
            reply.add_auth(SOA_RR[zone_of(name)])  # NODATA
            return reply
        _, rdata, ttl = cname[0]
        reply.add_answer(RR(name, QTYPE.CNAME, ttl=ttl, rdata=rdata))
        target = str(rdata.label).rstrip(".").lower()
        if zone_of(target) != zone_of(name):
            return reply  # not authoritative for the target: the CNAME alone
        name = target
    return reply


def udp_limit(request):
    for rr in request.ar:
        if rr.rtype == QTYPE.OPT:
            return max(512, rr.rclass)  # EDNS0: CLASS holds the payload size (RFC 6891 §6.1.2)
    return 512


class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        request = DNSRecord.parse(data)
        reply = answer(request)
        if reply is None:
            return
        packed = reply.pack()
        if len(packed) > udp_limit(request):
            reply = request.reply()
            reply.header.aa = 1
            reply.header.tc = 1
            reply.header.ad = 0
            packed = reply.pack()
        sock.sendto(packed, self.client_address)


class Tcp(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            head = self.request.recv(2, socket.MSG_WAITALL)
            if len(head) < 2:
                return
            (length,) = struct.unpack("!H", head)
            data = self.request.recv(length, socket.MSG_WAITALL)
            reply = answer(DNSRecord.parse(data))
            if reply is None:
                continue
            packed = reply.pack()
            self.request.sendall(struct.pack("!H", len(packed)) + packed)


class UdpServer(socketserver.ThreadingUDPServer):
    allow_reuse_address = True
    daemon_threads = True


class TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", action="append", required=True, help="ADDR:PORT")
    parser.add_argument("--ready", required=True, help="file written once listening")
    args = parser.parse_args()
    servers = []
    for listen in args.listen:
        host, port = listen.rsplit(":", 1)
        servers += [UdpServer((host, int(port)), Udp), TcpServer((host, int(port)), Tcp)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    with open(args.ready + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(args.ready + ".tmp", args.ready)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for s in servers:
        s.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
