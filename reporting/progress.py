"""Progress tracking (METRIC-1): what actually happened, against the plan, month by month.

Events are stored through SQLAlchemy: an SQLite file by default, any database URL otherwise
(PostgreSQL works the same). One subject gets at most one event of its family (a system is
moved once, connected once; a line cancelled once; a room vacated once; an asset disposed of
once): a unique constraint enforces it even between concurrent writers, and the tracker
explains a refusal (duplicate, contradiction with the plan or with an earlier event, unknown
ID, future date) in one clear sentence.

SQLite is opened in WAL mode with a busy timeout, and every write takes the write lock up
front (``BEGIN IMMEDIATE``), so concurrent writer processes queue instead of failing or
corrupting the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
    select,
    type_coerce,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from foundation.calendar import month_end, month_start, months, next_month
from foundation.errors import GovcloudError
from foundation.text import for_markdown
from inventory.models import Inventory, SharingType
from planner import rules as R
from planner.plan_model import Disposition, NetworkOutcome, Plan
from reporting.finance import Proposal, build_ledger
from reporting.messages import Catalogue
from reporting.view import SAVING_ROOM_OUTCOMES, PlanView

DEFAULT_DB_URL = "sqlite:///govcloud-progress.db"
BUSY_TIMEOUT_S = 30


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


class ProgressError(GovcloudError):
    """An event refused, or a database that cannot be used: the message says why."""


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


def make_engine(url: str = DEFAULT_DB_URL) -> Engine:
    """An engine for *url*; SQLite gets WAL, a busy timeout and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock at the start: no lock upgrade, so no deadlock between writers.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def plan_digest(plan: Plan) -> str:
    """The digest of *plan* itself: events recorded under one plan are not another plan's."""
    return "sha256:" + hashlib.sha256(plan.model_dump_json().encode("utf-8")).hexdigest()


