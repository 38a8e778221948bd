"""Benchmark: offline preview (mock runtime) of one wave of 2,000 migrating systems.

    .venv/bin/python -m bench.stacks_preview [--systems 2000]

Writes bench/results/stacks_preview.{md,json}. The plan is synthetic and deterministic: 40
departments, both domains, 1-3 servers per system, two dependency links per system (some
crossing domains, some to an off-cloud system), a quarter of the systems public-facing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform as host
import random
import tempfile
import time
from pathlib import Path

from foundation.atomic import atomic_write_text
from planner.plan_model import InventoryRef, Link, Plan, PlanSystem, PolicyRef, Sizing, Wave, write_plan
from stacks.preview import preview_departments, preview_platform, preview_wave

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=2000)
    args = parser.parse_args()
    plan = synthetic_wave(args.systems)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        write_plan(plan, path)
        started, cpu_started = time.perf_counter(), time.process_time()
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
