"""A schedule-level feasibility checker: every hard rule of a ScheduleProblem, checked directly.

Written apart from the schedulers (it reads only :mod:`.problem`), so it does not share their
code or their mistakes; the tests and ``bench.quality`` check every schedule with it.
"""
from __future__ import annotations

from planner.scheduling.problem import DIMENSIONS, Schedule, ScheduleProblem


def violations(problem: ScheduleProblem, schedule: Schedule, *, strict_windows: bool = True) -> list[str]:
    """Every way a schedule breaks the problem's hard rules (empty = feasible)."""
    out: list[str] = []
    jobs = {j.id: j for j in problem.jobs}
    a = schedule.assignment
    seen = set(a) | set(schedule.unscheduled)
    if set(jobs) != seen or set(a) & set(schedule.unscheduled):
        out.append("jobs not each exactly once in assignment or unscheduled")
    used: dict[int, dict[str, float]] = {}
    for jid, w in a.items():
        job = jobs[jid]
        if w < 0:
            out.append(f"{jid} in negative wave {w}")
        if w == 0 and not job.pilot_eligible:
            out.append(f"{jid} in pilot wave but not pilot-eligible")
        for p in job.predecessors:
            if p in a and a[p] > w:
                out.append(f"{jid} in wave {w} before its predecessor {p} (wave {a[p]})")
        if strict_windows:
            if job.fixed_wave is not None and w != job.fixed_wave:
                out.append(f"{jid} fixed to {job.fixed_wave} but in {w}")
            if job.fixed_wave is None and w < job.earliest_wave:
                out.append(f"{jid} before its earliest wave")
        for d in DIMENSIONS:
            used.setdefault(w, dict.fromkeys(DIMENSIONS, 0.0))[d] += float(job.load.get(d, 0.0))
    for w, u in used.items():
        cap = problem.capacity(w)
        for d in DIMENSIONS:
            if u[d] > float(cap.get(d, 0.0)) + 1e-6:
                out.append(f"wave {w} exceeds {d}: {u[d]} > {cap.get(d)}")
    if a:
        waves = max(a.values()) + 1
        if schedule.waves != waves:
            out.append(f"waves reported {schedule.waves}, actual {waves}")
    cost = 0.0
    for r in problem.retirables:
        last = max((a[j] for j in r.jobs if j in a), default=0)
        cost += r.monthly_cost * (last + 1) * problem.wave_months
    if abs(cost - schedule.stranded_cost) > 1e-6 * max(1.0, cost):
        out.append(f"stranded cost reported {schedule.stranded_cost}, actual {cost}")
    return out


def deadline_misses(problem: ScheduleProblem, schedule: Schedule) -> list[str]:
    """Jobs scheduled after their deadline."""
    return [j.id for j in problem.jobs
            if j.latest_wave is not None and j.id in schedule.assignment
            and schedule.assignment[j.id] > j.latest_wave]
