"""The finance ledger: workbook and CSV agree with the plan, every line and asset once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from inventory.models import Inventory
from planner.plan_model import NetworkOutcome, Plan
from reporting import finance
from reporting.finance import Proposal, build_ledger, write_finance


@pytest.fixture(scope="module")
def workbook_path(city_plan: Plan, city: Inventory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finance")
    write_finance(city_plan, city, xlsx=out / "ledger.xlsx", csv_dir=out / "csv", lang="en")
    return out / "ledger.xlsx"


def rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return list(finance.worksheet(wb, sheet).iter_rows(min_row=2, values_only=True))


def test_workbook_totals_equal_the_plan_metrics(workbook_path: Path, city_plan: Plan) -> None:
    lines = rows(workbook_path, "lines")
    rooms = rows(workbook_path, "rooms")
    assert len(lines) == city_plan.metrics.lines_retired
    monthly = sum(r[4] for r in lines) + sum(r[5] for r in rooms)
    assert monthly == pytest.approx(city_plan.metrics.monthly_savings)
    check = {r[0]: r[1:] for r in rows(workbook_path, "check")}
    assert all(status == "OK" for _metric, _ledger, status in check.values()), check


def test_every_cancelled_line_appears_once(workbook_path: Path, city_plan: Plan) -> None:
    ids = Counter(r[0] for r in rows(workbook_path, "lines"))
    retired = {n.id for n in city_plan.networks if n.outcome is NetworkOutcome.RETIRED}
    assert set(ids) == retired and set(ids.values()) == {1}


def test_every_asset_appears_once_and_only_disposed_ones_have_a_date(
    workbook_path: Path, city: Inventory
) -> None:
    assets = rows(workbook_path, "assets")
    assert Counter(r[0] for r in assets) == Counter(a.id for a in city.assets)
    for r in assets:
        kept = r[8] == "keep in place"
        assert (r[9] is None) == kept, r


def test_disposal_rules_follow_kind_age_and_room_outcome(city_plan: Plan, city: Inventory) -> None:
    proposals = {a.asset: a.proposal for a in build_ledger(city_plan, city).assets}
    assert proposals["a-fin-srv1"] is Proposal.TRANSFER  # 2-year-old server of a vacated room
    assert proposals["a-fin-srv2"] is Proposal.SCRAP  # 7 years old
    assert proposals["a-fin-sw"] is Proposal.SCRAP  # software licence of old hardware
    assert proposals["a-fin-ups"] is Proposal.REUSE  # UPS within its life
    assert proposals["a-edu2-srv"] is Proposal.KEEP  # serves a blocked system
    assert proposals["a-land-net"] is Proposal.KEEP  # network access of a retained room (ROOM-1)
    assert proposals["a-land-srv"] is Proposal.KEEP  # serves a LAN-only system kept locally


def test_savings_per_budget_year_start_the_month_after_the_wave(city_plan: Plan, city: Inventory) -> None:
    ledger = build_ledger(city_plan, city)
    line = next(x for x in ledger.lines if x.line == "n-fin-private")  # cancelled end of April 2018
    assert line.savings[2018] == 8000 * 8 and line.savings[2019] == 8000 * 12
    assert line.early_termination  # contract runs to 2019-06-30
    room = next(x for x in ledger.rooms if x.room == "r-edu-1")  # vacated end of May 2018
    assert room.savings[2018] == 15000 * 7


def test_funding_stops_for_retired_and_unconnected_systems(city_plan: Plan, city: Inventory) -> None:
    funding = {f.system: f for f in build_ledger(city_plan, city).funding}
    assert set(funding) == {"fin-old", "fin-web", "edu-asset", "land-gis"}
    assert funding["land-gis"].rules == ("FUND-1",)
    assert sum(funding["land-gis"].savings.values()) == 0  # withheld, not saved
    assert funding["fin-old"].savings[2018] == pytest.approx(20000 / 12 * 9)  # April to December


def test_totals_sheet_adds_up_by_department_and_year(workbook_path: Path) -> None:
    totals = rows(workbook_path, "totals")
    lines = rows(workbook_path, "lines")
    sheet = finance.worksheet(openpyxl.load_workbook(workbook_path), "lines")
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    col_2018 = list(header).index("2018")
    assert sum(r[2] for r in totals if r[1] == 2018) == pytest.approx(sum(r[col_2018] for r in lines))
    for r in totals:
        assert r[5] == pytest.approx(r[2] + r[3] + r[4])


def test_csv_files_are_written_per_sheet_in_utf8(workbook_path: Path) -> None:
    csv_dir = workbook_path.parent / "csv"
    names = {p.stem for p in csv_dir.glob("*.csv")}
    assert {"assets", "lines", "rooms", "funding", "totals", "check"} <= names
    text = (csv_dir / "assets.csv").read_text(encoding="utf-8-sig")
    assert "浪潮 NF5280M5" in text


def test_a_failed_write_leaves_the_previous_workbook_intact(
    city_plan: Plan, city: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ledger.xlsx"
    write_finance(city_plan, city, xlsx=target)
    before = target.read_bytes()

    def broken(tables: object) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(finance, "workbook_bytes", broken)
    with pytest.raises(RuntimeError):
        write_finance(city_plan, city, xlsx=target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.xlsx"]


def test_ledger_agrees_with_a_plan_made_by_the_planner(city: Inventory) -> None:
    core = pytest.importorskip("planner.core")
    from planner.policy import load_policy
    from reporting.finance import sheets
    from reporting.view import PlanView

    plan = core.make_plan(city, load_policy())
    check = next(s for s in sheets(build_ledger(plan, city), plan, city, "en") if s.name == "check")
    assert [row[3] for row in check.rows] == ["OK"] * len(check.rows), check.rows
    curve = PlanView(plan, city).cost_curve()
    assert sum(s for _m, s, _c in curve) == pytest.approx(plan.metrics.stranded_cost)
