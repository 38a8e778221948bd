"""The exact two-wave re-split (repack.py): feasible, never dearer, and finds the trade."""
from __future__ import annotations

import pytest

from planner.scheduling import Job, Retirable, ScheduleProblem
from planner.scheduling.feasibility import violations
from planner.scheduling.generate import WaveCapacity, random_problem
from planner.scheduling.heuristic import schedule_heuristic
from planner.scheduling.prepare import prepare
from planner.scheduling.repack import repack


@pytest.mark.parametrize("seed", range(10))
def test_resplit_keeps_every_rule_and_never_raises_the_cost(seed: int) -> None:
    p = random_problem(500 + seed, n_jobs=30 + 10 * seed, deadlines=seed % 2 == 0, earliest=seed % 3 == 0)
    start = schedule_heuristic(p, effort="quick")
    prep = prepare(p)
    wave = [start.assignment[i] for i in prep.ids]
    before = prep.cost_of(wave)
    repack(prep, wave, 20_000)
    after = prep.to_schedule(wave, "heuristic", [])
    assert after.stranded_cost <= before + 1e-6
    assert violations(p, after, strict_windows=False) == []
    assert len(violations(p, after)) <= len(violations(p, start))  # no deadline newly missed


def test_resplit_delays_a_cheap_room_to_retire_a_dear_one_a_wave_earlier() -> None:
    cap = {"systems": 3, "vcpu": 100, "data_gb": 100, "team_hours": 100}
    load = {"systems": 1, "vcpu": 1, "data_gb": 1, "team_hours": 1}
    jobs = [Job(id=i, load=load) for i in ("d1", "d2", "c1", "c2")]
    p = ScheduleProblem(jobs=tuple(jobs), capacity=WaveCapacity(cap, cap), horizon=5, retirables=(
        Retirable("dear", 1_000, frozenset({"d1", "d2"})), Retirable("cheap", 10, frozenset({"c1", "c2"}))))
    prep = prepare(p)
    at = {"d1": 1, "c1": 1, "c2": 1, "d2": 2}  # the dear room waits for wave 2
    wave = [at[i] for i in prep.ids]
    assert repack(prep, wave, 1_000) == 1
    got = dict(zip(prep.ids, wave, strict=True))
    assert got["d1"] == got["d2"] == 1
    assert prep.cost_of(wave) == pytest.approx(1_000 * 2 + 10 * 3)
