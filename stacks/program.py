"""Composition of the govcloud stacks: what `pulumi up` runs (via stacks/__main__.py) and what
the offline preview runs under the mock runtime. It reads the plan file named by config.

Three layers, applied in this order and destroyed in the reverse: `platform` (admin: networks,
routers, extranet routes, boundary, shared groups), `departments` (admin: one project per
department for the whole programme, quotas, RBAC shares), `wave-NN` (per-project providers: the
systems of one wave in their departments' projects, and the flows that go live in it).
"""

from __future__ import annotations

import ipaddress
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from foundation.errors import GovcloudError
from inventory.models import DomainName, Inventory
from planner.plan_model import Plan, PlanError, PlanSystem, load_plan
from stacks.access import baseline_rules, department_lans, extranet_destinations, user_rules
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
from stacks.components.baseline import BaselineAccess, BaselineAccessArgs, baseline_group_label
from stacks.components.system_deployment import uses_load_balancer
from stacks.config import Boundary, Layer, StackSettings, load_settings
from stacks.credentials import project_provider, scope_overrides
from stacks.lifecycle import file_digest
from stacks.security import (
    FlowGraph,
    SecurityRule,
    boundary_rules,
    flow_graph,
    has_public_ip,
    is_placed,
    wave_rules,
)
from stacks.sizing import ServerLayout, is_protected, server_layout

# Output names of the platform stack, read by the departments and wave stacks.
OUT_NETWORKS = "networks"
OUT_SUBNETS = "subnets"
OUT_CIDRS = "cidrs"
OUT_PUBLIC_WEB_SG = "publicWebSecurityGroup"
OUT_BASELINE_SGS = "baselineSecurityGroups"
OUT_EXTERNAL_NETWORK = "externalNetwork"
OUT_BOUNDARY = "boundaryFirewallGroup"
# Output names of the departments stack, read by the wave stacks.
OUT_PROJECTS = "projects"
OUT_NETWORK_SHARES = "networkShares"
OUT_GROUP_SHARES = "groupShares"
# Output names of a wave stack, read by later waves and by the runbooks (`systems`).
OUT_SECURITY_GROUPS = "securityGroups"
OUT_SYSTEMS = "systems"
OUT_LOAD_BALANCERS = "loadBalancers"
OUT_INSTANCES = "instances"

PUBLIC_WEB_LABEL = "public-web"
SHARE_TYPE = "govcloud:wave:RbacShare"
DEPARTMENT_WAVE_TYPE = "govcloud:wave:DepartmentWave"


def compose() -> None:
    """The whole program: read config and plan, then build the platform, departments or one wave."""
    settings = load_settings()
    plan = _load_pinned_plan(settings)
    inventory = _inventory(settings)
    if settings.layer is Layer.PLATFORM:
        compose_platform(settings, plan, inventory)
    elif settings.layer is Layer.DEPARTMENTS:
        compose_departments(settings, plan, inventory)
    else:
        compose_wave(settings, plan, inventory)


def _load_pinned_plan(settings: StackSettings) -> Plan:
    """The plan of the stack file; refused when it is not the one the file was generated from."""
    try:
        plan = load_plan(settings.plan_path)
    except PlanError as exc:
        raise pulumi.RunError(str(exc)) from None
    if settings.plan_digest and file_digest(settings.plan_path) != settings.plan_digest:
        raise pulumi.RunError(
            f"govcloud:planDigest: {settings.plan_path} is not the plan this stack was generated from "
            f"({settings.plan_digest}); run `govcloud stacks generate` again"
        )
    return plan


def _inventory(settings: StackSettings) -> Inventory | None:
    if settings.inventory_path is None:
        return None
    from inventory.loader import load_inventory
    from inventory.problems import InventoryError

    try:
        return load_inventory(settings.inventory_path)
    except InventoryError as exc:
        raise pulumi.RunError(f"govcloud:inventory: {settings.inventory_path}: {exc}") from None


def transit_ips(transit_cidr: str) -> tuple[str, str]:
    """Boundary addresses of the public and the administrative router on the transit net."""
    hosts = list(ipaddress.ip_network(transit_cidr).hosts())
    if len(hosts) < 2:
        raise pulumi.RunError(f"govcloud:transitCidr: {transit_cidr} has room for fewer than 2 routers")
    return str(hosts[0]), str(hosts[1])


