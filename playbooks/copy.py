"""Data copy that loses nothing (MLPS-4): source host -> this machine -> target host.

Each file is hashed three times: on the source (``sha256sum`` over SSH, the manifest), while
streaming (locally), and on the target (``sha256sum`` of the partial file). It is written under
a temporary name and renamed into place only when all three agree, and only then journalled as
verified. A resumed copy skips a file only when the journal says it was verified *and* the
target's file still hashes to the source's checksum; sizes are never trusted.

Speed: the files of a directory leave the source as one ``tar`` stream over an exec channel
(paramiko's SFTP prefetch degrades badly on large reads; an exec channel streams at link
speed), read by its own thread into a bounded queue while this thread hashes each member and
writes it to the target's partial file with pipelined SFTP writes. The target hashes partials
through one long-lived ``xargs sha256sum`` channel per directory (each exec on a host costs a
login shell). Without GNU tar on the source the copy falls back to plain SFTP reads.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import queue
import shlex
import stat
import tarfile
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import paramiko

from playbooks.errors import (
    CommandFailed,
    CommandTimeout,
    ConnectionLost,
    PlaybookError,
    SSHError,
    VerificationFailed,
)
from playbooks.ssh import SSHSession

PART_SUFFIX = ".govcloud-part"
CHUNK = 1 << 20
HASH_BATCH = 1000  # file names per sha256sum call (keeps stdin/stdout inside SSH windows)
HASH_RATE = 20e6  # bytes/s assumed for hash-command timeouts, deliberately slow
STREAM_WINDOW = 16 << 20  # SSH window of the tar channel: keeps the source busy across hiccups
STREAM_QUEUE = 32  # chunks buffered between the reading thread and the writer (~32 MiB at most)
# SFTP reads in flight per file: paramiko's prefetch slows down quadratically with many more
PREFETCH_REQUESTS = 64
TAR_PROBE = "tar --version 2>/dev/null | grep -q GNU"  # the stream needs GNU tar's options
HASH_SENTINEL = "/dev/null"  # hashed after every batch: its answer marks the batch as complete


def part_name(path: str) -> str:
    """Temporary name of *path* while it is written and not yet verified."""
    head, tail = posixpath.split(path)
    return posixpath.join(head, f".{tail}{PART_SUFFIX}")


def is_part(name: str) -> bool:
    return name.startswith(".") and name.endswith(PART_SUFFIX)


@dataclass
class FileInfo:
    """A regular file of a tree."""

    size: int
    mode: int
    mtime: int
    atime: int


@dataclass
class Tree:
    """A directory tree as listed over SFTP (paths relative to its root, '/'-separated)."""

    files: dict[str, FileInfo] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # sockets, devices, fifos: reported, never copied

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files.values())


@dataclass
class CopyStats:
    """What a copy did: what a resume must be judged by."""

    files: int = 0
    files_sent: int = 0
    bytes_sent: int = 0
    files_skipped: int = 0  # verified earlier (journal) and re-verified by hash now
    files_resent: int = 0  # the journal said verified but the target no longer matched
    dirs_created: int = 0
    links_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.files_sent or self.dirs_created or self.links_created)


def _guard(session: SSHSession, what: str, fn: Callable[[], object]) -> object:
    """Run an SFTP call, telling a dropped connection apart from a file problem."""
    try:
        return fn()
    except SSHError:
        raise
    except (OSError, EOFError, paramiko.SSHException) as exc:
        if not session.is_active() or isinstance(exc, EOFError | ConnectionError):
            raise session.lost(exc) from None
        raise PlaybookError(f"{session.endpoint.label}: {what}: {exc}") from None


def walk(session: SSHSession, root: str) -> Tree:
    """List *root* recursively over SFTP (does not follow symlinks)."""
    tree = Tree()
    sftp = session.sftp
    stack = [""]
    while stack:
        rel = stack.pop()
        here = posixpath.join(root, rel) if rel else root
        entries = _guard(session, f"list {here}", lambda h=here: sftp.listdir_attr(h))  # type: ignore[misc]
        for a in entries:  # type: ignore[attr-defined]
            sub = f"{rel}/{a.filename}" if rel else a.filename
            mode = a.st_mode or 0
            if stat.S_ISDIR(mode):
                tree.dirs.append(sub)
                stack.append(sub)
            elif stat.S_ISLNK(mode):
                tree.links[sub] = str(
                    _guard(session, f"readlink {sub}", lambda s=sub: sftp.readlink(posixpath.join(root, s)))  # type: ignore[misc]
                )
            elif stat.S_ISREG(mode):
                if is_part(a.filename):
                    tree.parts.append(sub)
                else:
                    tree.files[sub] = FileInfo(a.st_size or 0, mode, a.st_mtime or 0, a.st_atime or 0)
            else:
                tree.others.append(sub)
    tree.dirs.sort()
    return tree


def exists(session: SSHSession, path: str) -> bool:
    try:
        session.sftp.lstat(path)
        return True
    except FileNotFoundError:
        return False
    except (OSError, EOFError, paramiko.SSHException) as exc:
        if not session.is_active():
            raise session.lost(exc) from None
        raise


def remote_hashes(
    session: SSHSession, root: str, rels: Iterable[str], total_bytes: int = 0
) -> dict[str, str]:
    """SHA-256 of files under *root* computed on the host; unreadable or missing files are absent."""
    names = list(rels)
    if not names:
        return {}
    if session.has_sha256sum is False:
        return stream_hashes(session, root, names)
    out: dict[str, str] = {}
    timeout = session.timeouts.command + total_bytes / HASH_RATE
    for i in range(0, len(names), HASH_BATCH):
        batch = names[i : i + HASH_BATCH]
        stdin = b"".join(n.encode("utf-8", "surrogateescape") + b"\0" for n in batch)
        res = session.run(
            f"command -v {session.sha256sum} >/dev/null 2>&1 || exit 127; cd {shlex.quote(root)} "
            f"&& xargs -0 -r {session.sha256sum} -z --",
            stdin=stdin,
            timeout=timeout,
        )
        if res.exit_status in (126, 127):  # no sha256sum (or xargs) there: hash by streaming instead
            session.has_sha256sum = False
            out.update(stream_hashes(session, root, batch))
            continue
        session.has_sha256sum = True
        for rec in res.stdout.split(b"\0"):
            if len(rec) > 66:
                # `sha256sum -z` prints "<64 hex><space><space or *><name>" without escaping.
                out[rec[66:].decode("utf-8", "surrogateescape")] = rec[:64].decode("ascii")
    return out


def stream_hashes(session: SSHSession, root: str, rels: Iterable[str]) -> dict[str, str]:
    """Fallback without sha256sum on the host: read each file over SFTP and hash it here."""
    out: dict[str, str] = {}
    for rel in rels:
        path = posixpath.join(root, rel)

        def one(p: str = path) -> str:
            h = hashlib.sha256()
            with session.sftp.open(p, "rb") as fh:
                fh.prefetch(max_concurrent_requests=PREFETCH_REQUESTS)
                while chunk := fh.read(CHUNK):
                    h.update(chunk)
            return h.hexdigest()

        try:
            out[rel] = str(_guard(session, f"hash {path}", one))
        except PlaybookError as exc:
            if isinstance(exc, ConnectionLost):
                raise
    return out


def manifest_digest(hashes: dict[str, str], links: dict[str, str] | None = None) -> str:
    """One checksum of a whole manifest: equal digests mean equal trees."""
    h = hashlib.sha256()
    for rel in sorted(hashes):
        h.update(f"{hashes[rel]}  {rel}\n".encode())
    for rel in sorted(links or {}):
        h.update(f"link  {rel} -> {(links or {})[rel]}\n".encode())
    return "sha256:" + h.hexdigest()


def makedirs(session: SSHSession, path: str) -> int:
    """mkdir -p over SFTP; returns how many directories were created."""
    missing: list[str] = []
    p = path
    while p not in ("", "/") and not exists(session, p):
        missing.append(p)
        p = posixpath.dirname(p)
    for d in reversed(missing):
        _guard(session, f"mkdir {d}", lambda d=d: session.sftp.mkdir(d))  # type: ignore[misc]
    return len(missing)


def send_file(src: SSHSession, dst: SSHSession, src_path: str, part_path: str, info: FileInfo) -> str:
    """Stream one file source -> target partial, hashing on the way; returns the streamed SHA-256."""
    h = hashlib.sha256()

    def transfer() -> None:
        with src.sftp.open(src_path, "rb") as fin, dst.sftp.open(part_path, "wb") as fout:
            fin.prefetch(info.size, max_concurrent_requests=PREFETCH_REQUESTS)
            fout.set_pipelined(True)
            while chunk := fin.read(CHUNK):
                h.update(chunk)
                fout.write(chunk)
        dst.sftp.chmod(part_path, stat.S_IMODE(info.mode))
        dst.sftp.utime(part_path, (info.atime, info.mtime))

    # Which side dropped decides the error; try the target first (it is the one written to).
    try:
        transfer()
    except (OSError, EOFError, paramiko.SSHException) as exc:
        for side in (dst, src):
            if not side.is_active():
                raise side.lost(exc) from None
        if isinstance(exc, EOFError | ConnectionError):
            raise dst.lost(exc) from None
        raise PlaybookError(f"copy {src_path} -> {dst.endpoint.label}:{part_path}: {exc}") from None
    return h.hexdigest()


class _Unsupported(Exception):
    """The host lacks a tool a fast path needs (GNU tar, sha256sum): use the slower portable path."""


class SourceStream:
    """Files of one source directory as a `tar` stream over an exec channel, read by its own thread.

    The reading thread fills a bounded queue, so receiving from the source overlaps with hashing
    and writing to the target here; a full queue stops reading and SSH flow control then pauses
    tar on the source. :meth:`members` yields each regular file with a reader of its bytes.
    """

    def __init__(self, session: SSHSession, root: str, rels: list[str]) -> None:
        self.session = session
        self.root = root
        self.rels = rels
        self.queue: queue.Queue[bytes | None] = queue.Queue(STREAM_QUEUE)
        self.stderr = bytearray()
        self.error: BaseException | None = None
        self.closed = threading.Event()
        self._buf = b""
        self._eof = False
        try:
            self.channel = session.transport.open_session(
                window_size=STREAM_WINDOW, max_packet_size=32 << 10, timeout=session.timeouts.auth
            )
            self.channel.settimeout(session.timeouts.command)
            # "./" keeps names starting with "-" from being options (tar < 1.29 has no
            # --verbatim-files-from); hard links are sent as data, never as link entries.
            self.channel.exec_command(
                "sh -c "
                + shlex.quote(
                    f"{TAR_PROBE} || exit 127; cd {shlex.quote(root)} && "
                    "exec tar -cf - --format=gnu --hard-dereference --no-recursion --null -T -"
                )
            )
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise session.lost(exc) from None
        self._reader = threading.Thread(target=self._read, name="copy-source", daemon=True)
        self._reader.start()
        self._sender = threading.Thread(target=self._send_names, name="copy-names", daemon=True)
        self._sender.start()

    def _send_names(self) -> None:
        # Its own thread: tar reads names as it goes, so a long list must not block the reader.
        try:
            for i in range(0, len(self.rels), 1024):
                self.channel.sendall(
                    b"".join(
                        b"./" + r.encode("utf-8", "surrogateescape") + b"\0" for r in self.rels[i : i + 1024]
                    )
                )
            self.channel.shutdown_write()
        except Exception as exc:  # noqa: BLE001 - reported through the reader's end of stream
            self.error = self.error or exc

    def _read(self) -> None:
        try:
            while not self.closed.is_set():
                data = self.channel.recv(CHUNK)
                while self.channel.recv_stderr_ready():
                    self.stderr += self.channel.recv_stderr(65536)
                if not data:
                    break
                while not self.closed.is_set():
                    try:
                        self.queue.put(data, timeout=0.2)
                        break
                    except queue.Full:
                        continue
        except Exception as exc:  # noqa: BLE001 - handed to the consuming thread
            self.error = exc
        finally:
            with contextlib.suppress(queue.Full):
                self.queue.put(None, timeout=1 if not self.closed.is_set() else 0)

    def read(self, n: int = -1) -> bytes:
        """File-like read for tarfile: up to *n* bytes of the stream, b"" at its end."""
        while not self._buf and not self._eof:
            try:
                chunk = self.queue.get(timeout=self.session.timeouts.command)
            except queue.Empty:
                limit = self.session.timeouts.command
                raise ConnectionLost(
                    f"{self.session.endpoint.label}: no data from tar within {limit:.0f}s"
                ) from None
            if chunk is None:
                self._eof = True
                if self.error is not None:
                    raise self.error
            else:
                self._buf = chunk
        if n < 0 or n >= len(self._buf):
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def members(self) -> Iterator[tuple[str, tarfile.TarInfo, Callable[[int], bytes]]]:
        """(relative path, header, read) of every member; raises for anything but regular files."""
        try:
            tf = tarfile.open(  # noqa: SIM115 - closed by the with below; open itself may fail
                fileobj=self, mode="r|", bufsize=CHUNK, encoding="utf-8", errors="surrogateescape"
            )  # type: ignore[call-overload]
        except tarfile.ReadError:
            self.finish()  # no archive at all: tar missing / failed; finish() says which
            raise PlaybookError(f"{self.session.endpoint.label}: tar produced no archive") from None
        with tf:
            for member in tf:
                rel = member.name[2:] if member.name.startswith("./") else member.name
                if not member.isreg():
                    raise PlaybookError(
                        f"{self.session.endpoint.label}:{self.root}/{rel} is no longer a regular file"
                    )
                fh = tf.extractfile(member)
                assert fh is not None
                yield rel, member, fh.read
            while self.read(CHUNK):  # tar pads its last record; drain it
                pass

    def finish(self) -> None:
        """Wait for tar's exit status; a missing GNU tar raises _Unsupported, other failures PlaybookError."""
        self._reader.join(self.session.timeouts.command)
        try:
            status = self.channel.recv_exit_status()
            while self.channel.recv_stderr_ready():
                self.stderr += self.channel.recv_stderr(65536)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise self.session.lost(exc) from None
        if status == 127:
            raise _Unsupported("no GNU tar on the source")
        if status == -1 or not self.session.is_active():
            raise ConnectionLost(f"{self.session.endpoint.label}: connection lost while tar ran")
        if status != 0:
            tail = self.stderr.decode("utf-8", "replace").strip()[-500:]
            raise PlaybookError(f"{self.session.endpoint.label}: tar exit {status} under {self.root}: {tail}")

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(Exception):
            self.channel.close()
        with contextlib.suppress(queue.Empty):
            while True:
                self.queue.get_nowait()


