"""Rendering a system's runbook from the plan, the inventory's hosts and the targets file.

The target of a system comes from the targets file (``--targets FILE``, YAML)::

    systems:
      fin-budget:
        target: {address: 10.20.0.15, port: 22, user: migrate}
        data_root: /srv/govcloud/fin-budget      # default /srv/govcloud/<system-id>
        sudo: true                               # source side: rsync, find, sha256sum each under `sudo -n`
        service_sudo: false                      # the source's service commands (default: as sudo)
        target_sudo: true                        # receiving rsync and target service under `sudo -n`
        service: {unit: fin-budget}              # or any of exists/stop/start/is_frozen/... as commands
        env: {DB_PASSWORD: "..."}                # given to commands on stdin, redacted everywhere by value
        secrets: ["..."]                         # further values never written anywhere
        hosts:                                   # multi-host systems: each further source host's target
          - {role: db, target: {address: 10.20.0.16}, database: {engine: postgresql, ...}}

or from ``--stack-outputs`` (see playbooks/outputs.py), or, without either, from the system's
inventory host whose ``role`` is ``target``. Host keys never come from here nor from the
inventory: the operator's known_hosts and the stack outputs' fingerprints decide.
Service commands may name {{ data_root }}, {{ current_link }} and {{ system }}: they are
replaced literally; the targets file is data and is never rendered as a template.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import yaml
from pydantic import ValidationError

from foundation.inputs import check_regular
from foundation.paths import path_for_id
from foundation.text import for_comment
from inventory.models import Host, Inventory, System
from planner.plan_model import Disposition, Plan, PlanSystem
from playbooks.errors import RenderError, TargetsError
from playbooks.model import PairTarget, Runbook, ServiceCommands, SystemTarget, TargetsFile
from playbooks.redact import Redactor
from playbooks.rsync import bwlimit_kib

TEMPLATES = Path(__file__).parent / "templates"
RUNBOOK_TEMPLATE = "runbook.yaml.j2"
TARGET_ROLE = "target"
DEFAULT_DATA_ROOT = "/srv/govcloud"
# Dispositions whose data moves to a target host.
MOVING = frozenset({Disposition.MIGRATE, Disposition.MERGE})


@dataclass
class RenderedRunbook:
    """A runbook as text (what engineers read) and as a model (what runs), plus its secrets."""

    text: str
    runbook: Runbook
    env: dict[str, str] = field(default_factory=dict)
    redactor: Redactor = field(default_factory=Redactor)
    sudo: bool = False


def load_targets(path: str | Path) -> dict[str, SystemTarget]:
    """Read a targets file; errors name the file, the system and the field."""
    p = Path(path)
    try:
        check_regular(p)  # a FIFO would block read_text, /dev/zero fill the memory
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise TargetsError(f"{p}: no such targets file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TargetsError(f"{p}: not a YAML targets file: {exc}") from None
    try:
        return TargetsFile.model_validate(raw).systems
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            loc = [str(x) for x in e["loc"]]
            where = (
                f"{loc[1]}: {'.'.join(loc[2:])}" if len(loc) > 1 and loc[0] == "systems" else ".".join(loc)
            )
            lines.append(f"{p}: {where}: {e['msg']}")
        raise TargetsError("\n".join(lines)) from None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["q"] = lambda v: shlex.quote(str(v))
    # A JSON scalar is valid YAML in flow context and survives any shell text (quotes, '#', '[').
    env.filters["y"] = lambda v: json.dumps(v, ensure_ascii=False)
    env.filters["comment"] = lambda v: for_comment(str(v))  # no line break ends a comment early
    return env


# The only names a targets-file command may use; replaced literally, never evaluated.
PLACEHOLDER = re.compile(r"\{\{\s*(data_root|current_link|system)\s*\}\}")


def substitute(command: str, values: dict[str, str]) -> str:
    """*command* with ``{{ data_root }}`` etc. replaced by their values (the file is data, not Jinja)."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], command)


