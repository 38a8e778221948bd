"""Counts and money of an inventory: what `govcloud inventory stats` prints (no rich here)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from inventory.models import Inventory, NetworkKind


@dataclass
class DepartmentStats:
    """One department: its systems and rooms."""

    id: str
    name: str
    systems: int = 0
    rooms: int = 0
    room_area_m2: float = 0.0
    room_monthly_cost: float = 0.0
    network_monthly_fee: float = 0.0


@dataclass
class RoomStats:
    """One machine room: what it costs and what sits in it."""

    id: str
    department: str
    building: str
    area_m2: float
    monthly_cost: float
    systems: int = 0
    assets: int = 0
    exception: str | None = None


@dataclass
class NetworkKindStats:
    """Networks of one kind and what they cost per month."""

    kind: str
    networks: int = 0
    monthly_fee: float = 0.0


@dataclass
class InventoryStats:
    """Everything `stats` reports, ready for a table or for JSON."""

    city: str
    counts: dict[str, int]
    departments: list[DepartmentStats] = field(default_factory=list)
    rooms: list[RoomStats] = field(default_factory=list)
    network_kinds: list[NetworkKindStats] = field(default_factory=list)
    systems_by_category: dict[str, int] = field(default_factory=dict)
    total_room_area_m2: float = 0.0
    total_room_monthly_cost: float = 0.0
    total_network_monthly_fee: float = 0.0
    total_asset_book_value: float = 0.0

    @property
    def total_monthly_cost(self) -> float:
        return self.total_room_monthly_cost + self.total_network_monthly_fee

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["total_monthly_cost"] = self.total_monthly_cost
        return data


def inventory_stats(inv: Inventory) -> InventoryStats:
    """Counts per department, room and network kind, and the monthly totals."""
    depts = {d.id: DepartmentStats(d.id, d.name) for d in inv.departments}
    for s in inv.systems:
        if s.department in depts:
            depts[s.department].systems += 1
    for r in inv.rooms:
        if r.department in depts:
            d = depts[r.department]
            d.rooms += 1
            d.room_area_m2 += r.area_m2
            d.room_monthly_cost += r.monthly_cost
    rooms = {
        r.id: RoomStats(r.id, r.department, r.building, r.area_m2, r.monthly_cost, exception=r.exception)
        for r in inv.rooms
    }
    for s in inv.systems:
        if s.room in rooms:
            rooms[s.room].systems += 1
    for a in inv.assets:
        if a.room in rooms:
            rooms[a.room].assets += 1
    kinds = {k.value: NetworkKindStats(k.value) for k in NetworkKind}
    for n in inv.networks:
        kinds[n.kind.value].networks += 1
        kinds[n.kind.value].monthly_fee += n.monthly_fee
        if n.department in depts:
            depts[n.department].network_monthly_fee += n.monthly_fee
    by_category: defaultdict[str, int] = defaultdict(int)
    for cat, count in Counter(s.category.value for s in inv.systems).most_common():
        by_category[cat] = count
    return InventoryStats(
        city=f"{inv.city.name} ({inv.city.id})",
        counts={
            key: len(getattr(inv, key))
            for key in (
                "regions",
                "buildings",
                "departments",
                "rooms",
                "networks",
                "systems",
                "assets",
                "platforms",
            )
        },
        departments=sorted(depts.values(), key=lambda d: (-d.systems, d.id)),
        rooms=sorted(rooms.values(), key=lambda r: (r.department, r.id)),
        network_kinds=[k for k in kinds.values() if k.networks],
        systems_by_category=dict(by_category),
        total_room_area_m2=sum(r.area_m2 for r in inv.rooms),
        total_room_monthly_cost=sum(r.monthly_cost for r in inv.rooms),
        total_network_monthly_fee=sum(n.monthly_fee for n in inv.networks),
        total_asset_book_value=sum(a.book_value for a in inv.assets),
    )
