"""Dependencies across clean-up: carried over to the replacement or merge target, or reported lost."""

from __future__ import annotations

from planner import rules
from planner.plan_model import Disposition, FindingSeverity
from tests.planner.conftest import policy_with

ZOMBIE = {"usage": {"business_linked": False}}


def link_to(plan, source, target):
    return next(link for link in plan.system(source).links if link.system == target)


def test_dependency_on_a_retired_system_moves_to_its_replacement_and_waits_for_it(inv, plan_of, policy):
    pol = policy_with(policy, capacity={"systems": 1})
    inv.system("new", resources={"vcpu": 16})
    inv.system("old", replaced_by="new")
    inv.system("user", depends_on=[{"system": "old", "kind": "api"}])
    plan = plan_of(inv, pol)
    assert plan.system("old").disposition is Disposition.RETIRE
    link = link_to(plan, "user", "new")
    assert (link.via, link.rule) == ("old", rules.ZOMBIE_2)
    assert not any(link.system == "old" for link in plan.system("user").links)
    assert plan.system("user").wave >= plan.system("new").wave


def test_dependency_on_a_merged_system_moves_to_its_merge_target(inv, plan_of):
    inv.dept("fin", units=["预算科"])
    inv.system("main").system("unit-sys", unit="预算科")
    plan = plan_of(inv.system("user", "edu", depends_on=[{"system": "unit-sys"}]))
    assert plan.system("unit-sys").into == "main"
    link = link_to(plan, "user", "main")
    assert (link.via, link.rule) == ("unit-sys", rules.BIGSYS_1)
    assert plan.system("user").wave >= plan.system("main").wave


def test_direct_dependency_cites_dep_1(inv, plan_of):
    plan = plan_of(inv.system("db").system("app", depends_on=[{"system": "db"}]))
    link = link_to(plan, "app", "db")
    assert (link.via, link.rule) == (None, rules.DEP_1)


def test_dependency_on_a_retired_system_with_no_replacement_is_an_error_naming_both(inv, plan_of):
    plan = plan_of(inv.system("gone", **ZOMBIE).system("user", depends_on=[{"system": "gone"}]))
    assert plan.system("gone").disposition is Disposition.RETIRE
    assert plan.system("user").links == []
    [f] = [f for f in plan.findings if f.rule == rules.DEP_1]
    assert f.severity is FindingSeverity.ERROR and f.subject == "user" and "gone" in f.message
