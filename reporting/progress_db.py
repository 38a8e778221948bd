"""The progress database: engines, integrity checks, per-system locks and step records.

One database (an SQLite file by default, PostgreSQL for a province whose controllers run on
several machines) holds the METRIC-1 events (reporting.progress) and the state of runbook
execution kept here: who runs which system, and each step's start and end.

The per-system lock is what stops two controllers running one system:

- **PostgreSQL**: a session-level advisory lock, keyed by the system ID, taken with
  ``pg_try_advisory_lock`` on a connection of its own and held for the whole run. The server
  grants it to one session only and frees it when that session ends, so a controller that dies
  (kill -9, a reboot, a cut cable detected by TCP keepalives) loses its locks at once; nobody
  waits for a lease to expire. An advisory lock holds no transaction open, so a run of hours
  does not hold back VACUUM the way a ``SELECT ... FOR UPDATE`` kept open for the run would.
- **SQLite**: a lease row, read and written in one ``BEGIN IMMEDIATE`` transaction (the file's
  exclusive write lock, see make_engine) and renewed while the run lasts; a lease not renewed
  for ``lease_s`` belongs to a controller that died.

On both, the lock row records the holder and when it took the system (for ``progress report``)
and the outcome of the last finished run, so a controller sharing a wave skips what another
one finished.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool

from foundation.errors import GovcloudError

DEFAULT_DB_URL = "sqlite:///govcloud-progress.db"
BUSY_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 10  # an unreachable server is an error within this, never a hang
# libpq keepalives: a controller whose network is cut loses its session (and its locks) in about
# idle + interval × count seconds instead of the kernel's two hours.
PG_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
LOCK_LEASE_S = 120  # SQLite: a lease not renewed for this long belongs to a controller that died
ADVISORY_NAMESPACE = "govcloud.migration_lock:"  # keeps our advisory keys apart from other users'


class ProgressError(GovcloudError):
    """An event refused, or a database that cannot be used: the message says why."""


def shown_url(url: str) -> str:
    """*url* as it may appear in a message or a log: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _postgres_url(parsed: URL) -> URL:
    # psycopg (3) is the driver installed for PostgreSQL; SQLAlchemy 2.0 would pick psycopg2.
    return parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed


def make_engine(url: str = DEFAULT_DB_URL, *, dedicated: bool = False) -> Engine:
    """An engine for *url*.

    SQLite gets WAL, a busy timeout and write-locking transactions; PostgreSQL gets a connect
    timeout and TCP keepalives. *dedicated*: no pool, every connection really closes when
    closed (the lock connections: a closed session frees its advisory locks).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        args: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            parsed = _postgres_url(parsed)
            args = {"connect_timeout": CONNECT_TIMEOUT_S, **PG_KEEPALIVES}
        if dedicated:
            return create_engine(parsed, connect_args=args, poolclass=NullPool)
        return create_engine(parsed, connect_args=args, pool_pre_ping=True)
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


def check_integrity(url: str) -> None:
    """Refuse a damaged SQLite file before anything is read from or written into it.

    The check runs on a read-only connection of its own, before the engine sets WAL mode
    (which writes the file header), so a refused file is left exactly as it was. A database
    server checks its own pages (PostgreSQL: checksums, WAL replay), so only SQLite is checked.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
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


# -------------------------------------------------------------------------- migration runs


class MigrationBase(DeclarativeBase):
    """Tables of runbook execution, created by MigrationLedger (and read by the report)."""


class MigrationLockRow(MigrationBase):
    """Which controller runs a system now (holder empty: nobody) and how its last run ended."""

    __tablename__ = "migration_lock"

    system: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), default="")
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    renewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(String(40), default="")  # of the last run that released it
    done_by: Mapped[str] = mapped_column(String(200), default="")
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class MigrationStepRow(MigrationBase):
    """One step of one run of a system's runbook."""

    __tablename__ = "migration_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(200))
    run: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    holder: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(40), default="running")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


# Columns added to migration_lock after its first release: added in place to an older database.
_LATER_LOCK_COLUMNS = {"taken_at": "TIMESTAMP", "finished_at": "TIMESTAMP"}
COMPLETE = "complete"  # the run outcome after which nobody runs the system again


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def advisory_key(system: str) -> int:
    """The signed 64-bit advisory-lock key of *system*.

    A hash, not a counter, so every controller derives it alone; two IDs sharing a key (odds
    about n²/2⁶⁵) would only make one wait for the other, never let two controllers in.
    """
    return _key(ADVISORY_NAMESPACE + system)


