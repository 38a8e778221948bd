"""Acceptance of the wave and platform stacks, run as the real program under Pulumi's mock runtime."""

from __future__ import annotations

import math
import threading
from collections import Counter
from pathlib import Path

import pytest

from planner.plan_model import Plan
from stacks import tags
from stacks.config import settings_from_values
from stacks.policy.rules import violations
from stacks.preview import (
    PreviewError,
    PreviewResult,
    preview_platform,
    preview_wave,
    run_program,
)
from stacks.security import is_placed
from stacks.sizing import nearest_flavor
from tests.stacks.conftest import IMAGES

INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
FIP = "openstack:networking/floatingIp:FloatingIp"
PORT = "openstack:networking/port:Port"
PROJECT = "openstack:identity/project:Project"
STACK_REF = "pulumi:pulumi:StackReference"
ADDRESS_GROUP = "openstack:networking/addressGroupV2:AddressGroupV2"


def sg_system(sg_id: str) -> str:
    """System of a security-group ID (the mock engine answers `<system>-sg-id`)."""
    assert sg_id.endswith("-sg-id"), sg_id
    return sg_id.removesuffix("-sg-id")


def peer_of_address_group(ag_id: str) -> str:
    """Peer system of an address group (`<dept>-peer-<system>-id`)."""
    return ag_id.removesuffix("-id").split("-peer-", 1)[1]


def flow_rules_of(result: PreviewResult) -> set[tuple[str, str, str, int]]:
    """(owner, direction, peer system or CIDR, port) of every dependency-flow rule of a wave stack."""
    out = set()
    for r in result.of_type(RULE):
        p = r.inputs
        if not str(p.get("description", "")).startswith("MLPS-3"):
            continue
        if p.get("remoteGroupId"):
            peer = sg_system(p["remoteGroupId"])
        elif p.get("remoteAddressGroupId"):
            peer = peer_of_address_group(p["remoteAddressGroupId"])
        else:
            peer = p["remoteIpPrefix"]
        assert p["portRangeMin"] == p["portRangeMax"]
        out.add((sg_system(p["securityGroupId"]), p["direction"], peer, int(p["portRangeMin"])))
    return out


rules_of = flow_rules_of


def test_each_wave_creates_exactly_the_instances_its_migrating_systems_need(plan_file, previews) -> None:
    plan, _ = plan_file
    flavors = settings_from_values({}).flavors
    for wave in (0, 1):
        systems = [s for s in plan.systems if is_placed(s) and s.wave == wave]
        instances = previews[wave].of_type(INSTANCE)
        per_system = Counter(i.inputs["metadata"][tags.SYSTEM] for i in instances)
        assert per_system == {s.id: max(1, s.sizing.servers) for s in systems}
        for inst in instances:
            s = plan.system(inst.inputs["metadata"][tags.SYSTEM])
            servers = max(1, s.sizing.servers)
            flavor, _ = nearest_flavor(s.sizing.vcpu / servers, s.sizing.ram_gb / servers, flavors)
            assert inst.inputs["flavorName"] == flavor.name
            assert flavor.vcpu * servers >= s.sizing.vcpu and flavor.ram_gb * servers >= s.sizing.ram_gb


def test_volumes_match_the_plan_storage_split_over_the_servers(plan_file, previews) -> None:
    plan, _ = plan_file
    boot_gb = settings_from_values({}).boot_volume_gb
    for wave in (0, 1):
        vols = previews[wave].of_type(VOLUME)
        by_system: dict[str, list[int]] = {}
        for v in vols:
            by_system.setdefault(v.inputs["metadata"][tags.SYSTEM], []).append(int(v.inputs["size"]))
        for s in (s for s in plan.systems if is_placed(s) and s.wave == wave):
            servers = max(1, s.sizing.servers)
            data = [math.ceil(s.sizing.storage_gb / servers)] * servers if s.sizing.storage_gb else []
            assert sorted(by_system.pop(s.id)) == sorted([boot_gb] * servers + data), s.id
        assert by_system == {}


