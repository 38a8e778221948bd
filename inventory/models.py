"""Inventory models: what a city's survey (普查) finds, as INVENTORY_FORMAT.md v1 defines it.

Survey fields of a system (usage, approval, funding, investment, O&M cost, resources,
MLPS level) are Optional: ``None`` means "the survey did not record it". The planner then
applies the conservative defaults of ``planner.policy`` and raises an INV-1 warning, so a
missing field is a finding, never a crash. Optional non-survey fields get the defaults
written next to them here.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inventory.fields import (
    Count,
    Day,
    Flag,
    Fraction,
    MlpsLevel,
    Name,
    OwnId,
    Port,
    Quantity,
    RecordId,
    RequiredName,
    Text,
)

FORMAT_VERSION = 1

Money = Quantity  # CNY; field types are defined (and checked strictly) in inventory.fields


class Record(BaseModel):
    """Base of every inventory record: strict about unknown fields, lenient about order."""

    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True, use_enum_values=False)


# ---------------------------------------------------------------- closed vocabularies


class RegionLevel(StrEnum):
    """Administrative level of a region."""

    CITY = "city"
    COUNTY = "county"
    DISTRICT = "district"


class NetworkKind(StrEnum):
    """What a network or leased line is (LINE-1..4)."""

    INTERNET_LINE = "internet_line"
    PRIVATE_NETWORK = "private_network"
    EXTRANET = "extranet"
    INTRANET = "intranet"
    NATIONAL_NETWORK = "national_network"


class SystemCategory(StrEnum):
    """Kind of system; non-business kinds are PLATFORM-1 targets or LAN-only (ROOM-1)."""

    BUSINESS = "business"
    WEBSITE = "website"
    OA = "oa"
    HOTLINE = "hotline"
    VIDEO = "video"
    EMAIL = "email"
    IM = "im"
    LAN_ONLY = "lan_only"


class SystemStatus(StrEnum):
    """Operating status of a system (ZOMBIE-4 when maintenance stopped)."""

    ACTIVE = "active"
    IDLE = "idle"
    MAINTENANCE_STOPPED = "maintenance_stopped"
    BUILDING = "building"


class UsageScope(StrEnum):
    """Who uses a system (ZOMBIE-5 when small)."""

    UNIT = "unit"
    DEPARTMENT = "department"
    CROSS_DEPARTMENT = "cross_department"
    PUBLIC = "public"


class Funding(StrEnum):
    """How a system is funded (SCOPE-1: all of these are in scope)."""

    FISCAL = "fiscal"
    SELF = "self"
    CO_BUILT = "co_built"
    PURCHASED_SERVICE = "purchased_service"


class DependencyKind(StrEnum):
    """What flows along a dependency."""

    DATA = "data"
    AUTH = "auth"
    API = "api"
    FILE = "file"


class SharingType(StrEnum):
    """Sharing class of a data resource (SHARE-1)."""

    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NONE = "none"


class XinchuangStatus(StrEnum):
    """Domestic-stack (信创) adaptation of a system: the survey records where it stands."""

    ADAPTED = "adapted"
    ADAPTING = "adapting"
    NOT_ADAPTED = "not_adapted"


class AssetKind(StrEnum):
    """Kind of asset in a room (ASSET-1)."""

    SERVER = "server"
    STORAGE = "storage"
    NETWORK = "network"
    SECURITY = "security"
    UPS = "ups"
    COOLING = "cooling"
    SOFTWARE = "software"


class PlatformKind(StrEnum):
    """City-wide shared platform kinds (PLATFORM-1, SHARE-4)."""

    WEBSITE = "website"
    OA = "oa"
    HOTLINE = "hotline"
    SHARING = "sharing"
    VIDEO = "video"
    EMAIL = "email"
    IM = "im"


class DomainName(StrEnum):
    """The two domains of the e-government cloud (DOMAIN-1)."""

    PUBLIC_SERVICE = "public_service"
    ADMINISTRATIVE_SERVICE = "administrative_service"


# Default flow of each dependency kind, used when a dependency names no port (MLPS-3).
DEFAULT_FLOWS: dict[DependencyKind, tuple[str, int]] = {
    DependencyKind.DATA: ("tcp", 5432),
    DependencyKind.AUTH: ("tcp", 636),
    DependencyKind.API: ("tcp", 443),
    DependencyKind.FILE: ("tcp", 2049),
}


# ---------------------------------------------------------------- records


class City(Record):
    """The city whose survey this is."""

    id: OwnId
    name: RequiredName


class Region(Record):
    """The city itself, or one of its counties/districts."""

    id: OwnId
    name: RequiredName
    level: RegionLevel
    parent: RecordId | None = None


class Building(Record):
    """An office building; departments and rooms are placed in one (ROOM-3)."""

    id: OwnId
    name: RequiredName
    region: RecordId


class Department(Record):
    """A government department (委办局) with its internal units (处室/科室)."""

    id: OwnId
    name: RequiredName
    region: RecordId
    building: RecordId
    units: list[Name] = Field(default_factory=list)


class Room(Record):
    """A machine room (机房) owned by one department."""

    id: OwnId
    # The format lists room names as mandatory but its own example omits them; loading the
    # example is the stronger contract, so a missing name defaults to the room's ID.
    name: Name | None = None
    department: RecordId
    building: RecordId
    area_m2: Quantity
    monthly_cost: Money = 0.0
    exception: Name | None = None  # ROOM-4 reason (保密要求 / 建筑布局), None when none recorded

    @property
    def label(self) -> str:
        return self.name or self.id


class Network(Record):
    """A leased line or network a department pays for (or a city-wide network)."""

    id: OwnId
    name: RequiredName
    kind: NetworkKind
    department: RecordId | None = None  # None for city-wide networks
    carrier: Name | None = None
    bandwidth_mbps: Quantity | None = None
    monthly_fee: Money = 0.0
    contract_end: Day | None = None
    programme: Name | None = None  # for national_network: 金财, 金税, ...


class Usage(Record):
    """How much a system is used (ZOMBIE-1, ZOMBIE-5)."""

    scope: UsageScope
    monthly_active_users: Count = 0
    last_used: Day | None = None
    business_linked: Flag = True  # False = disconnected from business (ZOMBIE-1)


class Approval(Record):
    """Who approved building the system, and when (INV-1)."""

    authority: Name | None = None
    date: Day | None = None


class Resources(Record):
    """Compute and storage a system uses today."""

    vcpu: Count
    ram_gb: Quantity
    storage_gb: Quantity
    servers: Count = 1


class Host(Record):
    """A machine the playbooks connect to over SSH."""

    address: RequiredName
    port: Port = 22
    user: Name = "migrate"
    role: Name = "app"  # app | db | file | target ...; free text
    os: Name | None = None
    data_dirs: list[Name] = Field(default_factory=list)  # directories the data copy moves (MLPS-4)
    known_hosts: Name | None = None  # known_hosts file for strict host-key checking


class Dependency(Record):
    """A system this one needs; the flow is opened in its security group (MLPS-3)."""

    system: RecordId
    kind: DependencyKind = DependencyKind.DATA
    protocol: Name | None = None  # defaults per kind, see DEFAULT_FLOWS
    port: Port | None = None

    def flow(self) -> tuple[str, int]:
        """Protocol and port of this dependency, defaulted from its kind."""
        proto, port = DEFAULT_FLOWS[self.kind]
        return (self.protocol or proto, self.port or port)


class SharedResource(Record):
    """A data resource the system shares (SHARE-1, SHARE-2)."""

    name: RequiredName
    type: SharingType = SharingType.CONDITIONAL
    basic: Flag = False  # basic information resource (SHARE-2)
    legal_basis: Name | None = None  # required when type is none (SHARE-1)


class Sharing(Record):
    """Connection to the sharing platform and the resources shared (SHARE-4, FUND-1)."""

    connected: Flag = False
    resources: list[SharedResource] = Field(default_factory=list)


class System(Record):
    """A department information system (政务信息系统)."""

    id: OwnId
    name: RequiredName
    department: RecordId
    unit: Name | None = None  # internal unit it was built in the name of (BIGSYS-1)
    function: Name | None = None  # function tag; same department + same tag = shadow candidates
    category: SystemCategory
    description: Text | None = None
    classified: Flag = False  # 涉密 (SCOPE-2)
    mlps_level: MlpsLevel | None = None  # 等级保护 level; None = not surveyed (INV-1)
    networks: list[RecordId] = Field(default_factory=list)
    public_facing: Flag = False
    programme: Name | None = None  # national/provincial vertical programme (SCOPE-3)
    status: SystemStatus = SystemStatus.ACTIVE
    usage: Usage | None = None
    replaced_by: RecordId | None = None  # a system that can replace it (ZOMBIE-2)
    approval: Approval | None = None
    funding: Funding | None = None
    investment: Money | None = None  # CNY, one-off
    annual_om_cost: Money | None = None  # CNY per year
    resources: Resources | None = None
    utilisation: Fraction | None = None
    data_gb: Quantity | None = None
    downtime_hours: Quantity | None = None
    room: RecordId | None = None  # None when already hosted elsewhere
    hosts: list[Host] = Field(default_factory=list)
    depends_on: list[Dependency] = Field(default_factory=list)
    sharing: Sharing = Field(default_factory=Sharing)
    affinity: Name | None = None  # declared co-migration group: systems with one tag move together
    builder: Name | None = None  # 承建单位: who built it (OPS-1 "who builds it is responsible")
    maintainer: Name | None = None  # 运维单位: who runs it today
    contact: Name | None = None  # 联系人 and telephone, as the survey form records them
    os: Name | None = None  # 操作系统 of its servers, as surveyed (e.g. CentOS 7, 麒麟 V10)
    database: Name | None = None  # 数据库 product and version (e.g. Oracle 11g, 达梦 DM8)
    middleware: Name | None = None  # 中间件 (e.g. WebLogic, 东方通 TongWeb)
    xinchuang: XinchuangStatus | None = None  # 信创 adaptation status

    @field_validator("networks")
    @classmethod
    def _unique_networks(cls, v: list[str]) -> list[str]:
        # A repeated network is harmless; keep the first occurrence so counts stay honest.
        return list(dict.fromkeys(v))


class Asset(Record):
    """A piece of equipment or software in a room (ASSET-1)."""

    id: OwnId
    room: RecordId
    kind: AssetKind
    model: Name | None = None
    book_value: Money = 0.0  # CNY
    purchased: Day | None = None
    serves: list[RecordId] = Field(default_factory=list)


class Platform(Record):
    """A city-wide shared platform (PLATFORM-1 integration target, SHARE-4)."""

    id: OwnId
    kind: PlatformKind
    name: RequiredName


class CloudDomain(Record):
    """Capacity and protection level of one cloud domain."""

    vcpu: Count
    ram_gb: Quantity
    storage_gb: Quantity
    mlps_level: MlpsLevel = 3
    dedicated_level4_pool: Flag = False  # MLPS-2: level-4 systems need one


class CloudDomains(Record):
    """The two domains of the e-government cloud."""

    public_service: CloudDomain
    administrative_service: CloudDomain

    def get(self, name: DomainName | str) -> CloudDomain:
        public = DomainName(name) is DomainName.PUBLIC_SERVICE
        return self.public_service if public else self.administrative_service


class Cloud(Record):
    """The target e-government cloud."""

    region: Name = "egov"
    domains: CloudDomains


class Inventory(Record):
    """A whole survey: everything the planner reads besides the policy file."""

    version: int = FORMAT_VERSION
    city: City
    regions: list[Region] = Field(default_factory=list)
    buildings: list[Building] = Field(default_factory=list)
    departments: list[Department] = Field(default_factory=list)
    rooms: list[Room] = Field(default_factory=list)
    networks: list[Network] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    assets: list[Asset] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=list)
    cloud: Cloud

    @field_validator("version")
    @classmethod
    def _supported_version(cls, v: int) -> int:
        if v != FORMAT_VERSION:
            raise ValueError(
                f"unsupported inventory format version {v}; this tool reads version {FORMAT_VERSION}"
            )
        return v

    # Index helpers: built on demand; the planner builds its own maps once.
    def by_id(self, kind: str) -> dict[str, Any]:
        return {r.id: r for r in getattr(self, kind)}


# Entity lists of the top level, in the order records are reported and exported.
ENTITY_MODELS: dict[str, type[Record]] = {
    "regions": Region,
    "buildings": Building,
    "departments": Department,
    "rooms": Room,
    "networks": Network,
    "systems": System,
    "assets": Asset,
    "platforms": Platform,
}
