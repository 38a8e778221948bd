"""Security rules derived from the plan's dependency graph (MLPS-3), nothing more.

A plan system's ``links`` are the flows it needs: system S with a link to T on (protocol, port)
means S opens connections to T. Each such flow becomes exactly two security-group rules: an
egress rule on S's group towards T's group and an ingress rule on T's group from S's group. When
one side stays off the cloud (keep_local, blocked, programme) its side is the extranet CIDR of
the departments' retained LANs. Both rules live in the stack of the later of the two systems'
waves, the first stack in which both groups exist. Flows between the two domains additionally
pass the boundary firewall of the platform stack, which opens only those (protocol, port) pairs.

The only ingress from anywhere (0.0.0.0/0) is HTTP/HTTPS to public-facing systems of the
public-service domain, through the platform's shared public-web group; only those systems get
floating IPs (the domain's single internet exit, LINE-4).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from inventory.models import DomainName
from planner.plan_model import Disposition, Plan, PlanSystem

OFF_CLOUD = "off-cloud"
OPEN_CIDR = "0.0.0.0/0"
PUBLIC_WEB_PORTS = (80, 443)
PORTED_PROTOCOLS = frozenset({"tcp", "udp", "sctp"})

# Dispositions whose systems stay where they are and can still exchange data with the cloud.
STAYING = frozenset({Disposition.KEEP_LOCAL, Disposition.BLOCKED, Disposition.PROGRAMME})


@dataclass(frozen=True, order=True)
class Flow:
    """One dependency flow after resolving merges: source opens connections to target."""

    source: str  # system ID, or OFF_CLOUD
    target: str  # system ID, or OFF_CLOUD
    protocol: str
    port: int | None
    kind: str = field(compare=False, default="data")


@dataclass(frozen=True)
class DroppedLink:
    """A link that opens nothing, and why."""

    system: str
    target: str
    reason: str


@dataclass(frozen=True)
class FlowGraph:
    """The flows of a whole plan, with where each migrating system lands."""

    flows: tuple[Flow, ...]
    dropped: tuple[DroppedLink, ...]
    domains: dict[str, DomainName]
    waves: dict[str, int]

    def wave_of(self, flow: Flow) -> int:
        """The stack a flow's rules live in: the later wave of its migrating ends."""
        return max(self.waves[s] for s in (flow.source, flow.target) if s in self.waves)

    def crosses_domains(self, flow: Flow) -> bool:
        return (
            flow.source in self.domains
            and flow.target in self.domains
            and self.domains[flow.source] is not self.domains[flow.target]
        )


@dataclass(frozen=True)
class SecurityRule:
    """One security-group rule of a system's group."""

    owner: str  # system whose security group holds the rule
    direction: str  # ingress | egress
    protocol: str
    port: int | None
    remote_system: str | None  # the peer's security group, or
    remote_cidr: str | None  # the peer's address range
    flow: Flow

    @property
    def name(self) -> str:
        peer = self.remote_system or "extranet"
        return f"{self.owner}-{self.direction}-{peer}-{self.protocol}-{self.port or 'any'}"


@dataclass(frozen=True)
class BoundaryRule:
    """One allowed (protocol, port) between the two domains at the boundary firewall (MLPS-3)."""

    source_domain: DomainName
    target_domain: DomainName
    protocol: str
    port: int | None
    flows: tuple[Flow, ...]

    @property
    def name(self) -> str:
        route = f"{_short(self.source_domain)}-to-{_short(self.target_domain)}"
        return f"{route}-{self.protocol}-{self.port or 'any'}"

    @property
    def into_administrative(self) -> bool:
        return self.target_domain is DomainName.ADMINISTRATIVE_SERVICE


def _short(domain: DomainName) -> str:
    return "public" if domain is DomainName.PUBLIC_SERVICE else "admin"


def is_placed(system: PlanSystem) -> bool:
    """A system that gets cloud resources: it migrates into a domain in a wave (DOMAIN-1)."""
    return system.disposition is Disposition.MIGRATE and system.domain is not None and system.wave is not None


def has_public_ip(system: PlanSystem) -> bool:
    """Floating IPs and open HTTP/HTTPS only for public-facing systems of the public-service domain."""
    return is_placed(system) and system.public_facing and system.domain is DomainName.PUBLIC_SERVICE


