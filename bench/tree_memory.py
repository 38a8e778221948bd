"""Peak memory of a command together with the children it forks (Linux).

    python -m bench.tree_memory [--every 0.1] -- COMMAND [ARG ...]

A command that forks helpers (``foundation.beside``: a province's inventory files are read, its
digest taken and what follows from its decisions worked out in forked children) holds more
memory than its own peak RSS says, and summing the processes' RSS would count the pages they
still share twice. This samples the
proportional set size (PSS: a shared page is split between its sharers) of the command's whole
process tree and prints the peak of the sum, with the number of processes and when it came.

Reading PSS walks each process's page tables, which slows a command of gigabytes by a few
seconds: time the command elsewhere (``bench.scale``), measure its memory here.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path


def process_tree(pid: int) -> list[int]:
    """*pid* and all its descendants alive now."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def pss_kib(pid: int) -> int:
    """*pid*'s proportional set size in KiB (0 once it has ended, or for a zombie)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak, processes, when = 0, 1, 0.0
    while proc.poll() is None:
        sample = [pss_kib(pid) for pid in process_tree(proc.pid)]  # a zombie counts 0
        if sum(sample) > peak:
            peak, processes, when = sum(sample), sum(1 for kib in sample if kib), time.perf_counter() - start
        time.sleep(args.every)
    print(
        f"peak PSS {peak / 1024:,.0f} MB ({processes} process{'es' if processes > 1 else ''}, "
        f"at {when:.1f} s of {time.perf_counter() - start:.1f} s); exit {proc.returncode}"
    )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