class TargetHasher:
    """SHA-256 of partial files on the target through one long-lived `xargs sha256sum` channel.

    Names go in NUL-terminated; each file's digest comes back as sha256sum wrote it after reading
    the file on the target. A sentinel closes every batch, so a file that cannot be read is simply
    absent from the answer (and therefore not verified) instead of stalling the copy.
    """

    def __init__(self, session: SSHSession, root: str) -> None:
        self.session = session
        self.root = root
        self.channel: paramiko.Channel | None = None
        self._out = b""
        if session.has_sha256sum is False:
            return
        try:
            ch = session.transport.open_session(timeout=session.timeouts.auth)
            ch.settimeout(session.timeouts.command)
            ch.exec_command(
                "sh -c "
                + shlex.quote(
                    f"command -v {session.sha256sum} >/dev/null 2>&1 || exit 127; cd {shlex.quote(root)} "
                    f"&& exec xargs -0 -n 1 {session.sha256sum} -z --"
                )
            )
            self.channel = ch
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise session.lost(exc) from None

    def hashes(self, rels: list[str], total_bytes: int) -> dict[str, str]:
        if self.channel is None:
            return remote_hashes(self.session, self.root, rels, total_bytes)
        ch = self.channel
        names = [*rels, HASH_SENTINEL]
        try:
            ch.settimeout(self.session.timeouts.command + total_bytes / HASH_RATE)
            ch.sendall(b"".join(n.encode("utf-8", "surrogateescape") + b"\0" for n in names))
            out: dict[str, str] = {}
            while True:
                while b"\0" not in self._out:
                    data = ch.recv(65536)
                    if not data:
                        status = ch.recv_exit_status()
                        if status in (126, 127):  # no sha256sum there: hash by streaming instead
                            self.channel = None
                            self.session.has_sha256sum = False
                            return remote_hashes(self.session, self.root, rels, total_bytes)
                        raise ConnectionLost(
                            f"{self.session.endpoint.label}: hashing channel closed ({status})"
                        )
                    self._out += data
                rec, self._out = self._out.split(b"\0", 1)
                if len(rec) > 66:
                    name = rec[66:].decode("utf-8", "surrogateescape")
                    if name == HASH_SENTINEL:
                        self.session.has_sha256sum = True
                        return out
                    out[name] = rec[:64].decode("ascii")
        except TimeoutError:
            raise CommandTimeout(
                f"{self.session.endpoint.label}: hashing {len(rels)} file(s) timed out"
            ) from None
        except (paramiko.SSHException, EOFError, OSError) as exc:
            if self.session.is_active() and ch.exit_status_ready() and ch.recv_exit_status() in (126, 127):
                self.channel = None  # it exited before we wrote: no sha256sum there
                self.session.has_sha256sum = False
                return remote_hashes(self.session, self.root, rels, total_bytes)
            raise self.session.lost(exc) from None

    def close(self) -> None:
        if self.channel is not None:
            with contextlib.suppress(Exception):
                self.channel.shutdown_write()
                self.channel.close()
            self.channel = None


