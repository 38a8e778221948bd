"""Keystone and neutron-server, started once per test run for the OpenStack tier.

With pytest-xdist the tier's tests share one xdist group (``--dist loadgroup``, set in
pyproject.toml), so one worker runs them; should another worker need the services too, it finds
them through a state file in the run's shared temporary directory, under a file lock, and uses
the same instances. Each worker that uses them holds a reference; the last one to finish stops
them. The services listen on free ports of 127.0.0.1 only.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import service_unavailable
from tests.openstack import services
from tests.openstack.services import Endpoints

STATE = "openstack-services.json"
LOCK = "openstack-services.lock"


def shared_root(factory: pytest.TempPathFactory) -> Path:
    """The run's temporary directory, shared by every xdist worker (a worker's own is inside)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def locked(path: Path) -> Iterator[None]:
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _alive(endpoints: Endpoints) -> bool:
    pids = [*endpoints.pids, *([endpoints.database_pid] if endpoints.database_pid else [])]
    return all(Path(f"/proc/{pid}").exists() for pid in pids)


def _acquire(root: Path) -> Endpoints:
    """The running services (started now if no worker has), with one more user counted."""
    state_file = root / STATE
    with locked(root / LOCK):
        state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
        if state.get("error"):
            raise services.ServiceError(state["error"])
        endpoints = Endpoints.from_json(state["endpoints"]) if state.get("endpoints") else None
        if endpoints is None or not _alive(endpoints):
            workdir = root / f"openstack-services-{len(state.get('runs', []))}"
            try:
                endpoints = services.start(workdir)
            except services.ServiceError as exc:
                state["error"] = str(exc)  # the other workers fail at once, with the same reason
                state_file.write_text(json.dumps(state), encoding="utf-8")
                raise
            state = {
                "endpoints": endpoints.to_json(),
                "users": 0,
                "runs": [*state.get("runs", []), str(workdir)],
            }
        state["users"] = int(state.get("users", 0)) + 1
        state_file.write_text(json.dumps(state), encoding="utf-8")
    return endpoints


def _release(root: Path) -> None:
    """One user fewer; the last one stops the services."""
    state_file = root / STATE
    with locked(root / LOCK):
        state = json.loads(state_file.read_text(encoding="utf-8"))
        state["users"] = int(state["users"]) - 1
        if state["users"] <= 0:
            services.stop(Endpoints.from_json(state["endpoints"]))
            state = {"runs": state.get("runs", [])}
        state_file.write_text(json.dumps(state), encoding="utf-8")


@pytest.fixture(scope="session")
def openstack_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """Keystone (bootstrapped admin, roles admin/member/reader) and neutron-server (ML2 flat/VLAN,
    no agents, fake messaging) with a provider network, on loopback, for the whole run."""
    missing = services.missing_commands()
    if missing:
        service_unavailable(
            f"OpenStack services not installed ({', '.join(missing)} missing): "
            "run scripts/install-openstack.sh"
        )
    root = shared_root(tmp_path_factory)
    try:
        endpoints = _acquire(root)
    except services.ServiceError as exc:
        service_unavailable(f"Keystone/Neutron did not start: {exc}")
    try:
        yield endpoints
    finally:
        _release(root)
