"""A private OpenSSH sshd on loopback: for the test suite, the benchmark and demos.

Runs as the current user on a free high port with its own ed25519 host key, PidFile, logs and
authorized_keys, all under one directory; the system's own sshd is never touched. When the
current user is root, ``PermitRootLogin prohibit-password`` (key only) lets that user in.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = "ssh-keygen"
PRIVSEP_DIR = Path("/run/sshd")
SFTP_SERVER = "internal-sftp"


class SSHDUnavailable(RuntimeError):
    """This machine cannot run a private sshd (the message says why and how to fix it)."""


def require_sshd() -> None:
    """Raise SSHDUnavailable with a clear reason when sshd cannot be started here."""
    if not SSHD.is_file() or not os.access(SSHD, os.X_OK):
        raise SSHDUnavailable(
            f"{SSHD} not found: install Debian package openssh-server (scripts/install-test-deps.sh does)"
        )
    if not PRIVSEP_DIR.is_dir():
        try:
            PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
        except OSError as exc:
            raise SSHDUnavailable(
                f"sshd needs its privilege-separation directory {PRIVSEP_DIR} and it "
                f"cannot be created ({exc}); create it as root"
            ) from None


def keygen(path: Path, comment: str = "govcloud-test") -> Path:
    """A new ed25519 key pair without passphrase at *path* (+ .pub)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalSSHD:
    """One private sshd: its port, directory, host key and process."""

    name: str
    base: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    address: str = "127.0.0.1"
    other_users: tuple[str, ...] = ()  # further accounts allowed in (with the same authorized_keys)

    @property
    def host_key(self) -> Path:
        return self.base / "ssh_host_ed25519_key"

    @property
    def authorized_keys(self) -> Path:
        return self.base / "authorized_keys"

    @property
    def root(self) -> Path:
        """The host's 'filesystem': directories the tests use as data dirs and targets."""
        return self.base / "fs"

    @property
    def log(self) -> Path:
        return self.base / "sshd.log"

    @property
    def user(self) -> str:
        return getpass.getuser()

    def known_hosts_line(self) -> str:
        """The line a known_hosts file needs for this host."""
        kind, key = self.host_key.with_suffix(".pub").read_text().split()[:2]
        return f"[{self.address}]:{self.port} {kind} {key}\n"

    def authorize(self, public_key: Path) -> None:
        with self.authorized_keys.open("a") as fh:
            fh.write(public_key.read_text())

    def config(self) -> str:
        lines = [
            f"Port {self.port}",
            f"ListenAddress {self.address}",
            f"HostKey {self.host_key}",
            f"PidFile {self.base / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.authorized_keys}",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            f"AllowUsers {' '.join((self.user, *self.other_users))}",
            f"Subsystem sftp {SFTP_SERVER}",
            "LogLevel VERBOSE",
            "MaxStartups 100:30:200",
            "MaxSessions 64",
            "ClientAliveInterval 30",
            "PrintMotd no",
            "UseDNS no",
        ]
        if os.geteuid() == 0:
            lines.append("PermitRootLogin prohibit-password")
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> LocalSSHD:
        require_sshd()
        self.base.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(exist_ok=True)
        if not self.host_key.exists():
            keygen(self.host_key, f"{self.name}-host")
        self.authorized_keys.touch()
        last = ""
        for _ in range(5):  # the free port can be taken between probing and binding
            self.port = free_port()
            cfg = self.base / "sshd_config"
            cfg.write_text(self.config())
            check = subprocess.run([str(SSHD), "-t", "-f", str(cfg)], capture_output=True, text=True)
            if check.returncode != 0:
                raise SSHDUnavailable(f"sshd rejects its test config: {check.stderr.strip()}")
            self.process = subprocess.Popen(
                [str(SSHD), "-D", "-f", str(cfg), "-E", str(self.log)],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.process.poll() is None:
                with contextlib.suppress(OSError), socket.create_connection((self.address, self.port), 0.2):
                    return self
                time.sleep(0.05)
            last = self.log.read_text(errors="replace")[-500:] if self.log.exists() else ""
            self.stop()
        raise SSHDUnavailable(f"sshd {self.name} did not start: {last}")

    def children(self) -> list[int]:
        """Pids of the per-connection sshd processes (all descendants of the listener)."""
        if self.process is None:
            return []
        parents: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                parents.setdefault(ppid, []).append(int(entry.name))
        out, todo = [], [self.process.pid]
        while todo:
            for child in parents.get(todo.pop(), []):
                out.append(child)
                todo.append(child)
        return out

    def kill_connections(self) -> int:
        """SIGKILL every live connection's sshd processes (the listener keeps running)."""
        pids = self.children()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill_connections()
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
