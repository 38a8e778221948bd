"""ROOM-1..4 as one decision per building: retained rooms, shared rooms, relocations, racks."""

from __future__ import annotations

from planner import rules
from planner.plan_model import FindingSeverity, RelocationKind, RoomOutcome


def room(plan, rid):
    return next(r for r in plan.rooms if r.id == rid)


def room_2_errors(plan):
    return [f for f in plan.findings if f.rule == rules.ROOM_2 and f.severity is FindingSeverity.ERROR]


def test_lan_only_system_moves_into_a_compliant_room_of_another_department_instead_of_keeping_a_large_one(
    inv, plan_of
):
    plan = plan_of(
        inv.room("r-big", "fin", area=60, cost=9000)
        .asset("a1", "r-big")
        .system("door", category="lan_only", room="r-big")
        .system("app", room="r-big")
        .room("r-small", "edu", area=12, cost=2000)
        .asset("a2", "r-small")
    )
    assert room(plan, "r-small").outcome is RoomOutcome.RETAINED
    big = room(plan, "r-big")
    assert big.outcome is RoomOutcome.MERGED and big.shared_with == ["r-small"]
    assert room_2_errors(plan) == []
    moved = {(m.kind, m.subject): m for m in plan.relocations}
    door = moved[(RelocationKind.LAN_ONLY_SYSTEM, "door")]
    assert (door.from_room, door.to_room, door.wave) == ("r-big", "r-small", big.wave)
    assert rules.ROOM_3 in door.rules
    assert moved[(RelocationKind.NETWORK_ACCESS, "fin")].to_room == "r-small"


def test_building_where_nothing_must_stay_keeps_its_cheapest_room_for_every_departments_network_access(
    inv, plan_of
):
    plan = plan_of(
        inv.room("r-fin", "fin", area=15, cost=3000)
        .system("a", room="r-fin")
        .room("r-edu", "edu", area=18, cost=1000)
        .system("b", "edu", room="r-edu")
    )
    assert room(plan, "r-edu").outcome is RoomOutcome.RETAINED
    assert room(plan, "r-fin").outcome is RoomOutcome.MERGED
    access = {m.department: m.to_room for m in plan.relocations if m.kind is RelocationKind.NETWORK_ACCESS}
    assert access == {"fin": "r-edu"}


def test_compliant_room_held_by_a_programme_system_is_the_buildings_shared_room(inv, plan_of):
    plan = plan_of(
        inv.room("r-fin", "fin", area=10, cost=5000)
        .system("golden", programme="金财", room="r-fin")
        .room("r-edu", "edu", area=15, cost=1000)
        .asset("a1", "r-edu")
    )
    assert room(plan, "r-fin").outcome is RoomOutcome.RETAINED
    assert room(plan, "r-edu").outcome is RoomOutcome.MERGED
    assert room(plan, "r-fin").shared_with == ["r-edu"]
    [move] = plan.relocations
    assert (move.kind, move.subject, move.from_room, move.to_room) == (
        RelocationKind.NETWORK_ACCESS,
        "edu",
        "r-edu",
        "r-fin",
    )


def test_room_racks_limit_what_a_shared_room_can_take(inv, plan_of):
    inv.data["departments"] += [
        {"id": d, "name": d, "region": "tc", "building": "b1", "units": []} for d in ("fin", "edu", "hr")
    ]
    inv.room("r-a", "fin", area=10, cost=100).room("r-b", "edu", area=15, cost=500)
    inv.room("r-c", "hr", area=60, cost=800).system("x", room="r-c")
    inv.data["rooms"][0]["racks"] = 2  # r-a cannot take three departments' access equipment
    plan = plan_of(inv)
    assert [r.id for r in plan.rooms if r.outcome is RoomOutcome.RETAINED] == ["r-b"]
    assert {m.department for m in plan.relocations} <= {"fin", "hr"}


