"""A per-wave Lagrangian bound on the stranded cost, over exact unions of rooms' work.

For each wave w, the rooms and lines retired by w (set S) need every job of their closures
(their jobs and transitive predecessors) moved by then, and the load of that union fits the
cumulative capacity C(w) (wave 0, the pilot, only for pilot-eligible load); with deadlines met,
the jobs due by w have moved too and take their load from C(w) first. The best cost retired by
w is at most the LP of that one-wave problem, and by weak duality at most, for any prices
λ ≥ 0 on the capacity dimensions,

    g(λ) = λ·C'(w) + Σ_pieces max over subsets S of the piece (cost(S) − λ·load(∪ closures of S), 0)

where the rooms are split into *pieces*: the connected components of "closures share a job"
(small on inventories: rooms of one department), each enumerated exactly over its subsets; a
component of more than ``MAX_PIECE`` rooms is cut into chunks and a job shared between chunks
counts a share of its load in each (shares summing to 1 keep it a relaxation). Any λ gives a
valid bound; a coordinate and pairwise line search per wave, warm-started from the previous
wave, gets close to the one-wave LP's optimum. A room that cannot be retired by w on its own
(its closure's load exceeds C(w), or a job's earliest wave is later) is excluded at w.

The cost still unretired after each wave is then at least max over later waves of these bounds,
since the rooms retired by a wave stay retired. The sets chosen at the prices found also give
each room the first wave the bound retires it in (``target``), which the heuristic uses as a
priority.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.scheduling.prepare import Prepared

MAX_PIECE = 10  # rooms per piece enumerated exactly (2**10 subsets)
MAX_WAVES = 100_000
LINE_POINTS = 8  # points per line search, each of ZOOMS rounds
ZOOMS = 2
SWEEPS = 1  # coordinate + pairwise line searches per wave (warm-started)


@dataclass
class WaveDual:
    """Per-wave bounds and the prices behind them."""

    unretired: list[float]  # per wave w: cost still unretired after w (suffix maximum applied)
    target: list[int]  # per retirable of Prepared: first wave whose chosen sets retire it (-1: never)
    first: list[int]  # per retirable: earliest wave it can be retired by at all (-1: no cost)


def wave_dual(prep: Prepared, deadlines: bool) -> WaveDual:
    """The per-wave Lagrangian bounds of *prep* (cached on it, per deadline mode)."""
    cache = prep.cache.get(("wave_dual", deadlines))
    if isinstance(cache, WaveDual):
        return cache
    result = _compute(prep, deadlines)
    prep.cache[("wave_dual", deadlines)] = result
    return result


class _Pieces:
    """Subsets of each piece, grouped by piece size, with their costs and (per level) loads."""

    def __init__(self, load: np.ndarray, cost: np.ndarray, closures: Sequence[Sequence[int]]) -> None:
        self.load = load
        self.nd = load.shape[1]
        n = load.shape[0]
        pieces = _split(closures)
        share = np.zeros(n)
        for rooms in pieces:
            for j in {j for r in rooms for j in closures[r]}:
                share[j] += 1.0
        by_size: dict[int, list[list[int]]] = {}
        for rooms in pieces:
            by_size.setdefault(len(rooms), []).append(rooms)
        self.groups: list[dict[str, np.ndarray | int]] = []
        for k, plist in sorted(by_size.items()):
            size = 1 << k
            rooms_a = np.array(plist, dtype=np.int64)
            ent_p: list[int] = []
            ent_j: list[int] = []
            ent_b: list[int] = []
            for p, rs in enumerate(plist):
                masks: dict[int, int] = {}
                for i, r in enumerate(rs):
                    for j in closures[r]:
                        masks[j] = masks.get(j, 0) | (1 << i)
                for j, b in masks.items():
                    ent_p.append(p)
                    ent_j.append(j)
                    ent_b.append(b)
            ej = np.array(ent_j, dtype=np.int64)
            cs = np.zeros((len(plist), size, 1))
            for i in range(k):
                cs[:, 1 << i, 0] = cost[rooms_a[:, i]]
            self.groups.append({
                "k": k, "P": len(plist), "rooms": rooms_a,
                "idx": np.array(ent_p, dtype=np.int64) * size + np.array(ent_b, dtype=np.int64),
                "job": ej, "wt": 1.0 / share[ej], "cost": _zeta(cs, k)[:, :, 0],
                "masks": np.arange(size, dtype=np.int64),
            })

    def level(self, moved: np.ndarray) -> None:
        """Subset loads with the jobs in *moved* left out (they are paid for by the capacity)."""
        for g in self.groups:
            k, P = int(g["k"]), int(g["P"])  # type: ignore[call-overload]
            size = 1 << k
            job = g["job"]
            wt = g["wt"] * ~moved[job]  # type: ignore[index, operator]
            h = np.empty((P * size, self.nd))
            for d in range(self.nd):
                h[:, d] = np.bincount(g["idx"], weights=wt * self.load[job, d], minlength=P * size)  # type: ignore[arg-type]
            f = _zeta(h.reshape(P, size, self.nd), k)  # f[T] = load of jobs whose rooms all lie in T
            full = size - 1
            loads = f[:, full:full + 1, :] - f[:, full ^ g["masks"], :]  # type: ignore[operator]
            # dimensions × columns, subset-major (maxima over a piece's subsets run over rows)
            g["L"] = np.ascontiguousarray(loads.transpose(2, 1, 0).reshape(self.nd, size * P))

    def allow(self, eligible: np.ndarray) -> None:
        for g in self.groups:
            rooms = g["rooms"]
            inel = np.zeros(int(g["P"]), dtype=np.int64)  # type: ignore[call-overload]
            for i in range(int(g["k"])):  # type: ignore[call-overload]
                inel |= (~eligible[rooms[:, i]]).astype(np.int64) << i  # type: ignore[index]
            ok = (g["masks"][None, :] & inel[:, None]) == 0  # type: ignore[index]
            g["value"] = np.where(ok, g["cost"], -np.inf).T.reshape(-1)  # type: ignore[call-overload]

    def values(self, lam: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """g(λ) for each column of *lam* (shape dimensions × m)."""
        total = cap @ lam
        lt = lam.T
        for g in self.groups:
            v = g["value"][None, :] - lt @ g["L"]  # type: ignore[index, operator]
            # the empty subset (column 0 of each piece) is always allowed: each max is >= 0
            total = total + v.reshape(lt.shape[0], -1, int(g["P"])).max(axis=1).sum(axis=1)  # type: ignore[call-overload]
        return total  # type: ignore[no-any-return]

    def chosen(self, lam: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per group: the rooms matrix and each piece's best subset at *lam*."""
        out = []
        for g in self.groups:
            v = g["value"] - lam @ g["L"]  # type: ignore[operator]
            out.append((g["rooms"], v.reshape(-1, int(g["P"])).argmax(axis=0)))  # type: ignore[call-overload]
        return out  # type: ignore[return-value]


