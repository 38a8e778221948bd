"""The planner: inventory + policy -> Plan.

Its API, importable from ``planner`` itself::

    make_plan(inventory, policy, ...) -> Plan          # plan now
    plan_file(inventory, policy, path, ...) -> PlanWritten  # plan now into plan.json at path
    load_plan(path) -> Plan                            # read and validate a plan.json
    plan_for(inventory, policy, plan_path=None) -> Plan  # that plan file, checked against the
                                                       # inventory (digest), or plan now

Names are resolved on first use, so that ``import planner.rules`` does not load the scheduler.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.api import plan_for
    from planner.core import PlanningError, PlanWritten, make_plan, plan_file, plan_with_context
    from planner.plan_model import Plan, PlanError, load_plan, write_plan

# name -> the module that defines it
_API = {
    "make_plan": "planner.core",
    "plan_file": "planner.core",
    "PlanWritten": "planner.core",
    "plan_with_context": "planner.core",
    "PlanningError": "planner.core",
    "load_plan": "planner.plan_model",
    "write_plan": "planner.plan_model",
    "Plan": "planner.plan_model",
    "PlanError": "planner.plan_model",
    "plan_for": "planner.api",
}

__all__ = [
    "Plan",
    "PlanError",
    "PlanWritten",
    "PlanningError",
    "load_plan",
    "make_plan",
    "plan_file",
    "plan_for",
    "plan_with_context",
    "write_plan",
]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
