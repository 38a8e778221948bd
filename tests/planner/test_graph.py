"""The planner's own strongly-connected-components function against networkx's."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.graph import strongly_connected_components

NODES = [f"s{i}" for i in range(12)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)), max_size=40))
def test_components_are_networkx_components(edges):
    graph: dict[str, list[str]] = {n: [] for n in NODES}
    for a, b in edges:
        graph[a].append(b)
    ours = sorted(sorted(c) for c in strongly_connected_components(graph))
    g = nx.DiGraph(edges)
    g.add_nodes_from(NODES)
    assert ours == sorted(sorted(c) for c in nx.strongly_connected_components(g))


def test_a_chain_longer_than_the_recursion_limit_is_one_component_per_node_or_one_cycle():
    n = 50_000
    chain = {f"s{i}": [f"s{i + 1}"] if i + 1 < n else [] for i in range(n)}
    assert len(strongly_connected_components(chain)) == n
    chain[f"s{n - 1}"] = ["s0"]
    assert [len(c) for c in strongly_connected_components(chain)] == [n]
