"""Synthetic inventories: a province-scale survey with the statistical shape of the sample city.

``synthesize(n_systems, seed)`` builds a valid :class:`Inventory` of exactly *n_systems*
systems, deterministically per seed: cities with their counties/districts, departments of
3..30 systems in shared buildings, 1..3 machine rooms per department, internet lines,
private networks and golden-programme networks, assets, and dependency graphs with local
cycles (inside a department and, now and then, across neighbouring departments).
``write_inventory(inv, out_dir)`` writes it as one YAML file per entity kind (systems in
chunks), one flow-style record per line: this loads several times faster than block style
with the C loader and keeps every record on its own line for error messages.

The department catalogue here (names, units, systems, programmes) is shared with the
bundled sample city builder (``inventory/sample/_build_sample.py``), and so is the
per-department engine, so the sample and synthetic inventories have the same shape.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from foundation.atomic import atomic_open
from inventory.models import ENTITY_MODELS, FORMAT_VERSION, Inventory

ProgressCallback = Callable[[str, float], None]

# The survey date of the bundled policy (Zhoucun: survey done 2018-01-31); "recent" and
# "long unused" below are relative to it.
SURVEY_DATE = dt.date(2018, 1, 31)

# ---------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class DeptTemplate:
    """A kind of department (委办局) with its units, core business and typical systems."""

    key: str  # short id stem: czj, gaj, ...
    name: str  # name without the region prefix: 财政局
    core: str  # function tag of the core business; the main system carries it (BIGSYS-1)
    main: str  # name of the main ("big") system
    units: tuple[str, ...]
    systems: tuple[tuple[str, str], ...]  # (function tag, system name) of ordinary business systems
    programme: str | None = None  # golden programme the department takes part in (SCOPE-3)
    programme_systems: tuple[str, ...] = ()
    private: str | None = None  # name of the department's business private network, if any
    shares: tuple[tuple[str, bool], ...] = ()  # (data resource, basic information resource?)
    public: bool = False  # the department serves the public directly (window services)


T = DeptTemplate
CATALOGUE: tuple[DeptTemplate, ...] = (
    T(
        "czj",
        "财政局",
        "budget",
        "财政业务一体化平台",
        ("预算科", "国库科", "综合科", "行政政法科", "农业科"),
        (
            ("treasury", "国库集中支付系统"),
            ("assets", "行政事业单位资产管理系统"),
            ("procurement", "政府采购管理系统"),
            ("payroll", "财政统发工资系统"),
            ("nontax", "非税收入收缴管理系统"),
            ("debt", "政府债务管理系统"),
            ("subsidy", "惠民惠农补贴一卡通系统"),
        ),
        "金财",
        ("金财工程预算执行系统", "金财工程总账系统"),
        "财政业务专网",
        (("财政供养人员信息", False), ("政府采购项目信息", False)),
    ),
    T(
        "gaj",
        "公安局",
        "policing",
        "公安综合业务平台",
        ("治安支队", "交警支队", "刑侦支队", "户政科", "出入境管理科", "指挥中心"),
        (
            ("population", "常住人口信息管理系统"),
            ("traffic", "交通违法处理系统"),
            ("cases", "警务综合案件系统"),
            ("exit", "出入境证件受理系统"),
            ("checkpoint", "治安卡口监控系统"),
            ("dispatch", "110接处警系统"),
        ),
        "金盾",
        ("金盾工程公安信息网应用", "全国违法犯罪人员信息系统"),
        "公安信息网",
        (("人口基础信息", True), ("机动车驾驶人信息", False)),
        True,
    ),
    T(
        "rsj",
        "人社局",
        "social_insurance",
        "人社业务经办平台",
        ("社保科", "就业科", "劳动关系科", "人才科", "医疗保险科"),
        (
            ("employment", "就业创业服务系统"),
            ("labour", "劳动保障监察系统"),
            ("talent", "人才档案管理系统"),
            ("pension", "养老保险待遇发放系统"),
            ("card", "社会保障卡管理系统"),
            ("wage", "农民工工资支付监控系统"),
        ),
        "金保",
        ("金保工程社会保险核心系统", "金保工程就业失业登记系统"),
        "人社业务专网",
        (("社会保险参保信息", False), ("就业失业登记信息", False)),
        True,
    ),
    T(
        "zrj",
        "自然资源局",
        "land",
        "自然资源一张图平台",
        ("国土空间规划科", "不动产登记中心", "耕地保护科", "矿产资源科", "测绘地理信息科"),
        (
            ("realestate", "不动产登记系统"),
            ("planning", "国土空间规划管理系统"),
            ("mining", "矿业权管理系统"),
            ("survey", "基础测绘成果管理系统"),
            ("farmland", "耕地保护监测系统"),
            ("gis", "地理信息公共服务平台"),
        ),
        "金土",
        ("金土工程土地利用动态监管系统",),
        None,
        (("自然资源和空间地理信息", True), ("不动产登记信息", False)),
        True,
    ),
    T(
        "wjw",
        "卫健委",
        "health",
        "全民健康信息平台",
        ("医政科", "疾病预防控制科", "妇幼健康科", "基层卫生科", "卫生监督所"),
        (
            ("hospital", "医疗机构管理系统"),
            ("epidemic", "传染病疫情报告系统"),
            ("maternal", "妇幼保健信息系统"),
            ("vaccine", "预防接种管理系统"),
            ("records", "居民电子健康档案系统"),
            ("supervision", "卫生监督执法系统"),
        ),
        None,
        (),
        "卫生专网",
        (("居民健康档案信息", False), ("出生医学证明信息", True)),
        True,
    ),
    T(
        "jyj",
        "教育局",
        "education",
        "教育管理公共服务平台",
        ("基础教育科", "职业教育科", "招生考试办公室", "学生资助中心", "督导室"),
        (
            ("enrolment", "中小学学籍管理系统"),
            ("exam", "招生考试报名系统"),
            ("aid", "学生资助管理系统"),
            ("teachers", "教师管理信息系统"),
            ("resources", "教育资源公共服务平台"),
            ("safety", "校园安全监控系统"),
        ),
        None,
        (),
        "教育城域网",
        (("学籍信息", False), ("教育机构信息", True)),
        True,
    ),
    T(
        "mzj",
        "民政局",
        "civil_affairs",
        "民政业务综合平台",
        ("社会救助科", "婚姻登记处", "社会组织管理科", "养老服务科", "区划地名科"),
        (
            ("relief", "城乡低保管理系统"),
            ("marriage", "婚姻登记管理系统"),
            ("orgs", "社会组织管理系统"),
            ("elderly", "养老服务信息系统"),
            ("placenames", "地名信息管理系统"),
            ("funeral", "殡葬管理系统"),
        ),
        None,
        (),
        None,
        (("低保救助对象信息", False), ("婚姻登记信息", False)),
        True,
    ),
    T(
        "scjgj",
        "市场监管局",
        "market",
        "市场监管综合业务平台",
        ("登记注册科", "食品安全科", "质量监督科", "特种设备科", "价格监督检查科"),
        (
            ("registration", "企业登记注册系统"),
            ("food", "食品安全追溯系统"),
            ("equipment", "特种设备安全监察系统"),
            ("credit", "企业信用信息公示系统"),
            ("complaints", "消费者投诉举报系统"),
            ("metrology", "计量器具检定管理系统"),
        ),
        "金质",
        ("金质工程产品质量监督系统",),
        None,
        (("法人单位基础信息", True), ("行政处罚信息", False)),
        True,
    ),
    T(
        "sthjj",
        "生态环境局",
        "environment",
        "生态环境监管平台",
        ("环境监测站", "环评科", "执法支队", "污染防治科"),
        (
            ("air", "空气质量自动监测系统"),
            ("eia", "建设项目环评审批系统"),
            ("pollution", "污染源在线监控系统"),
            ("permits", "排污许可管理系统"),
            ("radiation", "辐射安全监管系统"),
        ),
        None,
        (),
        None,
        (("重点排污单位信息", False),),
    ),
    T(
        "zjj",
        "住建局",
        "construction",
        "住房城乡建设综合监管平台",
        ("建筑市场科", "房地产管理科", "城建档案馆", "燃气供热科", "质安站"),
        (
            ("projects", "建设工程项目审批系统"),
            ("housing", "房产交易网签备案系统"),
            ("archives", "城建档案管理系统"),
            ("heating", "供热监管系统"),
            ("quality", "工程质量安全监督系统"),
            ("fund", "住房公积金管理系统"),
        ),
        None,
        (),
        None,
        (("房屋交易备案信息", False),),
        True,
    ),
    T(
        "jtj",
        "交通局",
        "transport",
        "交通运输综合管理平台",
        ("运输管理处", "公路管理处", "客运管理科", "路政科"),
        (
            ("freight", "道路运输管理系统"),
            ("roads", "公路养护管理系统"),
            ("taxi", "出租车监管系统"),
            ("bus", "公交智能调度系统"),
            ("overload", "超限超载检测系统"),
        ),
        None,
        (),
        "交通运输专网",
        (("道路运输经营许可信息", False),),
    ),
    T(
        "slj",
        "水务局",
        "water",
        "水利水务综合平台",
        ("水资源科", "防汛抗旱办公室", "河长制办公室", "农村水利科"),
        (
            ("flood", "防汛抗旱指挥系统"),
            ("resources", "水资源监控系统"),
            ("rivers", "河长制信息管理系统"),
            ("irrigation", "灌区信息化管理系统"),
        ),
        "金水",
        ("金水工程国家防汛抗旱指挥系统",),
        None,
        (("水资源监测信息", False),),
    ),
    T(
        "nyncj",
        "农业农村局",
        "agriculture",
        "农业农村大数据平台",
        ("种植业科", "畜牧兽医科", "农村经营管理科", "农机推广站"),
        (
            ("livestock", "动物防疫监管系统"),
            ("land_rights", "农村土地承包经营权确权系统"),
            ("machinery", "农机购置补贴系统"),
            ("quality", "农产品质量安全追溯系统"),
            ("cooperatives", "农民专业合作社管理系统"),
        ),
        "金农",
        ("金农工程农业监测预警系统",),
        None,
        (("农村土地承包信息", False),),
    ),
    T(
        "swj",
        "税务局",
        "tax",
        "税收征管综合平台",
        ("征收管理科", "纳税服务科", "税政科", "稽查局"),
        (
            ("invoice", "增值税发票管理系统"),
            ("service", "纳税服务平台"),
            ("audit_tax", "税务稽查管理系统"),
            ("social_fee", "社保费征收系统"),
        ),
        "金税",
        ("金税三期核心征管系统", "金税工程防伪税控系统"),
        None,
        (("纳税人登记信息", True),),
        True,
    ),
    T(
        "xfj",
        "信访局",
        "petitions",
        "信访信息系统",
        ("来访接待科", "督查督办科", "网上信访科"),
        (("online", "网上信访受理系统"), ("tracking", "信访事项督办系统"), ("video_visit", "视频接访系统")),
        None,
        (),
        None,
        (),
        True,
    ),
    T(
        "tjj",
        "统计局",
        "statistics",
        "统计联网直报平台",
        ("综合科", "国民经济核算科", "普查中心", "调查队"),
        (
            ("census", "经济普查数据处理系统"),
            ("survey_data", "住户调查数据处理系统"),
            ("database", "统计数据库管理系统"),
            ("release", "统计信息发布系统"),
        ),
        None,
        (),
        "统计专网",
        (("主要经济指标", False),),
    ),
    T(
        "sjj",
        "审计局",
        "audit",
        "审计管理系统",
        ("财政审计科", "经济责任审计科", "固定资产投资审计科"),
        (("online_audit", "联网审计系统"), ("field", "现场审计实施系统"), ("archives", "审计档案管理系统")),
        "金审",
        ("金审工程审计数据中心",),
        None,
        (),
    ),
    T(
        "yjj",
        "应急局",
        "emergency",
        "应急指挥综合平台",
        ("应急指挥中心", "安全生产监管科", "防灾减灾科", "危化品监管科"),
        (
            ("safety", "安全生产监管执法系统"),
            ("hazmat", "危险化学品监管系统"),
            ("disaster", "自然灾害监测预警系统"),
            ("resources", "应急物资储备管理系统"),
        ),
        "金安",
        ("金安工程安全生产信息系统",),
        None,
        (("安全生产许可信息", False),),
    ),
    T(
        "ybj",
        "医保局",
        "medical_insurance",
        "医疗保障信息平台",
        ("待遇保障科", "基金监管科", "医药服务管理科"),
        (
            ("settlement", "医保结算系统"),
            ("fund_audit", "医保基金智能监控系统"),
            ("designated", "定点医药机构管理系统"),
            ("remote", "异地就医结算系统"),
        ),
        None,
        (),
        "医保专网",
        (("参保人员医保信息", False),),
        True,
    ),
    T(
        "dsj",
        "大数据局",
        "egov",
        "电子政务云管理平台",
        ("数据资源科", "政务服务科", "网络安全科", "信息中心"),
        (
            ("catalogue", "政务信息资源目录系统"),
            ("approval_hall", "网上政务服务大厅"),
            ("certs", "电子证照库"),
            ("identity", "统一身份认证系统"),
            ("opendata", "公共数据开放平台"),
            ("credit", "社会信用信息平台"),
            ("security_ops", "网络安全态势感知平台"),
        ),
        None,
        (),
        None,
        (("电子证照信息", True), ("社会信用信息", False)),
        True,
    ),
    T(
        "fgw",
        "发改委",
        "development",
        "投资项目在线审批监管平台",
        ("投资科", "价格科", "信用建设科", "经济运行科"),
        (("prices", "价格监测系统"), ("projects_db", "重点项目库管理系统"), ("energy", "节能监察管理系统")),
        "金宏",
        ("金宏工程宏观经济数据库",),
        None,
        (("投资项目审批信息", False),),
    ),
    T(
        "gxj",
        "工信局",
        "industry",
        "工业经济运行监测平台",
        ("运行监测科", "中小企业科", "信息化推进科"),
        (("sme", "中小企业服务平台"), ("energy_use", "重点用能单位监测系统"), ("radio", "无线电监测系统")),
        None,
        (),
        None,
        (),
    ),
    T(
        "sfj",
        "司法局",
        "justice",
        "司法行政综合管理平台",
        ("法律援助中心", "社区矫正科", "公证处", "人民调解科"),
        (
            ("legal_aid", "法律援助管理系统"),
            ("correction", "社区矫正管理系统"),
            ("notary", "公证管理系统"),
            ("mediation", "人民调解管理系统"),
        ),
        None,
        (),
        "司法行政专网",
        (),
        True,
    ),
    T(
        "wlj",
        "文旅局",
        "culture",
        "文化旅游公共服务平台",
        ("文物科", "旅游市场科", "图书馆", "文化馆"),
        (
            ("tourism", "智慧旅游服务平台"),
            ("relics", "文物保护管理系统"),
            ("library", "数字图书馆系统"),
            ("market_c", "文化市场综合执法系统"),
        ),
        None,
        (),
        None,
        (),
        True,
    ),
    T(
        "swgj",
        "商务局",
        "commerce",
        "商务运行监测平台",
        ("外贸科", "市场运行科", "招商服务中心"),
        (
            ("trade", "对外贸易管理系统"),
            ("investment", "招商引资项目管理系统"),
            ("ecommerce", "电子商务公共服务平台"),
        ),
        None,
        (),
        None,
        (),
    ),
    T(
        "tyjrj",
        "退役军人局",
        "veterans",
        "退役军人信息管理平台",
        ("优抚科", "移交安置科", "褒扬纪念科"),
        (("pension_v", "优抚对象抚恤金发放系统"), ("placement", "退役士兵安置管理系统")),
        None,
        (),
        None,
        (),
        True,
    ),
    T(
        "lyj",
        "林草局",
        "forestry",
        "林业资源监管平台",
        ("森林防火办公室", "资源管理科", "防沙治沙站"),
        (("fire", "森林防火监测系统"), ("forest_res", "林地一张图管理系统"), ("desert", "防沙治沙监测系统")),
        None,
        (),
        None,
        (),
    ),
    T(
        "cgj",
        "城管局",
        "urban",
        "数字化城市管理平台",
        ("市容环卫科", "执法支队", "园林科"),
        (
            ("sanitation", "环卫作业监管系统"),
            ("enforcement", "城管执法办案系统"),
            ("parks", "园林绿化管理系统"),
        ),
        None,
        (),
        None,
        (),
        True,
    ),
    T(
        "zfb",
        "政府办",
        "government",
        "政务协同督查平台",
        ("秘书科", "督查室", "综合科", "政务公开办"),
        (
            ("supervise", "督查督办系统"),
            ("meetings", "会议管理系统"),
            ("disclosure", "政府信息公开系统"),
            ("archives_g", "电子档案管理系统"),
        ),
        None,
        (),
        None,
        (("政府信息公开目录", False),),
        True,
    ),
    T(
        "zwfw",
        "政务服务中心",
        "service_hall",
        "政务服务综合受理平台",
        ("综合受理科", "投资审批科", "公共资源交易中心"),
        (("queue", "排队叫号系统"), ("trading", "公共资源交易系统"), ("evaluation", "政务服务好差评系统")),
        None,
        (),
        None,
        (("办件信息", False),),
        True,
    ),
    T(
        "bmj",
        "国家保密局",
        "secrecy",
        "保密综合管理系统",
        ("保密技术科", "保密检查科"),
        (("checks", "保密检查管理系统"), ("media", "涉密载体管理系统")),
        None,
        (),
        None,
        (),
    ),
    T(
        "jgj",
        "机关事务局",
        "facilities",
        "机关事务综合管理平台",
        ("公务用车科", "资产管理科", "节能科"),
        (("cars", "公务用车管理系统"), ("canteen", "机关食堂管理系统"), ("energy_p", "公共机构节能监测系统")),
        None,
        (),
        None,
        (),
    ),
)
CATALOGUE_BY_KEY: dict[str, DeptTemplate] = {t.key: t for t in CATALOGUE}

# Department kinds every county/district has, most common first.
COUNTY_KEYS: tuple[str, ...] = (
    "zfb",
    "czj",
    "rsj",
    "mzj",
    "jyj",
    "wjw",
    "zrj",
    "gaj",
    "scjgj",
    "nyncj",
    "zjj",
    "swj",
    "ybj",
    "yjj",
    "zwfw",
    "slj",
    "sthjj",
    "tjj",
    "sjj",
    "jtj",
    "sfj",
    "wlj",
    "xfj",
    "lyj",
    "cgj",
)

# Systems any department may run besides its own business (function tag, name).
GENERIC_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("archive", "档案管理系统"),
    ("reports", "统计报表系统"),
    ("permits_g", "行政审批系统"),
    ("map", "业务地理信息系统"),
    ("contracts", "合同管理系统"),
    ("fixed_assets", "固定资产管理系统"),
    ("kpi", "绩效考核系统"),
    ("warehouse", "数据仓库"),
    ("mobile", "移动办公APP"),
    ("training", "网络培训系统"),
    ("finance_g", "财务核算系统"),
    ("hr_g", "人事管理系统"),
    ("docs", "公文交换系统"),
    ("law", "行政执法监督系统"),
    ("letters", "意见征集系统"),
)

# Departmental copies of what PLATFORM-1 centralises: (category, function tag, name).
PLATFORM_SYSTEMS: tuple[tuple[str, str, str], ...] = (
    ("website", "website", "门户网站"),
    ("oa", "oa", "办公自动化系统"),
    ("hotline", "hotline", "服务热线系统"),
    ("video", "videoconf", "视频会议系统"),
    ("video", "cctv", "视频监控系统"),
    ("email", "email", "电子邮件系统"),
    ("im", "im", "即时通讯系统"),
)
LAN_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("lan_files", "内部文件共享服务"),
    ("lan_print", "打印管理服务器"),
    ("lan_av", "终端杀毒管理服务器"),
    ("lan_attendance", "门禁考勤系统"),
    ("lan_domain", "内网域控服务器"),
)
CLASSIFIED_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("secret_docs", "涉密公文处理系统"),
    ("secret_office", "涉密办公系统"),
    ("secret_db", "涉密数据管理系统"),
)

CARRIERS = ("中国联通", "中国电信", "中国移动")
SERVER_MODELS = (
    "浪潮 NF5280M5",
    "浪潮 NF5270M4",
    "华为 RH2288H V3",
    "华为 FusionServer 2288H V5",
    "联想 ThinkSystem SR650",
    "曙光 I620-G20",
    "戴尔 PowerEdge R730",
    "新华三 UniServer R4900 G3",
)
STORAGE_MODELS = ("华为 OceanStor 5300 V3", "浪潮 AS5300G2", "宏杉 MS3000", "联想 DE4000H")
NETWORK_MODELS = ("华为 S5720-28X-SI", "华三 S5130-28S-EI", "锐捷 RG-S5750", "华为 AR2220 路由器")
SECURITY_MODELS = (
    "天融信 NGFW4000",
    "深信服 AF-1000",
    "启明星辰 天清汉马 USG",
    "绿盟 NIPS",
    "奇安信 网神 SecGate 3600",
)
UPS_MODELS = ("山特 C10KS", "艾默生 UL33-0200L", "科华 YTR3110")
COOLING_MODELS = ("艾默生 Liebert PEX 精密空调", "佳力图 ME 精密空调", "海悟 机房专用空调")
SOFTWARE_MODELS = (
    "Oracle Database 11g 企业版",
    "达梦数据库 DM7",
    "东方通 TongWeb",
    "金蝶 Apusic 中间件",
    "人大金仓 KingbaseES V8",
    "VMware vSphere 6 企业版",
)
OS_NAMES = ("centos7", "centos6", "rhel7", "kylin10", "windows2008r2", "windows2012r2")
APPROVERS_CITY = ("市发改委", "市财政局", "市工信局", "省发改委", "市电子政务办")
APPROVERS_COUNTY = ("县发改局", "县财政局", "市发改委", "县政府常务会议")
LEGAL_BASIS = (
    "《中华人民共和国保守国家秘密法》",
    "《中华人民共和国个人信息保护法（草案）》",
    "《中华人民共和国统计法》第九条",
)


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
            nid = f"n-{d.id}-{_programme_slug(t.programme)}"
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
                s = add(label, f"{_programme_slug(t.programme or '')}", "business")
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


def _programme_slug(programme: str) -> str:
    return {
        "金财": "golden-finance",
        "金税": "golden-tax",
        "金盾": "golden-shield",
        "金保": "golden-insurance",
        "金土": "golden-land",
        "金质": "golden-quality",
        "金水": "golden-water",
        "金农": "golden-agri",
        "金审": "golden-audit",
        "金安": "golden-safety",
        "金宏": "golden-macro",
    }.get(programme, "golden")


# ---------------------------------------------------------------- province


PROVINCE_CITIES = (
    "沈阳市",
    "大连市",
    "鞍山市",
    "抚顺市",
    "本溪市",
    "丹东市",
    "锦州市",
    "营口市",
    "阜新市",
    "辽阳市",
    "盘锦市",
    "铁岭市",
    "朝阳市",
    "葫芦岛市",
)
COUNTY_STEMS = (
    "铁西",
    "和平",
    "沈河",
    "皇姑",
    "大东",
    "浑南",
    "于洪",
    "苏家屯",
    "新民",
    "康平",
    "法库",
    "辽中",
    "瓦房店",
    "庄河",
    "普兰店",
    "长海",
    "海城",
    "台安",
    "岫岩",
    "新宾",
    "清原",
    "抚顺",
    "桓仁",
    "本溪",
    "凤城",
    "东港",
    "宽甸",
    "凌海",
    "北镇",
    "黑山",
    "义县",
    "盖州",
    "大石桥",
    "彰武",
    "阜蒙",
    "灯塔",
    "辽阳",
    "大洼",
    "盘山",
    "开原",
    "调兵山",
    "西丰",
    "昌图",
    "北票",
    "凌源",
    "建平",
    "喀左",
    "兴城",
    "绥中",
    "建昌",
    "连山",
    "南票",
)
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


def default_platforms() -> list[dict[str, Any]]:
    """The city-wide platforms PLATFORM-1 integrates into (and the sharing platform of SHARE-4)."""
    return [
        {"id": "city-portal", "kind": "website", "name": "市政府门户网站群"},
        {"id": "city-oa", "kind": "oa", "name": "市协同办公平台"},
        {"id": "city-12345", "kind": "hotline", "name": "12345政务服务热线"},
        {"id": "city-exchange", "kind": "sharing", "name": "市数据共享交换平台"},
        {"id": "city-video", "kind": "video", "name": "市视频会议和视频监控平台"},
        {"id": "city-email", "kind": "email", "name": "市政务电子邮件系统"},
        {"id": "city-im", "kind": "im", "name": "市政务即时通讯平台"},
    ]


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


# ---------------------------------------------------------------- writing


SYSTEMS_PER_FILE = 20_000


def _plain(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _flow(v: Any) -> str:
    """One value as YAML flow style (keys bare, strings JSON-quoted, dates bare)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Enum):
        return json.dumps(v.value, ensure_ascii=False)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        # YAML 1.1 reads "1e-05" as a string: always write a decimal point, never an exponent.
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.6f}".rstrip("0")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as YAML")


