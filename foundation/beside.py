"""Work done beside the caller, in a forked child, for a result sent back as bytes.

A province's inventory leaves single-threaded work that needs nothing the caller computes
meanwhile, and whose result is small next to its input: the inventory's digest while the
planner classifies, the texts of the reasons while it assembles the plan. A forked child shares
the caller's objects as they are at the fork (copy-on-write), so nothing is sent to it; it
sends back only its bytes, through a pipe. Each page either side writes to while both live is
copied, so the work should read few objects, and the caller should not be at its peak memory.

Where ``fork`` is not available, or the child cannot be started, or it fails, the work is
done in the caller when the result is asked for: the result is the same either way, and an
error is raised where the caller would have met it.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import signal
import struct
import sys
import warnings
from collections.abc import Callable, Iterator

Bytes = bytes | bytearray | memoryview  # what the work returns, and its result

_LENGTH = struct.Struct("<Q")  # the child's result is preceded by its length: a short read is a failure
_PIPE_BYTES = 1 << 20  # a larger pipe: fewer reads of a result of tens of megabytes


class Beside:
    """*work* started in a forked child; :meth:`result` waits for its bytes (or does it here)."""

    def __init__(self, work: Callable[[], Bytes]) -> None:
        self._work = work
        self._pid: int | None = None
        self._read: int | None = None
        self._start()

    def _start(self) -> None:
        if not hasattr(os, "fork") or sys.platform != "linux":
            return
        try:
            read, write = os.pipe()
        except OSError:
            return
        with contextlib.suppress(OSError):
            fcntl.fcntl(write, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
        try:
            # Python 3.12+ warns of live threads (a progress display): the child uses none of them.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(read)
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it, quietly
                data = self._work()
                _write_all(write, _LENGTH.pack(len(data)))
                _write_all(write, data)
                status = 0
            finally:
                os._exit(status)  # no atexit handlers, no second flush of the caller's buffers
        os.close(write)
        self._pid, self._read = pid, read

    @property
    def child(self) -> int | None:
        """The child's process ID until its result is collected (None: the work is done here)."""
        return self._pid

    def result(self) -> Bytes:
        """The work's bytes: the child's when it succeeded, else computed here."""
        data = self._collect()
        return data if data is not None else self._work()

    def _collect(self) -> Bytes | None:
        if self._read is None:
            return None
        try:
            with io.FileIO(self._read, "rb") as pipe:
                self._read = None
                head = _read_exactly(pipe, _LENGTH.size)
                data = _read_exactly(pipe, _LENGTH.unpack(head)[0]) if head is not None else None
        finally:
            ok = self._reap()
        return data if ok else None

    def _reap(self) -> bool:
        pid, self._pid = self._pid, None
        if pid is None:
            return False
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    def cancel(self) -> None:
        """Stop the child if it still runs (the result is no longer wanted)."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._read is not None:
            os.close(self._read)
            self._read = None


@contextlib.contextmanager
def beside(work: Callable[[], Bytes]) -> Iterator[Beside]:
    """*work* done beside the block; the child is stopped when the block ends without its result."""
    pending = Beside(work)
    try:
        yield pending
    finally:
        pending.cancel()


def _write_all(fd: int, data: Bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


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
