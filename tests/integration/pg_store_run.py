#!/usr/bin/python3
"""The world of the shared-store integration test (pg_store_test.cpp): a real PostgreSQL
(pg_world.py) started as the `postgres` user inside the network namespace of netns_root_run
(real root, no user namespace: PostgreSQL refuses uid 0 inside one). Runs the test binary
(argv[1]) with STSRELAY_TEST_PG set to the server's conninfo, stops the server, and exits with
the binary's status."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_world import Postgres  # noqa: E402


class _Cleanups(unittest.TestCase):
    """Postgres registers its cleanups on a TestCase; this one only holds them."""

    def runTest(self):
        pass


def main():
    holder = _Cleanups()
    try:
        pg = Postgres(holder, host="127.0.0.60").start()
        env = dict(os.environ, STSRELAY_TEST_PG=pg.conninfo)
        status = subprocess.run([sys.argv[1]], env=env, timeout=240).returncode
        if status != 0:
            sys.stderr.write("--- postgresql log ---\n" + pg.log_text()[-4000:] + "\n")
        return status
    finally:
        holder.doCleanups()


if __name__ == "__main__":
    sys.exit(main())
