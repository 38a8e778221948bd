"""Rendering a system's runbook from the plan, the inventory's hosts and the targets file.

The target of a system comes from the targets file (``--targets FILE``, YAML)::

    systems:
      fin-budget:
        target: {address: 10.20.0.15, port: 22, user: migrate, known_hosts: /etc/govcloud/known_hosts}
        data_root: /srv/govcloud/fin-budget      # default /srv/govcloud/<system-id>
        sudo: true                               # run service commands with `sudo -n`
        service: {unit: fin-budget}              # or any of stop/start/is_frozen/... as commands
        env: {DB_PASSWORD: "..."}                # exported to commands, redacted everywhere
        secrets: ["..."]                         # further values never written anywhere

or, without an entry there, from the system's inventory host whose ``role`` is ``target``.
Service commands may use the template variables ({{ data_root }}, {{ current_link }}, {{ system }}).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import jinja2
import yaml
from pydantic import ValidationError

from foundation.inputs import check_regular
from foundation.paths import path_for_id
from foundation.text import for_comment
from inventory.models import Host, Inventory, System
from planner.plan_model import Disposition, Plan, PlanSystem
from playbooks.errors import RenderError, TargetsError
from playbooks.model import Runbook, SystemTarget, TargetsFile
from playbooks.redact import Redactor

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


def _source_host(system: System, choice: str | None) -> Host:
    candidates = [h for h in system.hosts if h.role != TARGET_ROLE]
    if choice:
        for h in candidates:
            if h.address == choice:
                return h
        raise RenderError(f"{system.id}: hosts: no source host with address {choice!r}")
    with_data = [h for h in candidates if h.data_dirs]
    if len(with_data) > 1:
        raise RenderError(
            f"{system.id}: hosts: {len(with_data)} hosts have data_dirs; name the one to migrate with "
            f"`source:` in the targets file (one source host per runbook)"
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
        f"{system.id}: no target host: add it to the targets file (--targets) or give the system an "
        f"inventory host with role '{TARGET_ROLE}'"
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


def render_runbook(
    system_id: str, plan: Plan, inventory: Inventory, targets: dict[str, SystemTarget] | None = None
) -> RenderedRunbook:
    """Render a system's runbook from the plan, its inventory hosts and its targets entry."""
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
    source = _source_host(system, tgt.source)
    data_root = tgt.data_root or str(path_for_id(PurePosixPath(DEFAULT_DATA_ROOT), system_id))
    if not PurePosixPath(data_root).is_absolute():
        raise RenderError(f"{system_id}: data_root: {data_root!r} is not an absolute path")
    current_link = tgt.current_link or f"{data_root}.current"
    context = {
        "system": planned,
        "source": source,
        "target": tgt.target,
        "data_root": data_root,
        "current_link": current_link,
        "data": _data_dirs(source, data_root),
        "sudo": tgt.sudo,
        "unit": tgt.service.unit or system_id,
        "env_names": sorted(tgt.env),
    }
    env = _environment()
    # Service commands from the targets file may use the same variables as the template.
    service = {}
    for key, cmd in tgt.service.model_dump(exclude={"unit"}).items():
        service[key] = env.from_string(cmd).render(context) if cmd else None
    text = env.get_template(RUNBOOK_TEMPLATE).render(context, service=service)
    try:
        runbook = Runbook.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise RenderError(
            f"{system_id}: the rendered runbook is not valid (template {RUNBOOK_TEMPLATE}): {exc}"
        ) from None
    redactor = Redactor(tgt.secrets)
    redactor.add_environment(tgt.env)
    return RenderedRunbook(
        text=redactor.scrub(text), runbook=runbook, env=dict(tgt.env), redactor=redactor, sudo=tgt.sudo
    )
