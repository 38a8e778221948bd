"""Build the bundled sample city, 阜新市 (city id ``fx``), and write its YAML files and README.

Run from the repository root: ``.venv/bin/python -m inventory.sample._build_sample``.
The output is deterministic (fixed seed): re-running it rewrites the same bytes.

The body of every department comes from the shared engine of ``inventory.synth`` (same
catalogue, same shape as the synthetic generator); on top of it, ``SPECIAL`` adds the
deliberate cases, each with the rule it exercises. README.md lists them so planner tests can
rely on them.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from foundation.atomic import atomic_write_text
from inventory.models import Inventory
from inventory.synth import (
    CATALOGUE_BY_KEY,
    SHAPE,
    Builder,
    DeptPlan,
    add_hosts,
    depend,
    main_system_id,
)

SEED = 20180131
OUT = Path(__file__).resolve().parent
SAMPLE_SHAPE = replace(SHAPE, private_network=1.0, programme=1.0, room_exception=0.0)

REGIONS = (
    ("fx", "阜新市", "city", None),
    ("fx-zw", "彰武县", "county", "fx"),
    ("fx-fm", "阜新蒙古族自治县", "county", "fx"),
    ("fx-hz", "海州区", "district", "fx"),
    ("fx-tp", "太平区", "district", "fx"),
    ("fx-xq", "新邱区", "district", "fx"),
    ("fx-xh", "细河区", "district", "fx"),
    ("fx-qhm", "清河门区", "district", "fx"),
)

# (building id, name, region, [(department id, template key, systems, rooms)])
BUILDINGS: tuple[tuple[str, str, str, tuple[tuple[str, str, int, int], ...]], ...] = (
    (
        "b-gov1",
        "市政府综合办公楼",
        "fx",
        (
            ("gov", "zfb", 8, 2),
            ("drc", "fgw", 6, 1),
            ("fin", "czj", 11, 2),
            ("audit", "sjj", 5, 1),
            ("stats", "tjj", 6, 1),
            ("industry", "gxj", 5, 1),
            ("commerce", "swgj", 4, 1),
        ),
    ),
    (
        "b-gov2",
        "市政府第二办公楼",
        "fx",
        (
            ("civil", "mzj", 8, 1),
            ("edu", "jyj", 9, 2),
            ("culture", "wlj", 5, 1),
            ("veterans", "tyjrj", 3, 1),
            ("justice", "sfj", 6, 1),
        ),
    ),
    (
        "b-zwfw",
        "市政务服务中心",
        "fx",
        (
            ("service", "zwfw", 6, 1),
            ("data", "dsj", 10, 3),
            ("market", "scjgj", 9, 2),
            ("medins", "ybj", 6, 1),
        ),
    ),
    ("b-police", "市公安局指挥中心大楼", "fx", (("police", "gaj", 12, 3),)),
    ("b-hrss", "市人力资源市场大厦", "fx", (("hrss", "rsj", 11, 2),)),
    (
        "b-nr",
        "市自然资源大厦",
        "fx",
        (("nr", "zrj", 9, 2), ("forestry", "lyj", 4, 1), ("agri", "nyncj", 7, 1)),
    ),
    ("b-health", "市卫生健康服务中心", "fx", (("health", "wjw", 9, 2),)),
    (
        "b-cj",
        "市城建大厦",
        "fx",
        (
            ("housing", "zjj", 9, 2),
            ("urban", "cgj", 5, 1),
            ("transport", "jtj", 7, 1),
            ("water", "slj", 6, 1),
            ("env", "sthjj", 6, 1),
        ),
    ),
    ("b-tax", "国家税务总局阜新市税务局办公楼", "fx", (("tax", "swj", 7, 2),)),
    (
        "b-xf",
        "市民服务综合楼",
        "fx",
        (
            ("petition", "xfj", 5, 1),
            ("emergency", "yjj", 6, 1),
            ("facilities", "jgj", 4, 1),
            ("secrecy", "bmj", 3, 1),
        ),
    ),
    (
        "b-zw",
        "彰武县政府办公楼",
        "fx-zw",
        (("zw-gov", "zfb", 5, 1), ("zw-fin", "czj", 6, 1), ("zw-hrss", "rsj", 5, 1)),
    ),
    (
        "b-fm",
        "阜新蒙古族自治县政府办公楼",
        "fx-fm",
        (("fm-gov", "zfb", 5, 1), ("fm-fin", "czj", 5, 1), ("fm-civil", "mzj", 4, 1)),
    ),
    ("b-hz", "海州区行政中心", "fx-hz", (("hz-gov", "zfb", 5, 1), ("hz-service", "zwfw", 4, 1))),
    ("b-tp", "太平区政府办公楼", "fx-tp", (("tp-gov", "zfb", 4, 1), ("tp-fin", "czj", 4, 1))),
    ("b-xq", "新邱区政府办公楼", "fx-xq", (("xq-gov", "zfb", 4, 1),)),
    ("b-xh", "细河区政府办公楼", "fx-xh", (("xh-gov", "zfb", 4, 1), ("xh-civil", "mzj", 4, 1))),
    ("b-qhm", "清河门区政府办公楼", "fx-qhm", (("qhm-gov", "zfb", 3, 1),)),
)
REGION_NAMES = {r[0]: r[1] for r in REGIONS}


@dataclass
class Special:
    """A deliberate case: a system added on top of the generated body, and the rule it exercises."""

    id: str
    department: str
    name: str
    function: str
    rule: str
    note: str
    category: str = "business"
    set: dict[str, Any] = field(default_factory=dict)  # fields to override (usage merged)
    depends: tuple[tuple[str, str], ...] = ()  # (system, kind)
    room: int | None = 1  # index of the department's room, None = hosted elsewhere
    hosts: bool = False


OLD = dt.date(2016, 9, 12)  # long before the 2018-01-31 survey
S = Special
SPECIAL: tuple[Special, ...] = (
    # -- zombies, one kind each
    S(
        "fin-old-report",
        "fin",
        "财政旧版报表系统",
        "old_report",
        "ZOMBIE-1",
        "business_linked: false",
        set={"usage": {"business_linked": False, "last_used": dt.date(2017, 4, 20)}},
    ),
    S(
        "civil-dibao-v1",
        "civil",
        "城乡低保审批系统（一期）",
        "dibao_v1",
        "ZOMBIE-1",
        "business_linked: false",
        set={"usage": {"business_linked": False}},
    ),
    S(
        "hrss-job-fair",
        "hrss",
        "现场招聘会管理系统",
        "job_fair",
        "ZOMBIE-2",
        "replaced_by the main system hrss-social-insurance",
        set={"replaced_by": "hrss-social-insurance"},
    ),
    S(
        "edu-exam-old",
        "edu",
        "中考网上报名系统（旧版）",
        "exam_old",
        "ZOMBIE-2",
        "replaced_by edu-education",
        set={"replaced_by": "edu-education"},
    ),
    S(
        "stats-census-2010",
        "stats",
        "第六次人口普查数据处理系统",
        "census_2010",
        "ZOMBIE-3",
        "utilisation 0.01, status idle",
        set={"utilisation": 0.01, "status": "idle"},
    ),
    S(
        "env-noise",
        "env",
        "城市区域噪声监测系统",
        "noise",
        "ZOMBIE-3",
        "utilisation 0.03, status active",
        set={"utilisation": 0.03},
    ),
    S(
        "transport-taxi-gps-v1",
        "transport",
        "出租车GPS监控平台（旧）",
        "taxi_gps_v1",
        "ZOMBIE-4",
        "status maintenance_stopped",
        set={"status": "maintenance_stopped", "usage": {"last_used": dt.date(2017, 2, 8)}},
    ),
    S(
        "culture-relics-3d",
        "culture",
        "文物三维展示系统",
        "relics_3d",
        "ZOMBIE-4",
        "status maintenance_stopped",
        set={"status": "maintenance_stopped"},
    ),
    S(
        "agri-seed",
        "agri",
        "农作物种子管理系统",
        "seed",
        "ZOMBIE-5",
        "scope unit, 6 users, last used 2016-09-12",
        set={"usage": {"scope": "unit", "monthly_active_users": 6, "last_used": OLD}},
    ),
    S(
        "nr-survey-unit",
        "nr",
        "测绘地理信息科航测成果管理系统",
        "aerial",
        "ZOMBIE-5",
        "unit-named zombie: unit 测绘地理信息科, 3 users (zombie takes precedence over BIGSYS-1)",
        set={
            "unit": "测绘地理信息科",
            "usage": {"scope": "unit", "monthly_active_users": 3, "last_used": OLD},
        },
    ),
    # -- shadow pairs (same department + function, different usage)
    S(
        "market-food-trace",
        "market",
        "食品安全追溯平台",
        "food_trace",
        "SHADOW-1",
        "survivor of the pair (150 users)",
        set={"usage": {"monthly_active_users": 150}},
    ),
    S(
        "market-food-trace-2",
        "market",
        "食品安全追溯系统（食品安全科版）",
        "food_trace",
        "SHADOW-1",
        "shadow of market-food-trace (35 users): integrated into it",
        set={"usage": {"monthly_active_users": 35}},
    ),
    S(
        "health-vaccine-mgmt",
        "health",
        "预防接种信息管理系统",
        "vaccine_mgmt",
        "SHADOW-1",
        "survivor (160 users)",
        set={"usage": {"monthly_active_users": 160}},
    ),
    S(
        "health-vaccine-app",
        "health",
        "疫苗接种预约系统",
        "vaccine_mgmt",
        "SHADOW-1",
        "shadow of health-vaccine-mgmt (60 users)",
        set={"usage": {"monthly_active_users": 60}},
    ),
    # -- unit-named systems (BIGSYS-1)
    S(
        "fin-treasury-monitor",
        "fin",
        "国库科国库动态监控系统",
        "treasury_monitor",
        "BIGSYS-1",
        "unit 国库科 -> fin-budget",
        set={"unit": "国库科", "usage": {"scope": "unit", "monthly_active_users": 45}},
    ),
    S(
        "hrss-contract-filing",
        "hrss",
        "劳动关系科劳动合同备案系统",
        "contract_filing",
        "BIGSYS-1",
        "unit 劳动关系科 -> hrss-social-insurance",
        set={"unit": "劳动关系科", "usage": {"scope": "unit"}},
    ),
    S(
        "police-visa-booking",
        "police",
        "出入境管理科签注预约系统",
        "visa_booking",
        "BIGSYS-1",
        "unit 出入境管理科 -> police-policing",
        set={"unit": "出入境管理科", "usage": {"scope": "unit"}},
    ),
    S(
        "zw-fin-village",
        "zw-fin",
        "农业科村级财务监管系统",
        "village_finance",
        "BIGSYS-1",
        "county unit 农业科 -> zw-fin-budget",
        set={"unit": "农业科", "usage": {"scope": "unit"}},
    ),
    # -- platform copies (PLATFORM-1)
    S(
        "edu-portal",
        "edu",
        "市教育局门户网站",
        "website",
        "PLATFORM-1",
        "website -> city-portal",
        category="website",
        set={"public_facing": True, "networks": ["@inet"], "usage": {"scope": "public"}},
    ),
    S(
        "housing-oa",
        "housing",
        "市住建局办公自动化系统",
        "oa",
        "PLATFORM-1",
        "oa -> city-oa",
        category="oa",
        set={"networks": ["@extranet"]},
    ),
    S(
        "market-12315",
        "market",
        "12315消费者投诉举报热线系统",
        "hotline",
        "PLATFORM-1",
        "hotline -> city-12345",
        category="hotline",
        set={"public_facing": True, "networks": ["@inet"], "usage": {"scope": "public"}},
    ),
    S(
        "emergency-videoconf",
        "emergency",
        "应急视频会商系统",
        "videoconf",
        "PLATFORM-1",
        "video -> city-video",
        category="video",
        set={"networks": ["@extranet"]},
    ),
    S(
        "gov-mail",
        "gov",
        "市政府电子邮件系统",
        "email",
        "PLATFORM-1",
        "email -> city-email",
        category="email",
        set={"networks": ["@extranet"]},
    ),
    S(
        "data-im",
        "data",
        "政务即时通讯系统",
        "im",
        "PLATFORM-1",
        "im -> city-im",
        category="im",
        set={"networks": ["@extranet"]},
    ),
    # -- classified (SCOPE-2) and golden programmes (SCOPE-3)
    S(
        "secrecy-docs",
        "secrecy",
        "涉密公文处理系统",
        "secret_docs",
        "SCOPE-2",
        "classified, on the intranet",
        set={"classified": True, "networks": ["@intranet"], "mlps_level": 3},
    ),
    S(
        "police-intel",
        "police",
        "公安情报研判系统（涉密）",
        "intel",
        "SCOPE-2",
        "classified, on the 公安信息网 private network",
        set={"classified": True, "networks": ["@private"], "mlps_level": 3},
    ),
    S(
        "tax-golden-tax-invoice",
        "tax",
        "金税工程增值税发票管理新系统",
        "golden_invoice",
        "SCOPE-3 / LINE-3",
        "programme 金税 on the national network",
        set={"programme": "金税", "networks": ["@national"]},
    ),
    S(
        "fin-golden-finance-gl",
        "fin",
        "金财工程国库总账系统",
        "golden_gl",
        "SCOPE-3 / LINE-3",
        "programme 金财 on the national network",
        set={"programme": "金财", "networks": ["@national"]},
    ),
    # -- LAN-only (ROOM-1)
    S(
        "gov-lan-files",
        "gov",
        "市政府内部文件共享服务",
        "lan_files",
        "ROOM-1",
        "lan_only: stays in r-gov-1",
        category="lan_only",
        set={"networks": [], "mlps_level": 1},
    ),
    S(
        "police-lan-door",
        "police",
        "指挥中心门禁管理系统",
        "lan_door",
        "ROOM-1",
        "lan_only: stays in r-police-1",
        category="lan_only",
        set={"networks": [], "mlps_level": 1},
    ),
    # -- public-facing and domain precedence (DOMAIN-1)
    S(
        "service-online-hall",
        "service",
        "网上办事大厅",
        "online_hall",
        "DOMAIN-1",
        "public_facing on an internet line",
        set={
            "public_facing": True,
            "networks": ["@inet"],
            "usage": {"scope": "public", "monthly_active_users": 180},
        },
        hosts=True,
    ),
    S(
        "hrss-rights-query",
        "hrss",
        "社保个人权益查询系统",
        "rights_query",
        "DOMAIN-1",
        "public_facing but carried only by the 人社业务专网 private network: "
        "public_facing wins -> public_service",
        set={"public_facing": True, "networks": ["@private"], "usage": {"scope": "public"}},
    ),
    # -- MLPS-2 and INV-1
    S(
        "police-bigdata",
        "police",
        "公安大数据研判平台",
        "bigdata",
        "MLPS-2",
        "mlps_level 4, not classified: blocked unless a dedicated level-4 pool exists",
        set={"mlps_level": 4, "networks": ["@private"]},
        hosts=True,
    ),
    S(
        "agri-coop-survey",
        "agri",
        "农民专业合作社年报系统",
        "coop_report",
        "INV-1",
        "usage, approval, investment, mlps_level not surveyed",
        set={"usage": None, "approval": None, "investment": None, "mlps_level": None},
    ),
    S(
        "stats-price-survey",
        "stats",
        "价格调查数据处理系统",
        "price_survey",
        "INV-1",
        "funding, annual_om_cost, resources missing",
        set={"funding": None, "annual_om_cost": None, "resources": None},
    ),
    # -- a dependency chain across departments, through the sharing platform (SHARE-4 satisfied)
    S(
        "data-auth-center",
        "data",
        "统一身份认证中心",
        "auth_center",
        "chain",
        "end of chain",
        hosts=True,
        set={"sharing": {"connected": True}},
    ),
    S(
        "data-license-hub",
        "data",
        "电子证照汇聚系统",
        "license_hub",
        "chain",
        "-> data-auth-center",
        depends=(("data-auth-center", "auth"),),
        set={"sharing": {"connected": True}},
        hosts=True,
    ),
    S(
        "market-reg-review",
        "market",
        "企业登记审核系统",
        "reg_review",
        "chain / SHARE-4",
        "-> data-license-hub (other department, connected)",
        depends=(("data-license-hub", "data"),),
        set={"sharing": {"connected": True}},
        hosts=True,
    ),
    S(
        "market-license-archive",
        "market",
        "营业执照电子档案系统",
        "license_archive",
        "chain",
        "-> market-reg-review -> data-license-hub -> data-auth-center",
        depends=(("market-reg-review", "file"),),
        hosts=True,
    ),
    # -- a cycle inside one department, and one across two departments
    S(
        "housing-fund-collect",
        "housing",
        "住房公积金归集系统",
        "fund_collect",
        "cycle",
        "-> housing-fund-loan",
        depends=(("housing-fund-loan", "api"),),
    ),
    S(
        "housing-fund-loan",
        "housing",
        "住房公积金贷款系统",
        "fund_loan",
        "cycle",
        "-> housing-fund-account",
        depends=(("housing-fund-account", "api"),),
    ),
    S(
        "housing-fund-account",
        "housing",
        "住房公积金账户管理系统",
        "fund_account",
        "cycle",
        "-> housing-fund-collect (closes the cycle)",
        depends=(("housing-fund-collect", "data"),),
    ),
    S(
        "medins-settle-hub",
        "medins",
        "医保结算前置系统",
        "settle_hub",
        "cycle (2 departments) / SHARE-4",
        "-> health-his-gateway, connected",
        depends=(("health-his-gateway", "data"),),
        set={"sharing": {"connected": True}},
    ),
    S(
        "health-his-gateway",
        "health",
        "医院信息系统接入网关",
        "his_gateway",
        "cycle (2 departments) / SHARE-4",
        "-> medins-settle-hub (closes the cycle), connected",
        depends=(("medins-settle-hub", "data"),),
        set={"sharing": {"connected": True}},
    ),
    # -- cross-department exchange without the sharing platform (SHARE-4 / FUND-1 finding)
    S(
        "civil-relief-check",
        "civil",
        "低保家庭经济状况核对系统",
        "relief_check",
        "SHARE-4 / FUND-1",
        "reads hrss and tax data, NOT connected",
        depends=(("hrss-social-insurance", "data"), ("tax-tax", "data")),
        set={"sharing": {"connected": False}},
    ),
    S(
        "edu-aid-check",
        "edu",
        "学生资助对象核对系统",
        "aid_check",
        "SHARE-4",
        "reads civil data, connected",
        depends=(("civil-civil-affairs", "data"),),
        set={"sharing": {"connected": True}},
    ),
    # -- affinity group spanning three departments
    S(
        "nr-gis-base",
        "nr",
        "基础地理信息服务平台",
        "gis_base",
        "affinity",
        "affinity fx-gis",
        set={"affinity": "fx-gis"},
    ),
    S(
        "housing-gis",
        "housing",
        "城建地下管线地理信息系统",
        "pipe_gis",
        "affinity",
        "affinity fx-gis, -> nr-gis-base",
        depends=(("nr-gis-base", "api"),),
        set={"affinity": "fx-gis", "sharing": {"connected": True}},
    ),
    S(
        "urban-gis",
        "urban",
        "数字城管地理编码系统",
        "geo_coding",
        "affinity",
        "affinity fx-gis, -> nr-gis-base",
        depends=(("nr-gis-base", "api"),),
        set={"affinity": "fx-gis", "sharing": {"connected": True}},
    ),
)

# Rooms with a recorded ROOM-4 exception.
ROOM_EXCEPTIONS = {"r-police-1": "保密要求", "r-tax-1": "建筑布局"}


def build() -> tuple[dict[str, Any], list[Special]]:
    """The sample city as plain records (validated by the caller) and its deliberate cases."""
    rng = random.Random(SEED)
    b = Builder(rng, SAMPLE_SHAPE)
    b.regions = [{"id": i, "name": n, "level": lv, "parent": p} for i, n, lv, p in REGIONS]
    ext, intra = b.city_networks("fx", "阜新市")
    plans: dict[str, DeptPlan] = {}
    for bid, bname, region, depts in BUILDINGS:
        b.buildings.append({"id": bid, "name": bname, "region": region})
        for did, key, size, rooms in depts:
            t = CATALOGUE_BY_KEY[key]
            prefix = "市" if region == "fx" else REGION_NAMES[region]
            d = DeptPlan(
                id=did,
                name=f"{prefix}{t.name}",
                template=t,
                region=region,
                building=bid,
                size=size,
                county=region != "fx",
                rooms=rooms,
            )
            plans[did] = d
            b.department(d, ext, intra)
    for r in b.rooms:
        r["exception"] = ROOM_EXCEPTIONS.get(r["id"])

    by_id = {s["id"]: s for s in b.systems}
    nets = {(n["department"], n["kind"]): n["id"] for n in b.networks}
    for sp in SPECIAL:
        d = plans[sp.department]
        if sp.id in by_id:
            raise SystemExit(f"special case {sp.id} collides with a generated system")
        s = b.system(d, sp.id, sp.name, sp.function, sp.category, county=d.county)
        s["description"] = sp.note
        s["networks"] = [nets.get((d.id, "private_network"), ext)]
        for k, v in sp.set.items():
            if isinstance(v, dict) and isinstance(s.get(k), dict):
                s[k].update(v)
            else:
                s[k] = copy.deepcopy(v)
        s["networks"] = [_network_ref(n, d.id, nets, ext, intra) for n in s["networks"]]
        if sp.room is not None:
            s["room"] = f"r-{d.id}-{sp.room}"
        if sp.hosts:
            add_hosts(b, s)
        b.systems.append(s)
        by_id[s["id"]] = s
    for sp in SPECIAL:
        for target, kind in sp.depends:
            if target not in by_id:
                raise SystemExit(f"special case {sp.id} depends on unknown system {target}")
            depend(by_id[sp.id], target, kind)
    for sp in SPECIAL:  # their servers, in their rooms
        s = by_id[sp.id]
        if s["room"]:
            area = next(r["area_m2"] for r in b.rooms if r["id"] == s["room"])
            b.room_assets(s["room"], area, [s])
    records = b.records({"id": "fx", "name": "阜新市"}, cloud_region="fx-egov", headroom=1.5)
    return records, list(SPECIAL)


def _network_ref(ref: str, dept: str, nets: dict[tuple[str | None, str], str], ext: str, intra: str) -> str:
    """Resolve the @placeholders of SPECIAL to the department's actual networks."""
    kinds = {"@inet": "internet_line", "@private": "private_network", "@national": "national_network"}
    if ref == "@extranet":
        return ext
    if ref == "@intranet":
        return intra
    if ref in kinds:
        key = (dept, kinds[ref])
        if key not in nets:
            raise SystemExit(f"department {dept} has no {kinds[ref]} for a special case")
        return nets[key]
    return ref


