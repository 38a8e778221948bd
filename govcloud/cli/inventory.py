"""CLI area: inventory — `govcloud inventory validate|stats|schema|export|template` (synth: cli/synth.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from foundation.atomic import atomic_write_text
from govcloud.cli.app import app
from govcloud.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    INVENTORY_HELP,
    cannot_write,
    check_out_dir,
    check_out_file,
    console,
    err_console,
    fail,
    progress_callback,
    require_inputs,
    skip_teardown,
)
from inventory.loader import bundled_inventory_path, check_inventory
from inventory.models import Inventory
from inventory.problems import Problem, Severity

inventory_app = typer.Typer(
    no_args_is_help=True,
    help="Check, count, describe and convert inventories (YAML or survey CSV/XLSX).",
)
app.add_typer(inventory_app, name="inventory")

PATH_HELP = INVENTORY_HELP


def _echo_problems(problems: list[Problem]) -> None:
    for p in problems:
        prefix = "" if p.severity is Severity.ERROR else "warning: "
        typer.echo(f"{prefix}{p}")


def _check(path: Path | None) -> tuple[Inventory | None, list[Problem]]:
    """Load *path* with a progress bar; a missing or unreadable path is bad input (exit 1)."""
    require_inputs(("inventory", path))
    with progress_callback() as progress:
        return check_inventory(path, progress=progress)


def _load_or_exit(path: Path | None) -> Inventory:
    """A valid inventory, or every problem printed and exit 1."""
    inv, problems = _check(path)
    if inv is None:
        _echo_problems(problems)
        errors = sum(p.severity is Severity.ERROR for p in problems)
        fail(f"{path or bundled_inventory_path()}: invalid inventory: {errors} error(s); nothing done")
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    if warnings:
        for p in warnings:
            err_console.print(f"warning: {p}", markup=False, highlight=False, soft_wrap=True)
    return inv


@inventory_app.command("validate")
def validate(path: Path | None = typer.Argument(None, help=PATH_HELP, show_default=False)) -> None:
    """Load and cross-check an inventory; print every problem as FILE:LINE: RECORD-ID: FIELD: message."""
    started = time.perf_counter()
    inv, problems = _check(path)
    _echo_problems(problems)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    where = path or bundled_inventory_path()
    elapsed = time.perf_counter() - started
    if inv is None:
        typer.echo(f"{where}: invalid: {errors} error(s), {warnings} warning(s)", err=True)
        raise typer.Exit(EXIT_INVALID)
    typer.echo(
        f"{where}: valid: {len(inv.departments)} departments, {len(inv.systems)} systems, "
        f"{len(inv.rooms)} rooms, "
        f"{len(inv.networks)} networks, {len(inv.assets)} assets; {warnings} warning(s) ({elapsed:.1f} s)"
    )
    skip_teardown()


def _money(value: float) -> str:
    return f"{value:,.0f}"


@inventory_app.command("stats")
def stats(
    path: Path | None = typer.Argument(None, help=PATH_HELP, show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables."),
) -> None:
    """Counts per department, room and network kind; totals of monthly fees and room costs (CNY)."""
    from inventory.stats import inventory_stats

    st = inventory_stats(_load_or_exit(path))
    if as_json:
        typer.echo(json.dumps(st.as_json(), ensure_ascii=False, indent=2))
        return
    counts = Table(title=f"Inventory of {escape(st.city)}", show_header=True)
    for key in st.counts:
        counts.add_column(key, justify="right")
    counts.add_row(*(str(v) for v in st.counts.values()))
    depts = Table(title="Departments", show_header=True)
    for col, justify in (
        ("department", "left"),
        ("name", "left"),
        ("systems", "right"),
        ("rooms", "right"),
        ("room m²", "right"),
        ("room cost/month", "right"),
        ("line fees/month", "right"),
    ):
        depts.add_column(col, justify=justify)  # type: ignore[arg-type]
    for d in st.departments:
        depts.add_row(
            d.id,
            escape(d.name),
            str(d.systems),
            str(d.rooms),
            f"{d.room_area_m2:,.1f}",
            _money(d.room_monthly_cost),
            _money(d.network_monthly_fee),
        )
    rooms = Table(title="Machine rooms", show_header=True)
    for col, justify in (
        ("room", "left"),
        ("department", "left"),
        ("building", "left"),
        ("m²", "right"),
        ("cost/month", "right"),
        ("systems", "right"),
        ("assets", "right"),
        ("exception", "left"),
    ):
        rooms.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in st.rooms:
        rooms.add_row(
            r.id,
            r.department,
            r.building,
            f"{r.area_m2:,.1f}",
            _money(r.monthly_cost),
            str(r.systems),
            str(r.assets),
            escape(r.exception or ""),
        )
    nets = Table(title="Networks and leased lines", show_header=True)
    nets.add_column("kind")
    nets.add_column("networks", justify="right")
    nets.add_column("fees/month", justify="right")
    for k in st.network_kinds:
        nets.add_row(k.kind, str(k.networks), _money(k.monthly_fee))
    totals = Table(title="Totals (CNY)", show_header=False)
    totals.add_column("what")
    totals.add_column("amount", justify="right")
    totals.add_row("room area m²", f"{st.total_room_area_m2:,.1f}")
    totals.add_row("room costs per month", _money(st.total_room_monthly_cost))
    totals.add_row("network fees per month", _money(st.total_network_monthly_fee))
    totals.add_row("total per month", _money(st.total_monthly_cost))
    totals.add_row("asset book value", _money(st.total_asset_book_value))
    for table in (counts, depts, rooms, nets, totals):
        console.print(table)


@inventory_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the inventory format."""
    typer.echo(json.dumps(Inventory.model_json_schema(), ensure_ascii=False, indent=2))


