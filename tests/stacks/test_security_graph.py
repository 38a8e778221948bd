"""Flows from the plan's links: resolution of merges, off-cloud ends, and the wave a rule goes live in."""

from __future__ import annotations

from stacks.security import OFF_CLOUD, Flow, boundary_rules, flow_graph, wave_rules
from tests.stacks.conftest import make_plan, system, two_wave_plan


def test_links_resolve_through_merges_and_skip_retired_and_intranet_targets() -> None:
    graph = flow_graph(two_wave_plan())
    assert {(f.source, f.target, f.port) for f in graph.flows} == {
        ("fin-budget", "fin-db", 5432),
        ("fin-budget", "portal", 443),
        ("fin-budget", OFF_CLOUD, 8443),
        ("hr-app", "fin-budget", 8080),
        (OFF_CLOUD, "portal", 443),
    }
    assert {(d.target, d.reason.split()[0]) for d in graph.dropped} == {
        ("old-report", "retire"),
        ("secret-db", "on"),
    }


def test_rules_go_live_in_the_later_wave_of_the_two_ends() -> None:
    graph = flow_graph(two_wave_plan())
    assert {r.owner for r in wave_rules(graph, 0, "x")} == {"portal"}
    assert {(r.owner, r.direction) for r in wave_rules(graph, 1, "x") if r.flow.target == "fin-db"} == {
        ("fin-budget", "egress"),
        ("fin-db", "ingress"),
    }


def test_duplicate_links_open_one_flow() -> None:
    plan = make_plan([system("a", "d", links=[("b", 443), ("b", 443)]), system("b", "d")])
    assert flow_graph(plan).flows == (Flow("a", "b", "tcp", 443),)


def test_only_cross_domain_flows_reach_the_boundary_firewall() -> None:
    rules = boundary_rules(flow_graph(two_wave_plan()))
    assert [(r.name, [f.source for f in r.flows]) for r in rules] == [
        ("admin-to-public-tcp-443", ["fin-budget"])
    ]
