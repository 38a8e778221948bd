"""Root typer application; each area registers its sub-commands here."""
from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from foundation import collector
from foundation.errors import GovcloudError


class GovcloudGroup(TyperGroup):
    """The root command group: the one place a user-facing error of the core becomes an exit.

    Every error the core raises for its user derives from GovcloudError and carries its
    problems as ``messages``; they are printed to stderr, one per line, and the command exits 1
    (2 for a planning request that cannot be honoured as asked, e.g. ``--exact`` on a large city).
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except GovcloudError as exc:
            from govcloud.cli.common import EXIT_INVALID, EXIT_USAGE, fail
            from planner.core import PlanningError

            fail("\n".join(exc.messages), EXIT_USAGE if isinstance(exc, PlanningError) else EXIT_INVALID)
        finally:
            collector.unsettle()  # what the command settled (govcloud.cli.common.settle) is collectable again


app = typer.Typer(
    cls=GovcloudGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="govcloud: plan and execute the move of department systems into the e-government cloud.",
)