def write_part(dst: SSHSession, part_path: str, info: FileInfo, read: Callable[[int], bytes]) -> str:
    """Write one file's bytes (from *read*) to the target partial with pipelined SFTP; returns its SHA-256."""
    h = hashlib.sha256()
    with dst.sftp.open(part_path, "wb") as fout:
        fout.set_pipelined(True)
        while chunk := read(CHUNK):
            h.update(chunk)
            fout.write(chunk)
        fout.chmod(stat.S_IMODE(info.mode))
        fout.utime((info.atime, info.mtime))
    return h.hexdigest()


FileRecorder = Callable[[int, str, str, int, str], None]  # (dir index, rel, sha256, size, outcome)


@dataclass
class DirPlan:
    """One data directory's copy: source root, target root, the manifest and what to send."""

    index: int
    source: str
    target: str
    tree: Tree
    hashes: dict[str, str]


def source_manifest(src: SSHSession, index: int, source: str, target: str) -> DirPlan:
    """List and hash a source data directory on the source host."""
    tree = walk(src, source)
    hashes = remote_hashes(src, source, sorted(tree.files), tree.bytes)
    missing = sorted(set(tree.files) - set(hashes))
    if missing:
        raise CommandFailed(
            f"{src.endpoint.label}: cannot read {len(missing)} file(s) under {source}: "
            f"{', '.join(missing[:5])}"
        )
    return DirPlan(index, source, target, tree, hashes)


