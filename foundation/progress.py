"""The progress-callback type that long-running core functions accept."""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, float], None]  # (stage description, fraction done 0..1)


def silent(stage: str, fraction: float) -> None:
    """A progress callback that reports nothing."""
    return None
