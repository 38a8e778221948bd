"""What a new user meets on `plan | check | simulate | explain`: bad files, bad --out, plain output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.plan_model import PlanError, load_plan, write_plan
from planner.simulate import ScenarioError, load_scenario


def assert_clean_exit(result, code: int) -> None:
    """Exit *code* through typer.Exit: the runner reports an escaped exception as exit 1 too."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def small_city(inv):
    return (
        inv.room("r1", "fin", cost=2000)
        .system("a", room="r1")
        .system("b", room="r1", depends_on=[{"system": "a"}])
    )


@pytest.fixture
def city_file(inv, tmp_path: Path) -> Path:
    return small_city(inv).write(tmp_path / "city.yaml")


def test_plan_out_pointing_at_a_file_is_refused_before_planning(cli, runner, city_file, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("keep me", encoding="utf-8")
    result = runner.invoke(cli, ["plan", str(city_file), "--out", str(blocker)])
    assert_clean_exit(result, 2)
    assert "not-a-dir" in result.output and "not a directory" in result.output
    assert blocker.read_text(encoding="utf-8") == "keep me"


def test_plan_into_an_unwritable_place_names_the_target_not_a_temporary_file(cli, runner, city_file):
    result = runner.invoke(cli, ["plan", str(city_file), "--out", "/proc/govcloud-nowhere"])
    assert_clean_exit(result, 1)
    assert "/proc/govcloud-nowhere" in result.output and ".tmp" not in result.output
    assert "internal error" not in result.output


def test_second_plan_run_replaces_plan_json_without_leftovers(cli, runner, city_file, tmp_path):
    out = tmp_path / "out"
    for _ in range(2):
        result = runner.invoke(cli, ["plan", str(city_file), "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["plan.json"]
    assert load_plan(out / "plan.json").inventory.systems == 2


def test_plan_of_a_missing_path_reports_one_problem_not_a_cascade(cli, runner, tmp_path):
    result = runner.invoke(cli, ["plan", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert_clean_exit(result, 1)
    assert "no such file or directory" in result.output
    assert "missing mandatory top-level key" not in result.output


def test_plan_of_a_directory_without_yaml_says_so_once(cli, runner, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello", encoding="utf-8")
    result = runner.invoke(cli, ["check", str(empty)])
    assert_clean_exit(result, 1)
    assert "no inventory here" in result.output and "missing mandatory" not in result.output


def test_wave_loads_in_plan_json_are_rounded_to_cents(bundled_plan, tmp_path):
    write_plan(bundled_plan, tmp_path / "plan.json")
    raw = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    for wave in raw["waves"]:
        for dim, value in wave["load"].items():
            assert round(value, 2) == value, (wave["number"], dim, value)
    bound = raw["metrics"]["stranded_cost_lower_bound"]
    assert round(bound, 2) == bound and bound <= raw["metrics"]["stranded_cost"]


# ------------------------------------------------------------------ plan.json read by the others


@pytest.fixture
def plan_dict(bundled_plan) -> dict:
    return json.loads(bundled_plan.model_dump_json())


def test_a_plan_path_that_is_a_directory_is_a_plan_error(tmp_path):
    with pytest.raises(PlanError, match="is a directory"):
        load_plan(tmp_path)


def test_a_plan_that_is_not_utf8_is_a_plan_error(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_bytes(b"\xff\xfe{}")
    with pytest.raises(PlanError, match="not UTF-8"):
        load_plan(bad)


def test_broken_json_names_line_and_column(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text('{\n  "format": 1,\n  "inventory": \n', encoding="utf-8")
    with pytest.raises(PlanError, match=r"plan.json: not a JSON plan: .* at line 4, column 1"):
        load_plan(bad)


def test_a_json_list_is_not_a_plan(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(PlanError, match="expected a JSON object"):
        load_plan(bad)


def test_a_newer_format_is_refused_by_its_version_not_its_fields(plan_dict, tmp_path):
    plan_dict["format"] = 2
    del plan_dict["systems"][0]["disposition"]
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(plan_dict), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(bad)
    assert "plan format 2 is not supported" in str(err.value) and "disposition" not in str(err.value)


def test_a_missing_field_names_the_record_by_its_id(plan_dict, tmp_path):
    victim = plan_dict["systems"][3]
    del victim["disposition"]
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(plan_dict), encoding="utf-8")
    with pytest.raises(PlanError, match=rf"systems\[3\] \({victim['id']}\)\.disposition: Field required"):
        load_plan(bad)


# ------------------------------------------------------------------------------ scenarios


def test_a_scenario_with_non_utf8_bytes_names_file_and_line(tmp_path):
    bad = tmp_path / "scenario.yaml"
    bad.write_bytes(b"name: cut\ndelays: \xff\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    assert err.value.messages == [f"{bad}:2: -: not UTF-8 (byte 18); save the file as UTF-8"]


def test_a_scenario_path_that_is_a_directory_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


def test_a_scenario_syntax_error_says_what_is_wrong(tmp_path):
    bad = tmp_path / "scenario.yaml"
    bad.write_text("name: x\ncapacity: [\n  {from_wave: 1 factor: 2}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    (message,) = err.value.messages
    assert message.startswith(f"{bad}:") and "not valid YAML: " in message


def test_simulate_with_markup_and_emoji_codes_in_the_scenario_name_prints_them_verbatim(
    cli, runner, city_file, tmp_path
):
    scenario = tmp_path / "s.yaml"
    scenario.write_text('name: "cut [/x] :wave: [red]"\n', encoding="utf-8")
    result = runner.invoke(cli, ["simulate", str(city_file), "--scenario", str(scenario), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "cut [/x] :wave: [red]" in result.output


def test_simulate_with_a_binary_scenario_exits_1_without_internal_error(cli, runner, city_file, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(bytes(range(256)))
    result = runner.invoke(cli, ["simulate", str(city_file), "--scenario", str(scenario), "--lang", "en"])
    assert_clean_exit(result, 1)
    assert "not UTF-8" in result.output


# -------------------------------------------------------------------------------- explain


def test_explain_of_an_unknown_system_suggests_close_ids(cli, runner, city_file):
    result = runner.invoke(cli, ["explain", "bb", str(city_file), "--lang", "en"])
    assert_clean_exit(result, 1)
    assert "'bb': no such system" in result.output and "did you mean b" in result.output


def test_explain_of_a_zombie_cites_the_zombie_rules_that_hold(cli, runner, inv, tmp_path):
    src = (
        inv.system("main")
        .system("old", status="maintenance_stopped", usage={"scope": "unit", "monthly_active_users": 2})
        .write(tmp_path / "city.yaml")
    )
    result = runner.invoke(cli, ["explain", "old", str(src), "--lang", "en"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "[decides]" in x)
    assert line.strip().startswith("ZOMBIE-") and "zombie" in line.split("[decides]")[1].lower()
