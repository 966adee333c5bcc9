"""A DNSSEC-signed DNS world inside the test's network namespace, for DANE (RFC 7672): BIND 9
(`named`) serves the zone `test.` signed inline (dnssec-policy default) with child zones that
are signed and delegated securely, delegated without DS (insecure), or delegated with a DS that
matches no key (bogus); Unbound validates it with the zone's key-signing key as its trust anchor.
The relay asks Unbound (`resolver`), which sets AD on secure answers and answers SERVFAIL for
bogus ones, as a validating resolver an operator runs beside the relay would.

    world = SignedWorld(workdir, {"mx.a.test": [("A", "127.0.0.21")],
                                  "_25._tcp.mx.a.test": [("TLSA", "3 1 1 <hex>")]},
                        insecure=["plain.test"], bogus=["broken.test"])
    world.start(); ...; world.stop()

Names are grouped into the innermost zone that holds them. Measured recipe:
shared/notes/test-servers.md, "DNSSEC"."""

import os
import re
import subprocess

from procs import ServerProcess, is_listening, wait_until

AUTHORITATIVE = "127.0.0.53"
RESOLVER = "127.0.0.54"
TTL = 5


def _run(argv, timeout=20):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def _add_address(address):
    # named and unbound bind only to addresses that exist on an interface.
    _run(["ip", "addr", "add", f"{address}/8", "dev", "lo"])


