"""Classes 10 and 12: no silent coercion (a date is a date, a boolean is not a number) and no
non-finite or absurd number passes validation; every refusal names the record and field.
Both routes: YAML and the survey CSV.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.security.conftest import problems_of, write_yaml

YAML_CASES = [
    ("usage.last_used", lambda s: s["usage"].update(last_used=0), "must be a date"),
    ("usage.last_used", lambda s: s["usage"].update(last_used=20171220), "must be a date"),
    ("usage.last_used", lambda s: s["usage"].update(last_used=True), "must be a date"),
    ("approval.date", lambda s: s["approval"].update(date=1.5e9), "must be a date"),
    ("mlps_level", lambda s: s.update(mlps_level=True), "boolean"),
    ("resources.vcpu", lambda s: s["resources"].update(vcpu=False), "boolean"),
    ("classified", lambda s: s.update(classified=1), "true or false"),
    ("public_facing", lambda s: s.update(public_facing="yes please"), "true or false"),
    ("data_gb", lambda s: s.update(data_gb=float("inf")), "finite"),
    ("data_gb", lambda s: s.update(data_gb=float("nan")), "finite"),
    ("investment", lambda s: s.update(investment=1e308), "<="),
    ("resources.ram_gb", lambda s: s["resources"].update(ram_gb=-1e-300), "negative"),
    ("resources.vcpu", lambda s: s["resources"].update(vcpu=10**30), "<="),
    ("usage.monthly_active_users", lambda s: s["usage"].update(monthly_active_users=10**19), "<="),
    ("downtime_hours", lambda s: s.update(downtime_hours=float("-inf")), "finite"),
]


@pytest.mark.parametrize(
    ("field", "mutate", "words"), YAML_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(YAML_CASES)]
)
def test_a_coercible_or_absurd_value_is_refused_naming_the_field(
    field: str, mutate: Any, words: str, tmp_path: Path, city: dict[str, Any]
) -> None:
    mutate(city["systems"][0])
    problems = problems_of(write_yaml(tmp_path / "city.yaml", city))
    assert any(f": fin-budget: {field}: " in p and words in p for p in problems), problems


def test_other_records_are_strict_too(tmp_path: Path, city: dict[str, Any]) -> None:
    city["rooms"][0]["area_m2"] = float("inf")
    city["assets"][0]["purchased"] = 0
    city["networks"][0]["contract_end"] = 2019
    city["cloud"]["domains"]["public_service"]["vcpu"] = True
    problems = "\n".join(problems_of(write_yaml(tmp_path / "city.yaml", city)))
    for expected in (
        ": r-fin-1: area_m2: ",
        ": purchased: must be a date",
        ": n-fin-inet: contract_end: ",
        "cloud.domains.public_service.vcpu: must be a number, got a boolean",
    ):
        assert expected in problems, problems


def test_a_date_in_the_surveys_formats_is_still_a_date(tmp_path: Path, city: dict[str, Any]) -> None:
    city["systems"][0]["usage"]["last_used"] = "2017/12/20"
    city["systems"][0]["approval"]["date"] = "2014年5月1日"
    assert problems_of(write_yaml(tmp_path / "city.yaml", city)) == []


def _survey(tmp_path: Path, city: dict[str, Any], edit: dict[str, str]) -> Path:
    from inventory.loader import load_inventory
    from inventory.survey import export_csv

    inv = load_inventory(write_yaml(tmp_path / "city.yaml", city))
    out = tmp_path / "csv"
    export_csv(inv, out)
    rows = list(csv.reader((out / "systems.csv").read_text(encoding="utf-8-sig").splitlines()))
    header = rows[0]
    for field, value in edit.items():
        from inventory.survey import sheet_columns

        title = next(c.title for c in sheet_columns("systems") if c.name == field)
        rows[1][header.index(title)] = value
    with (out / "systems.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return out


@pytest.mark.parametrize(
    ("field", "cell", "words"),
    [
        ("usage.last_used", "0", "not a valid date"),
        ("usage.last_used", "43000", "not a valid date"),
        ("data_gb", "inf", "finite"),
        ("data_gb", "1e400", "finite"),
        ("investment", "1e300", "<="),
        ("resources.vcpu", "2.5", "whole number"),
        ("mlps_level", "是", "not a number"),
    ],
)
def test_survey_cells_are_as_strict_as_yaml(
    field: str, cell: str, words: str, tmp_path: Path, city: dict[str, Any]
) -> None:
    problems = problems_of(_survey(tmp_path, city, {field: cell}))
    assert any(f": fin-budget: {field}: " in p and words in p for p in problems), problems
