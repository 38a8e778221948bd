"""Guard-rail checks as plain functions: (resource type, input props[, URN]) -> violation messages.

Props use the engine's (camelCase) property names, as CrossGuard hands them over. An empty list
means the resource complies (or the check does not concern its type).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from stacks import tags
from stacks.security import PUBLIC_WEB_PORTS

FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
ROUTER = "openstack:networking/router:Router"
SEC_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
FIREWALL_RULE = "openstack:firewall/ruleV2:RuleV2"
INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"
PROJECT = "openstack:identity/project:Project"
SSH_PORT = 22

OPEN_PREFIXES = frozenset({"0.0.0.0/0", "::/0"})
ADMINISTRATIVE = "administrative_service"
PUBLIC = "public_service"


@dataclass(frozen=True)
class GuardConfig:
    """What the checks compare against: the cloud's encrypting volume types, the controller CIDR."""

    encrypted_volume_types: frozenset[str]
    controller_cidr: str


@cache
def default_guard() -> GuardConfig:
    """The guard configuration of Pulumi.yaml's defaults (the pack's config can override them)."""
    from stacks.config import defaults

    d = defaults()
    return GuardConfig(frozenset(d["encryptedVolumeTypes"]), str(d["controllerCidr"]))


def no_public_ip_in_administrative_domain(
    resource_type: str, props: Mapping[str, Any], urn: str = "", guard: GuardConfig | None = None
) -> list[str]:
    """Floating IPs only in the public-service domain; no internet gateway elsewhere (DOMAIN-1, LINE-4)."""
    domain = tags.tag_value(props.get("tags"), tags.DOMAIN)
    if resource_type == FLOATING_IP and domain != PUBLIC:
        return [
            f"floating IP outside the public-service domain (domain {domain or 'untagged'}): "
            "only public-facing public-service systems get public addresses (LINE-4)"
        ]
    if resource_type == ROUTER and props.get("externalNetworkId") and domain != PUBLIC:
        return [
            f"router with an internet gateway in domain {domain or 'untagged'}: the public-service "
            "domain's exit is the only one (LINE-4)"
        ]
    return []


def _open(prefix: Any) -> bool:
    return prefix is None or prefix == "" or str(prefix) in OPEN_PREFIXES


def no_open_ingress(
    resource_type: str, props: Mapping[str, Any], urn: str = "", guard: GuardConfig | None = None
) -> list[str]:
    """No ingress from anywhere, except HTTP/HTTPS through the platform's public-web group (MLPS-3)."""
    if resource_type == SEC_GROUP_RULE and props.get("direction") == "ingress":
        remote_set = props.get("remoteGroupId") or props.get("remoteAddressGroupId")
        if remote_set or not _open(props.get("remoteIpPrefix")):
            return []
        low, high = props.get("portRangeMin"), props.get("portRangeMax")
        sanctioned = (
            tags.PUBLIC_WEB_TYPE in urn
            and props.get("protocol") == "tcp"
            and low is not None
            and low == high
            and int(low) in PUBLIC_WEB_PORTS
        )
        if not sanctioned:
            return [
                f"ingress open to any address ({props.get('protocol') or 'any protocol'} "
                f"{low if low is not None else 'any'}-{high if high is not None else 'any'}): "
                "open only the flows the dependency graph names (MLPS-3)"
            ]
    if (
        resource_type == FIREWALL_RULE
        and props.get("action", "deny") == "allow"
        and _open(props.get("sourceIpAddress"))
    ):
        return [
            "boundary firewall rule allows any source address: the boundary opens only named flows (MLPS-3)"
        ]
    return []


def instance_tagged(
    resource_type: str, props: Mapping[str, Any], urn: str = "", guard: GuardConfig | None = None
) -> list[str]:
    """Every instance names its system and its MLPS level in its metadata (INV-2)."""
    if resource_type != INSTANCE:
        return []
    meta = props.get("metadata") or {}
    problems = []
    if not meta.get(tags.SYSTEM):
        problems.append(f"instance without metadata {tags.SYSTEM}: every server names its system (INV-2)")
    if str(meta.get(tags.MLPS, "")) not in {"1", "2", "3", "4"}:
        problems.append(
            f"instance without a valid metadata {tags.MLPS} (1-4): every server states its MLPS level"
        )
    return problems


