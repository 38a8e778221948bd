"""CLI area: reporting — `govcloud report`, `govcloud finance`, `govcloud progress record|report`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from foundation.messages import Catalogue
from govcloud.cli.app import app
from govcloud.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    INVENTORY_HELP,
    LANG_OPT,
    PLAN_HELP,
    POLICY_HELP,
    cannot_write,
    check_out_dir,
    check_out_file,
    console,
    err_console,
    fail,
    language,
    plan_inputs,
    progress_callback,
)

progress_app = typer.Typer(
    no_args_is_help=True, help="Record what actually happened and report monthly (METRIC-1)."
)
app.add_typer(progress_app, name="progress")

PATH_ARG = typer.Argument(None, help=INVENTORY_HELP, show_default=False)
PLAN_OPT = typer.Option(None, "--plan", help=PLAN_HELP, show_default=False)
POLICY_OPT = typer.Option(None, "--policy", help=POLICY_HELP, show_default=False)
_lang = language


@app.command("report")
def report_cmd(
    path: Path | None = PATH_ARG,
    out: Path = typer.Option(Path("out"), "--out", help="Directory of report.html (and departments/)."),
    lang: str = LANG_OPT,
    departments: bool = typer.Option(
        False,
        "--departments",
        help="Also write one migration plan per department (PLAN-1); the report and the plans "
        "replace the earlier ones in --out together.",
    ),
    plan: Path | None = PLAN_OPT,
    policy: Path | None = POLICY_OPT,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Write the self-contained HTML report of a plan (and the department plans)."""
    from reporting.publish import write_report

    language = _lang(lang)
    check_out_dir(out)
    the_plan, inventory, the_policy = plan_inputs(path, plan, policy, quiet=quiet)
    with progress_callback(not quiet) as cb:
        try:
            files = write_report(
                the_plan,
                inventory,
                out_dir=out,
                departments=departments,
                lang=language,
                policy=the_policy,
                progress=cb,
            )
        except OSError as exc:
            cannot_write(exc, out, "the report")
    cat = Catalogue(language)
    console.print(cat.t("cli.report_written", path=files.page), markup=False, highlight=False)
    if files.department_plans:
        where = files.department_plans[-1].parent
        console.print(
            cat.t("cli.department_plans_written", n=len(files.department_plans) - 1, path=where),
            markup=False,
            highlight=False,
        )