def _key(name: str) -> int:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_SCHEMA_KEY = _key("govcloud.schema")  # outside ADVISORY_NAMESPACE: no system's key


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """``metadata.create_all``, one process at a time.

    Two first opens of an empty PostgreSQL database (two controllers, two writers) would both
    find a table missing and both create it: the second fails with a unique violation in
    pg_type. A transaction-level advisory lock orders them. SQLite's transactions take the write
    lock as they begin (make_engine), which orders them already.
    """
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_KEY})
        metadata.create_all(conn)


def _pg_lock_ids(key: int) -> tuple[int, int]:
    """(classid, objid) under which pg_locks shows the advisory lock of a bigint *key*."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF


def ensure_migration_tables(engine: Engine) -> None:
    """Create the migration tables, or add the columns a database of an older release lacks."""
    create_tables(engine, MigrationBase.metadata)
    present = {c["name"] for c in inspect(engine).get_columns(MigrationLockRow.__tablename__)}
    missing = {name: kind for name, kind in _LATER_LOCK_COLUMNS.items() if name not in present}
    if missing:
        with engine.begin() as conn:
            for name, kind in missing.items():
                conn.execute(text(f"ALTER TABLE {MigrationLockRow.__tablename__} ADD COLUMN {name} {kind}"))


@dataclass(frozen=True)
class LiveRun:
    """Where one system's runbook is now: the live state ``progress report`` shows."""

    system: str
    controller: str  # who runs (or ran) that step
    step: str  # the current step, else the last one
    step_outcome: str  # running | abandoned (its controller is gone) | done | unchanged | failed | ...
    since: dt.datetime  # when that step started (running) or ended (UTC)
    held: bool  # a live controller holds the system's lock now (maybe another one, after a takeover)
    outcome: str  # of its last finished run ("" while none has finished)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "since": self.since.isoformat(timespec="seconds")}


