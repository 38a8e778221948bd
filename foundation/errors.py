"""The one base of every error govcloud reports to its user as invalid input or a failure."""

from __future__ import annotations

from collections.abc import Iterable


class GovcloudError(Exception):
    """An error for the user, not a bug: ``messages`` holds every problem, one line each."""

    def __init__(self, message: str | Iterable[str] = "", *args: object) -> None:
        lines = [message] if isinstance(message, str) else [str(m) for m in message]
        self.messages: list[str] = [line for line in lines if line] or [type(self).__name__]
        super().__init__("\n".join(self.messages), *args)
