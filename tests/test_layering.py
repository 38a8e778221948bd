"""The layering of the code base, read statically from every module's imports (AST, no execution).

foundation is the bottom layer; the core packages build on it and on each other without ever
reaching up into the CLI package ``govcloud``; bench measures the product, never the tests; and
no two modules import each other, directly or around a circle (imports inside functions and
under TYPE_CHECKING count too: a circle hidden in a function is still a circle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
CORE = ("foundation", "inventory", "planner", "stacks", "playbooks", "reporting")
PROJECT = (*CORE, "govcloud", "verifier", "bench", "tests")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every project module by dotted name."""
    out: dict[str, Path] = {}
    for top in PROJECT:
        if (ROOT / top).is_dir():
            for path in (ROOT / top).rglob("*.py"):
                out[_module_name(path)] = path
    return out


def _imported(name: str, path: Path) -> Iterator[str]:
    """Dotted names *name* imports (absolute; relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                # `from planner import rules` imports the module planner.rules
                sub = f"{base}.{alias.name}"
                yield sub if sub in modules() else base


def _resolve(imported: str) -> str | None:
    """The project module an imported name belongs to, if any."""
    known = modules()
    while imported and imported not in known:
        imported = imported.rpartition(".")[0]
    return imported or None


@cache
def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for name, path in modules().items():
        graph.add_node(name)
        for imported in _imported(name, path):
            target = _resolve(imported)
            if target is not None and target != name:
                graph.add_edge(name, target)
    return graph


def _top(name: str) -> str:
    return name.partition(".")[0]


def _imports_of(packages: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a, b) for a, b in import_graph().edges if _top(a) in packages]


def test_the_core_packages_never_import_the_cli_package() -> None:
    reaching_up = [(a, b) for a, b in _imports_of(CORE) if _top(b) == "govcloud"]
    assert reaching_up == []


def test_foundation_imports_no_other_project_package() -> None:
    sideways = [(a, b) for a, b in _imports_of(("foundation",)) if _top(b) != "foundation"]
    assert sideways == []


def test_the_core_packages_import_neither_tests_nor_bench() -> None:
    wrong = [(a, b) for a, b in _imports_of(CORE) if _top(b) in ("tests", "bench")]
    assert wrong == []


def test_inventory_does_not_import_the_planner() -> None:
    assert [(a, b) for a, b in _imports_of(("inventory",)) if _top(b) == "planner"] == []


def test_no_two_modules_import_each_other_even_around_a_circle() -> None:
    circles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert circles == []


def test_bench_imports_nothing_from_the_tests() -> None:
    assert [(a, b) for a, b in _imports_of(("bench",)) if _top(b) == "tests"] == []


def test_the_import_walk_sees_the_imports_it_checks() -> None:
    # Guards the tests above against passing on an empty graph.
    graph = import_graph()
    assert graph.has_edge("planner.core", "planner.rules")
    assert graph.has_edge("govcloud.cli.common", "foundation.progress")
    assert graph.has_edge("inventory.loader", "inventory.gathering")
