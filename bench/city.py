"""Benchmark: how instant the planner feels on the bundled sample city (issue 10, item 6).

    .venv/bin/python -m bench.city [--runs 5] [--exact-limit 60] [--quick]

Every figure is a whole process, measured with ``/usr/bin/time -v`` (wall clock, user + system
CPU time and maximum resident set size), the median of ``--runs`` runs one after the other (CPU
time says what the work costs when other processes share the cores and stretch the wall clock):

* interpreter start-up and imports: ``python -c pass``, ``import planner.core``, ``govcloud --help``;
* ``govcloud plan --effort quick|normal|thorough`` and, once, ``govcloud plan --exact`` (CP-SAT
  with the ``--exact-limit`` time limit): stranded cost and lower bound from each plan.json;
* ``govcloud check``, ``govcloud explain ID`` (with ``--plan FILE`` when the CLI offers it) and
  ``govcloud simulate --scenario FILE`` (a capacity cut written by this script), at the default
  effort.

Targets: plan ≤ 1 s at a stranded cost within 2 % of CP-SAT's; explain and check ≤ 0.5 s;
simulate ≤ 3 s. Writes bench/results/city.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, Table, command_line, write_results

TIME = "/usr/bin/time"
SCENARIO = (
    "name: capacity-cut\ndescription: the team halves from wave 1\n"
    "capacity:\n  - {from_wave: 1, factor: 0.5}\n"
)
EXPLAINED = "gov-oa"  # a system of the bundled city
PACKAGES = ("foundation", "inventory", "planner", "govcloud", "verifier", "reporting", "stacks", "playbooks")


def _timed(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One run under /usr/bin/time -v: exit code, wall seconds, peak RSS MB."""
    proc = subprocess.run([TIME, "-v", *argv], capture_output=True, text=True, env=env, check=False)
    wall = re.search(
        r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr
    )
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", proc.stderr))
    seconds = float("nan")
    if wall:
        h, m, s = wall.groups()
        seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    return {
        "returncode": proc.returncode,
        "wall_s": seconds,
        "cpu_s": cpu,
        "rss_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
        "stderr": proc.stderr.split("\tCommand being timed")[0][-400:],
    }


def _repeat(argv: list[str], runs: int, env: dict[str, str]) -> dict[str, Any]:
    got = [_timed(argv, env) for _ in range(runs)]
    walls = [g["wall_s"] for g in got]
    return {
        "argv": argv,
        "runs": runs,
        "returncodes": sorted({g["returncode"] for g in got}),
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_s": statistics.median(g["cpu_s"] for g in got),
        "rss_mb": statistics.median(g["rss_mb"] for g in got),
        "stderr": got[-1]["stderr"],
    }


