"""Reading an input file: regular files only, and never more than a size cap.

Every input govcloud reads (inventory YAML and CSV, survey workbooks, plan.json, policy,
scenario and targets files) goes through :func:`read_input`: a FIFO would make a reader wait
forever and ``/dev/zero`` would fill the memory, so anything that is not a regular file is
refused before a byte is read, and a file is read at most up to its cap.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from foundation.errors import GovcloudError

# Largest input file read (bytes). A province-scale inventory is ~100 MB of YAML.
MAX_INPUT_BYTES = 512 * 1024 * 1024


class InputFileError(GovcloudError, OSError):
    """An input path that is not a readable regular file of acceptable size.

    An OSError too, so a reader's existing ``except OSError`` reports it; ``strerror`` is the
    reason alone, ``str()`` the path and the reason.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, code: int = errno.EINVAL) -> None:
        super().__init__(f"{path}: {reason}")
        self.errno, self.strerror, self.filename = code, reason, str(path)


def check_regular(path: str | os.PathLike[str], limit: int | None = None) -> None:
    """Refuse *path* when it exists but is not a regular file, or is larger than *limit*.

    For readers that open the file themselves: call this first, and a FIFO never blocks them.
    Missing files are left to the reader's own message.
    """
    limit = MAX_INPUT_BYTES if limit is None else limit
    try:
        info = os.stat(path)
    except OSError:
        return
    if stat.S_ISDIR(info.st_mode):
        return  # readers say "is a directory" their own way
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(path, f"is {_kind(info.st_mode)}, not a regular file; refused")
    if info.st_size > limit:
        raise InputFileError(path, f"is {info.st_size:,} bytes; the limit is {limit:,} bytes", errno.EFBIG)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_input(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of the regular file *path*; InputFileError naming it otherwise.

    The file is opened without blocking (a FIFO with no writer would block ``open``), checked on
    the open descriptor (no race with a rename), and read to at most *limit* bytes
    (default :data:`MAX_INPUT_BYTES`).
    """
    limit = MAX_INPUT_BYTES if limit is None else limit
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputFileError(p, "no such file or directory", errno.ENOENT) from None
    except IsADirectoryError:
        raise InputFileError(p, "is a directory, not a file", errno.EISDIR) from None
    except OSError as exc:
        raise InputFileError(p, f"cannot read: {exc.strerror or exc}", exc.errno or errno.EIO) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(p, f"is {_kind(info.st_mode)}, not a regular file; refused")
        if info.st_size > limit:
            raise InputFileError(p, f"is {info.st_size:,} bytes; the limit is {limit:,} bytes", errno.EFBIG)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while we read it
                raise InputFileError(p, f"is larger than the limit of {limit:,} bytes", errno.EFBIG)
        return b"".join(chunks)
    except InputFileError:
        raise
    except OSError as exc:
        raise InputFileError(p, f"cannot read: {exc.strerror or exc}", exc.errno or errno.EIO) from None
    finally:
        os.close(fd)


def read_input_text(path: str | os.PathLike[str], limit: int | None = None) -> str:
    """The UTF-8 text of the regular file *path* (see :func:`read_input`)."""
    data = read_input(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text (byte {exc.start})") from None
