"""The dependency graph (networkx): systems, and the rooms and networks they use.

Nodes are ``("system", id)``, ``("room", id)`` and ``("network", id)``. Edges:
``system -> system`` (kind ``depends``: the source depends on the target),
``system -> room`` (``hosted_in``) and ``system -> network`` (``carried_by``).

Co-migration groups are the strongly connected components of the *move* graph over scheduled
systems, whose edges are: dependencies, "merge waits for its target" (merge -> target) and
declared affinity (made mutual, so an affinity tag is one component). Cycles are planned as
one group, never refused. A dependency on a system that does not move is a cross-boundary link
for the stacks (MLPS-3), not an error.

Dependencies across clean-up (``carried_dependencies``): a dependency on a system that retires
is carried over to its ``replaced_by`` system (ZOMBIE-2), one on a system that merges to its
merge target (the merge's rule: PLATFORM-1, SHADOW-1 or BIGSYS-1), following chains to the
system that survives. The link then names the survivor, with ``via`` the original system and
``rule`` the clean-up rule (a direct dependency cites DEP-1), and the dependant moves no earlier
than the survivor. A retiring system with no replacement leaves its dependants without the
dependency: a DEP-1 error names both systems, and the link is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from foundation.construct import built
from foundation.messages import Message, msg
from inventory.models import Dependency, Inventory, System
from planner import rules
from planner.classify import Decision
from planner.plan_model import (
    SCHEDULED_DISPOSITIONS,
    Disposition,
    Finding,
    FindingSeverity,
    Group,
    Link,
    LinkBoundary,
)

if TYPE_CHECKING:  # networkx costs a tenth of a second to import: loaded where a graph is built
    import networkx as nx

MERGE_RULES = (rules.PLATFORM_1, rules.SHADOW_1, rules.BIGSYS_1)


@dataclass(frozen=True)
class CarriedDependency:
    """A dependency as the plan keeps it: on its own system, or carried over a clean-up."""

    system: str  # the system (or city platform) depended on after clean-up
    dependency: Dependency  # the surveyed dependency (kind, flow)
    rule: str  # DEP-1 when direct, else the clean-up rule that carried it over
    via: str | None = None  # the retired or merged system it was declared on


def carried_dependencies(
    inventory: Inventory, decisions: Mapping[str, Decision]
) -> tuple[dict[str, list[CarriedDependency]], list[Finding]]:
    """Every system's dependencies after clean-up, and a DEP-1 error for each one lost."""
    replaced_by = {s.id: s.replaced_by for s in inventory.systems}
    out: dict[str, list[CarriedDependency]] = {}
    findings: list[Finding] = []
    for s in inventory.systems:
        kept: list[CarriedDependency] = []
        for d in s.depends_on:
            target, rule, lost = _survivor(d.system, decisions, replaced_by)
            if lost is not None:
                if decisions[s.id].disposition is not Disposition.RETIRE:
                    said = msg("finding.dependency_lost", system=s.id, other=d.system, lost=lost)
                    findings.append(Finding.of(rules.DEP_1, FindingSeverity.ERROR, s.id, said))
                continue
            if target == s.id:
                continue  # it depended on what it replaces or absorbs: nothing left to reach
            via = d.system if target != d.system else None
            kept.append(CarriedDependency(target, d, rule if via else rules.DEP_1, via))
        out[s.id] = kept
    return out, findings


def _survivor(
    system: str, decisions: Mapping[str, Decision], replaced_by: Mapping[str, str | None]
) -> tuple[str, str, Message | None]:
    """(system that survives the clean-up of *system*, the rule carrying it, why it is lost or None)."""
    current, rule, seen = system, rules.DEP_1, {system}
    while (dec := decisions.get(current)) is not None:
        if dec.disposition is Disposition.MERGE and dec.into:
            nxt = dec.into
            why = next((r for r in dec.rules if r in MERGE_RULES), rules.CLASS_1)
        elif dec.disposition is Disposition.RETIRE:
            repl = replaced_by.get(current)
            if not repl or repl not in decisions:
                zombie = next((r for r in dec.rules if r in rules.ZOMBIE_RULES), rules.ZOMBIE_1)
                if current != system:
                    return current, rule, msg("finding.lost.carried_retires", current=current, rule=zombie)
                return current, rule, msg("finding.lost.retires", rule=zombie)
            nxt, why = repl, rules.ZOMBIE_2
        else:
            break
        if nxt in seen:
            break
        seen.add(nxt)
        rule = why if current == system else rule
        current = nxt
    return current, rule, None


def build_graph(inventory: Inventory) -> nx.DiGraph:
    """The whole graph of systems, rooms and networks."""
    import networkx as nx

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
    # carried_dependencies of the decisions grouped (computed once: seconds at province scale)
    carried: dict[str, list[CarriedDependency]] = field(default_factory=dict)
    lost: list[Finding] = field(default_factory=list)  # ... and its DEP-1 errors


