"""A large inventory's digest, and what follows from its decisions alone (planner.ahead), are
made beside, in forked children: the same plan. A large plan's file is written piece by piece,
and, when written as it is made, its systems' items by the child of the work ahead: the same
bytes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import pytest

from foundation import beside as beside_module
from foundation.messages import verbatim
from inventory.models import Inventory
from planner import ahead, core, plan_model, rules
from planner.core import make_plan, plan_file, plan_with_context
from planner.plan_model import Disposition, Plan, PlanSystem, inventory_digest, reasons_of, write_plan
from planner.policy import Policy
from tests.planner.conftest import InventoryBuilder


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every inventory and plan counts as large; the children forked are recorded."""
    started: list[int] = []
    monkeypatch.setattr(plan_model, "BESIDE_MIN_SYSTEMS", 1)
    init = beside_module.Stream.__init__

    def recording(self: beside_module.Stream, produce: Callable[[], Iterable[beside_module.Bytes]]) -> None:
        init(self, produce)
        if self.child is not None:
            started.append(self.child)

    monkeypatch.setattr(beside_module.Stream, "__init__", recording)
    return started


def test_a_large_inventorys_plan_made_with_work_beside_is_the_same_plan(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, forks: list[int]
) -> None:
    plan = make_plan(bundled_inventory, default_policy)
    assert len(forks) == 2, "the digest and the work that follows from the decisions were not made beside"
    assert plan.inventory.digest == inventory_digest(bundled_inventory)
    assert plan == bundled_plan


