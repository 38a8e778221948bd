"""Progress tracking (METRIC-1): events against the plan, refusals, concurrency, the monthly report
per kind, wave and department, and its integrity checks — on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from inventory.models import Inventory
from planner.plan_model import Plan, write_plan
from reporting import progress_db
from reporting.messages import Catalogue
from reporting.progress import (
    Count,
    Event,
    EventKind,
    MigrationLedger,
    ProgressError,
    ProgressTracker,
    make_engine,
    record_all,
)
from tests.services.progress_db import progress_postgres, progress_url  # noqa: F401

D = dt.date
EN, ZH = Catalogue("en"), Catalogue("zh")


@pytest.fixture
def tracker(
    city_plan: Plan,
    city: Inventory,
    today: dt.date,
    progress_url: str,  # noqa: F811
) -> Iterator[ProgressTracker]:
    t = ProgressTracker(city_plan, city, url=progress_url, today=today)
    yield t
    t.close()


def _sql(url: str, statement: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


# ------------------------------------------------------------------ events and refusals


def test_recording_every_planned_event_of_wave_0_completes_it(tracker: ProgressTracker) -> None:
    before = tracker.monthly_report("2018-03")
    assert before.waves[0].status == "not_started", "nothing recorded: not on track, not started"
    events = tracker.planned_events(0)
    assert {e.kind for e in events} >= {
        EventKind.SYSTEM_RETIRED,
        EventKind.SYSTEM_MERGED,
        EventKind.LINE_CANCELLED,
    }
    assert record_all(tracker, events) == []
    report = tracker.monthly_report("2018-03")
    assert report.waves[0].status == "complete"
    assert report.waves[0].counts == {
        "systems": Count(2, 2),
        "lines": Count(1, 1),
        "rooms": Count(0, 0),
        "assets": Count(0, 0),
    }
    assert report.waves[1].status == "scheduled"
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


# ------------------------------------------------------------------ honest progress


def test_wave_counts_are_kept_per_kind_never_summed_into_one_number(tracker: ProgressTracker) -> None:
    wave1 = tracker.monthly_report("2018-04").waves[1]
    # Wave 1 moves 3 systems, cancels 1 line, empties 2 rooms and disposes of 7 assets.
    assert wave1.counts == {
        "systems": Count(3, 0),
        "lines": Count(1, 0),
        "rooms": Count(2, 0),
        "assets": Count(7, 0),
    }
    assert not hasattr(wave1, "planned"), "no single 'planned' figure adds systems to assets"


def test_a_wave_is_on_track_only_once_something_of_it_is_recorded(tracker: ProgressTracker) -> None:
    assert tracker.monthly_report("2018-04").waves[1].status == "not_started"
    tracker.record(Event(EventKind.SYSTEM_MIGRATED, "hr-core", D(2018, 4, 12)))
    wave1 = tracker.monthly_report("2018-04").waves[1]
    assert wave1.status == "on_track"
    assert wave1.counts["systems"] == Count(3, 1)


def test_a_wave_whose_window_has_not_opened_is_scheduled(tracker: ProgressTracker) -> None:
    statuses = [w.status for w in tracker.monthly_report("2018-03").waves]
    assert statuses == ["not_started", "scheduled", "scheduled"]


def test_a_month_not_over_yet_judges_waves_on_today_not_on_its_end(
    city_plan: Plan,
    city: Inventory,
    progress_url: str,  # noqa: F811
) -> None:
    t = ProgressTracker(city_plan, city, url=progress_url, today=D(2018, 3, 15))
    try:
        report = t.monthly_report("2018-04")  # ends after wave 0 does; today is inside wave 0
    finally:
        t.close()
    assert report.status_date == D(2018, 3, 15)
    assert report.waves[0].status == "not_started", "wave 0 is not late on 15 March"
    assert report.waves[1].status == "scheduled"


def test_monthly_and_cumulative_figures_are_kept_apart(tracker: ProgressTracker) -> None:
    tracker.record(Event(EventKind.SYSTEM_RETIRED, "fin-old", D(2018, 3, 20)))
    tracker.record(Event(EventKind.SYSTEM_MIGRATED, "hr-core", D(2018, 4, 12)))
    tracker.record(Event(EventKind.ROOM_VACATED, "r-fin-1", D(2018, 4, 28)))
    april = tracker.monthly_report("2018-04")
    systems = april.totals["systems"]
    assert (systems.done, systems.done_in_month) == (2, 1)
    assert (systems.planned_by_now, systems.planned_total) == (5, 9)  # waves 0 and 1 end by April
    assert (april.totals["rooms"].done, april.totals["rooms"].done_in_month) == (1, 1)
    assert april.totals["lines"].done == 0
    md = april.to_markdown(EN)
    assert "Done, cumulative to month end" in md and "Done in the month" in md
    assert "| Systems integrated | 9 | 5 | 2 | 1 |" in md
    assert "Monthly savings (CNY/month, rate at month end)" in md
    assert "Cumulative savings (CNY, first wave start to month end)" in md


def test_each_department_gets_its_metric_1_indicators(tracker: ProgressTracker) -> None:
    assert record_all(tracker, tracker.planned_events(0)) == []
    tracker.record(Event(EventKind.SYSTEM_CONNECTED, "land-gis", D(2018, 3, 25)))
    by_dept = {d.department: d for d in tracker.monthly_report("2018-03").departments}
    assert set(by_dept) == {"fin", "hr", "edu", "land"}
    fin = by_dept["fin"]
    assert (fin.systems.done, fin.systems.planned_total, fin.systems.done_in_month) == (2, 4, 2)
    assert fin.collaborative == Count(1, 1), "fin-web joined the city portal (PLATFORM-1)"
    assert (fin.key_tasks["lines"].done, fin.key_tasks["lines"].planned_total) == (1, 2)
    assert fin.key_tasks["rooms"].planned_total == 1 and fin.key_tasks["assets"].planned_total == 5
    assert (fin.systems_connected, fin.systems_to_connect, fin.shared_resources) == (1, 1, 1)
    hr = by_dept["hr"]
    assert (hr.systems.done, hr.systems.planned_total, hr.shared_resources) == (0, 2, 2)
    land = by_dept["land"]
    assert (land.systems_connected, land.systems_to_connect, land.connection_rate) == (1, 1, 1.0)
    edu = by_dept["edu"]
    assert edu.connection_rate is None, "nothing of edu has to connect: no rate, not 100 %"
    # The departments add up to the city's figures.
    report = tracker.monthly_report("2018-03")
    for kind in ("lines", "rooms", "assets"):
        assert sum(d.key_tasks[kind].planned_total for d in report.departments) == (
            report.totals[kind].planned_total
        )
    assert sum(d.systems.done for d in report.departments) == report.systems_integrated


class _Cells(HTMLParser):
    """Text of every cell of one table, row by row, with each row's data-* attributes."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.inside = a.get("id") == self.table_id
        elif self.inside and tag == "tr":
            self.rows.append(({k: v for k, v in a.items() if k.startswith("data-")}, []))
        elif self.inside and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _table(html: str, table_id: str) -> list[tuple[dict[str, str | None], list[str]]]:
    parser = _Cells(table_id)
    parser.feed(html)
    return parser.rows


