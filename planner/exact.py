"""Exact wave scheduling with OR-Tools CP-SAT (time-indexed model), for small problems.

Model: a boolean ``x[j,w]`` per job and allowed wave (its effective window from
:func:`planner.schedule.prepare`), one wave per job, capacity per wave and dimension, precedence
on wave indices (same or earlier wave), a retirement wave ``t[r] >= wave(j)`` for each job of a
room or line, and the number of waves ``m >= wave(j) + 1``. The objective is lexicographic:
first the stranded cost Σ cost_r·(t_r + 1) is minimised, then it is fixed at the value found and
the number of waves is minimised. The heuristic solution is given as a hint.

Deadlines are hard; if they cannot all be met the model is solved again without them (the
heuristic's missed deadlines are reported as notes, like the heuristic does).
Optimality is relative to the model horizon (the heuristic's waves plus slack, at least the
problem horizon) — stated in the notes.
"""
from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from planner.bounds import lower_bound
from planner.schedule import Prepared, prepare, schedule_heuristic
from planner.scheduling import DIMENSIONS, Schedule, ScheduleProblem

MAX_EXACT_JOBS = 2_000  # co-migration groups above which exact mode refuses unless forced
MAX_EXACT_CELLS = MAX_EXACT_JOBS * 30  # jobs × waves above which exact mode refuses unless forced
_SCALE = 1_000_000  # float loads/capacities are scaled to integers with this factor
_COST_SCALE = 100  # float costs are scaled to integers (cents) with this factor


def _integral(values: list[float]) -> bool:
    return all(abs(v - round(v)) < 1e-9 for v in values)


def schedule_exact(problem: ScheduleProblem, time_limit_s: float = 60.0, workers: int = 2,
                   *, force: bool = False, horizon: int | None = None) -> Schedule:
    """Solve the problem with CP-SAT; optimal flag and gap are reported in the Schedule."""
    started = time.monotonic()
    prep = prepare(problem)
    n = prep.n
    if not force and (n > MAX_EXACT_JOBS or n * problem.horizon > MAX_EXACT_CELLS):
        raise ValueError(
            f"problem too big for exact mode: {n} jobs over a {problem.horizon}-wave horizon "
            f"(limits {MAX_EXACT_JOBS} jobs, {MAX_EXACT_CELLS} job-waves); use the heuristic or force=True")
    heur = schedule_heuristic(problem)
    if n == 0:
        return _empty(prep)
    H = horizon if horizon is not None else max(problem.horizon, heur.waves + 2,
                                                 max(prep.earliest) + 1)
    cells = n * H
    if cells > MAX_EXACT_CELLS and not force:
        raise ValueError(
            f"problem too big for exact mode: {n} jobs × {H} waves = {cells} cells "
            f"(limit {MAX_EXACT_CELLS}); use the heuristic or force=True")
    hint = [heur.assignment[prep.ids[j]] for j in range(n)]
    notes = [f"exact model horizon {H} waves: optimality is relative to it"]
    result = _solve(prep, H, hint, time_limit_s, workers, deadlines=True, started=started)
    if result == "infeasible":
        notes.append("deadlines cannot all be met: solved again without deadlines")
        result = _solve(prep, H, hint, time_limit_s, workers, deadlines=False, started=started)
    if isinstance(result, tuple):
        wave, optimal, gap = result
    else:
        notes.append("CP-SAT found no solution within the time limit: the heuristic schedule is kept")
        wave, optimal, gap = hint, False, None
    sched = prep.to_schedule(wave, "exact", notes)
    # The solver's own bound may be weaker than ours: report the tighter gap.
    lb = lower_bound(problem).stranded_cost
    if sched.stranded_cost > 0:
        ours = max(0.0, (sched.stranded_cost - lb) / sched.stranded_cost)
        gap = ours if gap is None else min(gap, ours)
        if gap <= 1e-9:
            optimal = True
    sched.optimal = optimal
    sched.gap = 0.0 if optimal else gap
    return sched


def _empty(prep: Prepared) -> Schedule:
    s = prep.to_schedule([], "exact", [])
    s.optimal, s.gap = True, 0.0
    return s


