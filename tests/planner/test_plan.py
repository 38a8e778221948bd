"""Whole plans: the sample city and synthetic cities verify clean; plan.json round-trips; exact mode."""

from __future__ import annotations

import pytest

from inventory.models import Inventory
from planner.core import PlanningError, make_plan
from planner.plan_model import SCHEDULED_DISPOSITIONS, load_plan, write_plan
from tests.planner.conftest import pending_policy_fidelity
from verifier import verify_plan


def _sample_or_skip() -> Inventory:
    from inventory.loader import bundled_inventory_path, load_inventory

    if not any(bundled_inventory_path().glob("*.y*ml")):
        pytest.skip("the bundled sample city is not written yet")
    return load_inventory()


UNTIL_POLICY_FIDELITY = pytest.mark.xfail(strict=False, reason="until the policy-fidelity work lands")


def test_bundled_sample_city_plans_with_no_violation_outside_the_pending_checks(policy):
    inventory = _sample_or_skip()
    plan = make_plan(inventory, policy)
    assert pending_policy_fidelity(verify_plan(plan, inventory, policy)) == []
    assert len(plan.systems) == len(inventory.systems)


@UNTIL_POLICY_FIDELITY
def test_bundled_sample_city_plans_with_zero_verifier_violations(policy):
    inventory = _sample_or_skip()
    plan = make_plan(inventory, policy)
    assert verify_plan(plan, inventory, policy) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_cities_plan_with_no_violation_outside_the_pending_checks(policy, seed):
    synth = pytest.importorskip("inventory.synth")
    inventory = synth.synthesize(400, seed)
    plan = make_plan(inventory, policy)
    assert pending_policy_fidelity(verify_plan(plan, inventory, policy)) == []
    assert plan.metrics.stranded_cost >= plan.metrics.stranded_cost_lower_bound


@UNTIL_POLICY_FIDELITY
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_cities_plan_with_zero_verifier_violations(policy, seed):
    synth = pytest.importorskip("inventory.synth")
    inventory = synth.synthesize(400, seed)
    assert verify_plan(make_plan(inventory, policy), inventory, policy) == []


def test_plan_lists_every_system_room_and_network_once(inv, plan_of):
    plan = plan_of(
        inv.room("r1", "fin")
        .net("n1", "internet_line", "fin")
        .system("a", room="r1", networks=["n1"])
        .system("b", classified=True)
    )
    assert [s.id for s in plan.systems] == ["a", "b"]
    assert [r.id for r in plan.rooms] == ["r1"] and [n.id for n in plan.networks] == ["n1"]


def test_waves_follow_the_calendar_and_sum_their_systems(inv, plan_of, policy):
    for i in range(8):
        inv.system(f"s{i}", resources={"vcpu": 2 + i})
    plan = plan_of(inv)
    for w in plan.waves:
        assert w.start == policy.wave_start(w.number)
        moving = [s for s in plan.systems if s.wave == w.number]
        assert w.load.systems == len(moving) and w.load.vcpu == sum(s.sizing.vcpu for s in moving)
    assert all(s.wave is not None for s in plan.systems if s.disposition in SCHEDULED_DISPOSITIONS)


def test_plan_json_round_trips_through_write_and_load(inv, plan_of, tmp_path):
    plan = plan_of(inv.system("a").system("b", depends_on=[{"system": "a"}]))
    write_plan(plan, tmp_path / "plan.json")
    again = load_plan(tmp_path / "plan.json")
    assert again.model_dump(mode="json") == plan.model_dump(mode="json")


def test_progress_is_reported_per_stage(inv, policy):
    seen: list[tuple[str, float]] = []
    make_plan(inv.system("a").build(), policy, progress=lambda stage, f: seen.append((stage, f)))
    stages = [s for s, _ in seen]
    for stage in ("classify", "group", "rooms", "schedule", "bounds", "plan"):
        assert (stage, 1.0) in seen, stage
    assert stages.index("classify") < stages.index("schedule") < stages.index("plan")


def test_same_inventory_and_policy_give_the_same_plan(inv, policy):
    inventory = inv.system("a").system("b", function="a").system("c", unit="科").build()
    one, two = make_plan(inventory, policy), make_plan(inventory, policy)
    assert one.model_dump_json() == two.model_dump_json()


def test_exact_mode_agrees_with_the_heuristic_within_the_reported_gap(inv, plan_of, policy):
    from tests.planner.conftest import policy_with

    pol = policy_with(policy, capacity={"systems": 2})
    for i in range(6):
        inv.room(f"r{i}", "fin", cost=1000 * (i + 1)).system(f"s{i}", room=f"r{i}")
    inventory = inv.build()
    heuristic = plan_of(inventory, pol)
    exact = plan_of(inventory, pol, exact=True, time_limit_s=20)
    assert exact.metrics.method == "exact"
    # The exact schedule is never worse than the heuristic, and no schedule beats the lower bound.
    assert exact.metrics.stranded_cost <= heuristic.metrics.stranded_cost * (1 + 1e-9)
    assert exact.metrics.stranded_cost >= heuristic.metrics.stranded_cost_lower_bound - 1e-6
    if exact.metrics.optimal:
        assert (exact.metrics.gap or 0.0) <= 1e-6


def test_exact_mode_refuses_a_problem_too_large_for_it(inv, policy):
    from tests.planner.conftest import policy_with

    pol = policy_with(policy, calendar={"horizon_waves": 5000})  # jobs × waves beyond the exact model
    for i in range(20):
        inv.system(f"s{i}")
    with pytest.raises(PlanningError, match="--exact"):
        make_plan(inv.build(), pol, exact=True)


@pytest.fixture(scope="module")
def sample_plan(policy):
    inventory = _sample_or_skip()
    return make_plan(inventory, policy)


@pytest.mark.parametrize(
    ("system", "disposition", "into"),
    [
        ("nr-survey-unit", "retire", None),  # unit-named zombie: ZOMBIE before BIGSYS-1
        ("market-food-trace-2", "merge", "market-food-trace"),
        ("fin-treasury-monitor", "merge", "fin-budget"),
        ("emergency-videoconf", "merge", "city-video"),
        ("secrecy-docs", "intranet", None),
        ("tax-golden-tax-invoice", "programme", None),
        ("police-lan-door", "keep_local", None),
        ("police-bigdata", "blocked", None),
    ],
)
def test_sample_city_deliberate_cases_get_their_documented_disposition(
    sample_plan, system, disposition, into
):
    s = sample_plan.system(system)
    assert (s.disposition.value, s.into) == (disposition, into)


def test_sample_city_public_facing_system_on_a_private_network_is_public_service(sample_plan):
    assert sample_plan.system("hrss-rights-query").domain.value == "public_service"


def test_sample_city_cycle_across_two_departments_is_one_group(sample_plan):
    a, b = sample_plan.system("medins-settle-hub"), sample_plan.system("health-his-gateway")
    assert a.group is not None and a.group == b.group and a.wave == b.wave


def test_sample_city_meets_the_cloud_rate_with_the_default_policy(sample_plan, policy):
    assert sample_plan.metrics.cloud_rate >= policy.cloud_rate_target
