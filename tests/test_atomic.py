"""foundation.atomic: outputs are replaced whole or not at all, and errors name the user's path."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation.atomic import atomic_open, atomic_write_text


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_a_directory_as_target_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as err:
        atomic_write_text(target, "x")
    assert err.value.filename == str(target)
    assert target.is_dir() and list(tmp_path.iterdir()) == [target]


def test_a_file_in_the_way_of_the_parent_directory_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("keep", encoding="utf-8")
    with pytest.raises(NotADirectoryError) as err:
        atomic_write_text(blocker / "sub" / "plan.json", "x")
    assert err.value.filename == str(blocker)
    assert blocker.read_text(encoding="utf-8") == "keep"


def test_an_unwritable_place_is_reported_with_the_target_not_the_temporary_name() -> None:
    with pytest.raises(OSError) as err:
        atomic_write_text("/proc/govcloud-test.txt", "x")
    assert err.value.filename == "/proc/govcloud-test.txt"
