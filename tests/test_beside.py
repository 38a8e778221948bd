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
from foundation.beside import Beside, Exchange, Receive, beside, stream_beside

ROOT = Path(__file__).resolve().parents[1]


def test_the_work_runs_in_a_child_and_its_bytes_come_back() -> None:
    with beside(lambda: str(os.getpid()).encode()) as pending:
        child = pending.child
        done_by = int(pending.result())
    assert child is not None and done_by == child != os.getpid()
    assert not Path(f"/proc/{child}").exists()  # reaped once its result is in


def test_a_result_of_megabytes_arrives_whole() -> None:
    data = bytes(range(256)) * (40 * 4096)  # 40 MiB, larger than any pipe buffer
    with beside(lambda: data) as pending:
        assert bytes(pending.result()) == data


def test_a_child_that_fails_leaves_the_work_to_the_caller() -> None:
    caller = os.getpid()

    def work() -> bytes:
        if os.getpid() != caller:
            raise RuntimeError("only in the child")
        return b"done by the caller"

    with beside(work) as pending:
        assert pending.result() == b"done by the caller"


def test_an_error_of_the_work_itself_reaches_the_caller() -> None:
    def work() -> bytes:
        raise ValueError("bad input")

    with beside(work) as pending, pytest.raises(ValueError, match="bad input"):
        pending.result()


def _slow() -> bytes:
    time.sleep(60)
    return b""


def test_leaving_the_block_without_the_result_stops_the_child() -> None:
    with beside(_slow) as pending:
        child = pending.child
    assert child is not None and pending.child is None
    assert not Path(f"/proc/{child}").exists()  # killed and reaped: not even a zombie


def test_without_fork_the_work_is_done_when_its_result_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(beside_module.os, "fork")
    pending = Beside(lambda: str(os.getpid()).encode())
    assert pending.child is None
    assert int(pending.result()) == os.getpid()


def test_the_child_neither_repeats_the_callers_buffered_output_nor_runs_its_exit_handlers() -> None:
    script = textwrap.dedent(
        """
        import atexit, sys
        from foundation.beside import beside
        atexit.register(lambda: print("exit handler"))
        sys.stdout.write("buffered, not flushed\\n")
        with beside(lambda: b"x") as pending:
            assert pending.result() == b"x"
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


def _echo_upper(receive: Receive) -> Iterator[bytes]:
    yield b"ready"
    while (got := receive()) is not None:
        yield bytes(got).upper()


def test_an_exchanges_child_waits_for_what_the_caller_sends_and_answers_it() -> None:
    exchange = Exchange(_echo_upper)
    try:
        assert exchange.child is not None and exchange.next() == b"ready"
        assert exchange.send(b"first") and exchange.next() == b"FIRST"
        big = b"x" * (3 << 20)  # larger than the pipe: the child reads while it is sent
        assert exchange.send(big) and exchange.next() == big.upper()
    finally:
        exchange.cancel()
    assert exchange.child is None and exchange.send(b"late") is False


def _counts_until_sent(receive: Receive) -> Iterator[bytes]:
    polls = 0
    while not receive.ready():  # other work while nothing has come: here, counting
        polls += 1
        time.sleep(0.001)
    got = receive()
    yield b"%d %s" % (polls, bytes(got or b"none"))
    yield b"ready again" if receive.ready() else b"waits"


def test_an_exchanges_child_can_tell_whether_the_caller_has_sent_before_it_waits() -> None:
    exchange = Exchange(_counts_until_sent)
    try:
        time.sleep(0.05)  # the child polls meanwhile, with nothing to read
        assert exchange.send(b"go")
        polls, got = bytes(exchange.next() or b"").split()
        assert int(polls) > 0 and got == b"go"
        # nothing more is sent: the child would wait, until the caller sends no more
        assert exchange.next() == b"waits"
    finally:
        exchange.cancel()


def _ready_in_time(receive: Receive) -> Iterator[bytes]:
    for _ in range(5000):
        if receive.ready():
            yield b"ready, then %r" % (receive(),)
            return
        time.sleep(0.001)
    yield b"never ready"


def test_an_exchanges_child_is_ready_once_the_caller_will_send_no_more() -> None:
    exchange = Exchange(_ready_in_time)
    assert exchange.child is not None and exchange._inbox is not None
    exchange._inbox.close()  # what cancel() does first: the caller will send no more
    assert exchange.next() == b"ready, then None"
    exchange.cancel()


def test_sending_to_an_exchange_whose_child_has_ended_answers_false() -> None:
    exchange = Exchange(lambda receive: iter([b"only"]))
    assert exchange.next() == b"only"
    assert exchange.next() is None  # it ended
    assert exchange.send(b"anyone there?") is False


def test_without_fork_an_exchange_has_no_child_to_send_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(beside_module.os, "fork")
    exchange = Exchange(_echo_upper)
    assert exchange.child is None and exchange.next() is None and exchange.send(b"x") is False
