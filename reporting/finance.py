"""The finance ledger (ASSET-1, LINE-1/2, FUND-1): what finance approves, stops paying and writes off.

Built from the plan's outcomes (which rooms empty, which lines go, which systems retire) and
the inventory's money fields; written as one XLSX workbook and one CSV per sheet, atomically.

Asset disposal proposals (ASSET-1) follow these rules, in order (see :class:`DisposalRules`):

1. **keep** — the asset serves a system that does not move (intranet, programme, keep-local,
   blocked), or it stays in a retained room as network access equipment (ROOM-1) or as the
   room's own power/cooling.
2. **scrap** (报废核销) — the asset has no book value left, its purchase date is unknown, it is
   software (licences are bound to the decommissioned hardware), or it is older than its
   useful life at the disposal date.
3. **reuse** (部门再利用) — power and cooling within their life, and network equipment of a room
   whose department moves into a shared room (ROOM-3), stay with the department.
4. **transfer** (移交大数据局) — servers, storage, security and network equipment within their
   life go to the big-data bureau for the cloud's resource pool.

The disposal date is the end of the wave that empties the room (or moves the last system the
asset serves); a budget year is a calendar year, as in China's state budget.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from foundation.atomic import atomic_directory, atomic_write_bytes, atomic_write_text
from foundation.calendar import next_month
from foundation.cells import csv_row, xlsx_row
from foundation.progress import ProgressCallback
from inventory.models import Asset, AssetKind, Inventory
from planner import rules as R
from planner.plan_model import (
    Disposition,
    NetworkOutcome,
    Plan,
    RoomOutcome,
)
from planner.savings import Stream, StreamKind, budget_years, yearly
from reporting.messages import Catalogue, Lang
from reporting.view import SAVING_ROOM_OUTCOMES, PlanView


class Proposal(StrEnum):
    """Disposal proposal of an asset (ASSET-1)."""

    TRANSFER = "transfer"
    REUSE = "reuse"
    SCRAP = "scrap"
    KEEP = "keep"


IT_KINDS = frozenset({AssetKind.SERVER, AssetKind.STORAGE, AssetKind.NETWORK, AssetKind.SECURITY})
FACILITY_KINDS = frozenset({AssetKind.UPS, AssetKind.COOLING})


@dataclass(frozen=True)
class DisposalRules:
    """Thresholds of the asset disposal rules (years of useful life at the disposal date)."""

    it_life_years: float = 6.0  # servers, storage, network, security devices
    facility_life_years: float = 10.0  # UPS and precision cooling


# -------------------------------------------------------------------------- ledger rows


@dataclass(frozen=True)
class AssetDisposal:
    """One asset with its disposal proposal."""

    asset: str
    department: str
    room: str
    kind: str
    model: str
    book_value: float
    purchased: dt.date | None
    age_years: float | None
    proposal: Proposal
    date: dt.date | None
    reason_key: str  # message key of the reason, filled with reason_fields
    reason_fields: tuple[tuple[str, str], ...] = ()
    wave: int | None = None  # the wave whose end is the disposal date
    rules: tuple[str, ...] = (R.ASSET_1,)

    def reason(self, cat: Catalogue) -> str:
        # A field naming a catalogue key (an enum label, "disposition.intranet") is shown in the language.
        fields = {k: cat.t(v) if cat.has(v) else v for k, v in self.reason_fields}
        return cat.t(self.reason_key, **fields)

    @property
    def budget_year(self) -> int | None:
        return self.date.year if self.date else None


@dataclass(frozen=True)
class LineCancellation:
    """A leased line whose fee stops (LINE-1/LINE-2)."""

    line: str
    name: str
    department: str
    kind: str
    monthly_fee: float
    contract_end: dt.date | None
    wave: int | None
    cancel_date: dt.date | None
    early_termination: bool  # the contract runs past the cancellation
    savings: dict[int, float]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class RoomSaving:
    """A room whose running cost stops (ROOM-1..3)."""

    room: str
    name: str
    department: str
    outcome: str
    area_m2: float
    monthly_cost: float
    wave: int | None
    vacate_date: dt.date | None
    savings: dict[int, float]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class FundingStop:
    """A system whose O&M funding stops: retired or merged, or not connected (FUND-1)."""

    system: str
    name: str
    department: str
    disposition: str
    annual_om_cost: float
    from_date: dt.date | None
    reason_key: str  # message key: fin.funding_retired | fin.funding_unconnected
    savings: dict[int, float]  # only for retired/merged systems; withheld funds are not savings
    rules: tuple[str, ...]


@dataclass
class Ledger:
    """Everything finance files, with totals by department and budget year."""

    years: list[int]
    assets: list[AssetDisposal] = field(default_factory=list)
    lines: list[LineCancellation] = field(default_factory=list)
    rooms: list[RoomSaving] = field(default_factory=list)
    funding: list[FundingStop] = field(default_factory=list)

    @property
    def disposals(self) -> list[AssetDisposal]:
        """Assets that leave the department's books (every proposal but keep)."""
        return [a for a in self.assets if a.proposal is not Proposal.KEEP]

    def monthly_line_savings(self) -> float:
        return sum(x.monthly_fee for x in self.lines)

    def monthly_room_savings(self) -> float:
        return sum(x.monthly_cost for x in self.rooms)

    def totals(self) -> dict[tuple[str, int], dict[str, float]]:
        """(department, year) -> line, room and O&M savings, book value disposed, total savings."""
        out: dict[tuple[str, int], dict[str, float]] = defaultdict(
            lambda: {"lines": 0.0, "rooms": 0.0, "om": 0.0, "assets": 0.0, "total": 0.0}
        )
        for line in self.lines:
            for y, v in line.savings.items():
                out[(line.department, y)]["lines"] += v
        for room in self.rooms:
            for y, v in room.savings.items():
                out[(room.department, y)]["rooms"] += v
        for f in self.funding:
            for y, v in f.savings.items():
                out[(f.department, y)]["om"] += v
        for a in self.disposals:
            if a.budget_year is not None:
                out[(a.department, a.budget_year)]["assets"] += a.book_value
        for row in out.values():
            row["total"] = row["lines"] + row["rooms"] + row["om"]
        return dict(sorted(out.items()))


