"""Class 16 for the report: ``report.html`` and ``departments/`` are replaced as one set, beside
files of other writers (``plan.json``), whether the run fails, is killed, or succeeds.
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
from inventory.loader import load_inventory
from inventory.models import Inventory
from planner.core import make_plan
from planner.plan_model import Plan
from planner.policy import load_policy
from tests.security.conftest import MINIMAL


def _named(city: str) -> tuple[Plan, Inventory]:
    base = load_inventory(MINIMAL)
    inventory = base.model_copy(update={"city": base.city.model_copy(update={"name": city})})
    return make_plan(inventory, load_policy()), inventory


def _visible(out: Path) -> dict[str, str]:
    """What a reader of --out sees: every visible file (through the links), by relative path."""
    seen: dict[str, str] = {}
    for root, dirs, files in os.walk(out, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                path = Path(root) / name
                seen[str(path.relative_to(out))] = path.read_bytes().hex()[:64] + str(path.stat().st_size)
    return seen


def _cities(out: Path) -> set[str]:
    """Which city each visible HTML page was written for."""
    found = set()
    for rel in _visible(out):
        if rel.endswith(".html"):
            text = (out / rel).read_text(encoding="utf-8")
            found |= {c for c in ("甲城", "乙城") if c in text}
    return found


@pytest.fixture()
def published(tmp_path: Path) -> Path:
    from reporting.publish import write_report

    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("{}", encoding="utf-8")  # another writer's file
    plan, inventory = _named("甲城")
    write_report(plan, inventory, out_dir=out, departments=True)
    return out


def test_a_new_report_replaces_the_report_and_the_department_plans_together(published: Path) -> None:
    from reporting.publish import write_report

    assert _cities(published) == {"甲城"}
    plan, inventory = _named("乙城")
    files = write_report(plan, inventory, out_dir=published, departments=True)
    assert _cities(published) == {"乙城"}
    assert files.page == published / "report.html" and files.page.is_file()
    assert all(p.is_file() and p.parent == published / "departments" for p in files.department_plans)
    assert (published / "plan.json").read_text(encoding="utf-8") == "{}"
    hidden = [p.name for p in published.iterdir() if p.name.startswith(".")]
    assert len([h for h in hidden if ".gen." in h]) == 1, hidden  # the older generation is gone


def test_a_report_that_fails_midway_leaves_the_old_set_whole(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reporting import departments, publish

    before = _visible(published)
    real = departments.department_docx
    calls = 0

    def dying(*args: Any, **kwargs: Any) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 2:  # the new report.html and one department are already written
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(departments, "department_docx", dying)
    plan, inventory = _named("乙城")
    with pytest.raises(KeyboardInterrupt):
        publish.write_report(plan, inventory, out_dir=published, departments=True)
    assert _visible(published) == before
    assert [p.name for p in published.iterdir() if p.name.endswith((".tmpdir", ".tmp"))] == []


KILLED = textwrap.dedent(
    """
    import os, sys
    from inventory.loader import load_inventory
    from planner.core import make_plan
    from planner.policy import load_policy
    from reporting import departments, publish
    inventory = load_inventory(sys.argv[2])
    inventory = inventory.model_copy(update={"city": inventory.city.model_copy(update={"name": "乙城"})})
    plan = make_plan(inventory, load_policy())
    def killed(*args, **kwargs):
        os.kill(os.getpid(), 9)
    departments.department_docx = killed
    publish.write_report(plan, inventory, out_dir=sys.argv[1], departments=True)
    """
)


def test_a_report_killed_midway_leaves_the_old_set_and_the_next_run_cleans_up(
    published: Path, repo_root: Path
) -> None:
    from reporting.publish import write_report

    before = _visible(published)
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(published), str(MINIMAL)],
        cwd=repo_root,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert _visible(published) == before
    assert [p for p in published.iterdir() if p.name.endswith(".tmpdir")], "the kill left its staging"
    atomic._cleaned.discard(os.path.abspath(published))  # a new run: nothing cleaned yet
    plan, inventory = _named("乙城")
    write_report(plan, inventory, out_dir=published, departments=True)
    assert _cities(published) == {"乙城"}
    assert [p for p in published.iterdir() if p.name.endswith((".tmpdir", ".tmp"))] == []


def test_a_report_without_department_plans_drops_the_older_ones(published: Path) -> None:
    from reporting.publish import write_report

    plan, inventory = _named("乙城")
    files = write_report(plan, inventory, out_dir=published)
    assert files.department_plans == []
    assert not (published / "departments").exists() and not (published / "departments").is_symlink()
    assert _cities(published) == {"乙城"}


def test_a_report_of_the_earlier_layout_is_taken_over(tmp_path: Path) -> None:
    from reporting.publish import write_report

    out = tmp_path / "out"
    (out / "departments").mkdir(parents=True)
    (out / "departments" / "old.html").write_text("甲城", encoding="utf-8")
    (out / "report.html").write_text("甲城", encoding="utf-8")
    plan, inventory = _named("乙城")
    write_report(plan, inventory, out_dir=out, departments=True)
    assert _cities(out) == {"乙城"}
    assert not (out / "departments" / "old.html").exists()