class MigrationLedger:
    """Per-system locks and step records in the progress database (see the module's doc).

    One ledger serves every worker thread of a controller; each system it holds is held once.
    """

    def __init__(self, url: str = DEFAULT_DB_URL, lease_s: float = LOCK_LEASE_S) -> None:
        self.url, self.lease_s = url, lease_s
        try:
            check_integrity(url)
            self.engine = make_engine(url)
            self.postgres = self.engine.dialect.name == "postgresql"
            self._lock_engine = make_engine(url, dedicated=True) if self.postgres else None
            ensure_migration_tables(self.engine)
        except ProgressError:
            raise
        except (ArgumentError, ImportError, OSError, DatabaseError) as exc:
            what = "cannot open the progress database for migration runs"
            detail = getattr(exc, "orig", None) or exc
            raise ProgressError(f"{shown_url(url)}: {what}: {detail}") from None
        self._mutex = threading.Lock()
        self._held: dict[str, tuple[str, Connection | None]] = {}  # system -> (holder, lock session)
        self._claiming: set[str] = set()  # systems a thread of this ledger is taking right now

    def close(self) -> None:
        with self._mutex:
            held = list(self._held.items())
            self._held.clear()
        for system, (holder, conn) in held:
            # A controller that closes without releasing (its run cut short) frees the system
            # now rather than leaving a lease to run out; the step it was in shows abandoned.
            with contextlib.suppress(SQLAlchemyError), self.engine.begin() as main:
                self._free_row(main, system, holder, "")
            if conn is not None:
                conn.close()  # the server frees the session's advisory locks
        self.engine.dispose()
        if self._lock_engine is not None:
            self._lock_engine.dispose()

    # ---------------------------------------------------------------- locks
    def acquire(self, system: str, holder: str) -> str | None:
        """Take *system* for *holder*; None when taken, else the holder that has it now."""
        with self._mutex:
            mine = self._held.get(system)
            if mine is not None:
                return None if mine[0] == holder else mine[0]
            if system in self._claiming:
                return holder  # another thread of this controller is taking it
            self._claiming.add(system)
        try:
            self._ensure_row(system)
            return self._take_pg(system, holder) if self.postgres else self._take_lease(system, holder)
        finally:
            with self._mutex:
                self._claiming.discard(system)

    def _take_pg(self, system: str, holder: str) -> str | None:
        # The row lock orders racing takers for an instant; the advisory lock is what is held
        # for the run. A loser reads the holder only after the winner committed its name.
        assert self._lock_engine is not None
        lock = MigrationLockRow
        conn = self._lock_engine.connect()
        try:
            with conn.begin():
                row = select(lock.holder).where(lock.system == system).with_for_update()
                current = conn.scalar(row)
                got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key(system)}))
                if got:
                    now = _utcnow()
                    conn.execute(
                        update(lock)
                        .where(lock.system == system)
                        .values(holder=holder, taken_at=now, renewed_at=now)
                    )
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return current or "another controller"
        with self._mutex:
            self._held[system] = (holder, conn)
        return None

    def _take_lease(self, system: str, holder: str) -> str | None:
        now = _utcnow()
        with Session(self.engine) as session, session.begin():
            row = session.get(MigrationLockRow, system, with_for_update=True)
            assert row is not None  # _ensure_row made it
            if row.holder and row.holder != holder and self._fresh(row, now):
                return row.holder
            row.holder, row.taken_at, row.renewed_at = holder, now, now
        with self._mutex:
            self._held[system] = (holder, None)
        return None

    def _fresh(self, row: MigrationLockRow, now: dt.datetime) -> bool:
        return row.renewed_at is not None and (now - row.renewed_at).total_seconds() < self.lease_s

    def _ensure_row(self, system: str) -> None:
        """The lock row exists (created once, free), so it can be locked and written."""
        with Session(self.engine) as session:
            if session.get(MigrationLockRow, system) is not None:
                return
        try:
            with Session(self.engine) as session, session.begin():
                session.add(MigrationLockRow(system=system, holder="", renewed_at=None))
        except IntegrityError:
            pass  # another controller created it first

    def claim_next(self, systems: Iterable[str], holder: str, since: dt.datetime | None = None) -> str | None:
        """Take the first of *systems* nobody holds and nobody finished; None when none is left.

        "Finished" is a run that ended complete, or (with *since*) any run another controller
        ended after *since*: a failure another controller of the same wave met is theirs to
        report, not for this one to retry behind its back.
        """
        order = list(dict.fromkeys(systems))
        skip = self._finished(order, holder, since) | self._busy(order, holder)
        for system in order:
            with self._mutex:
                if system in self._held or system in self._claiming:
                    continue  # this controller runs it already
            if system in skip:
                continue
            if self.acquire(system, holder) is None:
                if self._finished([system], holder, since):  # finished while we were looking
                    self.release(system, holder)
                    continue
                return system
        return None

    def _busy(self, systems: list[str], holder: str) -> set[str]:
        """Systems a live controller other than *holder* holds now: not worth trying one by one
        (a hint read once; acquire stays the authority)."""
        with Session(self.engine) as session:
            rows = list(session.scalars(select(MigrationLockRow).where(MigrationLockRow.system.in_(systems))))
            granted = _granted_advisory(session) if self.postgres else None
        now = _utcnow()

        def live(r: MigrationLockRow) -> bool:
            if granted is not None:
                return _pg_lock_ids(advisory_key(r.system)) in granted
            return self._fresh(r, now)

        return {r.system for r in rows if r.holder and r.holder != holder and live(r)}

    def _finished(self, systems: list[str], holder: str, since: dt.datetime | None) -> set[str]:
        with Session(self.engine) as session:
            rows = session.scalars(select(MigrationLockRow).where(MigrationLockRow.system.in_(systems)))
            return {
                r.system
                for r in rows
                if r.outcome == COMPLETE
                or (
                    since is not None
                    and r.outcome
                    and r.done_by != holder
                    and r.finished_at is not None
                    and r.finished_at >= since
                )
            }

    def renew(self, system: str, holder: str) -> bool:
        """Keep *system* held; False when *holder* no longer holds it (lease taken, session lost)."""
        with self._mutex:
            mine = self._held.get(system)
        if mine is None or mine[0] != holder:
            return False
        conn = mine[1]
        if conn is not None:  # PostgreSQL: the lock lives while its session does
            hi, lo = _pg_lock_ids(advisory_key(system))
            try:
                alive = conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND pid = pg_backend_pid() AND classid = :hi AND objid = :lo AND objsubid = 1"
                    ),
                    {"hi": hi, "lo": lo},
                )
                conn.commit()
            except SQLAlchemyError:
                alive = 0
            if not alive:
                return False
        with Session(self.engine) as session, session.begin():
            row = session.get(MigrationLockRow, system, with_for_update=True)
            if row is None or row.holder != holder:
                return False
            row.renewed_at = _utcnow()
            return True

    def release(self, system: str, holder: str, outcome: str = "") -> None:
        """Free *system*; *outcome* of the run is kept, so other controllers skip a finished one."""
        with self._mutex:
            mine = self._held.get(system)
            if mine is None or mine[0] != holder:
                return
            del self._held[system]
        conn = mine[1]
        if conn is not None:
            try:
                # One transaction on the lock's own session: the row is free exactly when the
                # lock is (a taker waits on the row, then finds the advisory lock free).
                with conn.begin():
                    self._free_row(conn, system, holder, outcome)
                    conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(system)})
                return
            except SQLAlchemyError:
                pass  # the session is gone, and its lock with it: record the outcome below
            finally:
                conn.close()
        with self.engine.begin() as main:
            self._free_row(main, system, holder, outcome)

    @staticmethod
    def _free_row(conn: Connection, system: str, holder: str, outcome: str) -> None:
        lock = MigrationLockRow
        mine = (lock.system == system) & (lock.holder == holder)
        values: dict[str, Any] = {"holder": "", "renewed_at": None}
        if outcome:
            values |= {"outcome": outcome, "done_by": holder, "finished_at": _utcnow()}
        conn.execute(update(lock).where(mine).values(**values))

    def holder(self, system: str) -> str:
        with Session(self.engine) as session:
            row = session.get(MigrationLockRow, system)
            return row.holder if row else ""

    def last_outcome(self, system: str) -> tuple[str, str]:
        """(outcome, controller) of the last run of *system* that released its lock."""
        with Session(self.engine) as session:
            row = session.get(MigrationLockRow, system)
            return (row.outcome, row.done_by) if row else ("", "")

    # ---------------------------------------------------------------- step records
    def step_started(self, system: str, run: str, step: str, holder: str) -> int:
        with Session(self.engine) as session, session.begin():
            row = MigrationStepRow(system=system, run=run, step=step, holder=holder, started_at=_utcnow())
            session.add(row)
            session.flush()
            return int(row.id)

    def step_ended(self, row_id: int, outcome: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(MigrationStepRow, row_id)
            if row is not None:
                row.outcome, row.ended_at = outcome, _utcnow()

    def steps(self, system: str | None = None) -> list[MigrationStepRow]:
        with Session(self.engine) as session:
            q = select(MigrationStepRow).order_by(MigrationStepRow.id)
            if system is not None:
                q = q.where(MigrationStepRow.system == system)
            return list(session.scalars(q))

    # ---------------------------------------------------------------- live state
    def live(self) -> list[LiveRun]:
        """Every system with a recorded step: its current (or last) step, since when, by whom."""
        return live_runs(self.engine)


def live_runs(engine: Engine, lease_s: float = LOCK_LEASE_S) -> list[LiveRun]:
    """The live state of runbook execution in the database of *engine* (none without its tables)."""
    names = set(inspect(engine).get_table_names())
    if not {MigrationLockRow.__tablename__, MigrationStepRow.__tablename__} <= names:
        return []
    with Session(engine) as session:
        last_ids = {
            int(i)
            for i in session.scalars(
                select(func.max(MigrationStepRow.id)).group_by(MigrationStepRow.system)
            )
        }
        steps = list(session.scalars(select(MigrationStepRow).where(MigrationStepRow.id.in_(last_ids))))
        locks = {r.system: r for r in session.scalars(select(MigrationLockRow))}
        granted = _granted_advisory(session) if engine.dialect.name == "postgresql" else None
    now = _utcnow()
    out = []
    for st in sorted(steps, key=lambda s: s.system):
        lock = locks.get(st.system)
        if lock is None or not lock.holder:
            held = False
        elif granted is not None:
            held = _pg_lock_ids(advisory_key(st.system)) in granted
        else:
            held = lock.renewed_at is not None and (now - lock.renewed_at).total_seconds() < lease_s
        running = st.ended_at is None
        # A step whose controller is gone (killed mid-step) is not running any more.
        mine = held and lock is not None and lock.holder == st.holder
        state = ("running" if mine else "abandoned") if running else st.outcome
        out.append(
            LiveRun(
                system=st.system,
                controller=st.holder,
                step=st.step,
                step_outcome=state,
                since=st.started_at if running else (st.ended_at or st.started_at),
                held=held,
                outcome=lock.outcome if lock else "",
            )
        )
    return out


def _granted_advisory(session: Session) -> set[tuple[int, int]]:
    rows = session.execute(
        # Advisory locks belong to one database: another database's keys are not ours.
        text(
            "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )
    return {(int(c), int(o)) for c, o in rows}
