"""CPU time of the processes taking part in a benchmark run, read from /proc.

A rate alone does not say why one relay is faster: on a small machine every process of the run
(load generator, relay, receivers) shares the same cores. These readings give the CPU each side
spent per message, and how busy the whole machine was meanwhile.

- process_tree_seconds(pid): CPU of a process and of all its descendants, living or exited and
  reaped: for a Postfix master that is the whole instance (smtpd, cleanup, qmgr, smtp, ...),
  for stsrelay its one process.
- machine_jiffies(): (busy, total) over all CPUs since boot, from /proc/stat.
"""

import os

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
