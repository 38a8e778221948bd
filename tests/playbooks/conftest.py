"""Private OpenSSH sshd hosts on loopback (source and target) and migrations built on them.

Session-scoped: two sshd processes with their own host keys, a client key in their
authorized_keys and a known_hosts file naming both. Each test gets its own directories on
those hosts, so tests never see each other's data. Hosts' "filesystems" are tmp directories.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from inventory.models import City, Cloud, CloudDomain, CloudDomains, Host, Inventory, System
from planner.plan_model import InventoryRef, Plan, PlanSystem, PolicyRef, Wave, write_plan
from playbooks.localsshd import LocalSSHD, SSHDUnavailable, keygen, require_sshd
from playbooks.model import ServiceCommands, SystemTarget
from playbooks.render import RenderedRunbook, render_runbook
from playbooks.runner import Hooks, RunOptions, RunResult, run_runbook
from playbooks.ssh import Connector, Credentials, RetryPolicy, Timeouts
from tests.conftest import service_unavailable

pytestmark = pytest.mark.sshd


@pytest.fixture(scope="session")
def ssh_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sshd")


@pytest.fixture(scope="session")
def client_key(ssh_dir: Path) -> Path:
    return keygen(ssh_dir / "client" / "id_ed25519", "govcloud-test-client")


@pytest.fixture(scope="session")
def sshd_hosts(ssh_dir: Path, client_key: Path) -> Iterator[dict[str, LocalSSHD]]:
    """Two private sshd instances: 'source' and 'target', on their own free ports."""
    try:
        require_sshd()
    except SSHDUnavailable as exc:
        service_unavailable(f"no private sshd possible: {exc}")
    hosts = {name: LocalSSHD(name, ssh_dir / name) for name in ("source", "target")}
    try:
        for h in hosts.values():
            h.base.mkdir(parents=True, exist_ok=True)
            h.authorized_keys.write_text("")
            h.authorize(client_key.with_suffix(".pub"))
            h.start()
        yield hosts
    finally:
        for h in hosts.values():
            h.stop()


@pytest.fixture(scope="session")
def known_hosts(ssh_dir: Path, sshd_hosts: dict[str, LocalSSHD]) -> Path:
    path = ssh_dir / "known_hosts"
    path.write_text("".join(h.known_hosts_line() for h in sshd_hosts.values()))
    return path


def make_connector(
    known_hosts: Path | None, identity: Path | None, attempts: int = 3, *, reuse_shell: bool = True
) -> Connector:
    """A connector with short timeouts and near-zero retry delays (tests must be fast)."""
    return Connector(
        Credentials(identity=str(identity) if identity else None, allow_agent=False, look_for_keys=False),
        Timeouts(connect=5, banner=5, auth=5, command=30, keepalive=5),
        RetryPolicy(attempts=attempts, base_delay=0.01, max_delay=0.05),
        known_hosts=str(known_hosts) if known_hosts else None,
        reuse_shell=reuse_shell,
    )


@pytest.fixture
def connector(known_hosts: Path, client_key: Path) -> Connector:
    return make_connector(known_hosts, client_key)


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under *root*, by relative path (symlinks by their target)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


SAMPLE_FILES: dict[str, bytes] = {
    "README.txt": b"budget data\n",
    "db/ledger.csv": b"id,amount\n" + b"".join(f"{i},{i * 7}\n".encode() for i in range(20000)),
    "db/blobs/0001.bin": os.urandom(300_000),
    "db/blobs/0002.bin": os.urandom(1),
    "归档/2017年/预算报告.txt": "财政预算 2017\n".encode() * 500,
    "归档/空 格 & 'quotes'.dat": os.urandom(70_000),
    "deep/a/b/c/d/e/leaf.json": b'{"ok": true}\n',
    "empty.txt": b"",
}


@dataclass
class Migration:
    """One system to migrate between the session's hosts, with its own directories."""

    system_id: str
    source_dir: Path  # the system's directory on the source host
    target_dir: Path  # the system's directory on the target host
    data_dir: Path  # the data directory to move
    data_root: Path  # where it lands on the target
    target: SystemTarget
    plan: Plan
    inventory: Inventory
    options: RunOptions
    extra_targets: dict[str, SystemTarget] = field(default_factory=dict)

    @property
    def source_state(self) -> Path:
        return self.source_dir / "service.state"

    @property
    def target_state(self) -> Path:
        return self.target_dir / "service.state"

    @property
    def current_link(self) -> Path:
        return self.target_dir / "current"

    @property
    def copied_dir(self) -> Path:
        return self.data_root / self.data_dir.name

    @property
    def journal(self) -> Path:
        return self.options.journal_dir / f"{self.system_id}.jsonl"

    def render(self) -> RenderedRunbook:
        return render_runbook(self.system_id, self.plan, self.inventory, {self.system_id: self.target})

    def run(self, *, dry_run: bool = False, hooks: Hooks | None = None, **kw: Any) -> RunResult:
        opts = dataclasses.replace(self.options, dry_run=dry_run, hooks=hooks or Hooks(), **kw)
        return run_runbook(self.render(), opts)

    def journal_records(self) -> list[dict]:
        import json

        return [json.loads(line) for line in self.journal.read_text(encoding="utf-8").splitlines()]


def file_service(source_dir: Path, target_dir: Path, **overrides: str) -> ServiceCommands:
    """Harmless file-based service commands: a state file per side and a `current` symlink."""
    s, t = source_dir / "service.state", target_dir / "service.state"
    cmds = {
        "is_frozen": f"grep -qx stopped '{s}'",
        "stop": f"echo stopped > '{s}'",
        "start": f"echo running > '{s}'",
        "target_is_serving": f"test \"$(readlink '{target_dir}/current')\" = '{{{{ data_root }}}}' "
        f"&& grep -qx serving '{t}'",
        "target_start": f"ln -sfn '{{{{ data_root }}}}' '{target_dir}/current' && echo serving > '{t}'",
        "target_stop": f"rm -f '{t}'",
        "target_health": f"grep -qx serving '{t}'",
        "exists": f"test -f '{s}'",
    }
    cmds.update(overrides)
    return ServiceCommands(**cmds)