class SignedWorld:
    def __init__(self, workdir, records, signed=(), insecure=(), bogus=()):
        """`records`: {name: [(type, rdata), ...]}, names without the trailing dot. `signed`,
        `insecure`, `bogus`: child zones of test. (signed: a DS in test.; insecure: no DS;
        bogus: a DS that matches none of its keys)."""
        self.workdir = os.path.join(workdir, "dnssec")
        os.makedirs(self.workdir, exist_ok=True)
        self.records = records
        self.children = {z: "signed" for z in signed}
        self.children.update({z: "insecure" for z in insecure})
        self.children.update({z: "bogus" for z in bogus})
        self.named = None
        self.unbound = None

    # --- zone files -----------------------------------------------------------------------------

    def _zone_of(self, name):
        best = "test"
        for zone in self.children:
            if (name == zone or name.endswith("." + zone)) and len(zone) > len(best):
                best = zone
        return best

    def _zone_text(self, zone, extra=()):
        lines = [f"$TTL {TTL}",
                 f"{zone}. IN SOA ns.test. hostmaster.test. 1 3600 600 86400 {TTL}",
                 f"{zone}. IN NS ns.test."]
        if zone == "test":
            lines.append(f"ns.test. IN A {AUTHORITATIVE}")
            # The zone cuts: without them the parent cannot prove that a child has no DS.
            lines.extend(f"{child}. IN NS ns.test." for child in self.children)
        for name, rrs in self.records.items():
            if self._zone_of(name) != zone:
                continue
            for rtype, rdata in rrs:
                lines.append(f"{name}. IN {rtype} {rdata}")
        lines.extend(extra)
        return "\n".join(lines) + "\n"

    def _write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def _named_conf(self):
        zones = []
        for zone, kind in [("test", "signed")] + list(self.children.items()):
            policy = "" if kind == "insecure" else \
                "dnssec-policy default; inline-signing yes;"
            zones.append(f'zone "{zone}." {{ type primary; file "{self.workdir}/{zone}.zone"; '
                         f'{policy} }};')
        return f"""options {{
  directory "{self.workdir}";
  pid-file "{self.workdir}/named.pid";
  key-directory "{self.workdir}";
  listen-on port 53 {{ {AUTHORITATIVE}; }};
  listen-on-v6 {{ none; }};
  recursion no;
  notify no;
  allow-transfer {{ none; }};
}};
{chr(10).join(zones)}
"""

    def _dig(self, server, name, rtype, *flags):
        return _run(["dig", f"@{server}", name, rtype, "+norec", "+time=2", "+tries=1", *flags])

    def _served_signed(self, zone):
        out = self._dig(AUTHORITATIVE, f"{zone}.", "DNSKEY", "+dnssec").stdout
        return "RRSIG" in out and "DNSKEY" in out

    def _ds_lines(self, zone):
        keys = self._dig(AUTHORITATIVE, f"{zone}.", "DNSKEY").stdout
        ksks = [l for l in keys.splitlines() if re.search(r"\sDNSKEY\s+257\s", l)]
        path = os.path.join(self.workdir, f"{zone}.ksk")
        self._write(path, "\n".join(ksks) + "\n")
        ds = _run(["dnssec-dsfromkey", "-2", "-f", path, f"{zone}."]).stdout
        return [l.strip() for l in ds.splitlines() if " DS " in l]

    # --- processes ------------------------------------------------------------------------------

    def start(self):
        _add_address(AUTHORITATIVE)
        _add_address(RESOLVER)
        for zone, kind in self.children.items():
            self._write(os.path.join(self.workdir, f"{zone}.zone"), self._zone_text(zone))
        # The parent first without DS records: the children's keys exist only once named has
        # signed them; then the parent is written again with their DS (or a wrong one).
        self._write(os.path.join(self.workdir, "test.zone"), self._zone_text("test"))
        self._write(os.path.join(self.workdir, "named.conf"), self._named_conf())
        self.named = ServerProcess("named", ["named", "-g", "-c",
                                             os.path.join(self.workdir, "named.conf")],
                                   os.path.join(self.workdir, "named.log"))
        self.named.start()
        wait_until(lambda: is_listening(AUTHORITATIVE, 53), 20, what="named on port 53")
        for zone in ["test"] + [z for z, k in self.children.items() if k != "insecure"]:
            wait_until(lambda z=zone: self._served_signed(z), 30, what=f"{zone}. signed")
        ds = []
        for zone, kind in self.children.items():
            if kind == "signed":
                ds.extend(self._ds_lines(zone))
            elif kind == "bogus":
                # A SHA-256 DS that matches no key of the child: validation fails (bogus).
                ds.append(f"{zone}. IN DS 12345 13 2 {'ab' * 32}")
        self._write(os.path.join(self.workdir, "test.zone"), self._zone_text("test", ds))
        self.named.stop()
        self.named.start()
        wait_until(lambda: is_listening(AUTHORITATIVE, 53), 20, what="named again")
        wait_until(lambda: self._served_signed("test"), 30, what="test. signed again")
        if ds:
            wait_until(lambda: "DS" in self._dig(AUTHORITATIVE, ds[0].split()[0], "DS").stdout,
                       30, what="the DS records in test.")
        self._start_unbound()
        return self

    def _start_unbound(self):
        keys = self._dig(AUTHORITATIVE, "test.", "DNSKEY").stdout
        anchor = [l for l in keys.splitlines() if re.search(r"\sDNSKEY\s+257\s", l)]
        self._write(os.path.join(self.workdir, "ta.keys"), "\n".join(anchor) + "\n")
        conf = os.path.join(self.workdir, "unbound.conf")
        self._write(conf, f"""server:
  interface: {RESOLVER}
  port: 53
  username: ""
  chroot: ""
  directory: "{self.workdir}"
  pidfile: "{self.workdir}/unbound.pid"
  logfile: ""
  use-syslog: no
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  trust-anchor-file: "{self.workdir}/ta.keys"
  local-zone: "test." nodefault
  cache-max-ttl: {TTL}
  cache-max-negative-ttl: {TTL}
  val-log-level: 2
stub-zone:
  name: "test."
  stub-addr: {AUTHORITATIVE}
""")
        self.unbound = ServerProcess("unbound", ["unbound", "-d", "-c", conf],
                                     os.path.join(self.workdir, "unbound.log"))
        self.unbound.start()
        wait_until(lambda: is_listening(RESOLVER, 53), 20, what="unbound on port 53")
        wait_until(lambda: " ad" in self._dig(RESOLVER, "test.", "SOA", "+rec").stdout
                   .split("flags:", 1)[-1].split(";", 1)[0], 30,
                   what="unbound validating test.")

    def stop(self):
        for p in (self.unbound, self.named):
            if p is not None:
                p.stop()

    # --- for assertions -------------------------------------------------------------------------

    def status(self, name, rtype):
        """'secure', 'insecure' or 'bogus' as Unbound answers `name` `rtype` now."""
        out = self._dig(RESOLVER, name, rtype, "+rec", "+dnssec").stdout
        if "status: SERVFAIL" in out:
            return "bogus"
        flags = out.split("flags:", 1)[-1].split(";", 1)[0]
        return "secure" if " ad" in flags else "insecure"
