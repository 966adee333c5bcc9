"""CPU time of the processes taking part in a benchmark run, read from /proc.

A rate alone does not say why one relay is faster: on a small machine every process of the run
(load generator, relay, receivers) shares the same cores. These readings give the CPU each side
spent per message, and how busy the whole machine was meanwhile.

- process_tree_seconds(pid): CPU of a process and of all its descendants, living or exited and
  reaped: for a Postfix master that is the whole instance (smtpd, cleanup, qmgr, smtp, ...),
  for stsrelay its one process.
- machine_jiffies(): (busy, total) over all CPUs since boot, from /proc/stat.
- wait_until_quiet(): waits (bounded) until the machine is nearly idle, so that a server still
  working off the previous run (Postfix's queue manager trying thousands of deferred messages,
  say) does not slow down the next run of another.
"""

import os
import time

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (which may hold spaces), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2:].split()


def _children(pid):
    """Direct children of `pid`, from every thread's children list."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(c) for c in f.read().split())
            except FileNotFoundError:
                continue
    except FileNotFoundError:
        pass
    return out


def process_tree_seconds(pid):
    """utime + stime + cutime + cstime of `pid` and of its living descendants. A child that
    exits between two readings moves from its own terms into its parent's cutime + cstime, so
    the difference between two readings is the CPU the whole tree spent meanwhile."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # proc(5): utime, stime, cutime, cstime are fields 14-17; fields[0] here is field 3.
    ticks = sum(int(v) for v in fields[11:15])
    return ticks / TICKS + sum(process_tree_seconds(c) for c in _children(pid))


def machine_jiffies():
    """(busy, total) jiffies of all CPUs together; idle and iowait count as not busy."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    total = sum(values[:8])  # guest time is already part of user time
    idle = values[3] + values[4]
    return total - idle, total


def wait_until_quiet(what, limit=0.10, window=0.5, timeout=60.0):
    """Waits until less than `limit` of all CPUs was busy over the last `window` seconds, for
    at most `timeout` seconds. Returns the seconds waited, or None when the machine stayed busy:
    then the run of `what` goes ahead, and a line says so."""
    started = time.monotonic()
    while True:
        busy, total = machine_jiffies()
        time.sleep(window)
        busy_after, total_after = machine_jiffies()
        if (busy_after - busy) < limit * max(1, total_after - total):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            print(f"  the machine stayed busy for {timeout:.0f} s; {what} is measured anyway",
                  flush=True)
            return None
