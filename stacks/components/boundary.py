"""DomainBoundary: the only path between the two domains, a transit network behind a firewall (MLPS-3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from stacks.security import BoundaryRule


@dataclass(frozen=True)
class DomainBoundaryArgs:
    """The transit network and the cross-domain flows the plan names."""

    transit_cidr: str
    public_cidr: str
    administrative_cidr: str
    rules: Sequence[BoundaryRule]


class DomainBoundary(pulumi.ComponentResource):
    """Transit network joining the two domain routers; an FWaaS group on the administrative
    router's transit port allows exactly the plan's cross-domain (protocol, port) flows."""

    network_id: pulumi.Output[str]
    subnet_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: DomainBoundaryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("govcloud:platform:DomainBoundary", name, None, opts)
        self._args = args
        self._base = name
        child = pulumi.ResourceOptions(parent=self)
        network = openstack.networking.Network(
            f"{name}-net", name="govcloud-boundary", admin_state_up=True, opts=child
        )
        subnet = openstack.networking.Subnet(
            f"{name}-subnet",
            name="govcloud-boundary",
            network_id=network.id,
            cidr=args.transit_cidr,
            ip_version=4,
            enable_dhcp=False,
            no_gateway=True,
            opts=child,
        )
        # Ingress of the administrative router's transit port = flows into the administrative domain.
        ingress: list[pulumi.Output[str]] = []
        egress: list[pulumi.Output[str]] = []
        for rule in args.rules:
            source = args.public_cidr if rule.into_administrative else args.administrative_cidr
            target = args.administrative_cidr if rule.into_administrative else args.public_cidr
            fw_rule = openstack.firewall.RuleV2(
                f"{name}-{rule.name}",
                name=f"govcloud-{rule.name}",
                action="allow",
                protocol=rule.protocol,
                source_ip_address=source,
                destination_ip_address=target,
                destination_port=str(rule.port) if rule.port is not None else None,
                description=_describe(rule),
                opts=child,
            )
            (ingress if rule.into_administrative else egress).append(fw_rule.id)
        self._ingress = openstack.firewall.PolicyV2(
            f"{name}-ingress",
            name="govcloud-boundary-ingress",
            audited=True,
            rules=ingress,
            description="flows into the administrative-service domain (MLPS-3)",
            opts=child,
        )
        self._egress = openstack.firewall.PolicyV2(
            f"{name}-egress",
            name="govcloud-boundary-egress",
            audited=True,
            rules=egress,
            description="flows out of the administrative-service domain (MLPS-3)",
            opts=child,
        )
        self.network_id = network.id
        self.subnet_id = subnet.id

    def attach(
        self,
        public_router_id: pulumi.Input[str],
        administrative_router_id: pulumi.Input[str],
        public_transit_ip: str,
        administrative_transit_ip: str,
        administrative_transit_port_id: pulumi.Input[str],
    ) -> None:
        """Route each domain to the other through the transit net and firewall the crossing."""
        child = pulumi.ResourceOptions(parent=self)
        openstack.networking.RouterRoute(
            f"{self._base}-route-to-admin",
            router_id=public_router_id,
            destination_cidr=self._args.administrative_cidr,
            next_hop=administrative_transit_ip,
            opts=child,
        )
        openstack.networking.RouterRoute(
            f"{self._base}-route-to-public",
            router_id=administrative_router_id,
            destination_cidr=self._args.public_cidr,
            next_hop=public_transit_ip,
            opts=child,
        )
        group = openstack.firewall.GroupV2(
            f"{self._base}-firewall",
            name="govcloud-boundary",
            admin_state_up=True,
            ingress_firewall_policy_id=self._ingress.id,
            egress_firewall_policy_id=self._egress.id,
            ports=[administrative_transit_port_id],
            description="boundary between the domains (MLPS-3)",
            opts=child,
        )
        self.firewall_group_id = group.id
        self.register_outputs(
            {"network_id": self.network_id, "subnet_id": self.subnet_id, "firewall_group_id": group.id}
        )


def _describe(rule: BoundaryRule) -> str:
    """Name the flows a boundary rule serves (Neutron descriptions stop at 255 characters)."""
    text = "MLPS-3: " + ", ".join(f"{f.source}->{f.target}" for f in rule.flows)
    return text if len(text) <= 255 else text[:250] + " ..."
