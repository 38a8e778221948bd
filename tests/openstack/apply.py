"""Create (and destroy) what the Pulumi program declares in real Keystone and Neutron.

A stand-in for ``pulumi up`` / ``pulumi destroy`` with the OpenStack provider, whose plugin cannot
be installed here: each registered identity or networking resource becomes the API call the
provider makes for it (the table is in tests/openstack/README.md), with the provider's own
credentials:
- the default provider (no explicit ``provider``) is the deploying cloud administrator;
- an explicit provider scoped to a project (``tenant_id``/``tenant_name``) acts as a **member of
  that project only**: the credentials model the stacks must work with (per-project application
  credentials or an equivalent scoped, non-admin account). An admin token scoped to the project
  would not do: Neutron treats the admin role as cloud admin whatever the scope, and accepts what
  the project's own credentials are refused.
Pulumi creates resources in parallel as soon as what they declare to depend on exists; here that is
a seeded random topological order: among the resources whose declared dependencies exist, the next
one is drawn at random. A dependency the program fails to declare then shows as a refusal.
Destroy runs the same way over the reversed graph, with each resource's own provider.
"""

from __future__ import annotations

import contextlib
import random
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import openstack
from openstack import exceptions as os_exc

from tests.openstack.program_graph import PROVIDER_TYPE, STACK_REFERENCE, Node, ProgramGraph, StackGraph
from tests.openstack.services import REGION, Endpoints

T_PROJECT = "openstack:identity/project:Project"
T_ROLE_ASSIGNMENT = "openstack:identity/roleAssignment:RoleAssignment"
T_NETWORK = "openstack:networking/network:Network"
T_SUBNET = "openstack:networking/subnet:Subnet"
T_ROUTER = "openstack:networking/router:Router"
T_ROUTER_INTERFACE = "openstack:networking/routerInterface:RouterInterface"
T_ROUTER_ROUTE = "openstack:networking/routerRoute:RouterRoute"
T_PORT = "openstack:networking/port:Port"
T_SECGROUP = "openstack:networking/secGroup:SecGroup"
T_SECGROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
T_RBAC = "openstack:networking/rbacPolicyV2:RbacPolicyV2"
T_QUOTA = "openstack:networking/quotaV2:QuotaV2"
T_FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
T_FLOATING_IP_ASSOCIATE = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"

# Services Debian 12's packages of this tier do not run; their resources stay under the mock
# runtime tests (see README.md: Nova, Cinder and Octavia are packaged but need a hypervisor,
# Placement, Glance and a message broker; FWaaS is not packaged at all).
NOT_COVERED_PREFIXES = {
    "openstack:compute/": "Nova (compute): not in this tier",
    "openstack:blockstorage/": "Cinder (volumes): not in this tier",
    "openstack:firewall/": "FWaaS: not packaged in Debian 12",
    "openstack:loadbalancer/": "Octavia: not in this tier",
    "openstack:lb/": "Octavia: not in this tier",
    "openstack:dns/": "Designate: not in this tier",
    "openstack:images/": "Glance: not in this tier",
    "tls:": "TLS provider (host keys): held in the Pulumi state only, no OpenStack API",
}
ADMIN = ""  # provider key of the default (admin) provider
MEMBER_ROLE = "member"

# Pulumi's QuotaV2 argument -> openstacksdk's Quota attribute.
QUOTA_FIELDS = {
    "network": "networks",
    "subnet": "subnets",
    "subnetpool": "subnet_pools",
    "port": "ports",
    "router": "routers",
    "floatingip": "floating_ips",
    "securityGroup": "security_groups",
    "securityGroupRule": "security_group_rules",
    "rbacPolicy": "rbac_policies",
}


def not_covered(type_token: str) -> str | None:
    """Why a resource type is not applied by this tier, or None when it is."""
    return next((why for prefix, why in NOT_COVERED_PREFIXES.items() if type_token.startswith(prefix)), None)


@dataclass
class Outcome:
    """One API step the apply or destroy took, and what the service answered."""

    stack: str
    urn: str
    type: str
    name: str
    action: str  # create | update | delete | skip
    ok: bool
    error: str = ""
    status: int | None = None

    def __str__(self) -> str:
        verdict = "ok" if self.ok else f"REFUSED {self.status or ''} {self.error}".rstrip()
        return f"{self.action} {self.type.rsplit(':', 1)[-1]} {self.name}: {verdict}"


