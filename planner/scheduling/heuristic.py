"""The wave-scheduling heuristic: list scheduling, local improvement, then search.

``schedule_heuristic`` works in these steps; 1-4 are near-linear in the number of jobs, 5 and 6
are budgeted by the search effort (:mod:`.effort`):

1. *Preparation* (:mod:`.prepare`): index the jobs and propagate time windows along precedence.
2. *Deadline reservation*: jobs with a deadline are packed backwards, each as late as its window
   allows (latest deadline first), which reserves capacity for the deadlines while leaving early
   waves free for retiring rooms and lines; a job this packing finds no room for is scheduled as
   soon as possible after and reported in the notes.
3. *List scheduling*: retirables in order of monthly cost per unit of work (their jobs and
   transitive predecessors, in units of a wave's bottleneck capacity); each one's jobs go,
   critical path first, into the earliest wave with room (first fit, multi-dimensional), so
   cheaper retirables backfill the gaps the dearer ones leave. A wave-by-wave variant (a retirable
   whose remaining work fits the current wave goes in whole, the best others advance partially,
   cost-free jobs fill the rest) and other priority rules are run too. On big problems the first
   rule follows the lower bound's prices (:mod:`.lagrange`): rooms by the first wave whose
   priced one-wave problem retires them, which keeps the rooms the bound retires together
   together (at 10,000 jobs it starts 4-7 % cheaper than the other rules).
4. *Local improvement* of every candidate: for the most expensive retirables first, move all jobs
   of their last wave (with predecessors, if needed) into earlier waves — moving a job earlier
   never delays any retirement — evicting other jobs to later waves where that delays no
   retirement, successor or deadline; then compact the last waves to reduce the number of waves.
5. *Restarts*, on small problems (the count shrinks as 1/n): seeded random restarts (perturbed
   priorities and critical paths) and swaps of nearby retirables in the best order; the best
   schedule (cost, then waves) wins. Deterministic.
6. *Re-split* (:mod:`.repack`, city-sized problems): pairs of waves re-split exactly between
   them, in pure Python, within a node budget. Then, above that size (at every size for
   ``thorough``), the *large-neighbourhood search* (:mod:`.lns`): CP-SAT re-solves the jobs of a
   few waves at a time, everything else fixed, within a deterministic time budget that grows
   with the problem.
"""
from __future__ import annotations

import heapq
import random
import time
from bisect import bisect_right

from planner.scheduling.effort import Effort, effort_of
from planner.scheduling.prepare import EPS, MAX_EXTRA_WAVES, Prepared, Waves, prepare
from planner.scheduling.problem import DIMENSIONS, ProgressCallback, Schedule, ScheduleProblem

# A deeper local improvement of the best schedule for big problems (Effort.deep_above): more
# eviction work per job and more members scanned per wave.
DEEP_BUDGET_PER_JOB = 100
DEEP_SCAN = 2_000
DEEP_MAX_JOBS = 20_000  # ... up to this size (beyond, its eviction work would cost seconds)
T0, T1 = 3.0, 0.1  # annealing temperatures: × the mean, × the least monthly cost of a room or line
HOT_PER_JOB = 175  # ... at this many proposals per job or more; proportionally colder below
# Jobs above which list scheduling also follows the lower bound's prices (lagrange.py: NumPy, a
# fraction of a second at 10,000 jobs, and the bound of the plan reuses them).
DUAL_ABOVE = 2_000


def _reserve_deadlines(prep: Prepared, waves: Waves) -> tuple[list[int | None], list[int]]:
    """Pack deadline jobs backwards (as late as allowed): reserved wave per job, and the late ones."""
    n = prep.n
    reserved: list[int | None] = [None] * n
    late: list[int] = []
    pos = prep.topo_pos
    order = [j for j in range(n) if prep.latest[j] is not None]
    # Latest deadline first; among equal deadlines, successors before predecessors.
    order.sort(key=lambda j: (-(prep.latest[j] or 0), -pos[j]))
    nd = len(DIMENSIONS)
    load = prep.load
    smallest = [min(col) for col in zip(*[load[j] for j in order], strict=True)] if order else [0.0] * nd
    floor = [x - EPS for x in smallest]
    closed: set[int] = set()
    residual = waves.residual
    succs, latest, earliest = prep.succs, prep.latest, prep.earliest
    for j in order:
        bound = latest[j]
        assert bound is not None
        for s in succs[j]:
            a = reserved[s]
            if a is not None and a < bound:
                bound = a
        lj = load[j]
        placed = False
        # Waves.fits and Waves.take, inlined: this loop runs for every deadline job (hot at scale).
        for w in range(bound, earliest[j] - 1, -1):
            if w in closed:
                continue
            res = residual(w)
            for d in range(nd):  # noqa: SIM110 (hot loop)
                if lj[d] > res[d] + EPS:
                    break
            else:
                for d in range(nd):
                    res[d] -= lj[d]
                reserved[j] = w
                placed = True
                if any(res[d] < floor[d] for d in range(nd)):
                    closed.add(w)  # no deadline job fits any more: later ones skip it
                break
        if not placed:
            late.append(j)
    return reserved, late


