"""Cross-reference checks: every ID a record names must exist, every ID must be unique per kind.

Works on validated records, and on what could be salvaged of invalid ones (their valid
fields; a missing or invalid field is None and is not checked here, schema validation has
already reported it). The IDs of invalid records are still known, so one bad record does not
cascade into "unknown department" errors for its neighbours.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inventory.models import Record
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
    record: str | None = None  # the record's ID, when it has a valid one


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
    return {
        kind: {rid for raw in raws if (rid := _raw_id(raw)) is not None} for kind, raws in records.items()
    }


def _unknown(what: str, ref: str, ids: set[str]) -> str:
    hint = ""
    if len(ids) <= 5000:
        close = difflib.get_close_matches(ref, ids, n=1, cutoff=0.8)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{ref}'{hint}"


def _dangling(ref: Any, ids: set[str]) -> bool:
    return ref is not None and ref not in ids


def check_references(
    records: Mapping[str, Sequence[tuple[int, Record]]], ids: Mapping[str, set[str]]
) -> Iterator[Found]:
    """Every dangling or suspicious reference among *records* (kind -> (index, record))."""
    by_index: dict[str, dict[int, Record]] = {}  # built only when a problem needs a record's ID
    for found in _check_references(records, ids):
        if found.kind not in by_index:
            by_index[found.kind] = dict(records[found.kind])
        rid = getattr(by_index[found.kind].get(found.index), "id", None)
        yield Found(found.kind, found.index, found.loc, found.message, found.severity, rid)


def _check_references(
    records: Mapping[str, Sequence[tuple[int, Record]]], ids: Mapping[str, set[str]]
) -> Iterator[Found]:
    regions, buildings, departments = ids["regions"], ids["buildings"], ids["departments"]
    rooms, networks, systems, platforms = ids["rooms"], ids["networks"], ids["systems"], ids["platforms"]
    room_owner: dict[str, str] = {}
    for _, r in records["rooms"]:
        rid, owner = getattr(r, "id", None), getattr(r, "department", None)
        if rid is not None and owner is not None:
            room_owner[rid] = owner

    def ref(kind: str, i: int, loc: Loc, target: Any, what: str, known: set[str]) -> Iterator[Found]:
        if _dangling(target, known):
            yield Found(kind, i, loc, _unknown(what, target, known))

    for i, reg in records["regions"]:
        parent = getattr(reg, "parent", None)
        if parent is not None and parent == getattr(reg, "id", None):
            yield Found("regions", i, ("parent",), "a region cannot be its own parent")
        else:
            yield from ref("regions", i, ("parent",), parent, "region", regions)
    for i, b in records["buildings"]:
        yield from ref("buildings", i, ("region",), getattr(b, "region", None), "region", regions)
    for i, d in records["departments"]:
        yield from ref("departments", i, ("region",), getattr(d, "region", None), "region", regions)
        yield from ref("departments", i, ("building",), getattr(d, "building", None), "building", buildings)
    for i, r in records["rooms"]:
        yield from ref("rooms", i, ("department",), getattr(r, "department", None), "department", departments)
        yield from ref("rooms", i, ("building",), getattr(r, "building", None), "building", buildings)
    for i, n in records["networks"]:
        yield from ref(
            "networks", i, ("department",), getattr(n, "department", None), "department", departments
        )
    for i, s in records["systems"]:
        yield from _system_refs(i, s, departments, rooms, networks, systems, platforms, room_owner)
    for i, a in records["assets"]:
        yield from ref("assets", i, ("room",), getattr(a, "room", None), "room", rooms)
        for k, target in enumerate(getattr(a, "serves", None) or ()):
            yield from ref("assets", i, ("serves", k), target, "system", systems)


def _system_refs(
    i: int,
    s: Any,
    departments: set[str],
    rooms: set[str],
    networks: set[str],
    systems: set[str],
    platforms: set[str],
    room_owner: Mapping[str, str],
) -> Iterator[Found]:
    sid, department, room = s.id, s.department, s.room
    if _dangling(department, departments):
        yield Found("systems", i, ("department",), _unknown("department", department, departments))
    if room is not None:
        if room not in rooms:
            yield Found("systems", i, ("room",), _unknown("room", room, rooms))
        elif department in departments and room in room_owner and room_owner[room] != department:
            yield Found(
                "systems",
                i,
                ("room",),
                f"room '{room}' belongs to department '{room_owner[room]}', not '{department}'",
                Severity.WARNING,
            )
    for k, net in enumerate(s.networks or ()):
        if net not in networks:
            yield Found("systems", i, ("networks", k), _unknown("network", net, networks))
    for k, dep in enumerate(s.depends_on or ()):
        if dep.system == sid:
            yield Found(
                "systems",
                i,
                ("depends_on", k, "system"),
                "a system cannot depend on itself",
                Severity.WARNING,
            )
        elif dep.system not in systems:
            yield Found(
                "systems",
                i,
                ("depends_on", k, "system"),
                _unknown("dependency target system", dep.system, systems),
            )
    replaced_by = s.replaced_by
    if replaced_by is not None:
        if replaced_by == sid:
            yield Found("systems", i, ("replaced_by",), "a system cannot be replaced by itself")
        elif replaced_by not in systems and replaced_by not in platforms:
            yield Found(
                "systems",
                i,
                ("replaced_by",),
                _unknown(
                    "system or platform", replaced_by, systems | platforms if len(systems) < 5000 else systems
                ),
            )
