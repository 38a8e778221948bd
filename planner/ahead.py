"""What follows from the systems' decisions alone, worked out beside the grouping and the schedule.

Once an iteration of the planner's loop has its decisions, the rooms' and networks' outcomes,
the systems' links, the cut-overs, the sharing findings, what right-sizing saves and the texts
of the reasons depend on nothing the grouping or the scheduler computes. From
BESIDE_MIN_SYSTEMS systems on, a forked child (:mod:`foundation.beside`) works them out, in
that order, while this process groups and schedules, and sends each back pickled. Below that
size, or where the child fails, each part is computed here when it is asked for: the parts are
the same either way.

When the plan is written as it is made (``planner.core.plan_file``), the child keeps the parts
only the systems' records take (their links, the texts of their reasons) to itself, then waits
for each system's wave and group (what the grouping and the schedule decided) and builds the
records and writes their JSON into plan.json, opened before it was forked, while this process
assembles the rest of the plan (:meth:`WorkAhead.write_systems`): the records are never all
held here. A child that fails leaves them to this process.

The child sees the decisions as they were when it was forked. An iteration that blocks a system
starts over: its :class:`WorkAhead` is cancelled and the next iteration forks a new one.
"""

from __future__ import annotations

import io
import pickle
import struct
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel

from foundation.atomic import pwrite_all
from foundation.beside import Bytes, Exchange, Receive, Stream
from foundation.construct import builder, built
from inventory.models import Inventory, Room
from planner import plan_model
from planner.classify import Decision
from planner.cutover import CutoverPlan, plan_cutovers
from planner.findings import sharing_findings
from planner.graph import carried_dependencies, links_of
from planner.plan_model import (
    Disposition,
    Finding,
    Link,
    PlanSystem,
    Sizing,
    reasons_of,
    system_slices,
    systems_json,
)
from planner.policy import Policy, SizingBasis
from planner.rooms import NetworkDecision, RoomDecision, decide_networks, decide_rooms
from planner.sizing import utilisation_savings


class Decided(NamedTuple):
    """What the parts are computed from: the decisions of one iteration, with their sizing."""

    inventory: Inventory
    policy: Policy
    decisions: dict[str, Decision]
    sizing: Mapping[str, Sizing]  # as planned (the cut-overs)
    surveyed: Mapping[str, Sizing]  # as surveyed (what right-sizing saves)

    def dispositions(self) -> dict[str, Disposition]:
        return {sid: d.disposition for sid, d in self.decisions.items()}


class Premises(NamedTuple):
    """Every room's and every network's outcome, with their findings."""

    rooms: dict[str, RoomDecision]
    room_findings: list[Finding]
    networks: dict[str, NetworkDecision]
    network_findings: list[Finding]


def _premises(d: Decided) -> Premises:
    rooms, room_findings = decide_rooms(d.inventory, d.decisions, d.policy)
    networks, network_findings = decide_networks(d.inventory, d.decisions)
    return Premises(rooms, room_findings, networks, network_findings)


def _cutovers(d: Decided) -> tuple[dict[str, CutoverPlan], list[Finding]]:
    return plan_cutovers(d.inventory, d.dispositions(), d.sizing, d.policy)


def _links(d: Decided) -> dict[str, list[Link]]:
    # The dependencies after clean-up, as the grouping finds them (a function of the decisions).
    carried, _ = carried_dependencies(d.inventory, d.decisions)
    return links_of(d.inventory, d.decisions, carried)


def _sharing(d: Decided) -> list[Finding]:
    return sharing_findings(d.inventory, d.decisions)


def _by_utilisation(d: Decided) -> dict[str, float]:
    return utilisation_savings(d.inventory.systems, d.dispositions(), d.surveyed, d.policy)


def _reason_texts(d: Decided) -> list[list[str]]:
    return [[str(m) for m in d.decisions[s.id].reasons] for s in d.inventory.systems]


# The parts in the order the planner asks for them (the child sends them in this order).
_PARTS: tuple[tuple[str, Callable[[Decided], Any]], ...] = (
    ("premises", _premises),
    ("links", _links),
    ("cutovers", _cutovers),
    ("sharing", _sharing),
    ("by_utilisation", _by_utilisation),
    ("reason_texts", _reason_texts),
)


_RECORDS_ONLY = ("links", "reason_texts")  # parts only the plan's records of systems take


class Placed(NamedTuple):
    """What the plan's systems take from the grouping and the schedule."""

    wave_of: Mapping[str, int | None]  # every system's wave (None: it takes none)
    group_of: Mapping[str, str]  # the group of each system in one


_plan_system = builder(PlanSystem)  # plan_systems gives every field of PlanSystem, in order


def plan_systems(
    d: Decided,
    links: Mapping[str, list[Link]],
    cutovers: Mapping[str, CutoverPlan],
    reason_texts: list[list[str]],
    placed: Placed,
    start: int = 0,
    end: int | None = None,
) -> list[PlanSystem]:
    """The plan's records of the inventory's systems from *start* to *end*, in its order."""
    return place_systems(unplaced_systems(d, links, cutovers, reason_texts, start, end), placed)


