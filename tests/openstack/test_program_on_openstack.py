"""The Pulumi program's identity and networking resources, created in real Keystone and Neutron.

The real program runs under the mock runtime exactly as in tests/stacks (same program, same
config); every identity and networking resource it registers is then created with openstacksdk
in Keystone and neutron-server from Debian 12's packages (tests/openstack/services.py), with the
credentials of the provider that owns it, in a seeded shuffled order that respects only the
dependencies the program declares (``pulumi up`` creates the others in parallel). The seed is
printed; set GOVCLOUD_OPENSTACK_SEED to replay an order.

Not covered here (they stay under the mock-runtime tests of tests/stacks): compute (Nova),
volumes (Cinder) and load balancers (Octavia) are packaged in Debian 12 but need a hypervisor or
Nova's fake driver, Placement, Glance and a message broker shared by several services; DNS
(Designate) and images (Glance) are packaged but not run either; FWaaS (the boundary firewall)
is not packaged in Debian 12 at all. README.md in this directory has the
details and the resource-to-API table.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import pytest

from planner.plan_model import Plan, write_plan
from stacks.components.system_deployment import security_group_name
from stacks.config import settings_from_values
from stacks.preview import mock_id
from tests.openstack.apply import (
    T_PORT,
    T_RBAC,
    T_SECGROUP_RULE,
    Applier,
    Outcome,
    not_covered,
    refused,
    shuffled_order,
)
from tests.openstack.program_graph import (
    DEPARTMENTS_STACK,
    PROVIDER_TYPE,
    STACK_REFERENCE,
    Node,
    ProgramGraph,
    StackGraph,
    only_departments,
    program_graph,
)
from tests.openstack.services import EXTERNAL_NETWORK, REGION, Endpoints
from tests.openstack.topology import (
    Rule,
    Topology,
    departments_of,
    expected_rules,
    leftovers,
    placed,
    read_topology,
)

pytestmark = [
    pytest.mark.openstack,
    pytest.mark.slow,
    pytest.mark.xdist_group("openstack"),
    # openstacksdk's own deprecations of its internals, raised on every call.
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

SEED = int(os.environ.get("GOVCLOUD_OPENSTACK_SEED", "14"))
# The first wave with flows (wave 1) needs the groups of wave 0, which its stack references.
WAVES = (0, 1)
# The config overrides the mock-runtime tests of tests/stacks run the program with (none on a
# program that needs none), so that both tiers apply the same program with the same config.
STACK_TEST_CONFIG: dict[str, object] = dict(getattr(import_module("tests.stacks.conftest"), "IMAGES", {}))


@dataclass
class Deployment:
    """One apply of the bundled city's platform and waves, a re-plan, and the destroy."""

    plan: Plan
    graph: ProgramGraph
    created: list[Outcome]
    topology: Topology
    moved: str  # the undeployed system the re-plan moves into an applied wave
    replan_changes: dict[str, list[str]]  # stack -> logical names added, changed or removed
    replan_foreign: dict[str, list[str]]  # the same, of resources not the moved system's
    replan_outcomes: list[Outcome]
    destroyed: list[Outcome]
    left: list[str]
    timings: dict[str, float] = field(default_factory=dict)


def _report(title: str, outcomes: list[Outcome]) -> str:
    """The refusals of a run (and how many steps they blocked), for the log and failure messages."""
    bad = [o for o in refused(outcomes) if o.action != "skip"]
    blocked = [o for o in refused(outcomes) if o.action == "skip"]
    lines = [
        f"{title}: {len(outcomes)} steps, {len(bad)} refused, {len(blocked)} blocked by them (seed {SEED})"
    ]
    lines += [f"  {o.stack}: {o}" for o in bad]
    return "\n".join(lines)


