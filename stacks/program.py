"""Composition of the govcloud stacks: what `pulumi up` runs (via stacks/__main__.py) and what
the offline preview runs under the mock runtime. It reads the plan file named by config."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass

import pulumi

from inventory.models import DomainName
from planner.plan_model import Plan, PlanError, PlanSystem, load_plan
from stacks.components import (
    DepartmentProject,
    DepartmentProjectArgs,
    DomainBoundary,
    DomainBoundaryArgs,
    DomainNetwork,
    DomainNetworkArgs,
    PublicWebAccess,
    PublicWebAccessArgs,
    SystemDeployment,
    SystemDeploymentArgs,
)
from stacks.config import Layer, StackSettings, load_settings
from stacks.security import (
    FlowGraph,
    SecurityRule,
    boundary_rules,
    flow_graph,
    has_public_ip,
    is_placed,
    referenced_waves,
    wave_rules,
)
from stacks.sizing import ServerLayout, is_protected, server_layout

# Output names of the platform stack, read by the wave stacks.
OUT_NETWORKS = "networks"
OUT_SUBNETS = "subnets"
OUT_CIDRS = "cidrs"
OUT_PUBLIC_WEB_SG = "publicWebSecurityGroup"
OUT_EXTERNAL_NETWORK = "externalNetwork"
OUT_BOUNDARY = "boundaryFirewallGroup"
# Output names of a wave stack, read by later waves.
OUT_SECURITY_GROUPS = "securityGroups"
OUT_PROJECTS = "projects"
OUT_INSTANCES = "instances"


def compose() -> None:
    """The whole program: read config and plan, then build the platform or one wave."""
    settings = load_settings()
    try:
        plan = load_plan(settings.plan_path)
    except PlanError as exc:
        raise pulumi.RunError(str(exc)) from None
    if settings.layer is Layer.PLATFORM:
        compose_platform(settings, plan)
    else:
        compose_wave(settings, plan)


def transit_ips(transit_cidr: str) -> tuple[str, str]:
    """Boundary addresses of the public and the administrative router on the transit net."""
    hosts = list(ipaddress.ip_network(transit_cidr).hosts())
    if len(hosts) < 2:
        raise pulumi.RunError(f"govcloud:transitCidr: {transit_cidr} has room for fewer than 2 routers")
    return str(hosts[0]), str(hosts[1])


def compose_platform(settings: StackSettings, plan: Plan) -> None:
    """Domain networks, the single internet exit, the boundary and the shared public-web group."""
    import pulumi_openstack as openstack

    graph = flow_graph(plan)
    boundary = DomainBoundary(
        "boundary",
        DomainBoundaryArgs(
            transit_cidr=settings.cidrs.transit,
            public_cidr=settings.cidrs.public_service,
            administrative_cidr=settings.cidrs.administrative_service,
            rules=boundary_rules(graph),
        ),
    )
    external = openstack.networking.get_network_output(name=settings.external_network, external=True)
    public_ip, admin_ip = transit_ips(settings.cidrs.transit)
    nets: dict[DomainName, DomainNetwork] = {}
    for domain, ip in ((DomainName.PUBLIC_SERVICE, public_ip), (DomainName.ADMINISTRATIVE_SERVICE, admin_ip)):
        nets[domain] = DomainNetwork(
            domain.value.replace("_", "-"),
            DomainNetworkArgs(
                domain=domain,
                cidr=settings.cidrs.domain(domain),
                dns_nameservers=settings.dns_nameservers,
                transit_network_id=boundary.network_id,
                transit_subnet_id=boundary.subnet_id,
                transit_ip=ip,
                external_network_id=external.id if domain is DomainName.PUBLIC_SERVICE else None,
            ),
        )
    public, admin = nets[DomainName.PUBLIC_SERVICE], nets[DomainName.ADMINISTRATIVE_SERVICE]
    boundary.attach(public.router_id, admin.router_id, public_ip, admin_ip, admin.transit_port_id)
    web = PublicWebAccess("public-web", PublicWebAccessArgs())
    pulumi.export(OUT_NETWORKS, {d.value: n.network_id for d, n in nets.items()})
    pulumi.export(OUT_SUBNETS, {d.value: n.subnet_id for d, n in nets.items()})
    pulumi.export(OUT_CIDRS, {d.value: settings.cidrs.domain(d) for d in nets})
    pulumi.export(OUT_PUBLIC_WEB_SG, web.security_group_id)
    pulumi.export(OUT_EXTERNAL_NETWORK, settings.external_network)
    pulumi.export(OUT_BOUNDARY, boundary.firewall_group_id)


@dataclass(frozen=True)
class WaveDesign:
    """What a wave's stack builds, computed from the plan alone (no Pulumi involved)."""

    wave: int
    systems: tuple[PlanSystem, ...]  # migrating systems of the wave
    layouts: dict[str, ServerLayout]
    graph: FlowGraph
    rules: tuple[SecurityRule, ...]

    def departments(self) -> dict[str, list[PlanSystem]]:
        by_dept: dict[str, list[PlanSystem]] = defaultdict(list)
        for s in self.systems:
            by_dept[s.department].append(s)
        return dict(sorted(by_dept.items()))


