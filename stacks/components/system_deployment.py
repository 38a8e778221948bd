"""SystemDeployment: one migrating system's servers, volumes, server group and security group,
in its department's project (every resource through that project's provider, networking ones
with an explicit `tenant_id` as well)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_openstack as openstack

from planner.plan_model import PlanSystem
from stacks import tags
from stacks.access import AccessRule
from stacks.cloudinit import HostKeyMaterial, server_user_data
from stacks.components.load_balancer import PublicLoadBalancer, PublicLoadBalancerArgs
from stacks.hostkeys import HostKey, HostKeyAlgorithm, host_key
from stacks.paths import data_mount_path
from stacks.security import PUBLIC_WEB_PORTS, has_public_ip
from stacks.sizing import ServerLayout, is_protected

# Properties OpenStack itself sets or changes after creation: a diff on them must not replace.
INSTANCE_IGNORED = ["availabilityZone", "userData"]
VOLUME_IGNORED = ["availabilityZone"]
BOOT_VOLUME_IGNORED = ["availabilityZone", "imageId"]
PORT_IGNORED = ["deviceId", "deviceOwner", "binding"]


def security_group_name(system_id: str) -> str:
    """Logical name of a system's security group (wave stacks export its ID under the system ID)."""
    return f"{system_id}-sg"


def uses_load_balancer(system: PlanSystem, layout: ServerLayout) -> bool:
    """Public multi-server systems sit behind an Octavia load balancer (one public address)."""
    return has_public_ip(system) and layout.servers > 1


