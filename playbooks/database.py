"""Databases as first-class steps: a replica seeded while the source is live, promoted at cut-over.

PostgreSQL (tested): ``pg_basebackup -X stream -R`` on the target with a replication slot, so
the replica streams every change the source makes during the pre-seed; at cut-over (the
applications are frozen) it waits until the replica has replayed the source's last WAL
position, stops the source server and promotes the replica.

MariaDB / MySQL (tested with MariaDB): ``mysqldump --single-transaction --master-data=1``
streamed from the source server straight into the target server (run on the target host), which
then replicates from the dump's binlog position; at cut-over it waits for that position
(``MASTER_POS_WAIT``), stops replication and the source server.

Both are then verified per table, source against target: row count and a checksum of every row
(PostgreSQL: md5 over the rows' text sorted; MariaDB: ``CHECKSUM TABLE``).

达梦 DM, 人大金仓 KingbaseES and Oracle: TEMPLATED AND UNTESTED. :data:`VENDOR_STEPS` names the
vendor tools (DM ``dexp``/``dimp``, KingbaseES ``sys_dump``/``sys_restore``, Oracle Data Pump
``expdp``/``impdp``; RMAN or DM backup sets for large databases) as a cold export/import during
the outage. No server of these engines was available to test them: review and dry-run them on
a copy before any real use.

Passwords come from the targets file's env (``password_env``) and reach the tools as
``PGPASSWORD`` / ``MYSQL_PWD`` in the environment (on stdin, see SSHSession.run), never on a
command line; SQL goes on stdin too.
"""

from __future__ import annotations

import logging
import re
import shlex
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from playbooks.errors import CommandFailed, PlaybookError, StepFailed
from playbooks.model import DatabaseEngine, DatabaseSpec, HostPair, Role
from playbooks.ssh import SSHSession


class RunContext(Protocol):
    """What a database step needs of the run (playbooks.runner.SystemRun provides it)."""

    @property
    def system(self) -> str: ...
    @property
    def env(self) -> Mapping[str, str]: ...
    def session(self, pair: HostPair | str, role: Role) -> SSHSession: ...
    @property
    def bwlimit_kbps(self) -> int | None: ...


log = logging.getLogger("playbooks.database")

CATCH_UP_TIMEOUT_S = 600.0
POLL_S = 0.01  # replay, promotion and quiescence are polled this tightly (each poll is a query)
QUIET_POLL_S = 0.02
NOT_SERVING = 3  # exit status of the promotion script when no replica answers on the target


class Database(Protocol):
    """What the runner asks of a database pair."""

    def seed(self) -> dict[str, Any]: ...
    def quiescent(self, settle_seconds: float) -> str | None: ...
    def catch_up_and_promote(self) -> dict[str, Any]: ...
    def verify_tables(self) -> dict[str, Any]: ...
    def finish(self) -> None: ...
    def rollback(self) -> None: ...


def database_for(pair: HostPair, run: RunContext) -> Database:
    spec = pair.database
    assert spec is not None
    if spec.engine is DatabaseEngine.POSTGRESQL:
        return PostgresReplica(pair, spec, run)
    if spec.engine in (DatabaseEngine.MARIADB, DatabaseEngine.MYSQL):
        return MariaDBReplica(pair, spec, run)
    return VendorDump(pair, spec, run)


