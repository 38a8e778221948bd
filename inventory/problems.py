"""Problems found while loading an inventory, reported all at once as FILE:LINE: RECORD: FIELD: message."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from foundation.errors import GovcloudError
from foundation.text import for_terminal


class Severity(StrEnum):
    """How bad a problem is; only errors make an inventory invalid."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem with one field of one record, located in its source file."""

    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        line = self.line if self.line is not None else "-"
        # Every part may come from the input: escape sequences are shown, never sent to a terminal.
        return for_terminal(f"{self.file}:{line}: {self.record or '-'}: {self.field or '-'}: {self.message}")


class InventoryError(GovcloudError):
    """Raised when an inventory cannot be used; carries every problem found, not just the first.

    ``messages`` lists every problem (FILE:LINE: RECORD: FIELD: message); ``str()`` summarises.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        first = f"; first: {errors[0]}" if errors else ""
        summary = f"{len(errors)} problem(s) in inventory{first}"
        super().__init__([str(p) for p in problems] or [summary])
        self.args = (summary,)
