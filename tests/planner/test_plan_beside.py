"""A large inventory's digest and reasons' texts are made beside, in forked children: the same plan."""

from __future__ import annotations

import pytest

from foundation import beside as beside_module
from foundation.messages import verbatim
from inventory.models import Inventory
from planner import plan_model
from planner.core import make_plan
from planner.plan_model import Plan, inventory_digest, reasons_of
from planner.policy import Policy


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every inventory and plan counts as large; the children forked are recorded."""
    started: list[int] = []
    monkeypatch.setattr(plan_model, "BESIDE_MIN_SYSTEMS", 1)
    start = beside_module.Beside._start

    def recording(self: beside_module.Beside) -> None:
        start(self)
        if self.child is not None:
            started.append(self.child)

    monkeypatch.setattr(beside_module.Beside, "_start", recording)
    return started


def test_a_large_inventorys_plan_made_with_work_beside_is_the_same_plan(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, forks: list[int]
) -> None:
    plan = make_plan(bundled_inventory, default_policy)
    assert len(forks) == 2, "the digest and the reasons' texts were not made beside"
    assert plan.inventory.digest == inventory_digest(bundled_inventory)
    assert plan == bundled_plan


def test_reasons_with_their_texts_given_are_kept_once_as_when_rendered_here() -> None:
    said = [verbatim("unused"), verbatim("unused"), verbatim("no owner")]
    assert reasons_of(said, ["unused", "unused", "no owner"]) == reasons_of(said)
    assert reasons_of(said) == (["unused", "no owner"], [said[0], said[2]])
    # texts that do not match the messages (the reasons changed since) are not used
    assert reasons_of(said, ["stale"]) == reasons_of(said)
