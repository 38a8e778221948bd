"""The exact CP-SAT wave scheduler: feasible, optimal on small cases, and the heuristic near it."""
from __future__ import annotations

import pytest

from planner.scheduling import Job, Retirable, Schedule, ScheduleProblem
from planner.scheduling.bounds import lower_bound
from planner.scheduling.exact import schedule_exact
from planner.scheduling.feasibility import deadline_misses, violations
from planner.scheduling.generate import WaveCapacity, random_problem
from planner.scheduling.heuristic import schedule_heuristic

SEEDS = range(12)


def job(jid: str, systems: float, **kw: object) -> Job:
    return Job(id=jid, load={"systems": systems, "vcpu": 1, "data_gb": 1, "team_hours": 1}, **kw)  # type: ignore[arg-type]


def small(seed: int) -> ScheduleProblem:
    return random_problem(seed, n_jobs=5 + seed % 8, deadlines=seed % 3 == 1, earliest=seed % 3 == 2)


@pytest.fixture(scope="module")
def solved() -> list[tuple[ScheduleProblem, Schedule, Schedule]]:
    """(problem, exact, heuristic) for the small random cases, solved once."""
    out = []
    for seed in SEEDS:
        p = small(seed)
        out.append((p, schedule_exact(p, time_limit_s=5, workers=1), schedule_heuristic(p)))
    return out


def test_exact_schedules_are_feasible_and_proven_optimal(solved) -> None:
    for p, e, _ in solved:
        assert violations(p, e) == []
        assert e.method == "exact"
        assert e.optimal and e.gap == 0.0


def test_exact_is_never_worse_than_the_heuristic(solved) -> None:
    for p, e, h in solved:
        if not deadline_misses(p, h):
            assert e.stranded_cost <= h.stranded_cost + 1e-6
            if e.stranded_cost == pytest.approx(h.stranded_cost):
                assert e.waves <= h.waves


def test_heuristic_is_close_to_the_optimum_on_small_cases(solved) -> None:
    ratios = [h.stranded_cost / e.stranded_cost for p, e, h in solved if not deadline_misses(p, e)]
    assert max(ratios) <= 1.25
    assert sum(ratios) / len(ratios) <= 1.05


def test_exact_finds_the_known_optimum_where_greedy_completion_misleads() -> None:
    # Capacity 10 per wave, from wave 0. Finishing the cheap 8-system room first and starting the
    # dear 12-system room alongside costs 50·1 + 100·2 = 250; the dear room first: 100·2 + 50·2 = 300.
    jobs = ([job(f"d{i}", 1, pilot_eligible=True) for i in range(12)]
            + [job(f"c{i}", 1, pilot_eligible=True) for i in range(8)])
    rooms = [Retirable("dear", 100, frozenset(f"d{i}" for i in range(12))),
             Retirable("cheap", 50, frozenset(f"c{i}" for i in range(8)))]
    cap = {"systems": 10, "vcpu": 100, "data_gb": 100, "team_hours": 100}
    p = ScheduleProblem(jobs=tuple(jobs), retirables=tuple(rooms), capacity=WaveCapacity(cap, cap), horizon=4)
    e = schedule_exact(p, time_limit_s=5, workers=1)
    assert e.optimal
    assert e.stranded_cost == 250
    assert e.waves == 2
    assert schedule_heuristic(p).stranded_cost == 250


def test_exact_meets_deadlines_that_can_be_met() -> None:
    jobs = [job("a", 2), job("b", 2), job("due", 2, latest_wave=1)]
    cap = {"systems": 4, "vcpu": 100, "data_gb": 100, "team_hours": 100}
    p = ScheduleProblem(jobs=tuple(jobs), retirables=(Retirable("r", 100, frozenset({"a", "b"})),),
                        capacity=WaveCapacity(cap, cap), horizon=4)
    e = schedule_exact(p, time_limit_s=5, workers=1)
    assert e.assignment["due"] <= 1
    assert e.stranded_cost == 100 * 3  # a and b cannot both join "due" in wave 1


def test_exact_relaxes_deadlines_that_cannot_be_met_and_says_so() -> None:
    jobs = [job("a", 4, latest_wave=1), job("b", 4, latest_wave=1)]
    cap = {"systems": 4, "vcpu": 100, "data_gb": 100, "team_hours": 100}
    p = ScheduleProblem(jobs=tuple(jobs), retirables=(), capacity=WaveCapacity(cap, cap), horizon=4)
    e = schedule_exact(p, time_limit_s=5, workers=1)
    assert violations(p, e) == []
    assert any("deadlines cannot all be met" in n for n in e.notes)
    assert any("deadline" in n and "missed" in n for n in e.notes)


def test_exact_refuses_a_problem_too_big_unless_forced() -> None:
    p = random_problem(1, n_jobs=2500, waves_target=10)
    with pytest.raises(ValueError, match="too big for exact mode"):
        schedule_exact(p, time_limit_s=1)


def test_exact_gap_is_reported_against_the_lower_bound_when_time_runs_out() -> None:
    p = random_problem(5, n_jobs=60, waves_target=6)
    e = schedule_exact(p, time_limit_s=0.5, workers=1)
    assert violations(p, e) == []
    assert e.gap is not None and 0.0 <= e.gap < 1.0
    if not e.optimal:
        assert e.stranded_cost * (1 - e.gap) <= e.stranded_cost
        assert lower_bound(p).stranded_cost <= e.stranded_cost