def group_systems(inventory: Inventory, decisions: dict[str, Decision]) -> Grouping:
    """SCCs of the move graph over scheduled systems; condensation edges become precedence."""
    by_id = {s.id: s for s in inventory.systems if decisions[s.id].disposition in SCHEDULED_DISPOSITIONS}
    ids = by_id.keys()
    dep_edges: set[tuple[str, str]] = set()
    affinity: dict[str, list[str]] = defaultdict(list)
    carried, lost = carried_dependencies(inventory, decisions)
    move: dict[str, list[str]] = {}
    for sid, s in by_id.items():
        move[sid] = []
        for d in s.depends_on:
            if d.system in ids and d.system != sid:
                dep_edges.add((sid, d.system))
        for c in carried[sid]:  # DEP-1 on the survivor of a clean-up too
            if c.via is not None and c.system in ids and c.system != sid:
                dep_edges.add((sid, c.system))
        dec = decisions[sid]
        if dec.disposition is Disposition.MERGE and dec.into in ids:
            dep_edges.add((sid, dec.into))  # a merge waits for its target
        if s.affinity:
            affinity[s.affinity].append(sid)
    for a, b in dep_edges:
        move[a].append(b)
    for members in affinity.values():
        for a, b in zip(members, members[1:], strict=False):
            move[a].append(b)
            move[b].append(a)

    unit_of: dict[str, str] = {}
    members_of: dict[str, list[str]] = {}
    groups: list[Group] = []
    group_of: dict[str, str] = {}
    dep_out: dict[str, list[str]] = defaultdict(list)
    for a, b in dep_edges:
        dep_out[a].append(b)
    comps = [sorted(c) for c in strongly_connected_components(move)]
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
        why = _group_reason(comp, by_id, dep_out)
        groups.append(Group(id=gid, systems=comp, reason=str(why), reason_message=why))

    preds: dict[str, set[str]] = {u: set() for u in members_of}
    for a, b in dep_edges:  # a depends on (or merges into) b: b's unit first
        ua, ub = unit_of[a], unit_of[b]
        if ua != ub:
            preds[ua].add(ub)
    return Grouping(unit_of, members_of, preds, groups, group_of, carried, lost)


def strongly_connected_components(successors: Mapping[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of a directed graph given as node -> successors.

    Tarjan's algorithm without recursion (a dependency chain can be 100,000 systems long); what
    networkx.strongly_connected_components returns (tests compare the two), without importing
    networkx (a tenth of a second and more of every command's start-up). Successors must be nodes.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for root in successors:
        if root in index:
            continue
        if not successors[root]:  # a node nothing leaves is its own component (most systems)
            index[root] = low[root] = len(index)
            out.append([root])
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                    break
                if child in on_stack and index[child] < low[node]:
                    low[node] = index[child]
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                if low[node] == index[node]:
                    comp = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        comp.append(member)
                        if member == node:
                            break
                    out.append(comp)
    return out


def _group_reason(
    comp: list[str], systems: Mapping[str, System], dep_out: Mapping[str, list[str]]
) -> Message:
    """Why these systems move together: a dependency cycle, a declared affinity, or both."""
    members = set(comp)
    tags = sorted({a for s in comp if (a := systems[s].affinity)})
    inner = {a: [b for b in dep_out.get(a, ()) if b in members] for a in comp}
    cyclic = any(len(c) > 1 for c in strongly_connected_components(inner))  # no self-loops here
    depts = sorted({systems[s].department for s in comp})
    if cyclic and tags:
        what = msg("reason.group.cycle_affinity", tags=tags)
    elif tags:
        what = msg("reason.group.affinity", tags=tags)
    else:
        what = msg("reason.group.cycle")
    return msg("reason.group.across", what=what, departments=depts) if len(depts) > 1 else what


def links_of(
    inventory: Inventory,
    decisions: dict[str, Decision],
    carried: Mapping[str, list[CarriedDependency]] | None = None,
) -> dict[str, list[Link]]:
    """Every dependency after clean-up as a flow with its boundary: same domain, cross domain, off cloud.

    *carried*: carried_dependencies of these decisions, when the caller has it already.
    """

    domain_of: dict[str, str | None] = {}

    def landing(sid: str) -> str | None:
        if sid in domain_of:  # a system many depend on is looked up once
            return domain_of[sid]
        dec = decisions.get(sid)
        if dec is not None and dec.disposition is Disposition.MERGE and dec.into in decisions:
            dec = decisions[dec.into]
        found = domain_of[sid] = (
            dec.domain.value
            if dec is not None and dec.disposition is Disposition.MIGRATE and dec.domain
            else None
        )
        return found

    if carried is None:
        carried = carried_dependencies(inventory, decisions)[0]
    out: dict[str, list[Link]] = {}
    for s in inventory.systems:
        mine = carried[s.id]
        if not mine:  # most systems depend on nothing
            out[s.id] = []
            continue
        here = landing(s.id)
        links = []
        for c in mine:
            d = c.dependency
            other = landing(c.system)
            if here is None or other is None:
                boundary = LinkBoundary.OFF_CLOUD
            elif here == other:
                boundary = LinkBoundary.SAME_DOMAIN
            else:
                boundary = LinkBoundary.CROSS_DOMAIN
            proto, port = d.flow()
            links.append(
                built(Link, dict(
                    system=c.system,
                    kind=d.kind.value,
                    protocol=proto,
                    port=port,
                    boundary=boundary,
                    rule=c.rule,
                    via=c.via,
                ))
            )
        out[s.id] = links
    return out
