"""Atomic output: write to a temporary sibling, fsync, then rename (a file) or swap (a directory).

Temporary names carry the writer's process ID (``.NAME.PID.RANDOM.tmp``), so the next run can
tell the leftovers of a killed run (their process is gone) from the work of a live writer, and
removes them (:func:`clean_stale`) the first time it writes into that directory.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import os
import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

_STALE_RE = re.compile(r"^\..+\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.(?P<kind>tmp|tmpdir|old)$")
_cleaned: set[str] = set()  # directories already cleaned by this process


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO]:
    """Open a temporary sibling of *path*; on success it replaces *path*, on error it vanishes."""
    target = Path(path)
    _prepare(target)
    clean_stale(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as exc:  # name the file the user asked for, never our temporary sibling
        raise _about(exc, target) from None
    # mkstemp creates 0600; give the file the mode a plain open() would (or the old file's).
    os.fchmod(fd, _final_mode(target))
    try:
        with _open_fd(fd, mode, encoding) as fh:
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


# The kernel gives a file's page cache folios as large as the writes that fill them. Folios of
# megabytes are slow to allocate where free memory is fragmented or has been handed back to a
# hypervisor (BENCHMARKS.md, section 2), so each write to an output file is capped at the
# block size cp and cat use; the file's buffer writes the rest of a larger piece in turn.
_WRITE_CHUNK = 128 * 1024


class _CappedFileIO(io.FileIO):
    """A file whose each write passes at most _WRITE_CHUNK bytes to the kernel (a short write)."""

    def write(self, data: Any, /) -> int:
        view = memoryview(data).cast("B")
        return super().write(view if len(view) <= _WRITE_CHUNK else view[:_WRITE_CHUNK])


def pwrite_all(fd: int, data: Any, offset: int) -> int:
    """Write all of *data* at *offset* of the file *fd* (capped writes; the file's position stays)."""
    view = memoryview(data).cast("B")
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done : done + _WRITE_CHUNK], offset + done)
    return done


def _open_fd(fd: int, mode: str, encoding: str | None) -> IO[Any]:
    """*fd* opened for writing as os.fdopen(fd, *mode*) would, with its writes capped."""
    raw = _CappedFileIO(fd, "w", closefd=True)
    buffered = io.BufferedWriter(raw)
    if "b" in mode:
        return buffered
    return io.TextIOWrapper(buffered, encoding=encoding, write_through=False)


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


def write_pieces(fh: IO[bytes], pieces: Iterable[bytes | bytearray | memoryview], waiting: int = 2) -> None:
    """Write *pieces* to *fh* in order, each from a thread while the caller makes the next.

    For a file of hundreds of megabytes made piece by piece: its bytes go to the kernel while the
    next piece is made, and no piece has to wait for the whole. At most *waiting* pieces wait to
    be written (0: any number; the caller never waits for the writes). An error while writing
    (a full disk) is raised here, and no further piece is made.
    """
    ready: queue.Queue[bytes | bytearray | memoryview | None] = queue.Queue(maxsize=waiting)
    failed: list[BaseException] = []

    def write() -> None:
        while (piece := ready.get()) is not None:
            if not failed:
                try:
                    fh.write(piece)
                except BaseException as exc:  # raised in the caller, below
                    failed.append(exc)

    writer = threading.Thread(target=write, name="write-pieces")
    writer.start()
    try:
        for piece in pieces:
            if failed:
                break
            ready.put(piece)
    finally:
        ready.put(None)
        writer.join()
    if failed:
        raise failed[0]


