"""CLI area: stacks — `govcloud stacks generate` and `govcloud stacks preview` (on the root app)."""

from __future__ import annotations

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
SUMMARY_TYPES = (
    ("projects", "openstack:identity/project:Project"),
    ("servers", "openstack:compute/instance:Instance"),
    ("volumes", "openstack:blockstorage/volume:Volume"),
    ("srv grp", "openstack:compute/serverGroup:ServerGroup"),
    ("sec grp", "openstack:networking/secGroup:SecGroup"),
    ("rules", "openstack:networking/secGroupRule:SecGroupRule"),
    ("FIPs", "openstack:networking/floatingIp:FloatingIp"),
)


def say(message: str) -> None:
    console.print(message, markup=False, highlight=False, emoji=False)


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


@stacks_app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory for the Pulumi.<stack>.yaml files.")],
    plan_path: Annotated[
        Path | None, typer.Option("--plan", help=PLAN_HELP, show_default=False)
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help=SET_HELP)
    ] = None,
) -> None:
    """Write Pulumi.platform.yaml and one Pulumi.wave-NN.yaml per wave (no secrets: OS_CLOUD)."""
    from stacks.config import ConfigError
    from stacks.generate import generate_stack_files

    overrides = _parse_sets(sets)
    check_out_dir(out)
    plan, path = _plan_from(plan_path)
    if path is None:  # the stack files must name a plan file: keep the one just made next to them
        path = out / "plan.json"
        _keep_other_plan(path, plan)
        try:
            write_plan(plan, path)
        except OSError as exc:
            cannot_write(exc, path, "the plan")
    try:
        written = generate_stack_files(plan, out, _reference(path), overrides)
    except (ConfigError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        cannot_write(exc, out, "the stack files")
    for p in written:
        say(str(p))
    say(
        f"{len(written)} stack files; plan {_reference(path)}. Copy them next to Pulumi.yaml, then "
        "`pulumi up -s platform`, then each wave in order (credentials: OS_CLOUD + clouds.yaml)."
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


@stacks_app.command("preview")
def preview(
    wave: Annotated[
        int | None, typer.Option("--wave", help="Wave to preview (default: every wave, summary only).")
    ] = None,
    plan_path: Annotated[
        Path | None, typer.Option("--plan", help=PLAN_HELP, show_default=False)
    ] = None,
    platform: Annotated[bool, typer.Option("--platform", help="Preview the platform stack instead.")] = False,
    tree: Annotated[bool, typer.Option("--tree/--no-tree", help="Print the resource tree.")] = True,
    full: Annotated[
        bool, typer.Option("--full", help="List every resource in the tree, not counts.")
    ] = False,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help=SET_HELP)
    ] = None,
) -> None:
    """Run the real Pulumi program under the mock runtime (no cloud, no credentials)."""
    from stacks.config import ConfigError
    from stacks.preview import PreviewError, preview_platform, preview_wave

    overrides = _parse_sets(sets)
    plan, path = _plan_from(plan_path)
    with tempfile.TemporaryDirectory(prefix="govcloud-preview-") as tmp:
        if path is None:
            path = Path(tmp) / "plan.json"
            write_plan(plan, path)
        try:
            base = preview_platform(path, overrides)
            if platform:
                results = [base]
            else:
                numbers = [wave] if wave is not None else sorted(w.number for w in plan.waves)
                known = {w.number for w in plan.waves}
                if wave is not None and wave not in known:
                    fail(
                        f"--wave {wave}: the plan has no such wave "
                        f"(waves: {', '.join(map(str, sorted(known))) or 'none'})",
                        EXIT_USAGE,
                    )
                results = [preview_wave(path, n, overrides, platform=base) for n in numbers]
        except (ConfigError, PreviewError) as exc:
            fail(str(exc), EXIT_INVALID)
    if len(results) == 1:
        result = results[0]
        if tree:
            console.print(_tree(result, full))
        console.print(_counts_table(f"stack {result.stack}: resources per type", result.counts()))
        for w in result.warnings:
            say(f"warning: {w}")
        say(f"previewed in {result.seconds:.2f} s under the mock runtime (no cloud contacted)")
        return
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