def _metrics(plan_dir: Path) -> dict[str, Any]:
    try:
        m = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))["metrics"]
    except (OSError, ValueError, KeyError):
        return {}
    return {
        "stranded_cost": m["stranded_cost"],
        "lower_bound": m["stranded_cost_lower_bound"],
        "waves": m["waves"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.city", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per command (the median is reported)")
    ap.add_argument("--exact-limit", type=float, default=60.0, help="CP-SAT time limit (s)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 run each, 5 s CP-SAT")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = ap.parse_args(argv)
    runs = 1 if args.quick else max(1, args.runs)
    exact_limit = 5.0 if args.quick else args.exact_limit
    bindir = Path(sys.executable).parent
    local = bindir / "govcloud"
    govcloud = str(local) if local.exists() else shutil.which("govcloud") or "govcloud"
    env = {k: v for k, v in os.environ.items() if k != "GOVCLOUD_EFFORT"}  # each run names its effort
    # As an installed package runs: with its bytecode compiled (a shell that sets
    # PYTHONDONTWRITEBYTECODE would otherwise recompile every source file of every run).
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(root / p) for p in PACKAGES)],
                   check=False, capture_output=True)
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="govcloud-city-"))
    rows: list[dict[str, Any]] = []
    try:
        scenario = tmp / "capacity-cut.yaml"
        scenario.write_text(SCENARIO, encoding="utf-8")

        def measure(what: str, cmd: list[str], n: int = runs, plan_dir: Path | None = None) -> dict[str, Any]:
            r = _repeat(cmd, n, env)
            r["what"] = what
            if plan_dir is not None:
                r.update(_metrics(plan_dir))
            rows.append(r)
            print(f"{what}: {r['median_s']:.2f} s (exit {r['returncodes']})", flush=True)
            return r

        measure("python -c pass", [sys.executable, "-c", "pass"])
        measure("import planner.core", [sys.executable, "-c", "import planner.core"])
        measure("govcloud --help (every area)", [govcloud, "--help"])
        measure("govcloud plan --help (its area only)", [govcloud, "plan", "--help"])
        for effort in ("quick", "normal", "thorough"):
            out = tmp / f"plan-{effort}"
            measure(
                f"govcloud plan --effort {effort}",
                [govcloud, "plan", "--effort", effort, "--out", str(out)],
                plan_dir=out,
            )
        out = tmp / "plan-exact"
        r = _repeat([sys.executable, "-c", EXACT, str(out), str(exact_limit)], 1, env)
        r.update(what=f"CP-SAT ({exact_limit:g} s, 2 workers, hinted)", **_metrics(out))
        rows.append(r)
        plan_file = tmp / "plan-normal" / "plan.json"
        has_plan_option = (
            "--plan"
            in subprocess.run(
                [govcloud, "check", "--help"], capture_output=True, text=True, env=env, check=False
            ).stdout
        )
        from_file = ["--plan", str(plan_file)] if has_plan_option else []
        measure("govcloud check" + (" --plan FILE" if from_file else ""), [govcloud, "check", *from_file])
        measure(
            "govcloud explain ID" + (" --plan FILE" if from_file else ""),
            [govcloud, "explain", EXPLAINED, *from_file],
        )
        measure("govcloud simulate --scenario FILE", [govcloud, "simulate", "--scenario", str(scenario)])
        if from_file:
            measure("govcloud simulate --scenario FILE --plan FILE",
                    [govcloud, "simulate", "--scenario", str(scenario), *from_file])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    exact = next((r for r in rows if r["what"].startswith("CP-SAT")), {})
    ref = exact.get("stranded_cost")
    table = Table(
        "Bundled city (328 systems): whole processes under /usr/bin/time -v",
        [
            "command",
            "runs",
            "median wall s",
            "min s",
            "max s",
            "median CPU s",
            "peak RSS MB",
            "exit",
            "stranded cost",
            "lower bound",
            "waves",
            "cost / CP-SAT",
        ],
        [
            [
                r["what"],
                r["runs"],
                r["median_s"],
                r["min_s"],
                r["max_s"],
                r["cpu_s"],
                r["rss_mb"],
                ",".join(str(c) for c in r["returncodes"]),
                r.get("stranded_cost"),
                r.get("lower_bound"),
                r.get("waves"),
                (r["stranded_cost"] / ref) if ref and r.get("stranded_cost") else None,
            ]
            for r in rows
        ],
    )
    load_after = os.getloadavg()[0]
    notes = [f"1-minute load average: {load_before:.2f} at the start, {load_after:.2f} at the end (2 cores "
             "shared with other work; above ~1.5 the timings are inflated).",
             f"CP-SAT = planner.core.make_plan(method='exact', time_limit_s={exact_limit:g}) in a fresh "
             "process: the time-indexed model, 2 workers, hinted with the normal heuristic.",
             "Bytecode compiled first (python -m compileall), as an installed package has it.",
             "check/explain read the plan file" if has_plan_option else
             "check/explain plan the city now (this CLI has no --plan option for them)"]
    md, js = write_results("city", "The bundled city: start-up, plan, check, explain, simulate", [table],
                           data={"rows": rows, "load_average": [load_before, load_after]},
                           command=command_line("bench.city", argv or []), notes=notes,
                           results_dir=args.results_dir)
    print(f"results: {md} and {js}")
    return 0


# The CP-SAT arm, in a fresh process like the others: the city planned exactly, plan.json written.
EXACT = """
import sys
from pathlib import Path
from inventory.loader import load_inventory
from planner.core import make_plan
from planner.plan_model import write_plan
from planner.policy import load_policy
out = Path(sys.argv[1])
plan = make_plan(load_inventory(None), load_policy(None), method="exact", time_limit_s=float(sys.argv[2]))
out.mkdir(parents=True, exist_ok=True)
write_plan(plan, out / "plan.json")
"""


if __name__ == "__main__":
    raise SystemExit(main())
