"""Classes 6 and 7: IDs that would name the wrong path are refused, and a tampered plan.json
cannot make `report --departments` (or anything else) write outside its output directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from foundation.paths import UnsafePathError, path_for_id
from planner.plan_model import PlanError, load_plan
from tests.security.conftest import problems_of, time_bound, write_yaml


@pytest.mark.parametrize("bad", [".", "..", "...", "index", "INDEX", "-rf", "--help"])
def test_an_id_that_names_a_directory_a_reserved_file_or_an_option_is_refused(
    bad: str, tmp_path: Path, city: dict[str, Any]
) -> None:
    city["systems"][0]["id"] = bad
    problems = problems_of(write_yaml(tmp_path / "city.yaml", city))
    assert any(f": {bad}: id: " in p for p in problems), problems


def test_a_department_called_index_cannot_reach_the_report(tmp_path: Path, city: dict[str, Any]) -> None:
    city["departments"][0]["id"] = "index"
    for kind in ("rooms", "systems", "networks"):
        for record in city[kind]:
            if record.get("department") == "fin":
                record["department"] = "index"
    assert any(
        ": index: id: 'index' is a reserved name" in p
        for p in problems_of(write_yaml(tmp_path / "city.yaml", city))
    )


@pytest.mark.parametrize("bad", ["..", ".", "../etc", "a/b", "", "index", "x\x00y"])
def test_the_one_path_function_refuses_ids_that_leave_the_root(bad: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError):
        path_for_id(tmp_path, bad, ".html")
    with pytest.raises(UnsafePathError):
        path_for_id(PurePosixPath("/srv/govcloud"), bad)


def test_the_one_path_function_refuses_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(tmp_path, root / "fin.html")
    with pytest.raises(UnsafePathError):
        path_for_id(root, "fin", ".html")
    assert path_for_id(root, "hr", ".html") == root / "hr.html"


@pytest.fixture(scope="module")
def made_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from inventory.loader import load_inventory
    from planner.core import make_plan
    from planner.plan_model import write_plan
    from planner.policy import load_policy
    from tests.security.conftest import MINIMAL

    where = tmp_path_factory.mktemp("plan") / "plan.json"
    write_plan(make_plan(load_inventory(MINIMAL), load_policy()), where)
    return where, json.loads(where.read_text(encoding="utf-8"))


TAMPERS = {
    "department_traversal": lambda p: p["systems"][0].update(department="../../../escaped"),
    "system_id_traversal": lambda p: p["systems"][0].update(id="../x"),
    "room_id_dotdot": lambda p: p["rooms"][0].update(id=".."),
    "reserved_department": lambda p: p["systems"][0].update(department="index"),
    "digest_injection": lambda p: p["inventory"].update(digest="sha256:abc\n[evil]"),
    "unknown_disposition": lambda p: p["systems"][0].update(disposition="exfiltrate"),
    "boolean_wave": lambda p: p["systems"][0].update(wave=True),
    "huge_wave": lambda p: p["systems"][0].update(wave=10**12),
    "duplicate_system": lambda p: p["systems"].append(dict(p["systems"][0])),
    "wave_system_traversal": lambda p: p["waves"][0]["systems"].append("../../x"),
}


@pytest.mark.parametrize("case", sorted(TAMPERS))
def test_a_tampered_plan_is_refused_on_load_naming_the_field(
    case: str, made_plan: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, raw = made_plan
    tampered = json.loads(json.dumps(raw))
    TAMPERS[case](tampered)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(tampered), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_plan_with_non_finite_numbers_is_refused(
    constant: str, made_plan: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    source, _ = made_plan
    text = source.read_text(encoding="utf-8").replace('"cloud_rate": ', f'"cloud_rate": {constant}, "x": ', 1)
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    with pytest.raises(PlanError):
        load_plan(tmp_path / "plan.json")


def test_report_departments_with_a_tampered_plan_writes_nothing_outside_out(
    cli, runner, made_plan: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    from tests.security.conftest import MINIMAL

    _, raw = made_plan
    tampered = json.loads(json.dumps(raw))
    tampered["systems"][0]["department"] = "../../escaped"
    plan = tmp_path / "work" / "plan.json"
    plan.parent.mkdir()
    plan.write_text(json.dumps(tampered), encoding="utf-8")
    out = tmp_path / "work" / "out"
    with time_bound(120):
        result = runner.invoke(
            cli, ["report", str(MINIMAL), "--plan", str(plan), "--departments", "--out", str(out), "-q"]
        )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("escaped*")) == []
