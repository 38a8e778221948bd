"""Targets from a wave's stack outputs (``pulumi stack output --json``): no hand-written targets.

The stacks export, per system (shape agreed with the stacks area)::

    {"systems": {"fin-budget": {"data_mount": "/srv/govcloud/fin-budget",
                                "instances": [{"name": "...", "role": "app", "instance_id": "...",
                                               "fixed_ip": "10.1.2.3", "floating_ip": null,
                                               "ssh_host_keys": ["ssh-ed25519 AAAA..."],
                                               "ssh_host_key_fingerprints": ["SHA256:..."]}]}}}

Each source host of the system's inventory (app, db, ...) maps to the instance of the same role;
its data lands under the instance's ``data_mount``. The host keys are the ones the stack program
generated and cloud-init installed (stacks/hostkeys.py), so they are known before the instance
ever answers: a target whose outputs publish keys is **pinned** to them - it is accepted only
when it presents one of them, whatever the operator's known_hosts says about its address (a
reused address's stale entry neither admits nor refuses it), and never written anywhere.
``known_hosts_lines`` gives the same keys as known_hosts lines for OpenSSH's own clients. A
targets file may still give service commands, sudo, databases or env per system; the outputs
decide addresses and data roots.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from foundation.inputs import check_regular
from inventory.models import Host, Inventory
from playbooks.errors import TargetsError
from playbooks.model import PairTarget, SystemTarget

FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")
TARGET_ROLE = "target"


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the stacks may export more than we read


class InstanceOutput(_Out):
    name: str
    role: str
    instance_id: str
    fixed_ip: str
    floating_ip: str | None = None
    ssh_host_keys: list[str] = Field(default_factory=list)  # OpenSSH public key lines
    ssh_host_key_fingerprints: list[str] = Field(default_factory=list)

    def pins(self) -> list[str]:
        """Fingerprints this instance is pinned to: the listed ones and those of its keys."""
        out = list(self.ssh_host_key_fingerprints)
        for key in self.ssh_host_keys:
            fp = key_fingerprint(key)
            if fp is not None and fp not in out:
                out.append(fp)
        return out


class SystemOutput(_Out):
    data_mount: str
    instances: list[InstanceOutput] = Field(default_factory=list)


class StackOutputs(_Out):
    systems: dict[str, SystemOutput] = Field(default_factory=dict)


def load_stack_outputs(path: str | Path) -> StackOutputs:
    """Read the JSON of `pulumi stack output --json`; errors name the file and the key."""
    p = Path(path)
    try:
        check_regular(p)  # a FIFO would block the read, /dev/zero fill the memory
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetsError(f"{p}: no such stack outputs file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TargetsError(f"{p}: not the JSON of `pulumi stack output --json`: {exc}") from None
    try:
        outputs = StackOutputs.model_validate(raw)
    except ValidationError as exc:
        raise TargetsError(
            "\n".join(f"{p}: {'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        ) from None
    problems = []
    for sid, so in outputs.systems.items():
        if not so.data_mount.startswith("/"):
            problems.append(f"{p}: systems.{sid}.data_mount: {so.data_mount!r} is not an absolute path")
        for i, inst in enumerate(so.instances):
            where = f"{p}: systems.{sid}.instances.{i}"
            for fp in inst.ssh_host_key_fingerprints:
                if not FINGERPRINT.match(fp):
                    problems.append(
                        f"{where}.ssh_host_key_fingerprints: {fp!r} is not an OpenSSH SHA256 fingerprint"
                    )
            for line in inst.ssh_host_keys:
                key_fp = key_fingerprint(line)
                if key_fp is None:
                    problems.append(f"{where}.ssh_host_keys: {line[:60]!r} is not an OpenSSH public key")
                elif inst.ssh_host_key_fingerprints and key_fp not in inst.ssh_host_key_fingerprints:
                    problems.append(
                        f"{where}.ssh_host_keys: the key {key_fp} is not among its "
                        f"ssh_host_key_fingerprints: the outputs contradict themselves"
                    )
    if problems:
        raise TargetsError("\n".join(problems))
    return outputs


def targets_from_outputs(
    outputs: StackOutputs,
    inventory: Inventory,
    base: dict[str, SystemTarget] | None = None,
    *,
    via: Literal["fixed", "floating"] = "fixed",
    user: str = "migrate",
) -> dict[str, SystemTarget]:
    """One SystemTarget per system of the outputs: every source host paired with its instance."""
    base = base or {}
    systems = inventory.by_id("systems")
    out: dict[str, SystemTarget] = {}
    problems: list[str] = []
    for sid, so in outputs.systems.items():
        system = systems.get(sid)
        if system is None:
            problems.append(f"stack outputs: systems.{sid}: not in the inventory")
            continue
        sources = [h for h in system.hosts if h.role != TARGET_ROLE]
        free = list(so.instances)
        mapped: list[tuple[Host, InstanceOutput]] = []
        for h in sources:
            inst = next((i for i in free if i.role == h.role), None)
            if inst is None and len(sources) == 1 and len(free) == 1:
                inst = free[0]  # one host, one instance: whatever the roles are called
            if inst is None:
                problems.append(
                    f"stack outputs: systems.{sid}: no instance with role {h.role!r} for source host "
                    f"{h.address}"
                )
                continue
            free.remove(inst)
            mapped.append((h, inst))
        if not mapped:
            continue
        given = base.get(sid)
        extra = {pt.role or pt.target.role: pt for pt in (given.hosts if given else [])}

        def target_host(inst: InstanceOutput, login: str, role: str, port: int) -> Host:
            address = inst.floating_ip if via == "floating" and inst.floating_ip else inst.fixed_ip
            return Host(address=address, port=port, user=login, role=role)

        (h0, i0), rest = mapped[0], mapped[1:]
        login = given.target.user if given else user
        port = given.target.port if given else 22  # a targets file may name another SSH port
        primary = (given or SystemTarget(target=Host(address=i0.fixed_ip))).model_copy(
            update={
                "target": target_host(i0, login, TARGET_ROLE, port),
                "source": h0.address,
                "data_root": so.data_mount,
                "hosts": [],
            }
        )
        pairs = []
        for h, inst in rest:
            spec = extra.get(h.role) or PairTarget(target=Host(address=inst.fixed_ip))
            pairs.append(
                spec.model_copy(
                    update={
                        "target": target_host(inst, spec.target.user, h.role, spec.target.port),
                        "source": h.address,
                        "role": h.role,
                        "data_root": so.data_mount,
                    }
                )
            )
        primary.hosts = pairs
        out[sid] = primary
    if problems:
        raise TargetsError("\n".join(problems))
    return out


def key_fingerprint(line: str) -> str | None:
    """OpenSSH's SHA256 fingerprint of a public key line (`TYPE BASE64 [comment]`), or None when
    the line is not an OpenSSH public key of a type paramiko can check."""
    import paramiko

    parts = line.split()
    if len(parts) < 2:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
        paramiko.PKey.from_type_string(parts[0], blob)
    except (ValueError, paramiko.SSHException):
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def _address(inst: InstanceOutput, via: Literal["fixed", "floating"]) -> str:
    return inst.floating_ip if via == "floating" and inst.floating_ip else inst.fixed_ip


def fingerprints_from_outputs(
    outputs: StackOutputs, via: Literal["fixed", "floating"] = "fixed"
) -> dict[str, list[str]]:
    """Target address -> the host-key fingerprints it is pinned to (its published keys')."""
    out: dict[str, list[str]] = {}
    for so in outputs.systems.values():
        for inst in so.instances:
            out.setdefault(_address(inst, via), []).extend(inst.pins())
    return out


def known_hosts_lines(
    outputs: StackOutputs, via: Literal["fixed", "floating"] = "fixed", port: int = 22
) -> list[str]:
    """The instances' published host keys as known_hosts lines (OpenSSH's ``ssh``, ``rsync -e ssh``
    with ``StrictHostKeyChecking yes``): one per key, named as OpenSSH names the host."""
    lines = []
    for so in outputs.systems.values():
        for inst in so.instances:
            address = _address(inst, via)
            name = address if port == 22 else f"[{address}]:{port}"
            lines += [f"{name} {' '.join(key.split()[:2])}\n" for key in inst.ssh_host_keys]
    return lines
