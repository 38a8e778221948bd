"""Wave scheduling: a serious heuristic and the naive baseline over :mod:`planner.scheduling`.

The heuristic (``schedule_heuristic``) works in six steps; steps 1-5 are near-linear in the number
of jobs, step 6 has a fixed time budget and runs on problems of moderate size only:

1. *Preparation* (:func:`prepare`): index the jobs, drop references to unknown jobs, set aside jobs
   that fit no wave on their own (``unscheduled``), and propagate time windows along precedence:
   a job's effective earliest wave is the latest earliest wave of its transitive predecessors
   (wave 0 is the pilot, so a job that is not pilot-eligible, or that waits for one, starts at 1);
   its effective latest wave is the earliest deadline of its transitive successors.
2. *Deadline reservation*: jobs with a deadline are packed backwards, each as late as its window
   allows (latest deadline first), which reserves capacity for the deadlines while leaving early
   waves free for retiring rooms and lines; a job this packing finds no room for is scheduled as
   soon as possible after and reported in the notes.
3. *List scheduling*: retirables in order of monthly cost per unit of work (their jobs and
   transitive predecessors, in units of a wave's bottleneck capacity); each one's jobs go,
   critical path first, into the earliest wave with room (first fit, multi-dimensional), so
   cheaper retirables backfill the gaps the dearer ones leave. A wave-by-wave variant (a retirable
   whose remaining work fits the current wave goes in whole, the best others advance partially,
   cost-free jobs fill the rest) and other priority rules are run too.
4. *Local improvement* of every candidate: for the most expensive retirables first, move all jobs
   of their last wave (with predecessors, if needed) into earlier waves — moving a job earlier
   never delays any retirement — evicting other jobs to later waves where that delays no
   retirement, successor or deadline; then compact the last waves to reduce the number of waves.
5. *Search*, on small problems only (the budget shrinks as 1/n, so big problems get one pass):
   seeded random restarts (perturbed priorities and critical paths) and swaps of nearby
   retirables in the best order; the best schedule (cost, then waves) wins. Deterministic.
6. *Large-neighbourhood search* (:func:`_lns`), on problems up to ``LNS_MAX_JOBS`` jobs: CP-SAT
   re-solves the jobs of 2-4 waves at a time (sliding windows, then seeded random sets of waves,
   which trade work between distant waves), minimising the stranded cost with everything else
   fixed, within a deterministic time budget. List scheduling commits each retirable's jobs
   greedily; on inventory-shaped problems (deadline jobs shared by many rooms and lines, two
   binding capacity dimensions) the exact repacking of a few waves at a time recovers most of
   what that greed loses (10-12 % of the cost on 1k-system inventories). Problems too big for it
   (up to ``DEEP_MAX_JOBS``) get a deeper step 4 on the best schedule instead: a hundred times the
   eviction work and more members scanned per wave (3.4 % on the 10k-system inventory; +0.4 s
   there, +2 s under the 242-wave city policy).

The naive baseline (``schedule_naive``) layers jobs topologically and splits each layer first-fit
by capacity, ignoring costs and deadlines.
"""
from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planner.scheduling import DIMENSIONS, ProgressCallback, Schedule, ScheduleProblem

EPS = 1e-9  # slack for float capacity comparisons
# Large-neighbourhood search (step 6): problems up to LNS_MAX_JOBS jobs get LNS_BUDGET_PER_JOB
# units of CP-SAT deterministic time per job (about 2 s of wall time per unit here), at most
# LNS_BUDGET, LNS_WINDOW_DET per window. Bigger problems skip it: the plan stays fast at scale.
LNS_MAX_JOBS = 5_000
# Problems too big for the search but up to DEEP_MAX_JOBS jobs get a deeper local improvement
# of the best schedule instead (more eviction work per job, more members scanned per wave).
DEEP_MAX_JOBS = 20_000
DEEP_BUDGET_PER_JOB = 100
DEEP_SCAN = 2_000
LNS_BUDGET = 4.0
LNS_BUDGET_PER_JOB = 0.004
LNS_WINDOW_DET = 0.3
LNS_MAX_FREE = 160  # jobs freed per window at most (larger waves free a subset of their rooms)
LNS_SEED = 2018
LNS_WALL_FACTOR = 10.0  # wall-clock safety cap, × the budget: only a very slow machine hits it
_LNS_SCALE = 1000  # loads and capacities to integers (loads rounded up, capacities down)
_MAX_EXTRA_WAVES = 10_000  # safety stop if capacities make progress impossible


