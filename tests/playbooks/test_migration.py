"""Full runbooks against real sshd hosts: rsync source -> target, verify, re-run, corruption,
rollback, finalisation, dry run, secrets."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from playbooks.runner import Hooks, finalise_runbook, rollback_runbook
from tests.playbooks.conftest import SAMPLE_FILES, tree_digest

pytestmark = pytest.mark.sshd

STEPS = ["pre-check", "freeze", "sync", "verify", "cut-over", "post-check"]


def outcomes(result) -> dict[str, str]:
    return {s.name: s.outcome for s in result.steps}


def run_keys(authorized_keys: Path) -> list[str]:
    return [line for line in authorized_keys.read_text().splitlines() if "govcloud-run" in line]


def test_full_migration_moves_the_tree_manifests_agree_and_a_rerun_touches_no_host(migration, sshd_hosts):
    m = migration()
    result = m.run()
    assert result.outcome == "complete", result.error
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)
    assert "归档/空 格 & 'quotes'.dat" in tree_digest(m.copied_dir)
    assert m.source_state.read_text().strip() == "stopped"
    assert m.target_state.read_text().strip() == "serving"
    assert Path(m.current_link).resolve() == m.data_root.resolve()
    records = m.journal_records()
    steps = [r for r in records if r.get("event") == "step"]
    assert [s["step"] for s in steps] == STEPS
    assert all({"host", "start", "end", "outcome"} <= s.keys() for s in steps)
    verify = next(s for s in steps if s["step"] == "verify")
    sums = next(iter(verify["checksums"].values()))
    assert sums["source"] == sums["target"] and sums["files"] == len(SAMPLE_FILES)
    assert result.copy.files_sent == len(SAMPLE_FILES)
    assert result.outage_seconds is not None and result.outage_seconds > 0
    assert any(r.get("event") == "outage" for r in records)
    assert run_keys(sshd_hosts["target"].authorized_keys) == [], "the per-run key is removed afterwards"

    # A re-run after cut-over reports done and touches no host.
    journal_before = m.journal.read_bytes()
    attempts = m.options.connector.stats.attempts
    second = m.run()
    assert second.outcome == "complete", second.error
    assert outcomes(second) == dict.fromkeys(STEPS, "unchanged")
    assert m.options.connector.stats.attempts == attempts, "no host was even contacted"
    assert m.journal.read_bytes() == journal_before


def test_one_corrupted_byte_blocks_cut_over_and_the_copy_is_kept(migration):
    m = migration()
    victim = m.copied_dir / "db/ledger.csv"

    def corrupt(system: str, step, sessions) -> None:
        if step.value == "sync":
            st = victim.stat()
            data = bytearray(victim.read_bytes())
            data[len(data) // 2] ^= 0x20
            victim.write_bytes(bytes(data))
            os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before

    result = m.run(hooks=Hooks(after_step=corrupt))
    assert outcomes(result)["verify"] == "failed"
    assert outcomes(result)["cut-over"] == "skipped"
    assert "db/ledger.csv (checksum differs)" in (result.error or "")
    assert not m.target_state.exists() and not m.current_link.is_symlink(), "cut-over must not happen"
    assert result.outcome == "rolled-back"
    assert m.source_state.read_text().strip() == "running"
    assert (m.copied_dir / "README.txt").exists(), "rollback removes nothing on the target"


def test_failed_cut_over_rolls_back_and_a_retry_sends_only_the_delta(migration):
    m = migration(target_start="exit 7")
    result = m.run()
    assert result.outcome == "rolled-back", result.error
    assert outcomes(result)["cut-over"] == "failed"
    assert "exit 7" in (result.error or "")
    assert m.source_state.read_text().strip() == "running", "source back in service"
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir), "the verified copy is kept"
    m.target.service.target_start = (
        f"ln -sfn '{m.data_root}' '{m.current_link}' && echo serving > '{m.target_state}'"
    )
    retry = m.run()
    assert retry.outcome == "complete", retry.error
    assert retry.copy.files_sent == 0 and retry.copy.bytes_literal == 0
    assert retry.copy.files_hashed == 0, "nothing changed since the last verified pass: nothing re-hashed"


def test_rollback_after_finalisation_is_refused_unless_forced(migration):
    m = migration(files={"a.txt": b"alpha"})
    endpoint = m.target_dir / "endpoint"
    m.target.service.switch_endpoint = f"echo target > '{endpoint}'"
    m.target.service.switch_back = f"echo source > '{endpoint}'"
    m.target.service.smoke_test = f"grep -qx target '{endpoint}' && test -f '{{{{ data_root }}}}/data/a.txt'"
    assert m.run().outcome == "complete"
    assert endpoint.read_text().strip() == "target", "cut-over switched the endpoint"
    before = rollback_runbook(m.render(), m.options)
    assert before.outcome == "rolled-back", "before finalisation a rollback restarts the source"
    assert m.source_state.read_text().strip() == "running"
    assert endpoint.read_text().strip() == "source", "rollback switched it back"
    assert m.run().outcome == "complete"
    assert finalise_runbook(m.render(), m.options).outcome == "complete"
    refused = rollback_runbook(m.render(), m.options)
    assert refused.outcome == "failed" and "finalised" in (refused.error or "")
    assert m.source_state.read_text().strip() == "stopped", "nothing was touched"
    forced = rollback_runbook(m.render(), dataclass_replace(m.options, force=True))
    assert forced.outcome == "rolled-back"


def dataclass_replace(options, **kw):
    import dataclasses

    return dataclasses.replace(options, **kw)


def test_missing_service_unit_fails_before_anything_is_frozen(migration):
    m = migration(files={"a.txt": b"alpha"}, exists="false")
    result = m.run()
    assert result.outcome == "failed"
    assert outcomes(result)["pre-check"] == "failed"
    assert outcomes(result)["freeze"] == "skipped"
    assert m.source_state.read_text().strip() == "running"


def test_dry_run_reads_metadata_only_and_changes_nothing(migration, sshd_hosts):
    m = migration()
    keys = sshd_hosts["target"].authorized_keys.read_bytes()
    before = (tree_digest(m.source_dir), tree_digest(m.target_dir))
    result = m.run(dry_run=True)
    assert result.outcome == "dry-run", result.error
    assert outcomes(result)["freeze"] == "would-run"
    assert outcomes(result)["sync"] == "would-run"
    assert result.copy.files_hashed == 0, "a dry run hashes nothing on the live source"
    assert (tree_digest(m.source_dir), tree_digest(m.target_dir)) == before
    assert sshd_hosts["target"].authorized_keys.read_bytes() == keys, "no per-run key installed"
    assert not m.journal.exists(), "a dry run leaves no journal to resume from"


CANARY = "canary-7f3a9c2e-never-log-me"


def test_canary_secret_never_reaches_journal_logs_errors_or_remote_command_lines(migration, caplog):
    caplog.set_level(logging.DEBUG)
    m = migration(
        files={"f.txt": b"data"},
        target_start=f"echo 'login failed for token={CANARY}' >&2; echo $DB_PW >&2; exit 2",
    )
    m.target.env = {"DB_PW": CANARY, "APP_MODE": "prod"}  # a name that does not look secret
    cmdline = m.source_dir / "cmdline"
    # A freeze that records its own command line and those of its parents (sudo, sh).
    m.target.service.stop = (
        "test -n \"$DB_PW\" && for p in $$ $PPID; do tr '\\0' ' ' < /proc/$p/cmdline; echo; done > "
        f"'{cmdline}'"
        f" && echo stopped > '{m.source_state}'"
    )
    rendered = m.render()
    assert CANARY not in rendered.text
    result = m.run()
    assert result.outcome == "rolled-back"
    journal = m.journal.read_text(encoding="utf-8")
    assert CANARY not in journal
    assert CANARY not in caplog.text
    assert CANARY not in (result.error or "")
    assert all(CANARY not in s.detail for s in result.steps)
    assert cmdline.read_text().strip() and CANARY not in cmdline.read_text()
