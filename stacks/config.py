"""Every configuration value of the Pulumi program, read here and only here.

The keys, their types and their defaults are declared once, in the project's ``Pulumi.yaml``;
this module reads that declaration for the defaults (the mock runtime, unlike the Pulumi CLI,
does not apply them) and turns the stack's values into typed, validated dataclasses.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from foundation.errors import GovcloudError
from inventory.models import DomainName
from stacks.hostkeys import HostKeyAlgorithm

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILE = REPO_ROOT / "Pulumi.yaml"
NAMESPACE = "govcloud"


class ConfigError(GovcloudError, ValueError):
    """A stack configuration value that cannot be used; the message names the key."""


class Layer(StrEnum):
    """Which part of the landing zone a stack provisions."""

    PLATFORM = "platform"
    DEPARTMENTS = "departments"
    WAVE = "wave"


class Boundary(StrEnum):
    """Who enforces the boundary between the two domains (MLPS-3)."""

    FWAAS = "fwaas"  # an FWaaS v2 firewall group on the administrative router's transit port
    EXTERNAL = "external"  # the physical firewall between the domains; a change request is written


@dataclass(frozen=True)
class ServicePort:
    """A (protocol, port) users reach their systems on."""

    protocol: str
    port: int


@dataclass(frozen=True)
class Flavor:
    """A compute flavor of the catalogue."""

    name: str
    vcpu: int
    ram_gb: float


@dataclass(frozen=True)
class CidrPools:
    """Address pools of the two domains, the boundary transit net and the off-cloud extranet."""

    public_service: str
    administrative_service: str
    transit: str
    extranet: str

    def domain(self, domain: DomainName | str) -> str:
        return (
            self.public_service
            if DomainName(domain) is DomainName.PUBLIC_SERVICE
            else self.administrative_service
        )


@dataclass(frozen=True)
class StackSettings:
    """Everything a govcloud stack is configured with."""

    layer: Layer
    plan_path: Path
    plan_digest: str
    systems: tuple[str, ...]  # pinned systems of a wave stack; empty = the plan's wave
    departments_stack: str
    wave: int
    inventory_path: Path | None
    platform_stack: str
    wave_stack_pattern: str
    flavors: tuple[Flavor, ...]
    images: Mapping[str, str]
    default_image: str
    external_network: str
    cidrs: CidrPools
    dns_nameservers: tuple[str, ...]
    volume_type: str
    encrypted_volume_type: str
    encrypted_volume_types: tuple[str, ...]
    boot_volume_gb: int
    quota_headroom: float
    boundary: Boundary = Boundary.FWAAS
    host_key_algorithm: HostKeyAlgorithm = HostKeyAlgorithm.ED25519
    controller_cidr: str = "10.79.0.16/28"
    ntp_servers: tuple[str, ...] = ()
    package_mirror_cidr: str = "10.79.0.4/32"
    user_lan_cidrs: tuple[str, ...] = ()
    service_ports: tuple[ServicePort, ...] = ()
    extranet_link_cidr: str = "10.79.254.0/24"
    extranet_gateway: str = "10.79.254.1"
    imports: Mapping[str, str] = field(default_factory=dict)
    auth_url: str = ""
    region: str = ""
    user_domain_name: str = ""
    deploy_user: str = ""
    dns_zone_id: str = ""
    dns_zone_name: str = ""

    def wave_stack(self, wave: int) -> str:
        """Fully qualified name of an earlier wave's stack."""
        return self.wave_stack_pattern.format(wave=wave)

    def image_for(self, os_name: str | None) -> str | None:
        """Image ID for a host OS: the longest catalogue key that prefixes it, else the default
        (None when neither: the system cannot be built, and `stacks generate` says so)."""
        if os_name:
            low = os_name.lower()
            keys = sorted((k for k in self.images if low.startswith(k.lower())), key=len, reverse=True)
            if keys:
                return self.images[keys[0]]
        return self.images.get(self.default_image) if self.default_image else None

    def import_id(self, logical_name: str) -> str | None:
        """ID of an existing resource to adopt under this logical name (`imports`), else None."""
        return self.imports.get(logical_name)


@cache
def project_config_schema() -> dict[str, dict[str, Any]]:
    """The `config:` section of Pulumi.yaml: key -> {type, description, default}."""
    data = yaml.safe_load(PROJECT_FILE.read_text(encoding="utf-8"))
    return dict(data.get("config") or {})


