"""Shared set-up of the playbook benchmarks: two private sshd hosts and a one-system plan."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from inventory.models import Cloud, CloudDomain, CloudDomains, Host, Inventory, System
from planner.plan_model import InventoryRef, Plan, PlanSystem, PolicyRef
from playbooks.localsshd import LocalSSHD, keygen
from playbooks.model import ServiceCommands
from playbooks.ssh import Connector, Credentials, Timeouts


@dataclass
class BenchHosts:
    source: LocalSSHD
    target: LocalSSHD
    key: Path
    known_hosts: Path

    def connector(self) -> Connector:
        return Connector(
            Credentials(str(self.key), allow_agent=False),
            Timeouts(command=7200),
            known_hosts=str(self.known_hosts),
        )

    def ssh_opts(self) -> list[str]:
        return [
            "-i",
            str(self.key),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-F",
            "/dev/null",
        ]

    def stop(self) -> None:
        self.source.stop()
        self.target.stop()


def start_hosts(work: Path) -> BenchHosts:
    hosts = {n: LocalSSHD(n, work / n) for n in ("source", "target")}
    key = keygen(work / "client" / "id_ed25519")
    for h in hosts.values():
        h.base.mkdir(parents=True)
        h.authorized_keys.write_text("")
        h.authorize(key.with_suffix(".pub"))
        h.start()
    known_hosts = work / "known_hosts"
    known_hosts.write_text("".join(h.known_hosts_line() for h in hosts.values()))
    return BenchHosts(hosts["source"], hosts["target"], key, known_hosts)


def inventory_and_plan(
    system_id: str, hosts: list[Host], method: str = "cold", downtime_hours: float | None = None
) -> tuple[Inventory, Plan]:
    dom = CloudDomain(vcpu=1, ram_gb=1, storage_gb=1)
    inv = Inventory.model_validate(
        {
            "city": {"id": "bench", "name": "bench"},
            "cloud": Cloud(domains=CloudDomains(public_service=dom, administrative_service=dom)).model_dump(),
            "systems": [
                System.model_validate(
                    {
                        "id": system_id,
                        "name": system_id,
                        "department": "d",
                        "category": "business",
                        "downtime_hours": downtime_hours,
                        "hosts": [h.model_dump() for h in hosts],
                    }
                ).model_dump()
            ],
        }
    )
    plan = Plan(
        inventory=InventoryRef(city="bench", systems=1, digest="-"),
        policy=PolicyRef(name="bench", digest="-"),
        systems=[
            PlanSystem.model_validate(
                {"id": system_id, "department": "d", "disposition": "migrate", "wave": 1, "method": method}
            )
        ],
    )
    return inv, plan


def file_service(state: Path, target_root: Path, link: Path) -> ServiceCommands:
    """A harmless service: a state file on the source, a `current` symlink on the target."""
    return ServiceCommands(
        exists=f"test -f {state}",
        is_frozen=f"grep -qx stopped {state}",
        stop=f"echo stopped > {state}",
        start=f"echo running > {state}",
        target_is_serving=f"test -L {link}",
        target_start=f"ln -sfn {target_root} {link}",
        target_stop=f"rm -f {link}",
        target_health=f"test -L {link}",
    )


def journal_records(journal: Path) -> list[dict]:
    """The records of the last run in a journal."""
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    run = next(r["run"] for r in reversed(records) if r.get("event") == "run-start")
    return [r for r in records if r.get("run") == run]


def step_seconds(journal: Path, run: str | None = None) -> dict[str, float]:
    """Seconds of each step of the last (or the given) run in a journal."""
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    run = run or next(r["run"] for r in reversed(records) if r.get("event") == "run-start")
    out: dict[str, float] = {}
    for r in records:
        if r.get("run") == run and r.get("event") == "step":
            out[r["step"]] = (
                dt.datetime.fromisoformat(r["end"]) - dt.datetime.fromisoformat(r["start"])
            ).total_seconds()
    return out