# -------------------------------------------------------------------------- rules


def _age(purchased: dt.date | None, on: dt.date | None) -> float | None:
    if purchased is None or on is None:
        return None
    return round((on - purchased).days / 365.25, 1)


def propose(asset: Asset, view: PlanView, rules: DisposalRules = DisposalRules()) -> AssetDisposal:
    """The disposal proposal of one asset (ASSET-1), by the rules of this module's docstring."""
    inv_room = view.inv_rooms.get(asset.room)
    plan_room = view.rooms.get(asset.room)
    dept = plan_room.department if plan_room else (inv_room.department if inv_room else "")
    outcome = plan_room.outcome if plan_room else RoomOutcome.RETAINED
    served = [view.systems[s] for s in asset.serves if s in view.systems]
    staying = [s for s in served if not view.scheduled(s)]
    moved_waves = [s.wave for s in served if view.scheduled(s)]
    if outcome in SAVING_ROOM_OUTCOMES:
        wave = plan_room.wave if plan_room else None
    else:
        wave = max((w for w in moved_waves if w is not None), default=None)
    date = view.wave_end(wave)
    age = _age(asset.purchased, date or (view.plan.waves[-1].end if view.plan.waves else None))

    def row(p: Proposal, key: str, **fields: object) -> AssetDisposal:
        return AssetDisposal(
            asset.id,
            dept,
            asset.room,
            asset.kind.value,
            asset.model or "",
            asset.book_value,
            asset.purchased,
            age,
            p,
            date if p is not Proposal.KEEP else None,
            f"asset.{key}",
            tuple((k, f"{v:g}" if isinstance(v, float) else str(v)) for k, v in fields.items()),
            wave if p is not Proposal.KEEP else None,
        )

    if staying:
        return row(
            Proposal.KEEP,
            "stays",
            systems=", ".join(s.id for s in staying),
            disposition=f"disposition.{staying[0].disposition.value}",
        )
    if outcome is RoomOutcome.RETAINED:
        if asset.kind is AssetKind.NETWORK:
            return row(Proposal.KEEP, "network_retained", room=asset.room, rule=R.ROOM_1)
        if not served:
            return row(Proposal.KEEP, "room_facility", room=asset.room)
    if asset.book_value <= 0:
        return row(Proposal.SCRAP, "no_value")
    if asset.kind is AssetKind.SOFTWARE:
        return row(Proposal.SCRAP, "software")
    if age is None:
        return row(Proposal.SCRAP, "unknown_age")
    if asset.kind in FACILITY_KINDS:
        if age >= rules.facility_life_years:
            return row(Proposal.SCRAP, "facility_old", age=age, life=rules.facility_life_years)
        return row(Proposal.REUSE, "facility_reuse", age=age)
    if age >= rules.it_life_years:
        return row(Proposal.SCRAP, "it_old", age=age, life=rules.it_life_years)
    if asset.kind is AssetKind.NETWORK and outcome is RoomOutcome.MERGED:
        return row(
            Proposal.REUSE,
            "network_moves",
            room=", ".join(plan_room.shared_with) if plan_room else "",
            rule=R.ROOM_3,
        )
    return row(Proposal.TRANSFER, "transfer", age=age)