@dataclass
class Prepared:
    """Index-based view of a ScheduleProblem shared by the heuristic, exact model and bound."""

    problem: ScheduleProblem
    ids: list[str]  # schedulable jobs only (index -> id)
    load: list[tuple[float, ...]]  # per job, per dimension
    preds: list[list[int]]
    succs: list[list[int]]
    topo: list[int]  # topological order (predecessors first)
    earliest: list[int]  # effective earliest wave
    latest: list[int | None]  # effective latest wave (deadline), None = none
    fixed: list[int | None]
    ret_ids: list[str]
    ret_cost: list[float]  # monthly cost × wave_months: cost of one wave of delay
    ret_jobs: list[list[int]]
    job_rets: list[list[int]]
    unscheduled: list[str]
    notes: list[str] = field(default_factory=list)
    _caps: list[tuple[float, ...]] = field(default_factory=list)
    _topo_pos: list[int] | None = None
    _ret_closures: list[list[int]] | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    def cap(self, w: int) -> tuple[float, ...]:
        """Capacity of wave w per dimension (cached)."""
        while len(self._caps) <= w:
            c = self.problem.capacity(len(self._caps))
            self._caps.append(tuple(float(c.get(d, 0.0)) for d in DIMENSIONS))
        return self._caps[w]

    def closure(self, roots: Sequence[int], wave: Sequence[int] | None = None) -> list[int]:
        """Roots and their transitive predecessors (not yet placed, if ``wave`` given), topo order."""
        seen = set(roots)
        stack = list(roots)
        while stack:
            j = stack.pop()
            for p in self.preds[j]:
                if p not in seen and (wave is None or wave[p] < 0):
                    seen.add(p)
                    stack.append(p)
        return sorted(seen, key=self.topo_pos.__getitem__)

    def ret_closures(self) -> list[list[int]]:
        """Each retirable's jobs with their transitive predecessors, topo order (cached)."""
        cl = self._ret_closures
        if cl is None:
            cl = [self.closure(jobs) if jobs else [] for jobs in self.ret_jobs]
            self._ret_closures = cl
        return cl

    @property
    def topo_pos(self) -> list[int]:
        pos = self._topo_pos
        if pos is None:
            pos = [0] * self.n
            for i, j in enumerate(self.topo):
                pos[j] = i
            self._topo_pos = pos
        return pos

    def cost_of(self, wave: Sequence[int]) -> float:
        """Stranded cost of an index assignment (unscheduled jobs do not count)."""
        total = 0.0
        for r, jobs in enumerate(self.ret_jobs):
            last = max((wave[j] for j in jobs), default=0)
            total += self.ret_cost[r] * (last + 1)
        return total

    def to_schedule(self, wave: Sequence[int], method: str, notes: list[str]) -> Schedule:
        """Wrap an index assignment as a Schedule with the deadline/fixed notes it deserves."""
        assignment = {self.ids[j]: int(wave[j]) for j in range(self.n)}
        all_notes = list(self.notes)
        jobs = {job.id: job for job in self.problem.jobs
                if job.fixed_wave is not None or job.latest_wave is not None}
        for j in range(self.n):
            job = jobs.get(self.ids[j])
            if job is None:
                continue
            if job.fixed_wave is not None and wave[j] != job.fixed_wave:
                all_notes.append(f"job {job.id}: fixed wave {job.fixed_wave} not honoured, "
                                 f"scheduled in wave {wave[j]}")
            elif job.fixed_wave is None and job.latest_wave is not None and wave[j] > job.latest_wave:
                all_notes.append(f"job {job.id}: deadline wave {job.latest_wave} missed, "
                                 f"scheduled in wave {wave[j]}")
        all_notes.extend(notes)
        waves = max(wave, default=-1) + 1
        if waves > self.problem.horizon:
            all_notes.append(f"horizon extended from {self.problem.horizon} to {waves} waves")
        return Schedule(assignment=assignment, stranded_cost=self.cost_of(wave), waves=waves,
                        method=method, notes=all_notes, unscheduled=list(self.unscheduled))


