"""A real PostgreSQL server for the fleet tests (shared/notes/test-servers.md, "PostgreSQL").

PostgreSQL refuses to run as uid 0, and inside a user namespace uid 0 is the only user, so these
tests run under netns_root_run (real root, a network namespace without a user namespace) and
the server runs as the `postgres` system user: its data and socket directory belong to it. It
listens on one 127.0.0.x address of the test's namespace, with trust authentication for the
user `stsrelay` and a database `stsrelay`.

Postgres(testcase).start() initialises and starts it; crash() is `pg_ctl -m immediate stop`
(no shutdown checkpoint: what a killed server leaves); start() again recovers; query() runs SQL
through psql. The test's cleanups stop it and remove its directory."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile

from procs import is_listening, run, wait_until


def pg_bin():
    """The newest /usr/lib/postgresql/N/bin (Debian's layout)."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                  key=lambda p: int(p.split("/")[4]))
    if not dirs:
        raise RuntimeError("PostgreSQL is not installed (scripts/setup installs `postgresql`)")
    return os.path.dirname(dirs[-1])


class Postgres:
    USER = "stsrelay"
    DB = "stsrelay"

    def __init__(self, testcase, host="127.0.0.60", port=5432):
        self.host = host
        self.port = port
        self.bin = pg_bin()
        # Not under the test's own directory: that one is root's (0700), and the server must
        # reach its files as `postgres`.
        self.dir = tempfile.mkdtemp(prefix="stsrelay-pg-")
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "pg.log")
        self._initialised = False
        testcase.addCleanup(self._cleanup)

    @property
    def conninfo(self):
        return f"host={self.host} port={self.port} dbname={self.DB} user={self.USER}"

    def _as_postgres(self, *argv, timeout=60):
        return run(["runuser", "-u", "postgres", "--", *argv], timeout=timeout, check=True)

    def _ctl(self, *args):
        return self._as_postgres(os.path.join(self.bin, "pg_ctl"), "-D", self.data, *args)

    def start(self):
        if not self._initialised:
            # --no-sync: only initdb's own files; the server below runs with fsync as shipped.
            self._as_postgres(os.path.join(self.bin, "initdb"), "-D", self.data, "-A", "trust",
                              "-U", self.USER, "--no-sync")
        self._ctl("-o", f"-k {self.dir} -c listen_addresses={self.host} -p {self.port}",
                  "-l", self.log, "-w", "-t", "30", "start")
        wait_until(lambda: is_listening(self.host, self.port), 30, what="postgresql to listen")
        if not self._initialised:
            self._as_postgres(os.path.join(self.bin, "createdb"), "-h", self.dir,
                              "-p", str(self.port), "-U", self.USER, self.DB)
            self._initialised = True
        return self

    def crash(self):
        """`pg_ctl -m immediate stop`: the server quits without a checkpoint, as if killed."""
        self._ctl("-m", "immediate", "-w", "stop")

    def stop(self):
        self._ctl("-m", "fast", "-w", "stop")

    def running(self):
        return subprocess.run(["runuser", "-u", "postgres", "--",
                               os.path.join(self.bin, "pg_ctl"), "-D", self.data, "status"],
                              capture_output=True).returncode == 0

    def query(self, sql):
        """Rows of `sql` as lists of strings (psql -At, fields split on '|')."""
        out = run(["psql", self.conninfo, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                  timeout=30, check=True).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _cleanup(self):
        if self._initialised and self.running():
            subprocess.run(["runuser", "-u", "postgres", "--",
                            os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m",
                            "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
