"""Right-sizing: policy sizing by_utilisation plans vCPU and RAM from the measured load."""

from __future__ import annotations

from tests.planner.conftest import policy_with


def test_sizing_by_utilisation_plans_the_measured_load_and_keeps_the_survey(inv, plan_of, policy):
    pol = policy_with(policy, sizing="by_utilisation")
    rs = pol.right_sizing
    plan = plan_of(inv.system("s", utilisation=0.2, resources={"vcpu": 16, "ram_gb": 64}), pol)
    s = plan.system("s")
    factor = 0.2 * (1 + rs.headroom) / rs.target_utilisation
    assert s.surveyed_sizing is not None and s.surveyed_sizing.vcpu == 16
    assert s.sizing.vcpu == max(rs.min_vcpu, -(-16 * factor // 1)) < 16
    assert s.sizing.ram_gb < 64 and s.sizing.storage_gb == s.surveyed_sizing.storage_gb
    wave = next(w for w in plan.waves if "s" in w.systems)
    assert wave.load.vcpu == s.sizing.vcpu  # waves carry the planned sizing (CAP-1)


def test_sizing_as_surveyed_is_the_default_and_reports_what_right_sizing_would_save(inv, plan_of):
    plan = plan_of(
        inv.system("a", utilisation=0.2, resources={"vcpu": 16, "ram_gb": 64}).system(
            "b", utilisation=0.3, resources={"vcpu": 8, "ram_gb": 16}
        )
    )
    assert plan.system("a").sizing.vcpu == 16 and plan.system("a").surveyed_sizing is None
    saved = plan.metrics.by_utilisation_savings
    assert saved["vcpu"] > 0 and saved["ram_gb"] > 0


def test_right_sizing_makes_room_in_a_domain_the_survey_would_overfill(inv, plan_of, policy):
    inv.cloud("administrative_service", vcpu=20)
    inv.system("a", utilisation=0.1, resources={"vcpu": 16}).system(
        "b", utilisation=0.1, resources={"vcpu": 16}
    )
    surveyed = plan_of(inv)
    assert sum(s.disposition.value == "blocked" for s in surveyed.systems) == 1
    right = plan_of(inv, policy_with(policy, sizing="by_utilisation"))
    assert all(s.disposition.value == "migrate" for s in right.systems)


def test_system_without_measured_utilisation_keeps_its_surveyed_size(inv, plan_of, policy):
    plan = plan_of(inv.system("s", utilisation=None), policy_with(policy, sizing="by_utilisation"))
    s = plan.system("s")
    assert s.sizing.vcpu == s.surveyed_sizing.vcpu
