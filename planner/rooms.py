"""Machine rooms (ROOM-1..4) and leased lines / networks (LINE-1..4).

Rooms are decided before scheduling (they depend on dispositions only), one building at a time,
as one decision over ROOM-1..4:

* What must stay on premises: every department's network access equipment (assets of kind
  network/security; a department with no such asset recorded still needs network access) and
  its LAN-only systems (keep_local). They stay in a *retained* room of the department's
  building: its own, or another department's (ROOM-3, so a building can end with one room).
* Rooms that cannot empty are retained whatever they cost: a room holding a system that does
  not move (intranet, programme, blocked) or equipment serving one, and a room with a recorded
  ROOM-4 exception (the department's one independent room: it takes no other department's
  equipment).
* The other retained rooms of a building are chosen to first minimise ROOM-2 violations
  (retained rooms above the area limit without an exception, departments above the room
  count), then the monthly cost of the rooms kept, then the number of relocations. Without
  room capacities one extra room at most is ever needed, so the choice is exact and linear;
  when the inventory gives rooms a capacity (``racks``), the subsets of a building's rooms are
  searched exhaustively up to ``EXACT_SEARCH_ROOMS`` candidates, greedily beyond.
* Capacity: each department's network access equipment takes one rack, each system that stays
  in a room (LAN-only, or one that does not move) one rack.
* A retained room takes the other departments' equipment and LAN-only systems (``shared_with``
  names the rooms merged into it); a room whose contents move into another department's
  retained room is ``merged`` (``shared_with`` names it); other rooms are ``vacated``. Every
  move between rooms is a relocation (Plan.relocations), made in the wave its room empties.
* A ROOM-2 error remains only where no arrangement complies; its message says why and what
  would resolve it.

Networks: national networks and golden-programme private networks are ``programme`` (LINE-3);
the city's extranet and intranet are ``kept``; internet lines (LINE-1, LINE-4) and private
networks (LINE-2) are ``retired`` once every system they carry has moved — a system that stays
(intranet, programme, keep_local, blocked) keeps the line paid, which is an error finding.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from foundation.construct import builder
from foundation.messages import Message, msg, verbatim
from inventory.models import AssetKind, Inventory, NetworkKind, Room, System
from planner import rules
from planner.classify import Decision
from planner.plan_model import (
    SCHEDULED_DISPOSITIONS,
    Disposition,
    Finding,
    FindingSeverity,
    NetworkOutcome,
    PlanNetwork,
    PlanRoom,
    Relocation,
    RelocationKind,
    RoomOutcome,
    reasons_of,
)
from planner.policy import Policy

PINNING = frozenset({Disposition.INTRANET, Disposition.PROGRAMME, Disposition.BLOCKED})
STAYING = PINNING | {Disposition.KEEP_LOCAL}
ACCESS_EQUIPMENT = frozenset({AssetKind.NETWORK, AssetKind.SECURITY})
EXACT_SEARCH_ROOMS = 12  # candidate rooms of one building searched exhaustively when racks bind
UNLIMITED = math.inf


@dataclass(frozen=True)
class PendingRelocation:
    """A relocation decided before scheduling; its wave is the wave its room empties."""

    kind: RelocationKind
    subject: str
    department: str
    from_room: str | None
    to_room: str


@dataclass
class RoomDecision:
    """A room's outcome, decided before scheduling; its wave follows from the systems it waits for."""

    room: Room
    outcome: RoomOutcome
    waits_for: list[str]  # scheduled systems that must leave before it empties
    shared_with: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    reasons: list[Message] = field(default_factory=list)
    relocations: list[PendingRelocation] = field(default_factory=list)  # what moves out of it

    def cite(self, rule: str, reason: Message) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        if reason not in self.reasons:
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
    reasons: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class _Unit:
    """One thing that stays on premises, in a retained room of its department's building."""

    kind: RelocationKind
    subject: str  # the system's ID, or the department's for its network access equipment
    department: str
    sources: tuple[str, ...]  # rooms it is in today (a department's access may be in several)
    homes: tuple[str, ...] = ()  # where it counts as at home when no equipment is recorded

    def stays_in(self, room: str) -> bool:
        return room in self.sources or room in self.homes

    def label(self) -> str:
        if self.kind is RelocationKind.NETWORK_ACCESS:
            return f"{self.department}'s network access equipment"
        return f"{self.department}'s LAN-only system {self.subject}"


