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
"""
from __future__ import annotations

import numpy as np

from planner.schedule import prepare
from planner.scheduling import DIMENSIONS, LowerBound, ScheduleProblem

_MAX_WAVES = 100_000


def lower_bound(problem: ScheduleProblem) -> LowerBound:
    """Lower bounds no feasible schedule beats (unscheduled jobs excluded, as in the schedules)."""
    prep = prepare(problem)
    n, nd = prep.n, len(DIMENSIONS)
    if n == 0:
        return LowerBound(stranded_cost=sum(c for c in prep.ret_cost), waves=0)
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
        return LowerBound(stranded_cost=base, waves=waves)
    closures = [prep.closure(prep.ret_jobs[r]) for r in ret]
    mult = np.zeros(n)
    for cl in closures:
        mult[cl] += 1
    share = np.zeros((len(ret), nd))
    e = np.zeros(len(ret), dtype=int)
    for i, cl in enumerate(closures):
        if not cl:
            continue
        idx = np.array(cl)
        share[i] = (load[idx] / mult[idx, None]).sum(axis=0)
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
    return LowerBound(stranded_cost=base + extra, waves=waves)