def _resolve(index: dict[str, PlanSystem], system_id: str) -> PlanSystem | None:
    """Follow merges to the surviving system (None when unknown or a platform outside the plan)."""
    seen: set[str] = set()
    current = index.get(system_id)
    while current is not None and current.disposition is Disposition.MERGE and current.into:
        if current.id in seen:
            return None
        seen.add(current.id)
        current = index.get(current.into)
    return current


def _port(protocol: str, port: int) -> int | None:
    return port if protocol in PORTED_PROTOCOLS else None


def flow_graph(plan: Plan) -> FlowGraph:
    """Every flow the plan's links name, resolved to migrating systems or the off-cloud extranet."""
    index = {s.id: s for s in plan.systems}
    flows: dict[Flow, Flow] = {}
    dropped: list[DroppedLink] = []
    for src in plan.systems:
        placed_src = is_placed(src)
        if not placed_src and src.disposition not in STAYING:
            continue  # retired, merged (the survivor's links count) or on the intranet
        for link in src.links:
            protocol = link.protocol.lower()
            tgt = _resolve(index, link.system)
            if tgt is None:
                if placed_src:
                    dropped.append(DroppedLink(src.id, link.system, "not a system of the plan"))
                continue
            if tgt.id == src.id:
                continue
            if placed_src and is_placed(tgt):
                flow = Flow(src.id, tgt.id, protocol, _port(protocol, link.port), link.kind)
            elif placed_src and tgt.disposition in STAYING:
                flow = Flow(src.id, OFF_CLOUD, protocol, _port(protocol, link.port), link.kind)
            elif not placed_src and is_placed(tgt):
                flow = Flow(OFF_CLOUD, tgt.id, protocol, _port(protocol, link.port), link.kind)
            else:
                if placed_src:
                    reason = (
                        "on the physically separate intranet (SCOPE-2)"
                        if tgt.disposition is Disposition.INTRANET
                        else f"{tgt.disposition.value}"
                    )
                    dropped.append(DroppedLink(src.id, link.system, reason))
                continue
            flows.setdefault(flow, flow)
    placed = [s for s in plan.systems if is_placed(s)]
    return FlowGraph(
        flows=tuple(sorted(flows)),
        dropped=tuple(dropped),
        domains={s.id: DomainName(s.domain) for s in placed if s.domain is not None},
        waves={s.id: int(s.wave) for s in placed if s.wave is not None},
    )


def wave_rules(graph: FlowGraph, wave: int, extranet_cidr: str) -> list[SecurityRule]:
    """The security-group rules a wave's stack creates: both ends of each flow that goes live in it."""
    rules: list[SecurityRule] = []
    for flow in graph.flows:
        if graph.wave_of(flow) != wave:
            continue
        src_in, tgt_in = flow.source in graph.waves, flow.target in graph.waves
        if src_in:
            rules.append(
                SecurityRule(
                    owner=flow.source,
                    direction="egress",
                    protocol=flow.protocol,
                    port=flow.port,
                    remote_system=flow.target if tgt_in else None,
                    remote_cidr=None if tgt_in else extranet_cidr,
                    flow=flow,
                )
            )
        if tgt_in:
            rules.append(
                SecurityRule(
                    owner=flow.target,
                    direction="ingress",
                    protocol=flow.protocol,
                    port=flow.port,
                    remote_system=flow.source if src_in else None,
                    remote_cidr=None if src_in else extranet_cidr,
                    flow=flow,
                )
            )
    return rules


def boundary_rules(graph: FlowGraph) -> list[BoundaryRule]:
    """Cross-domain flows grouped into the boundary firewall's allow rules."""
    groups: dict[tuple[DomainName, DomainName, str, int | None], list[Flow]] = defaultdict(list)
    for flow in graph.flows:
        if graph.crosses_domains(flow):
            key = (graph.domains[flow.source], graph.domains[flow.target], flow.protocol, flow.port)
            groups[key].append(flow)
    return [
        BoundaryRule(s, t, p, port, tuple(fl))
        for (s, t, p, port), fl in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3] or 0)
        )
    ]


def referenced_waves(rules: list[SecurityRule], graph: FlowGraph, wave: int) -> dict[int, set[str]]:
    """Earlier waves whose stacks hold security groups this wave's rules reference."""
    refs: dict[int, set[str]] = defaultdict(set)
    for rule in rules:
        for system in (rule.owner, rule.remote_system):
            if system is not None and graph.waves[system] != wave:
                refs[graph.waves[system]].add(system)
    return dict(refs)
