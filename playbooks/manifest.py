"""Manifests of a data directory (MLPS-4): metadata of every entry and SHA-256 of every file.

Metadata comes from one GNU ``find -printf`` per directory (cheap: no file is read). Hashing is
incremental: a file is hashed again only when its (size, mtime, ctime, inode) differs from the
last verified pass, kept per host in a cache next to the journal. ctime cannot be set from user
space, so a rewrite that restores size and mtime is still caught. Comparing two manifests checks
content, type, mode, owner, group, mtime, symlink targets (relative and absolute, verbatim) and
hard-link groups. FIFOs, sockets and devices are listed as specials and reported: the target's
restricted rsync (``rrsync -wo``) refuses to create them inside a data root, so they are never
moved and never silently skipped either - the journal and the summary name each one.

A listing's digest (:func:`observe` computes it on the host, 64 bytes over the network) changes
whenever anything under the tree changes, ctime included: two equal digests taken at different
moments prove nothing was written in between. The cache keeps each tree's last digest and when
it was taken, and both ends' digests at the last verified pass (see playbooks.runner).
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundation.atomic import atomic_write_text
from playbooks.errors import CommandFailed
from playbooks.ssh import SSHSession

HASH_BATCH = 1000  # names per sha256sum call
HASH_RATE = 20e6  # bytes/s assumed for hash-command timeouts, deliberately slow
FIELDS = 11
ABSENT = "absent"  # the digest of a tree that does not exist
FIND_FORMAT = r"%y\0%P\0%s\0%T@\0%C@\0%i\0%m\0%U\0%G\0%n\0%l\0"
# sha256sum -z's output (hex, two spaces, name, NUL) from NUL-separated names on stdin; a file
# it cannot read is named on stderr and left out, as sha256sum does.
HASHER = """
import hashlib, os, sys
out, bad = sys.stdout.buffer, 0
for name in sys.stdin.buffer.read().split(b"\\0"):
    if not name:
        continue
    h = hashlib.sha256()
    try:
        with open(name, "rb", buffering=0) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        sys.stderr.write(f"{os.fsdecode(name)}: {e.strerror}\\n")
        bad = 1
        continue
    out.write(h.hexdigest().encode() + b"  " + name + b"\\0")