def defaults() -> dict[str, Any]:
    """Default value of every project config key, as Pulumi.yaml declares it."""
    return {k: v.get("default") for k, v in project_config_schema().items()}


def _coerce(key: str, raw: Any) -> Any:
    """Turn a raw config value (the CLI hands over strings) into the declared type."""
    spec = project_config_schema().get(key)
    if spec is None:
        raise ConfigError(f"{NAMESPACE}:{key}: not a key of Pulumi.yaml")
    kind = spec.get("type", "string")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "array":
            value = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(value, list):
                raise ValueError("expected a list")
            return [str(v) for v in value]
        if kind == "boolean":
            return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes"}
        return str(raw)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{NAMESPACE}:{key}: {raw!r} is not a valid {kind}: {exc}") from None


def parse_flavor(entry: str) -> Flavor:
    """Parse one `NAME=VCPU/RAM_GB` flavor entry."""
    try:
        name, size = entry.split("=", 1)
        vcpu, ram = size.split("/", 1)
        flavor = Flavor(name.strip(), int(vcpu), float(ram))
    except ValueError:
        raise ConfigError(f"{NAMESPACE}:flavors: {entry!r} is not NAME=VCPU/RAM_GB") from None
    if not flavor.name or flavor.vcpu < 1 or flavor.ram_gb <= 0:
        raise ConfigError(f"{NAMESPACE}:flavors: {entry!r} needs a name, at least 1 vCPU and some RAM")
    return flavor


def parse_images(entries: list[str]) -> dict[str, str]:
    """Parse `OS=IMAGE_ID` image entries."""
    images: dict[str, str] = {}
    for entry in entries:
        key, sep, image = entry.partition("=")
        if not sep or not key.strip() or not image.strip():
            raise ConfigError(f"{NAMESPACE}:images: {entry!r} is not OS=IMAGE_ID")
        images[key.strip()] = image.strip()
    return images


