"""The fast copy path (tar stream from the source, pipelined SFTP to the target, batched commits).

Each guarantee of the copy is checked on this path: a byte corrupted on the way is caught before
the rename, a source changing mid-copy is refused, a dropped source connection resumes without
resending verified files, hard links arrive as data, and hosts without GNU tar still get a copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import playbooks.copy as copy_mod
import playbooks.journal as journal_mod
import playbooks.runner as runner_mod
from playbooks.journal import Journal
from playbooks.runner import Hooks
from tests.playbooks.conftest import tree_digest

pytestmark = pytest.mark.sshd

FILES = {f"d{i % 3}/f{i:02d}.bin": bytes([i]) * (30_000 + 997 * i) for i in range(9)}


def file_records(m, outcome: str) -> list[str]:
    return [r["path"] for r in m.journal_records() if r.get("event") == "file" and r["outcome"] == outcome]


def test_byte_corrupted_between_stream_and_target_is_caught_before_rename(migration, monkeypatch):
    m = migration(files=FILES)
    victim = "d1/f04.bin"
    real_write = copy_mod.write_part

    def write_then_corrupt(dst, part_path, info, read):
        digest = real_write(dst, part_path, info, read)
        if part_path.endswith("/.f04.bin" + copy_mod.PART_SUFFIX):
            data = bytearray(Path(part_path).read_bytes())
            data[len(data) // 2] ^= 0x01  # what the controller hashed is no longer what the target holds
            Path(part_path).write_bytes(bytes(data))
        return digest

    monkeypatch.setattr(copy_mod, "write_part", write_then_corrupt)
    result = m.run(batch_files=2)
    assert result.outcome == "rolled-back", result.error
    assert "arrived corrupted" in (result.error or "") and victim in (result.error or "")
    assert victim in file_records(m, "mismatch")
    assert victim not in file_records(m, "verified")
    assert m.source_state.read_text().strip() == "running"


def test_source_file_changed_after_its_manifest_is_refused(migration, monkeypatch):
    m = migration(files=FILES)
    real_manifest = runner_mod.source_manifest

    def manifest_then_write(src, index, source, target):
        plan = real_manifest(src, index, source, target)
        (m.data_dir / "d2/f05.bin").write_bytes(b"written after the freeze")
        return plan

    monkeypatch.setattr(runner_mod, "source_manifest", manifest_then_write)
    result = m.run()
    assert result.outcome == "rolled-back"
    assert "changed while it was copied" in (result.error or "")
    assert "d2/f05.bin" not in file_records(m, "verified")


def test_source_connection_killed_mid_stream_resumes_without_resending_verified_files(
    migration, sshd_hosts, monkeypatch
):
    # Small buffers, so the stream is still running when the connection dies.
    monkeypatch.setattr(copy_mod, "STREAM_WINDOW", 64 << 10)
    monkeypatch.setattr(copy_mod, "STREAM_QUEUE", 1)
    m = migration(files={f"big/{i}.bin": bytes([i]) * 200_000 for i in range(9)})
    killed: list[int] = []

    def kill_source(system: str, verified: int, sessions) -> None:
        if verified >= 3 and not killed:
            killed.append(sshd_hosts["source"].kill_connections())

    first = m.run(hooks=Hooks(on_file_verified=kill_source), batch_files=3)
    assert killed and killed[0] > 0
    assert first.outcome == "interrupted", first.error
    verified_before = set(file_records(m, "verified"))
    assert 3 <= len(verified_before) < 9

    second = m.run(batch_files=3)
    assert second.outcome == "complete", second.error
    assert second.copy.files_skipped == len(verified_before)
    assert second.copy.files_sent == 9 - len(verified_before)
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)
    assert not list(m.data_root.rglob("*" + copy_mod.PART_SUFFIX))


def test_hard_linked_source_files_arrive_as_separate_files_with_their_data(migration):
    m = migration(files={"a/original.dat": b"shared bytes" * 1000})
    os.link(m.data_dir / "a/original.dat", m.data_dir / "a/hardlink.dat")
    result = m.run()
    assert result.outcome == "complete", result.error
    assert (m.copied_dir / "a/hardlink.dat").read_bytes() == b"shared bytes" * 1000
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


def test_source_without_gnu_tar_is_copied_over_sftp(migration, monkeypatch):
    m = migration(files=FILES)
    monkeypatch.setattr(copy_mod, "TAR_PROBE", "false")
    sftp_reads: list[str] = []
    real_send = copy_mod.send_file

    def counting_send(src, dst, src_path, part_path, info):
        sftp_reads.append(src_path)
        return real_send(src, dst, src_path, part_path, info)

    monkeypatch.setattr(copy_mod, "send_file", counting_send)
    result = m.run()
    assert result.outcome == "complete", result.error
    assert len(sftp_reads) == len(FILES)
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


def test_journal_batches_fsync_only_for_verified_file_records(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(journal_mod.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    monkeypatch.setattr(journal_mod, "FSYNC_SECONDS", 3600.0)
    journal = Journal(tmp_path / "sys.jsonl")
    for i in range(5):
        journal.append(
            {"event": "file", "dir": 0, "path": f"f{i}", "sha256": "0" * 64, "outcome": "verified"}
        )
    assert synced == [], "verified records may wait for the next fsync"
    journal.append({"event": "file", "dir": 0, "path": "f9", "sha256": "1" * 64, "outcome": "mismatch"})
    assert len(synced) == 1, "anything else is durable before append returns (and so is all before it)"
    journal.append({"event": "file", "dir": 0, "path": "f5", "sha256": "0" * 64, "outcome": "verified"})
    journal.append({"event": "step", "step": "copy", "outcome": "done"})
    assert len(synced) == 2
    assert len(journal.state().verified) == 6


def test_journal_forces_fsync_after_a_full_batch_of_verified_records(tmp_path, monkeypatch):
    synced: list[int] = []
    monkeypatch.setattr(journal_mod.os, "fsync", lambda fd: synced.append(fd))
    monkeypatch.setattr(journal_mod, "FSYNC_SECONDS", 3600.0)
    journal = Journal(tmp_path / "sys.jsonl")
    for i in range(journal_mod.FSYNC_BATCH * 2):
        journal.append(
            {"event": "file", "dir": 0, "path": f"f{i}", "sha256": "0" * 64, "outcome": "verified"}
        )
    assert len(synced) == 2