@dataclass
class _Rooms:
    """Facts about the rooms that every building's choice reads."""

    limit: float
    max_rooms: int
    exception: dict[str, str | None]
    free: dict[str, float]  # racks left once what cannot move is counted; UNLIMITED without racks
    pinned: dict[str, list[str]]  # room -> systems that do not move held in it
    count: dict[str, int]  # department -> rooms it retains so far

    def over_area(self, r: Room) -> bool:
        return r.area_m2 > self.limit and not self.exception[r.id]


@dataclass
class _Arrangement:
    retained: list[Room]
    place: dict[_Unit, str]  # unit -> room it ends in
    overflow: list[_Unit] = field(default_factory=list)  # placed beyond a room's racks


def _fmt(ids: Sequence[str], limit: int = 5) -> Message:
    if len(ids) > limit:
        return msg("finding.more", shown=list(ids[:limit]))
    return msg("finding.some", shown=list(ids))


def decide_rooms(
    inventory: Inventory, decisions: Mapping[str, Decision], policy: Policy
) -> tuple[dict[str, RoomDecision], list[Finding]]:
    """Every room's outcome (ROOM-1..4), what relocates between rooms, and the room findings."""
    limit = policy.rooms.max_area_m2
    exceptions = {r.id: (r.exception or policy.exceptions.rooms.get(r.id)) for r in inventory.rooms}
    in_room: dict[str, list[str]] = defaultdict(list)
    staying: set[str] = set()  # systems that do not move (PINNING)
    local: list[System] = []  # LAN-only systems kept in their building
    for s in inventory.systems:
        if s.room:
            in_room[s.room].append(s.id)
        disposition = decisions[s.id].disposition
        if disposition in PINNING:
            staying.add(s.id)
        elif disposition is Disposition.KEEP_LOCAL:
            local.append(s)
    pinned = {r.id: [s for s in in_room[r.id] if s in staying] for r in inventory.rooms}
    access_rooms: dict[str, set[str]] = defaultdict(set)  # department -> rooms holding its access kit
    rooms_by_id = {r.id: r for r in inventory.rooms}
    for a in inventory.assets:
        room = rooms_by_id.get(a.room)
        if room is None:
            continue
        if a.kind in ACCESS_EQUIPMENT:
            access_rooms[room.department].add(room.id)
        if a.serves and not staying.isdisjoint(a.serves):
            for sid in a.serves:  # equipment of a system that does not move stays with it
                if sid in staying and sid not in pinned[room.id]:
                    pinned[room.id].append(sid)

    by_dept: dict[str, list[Room]] = defaultdict(list)
    by_building: dict[str, list[Room]] = defaultdict(list)
    for r in inventory.rooms:
        by_dept[r.department].append(r)
        by_building[r.building].append(r)
    home = {d.id: d.building for d in inventory.departments}

    # Rooms that cannot empty: what does not move, and each department's one ROOM-4 room.
    forced: dict[str, str] = {r.id: "pinned" for r in inventory.rooms if pinned[r.id]}
    excluded: set[str] = set()  # further exception rooms of a department that already keeps one
    for dept, rooms in by_dept.items():
        excepted = sorted(
            (r for r in rooms if exceptions[r.id]),
            key=lambda r: (r.building != home.get(dept), r.monthly_cost, r.area_m2, r.id),
        )
        if excepted:
            forced.setdefault(excepted[0].id, "exception")
            excluded.update(r.id for r in excepted[1:] if r.id not in forced)

    units: dict[str, list[_Unit]] = defaultdict(list)
    for d in inventory.departments:
        at_home = sorted(r.id for r in by_dept.get(d.id, []) if r.building == d.building)
        # With no access equipment recorded, the department's own rooms at home serve: it stays
        # put when one of them is retained and moves only into another department's room.
        recorded = tuple(sorted(access_rooms.get(d.id, ())))
        units[d.building].append(
            _Unit(RelocationKind.NETWORK_ACCESS, d.id, d.id, recorded or tuple(at_home[:1]), tuple(at_home))
        )
    for s in local:
        if s.department in home:
            units[home[s.department]].append(
                _Unit(RelocationKind.LAN_ONLY_SYSTEM, s.id, s.department, (s.room,) if s.room else ())
            )

    ctx = _Rooms(
        limit=limit,
        max_rooms=policy.rooms.max_per_department,
        exception=exceptions,
        free={
            r.id: UNLIMITED if r.racks is None else max(0.0, float(r.racks - len(pinned[r.id])))
            for r in inventory.rooms
        },
        pinned=pinned,
        count=defaultdict(int),
    )
    for rid in forced:
        ctx.count[rooms_by_id[rid].department] += 1

    findings: list[Finding] = []
    chosen: dict[str, _Arrangement] = {}
    for building in sorted(set(by_building) | set(units)):
        rooms = sorted(by_building.get(building, []), key=lambda r: r.id)
        must = [r for r in rooms if r.id in forced]
        cands = [r for r in rooms if r.id not in forced and r.id not in excluded]
        arr = _choose(must, cands, units.get(building, []), ctx)
        for r in arr.retained:
            if r.id not in forced:
                ctx.count[r.department] += 1
        chosen[building] = arr
        findings += _building_findings(building, rooms, arr, units.get(building, []), ctx)

    out = _room_decisions(inventory, decisions, in_room, chosen, forced, ctx)
    findings += _room_findings(out, by_building, forced, ctx)
    return out, findings


