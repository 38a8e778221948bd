"""Benchmark: plan quality through the real planner on synthetic inventories (issue 7, item 2).

    .venv/bin/python -m bench.plan_quality [--exact-limit 60] [--quick] [--no-10k]

Where ``bench.quality`` compares the schedulers on generated ScheduleProblems, this arm starts
from inventories (``inventory.synth.synthesize``: departments, rooms, leased lines and private
networks, assets, dependency graphs with local cycles, zombies, shadows, merges, blocked
systems) and runs the whole planner (``planner.core.plan_with_context``: classify, domains,
groups, rooms, problem, schedule, bound, assemble) once per scheduler: ``naive`` (topological
layers split first-fit), ``heuristic`` (ours) and ``exact`` (CP-SAT, small inventories only).
The policy is the bundled default scaled to each inventory (``bench.province_policy``: about 6
waves for the small ones, about 18 for 1k and 10k systems) so the waves are meaningful.

Every plan of every arm is checked by the independent verifier (``verifier.verify_plan``, given the policy:
each system/room/network once, capacity in every wave, precedence, groups together, retirement
waves, metrics). The lower bound is the LP relaxation of the time-indexed model (or the knapsack
bound, whichever is higher) on the very problem the planner built.

Writes bench/results/plan_quality.{md,json}.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, Table, command_line, write_results
from bench.province_policy import scaled_overrides, scaled_policy
from inventory.synth import synthesize
from planner.core import plan_with_context
from planner.plan_model import Disposition
from planner.scheduling.bounds import lower_bound, meets_deadlines
from verifier import verify_plan

TARGET_OURS_OVER_OPTIMAL = 1.05
TARGET_OURS_OVER_BOUND = 1.25
TARGET_OURS_OVER_NAIVE = 0.6


@dataclass(frozen=True)
class Instance:
    """One synthetic inventory to plan: a label, its size, seed and the waves its policy aims at."""

    label: str
    systems: int
    seed: int
    waves: int
    exact: bool  # small enough for the exact model (≤ ~100 co-migration groups)


SMALL_WAVES, LARGE_WAVES = 6, 18
FULL = [
    *(Instance("small-60", 60, s, SMALL_WAVES, True) for s in (1, 2)),
    *(Instance("small-100", 100, s, SMALL_WAVES, True) for s in (1, 2)),
    *(Instance("1k", 1_000, s, LARGE_WAVES, False) for s in (1, 2)),
    Instance("10k", 10_000, 1, LARGE_WAVES, False),
]
QUICK = [Instance("small-40", 40, 1, 4, True)]


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if b == 0:
        return 1.0 if a == 0 else None
    return a / b


def measure(inst: Instance, exact_limit: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Plan one inventory with every arm; costs, waves, times, verifier violations and the bound."""
    inv = synthesize(inst.systems, inst.seed)
    policy = scaled_policy(inv, inst.waves)
    cap = scaled_overrides(inv, inst.waves)["capacity"]
    row: dict[str, Any] = {
        "size": inst.label,
        "systems": inst.systems,
        "seed": inst.seed,
        "target_waves": inst.waves,
        "capacity": cap,
        "arms": {},
        "violations": [],
    }
    arms = ["naive", "heuristic"] + (["exact"] if inst.exact else [])
    problem = schedule = None
    for arm in arms:
        start = time.perf_counter()
        plan, ctx = plan_with_context(inv, policy, method=arm, time_limit_s=exact_limit)
        seconds = time.perf_counter() - start
        bad = verify_plan(plan, inv, policy)
        row["violations"] += [f"{arm}: {v}" for v in bad]
        m = plan.metrics
        row["arms"][arm] = {
            "stranded_cost": m.stranded_cost,
            "waves": m.waves,
            "seconds": seconds,
            "optimal": ctx.schedule.optimal,
            "gap": ctx.schedule.gap,
            "violations": len(bad),
            "jobs": len(ctx.problem.jobs),
            "retirables": len(ctx.problem.retirables),
            "blocked": sum(1 for p in plan.systems if p.disposition is Disposition.BLOCKED),
            "reported_bound": m.stranded_cost_lower_bound,
        }
        if arm == "heuristic":
            problem, schedule = ctx.problem, ctx.schedule
        log(
            f"{inst.label} seed {inst.seed} {arm}: {m.stranded_cost:,.0f} in {m.waves} waves, "
            f"{seconds:.1f} s, {len(bad)} violation(s)"
        )
    assert problem is not None and schedule is not None
    row["groups"] = len(problem.jobs)
    row["retirables"] = len(problem.retirables)
    # Blocking can differ between arms only if a scheduler leaves a job unscheduled; then the
    # arms planned different problems and the comparison says so.
    row["same_problem"] = len({(a["jobs"], a["retirables"], a["blocked"]) for a in row["arms"].values()}) == 1
    start = time.perf_counter()
    # The LP is forced up to 1k systems (it takes minutes at 10k); over the schedules meeting every
    # deadline when ours meets them (as the plan reports it); the bound over all schedules alongside.
    lp = True if inst.systems <= 1_000 else None
    lb = lower_bound(problem, lp=lp, deadlines=meets_deadlines(problem, schedule))
    row["bound_s"] = time.perf_counter() - start
    row["bound_any_cost"] = lower_bound(problem, lp=lp).stranded_cost
    row["bound_deadlines"] = meets_deadlines(problem, schedule)
    row["bound_cost"], row["bound_waves"] = lb.stranded_cost, lb.waves
    for arm, a in row["arms"].items():
        if a["stranded_cost"] < lb.stranded_cost - 0.01:
            row["violations"].append(
                f"{arm}: stranded cost {a['stranded_cost']:,.2f} below the lower "
                f"bound {lb.stranded_cost:,.2f}"
            )
    ours, naive = row["arms"]["heuristic"], row["arms"]["naive"]
    exact = row["arms"].get("exact")
    row["ours_over_naive"] = _ratio(ours["stranded_cost"], naive["stranded_cost"])
    row["ours_over_bound"] = _ratio(ours["stranded_cost"], lb.stranded_cost)
    if exact is not None:
        row["ours_over_exact"] = _ratio(ours["stranded_cost"], exact["stranded_cost"])
        row["exact_over_naive"] = _ratio(exact["stranded_cost"], naive["stranded_cost"])
        if exact["optimal"]:
            row["ours_over_optimal"] = row["ours_over_exact"]
    return row


