"""A read-only view of a plan joined with its inventory: names, dates and savings over time.

Nothing here re-decides anything: dispositions, waves and outcomes are the plan's. The view
only looks things up and puts the plan's own numbers on a calendar.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from foundation.calendar import months, next_month
from inventory.models import Inventory
from planner.plan_model import (
    SCHEDULED_DISPOSITIONS,
    NetworkOutcome,
    Plan,
    PlanNetwork,
    PlanRoom,
    PlanSystem,
    RoomOutcome,
    Wave,
)
from planner.savings import SAVING_ROOM_OUTCOMES as SAVING_ROOM_OUTCOMES  # one definition


@dataclass(frozen=True)
class SavingItem:
    """A recurring cost the plan ends: a leased line cancelled or a room given up."""

    kind: str  # "line" | "room"
    id: str
    department: str
    monthly: float
    wave: int | None
    ends: dt.date | None  # end of the wave that empties it; None when the plan gives no wave
    rules: tuple[str, ...]

    @property
    def effective(self) -> dt.date | None:
        """First month no longer paid: the month after the wave ends."""
        return next_month(self.ends) if self.ends else None


class PlanView:
    """Plan + inventory lookups shared by the report, the department plans and the ledger."""

    def __init__(self, plan: Plan, inventory: Inventory) -> None:
        self.plan = plan
        self.inventory = inventory
        self.departments = {d.id: d for d in inventory.departments}
        self.inv_systems = {s.id: s for s in inventory.systems}
        self.inv_rooms = {r.id: r for r in inventory.rooms}
        self.inv_networks = {n.id: n for n in inventory.networks}
        self.buildings = {b.id: b for b in inventory.buildings}
        self.platforms = {p.id: p for p in inventory.platforms}
        self.systems = {s.id: s for s in plan.systems}
        self.waves = {w.number: w for w in plan.waves}
        self.rooms = {r.id: r for r in plan.rooms}
        self.networks = {n.id: n for n in plan.networks}

    # ---------------------------------------------------------------- names
    def dept_name(self, dept_id: str | None) -> str:
        if dept_id is None:
            return ""
        d = self.departments.get(dept_id)
        return d.name if d else dept_id

    def system_name(self, system_id: str) -> str:
        s = self.systems.get(system_id)
        if s is not None and s.name:
            return s.name
        inv = self.inv_systems.get(system_id)
        if inv is not None:
            return inv.name
        platform = self.platforms.get(system_id)  # a merge target may be a city platform (PLATFORM-1)
        return platform.name if platform else system_id

    def room_label(self, room_id: str) -> str:
        r = self.inv_rooms.get(room_id)
        return r.label if r else room_id

    def network_name(self, network_id: str) -> str:
        n = self.inv_networks.get(network_id)
        return n.name if n else network_id

    def building_name(self, building_id: str | None) -> str:
        if building_id is None:
            return ""
        b = self.buildings.get(building_id)
        return b.name if b else building_id

    # ---------------------------------------------------------------- plan facts, with inventory fallbacks
    def network_department(self, n: PlanNetwork) -> str | None:
        if n.department:
            return n.department
        inv = self.inv_networks.get(n.id)
        return inv.department if inv else None

    def network_kind(self, n: PlanNetwork) -> str:
        if n.kind:
            return n.kind
        inv = self.inv_networks.get(n.id)
        return inv.kind.value if inv else ""

    def network_contract_end(self, n: PlanNetwork) -> dt.date | None:
        if n.contract_end:
            return n.contract_end
        inv = self.inv_networks.get(n.id)
        return inv.contract_end if inv else None

    def network_fee(self, n: PlanNetwork) -> float:
        if n.monthly_fee:
            return n.monthly_fee
        inv = self.inv_networks.get(n.id)
        return inv.monthly_fee if inv else 0.0

    def room_cost(self, r: PlanRoom) -> float:
        if r.monthly_cost:
            return r.monthly_cost
        inv = self.inv_rooms.get(r.id)
        return inv.monthly_cost if inv else 0.0

    def room_area(self, r: PlanRoom) -> float:
        if r.area_m2:
            return r.area_m2
        inv = self.inv_rooms.get(r.id)
        return inv.area_m2 if inv else 0.0

    def room_building(self, r: PlanRoom) -> str | None:
        if r.building:
            return r.building
        inv = self.inv_rooms.get(r.id)
        return inv.building if inv else None

    def wave_end(self, number: int | None) -> dt.date | None:
        w = self.waves.get(number) if number is not None else None
        return w.end if w else None

    def wave_start(self, number: int | None) -> dt.date | None:
        w = self.waves.get(number) if number is not None else None
        return w.start if w else None

    @cached_property
    def department_ids(self) -> list[str]:
        """Departments in inventory order, then any the plan names that the inventory lacks."""
        ids = list(self.departments)
        seen = set(ids)
        for s in self.plan.systems:
            if s.department not in seen:
                ids.append(s.department)
                seen.add(s.department)
        return ids

    def department_systems(self, dept_id: str) -> list[PlanSystem]:
        return [s for s in self.plan.systems if s.department == dept_id]

    def department_rooms(self, dept_id: str) -> list[PlanRoom]:
        return [r for r in self.plan.rooms if r.department == dept_id]

    def department_networks(self, dept_id: str) -> list[PlanNetwork]:
        return [n for n in self.plan.networks if self.network_department(n) == dept_id]

    def room_outcome_counts(self) -> dict[str, int]:
        """Rooms per outcome (vacated, merged, retained): the one count cards and tables show."""
        counts = {o.value: 0 for o in RoomOutcome}
        for r in self.plan.rooms:
            counts[r.outcome.value] += 1
        return counts

    def scheduled(self, s: PlanSystem) -> bool:
        return s.disposition in SCHEDULED_DISPOSITIONS and s.wave is not None

    # ---------------------------------------------------------------- savings on the calendar
    @cached_property
    def saving_items(self) -> list[SavingItem]:
        items: list[SavingItem] = []
        for n in self.plan.networks:
            if n.outcome is NetworkOutcome.RETIRED:
                items.append(
                    SavingItem(
                        "line",
                        n.id,
                        self.network_department(n) or "",
                        self.network_fee(n),
                        n.wave,
                        self.wave_end(n.wave),
                        tuple(n.rules),
                    )
                )
        for r in self.plan.rooms:
            if r.outcome in SAVING_ROOM_OUTCOMES:
                items.append(
                    SavingItem(
                        "room",
                        r.id,
                        r.department,
                        self.room_cost(r),
                        r.wave,
                        self.wave_end(r.wave),
                        tuple(r.rules),
                    )
                )
        return items

    @cached_property
    def calendar(self) -> list[dt.date]:
        """Months from the first wave's start to one month after the last wave's end."""
        if not self.plan.waves:
            return []
        first = min(w.start for w in self.plan.waves)
        last = next_month(max(w.end for w in self.plan.waves))
        return list(months(first, last))

    def cost_curve(self) -> list[tuple[dt.date, float, float]]:
        """(month, stranded monthly cost, cumulative savings to the month's end) per month."""
        out: list[tuple[dt.date, float, float]] = []
        cumulative = 0.0
        for m in self.calendar:
            stranded = sum(i.monthly for i in self.saving_items if i.effective is None or i.effective > m)
            saved = sum(i.monthly for i in self.saving_items if i.effective is not None and i.effective <= m)
            cumulative += saved
            out.append((m, stranded, cumulative))
        return out

    def department_waves(self) -> dict[str, dict[int, list[PlanSystem]]]:
        """Per department, the scheduled systems of each wave."""
        out: dict[str, dict[int, list[PlanSystem]]] = defaultdict(lambda: defaultdict(list))
        for s in self.plan.systems:
            if self.scheduled(s):
                assert s.wave is not None
                out[s.department][s.wave].append(s)
        return out

    def sorted_waves(self) -> list[Wave]:
        return sorted(self.plan.waves, key=lambda w: w.number)
