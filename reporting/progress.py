"""Progress tracking (METRIC-1): what actually happened, against the plan, month by month.

Events are stored through SQLAlchemy: an SQLite file by default, any database URL otherwise
(PostgreSQL for several controller machines). One subject gets at most one event of its family (a system is
moved once, connected once; a line cancelled once; a room vacated once; an asset disposed of
once): a unique constraint enforces it even between concurrent writers, and the tracker
explains a refusal (duplicate, contradiction with the plan or with an earlier event, unknown
ID, future date) in one clear sentence.

SQLite is opened in WAL mode with a busy timeout, and every write takes the write lock up
front (``BEGIN IMMEDIATE``), so concurrent writer processes queue instead of failing or
corrupting the file; on PostgreSQL the unique constraint decides between racing writers
(reporting.progress_db holds the engines, the integrity check and the per-system locks).

The monthly report counts each kind of work (systems, lines, rooms, assets) on its own, per
wave and per department; monthly figures (within the month) and cumulative ones (to its end)
are kept apart, and a wave is "on track" only once something of it is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Integer, String, UniqueConstraint, select, type_coerce
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from foundation.atomic import atomic_write_text
from foundation.calendar import month_end, month_start, months, next_month
from inventory.models import Inventory, SharingType
from planner import rules as R
from planner.plan_model import Disposition, NetworkOutcome, Plan
from reporting.finance import Proposal, build_ledger
from reporting.messages import Catalogue
from reporting.progress_db import (  # noqa: F401 - the progress database's API, re-exported
    BUSY_TIMEOUT_S,
    DEFAULT_DB_URL,
    LOCK_LEASE_S,
    LiveRun,
    MigrationLedger,
    ProgressError,
    check_integrity,
    create_tables,
    live_runs,
    make_engine,
    shown_url,
)
from reporting.view import SAVING_ROOM_OUTCOMES, PlanView


class EventKind(StrEnum):
    """What happened."""

    SYSTEM_MIGRATED = "system_migrated"
    SYSTEM_MERGED = "system_merged"
    SYSTEM_RETIRED = "system_retired"
    SYSTEM_CONNECTED = "system_connected"  # connected to the sharing platform (SHARE-4, FUND-1)
    LINE_CANCELLED = "line_cancelled"
    ROOM_VACATED = "room_vacated"
    ASSET_DISPOSED = "asset_disposed"


# The family of each kind: one event per (family, subject).
FAMILY: dict[EventKind, str] = {
    EventKind.SYSTEM_MIGRATED: "system",
    EventKind.SYSTEM_MERGED: "system",
    EventKind.SYSTEM_RETIRED: "system",
    EventKind.SYSTEM_CONNECTED: "connection",
    EventKind.LINE_CANCELLED: "line",
    EventKind.ROOM_VACATED: "room",
    EventKind.ASSET_DISPOSED: "asset",
}

# The event the plan expects for each scheduled disposition.
MOVE_EVENT: dict[Disposition, EventKind] = {
    Disposition.MIGRATE: EventKind.SYSTEM_MIGRATED,
    Disposition.MERGE: EventKind.SYSTEM_MERGED,
    Disposition.RETIRE: EventKind.SYSTEM_RETIRED,
}
MOVE_KINDS = frozenset(MOVE_EVENT.values())


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """One recorded event."""

    __tablename__ = "progress_event"
    __table_args__ = (UniqueConstraint("family", "subject", name="uq_progress_event_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    family: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(2000), default="")
    plan_digest: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


@dataclass(frozen=True)
class StoredEvent:
    """An event as read back from the database, after its row was checked."""

    id: int
    family: str
    subject: str
    kind: str
    date: dt.date
    note: str
    plan_digest: str


@dataclass(frozen=True)
class Event:
    """An event as the caller states it."""

    kind: EventKind
    subject: str
    date: dt.date
    note: str = ""


def plan_digest(plan: Plan) -> str:
    """The digest of *plan* itself: events recorded under one plan are not another plan's."""
    return "sha256:" + hashlib.sha256(plan.model_dump_json().encode("utf-8")).hexdigest()


