"""Classes 8 and 11: YAML alias bombs, recursion and depth are refused within a time bound;
a key given twice in one mapping is an error naming both lines.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from inventory import yaml_source
from tests.security.conftest import MINIMAL, problems_of, time_bound

HEAD = (MINIMAL / "base.yaml").read_text(encoding="utf-8")


def _laughs(levels: int, width: int = 10) -> str:
    """A billion-laughs document hidden inside one system record (13 KB expanding to 10^levels)."""
    lines = [
        "systems:",
        "  - id: bomb",
        "    name: 炸弹",
        "    department: fin",
        "    category: business",
        "    networks: &l0 [" + ", ".join(["n-extranet"] * width) + "]",
    ]
    for i in range(1, levels + 1):
        lines.append(f"    x{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    lines.append(f"    depends_on: *l{levels}")
    return HEAD + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(_laughs(9), id="billion_laughs_list"),
        pytest.param(
            "b0: &b0 {k0: 1, k1: 1}\n"
            + "".join(f"b{i}: &b{i} {{x: *b{i - 1}, y: *b{i - 1}}}\n" for i in range(1, 40)),
            id="doubling_mappings",
        ),
        pytest.param("a: &a [x, *a]\n", id="recursive_alias"),
        pytest.param("a: " + "[" * 500 + "]" * 500 + "\n", id="deep_nesting"),
        pytest.param(
            "base: &b {name: x}\nsystems:\n" + "".join(f"  - {{<<: *b, id: s{i}}}\n" for i in range(5)),
            id="merge_keys_are_fine_when_small",
        ),
    ],
)
def test_alias_bombs_recursion_and_depth_end_in_a_clear_answer(document: str) -> None:
    with time_bound(20):
        result = yaml_source.parse(document)
    if isinstance(result, yaml_source.TextError):
        assert result.line is not None
        assert any(w in result.message for w in ("alias", "nested", "recursive", "nesting")), result.message
    else:
        assert "base" in result  # the only document here that is legitimate


def test_validate_refuses_an_alias_bomb_without_memory_blow_up(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_laughs(9), encoding="utf-8")
    assert bomb.stat().st_size < 20_000
    limit = 1024 * 1024 * 1024  # 1 GiB address space is plenty for refusing it

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [str(Path(sys.executable).parent / "govcloud"), "inventory", "validate", str(bomb)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "alias bomb" in done.stdout
    assert "Traceback" not in done.stderr and "panicked" not in done.stderr


def test_reused_anchors_of_a_real_inventory_still_load(tmp_path: Path) -> None:
    text = HEAD + "systems:\n  - {id: s0, name: 系统0, department: fin, category: business,"
    text += " resources: &res {vcpu: 2, ram_gb: 4, storage_gb: 50}}\n"
    text += "".join(
        f"  - {{id: s{i}, name: 系统{i}, department: fin, category: business, resources: *res}}\n"
        for i in range(1, 3000)
    )
    path = tmp_path / "anchors.yaml"
    path.write_text(text, encoding="utf-8")
    assert problems_of(path) == []


def test_a_duplicate_top_level_key_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(HEAD + "platforms:\n  - {id: city-12345, kind: hotline, name: 热线}\n", encoding="utf-8")
    problems = problems_of(path)
    first = HEAD.splitlines().index("platforms:") + 1
    second = len(HEAD.splitlines()) + 1
    assert any(
        f"duplicate key 'platforms' at line {second} (first at line {first})" in p for p in problems
    ), problems


def test_a_duplicate_field_inside_a_record_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        HEAD
        + "systems:\n  - id: s1\n    name: 甲\n    department: fin\n    category: business\n    name: 乙\n",
        encoding="utf-8",
    )
    base = len(HEAD.splitlines())
    assert any(
        f"duplicate key 'name' at line {base + 6} (first at line {base + 3})" in p for p in problems_of(path)
    )


def test_quoted_and_plain_keys_that_construct_equal_are_duplicates_too(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(HEAD + '"platforms": []\n', encoding="utf-8")
    assert any("duplicate key 'platforms'" in p for p in problems_of(path))