def user_lans(settings: StackSettings, inventory: Inventory | None) -> dict[str, tuple[str, ...]]:
    """User LANs of every department of the plan's systems (inventory, else the config fallback)."""
    return department_lans(inventory, settings.user_lan_cidrs)


def lans_of(settings: StackSettings, lans: Mapping[str, tuple[str, ...]], department: str) -> tuple[str, ...]:
    return lans.get(department) or settings.user_lan_cidrs


def _adopt(settings: StackSettings, logical: str, **kw: object) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(import_=settings.import_id(logical), **kw)  # type: ignore[arg-type]


def compose_platform(settings: StackSettings, plan: Plan, inventory: Inventory | None = None) -> None:
    """Domain networks, the single internet exit, extranet routes, the boundary, shared groups."""
    import pulumi_openstack as openstack

    graph = flow_graph(plan)
    fwaas = settings.boundary is Boundary.FWAAS
    boundary = DomainBoundary(
        "boundary",
        DomainBoundaryArgs(
            transit_cidr=settings.cidrs.transit,
            public_cidr=settings.cidrs.public_service,
            administrative_cidr=settings.cidrs.administrative_service,
            rules=boundary_rules(graph),
            fwaas=fwaas,
        ),
    )
    external = openstack.networking.get_network_output(name=settings.external_network, external=True)
    # The extranet link: usually an existing provider network, adopted with `imports`.
    extranet_net = openstack.networking.Network(
        "extranet-net",
        name="govcloud-extranet",
        admin_state_up=True,
        description="link to the e-government extranet gateway",
        opts=_adopt(settings, "extranet-net", protect=True),
    )
    extranet_subnet = openstack.networking.Subnet(
        "extranet-subnet",
        name="govcloud-extranet",
        network_id=extranet_net.id,
        cidr=settings.extranet_link_cidr,
        gateway_ip=settings.extranet_gateway,
        ip_version=4,
        enable_dhcp=False,
        opts=_adopt(settings, "extranet-subnet", protect=True),
    )
    lans = user_lans(settings, inventory)
    destinations = extranet_destinations(
        settings, [c for cidrs in lans.values() for c in cidrs] + list(settings.user_lan_cidrs)
    )
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
                extranet_network_id=extranet_net.id,
                extranet_subnet_id=extranet_subnet.id,
                extranet_gateway=settings.extranet_gateway,
                extranet_destinations=destinations,
                external_network_id=external.id if domain is DomainName.PUBLIC_SERVICE else None,
                depends_on=[extranet_subnet],
            ),
        )
    public, admin = nets[DomainName.PUBLIC_SERVICE], nets[DomainName.ADMINISTRATIVE_SERVICE]
    boundary.attach(
        public.router_id,
        admin.router_id,
        public_ip,
        admin_ip,
        admin.transit_port_id,
        transit_interfaces=[public.transit_interface, admin.transit_interface],
        administrative_transit_interface=admin.transit_interface,
    )
    web = PublicWebAccess(PUBLIC_WEB_LABEL, PublicWebAccessArgs())
    baseline = {
        d: BaselineAccess(
            baseline_group_label(d), BaselineAccessArgs(domain=d, rules=baseline_rules(settings))
        )
        for d in nets
    }
    pulumi.export(OUT_NETWORKS, {d.value: n.network_id for d, n in nets.items()})
    pulumi.export(OUT_SUBNETS, {d.value: n.subnet_id for d, n in nets.items()})
    pulumi.export(OUT_CIDRS, {d.value: settings.cidrs.domain(d) for d in nets})
    pulumi.export(OUT_PUBLIC_WEB_SG, web.security_group_id)
    pulumi.export(OUT_BASELINE_SGS, {d.value: b.security_group_id for d, b in baseline.items()})
    pulumi.export(OUT_EXTERNAL_NETWORK, settings.external_network)
    if boundary.firewall_group_id is not None:
        pulumi.export(OUT_BOUNDARY, boundary.firewall_group_id)


# ---------------------------------------------------------------- design (plan only, no Pulumi)