def protected_volume_encrypted(
    resource_type: str, props: Mapping[str, Any], urn: str = "", guard: GuardConfig | None = None
) -> list[str]:
    """Volumes of MLPS level 3+ systems are on a volume type the cloud encrypts, and backed up (MLPS-4).

    The volume type is checked against the configured list of encrypting types, not against a
    flag the program sets itself."""
    if resource_type != VOLUME:
        return []
    guard = guard or default_guard()
    meta = props.get("metadata") or {}
    level = str(meta.get(tags.MLPS, ""))
    if level not in {"1", "2", "3", "4"}:
        return [f"volume without a valid metadata {tags.MLPS}: its protection cannot be checked (MLPS-4)"]
    if int(level) < 3:
        return []
    problems = []
    if props.get("volumeType") not in guard.encrypted_volume_types:
        problems.append(
            f"volume of an MLPS level {level} system is on volume type {props.get('volumeType')!r}, "
            f"not one that encrypts ({', '.join(sorted(guard.encrypted_volume_types))}) (MLPS-4)"
        )
    if not meta.get(tags.BACKUP):
        problems.append(f"volume of an MLPS level {level} system has no {tags.BACKUP} flag (MLPS-4)")
    return problems


def _covers(low: Any, high: Any, port: int) -> bool:
    """Whether a rule's port range includes *port* (no range = every port)."""
    lo = int(low) if low not in (None, "", 0) else 1
    hi = int(high) if high not in (None, "", 0) else 65535
    return lo <= port <= hi


def ssh_only_from_controller(
    resource_type: str, props: Mapping[str, Any], urn: str = "", guard: GuardConfig | None = None
) -> list[str]:
    """SSH ingress from an address range only from the migration controller / bastion CIDR.

    Rules naming a peer group or address group are dependency flows (MLPS-3), checked by the
    ingress policy; a range other than the controller's opening port 22 is refused."""
    if resource_type != SEC_GROUP_RULE or props.get("direction") != "ingress":
        return []
    if props.get("remoteGroupId") or props.get("remoteAddressGroupId"):
        return []
    if props.get("protocol") not in (None, "", "tcp") or not _covers(
        props.get("portRangeMin"), props.get("portRangeMax"), SSH_PORT
    ):
        return []
    guard = guard or default_guard()
    prefix = props.get("remoteIpPrefix")
    controller = ipaddress.ip_network(guard.controller_cidr)
    try:
        network = ipaddress.ip_network(str(prefix)) if prefix not in (None, "") else None
        inside = network is not None and network.subnet_of(controller)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        inside = False
    if inside:
        return []
    return [
        f"SSH ingress from {prefix or 'anywhere'}: only the controller CIDR {controller} "
        f"may reach port {SSH_PORT}"
    ]


def no_per_wave_projects(
    resource_type: str, props: Mapping[str, Any], urn: str = "", guard: GuardConfig | None = None
) -> list[str]:
    """Projects belong to the departments stack, one per department for the whole programme."""
    if resource_type != PROJECT:
        return []
    stack = urn.split("::")[0].removeprefix("urn:pulumi:") if urn.startswith("urn:pulumi:") else ""
    name = str(props.get("name") or "")
    if stack.startswith("wave-") or "-wave-" in name or tags.tag_value(props.get("tags"), tags.WAVE):
        return [
            f"project {name or '?'} created per wave (stack {stack or '?'}): a department has one project "
            "for the whole programme, in the departments stack"
        ]
    return []


# Every mandatory check, by policy name, with its description.
CHECKS = {
    "no-public-ip-in-administrative-domain": (
        no_public_ip_in_administrative_domain,
        "Floating IPs and internet gateways only in the public-service domain.",
    ),
    "no-open-ingress": (
        no_open_ingress,
        "No ingress from 0.0.0.0/0 except HTTP/HTTPS to public web systems.",
    ),
    "instance-tagged": (instance_tagged, "Every instance is tagged with its system and MLPS level."),
    "protected-volume-encrypted": (
        protected_volume_encrypted,
        "Volumes of MLPS level 3+ systems are on an encrypting volume type and backed up.",
    ),
    "ssh-only-from-controller": (
        ssh_only_from_controller,
        "SSH ingress from address ranges only from the migration controller CIDR.",
    ),
    "no-per-wave-projects": (no_per_wave_projects, "One project per department, none per wave."),
}


def violations(
    resource_type: str, props: Mapping[str, Any], urn: str = "", guard: GuardConfig | None = None
) -> list[str]:
    """All guard-rail violations of one resource."""
    return [msg for fn, _ in CHECKS.values() for msg in fn(resource_type, props, urn, guard)]
