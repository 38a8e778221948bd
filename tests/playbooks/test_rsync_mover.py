"""rsync as the data mover on real hosts: metadata survives, interrupted files resume inside
themselves, deltas stay small, warm pre-seed under writes, refusal before an overrun."""

from __future__ import annotations

import os
import signal
import stat
import struct
import threading
import time
from pathlib import Path

import pytest

from tests.playbooks.conftest import tree_digest, writer_ignoring_freeze

pytestmark = pytest.mark.sshd

# POSIX ACL xattr format (linux/posix_acl_xattr.h): version, then (tag, perm, id) entries.
ACL_VERSION = 2
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
NO_ID = 0xFFFFFFFF


def posix_acl(user_id: int) -> bytes:
    entries = [
        (ACL_USER_OBJ, 6, NO_ID),
        (ACL_USER, 6, user_id),
        (ACL_GROUP_OBJ, 4, NO_ID),
        (ACL_MASK, 6, NO_ID),
        (ACL_OTHER, 0, NO_ID),
    ]
    return struct.pack("<I", ACL_VERSION) + b"".join(struct.pack("<HHI", *e) for e in entries)


@pytest.fixture
def root_only() -> None:
    if os.geteuid() != 0:
        pytest.skip("owners, ACLs and devices need the hosts' accounts to be root")


def test_metadata_matrix_survives_the_move(migration, root_only):
    m = migration(files={"plain.txt": b"plain\n"})
    d = m.data_dir
    (d / "owned.txt").write_bytes(b"owned")
    os.chown(d / "owned.txt", 1234, 5678)
    (d / "private").mkdir(mode=0o700)
    os.chmod(d / "private", 0o750)
    (d / "private" / "mode.txt").write_bytes(b"m")
    os.chmod(d / "private" / "mode.txt", 0o640)
    (d / "acl.txt").write_bytes(b"acl")
    os.setxattr(d / "acl.txt", "system.posix_acl_access", posix_acl(4321))
    (d / "xattr.txt").write_bytes(b"x")
    os.setxattr(d / "xattr.txt", "user.govcloud.label", "机密".encode())
    (d / "hard-a").write_bytes(b"one inode" * 100)
    os.link(d / "hard-a", d / "hard-b")
    with (d / "sparse.img").open("wb") as fh:
        fh.truncate(16 << 20)
        fh.seek(8 << 20)
        fh.write(b"island")
    os.symlink("private/mode.txt", d / "rel-link")
    os.symlink("/etc/hostname", d / "abs-link")
    os.mkfifo(d / "pipe")

    result = m.run()
    assert result.outcome == "complete", result.error
    t = m.copied_dir
    assert (os.stat(t / "owned.txt").st_uid, os.stat(t / "owned.txt").st_gid) == (1234, 5678)
    assert stat.S_IMODE(os.stat(t / "private").st_mode) == 0o750
    assert stat.S_IMODE(os.stat(t / "private" / "mode.txt").st_mode) == 0o640
    assert os.getxattr(t / "acl.txt", "system.posix_acl_access") == posix_acl(4321)
    assert os.getxattr(t / "xattr.txt", "user.govcloud.label") == "机密".encode()
    assert os.stat(t / "hard-a").st_ino == os.stat(t / "hard-b").st_ino, "hard link kept, not split"
    sparse = os.stat(t / "sparse.img")
    assert sparse.st_size == 16 << 20 and sparse.st_blocks * 512 < 1 << 20, "holes stay holes"
    assert os.readlink(t / "rel-link") == "private/mode.txt"
    assert os.readlink(t / "abs-link") == "/etc/hostname", "absolute links are copied verbatim"
    assert not (t / "pipe").exists(), "the target's restricted rsync creates no FIFO or device"
    assert result.copy.specials == {f"{d}/pipe": "fifo"}, "... and it is reported, not skipped silently"
    verify = next(r for r in m.journal_records() if r.get("step") == "verify")
    assert verify["specials"] == {f"{d}/pipe": "fifo"}


def test_metadata_drift_on_the_target_blocks_cut_over(migration, root_only):
    m = migration(files={"a.txt": b"alpha", "b.txt": b"beta"})

    def drift(system, step, sessions) -> None:
        if step.value == "sync":
            os.chown(m.copied_dir / "a.txt", 999, 999)

    result = m.run(hooks=_hooks(after_step=drift))
    assert result.outcome == "rolled-back"
    assert "a.txt (owner 999:999, not 0:0)" in (result.error or "")


def _hooks(**kw):
    from playbooks.runner import Hooks

    return Hooks(**kw)


