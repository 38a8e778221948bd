"""Command-line interface: a thin typer layer over the core packages.

Each area registers its commands on the root app in its own module; the core packages
never import typer or rich, they take a progress callback instead.
"""
from __future__ import annotations

import importlib
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
