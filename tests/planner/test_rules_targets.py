"""Targets and findings that need the whole plan: CLOUD-2, deadlines, PILOT-1, SHARE-4/FUND-1."""

from __future__ import annotations

from planner import rules
from planner.plan_model import FindingSeverity
from tests.planner.conftest import policy_with


def errors(plan, rule):
    return [f for f in plan.findings if f.rule == rule and f.severity is FindingSeverity.ERROR]


def test_cloud_rate_below_target_is_a_cloud_2_error(inv, plan_of):
    for i in range(10):
        inv.system(f"ok{i}")
    plan = plan_of(inv.system("core", mlps_level=4))  # 10 of 11 on the cloud: 90.9 % < 98 %
    assert abs(plan.metrics.cloud_rate - 10 / 11) < 1e-6
    assert errors(plan, rules.CLOUD_2)


def test_cloud_rate_at_target_raises_no_cloud_2_finding(inv, plan_of):
    plan = plan_of(inv.system("a").system("b").system("old", status="maintenance_stopped"))
    assert plan.metrics.cloud_rate == 1.0 and not errors(plan, rules.CLOUD_2)


def test_systems_moving_after_the_deadline_are_reported_per_department(inv, plan_of, policy):
    pol = policy_with(policy, capacity={"systems": 1})
    for i in range(12):
        inv.system(f"s{i:02d}", resources={"vcpu": 16})
    plan = plan_of(inv, pol)
    late = errors(plan, rules.CLOUD_2)
    assert any(f.subject == "fin" and "deadline" in f.message for f in late)


def test_zombie_retired_after_the_clean_up_deadline_is_an_error(inv, plan_of, policy):
    pol = policy_with(policy, deadlines={"zombie_cleanup": "2018-02-28"})  # before the calendar starts
    plan = plan_of(inv.system("old", status="idle"), pol)
    assert errors(plan, rules.ZOMBIE_3)


def test_pilot_wave_holds_only_small_low_level_systems(inv, plan_of, policy):
    plan = plan_of(
        inv.system("tiny", resources={"vcpu": 2}, mlps_level=1).system(
            "big", resources={"vcpu": 64}, mlps_level=3
        )
    )
    assert plan.waves[0].pilot and plan.system("big").wave >= 1
    assert all(plan.system(s).mlps_level <= policy.pilot.max_mlps_level for s in plan.waves[0].systems)


def test_cross_department_exchange_without_the_sharing_platform_is_share_4_and_fund_1(inv, plan_of):
    plan = plan_of(
        inv.system("fin-a", dept="fin", sharing={"connected": False}, depends_on=[{"system": "hr-b"}]).system(
            "hr-b", dept="hr"
        )
    )
    assert [f.subject for f in errors(plan, rules.SHARE_4)] == ["fin-a"]
    assert any(f.rule == rules.FUND_1 and f.subject == "fin-a" for f in plan.findings)


def test_exchange_within_one_department_needs_no_sharing_platform(inv, plan_of):
    plan = plan_of(inv.system("a", sharing={"connected": False}, depends_on=[{"system": "b"}]).system("b"))
    assert not errors(plan, rules.SHARE_4)


def test_resource_not_shared_without_legal_basis_is_a_share_1_warning(inv, plan_of):
    plan = plan_of(
        inv.system(
            "a",
            sharing={
                "connected": True,
                "resources": [
                    {"name": "人口", "type": "none"},
                    {"name": "法人", "type": "conditional", "basic": True},
                ],
            },
        )
    )
    assert any(f.rule == rules.SHARE_1 for f in plan.findings)
    assert any(f.rule == rules.SHARE_2 for f in plan.findings)


def test_every_finding_cites_a_rule_of_the_spec(inv, plan_of):
    plan = plan_of(inv.system("core", mlps_level=4).system("x", usage=None))
    assert all(f.rule in rules.RULES for f in plan.findings)
