"""A separate writer process for the concurrency test: records every planned event of the plan.

Usage: python -m tests.reporting.progress_writer DB_URL PLAN_JSON INVENTORY_JSON OUT_JSON
Writes {"stored": n, "refused": [messages]} to OUT_JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from inventory.models import Inventory
from planner.plan_model import load_plan
from reporting.progress import ProgressTracker, record_all


def main(url: str, plan_path: str, inventory_path: str, out: str) -> None:
    plan = load_plan(plan_path)
    inventory = Inventory.model_validate_json(Path(inventory_path).read_text(encoding="utf-8"))
    tracker = ProgressTracker(plan, inventory, url=url, today=dt.date(2018, 7, 15))
    events = [e for w in plan.waves for e in tracker.planned_events(w.number)]
    refused = record_all(tracker, events)
    tracker.close()
    Path(out).write_text(
        json.dumps({"stored": len(events) - len(refused), "refused": refused}), encoding="utf-8"
    )


if __name__ == "__main__":
    main(*sys.argv[1:5])
