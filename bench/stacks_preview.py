"""Benchmark: offline preview (mock runtime) of one wave of 2,000 migrating systems.

    .venv/bin/python -m bench.stacks_preview [--systems 2000]
    .venv/bin/python -m bench.stacks_preview --systems 2000 --baseline DIR [--repeat N]

Writes bench/results/stacks_preview.{md,json}. The plan is synthetic and deterministic: 40
departments, both domains, 1-3 servers per system, two dependency links per system (some
crossing domains, some to an off-cloud system), a quarter of the systems public-facing.

With ``--baseline DIR`` (another version of the program, e.g. ``mkdir b16cf2d && git archive
b16cf2d | tar -x -C b16cf2d``; repeatable) the programs run side by side in one invocation,
alternately, each in a child process whose imports come from its own tree, on its own copy of
the same synthetic wave; the figures are CPU seconds (the machine is shared: wall time says more
about the neighbours than the program).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform as host
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from foundation.atomic import atomic_write_text
from planner.plan_model import InventoryRef, Link, Plan, PlanSystem, PolicyRef, Sizing, Wave, write_plan
from stacks.preview import preview_departments, preview_platform, preview_wave, without_cycle_collection

RESULTS = Path(__file__).parent / "results"
# The synthetic plan has no inventory: every system takes the catalogue's default image.
OVERRIDES = {"images": ["default=bench-image"], "defaultImage": "default"}


def synthetic_wave(n: int, seed: int = 4) -> Plan:
    """One wave of *n* migrating systems plus one off-cloud system they reach."""
    rng = random.Random(seed)
    systems = []
    for i in range(n):
        domain = "public_service" if i % 3 == 0 else "administrative_service"
        links = [
            Link(
                system=f"s{rng.randrange(n):05d}",
                kind="data",
                protocol="tcp",
                port=rng.choice([443, 5432, 8080]),
                boundary="same_domain",
            )
            for _ in range(2)
        ]
        if i % 10 == 0:
            links.append(
                Link(system="local-lan", kind="file", protocol="tcp", port=2049, boundary="off_cloud")
            )
        servers = rng.choice([1, 1, 2, 3])
        systems.append(
            PlanSystem(
                id=f"s{i:05d}",
                department=f"d{i % 40:02d}",
                disposition="migrate",
                domain=domain,
                wave=0,
                mlps_level=rng.choice([1, 2, 2, 3]),
                public_facing=(domain == "public_service" and i % 4 == 0),
                rules=["CLASS-1", "DOMAIN-1"],
                links=links,
                sizing=Sizing(
                    vcpu=rng.choice([2, 4, 8]) * servers,
                    ram_gb=rng.choice([4, 8, 16]) * servers,
                    storage_gb=rng.choice([0, 50, 200, 1000]),
                    servers=servers,
                ),
            )
        )
    systems.append(PlanSystem(id="local-lan", department="d00", disposition="keep_local"))
    return Plan(
        inventory=InventoryRef(city="bench", systems=len(systems), digest="sha256:bench"),
        policy=PolicyRef(name="default", digest="sha256:bench"),
        systems=systems,
        waves=[Wave(number=0, start=dt.date(2018, 3, 1), end=dt.date(2018, 3, 31))],
    )


# Run in a child process whose current directory and import path are one program tree: previews
# that tree's synthetic wave with that tree's own API (older trees had no departments stack and no
# image catalogue) and prints what it measured as JSON.
_CHILD = r"""
import json, sys, tempfile, time
from pathlib import Path
import bench.stacks_preview as bench
import stacks.preview as preview
from planner.plan_model import write_plan
n = int(sys.argv[1])
overrides = getattr(bench, "OVERRIDES", None)
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "plan.json"
    write_plan(bench.synthetic_wave(n), path)
    started = time.process_time()
    # what `govcloud stacks preview` does around its previews, where the program has it
    suspended = getattr(preview, "without_cycle_collection", None)
    if suspended is not None:
        suspended().__enter__()
    if hasattr(preview, "preview_departments"):
        platform = preview.preview_platform(path, overrides)
        departments = preview.preview_departments(path, overrides, platform=platform)
        prelude = time.process_time()
        wave = preview.preview_wave(path, 0, overrides, platform=platform, departments=departments)
    else:
        platform = preview.preview_platform(path)
        prelude = time.process_time()
        wave = preview.preview_wave(path, 0, platform=platform)
    done = time.process_time()
print(json.dumps({"resources": len(wave.resources), "prelude_cpu": prelude - started,
                  "wave_cpu": done - prelude, "program": preview.__file__}))