def unplaced_systems(
    d: Decided,
    links: Mapping[str, list[Link]],
    cutovers: Mapping[str, CutoverPlan],
    reason_texts: list[list[str]],
    start: int = 0,
    end: int | None = None,
) -> list[PlanSystem]:
    """plan_systems' records before the grouping and the schedule: no wave or group yet (place_systems)."""
    systems = d.inventory.systems
    if len(reason_texts) != len(systems):
        raise ValueError(f"reason texts of {len(reason_texts)} systems for {len(systems)}")
    decisions, sizing = d.decisions, d.sizing
    surveyed = d.surveyed if d.policy.sizing is not SizingBasis.AS_SURVEYED else None
    migrate, merge = Disposition.MIGRATE, Disposition.MERGE
    out: list[PlanSystem] = []
    append = out.append
    for s, rendered in zip(systems[start:end], reason_texts[start:end], strict=True):
        sid = s.id
        dec = decisions[sid]
        disposition = dec.disposition
        # one reason can be found by two rules: kept once
        texts, messages = reasons_of(dec.reasons, rendered)
        cp = cutovers.get(sid)
        append(_plan_system({
            "reasons": texts,
            "reason_messages": messages,
            "id": sid,
            "name": s.name,
            "department": s.department,
            "disposition": disposition,
            "domain": dec.domain if disposition is migrate else None,
            "wave": None,  # place_systems
            "group": None,  # place_systems
            "into": dec.into if disposition is merge else None,
            "rules": list(dict.fromkeys(rules)) if len(rules := dec.rules) > 1 else list(rules),
            "mlps_level": dec.mlps_level,
            "public_facing": s.public_facing,
            "room": s.room,
            "networks": list(s.networks),
            "sizing": sizing[sid],
            "surveyed_sizing": surveyed[sid] if surveyed is not None else None,
            "links": links[sid],
            "method": cp.method if cp else None,
            "estimated_outage_hours": cp.outage_hours if cp else None,
        }))
    return out


def place_systems(records: list[PlanSystem], placed: Placed) -> list[PlanSystem]:
    """*records* (unplaced_systems') given their wave and group, in place."""
    wave_of, group_of = placed
    for record in records:
        fields = record.__dict__  # built from these fields (foundation.construct)
        sid = fields["id"]
        fields["wave"] = wave_of[sid]
        fields["group"] = group_of.get(sid)
    return records


def write_plan_systems(
    fd: int,
    offset: int,
    d: Decided,
    links: Mapping[str, list[Link]],
    cutovers: Mapping[str, CutoverPlan],
    reason_texts: list[list[str]],
    placed: Placed,
    early: list[list[PlanSystem]] | None = None,
) -> int:
    """Write plan.json's records of systems into the file *fd* from *offset*; their size in bytes.

    Each slice (system_slices) is built (plan_systems) and serialised (systems_json) in turn, the
    slices joined by commas: what stands between plan_head and plan_tail. *early*: the first
    slices' records, made before *placed* was known (unplaced_systems).
    """
    at = offset
    early = early or []
    for i, (start, end) in enumerate(system_slices(len(d.inventory.systems))):
        if i:
            at += pwrite_all(fd, b",", at)
        if i < len(early):
            records = place_systems(early[i], placed)
            early[i] = []  # written: dropped
        else:
            records = plan_systems(d, links, cutovers, reason_texts, placed, start, end)
        at += pwrite_all(fd, systems_json(records), at)
    return at - offset


