"""Progress tracking (METRIC-1): events against the plan, refusals, concurrency, monthly report."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inventory.models import Inventory
from planner.plan_model import Plan, write_plan
from reporting.progress import Event, EventKind, ProgressError, ProgressTracker, record_all

D = dt.date


@pytest.fixture
def tracker(city_plan: Plan, city: Inventory, today: dt.date, tmp_path: Path) -> Iterator[ProgressTracker]:
    t = ProgressTracker(city_plan, city, url=f"sqlite:///{tmp_path / 'progress.db'}", today=today)
    yield t
    t.close()


def test_recording_every_planned_event_of_wave_0_completes_it(tracker: ProgressTracker) -> None:
    before = tracker.monthly_report("2018-03")
    assert before.waves[0].status == "on_track" and before.waves[0].done == 0
    events = tracker.planned_events(0)
    assert {e.kind for e in events} >= {
        EventKind.SYSTEM_RETIRED,
        EventKind.SYSTEM_MERGED,
        EventKind.LINE_CANCELLED,
    }
    assert record_all(tracker, events) == []
    report = tracker.monthly_report("2018-03")
    assert report.waves[0].status == "complete"
    assert report.waves[0].done == report.waves[0].planned == len(events)
    assert report.waves[1].status == "not_started"
    assert report.systems_integrated == 2 and report.systems_integrated_in_month == 2


def test_a_wave_not_finished_by_its_end_is_late(tracker: ProgressTracker) -> None:
    assert record_all(tracker, tracker.planned_events(0)[:1]) == []
    assert tracker.monthly_report("2018-04").waves[0].status == "late"


def test_a_duplicate_event_is_refused(tracker: ProgressTracker) -> None:
    ev = Event(EventKind.SYSTEM_MIGRATED, "fin-budget", D(2018, 4, 20))
    tracker.record(ev)
    with pytest.raises(ProgressError, match="already recorded"):
        tracker.record(ev)
    assert len(tracker.events()) == 1


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (Event(EventKind.SYSTEM_MIGRATED, "fin-old", D(2018, 3, 20)), "disposition of fin-old is retire"),
        (Event(EventKind.SYSTEM_MIGRATED, "land-secret", D(2018, 3, 20)), "does not move land-secret"),
        (Event(EventKind.ROOM_VACATED, "r-land-1", D(2018, 3, 20)), "keeps room r-land-1"),
        (Event(EventKind.LINE_CANCELLED, "n-land-gold", D(2018, 3, 20)), "does not cancel n-land-gold"),
        (Event(EventKind.ASSET_DISPOSED, "a-edu2-srv", D(2018, 3, 20)), "keeps a-edu2-srv"),
        (Event(EventKind.LINE_CANCELLED, "n-nowhere", D(2018, 3, 20)), "no line 'n-nowhere'"),
        (Event(EventKind.SYSTEM_RETIRED, "ghost", D(2018, 3, 20)), "no system 'ghost'"),
        (Event(EventKind.ROOM_VACATED, "r-fin-1", D(2018, 9, 1)), "in the future"),
    ],
)
def test_an_event_contradicting_the_plan_is_refused(
    tracker: ProgressTracker, event: Event, message: str
) -> None:
    with pytest.raises(ProgressError, match=message):
        tracker.record(event)
    assert tracker.events() == []


def test_vacating_a_room_twice_with_different_dates_is_refused(tracker: ProgressTracker) -> None:
    tracker.record(Event(EventKind.ROOM_VACATED, "r-fin-1", D(2018, 4, 28)))
    with pytest.raises(
        ProgressError, match="contradicts the event already recorded: room vacated on 2018-04-28"
    ):
        tracker.record(Event(EventKind.ROOM_VACATED, "r-fin-1", D(2018, 5, 2)))


def test_connection_rate_and_savings_follow_the_events(tracker: ProgressTracker, city_plan: Plan) -> None:
    before = tracker.monthly_report("2018-05")
    # fin-budget and hr-core are connected in the survey; land-gis must connect (FUND-1).
    assert (before.systems_connected, before.systems_to_connect) == (2, 3)
    tracker.record(Event(EventKind.SYSTEM_CONNECTED, "land-gis", D(2018, 5, 10)))
    tracker.record(Event(EventKind.LINE_CANCELLED, "n-fin-inet", D(2018, 3, 31)))
    after = tracker.monthly_report("2018-05")
    assert after.connection_rate == 1.0
    assert after.savings_realised_monthly == 3000
    assert after.savings_forecast_monthly == city_plan.metrics.monthly_savings  # every wave ended by May
    assert after.savings_realised_cumulative == 3000 * 2  # April and May


def test_two_concurrent_writer_processes_do_not_corrupt_the_database(
    city_plan: Plan, city: Inventory, tmp_path: Path, repo_root: Path
) -> None:
    db = tmp_path / "shared.db"
    plan_file, inv_file = tmp_path / "plan.json", tmp_path / "inventory.json"
    write_plan(city_plan, plan_file)
    inv_file.write_text(city.model_dump_json(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reporting.progress_writer",
                f"sqlite:///{db}",
                str(plan_file),
                str(inv_file),
                str(tmp_path / f"out{i}.json"),
            ],
            cwd=repo_root,
            env=env,
        )
        for i in range(2)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    results = [json.loads((tmp_path / f"out{i}.json").read_text()) for i in range(2)]
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = con.execute("SELECT family, subject FROM progress_event").fetchall()
    finally:
        con.close()
    # Each event is stored exactly once; the other writer's copy was refused as a duplicate.
    assert len(stored) == len(set(stored))
    assert sum(r["stored"] for r in results) == len(stored)
    assert all("already recorded" in m for r in results for m in r["refused"])
    tracker = ProgressTracker(city_plan, city, url=f"sqlite:///{db}", today=D(2018, 7, 15))
    try:
        assert all(w.status == "complete" for w in tracker.monthly_report("2018-06").waves)
    finally:
        tracker.close()
