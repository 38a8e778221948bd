"""Valid lower bounds on stranded cost and number of waves of a ScheduleProblem.

Waves: the cumulative capacity of waves 0..W-1 (wave 0, the pilot, only for jobs that may go
there) must hold the total load in every dimension, and no job moves before its effective
earliest wave.

Cost: write the stranded cost as Σ_w Σ_{r not retired before w} cost_r. The set S_w of rooms and
lines retired by wave w needs all their jobs and their transitive predecessors ("closure") moved
by then, which cumulative capacity C(w) limits. Giving each job's load to the closures it belongs
to in equal shares, Σ_{r∈S_w} share_r ≤ load(∪ closures) ≤ C(w) in every dimension, so the cost
of S_w is at most the fractional-knapsack optimum of that dimension, over the retirables that can
be retired by w at all (their own earliest wave and closure load permit it). Summing the
resulting cost still unretired over all waves gives a valid bound; it dominates the simple
per-retirable bound (each room alone at its earliest possible wave).

On problems of moderate size the LP relaxation of the cumulative time-indexed model is solved as
well (GLOP) and the larger bound is kept: ``z[j,w]`` (job j moved by wave w, monotone in w,
``z[j,w] <= z[p,w]`` for predecessors p), per-wave capacity on ``z[j,w] - z[j,w-1]``, and
``y[r,w] <= z[j,w]`` (retired by w only when each of its jobs has moved). Costs beyond the LP's
last wave are dropped and jobs need not finish within it, so truncation keeps it a relaxation;
deadlines are soft in this problem, so they are not constraints of the bound either.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from ortools.linear_solver import pywraplp

from planner.scheduling.prepare import Prepared, prepare
from planner.scheduling.problem import DIMENSIONS, LowerBound, ScheduleProblem

_MAX_WAVES = 100_000
LP_MAX_CELLS = 50_000  # jobs × waves up to which the LP bound is computed by default (~seconds)


def lower_bound(problem: ScheduleProblem, *, lp: bool | None = None) -> LowerBound:
    """Lower bounds no feasible schedule beats (unscheduled jobs excluded, as in the schedules).

    ``lp``: True forces the LP relaxation, False skips it, None uses it when the problem is small
    enough (``LP_MAX_CELLS``).
    """
    prep = prepare(problem)
    fk, settled, first = _knapsack_bound(prep)
    horizon = max(fk.waves, settled) + 2
    if lp or (lp is None and prep.n * horizon <= LP_MAX_CELLS and prep.n > 0):
        value = _lp_bound(prep, horizon, first)
        if value is not None and value > fk.stranded_cost:
            return LowerBound(stranded_cost=value, waves=fk.waves)
    return fk


LP_SOLVER = "CLP"  # exact simplex; several times faster than GLOP on this model


def _lp_bound(prep: Prepared, horizon: int, first: dict[int, int]) -> float | None:
    """LP relaxation of the cumulative time-indexed model over ``horizon`` waves (None if it fails)."""
    solver = pywraplp.Solver.CreateSolver(LP_SOLVER)
    if solver is None:
        return None
    n, nd, W = prep.n, len(DIMENSIONS), horizon
    inf = solver.infinity()
    z: list[list[object | None]] = []
    for j in range(n):
        row: list[object | None] = [None] * W
        for w in range(prep.earliest[j], W):
            row[w] = solver.NumVar(0.0, 1.0, "")
        z.append(row)
    for j in range(n):
        row = z[j]
        for w in range(prep.earliest[j] + 1, W):
            solver.Add(row[w] >= row[w - 1])  # type: ignore[operator]
        for p in prep.preds[j]:
            for w in range(prep.earliest[j], W):
                zp = z[p][w]
                if zp is None:
                    solver.Add(row[w] <= 0)  # type: ignore[operator]
                else:
                    solver.Add(row[w] <= zp)  # type: ignore[operator]
    for w in range(W):
        cap = prep.cap(w)
        for d in range(nd):
            ct = solver.Constraint(-inf, cap[d])
            any_term = False
            for j in range(n):
                x = prep.load[j][d]
                if x <= 0 or z[j][w] is None:
                    continue
                any_term = True
                ct.SetCoefficient(z[j][w], x)
                if w > 0 and z[j][w - 1] is not None:
                    ct.SetCoefficient(z[j][w - 1], -x)
            if not any_term:
                ct.SetBounds(-inf, inf)
    objective = solver.Objective()
    base = 0.0
    for r, jobs in enumerate(prep.ret_jobs):
        c = prep.ret_cost[r]
        base += c * W  # Σ_{w=0}^{W-1} c, minus c·y[r,w] for w <= W-2 below
        if c <= 0:
            continue
        lo = max(max((prep.earliest[j] for j in jobs), default=0), first.get(r, 0))
        for w in range(lo, W - 1):
            y = solver.NumVar(0.0, 1.0, "")
            for j in jobs:
                solver.Add(y <= z[j][w])  # type: ignore[operator]
            objective.SetCoefficient(y, c)
    objective.SetMaximization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    # Dual bound would be exact; GLOP's primal optimum carries tolerance: shave it off.
    value = base - objective.Value()
    return max(0.0, value - 1e-6 * max(1.0, abs(value)))


def _knapsack_bound(prep: Prepared) -> tuple[LowerBound, int, dict[int, int]]:
    """The fractional-knapsack bound (fast, any size) and the wave by which it has all retired."""
    n, nd = prep.n, len(DIMENSIONS)
    if n == 0:
        return LowerBound(stranded_cost=float(sum(prep.ret_cost)), waves=0), 0, {}
    load = np.array(prep.load, dtype=float).reshape(n, nd)
    earliest = np.array(prep.earliest)
    pilot_ok = earliest == 0

    caps: list[np.ndarray] = []

    def cumcap(w: int, pilot_load: np.ndarray) -> np.ndarray:
        """Most load (per dimension) that waves 0..w can have moved, given the pilot-eligible load."""
        while len(caps) <= w:
            caps.append(np.array(prep.cap(len(caps)), dtype=float))
        total = np.minimum(caps[0], pilot_load)
        for v in range(1, w + 1):
            total = total + caps[v]
        return total

    # Cumulative capacity table, grown as needed.
    cum: list[np.ndarray] = []
    pilot_total = load[pilot_ok].sum(axis=0)

    def C(w: int) -> np.ndarray:
        while len(cum) <= w:
            k = len(cum)
            if k == 0:
                cum.append(cumcap(0, pilot_total))
            else:
                cumcap(k, pilot_total)
                cum.append(cum[-1] + caps[k])
        return cum[w]

    # Waves.
    total = load.sum(axis=0)
    waves = int(earliest.max()) + 1
    while not np.all(C(waves - 1) >= total - 1e-9):
        waves += 1
        if waves > _MAX_WAVES:
            break

    # Cost: closures, shares, each retirable's own earliest retirement wave.
    ret = [r for r in range(len(prep.ret_ids)) if prep.ret_cost[r] > 0]
    cost = np.array([prep.ret_cost[r] for r in ret], dtype=float)
    base = float(sum(prep.ret_cost))  # every room and line is paid at least for wave 0
    if not ret:
        return LowerBound(stranded_cost=base, waves=waves), 0, {}
    closures = [prep.closure(prep.ret_jobs[r]) for r in ret]
    # Ways of sharing each job's load among the closures holding it (any split summing to at most
    # 1 is valid); the largest resulting bound is kept. First: equally among all closures.
    mult = np.zeros(n)
    for cl in closures:
        mult[cl] += 1
    # Also: a job's load goes only to the retirables that hold it directly (not via a dependant),
    # when there are any — closures overlap a lot through shared predecessors, direct sets less.
    dmult = np.zeros(n)
    for r in ret:
        dmult[prep.ret_jobs[r]] += 1
    held = dmult > 0
    # ... or wholly to the dearest retirable holding it directly (winner takes all).
    owner = np.full(n, -1)
    owner_cost = np.full(n, -1.0)
    for i, r in enumerate(ret):
        members = np.array(prep.ret_jobs[r], dtype=int)
        if len(members):
            better = cost[i] > owner_cost[members]
            owner[members[better]] = i
            owner_cost[members[better]] = cost[i]
    share = np.zeros((len(ret), nd))
    share_direct = np.zeros((len(ret), nd))
    share_owner = np.zeros((len(ret), nd))
    e = np.zeros(len(ret), dtype=int)
    for i, cl in enumerate(closures):
        if not cl:
            continue
        idx = np.array(sorted(cl))
        share[i] = (load[idx] / mult[idx, None]).sum(axis=0)
        direct = np.zeros(len(idx), dtype=bool)
        direct[np.searchsorted(idx, np.array(prep.ret_jobs[ret[i]]))] = True  # idx is sorted
        free = ~held[idx]  # held by no retirable directly: shared among the closures holding it
        share_direct[i] = ((load[idx] / np.maximum(dmult[idx], 1)[:, None]) * direct[:, None]).sum(axis=0) \
            + ((load[idx] / mult[idx, None]) * free[:, None]).sum(axis=0)
        share_owner[i] = (load[idx] * (owner[idx] == i)[:, None]).sum(axis=0) \
            + ((load[idx] / mult[idx, None]) * free[:, None]).sum(axis=0)
        own = load[idx].sum(axis=0)
        own_pilot = load[idx[pilot_ok[idx]]].sum(axis=0)
        w = int(earliest[idx].max())
        while True:
            c0 = np.minimum(C(0), own_pilot)  # only the closure's pilot-eligible load fits wave 0
            got = c0 + (C(w) - C(0)) if w > 0 else c0
            if np.all(got >= own - 1e-9) or w > _MAX_WAVES:
                break
            w += 1
        e[i] = w
    # A surrogate dimension (the capacity-normalised mean of all dimensions) is a non-negative
    # combination of valid constraints, hence valid too; it catches retirables heavy in different
    # dimensions, which the per-dimension knapsacks each miss.
    ref = np.array(prep.cap(1), dtype=float)
    weight = np.where(ref > 0, 1.0 / np.maximum(ref, 1e-300), 0.0) / nd

    def C5(w: int) -> np.ndarray:
        c = C(w)
        return np.append(c, float((c * weight).sum()))

    extra, settled = 0.0, 0
    for shares in (share, share_direct, share_owner):
        shares5 = np.hstack([shares, (shares * weight).sum(axis=1, keepdims=True)])
        value, last = _knapsack_sum(cost, shares5, e, C5)
        if value >= extra:
            extra, settled = value, max(settled, last)
    first = {r: int(e[i]) for i, r in enumerate(ret)}
    return LowerBound(stranded_cost=float(base + extra), waves=waves), settled, first


def _knapsack_sum(cost: np.ndarray, share: np.ndarray, e: np.ndarray,
                  C: Callable[[int], np.ndarray]) -> tuple[float, int]:
    """Σ over waves of the cost that the best fractional knapsack still leaves unretired."""
    nd = share.shape[1]
    # Fractional knapsack per dimension, per wave, over retirables that may be retired by then.
    order = [np.argsort(-cost / np.maximum(share[:, d], 1e-300), kind="stable") for d in range(nd)]
    extra = 0.0
    w = 0
    ctotal = float(cost.sum())
    while w <= _MAX_WAVES:
        cap_w = C(w)
        eligible = e <= w
        best = ctotal
        for d in range(nd):
            o = order[d]
            el = eligible[o]
            p = np.where(el, share[o, d], 0.0)
            c = np.where(el, cost[o], 0.0)
            cp = np.cumsum(p)
            k = int(np.searchsorted(cp, cap_w[d] + 1e-9, side="right"))
            value = float(c[:k].sum())
            if k < len(o):
                before = float(cp[k - 1]) if k > 0 else 0.0
                frac = (cap_w[d] - before) / p[k] if p[k] > 0 else 1.0
                value += float(c[k]) * max(0.0, min(1.0, frac))
            best = min(best, value)
        unretired = ctotal - best
        if unretired <= 1e-9 * ctotal:
            break
        extra += unretired
        w += 1
    return extra, w
