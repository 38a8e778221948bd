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

Per wave, the Lagrangian bound of :mod:`.lagrange` is computed too (exact unions of the closures
of rooms sharing work, all dimensions priced together) and the larger of the two kept, wave by
wave; since a retired room stays retired, the cost unretired after wave w is also at least the
bound of any later wave (the suffix maximum), which carries the deadline jobs' load back to the
waves before their deadline. On the province inventories this is 10 % above the knapsack alone
(87.97 M against 79.58 M at 10k; the LP over schedules meeting deadlines, 170 s of CPU there,
gives 88.15 M).

On problems of moderate size the LP relaxation of the cumulative time-indexed model is solved as
well (GLOP) and the larger bound is kept: ``z[j,w]`` (job j moved by wave w, monotone in w,
``z[j,w] <= z[p,w]`` for predecessors p), per-wave capacity on ``z[j,w] - z[j,w-1]``, and
``y[r,w] <= z[j,w]`` (retired by w only when each of its jobs has moved). Costs beyond the LP's
last wave are dropped and jobs need not finish within it, so truncation keeps it a relaxation;
deadlines are soft in this problem, so they are not constraints of the bound either.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from planner.scheduling.prepare import Prepared, prepare, release
from planner.scheduling.problem import DIMENSIONS, LowerBound, Schedule, ScheduleProblem

if TYPE_CHECKING:  # NumPy loads only when a bound needs it (not for an LP-sized problem)
    import numpy as np

_MAX_WAVES = 100_000
KNAPSACK_MAX_JOBS = 20_000  # above, the Lagrangian bound alone (it dominates but for rounding)
SMALL = 2_000  # jobs up to which the deadline bound also takes the plain one's per-wave values
LP_MAX_CELLS = 50_000  # jobs × waves up to which the LP bound is computed by default (~seconds)


def lower_bound(problem: ScheduleProblem, *, lp: bool | None = None, deadlines: bool = False) -> LowerBound:
    """Lower bounds no feasible schedule beats (unscheduled jobs excluded, as in the schedules).

    ``lp``: True forces the LP relaxation, False skips it, None uses it when the problem is small
    enough (``LP_MAX_CELLS``). ``deadlines``: bound only the schedules that meet every deadline
    (higher: the deadline jobs take their capacity early), valid for a schedule that meets them.
    """
    prep = prepare(problem)
    try:
        return _lower_bound(prep, lp, deadlines)
    finally:
        release(problem)  # a plan bounds last: the preparation need not outlive it (memory at scale)


def _lower_bound(prep: Prepared, lp: bool | None, deadlines: bool) -> LowerBound:
    if lp is None and 0 < prep.n <= LP_MAX_CELLS // 2:
        # Small enough for the LP, which holds everything the per-wave bounds below relax (wave
        # by wave capacity, nested retirements): on its own it is the bound, and needs no NumPy.
        waves, first = _windows(prep)
        horizon = max(waves, max(first.values(), default=0) + 1) + 2
        if prep.n * horizon <= LP_MAX_CELLS:
            lp_value = _lp_bound(prep, horizon, first, deadlines)
            if lp_value is not None:
                return LowerBound(stranded_cost=max(lp_value, float(sum(prep.ret_cost))), waves=waves)
    fk, settled, first, per_wave = _knapsack_bound(prep, deadlines, costs=prep.n <= KNAPSACK_MAX_JOBS)
    horizon = max(fk.waves, settled) + 2
    lp_value = _lp_bound(prep, horizon, first, deadlines) if lp else None
    # The per-wave Lagrangian bound over exact unions (lagrange.py), wave by wave with the
    # knapsack's: each is a valid bound on the cost unretired after that wave, and so is the
    # larger, and (retired rooms stay retired) the largest over any later wave.
    from planner.scheduling.lagrange import wave_dual

    dual = wave_dual(prep, deadlines).unretired
    if deadlines and prep.n <= SMALL:
        # The bound over all schedules holds for those meeting the deadlines too; the price
        # search of either is not exact, so on small problems (cheap) each wave takes the better.
        plain = wave_dual(prep, False).unretired
        dual = [max(dual[w] if w < len(dual) else 0.0, plain[w] if w < len(plain) else 0.0)
                for w in range(max(len(dual), len(plain)))]
    merged = [max(per_wave[w] if w < len(per_wave) else 0.0, dual[w] if w < len(dual) else 0.0)
              for w in range(max(len(per_wave), len(dual)))]
    for w in range(len(merged) - 2, -1, -1):
        merged[w] = max(merged[w], merged[w + 1])
    value = max(fk.stranded_cost, float(sum(prep.ret_cost)) + sum(merged), lp_value or 0.0)
    return LowerBound(stranded_cost=value, waves=fk.waves)


