"""make_plan's `method`: the heuristic, the naive baseline and CP-SAT through the whole planner."""

from __future__ import annotations

import pytest

from planner.core import make_plan
from planner.plan_model import Plan
from planner.policy import Policy
from tests.planner.conftest import InventoryBuilder, PlanFn, policy_with


def _cheap_rooms_and_one_dear(inv: InventoryBuilder) -> InventoryBuilder:
    """Four systems in a cheap room, one in a dear room, two systems a wave: order decides the cost."""
    inv.room("r-cheap", "fin", cost=100).room("r-dear", "edu", cost=10_000)
    for i in range(4):
        inv.system(f"a{i}", "fin", room="r-cheap", mlps_level=3)  # MLPS 3: not pilot material
    return inv.system("z", "edu", room="r-dear", mlps_level=3)


def method_of(plan: Plan) -> object:
    """The scheduler a plan reports (an extra field of its metrics)."""
    return (plan.metrics.model_extra or {}).get("method")


@pytest.fixture
def two_a_wave(policy: Policy) -> Policy:
    return policy_with(policy, capacity={"systems": 2})


def test_naive_method_plans_in_layers_and_strands_more_than_the_heuristic(
    inv: InventoryBuilder, plan_of: PlanFn, two_a_wave: Policy
) -> None:
    inventory = _cheap_rooms_and_one_dear(inv).build()
    naive = plan_of(inventory, two_a_wave, method="naive")
    ours = plan_of(inventory, two_a_wave, method="heuristic")
    assert method_of(naive) == "naive" and method_of(ours) == "heuristic"
    # The heuristic empties the dear room first; naive layering ignores what rooms cost.
    dear = {r.id: r.wave for r in ours.rooms}["r-dear"]
    assert dear == min(w.number for w in ours.waves if w.systems)
    assert ours.metrics.stranded_cost < naive.metrics.stranded_cost


def test_exact_method_is_never_worse_than_the_heuristic(
    inv: InventoryBuilder, plan_of: PlanFn, two_a_wave: Policy
) -> None:
    inventory = _cheap_rooms_and_one_dear(inv).build()
    exact = plan_of(inventory, two_a_wave, method="exact", time_limit_s=20)
    ours = plan_of(inventory, two_a_wave)
    assert method_of(exact) == "exact"
    assert exact.metrics.stranded_cost <= ours.metrics.stranded_cost * (1 + 1e-9)


def test_exact_flag_is_an_alias_of_the_exact_method(
    inv: InventoryBuilder, plan_of: PlanFn, two_a_wave: Policy
) -> None:
    inventory = _cheap_rooms_and_one_dear(inv).build()
    by_flag = plan_of(inventory, two_a_wave, exact=True, time_limit_s=20)
    by_method = plan_of(inventory, two_a_wave, method="exact", time_limit_s=20)
    assert method_of(by_flag) == method_of(by_method) == "exact"
    assert by_flag.metrics.stranded_cost == by_method.metrics.stranded_cost


def test_default_method_is_the_heuristic(inv: InventoryBuilder, policy: Policy) -> None:
    assert method_of(make_plan(inv.system("a").build(), policy)) == "heuristic"


def test_unknown_method_is_refused_by_name(inv: InventoryBuilder, policy: Policy) -> None:
    with pytest.raises(ValueError, match="'greedy'.*heuristic, naive, exact"):
        make_plan(inv.system("a").build(), policy, method="greedy")


def test_exact_flag_contradicting_another_method_is_refused(inv: InventoryBuilder, policy: Policy) -> None:
    with pytest.raises(ValueError, match="contradicts"):
        make_plan(inv.system("a").build(), policy, exact=True, method="naive")
