"""Large-neighbourhood search: re-solve a few waves at a time exactly with CP-SAT.

List scheduling commits each room's jobs greedily; on inventory-shaped problems (deadline jobs
shared by many rooms and lines, two binding capacity dimensions) the exact repacking of a few
waves at a time recovers most of what that greed loses. Each neighbourhood is a set S of 2-4
waves (sliding windows first, then seeded random sets, which trade work between distant
waves). Jobs now in S may move to any wave of S that their window, deadline and the jobs outside
S allow (a wave holding more than ``max_free`` jobs frees those of a random subset of its rooms and
lines, with some cost-free jobs); the shared model (:mod:`.model`) minimises the stranded cost of
the rooms and lines those jobs belong to, everything else held where it is. The current
assignment is feasible in the sub-model, so the cost never rises; a solution is kept only if it
is strictly cheaper and fits the float capacities.

Deterministic: one worker, a fixed seed and deterministic time limits; the wall-clock cap is the
only exception (``wall_s``; only a slow or overloaded machine reaches it).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from planner.scheduling.model import WaveModel, fits_capacity, scales
from planner.scheduling.prepare import Prepared
from planner.scheduling.problem import DIMENSIONS

SEED = 2018
WINDOW_DET = 0.05  # deterministic time per neighbourhood at most (many small ones beat few big)
MAX_FREE = 160  # jobs freed per neighbourhood at most
# Wall-clock safety cap, seconds per unit of deterministic time: about 3 on an idle machine here,
# so only a machine many times slower (or overloaded) reaches it and loses reproducibility.
WALL_CAP_PER_DET = 100.0


class _State:
    """The current assignment with its per-wave members and load, kept up to date."""

    def __init__(self, prep: Prepared, wave: list[int]) -> None:
        nd = len(DIMENSIONS)
        self.prep, self.wave = prep, wave
        self.members: dict[int, list[int]] = {}
        self.used: dict[int, list[float]] = {}
        for j in range(prep.n):
            self.members.setdefault(wave[j], []).append(j)
            u = self.used.setdefault(wave[j], [0.0] * nd)
            for d, x in enumerate(prep.load[j]):
                u[d] += x

    def move_all(self, new: dict[int, int], hood: Sequence[int]) -> None:
        prep, wave = self.prep, self.wave
        for j, w in new.items():
            old = wave[j]
            if old == w:
                continue
            uo, un = self.used[old], self.used.setdefault(w, [0.0] * len(DIMENSIONS))
            for d, x in enumerate(prep.load[j]):
                uo[d] -= x
                un[d] += x
            wave[j] = w
        everyone = [j for w in hood for j in self.members.get(w, ())]
        for w in hood:
            self.members[w] = [j for j in everyone if wave[j] == w]


def search(prep: Prepared, wave: list[int], det_budget: float, *, seed: int = SEED,
           wall_s: float | None = None, max_free: int | None = None,
           progress: Callable[[float], None] | None = None) -> int:
    """Improve ``wave`` in place within ``det_budget`` units of CP-SAT time; returns the improvements."""
    if prep.n == 0 or det_budget <= 0:
        return 0
    rng = random.Random(seed)
    max_free = MAX_FREE if max_free is None else max_free
    job_rets = [[r for r in rs if prep.ret_cost[r] > 0] for rs in prep.job_rets]
    state = _State(prep, wave)
    load_scale, cost_scale = scales(prep, max(wave) + 1)
    spent = 0.0
    stop = time.monotonic() + (wall_s if wall_s is not None else WALL_CAP_PER_DET * det_budget + 5.0)
    improvements = 0
    while spent < det_budget and time.monotonic() < stop:
        top = max(wave) + 1
        hoods = [tuple(range(a, min(top, a + k))) for k in (3, 2, 4) for a in range(max(1, top - k + 1))]
        hoods += [tuple(sorted(rng.sample(range(top), min(rng.choice((2, 3, 3, 4)), top))))
                  for _ in range(len(hoods))]
        gained = False
        for hood in hoods:
            if spent >= det_budget or time.monotonic() >= stop:
                break
            free = _free_jobs(prep, state, hood, job_rets, rng, max_free)
            ok, used = _resolve(prep, state, hood, free, load_scale, cost_scale, seed,
                                min(WINDOW_DET, det_budget - spent))
            spent += used
            if progress:
                progress(min(1.0, spent / det_budget))
            if ok:
                gained = True
                improvements += 1
        if not gained:
            break
    return improvements


def _free_jobs(prep: Prepared, state: _State, hood: Sequence[int], job_rets: list[list[int]],
               rng: random.Random, max_free: int) -> list[int]:
    """The jobs of the waves of ``hood`` the search may move (a random subset if too many)."""
    movable = [j for w in hood for j in state.members.get(w, ()) if prep.fixed[j] is None]
    if len(movable) <= max_free:
        return movable
    # Too many jobs for a quick exact solve: free the jobs of a random subset of the rooms and
    # lines involved (with the cost-free jobs sharing their waves), keep the rest in place.
    by_ret: dict[int, list[int]] = {}
    for j in movable:
        for r in job_rets[j]:
            by_ret.setdefault(r, []).append(j)
    rets = sorted(by_ret)
    rng.shuffle(rets)
    chosen: set[int] = set()
    for r in rets:
        if len(chosen) >= max_free * 3 // 4:
            break
        chosen.update(by_ret[r])
    cost_free = [j for j in movable if not job_rets[j]]
    rng.shuffle(cost_free)
    chosen.update(cost_free[: max(0, max_free - len(chosen))])
    return sorted(chosen)


def _resolve(prep: Prepared, state: _State, hood: Sequence[int], free: list[int], load_scale: int,
             cost_scale: int, seed: int, det: float) -> tuple[bool, float]:
    """Re-solve ``free`` over ``hood``; (improved, deterministic time used)."""
    if len(free) < 2 or det <= 0:
        return False, 0.0
    wave = state.wave
    model = WaveModel(prep, hood, free, wave, deadlines=False, load_scale=load_scale,
                      cost_scale=cost_scale, used=state.used)
    if not model.feasible or not model.has_objective:
        return False, 0.0
    status, solver = model.solve(workers=1, seed=seed, deterministic_time=det)
    used = float(solver.response_proto.deterministic_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, used
    new = model.assignment(solver)
    if all(new[j] == wave[j] for j in free):
        return False, used
    rets = sorted(model.t)
    before = _rets_cost(prep, wave, rets)
    old = {j: wave[j] for j in free}
    for j, w in new.items():
        wave[j] = w
    in_hood = [j for w in hood for j in state.members.get(w, ())]
    if not fits_capacity(prep, wave, hood, in_hood) or _rets_cost(prep, wave, rets) >= before - 1e-6:
        for j, w in old.items():
            wave[j] = w
        return False, used
    for j, w in old.items():  # back to the old waves, then moved with the bookkeeping
        wave[j] = w
    state.move_all(new, hood)
    return True, used


def _rets_cost(prep: Prepared, wave: Sequence[int], rets: Sequence[int]) -> float:
    """Stranded cost of the given rooms and lines only."""
    return sum(prep.ret_cost[r] * (max(wave[j] for j in prep.ret_jobs[r]) + 1) for r in rets)