def _windows(prep: Prepared) -> tuple[int, dict[int, int]]:
    """The fewest waves that hold the load, and each costly retirable's earliest possible wave.

    Wave 0, the pilot, holds only pilot-eligible load; a retirable needs its closure moved, no
    job before its earliest wave, and the closure's load within the cumulative capacity. Pure
    Python (small problems: the LP's horizon and windows without importing NumPy).
    """
    n, nd = prep.n, len(DIMENSIONS)
    total = [0.0] * nd
    pilot = [0.0] * nd
    for j in range(n):
        lj = prep.load[j]
        for d in range(nd):
            total[d] += lj[d]
            if prep.earliest[j] == 0:
                pilot[d] += lj[d]
    c0 = [min(c, p) for c, p in zip(prep.cap(0), pilot, strict=True)]
    cum = [c0]

    def C(w: int) -> list[float]:
        while len(cum) <= w:
            cap = prep.cap(len(cum))
            cum.append([a + b for a, b in zip(cum[-1], cap, strict=True)])
        return cum[w]

    waves = max(prep.earliest, default=0) + 1
    while waves <= _MAX_WAVES and any(C(waves - 1)[d] < total[d] - 1e-9 for d in range(nd)):
        waves += 1
    first: dict[int, int] = {}
    for r, cl in enumerate(prep.ret_closures()):
        if not cl or prep.ret_cost[r] <= 0:
            continue
        own = [0.0] * nd
        own_pilot = [0.0] * nd
        for j in cl:
            lj = prep.load[j]
            for d in range(nd):
                own[d] += lj[d]
                if prep.earliest[j] == 0:
                    own_pilot[d] += lj[d]
        w = max(prep.earliest[j] for j in cl)
        while w <= _MAX_WAVES and any(min(c0[d], own_pilot[d]) + C(w)[d] - c0[d] < own[d] - 1e-9
                                      for d in range(nd)):
            w += 1
        first[r] = w
    return waves, first


def meets_deadlines(problem: ScheduleProblem, schedule: Schedule) -> bool:
    """Whether *schedule* honours every fixed wave and deadline (so the deadline bound is its bound)."""
    a = schedule.assignment
    for job in problem.jobs:
        w = a.get(job.id)
        if w is None:
            continue
        if job.fixed_wave is not None and w != job.fixed_wave:
            return False
        if job.latest_wave is not None and w > job.latest_wave:
            return False
    return True


LP_SOLVER = "CLP"  # exact simplex; several times faster than GLOP on this model


def _lp_bound(prep: Prepared, horizon: int, first: dict[int, int], deadlines: bool = False) -> float | None:
    """LP relaxation of the cumulative time-indexed model over ``horizon`` waves (None if it fails)."""
    from ortools.linear_solver import pywraplp  # only small problems get the LP

    solver = pywraplp.Solver.CreateSolver(LP_SOLVER)
    if solver is None:
        return None
    n, nd, W = prep.n, len(DIMENSIONS), horizon
    inf = solver.infinity()
    z: list[list[object | None]] = []
    for j in range(n):
        row: list[object | None] = [None] * W
        lj = prep.latest[j]
        due = lj if deadlines and lj is not None else W
        for w in range(prep.earliest[j], W):
            row[w] = solver.NumVar(1.0 if w >= due else 0.0, 1.0, "")
        z.append(row)
    # Constraints built coefficient by coefficient: the expression API costs more than the solve.
    def at_most(small: object, big: object) -> None:  # small <= big
        ct = solver.Constraint(-inf, 0.0)
        ct.SetCoefficient(small, 1.0)
        ct.SetCoefficient(big, -1.0)

    for j in range(n):
        row = z[j]
        for w in range(prep.earliest[j] + 1, W):
            at_most(row[w - 1], row[w])
        for p in prep.preds[j]:
            for w in range(prep.earliest[j], W):
                zp = z[p][w]
                if zp is None:
                    row[w].SetUb(0.0)  # type: ignore[union-attr]
                else:
                    at_most(row[w], zp)
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
                at_most(y, z[j][w])
            objective.SetCoefficient(y, c)
    objective.SetMaximization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    # Dual bound would be exact; GLOP's primal optimum carries tolerance: shave it off.
    value = base - objective.Value()
    return max(0.0, value - 1e-6 * max(1.0, abs(value)))


