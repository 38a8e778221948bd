"""Net savings: one model of what the plan saves and costs, month by month and by budget year.

Gross savings are the running costs the plan ends — rooms given up (ROOM-1..3), leased lines
cancelled (LINE-1..4), O&M funding of systems retired or merged — each from the month after the
wave that ends it. Against them stand the new cloud charges of every migrating system (the
policy's price list × its planned sizing, from its wave's first month), the migration labour
(team-hours × the policy's rate, in the wave's first month) and the early-termination cost of a
line cancelled before its contract ends (the policy's months of fee, when it is cancelled).

Plan metrics, the report, the finance workbook and the department plans all read these
figures; nothing else computes a saving.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, Protocol

from foundation.calendar import month_start, months, next_month
from inventory.models import Inventory, System
from planner.plan_model import Disposition, NetworkOutcome, Plan, RoomOutcome, SavingsYear, Sizing
from planner.policy import Policy, Prices

# Rooms whose running cost stops when they empty (a merged room's department moves into another
# department's room, so the merged room itself is given up: ROOM-3).
SAVING_ROOM_OUTCOMES = frozenset({RoomOutcome.VACATED, RoomOutcome.MERGED})

# Budget years shown after the last wave: enough for the steady state and the payback.
EXTRA_YEARS = 2


class StreamKind(StrEnum):
    """What a money stream is; the first three are savings, the rest costs."""

    ROOM = "room"
    LINE = "line"
    OM = "om"
    CLOUD = "cloud"
    LABOUR = "labour"
    EARLY_TERMINATION = "early_termination"


SAVING_KINDS = frozenset({StreamKind.ROOM, StreamKind.LINE, StreamKind.OM})


class Stream(NamedTuple):
    """A monthly amount from *start* on (a cost is positive too), or a one-off in *start*'s month.

    A named tuple, not a dataclass: a province plan has hundreds of thousands of streams.
    """

    kind: StreamKind
    subject: str
    department: str
    monthly: float = 0.0
    one_off: float = 0.0
    start: dt.date | None = None  # first month it applies; None: never (no wave)

    @property
    def saving(self) -> bool:
        return self.kind in SAVING_KINDS


def budget_years(plan: Plan, extra_years: int = EXTRA_YEARS) -> list[int]:
    """Budget years: from the first wave's year to *extra_years* after the last wave's."""
    if not plan.waves:
        return [dt.date.today().year]
    first = min(w.start for w in plan.waves).year
    last = max(w.end for w in plan.waves).year
    return list(range(first, last + extra_years + 1))


def yearly(stream: Stream, years: Sequence[int]) -> dict[int, float]:
    """The stream's amount in each budget year."""
    out = dict.fromkeys(years, 0.0)
    start = stream.start
    if start is None:
        return out
    for y in years:
        if start.year > y:
            continue
        first_month = start.month if start.year == y else 1
        out[y] = stream.monthly * (12 - first_month + 1) + (stream.one_off if start.year == y else 0.0)
    return out


def cloud_monthly(sizing: Sizing, prices: Prices) -> float:
    """The cloud's monthly charge for one system of *sizing* (all its servers)."""
    return (
        sizing.vcpu * prices.vcpu_month
        + sizing.ram_gb * prices.ram_gb_month
        + sizing.storage_gb * prices.storage_gb_month
    )


