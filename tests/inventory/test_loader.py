"""The YAML route: files and directories, merging, fast parsing, warnings and the public API."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory import yaml_source
from inventory.loader import bundled_inventory_path, check_inventory, load_inventory
from inventory.models import Inventory
from inventory.problems import InventoryError, Severity

DATA = Path(__file__).resolve().parent.parent / "data"
MINIMAL = DATA / "minimal" / "city"


def test_bundled_sample_city_loads_and_validates_clean():
    inv, problems = check_inventory()
    assert problems == []
    assert inv is not None and len(inv.systems) >= 250 and len(inv.departments) >= 40


def test_load_inventory_without_path_is_the_bundled_city():
    assert bundled_inventory_path().is_dir()
    assert load_inventory() == load_inventory(bundled_inventory_path())


def test_directory_files_are_merged_list_by_list():
    inv = load_inventory(MINIMAL)
    assert [s.id for s in inv.systems] == ["fin-budget", "fin-web", "hr-core", "fin-tax"]  # from systems.yaml
    assert [d.id for d in inv.departments] == ["fin", "hr", "a-gov"]  # from base.yaml
    assert inv.city.name == "测试市" and inv.cloud.domains.administrative_service.dedicated_level4_pool


def test_single_file_and_merged_directory_give_the_same_model(tmp_path):
    merged = {}
    for f in sorted(MINIMAL.glob("*.yaml")):
        for key, value in yaml.safe_load(f.read_text(encoding="utf-8")).items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump(merged, allow_unicode=True), encoding="utf-8")
    assert load_inventory(one) == load_inventory(MINIMAL)


def test_load_inventory_raises_with_every_problem():
    with pytest.raises(InventoryError) as err:
        load_inventory(DATA / "broken" / "many_problems.yaml")
    assert len(err.value.problems) >= 15
    assert "problem(s) in inventory" in str(err.value)


def test_missing_path_and_empty_directory_are_problems_not_exceptions(tmp_path):
    inv, problems = check_inventory(tmp_path / "nope.yaml")
    assert inv is None and problems[0].message == "no such file or directory"
    inv, problems = check_inventory(tmp_path)
    assert inv is None and "no inventory here" in problems[0].message


def test_system_in_another_departments_room_is_a_warning_only(tmp_path):
    text = (MINIMAL / "systems.yaml").read_text(encoding="utf-8").replace("room: r-hr-1", "room: r-fin-1")
    (tmp_path / "base.yaml").write_text((MINIMAL / "base.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "systems.yaml").write_text(text, encoding="utf-8")
    inv, problems = check_inventory(tmp_path)
    assert inv is not None
    assert [(p.severity, p.record, p.field) for p in problems] == [(Severity.WARNING, "hr-core", "room")]
    assert (
        problems[0].file == str(tmp_path / "systems.yaml") and problems[0].line == 58
    )  # "room: r-hr-1" of hr-core


def test_progress_reports_loading_and_validation_up_to_done():
    seen: list[tuple[str, float]] = []
    load_inventory(MINIMAL, progress=lambda stage, fraction: seen.append((stage, fraction)))
    stages = {stage for stage, _ in seen}
    assert stages == {"loading files", "validating records"}
    assert all(0.0 <= f <= 1.0 for _, f in seen)
    assert seen[-1] == ("validating records", 1.0)


@pytest.mark.parametrize(
    "path",
    sorted(MINIMAL.glob("*.yaml")) + sorted(bundled_inventory_path().glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_fast_parser_gives_what_safe_loader_gives(path):
    text = path.read_text(encoding="utf-8")
    assert yaml_source.parse(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: 1}\nc: *x\n",  # anchors and aliases
        "a: [&n 3, *n, &n x]\n",  # an anchor given twice: PyYAML's own error
        "base: &b {x: 1}\nd: {<<: *b, y: 2}\n",  # merge keys
        "a: !!str 12\nb: !!float 1\n",  # explicit tags
        "? [1, 2]\n: 3\n",  # a complex key: PyYAML's own error
        "a: [1, 2.5, yes, ~, 2019-01-02, '3', 0x1f, 1_000]\n",
    ],
)
def test_fast_parser_falls_back_to_pyyaml_for_rare_features(text):
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        assert isinstance(yaml_source.parse(text), yaml_source.TextError)
        return
    assert yaml_source.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a: &d 2016-09-12\nb: *d\n",  # what yaml.dump writes for a date used twice
        "a: [&n 3, *n, 4]\n",
        "&k key: 1\nother: *k\n",
    ],
)
def test_fast_parser_reads_scalar_aliases_itself(text, monkeypatch):
    def no_fallback(_text):
        raise AssertionError("fell back to PyYAML")

    monkeypatch.setattr(yaml_source, "_careful_load", no_fallback)
    assert yaml_source.parse(text) == yaml.safe_load(text)


def test_impossible_date_is_left_as_text_for_validation_to_name():
    assert yaml_source.parse("d: 2019-13-45\n") == {"d": "2019-13-45"}
    assert yaml_source.parse("a:\n- {d: 2019-13-45}\n") == {"a": [{"d": "2019-13-45"}]}


def test_locate_gives_value_lines_and_record_lines():
    text = "version: 1\nsystems:\n  - id: a\n    usage:\n      scope: x\n  - id: b\n"
    lines = yaml_source.locate(text, [("systems", 0)])
    assert lines[("systems", 0, "usage", "scope")] == 5
    assert lines[("systems", 1)] == 6 and ("systems", 1, "id") not in lines
    assert yaml_source.nearest_line(lines, ("systems", 1, "name")) == 6


def test_bom_is_ignored_and_bad_bytes_are_located():
    assert yaml_source.decode("\ufeffa: 1".encode()) == "a: 1"
    err = yaml_source.decode(b"a: 1\nb: \xff\n")
    assert isinstance(err, yaml_source.TextError) and err.line == 2 and "offset 8" in err.message


def test_inventory_model_is_a_real_inventory():
    inv = load_inventory(MINIMAL)
    assert isinstance(inv, Inventory)
    assert Inventory.model_validate(inv.model_dump()) == inv


FLOW_LINES = [
    'systems:\n- {id: "a", n: 1, f: 0.5, neg: -2, d: 2019-01-02, t: true, z: null, l: ["x", {k: "v"}]}\n',
    'version: 1\ncity: {id: "c", name: "市"}\nempty:\nregions: []\n',
    "# a comment line\nsystems:\n- {id: \"a\"}\n",
    'a:\n- {x: 1e5}\n',  # YAML 1.1 reads 1e5 as text, JSON as a number
    'a:\n- {x: 1.5E+3, y: .5, z: 1., w: 0x1f, v: 012, u: +1, s: 1_000}\n',
    'a:\n- {yes: 1, on: 2}\n',  # keys YAML reads as booleans
    'a:\n- {true: 1}\n',
    'yes: 1\n',
    'a:\n- {x: 1, x: 2}\n',  # a duplicate key: refused with its lines
    'a: 1\na: 2\n',
    'a:\n- {x: word}\n',  # plain strings are left to the general path
    'a:\n- {x: NaN, y: Infinity}\n',
    'a:\n- {x: "\\ud83d\\ude00"}\n',  # surrogate escapes: libyaml refuses them
    'a:\n- {x: "\\u0000"}\n',
    'a:\n- {x: "next\x85line"}\n',  # NEL is a YAML line break
    'a:\n- {x: "tab\there"}\n',
    'a:\n- {x: 1} # comment\n',
    'a:\n- {a b: 1}\n',
    'a:\n- {&x a: 1}\n',
    'a:\n- {x: 12017-12-06, y: 2017-12-06-07, z: 2017-1-6}\n',
    'a:\n- {x: 2017.12E06}\n',
    'a:\n- {x: "a, b: {c: d}, e: 2017-01-01"}\n',  # what the rewriting looks for, inside a string
    'a:\n- {x: 1,\n  y: 2}\n',  # one record over two lines
    'a:\n- {x: 1}\n\n- {x: 2}\n',
    'a:\n  - {x: 1}\n',
    'a:\n- [true, false, null, 1, "s"]\n',
    'a:\n- {x: [1, 2, ]}\n',
    'a:\n- {x: {}}\n- {y: []}\n',
    'a: {"q": 1, "r":2}\n',
    "a:\n- {x: 'single'}\n",
    'a:\n- ' + "[" * 70 + "]" * 70 + "\n",  # nested too deeply: refused with its line
    'a:\n- ' + "[" * 60 + "]" * 60 + "\n",
    'a:\n- {x: 1]\n',
    '- {x: 1}\n',
    'a:\n- {x: "\\x41\\t"}\n',
    'a:\n- {x: "a\\/b\\b\\f\\"q\\"", y: "\\\\u0000"}\n',  # escapes JSON and YAML share
    'a:\n- {x: 2017-12-06 10:00:00, y: 2017-12-06T10:00:00Z}\n',  # timestamps with a time
    'a:\n- {x: -0, y: -0.0, z: 123456789012345678901234567890}\n',
    'key:  \n',
]


@pytest.mark.parametrize("text", FLOW_LINES)
def test_flow_records_read_as_json_give_what_safe_loader_gives(text):
    try:
        expected = _c_safe_load(text)
    except yaml.YAMLError:
        assert isinstance(yaml_source.parse(text), yaml_source.TextError)
        return
    got = yaml_source.parse(text)
    if isinstance(got, yaml_source.TextError):  # refused by govcloud only: duplicate keys, depth
        assert "duplicate key" in got.message or "nested" in got.message
        return
    assert got == expected
    assert [type(v) for v in _leaves(got)] == [type(v) for v in _leaves(expected)]


def _c_safe_load(text):
    """SafeLoader over libyaml, as govcloud's general path reads (it refuses surrogate escapes)."""
    return yaml.load(text, Loader=yaml_source.Loader)  # noqa: S506 (CSafeLoader)


