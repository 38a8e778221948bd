"""CLI area: reporting — `govcloud report`, `govcloud finance`, `govcloud progress record|report`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from govcloud.cli.app import app
from govcloud.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    INVENTORY_HELP,
    PLAN_HELP,
    POLICY_HELP,
    cannot_write,
    check_out_dir,
    check_out_file,
    console,
    fail,
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
LANG_OPT = typer.Option("zh", "--lang", help="Language of labels: zh or en.")


def _lang(lang: str) -> Any:
    if lang not in ("zh", "en"):
        fail(f"--lang: {lang!r} is not one of zh, en", EXIT_USAGE)
    return lang


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
    console.print(f"report: {files.page}", markup=False, highlight=False)
    if files.department_plans:
        where = files.department_plans[-1].parent
        console.print(
            f"department plans: {len(files.department_plans) - 1} files in {where}",
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
    console.print(
        f"ledger: {len(ledger.disposals)} asset disposals, {len(ledger.lines)} lines cancelled, "
        f"{len(ledger.rooms)} rooms given up, {monthly:,.0f} CNY/month saved"
        + (f"; {xlsx}" if xlsx else "")
        + (f"; {csv}/" if csv else ""),
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


DB_OPT = typer.Option("sqlite:///govcloud-progress.db", "--db", help="Database URL (SQLite file by default).")
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
) -> None:
    """Monthly indicators (METRIC-1): systems integrated, sharing, connection rate, waves, savings."""
    from reporting.messages import Catalogue
    from reporting.progress import parse_month

    language = _lang(lang)
    try:
        first = parse_month(month)
    except ValueError as exc:
        fail(f"--month: {exc}", EXIT_USAGE)
    tracker = _tracker(inventory, plan, policy, db, None)
    try:
        result = tracker.monthly_report(first)
    finally:
        tracker.close()
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(result.to_markdown(Catalogue(language)))
