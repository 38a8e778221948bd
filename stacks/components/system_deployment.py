"""SystemDeployment: one migrating system's servers, volumes, server group and security group."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from planner.plan_model import PlanSystem
from stacks import tags
from stacks.security import has_public_ip
from stacks.sizing import ServerLayout, is_protected


def security_group_name(system_id: str) -> str:
    """Logical name of a system's security group (wave stacks export its ID under the system ID)."""
    return f"{system_id}-sg"


@dataclass(frozen=True)
class SystemDeploymentArgs:
    """A plan system with its layout and where it attaches."""

    system: PlanSystem
    layout: ServerLayout
    image_id: str
    network_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    volume_type: str
    encrypted_volume_type: str
    public_web_security_group_id: pulumi.Input[str] | None = None
    external_network: str | None = None  # floating-IP pool; set only for public-facing public-service systems


def system_metadata(system: PlanSystem) -> dict[str, str]:
    """Metadata tags of a system's instances and volumes: department, system, MLPS, wave, domain, rules."""
    return {
        tags.SYSTEM: system.id,
        tags.DEPARTMENT: system.department,
        tags.MLPS: str(system.mlps_level) if system.mlps_level is not None else "unknown",
        tags.WAVE: str(system.wave),
        tags.DOMAIN: system.domain.value if system.domain is not None else "",
        tags.RULES: ",".join(system.rules),
    }


class SystemDeployment(pulumi.ComponentResource):
    """Servers sized to the nearest flavor, boot and data volumes, anti-affinity when several
    servers, the system's own security group; a floating IP only in the public-service domain."""

    security_group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: SystemDeploymentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("govcloud:wave:SystemDeployment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        s, lay = args.system, args.layout
        meta = system_metadata(s)
        tag_list = [tags.tag(k, v) for k, v in meta.items() if k != tags.RULES]
        protected = is_protected(s.mlps_level)
        volume_meta = {**meta, tags.ENCRYPTED: str(protected).lower()}
        if protected:
            volume_meta[tags.BACKUP] = tags.BACKUP_SCHEDULE
        volume_type = args.encrypted_volume_type if protected else args.volume_type
        public = has_public_ip(s) and args.external_network is not None

        # Default rules deleted: the group opens exactly the flows the plan names (MLPS-3).
        group = openstack.networking.SecGroup(
            security_group_name(s.id),
            name=f"govcloud-{s.id}",
            delete_default_rules=True,
            description=f"flows of {s.id} named by the dependency graph (MLPS-3)",
            tags=tag_list,
            opts=child,
        )
        security_groups: list[pulumi.Input[str]] = [group.id]
        if public and args.public_web_security_group_id is not None:
            security_groups.append(args.public_web_security_group_id)
        hints = None
        if lay.anti_affinity:
            server_group = openstack.compute.ServerGroup(
                f"{s.id}-servergroup", name=f"govcloud-{s.id}", policies="anti-affinity", opts=child
            )
            hints = [openstack.compute.InstanceSchedulerHintArgs(group=server_group.id)]

        instance_ids: list[pulumi.Output[str]] = []
        for i in range(1, lay.servers + 1):
            host = f"{s.id}-{i:02d}"
            boot = openstack.blockstorage.Volume(
                f"{host}-boot",
                name=f"{host}-boot",
                size=lay.boot_gb,
                image_id=args.image_id,
                volume_type=volume_type,
                metadata=volume_meta,
                opts=child,
            )
            port = openstack.networking.Port(
                f"{host}-port",
                name=host,
                network_id=args.network_id,
                fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=args.subnet_id)],
                security_group_ids=security_groups,
                tags=tag_list,
                opts=child,
            )
            instance = openstack.compute.Instance(
                f"{host}-vm",
                name=host,
                flavor_name=lay.flavor.name,
                block_devices=[
                    openstack.compute.InstanceBlockDeviceArgs(
                        source_type="volume",
                        destination_type="volume",
                        uuid=boot.id,
                        boot_index=0,
                        delete_on_termination=False,
                    )
                ],
                networks=[openstack.compute.InstanceNetworkArgs(port=port.id)],
                scheduler_hints=hints,
                metadata=meta,
                tags=tag_list,
                opts=child,
            )
            instance_ids.append(instance.id)
            if lay.data_gb > 0:
                data = openstack.blockstorage.Volume(
                    f"{host}-data",
                    name=f"{host}-data",
                    size=lay.data_gb,
                    volume_type=volume_type,
                    metadata=volume_meta,
                    opts=child,
                )
                openstack.compute.VolumeAttach(
                    f"{host}-data-attach", instance_id=instance.id, volume_id=data.id, opts=child
                )
            if public:
                openstack.networking.FloatingIp(
                    f"{host}-fip",
                    pool=args.external_network,
                    port_id=port.id,
                    description=f"public address of {host} (LINE-4)",
                    tags=tag_list,
                    opts=child,
                )
        self.security_group_id = group.id
        self.register_outputs({"security_group_id": group.id, "instance_ids": instance_ids})
