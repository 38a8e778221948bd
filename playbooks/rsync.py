"""rsync as the data mover: source -> target directly, orchestrated over paramiko.

The controller never carries the data and never forwards the operator's agent. For each run it
makes a key pair of its own: the public half goes into the target's authorized_keys restricted
to this source address and to ``rrsync -wo <data root>`` (write-only rsync inside the system's
data root, nothing else), the private half into a 0600 file in a private directory on the
source together with a known_hosts line holding the target key the controller itself verified.
Both are removed when the link closes; a killed run's leftovers are removed by the next run.

The transfer keeps everything a system needs (``-aHAX --numeric-ids --sparse``: owners, modes,
ACLs, xattrs, hard links, sparse files, symlinks verbatim, FIFOs and devices as root), sends
deltas (``--no-whole-file``), keeps interrupted files (``--partial``) so a re-run goes on inside
them, honours a bandwidth limit and deletes only inside the target data directory.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import shlex
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import paramiko

from playbooks.errors import CommandFailed, ConnectionLost, PlaybookError
from playbooks.model import DataDir, HostPair
from playbooks.ssh import CommandResult, SSHSession

ARCHIVE = ("-aHAX", "--numeric-ids")  # plus --sparse when the tree holds a sparse file (SPARSE_PROBE)
# rsync's --sparse doubles the receiver's work on ordinary data (local copy of 512 MiB: 0.52 s
# of CPU against 0.14 s), so each pass first looks for a file with fewer blocks than bytes
# (find's %S < 1: a hole) and asks for it only then; sparse files still land sparse.
SPARSE_PROBE = "awk '$1 < 1 {f = 1; exit} END {exit !f}'"
# --partial, not --partial-dir: the target's rrsync pins a partial directory to a path the
# receiver cannot save into, so an interrupted file would be lost. A partial file under its
# final name is harmless: nothing is trusted before the SHA-256 manifests agree.
# --itemize-changes on every pass: a final pass that lists no item found the target equal to the
# frozen source in everything rsync compares (content, owners, modes, times, ACLs, xattrs), which
# is what verification's dry run would ask again (playbooks.runner.SystemRun.verify).
OPTIONS = (*ARCHIVE, "--no-whole-file", "--partial", "--delete", "--stats", "--itemize-changes")
# An itemized line: an 11-character change summary, e.g. ">f.st......" or ".d..t......" (written
# without an interval, which not every awk knows: the same pattern serves Python and awk).
ITEM_PATTERN = "^[<>ch.*][fdLDS]" + "[^ ]" * 9 + " "
ITEM = re.compile(ITEM_PATTERN)
# A real pass's items are counted on the host, not carried back: the first pass of a large tree
# itemizes every entry. rsync's exit status follows as a line of its own (the pipe hides it).
EXIT_LINE = "govcloud-rsync-exit"
COUNT_ITEMS = (
    f"awk '/{ITEM_PATTERN}/ || /^\\*deleting/ {{n++; next}} {{print}} END {{print \"Itemized: \" n+0}}'"
)
KEY_TAG = "govcloud-run"  # comment of per-run keys in authorized_keys: <tag>:<system>:<run>
VANISHED = 24  # rsync: source files vanished during transfer (normal while the source is live)
# AES-GCM first: with the AES instructions of server CPUs, ssh spends about 40 % less CPU per
# byte than with OpenSSH's default chacha20-poly1305 (both ends, 1 GiB: 2.7-3.1 s against
# 4.7-4.9 s), and a copy on a fast link is bound by that CPU. The rest stay as fallbacks.
CIPHERS = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr"
SSH_OPTIONS = (
    f"-F /dev/null -o Ciphers={CIPHERS} -o Compression=no "
    "-o IdentitiesOnly=yes -o IdentityAgent=none -o ForwardAgent=no -o ClearAllForwardings=yes "
    "-o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes "
    "-o ServerAliveInterval=15 -o ServerAliveCountMax=4"
)
_STAT = {
    "files_sent": re.compile(r"Number of regular files transferred: ([\d,]+)"),
    "total_size": re.compile(r"Total file size: ([\d,]+)"),
    "transferred_size": re.compile(r"Total transferred file size: ([\d,]+)"),
    "literal": re.compile(r"Literal data: ([\d,]+)"),
    "matched": re.compile(r"Matched data: ([\d,]+)"),
    "bytes_sent": re.compile(r"Total bytes sent: ([\d,]+)"),
}


@dataclass
class PassStats:
    """What one rsync pass over one directory did."""

    files_sent: int = 0
    total_size: int = 0
    transferred_size: int = 0
    literal: int = 0  # bytes sent as data (the rest matched blocks already on the target)
    matched: int = 0
    bytes_sent: int = 0  # on the wire, source -> target
    seconds: float = 0.0
    items: int = 0  # entries rsync changed (created, updated, attributes set, deleted)

    def add(self, other: PassStats) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def bwlimit_kib(mbps: float) -> int:
    """rsync's --bwlimit (KiB/s) for a bandwidth in Mb/s (the policy's unit); 0 means no limit."""
    return 0 if mbps <= 0 else max(1, round(mbps * 1e6 / 8 / 1024))


def parse_stats(text: str) -> PassStats:
    st = PassStats()
    for name, pattern in _STAT.items():
        m = pattern.search(text)
        if m:
            setattr(st, name, int(m.group(1).replace(",", "")))
    m = re.search(r"^Itemized: (\d+)$", text, re.M)
    st.items = int(m.group(1)) if m else len(itemized(text))
    return st


def itemized(text: str) -> list[str]:
    """The entries rsync's --itemize-changes output says were (or, in a dry run, would be) changed."""
    return [line for line in text.splitlines() if ITEM.match(line) or line.startswith("*deleting")]