@dataclass(frozen=True)
class SystemDeploymentArgs:
    """A plan system with its layout and where it attaches."""

    system: PlanSystem
    layout: ServerLayout
    image_id: str
    project_id: pulumi.Input[str]
    network_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    volume_type: str
    encrypted_volume_type: str
    shared_group_ids: Sequence[pulumi.Input[str]] = ()  # baseline (and public-web) groups
    public_web_group_id: pulumi.Input[str] | None = None  # the load balancer VIP's only group
    port_depends_on: Sequence[pulumi.Resource] = ()  # RBAC shares of the network and groups
    user_rules: Sequence[AccessRule] = ()
    roles: Sequence[str] = ()  # role of each server, from the inventory's hosts
    external_network: str | None = None  # floating-IP pool; set only for public-facing public-service systems
    dns_zone_id: str = ""
    dns_zone_name: str = ""
    imports: dict[str, str] = field(default_factory=dict)  # logical name -> ID to adopt
    host_key_algorithm: HostKeyAlgorithm = HostKeyAlgorithm.ED25519


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
    servers, the system's own security group; public addresses only in the public-service domain
    (a load balancer's when several servers)."""

    security_group_id: pulumi.Output[str]
    fixed_ips: list[pulumi.Output[str]]
    instances: list[dict[str, pulumi.Input[object]]]
    data_mount: str

    def __init__(
        self, name: str, args: SystemDeploymentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("govcloud:wave:SystemDeployment", name, None, opts)
        s, lay = args.system, args.layout
        meta = system_metadata(s)
        tag_list = [tags.tag(k, v) for k, v in meta.items() if k != tags.RULES]
        protected = is_protected(s.mlps_level)
        volume_meta = {**meta, tags.ENCRYPTED: str(protected).lower()}
        if protected:
            volume_meta[tags.BACKUP] = tags.BACKUP_SCHEDULE
        volume_type = args.encrypted_volume_type if protected else args.volume_type
        public = has_public_ip(s) and args.external_network is not None
        balanced = public and uses_load_balancer(s, lay)
        self.data_mount = data_mount_path(s.id)

        def opts_for(logical: str, **kw: object) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, import_=args.imports.get(logical), **kw)  # type: ignore[arg-type]

        # Default rules deleted: the group opens exactly the flows the plan names (MLPS-3).
        group = openstack.networking.SecGroup(
            security_group_name(s.id),
            name=f"govcloud-{s.id}",
            delete_default_rules=True,
            description=f"flows of {s.id} named by the dependency graph (MLPS-3)",
            tenant_id=args.project_id,
            tags=tag_list,
            opts=opts_for(security_group_name(s.id)),
        )
        for rule in args.user_rules:
            openstack.networking.SecGroupRule(
                f"{s.id}-{rule.name}",
                security_group_id=group.id,
                direction=rule.direction,
                ethertype="IPv4",
                protocol=rule.protocol,
                port_range_min=rule.port,
                port_range_max=rule.port,
                remote_ip_prefix=rule.remote_cidr,
                tenant_id=args.project_id,
                description=f"users of {s.id} from their LAN",
                opts=pulumi.ResourceOptions(parent=self, depends_on=[group]),
            )
        security_groups: list[pulumi.Input[str]] = [group.id, *args.shared_group_ids]
        hints = None
        if lay.anti_affinity:
            server_group = openstack.compute.ServerGroup(
                f"{s.id}-servergroup",
                name=f"govcloud-{s.id}",
                policies="anti-affinity",
                opts=opts_for(f"{s.id}-servergroup"),
            )
            hints = [openstack.compute.InstanceSchedulerHintArgs(group=server_group.id)]

        self.fixed_ips = []
        self.instances = []
        for i in range(1, lay.servers + 1):
            host = f"{s.id}-{i:02d}"
            boot = openstack.blockstorage.Volume(
                f"{host}-boot",
                name=f"{host}-boot",
                size=lay.boot_gb,
                image_id=args.image_id,
                volume_type=volume_type,
                metadata=volume_meta,
                opts=opts_for(f"{host}-boot", ignore_changes=BOOT_VOLUME_IGNORED),
            )
            port = openstack.networking.Port(
                f"{host}-port",
                name=host,
                network_id=args.network_id,
                fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=args.subnet_id)],
                security_group_ids=security_groups,
                tenant_id=args.project_id,
                tags=tag_list,
                # A port on a shared network (and with shared groups) needs their RBAC shares first.
                opts=opts_for(
                    f"{host}-port", depends_on=list(args.port_depends_on), ignore_changes=PORT_IGNORED
                ),
            )
            data = None
            if lay.data_gb > 0:
                data = openstack.blockstorage.Volume(
                    f"{host}-data",
                    name=f"{host}-data",
                    size=lay.data_gb,
                    volume_type=volume_type,
                    metadata=volume_meta,
                    # The system's data: never deleted with the stack, never replaced by a re-plan.
                    opts=opts_for(
                        f"{host}-data", protect=True, retain_on_delete=True, ignore_changes=VOLUME_IGNORED
                    ),
                )
            key = host_key(host, args.host_key_algorithm, self)
            user_data = self._user_data(key, data.id if data is not None else None)
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
                user_data=user_data,
                opts=opts_for(f"{host}-vm", protect=True, ignore_changes=INSTANCE_IGNORED),
            )
            if data is not None:
                openstack.compute.VolumeAttach(
                    f"{host}-data-attach",
                    instance_id=instance.id,
                    volume_id=data.id,
                    opts=opts_for(f"{host}-data-attach"),
                )
            fixed_ip = port.all_fixed_ips.apply(lambda ips: ips[0] if ips else "")
            self.fixed_ips.append(fixed_ip)
            floating: pulumi.Input[str] | None = None
            if public and not balanced:
                fip = openstack.networking.FloatingIp(
                    f"{host}-fip",
                    pool=args.external_network,
                    port_id=port.id,
                    tenant_id=args.project_id,
                    description=f"public address of {host} (LINE-4)",
                    tags=tag_list,
                    opts=opts_for(f"{host}-fip"),
                )
                floating = fip.address
            role = args.roles[i - 1] if i <= len(args.roles) else "app"
            self.instances.append(
                {
                    "name": host,
                    "role": role,
                    "instance_id": instance.id,
                    "fixed_ip": fixed_ip,
                    "floating_ip": floating,
                    # The key the program generated and cloud-init installs (stacks/hostkeys.py).
                    "ssh_host_keys": [key.public_key],
                    "ssh_host_key_fingerprints": [key.fingerprint],
                }
            )
        if balanced:
            assert args.external_network is not None
            lb = PublicLoadBalancer(
                f"{s.id}-public",
                PublicLoadBalancerArgs(
                    system_id=s.id,
                    project_id=args.project_id,
                    subnet_id=args.subnet_id,
                    member_addresses=self.fixed_ips,
                    ports=PUBLIC_WEB_PORTS,
                    external_network=args.external_network,
                    security_group_ids=[args.public_web_group_id] if args.public_web_group_id else [],
                    tag_list=tag_list,
                    depends_on=list(args.port_depends_on),
                    dns_zone_id=args.dns_zone_id,
                    dns_zone_name=args.dns_zone_name,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for inst in self.instances:
                inst["floating_ip"] = None
            self.public_address: pulumi.Output[str] | None = lb.floating_ip
        else:
            self.public_address = None
        self.security_group_id = group.id
        self.register_outputs({"security_group_id": group.id})

    def _user_data(self, key: HostKey, volume_id: pulumi.Output[str] | None) -> pulumi.Output[str]:
        """The server's cloud-init: its host key and its data volume's mount; secret (the key)."""
        algorithm, mount = key.cloud_init, self.data_mount

        def render(values: list[str | None]) -> str:
            private, public, volume = values
            material = HostKeyMaterial(algorithm, str(private), str(public))
            return server_user_data(material, volume, mount if volume is not None else None)

        return pulumi.Output.all(key.private_key, key.public_key, volume_id).apply(render)
