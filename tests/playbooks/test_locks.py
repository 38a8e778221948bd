"""Per-system locks in the progress database: two controllers never run one system; several
controllers share a wave; every step's start and end is recorded."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from playbooks.runner import Hooks, run_runbook, run_wave
from reporting.progress import MigrationLedger


@pytest.fixture
def ledger_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'progress.db'}"


def test_only_one_of_many_racing_controllers_takes_a_system(ledger_url):
    ledgers = [MigrationLedger(ledger_url) for _ in range(8)]
    results: list[str | None] = [None] * 8
    start = threading.Barrier(8)

    def take(i: int) -> None:
        start.wait()
        results[i] = ledgers[i].acquire("fin-budget", f"controller-{i}")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, r in enumerate(results) if r is None]
    assert len(winners) == 1
    assert {r for r in results if r is not None} == {f"controller-{winners[0]}"}


def test_a_released_or_abandoned_lock_can_be_taken(ledger_url):
    a, b = MigrationLedger(ledger_url), MigrationLedger(ledger_url, lease_s=0.0)
    assert a.acquire("s1", "a") is None
    assert MigrationLedger(ledger_url).acquire("s1", "b") == "a"
    assert b.acquire("s1", "b") is None, "a lease not renewed in time belongs to a dead controller"
    b.release("s1", "b", "complete")
    assert b.last_outcome("s1") == ("complete", "b")


@pytest.mark.sshd
def test_two_controllers_never_run_the_same_system(migration, ledger_url):
    m = migration(files={"a.txt": b"alpha"})
    first = dataclasses.replace(m.options, ledger=MigrationLedger(ledger_url), controller="ctl-a")
    second = dataclasses.replace(m.options, ledger=MigrationLedger(ledger_url), controller="ctl-b")
    seen = []

    def meanwhile(system, step, sessions) -> None:
        if step.value == "pre-check" and not seen:
            seen.append(run_runbook(m.render(), second))

    result = run_runbook(m.render(), dataclasses.replace(first, hooks=Hooks(after_step=meanwhile)))
    assert result.outcome == "complete", result.error
    assert seen[0].outcome == "locked" and "ctl-a" in (seen[0].error or "")
    runs = {r["run"] for r in m.journal_records()}
    assert len(runs) == 1, "the second controller wrote nothing"
    steps = first.ledger.steps(m.system_id)
    assert [s.step for s in steps] == ["pre-check", "freeze", "sync", "verify", "cut-over", "post-check"]
    assert all(s.ended_at is not None and s.outcome in ("done", "unchanged") for s in steps)
    assert {s.holder for s in steps} == {"ctl-a"}


@pytest.mark.sshd
def test_controllers_sharing_a_wave_move_each_system_once(migration, ledger_url, tmp_path):
    systems = [migration(f"sys-{i}", files={f"{i}.txt": b"x" * 100}) for i in range(2)]
    rendered = [m.render() for m in systems]
    results: dict[str, list] = {}

    def controller(name: str) -> None:
        opts = dataclasses.replace(
            systems[0].options,
            ledger=MigrationLedger(ledger_url),
            controller=name,
            journal_dir=tmp_path / name,  # each controller machine keeps its own journals
        )
        results[name] = run_wave(rendered, opts, workers=1)

    threads = [threading.Thread(target=controller, args=(n,)) for n in ("ctl-a", "ctl-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, m in enumerate(systems):
        outcomes = [results[n][i].outcome for n in results]
        assert "complete" in outcomes
        moved = [n for n in results if (tmp_path / n / f"{m.system_id}.jsonl").exists()]
        assert len(moved) == 1, f"{m.system_id} was run by {moved}"
