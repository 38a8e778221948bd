"""The CP-SAT time-indexed model of a ScheduleProblem, shared by the exact solver and the LNS.

One boolean ``x[j,w]`` per free job and allowed wave, exactly one wave per job, capacity per wave
and dimension (less what the jobs held fixed already use there), precedence on wave indices
(same or earlier wave), a retirement wave ``t[r] >= wave(j)`` for each room or line with a free
job (at least the last wave of its fixed jobs), and the objective Σ cost_r·(t_r + 1).

The exact solver frees every job over the whole horizon; the large-neighbourhood search frees
the jobs of a few waves, with everything else held where it is. Both scale float loads and
costs to integers here, with the one pair of constants below: loads round up and capacities
down, so an integer solution always fits the float capacities (checked again on the way out).
"""
from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from ortools.sat.python import cp_model

from planner.scheduling.prepare import EPS, Prepared
from planner.scheduling.problem import DIMENSIONS

LOAD_SCALE = 1_000  # non-integral loads/capacities to integers (sizes carry 2 decimals: exact)
COST_SCALE = 100  # non-integral monthly costs to integers (cents)


def _integral(values: Iterable[float]) -> bool:
    return all(abs(v - round(v)) < 1e-9 for v in values)


def scales(prep: Prepared, waves: int) -> tuple[int, int]:
    """(load scale, cost scale) for a problem: 1 where its numbers are integers already."""
    flat = [x for ld in prep.load for x in ld] + [x for w in range(waves) for x in prep.cap(w)]
    return (1 if _integral(flat) else LOAD_SCALE), (1 if _integral(prep.ret_cost) else COST_SCALE)


