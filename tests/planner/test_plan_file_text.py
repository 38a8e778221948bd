"""A plan file's strings: control characters refused wherever they hide in the JSON text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.plan_model import Plan, PlanError, load_plan, write_plan


def _plan_file(tmp_path: Path, reason: str) -> Path:
    plan = Plan.model_validate({
        "inventory": {"city": "c", "systems": 1, "digest": "sha256:ab"},
        "policy": {"name": "p", "digest": "sha256:cd"},
        "systems": [{"id": "a", "department": "d", "disposition": "migrate", "reasons": [reason]}],
    })
    path = tmp_path / "plan.json"
    write_plan(plan, path)
    return path


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\r", "\x85", "\u200b", "\u2028", "\ufeff"])
def test_a_control_character_in_a_reason_is_refused_naming_the_field(tmp_path: Path, char: str) -> None:
    path = _plan_file(tmp_path, f"moves{char}now")
    where = r"systems\[0\]\.reasons\[0\]"
    with pytest.raises(PlanError, match=rf"{where}: holds the control character U\+{ord(char):04X}"):
        load_plan(path)


def test_a_control_character_written_as_its_own_escape_is_refused_too(tmp_path: Path) -> None:
    path = _plan_file(tmp_path, "x")
    text = path.read_text(encoding="utf-8").replace('"x"', '"a\\u001bb"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError, match="U\\+001B"):
        load_plan(path)


def test_line_breaks_and_tabs_of_a_reason_load(tmp_path: Path) -> None:
    path = _plan_file(tmp_path, "first line\n\tsecond")
    assert load_plan(path).systems[0].reasons == ["first line\n\tsecond"]
    assert json.loads(path.read_text(encoding="utf-8"))["systems"][0]["reasons"] == ["first line\n\tsecond"]


def test_a_reason_that_names_a_json_constant_loads(tmp_path: Path) -> None:
    path = _plan_file(tmp_path, "utilisation was NaN in the survey, Infinity in the export")
    assert load_plan(path).systems[0].reasons == ["utilisation was NaN in the survey, Infinity in the export"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("field", "given"),
    [("cloud_rate", '"cloud_rate": 0.0'), ("an extra field", '"systems": 1,')],  # extras are kept as given
)
def test_a_number_json_does_not_have_is_refused_by_name(
    tmp_path: Path, constant: str, field: str, given: str
) -> None:
    path = _plan_file(tmp_path, "x")
    text = path.read_text(encoding="utf-8")
    assert given in text
    value = f'"cloud_rate": {constant}' if field == "cloud_rate" else f'"systems": 1, "x": {constant},'
    path.write_text(text.replace(given, value, 1), encoding="utf-8")
    with pytest.raises(PlanError, match=f"{constant.lstrip('-')} is not a number a plan may hold"):
        load_plan(path)