@pytest.mark.parametrize(
    ("cat", "status", "header"), [(ZH, "已完成", "腾退机房"), (EN, "complete", "Rooms vacated")]
)
def test_the_html_report_shows_each_kind_per_wave_in_both_languages(
    tracker: ProgressTracker, cat: Catalogue, status: str, header: str
) -> None:
    assert record_all(tracker, tracker.planned_events(0)) == []
    html = tracker.monthly_report("2018-04").to_html(cat)
    rows = _table(html, "wave-progress")
    assert any(header in cell for cell in rows[0][1])
    by_wave = {attrs["data-wave"]: cells for attrs, cells in rows[1:]}
    assert by_wave["0"][3:8] == ["2 / 2", "1 / 1", "0 / 0", "0 / 0", status]
    assert by_wave["1"][3:7] == ["0 / 3", "0 / 1", "0 / 2", "0 / 7"]
    departments = {a["data-department"]: cells for a, cells in _table(html, "department-progress")[1:]}
    assert departments["fin"][1] == "2 / 4"
    if cat.lang == "zh":
        assert "未开始" in by_wave["1"][7] and "已排期" in by_wave["2"][7]
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))
        assert not re.search(r"\b(on track|not started|scheduled|planned|done)\b", visible)


def test_progress_report_cli_writes_html_and_markdown(
    cli: typer.Typer,
    runner: CliRunner,
    city_plan: Plan,
    city: Inventory,
    tmp_path: Path,
    progress_url: str,  # noqa: F811
) -> None:
    plan_file, inv_file = tmp_path / "plan.json", tmp_path / "inventory.json"
    write_plan(city_plan, plan_file)
    inv_file.write_text(city.model_dump_json(), encoding="utf-8")
    common = ["--inventory", str(inv_file), "--plan", str(plan_file), "--db", progress_url]
    record = ["progress", "record", "system_retired", "fin-old", "--date", "2018-03-30"]
    res = runner.invoke(cli, [*record, *common])
    assert res.exit_code == 0, res.output
    out = tmp_path / "reports"
    res = runner.invoke(cli, ["progress", "report", "--month", "2018-03", "--out", str(out), *common])
    assert res.exit_code == 0, res.output
    assert "| 0 | 2018-03-01 | 2018-03-31 | 1 / 2 | 0 / 1 | 0 / 0 | 0 / 0 | 未开始 |" not in res.output
    assert "| 0 | 2018-03-01 | 2018-03-31 | 1 / 2 | 0 / 1 | 0 / 0 | 0 / 0 | 进行中 |" in res.output
    html = (out / "progress-2018-03.html").read_text(encoding="utf-8")
    assert (out / "progress-2018-03.md").read_text(encoding="utf-8") in res.output
    assert '<html lang="zh-CN">' in html and 'data-status="on_track"' in html
    assert "password" not in res.output.lower()


