"""Benchmark: plan quality of the wave scheduler against the naive baseline, CP-SAT and the lower bound.

    .venv/bin/python -m bench.quality [--exact-limit 60] [--quick]

Generated instances (``planner.scheduling.generate.random_problem``: rooms, leased lines, four capacity
dimensions, a pilot wave, precedence between co-migration groups whose cycles are already
collapsed) at three sizes: small (≤ 100 groups, solved exactly by CP-SAT with a time limit),
about 1k systems and about 10k systems. For each instance: stranded cost and waves of (a) naive
topological layering split first-fit by capacity, (b) our heuristic, (c) the exact CP-SAT model
(small only), (d) the lower bound (LP relaxation where affordable, else the knapsack bound).
Every schedule of every arm is checked by the independent feasibility checker of the tests.

Writes bench/results/quality.{md,json}.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, Table, command_line, write_results
from planner.scheduling import Schedule, ScheduleProblem
from planner.scheduling.bounds import lower_bound
from planner.scheduling.exact import schedule_exact
from planner.scheduling.feasibility import violations
from planner.scheduling.generate import random_problem
from planner.scheduling.heuristic import schedule_heuristic
from planner.scheduling.naive import schedule_naive

SYSTEMS_PER_GROUP = 2.14  # mean systems per generated co-migration group (1,1,1,2,2,3,5)

# (label, groups, waves_target, seeds)
SMALL = [
    ("small-20", 20, 4),
    ("small-40", 40, 5),
    ("small-60", 60, 6),
    ("small-80", 80, 6),
    ("small-100", 100, 8),
]
LARGE = [
    ("1k systems", round(1_000 / SYSTEMS_PER_GROUP), 12),
    ("10k systems", round(10_000 / SYSTEMS_PER_GROUP), 24),
]


def make(groups: int, waves: int, seed: int) -> ScheduleProblem:
    """An instance: ~1 room per 20 groups, ~1 leased line per 5, local dependency chains."""
    return random_problem(
        seed,
        n_jobs=groups,
        n_rooms=max(1, groups // 20),
        n_lines=max(1, groups // 5),
        waves_target=waves,
        edge_prob=0.1,
    )


def run_arm(fn: Any) -> tuple[Schedule, float]:
    start = time.perf_counter()
    s = fn()
    return s, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--exact-limit", type=float, default=60.0, help="CP-SAT time limit per small instance (s)"
    )
    ap.add_argument("--seeds", type=int, default=2, help="instances per size")
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (small sizes only, 2 s exact limit)")
    ap.add_argument("--no-large", action="store_true", help="skip the 1k/10k instances")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where quality.{md,json} go")
    ap.add_argument("--effort", default="normal", help="search effort of ours: quick|normal|thorough|seconds")
    args = ap.parse_args(argv)
    sizes = SMALL[:2] if args.quick else SMALL
    large = [] if (args.quick or args.no_large) else LARGE
    limit = 2.0 if args.quick else args.exact_limit
    seeds = 1 if args.quick else args.seeds

    rows: list[dict[str, Any]] = []
    bad: list[str] = []
    for label, groups, waves in sizes + large:
        for seed in range(seeds):
            p = make(groups, waves, seed)
            row: dict[str, Any] = {
                "size": label,
                "seed": seed,
                "groups": len(p.jobs),
                "retirables": len(p.retirables),
            }
            naive, row["naive_s"] = run_arm(lambda p=p: schedule_naive(p))
            heur, row["heuristic_s"] = run_arm(lambda p=p: schedule_heuristic(p, effort=args.effort))
            arms = {"naive": naive, "heuristic": heur}
            if label.startswith("small"):
                exact, row["exact_s"] = run_arm(
                    lambda p=p: schedule_exact(
                        p, time_limit_s=limit, workers=2, force=True, hint_effort=args.effort
                    )
                )
                arms["exact"] = exact
                row.update(
                    exact_cost=exact.stranded_cost,
                    exact_waves=exact.waves,
                    exact_optimal=exact.optimal,
                    exact_gap=exact.gap,
                )
            start = time.perf_counter()
            lb = lower_bound(p, lp=True)
            row["bound_s"] = time.perf_counter() - start
            for name, s in arms.items():
                v = violations(p, s)
                if v:
                    bad.append(f"{label} seed {seed} {name}: {v[:3]}")
            row.update(
                naive_cost=naive.stranded_cost,
                naive_waves=naive.waves,
                heuristic_cost=heur.stranded_cost,
                heuristic_waves=heur.waves,
                bound_cost=lb.stranded_cost,
                bound_waves=lb.waves,
                ours_over_naive=heur.stranded_cost / naive.stranded_cost,
                ours_over_bound=heur.stranded_cost / lb.stranded_cost,
            )
            if "exact" in arms:
                row["ours_over_exact"] = heur.stranded_cost / arms["exact"].stranded_cost
                row["exact_over_naive"] = arms["exact"].stranded_cost / naive.stranded_cost
            rows.append(row)
            print(
                f"{label:12s} seed {seed}: heuristic {heur.stranded_cost:,.0f} "
                f"naive {naive.stranded_cost:,.0f} bound {lb.stranded_cost:,.0f}"
                + (
                    f" exact {row['exact_cost']:,.0f} ({'optimal' if row['exact_optimal'] else 'gap'})"
                    if "exact_cost" in row
                    else ""
                ),
                file=sys.stderr,
            )

    detail = Table(
        "Per instance",
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
            "waves naive/ours/exact/bound",
            "ours/opt",
            "ours/bound",
            "ours/naive",
            "ours s",
            "exact s",
            "bound s",
        ],
    )
    for r in rows:
        detail.rows.append(
            [
                r["size"],
                r["seed"],
                r["groups"],
                r["retirables"],
                r["naive_cost"],
                r["heuristic_cost"],
                r.get("exact_cost"),
                r.get("exact_optimal"),
                r["bound_cost"],
                f"{r['naive_waves']}/{r['heuristic_waves']}/{r.get('exact_waves', '–')}/{r['bound_waves']}",
                r.get("ours_over_exact"),
                r["ours_over_bound"],
                r["ours_over_naive"],
                r["heuristic_s"],
                r.get("exact_s"),
                r["bound_s"],
            ]
        )

    summary = Table(
        "Summary (targets: ours/optimal ≤ 1.05 on small, ours/bound ≤ 1.25 on 1k and 10k, "
        "ours/naive ≤ 0.6 everywhere)",
        ["instances", "n", "ratio", "mean", "worst", "target", "met"],
    )

    def add(label: str, sel: list[dict[str, Any]], key: str, target: float) -> None:
        vals = [r[key] for r in sel if r.get(key) is not None]
        if not vals:
            return
        worst = max(vals)
        summary.rows.append(
            [label, len(vals), key.replace("_", " "), statistics.mean(vals), worst, target, worst <= target]
        )

    small = [r for r in rows if r["size"].startswith("small")]
    proven = [r for r in small if r.get("exact_optimal")]
    add("small, exact proved optimal", proven, "ours_over_exact", 1.05)
    add("small, all (exact may be a feasible solution only)", small, "ours_over_exact", 1.05)
    add("small", small, "ours_over_bound", 1.25)
    for label, _, _ in large:
        add(label, [r for r in rows if r["size"] == label], "ours_over_bound", 1.25)
    add("all", rows, "ours_over_naive", 0.6)
    add("small (what the exact optimum itself achieves)", small, "exact_over_naive", 0.6)

    notes = [
        "Costs are stranded cost Σ monthly cost × months until retirement (CNY); waves = waves used.",
        "exact = CP-SAT time-indexed model, lexicographic (cost, then waves), hinted with the heuristic; "
        f"time limit {limit:g} s per instance, 2 workers; 'optimal' = proven within its horizon.",
        "lower bound = max(fractional-knapsack bound, LP relaxation of the cumulative time-indexed model "
        "solved with CLP); valid for any schedule, so ours/bound over-states the true gap.",
        "Feasibility: every schedule of every arm checked by planner.scheduling.feasibility.violations "
        f"(capacity, precedence, pilot, windows, reported cost): {len(bad)} violation(s).",
    ]
    over = [r for r in rows if r["ours_over_naive"] > 0.6]
    if over:
        unattainable = [r for r in over if r.get("exact_over_naive", 0.0) > 0.6]
        notes.append(
            f"ours/naive > 0.6 on {len(over)} instance(s): "
            + ", ".join(f"{r['size']} seed {r['seed']} ({r['ours_over_naive']:.3f})" for r in over)
            + (
                f"; on {len(unattainable)} of them the exact optimum itself is above 0.6 × naive "
                "(tiny instances where naive layering is already close to optimal), so the target is "
                "unattainable there"
                if unattainable
                else ""
            )
        )
    notes += bad
    argv_used = sys.argv[1:] if argv is None else argv
    md, js = write_results(
        "quality",
        "Plan quality: naive vs ours vs exact vs lower bound",
        [summary, detail],
        data={"rows": rows, "violations": bad},
        command=command_line("bench.quality", argv_used),
        notes=notes,
        results_dir=args.results_dir,
    )
    print(f"wrote {md} and {js}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
