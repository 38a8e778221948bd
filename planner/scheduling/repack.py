"""Exact re-split of two waves, in pure Python: the city-sized search without OR-Tools.

For two waves a < b, the movable jobs now in them (F) may trade places between a and b; every
other job stays. A room or line whose jobs outside F all move by a wave before b saves
``cost × (b − max(a, that wave))`` when all its jobs in F go to a, and nothing otherwise. So
the best re-split is the set of rooms to finish early (their F-jobs, with their predecessors in
F, in wave a) of largest saving whose load fits wave a, while the rest of F fits wave b — a
multi-dimensional knapsack over rooms with shared jobs, searched depth first (rooms by saving,
pruned by the savings left), with a greedy fill of wave a when wave b would overflow. A node
budget keeps each window's search small; a re-split is kept only when its exact cost is lower.
"""
from __future__ import annotations

from collections.abc import Sequence

from planner.scheduling.prepare import EPS, Prepared

NODES_PER_WINDOW = 1_000  # depth-first nodes per pair of waves


def repack(prep: Prepared, wave: list[int], node_budget: int) -> int:
    """Improve *wave* in place by re-splitting pairs of waves; returns the improvements made."""
    if prep.n < 2 or node_budget <= 0:
        return 0
    state = _State(prep, wave)
    done = 0
    budget = [node_budget]
    while budget[0] > 0:
        top = max(wave)
        gained = False
        for gap in (1, 2, 3):
            for a in range(top - gap, -1, -1):  # late waves first: that is where the rooms wait
                if budget[0] <= 0:
                    break
                window = [min(NODES_PER_WINDOW, budget[0])]
                hit = state.resplit(a, a + gap, window)
                budget[0] -= min(NODES_PER_WINDOW, budget[0]) - max(window[0], 0)
                if hit:
                    done += 1
                    gained = True
        if not gained:
            break
    return done


