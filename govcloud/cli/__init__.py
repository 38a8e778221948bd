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


def build_app() -> typer.Typer:
    """Import every area module so its commands are registered, and return the root app."""
    from govcloud.cli.app import app

    for area in AREAS:
        importlib.import_module(f"govcloud.cli.{area}")
    return app


def main() -> None:
    app = build_app()
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