def _yaml_text(inv: Inventory) -> str:
    data: dict[str, Any] = inv.model_dump(mode="json", exclude_defaults=True)
    data = {"version": inv.version, **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


@inventory_app.command("export")
def export(
    path: Path | None = typer.Argument(None, help=PATH_HELP, show_default=False),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the survey workbook (Chinese titles) here."),
    csv_dir: Path | None = typer.Option(
        None, "--csv", help="Write one survey CSV file per sheet into this directory."
    ),
    yaml_file: Path | None = typer.Option(None, "--yaml", help="Write the inventory as one YAML file here."),
) -> None:
    """Write a valid inventory back out as a survey workbook, survey CSV files and/or YAML."""
    from inventory.survey import ExportError, export_csv
    from inventory.template import export_xlsx

    if xlsx is None and csv_dir is None and yaml_file is None:
        fail("nothing to write: give --xlsx FILE, --csv DIR and/or --yaml FILE", EXIT_USAGE)
    if csv_dir is not None and csv_dir.exists() and not csv_dir.is_dir():
        fail(f"{csv_dir}: exists and is not a directory", EXIT_USAGE)
    for option, target in (("--xlsx", xlsx), ("--yaml", yaml_file)):
        if target is not None:
            check_out_file(target, option)
    if csv_dir is not None:
        check_out_dir(csv_dir, "--csv")
    inv = _load_or_exit(path)
    try:
        if xlsx is not None:
            export_xlsx(inv, xlsx)
            typer.echo(f"wrote {xlsx}")
        if csv_dir is not None:
            files = export_csv(inv, csv_dir)
            typer.echo(f"wrote {len(files)} CSV files to {csv_dir}")
        if yaml_file is not None:
            atomic_write_text(yaml_file, _yaml_text(inv))
            typer.echo(f"wrote {yaml_file}")
    except ExportError as exc:
        fail(f"cannot export: {exc}")
    except OSError as exc:
        cannot_write(exc, Path(exc.filename or "."), "the export")


@inventory_app.command("template")
def template(
    path: Path | None = typer.Argument(None, help=PATH_HELP, show_default=False),
    xlsx: Path = typer.Option(..., "--xlsx", help="Write the survey workbook a clerk fills in here."),
    department: str | None = typer.Option(
        None, "--department", help="A department's own workbook: its records of the inventory, to review."
    ),
) -> None:
    """Write the survey workbook (普查表): instructions, drop-downs, date cells, an example row per sheet."""
    from inventory.survey import ExportError
    from inventory.template import write_survey_workbook

    check_out_file(xlsx, "--xlsx")
    inv = _load_or_exit(path) if department is not None else None
    try:
        write_survey_workbook(xlsx, inv, department=department)
    except ExportError as exc:
        fail(f"cannot write the template: {exc}")
    except OSError as exc:
        cannot_write(exc, xlsx, "the template")
    typer.echo(f"wrote {xlsx}")
