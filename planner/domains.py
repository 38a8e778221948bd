"""Where a migrating system lands: its cloud domain (DOMAIN-1), MLPS placement (MLPS-1/2), capacity.

The rules that decide with these facts are classes of planner.ruleset.builtin.

Capacity decision: a domain's vCPU, RAM and storage hold across the whole plan. When the
migrating systems do not fit, the planner admits them smallest-first (most systems on the
cloud, which is what CLOUD-2 counts) and marks the rest ``blocked`` with a DOMAIN-1 error per
system, plus one DOMAIN-1 error per domain stating the shortfall. Blocking, rather than
planning them anyway and flagging, keeps every plan executable as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from foundation.messages import Message, msg
from inventory.models import CloudDomain, CloudDomains, DomainName, Network, NetworkKind, System
from planner import rules
from planner.plan_model import Finding, FindingSeverity

CAPACITY_FIELDS: tuple[str, ...] = ("vcpu", "ram_gb", "storage_gb")


@dataclass(frozen=True, slots=True)
class Landing:
    """The cloud domain a system lands in by DOMAIN-1, and why."""

    domain: DomainName
    reason: Message
    carried: bool  # the survey recorded a network carrying it (else INV-1: the default domain)


def landing_of(system: System, networks: Mapping[str, Network]) -> Landing:
    """DOMAIN-1, first match wins, by the network that carries the system.

    Public-facing or on an internet line -> public-service; else on a private network ->
    administrative-service; else on the extranet (the public-service domain is built from it)
    -> public-service; else administrative-service.
    """
    carriers = [n for n in map(networks.get, system.networks) if n is not None]
    kinds = {n.kind for n in carriers}

    def on(kind: NetworkKind) -> list[str]:
        return [n.id for n in carriers if n.kind is kind]

    if system.public_facing:
        if system.networks:
            why = msg("reason.landing.public_carried", networks=system.networks)
        else:
            why = msg("reason.landing.public")
        return Landing(DomainName.PUBLIC_SERVICE, why, True)
    if NetworkKind.INTERNET_LINE in kinds:
        why = msg("reason.landing.internet_line", networks=on(NetworkKind.INTERNET_LINE))
        return Landing(DomainName.PUBLIC_SERVICE, why, True)
    if NetworkKind.PRIVATE_NETWORK in kinds:
        why = msg("reason.landing.private_network", networks=on(NetworkKind.PRIVATE_NETWORK))
        return Landing(DomainName.ADMINISTRATIVE_SERVICE, why, True)
    if NetworkKind.EXTRANET in kinds:
        why = msg("reason.landing.extranet", networks=on(NetworkKind.EXTRANET))
        return Landing(DomainName.PUBLIC_SERVICE, why, True)
    if carriers:
        why = msg("reason.landing.other", networks=[n.id for n in carriers])
        return Landing(DomainName.ADMINISTRATIVE_SERVICE, why, True)
    return Landing(DomainName.ADMINISTRATIVE_SERVICE, msg("reason.landing.none"), False)


def domain_of(system: System, networks: Mapping[str, Network]) -> tuple[DomainName, Message]:
    """DOMAIN-1: the domain *system* lands in and why (see :func:`landing_of`)."""
    landing = landing_of(system, networks)
    return landing.domain, landing.reason


def exceeds_domain_level(level: int, domain: CloudDomain) -> bool:
    """MLPS-1: the system's level is above the domain's own (a level-4 pool does not raise it: MLPS-2)."""
    return level > domain.mlps_level


def needs_level4_pool(level: int, domain: CloudDomain) -> bool:
    """MLPS-2: a level-4 system in a domain that has no dedicated level-4 pool."""
    return level >= 4 and not domain.dedicated_level4_pool


@dataclass(frozen=True)
class DomainFit:
    """Outcome of fitting the migrating systems into the domains' capacity."""

    admitted: frozenset[str]
    refused: dict[str, Message]  # system id -> reason
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
    refused: dict[str, Message] = {}
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
                refused[sid] = msg("reason.domain.full", domain=dom, over=over)
        used[dom] = total
        shortfall[dom] = {f: demand[f] - limits[f] for f in CAPACITY_FIELDS if demand[f] > limits[f]}
    return DomainFit(frozenset(admitted), refused, used, shortfall)


def domain_findings(fit: DomainFit) -> list[Finding]:
    """DOMAIN-1: one error per domain whose capacity falls short of its systems."""
    out = []
    for dom, short in fit.shortfall.items():
        if not short:
            continue
        parts = [msg("finding.short_by", resource=f, amount=v) for f, v in short.items()]
        refused = sum(1 for _ in fit.refused)
        out.append(
            Finding.of(
                rules.DOMAIN_1,
                FindingSeverity.ERROR,
                dom.value,
                msg("finding.domain_short", domain=dom, shortfall=parts, n=refused),
            )
        )
    return out