def schedule_heuristic(problem: ScheduleProblem, progress: ProgressCallback | None = None, *,
                       effort: Effort | str | float | None = None,
                       lns_budget: float | None = None) -> Schedule:
    """List scheduling by deadline, then retirable cost per remaining work, then improvement.

    Several priority rules are tried and the best result is kept; *effort* (a level name, seconds
    or an Effort) sets how many, and the budget of the restarts and of the CP-SAT search.
    *lns_budget* overrides the search's deterministic time (0: no search).
    """
    eff = effort_of(effort)
    started = time.monotonic()
    deadline = started + eff.wall_s if eff.wall_s is not None else None
    prep = prepare(problem)
    n = prep.n
    # Big problems try fewer priority rules (each is a pass over every job).
    tried = max(1, min(eff.variants, 4 if n <= 5_000 else 2 if n <= 20_000 else 1))
    variants: list[tuple[str, str]] = [("list", "ratio_max"), ("waves", "ratio_max"),
                                       ("list", "ratio_sum"), ("list", "cost")][:tried]
    if n > DUAL_ABOVE and eff.variants > 2:
        # The bound's priorities first (the bound reuses the prices), in place of the last rule.
        variants = [("list", "dual")] + variants[:max(0, tried - 1)]
    best: list[int] | None = None
    best_key = (float("inf"), 0)
    best_variant = variants[0]
    # Small problems can afford randomised restarts: the retirable order perturbed (seeded, so
    # results are reproducible) and each result improved; the best wins.
    restarts = min(eff.restarts, eff.restart_work // max(n, 1))
    variants += [("list", f"ratio_max:{k}") for k in range(restarts)]
    # ... and then a local search on the best retirable order (swaps of nearby retirables).
    swaps = min(eff.swaps, eff.swap_work // max(n, 1))
    total = len(variants) + swaps
    if lns_budget is None:
        budget = min(eff.lns_max, max(eff.lns_min, eff.lns_per_job * n)) if eff.lns_max > 0 else 0.0
    else:
        budget = lns_budget
    smallest = 1 if lns_budget is not None else max(1, eff.lns_min_jobs)  # asked for: it runs
    searching = smallest <= n <= eff.lns_max_jobs and budget > 0
    repacking = 0 < n <= eff.repack_max_jobs and eff.repack_nodes > 0
    # The search takes about as long as everything before it.
    scale = 2 * total if searching else total

    def report(done: float) -> None:
        if progress:
            progress("scheduling waves", min(1.0, done / scale))

    def out_of_time() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def evaluate(wave: list[int]) -> tuple[float, int]:
        _improve(prep, wave)
        return (round(prep.cost_of(wave), 6), max(wave, default=-1))

    for i, (kind, key) in enumerate(variants):
        if best is not None and out_of_time():
            break

        def sub(stage: str, frac: float, i: int = i) -> None:
            report(i + frac)
        wave = _forward(prep, sub) if kind == "waves" else _list_schedule(prep, key)
        k = evaluate(wave)
        if best is None or k < best_key:
            best, best_key, best_variant = wave, k, (kind, key)
        report(i + 1)
    if swaps and best_variant[0] == "list":
        key = best_variant[1]
        order = _ret_keys(prep, key)
        rng = random.Random(len(order))
        for s_ in range(swaps):
            if len(order) < 2 or out_of_time():
                break
            a = rng.randrange(len(order) - 1)
            b = min(len(order) - 1, a + 1 + rng.randrange(4))
            trial = order[:]
            trial[a], trial[b] = trial[b], trial[a]
            wave = _list_schedule(prep, key, trial)
            k = evaluate(wave)
            if k <= best_key:
                best, best_key, order = wave, k, trial
            report(len(variants) + s_ + 1)
    assert best is not None
    notes: list[str] = []
    if eff.deep_above is not None and eff.deep_above < n <= DEEP_MAX_JOBS:
        _improve(prep, best, budget_per_job=DEEP_BUDGET_PER_JOB, scan=DEEP_SCAN)
    moves = min(eff.anneal_max, max(eff.anneal_min, eff.anneal_per_job * n))
    if eff.anneal_max_jobs is not None and n > eff.anneal_max_jobs:
        moves = 0
    if moves and not out_of_time() and _anneal(prep, best, moves, stop_at=deadline):
        _improve(prep, best, rounds=1)
        notes.append(f"simulated annealing ({moves:,} proposals) lowered the cost")
    if repacking and not out_of_time():
        from planner.scheduling.repack import repack

        gained = repack(prep, best, eff.repack_nodes)
        if gained:
            _improve(prep, best, rounds=1)
            notes.append(f"exact re-split of pairs of waves improved the schedule {gained} time(s)")
    if searching:
        from planner.scheduling import lns  # OR-Tools loads only when the search runs

        wall = None if deadline is None else max(0.0, deadline - time.monotonic())
        gained = lns.search(prep, best, budget, wall_s=wall, progress=lambda f: report(total * (1 + f)))
        if gained:
            _improve(prep, best, rounds=1)
            notes.append(f"large-neighbourhood search (CP-SAT over windows of waves) improved the "
                         f"schedule {gained} time(s)")
    report(scale)
    return prep.to_schedule(best, "heuristic", notes)


def _ret_keys(prep: Prepared, key: str) -> list[int]:
    """Retirables with a cost, best first, by the named priority rule."""
    nd = len(DIMENSIONS)
    ref = prep.cap(1)
    inv = [1.0 / c if c > EPS else 0.0 for c in ref]
    out = []
    closures = prep.ret_closures()
    key, _, seed = key.partition(":")
    if key == "dual":
        # The bound's prices (lagrange.py) pick, wave by wave, the rooms worth retiring by then:
        # rooms go by the first wave that picks them, then by cost per unit of work.
        from planner.scheduling.lagrange import wave_dual

        target = wave_dual(prep, deadlines=True).target
        later = len(prep.ret_ids) + 1
        order = _ret_keys(prep, "ratio_max")
        return sorted(order, key=lambda r: target[r] if target[r] >= 0 else later)
    rng = random.Random(int(seed)) if seed else None
    for r, jobs in enumerate(prep.ret_jobs):
        if not jobs or prep.ret_cost[r] <= 0:
            continue
        tot = [0.0] * nd
        for j in closures[r]:
            lj = prep.load[j]
            for d in range(nd):
                tot[d] += lj[d]
        if key == "ratio_max":
            work = max(tot[d] * inv[d] for d in range(nd))
        elif key == "ratio_sum":
            work = sum(tot[d] * inv[d] for d in range(nd)) / nd
        else:
            work = 1.0
        noise = rng.uniform(0.6, 1.4) if rng else 1.0
        out.append((-prep.ret_cost[r] * noise / max(work, 1e-12), r))
    out.sort()
    return [r for _, r in out]


def _min_loads(load: list[tuple[float, ...]], nd: int) -> list[float]:
    """The least non-zero load of any job, per dimension (0 where no job has any)."""
    if not load:
        return [0.0] * nd
    return [min((x for x in col if x > EPS), default=0.0) for col in zip(*load, strict=True)]


def _list_schedule(prep: Prepared, key: str, order: list[int] | None = None) -> list[int]:
    """Global list scheduling: deadline reservations, then each retirable's closure first-fit."""
    n = prep.n
    waves = Waves(prep)
    reserved, late = _reserve_deadlines(prep, waves)
    wave = [a if a is not None else -1 for a in reserved]
    preds, earliest = prep.preds, prep.earliest
    pos = prep.topo_pos
    nd = len(DIMENSIONS)
    load = prep.load
    min_load = _min_loads(load, nd)
    first_open = [0]

    def lb(j: int) -> int:
        lo = earliest[j]
        for p in preds[j]:
            if wave[p] > lo:
                lo = wave[p]
        return lo

    res_of = waves.res

    def first_fit(j: int, lo: int, hi: int | None = None) -> int | None:
        w = max(lo, first_open[0]) if lo >= first_open[0] else lo
        lj = load[j]
        while hi is None or w < hi:
            res = res_of[w] if w < len(res_of) else waves.residual(w)
            for d in range(nd):  # noqa: SIM110 (hot loop)
                if lj[d] > res[d] + EPS:
                    break
            else:
                return w
            w += 1
            if hi is None and w > lo + MAX_EXTRA_WAVES:
                raise RuntimeError(f"job {prep.ids[j]} fits no wave")
        return None

    def advance_open() -> None:
        w = first_open[0]
        while w < len(waves.res) and any(waves.res[w][d] < min_load[d] - EPS for d in range(nd)):
            w += 1
        first_open[0] = w

    def put(j: int, w: int) -> None:
        wave[j] = w
        waves.take(j, w)

    # Late deadline jobs as soon as possible, then repair reservations they now precede.
    for j in sorted(late, key=pos.__getitem__):
        lo = lb(j)
        w = first_fit(j, lo)
        assert w is not None
        put(j, w)
    if late:
        for j in prep.topo:
            if wave[j] >= 0 and wave[j] < lb(j):
                waves.give(j, wave[j])
                w = first_fit(j, lb(j))
                assert w is not None
                put(j, w)
    # Within a closure, jobs with the longest chain of dependent work go first (critical path).
    ref = prep.cap(1)
    height = [0.0] * n
    seed = key.partition(":")[2]
    rng = random.Random(int(seed) + 7919) if seed else None  # restarts also perturb the job order
    dims = [(d, ref[d]) for d in range(nd) if ref[d] > EPS]
    succs = prep.succs
    for j in reversed(prep.topo):
        lj = load[j]
        own = (max([lj[d] / r for d, r in dims]) if dims else 0.0) + 1e-9
        if rng:
            own *= rng.uniform(0.5, 1.5)
        after = succs[j]
        height[j] = own + (max([height[s_] for s_ in after]) if after else 0.0)

    def crit(j: int) -> tuple[float, int]:
        return (-height[j], pos[j])

    closures = prep.ret_closures()

    for count, r in enumerate(order if order is not None else _ret_keys(prep, key)):
        for j in sorted(closures[r], key=crit):
            if wave[j] < 0:
                w = first_fit(j, lb(j))
                assert w is not None
                put(j, w)
            elif reserved[j] is not None and wave[j] > lb(j):
                # A reserved deadline job of a valuable retirable: bring it forward if there is room.
                w2 = first_fit(j, lb(j), wave[j])
                if w2 is not None:
                    waves.give(j, wave[j])
                    put(j, w2)
        if count % 64 == 0:
            advance_open()
    for j in prep.topo:
        if wave[j] < 0:
            w = first_fit(j, lb(j))
            assert w is not None
            put(j, w)
    return wave


def _forward(prep: Prepared, progress: ProgressCallback | None) -> list[int]:
    """Forward wave-by-wave list scheduling (steps 2 and 3 of the module docstring)."""
    n = prep.n
    nd = len(DIMENSIONS)
    load = prep.load
    preds, succs = prep.preds, prep.succs
    earliest = prep.earliest
    reserve_waves = Waves(prep)
    reserved, late = _reserve_deadlines(prep, reserve_waves)
    forced: dict[int, list[int]] = {}
    pos = prep.topo_pos
    for j in range(n):
        a = reserved[j]
        if a is not None:
            forced.setdefault(a, []).append(j)
    for lst in forced.values():
        lst.sort(key=pos.__getitem__)
    late.sort(key=pos.__getitem__)

    wave = [-1] * n
    unplaced_preds = [len(p) for p in preds]
    # Work is measured in units of a regular wave's capacity, bottleneck dimension.
    ref = prep.cap(1)
    inv = [1.0 / c if c > EPS else 0.0 for c in ref]
    min_load = _min_loads(load, nd)

    nret = len(prep.ret_ids)
    own_rem = [[0.0] * nd for _ in range(nret)]
    own_cnt = [0] * nret
    for r, jobs in enumerate(prep.ret_jobs):
        acc = own_rem[r]
        for j in jobs:
            for d in range(nd):
                acc[d] += load[j][d]
        own_cnt[r] = len(jobs)
    # Predecessor work outside the retirable's own jobs, cached (refreshed when a retirable is examined).
    ext_rem = [[0.0] * nd for _ in range(nret)]
    for r, jobs in enumerate(prep.ret_jobs):
        if not jobs:
            continue
        own = set(jobs)
        acc = ext_rem[r]
        for j in prep.closure(jobs):
            if j not in own:
                for d in range(nd):
                    acc[d] += load[j][d]
    active = [r for r in range(nret) if own_cnt[r] > 0 and prep.ret_cost[r] > 0]
    in_ret = [any(prep.ret_cost[r] > 0 for r in prep.job_rets[j]) for j in range(n)]
    # Cost-free jobs whose predecessors have all moved, by earliest wave then topo order.
    free_ready: list[tuple[int, int, int]] = []
    for j in range(n):
        if not in_ret[j] and unplaced_preds[j] == 0:
            heapq.heappush(free_ready, (earliest[j], pos[j], j))

    remaining = n
    res: list[float] = []
    w = 0

    def place(j: int) -> None:
        nonlocal remaining
        wave[j] = w
        remaining -= 1
        lj = load[j]
        for d in range(nd):
            res[d] -= lj[d]
        for r in prep.job_rets[j]:
            acc = own_rem[r]
            for d in range(nd):
                acc[d] -= lj[d]
            own_cnt[r] -= 1
        for s in succs[j]:
            unplaced_preds[s] -= 1
            if unplaced_preds[s] == 0 and not in_ret[s]:
                heapq.heappush(free_ready, (earliest[s], pos[s], s))

    def fits_now(j: int) -> bool:
        lj = load[j]
        for d in range(nd):  # noqa: SIM110 (hot loop)
            if lj[d] > res[d] + EPS:
                return False
        return True

    def full() -> bool:
        return any(res[d] < min_load[d] - EPS for d in range(nd))

    def work(r: int) -> float:
        a, b = own_rem[r], ext_rem[r]
        return max(max((a[d] + b[d]) * inv[d] for d in range(nd)), 1e-12)

    last_progress = 0
    while remaining > 0:
        res = list(prep.cap(w))
        placed_before = remaining
        # 1. jobs reserved for this wave by the deadline pass (they fit by construction).
        for j in forced.get(w, ()):
            if wave[j] < 0:
                if unplaced_preds[j] == 0:
                    place(j)
                else:  # a predecessor missed its own reservation: follow it as soon as possible
                    late.append(j)
        late.sort(key=pos.__getitem__)
        # 2. jobs whose deadline cannot be met: as soon as possible.
        if late:
            keep = []
            for j in late:
                if wave[j] >= 0:
                    continue
                if earliest[j] <= w and unplaced_preds[j] == 0 and fits_now(j):
                    place(j)
                else:
                    keep.append(j)
            late = keep
        # 3. retirables by monthly cost per unit of remaining work.
        active = [r for r in active if own_cnt[r] > 0]
        active.sort(key=lambda r: -prep.ret_cost[r] / work(r))
        deferred: list[int] = []
        for r in active:
            if full():
                break
            own_left = own_rem[r]
            if any(own_left[d] > res[d] + EPS for d in range(nd)):
                deferred.append(r)
                continue
            todo = prep.closure([j for j in prep.ret_jobs[r] if wave[j] < 0], wave)
            need = [0.0] * nd
            ok = True
            own = set(prep.ret_jobs[r])
            ext = [0.0] * nd
            for j in todo:
                if earliest[j] > w:
                    ok = False
                for d in range(nd):
                    need[d] += load[j][d]
                    if j not in own:
                        ext[d] += load[j][d]
            ext_rem[r] = ext
            if ok and all(need[d] <= res[d] + EPS for d in range(nd)):
                for j in todo:
                    place(j)
            else:
                deferred.append(r)
        # 4. advance the best retirables that cannot finish in this wave.
        for r in deferred:
            if full():
                break
            if own_cnt[r] == 0:
                continue
            todo = prep.closure([j for j in prep.ret_jobs[r] if wave[j] < 0], wave)
            for j in todo:
                if wave[j] < 0 and earliest[j] <= w and unplaced_preds[j] == 0 and fits_now(j):
                    place(j)
        # 5. cost-free jobs fill the rest.
        skipped: list[tuple[int, int, int]] = []
        while free_ready and not full():
            e, p, j = free_ready[0]
            if e > w:
                break
            heapq.heappop(free_ready)
            if wave[j] >= 0:
                continue
            if fits_now(j):
                place(j)
            else:
                skipped.append((e, p, j))
        for item in skipped:
            heapq.heappush(free_ready, item)
        if remaining < placed_before:
            last_progress = w
        elif w - last_progress > MAX_EXTRA_WAVES:
            break  # capacities give no room at all: leave the rest to the caller's safety net
        if progress and n:
            progress("scheduling waves", 0.7 * (n - remaining) / n)
        w += 1
    if remaining:
        raise RuntimeError("heuristic made no progress; capacities admit none of the remaining jobs")
    return wave


def _improve(prep: Prepared, wave: list[int], rounds: int = 3, *, budget_per_job: int = 1,
             scan: int = 200, trade: bool = False) -> None:
    """Pull retirements earlier (most expensive first), then compact the last waves.

    With *trade*, an eviction may also delay other rooms and lines, when what the pulled one
    gains outweighs what they lose (a one-wave delay of a cheap room for a dear one).
    """
    n = prep.n
    if n == 0:
        return
    waves = Waves(prep)
    for j in range(n):
        waves.take(j, wave[j])
    earliest, preds, succs = prep.earliest, prep.preds, prep.succs
    job_rets = [[r for r in rs if prep.ret_cost[r] > 0] for rs in prep.job_rets]
    top = max(wave)
    # Members of each wave, kept loosely (entries may be stale; checked on use).
    members: dict[int, list[int]] = {}
    for j in range(n):
        members.setdefault(wave[j], []).append(j)
    # How many jobs of each retirable sit in each wave, and its current last wave.
    count: list[dict[int, int]] = [{} for _ in prep.ret_ids]
    last = [0] * len(prep.ret_ids)
    for r, jobs in enumerate(prep.ret_jobs):
        for j in jobs:
            count[r][wave[j]] = count[r].get(wave[j], 0) + 1
        last[r] = max(count[r], default=0)
    cost = prep.ret_cost
    costly = [r for r in range(len(prep.ret_ids)) if prep.ret_cost[r] > 0 and prep.ret_jobs[r]]
    costly.sort(key=lambda r: -prep.ret_cost[r])

    def relocate(j: int, to: int) -> None:
        old = wave[j]
        waves.give(j, old)
        waves.take(j, to)
        wave[j] = to
        members.setdefault(to, []).append(j)
        for q in job_rets[j]:
            cq = count[q]
            cq[old] -= 1
            cq[to] = cq.get(to, 0) + 1
            if to > last[q]:
                last[q] = to
            elif old == last[q] and cq[old] == 0:
                del cq[old]
                last[q] = max(cq, default=0)
            elif cq[old] == 0:
                del cq[old]

    snap: dict[int, int] = {}  # last wave of each room or line the current attempt touched, before it

    def move(j: int, to: int, log: list[tuple[int, int]]) -> None:
        log.append((j, wave[j]))
        for q in job_rets[j]:
            if q not in snap:
                snap[q] = last[q]
        relocate(j, to)

    def undo(log: list[tuple[int, int]]) -> None:
        for j, old in reversed(log):
            relocate(j, old)
        log.clear()

    def later_limit(k: int, r: int, t: int) -> int:
        """Latest wave job k may move to without breaking successors, deadlines or any retirement."""
        lim = top
        for s_ in succs[k]:
            if wave[s_] < lim:
                lim = wave[s_]
        lk = prep.latest[k]
        if lk is not None and lk < lim:
            lim = lk
        for q in job_rets[k]:
            if q == r:
                bound = t - 1
            elif trade:
                continue
            else:
                bound = last[q]
            if bound < lim:
                lim = bound
        return lim

    def penalty(k: int, r: int, u: int) -> float:
        """What delaying job k to wave u costs the other rooms and lines it belongs to."""
        return sum(cost[q] * (u - last[q]) for q in job_rets[k] if q != r and u > last[q])

    budget = [budget_per_job * n + 500]  # bounds the eviction work overall (keeps the pass near-linear)

    def evict_for(j: int, v: int, r: int, t: int, log: list[tuple[int, int]]) -> bool:
        """Make room for j in wave v by pushing other jobs of v later, where that costs nothing."""
        res = waves.residual(v)
        short = [x - c for x, c in zip(prep.load[j], res, strict=True)]
        if not any(x > EPS for x in short):
            return True
        blocked = set(preds[j])  # j goes to v: its predecessors must stay at or before v
        for paid in ((False, True) if trade else (False,)):
            for scanned, k in enumerate(members.get(v, ())):
                budget[0] -= 1
                if budget[0] <= 0 or scanned > scan:
                    return False
                if wave[k] != v or k == j or k in blocked:
                    continue
                lk = prep.load[k]
                if not any(short[d] > EPS and lk[d] > EPS for d in range(len(short))):
                    continue
                lim = later_limit(k, r, t)
                if paid:  # the cheapest delay: the earliest later wave with room
                    to = next((u for u in range(v + 1, lim + 1) if waves.fits(k, u)), None)
                    if to is None or penalty(k, r, to) >= cost[r]:
                        continue
                else:  # free delays only: as late as no retirement notices
                    to = next((u for u in range(lim, v, -1) if waves.fits(k, u) and not (
                        trade and penalty(k, r, u) > 0)), None)
                    if to is None:
                        continue
                move(k, to, log)
                for d in range(len(short)):
                    short[d] -= lk[d]
                if not any(x > EPS for x in short):
                    return True
        return False

    def pull(j: int, r: int, t: int, log: list[tuple[int, int]], depth: int) -> bool:
        """Move job j (now in wave t) to a wave before t, pulling predecessors along if needed."""
        for p in preds[j]:
            if wave[p] >= t and (depth > 8 or not pull(p, r, t, log, depth + 1)):  # noqa: F821 (see "del pull")
                return False
        lo = max([earliest[j]] + [wave[p] for p in preds[j]])
        for v in range(t - 1, lo - 1, -1):
            if waves.fits(j, v):
                move(j, v, log)
                return True
        if budget[0] <= 0:
            return False
        for v in range(t - 1, lo - 1, -1):
            mark = len(log)
            if evict_for(j, v, r, t, log) and waves.fits(j, v):
                move(j, v, log)
                return True
            tail = log[mark:]
            del log[mark:]
            undo(tail)
        return False

    for _ in range(rounds):
        improved = False
        for r in costly:
            while last[r] > 0:
                t = last[r]
                before = prep.cost_of(wave) if n <= 200 else None
                todo = sorted((j for j in prep.ret_jobs[r] if wave[j] == t), key=prep.topo_pos.__getitem__)
                log: list[tuple[int, int]] = []
                snap.clear()
                ok = all(wave[j] < t or pull(j, r, t, log, 0) for j in todo)
                if ok and trade and last[r] < t:
                    ok = sum(cost[q] * (last[q] - was) for q, was in snap.items()) < -1e-9
                if not ok or last[r] >= t:
                    undo(log)
                    break
                # Pulls move jobs earlier; evictions stay within every other retirement wave:
                # the cost strictly drops.
                if before is not None:
                    assert prep.cost_of(wave) < before + 1e-6
                improved = True
        if not improved:
            break
    # Compaction: empty the last wave into earlier ones while it is possible (never raises cost).
    while True:
        top = max(wave)
        if top == 0:
            break
        todo = sorted((j for j in range(n) if wave[j] == top), key=prep.topo_pos.__getitem__)
        log = []
        ok = True
        for j in todo:
            lo = max([earliest[j]] + [wave[p] for p in preds[j]])
            for v in range(lo, top):
                if waves.fits(j, v):
                    move(j, v, log)
                    break
            else:
                ok = False
                break
        if not ok:
            undo(log)
            break
    # pull calls itself: its closure refers to it, a cycle holding the waves and the problem that
    # only the cyclic collector (paused while planning) would free. Clearing the cell breaks it.
    del pull


def _anneal(prep: Prepared, wave: list[int], moves: int, seed: int = 2018,
            stop_at: float | None = None) -> bool:
    """Simulated annealing over job waves: targeted pulls, shifts and swaps; True if it improved.

    The state is the assignment itself (within one wave more than it uses now, every window,
    precedence, deadline met and capacity kept), the energy its stranded cost, kept exact
    incrementally per move. Most proposals are aimed where the cost is: a job of a room or line
    in that room's last wave, moved to an earlier wave — into free capacity, or swapped with a job
    there that may move to the later wave. List scheduling and the local improvement commit each
    room greedily; the annealing trades a cheap room's delay for a dear one's advance, which is
    what they miss. Deterministic (seeded); *moves* proposals, fewer if the clock passes *stop_at*.
    """
    n = prep.n
    if n < 2 or moves <= 0:
        return False
    import math

    rng = random.Random(seed)
    nd = len(DIMENSIONS)
    load, preds, succs, earliest = prep.load, prep.preds, prep.succs, prep.earliest
    top = max(wave) + 1  # one wave more than now: a cheaper plan may need it (compaction follows)
    H = top + 1
    res = [list(prep.cap(w)) for w in range(H)]
    for j in range(n):
        r_ = res[wave[j]]
        for d, x in enumerate(load[j]):
            r_[d] -= x
    cost = prep.ret_cost
    job_rets = [[r for r in rs if cost[r] > 0] for rs in prep.job_rets]
    nret = len(cost)
    cnt = [[0] * H for _ in range(nret)]
    last = [0] * nret
    for r, jobs in enumerate(prep.ret_jobs):
        for j in jobs:
            cnt[r][wave[j]] += 1
        last[r] = max((wave[j] for j in jobs), default=0)
    hi_dead = []
    for j in range(n):
        lj = prep.latest[j]
        if prep.fixed[j] is not None:
            hi_dead.append(-1)  # never moves
        elif lj is None:
            hi_dead.append(top)
        else:
            hi_dead.append(min(top, max(lj, wave[j])))  # a missed deadline may not get worse
    members: list[list[int]] = [[] for _ in range(H)]
    slot = [0] * n
    for j in range(n):
        slot[j] = len(members[wave[j]])
        members[wave[j]].append(j)
    costly = [r for r in range(nret) if cost[r] > 0 and prep.ret_jobs[r]]
    if not costly:
        return False
    cum: list[float] = []
    acc = 0.0
    for r in costly:
        acc += cost[r]
        cum.append(acc)

    def relocate(j: int, b: int) -> float:
        """Move j to wave b (capacity already checked); the change of stranded cost."""
        a = wave[j]
        ra, rb, lj = res[a], res[b], load[j]
        for d in range(nd):
            ra[d] += lj[d]
            rb[d] -= lj[d]
        ma, mb = members[a], members[b]
        k = ma[-1]
        ma[slot[j]] = k
        slot[k] = slot[j]
        ma.pop()
        slot[j] = len(mb)
        mb.append(j)
        wave[j] = b
        delta = 0.0
        for r in job_rets[j]:
            c = cnt[r]
            c[a] -= 1
            c[b] += 1
            lr = last[r]
            if b > lr:
                delta += cost[r] * (b - lr)
                last[r] = b
            elif a == lr and c[a] == 0:
                w = a - 1
                while w > 0 and c[w] == 0:
                    w -= 1
                w = max(w, b)
                delta -= cost[r] * (lr - w)
                last[r] = w
        return delta

    def window(j: int) -> tuple[int, int]:
        lo, hi = earliest[j], hi_dead[j]
        for p in preds[j]:
            if wave[p] > lo:
                lo = wave[p]
        for s in succs[j]:
            if wave[s] < hi:
                hi = wave[s]
        return lo, hi

    def fits(j: int, w: int, plus: int = -1) -> bool:
        rw, lj = res[w], load[j]
        if plus < 0:
            for d in range(nd):  # noqa: SIM110 (hot loop)
                if lj[d] > rw[d] + EPS:
                    return False
            return True
        lk = load[plus]
        for d in range(nd):  # noqa: SIM110 (hot loop)
            if lj[d] > rw[d] + lk[d] + EPS:
                return False
        return True

    current = prep.cost_of(wave)
    start = best = current
    best_wave = list(wave)
    # Few proposals per job (big problems) cannot afford to wander: start and end colder.
    heat = min(1.0, moves / (n * HOT_PER_JOB))
    t0 = T0 * heat * sum(cost[r] for r in costly) / len(costly)
    t1 = T1 * heat * min(cost[r] for r in costly)
    cool = (t1 / t0) ** (1.0 / moves)
    temp = t0 / cool
    rnd = rng.random
    last_of = len(cum) - 1
    ret_jobs = prep.ret_jobs
    for it in range(moves):
        if stop_at is not None and it & 4095 == 0 and time.monotonic() >= stop_at:
            break  # cool down no further: what is found so far stands
        temp *= cool
        if rnd() < 0.6:  # a job of a room in its last wave, earlier
            r = costly[min(bisect_right(cum, rnd() * acc), last_of)]
            t = last[r]
            jobs = [j for j in ret_jobs[r] if wave[j] == t]
            j = jobs[int(rnd() * len(jobs))]
            lo, hi = window(j)
            if hi_dead[j] < 0 or lo >= t:
                continue
            v = lo + int(rnd() * (t - lo))
        else:  # any job, anywhere its window allows
            j = int(rnd() * n)
            lo, hi = window(j)
            if hi_dead[j] < 0 or lo >= hi:
                continue
            v = lo + int(rnd() * (hi - lo))
            if v >= wave[j]:
                v += 1
        a = wave[j]
        if fits(j, v):
            delta = relocate(j, v)
            if delta <= 0 or rnd() < math.exp(-delta / temp):
                current += delta
            else:
                relocate(j, a)
                continue
        else:  # swap with a job of wave v that may go to wave a
            mv = members[v]
            if not mv:
                continue
            k = mv[int(rnd() * len(mv))]
            if hi_dead[k] < 0 or k in preds[j] or j in preds[k]:
                continue
            klo, khi = window(k)
            if not (klo <= a <= khi) or not fits(j, v, k) or not fits(k, a, j):
                continue
            delta = relocate(k, a)
            delta += relocate(j, v)
            if delta <= 0 or rnd() < math.exp(-delta / temp):
                current += delta
            else:
                relocate(j, a)
                relocate(k, v)
                continue
        if current < best - 1e-6:
            best = current
            best_wave = list(wave)
    wave[:] = best_wave
    return best < start - 1e-6

