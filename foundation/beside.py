"""Work done beside the caller, in a forked child, for a result sent back as bytes.

A province's inventory leaves single-threaded work that needs nothing the caller computes
meanwhile, and whose result is small next to its input: the inventory's digest while the
planner classifies (:class:`Beside`); what follows from the decisions alone while it groups and
schedules (``planner.ahead``), and the JSON text of each inventory file while the loader
validates the one before (:class:`Stream`, a child forked as loading starts, while the process
is small). A forked child shares the caller's objects as they are at the fork (copy-on-write),
so nothing is sent to it; it sends back only its bytes, through a pipe. Each page either side
writes to while both live is copied, so the work should read few objects, and the caller should
not be at its peak memory.

Where ``fork`` is not available, or the child cannot be started, or it fails, the work is
done in the caller when the result is asked for: the result is the same either way, and an
error is raised where the caller would have met it.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import select
import signal
import struct
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from foundation.atomic import write_pieces

Bytes = bytes | bytearray | memoryview  # what the work returns, and its result

_LENGTH = struct.Struct("<Q")  # the child's result is preceded by its length: a short read is a failure
_PIPE_BYTES = 1 << 20  # a larger pipe: fewer reads of a result of tens of megabytes


class Beside:
    """*work* started in a forked child; :meth:`result` waits for its bytes (or does it here).

    A :class:`Stream` of one item: a child that fails sends none, and the work is done here.
    """

    def __init__(self, work: Callable[[], Bytes]) -> None:
        self._work = work
        self._stream: Stream | None = None
        self._start()

    def _start(self) -> None:
        self._stream = Stream(lambda: (self._work(),))

    @property
    def child(self) -> int | None:
        """The child's process ID until its result is collected (None: the work is done here)."""
        return self._stream.child if self._stream is not None else None

    def result(self) -> Bytes:
        """The work's bytes: the child's when it succeeded, else computed here."""
        data = self._stream.next() if self._stream is not None else None
        self.cancel()
        return data if data is not None else self._work()

    def cancel(self) -> None:
        """Stop the child if it still runs (the result is no longer wanted)."""
        if self._stream is not None:
            self._stream.cancel()


@contextlib.contextmanager
def beside(work: Callable[[], Bytes]) -> Iterator[Beside]:
    """*work* done beside the block; the child is stopped when the block ends without its result."""
    pending = Beside(work)
    try:
        yield pending
    finally:
        pending.cancel()


class Stream:
    """*produce*'s items made in a forked child, one after another; :meth:`next` gives each in turn.

    The child makes every item without waiting for the caller to take the ones before (they wait
    in the child's memory). When it ends early (it failed, or could not be started), :meth:`next`
    answers None from there on: the caller does the rest itself.
    """

    def __init__(self, produce: Callable[[], Iterable[Bytes]]) -> None:
        self._start(lambda write, _: _send_each(write, produce()), asks=False)

    def _start(self, send: Callable[[int, int | None], None], *, asks: bool) -> None:
        self._pid: int | None = None
        self._pipe: io.FileIO | None = None
        self._inbox: io.FileIO | None = None  # the write end of the child's inbox (Exchange)
        pid, read, inbox = _fork(send, asks=asks)
        if pid is not None and read is not None:
            self._pid, self._pipe = pid, io.FileIO(read, "rb")
            self._inbox = io.FileIO(inbox, "wb") if inbox is not None else None

    @property
    def child(self) -> int | None:
        """The child's process ID while it may still send (None: ended, or never started)."""
        return self._pid

    def next(self) -> bytearray | None:
        """The child's next item, or None when it has no more (ended, failed or never started)."""
        if self._pipe is None:
            return None
        head = _read_exactly(self._pipe, _LENGTH.size)
        item = _read_exactly(self._pipe, _LENGTH.unpack(head)[0]) if head is not None else None
        if item is None:
            self.cancel()
        return item

    def cancel(self) -> None:
        """Stop the child if it still runs."""
        if self._inbox is not None:
            with contextlib.suppress(OSError):
                self._inbox.close()
            self._inbox = None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