def design_wave(settings: StackSettings, plan: Plan, wave: int) -> WaveDesign:
    """The migrating systems of a wave, their layouts and the security rules that go live in it."""
    systems = tuple(s for s in plan.systems if is_placed(s) and s.wave == wave)
    layouts = {s.id: server_layout(s.sizing, settings.flavors, settings.boot_volume_gb) for s in systems}
    graph = flow_graph(plan)
    return WaveDesign(wave, systems, layouts, graph, tuple(wave_rules(graph, wave, settings.cidrs.extranet)))


def _host_os(settings: StackSettings) -> dict[str, str]:
    """OS of each system's first host, when an inventory is configured (it picks the image)."""
    if settings.inventory_path is None:
        return {}
    from inventory.loader import load_inventory
    from inventory.problems import InventoryError

    try:
        inventory = load_inventory(settings.inventory_path)
    except InventoryError as exc:
        raise pulumi.RunError(f"govcloud:inventory: {settings.inventory_path}: {exc}") from None
    return {s.id: s.hosts[0].os for s in inventory.systems if s.hosts and s.hosts[0].os}


def compose_wave(settings: StackSettings, plan: Plan) -> None:
    """Department projects and system deployments of one wave, plus the flows that go live in it."""
    import pulumi_openstack as openstack

    design = design_wave(settings, plan, settings.wave)
    if not any(w.number == settings.wave for w in plan.waves) and not design.systems:
        pulumi.log.warn(f"govcloud:wave: the plan has no wave {settings.wave}; this stack creates nothing")
    platform = pulumi.StackReference(settings.platform_stack)
    networks = _required(platform, settings.platform_stack, OUT_NETWORKS)
    subnets = _required(platform, settings.platform_stack, OUT_SUBNETS)
    public_web = _required(platform, settings.platform_stack, OUT_PUBLIC_WEB_SG)
    host_os = _host_os(settings)
    # One lookup per domain, shared by every system (each apply is a task for the engine).
    domain_net = {d.value: _pick(networks, d.value) for d in DomainName}
    domain_subnet = {d.value: _pick(subnets, d.value) for d in DomainName}

    rules_by_owner: dict[str, int] = defaultdict(int)
    for rule in design.rules:
        rules_by_owner[rule.owner] += 1

    security_groups: dict[str, pulumi.Output[str]] = {}
    deployments: dict[str, SystemDeployment] = {}
    projects: dict[str, pulumi.Output[str]] = {}
    instances: dict[str, int] = {}
    for dept, systems in design.departments().items():
        layouts = [design.layouts[s.id] for s in systems]
        domains = sorted({s.domain.value for s in systems if s.domain is not None})
        protected = [design.layouts[s.id] for s in systems if is_protected(s.mlps_level)]
        project = DepartmentProject(
            f"{dept}",
            DepartmentProjectArgs(
                department=dept,
                wave=settings.wave,
                layouts=layouts,
                security_rules=sum(rules_by_owner[s.id] for s in systems),
                floating_ips=sum(design.layouts[s.id].servers for s in systems if has_public_ip(s)),
                protected_volumes=sum(lay.volumes for lay in protected),
                protected_gb=sum(lay.volume_gb for lay in protected),
                domain_networks={d: domain_net[d] for d in domains},
                headroom=settings.quota_headroom,
            ),
        )
        projects[dept] = project.project_id
        for s in systems:
            assert s.domain is not None
            domain = s.domain.value
            deployment = SystemDeployment(
                s.id,
                SystemDeploymentArgs(
                    system=s,
                    layout=design.layouts[s.id],
                    image_id=settings.image_for(host_os.get(s.id)),
                    network_id=domain_net[domain],
                    subnet_id=domain_subnet[domain],
                    volume_type=settings.volume_type,
                    encrypted_volume_type=settings.encrypted_volume_type,
                    public_web_security_group_id=public_web if has_public_ip(s) else None,
                    external_network=settings.external_network if has_public_ip(s) else None,
                ),
                opts=pulumi.ResourceOptions(parent=project, providers={"openstack": project.provider}),
            )
            deployments[s.id] = deployment
            security_groups[s.id] = deployment.security_group_id
            instances[s.id] = design.layouts[s.id].servers

    # Groups of systems that moved in earlier waves come from those waves' stacks.
    for earlier, systems_needed in sorted(
        referenced_waves(list(design.rules), design.graph, settings.wave).items()
    ):
        ref = pulumi.StackReference(settings.wave_stack(earlier))
        groups = _required(ref, settings.wave_stack(earlier), OUT_SECURITY_GROUPS)
        for sid in sorted(systems_needed):
            security_groups[sid] = _pick(groups, sid)

    for rule in design.rules:
        # A rule lives with the deployment of this wave it belongs to: its owner's, else its peer's.
        parent = deployments.get(rule.owner) or deployments[rule.remote_system or ""]
        port = rule.port
        openstack.networking.SecGroupRule(
            rule.name,
            security_group_id=security_groups[rule.owner],
            direction=rule.direction,
            ethertype="IPv4",
            protocol=rule.protocol,
            port_range_min=port,
            port_range_max=port,
            remote_group_id=security_groups[rule.remote_system] if rule.remote_system else None,
            remote_ip_prefix=rule.remote_cidr,
            description=f"MLPS-3: {rule.flow.source} -> {rule.flow.target} ({rule.flow.kind})",
            opts=pulumi.ResourceOptions(parent=parent),
        )

    pulumi.export(OUT_SECURITY_GROUPS, security_groups_of_wave(security_groups, design))
    pulumi.export(OUT_PROJECTS, projects)
    pulumi.export(OUT_INSTANCES, instances)


def _pick(mapping: pulumi.Output, key: str) -> pulumi.Output[str]:
    """One entry of a referenced stack's map output."""

    def get(m: dict[str, str]) -> str:
        return m[key]

    return mapping.apply(get)


def _required(ref: pulumi.StackReference, stack: str, name: str) -> pulumi.Output:
    """An output of a referenced stack; a clear error when that stack has not exported it."""

    def check(value: object) -> object:
        if value is None:
            raise pulumi.RunError(f"stack {stack} does not export {name!r}: run `pulumi up -s {stack}` first")
        return value

    return ref.get_output(name).apply(check)


def security_groups_of_wave(
    groups: dict[str, pulumi.Output[str]], design: WaveDesign
) -> dict[str, pulumi.Output[str]]:
    """Only the wave's own systems' groups are exported (the others belong to earlier waves)."""
    return {s.id: groups[s.id] for s in design.systems}
