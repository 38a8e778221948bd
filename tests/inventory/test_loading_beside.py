"""A large inventory's files have their text prepared beside, in a forked child: the same load."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from foundation import beside as beside_module
from inventory import loader, yaml_source
from inventory.loader import check_inventory


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from inventory.synth import synthesize, write_inventory

    out = tmp_path_factory.mktemp("synth")
    write_inventory(synthesize(300, 11), out)
    return out


def prepare_beside_always(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on every inventory counts as large; the children of the streams are recorded."""
    monkeypatch.setattr(loader, "BESIDE_MIN_BYTES", 0)
    started: list[int] = []
    init = beside_module.Stream.__init__

    def recording(self: beside_module.Stream, produce: Callable[[], Iterable[bytes]]) -> None:
        init(self, produce)
        if self.child is not None:
            started.append(self.child)

    monkeypatch.setattr(beside_module.Stream, "__init__", recording)
    return started


def _problems(path: Path) -> list[str]:
    _, problems = check_inventory(path)
    return [str(p) for p in problems]


def test_an_inventory_with_its_text_prepared_beside_loads_to_the_same_records(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_source, "CHUNK_CHARS", 4096)  # each list in pieces of a few records
    here, here_problems = check_inventory(synthetic)
    started = prepare_beside_always(monkeypatch)
    prepared, prepared_problems = check_inventory(synthetic)
    assert started, "no child prepared the files"
    assert here is not None and prepared == here
    assert [str(p) for p in prepared_problems] == [str(p) for p in here_problems]


def test_broken_files_give_the_same_problems_with_their_text_prepared_beside(
    synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(synthetic, broken)
    systems = sorted(broken.glob("systems*.yaml"))[0]
    systems.write_text(systems.read_text(encoding="utf-8").replace("mlps_level: 2", "mlps_level: 9", 1))
    (broken / "rooms.yaml").write_bytes((broken / "rooms.yaml").read_bytes() + b"\n# \xff\n")
    expected = _problems(broken)
    assert any("mlps_level" in p for p in expected) and any("rooms.yaml" in p for p in expected)
    started = prepare_beside_always(monkeypatch)
    assert _problems(broken) == expected
    assert started


def test_the_last_file_is_read_here_while_the_child_prepares_the_others(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, _ = check_inventory(synthetic)
    started = prepare_beside_always(monkeypatch)
    read_here: list[str] = []
    read_fast = loader._read_fast

    def recording(f: Path) -> object:
        read_here.append(f.name)
        return read_fast(f)

    monkeypatch.setattr(loader, "_read_fast", recording)
    loaded, _ = check_inventory(synthetic)
    assert started and loaded == here
    assert read_here == [sorted(synthetic.glob("*.yaml"))[-1].name]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda text: text.replace("mlps_level: 2", "mlps_level: 9", 1), id="a-bad-record"),
        pytest.param(lambda text: "# written by hand\n" + text, id="not-flow-yaml"),
        pytest.param(lambda text: text + "\n  - {id: [unclosed\n", id="broken-yaml"),
    ],
)
def test_a_spoilt_last_file_gives_the_same_problems_when_read_here_early(
    synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: Callable[[str], str]
) -> None:
    spoilt = tmp_path / "spoilt"
    shutil.copytree(synthetic, spoilt)
    last = sorted(spoilt.glob("*.yaml"))[-1]
    last.write_text(spoil(last.read_text(encoding="utf-8")), encoding="utf-8")
    expected_inventory, expected = check_inventory(spoilt)
    started = prepare_beside_always(monkeypatch)
    inventory, problems = check_inventory(spoilt)
    assert started
    assert inventory == expected_inventory
    assert [str(p) for p in problems] == [str(p) for p in expected]