def _choose(must: list[Room], cands: list[Room], units: list[_Unit], ctx: _Rooms) -> _Arrangement:
    """The retained rooms of one building: fewest ROOM-2 violations, then cost, then relocations."""
    if not units:
        return _Arrangement(list(must), {})
    bounded = any(ctx.free[r.id] < UNLIMITED for r in (*must, *cands))
    options: Iterable[Sequence[Room]]
    if not bounded:
        # Without capacities one non-exception room holds everything: at most one extra room.
        # Adding a room never lowers violations or cost, so only the best-ranked rooms compete.
        def rank(c: Room) -> tuple[int, float]:
            return (_marginal(c, ctx), c.monthly_cost)

        best_rank = min((rank(c) for c in cands), default=None)
        options = [(), *((c,) for c in cands if rank(c) == best_rank)]
    elif len(cands) <= EXACT_SEARCH_ROOMS:
        options = (x for n in range(len(cands) + 1) for x in itertools.combinations(cands, n))
    else:
        options = [_greedy(must, cands, units, ctx)]
    best: tuple[tuple[int, float, int, tuple[str, ...]], _Arrangement] | None = None
    for extra in options:
        retained = [*must, *extra]
        place = _assign(retained, units, ctx)
        if place is None:
            continue
        key = (
            _violations(retained, extra, ctx),
            sum(r.monthly_cost for r in extra),
            _moves(place, retained),
            tuple(r.id for r in extra),
        )
        if best is None or key < best[0]:
            best = (key, _Arrangement(retained, place))
    if best is not None:
        return best[1]
    # No arrangement fits the racks (or the building has no usable room): keep every room that
    # could help and place what remains beyond capacity, which the findings report.
    retained = [*must, *cands]
    place = _assign(retained, units, ctx, ignore_racks=True, partial=True) or {}
    used: dict[str, int] = defaultdict(int)
    overflow = []
    for u, rid in place.items():
        used[rid] += 1
        if used[rid] > ctx.free[rid]:
            overflow.append(u)
    return _Arrangement(retained, place, overflow + [u for u in units if u not in place])


