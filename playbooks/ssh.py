"""SSH executor (paramiko): strict host keys, key/agent auth, timeouts, keepalives, bounded retries.

Host keys are checked against the operator's known_hosts file (``--known-hosts`` or
``~/.ssh/known_hosts``; never a file named by the inventory) with a reject policy: an unknown
host and a changed key are refused with distinct errors and the file is never written. A host
the operator's stack outputs publish keys for is pinned to them instead: it is accepted only when
its key's SHA-256 fingerprint is one of them, and known_hosts is not consulted for it (the stack
program generated the key before the instance existed; a reused address's stale entry must
neither admit nor refuse it). Environment values (secrets) travel on standard
input, never on the remote command line, where ``ps`` and sudo's log would show them. Only refused or
reset connections are retried (with jittered backoff); authentication and host-key failures
never are, so a wrong key cannot lock an account and an impostor gets one look only.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import random
import secrets
import shlex
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from playbooks.errors import (
    AuthenticationFailed,
    ChangedHostKey,
    CommandFailed,
    CommandTimeout,
    ConnectFailed,
    ConnectionLost,
    SSHError,
    SudoPasswordRequired,
    UnknownHostKey,
)

log = logging.getLogger("playbooks.ssh")

DEFAULT_KNOWN_HOSTS = Path("~/.ssh/known_hosts")
SFTP_WINDOW = 64 << 20
SFTP_PACKET = 32 << 10
MAX_SHELLS = 4  # long-lived shells per session; busier moments open a session per command
# What sudo -n prints when the account would have to type a password.
SUDO_PASSWORD_MARKERS = ("a password is required", "a terminal is required", "password is required")


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for each phase of talking to a host."""

    connect: float = 10.0
    banner: float = 15.0
    auth: float = 15.0
    command: float = 300.0
    keepalive: int = 15  # interval of SSH keepalive packets; 0 disables


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter, for refused/reset connections only."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        """Sleep before attempt number *attempt* (2, 3, ...)."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 2)))


@dataclass(frozen=True)
class Credentials:
    """How we authenticate: a private key file and/or the ssh-agent."""

    identity: str | None = None
    allow_agent: bool = True
    look_for_keys: bool = False


@dataclass(frozen=True)
class Endpoint:
    """One SSH host as the executor sees it."""

    address: str
    port: int = 22
    user: str = "migrate"
    # SHA256:... fingerprints the operator's stack outputs published for this host.
    fingerprints: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.user}@{self.address}:{self.port}"

    @property
    def known_hosts_name(self) -> str:
        """How known_hosts names this host (bracketed with the port unless it is 22)."""
        return self.address if self.port == 22 else f"[{self.address}]:{self.port}"


@dataclass
class CommandResult:
    """Outcome of one remote command."""

    exit_status: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


@dataclass
class ConnectStats:
    """Counters a caller (or a test) can read: how often we tried to connect."""

    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self) -> None:
        with self.lock:
            self.attempts += 1


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256:base64 fingerprint of a host key (what ``ssh-keygen -l`` prints)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


class _StrictPolicy(paramiko.MissingHostKeyPolicy):
    """Refuse unknown hosts with our own error type; never add them to known_hosts."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise UnknownHostKey(
            f"host key of {hostname} is not in known_hosts ({key.get_name()} "
            f"{fingerprint(key)}); verify it out of band and add it yourself - nothing was written"
        )


class _PinnedPolicy(paramiko.MissingHostKeyPolicy):
    """A host pinned by the stack outputs: exactly its published keys pass (no known_hosts is
    loaded for it, so paramiko asks this policy about every key); nothing is written anywhere."""

    def __init__(self, fingerprints: tuple[str, ...]) -> None:
        self.fingerprints = frozenset(fingerprints)

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        if fingerprint(key) in self.fingerprints:
            return
        raise ChangedHostKey(
            f"HOST KEY MISMATCH: the stack outputs pin {hostname} to {', '.join(sorted(self.fingerprints))} "
            f"but the host presented {key.get_name()} {fingerprint(key)}; refusing to connect "
            f"(possible impersonation)"
        )


def _is_retriable(exc: BaseException) -> bool:
    """Refused or reset connections are worth another try; nothing else is."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError | ConnectionResetError):
            return True
        if isinstance(seen, paramiko.SSHException) and "reset by peer" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _ShellDied(Exception):
    """The long-lived shell ended (its channel closed) in the middle of a request."""


