"""A test certificate authority made with openssl at test time (notes/test-servers.md).

TestCA(dir) creates an EC P-256 CA; issue() makes a server leaf for some DNS names and IP
addresses, signed by that CA. The relay under test or a test server is given the leaf's chain
(leaf + CA) and key; clients trust ca_pem.
"""

import hashlib
import os
import subprocess
from dataclasses import dataclass

from procs import run


@dataclass
class Leaf:
    name: str
    key: str    # PEM private key
    cert: str   # PEM leaf certificate only
    chain: str  # PEM leaf followed by the CA certificate: what a server presents


class TestCA:
    def __init__(self, directory, subject="Test CA"):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.key = os.path.join(directory, "ca.key")
        self.pem = os.path.join(directory, "ca.pem")
        run(["openssl", "req", "-x509", "-new", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", self.key, "-out", self.pem, "-days", "3650", "-subj", f"/CN={subject}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"], check=True)

    def issue(self, name, dns_names=(), ip_addresses=(), days=365):
        """A server certificate for `name` (also its first subjectAltName) plus any other DNS
        names and IP addresses, valid from now for `days`."""
        base = os.path.join(self.directory, name.replace("*", "_wild"))
        sans = [f"DNS:{n}" for n in (name, *dns_names)] + [f"IP:{a}" for a in ip_addresses]
        ext = base + ".ext"
        with open(ext, "w") as f:
            f.write("[v3]\n"
                    f"subjectAltName={','.join(sans)}\n"
                    "extendedKeyUsage=serverAuth\n"
                    "keyUsage=critical,digitalSignature\n"
                    "basicConstraints=critical,CA:FALSE\n")
        key, csr, cert, chain = (base + s for s in (".key", ".csr", ".pem", ".chain.pem"))
        run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}"], check=True)
        run(["openssl", "x509", "-req", "-in", csr, "-CA", self.pem, "-CAkey", self.key,
             "-CAcreateserial", "-out", cert, "-days", str(days), "-extfile", ext,
             "-extensions", "v3"], check=True)
        with open(chain, "w") as out:
            for part in (cert, self.pem):
                with open(part) as f:
                    out.write(f.read())
        return Leaf(name=name, key=key, cert=cert, chain=chain)

    def issue_expired(self, name):
        """A server certificate for `name` that expired in 2021: `openssl ca` takes explicit
        dates, which `openssl x509 -req` does not."""
        d = os.path.join(self.directory, "expired-" + name.replace("*", "_wild"))
        os.makedirs(os.path.join(d, "certs"), exist_ok=True)
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("1000\n")
        conf = os.path.join(d, "ca.cnf")
        with open(conf, "w") as f:
            f.write(f"""[ca]
default_ca = test
[test]
database = {d}/index.txt
serial = {d}/serial
new_certs_dir = {d}/certs
default_md = sha256
policy = anything
copy_extensions = none
x509_extensions = v3
[anything]
commonName = supplied
[v3]
subjectAltName = DNS:{name}
extendedKeyUsage = serverAuth
basicConstraints = critical,CA:FALSE
""")
        key, csr, cert = (os.path.join(d, n) for n in ("leaf.key", "leaf.csr", "leaf.pem"))
        run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}"], check=True)
        run(["openssl", "ca", "-batch", "-config", conf, "-cert", self.pem, "-keyfile", self.key,
             "-startdate", "20200101000000Z", "-enddate", "20210101000000Z", "-in", csr,
             "-out", cert, "-notext"], check=True)
        chain = os.path.join(d, "leaf.chain.pem")
        with open(chain, "w") as out:
            for part in (cert, self.pem):
                with open(part) as f:
                    out.write(f.read())
        return Leaf(name=name, key=key, cert=cert, chain=chain)


def spki_sha256(pem_path):
    """The SHA-256 of a certificate's SubjectPublicKeyInfo: the data of TLSA 3 1 1 and 2 1 1."""
    pub = subprocess.run(["openssl", "x509", "-in", pem_path, "-pubkey", "-noout"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         capture_output=True, check=True).stdout
    return hashlib.sha256(der).hexdigest()