def _greedy(must: list[Room], cands: list[Room], units: list[_Unit], ctx: _Rooms) -> list[Room]:
    """Large buildings with racks: add rooms until everything fits, then drop those not needed."""
    order = sorted(cands, key=lambda c: (_marginal(c, ctx), -ctx.free[c.id], c.monthly_cost, c.id))
    extra: list[Room] = []
    while _assign([*must, *extra], units, ctx) is None and order:
        extra.append(order.pop(0))
    for r in sorted(extra, key=lambda c: (-c.monthly_cost, c.id)):
        fewer = [x for x in extra if x is not r]
        if _assign([*must, *fewer], units, ctx) is not None:
            extra = fewer
    return extra


def _marginal(r: Room, ctx: _Rooms) -> int:
    """ROOM-2 violations retaining *r* adds: above the area limit, one room too many."""
    return int(ctx.over_area(r)) + int(ctx.count[r.department] >= ctx.max_rooms)


def _violations(retained: Sequence[Room], extra: Sequence[Room], ctx: _Rooms) -> int:
    added: dict[str, int] = defaultdict(int)
    for r in extra:
        added[r.department] += 1
    over = sum(1 for r in retained if ctx.over_area(r))
    depts = {r.department for r in retained}
    return over + sum(max(0, ctx.count[d] + added[d] - ctx.max_rooms) for d in depts)


def _moves(place: Mapping[_Unit, str], retained: Sequence[Room]) -> int:
    ids = {r.id for r in retained}
    return sum(len(_leaving(u, dest, ids)) for u, dest in place.items())


def _leaving(u: _Unit, dest: str, retained: set[str] | frozenset[str]) -> list[str | None]:
    """The rooms *u* moves out of to reach *dest* (None: from no surveyed room)."""
    if u.stays_in(dest) and dest not in u.sources:
        return []  # access with no equipment recorded: any room of the department at home serves
    if u.sources:
        return [s for s in u.sources if s not in retained]
    return [None]


def _assign(
    retained: Sequence[Room],
    units: Sequence[_Unit],
    ctx: _Rooms,
    *,
    ignore_racks: bool = False,
    partial: bool = False,
) -> dict[_Unit, str] | None:
    """Where each unit ends, or None when the racks of *retained* cannot hold them all.

    A unit stays where it is when its room is retained; else it goes to its department's
    exception room; else into the shared rooms (any non-exception room), its own department's
    first, then the room its department already uses, then one within the area limit.
    Exception rooms take only their own department's units, every other room takes anyone's,
    so filling them in this order fits whenever any assignment fits.
    """
    free = {r.id: (UNLIMITED if ignore_racks else ctx.free[r.id]) for r in retained}
    place: dict[_Unit, str] = {}
    rest: list[_Unit] = []
    for u in units:
        here = next((s for s in (*u.sources, *u.homes) if free.get(s, 0) >= 1), None)
        if here is None:
            rest.append(u)
            continue
        place[u] = here
        free[here] -= 1
    used: dict[str, set[str]] = defaultdict(set)
    for u, rid in place.items():
        used[u.department].add(rid)
    shared = [r for r in retained if not ctx.exception[r.id]]
    for u in rest:
        own = next(
            (r for r in retained if ctx.exception[r.id] and r.department == u.department and free[r.id] >= 1),
            None,
        )
        if own is None:
            pool = [r for r in shared if free[r.id] >= 1]
            if not pool:
                if partial:  # what fits is placed; the rest is reported
                    continue
                return None
            own = min(
                pool,
                key=lambda r: (
                    r.department != u.department,
                    r.id not in used[u.department],
                    ctx.over_area(r),
                    -free[r.id],
                    r.id,
                ),
            )
        place[u] = own.id
        free[own.id] -= 1
        used[u.department].add(own.id)
    return place


def _what(units: Iterable[_Unit]) -> Message:
    """Plain words for the things that stay: 'fin's network access equipment, LAN-only system x'."""
    access = sorted({u.department for u in units if u.kind is RelocationKind.NETWORK_ACCESS})
    local = sorted(u.subject for u in units if u.kind is RelocationKind.LAN_ONLY_SYSTEM)
    said_access = msg("room.what.access", departments=_fmt(access))
    said_local = msg("room.what.lan_only", systems=_fmt(local))
    if access and local:
        return msg("room.what.both", access=said_access, local=said_local)
    if access:
        return said_access
    if local:
        return said_local
    return msg("room.what.nothing")


