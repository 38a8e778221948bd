"""Inventory loading: YAML file or directory (merged) -> validated Inventory.

PUBLIC API (stable, used by every other package):
    load_inventory(path=None, *, progress=None) -> Inventory      # raises InventoryError
    check_inventory(path=None, *, progress=None) -> (Inventory | None, list[Problem])
    bundled_inventory_path() -> Path                              # the sample city
"""
from __future__ import annotations

from pathlib import Path

import yaml

from inventory.models import Inventory
from inventory.problems import InventoryError, Problem, Severity
from planner.scheduling import ProgressCallback

SAMPLE_DIR = Path(__file__).parent / "sample"


def bundled_inventory_path() -> Path:
    """The bundled sample city, used when no inventory path is given."""
    return SAMPLE_DIR


def check_inventory(path: str | Path | None = None, *, progress: ProgressCallback | None = None) -> tuple[Inventory | None, list[Problem]]:
    """Load and cross-check; return the inventory (None when invalid) and every problem found."""
    # Placeholder implementation: replaced by the full loader (line numbers, survey route).
    p = Path(path) if path else bundled_inventory_path()
    files = sorted(p.glob("*.y*ml")) if p.is_dir() else [p]
    merged: dict = {}
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for k, v in data.items():
            if isinstance(v, list):
                merged.setdefault(k, []).extend(v)
            else:
                merged[k] = v
    return Inventory.model_validate(merged), []


def load_inventory(path: str | Path | None = None, *, progress: ProgressCallback | None = None) -> Inventory:
    """Load a valid inventory or raise InventoryError carrying every problem."""
    inv, problems = check_inventory(path, progress=progress)
    if inv is None or any(pr.severity is Severity.ERROR for pr in problems):
        raise InventoryError(problems)
    return inv
