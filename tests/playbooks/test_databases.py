"""Databases moved by replication on real servers: a writer inserts during the pre-seed; after
cut-over the target has every acknowledged row, per-table checksums match, the outage is
measured; the app and db hosts of one system each move to their own target."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from inventory.models import Host
from playbooks.model import DatabaseSpec, PairTarget, ServiceCommands
from playbooks.runner import run_runbook
from tests.playbooks.conftest import Migration, build_inventory_and_plan, tree_digest
from tests.services.fixtures import mariadb_server, postgres_server  # noqa: F401
from tests.services.servers import MariaDBServer, PostgresServer, _private_dir, free_port

pytestmark = pytest.mark.sshd

PW_ENV = "DB_SECRET"


def with_db_host(m: Migration, db_service: ServiceCommands, spec: DatabaseSpec, password: str) -> None:
    """Make *m* a two-host system: its app host plus a db host paired with its own target."""
    app = m.inventory.systems[0].hosts[0]
    db = Host(address=app.address, port=app.port, user=app.user, role="db")
    m.inventory, m.plan = build_inventory_and_plan([(m.system_id, [app, db])], method="database")
    m.target.env = {PW_ENV: password}
    m.target.hosts = [
        PairTarget(
            role="db",
            target=m.target.target,
            data_root=str(m.target_dir / "db-root"),
            authorized_keys=m.target.authorized_keys,
            service=db_service,
            database=spec,
        )
    ]


class Writer:
    """Inserts rows one by one through a long-lived psql until the application is frozen.

    *on_freeze*: ``"idle"`` stops writing but keeps its session (a pool would), ``"exit"`` closes
    its session as a stopped application does, ``"ignore"`` goes on writing (a misconfigured unit).
    """

    def __init__(self, pg: PostgresServer, state: Path, on_freeze: str = "idle") -> None:
        self.acknowledged: list[int] = []
        self.state = state
        self.on_freeze = on_freeze
        self.done = threading.Event()
        self.proc = subprocess.Popen(
            [pg.tool("psql"), "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
             "-d", "app", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            env={"PGPASSWORD": pg.password, "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        assert self.proc.stdin and self.proc.stdout
        while not self.done.is_set() and (
            self.on_freeze == "ignore" or self.state.read_text().strip() == "running"
        ):
            self.proc.stdin.write("INSERT INTO orders (payload) VALUES (md5(random()::text)) RETURNING id;\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if not line:
                break  # the server went away
            self.acknowledged.append(int(line))  # committed (autocommit)
            time.sleep(0.005)
        if self.on_freeze == "exit":
            self._close()

    def _close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        self.proc.wait(10)

    def stop(self) -> None:
        self.done.set()
        self.thread.join(30)
        self._close()


def postgres_system(m: Migration, source: PostgresServer) -> tuple[Path, int]:
    """Make *m* an app + PostgreSQL system moving to a replica; (replica base dir, replica port)."""
    source.sql("CREATE DATABASE app;")
    source.sql(
        "CREATE TABLE orders (id bigserial PRIMARY KEY, payload text NOT NULL);"
        "CREATE TABLE customers (id int PRIMARY KEY, name text);"
        "INSERT INTO customers SELECT g, '客户 ' || g FROM generate_series(1, 5000) g;"
        "INSERT INTO orders (payload) SELECT md5(g::text) FROM generate_series(1, 20000) g;",
        db="app",
    )
    replica_base = _private_dir("govcloud-replica-", source.user)
    replica = replica_base / "data"
    target_port = free_port()
    q = subprocess.list2cmdline
    ctl = q(source.ctl("status", replica))
    psql_t = (
        f'PGPASSWORD="${PW_ENV}" {source.tool("psql")} -X -A -t -h 127.0.0.1 -p {target_port} -U postgres'
    )
    db_service = ServiceCommands(
        exists=f"test -f {source.data}/PG_VERSION",
        is_frozen=f"! {q(source.ctl('status'))} >/dev/null",
        stop=f"{q(source.ctl('stop'))} >/dev/null",
        start=f"{q(source.ctl('start'))} -o '-p {source.port}' -l {source.base}/server.log >/dev/null",
        target_is_serving=f"{psql_t} -c 'SELECT pg_is_in_recovery()' | grep -qx f",
        target_start="true",  # promoted by the sync step
        target_stop=f"{ctl} >/dev/null || true",
        target_health=f"{psql_t} -c 'SELECT 1' >/dev/null",
        smoke_test=f"{psql_t} -d app -c 'SELECT count(*) FROM orders' | grep -q '^[0-9]'",
    )
    spec = DatabaseSpec(
        engine="postgresql",  # type: ignore[arg-type]
        source_port=source.port,
        target_port=target_port,
        target_data_dir=str(replica),
        source_address="127.0.0.1",
        target_listen="127.0.0.1",
        os_user=source.user or "postgres",
        bin_dir=source.bin_dir,
        password_env=PW_ENV,
        databases=["app"],
    )
    with_db_host(m, db_service, spec, source.password)
    return replica_base, target_port


def stop_replica(source: PostgresServer, replica_base: Path) -> None:
    subprocess.run(source.ctl("stop", replica_base / "data"), capture_output=True)
    shutil.rmtree(replica_base, ignore_errors=True)


def test_postgres_replica_under_writes_loses_no_acknowledged_row(migration, postgres_server):  # noqa: F811
    source = postgres_server()
    m = migration(files={"uploads/a.pdf": b"%PDF" * 1000})
    replica_base, target_port = postgres_system(m, source)
    writer = Writer(source, m.source_state)  # stays connected when frozen: quiescence waits the window
    try:
        try:
            result = run_runbook(m.render(), m.options)
        finally:
            writer.stop()
        assert result.outcome == "complete", result.error
        assert len(writer.acknowledged) > 0
        ids = {int(x) for x in source.sql("SELECT id FROM orders;", db="app", port=target_port).split()}
        assert set(writer.acknowledged) <= ids, "every acknowledged row is on the target"
        assert source.sql("SELECT pg_is_in_recovery();", port=target_port) == "f", "promoted"
        records = m.journal_records()
        post = next(r for r in records if r.get("step") == "post-check")
        tables = post["tables"]["db"]
        assert {"app.public.orders", "app.public.customers"} <= set(tables)
        assert all(t["source"] == t["target"] for t in tables.values())
        assert tables["app.public.customers"]["source"][0] == "5000"
        assert result.outage_seconds is not None and result.outage_seconds > 0
        assert [r["step"] for r in records if r.get("event") == "step"][:2] == ["pre-check", "pre-seed"]
        freeze = next(r for r in records if r.get("step") == "freeze")
        assert freeze["quiescent"]["database db"].startswith("no write transaction for")
        assert tree_digest(m.copied_dir) == tree_digest(m.data_dir), "the app host's files moved too"
        cut = next(r for r in records if r.get("step") == "cut-over")
        assert cut["commands"].index(next(c for c in cut["commands"] if c.startswith("db/"))) < cut[
            "commands"
        ].index(next(c for c in cut["commands"] if c.startswith("app/"))), "the database goes first"
        assert source.password not in m.journal.read_text()
    finally:
        stop_replica(source, replica_base)


def test_postgres_source_whose_clients_left_is_quiescent_at_once(migration, postgres_server):  # noqa: F811
    source = postgres_server()
    m = migration(files={"uploads/a.pdf": b"%PDF" * 1000})
    replica_base, target_port = postgres_system(m, source)
    writer = Writer(source, m.source_state, on_freeze="exit")
    try:
        try:
            result = run_runbook(m.render(), m.options)
        finally:
            writer.stop()
        assert result.outcome == "complete", result.error
        freeze = next(r for r in m.journal_records() if r.get("step") == "freeze")
        assert freeze["quiescent"]["database db"] == "no client session connected"
        ids = {int(x) for x in source.sql("SELECT id FROM orders;", db="app", port=target_port).split()}
        assert writer.acknowledged and set(writer.acknowledged) <= ids, "every acknowledged row arrived"
    finally:
        stop_replica(source, replica_base)


def test_postgres_still_written_after_freeze_is_not_quiescent(migration, postgres_server):  # noqa: F811
    source = postgres_server()
    m = migration(files={"uploads/a.pdf": b"%PDF" * 1000})
    replica_base, _ = postgres_system(m, source)
    writer = Writer(source, m.source_state, on_freeze="ignore")
    try:
        try:
            result = run_runbook(m.render(), m.options)
        finally:
            writer.stop()
        assert {s.name: s.outcome for s in result.steps}["freeze"] == "failed"
        assert "database on db still receives writes" in (result.error or "")
        assert result.outcome == "rolled-back"
        assert {s.name: s.outcome for s in result.steps}["sync"] == "skipped", "never promoted"
    finally:
        stop_replica(source, replica_base)


def test_mariadb_replica_catches_up_and_tables_match(migration, mariadb_server):  # noqa: F811
    source: MariaDBServer = mariadb_server(server_id=1)
    target: MariaDBServer = mariadb_server(server_id=2)
    source.sql(
        "CREATE DATABASE shop; USE shop; CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name TEXT);"
        "INSERT INTO items (name) SELECT CONCAT('item ', seq) FROM seq_1_to_3000;"
    )
    m = migration(files={"a.txt": b"alpha"})
    state = m.source_dir / "db.state"
    state.write_text("running\n")
    my_t = f'MYSQL_PWD="${PW_ENV}" mariadb -h 127.0.0.1 -P {target.port} -u root'
    db_service = ServiceCommands(
        exists="true",
        is_frozen=f"grep -qx stopped '{state}'",
        stop=f"echo stopped > '{state}'",
        start=f"echo running > '{state}'",
        target_is_serving=f"test -z \"$({my_t} -e 'SHOW SLAVE STATUS')\"",  # replicates from nobody
        target_start="true",
        target_stop="true",
        target_health=f"{my_t} -e 'SELECT 1' >/dev/null",
    )
    spec = DatabaseSpec(
        engine="mariadb",  # type: ignore[arg-type]
        source_port=source.port,
        target_port=target.port,
        target_data_dir="/unused",
        source_address="127.0.0.1",
        admin_user="root",
        replication_user="replicator",
        password_env=PW_ENV,
        databases=["shop"],
    )
    with_db_host(m, db_service, spec, source.password)
    # A row written after the dump and the live catch-up arrives by binlog replication at sync.
    def after_step(system, step, sessions) -> None:
        if step.value == "pre-seed":
            source.sql("INSERT INTO shop.items (name) VALUES ('after the dump');")

    m.options.hooks.after_step = after_step
    result = run_runbook(m.render(), m.options)
    assert result.outcome == "complete", result.error
    assert target.sql("SELECT count(*) FROM shop.items;") == "3001"
    tables = next(r for r in m.journal_records() if r.get("step") == "post-check")["tables"]["db"]
    assert tables["shop.items"]["source"] == tables["shop.items"]["target"]
