"""Root typer application; each area registers its sub-commands here."""
from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="govcloud: plan and execute the move of department systems into the e-government cloud.",
)
