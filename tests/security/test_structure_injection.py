"""Class 5: control characters in names are refused at load; output escapes anyway.

Beyond newlines: ANSI and OSC escape sequences (terminal title, clipboard), the bidirectional
override U+202E ("Trojan source"), zero-width characters, NUL and the line separator U+2028.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from foundation.text import for_markdown, for_terminal
from tests.security.conftest import problems_of, write_yaml

NAMES = {
    "newline": "预算管理系统\nmalicious: key",
    "ansi": "预算\x1b[2J\x1b[31m系统",
    "osc_title": "预算\x1b]0;pwned\x07系统",
    "bidi_override": "预算\u202etxt.exe",
    "zero_width": "预算\u200b系统",
    "nul": "预算\x00系统",
    "line_separator": "预算\u2028系统",
    "carriage_return": "预算\r系统",
}


@pytest.mark.parametrize("case", sorted(NAMES))
def test_a_control_character_in_a_system_name_is_refused_naming_the_field(
    case: str, tmp_path: Path, city: dict[str, Any]
) -> None:
    city["systems"][0]["name"] = NAMES[case]
    problems = problems_of(write_yaml(tmp_path / "city.yaml", city))
    assert any(": fin-budget: name: " in p and "control character" in p for p in problems), problems


@pytest.mark.parametrize(
    ("kind", "index", "field"),
    [
        ("city", None, "name"),
        ("departments", 0, "name"),
        ("departments", 0, "units"),
        ("networks", 0, "carrier"),
        ("assets", 0, "model"),
        ("systems", 0, "unit"),
    ],
)
def test_control_characters_are_refused_in_every_kind_of_name(
    kind: str, index: int | None, field: str, tmp_path: Path, city: dict[str, Any]
) -> None:
    record = city[kind] if index is None else city[kind][index]
    record[field] = ["预算科", "国库\x1b[8m科"] if field == "units" else "x\x1b[8my"
    problems = problems_of(write_yaml(tmp_path / "city.yaml", city))
    assert any("control character U+001B" in p for p in problems), problems


def test_a_description_may_hold_line_breaks_but_no_escape_sequence(
    tmp_path: Path, city: dict[str, Any]
) -> None:
    city["systems"][0]["description"] = "第一行\n第二行\t(制表)"
    assert problems_of(write_yaml(tmp_path / "ok.yaml", city)) == []
    city["systems"][0]["description"] = "第一行\x1b[2J"
    assert any("description" in p for p in problems_of(write_yaml(tmp_path / "bad.yaml", city)))


def test_validate_never_sends_an_escape_sequence_to_the_terminal(cli, runner, tmp_path: Path) -> None:
    # An unknown key is echoed in the message: it must arrive as visible text.
    bad = tmp_path / "city.yaml"
    bad.write_text('version: 1\n"\\e]52;c;cm0gLXJmIH4=\\a\\e[2J": 1\n', encoding="utf-8")
    result = runner.invoke(cli, ["inventory", "validate", str(bad)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]52" in result.output


def test_terminal_text_keeps_line_breaks_and_shows_everything_else() -> None:
    assert for_terminal("a\nb\tc\x1b[31m\u202e") == "a\nb\tc\\x1b[31m\\u202e"


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "a | b | c", "**粗体** [链接](http://evil)", "# 标题", "`代码`"]
)
def test_markdown_escape_leaves_no_html_no_markup_and_no_cell_break(name: str) -> None:
    text = for_markdown(name)
    assert "<" not in text and ">" not in text
    for special in "|*[]`#":
        assert text.count(special) == text.count("\\" + special)


def test_department_plans_escape_html_and_table_breaks_from_names(
    tmp_path: Path, city: dict[str, Any]
) -> None:
    from inventory.loader import load_inventory
    from planner.core import make_plan
    from planner.policy import load_policy
    from reporting.departments import write_department_plans

    city["systems"][0]["name"] = "<img src=x onerror=alert(1)> | 伪造列 |"
    city["departments"][0]["name"] = "<b>财政局</b>"
    inventory = load_inventory(write_yaml(tmp_path / "city.yaml", city))
    write_department_plans(make_plan(inventory, load_policy()), inventory, out_dir=tmp_path / "out")
    md = (tmp_path / "out" / "departments" / "fin.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "departments" / "fin.html").read_text(encoding="utf-8")
    assert "<img" not in md and "<b>" not in md
    assert "<img" not in html and "<b>财政局" not in html
    header = next(line for line in md.splitlines() if line.startswith("| ") and "---" not in line)
    row = next(line for line in md.splitlines() if line.startswith("| fin-budget |"))
    unescaped = [line.replace("\\|", "").count("|") for line in (header, row)]
    assert unescaped[0] == unescaped[1], row