def copy_dir(
    src: SSHSession,
    dst: SSHSession,
    plan: DirPlan,
    verified: dict[str, str],
    stats: CopyStats,
    record: FileRecorder,
    *,
    batch_files: int = 64,
    batch_bytes: int = 256 << 20,
    dry_run: bool = False,
    live: bool = False,
    on_verified: Callable[[int], None] | None = None,
) -> None:
    """Bring one target directory to the source's manifest; see the module docstring for the rules.

    *verified* maps "index:rel" to the SHA-256 the journal recorded. With *live* (the system was
    already cut over) nothing is written: any difference is an error, never an overwrite.
    """
    tree, i = plan.tree, plan.index
    stats.files += len(tree.files)
    # Files the journal vouches for are re-hashed on the target: a match is skipped, nothing else.
    vouched = sorted(r for r in tree.files if verified.get(f"{i}:{r}") == plan.hashes[r])
    if live:
        vouched = sorted(tree.files)
    now_hashes = (
        remote_hashes(dst, plan.target, vouched, sum(tree.files[r].size for r in vouched)) if vouched else {}
    )
    to_send: list[str] = []
    for rel in sorted(tree.files):
        if now_hashes.get(rel) == plan.hashes[rel]:
            stats.files_skipped += 1
            continue
        if f"{i}:{rel}" in verified:
            stats.files_resent += 1
            if not dry_run and not live:
                record(i, rel, plan.hashes[rel], tree.files[rel].size, "resend")
        to_send.append(rel)
    if live:
        if to_send:
            raise VerificationFailed(
                f"{dst.endpoint.label}:{plan.target}: {len(to_send)} file(s) differ from the source after "
                f"cut-over; refusing to overwrite live data: {', '.join(to_send[:5])}",
                to_send,
            )
        return
    if dry_run:
        stats.files_sent += len(to_send)  # would send
        stats.bytes_sent += sum(tree.files[r].size for r in to_send)
        return
    stats.dirs_created += makedirs(dst, plan.target)
    for d in tree.dirs:
        stats.dirs_created += makedirs(dst, posixpath.join(plan.target, d))
    batch: list[tuple[str, str]] = []  # (rel, streamed sha256)
    batch_size = 0
    if to_send:
        hasher = TargetHasher(dst, plan.target)
        committer = _Committer(dst, plan, hasher, record, on_verified)
        try:
            # closing(): a failure here must stop the source's tar at once, not at garbage collection.
            with contextlib.closing(_stream_files(src, dst, plan, to_send)) as files:
                for rel, streamed in files:
                    info = tree.files[rel]
                    stats.files_sent += 1
                    stats.bytes_sent += info.size
                    if streamed != plan.hashes[rel]:
                        raise VerificationFailed(
                            f"{src.endpoint.label}:{plan.source}/{rel} changed while it was copied "
                            f"(is the service really frozen?)",
                            [rel],
                        )
                    batch.append((rel, streamed))
                    batch_size += info.size
                    committer.check()
                    if len(batch) >= batch_files or batch_size >= batch_bytes:
                        committer.submit(batch)
                        batch, batch_size = [], 0
            if batch:
                committer.submit(batch)
            committer.wait()
        except BaseException:
            # The batch in flight finishes first: its journal records must match what happened.
            with contextlib.suppress(Exception):
                committer.wait()
            raise
        finally:
            committer.close()
            hasher.close()
    for rel, link in sorted(tree.links.items()):
        path = posixpath.join(plan.target, rel)
        try:
            if dst.sftp.readlink(path) == link:
                continue
        except OSError:
            pass
        if exists(dst, path):
            _guard(dst, f"remove {path}", lambda p=path: dst.sftp.remove(p))  # type: ignore[misc]
        _guard(dst, f"symlink {path}", lambda p=path, t=link: dst.sftp.symlink(t, p))  # type: ignore[misc]
        stats.links_created += 1


