"""Atomic file output: write to a temporary file in the same directory, fsync, then rename."""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO]:
    """Open a temporary sibling of *path*; on success it replaces *path*, on error it vanishes."""
    target = Path(path)
    _prepare(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:  # name the file the user asked for, never our temporary sibling
        raise _about(exc, target) from None
    # mkstemp creates 0600; give the file the mode a plain open() would (or the old file's).
    os.fchmod(fd, _final_mode(target))
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _about(exc, target) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _prepare(target: Path) -> None:
    """Refuse a directory as target and create missing parents; errors name the user's path."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(target))
    for parent in reversed(target.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(parent))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _about(exc, target) from None


def _about(exc: OSError, path: Path) -> OSError:
    """The same error, naming *path* (what the user asked for) instead of a temporary file."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def _final_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def _read_umask() -> int:
    # Read once at import: os.umask() can only be read by setting it, which races with threads.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace *path* with *text* atomically."""
    with atomic_open(path, "w") as fh:
        fh.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace *path* with *data* atomically."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
