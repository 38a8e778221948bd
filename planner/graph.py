"""The dependency graph (networkx): systems, and the rooms and networks they use.

Nodes are ``("system", id)``, ``("room", id)`` and ``("network", id)``. Edges:
``system -> system`` (kind ``depends``: the source depends on the target),
``system -> room`` (``hosted_in``) and ``system -> network`` (``carried_by``).

Co-migration groups are the strongly connected components of the *move* graph over scheduled
systems, whose edges are: dependencies, "merge waits for its target" (merge -> target) and
declared affinity (made mutual, so an affinity tag is one component). Cycles are planned as
one group, never refused. A dependency on a system that does not move is a cross-boundary link
for the stacks (MLPS-3), not an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from inventory.models import Inventory, System
from planner.classify import Decision
from planner.plan_model import SCHEDULED_DISPOSITIONS, Disposition, Group, Link, LinkBoundary


def build_graph(inventory: Inventory) -> nx.DiGraph:
    """The whole graph of systems, rooms and networks."""
    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from((("room", r.id), {"kind": "room"}) for r in inventory.rooms)
    g.add_nodes_from((("network", n.id), {"kind": "network"}) for n in inventory.networks)
    g.add_nodes_from((("system", s.id), {"kind": "system"}) for s in inventory.systems)
    edges: list[tuple[tuple[str, str], tuple[str, str], dict[str, str]]] = []
    for s in inventory.systems:
        node = ("system", s.id)
        edges.extend((node, ("system", d.system), {"kind": "depends"}) for d in s.depends_on)
        if s.room:
            edges.append((node, ("room", s.room), {"kind": "hosted_in"}))
        edges.extend((node, ("network", n), {"kind": "carried_by"}) for n in s.networks)
    g.add_edges_from(edges)
    return g


@dataclass
class Grouping:
    """Scheduled systems collapsed into co-migration units ("jobs")."""

    unit_of: dict[str, str]  # system id -> unit id (its group id, or its own id when alone)
    members: dict[str, list[str]]  # unit id -> member systems, sorted
    predecessors: dict[str, set[str]]  # unit id -> units that must move in the same or an earlier wave
    groups: list[Group]  # the multi-system units, as the plan lists them
    group_of: dict[str, str]  # system id -> group id, only for systems in a multi-system group


def group_systems(inventory: Inventory, decisions: dict[str, Decision]) -> Grouping:
    """SCCs of the move graph over scheduled systems; condensation edges become precedence."""
    scheduled = [s for s in inventory.systems if decisions[s.id].disposition in SCHEDULED_DISPOSITIONS]
    ids = {s.id for s in scheduled}
    move: nx.DiGraph = nx.DiGraph()
    move.add_nodes_from(ids)
    dep_edges: set[tuple[str, str]] = set()
    affinity: dict[str, list[str]] = defaultdict(list)
    for s in scheduled:
        for d in s.depends_on:
            if d.system in ids and d.system != s.id:
                dep_edges.add((s.id, d.system))
        dec = decisions[s.id]
        if dec.disposition is Disposition.MERGE and dec.into in ids:
            dep_edges.add((s.id, dec.into))  # a merge waits for its target
        if s.affinity:
            affinity[s.affinity].append(s.id)
    move.add_edges_from(dep_edges)
    aff_edges = []
    for members in affinity.values():
        for a, b in zip(members, members[1:], strict=False):
            aff_edges += [(a, b), (b, a)]
    move.add_edges_from(aff_edges)

    unit_of: dict[str, str] = {}
    members_of: dict[str, list[str]] = {}
    groups: list[Group] = []
    group_of: dict[str, str] = {}
    by_id = {s.id: s for s in scheduled}
    dep_out: dict[str, list[str]] = defaultdict(list)
    for a, b in dep_edges:
        dep_out[a].append(b)
    comps = [sorted(c) for c in nx.strongly_connected_components(move)]
    comps.sort(key=lambda c: c[0])
    n = 0
    for comp in comps:
        if len(comp) == 1:
            unit_of[comp[0]] = comp[0]
            members_of[comp[0]] = comp
            continue
        n += 1
        gid = f"g-{n:04d}"
        while gid in ids:  # never collide with a system ID
            gid = "grp-" + gid
        for sid in comp:
            unit_of[sid] = gid
            group_of[sid] = gid
        members_of[gid] = comp
        groups.append(Group(id=gid, systems=comp, reason=_group_reason(comp, by_id, dep_out)))

    preds: dict[str, set[str]] = {u: set() for u in members_of}
    for a, b in dep_edges:  # a depends on (or merges into) b: b's unit first
        ua, ub = unit_of[a], unit_of[b]
        if ua != ub:
            preds[ua].add(ub)
    return Grouping(unit_of, members_of, preds, groups, group_of)


def _group_reason(comp: list[str], systems: Mapping[str, System], dep_out: Mapping[str, list[str]]) -> str:
    """Why these systems move together: a dependency cycle, a declared affinity, or both."""
    members = set(comp)
    tags = sorted({a for s in comp if (a := systems[s].affinity)})
    inner: nx.DiGraph = nx.DiGraph((a, b) for a in comp for b in dep_out.get(a, ()) if b in members)
    cyclic = inner.number_of_edges() > 0 and not nx.is_directed_acyclic_graph(inner)
    depts = sorted({systems[s].department for s in comp})
    parts = []
    if cyclic:
        parts.append("dependency cycle")
    if tags:
        parts.append(f"declared affinity {', '.join(tags)}")
    where = f" spanning departments {', '.join(depts)}" if len(depts) > 1 else ""
    return " and ".join(parts) + where


def links_of(inventory: Inventory, decisions: dict[str, Decision]) -> dict[str, list[Link]]:
    """Every dependency as a flow with its boundary: same domain, cross domain, or off the cloud."""

    def landing(sid: str) -> str | None:
        dec = decisions.get(sid)
        if dec is None:
            return None
        if dec.disposition is Disposition.MERGE and dec.into in decisions:
            dec = decisions[dec.into]
        return dec.domain.value if dec.disposition is Disposition.MIGRATE and dec.domain else None

    out: dict[str, list[Link]] = {}
    for s in inventory.systems:
        mine = landing(s.id)
        links = []
        for d in s.depends_on:
            other = landing(d.system)
            if mine is None or other is None:
                boundary = LinkBoundary.OFF_CLOUD
            elif mine == other:
                boundary = LinkBoundary.SAME_DOMAIN
            else:
                boundary = LinkBoundary.CROSS_DOMAIN
            proto, port = d.flow()
            links.append(
                Link.model_construct(
                    system=d.system, kind=d.kind.value, protocol=proto, port=port, boundary=boundary
                )
            )
        out[s.id] = links
    return out
