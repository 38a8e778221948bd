"""Per-system locks in the progress database, on SQLite and on a real PostgreSQL server: two
controllers never run one system; several controllers share a wave, each taking the next free
system; a controller that dies loses its locks; every step's start and end is recorded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from playbooks.runner import Hooks, run_runbook, run_wave
from reporting.progress import MigrationLedger
from reporting.progress_db import advisory_key
from tests.services.progress_db import postgres_database, progress_postgres, progress_url  # noqa: F401


@pytest.fixture
def ledger_url(progress_url: str) -> str:  # noqa: F811
    return progress_url


@pytest.fixture
def ledgers(ledger_url):
    """Factory of ledgers on the test's database (a controller each), all closed afterwards."""
    made: list[MigrationLedger] = []

    def make(**kw) -> MigrationLedger:
        made.append(MigrationLedger(ledger_url, **kw))
        return made[-1]

    yield make
    for led in made:
        led.close()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def test_only_one_of_many_racing_controllers_takes_a_system(ledgers):
    controllers = [ledgers() for _ in range(8)]
    results: list[str | None] = [None] * 8
    start = threading.Barrier(8)

    def take(i: int) -> None:
        start.wait()
        results[i] = controllers[i].acquire("fin-budget", f"controller-{i}")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, r in enumerate(results) if r is None]
    assert len(winners) == 1
    assert {r for r in results if r is not None} == {f"controller-{winners[0]}"}
    assert controllers[winners[0]].holder("fin-budget") == f"controller-{winners[0]}"


def test_a_held_system_stays_held_until_released_then_records_the_outcome(ledgers):
    a, b = ledgers(), ledgers()
    assert a.acquire("s1", "a") is None
    assert b.acquire("s1", "b") == "a"
    assert a.renew("s1", "a") and not b.renew("s1", "b")
    a.release("s1", "a", "complete")
    assert b.last_outcome("s1") == ("complete", "a")
    assert b.acquire("s1", "b") is None


def test_an_abandoned_sqlite_lease_can_be_taken_after_it_runs_out(tmp_path):
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    a, b = MigrationLedger(url), MigrationLedger(url, lease_s=0.0)
    try:
        assert a.acquire("s1", "a") is None
        assert MigrationLedger(url).acquire("s1", "c") == "a"
        assert b.acquire("s1", "b") is None, "a lease not renewed in time belongs to a dead controller"
        assert not a.renew("s1", "a"), "the old holder learns it lost the system"
    finally:
        a.close()
        b.close()


