"""A large plan's digest and file are made beside, in a forked child: the same as made in one go."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation import beside as beside_module
from inventory.models import Inventory
from planner import plan_model
from planner.core import make_plan
from planner.plan_model import Plan, inventory_digest, write_plan
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


def _one_go(plan: Plan) -> bytes:
    return plan.__pydantic_serializer__.to_json(plan, indent=2) + b"\n"


def test_a_large_plans_file_is_byte_for_byte_the_serializers_in_one_go(
    bundled_plan: Plan, forks: list[int], tmp_path: Path
) -> None:
    write_plan(bundled_plan, tmp_path / "plan.json")
    assert forks, "the systems were not serialised beside"
    assert (tmp_path / "plan.json").read_bytes() == _one_go(bundled_plan)


def test_text_that_looks_like_the_files_layout_does_not_confuse_the_joining(
    bundled_plan: Plan, forks: list[int], tmp_path: Path
) -> None:
    sly = '\n  "systems": [],\n  ]\n'
    hostile = {"name": sly, "reasons": [sly, "two\nlines"]}
    systems = [s.model_copy(update=hostile) for s in bundled_plan.systems]
    findings = [f.model_copy(update={"message": sly}) for f in bundled_plan.findings]
    plan = bundled_plan.model_copy(update={"systems": systems, "findings": findings})
    write_plan(plan, tmp_path / "plan.json")
    assert (tmp_path / "plan.json").read_bytes() == _one_go(plan)


def test_a_large_inventorys_plan_made_with_work_beside_is_the_same_plan(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, forks: list[int]
) -> None:
    plan = make_plan(bundled_inventory, default_policy)
    assert len(forks) == 2, "the digest and the reasons' texts were not made beside"
    assert plan.inventory.digest == inventory_digest(bundled_inventory)
    assert plan == bundled_plan
