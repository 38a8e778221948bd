"""What every CLI area shares: exit codes, consoles, progress, error reporting."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from planner.scheduling import ProgressCallback

# Exit codes of PLAN_FORMAT.md.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_FINDINGS = 3

# emoji=False: `govcloud:wave` and survey text are data, never :emoji: codes.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

# One wording of the inventory argument for every command that takes one.
INVENTORY_HELP = (
    "Inventory: a YAML file, a directory of YAML files, a survey .xlsx, a .csv or a directory of "
    "survey CSV files. Default: the bundled sample city."
)
POLICY_HELP = "Policy YAML file. Default: the bundled policy (the documents' numbers)."
PLAN_HELP = "Read this plan.json (written by `govcloud plan`) instead of planning the inventory now."


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """Print a clear message to stderr and exit with *code* (never a traceback)."""
    err_console.print(message, markup=False, highlight=False, emoji=False, soft_wrap=True)
    raise typer.Exit(code)


def check_out_dir(path: Path, option: str = "--out") -> None:
    """Fail fast (exit 2), before any long work, when *path* cannot be an output directory."""
    _no_file_above(path, path, option)


def check_out_file(path: Path, option: str) -> None:
    """Fail fast (exit 2) when *path* cannot be an output file (a directory, or under a file)."""
    if path.is_dir():
        fail(f"{option} {path}: is a directory; give a file name", EXIT_USAGE)
    _no_file_above(path.parent, path, option)


def _no_file_above(directory: Path, given: Path, option: str) -> None:
    for p in (directory, *directory.parents):
        if p.exists() and not p.is_dir():
            fail(f"{option} {given}: {p} exists and is not a directory", EXIT_USAGE)


def cannot_write(exc: OSError, target: Path, what: str) -> NoReturn:
    """Exit 1 with the path the user gave (never a temporary file) and the system's reason."""
    fail(f"{exc.filename or target}: cannot write {what}: {exc.strerror or exc}", EXIT_INVALID)


@contextlib.contextmanager
def progress_callback(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A rich progress bar behind the core's plain (stage, fraction) callback."""
    if not enabled or not err_console.is_terminal:
        yield lambda stage, fraction: None
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), console=err_console, transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, fraction: float) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=1.0)
            bar.update(tasks[stage], completed=min(max(fraction, 0.0), 1.0))

        yield update
