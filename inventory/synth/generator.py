"""Synthetic inventories: a province-scale survey with the statistical shape of the sample city.

``synthesize(n_systems, seed)`` builds a valid :class:`Inventory` of exactly *n_systems*
systems, deterministically per seed: cities with their counties/districts, departments of
3..30 systems in shared buildings, 1..3 machine rooms per department, internet lines,
private networks and golden-programme networks, assets, and dependency graphs with local
cycles (inside a department and, now and then, across neighbouring departments).

The per-department engine (:class:`Builder`) is shared with the bundled sample city builder
(``inventory/sample/_build_sample.py``), and so is the catalogue it draws from
(``inventory.synth.catalogue``), so the sample and synthetic inventories have the same shape.
Writing an inventory to YAML is ``inventory.synth.writer``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from inventory.models import ENTITY_MODELS, FORMAT_VERSION, Inventory
from inventory.synth.catalogue import (
    APPROVERS_CITY,
    APPROVERS_COUNTY,
    CARRIERS,
    CATALOGUE,
    CATALOGUE_BY_KEY,
    CLASSIFIED_SYSTEMS,
    COOLING_MODELS,
    COUNTY_KEYS,
    COUNTY_STEMS,
    GENERIC_SYSTEMS,
    LAN_SYSTEMS,
    LEGAL_BASIS,
    NETWORK_MODELS,
    OS_NAMES,
    PLATFORM_SYSTEMS,
    PROVINCE_CITIES,
    SECURITY_MODELS,
    SERVER_MODELS,
    SOFTWARE_MODELS,
    STORAGE_MODELS,
    UPS_MODELS,
    DeptTemplate,
    default_platforms,
    programme_slug,
)

ProgressCallback = Callable[[str, float], None]

# The survey date of the bundled policy (Zhoucun: survey done 2018-01-31); "recent" and
# "long unused" below are relative to it.
SURVEY_DATE = dt.date(2018, 1, 31)

# ---------------------------------------------------------------- shape


@dataclass(frozen=True)
class Shape:
    """Probabilities that give an inventory its statistical shape (sample and synthetic alike)."""

    dept_size: tuple[int, int, int] = (3, 30, 8)  # min, max, mode of systems per department
    zombie: float = 0.11  # a non-main system is a zombie (split evenly over ZOMBIE-1..5)
    shadow: float = 0.06  # a business system duplicates an earlier one's function (SHADOW-1)
    unit_named: float = 0.12  # a business system is built in a unit's name (BIGSYS-1)
    lan_only: float = 0.25  # per department: a LAN-only system stays in the room (ROOM-1)
    classified: float = 0.08  # per department: a classified system (SCOPE-2)
    programme: float = 0.6  # a programme department runs a golden-programme system (per department)
    platform: dict[str, float] = field(
        default_factory=lambda: {
            "website": 0.55,
            "oa": 0.45,
            "hotline": 0.12,
            "videoconf": 0.18,
            "cctv": 0.10,
            "email": 0.08,
            "im": 0.04,
        }
    )
    missing_survey: float = 0.03  # some survey fields not recorded (INV-1)
    level4: float = 0.004  # MLPS level 4 (MLPS-2)
    public_facing: float = 0.12  # a business system of a public department serves the public
    no_room: float = 0.12  # already hosted elsewhere
    internet_line: float = 0.7  # a department leases its own internet line
    private_network: float = 0.8  # a department whose template names a private network leases it
    depends_on_main: float = 0.45
    chain: float = 0.25  # a system depends on the one listed before it
    local_cycle: float = 0.15  # per department with enough business systems
    cross_dependency: float = 0.15  # per department: one system reads a neighbour's main system
    cross_connected: float = 0.7  # ... and is connected to the sharing platform (SHARE-4)
    cross_cycle: float = 0.03  # per department: main systems of neighbours depend on each other
    affinity: float = 0.05  # per department: a declared co-migration group
    hosts: float = 0.3  # a business system has surveyed SSH hosts
    room_exception: float = 0.03  # per room: ROOM-4 exception recorded


SHAPE = Shape()
_VALIDATE_CHUNK = 5000
ZOMBIE_KINDS = (1, 2, 3, 4, 5)


# ---------------------------------------------------------------- engine


@dataclass
class DeptPlan:
    """What the engine needs to know about one department before generating it."""

    id: str
    name: str
    template: DeptTemplate
    region: str
    building: str
    size: int
    county: bool = False
    rooms: int = 1


@dataclass
class Builder:
    """Accumulates plain records (dicts) for one inventory; validated once at the end."""

    rng: random.Random
    shape: Shape = SHAPE
    regions: list[dict[str, Any]] = field(default_factory=list)
    buildings: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    rooms: list[dict[str, Any]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    systems: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    _host_counter: int = 0
    _asset_counter: int = 0

    # -- small random helpers

    def records(self, city: dict[str, str], *, cloud_region: str, headroom: float = 1.4) -> dict[str, Any]:
        """The whole inventory as plain records, in the order of the format."""
        return {
            "version": FORMAT_VERSION,
            "city": city,
            "regions": self.regions,
            "buildings": self.buildings,
            "departments": self.departments,
            "rooms": self.rooms,
            "networks": self.networks,
            "systems": self.systems,
            "assets": self.assets,
            "platforms": default_platforms(),
            "cloud": {"region": cloud_region, "domains": cloud_domains_for(self.systems, headroom=headroom)},
        }

    def date_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randint(0, (b - a).days))

    def recent(self) -> dt.date:
        return self.date_between(dt.date(2017, 12, 1), dt.date(2018, 1, 30))

    def long_ago(self) -> dt.date:
        return self.date_between(dt.date(2015, 6, 1), dt.date(2017, 6, 30))

    def next_host(self) -> str:
        self._host_counter += 1
        c = self._host_counter
        return f"10.{16 + (c >> 16) % 200}.{(c >> 8) & 255}.{(c & 255) or 1}"

    def next_asset_id(self) -> str:
        self._asset_counter += 1
        return f"a-{self._asset_counter:06d}"

    # -- networks
    def city_networks(self, stem: str, region_name: str) -> tuple[str, str]:
        """The city-wide extranet and intranet of one city (department None)."""
        ext, intra = f"n-{stem}-extranet", f"n-{stem}-intranet"
        self.networks.append(
            {
                "id": ext,
                "name": f"{region_name}电子政务外网",
                "kind": "extranet",
                "department": None,
                "carrier": "中国联通",
                "bandwidth_mbps": 1000,
                "monthly_fee": 0,
            }
        )
        self.networks.append(
            {
                "id": intra,
                "name": f"{region_name}电子政务内网",
                "kind": "intranet",
                "department": None,
                "carrier": "中国电信",
                "bandwidth_mbps": 1000,
                "monthly_fee": 0,
            }
        )
        return ext, intra

    def department_networks(self, d: DeptPlan) -> dict[str, str]:
        """Lines the department pays for: internet line, private network, programme network."""
        rng, t, out = self.rng, d.template, {}
        if rng.random() < self.shape.internet_line or t.public:
            nid = f"n-{d.id}-inet"
            bw = rng.choice((20, 50, 100, 100, 200))
            self.networks.append(
                {
                    "id": nid,
                    "name": f"{d.name}互联网专线",
                    "kind": "internet_line",
                    "department": d.id,
                    "carrier": rng.choice(CARRIERS),
                    "bandwidth_mbps": bw,
                    "monthly_fee": int(bw * rng.uniform(25, 45)) // 100 * 100 + 800,
                    "contract_end": self.date_between(dt.date(2018, 3, 31), dt.date(2020, 12, 31)),
                }
            )
            out["internet_line"] = nid
        if t.private and rng.random() < self.shape.private_network:
            nid = f"n-{d.id}-private"
            self.networks.append(
                {
                    "id": nid,
                    "name": f"{d.name}{t.private}",
                    "kind": "private_network",
                    "department": d.id,
                    "carrier": rng.choice(CARRIERS),
                    "bandwidth_mbps": rng.choice((10, 20, 50, 100)),
                    "monthly_fee": rng.randrange(2000, 18000, 500),
                    "contract_end": self.date_between(dt.date(2018, 6, 30), dt.date(2021, 6, 30)),
                }
            )
            out["private_network"] = nid
        if t.programme:
            nid = f"n-{d.id}-{programme_slug(t.programme)}"
            self.networks.append(
                {
                    "id": nid,
                    "name": f"{t.programme}工程专网（{d.name}）",
                    "kind": "national_network",
                    "department": d.id,
                    "carrier": rng.choice(CARRIERS),
                    "bandwidth_mbps": rng.choice((4, 10, 20)),
                    "monthly_fee": rng.randrange(1500, 9000, 500),
                    "programme": t.programme,
                }
            )
            out["national_network"] = nid
        return out

    # -- rooms and assets
    def department_rooms(self, d: DeptPlan) -> list[str]:
        rng, ids = self.rng, []
        for i in range(d.rooms):
            rid = f"r-{d.id}-{i + 1}"
            area = rng.choice((30, 36, 45, 60, 80, 120)) if i == 0 else rng.choice((8, 10, 12, 15, 18, 25))
            label = "机房" if i == 0 else rng.choice(("第二机房", "弱电间", "配线间", "备份机房"))
            exception = None
            if rng.random() < self.shape.room_exception:
                exception = rng.choice(("保密要求", "建筑布局"))
            self.rooms.append(
                {
                    "id": rid,
                    "name": f"{d.name}{label}",
                    "department": d.id,
                    "building": d.building,
                    "area_m2": area,
                    "monthly_cost": int(area * rng.uniform(160, 320)) // 10 * 10,
                    "exception": exception,
                }
            )
            ids.append(rid)
        return ids

    def room_assets(self, room_id: str, area: float, systems: Sequence[dict[str, Any]]) -> None:
        """Equipment of one room: access network and security kit, power, cooling, servers per system."""
        rng = self.rng

        def add(kind: str, model: str, value: int, serves: list[str] | None = None) -> None:
            rec: dict[str, Any] = {
                "id": self.next_asset_id(),
                "room": room_id,
                "kind": kind,
                "model": model,
                "book_value": value,
                "purchased": self.date_between(dt.date(2009, 1, 1), dt.date(2017, 10, 31)),
            }
            if serves:
                rec["serves"] = serves
            self.assets.append(rec)

        add("network", rng.choice(NETWORK_MODELS), rng.randrange(3000, 30000, 500))
        add("security", rng.choice(SECURITY_MODELS), rng.randrange(15000, 90000, 1000))
        if area >= 15:
            add("ups", rng.choice(UPS_MODELS), rng.randrange(8000, 60000, 1000))
        if area >= 25:
            add("cooling", rng.choice(COOLING_MODELS), rng.randrange(30000, 120000, 1000))
        for s in systems:
            res = s.get("resources") or {}
            for _ in range(min(3, max(1, int(res.get("servers", 1))))):
                add("server", rng.choice(SERVER_MODELS), rng.randrange(4000, 65000, 500), [s["id"]])
            if (res.get("storage_gb") or 0) > 8000:
                add("storage", rng.choice(STORAGE_MODELS), rng.randrange(60000, 300000, 5000), [s["id"]])
            if rng.random() < 0.15:
                add("software", rng.choice(SOFTWARE_MODELS), rng.randrange(5000, 120000, 1000), [s["id"]])

    # -- systems
    def system(
        self,
        d: DeptPlan,
        sid: str,
        name: str,
        fn: str,
        category: str,
        *,
        main: bool = False,
        county: bool = False,
    ) -> dict[str, Any]:
        """An ordinary, healthy, fully surveyed system; special cases are applied on top."""
        rng = self.rng
        big = main or rng.random() < 0.15
        vcpu = rng.choice((16, 24, 32, 48, 64)) if big else rng.choice((2, 4, 4, 8, 8, 12, 16))
        storage = (
            rng.choice((2000, 4000, 8000, 12000, 20000))
            if big
            else rng.choice((100, 200, 500, 800, 1000, 2000))
        )
        investment = (
            rng.randrange(800_000, 6_000_000, 50_000) if big else rng.randrange(50_000, 900_000, 10_000)
        )
        scope = (
            "cross_department"
            if main
            else rng.choice(("department", "department", "cross_department", "unit"))
        )
        # The main system is the most used of its department (BIGSYS-1 integrates into it).
        users = rng.randint(200, 3000) if main else rng.randint(25, 180)
        approved = self.date_between(dt.date(2008, 1, 1), dt.date(2017, 6, 30))
        return {
            "id": sid,
            "name": name,
            "department": d.id,
            "unit": None,
            "function": fn,
            "category": category,
            "description": None,
            "classified": False,
            "mlps_level": 3 if main else rng.choice((2, 2, 2, 3)),
            "networks": [],
            "public_facing": False,
            "programme": None,
            "status": "active",
            "usage": {
                "scope": scope,
                "monthly_active_users": users,
                "last_used": self.recent(),
                "business_linked": True,
            },
            "replaced_by": None,
            "approval": {
                "authority": rng.choice(APPROVERS_COUNTY if county else APPROVERS_CITY),
                "date": approved,
            },
            "funding": rng.choices(("fiscal", "self", "co_built", "purchased_service"), (70, 8, 7, 15))[0],
            "investment": investment,
            "annual_om_cost": int(investment * rng.uniform(0.06, 0.15)) // 1000 * 1000,
            "resources": {
                "vcpu": vcpu,
                "ram_gb": vcpu * rng.choice((2, 4)),
                "storage_gb": storage,
                "servers": max(1, vcpu // 16),
            },
            "utilisation": round(rng.uniform(0.08, 0.7), 2),
            "data_gb": int(storage * rng.uniform(0.1, 0.6)),
            "downtime_hours": rng.choice((2, 4, 8, 8, 24, 48)),
            "room": None,
            "hosts": [],
            "depends_on": [],
            "sharing": {"connected": False, "resources": []},
            "affinity": None,
        }

    def department(self, d: DeptPlan, ext: str, intra: str) -> list[dict[str, Any]]:
        """Generate one department: its networks, rooms, systems (size d.size), assets."""
        rng, shape, t = self.rng, self.shape, d.template
        self.departments.append(
            {"id": d.id, "name": d.name, "region": d.region, "building": d.building, "units": list(t.units)}
        )
        nets = self.department_networks(d)
        rooms = self.department_rooms(d)
        business_net = nets.get("private_network", ext)
        main = self.system(d, main_system_id(d.id, t), t.main, t.core, "business", main=True, county=d.county)
        main["description"] = f"{d.name}核心业务，整合各科室业务应用"
        main["networks"] = [business_net]
        if t.shares:
            main["sharing"] = {
                "connected": True,
                "resources": [
                    {
                        "name": n,
                        "type": "unconditional"
                        if basic
                        else rng.choice(("conditional", "conditional", "none")),
                        "basic": basic,
                        "legal_basis": None,
                    }
                    for n, basic in t.shares
                ],
            }
            for r in main["sharing"]["resources"]:
                if r["type"] == "none":
                    r["legal_basis"] = rng.choice(LEGAL_BASIS)
        out = [main]
        used_ids = {main["id"]}

        def new_id(fn: str) -> str:
            sid, k = f"{d.id}-{fn}", 2
            while sid in used_ids:
                sid, k = f"{d.id}-{fn}-{k}", k + 1
            used_ids.add(sid)
            return sid

        def add(name: str, fn: str, category: str) -> dict[str, Any]:
            s = self.system(d, new_id(fn.replace("_", "-")), name, fn, category, county=d.county)
            out.append(s)
            return s

        # Slots beyond the main system: platform copies, programme, classified, LAN-only, business.
        slots = d.size - 1
        plan: list[tuple[str, str, str]] = []
        for category, fn, label in PLATFORM_SYSTEMS:
            if rng.random() < shape.platform[fn]:
                plan.append((category, fn, label))
        if t.programme and t.programme_systems and rng.random() < shape.programme:
            plan.append(("programme", "programme", rng.choice(t.programme_systems)))
        if rng.random() < shape.classified:
            plan.append(("classified", *rng.choice(CLASSIFIED_SYSTEMS)))
        if rng.random() < shape.lan_only:
            plan.append(("lan_only", *rng.choice(LAN_SYSTEMS)))
        rng.shuffle(plan)
        plan = plan[: max(0, slots - 1)] if slots > 1 else []  # keep at least one business slot when possible
        business_names = list(t.systems) + list(rng.sample(GENERIC_SYSTEMS, len(GENERIC_SYSTEMS)))
        while len(plan) < slots:
            fn, name = business_names[(len(plan)) % len(business_names)]
            plan.append(("business", fn, name))

        business: list[dict[str, Any]] = [main]
        for category, fn, label in plan:
            if category in ("website", "oa", "hotline", "video", "email", "im"):
                s = add(f"{d.name}{label}", fn, category)
                s["usage"]["scope"] = "public" if category in ("website", "hotline") else "department"
                s["mlps_level"] = 2
                if category in ("website", "hotline"):
                    s["public_facing"] = True
                    s["networks"] = [nets.get("internet_line", ext)]
                else:
                    s["networks"] = [ext]
            elif category == "programme":
                s = add(label, f"{programme_slug(t.programme or '')}", "business")
                s["programme"] = t.programme
                s["networks"] = [nets["national_network"]] if "national_network" in nets else [business_net]
                s["description"] = f"{t.programme}工程垂直部署，由上级部门统一建设"
                s["usage"]["scope"] = "cross_department"
            elif category == "classified":
                s = add(label, fn, "business")
                s["classified"] = True
                s["networks"] = [intra]
                s["mlps_level"] = 3
            elif category == "lan_only":
                s = add(f"{label}", fn, "lan_only")
                s["networks"] = []
                s["usage"]["scope"] = "department"
                s["mlps_level"] = 1
            else:
                if rng.random() < shape.shadow and len(business) > 1:
                    # SHADOW-1: a second, less-used set-up of an existing function.
                    orig = rng.choice(business[1:])
                    s = add(
                        f"{orig['name']}（{rng.choice(('二期', '移动版', '备用版', '科室版'))}）",
                        orig["function"],
                        "business",
                    )
                    s["usage"]["monthly_active_users"] = max(20, orig["usage"]["monthly_active_users"] // 4)
                    s["description"] = f"与{orig['name']}功能重复"
                else:
                    s = add(label, fn, "business")
                    if rng.random() < shape.unit_named:
                        s["unit"] = rng.choice(t.units)
                        s["name"] = f"{s['unit']}{label}"
                        s["usage"]["scope"] = "unit"
                s["networks"] = [business_net]
                if t.public and rng.random() < shape.public_facing * 2:
                    s["public_facing"] = True
                    s["usage"]["scope"] = "public"
                    if "internet_line" in nets:
                        s["networks"] = [business_net, nets["internet_line"]]
                business.append(s)

        # Zombies, incomplete surveys, level 4: modifiers on non-main systems.
        for s in out[1:]:
            if s["programme"] or s["classified"]:
                continue
            r = rng.random()
            if r < shape.zombie:
                make_zombie(self, s, ZOMBIE_KINDS[int(r / shape.zombie * 5)], replacement=main["id"])
            elif r < shape.zombie + shape.missing_survey:
                drop_survey(s, rng)
            elif r < shape.zombie + shape.missing_survey + shape.level4 and s["category"] == "business":
                s["mlps_level"] = 4
        self.place_in_rooms(d, out, rooms)
        self.wire_department(d, out, business)
        for s in business:
            if rng.random() < shape.hosts:
                add_hosts(self, s)
        self.systems.extend(out)
        return out

    def place_in_rooms(self, d: DeptPlan, systems: list[dict[str, Any]], rooms: list[str]) -> None:
        rng = self.rng
        for s in systems:
            if s["category"] != "lan_only" and rng.random() < self.shape.no_room:
                continue
            s["room"] = rooms[0] if len(rooms) == 1 or rng.random() < 0.6 else rng.choice(rooms[1:])
        area = {r["id"]: r["area_m2"] for r in self.rooms[-len(rooms) :]}
        for rid in rooms:
            self.room_assets(rid, area[rid], [s for s in systems if s["room"] == rid])

    def wire_department(
        self, d: DeptPlan, systems: list[dict[str, Any]], business: list[dict[str, Any]]
    ) -> None:
        """Dependencies inside the department: on the main system, chains, and a local cycle."""
        rng, shape, main = self.rng, self.shape, systems[0]
        prev: dict[str, Any] | None = None
        for s in business[1:]:
            if rng.random() < shape.depends_on_main:
                depend(s, main["id"], rng.choice(("data", "data", "api", "auth")))
            if prev is not None and rng.random() < shape.chain:
                depend(s, prev["id"], rng.choice(("data", "api", "file")))
            prev = s
        if len(business) >= 4 and rng.random() < shape.local_cycle:
            ring = rng.sample(business[1:], 3 if len(business) > 4 and rng.random() < 0.5 else 2)
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                depend(a, b["id"], "api")
        if rng.random() < shape.affinity and len(business) >= 3:
            for s in rng.sample(business, 2):
                s["affinity"] = f"{d.id}-together"


def main_system_id(dept_id: str, t: DeptTemplate) -> str:
    """ID of a department's main ("big") system, whose function tag is the core business."""
    return f"{dept_id}-{t.core.replace('_', '-')}"