def _key_comment(system: str, run_id: str) -> str:
    return f"{KEY_TAG}:{system}:{run_id}"


def _remove_keys_script(pair: HostPair, system: str) -> str:
    ak = shlex.quote(pair.authorized_keys)
    tag = re.escape(f"{KEY_TAG}:{system}:").replace("/", r"\/")
    return f"{{ test ! -f {ak} || sed -i '/ {tag}[0-9a-f]*$/d' {ak}; }}"


def remove_run_keys(target: SSHSession, pair: HostPair, system: str) -> None:
    """Take every per-run key of *system* out of the target's authorized_keys (idempotent)."""
    target.run(_remove_keys_script(pair, system), sudo=pair.target_sudo, check=True)


class RsyncLink:
    """A per-run key from a pair's source to its target, and rsync passes over it."""

    def __init__(
        self, source: SSHSession, target: SSHSession, pair: HostPair, system: str, run_id: str
    ) -> None:
        self.source, self.target, self.pair = source, target, pair
        self.system, self.run_id = system, run_id
        self.workdir: str | None = None

    def open(self) -> RsyncLink:
        """Install the per-run key: one command on the target, one on the source."""
        pair = self.pair
        key = paramiko.ECDSAKey.generate(bits=256)
        private = io.StringIO()
        key.write_private_key(private)
        forced = f"rrsync -wo {shlex.quote(pair.data_root)}"
        if pair.target_sudo:
            forced = f"sudo -n {forced}"
        line = (
            f'restrict,from="{pair.source.address}",command="{forced}" '
            f"{key.get_name()} {key.get_base64()} {_key_comment(self.system, self.run_id)}\n"
        )
        ak = shlex.quote(pair.authorized_keys)
        # The target key the controller verified is the only one the source will accept.
        served = self.target.transport.get_remote_server_key()
        address = pair.rsync_address or pair.target.address
        name = address if pair.target.port == 22 else f"[{address}]:{pair.target.port}"
        known = shlex.quote(f"{name} {served.get_name()} {served.get_base64()}")

        def install() -> None:
            self.target.run(
                f"{_remove_keys_script(pair, self.system)} && mkdir -p {shlex.quote(pair.data_root)} "
                f'&& mkdir -p "$(dirname {ak})" && umask 077 && cat >> {ak}',
                sudo=pair.target_sudo,
                stdin=line.encode(),
                check=True,
            )

        def private_half() -> str:
            # The private key travels on stdin: never on a command line, never in a log. It is
            # the SSH account's file even when rsync runs as root (root's ssh reads it).
            return (
                self.source.run(
                    'umask 077 && d=$(mktemp -d -t govcloud-rsync.XXXXXXXX) && cat > "$d/key" '
                    f'&& printf \'%s\\n\' {known} > "$d/known_hosts" && echo "$d"',
                    stdin=private.getvalue().encode(),
                    check=True,
                )
                .text()
                .strip()
            )

        with ThreadPoolExecutor(2, thread_name_prefix="rsync-key") as pool:  # both hosts at once
            installed, made = pool.submit(install), pool.submit(private_half)
            self.workdir = made.result()
            installed.result()
        return self

    def close(self) -> None:
        def unkey() -> None:
            with contextlib.suppress(PlaybookError):
                remove_run_keys(self.target, self.pair, self.system)

        def clean(workdir: str) -> None:
            with contextlib.suppress(PlaybookError):
                self.source.run(f"rm -rf -- {shlex.quote(workdir)}")

        with ThreadPoolExecutor(2, thread_name_prefix="rsync-key") as pool:
            pool.submit(unkey)
            if self.workdir:
                pool.submit(clean, self.workdir)
        self.workdir = None

    def __enter__(self) -> RsyncLink:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, d: DataDir, *, bwlimit_kbps: int | None = None, dry_run: bool = False) -> str:
        """The rsync command line the source runs for data directory *d* (no secret in it)."""
        assert self.workdir is not None, "open() first"
        pair = self.pair
        rel = posixpath.relpath(d.target, pair.data_root)
        if rel.startswith(".."):
            raise PlaybookError(f"{d.target} is outside the data root {pair.data_root}")
        ssh = (
            f"ssh -i {self.workdir}/key -p {pair.target.port} -o "
            f"UserKnownHostsFile={self.workdir}/known_hosts "
            f"{SSH_OPTIONS}"
        )
        opts = list(OPTIONS)
        if bwlimit_kbps:
            opts.append(f"--bwlimit={int(bwlimit_kbps)}")
        if dry_run:
            opts.append("--dry-run")
        address = pair.rsync_address or pair.target.address
        dest = f"{pair.target.user}@{address}:{rel.rstrip('/')}/"
        src = shlex.quote(d.source.rstrip("/") + "/")
        rsync = " ".join(["rsync", *opts, "$sparse", "-e", shlex.quote(ssh), "--", src, shlex.quote(dest)])
        # Under sudo only find and rsync themselves run as root: no shell under sudo.
        probe = self.source.as_root(f"find {src} -type f -printf '%S\\n'", pair.sudo)
        command = (
            f"if {probe} 2>/dev/null | {SPARSE_PROBE}; then sparse=--sparse; else sparse=; fi; "
            + self.source.as_root(rsync, pair.sudo)
        )
        if dry_run:
            return command
        return f'{{ {command}; echo "{EXIT_LINE} $?"; }} | {COUNT_ITEMS}'

    @staticmethod
    def _exit_status(res: CommandResult) -> int:
        """rsync's own exit status (a pass's command pipes rsync through COUNT_ITEMS)."""
        m = re.search(rf"^{EXIT_LINE} (\d+)$", res.text(), re.M)
        return int(m.group(1)) if m else (res.exit_status or 255)

    def run(
        self, d: DataDir, *, live: bool, bwlimit_kbps: int | None = None, timeout: float = 86400
    ) -> PassStats:
        """One pass over *d*; *live*: the source still changes (vanished files are fine)."""
        started = time.monotonic()
        res = self.source.run(
            self.command(d, bwlimit_kbps=bwlimit_kbps), sudo_tools=self.pair.sudo, timeout=timeout
        )
        err = res.stderr.decode("utf-8", "replace").strip()
        status = self._exit_status(res)
        if status >= 128 or status in (20, 255):
            raise ConnectionLost(
                f"{self.source.endpoint.label}: rsync of {d.source} was interrupted (exit {status}); "
                f"re-run to resume inside the partial files: {err[-300:]}"
            )
        if status != 0 and not (live and status == VANISHED):
            raise CommandFailed(
                f"{self.source.endpoint.label}: rsync {d.source} -> {self.target.endpoint.label}:{d.target} "
                f"exit {status}: {err[-500:]}",
                status,
            )
        stats = parse_stats(res.text())
        stats.seconds = time.monotonic() - started
        return stats

    def differences(self, d: DataDir) -> list[str]:
        """Items rsync would still change (itemized dry run: ACLs, xattrs, owners, times ...)."""
        res = self.source.run(self.command(d, dry_run=True), sudo_tools=self.pair.sudo)
        if not res.ok:
            raise CommandFailed(
                f"{self.source.endpoint.label}: rsync --dry-run of {d.source} exit {res.exit_status}: "
                f"{res.stderr.decode('utf-8', 'replace').strip()[-300:]}",
                res.exit_status,
            )
        return itemized(res.text())
