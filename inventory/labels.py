"""Chinese titles of the survey form (普查表): sheets, columns and value labels, in one place.

The survey route (``inventory.survey``) accepts either the English field name or any title
listed here; export writes the first title. Field names are the dotted English paths of the
models (``usage.scope``), sheet keys the top-level keys of the inventory.
"""

from __future__ import annotations

from enum import StrEnum

from foundation.messages import Catalogue
from inventory.models import (
    AssetKind,
    DependencyKind,
    Funding,
    NetworkKind,
    PlatformKind,
    RegionLevel,
    SharingType,
    SystemCategory,
    SystemStatus,
    UsageScope,
    XinchuangStatus,
)

META_SHEET = "inventory"  # key/value sheet holding version, city and cloud

# Sheet (or CSV file) titles per top-level key; the first is written on export.
SHEET_TITLES: dict[str, tuple[str, ...]] = {
    META_SHEET: ("概况", "基本信息"),
    "regions": ("区域", "行政区域"),
    "buildings": ("楼宇", "办公楼宇"),
    "departments": ("部门", "部门信息"),
    "rooms": ("机房", "机房信息"),
    "networks": ("网络线路", "网络", "专线"),
    "systems": ("信息系统", "系统", "政务信息系统"),
    "assets": ("资产", "资产信息"),
    "platforms": ("共享平台", "平台"),
}

# Column titles per sheet and dotted field name; the first is written on export.
COLUMN_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    META_SHEET: {
        "field": ("项目",),
        "value": ("内容", "值"),
    },
    "regions": {
        "id": ("区域编号",),
        "name": ("区域名称",),
        "level": ("行政级别",),
        "parent": ("上级区域",),
    },
    "buildings": {
        "id": ("楼宇编号",),
        "name": ("楼宇名称",),
        "region": ("所在区域",),
        "lan_cidrs": ("用户网段",),
    },
    "departments": {
        "id": ("部门编号",),
        "name": ("部门名称",),
        "region": ("所在区域",),
        "building": ("办公楼宇",),
        "units": ("内设机构",),
        "lan_cidrs": ("用户网段",),
    },
    "rooms": {
        "id": ("机房编号",),
        "name": ("机房名称",),
        "department": ("所属部门",),
        "building": ("所在楼宇",),
        "area_m2": ("机房面积（m²）", "机房面积", "机房面积（平方米）"),
        "monthly_cost": ("月运行费用（元/月）", "月运行费用", "月运行费用（元）"),
        "exception": ("保留例外原因",),
        "racks": ("机柜数", "机柜容量"),
    },
    "networks": {
        "id": ("网络编号", "线路编号"),
        "name": ("网络名称", "线路名称"),
        "kind": ("网络类型",),
        "department": ("所属部门",),
        "carrier": ("运营商",),
        "bandwidth_mbps": ("带宽（Mbps）", "带宽"),
        "monthly_fee": ("月租费（元/月）", "月租费", "月租费（元）"),
        "contract_end": ("合同到期日",),
        "programme": ("所属金字工程",),
    },
    "systems": {
        "id": ("系统编号",),
        "name": ("系统名称",),
        "department": ("所属部门",),
        "unit": ("建设处室",),
        "function": ("业务职能",),
        "category": ("系统类别",),
        "description": ("系统描述", "系统简介"),
        "classified": ("是否涉密",),
        "mlps_level": ("等级保护级别", "等保级别"),
        "networks": ("承载网络",),
        "public_facing": ("是否面向公众",),
        "programme": ("所属垂直工程",),
        "status": ("运行状态",),
        "usage.scope": ("使用范围",),
        "usage.monthly_active_users": ("使用频度", "月活跃用户数"),
        "usage.last_used": ("最近使用时间",),
        "usage.business_linked": ("是否与业务关联",),
        "replaced_by": ("可替代系统",),
        "approval.authority": ("审批部门",),
        "approval.date": ("审批时间",),
        "funding": ("经费来源",),
        "investment": ("建设投资（元）", "建设投资"),
        "annual_om_cost": ("年运维费用（元）", "年运维费用"),
        "resources.vcpu": ("虚拟CPU数", "CPU核数"),
        "resources.ram_gb": ("内存（GB）",),
        "resources.storage_gb": ("存储（GB）",),
        "resources.servers": ("服务器台数",),
        "utilisation": ("CPU平均利用率（0-1）", "CPU平均利用率"),
        "data_gb": ("待迁移数据量（GB）",),
        "downtime_hours": ("可接受停机时长（小时）",),
        "room": ("所在机房",),
        "hosts": ("主机清单",),
        "depends_on": ("依赖系统",),
        "sharing.connected": ("是否接入共享平台",),
        "sharing.resources": ("共享信息资源",),
        "affinity": ("协同迁移组",),
        "builder": ("承建单位",),
        "maintainer": ("运维单位",),
        "contact": ("联系人", "联系人及电话"),
        "os": ("操作系统",),
        "database": ("数据库",),
        "middleware": ("中间件",),
        "xinchuang": ("信创适配状态", "信创状态"),
    },
    "assets": {
        "id": ("资产编号",),
        "room": ("所在机房",),
        "kind": ("资产类型",),
        "model": ("品牌型号", "型号"),
        "book_value": ("账面价值（元）", "账面价值"),
        "purchased": ("购置日期",),
        "serves": ("承载系统",),
    },
    "platforms": {
        "id": ("平台编号",),
        "kind": ("平台类型",),
        "name": ("平台名称",),
    },
}

