"""Policy fidelity of classification (issue 11 items 1, 2, 5, 9), each on a small hand-built inventory."""

from __future__ import annotations

from planner import rules
from planner.explain import explain
from planner.plan_model import Disposition, FindingSeverity


def _errors(plan, subject):
    return {f.rule for f in plan.findings if f.subject == subject and f.severity is FindingSeverity.ERROR}


# ---------------------------------------------------------------- item 1: DOMAIN-1 by carrying network


def test_a_system_carried_only_by_the_extranet_lands_in_the_public_service_domain(inv, plan_of):
    plan = plan_of(inv.net("n-ext", "extranet").system("permits", networks=["n-ext"]))
    s = plan.system("permits")
    assert s.disposition is Disposition.MIGRATE and s.domain.value == "public_service"
    assert any("extranet" in r and "n-ext" in r for r in s.reasons)


def test_a_private_network_outranks_the_extranet_and_an_internet_line_outranks_both(inv, plan_of):
    plan = plan_of(
        inv.net("n-ext", "extranet")
        .net("n-priv", "private_network", "fin")
        .net("n-inet", "internet_line", "fin")
        .system("ledger", networks=["n-ext", "n-priv"])
        .system("portal", networks=["n-ext", "n-priv", "n-inet"])
    )
    assert plan.system("ledger").domain.value == "administrative_service"
    assert plan.system("portal").domain.value == "public_service"


def test_a_system_with_no_carrying_network_goes_administrative_with_an_inv_1_warning(inv, plan_of):
    plan = plan_of(inv.net("n-ext", "extranet").system("quiet").system("carried", networks=["n-ext"]))
    assert plan.system("quiet").domain.value == "administrative_service"
    warned = {f.subject for f in plan.findings if f.rule == rules.INV_1 and "carrying network" in f.message}
    assert warned == {"quiet"}


def test_mlps_1_is_judged_against_the_domain_the_system_really_lands_in(inv, plan_of):
    # The public-service domain is level 2: a level-3 system carried by the extranet lands there.
    plan = plan_of(
        inv.cloud("public_service", mlps_level=2)
        .net("n-ext", "extranet")
        .system("permits", networks=["n-ext"], mlps_level=3)
        .system("archive", mlps_level=3)
    )
    assert plan.system("permits").disposition is Disposition.BLOCKED
    assert _errors(plan, "permits") == {rules.MLPS_1}
    assert any("public-service" in r for r in plan.system("permits").reasons)
    assert plan.system("archive").disposition is Disposition.MIGRATE


# ---------------------------------------------------------------- item 2: BIGSYS-1 per domain


def test_an_internal_unit_system_never_merges_into_the_public_front_end(inv, plan_of):
    plan = plan_of(
        inv.net("n-inet", "internet_line", "hr")
        .system(
            "e-hall", dept="hr", public_facing=True, networks=["n-inet"], usage={"monthly_active_users": 9000}
        )
        .system("arbitration", dept="hr", unit="仲裁院", usage={"monthly_active_users": 40})
        .system("training", dept="hr", unit="培训中心", usage={"monthly_active_users": 30})
    )
    assert plan.system("e-hall").disposition is Disposition.MIGRATE
    # Neither is merged into the public e-hall; the two administrative unit systems form the
    # department's big system of the administrative-service domain.
    assert plan.system("arbitration").disposition is Disposition.MIGRATE
    assert plan.system("arbitration").domain.value == "administrative_service"
    training = plan.system("training")
    assert training.disposition is Disposition.MERGE and training.into == "arbitration"
    assert all(plan.system(s).into != "e-hall" for s in ("arbitration", "training"))


def test_the_main_system_is_chosen_by_business_weight_and_the_reasons_say_so(inv, plan_of):
    # Equal users: the system others depend on is the main one, though the other is bigger.
    plan = plan_of(
        inv.system("hub", dept="hr", resources={"vcpu": 4})
        .system("big", dept="hr", resources={"vcpu": 32})
        .system("payroll", dept="hr", depends_on=[{"system": "hub"}])
        .system("rota", dept="hr", unit="人事科", depends_on=[{"system": "hub"}])
    )
    rota = plan.system("rota")
    assert rota.disposition is Disposition.MERGE and rota.into == "hub"
    assert any("business weight" in r and "dependant" in r for r in rota.reasons)
    assert rules.BIGSYS_1 in plan.system("hub").rules


# ---------------------------------------------------------------- item 5: every blocking rule a finding


def test_a_level_4_system_on_a_level_3_domain_without_a_pool_gets_both_mlps_findings(inv, plan_of):
    plan = plan_of(inv.system("core", mlps_level=4))
    assert plan.system("core").disposition is Disposition.BLOCKED
    assert _errors(plan, "core") == {rules.MLPS_1, rules.MLPS_2}


def test_a_level_4_system_in_the_dedicated_pool_of_a_level_4_domain_migrates_citing_mlps_2(inv, plan_of):
    level4 = inv.cloud("administrative_service", mlps_level=4, dedicated_level4_pool=True)
    plan = plan_of(level4.system("core", mlps_level=4))
    s = plan.system("core")
    assert s.disposition is Disposition.MIGRATE and rules.MLPS_2 in s.rules and _errors(plan, "core") == set()


# ---------------------------------------------------------------- item 9: DEP-1 and CAP-1 cited


def test_explain_cites_dep_1_for_what_a_system_waits_for_and_cap_1_for_its_wave(inv, policy):
    inventory = inv.system("db").system("app", depends_on=[{"system": "db"}]).build()
    ex = explain(inventory, policy, "app")
    waits = [st for st in ex.wave_steps if any("waits for db" in str(f) for f in st.facts)]
    assert [st.rule for st in waits] == [rules.DEP_1]
    capacity = [st for st in ex.wave_steps if any("within capacity" in str(f) for f in st.facts)]
    assert [st.rule for st in capacity] == [rules.CAP_1]
    cited = {st.rule for st in ex.wave_steps}
    assert rules.PLAN_1 not in cited and rules.CLASS_1 not in cited
