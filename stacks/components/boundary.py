"""DomainBoundary: the only path between the two domains, a transit network behind a firewall (MLPS-3).

`boundary: fwaas` puts an FWaaS v2 group on the administrative router's transit port that allows
exactly the plan's cross-domain (protocol, port) flows, plus their return traffic: stateless
drivers (ML2/OVN) do not track connections, so each allowed request direction gets the matching
reply rule (source port = the service port) in the opposite policy. `boundary: external` builds
no FWaaS resources: the physical firewall between the domains enforces the same rules, written
as a change request by `govcloud stacks boundary --xlsx`.
"""

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
    fwaas: bool = True


class DomainBoundary(pulumi.ComponentResource):
    """Transit network joining the two domain routers, the routes across it and (fwaas) the
    firewall group on the administrative router's transit port."""

    network_id: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    firewall_group_id: pulumi.Output[str] | None

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
        self.network_id = network.id
        self.subnet_id = subnet.id
        self.firewall_group_id = None
        if not args.fwaas:
            return
        # On the administrative router's transit port, "ingress" is traffic arriving from the
        # transit net, i.e. flowing into the administrative domain; "egress" the opposite.
        ingress: list[pulumi.Output[str]] = []
        egress: list[pulumi.Output[str]] = []
        for rule in args.rules:
            source = args.public_cidr if rule.into_administrative else args.administrative_cidr
            target = args.administrative_cidr if rule.into_administrative else args.public_cidr
            port = str(rule.port) if rule.port is not None else None
            request = openstack.firewall.RuleV2(
                f"{name}-{rule.name}",
                name=f"govcloud-{rule.name}",
                action="allow",
                protocol=rule.protocol,
                source_ip_address=source,
                destination_ip_address=target,
                destination_port=port,
                description=_describe(rule),
                opts=child,
            )
            reply = openstack.firewall.RuleV2(
                f"{name}-{rule.name}-reply",
                name=f"govcloud-{rule.name}-reply",
                action="allow",
                protocol=rule.protocol,
                source_ip_address=target,
                destination_ip_address=source,
                source_port=port,
                description=f"return traffic of {rule.name} (stateless drivers)",
                opts=child,
            )
            (ingress if rule.into_administrative else egress).append(request.id)
            (egress if rule.into_administrative else ingress).append(reply.id)
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

    def attach(
        self,
        public_router_id: pulumi.Input[str],
        administrative_router_id: pulumi.Input[str],
        public_transit_ip: str,
        administrative_transit_ip: str,
        administrative_transit_port_id: pulumi.Input[str],
        transit_interfaces: Sequence[pulumi.Resource],
        administrative_transit_interface: pulumi.Resource,
    ) -> None:
        """Route each domain to the other through the transit net and firewall the crossing.

        A route's next hop must be on a subnet of the router (after both transit interfaces), and
        a firewall group's port must already be a router port (after the administrative one)."""
        route_opts = pulumi.ResourceOptions(parent=self, depends_on=list(transit_interfaces))
        openstack.networking.RouterRoute(
            f"{self._base}-route-to-admin",
            router_id=public_router_id,
            destination_cidr=self._args.administrative_cidr,
            next_hop=administrative_transit_ip,
            opts=route_opts,
        )
        openstack.networking.RouterRoute(
            f"{self._base}-route-to-public",
            router_id=administrative_router_id,
            destination_cidr=self._args.public_cidr,
            next_hop=public_transit_ip,
            opts=route_opts,
        )
        outputs: dict[str, pulumi.Input[str]] = {"network_id": self.network_id, "subnet_id": self.subnet_id}
        if self._args.fwaas:
            group = openstack.firewall.GroupV2(
                f"{self._base}-firewall",
                name="govcloud-boundary",
                admin_state_up=True,
                ingress_firewall_policy_id=self._ingress.id,
                egress_firewall_policy_id=self._egress.id,
                ports=[administrative_transit_port_id],
                description="boundary between the domains (MLPS-3)",
                opts=pulumi.ResourceOptions(parent=self, depends_on=[administrative_transit_interface]),
            )
            self.firewall_group_id = group.id
            outputs["firewall_group_id"] = group.id
        self.register_outputs(outputs)


def _describe(rule: BoundaryRule) -> str:
    """Name the flows a boundary rule serves (Neutron descriptions stop at 255 characters)."""
    text = "MLPS-3: " + ", ".join(f"{f.source}->{f.target}" for f in rule.flows)
    return text if len(text) <= 255 else text[:250] + " ..."
