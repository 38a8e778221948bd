"""Random wave-scheduling problems (co-migration cycles already collapsed).

Shared by the scheduler, exact-model and bound tests and by ``bench.quality``.
"""
from __future__ import annotations

import random
from collections.abc import Mapping

from planner.scheduling.problem import DIMENSIONS, Job, Retirable, ScheduleProblem


class WaveCapacity:
    """Pilot capacity for wave 0, regular capacity after (picklable, unlike a lambda)."""

    def __init__(self, pilot: Mapping[str, float], regular: Mapping[str, float]) -> None:
        self.pilot = dict(pilot)
        self.regular = dict(regular)

    def __call__(self, wave: int) -> Mapping[str, float]:
        return self.pilot if wave == 0 else self.regular


def random_problem(
    seed: int,
    n_jobs: int = 12,
    *,
    n_rooms: int | None = None,
    n_lines: int | None = None,
    waves_target: int = 4,
    edge_prob: float = 0.15,
    deadlines: bool = False,
    earliest: bool = False,
    fixed: bool = False,
    integer: bool = True,
    horizon: int | None = None,
) -> ScheduleProblem:
    """A random DAG of jobs with loads, rooms and leased lines, and capacities for ~waves_target waves."""
    rng = random.Random(seed)
    n_rooms = n_rooms if n_rooms is not None else max(1, n_jobs // 5)
    n_lines = n_lines if n_lines is not None else max(1, n_jobs // 4)
    loads: list[dict[str, float]] = []
    for _ in range(n_jobs):
        systems = rng.choice([1, 1, 1, 2, 2, 3, 5])
        vcpu = sum(rng.choice([2, 4, 8, 16]) for _ in range(systems))
        data = sum(rng.choice([10, 50, 200, 800]) for _ in range(systems))
        hours = 8 * systems + data // 100
        load: dict[str, float] = {"systems": systems, "vcpu": vcpu, "data_gb": data, "team_hours": hours}
        if not integer:
            load = {k: v * rng.uniform(0.8, 1.2) for k, v in load.items()}
        loads.append(load)
    ids = [f"g{i:05d}" for i in range(n_jobs)]
    preds: list[set[str]] = [set() for _ in range(n_jobs)]
    for j in range(1, n_jobs):
        # Edges to a few earlier jobs keep it acyclic; most go to recent ones (local chains).
        k = sum(1 for _ in range(3) if rng.random() < edge_prob)
        for _ in range(k):
            p = rng.randrange(max(0, j - 30), j)
            preds[j].add(ids[p])
    # Shuffle ids against the topological order so schedulers cannot rely on it.
    perm = list(range(n_jobs))
    rng.shuffle(perm)
    ids = [f"g{perm[i]:05d}" for i in range(n_jobs)]
    remap = {f"g{i:05d}": ids[i] for i in range(n_jobs)}
    preds = [{remap[p] for p in ps} for ps in preds]

    totals = {d: sum(ld[d] for ld in loads) for d in DIMENSIONS}
    biggest = {d: max(ld[d] for ld in loads) for d in DIMENSIONS}
    regular = {d: max(biggest[d], totals[d] / waves_target * rng.uniform(1.0, 1.3)) for d in DIMENSIONS}
    if integer:
        regular = {d: float(int(v + 0.999)) for d, v in regular.items()}
    pilot = {d: regular[d] * 0.3 for d in DIMENSIONS}
    if integer:
        pilot = {d: float(int(v)) for d, v in pilot.items()}
    horizon = horizon if horizon is not None else waves_target * 3 + 2

    jobs: list[Job] = []
    for i in range(n_jobs):
        small = loads[i]["systems"] <= 2 and len(preds[i]) == 0
        kw: dict[str, object] = {}
        r = rng.random()
        if deadlines and r < 0.15:
            kw["latest_wave"] = rng.randint(1, waves_target + 1)
        elif earliest and r < 0.3:
            kw["earliest_wave"] = rng.randint(1, waves_target)
        elif fixed and r < 0.38:
            kw["fixed_wave"] = rng.randint(1, waves_target)
        jobs.append(Job(id=ids[i], load=loads[i], predecessors=frozenset(preds[i]),
                        pilot_eligible=small and rng.random() < 0.6, **kw))  # type: ignore[arg-type]

    retirables: list[Retirable] = []
    in_room: list[list[str]] = [[] for _ in range(n_rooms)]
    for i in range(n_jobs):
        in_room[rng.randrange(n_rooms)].append(ids[i])
    for r in range(n_rooms):
        members = frozenset(in_room[r])
        retirables.append(Retirable(id=f"room{r}", monthly_cost=float(rng.choice([8, 12, 20, 35, 60]) * 1000),
                                    jobs=members))
    for k in range(n_lines):
        size = rng.choice([1, 1, 2, 3])
        members = frozenset(rng.sample(ids, min(size, n_jobs)))
        retirables.append(Retirable(id=f"line{k}", monthly_cost=float(rng.choice([500, 1500, 4000, 9000])),
                                    jobs=members))
    rng.shuffle(jobs)
    return ScheduleProblem(jobs=tuple(jobs), retirables=tuple(retirables),
                           capacity=WaveCapacity(pilot, regular), horizon=horizon,
                           wave_months=rng.choice([1, 2, 3]))