def depend(s: dict[str, Any], target: str, kind: str) -> None:
    """Add a dependency unless the system already has one on *target* (or it is itself)."""
    if target != s["id"] and all(x["system"] != target for x in s["depends_on"]):
        s["depends_on"].append({"system": target, "kind": kind})


def add_hosts(b: Builder, s: dict[str, Any]) -> None:
    """Surveyed SSH hosts of a system (documentation only; never contacted by the generator)."""
    servers = (s.get("resources") or {}).get("servers", 1)
    os_name = b.rng.choice(OS_NAMES[:4])
    s["hosts"] = [
        {
            "address": b.next_host(),
            "port": 22,
            "user": "migrate",
            "role": "app",
            "os": os_name,
            "data_dirs": ["/opt/app/data"],
        }
    ]
    if servers > 1:
        s["hosts"].append(
            {
                "address": b.next_host(),
                "port": 22,
                "user": "migrate",
                "role": "db",
                "os": os_name,
                "data_dirs": ["/var/lib/pgsql/data"],
            }
        )


def make_zombie(b: Builder, s: dict[str, Any], kind: int, *, replacement: str) -> None:
    """Turn *s* into a zombie showing exactly ZOMBIE-<kind> (and none of the other signals)."""
    u = s["usage"]
    if kind == 1:
        u["business_linked"] = False
        u["last_used"] = b.date_between(dt.date(2017, 3, 1), dt.date(2017, 10, 31))
        s["description"] = "业务流程调整后已与实际业务脱节"
    elif kind == 2:
        s["replaced_by"] = replacement
        s["description"] = "功能已被新系统覆盖"
    elif kind == 3:
        s["utilisation"] = round(b.rng.uniform(0.005, 0.04), 3)
        s["status"] = b.rng.choice(("idle", "active"))
        s["description"] = "资源长期空闲"
    elif kind == 4:
        s["status"] = "maintenance_stopped"
        u["last_used"] = b.long_ago()
        s["description"] = "运维合同到期后停止更新服务"
    else:
        u["scope"] = "unit"
        u["monthly_active_users"] = b.rng.randint(1, 12)
        u["last_used"] = b.long_ago()
        s["description"] = "使用范围小、频度低"