def test_multi_server_systems_get_an_anti_affinity_server_group(previews) -> None:
    groups = previews[1].of_type("openstack:compute/serverGroup:ServerGroup")
    assert [(g.name, g.inputs["policies"]) for g in groups] == [("fin-budget-servergroup", "anti-affinity")]
    budget = [i for i in previews[1].of_type(INSTANCE) if i.inputs["metadata"][tags.SYSTEM] == "fin-budget"]
    assert {i.inputs["schedulerHints"][0]["group"] for i in budget} == {"fin-budget-servergroup-id"}
    assert all("schedulerHints" not in i.inputs for i in previews[0].of_type(INSTANCE))


def test_every_security_rule_is_a_dependency_edge_and_every_edge_has_its_rules(previews) -> None:
    extranet = settings_from_values({}).cidrs.extranet
    # blocked `stuck` -> portal reaches it from the retained LANs; its rule goes live with portal.
    assert rules_of(previews[0]) == {("portal", "ingress", extranet, 443)}
    assert rules_of(previews[1]) == {
        ("fin-budget", "egress", "fin-db", 5432),
        ("fin-db", "ingress", "fin-budget", 5432),
        ("fin-budget", "egress", "portal", 443),
        ("portal", "ingress", "fin-budget", 443),
        ("fin-budget", "egress", extranet, 8443),  # national programme system stays off the cloud
        ("hr-app", "egress", "fin-budget", 8080),
        ("fin-budget", "ingress", "hr-app", 8080),  # via merged hr-leave
    }


def test_security_groups_start_empty_and_only_rules_open_flows(previews) -> None:
    for wave in (0, 1):
        assert all(
            g.inputs["deleteDefaultRules"]
            for g in previews[wave].of_type("openstack:networking/secGroup:SecGroup")
        )


def test_earlier_waves_groups_come_through_resolving_stack_references(previews) -> None:
    refs = {r.name for r in previews[1].of_type(STACK_REF) if not r.name.endswith("-share-ref")}
    both = {"organization/govcloud/platform", "organization/govcloud/departments"}
    assert refs == both | {"organization/govcloud/wave-00"}
    assert {r.name for r in previews[0].of_type(STACK_REF) if not r.name.endswith("-share-ref")} == both
    platform_nets = previews["platform"].outputs["networks"]
    for port in previews[1].of_type(PORT):
        assert port.inputs["networkId"] == platform_nets["administrative_service"]
    assert previews[0].outputs["securityGroups"] == {
        s: f"{s}-sg-id" for s in ("fin-db", "portal", "edu-intra-web")
    }


def test_a_missing_stack_reference_is_reported_not_papered_over(plan_file) -> None:
    _, path = plan_file
    with pytest.raises(PreviewError, match="organization/govcloud/(platform|departments)"):
        run_program("wave-00", {**IMAGES, "layer": "wave", "wave": 0, "plan": str(path)}, stack_outputs={})


def test_a_failed_preview_leaves_nothing_behind_for_the_next_one(plan_file) -> None:
    plan, path = plan_file
    with pytest.raises(PreviewError, match="does not resolve"):  # aborts with RPCs and outputs pending
        run_program("wave-00", {**IMAGES, "layer": "wave", "wave": 0, "plan": str(path)}, stack_outputs={})
    platform = preview_platform(path, IMAGES)
    wave = preview_wave(path, 1, IMAGES, platform=platform)
    placed = [s for s in plan.systems if is_placed(s) and s.wave == 1]
    counts = wave.counts()
    assert counts[INSTANCE] == sum(s.sizing.servers for s in placed) == 3
    assert counts[VOLUME] == 3 + sum(s.sizing.servers for s in placed if s.sizing.storage_gb) == 6
    # 7 flow rules and one user-access rule per system; no project in a wave stack
    assert counts[RULE] == 7 + 2 and counts[PROJECT] == 0 and counts[STACK_REF] == 3 + 4
    assert platform.counts()["openstack:networking/router:Router"] == 2
    assert not [t for t in threading.enumerate() if t.name.startswith(("govcloud-preview", "govcloud-mock"))]


def test_a_platform_without_the_expected_outputs_is_a_preview_error(plan_file) -> None:
    _, path = plan_file
    with pytest.raises(PreviewError, match="does not export '(networks|subnets|publicWebSecurityGroup)'"):
        preview_wave(path, 0, IMAGES, platform=PreviewResult("platform", [], {}))