class WaveModel:
    """The model over ``free`` jobs and ``waves``; every other job stays at ``current[j]``.

    ``current`` is a full assignment (the jobs held fixed, and the hint for the free ones); it may
    be None when every job is free. ``used``, the load of each wave under ``current``, saves a
    pass over all jobs when the caller keeps it. With ``deadlines`` a free job may not pass its deadline; else
    it may not pass ``max(deadline, current wave)`` (a search never makes a missed deadline worse).
    """

    def __init__(self, prep: Prepared, waves: Sequence[int], free: Sequence[int],
                 current: Sequence[int] | None, *, deadlines: bool, load_scale: int,
                 cost_scale: int, used: Mapping[int, Sequence[float]] | None = None) -> None:
        self.prep = prep
        self.waves = list(waves)
        self.free = list(free)
        self.m = cp_model.CpModel()
        self.x: dict[int, dict[int, cp_model.IntVar]] = {}
        self.wave_expr: dict[int, cp_model.LinearExprT] = {}
        self.t: dict[int, cp_model.IntVar] = {}
        self._floor: dict[int, int] = {}  # lowest retirement wave per room or line
        self.feasible = True
        m, nd, load = self.m, len(DIMENSIONS), prep.load
        free_set = set(self.free)
        top = self.waves[-1]
        iload = [[math.ceil(x * load_scale - 1e-6) for x in load[j]] for j in self.free]
        room: dict[int, list[float]] = {w: list(prep.cap(w)) for w in self.waves}
        if current is not None:  # what the jobs held fixed already use
            if used is None:
                for j in range(prep.n):
                    left = room.get(current[j])
                    if left is not None and j not in free_set:
                        for d in range(nd):
                            left[d] -= load[j][d]
            else:  # the caller's per-wave totals, less the free jobs now in them
                for w, left in room.items():
                    u = used.get(w)
                    if u is not None:
                        for d in range(nd):
                            left[d] -= u[d]
                for j in self.free:
                    left = room.get(current[j])
                    if left is not None:
                        for d in range(nd):
                            left[d] += load[j][d]
        icap = {w: [math.floor(x * load_scale + 1e-6) for x in left] for w, left in room.items()}
        for k, j in enumerate(self.free):
            lo, hi = prep.earliest[j], top
            lj = prep.latest[j]
            if lj is not None and deadlines:
                hi = min(hi, lj)
            elif lj is not None and current is not None:
                hi = min(hi, max(lj, current[j]))
            if current is not None:
                for p in prep.preds[j]:
                    if p not in free_set and current[p] > lo:
                        lo = current[p]
                for s in prep.succs[j]:
                    if s not in free_set and current[s] < hi:
                        hi = current[s]
            xs = {}
            for w in self.waves:
                if lo <= w <= hi and all(load[j][d] <= room[w][d] + EPS for d in range(nd)):
                    xs[w] = m.new_bool_var("")
                    # Rounding must not shut a job out of a wave it fits on its own; the float
                    # capacities are checked again on every solution (fits_capacity).
                    for d in range(nd):
                        if iload[k][d] > icap[w][d]:
                            icap[w][d] = iload[k][d]
            if not xs:
                self.feasible = False
                return
            m.add_exactly_one(xs.values())
            self.x[j] = xs
            self.wave_expr[j] = cp_model.LinearExpr.weighted_sum(list(xs.values()), list(xs.keys()))
        for j in self.free:
            for p in prep.preds[j]:
                if p in free_set:
                    m.add(self.wave_expr[p] <= self.wave_expr[j])
        for w in self.waves:
            for d in range(nd):
                terms = [(iload[k][d], self.x[j][w]) for k, j in enumerate(self.free)
                         if iload[k][d] > 0 and w in self.x[j]]
                if terms and sum(c for c, _ in terms) > icap[w][d]:
                    m.add(cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])
                          <= icap[w][d])
        # Retirement waves of the rooms and lines the free jobs belong to.
        icost = [int(round(c * cost_scale)) for c in prep.ret_cost]
        rets = sorted({r for j in self.free for r in prep.job_rets[j] if icost[r] > 0})
        obj_vars, obj_coefs = [], []
        for r in rets:
            held = [current[j] for j in prep.ret_jobs[r] if j not in free_set] if current is not None else []
            floor = max(held, default=0)
            if floor >= top:
                continue  # a job held at or after these waves retires it: nothing to gain here
            tr = m.new_int_var(floor, top, "")
            for j in prep.ret_jobs[r]:
                if j in free_set:
                    m.add(tr >= self.wave_expr[j])
            self.t[r] = tr
            self._floor[r] = floor
            obj_vars.append(tr)
            obj_coefs.append(icost[r])
        self.cost: cp_model.LinearExprT = cp_model.LinearExpr.weighted_sum(obj_vars, obj_coefs)
        if current is not None:
            self.hint(current)

    @property
    def has_objective(self) -> bool:
        return bool(self.t)

    def hint(self, wave: Sequence[int]) -> None:
        """Hint every variable (a complete hint): the free jobs at ``wave``, retirements after."""
        m = self.m
        m.clear_hints()
        for j, xs in self.x.items():
            for w, v in xs.items():
                m.add_hint(v, w == wave[j])
        for r, tr in self.t.items():
            m.add_hint(tr, max(self._floor[r], max(wave[j] for j in self.prep.ret_jobs[r])))

    def solve(self, *, workers: int = 1, seed: int = 0, deterministic_time: float | None = None,
              time_limit_s: float | None = None) -> tuple[Any, cp_model.CpSolver]:
        """Minimise the stranded cost; (status, solver)."""
        self.m.minimize(self.cost)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = max(1, workers)
        solver.parameters.random_seed = seed
        if deterministic_time is not None:
            solver.parameters.max_deterministic_time = deterministic_time
        if time_limit_s is not None:
            solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
        return solver.solve(self.m), solver

    def fix_cost_minimise_waves(self, cost: int) -> None:
        """Second phase of a lexicographic solve: keep the cost at most ``cost``, fewest waves."""
        m = self.m
        waves = m.new_int_var(1, self.waves[-1] + 1, "waves")
        for e in self.wave_expr.values():
            m.add(waves >= e + 1)
        m.add(self.cost <= cost)
        self.cost = waves  # what solve() minimises now

    def assignment(self, solver: cp_model.CpSolver) -> dict[int, int]:
        """The wave of each free job in the solver's solution."""
        return {j: next(w for w, v in xs.items() if solver.boolean_value(v)) for j, xs in self.x.items()}


def fits_capacity(prep: Prepared, wave: Sequence[int], waves: Collection[int],
                  jobs: Iterable[int] | None = None) -> bool:
    """Whether the given waves hold their jobs within the float capacities."""
    nd = len(DIMENSIONS)
    use: Mapping[int, list[float]] = {w: [0.0] * nd for w in waves}
    for j in (jobs if jobs is not None else range(prep.n)):
        u = use.get(wave[j])
        if u is not None:
            lj = prep.load[j]
            for d in range(nd):
                u[d] += lj[d]
    for w, u in use.items():
        cap = prep.cap(w)
        if any(u[d] > cap[d] + EPS for d in range(nd)):
            return False
    return True
