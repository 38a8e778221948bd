"""What the services hold after an apply, read back from Keystone and Neutron, and what the plan
says they should hold (derived from the plan's systems and links, not from the program)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openstack.exceptions import NotFoundException

from planner.plan_model import Disposition, Plan, PlanSystem
from stacks import tags
from tests.openstack.apply import T_ROUTER, T_SECGROUP, Applier

# A rule as Neutron stores it: (group's system, direction, protocol, port, peer system or CIDR).
Rule = tuple[str, str, str, int | None, str]
GROUP_PREFIX = "govcloud-"  # Neutron name of a system's group: govcloud-<system>
PORTED = {"tcp", "udp", "sctp"}
STAYING = {Disposition.KEEP_LOCAL, Disposition.BLOCKED, Disposition.PROGRAMME}


@dataclass
class Topology:
    projects_by_department: dict[str, list[str]] = field(default_factory=dict)
    rules: set[Rule] = field(default_factory=set)
    router_routes: dict[str, list[str]] = field(default_factory=dict)  # router name -> destinations


def read_topology(applier: Applier) -> Topology:
    """Projects of the deployment's domain, the rules of the systems' groups, the routers' routes."""
    admin = applier.admin
    topo = Topology()
    for project in admin.identity.projects(domain_id=applier.domain.id):
        dept = tags.tag_value(list(project.tags or []), tags.DEPARTMENT)
        if dept is not None:
            topo.projects_by_department.setdefault(dept, []).append(project.name)
    groups: dict[str, str] = {}  # real ID -> system
    for created in applier.created.values():
        if created.node.type == T_SECGROUP and created.node.stack != "platform":
            group = admin.network.get_security_group(created.real_id)
            groups[group.id] = group.name.removeprefix(GROUP_PREFIX)
    for gid, system in groups.items():
        for r in admin.network.security_group_rules(security_group_id=gid):
            peer = (
                groups.get(r.remote_group_id, r.remote_group_id) if r.remote_group_id else r.remote_ip_prefix
            )
            topo.rules.add((system, r.direction, r.protocol, r.port_range_min, peer))
    for created in applier.created.values():
        if created.node.type == T_ROUTER:
            router = admin.network.get_router(created.real_id)
            topo.router_routes[router.name] = sorted(r["destination"] for r in router.routes or [])
    return topo


def _survivor(index: dict[str, PlanSystem], sid: str) -> PlanSystem | None:
    seen: set[str] = set()
    s = index.get(sid)
    while s is not None and s.disposition is Disposition.MERGE and s.into and s.id not in seen:
        seen.add(s.id)
        s = index.get(s.into)
    return s


def placed(s: PlanSystem) -> bool:
    return s.disposition is Disposition.MIGRATE and s.domain is not None and s.wave is not None


def expected_rules(plan: Plan, waves: Iterable[int], extranet_cidr: str) -> set[Rule]:
    """Each link S -> T of the plan whose flow goes live in one of *waves*: egress on S's group to
    T, ingress on T's group from S; a side that stays off the cloud is the extranet CIDR. Links to
    retired or intranet systems open nothing; a merged system's links are its survivor's."""
    index = {s.id: s for s in plan.systems}
    wanted = set(waves)
    rules: set[Rule] = set()
    for src in plan.systems:
        if not (placed(src) or src.disposition in STAYING):
            continue
        for link in src.links:
            tgt = _survivor(index, link.system)
            if tgt is None or tgt.id == src.id or not (placed(tgt) or tgt.disposition in STAYING):
                continue
            if not placed(src) and not placed(tgt):
                continue
            proto = link.protocol.lower()
            port = link.port if proto in PORTED else None
            live = max(int(s.wave) for s in (src, tgt) if placed(s) and s.wave is not None)
            if live not in wanted:
                continue
            if placed(src):
                rules.add((src.id, "egress", proto, port, tgt.id if placed(tgt) else extranet_cidr))
            if placed(tgt):
                rules.add((tgt.id, "ingress", proto, port, src.id if placed(src) else extranet_cidr))
    return rules


def departments_of(plan: Plan, waves: Iterable[int]) -> set[str]:
    wanted = set(waves)
    return {s.department for s in plan.systems if placed(s) and s.wave in wanted}


def leftovers(applier: Applier) -> list[str]:
    """Resources ever created by this deployment that the services still hold."""
    admin = applier.admin
    left: list[str] = []
    getters: dict[str, Any] = {
        "openstack:networking/network:Network": admin.network.get_network,
        "openstack:networking/subnet:Subnet": admin.network.get_subnet,
        "openstack:networking/router:Router": admin.network.get_router,
        "openstack:networking/port:Port": admin.network.get_port,
        "openstack:networking/secGroup:SecGroup": admin.network.get_security_group,
        "openstack:networking/secGroupRule:SecGroupRule": admin.network.get_security_group_rule,
        "openstack:networking/rbacPolicyV2:RbacPolicyV2": admin.network.get_rbac_policy,
        "openstack:networking/floatingIp:FloatingIp": admin.network.get_ip,
        "openstack:identity/project:Project": admin.identity.get_project,
    }
    for c in applier.history:
        get = getters.get(c.node.type)
        if get is None:
            continue
        try:
            get(c.real_id)
        except NotFoundException:
            continue
        left.append(f"{c.node.type.rsplit(':', 1)[-1]} {c.node.name} ({c.real_id})")
    return left