def _leaves(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from _leaves(v)
    elif isinstance(node, list):
        for v in node:
            yield from _leaves(v)
    else:
        yield node


def test_a_synthetic_inventory_is_read_without_libyaml_events(tmp_path, monkeypatch):
    from inventory.synth import synthesize, write_inventory

    write_inventory(synthesize(60, 3), tmp_path)
    texts = [p.read_text(encoding="utf-8") for p in sorted(tmp_path.glob("*.yaml"))]
    expected = [_c_safe_load(t) for t in texts]

    def no_events(_text):
        raise AssertionError("read event by event")

    monkeypatch.setattr(yaml_source, "_build", no_events)
    assert [yaml_source.parse(t) for t in texts] == expected


_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32), st.dates(), st.text(max_size=12),
)
_flow_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["id", "x", "y_1", "on", "Null"]), _flow_value), max_size=4))
def test_any_flow_records_written_by_synth_read_as_safe_loader_reads_them(records):
    from inventory.synth.writer import _flow

    text = "records:\n" + "".join(f"- {_flow(r)}\n" for r in records)
    try:
        expected = _c_safe_load(text)
    except yaml.YAMLError:
        assert isinstance(yaml_source.parse(text), yaml_source.TextError)
        return
    got = yaml_source.parse(text)
    assert got == expected
    assert [type(v) for v in _leaves(got)] == [type(v) for v in _leaves(expected)]