def test_an_iteration_that_blocks_a_system_works_ahead_again_from_the_new_decisions(
    inv: InventoryBuilder, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # more data than any wave can move: the first iteration blocks it (CAP-1) and starts over
    inventory = inv.system("small").system("huge", data_gb=10**9).build()
    here = make_plan(inventory, policy)
    assert here.system("huge").disposition is Disposition.BLOCKED and rules.CAP_1 in here.system("huge").rules
    monkeypatch.setattr(plan_model, "BESIDE_MIN_SYSTEMS", 1)
    started: list[ahead.WorkAhead] = []
    init = ahead.WorkAhead.__init__

    def recording(
        self: ahead.WorkAhead, decided: ahead.Decided, beside: bool | None = None, *, systems: bool = False
    ) -> None:
        init(self, decided, beside, systems=systems)
        started.append(self)

    monkeypatch.setattr(ahead.WorkAhead, "__init__", recording)
    assert make_plan(inventory, policy) == here
    assert len(started) == 2 and all(w._stream is None for w in started), "not started again, or not reaped"


def test_parts_a_failing_child_did_not_send_are_computed_here(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, forks: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = os.getpid()
    parts = dict(ahead._PARTS)

    def sharing_in_this_process_only(decided: ahead.Decided) -> object:
        if os.getpid() != parent:
            raise SystemExit(1)  # the child dies after sending the rooms, the links and the cut-overs
        return parts["sharing"](decided)

    failing = tuple(
        (name, sharing_in_this_process_only if name == "sharing" else work) for name, work in ahead._PARTS
    )
    monkeypatch.setattr(ahead, "_PARTS", failing)
    assert make_plan(bundled_inventory, default_policy) == bundled_plan


def test_reasons_with_their_texts_given_are_kept_once_as_when_rendered_here() -> None:
    said = [verbatim("unused"), verbatim("unused"), verbatim("no owner")]
    assert reasons_of(said, ["unused", "unused", "no owner"]) == reasons_of(said)
    assert reasons_of(said) == (["unused", "no owner"], [said[0], said[2]])
    # texts that do not match the messages (the reasons changed since) are not used
    assert reasons_of(said, ["stale"]) == reasons_of(said)


def _one_go(plan: Plan) -> bytes:
    return plan.__pydantic_serializer__.to_json(plan, indent=2) + b"\n"


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled city's plan counts as large: its systems are serialised 7 at a time."""
    monkeypatch.setattr(plan_model, "_SYSTEMS_PER_PIECE", 7)


def test_a_large_plans_file_is_byte_for_byte_the_serializers_in_one_go(
    bundled_plan: Plan, small_pieces: None, tmp_path: Path
) -> None:
    assert len(list(plan_model.plan_json(bundled_plan))) > 2 * len(bundled_plan.systems) // 7
    write_plan(bundled_plan, tmp_path / "plan.json")
    assert (tmp_path / "plan.json").read_bytes() == _one_go(bundled_plan)


def test_text_that_looks_like_the_files_layout_does_not_confuse_the_joining(
    bundled_plan: Plan, small_pieces: None, tmp_path: Path
) -> None:
    sly = '\n  "systems": [],\n  ]\n'
    hostile = {"name": sly, "reasons": [sly, "two\nlines"]}
    systems = [s.model_copy(update=hostile) for s in bundled_plan.systems]
    findings = [f.model_copy(update={"message": sly}) for f in bundled_plan.findings]
    plan = bundled_plan.model_copy(update={"systems": systems, "findings": findings})
    write_plan(plan, tmp_path / "plan.json")
    assert (tmp_path / "plan.json").read_bytes() == _one_go(plan)
    # a number of systems that fills its last piece exactly
    exact = plan.model_copy(update={"systems": systems[:21]})
    write_plan(exact, tmp_path / "exact.json")
    assert (tmp_path / "exact.json").read_bytes() == _one_go(exact)


@pytest.fixture
def finished(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many bytes of systems' records each plan file had when its head and the rest were written."""
    seen: list[int] = []
    finish = core.finish_plan_file

    def recording(out: IO[bytes], head: bytes, written: int, tail: bytes) -> None:
        seen.append(written)
        finish(out, head, written, tail)

    monkeypatch.setattr(core, "finish_plan_file", recording)
    return seen


@pytest.fixture
def written_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The offsets at which this process (not a child) wrote systems' records into a plan file."""
    offsets: list[int] = []
    parent, write = os.getpid(), core.write_plan_systems

    def recording(fd: int, offset: int, *args: Any) -> int:
        if os.getpid() == parent:
            offsets.append(offset)
        return write(fd, offset, *args)

    monkeypatch.setattr(core, "write_plan_systems", recording)
    return offsets


def _records(plan: Plan) -> bytes:
    """The plan's systems' records as plan.json has them, in slices of 7 (small_pieces)."""
    systems = plan.systems
    return b",".join(bytes(plan_model.systems_json(systems[i : i + 7])) for i in range(0, len(systems), 7))


def test_a_large_plan_file_is_the_one_write_plan_writes_its_records_written_by_the_child(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, forks: list[int],
    small_pieces: None, finished: list[int], written_here: list[int], tmp_path: Path,
) -> None:
    target = tmp_path / "out" / "plan.json"
    written = plan_file(bundled_inventory, default_policy, target)
    assert target.read_bytes() == _one_go(bundled_plan)
    assert finished == [len(_records(bundled_plan))] and written_here == [], "not written by the child"
    assert written.path == target and written.inventory == bundled_plan.inventory
    # the savings from the systems' facts are those of their records
    assert written.metrics == bundled_plan.metrics and written.findings == bundled_plan.findings
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.json"]
    assert all(not Path(f"/proc/{pid}").exists() for pid in forks), "a child was left behind"


def _dies_in_the_child_after(slices: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child of the work ahead serialises *slices* slices of systems, then dies."""
    parent, made = os.getpid(), [0]
    serialise = ahead.systems_json

    def failing(systems: list[PlanSystem]) -> memoryview:
        if os.getpid() != parent and made[0] >= slices:
            os._exit(1)
        made[0] += 1
        return serialise(systems)

    monkeypatch.setattr(ahead, "systems_json", failing)


@pytest.mark.parametrize("slices", [0, 2], ids=["before writing", "half-way"])
def test_records_a_failing_child_did_not_write_are_written_here_and_the_file_is_the_same(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, forks: list[int],
    small_pieces: None, finished: list[int], written_here: list[int], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, slices: int,
) -> None:
    _dies_in_the_child_after(slices, monkeypatch)
    target = tmp_path / "plan.json"
    written = plan_file(bundled_inventory, default_policy, target)
    assert len(written_here) == 1 and finished == [len(_records(bundled_plan))]
    assert target.read_bytes() == _one_go(bundled_plan)
    assert written.metrics == bundled_plan.metrics


def test_a_plan_that_fails_while_written_leaves_the_old_file_and_no_other(
    bundled_inventory: Inventory, default_policy: Policy, forks: list[int], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "plan.json"
    target.write_bytes(b"the plan before")

    def no_bound(*args: object) -> None:
        raise RuntimeError("the bound failed")

    monkeypatch.setattr(core, "_lower_bound", no_bound)
    with pytest.raises(RuntimeError, match="the bound failed"):
        plan_file(bundled_inventory, default_policy, target)
    assert target.read_bytes() == b"the plan before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
    assert all(not Path(f"/proc/{pid}").exists() for pid in forks), "a child was left behind"


def test_a_small_plan_file_is_the_one_write_plan_writes(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, finished: list[int],
    tmp_path: Path,
) -> None:
    target = tmp_path / "plan.json"
    written = plan_file(bundled_inventory, default_policy, target)
    assert target.read_bytes() == _one_go(bundled_plan) and finished == []
    assert written.metrics == bundled_plan.metrics


def test_a_written_plan_keeps_the_facts_it_was_made_from(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, tmp_path: Path,
) -> None:
    written = plan_file(bundled_inventory, default_policy, tmp_path / "plan.json")
    _, context = plan_with_context(bundled_inventory, default_policy)
    assert written.context.decisions.keys() == context.decisions.keys()
    assert {s.id: s.disposition for s in bundled_plan.systems} == {
        sid: d.disposition for sid, d in written.context.decisions.items()
    }
    assert written.context.schedule.assignment == context.schedule.assignment
    assert written.context.grouping.group_of == context.grouping.group_of


@pytest.mark.parametrize("early", [0, 2, 99], ids=["none", "the first two", "every"])
def test_records_made_before_their_waves_are_known_are_written_the_same(
    bundled_inventory: Inventory, default_policy: Policy, bundled_plan: Plan, small_pieces: None,
    tmp_path: Path, early: int,
) -> None:
    _, context = plan_with_context(bundled_inventory, default_policy)
    sizing = {s.id: s.sizing for s in bundled_plan.systems}
    surveyed = {s.id: s.surveyed_sizing or s.sizing for s in bundled_plan.systems}
    decided = ahead.Decided(bundled_inventory, default_policy, context.decisions, sizing, surveyed)
    work = ahead.WorkAhead(decided, beside=False)
    links, (cutovers, _), texts = work.links(), work.cutovers(), work.reason_texts()
    placed = ahead.Placed({s.id: s.wave for s in bundled_plan.systems}, context.grouping.group_of)
    slices = plan_model.system_slices(len(bundled_inventory.systems))[:early]
    made = [ahead.unplaced_systems(decided, links, cutovers, texts, *bounds) for bounds in slices]
    assert all(r.wave is None and r.group is None for records in made for r in records)
    with (tmp_path / "records").open("wb") as out:
        size = ahead.write_plan_systems(out.fileno(), 3, decided, links, cutovers, texts, placed, made)
    expected = _records(bundled_plan)
    assert (tmp_path / "records").read_bytes()[3:] == expected and size == len(expected)
    assert all(records == [] for records in made), "a slice written is still held"