def service_commands(
    service: ServiceCommands, unit: str, data_root: str, current_link: str, system_id: str
) -> dict[str, str | None]:
    """The service commands of one host pair: the targets file's, else systemd defaults."""
    u, root, link = shlex.quote(unit), shlex.quote(data_root), shlex.quote(current_link)
    defaults: dict[str, str | None] = {
        "exists": f"systemctl cat -- {u} >/dev/null 2>&1",
        "is_frozen": f"! systemctl is-active --quiet {u}",
        "stop": f"systemctl stop {u}",
        "start": f"systemctl start {u}",
        "target_is_serving": f'test "$(readlink {link})" = {root} && systemctl is-active --quiet {u}',
        "target_start": f"ln -sfn {root} {link} && systemctl start {u}",
        "target_stop": f"systemctl stop {u} || true",
        "target_health": f"systemctl is-active --quiet {u}",
        "switch_endpoint": None,
        "switch_back": None,
        "smoke_test": None,
    }
    values = {"data_root": data_root, "current_link": current_link, "system": system_id}
    given = service.model_dump(exclude={"unit"})
    return {k: substitute(given[k], values) if given.get(k) else v for k, v in defaults.items()}


def _sources(system: System) -> list[Host]:
    return [h for h in system.hosts if h.role != TARGET_ROLE]


def _pick_source(system: System, choice: str | None, role: str | None, claimed: list[Host]) -> Host:
    candidates = [h for h in _sources(system) if not any(h is c for c in claimed)]
    if choice or role:
        for h in candidates:
            if (choice and h.address == choice) or (not choice and role and h.role == role):
                return h
        raise RenderError(
            f"{system.id}: hosts: no source host with "
            + (f"address {choice!r}" if choice else f"role {role!r}")
        )
    with_data = [h for h in candidates if h.data_dirs]
    if len(with_data) > 1:
        raise RenderError(
            f"{system.id}: hosts: {len(with_data)} hosts have data_dirs; map each to its target "
            f"under `hosts:` in the targets file (or give --stack-outputs)"
        )
    if with_data:
        return with_data[0]
    if candidates:
        return candidates[0]
    raise RenderError(f"{system.id}: hosts: the inventory lists no source host to migrate from")


def _target(system: System, targets: dict[str, SystemTarget]) -> SystemTarget:
    if system.id in targets:
        return targets[system.id]
    for h in system.hosts:
        if h.role == TARGET_ROLE:
            return SystemTarget(target=h)
    raise RenderError(
        f"{system.id}: no target host: add it to the targets file (--targets), give --stack-outputs, "
        f"or give the system an inventory host with role '{TARGET_ROLE}'"
    )


def _data_dirs(source: Host, data_root: str) -> list[dict[str, str]]:
    dirs, used = [], set()
    for d in source.data_dirs:
        src = str(PurePosixPath(d))
        if not PurePosixPath(src).is_absolute():
            raise RenderError(f"{source.address}: data_dirs: {d!r} is not an absolute path")
        base = PurePosixPath(src).name or "root"
        name, n = base, 2
        while name in used:  # two dirs with one basename land side by side, not on each other
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        dirs.append({"source": src, "target": str(PurePosixPath(data_root) / name)})
    return dirs


def _pair(
    system_id: str, source: Host, spec: SystemTarget | PairTarget, default_root: str, unit: str
) -> dict[str, Any]:
    data_root = spec.data_root or default_root
    if not PurePosixPath(data_root).is_absolute():
        raise RenderError(f"{system_id}: data_root: {data_root!r} is not an absolute path")
    current_link = spec.current_link or f"{data_root}.current"
    tgt = spec.target
    return {
        "role": source.role,
        "source": source,
        "target": tgt,
        "fingerprints": list(getattr(tgt, "host_key_fingerprints", None) or []),
        "data_root": data_root,
        "data": _data_dirs(source, data_root),
        "sudo": spec.sudo,
        "target_sudo": spec.target_sudo,
        "service_sudo": spec.sudo if spec.service_sudo is None else spec.service_sudo,
        "authorized_keys": spec.authorized_keys or ".ssh/authorized_keys",
        "rsync_address": spec.rsync_address,
        "database": spec.database.model_dump(mode="json") if spec.database else None,
        "cmd": service_commands(spec.service, spec.service.unit or unit, data_root, current_link, system_id),
    }


