"""Data copy that loses nothing (MLPS-4): SFTP from source to target through this machine.

Each file is hashed three times: on the source (``sha256sum`` over SSH, the manifest), while
streaming (locally), and on the target (``sha256sum`` of the partial file). It is written under
a temporary name and renamed into place only when all three agree, and only then journalled as
verified. A resumed copy skips a file only when the journal says it was verified *and* the
target's file still hashes to the source's checksum; sizes are never trusted.
"""

from __future__ import annotations

import hashlib
import posixpath
import shlex
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import paramiko

from playbooks.errors import CommandFailed, ConnectionLost, PlaybookError, SSHError, VerificationFailed
from playbooks.ssh import SSHSession

PART_SUFFIX = ".govcloud-part"
CHUNK = 1 << 20
HASH_BATCH = 1000  # file names per sha256sum call (keeps stdin/stdout inside SSH windows)
HASH_RATE = 20e6  # bytes/s assumed for hash-command timeouts, deliberately slow


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
                fh.prefetch()
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
            fin.prefetch(info.size)
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
    for n, rel in enumerate(to_send, 1):
        info = tree.files[rel]
        final = posixpath.join(plan.target, rel)
        streamed = send_file(src, dst, posixpath.join(plan.source, rel), part_name(final), info)
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
        if len(batch) >= batch_files or batch_size >= batch_bytes or n == len(to_send):
            _commit(dst, plan, batch, stats, record, on_verified)
            batch, batch_size = [], 0
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


def _commit(
    dst: SSHSession,
    plan: DirPlan,
    batch: list[tuple[str, str]],
    stats: CopyStats,
    record: FileRecorder,
    on_verified: Callable[[int], None] | None,
) -> None:
    """Hash a batch of partial files on the target; rename and journal those that match."""
    parts = {part_name(rel): rel for rel, _ in batch}
    got = remote_hashes(dst, plan.target, list(parts), sum(plan.tree.files[r].size for r, _ in batch))
    bad = [rel for part, rel in parts.items() if got.get(part) != plan.hashes[rel]]
    for rel, _streamed in batch:
        part = posixpath.join(plan.target, part_name(rel))
        if rel in bad:
            _guard(dst, f"remove {part}", lambda p=part: dst.sftp.remove(p))  # type: ignore[misc]
            continue
        final = posixpath.join(plan.target, rel)
        _guard(dst, f"rename {part}", lambda p=part, f=final: dst.sftp.posix_rename(p, f))  # type: ignore[misc]
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
