"""Where a migrating system lands: its cloud domain (DOMAIN-1), MLPS placement (MLPS-1/2), capacity.

The rules that decide with these facts are classes of planner.ruleset.builtin.

Capacity decision: a domain's vCPU, RAM and storage hold across the whole plan. When the
migrating systems do not fit, the planner admits them smallest-first (most systems on the
cloud, which is what CLOUD-2 counts) and marks the rest ``blocked`` with a DOMAIN-1 error per
system, plus one DOMAIN-1 error per domain stating the shortfall. Blocking, rather than
planning them anyway and flagging, keeps every plan executable as written.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from foundation.messages import Message, msg
from inventory.models import CloudDomain, CloudDomains, DomainName, Network, NetworkKind, System
from planner import rules
from planner.plan_model import Finding, FindingSeverity, Sizing

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
    candidates: Iterable[tuple[str, DomainName, Sequence[float]]], domains: CloudDomains
) -> DomainFit:
    """Admit systems smallest-first until a domain's vCPU, RAM or storage would be exceeded.

    Each candidate's need is given in CAPACITY_FIELDS' order (:func:`capacity_need`).
    """
    fields = CAPACITY_FIELDS
    by_domain: dict[DomainName, list[tuple[str, Sequence[float]]]] = {d: [] for d in DomainName}
    for sid, dom, need in candidates:
        by_domain[dom].append((sid, need))
    admitted: set[str] = set()
    refused: dict[str, Message] = {}
    used: dict[DomainName, dict[str, float]] = {}
    shortfall: dict[DomainName, dict[str, float]] = {}
    inf = float("inf")
    for dom, items in by_domain.items():
        cap = domains.get(dom)
        limits = [float(getattr(cap, f)) for f in fields]
        # each column summed in the systems' order, as a sum per field would
        columns = zip(*(need for _, need in items), strict=True)
        demand = [sum(column) for column in columns] or [0] * len(fields)
        if all(d <= lim for d, lim in zip(demand, limits, strict=True)):
            admitted.update(s for s, _ in items)
            used[dom] = dict(zip(fields, demand, strict=True))
            continue

        def share(item: tuple[str, Sequence[float]], limits: list[float] = limits) -> tuple[float, str]:
            return max([n / lim if lim else inf for n, lim in zip(item[1], limits, strict=True)]), item[0]

        total = [0.0] * len(fields)
        for sid, need in sorted(items, key=share):
            after = [t + n for t, n in zip(total, need, strict=True)]
            if all(a <= lim for a, lim in zip(after, limits, strict=True)):
                admitted.add(sid)
                total = after
            else:
                over = [f for f, a, lim in zip(fields, after, limits, strict=True) if a > lim]
                refused[sid] = msg("reason.domain.full", domain=dom, over=over)
        used[dom] = dict(zip(fields, total, strict=True))
        shortfall[dom] = {f: d - lim for f, d, lim in zip(fields, demand, limits, strict=True) if d > lim}
    return DomainFit(frozenset(admitted), refused, used, shortfall)


_CAPACITY_OF = operator.attrgetter(*CAPACITY_FIELDS)


def capacity_need(sizing: Sizing) -> tuple[float, ...]:
    """What a system of *sizing* takes of its domain's capacity, in CAPACITY_FIELDS' order."""
    return tuple(map(float, _CAPACITY_OF(sizing)))


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
