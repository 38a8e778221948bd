"""One small inventory per classification rule: the decision and the rule it cites."""

from __future__ import annotations

from planner import rules
from planner.plan_model import Disposition, FindingSeverity, LinkBoundary


def test_classified_system_goes_to_the_intranet(inv, plan_of):
    plan = plan_of(inv.system("sec", classified=True))
    s = plan.system("sec")
    assert s.disposition is Disposition.INTRANET and rules.SCOPE_2 in s.rules and s.wave is None


def test_programme_system_is_left_to_its_programme(inv, plan_of):
    s = plan_of(inv.system("tax", programme="金税")).system("tax")
    assert s.disposition is Disposition.PROGRAMME and rules.SCOPE_3 in s.rules


def test_system_disconnected_from_business_is_retired_under_zombie_1(inv, plan_of):
    s = plan_of(inv.system("old", usage={"business_linked": False})).system("old")
    assert s.disposition is Disposition.RETIRE and rules.ZOMBIE_1 in s.rules and s.wave is not None


def test_system_unused_for_a_year_before_the_survey_is_retired_under_zombie_1(inv, plan_of):
    s = plan_of(inv.system("old", usage={"last_used": "2016-10-01"})).system("old")
    assert s.disposition is Disposition.RETIRE and rules.ZOMBIE_1 in s.rules
    assert any("2016-10-01" in r for r in s.reasons)


def test_system_recently_used_is_not_a_zombie(inv, plan_of):
    s = plan_of(inv.system("live", usage={"last_used": "2017-12-01"})).system("live")
    assert s.disposition is Disposition.MIGRATE


def test_replaceable_system_is_retired_under_zombie_2(inv, plan_of):
    plan = plan_of(inv.system("new").system("dup", replaced_by="new"))
    assert plan.system("dup").disposition is Disposition.RETIRE and rules.ZOMBIE_2 in plan.system("dup").rules
    assert plan.system("new").disposition is Disposition.MIGRATE


def test_idle_system_is_retired_under_zombie_3(inv, plan_of):
    plan = plan_of(inv.system("cold", utilisation=0.01).system("idle", status="idle"))
    assert rules.ZOMBIE_3 in plan.system("cold").rules and rules.ZOMBIE_3 in plan.system("idle").rules
    assert plan.system("cold").disposition is Disposition.RETIRE


def test_system_without_maintenance_is_retired_under_zombie_4(inv, plan_of):
    s = plan_of(inv.system("dead", status="maintenance_stopped")).system("dead")
    assert s.disposition is Disposition.RETIRE and rules.ZOMBIE_4 in s.rules


def test_small_rarely_used_system_is_retired_under_zombie_5(inv, plan_of):
    plan = plan_of(
        inv.system("tiny", usage={"scope": "unit", "monthly_active_users": 3}).system(
            "small-busy", usage={"scope": "unit", "monthly_active_users": 50}
        )
    )
    assert (
        plan.system("tiny").disposition is Disposition.RETIRE and rules.ZOMBIE_5 in plan.system("tiny").rules
    )
    assert plan.system("small-busy").disposition is Disposition.MIGRATE


def test_shadow_systems_merge_into_the_most_used(inv, plan_of):
    plan = plan_of(
        inv.system("a", function="budget", usage={"monthly_active_users": 40})
        .system("b", function="budget", usage={"monthly_active_users": 200})
        .system("c", function="budget", usage={"monthly_active_users": 15})
    )
    assert plan.system("b").disposition is Disposition.MIGRATE
    for loser in ("a", "c"):
        s = plan.system(loser)
        assert s.disposition is Disposition.MERGE and s.into == "b" and rules.SHADOW_1 in s.rules
        assert s.wave >= plan.system("b").wave


def test_same_function_in_two_departments_is_not_a_shadow(inv, plan_of):
    plan = plan_of(
        inv.system("a", dept="fin", function="archive").system("b", dept="edu", function="archive")
    )
    assert {plan.system("a").disposition, plan.system("b").disposition} == {Disposition.MIGRATE}


def test_unit_named_system_merges_into_the_department_main_system(inv, plan_of):
    plan = plan_of(
        inv.system("fin-main", usage={"monthly_active_users": 500}).system(
            "fin-kq", unit="国库科", usage={"monthly_active_users": 30}
        )
    )
    s = plan.system("fin-kq")
    assert s.disposition is Disposition.MERGE and s.into == "fin-main" and rules.BIGSYS_1 in s.rules


def test_department_website_merges_into_the_city_portal(inv, plan_of):
    plan = plan_of(inv.system("fin-web", category="website").system("fin-oa", category="oa"))
    assert plan.system("fin-web").into == "city-portal" and rules.PLATFORM_1 in plan.system("fin-web").rules
    assert plan.system("fin-oa").into == "city-oa"


