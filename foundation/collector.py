"""Pausing Python's cyclic garbage collector around work that builds millions of objects.

Loading a province's inventory and planning it each make millions of small, acyclic objects
that live on. With the collector running, every few hundred allocations start a collection that
walks them again (quadratic); paused, they pile up in its youngest generation, and the first
collection after it resumes walks all of them at once (seconds) to find nothing.

A command whose objects live until it ends *settles* them (:func:`settle`): they are frozen
out of the collector's scans until :func:`unsettle`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_settled = False  # settle() froze what was alive (gc.get_freeze_count() would walk them all to say so)


def settle() -> None:
    """Exempt every object alive now from the cyclic collector's scans, until :func:`unsettle`."""
    global _settled
    gc.freeze()
    _settled = True


def unsettle() -> None:
    """Make what :func:`settle` (and any other freeze) exempted collectable again."""
    global _settled
    gc.unfreeze()
    _settled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside; what was made inside counts as old afterwards (see below)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _age_young_objects()
            gc.enable()


def _age_young_objects() -> None:
    """Count every object made while the collector was paused as old, without scanning them.

    Freezing moves them out of every generation at once; unfreezing puts them into the oldest,
    where only a full collection looks (garbage among them is still found then), so nothing
    stays exempt and a test suite's memory stays bounded. A caller who settled its objects
    (:func:`settle`) keeps them frozen, and these join them (it would settle them anyway).
    """
    gc.freeze()
    if not _settled:
        gc.unfreeze()