def tables(rows: Sequence[dict[str, Any]]) -> tuple[Table, Table, Table]:
    """Summary against the targets, per-instance detail, and the policies used."""
    summary = Table(
        f"Summary (targets: ours/optimal ≤ {TARGET_OURS_OVER_OPTIMAL} on small, ours/bound ≤ "
        f"{TARGET_OURS_OVER_BOUND} on 1k and 10k, ours/naive ≤ {TARGET_OURS_OVER_NAIVE} everywhere)",
        ["instances", "n", "ratio", "mean", "worst", "target", "met"],
    )

    def add(label: str, sel: Sequence[dict[str, Any]], key: str, target: float | None) -> None:
        vals = [r[key] for r in sel if r.get(key) is not None]
        if vals:
            worst = max(vals)
            summary.rows.append(
                [
                    label,
                    len(vals),
                    key.replace("_", " "),
                    statistics.mean(vals),
                    worst,
                    target,
                    None if target is None else worst <= target,
                ]
            )

    small = [r for r in rows if r["size"].startswith("small")]
    add("small, exact proved optimal", small, "ours_over_optimal", TARGET_OURS_OVER_OPTIMAL)
    add("small, all (exact may be feasible only)", small, "ours_over_exact", TARGET_OURS_OVER_OPTIMAL)
    add("small", small, "ours_over_bound", None)
    for label in dict.fromkeys(r["size"] for r in rows if not r["size"].startswith("small")):
        add(label, [r for r in rows if r["size"] == label], "ours_over_bound", TARGET_OURS_OVER_BOUND)
    add("all", rows, "ours_over_naive", TARGET_OURS_OVER_NAIVE)

    detail = Table(
        "Per inventory (stranded cost in CNY; waves used)",
        [
            "size",
            "seed",
            "groups",
            "rooms+lines",
            "naive",
            "ours",
            "exact",
            "optimal",
            "lower bound",
            "bound, any schedule",
            "waves naive/ours/exact/bound",
            "ours/opt",
            "ours/bound",
            "ours/naive",
            "violations",
            "naive s",
            "ours s",
            "exact s",
            "bound s",
        ],
    )
    for r in rows:
        a = r["arms"]
        ex = a.get("exact", {})
        detail.rows.append(
            [
                r["size"],
                r["seed"],
                r["groups"],
                r["retirables"],
                a["naive"]["stranded_cost"],
                a["heuristic"]["stranded_cost"],
                ex.get("stranded_cost"),
                ex.get("optimal"),
                r["bound_cost"],
                r.get("bound_any_cost"),
                f"{a['naive']['waves']}/{a['heuristic']['waves']}/{ex.get('waves', '–')}/{r['bound_waves']}",
                r.get("ours_over_optimal"),
                r["ours_over_bound"],
                r["ours_over_naive"],
                len(r["violations"]),
                a["naive"]["seconds"],
                a["heuristic"]["seconds"],
                ex.get("seconds"),
                r["bound_s"],
            ]
        )
    policies = Table(
        "Per-wave capacity of the scaled policy (bench/province_policy.py)",
        ["size", "seed", "target waves", "systems", "vCPU", "data GB", "team-hours"],
    )
    for r in rows:
        c = r["capacity"]
        policies.rows.append(
            [r["size"], r["seed"], r["target_waves"], c["systems"], c["vcpu"], c["data_gb"], c["team_hours"]]
        )
    return summary, detail, policies


