"""Benchmark: synthesize a province-scale inventory, then validate it with the CLI.

    python -m bench.synth_validate --systems 100000 [--seed 1] [--out out/bench-synth]

Runs `govcloud inventory synth` and `govcloud inventory validate` as subprocesses, each timed
(wall clock) with its peak RSS (from /usr/bin/time, falling back to getrusage). Writes
bench/results/synth_validate.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, machine_markdown
from foundation.atomic import atomic_write_text

RESULTS = Path(__file__).resolve().parent / "results"


def _run(args: list[str]) -> dict[str, Any]:
    """Run one CLI command; wall time, exit code and its peak RSS.

    The peak comes from /usr/bin/time when installed (that child alone), else from
    getrusage(RUSAGE_CHILDREN) (the maximum over all children so far).
    """
    timer = Path("/usr/bin/time")
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        cmd = [str(timer), "-f", "%M", "-o", rss.name, *args] if timer.exists() else args
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - started
        text = Path(rss.name).read_text().strip().splitlines()
        peak_kb = (
            int(text[-1])
            if timer.exists() and text and text[-1].isdigit()
            else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        )
    return {
        "command": " ".join(args[1:]) if args[0] == sys.executable else " ".join(args),
        "exit_code": proc.returncode,
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "stdout_tail": proc.stdout.strip().splitlines()[-3:],
        "stderr_tail": proc.stderr.strip().splitlines()[-5:],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("out/bench-synth"))
    opts = ap.parse_args(argv)
    cli = [sys.executable, "-c", "from govcloud.cli import main; main()"]
    load_before = os.getloadavg()[0]
    synth = _run(
        [
            *cli,
            "inventory",
            "synth",
            "--systems",
            str(opts.systems),
            "--seed",
            str(opts.seed),
            "--out",
            str(opts.out),
            "--force",
        ]
    )
    files = sorted(opts.out.glob("*.yaml"))
    validate = _run([*cli, "inventory", "validate", str(opts.out)])
    load_after = os.getloadavg()[0]
    result = {
        "systems": opts.systems,
        "seed": opts.seed,
        "out": str(opts.out),
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        "synth": synth,
        "validate": validate,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "machine_detail": machine(),
        "load_average": [load_before, load_after],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        RESULTS / "synth_validate.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    )
    md = [
        "# synth + validate benchmark",
        "",
        f"`python -m bench.synth_validate --systems {opts.systems} --seed {opts.seed}` "
        f"({result['machine']['platform']}, Python {result['machine']['python']})",
        "",
        f"Machine: {machine_markdown(result['machine_detail'])}",
        "",
        f"1-minute load average: {load_before:.2f} at the start, {load_after:.2f} at the end "
        "(2 cores shared with other work; above ~1.5 the timings are inflated).",
        "",
        f"Output: {len(files)} files, {result['bytes'] / 1e6:.1f} MB.",
        "",
        "| step | exit | wall (s) | peak RSS (MB) |",
        "|---|---|---|---|",
        f"| synth | {synth['exit_code']} | {synth['wall_s']} | {synth['peak_rss_mb']} |",
        f"| validate | {validate['exit_code']} | {validate['wall_s']} | {validate['peak_rss_mb']} |",
        "",
        "Peak RSS per step from /usr/bin/time (%M) when installed, else getrusage(RUSAGE_CHILDREN).",
        "",
    ]
    atomic_write_text(RESULTS / "synth_validate.md", "\n".join(md))
    print("\n".join(md))
    return 0 if synth["exit_code"] == 0 and validate["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
