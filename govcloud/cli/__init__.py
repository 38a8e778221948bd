"""Command-line interface: a thin typer layer over the core packages.

Each area registers its commands on the root app in its own module; the core packages
never import typer or rich, they take a progress callback instead.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys

import typer

# Area modules, each registering its commands on govcloud.cli.app.app when imported.
AREAS = ("inventory", "synth", "planning", "stacks", "playbook", "reporting")
# The areas that register each top-level command. A command imports only its own areas (the
# others pull in paramiko, jinja2, pulumi ...: start-up time); help and unknown words import all.
COMMAND_AREAS: dict[str, tuple[str, ...]] = {
    "plan": ("planning",),
    "check": ("planning",),
    "simulate": ("planning",),
    "explain": ("planning",),
    "report": ("reporting",),
    "finance": ("reporting",),
    "progress": ("reporting",),
    "inventory": ("inventory", "synth"),
    "stacks": ("stacks",),
    "playbook": ("playbook",),
}


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The root app with the commands of every area registered (of only those *argv* runs, if given)."""
    from govcloud.cli.app import app

    for area in AREAS if argv is None else areas_for(argv):
        importlib.import_module(f"govcloud.cli.{area}")
    return app


def areas_for(argv: list[str]) -> tuple[str, ...]:
    """The area modules a command line needs: its command's, or all of them."""
    command = next((a for a in argv if not a.startswith("-")), None)
    return COMMAND_AREAS.get(command, AREAS) if command is not None else AREAS


def main() -> None:
    app = build_app(sys.argv[1:])
    try:
        app()
    except SystemExit as exc:
        _exit(exc.code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # a bug, not bad input: say so in one line unless debugging
        if os.environ.get("GOVCLOUD_DEBUG"):
            raise
        print(
            f"govcloud: internal error: {type(exc).__name__}: {exc} (set GOVCLOUD_DEBUG=1 for details)",
            file=sys.stderr,
        )
        sys.exit(4)


def _exit(code: object) -> None:
    """Leave with *code*; skip interpreter teardown when the command said there is nothing to tidy."""
    from govcloud.cli.common import teardown_skippable

    status = code if isinstance(code, int) else (0 if code is None else 1)
    if not teardown_skippable():
        if not isinstance(code, int) and code is not None:
            print(code, file=sys.stderr)
        sys.exit(status)
    # Outputs are written atomically and flushed; freeing millions of inventory objects one by
    # one at shutdown only delays the prompt (seconds at province scale).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