def _fits(load: Sequence[float], cap: Sequence[float]) -> bool:
    for x, c in zip(load, cap, strict=True):  # noqa: SIM110 (hot loop)
        if x > c + EPS:
            return False
    return True


def prepare(problem: ScheduleProblem) -> Prepared:
    """Validate and index a problem; propagate time windows. Raises ValueError on a cycle."""
    notes: list[str] = []
    known = {job.id for job in problem.jobs}
    if len(known) != len(problem.jobs):
        raise ValueError("duplicate job ids in the schedule problem")
    caps: list[tuple[float, ...]] = []

    def cap(w: int) -> tuple[float, ...]:
        while len(caps) <= w:
            c = problem.capacity(len(caps))
            caps.append(tuple(float(c.get(d, 0.0)) for d in DIMENSIONS))
        return caps[w]

    # A job too big for every wave it may use can never move: set it aside for the planner.
    scan_to = max(problem.horizon, 2)
    unscheduled: list[str] = []
    ids: list[str] = []
    load: list[tuple[float, ...]] = []
    for job in problem.jobs:
        jl = job.load
        size = tuple([float(jl.get(d, 0.0)) for d in DIMENSIONS])
        start = job.fixed_wave if job.fixed_wave is not None else job.earliest_wave
        first = max(start, 0 if job.pilot_eligible else 1)
        if _fits(size, cap(first)) or any(_fits(size, cap(w)) for w in range(first + 1, max(scan_to, first + 2))):  # noqa: E501
            ids.append(job.id)
            load.append(size)
        else:
            unscheduled.append(job.id)
            notes.append(f"job {job.id}: larger than the capacity of any wave; not scheduled")
    index = {jid: i for i, jid in enumerate(ids)}
    n = len(ids)
    jobs_by_id = {job.id: job for job in problem.jobs}
    kept = [jobs_by_id[jid] for jid in ids]
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    dropped_unknown = 0
    unsched_set = set(unscheduled)
    get = index.get
    for i, job in enumerate(kept):
        if not job.predecessors:
            continue
        mine = preds[i]
        for p in job.predecessors:
            k = get(p)
            if k is not None:
                if k != i:
                    mine.append(k)
            elif p not in unsched_set:
                dropped_unknown += 1
        mine.sort()  # sets iterate in hash order: sort so results do not depend on it
        for k in mine:
            succs[k].append(i)
    if dropped_unknown:
        notes.append(f"{dropped_unknown} predecessor reference(s) to unknown jobs ignored")

    # Kahn's algorithm; a cycle is a contract violation (co-migration groups must be collapsed).
    indeg = [len(p) for p in preds]
    order = [i for i in range(n) if indeg[i] == 0]
    k = 0
    while k < len(order):
        j = order[k]
        k += 1
        for s in succs[j]:
            indeg[s] -= 1
            if indeg[s] == 0:
                order.append(s)
    if len(order) != n:
        cyc = sorted(ids[i] for i in range(n) if indeg[i] > 0)[:5]
        raise ValueError("precedence cycle among jobs (collapse co-migration groups first): "
                         + ", ".join(cyc))

    earliest = [0] * n
    latest: list[int | None] = [None] * n
    fixed: list[int | None] = [None] * n
    for i, job in enumerate(kept):
        fixed[i] = job.fixed_wave
        if job.fixed_wave is not None:
            earliest[i] = max(job.fixed_wave, 0 if job.pilot_eligible else 1)
            latest[i] = job.fixed_wave
        else:
            earliest[i] = max(job.earliest_wave, 0 if job.pilot_eligible else 1)
            latest[i] = job.latest_wave
    for j in order:
        for q in preds[j]:
            if earliest[q] > earliest[j]:
                earliest[j] = earliest[q]
    for j in reversed(order):
        lj = latest[j]
        if lj is None:
            continue
        for q in preds[j]:
            lq = latest[q]
            if lq is None or lj < lq:
                latest[q] = lj
    ret_ids: list[str] = []
    ret_cost: list[float] = []
    ret_jobs: list[list[int]] = []
    job_rets: list[list[int]] = [[] for _ in range(n)]
    unknown_ret = 0
    for r in problem.retirables:
        members = []
        for jid in r.jobs:
            k = get(jid)
            if k is not None:
                members.append(k)
            elif jid not in unsched_set:
                unknown_ret += 1
        members.sort()
        if unsched_set and any(jid in unsched_set for jid in r.jobs):
            notes.append(f"retirable {r.id}: waits for an unscheduled job; cost counts only moved jobs")
        ri = len(ret_ids)
        ret_ids.append(r.id)
        ret_cost.append(float(r.monthly_cost) * problem.wave_months)
        ret_jobs.append(members)
        for j in members:
            job_rets[j].append(ri)
    if unknown_ret:
        notes.append(f"{unknown_ret} retirable job reference(s) to unknown jobs ignored")
    prep = Prepared(problem=problem, ids=ids, load=load, preds=preds, succs=succs, topo=order,
                    earliest=earliest, latest=latest, fixed=fixed, ret_ids=ret_ids, ret_cost=ret_cost,
                    ret_jobs=ret_jobs, job_rets=job_rets, unscheduled=unscheduled, notes=notes)
    prep._caps = caps
    return prep


