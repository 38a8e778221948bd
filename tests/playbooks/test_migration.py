"""Full runbooks against real sshd hosts: copy, verify, resume, corruption, rollback, dry run, secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from playbooks.runner import Hooks
from tests.playbooks.conftest import SAMPLE_FILES, tree_digest

pytestmark = pytest.mark.sshd

STEPS = ["pre-check", "freeze", "copy", "verify", "cut-over", "post-check"]


def outcomes(result) -> dict[str, str]:
    return {s.name: s.outcome for s in result.steps}


def test_full_migration_copies_nested_unicode_tree_verified_by_checksums(migration):
    m = migration()
    result = m.run()
    assert result.outcome == "complete", result.error
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)
    assert "归档/空 格 & 'quotes'.dat" in tree_digest(m.copied_dir)
    assert m.source_state.read_text().strip() == "stopped"
    assert m.target_state.read_text().strip() == "serving"
    assert Path(m.current_link).resolve() == m.data_root.resolve()
    assert not list(m.data_root.rglob("*.govcloud-part"))
    records = m.journal_records()
    verified = {
        r["path"]: r["sha256"] for r in records if r.get("event") == "file" and r["outcome"] == "verified"
    }
    assert set(verified) == set(SAMPLE_FILES)
    assert verified == {rel: tree_digest(m.data_dir)[rel] for rel in SAMPLE_FILES}
    steps = [r for r in records if r.get("event") == "step"]
    assert [s["step"] for s in steps] == STEPS
    assert all({"host", "start", "end", "outcome"} <= s.keys() for s in steps)
    verify = next(s for s in steps if s["step"] == "verify")
    sums = next(iter(verify["checksums"].values()))
    assert sums["source"] == sums["target"] and sums["files"] == len(SAMPLE_FILES)


def test_second_complete_run_reports_every_step_unchanged(migration):
    m = migration()
    first = m.run()
    assert first.outcome == "complete", first.error
    journal_before = m.journal.read_bytes()
    second = m.run()
    assert second.outcome == "complete", second.error
    assert outcomes(second) == dict.fromkeys(STEPS, "unchanged")
    assert second.copy.files_sent == 0 and second.copy.files_skipped == len(SAMPLE_FILES)
    assert m.journal.read_bytes().startswith(journal_before), "the journal is append-only"


def test_killed_connection_mid_copy_resumes_without_resending_verified_files(migration, sshd_hosts):
    files = {f"batch/{i:02d}.bin": bytes([i]) * (40_000 + i) for i in range(12)}
    m = migration(files=files)
    killed = []

    def kill_after_five(system: str, verified: int, sessions) -> None:
        if verified == 5 and not killed:
            killed.append(sshd_hosts["target"].kill_connections())

    first = m.run(hooks=Hooks(on_file_verified=kill_after_five), batch_files=1)
    assert killed and killed[0] > 0
    assert first.outcome == "interrupted", first.error
    assert outcomes(first)["copy"] == "interrupted"
    assert m.source_state.read_text().strip() == "stopped", "an interruption is not rolled back"
    verified_before = {
        r["path"] for r in m.journal_records() if r.get("event") == "file" and r["outcome"] == "verified"
    }
    assert len(verified_before) == 5
    # A partial of an unverified file with the right size must not be trusted.
    victim = next(rel for rel in sorted(files) if rel not in verified_before)
    (m.copied_dir / victim).write_bytes(b"\0" * len(files[victim]))

    second = m.run()
    assert second.outcome == "complete", second.error
    assert second.copy.files_skipped == 5
    assert second.copy.files_sent == len(files) - 5
    sent_again = [
        r["path"]
        for r in m.journal_records()[-40:]
        if r.get("event") == "file"
        and r["outcome"] == "verified"
        and r["run"] != m.journal_records()[0]["run"]
    ]
    assert not set(sent_again) & verified_before
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


def test_live_target_differing_from_source_is_reported_not_overwritten(migration):
    m = migration(files={"a.txt": b"alpha" * 1000, "b.txt": b"beta" * 1000})
    assert m.run().outcome == "complete"
    data = bytearray((m.copied_dir / "a.txt").read_bytes())
    data[10] ^= 0x01
    (m.copied_dir / "a.txt").write_bytes(bytes(data))
    again = m.run()
    assert again.outcome == "failed", "a live target is never rolled back automatically"
    assert "refusing to overwrite live data" in (again.error or "")
    assert again.copy.files_sent == 0
    assert (m.copied_dir / "a.txt").read_bytes() == bytes(data)
    assert m.target_state.read_text().strip() == "serving"


def test_one_corrupted_byte_fails_verification_and_blocks_cut_over(migration):
    m = migration()

    def corrupt(system: str, step, sessions) -> None:
        if step.value == "copy":
            path = m.copied_dir / "db/ledger.csv"
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0x20
            path.write_bytes(bytes(data))

    result = m.run(hooks=Hooks(after_step=corrupt))
    assert outcomes(result)["verify"] == "failed"
    assert outcomes(result)["cut-over"] == "skipped"
    assert "db/ledger.csv (checksum differs)" in (result.error or "")
    assert not m.target_state.exists() and not m.current_link.is_symlink(), "cut-over must not happen"
    assert result.outcome == "rolled-back"
    assert m.source_state.read_text().strip() == "running"
    assert not m.data_root.exists()


def test_failed_cut_over_is_rolled_back(migration):
    m = migration(target_start="echo half > '{{ data_root }}/../service.state'; exit 7")
    result = m.run()
    assert result.outcome == "rolled-back", result.error
    assert outcomes(result)["cut-over"] == "failed"
    assert "exit 7" in (result.error or "")
    assert m.source_state.read_text().strip() == "running", "source back in service"
    assert not m.data_root.exists() and not m.current_link.is_symlink(), "target cleaned"
    assert not m.target_state.exists()
    rollback = [r for r in m.journal_records() if r.get("step") == "rollback"]
    assert rollback and rollback[-1]["outcome"] == "done"
    assert m.journal_records()[-1]["outcome"] == "rolled-back"


def test_dry_run_changes_nothing_on_either_host(migration):
    m = migration()
    before = (tree_digest(m.source_dir), tree_digest(m.target_dir))
    result = m.run(dry_run=True)
    assert result.outcome == "dry-run", result.error
    assert outcomes(result)["freeze"] == "would-run"
    assert outcomes(result)["copy"] == "would-run"
    assert result.copy.files_sent == len(SAMPLE_FILES)  # would send
    assert (tree_digest(m.source_dir), tree_digest(m.target_dir)) == before
    assert not m.journal.exists(), "a dry run leaves no journal to resume from"


def test_copy_falls_back_to_streaming_hashes_when_sha256sum_is_missing(migration):
    m = migration(files={"x/y.txt": b"y" * 5000, "z.bin": bytes(range(256)) * 100})
    m.options.connector.sha256sum = "sha256sum-not-installed"
    result = m.run()
    assert result.outcome == "complete", result.error
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


CANARY = "canary-7f3a9c2e-never-log-me"


def test_canary_secret_never_reaches_journal_logs_or_errors(migration, caplog):
    caplog.set_level(logging.DEBUG)
    m = migration(
        files={"f.txt": b"data"},
        target_start=f"echo 'login failed for token={CANARY}' >&2; echo $DB_PASSWORD >&2; exit 2",
    )
    m.target.env = {"DB_PASSWORD": CANARY, "APP_MODE": "prod"}
    # A freeze whose command line carries the secret literally and through the environment.
    m.target.service.stop = (
        f": mysql -uroot -p{CANARY} -e flush; test -n \"$DB_PASSWORD\" && echo stopped > '{m.source_state}'"
    )
    rendered = m.render()
    assert CANARY not in rendered.text
    result = m.run()
    assert result.outcome == "rolled-back"
    journal = m.journal.read_text(encoding="utf-8")
    assert "token=***" in journal and "-p***" in journal
    assert CANARY not in journal
    assert CANARY not in caplog.text
    assert CANARY not in (result.error or "")
    assert all(CANARY not in s.detail for s in result.steps)