def _zeta(a: np.ndarray, k: int) -> np.ndarray:
    """Subset sums over the middle axis: out[:, T] = Σ_{b ⊆ T} a[:, b]."""
    a = a.copy()
    P, size, nd = a.shape
    for i in range(k):
        v = a.reshape(P, size >> (i + 1), 2, 1 << i, nd)
        v[:, :, 1] += v[:, :, 0]
    return a


def _split(closures: Sequence[Sequence[int]]) -> list[list[int]]:
    """Rooms grouped by shared closure jobs; components above MAX_PIECE cut into chunks."""
    R = len(closures)
    parent = list(range(R))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[int, int] = {}
    for r, cl in enumerate(closures):
        for j in cl:
            o = owner.setdefault(j, r)
            if o != r:
                a, b = find(o), find(r)
                if a != b:
                    parent[a] = b
    comps: dict[int, list[int]] = {}
    for r in range(R):
        comps.setdefault(find(r), []).append(r)
    out: list[list[int]] = []
    for rooms in comps.values():
        if len(rooms) <= MAX_PIECE:
            out.append(rooms)
            continue
        # Breadth first over shared jobs, so that rooms sharing work tend to share a chunk.
        by_job: dict[int, list[int]] = {}
        for r in rooms:
            for j in closures[r]:
                by_job.setdefault(j, []).append(r)
        seen: set[int] = set()
        order: list[int] = []
        for s in rooms:
            if s in seen:
                continue
            seen.add(s)
            queue = [s]
            while queue:
                r = queue.pop()
                order.append(r)
                for j in closures[r]:
                    for q in by_job[j]:
                        if q not in seen:
                            seen.add(q)
                            queue.append(q)
        out.extend(order[i:i + MAX_PIECE] for i in range(0, len(order), MAX_PIECE))
    return out


