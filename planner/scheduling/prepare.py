"""Preparation: a ScheduleProblem indexed for the schedulers, with time windows propagated.

:func:`prepare` indexes the jobs, drops references to unknown jobs, sets aside jobs that fit no
wave on their own (``unscheduled``) and propagates time windows along precedence: a job's
effective earliest wave is the latest earliest wave of its transitive predecessors (wave 0 is
the pilot, so a job that is not pilot-eligible, or that waits for one, starts at 1); its
effective latest wave is the earliest deadline of its transitive successors. The heuristic, the
CP-SAT model, the naive baseline and the lower bound all start from this one view.
"""
from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.scheduling.problem import DIMENSIONS, Schedule, ScheduleProblem

EPS = 1e-9  # slack for float capacity comparisons
MAX_EXTRA_WAVES = 10_000  # safety stop if capacities make progress impossible


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
    cache: dict[object, object] = field(default_factory=dict)  # derived facts (e.g. the bound's prices)

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


def fits(load: Sequence[float], cap: Sequence[float]) -> bool:
    for x, c in zip(load, cap, strict=True):  # noqa: SIM110 (hot loop)
        if x > c + EPS:
            return False
    return True


# The last problems prepared, by identity: the heuristic and the bound of one plan share the
# preparation (and what is cached on it) instead of doing it twice.
_MEMO: dict[int, tuple[weakref.ref[ScheduleProblem], Prepared]] = {}


def prepare(problem: ScheduleProblem) -> Prepared:
    """Validate and index a problem; propagate time windows. Raises ValueError on a cycle.

    Read-only for its users, so one Prepared serves every scheduler and bound of a problem
    while the problem lives.
    """
    key = id(problem)
    hit = _MEMO.get(key)
    if hit is not None and hit[0]() is problem:
        return hit[1]
    prep = _prepare(problem)
    _MEMO[key] = (weakref.ref(problem), prep)
    weakref.finalize(problem, _MEMO.pop, key, None)
    return prep


def release(problem: ScheduleProblem) -> None:
    """Forget the preparation of *problem* (the bound, its last user in a plan, calls this)."""
    _MEMO.pop(id(problem), None)


def _prepare(problem: ScheduleProblem) -> Prepared:
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
    zeros = (0.0,) * len(DIMENSIONS)
    for job in problem.jobs:
        size = tuple(map(float, map(job.load.get, DIMENSIONS, zeros)))
        start = job.fixed_wave if job.fixed_wave is not None else job.earliest_wave
        first = max(start, 0 if job.pilot_eligible else 1)
        if fits(size, caps[first] if first < len(caps) else cap(first)) or any(
            fits(size, cap(w)) for w in range(first + 1, max(scan_to, first + 2))
        ):
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


class Waves:
    """Residual capacity per wave, grown on demand."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.load = prep.load
        self.res: list[list[float]] = []

    def residual(self, w: int) -> list[float]:
        res = self.res
        if w < len(res):
            return res[w]
        while len(res) <= w:
            res.append(list(self.prep.cap(len(res))))
        return res[w]

    # fits / take / give run millions of times at province scale: no helper calls inside.
    def fits(self, j: int, w: int) -> bool:
        res = self.res[w] if w < len(self.res) else self.residual(w)
        for x, c in zip(self.load[j], res):  # noqa: SIM110, B905 (hot loop; both have a value per dimension)
            if x > c + EPS:
                return False
        return True

    def take(self, j: int, w: int) -> None:
        res = self.res[w] if w < len(self.res) else self.residual(w)
        for d, x in enumerate(self.load[j]):
            res[d] -= x

    def give(self, j: int, w: int) -> None:
        res = self.res[w] if w < len(self.res) else self.residual(w)
        for d, x in enumerate(self.load[j]):
            res[d] += x