def _rsync_senders(data_dir: Path) -> list[int]:
    """Pids of rsync processes reading *data_dir* (the sending side, on the source host)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"rsync") and f"{data_dir}/".encode() in argv:
            pids.append(int(entry.name))
    return pids


def test_kill_9_during_a_large_file_then_resume_continues_inside_it(migration):
    size = 24 << 20
    m = migration(files={"big.bin": os.urandom(size)})
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            parts = list(m.copied_dir.glob(".big.bin.*")) if m.copied_dir.exists() else []
            if parts and parts[0].stat().st_size > 6 << 20:
                for pid in _rsync_senders(m.data_dir):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.05)

    watcher = threading.Thread(target=killer, daemon=True)
    watcher.start()
    first = m.run(bwlimit_kbps=4000)
    watcher.join(5)
    assert killed, "the transfer finished before it could be killed"
    assert first.outcome == "interrupted", first.error
    partial = m.copied_dir / "big.bin"
    for _ in range(100):  # the receiver notices the dead sender a moment later
        if partial.exists():
            break
        time.sleep(0.1)
    assert partial.exists() and 0 < partial.stat().st_size < size, "rsync kept the partial file"
    kept = partial.stat().st_size

    second = m.run()
    assert second.outcome == "complete", second.error
    assert second.copy.bytes_literal <= size - kept + (1 << 20), "the resumed pass went on inside the file"
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


def test_one_byte_change_in_a_large_file_sends_a_small_delta(migration):
    size = 16 << 20
    m = migration(files={"big.bin": os.urandom(size)}, method="warm")
    changed: list[bool] = []

    def change_one_byte(system, pair, n, stats) -> None:
        if n == 1 and not changed:
            with (m.data_dir / "big.bin").open("r+b") as fh:
                fh.seek(size // 2)
                b = fh.read(1)
                fh.seek(size // 2)
                fh.write(bytes([b[0] ^ 0xFF]))
            changed.append(True)

    result = m.run(hooks=_hooks(after_pass=change_one_byte), small_delta_bytes=0, max_passes=2)
    assert result.outcome == "complete", result.error
    passes = next(r for r in m.journal_records() if r.get("step") == "pre-seed")["passes"]
    assert len(passes) == 2
    assert passes[1]["literal"] <= size // 100, "the changed byte costs a block, not the file"
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)


def test_warm_pre_seed_under_writes_loses_no_acknowledged_file(migration):
    m = migration(files={"seed.bin": os.urandom(1 << 20)}, method="warm")
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set() and m.source_state.read_text().strip() == "running":
            name = f"live/{n:05d}.rec"
            (m.data_dir / "live").mkdir(exist_ok=True)
            (m.data_dir / name).write_bytes(os.urandom(20_000))
            acknowledged.append(name)
            n += 1
            time.sleep(0.01)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        result = m.run(max_passes=3)
    finally:
        stop.set()
        thread.join(5)
    assert result.outcome == "complete", result.error
    assert acknowledged, "the writer wrote while the system was live"
    missing = [a for a in acknowledged if not (m.copied_dir / a).exists()]
    assert missing == []
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)
    outcome = {s.name: s.outcome for s in result.steps}
    assert outcome["pre-seed"] == "done"
    sync = next(r for r in m.journal_records() if r.get("step") == "sync")
    assert "unchanged_since_verified" not in sync, "written until the freeze: the final pass must run"
    assert result.outage_seconds is not None


def test_estimated_overrun_is_refused_before_freezing_unless_allowed(migration):
    m = migration(files={"a.bin": os.urandom(2 << 20)}, method="warm", downtime_hours=1e-6)
    refused = m.run()
    assert refused.outcome == "failed"
    assert "beyond the system's downtime window" in (refused.error or "")
    assert {s.name: s.outcome for s in refused.steps}["freeze"] == "skipped"
    assert m.source_state.read_text().strip() == "running", "nothing was frozen"
    allowed = m.run(allow_overrun=True)
    assert allowed.outcome == "complete", allowed.error


def test_a_source_still_written_after_freeze_is_not_quiescent(migration):
    m = migration(files={"a.txt": b"alpha"})
    with writer_ignoring_freeze(m.data_dir):  # ignores the freeze
        result = m.run(settle_seconds=0.5)
    assert {s.name: s.outcome for s in result.steps}["freeze"] == "failed"
    assert "still changes after freeze" in (result.error or "")
    assert result.outcome == "rolled-back"
    assert {s.name: s.outcome for s in result.steps}["sync"] == "skipped"