def _compute(prep: Prepared, deadlines: bool) -> WaveDual:
    nret = len(prep.ret_ids)
    ret = [r for r in range(nret) if prep.ret_cost[r] > 0 and prep.ret_jobs[r]]
    target = [-1] * nret
    first_out = [-1] * nret
    n, nd = prep.n, len(prep.cap(1))
    if not ret or n == 0:
        return WaveDual([], target, first_out)
    load = np.array(prep.load, dtype=float).reshape(n, nd)
    earliest = np.array(prep.earliest)
    pilot = earliest == 0
    closures = prep.ret_closures()
    cls = [closures[r] for r in ret]
    cost = np.array([prep.ret_cost[r] for r in ret], dtype=float)
    ctot = float(cost.sum())
    R = len(ret)
    # Cumulative capacity C(w): the pilot wave holds at most the pilot-eligible load.
    total = load.sum(axis=0)
    c0 = np.minimum(np.array(prep.cap(0), dtype=float), load[pilot].sum(axis=0))
    cum = [c0]
    # (prepare() sets aside jobs no wave holds, so the cumulative capacity reaches the total.)
    while len(cum) < MAX_WAVES and not np.all(cum[-1] >= total - 1e-9):
        cum.append(cum[-1] + np.array(prep.cap(len(cum)), dtype=float))
    cum_a = np.array(cum)  # waves × dimensions
    W = len(cum)
    # Each room's first possible wave: its closure's earliest waves, and its load within C(w).
    ci = np.repeat(np.arange(R), [len(c) for c in cls])
    cj = np.fromiter((j for c in cls for j in c), dtype=np.int64, count=len(ci))
    own = np.stack([np.bincount(ci, weights=load[cj, d], minlength=R) for d in range(nd)], axis=1)
    ownp = np.stack([np.bincount(ci, weights=load[cj, d] * pilot[cj], minlength=R)
                     for d in range(nd)], axis=1)
    emax = np.zeros(R, dtype=np.int64)
    np.maximum.at(emax, ci, earliest[cj])
    need = own - np.minimum(c0[None, :], ownp)  # beyond wave 0
    by_cap = np.zeros(R, dtype=np.int64)
    for d in range(nd):
        reach = cum_a[:, d] - c0[d]  # capacity of waves 1..w
        by_cap = np.maximum(by_cap, np.searchsorted(reach, need[:, d] - 1e-9, side="left"))
    # By the end of the table every closure's load fits (unless MAX_WAVES cut it short).
    first = np.where(by_cap >= W, MAX_WAVES, np.maximum(emax, by_cap))
    for i, r in enumerate(ret):
        first_out[r] = int(first[i])
    finite = first[first < MAX_WAVES]
    last_wave = max(W, int(finite.max()) + 1 if len(finite) else 0)
    while len(cum) <= last_wave:  # C(w) for every wave looked at
        cum.append(cum[-1] + np.array(prep.cap(len(cum)), dtype=float))
    cum_a = np.array(cum)
    latest = np.array([-1 if x is None else x for x in prep.latest])
    pieces = _Pieces(load, cost, cls)
    ref = np.array(prep.cap(1), dtype=float)
    ref = np.where(ref > 0, ref, 1.0)
    tgt = np.full(R, -1)
    values: list[float] = []
    u: np.ndarray | None = None
    level = -1
    for w in range(min(last_wave + 1, MAX_WAVES)):
        moved = (latest >= 0) & (latest <= w) if deadlines else np.zeros(n, dtype=bool)
        key = int(moved.sum())
        if key != level:
            pieces.level(moved)
            level = key
        pieces.allow(first <= w)
        capw = np.maximum(cum_a[w] - load[moved].sum(axis=0), 0.0)
        u, best = _minimise(pieces, capw, ref, u, ctot)
        for rooms, sel in pieces.chosen(u / ref):
            for i in range(rooms.shape[1]):
                hit = rooms[(sel >> i) & 1 == 1, i]
                fresh = hit[tgt[hit] < 0]
                tgt[fresh] = w
        unretired = max(0.0, ctot - best)
        # Prices and floats carry rounding: shave a relative hair so the bound stays below.
        values.append(max(0.0, unretired - 1e-9 * ctot))
        if unretired <= 1e-9 * ctot:
            break
    for i in range(len(values) - 2, -1, -1):
        values[i] = max(values[i], values[i + 1])
    for i, r in enumerate(ret):
        target[r] = int(tgt[i])
    return WaveDual(values, target, first_out)


def _minimise(pieces: _Pieces, cap: np.ndarray, ref: np.ndarray, u0: np.ndarray | None,
              ctot: float) -> tuple[np.ndarray, float]:
    """Prices u (per unit of a regular wave's capacity) with a low g; (u, g(u))."""
    nd = len(ref)

    def ev(us: list[np.ndarray]) -> np.ndarray:
        return pieces.values((np.array(us) / ref).T, cap)

    scale = ctot / np.maximum(cap / ref, 1e-9)
    dirs = [np.eye(nd)[d] * scale[d] for d in range(nd)]
    for a in range(nd):  # moving price from one dimension to another crosses the ridges
        for b in range(a + 1, nd):
            v = np.zeros(nd)
            v[a], v[b] = scale[a], -scale[b]
            dirs.append(v)
    if u0 is None:
        cands = [np.zeros(nd)] + [t * dv for dv in dirs[:nd] for t in np.linspace(0.0, 1.5, 16)[1:]]
        vals = ev(cands)
        i = int(np.argmin(vals))
        best_u, best = cands[i], float(vals[i])
    else:
        best_u, best = u0, float(ev([u0])[0])
    span = 0.5
    for _ in range(SWEEPS):
        for dv in dirs:
            origin = best_u
            lo, hi = -span, span
            for d in range(nd):
                if dv[d] > 0:
                    lo = max(lo, -origin[d] / dv[d])
                elif dv[d] < 0:
                    hi = min(hi, -origin[d] / dv[d])
            if hi - lo <= 1e-12:
                continue
            for _z in range(ZOOMS):  # each round searches finer around the best point so far
                ts = np.linspace(lo, hi, LINE_POINTS)
                cands = [np.maximum(origin + t * dv, 0.0) for t in ts]
                vals = ev(cands)
                i = int(np.argmin(vals))
                if vals[i] < best:
                    best, best_u = float(vals[i]), cands[i]
                step = (hi - lo) / (LINE_POINTS - 1)
                lo, hi = ts[i] - step, ts[i] + step
        span *= 0.5
    return best_u, best
