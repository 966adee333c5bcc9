"""Writes the figures of one `tests/bench/run` into tests/bench/RESULTS.md: the whole printed
output of the run (every table with its rates, ratios, CPU per message and memory), with the
date, the command and the machine, replaces the part of the file between the markers below.
The rest of the file (how to reproduce, the analysis of earlier runs) is kept as written.

    write_results.py RESULTS.md OUTPUT_FILE ARGS...
"""

import datetime
import os
import platform
import sys

BEGIN = "<!-- tests/bench/run: last run, begin -->"
END = "<!-- tests/bench/run: last run, end -->"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return f"{os.cpu_count()} CPUs ({cpu}), {mem_kib / 1024 / 1024:.0f} GiB, {platform.release()}"


def section(output, args):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "tests/bench/run" + (" " + " ".join(args) if args else "")
    return "\n".join([
        BEGIN,
        "## Last run",
        "",
        f"`{command}`, {now}, on {machine()}. Written by `tests/bench/run`: the figures as it",
        "printed them (ratio = stsrelay / Postfix in the same run on the same machine).",
        "",
        "```",
        output.rstrip("\n"),
        "```",
        END,
    ])


def main():
    results, output_file, *args = sys.argv[1:]
    with open(output_file) as f:
        output = f.read()
    with open(results) as f:
        text = f.read()
    new = section(output, args)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + new + tail
    else:
        # Right after the title and its first paragraph, so the newest figures come first.
        title, _, body = text.partition("\n\n")
        text = f"{title}\n\n{new}\n\n{body}"
    with open(results, "w") as f:
        f.write(text)
    print(f"tests/bench/run: figures written to {results}")


if __name__ == "__main__":
    main()
