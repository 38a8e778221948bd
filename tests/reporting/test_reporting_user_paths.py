"""`report`, `finance`, `progress` with bad outputs, a plan of another inventory, bad databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from planner.plan_model import Plan, write_plan
from tests.reporting.conftest import INVENTORY


def assert_clean_exit(result, code: int) -> None:
    """Exit *code* through typer.Exit: the runner reports an escaped exception as exit 1 too."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


@pytest.fixture
def files(city_plan: Plan, tmp_path: Path) -> dict[str, Path]:
    inv = tmp_path / "city.yaml"
    inv.write_text(yaml.safe_dump(INVENTORY, allow_unicode=True), encoding="utf-8")
    plan = tmp_path / "plan.json"
    write_plan(city_plan, plan)
    return {"inventory": inv, "plan": plan, "dir": tmp_path}


def _with_plan(files: dict[str, Path], *args: str) -> list[str]:
    return [args[0], str(files["inventory"]), "--plan", str(files["plan"]), "-q", *args[1:]]


def test_report_out_pointing_at_a_file_is_a_usage_error_and_keeps_it(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    blocker = files["dir"] / "report"
    blocker.write_text("keep me", encoding="utf-8")
    res = runner.invoke(cli, _with_plan(files, "report", "--out", str(blocker)))
    assert_clean_exit(res, 2)
    assert "not a directory" in res.output and blocker.read_text(encoding="utf-8") == "keep me"


def test_report_into_an_unwritable_place_exits_1_naming_it(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    res = runner.invoke(cli, _with_plan(files, "report", "--departments", "--out", "/proc/govcloud-r"))
    assert_clean_exit(res, 1)
    assert "/proc/govcloud-r" in res.output and "cannot write the report" in res.output


def test_finance_xlsx_pointing_at_a_directory_is_a_usage_error(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    res = runner.invoke(cli, _with_plan(files, "finance", "--xlsx", str(files["dir"])))
    assert_clean_exit(res, 2)
    assert "is a directory" in res.output


def test_finance_into_an_unwritable_place_names_the_workbook_not_a_temporary_file(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    res = runner.invoke(cli, _with_plan(files, "finance", "--xlsx", "/proc/ledger.xlsx"))
    assert_clean_exit(res, 1)
    assert "/proc/ledger.xlsx: cannot write the ledger" in res.output and ".tmp" not in res.output


def test_a_plan_of_another_city_is_refused_instead_of_an_empty_ledger(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path], city_plan: Plan
) -> None:
    other = city_plan.model_copy(deep=True)
    other.inventory.city = "elsewhere"
    write_plan(other, files["plan"])
    xlsx = files["dir"] / "ledger.xlsx"
    res = runner.invoke(cli, _with_plan(files, "finance", "--xlsx", str(xlsx)))
    assert_clean_exit(res, 1)
    assert "not a plan of this inventory" in res.output and "'elsewhere'" in res.output
    assert not xlsx.exists()


def test_a_plan_naming_systems_the_inventory_lacks_is_refused(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path], city_plan: Plan
) -> None:
    other = city_plan.model_copy(deep=True)
    other.systems[0].id = "ghost-system"
    write_plan(other, files["plan"])
    res = runner.invoke(cli, _with_plan(files, "report", "--out", str(files["dir"] / "r")))
    assert_clean_exit(res, 1)
    assert "ghost-system" in res.output and not (files["dir"] / "r").exists()


def test_a_plan_of_an_older_version_of_the_inventory_is_used_with_a_warning(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    # The hand-built plan of the conftest carries a made-up inventory digest.
    res = runner.invoke(cli, _with_plan(files, "report", "--out", str(files["dir"] / "r")))
    assert res.exit_code == 0, res.output
    assert "another version of this inventory" in res.output
    assert (files["dir"] / "r" / "report.html").is_file()


def _progress_report(files: dict[str, Path], url: str) -> list[str]:
    inv, plan = str(files["inventory"]), str(files["plan"])
    return ["progress", "report", "--month", "2018-03", "--inventory", inv, "--plan", plan, "--db", url]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nonsense", "not a database URL"),
        ("sqlite:////proc/govcloud-x/p.db", "cannot create the database file"),
    ],
)
def test_progress_with_an_unusable_database_exits_1(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path], url: str, says: str
) -> None:
    res = runner.invoke(cli, _progress_report(files, url))
    assert_clean_exit(res, 1)
    assert says in res.output


def test_progress_with_a_file_that_is_not_a_database_exits_1(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    before = files["inventory"].read_bytes()
    res = runner.invoke(cli, _progress_report(files, f"sqlite:///{files['inventory']}"))
    assert_clean_exit(res, 1)
    assert "cannot open the progress database" in res.output
    assert files["inventory"].read_bytes() == before
