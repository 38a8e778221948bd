"""CLI area: stacks — `govcloud stacks generate` and `govcloud stacks preview` (on the root app)."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from govcloud.cli.app import app
from govcloud.cli.common import EXIT_INVALID, EXIT_USAGE, cannot_write, check_out_dir, console, fail
from planner.plan_model import Plan, PlanError, load_plan, write_plan

stacks_app = typer.Typer(
    no_args_is_help=True, help="Pulumi stacks: stack files and offline previews of each wave."
)
app.add_typer(stacks_app, name="stacks")

REPO_ROOT = Path(__file__).resolve().parents[2]
SET_HELP = "Override a Pulumi.yaml config key: KEY=VALUE (repeatable)."
PLAN_HELP = "Read this plan.json (written by `govcloud plan`). Default: plan the bundled sample city now."
# Types summarised in the per-wave table, in the order a cloud engineer reads them.
PROJECT = "openstack:identity/project:Project"
COMPUTE_QUOTA = "openstack:compute/quotaSetV2:QuotaSetV2"
VOLUME_QUOTA = "openstack:blockstorage/quoteSetV3:QuoteSetV3"
RBAC = "openstack:networking/rbacPolicyV2:RbacPolicyV2"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
BASELINE_TYPE = "govcloud:platform:BaselineAccess"
LOAD_BALANCER = "openstack:loadbalancer/loadBalancer:LoadBalancer"
LISTENER = "openstack:loadbalancer/listener:Listener"
MEMBER = "openstack:loadbalancer/member:Member"
SUMMARY_TYPES = (
    ("depts", "govcloud:wave:DepartmentWave"),
    ("servers", "openstack:compute/instance:Instance"),
    ("volumes", "openstack:blockstorage/volume:Volume"),
    ("srv grp", "openstack:compute/serverGroup:ServerGroup"),
    ("sec grp", "openstack:networking/secGroup:SecGroup"),
    ("rules", "openstack:networking/secGroupRule:SecGroupRule"),
    ("FIPs", "openstack:networking/floatingIp:FloatingIp"),
    ("LBs", LOAD_BALANCER),
)


def say(message: str) -> None:
    console.print(message, markup=False, highlight=False, emoji=False, soft_wrap=True)


def _parse_sets(values: list[str] | None) -> dict[str, Any]:
    """`KEY=VALUE` overrides of project config; a JSON list value for array keys."""
    out: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(
                f"--set {item!r}: expected KEY=VALUE (a key of Pulumi.yaml, without `govcloud:`)", EXIT_USAGE
            )
        key = key.removeprefix("govcloud:")
        try:
            out[key] = json.loads(value) if value.startswith("[") else value
        except json.JSONDecodeError as exc:
            fail(f"--set {key}: not a JSON list: {exc}", EXIT_USAGE)
    return out


def _plan_from(path: Path | None) -> tuple[Plan, Path | None]:
    """The plan file given, or the bundled sample city planned now (what `govcloud plan` would write)."""
    from planner import plan_for

    return plan_for(None, None, path), path


def _keep_other_plan(path: Path, plan: Plan) -> None:
    """Refuse to replace a plan.json of another inventory (the user's work) with the bundled city's."""
    if not path.exists():
        return
    try:
        same = load_plan(path).inventory.digest == plan.inventory.digest
    except PlanError:
        same = False
    if not same:
        fail(
            f"{path} already holds another plan: pass it with --plan {path}, or choose another --out",
            EXIT_USAGE,
        )


def _reference(path: Path) -> str:
    """How a stack file names a plan: relative to the repository root when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(REPO_ROOT))
    except ValueError:
        return str(resolved)