@app.command("finance")
def finance_cmd(
    path: Path | None = PATH_ARG,
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the ledger workbook here."),
    csv: Path | None = typer.Option(
        None, "--csv", help="Write one CSV per ledger sheet into this directory."
    ),
    lang: str = LANG_OPT,
    plan: Path | None = PLAN_OPT,
    policy: Path | None = POLICY_OPT,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Write the finance ledger (ASSET-1, LINE-1/2, FUND-1) as XLSX and/or CSV."""
    from reporting.finance import write_finance

    if xlsx is None and csv is None:
        fail("finance: give --xlsx FILE and/or --csv DIR", EXIT_USAGE)
    language = _lang(lang)
    if xlsx is not None:
        check_out_file(xlsx, "--xlsx")
    if csv is not None:
        check_out_dir(csv, "--csv")
    the_plan, inventory, _ = plan_inputs(path, plan, policy, quiet=quiet)
    with progress_callback(not quiet) as cb:
        try:
            ledger = write_finance(the_plan, inventory, xlsx=xlsx, csv_dir=csv, lang=language, progress=cb)
        except OSError as exc:
            cannot_write(exc, xlsx or csv or Path("."), "the ledger")
    monthly = ledger.monthly_line_savings() + ledger.monthly_room_savings()
    said = Catalogue(language).t(
        "cli.ledger_written",
        assets=len(ledger.disposals), lines=len(ledger.lines), rooms=len(ledger.rooms), monthly=monthly,
    )
    console.print(
        said + (f"; {xlsx}" if xlsx else "") + (f"; {csv}/" if csv else ""),
        markup=False,
        highlight=False,
    )


def _tracker(
    inventory_path: Path | None, plan: Path | None, policy: Path | None, db: str, today: str | None
) -> Any:
    from reporting.progress import ProgressTracker

    day = _date(today, "--today") if today else None
    the_plan, inventory, _ = plan_inputs(inventory_path, plan, policy, quiet=True)
    return ProgressTracker(the_plan, inventory, url=db, today=day)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date YYYY-MM-DD", EXIT_USAGE)


DB_OPT = typer.Option(
    "sqlite:///govcloud-progress.db",
    "--db",
    envvar="GOVCLOUD_PROGRESS_DB",
    help="Database URL: an SQLite file, or postgresql://USER@HOST/DB (the password from PGPASSWORD "
    "or ~/.pgpass, never on the command line).",
)
INV_OPT = typer.Option(None, "--inventory", help=INVENTORY_HELP, show_default=False)


@progress_app.command("record")
def progress_record(
    kind: str = typer.Argument(
        ...,
        help="system_migrated | system_merged | system_retired | system_connected | "
        "line_cancelled | room_vacated | asset_disposed",
    ),
    subject: str = typer.Argument(..., help="ID of the system, line, room or asset."),
    date: str | None = typer.Option(None, "--date", help="When it happened, YYYY-MM-DD (default: today)."),
    note: str = typer.Option("", "--note", help="Free text kept with the event."),
    db: str = DB_OPT,
    inventory: Path | None = INV_OPT,
    plan: Path | None = PLAN_OPT,
    policy: Path | None = POLICY_OPT,
    today: str | None = typer.Option(
        None, "--today", hidden=True, help="Override today's date (tests, replays)."
    ),
) -> None:
    """Record one event; a duplicate or contradictory event is refused (exit 1)."""
    from reporting.progress import Event, EventKind, ProgressError

    try:
        event_kind = EventKind(kind.replace("-", "_"))
    except ValueError:
        fail(f"kind: {kind!r} is not one of {', '.join(k.value for k in EventKind)}", EXIT_USAGE)
    tracker = _tracker(inventory, plan, policy, db, today)
    day = _date(date, "--date") if date else tracker.today
    try:
        tracker.record(Event(event_kind, subject, day, note))
    except ProgressError as exc:
        fail(f"refused: {exc}", EXIT_INVALID)
    finally:
        tracker.close()
    console.print(f"recorded: {event_kind.value} {subject} {day}", markup=False, highlight=False)


@progress_app.command("report")
def progress_report(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    db: str = DB_OPT,
    inventory: Path | None = INV_OPT,
    plan: Path | None = PLAN_OPT,
    policy: Path | None = POLICY_OPT,
    lang: str = LANG_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the indicators as JSON."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write progress-YYYY-MM.html and .md into this directory."
    ),
) -> None:
    """Monthly indicators (METRIC-1) per kind, wave and department, savings, and live migration runs."""
    from reporting.messages import Catalogue
    from reporting.progress import ProgressError, parse_month, write_progress_report

    language = _lang(lang)
    try:
        first = parse_month(month)
    except ValueError as exc:
        fail(f"--month: {exc}", EXIT_USAGE)
    if out is not None:
        check_out_dir(out)
    tracker = _tracker(inventory, plan, policy, db, None)
    try:
        result = tracker.monthly_report(first)
    except ProgressError as exc:
        fail(str(exc), EXIT_INVALID)
    finally:
        tracker.close()
    cat = Catalogue(language)
    if out is not None:
        try:
            html, md = write_progress_report(result, out, cat)
        except OSError as exc:
            cannot_write(exc, out, "the progress report")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(result.to_markdown(cat))
    if out is not None:
        err_console.print(f"wrote {html} and {md}", markup=False, highlight=False)


@progress_app.command("runs")
def progress_runs(
    db: str = DB_OPT,
    lang: str = LANG_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the live state as JSON."),
) -> None:
    """Live state of migration runs: which system is at which step, since when, on which controller."""
    from rich.table import Table

    from reporting.messages import Catalogue
    from reporting.progress import MigrationLedger, ProgressError

    cat = Catalogue(_lang(lang))
    if _missing_sqlite_file(db):  # nothing ran yet: do not create a database just to say so
        console.print(cat.t("progress.live.none"), markup=False, highlight=False)
        return
    try:
        ledger = MigrationLedger(db)
    except ProgressError as exc:
        fail(str(exc), EXIT_INVALID)
    try:
        runs = ledger.live()
    finally:
        ledger.close()
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in runs], ensure_ascii=False, indent=2))
        return
    if not runs:
        console.print(cat.t("progress.live.none"), markup=False, highlight=False)
        return
    t = cat.t
    table = Table(title=t("progress.live"))
    for key in ("col.id", "progress.live.controller", "progress.live.step", "progress.live.state",
                "progress.live.since", "progress.live.held", "progress.live.outcome"):  # fmt: skip
        table.add_column(t(key), overflow="fold")
    for r in runs:
        table.add_row(
            r.system,
            r.controller,
            t("progress.stepname." + r.step),
            t("progress.step." + r.step_outcome),
            r.since.strftime("%Y-%m-%d %H:%M:%S"),
            t("yes") if r.held else t("no"),
            t("progress.run." + r.outcome) if r.outcome else "",
        )
    console.print(table)


def _missing_sqlite_file(url: str) -> bool:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return False  # MigrationLedger says why
    name = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and name not in ("", ":memory:") and not Path(name).exists()