class _State:
    def __init__(self, prep: Prepared, wave: list[int]) -> None:
        self.prep, self.wave = prep, wave
        self.nd = len(prep.cap(1))
        self.members: dict[int, list[int]] = {}
        for j in range(prep.n):
            self.members.setdefault(wave[j], []).append(j)
        self.job_rets = [[r for r in rs if prep.ret_cost[r] > 0] for rs in prep.job_rets]

    def used(self, w: int, skip: set[int]) -> list[float]:
        out = [0.0] * self.nd
        load = self.prep.load
        for j in self.members.get(w, ()):
            if j not in skip:
                lj = load[j]
                for d in range(self.nd):
                    out[d] += lj[d]
        return out

    def resplit(self, a: int, b: int, budget: list[int]) -> bool:
        prep, wave, nd = self.prep, self.wave, self.nd
        load = prep.load
        free = [j for w in (a, b) for j in self.members.get(w, ()) if prep.fixed[j] is None]
        if len(free) < 2:
            return False
        in_f = set(free)
        top = max(wave)
        can_a: dict[int, bool] = {}
        can_b: dict[int, bool] = {}
        for j in free:
            lo = prep.earliest[j]
            for p in prep.preds[j]:
                if p not in in_f and wave[p] > lo:
                    lo = wave[p]
            lj = prep.latest[j]
            hi = top if lj is None else max(lj, wave[j])  # a missed deadline may not get worse
            for s in prep.succs[j]:
                if s not in in_f and wave[s] < hi:
                    hi = wave[s]
            can_a[j] = lo <= a <= hi
            can_b[j] = lo <= b <= hi
        cap_a = [c - u for c, u in zip(prep.cap(a), self.used(a, in_f), strict=True)]
        cap_b = [c - u for c, u in zip(prep.cap(b), self.used(b, in_f), strict=True)]
        total = [0.0] * nd
        for j in free:
            for d in range(nd):
                total[d] += load[j][d]
        need_a = [total[d] - cap_b[d] for d in range(nd)]  # wave a must take at least this
        # Rooms that can gain: their jobs outside F all move before b.
        cost = prep.ret_cost
        rooms: list[tuple[float, int, list[int]]] = []
        for r in {r for j in free for r in self.job_rets[j]}:
            outside = max((wave[j] for j in prep.ret_jobs[r] if j not in in_f), default=0)
            if outside >= b:
                continue
            mine = [j for j in prep.ret_jobs[r] if j in in_f]
            rooms.append((cost[r] * (b - max(a, outside)), r, mine))
        if not rooms:
            return False
        rooms.sort(key=lambda x: -x[0])
        saving = {r: s for s, r, _ in rooms}

        def close(base: set[int], add: Sequence[int]) -> set[int] | None:
            """*base* with *add* and their predecessors in F; None if one must stay in b."""
            out = set(base)
            stack = [j for j in add if j not in out]
            while stack:
                j = stack.pop()
                if j in out:
                    continue
                if not can_a[j]:
                    return None
                out.add(j)
                stack.extend(p for p in prep.preds[j] if p in in_f and p not in out)
            return out

        def load_of(jobs: set[int]) -> list[float]:
            out = [0.0] * nd
            for j in jobs:
                lj = load[j]
                for d in range(nd):
                    out[d] += lj[d]
            return out

        def fits_a(x: list[float]) -> bool:
            return all(x[d] <= cap_a[d] + EPS for d in range(nd))

        def value(jobs_a: set[int]) -> float:
            return sum(s for s, r, mine in rooms if all(j in jobs_a for j in mine))

        def fill(jobs_a: set[int]) -> set[int] | None:
            """Wave a topped up (greedily) until what is left fits wave b; None if it cannot."""
            got = load_of(jobs_a)
            if not fits_a(got):
                return None
            short = [need_a[d] - got[d] for d in range(nd)]
            if all(x <= EPS for x in short):
                return jobs_a
            out = set(jobs_a)
            for j in sorted((j for j in free if j not in out and can_a[j]), key=lambda j: -sum(
                    min(load[j][d], max(short[d], 0.0)) / max(cap_a[d] + cap_b[d], EPS) for d in range(nd))):
                more = close(out, [j])
                if more is None:
                    continue
                extra = load_of(more - out)
                if not all(got[d] + extra[d] <= cap_a[d] + EPS for d in range(nd)):
                    continue
                out = more
                for d in range(nd):
                    got[d] += extra[d]
                    short[d] -= extra[d]
                if all(x <= EPS for x in short):
                    return out
            return None

        forced = close(set(), [j for j in free if not can_b[j]])
        if forced is None:
            return False
        now_a = {j for j in free if wave[j] == a}
        best_val = value(now_a)
        best_set: set[int] | None = None
        suffix = [0.0] * (len(rooms) + 1)
        for i in range(len(rooms) - 1, -1, -1):
            suffix[i] = suffix[i + 1] + rooms[i][0]

        def dfs(i: int, jobs_a: set[int], got: list[float], val: float) -> None:
            nonlocal best_val, best_set
            budget[0] -= 1
            if val + suffix[i] <= best_val + 1e-9 or budget[0] <= 0:
                return
            if i == len(rooms):
                done = fill(jobs_a)
                if done is not None:
                    v = value(done)
                    if v > best_val + 1e-9:
                        best_val, best_set = v, done
                return
            _s, _r, mine = rooms[i]
            more = close(jobs_a, mine)
            if more is not None:
                extra = load_of(more - jobs_a)
                new = [got[d] + extra[d] for d in range(nd)]
                if fits_a(new):
                    dfs(i + 1, more, new, val + saving[_r])
            dfs(i + 1, jobs_a, got, val)

        dfs(0, forced, load_of(forced), 0.0)
        if best_set is None:
            return False
        # Apply, then check exactly (capacity both waves, cost of every room touched).
        touched = {r for j in free for r in self.job_rets[j]}
        before = sum(cost[r] * max(wave[j] for j in prep.ret_jobs[r]) for r in touched)
        old = {j: wave[j] for j in free}
        for j in free:
            wave[j] = a if j in best_set else b
        after = sum(cost[r] * max(wave[j] for j in prep.ret_jobs[r]) for r in touched)
        ok = after < before - 1e-6
        if ok:
            for w in (a, b):
                used = [0.0] * nd
                for j in self.members.get(w, ()):
                    if j not in in_f:
                        for d in range(nd):
                            used[d] += load[j][d]
                for j in free:
                    if wave[j] == w:
                        for d in range(nd):
                            used[d] += load[j][d]
                cap = prep.cap(w)
                if any(used[d] > cap[d] + EPS for d in range(nd)):
                    ok = False
        if not ok:
            for j, w in old.items():
                wave[j] = w
            return False
        rest_a = [j for j in self.members.get(a, ()) if j not in in_f]
        rest_b = [j for j in self.members.get(b, ()) if j not in in_f]
        self.members[a] = rest_a + [j for j in free if wave[j] == a]
        self.members[b] = rest_b + [j for j in free if wave[j] == b]
        return True