def _moved_system(plan: Plan) -> str:
    """An undeployed system (of a later wave) for the re-plan to move into the last applied wave;
    one of a department already in the applied waves when there is one. (The plan's waves come
    from a time-limited search: which systems are where may vary from run to run.)"""
    last = max(WAVES)
    in_last, applied = departments_of(plan, (last,)), departments_of(plan, WAVES)
    later = [s for s in plan.systems if placed(s) and s.wave is not None and s.wave > last]
    assert later, "the bundled city has no undeployed system to re-plan"
    return min(
        later, key=lambda s: (s.department not in in_last, s.department not in applied, s.wave, s.id)
    ).id


def _replanned(plan: Plan, system: str) -> Plan:
    systems = [s.model_copy(update={"wave": max(WAVES)}) if s.id == system else s for s in plan.systems]
    return plan.model_copy(update={"systems": systems})


def _belongs_to(node: Node, system: str) -> bool:
    """A resource of *system*: its own (named after it) or a rule of one of its flows."""
    if node.name.startswith(f"{system}-"):
        return True
    if node.type == T_SECGROUP_RULE:
        group = mock_id(security_group_name(system))
        return group in (node.inputs.get("securityGroupId"), node.inputs.get("remoteGroupId"))
    return False


def _diff(old: StackGraph, new: StackGraph) -> tuple[set[str], set[str], set[str]]:
    """URNs added, changed (other inputs) and removed from *old* to *new*."""
    added = set(new.nodes) - set(old.nodes)
    removed = set(old.nodes) - set(new.nodes)
    changed = {
        u for u in set(old.nodes) & set(new.nodes) if dict(old.nodes[u].inputs) != dict(new.nodes[u].inputs)
    }
    return added, changed, removed


def _applied_part(graph: ProgramGraph, plan: Plan) -> ProgramGraph:
    """The stacks to apply: the departments stack (when the program has one) only for the
    departments of the applied waves, the 46 projects of the whole city would triple the run."""
    return ProgramGraph(
        [
            only_departments(s, departments_of(plan, WAVES)) if s.stack == DEPARTMENTS_STACK else s
            for s in graph.stacks
        ]
    )


def _new_applier(endpoints: Endpoints, label: str) -> Applier:
    applier = Applier(endpoints, f"govcloud-{label}-{os.getpid()}-{time.monotonic_ns()}", SEED)
    # The provider network is the cloud's, not the program's: the program looks it up by name.
    applier.data_ids[mock_id(EXTERNAL_NETWORK)] = endpoints.external_network_id
    return applier