def _stored(row: Any) -> StoredEvent | str:
    """A checked event of one raw row, or why the row is malformed."""
    rid, family, subject, kind, date, note, digest = row
    if kind not in _KINDS:
        return f"row {rid}: unknown event kind {str(kind)[:40]!r}"
    if family != FAMILY[EventKind(kind)]:
        return f"row {rid}: family {str(family)[:20]!r} does not fit kind {kind}"
    if not isinstance(subject, str) or not subject:
        return f"row {rid}: no subject"
    try:
        if isinstance(date, dt.date):
            day = date
        elif isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            day = dt.date.fromisoformat(date)
        else:
            raise ValueError(date)
    except ValueError:
        return f"row {rid}: {str(date)[:40]!r} is not a date"
    return StoredEvent(int(rid), family, subject, kind, day, str(note or ""), str(digest or ""))


_KINDS = frozenset(k.value for k in EventKind)


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` -> first day of that month; ValueError with a clear message otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}", text or ""):
        raise ValueError(f"month {text!r} is not YYYY-MM")
    try:
        return dt.date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        raise ValueError(f"month {text!r} is not a calendar month") from None


# -------------------------------------------------------------------------- monthly report


class Tally(StrEnum):
    """The kinds of planned work, each counted on its own (never summed into one number)."""

    SYSTEMS = "systems"
    LINES = "lines"
    ROOMS = "rooms"
    ASSETS = "assets"


TALLY_OF_FAMILY: dict[str, Tally] = {
    "system": Tally.SYSTEMS,
    "line": Tally.LINES,
    "room": Tally.ROOMS,
    "asset": Tally.ASSETS,
}
KEY_TASKS = (Tally.LINES, Tally.ROOMS, Tally.ASSETS)  # METRIC-1 "key tasks" besides the systems


class WaveStatus(StrEnum):
    """Where a wave stands at the report date; "on track" only once work on it has started."""

    SCHEDULED = "scheduled"  # its window has not opened, nothing recorded
    NOT_STARTED = "not_started"  # its window is open, nothing recorded yet
    ON_TRACK = "on_track"  # started, not finished, window still open
    LATE = "late"  # window closed, not finished
    COMPLETE = "complete"


@dataclass(frozen=True)
class Count:
    """Planned and done of one kind of work (done: cumulative to the report date)."""

    planned: int
    done: int


@dataclass(frozen=True)
class Progress:
    """One kind of work at a month's end: what the plan holds and what was recorded."""

    planned_total: int  # in the whole plan
    planned_by_now: int  # cumulative: in waves ended by the month's end
    done: int  # cumulative: recorded by the month's end
    done_in_month: int  # monthly: recorded within the month


@dataclass(frozen=True)
class PlannedItem:
    """One event the plan expects: its kind, subject, wave and the department it belongs to."""

    event: Event
    wave: int
    department: str | None

    @property
    def key(self) -> tuple[str, str]:
        return FAMILY[self.event.kind], self.event.subject

    @property
    def tally(self) -> Tally:
        return TALLY_OF_FAMILY[FAMILY[self.event.kind]]


@dataclass(frozen=True)
class WaveProgress:
    """Planned vs done of one wave per kind of work, at the report date."""

    number: int
    start: dt.date
    end: dt.date
    counts: dict[str, Count]  # by Tally value, every kind present (0 / 0 when the wave has none)
    status: str  # a WaveStatus value
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DepartmentProgress:
    """The METRIC-1 indicators of one department at a month's end."""

    department: str
    name: str
    systems: Progress  # systems integrated (migrated, merged or retired)
    shared_resources: int  # data resources its connected systems share
    collaborative: Count  # systems joining a city-wide platform (PLATFORM-1)
    systems_connected: int
    systems_to_connect: int
    connection_rate: float | None  # None: nothing of it has to connect
    key_tasks: dict[str, Progress]  # lines cancelled, rooms vacated, assets disposed of


@dataclass(frozen=True)
class MonthlyReport:
    """METRIC-1 indicators at the end of a month: monthly and cumulative figures kept apart."""

    month: str
    as_of: dt.date  # the month's last day
    status_date: dt.date  # the day wave statuses are judged on: as_of, or today when earlier
    systems_integrated: int  # cumulative
    systems_integrated_in_month: int  # monthly
    systems_planned_by_now: int  # cumulative
    systems_planned_total: int
    totals: dict[str, Progress]  # by Tally value
    shared_resources: int
    collaborative: Count
    systems_connected: int
    systems_to_connect: int
    connection_rate: float
    waves: list[WaveProgress]
    departments: list[DepartmentProgress]
    savings_forecast_monthly: float  # CNY per month, the run-rate at the month's end
    savings_realised_monthly: float
    savings_forecast_cumulative: float  # CNY from the first wave's start to the month's end
    savings_realised_cumulative: float
    live: list[LiveRun] = field(default_factory=list)  # runbook execution now
    ignored: list[str] = field(default_factory=list)  # rows not counted: another plan's, malformed

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["as_of"], d["status_date"] = self.as_of.isoformat(), self.status_date.isoformat()
        for w in d["waves"]:
            w["start"], w["end"] = w["start"].isoformat(), w["end"].isoformat()
        d["live"] = [r.to_dict() for r in self.live]
        return d

    def to_markdown(self, cat: Catalogue) -> str:
        """The report as Markdown, labels in the catalogue's language."""
        return render_progress(self, cat, html=False)

    def to_html(self, cat: Catalogue) -> str:
        """The report as one self-contained HTML page, labels in the catalogue's language."""
        return render_progress(self, cat, html=True)


def render_progress(report: MonthlyReport, cat: Catalogue, *, html: bool) -> str:
    """*report* through its template (progress.html.j2 / progress.md.j2)."""
    from reporting.report import environment  # the report's templates, filters and escaping

    template = environment(html=html).get_template("progress.html.j2" if html else "progress.md.j2")
    return template.render(
        r=report,
        t=cat.t,
        lang=cat.lang,
        tallies=[t.value for t in Tally],
        key_tasks=[t.value for t in KEY_TASKS],
        percent=_percent,
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def report_paths(out_dir: Path, month: str) -> tuple[Path, Path]:
    """(HTML, Markdown) files of the progress report of *month* in *out_dir*."""
    stem = f"progress-{month}"
    return out_dir / f"{stem}.html", out_dir / f"{stem}.md"


def write_progress_report(report: MonthlyReport, out_dir: Path, cat: Catalogue) -> tuple[Path, Path]:
    """Write the report as HTML and Markdown into *out_dir*, each file atomically."""
    html, md = report_paths(out_dir, report.month)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(html, report.to_html(cat))
    atomic_write_text(md, report.to_markdown(cat))
    return html, md


# -------------------------------------------------------------------------- tracker


class ProgressTracker:
    """Records events against a plan and reports the monthly indicators."""

    def __init__(
        self, plan: Plan, inventory: Inventory, *, url: str = DEFAULT_DB_URL, today: dt.date | None = None
    ) -> None:
        self.plan = plan
        self.inventory = inventory
        self.view = PlanView(plan, inventory)
        self.today = today or dt.date.today()
        ledger = build_ledger(plan, inventory)
        self.assets = {a.asset: a for a in ledger.assets}
        self.url = shown_url(url)  # what messages show: never a password
        try:
            check_integrity(url)
            self.engine = make_engine(url)
        except ArgumentError:
            raise ProgressError(
                f"--db {url!r}: not a database URL (e.g. sqlite:///progress.db, postgresql://host/db)"
            ) from None
        except ImportError as exc:  # the URL's driver (psycopg, ...) is not installed
            raise ProgressError(
                f"{self.url}: the database driver is not installed ({exc}); for PostgreSQL: "
                "pip install 'govcloud[postgresql]'"
            ) from None
        except OSError as exc:
            why = exc.strerror or exc
            raise ProgressError(f"{self.url}: cannot create the database file: {why}") from None
        try:
            create_tables(self.engine, Base.metadata)
        except DatabaseError as exc:  # unreachable server, a file that is not a database, ...
            raise ProgressError(f"{self.url}: cannot open the progress database: {exc.orig}") from None
        self.digest = plan_digest(plan)
        self.ignored: list[str] = []  # why rows were not counted, from the last events() call

    def close(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- checks against the plan
    def _check_plan(self, ev: Event) -> None:
        v, kind, sid = self.view, ev.kind, ev.subject
        label = kind.value.replace("_", " ")
        if ev.date > self.today:
            raise ProgressError(f"{label} {sid}: date {ev.date} is in the future (today is {self.today})")
        if FAMILY[kind] in ("system", "connection"):
            s = v.systems.get(sid)
            if s is None:
                raise ProgressError(f"{label} {sid}: no system {sid!r} in the plan")
            if kind is EventKind.SYSTEM_CONNECTED:
                if s.disposition in (Disposition.RETIRE, Disposition.MERGE):
                    raise ProgressError(
                        f"{label} {sid}: the plan {s.disposition.value}s {sid} "
                        f"({', '.join(s.rules)}); it is not connected to the sharing platform"
                    )
                return
            expected = MOVE_EVENT.get(s.disposition)
            if expected is None:
                raise ProgressError(
                    f"{label} {sid}: the plan does not move {sid} (disposition "
                    f"{s.disposition.value}, {', '.join(s.rules)})"
                )
            if expected is not kind:
                raise ProgressError(
                    f"{label} {sid}: contradicts the plan, whose disposition of {sid} is "
                    f"{s.disposition.value} ({', '.join(s.rules)}): record {expected.value}"
                )
        elif kind is EventKind.LINE_CANCELLED:
            n = v.networks.get(sid)
            if n is None:
                raise ProgressError(f"{label} {sid}: no line {sid!r} in the plan")
            if n.outcome is not NetworkOutcome.RETIRED:
                raise ProgressError(
                    f"{label} {sid}: the plan does not cancel {sid} (outcome {n.outcome.value}, "
                    f"{', '.join(n.rules)})"
                )
        elif kind is EventKind.ROOM_VACATED:
            r = v.rooms.get(sid)
            if r is None:
                raise ProgressError(f"{label} {sid}: no room {sid!r} in the plan")
            if r.outcome not in SAVING_ROOM_OUTCOMES:
                raise ProgressError(
                    f"{label} {sid}: the plan keeps room {sid} (outcome {r.outcome.value}, "
                    f"{', '.join(r.rules)})"
                )
        elif kind is EventKind.ASSET_DISPOSED:
            a = self.assets.get(sid)
            if a is None:
                raise ProgressError(f"{label} {sid}: no asset {sid!r} in the inventory")
            if a.proposal is Proposal.KEEP:
                raise ProgressError(
                    f"{label} {sid}: the disposal proposal keeps {sid} in place ({R.ASSET_1})"
                )

    def _conflict(self, ev: Event, existing: EventRow) -> ProgressError:
        label = ev.kind.value.replace("_", " ")
        if existing.plan_digest != self.digest:
            return ProgressError(
                f"{label} {ev.subject}: an event of {ev.subject} was recorded under another plan "
                f"({existing.kind.replace('_', ' ')} on {existing.date}); record into a database "
                "of this plan (--db)"
            )
        if existing.kind == ev.kind.value and existing.date == ev.date:
            return ProgressError(f"{label} {ev.subject} on {ev.date}: already recorded (duplicate refused)")
        return ProgressError(
            f"{label} {ev.subject} on {ev.date}: contradicts the event already recorded: "
            f"{existing.kind.replace('_', ' ')} on {existing.date}"
        )

    def record(self, ev: Event) -> None:
        """Store *ev*, or raise ProgressError saying why it is refused."""
        self._check_plan(ev)
        family = FAMILY[ev.kind]
        try:
            with Session(self.engine) as session, session.begin():
                existing = session.scalar(
                    select(EventRow).where(EventRow.family == family, EventRow.subject == ev.subject)
                )
                if existing is not None:
                    raise self._conflict(ev, existing)
                session.add(
                    EventRow(
                        family=family,
                        subject=ev.subject,
                        kind=ev.kind.value,
                        date=ev.date,
                        note=ev.note,
                        plan_digest=self.digest,
                        recorded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    )
                )
        except IntegrityError:
            # Another writer stored the same subject between our read and our insert
            # (possible on databases without an up-front write lock): report what it stored.
            with Session(self.engine) as session:
                existing = session.scalar(
                    select(EventRow).where(EventRow.family == family, EventRow.subject == ev.subject)
                )
            if existing is None:
                raise
            raise self._conflict(ev, existing) from None
        except OperationalError as exc:
            raise ProgressError(f"{self.url}: database error: {exc.orig}") from None
        except (ValueError, StatementError) as exc:  # the row already there is malformed
            raise ProgressError(
                f"{ev.kind.value.replace('_', ' ')} {ev.subject}: the event already stored for it is "
                f"malformed ({exc}); repair or remove that row"
            ) from None

    def events(self) -> list[StoredEvent]:
        """The events of this plan, oldest first; other plans' and malformed rows go to ``ignored``.

        Rows are read as raw values and checked one by one, so a row edited by hand (a date
        that is not a date, an unknown kind) is reported instead of crashing the report.
        """
        t = EventRow.__table__
        columns = [t.c.id, t.c.family, t.c.subject, t.c.kind, t.c.date, t.c.note, t.c.plan_digest]
        raw = select(*(type_coerce(c, String) for c in columns)).order_by(t.c.id)
        try:
            with self.engine.connect() as conn:
                rows = list(conn.execute(raw))
        except SQLAlchemyError as exc:
            raise ProgressError(f"{self.url}: database error: {exc}") from None
        good: list[StoredEvent] = []
        ignored: list[str] = []
        other_plan = 0
        for row in rows:
            checked = _stored(row)
            if isinstance(checked, str):
                ignored.append(checked)
            elif checked.plan_digest != self.digest:
                other_plan += 1
            else:
                good.append(checked)
        if other_plan:
            ignored.append(f"{other_plan} event(s) recorded under another plan")
        self.ignored = ignored
        return sorted(good, key=lambda e: (e.date, e.id))

    # ---------------------------------------------------------------- planned events
    @cached_property
    def planned(self) -> list[PlannedItem]:
        """Every event the plan expects, dated its wave's end, with its wave and department."""
        v = self.view
        out: list[PlannedItem] = []

        def add(kind: EventKind, subject: str, wave: int | None, department: str | None) -> None:
            end = v.wave_end(wave)
            if wave is not None and end is not None:
                out.append(PlannedItem(Event(kind, subject, end), wave, department))

        for s in self.plan.systems:
            if s.disposition in MOVE_EVENT:
                add(MOVE_EVENT[s.disposition], s.id, s.wave, s.department)
        for n in self.plan.networks:
            if n.outcome is NetworkOutcome.RETIRED:
                add(EventKind.LINE_CANCELLED, n.id, n.wave, n.department)
        for r in self.plan.rooms:
            if r.outcome in SAVING_ROOM_OUTCOMES:
                add(EventKind.ROOM_VACATED, r.id, r.wave, r.department)
        for a in self.assets.values():
            if a.proposal is not Proposal.KEEP:
                add(EventKind.ASSET_DISPOSED, a.asset, a.wave, a.department)
        return out

    def planned_events(self, wave: int) -> list[Event]:
        """Every event the plan expects in *wave*, dated the wave's end."""
        if self.view.wave_end(wave) is None:
            raise ProgressError(f"no wave {wave} in the plan")
        return [p.event for p in self.planned if p.wave == wave]

    @cached_property
    def collaborative(self) -> set[str]:
        """Systems the plan merges into a city-wide platform (PLATFORM-1): METRIC-1's
        collaborative applications, done once their merge is recorded."""
        platforms = {p.id for p in self.inventory.platforms}
        return {s.id for s in self.plan.systems if s.disposition is Disposition.MERGE and s.into in platforms}

    # ---------------------------------------------------------------- monthly report
    def monthly_report(self, month: str | dt.date) -> MonthlyReport:
        """METRIC-1 indicators at the end of *month* (``YYYY-MM`` or any date in it)."""
        first = parse_month(month) if isinstance(month, str) else month_start(month)
        as_of = month_end(first)
        status_date = min(as_of, self.today)
        rows = [r for r in self.events() if r.date <= as_of]
        when = {(r.family, r.subject): r.date for r in rows}
        v = self.view

        moves = [r for r in rows if r.kind in {k.value for k in MOVE_KINDS}]
        scheduled = [s for s in self.plan.systems if v.scheduled(s)]
        planned_by_now = [s for s in scheduled if (v.wave_end(s.wave) or dt.date.max) <= as_of]

        connected, must_connect = self._connections(rows)
        waves = [self._wave_progress(w.number, w.start, w.end, when, status_date) for w in v.sorted_waves()]
        totals = self._progress(self.planned, when, first, as_of)

        items = v.saving_items
        family_of = {"line": "line", "room": "room"}

        def realised_effective(kind: str, item_id: str) -> dt.date | None:
            d = when.get((family_of[kind], item_id))
            return next_month(d) if d else None

        forecast_monthly = sum(i.monthly for i in items if i.ends is not None and i.ends <= as_of)
        realised_monthly = sum(i.monthly for i in items if (family_of[i.kind], i.id) in when)
        start = min((w.start for w in self.plan.waves), default=first)
        f_cum = r_cum = 0.0
        for m in months(start, first):
            f_cum += sum(i.monthly for i in items if i.effective is not None and i.effective <= m)
            r_cum += sum(
                i.monthly for i in items if (eff := realised_effective(i.kind, i.id)) is not None and eff <= m
            )
        return MonthlyReport(
            ignored=list(self.ignored),
            month=f"{first:%Y-%m}",
            as_of=as_of,
            status_date=status_date,
            systems_integrated=len(moves),
            systems_integrated_in_month=sum(1 for r in moves if r.date >= first),
            systems_planned_by_now=len(planned_by_now),
            systems_planned_total=len(scheduled),
            totals=totals,
            shared_resources=self._shared(connected),
            collaborative=self._collaborative(self.collaborative, when),
            systems_connected=len(connected),
            systems_to_connect=len(must_connect),
            connection_rate=len(connected) / len(must_connect) if must_connect else 1.0,
            waves=waves,
            departments=self._departments(when, connected, must_connect, first, as_of),
            savings_forecast_monthly=forecast_monthly,
            savings_realised_monthly=realised_monthly,
            savings_forecast_cumulative=f_cum,
            savings_realised_cumulative=r_cum,
            live=self.live(),
        )

    def live(self) -> list[LiveRun]:
        """Runbook execution now (locks and step records of the same database)."""
        try:
            return live_runs(self.engine)
        except SQLAlchemyError as exc:
            raise ProgressError(f"{self.url}: database error reading migration runs: {exc}") from None

    def _connections(self, rows: list[StoredEvent]) -> tuple[set[str], set[str]]:
        """(connected, must connect) systems to the sharing platform by the rows' date."""
        v = self.view
        gone = {s.id for s in self.plan.systems if s.disposition in (Disposition.RETIRE, Disposition.MERGE)}
        connected_events = {r.subject for r in rows if r.family == "connection"}
        connected = {s.id for s in self.inventory.systems if s.sharing.connected} | connected_events
        must_connect = connected | {f.subject for f in self.plan.findings if f.rule == R.FUND_1}
        must_connect = {s for s in must_connect if s in v.systems and s not in gone}
        return connected & must_connect, must_connect

    def _shared(self, connected: set[str]) -> int:
        return sum(
            1
            for s in self.inventory.systems
            if s.id in connected
            for res in s.sharing.resources
            if res.type is not SharingType.NONE
        )

    @staticmethod
    def _collaborative(systems: set[str], when: dict[tuple[str, str], dt.date]) -> Count:
        return Count(len(systems), sum(1 for s in systems if ("system", s) in when))

    def _progress(
        self, items: list[PlannedItem], when: dict[tuple[str, str], dt.date], first: dt.date, as_of: dt.date
    ) -> dict[str, Progress]:
        out: dict[str, Progress] = {}
        for tally in Tally:
            mine = [p for p in items if p.tally is tally]
            dates = [when[p.key] for p in mine if p.key in when]
            out[tally.value] = Progress(
                planned_total=len(mine),
                planned_by_now=sum(1 for p in mine if p.event.date <= as_of),
                done=len(dates),
                done_in_month=sum(1 for d in dates if d >= first),
            )
        return out

    def _departments(
        self,
        when: dict[tuple[str, str], dt.date],
        connected: set[str],
        must_connect: set[str],
        first: dt.date,
        as_of: dt.date,
    ) -> list[DepartmentProgress]:
        dept_of = {s.id: s.department for s in self.plan.systems}
        out = []
        for d in self.inventory.departments:
            items = [p for p in self.planned if p.department == d.id]
            progress = self._progress(items, when, first, as_of)
            mine_connected = {s for s in connected if dept_of.get(s) == d.id}
            mine_must = {s for s in must_connect if dept_of.get(s) == d.id}
            out.append(
                DepartmentProgress(
                    department=d.id,
                    name=d.name,
                    systems=progress[Tally.SYSTEMS.value],
                    shared_resources=self._shared(mine_connected),
                    collaborative=self._collaborative(
                        {s for s in self.collaborative if dept_of.get(s) == d.id}, when
                    ),
                    systems_connected=len(mine_connected),
                    systems_to_connect=len(mine_must),
                    connection_rate=len(mine_connected) / len(mine_must) if mine_must else None,
                    key_tasks={t.value: progress[t.value] for t in KEY_TASKS},
                )
            )
        return out

    def _wave_progress(
        self, number: int, start: dt.date, end: dt.date, when: dict[tuple[str, str], dt.date], on: dt.date
    ) -> WaveProgress:
        items = [p for p in self.planned if p.wave == number]
        missing = [f"{p.event.kind.value}:{p.event.subject}" for p in items if p.key not in when]
        counts = {
            t.value: Count(
                sum(1 for p in items if p.tally is t), sum(1 for p in items if p.tally is t and p.key in when)
            )
            for t in Tally
        }
        started = len(items) > len(missing)
        if not missing:
            status = WaveStatus.COMPLETE
        elif on > end:
            status = WaveStatus.LATE
        elif started:
            status = WaveStatus.ON_TRACK
        elif on < start:
            status = WaveStatus.SCHEDULED
        else:
            status = WaveStatus.NOT_STARTED
        return WaveProgress(number, start, end, counts, status.value, missing)


def record_all(tracker: ProgressTracker, events: Iterable[Event]) -> list[str]:
    """Record each event; return the refusal messages (an empty list when all were stored)."""
    refused = []
    for ev in events:
        try:
            tracker.record(ev)
        except ProgressError as exc:
            refused.append(str(exc))
    return refused