def _savings(monthly: float, effective: dt.date | None, years: Sequence[int]) -> dict[int, float]:
    """Amount saved in each budget year: *monthly* for every month from *effective* on (the model's rule)."""
    return yearly(Stream(StreamKind.ROOM, "", "", monthly=monthly, start=effective), years)


def build_ledger(
    plan: Plan,
    inventory: Inventory,
    *,
    rules: DisposalRules = DisposalRules(),
    extra_years: int = 2,
    progress: ProgressCallback | None = None,
) -> Ledger:
    """The ledger of *plan*: asset proposals, line and room savings, O&M funding stopped."""
    view = PlanView(plan, inventory)
    years = budget_years(plan, extra_years)
    ledger = Ledger(years=years)
    cb = progress or (lambda stage, fraction: None)
    for i, asset in enumerate(inventory.assets):
        ledger.assets.append(propose(asset, view, rules))
        if i % 50 == 0:
            cb("ledger", 0.5 * i / max(len(inventory.assets), 1))
    for n in plan.networks:
        if n.outcome is not NetworkOutcome.RETIRED:
            continue
        cancel = view.wave_end(n.wave)
        end = view.network_contract_end(n)
        ledger.lines.append(
            LineCancellation(
                n.id,
                view.network_name(n.id),
                view.network_department(n) or "",
                view.network_kind(n),
                view.network_fee(n),
                end,
                n.wave,
                cancel,
                bool(end and cancel and end > cancel),
                _savings(view.network_fee(n), next_month(cancel) if cancel else None, years),
                tuple(n.rules),
            )
        )
    for r in plan.rooms:
        if r.outcome not in SAVING_ROOM_OUTCOMES:
            continue
        vacate = view.wave_end(r.wave)
        ledger.rooms.append(
            RoomSaving(
                r.id,
                view.room_label(r.id),
                r.department,
                r.outcome.value,
                view.room_area(r),
                view.room_cost(r),
                r.wave,
                vacate,
                _savings(view.room_cost(r), next_month(vacate) if vacate else None, years),
                tuple(r.rules),
            )
        )
    cb("ledger", 0.8)
    unconnected = {f.subject for f in plan.findings if f.rule == R.FUND_1}
    for s in plan.systems:
        inv = view.inv_systems.get(s.id)
        annual = inv.annual_om_cost if inv and inv.annual_om_cost else 0.0
        if s.disposition in (Disposition.RETIRE, Disposition.MERGE):
            stop = view.wave_end(s.wave)
            ledger.funding.append(
                FundingStop(
                    s.id,
                    view.system_name(s.id),
                    s.department,
                    s.disposition.value,
                    annual,
                    stop,
                    "fin.funding_retired",
                    _savings(annual / 12, next_month(stop) if stop else None, years),
                    tuple(s.rules),
                )
            )
        elif s.id in unconnected:
            ledger.funding.append(
                FundingStop(
                    s.id,
                    view.system_name(s.id),
                    s.department,
                    s.disposition.value,
                    annual,
                    None,
                    "fin.funding_unconnected",
                    dict.fromkeys(years, 0.0),
                    (R.FUND_1,),
                )
            )
    cb("ledger", 1.0)
    return ledger