class _Waves:
    """Residual capacity per wave, grown on demand."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.res: list[list[float]] = []

    def residual(self, w: int) -> list[float]:
        while len(self.res) <= w:
            self.res.append(list(self.prep.cap(len(self.res))))
        return self.res[w]

    def fits(self, j: int, w: int) -> bool:
        res = self.residual(w)
        for x, c in zip(self.prep.load[j], res, strict=True):  # noqa: SIM110 (hot loop)
            if x > c + EPS:
                return False
        return True

    def take(self, j: int, w: int) -> None:
        res = self.residual(w)
        for d, x in enumerate(self.prep.load[j]):
            res[d] -= x

    def give(self, j: int, w: int) -> None:
        res = self.residual(w)
        for d, x in enumerate(self.prep.load[j]):
            res[d] += x


def _reserve_deadlines(prep: Prepared, waves: _Waves) -> tuple[list[int | None], list[int]]:
    """Pack deadline jobs backwards (as late as allowed): reserved wave per job, and the late ones."""
    n = prep.n
    reserved: list[int | None] = [None] * n
    late: list[int] = []
    pos = prep.topo_pos
    order = [j for j in range(n) if prep.latest[j] is not None]
    # Latest deadline first; among equal deadlines, successors before predecessors.
    order.sort(key=lambda j: (-(prep.latest[j] or 0), -pos[j]))
    for j in order:
        bound = prep.latest[j]
        assert bound is not None
        for s in prep.succs[j]:
            a = reserved[s]
            if a is not None and a < bound:
                bound = a
        lo = prep.earliest[j]
        placed = False
        for w in range(bound, lo - 1, -1):
            if waves.fits(j, w):
                waves.take(j, w)
                reserved[j] = w
                placed = True
                break
        if not placed:
            late.append(j)
    return reserved, late


def schedule_heuristic(problem: ScheduleProblem, progress: ProgressCallback | None = None, *,
                       lns_budget: float | None = None) -> Schedule:
    """List scheduling by deadline, then retirable cost per remaining work, then local improvement.

    Several priority rules are tried (fewer on big problems) and the best result is kept.
    """
    prep = prepare(problem)
    variants: list[tuple[str, str]] = [("list", "ratio_max"), ("waves", "ratio_max"),
                                       ("list", "ratio_sum"), ("list", "cost")]
    if prep.n > 20_000:
        variants = variants[:1]
    elif prep.n > 5_000:
        variants = variants[:2]
    best: list[int] | None = None
    best_key = (float("inf"), 0)
    best_variant = variants[0]
    # Small problems can afford randomised restarts: the retirable order perturbed (seeded, so
    # results are reproducible) and each result improved; the best wins.
    restarts = min(48, 20_000 // max(prep.n, 1))
    variants += [("list", f"ratio_max:{k}") for k in range(restarts)]
    # ... and then a local search on the best retirable order (swaps of nearby retirables).
    swaps = min(240, 40_000 // max(prep.n, 1))
    total = len(variants) + swaps
    budget = min(LNS_BUDGET, LNS_BUDGET_PER_JOB * prep.n) if lns_budget is None else lns_budget
    searching = 0 < prep.n <= LNS_MAX_JOBS and budget > 0
    # The search takes about as long as everything before it on the problems it runs on.
    scale = 2 * total if searching else total

    def report(done: float) -> None:
        if progress:
            progress("scheduling waves", min(1.0, done / scale))

    def evaluate(wave: list[int]) -> tuple[float, int]:
        _improve(prep, wave)
        return (round(prep.cost_of(wave), 6), max(wave, default=-1))

    for i, (kind, key) in enumerate(variants):
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
            if len(order) < 2:
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
    if LNS_MAX_JOBS < prep.n <= DEEP_MAX_JOBS:
        _improve(prep, best, budget_per_job=DEEP_BUDGET_PER_JOB, scan=DEEP_SCAN)
    if searching:
        gained = _lns(prep, best, budget, progress=lambda f: report(total * (1 + f)))
        if gained:
            _improve(prep, best, rounds=1)
            notes.append(f"large-neighbourhood search (CP-SAT over windows of waves) improved the "
                         f"schedule {gained} time(s)")
    report(scale)
    return prep.to_schedule(best, "heuristic", notes)


def _lns(prep: Prepared, wave: list[int], det_budget: float, seed: int = LNS_SEED,
         progress: Callable[[float], None] | None = None) -> int:
    """Large-neighbourhood search: re-solve a few waves at a time exactly; returns the improvements.

    Each neighbourhood is a set S of 2-4 waves (sliding windows first, then seeded random sets,
    which move work between distant waves). Jobs now in S may move to any wave of S that their
    window, deadline and the jobs outside S allow; CP-SAT minimises the stranded cost of the rooms
    and lines those jobs belong to. The current assignment is feasible in the sub-model, so the
    cost never rises; a solution is kept only if it is strictly cheaper and fits the float
    capacities. Deterministic: one worker, a fixed seed and deterministic time limits (a wall-clock
    cap of ``LNS_WALL_FACTOR`` × the budget guards slow machines and is the only exception).
    """
    import time

    n = prep.n
    rng = random.Random(seed)
    job_rets = [[r for r in rs if prep.ret_cost[r] > 0] for rs in prep.job_rets]
    costs = prep.ret_cost
    cscale = 1 if all(abs(c - round(c)) < 1e-9 for c in costs) else 100
    icost = [int(round(c * cscale)) for c in costs]
    members: dict[int, list[int]] = {}
    for j in range(n):
        members.setdefault(wave[j], []).append(j)
    spent = 0.0
    wall_stop = time.monotonic() + LNS_WALL_FACTOR * det_budget + 1.0
    improvements = 0
    while spent < det_budget and time.monotonic() < wall_stop:
        top = max(wave) + 1
        hoods = [tuple(range(a, min(top, a + k))) for k in (3, 2, 4) for a in range(max(1, top - k + 1))]
        hoods += [tuple(sorted(rng.sample(range(top), min(rng.choice((2, 3, 3, 4)), top))))
                  for _ in range(len(hoods))]
        gained = False
        for hood in hoods:
            if spent >= det_budget or time.monotonic() >= wall_stop:
                break
            ok, used = _lns_window(prep, wave, members, hood, icost, job_rets, rng, seed)
            spent += used
            if progress:
                progress(min(1.0, spent / det_budget))
            if ok:
                gained = True
                improvements += 1
        if not gained:
            break
    return improvements


def _lns_window(prep: Prepared, wave: list[int], members: dict[int, list[int]], hood: tuple[int, ...],
                icost: list[int], job_rets: list[list[int]], rng: random.Random,
                seed: int) -> tuple[bool, float]:
    """Re-solve the jobs of the waves in ``hood`` with CP-SAT; (improved, deterministic time used)."""
    from ortools.sat.python import cp_model

    nd = len(DIMENSIONS)
    load = prep.load
    in_hood = [j for w in hood for j in members.get(w, ())]
    movable = [j for j in in_hood if prep.fixed[j] is None]
    if len(movable) > LNS_MAX_FREE:
        # Too many jobs for a quick exact solve: free the jobs of a random subset of the rooms and
        # lines involved (with the cost-free jobs sharing their waves), keep the rest in place.
        rets = sorted({r for j in movable for r in job_rets[j]})
        rng.shuffle(rets)
        chosen: set[int] = set()
        by_ret: dict[int, list[int]] = {}
        for j in movable:
            for r in job_rets[j]:
                by_ret.setdefault(r, []).append(j)
        for r in rets:
            if len(chosen) >= LNS_MAX_FREE * 3 // 4:
                break
            chosen.update(by_ret[r])
        cost_free = [j for j in movable if not job_rets[j]]
        rng.shuffle(cost_free)
        chosen.update(cost_free[: max(0, LNS_MAX_FREE - len(chosen))])
        movable = sorted(chosen)
    if len(movable) < 2:
        return False, 0.0
    free = set(movable)
    m = cp_model.CpModel()
    x: dict[int, dict[int, cp_model.IntVar]] = {}
    wv: dict[int, cp_model.LinearExpr] = {}
    for j in movable:
        lo, hi = prep.earliest[j], hood[-1]
        lj = prep.latest[j]
        if lj is not None:  # never miss a deadline the schedule meets, nor miss one by more
            hi = min(hi, max(lj, wave[j]))
        for p in prep.preds[j]:
            if p not in free and wave[p] > lo:
                lo = wave[p]
        for s_ in prep.succs[j]:
            if s_ not in free and wave[s_] < hi:
                hi = wave[s_]
        xs = {w: m.new_bool_var("") for w in hood if lo <= w <= hi}
        m.add_exactly_one(xs.values())
        for w, v in xs.items():
            m.add_hint(v, w == wave[j])
        x[j] = xs
        wv[j] = cp_model.LinearExpr.weighted_sum(list(xs.values()), list(xs.keys()))
    for j in movable:
        for p in prep.preds[j]:
            if p in free:
                m.add(wv[p] <= wv[j])
    for w in hood:
        used = [0.0] * nd
        for j in members.get(w, ()):
            if j not in free:
                for d in range(nd):
                    used[d] += load[j][d]
        cap = prep.cap(w)
        for d in range(nd):
            terms = [(math.ceil(load[j][d] * _LNS_SCALE - 1e-6), x[j][w]) for j in movable
                     if w in x[j] and load[j][d] > 0]
            limit = math.floor((cap[d] - used[d]) * _LNS_SCALE + 1e-6)
            if terms and sum(c for c, _ in terms) > limit:
                m.add(cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms]) <= limit)
    rets = sorted({r for j in movable for r in job_rets[j]})
    obj_vars, obj_coefs = [], []
    for r in rets:
        outside = max((wave[j] for j in prep.ret_jobs[r] if j not in free), default=0)
        if outside >= hood[-1]:
            continue  # retired by a job outside the neighbourhood at or after it: nothing to gain
        current = max(wave[j] for j in prep.ret_jobs[r])
        t = m.new_int_var(outside, max(hood[-1], outside), "")
        for j in prep.ret_jobs[r]:
            if j in free:
                m.add(t >= wv[j])
        m.add_hint(t, current)
        obj_vars.append(t)
        obj_coefs.append(icost[r])
    if not obj_vars:
        return False, 0.0
    m.minimize(cp_model.LinearExpr.weighted_sum(obj_vars, obj_coefs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = LNS_WINDOW_DET
    status = solver.solve(m)
    used_time = float(solver.response_proto.deterministic_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, used_time
    new = {j: next(w for w, v in x[j].items() if solver.value(v)) for j in movable}
    if all(new[j] == wave[j] for j in movable):
        return False, used_time
    before = _rets_cost(prep, wave, rets)
    old = {j: wave[j] for j in movable}
    for j, w in new.items():
        wave[j] = w
    # Integer rounding is conservative, but check the float capacities before keeping anything.
    fits = True
    for w in hood:
        use = [0.0] * nd
        for j in in_hood:
            if wave[j] == w:
                for d in range(nd):
                    use[d] += load[j][d]
        cap = prep.cap(w)
        if any(use[d] > cap[d] + EPS for d in range(nd)):
            fits = False
    if not fits or _rets_cost(prep, wave, rets) >= before - 1e-6:
        for j, w in old.items():
            wave[j] = w
        return False, used_time
    for w in hood:
        members[w] = [j for j in in_hood if wave[j] == w]
    return True, used_time


def _rets_cost(prep: Prepared, wave: Sequence[int], rets: Sequence[int]) -> float:
    """Stranded cost of the given rooms and lines only."""
    return sum(prep.ret_cost[r] * (max(wave[j] for j in prep.ret_jobs[r]) + 1) for r in rets)


def _ret_keys(prep: Prepared, key: str) -> list[int]:
    """Retirables with a cost, best first, by the named priority rule."""
    nd = len(DIMENSIONS)
    ref = prep.cap(1)
    inv = [1.0 / c if c > EPS else 0.0 for c in ref]
    out = []
    closures = prep.ret_closures()
    key, _, seed = key.partition(":")
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


def _list_schedule(prep: Prepared, key: str, order: list[int] | None = None) -> list[int]:
    """Global list scheduling: deadline reservations, then each retirable's closure first-fit."""
    n = prep.n
    waves = _Waves(prep)
    reserved, late = _reserve_deadlines(prep, waves)
    wave = [a if a is not None else -1 for a in reserved]
    preds, earliest = prep.preds, prep.earliest
    pos = prep.topo_pos
    nd = len(DIMENSIONS)
    load = prep.load
    min_load = [min((load[j][d] for j in range(n) if load[j][d] > EPS), default=0.0) for d in range(nd)]
    first_open = [0]

    def lb(j: int) -> int:
        lo = earliest[j]
        for p in preds[j]:
            if wave[p] > lo:
                lo = wave[p]
        return lo

    def first_fit(j: int, lo: int, hi: int | None = None) -> int | None:
        w = max(lo, first_open[0]) if lo >= first_open[0] else lo
        while hi is None or w < hi:
            res = waves.residual(w)
            lj = load[j]
            for d in range(nd):  # noqa: SIM110 (hot loop)
                if lj[d] > res[d] + EPS:
                    break
            else:
                return w
            w += 1
            if hi is None and w > lo + _MAX_EXTRA_WAVES:
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
    for j in reversed(prep.topo):
        own = max((load[j][d] / ref[d] for d in range(nd) if ref[d] > EPS), default=0.0) + 1e-9
        if rng:
            own *= rng.uniform(0.5, 1.5)
        height[j] = own + max((height[s_] for s_ in prep.succs[j]), default=0.0)

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
    reserve_waves = _Waves(prep)
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
    min_load = [min((load[j][d] for j in range(n) if load[j][d] > EPS), default=0.0) for d in range(nd)]

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
        elif w - last_progress > _MAX_EXTRA_WAVES:
            break  # capacities give no room at all: leave the rest to the caller's safety net
        if progress and n:
            progress("scheduling waves", 0.7 * (n - remaining) / n)
        w += 1
    if remaining:
        raise RuntimeError("heuristic made no progress; capacities admit none of the remaining jobs")
    return wave


