"""`govcloud plan | check | simulate | explain` through the CLI runner."""

from __future__ import annotations

from pathlib import Path

from planner.plan_model import load_plan

DATA = Path(__file__).resolve().parent.parent / "data"


def clean_city(inv):
    return (
        inv.room("r1", "fin", cost=2000)
        .system("a", room="r1")
        .system("b", room="r1", depends_on=[{"system": "a"}])
    )


def test_plan_writes_plan_json_and_prints_a_summary(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    result = runner.invoke(cli, ["plan", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    plan = load_plan(tmp_path / "out" / "plan.json")
    assert {s.id for s in plan.systems} == {"a", "b"}
    assert "stranded cost" in result.output and "rooms vacated" in result.output
    assert not list((tmp_path / "out").glob(".*tmp"))  # atomic write leaves no temporary file


def test_plan_with_a_bad_policy_exits_1_naming_file_and_line(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    result = runner.invoke(
        cli, ["plan", str(src), "--policy", str(DATA / "policies" / "bad.yaml"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "bad.yaml:3: cloud_rate_target" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "plan.json").exists()


def test_plan_of_a_missing_inventory_exits_1(cli, runner, tmp_path):
    result = runner.invoke(cli, ["plan", str(tmp_path / "nowhere.yaml"), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_check_exits_3_while_an_error_finding_remains(cli, runner, inv, tmp_path):
    src = inv.system("core", mlps_level=4).write(tmp_path / "city.yaml")
    result = runner.invoke(cli, ["check", str(src), "--lang", "en"])
    assert result.exit_code == 3
    assert "MLPS-2" in result.output


def test_check_exits_0_when_every_target_is_met(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    result = runner.invoke(cli, ["check", str(src), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_simulate_prints_scenario_and_baseline_side_by_side(cli, runner, inv, tmp_path):
    for i in range(6):
        inv.room(f"r{i}", "fin", cost=1000).system(f"s{i}", room=f"r{i}")
    src = inv.write(tmp_path / "city.yaml")
    result = runner.invoke(
        cli,
        ["simulate", str(src), "--scenario", str(DATA / "scenarios" / "capacity_cut.yaml"), "--lang", "en"],
    )
    assert result.exit_code == 0, result.output
    assert "baseline" in result.output and "capacity-cut" in result.output
    assert "stranded cost" in result.output and "savings/month" in result.output


def test_simulate_with_bad_references_exits_1(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    result = runner.invoke(
        cli, ["simulate", str(src), "--scenario", str(DATA / "scenarios" / "bad_refs.yaml")]
    )
    assert result.exit_code == 1 and "ghost" in result.output


def test_explain_prints_the_chain_for_one_system(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    result = runner.invoke(cli, ["explain", "b", str(src), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "SCOPE-2 [does not apply]" in result.output and "DOMAIN-1" in result.output
    assert "waits for a" in result.output


def test_explain_of_an_unknown_system_exits_1(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    result = runner.invoke(cli, ["explain", "ghost", str(src)])
    assert result.exit_code == 1 and "no such system" in result.output


def test_simulate_prints_a_force_it_cannot_honour_as_a_finding(cli, runner, inv, tmp_path):
    src = inv.system("big", mlps_level=3).system("small").write(tmp_path / "city.yaml")
    scenario = tmp_path / "pilot.yaml"
    scenario.write_text("name: early\nforce:\n  - {system: big, wave: 0}\n", encoding="utf-8")
    result = runner.invoke(cli, ["simulate", str(src), "--scenario", str(scenario), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "findings of 'early' the baseline does not have" in result.output
    assert "warning PILOT-1 big: the scenario forces it into wave 0" in result.output
    assert "(error findings)" not in result.output  # the month columns name the scenario, not a metric


def test_check_reads_a_plan_file_and_gives_what_planning_now_gives(cli, runner, inv, tmp_path):
    src = inv.system("core", mlps_level=4).write(tmp_path / "city.yaml")
    assert runner.invoke(cli, ["plan", str(src), "--out", str(tmp_path / "out")]).exit_code == 0
    now = runner.invoke(cli, ["check", str(src)])
    from_file = runner.invoke(cli, ["check", str(src), "--plan", str(tmp_path / "out" / "plan.json")])
    assert from_file.exit_code == now.exit_code == 3
    assert from_file.output == now.output


def test_check_warns_on_a_plan_of_an_older_version_and_refuses_a_foreign_one(cli, runner, inv, tmp_path):
    import json

    older = clean_city(inv).write(tmp_path / "older.yaml")
    assert runner.invoke(cli, ["plan", str(older), "--out", str(tmp_path / "out")]).exit_code == 0
    src = inv.system("core").write(tmp_path / "city.yaml")  # the same city, one system more
    plan_file = tmp_path / "out" / "plan.json"
    stale = runner.invoke(cli, ["check", str(src), "--plan", str(plan_file)])
    assert "another version of this inventory" in stale.output
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    data["systems"][0]["id"] = "ghost"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    foreign = runner.invoke(cli, ["check", str(src), "--plan", str(plan_file)])
    assert foreign.exit_code == 1 and "not a plan of this inventory" in foreign.output


def test_simulate_takes_its_baseline_from_a_plan_file(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    assert runner.invoke(cli, ["plan", str(src), "--out", str(tmp_path / "out")]).exit_code == 0
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: later\ndelays:\n  - {department: fin, until_wave: 3}\n", encoding="utf-8")
    plan_file = tmp_path / "out" / "plan.json"
    result = runner.invoke(
        cli, ["simulate", str(src), "--scenario", str(scenario), "--plan", str(plan_file), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "scenario 'later' vs baseline" in result.output and "systems that change wave" in result.output


def test_explain_reads_a_plan_file_and_gives_what_planning_now_gives(cli, runner, inv, tmp_path):
    src = clean_city(inv).write(tmp_path / "city.yaml")
    assert runner.invoke(cli, ["plan", str(src), "--out", str(tmp_path / "out")]).exit_code == 0
    now = runner.invoke(cli, ["explain", "b", str(src), "--lang", "en"])
    from_file = runner.invoke(
        cli, ["explain", "b", str(src), "--plan", str(tmp_path / "out" / "plan.json"), "--lang", "en"]
    )
    assert from_file.exit_code == now.exit_code == 0, from_file.output
    assert from_file.output == now.output and "waits for a" in from_file.output
    ghost = runner.invoke(cli, ["explain", "ghost", str(src), "--plan", str(tmp_path / "out" / "plan.json")])
    assert ghost.exit_code == 1 and "no such system" in ghost.output


def test_a_planning_command_leaves_nothing_exempt_from_garbage_collection(
    cli, runner, inv, tmp_path, monkeypatch
):
    import gc

    src = inv.system("core").write(tmp_path / "city.yaml")
    seen: list[int] = []
    real_freeze = gc.freeze

    def freeze() -> None:
        real_freeze()
        seen.append(gc.get_freeze_count())

    monkeypatch.setattr(gc, "freeze", freeze)
    assert runner.invoke(cli, ["plan", str(src), "--out", str(tmp_path / "out")]).exit_code == 0
    assert seen and all(n > 0 for n in seen)  # the inventory and the plan were settled while it ran
    assert gc.get_freeze_count() == 0  # and are collectable again once it is done