sys.exit(bad)
"""
SPECIAL_KINDS = {"p": "fifo", "s": "socket", "c": "character device", "b": "block device"}


@dataclass(frozen=True)
class Entry:
    """One entry of a tree as ``find`` printed it."""

    kind: str  # find's %y: f d l p s c b
    size: int
    mtime: str
    ctime: str
    ino: int
    mode: int
    uid: int
    gid: int
    nlink: int
    link: str

    @property
    def key(self) -> str:
        """What must be unchanged for a cached hash to stay valid."""
        return f"{self.size}:{self.mtime}:{self.ctime}:{self.ino}"


Listing = dict[str, Entry]


def _find(session: SSHSession, root: str, sudo: bool) -> str:
    return session.as_root(f"find {shlex.quote(root)} -mindepth 1 -printf '{FIND_FORMAT}'", sudo)


def list_tree(session: SSHSession, root: str, *, sudo: bool = False) -> Listing:
    """Every entry under *root*; {} when *root* is absent. *sudo*: find runs under `sudo -n`."""
    return list_tree_observed(session, root, sudo=sudo)[0]


def list_tree_observed(session: SSHSession, root: str, *, sudo: bool = False) -> tuple[Listing, str]:
    """:func:`list_tree` and the digest of what find printed (what :func:`observe` computes)."""
    r = shlex.quote(root)
    res = session.run(
        f"test -d {r} || exit 3; {_find(session, root, sudo)}",
        sudo_tools=sudo,
        timeout=session.timeouts.command,
    )
    if res.exit_status == 3:
        return {}, ABSENT
    if not res.ok:
        tail = res.stderr.decode("utf-8", "replace").strip()[-300:]
        raise CommandFailed(f"{session.endpoint.label}: cannot list {root}: {tail}", res.exit_status)
    parts = res.stdout.split(b"\0")
    out: Listing = {}
    for i in range(0, len(parts) - FIELDS + 1, FIELDS):
        f = [p.decode("utf-8", "surrogateescape") for p in parts[i : i + FIELDS]]
        out[f[1]] = Entry(
            f[0], int(f[2]), f[3], f[4], int(f[5]), int(f[6], 8), int(f[7]), int(f[8]), int(f[9]), f[10]
        )
    return out, hashlib.sha256(res.stdout).hexdigest()


def observe(session: SSHSession, root: str, *, sudo: bool = False) -> str:
    """The SHA-256 of *root*'s listing (every entry's metadata, ctime included), computed on the
    host: equal digests at two moments mean nothing under *root* changed in between (ctime
    cannot be set back from user space), and only 64 bytes cross the network."""
    r = shlex.quote(root)
    res = session.run(
        f"test -d {r} || {{ echo {ABSENT}; exit 0; }}; "
        "if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi; "
        f"{_find(session, root, sudo)} | sha256sum",
        sudo_tools=sudo,
        timeout=session.timeouts.command,
    )
    if not res.ok:
        tail = res.stderr.decode("utf-8", "replace").strip()[-300:]
        raise CommandFailed(f"{session.endpoint.label}: cannot list {root}: {tail}", res.exit_status)
    return res.text().split()[0]


def specials(listing: Listing) -> dict[str, str]:
    """FIFOs, sockets and devices: not created on the target (see module docstring), always reported."""
    return {rel: SPECIAL_KINDS[e.kind] for rel, e in sorted(listing.items()) if e.kind in SPECIAL_KINDS}


def hash_files(
    session: SSHSession, root: str, rels: Iterable[str], size: int, *, sudo: bool = False
) -> dict[str, str]:
    """SHA-256 of files under *root*, computed on the host; unreadable files are absent.

    Python's hashlib (OpenSSL, with the CPU's SHA instructions) hashes several times faster
    than coreutils' sha256sum, so it is used where the host has python3; under *sudo* only
    sha256sum runs as root (no interpreter under sudo: NOPASSWD for sha256sum suffices).
    """
    names = list(rels)
    out: dict[str, str] = {}
    prefix = root.rstrip("/") + "/"
    sha256sum = session.as_root("sha256sum -z --", sudo)
    command = f"xargs -0 -r {sha256sum}"
    if not sudo:
        command = (
            f"if command -v python3 >/dev/null 2>&1; then exec python3 -c {shlex.quote(HASHER)}; "
            f"else {command}; fi"
        )
    for i in range(0, len(names), HASH_BATCH):
        batch = names[i : i + HASH_BATCH]
        # Whole paths: a protected root cannot be entered (cd) by the unprivileged account.
        stdin = b"".join((prefix + n).encode("utf-8", "surrogateescape") + b"\0" for n in batch)
        res = session.run(
            command, sudo_tools=sudo, stdin=stdin, timeout=session.timeouts.command + size / HASH_RATE
        )
        for rec in res.stdout.split(b"\0"):
            if len(rec) > 66:  # "<64 hex><space><space or *><name>", unescaped with -z
                name = rec[66:].decode("utf-8", "surrogateescape")
                if name.startswith(prefix):
                    out[name[len(prefix) :]] = rec[:64].decode("ascii")
    return out


class HashCache:
    """Per host, directory and side: rel -> (stat key, SHA-256) of the last verified pass; and
    the last observation of each tree (its listing's digest and when it was taken), which the
    freeze's quiescence check compares against."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, dict[str, list[str]]] = {}
        self.observed: dict[str, tuple[str, float]] = {}
        self.verified: dict[str, tuple[str, str]] = {}  # pair/dir -> listing digests (source, target)
        if path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict) and isinstance(loaded.get("hashes"), dict):
                    self.data = loaded["hashes"]
                    self.observed = {
                        k: (str(v[0]), float(v[1])) for k, v in dict(loaded.get("observed") or {}).items()
                    }
                    self.verified = {
                        k: (str(v[0]), str(v[1])) for k, v in dict(loaded.get("verified") or {}).items()
                    }
                elif isinstance(loaded, dict):
                    self.data = loaded  # the first format: hashes only
            except (OSError, ValueError, TypeError, IndexError, json.JSONDecodeError):
                self.data, self.observed, self.verified = {}, {}, {}  # damaged: re-hashing, waiting

    def save(self) -> None:
        atomic_write_text(
            self.path,
            json.dumps(
                {
                    "hashes": self.data,
                    "observed": {k: list(v) for k, v in self.observed.items()},
                    "verified": {k: list(v) for k, v in self.verified.items()},
                },
                ensure_ascii=False,
            ),
        )

    def clear(self) -> None:
        self.data, self.observed, self.verified = {}, {}, {}
        self.path.unlink(missing_ok=True)

    def observe(self, scope: str, digest: str, at: float) -> None:
        """*scope*'s tree had listing *digest* at wall-clock time *at* (kept when it was the same
        before: the older observation is the longer proof that nothing changed)."""
        if self.observed.get(scope, ("", 0.0))[0] != digest:
            self.observed[scope] = (digest, at)

    def observation(self, scope: str) -> tuple[str, float] | None:
        return self.observed.get(scope)

    def refresh(
        self, scope: str, session: SSHSession, root: str, listing: Listing, *, sudo: bool = False
    ) -> tuple[dict[str, str], int, int]:
        """SHA-256 of every file of *listing*, hashing only what changed; (hashes, files, bytes hashed)."""
        cached = self.data.get(scope, {})
        files = {rel: e for rel, e in listing.items() if e.kind == "f"}
        stale = sorted(rel for rel, e in files.items() if cached.get(rel, ["", ""])[0] != e.key)
        size = sum(files[r].size for r in stale)
        fresh = hash_files(session, root, stale, size, sudo=sudo) if stale else {}
        unreadable = [r for r in stale if r not in fresh]
        if unreadable:
            raise CommandFailed(
                f"{session.endpoint.label}: cannot read {len(unreadable)} file(s) under {root} to hash them: "
                f"{', '.join(unreadable[:5])} (protected data needs `sudo: true`)"
            )
        entry: dict[str, list[str]] = {}
        hashes: dict[str, str] = {}
        for rel, e in files.items():
            sha = fresh.get(rel) or cached[rel][1]
            entry[rel] = [e.key, sha]
            hashes[rel] = sha
        self.data[scope] = entry
        return hashes, len(stale), size

    def forget(self, scope: str, rels: Iterable[str]) -> None:
        for rel in rels:
            self.data.get(scope, {}).pop(rel, None)