def build_inventory_and_plan(
    systems: list[tuple[str, Host]] | list[tuple[str, list[Host]]],
    wave: int = 1,
    method: str | None = None,
    downtime_hours: float | None = None,
) -> tuple[Inventory, Plan]:
    """A minimal inventory and plan holding *systems* (id, source host), all migrating in *wave*."""
    dom = CloudDomain(vcpu=100, ram_gb=100, storage_gb=1000)
    inv = Inventory(
        city={"id": "test", "name": "Test City"},  # type: ignore[arg-type]
        cloud=Cloud(domains=CloudDomains(public_service=dom, administrative_service=dom)),
        regions=[{"id": "city", "name": "Test City", "level": "city"}],  # type: ignore[list-item]
        buildings=[{"id": "b1", "name": "Government Building", "region": "city"}],  # type: ignore[list-item]
        departments=[{"id": "fin", "name": "Finance", "region": "city", "building": "b1"}],  # type: ignore[list-item]
        systems=[
            System(
                id=sid,
                name=f"系统 {sid}",
                department="fin",
                category="business",  # type: ignore[arg-type]
                mlps_level=3,
                hosts=host if isinstance(host, list) else [host],
                downtime_hours=downtime_hours,
            )
            for sid, host in systems
        ],
    )
    assert isinstance(inv.city, City)
    plan = Plan(
        inventory=InventoryRef(city="test", systems=len(systems), digest="sha256:test"),
        policy=PolicyRef(name="test", digest="sha256:test"),
        systems=[
            PlanSystem(
                id=sid,
                name=f"系统 {sid}",
                department="fin",
                disposition="migrate",  # type: ignore[arg-type]
                domain="administrative_service",
                wave=wave,
                mlps_level=3,
                rules=["MLPS-4"],
                method=method,
            )
            for sid, _ in systems
        ],
        waves=[
            Wave(
                number=wave,
                start=dt.date(2018, 3, 1),
                end=dt.date(2018, 3, 31),
                systems=[sid for sid, _ in systems],
            )
        ],
    )
    return inv, plan


MigrationFactory = Callable[..., Migration]


@pytest.fixture
def migration(
    request: pytest.FixtureRequest,
    sshd_hosts: dict[str, LocalSSHD],
    connector: Connector,
    known_hosts: Path,
    tmp_path: Path,
) -> MigrationFactory:
    """Factory: a system with SAMPLE_FILES (or *files*) on the source and an empty target."""
    src, tgt = sshd_hosts["source"], sshd_hosts["target"]
    case = request.node.name.replace("[", "-").replace("]", "")

    def make(
        system_id: str = "fin-budget",
        files: dict[str, bytes] | None = None,
        *,
        method: str | None = None,
        downtime_hours: float | None = None,
        **service: str,
    ) -> Migration:
        source_dir = src.root / case / system_id
        target_dir = tgt.root / case / system_id
        data_dir = source_dir / "data"
        for rel, content in (SAMPLE_FILES if files is None else files).items():
            (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (data_dir / rel).write_bytes(content)
        data_dir.mkdir(parents=True, exist_ok=True)
        target_dir.mkdir(parents=True, exist_ok=True)
        (source_dir / "service.state").write_text("running\n")
        host = Host(address=src.address, port=src.port, user=src.user, role="app", data_dirs=[str(data_dir)])
        data_root = target_dir / "data-root"
        target = SystemTarget(
            target=Host(address=tgt.address, port=tgt.port, user=tgt.user, role="target"),
            data_root=str(data_root),
            current_link=str(target_dir / "current"),
            authorized_keys=str(tgt.authorized_keys),
            service=file_service(source_dir, target_dir, **service),
        )
        inv, plan = build_inventory_and_plan(
            [(system_id, host)], method=method, downtime_hours=downtime_hours
        )
        options = RunOptions(connector, tmp_path / "journal", settle_seconds=0.2)
        return Migration(system_id, source_dir, target_dir, data_dir, data_root, target, plan, inv, options)

    return make


def write_cli_inputs(tmp: Path, migrations: list[Migration]) -> dict[str, Path]:
    """Inventory YAML, plan.json and targets YAML of *migrations* for CLI tests."""
    hosts = [(m.system_id, m.inventory.systems[0].hosts[0]) for m in migrations]
    inv, plan = build_inventory_and_plan(hosts)
    inv_path = tmp / "inventory.yaml"
    inv_path.write_text(
        yaml.safe_dump(inv.model_dump(mode="json", exclude_none=True), allow_unicode=True), encoding="utf-8"
    )
    plan_path = tmp / "plan.json"
    write_plan(plan, plan_path)
    targets_path = tmp / "targets.yaml"
    targets_path.write_text(
        yaml.safe_dump(
            {
                "systems": {
                    m.system_id: m.target.model_dump(mode="json", exclude_none=True) for m in migrations
                }
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return {"inventory": inv_path, "plan": plan_path, "targets": targets_path}


@contextlib.contextmanager
def writer_ignoring_freeze(directory: Path) -> Iterator[None]:
    """Inside: a thread writes a new log file into *directory* every 20 ms (a misconfigured unit)."""
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            (directory / f"late-{n % 3}.log").write_bytes(os.urandom(100))
            n += 1
            time.sleep(0.02)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
