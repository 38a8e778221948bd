"""BaselineAccess: the per-domain security group every migrated server carries (platform stack).

SSH from the migration controller / bastion, DNS, NTP, the metadata service and the package mirror
(stacks/access.py). Owned by the platform (admin) project and shared into each department project
by the departments stack, so its rules are created by the provider of the project that owns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from inventory.models import DomainName
from stacks import tags
from stacks.access import AccessRule

BASELINE_TYPE = "govcloud:platform:BaselineAccess"


def baseline_group_label(domain: DomainName | str) -> str:
    """Label of a domain's baseline group (platform output key, RBAC share name)."""
    return f"baseline-{DomainName(domain).value.replace('_', '-')}"


@dataclass(frozen=True)
class BaselineAccessArgs:
    domain: DomainName
    rules: Sequence[AccessRule]


class BaselineAccess(pulumi.ComponentResource):
    """One domain's baseline group and its rules."""

    security_group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: BaselineAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(BASELINE_TYPE, name, None, opts)
        group = openstack.networking.SecGroup(
            f"{name}-sg",
            name=f"govcloud-{name}",
            delete_default_rules=True,
            description=f"SSH from the controller, DNS, NTP, metadata, package mirror ({args.domain.value})",
            tags=[tags.tag(tags.DOMAIN, args.domain.value)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        rule_opts = pulumi.ResourceOptions(parent=self, depends_on=[group])
        for rule in args.rules:
            openstack.networking.SecGroupRule(
                f"{name}-{rule.name}",
                security_group_id=group.id,
                direction=rule.direction,
                ethertype="IPv4",
                protocol=rule.protocol,
                port_range_min=rule.port,
                port_range_max=rule.port,
                remote_ip_prefix=rule.remote_cidr,
                description=f"baseline: {rule.purpose}",
                opts=rule_opts,
            )
        self.security_group_id = group.id
        self.register_outputs({"security_group_id": group.id})