def test_public_ips_only_for_public_facing_systems_of_the_public_service_domain(previews) -> None:
    fips = previews[0].of_type(FIP) + previews[1].of_type(FIP)
    assert [tags.tag_value(f.inputs["tags"], tags.SYSTEM) for f in fips] == ["portal"]
    assert tags.tag_value(fips[0].inputs["tags"], tags.DOMAIN) == "public_service"
    web_sg = previews["platform"].outputs["publicWebSecurityGroup"]
    with_web = [
        p.name for w in (0, 1) for p in previews[w].of_type(PORT) if web_sg in p.inputs["securityGroupIds"]
    ]
    assert with_web == ["portal-01-port"]  # edu-intra-web is public-facing but administrative: no internet


def test_only_the_public_service_router_has_the_internet_exit(previews) -> None:
    routers = {r.name: r.inputs for r in previews["platform"].of_type("openstack:networking/router:Router")}
    assert routers["public-service-router"].get("externalNetworkId") == "public-id"
    assert "externalNetworkId" not in routers["administrative-service-router"]


def test_cross_domain_flows_pass_the_boundary_firewall_with_their_return_traffic(previews) -> None:
    fw = {r.name: r.inputs for r in previews["platform"].of_type("openstack:firewall/ruleV2:RuleV2")}
    assert set(fw) == {"boundary-admin-to-public-tcp-443", "boundary-admin-to-public-tcp-443-reply"}
    request = fw["boundary-admin-to-public-tcp-443"]
    assert (
        request["protocol"],
        request["destinationPort"],
        request["sourceIpAddress"],
        request["destinationIpAddress"],
    ) == ("tcp", "443", "10.72.0.0/14", "10.64.0.0/14")
    assert "fin-budget->portal" in request["description"]
    # the reply a stateless driver (ML2/OVN) needs: from the service port back to the client domain
    reply = fw["boundary-admin-to-public-tcp-443-reply"]
    assert (reply["sourcePort"], reply["sourceIpAddress"], reply["destinationIpAddress"]) == (
        "443",
        "10.64.0.0/14",
        "10.72.0.0/14",
    )
    policies = {
        r.name: r.inputs for r in previews["platform"].of_type("openstack:firewall/policyV2:PolicyV2")
    }
    assert policies["boundary-egress"]["rules"] == ["boundary-admin-to-public-tcp-443-id"]
    assert policies["boundary-ingress"]["rules"] == ["boundary-admin-to-public-tcp-443-reply-id"]


def test_systems_that_do_not_migrate_get_no_resources(plan_file, previews) -> None:
    plan, _ = plan_file
    idle = [s.id for s in plan.systems if not is_placed(s)]
    assert idle  # retire, merge, intranet, programme, blocked, keep_local are all in the plan
    for key, result in previews.items():
        for r in result.resources:
            meta = r.inputs.get("metadata") or {}
            assert meta.get(tags.SYSTEM) not in idle
            assert not any(r.name.startswith(f"{sid}-") or r.name == sid for sid in idle), (key, r.name)


def test_one_project_per_department_for_the_whole_programme_with_quotas_for_all_its_waves(
    plan_file, previews
) -> None:
    plan, _ = plan_file
    depts = previews["departments"]
    assert sorted(p.inputs["name"] for p in depts.of_type(PROJECT)) == [
        f"govcloud-{d}" for d in sorted({s.department for s in plan.systems if is_placed(s)})
    ]
    assert all(not previews[w].of_type(PROJECT) for w in (0, 1))
    quota = {q.name: q.inputs for q in depts.of_type("openstack:compute/quotaSetV2:QuotaSetV2")}[
        "fin-compute-quota"
    ]
    # fin-db (wave 0: 1 x s1.large) and fin-budget (wave 1: 2 x s1.large), 1.2 headroom.
    assert quota["instances"] == math.ceil(3 * 1.2) and quota["cores"] == math.ceil(12 * 1.2)
    assert quota["ram"] == math.ceil(24 * 1024 * 1.2)
    net = {q.name: q.inputs for q in depts.of_type("openstack:networking/quotaV2:QuotaV2")}[
        "fin-network-quota"
    ]
    assert net["network"] == 0 and net["router"] == 0  # no private networks of their own (CLOUD-3)


