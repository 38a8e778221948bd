"""DomainNetwork: the network, subnet and router of one cloud domain (DOMAIN-1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from inventory.models import DomainName
from stacks import tags


@dataclass(frozen=True)
class DomainNetworkArgs:
    """What one domain's network is built from."""

    domain: DomainName
    cidr: str
    dns_nameservers: Sequence[str]
    transit_network_id: pulumi.Input[str]
    transit_subnet_id: pulumi.Input[str]
    transit_ip: str  # this domain router's address on the boundary transit network
    extranet_network_id: pulumi.Input[str]
    extranet_subnet_id: pulumi.Input[str]
    extranet_gateway: str  # next hop towards the e-government extranet on the extranet link
    extranet_destinations: Sequence[str]  # CIDRs routed to the extranet (its pool, user LANs)
    external_network_id: pulumi.Input[str] | None = None  # only the public-service domain exits (LINE-4)
    depends_on: Sequence[pulumi.Resource] = ()  # e.g. the extranet subnet, when it is adopted


class DomainNetwork(pulumi.ComponentResource):
    """One domain's shared network; its router's other legs are the boundary transit net, the
    extranet link and, for the public-service domain, the city's single internet exit."""

    network_id: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    router_id: pulumi.Output[str]
    transit_port_id: pulumi.Output[str]
    transit_interface: openstack.networking.RouterInterface

    def __init__(
        self, name: str, args: DomainNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("govcloud:platform:DomainNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        domain_tags = [tags.tag(tags.DOMAIN, args.domain.value)]
        network = openstack.networking.Network(
            f"{name}-net",
            name=f"govcloud-{args.domain.value}",
            admin_state_up=True,
            description=f"{args.domain.value} domain (DOMAIN-1)",
            tags=domain_tags,
            opts=child,
        )
        subnet = openstack.networking.Subnet(
            f"{name}-subnet",
            name=f"govcloud-{args.domain.value}",
            network_id=network.id,
            cidr=args.cidr,
            ip_version=4,
            enable_dhcp=True,
            dns_nameservers=list(args.dns_nameservers),
            tags=domain_tags,
            opts=child,
        )
        router = openstack.networking.Router(
            f"{name}-router",
            name=f"govcloud-{args.domain.value}",
            admin_state_up=True,
            description=(
                "the unified internet exit of the public-service domain (LINE-4)"
                if args.external_network_id is not None
                else "no internet exit (DOMAIN-1)"
            ),
            external_network_id=args.external_network_id,
            tags=domain_tags,
            opts=child,
        )
        openstack.networking.RouterInterface(
            f"{name}-router-subnet", router_id=router.id, subnet_id=subnet.id, opts=child
        )
        transit_port = openstack.networking.Port(
            f"{name}-transit-port",
            name=f"govcloud-{args.domain.value}-boundary",
            network_id=args.transit_network_id,
            fixed_ips=[
                openstack.networking.PortFixedIpArgs(
                    subnet_id=args.transit_subnet_id, ip_address=args.transit_ip
                )
            ],
            tags=domain_tags,
            opts=child,
        )
        self.transit_interface = openstack.networking.RouterInterface(
            f"{name}-router-transit", router_id=router.id, port_id=transit_port.id, opts=child
        )
        # The extranet leg: a port on the extranet link, then the routes through its gateway; a
        # route's next hop must be on a subnet the router is attached to, hence the dependency.
        extranet_port = openstack.networking.Port(
            f"{name}-extranet-port",
            name=f"govcloud-{args.domain.value}-extranet",
            network_id=args.extranet_network_id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=args.extranet_subnet_id)],
            tags=domain_tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        extranet_interface = openstack.networking.RouterInterface(
            f"{name}-router-extranet", router_id=router.id, port_id=extranet_port.id, opts=child
        )
        route_opts = pulumi.ResourceOptions(parent=self, depends_on=[extranet_interface])
        for cidr in args.extranet_destinations:
            openstack.networking.RouterRoute(
                f"{name}-route-extranet-{cidr.replace('/', '_')}",
                router_id=router.id,
                destination_cidr=cidr,
                next_hop=args.extranet_gateway,
                opts=route_opts,
            )
        self.network_id = network.id
        self.subnet_id = subnet.id
        self.router_id = router.id
        self.transit_port_id = transit_port.id
        self.register_outputs(
            {
                "network_id": network.id,
                "subnet_id": subnet.id,
                "router_id": router.id,
                "transit_port_id": transit_port.id,
            }
        )
