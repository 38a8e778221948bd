"""What every CLI area shares: exit codes, consoles, progress, error reporting."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

from foundation import collector
from foundation.progress import ProgressCallback
from foundation.text import for_terminal

if TYPE_CHECKING:
    from rich.progress import TaskID

    from inventory.models import Inventory
    from planner.plan_model import Plan
    from planner.policy import Policy

# Exit codes of PLAN_FORMAT.md.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_FINDINGS = 3


class _Console(Console):
    """A console that reads COLUMNS when it prints, not once at import.

    The consoles below live as long as the process; a width frozen at import would ignore the
    terminal (or test runner) of each later command.
    """

    @property  # type: ignore[override]
    def _width(self) -> int | None:
        columns = os.environ.get("COLUMNS", "")
        return int(columns) if columns.isdigit() else self.__dict__.get("_fixed_width")

    @_width.setter
    def _width(self, value: int | None) -> None:
        self.__dict__["_fixed_width"] = value

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        # Names and paths come from the input: show escape sequences, never send them.
        super().print(*(for_terminal(o) if isinstance(o, str) else o for o in objects), **kwargs)


# emoji=False: `govcloud:wave` and survey text are data, never :emoji: codes.
console = _Console(emoji=False)
err_console = _Console(stderr=True, emoji=False)

# One wording of the inventory argument for every command that takes one.
INVENTORY_HELP = (
    "Inventory: a YAML file, a directory of YAML files, a survey .xlsx, a .csv or a directory of "
    "survey CSV files. Default: the bundled sample city."
)
POLICY_HELP = "Policy YAML file. Default: the bundled policy (the documents' numbers)."
LANG_HELP = "Language of the output: zh (the default, a Chinese city's) or en."
LANG_OPT = typer.Option("zh", "--lang", metavar="zh|en", help=LANG_HELP)


def language(lang: str) -> Any:
    """The --lang value, checked before any work (exit 2 when it names no language)."""
    from foundation.messages import LANGS

    if lang not in LANGS:
        fail(f"--lang: {lang!r} is not one of {', '.join(LANGS)}", EXIT_USAGE)
    return lang


PLAN_HELP = "Read this plan.json (written by `govcloud plan`) instead of planning the inventory now."


_SKIP_TEARDOWN = False


def skip_teardown() -> None:
    """Mark that the command left no threads, files or connections to close at exit."""
    global _SKIP_TEARDOWN
    _SKIP_TEARDOWN = True


def teardown_skippable() -> bool:
    return _SKIP_TEARDOWN


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """Print a clear message to stderr and exit with *code* (never a traceback)."""
    err_console.print(message, markup=False, highlight=False, emoji=False, soft_wrap=True)
    raise typer.Exit(code)


def require_inputs(*inputs: tuple[str, Path | None]) -> None:
    """Exit 1 naming every missing or unreadable input path, before any long work.

    Each input is ``(what, path)``; a None path means "the bundled default" and is not checked.
    A path that is not there is bad input (exit 1, PLAN_FORMAT.md), not a usage error: the
    command line itself was well formed.
    """
    problems = []
    for what, path in inputs:
        if path is None:
            continue
        if not path.exists():
            hint = " (run `govcloud plan` first)" if what == "plan" else ""
            problems.append(f"{what} {path}: no such file or directory{hint}")
        elif not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
            problems.append(f"{what} {path}: cannot read it: permission denied")
    if problems:
        fail("\n".join(problems), EXIT_INVALID)


def load_inputs(
    path: Path | None, policy_path: Path | None, *, quiet: bool = False
) -> tuple[Inventory, Policy]:
    """Inventory (the bundled city when *path* is None) and policy; bad input exits 1 (GovcloudError)."""
    require_inputs(("inventory", path), ("policy", policy_path))
    from inventory.loader import load_inventory
    from planner.policy import load_policy

    policy = load_policy(policy_path)
    try:
        with progress_callback(not quiet) as cb:
            inventory = load_inventory(path, progress=cb)
    except (FileNotFoundError, NotADirectoryError) as exc:
        fail(f"{path}: no such inventory ({exc.strerror or exc})")
    settle()
    return inventory, policy


def settle() -> None:
    """Exempt every object alive now (the inventory, a plan) from the cyclic collector's scans.

    They live until the command ends; without this each later collection walks all of them
    again (seconds at 100,000 systems). Garbage made afterwards is still collected.
    """
    collector.settle()


def plan_inputs(
    path: Path | None,
    plan_path: Path | None,
    policy_path: Path | None,
    *,
    quiet: bool = False,
    exact: bool = False,
) -> tuple[Plan, Inventory, Policy]:
    """Plan, inventory and policy for commands that act on a plan, or a clear failure.

    The plan is read from *plan_path* (and must be a plan of the inventory: ``planner.plan_for``),
    else the inventory (the bundled city when *path* is None) is planned now, in memory, as
    `govcloud plan` would.
    """
    require_inputs(("inventory", path), ("plan", plan_path), ("policy", policy_path))
    from planner import plan_for

    inventory, policy = load_inputs(path, policy_path, quiet=quiet)
    with progress_callback(not quiet and plan_path is None) as cb:
        plan = plan_for(inventory, policy, plan_path, on_stale=warn, progress=cb, exact=exact)
    settle()
    return plan, inventory, policy


def warn(message: str) -> None:
    """A warning on stderr: the command goes on."""
    err_console.print(f"warning: {message}", markup=False, highlight=False, emoji=False, soft_wrap=True)


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
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # a terminal only

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