def test_wave_systems_go_into_their_departments_project(previews) -> None:
    projects = previews["departments"].outputs["projects"]
    for wave in (0, 1):
        for group in previews[wave].of_type("openstack:networking/secGroup:SecGroup"):
            system = group.name.removesuffix("-sg")
            dept = tags.tag_value(group.inputs["tags"], tags.DEPARTMENT)
            assert group.inputs["tenantId"] == projects[dept], system


def test_protected_systems_volumes_are_encrypted_and_backed_up(previews) -> None:
    for v in previews[1].of_type(VOLUME):
        meta = v.inputs["metadata"]
        protected = meta[tags.SYSTEM] == "fin-budget"
        assert (v.inputs["volumeType"] in settings_from_values({}).encrypted_volume_types) is protected
        assert (meta.get(tags.BACKUP) == "daily") is protected


def test_everything_the_program_creates_passes_the_policy_pack(previews) -> None:
    for result in previews.values():
        for r in result.resources:
            assert violations(r.type, r.inputs, r.urn) == [], (r.type, r.name)


def test_a_missing_plan_file_is_a_clear_preview_error(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match="no such plan file"):
        preview_wave(tmp_path / "nope.json", 0, platform=PreviewResult("platform", [], {}))


def test_bundled_city_waves_create_the_instances_volumes_and_rules_the_plan_needs(bundled_previews) -> None:
    from stacks.security import flow_graph, wave_rules

    plan = bundled_previews["plan"]
    settings = settings_from_values({})
    graph = flow_graph(plan)
    for wave in sorted(w.number for w in plan.waves):
        result = bundled_previews[wave]
        placed = [s for s in plan.systems if is_placed(s) and s.wave == wave]
        assert Counter(i.inputs["metadata"][tags.SYSTEM] for i in result.of_type(INSTANCE)) == Counter(
            {s.id: max(1, s.sizing.servers) for s in placed}
        )
        data = sum(max(1, s.sizing.servers) for s in placed if s.sizing.storage_gb > 0)
        assert len(result.of_type(VOLUME)) == sum(max(1, s.sizing.servers) for s in placed) + data
        expected = {
            (r.owner, r.direction, r.remote_system or r.remote_cidr, r.port)
            for r in wave_rules(graph, wave, settings.cidrs.extranet)
        }
        assert rules_of(result) == expected
        links = {(s.id, link.system) for s in plan.systems for link in s.links}
        for r in result.of_type(RULE):  # every flow rule names a flow some system's dependency declares
            if not r.inputs["description"].startswith("MLPS-3"):
                continue
            src, dst = r.inputs["description"].removeprefix("MLPS-3: ").split(" (")[0].split(" -> ")
            assert any((a, b) in links for a in _ids(plan, src) for b in _ids(plan, dst))
        for f in result.of_type(FIP):
            assert tags.tag_value(f.inputs["tags"], tags.DOMAIN) == "public_service"
    for key, result in bundled_previews.items():
        if isinstance(result, PreviewResult):
            for r in result.resources:
                assert violations(r.type, r.inputs, r.urn) == [], (key, r.name)


def _ids(plan: Plan, side: str) -> set[str]:
    """A flow end as links may name it: the system, systems merged into it, or any off-cloud one."""
    if side == "off-cloud":
        return {s.id for s in plan.systems}
    return {side} | {s.id for s in plan.systems if s.into == side}


def test_previews_suspend_the_cycle_collector_and_leave_it_as_they_found_it() -> None:
    import gc

    import pulumi

    from stacks.preview import without_cycle_collection

    def failing() -> None:
        assert not gc.isenabled(), "suspended while the program runs"
        raise pulumi.RunError("the program failed")

    assert gc.isenabled()
    with pytest.raises(PreviewError, match="the program failed"):
        run_program("failing", {}, {}, program=failing)
    assert gc.isenabled()
    with without_cycle_collection():  # a caller running several previews holds it around them
        with pytest.raises(PreviewError):
            run_program("failing", {}, {}, program=failing)
        assert not gc.isenabled()
    assert gc.isenabled()
