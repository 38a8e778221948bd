"""What a new user meets on `govcloud inventory ...`: one clear problem, safe outputs, verbatim text."""

from __future__ import annotations

import shutil
from pathlib import Path

from inventory.loader import check_inventory

MINIMAL = Path(__file__).resolve().parent.parent / "data" / "minimal" / "city"


def assert_clean_exit(result, code: int) -> None:
    """Exit *code* through typer.Exit: the runner reports an escaped exception as exit 1 too."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def test_a_missing_path_is_one_problem_not_a_cascade_of_missing_keys(tmp_path):
    inv, problems = check_inventory(tmp_path / "nowhere")
    assert inv is None
    assert [p.message for p in problems] == ["no such file or directory"]


def test_a_directory_without_inventory_files_is_one_problem(cli, runner, tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    result = runner.invoke(cli, ["inventory", "stats", str(tmp_path)])
    assert_clean_exit(result, 1)
    assert "no inventory here" in result.output and "missing mandatory" not in result.output


def test_export_xlsx_onto_a_directory_is_a_usage_error_and_leaves_it_alone(cli, runner, tmp_path):
    target = tmp_path / "book.xlsx"
    target.mkdir()
    result = runner.invoke(cli, ["inventory", "export", str(MINIMAL), "--xlsx", str(target)])
    assert_clean_exit(result, 2)
    assert "is a directory" in result.output and target.is_dir() and not list(target.iterdir())


def test_export_into_an_unwritable_place_names_the_file_not_a_temporary_one(cli, runner):
    result = runner.invoke(cli, ["inventory", "export", str(MINIMAL), "--yaml", "/proc/govcloud.yaml"])
    assert_clean_exit(result, 1)
    assert "/proc/govcloud.yaml" in result.output and ".tmp" not in result.output


def test_stats_prints_names_with_brackets_and_colons_verbatim(cli, runner, tmp_path):
    city = tmp_path / "city"
    shutil.copytree(MINIMAL, city)
    base = city / "base.yaml"
    text = base.read_text(encoding="utf-8")
    assert "name: 市财政局" in text
    base.write_text(text.replace("name: 市财政局", 'name: "市财政局[/x] :wave: [v2]"', 1), encoding="utf-8")
    result = runner.invoke(cli, ["inventory", "stats", str(city)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "市财政局[/x] :wave: [v2]" in result.output
