"""CLI area: playbook (registered on the root app as `govcloud playbook`).

    govcloud playbook render SYSTEM-ID [--plan FILE] [--inventory PATH] [--policy FILE] [--targets FILE]
                             [--stack-outputs FILE]
    govcloud playbook run SYSTEM-ID | --wave N [--dry-run] [--known-hosts FILE] [--identity FILE]
                          [--journal-dir DIR] [--workers N] [--progress-db URL] [--allow-overrun]
                          [--bwlimit-mbps N]
    govcloud playbook rollback SYSTEM-ID [--force] ...
    govcloud playbook finalise SYSTEM-ID ...

Without --plan the inventory (default: the bundled city) is planned in memory, as every other
command that reads a plan does; a --plan must be a plan of that inventory.
A system's target instances come from the wave's stack outputs (--stack-outputs, the JSON of
`pulumi stack output --json`), the targets file (see playbooks/render.py for its format) or,
failing both, its inventory host with role `target`. Host keys come from --known-hosts and the
stack outputs' fingerprints only. With --progress-db, each system is locked while it runs and
every step is recorded: several controllers can run one wave, each taking the free systems.
Exit codes: 0 every system complete (or dry run clean), 1 invalid input or at least one system
not complete, 2 usage error.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.logging import RichHandler
from rich.table import Table

from govcloud.cli.app import app
from govcloud.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    INVENTORY_HELP,
    PLAN_HELP,
    POLICY_HELP,
    console,
    err_console,
    fail,
    plan_inputs,
    require_inputs,
)
from inventory.models import Inventory
from planner.plan_model import Plan
from playbooks.errors import PlaybookError
from playbooks.model import SystemTarget
from playbooks.outputs import fingerprints_from_outputs, load_stack_outputs, targets_from_outputs
from playbooks.render import MOVING, RenderedRunbook, load_targets, render_runbook
from playbooks.rsync import bwlimit_kib
from playbooks.runner import (
    SUMMARY_COLUMNS,
    RunOptions,
    RunResult,
    finalise_runbook,
    rollback_runbook,
    run_wave,
    summary_rows,
)
from playbooks.ssh import Connector, Credentials
from reporting.progress import MigrationLedger, ProgressError

playbook_app = typer.Typer(
    no_args_is_help=True, help="Migration runbooks: render them, run them over SSH (MLPS-4)."
)
app.add_typer(playbook_app, name="playbook")

DEFAULT_JOURNALS = Path("out/journal")

PlanOpt = typer.Option(None, "--plan", help=PLAN_HELP, show_default=False)
InventoryOpt = typer.Option(None, "--inventory", help=INVENTORY_HELP, show_default=False)
PolicyOpt = typer.Option(None, "--policy", help=POLICY_HELP, show_default=False)
TargetsOpt = typer.Option(
    None, "--targets", help="YAML: system id -> target host, data root, service commands."
)
OutputsOpt = typer.Option(
    None, "--stack-outputs", help="JSON of `pulumi stack output --json` of the wave: the target instances."
)
ProgressOpt = typer.Option(
    None, "--progress-db", help="Progress database URL: per-system locks and step records."
)


Inputs = tuple[Plan, Inventory, dict[str, SystemTarget], dict[str, list[str]], float]


def _inputs(
    plan_path: Path | None,
    inventory_path: Path | None,
    policy_path: Path | None,
    targets_path: Path | None,
    outputs_path: Path | None = None,
) -> Inputs:
    """The plan (read, or made now), its inventory, the targets, host-key fingerprints and the
    policy's migration bandwidth (CUT-1, Mb/s: rsync's limit), or exit 1."""
    # Every missing input named at once, before planning.
    require_inputs(
        ("inventory", inventory_path),
        ("plan", plan_path),
        ("policy", policy_path),
        ("targets", targets_path),
        ("stack outputs", outputs_path),
    )
    plan, inventory, policy = plan_inputs(inventory_path, plan_path, policy_path)
    fingerprints: dict[str, list[str]] = {}
    try:
        targets = load_targets(targets_path) if targets_path else {}
        if outputs_path:
            outputs = load_stack_outputs(outputs_path)
            targets = {**targets, **targets_from_outputs(outputs, inventory, targets)}
            fingerprints = fingerprints_from_outputs(outputs)
    except PlaybookError as exc:
        fail(str(exc), EXIT_INVALID)
    return plan, inventory, targets, fingerprints, policy.cutover.bandwidth_mbps


def _logging(verbose: bool) -> None:
    handler = RichHandler(console=err_console, show_path=False, markup=False)
    logger = logging.getLogger("playbooks")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


@playbook_app.command("render")
def render_cmd(
    system_id: str = typer.Argument(..., help="System id of the plan."),
    plan: Path | None = PlanOpt,
    inventory: Path | None = InventoryOpt,
    policy: Path | None = PolicyOpt,
    targets: Path | None = TargetsOpt,
    stack_outputs: Path | None = OutputsOpt,
) -> None:
    """Print a system's rendered runbook (secrets masked): exactly what `run` executes."""
    p, inv, tg, fps, bw = _inputs(plan, inventory, policy, targets, stack_outputs)
    try:
        rendered = render_runbook(system_id, p, inv, tg, fps, bandwidth_mbps=bw)
    except PlaybookError as exc:
        fail(str(exc), EXIT_INVALID)
    console.print(rendered.text, markup=False, highlight=False, soft_wrap=True, end="")


