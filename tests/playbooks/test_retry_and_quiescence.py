"""What a retry after a rollback may skip, and what it may not: quiescence proven by a listing
unchanged since the last verified pass, the final pass skipped only while both ends are unchanged
since the pass that verified them equal; anything written to either end brings both back."""

from __future__ import annotations

import time

import pytest

from tests.playbooks.conftest import tree_digest, writer_ignoring_freeze

pytestmark = pytest.mark.sshd

SETTLE = 0.2  # the fixture's settle_seconds


def record(m, step: str, run: int = -1) -> dict:
    return [r for r in m.journal_records() if r.get("step") == step][run]


def rolled_back_after_verifying(m):
    """A first run that verified the copy, then failed at cut-over and was rolled back."""
    result = m.run()
    assert result.outcome == "rolled-back", result.error
    assert {s.name: s.outcome for s in result.steps}["verify"] == "unchanged"
    m.target.service.target_start = (
        f"ln -sfn '{m.data_root}' '{m.current_link}' && echo serving > '{m.target_state}'"
    )
    return result


def test_a_retry_with_both_ends_unchanged_needs_no_quiescence_wait_and_no_pass(migration):
    m = migration(target_start="exit 7")
    rolled_back_after_verifying(m)
    time.sleep(SETTLE)  # the last verified listing is now older than the quiescence window
    retry = m.run()
    assert retry.outcome == "complete", retry.error
    (evidence,) = record(m, "freeze")["quiescent"].values()
    assert evidence["waited_s"] == 0, "unchanged since the verified pass: longer than the window already"
    assert evidence["unchanged_for_s"] >= SETTLE
    assert record(m, "sync")["unchanged_since_verified"] == [str(m.data_dir)]
    assert retry.copy.passes == 0 and retry.copy.files_sent == 0 and retry.copy.files_hashed == 0
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


def test_a_source_written_after_the_rollback_waits_out_the_window_and_is_copied(migration):
    m = migration(target_start="exit 7")
    rolled_back_after_verifying(m)
    (m.data_dir / "README.txt").write_bytes(b"written while back in service\n")
    retry = m.run()
    assert retry.outcome == "complete", retry.error
    (evidence,) = record(m, "freeze")["quiescent"].values()
    assert evidence["waited_s"] > 0, "a changed tree has no earlier listing to lean on"
    assert "unchanged_since_verified" not in record(m, "sync")
    assert retry.copy.files_sent == 1
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


def test_a_target_touched_after_verification_gets_the_final_pass_again(migration):
    m = migration(target_start="exit 7")
    rolled_back_after_verifying(m)
    (m.copied_dir / "README.txt").write_bytes(b"tampered on the target")
    retry = m.run()
    assert retry.outcome == "complete", retry.error
    assert "unchanged_since_verified" not in record(m, "sync")
    assert retry.copy.passes == 1
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir), "the pass and verification put it right"


def test_a_writer_that_starts_after_the_rollback_is_still_caught_at_freeze(migration):
    m = migration(files={"a.txt": b"alpha"}, target_start="exit 7")
    rolled_back_after_verifying(m)
    with writer_ignoring_freeze(m.data_dir):  # ignores the freeze
        retry = m.run()
    assert {s.name: s.outcome for s in retry.steps}["freeze"] == "failed"
    assert "still changes after freeze" in (retry.error or "")
    assert retry.outcome == "rolled-back"


def test_a_quiet_warm_system_needs_no_final_pass_inside_the_outage(migration):
    m = migration(method="warm")
    result = m.run()
    assert result.outcome == "complete", result.error
    passes = record(m, "pre-seed")["passes"]
    assert [p["items"] > 0 for p in passes] == [True, False], "a confirming live pass found nothing to do"
    assert record(m, "sync")["unchanged_since_verified"] == [str(m.data_dir)]
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)
    verify = record(m, "verify")
    assert (
        next(iter(verify["checksums"].values()))["source"]
        == next(iter(verify["checksums"].values()))["target"]
    )