class Moved(Protocol):
    """What the savings take from each of a plan's systems (a PlanSystem, or its facts before one is made)."""

    @property
    def id(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def disposition(self) -> Disposition: ...
    @property
    def wave(self) -> int | None: ...
    @property
    def sizing(self) -> Sizing: ...


def streams(
    plan: Plan, inventory: Inventory, policy: Policy, systems: Sequence[Moved] | None = None
) -> list[Stream]:
    """Every saving and cost of *plan*, one stream per subject and kind (*systems*: its systems'
    facts when it does not list them, else plan.systems)."""
    moved: Sequence[Moved] = plan.systems if systems is None else systems
    prices = policy.prices
    # Per wave, once: the first month of the wave and the month after it.
    first_month: dict[int | None, dt.date | None] = {w.number: w.start.replace(day=1) for w in plan.waves}
    after: dict[int | None, dt.date | None] = {w.number: next_month(w.end) for w in plan.waves}

    inv_systems: dict[str, System] = {}  # made when a system is not found by its position
    inv_rooms = {r.id: r for r in inventory.rooms}
    inv_networks = {n.id: n for n in inventory.networks}
    out: list[Stream] = []
    for r in plan.rooms:
        if r.outcome in SAVING_ROOM_OUTCOMES:
            cost = r.monthly_cost or (inv_rooms[r.id].monthly_cost if r.id in inv_rooms else 0.0)
            out.append(Stream(StreamKind.ROOM, r.id, r.department, monthly=cost, start=after.get(r.wave)))
    for n in plan.networks:
        if n.outcome is not NetworkOutcome.RETIRED:
            continue
        inv_n = inv_networks.get(n.id)
        fee = n.monthly_fee or (inv_n.monthly_fee if inv_n else 0.0)
        dept = n.department or (inv_n.department if inv_n else None) or ""
        effective = after.get(n.wave)
        out.append(Stream(StreamKind.LINE, n.id, dept, monthly=fee, start=effective))
        contract_end = n.contract_end or (inv_n.contract_end if inv_n else None)
        if effective is not None and contract_end is not None and contract_end >= effective:
            penalty = fee * prices.early_termination_months
            out.append(Stream(StreamKind.EARLY_TERMINATION, n.id, dept, one_off=penalty, start=effective))
    om, cloud, labour = StreamKind.OM, StreamKind.CLOUD, StreamKind.LABOUR
    retire, merge, migrate = Disposition.RETIRE, Disposition.MERGE, Disposition.MIGRATE
    per_hour = prices.labour_per_team_hour
    append = out.append
    # A plan lists its systems in the inventory's order: each found by position, else by ID.
    by_position = inventory.systems if len(inventory.systems) == len(moved) else None
    for i, s in enumerate(moved):
        disposition, wave, sizing = s.disposition, s.wave, s.sizing
        if disposition in (retire, merge):
            inv = by_position[i] if by_position is not None and by_position[i].id == s.id else None
            if inv is None:
                if not inv_systems:
                    inv_systems = {x.id: x for x in inventory.systems}
                inv = inv_systems.get(s.id)
            annual = inv.annual_om_cost if inv and inv.annual_om_cost else 0.0
            append(Stream(om, s.id, s.department, annual / 12, 0.0, after.get(wave)))
        elif disposition is migrate:
            monthly = cloud_monthly(sizing, prices)
            append(Stream(cloud, s.id, s.department, monthly, 0.0, first_month.get(wave)))
        if wave is not None and sizing.team_hours:
            one_off = sizing.team_hours * per_hour
            append(Stream(labour, s.id, s.department, 0.0, one_off, first_month.get(wave)))
    return out


@dataclass
class SavingsModel:
    """The plan's savings and costs by budget year, city-wide and per department."""

    years: list[int]
    streams: list[Stream]
    by_year: list[SavingsYear] = field(default_factory=list)
    payback_month: dt.date | None = None

    def department(self, department: str) -> list[SavingsYear]:
        """The same figures for one department's streams."""
        return _by_year([s for s in self.streams if s.department == department], self.years)


def _by_year(items: Iterable[Stream], years: Sequence[int]) -> list[SavingsYear]:
    # What yearly() gives each stream, added up per year and kind in the streams' order (the
    # same float sums), without a dict per stream; the zeros it gives before the start are left out.
    n = len(years)
    sums: dict[StreamKind, list[float]] = {kind: [0.0] * n for kind in StreamKind}
    for kind, _, _, monthly, one_off, start in items:
        if start is None:
            continue
        acc = sums[kind]
        i = bisect_left(years, start.year)  # the first budget year the stream reaches
        if i < n and years[i] == start.year:
            acc[i] += monthly * (12 - start.month + 1) + one_off
            i += 1
        if monthly:
            full = monthly * 12 + 0.0  # every later year
            for j in range(i, n):
                acc[j] += full
    out = []
    rooms, lines, om = sums[StreamKind.ROOM], sums[StreamKind.LINE], sums[StreamKind.OM]
    cloud, labour = sums[StreamKind.CLOUD], sums[StreamKind.LABOUR]
    early = sums[StreamKind.EARLY_TERMINATION]
    for i, y in enumerate(years):
        gross = rooms[i] + lines[i] + om[i]
        costs = cloud[i] + labour[i] + early[i]
        out.append(
            SavingsYear(
                year=y,
                rooms=round(rooms[i], 2),
                lines=round(lines[i], 2),
                om=round(om[i], 2),
                gross=round(gross, 2),
                cloud=round(cloud[i], 2),
                labour=round(labour[i], 2),
                early_termination=round(early[i], 2),
                net=round(gross - costs, 2),
            )
        )
    return out


def payback_month(items: Sequence[Stream], years: Sequence[int]) -> dt.date | None:
    """The first month after which the cumulative net saving stays at or above zero; None if never
    within the budget years (or nothing is ever spent and nothing saved)."""
    if not years:
        return None
    first, last = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 1)
    net_by_month: Mapping[dt.date, float] = _monthly_net(items, first, last)
    cumulative, spent, result = 0.0, False, None
    for m in months(first, last):
        delta = net_by_month.get(m, 0.0)
        spent = spent or delta < 0
        cumulative += delta
        if cumulative >= 0 and spent and result is None:
            result = m
        elif cumulative < 0:
            result = None
    return result


