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