def test_video_system_without_a_city_platform_migrates_with_a_warning(inv, plan_of):
    plan = plan_of(inv.system("fin-video", category="video"))
    assert plan.system("fin-video").disposition is Disposition.MIGRATE
    assert any(f.rule == rules.PLATFORM_1 and f.severity is FindingSeverity.WARNING for f in plan.findings)


def test_lan_only_system_is_kept_local_in_a_retained_room(inv, plan_of):
    plan = plan_of(inv.room("r1", "fin").system("door", category="lan_only", room="r1"))
    assert (
        plan.system("door").disposition is Disposition.KEEP_LOCAL
        and rules.ROOM_1 in plan.system("door").rules
    )
    assert plan.rooms[0].outcome.value == "retained"


def test_level_4_system_without_a_dedicated_pool_is_blocked_with_a_finding(inv, plan_of):
    plan = plan_of(inv.system("core", mlps_level=4))
    s = plan.system("core")
    assert s.disposition is Disposition.BLOCKED and rules.MLPS_2 in s.rules and s.wave is None
    assert any(f.subject == "core" and f.severity is FindingSeverity.ERROR for f in plan.findings)


def test_level_4_system_with_a_dedicated_pool_migrates(inv, plan_of):
    plan = plan_of(
        inv.system("core", mlps_level=4).cloud(
            "administrative_service", mlps_level=4, dedicated_level4_pool=True
        )
    )
    assert plan.system("core").disposition is Disposition.MIGRATE


def test_system_above_its_domain_level_is_blocked_under_mlps_1(inv, plan_of):
    plan = plan_of(inv.system("s3", mlps_level=3).cloud("administrative_service", mlps_level=2))
    assert plan.system("s3").disposition is Disposition.BLOCKED and rules.MLPS_1 in plan.system("s3").rules


def test_internet_line_puts_a_system_in_the_public_service_domain(inv, plan_of):
    plan = plan_of(
        inv.net("n-inet", "internet_line", "fin")
        .net("n-priv", "private_network", "fin")
        .system("web", networks=["n-inet"])
        .system("back", networks=["n-priv"])
    )
    assert plan.system("web").domain.value == "public_service" and rules.DOMAIN_1 in plan.system("web").rules
    assert plan.system("back").domain.value == "administrative_service"


def test_public_facing_system_on_a_private_network_lands_in_the_public_domain(inv, plan_of):
    plan = plan_of(
        inv.net("n-priv", "private_network", "fin").system("svc", networks=["n-priv"], public_facing=True)
    )
    s = plan.system("svc")
    assert s.domain.value == "public_service"
    assert any("public" in r and "n-priv" in r for r in s.reasons)


def test_missing_survey_fields_get_conservative_defaults_and_an_inv_1_warning(inv, plan_of, policy):
    plan = plan_of(inv.system("unknown", usage=None, resources=None, mlps_level=None, data_gb=None))
    s = plan.system("unknown")
    assert s.disposition is Disposition.MIGRATE  # unknown usage is no evidence of a zombie
    assert s.mlps_level == policy.defaults.mlps_level and s.sizing.vcpu == policy.defaults.vcpu
    assert any(
        f.rule == rules.INV_1 and f.subject == "unknown" and f.severity is FindingSeverity.WARNING
        for f in plan.findings
    )


def test_dependency_on_a_system_that_stays_is_an_off_cloud_link_not_an_error(inv, plan_of):
    plan = plan_of(
        inv.system("sec", classified=True).system("app", depends_on=[{"system": "sec", "kind": "api"}])
    )
    link = plan.system("app").links[0]
    assert link.system == "sec" and link.boundary is LinkBoundary.OFF_CLOUD
    assert plan.system("app").disposition is Disposition.MIGRATE


def test_dependency_across_domains_is_a_cross_domain_link(inv, plan_of):
    plan = plan_of(
        inv.net("n-inet", "internet_line", "fin")
        .system("db")
        .system("web", networks=["n-inet"], depends_on=[{"system": "db"}])
    )
    assert plan.system("web").links[0].boundary is LinkBoundary.CROSS_DOMAIN
    assert plan.system("web").wave >= plan.system("db").wave


def test_domain_capacity_shortfall_blocks_the_systems_that_do_not_fit(inv, plan_of):
    plan = plan_of(
        inv.system("small", resources={"vcpu": 10})
        .system("big", resources={"vcpu": 90})
        .cloud("administrative_service", vcpu=50)
    )
    assert plan.system("small").disposition is Disposition.MIGRATE
    assert plan.system("big").disposition is Disposition.BLOCKED
    assert any(
        f.rule == rules.DOMAIN_1 and f.subject == "administrative_service" and f.severity.value == "error"
        for f in plan.findings
    )


def test_keep_separate_exception_skips_integration(inv, plan_of, policy):
    from tests.planner.conftest import policy_with

    pol = policy_with(policy, exceptions={"keep_separate": ["fin-web"], "rooms": {}})
    plan = plan_of(inv.system("fin-web", category="website"), pol)
    assert plan.system("fin-web").disposition is Disposition.MIGRATE