# -------------------------------------------------------------------------- sheets


Cell = str | int | float | dt.date | None


@dataclass(frozen=True)
class Sheet:
    """A table of the ledger, written as one worksheet and one CSV file."""

    name: str  # CSV file name and the worksheet's code name (ASCII, stable: what programs look up)
    title: str  # label in the chosen language: the worksheet's tab
    header: list[str]
    rows: list[list[Cell]]
    money_columns: frozenset[int] = frozenset()


def sheets(
    ledger: Ledger,
    plan: Plan,
    inventory: Inventory,
    lang: Lang = "zh",
    rules: DisposalRules = DisposalRules(),
) -> list[Sheet]:
    """The ledger as tables, labels from the message catalogue."""
    cat = Catalogue(lang)
    view = PlanView(plan, inventory)
    t = cat.t
    years = ledger.years
    dept = view.dept_name

    assets = Sheet(
        "assets",
        t("fin.assets"),
        [
            t("col.id"),
            t("col.department"),
            t("col.name"),
            t("col.kind"),
            t("col.model"),
            t("col.book_value"),
            t("col.purchased"),
            t("col.age"),
            t("col.proposal"),
            t("col.date"),
            t("col.year"),
            t("col.reason"),
            t("col.rules"),
        ],
        [
            [
                a.asset,
                dept(a.department),
                view.room_label(a.room),
                cat.enum("asset_kind", a.kind),
                a.model,
                a.book_value,
                a.purchased,
                a.age_years,
                cat.enum("proposal", a.proposal),
                a.date,
                a.budget_year,
                a.reason(cat),
                " ".join(a.rules),
            ]
            for a in ledger.assets
        ],
        frozenset({5}),
    )
    lines = Sheet(
        "lines",
        t("fin.lines"),
        [
            t("col.id"),
            t("col.name"),
            t("col.department"),
            t("col.kind"),
            t("col.monthly_fee"),
            t("col.contract_end"),
            t("col.wave"),
            t("col.date"),
            t("col.early_termination"),
            *[str(y) for y in years],
            t("col.rules"),
        ],
        [
            [
                x.line,
                x.name,
                dept(x.department),
                cat.enum("network_kind", x.kind) if x.kind else "",
                x.monthly_fee,
                x.contract_end,
                x.wave,
                x.cancel_date,
                t("yes") if x.early_termination else t("no"),
                *[x.savings[y] for y in years],
                " ".join(x.rules),
            ]
            for x in ledger.lines
        ],
        frozenset({4, *range(9, 9 + len(years))}),
    )
    rooms = Sheet(
        "rooms",
        t("fin.rooms"),
        [
            t("col.id"),
            t("col.name"),
            t("col.department"),
            t("col.outcome"),
            t("col.area"),
            t("col.monthly_cost"),
            t("col.wave"),
            t("col.date"),
            *[str(y) for y in years],
            t("col.rules"),
        ],
        [
            [
                x.room,
                x.name,
                dept(x.department),
                cat.enum("room", x.outcome),
                x.area_m2,
                x.monthly_cost,
                x.wave,
                x.vacate_date,
                *[x.savings[y] for y in years],
                " ".join(x.rules),
            ]
            for x in ledger.rooms
        ],
        frozenset({5, *range(8, 8 + len(years))}),
    )
    funding = Sheet(
        "funding",
        t("fin.funding"),
        [
            t("col.id"),
            t("col.name"),
            t("col.department"),
            t("col.disposition"),
            t("col.annual_om"),
            t("col.date"),
            t("col.reason"),
            *[str(y) for y in years],
            t("col.rules"),
        ],
        [
            [
                f.system,
                f.name,
                dept(f.department),
                cat.enum("disposition", f.disposition),
                f.annual_om_cost,
                f.from_date,
                t(f.reason_key),
                *[f.savings[y] for y in years],
                " ".join(f.rules),
            ]
            for f in ledger.funding
        ],
        frozenset({4, *range(7, 7 + len(years))}),
    )
    totals = Sheet(
        "totals",
        t("fin.totals"),
        [
            t("col.department"),
            t("col.year"),
            t("fin.line_saving"),
            t("fin.room_saving"),
            t("fin.om_saving"),
            t("col.total"),
            t("fin.asset_value"),
        ],
        [
            [dept(d), y, v["lines"], v["rooms"], v["om"], v["total"], v["assets"]]
            for (d, y), v in ledger.totals().items()
        ],
        frozenset({2, 3, 4, 5, 6}),
    )
    m = plan.metrics
    # The plan counts a room given up by merging as vacated too (its cost stops either way).
    vacated = len(ledger.rooms)
    monthly = ledger.monthly_line_savings() + ledger.monthly_room_savings()
    check = Sheet(
        "check",
        t("fin.check"),
        [t("col.category"), t("col.plan_metric"), t("col.ledger"), t("col.check")],
        [
            [
                t("metric.lines_retired"),
                m.lines_retired,
                len(ledger.lines),
                t("fin.ok") if m.lines_retired == len(ledger.lines) else "≠",
            ],
            [
                t("metric.rooms_vacated"),
                m.rooms_vacated,
                vacated,
                t("fin.ok") if m.rooms_vacated == vacated else "≠",
            ],
            [
                t("metric.monthly_savings"),
                m.monthly_savings,
                monthly,
                t("fin.ok") if abs(m.monthly_savings - monthly) < 0.5 else "≠",
            ],
        ],
        frozenset({1, 2}),
    )
    rule_rows: list[list[Cell]] = [
        [cat.enum("proposal", Proposal.KEEP), t("fin.rule_keep")],
        [
            cat.enum("proposal", Proposal.SCRAP),
            t("fin.rule_scrap", it=f"{rules.it_life_years:g}", facility=f"{rules.facility_life_years:g}"),
        ],
        [cat.enum("proposal", Proposal.REUSE), t("fin.rule_reuse")],
        [cat.enum("proposal", Proposal.TRANSFER), t("fin.rule_transfer")],
    ]
    disposal_rules = Sheet("rules", t("fin.rules"), [t("col.proposal"), t("col.reason")], rule_rows)
    return [totals, net_savings_sheet(plan, cat), asset_split_sheet(ledger, cat), assets, lines, rooms,
            funding, check, disposal_rules]


