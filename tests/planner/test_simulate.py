"""What-if scenarios: capacity, delays, forced waves, room exceptions; loading and comparing."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner import rules
from planner.plan_model import RoomOutcome
from planner.policy import CapacityChange
from planner.simulate import Delay, Force, Scenario, ScenarioError, load_scenario, savings_curve, simulate
from tests.planner.conftest import pending_policy_fidelity
from verifier import verify_plan

DATA = Path(__file__).resolve().parent.parent / "data" / "scenarios"


def city(inv):
    for i in range(10):
        inv.room(f"r{i}", "fin" if i < 5 else "edu", cost=1000 * (i + 1)).system(
            f"s{i}", dept="fin" if i < 5 else "edu", room=f"r{i}", resources={"vcpu": 8}
        )
    return inv.build()


def test_capacity_cut_delays_retirements_and_costs_more(inv, policy):
    inventory = city(inv)
    sim = simulate(
        inventory, policy, Scenario(name="cut", capacity=[CapacityChange(from_wave=1, set={"systems": 1})])
    )
    assert pending_policy_fidelity(verify_plan(sim.plan, inventory, sim.scenario.apply(policy))) == []
    assert sim.plan.metrics.waves > sim.baseline.metrics.waves
    assert sim.plan.metrics.stranded_cost > sim.baseline.metrics.stranded_cost
    rows = {name: (a, b) for name, a, b in sim.comparison.rows}
    assert rows["waves"] == (sim.baseline.metrics.waves, sim.plan.metrics.waves)


def test_delayed_department_moves_no_earlier_than_its_wave(inv, policy):
    inventory = city(inv)
    sim = simulate(inventory, policy, Scenario(delays=[Delay(department="edu", until_wave=4)]))
    assert all(s.wave >= 4 for s in sim.plan.systems if s.department == "edu")
    assert pending_policy_fidelity(verify_plan(sim.plan, inventory, sim.scenario.apply(policy))) == []


def test_delay_until_a_date_uses_the_first_wave_starting_then(policy):
    assert Delay(department="x", until="2018-06-01").wave(policy) == 3


def test_forced_system_lands_in_its_wave(inv, policy):
    inventory = city(inv)
    sim = simulate(inventory, policy, Scenario(force=[Force(system="s9", wave=5)]))
    assert sim.plan.system("s9").wave == 5


def test_room_exception_keeps_a_room_the_baseline_consolidates(inv, policy):
    inv.room("ra", "fin").asset("a1", "ra").room("rb", "edu").asset("a2", "rb")
    inventory = inv.build()
    sim = simulate(inventory, policy, Scenario(room_exceptions={"rb": "保密要求", "ra": "保密要求"}))
    base = {r.id: r.outcome for r in sim.baseline.rooms}
    assert RoomOutcome.MERGED in base.values()
    assert {r.outcome for r in sim.plan.rooms} == {RoomOutcome.RETAINED}


def test_savings_curve_accumulates_from_the_month_after_each_retirement(inv, plan_of):
    plan = plan_of(inv.room("r0", "fin", cost=100).room("r1", "fin", cost=1000).system("a", room="r1"))
    curve = savings_curve(plan)
    w = plan.system("a").wave
    assert curve[w].monthly_savings == 0 and curve[w].rooms_vacated == 1
    assert curve[w + 1].monthly_savings == 1000


def test_scenario_file_loads_and_bad_references_are_all_reported(inv):
    inventory = city(inv)
    assert load_scenario(DATA / "capacity_cut.yaml", inventory).capacity[0].factor == 0.5
    with pytest.raises(ScenarioError) as err:
        load_scenario(DATA / "bad_refs.yaml", inventory)
    assert "nowhere" in str(err.value) and "ghost" in str(err.value)


def test_scenario_with_an_unknown_key_names_file_line_and_field(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("name: x\ncapacity:\n  - {from_wave: 1, factr: 2}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s.yaml:3: capacity.0.factr"):
        load_scenario(f)


def _forced_findings(sim, system):
    return [f for f in sim.plan.findings if f.subject == system and "scenario forces it" in f.message]


def test_a_force_into_the_pilot_of_an_ineligible_system_is_a_pilot_1_warning(inv, policy):
    inventory = inv.system("big", mlps_level=3).system("small").build()
    sim = simulate(inventory, policy, Scenario(force=[Force(system="big", wave=0)]))
    assert sim.plan.system("big").wave != 0
    [finding] = _forced_findings(sim, "big")
    assert finding.rule == "PILOT-1" and finding.severity.value == "warning"
    assert "wave 0" in finding.message and f"planned in wave {sim.plan.system('big').wave}" in finding.message
    assert finding in sim.comparison.findings  # the baseline forces nothing
    assert pending_policy_fidelity(verify_plan(sim.plan, inventory, sim.scenario.apply(policy))) == []


def test_a_force_before_a_dependency_cites_the_dependency_and_its_wave(inv, policy):
    inventory = inv.system("app", depends_on=[{"system": "db"}]).system("db").build()
    forces = [Force(system="db", wave=5), Force(system="app", wave=2)]
    sim = simulate(inventory, policy, Scenario(force=forces))
    assert sim.plan.system("db").wave == 5 and sim.plan.system("app").wave == 5
    [finding] = _forced_findings(sim, "app")
    assert finding.rule == rules.DEP_1
    assert "depends on db, which moves in wave 5" in finding.message
    assert _forced_findings(sim, "db") == []
    assert pending_policy_fidelity(verify_plan(sim.plan, inventory, sim.scenario.apply(policy))) == []


def test_a_force_into_a_full_wave_names_the_exhausted_capacity(inv, policy):
    inventory = inv.system("a").system("b").system("c").build()
    cut = CapacityChange(from_wave=3, to_wave=3, set={"systems": 1})
    forces = [Force(system=s, wave=3) for s in ("a", "b")]
    sim = simulate(inventory, policy, Scenario(capacity=[cut], force=forces))
    waves = {s: sim.plan.system(s).wave for s in ("a", "b")}
    assert sorted(w == 3 for w in waves.values()) == [False, True]
    [late] = [s for s, w in waves.items() if w != 3]
    [finding] = _forced_findings(sim, late)
    assert finding.rule == rules.CAP_1
    assert "wave 3 has no capacity left (systems 1 + 1 > 1)" in finding.message


def test_a_force_of_a_system_that_does_not_move_cites_its_disposition_rule(inv, policy):
    inventory = inv.system("secret", classified=True).system("open").build()
    sim = simulate(inventory, policy, Scenario(force=[Force(system="secret", wave=2)]))
    [finding] = _forced_findings(sim, "secret")
    assert finding.rule == "SCOPE-2" and "does not move: intranet" in finding.message


def test_an_honoured_force_adds_no_finding(inv, policy):
    inventory = city(inv)
    sim = simulate(inventory, policy, Scenario(force=[Force(system="s3", wave=4)]))
    assert sim.plan.system("s3").wave == 4 and _forced_findings(sim, "s3") == []


# ---------------------------------------------------------------- what changed, the example, --out


def test_comparison_lists_systems_that_change_wave_or_disposition_and_findings_in_and_out(
    bundled_plan,
) -> None:
    from planner.plan_model import Disposition, Finding, FindingSeverity
    from planner.simulate import compare

    alt = bundled_plan.model_copy(deep=True)
    moved = next(s for s in alt.systems if s.wave is not None and s.disposition is Disposition.MIGRATE)
    moved.wave += 1
    blocked = next(s for s in alt.systems if s.disposition is Disposition.MIGRATE and s.id != moved.id)
    blocked.disposition, blocked.wave = Disposition.BLOCKED, None
    gone = alt.findings.pop(0)
    new = Finding(rule=rules.CAP_1, severity=FindingSeverity.WARNING, subject=moved.id, message="new")
    alt.findings.append(new)
    c = compare(bundled_plan, alt)
    by_id = {x.system: x for x in c.changes}
    assert set(by_id) == {moved.id, blocked.id}
    assert (by_id[moved.id].baseline_wave, by_id[moved.id].wave) == (moved.wave - 1, moved.wave)
    assert (by_id[blocked.id].baseline_disposition, by_id[blocked.id].disposition) == ("migrate", "blocked")
    assert c.findings == [new] and c.findings_gone == [gone]
    assert "1 system(s) change disposition" in c.notes


def test_the_printed_example_scenario_is_valid_for_the_bundled_city(cli, runner, bundled_inventory, tmp_path):
    done = runner.invoke(cli, ["simulate", "--example"])
    assert done.exit_code == 0
    (tmp_path / "example.yaml").write_text(done.output, encoding="utf-8")
    scenario = load_scenario(tmp_path / "example.yaml", bundled_inventory)
    assert scenario.capacity and scenario.delays and scenario.force and scenario.room_exceptions


def test_simulate_without_a_scenario_is_a_usage_error_that_points_at_the_example(cli, runner):
    done = runner.invoke(cli, ["simulate"])
    assert done.exit_code == 2 and "--example" in done.output


def test_simulate_writes_the_scenarios_plan_with_out(cli, runner, tmp_path):
    scenario = Path(__file__).parents[1] / "data" / "scenarios" / "capacity_cut.yaml"
    done = runner.invoke(
        cli,
        ["simulate", "--scenario", str(scenario), "--effort", "quick", "--out", str(tmp_path),
         "--lang", "en"],
    )
    assert done.exit_code == 0, done.output
    from planner.plan_model import load_plan

    plan = load_plan(tmp_path / "plan.json")
    assert plan.policy.name.endswith("+capacity-cut")
    assert "systems that change wave or disposition" in done.output


def test_a_simulation_without_bounds_compares_the_same_plans_and_reports_only_trivial_bounds(inv, policy):
    inventory = city(inv)
    scenario = Scenario(delays=[Delay(department="edu", until_wave=4)])
    full = simulate(inventory, policy, scenario, effort="quick")
    quick = simulate(inventory, policy, scenario, effort="quick", bounds=False)
    assert quick.comparison == full.comparison
    for plan, bounded in ((quick.baseline, full.baseline), (quick.plan, full.plan)):
        assert plan.metrics.stranded_cost_lower_bound == 0 and plan.metrics.waves_lower_bound == 0
        assert bounded.metrics.stranded_cost_lower_bound > 0
        assert [s.wave for s in plan.systems] == [s.wave for s in bounded.systems]
