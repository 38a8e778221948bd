"""Scale benchmark (issue 7, item 1): `govcloud plan` on synthetic inventories of growing size.

    python -m bench.scale --sizes 1000,10000,100000

For each size n: synthesize an inventory (``inventory.synth``), write it as YAML, then

* end to end: run ``govcloud plan DIR --out OUT`` in a fresh child process and record its wall
  time and its own peak RSS (wait4 rusage: at 20,000 systems and more, the largest of it and
  the helpers it forks; their sum, in PSS, is ``bench.tree_memory``'s), then check its
  plan.json with the independent verifier (``verifier.verify_plan`` with the policy);
* per stage: load and plan again in this process with a progress callback, charging time to
  the stages the core reports (load/validate/classify/schedule/check/...), then time writing
  plan.json and verifying it;
* growth: each stage's time ratio between consecutive sizes against the n·log n ratio.

Targets on the 2-core machine (issue 10): 100,000 systems in at most 20 s end to end and at
most 2 GB peak memory. Results: bench/results/scale.md and scale.json. Missing parts (a core module
not written yet, a failing command) are recorded in the results, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import math
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    RESULTS_DIR,
    ChildRun,
    StageClock,
    Table,
    command_line,
    run_child,
    timed,
    write_results,
)

TARGET_N = 100_000
TARGET_SECONDS = 20.0  # issue 10 (issue 7 had 30 s and 3 GB)
TARGET_PEAK_GB = 2.0
DEFAULT_SIZES = (1_000, 10_000, 100_000)
GROWTH_SLACK = 1.25  # timing noise allowed before a stage is flagged as growing faster than n·log n


def nlogn_ratio(n_small: int, n_big: int) -> float:
    """How much an n·log n cost grows from *n_small* to *n_big* (10·log(10n)/log(n) for 10×)."""
    return (n_big * math.log(n_big)) / (n_small * math.log(n_small))


def govcloud_argv() -> list[str]:
    """The govcloud console script of this interpreter's environment (or an equivalent)."""
    script = Path(sys.executable).parent / "govcloud"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from govcloud.cli import main; main()"]


def _tail(text: str, lines: int = 4) -> str:
    """The last lines of a command's output, on one line (for a Markdown note)."""
    kept = [ln.strip(" │╭╮╰╯─") for ln in text.strip().splitlines()]
    return " / ".join(ln for ln in kept if ln)[-400:] if kept else ""


def _need(module: str, attr: str) -> Callable[..., Any]:
    """A function of a core module, imported late so a missing module is reported, not raised."""
    return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


def _dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _synthesize(
    n: int, seed: int, inv_dir: Path, policy_dir: Path, waves: int
) -> tuple[float, float, Path | None]:
    """Synthesize an n-system inventory, write it as YAML and its province-scaled policy file.

    Returns the synthesis and write times and the policy file (None when *waves* is 0).
    """
    inv, synth_s = timed(lambda: _need("inventory.synth", "synthesize")(n, seed))
    _, write_s = timed(lambda: _need("inventory.synth", "write_inventory")(inv, inv_dir))
    policy_file = None
    if waves:
        write_scaled = _need("bench.province_policy", "write_scaled_policy")
        policy_file, _ = write_scaled(inv, waves, policy_dir / f"province-policy-{n}.yaml")
    return synth_s, write_s, policy_file


POLICIES = ("default", "province")  # the bundled city-sized policy; the policy scaled to the inventory
PROVINCE_WAVES = 18  # waves the province-scaled policy aims at (bench/province_policy.py)