class RemoteShell:
    """One long-lived ``sh`` on a host, fed one framed request at a time on its standard input.

    A new SSH session costs the server a fork, the account's login shell and its start-up files
    (on a busy machine 0.1-0.3 s each); a request to a shell that is already running costs a few
    forks. Each request writes its command to a file in the shell's private 0700 directory (a
    quoted here-document with a random delimiter, so no text of the command is ever parsed by
    this shell), runs it with ``sh`` in a fresh process with its own standard input (base64 in a
    here-document, decoded into a pipe; dash keeps a here-document in a pipe too, bash may spool
    it to a private temporary file), standard output and error going to files, then prints
    a header line (the request's random token, exit status and both lengths) and the two
    outputs. Environment values are exported in a subshell on this shell's standard input, as
    ``sh -s`` received them before: never on a command line, never on disk. The directory is
    removed when the shell exits (its standard input closed, or a signal).
    """

    def __init__(self, session: SSHSession) -> None:
        self.session = session
        self.buf = bytearray()
        self.channel = session.transport.open_session(timeout=session.timeouts.auth)
        try:
            self.channel.exec_command("exec sh -s")
            token = secrets.token_hex(16)
            self.channel.sendall(
                (
                    "D=$(umask 077 && mktemp -d -t govcloud-sh.XXXXXXXX) || exit 1\n"
                    """trap 'rm -rf -- "$D"' EXIT\n"""
                    "trap 'exit 1' HUP INT TERM PIPE\n"
                    f"printf '\\n%s 0 0 0\\n' {token}\n"
                ).encode()
            )
            self._header(token, time.monotonic() + session.timeouts.auth)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.channel.close()

    def request(
        self,
        command: str,
        *,
        sudo_command: str | None,
        env: Mapping[str, str] | None,
        stdin: bytes | None,
        deadline: float,
    ) -> CommandResult:
        token = secrets.token_hex(16)
        end = f"GOVCLOUD_{token}"
        text = command if command.endswith("\n") else command + "\n"
        run = 'sh "$D/c"' if sudo_command is None else f'{sudo_command} -n -- sh -c "$(cat "$D/c")"'
        if env:
            exports = " ".join(f"export {k}={shlex.quote(v)};" for k, v in env.items())
            run = f"( {exports} exec {run} )"
        lines = [f"cat > \"$D/c\" <<'{end}'", text.rstrip("\n"), end]
        out = '>"$D/o" 2>"$D/e"'
        if stdin:
            lines += [
                f"base64 -d <<'{end}' | {run} {out}",
                base64.encodebytes(stdin).decode().rstrip("\n"),
                end,
            ]
        else:
            lines.append(f"{run} </dev/null {out}")
        lines += [
            'rc=$?; rm -f -- "$D/c"',
            f'printf \'\\n%s %s %s %s\\n\' {token} "$rc" "$(wc -c <"$D/o")" "$(wc -c <"$D/e")"',
            'cat -- "$D/o" "$D/e"; rm -f -- "$D/o" "$D/e"',
        ]
        self.channel.sendall(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
        status, n_out, n_err = self._header(token, deadline)
        body = self._take(n_out + n_err, deadline)
        return CommandResult(status, body[:n_out], body[n_out:])

    def _header(self, token: str, deadline: float) -> tuple[int, int, int]:
        marker = f"\n{token} ".encode()
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                j = self.buf.find(b"\n", i + len(marker))
                if j >= 0:
                    fields = bytes(self.buf[i + len(marker) : j]).split()
                    del self.buf[: j + 1]
                    status, n_out, n_err = (int(x) for x in fields)
                    return status, n_out, n_err
            self._fill(deadline)

    def _take(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            self._fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _fill(self, deadline: float) -> None:
        while self.channel.recv_stderr_ready():  # the shell's own complaints: read, never block on them
            self.channel.recv_stderr(65536)
        left = deadline - time.monotonic()
        if left <= 0:
            raise CommandTimeout("request timed out")
        self.channel.settimeout(min(left, 0.25))
        try:
            chunk = self.channel.recv(1 << 20)
        except TimeoutError:
            return
        if not chunk:
            raise _ShellDied("the shell's channel closed")
        self.buf += chunk


class SSHSession:
    """A live, verified SSH connection to one host: run commands, open SFTP."""

    def __init__(
        self, endpoint: Endpoint, client: paramiko.SSHClient, timeouts: Timeouts, sudo_command: str = "sudo"
    ) -> None:
        self.endpoint = endpoint
        self.client = client
        self.timeouts = timeouts
        self.sudo_command = sudo_command
        self._sftp: paramiko.SFTPClient | None = None
        self.sha256sum = "sha256sum"
        self.reuse_shell = True  # requests go to long-lived shells (RemoteShell), not new sessions
        self._shells: list[RemoteShell] = []  # idle
        self._live_shells = 0  # idle or busy; at most MAX_SHELLS (sshd's MaxSessions is 10 by default)
        self._shells_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    @property
    def transport(self) -> paramiko.Transport:
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            raise ConnectionLost(f"{self.endpoint.label}: connection is closed")
        return transport

    def is_active(self) -> bool:
        transport = self.client.get_transport()
        return transport is not None and transport.is_active()

    def close(self) -> None:
        with self._shells_lock:
            shells, self._shells = self._shells, []
        for shell in shells:
            shell.close()
        with contextlib.suppress(Exception):
            if self._sftp is not None:
                self._sftp.close()
        with contextlib.suppress(Exception):
            self.client.close()

    def __enter__(self) -> SSHSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lost(self, exc: BaseException) -> SSHError:
        """Map a low-level failure to ConnectionLost when the transport is gone."""
        if isinstance(exc, SSHError):
            return exc
        return ConnectionLost(f"{self.endpoint.label}: connection lost: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ commands

    def run(
        self,
        command: str,
        *,
        sudo: bool = False,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: bool = False,
        stdin: bytes | None = None,
        sudo_tools: bool = False,
    ) -> CommandResult:
        """Run *command* with `sh -c`; with *sudo* via `sudo -n` (never prompting for a password).

        *sudo_tools*: the command runs some of its tools through :meth:`as_root` itself (no
        shell under sudo, so the account needs NOPASSWD for those tools only); sudo's
        password refusal is then reported as with *sudo*.

        Commands go to one of the session's long-lived shells (:class:`RemoteShell`): a round
        trip then costs a few forks, not a new SSH session and a login shell. With *env*, the
        exports reach the command on standard input, so no value appears on a remote command
        line. Under *sudo* with *env*, a new session runs ``sudo sh -s`` with the exports and the
        command on stdin; a command that needs its own *stdin* as well then gets the exports
        from a 0600 file that the script removes before the command starts.
        """
        limit = timeout if timeout is not None else self.timeouts.command
        if self.reuse_shell and not (sudo and env):
            out, err, status = self._run_in_shell(command, sudo=sudo, env=env, stdin=stdin, limit=limit)
        else:  # sudo with secrets: `sudo sh -s` reads them on stdin, as it always did
            out, err, status = self._run_exec(command, sudo=sudo, env=env, stdin=stdin, limit=limit)
        result = CommandResult(status, out, err)
        if (
            (sudo or sudo_tools)
            and status != 0
            and any(m in err.decode("utf-8", "replace").lower() for m in SUDO_PASSWORD_MARKERS)
        ):
            raise SudoPasswordRequired(
                f"{self.endpoint.label}: sudo needs a password for {self.endpoint.user}; grant NOPASSWD "
                f"for the migration commands or run without sudo (command: {command})",
                status,
            )
        if check and status != 0:
            tail = err.decode("utf-8", "replace").strip()[-500:]
            raise CommandFailed(f"{self.endpoint.label}: exit {status}: {command}: {tail}", status)
        return result

    def _run_in_shell(
        self, command: str, *, sudo: bool, env: Mapping[str, str] | None, stdin: bytes | None, limit: float
    ) -> tuple[bytes, bytes, int]:
        try:
            shell = self._shell()
            if shell is None:  # every shell busy: this request gets a session of its own
                return self._run_exec(command, sudo=sudo, env=env, stdin=stdin, limit=limit)
        except (paramiko.SSHException, EOFError, OSError, _ShellDied, CommandTimeout) as exc:
            if not self.is_active():
                raise self.lost(exc) from None
            # The host offers no usable `sh -s` (a restricted account, say): a session per command.
            log.warning("%s: no long-lived shell (%s); one SSH session per command", self.endpoint.label, exc)
            self.reuse_shell = False
            return self._run_exec(command, sudo=sudo, env=env, stdin=stdin, limit=limit)
        try:
            res = shell.request(
                command,
                sudo_command=self.sudo_command if sudo else None,
                env=env,
                stdin=stdin,
                deadline=time.monotonic() + limit,
            )
        except CommandTimeout:
            self._discard(shell)  # the command may still run: this shell is not reused
            raise CommandTimeout(
                f"{self.endpoint.label}: command did not finish within {limit:.0f}s: {command}"
            ) from None
        except (paramiko.SSHException, EOFError, OSError, _ShellDied) as exc:
            self._discard(shell)
            if not self.is_active():
                raise self.lost(exc) from None
            raise ConnectionLost(f"{self.endpoint.label}: connection lost while running: {command}") from None
        with self._shells_lock:
            self._shells.append(shell)
        return res.stdout, res.stderr, res.exit_status

    def _shell(self) -> RemoteShell | None:
        """An idle long-lived shell of this session, or a new one (parallel requests each get
        one, up to MAX_SHELLS); None when all are busy."""
        with self._shells_lock:
            while self._shells:
                shell = self._shells.pop()
                if not shell.channel.closed:
                    return shell
                self._live_shells -= 1
            if self._live_shells >= MAX_SHELLS:
                return None
            self._live_shells += 1
        try:
            return RemoteShell(self)
        except BaseException:
            with self._shells_lock:
                self._live_shells -= 1
            raise

    def _discard(self, shell: RemoteShell) -> None:
        shell.close()
        with self._shells_lock:
            self._live_shells -= 1

    def _run_exec(
        self, command: str, *, sudo: bool, env: Mapping[str, str] | None, stdin: bytes | None, limit: float
    ) -> tuple[bytes, bytes, int]:
        """One new SSH session for *command* (`sh -c`, or `sh -s` with the exports on stdin)."""
        remote = f"sh -c {shlex.quote(command)}"
        env_file: str | None = None
        if env:
            exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
            if stdin is None:
                remote, stdin = "sh -s", f"{exports}{command}\n".encode()
            else:
                env_file = self._env_file(exports)
                q = shlex.quote(env_file)
                remote = f"sh -c {shlex.quote(f'. {q}; rm -f -- {q}; {command}')}"
        if sudo:
            remote = f"{self.sudo_command} -n -- {remote}"
        try:
            channel = self.transport.open_session(timeout=self.timeouts.auth)
            channel.settimeout(limit)
            channel.exec_command(remote)
            if stdin:
                channel.sendall(stdin)
            channel.shutdown_write()
            out, err = self._drain(channel, time.monotonic() + limit)
            status = channel.recv_exit_status()
            channel.close()
        except CommandTimeout:
            raise
        except TimeoutError:
            raise CommandTimeout(
                f"{self.endpoint.label}: command did not finish within {limit:.0f}s: {command}"
            ) from None
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise self.lost(exc) from None
        if env_file:
            with contextlib.suppress(OSError, paramiko.SSHException):
                self.sftp.remove(env_file)  # normally gone already: the script removes it first
        if status == -1:  # the server closed without an exit status: the connection died
            raise ConnectionLost(f"{self.endpoint.label}: connection lost while running: {command}")
        return out, err, status

    def as_root(self, command: str, sudo: bool) -> str:
        """*command* (one program and its arguments) prefixed with `sudo -n --` when *sudo*."""
        return f"{self.sudo_command} -n -- {command}" if sudo else command

    def _env_file(self, exports: str) -> str:
        """A fresh 0600 file (mktemp) holding *exports*, written over SFTP."""
        made = self.run("umask 077 && mktemp -t govcloud-env.XXXXXXXX", check=True).text().strip()
        try:
            with self.sftp.open(made, "w") as fh:
                fh.write(exports.encode())
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise self.lost(exc) from None
        return made

    def _drain(self, channel: paramiko.Channel, deadline: float) -> tuple[bytes, bytes]:
        out, err = bytearray(), bytearray()
        while True:
            if time.monotonic() > deadline:
                channel.close()
                raise CommandTimeout(f"{self.endpoint.label}: command timed out")
            progressed = False
            if channel.recv_ready():
                out += channel.recv(65536)
                progressed = True
            if channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
                progressed = True
            if channel.exit_status_ready() and not channel.recv_ready() and not channel.recv_stderr_ready():
                break
            if channel.closed and not channel.recv_ready() and not channel.recv_stderr_ready():
                break
            if not self.is_active():
                raise ConnectionLost(f"{self.endpoint.label}: connection lost while a command ran")
            if not progressed:
                time.sleep(0.002)
        return bytes(out), bytes(err)

    @property
    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None or self._sftp.sock.closed:
            try:
                # A wide window keeps pipelined SFTP requests flowing on fast links.
                self._sftp = paramiko.SFTPClient.from_transport(
                    self.transport, window_size=SFTP_WINDOW, max_packet_size=SFTP_PACKET
                )
            except (paramiko.SSHException, EOFError, OSError) as exc:
                raise self.lost(exc) from None
            if self._sftp is None:
                raise ConnectionLost(f"{self.endpoint.label}: cannot open an SFTP channel")
            self._sftp.get_channel().settimeout(self.timeouts.command)  # type: ignore[union-attr]
        return self._sftp


class Connector:
    """Opens verified SSH sessions with the configured credentials, timeouts and retry policy."""

    def __init__(
        self,
        credentials: Credentials | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        known_hosts: str | None = None,
        sudo_command: str = "sudo",
        sleep: Callable[[float], None] = time.sleep,
        sha256sum: str = "sha256sum",
        reuse_shell: bool = True,
    ) -> None:
        self.credentials = credentials or Credentials()
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.known_hosts = known_hosts  # overrides every endpoint's own file
        self.sudo_command = sudo_command
        self.sha256sum = sha256sum  # the hashing command on hosts (a wrong one exercises the fallback)
        self.reuse_shell = reuse_shell  # False: a new SSH session for every command
        self.stats = ConnectStats()
        self._sleep = sleep

    def known_hosts_for(self, endpoint: Endpoint) -> Path:
        """The operator's known_hosts (the same for every host: trust is never per inventory)."""
        return Path(self.known_hosts or DEFAULT_KNOWN_HOSTS).expanduser()

    def connect(self, endpoint: Endpoint) -> SSHSession:
        """A verified, authenticated session; retried only while the host refuses or resets."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._connect_once(endpoint)
            except (UnknownHostKey, ChangedHostKey, AuthenticationFailed):
                raise
            except ConnectFailed as exc:
                if not _is_retriable(exc) or attempt >= self.retry.attempts:
                    raise
                delay = self.retry.delay(attempt + 1)
                log.info(
                    "%s: %s; retry %d/%d in %.2fs",
                    endpoint.label,
                    exc,
                    attempt + 1,
                    self.retry.attempts,
                    delay,
                )
                self._sleep(delay)

    def _connect_once(self, endpoint: Endpoint) -> SSHSession:
        self.stats.count()
        known_hosts = self.known_hosts_for(endpoint)
        client = paramiko.SSHClient()
        if endpoint.fingerprints:
            client.set_missing_host_key_policy(_PinnedPolicy(endpoint.fingerprints))
        else:
            # Our own HostKeys object, never client.load_host_keys(): that path can be saved back.
            if known_hosts.is_file():
                try:
                    client.get_host_keys().load(str(known_hosts))
                except (OSError, paramiko.SSHException) as exc:
                    raise ConnectFailed(
                        f"{endpoint.label}: cannot read known_hosts {known_hosts}: {exc}"
                    ) from None
            client.set_missing_host_key_policy(_StrictPolicy())
        try:
            sock = socket.create_connection((endpoint.address, endpoint.port), timeout=self.timeouts.connect)
        except OSError as exc:
            raise ConnectFailed(f"{endpoint.label}: cannot connect: {exc}") from exc
        # Small SFTP requests (open, close, setstat, rename) must not wait for Nagle's algorithm
        # and the peer's delayed ACK: without this a 64 KiB file took ~30 ms instead of ~3 ms.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        creds = self.credentials
        try:
            client.connect(
                endpoint.address,
                port=endpoint.port,
                username=endpoint.user,
                sock=sock,
                key_filename=creds.identity,
                allow_agent=creds.allow_agent,
                look_for_keys=creds.look_for_keys,
                timeout=self.timeouts.connect,
                banner_timeout=self.timeouts.banner,
                auth_timeout=self.timeouts.auth,
                channel_timeout=self.timeouts.auth,
            )
        except UnknownHostKey as exc:
            sock.close()
            raise UnknownHostKey(f"{endpoint.label}: {exc} (known_hosts: {known_hosts})") from None
        except ChangedHostKey as exc:  # a pinned host presenting another key
            sock.close()
            raise ChangedHostKey(f"{endpoint.label}: {exc}") from None
        except paramiko.BadHostKeyException as exc:
            sock.close()
            raise ChangedHostKey(
                f"{endpoint.label}: HOST KEY CHANGED: known_hosts {known_hosts} has "
                f"{exc.expected_key.get_name()} {fingerprint(exc.expected_key)} but the host presented "
                f"{exc.key.get_name()} {fingerprint(exc.key)}; refusing to connect (possible impersonation)"
            ) from None
        except paramiko.PasswordRequiredException:
            sock.close()
            raise AuthenticationFailed(
                f"{endpoint.label}: identity file is encrypted; load it into ssh-agent instead"
            ) from None
        except paramiko.AuthenticationException as exc:
            sock.close()
            raise AuthenticationFailed(f"{endpoint.label}: authentication failed: {exc}") from None
        except paramiko.SSHException as exc:
            sock.close()
            if "no authentication methods" in str(exc).lower():
                raise AuthenticationFailed(
                    f"{endpoint.label}: no key or agent to authenticate with (--identity FILE or ssh-agent)"
                ) from None
            raise ConnectFailed(f"{endpoint.label}: SSH handshake failed: {exc}") from exc
        except (EOFError, OSError) as exc:
            sock.close()
            raise ConnectFailed(f"{endpoint.label}: SSH handshake failed: {exc}") from exc
        transport = client.get_transport()
        if transport is not None and self.timeouts.keepalive:
            transport.set_keepalive(self.timeouts.keepalive)
        session = SSHSession(endpoint, client, self.timeouts, self.sudo_command)
        session.sha256sum = self.sha256sum
        session.reuse_shell = self.reuse_shell
        return session
