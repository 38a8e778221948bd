"""The reporting commands: report, finance, progress record/report."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import typer
import yaml
from typer.testing import CliRunner

from inventory.models import Inventory
from planner.plan_model import Plan, write_plan
from tests.reporting.conftest import INVENTORY


@pytest.fixture
def files(city_plan: Plan, tmp_path: Path) -> dict[str, Path]:
    inv = tmp_path / "city.yaml"
    inv.write_text(yaml.safe_dump(INVENTORY, allow_unicode=True), encoding="utf-8")
    plan = tmp_path / "plan.json"
    write_plan(city_plan, plan)
    return {"inventory": inv, "plan": plan, "dir": tmp_path}


def test_report_command_writes_the_page_and_department_plans(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path], city: Inventory
) -> None:
    out = files["dir"] / "out"
    res = runner.invoke(
        cli,
        [
            "report",
            str(files["inventory"]),
            "--plan",
            str(files["plan"]),
            "--out",
            str(out),
            "--lang",
            "en",
            "--departments",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Cloud rate" in (out / "report.html").read_text(encoding="utf-8")
    assert {p.stem for p in (out / "departments").glob("*.md")} == {d.id for d in city.departments}


def test_report_with_a_broken_plan_file_fails_cleanly(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    bad = files["dir"] / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    res = runner.invoke(
        cli, ["report", str(files["inventory"]), "--plan", str(bad), "--out", str(files["dir"])]
    )
    assert res.exit_code == 1
    assert "not a JSON plan" in res.output and "Traceback" not in res.output


def test_finance_command_writes_xlsx_and_csv(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    xlsx, csv_dir = files["dir"] / "ledger.xlsx", files["dir"] / "csv"
    res = runner.invoke(
        cli,
        [
            "finance",
            str(files["inventory"]),
            "--plan",
            str(files["plan"]),
            "--xlsx",
            str(xlsx),
            "--csv",
            str(csv_dir),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    from reporting.finance import worksheet

    assert worksheet(openpyxl.load_workbook(xlsx), "totals").title == "部门年度合计"
    assert (csv_dir / "lines.csv").is_file()


def test_finance_without_an_output_is_a_usage_error(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    res = runner.invoke(cli, ["finance", str(files["inventory"]), "--plan", str(files["plan"])])
    assert res.exit_code == 2


def test_progress_record_then_report(cli: typer.Typer, runner: CliRunner, files: dict[str, Path]) -> None:
    common = [
        "--inventory",
        str(files["inventory"]),
        "--plan",
        str(files["plan"]),
        "--db",
        f"sqlite:///{files['dir'] / 'p.db'}",
    ]
    for kind, subject in (
        ("system_retired", "fin-old"),
        ("system-merged", "fin-web"),
        ("line_cancelled", "n-fin-inet"),
    ):
        res = runner.invoke(cli, ["progress", "record", kind, subject, "--date", "2018-03-30", *common])
        assert res.exit_code == 0, res.output
    res = runner.invoke(
        cli, ["progress", "record", "line_cancelled", "n-fin-inet", "--date", "2018-03-31", *common]
    )
    assert res.exit_code == 1 and "refused" in res.output and "contradicts" in res.output
    res = runner.invoke(cli, ["progress", "report", "--month", "2018-03", "--lang", "en", *common])
    assert res.exit_code == 0, res.output
    assert "| 0 | 2018-03-01 | 2018-03-31 | 2 / 2 | 1 / 1 | 0 / 0 | 0 / 0 | complete |" in res.output


def test_progress_report_rejects_a_bad_month(
    cli: typer.Typer, runner: CliRunner, files: dict[str, Path]
) -> None:
    res = runner.invoke(
        cli,
        [
            "progress",
            "report",
            "--month",
            "2018-13",
            "--plan",
            str(files["plan"]),
            "--inventory",
            str(files["inventory"]),
        ],
    )
    assert res.exit_code == 2 and "not a calendar month" in res.output