@dataclass(frozen=True)
class DepartmentNeeds:
    """What one department's project must hold over the whole programme."""

    department: str
    systems: tuple[PlanSystem, ...]
    layouts: tuple[ServerLayout, ...]
    domains: tuple[str, ...]
    public: bool  # has public-facing public-service systems (shares the public-web group)
    security_rules: int
    floating_ips: int
    load_balancers: int
    protected_volumes: int
    protected_gb: int


def programme_needs(
    settings: StackSettings, plan: Plan, inventory: Inventory | None
) -> list[DepartmentNeeds]:
    """Per department with migrating systems, its needs summed over every wave of the plan."""
    graph = flow_graph(plan)
    lans = user_lans(settings, inventory)
    owned_rules: dict[str, int] = defaultdict(int)
    for wave in sorted({w for w in graph.waves.values()}):
        for rule in wave_rules(graph, wave, settings.cidrs.extranet):
            owned_rules[rule.owner] += 1
    by_dept: dict[str, list[PlanSystem]] = defaultdict(list)
    for s in plan.systems:
        if is_placed(s):
            by_dept[s.department].append(s)
    out = []
    for dept, systems in sorted(by_dept.items()):
        layouts = [server_layout(s.sizing, settings.flavors, settings.boot_volume_gb) for s in systems]
        users = len(user_rules(lans_of(settings, lans, dept), settings.service_ports))
        protected = [lay for s, lay in zip(systems, layouts, strict=True) if is_protected(s.mlps_level)]
        lbs = sum(1 for s, lay in zip(systems, layouts, strict=True) if uses_load_balancer(s, lay))
        fips = sum(
            lay.servers
            for s, lay in zip(systems, layouts, strict=True)
            if has_public_ip(s) and not uses_load_balancer(s, lay)
        )
        out.append(
            DepartmentNeeds(
                department=dept,
                systems=tuple(systems),
                layouts=tuple(layouts),
                domains=tuple(sorted({s.domain.value for s in systems if s.domain is not None})),
                public=any(has_public_ip(s) for s in systems),
                security_rules=sum(owned_rules[s.id] + users for s in systems),
                floating_ips=fips + lbs,
                load_balancers=lbs,
                protected_volumes=sum(lay.volumes for lay in protected),
                protected_gb=sum(lay.volume_gb for lay in protected),
            )
        )
    return out


@dataclass(frozen=True)
class WaveDesign:
    """What a wave's stack builds, computed from the plan alone (no Pulumi involved)."""

    wave: int
    systems: tuple[PlanSystem, ...]  # migrating systems of the wave
    layouts: dict[str, ServerLayout]
    graph: FlowGraph
    rules: tuple[SecurityRule, ...]
    departments_of: dict[str, str] = field(default_factory=dict)  # every placed system -> department

    def departments(self) -> dict[str, list[PlanSystem]]:
        by_dept: dict[str, list[PlanSystem]] = defaultdict(list)
        for s in self.systems:
            by_dept[s.department].append(s)
        return dict(sorted(by_dept.items()))

    def acting_departments(self) -> list[str]:
        """Departments whose provider this wave needs: its systems' and its rules' owners'."""
        return sorted(set(self.departments()) | {self.departments_of[r.owner] for r in self.rules})


def design_wave(settings: StackSettings, plan: Plan, wave: int) -> WaveDesign:
    """The migrating systems of a wave, their layouts and the security rules that go live in it."""
    systems = tuple(s for s in plan.systems if is_placed(s) and s.wave == wave)
    if settings.systems and sorted(settings.systems) != sorted(s.id for s in systems):
        expected, actual = set(settings.systems), {s.id for s in systems}
        raise pulumi.RunError(
            f"govcloud:systems: the plan's wave {wave} holds other systems than this stack was generated "
            f"for (missing: {', '.join(sorted(expected - actual)) or '-'}; new: "
            f"{', '.join(sorted(actual - expected)) or '-'}); run `govcloud stacks generate` again"
        )
    layouts = {s.id: server_layout(s.sizing, settings.flavors, settings.boot_volume_gb) for s in systems}
    graph = flow_graph(plan)
    return WaveDesign(
        wave,
        systems,
        layouts,
        graph,
        tuple(wave_rules(graph, wave, settings.cidrs.extranet)),
        {s.id: s.department for s in plan.systems if is_placed(s)},
    )