def _deployed_systems(url: str) -> set[str]:
    """Systems the progress database records as migrated (their stacks must not change)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from reporting.progress import EventKind, EventRow, make_engine

    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(
                select(EventRow.subject).where(EventRow.kind == EventKind.SYSTEM_MIGRATED.value)
            )
            return {str(r[0]) for r in rows}
    except (SQLAlchemyError, OSError, ValueError) as exc:
        fail(f"--progress-db {url}: cannot read the progress database: {exc}")
    finally:
        with contextlib.suppress(UnboundLocalError):
            engine.dispose()


def _inventory_for(overrides: dict[str, Any], path: Path | None) -> Any:
    """The inventory whose hosts pick the images (--inventory, else the `inventory` override)."""
    from inventory.loader import load_inventory
    from inventory.problems import InventoryError

    if path is None and overrides.get("inventory"):
        path = Path(str(overrides["inventory"]))
    if path is None:
        return None
    try:
        inventory = load_inventory(path)
    except InventoryError as exc:
        fail(str(exc))
    overrides["inventory"] = _reference(path)
    return inventory


@stacks_app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory for the Pulumi.<stack>.yaml files.")],
    plan_path: Annotated[Path | None, typer.Option("--plan", help=PLAN_HELP, show_default=False)] = None,
    inventory_path: Annotated[
        Path | None,
        typer.Option(
            "--inventory", help="Inventory whose hosts' OS picks each system's image.", show_default=False
        ),
    ] = None,
    progress_db: Annotated[
        str | None,
        typer.Option(
            "--progress-db", help="Progress database URL: its migrated systems stay in their waves."
        ),
    ] = None,
    allow_change: Annotated[
        list[str] | None,
        typer.Option("--allow-change", help="A system of a deployed wave that may change (repeatable)."),
    ] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
) -> None:
    """Write Pulumi.platform.yaml, Pulumi.departments.yaml and one Pulumi.wave-NN.yaml per wave."""
    from stacks.config import ConfigError
    from stacks.generate import LifecycleError, StackFileError, generate_stack_files
    from stacks.program import ImageError

    overrides = _parse_sets(sets)
    check_out_dir(out)
    plan, path = _plan_from(plan_path)
    inventory = _inventory_for(overrides, inventory_path)
    deployed = _deployed_systems(progress_db) if progress_db else set()
    made_now = path is None
    if path is None:  # the stack files must name a plan file: keep the one just made next to them
        path = out / "plan.json"
        _keep_other_plan(path, plan)
    try:
        result = generate_stack_files(
            plan,
            path,
            out,
            _reference(path),
            overrides,
            deployed=deployed,
            allow_change=allow_change or [],
            inventory=inventory,
            reference=_reference,
            write_plan_file=made_now,
        )
    except ImageError as exc:
        fail(str(exc), EXIT_INVALID)
    except (LifecycleError, StackFileError) as exc:
        fail(str(exc), EXIT_INVALID)
    except (ConfigError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        cannot_write(exc, out, "the stack files")
    for p in result.written:
        say(str(p))
    for name, keys in result.kept.items():
        say(f"{out / name}: kept {keys.describe()} (set with the Pulumi CLI)")
    for p in result.removed:
        held = result.dropped.get(p)
        gone = f"; it held {held.describe()}, gone with it" if held else ""
        say(f"removed {p} (the plan has no such wave any more){gone}")
    for sid, (planned, kept) in sorted(result.pinned.items()):
        say(f"kept {sid} in wave {kept} (deployed; the plan moves it to wave {planned})")
    for line in result.undersized:
        say(f"undersized: {line}")
    say(
        f"{len(result.written)} stack files. Copy them next to Pulumi.yaml, then `pulumi up -s platform`, "
        "`-s departments`, then each wave in order (stacks/README.md: credentials)."
    )


def _label(resource: Any) -> Text:
    return Text(f"{resource.type.split(':')[-1]} {resource.name}")


def _tree(result: Any, full: bool) -> Tree:
    """Components with their resources (all of them with --full, else counts per type)."""
    kids = result.children()
    urns = {r.urn for r in result.resources}
    # Top-level resources hang off the stack resource, which is not recorded.
    top = [r for r in result.resources if r.parent not in urns]
    kids[None] = top
    root = Tree(Text(f"stack {result.stack}"))

    def add(node: Tree, parent: str | None) -> None:
        children = kids.get(parent, [])
        leaves = [c for c in children if not c.is_component and c.urn not in kids]
        for c in children:
            if c.is_component or c.urn in kids:
                add(node.add(_label(c)), c.urn)
        if full:
            for leaf in leaves:
                node.add(_label(leaf))
        else:
            for t, n in sorted(Counter(leaf.type.split(":")[-1] for leaf in leaves).items()):
                node.add(Text(f"{n} × {t}"))

    add(root, None)
    return root


def _counts_table(title: str, counts: Counter[str]) -> Table:
    table = Table(title=title)
    table.add_column("resource type")
    table.add_column("count", justify="right")
    for t, n in sorted(counts.items()):
        table.add_row(Text(t), str(n))
    table.add_row("total", str(sum(counts.values())), style="bold")
    return table


def _projects_table(departments: Any) -> Table:
    """One row per department project of the departments stack."""
    table = Table(title="projects per department (stack departments)")
    for col in ("department", "project", "domains shared", "instances", "vCPU", "volumes GB"):
        table.add_column(col, justify="right" if col in ("instances", "vCPU", "volumes GB") else "left")
    quotas = {q.name.removesuffix("-compute-quota"): q.inputs for q in departments.of_type(COMPUTE_QUOTA)}
    volumes = {q.name.removesuffix("-volume-quota"): q.inputs for q in departments.of_type(VOLUME_QUOTA)}
    shares: dict[str, list[str]] = {}
    for r in departments.of_type(RBAC):
        if r.inputs.get("objectType") == "network":
            dept, _, rest = r.name.partition("-")
            shares.setdefault(r.name.split("-")[0], []).append(
                r.name.removesuffix("-net-share").split("-", 1)[-1]
            )
    for project in departments.of_type(PROJECT):
        dept = project.name.removesuffix("-project")
        q, v = quotas.get(dept, {}), volumes.get(dept, {})
        table.add_row(
            Text(dept),
            Text(str(project.inputs.get("name"))),
            Text(", ".join(sorted(shares.get(dept, [])))),
            str(int(q.get("instances", 0))),
            str(int(q.get("cores", 0))),
            str(int(v.get("gigabytes", 0))),
        )
    return table


def _baseline_table(platform: Any) -> Table:
    """The rules every migrated server carries (one baseline group per domain)."""
    table = Table(title="baseline rules (one group per domain)")
    for col in ("domain", "direction", "protocol", "port", "remote", "purpose"):
        table.add_column(col, no_wrap=col == "remote")
    groups = {
        r.urn: r.name.removeprefix("baseline-").removesuffix("-service")
        for r in platform.of_type(BASELINE_TYPE)
    }
    for r in platform.of_type(RULE):
        if r.parent in groups:
            p = r.inputs
            table.add_row(
                Text(groups[r.parent]),
                Text(str(p.get("direction"))),
                Text(str(p.get("protocol"))),
                str(int(p.get("portRangeMin") or 0)),
                Text(str(p.get("remoteIpPrefix"))),
                Text(str(p.get("description", "")).removeprefix("baseline: ")),
            )
    return table


def _balancers_table(results: list[Any]) -> Table | None:
    """One row per load balancer: its system, listener ports and members per pool (its servers)."""
    rows = []
    for result in results:
        for lb in result.of_type(LOAD_BALANCER):
            listeners = [x for x in result.of_type(LISTENER) if x.parent == lb.parent]
            members = [m for m in result.of_type(MEMBER) if m.parent == lb.parent]
            ports = sorted(int(x.inputs["protocolPort"]) for x in listeners)
            rows.append(
                (result.stack, lb.name.removesuffix("-public-lb"), ports, len(members) // max(1, len(ports)))
            )
    if not rows:
        return None
    table = Table(title="load balancers (public multi-server systems)")
    for col in ("stack", "system", "ports", "members"):
        table.add_column(col)
    for stack, system, lb_ports, per_pool in rows:
        table.add_row(stack, Text(system), ", ".join(map(str, lb_ports)), str(per_pool))
    return table


@stacks_app.command("preview")
def preview(
    wave: Annotated[
        int | None, typer.Option("--wave", help="Wave to preview (default: every wave, summary only).")
    ] = None,
    plan_path: Annotated[Path | None, typer.Option("--plan", help=PLAN_HELP, show_default=False)] = None,
    platform: Annotated[bool, typer.Option("--platform", help="Preview the platform stack instead.")] = False,
    departments: Annotated[
        bool, typer.Option("--departments", help="Preview the departments stack instead.")
    ] = False,
    tree: Annotated[bool, typer.Option("--tree/--no-tree", help="Print the resource tree.")] = True,
    full: Annotated[
        bool, typer.Option("--full", help="List every resource in the tree, not counts.")
    ] = False,
    sets: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
) -> None:
    """Run the real Pulumi program under the mock runtime (no cloud, no credentials)."""
    from stacks.config import ConfigError
    from stacks.preview import (
        PreviewError,
        preview_departments,
        preview_platform,
        preview_wave,
        without_cycle_collection,
    )

    overrides = _parse_sets(sets)
    plan, path = _plan_from(plan_path)
    known = {w.number for w in plan.waves}
    if wave is not None and wave not in known:
        fail(
            f"--wave {wave}: the plan has no such wave "
            f"(waves: {', '.join(map(str, sorted(known))) or 'none'})",
            EXIT_USAGE,
        )
    with tempfile.TemporaryDirectory(prefix="govcloud-preview-") as tmp:
        if path is None:
            path = Path(tmp) / "plan.json"
            write_plan(plan, path)
        try:
            with without_cycle_collection():
                base = preview_platform(path, overrides)
                depts = preview_departments(path, overrides, platform=base)
                if platform:
                    results = [base]
                elif departments:
                    results = [depts]
                else:
                    numbers = [wave] if wave is not None else sorted(known)
                    results = [
                        preview_wave(path, n, overrides, platform=base, departments=depts) for n in numbers
                    ]
        except (ConfigError, PreviewError) as exc:
            fail(str(exc), EXIT_INVALID)
    if platform or departments or wave is not None:
        result = results[0]
        if tree:
            console.print(_tree(result, full))
        console.print(_counts_table(f"stack {result.stack}: resources per type", result.counts()))
        if platform:
            console.print(_baseline_table(base))
        if departments:
            console.print(_projects_table(depts))
        lbs = _balancers_table(results)
        if lbs is not None:
            console.print(lbs)
        for w in result.warnings:
            say(f"warning: {w}")
        say(f"previewed in {result.seconds:.2f} s under the mock runtime (no cloud contacted)")
        return
    console.print(_projects_table(depts))
    console.print(_baseline_table(base))
    # Compact padding so every column, the total included, fits an 80-column terminal.
    table = Table(title="resources per wave", padding=(0, 0), pad_edge=False)
    table.add_column("stack", no_wrap=True)
    for label, _ in SUMMARY_TYPES:
        table.add_column(f" {label}", justify="right", no_wrap=True)
    table.add_column(" total", justify="right", no_wrap=True)
    for result in results:
        counts = result.counts()
        table.add_row(
            result.stack, *(str(counts.get(t, 0)) for _, t in SUMMARY_TYPES), str(sum(counts.values()))
        )
    console.print(table)
    lbs = _balancers_table(results)
    if lbs is not None:
        console.print(lbs)


@stacks_app.command("boundary")
def boundary(
    xlsx: Annotated[Path, typer.Option("--xlsx", help="Write the firewall change request workbook here.")],
    plan_path: Annotated[Path | None, typer.Option("--plan", help=PLAN_HELP, show_default=False)] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
) -> None:
    """Firewall change request for `boundary: external`: the cross-domain flows to allow (MLPS-3)."""
    from stacks.boundary_request import change_rows, write_change_request
    from stacks.config import ConfigError, settings_from_values

    overrides = _parse_sets(sets)
    plan, _ = _plan_from(plan_path)
    try:
        settings = settings_from_values(overrides)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    rows = change_rows(plan, settings)
    try:
        write_change_request(rows, xlsx, plan.inventory.city)
    except OSError as exc:
        cannot_write(exc, xlsx, "the change request")
    say(f"{xlsx}: {len(rows)} cross-domain flow(s) to allow on the boundary firewall (MLPS-3)")


@stacks_app.command("known-hosts")
def known_hosts(
    stack_outputs: Annotated[
        Path, typer.Option("--stack-outputs", help="JSON of `pulumi stack output --json` of a wave.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Write the known_hosts file here.")],
    via: Annotated[
        str, typer.Option("--via", help="Name the hosts by their `fixed` or `floating` IP.")
    ] = "fixed",
    port: Annotated[int, typer.Option("--port", help="SSH port the hosts are reached on.")] = 22,
) -> None:
    """known_hosts of a wave's instances from the host keys its stack program generated, for
    OpenSSH's own strict checking (`ssh -o StrictHostKeyChecking=yes -o UserKnownHostsFile=FILE`)."""
    from foundation.atomic import atomic_write_text
    from playbooks.errors import TargetsError
    from playbooks.outputs import known_hosts_lines, load_stack_outputs

    if via not in ("fixed", "floating"):
        fail(f"--via {via!r}: one of fixed, floating", EXIT_USAGE)
    if not 1 <= port <= 65535:
        fail(f"--port {port}: not a TCP port", EXIT_USAGE)
    try:
        lines = known_hosts_lines(load_stack_outputs(stack_outputs), via, port)  # type: ignore[arg-type]
    except TargetsError as exc:
        fail(str(exc), EXIT_INVALID)
    try:
        atomic_write_text(out, "".join(lines))
    except OSError as exc:
        cannot_write(exc, out, "the known_hosts file")
    say(f"{out}: {len(lines)} host key(s) from {stack_outputs}")