def test_room_2_error_remains_only_where_no_compliant_room_exists_and_says_what_resolves_it(inv, plan_of):
    plan = plan_of(inv.room("r1", "fin", area=45).room("r2", "edu", area=30, cost=400).system("a", room="r1"))
    errors = room_2_errors(plan)
    assert [f.subject for f in errors] == ["r2"]  # one room kept for both, the cheaper one
    assert "no room within 20 m²" in errors[0].message and "ROOM-4" in errors[0].message
    assert room(plan, "r1").outcome is RoomOutcome.MERGED


def test_department_keeps_its_recorded_exception_room_and_shares_it_with_nobody(inv, plan_of):
    plan = plan_of(
        inv.room("r-sec", "fin", area=40, exception="保密要求")
        .asset("a1", "r-sec")
        .room("r-edu", "edu", area=30)
        .asset("a2", "r-edu")
    )
    assert room(plan, "r-sec").outcome is RoomOutcome.RETAINED and room(plan, "r-sec").shared_with == []
    assert room(plan, "r-edu").outcome is RoomOutcome.RETAINED
    assert [f.subject for f in room_2_errors(plan)] == ["r-edu"]


def test_department_whose_building_has_only_another_departments_room_4_room_is_reported(inv, plan_of):
    inv.dept("edu")
    plan = plan_of(inv.room("r-sec", "fin", area=40, exception="保密要求").asset("a1", "r-sec"))
    assert room(plan, "r-sec").outcome is RoomOutcome.RETAINED and room(plan, "r-sec").shared_with == []
    [f] = [f for f in plan.findings if f.rule == rules.ROOM_3]
    assert f.severity is FindingSeverity.ERROR and f.subject == "b1" and "edu" in f.message


def test_building_with_departments_but_no_surveyed_room_is_a_warning(inv, plan_of):
    inv.dept("edu", building="b2")
    plan = plan_of(inv.room("r-fin", "fin").system("a", "edu"))
    [f] = [f for f in plan.findings if f.subject == "b2"]
    assert f.rule == rules.ROOM_1 and f.severity is FindingSeverity.WARNING and "edu" in f.message


def test_sample_readme_names_exactly_the_room_2_errors_the_bundled_city_keeps(policy):
    import re
    from pathlib import Path

    from inventory.loader import load_inventory
    from planner.core import make_plan

    text = (Path(__file__).parents[2] / "inventory" / "sample" / "README.md").read_text(encoding="utf-8")
    table = text.split("ROOM-2 errors remain", 1)[1].split("\n## ", 1)[0]
    bullets = [line.split(":", 1)[0] for line in table.splitlines() if line.startswith("- `")]
    named = {m for line in bullets for m in re.findall(r"`([^`]+)`", line)}
    plan = make_plan(load_inventory(), policy, effort="quick")
    assert named == {f.subject for f in room_2_errors(plan)}


def test_a_small_room_of_a_department_that_keeps_its_exception_room_is_no_way_out_of_a_large_one(
    inv, plan_of
):
    # edu keeps its ROOM-4 room, which takes only edu's own kit; keeping edu's small room too
    # would give edu two rooms, one ROOM-2 violation like fin's large room, and costs more.
    plan = plan_of(
        inv.room("r-fin", "fin", area=25, cost=4000)
        .system("a", room="r-fin")
        .room("r-edu-1", "edu", area=30, cost=5000, exception="建筑布局")
        .system("b", "edu", room="r-edu-1")
        .room("r-edu-2", "edu", area=15, cost=4500)
        .system("c", "edu", room="r-edu-2")
    )
    assert room(plan, "r-fin").outcome is RoomOutcome.RETAINED
    assert room(plan, "r-edu-1").outcome is RoomOutcome.RETAINED
    assert room(plan, "r-edu-2").outcome is not RoomOutcome.RETAINED
    [error] = room_2_errors(plan)
    assert error.subject == "r-fin" and error.key == "finding.room_too_large"
    assert error.params["why"].key == "finding.room_too_large.small_taken"
    assert "r-edu-2" in str(error.message) and "racks" not in str(error.message)
