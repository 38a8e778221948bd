"""Precedence among rules and the grouping of co-migrating systems."""

from __future__ import annotations

from planner import rules
from planner.plan_model import Disposition
from planner.ruleset import BUILTIN


def test_unit_named_zombie_is_retired_not_merged(inv, plan_of):
    plan = plan_of(inv.system("main").system("kq", unit="国库科", status="maintenance_stopped"))
    s = plan.system("kq")
    assert s.disposition is Disposition.RETIRE and rules.ZOMBIE_4 in s.rules and rules.BIGSYS_1 not in s.rules


def test_classified_zombie_stays_on_the_intranet(inv, plan_of):
    s = plan_of(inv.system("sec", classified=True, status="maintenance_stopped")).system("sec")
    assert s.disposition is Disposition.INTRANET and s.rules == [rules.SCOPE_2]


def test_programme_system_that_looks_dead_is_still_left_to_its_programme(inv, plan_of):
    s = plan_of(inv.system("tax", programme="金税", utilisation=0.0)).system("tax")
    assert s.disposition is Disposition.PROGRAMME


def test_zombie_website_is_retired_rather_than_merged_into_the_portal(inv, plan_of):
    s = plan_of(inv.system("web", category="website", usage={"business_linked": False})).system("web")
    assert s.disposition is Disposition.RETIRE


def test_unit_named_shadow_loser_merges_into_the_survivor_chain_end(inv, plan_of):
    plan = plan_of(
        inv.system("main", usage={"monthly_active_users": 900})
        .system("u1", unit="预算科", function="budget", usage={"monthly_active_users": 80})
        .system("u2", unit="预算科", function="budget", usage={"monthly_active_users": 20})
    )
    # u2 is u1's shadow; u1 is unit-named and joins main: u2's final target is main.
    assert plan.system("u2").into == "main" and rules.SHADOW_1 in plan.system("u2").rules
    assert plan.system("u1").into == "main" and rules.BIGSYS_1 in plan.system("u1").rules


def test_merge_into_a_blocked_target_is_blocked_with_it(inv, plan_of):
    plan = plan_of(inv.system("main", mlps_level=4).system("kq", unit="国库科"))
    assert plan.system("kq").disposition is Disposition.BLOCKED
    assert any(f.subject == "kq" for f in plan.findings)


def test_the_registry_starts_with_scope_2_ends_with_the_catch_all_and_gives_every_disposition():
    assert BUILTIN[0].id == rules.SCOPE_2 and BUILTIN[-1].disposition is Disposition.MIGRATE
    assert {cls.disposition for cls in BUILTIN} == set(Disposition)


def test_dependency_cycle_spanning_two_departments_moves_as_one_group(inv, plan_of):
    plan = plan_of(
        inv.system("fin-a", dept="fin", depends_on=[{"system": "edu-b"}])
        .system("edu-b", dept="edu", depends_on=[{"system": "fin-a"}])
        .system("other", dept="edu")
    )
    a, b = plan.system("fin-a"), plan.system("edu-b")
    assert a.group is not None and a.group == b.group and a.wave == b.wave
    group = next(g for g in plan.groups if g.id == a.group)
    assert "cycle" in group.reason and "fin" in group.reason and "edu" in group.reason
    assert plan.system("other").group is None


def test_declared_affinity_moves_systems_together(inv, plan_of):
    plan = plan_of(inv.system("x", affinity="pay").system("y", affinity="pay"))
    assert plan.system("x").group == plan.system("y").group is not None
    assert "affinity" in plan.groups[0].reason


def test_merged_system_never_moves_before_its_target(inv, plan_of, policy):
    from tests.planner.conftest import policy_with

    pol = policy_with(policy, capacity={"systems": 1})
    plan = plan_of(
        inv.system("b", function="f", usage={"monthly_active_users": 500}).system(
            "a", function="f", usage={"monthly_active_users": 5}
        ),
        pol,
    )
    assert plan.system("a").into == "b" and plan.system("a").wave >= plan.system("b").wave


def test_system_never_moves_before_what_it_depends_on(inv, plan_of, policy):
    from tests.planner.conftest import policy_with

    pol = policy_with(policy, capacity={"systems": 1})
    plan = plan_of(inv.system("app", depends_on=[{"system": "db"}]).system("db").system("zz"), pol)
    assert plan.system("app").wave >= plan.system("db").wave