class _Base:
    def __init__(self, pair: HostPair, spec: DatabaseSpec, run: RunContext) -> None:
        self.pair, self.spec, self.run = pair, spec, run
        self.slot = re.sub(r"[^a-z0-9_]", "_", f"govcloud_{run.system}".lower())[:63]

    def _figures(self, query: Any, db: str) -> dict[str, list[str]]:
        raise NotImplementedError

    def _activity(self) -> tuple[str, int]:
        """(a mark that moves with every new write transaction, client sessions other than ours)."""
        raise NotImplementedError

    def quiescent(self, settle_seconds: float) -> str | None:
        """How the frozen source was found quiescent, None when it was not.

        No client connected but this check itself: nobody can be writing (the applications'
        sessions closed when they stopped); polled until *settle_seconds* are up. Failing that,
        no new write transaction during those seconds (a session that stays connected, say a
        pool or a monitor, is allowed as long as it does not write).
        """
        deadline = time.monotonic() + settle_seconds
        mark, sessions = self._activity()
        while sessions:
            if time.monotonic() >= deadline:
                later, _ = self._activity()
                return f"no write transaction for {settle_seconds:g}s" if later == mark else None
            time.sleep(QUIET_POLL_S)
            _, sessions = self._activity()
        return "no client session connected"

    def on_source(self, sql: str, db: str = "") -> str:
        raise NotImplementedError

    def on_target(self, sql: str, db: str = "") -> str:
        raise NotImplementedError

    def verify_tables(self) -> dict[str, Any]:
        """Row count and checksum of every table, source (frozen, still up) against target (started).

        Both servers are read at once: the source has had no writer since the freeze.
        """
        tables: dict[str, Any] = {}
        mismatched: list[str] = []
        for db in self.spec.databases:
            with ThreadPoolExecutor(2, thread_name_prefix="tables") as pool:
                src_f = pool.submit(self._figures, self.on_source, db)
                tgt_f = pool.submit(self._figures, self.on_target, db)
                src, tgt = src_f.result(), tgt_f.result()
            for name in sorted(set(src) | set(tgt)):
                tables[f"{db}.{name}"] = {"source": src.get(name), "target": tgt.get(name)}
                if src.get(name) != tgt.get(name):
                    mismatched.append(f"{db}.{name}: source {src.get(name)} target {tgt.get(name)}")
        return {"tables": tables, "mismatched": mismatched}

    @property
    def source(self) -> SSHSession:
        return self.run.session(self.pair, Role.SOURCE)

    @property
    def target(self) -> SSHSession:
        return self.run.session(self.pair, Role.TARGET)

    @property
    def source_address(self) -> str:
        return self.spec.source_address or self.pair.source.address

    def env(self, var: str) -> dict[str, str]:
        """The tool's password variable, from the targets file's env entry *password_env*."""
        out = dict(self.run.env)
        if self.spec.password_env:
            if self.spec.password_env not in out:
                raise PlaybookError(
                    f"database: password_env {self.spec.password_env!r} is not in the targets env"
                )
            out[var] = out[self.spec.password_env]
        return out

    def bin(self, tool: str) -> str:
        return f"{self.spec.bin_dir.rstrip('/')}/{tool}" if self.spec.bin_dir else tool

    def as_db_user(self, session: SSHSession, command: str) -> str:
        """*command* run as the server's account on the target (root logins switch with runuser)."""
        if session.endpoint.user == self.spec.os_user:
            return command
        if self.pair.target_sudo:
            return f"sudo -n -E -u {shlex.quote(self.spec.os_user)} -- sh -c {shlex.quote(command)}"
        return f"runuser -u {shlex.quote(self.spec.os_user)} -- sh -c {shlex.quote(command)}"

    def shell(
        self,
        session: SSHSession,
        command: str,
        var: str,
        *,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> str:
        res = session.run(command, env=self.env(var), stdin=stdin, timeout=timeout)
        if not res.ok:
            err = (res.stderr or res.stdout).decode("utf-8", "replace").strip()[-500:]
            raise CommandFailed(
                f"{session.endpoint.label}: database command failed (exit {res.exit_status}): {err}",
                res.exit_status,
            )
        return res.text()

    def finish(self) -> None:
        """After the tables matched: the source server stops for good (it stays until then)."""
        self.stop_source()

    def stop_source(self) -> None:
        if self.pair.source_stop:
            self.source.run(self.pair.source_stop, sudo=self.pair.service_sudo, env=self.run.env, check=True)

    def start_source(self) -> None:
        if self.pair.source_start:
            self.source.run(self.pair.source_start, sudo=self.pair.service_sudo, env=self.run.env)


# ---------------------------------------------------------------------------- PostgreSQL


FLUSH_SQL = (
    "BEGIN; SET LOCAL synchronous_commit = on; "
    "SELECT pg_logical_emit_message(true, 'govcloud', 'final position'); COMMIT;"
)


def _poll_sql(waiting: str, message: str) -> str:
    """A DO block that loops (every POLL_S) while the SQL condition *waiting* holds, raising
    *message* (the rest of a RAISE, after its opening quote) after CATCH_UP_TIMEOUT_S."""
    return (
        "DO $$ DECLARE deadline timestamptz := clock_timestamp() + "
        f"interval '{int(CATCH_UP_TIMEOUT_S)} s'; BEGIN "
        f"WHILE {waiting} LOOP "
        f"IF clock_timestamp() > deadline THEN RAISE EXCEPTION '{message}; END IF; "
        f"PERFORM pg_sleep({POLL_S:g}); END LOOP; END $$;"
    )


TABLES_SQL = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;"
)


