"""Cross-reference checks: every ID a record names must exist, every ID must be unique per kind.

Works on validated records, and on what could be salvaged of invalid ones (their valid
fields; a missing or invalid field is None and is not checked here, schema validation has
already reported it). The IDs of invalid records are still known, so one bad record does not
cascade into "unknown department" errors for its neighbours.
"""

from __future__ import annotations

import difflib
import itertools
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inventory.models import Record
from inventory.problems import Severity

Loc = tuple[Any, ...]
_ID = operator.attrgetter("id")
_RECORD = operator.itemgetter(1)
_SYSTEM = operator.attrgetter("system")
_SYSTEM_REFS = operator.attrgetter("id", "department", "room", "networks", "depends_on", "replaced_by")


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
    elif isinstance(raw, Record):  # validated already (inventory.fast_path)
        return getattr(raw, "id", None)
    return None


def record_ids(records: Mapping[str, Sequence[Any]]) -> dict[str, list[str | None]]:
    """Per kind, the ID of each record (None when it has none that is text)."""
    return {kind: _ids(raws) for kind, raws in records.items()}


def _ids(raws: Sequence[Any]) -> list[str | None]:
    try:
        return list(map(_ID, raws))  # all validated already (a raw mapping has no attribute id)
    except AttributeError:
        return [_raw_id(raw) for raw in raws]


def duplicate_ids(ids: Mapping[str, list[str | None]]) -> Iterator[tuple[str, int, int]]:
    """(kind, index, index of the first record with that ID) for every repeated ID of :func:`record_ids`."""
    for kind, given in ids.items():
        distinct = set(given)
        distinct.discard(None)
        if len(distinct) == len(given) - given.count(None):
            continue  # no ID given twice: the common case, seen without a loop in Python
        first: dict[str, int] = {}
        for i, rid in enumerate(given):
            if rid is None:
                continue
            if rid in first:
                yield kind, i, first[rid]
            else:
                first[rid] = i


def known_ids(ids: Mapping[str, list[str | None]]) -> dict[str, set[str]]:
    """Every ID given per kind (of :func:`record_ids`), valid record or not."""
    known = {}
    for kind, given in ids.items():
        distinct: set[Any] = set(given)
        distinct.discard(None)
        known[kind] = distinct
    return known


def _values(records: Sequence[tuple[int, Record]], field: str) -> Iterator[Any]:
    """The *field* of each record, in C (valid and salvaged records alike have every field)."""
    return map(operator.attrgetter(field), map(_RECORD, records))


def _all_known(values: Iterable[Any], known: set[str]) -> bool:
    """Whether every value given (None: not given) is a known ID; the common case, seen at once."""
    given = set(values)
    given.discard(None)
    return given <= known


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
    # Each loop below runs only when a look over its whole kind at once finds something to report.
    buildings_of = records["buildings"]
    if not _all_known(_values(buildings_of, "region"), regions):
        for i, b in buildings_of:
            yield from ref("buildings", i, ("region",), getattr(b, "region", None), "region", regions)
    departments_of = records["departments"]
    if not (
        _all_known(_values(departments_of, "region"), regions)
        and _all_known(_values(departments_of, "building"), buildings)
    ):
        for i, d in departments_of:
            yield from ref("departments", i, ("region",), getattr(d, "region", None), "region", regions)
            yield from ref(
                "departments", i, ("building",), getattr(d, "building", None), "building", buildings
            )
    rooms_of = records["rooms"]
    if not (
        _all_known(_values(rooms_of, "department"), departments)
        and _all_known(_values(rooms_of, "building"), buildings)
    ):
        for i, r in rooms_of:
            yield from ref(
                "rooms", i, ("department",), getattr(r, "department", None), "department", departments
            )
            yield from ref("rooms", i, ("building",), getattr(r, "building", None), "building", buildings)
    networks_of = records["networks"]
    if not _all_known(_values(networks_of, "department"), departments):
        for i, n in networks_of:
            yield from ref(
                "networks", i, ("department",), getattr(n, "department", None), "department", departments
            )
    systems_of = records["systems"]
    if not _systems_clean(systems_of, departments, rooms, networks, systems, platforms, room_owner):
        for i, s in systems_of:
            yield from _system_refs(i, s, departments, rooms, networks, systems, platforms, room_owner)
    assets_of = records["assets"]
    if not (
        _all_known(_values(assets_of, "room"), rooms)
        and _all_known(itertools.chain.from_iterable(_values(assets_of, "serves")), systems)
    ):
        for i, a in assets_of:
            yield from ref("assets", i, ("room",), getattr(a, "room", None), "room", rooms)
            for k, target in enumerate(getattr(a, "serves", None) or ()):
                yield from ref("assets", i, ("serves", k), target, "system", systems)


def _systems_clean(
    systems_of: Sequence[tuple[int, Any]],
    departments: set[str],
    rooms: set[str],
    networks: set[str],
    systems: set[str],
    platforms: set[str],
    room_owner: Mapping[str, str],
) -> bool:
    """Whether :func:`_system_refs` would find nothing in any of *systems_of*, seen kind-wide."""
    if not systems_of:
        return True
    # One visit per record (each is a cache miss at province scale), then columns, in C.
    ids, of, placed, nets, needs, replaced = zip(*map(_SYSTEM_REFS, map(_RECORD, systems_of)), strict=True)
    if not _all_known(of, departments):
        return False
    for room, department in set(zip(placed, of, strict=True)):
        if room is None:
            continue
        if room not in rooms:
            return False
        if department in departments and room_owner.get(room, department) != department:
            return False
    if not _all_known(itertools.chain.from_iterable(nets), networks):
        return False
    # Every dependency, and the ID of the system that has it, side by side.
    given_needs = [d or () for d in needs]
    targets = list(map(_SYSTEM, itertools.chain.from_iterable(given_needs)))
    owners = itertools.chain.from_iterable(map(itertools.repeat, ids, map(len, given_needs)))
    if any(map(operator.eq, owners, targets)) or not _all_known(targets, systems):
        return False
    if any(map(operator.eq, ids, replaced)):
        return False
    given = set(replaced)
    given.discard(None)
    return given - systems <= platforms


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