def host_facts(inventory: Inventory | None) -> tuple[dict[str, str], dict[str, list[str]]]:
    """OS of each system's first host (it picks the image) and the role of each of its hosts."""
    if inventory is None:
        return {}, {}
    os_of = {s.id: s.hosts[0].os for s in inventory.systems if s.hosts and s.hosts[0].os}
    roles = {s.id: [h.role for h in s.hosts] for s in inventory.systems if s.hosts}
    return os_of, roles


def images_for(
    settings: StackSettings, systems: list[PlanSystem], os_of: Mapping[str, str]
) -> dict[str, str]:
    """Image of each system; the systems without one are named in one error, by source OS."""
    images: dict[str, str] = {}
    missing: dict[str, list[str]] = defaultdict(list)
    for s in systems:
        image = settings.image_for(os_of.get(s.id))
        if image is None:
            missing[os_of.get(s.id) or "OS unknown"].append(s.id)
        else:
            images[s.id] = image
    if missing:
        raise ImageError(dict(missing))
    return images


class ImageError(GovcloudError, ValueError):
    """Systems whose source OS has no image in the catalogue, by OS."""

    SHOWN = 30  # system IDs named per OS; the rest are counted

    def __init__(self, missing: dict[str, list[str]]) -> None:
        self.missing = missing
        parts = []
        for os_name, ids in sorted(missing.items()):
            shown = ", ".join(ids[: self.SHOWN]) + (
                f" and {len(ids) - self.SHOWN} more" if len(ids) > self.SHOWN else ""
            )
            parts.append(f"{os_name} ({len(ids)}): {shown}")
        total = sum(len(ids) for ids in missing.values())
        super().__init__(
            f"govcloud:images: no image for {total} system(s) — " + "; ".join(parts) + ". Add `OS=IMAGE_ID` "
            "entries to govcloud:images (or set govcloud:defaultImage)"
        )


# ---------------------------------------------------------------- departments stack


def compose_departments(settings: StackSettings, plan: Plan, inventory: Inventory | None = None) -> None:
    """One project per department for the whole programme, its quotas and RBAC shares."""
    platform = pulumi.StackReference(settings.platform_stack)
    networks = _required(platform, settings.platform_stack, OUT_NETWORKS)
    baseline = _required(platform, settings.platform_stack, OUT_BASELINE_SGS)
    public_web = _required(platform, settings.platform_stack, OUT_PUBLIC_WEB_SG)
    projects: dict[str, pulumi.Output[str]] = {}
    network_shares: dict[str, dict[str, pulumi.Output[str]]] = {}
    group_shares: dict[str, dict[str, pulumi.Output[str]]] = {}
    for needs in programme_needs(settings, plan, inventory):
        groups: dict[str, pulumi.Input[str]] = {
            baseline_group_label(d): _pick(baseline, d) for d in needs.domains
        }
        if needs.public:
            groups[PUBLIC_WEB_LABEL] = public_web
        project = DepartmentProject(
            needs.department,
            DepartmentProjectArgs(
                department=needs.department,
                layouts=needs.layouts,
                security_rules=needs.security_rules,
                floating_ips=needs.floating_ips,
                load_balancers=needs.load_balancers,
                protected_volumes=needs.protected_volumes,
                protected_gb=needs.protected_gb,
                domain_networks={d: _pick(networks, d) for d in needs.domains},
                shared_groups=groups,
                headroom=settings.quota_headroom,
                import_id=settings.import_id(f"{needs.department}-project"),
            ),
        )
        projects[needs.department] = project.project_id
        network_shares[needs.department] = project.network_shares
        group_shares[needs.department] = project.group_shares
    pulumi.export(OUT_PROJECTS, projects)
    pulumi.export(OUT_NETWORK_SHARES, network_shares)
    pulumi.export(OUT_GROUP_SHARES, group_shares)


# ---------------------------------------------------------------- wave stacks