@pytest.fixture(scope="module")
def city_plan(bundled_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    path = tmp_path_factory.mktemp("openstack-plan") / "plan.json"
    write_plan(bundled_plan, path)
    return bundled_plan, path


@pytest.fixture(scope="module")
def deployment(
    openstack_services: Endpoints, city_plan: tuple[Plan, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    plan, path = city_plan
    timings: dict[str, float] = {"services start-up": openstack_services.startup_seconds}
    started = time.perf_counter()
    graph = _applied_part(program_graph(path, WAVES, STACK_TEST_CONFIG), plan)
    timings["program under mocks"] = time.perf_counter() - started
    applier = _new_applier(openstack_services, "city")
    print(f"\nOpenStack tier: applying platform and waves {WAVES} with seed {SEED}")
    try:
        started = time.perf_counter()
        created = applier.apply(graph)
        timings["apply"] = time.perf_counter() - started
        print(_report("apply", created))
        topology = read_topology(applier)

        # Re-plan: one undeployed system moves into the last applied wave; re-apply the stacks.
        moved = _moved_system(plan)
        replan_path = tmp_path_factory.mktemp("openstack-replan") / "plan.json"
        replan = _replanned(plan, moved)
        write_plan(replan, replan_path)
        regraph = _applied_part(program_graph(replan_path, WAVES, STACK_TEST_CONFIG), replan)
        changes: dict[str, list[str]] = {}
        foreign: dict[str, list[str]] = {}
        before = len(applier.outcomes)
        started = time.perf_counter()
        for i, (old, new) in enumerate(zip(graph.stacks, regraph.stacks, strict=True)):
            added, changed, removed = _diff(old, new)
            nodes = [new.nodes[u] for u in added | changed] + [old.nodes[u] for u in removed]
            changes[new.stack] = sorted(n.name for n in nodes)
            # Credentials and stack references are no resources of the cloud; types this tier does
            # not apply (Nova: the instances, whose user data carries a host key the mock makes anew
            # per preview, an ignored change) are checked under mocks (tests/stacks/test_lifecycle.py).
            foreign[new.stack] = sorted(
                n.name
                for n in nodes
                if not _belongs_to(n, moved)
                and n.type not in (PROVIDER_TYPE, STACK_REFERENCE)
                and not_covered(n.type) is None
            )
            applier.destroy_stack(old, only=lambda n, r=removed: n.urn in r)  # type: ignore[misc]
            for u in changed:
                if u in applier.created:
                    applier.update(new.nodes[u], new, regraph.stacks[:i])
            applier.apply_stack(new, regraph.stacks[:i], only=lambda n, a=added: n.urn in a)  # type: ignore[misc]
        timings["re-plan apply"] = time.perf_counter() - started
        replan_outcomes = applier.outcomes[before:]
        print(_report(f"re-plan of {moved}", replan_outcomes))

        started = time.perf_counter()
        destroyed = applier.destroy(regraph)
        timings["destroy"] = time.perf_counter() - started
        print(_report("destroy", destroyed))
        left = leftovers(applier)
        print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        yield Deployment(
            plan, graph, created, topology, moved, changes, foreign, replan_outcomes, destroyed, left, timings
        )
    finally:
        applier.close()


def test_the_tiers_tests_share_one_xdist_worker(request: pytest.FixtureRequest) -> None:
    """Split over two workers, each would apply the whole deployment (twice the time, two
    deployments at once). xdist 3 groups by suffixing the node ID with the group's name; with
    pytest 9.2 that suffix is lost and loadgroup silently distributes as `load` (pyproject pins
    pytest below 9.2 for it)."""
    # xdist sets `loadgroup` on its workers only.
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not distributed with --dist loadgroup: one process runs every test")
    assert request.node.nodeid.endswith("@openstack"), (
        f"{request.node.nodeid}: the xdist_group mark did not reach the scheduler"
    )


def test_every_resource_type_of_the_program_is_applied_or_named_as_not_covered(
    deployment: Deployment,
) -> None:
    unmapped = sorted({o.type for o in deployment.created if "no API mapping" in o.error})
    assert unmapped == []
    applied = {o.type for o in deployment.created if o.action == "create"}
    skipped = Counter(o.type for o in deployment.created if o.action == "skip" and o.ok)
    assert all(not_covered(t) for t in skipped), skipped
    # Identity and networking are applied for real, not set aside.
    assert {t for t in applied if t.startswith(("openstack:identity/", "openstack:networking/"))} >= {
        "openstack:identity/project:Project",
        "openstack:networking/port:Port",
        "openstack:networking/rbacPolicyV2:RbacPolicyV2",
        "openstack:networking/secGroupRule:SecGroupRule",
    }


def test_every_create_the_program_declares_is_accepted(deployment: Deployment) -> None:
    bad = refused(deployment.created)
    assert bad == [], _report("apply", deployment.created)


def test_each_department_has_exactly_one_project(deployment: Deployment) -> None:
    expected = departments_of(deployment.plan, WAVES)
    projects = deployment.topology.projects_by_department
    assert set(projects) == expected
    assert {d: len(p) for d, p in projects.items() if len(p) != 1} == {}


def test_security_group_rules_in_neutron_are_exactly_the_plans_links(deployment: Deployment) -> None:
    extranet = settings_from_values(STACK_TEST_CONFIG).cidrs.extranet
    expected = expected_rules(deployment.plan, WAVES, extranet)
    actual = deployment.topology.rules
    assert expected, "the applied waves have no flows: the comparison would prove nothing"
    systems = {r[0] for r in expected | actual}

    def between_groups(rules: set[Rule]) -> list[Rule]:
        return sorted(r for r in rules if r[4] in systems)

    # Between two systems' groups: exactly one rule per end of each link, nothing else.
    assert between_groups(actual) == between_groups(expected)
    # Towards the retained LANs: each off-cloud link's rule (user-access rules may add others).
    assert sorted(expected - set(between_groups(expected)) - actual) == []


def test_both_domain_routers_route_to_the_extranet(deployment: Deployment) -> None:
    extranet = settings_from_values(STACK_TEST_CONFIG).cidrs.extranet
    routes = deployment.topology.router_routes
    domain_routers = {name: dests for name, dests in routes.items() if name.startswith("govcloud-")}
    assert len(domain_routers) == 2, routes
    assert {name: extranet in dests for name, dests in domain_routers.items()} == {
        name: True for name in domain_routers
    }


def test_destroy_in_reverse_dependency_order_is_accepted_in_full(deployment: Deployment) -> None:
    assert refused(deployment.destroyed) == [], _report("destroy", deployment.destroyed)
    assert deployment.left == []


def test_replan_of_one_undeployed_system_changes_only_that_systems_resources(deployment: Deployment) -> None:
    moved = deployment.moved
    touched = {stack: names for stack, names in deployment.replan_changes.items() if names}
    assert touched, f"moving {moved} into wave {max(WAVES)} changed nothing"
    assert {s: n for s, n in deployment.replan_foreign.items() if n} == {}
    assert refused(deployment.replan_outcomes) == [], _report("re-plan", deployment.replan_outcomes)
    # The moved system's resources were created in the services, and only they were touched there.
    applied = {o.name for o in deployment.replan_outcomes if o.action in ("create", "update", "delete")}
    assert any(o.action == "create" and o.name.startswith(f"{moved}-") for o in deployment.replan_outcomes)
    assert applied <= {n for names in deployment.replan_changes.values() for n in names}


# -- the tier catches a real mistake --------------------------------------------------------------


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _project_of(stack: StackGraph, port: Node) -> str | None:
    """The project a port is created in: its own `tenant_id`, else its provider's scope."""
    provider = stack.nodes.get(port.provider)
    return port.inputs.get("tenantId") or (provider.inputs.get("tenantId") if provider else None)


def _share_of(graph: ProgramGraph, wave: StackGraph, port: Node) -> Node | None:
    """The RBAC policy (in whichever stack) sharing the port's network with the port's project."""
    project = _project_of(wave, port)
    for n in graph.nodes():
        if (
            n.type == T_RBAC
            and n.inputs.get("objectId") == port.inputs.get("networkId")
            and n.inputs.get("targetTenant") == project
        ):
            return n
    return None


def _as_one_stack(graph: ProgramGraph, roots: set[str]) -> StackGraph:
    """*roots* and everything they need, from every stack, as one graph with no stack order: the
    edges are each stack's own plus, across stacks, from a resource to those whose IDs its inputs
    carry. So nothing orders a port after an RBAC policy unless the program says so."""
    by_urn = {n.urn: n for n in graph.nodes()}
    by_mock = {n.mock_id: n.urn for n in graph.nodes()}
    needed: set[str] = set()
    todo = list(roots)
    nodes: dict[str, Node] = {}
    while todo:
        urn = todo.pop()
        if urn in needed:
            continue
        needed.add(urn)
        node = by_urn[urn]
        refs = {by_mock[v] for v in _strings(dict(node.inputs)) if v in by_mock and by_mock[v] != urn}
        deps = set(node.deps) | {r for r in refs if by_urn[r].stack != node.stack}
        nodes[urn] = Node(**{**node.__dict__, "deps": frozenset(deps)})
        todo.extend(deps)
    stack = graph.stacks[-1]
    return StackGraph(stack.stack, nodes, stack.outputs, stack.result)


def _port_before_share(graph: ProgramGraph) -> tuple[StackGraph, Node, Node, int]:
    """A port of the last stack, its network's share, the graph of what they need, and a seed (from
    SEED on) whose shuffled order of that graph creates the port before the share."""
    wave = graph.stacks[-1]
    pairs = [
        (p, s) for p in sorted(wave.by_type(T_PORT), key=lambda n: n.name) if (s := _share_of(graph, wave, p))
    ]
    assert pairs, f"{wave.stack} has no port on a network shared by RBAC"
    port, share = pairs[0]
    # The port's other shares (its security groups') stay what it waits for: only the network's
    # share is the mistake under test.
    project, used = _project_of(wave, port), set(_strings(dict(port.inputs)))
    others = {
        n.urn
        for n in graph.nodes()
        if n.type == T_RBAC
        and n.urn != share.urn
        and n.inputs.get("objectId") in used
        and n.inputs.get("targetTenant") in (project, "*")
    }
    sub = _as_one_stack(graph, {port.urn, share.urn} | others)
    sub.nodes[port.urn] = Node(**{**port.__dict__, "deps": sub.nodes[port.urn].deps | others})
    # The mistake: the port does not wait for its network's share, wherever the program declares it.
    sub = sub.without_edges(lambda node, dep: node.urn == port.urn and dep.urn == share.urn)
    for seed in range(SEED, SEED + 200):
        order = shuffled_order(sub, random.Random(seed))
        if order.index(port.urn) < order.index(share.urn):
            return sub, port, share, seed
    raise AssertionError(f"no order puts {port.name} before {share.name}: the program orders them")


@pytest.fixture(scope="module")
def wave0_graph(city_plan: tuple[Plan, Path]) -> ProgramGraph:
    return program_graph(city_plan[1], (0,), STACK_TEST_CONFIG)


def test_tier_catches_a_port_created_before_the_rbac_share_of_its_network(
    openstack_services: Endpoints, wave0_graph: ProgramGraph
) -> None:
    sub, port, share, seed = _port_before_share(wave0_graph)
    print(f"\n{port.name} before {share.name} with seed {seed}")
    applier = _new_applier(openstack_services, "rbac")
    applier.seed, applier.rng = seed, random.Random(seed)
    try:
        applier.apply_stack(sub, [])
        outcomes = list(applier.outcomes)
    finally:
        applier.destroy_stack(sub)
        applier.close()
    by_name = {o.name: o for o in outcomes}
    assert by_name[share.name].ok, by_name[share.name]
    refusal = by_name[port.name]
    assert (refusal.action, refusal.ok, refusal.status) == ("create", False, 404), refusal
    assert "Network" in refusal.error and "could not be found" in refusal.error


# -- concurrent requests, as `pulumi up` sends them ------------------------------------------------

CONCURRENT_CLIENTS = 4
RULES_PER_CLIENT = 12


def test_security_group_rules_created_by_concurrent_clients_are_all_accepted(
    openstack_services: Endpoints,
) -> None:
    """Pulumi creates independent resources in parallel; the applier sends one request at a time
    (for replayable orders), so this checks the services take concurrent writers: on SQLite
    Neutron refused most of these creates with 500 "database is locked"."""
    import openstack
    from openstack import exceptions as os_exc

    refusals: list[str] = []
    accepted: list[str] = []
    start = threading.Barrier(CONCURRENT_CLIENTS)

    def client(i: int) -> None:
        conn = openstack.connect(region_name=REGION, identity_api_version="3", **openstack_services.auth())  # type: ignore[arg-type]
        group = conn.network.create_security_group(name=f"concurrent-{os.getpid()}-{i}")
        try:
            start.wait()
            for port in range(RULES_PER_CLIENT):
                try:
                    rule = conn.network.create_security_group_rule(
                        security_group_id=group.id,
                        direction="ingress",
                        ether_type="IPv4",
                        protocol="tcp",
                        port_range_min=8000 + port,
                        port_range_max=8000 + port,
                        remote_ip_prefix=f"10.{i}.0.0/16",
                    )
                    accepted.append(rule.id)
                except os_exc.HttpException as exc:
                    refusals.append(f"{exc.status_code} {exc.details}")
        finally:
            conn.network.delete_security_group(group, ignore_missing=True)
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENT_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert refusals == []
    assert len(accepted) == CONCURRENT_CLIENTS * RULES_PER_CLIENT