def _monthly_net(items: Sequence[Stream], first: dt.date, last: dt.date) -> dict[dt.date, float]:
    out: dict[dt.date, float] = defaultdict(float)
    # Each monthly stream changes the month-on-month rate once, where it starts: one pass over the
    # months, not one per stream (tens of thousands of streams at province scale).
    rate_from: dict[dt.date, float] = defaultdict(float)
    month_of: dict[dt.date, dt.date] = {}  # start -> its month: streams share a few starts
    for kind, _, _, monthly, one_off, start in items:
        if start is None:
            continue
        sign = 1.0 if kind in SAVING_KINDS else -1.0
        out[start] += sign * one_off
        if monthly:
            month = month_of.get(start)
            if month is None:
                month = month_of[start] = month_start(max(start, first))
            rate_from[month] += sign * monthly
    rate = 0.0
    for m in months(first, last):
        rate += rate_from.get(m, 0.0)
        if rate:
            out[m] += rate
    return out


def savings_model(
    plan: Plan, inventory: Inventory, policy: Policy, systems: Sequence[Moved] | None = None
) -> SavingsModel:
    """The net savings of *plan* under *policy*'s prices (*systems*: as for streams)."""
    years = budget_years(plan)
    items = streams(plan, inventory, policy, systems)
    return SavingsModel(years, items, _by_year(items, years), payback_month(items, years))


def apply_savings(
    plan: Plan, inventory: Inventory, policy: Policy, systems: Sequence[Moved] | None = None
) -> None:
    """Write the model's figures into *plan*'s metrics (the one place outputs read them from).

    *systems*: the plan's systems' facts when it does not list them (as for streams).
    """
    model = savings_model(plan, inventory, policy, systems)
    plan.metrics.savings_by_year = model.by_year
    plan.metrics.payback_month = model.payback_month
    plan.metrics.gross_savings_total = round(sum(y.gross for y in model.by_year), 2)
    plan.metrics.net_savings_total = round(sum(y.net for y in model.by_year), 2)