@dataclass
class Created:
    """A resource that exists in the services, as the applier needs it to delete it later."""

    node: Node
    real_id: str
    info: dict[str, Any] = field(default_factory=dict)


class MissingResource(Exception):
    """An input names a resource of the program that was not created (an earlier stack failed)."""


class UnmappedResource(Exception):
    """A resource type the tier has no API mapping for (it is neither mapped nor out of scope)."""


def _error(exc: Exception) -> tuple[str, int | None]:
    """The service's message (its first line: Neutron appends every failed callback) and status."""
    if isinstance(exc, os_exc.HttpException):
        return (exc.details or str(exc)).strip().splitlines()[0][:300], exc.status_code
    return f"{type(exc).__name__}: {exc}", None


def shuffled_order(graph: StackGraph, rng: random.Random, reverse: bool = False) -> list[str]:
    """A random order in which each node comes after what it declares to depend on (before it,
    when *reverse*): the orders ``pulumi up`` (``pulumi destroy``) may take."""
    deps = {u: set(n.deps) for u, n in graph.nodes.items()}
    if reverse:
        rdeps: dict[str, set[str]] = {u: set() for u in graph.nodes}
        for u, ds in deps.items():
            for d in ds:
                rdeps[d].add(u)
        deps = rdeps
    waiting = {u: set(ds) for u, ds in deps.items()}
    dependents: dict[str, set[str]] = {u: set() for u in waiting}
    for u, ds in waiting.items():
        for d in ds:
            dependents[d].add(u)
    ready = sorted(u for u, ds in waiting.items() if not ds)
    order: list[str] = []
    while ready:
        u = ready.pop(rng.randrange(len(ready)))
        order.append(u)
        for v in sorted(dependents[u]):
            waiting[v].discard(u)
            if not waiting[v]:
                ready.append(v)
    if len(order) != len(waiting):
        raise ValueError(f"stack {graph.stack}: the declared dependencies form a cycle")
    return order