def _knapsack_bound(prep: Prepared, deadlines: bool = False, costs: bool = True
                    ) -> tuple[LowerBound, int, dict[int, int], list[float]]:
    """The fractional-knapsack bound (fast, any size), the wave by which it has all retired, each
    retirable's first possible wave, and the cost it leaves unretired after each wave."""
    import numpy as np

    n, nd = prep.n, len(DIMENSIONS)
    if n == 0:
        return LowerBound(stranded_cost=float(sum(prep.ret_cost)), waves=0), 0, {}, []
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
    if not ret or not costs:  # the number of waves only
        return LowerBound(stranded_cost=base, waves=waves), 0, {}, []
    closures = [prep.ret_closures()[r] for r in ret]
    # (closure, job) pairs and (retirable, own job) pairs, for vectorised sums over them.
    ci = np.repeat(np.arange(len(ret)), [len(cl) for cl in closures])
    cj = np.fromiter((j for cl in closures for j in cl), dtype=np.int64, count=len(ci))
    di = np.repeat(np.arange(len(ret)), [len(prep.ret_jobs[r]) for r in ret])
    dj = np.fromiter((j for r in ret for j in prep.ret_jobs[r]), dtype=np.int64, count=len(di))
    # Ways of sharing each job's load among the closures holding it (any split summing to at most
    # 1 is valid); the largest resulting bound is kept. First: equally among all closures.
    mult = np.bincount(cj, minlength=n).astype(float)
    # Also: a job's load goes only to the retirables that hold it directly (not via a dependant),
    # when there are any — closures overlap a lot through shared predecessors, direct sets less.
    dmult = np.bincount(dj, minlength=n).astype(float)
    held = dmult > 0
    # ... or wholly to the dearest retirable holding it directly (winner takes all).
    owner = np.full(n, -1)
    by_cost = np.argsort(cost[di], kind="stable")  # the dearest assigned last wins
    owner[dj[by_cost]] = di[by_cost]
    direct = np.isin(ci * n + cj, di * n + dj)
    free = ~held[cj]  # held by no retirable directly: shared among the closures holding it
    even = 1.0 / np.maximum(mult[cj], 1.0)
    weights = {
        "even": even,
        "direct": np.where(direct, 1.0 / np.maximum(dmult[cj], 1.0), 0.0) + np.where(free, even, 0.0),
        "owner": np.where(owner[cj] == ci, 1.0, 0.0) + np.where(free, even, 0.0),
    }

    def shares(kind: str, moved: np.ndarray | None) -> np.ndarray:
        """Each closure's share of the load, per dimension (jobs in *moved* count for nobody)."""
        wt = weights[kind] if moved is None else weights[kind] * ~moved[cj]
        return np.stack([np.bincount(ci, weights=load[cj, d] * wt, minlength=len(ret)) for d in range(nd)],
                        axis=1)

    own_all = np.stack([np.bincount(ci, weights=load[cj, d], minlength=len(ret)) for d in range(nd)], axis=1)
    pilot_pair = pilot_ok[cj]
    own_pilot_all = np.stack([np.bincount(ci, weights=load[cj, d] * pilot_pair, minlength=len(ret))
                              for d in range(nd)], axis=1)
    e = np.zeros(len(ret), dtype=int)
    for i, cl in enumerate(closures):
        if not cl:
            continue
        own, own_pilot = own_all[i], own_pilot_all[i]
        w = max(prep.earliest[j] for j in cl)
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

    def with_surrogate(x: np.ndarray) -> np.ndarray:
        return np.hstack([x, (x * weight).sum(axis=-1, keepdims=True)])

    # Levels: from each wave on, the jobs that must have moved by then (deadlines met) and the
    # load they take from the cumulative capacity; with deadlines soft, one level of nothing.
    levels: list[tuple[int, np.ndarray | None, np.ndarray]] = [(0, None, np.zeros(nd))]
    if deadlines:
        latest = np.array([-1 if x is None else x for x in prep.latest])
        for lv in sorted({x for x in prep.latest if x is not None}):
            moved = (latest >= 0) & (latest <= lv)
            levels.append((lv, moved, load[moved].sum(axis=0)))

    settled = 0
    per_wave: list[float] = []
    for kind in weights:  # each sharing is valid: the largest per wave is kept
        staged = [(lv, with_surrogate(shares(kind, moved)), with_surrogate(taken[None, :])[0])
                  for lv, moved, taken in levels]
        values = _knapsack_sum(cost, staged, e, lambda w: with_surrogate(C(w)[None, :])[0])
        settled = max(settled, len(values))
        per_wave = [max(per_wave[w] if w < len(per_wave) else 0.0, values[w] if w < len(values) else 0.0)
                    for w in range(max(len(per_wave), len(values)))]
    first = {r: int(e[i]) for i, r in enumerate(ret)}
    return LowerBound(stranded_cost=float(base + sum(per_wave)), waves=waves), settled, first, per_wave


def _knapsack_sum(cost: np.ndarray, staged: list[tuple[int, np.ndarray, np.ndarray]], e: np.ndarray,
                  C: Callable[[int], np.ndarray]) -> list[float]:
    """Per wave, the cost that the best fractional knapsack still leaves unretired.

    *staged*: (first wave, shares, capacity already taken) levels, in order of first wave.
    """
    import numpy as np

    nd = staged[0][1].shape[1]
    orders = [[np.argsort(-cost / np.maximum(sh[:, d], 1e-300), kind="stable") for d in range(nd)]
              for _, sh, _ in staged]
    out: list[float] = []
    w = 0
    ctotal = float(cost.sum())
    level = 0
    while w <= _MAX_WAVES:
        while level + 1 < len(staged) and staged[level + 1][0] <= w:
            level += 1
        share, order = staged[level][1], orders[level]
        cap_w = np.maximum(C(w) - staged[level][2], 0.0)
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
        out.append(unretired)
        w += 1
    return out