def _room_decisions(
    inventory: Inventory,
    decisions: Mapping[str, Decision],
    in_room: Mapping[str, list[str]],
    chosen: Mapping[str, _Arrangement],
    forced: Mapping[str, str],
    ctx: _Rooms,
) -> dict[str, RoomDecision]:
    rooms_by_id = {r.id: r for r in inventory.rooms}
    retained = {r.id for arr in chosen.values() for r in arr.retained}
    hosted: dict[str, list[_Unit]] = defaultdict(list)
    # room -> what leaves it (or, from no surveyed room, arrives in it)
    moves: dict[str, list[PendingRelocation]] = defaultdict(list)
    for arr in chosen.values():
        for u, dest in arr.place.items():
            hosted[dest].append(u)
            for src in _leaving(u, dest, retained):
                moves[src or dest].append(PendingRelocation(u.kind, u.subject, u.department, src, dest))

    out: dict[str, RoomDecision] = {}
    kept_by_dept: dict[str, list[str]] = defaultdict(list)
    for rid in sorted(retained):
        kept_by_dept[rooms_by_id[rid].department].append(rid)
    for r in inventory.rooms:
        waits = [s for s in in_room.get(r.id, []) if decisions[s].disposition in SCHEDULED_DISPOSITIONS]
        if r.id in retained:
            d = RoomDecision(r, RoomOutcome.RETAINED, waits)
            if ctx.pinned[r.id]:
                d.cite(rules.ROOM_1, msg("reason.room.pinned", systems=_fmt(ctx.pinned[r.id])))
            if ctx.exception[r.id]:
                d.cite(rules.ROOM_4, msg("reason.room.exception", exception=ctx.exception[r.id]))
            own = [u for u in hosted[r.id] if u.department == r.department]
            foreign = [u for u in hosted[r.id] if u.department != r.department]
            if own or not (d.rules or foreign):
                d.cite(rules.ROOM_2, msg("reason.room.kept_for", department=r.department, what=_what(own)))
            if foreign:
                d.cite(rules.ROOM_3, msg("reason.room.shared", building=r.building, what=_what(foreign)))
        else:
            d = RoomDecision(r, RoomOutcome.VACATED, waits)
            elsewhere = [m for m in moves.get(r.id, []) if m.from_room == r.id]
            into_other = sorted(
                {
                    m.to_room
                    for m in elsewhere
                    if rooms_by_id[m.to_room].department != r.department
                    and rooms_by_id[m.to_room].building == r.building
                }
            )
            if into_other:
                d.outcome = RoomOutcome.MERGED
                d.shared_with = into_other
            for dest in sorted({m.to_room for m in elsewhere}):
                what = _what(
                    _Unit(m.kind, m.subject, m.department, ()) for m in elsewhere if m.to_room == dest
                )
                host = rooms_by_id[dest]
                if dest in into_other:
                    said = msg(
                        "reason.room.moves_to_other",
                        what=what, room=dest, department=host.department, building=r.building,
                    )
                    d.cite(rules.ROOM_3, said)
                else:
                    said = msg("reason.room.moves_to_own", what=what, room=dest, department=host.department)
                    d.cite(rules.ROOM_2, said)
            if not elsewhere:
                d.cite(rules.ROOM_1, msg("reason.room.empty"))
            if kept_by_dept.get(r.department):
                kept = kept_by_dept[r.department]
                said = msg("reason.room.kept_instead", department=r.department, rooms=kept)
                d.cite(rules.ROOM_2, said)
        d.relocations = moves.get(r.id, [])
        out[r.id] = d
    for d in out.values():
        for host_id in d.shared_with:
            if d.outcome is RoomOutcome.MERGED and d.room.id not in out[host_id].shared_with:
                out[host_id].shared_with.append(d.room.id)
    for d in out.values():
        if d.outcome is RoomOutcome.RETAINED:
            d.shared_with.sort()
    return out