def atomic_write_texts(files: Mapping[Path, str]) -> None:
    """Replace several files, each atomically, once every one of them is written and synced.

    For files that belong together beside files of other writers (the stack files next to
    Pulumi.yaml), where neither the directory nor symlinks may change: a failure while writing
    (a full disk, an I/O error) leaves every old file as it was, and only the renames, a few
    microseconds, separate the first new file from the last.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            target = Path(path)
            _prepare(target)
            clean_stale(target.parent)
            try:
                fd, tmp = tempfile.mkstemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent)
            except OSError as exc:
                raise _about(exc, target) from None
            staged.append((tmp, target))
            os.fchmod(fd, _final_mode(target))
            try:
                with _open_fd(fd, "w", "utf-8") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise _about(exc, target) from None
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    for i, (tmp, target) in enumerate(staged):
        try:
            os.replace(tmp, target)
        except OSError as exc:
            for rest, _ in staged[i:]:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(rest)
            raise _about(exc, target) from None
    for directory in sorted({target.parent for _, target in staged}):
        _fsync_dir(directory)


def _prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(directory: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """Remove the temporary files and directories that killed runs left in *directory*.

    Only entries named by :func:`atomic_open` / :func:`atomic_directory` whose process is gone
    are touched; a half-swapped directory (``.old`` with its target missing) is put back.
    Each directory is cleaned once per process unless *force*. Returns what was removed.
    """
    where = Path(directory)
    key = os.path.abspath(where)
    if key in _cleaned and not force:
        return []
    _cleaned.add(key)
    removed: list[Path] = []
    try:
        names = os.listdir(where)
    except OSError:
        return removed
    for name in names:
        m = _STALE_RE.match(name)
        if m is None or _alive(int(m["pid"])):
            continue
        entry = where / name
        with contextlib.suppress(OSError):
            if m["kind"] == "old":
                original = where / name[1:].rsplit(".", 3)[0]
                if not original.exists():  # killed between the two renames of a swap
                    os.rename(entry, original)
                    continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap *a* and *b* in one step (Linux renameat2); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_directory(
    path: str | os.PathLike[str], *, owned: Callable[[str], bool] = lambda name: True
) -> Iterator[Path]:
    """A temporary sibling directory to fill; on success it replaces *path* as a whole.

    Readers see the old set of files or the new one, never a mix: the new directory is
    swapped in with one rename (``renameat2(RENAME_EXCHANGE)`` where Linux has it). A directory
    already at *path* may hold only entries that *owned* accepts (files of an earlier run);
    anything else is refused rather than deleted with the old set.
    """
    target = Path(path)
    for parent in reversed(target.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(parent))
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a directory", str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _about(exc, target) from None
    clean_stale(target.parent)
    if target.is_dir():
        foreign = sorted(n for n in os.listdir(target) if not owned(n))
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise FileExistsError(
                errno.ENOTEMPTY,
                f"holds files govcloud did not write ({shown}); give an empty or a new directory",
                str(target),
            )
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=".tmpdir", dir=target.parent))
    except OSError as exc:
        raise _about(exc, target) from None
    try:
        os.chmod(tmp, (target.stat().st_mode & 0o7777) if target.is_dir() else 0o777 & ~_UMASK)
        yield tmp
        _fsync_dir(tmp)
        if target.is_dir():
            if not _exchange(tmp, target):
                old = target.parent / f"{_prefix(target)}{os.urandom(4).hex()}.old"
                os.rename(target, old)
                os.rename(tmp, target)
                tmp = old
            shutil.rmtree(tmp, ignore_errors=True)  # now the old set
        else:
            os.rename(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file_set(directory: str | os.PathLike[str], name: str) -> Iterator[Path]:
    """A staging directory whose entries are published into *directory* together, as one set.

    For outputs that must sit beside files of other writers (``report.html`` and
    ``departments/`` next to ``plan.json``), so *directory* itself cannot be swapped. The
    pattern is Kubernetes' atomic writer for ConfigMap volumes: each published set is a hidden
    generation directory, the hidden symlink ``.NAME.current`` names the live one, and every
    entry is a symlink through it (``report.html -> .NAME.current/report.html``). Publishing
    renames a new ``.NAME.current`` over the old in one step, so a reader that opens an entry
    sees the whole old set or the whole new one. Entries of the old set that the new one lacks
    are removed, and so are older generations. A plain file or directory at an entry's name (an
    earlier layout) is replaced by the entry's link.
    """
    where = Path(directory)
    for parent in (where, *where.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(parent))
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _about(exc, where) from None
    clean_stale(where)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmpdir", dir=where))
    except OSError as exc:
        raise _about(exc, where) from None
    try:
        os.chmod(staging, 0o777 & ~_UMASK)
        yield staging
        _fsync_dir(staging)
        generation = where / f".{name}.gen.{os.urandom(6).hex()}"
        os.rename(staging, generation)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _publish(where, name, generation)


def _publish(where: Path, name: str, generation: Path) -> None:
    pointer = where / f".{name}.current"
    _link(where, pointer, generation.name)  # the one step that switches the set
    through = f"{pointer.name}/"
    entries = set(os.listdir(generation))
    for entry in sorted(entries):
        public = where / entry
        if public.is_symlink() and os.readlink(public) == through + entry:
            continue
        _link(where, public, through + entry)
    for other in os.listdir(where):
        path = where / other
        if other not in entries and path.is_symlink() and os.readlink(path).startswith(through):
            path.unlink()  # an entry of the old set that the new one lacks
        elif other.startswith(f".{name}.gen.") and other != generation.name:
            shutil.rmtree(path, ignore_errors=True)
    _fsync_dir(where)


def _link(where: Path, at: Path, target: str) -> None:
    """Make *at* a symlink to *target* in one step, whatever *at* is now."""
    tmp = where / f".{at.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    os.symlink(target, tmp)
    try:
        if at.is_dir() and not at.is_symlink():
            # An earlier layout's real directory: rename(2) cannot replace it, an exchange can.
            if not _exchange(tmp, at):
                os.rename(at, tmp.with_suffix(".old"))
                os.rename(tmp, at)
                tmp = tmp.with_suffix(".old")
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, at)
    except BaseException:
        with contextlib.suppress(OSError):
            if tmp.is_symlink():
                tmp.unlink()
        raise