def check_integrity(url: str) -> None:
    """Refuse a damaged SQLite file before anything is read from or written into it.

    The check runs on a read-only connection of its own, before the engine sets WAL mode
    (which writes the file header), so a refused file is left exactly as it was.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return  # a database server checks its own pages
    path = Path(parsed.database)
    if not path.is_file():
        return  # a new database
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            found = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(5)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ProgressError(
            f"{url}: cannot open the progress database: {exc} (damaged, or not a database); "
            "restore it from a backup"
        ) from None
    if found != ["ok"]:
        raise ProgressError(
            f"{url}: cannot open the progress database: it is damaged ({'; '.join(found)[:300]}); "
            "restore it from a backup, nothing was written"
        )


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


@dataclass(frozen=True)
class WaveProgress:
    """Planned vs actual of one wave, at a month's end."""

    number: int
    start: dt.date
    end: dt.date
    planned: int
    done: int
    status: str  # complete | on_track | late | not_started
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MonthlyReport:
    """METRIC-1 indicators at the end of a month."""

    month: str
    as_of: dt.date
    systems_integrated: int
    systems_integrated_in_month: int
    systems_planned_by_now: int
    systems_planned_total: int
    shared_resources: int
    systems_connected: int
    systems_to_connect: int
    connection_rate: float
    waves: list[WaveProgress]
    savings_forecast_monthly: float
    savings_realised_monthly: float
    savings_forecast_cumulative: float
    savings_realised_cumulative: float
    ignored: list[str] = field(default_factory=list)  # rows not counted: another plan's, malformed

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["as_of"] = self.as_of.isoformat()
        for w in d["waves"]:
            w["start"], w["end"] = w["start"].isoformat(), w["end"].isoformat()
        return d

    def to_markdown(self, cat: Catalogue) -> str:
        """The report as Markdown, labels in the catalogue's language."""
        t = cat.t
        lines = [
            f"# {t('progress.title', month=self.month)}",
            "",
            f"- {t('progress.integrated')}: {self.systems_integrated} / {self.systems_planned_total} "
            f"({t('progress.in_month')} {self.systems_integrated_in_month}; "
            f"{t('progress.planned')} {self.systems_planned_by_now})",
            f"- {t('progress.shared')}: {self.shared_resources}",
            f"- {t('progress.connection_rate')}: {self.connection_rate:.1%} "
            f"({self.systems_connected} / {self.systems_to_connect})",
            "",
            f"## {t('progress.waves')}",
            "",
            f"| {t('col.wave')} | {t('col.start')} | {t('col.end')} | {t('progress.planned')} | "
            f"{t('progress.done')} | {t('target.status')} |",
            "|---|---|---|---|---|---|",
        ]
        for w in self.waves:
            lines.append(
                f"| {w.number} | {w.start} | {w.end} | {w.planned} | {w.done} | "
                f"{t('progress.status.' + w.status)} |"
            )
        lines += [
            "",
            f"## {t('progress.savings')}",
            "",
            f"| | {t('progress.forecast')} | {t('progress.realised')} |",
            "|---|---|---|",
            f"| {t('metric.monthly_savings')} | {self.savings_forecast_monthly:,.0f} | "
            f"{self.savings_realised_monthly:,.0f} |",
            f"| {t('progress.cumulative')} | {self.savings_forecast_cumulative:,.0f} | "
            f"{self.savings_realised_cumulative:,.0f} |",
            "",
        ]
        if self.ignored:
            lines += [f"<!-- not counted: {for_markdown(reason)} -->" for reason in self.ignored] + [""]
        return "\n".join(lines)


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
        self.url = url
        try:
            check_integrity(url)
            self.engine = make_engine(url)
        except ArgumentError:
            raise ProgressError(
                f"--db {url!r}: not a database URL (e.g. sqlite:///progress.db, postgresql://host/db)"
            ) from None
        except ImportError as exc:  # the URL's driver (psycopg, ...) is not installed
            raise ProgressError(f"{url}: the database driver is not installed: {exc}") from None
        except OSError as exc:
            raise ProgressError(f"{url}: cannot create the database file: {exc.strerror or exc}") from None
        try:
            Base.metadata.create_all(self.engine)
        except DatabaseError as exc:  # unreachable server, a file that is not a database, ...
            raise ProgressError(f"{url}: cannot open the progress database: {exc.orig}") from None
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
    def planned_events(self, wave: int) -> list[Event]:
        """Every event the plan expects in *wave*, dated the wave's end."""
        v = self.view
        end = v.wave_end(wave)
        if end is None:
            raise ProgressError(f"no wave {wave} in the plan")
        out = [
            Event(MOVE_EVENT[s.disposition], s.id, end)
            for s in self.plan.systems
            if s.wave == wave and s.disposition in MOVE_EVENT
        ]
        out += [
            Event(EventKind.LINE_CANCELLED, n.id, end)
            for n in self.plan.networks
            if n.wave == wave and n.outcome is NetworkOutcome.RETIRED
        ]
        out += [
            Event(EventKind.ROOM_VACATED, r.id, end)
            for r in self.plan.rooms
            if r.wave == wave and r.outcome in SAVING_ROOM_OUTCOMES
        ]
        out += [
            Event(EventKind.ASSET_DISPOSED, a.asset, end)
            for a in self.assets.values()
            if a.wave == wave and a.proposal is not Proposal.KEEP
        ]
        return out

    # ---------------------------------------------------------------- monthly report
    def monthly_report(self, month: str | dt.date) -> MonthlyReport:
        """METRIC-1 indicators at the end of *month* (``YYYY-MM`` or any date in it)."""
        first = parse_month(month) if isinstance(month, str) else month_start(month)
        as_of = month_end(first)
        rows = [r for r in self.events() if r.date <= as_of]
        done = {(r.family, r.subject) for r in rows}
        v = self.view

        moves = [r for r in rows if r.kind in {k.value for k in MOVE_KINDS}]
        scheduled = [s for s in self.plan.systems if v.scheduled(s)]
        planned_by_now = [s for s in scheduled if (v.wave_end(s.wave) or dt.date.max) <= as_of]

        gone = {s.id for s in self.plan.systems if s.disposition in (Disposition.RETIRE, Disposition.MERGE)}
        connected_events = {r.subject for r in rows if r.family == "connection"}
        connected = {s.id for s in self.inventory.systems if s.sharing.connected} | connected_events
        must_connect = connected | {f.subject for f in self.plan.findings if f.rule == R.FUND_1}
        must_connect = {s for s in must_connect if s in v.systems and s not in gone}
        connected &= must_connect
        shared = sum(
            1
            for s in self.inventory.systems
            if s.id in connected
            for res in s.sharing.resources
            if res.type is not SharingType.NONE
        )

        waves = [self._wave_progress(w.number, w.start, w.end, done, as_of) for w in v.sorted_waves()]

        items = v.saving_items
        realised_dates: dict[tuple[str, str], dt.date] = {(r.family, r.subject): r.date for r in rows}
        family_of = {"line": "line", "room": "room"}

        def realised_effective(kind: str, item_id: str) -> dt.date | None:
            d = realised_dates.get((family_of[kind], item_id))
            return next_month(d) if d else None

        forecast_monthly = sum(i.monthly for i in items if i.ends is not None and i.ends <= as_of)
        realised_monthly = sum(i.monthly for i in items if (family_of[i.kind], i.id) in realised_dates)
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
            systems_integrated=len(moves),
            systems_integrated_in_month=sum(1 for r in moves if r.date >= first),
            systems_planned_by_now=len(planned_by_now),
            systems_planned_total=len(scheduled),
            shared_resources=shared,
            systems_connected=len(connected),
            systems_to_connect=len(must_connect),
            connection_rate=len(connected) / len(must_connect) if must_connect else 1.0,
            waves=waves,
            savings_forecast_monthly=forecast_monthly,
            savings_realised_monthly=realised_monthly,
            savings_forecast_cumulative=f_cum,
            savings_realised_cumulative=r_cum,
        )

    def _wave_progress(
        self, number: int, start: dt.date, end: dt.date, done: set[tuple[str, str]], as_of: dt.date
    ) -> WaveProgress:
        planned = self.planned_events(number)
        missing = [f"{e.kind.value}:{e.subject}" for e in planned if (FAMILY[e.kind], e.subject) not in done]
        n_done = len(planned) - len(missing)
        if not missing:
            status = "complete"
        elif as_of > end:
            status = "late"
        elif as_of < start and n_done == 0:
            status = "not_started"
        else:
            status = "on_track"
        return WaveProgress(number, start, end, len(planned), n_done, status, missing)


def record_all(tracker: ProgressTracker, events: Iterable[Event]) -> list[str]:
    """Record each event; return the refusal messages (an empty list when all were stored)."""
    refused = []
    for ev in events:
        try:
            tracker.record(ev)
        except ProgressError as exc:
            refused.append(str(exc))
    return refused
