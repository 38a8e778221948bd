"""Loading an inventory: the fast path (flow records validated from JSON) against the careful path.

    python -m bench.load [--systems 100000] [--seed 1] [--rounds 2] [--inventory DIR]

The inventory is synthesized (``inventory.synth``, written as ``govcloud inventory synth``
writes it) into a temporary directory, unless --inventory names one. Each arm loads it
(``inventory.loader.load_inventory``) in a fresh child process, the arms alternating round by
round so both see the same machine: ``fast`` as govcloud loads it, and
``careful`` with the fast path switched off (every file read by ``yaml_source.parse`` and
validated record by record, as before the fast path). Reported per run: wall and CPU seconds of
the load (the cyclic-GC pass at its end included), the time per stage the loader reports, the
child's peak RSS and the load average. Results: bench/results/load.md and load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import Table, command_line, run_child, write_results

ARMS = ("fast", "careful")

_CHILD = """
import gc, json, sys, time
from pathlib import Path
from bench.common import StageClock
from inventory import fast_path
from inventory.loader import load_inventory

if sys.argv[2] == "careful":
    fast_path.read = lambda text: None
    fast_path.prepare = lambda text: None  # nor the helper that prepares the files' text
clock = StageClock()
cpu, wall = time.process_time(), time.perf_counter()
clock.start()
inv = load_inventory(Path(sys.argv[1]), progress=clock)
clock.stop()
gc.collect(0)  # what the first young collection after the load costs is part of it
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu": cpu, "wall": wall, "stages": clock.spans, "systems": len(inv.systems)}))
"""


def run(directory: Path, rounds: int) -> list[dict[str, Any]]:
    runs = []
    for round_ in range(1, rounds + 1):
        for arm in ARMS:
            load_before = os.getloadavg()[0]
            child = run_child([sys.executable, "-c", _CHILD, str(directory), arm])
            if child.returncode != 0:
                raise SystemExit(f"{arm} load failed:\n{child.stderr}")
            result = json.loads(child.stdout.strip().splitlines()[-1])
            runs.append(
                {"arm": arm, "round": round_, "peak_mb": child.peak_rss_mb, "load": load_before, **result}
            )
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--inventory", type=Path, help="an inventory directory to load instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        if args.inventory is not None:
            directory, what = args.inventory, "the given inventory"
            command = ["--inventory", "DIR", "--rounds", str(args.rounds)]
        else:
            from inventory.synth import synthesize, write_inventory

            directory, what = Path(tmp), f"synthetic, seed {args.seed}"
            write_inventory(synthesize(args.systems, args.seed), directory)
            command = ["--systems", str(args.systems), "--seed", str(args.seed), "--rounds", str(args.rounds)]
        runs = run(directory, args.rounds)
    stages = sorted({s for r in runs for s in r["stages"]})
    table = Table(
        f"Loading {runs[0]['systems']:,} systems ({what}): fast path and careful path",
        ["arm", "round", "wall s", "CPU s", *[f"{s} s" for s in stages], "peak MB", "load average"],
        [
            [
                r["arm"],
                r["round"],
                r["wall"],
                r["cpu"],
                *[r["stages"].get(s, 0.0) for s in stages],
                r["peak_mb"],
                r["load"],
            ]
            for r in runs
        ],
        note="Each run a fresh process; the arms alternate. 'startup' is the time before the loader's first "
        "progress report (the first file).",
    )
    md, _ = write_results(
        "load",
        "Inventory loading: fast path against careful path",
        [table],
        data={"runs": runs},
        command=command_line("bench.load", command),
    )
    print(md.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