class RbacShare(pulumi.ComponentResource):
    """The departments stack's RBAC policy that lets this wave's ports use a shared object.

    Its one child reads the departments stack's outputs (a stack reference, no API call) and
    yields the policy's ID; the ports that need the share depend on this component, so the
    dependency reaches the engine (and anyone replaying the graph) as a resource edge, and the
    component's inputs say which policy (ID, object, target project) it stands for."""

    def __init__(
        self,
        name: str,
        departments_stack: str,
        output: str,
        keys: tuple[str, str],
        object_type: str,
        object_id: pulumi.Input[str],
        target_tenant: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__(SHARE_TYPE, name, None, opts)
        ref = pulumi.StackReference(
            f"{name}-ref", stack_name=departments_stack, opts=pulumi.ResourceOptions(parent=self)
        )
        self.reference = ref  # what dependants wait for: a custom resource, cheap for the engine to expand
        self.rbac_policy_id = _pick2(_required(ref, departments_stack, output), *keys)
        props = {
            "rbacPolicyId": self.rbac_policy_id,
            "objectType": object_type,
            "objectId": object_id,
            "targetTenant": target_tenant,
        }
        self.register_outputs(props)


class DepartmentWave(pulumi.ComponentResource):
    """A department's part of one wave: its project's provider, the shares its ports need, its
    systems and the rules on its systems' groups; every child inherits the provider."""

    provider: pulumi.ProviderResource

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(DEPARTMENT_WAVE_TYPE, name, None, opts)

    def child(self) -> pulumi.ResourceOptions:
        """Options of a resource of this department: its parent and its project's provider."""
        return pulumi.ResourceOptions(parent=self, providers={"openstack": self.provider})


def compose_wave(settings: StackSettings, plan: Plan, inventory: Inventory | None = None) -> None:
    """Department parts and system deployments of one wave, plus the flows that go live in it."""
    import pulumi_openstack as openstack

    if not _mocked():
        overrides = scope_overrides(os.environ)
        if overrides:
            raise pulumi.RunError(
                f"wave stacks scope each provider to its department's project explicitly; unset "
                f"{', '.join(overrides)} (they would override that scope: terraform-provider-openstack #1269)"
            )
    design = design_wave(settings, plan, settings.wave)
    if not any(w.number == settings.wave for w in plan.waves) and not design.systems:
        pulumi.log.warn(f"govcloud:wave: the plan has no wave {settings.wave}; this stack creates nothing")
    os_of, roles = host_facts(inventory)
    try:
        images = images_for(settings, list(design.systems), os_of)
    except ImageError as exc:
        raise pulumi.RunError(str(exc)) from None
    lans = user_lans(settings, inventory)
    platform = pulumi.StackReference(settings.platform_stack)
    networks = _required(platform, settings.platform_stack, OUT_NETWORKS)
    subnets = _required(platform, settings.platform_stack, OUT_SUBNETS)
    public_web = _required(platform, settings.platform_stack, OUT_PUBLIC_WEB_SG)
    baseline = _required(platform, settings.platform_stack, OUT_BASELINE_SGS)
    departments = pulumi.StackReference(settings.departments_stack)
    projects = _required(departments, settings.departments_stack, OUT_PROJECTS)
    domain_net = {d.value: _pick(networks, d.value) for d in DomainName}
    domain_subnet = {d.value: _pick(subnets, d.value) for d in DomainName}
    baseline_sg = {d.value: _pick(baseline, d.value) for d in DomainName}

    parts: dict[str, DepartmentWave] = {}
    project_ids: dict[str, pulumi.Output[str]] = {}
    for dept in design.acting_departments():
        part = DepartmentWave(dept, opts=pulumi.ResourceOptions(depends_on=[departments]))
        project_ids[dept] = _pick(projects, dept)
        provider = project_provider(settings, dept, project_ids[dept], parent=part)
        part.provider = provider
        parts[dept] = part

    def child_of(dept: str) -> pulumi.ResourceOptions:
        return parts[dept].child()

    security_groups: dict[str, pulumi.Output[str]] = {}
    fixed_ips: dict[str, list[pulumi.Output[Any]]] = {}
    deployments: dict[str, SystemDeployment] = {}
    systems_out: dict[str, dict[str, object]] = {}
    balancers: dict[str, pulumi.Output[str]] = {}
    for dept, systems in design.departments().items():
        shares: dict[str, RbacShare] = {}
        for domain in sorted({s.domain.value for s in systems if s.domain is not None}):
            shares[domain] = RbacShare(
                f"{dept}-{domain}-net-share",
                settings.departments_stack,
                OUT_NETWORK_SHARES,
                (dept, domain),
                "network",
                domain_net[domain],
                project_ids[dept],
                opts=child_of(dept),
            )
            label = baseline_group_label(domain)
            shares[label] = RbacShare(
                f"{dept}-{label}-sg-share",
                settings.departments_stack,
                OUT_GROUP_SHARES,
                (dept, label),
                "security_group",
                baseline_sg[domain],
                project_ids[dept],
                opts=child_of(dept),
            )
        if any(has_public_ip(s) for s in systems):
            shares[PUBLIC_WEB_LABEL] = RbacShare(
                f"{dept}-{PUBLIC_WEB_LABEL}-sg-share",
                settings.departments_stack,
                OUT_GROUP_SHARES,
                (dept, PUBLIC_WEB_LABEL),
                "security_group",
                public_web,
                project_ids[dept],
                opts=child_of(dept),
            )
        for s in systems:
            assert s.domain is not None
            domain = s.domain.value
            public = has_public_ip(s)
            groups: list[pulumi.Input[str]] = [baseline_sg[domain]]
            needed = [shares[domain].reference, shares[baseline_group_label(domain)].reference]
            if public:
                groups.append(public_web)
                needed.append(shares[PUBLIC_WEB_LABEL].reference)
            deployment = SystemDeployment(
                s.id,
                SystemDeploymentArgs(
                    system=s,
                    layout=design.layouts[s.id],
                    image_id=images[s.id],
                    project_id=project_ids[dept],
                    network_id=domain_net[domain],
                    subnet_id=domain_subnet[domain],
                    volume_type=settings.volume_type,
                    encrypted_volume_type=settings.encrypted_volume_type,
                    shared_group_ids=groups,
                    public_web_group_id=public_web if public else None,
                    port_depends_on=needed,
                    user_rules=user_rules(lans_of(settings, lans, dept), settings.service_ports),
                    roles=roles.get(s.id, []),
                    external_network=settings.external_network if public else None,
                    dns_zone_id=settings.dns_zone_id,
                    dns_zone_name=settings.dns_zone_name,
                    imports=dict(settings.imports),
                    host_key_algorithm=settings.host_key_algorithm,
                ),
                opts=child_of(dept),
            )
            deployments[s.id] = deployment
            security_groups[s.id] = deployment.security_group_id
            fixed_ips[s.id] = deployment.fixed_ips
            systems_out[s.id] = {"data_mount": deployment.data_mount, "instances": deployment.instances}
            if deployment.public_address is not None:
                balancers[s.id] = deployment.public_address

    # Groups and addresses of systems that moved in earlier waves come from those waves' stacks.
    earlier: dict[int, set[str]] = defaultdict(set)
    for rule in design.rules:
        for sid in (rule.owner, rule.remote_system):
            if sid is not None and sid not in deployments:
                earlier[design.graph.waves[sid]].add(sid)
    for wave, needed_ids in sorted(earlier.items()):
        ref = pulumi.StackReference(settings.wave_stack(wave))
        groups_out = _required(ref, settings.wave_stack(wave), OUT_SECURITY_GROUPS)
        systems_ref = _required(ref, settings.wave_stack(wave), OUT_SYSTEMS)
        for sid in sorted(needed_ids):
            security_groups[sid] = _pick(groups_out, sid)
            fixed_ips[sid] = [_addresses(systems_ref, sid)]

    # Each flow's two rules, each created by the provider of the project owning its group. A peer
    # in another project is named by its addresses (an address group of the owner's project):
    # Neutron refuses a remote group of another project to a non-admin token.
    address_groups: dict[tuple[str, str], pulumi.Output[str]] = {}
    for rule in design.rules:
        dept = design.departments_of[rule.owner]
        remote_group = remote_address_group = None
        if rule.remote_system is not None:
            peer_dept = design.departments_of[rule.remote_system]
            if peer_dept == dept:
                remote_group = security_groups[rule.remote_system]
            else:
                key = (dept, rule.remote_system)
                if key not in address_groups:
                    addresses = pulumi.Output.all(*fixed_ips[rule.remote_system]).apply(_flatten_cidrs)
                    address_groups[key] = openstack.networking.AddressGroupV2(
                        f"{dept}-peer-{rule.remote_system}",
                        name=f"govcloud-peer-{rule.remote_system}",
                        description=f"addresses of {rule.remote_system} ({peer_dept}) for flows of {dept}",
                        addresses=addresses,
                        project_id=project_ids[dept],
                        opts=child_of(dept),
                    ).id
                remote_address_group = address_groups[key]
        owner_group = security_groups[rule.owner]
        port = rule.port
        openstack.networking.SecGroupRule(
            rule.name,
            security_group_id=owner_group,
            direction=rule.direction,
            ethertype="IPv4",
            protocol=rule.protocol,
            port_range_min=port,
            port_range_max=port,
            remote_group_id=remote_group,
            remote_address_group_id=remote_address_group,
            remote_ip_prefix=rule.remote_cidr,
            tenant_id=project_ids[dept],
            description=f"MLPS-3: {rule.flow.source} -> {rule.flow.target} ({rule.flow.kind})",
            opts=child_of(dept),
        )

    pulumi.export(OUT_SECURITY_GROUPS, {s.id: security_groups[s.id] for s in design.systems})
    pulumi.export(OUT_SYSTEMS, systems_out)
    pulumi.export(OUT_LOAD_BALANCERS, balancers)
    pulumi.export(OUT_INSTANCES, {s.id: design.layouts[s.id].servers for s in design.systems})


def _mocked() -> bool:
    """Running under the mock runtime (tests, offline preview): no provider is ever contacted."""
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.mocks import MockMonitor

    return isinstance(runtime_settings.SETTINGS.monitor, MockMonitor)


def _flatten_cidrs(values: list[object]) -> list[str]:
    """Host routes (/32) of a peer's addresses, whether given one by one or as lists."""
    out: set[str] = set()
    for value in values:
        for address in value if isinstance(value, list) else [value]:
            if address:
                out.add(str(ipaddress.ip_network(str(address))))
    return sorted(out)


def _addresses(systems: pulumi.Output, system_id: str) -> pulumi.Output[list[str]]:
    """Fixed IPs of a system of an earlier wave, from that wave's `systems` output."""

    def get(m: dict[str, dict]) -> list[str]:
        return [i["fixed_ip"] for i in m[system_id]["instances"] if i.get("fixed_ip")]

    return systems.apply(get)


def _pick(mapping: pulumi.Output, key: str) -> pulumi.Output[str]:
    """One entry of a referenced stack's map output."""

    def get(m: dict[str, str]) -> str:
        if key not in m:
            raise pulumi.RunError(f"a referenced stack's output has no entry {key!r}: apply it again first")
        return m[key]

    return mapping.apply(get)


def _pick2(mapping: pulumi.Output, key: str, sub: str) -> pulumi.Output[str]:
    def get(m: dict[str, dict[str, str]]) -> str:
        try:
            return m[key][sub]
        except KeyError:
            raise pulumi.RunError(
                f"the departments stack has no share {key}/{sub}: run `pulumi up -s departments` first"
            ) from None

    return mapping.apply(get)


def _required(ref: pulumi.StackReference, stack: str, name: str) -> pulumi.Output:
    """An output of a referenced stack; a clear error when that stack has not exported it.

    Read from `ref.outputs` with one apply: `StackReference.get_output` passes the whole map of
    the referenced stack's outputs through `Output.all`, which lifts every nested value into an
    Output of its own, on every call (a wave reads its shares 170 times from a map of hundreds
    of entries). The value is secret whenever the referenced stack has any secret output."""

    def check(outputs: Mapping[str, object] | None) -> object:
        value = (outputs or {}).get(name)
        if value is None:
            raise pulumi.RunError(f"stack {stack} does not export {name!r}: run `pulumi up -s {stack}` first")
        return value

    return ref.outputs.apply(check)
