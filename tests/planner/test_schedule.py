"""The wave-scheduling heuristic and the naive baseline on hand-made and random problems."""
from __future__ import annotations

from dataclasses import replace

import pytest

from planner.scheduling import Job, Retirable, ScheduleProblem
from planner.scheduling.effort import QUICK
from planner.scheduling.feasibility import deadline_misses, violations
from planner.scheduling.generate import WaveCapacity, random_problem
from planner.scheduling.heuristic import schedule_heuristic
from planner.scheduling.naive import schedule_naive

REGULAR: dict[str, float] = {"systems": 4, "vcpu": 100, "data_gb": 1000, "team_hours": 100}
PILOT: dict[str, float] = {"systems": 1, "vcpu": 100, "data_gb": 1000, "team_hours": 100}


def job(jid: str, systems: float = 1, **kw: object) -> Job:
    return Job(id=jid, load={"systems": systems, "vcpu": 1, "data_gb": 1, "team_hours": 1}, **kw)  # type: ignore[arg-type]


def problem(jobs: list[Job], retirables: tuple[Retirable, ...] | list[Retirable] = (), horizon: int = 10,
            regular: dict[str, float] = REGULAR, pilot: dict[str, float] = PILOT) -> ScheduleProblem:
    return ScheduleProblem(jobs=tuple(jobs), retirables=tuple(retirables),
                           capacity=WaveCapacity(pilot, regular), horizon=horizon)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("flags", [{}, {"deadlines": True}, {"earliest": True}, {"integer": False}])
def test_heuristic_schedules_random_problems_feasibly(seed: int, flags: dict[str, bool]) -> None:
    p = random_problem(seed, n_jobs=5 + seed * 2, **flags)
    s = schedule_heuristic(p)
    assert violations(p, s) == []
    assert s.method == "heuristic"
    assert not s.unscheduled


@pytest.mark.parametrize("seed", range(12))
def test_fixed_waves_are_honoured_or_explained(seed: int) -> None:
    p = random_problem(seed, n_jobs=8 + seed, fixed=True)
    s = schedule_heuristic(p)
    assert violations(p, s, strict_windows=False) == []
    for j in p.jobs:
        if j.fixed_wave is not None and s.assignment[j.id] != j.fixed_wave:
            assert any(j.id in note and "fixed wave" in note for note in s.notes)


@pytest.mark.parametrize("seed", range(40))
def test_naive_schedules_random_problems_feasibly(seed: int) -> None:
    p = random_problem(seed, n_jobs=5 + seed % 30, earliest=seed % 2 == 0)
    s = schedule_naive(p)
    assert violations(p, s) == []
    assert s.method == "naive"


@pytest.mark.parametrize("seed", range(20))
def test_heuristic_strands_no_more_than_naive(seed: int) -> None:
    p = random_problem(seed, n_jobs=5 + seed * 2)
    assert schedule_heuristic(p).stranded_cost <= schedule_naive(p).stranded_cost + 1e-6


def test_heuristic_is_far_better_than_naive_on_a_larger_city() -> None:
    p = random_problem(3, n_jobs=1500, n_rooms=75, n_lines=300, waves_target=12, edge_prob=0.1)
    h, n = schedule_heuristic(p), schedule_naive(p)
    assert violations(p, h) == []
    assert h.stranded_cost <= 0.7 * n.stranded_cost


def test_expensive_room_is_emptied_first() -> None:
    # Capacity takes one room's systems per wave: the dear room must go first.
    jobs = [job(f"a{i}") for i in range(4)] + [job(f"b{i}") for i in range(4)]
    rooms = [Retirable("cheap", 1_000, frozenset(f"a{i}" for i in range(4))),
             Retirable("dear", 50_000, frozenset(f"b{i}" for i in range(4)))]
    s = schedule_heuristic(problem(jobs, rooms))
    assert max(s.assignment[f"b{i}"] for i in range(4)) == 1
    assert max(s.assignment[f"a{i}"] for i in range(4)) == 2
    assert s.stranded_cost == 50_000 * 2 + 1_000 * 3


