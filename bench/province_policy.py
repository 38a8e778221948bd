"""A policy sized to an inventory: the bundled default with per-wave capacity scaled to it.

The bundled default is a prefecture-level city's policy: 40 systems a month. A province of
100,000 systems under it needs thousands of monthly waves, which measures nothing a province
would run. Benchmarks therefore also plan under a policy scaled to the inventory:

* every capacity dimension (systems, vCPU, data GB, team-hours) of the regular waves and of the
  pilot wave is multiplied by one factor, keeping the default's proportions, so that the load to
  schedule (what classification leaves to migrate, retire or merge) fills about ``waves`` waves
  in its busiest dimension — never below what the largest single system needs;
* the calendar's horizon and the deadlines move with it: zombies cleaned up within the first
  third of the target, everything migrated and private networks cancelled by 1.25 × the target
  (the default's deadlines fall inside the city's 10-wave schedule; a province's cannot);
* thresholds, rules, team-hour estimates and exceptions stay the default's.

The override is written as YAML and laid over the bundled default by the planner's own
``parse_policy`` / ``govcloud plan --policy FILE`` (mappings merged, scalars replaced).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from foundation.atomic import atomic_write_text
from inventory.models import Inventory
from planner.classify import classify
from planner.plan_model import Disposition
from planner.policy import Policy, load_policy, parse_policy
from planner.scheduling import DIMENSIONS
from planner.scheduling.build import load_of

SCHEDULED = (Disposition.MIGRATE, Disposition.RETIRE, Disposition.MERGE)  # dispositions that take a wave
LARGEST_SYSTEM_MARGIN = 2.0  # a wave holds at least this many of the largest system, in every dimension
DEADLINE_SLACK = 1.25  # all_migrated / private_networks: this × the target waves


def demand(inventory: Inventory, policy: Policy) -> tuple[dict[str, float], dict[str, float]]:
    """Total and largest per-system load, per dimension, of the systems that will take a wave."""
    cls = classify(inventory, policy)
    total = dict.fromkeys(DIMENSIONS, 0.0)
    largest = dict.fromkeys(DIMENSIONS, 0.0)
    for sid, d in cls.decisions.items():
        if d.disposition not in SCHEDULED:
            continue
        for dim, v in load_of(cls.sizing[sid]).items():
            total[dim] += v
            largest[dim] = max(largest[dim], v)
    return total, largest


def _round_up(v: float) -> int:
    """Capacity rounded up to 2 significant digits (readable policy files, still ≥ the need)."""
    if v <= 0:
        return 0
    step = 10 ** max(0, math.floor(math.log10(v)) - 1)
    return int(math.ceil(v / step) * step)


def scaled_overrides(inventory: Inventory, waves: int, base: Policy | None = None) -> dict[str, Any]:
    """The policy file (as a mapping laid over the default) that spreads *inventory* over ~*waves* waves."""
    if waves < 2:
        raise ValueError("a scaled policy needs at least 2 target waves (the pilot and one more)")
    base = base if base is not None else load_policy()
    total, largest = demand(inventory, base)
    cap = base.capacity.as_dict()
    factor = max((total[d] / (waves * cap[d]) for d in DIMENSIONS if cap[d] > 0), default=1.0)
    regular = {d: _round_up(max(cap[d] * factor, LARGEST_SYSTEM_MARGIN * largest[d])) for d in DIMENSIONS}
    pilot_cap = base.pilot.capacity.as_dict()
    pilot = {d: _round_up(max(pilot_cap[d] * factor, 1.0 if d == "systems" else 0.0)) for d in DIMENSIONS}
    last_migration = math.ceil(waves * DEADLINE_SLACK)
    horizon = max(base.calendar.horizon_waves, 2 * waves + 12)
    return {
        "name": f"province-scaled-{len(inventory.systems)}-systems-{waves}-waves",
        "calendar": {"horizon_waves": horizon},
        "capacity": regular,
        "pilot": {"capacity": pilot},
        "deadlines": {
            "zombie_cleanup": base.wave_end(max(1, math.ceil(waves / 3))),
            "all_migrated": base.wave_end(last_migration),
            "private_networks": base.wave_end(last_migration),
        },
    }


def policy_yaml(overrides: dict[str, Any], inventory_systems: int, waves: int) -> str:
    """The override as a commented YAML policy file."""
    head = (
        f"# Province-scale benchmark policy: the bundled default with per-wave capacity scaled so that\n"
        f"# the {inventory_systems:,} systems' migrations, retirements and merges fill about {waves} waves.\n"
        f"# Written by bench/province_policy.py; everything not set here is the bundled default.\n"
    )
    return head + yaml.safe_dump(overrides, sort_keys=False, allow_unicode=True)


def write_scaled_policy(inventory: Inventory, waves: int, path: Path) -> tuple[Path, Policy]:
    """Write the scaled policy file to *path* (atomically) and return it parsed by the planner."""
    overrides = scaled_overrides(inventory, waves)
    text = policy_yaml(overrides, len(inventory.systems), waves)
    atomic_write_text(path, text)
    return path, parse_policy(text, str(path))


def scaled_policy(inventory: Inventory, waves: int) -> Policy:
    """The scaled policy, parsed in memory (same text as :func:`write_scaled_policy` writes)."""
    overrides = scaled_overrides(inventory, waves)
    return parse_policy(policy_yaml(overrides, len(inventory.systems), waves), "<province-policy>")
