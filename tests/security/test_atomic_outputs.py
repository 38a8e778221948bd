"""Classes 16 and 17: multi-file outputs are replaced as a set, and the temporary files of a
killed run are removed by the next run (never those of a live writer).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from foundation import atomic
from foundation.atomic import atomic_directory, atomic_write_text, clean_stale
from inventory.loader import load_inventory
from tests.security.conftest import MINIMAL, time_bound


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_an_export_that_fails_midway_leaves_the_old_set_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory import survey

    out = tmp_path / "csv"
    first = load_inventory(MINIMAL)
    survey.export_csv(first, out)
    old = _snapshot(out)
    second = first.model_copy(update={"city": first.city.model_copy(update={"name": "改名市"})})
    written = 0
    real = survey.atomic_write_text

    def dying(path: Any, text: str) -> None:
        nonlocal written
        written += 1
        if written == 3:
            raise KeyboardInterrupt  # as a Ctrl-C or a kill would stop it
        real(path, text)

    monkeypatch.setattr(survey, "atomic_write_text", dying)
    with pytest.raises(KeyboardInterrupt):
        survey.export_csv(second, out)
    assert _snapshot(out) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv"]  # no temporary directory left


def test_an_export_replaces_every_file_of_the_set_at_once(tmp_path: Path) -> None:
    from inventory.survey import export_csv

    out = tmp_path / "csv"
    inv = load_inventory(MINIMAL)
    export_csv(inv, out)
    (out / "systems.csv").write_text("stale", encoding="utf-8")
    export_csv(inv, out)
    assert (out / "systems.csv").read_text(encoding="utf-8-sig") != "stale"
    assert load_inventory(out) == inv


def test_a_directory_with_foreign_files_is_refused_not_emptied(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError) as err, atomic_directory(out, owned=lambda n: n.endswith(".csv")):
        pass
    assert "notes.txt" in str(err.value)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_department_plans_are_swapped_in_as_one_directory(tmp_path: Path) -> None:
    from planner.core import make_plan
    from planner.policy import load_policy
    from reporting.departments import write_department_plans

    inventory = load_inventory(MINIMAL)
    plan = make_plan(inventory, load_policy())
    write_department_plans(plan, inventory, out_dir=tmp_path)
    target = tmp_path / "departments"
    (target / "obsolete.md").write_text("from an older plan", encoding="utf-8")
    inode = target.stat().st_ino
    write_department_plans(plan, inventory, out_dir=tmp_path)
    assert not (target / "obsolete.md").exists()
    assert target.stat().st_ino != inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["departments"]


KILLED_WRITER = textwrap.dedent(
    """
    import os, sys
    from foundation.atomic import atomic_directory, atomic_open
    target, kind = sys.argv[1], sys.argv[2]
    if kind == "file":
        with atomic_open(target) as fh:
            fh.write("half")
            fh.flush()
            os.kill(os.getpid(), 9)
    else:
        with atomic_directory(target) as tmp:
            (tmp / "a.csv").write_text("half")
            os.kill(os.getpid(), 9)
    """
)


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_the_next_run_removes_what_a_killed_run_left(kind: str, tmp_path: Path, repo_root: Path) -> None:
    target = tmp_path / ("plan.json" if kind == "file" else "csv")
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(target), kind],
        cwd=repo_root,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers, "the killed run must have left its temporary behind for this case to mean anything"
    atomic._cleaned.discard(os.path.abspath(tmp_path))  # a new run: nothing cleaned yet
    atomic_write_text(tmp_path / "next.txt", "next run")
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_live_writers_temporary_is_left_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".plan.json.{sleeper.pid}.abcd1234.tmp"
        live.write_text("in progress", encoding="utf-8")
        with time_bound(10):
            assert clean_stale(tmp_path, force=True) == []
        assert live.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert clean_stale(tmp_path, force=True) == [live]
