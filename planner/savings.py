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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from foundation.calendar import month_start, months, next_month
from inventory.models import Inventory
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


@dataclass(frozen=True)
class Stream:
    """A monthly amount from *start* on (a cost is positive too), or a one-off in *start*'s month."""

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


def streams(plan: Plan, inventory: Inventory, policy: Policy) -> list[Stream]:
    """Every saving and cost of *plan*, one stream per subject and kind."""
    prices = policy.prices
    waves = {w.number: w for w in plan.waves}

    def first_month(wave: int | None) -> dt.date | None:
        w = waves.get(wave) if wave is not None else None
        return w.start.replace(day=1) if w else None

    def after(wave: int | None) -> dt.date | None:
        w = waves.get(wave) if wave is not None else None
        return next_month(w.end) if w else None

    inv_systems = {s.id: s for s in inventory.systems}
    inv_rooms = {r.id: r for r in inventory.rooms}
    inv_networks = {n.id: n for n in inventory.networks}
    out: list[Stream] = []
    for r in plan.rooms:
        if r.outcome in SAVING_ROOM_OUTCOMES:
            cost = r.monthly_cost or (inv_rooms[r.id].monthly_cost if r.id in inv_rooms else 0.0)
            out.append(Stream(StreamKind.ROOM, r.id, r.department, monthly=cost, start=after(r.wave)))
    for n in plan.networks:
        if n.outcome is not NetworkOutcome.RETIRED:
            continue
        inv_n = inv_networks.get(n.id)
        fee = n.monthly_fee or (inv_n.monthly_fee if inv_n else 0.0)
        dept = n.department or (inv_n.department if inv_n else None) or ""
        effective = after(n.wave)
        out.append(Stream(StreamKind.LINE, n.id, dept, monthly=fee, start=effective))
        contract_end = n.contract_end or (inv_n.contract_end if inv_n else None)
        if effective is not None and contract_end is not None and contract_end >= effective:
            penalty = fee * prices.early_termination_months
            out.append(Stream(StreamKind.EARLY_TERMINATION, n.id, dept, one_off=penalty, start=effective))
    for s in plan.systems:
        inv = inv_systems.get(s.id)
        if s.disposition in (Disposition.RETIRE, Disposition.MERGE):
            annual = inv.annual_om_cost if inv and inv.annual_om_cost else 0.0
            out.append(Stream(StreamKind.OM, s.id, s.department, monthly=annual / 12, start=after(s.wave)))
        if s.disposition is Disposition.MIGRATE:
            out.append(
                Stream(
                    StreamKind.CLOUD,
                    s.id,
                    s.department,
                    monthly=cloud_monthly(s.sizing, prices),
                    start=first_month(s.wave),
                )
            )
        if s.wave is not None and s.sizing.team_hours:
            out.append(
                Stream(
                    StreamKind.LABOUR,
                    s.id,
                    s.department,
                    one_off=s.sizing.team_hours * prices.labour_per_team_hour,
                    start=first_month(s.wave),
                )
            )
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
    sums: dict[int, dict[StreamKind, float]] = {y: defaultdict(float) for y in years}
    for stream in items:
        for y, v in yearly(stream, years).items():
            sums[y][stream.kind] += v
    out = []
    for y in years:
        k = sums[y]
        gross = k[StreamKind.ROOM] + k[StreamKind.LINE] + k[StreamKind.OM]
        costs = k[StreamKind.CLOUD] + k[StreamKind.LABOUR] + k[StreamKind.EARLY_TERMINATION]
        out.append(
            SavingsYear(
                year=y,
                rooms=round(k[StreamKind.ROOM], 2),
                lines=round(k[StreamKind.LINE], 2),
                om=round(k[StreamKind.OM], 2),
                gross=round(gross, 2),
                cloud=round(k[StreamKind.CLOUD], 2),
                labour=round(k[StreamKind.LABOUR], 2),
                early_termination=round(k[StreamKind.EARLY_TERMINATION], 2),
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
    for stream in items:
        if stream.start is None:
            continue
        sign = 1.0 if stream.saving else -1.0
        out[stream.start] += sign * stream.one_off
        if stream.monthly:
            rate_from[month_start(max(stream.start, first))] += sign * stream.monthly
    rate = 0.0
    for m in months(first, last):
        rate += rate_from.get(m, 0.0)
        if rate:
            out[m] += rate
    return out


def savings_model(plan: Plan, inventory: Inventory, policy: Policy) -> SavingsModel:
    """The net savings of *plan* under *policy*'s prices."""
    years = budget_years(plan)
    items = streams(plan, inventory, policy)
    return SavingsModel(years, items, _by_year(items, years), payback_month(items, years))


def apply_savings(plan: Plan, inventory: Inventory, policy: Policy) -> None:
    """Write the model's figures into *plan*'s metrics (the one place outputs read them from)."""
    model = savings_model(plan, inventory, policy)
    plan.metrics.savings_by_year = model.by_year
    plan.metrics.payback_month = model.payback_month
    plan.metrics.gross_savings_total = round(sum(y.gross for y in model.by_year), 2)
    plan.metrics.net_savings_total = round(sum(y.net for y in model.by_year), 2)