def _write(src: SSHSession, dst: SSHSession, part: str, info: FileInfo, read: Callable[[int], bytes]) -> str:
    """write_part, telling a dropped connection (which side?) apart from a file problem."""
    try:
        return write_part(dst, part, info, read)
    except SSHError:
        raise
    except (OSError, EOFError, paramiko.SSHException, tarfile.TarError) as exc:
        for side in (dst, src):
            if not side.is_active():
                raise side.lost(exc) from None
        if isinstance(exc, EOFError | ConnectionError):
            raise dst.lost(exc) from None
        if isinstance(exc, tarfile.TarError):  # the stream ended early: the source side gave up
            raise src.lost(exc) from None
        raise PlaybookError(f"copy -> {dst.endpoint.label}:{part}: {exc}") from None


def _stream_files(
    src: SSHSession, dst: SSHSession, plan: DirPlan, rels: list[str]
) -> Generator[tuple[str, str], None, None]:
    """Send *rels* to their partial names on the target; yield (rel, SHA-256 of the bytes sent)."""
    if not rels:
        return
    if src.has_gnu_tar is not False:
        stream = SourceStream(src, plan.source, rels)
        wanted, seen = set(rels), set()
        try:
            try:
                for rel, _member, read in stream.members():
                    if rel not in wanted or rel in seen:
                        raise PlaybookError(f"{src.endpoint.label}: tar sent an unexpected member {rel!r}")
                    seen.add(rel)
                    part = part_name(posixpath.join(plan.target, rel))
                    yield rel, _write(src, dst, part, plan.tree.files[rel], read)
                stream.finish()
            except _Unsupported:
                src.has_gnu_tar = False
            except tarfile.TarError as exc:
                raise (
                    src.lost(exc)
                    if not src.is_active()
                    else PlaybookError(f"{src.endpoint.label}: tar stream: {exc}")
                ) from None
            else:
                src.has_gnu_tar = True
                missing = [r for r in rels if r not in seen]
                if missing:
                    raise CommandFailed(
                        f"{src.endpoint.label}: tar did not send {len(missing)} file(s) under {plan.source}: "
                        f"{', '.join(missing[:5])}"
                    )
                return
        finally:
            stream.close()
    for rel in rels:  # portable path: SFTP reads, one file at a time
        final = posixpath.join(plan.target, rel)
        yield (
            rel,
            send_file(src, dst, posixpath.join(plan.source, rel), part_name(final), plan.tree.files[rel]),
        )