# Columns of the net-savings table, in order: (SavingsYear field, message key).
NET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rooms", "fin.room_saving"),
    ("lines", "fin.line_saving"),
    ("om", "fin.om_saving"),
    ("gross", "net.gross"),
    ("cloud", "net.cloud"),
    ("labour", "net.labour"),
    ("early_termination", "net.early_termination"),
    ("net", "net.net"),
)


def net_savings_sheet(plan: Plan, cat: Catalogue) -> Sheet:
    """Gross savings, new costs and net savings by budget year: the plan's own figures."""
    rows: list[list[Cell]] = [
        [y.year, *[getattr(y, f) for f, _ in NET_COLUMNS]] for y in plan.metrics.savings_by_year
    ]
    m = plan.metrics
    totals = [round(sum(getattr(y, f) for y in m.savings_by_year), 2) for f, _ in NET_COLUMNS]
    rows.append([cat.t("col.total"), *totals])
    rows.append([cat.t("net.payback"), m.payback_month.isoformat() if m.payback_month else cat.t("net.never"),
                 *[None] * (len(NET_COLUMNS) - 1)])
    return Sheet("net_savings", cat.t("net.title"), [cat.t("col.year"), *[cat.t(k) for _, k in NET_COLUMNS]],
                 rows, frozenset(range(1, len(NET_COLUMNS) + 1)))