def render_runbook(
    system_id: str,
    plan: Plan,
    inventory: Inventory,
    targets: dict[str, SystemTarget] | None = None,
    fingerprints: dict[str, list[str]] | None = None,
    *,
    bandwidth_mbps: float | None = None,
) -> RenderedRunbook:
    """Render a system's runbook from the plan, its inventory hosts and its targets entry.

    *fingerprints* maps a target address to the SHA-256 host-key fingerprints the stack outputs
    published for it (the operator's record; the inventory never decides host trust).
    *bandwidth_mbps* is the policy's ``cutover.bandwidth_mbps``: the throughput CUT-1 planned
    each system's copy at, so rsync is held to it (``--bwlimit``); None renders no limit.
    """
    try:
        planned: PlanSystem = plan.system(system_id)
    except KeyError:
        raise RenderError(f"{system_id}: not in the plan") from None
    if planned.disposition not in MOVING:
        raise RenderError(
            f"{system_id}: disposition is {planned.disposition.value}: no data moves, no runbook"
        )
    system = inventory.by_id("systems").get(system_id)
    if system is None:
        raise RenderError(f"{system_id}: in the plan but not in the inventory (plan and inventory differ)")
    tgt = _target(system, targets or {})
    default_root = str(path_for_id(PurePosixPath(DEFAULT_DATA_ROOT), system_id))
    claimed: list[Host] = []
    extra: list[tuple[Host, PairTarget]] = []
    for pt in tgt.hosts:
        h = _pick_source(system, pt.source, pt.role or pt.target.role, claimed)
        claimed.append(h)
        extra.append((h, pt))
    pairs = []
    if not tgt.hosts or tgt.source or [h for h in _sources(system) if h.data_dirs and h not in claimed]:
        primary = _pick_source(system, tgt.source, None, claimed)
        pairs.append(_pair(system_id, primary, tgt, default_root, system_id))
    for h, pt in extra:
        root = str(path_for_id(PurePosixPath(default_root), h.role))
        pairs.append(_pair(system_id, h, pt, root, pt.service.unit or system_id))
    roles = [p["role"] for p in pairs]
    for i, p in enumerate(pairs):
        if roles.count(p["role"]) > 1:
            p["role"] = f"{p['role']}-{i + 1}"
    for p in pairs:
        p["fingerprints"] = p["fingerprints"] or list((fingerprints or {}).get(p["target"].address, []))
    method = (planned.method.value if planned.method else None) or "cold"
    context = {
        "system": planned,
        "method": method,
        "downtime_hours": system.downtime_hours,
        "bandwidth_kbps": bwlimit_kib(bandwidth_mbps) if bandwidth_mbps else None,
        "pairs": pairs,
        "cutover": sorted(pairs, key=lambda p: (p["database"] is None, p["role"])),
        "env_names": sorted(tgt.env),
    }
    text = _environment().get_template(RUNBOOK_TEMPLATE).render(context)
    try:
        runbook = Runbook.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise RenderError(
            f"{system_id}: the rendered runbook is not valid (template {RUNBOOK_TEMPLATE}): {exc}"
        ) from None
    # Every environment value is a secret: redaction goes by value, whatever the variable is called.
    redactor = Redactor([*tgt.secrets, *tgt.env.values()])
    return RenderedRunbook(
        text=redactor.scrub(text), runbook=runbook, env=dict(tgt.env), redactor=redactor, sudo=tgt.sudo
    )