# ------------------------------------------------------------------ live state of migration runs


def test_the_report_shows_which_system_is_at_which_step_since_when_and_by_whom(
    tracker: ProgressTracker,
    progress_url: str,  # noqa: F811
) -> None:
    ledger = MigrationLedger(progress_url)
    try:
        assert ledger.acquire("hr-core", "ctl-a") is None
        done = ledger.step_started("hr-core", "run-1", "pre-check", "ctl-a")
        ledger.step_ended(done, "done")
        before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        ledger.step_started("hr-core", "run-1", "sync", "ctl-a")
        after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        report = tracker.monthly_report("2018-04")
        (live,) = report.live
        assert (live.system, live.controller, live.step, live.step_outcome, live.held) == (
            "hr-core",
            "ctl-a",
            "sync",
            "running",
            True,
        )
        assert before <= live.since <= after
        md = report.to_markdown(ZH)
        assert "| hr-core | ctl-a | 最终同步 | 执行中 |" in md
        rows = _table(report.to_html(EN), "live-runs")
        assert rows[1][0] == {"data-system": "hr-core", "data-step": "sync", "data-state": "running"}
    finally:
        ledger.close()
    # Closed without ending its step: the system is free, the step it was in is abandoned.
    (gone,) = tracker.monthly_report("2018-04").live
    assert (gone.step_outcome, gone.held) == ("abandoned", False), "its controller went away mid-step"


# ------------------------------------------------------------------ concurrency and integrity


def test_first_opens_of_an_empty_database_take_turns_to_create_its_tables(
    city_plan: Plan,
    city: Inventory,
    today: dt.date,
    progress_url: str,  # noqa: F811
) -> None:
    # Another first open holds the turn: PostgreSQL's schema lock, SQLite's write lock.
    engine = make_engine(progress_url)
    holder = engine.connect()
    turn = holder.begin()
    if progress_url.startswith("postgresql"):
        holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": progress_db._SCHEMA_KEY})
    opened: list[ProgressTracker] = []
    opening = threading.Thread(
        target=lambda: opened.append(ProgressTracker(city_plan, city, url=progress_url, today=today))
    )
    opening.start()
    opening.join(1.5)
    try:
        assert opening.is_alive() and not opened, "the tables were created out of turn"
    finally:
        turn.rollback()
        holder.close()
        opening.join(60)
        engine.dispose()
    assert opened, "the open did not go on once the turn was free"
    opened[0].close()
    assert ("progress_event",) in _sql(progress_url, _TABLES[progress_url.split(":")[0]])


_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
}


def test_two_concurrent_writer_processes_store_each_event_once(
    city_plan: Plan,
    city: Inventory,
    tmp_path: Path,
    repo_root: Path,
    progress_url: str,  # noqa: F811
) -> None:
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
                progress_url,
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
    if progress_url.startswith("sqlite"):
        assert _sql(progress_url, "PRAGMA integrity_check") == [("ok",)]
    stored = _sql(progress_url, "SELECT family, subject FROM progress_event")
    # Each event is stored exactly once; the other writer's copy was refused as a duplicate.
    assert len(stored) == len(set(stored))
    assert sum(r["stored"] for r in results) == len(stored)
    assert all("already recorded" in m for r in results for m in r["refused"])
    tracker = ProgressTracker(city_plan, city, url=progress_url, today=D(2018, 7, 15))
    try:
        assert all(w.status == "complete" for w in tracker.monthly_report("2018-06").waves)
    finally:
        tracker.close()


