"""Net savings: one model (planner.savings) and the same figures in every output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from inventory.models import Inventory
from planner.plan_model import Plan
from planner.policy import Policy
from planner.savings import cloud_monthly, savings_model

DOMAINS = {
    "public_service": {"vcpu": 100, "ram_gb": 400, "storage_gb": 10000},
    "administrative_service": {"vcpu": 100, "ram_gb": 400, "storage_gb": 10000},
}


def _inventory() -> Inventory:
    return Inventory.model_validate(
        {
            "city": {"id": "c", "name": "测试市"},
            "regions": [{"id": "c", "name": "测试市", "level": "city"}],
            "buildings": [{"id": "b", "name": "大楼", "region": "c"}],
            "departments": [{"id": "d", "name": "部门", "region": "c", "building": "b"}],
            "rooms": [{"id": "r", "department": "d", "building": "b", "area_m2": 30, "monthly_cost": 1000}],
            "networks": [
                {
                    "id": "n",
                    "name": "专线",
                    "kind": "internet_line",
                    "department": "d",
                    "monthly_fee": 500,
                    "contract_end": "2018-12-31",
                }
            ],
            "systems": [
                {"id": "app", "name": "应用", "department": "d", "category": "business"},
                {
                    "id": "old",
                    "name": "旧系统",
                    "department": "d",
                    "category": "business",
                    "annual_om_cost": 1200,
                },
            ],
            "cloud": {"domains": DOMAINS},
        }
    )


def _plan() -> Plan:
    def ps(sid: str, disposition: str, **extra: Any) -> dict[str, Any]:
        return {"id": sid, "department": "d", "disposition": disposition, "wave": 0, **extra}

    return Plan.model_validate(
        {
            "inventory": {"city": "c", "systems": 2, "digest": "sha256:x"},
            "policy": {"name": "default", "digest": "sha256:y"},
            "systems": [
                ps(
                    "app",
                    "migrate",
                    domain="administrative_service",
                    sizing={"vcpu": 2, "ram_gb": 4, "storage_gb": 100, "team_hours": 10},
                ),
                ps("old", "retire"),
            ],
            "waves": [{"number": 0, "start": "2018-03-01", "end": "2018-03-31", "pilot": True}],
            "rooms": [{"id": "r", "department": "d", "outcome": "vacated", "wave": 0}],
            "networks": [{"id": "n", "outcome": "retired", "wave": 0}],
        }
    )


def test_each_saving_starts_the_month_after_its_wave_and_each_cost_is_charged(default_policy: Policy) -> None:
    prices = default_policy.prices
    model = savings_model(_plan(), _inventory(), default_policy)
    y2018 = next(y for y in model.by_year if y.year == 2018)
    assert y2018.rooms == pytest.approx(1000 * 9)  # April .. December
    assert y2018.lines == pytest.approx(500 * 9)
    assert y2018.om == pytest.approx(1200 / 12 * 9)
    monthly_cloud = 2 * prices.vcpu_month + 4 * prices.ram_gb_month + 100 * prices.storage_gb_month
    assert y2018.cloud == pytest.approx(monthly_cloud * 10)  # from the wave's own month, March
    assert y2018.labour == pytest.approx(10 * prices.labour_per_team_hour)
    # Cancelled in April, contract to December: the policy's months of fee are owed once.
    assert y2018.early_termination == pytest.approx(500 * prices.early_termination_months)
    assert y2018.gross == pytest.approx(y2018.rooms + y2018.lines + y2018.om)
    assert y2018.net == pytest.approx(y2018.gross - y2018.cloud - y2018.labour - y2018.early_termination)
    assert [y.year for y in model.by_year] == [2018, 2019, 2020]


def test_payback_is_the_first_month_the_cumulative_net_stays_positive(default_policy: Policy) -> None:
    model = savings_model(_plan(), _inventory(), default_policy)
    assert model.payback_month is not None
    # Re-derive it month by month from the streams' own definition.
    prices = default_policy.prices
    cloud = cloud_monthly(_plan().system("app").sizing, prices)
    saving = 1000 + 500 + 100
    cumulative = -cloud - 10 * prices.labour_per_team_hour  # March: charges, no saving yet
    month = dt.date(2018, 4, 1)
    cumulative += saving - cloud - 500 * prices.early_termination_months
    while cumulative < 0:
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        cumulative += saving - cloud
    assert model.payback_month == month


def test_a_plan_that_never_recovers_its_costs_has_no_payback(default_policy: Policy) -> None:
    expensive = default_policy.model_copy(
        update={"prices": default_policy.prices.model_copy(update={"vcpu_month": 1_000_000})}
    )
    assert savings_model(_plan(), _inventory(), expensive).payback_month is None


def test_department_figures_add_up_to_the_city_figures(
    bundled_plan: Plan, bundled_inventory: Inventory, default_policy: Policy
) -> None:
    model = savings_model(bundled_plan, bundled_inventory, default_policy)
    departments = {d.id for d in bundled_inventory.departments}
    for i, city_year in enumerate(model.by_year):
        for field in ("rooms", "lines", "om", "cloud", "labour", "early_termination", "net"):
            total = sum(getattr(model.department(d)[i], field) for d in departments)
            assert total == pytest.approx(getattr(city_year, field), abs=0.05 * len(departments)), field


def test_the_same_figures_in_metrics_finance_report_and_department_plans(
    bundled_plan: Plan, bundled_inventory: Inventory, default_policy: Policy, tmp_path: Path
) -> None:
    from reporting.departments import write_department_plans
    from reporting.finance import NET_COLUMNS, build_ledger, net_savings_sheet, sheets
    from reporting.messages import Catalogue
    from reporting.report import render_report_html

    metrics = bundled_plan.metrics.savings_by_year
    assert metrics and metrics == savings_model(bundled_plan, bundled_inventory, default_policy).by_year
    fields = [f for f, _ in NET_COLUMNS]

    sheet = net_savings_sheet(bundled_plan, Catalogue("zh"))
    for y, row in zip(metrics, sheet.rows, strict=False):
        assert row == [y.year, *[getattr(y, f) for f in fields]]

    # The ledger's per-item savings (lines, rooms, O&M) add up to the model's gross figures.
    ledger = build_ledger(bundled_plan, bundled_inventory)
    totals = ledger.totals()
    for y in metrics:
        for field in ("lines", "rooms", "om"):
            assert sum(v[field] for (_, year), v in totals.items() if year == y.year) == pytest.approx(
                getattr(y, field), abs=1.0
            )
    assert any(s.name == "net_savings" for s in sheets(ledger, bundled_plan, bundled_inventory))

    html = render_report_html(bundled_plan, bundled_inventory, lang="zh", policy=default_policy)
    for y in metrics:
        for f in fields:
            assert f'data-field="{f}" data-value="{getattr(y, f)}"' in html

    write_department_plans(bundled_plan, bundled_inventory, out_dir=tmp_path, policy=default_policy)
    model = savings_model(bundled_plan, bundled_inventory, default_policy)
    fin = (tmp_path / "departments" / "fin.html").read_text(encoding="utf-8")
    for y in model.department("fin"):
        assert f'data-field="net" data-value="{y.net}"' in fin
