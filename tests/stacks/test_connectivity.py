"""Item 5 on the bundled city: after cut-over every migrating system is reachable by SSH from the
controller and by its users on its service ports, over routes to the extranet, and nothing else
is opened (the dependency flows apart, one rule pair each)."""

from __future__ import annotations

from collections import Counter

from stacks.access import baseline_rules
from stacks.config import settings_from_values
from stacks.preview import PreviewResult, mock_ip
from stacks.security import OPEN_CIDR, PUBLIC_WEB_PORTS, flow_graph, has_public_ip, is_placed, wave_rules

RULE = "openstack:networking/secGroupRule:SecGroupRule"
PORT = "openstack:networking/port:Port"
ROUTE = "openstack:networking/routerRoute:RouterRoute"
ROUTER = "openstack:networking/router:Router"


def _results(bundled_previews) -> dict[object, PreviewResult]:
    return {k: v for k, v in bundled_previews.items() if isinstance(v, PreviewResult)}


def test_every_migrating_system_is_reachable_by_ssh_from_the_controller(bundled_previews) -> None:
    settings = settings_from_values({})
    plan, platform = bundled_previews["plan"], bundled_previews["platform"]
    baseline = platform.outputs["baselineSecurityGroups"]
    ssh = [
        r.inputs
        for r in platform.of_type(RULE)
        if r.inputs["direction"] == "ingress" and r.inputs["portRangeMin"] == 22
    ]
    assert {(r["securityGroupId"], r["remoteIpPrefix"]) for r in ssh} == {
        (sg, settings.controller_cidr) for sg in baseline.values()
    }
    placed = {s.id: s for s in plan.systems if is_placed(s)}
    seen = set()
    for wave in (w.number for w in plan.waves):
        for port in bundled_previews[wave].of_type(PORT):
            system_id = port.name.rsplit("-", 2)[0]
            domain = placed[system_id].domain.value
            assert baseline[domain] in port.inputs["securityGroupIds"], port.name
            seen.add(system_id)
    assert seen == set(placed)


def test_every_migrating_system_is_reachable_by_its_users_on_its_service_ports(bundled_previews) -> None:
    settings = settings_from_values({})
    plan = bundled_previews["plan"]
    service = {(p.protocol, p.port) for p in settings.service_ports}
    users: dict[str, set[tuple[str, int, str]]] = {}
    for wave in (w.number for w in plan.waves):
        for r in bundled_previews[wave].of_type(RULE):
            if r.inputs["description"].startswith("users of "):
                owner = r.inputs["securityGroupId"].removesuffix("-sg-id")
                users.setdefault(owner, set()).add(
                    (r.inputs["protocol"], int(r.inputs["portRangeMin"]), r.inputs["remoteIpPrefix"])
                )
    placed = [s for s in plan.systems if is_placed(s)]
    lans = set(settings.user_lan_cidrs)  # the bundled inventory names no lan_cidrs: the fallback
    for s in placed:
        assert users.get(s.id) == {(p, n, c) for p, n in service for c in lans}, s.id
    # ... and their traffic has a way back: both domain routers route the extranet
    routes = bundled_previews["platform"].of_type(ROUTE)
    routers = {r.name: r.id for r in bundled_previews["platform"].of_type(ROUTER)}
    for router_id in routers.values():
        assert any(
            r.inputs["routerId"] == router_id
            and r.inputs["destinationCidr"] == settings.cidrs.extranet
            and r.inputs["nextHop"] == settings.extranet_gateway
            for r in routes
        )