def drop_survey(s: dict[str, Any], rng: random.Random) -> None:
    """Leave some survey fields unrecorded (INV-1): loading succeeds, the planner warns."""
    for f in rng.sample(
        ("approval", "funding", "investment", "annual_om_cost", "resources", "mlps_level"), 2
    ):
        s[f] = None


# ---------------------------------------------------------------- province


REGION_DEPTS = 30  # departments per region before a new county/district is opened


def _dept_sizes(rng: random.Random, n: int, shape: Shape) -> list[int]:
    """Split *n* systems into departments of shape.dept_size[0..1] systems."""
    lo, hi, mode = shape.dept_size
    if n < lo:
        raise ValueError(f"need at least {lo} systems (one department), got {n}")
    sizes, left = [], n
    while left:
        size = left if left <= hi else min(int(rng.triangular(lo, hi, mode)), left - lo)
        sizes.append(size)
        left -= size
    return sizes


def synthesize(
    n_systems: int, seed: int, *, progress: ProgressCallback | None = None, shape: Shape = SHAPE
) -> Inventory:
    """A valid province-scale inventory of exactly *n_systems* systems, the same for the same seed."""
    records = synthesize_records(n_systems, seed, progress=progress, shape=shape)
    # Validate entity lists chunk by chunk, dropping each chunk's dicts as soon as its models
    # exist, so the peak holds one representation of the inventory, not two.
    total = sum(len(records[k]) for k in ENTITY_MODELS) or 1
    done = 0
    for kind, model in ENTITY_MODELS.items():
        adapter: TypeAdapter[list[Any]] = TypeAdapter(list[model])  # type: ignore[valid-type]
        recs, models = records[kind], []
        for start in range(0, len(recs), _VALIDATE_CHUNK):
            end = min(start + _VALIDATE_CHUNK, len(recs))
            models.extend(adapter.validate_python(recs[start:end]))
            recs[start:end] = [None] * (end - start)
            done += end - start
            if progress:
                progress("validate", done / total)
        records[kind] = models
    return Inventory.model_validate(records)


