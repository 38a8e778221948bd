"""Helpers of the security corpus: a small valid city to mutate, and a hard time bound.

Each case starts from the small valid city (tests/data/minimal), changes what an attacker
would, and checks the defence. Time bounds are timeouts (a hang fails the case), never
timed assertions.
"""

from __future__ import annotations

import contextlib
import copy
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

MINIMAL = Path(__file__).resolve().parent.parent / "data" / "minimal" / "city"


class Hung(Exception):
    """The code under test did not return within its time bound."""


@contextlib.contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise Hung in the test when the body runs longer than *seconds* (SIGALRM, main thread)."""

    def _alarm(signum: int, frame: Any) -> None:
        raise Hung(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def minimal_document() -> dict[str, Any]:
    """The small valid city as one YAML document (both files merged)."""
    base = yaml.safe_load((MINIMAL / "base.yaml").read_text(encoding="utf-8"))
    rest = yaml.safe_load((MINIMAL / "systems.yaml").read_text(encoding="utf-8"))
    for key, value in rest.items():
        if isinstance(value, list):
            base.setdefault(key, []).extend(value)
    return base


@pytest.fixture
def city() -> dict[str, Any]:
    """A fresh, mutable copy of the small valid city."""
    return copy.deepcopy(_CITY)


_CITY = minimal_document()


def write_yaml(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    """Every problem line of loading *path* (errors and warnings), as the CLI prints them."""
    from inventory.loader import check_inventory

    with time_bound(60):
        _, problems = check_inventory(path)
    return [str(p) for p in problems if p.severity == "error"]
