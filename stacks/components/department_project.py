"""DepartmentProject: a department's OpenStack project for one wave, quotas sized from its systems."""

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


@dataclass(frozen=True)
class DepartmentProjectArgs:
    """The department's systems moving in this wave and what they need."""

    department: str
    wave: int
    layouts: Sequence[ServerLayout]
    security_rules: int  # rules on the department's systems' groups created so far
    floating_ips: int
    protected_volumes: int  # volumes of MLPS level 3+ systems: backed up (MLPS-4)
    protected_gb: int
    domain_networks: Mapping[str, pulumi.Input[str]]  # domain -> platform network ID it may attach to
    headroom: float = 1.2


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
    volumes = sum(lay.volumes for lay in args.layouts)
    return Quotas(
        instances=up(instances),
        cores=up(sum(lay.vcpu for lay in args.layouts)),
        ram_mb=up(sum(lay.ram_gb for lay in args.layouts) * 1024),
        server_groups=up(sum(1 for lay in args.layouts if lay.anti_affinity)),
        server_group_members=max((lay.servers for lay in args.layouts), default=1),
        ports=up(instances),
        security_groups=up(len(args.layouts)) + 1,
        security_group_rules=up(args.security_rules) + DEFAULT_GROUP_RULES,
        floating_ips=up(args.floating_ips),
        volumes=up(volumes),
        gigabytes=up(sum(lay.volume_gb for lay in args.layouts)),
        snapshots=up(volumes),  # a checkpoint per volume during the move (MLPS-4)
        backups=up(args.protected_volumes),
        backup_gigabytes=up(args.protected_gb),
    )


class DepartmentProject(pulumi.ComponentResource):
    """A Keystone project for a department's systems of one wave (OPS-1: the department runs them),
    with a provider scoped to it and the domain networks shared into it."""

    project_id: pulumi.Output[str]
    provider: openstack.Provider
    quotas: Quotas

    def __init__(
        self, name: str, args: DepartmentProjectArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("govcloud:wave:DepartmentProject", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project_tags = [tags.tag(tags.DEPARTMENT, args.department), tags.tag(tags.WAVE, args.wave)]
        project = openstack.identity.Project(
            f"{name}-project",
            name=f"{args.department}-wave-{args.wave:02d}",
            enabled=True,
            description=f"department {args.department}, migration wave {args.wave} (OPS-1)",
            tags=project_tags,
            opts=child,
        )
        q = quotas_for(args)
        openstack.compute.QuotaSetV2(
            f"{name}-compute-quota",
            project_id=project.id,
            instances=q.instances,
            cores=q.cores,
            ram=q.ram_mb,
            server_groups=q.server_groups,
            server_group_members=q.server_group_members,
            opts=child,
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
            opts=child,
        )
        openstack.blockstorage.QuoteSetV3(
            f"{name}-volume-quota",
            project_id=project.id,
            volumes=q.volumes,
            gigabytes=q.gigabytes,
            snapshots=q.snapshots,
            backups=q.backups,
            backup_gigabytes=q.backup_gigabytes,
            opts=child,
        )
        for domain, network_id in sorted(args.domain_networks.items()):
            openstack.networking.RbacPolicyV2(
                f"{name}-{domain}-net-share",
                object_type="network",
                object_id=network_id,
                action="access_as_shared",
                target_tenant=project.id,
                opts=child,
            )
        # Credentials come from clouds.yaml (OS_CLOUD); only the project scope is set here.
        self.provider = openstack.Provider(f"{name}-provider", tenant_id=project.id, opts=child)
        self.project_id = project.id
        self.quotas = q
        self.register_outputs({"project_id": project.id})