class _Committer:
    """Commits batches on a thread of its own, one at a time and in order, while the next one streams.

    At most one batch waits here, so the target holds at most two batches of unverified partials.
    It renames through its own SFTP channel, leaving the writer's channel to the writer.
    """

    def __init__(
        self,
        dst: SSHSession,
        plan: DirPlan,
        hasher: TargetHasher,
        record: FileRecorder,
        on_verified: Callable[[int], None] | None,
    ) -> None:
        self.dst, self.plan, self.hasher, self.record, self.on_verified = (
            dst,
            plan,
            hasher,
            record,
            on_verified,
        )
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="copy-commit")
        self.pending: Future[None] | None = None
        self.sftp: paramiko.SFTPClient | None = None

    def submit(self, batch: list[tuple[str, str]]) -> None:
        self.wait()
        self.pending = self.pool.submit(self._run, batch)

    def wait(self) -> None:
        """Block until the batch in flight is committed; re-raise its failure here."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def check(self) -> None:
        """Raise now if the batch in flight already failed (no need to stream further)."""
        if self.pending is not None and self.pending.done():
            self.wait()

    def _run(self, batch: list[tuple[str, str]]) -> None:
        if self.sftp is None:
            opened = _guard(
                self.dst, "open SFTP", lambda: paramiko.SFTPClient.from_transport(self.dst.transport)
            )
            if not isinstance(opened, paramiko.SFTPClient):
                raise ConnectionLost(f"{self.dst.endpoint.label}: cannot open an SFTP channel")
            opened.get_channel().settimeout(self.dst.timeouts.command)  # type: ignore[union-attr]
            self.sftp = opened
        _commit(self.dst, self.sftp, self.plan, batch, self.hasher, self.record, self.on_verified)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self.sftp is not None:
            with contextlib.suppress(Exception):
                self.sftp.close()


def _commit(
    dst: SSHSession,
    sftp: paramiko.SFTPClient,
    plan: DirPlan,
    batch: list[tuple[str, str]],
    hasher: TargetHasher,
    record: FileRecorder,
    on_verified: Callable[[int], None] | None,
) -> None:
    """Hash a batch of partial files on the target; rename and journal those that match."""
    parts = {part_name(rel): rel for rel, _ in batch}
    got = hasher.hashes(list(parts), sum(plan.tree.files[r].size for r, _ in batch))
    bad = [rel for part, rel in parts.items() if got.get(part) != plan.hashes[rel]]
    for rel, _streamed in batch:
        part = posixpath.join(plan.target, part_name(rel))
        if rel in bad:
            _guard(dst, f"remove {part}", lambda p=part: sftp.remove(p))  # type: ignore[misc]
            continue
        final = posixpath.join(plan.target, rel)
        _guard(dst, f"rename {part}", lambda p=part, f=final: sftp.posix_rename(p, f))  # type: ignore[misc]
        record(plan.index, rel, plan.hashes[rel], plan.tree.files[rel].size, "verified")
        if on_verified:
            on_verified(1)
    if bad:
        for rel in bad:
            record(plan.index, rel, plan.hashes[rel], plan.tree.files[rel].size, "mismatch")
        raise VerificationFailed(
            f"{dst.endpoint.label}:{plan.target}: {len(bad)} file(s) arrived corrupted "
            f"(SHA-256 differs from the source): {', '.join(bad[:5])}",
            bad,
        )


@dataclass
class VerifyReport:
    """Manifests of both ends of one data directory and how they differ."""

    source_digest: str
    target_digest: str
    files: int
    missing: list[str]
    extra: list[str]
    mismatched: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.mismatched)


def verify_dir(
    src: SSHSession, dst: SSHSession, index: int, source: str, target: str, plan: DirPlan | None = None
) -> VerifyReport:
    """Recompute the target's manifest from scratch and compare it with the source's (read-only).

    *plan* is the source manifest the copy step just computed on the frozen source; without it
    the source is hashed again.
    """
    plan = plan or source_manifest(src, index, source, target)
    if not exists(dst, target):
        return VerifyReport(
            manifest_digest(plan.hashes, plan.tree.links),
            "sha256:none",
            len(plan.hashes),
            sorted(plan.hashes),
            [],
            [],
        )
    ttree = walk(dst, target)
    thashes = remote_hashes(dst, target, sorted(ttree.files), ttree.bytes)
    missing = sorted((set(plan.hashes) - set(thashes)) | (set(plan.tree.links) - set(ttree.links)))
    extra = sorted(
        (set(thashes) - set(plan.hashes)) | set(ttree.parts) | (set(ttree.links) - set(plan.tree.links))
    )
    mismatched = sorted(
        [r for r in plan.hashes if r in thashes and thashes[r] != plan.hashes[r]]
        + [r for r in plan.tree.links if r in ttree.links and ttree.links[r] != plan.tree.links[r]]
    )
    return VerifyReport(
        manifest_digest(plan.hashes, plan.tree.links),
        manifest_digest(thashes, ttree.links),
        len(plan.hashes),
        missing,
        extra,
        mismatched,
    )
