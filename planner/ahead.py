"""What follows from the systems' decisions alone, worked out beside the grouping and the schedule.

Once an iteration of the planner's loop has its decisions, the rooms' and networks' outcomes,
the systems' links, the cut-overs, the sharing findings, what right-sizing saves and the texts
of the reasons depend on nothing the grouping or the scheduler computes. From
BESIDE_MIN_SYSTEMS systems on, a forked child (:mod:`foundation.beside`) works them out, in
that order, while this process groups and schedules, and sends each back pickled. Below that
size, or where the child fails, each part is computed here when it is asked for: the parts are
the same either way.

The child sees the decisions as they were when it was forked. An iteration that blocks a system
starts over: its :class:`WorkAhead` is cancelled and the next iteration forks a new one.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel

from foundation.beside import Stream
from foundation.construct import built
from inventory.models import Inventory, Room
from planner import plan_model
from planner.classify import Decision
from planner.cutover import CutoverPlan, plan_cutovers
from planner.findings import sharing_findings
from planner.graph import carried_dependencies, links_of
from planner.plan_model import Disposition, Finding, Link, Sizing
from planner.policy import Policy
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


class WorkAhead:
    """The parts that follow from *decided*: in a forked child when *beside*, else computed here."""

    def __init__(self, decided: Decided, beside: bool | None = None) -> None:
        self._decided = decided
        self._received: dict[str, Any] = {}
        self._next = 0  # index in _PARTS of the child's next item
        if beside is None:
            beside = len(decided.inventory.systems) >= plan_model.BESIDE_MIN_SYSTEMS
        self._stream: Stream | None = Stream(self._produce) if beside else None

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

    def cancel(self) -> None:
        """Stop the child (the decisions changed, or the parts are no longer wanted)."""
        if self._stream is not None:
            self._stream.cancel()
            self._stream = None

    def _part(self, name: str) -> Any:
        while name not in self._received and self._stream is not None:
            item = self._stream.next()
            if item is None:  # the child ended early: the parts not received are computed here
                self._stream = None
                break
            self._received[_PARTS[self._next][0]] = _loads(self._decided.inventory, item)
            self._next += 1
        if self._next >= len(_PARTS):
            self.cancel()  # reaped as soon as it has sent everything
        if name in self._received:
            return self._received.pop(name)
        return dict(_PARTS)[name](self._decided)

    def _produce(self) -> Iterator[bytes]:
        rooms = {id(room): i for i, room in enumerate(self._decided.inventory.rooms)}
        for _, work in _PARTS:
            yield _dumps(rooms, work(self._decided))


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
