"""Cross-reference checks: every ID a record names must exist, every ID must be unique per kind.

Works on the records that passed schema validation; the IDs of records that failed are still
known, so one bad record does not cascade into "unknown department" errors for its neighbours.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inventory.models import Asset, Building, Department, Network, Record, Region, Room, System
from inventory.problems import Severity

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Found:
    """A cross-reference problem of one field of one record (by kind and index)."""

    kind: str
    index: int
    loc: Loc
    message: str
    severity: Severity = Severity.ERROR


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict):
        rid = raw.get("id")
        if isinstance(rid, str):
            return rid
    return None


def duplicate_ids(records: Mapping[str, Sequence[Any]]) -> Iterator[tuple[str, int, int]]:
    """(kind, index, index of the first record with that ID) for every repeated ID."""
    for kind, raws in records.items():
        first: dict[str, int] = {}
        for i, raw in enumerate(raws):
            rid = _raw_id(raw)
            if rid is None:
                continue
            if rid in first:
                yield kind, i, first[rid]
            else:
                first[rid] = i


def known_ids(records: Mapping[str, Sequence[Any]]) -> dict[str, set[str]]:
    """Every ID given per kind, valid record or not."""
    return {kind: {rid for raw in raws if (rid := _raw_id(raw)) is not None} for kind, raws in records.items()}


def _unknown(what: str, ref: str, ids: set[str]) -> str:
    hint = ""
    if len(ids) <= 5000:
        close = difflib.get_close_matches(ref, ids, n=1, cutoff=0.8)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{ref}'{hint}"


def check_references(valid: Mapping[str, Sequence[tuple[int, Record]]], ids: Mapping[str, set[str]]
                     ) -> Iterator[Found]:
    """Every dangling or suspicious reference among the valid records."""
    regions, buildings, departments = ids["regions"], ids["buildings"], ids["departments"]
    rooms, networks, systems, platforms = ids["rooms"], ids["networks"], ids["systems"], ids["platforms"]
    room_owner = {r.id: r.department for _, r in valid["rooms"] if isinstance(r, Room)}

    for i, reg in valid["regions"]:
        assert isinstance(reg, Region)
        if reg.parent is not None:
            if reg.parent == reg.id:
                yield Found("regions", i, ("parent",), "a region cannot be its own parent")
            elif reg.parent not in regions:
                yield Found("regions", i, ("parent",), _unknown("region", reg.parent, regions))
    for i, b in valid["buildings"]:
        assert isinstance(b, Building)
        if b.region not in regions:
            yield Found("buildings", i, ("region",), _unknown("region", b.region, regions))
    for i, d in valid["departments"]:
        assert isinstance(d, Department)
        if d.region not in regions:
            yield Found("departments", i, ("region",), _unknown("region", d.region, regions))
        if d.building not in buildings:
            yield Found("departments", i, ("building",), _unknown("building", d.building, buildings))
    for i, r in valid["rooms"]:
        assert isinstance(r, Room)
        if r.department not in departments:
            yield Found("rooms", i, ("department",), _unknown("department", r.department, departments))
        if r.building not in buildings:
            yield Found("rooms", i, ("building",), _unknown("building", r.building, buildings))
    for i, n in valid["networks"]:
        assert isinstance(n, Network)
        if n.department is not None and n.department not in departments:
            yield Found("networks", i, ("department",), _unknown("department", n.department, departments))
    for i, s in valid["systems"]:
        assert isinstance(s, System)
        yield from _system_refs(i, s, departments, rooms, networks, systems, platforms, room_owner)
    for i, a in valid["assets"]:
        assert isinstance(a, Asset)
        if a.room not in rooms:
            yield Found("assets", i, ("room",), _unknown("room", a.room, rooms))
        for k, target in enumerate(a.serves):
            if target not in systems:
                yield Found("assets", i, ("serves", k), _unknown("system", target, systems))


def _system_refs(i: int, s: System, departments: set[str], rooms: set[str], networks: set[str],
                 systems: set[str], platforms: set[str], room_owner: Mapping[str, str]) -> Iterator[Found]:
    if s.department not in departments:
        yield Found("systems", i, ("department",), _unknown("department", s.department, departments))
    if s.room is not None:
        if s.room not in rooms:
            yield Found("systems", i, ("room",), _unknown("room", s.room, rooms))
        elif s.room in room_owner and room_owner[s.room] != s.department and s.department in departments:
            yield Found("systems", i, ("room",),
                        f"room '{s.room}' belongs to department '{room_owner[s.room]}', not '{s.department}'",
                        Severity.WARNING)
    for k, net in enumerate(s.networks):
        if net not in networks:
            yield Found("systems", i, ("networks", k), _unknown("network", net, networks))
    for k, dep in enumerate(s.depends_on):
        if dep.system == s.id:
            yield Found("systems", i, ("depends_on", k, "system"), "a system cannot depend on itself",
                        Severity.WARNING)
        elif dep.system not in systems:
            yield Found("systems", i, ("depends_on", k, "system"), _unknown("dependency target system", dep.system,
                                                                           systems))
    if s.replaced_by is not None:
        if s.replaced_by == s.id:
            yield Found("systems", i, ("replaced_by",), "a system cannot be replaced by itself")
        elif s.replaced_by not in systems and s.replaced_by not in platforms:
            yield Found("systems", i, ("replaced_by",),
                        _unknown("system or platform", s.replaced_by, systems | platforms if len(systems) < 5000
                                 else systems))