def test_postgresql_holds_the_lock_as_an_advisory_lock_of_the_controllers_session(
    progress_postgres,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setenv("PGPASSWORD", progress_postgres.password)
    url = postgres_database(progress_postgres)
    a = MigrationLedger(url)
    key = advisory_key("fin-budget") & 0xFFFF_FFFF_FFFF_FFFF
    granted = (
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
        f"WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {key >> 32} "
        f"AND l.objid = {key & 0xFFFF_FFFF} AND a.datname = '{url.rsplit('/', 1)[1]}';"
    )
    try:
        assert a.acquire("fin-budget", "ctl-a") is None
        assert progress_postgres.sql(granted) == "1"
        idle = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction';"
        assert progress_postgres.sql(idle) == "0", "holding the lock keeps no transaction open"
        a.release("fin-budget", "ctl-a")
        assert progress_postgres.sql(granted) == "0"
    finally:
        a.close()


def test_a_killed_controller_loses_its_system_and_its_step_shows_abandoned(ledgers, ledger_url, repo_root):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.playbooks.lock_holder", ledger_url, "hr-core", "ctl-dead"],
        cwd=repo_root,
        env={**os.environ, "PYTHONPATH": str(repo_root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        assert ledgers().acquire("hr-core", "ctl-b") == "ctl-dead"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    # PostgreSQL frees the dead session's lock by itself; SQLite waits for the lease to run out.
    taker = ledgers() if ledger_url.startswith("postgresql") else ledgers(lease_s=0.5)
    deadline = time.monotonic() + 30
    while (other := taker.acquire("hr-core", "ctl-b")) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert other is None, f"still held by {other}"
    (live,) = [r for r in taker.live() if r.system == "hr-core"]
    assert (live.step, live.step_outcome) == ("sync", "abandoned")
    assert live.controller == "ctl-dead" and taker.holder("hr-core") == "ctl-b"


def test_controllers_sharing_a_wave_each_take_the_next_free_system(ledgers):
    systems = [f"sys-{i}" for i in range(7)]
    controllers = {f"ctl-{c}": ledgers() for c in "abc"}
    first_claims = threading.Barrier(len(controllers))
    ran: dict[str, list[str]] = {name: [] for name in controllers}

    def controller(name: str) -> None:
        led = controllers[name]
        first = True
        while (sid := led.claim_next(systems, name)) is not None:
            ran[name].append(sid)
            row = led.step_started(sid, f"run-{name}", "sync", name)
            if first:  # every controller holds one system before any finishes
                first_claims.wait(timeout=60)
                first = False
            led.step_ended(row, "done")
            led.release(sid, name, "complete")

    threads = [threading.Thread(target=controller, args=(n,)) for n in controllers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    taken = [sid for names in ran.values() for sid in names]
    assert sorted(taken) == systems, f"each system once: {ran}"
    assert all(ran.values()), f"every controller took part: {ran}"
    steps = ledgers().steps()
    assert sorted(s.system for s in steps) == systems
    assert all(s.ended_at is not None and s.ended_at >= s.started_at for s in steps)
    assert {s.system: s.holder for s in steps} == {sid: n for n, sids in ran.items() for sid in sids}


def test_the_next_free_system_skips_finished_ones_and_failures_of_other_controllers(ledgers):
    a, b = ledgers(), ledgers()
    for sid, outcome in (("done-before", "complete"), ("failed-before", "failed")):
        assert a.acquire(sid, "a") is None
        a.release(sid, "a", outcome)
    start = _utcnow()
    assert b.acquire("failed-now", "b") is None
    b.release("failed-now", "b", "failed")
    systems = ["done-before", "failed-before", "failed-now", "free"]
    # A failure from an earlier run is retried; one another controller met in this run is not.
    assert a.claim_next(systems, "a", since=start) == "failed-before"
    assert a.claim_next(systems, "a", since=start) == "free"
    assert a.claim_next(systems, "a", since=start) is None


def test_one_controllers_threads_never_take_the_same_system(ledgers):
    led = ledgers()
    systems = [f"s{i}" for i in range(20)]
    got: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        while (sid := led.claim_next(systems, "ctl")) is not None:
            with lock:
                got.append(sid)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(systems)


@pytest.mark.sshd
def test_two_controllers_never_run_the_same_system(migration, ledger_url):
    m = migration(files={"a.txt": b"alpha"})
    first = dataclasses.replace(m.options, ledger=MigrationLedger(ledger_url), controller="ctl-a")
    second = dataclasses.replace(m.options, ledger=MigrationLedger(ledger_url), controller="ctl-b")
    seen = []

    def meanwhile(system, step, sessions) -> None:
        if step.value == "pre-check" and not seen:
            seen.append(run_runbook(m.render(), second))

    try:
        result = run_runbook(m.render(), dataclasses.replace(first, hooks=Hooks(after_step=meanwhile)))
        assert result.outcome == "complete", result.error
        assert seen[0].outcome == "locked" and "ctl-a" in (seen[0].error or "")
        runs = {r["run"] for r in m.journal_records()}
        assert len(runs) == 1, "the second controller wrote nothing"
        steps = first.ledger.steps(m.system_id)
        assert [s.step for s in steps] == ["pre-check", "freeze", "sync", "verify", "cut-over", "post-check"]
        assert all(s.ended_at is not None and s.outcome in ("done", "unchanged") for s in steps)
        assert {s.holder for s in steps} == {"ctl-a"}
        again = run_runbook(m.render(), second)
        assert again.outcome == "complete" and {s.outcome for s in again.steps} == {"unchanged"}
    finally:
        first.ledger.close()
        second.ledger.close()


@pytest.mark.sshd
def test_controllers_sharing_a_wave_move_each_system_once(migration, ledger_url, tmp_path: Path):
    systems = [migration(f"sys-{i}", files={f"{i}.txt": b"x" * 100}) for i in range(3)]
    rendered = [m.render() for m in systems]
    results: dict[str, list] = {}
    ledgers_of = {n: MigrationLedger(ledger_url) for n in ("ctl-a", "ctl-b")}

    def controller(name: str) -> None:
        opts = dataclasses.replace(
            systems[0].options,
            ledger=ledgers_of[name],
            controller=name,
            journal_dir=tmp_path / name,  # each controller machine keeps its own journals
        )
        results[name] = run_wave(rendered, opts, workers=1)

    threads = [threading.Thread(target=controller, args=(n,)) for n in ledgers_of]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for led in ledgers_of.values():
            led.close()
    for i, m in enumerate(systems):
        outcomes = [results[n][i].outcome for n in results]
        assert "complete" in outcomes
        moved = [n for n in results if (tmp_path / n / f"{m.system_id}.jsonl").exists()]
        assert len(moved) == 1, f"{m.system_id} was run by {moved}"


def test_progress_runs_prints_the_live_state_in_both_languages(cli, runner, ledgers, ledger_url):
    led = ledgers()
    assert led.acquire("hr-core", "ctl-a") is None
    led.step_started("hr-core", "run-1", "verify", "ctl-a")
    zh = runner.invoke(cli, ["progress", "runs", "--db", ledger_url])
    assert zh.exit_code == 0, zh.output
    assert all(word in zh.output for word in ("hr-core", "ctl-a", "数据校验", "执行中"))
    as_json = runner.invoke(cli, ["progress", "runs", "--db", ledger_url, "--json", "--lang", "en"])
    (run,) = json.loads(as_json.output)
    assert (run["system"], run["step"], run["step_outcome"]) == ("hr-core", "verify", "running")
    assert run["held"] is True and run["controller"] == "ctl-a"


def test_progress_runs_on_a_database_that_does_not_exist_creates_nothing(cli, runner, tmp_path):
    db = tmp_path / "none.db"
    res = runner.invoke(cli, ["progress", "runs", "--db", f"sqlite:///{db}", "--lang", "en"])
    assert res.exit_code == 0 and "No runbook has run yet" in res.output
    assert not db.exists()


def test_a_lock_table_of_an_older_release_gains_its_new_columns(ledger_url):
    from sqlalchemy import text

    from reporting.progress_db import make_engine

    engine = make_engine(ledger_url)
    with engine.begin() as conn:  # the first release's table: no taken_at, no finished_at
        conn.execute(
            text(
                "CREATE TABLE migration_lock (system VARCHAR(200) PRIMARY KEY, holder VARCHAR(200), "
                "renewed_at TIMESTAMP, outcome VARCHAR(40), done_by VARCHAR(200))"
            )
        )
        conn.execute(text("INSERT INTO migration_lock VALUES ('old-sys', '', NULL, 'complete', 'ctl-0')"))
    engine.dispose()
    led = MigrationLedger(ledger_url)
    try:
        assert led.last_outcome("old-sys") == ("complete", "ctl-0")
        assert led.claim_next(["old-sys", "new-sys"], "ctl-a") == "new-sys"
        led.release("new-sys", "ctl-a", "complete")
        assert led.last_outcome("new-sys") == ("complete", "ctl-a")
    finally:
        led.close()


def test_two_progress_databases_on_one_server_do_not_share_locks(progress_postgres, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PGPASSWORD", progress_postgres.password)
    city_a, city_b = MigrationLedger(postgres_database(progress_postgres)), None
    try:
        city_b = MigrationLedger(postgres_database(progress_postgres))
        assert city_a.acquire("fin-budget", "ctl-a") is None
        assert city_b.claim_next(["fin-budget"], "ctl-b") == "fin-budget", "another city's lock is not ours"
        city_a.step_started("fin-budget", "run-a", "sync", "ctl-a")
        assert [r.held for r in city_a.live()] == [True] and city_b.live() == []
    finally:
        city_a.close()
        if city_b is not None:
            city_b.close()


@pytest.mark.sshd
def test_a_controller_that_loses_the_lock_mid_run_stops_before_its_next_step(migration, ledger_url):
    m = migration(files={"a.txt": b"alpha"})
    first = dataclasses.replace(m.options, ledger=MigrationLedger(ledger_url), controller="ctl-a")
    other = MigrationLedger(ledger_url)

    def taken_over(system, step, sessions) -> None:
        if step.value == "freeze":  # the lease ran out, or the lock's session dropped, and ctl-b took it
            first.ledger.release(system, "ctl-a")
            assert other.acquire(system, "ctl-b") is None

    try:
        result = run_runbook(m.render(), dataclasses.replace(first, hooks=Hooks(after_step=taken_over)))
        assert result.outcome == "interrupted"
        assert "no longer holds the system's lock" in (result.error or "")
        outcomes = {s.name: s.outcome for s in result.steps}
        assert outcomes["sync"] == "interrupted" and outcomes["cut-over"] == "skipped"
        assert not m.copied_dir.exists(), "nothing was copied after the lock was lost"
        assert m.source_state.read_text().strip() == "stopped", "no rollback under the new holder's run"
        assert [r["before"] for r in m.journal_records() if r.get("event") == "lock-lost"] == ["sync"]
        assert other.holder(m.system_id) == "ctl-b", "the lock stays with the controller that took it"
    finally:
        first.ledger.close()
        other.close()
