"""Keystone and neutron-server from the Debian packages, on 127.0.0.1, in a private directory.

Both are OpenStack Zed (Debian 12). Facts this set-up rests on (measured on this kind of machine):
- the Debian OpenStack libraries run under the system ``/usr/bin/python3``, so every service
  command runs with a clean PATH (no virtualenv ahead of it); the tests drive the services from the
  project's venv with PyPI openstacksdk;
- Keystone on SQLite needs one uwsgi process with one thread and WAL journaling, otherwise it
  answers "database is locked" as empty 500s; ``Connection: close`` avoids client resets;
- neutron-server runs with oslo.messaging's fake driver (no broker), no API/RPC workers, ML2 with
  the flat and VLAN type drivers and no mechanism drivers (no agents: ports stay DOWN);
- Neutron's database is PostgreSQL (the test set-up's server, tests/services), its schema made by
  ``neutron-db-manage upgrade heads`` as a real deployment makes it. Not SQLite: SQLite has one
  writer, and a transaction that has read and then writes after another connection committed gets
  "database is locked" at once (no busy wait), which oslo.db does not map to a retriable error, so
  Neutron answers 500; concurrent clients (two deployments, or Pulumi's parallel creates) met it on
  security-group-rule creates. PostgreSQL takes concurrent writers as the real cloud's database does.
Secrets (admin, service and database passwords) live only in files of the private directory (mode
0600) and in the environment or stdin of the commands that need them, never on a command line.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

# The database servers of the test set-up (tests/services uses the same).
from playbooks.localdb import PostgresServer, ServerUnavailable, pg_bin_dir

SYSTEM_PYTHON = "/usr/bin/python3"
COMMANDS = ("keystone-manage", "uwsgi", "neutron-server", "neutron-db-manage")
REGION = "RegionOne"
ADMIN_USER = "admin"
ADMIN_PROJECT = "admin"
SERVICE_PROJECT = "service"
NEUTRON_USER = "neutron"
# The roles a govcloud program's grants and credentials use; `keystone-manage bootstrap` makes
# admin, member and reader, and the fixture checks they exist.
ROLES = ("admin", "member", "reader")
# The provider network behind the public-service router (govcloud:externalNetwork's default).
EXTERNAL_NETWORK = "public"
EXTERNAL_PHYSNET = "extnet"
EXTERNAL_CIDR = "198.51.100.0/24"  # TEST-NET-2: never routed
TENANT_PHYSNET = "physnet1"
VLAN_RANGE = (1000, 2999)
START_TIMEOUT_S = 60.0


class ServiceError(RuntimeError):
    """A service could not be set up or started; the message names the step and its log."""


@dataclass(frozen=True)
class Endpoints:
    """Where the running services are and how to reach them as the cloud administrator."""

    workdir: str
    keystone_url: str  # .../v3
    neutron_url: str
    admin_password_file: str
    external_network_id: str
    pids: tuple[int, ...]  # Keystone's uwsgi and neutron-server (each its own process group)
    # Neutron's PostgreSQL: its directory, account and binaries (to stop it) and its postmaster.
    database_base: str = ""
    database_user: str | None = None
    database_bin: str = ""
    database_pid: int = 0
    startup_seconds: float = 0.0  # set-up and start of both services, for the tier's timing report

    def admin_password(self) -> str:
        return Path(self.admin_password_file).read_text(encoding="utf-8").strip()

    def auth(self, project_name: str = ADMIN_PROJECT) -> dict[str, str]:
        """Password auth of the cloud admin scoped to *project_name* (keystoneauth's names)."""
        return {
            "auth_url": self.keystone_url,
            "username": ADMIN_USER,
            "password": self.admin_password(),
            "project_name": project_name,
            "user_domain_id": "default",
            "project_domain_id": "default",
        }

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Endpoints:
        data = json.loads(text)
        data["pids"] = tuple(data["pids"])
        return cls(**data)


def missing_commands() -> list[str]:
    """What the tier needs from Debian packages and does not find: the services' commands
    (scripts/install-openstack.sh), PostgreSQL (scripts/install-databases.sh) and its driver for
    the system python (python3-psycopg2, installed with the services)."""
    missing = [c for c in COMMANDS if shutil.which(c, path="/usr/sbin:/usr/bin:/sbin:/bin") is None]
    try:
        pg_bin_dir()
    except ServerUnavailable:
        missing.append("postgresql")
    driver = subprocess.run([SYSTEM_PYTHON, "-c", "import psycopg2"], capture_output=True, check=False)
    if driver.returncode != 0:
        missing.append("python3-psycopg2")
    return missing


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the services bind it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _system_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a Debian service command: system PATH, no virtualenv, no proxies."""
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
    }
    env.update(extra or {})
    return env


def _run(step: str, argv: list[str], log: Path, env: Mapping[str, str] | None = None) -> None:
    started = time.monotonic()
    with log.open("ab") as out:
        done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=_system_env(env), check=False)
        out.write(f"== {step}: exit {done.returncode} in {time.monotonic() - started:.1f} s\n".encode())
    if done.returncode != 0:
        raise ServiceError(f"{step} failed (exit {done.returncode}); see {log}")


def _write_secret(path: Path, value: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return path


def _write(path: Path, text: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"{url}: the service exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.1)
    raise ServiceError(f"{url}: no answer within {START_TIMEOUT_S:.0f} s; see {log}")


def _spawn(argv: list[str], log: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    try:
        # Own session: stopped as a process group (uwsgi's workers, neutron's children).
        return subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=_system_env(env), start_new_session=True
        )
    finally:
        out.close()


def _keystone_conf(d: Path, port: int) -> str:
    return f"""[DEFAULT]
log_file = {d}/keystone.log
[database]
connection = sqlite:///{d}/keystone.sqlite
[token]
provider = fernet
[fernet_tokens]
key_repository = {d}/fernet-keys
[fernet_receipts]
key_repository = {d}/fernet-receipts
[credential]
key_repository = {d}/credential-keys
[identity]
password_hash_rounds = 4
[cache]
enabled = false
[oslo_policy]
policy_dirs = {d}/keystone-policy.d
"""


def _keystone_uwsgi(d: Path, port: int) -> str:
    return f"""[uwsgi]
plugins = python3
http-socket = 127.0.0.1:{port}
wsgi-file = /usr/bin/keystone-wsgi-public
master = true
processes = 1
threads = 1
die-on-term = true
add-header = Connection: close
env = OS_KEYSTONE_CONFIG_DIR={d}
env = OS_KEYSTONE_CONFIG_FILES=keystone.conf
"""


def _neutron_conf(d: Path, port: int, keystone: str, database_url: str) -> str:
    password = (d / "neutron-password").read_text(encoding="utf-8").strip()
    return f"""[DEFAULT]
bind_host = 127.0.0.1
bind_port = {port}
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = fake://
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
allow_overlapping_ips = true
api_paste_config = /etc/neutron/api-paste.ini
state_path = {d}/neutron-state
log_file = {d}/neutron.log
[database]
connection = {database_url}
[oslo_concurrency]
lock_path = {d}/neutron-lock
[keystone_authtoken]
www_authenticate_uri = {keystone}
auth_url = {keystone}
auth_type = password
user_domain_id = default
project_domain_id = default
project_name = {SERVICE_PROJECT}
username = {NEUTRON_USER}
password = {password}
[oslo_policy]
policy_dirs = {d}/neutron-policy.d
[ml2]
type_drivers = flat,vlan
tenant_network_types = vlan
mechanism_drivers =
extension_drivers = port_security
[ml2_type_flat]
flat_networks = {EXTERNAL_PHYSNET}
[ml2_type_vlan]
network_vlan_ranges = {TENANT_PHYSNET}:{VLAN_RANGE[0]}:{VLAN_RANGE[1]}
"""


def _wal(db: Path, log: Path) -> None:
    """WAL journaling: readers do not block the writer (the database file keeps the mode)."""
    script = "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')"
    _run(f"WAL for {db.name}", [SYSTEM_PYTHON, "-c", script, str(db)], log)


def _neutron_database(d: Path) -> tuple[PostgresServer, str]:
    """A PostgreSQL server with an empty `neutron` database owned by a `neutron` role; returns the
    server and the connection URL (with the role's password: it goes into neutron.conf only)."""
    try:
        pg = PostgresServer().start()
    except ServerUnavailable as exc:
        raise ServiceError(f"PostgreSQL for Neutron did not start: {exc}") from None
    try:
        password = secrets.token_urlsafe(24)  # URL-safe: no quoting in the connection URL
        _write_secret(d / "neutron-db-password", password)
        # psql reads the SQL on stdin: the password is on no command line.
        pg.sql(f"CREATE ROLE neutron LOGIN PASSWORD '{password}'; CREATE DATABASE neutron OWNER neutron;")
    except BaseException:
        pg.stop()
        raise
    return pg, f"postgresql+psycopg2://neutron:{password}@127.0.0.1:{pg.port}/neutron"


def _prepare_neutron(d: Path, nport: int, keystone: str) -> tuple[PostgresServer, Path]:
    """Neutron's database server, its configuration and its schema (all Neutron's migrations)."""
    pg, url = _neutron_database(d)
    try:
        nconf = _write(d / "neutron.conf", _neutron_conf(d, nport, keystone, url))
        _run(
            "neutron-db-manage upgrade heads",
            ["neutron-db-manage", "--config-file", str(nconf), "upgrade", "heads"],
            d / "neutron-db.log",
        )
    except BaseException:
        pg.stop()
        raise
    return pg, nconf


def _postmaster_pid(pg: PostgresServer) -> int:
    return int((pg.data / "postmaster.pid").read_text(encoding="utf-8").split()[0])


def start(workdir: Path) -> Endpoints:
    """Set up and start Keystone and neutron-server in *workdir* (created, private)."""
    started = time.monotonic()
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    d = workdir
    log = d / "setup.log"
    for sub in (
        "fernet-keys",
        "fernet-receipts",
        "credential-keys",
        "neutron-state",
        "neutron-lock",
        "keystone-policy.d",
        "neutron-policy.d",
    ):
        (d / sub).mkdir(mode=0o700, exist_ok=True)
    admin_pw = _write_secret(d / "admin-password", secrets.token_urlsafe(24))
    _write_secret(d / "neutron-password", secrets.token_urlsafe(24))
    procs: list[subprocess.Popen[bytes]] = []
    kport, nport = free_port(), free_port()
    keystone = f"http://127.0.0.1:{kport}/v3"
    neutron = f"http://127.0.0.1:{nport}"
    # Neutron's database does not need Keystone: prepare it while Keystone is set up.
    conf = _write(d / "keystone.conf", _keystone_conf(d, kport))
    manage = ["keystone-manage", "--config-file", str(conf)]
    # The key repositories belong to whoever runs the services (root or not).
    owner = [
        "--keystone-user",
        pwd.getpwuid(os.getuid()).pw_name,
        "--keystone-group",
        grp.getgrgid(os.getgid()).gr_name,
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        # Independent steps run side by side (mostly interpreter start-up): Neutron's database
        # and Keystone's key repositories do not need Keystone's database.
        neutron_db = pool.submit(_prepare_neutron, d, nport, keystone)
        keys = [
            pool.submit(
                _run, "keystone-manage fernet_setup", [*manage, "fernet_setup", *owner], d / "fernet.log"
            ),
            pool.submit(
                _run,
                "keystone-manage credential_setup",
                [*manage, "credential_setup", *owner],
                d / "credential.log",
            ),
        ]
        try:
            _run("keystone-manage db_sync", [*manage, "db_sync"], log)
            _wal(d / "keystone.sqlite", log)
            for done in keys:
                done.result()
            _run(
                "keystone-manage bootstrap",
                [
                    *manage,
                    "bootstrap",
                    "--bootstrap-admin-url",
                    keystone,
                    "--bootstrap-public-url",
                    keystone,
                    "--bootstrap-internal-url",
                    keystone,
                    "--bootstrap-region-id",
                    REGION,
                ],
                log,
                env={"OS_BOOTSTRAP_PASSWORD": admin_pw.read_text(encoding="utf-8").strip()},
            )
            uwsgi_ini = _write(d / "keystone-uwsgi.ini", _keystone_uwsgi(d, kport))
            kproc = _spawn(["uwsgi", "--ini", str(uwsgi_ini)], d / "keystone-uwsgi.log")
            procs.append(kproc)
            _wait_http(keystone, kproc, d / "keystone-uwsgi.log")
            _register_neutron(keystone, admin_pw, d, neutron)
            pg, nconf = neutron_db.result()
            nproc = _spawn(["neutron-server", "--config-file", str(nconf)], d / "neutron-server.log")
            procs.append(nproc)
            _wait_http(neutron, nproc, d / "neutron.log")
            external = _prepare_cloud(keystone, admin_pw)
            _watch(owner_pid(), [p.pid for p in procs] + [_postmaster_pid(pg)])
        except BaseException:
            stop_pids([p.pid for p in procs])
            with contextlib.suppress(Exception):  # the database, once its set-up has ended
                neutron_db.result()[0].stop()
            raise
    return Endpoints(
        workdir=str(d),
        keystone_url=keystone,
        neutron_url=neutron,
        admin_password_file=str(admin_pw),
        external_network_id=external,
        pids=tuple(p.pid for p in procs),
        database_base=str(pg.base),
        database_user=pg.user,
        database_bin=pg.bin_dir,
        database_pid=_postmaster_pid(pg),
        startup_seconds=round(time.monotonic() - started, 1),
    )


def _admin(keystone: str, admin_pw: Path):  # -> openstack.connection.Connection
    import openstack

    return openstack.connect(
        auth_url=keystone,
        username=ADMIN_USER,
        password=admin_pw.read_text(encoding="utf-8").strip(),
        project_name=ADMIN_PROJECT,
        user_domain_id="default",
        project_domain_id="default",
        region_name=REGION,
        identity_api_version="3",
    )


def _register_neutron(keystone: str, admin_pw: Path, d: Path, neutron: str) -> None:
    """The service project, Neutron's service user, the network service and its endpoints."""
    conn = _admin(keystone, admin_pw)
    try:
        present = {r.name for r in conn.identity.roles()}
        absent = [r for r in ROLES if r not in present]
        if absent:
            raise ServiceError(f"keystone-manage bootstrap made no role(s) {', '.join(absent)}")
        service = conn.identity.create_project(name=SERVICE_PROJECT, domain_id="default")
        user = conn.identity.create_user(
            name=NEUTRON_USER,
            domain_id="default",
            password=(d / "neutron-password").read_text(encoding="utf-8").strip(),
        )
        admin_role = next(iter(conn.identity.roles(name="admin")))
        conn.identity.assign_project_role_to_user(service, user, admin_role)
        svc = conn.identity.create_service(name="neutron", type="network")
        for interface in ("public", "internal", "admin"):
            conn.identity.create_endpoint(
                service_id=svc.id, interface=interface, url=neutron, region_id=REGION
            )
    finally:
        conn.close()


def _prepare_cloud(keystone: str, admin_pw: Path) -> str:
    """What a real cloud has before govcloud: unlimited quotas for the operator's own project and
    the provider (internet) network with its floating-IP subnet. Returns that network's ID."""
    conn = _admin(keystone, admin_pw)
    try:
        admin_project = next(iter(conn.identity.projects(name=ADMIN_PROJECT, domain_id="default")))
        conn.network.update_quota(
            admin_project.id,
            networks=-1,
            subnets=-1,
            ports=-1,
            routers=-1,
            floating_ips=-1,
            security_groups=-1,
            security_group_rules=-1,
            rbac_policies=-1,
        )
        net = conn.network.create_network(
            name=EXTERNAL_NETWORK,
            is_router_external=True,
            provider_network_type="flat",
            provider_physical_network=EXTERNAL_PHYSNET,
        )
        conn.network.create_subnet(
            network_id=net.id, name=EXTERNAL_NETWORK, cidr=EXTERNAL_CIDR, ip_version=4, enable_dhcp=False
        )
        return str(net.id)
    finally:
        conn.close()


def owner_pid() -> int:
    """The test run's main process: an xdist worker's parent, else this process."""
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


# Stops the services' process groups when the test run dies without tearing down (killed, timed
# out); exits by itself as soon as the services are gone, so it never signals a reused PID group.
_WATCHDOG = """
import os, sys, time
owner, groups = int(sys.argv[1]), [int(g) for g in sys.argv[2:]]
def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
while alive(owner):
    if not all(alive(g) for g in groups):
        sys.exit(0)
    time.sleep(2)
for g in groups:
    try:
        os.killpg(g, 15)
    except OSError:
        pass
"""


def _watch(owner: int, pids: list[int]) -> None:
    subprocess.Popen(
        [SYSTEM_PYTHON, "-c", _WATCHDOG, str(owner), *map(str, pids)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _is_ours(pid: int, marker: str) -> bool:
    """The PID still belongs to a process started here (its command line names our directory)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker in cmdline


def stop_pids(pids: list[int], marker: str | None = None, timeout: float = 15.0) -> None:
    """Stop the process groups of *pids* (TERM, then KILL); only groups still ours when *marker*."""
    targets = [p for p in pids if marker is None or _is_ours(p, marker)]
    for pid in targets:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pid in targets:
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child (another worker started it): poll
                if not Path(f"/proc/{pid}").exists():
                    break
                done = 0
            if done == pid:
                break
            time.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def stop(endpoints: Endpoints) -> None:
    stop_pids(list(endpoints.pids), marker=endpoints.workdir)
    # Neutron first (it holds connections), then its database server (pg_ctl stop, directory removed).
    if endpoints.database_base:
        PostgresServer(
            base=Path(endpoints.database_base), user=endpoints.database_user, bin_dir=endpoints.database_bin
        ).stop()