def test_nothing_else_is_opened_and_each_flow_is_exactly_one_rule_pair(bundled_previews) -> None:
    settings = settings_from_values({})
    plan = bundled_previews["plan"]
    graph = flow_graph(plan)
    allowed_baseline = {(r.direction, r.protocol, r.port, r.remote_cidr) for r in baseline_rules(settings)}
    service = {(p.protocol, p.port) for p in settings.service_ports}
    lans = set(settings.user_lan_cidrs)
    flow_rules: Counter[tuple] = Counter()
    for key, result in _results(bundled_previews).items():
        for r in result.of_type(RULE):
            p = r.inputs
            entry = (p["direction"], p["protocol"], int(p["portRangeMin"]), p.get("remoteIpPrefix"))
            description = str(p.get("description", ""))
            if description.startswith("baseline: "):
                assert entry in allowed_baseline, (key, r.name)
            elif description.startswith("users of "):
                assert p["direction"] == "ingress" and (p["protocol"], p["portRangeMin"]) in service
                assert p["remoteIpPrefix"] in lans, r.name
            elif description == "public web":
                assert (p["protocol"], p["portRangeMin"], p["remoteIpPrefix"]) in {
                    ("tcp", port, OPEN_CIDR) for port in PUBLIC_WEB_PORTS
                }
            else:
                assert description.startswith("MLPS-3: "), (key, r.name, description)
                owner = p["securityGroupId"].removesuffix("-sg-id")
                flow_rules[(owner, p["direction"], p["protocol"], int(p["portRangeMin"]), description)] += 1
    expected: Counter[tuple] = Counter()
    for wave in sorted({w.number for w in plan.waves}):
        for rule in wave_rules(graph, wave, settings.cidrs.extranet):
            text = f"MLPS-3: {rule.flow.source} -> {rule.flow.target} ({rule.flow.kind})"
            expected[(rule.owner, rule.direction, rule.protocol, rule.port, text)] += 1
    assert flow_rules == expected
    # one pair per flow between two migrating systems, one rule when the other end stays off the cloud
    assert sum(expected.values()) == sum(
        2 if flow.source in graph.waves and flow.target in graph.waves else 1 for flow in graph.flows
    )


ADDRESS_GROUP = "openstack:networking/addressGroupV2:AddressGroupV2"


def test_each_flow_rule_names_exactly_its_peer_and_each_port_carries_only_its_groups(
    bundled_previews,
) -> None:
    """The remote end of every dependency rule is the flow's other system (its group within a
    project, an address group holding exactly its servers' addresses across projects) or, for an
    end off the cloud, the extranet; and no port carries a group it should not."""
    settings = settings_from_values({})
    plan = bundled_previews["plan"]
    graph = flow_graph(plan)
    placed = {s.id: s for s in plan.systems if is_placed(s)}
    waves = [w.number for w in plan.waves]
    addresses: dict[str, set[str]] = {}
    for wave in waves:
        for port in bundled_previews[wave].of_type(PORT):
            system_id = port.name.rsplit("-", 2)[0]
            addresses.setdefault(system_id, set()).add(f"{mock_ip(port.name)}/32")
    owner_of = {frozenset(a): sid for sid, a in addresses.items()}
    actual: Counter[tuple] = Counter()
    expected: Counter[tuple] = Counter()
    for wave in waves:
        result = bundled_previews[wave]
        groups = {g.id: frozenset(g.inputs["addresses"]) for g in result.of_type(ADDRESS_GROUP)}
        for r in result.of_type(RULE):
            p = r.inputs
            if not str(p.get("description", "")).startswith("MLPS-3: "):
                continue
            if p.get("remoteGroupId"):
                peer: tuple[str, str] = ("system", p["remoteGroupId"].removesuffix("-sg-id"))
            elif p.get("remoteAddressGroupId"):
                peer = ("system", owner_of[groups[p["remoteAddressGroupId"]]])
            else:
                peer = ("cidr", p["remoteIpPrefix"])
            owner = p["securityGroupId"].removesuffix("-sg-id")
            actual[(owner, p["direction"], p["protocol"], int(p["portRangeMin"]), peer)] += 1
        for rule in wave_rules(graph, wave, settings.cidrs.extranet):
            remote = ("system", rule.remote_system) if rule.remote_system else ("cidr", rule.remote_cidr)
            expected[(rule.owner, rule.direction, rule.protocol, rule.port, remote)] += 1
        web = bundled_previews["platform"].outputs["publicWebSecurityGroup"]
        baseline = bundled_previews["platform"].outputs["baselineSecurityGroups"]
        for port in result.of_type(PORT):
            s = placed[port.name.rsplit("-", 2)[0]]
            allowed = {f"{s.id}-sg-id", baseline[s.domain.value]} | ({web} if has_public_ip(s) else set())
            assert set(port.inputs["securityGroupIds"]) == allowed, port.name
    assert actual == expected and sum(expected.values()) > 0