class Applier:
    """Applies stacks of a program graph to the services, as one deployment in its own domain."""

    def __init__(self, endpoints: Endpoints, domain_name: str, seed: int) -> None:
        self.endpoints = endpoints
        self.seed = seed
        self.rng = random.Random(seed)
        self.admin = self._connect(endpoints.auth())
        # Each deployment gets its own Keystone domain: projects are named by department, and
        # several deployments share one Keystone.
        self.domain = self.admin.identity.create_domain(name=domain_name, description="govcloud test tier")
        self.created: dict[str, Created] = {}  # URN -> resource in the services
        self.outcomes: list[Outcome] = []
        self.connections: dict[str, Any] = {ADMIN: self.admin}
        self.deployers: list[str] = []  # user IDs made for scoped providers
        self.history: list[Created] = []  # everything ever created, for the after-destroy check
        self._member_role: str | None = None
        self._passwords: dict[str, str] = {}  # deploying users made by the tier
        # Mock IDs that are not resources of the program: what data sources (invokes) return.
        self.data_ids: dict[str, str] = {}

    # -- connections -------------------------------------------------------------------------
    def _connect(self, auth: Mapping[str, str]) -> Any:
        # Any: openstacksdk types `identity` as a v2 | v3 union, and this is always v3.
        return openstack.connect(region_name=REGION, identity_api_version="3", **dict(auth))  # type: ignore[arg-type]

    def connection_for(self, node: Node) -> Any:
        return self.connections[node.provider] if node.provider else self.admin

    # -- IDs ------------------------------------------------------------------------------------
    def resolve(self, value: Any, stack: StackGraph, earlier: list[StackGraph]) -> Any:
        """Inputs with the mock engine's IDs replaced by the real IDs of what they name."""
        if isinstance(value, str):
            # The stack's own resources first: stacks reuse logical names (a department per wave).
            for g in (stack, *reversed(earlier)):
                urn = g.by_mock_id().get(value)
                if urn is not None:
                    if urn not in self.created:
                        raise MissingResource(
                            f"refers to {g.nodes[urn].name} of {g.stack}, which does not exist"
                        )
                    return self.created[urn].real_id
            return self.data_ids.get(value, value)
        if isinstance(value, list):
            return [self.resolve(v, stack, earlier) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, stack, earlier) for k, v in value.items()}
        return value

    # -- apply / destroy ------------------------------------------------------------------------
    def apply(self, program: ProgramGraph, only: Callable[[Node], bool] | None = None) -> list[Outcome]:
        """`pulumi up` of each stack in turn, resources in a shuffled dependency order."""
        before = len(self.outcomes)
        for i, stack in enumerate(program.stacks):
            self.apply_stack(stack, program.stacks[:i], only)
        return self.outcomes[before:]

    def apply_stack(
        self, stack: StackGraph, earlier: list[StackGraph], only: Callable[[Node], bool] | None = None
    ) -> None:
        failed: set[str] = set()
        for urn in shuffled_order(stack, self.rng):
            node = stack.nodes[urn]
            if urn in self.created or (only is not None and not only(node)):
                continue
            why = not_covered(node.type)
            if why is not None:
                self._record(node, "skip", True, why)
                continue
            blocked = [d for d in node.deps if d in failed]
            if blocked:
                failed.add(urn)
                self._record(node, "skip", False, f"a dependency failed: {stack.nodes[blocked[0]].name}")
                continue
            if node.type == STACK_REFERENCE:  # the referenced stack was applied before this one
                self.created[urn] = Created(node, node.mock_id)
                self._record(node, "create", True)
                continue
            try:
                inputs = self.resolve(dict(node.inputs), stack, earlier)
                self._create(node, inputs)
            except Exception as exc:  # noqa: BLE001 every refusal is an outcome to assert on
                failed.add(urn)
                msg, status = _error(exc)
                self._record(node, "create", False, msg, status)
            else:
                self._record(node, "create", True)

    def update(self, node: Node, stack: StackGraph, earlier: list[StackGraph]) -> None:
        """An in-place update (the re-plan): only quotas are updated in place by the provider."""
        try:
            inputs = self.resolve(dict(node.inputs), stack, earlier)
            if node.type != T_QUOTA:
                raise UnmappedResource(f"no in-place update of {node.type} in this tier")
            self._quota(node, inputs)
            self.created[node.urn] = Created(node, self.created[node.urn].real_id)
        except Exception as exc:  # noqa: BLE001
            msg, status = _error(exc)
            self._record(node, "update", False, msg, status)
        else:
            self._record(node, "update", True)

    def destroy(self, program: ProgramGraph, only: Callable[[Node], bool] | None = None) -> list[Outcome]:
        """`pulumi destroy` of each stack, last first, in a shuffled reverse-dependency order."""
        before = len(self.outcomes)
        for stack in reversed(program.stacks):
            self.destroy_stack(stack, only)
        return self.outcomes[before:]

    def destroy_stack(self, stack: StackGraph, only: Callable[[Node], bool] | None = None) -> None:
        failed: set[str] = set()
        for urn in shuffled_order(stack, self.rng, reverse=True):
            if urn not in self.created or (only is not None and not only(stack.nodes[urn])):
                continue
            node = self.created[urn].node
            # Pulumi does not delete a resource while something that depends on it remains.
            holders = [u for u in failed if urn in stack.nodes[u].deps]
            if holders:
                failed.add(urn)
                self._record(
                    node, "skip", False, f"a dependent was not deleted: {stack.nodes[holders[0]].name}"
                )
                continue
            try:
                self._delete(self.created[urn])
                note = ""
            except os_exc.NotFoundException:
                # Already gone (removing a router interface deletes its port): the provider
                # treats a 404 on delete as deleted, too.
                note = "already gone (404)"
            except Exception as exc:  # noqa: BLE001
                failed.add(urn)
                msg, status = _error(exc)
                self._record(node, "delete", False, msg, status)
                continue
            del self.created[urn]
            self._record(node, "delete", True, note)

    def close(self) -> None:
        """Best-effort removal of whatever is left (a failed run) and of the deployment's domain."""
        # Clean-up of a run whose failures are already recorded: nothing here is asserted.
        for created in reversed(list(self.created.values())):
            with contextlib.suppress(Exception):
                self._delete(created, force=True)
        self.created.clear()
        for user in self.deployers:
            with contextlib.suppress(Exception):
                self.admin.identity.delete_user(user, ignore_missing=True)
        try:
            for project in self.admin.identity.projects(domain_id=self.domain.id):
                self.admin.identity.delete_project(project, ignore_missing=True)
            self.admin.identity.update_domain(self.domain, enabled=False)
            self.admin.identity.delete_domain(self.domain, ignore_missing=True)
        except Exception:  # noqa: BLE001,S110
            pass
        for conn in self.connections.values():
            if conn is not self.admin:
                conn.close()
        self.admin.close()

    def _record(self, node: Node, action: str, ok: bool, error: str = "", status: int | None = None) -> None:
        self.outcomes.append(Outcome(node.stack, node.urn, node.type, node.name, action, ok, error, status))

    # -- create, type by type (the mapping documented in README.md) ----------------------------
    def _create(self, node: Node, a: dict[str, Any]) -> None:
        conn = self.connection_for(node)
        net = conn.network
        t = node.type
        info: dict[str, Any] = {}
        if t == PROVIDER_TYPE:
            real: str = self._provider(node, a)
        elif t == T_PROJECT:
            real = conn.identity.create_project(
                name=a["name"],
                description=a.get("description", ""),
                is_enabled=a.get("enabled", True),
                domain_id=a.get("domainId") or self.domain.id,
                parent_id=a.get("parentId"),
                tags=a.get("tags", []),
            ).id
        elif t == T_ROLE_ASSIGNMENT:
            real, info = self._role_assignment(conn, a)
        elif t == T_QUOTA:
            real = self._quota(node, a)
        elif t == T_NETWORK:
            real = self._tagged(net, net.create_network(**_network_args(a)), a)
        elif t == T_SUBNET:
            real = self._tagged(net, net.create_subnet(**_subnet_args(a)), a)
        elif t == T_ROUTER:
            real = self._tagged(net, net.create_router(**_router_args(a)), a)
        elif t == T_ROUTER_INTERFACE:
            answer = net.add_interface_to_router(
                a["routerId"], subnet=a.get("subnetId"), port=a.get("portId")
            )
            real = str(answer.get("port_id"))
            info = {"router": a["routerId"], "subnet": a.get("subnetId"), "port": a.get("portId")}
        elif t == T_ROUTER_ROUTE:
            route = {"destination": a["destinationCidr"], "nexthop": a["nextHop"]}
            net.add_extra_routes_to_router(a["routerId"], {"router": {"routes": [route]}})
            real = f"{a['routerId']}-route-{a['destinationCidr']}-{a['nextHop']}"
            info = {"router": a["routerId"], "route": route}
        elif t == T_PORT:
            real = self._tagged(net, net.create_port(**_port_args(a)), a)
        elif t == T_SECGROUP:
            group = net.create_security_group(
                **_present(a, name="name", description="description", stateful="stateful")
            )
            if a.get("deleteDefaultRules"):
                # As the provider does: the group keeps no rule it was not given.
                for rule in net.security_group_rules(security_group_id=group.id):
                    net.delete_security_group_rule(rule)
            real = self._tagged(net, group, a)
        elif t == T_SECGROUP_RULE:
            real = net.create_security_group_rule(**_rule_args(a)).id
        elif t == T_RBAC:
            real = net.create_rbac_policy(
                object_type=a["objectType"],
                object_id=a["objectId"],
                action=a["action"],
                target_project_id=a["targetTenant"],
            ).id
        elif t == T_FLOATING_IP:
            real = self._tagged(net, net.create_ip(**self._floating_ip_args(net, a)), a)
        elif t == T_FLOATING_IP_ASSOCIATE:
            # `floating_ip` is the address: the provider looks the floating IP up by it.
            fip = next(iter(net.ips(floating_ip_address=a["floatingIp"])), None)
            if fip is None:
                raise os_exc.NotFoundException(f"floating IP {a['floatingIp']} not found")
            net.update_ip(fip, port_id=a["portId"], **_present(a, fixed_ip_address="fixedIp"))
            real = str(fip.id)
        else:
            raise UnmappedResource(f"{t}: no API mapping in the OpenStack test tier")
        self.created[node.urn] = Created(node, real, info)
        self.history.append(self.created[node.urn])

    def _tagged(self, net: Any, resource: Any, a: Mapping[str, Any]) -> str:
        # The provider sets tags with a separate call after the create (PUT .../tags).
        if a.get("tags"):
            net.set_tags(resource, list(a["tags"]))
        return str(resource.id)

    def _provider(self, node: Node, a: Mapping[str, Any]) -> str:
        """Credentials of an explicit provider: project-scoped ones act as a member of the project."""
        project = a.get("tenantId") or a.get("projectId")
        if not project and a.get("tenantName"):
            project = _one(self.admin.identity.projects(name=a["tenantName"], domain_id=self.domain.id)).id
        if not project:
            self.connections[node.urn] = self.admin
            return "admin"
        password = secrets.token_urlsafe(18)
        # The deploying account the provider names (or, when it names none, one for this project):
        # a member of the project, made by the tier as the cloud operator would.
        name = str(a.get("userName") or f"deployer-{project}")
        user = next(iter(self.admin.identity.users(name=name, domain_id=self.domain.id)), None)
        if user is None:
            user = self.admin.identity.create_user(name=name, domain_id=self.domain.id, password=password)
            self.deployers.append(user.id)
            self._passwords[user.id] = password
        if self._member_role is None:
            self._member_role = _one(self.admin.identity.roles(name=MEMBER_ROLE)).id
        self.admin.identity.assign_project_role_to_user(project, user, self._member_role)
        auth = {"username": name, "password": self._passwords[user.id], "user_domain_id": self.domain.id}
        self.connections[node.urn] = self._connect(
            {"auth_url": self.endpoints.keystone_url, **auth, "project_id": project}
        )
        return str(project)

    def _role_assignment(self, conn: Any, a: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        role = _one([r for r in conn.identity.roles() if a["roleId"] in (r.id, r.name)])
        target = {"project": a.get("projectId"), "domain": a.get("domainId")}
        actor = {"user": a.get("userId"), "group": a.get("groupId")}
        if target["project"] and actor["user"]:
            conn.identity.assign_project_role_to_user(target["project"], actor["user"], role)
            found = list(
                conn.identity.role_assignments(
                    scope_project_id=target["project"], user_id=actor["user"], role_id=role.id
                )
            )
        elif target["project"] and actor["group"]:
            conn.identity.assign_project_role_to_group(target["project"], actor["group"], role)
            found = list(
                conn.identity.role_assignments(
                    scope_project_id=target["project"], group_id=actor["group"], role_id=role.id
                )
            )
        else:
            raise UnmappedResource("RoleAssignment on a domain: not mapped in this tier")
        # openstacksdk returns quietly on a 403 here: the grant is checked, not the call.
        if not found:
            raise os_exc.ForbiddenException(f"role {a['roleId']} was not granted on {target['project']}")
        return f"{target['project']}/{actor['user'] or actor['group']}/{role.id}", {
            "role": role.id,
            **target,
            **actor,
        }

    def _quota(self, node: Node, a: Mapping[str, Any]) -> str:
        conn = self.connection_for(node)
        values = {QUOTA_FIELDS[k]: int(v) for k, v in a.items() if k in QUOTA_FIELDS}
        conn.network.update_quota(a["projectId"], **values)
        return str(a["projectId"])

    def _floating_ip_args(self, net: Any, a: Mapping[str, Any]) -> dict[str, Any]:
        args = _present(
            a,
            port_id="portId",
            fixed_ip_address="fixedIp",
            subnet_id="subnetId",
            description="description",
            floating_ip_address="address",
        )
        # `pool` is the external network's name: the provider looks its ID up.
        args["floating_network_id"] = _one(net.networks(name=a["pool"])).id
        return args

    # -- delete --------------------------------------------------------------------------------
    def _delete(self, created: Created, force: bool = False) -> None:
        node, real, info = created.node, created.real_id, created.info
        conn = self.admin if force else self.connection_for(node)
        net = conn.network
        t = node.type
        if t in (STACK_REFERENCE,) or not_covered(t):
            return
        if t == PROVIDER_TYPE:
            return  # credentials, nothing in the services; users go in close()
        if t == T_PROJECT:
            conn.identity.delete_project(real, ignore_missing=False)
        elif t == T_ROLE_ASSIGNMENT:
            if info.get("user"):
                conn.identity.unassign_project_role_from_user(info["project"], info["user"], info["role"])
            else:
                conn.identity.unassign_project_role_from_group(info["project"], info["group"], info["role"])
        elif t == T_QUOTA:
            net.delete_quota(real, ignore_missing=False)  # back to the defaults, as the provider does
        elif t == T_NETWORK:
            net.delete_network(real, ignore_missing=False)
        elif t == T_SUBNET:
            net.delete_subnet(real, ignore_missing=False)
        elif t == T_ROUTER:
            net.delete_router(real, ignore_missing=False)
        elif t == T_ROUTER_INTERFACE:
            net.remove_interface_from_router(info["router"], subnet=info["subnet"], port=info["port"])
        elif t == T_ROUTER_ROUTE:
            net.remove_extra_routes_from_router(info["router"], {"router": {"routes": [info["route"]]}})
        elif t == T_PORT:
            net.delete_port(real, ignore_missing=False)
        elif t == T_SECGROUP:
            net.delete_security_group(real, ignore_missing=False)
        elif t == T_SECGROUP_RULE:
            net.delete_security_group_rule(real, ignore_missing=False)
        elif t == T_RBAC:
            net.delete_rbac_policy(real, ignore_missing=False)
        elif t == T_FLOATING_IP:
            net.delete_ip(real, ignore_missing=False)
        elif t == T_FLOATING_IP_ASSOCIATE:
            net.update_ip(real, port_id=None)


def _one(found: Iterable[Any]) -> Any:
    """The single resource a lookup by name finds (a 404 otherwise, as the API would answer)."""
    items = list(found)
    if len(items) != 1:
        raise os_exc.NotFoundException(f"{len(items)} resources match, expected exactly one")
    return items[0]


def _present(a: Mapping[str, Any], **names: str) -> dict[str, Any]:
    """SDK argument -> value of the Pulumi input named for it, for the inputs that are set.
    ``tenant_id`` (an admin creating on behalf of a project) carries over everywhere it exists."""
    names = {"project_id": "tenantId", **names}
    return {sdk: a[pulumi_name] for sdk, pulumi_name in names.items() if a.get(pulumi_name) is not None}


def _network_args(a: Mapping[str, Any]) -> dict[str, Any]:
    args = _present(
        a,
        name="name",
        description="description",
        is_admin_state_up="adminStateUp",
        is_shared="shared",
        is_router_external="external",
        mtu="mtu",
        is_port_security_enabled="portSecurityEnabled",
        dns_domain="dnsDomain",
    )
    for seg in a.get("segments") or []:  # single-segment provider attributes
        args.update(
            _present(
                seg,
                provider_network_type="networkType",
                provider_physical_network="physicalNetwork",
                provider_segmentation_id="segmentationId",
            )
        )
    return args


def _subnet_args(a: Mapping[str, Any]) -> dict[str, Any]:
    args = _present(
        a,
        network_id="networkId",
        cidr="cidr",
        ip_version="ipVersion",
        name="name",
        description="description",
        is_dhcp_enabled="enableDhcp",
        dns_nameservers="dnsNameservers",
        gateway_ip="gatewayIp",
        subnet_pool_id="subnetpoolId",
    )
    if "ip_version" in args:
        args["ip_version"] = int(args["ip_version"])
    if a.get("noGateway"):
        args["gateway_ip"] = None
    if a.get("allocationPools"):
        args["allocation_pools"] = [{"start": p["start"], "end": p["end"]} for p in a["allocationPools"]]
    return args


def _router_args(a: Mapping[str, Any]) -> dict[str, Any]:
    args = _present(
        a,
        name="name",
        description="description",
        is_admin_state_up="adminStateUp",
        is_distributed="distributed",
    )
    if a.get("externalNetworkId"):
        gateway: dict[str, Any] = {"network_id": a["externalNetworkId"]}
        if a.get("enableSnat") is not None:
            gateway["enable_snat"] = a["enableSnat"]
        args["external_gateway_info"] = gateway
    return args


def _port_args(a: Mapping[str, Any]) -> dict[str, Any]:
    args = _present(
        a,
        network_id="networkId",
        name="name",
        description="description",
        is_admin_state_up="adminStateUp",
        mac_address="macAddress",
        device_id="deviceId",
        device_owner="deviceOwner",
        is_port_security_enabled="portSecurityEnabled",
    )
    if a.get("fixedIps"):
        args["fixed_ips"] = [
            {k: v for k, v in (("subnet_id", f.get("subnetId")), ("ip_address", f.get("ipAddress"))) if v}
            for f in a["fixedIps"]
        ]
    if a.get("noSecurityGroups"):
        args["security_group_ids"] = []
    elif a.get("securityGroupIds") is not None:
        args["security_group_ids"] = list(a["securityGroupIds"])
    if a.get("allowedAddressPairs"):
        args["allowed_address_pairs"] = [
            {
                "ip_address": p["ipAddress"],
                **({"mac_address": p["macAddress"]} if p.get("macAddress") else {}),
            }
            for p in a["allowedAddressPairs"]
        ]
    return args


def _rule_args(a: Mapping[str, Any]) -> dict[str, Any]:
    args = _present(
        a,
        security_group_id="securityGroupId",
        direction="direction",
        ether_type="ethertype",
        protocol="protocol",
        remote_group_id="remoteGroupId",
        remote_ip_prefix="remoteIpPrefix",
        description="description",
    )
    for sdk, key in (("port_range_min", "portRangeMin"), ("port_range_max", "portRangeMax")):
        if a.get(key) is not None:
            args[sdk] = int(a[key])
    return args


def refused(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if not o.ok]