def asset_split_sheet(ledger: Ledger, cat: Catalogue) -> Sheet:
    """Book value and count of assets per disposal proposal (ASSET-1)."""
    rows: list[list[Cell]] = []
    for proposal in Proposal:
        chosen = [a for a in ledger.assets if a.proposal is proposal]
        value = round(sum(a.book_value for a in chosen), 2)
        rows.append([cat.enum("proposal", proposal), len(chosen), value])
    return Sheet("asset_split", cat.t("net.asset_split"),
                 [cat.t("col.proposal"), cat.t("col.count"), cat.t("col.book_value")], rows, frozenset({2}))


def workbook_bytes(tables: Iterable[Sheet]) -> bytes:
    """An XLSX workbook of *tables*, one worksheet each, money formatted, header frozen."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for table in tables:
        ws = wb.create_sheet(sheet_title(table.title or table.name))
        ws.sheet_properties.codeName = table.name
        ws.append(xlsx_row(ws, table.header))
        for c in ws[1]:
            c.font, c.fill = bold, fill
        for row in table.rows:
            ws.append(xlsx_row(ws, row))
        for col in table.money_columns:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
                cell.number_format = "#,##0.00"
        for i, head in enumerate(table.header, start=1):
            width = max(
                [len(str(head)) * 2] + [len(str(r[i - 1])) for r in table.rows if i - 1 < len(r)] + [8]
            )
            ws.column_dimensions[get_column_letter(i)].width = min(width + 2, 60)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_title(label: str) -> str:
    """A worksheet tab from a label: at most 31 characters, none of []:*?/\\ (Excel's limits)."""
    return label.translate(SHEET_TITLE_FORBIDDEN)[:31] or "-"


def worksheet(wb: Any, name: str) -> Any:
    """The worksheet of table *name* in a ledger workbook (found by its code name, any language)."""
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName == name:
            return ws
    raise KeyError(name)


def csv_text(table: Sheet) -> str:
    """One table as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese right)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(csv_row(table.header))
    for row in table.rows:
        w.writerow(csv_row(row))
    return "\ufeff" + buf.getvalue()


def write_finance(
    plan: Plan,
    inventory: Inventory,
    *,
    xlsx: str | Path | None = None,
    csv_dir: str | Path | None = None,
    lang: Lang = "zh",
    progress: ProgressCallback | None = None,
) -> Ledger:
    """Build the ledger and write it as XLSX and/or CSV files (each atomically); return it."""
    ledger = build_ledger(plan, inventory, progress=progress)
    tables = sheets(ledger, plan, inventory, lang)
    if xlsx is not None:
        atomic_write_bytes(xlsx, workbook_bytes(tables))
    if csv_dir is not None:
        # One set: a reader never sees this run's totals next to an earlier run's assets.
        with atomic_directory(csv_dir, owned=lambda name: name.endswith(".csv")) as tmp:
            for table in tables:
                atomic_write_text(tmp / f"{table.name}.csv", csv_text(table))
    return ledger
