"""Where a migrating system lands: its cloud domain (DOMAIN-1), MLPS placement (MLPS-1/2), capacity.

Capacity decision: a domain's vCPU, RAM and storage hold across the whole plan. When the
migrating systems do not fit, the planner admits them smallest-first (most systems on the
cloud, which is what CLOUD-2 counts) and marks the rest ``blocked`` with a DOMAIN-1 error per
system, plus one DOMAIN-1 error per domain stating the shortfall. Blocking, rather than
planning them anyway and flagging, keeps every plan executable as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from inventory.models import CloudDomain, CloudDomains, DomainName, Network, NetworkKind, System
from planner import rules

CAPACITY_FIELDS: tuple[str, ...] = ("vcpu", "ram_gb", "storage_gb")


def domain_of(system: System, networks: Mapping[str, Network]) -> tuple[DomainName, str]:
    """DOMAIN-1: public-service when carried by an internet line or public-facing, else administrative."""
    inet = [n for n in system.networks if n in networks and networks[n].kind is NetworkKind.INTERNET_LINE]
    if inet:
        return DomainName.PUBLIC_SERVICE, f"carried by internet line {', '.join(inet)}: public-service domain"
    if system.public_facing:
        carried = f" (although carried by {', '.join(system.networks)})" if system.networks else ""
        return (
            DomainName.PUBLIC_SERVICE,
            f"serves the public over the internet{carried}: public-service domain",
        )
    if system.networks:
        return DomainName.ADMINISTRATIVE_SERVICE, (
            f"carried by {', '.join(system.networks)}, no internet line, not public-facing: "
            "administrative-service domain"
        )
    return (
        DomainName.ADMINISTRATIVE_SERVICE,
        "no internet line and not public-facing: administrative-service domain",
    )


@dataclass(frozen=True)
class MlpsVerdict:
    """Whether a domain may host a system of some MLPS level, and the rules behind the answer."""

    allowed: bool
    rules: tuple[str, ...]
    reason: str


def mlps_placement(level: int, domain_name: DomainName, domain: CloudDomain) -> MlpsVerdict:
    """MLPS-1/2: the domain's level must cover the system's; level 4 needs a dedicated pool."""
    if level >= 4:
        if domain.dedicated_level4_pool:
            return MlpsVerdict(
                True, (rules.MLPS_2,), f"MLPS level 4 hosted in the dedicated level-4 pool of {domain_name}"
            )
        return MlpsVerdict(
            False,
            (rules.MLPS_2, rules.MLPS_1),
            f"MLPS level 4 needs a dedicated resource pool; {domain_name} has none",
        )
    if level > domain.mlps_level:
        return MlpsVerdict(
            False,
            (rules.MLPS_1,),
            f"MLPS level {level} is above the level {domain.mlps_level} of {domain_name}",
        )
    return MlpsVerdict(True, (), f"MLPS level {level} within {domain_name} (level {domain.mlps_level})")


@dataclass(frozen=True)
class DomainFit:
    """Outcome of fitting the migrating systems into the domains' capacity."""

    admitted: frozenset[str]
    refused: dict[str, str]  # system id -> reason
    used: dict[DomainName, dict[str, float]]
    shortfall: dict[DomainName, dict[str, float]]  # demand above capacity, per field


def fit_capacity(
    candidates: Iterable[tuple[str, DomainName, Mapping[str, float]]], domains: CloudDomains
) -> DomainFit:
    """Admit systems smallest-first until a domain's vCPU, RAM or storage would be exceeded."""
    by_domain: dict[DomainName, list[tuple[str, Mapping[str, float]]]] = {d: [] for d in DomainName}
    for sid, dom, need in candidates:
        by_domain[dom].append((sid, need))
    admitted: set[str] = set()
    refused: dict[str, str] = {}
    used: dict[DomainName, dict[str, float]] = {}
    shortfall: dict[DomainName, dict[str, float]] = {}
    for dom, items in by_domain.items():
        cap = domains.get(dom)
        limits = {f: float(getattr(cap, f)) for f in CAPACITY_FIELDS}
        demand = {f: sum(float(n[f]) for _, n in items) for f in CAPACITY_FIELDS}
        total = {f: 0.0 for f in CAPACITY_FIELDS}
        if all(demand[f] <= limits[f] for f in CAPACITY_FIELDS):
            admitted.update(s for s, _ in items)
            used[dom] = demand
            continue

        def share(
            item: tuple[str, Mapping[str, float]], limits: dict[str, float] = limits
        ) -> tuple[float, str]:
            return (
                max((item[1][f] / limits[f]) if limits[f] else float("inf") for f in CAPACITY_FIELDS),
                item[0],
            )

        for sid, need in sorted(items, key=share):
            if all(total[f] + need[f] <= limits[f] for f in CAPACITY_FIELDS):
                admitted.add(sid)
                for f in CAPACITY_FIELDS:
                    total[f] += need[f]
            else:
                over = [f for f in CAPACITY_FIELDS if total[f] + need[f] > limits[f]]
                refused[sid] = (
                    f"{dom} has no room left for it ({', '.join(over)} exhausted by smaller systems)"
                )
        used[dom] = total
        shortfall[dom] = {f: demand[f] - limits[f] for f in CAPACITY_FIELDS if demand[f] > limits[f]}
    return DomainFit(frozenset(admitted), refused, used, shortfall)