class Receive:
    """In the child of an :class:`Exchange`: call it for the caller's next bytes (None: no more)."""

    def __init__(self, inbox: int | None) -> None:
        self._pipe = io.FileIO(inbox, "rb") if inbox is not None else None

    def __call__(self) -> bytearray | None:
        if self._pipe is None:
            return None
        head = _read_exactly(self._pipe, _LENGTH.size)
        return _read_exactly(self._pipe, _LENGTH.unpack(head)[0]) if head is not None else None

    def ready(self) -> bool:
        """Whether a call would answer at once (bytes have come, or the caller sends no more):
        a child with other work does it while this is False."""
        return self._pipe is None or bool(select.select([self._pipe], [], [], 0)[0])


class Exchange(Stream):
    """A :class:`Stream` whose child may wait, between items, for bytes the caller sends it.

    *produce* is given ``receive``: the next bytes :meth:`send` sent, or None once the caller
    will send no more (it cancelled, or ended). A child that waits costs nothing but its memory.
    """

    def __init__(self, produce: Callable[[Receive], Iterable[Bytes]]) -> None:
        self._start(lambda write, inbox: _send_each(write, produce(Receive(inbox))), asks=True)

    def send(self, data: Bytes) -> bool:
        """Give the child *data* (it waits for it, or finds it when it asks); False: the child is gone."""
        if self._inbox is None:
            return False
        try:
            _write_all(self._inbox, _LENGTH.pack(len(data)))
            _write_all(self._inbox, data)
        except OSError:  # the child ended (a broken pipe): no more items either
            self.cancel()
            return False
        return True


@contextlib.contextmanager
def stream_beside(produce: Callable[[], Iterable[Bytes]]) -> Iterator[Stream]:
    """*produce*'s items made beside the block; the child is stopped when the block ends."""
    stream = Stream(produce)
    try:
        yield stream
    finally:
        stream.cancel()


def _fork(
    send: Callable[[int, int | None], None], *, asks: bool = False
) -> tuple[int | None, int | None, int | None]:
    """A child that runs *send* on the write end of a pipe, then exits: (pid, read end, inbox).

    With *asks*, *send* also gets the read end of a second pipe, the child's inbox, whose write
    end is returned. (None, None, None) where it cannot be forked. The child never returns into
    the caller's code.
    """
    if not hasattr(os, "fork") or sys.platform != "linux":
        return None, None, None
    ends: list[int] = []
    try:
        ends += os.pipe()
        if asks:
            ends += os.pipe()
    except OSError:
        for fd in ends:
            os.close(fd)
        return None, None, None
    read, write = ends[0], ends[1]
    inbox_read, inbox_write = (ends[2], ends[3]) if asks else (None, None)
    for fd in ends[1::2]:  # the write ends
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    try:
        # Python 3.12+ warns of live threads (a progress display): the child uses none of them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        for fd in ends:
            os.close(fd)
        return None, None, None
    if pid == 0:
        status = 1
        try:
            os.close(read)
            if inbox_write is not None:
                os.close(inbox_write)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it, quietly
            send(write, inbox_read)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no second flush of the caller's buffers
    os.close(write)
    if inbox_read is not None:
        os.close(inbox_read)
    return pid, read, inbox_write


def _send_each(write: int, items: Iterable[Bytes]) -> None:
    """Each of *items*, framed, through *write*; what was made before a failure is sent."""
    # Sent from a thread while the child makes the next item, however many wait: the caller may
    # take an item long after it was made (when it needs it), and an item larger than the pipe
    # must not hold up the next one's work meanwhile.
    with _Flushed(io.FileIO(write, "wb")) as pipe:
        write_pieces(pipe, _framed(items), waiting=0)


class _Flushed(io.BufferedWriter):
    """A pipe whose each write reaches the reader at once (a child may then wait for the caller)."""

    def write(self, data: Any, /) -> int:
        n = super().write(data)
        self.flush()
        return n


def _write_all(pipe: io.FileIO, data: Bytes) -> None:
    view = memoryview(data).cast("B")
    while view:
        view = view[pipe.write(view) or 0 :]


def _framed(items: Iterable[Bytes]) -> Iterator[Bytes]:
    for item in items:
        yield _LENGTH.pack(len(item))
        yield item


def _read_exactly(pipe: io.FileIO, size: int) -> bytearray | None:
    """*size* bytes from *pipe*, or None when it ends before (the child failed)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = pipe.readinto(view[got:])
        if not n:
            return None
        got += n
    return buffer  # not copied into bytes: tens of megabytes