def _building_findings(
    building: str, rooms: Sequence[Room], arr: _Arrangement, units: Sequence[_Unit], ctx: _Rooms
) -> list[Finding]:
    """A building whose rooms cannot hold what must stay in it."""
    if not arr.overflow:
        return []
    if not rooms:
        said = msg("finding.building_no_room", building=building, what=_what(arr.overflow))
        return [Finding.of(rules.ROOM_1, FindingSeverity.WARNING, building, said)]
    unplaced = [u for u in arr.overflow if u not in arr.place]
    if unplaced:
        message = msg("finding.building_unplaced", building=building, what=_what(unplaced))
    else:
        message = msg("finding.building_racks", building=building, what=_what(arr.overflow))
    return [Finding.of(rules.ROOM_3, FindingSeverity.ERROR, building, message)]


def _room_findings(
    out: Mapping[str, RoomDecision],
    by_building: Mapping[str, list[Room]],
    forced: Mapping[str, str],
    ctx: _Rooms,
) -> list[Finding]:
    """ROOM-2 where no arrangement complies (with what would resolve it), ROOM-4, ROOM-1."""
    limit = ctx.limit
    rooms_by_id = {x.id: x for rooms in by_building.values() for x in rooms}
    findings: list[Finding] = []
    kept: dict[str, list[RoomDecision]] = defaultdict(list)
    for d in out.values():
        if d.outcome is RoomOutcome.RETAINED:
            kept[d.room.department].append(d)

    def taken(x: Room) -> bool:
        """Keeping *x* would give its department one room too many (it keeps its limit elsewhere)."""
        return sum(1 for d in kept[x.department] if d.room.id != x.id) >= ctx.max_rooms

    for d in out.values():
        if d.outcome is not RoomOutcome.RETAINED:
            continue
        r = d.room
        pinned = ctx.pinned[r.id]
        if r.area_m2 > limit and ctx.exception[r.id]:
            said = msg("finding.room_exception", area=r.area_m2, limit=limit, exception=ctx.exception[r.id])
            findings.append(Finding.of(rules.ROOM_4, FindingSeverity.INFO, r.id, said))
        elif r.area_m2 > limit:
            if pinned:
                why = msg("finding.room_too_large.pinned", systems=_fmt(pinned))
            else:
                small = sorted(
                    x.id
                    for x in by_building.get(r.building, [])
                    if x.area_m2 <= limit and not ctx.exception[x.id]
                )
                free_small = [x for x in small if not taken(rooms_by_id[x])]
                if small and not free_small:
                    why = msg("finding.room_too_large.small_taken", building=r.building, rooms=_fmt(small))
                elif small:
                    why = msg("finding.room_too_large.racks", building=r.building, rooms=_fmt(free_small))
                else:
                    why = msg("finding.room_too_large.none_small", building=r.building, limit=limit)
            said = msg(
                "finding.room_too_large", department=r.department, area=r.area_m2, limit=limit, why=why
            )
            findings.append(Finding.of(rules.ROOM_2, FindingSeverity.ERROR, r.id, said))
        if pinned:
            said = msg("finding.room_pinned", n=len(pinned), systems=_fmt(pinned))
            findings.append(Finding.of(rules.ROOM_1, FindingSeverity.WARNING, r.id, said))
    for dept, ds in sorted(kept.items()):
        if len(ds) <= ctx.max_rooms:
            continue
        whys = [
            msg("finding.room_why", room=d.room.id, reason=d.reasons[0] if d.reasons else verbatim(""))
            for d in sorted(ds, key=lambda d: d.room.id)
        ]
        said = msg("finding.rooms_over_limit", department=dept, n=len(ds), limit=ctx.max_rooms, why=whys)
        findings.append(Finding.of(rules.ROOM_2, FindingSeverity.ERROR, dept, said))
    return findings


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
                    msg("reason.network.programme", programme=n.programme)
                    if n.programme
                    else msg("reason.network.national")
                ],
            )
        elif n.kind is NetworkKind.EXTRANET:
            d = NetworkDecision(
                n.id,
                NetworkOutcome.KEPT,
                n.monthly_fee,
                [],
                [rules.LINE_4],
                [msg("reason.network.extranet")],
            )
        elif n.kind is NetworkKind.INTRANET:
            d = NetworkDecision(
                n.id,
                NetworkOutcome.KEPT,
                n.monthly_fee,
                [],
                [rules.SCOPE_2],
                [msg("reason.network.intranet")],
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
                    [msg("reason.network.still_needed", systems=staying[:5])],
                )
                said = msg(
                    "finding.line_stays_paid",
                    kind=n.kind, network=n.id, fee=n.monthly_fee, n=len(staying), systems=staying[:5],
                )
                findings.append(Finding.of(rule_ids[0], FindingSeverity.ERROR, n.id, said))
            else:
                d = NetworkDecision(
                    n.id,
                    NetworkOutcome.RETIRED,
                    n.monthly_fee,
                    waits,
                    rule_ids,
                    [msg("reason.network.cancelled", kind=n.kind, n=len(waits))],
                )
        out[n.id] = d
    return out, findings