# ---------------------------------------------------------------- writing


def _clean(v: Any) -> Any:
    """Plain YAML data: enums as values; None and empty lists left out (absent = not recorded)."""
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items() if x is not None and x != []}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, float) and v.is_integer():
        return int(v)  # 64 reads better than 64.0; the model turns it back into a float
    return v


def _dump(data: dict[str, Any]) -> str:
    head = "# 阜新市 sample inventory, generated by inventory/sample/_build_sample.py; do not edit by hand.\n"
    body = yaml.dump(
        data, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, default_flow_style=None, width=140
    )
    return head + body


def write(inv: Inventory, specials: list[Special], out: Path = OUT) -> None:
    def dump(kind: str) -> list[Any]:
        return [_clean(r.model_dump(mode="python")) for r in getattr(inv, kind)]

    city = {
        "version": inv.version,
        "city": _clean(inv.city.model_dump(mode="python")),
        "regions": dump("regions"),
        "buildings": dump("buildings"),
        "platforms": dump("platforms"),
        "cloud": _clean(inv.cloud.model_dump(mode="python")),
    }
    atomic_write_text(out / "city.yaml", _dump(city))
    for kind in ("departments", "rooms", "networks", "systems", "assets"):
        atomic_write_text(out / f"{kind}.yaml", _dump({kind: dump(kind)}))
    atomic_write_text(out / "README.md", readme(inv, specials))


