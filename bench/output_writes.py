"""Writing a plan-sized output file: in pieces of megabytes as made, against capped writes.

    python -m bench.output_writes [--megabytes 170] [--piece-mb 14] [--rounds 4] [--pause 5]

``govcloud plan`` writes a province's plan.json (170 MB at 100,000 systems) in the pieces its
serializer makes, about 14 MB each. The kernel allocates a file's page cache in folios as large
as the writes allow, and where large free blocks are slow to get (fragmented memory, or memory a
virtual machine has handed back to its host) that allocation, not the copying, is the cost.
``foundation.atomic`` caps each write at 128 KiB. This writes the same bytes both ways, side by
side and alternating, each into a new file in a temporary directory under the results
directory, after a pause (memory freed by the previous write is handed back meanwhile, as it is
between two runs of the planner). It prints, and writes to ``bench/results/output_writes.md``
and ``.json``, the wall and system seconds of each way and the ratio of their medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS_DIR, Table, command_line, write_results
from foundation.atomic import atomic_open


def _uncapped(path: Path, pieces: list[bytes]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for piece in pieces:
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _capped(path: Path, pieces: list[bytes]) -> None:
    with atomic_open(path, "wb") as fh:
        for piece in pieces:
            fh.write(piece)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megabytes", type=int, default=170)
    ap.add_argument("--piece-mb", type=int, default=14)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--pause", type=float, default=5.0, help="seconds between writes")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    argv = sys.argv[1:]
    args = ap.parse_args(argv)
    piece = os.urandom(1 << 20) * args.piece_mb
    pieces = [piece] * max(1, args.megabytes // args.piece_mb)
    size = sum(map(len, pieces))
    ways = {"pieces as made": _uncapped, "capped writes (foundation.atomic)": _capped}
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    args.results_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.results_dir, prefix=".output-writes.") as tmp:
        for round_ in range(args.rounds):
            order = list(ways) if round_ % 2 == 0 else list(reversed(ways))
            for name in order:
                time.sleep(args.pause)
                path = Path(tmp) / "plan.json"
                path.unlink(missing_ok=True)
                before, started = os.times(), time.perf_counter()
                ways[name](path, pieces)
                wall, after = time.perf_counter() - started, os.times()
                seen[name].append((wall, after.system - before.system))
    table = Table(
        f"{size / 1e6:.0f} MB in {len(pieces)} pieces of {args.piece_mb} MB, {args.rounds} rounds, "
        f"{args.pause:g} s apart",
        ["way", "wall s (each run)", "median wall s", "median system s"],
    )
    medians = {}
    for name, runs in seen.items():
        walls = [w for w, _ in runs]
        medians[name] = statistics.median(walls)
        table.rows.append([name, ", ".join(f"{w:.2f}" for w in walls), medians[name],
                           statistics.median(s for _, s in runs)])
    first, second = medians.values()
    notes = [f"capped / as made (medians of wall time): {second / first:.2f}"]
    md, _ = write_results(
        "output_writes", "Writing a plan-sized output file: pieces as made against capped writes", [table],
        command=command_line("bench.output_writes", argv), notes=notes, results_dir=args.results_dir,
        data={"seen": seen},
    )
    print(table.markdown())
    print(notes[0])
    print(f"wrote {md}")

if __name__ == "__main__":
    main()
