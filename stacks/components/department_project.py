"""DepartmentProject: a department's one OpenStack project for the whole programme (OPS-1).

Created by the admin `departments` stack: the project, its quotas sized for every system the plan
migrates for the department (all waves), and the RBAC policies that share the platform's domain
networks and baseline / public-web security groups into it. The wave stacks put the department's
systems into this project with a provider scoped to it (stacks/credentials.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from stacks import tags
from stacks.sizing import ServerLayout

# Neutron's default security group of a project holds 4 rules (IPv4/IPv6 egress, remote-group ingress).
DEFAULT_GROUP_RULES = 4
NEW_GROUP_EGRESS_RULES = 2


def project_name(department: str) -> str:
    """Keystone name of a department's project."""
    return f"govcloud-{department}"


def network_share_name(department: str, domain: str) -> str:
    """Logical name of the RBAC policy sharing a domain network into a department's project."""
    return f"{department}-{domain}-net-share"


def group_share_name(department: str, group: str) -> str:
    """Logical name of the RBAC policy sharing a platform security group into a department's project."""
    return f"{department}-{group}-sg-share"


@dataclass(frozen=True)
class DepartmentProjectArgs:
    """Everything the plan migrates for the department, over all waves."""

    department: str
    layouts: Sequence[ServerLayout]
    security_rules: int  # rules on the department's systems' groups, all waves
    floating_ips: int
    load_balancers: int
    protected_volumes: int  # volumes of MLPS level 3+ systems: backed up (MLPS-4)
    protected_gb: int
    domain_networks: Mapping[str, pulumi.Input[str]]  # domain -> platform network it attaches to
    shared_groups: Mapping[str, pulumi.Input[str]]  # label -> platform security group its ports use
    headroom: float = 1.2
    import_id: str | None = None  # adopt an existing project


@dataclass(frozen=True)
class Quotas:
    """Quota values of one department project."""

    instances: int
    cores: int
    ram_mb: int
    server_groups: int
    server_group_members: int
    ports: int
    security_groups: int
    security_group_rules: int
    floating_ips: int
    volumes: int
    gigabytes: int
    snapshots: int
    backups: int
    backup_gigabytes: int


def quotas_for(args: DepartmentProjectArgs) -> Quotas:
    """Quotas covering the systems with the configured headroom (networks stay 0: CLOUD-3)."""

    def up(n: float) -> int:
        return math.ceil(n * args.headroom) if n > 0 else 0

    instances = sum(lay.servers for lay in args.layouts)
    groups = up(len(args.layouts)) + 1
    volumes = sum(lay.volumes for lay in args.layouts)
    return Quotas(
        instances=up(instances),
        cores=up(sum(lay.vcpu for lay in args.layouts)),
        ram_mb=up(sum(lay.ram_gb for lay in args.layouts) * 1024),
        server_groups=up(sum(1 for lay in args.layouts if lay.anti_affinity)),
        server_group_members=max((lay.servers for lay in args.layouts), default=1),
        ports=up(instances + args.load_balancers),  # a VIP port per load balancer
        security_groups=groups,
        # Neutron gives every new group its own two egress rules (IPv4, IPv6) until the program
        # replaces them: they count against the quota while they exist.
        security_group_rules=up(args.security_rules) + DEFAULT_GROUP_RULES + NEW_GROUP_EGRESS_RULES * groups,
        floating_ips=up(args.floating_ips),
        volumes=up(volumes),
        gigabytes=up(sum(lay.volume_gb for lay in args.layouts)),
        snapshots=up(volumes),  # a checkpoint per volume during the move (MLPS-4)
        backups=up(args.protected_volumes),
        backup_gigabytes=up(args.protected_gb),
    )


class DepartmentProject(pulumi.ComponentResource):
    """A Keystone project for a department's systems (OPS-1: the department runs them), its
    quotas and the shares of the platform's networks and groups into it."""

    project_id: pulumi.Output[str]
    quotas: Quotas
    network_shares: dict[str, pulumi.Output[str]]
    group_shares: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: DepartmentProjectArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("govcloud:departments:DepartmentProject", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project = openstack.identity.Project(
            f"{name}-project",
            name=project_name(args.department),
            enabled=True,
            description=f"department {args.department}: its migrated systems, all waves (OPS-1)",
            tags=[tags.tag(tags.DEPARTMENT, args.department)],
            # The project outlives every wave; adopting an existing one keeps its ID.
            opts=pulumi.ResourceOptions(parent=self, protect=True, import_=args.import_id),
        )
        quota_opts = pulumi.ResourceOptions(parent=self, depends_on=[project])
        q = quotas_for(args)
        openstack.compute.QuotaSetV2(
            f"{name}-compute-quota",
            project_id=project.id,
            instances=q.instances,
            cores=q.cores,
            ram=q.ram_mb,
            server_groups=q.server_groups,
            server_group_members=q.server_group_members,
            opts=quota_opts,
        )
        openstack.networking.QuotaV2(
            f"{name}-network-quota",
            project_id=project.id,
            network=0,
            subnet=0,
            router=0,
            subnetpool=0,
            port=q.ports,
            security_group=q.security_groups,
            security_group_rule=q.security_group_rules,
            floatingip=q.floating_ips,
            opts=quota_opts,
        )
        openstack.blockstorage.QuoteSetV3(
            f"{name}-volume-quota",
            project_id=project.id,
            volumes=q.volumes,
            gigabytes=q.gigabytes,
            snapshots=q.snapshots,
            backups=q.backups,
            backup_gigabytes=q.backup_gigabytes,
            opts=quota_opts,
        )
        self.network_shares = {}
        for domain, network_id in sorted(args.domain_networks.items()):
            share = openstack.networking.RbacPolicyV2(
                network_share_name(args.department, domain),
                object_type="network",
                object_id=network_id,
                action="access_as_shared",
                target_tenant=project.id,
                opts=child,
            )
            self.network_shares[domain] = share.id
        self.group_shares = {}
        for label, group_id in sorted(args.shared_groups.items()):
            share = openstack.networking.RbacPolicyV2(
                group_share_name(args.department, label),
                object_type="security_group",
                object_id=group_id,
                action="access_as_shared",
                target_tenant=project.id,
                opts=child,
            )
            self.group_shares[label] = share.id
        self.project_id = project.id
        self.quotas = q
        self.register_outputs(
            {
                "project_id": project.id,
                "network_shares": self.network_shares,
                "group_shares": self.group_shares,
            }
        )
