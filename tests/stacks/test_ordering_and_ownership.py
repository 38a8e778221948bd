"""Items 2 and 3: who creates each resource, and the ordering edges the real APIs need, read from
the registered resource graph (dependencies and providers as the engine receives them)."""

from __future__ import annotations

import pytest

from stacks.credentials import scope_overrides
from stacks.preview import PreviewResource, PreviewResult

PORT = "openstack:networking/port:Port"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
GROUP = "openstack:networking/secGroup:SecGroup"
SHARE = "govcloud:wave:RbacShare"
RBAC = "openstack:networking/rbacPolicyV2:RbacPolicyV2"
PROVIDER = "pulumi:providers:openstack"
INTERFACE = "openstack:networking/routerInterface:RouterInterface"
ROUTE = "openstack:networking/routerRoute:RouterRoute"
FIREWALL_GROUP = "openstack:firewall/groupV2:GroupV2"
LOAD_BALANCER = "openstack:loadbalancer/loadBalancer:LoadBalancer"
# Resource types created through an OpenStack API (components and stack references are not).
API_PREFIX = "openstack:"


def provider_of(result: PreviewResult, resource: PreviewResource) -> PreviewResource | None:
    urn = resource.provider_urn
    if urn is None:
        return None
    return result.by_urn()[urn]


def test_every_wave_port_waits_for_the_rbac_shares_of_its_network_and_groups(previews) -> None:
    departments: PreviewResult = previews["departments"]
    rbac_ids = {r.id: r for r in departments.of_type(RBAC)}
    for wave in (0, 1):
        result: PreviewResult = previews[wave]
        shares = result.of_type(SHARE)
        ports = [p for p in result.of_type(PORT)]
        assert ports
        for port in ports:
            needed = [
                s
                for s in shares
                if s.outputs["targetTenant"] == port.inputs["tenantId"]
                and s.outputs["objectId"] in [port.inputs["networkId"], *port.inputs["securityGroupIds"]]
            ]
            # the network and the baseline group at least (public systems: the public-web group too)
            assert len(needed) == 1 + len(
                set(port.inputs["securityGroupIds"]) & {s.outputs["objectId"] for s in shares}
            )
            assert any(s.outputs["objectType"] == "network" for s in needed), port.name
            for share in needed:
                assert result.depends_on(port, share), (port.name, share.name)
                # ... and the share node names the departments stack's policy of that object and project
                policy = rbac_ids[share.outputs["rbacPolicyId"]]
                assert policy.inputs["objectId"] == share.outputs["objectId"]
                assert policy.inputs["targetTenant"] == share.outputs["targetTenant"]


def test_the_firewall_group_waits_for_the_router_interface_of_its_port(previews) -> None:
    platform: PreviewResult = previews["platform"]
    (group,) = platform.of_type(FIREWALL_GROUP)
    interfaces = [i for i in platform.of_type(INTERFACE) if i.inputs.get("portId") in group.inputs["ports"]]
    assert len(interfaces) == 1
    assert platform.depends_on(group, interfaces[0])


def test_routes_wait_for_the_interface_that_makes_their_next_hop_reachable(previews) -> None:
    platform: PreviewResult = previews["platform"]
    routes = platform.of_type(ROUTE)
    assert len(routes) == 4  # two extranet routes, two across the boundary
    interfaces = platform.of_type(INTERFACE)
    for route in routes:
        same_router = [i for i in interfaces if i.inputs["routerId"] == route.inputs["routerId"]]
        assert any(platform.depends_on(route, i) for i in same_router if "subnet" not in i.name), route.name


def test_every_wave_resource_is_created_by_its_departments_provider_scoped_by_explicit_arguments(
    plan_file, previews
) -> None:
    plan, _ = plan_file
    projects = previews["departments"].outputs["projects"]
    for wave in (0, 1):
        result: PreviewResult = previews[wave]
        for provider in result.of_type(PROVIDER):
            inputs = provider.inputs
            assert inputs["tenantId"] in projects.values()
            assert inputs.get("authUrl") and inputs.get("userName") and "cloud" not in inputs
        for r in result.resources:
            if not r.type.startswith(API_PREFIX):
                continue
            provider = provider_of(result, r)
            assert provider is not None, f"{r.name} uses the default (OS_CLOUD) provider"
            if "tenantId" in r.inputs or "projectId" in r.inputs:
                assert r.inputs.get("tenantId", r.inputs.get("projectId")) == provider.inputs["tenantId"], (
                    r.name
                )


def test_no_rule_is_registered_by_a_provider_of_another_project_than_its_groups(plan_file, previews) -> None:
    plan, _ = plan_file
    projects = previews["departments"].outputs["projects"]
    department = {s.id: s.department for s in plan.systems}
    checked = 0
    for wave in (0, 1):
        result: PreviewResult = previews[wave]
        for rule in result.of_type(RULE):
            owner = rule.inputs["securityGroupId"].removesuffix("-sg-id")
            provider = provider_of(result, rule)
            assert provider is not None
            assert provider.inputs["tenantId"] == projects[department[owner]] == rule.inputs["tenantId"], (
                rule.name
            )
            # a peer group is only ever named within one project; other projects' peers by address
            if rule.inputs.get("remoteGroupId"):
                peer = rule.inputs["remoteGroupId"].removesuffix("-sg-id")
                assert department[peer] == department[owner], rule.name
            checked += 1
    assert checked == 1 + 3 + 7 + 2  # per wave its flow rules and one user-access rule per system


def test_cross_department_peers_are_named_by_an_address_group_of_the_owners_project(previews) -> None:
    result: PreviewResult = previews[1]
    groups = {g.id: g for g in result.of_type("openstack:networking/addressGroupV2:AddressGroupV2")}
    rules = [r for r in result.of_type(RULE) if r.inputs.get("remoteAddressGroupId")]
    assert {r.name for r in rules} == {
        "fin-budget-egress-portal-tcp-443",
        "portal-ingress-fin-budget-tcp-443",
        "hr-app-egress-fin-budget-tcp-8080",
        "fin-budget-ingress-hr-app-tcp-8080",
    }
    for rule in rules:
        group = groups[rule.inputs["remoteAddressGroupId"]]
        assert group.inputs["projectId"] == rule.inputs["tenantId"]
        assert group.inputs["addresses"] and all(a.endswith("/32") for a in group.inputs["addresses"])
    budget = groups["hr-peer-fin-budget-id"]
    assert len(budget.inputs["addresses"]) == 2  # both servers of fin-budget


def test_platform_and_departments_run_with_the_admin_provider(previews) -> None:
    for key in ("platform", "departments"):
        result: PreviewResult = previews[key]
        assert not result.of_type(PROVIDER)
        assert all(r.provider_urn is None or "default" in r.provider_urn for r in result.resources)


@pytest.mark.parametrize("variable", ["OS_CLOUD", "OS_PROJECT_ID", "OS_PROJECT_NAME", "OS_TENANT_NAME"])
def test_environment_that_would_rescope_a_wave_provider_is_refused(variable: str) -> None:
    assert scope_overrides({variable: "x", "OS_REGION_NAME": "RegionOne"}) == [variable]
    assert scope_overrides({"OS_REGION_NAME": "RegionOne"}) == []
