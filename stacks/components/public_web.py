"""PublicWebAccess: the one security group that admits the internet, on HTTP/HTTPS only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from stacks import tags
from stacks.security import OPEN_CIDR, PUBLIC_WEB_PORTS


@dataclass(frozen=True)
class PublicWebAccessArgs:
    """Ports open to the internet."""

    ports: Sequence[int] = PUBLIC_WEB_PORTS


class PublicWebAccess(pulumi.ComponentResource):
    """Group for public-facing systems of the public-service domain; the departments stack shares it
    into the projects that have such systems."""

    security_group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: PublicWebAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(tags.PUBLIC_WEB_TYPE, name, None, opts)
        group = openstack.networking.SecGroup(
            f"{name}-sg",
            name="govcloud-public-web",
            delete_default_rules=True,
            description="HTTP/HTTPS from the internet to public-facing public-service systems (LINE-4)",
            tags=[tags.tag(tags.DOMAIN, "public_service")],
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, depends_on=[group])
        for port in args.ports:
            openstack.networking.SecGroupRule(
                f"{name}-tcp-{port}",
                security_group_id=group.id,
                direction="ingress",
                ethertype="IPv4",
                protocol="tcp",
                port_range_min=port,
                port_range_max=port,
                remote_ip_prefix=OPEN_CIDR,
                description="public web",
                opts=child,
            )
        self.security_group_id = group.id
        self.register_outputs({"security_group_id": group.id})