def test_predecessor_moves_with_or_before_its_dependant() -> None:
    jobs = [job("db"), job("app", predecessors=frozenset({"db"}), pilot_eligible=True)]
    s = schedule_heuristic(problem(jobs, [Retirable("room", 10_000, frozenset({"app"}))]))
    assert s.assignment["db"] <= s.assignment["app"]
    assert s.assignment["db"] >= 1  # not pilot-eligible, so the app cannot go to the pilot either


def test_pilot_wave_takes_only_eligible_jobs() -> None:
    jobs = [job("small", pilot_eligible=True), job("big1"), job("big2")]
    s = schedule_heuristic(problem(jobs, [Retirable("r", 5_000, frozenset({"small", "big1", "big2"}))]))
    assert s.assignment == {"small": 0, "big1": 1, "big2": 1}


def test_earliest_wave_is_respected_even_when_it_costs() -> None:
    jobs = [job("late", earliest_wave=3), job("other")]
    s = schedule_heuristic(problem(jobs, [Retirable("r", 5_000, frozenset({"late", "other"}))]))
    assert s.assignment["late"] == 3
    assert s.stranded_cost == 5_000 * 4


def test_deadline_is_met_even_for_a_cost_free_job() -> None:
    # 8 costly jobs would fill waves 1-2; the deadline job must still get into wave 1.
    jobs = [job(f"c{i}") for i in range(8)] + [job("due", latest_wave=1)]
    s = schedule_heuristic(problem(jobs, [Retirable("r", 9_000, frozenset(f"c{i}" for i in range(8)))]))
    assert s.assignment["due"] <= 1
    assert deadline_misses(problem(jobs), s) == []


def test_deadline_that_cannot_be_met_is_scheduled_later_and_noted() -> None:
    jobs = [job("a", systems=4, latest_wave=1), job("b", systems=4, latest_wave=1)]
    s = schedule_heuristic(problem(jobs))
    assert sorted(s.assignment.values()) == [1, 2]
    late = next(j for j, w in s.assignment.items() if w == 2)
    assert any(late in n and "deadline" in n for n in s.notes)


def test_fixed_wave_places_the_job_there() -> None:
    jobs = [job("x", fixed_wave=4), job("y")]
    s = schedule_heuristic(problem(jobs, [Retirable("r", 1_000, frozenset({"y"}))]))
    assert s.assignment["x"] == 4
    assert s.assignment["y"] == 1


def test_job_bigger_than_any_wave_is_unscheduled_with_a_note() -> None:
    jobs = [job("huge", systems=50), job("ok")]
    rooms = [Retirable("r", 1_000, frozenset({"huge", "ok"}))]
    for s in (schedule_heuristic(problem(jobs, rooms)), schedule_naive(problem(jobs, rooms))):
        assert s.unscheduled == ["huge"]
        assert "huge" not in s.assignment
        assert any("huge" in n and "capacity" in n for n in s.notes)


def test_horizon_is_extended_when_capacity_needs_more_waves_and_noted() -> None:
    jobs = [job(f"j{i}", systems=4) for i in range(5)]
    s = schedule_heuristic(problem(jobs, horizon=3))
    assert s.waves == 6
    assert any("horizon extended" in n for n in s.notes)


def test_precedence_cycle_is_refused_with_a_clear_error() -> None:
    jobs = [job("a", predecessors=frozenset({"b"})), job("b", predecessors=frozenset({"a"}))]
    with pytest.raises(ValueError, match="cycle.*a, b"):
        schedule_heuristic(problem(jobs))


def test_unknown_predecessor_is_ignored_with_a_note() -> None:
    s = schedule_heuristic(problem([job("a", predecessors=frozenset({"ghost"}))]))
    assert s.assignment == {"a": 1}
    assert any("unknown" in n for n in s.notes)


def test_room_without_jobs_costs_one_wave() -> None:
    s = schedule_heuristic(problem([job("a")], [Retirable("empty", 2_000, frozenset())]))
    assert s.stranded_cost == 2_000


def test_empty_problem_gives_empty_schedule() -> None:
    s = schedule_heuristic(problem([]))
    assert (s.assignment, s.waves, s.stranded_cost) == ({}, 0, 0.0)


def test_heuristic_is_deterministic() -> None:
    p = random_problem(11, n_jobs=30, deadlines=True)
    assert schedule_heuristic(p).assignment == schedule_heuristic(p).assignment