# Titles of the key/value rows of the meta sheet.
_DOMAIN_TITLES = {"public_service": "公共服务域", "administrative_service": "行政服务域"}
_DOMAIN_FIELD_TITLES = {
    "vcpu": "vCPU",
    "ram_gb": "内存（GB）",
    "storage_gb": "存储（GB）",
    "mlps_level": "等保级别",
    "dedicated_level4_pool": "等保四级专用资源池",
}
META_TITLES: dict[str, tuple[str, ...]] = {
    "version": ("格式版本",),
    "city.id": ("城市编号",),
    "city.name": ("城市名称",),
    "cloud.region": ("政务云区域",),
    **{
        f"cloud.domains.{d}.{f}": (f"{dt}{ft}",)
        for d, dt in _DOMAIN_TITLES.items()
        for f, ft in _DOMAIN_FIELD_TITLES.items()
    },
}

# A system's nested lists on sheets of their own, one row per item keyed by the system's ID:
# key -> (field of the system record, sheet titles). The systems sheet's JSON cell still reads.
NESTED_SHEETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "system_hosts": ("hosts", ("系统主机", "主机")),
    "system_dependencies": ("depends_on", ("系统依赖", "依赖关系")),
    "shared_resources": ("sharing.resources", ("共享信息资源", "共享资源")),
}
NESTED_OWNER_TITLES: tuple[str, ...] = ("系统编号",)
NESTED_COLUMN_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "system_hosts": {
        "address": ("主机地址", "IP地址"),
        "port": ("SSH端口",),
        "user": ("登录用户",),
        "role": ("主机角色",),
        "os": ("操作系统",),
        "data_dirs": ("数据目录",),
        "known_hosts": ("主机密钥文件",),
    },
    "system_dependencies": {
        "system": ("依赖系统编号", "被依赖系统"),
        "kind": ("依赖类型",),
        "protocol": ("协议",),
        "port": ("端口",),
    },
    "shared_resources": {
        "name": ("资源名称",),
        "type": ("共享类型",),
        "basic": ("是否基础信息资源",),
        "legal_basis": ("不予共享的依据",),
    },
}
# Sheets of the survey workbook that hold no records: read past without a warning.
INSTRUCTIONS_SHEET = "填表说明"
CODES_SHEET = "代码表"
HELPER_SHEETS: tuple[str, ...] = (INSTRUCTIONS_SHEET, CODES_SHEET)
# A row whose first cell starts with this is the form's example, never a record.
EXAMPLE_MARK = "示例"