class WorkAhead:
    """The parts that follow from *decided*: in a forked child when *beside*, else computed here.

    With *systems*, the child stays after the parts to write the systems' records (:meth:`write_systems`).
    """

    def __init__(self, decided: Decided, beside: bool | None = None, *, systems: bool = False) -> None:
        self._decided = decided
        self._received: dict[str, bytearray] = {}  # parts sent, unpickled when asked for
        self._asked = False
        if beside is None:
            beside = len(decided.inventory.systems) >= plan_model.BESIDE_MIN_SYSTEMS
        self._systems = systems and beside
        # The parts the child sends, in order: one that writes the records keeps theirs to itself.
        self._sent = [name for name, _ in _PARTS if not (self._systems and name in _RECORDS_ONLY)]
        self._next = 0  # index in _sent of the child's next item
        self._stream: Stream | None = None
        if self._systems:
            self._stream = Exchange(self._produce)
        elif beside:
            self._stream = Stream(lambda: self._produce(None))

    @property
    def decided(self) -> Decided:
        """What the parts are computed from."""
        return self._decided

    @property
    def writes_systems(self) -> bool:
        """Whether a child was kept to write plan.json's systems (write_systems) and is still there."""
        return self._systems and not self._asked and isinstance(self._stream, Exchange)

    def premises(self) -> Premises:
        return self._part("premises")  # type: ignore[no-any-return]

    def links(self) -> dict[str, list[Link]]:
        return self._part("links")  # type: ignore[no-any-return]

    def cutovers(self) -> tuple[dict[str, CutoverPlan], list[Finding]]:
        return self._part("cutovers")  # type: ignore[no-any-return]

    def sharing(self) -> list[Finding]:
        return self._part("sharing")  # type: ignore[no-any-return]

    def by_utilisation(self) -> dict[str, float]:
        return self._part("by_utilisation")  # type: ignore[no-any-return]

    def reason_texts(self) -> list[list[str]]:
        return self._part("reason_texts")  # type: ignore[no-any-return]

    def write_systems(self, placed: Placed, fd: int, offset: int) -> Callable[[], int | None] | None:
        """Have the child write plan.json's systems' records (write_plan_systems) into *fd* from *offset*.

        Asked once. What it gives waits for the child and answers the number of bytes it wrote,
        or None when it did not write them all (it failed, or ended): the caller then writes them
        itself. None when no child was kept for them.
        """
        self._drain()
        stream = self._stream
        if not self.writes_systems or not isinstance(stream, Exchange):
            return None
        self._asked = True
        asked = pickle.dumps(_Asked(placed, fd, offset), protocol=pickle.HIGHEST_PROTOCOL)
        if not stream.send(asked):
            self.cancel()
            return None
        return self._written

    def cancel(self) -> None:
        """Stop the child (the decisions changed, or the parts are no longer wanted)."""
        if self._stream is not None:
            self._stream.cancel()
            self._stream = None

    def _written(self) -> int | None:
        item = self._stream.next() if self._stream is not None else None
        self.cancel()  # reaped: it has nothing more to send
        return _WRITTEN.unpack(item)[0] if item is not None and len(item) == _WRITTEN.size else None

    def _part(self, name: str) -> Any:
        while name not in self._received and self._receive_one():
            pass
        if self._next >= len(self._sent) and not self._systems:
            self.cancel()  # reaped as soon as it has sent everything
        if name in self._received:
            return _loads(self._decided.inventory, self._received.pop(name))
        return dict(_PARTS)[name](self._decided)

    def _receive_one(self) -> bool:
        """Take the child's next part (as sent); False when none is left to take."""
        if self._stream is None or self._next >= len(self._sent):
            return False
        item = self._stream.next()
        if item is None:  # the child ended early: the parts not received are computed here
            self._stream = None
            return False
        self._received[self._sent[self._next]] = item
        self._next += 1
        return True

    def _drain(self) -> None:
        while self._receive_one():
            pass

    def _produce(self, receive: Receive | None) -> Iterator[Bytes]:
        rooms = {id(room): i for i, room in enumerate(self._decided.inventory.rooms)}
        kept: dict[str, Any] = {}
        for name, work in _PARTS:
            value = work(self._decided)
            if receive is not None and name in ("links", "cutovers", "reason_texts"):
                kept[name] = value  # what the records take
            if name in self._sent:
                yield _dumps(rooms, value)
        if receive is None:
            return
        cutovers, _ = kept["cutovers"]
        records = (self._decided, kept["links"], cutovers, kept["reason_texts"])
        # While the grouping and the schedule are still being worked out, the records are made
        # as far as they can be without them, slice by slice (each is dropped once written).
        early: list[list[PlanSystem]] = []
        slices = system_slices(len(self._decided.inventory.systems))
        while len(early) < len(slices) and not receive.ready():
            early.append(unplaced_systems(*records, *slices[len(early)]))
        message = receive()
        if message is None:
            return
        asked: _Asked = pickle.loads(message)  # noqa: S301 (this program's own parent)
        yield _WRITTEN.pack(write_plan_systems(asked.fd, asked.offset, *records, asked.placed, early))


class _Asked(NamedTuple):
    """What the child is asked to write the systems' records with, and where."""

    placed: Placed
    fd: int  # the file (inherited: open before the child was forked)
    offset: int


_WRITTEN = struct.Struct("<Q")  # the child's last item: how many bytes it wrote


# The inventory's rooms travel as their index: the parent gets its own objects back, not copies.
# Records (messages, findings) travel as their fields, rebuilt without pydantic's per-field work:
# they are this program's own, made valid in the child.
def _dumps(rooms: Mapping[int, int], value: object) -> bytes:
    """*value* pickled; *rooms*: the inventory's rooms, id() -> index."""

    class _Pickler(pickle.Pickler):
        def persistent_id(self, obj: object) -> int | None:  # noqa: PLR6301 (pickle's hook)
            return rooms.get(id(obj)) if type(obj) is Room else None

        def reducer_override(self, obj: object) -> Any:  # noqa: PLR6301 (pickle's hook)
            if isinstance(obj, BaseModel) and not obj.__pydantic_extra__ and obj.__pydantic_private__ is None:
                return built, (type(obj), obj.__dict__)
            return NotImplemented

    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()


def _loads(inventory: Inventory, data: bytes | bytearray) -> Any:
    rooms = inventory.rooms

    class _Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: Any) -> Room:  # noqa: PLR6301 (pickle's hook)
            return rooms[pid]

    return _Unpickler(io.BytesIO(data)).load()  # bytes of this program's own child