def _connector(known_hosts: Path | None, identity: Path | None, no_agent: bool) -> Connector:
    if identity is not None and not identity.is_file():
        fail(f"{identity}: no such identity file", EXIT_INVALID)
    if known_hosts is not None and not known_hosts.is_file():
        fail(f"{known_hosts}: no such known_hosts file (it is never created for you)", EXIT_INVALID)
    return Connector(
        Credentials(
            identity=str(identity) if identity else None,
            allow_agent=not no_agent,
            look_for_keys=identity is None and not no_agent,
        ),
        known_hosts=str(known_hosts) if known_hosts else None,
    )


def _ledger(url: str | None) -> MigrationLedger | None:
    if url is None:
        return None
    try:
        return MigrationLedger(url)
    except ProgressError as exc:
        fail(str(exc), EXIT_INVALID)


def _summary(results: list[RunResult], title: str) -> None:
    table = Table(title=title)
    for col in SUMMARY_COLUMNS:
        table.add_column(col, overflow="fold")
    for row in summary_rows(results):
        style = "green" if row[1] in ("complete", "dry-run") else "red"
        table.add_row(*row, style=style)
    console.print(table)
    for r in results:
        if r.journal and r.journal.exists():
            console.print(f"journal {r.system}: {r.journal}", markup=False, highlight=False)


