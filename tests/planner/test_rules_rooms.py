"""ROOM-1..4 and LINE-1..4: when rooms empty, which room a department keeps, which lines stop."""

from __future__ import annotations

from planner import rules
from planner.plan_model import FindingSeverity, NetworkOutcome, RoomOutcome


def room(plan, rid):
    return next(r for r in plan.rooms if r.id == rid)


def net(plan, nid):
    return next(n for n in plan.networks if n.id == nid)


def test_room_is_vacated_in_the_wave_its_last_system_leaves(inv, plan_of):
    # fin keeps its network access in the cheaper r0; r1 empties with its systems.
    plan = plan_of(
        inv.room("r0", "fin", cost=500)
        .room("r1", "fin", cost=5000)
        .system("a", room="r1")
        .system("b", room="r1")
    )
    r = room(plan, "r1")
    assert r.outcome is RoomOutcome.VACATED and rules.ROOM_1 in r.rules
    assert r.wave == max(plan.system("a").wave, plan.system("b").wave)


def test_department_with_lan_only_systems_keeps_one_room_and_vacates_the_rest(inv, plan_of):
    plan = plan_of(
        inv.room("r-big", "fin", area=60)
        .room("r-small", "fin", area=12)
        .system("door", category="lan_only", room="r-big")
        .system("app", room="r-big")
    )
    assert room(plan, "r-small").outcome is RoomOutcome.RETAINED
    assert room(plan, "r-big").outcome is RoomOutcome.VACATED


def test_retained_room_above_the_area_limit_is_a_room_2_error(inv, plan_of):
    plan = plan_of(inv.room("r1", "fin", area=45).system("door", category="lan_only", room="r1"))
    assert any(
        f.rule == rules.ROOM_2 and f.subject == "r1" and f.severity is FindingSeverity.ERROR
        for f in plan.findings
    )


def test_recorded_exception_keeps_a_large_room_without_an_error(inv, plan_of):
    plan = plan_of(inv.room("r1", "fin", area=45, exception="保密要求").asset("a1", "r1"))
    r = room(plan, "r1")
    assert r.outcome is RoomOutcome.RETAINED and rules.ROOM_4 in r.rules
    assert not any(f.rule == rules.ROOM_2 for f in plan.findings)


def test_departments_in_one_building_share_one_room_for_network_equipment(inv, plan_of):
    plan = plan_of(
        inv.room("r-fin", "fin", area=10)
        .asset("a1", "r-fin")
        .room("r-edu", "edu", area=18)
        .asset("a2", "r-edu")
    )
    outcomes = {room(plan, "r-fin").outcome, room(plan, "r-edu").outcome}
    assert outcomes == {RoomOutcome.RETAINED, RoomOutcome.MERGED}
    merged = next(r for r in plan.rooms if r.outcome is RoomOutcome.MERGED)
    kept = next(r for r in plan.rooms if r.outcome is RoomOutcome.RETAINED)
    assert merged.shared_with == [kept.id] and rules.ROOM_3 in merged.rules


def test_departments_in_different_buildings_keep_their_own_rooms(inv, plan_of):
    inv.dept("edu", building="b2")
    plan = plan_of(inv.room("r-fin", "fin").asset("a1", "r-fin").room("r-edu", "edu").asset("a2", "r-edu"))
    assert {r.outcome for r in plan.rooms} == {RoomOutcome.RETAINED}


def test_room_exception_is_not_consolidated(inv, plan_of):
    plan = plan_of(
        inv.room("r-fin", "fin", exception="建筑布局")
        .asset("a1", "r-fin")
        .room("r-edu", "edu")
        .asset("a2", "r-edu")
    )
    assert room(plan, "r-fin").outcome is RoomOutcome.RETAINED
    assert room(plan, "r-fin").shared_with == []


def test_rooms_pinned_by_systems_that_cannot_move_are_retained_with_findings(inv, plan_of):
    plan = plan_of(
        inv.room("r1", "fin")
        .room("r2", "fin")
        .system("tax", programme="金税", room="r1")
        .system("core", mlps_level=4, room="r2")
    )
    assert {room(plan, "r1").outcome, room(plan, "r2").outcome} == {RoomOutcome.RETAINED}
    assert any(
        f.rule == rules.ROOM_2 and f.subject == "fin" and f.severity is FindingSeverity.ERROR
        for f in plan.findings
    )
    assert any(f.rule == rules.ROOM_1 and f.subject == "r1" for f in plan.findings)


def test_internet_line_is_cancelled_once_its_systems_have_moved(inv, plan_of):
    plan = plan_of(inv.net("n-inet", "internet_line", "fin", fee=3000).system("web", networks=["n-inet"]))
    n = net(plan, "n-inet")
    assert (
        n.outcome is NetworkOutcome.RETIRED and rules.LINE_1 in n.rules and n.wave == plan.system("web").wave
    )


def test_national_network_is_never_retired_by_the_city(inv, plan_of):
    plan = plan_of(inv.net("n-jj", "national_network", programme="金税").system("a", networks=["n-jj"]))
    n = net(plan, "n-jj")
    assert n.outcome is NetworkOutcome.PROGRAMME and n.wave is None and rules.LINE_3 in n.rules


def test_private_network_still_used_by_a_blocked_system_stays_paid_with_an_error(inv, plan_of):
    plan = plan_of(inv.net("n-p", "private_network", "fin").system("core", mlps_level=4, networks=["n-p"]))
    assert net(plan, "n-p").outcome is NetworkOutcome.KEPT
    assert any(
        f.rule == rules.LINE_2 and f.subject == "n-p" and f.severity is FindingSeverity.ERROR
        for f in plan.findings
    )


def test_private_network_cancelled_after_its_deadline_is_an_error(inv, plan_of, policy):
    from tests.planner.conftest import policy_with

    pol = policy_with(policy, capacity={"systems": 1})
    for i in range(12):
        inv.system(f"s{i:02d}", networks=["n-p"], resources={"vcpu": 16})
    plan = plan_of(inv.net("n-p", "private_network", "fin"), pol)
    assert net(plan, "n-p").wave > 9
    assert any(f.rule == rules.LINE_2 and f.subject == "n-p" for f in plan.findings)


def test_retired_rooms_and_lines_add_up_to_the_stranded_cost(inv, plan_of):
    plan = plan_of(
        inv.room("r0", "fin", cost=100)
        .room("r1", "fin", cost=1000)
        .net("n1", "internet_line", "fin", fee=200)
        .system("a", room="r1", networks=["n1"])
    )
    w = plan.system("a").wave
    assert plan.metrics.stranded_cost == (1000 + 200) * (w + 1)
    assert plan.metrics.monthly_savings == 1200