def _solve(prep: Prepared, H: int, hint: list[int], time_limit_s: float, workers: int, *,
           deadlines: bool, started: float) -> tuple[list[int], bool, float | None] | str:
    """Two-phase lexicographic solve: (waves, optimal, gap), "infeasible" or "unknown"."""
    n = prep.n
    caps = [prep.cap(w) for w in range(H)]
    loads = prep.load
    flat = [x for ld in loads for x in ld] + [x for c in caps for x in c]
    scale = 1 if _integral(flat) else _SCALE
    costs = prep.ret_cost
    cscale = 1 if _integral(costs) else _COST_SCALE
    icost = [int(round(c * cscale)) for c in costs]

    m = cp_model.CpModel()
    x: list[dict[int, cp_model.IntVar]] = []
    wv: list[cp_model.LinearExpr] = []
    for j in range(n):
        lo = prep.earliest[j]
        hi = H - 1
        lj = prep.latest[j]
        if deadlines and lj is not None:
            hi = min(hi, lj)
        if lo > hi:
            return "infeasible"
        xs = {}
        for w in range(lo, hi + 1):
            # Skip waves the job cannot fit in on its own.
            if all(loads[j][d] <= caps[w][d] + 1e-9 for d in range(len(DIMENSIONS))):
                xs[w] = m.new_bool_var(f"x{j}_{w}")
        if not xs:
            return "infeasible"
        m.add_exactly_one(xs.values())
        x.append(xs)
        wv.append(cp_model.LinearExpr.weighted_sum(list(xs.values()), list(xs.keys())))
    for j in range(n):
        for p in prep.preds[j]:
            m.add(wv[p] <= wv[j])
    for w in range(H):
        for d in range(len(DIMENSIONS)):
            terms = [(math.ceil(loads[j][d] * scale - 1e-6), x[j][w]) for j in range(n)
                     if w in x[j] and loads[j][d] > 0]
            if not terms:
                continue
            # Loads round up, capacity down; but a job that fits alone must still fit alone
            # (this can exceed the float capacity by at most 1/scale).
            cap_int = max(math.floor(caps[w][d] * scale + 1e-6), max(c for c, _ in terms))
            if sum(c for c, _ in terms) > cap_int:
                m.add(cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])
                      <= cap_int)
    t = []
    for r, jobs in enumerate(prep.ret_jobs):
        tr = m.new_int_var(0, H - 1, f"t{r}")
        for j in jobs:
            m.add(tr >= wv[j])
        t.append(tr)
    waves = m.new_int_var(1, H, "waves")
    for j in range(n):
        m.add(waves >= wv[j] + 1)
    cost_expr = sum(icost[r] * (t[r] + 1) for r in range(len(t)))
    for j in range(n):
        if hint[j] in x[j]:
            for w, v in x[j].items():
                m.add_hint(v, w == hint[j])

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, workers)
    phase1 = max(0.1, (time_limit_s - (time.monotonic() - started)) * 0.8)
    solver.parameters.max_time_in_seconds = phase1
    m.minimize(cost_expr)
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return "infeasible"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "unknown"
    best = int(round(solver.objective_value))
    bound = solver.best_objective_bound
    optimal = status == cp_model.OPTIMAL
    gap = 0.0 if optimal else (best - bound) / best if best > 0 else 0.0
    wave = [next(w for w, v in x[j].items() if solver.value(v)) for j in range(n)]

    # Phase 2: fix the cost, minimise the number of waves.
    m.add(cost_expr <= best)
    m.clear_hints()
    for j in range(n):
        for w, v in x[j].items():
            m.add_hint(v, w == wave[j])
    m.minimize(waves)
    remaining = time_limit_s - (time.monotonic() - started)
    if remaining > 0.05:
        solver.parameters.max_time_in_seconds = remaining
        status2 = solver.solve(m)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            wave = [next(w for w, v in x[j].items() if solver.value(v)) for j in range(n)]
            optimal = optimal and status2 == cp_model.OPTIMAL
        else:
            optimal = False
    else:
        optimal = False
    return wave, optimal, gap
