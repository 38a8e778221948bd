"""Work done beside the caller in a forked child (foundation.beside)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundation import beside as beside_module
from foundation.beside import stream_beside

ROOT = Path(__file__).resolve().parents[1]


def test_the_work_runs_in_a_child_that_is_reaped_once_it_has_sent_everything() -> None:
    with stream_beside(lambda: iter([str(os.getpid()).encode()])) as stream:
        child = stream.child
        done_by = int(stream.next() or b"0")
        assert stream.next() is None
    assert child is not None and done_by == child != os.getpid()
    assert stream.child is None and not Path(f"/proc/{child}").exists()


def test_an_item_of_megabytes_arrives_whole() -> None:
    data = bytes(range(256)) * (40 * 4096)  # 40 MiB, larger than any pipe buffer
    with stream_beside(lambda: iter([data, b"after"])) as stream:
        assert stream.next() == data and stream.next() == b"after"


def _slow() -> Iterator[bytes]:
    time.sleep(60)
    yield b""


def test_leaving_the_block_before_the_items_stops_the_child() -> None:
    with stream_beside(_slow) as stream:
        child = stream.child
    assert child is not None and stream.child is None
    assert not Path(f"/proc/{child}").exists()  # killed and reaped: not even a zombie


def test_the_child_neither_repeats_the_callers_buffered_output_nor_runs_its_exit_handlers() -> None:
    script = textwrap.dedent(
        """
        import atexit, sys
        from foundation.beside import stream_beside
        atexit.register(lambda: print("exit handler"))
        sys.stdout.write("buffered, not flushed\\n")
        with stream_beside(lambda: iter([b"x"])) as stream:
            assert stream.next() == b"x"
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.splitlines() == ["buffered, not flushed", "exit handler"]


def test_a_stream_gives_the_childs_items_in_order_then_none() -> None:
    with stream_beside(lambda: (str(i).encode() * 100_000 for i in range(5))) as stream:
        items = [stream.next() for _ in range(6)]
    assert items[:5] == [str(i).encode() * 100_000 for i in range(5)] and items[5] is None


def _two_then_fail() -> Iterator[bytes]:
    yield b"one"
    yield b"two"
    raise RuntimeError("the child fails")


def test_a_stream_whose_child_fails_ends_after_what_it_sent() -> None:
    with stream_beside(_two_then_fail) as stream:
        assert [stream.next(), stream.next(), stream.next(), stream.next()] == [b"one", b"two", None, None]


def test_without_fork_a_stream_has_no_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(beside_module.os, "fork")
    with stream_beside(lambda: iter([b"x"])) as stream:
        assert stream.next() is None
