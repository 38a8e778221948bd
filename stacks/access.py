"""Connectivity every migrated system needs after cut-over, beyond its dependency flows.

Per domain one baseline security group (platform stack, shared into the department projects):
SSH only from the migration controller / bastion CIDR, DNS and NTP to the configured servers,
the metadata service, HTTP/HTTPS to the package mirror. Per system, user access on the
configured service ports from its department's user LANs (`lan_cidrs` of the department, else of
its building, else `userLanCidrs`). All addresses come from config or the inventory.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from inventory.models import Inventory
from stacks.config import ServicePort, StackSettings

METADATA_CIDR = "169.254.169.254/32"  # Nova's metadata service, the same on every cloud
SSH_PORT = 22
DNS_PORT = 53
NTP_PORT = 123
MIRROR_PORTS = (80, 443)


@dataclass(frozen=True, order=True)
class AccessRule:
    """One rule whose remote end is an address range."""

    direction: str  # ingress | egress
    protocol: str
    port: int
    remote_cidr: str
    purpose: str

    @property
    def name(self) -> str:
        cidr = self.remote_cidr.replace("/", "_")
        return f"{self.purpose}-{self.direction}-{self.protocol}-{self.port}-{cidr}"


def _host(address: str) -> str:
    return str(ipaddress.ip_network(address))  # an address becomes its /32 (or /128)


def baseline_rules(settings: StackSettings) -> list[AccessRule]:
    """Rules of each domain's baseline group, in a stable order."""
    rules = [AccessRule("ingress", "tcp", SSH_PORT, settings.controller_cidr, "ssh")]
    for server in settings.dns_nameservers:
        rules += [
            AccessRule("egress", "udp", DNS_PORT, _host(server), "dns"),
            AccessRule("egress", "tcp", DNS_PORT, _host(server), "dns"),
        ]
    rules += [AccessRule("egress", "udp", NTP_PORT, _host(s), "ntp") for s in settings.ntp_servers]
    rules.append(AccessRule("egress", "tcp", 80, METADATA_CIDR, "metadata"))
    rules += [AccessRule("egress", "tcp", p, settings.package_mirror_cidr, "mirror") for p in MIRROR_PORTS]
    return sorted(set(rules), key=lambda r: (r.purpose, r.direction, r.protocol, r.port, r.remote_cidr))


def department_lans(inventory: Inventory | None, fallback: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """User LANs per department: its own `lan_cidrs`, else its building's; departments without
    either are absent (the caller uses *fallback*)."""
    if inventory is None:
        return {}
    buildings = {b.id: tuple(b.lan_cidrs) for b in inventory.buildings}
    out: dict[str, tuple[str, ...]] = {}
    for dept in inventory.departments:
        lans = tuple(dept.lan_cidrs) or buildings.get(dept.building, ())
        if lans:
            out[dept.id] = lans
    return out


def user_rules(lans: Iterable[str], ports: Iterable[ServicePort]) -> list[AccessRule]:
    """Ingress of a system's users: each service port from each of its department's LANs."""
    return [
        AccessRule("ingress", p.protocol, p.port, cidr, "users")
        for cidr in sorted(set(lans))
        for p in sorted(set(ports), key=lambda sp: (sp.protocol, sp.port))
    ]


def extranet_destinations(settings: StackSettings, lans: Iterable[str]) -> list[str]:
    """What the domain routers route to the extranet: its CIDR and any user LAN outside it."""
    extranet = ipaddress.ip_network(settings.cidrs.extranet)
    extra = {
        str(n)
        for n in (ipaddress.ip_network(c) for c in lans)
        if n.version == extranet.version and not n.subnet_of(extranet)  # type: ignore[arg-type]
    }
    return [str(extranet), *sorted(extra)]
