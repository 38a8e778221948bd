"""Fixtures of the reporting tests: a small, realistic city and a hand-built plan of it.

The plan is written by hand (not by planner.core) so these tests pin the reporting layer
alone: every number a test checks can be traced to a line below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from inventory.models import Inventory
from planner.plan_model import Plan
from tests.conftest import service_unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _system(sid: str, name: str, dept: str, category: str = "business", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": sid,
        "name": name,
        "department": dept,
        "category": category,
        "mlps_level": 2,
        "annual_om_cost": 60000,
        "funding": "fiscal",
        "resources": {"vcpu": 8, "ram_gb": 32, "storage_gb": 500, "servers": 1},
    }
    base.update(extra)
    return base


INVENTORY: dict[str, Any] = {
    "version": 1,
    "city": {"id": "fx", "name": "阜新市"},
    "regions": [{"id": "fx", "name": "阜新市", "level": "city"}],
    "buildings": [
        {"id": "b-gov1", "name": "市政府综合办公楼", "region": "fx"},
        {"id": "b-edu", "name": "教育局办公楼", "region": "fx"},
    ],
    "departments": [
        {
            "id": "fin",
            "name": "市财政局",
            "region": "fx",
            "building": "b-gov1",
            "units": ["预算科", "国库科"],
        },
        {"id": "hr", "name": "市人社局", "region": "fx", "building": "b-gov1"},
        {"id": "edu", "name": "市教育局", "region": "fx", "building": "b-edu"},
        {"id": "land", "name": "市自然资源局", "region": "fx", "building": "b-gov1"},
    ],
    "rooms": [
        {
            "id": "r-fin-1",
            "name": "财政局中心机房",
            "department": "fin",
            "building": "b-gov1",
            "area_m2": 45,
            "monthly_cost": 12000,
        },
        {
            "id": "r-hr-1",
            "name": "人社局机房",
            "department": "hr",
            "building": "b-gov1",
            "area_m2": 30,
            "monthly_cost": 8000,
        },
        {
            "id": "r-edu-1",
            "name": "教育局机房",
            "department": "edu",
            "building": "b-edu",
            "area_m2": 60,
            "monthly_cost": 15000,
        },
        {
            "id": "r-edu-2",
            "name": "考试中心机房",
            "department": "edu",
            "building": "b-edu",
            "area_m2": 15,
            "monthly_cost": 2000,
            "exception": "保密要求",
        },
        {
            "id": "r-land-1",
            "name": "自然资源局机房",
            "department": "land",
            "building": "b-gov1",
            "area_m2": 18,
            "monthly_cost": 3000,
        },
    ],
    "networks": [
        {"id": "n-extranet", "name": "电子政务外网", "kind": "extranet"},
        {
            "id": "n-fin-inet",
            "name": "财政局互联网专线",
            "kind": "internet_line",
            "department": "fin",
            "carrier": "中国联通",
            "monthly_fee": 3000,
            "contract_end": "2018-12-31",
        },
        {
            "id": "n-fin-private",
            "name": "财政业务专网",
            "kind": "private_network",
            "department": "fin",
            "monthly_fee": 8000,
            "contract_end": "2019-06-30",
        },
        {
            "id": "n-hr-inet",
            "name": "人社局互联网专线",
            "kind": "internet_line",
            "department": "hr",
            "monthly_fee": 2500,
            "contract_end": "2018-03-31",
        },
        {
            "id": "n-edu-inet",
            "name": "教育局互联网专线",
            "kind": "internet_line",
            "department": "edu",
            "monthly_fee": 2000,
        },
        {
            "id": "n-land-gold",
            "name": "金土工程专网",
            "kind": "national_network",
            "department": "land",
            "monthly_fee": 5000,
            "programme": "金土",
        },
        {
            "id": "n-land-private",
            "name": "国土资源业务专网",
            "kind": "private_network",
            "department": "land",
            "monthly_fee": 4000,
        },
    ],
    "systems": [
        _system(
            "fin-budget",
            "预算管理系统",
            "fin",
            networks=["n-fin-private"],
            depends_on=[{"system": "hr-core"}],
            sharing={"connected": True, "resources": [{"name": "财政供养人员信息", "type": "conditional"}]},
        ),
        _system(
            "fin-treasury",
            "国库集中支付系统",
            "fin",
            networks=["n-fin-private"],
            mlps_level=3,
            depends_on=[{"system": "fin-budget", "kind": "api"}],
        ),
        _system("fin-web", "财政局门户网站", "fin", "website", networks=["n-fin-inet"], public_facing=True),
        _system("fin-old", "旧版报账系统", "fin", status="maintenance_stopped", annual_om_cost=20000),
        _system(
            "hr-core",
            "人事核心系统",
            "hr",
            networks=["n-hr-inet"],
            sharing={
                "connected": True,
                "resources": [
                    {"name": "人口基础信息", "type": "unconditional", "basic": True},
                    {"name": "就业登记信息", "type": "conditional"},
                ],
            },
        ),
        _system(
            "hr-social",
            "社保查询服务",
            "hr",
            networks=["n-hr-inet"],
            public_facing=True,
            depends_on=[{"system": "hr-core"}],
        ),
        _system("hr-jinbao", "金保工程系统", "hr", programme="金保"),
        _system(
            "edu-enrol",
            "中小学招生报名系统",
            "edu",
            networks=["n-edu-inet"],
            public_facing=True,
            depends_on=[{"system": "hr-core", "kind": "auth"}],
        ),
        _system(
            "edu-asset",
            "教育装备管理系统",
            "edu",
            usage={"scope": "unit", "monthly_active_users": 3},
            annual_om_cost=15000,
        ),
        _system("edu-exam", "考试安全监控系统", "edu", mlps_level=4, room="r-edu-2"),
        _system(
            "land-gis",
            "国土空间地理信息系统",
            "land",
            networks=["n-land-private"],
            depends_on=[{"system": "fin-budget"}],
        ),
        _system("land-secret", "涉密测绘成果管理系统", "land", classified=True),
        _system("land-lan", "机房门禁系统", "land", "lan_only", room="r-land-1"),
    ],
    "assets": [
        {
            "id": "a-fin-srv1",
            "room": "r-fin-1",
            "kind": "server",
            "model": "浪潮 NF5280M5",
            "book_value": 52000,
            "purchased": "2016-05-01",
            "serves": ["fin-budget"],
        },
        {
            "id": "a-fin-srv2",
            "room": "r-fin-1",
            "kind": "server",
            "model": "联想 R520",
            "book_value": 8000,
            "purchased": "2011-03-01",
            "serves": ["fin-old"],
        },
        {
            "id": "a-fin-ups",
            "room": "r-fin-1",
            "kind": "ups",
            "model": "山特 C10K",
            "book_value": 20000,
            "purchased": "2014-06-01",
        },
        {
            "id": "a-fin-sw",
            "room": "r-fin-1",
            "kind": "software",
            "model": "数据库许可",
            "book_value": 30000,
            "purchased": "2016-05-01",
            "serves": ["fin-treasury"],
        },
        {
            "id": "a-fin-net",
            "room": "r-fin-1",
            "kind": "network",
            "model": "华为 S5720",
            "book_value": 12000,
            "purchased": "2016-01-01",
        },
        {
            "id": "a-hr-srv",
            "room": "r-hr-1",
            "kind": "server",
            "model": "华为 2288H",
            "book_value": 60000,
            "purchased": "2017-01-01",
            "serves": ["hr-core"],
        },
        {
            "id": "a-hr-stor",
            "room": "r-hr-1",
            "kind": "storage",
            "model": "华为 OceanStor",
            "book_value": 40000,
            "purchased": "2015-02-01",
        },
        {
            "id": "a-edu-srv",
            "room": "r-edu-1",
            "kind": "server",
            "model": "曙光 I620",
            "book_value": 5000,
            "purchased": "2012-09-01",
            "serves": ["edu-asset"],
        },
        {
            "id": "a-edu-cool",
            "room": "r-edu-1",
            "kind": "cooling",
            "model": "艾默生 精密空调",
            "book_value": 25000,
            "purchased": "2016-07-01",
        },
        {
            "id": "a-edu2-srv",
            "room": "r-edu-2",
            "kind": "server",
            "model": "浪潮 NF8480",
            "book_value": 45000,
            "purchased": "2017-03-01",
            "serves": ["edu-exam"],
        },
        {
            "id": "a-land-net",
            "room": "r-land-1",
            "kind": "network",
            "model": "H3C S5130",
            "book_value": 10000,
            "purchased": "2015-04-01",
        },
        {
            "id": "a-land-srv",
            "room": "r-land-1",
            "kind": "server",
            "model": "戴尔 R730",
            "book_value": 30000,
            "purchased": "2016-08-01",
            "serves": ["land-lan"],
        },
    ],
    "platforms": [
        {"id": "city-portal", "kind": "website", "name": "市政府门户网站群"},
        {"id": "city-exchange", "kind": "sharing", "name": "市数据共享交换平台"},
    ],
    "cloud": {
        "region": "fx-egov",
        "domains": {
            "public_service": {"vcpu": 4000, "ram_gb": 16000, "storage_gb": 800000, "mlps_level": 3},
            "administrative_service": {"vcpu": 6000, "ram_gb": 24000, "storage_gb": 1200000, "mlps_level": 3},
        },
    },
}


def _ps(
    sid: str,
    dept: str,
    disposition: str,
    *,
    domain: str | None = None,
    wave: int | None = None,
    rules: list[str],
    reasons: list[str],
    into: str | None = None,
    group: str | None = None,
    links: Sequence[str] = (),
    vcpu: int = 8,
    data_gb: float = 200,
    mlps: int = 2,
) -> dict[str, Any]:
    name = next(s["name"] for s in INVENTORY["systems"] if s["id"] == sid)
    return {
        "id": sid,
        "name": name,
        "department": dept,
        "disposition": disposition,
        "domain": domain,
        "wave": wave,
        "group": group,
        "into": into,
        "rules": rules,
        "reasons": reasons,
        "mlps_level": mlps,
        "sizing": {"vcpu": vcpu, "ram_gb": vcpu * 4, "storage_gb": 500, "data_gb": data_gb, "team_hours": 40},
        "links": [
            {"system": t, "kind": "data", "protocol": "tcp", "port": 5432, "boundary": "same_domain"}
            for t in links
        ],
    }


WAVES = [
    (0, "2018-03-01", "2018-03-31", True),
    (1, "2018-04-01", "2018-04-30", False),
    (2, "2018-05-01", "2018-05-31", False),
]

PLAN_SYSTEMS = [
    _ps(
        "fin-budget",
        "fin",
        "migrate",
        domain="administrative_service",
        wave=1,
        group="g-0001",
        links=["hr-core"],
        rules=["CLASS-1", "DOMAIN-1"],
        reasons=["由财政业务专网承载，迁入行政服务域"],
        vcpu=16,
        data_gb=500,
        mlps=3,
    ),
    _ps(
        "fin-treasury",
        "fin",
        "migrate",
        domain="administrative_service",
        wave=1,
        group="g-0001",
        links=["fin-budget"],
        rules=["CLASS-1", "DOMAIN-1"],
        reasons=["与预算管理系统同批迁移"],
        mlps=3,
    ),
    _ps(
        "fin-web",
        "fin",
        "merge",
        wave=0,
        into="city-portal",
        rules=["PLATFORM-1"],
        reasons=["并入市政府门户网站群"],
    ),
    _ps("fin-old", "fin", "retire", wave=0, rules=["ZOMBIE-4"], reasons=["运维已停止"]),
    _ps(
        "hr-core",
        "hr",
        "migrate",
        domain="administrative_service",
        wave=1,
        rules=["CLASS-1", "DOMAIN-1"],
        reasons=["内部业务系统"],
        vcpu=16,
        data_gb=800,
    ),
    _ps(
        "hr-social",
        "hr",
        "migrate",
        domain="public_service",
        wave=2,
        links=["hr-core"],
        rules=["CLASS-1", "DOMAIN-1"],
        reasons=["面向公众服务，迁入公共服务域"],
    ),
    _ps("hr-jinbao", "hr", "programme", rules=["SCOPE-3"], reasons=["金保工程按国家和省统一部署"]),
    _ps(
        "edu-enrol",
        "edu",
        "migrate",
        domain="public_service",
        wave=2,
        links=["hr-core"],
        rules=["CLASS-1", "DOMAIN-1"],
        reasons=["面向公众服务"],
    ),
    _ps("edu-asset", "edu", "retire", wave=2, rules=["ZOMBIE-5"], reasons=["使用范围小、频率低"]),
    _ps("edu-exam", "edu", "blocked", rules=["MLPS-1", "MLPS-2"], reasons=["四级系统需专用资源池"], mlps=4),
    _ps(
        "land-gis",
        "land",
        "migrate",
        domain="administrative_service",
        wave=2,
        links=["fin-budget"],
        rules=["CLASS-1", "DOMAIN-1"],
        reasons=["由国土资源业务专网承载"],
    ),
    _ps("land-secret", "land", "intranet", rules=["SCOPE-2"], reasons=["涉密系统迁入政务内网"]),
    _ps("land-lan", "land", "keep_local", rules=["ROOM-1"], reasons=["仅局域网使用"]),
]

PLAN_ROOMS = [
    {
        "id": "r-fin-1",
        "department": "fin",
        "outcome": "vacated",
        "wave": 1,
        "rules": ["ROOM-1"],
        "area_m2": 45,
        "monthly_cost": 12000,
    },
    {
        "id": "r-hr-1",
        "department": "hr",
        "outcome": "merged",
        "wave": 1,
        "shared_with": ["r-land-1"],
        "rules": ["ROOM-3"],
        "area_m2": 30,
        "monthly_cost": 8000,
    },
    {
        "id": "r-edu-1",
        "department": "edu",
        "outcome": "vacated",
        "wave": 2,
        "rules": ["ROOM-1"],
        "area_m2": 60,
        "monthly_cost": 15000,
    },
    {
        "id": "r-edu-2",
        "department": "edu",
        "outcome": "retained",
        "rules": ["ROOM-4"],
        "reasons": ["保密要求"],
        "area_m2": 15,
        "monthly_cost": 2000,
    },
    {
        "id": "r-land-1",
        "department": "land",
        "outcome": "retained",
        "rules": ["ROOM-2", "ROOM-3"],
        "area_m2": 18,
        "monthly_cost": 3000,
    },
]

PLAN_NETWORKS = [
    {"id": "n-extranet", "outcome": "kept", "rules": ["LINE-2"], "kind": "extranet"},
    {
        "id": "n-fin-inet",
        "outcome": "retired",
        "wave": 0,
        "monthly_fee": 3000,
        "rules": ["LINE-1", "LINE-4"],
        "kind": "internet_line",
        "department": "fin",
        "contract_end": "2018-12-31",
    },
    {
        "id": "n-fin-private",
        "outcome": "retired",
        "wave": 1,
        "monthly_fee": 8000,
        "rules": ["LINE-2"],
        "kind": "private_network",
        "department": "fin",
        "contract_end": "2019-06-30",
    },
    {
        "id": "n-hr-inet",
        "outcome": "retired",
        "wave": 2,
        "monthly_fee": 2500,
        "rules": ["LINE-1"],
        "kind": "internet_line",
        "department": "hr",
        "contract_end": "2018-03-31",
    },
    {
        "id": "n-edu-inet",
        "outcome": "retired",
        "wave": 2,
        "monthly_fee": 2000,
        "rules": ["LINE-1"],
        "kind": "internet_line",
        "department": "edu",
    },
    {
        "id": "n-land-gold",
        "outcome": "programme",
        "monthly_fee": 5000,
        "rules": ["LINE-3"],
        "kind": "national_network",
        "department": "land",
    },
    {
        "id": "n-land-private",
        "outcome": "retired",
        "wave": 2,
        "monthly_fee": 4000,
        "rules": ["LINE-2"],
        "kind": "private_network",
        "department": "land",
    },
]


def _wave(number: int, start: str, end: str, pilot: bool) -> dict[str, Any]:
    systems = [s for s in PLAN_SYSTEMS if s["wave"] == number]
    load = {
        "systems": len(systems),
        "vcpu": sum(s["sizing"]["vcpu"] for s in systems),
        "data_gb": sum(s["sizing"]["data_gb"] for s in systems),
        "team_hours": 40 * len(systems),
    }
    cap = (
        {"systems": 5, "vcpu": 64, "data_gb": 1000, "team_hours": 320}
        if pilot
        else {"systems": 25, "vcpu": 800, "data_gb": 30000, "team_hours": 2400}
    )
    return {
        "number": number,
        "start": start,
        "end": end,
        "pilot": pilot,
        "systems": [s["id"] for s in systems],
        "load": load,
        "capacity": cap,
    }


LINE_SAVINGS = 3000 + 8000 + 2500 + 2000 + 4000
ROOM_SAVINGS = 12000 + 8000 + 15000

PLAN: dict[str, Any] = {
    "format": 1,
    "inventory": {"city": "fx", "systems": len(INVENTORY["systems"]), "digest": "sha256:" + "0" * 64},
    "policy": {"name": "default", "digest": "sha256:" + "1" * 64},
    "systems": PLAN_SYSTEMS,
    "waves": [_wave(*w) for w in WAVES],
    "rooms": PLAN_ROOMS,
    "networks": PLAN_NETWORKS,
    "findings": [
        {
            "rule": "MLPS-2",
            "severity": "error",
            "subject": "edu-exam",
            "message": "四级系统需要专用资源池，暂缓迁移",
        },
        {"rule": "CLOUD-2", "severity": "error", "subject": "fx", "message": "上云率 88.9% 低于目标 98%"},
        {
            "rule": "FUND-1",
            "severity": "warning",
            "subject": "land-gis",
            "message": "跨部门交换数据但未接入共享平台",
        },
        {"rule": "INV-1", "severity": "warning", "subject": "edu-asset", "message": "缺少审批信息"},
        {"rule": "ROOM-4", "severity": "info", "subject": "r-edu-2", "message": "保密要求，保留独立机房"},
    ],
    "groups": [{"id": "g-0001", "systems": ["fin-budget", "fin-treasury"], "reason": "affinity"}],
    "metrics": {
        "cloud_rate": 8 / 9,
        "rooms_vacated": 3,
        "lines_retired": 5,
        "monthly_savings": LINE_SAVINGS + ROOM_SAVINGS,
        "stranded_cost": 129500,
        "waves": 3,
    },
}


@pytest.fixture(scope="session")
def city() -> Inventory:
    """The reporting tests' city: four departments, thirteen systems, five rooms."""
    return Inventory.model_validate(INVENTORY)


@pytest.fixture(scope="session")
def city_plan() -> Plan:
    """A hand-built plan of :func:`city` (three monthly waves, a pilot first)."""
    return Plan.model_validate(PLAN)


@pytest.fixture(scope="session")
def today() -> dt.date:
    """ "Today" for progress checks: after every wave of the plan."""
    return dt.date(2018, 7, 15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian chromium for the whole session (never a downloaded browser)."""
    if not CHROMIUM.exists():
        service_unavailable("Debian chromium is not installed (scripts/install-test-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
