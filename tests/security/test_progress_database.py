"""Class 15: the progress database is checked, not trusted: events of another plan are not
counted, a page-corrupted file is refused before any write, and malformed rows are reported
instead of crashing the report.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from inventory.loader import load_inventory
from inventory.models import Inventory
from planner.core import make_plan
from planner.plan_model import Plan
from planner.policy import load_policy, parse_policy
from reporting.progress import Event, ProgressError, ProgressTracker, record_all
from tests.security.conftest import MINIMAL

TODAY = dt.date(2030, 1, 1)


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(MINIMAL)


@pytest.fixture(scope="module")
def plans(inventory: Inventory) -> tuple[Plan, Plan]:
    first = make_plan(inventory, load_policy())
    other = make_plan(inventory, parse_policy("capacity: {systems: 1}\n", "tight.yaml", over_default=True))
    return first, other


def _moves(tracker: ProgressTracker, plan: Plan) -> list[Event]:
    return [e for w in plan.waves for e in tracker.planned_events(w.number)]


def test_events_recorded_under_one_plan_are_not_counted_in_another(
    plans: tuple[Plan, Plan], inventory: Inventory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    first, other = plans
    a = ProgressTracker(first, inventory, url=url, today=TODAY)
    assert record_all(a, _moves(a, first)) == []
    month = f"{TODAY:%Y-%m}"
    assert a.monthly_report(month).systems_integrated > 0
    a.close()
    b = ProgressTracker(other, inventory, url=url, today=TODAY)
    report = b.monthly_report(month)
    b.close()
    assert report.systems_integrated == 0
    assert any("another plan" in reason for reason in report.ignored)


def test_recording_over_another_plans_event_is_refused_saying_so(
    plans: tuple[Plan, Plan], inventory: Inventory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    first = plans[0]
    other = first.model_copy(deep=True)  # the same waves under another policy: another plan
    other.policy.name = "re-planned"
    a = ProgressTracker(first, inventory, url=url, today=TODAY)
    b = ProgressTracker(other, inventory, url=url, today=TODAY)
    try:
        expected = {(e.kind, e.subject) for e in _moves(b, other)}
        both = [e for e in _moves(a, first) if (e.kind, e.subject) in expected]  # both plans expect it
        assert both
        a.record(both[0])
        with pytest.raises(ProgressError, match="another plan"):
            b.record(both[0])
    finally:
        a.close()
        b.close()


def _database_with_events(plan: Plan, inventory: Inventory, path: Path) -> None:
    t = ProgressTracker(plan, inventory, url=f"sqlite:///{path}", today=TODAY)
    assert record_all(t, _moves(t, plan)) == []
    t.close()
    with sqlite3.connect(path) as conn:  # fold the WAL back so every page is in the main file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")


def test_a_page_corrupted_database_is_refused_before_anything_is_written(
    plans: tuple[Plan, Plan], inventory: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "progress.db"
    _database_with_events(plans[0], inventory, path)
    with sqlite3.connect(path) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages >= 3
    data = bytearray(path.read_bytes())
    start = page * (pages - 1) + 8  # inside the last page, past its header's first bytes
    data[start : start + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(ProgressError, match="damaged"):
        ProgressTracker(plans[0], inventory, url=f"sqlite:///{path}", today=TODAY)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "update",
    [
        "UPDATE progress_event SET date = 'soon' WHERE id = 1",
        "UPDATE progress_event SET kind = 'system_teleported' WHERE id = 1",
        "UPDATE progress_event SET family = 'room' WHERE id = 1",
        "UPDATE progress_event SET date = 20180101 WHERE id = 1",
        "UPDATE progress_event SET subject = '' WHERE id = 1",
    ],
)
def test_a_malformed_row_is_reported_not_a_crash(
    update: str, plans: tuple[Plan, Plan], inventory: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "progress.db"
    _database_with_events(plans[0], inventory, path)
    with sqlite3.connect(path) as conn:
        conn.execute(update)
    t = ProgressTracker(plans[0], inventory, url=f"sqlite:///{path}", today=TODAY)
    try:
        report = t.monthly_report(f"{TODAY:%Y-%m}")
        assert any(reason.startswith("row 1:") for reason in report.ignored), report.ignored
        assert "row 1" in report.to_markdown(__import__("reporting.messages").messages.Catalogue("en"))
    finally:
        t.close()


def test_progress_report_cli_survives_a_malformed_row(
    cli, runner, plans: tuple[Plan, Plan], inventory: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "progress.db"
    _database_with_events(plans[0], inventory, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE progress_event SET date = 'garbage'")
    result = runner.invoke(
        cli,
        [
            "progress",
            "report",
            "--month",
            f"{TODAY:%Y-%m}",
            "--db",
            f"sqlite:///{path}",
            "--inventory",
            str(MINIMAL),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