# Chinese labels of the closed vocabularies; the first is written on export.
VALUE_LABELS: dict[type[StrEnum], dict[str, tuple[str, ...]]] = {
    RegionLevel: {"city": ("市",), "county": ("县",), "district": ("区",)},
    NetworkKind: {
        "internet_line": ("互联网专线",),
        "private_network": ("部门专网", "专网"),
        "extranet": ("政务外网",),
        "intranet": ("政务内网",),
        "national_network": ("国家垂直专网", "垂直专网"),
    },
    SystemCategory: {
        "business": ("业务系统",),
        "website": ("网站",),
        "oa": ("办公系统", "OA"),
        "hotline": ("热线",),
        "video": ("视频会议",),
        "email": ("电子邮件",),
        "im": ("即时通讯",),
        "lan_only": ("局域网系统",),
    },
    SystemStatus: {
        "active": ("在用", "运行"),
        "idle": ("闲置",),
        "maintenance_stopped": ("停止运维",),
        "building": ("在建",),
    },
    UsageScope: {
        "unit": ("处室内部", "单位内部"),
        "department": ("部门内部",),
        "cross_department": ("跨部门",),
        "public": ("面向公众",),
    },
    Funding: {
        "fiscal": ("财政资金", "财政"),
        "self": ("自筹资金", "自筹"),
        "co_built": ("共建",),
        "purchased_service": ("购买服务",),
    },
    XinchuangStatus: {"adapted": ("已适配",), "adapting": ("适配中",), "not_adapted": ("未适配",)},
    DependencyKind: {"data": ("数据",), "auth": ("认证",), "api": ("接口",), "file": ("文件",)},
    SharingType: {
        "unconditional": ("无条件共享",),
        "conditional": ("有条件共享",),
        "none": ("不予共享",),
    },
    AssetKind: {
        "server": ("服务器",),
        "storage": ("存储设备",),
        "network": ("网络设备",),
        "security": ("安全设备",),
        "ups": ("UPS电源", "UPS"),
        "cooling": ("空调制冷", "精密空调"),
        "software": ("软件",),
    },
    PlatformKind: {
        "website": ("门户网站",),
        "oa": ("协同办公",),
        "hotline": ("热线",),
        "sharing": ("数据共享交换",),
        "video": ("视频会议",),
        "email": ("电子邮件",),
        "im": ("即时通讯",),
    },
}

# The vocabularies the outputs name too are spelled by the glossary of the message catalogue
# (one spelling of 电子政务外网 for the survey form and every report): its Chinese label is the
# title written on export; the survey's other spellings stay accepted.
CATALOGUE_PREFIX: dict[type[StrEnum], str] = {
    NetworkKind: "network_kind",
    SystemCategory: "category",
    UsageScope: "scope",
    SharingType: "sharing",
    AssetKind: "asset_kind",
    PlatformKind: "platform",
}
for _enum, _prefix in CATALOGUE_PREFIX.items():
    for _value, _titles in list(VALUE_LABELS[_enum].items()):
        _official = Catalogue("zh").t(f"{_prefix}.{_value}")
        VALUE_LABELS[_enum][_value] = (_official, *(t for t in _titles if t != _official))

# A protection level as clerks write it: 3, 三级, 第三级, 等保三级, 3级.
LEVEL_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
LEVEL_PATTERN = r"^(?:等保|第)?([1-5一二三四五])\s*级$"

# Reference fields a clerk may fill with a name instead of an ID: (sheet, field) -> sheet referred to.
NAME_REFERENCES: dict[tuple[str, str], str] = {
    ("regions", "parent"): "regions",
    ("buildings", "region"): "regions",
    ("departments", "region"): "regions",
    ("departments", "building"): "buildings",
    ("rooms", "department"): "departments",
    ("rooms", "building"): "buildings",
    ("networks", "department"): "departments",
    ("systems", "department"): "departments",
    ("systems", "room"): "rooms",
    ("systems", "networks"): "networks",
    ("assets", "room"): "rooms",
}

TRUE_LABELS = ("是", "true", "yes", "y", "1", "有")
FALSE_LABELS = ("否", "false", "no", "n", "0", "无")
LIST_SEPARATOR = ";"  # cells holding lists: a;b;c (full-width ； and 、 accepted too)
