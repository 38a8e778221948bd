"""Real PostgreSQL and MariaDB servers on loopback (tests, benchmarks): a free port, a private temp directory.

Servers refuse to run as root, so when the tests run as root they run as the Debian packages'
own unprivileged accounts (``postgres``, ``mysql``) through ``runuser``; otherwise as the
current user. Every server listens on 127.0.0.1 only, on a port chosen at start (other test
runs share the machine), keeps everything in its own directory and is stopped at the end.
Installed by scripts/install-databases.sh (Debian packages postgresql, mariadb-server).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
MARIADB_SERVER = ("/usr/sbin/mariadbd", "/usr/sbin/mysqld")
MARIADB_INSTALL = ("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db")


class ServerUnavailable(RuntimeError):
    """The server cannot run here (the message says what is missing)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _account(name: str) -> str | None:
    """The account a server runs as: *name* when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise ServerUnavailable(f"no {name!r} account: install the Debian package that creates it") from None
    return name


def _as(user: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *argv] if user else argv


def _private_dir(prefix: str, user: str | None) -> Path:
    # Not under pytest's tmp (0700, root's): the server's own account must reach it.
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    if user:
        pw = pwd.getpwnam(user)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    return base


def _wait_port(port: int, process: subprocess.Popen[bytes] | None, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
    raise ServerUnavailable(f"server on port {port} did not start: {tail}")


# ---------------------------------------------------------------------------- PostgreSQL


def pg_bin_dir() -> str:
    found = sorted(
        glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0
    )
    if not found or not Path(found[-1], "initdb").exists():
        raise ServerUnavailable("PostgreSQL is not installed (scripts/install-databases.sh installs it)")
    return found[-1]


@dataclass
class PostgresServer:
    """A PostgreSQL cluster with a superuser and a replication role, both with passwords."""

    password: str = "pg-test-Secr3t"
    replication_user: str = "replicator"
    port: int = 0
    base: Path = field(default_factory=Path)
    user: str | None = None
    bin_dir: str = ""
    options: str = ""  # the server's -o options (port, WAL settings)

    @property
    def data(self) -> Path:
        return self.base / "data"

    def tool(self, name: str) -> str:
        return str(Path(self.bin_dir) / name)

    def start(self) -> PostgresServer:
        self.bin_dir = pg_bin_dir()
        self.user = _account("postgres")
        self.base = _private_dir("govcloud-pg-", self.user)
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        pwfile.chmod(0o600)
        init = subprocess.run(
            _as(self.user, [self.tool("initdb"), "-D", str(self.data), "-U", "postgres",
                            "-A", "scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"]),
            capture_output=True, text=True,
        )  # fmt: skip
        pwfile.unlink()
        if init.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {init.stderr[-500:]}")
        with (self.data / "pg_hba.conf").open("a") as fh:
            fh.write("host replication all 127.0.0.1/32 scram-sha-256\n")
        for _ in range(5):
            self.port = free_port()
            opts = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.base} "
                "-c wal_level=replica -c max_wal_senders=8 -c max_replication_slots=8 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off"
            )
            self.options = opts
            if self.restart():
                break
        else:
            raise ServerUnavailable(
                f"PostgreSQL did not start: {(self.base / 'server.log').read_text()[-500:]}"
            )
        self.sql(f"CREATE ROLE {self.replication_user} REPLICATION LOGIN PASSWORD '{self.password}';")
        return self

    def restart(self) -> bool:
        """Start the cluster again (after a migration stopped it) with its own options."""
        res = subprocess.run(
            _as(self.user, [self.tool("pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"),
                            "-o", self.options, "-w", "-t", "60", "start"]),
            capture_output=True, text=True,
        )  # fmt: skip
        return res.returncode == 0

    def sql(self, sql: str, db: str = "postgres", port: int | None = None) -> str:
        """Run *sql* with psql (password in the environment, SQL on stdin); unaligned tuples out."""
        res = subprocess.run(
            [self.tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(port or self.port), "-U", "postgres", "-d", db, "-f", "-"],
            input=sql, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": self.password},
        )  # fmt: skip
        if res.returncode != 0:
            raise RuntimeError(f"psql: {res.stderr.strip()}")
        return res.stdout.strip()

    def ctl(self, action: str, data: Path | None = None) -> list[str]:
        """The pg_ctl command line for *action* on this cluster (or on another data directory)."""
        return _as(self.user, [self.tool("pg_ctl"), "-D", str(data or self.data), "-m", "fast", "-w", action])

    def stop(self) -> None:
        if self.base and self.data.exists():
            subprocess.run(self.ctl("stop"), capture_output=True)
        if self.base and self.base.exists():
            shutil.rmtree(self.base, ignore_errors=True)


# ---------------------------------------------------------------------------- MariaDB


def _first(paths: tuple[str, ...], what: str) -> str:
    for p in paths:
        if Path(p).exists():
            return p
    raise ServerUnavailable(f"{what} not found (scripts/install-databases.sh installs mariadb-server)")


@dataclass
class MariaDBServer:
    """A MariaDB server with binary logging (a replication source) and a root password."""

    password: str = "my-test-Secr3t"
    server_id: int = 1
    port: int = 0
    base: Path = field(default_factory=Path)
    user: str | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> MariaDBServer:
        server = _first(MARIADB_SERVER, "mariadbd")
        install = _first(MARIADB_INSTALL, "mariadb-install-db")
        self.user = _account("mysql")
        self.base = _private_dir("govcloud-mariadb-", self.user)
        data = self.base / "data"
        args = [install, f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db"]
        if self.user:
            args.append(f"--user={self.user}")
        init = subprocess.run(args, capture_output=True, text=True)
        if init.returncode != 0:
            raise ServerUnavailable(f"mariadb-install-db failed: {init.stderr[-500:]}")
        log = self.base / "server.log"
        for _ in range(5):
            self.port = free_port()
            argv = [
                server, "--no-defaults", f"--datadir={data}", f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.base / 'mysqld.sock'}", f"--pid-file={self.base / 'mysqld.pid'}",
                f"--log-error={log}", f"--server-id={self.server_id}", f"--log-bin={self.base / 'binlog'}",
                "--binlog-format=ROW", "--innodb-flush-log-at-trx-commit=2", "--skip-name-resolve",
            ]  # fmt: skip
            if self.user:
                argv.append(f"--user={self.user}")
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
            try:
                _wait_port(self.port, self.process, 60, log)
                break
            except ServerUnavailable:
                self.process.kill()
                self.process.wait(10)
        else:
            raise ServerUnavailable(f"MariaDB did not start: {log.read_text(errors='replace')[-500:]}")
        # A fresh server's root has no password and a local socket login: set one, allow TCP.
        self.sql(
            f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{self.password}';"
            f"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';"
            f"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{self.password}';"
            "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
            f"CREATE USER 'replicator'@'127.0.0.1' IDENTIFIED BY '{self.password}';"
            "GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'127.0.0.1'; FLUSH PRIVILEGES;",
            socket_login=True,
        )
        return self

    def sql(self, sql: str, db: str = "", *, socket_login: bool = False) -> str:
        argv = ["mariadb", "--batch", "--skip-column-names", "-u", "root"]
        if socket_login:
            argv.append(f"--socket={self.base / 'mysqld.sock'}")
        else:
            argv += ["-h", "127.0.0.1", "-P", str(self.port)]
        if db:
            argv.append(db)
        env = {**os.environ} if socket_login else {**os.environ, "MYSQL_PWD": self.password}
        res = subprocess.run(argv, input=sql, capture_output=True, text=True, env=env)
        if res.returncode != 0:
            raise RuntimeError(f"mariadb: {res.stderr.strip()}")
        return res.stdout.strip()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.base and self.base.exists():
            shutil.rmtree(self.base, ignore_errors=True)
