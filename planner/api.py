"""The planner's one way of getting "the plan of this inventory": read it from a file, or make it now.

Every command that acts on a plan (report, finance, progress, playbooks, stacks, check, explain)
goes through :func:`plan_for`, so a plan file is checked against its inventory in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from foundation.progress import ProgressCallback
from inventory.models import Inventory
from planner.plan_model import Plan, PlanError, inventory_digest, inventory_mismatch, load_plan

if TYPE_CHECKING:
    from planner.policy import Policy
    from planner.scheduling.effort import Effort


def plan_for(
    inventory: Inventory | None,
    policy: Policy | None,
    plan_path: str | Path | None = None,
    *,
    on_stale: Callable[[str], None] | None = None,
    progress: ProgressCallback | None = None,
    exact: bool = False,
    method: str = "heuristic",
    effort: Effort | str | float | None = None,
) -> Plan:
    """The plan at *plan_path*, checked to be a plan of *inventory*; without a path, a plan made now.

    A plan file of another city, or naming systems the inventory lacks, raises PlanError: ledgers,
    reports and runbooks built from it would be silently wrong. A plan of another version of the
    same inventory (its digest differs) is passed to *on_stale* with a message, or refused with
    PlanError when no *on_stale* is given. With no *inventory*, a plan file is read unchecked
    (nothing to check it against) and planning now uses the bundled sample city; with no
    *policy*, the bundled policy.
    """
    if plan_path is not None:
        plan = load_plan(plan_path)
        if inventory is None:
            return plan
        wrong = inventory_mismatch(plan, inventory)
        if wrong:
            raise PlanError(
                f"{plan_path}: not a plan of this inventory: {wrong}; give the inventory it was made "
                "from as PATH (or --inventory)"
            )
        if plan.inventory.digest != inventory_digest(inventory):
            stale = (
                f"{plan_path} was made from another version of this inventory; "
                "re-run `govcloud plan` for current numbers"
            )
            if on_stale is None:
                raise PlanError(stale)
            on_stale(stale)
        return plan
    from planner.core import make_plan  # the planner itself: not loaded to read a plan file

    if inventory is None:
        from inventory.loader import load_inventory

        inventory = load_inventory()
    if policy is None:
        from planner.policy import load_policy

        policy = load_policy()
    return make_plan(inventory, policy, progress=progress, exact=exact, method=method, effort=effort)
