"""Exact wave scheduling with OR-Tools CP-SAT (the time-indexed model of :mod:`.model`).

Every job is free over the whole model horizon. The objective is lexicographic: first the
stranded cost is minimised, then it is fixed at the value found and the number of waves is
minimised. The heuristic solution is given as a (complete) hint.

Deadlines are hard; if they cannot all be met the model is solved again without them (the
heuristic's missed deadlines are reported as notes, like the heuristic does). Optimality is
relative to the model horizon (the heuristic's waves plus slack, at least the problem horizon) —
stated in the notes.
"""
from __future__ import annotations

import time

from ortools.sat.python import cp_model

from planner.scheduling.bounds import lower_bound
from planner.scheduling.effort import Effort
from planner.scheduling.heuristic import schedule_heuristic
from planner.scheduling.model import WaveModel, fits_capacity, scales
from planner.scheduling.prepare import Prepared, prepare
from planner.scheduling.problem import Schedule, ScheduleProblem

MAX_EXACT_JOBS = 2_000  # co-migration groups above which exact mode refuses unless forced
MAX_EXACT_CELLS = MAX_EXACT_JOBS * 30  # jobs × waves above which exact mode refuses unless forced


def schedule_exact(problem: ScheduleProblem, time_limit_s: float = 60.0, workers: int = 2,
                   *, force: bool = False, horizon: int | None = None,
                   hint_effort: Effort | str | float | None = None) -> Schedule:
    """Solve the problem with CP-SAT; optimal flag and gap are reported in the Schedule."""
    started = time.monotonic()
    prep = prepare(problem)
    n = prep.n
    if not force and (n > MAX_EXACT_JOBS or n * problem.horizon > MAX_EXACT_CELLS):
        raise ValueError(
            f"problem too big for exact mode: {n} jobs over a {problem.horizon}-wave horizon "
            f"(limits {MAX_EXACT_JOBS} jobs, {MAX_EXACT_CELLS} job-waves); use the heuristic or force=True")
    heur = schedule_heuristic(problem, effort=hint_effort)
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
    if prep.cost_of(wave) > prep.cost_of(hint) + 1e-6:  # a time limit hit before the hint was used
        wave, optimal = hint, False
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
    load_scale, cost_scale = scales(prep, H)
    model = WaveModel(prep, range(H), range(prep.n), None, deadlines=deadlines,
                      load_scale=load_scale, cost_scale=cost_scale)
    if not model.feasible:
        return "infeasible"
    if all(hint[j] in model.x[j] for j in range(prep.n)):
        model.hint(hint)
    remaining = time_limit_s - (time.monotonic() - started)
    status, solver = model.solve(workers=workers, time_limit_s=max(0.1, remaining * 0.8))
    if status == cp_model.INFEASIBLE:
        return "infeasible"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "unknown"
    best = int(round(solver.objective_value))
    bound = solver.best_objective_bound
    optimal = status == cp_model.OPTIMAL
    gap = 0.0 if optimal else (best - bound) / best if best > 0 else 0.0
    found = model.assignment(solver)
    wave = [found[j] for j in range(prep.n)]

    # Phase 2: fix the cost, minimise the number of waves.
    model.fix_cost_minimise_waves(best)
    model.hint(wave)
    remaining = time_limit_s - (time.monotonic() - started)
    if remaining > 0.05:
        status2, solver = model.solve(workers=workers, time_limit_s=remaining)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = model.assignment(solver)
            wave = [found[j] for j in range(prep.n)]
            optimal = optimal and status2 == cp_model.OPTIMAL
        else:
            optimal = False
    else:
        optimal = False
    if not fits_capacity(prep, wave, range(H)):
        return "unknown"
    return wave, optimal, gap