def run(
    instances: Sequence[Instance],
    *,
    exact_limit: float = 60.0,
    results_dir: Path | None = None,
    argv: Sequence[str] = (),
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure every instance and write plan_quality.{md,json}; return rows and file paths."""
    rows = [measure(inst, exact_limit, log) for inst in instances]
    summary, detail, policies = tables(rows)
    bad = [f"{r['size']} seed {r['seed']} {v}" for r in rows for v in r["violations"]]
    notes = [
        "Each arm runs the whole planner (planner.core.plan_with_context with method=naive|heuristic|exact) "
        "on the same inventory and policy; only the scheduler differs.",
        "exact = CP-SAT time-indexed model, lexicographic (cost, then waves), hinted with the heuristic, "
        f"{exact_limit:g} s limit, 2 workers; 'optimal' = proven within its horizon, so ours/opt is given "
        "only where it was proven.",
        "lower bound = max(knapsack bound, LP relaxation of the time-indexed model, CLP; the LP up to 1k "
        "systems only) of the planner's own ScheduleProblem, over the schedules that meet every deadline "
        "when ours does (as the plan reports it; 'bound, any schedule' drops that condition); ours/bound "
        "over-states the true gap.",
        "ours = planner.core.plan_with_context at the default search effort (normal, unless "
        "GOVCLOUD_EFFORT says otherwise).",
        "Independent verifier (verifier.verify_plan, with the policy) on every plan of every arm: "
        f"{len(bad)} violation(s).",
    ]
    if any(not r["same_problem"] for r in rows):
        notes.append(
            "Arms blocked different systems on: "
            + ", ".join(f"{r['size']} seed {r['seed']}" for r in rows if not r["same_problem"])
        )
    missed = [
        r
        for r in rows
        if (r.get("ours_over_bound") or 0) > TARGET_OURS_OVER_BOUND and not r["size"].startswith("small")
    ]
    if missed:
        notes.append(
            "ours/bound above target on "
            + ", ".join(f"{r['size']} seed {r['seed']} ({r['ours_over_bound']:.3f})" for r in missed)
            + ": see BENCHMARKS.md for what the gap is made of."
        )
    notes += bad
    md, js = write_results(
        "plan_quality",
        "Plan quality through the planner on synthetic inventories",
        [summary, detail, policies],
        data={"rows": rows, "violations": bad},
        command=command_line("bench.plan_quality", argv),
        notes=notes,
        results_dir=results_dir,
    )
    return {"rows": rows, "violations": bad, "markdown": md, "json": js}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.plan_quality", description=__doc__.split("\n")[0])
    ap.add_argument("--exact-limit", type=float, default=60.0, help="CP-SAT time limit per inventory (s)")
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (one 40-system inventory)")
    ap.add_argument("--no-10k", action="store_true", help="skip the 10,000-system inventory")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = ap.parse_args(args_list)
    instances = QUICK if args.quick else [i for i in FULL if not (args.no_10k and i.systems >= 10_000)]
    limit = min(args.exact_limit, 5.0) if args.quick else args.exact_limit
    out = run(
        instances,
        exact_limit=limit,
        results_dir=args.results_dir,
        argv=args_list,
        log=lambda msg: print(msg, file=sys.stderr),
    )
    print(Path(out["markdown"]).read_text(encoding="utf-8"))
    return 1 if out["violations"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