class PostgresReplica(_Base):
    """A streaming replica built with pg_basebackup, promoted at cut-over."""

    def psql(
        self, session: SSHSession, host: str, port: int, db: str, sql: str, *, as_os_user: bool = False
    ) -> str:
        cmd = (
            f"{self.bin('psql')} -X -q -A -t -v ON_ERROR_STOP=1 -h {shlex.quote(host)} -p {port} "
            f"-U {shlex.quote(self.spec.admin_user)} -d {shlex.quote(db)} -f -"
        )
        return self.shell(session, cmd, "PGPASSWORD", stdin=sql.encode()).strip()

    def on_source(self, sql: str, db: str = "postgres") -> str:
        return self.psql(self.target, self.source_address, self.spec.source_port, db, sql)

    def on_target(self, sql: str, db: str = "postgres") -> str:
        return self.psql(self.target, "127.0.0.1", self.spec.target_port, db, sql)

    def _target_running(self) -> bool:
        d = shlex.quote(self.spec.target_data_dir)
        res = self.target.run(self.as_db_user(self.target, f"{self.bin('pg_ctl')} -D {d} status"))
        return res.ok

    def _start_target(self) -> None:
        d = shlex.quote(self.spec.target_data_dir)
        opts = shlex.quote(
            f"-p {self.spec.target_port} -c listen_addresses={self.spec.target_listen} -c "
            "unix_socket_directories="
        )
        self.shell(
            self.target,
            self.as_db_user(
                self.target,
                f"{self.bin('pg_ctl')} -D {d} -o {opts} -l {d}/govcloud-server.log -w -t 120 start",
            ),
            "PGPASSWORD",
        )

    def seed(self) -> dict[str, Any]:
        d = shlex.quote(self.spec.target_data_dir)
        started = time.monotonic()
        if self._target_running():
            return {"replica": "streaming already", "caught_up": self._catch_up_live(), "seconds": 0.0}
        has_data = self.target.run(f"test -f {d}/PG_VERSION").ok
        if not has_data:
            non_empty = self.target.run(f'test -d {d} && [ -n "$(ls -A {d})" ]').ok
            if non_empty:
                raise StepFailed(
                    f"{self.target.endpoint.label}:{self.spec.target_data_dir} is not empty and not a "
                    "replica: "
                    f"refusing to seed over it (nothing on the target is removed)"
                )
            # A slot keeps the WAL the replica has not received yet, whatever the write load.
            self.on_source(
                f"SELECT pg_drop_replication_slot('{self.slot}') FROM pg_replication_slots WHERE "
                f"slot_name = '{self.slot}';"
            )
            self.shell(
                self.target,
                self.as_db_user(
                    self.target,
                    f"mkdir -p {d} && chmod 700 {d} && {self.bin('pg_basebackup')} -h "
                    f"{shlex.quote(self.source_address)} "
                    f"-p {self.spec.source_port} -U {shlex.quote(self.spec.replication_user)} -D {d} "
                    f"-X stream -R -c fast -C -S {self.slot} -w{self._max_rate()}",
                ),
                "PGPASSWORD",
                timeout=86400,
            )
        self._start_target()
        caught_up = self._catch_up_live()
        return {
            "replica": "seeded",
            "seconds": round(time.monotonic() - started, 3),
            "slot": self.slot,
            "caught_up": caught_up,
        }

    def _max_rate(self) -> str:
        """The run's bandwidth limit (the policy's, as for rsync) for pg_basebackup (32 kB/s .. 1 GB/s)."""
        kib = self.run.bwlimit_kbps
        return f" --max-rate={min(max(kib, 32), 1 << 20)}k" if kib else ""

    def _catch_up_live(self) -> bool:
        """Let the replica replay the seeding's backlog while the source is live: wait until it
        has replayed what the source had written when asked (one script on the target host)."""
        script = self._replay_script()
        return self.target.run(script, env=self.env("PGPASSWORD"), timeout=CATCH_UP_TIMEOUT_S + 60).ok

    def _replay_script(self, then: str = "") -> str:
        """Shell lines: wait until the replica has replayed the source's current WAL position ($lsn),
        then run the SQL *then* in the same session: one psql on the target polling every
        POLL_S inside the server (a DO loop), no client started per poll."""
        src = self._psql_cmd(self.source_address, self.spec.source_port)
        tgt = self._psql_cmd("127.0.0.1", self.spec.target_port, stdin=False)
        q = shlex.quote
        return "\n".join(
            [
                # Every record the source has inserted, asynchronous commits included, must
                # reach the replica: a message committed synchronously flushes the WAL up to
                # itself, so the flush position covers them and streams at once. Without the
                # right to emit it, the insert position (flushed by the WAL writer soon).
                f"lsn=$({src} -c {q(FLUSH_SQL)} -c {q('SELECT pg_current_wal_flush_lsn()')} 2>/dev/null "
                "| tail -n 1)",
                f'[ -n "$lsn" ] || lsn=$({src} -c {q("SELECT pg_current_wal_insert_lsn()")}) || exit 1',
                f"{tgt} -v lsn=\"$lsn\" -f - >/dev/null <<'GOVCLOUD_SQL' || exit 1",
                "SELECT set_config('govcloud.lsn', :'lsn', false);",
                _poll_sql(
                    "coalesce(pg_last_wal_replay_lsn() < current_setting('govcloud.lsn')::pg_lsn, true)",
                    "not replayed up to % in time', current_setting('govcloud.lsn')",
                ),
                then,
                "GOVCLOUD_SQL",
            ]
        )

    def _psql_cmd(self, host: str, port: int, db: str = "postgres", *, stdin: bool = True) -> str:
        return (
            f"{self.bin('psql')} -X -q -A -t -v ON_ERROR_STOP=1 -h {shlex.quote(host)} -p {port} "
            f"-U {shlex.quote(self.spec.admin_user)} -d {shlex.quote(db)}" + (" </dev/null" if stdin else "")
        )

    def _activity(self) -> tuple[str, int]:
        row = self.on_source(
            "SELECT pg_snapshot_xmax(pg_current_snapshot()) || ' ' || count(*) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid();"
        ).split()
        return row[0], int(row[1])

    def catch_up_and_promote(self) -> dict[str, Any]:
        """Replay up to the frozen source's last WAL position, promote: one script on the target host."""
        seeded: dict[str, Any] = {}
        started = time.monotonic()
        res = self.target.run(
            self._promote_script(), env=self.env("PGPASSWORD"), timeout=CATCH_UP_TIMEOUT_S + 180
        )
        if res.exit_status == NOT_SERVING:  # cold: no pre-seed, the whole copy happens now
            seeded = self.seed()
            res = self.target.run(
                self._promote_script(), env=self.env("PGPASSWORD"), timeout=CATCH_UP_TIMEOUT_S + 180
            )
        if not res.ok:
            err = (res.stderr or res.stdout).decode("utf-8", "replace").strip()[-500:]
            raise StepFailed(
                f"{self.target.endpoint.label}: the replica was not caught up and promoted: {err}"
            )
        said = res.text().split()
        if said[:1] == ["already"]:
            return {"promoted": "already"}
        return {
            "caught_up_to": said[-1],
            "promoted": True,
            "seconds": round(time.monotonic() - started, 3),
            **({"seeded": seeded} if seeded else {}),
        }

    def _promote_script(self) -> str:
        """Replay up to the frozen source's position, promote without pg_promote's own 100 ms
        polling (a tighter poll in the same session), and drop the replication settings (the
        replication password must not stay in the promoted server's configuration)."""
        tgt = self._psql_cmd("127.0.0.1", self.spec.target_port)
        q = shlex.quote
        promote = "\n".join(
            [
                "SELECT pg_promote(false);",
                _poll_sql("pg_is_in_recovery()", "not promoted in time'"),
                "ALTER SYSTEM RESET primary_conninfo;",
                "ALTER SYSTEM RESET primary_slot_name;",
            ]
        )
        return "\n".join(
            [
                f"state=$({tgt} -c {q('SELECT pg_is_in_recovery()')} 2>/dev/null) || exit {NOT_SERVING}",
                '[ "$state" = f ] && { echo already; exit 0; }',
                self._replay_script(then=promote),
                'echo "caught-up $lsn"',
            ]
        )

    def _figures(self, query: Any, db: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in [t for t in query(TABLES_SQL, db).splitlines() if t]:
            # Order-independent and in constant memory: the sum of every row's 64-bit md5 prefix.
            row = query(
                "SELECT count(*) || '|' || coalesce(sum(('x' || substr(md5(t::text), 1, "
                "16))::bit(64)::bigint), 0) "
                f"FROM {name} t;",
                db,
            )
            out[name] = row.split("|")
        return out

    def rollback(self) -> None:
        d = shlex.quote(self.spec.target_data_dir)
        self.target.run(self.as_db_user(self.target, f"{self.bin('pg_ctl')} -D {d} -m fast stop"))
        self.start_source()
        try:
            self.on_source(
                f"SELECT pg_drop_replication_slot('{self.slot}') FROM pg_replication_slots WHERE "
                f"slot_name = '{self.slot}';"
            )
        except PlaybookError as exc:
            log.warning("replication slot %s left on the source: %s", self.slot, exc)


# ---------------------------------------------------------------------------- MariaDB / MySQL


class MariaDBReplica(_Base):
    """A consistent dump (--single-transaction) into the target server, then binlog replication."""

    def mysql(
        self, session: SSHSession, host: str, port: int, sql: str, db: str = "", *, names: bool = False
    ) -> str:
        cmd = (
            f"{self.bin('mysql')} --batch {'' if names else '--skip-column-names'} -h "
            f"{shlex.quote(host)} -P {port} "
            f"-u {shlex.quote(self.spec.admin_user)} {shlex.quote(db) if db else ''}"
        )
        return self.shell(session, cmd, "MYSQL_PWD", stdin=sql.encode()).strip()

    def on_source(self, sql: str, db: str = "") -> str:
        return self.mysql(self.target, self.source_address, self.spec.source_port, sql, db)

    def on_target(self, sql: str, db: str = "") -> str:
        return self.mysql(self.target, "127.0.0.1", self.spec.target_port, sql, db)

    def _slave_status(self) -> dict[str, str]:
        """SHOW SLAVE STATUS of the target as a mapping ({} when it replicates from nobody)."""
        text = self.mysql(self.target, "127.0.0.1", self.spec.target_port, "SHOW SLAVE STATUS;", names=True)
        lines = text.splitlines()
        return dict(zip(lines[0].split("\t"), lines[1].split("\t"), strict=False)) if len(lines) > 1 else {}

    def _replicating(self) -> bool:
        return self._slave_status().get("Slave_SQL_Running") == "Yes"

    def seed(self) -> dict[str, Any]:
        started = time.monotonic()
        if self._replicating():
            return {"replica": "replicating already", "caught_up": self._catch_up_live(), "seconds": 0.0}
        password = self.env("MYSQL_PWD").get("MYSQL_PWD", "")
        quoted = password.replace("\\", "\\\\").replace("'", "\\'")
        # The password is in SQL on stdin, never on a command line.
        self.on_target(
            "STOP SLAVE; RESET SLAVE ALL; "
            f"CHANGE MASTER TO MASTER_HOST='{self.source_address}', MASTER_PORT={self.spec.source_port}, "
            f"MASTER_USER='{self.spec.replication_user}', MASTER_PASSWORD='{quoted}';"
        )
        dbs = " ".join(shlex.quote(d) for d in self.spec.databases)
        dump = (
            f"{self.bin('mysqldump')} -h {shlex.quote(self.source_address)} -P {self.spec.source_port} "
            f"-u {shlex.quote(self.spec.admin_user)} --single-transaction --master-data=1 --routines "
            "--triggers "
            f"--databases {dbs}"
        )
        admin = shlex.quote(self.spec.admin_user)
        load = f"{self.bin('mysql')} -h 127.0.0.1 -P {self.spec.target_port} -u {admin}"
        # Straight from the source server into the target server, on the target host.
        self.shell(
            self.target,
            f"if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi; {dump} | {load}",
            "MYSQL_PWD",
            timeout=86400,
        )
        self.on_target("START SLAVE;")
        caught_up = self._catch_up_live()
        return {"replica": "seeded", "seconds": round(time.monotonic() - started, 3), "caught_up": caught_up}

    def _catch_up_live(self) -> bool:
        """Wait (the source still live) until the replica reached where the source was a moment ago."""
        file, pos = self._position()
        got = self.on_target(f"SELECT MASTER_POS_WAIT('{file}', {pos}, {int(CATCH_UP_TIMEOUT_S)});")
        return got not in ("NULL", "-1")

    def _position(self) -> tuple[str, str]:
        line = self.on_source("SHOW MASTER STATUS;").splitlines()[0].split("\t")
        return line[0], line[1]

    def _activity(self) -> tuple[str, int]:
        lines = self.on_source(
            "SHOW MASTER STATUS; SELECT count(*) FROM information_schema.PROCESSLIST WHERE "
            "ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID') "
            "AND USER NOT IN ('system user', 'event_scheduler');"
        ).splitlines()
        position = "\t".join(lines[0].split("\t")[:2]) if len(lines) > 1 else ""
        return position, int(lines[-1])

    def catch_up_and_promote(self) -> dict[str, Any]:
        status = self._slave_status()
        seeded: dict[str, Any] = {}
        if not status and self.spec.databases:
            have = self.on_target(f"SHOW DATABASES LIKE '{self.spec.databases[0]}';")
            if have:
                return {"promoted": "already"}
            seeded = self.seed()  # cold: no pre-seed, the dump happens now
            status = self._slave_status()
        if status.get("Slave_SQL_Running") != "Yes":
            error = status.get("Last_SQL_Error") or status.get("Last_IO_Error")
            raise StepFailed(f"the replica does not apply changes: {error}")
        file, pos = self._position()
        got = self.on_target(f"SELECT MASTER_POS_WAIT('{file}', {pos}, {int(CATCH_UP_TIMEOUT_S)});")
        if got in ("NULL", "-1"):
            raise StepFailed(f"replica did not reach {file}:{pos} ({got})")
        self.on_target("STOP SLAVE; RESET SLAVE ALL;")
        return {"caught_up_to": f"{file}:{pos}", "promoted": True, **({"seeded": seeded} if seeded else {})}

    def _figures(self, query: Any, db: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in [t for t in query("SHOW TABLES;", db).splitlines() if t]:
            q = f"`{name.replace('`', '``')}`"
            count = query(f"SELECT count(*) FROM {q};", db)
            checksum = query(f"CHECKSUM TABLE {q} EXTENDED;", db).split("\t")[-1]
            out[name] = [count, checksum]
        return out

    def rollback(self) -> None:
        self.start_source()
        try:
            self.on_target("STOP SLAVE;")
        except PlaybookError as exc:
            log.warning("replication on the target not stopped: %s", exc)


# ---------------------------------------------------------------------------- vendor engines (UNTESTED)

# Cold export on the source, import on the target, both during the outage. UNTESTED templates:
# {src}/{tgt} are host:port, {user} the admin account, {dump} a file under the data root.
VENDOR_STEPS: dict[DatabaseEngine, tuple[str, str]] = {
    DatabaseEngine.DM: (
        'dexp USERID={user}/"$DB_PASSWORD"@{src} FILE={dump} FULL=Y',
        'dimp USERID={user}/"$DB_PASSWORD"@{tgt} FILE={dump} FULL=Y',
    ),
    DatabaseEngine.KINGBASE: (
        "sys_dump -h {src_host} -p {src_port} -U {user} -F c -f {dump} {db}",
        "sys_restore -h {tgt_host} -p {tgt_port} -U {user} -d {db} {dump}",
    ),
    DatabaseEngine.ORACLE: (
        'expdp {user}/"$DB_PASSWORD"@{src} FULL=Y DIRECTORY=GOVCLOUD DUMPFILE=govcloud.dmp',
        'impdp {user}/"$DB_PASSWORD"@{tgt} FULL=Y DIRECTORY=GOVCLOUD DUMPFILE=govcloud.dmp',
    ),
}


class VendorDump(_Base):
    """UNTESTED: a cold export/import with the vendor's tools (see VENDOR_STEPS)."""

    def seed(self) -> dict[str, Any]:
        log.warning("%s: %s steps are UNTESTED templates", self.run.system, self.spec.engine.value)
        return {"replica": "none (cold export at sync)", "untested": True}

    def quiescent(self, settle_seconds: float) -> str | None:
        return "not checked (untested template)"

    def catch_up_and_promote(self) -> dict[str, Any]:
        export, load = VENDOR_STEPS[self.spec.engine]
        db = self.spec.databases[0] if self.spec.databases else ""
        values = {
            "src": f"{self.source_address}:{self.spec.source_port}",
            "tgt": f"127.0.0.1:{self.spec.target_port}",
            "src_host": self.source_address,
            "src_port": str(self.spec.source_port),
            "tgt_host": "127.0.0.1",
            "tgt_port": str(self.spec.target_port),
            "user": self.spec.admin_user,
            "db": db,
            "dump": shlex.quote(f"{self.pair.data_root}/govcloud-{self.spec.engine.value}.dump"),
        }
        # Both tools run on the target host against the source server: no dump file to move.
        self.shell(self.target, export.format(**values), "DB_PASSWORD", timeout=86400)
        self.shell(self.target, load.format(**values), "DB_PASSWORD", timeout=86400)
        return {"exported": True, "untested": True}

    def verify_tables(self) -> dict[str, Any]:
        return {"tables": {}, "mismatched": [], "untested": True}

    def on_source(self, sql: str, db: str = "") -> str:
        raise PlaybookError(f"{self.spec.engine.value}: no query client in the untested template")

    on_target = on_source

    def rollback(self) -> None:
        self.start_source()
