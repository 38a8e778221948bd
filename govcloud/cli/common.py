"""What every CLI area shares: exit codes, consoles, progress, error reporting."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
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

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """Print a clear message to stderr and exit with *code* (never a traceback)."""
    err_console.print(message, markup=False, highlight=False, emoji=False, soft_wrap=True)
    raise typer.Exit(code)


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
