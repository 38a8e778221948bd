"""Random mutations of a valid inventory never crash the loader: a model, or problems, nothing else."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.loader import check_inventory
from inventory.problems import Problem, Severity

MINIMAL = Path(__file__).resolve().parent.parent / "data" / "minimal" / "city"
TEXT = "\n".join(f.read_text(encoding="utf-8") for f in sorted(MINIMAL.glob("*.yaml"))).replace(
    "version: 1\n", "", 1
)
DATA: dict[str, Any] = yaml.safe_load(TEXT)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        out.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, out)
    return out


@st.composite
def mutated_data(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(DATA)
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(_containers(data, [])))
        if not target:
            continue
        key = draw(
            st.sampled_from(list(target.keys()) if isinstance(target, dict) else list(range(len(target))))
        )
        action = draw(st.sampled_from(["delete", "junk", "insert"]))
        if action == "delete":
            del target[key]
        elif action == "junk":
            target[key] = draw(JUNK)
        elif isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=6))] = draw(JUNK)
        else:
            target.insert(key, draw(JUNK))
    return data


def _assert_clean_result(path: Path) -> None:
    inv, problems = check_inventory(path)
    assert all(isinstance(p, Problem) for p in problems)
    if inv is None:
        assert any(p.severity is Severity.ERROR for p in problems)
        assert all(str(p).startswith(str(path)) for p in problems)
    else:
        assert not any(p.severity is Severity.ERROR for p in problems)


@SETTINGS
@given(data=mutated_data())
def test_structural_mutations_give_a_model_or_problems(data, tmp_path):
    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _assert_clean_result(path)


@SETTINGS
@given(
    cut=st.integers(0, len(TEXT.encode())), junk=st.binary(max_size=6), at=st.integers(0, len(TEXT.encode()))
)
def test_truncated_or_corrupted_bytes_give_a_model_or_problems(cut, junk, at, tmp_path):
    raw = TEXT.encode()[:cut]
    raw = raw[:at] + junk + raw[at:]
    path = tmp_path / "inv.yaml"
    path.write_bytes(raw)
    _assert_clean_result(path)


@SETTINGS
@given(edits=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 40), JUNK), min_size=1, max_size=4))
def test_junk_in_survey_cells_gives_a_model_or_problems(edits, tmp_path_factory):
    import csv

    from inventory.survey import export_csv

    out = tmp_path_factory.mktemp("survey")
    files = export_csv(check_inventory(MINIMAL)[0], out)  # type: ignore[arg-type]
    for file_no, cell_no, junk in edits:
        target = files[file_no % len(files)]
        rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
        flat = [(r, c) for r in range(len(rows)) for c in range(len(rows[r]))]
        r, c = flat[cell_no % len(flat)]
        rows[r][c] = str(junk)
        with target.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    _assert_clean_result(out)
