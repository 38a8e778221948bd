"""The resources the real Pulumi program registers, with the dependencies it declares.

The program runs exactly as in the mock-runtime tests (``stacks.preview``: same program, same
config as ``govcloud stacks generate`` writes); the recorder additionally keeps what each
registration tells the engine about ordering:
- ``dependencies``: explicit ``depends_on`` plus every resource whose output feeds an input
  (the SDK collects those while serialising the inputs), component dependencies expanded to their
  children, exactly the set the engine waits for;
- the parent, when it is a custom resource (the child's registration awaits its URN, which the
  engine resolves only once the parent exists; a component parent orders nothing);
- the provider, which the engine creates (with its own inputs' dependencies) before any resource
  that uses it.
Resources without a path between them in this graph are created in parallel by ``pulumi up``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from stacks import preview
from stacks.preview import PreviewResult, RecordingMonitor, mock_id

PROVIDER_TYPE = "pulumi:providers:openstack"
PROJECT_TYPE = "openstack:identity/project:Project"
DEPARTMENTS_STACK = "departments"
STACK_REFERENCE = preview.STACK_REFERENCE


@dataclass(frozen=True)
class Declared:
    """What one registration declares besides its inputs."""

    custom: bool
    parent: str
    provider: str  # URN of an explicit provider, "" for the default provider
    dependencies: frozenset[str]
    property_dependencies: Mapping[str, frozenset[str]]


class DependencyRecorder(RecordingMonitor):
    """The preview's mock engine, also keeping each registration's declared ordering."""

    def __init__(self, mocks: preview.RecordingMocks) -> None:
        super().__init__(mocks)
        self.declared: dict[str, Declared] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != preview.STACK_TYPE:
            declared = Declared(
                custom=bool(request.custom),
                parent=request.parent or "",
                # A provider reference is "URN::ID".
                provider=request.provider.rsplit("::", 1)[0] if request.provider else "",
                dependencies=frozenset(request.dependencies),
                property_dependencies={k: frozenset(v.urns) for k, v in request.propertyDependencies.items()},
            )
            with self._lock:
                self.declared[response.urn] = declared
        return response


@dataclass(frozen=True)
class Node:
    """One resource to create: its type, logical name, inputs and what it must wait for."""

    urn: str
    stack: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    mock_id: str
    provider: str  # URN of its explicit provider, "" for the admin (default) provider
    parent: str
    deps: frozenset[str]  # URNs of nodes of the same stack created before it

    @property
    def explicit_provider(self) -> bool:
        return bool(self.provider)


@dataclass
class StackGraph:
    """One stack's creatable resources and their declared ordering."""

    stack: str
    nodes: dict[str, Node]
    outputs: Mapping[str, Any]
    result: PreviewResult
    _by_mock_id: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def by_type(self, type_token: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == type_token]

    def by_mock_id(self) -> dict[str, str]:
        """Mock-engine ID -> URN."""
        if self._by_mock_id is None:
            self._by_mock_id = {n.mock_id: u for u, n in self.nodes.items()}
        return self._by_mock_id

    def dependents(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {u: set() for u in self.nodes}
        for n in self.nodes.values():
            for d in n.deps:
                out[d].add(n.urn)
        return out

    def ancestors(self, urn: str) -> set[str]:
        """Every node *urn* waits for, directly or through others."""
        seen: set[str] = set()
        todo = list(self.nodes[urn].deps)
        while todo:
            u = todo.pop()
            if u not in seen:
                seen.add(u)
                todo.extend(self.nodes[u].deps)
        return seen

    def without_edges(self, drop: Callable[[Node, Node], bool]) -> StackGraph:
        """The same graph minus the edges node -> dependency for which *drop* holds."""
        nodes = {
            u: Node(**{**n.__dict__, "deps": frozenset(d for d in n.deps if not drop(n, self.nodes[d]))})
            for u, n in self.nodes.items()
        }
        return StackGraph(self.stack, nodes, self.outputs, self.result)


@dataclass
class ProgramGraph:
    """The stacks of one program run, in the order `pulumi up` applies them."""

    stacks: list[StackGraph] = field(default_factory=list)

    def stack(self, name: str) -> StackGraph:
        return next(s for s in self.stacks if s.stack == name)

    def nodes(self) -> Iterable[Node]:
        for s in self.stacks:
            yield from s.nodes.values()


def only_departments(stack: StackGraph, departments: set[str]) -> StackGraph:
    """The stack's resources that belong to *departments*' projects (a project tagged with one of
    them, and what depends on it), plus what those need; resources of no project stay."""
    from stacks import tags

    projects = {
        u: tags.tag_value(list(n.inputs.get("tags") or []), tags.DEPARTMENT)
        for u, n in stack.nodes.items()
        if n.type == PROJECT_TYPE
    }
    keep: set[str] = set()
    for u in stack.nodes:
        owners = {projects[a] for a in stack.ancestors(u) | {u} if a in projects}
        if not owners or owners <= departments:
            keep.add(u)
    keep |= {a for u in keep for a in stack.ancestors(u)}
    nodes = {u: n for u, n in stack.nodes.items() if u in keep}
    return StackGraph(stack.stack, nodes, stack.outputs, stack.result)


@contextmanager
def _recording() -> Any:
    """Run previews with the dependency recorder as their mock engine."""
    recorders: list[DependencyRecorder] = []

    def make(mocks: preview.RecordingMocks) -> DependencyRecorder:
        recorder = DependencyRecorder(mocks)
        recorders.append(recorder)
        return recorder

    with mock.patch.object(preview, "RecordingMonitor", make):
        yield recorders


def record(run: Callable[[], PreviewResult]) -> StackGraph:
    """Run one stack's preview and build its graph."""
    with _recording() as recorders:
        result = run()
    declared = recorders[-1].declared
    return build_graph(result, declared)


def build_graph(result: PreviewResult, declared: Mapping[str, Declared]) -> StackGraph:
    creatable = {
        r.urn: r
        for r in result.resources
        if not r.is_component and r.urn in declared or r.type == STACK_REFERENCE
    }
    nodes: dict[str, Node] = {}
    for urn, r in creatable.items():
        d = declared.get(urn)
        deps: set[str] = set()
        provider = ""
        parent = r.parent or ""
        if d is not None:
            deps |= d.dependencies
            provider = d.provider
            if provider:
                deps.add(provider)
            if d.parent in creatable:  # a custom parent (components are not creatable)
                deps.add(d.parent)
        deps &= set(creatable)
        deps.discard(urn)
        nodes[urn] = Node(
            urn=urn,
            stack=result.stack,
            type=r.type,
            name=r.name,
            inputs=dict(r.inputs or {}),
            mock_id=r.id or mock_id(r.name),
            provider=provider,
            parent=parent,
            deps=frozenset(deps),
        )
    return StackGraph(result.stack, nodes, result.outputs, result)


def program_graph(
    plan_path: str | Path, waves: Iterable[int], overrides: Mapping[str, Any] | None = None
) -> ProgramGraph:
    """The platform stack, the departments stack (when the program has one), then each wave's, as
    the program registers them for this plan."""
    overrides = dict(overrides or {})
    graph = ProgramGraph()
    platform = record(lambda: preview.preview_platform(plan_path, overrides))
    graph.stacks.append(platform)
    preview_departments = getattr(preview, "preview_departments", None)
    extra: dict[str, Any] = {}
    if preview_departments is not None:
        departments = record(lambda: preview_departments(plan_path, overrides, platform.result))
        graph.stacks.append(departments)
        extra["departments"] = departments.result
    for wave in waves:
        graph.stacks.append(
            record(
                lambda w=wave: preview.preview_wave(  # type: ignore[misc]
                    plan_path, w, overrides, platform=platform.result, **extra
                )
            )
        )
    return graph