_plan_room = builder(PlanRoom)  # plan_rooms gives every field of PlanRoom, in order
_plan_network = builder(PlanNetwork)  # plan_networks: every field of PlanNetwork, in order
_relocation = builder(Relocation)  # plan_relocations: every field of Relocation, in order


def plan_rooms(rooms: Mapping[str, RoomDecision], wave_of: Mapping[str, int | None]) -> list[PlanRoom]:
    """The plan's room records: vacated and merged rooms empty with their last system's move."""
    out = []
    for d in rooms.values():
        texts, messages = reasons_of(d.reasons)
        room = d.room
        out.append(_plan_room({
            "reasons": texts,
            "reason_messages": messages,
            "id": room.id,
            "department": room.department,
            "outcome": d.outcome,
            "wave": _last_wave(d.waits_for, wave_of) if d.retires else None,
            "shared_with": list(d.shared_with),
            "rules": list(d.rules),
            "building": room.building,
            "area_m2": room.area_m2,
            "monthly_cost": room.monthly_cost,
        }))
    return out


def _last_wave(systems: Iterable[str], wave_of: Mapping[str, int | None]) -> int:
    """The wave the last of *systems* moves in (0 when none of them is scheduled)."""
    return max((w for s in systems if (w := wave_of.get(s)) is not None), default=0)


def plan_networks(
    networks: Mapping[str, NetworkDecision], inventory: Inventory, wave_of: Mapping[str, int | None]
) -> list[PlanNetwork]:
    """The plan's network records: a retired network ends with the last system it carries."""
    by_id = {n.id: n for n in inventory.networks}
    out = []
    for d in networks.values():
        texts, messages = reasons_of(d.reasons)
        net = by_id[d.network_id]
        retired = d.outcome is NetworkOutcome.RETIRED
        out.append(_plan_network({
            "reasons": texts,
            "reason_messages": messages,
            "id": d.network_id,
            "outcome": d.outcome,
            "wave": _last_wave(d.waits_for, wave_of) if retired else None,
            "monthly_fee": d.monthly_fee,
            "rules": list(d.rules),
            "kind": net.kind.value,
            "department": net.department,
            "contract_end": net.contract_end,
        }))
    return out


def plan_relocations(rooms: Mapping[str, RoomDecision], plan_rooms: Iterable[PlanRoom]) -> list[Relocation]:
    """Every move between rooms, in the wave its room empties (None when it comes from no room)."""
    wave = {r.id: r.wave for r in plan_rooms}
    out = []
    for d in rooms.values():
        for m in d.relocations:
            shared = rooms[m.to_room].room.department != m.department
            out.append(_relocation({
                "kind": m.kind,
                "subject": m.subject,
                "department": m.department,
                "from_room": m.from_room,
                "to_room": m.to_room,
                "wave": wave.get(m.from_room) if m.from_room else None,
                "rules": [rules.ROOM_3] if shared else [rules.ROOM_1, rules.ROOM_2],
            }))
    out.sort(key=lambda x: (x.to_room, x.kind.value, x.subject, x.from_room or ""))
    return out
