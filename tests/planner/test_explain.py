"""explain: the chain of rules and facts behind one system."""

from __future__ import annotations

import pytest

from planner import rules
from planner.explain import UnknownSystem, explain


def test_unit_named_zombie_explains_why_earlier_rules_did_not_apply(inv, policy):
    inventory = inv.system("main").system("kq", unit="国库科", status="maintenance_stopped").build()
    ex = explain(inventory, policy, "kq")
    verdicts = [(st.rule, st.verdict) for st in ex.disposition_steps]
    assert verdicts[:2] == [(rules.SCOPE_2, "does not apply"), (rules.SCOPE_3, "does not apply")]
    zombies = {st.rule: st for st in ex.disposition_steps if st.rule in rules.ZOMBIE_RULES}
    assert zombies[rules.ZOMBIE_4].verdict == "decides"
    assert "maintenance stopped" in str(zombies[rules.ZOMBIE_4].facts[0])
    assert zombies[rules.ZOMBIE_1].verdict == "does not apply"
    assert ex.disposition_steps[-1].rule == rules.ZOMBIE_5  # nothing after the deciding tier is checked
    assert ex.disposition == "retire" and ex.wave is not None


def test_migrating_system_explains_domain_dependencies_and_deadline(inv, policy):
    inventory = (
        inv.net("n-inet", "internet_line", "fin")
        .system("db")
        .system("web", networks=["n-inet"], depends_on=[{"system": "db"}])
        .build()
    )
    ex = explain(inventory, policy, "web")
    assert ex.domain == "public_service"
    assert any("n-inet" in str(f) for st in ex.placement_steps for f in st.facts)
    facts = [str(f) for st in ex.wave_steps for f in st.facts]
    assert any("waits for db" in f for f in facts) and any("2018-12-31" in f for f in facts)
    text = "\n".join(ex.lines("en"))
    assert "DOMAIN-1" in text and "web" in text


def test_blocked_system_explanation_carries_its_finding(inv, policy):
    ex = explain(inv.system("core", mlps_level=4).build(), policy, "core")
    assert ex.disposition == "blocked" and ex.findings
    assert any(st.verdict == "blocks" for st in ex.placement_steps)


def test_unknown_system_is_refused(inv, policy):
    with pytest.raises(UnknownSystem):
        explain(inv.system("a").build(), policy, "nope")


def _every_explanation(inventory, policy, plan, context=None):
    return {
        s.id: explain(inventory, policy, s.id, plan=plan, context=context).lines() for s in inventory.systems
    }


def test_a_plan_read_from_its_file_is_explained_as_the_plan_made_now(inv, policy, tmp_path):
    from planner.core import plan_with_context
    from planner.plan_model import load_plan, write_plan
    from tests.planner.conftest import policy_with

    # a dependency, a zombie, and a system too large for any wave (blocked after
    # classification, CAP-1) with a dependant
    inventory = (
        inv.room("r1", "fin", cost=2000)
        .system("db", room="r1")
        .system("app", room="r1", depends_on=[{"system": "db"}])
        .system("kq", unit="国库科", status="maintenance_stopped")
        .system("huge", resources={"vcpu": 900})
        .system("front", depends_on=[{"system": "huge"}])
        .build()
    )
    small = policy_with(policy, capacity={"vcpu": 600})
    plan, context = plan_with_context(inventory, small)
    assert plan.system("huge").disposition.value == "blocked"
    write_plan(plan, tmp_path / "plan.json")
    from_file = load_plan(tmp_path / "plan.json")
    now = _every_explanation(inventory, small, plan, context)
    assert _every_explanation(inventory, small, from_file) == now


def test_a_plan_made_under_another_policy_is_refused_by_name(inv, policy, tmp_path):
    from planner.core import make_plan
    from planner.plan_model import PlanError
    from tests.planner.conftest import policy_with

    idle = {"scope": "unit", "monthly_active_users": 10, "last_used": "2018-01-20", "business_linked": True}
    inventory = inv.system("quiet", usage=idle).system("busy").build()
    plan = make_plan(inventory, policy_with(policy, zombie={"low_monthly_users": 5}))
    assert plan.system("quiet").disposition.value != "retire"  # retired under the default (ZOMBIE-5)
    with pytest.raises(PlanError, match="not made under this policy.*quiet"):
        explain(inventory, policy, "busy", plan=plan)
