"""The fast path (flow records validated straight from JSON) gives what the careful path gives.

Either it declines a file (None: the careful path reads it) or its records are exactly those the
careful path would build; problems are only ever reported by the careful path.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from inventory import fast_path, yaml_source
from inventory.loader import check_inventory
from inventory.models import ENTITY_MODELS, Asset, System


def careful(text: str) -> dict[str, Any] | None:
    """What the careful path makes of *text*: its records, or None when it finds a problem."""
    data = yaml_source.parse(text)
    if not isinstance(data, dict):
        return None
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ENTITY_MODELS and isinstance(value, list):
            try:
                out[key] = TypeAdapter(list[ENTITY_MODELS[key]]).validate_python(value)  # type: ignore[name-defined]
            except ValidationError:
                return None
        else:
            out[key] = value
    return out


def assert_same_records(fast: dict[str, Any], slow: dict[str, Any]) -> None:
    assert fast == slow
    for key, records in fast.items():
        if key in ENTITY_MODELS and records is not None:
            for a, b in zip(records, slow[key], strict=True):
                assert type(a) is type(b)
                assert a.model_fields_set == b.model_fields_set
                assert {k: type(v) for k, v in a.__dict__.items()} == {
                    k: type(v) for k, v in b.__dict__.items()
                }


def _careful_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_path, "read", lambda text: None)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from inventory.synth import synthesize, write_inventory

    out = tmp_path_factory.mktemp("synth")
    write_inventory(synthesize(400, 7), out)
    return out


def test_a_synthetic_inventory_loads_to_the_same_records_on_both_paths(synthetic, monkeypatch):
    taken = []
    read = fast_path.read

    def counted(text: str) -> dict[str, Any] | None:
        result = read(text)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(fast_path, "read", counted)
    fast, fast_problems = check_inventory(synthetic)
    assert taken and all(taken)  # every file of it took the fast path
    _careful_only(monkeypatch)
    slow, slow_problems = check_inventory(synthetic)
    assert fast is not None and slow is not None and fast_problems == slow_problems
    for kind in ENTITY_MODELS:
        assert_same_records({kind: getattr(fast, kind)}, {kind: getattr(slow, kind)})
    assert fast == slow


# Each edit turns one record of a systems file into what the careful path must judge.
BROKEN = [
    ("mlps_level: 3", "mlps_level: 7"),
    ("mlps_level: 3", "mlps_level: true"),
    ("mlps_level: 3", "mlps_level: 3.0"),
    ("mlps_level: 3", 'mlps_level: "3"'),
    ("mlps_level: 3", "mlps_level: 3, mlps_level: 2"),  # a duplicate key
    ("mlps_level: 3", "mlps_level: 3, colour: 2"),  # an unknown field
    ("investment: ", "investment: 1e5, x_investment: "),
    ("investment: ", "investment: 1.5e3, annual_om_cost: "),  # a duplicate key, with an exponent
    ("last_used: 20", "last_used: 13"),  # e.g. 2017-12-22 -> 1317-12-22 (still a date)
    ("last_used: 2", 'last_used: "2'),  # a quoted date: '"2017-12-22' is then unclosed
    ("category: ", "category: "),  # unchanged: the file stays fine
]


@pytest.mark.parametrize(("old", "new"), BROKEN)
def test_a_changed_record_gives_the_careful_paths_result(synthetic, tmp_path, monkeypatch, old, new):
    for f in synthetic.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    target = tmp_path / "systems-001.yaml"
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    fast, fast_problems = check_inventory(tmp_path)
    _careful_only(monkeypatch)
    slow, slow_problems = check_inventory(tmp_path)
    assert fast_problems == slow_problems
    assert fast == slow


def test_duplicate_and_unsafe_ids_are_reported_as_the_careful_path_reports_them(
    synthetic, tmp_path, monkeypatch
):
    for f in synthetic.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    target = tmp_path / "systems-001.yaml"
    lines = target.read_text(encoding="utf-8").split("\n")
    first_id = re.search(r'id: "([^"]+)"', lines[2])
    assert first_id is not None
    lines[3] = re.sub(r'id: "[^"]+"', f'id: "{first_id.group(1)}"', lines[3], count=1)  # given twice
    lines[4] = re.sub(r'id: "[^"]+"', 'id: "INDEX"', lines[4], count=1)  # a reserved name
    lines[5] = re.sub(r'id: "[^"]+"', 'id: "-x"', lines[5], count=1)
    target.write_text("\n".join(lines), encoding="utf-8")
    fast, fast_problems = check_inventory(tmp_path)
    _careful_only(monkeypatch)
    slow, slow_problems = check_inventory(tmp_path)
    assert fast is None and fast_problems == slow_problems
    assert {p.field for p in fast_problems if p.line in (4, 5, 6)} >= {"id"}


ASSET_LINES = [
    '{id: "a", room: "r", kind: "server", purchased: 2014-01-07, book_value: 3}',
    '{id: "a", room: "r", kind: "server", purchased: "2014-01-07"}',
    '{id: "a", room: "r", kind: "server", purchased: "2014/1/7"}',  # a survey format: careful only
    '{id: "a", room: "r", kind: "server", purchased: 2014-02-30}',
    '{id: "a", room: "r", kind: "server", purchased: 2014-1-7}',
    '{id: "a", room: "r", kind: "server", purchased: null}',
    '{id: "a", room: "r", kind: "server", model: 2014-01-07}',  # a date is not a name
    '{id: "a", room: "r", kind: "server", serves: [2014-01-07]}',
    '{id: "a", room: "r", kind: "server", book_value: 1e5}',
    '{id: "a", room: "r", kind: "server", book_value: 1.5E+3}',
    '{id: "a", room: "r", kind: "server", book_value: true}',
    '{id: "a", room: "r", kind: "server", book_value: NaN}',
    '{id: "a", room: "r", kind: "server", book_value: "12"}',
    '{id: "a", room: "r", kind: "server", book_value: -0.0}',
    '{id: "a", room: "r", kind: "server", book_value: 123456789012345678901234567890}',
    '{id: "a", room: "r", kind: "server", kind: "ups"}',
    '{"id": "a", "room": "r", "kind": "server"}',
    '{id: "a", room: "r", kind: "Server"}',
    '{id: "a", room: "r", kind: "server", serves: ["s", "s"]}',
    '{id: "index", room: "r", kind: "server"}',
    '{id: "..", room: "r", kind: "server"}',
    '{id: "a", room: "r", kind: "server", model: "tab\\there"}',
    '{id: "a", room: "r", kind: "server", model: "a, b: {c: d}, e: 2017-01-01"}',
    '{id: "a", room: "r", kind: "server", model: "100%s %d"}',
    '{id: "a", room: "r", kind: "server", model: "\\u00e9\\"q\\""}',
    '{id: "a", room: "r", kind: "server", model: "line\\u2028break"}',
    '{id: "a", room: "r", kind: "server", model: "x\x85y"}',
    '{id: "a", room: "r", kind: "server", on: 1}',
    '{id: "a", room: "r", kind: "server", model: \'single\'}',
    '{id: "a", room: "r", kind: "server"} # a comment',
    '{id: "a", room: "r", kind: "server", model: plain}',
    '{id: a, room: "r", kind: "server"}',
    '{ id: "a", room: "r", kind: "server"}',
    '{id: "a", room: "r", kind: "server", }',
    '{id: "a", room: "r", kind: "server", serves: []}',
    '{id: "a", room: "r", kind: "server", serves: {}}',
]


def same_records_or_declined(text: str) -> dict | None:
    """The fast path's reading of *text*, checked to equal the careful path's; None if it declined."""
    fast = fast_path.read(text)
    if fast is not None:
        slow = careful(text)
        assert slow is not None, "the fast path took what the careful path refuses"
        assert_same_records(fast, slow)
    return fast


@pytest.mark.parametrize("line", ASSET_LINES)
def test_an_asset_line_reads_the_same_on_both_paths_or_is_left_to_the_careful_one(line):
    text = f'version: 1\nassets:\n- {line}\n- {{id: "b", room: "r", kind: "ups"}}\n'
    same_records_or_declined(text)


def test_the_bundled_and_minimal_files_read_the_same_on_both_paths():
    from inventory.loader import bundled_inventory_path

    data = Path(__file__).resolve().parent.parent / "data" / "minimal" / "city"
    for path in [*data.glob("*.yaml"), *bundled_inventory_path().glob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        fast = fast_path.read(text)
        if fast is not None:
            slow = careful(text)
            assert slow is not None
            assert_same_records(fast, slow)


def test_the_fast_path_validates_numbers_and_dates_without_a_python_call_each():
    import sys

    for model in ENTITY_MODELS.values():
        fast_path._validator(model)  # every model has its strict validator
        assert model.__pydantic_complete__  # and says it is complete again once it is built
    calls: list[str] = []

    def called(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.endswith(("fields.py", "models.py")):
            calls.append(frame.f_code.co_name)

    text = (
        'assets:\n- {id: "a", room: "r", kind: "server", purchased: 2014-01-07, book_value: 3}\n'
        'systems:\n- {id: "s", name: "n", department: "d", category: "business", mlps_level: 2, '
        'usage: {scope: "unit", monthly_active_users: 3, last_used: 2019-02-03}}\n'
    )
    sys.setprofile(called)
    try:
        fast = fast_path.read(text)
    finally:
        sys.setprofile(None)
    assert fast is not None
    assert fast["assets"][0].purchased == dt.date(2014, 1, 7) and fast["assets"][0].book_value == 3.0
    assert "_number" not in calls and "_day" not in calls and "_record_id" not in calls
    assert {"last_used", "date", "contract_end", "purchased"} == fast_path.DATE_FIELDS


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**13),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(dt.date(1, 1, 1)),
    _text,
    st.sampled_from(["1e5", "2014-01-07", "2014/1/7", "public", "business", "data", "index", "-", "a b"]),
    st.lists(_text, max_size=2),
)
_ids = st.sampled_from(["s1", "d", "r-1", "n.1", "index", "-x", "a b", ""])
_numbers = st.one_of(
    st.integers(0, 10**13),
    st.floats(0, 1e13),
    st.integers(-2, 0),
    st.sampled_from(["1e5", "12", 3.0, 1.5e-7, 2.5e20]),
)


def _mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """*strategy* nineteen times in twenty, any odd value otherwise."""
    return st.integers(0, 19).flatmap(lambda n: _value if n == 0 else strategy)


# A system's fields, mostly of their own kind: enough of them valid that both paths take some.
_system = st.fixed_dictionaries(
    {},
    optional={
        "id": _mostly(_ids),
        "name": _mostly(_text),
        "category": _mostly(st.sampled_from(["business", "oa", "website", "Business"])),
        "mlps_level": _mostly(st.integers(0, 5)),
        "networks": _mostly(st.lists(_ids, max_size=3)),
        "usage": _mostly(
            st.fixed_dictionaries(
                {"scope": _mostly(st.sampled_from(["unit", "public", "x"]))},
                optional={"monthly_active_users": _mostly(_numbers), "last_used": _mostly(st.dates())},
            )
        ),
        "investment": _mostly(_numbers),
        "utilisation": _mostly(st.floats(0, 1.2)),
        "classified": _mostly(st.booleans()),
        "status": _mostly(st.sampled_from(["active", "idle"])),
        "replaced_by": _mostly(_ids),
        "approval": _mostly(
            st.fixed_dictionaries({}, optional={"date": _mostly(st.dates()), "authority": _text})
        ),
    },
)


def _flow(value: Any) -> str:
    from inventory.synth.writer import _flow as write

    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return repr(value)  # exponents too: what a hand-made file may hold
    return write(value)


@settings(max_examples=400, deadline=None)
@given(st.lists(_system, min_size=1, max_size=3))
def test_any_system_lines_read_the_same_on_both_paths_or_are_left_to_the_careful_one(records):
    base = {"id": "s", "name": "n", "department": "d", "category": "business"}
    text = "systems:\n" + "".join(
        "- {" + ", ".join(f"{k}: {_flow(v)}" for k, v in {**base, **r}.items()) + "}\n" for r in records
    )
    fast = same_records_or_declined(text)
    assert fast is None or all(isinstance(s, System) for s in fast["systems"])


def test_an_asset_file_larger_than_one_piece_is_read_piece_by_piece(monkeypatch):
    monkeypatch.setattr(yaml_source, "CHUNK_CHARS", 200)
    lines = "".join(
        f'- {{id: "a{i}", room: "r", kind: "server", purchased: 2014-01-{i % 28 + 1:02d}}}\n'
        for i in range(50)
    )
    text = "assets:\n" + lines
    fast = fast_path.read(text)
    assert fast is not None and [a.id for a in fast["assets"]] == [f"a{i}" for i in range(50)]
    assert_same_records(fast, careful(text) or {})
    assert all(isinstance(a, Asset) for a in fast["assets"])
    broken = text.replace('id: "a37"', 'id: "a37", id: "b"')  # in a later piece
    assert fast_path.read(broken) is None and careful(broken) is None


def test_loading_leaves_nothing_frozen_and_what_it_dropped_collectable():
    import weakref

    class Cycle:
        pass

    gc.collect()
    assert gc.get_freeze_count() == 0
    made = Cycle()
    made.me = made  # type: ignore[attr-defined]
    ref = weakref.ref(made)
    del made  # garbage the collector has not seen yet when the load begins
    inv, _ = check_inventory()
    assert inv is not None and gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert ref() is None


def test_a_callers_settled_objects_stay_frozen_through_a_load():
    from foundation import collector

    collector.settle()
    try:
        before = gc.get_freeze_count()
        check_inventory()
        assert gc.get_freeze_count() >= before > 0
    finally:
        collector.unsettle()
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    "text",
    [
        "assets:\n\nplatforms: []\nversion: 1\n",
        'version: 1\ncity: {id: "c", name: "市"}\nassets:\n- {id: "a", room: "r", kind: "ups"}\n\n',
        'assets: [{id: "a", room: "r", kind: "ups"}]\nunknown_key: 3\n',
        'assets: [{id: "a", room: "r", kind: "ups"}]\n  trailing: 1\n',
        'assets: null\nsystems:\n',
        'assets:\n- {id: "a", room: "r", kind: "ups"}\nassets:\n- {id: "b", room: "r", kind: "ups"}\n',
        'version: 1\n---\nassets: []\n',
        'cloud: &c {region: "x"}\nother: *c\nassets: []\n',
    ],
)
def test_a_documents_other_keys_and_empty_lists_read_as_the_careful_path_reads_them(text):
    fast = fast_path.read(text)
    if fast is None:
        return
    slow = careful(text)
    assert slow is not None
    assert_same_records(fast, slow)