def _cidr(key: str, value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ConfigError(f"{NAMESPACE}:{key}: {value!r} is not a network CIDR: {exc}") from None


def _address(key: str, value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise ConfigError(f"{NAMESPACE}:{key}: {value!r} is not an IP address: {exc}") from None


def parse_service_port(entry: str) -> ServicePort:
    """Parse one `PROTOCOL/PORT` service port entry."""
    protocol, sep, port = entry.partition("/")
    try:
        number = int(port)
    except ValueError:
        number = 0
    if not sep or protocol.lower() not in {"tcp", "udp", "sctp"} or not 1 <= number <= 65535:
        raise ConfigError(f"{NAMESPACE}:servicePorts: {entry!r} is not PROTOCOL/PORT (tcp, udp or sctp)")
    return ServicePort(protocol.lower(), number)


def settings_from_values(values: Mapping[str, Any]) -> StackSettings:
    """Typed settings from project-scoped config values (missing keys take Pulumi.yaml defaults)."""
    unknown = sorted(set(values) - set(project_config_schema()))
    if unknown:
        raise ConfigError(f"{NAMESPACE}:{unknown[0]}: not a key of Pulumi.yaml")
    v = {k: _coerce(k, raw) for k, raw in {**defaults(), **values}.items() if raw is not None}
    try:
        layer = Layer(v["layer"])
    except ValueError:
        raise ConfigError(
            f"{NAMESPACE}:layer: {v['layer']!r} is not one of platform, departments, wave"
        ) from None
    flavors = tuple(parse_flavor(e) for e in v["flavors"])
    if not flavors:
        raise ConfigError(f"{NAMESPACE}:flavors: the flavor catalogue is empty")
    images = parse_images(v["images"])
    if v["defaultImage"] and v["defaultImage"] not in images:
        raise ConfigError(
            f"{NAMESPACE}:defaultImage: {v['defaultImage']!r} is not a key of {NAMESPACE}:images"
        )
    try:
        headroom = float(v["quotaHeadroom"])
    except ValueError:
        raise ConfigError(f"{NAMESPACE}:quotaHeadroom: {v['quotaHeadroom']!r} is not a number") from None
    if headroom < 1:
        raise ConfigError(f"{NAMESPACE}:quotaHeadroom: {headroom} is below 1 (quotas smaller than the need)")
    if v["wave"] < 0:
        raise ConfigError(f"{NAMESPACE}:wave: {v['wave']} is negative")
    if v["bootVolumeGb"] < 1:
        raise ConfigError(f"{NAMESPACE}:bootVolumeGb: {v['bootVolumeGb']} is below 1 GB")
    try:
        boundary = Boundary(v["boundary"])
    except ValueError:
        raise ConfigError(f"{NAMESPACE}:boundary: {v['boundary']!r} is not one of fwaas, external") from None
    try:
        host_key_algorithm = HostKeyAlgorithm(v["hostKeyAlgorithm"].upper())
    except ValueError:
        raise ConfigError(
            f"{NAMESPACE}:hostKeyAlgorithm: {v['hostKeyAlgorithm']!r} is not one of "
            f"{', '.join(a.value for a in HostKeyAlgorithm)}"
        ) from None
    encrypted_types = tuple(v["encryptedVolumeTypes"])
    if v["encryptedVolumeType"] not in encrypted_types:
        raise ConfigError(
            f"{NAMESPACE}:encryptedVolumeType: {v['encryptedVolumeType']!r} is not one of "
            f"{NAMESPACE}:encryptedVolumeTypes {list(encrypted_types)}"
        )
    imports: dict[str, str] = {}
    for entry in v["imports"]:
        name, sep, rid = entry.partition("=")
        if not sep or not name.strip() or not rid.strip():
            raise ConfigError(f"{NAMESPACE}:imports: {entry!r} is not LOGICAL_NAME=ID")
        imports[name.strip()] = rid.strip()
    plan_path = Path(v["plan"])
    inventory = v.get("inventory") or ""
    return StackSettings(
        layer=layer,
        plan_path=plan_path if plan_path.is_absolute() else REPO_ROOT / plan_path,
        plan_digest=v["planDigest"],
        systems=tuple(v["systems"]),
        departments_stack=v["departmentsStack"],
        wave=v["wave"],
        inventory_path=(Path(inventory) if Path(inventory).is_absolute() else REPO_ROOT / inventory)
        if inventory
        else None,
        platform_stack=v["platformStack"],
        wave_stack_pattern=v["waveStackPattern"],
        flavors=flavors,
        images=images,
        default_image=v["defaultImage"],
        external_network=v["externalNetwork"],
        cidrs=CidrPools(
            public_service=_cidr("publicServiceCidr", v["publicServiceCidr"]),
            administrative_service=_cidr("administrativeServiceCidr", v["administrativeServiceCidr"]),
            transit=_cidr("transitCidr", v["transitCidr"]),
            extranet=_cidr("extranetCidr", v["extranetCidr"]),
        ),
        dns_nameservers=tuple(v["dnsNameservers"]),
        volume_type=v["volumeType"],
        encrypted_volume_type=v["encryptedVolumeType"],
        encrypted_volume_types=encrypted_types,
        boot_volume_gb=v["bootVolumeGb"],
        quota_headroom=headroom,
        boundary=boundary,
        host_key_algorithm=host_key_algorithm,
        controller_cidr=_cidr("controllerCidr", v["controllerCidr"]),
        ntp_servers=tuple(_address("ntpServers", a) for a in v["ntpServers"]),
        package_mirror_cidr=_cidr("packageMirrorCidr", v["packageMirrorCidr"]),
        user_lan_cidrs=tuple(_cidr("userLanCidrs", c) for c in v["userLanCidrs"]),
        service_ports=tuple(parse_service_port(e) for e in v["servicePorts"]),
        extranet_link_cidr=_cidr("extranetLinkCidr", v["extranetLinkCidr"]),
        extranet_gateway=_address("extranetGateway", v["extranetGateway"]),
        imports=imports,
        auth_url=v["authUrl"],
        region=v["region"],
        user_domain_name=v["userDomainName"],
        deploy_user=v["deployUser"],
        dns_zone_id=v["dnsZoneId"],
        dns_zone_name=v["dnsZoneName"],
    )


def load_settings() -> StackSettings:
    """Settings of the running Pulumi stack (or of the mock runtime's configured stack)."""
    import pulumi

    cfg = pulumi.Config(NAMESPACE)
    values = {k: cfg.get(k) for k in project_config_schema()}
    return settings_from_values({k: val for k, val in values.items() if val is not None})


def config_map(values: Mapping[str, Any]) -> dict[str, str]:
    """Project-scoped values as the namespaced string map the Pulumi runtime holds."""
    out: dict[str, str] = {}
    for k, val in values.items():
        out[f"{NAMESPACE}:{k}"] = json.dumps(val) if isinstance(val, list | dict) else str(val)
    return out