def test_events_recorded_under_another_plan_are_not_counted(
    tracker: ProgressTracker,
    city_plan: Plan,
    city: Inventory,
    progress_url: str,  # noqa: F811
) -> None:
    assert record_all(tracker, tracker.planned_events(0)) == []
    other_plan = city_plan.model_copy(deep=True)
    other_plan.policy.name = "re-planned"
    other = ProgressTracker(other_plan, city, url=progress_url, today=D(2018, 7, 15))
    try:
        report = other.monthly_report("2018-03")
        assert report.systems_integrated == 0 and report.waves[0].status != "complete"
        assert any("another plan" in reason for reason in report.ignored)
        with pytest.raises(ProgressError, match="another plan"):
            other.record(tracker.planned_events(0)[0])
    finally:
        other.close()


@pytest.mark.parametrize(
    ("update", "says"),
    [
        ("UPDATE progress_event SET kind = 'system_teleported' WHERE id = 1", "unknown event kind"),
        ("UPDATE progress_event SET family = 'room' WHERE id = 1", "does not fit kind"),
        ("UPDATE progress_event SET subject = '' WHERE id = 1", "no subject"),
    ],
)
def test_a_row_edited_by_hand_is_reported_not_counted(
    tracker: ProgressTracker,
    progress_url: str,  # noqa: F811
    update: str,
    says: str,
) -> None:
    assert record_all(tracker, tracker.planned_events(0)) == []
    _sql(progress_url, update)
    report = tracker.monthly_report("2018-03")
    assert any(reason.startswith("row 1:") and says in reason for reason in report.ignored), report.ignored
    assert report.waves[0].status != "complete"
    assert "row 1" in report.to_markdown(EN) and "row 1" in report.to_html(ZH)


def test_a_date_that_is_not_a_date_is_refused_by_postgresql_and_reported_on_sqlite(
    tracker: ProgressTracker,
    progress_url: str,  # noqa: F811
) -> None:
    assert record_all(tracker, tracker.planned_events(0)) == []
    if progress_url.startswith("postgresql"):
        with pytest.raises(Exception, match="date"):  # the server's DATE type refuses it
            _sql(progress_url, "UPDATE progress_event SET date = 'soon' WHERE id = 1")
        assert tracker.monthly_report("2018-03").ignored == []
    else:
        _sql(progress_url, "UPDATE progress_event SET date = 'soon' WHERE id = 1")
        assert any("is not a date" in r for r in tracker.monthly_report("2018-03").ignored)


def test_an_unreachable_server_is_a_clear_error_that_never_shows_the_password(
    city_plan: Plan, city: Inventory
) -> None:
    from playbooks.localdb import free_port

    url = f"postgresql://clerk:S3cret-pw@127.0.0.1:{free_port()}/progress"
    for opening in (lambda: ProgressTracker(city_plan, city, url=url), lambda: MigrationLedger(url)):
        with pytest.raises(ProgressError, match="cannot open the progress database") as caught:
            opening()
        assert "S3cret-pw" not in str(caught.value) and "clerk:***@127.0.0.1" in str(caught.value)


@pytest.mark.chromium
@pytest.mark.parametrize("width", [1400, 1024])
def test_the_html_report_of_the_bundled_city_fits_the_window_in_chromium(
    browser, bundled_plan: Plan, bundled_inventory: Inventory, tmp_path: Path, width: int
) -> None:
    from tests.reporting.test_report_layout import ONE_CHAR_PER_LINE_JS

    url = f"sqlite:///{tmp_path / 'p.db'}"
    t = ProgressTracker(bundled_plan, bundled_inventory, url=url, today=D(2018, 7, 1))
    try:
        first = bundled_plan.waves[0].number
        assert record_all(t, t.planned_events(first)) == []
        page_file = tmp_path / "progress.html"
        page_file.write_text(t.monthly_report("2018-04").to_html(ZH), encoding="utf-8")
    finally:
        t.close()
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert page.evaluate(ONE_CHAR_PER_LINE_JS) == []
        assert page.locator("#department-progress tbody tr").count() == len(bundled_inventory.departments)
    finally:
        page.close()