def test_progress_reports_fractions_up_to_one() -> None:
    seen: list[float] = []
    schedule_heuristic(random_problem(2, n_jobs=30), progress=lambda stage, f: seen.append(f))
    assert seen and all(0.0 <= f <= 1.0 for f in seen) and seen[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(4))
def test_large_neighbourhood_search_lowers_cost_and_keeps_schedules_feasible(seed: int) -> None:
    p = random_problem(seed, n_jobs=80, deadlines=True, waves_target=6)
    greedy = schedule_heuristic(p, lns_budget=0)
    searched = schedule_heuristic(p, lns_budget=0.3)
    assert violations(p, searched) == []
    assert len(deadline_misses(p, searched)) <= len(deadline_misses(p, greedy))
    assert searched.stranded_cost < greedy.stranded_cost
    assert searched.waves <= greedy.waves
    assert any("large-neighbourhood" in n for n in searched.notes)


def test_large_neighbourhood_search_is_deterministic() -> None:
    p = random_problem(5, n_jobs=80, deadlines=True, waves_target=6, integer=False)
    first, second = schedule_heuristic(p, lns_budget=0.3), schedule_heuristic(p, lns_budget=0.3)
    assert first.assignment == second.assignment
    assert violations(p, first) == []


def test_large_neighbourhood_search_leaves_fixed_waves_alone() -> None:
    p = random_problem(4, n_jobs=60, fixed=True, waves_target=6)
    greedy, searched = schedule_heuristic(p, lns_budget=0), schedule_heuristic(p, lns_budget=0.3)
    for j in p.jobs:
        if j.fixed_wave is not None:
            assert searched.assignment[j.id] == greedy.assignment[j.id]
    assert violations(p, searched, strict_windows=False) == []
    assert searched.stranded_cost <= greedy.stranded_cost + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_deep_improvement_for_big_problems_keeps_schedules_feasible_and_never_costs_more(seed: int) -> None:
    p = random_problem(seed, n_jobs=120, deadlines=seed % 2 == 0, waves_target=8)
    plain = schedule_heuristic(p, effort=replace(QUICK, variants=4))
    deep = schedule_heuristic(p, effort=replace(QUICK, variants=4, deep_above=0))  # as if it were big
    assert violations(p, deep) == []
    assert len(deadline_misses(p, deep)) <= len(deadline_misses(p, plain))
    assert deep.stranded_cost <= plain.stranded_cost + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_annealing_keeps_schedules_feasible_and_never_costs_more(seed: int) -> None:
    p = random_problem(seed, n_jobs=80, deadlines=seed % 2 == 0, fixed=seed == 3, waves_target=6)
    plain = schedule_heuristic(p, effort=replace(QUICK, variants=4))
    annealed = schedule_heuristic(p, effort=replace(QUICK, variants=4, anneal_per_job=200, anneal_max=20_000))
    assert violations(p, annealed, strict_windows=seed != 3) == []
    assert len(deadline_misses(p, annealed)) <= len(deadline_misses(p, plain))
    assert annealed.stranded_cost <= plain.stranded_cost + 1e-6
    for j in p.jobs:
        if j.fixed_wave is not None:
            assert annealed.assignment[j.id] == plain.assignment[j.id]


def test_annealing_is_deterministic() -> None:
    p = random_problem(7, n_jobs=60, deadlines=True, integer=False)
    effort = replace(QUICK, anneal_per_job=200, anneal_max=20_000)
    assert schedule_heuristic(p, effort=effort).assignment == schedule_heuristic(p, effort=effort).assignment


@pytest.mark.parametrize("seed", range(6))
def test_list_scheduling_by_the_bounds_prices_gives_a_feasible_schedule_above_the_bound(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.scheduling import heuristic
    from planner.scheduling.bounds import lower_bound, meets_deadlines

    monkeypatch.setattr(heuristic, "DUAL_ABOVE", 10)  # the priority rule of big problems, on small ones
    p = random_problem(700 + seed, n_jobs=60 + 20 * seed, deadlines=seed % 2 == 0)
    s = schedule_heuristic(p, effort="normal", lns_budget=0)
    assert violations(p, s, strict_windows=False) == []
    bound = lower_bound(p, lp=False, deadlines=meets_deadlines(p, s))
    assert bound.stranded_cost <= s.stranded_cost + 1e-6