def synthesize_records(
    n_systems: int, seed: int, *, progress: ProgressCallback | None = None, shape: Shape = SHAPE
) -> dict[str, Any]:
    """The synthetic inventory as plain records (what :func:`synthesize` validates)."""
    rng = random.Random(seed)
    b = Builder(rng, shape)
    sizes = _dept_sizes(rng, n_systems, shape)
    n_depts = len(sizes)
    width = max(4, len(str(n_depts)))
    city_ext: tuple[str, str] = ("", "")
    region_id, region_name, region_keys, building_id, county = "", "", list(COUNTY_KEYS), "", False
    city_region = ""
    in_region, in_building, regions_made, city_idx = REGION_DEPTS, 0, 0, -1
    previous_main: dict[str, Any] | None = None
    report_every = max(1, n_depts // 100)
    for i, size in enumerate(sizes):
        if in_region >= min(REGION_DEPTS, len(region_keys)):
            # Open a region: every 8th region is a city (with its networks), the others its counties.
            county = regions_made % 8 != 0
            if not county:
                city_idx += 1
                base = PROVINCE_CITIES[city_idx % len(PROVINCE_CITIES)]
                round_ = city_idx // len(PROVINCE_CITIES)
                region_name = base if round_ == 0 else f"{base[:-1]}{round_ + 1}市"
                city_region = region_id = f"c{city_idx + 1:03d}"
                b.regions.append({"id": region_id, "name": region_name, "level": "city", "parent": None})
                city_ext = b.city_networks(region_id, region_name)
                region_keys = [t.key for t in CATALOGUE]
            else:
                stem = COUNTY_STEMS[regions_made % len(COUNTY_STEMS)]
                level = "county" if rng.random() < 0.5 else "district"
                region_id = f"{city_region}-{regions_made % 8:d}"
                region_name = f"{stem}{'县' if level == 'county' else '区'}"
                b.regions.append(
                    {"id": region_id, "name": region_name, "level": level, "parent": city_region}
                )
                region_keys = list(COUNTY_KEYS)
            regions_made += 1
            in_region, in_building = 0, 99
            tail = region_keys[1:]
            rng.shuffle(tail)  # the government office first, the rest in any order
            region_keys[1:] = tail
        if in_building >= rng.choice((3, 4, 5, 6)):
            building_id = f"b-{region_id}-{len(b.buildings) + 1}"
            label = rng.choice(("综合办公楼", "行政中心", "办公大楼", "政务服务大楼", "机关办公楼"))
            b.buildings.append(
                {
                    "id": building_id,
                    "name": f"{region_name}{label}{len(b.buildings) + 1}号",
                    "region": region_id,
                }
            )
            in_building = 0
        t = CATALOGUE_BY_KEY[region_keys[in_region]]
        prefix = "市" if not county else region_name
        d = DeptPlan(
            id=f"d{i + 1:0{width}d}",
            name=f"{prefix}{t.name}",
            template=t,
            region=region_id,
            building=building_id,
            size=size,
            county=county,
            rooms=rng.choices((1, 2, 3), (60, 30, 10))[0],
        )
        systems = b.department(d, *city_ext)
        main = systems[0]
        # Neighbouring departments exchange data; some through the sharing platform, some not.
        if previous_main is not None:
            if rng.random() < shape.cross_dependency:
                consumer = rng.choice(systems)
                depend(consumer, previous_main["id"], "data")
                consumer["sharing"]["connected"] = rng.random() < shape.cross_connected
            if rng.random() < shape.cross_cycle:
                depend(main, previous_main["id"], "data")
                depend(previous_main, main["id"], "data")
                main["sharing"]["connected"] = previous_main["sharing"]["connected"] = True
        previous_main = main
        in_region += 1
        in_building += 1
        if progress and i % report_every == 0:
            progress("synthesize", i / n_depts)
    if progress:
        progress("synthesize", 1.0)
    return b.records({"id": "syn", "name": "辽宁省（合成样本）"}, cloud_region="syn-egov")


def cloud_domains_for(systems: Iterable[dict[str, Any]], headroom: float = 1.4) -> dict[str, Any]:
    """Cloud domains big enough for every system that could go up, with *headroom* to spare."""
    tot = {"public_service": [0, 0.0, 0.0], "administrative_service": [0, 0.0, 0.0]}
    for s in systems:
        res = s.get("resources")
        if not res:
            continue
        # DOMAIN-1 in its order (the generator names networks by kind: -inet, -private, -extranet).
        nets = s["networks"]
        public = (
            s["public_facing"]
            or any(n.endswith("-inet") for n in nets)
            or (
                not any(n.endswith("-private") for n in nets) and any(n.endswith("-extranet") for n in nets)
            )
        )
        t = tot["public_service" if public else "administrative_service"]
        t[0] += res["vcpu"]
        t[1] += res["ram_gb"]
        t[2] += res["storage_gb"]

    def rounded(x: float, step: int) -> int:
        return int(math.ceil(x * headroom / step) * step) or step

    return {
        name: {
            "vcpu": rounded(v[0], 100),
            "ram_gb": rounded(v[1], 500),
            "storage_gb": rounded(v[2], 10000),
            "mlps_level": 3,
        }
        for name, v in tot.items()
    }


def dangling_references(inv: Inventory) -> list[str]:
    """Every reference of *inv* that names no record (an independent check of generated data)."""
    ids = {kind: {r.id for r in getattr(inv, kind)} for kind in ENTITY_MODELS}
    units = {d.id: set(d.units) for d in inv.departments}
    bad: list[str] = []

    def need(kind: str, ref: str | None, where: str) -> None:
        if ref is not None and ref not in ids[kind]:
            bad.append(f"{where}: unknown {kind[:-1]} {ref!r}")

    for r in inv.regions:
        need("regions", r.parent, f"region {r.id}")
    for b in inv.buildings:
        need("regions", b.region, f"building {b.id}")
    for d in inv.departments:
        need("regions", d.region, f"department {d.id}")
        need("buildings", d.building, f"department {d.id}")
    for rm in inv.rooms:
        need("departments", rm.department, f"room {rm.id}")
        need("buildings", rm.building, f"room {rm.id}")
    for n in inv.networks:
        need("departments", n.department, f"network {n.id}")
    for s in inv.systems:
        where = f"system {s.id}"
        need("departments", s.department, where)
        need("rooms", s.room, where)
        need("systems", s.replaced_by, where)
        for nid in s.networks:
            need("networks", nid, where)
        for dep in s.depends_on:
            need("systems", dep.system, where)
        if s.unit is not None and s.unit not in units.get(s.department, set()):
            bad.append(f"{where}: unit {s.unit!r} is not a unit of {s.department}")
    for a in inv.assets:
        need("rooms", a.room, f"asset {a.id}")
        for sid in a.serves:
            need("systems", sid, f"asset {a.id}")
    return bad
