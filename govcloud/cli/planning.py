"""CLI area: planning — `govcloud plan`, `check`, `simulate`, `explain` (registered on the root app)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.markup import escape

from govcloud.cli.app import app
from govcloud.cli.common import (
    EXIT_FINDINGS,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    INVENTORY_HELP,
    LANG_OPT,
    PLAN_HELP,
    POLICY_HELP,
    cannot_write,
    check_out_dir,
    console,
    err_console,
    fail,
    language,
    load_inputs,
    plan_inputs,
    progress_callback,
    require_inputs,
    settle,
    skip_teardown,
)
from inventory.models import Inventory
from planner.plan_model import Finding, FindingSeverity, Plan
from planner.policy import Policy

if TYPE_CHECKING:
    from planner.core import PlanWritten

PathArg = typer.Argument(None, help=INVENTORY_HELP, show_default=False)
PolicyOpt = typer.Option(None, "--policy", help=POLICY_HELP, show_default=False)
EffortOpt = typer.Option(
    None, "--effort", metavar="quick|normal|thorough|SECONDS", show_default=False,
    help="How hard to search for cheap waves: quick, normal (default; reproducible), thorough, "
    "or a number of seconds (wall clock). Default: $GOVCLOUD_EFFORT, else normal.",
)


def _effort(value: str | None) -> str | None:
    """The --effort value, checked before any work (exit 2 when it names no effort)."""
    from planner.scheduling.effort import effort_of

    try:
        effort_of(value)
    except ValueError as exc:
        fail(f"--effort: {exc}", EXIT_USAGE)
    return value


def _load(path: Path | None, policy_path: Path | None) -> tuple[Inventory, Policy]:
    return load_inputs(path, policy_path)


def _make(inventory: Inventory, policy: Policy, exact: bool, effort: str | None = None) -> Plan:
    from planner import plan_for

    with progress_callback() as progress:
        plan = plan_for(inventory, policy, exact=exact, progress=progress, effort=effort)
    settle()
    return plan


def _summary(plan: Plan | PlanWritten, where: Path | None = None) -> None:
    from rich.table import Table

    m = plan.metrics
    errors = sum(1 for f in plan.findings if f.severity is FindingSeverity.ERROR)
    warnings = sum(1 for f in plan.findings if f.severity is FindingSeverity.WARNING)
    if where is not None:
        console.print(f"[bold]wrote[/bold] {escape(str(where))}")
    table = Table(title=f"plan of {plan.inventory.city}: {plan.inventory.systems} systems", show_header=False)
    table.add_column("metric")
    table.add_column("value")
    disp = getattr(m, "dispositions", None) or {}
    table.add_row("dispositions", ", ".join(f"{k} {v}" for k, v in disp.items() if v))
    table.add_row("waves", f"{m.waves} (lower bound {m.waves_lower_bound})")
    table.add_row(
        "stranded cost", f"{m.stranded_cost:,.0f} CNY (lower bound {m.stranded_cost_lower_bound:,.0f})"
    )
    table.add_row("cloud rate", f"{m.cloud_rate:.1%}")
    table.add_row("rooms vacated", str(m.rooms_vacated))
    table.add_row("lines retired", str(m.lines_retired))
    table.add_row("monthly savings", f"{m.monthly_savings:,.0f} CNY")
    table.add_row("findings", f"{errors} error(s), {warnings} warning(s)")
    console.print(table)


@app.command("plan")
def plan_cmd(
    path: Path | None = PathArg,
    policy: Path | None = PolicyOpt,
    out: Path = typer.Option(Path("out"), "--out", help="Directory for plan.json (replaced atomically)."),
    exact: bool = typer.Option(False, "--exact", help="Exact CP-SAT scheduling (small inventories)."),
    effort: str | None = EffortOpt,
) -> None:
    """Plan the migration: classify, place, schedule waves; write DIR/plan.json."""
    _effort(effort)
    check_out_dir(out)  # before planning: a long run must not end in "cannot write"
    inventory, pol = _load(path, policy)
    from planner import plan_file

    target = out / "plan.json"
    try:
        with progress_callback() as progress:
            written = plan_file(inventory, pol, target, exact=exact, progress=progress, effort=effort)
    except OSError as exc:
        cannot_write(exc, target, "the plan")
    settle()
    _summary(written, target)
    skip_teardown()
    raise typer.Exit(EXIT_OK)


def _print_findings(findings: list[Finding], lang: str = "zh") -> None:
    from foundation.messages import Catalogue

    cat = Catalogue(lang)
    for f in findings:
        style = "red" if f.severity is FindingSeverity.ERROR else "yellow"
        severity = f"[{style}]{escape(cat.enum('severity', f.severity))}[/{style}]"  # markup: ours
        line = cat.t(
            "check.finding", severity=severity, rule=f.rule, subject=escape(f.subject),
            message=escape(f.message_in(cat)),
        )
        console.print(line, highlight=False, soft_wrap=True)


PlanFileOpt = typer.Option(None, "--plan", help=PLAN_HELP, show_default=False)


@app.command("check")
def check_cmd(
    path: Path | None = PathArg,
    policy: Path | None = PolicyOpt,
    effort: str | None = EffortOpt,
    plan_file: Path | None = PlanFileOpt,
    lang: str = LANG_OPT,
) -> None:
    """Print the retirement and target findings; exit 3 when an error finding remains."""
    from foundation.messages import Catalogue

    cat = Catalogue(language(lang))
    _effort(effort)
    if plan_file is not None:
        plan, _, _ = plan_inputs(path, plan_file, policy, quiet=True)
    else:
        inventory, pol = _load(path, policy)
        plan = _make(inventory, pol, False, effort)
    shown = [f for f in plan.findings if f.severity is not FindingSeverity.INFO]
    _print_findings(shown, cat.lang)
    errors = sum(1 for f in plan.findings if f.severity is FindingSeverity.ERROR)
    for key, met in plan.metrics.targets.items():  # met only when no error of its rules remains
        status = cat.t("target.met") if met else f"[red]{cat.t('target.missed')}[/red]"
        console.print(cat.t("check.target", target=cat.t(f"target.{key}"), status=status), highlight=False)
    console.print(cat.t("check.totals", errors=errors, warnings=len(shown) - errors))
    skip_teardown()
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


@app.command("simulate")
def simulate_cmd(
    path: Path | None = PathArg,
    scenario: Path | None = typer.Option(None, "--scenario", help="Scenario YAML (what-if changes)."),
    policy: Path | None = PolicyOpt,
    effort: str | None = EffortOpt,
    out: Path | None = typer.Option(
        None, "--out", help="Write the scenario's plan as DIR/plan.json (the baseline is not written)."
    ),
    example: bool = typer.Option(False, "--example", help="Print a documented example scenario and exit."),
    plan_file: Path | None = typer.Option(
        None, "--plan", help="The baseline: this plan.json of the inventory, instead of planning it again."
    ),
    lang: str = LANG_OPT,
) -> None:
    """Plan a what-if scenario and print it side by side with the baseline."""
    from rich.table import Table

    from foundation.messages import Catalogue
    from planner.simulate import load_scenario, simulate

    cat = Catalogue(language(lang))
    t = cat.t

    if example:
        from planner.scenario import example_scenario_text

        typer.echo(example_scenario_text(), nl=False)
        raise typer.Exit(EXIT_OK)
    if scenario is None:
        fail("give --scenario FILE (`govcloud simulate --example` prints one)", EXIT_USAGE)
    _effort(effort)
    if out is not None:
        check_out_dir(out)
    require_inputs(("inventory", path), ("policy", policy), ("scenario", scenario), ("plan", plan_file))
    if plan_file is not None:
        baseline, inventory, pol = plan_inputs(path, plan_file, policy, quiet=True)
    else:
        baseline = None
        inventory, pol = _load(path, policy)
    scen = load_scenario(scenario, inventory)
    with progress_callback() as progress:
        # The comparison shows no lower bound: computed only for the plan --out writes.
        sim = simulate(
            inventory, pol, scen, progress=progress, effort=effort, baseline=baseline, bounds=out is not None
        )
    name = escape(scen.name)  # the user's text: never rich markup
    table = Table(title=t("simulate.title", name=name))
    table.add_column(t("simulate.metric"))
    table.add_column(t("simulate.baseline"), justify="right")
    table.add_column(name, justify="right")
    table.add_column(t("simulate.change"), justify="right")
    for metric, a, b in sim.comparison.rows:
        fmt = "{:.1%}" if metric == "cloud rate" else "{:,.0f}"
        delta = b - a
        label = t(f"simulate.row.{metric}") if cat.has(f"simulate.row.{metric}") else metric
        table.add_row(label, fmt.format(a), fmt.format(b), ("+" if delta > 0 else "") + fmt.format(delta))
    console.print(table)
    months = Table(title=t("simulate.months"))
    for col in (
        t("simulate.month"),
        t("simulate.rooms_base"),
        t("simulate.rooms_alt", name=name),
        t("simulate.savings_base"),
        t("simulate.savings_alt", name=name),
    ):
        months.add_column(col, justify="right")
    for base, alt in sim.comparison.months:
        months.add_row(
            base.month,
            str(base.rooms_vacated),
            str(alt.rooms_vacated),
            f"{base.monthly_savings:,.0f}",
            f"{alt.monthly_savings:,.0f}",
        )
    console.print(months)
    changes = sim.comparison.changes
    for key, n in (
        ("simulate.waves_changed", sum(1 for c in changes if c.baseline_wave != c.wave)),
        ("simulate.fates_changed", sum(1 for c in changes if c.baseline_disposition != c.disposition)),
    ):
        console.print(f"- {t(key, n=n)}", highlight=False, markup=False)
    if changes:
        changed = Table(title=t("simulate.changes", name=name))
        for col in ("simulate.system", "simulate.department", "simulate.wave_base", "simulate.wave_alt",
                    "simulate.disposition_base", "simulate.disposition_alt"):
            changed.add_column(t(col, name=name))
        for c in changes:
            changed.add_row(escape(c.system), escape(c.department), _wave(c.baseline_wave), _wave(c.wave),
                            cat.enum("disposition", c.baseline_disposition),
                            cat.enum("disposition", c.disposition))
        console.print(changed)
    if sim.comparison.findings:
        console.print(t("simulate.findings_new", name=name), highlight=False)
        _print_findings(sim.comparison.findings, cat.lang)
    if sim.comparison.findings_gone:
        console.print(t("simulate.findings_gone", name=name), highlight=False)
        _print_findings(sim.comparison.findings_gone, cat.lang)
    if out is not None:
        from planner.plan_model import write_plan

        target = out / "plan.json"
        try:
            write_plan(sim.plan, target)
        except OSError as exc:
            cannot_write(exc, target, "the scenario's plan")
        console.print(t("simulate.written", path=target), markup=False, highlight=False)


def _wave(w: int | None) -> str:
    return "-" if w is None else str(w)


def _no_such_system(system_id: str, inventory: Inventory) -> NoReturn:
    """Exit 1 naming the unknown system, with the closest IDs as a hint."""
    import difflib

    close = difflib.get_close_matches(system_id, [s.id for s in inventory.systems], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    fail(f"{system_id!r}: no such system in the inventory{hint}", EXIT_INVALID)


@app.command("explain")
def explain_cmd(
    system_id: str = typer.Argument(..., metavar="SYSTEM-ID", help="The system to explain."),
    path: Path | None = PathArg,
    policy: Path | None = PolicyOpt,
    effort: str | None = EffortOpt,
    lang: str = LANG_OPT,
    plan_file: Path | None = PlanFileOpt,
) -> None:
    """The chain of rules and facts behind one system's disposition, domain and wave."""
    from planner.explain import UnknownSystem, explain

    lang = language(lang)
    _effort(effort)
    if plan_file is not None:
        # The plan's waves as written; the decisions behind them are classified again (cheap),
        # never scheduled again.
        plan, inventory, pol = plan_inputs(path, plan_file, policy, quiet=True)
        if all(s.id != system_id for s in inventory.systems):
            _no_such_system(system_id, inventory)
        result = explain(inventory, pol, system_id, plan=plan)
    else:
        inventory, pol = _load(path, policy)
        if all(s.id != system_id for s in inventory.systems):
            _no_such_system(system_id, inventory)
        try:
            with progress_callback() as progress:
                from planner.core import plan_with_context

                plan, ctx = plan_with_context(inventory, pol, progress=progress, effort=effort)
                result = explain(inventory, pol, system_id, plan=plan, context=ctx)
        except UnknownSystem:
            _no_such_system(system_id, inventory)
    for line in result.lines(lang):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    skip_teardown()


_ = err_console  # the shared consoles: errors go through fail()
