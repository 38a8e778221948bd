"""foundation.atomic: outputs are replaced whole or not at all, and errors name the user's path."""

from __future__ import annotations

import errno
import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from foundation import atomic
from foundation.atomic import atomic_open, atomic_write_text, atomic_write_texts, write_pieces


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_a_directory_as_target_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as err:
        atomic_write_text(target, "x")
    assert err.value.filename == str(target)
    assert target.is_dir() and list(tmp_path.iterdir()) == [target]


def test_a_file_in_the_way_of_the_parent_directory_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("keep", encoding="utf-8")
    with pytest.raises(NotADirectoryError) as err:
        atomic_write_text(blocker / "sub" / "plan.json", "x")
    assert err.value.filename == str(blocker)
    assert blocker.read_text(encoding="utf-8") == "keep"


def test_an_unwritable_place_is_reported_with_the_target_not_the_temporary_name() -> None:
    with pytest.raises(OSError) as err:
        atomic_write_text("/proc/govcloud-test.txt", "x")
    assert err.value.filename == "/proc/govcloud-test.txt"


def test_a_large_output_reaches_the_kernel_in_capped_writes_and_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []

    class Recording(atomic._CappedFileIO):
        def write(self, data: object, /) -> int:
            n = super().write(data)
            written.append(n)
            return n

    monkeypatch.setattr(atomic, "_CappedFileIO", Recording)
    piece = bytes(range(256)) * 4099  # larger than a write, not a multiple of it
    with atomic_open(tmp_path / "plan.json", "wb") as fh:
        write_pieces(fh, [piece, memoryview(piece)[:5], piece])
    assert (tmp_path / "plan.json").read_bytes() == piece + piece[:5] + piece
    text = "政务云\n" * 200_000
    atomic_write_text(tmp_path / "a.txt", text)
    atomic_write_texts({tmp_path / "b.txt": text})
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == text
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == text
    assert sum(written) == 2 * len(piece) + 5 + 2 * len(text.encode())
    assert max(written) <= atomic._WRITE_CHUNK < len(piece)


def test_bytes_written_at_an_offset_arrive_whole_in_capped_writes_and_leave_the_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    pwrite = os.pwrite

    def recording(fd: int, data: Any, offset: int) -> int:
        sizes.append(len(data))
        return pwrite(fd, data, offset)

    monkeypatch.setattr(atomic.os, "pwrite", recording)
    piece = bytes(range(256)) * 4099
    with atomic_open(tmp_path / "plan.json", "wb") as fh:
        fh.write(b"head:")
        fh.flush()
        assert atomic.pwrite_all(fh.fileno(), memoryview(piece), 5) == len(piece)
        assert fh.tell() == 5  # what this process writes next goes after its own bytes
        fh.seek(5 + len(piece))
        fh.write(b":tail")
    assert (tmp_path / "plan.json").read_bytes() == b"head:" + piece + b":tail"
    assert sum(sizes) == len(piece) and max(sizes) <= atomic._WRITE_CHUNK < len(piece)


def test_pieces_are_written_in_order_while_the_next_are_made(tmp_path: Path) -> None:
    made: list[int] = []

    def pieces() -> Iterator[bytes]:
        for i in range(50):
            made.append(i)
            yield f"{i},".encode() * 1000

    with atomic_open(tmp_path / "out", "wb") as fh:
        write_pieces(fh, pieces())
    assert (tmp_path / "out").read_bytes() == b"".join(f"{i},".encode() * 1000 for i in range(50))
    assert made == list(range(50))


def test_a_failed_write_of_a_piece_is_raised_and_stops_the_making_of_pieces(tmp_path: Path) -> None:
    made: list[int] = []

    class FullDisk(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def pieces() -> Iterator[bytes]:
        for i in range(1000):
            made.append(i)
            yield b"x"

    with pytest.raises(OSError) as err:
        write_pieces(FullDisk(), pieces())
    assert err.value.errno == errno.ENOSPC
    assert len(made) < 1000, "pieces were made after the write had failed"
    target = tmp_path / "plan.json"
    target.write_bytes(b"old")
    with pytest.raises(OSError), atomic_open(target, "wb") as fh:
        write_pieces(fh, (b"new" for _ in range(3)))
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_bytes() == b"old"


def test_with_no_limit_on_waiting_pieces_the_caller_never_waits_for_a_slow_write() -> None:
    made: list[int] = []
    release = threading.Event()

    class SlowPipe(io.BytesIO):
        def write(self, data: object) -> int:
            release.wait(30)  # the reader is busy elsewhere
            return super().write(data)  # type: ignore[arg-type]

    def pieces() -> Iterator[bytes]:
        for i in range(50):
            made.append(i)
            yield b"x" * 1000

    sink = SlowPipe()
    writing = threading.Thread(target=write_pieces, args=(sink, pieces()), kwargs={"waiting": 0})
    writing.start()
    deadline = time.monotonic() + 30
    while len(made) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(made) == 50, "the caller waited for the first write to end"
    release.set()
    writing.join(30)
    assert sink.getvalue() == b"x" * 50_000
