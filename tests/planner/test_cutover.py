"""CUT-1: each migrating system gets the cheapest migration method whose outage fits its window."""

from __future__ import annotations

import pytest

from planner import rules
from planner.cutover import copy_hours, outages
from planner.plan_model import FindingSeverity, MigrationMethod
from tests.planner.conftest import policy_with

APP_HOST = [{"address": "10.0.0.1", "role": "app"}]
DB_HOSTS = [{"address": "10.0.0.1", "role": "app"}, {"address": "10.0.0.2", "role": "db"}]


def cut_1(plan, sid):
    return [f for f in plan.findings if f.rule == rules.CUT_1 and f.subject == sid]


def test_small_system_is_cut_over_cold_within_its_window(inv, plan_of, policy):
    plan = plan_of(inv.system("s", data_gb=50, downtime_hours=8, hosts=APP_HOST))
    s = plan.system("s")
    c = policy.cutover
    assert s.method is MigrationMethod.COLD
    assert s.estimated_outage_hours == pytest.approx(c.cold.overhead_hours + copy_hours(50, c), abs=0.01)
    assert cut_1(plan, "s") == []


def test_system_too_big_to_copy_cold_in_its_window_is_pre_seeded_warm(inv, plan_of):
    plan = plan_of(inv.system("s", data_gb=2000, downtime_hours=4, hosts=APP_HOST))
    s = plan.system("s")
    assert s.method is MigrationMethod.WARM and s.estimated_outage_hours <= 4
    assert cut_1(plan, "s") == []


def test_database_system_uses_a_replica_when_even_the_warm_delta_is_too_slow(inv, plan_of):
    plan = plan_of(inv.system("s", data_gb=8000, downtime_hours=2, hosts=DB_HOSTS))
    assert plan.system("s").method is MigrationMethod.DATABASE
    assert cut_1(plan, "s") == []


def test_system_no_method_can_cut_over_in_its_window_is_a_cut_1_error(inv, plan_of, policy):
    plan = plan_of(inv.system("s", data_gb=8000, downtime_hours=2, hosts=APP_HOST))
    s = plan.system("s")
    [f] = cut_1(plan, "s")
    assert f.severity is FindingSeverity.ERROR and "2 h" in f.message
    est = outages(inv.build().systems[0], 8000, policy.cutover)
    assert MigrationMethod.DATABASE not in est  # an application host alone: no database to replicate
    assert s.method is MigrationMethod.WARM and s.estimated_outage_hours == est[MigrationMethod.WARM] > 2


def test_migration_bandwidth_is_a_policy_parameter(inv, plan_of, policy):
    inv.system("s", data_gb=500, downtime_hours=8, hosts=APP_HOST)
    assert plan_of(inv).system("s").method is MigrationMethod.COLD
    slow = policy_with(policy, cutover={"bandwidth_mbps": 50})
    assert plan_of(inv, slow).system("s").method is MigrationMethod.WARM


def test_only_migrating_systems_get_a_method(inv, plan_of):
    plan = plan_of(inv.system("z", usage={"business_linked": False}).system("m"))
    assert plan.system("z").method is None and plan.system("z").estimated_outage_hours is None
    assert plan.system("m").method is not None
