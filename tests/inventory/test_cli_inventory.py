"""`govcloud inventory validate|stats|schema|export` through the CLI: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from inventory.loader import load_inventory

DATA = Path(__file__).resolve().parent.parent / "data"
MINIMAL = DATA / "minimal" / "city"


def test_validate_bundled_city_exits_0(cli, runner):
    result = runner.invoke(cli, ["inventory", "validate"])
    assert result.exit_code == 0, result.output
    assert ": valid: " in result.stdout and "systems" in result.stdout


def test_validate_missing_path_is_invalid_input(cli, runner, tmp_path):
    result = runner.invoke(cli, ["inventory", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "no such file or directory" in result.stderr and "Traceback" not in result.output


def test_validate_prints_warnings_and_still_exits_0(cli, runner, tmp_path):
    (tmp_path / "base.yaml").write_text((MINIMAL / "base.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (MINIMAL / "systems.yaml").read_text(encoding="utf-8")
    (tmp_path / "systems.yaml").write_text(
        text.replace("{system: hr-core, kind: data}", "{system: fin-budget}"), encoding="utf-8"
    )
    result = runner.invoke(cli, ["inventory", "validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"warning: {tmp_path / 'systems.yaml'}:34: fin-budget: depends_on[0].system: "
        "a system cannot depend on itself"
    )


def test_stats_json_totals_match_the_inventory(cli, runner):
    result = runner.invoke(cli, ["inventory", "stats", str(MINIMAL), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    inv = load_inventory(MINIMAL)
    assert stats["counts"]["systems"] == 4 and stats["counts"]["rooms"] == 2
    assert stats["total_room_monthly_cost"] == 16000.5
    assert stats["total_network_monthly_fee"] == 3000
    assert stats["total_monthly_cost"] == 19000.5
    by_dept = {d["id"]: d for d in stats["departments"]}
    assert by_dept["fin"]["systems"] == 3 and by_dept["fin"]["room_area_m2"] == 45
    assert by_dept["hr"]["rooms"] == 1 and by_dept["a-gov"]["systems"] == 0
    assert sum(d["systems"] for d in stats["departments"]) == len(inv.systems)
    assert {r["id"]: (r["systems"], r["assets"]) for r in stats["rooms"]} == {
        "r-fin-1": (2, 1),
        "r-hr-1": (1, 1),
    }
    assert {k["kind"]: k["networks"] for k in stats["network_kinds"]} == {
        "internet_line": 1,
        "extranet": 1,
        "national_network": 1,
    }


def test_stats_tables_show_departments_kinds_and_totals(cli, runner):
    result = runner.invoke(cli, ["inventory", "stats", str(MINIMAL)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in ("市财政局", "internet_line", "room costs per month", "16,000", "19,000"):
        assert text in result.stdout


def test_stats_of_a_broken_inventory_exits_1_with_its_problems(cli, runner):
    result = runner.invoke(cli, ["inventory", "stats", str(DATA / "broken" / "bad_enum.yaml")])
    assert result.exit_code == 1
    assert "'fibre' is not allowed" in result.stdout


def test_schema_prints_the_inventory_json_schema(cli, runner):
    result = runner.invoke(cli, ["inventory", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"city", "systems", "cloud"} <= set(schema["properties"])
    assert schema["$defs"]["System"]["additionalProperties"] is False


def test_export_needs_a_target(cli, runner):
    result = runner.invoke(cli, ["inventory", "export", str(MINIMAL)])
    assert result.exit_code == 2 and "nothing to write" in result.stderr


def test_export_xlsx_csv_yaml_each_validate_to_the_same_model(cli, runner, tmp_path):
    result = runner.invoke(
        cli,
        [
            "inventory",
            "export",
            str(MINIMAL),
            "--xlsx",
            str(tmp_path / "s.xlsx"),
            "--csv",
            str(tmp_path / "csv"),
            "--yaml",
            str(tmp_path / "all.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output
    original = load_inventory(MINIMAL)
    for path in ("s.xlsx", "csv", "all.yaml"):
        assert runner.invoke(cli, ["inventory", "validate", str(tmp_path / path)]).exit_code == 0
        assert load_inventory(tmp_path / path) == original


def test_export_of_an_invalid_inventory_writes_nothing(cli, runner, tmp_path):
    target = tmp_path / "s.xlsx"
    result = runner.invoke(
        cli, ["inventory", "export", str(DATA / "broken" / "many_problems.yaml"), "--xlsx", str(target)]
    )
    assert result.exit_code == 1
    assert not target.exists() and list(tmp_path.iterdir()) == []