"""


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_tree(tree: Path, systems: int) -> dict[str, Any]:
    """One preview of the synthetic wave by the program in *tree*, in a child process."""
    cpu, wall = _child_cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(systems)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: the preview failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if not str(out["program"]).startswith(str(tree.resolve())):
        raise SystemExit(f"{tree}: the child imported {out['program']}, not this tree's program")
    del out["program"]  # checked; a path of this machine has no place in the results
    out.update(process_cpu=_child_cpu() - cpu, wall=time.perf_counter() - wall)
    return out


def side_by_side(systems: int, baselines: list[Path], repeat: int) -> None:
    """Every program alternately, *repeat* times each; figures to bench/results. A baseline is
    labelled by its directory's name (name it after its commit)."""
    here = Path(__file__).resolve().parent.parent
    trees = {**{b.name: b.resolve() for b in baselines}, "this tree": here}
    load_before = os.getloadavg()[0]
    runs: list[dict[str, Any]] = []
    for i in range(repeat):
        for label, tree in trees.items():
            run = {"program": label, "round": i + 1, **measure_tree(tree, systems)}
            runs.append(run)
            print(json.dumps(run), flush=True)
    load_after = os.getloadavg()[0]
    dirs = " ".join(f"--baseline {b.name}" for b in baselines)
    command = f".venv/bin/python -m bench.stacks_preview --systems {systems} {dirs} --repeat {repeat}"
    result = {
        "benchmark": "stacks_preview_side_by_side",
        "systems": systems,
        "runs": runs,
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],
        "cores": os.cpu_count(),
        "python": host.python_version(),
        "command": command,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    atomic_write_text(RESULTS / "stacks_preview_side_by_side.json", json.dumps(result, indent=2) + "\n")
    lines = [
        f"# Offline preview of a {systems}-system wave, two programs side by side",
        "",
        f"Command: `{command}` ({result['date']}; load average {load_before:.2f} before, "
        f"{load_after:.2f} after, {os.cpu_count()} cores)",
        "",
        "| round | program | resources | CPU s, wave preview | CPU s, platform + departments | "
        "CPU s, whole child | ms CPU per resource | wall s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r['round']} | {r['program']} | {r['resources']} | {float(r['wave_cpu']):.1f} | "
            f"{float(r['prelude_cpu']):.1f} | {float(r['process_cpu']):.1f} | "
            f"{1000 * float(r['wave_cpu']) / int(r['resources']):.2f} | {float(r['wall']):.0f} |"
            for r in runs
        ),
        "",
    ]
    atomic_write_text(RESULTS / "stacks_preview_side_by_side.md", "\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=2000)
    parser.add_argument(
        "--baseline", type=Path, action="append", help="tree of another version of the program (repeatable)"
    )
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.baseline:
        side_by_side(args.systems, args.baseline, args.repeat)
        return
    plan = synthetic_wave(args.systems)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        write_plan(plan, path)
        started, cpu_started = time.perf_counter(), time.process_time()
        with without_cycle_collection():  # as `govcloud stacks preview` runs them
            platform = preview_platform(path, OVERRIDES)
            departments = preview_departments(path, OVERRIDES, platform=platform)
            wave = preview_wave(path, 0, OVERRIDES, platform=platform, departments=departments)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    counts = dict(sorted(wave.counts().items()))
    result = {
        "benchmark": "stacks_preview",
        "systems": args.systems,
        "resources": sum(counts.values()),
        "wave_seconds": round(wave.seconds, 2),
        "total_seconds": round(total, 2),
        "platform_seconds": round(platform.seconds, 2),
        "departments_seconds": round(departments.seconds, 2),
        "per_resource_ms": round(1000 * wave.seconds / max(1, sum(counts.values())), 3),
        "cpu_seconds": round(cpu, 2),  # all threads; steadier than wall time on a shared machine
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "counts": counts,
        "python": host.python_version(),
        "machine": host.machine(),
        "command": f".venv/bin/python -m bench.stacks_preview --systems {args.systems}",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    atomic_write_text(RESULTS / "stacks_preview.json", json.dumps(result, indent=2) + "\n")
    lines = [
        "# Offline preview of one wave (Pulumi mock runtime)",
        "",
        f"Command: `{result['command']}`",
        "",
        f"- systems in the wave: {args.systems}",
        f"- resources registered: {result['resources']}",
        f"- wave program under mocks: {result['wave_seconds']} s "
        f"({result['per_resource_ms']} ms per resource)",
        f"- platform and departments previews (needed for the stack references): "
        f"{result['platform_seconds']} s, {result['departments_seconds']} s",
        f"- total including plan loading: {result['total_seconds']} s wall, {result['cpu_seconds']} s CPU "
        f"(load average {result['load_average_1m']} on {result['cores']} cores at the end)",
        "",
        "| resource type | count |",
        "|---|---:|",
        *(f"| {t} | {n} |" for t, n in counts.items()),
        "",
    ]
    atomic_write_text(RESULTS / "stacks_preview.md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
