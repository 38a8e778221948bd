"""Machine rooms (ROOM-1..4) and leased lines / networks (LINE-1..4).

Rooms, decided before scheduling (they depend on dispositions only):

* A room holding a system that does not move (intranet, programme, blocked) is ``retained``:
  it cannot empty within the plan (ROOM-1 warning: it holds more than ROOM-1 allows).
* A department keeps a room when it still needs one after migration: for its LAN-only
  systems (keep_local) or its network access equipment (assets of kind network/security).
  LAN-only systems need the department's *own* room; a department that only needs network
  access equipment shares a room (ROOM-3) with another department in the same building,
  unless one of its rooms carries a recorded exception (ROOM-4), which it then keeps.
* The room a department keeps is its smallest room within the area limit, preferring rooms
  that already hold its LAN-only systems; other rooms are ``vacated``; consolidated rooms are
  ``merged`` and name the host room in ``shared_with`` (the host names them back).
* A department retaining more rooms than allowed, or a retained room above the area limit
  without a recorded exception, is a ROOM-2 error.

Networks: national networks and golden-programme private networks are ``programme`` (LINE-3);
the city's extranet and intranet are ``kept``; internet lines (LINE-1, LINE-4) and private
networks (LINE-2) are ``retired`` once every system they carry has moved — a system that stays
(intranet, programme, keep_local, blocked) keeps the line paid, which is an error finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from inventory.models import AssetKind, Inventory, NetworkKind, Room
from planner import rules
from planner.classify import Decision
from planner.plan_model import (
    SCHEDULED_DISPOSITIONS,
    Disposition,
    Finding,
    FindingSeverity,
    NetworkOutcome,
    PlanRoom,
    RoomOutcome,
)
from planner.policy import Policy

PINNING = frozenset({Disposition.INTRANET, Disposition.PROGRAMME, Disposition.BLOCKED})
STAYING = PINNING | {Disposition.KEEP_LOCAL}
ACCESS_EQUIPMENT = frozenset({AssetKind.NETWORK, AssetKind.SECURITY})


@dataclass
class RoomDecision:
    """A room's outcome, decided before scheduling; its wave follows from the systems it waits for."""

    room: Room
    outcome: RoomOutcome
    waits_for: list[str]  # scheduled systems that must leave before it empties
    shared_with: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def cite(self, rule: str, reason: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        self.reasons.append(reason)

    @property
    def retires(self) -> bool:
        return self.outcome in (RoomOutcome.VACATED, RoomOutcome.MERGED)


@dataclass
class NetworkDecision:
    """A network's outcome; a retired one waits for the systems it carries."""

    network_id: str
    outcome: NetworkOutcome
    monthly_fee: float
    waits_for: list[str]
    rules: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _room_key(room: Room, limit: float, local: set[str]) -> tuple[bool, bool, float, str]:
    """Preference for the room a department keeps: within the limit, holds LAN-only systems, small."""
    return (room.area_m2 > limit, room.id not in local, room.area_m2, room.id)


def decide_rooms(
    inventory: Inventory, decisions: Mapping[str, Decision], policy: Policy
) -> tuple[dict[str, RoomDecision], list[Finding]]:
    """Every room's outcome (ROOM-1..4) and the room findings."""
    limit = policy.rooms.max_area_m2
    exceptions = {r.id: (r.exception or policy.exceptions.rooms.get(r.id)) for r in inventory.rooms}
    in_room: dict[str, list[str]] = defaultdict(list)
    for s in inventory.systems:
        if s.room:
            in_room[s.room].append(s.id)
    access: set[str] = {a.room for a in inventory.assets if a.kind in ACCESS_EQUIPMENT}
    by_dept: dict[str, list[Room]] = defaultdict(list)
    for r in inventory.rooms:
        by_dept[r.department].append(r)

    out: dict[str, RoomDecision] = {}
    findings: list[Finding] = []
    net_only: list[Room] = []  # rooms a department keeps only for access equipment: ROOM-3 candidates
    for dept, rooms in sorted(by_dept.items()):
        pinned = {r.id: [s for s in in_room[r.id] if decisions[s].disposition in PINNING] for r in rooms}
        local = {
            r.id
            for r in rooms
            if any(decisions[s].disposition is Disposition.KEEP_LOCAL for s in in_room[r.id])
        }
        kept: list[Room] = [r for r in rooms if pinned[r.id]]  # cannot empty within the plan
        needs_local = bool(local)
        needs_access = any(r.id in access for r in rooms)
        excepted = sorted((r for r in rooms if exceptions[r.id]), key=lambda r: _room_key(r, limit, local))
        if not kept and (needs_local or needs_access):
            if excepted:
                kept = [excepted[0]]
            elif needs_local:
                kept = [min(rooms, key=lambda r: _room_key(r, limit, local))]
            else:
                net_only.append(min(rooms, key=lambda r: _room_key(r, limit, local)))
        kept_ids = {r.id for r in kept}
        for r in rooms:
            waits = [s for s in in_room[r.id] if decisions[s].disposition in SCHEDULED_DISPOSITIONS]
            if r.id in kept_ids:
                d = RoomDecision(r, RoomOutcome.RETAINED, waits)
                if pinned[r.id]:
                    d.cite(
                        rules.ROOM_1,
                        f"holds systems that do not move: {', '.join(pinned[r.id][:5])}"
                        + (" ..." if len(pinned[r.id]) > 5 else ""),
                    )
                if exceptions[r.id]:
                    d.cite(rules.ROOM_4, f"recorded exception: {exceptions[r.id]}")
                if needs_local:
                    d.cite(rules.ROOM_1, f"keeps {dept}'s LAN-only systems and network access equipment")
                d.cite(rules.ROOM_2, f"the room {dept} keeps")
            else:
                d = RoomDecision(r, RoomOutcome.VACATED, waits)
                d.cite(rules.ROOM_1, "nothing in it must stay once its systems have moved")
            out[r.id] = d

    _consolidate(net_only, out, exceptions, limit)

    retained: dict[str, list[str]] = defaultdict(list)
    for d in out.values():
        if d.outcome is RoomOutcome.RETAINED:
            retained[d.room.department].append(d.room.id)
    for d in out.values():
        r = d.room
        if d.outcome is RoomOutcome.VACATED and retained.get(r.department):
            d.cite(rules.ROOM_2, f"{r.department} keeps {', '.join(retained[r.department])} instead")
        if d.outcome is not RoomOutcome.RETAINED:
            continue
        if r.area_m2 > limit:
            if exceptions[r.id]:
                findings.append(
                    Finding(
                        rule=rules.ROOM_4,
                        severity=FindingSeverity.INFO,
                        subject=r.id,
                        message=f"retained at {r.area_m2:g} m² (limit {limit:g}) under the "
                        f"recorded exception: {exceptions[r.id]}",
                    )
                )
            else:
                findings.append(
                    Finding(
                        rule=rules.ROOM_2,
                        severity=FindingSeverity.ERROR,
                        subject=r.id,
                        message=f"retained room of {r.department} is {r.area_m2:g} m², above "
                        f"the {limit:g} m² limit",
                    )
                )
        pinned_here = [s for s in in_room[r.id] if decisions[s].disposition in PINNING]
        if pinned_here:
            findings.append(
                Finding(
                    rule=rules.ROOM_1,
                    severity=FindingSeverity.WARNING,
                    subject=r.id,
                    message=f"still holds {len(pinned_here)} system(s) that do not move "
                    f"({', '.join(pinned_here[:5])}), beyond network equipment and "
                    f"LAN-only systems",
                )
            )
    for dept, kept_list in sorted(retained.items()):
        if len(kept_list) > policy.rooms.max_per_department:
            findings.append(
                Finding(
                    rule=rules.ROOM_2,
                    severity=FindingSeverity.ERROR,
                    subject=dept,
                    message=f"{dept} retains {len(kept_list)} rooms ({', '.join(sorted(kept_list))}); "
                    f"the limit is {policy.rooms.max_per_department}",
                )
            )
    return out, findings


def _consolidate(
    candidates: list[Room], out: dict[str, RoomDecision], exceptions: Mapping[str, str | None], limit: float
) -> None:
    """ROOM-3: departments needing only access equipment share a room in their building."""
    hosts: dict[str, list[Room]] = defaultdict(list)
    for d in out.values():
        if d.outcome is RoomOutcome.RETAINED and not exceptions[d.room.id]:
            hosts[d.room.building].append(d.room)
    by_building: dict[str, list[Room]] = defaultdict(list)
    for r in candidates:
        by_building[r.building].append(r)
    for building, rooms in sorted(by_building.items()):
        pool = sorted(hosts.get(building, []), key=lambda r: (r.area_m2 > limit, r.id))
        rooms.sort(key=lambda r: (r.area_m2 > limit, r.area_m2, r.id))
        if not pool:
            host = rooms.pop(0)
            d = out[host.id]
            d.outcome = RoomOutcome.RETAINED
            d.rules, d.reasons = [], []
            d.cite(rules.ROOM_2, f"the room {host.department} keeps for its network access equipment")
            pool = [host]
        for r in rooms:
            target = next((h for h in pool if h.department != r.department), None)
            d = out[r.id]
            if target is None:  # only rooms of its own department: keep it (ROOM-2 allows one)
                d.outcome = RoomOutcome.RETAINED
                d.rules, d.reasons = [], []
                d.cite(rules.ROOM_2, f"the room {r.department} keeps for its network access equipment")
                pool.append(r)
                continue
            d.outcome = RoomOutcome.MERGED
            d.shared_with = [target.id]
            d.rules, d.reasons = [], []
            d.cite(
                rules.ROOM_3,
                f"{r.department}'s network access equipment moves into {target.id} of "
                f"{target.department} in the same building {building}",
            )
            out[target.id].shared_with.append(r.id)
            out[target.id].cite(rules.ROOM_3, f"shared with {r.department} (room {r.id})")


def decide_networks(
    inventory: Inventory, decisions: Mapping[str, Decision]
) -> tuple[dict[str, NetworkDecision], list[Finding]]:
    """Every network's outcome (LINE-1..4) and the findings for lines still paid."""
    carried: dict[str, list[str]] = defaultdict(list)
    for s in inventory.systems:
        for nid in s.networks:
            carried[nid].append(s.id)
    out: dict[str, NetworkDecision] = {}
    findings: list[Finding] = []
    for n in inventory.networks:
        ids = carried.get(n.id, [])
        waits = [s for s in ids if decisions[s].disposition in SCHEDULED_DISPOSITIONS]
        if n.kind is NetworkKind.NATIONAL_NETWORK or n.programme:
            d = NetworkDecision(
                n.id,
                NetworkOutcome.PROGRAMME,
                n.monthly_fee,
                [],
                [rules.LINE_3],
                [
                    f"{n.programme or 'national'} programme network: integrated only under the "
                    f"national and provincial deployment"
                ],
            )
        elif n.kind is NetworkKind.EXTRANET:
            d = NetworkDecision(
                n.id,
                NetworkOutcome.KEPT,
                n.monthly_fee,
                [],
                [rules.LINE_4],
                ["the e-government extranet: departments reach the internet through it"],
            )
        elif n.kind is NetworkKind.INTRANET:
            d = NetworkDecision(
                n.id,
                NetworkOutcome.KEPT,
                n.monthly_fee,
                [],
                [rules.SCOPE_2],
                ["the e-government intranet carries classified systems"],
            )
        else:
            rule_ids = [rules.LINE_1, rules.LINE_4] if n.kind is NetworkKind.INTERNET_LINE else [rules.LINE_2]
            staying = [s for s in ids if decisions[s].disposition in STAYING]
            if staying:
                d = NetworkDecision(
                    n.id,
                    NetworkOutcome.KEPT,
                    n.monthly_fee,
                    [],
                    rule_ids,
                    [f"still needed by systems that stay: {', '.join(staying[:5])}"],
                )
                findings.append(
                    Finding(
                        rule=rule_ids[0],
                        severity=FindingSeverity.ERROR,
                        subject=n.id,
                        message=f"{n.kind.value} {n.id} stays paid ({n.monthly_fee:g} CNY/month): "
                        f"{len(staying)} system(s) that do not move still use it "
                        f"({', '.join(staying[:5])})",
                    )
                )
            else:
                what = "internet line" if n.kind is NetworkKind.INTERNET_LINE else "private network"
                d = NetworkDecision(
                    n.id,
                    NetworkOutcome.RETIRED,
                    n.monthly_fee,
                    waits,
                    rule_ids,
                    [f"{what} cancelled once its {len(waits)} system(s) have moved"],
                )
        out[n.id] = d
    return out, findings


def plan_rooms(rooms: Mapping[str, RoomDecision], wave_of: Mapping[str, int | None]) -> list[PlanRoom]:
    """The plan's room records: vacated and merged rooms empty with their last system's move."""
    out = []
    for d in rooms.values():
        wave = None
        if d.retires:
            wave = max((w for s in d.waits_for if (w := wave_of.get(s)) is not None), default=0)
        out.append(
            PlanRoom(
                id=d.room.id,
                department=d.room.department,
                outcome=d.outcome,
                wave=wave,
                shared_with=list(d.shared_with),
                rules=list(d.rules),
                reasons=list(d.reasons),
                building=d.room.building,
                area_m2=d.room.area_m2,
                monthly_cost=d.room.monthly_cost,
            )
        )
    return out