def readme(inv: Inventory, specials: list[Special]) -> str:
    mains = [(d.name, main_system_id(d.id, CATALOGUE_BY_KEY[_template_key(d.id)])) for d in inv.departments]
    rows = "\n".join(f"| `{s.id}` | {s.department} | {s.name} | {s.rule} | {s.note} |" for s in specials)
    main_rows = "\n".join(f"| {n} | `{m}` |" for n, m in mains)
    by_kind: dict[str, int] = {}
    for s in inv.systems:
        by_kind[s.category.value] = by_kind.get(s.category.value, 0) + 1
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))
    return f"""# The bundled sample city: 阜新市 (`fx`)

The default inventory of `govcloud` (used when no path is given). A prefecture-level city
modelled on the Fuxin implementation plan (`../../../shared/seeds/000_*.txt` in the project
workspace) and the Zhoucun plan: the city and its 2 counties (彰武县, 阜新蒙古族自治县) and 5
districts (海州区, 太平区, 新邱区, 细河区, 清河门区).

Generated by `_build_sample.py` (fixed seed {SEED}); do not edit the YAML by hand, change
the builder and run `.venv/bin/python -m inventory.sample._build_sample`.

| | count |
|---|---|
| regions | {len(inv.regions)} |
| buildings | {len(inv.buildings)} |
| departments | {len(inv.departments)} |
| rooms | {len(inv.rooms)} |
| networks | {len(inv.networks)} |
| systems | {len(inv.systems)} ({kinds}) |
| assets | {len(inv.assets)} |

Survey date assumed: 2018-01-31 (the Zhoucun deadline). Zombie thresholds assumed by the
deliberate cases: "very low" utilisation < 0.05, "small" usage scope `unit` with fewer than 20
monthly users, "long unused" last use before 2017-07-31. Ordinary systems stay clear of every
threshold (utilisation >= 0.08, >= 20 monthly users, used in the last two months).

The body of each department is generated by the shared engine of `inventory/synth.py`, so it
also contains a few randomly placed cases of the same kinds; the deliberate ones below are
fixed and documented, planner tests may rely on them.

## Deliberate cases

| system | department | name | rule | what makes it so |
|---|---|---|---|---|
{rows}

Rooms: `r-police-1` carries the ROOM-4 exception 保密要求, `r-tax-1` the exception 建筑布局.
Several departments share each building (ROOM-3), e.g. `b-gov1` (gov, drc, fin, audit,
stats, industry, commerce); departments such as `data`, `police` have 3 rooms (ROOM-2).
No room records `racks` (capacity is then unlimited).

## Rooms per building, as the default policy plans them

Every department keeps its network access equipment and LAN-only systems in a retained room of
its building (ROOM-1, ROOM-3); rooms holding what cannot move stay; the other retained rooms are
chosen for the fewest ROOM-2 violations, then the lowest monthly cost. The bundled city ends
with these retained rooms (the others are vacated or merged; 43 relocations, 5 of them LAN-only
systems, are listed in `plan.json`):

| building | retained | vacated or merged |
|---|---|---|
| `b-cj` | r-water-1 (36 m²) | 5 |
| `b-fm` | r-fm-gov-1 (45 m²) | 2 |
| `b-gov1` | r-drc-1 (80 m²), r-fin-1 (36 m²), r-fin-2 (8 m², the shared room) | 6 |
| `b-gov2` | r-edu-2 (15 m²) | 5 |
| `b-health` | r-health-2 (15 m²) | 1 |
| `b-hrss` | r-hrss-1 (45 m²) | 1 |
| `b-hz` | r-hz-gov-1 (36 m²) | 1 |
| `b-nr` | r-agri-1 (60 m²) | 3 |
| `b-police` | r-police-1 (30 m², ROOM-4 保密要求) | 2 |
| `b-qhm` | r-qhm-gov-1 (60 m²) | 0 |
| `b-tax` | r-tax-1 (120 m², ROOM-4 建筑布局) | 1 |
| `b-tp` | r-tp-fin-1 (45 m²) | 1 |
| `b-xf` | r-emergency-1 (120 m²), r-secrecy-1 (120 m²) | 2 |
| `b-xh` | r-xh-civil-1 (45 m²) | 1 |
| `b-xq` | r-xq-gov-1 (36 m²) | 0 |
| `b-zw` | r-zw-fin-1 (120 m²), r-zw-hrss-1 (120 m²) | 1 |
| `b-zwfw` | r-market-2 (8 m², the shared room) | 6 |

16 ROOM-2 errors remain (19 before rooms were decided per building); none has a compliant
arrangement:

- `r-agri-1`, `r-drc-1`, `r-fin-1`, `r-water-1`, `r-zw-fin-1`, `r-zw-hrss-1`: above 20 m²
  and holding a golden-programme system the city cannot move (SCOPE-3: agri-golden-agri,
  drc-golden-macro, fin-golden-finance-gl, water-golden-water, zw-fin-golden-finance,
  zw-hrss-golden-insurance); resolved when the programme moves it, or by a ROOM-4 exception.
- `r-fm-gov-1`, `r-hrss-1`, `r-secrecy-1`: above 20 m² and holding a classified system
  (SCOPE-2: fm-gov-secret-db, hrss-secret-db, secrecy-docs) that stays until the intranet's
  own deployment.
- `r-emergency-1`: 120 m², holding emergency-golden-safety (programme) and
  emergency-secret-office (classified).
- `fin`: retains two rooms, r-fin-1 and r-fin-2, each holding a 金财 programme system.
- `r-qhm-gov-1`, `r-xq-gov-1`: the only room of its building, above 20 m².
- `r-hz-gov-1`, `r-tp-fin-1`, `r-xh-civil-1`: every room of the building is above 20 m²; the
  cheapest is kept for all its departments; a room of at most 20 m² or a ROOM-4 exception
  (建筑布局) would resolve it.

## Dependencies across clean-up

`urban-mobile` depends on the zombie `urban-parks` (ZOMBIE-2, replaced by `urban-urban`):
its link is carried over to `urban-urban`. `agri-cooperatives` and `housing-archives` depend
on systems that merge (BIGSYS-1): carried over to the merge targets. Three randomly generated
dependants lose a dependency to a zombie with no replacement, each a DEP-1 error naming both
systems: `gov-archives-g` → `gov-disclosure`, `petition-tracking` → `petition-online`,
`service-trading` → `service-queue`.

## Cut-over (CUT-1)

With the default 400 Mb/s migration bandwidth, 128 of the 179 migrating systems cut over
`cold`, 49 need a `warm` pre-seed to fit their window and 2 a `database` replica; no CUT-1
error remains.

Networks: every department with a private network in its catalogue entry leases it
(`n-<dept>-private`, LINE-2); golden-programme departments lease `n-<dept>-golden-*`
(national_network, LINE-3); public-facing departments lease `n-<dept>-inet` (LINE-1, LINE-4);
the city-wide `n-fx-extranet` and `n-fx-intranet` are free of charge.

## Main system of each department (BIGSYS-1 target; function = the core business, most used)

| department | main system |
|---|---|
{main_rows}
"""


def _template_key(dept_id: str) -> str:
    for _bid, _bn, _r, depts in BUILDINGS:
        for did, key, _size, _rooms in depts:
            if did == dept_id:
                return key
    raise KeyError(dept_id)


def main() -> None:
    records, specials = build()
    inv = Inventory.model_validate(records)
    write(inv, specials)
    counts = f"{len(inv.departments)} departments, {len(inv.systems)} systems, {len(inv.assets)} assets"
    print(f"wrote {OUT}: {counts}")


if __name__ == "__main__":
    main()