def _improve(prep: Prepared, wave: list[int], rounds: int = 3, *, budget_per_job: int = 1,
             scan: int = 200) -> None:
    """Pull retirements earlier (most expensive first), then compact the last waves."""
    n = prep.n
    if n == 0:
        return
    waves = _Waves(prep)
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

    def move(j: int, to: int, log: list[tuple[int, int]]) -> None:
        log.append((j, wave[j]))
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
            bound = t - 1 if q == r else last[q]
            if bound < lim:
                lim = bound
        return lim

    budget = [budget_per_job * n + 500]  # bounds the eviction work overall (keeps the pass near-linear)

    def evict_for(j: int, v: int, r: int, t: int, log: list[tuple[int, int]]) -> bool:
        """Make room for j in wave v by pushing other jobs of v later, where that costs nothing."""
        res = waves.residual(v)
        short = [x - c for x, c in zip(prep.load[j], res, strict=True)]
        if not any(x > EPS for x in short):
            return True
        blocked = set(preds[j])  # j goes to v: its predecessors must stay at or before v
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
            for u in range(lim, v, -1):
                if waves.fits(k, u):
                    move(k, u, log)
                    for d in range(len(short)):
                        short[d] -= lk[d]
                    break
            if not any(x > EPS for x in short):
                return True
        return False

    def pull(j: int, r: int, t: int, log: list[tuple[int, int]], depth: int) -> bool:
        """Move job j (now in wave t) to a wave before t, pulling predecessors along if needed."""
        for p in preds[j]:
            if wave[p] >= t and (depth > 8 or not pull(p, r, t, log, depth + 1)):
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
                ok = all(wave[j] < t or pull(j, r, t, log, 0) for j in todo)
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


def schedule_naive(problem: ScheduleProblem) -> Schedule:
    """Baseline: topological layers in order, each split first-fit by capacity; costs ignored."""
    prep = prepare(problem)
    n = prep.n
    layer = [0] * n
    for j in prep.topo:
        for p in prep.preds[j]:
            layer[j] = max(layer[j], layer[p] + 1)
    by_layer: dict[int, list[int]] = {}
    for j in prep.topo:
        by_layer.setdefault(layer[j], []).append(j)
    waves = _Waves(prep)
    wave = [-1] * n
    start = 0
    for lay in sorted(by_layer):
        end = start
        for j in by_layer[lay]:
            lo = max([start, prep.earliest[j]] + [wave[p] for p in prep.preds[j]])
            w = lo
            while not waves.fits(j, w):
                w += 1
                if w > lo + _MAX_EXTRA_WAVES:
                    raise RuntimeError(f"job {prep.ids[j]} fits no wave")
            waves.take(j, w)
            wave[j] = w
            end = max(end, w)
        start = end + 1 if by_layer[lay] else start
    return prep.to_schedule(wave, "naive", ["naive layering ignores costs and deadlines"])