def measure_size(
    n: int,
    seed: int,
    workdir: Path,
    *,
    cli: bool = True,
    timeout: float | None = None,
    policies: Sequence[str] = POLICIES,
    province_waves: int = PROVINCE_WAVES,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Everything measured for one inventory size, one result per policy; problems land in
    ``errors``, never raise."""
    common: dict[str, Any] = {"n": n, "seed": seed, "errors": []}
    inv_dir = workdir / f"inventory-{n}"
    results = [{**common, "policy": name, "errors": [], "stages": {}} for name in policies]

    def attempt(res: dict[str, Any], what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # a missing or failing part is a result to report, not a crash
            res["errors"].append(f"{what}: {type(exc).__name__}: {exc}")
            log(f"  {what} failed: {type(exc).__name__}: {exc}")
            if log is print:
                traceback.print_exc(limit=3)
            return None

    def everywhere(what: str, fn: Callable[[], Any]) -> Any:
        """A step every policy's result depends on: its failure is recorded in each of them."""
        scratch: dict[str, Any] = {"errors": []}
        out = attempt(scratch, what, fn)
        for r in results:
            r["errors"] += scratch["errors"]
        return out

    # --- synthetic inventory (not part of the planner's cost, reported for context)
    log(f"n={n:,}: synthesizing (seed {seed})")
    waves = province_waves if "province" in policies else 0
    made = everywhere("synthesize and write inventory", lambda: _synthesize(n, seed, inv_dir, workdir, waves))
    gc.collect()  # the planner runs below load their own copy from the YAML
    if made is None:
        return results
    synth_s, write_s, province_file = made
    for r in results:
        r.update(synth_s=synth_s, write_inventory_s=write_s, inventory_mb=_dir_mb(inv_dir))
        r["policy_file"] = str(province_file) if r["policy"] == "province" else None

    # --- end to end, in a fresh process: what a user waits for, and its peak memory
    if cli:
        for res in results:
            out_dir = workdir / f"out-{n}-{res['policy']}"
            out_dir.mkdir(parents=True, exist_ok=True)
            log(f"n={n:,}, {res['policy']} policy: govcloud plan (child process)")
            argv = [*govcloud_argv(), "plan", str(inv_dir), "--out", str(out_dir)]
            if res["policy_file"]:
                argv[-2:-2] = ["--policy", res["policy_file"]]
            run: ChildRun | None = attempt(
                res, "govcloud plan", functools.partial(run_child, argv, timeout=timeout)
            )
            if run is not None:
                res["cli"] = {"returncode": run.returncode, "wall_s": run.wall_s, "cpu_s": run.cpu_s,
                              "peak_rss_mb": run.peak_rss_mb, "argv": run.argv}
                if run.returncode != 0:
                    why = _tail(run.stderr or run.stdout)
                    res["errors"].append(f"govcloud plan exited {run.returncode}: {why}")
                log(f"  exit {run.returncode}, {run.wall_s:.2f} s, peak RSS {run.peak_rss_mb:,.0f} MB")

    # --- per stage, in this process (the inventory is loaded once; its stages go to every result)
    log(f"n={n:,}: per-stage profile (in process)")
    load_clock = StageClock(prefix="load: ")
    load_clock.start()
    # Functions are imported before the clocks start, so import time is not charged to a stage.
    load_inventory = everywhere(
        "import inventory.loader", lambda: _need("inventory.loader", "load_inventory")
    )
    make_plan = everywhere("import planner.core", lambda: _need("planner.core", "make_plan"))
    load_policy = everywhere("import planner.policy", lambda: _need("planner.policy", "load_policy"))
    if load_inventory is None or make_plan is None or load_policy is None:
        return results
    loaded = everywhere("load_inventory", lambda: timed(lambda: load_inventory(inv_dir, progress=load_clock)))
    load_clock.stop()
    gc.freeze()  # as the CLI settles what it loaded (govcloud.cli.common.settle): not rescanned
    if loaded is None:
        return results
    inventory, load_s = loaded
    from planner.plan_model import load_plan, write_plan
    from verifier import verify_plan

    for res in results:
        res["load_s"] = load_s
        res["stages"].update(load_clock.spans)
        policy = attempt(res, "load_policy", functools.partial(load_policy, res["policy_file"]))
        if policy is None:
            continue
        res["capacity"] = policy.capacity.as_dict()
        log(f"n={n:,}, {res['policy']} policy: make_plan (in process)")
        plan_clock = StageClock(prefix="plan: ")
        plan_clock.start()
        planned = attempt(
            res,
            "make_plan",
            functools.partial(timed, functools.partial(make_plan, inventory, policy, progress=plan_clock)),
        )
        plan_clock.stop()
        gc.freeze()  # the plan too, as the CLI does
        if planned is None:
            continue
        plan, res["plan_s"] = planned
        res["stages"].update(plan_clock.spans)
        out_dir = workdir / f"out-{n}-{res['policy']}"
        out_dir.mkdir(parents=True, exist_ok=True)
        own_plan = out_dir / "plan.inprocess.json"
        wrote_plan = attempt(
            res, "write_plan", functools.partial(timed, functools.partial(write_plan, plan, own_plan))
        )
        if wrote_plan is not None:
            res["stages"]["write plan.json"] = wrote_plan[1]
        m = plan.metrics
        res["plan"] = {
            "systems": len(plan.systems),
            "waves": m.waves,
            "stranded_cost": m.stranded_cost,
            "stranded_cost_lower_bound": m.stranded_cost_lower_bound,
            "rooms_vacated": m.rooms_vacated,
            "lines_retired": m.lines_retired,
            "findings": len(plan.findings),
        }

        # --- the independent verifier, on both plans
        checked = attempt(
            res,
            "verify (in-process plan)",
            functools.partial(timed, functools.partial(verify_plan, plan, inventory, policy)),
        )
        if checked is not None:
            violations, res["stages"]["verify"] = checked
            res["violations"] = len(violations)
            res["violation_examples"] = violations[:10]
            log(f"  verifier: {len(violations)} violations")
        del plan
        gc.unfreeze()
        gc.collect()
        cli_plan = out_dir / "plan.json"
        if cli and res.get("cli", {}).get("returncode") == 0 and cli_plan.is_file():

            def verify_cli(cli_plan: Path = cli_plan, policy: Any = policy) -> list[str]:
                return verify_plan(load_plan(cli_plan), inventory, policy)

            cli_violations = attempt(res, "verify (govcloud plan's plan.json)", verify_cli)
            if cli_violations is not None:
                res["cli_violations"] = len(cli_violations)
                res["cli_violation_examples"] = cli_violations[:10]
        gc.collect()
    return results


def _stage_names(results: Sequence[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for r in results:
        for s in r["stages"]:
            if s not in names:
                names.append(s)
    return names


def _stage_time(r: dict[str, Any], name: str) -> float | None:
    """Seconds of one stage row of the tables ("total load" / "total plan" are the whole calls)."""
    if name.startswith("total "):
        return r.get(name.removeprefix("total ") + "_s")  # type: ignore[no-any-return]
    return r["stages"].get(name)  # type: ignore[no-any-return]


POLICY_LABEL = {
    "default": "default (bundled city policy: 40 systems/wave)",
    "province": f"province (default scaled to ~{PROVINCE_WAVES} waves)",
}


def _label(r: dict[str, Any]) -> str:
    return f"{r['n']:,} {r['policy']}"


def build_tables(results: Sequence[dict[str, Any]]) -> tuple[list[Table], list[str]]:
    """The results tables and the notes (targets met or missed, errors) of a run."""
    notes: list[str] = []
    e2e = Table("End to end: `govcloud plan DIR [--policy FILE] --out OUT` in a fresh process",
                ["systems", "policy", "capacity/wave (systems, vCPU, data GB, team-h)", "wall s",
                 "CPU s", "peak RSS MB", "exit", "violations (CLI plan)", "waves", "stranded cost",
                 "lower bound", "violations (in-process plan)", "target"],
                note="Waves, stranded cost and its lower bound are those of the in-process plan (same "
                     "inventory, same policy). `default` = the bundled city-sized policy; `province` = the "
                     "default with per-wave capacity scaled to the inventory (bench/province_policy.py).")
    for r in results:
        cli, plan = r.get("cli", {}), r.get("plan", {})
        target = None
        if r["n"] >= TARGET_N and cli:
            fast = cli["wall_s"] <= TARGET_SECONDS
            small = cli["peak_rss_mb"] <= TARGET_PEAK_GB * 1024
            target = "met" if cli["returncode"] == 0 and fast and small else "MISSED"
            notes.append(f"{r['n']:,} systems, {r['policy']} policy: {cli['wall_s']:.1f} s wall, "
                         f"{cli.get('cpu_s', float('nan')):.1f} s CPU (target ≤ "
                         f"{TARGET_SECONDS:.0f} s), peak {cli['peak_rss_mb'] / 1024:.2f} GB (target ≤ "
                         f"{TARGET_PEAK_GB:.0f} GB): target {target}")
        cap = r.get("capacity")
        cap_text = ", ".join(f"{v:,.0f}" for v in cap.values()) if cap else None
        e2e.rows.append([r["n"], r["policy"], cap_text, cli.get("wall_s"), cli.get("cpu_s"),
                         cli.get("peak_rss_mb"),
                         cli.get("returncode"), r.get("cli_violations"), plan.get("waves"),
                         plan.get("stranded_cost"), plan.get("stranded_cost_lower_bound"),
                         r.get("violations"), target])
    names = _stage_names(results)
    stages = Table(
        "Per stage (in process, seconds): load and plan charged to the stages the core reports",
        ["stage", *[_label(r) for r in results]],
        note="The inventory is loaded once per size: its load stages are shared by both policies.",
    )
    for name in names:
        stages.rows.append([name, *[r["stages"].get(name) for r in results]])
    stages.rows.append(["total load", *[r.get("load_s") for r in results]])
    stages.rows.append(["total plan", *[r.get("plan_s") for r in results]])
    tables = [e2e, stages]
    for pol in dict.fromkeys(r["policy"] for r in results):
        same = [r for r in results if r["policy"] == pol]
        sizes = [r["n"] for r in same]
        if len(same) < 2:
            continue
        growth = Table(
            f"Growth, {POLICY_LABEL.get(pol, pol)} policy: t(n')/t(n) per stage against n·log n",
            ["stage", *[f"{a:,}→{b:,}" for a, b in zip(sizes, sizes[1:], strict=False)]],
            note="Each cell: measured ratio / n·log n ratio; `!` marks a stage growing faster "
            f"than n·log n by more than {GROWTH_SLACK:.2f}× (stages under 10 ms are noise "
            "and not flagged).",
        )
        for name in [*names, "total load", "total plan"]:
            row: list[Any] = [name]
            for a, b in zip(same, same[1:], strict=False):
                ta, tb = _stage_time(a, name), _stage_time(b, name)
                if not ta or not tb:
                    row.append(None)
                    continue
                ratio, bound = tb / ta, nlogn_ratio(a["n"], b["n"])
                flag = " !" if ratio > bound * GROWTH_SLACK and tb >= 0.01 else ""
                row.append(f"{ratio:.1f} / {bound:.1f}{flag}")
            growth.rows.append(row)
        tables.append(growth)
    synth = Table(
        "Synthetic inventories (context; not part of the planner's time)",
        ["systems", "synthesize s", "write YAML s", "inventory MB"],
    )
    for r in results:
        if r["policy"] == results[0]["policy"]:
            synth.rows.append([r["n"], r.get("synth_s"), r.get("write_inventory_s"), r.get("inventory_mb")])
    tables.append(synth)
    for r in results:
        for e in r["errors"]:
            notes.append(f"n={r['n']:,}, {r['policy']} policy: {e}")
        for key in ("violations", "cli_violations"):
            if r.get(key):
                examples = r.get(key.replace("violations", "violation_examples"), [])
                notes.append(
                    f"n={r['n']:,}, {r['policy']} policy: {r[key]} verifier violations ({key}), "
                    "e.g. " + "; ".join(examples[:3])
                )
    return tables, notes


def run(
    sizes: Sequence[int],
    *,
    seed: int = 2018,
    workdir: Path | None = None,
    results_dir: Path | None = None,
    cli: bool = True,
    timeout: float | None = None,
    keep: bool = False,
    argv: Sequence[str] = (),
    policies: Sequence[str] = POLICIES,
    province_waves: int = PROVINCE_WAVES,
    load_average: float | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure every size under every policy, write bench/results/scale.{md,json}, return the raw results."""
    tmp = Path(tempfile.mkdtemp(prefix="govcloud-scale-")) if workdir is None else Path(workdir)
    tmp.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    load_before = os.getloadavg()[0] if load_average is None else load_average
    try:
        for n in sizes:
            results.extend(
                measure_size(
                    n,
                    seed,
                    tmp,
                    cli=cli,
                    timeout=timeout,
                    policies=policies,
                    province_waves=province_waves,
                    log=log,
                )
            )
            gc.collect()
    finally:
        if workdir is None and not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    # Results in policy-major order, so each policy's sizes read left to right.
    results.sort(key=lambda r: (list(policies).index(r["policy"]), r["n"]))
    tables, notes = build_tables(results)
    load_after = os.getloadavg()[0]
    notes.insert(
        0,
        f"1-minute load average: {load_before:.2f} at the start, {load_after:.2f} at the end "
        "(2 cores shared with other work; above ~1.5 the timings are inflated).",
    )
    md, js = write_results(
        "scale",
        "Scale: govcloud plan on synthetic inventories",
        tables,
        data={
            "sizes": list(sizes),
            "seed": seed,
            "policies": list(policies),
            "province_waves": province_waves,
            "load_average": [load_before, load_after],
            "results": results,
        },
        command=command_line("bench.scale", argv),
        notes=notes,
        results_dir=results_dir,
    )
    log(f"results: {md} and {js}")
    return {"results": results, "markdown": md, "json": js, "notes": notes}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in DEFAULT_SIZES),
        help="comma-separated system counts (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where inventories and plans go (default: a temporary directory)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary inventories and plans")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end child process run")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a child run is killed")
    parser.add_argument(
        "--policies",
        default=",".join(POLICIES),
        help="comma-separated: default (bundled city policy), province (scaled to the "
        "inventory); default %(default)s",
    )
    parser.add_argument(
        "--province-waves",
        type=int,
        default=PROVINCE_WAVES,
        help="waves the province-scaled policy aims at (default %(default)s)",
    )
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(args_list)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: not a list of integers: {args.sizes!r}")
    if not sizes or any(n < 1 for n in sizes):
        parser.error("--sizes: give at least one positive system count")
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    if not policies or any(p not in POLICIES for p in policies):
        parser.error(f"--policies: choose from {', '.join(POLICIES)}")
    if args.province_waves < 2:
        parser.error("--province-waves: at least 2")
    out = run(
        sizes,
        seed=args.seed,
        workdir=args.workdir,
        results_dir=args.results_dir,
        cli=not args.no_cli,
        timeout=args.timeout,
        keep=args.keep,
        argv=args_list,
        policies=policies,
        province_waves=args.province_waves,
    )
    print(Path(out["markdown"]).read_text(encoding="utf-8"))
    failed = any(r["errors"] for r in out["results"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
