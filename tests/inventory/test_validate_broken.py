"""The broken-inventory corpus: every problem reported at once, with file, line, record and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.loader import check_inventory

BROKEN = Path(__file__).resolve().parent.parent / "data" / "broken"
CASES = sorted(p.name.removesuffix(".expected") for p in BROKEN.glob("*.expected"))


def inventory_of(case: str) -> Path:
    """The broken inventory of a case: a file or directory named like it, else CASE.yaml."""
    path = BROKEN / case
    return path if path.exists() else BROKEN / f"{case}.yaml"


def expected_lines(case: str, path: Path) -> list[str]:
    """The .expected file: one problem per line, the inventory path left out ({path} where it recurs)."""
    out = []
    for line in (BROKEN / f"{case}.expected").read_text(encoding="utf-8").splitlines():
        prefix = ""
        if line.startswith("warning: "):
            prefix, line = "warning: ", line.removeprefix("warning: ")
        line = line.replace("{path}", str(path))
        out.append(f"{prefix}{path}{'' if line.startswith('/') else ':'}{line}")
    return out


def test_corpus_covers_every_kind_of_problem():
    assert {
        "missing_field",
        "bad_enum",
        "negative_area",
        "mlps_level",
        "bad_id",
        "bad_date",
        "unknown_field",
        "duplicate_id",
        "unknown_reference",
        "syntax_error",
        "not_utf8",
        "top_level_list",
        "not_a_list",
        "wrong_version",
        "missing_top_level",
        "corrupt.xlsx",
        "conflict",
        "survey_csv",
        "many_problems",
    } <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_validate_reports_every_expected_problem_and_exits_1(case, cli, runner):
    path = inventory_of(case)
    result = runner.invoke(cli, ["inventory", "validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout.splitlines() == expected_lines(case, path)
    assert "invalid" in result.stderr


@pytest.mark.parametrize("case", CASES)
def test_check_inventory_returns_no_inventory_for_broken_input(case):
    inv, problems = check_inventory(inventory_of(case))
    assert inv is None
    assert any(p.severity == "error" for p in problems)


def test_many_problems_are_all_reported_in_one_run():
    _, problems = check_inventory(BROKEN / "many_problems.yaml")
    fields = {(p.record, p.field) for p in problems}
    # schema, duplicate and cross-reference problems of the same file, all at once
    assert {
        ("fin-budget", "mlps_level"),
        ("fin-budget", "id"),
        ("fin-budget", "networks[1]"),
        ("hr-web", "replaced_by"),
        ("a-1", "room"),
        ("a-1", "book_value"),
    } <= fields
    assert len(problems) >= 15