def digest(listing: Listing, hashes: dict[str, str]) -> str:
    """One checksum of a manifest: equal digests mean equal content, links and specials."""
    h = hashlib.sha256()
    for rel in sorted(listing):
        e = listing[rel]
        what = hashes.get(rel, "") if e.kind == "f" else (e.link if e.kind == "l" else "")
        h.update(f"{e.kind} {what} {rel}\n".encode("utf-8", "surrogateescape"))
    return "sha256:" + h.hexdigest()


def _groups(listing: Listing) -> dict[str, frozenset[str]]:
    by_ino: dict[int, set[str]] = {}
    for rel, e in listing.items():
        if e.kind == "f" and e.nlink > 1:
            by_ino.setdefault(e.ino, set()).add(rel)
    return {rel: frozenset(g) for g in by_ino.values() for rel in g}


def compare(
    source: Listing, source_hashes: dict[str, str], target: Listing, target_hashes: dict[str, str]
) -> list[str]:
    """Every way the target differs from the source (empty: identical for MLPS-4)."""
    bad: list[str] = []
    for rel in sorted(set(source) - set(target)):
        if source[rel].kind not in SPECIAL_KINDS:  # specials are reported, not moved
            bad.append(f"{rel} (missing)")
    for rel in sorted(set(target) - set(source)):
        bad.append(f"{rel} (unexpected)")
    sg, tg = _groups(source), _groups(target)
    for rel in sorted(set(source) & set(target)):
        s, t = source[rel], target[rel]
        if s.kind != t.kind:
            bad.append(f"{rel} (type {s.kind} became {t.kind})")
            continue
        if s.kind == "f" and source_hashes.get(rel) != target_hashes.get(rel):
            bad.append(f"{rel} (checksum differs)")
        if s.kind == "l" and s.link != t.link:
            bad.append(f"{rel} (symlink points to {t.link!r}, not {s.link!r})")
        if s.kind != "l" and s.mode != t.mode:
            bad.append(f"{rel} (mode {t.mode:o}, not {s.mode:o})")
        if (s.uid, s.gid) != (t.uid, t.gid):
            bad.append(f"{rel} (owner {t.uid}:{t.gid}, not {s.uid}:{s.gid})")
        if s.kind == "f" and s.mtime.split(".")[0] != t.mtime.split(".")[0]:
            bad.append(f"{rel} (mtime differs)")
        if s.kind == "f" and sg.get(rel, frozenset({rel})) != tg.get(rel, frozenset({rel})):
            bad.append(f"{rel} (hard links differ)")
    return bad


def summary(listing: Listing) -> dict[str, Any]:
    files = [e for e in listing.values() if e.kind == "f"]
    return {"files": len(files), "bytes": sum(e.size for e in files), "entries": len(listing)}