def _records(models: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for m in models:
        yield m.model_dump(mode="python", exclude_defaults=True)


def _write_flow(path: Path, header: str, key: str, records: Iterable[dict[str, Any]]) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(header)
        fh.write(f"{key}:\n")
        for r in records:
            fh.write(f"- {_flow(r)}\n")


def write_inventory(
    inv: Inventory, out_dir: str | Path, progress: ProgressCallback | None = None, *, header: str = ""
) -> list[Path]:
    """Write *inv* as YAML into *out_dir*, one file per entity kind (systems in chunks).

    Every file is written atomically. Stale ``systems-*.yaml`` chunks of an earlier, bigger
    run in the same directory are removed so the directory always holds exactly one inventory.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    head = "".join(f"# {line}\n" for line in header.splitlines()) if header else ""
    written: list[Path] = []
    city = out / "city.yaml"
    with atomic_open(city, "w") as fh:
        fh.write(head)
        fh.write(f"version: {inv.version}\n")
        fh.write(f"city: {_flow(inv.city.model_dump(mode='python'))}\n")
        fh.write("platforms:\n")
        for p in inv.platforms:
            fh.write(f"- {_flow(_plain(p.model_dump(mode='python')))}\n")
        fh.write(f"cloud: {_flow(_plain(inv.cloud.model_dump(mode='python')))}\n")
    written.append(city)
    kinds = ["regions", "buildings", "departments", "rooms", "networks", "assets"]
    steps = len(kinds) + max(1, math.ceil(len(inv.systems) / SYSTEMS_PER_FILE))
    done = 0
    for kind in kinds:
        path = out / f"{kind}.yaml"
        _write_flow(path, head, kind, (_plain(r) for r in _records(getattr(inv, kind))))
        written.append(path)
        done += 1
        if progress:
            progress("write", done / steps)
    chunks = range(0, max(1, len(inv.systems)), SYSTEMS_PER_FILE)
    for k, start in enumerate(chunks):
        path = out / f"systems-{k + 1:03d}.yaml"
        part = inv.systems[start : start + SYSTEMS_PER_FILE]
        _write_flow(path, head, "systems", (_plain(r) for r in _records(part)))
        written.append(path)
        done += 1
        if progress:
            progress("write", done / steps)
    keep = {p.name for p in written}
    for stale in sorted(out.glob("systems-*.yaml")):
        if stale.name not in keep:
            stale.unlink()
    return written


SYNTH_FILES = (
    "city.yaml",
    "regions.yaml",
    "buildings.yaml",
    "departments.yaml",
    "rooms.yaml",
    "networks.yaml",
    "assets.yaml",
)


def is_synth_output(name: str) -> bool:
    """Whether a file name is one :func:`write_inventory` writes (safe to overwrite)."""
    return name in SYNTH_FILES or (name.startswith("systems-") and name.endswith(".yaml"))


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