@playbook_app.command("run")
def run_cmd(
    system_id: str | None = typer.Argument(None, help="System id (or use --wave)."),
    wave: int | None = typer.Option(None, "--wave", help="Run every moving system of wave N."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Connect and check only: change nothing on any host."
    ),
    plan: Path | None = PlanOpt,
    inventory: Path | None = InventoryOpt,
    policy: Path | None = PolicyOpt,
    targets: Path | None = TargetsOpt,
    stack_outputs: Path | None = OutputsOpt,
    progress_db: str | None = ProgressOpt,
    allow_overrun: bool = typer.Option(
        False, "--allow-overrun", help="Freeze even when the final pass is estimated beyond downtime_hours."
    ),
    bwlimit_mbps: float | None = typer.Option(
        None,
        "--bwlimit-mbps",
        min=0,
        help="rsync bandwidth limit in Mb/s (default: the policy's cutover.bandwidth_mbps; 0: none).",
    ),
    known_hosts: Path | None = typer.Option(
        None, "--known-hosts", help="known_hosts for every host (never written)."
    ),
    identity: Path | None = typer.Option(None, "--identity", help="Private key file (else the ssh-agent)."),
    no_agent: bool = typer.Option(False, "--no-agent", help="Do not use the ssh-agent."),
    journal_dir: Path = typer.Option(
        DEFAULT_JOURNALS, "--journal-dir", help="One JSON-lines journal per system."
    ),
    workers: int = typer.Option(4, "--workers", min=1, max=64, help="Systems run at once."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every step."),
) -> None:
    """Execute runbooks: resume from the journal, roll back after a failure past freeze."""
    if (system_id is None) == (wave is None):
        fail("give exactly one of SYSTEM-ID or --wave N", EXIT_USAGE)
    p, inv, tg, fps, bw = _inputs(plan, inventory, policy, targets, stack_outputs)
    if wave is not None:
        ids = [s.id for s in p.wave_systems(wave) if s.disposition in MOVING]
        if not ids:
            fail(f"wave {wave}: no system of the plan moves data in this wave", EXIT_INVALID)
    else:
        ids = [system_id]  # type: ignore[list-item]
    rendered: list[RenderedRunbook] = []
    problems: list[RunResult] = []
    for sid in ids:
        try:
            rendered.append(render_runbook(sid, p, inv, tg, fps, bandwidth_mbps=bw))
        except PlaybookError as exc:
            problems.append(RunResult(sid, "failed", error=str(exc)))
    if system_id is not None and problems:
        fail(problems[0].error or "cannot render", EXIT_INVALID)
    _logging(verbose)
    options = RunOptions(
        _connector(known_hosts, identity, no_agent),
        journal_dir,
        dry_run=dry_run,
        ledger=_ledger(progress_db),
        allow_overrun=allow_overrun,
        bwlimit_kbps=None if bwlimit_mbps is None else bwlimit_kib(bwlimit_mbps),
    )
    results = run_wave(rendered, options, workers) + problems
    _summary(
        results, f"wave {wave}" if wave is not None else f"{system_id}" + (" (dry run)" if dry_run else "")
    )
    raise typer.Exit(EXIT_OK if all(r.ok for r in results) else EXIT_INVALID)


@playbook_app.command("rollback")
def rollback_cmd(
    system_id: str = typer.Argument(..., help="System id."),
    plan: Path | None = PlanOpt,
    inventory: Path | None = InventoryOpt,
    policy: Path | None = PolicyOpt,
    targets: Path | None = TargetsOpt,
    stack_outputs: Path | None = OutputsOpt,
    force: bool = typer.Option(False, "--force", help="Roll back even after finalisation."),
    known_hosts: Path | None = typer.Option(None, "--known-hosts"),
    identity: Path | None = typer.Option(None, "--identity"),
    no_agent: bool = typer.Option(False, "--no-agent"),
    journal_dir: Path = typer.Option(DEFAULT_JOURNALS, "--journal-dir"),
) -> None:
    """Put the source back into service; the target keeps its verified copy (nothing is removed)."""
    p, inv, tg, fps, bw = _inputs(plan, inventory, policy, targets, stack_outputs)
    try:
        rendered = render_runbook(system_id, p, inv, tg, fps, bandwidth_mbps=bw)
    except PlaybookError as exc:
        fail(str(exc), EXIT_INVALID)
    options = RunOptions(_connector(known_hosts, identity, no_agent), journal_dir, force=force)
    result = rollback_runbook(rendered, options)
    _summary([result], f"{system_id} rollback")
    raise typer.Exit(EXIT_OK if result.outcome == "rolled-back" else EXIT_INVALID)


@playbook_app.command("finalise")
def finalise_cmd(
    system_id: str = typer.Argument(..., help="System id."),
    plan: Path | None = PlanOpt,
    inventory: Path | None = InventoryOpt,
    policy: Path | None = PolicyOpt,
    targets: Path | None = TargetsOpt,
    stack_outputs: Path | None = OutputsOpt,
    journal_dir: Path = typer.Option(DEFAULT_JOURNALS, "--journal-dir"),
) -> None:
    """Declare a cut-over final: from now on rollback is refused (unless --force)."""
    p, inv, tg, fps, bw = _inputs(plan, inventory, policy, targets, stack_outputs)
    try:
        rendered = render_runbook(system_id, p, inv, tg, fps, bandwidth_mbps=bw)
    except PlaybookError as exc:
        fail(str(exc), EXIT_INVALID)
    result = finalise_runbook(rendered, RunOptions(_connector(None, None, True), journal_dir))
    if result.error:
        fail(result.error, EXIT_INVALID)
    console.print(f"{system_id}: finalised", markup=False, highlight=False)
