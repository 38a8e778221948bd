"""PublicLoadBalancer: an Octavia load balancer in front of a multi-server public system.

Listener, pool, one member per server, a health monitor per pool, one floating IP on the VIP
(instead of a floating IP per server) and, when a DNS zone is configured, an A record set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

LB_TYPE = "govcloud:wave:PublicLoadBalancer"


@dataclass(frozen=True)
class PublicLoadBalancerArgs:
    system_id: str
    project_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    member_addresses: Sequence[pulumi.Input[str]]
    ports: Sequence[int]
    external_network: str
    security_group_ids: Sequence[pulumi.Input[str]]
    tag_list: Sequence[str]
    depends_on: Sequence[pulumi.Resource] = ()  # the network share the VIP port needs
    dns_zone_id: str = ""
    dns_zone_name: str = ""


class PublicLoadBalancer(pulumi.ComponentResource):
    """The VIP of a public multi-server system and its public address."""

    floating_ip: pulumi.Output[str]

    def __init__(
        self, name: str, args: PublicLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(LB_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        lb = openstack.loadbalancer.LoadBalancer(
            f"{name}-lb",
            name=f"govcloud-{args.system_id}",
            vip_subnet_id=args.subnet_id,
            tenant_id=args.project_id,
            security_group_ids=list(args.security_group_ids),
            description=f"public entry of {args.system_id} (LINE-4)",
            tags=list(args.tag_list),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        for port in args.ports:
            listener = openstack.loadbalancer.Listener(
                f"{name}-tcp-{port}",
                loadbalancer_id=lb.id,
                protocol="TCP",
                protocol_port=port,
                tenant_id=args.project_id,
                opts=child,
            )
            pool = openstack.loadbalancer.Pool(
                f"{name}-tcp-{port}-pool",
                listener_id=listener.id,
                protocol="TCP",
                lb_method="ROUND_ROBIN",
                tenant_id=args.project_id,
                opts=child,
            )
            for i, address in enumerate(args.member_addresses, start=1):
                openstack.loadbalancer.Member(
                    f"{name}-tcp-{port}-member-{i:02d}",
                    pool_id=pool.id,
                    address=address,
                    protocol_port=port,
                    subnet_id=args.subnet_id,
                    tenant_id=args.project_id,
                    opts=child,
                )
            openstack.loadbalancer.Monitor(
                f"{name}-tcp-{port}-monitor",
                pool_id=pool.id,
                type="TCP",
                delay=5,
                timeout=3,
                max_retries=3,
                tenant_id=args.project_id,
                opts=child,
            )
        fip = openstack.networking.FloatingIp(
            f"{name}-fip",
            pool=args.external_network,
            port_id=lb.vip_port_id,
            tenant_id=args.project_id,
            description=f"public address of {args.system_id} (LINE-4)",
            tags=list(args.tag_list),
            opts=child,
        )
        if args.dns_zone_id:
            openstack.dns.RecordSet(
                f"{name}-dns",
                zone_id=args.dns_zone_id,
                name=f"{args.system_id}.{args.dns_zone_name}",
                type="A",
                ttl=300,
                records=[fip.address],
                opts=child,
            )
        self.floating_ip = fip.address
        self.register_outputs({"floating_ip": fip.address})
